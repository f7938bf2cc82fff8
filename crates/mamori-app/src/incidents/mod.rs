//! 情報セキュリティインシデント as one service: a report saved first (by any 職員, or taken in
//! by the CSIRT from outside), the CSIRT's triage, the reporting chain of the body's rules told
//! in order and escalated when a step does not acknowledge, the reports outside with their
//! deadlines, the 再発防止策 approved by the 委員会 (or the deciding role) and the closing.
//!
//! Each use case takes the ruling once; every write names the version it read and is audited in
//! its transaction, with the people told in the same transaction. An incident is read by the
//! people it names and the CSIRT only: to everyone else it does not exist (404).

use std::sync::Arc;

use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeZone, Utc};
use mamori_domain::DomainError;
use mamori_domain::approval::japan_date;
use mamori_domain::audit::{Actor, AuditEntry};
use mamori_domain::committee::Deliberation;
use mamori_domain::ids::{BodyId, IncidentFileId, IncidentId, OrgUnitId, PersonId};
use mamori_domain::incident::{
    Approval, ApprovedBy, AssetRef, Channel, Entry, EntryKind, FileRef, Incident, IncidentRules,
    Named, NewIncident, Permission, Permit, Sent, StageKind, TriageInput, field,
};
pub use mamori_store::incidents::IncidentFilter;
use mamori_store::incidents::{self as store};
use mamori_store::{Reads, WriteTx, assets as asset_store, audit, committee as committee_store};
use serde_json::json;

use crate::approvals::Acting;
use crate::notify::Notice;
use crate::ruling::{OrgView, Ruling};
use crate::{App, AppError, CurrentUser, RequestMeta};

mod readings;

/// A change under way: what it was read with, and the person acting as the record names them.
struct Changing {
    ruling: Arc<Ruling>,
    org: Arc<OrgView>,
    rules: Arc<IncidentRules>,
    incident: Incident,
    me: Named,
}

/// The guideline's key of the 委員会 role, for a profile that names none.
const GUIDELINE_COMMITTEE: &str = "committee";

/// The incidents of the body: [`Incidents`].
#[derive(Clone, Copy)]
pub struct Incidents<'a> {
    app: &'a App,
}

impl App {
    pub fn incidents(&self) -> Incidents<'_> {
        Incidents { app: self }
    }
}

/// A report as typed: by a 職員 for themselves (`channel` `None`), or taken in by the CSIRT
/// from outside.
#[derive(Debug, Clone, Default)]
pub struct Report {
    pub channel: Option<String>,
    pub contact: String,
    pub summary: String,
    pub how_noticed: String,
    /// 「2026-06-01T09:30」 in Japan time, as a `datetime-local` field sends it.
    pub noticed_at: String,
    /// The unit concerned; a 職員's own when empty.
    pub unit: Option<OrgUnitId>,
    /// 管理番号 of the assets concerned.
    pub assets: Vec<String>,
    pub systems: Vec<String>,
}

/// The CSIRT's judgement as typed.
#[derive(Debug, Clone, Default)]
pub struct Triage {
    pub id: IncidentId,
    pub seen: u32,
    pub is_incident: bool,
    pub category: String,
    pub severity: String,
    pub personal_data: bool,
    pub sensitive: bool,
    pub my_number: bool,
    pub affected_people: String,
    pub note: String,
    pub unit: Option<OrgUnitId>,
}

/// One stage of a report outside, as sent.
#[derive(Debug, Clone)]
pub struct RecordExternal {
    pub id: IncidentId,
    pub seen: u32,
    pub key: String,
    pub stage: String,
    pub sent_on: String,
    pub content: String,
    /// The copy of what was sent (the form, the letter): its name and bytes.
    pub file: Option<(String, Vec<u8>)>,
}

/// The 再発防止計画 as drafted.
#[derive(Debug, Clone, Default)]
pub struct ProposeMeasures {
    pub id: IncidentId,
    pub seen: u32,
    pub root_cause: String,
    pub plan: String,
    /// Clause ids, separated by lines or 「、」.
    pub clauses: String,
}

/// The closing review.
#[derive(Debug, Clone, Default)]
pub struct Close {
    pub id: IncidentId,
    pub seen: u32,
    pub lessons: String,
    pub review: String,
}

/// An entry of the response's timeline as typed: `kind` is `action`, `evidence`, `recovery` or
/// `note`.
#[derive(Debug, Clone, Default)]
pub struct AddEntry {
    pub id: IncidentId,
    pub seen: u32,
    pub kind: String,
    /// The action's key of the body's rules (for `action`).
    pub action: String,
    /// Who permitted the action (a holder of the rule's role), when it was permitted before.
    pub permitted_by: Option<PersonId>,
    /// Taken at once to stop the damage, reported to the role afterwards (事後報告).
    pub report_after: bool,
    pub text: String,
    /// Who keeps the original and where (for evidence).
    pub custody: String,
    /// The original an analysis copy was made from.
    pub copy_of: Option<IncidentFileId>,
    /// The evidence file: its name and bytes.
    pub file: Option<(String, Vec<u8>)>,
}

/// What the signed-in person may do on an incident.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Abilities {
    /// Holds a handling role (CSIRT): triage, reports outside, timeline, measures, closing.
    pub handle: bool,
    /// A told step of the chain awaits their acknowledgement.
    pub acknowledge: bool,
    /// May approve the measures: the deciding role's holder, where the body has no 委員会.
    pub approve: bool,
}

/// An incident with what the screens need around it.
#[derive(Debug, Clone)]
pub struct IncidentView {
    pub incident: Incident,
    pub rules: Arc<IncidentRules>,
    pub may: Abilities,
    /// The 委員会 that approves the measures, by name, when the body has one.
    pub committee: Option<String>,
    /// The 委員会's carried 議決 on the current plan, when there is one.
    pub deliberation: Option<Deliberation>,
    pub today: NaiveDate,
}

fn refused(e: DomainError) -> AppError {
    AppError::Invalid(e)
}

fn invalid(field: &str, message: impl Into<String>) -> AppError {
    AppError::Invalid(DomainError::new(field, message))
}

fn not_found() -> AppError {
    AppError::NotFound("インシデント".to_owned())
}

fn no_person() -> AppError {
    AppError::Forbidden("職員に結び付いていないアカウントでの報告・対応".to_owned())
}

fn person_of(user: &CurrentUser) -> Result<PersonId, AppError> {
    user.account.person_id.ok_or_else(no_person)
}

/// The person as the record names them, by their name on the day.
fn named(org: &OrgView, person: PersonId) -> Result<Named, AppError> {
    let (name, _, _) = org.people.get(&person).ok_or_else(no_person)?;
    Ok(Named {
        person,
        name: name.clone(),
    })
}

/// Whether `person` holds `role` on the day (as 代理 too).
fn holds(org: &OrgView, person: PersonId, role: &str) -> bool {
    org.assignments
        .iter()
        .any(|a| a.person == person && a.role == role)
}

/// Whether `person` holds a role that handles incidents (CSIRT) on the day.
fn handles(rules: &IncidentRules, org: &OrgView, person: PersonId) -> bool {
    rules.handlers.iter().any(|role| holds(org, person, role))
}

/// A unit of the day's organization with its name.
fn unit_named(org: &OrgView, unit: OrgUnitId) -> Result<(OrgUnitId, String), AppError> {
    org.units
        .get(&unit)
        .map(|n| (unit, n.name.clone()))
        .ok_or_else(|| invalid(field::UNIT, "所属を組織の一覧から選んでください"))
}

/// 「2026-06-01T09:30」 (or with seconds, or a space) in Japan time.
fn parse_local(raw: &str) -> Result<DateTime<Utc>, AppError> {
    let raw = mamori_domain::text::ascii_digits(raw.trim()).replace(' ', "T");
    let parsed = NaiveDateTime::parse_from_str(&raw, "%Y-%m-%dT%H:%M")
        .or_else(|_| NaiveDateTime::parse_from_str(&raw, "%Y-%m-%dT%H:%M:%S"))
        .map_err(|_| {
            invalid(
                field::NOTICED_AT,
                "気付いた日時を「2026-06-01 09:30」の形で入力してください",
            )
        })?;
    crate::clock::jst()
        .from_local_datetime(&parsed)
        .single()
        .map(|t| t.with_timezone(&Utc))
        .ok_or_else(|| invalid(field::NOTICED_AT, "気付いた日時を読めません"))
}

fn parse_people(raw: &str) -> Result<Option<u32>, AppError> {
    let raw = mamori_domain::text::ascii_digits(raw.trim()).replace([',', '，'], "");
    if raw.is_empty() {
        return Ok(None);
    }
    raw.trim_end_matches(['人', '名'])
        .parse::<u32>()
        .map(Some)
        .map_err(|_| {
            invalid(
                field::PEOPLE,
                "影響を受けた人数は0以上の数で入力してください",
            )
        })
}

/// The committee role of the body and whether anyone holds it on the day: its 議決 approves
/// 再発防止策; without one the deciding role does.
fn committee_of(ruling: &Ruling, org: &OrgView) -> Option<(String, String)> {
    let key = ruling
        .profile
        .as_ref()
        .and_then(|p| p.deliberating_role.clone())
        .unwrap_or_else(|| GUIDELINE_COMMITTEE.to_owned());
    org.assignments.iter().any(|a| a.role == key).then(|| {
        let name = crate::committee::committee_name_in(&ruling.roles, &key);
        (key, name)
    })
}

fn ruling_role_name(org: &OrgView, key: &str) -> String {
    org.roles
        .iter()
        .find(|r| r.key == key)
        .map_or_else(|| key.to_owned(), |r| r.name.clone())
}

fn deciding_role(ruling: &Ruling) -> String {
    ruling
        .profile
        .as_ref()
        .map_or_else(|| "ciso".to_owned(), |p| p.deciding_role.clone())
}

impl Incidents<'_> {
    /// The signed-in person acting now.
    fn acting<'a>(
        &self,
        user: &CurrentUser,
        meta: &'a RequestMeta,
    ) -> Result<Acting<'a>, AppError> {
        let person = person_of(user)?;
        Ok(Acting {
            body: user.body()?.id,
            person,
            actor: user.actor(),
            meta,
            now: self.app.now(),
        })
    }

    async fn rules_and_org(
        &self,
        conn: &mut impl Reads,
        body: BodyId,
    ) -> Result<(Arc<Ruling>, Arc<OrgView>, Arc<IncidentRules>), AppError> {
        let (ruling, org) = crate::ruling::ruling_and_org(conn, body, self.app.today()).await?;
        let rules = ruling.incident_rules()?;
        Ok((ruling, org, rules))
    }

    fn handler(handles: bool) -> Result<(), AppError> {
        if handles {
            Ok(())
        } else {
            Err(AppError::Forbidden(
                "インシデントの受付・対応（CSIRT の役割）".to_owned(),
            ))
        }
    }

    /// The incident if `person` may read it (`handles`: they hold a handling role); otherwise
    /// it is not found.
    async fn readable(
        &self,
        conn: &mut impl Reads,
        body: BodyId,
        person: Option<PersonId>,
        handles: bool,
        id: IncidentId,
    ) -> Result<Incident, AppError> {
        let incident = store::find_incident(conn, body, id)
            .await?
            .ok_or_else(not_found)?;
        if handles || person.is_some_and(|p| incident.involves(p)) {
            Ok(incident)
        } else {
            Err(not_found())
        }
    }

    /// A change to one incident in `tx`: the rules, the organization and the incident at the
    /// version the person read (refused for a stale read); `handling`: the change is the
    /// CSIRT's.
    async fn changing(
        &self,
        tx: &mut WriteTx,
        by: &Acting<'_>,
        id: IncidentId,
        seen: u32,
        handling: bool,
    ) -> Result<Changing, AppError> {
        let (ruling, org, rules) = self.rules_and_org(&mut *tx, by.body).await?;
        let handles = handles(&rules, &org, by.person);
        let incident = self
            .readable(&mut *tx, by.body, Some(by.person), handles, id)
            .await?;
        if handling {
            Self::handler(handles)?;
        }
        if incident.version != seen {
            return Err(stale());
        }
        let me = named(&org, by.person)?;
        Ok(Changing {
            ruling,
            org,
            rules,
            incident,
            me,
        })
    }

    /// Saves a report first: a 職員's own (every 職員 may), or one from outside the CSIRT takes
    /// in. The CSIRT and the chain's first step are told in the same transaction.
    pub async fn report(
        &self,
        user: &CurrentUser,
        report: Report,
        meta: &RequestMeta,
    ) -> Result<Incident, AppError> {
        let by = self.acting(user, meta)?;
        let mut tx = self.app.store().begin_write().await?;
        let incident = self.report_in(&mut tx, &by, report).await?;
        tx.commit().await?;
        Ok(incident)
    }

    /// [`report`](Self::report) in the caller's transaction.
    pub(crate) async fn report_in(
        &self,
        tx: &mut WriteTx,
        by: &Acting<'_>,
        report: Report,
    ) -> Result<Incident, AppError> {
        let (body, now) = (by.body, by.now);
        let noticed_at = parse_local(&report.noticed_at)?;
        let (_, org, rules) = self.rules_and_org(&mut *tx, body).await?;
        let me = named(&org, by.person)?;
        let channel = match report.channel.as_deref().map(str::trim) {
            None | Some("" | "staff") => Channel::Staff,
            Some(key) => {
                Self::handler(handles(&rules, &org, by.person))?;
                Channel::parse(key)
                    .ok_or_else(|| invalid(field::CHANNEL, "受付の経路を一覧から選んでください"))?
            }
        };
        let own_unit = org.people.get(&me.person).map(|(_, unit, _)| *unit);
        let unit = match (report.unit, channel) {
            (Some(u), _) => Some(u),
            (None, Channel::Staff) => own_unit,
            (None, _) => None,
        };
        let unit = unit.map(|u| unit_named(&org, u)).transpose()?;
        let mut assets = Vec::new();
        for no in report
            .assets
            .iter()
            .map(|a| a.trim())
            .filter(|a| !a.is_empty())
        {
            let found = asset_store::find_by_number(&mut *tx, body, no)
                .await?
                .ok_or_else(|| {
                    invalid(
                        field::ASSETS,
                        format!("管理番号「{no}」の情報資産は台帳にありません"),
                    )
                })?;
            if !assets.iter().any(|a: &AssetRef| a.id == found.id) {
                assets.push(AssetRef {
                    id: found.id,
                    asset_no: found.asset_no.clone(),
                    name: found.name.clone(),
                });
            }
        }
        let year = mamori_domain::fiscal_year::FiscalYear::of(japan_date(now)).year();
        let number = store::next_incident_number(&mut *tx, body, year).await?;
        let incident = Incident::report(
            NewIncident {
                id: IncidentId::new(),
                body_id: body,
                number,
                channel,
                reporter: (channel == Channel::Staff).then(|| me.clone()),
                contact: report.contact,
                received_by: me,
                summary: report.summary,
                how_noticed: report.how_noticed,
                noticed_at,
                unit,
                assets,
                systems: report.systems,
                at: now,
            },
            &rules,
            &org.snapshot,
        )
        .map_err(refused)?;
        store::insert_incident(&mut *tx, &incident, now).await?;
        self.audited(
            tx,
            &incident,
            by.actor.clone(),
            "incident.report",
            by.meta,
            now,
        )
        .await?;
        let handlers: Vec<PersonId> = org
            .assignments
            .iter()
            .filter(|a| rules.handlers.contains(&a.role) && a.in_service)
            .map(|a| a.person)
            .collect();
        self.notify_about(
            tx,
            &incident,
            handlers,
            format!("インシデントの報告: {}", incident.number),
            format!(
                "{}の報告を受け付けました。判断をお願いします。\n{}",
                incident.channel.label(),
                first_line(&incident.summary)
            ),
            now,
        )
        .await?;
        // The chain is new: every step it told was told by this report.
        let told: Vec<usize> = (0..incident.chain.len())
            .filter(|&n| incident.chain[n].told_at.is_some())
            .collect();
        self.tell(tx, &incident, &told, now).await?;
        Ok(incident)
    }

    async fn audited(
        &self,
        tx: &mut WriteTx,
        incident: &Incident,
        actor: Actor,
        action: &str,
        meta: &RequestMeta,
        now: DateTime<Utc>,
    ) -> Result<(), AppError> {
        let entry = AuditEntry::new(actor, action, "incident", incident.id)
            .body(incident.body_id)
            .after(&json!(incident))
            .request(meta.request_id.clone());
        audit::append(tx, now, entry).await?;
        Ok(())
    }

    /// An お知らせ (in-app and by mail) about `incident` to `recipients`, linking to its page.
    async fn notify_about(
        &self,
        tx: &mut WriteTx,
        incident: &Incident,
        recipients: Vec<PersonId>,
        subject: String,
        text: String,
        now: DateTime<Utc>,
    ) -> Result<(), AppError> {
        self.app
            .notify_in(
                tx,
                incident.body_id,
                &Notice {
                    recipients,
                    subject,
                    text,
                    link: Some(link(incident)),
                },
                now,
            )
            .await
    }

    /// Tells the holders of the steps at `positions` (in-app and by mail).
    async fn tell(
        &self,
        tx: &mut WriteTx,
        incident: &Incident,
        positions: &[usize],
        now: DateTime<Utc>,
    ) -> Result<(), AppError> {
        for &i in positions {
            let Some(step) = incident.chain.get(i) else {
                continue;
            };
            if step.holders.is_empty() {
                continue;
            }
            let escalated = if step.escalated {
                "（前の段の確認が期限までになかったため報告します）"
            } else {
                ""
            };
            self.notify_about(
                tx,
                incident,
                step.holders.iter().map(|h| h.person).collect(),
                format!("インシデントの報告（要確認）: {}", incident.number),
                format!(
                    "{}としてインシデントの報告を受けてください{escalated}。\n{}\n内容を確認し、「確認した」を押してください（{}時間以内）。",
                    step.role_name,
                    first_line(&incident.summary),
                    step.hours
                ),
                now,
            )
            .await?;
        }
        Ok(())
    }

    /// Writes the next state at the version read, audits it and tells the steps newly told.
    #[allow(clippy::too_many_arguments)]
    async fn save(
        &self,
        tx: &mut WriteTx,
        next: &Incident,
        seen: u32,
        actor: Actor,
        action: &str,
        told: &[usize],
        meta: &RequestMeta,
        now: DateTime<Utc>,
    ) -> Result<(), AppError> {
        if !store::update_incident(tx, next, seen, now).await? {
            return Err(stale());
        }
        self.audited(tx, next, actor, action, meta, now).await?;
        self.tell(tx, next, told, now).await
    }

    /// [`save`](Self::save) of a change by the person acting.
    async fn save_by(
        &self,
        tx: &mut WriteTx,
        by: &Acting<'_>,
        next: &Incident,
        seen: u32,
        action: &str,
        told: &[usize],
    ) -> Result<(), AppError> {
        self.save(
            tx,
            next,
            seen,
            by.actor.clone(),
            action,
            told,
            by.meta,
            by.now,
        )
        .await
    }

    /// Saves a change that tells nobody new, and commits its transaction.
    async fn commit(
        &self,
        mut tx: WriteTx,
        by: &Acting<'_>,
        next: Incident,
        seen: u32,
        action: &str,
    ) -> Result<Incident, AppError> {
        self.save_by(&mut tx, by, &next, seen, action, &[]).await?;
        tx.commit().await?;
        Ok(next)
    }

    /// The CSIRT's judgement (again, as facts come in).
    pub async fn triage(
        &self,
        user: &CurrentUser,
        command: Triage,
        meta: &RequestMeta,
    ) -> Result<Incident, AppError> {
        let by = self.acting(user, meta)?;
        let mut tx = self.app.store().begin_write().await?;
        let next = self.triage_in(&mut tx, &by, command).await?;
        tx.commit().await?;
        Ok(next)
    }

    /// [`triage`](Self::triage) in the caller's transaction.
    pub(crate) async fn triage_in(
        &self,
        tx: &mut WriteTx,
        by: &Acting<'_>,
        command: Triage,
    ) -> Result<Incident, AppError> {
        let affected_people = parse_people(&command.affected_people)?;
        let Changing {
            org,
            rules,
            incident,
            me,
            ..
        } = self
            .changing(tx, by, command.id, command.seen, true)
            .await?;
        let unit = command.unit.map(|u| unit_named(&org, u)).transpose()?;
        let (next, told) = incident
            .triage_telling(
                &TriageInput {
                    is_incident: command.is_incident,
                    category: command.category,
                    severity: command.severity,
                    personal_data: command.personal_data,
                    sensitive: command.sensitive,
                    my_number: command.my_number,
                    affected_people,
                    note: command.note,
                },
                unit,
                me,
                &rules,
                &org.snapshot,
                by.now,
            )
            .map_err(refused)?;
        self.save_by(tx, by, &next, command.seen, "incident.triage", &told)
            .await?;
        Ok(next)
    }

    /// 確認: the signed-in holder acknowledges the steps told to them; the next are told.
    pub async fn acknowledge(
        &self,
        user: &CurrentUser,
        id: IncidentId,
        seen: u32,
        meta: &RequestMeta,
    ) -> Result<Incident, AppError> {
        let by = self.acting(user, meta)?;
        let mut tx = self.app.store().begin_write().await?;
        let next = self.acknowledge_in(&mut tx, &by, id, seen).await?;
        tx.commit().await?;
        Ok(next)
    }

    /// [`acknowledge`](Self::acknowledge) in the caller's transaction; the person's notices of
    /// the incident are marked read.
    pub(crate) async fn acknowledge_in(
        &self,
        tx: &mut WriteTx,
        by: &Acting<'_>,
        id: IncidentId,
        seen: u32,
    ) -> Result<Incident, AppError> {
        let Changing { incident, me, .. } = self.changing(tx, by, id, seen, false).await?;
        let (next, told) = incident.acknowledge(me, by.now).map_err(refused)?;
        self.save_by(tx, by, &next, seen, "incident.acknowledge", &told)
            .await?;
        mamori_store::notifications::mark_read_by_link(
            tx,
            next.body_id,
            by.person,
            &link(&next),
            by.now,
        )
        .await?;
        Ok(next)
    }

    /// Records a stage of a report outside as sent (CSIRT).
    pub async fn record_external(
        &self,
        user: &CurrentUser,
        command: RecordExternal,
        meta: &RequestMeta,
    ) -> Result<Incident, AppError> {
        let by = self.acting(user, meta)?;
        let stage = StageKind::parse(&command.stage)
            .ok_or_else(|| invalid(field::EXTERNAL, "速報か確報かを選んでください"))?;
        let on = NaiveDate::parse_from_str(command.sent_on.trim(), "%Y-%m-%d")
            .map_err(|_| invalid(field::SENT_ON, "報告日を年月日で入力してください"))?;
        let kept = command
            .file
            .as_ref()
            .map(|(name, content)| kept_file(field::SENT_FILE, name, content))
            .transpose()?;
        let mut tx = self.app.store().begin_write().await?;
        let Changing { incident, me, .. } = self
            .changing(&mut tx, &by, command.id, command.seen, true)
            .await?;
        let next = incident
            .record_external(
                &command.key,
                stage,
                Sent {
                    on,
                    by: me,
                    content: command.content,
                    file: kept.as_ref().map(|(f, _)| f.clone()),
                },
                by.now,
            )
            .map_err(refused)?;
        if let (Some((file, content_type)), Some((_, content))) = (&kept, &command.file) {
            store::insert_file(
                &mut tx,
                next.body_id,
                next.id,
                file,
                content_type,
                content,
                by.now,
            )
            .await?;
        }
        self.commit(tx, &by, next, command.seen, "incident.report_outside")
            .await
    }

    /// Adds an entry to the timeline (CSIRT): an action with the permission the rules ask for
    /// (the permitting role's holders are told of a 事後報告), an evidence file kept with its
    /// SHA-256 (an original with its custody, or an analysis copy naming its original), a
    /// recovery step or a note.
    pub async fn add_entry(
        &self,
        user: &CurrentUser,
        command: AddEntry,
        meta: &RequestMeta,
    ) -> Result<Incident, AppError> {
        let by = self.acting(user, meta)?;
        let now = by.now;
        let mut tx = self.app.store().begin_write().await?;
        let Changing {
            org,
            rules,
            incident,
            me,
            ..
        } = self
            .changing(&mut tx, &by, command.id, command.seen, true)
            .await?;
        let mut told_after: Option<(String, Vec<PersonId>)> = None;
        let mut stored: Option<(FileRef, &'static str, Vec<u8>)> = None;
        let kind = match command.kind.as_str() {
            "action" => {
                let rule = rules.action(&command.action).ok_or_else(|| {
                    invalid(field::ACTION, "措置を団体の定める措置から選んでください")
                })?;
                let holders: Vec<PersonId> = org
                    .assignments
                    .iter()
                    .filter(|a| Some(&a.role) == rule.role.as_ref() && a.in_service)
                    .map(|a| a.person)
                    .collect();
                let role_name = rule.role.as_ref().map(|key| ruling_role_name(&org, key));
                let permit = match (rule.permission, command.permitted_by, command.report_after) {
                    (Permission::None, _, _) => Permit::NotNeeded,
                    (_, Some(p), _) => {
                        if !holders.contains(&p) {
                            return Err(invalid(
                                field::PERMITTED_BY,
                                format!(
                                    "{}を許可できるのは{}です",
                                    rule.label,
                                    role_name.clone().unwrap_or_default()
                                ),
                            ));
                        }
                        let name = org.people.get(&p).map(|x| x.0.clone()).unwrap_or_default();
                        Permit::Permitted {
                            by: Named { person: p, name },
                        }
                    }
                    (Permission::AfterAllowed, None, true) => {
                        told_after = Some((rule.label.clone(), holders.clone()));
                        Permit::ReportedAfter
                    }
                    (Permission::Before, None, true) => {
                        return Err(invalid(
                            field::PERMITTED_BY,
                            format!(
                                "{}は事後報告にできません。許可した人を選んでください",
                                rule.label
                            ),
                        ));
                    }
                    (_, None, false) => {
                        return Err(invalid(
                            field::PERMITTED_BY,
                            format!("{}を許可した人を選んでください", rule.label),
                        ));
                    }
                };
                EntryKind::Action {
                    key: rule.key.clone(),
                    label: rule.label.clone(),
                    role_name,
                    permit,
                }
            }
            "evidence" => {
                let (name, content) = command
                    .file
                    .as_ref()
                    .ok_or_else(|| invalid(field::EVIDENCE, "証拠のファイルを選んでください"))?;
                let (file, content_type) = kept_file(field::EVIDENCE, name, content)?;
                stored = Some((file.clone(), content_type, content.clone()));
                EntryKind::Evidence {
                    file,
                    custody: command.custody.trim().to_owned(),
                    copy_of: command.copy_of,
                }
            }
            "recovery" => EntryKind::Recovery,
            "note" => EntryKind::Note,
            _ => return Err(invalid(field::TEXT, "記録の種類を選んでください")),
        };
        let next = incident
            .add_entry(Entry {
                at: now,
                by: me,
                kind,
                text: command.text,
            })
            .map_err(refused)?;
        if let Some((file, content_type, content)) = &stored {
            store::insert_file(
                &mut tx,
                next.body_id,
                next.id,
                file,
                content_type,
                content,
                now,
            )
            .await?;
        }
        self.save_by(&mut tx, &by, &next, command.seen, "incident.add_entry", &[])
            .await?;
        if let Some((label, recipients)) = told_after {
            self.notify_about(
                &mut tx,
                &next,
                recipients,
                format!("事後報告: {} {label}", next.number),
                format!(
                    "インシデント {} の対応で、被害の拡大を止めるため「{label}」を行いました（事後報告）。",
                    next.number
                ),
                now,
            )
            .await?;
        }
        tx.commit().await?;
        Ok(next)
    }

    /// Adds a person to the response (CSIRT): they read the incident from then on.
    pub async fn add_member(
        &self,
        user: &CurrentUser,
        id: IncidentId,
        seen: u32,
        person: PersonId,
        meta: &RequestMeta,
    ) -> Result<Incident, AppError> {
        let by = self.acting(user, meta)?;
        let now = by.now;
        let mut tx = self.app.store().begin_write().await?;
        let Changing {
            org, incident, me, ..
        } = self.changing(&mut tx, &by, id, seen, true).await?;
        let name = org
            .people
            .get(&person)
            .map(|p| p.0.clone())
            .ok_or_else(|| invalid(field::MEMBER, "対応者を職員の一覧から選んでください"))?;
        let next = incident
            .add_member(Named { person, name }, me.person, now)
            .map_err(refused)?;
        self.commit(tx, &by, next, seen, "incident.add_member")
            .await
    }

    /// The 再発防止計画 as drafted by the CSIRT; the 委員会 (or the deciding role) is told.
    pub async fn propose_measures(
        &self,
        user: &CurrentUser,
        command: ProposeMeasures,
        meta: &RequestMeta,
    ) -> Result<Incident, AppError> {
        let by = self.acting(user, meta)?;
        let now = by.now;
        let mut tx = self.app.store().begin_write().await?;
        let Changing {
            ruling,
            org,
            incident,
            me,
            ..
        } = self
            .changing(&mut tx, &by, command.id, command.seen, true)
            .await?;
        let catalog = crate::catalog::guideline()?;
        let mut clauses = Vec::new();
        for c in command
            .clauses
            .split(['\n', '、', ',', ' '])
            .map(str::trim)
            .filter(|c| !c.is_empty())
        {
            if catalog.clause(c).is_none() {
                return Err(invalid(
                    field::CLAUSES,
                    format!("条項「{c}」はガイドラインにありません"),
                ));
            }
            clauses.push(c.to_owned());
        }
        let next = incident
            .propose_measures(&command.root_cause, &command.plan, clauses, me, now)
            .map_err(refused)?;
        self.save_by(
            &mut tx,
            &by,
            &next,
            command.seen,
            "incident.propose_measures",
            &[],
        )
        .await?;
        let approver_role =
            committee_of(&ruling, &org).map_or_else(|| deciding_role(&ruling), |(k, _)| k);
        let recipients = org
            .assignments
            .iter()
            .filter(|a| a.role == approver_role && a.in_service)
            .map(|a| a.person)
            .collect();
        self.notify_about(
            &mut tx,
            &next,
            recipients,
            format!("再発防止策の承認依頼: {}", next.number),
            format!(
                "インシデント {} の再発防止策が起案されました。審議・承認をお願いします。",
                next.number
            ),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(next)
    }

    /// Approves the current plan: by the 委員会's carried 議決 on it (recorded at a meeting), or,
    /// where the body has no 委員会, by the holder of the deciding role — never the drafter.
    pub async fn approve_measures(
        &self,
        user: &CurrentUser,
        id: IncidentId,
        seen: u32,
        meta: &RequestMeta,
    ) -> Result<Incident, AppError> {
        let by = self.acting(user, meta)?;
        let now = by.now;
        let mut tx = self.app.store().begin_write().await?;
        let Changing {
            ruling,
            org,
            rules,
            incident,
            me,
        } = self.changing(&mut tx, &by, id, seen, false).await?;
        let round = incident
            .measures
            .as_ref()
            .map(|m| m.round)
            .ok_or_else(|| invalid(field::MEASURES, "再発防止策がまだ起案されていません"))?;
        let approver = match committee_of(&ruling, &org) {
            Some((_, name)) => {
                Self::handler(handles(&rules, &org, by.person))?;
                let d = carried_deliberation(&mut tx, &incident, round).await?.ok_or_else(|| {
                    invalid(
                        field::MEASURES,
                        format!("{name}の議決がまだありません（会議の記録で、この再発防止策を議題にしてください）"),
                    )
                })?;
                ApprovedBy::Committee {
                    meeting: d.meeting_id,
                    held_on: d.held_on,
                    committee: name,
                }
            }
            None => {
                let role = deciding_role(&ruling);
                if !holds(&org, by.person, &role) {
                    return Err(AppError::Forbidden("再発防止策の承認".to_owned()));
                }
                let role_name = ruling
                    .roles
                    .iter()
                    .find(|r| r.key == role)
                    .map_or(role.clone(), |r| r.name.clone());
                ApprovedBy::Role {
                    by: me.clone(),
                    role_name,
                }
            }
        };
        let next = incident
            .approve_measures(
                Approval {
                    on: self.app.today(),
                    by: approver,
                },
                me.person,
                now,
            )
            .map_err(refused)?;
        self.commit(tx, &by, next, seen, "incident.approve_measures")
            .await
    }

    /// 終結 (CSIRT): after the approved measures and every report outside.
    pub async fn close(
        &self,
        user: &CurrentUser,
        command: Close,
        meta: &RequestMeta,
    ) -> Result<Incident, AppError> {
        let by = self.acting(user, meta)?;
        let now = by.now;
        let mut tx = self.app.store().begin_write().await?;
        let Changing {
            rules,
            incident,
            me,
            ..
        } = self
            .changing(&mut tx, &by, command.id, command.seen, true)
            .await?;
        let next = incident
            .close(&command.lessons, &command.review, me, &rules, now)
            .map_err(refused)?;
        self.commit(tx, &by, next, command.seen, "incident.close")
            .await
    }

    /// The periodic run: tells the next step of every chain whose step did not acknowledge in
    /// time, as the system.
    pub async fn escalate_due(&self) -> Result<usize, AppError> {
        let now = self.app.now();
        {
            // An idle check reads; only a lapse takes the write lock.
            let mut conn = self.app.store().conn().await?;
            if store::lapsed(&mut conn, now).await?.is_empty() {
                return Ok(0);
            }
        }
        let mut tx = self.app.store().begin_write().await?;
        let due = store::lapsed(&mut tx, now).await?;
        let mut count = 0;
        for incident in due {
            let Some((next, told)) = incident.escalate(now) else {
                continue;
            };
            self.save(
                &mut tx,
                &next,
                incident.version,
                Actor::system("インシデントの報告の期限"),
                "incident.escalate",
                &told,
                &RequestMeta::default(),
                now,
            )
            .await?;
            count += told.len();
        }
        tx.commit().await?;
        Ok(count)
    }
}

/// A file to keep with an incident, checked (name, size, kind) and hashed: its reference and
/// its content type.
fn kept_file(field: &str, name: &str, content: &[u8]) -> Result<(FileRef, &'static str), AppError> {
    let checked = crate::attachments::check_file(field, name, content)?;
    let file = FileRef {
        id: IncidentFileId::new(),
        name: checked.name,
        size_bytes: u64::try_from(checked.size_bytes).unwrap_or_default(),
        sha256: checked.sha256,
    };
    Ok((file, checked.content_type))
}

fn stale() -> AppError {
    AppError::Conflict(
        "ほかの人がこのインシデントを更新しました。画面を開き直してください".to_owned(),
    )
}

fn first_line(text: &str) -> String {
    text.lines()
        .next()
        .unwrap_or_default()
        .chars()
        .take(80)
        .collect()
}

/// The incident's page.
pub fn link(i: &Incident) -> String {
    format!("/incidents/{}", i.id)
}

/// The 委員会's carried 議決 on the plan of `round`, the latest first.
async fn carried_deliberation(
    conn: &mut impl Reads,
    incident: &Incident,
    round: u32,
) -> Result<Option<Deliberation>, AppError> {
    let id = incident.id.to_string();
    Ok(
        committee_store::meetings_on(conn, incident.body_id, ("incident", &id))
            .await?
            .iter()
            .filter_map(|m| m.deliberation_on_incident(incident.id))
            .find(|d| d.round == round && d.vote.carried()),
    )
}
