//! Importing and exporting people and units as Excel or CSV.
//!
//! An upload is staged first: the file is read and checked, and the preview lists every problem
//! (row and column named) and what would change. Applying it is one transaction: if any row has a
//! problem nothing changes, unless the user explicitly chose to skip the invalid rows. Every
//! created or changed person and unit has its audit record in that transaction.

use std::collections::HashMap;

use chrono::NaiveDate;
use mamori_domain::DomainError;
use mamori_domain::audit::{Actor, AuditEntry};
use mamori_domain::ids::{BodyId, OrgUnitId, PersonId};
use mamori_domain::org::{Body, OrgChangeKind, OrgUnit, Person};
use mamori_io::org_table::{
    self, CsvEncoding, ParentRef, PersonExportRow, RowProblem, Table, UnitExportRow, UnitRef,
    UnitResolver, normalize_code,
};
use mamori_store::{Reads, WriteTx, audit, org};
use serde::Serialize;

use crate::access::OrgEditor;
use crate::reads::{Exported, Read};
use crate::{App, AppError, CurrentUser, RequestMeta};

/// What a file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ImportKind {
    People,
    Units,
}

impl ImportKind {
    pub fn key(self) -> &'static str {
        match self {
            Self::People => "people",
            Self::Units => "units",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "people" => Some(Self::People),
            "units" => Some(Self::Units),
            _ => None,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::People => "職員",
            Self::Units => "組織",
        }
    }
}

/// A problem of a row, for the preview.
#[derive(Debug, Clone, Serialize)]
pub struct ProblemLine {
    pub line: usize,
    pub column: Option<String>,
    pub message: String,
}

impl From<&RowProblem> for ProblemLine {
    fn from(p: &RowProblem) -> Self {
        Self {
            line: p.line,
            column: p.column.clone(),
            message: p.message.clone(),
        }
    }
}

/// What a row would do.
#[derive(Debug, Clone, Serialize)]
pub struct ChangeLine {
    pub line: usize,
    /// 職員番号 or 組織コード.
    pub key: String,
    pub name: String,
    /// 「新規」, or the changed fields: 「所属: 市民課 → 税務課」.
    pub what: String,
}

/// The preview of a staged file.
#[derive(Debug, Clone, Serialize)]
pub struct ImportPreview {
    pub id: String,
    pub kind: ImportKind,
    pub file_name: String,
    pub rows: usize,
    pub problems: Vec<ProblemLine>,
    pub created: usize,
    pub changed: usize,
    pub unchanged: usize,
    /// New and changed rows (not the unchanged ones), in file order.
    pub changes: Vec<ChangeLine>,
}

impl ImportPreview {
    pub fn is_clean(&self) -> bool {
        self.problems.is_empty()
    }
}

/// What an applied import did.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct ImportOutcome {
    pub created: usize,
    pub changed: usize,
    pub unchanged: usize,
    /// Rows left out because they had problems (only when the user chose to skip them).
    pub skipped_lines: usize,
    /// Roles tied to a post that passed to the post's new holder: 「情報セキュリティ管理者（市民課）: A → B」.
    pub role_changes: Vec<String>,
    /// Posts whose role is left without a holder.
    pub vacancies: Vec<String>,
}

impl ImportOutcome {
    pub fn summary(&self, kind: ImportKind) -> String {
        let mut s = format!(
            "{}の取込が終わりました: 新規 {}件、変更 {}件、変更なし {}件",
            kind.label(),
            self.created,
            self.changed,
            self.unchanged
        );
        if !self.role_changes.is_empty() {
            s.push_str(&format!(
                "。職に充てた役割を{}件引き継ぎました",
                self.role_changes.len()
            ));
        }
        if !self.vacancies.is_empty() {
            s.push_str(&format!(
                "。後任のいない役割が{}件あります（役割と任命で任命してください）",
                self.vacancies.len()
            ));
        }
        if self.skipped_lines > 0 {
            s.push_str(&format!(
                "（誤りのある {}行は取り込んでいません）",
                self.skipped_lines
            ));
        }
        s
    }
}

/// Field name of the file on screens and in errors.
const FILE: &str = "取込ファイル";

/// Largest upload accepted (a 20,000-person workbook is about 1.5 MB).
pub const MAX_IMPORT_BYTES: usize = 20 * 1024 * 1024;

pub(crate) struct Resolver {
    by_code: HashMap<String, OrgUnitId>,
    by_name: HashMap<String, Vec<OrgUnitId>>,
}

impl Resolver {
    pub(crate) fn new(units: &[OrgUnit]) -> Self {
        let mut by_name: HashMap<String, Vec<OrgUnitId>> = HashMap::new();
        for u in units {
            by_name.entry(u.name.clone()).or_default().push(u.id);
        }
        Self {
            by_code: units
                .iter()
                .map(|u| (normalize_code(&u.code), u.id))
                .collect(),
            by_name,
        }
    }
}

impl UnitResolver for Resolver {
    fn resolve(&self, text: &str) -> Option<UnitRef> {
        if let Some(id) = self.by_code.get(&normalize_code(text)) {
            return Some(UnitRef(id.to_string()));
        }
        // A name is enough when only one unit has it (two 総務課 need the code).
        match self.by_name.get(text.trim()).map(Vec::as_slice) {
            Some([one]) => Some(UnitRef(one.to_string())),
            _ => None,
        }
    }
}

pub(crate) fn unit_id(r: &UnitRef) -> Result<OrgUnitId, AppError> {
    r.0.parse()
        .map_err(|_| AppError::Internal(format!("unit ref {}", r.0)))
}

/// A checked file and what applying it would write.
struct Plan {
    preview: ImportPreview,
    people: Vec<(Option<Person>, Person)>,
    units: Vec<(Option<OrgUnit>, OrgUnit)>,
    skipped_lines: usize,
}

pub(crate) fn read(file_name: &str, bytes: &[u8]) -> Result<Table, AppError> {
    if bytes.len() > MAX_IMPORT_BYTES {
        return Err(AppError::Invalid(DomainError::new(
            FILE,
            format!(
                "ファイルが大きすぎます（{}MB まで）",
                MAX_IMPORT_BYTES / 1024 / 1024
            ),
        )));
    }
    org_table::read_table(file_name, bytes)
        .map_err(|e| AppError::Invalid(DomainError::new(FILE, e.to_string())))
}

fn differences(
    before: &Person,
    after: &Person,
    unit_names: &HashMap<OrgUnitId, String>,
) -> Vec<String> {
    let mut out = Vec::new();
    let mut field = |label: &str, a: &str, b: &str| {
        if a != b {
            out.push(format!("{label}: {a} → {b}"));
        }
    };
    field("氏名", &before.name, &after.name);
    field("ふりがな", &before.name_kana, &after.name_kana);
    let unit = |id: &OrgUnitId| unit_names.get(id).cloned().unwrap_or_default();
    field("所属", &unit(&before.unit_id), &unit(&after.unit_id));
    field("職名", &before.title, &after.title);
    field("雇用区分", &before.employment_kind, &after.employment_kind);
    field(
        "メール",
        before.email.as_deref().unwrap_or(""),
        after.email.as_deref().unwrap_or(""),
    );
    field("在職状況", before.status.label(), after.status.label());
    out
}

async fn plan(
    conn: &mut impl Reads,
    body: BodyId,
    today: NaiveDate,
    id: String,
    kind: ImportKind,
    file_name: &str,
    bytes: &[u8],
) -> Result<Plan, AppError> {
    let table = read(file_name, bytes)?;
    let units = org::units_on(conn, body, today).await?;
    let unit_names: HashMap<OrgUnitId, String> =
        units.iter().map(|u| (u.id, u.name.clone())).collect();
    let resolver = Resolver::new(&units);
    let mut preview = ImportPreview {
        id,
        kind,
        file_name: file_name.to_owned(),
        rows: table.rows.len(),
        problems: Vec::new(),
        created: 0,
        changed: 0,
        unchanged: 0,
        changes: Vec::new(),
    };
    let mut people = Vec::new();
    let mut new_units = Vec::new();
    let skipped_lines;
    match kind {
        ImportKind::People => {
            let parsed = org_table::parse_people(&table, &resolver, &[]);
            preview.problems = parsed.problems.iter().map(ProblemLine::from).collect();
            skipped_lines = table.rows.len().saturating_sub(parsed.rows.len());
            let existing: HashMap<String, Person> = org::all_people(conn, body)
                .await?
                .into_iter()
                .map(|p| (p.staff_number.clone(), p))
                .collect();
            for row in parsed.rows {
                let before = existing.get(&row.staff_number).cloned();
                let after = Person {
                    id: before.as_ref().map_or_else(PersonId::new, |p| p.id),
                    body_id: body,
                    staff_number: row.staff_number.clone(),
                    name: row.name.clone(),
                    name_kana: row.name_kana.clone(),
                    unit_id: unit_id(&row.unit)?,
                    title: row.title.clone(),
                    employment_kind: row.employment_kind.clone(),
                    email: row.email.clone(),
                    status: row.status,
                };
                let what = match &before {
                    None => "新規".to_owned(),
                    Some(b) => differences(b, &after, &unit_names).join("、"),
                };
                if what.is_empty() {
                    preview.unchanged += 1;
                    continue;
                }
                if before.is_some() {
                    preview.changed += 1;
                } else {
                    preview.created += 1;
                }
                preview.changes.push(ChangeLine {
                    line: row.line,
                    key: row.staff_number,
                    name: row.name,
                    what,
                });
                people.push((before, after));
            }
        }
        ImportKind::Units => {
            let parsed = org_table::parse_units(&table, Some(&resolver));
            preview.problems = parsed.problems.iter().map(ProblemLine::from).collect();
            skipped_lines = table.rows.len().saturating_sub(parsed.rows.len());
            let all = org::all_units(conn, body).await?;
            let mut by_code: HashMap<String, OrgUnit> = all
                .iter()
                .filter(|u| u.exists_on(today))
                .map(|u| (normalize_code(&u.code), u.clone()))
                .collect();
            let taken: std::collections::HashSet<String> =
                all.iter().map(|u| normalize_code(&u.code)).collect();
            let mut order = all.len() as i64;
            for row in parsed.parents_first() {
                let parent_id = match &row.parent {
                    None => None,
                    Some(ParentRef::InFile(code)) => {
                        by_code.get(&normalize_code(code)).map(|u| u.id)
                    }
                    Some(ParentRef::Existing(r)) => Some(unit_id(r)?),
                };
                let code = normalize_code(&row.code);
                let before = by_code.get(&code).cloned();
                if before.is_none() && taken.contains(&code) {
                    preview.problems.push(ProblemLine {
                        line: row.line,
                        column: Some("組織コード".to_owned()),
                        message: format!(
                            "組織コード「{}」は廃止された組織が使っています。別のコードにしてください",
                            row.code
                        ),
                    });
                    continue;
                }
                let after = match &before {
                    Some(b) => OrgUnit {
                        name: row.name.clone(),
                        kind: row.kind,
                        parent_id,
                        agency_kind: row.agency_kind.clone(),
                        ..b.clone()
                    },
                    None => {
                        order += 1;
                        OrgUnit {
                            id: OrgUnitId::new(),
                            body_id: body,
                            parent_id,
                            code: row.code.clone(),
                            kind: row.kind,
                            agency_kind: row.agency_kind.clone(),
                            name: row.name.clone(),
                            sort_order: order,
                            valid_from: today,
                            valid_to: None,
                            successor_id: None,
                        }
                    }
                };
                let what = match &before {
                    None => "新規".to_owned(),
                    Some(b) => {
                        let mut parts = Vec::new();
                        if b.name != after.name {
                            parts.push(format!("組織名: {} → {}", b.name, after.name));
                        }
                        if b.parent_id != after.parent_id {
                            parts.push("上位組織の変更".to_owned());
                        }
                        if b.kind != after.kind {
                            parts.push(format!(
                                "種別: {} → {}",
                                b.kind.label(),
                                after.kind.label()
                            ));
                        }
                        if b.agency_kind != after.agency_kind {
                            parts.push(format!(
                                "行政機関: {} → {}",
                                b.agency_kind, after.agency_kind
                            ));
                        }
                        parts.join("、")
                    }
                };
                by_code.insert(code, after.clone());
                if what.is_empty() {
                    preview.unchanged += 1;
                    continue;
                }
                if before.is_some() {
                    preview.changed += 1;
                } else {
                    preview.created += 1;
                }
                preview.changes.push(ChangeLine {
                    line: row.line,
                    key: row.code.clone(),
                    name: row.name.clone(),
                    what,
                });
                new_units.push((before, after));
            }
        }
    }
    preview.problems.sort_by_key(|p| p.line);
    preview.changes.sort_by_key(|c| c.line);
    Ok(Plan {
        preview,
        people,
        units: new_units,
        skipped_lines,
    })
}

/// Writes a plan in the transaction, reporting progress as (done, total).
async fn write(
    tx: &mut WriteTx,
    plan: &Plan,
    body: &Body,
    actor: &Actor,
    today: NaiveDate,
    now: chrono::DateTime<chrono::Utc>,
    progress: &(dyn Fn(usize, usize) + Send + Sync),
) -> Result<ImportOutcome, AppError> {
    let total = plan.people.len() + plan.units.len();
    let mut done = 0;
    for (before, after) in &plan.units {
        match before {
            None => {
                org::insert_unit(&mut *tx, after, now).await?;
                org::insert_org_change(
                    &mut *tx,
                    body.id,
                    OrgChangeKind::Create,
                    today,
                    &format!("{}を新設（取込）", after.name),
                    now,
                )
                .await?;
            }
            Some(b) => {
                org::put_unit_version(&mut *tx, after, today, today).await?;
                if b.name != after.name {
                    org::insert_org_change(
                        &mut *tx,
                        body.id,
                        OrgChangeKind::Rename,
                        today,
                        &format!("{}を{}に名称変更（取込）", b.name, after.name),
                        now,
                    )
                    .await?;
                }
            }
        }
        let action = if before.is_some() {
            "org_unit.change"
        } else {
            "org_unit.create"
        };
        let mut entry = AuditEntry::new(actor.clone(), action, "org_unit", after.id)
            .body(body.id)
            .after(after);
        if let Some(b) = before {
            entry = entry.before(b);
        }
        audit::append(tx, now, entry).await?;
        done += 1;
        if done % 100 == 0 {
            progress(done, total);
        }
    }
    for (before, after) in &plan.people {
        let action = match before {
            None => {
                org::insert_person(&mut *tx, after, today, "取込", now).await?;
                "person.create"
            }
            Some(_) => {
                org::update_person(&mut *tx, after, today, "取込", today).await?;
                "person.change"
            }
        };
        let mut entry = AuditEntry::new(actor.clone(), action, "person", after.id)
            .body(body.id)
            .after(after);
        if let Some(b) = before {
            entry = entry.before(b);
        }
        audit::append(tx, now, entry).await?;
        done += 1;
        if done % 100 == 0 {
            progress(done, total);
        }
    }
    let leavers: Vec<PersonId> = plan
        .people
        .iter()
        .filter(|(before, after)| {
            after.status == mamori_domain::org::PersonStatus::Retired
                && before
                    .as_ref()
                    .is_some_and(|b| b.status != mamori_domain::org::PersonStatus::Retired)
        })
        .map(|(_, after)| after.id)
        .collect();
    crate::posts::disable_accounts_of_leavers(tx, body.id, &leavers, actor, now).await?;
    // People who moved take their posts' roles with them to the successor.
    let (role_changes, vacancies) = if plan.people.is_empty() {
        (Vec::new(), Vec::new())
    } else {
        crate::posts::pass_posts(tx, body.id, today, actor, now).await?
    };
    progress(total, total);
    Ok(ImportOutcome {
        created: plan.preview.created,
        changed: plan.preview.changed,
        unchanged: plan.preview.unchanged,
        skipped_lines: plan.skipped_lines,
        role_changes,
        vacancies,
    })
}

/// The audit record of an applied import, besides one record per written person or unit.
fn import_record(
    actor: Actor,
    body: &Body,
    kind: ImportKind,
    file_name: &str,
    outcome: &ImportOutcome,
    target: &str,
) -> AuditEntry {
    AuditEntry::new(actor, "org.import", "import", target)
        .body(body.id)
        .after(&serde_json::json!({
            "kind": kind.key(),
            "file": file_name,
            "created": outcome.created,
            "changed": outcome.changed,
            "skipped_lines": outcome.skipped_lines,
        }))
}

fn refuse_problems(plan: &Plan, skip_invalid: bool) -> Result<(), AppError> {
    if !plan.preview.is_clean() && !skip_invalid {
        return Err(AppError::Invalid(DomainError::new(
            FILE,
            format!(
                "{}件の誤りがあります。ファイルを直して取り込み直すか、誤りのある行を除いて取り込むことを選んでください（何も変更していません）",
                plan.preview.problems.len()
            ),
        )));
    }
    Ok(())
}

impl App {
    /// Stages an uploaded file and returns its preview. Nothing in the organization changes.
    pub async fn stage_import(
        &self,
        user: &CurrentUser,
        may: &OrgEditor,
        kind: ImportKind,
        file_name: &str,
        bytes: &[u8],
    ) -> Result<ImportPreview, AppError> {
        let body = may.body(user)?;
        let mut conn = self.store().conn().await?;
        // Check before storing: an unreadable file is refused at once.
        let checked = plan(
            &mut conn,
            body.id,
            self.today(),
            String::new(),
            kind,
            file_name,
            bytes,
        )
        .await?;
        let id = org::put_pending_import(
            &mut conn,
            body.id,
            kind.key(),
            file_name,
            bytes,
            &user.account.login.to_string(),
            self.now(),
        )
        .await?;
        Ok(ImportPreview {
            id,
            ..checked.preview
        })
    }

    /// The preview of a staged file, checked again against today's organization. It shows
    /// personal data, so only editors see it.
    pub async fn import_preview(
        &self,
        user: &CurrentUser,
        may: &OrgEditor,
        id: &str,
    ) -> Result<ImportPreview, AppError> {
        let body = may.body(user)?;
        let mut conn = self.store().conn().await?;
        // A staged file of another importer (assets, gap analysis) is not this one's.
        let (kind, file_name, bytes) = org::pending_import(&mut conn, body.id, id)
            .await?
            .and_then(|(kind, name, bytes)| Some((ImportKind::parse(&kind)?, name, bytes)))
            .ok_or_else(|| AppError::NotFound("取込ファイル".to_owned()))?;
        Ok(plan(
            &mut conn,
            body.id,
            self.today(),
            id.to_owned(),
            kind,
            &file_name,
            &bytes,
        )
        .await?
        .preview)
    }

    /// Applies a staged file in one transaction and removes it. With problems, nothing changes
    /// unless `skip_invalid` is set, in which case only the valid rows are written.
    pub async fn apply_import(
        &self,
        user: &CurrentUser,
        may: &OrgEditor,
        id: &str,
        skip_invalid: bool,
        progress: &(dyn Fn(usize, usize) + Send + Sync),
    ) -> Result<(ImportKind, ImportOutcome), AppError> {
        let body = may.body(user)?;
        let today = self.today();
        let now = self.now();
        let mut tx = self.store().begin_write().await?;
        // A staged file of another importer (assets, gap analysis) is not this one's.
        let (kind, file_name, bytes) = org::pending_import(&mut tx, body.id, id)
            .await?
            .and_then(|(kind, name, bytes)| Some((ImportKind::parse(&kind)?, name, bytes)))
            .ok_or_else(|| AppError::NotFound("取込ファイル".to_owned()))?;
        let plan = plan(
            &mut tx,
            body.id,
            today,
            id.to_owned(),
            kind,
            &file_name,
            &bytes,
        )
        .await?;
        refuse_problems(&plan, skip_invalid)?;
        crate::posts::refuse_moving_oneself(
            user,
            plan.people
                .iter()
                .filter(|(before, after)| before.as_ref().is_some_and(|b| after.moved_from(b)))
                .map(|(_, after)| after.id),
        )?;
        let outcome = write(&mut tx, &plan, body, &user.actor(), today, now, progress).await?;
        org::delete_pending_import(&mut tx, id).await?;
        let entry = import_record(user.actor(), body, kind, &file_name, &outcome, id);
        audit::append(&mut tx, now, entry).await?;
        tx.commit().await?;
        Ok((kind, outcome))
    }

    /// The installation operator's import from the command line (`mamori org import`): the same
    /// checks and transaction, acting as `actor`. With `dry_run` only the preview is returned.
    #[allow(clippy::too_many_arguments)]
    pub async fn import_as_operator(
        &self,
        body: &Body,
        actor: &Actor,
        kind: ImportKind,
        file_name: &str,
        bytes: &[u8],
        skip_invalid: bool,
        dry_run: bool,
        progress: &(dyn Fn(usize, usize) + Send + Sync),
    ) -> Result<(ImportPreview, Option<ImportOutcome>), AppError> {
        let today = self.today();
        let now = self.now();
        let mut tx = self.store().begin_write().await?;
        let plan = plan(
            &mut tx,
            body.id,
            today,
            String::new(),
            kind,
            file_name,
            bytes,
        )
        .await?;
        if dry_run {
            return Ok((plan.preview, None));
        }
        refuse_problems(&plan, skip_invalid)?;
        let outcome = write(&mut tx, &plan, body, actor, today, now, progress).await?;
        let entry = import_record(actor.clone(), body, kind, file_name, &outcome, file_name);
        audit::append(&mut tx, now, entry).await?;
        tx.commit().await?;
        Ok((plan.preview, Some(outcome)))
    }

    /// The body's people or units in the import layout, as .xlsx or CSV.
    pub async fn export_org(
        &self,
        body: BodyId,
        kind: ImportKind,
        format: ExportFormat,
    ) -> Result<Vec<u8>, AppError> {
        Ok(self.export_org_counted(body, kind, format).await?.0)
    }

    /// The export for an editor of the organization, recorded in the audit trail as a read of
    /// the staff list (or of the units).
    pub async fn export_org_for(
        &self,
        user: &CurrentUser,
        may: &OrgEditor,
        kind: ImportKind,
        format: ExportFormat,
        meta: &RequestMeta,
    ) -> Result<Vec<u8>, AppError> {
        let (bytes, rows) = self
            .export_org_counted(may.body(user)?.id, kind, format)
            .await?;
        let what = match kind {
            ImportKind::People => Exported::People,
            ImportKind::Units => Exported::Units,
        };
        let read = Read::export(what, None, format.key(), rows);
        self.record_read(user, read, meta).await?;
        Ok(bytes)
    }

    /// The file and its number of rows.
    async fn export_org_counted(
        &self,
        body: BodyId,
        kind: ImportKind,
        format: ExportFormat,
    ) -> Result<(Vec<u8>, usize), AppError> {
        let mut conn = self.store().conn().await?;
        let today = self.today();
        let units = org::units_on(&mut conn, body, today).await?;
        let by_id: HashMap<OrgUnitId, &OrgUnit> = units.iter().map(|u| (u.id, u)).collect();
        let export_err = |e: org_table::OrgExportError| {
            AppError::Invalid(DomainError::new("出力形式", e.to_string()))
        };
        match kind {
            ImportKind::People => {
                let all = org::all_units(&mut conn, body).await?;
                let codes: HashMap<OrgUnitId, String> =
                    all.iter().map(|u| (u.id, u.code.clone())).collect();
                let rows: Vec<PersonExportRow> = org::all_people(&mut conn, body)
                    .await?
                    .into_iter()
                    .map(|p| PersonExportRow {
                        staff_number: p.staff_number,
                        name: p.name,
                        name_kana: p.name_kana,
                        unit: codes.get(&p.unit_id).cloned().unwrap_or_default(),
                        title: p.title,
                        employment_kind: p.employment_kind,
                        email: p.email,
                        status: p.status,
                    })
                    .collect();
                match format {
                    ExportFormat::Xlsx => org_table::people_xlsx(&rows),
                    ExportFormat::Csv(enc) => org_table::people_csv(&rows, enc),
                }
                .map(|bytes| (bytes, rows.len()))
                .map_err(export_err)
            }
            ImportKind::Units => {
                let rows: Vec<UnitExportRow> = units
                    .iter()
                    .map(|u| UnitExportRow {
                        code: u.code.clone(),
                        name: u.name.clone(),
                        kind: u.kind,
                        parent: u
                            .parent_id
                            .and_then(|p| by_id.get(&p))
                            .map(|p| p.code.clone()),
                        agency_kind: u.agency_kind.clone(),
                    })
                    .collect();
                match format {
                    ExportFormat::Xlsx => org_table::units_xlsx(&rows),
                    ExportFormat::Csv(enc) => org_table::units_csv(&rows, enc),
                }
                .map(|bytes| (bytes, rows.len()))
                .map_err(export_err)
            }
        }
    }
}

/// The file kind of an export.
#[derive(Debug, Clone, Copy)]
pub enum ExportFormat {
    Xlsx,
    Csv(CsvEncoding),
}

impl ExportFormat {
    /// `xlsx` or `csv`, for the record of the export.
    pub fn key(self) -> &'static str {
        match self {
            ExportFormat::Xlsx => "xlsx",
            ExportFormat::Csv(_) => "csv",
        }
    }
}
