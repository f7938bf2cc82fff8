//! 人事異動: batches of moves that take effect on a date. A confirmed batch is applied on its
//! effective date (by the server's daily run, or at once when the date has come); people move,
//! and role assignments tied to a post pass to the person who takes the post.

use std::collections::HashMap;

use chrono::NaiveDate;
use mamori_domain::DomainError;
use mamori_domain::audit::{Actor, AuditEntry};
use mamori_domain::ids::{OrgUnitId, PersonId, TransferId};
use mamori_domain::org::PersonStatus;
use mamori_domain::transfer::{Move, Position, Transfer, TransferReport, TransferStatus};
use mamori_store::{WriteTx, audit, org, transfers};
use serde::Serialize;

use crate::access::OrgEditor;
use crate::{App, AppError, CurrentUser, RequestMeta};

/// One move with the names the screen shows.
#[derive(Debug, Clone, Serialize)]
pub struct MoveView {
    pub person: PersonId,
    pub staff_number: String,
    pub name: String,
    pub from: String,
    pub to: String,
    pub to_status: PersonStatus,
}

#[derive(Debug, Clone, Serialize)]
pub struct TransferView {
    pub transfer: Transfer,
    pub moves: Vec<MoveView>,
}

/// A move as typed on the screen.
#[derive(Debug, Clone, Default)]
pub struct MoveInput {
    pub staff_number: String,
    pub to_unit: Option<OrgUnitId>,
    pub to_title: String,
    pub to_status: String,
}

/// Whether a batch moves the user's person.
fn concerns(moves: &[Move], user: &CurrentUser) -> bool {
    user.account
        .person_id
        .is_some_and(|me| moves.iter().any(|m| m.person == me))
}

fn invalid(field: &str, message: impl Into<String>) -> AppError {
    AppError::Invalid(DomainError::new(field, message))
}

impl App {
    /// The batches the user may see: all of them for an org editor; for everyone else the
    /// applied ones and, of those not yet in force (drafts included), only the ones that move
    /// the user — a planned 人事異動 is personnel information until it takes effect.
    pub async fn transfers(&self, user: &CurrentUser) -> Result<Vec<Transfer>, AppError> {
        let body = user.body()?;
        let mut conn = self.store().conn().await?;
        let all = transfers::list_transfers(&mut conn, body.id).await?;
        if user.org_editor().is_ok() {
            return Ok(all);
        }
        let mut visible = Vec::new();
        for t in all {
            if t.status == TransferStatus::Applied
                || concerns(&transfers::moves(&mut conn, t.id).await?, user)
            {
                visible.push(t);
            }
        }
        Ok(visible)
    }

    pub async fn transfer(
        &self,
        user: &CurrentUser,
        id: TransferId,
    ) -> Result<TransferView, AppError> {
        let body = user.body()?;
        let mut conn = self.store().conn().await?;
        let transfer = transfers::find_transfer(&mut conn, body.id, id)
            .await?
            .ok_or_else(|| AppError::NotFound("人事異動".to_owned()))?;
        // Before it takes effect, a batch shows a person who does not edit the organization
        // only their own move; a batch that does not move them is not theirs to see.
        let mut stored = transfers::moves(&mut conn, id).await?;
        if transfer.status != TransferStatus::Applied && user.org_editor().is_err() {
            stored.retain(|m| Some(m.person) == user.account.person_id);
            if stored.is_empty() {
                return Err(AppError::NotFound("人事異動".to_owned()));
            }
        }
        let units: HashMap<OrgUnitId, String> = org::all_units(&mut conn, body.id)
            .await?
            .into_iter()
            .map(|u| (u.id, u.name))
            .collect();
        let history = org::people_on(
            &mut conn,
            body.id,
            transfer
                .effective_date
                .pred_opt()
                .unwrap_or(transfer.effective_date),
        )
        .await?
        .into_iter()
        .map(|(id, _, unit, title, _)| (id, (unit, title)))
        .collect::<HashMap<_, _>>();
        let people: HashMap<PersonId, (String, String)> = org::all_people(&mut conn, body.id)
            .await?
            .into_iter()
            .map(|p| (p.id, (p.staff_number, p.name)))
            .collect();
        let unit_name = |id: &OrgUnitId| units.get(id).cloned().unwrap_or_default();
        let moves = stored
            .into_iter()
            .map(|m| {
                let (staff_number, name) = people.get(&m.person).cloned().unwrap_or_default();
                MoveView {
                    person: m.person,
                    staff_number,
                    name,
                    from: history
                        .get(&m.person)
                        .map(|(u, t)| format!("{} {t}", unit_name(u)))
                        .unwrap_or_default(),
                    to: format!("{} {}", unit_name(&m.to.unit_id), m.to.title),
                    to_status: m.to.status,
                }
            })
            .collect();
        Ok(TransferView { transfer, moves })
    }

    /// Starts a batch (作成中).
    pub async fn create_transfer(
        &self,
        user: &CurrentUser,
        may: &OrgEditor,
        title: &str,
        effective: NaiveDate,
        meta: &RequestMeta,
    ) -> Result<Transfer, AppError> {
        let body = may.body(user)?;
        let title = mamori_domain::text::single_line("件名", title, 200)?;
        if title.is_empty() {
            return Err(invalid("件名", "入力してください"));
        }
        let now = self.now();
        let transfer = Transfer {
            id: TransferId::new(),
            body_id: body.id,
            title: title.to_owned(),
            effective_date: effective,
            status: TransferStatus::Draft,
            created_at: now,
            applied_at: None,
            report: None,
        };
        let mut tx = self.store().begin_write().await?;
        transfers::insert_transfer(&mut tx, &transfer).await?;
        let entry = AuditEntry::new(user.actor(), "transfer.create", "transfer", transfer.id)
            .body(body.id)
            .after(&transfer)
            .request(meta.request_id.clone());
        audit::append(&mut tx, now, entry).await?;
        tx.commit().await?;
        Ok(transfer)
    }

    async fn editable_transfer(
        &self,
        tx: &mut WriteTx,
        user: &CurrentUser,
        id: TransferId,
    ) -> Result<Transfer, AppError> {
        let body = user.body()?;
        transfers::find_transfer(&mut *tx, body.id, id)
            .await?
            .ok_or_else(|| AppError::NotFound("人事異動".to_owned()))
    }

    /// Adds (or replaces) one person's move in a batch that is 作成中.
    pub async fn put_transfer_move(
        &self,
        user: &CurrentUser,
        may: &OrgEditor,
        id: TransferId,
        input: MoveInput,
        meta: &RequestMeta,
    ) -> Result<(), AppError> {
        let body = may.body(user)?;
        let now = self.now();
        let mut tx = self.store().begin_write().await?;
        let transfer = self.editable_transfer(&mut tx, user, id).await?;
        transfer.ensure_editable()?;
        let number = input.staff_number.trim();
        let person = org::all_people(&mut tx, body.id)
            .await?
            .into_iter()
            .find(|p| p.staff_number == number)
            .ok_or_else(|| invalid("職員番号", format!("職員番号「{number}」の職員はいません")))?;
        crate::posts::refuse_moving_oneself(user, std::iter::once(person.id))?;
        let units = org::units_on(&mut tx, body.id, transfer.effective_date).await?;
        let unit = input
            .to_unit
            .filter(|u| units.iter().any(|x| x.id == *u))
            .ok_or_else(|| invalid("異動後の所属", "適用日に存在する組織を選んでください"))?;
        let status = PersonStatus::parse(&input.to_status).ok_or_else(|| {
            invalid(
                "異動後の在職状況",
                "在職・休職・退職のいずれかを選んでください",
            )
        })?;
        let m = Move {
            person: person.id,
            to: Position {
                unit_id: unit,
                title: input.to_title.trim().to_owned(),
                status,
            },
        };
        transfers::put_move(&mut tx, id, &m).await?;
        let entry = AuditEntry::new(user.actor(), "transfer.move", "transfer", id)
            .body(body.id)
            .after(&m)
            .request(meta.request_id.clone());
        audit::append(&mut tx, now, entry).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Adds the moves of a 人事異動 list (Excel or CSV: 職員番号, 氏名, 異動後の所属, 異動後の職名,
    /// 在職状況) to a batch that is 作成中, replacing earlier moves of the same people. All or
    /// nothing: any bad row refuses the file, naming up to ten problems by row and column.
    pub async fn import_transfer_moves(
        &self,
        user: &CurrentUser,
        may: &OrgEditor,
        id: TransferId,
        file_name: &str,
        bytes: &[u8],
        meta: &RequestMeta,
    ) -> Result<usize, AppError> {
        let body = may.body(user)?;
        let now = self.now();
        let table = crate::org_import::read(file_name, bytes)?;
        let mut tx = self.store().begin_write().await?;
        let transfer = self.editable_transfer(&mut tx, user, id).await?;
        transfer.ensure_editable()?;
        let units = org::units_on(&mut tx, body.id, transfer.effective_date).await?;
        let resolver = crate::org_import::Resolver::new(&units);
        let parsed = mamori_io::org_table::parse_moves(&table, &resolver);
        let people: HashMap<String, PersonId> = org::all_people(&mut tx, body.id)
            .await?
            .into_iter()
            .map(|p| (p.staff_number, p.id))
            .collect();
        let mut problems: Vec<String> = parsed
            .problems
            .iter()
            .map(|p| match &p.column {
                Some(c) => format!("{}行目「{c}」: {}", p.line, p.message),
                None => format!("{}行目: {}", p.line, p.message),
            })
            .collect();
        let mut moves = Vec::new();
        for row in &parsed.rows {
            match people.get(&row.staff_number) {
                Some(person) => moves.push(Move {
                    person: *person,
                    to: Position {
                        unit_id: crate::org_import::unit_id(&row.unit)?,
                        title: row.title.clone(),
                        status: row.status,
                    },
                }),
                None => problems.push(format!(
                    "{}行目「職員番号」: 職員番号「{}」の職員はいません",
                    row.line, row.staff_number
                )),
            }
        }
        if !problems.is_empty() {
            let count = problems.len();
            problems.truncate(10);
            return Err(invalid(
                "異動の一覧",
                format!(
                    "{count}件の誤りがあります（何も登録していません）。{}",
                    problems.join(" ／ ")
                ),
            ));
        }
        if moves.is_empty() {
            return Err(invalid("異動の一覧", "異動する職員の行がありません"));
        }
        crate::posts::refuse_moving_oneself(user, moves.iter().map(|m| m.person))?;
        for m in &moves {
            transfers::put_move(&mut tx, id, m).await?;
        }
        let entry = AuditEntry::new(user.actor(), "transfer.import", "transfer", id)
            .body(body.id)
            .after(&serde_json::json!({ "file": file_name, "moves": moves.len() }))
            .request(meta.request_id.clone());
        audit::append(&mut tx, now, entry).await?;
        tx.commit().await?;
        Ok(moves.len())
    }

    pub async fn remove_transfer_move(
        &self,
        user: &CurrentUser,
        may: &OrgEditor,
        id: TransferId,
        person: PersonId,
        meta: &RequestMeta,
    ) -> Result<(), AppError> {
        let body = may.body(user)?;
        let now = self.now();
        let mut tx = self.store().begin_write().await?;
        let transfer = self.editable_transfer(&mut tx, user, id).await?;
        transfer.ensure_editable()?;
        transfers::delete_move(&mut tx, id, person).await?;
        let entry = AuditEntry::new(user.actor(), "transfer.unmove", "transfer", id)
            .body(body.id)
            .after(&serde_json::json!({ "person": person }))
            .request(meta.request_id.clone());
        audit::append(&mut tx, now, entry).await?;
        tx.commit().await?;
        Ok(())
    }

    /// 作成中 → 確定. When the effective date has already come, the batch is applied at once.
    pub async fn confirm_transfer(
        &self,
        user: &CurrentUser,
        may: &OrgEditor,
        id: TransferId,
        meta: &RequestMeta,
    ) -> Result<Transfer, AppError> {
        let body = may.body(user)?;
        let now = self.now();
        let mut tx = self.store().begin_write().await?;
        let mut transfer = self.editable_transfer(&mut tx, user, id).await?;
        let before = transfer.clone();
        let count = transfers::moves(&mut tx, id).await?.len();
        transfer.confirm(count)?;
        transfers::update_transfer(&mut tx, &transfer).await?;
        let entry = AuditEntry::new(user.actor(), "transfer.confirm", "transfer", id)
            .body(body.id)
            .before(&before.status)
            .after(&transfer.status)
            .request(meta.request_id.clone());
        audit::append(&mut tx, now, entry).await?;
        if transfer.effective_date <= self.today() {
            apply(&mut tx, &mut transfer, &user.actor(), self.today(), now).await?;
        }
        tx.commit().await?;
        Ok(transfer)
    }

    /// 確定 → 作成中, before the date.
    pub async fn reopen_transfer(
        &self,
        user: &CurrentUser,
        may: &OrgEditor,
        id: TransferId,
        meta: &RequestMeta,
    ) -> Result<Transfer, AppError> {
        let body = may.body(user)?;
        let now = self.now();
        let mut tx = self.store().begin_write().await?;
        let mut transfer = self.editable_transfer(&mut tx, user, id).await?;
        transfer.reopen()?;
        transfers::update_transfer(&mut tx, &transfer).await?;
        let entry = AuditEntry::new(user.actor(), "transfer.reopen", "transfer", id)
            .body(body.id)
            .after(&transfer.status)
            .request(meta.request_id.clone());
        audit::append(&mut tx, now, entry).await?;
        tx.commit().await?;
        Ok(transfer)
    }

    /// The daily run: brings the current values of units and people up to changes dated ahead
    /// whose day has come, and applies every confirmed batch whose date has come, each in its own
    /// transaction, as the system. Returns how many batches were applied. The server calls it at
    /// start and every hour.
    pub async fn apply_due_transfers(&self) -> Result<usize, AppError> {
        let today = self.today();
        let due = {
            let mut conn = self.store().conn().await?;
            // 組織改正 and moves dated ahead become the current values on their date.
            org::refresh_current(&mut conn, today).await?;
            transfers::due_transfers(&mut conn, today).await?
        };
        let actor = Actor::system("人事異動の適用");
        let mut applied = 0;
        for t in due {
            let mut tx = self.store().begin_write().await?;
            // Re-read inside the transaction: another run may have applied it.
            let Some(mut transfer) = transfers::find_transfer(&mut tx, t.body_id, t.id).await?
            else {
                continue;
            };
            if transfer.status != TransferStatus::Confirmed {
                continue;
            }
            apply(&mut tx, &mut transfer, &actor, today, self.now()).await?;
            tx.commit().await?;
            applied += 1;
        }
        Ok(applied)
    }
}

/// Moves the people, passes post-tied roles on, and marks the batch applied — in `tx`.
async fn apply(
    tx: &mut WriteTx,
    transfer: &mut Transfer,
    actor: &Actor,
    today: NaiveDate,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(), AppError> {
    let body = transfer.body_id;
    let date = transfer.effective_date;
    let moves = transfers::moves(&mut *tx, transfer.id).await?;
    let mut people: HashMap<PersonId, mamori_domain::org::Person> = org::all_people(&mut *tx, body)
        .await?
        .into_iter()
        .map(|p| (p.id, p))
        .collect();
    for m in &moves {
        let Some(person) = people.get_mut(&m.person) else {
            continue;
        };
        let before = person.clone();
        person.unit_id = m.to.unit_id;
        person.title = m.to.title.clone();
        person.status = m.to.status;
        org::update_person(&mut *tx, person, date, "異動", today).await?;
        let entry = AuditEntry::new(actor.clone(), "person.transfer", "person", person.id)
            .body(body)
            .before(&before)
            .after(&*person);
        audit::append(tx, now, entry).await?;
    }
    let leavers: Vec<PersonId> = moves
        .iter()
        .filter(|m| m.to.status == PersonStatus::Retired)
        .map(|m| m.person)
        .collect();
    crate::posts::disable_accounts_of_leavers(tx, body, &leavers, actor, now).await?;
    let (role_changes, vacancies) = crate::posts::pass_posts(tx, body, date, actor, now).await?;
    let report = TransferReport {
        moved: moves.len(),
        role_changes,
        vacancies,
    };
    transfer.apply(today, now, report)?;
    transfers::update_transfer(&mut *tx, transfer).await?;
    let entry = AuditEntry::new(actor.clone(), "transfer.apply", "transfer", transfer.id)
        .body(body)
        .after(&transfer.report);
    audit::append(tx, now, entry).await?;
    Ok(())
}
