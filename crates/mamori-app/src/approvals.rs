//! 許可・承認の申請: applications of every kind the policy creates, routed through the authority
//! resolver, decided step by step with 兼務の禁止 checked at each, and their ledgers.
//!
//! The kinds are the catalog's APPROVAL clauses with the deciding roles of the body's matrix
//! (`mamori_domain::approval::default_kinds`). An application is kept whole; every transition is
//! written only if the application is still at the version the actor read, so of two approvers
//! deciding one step at once exactly one succeeds and the other gets a conflict. An application
//! that permits a waiting asset record completes that record when it is approved.

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use mamori_domain::approval::{
    self, Actor as ApprovalActor, Application, ApplicationKind, ApprovalError, Decision,
    DecisionInput, FieldValue, FieldValues, LedgerRow, NewApplication, Status,
};
use mamori_domain::audit::{Actor, AuditEntry};
use mamori_domain::authority::Context;
use mamori_domain::classification::Classification;
use mamori_domain::ids::{ApplicationFileId, ApplicationId, AssetEventId, BodyId, PersonId};
use mamori_domain::policy::Profile;
use mamori_store::approvals as store;
use mamori_store::assets::{self as asset_store, EventStatus};
use mamori_store::notifications as notify_store;
use mamori_store::{AnyConnection, WriteTx, audit, org};
use serde::Serialize;

use crate::assets::rules_of;
use crate::attachments::{self, Upload};
use crate::organization::authority_matrix;
use crate::reads::{Exported, Read};
use crate::ruling::Ruling;
use crate::{App, AppError, CurrentUser, RequestMeta};

/// Days before its 期限 that an approval counts as expiring (期限間近, 見直し): the body's
/// parameter `expiry_notice_days`.
pub(crate) fn expiry_window(profile: Option<&Profile>) -> Result<u32, AppError> {
    crate::policy::parameter_number(profile, "expiry_notice_days")
}

fn refused(e: ApprovalError) -> AppError {
    match e {
        ApprovalError::Invalid(errors) => errors.into_iter().next().map_or_else(
            || AppError::Internal("approval refused without a reason".to_owned()),
            AppError::Invalid,
        ),
        ApprovalError::Forbidden(e) => AppError::Forbidden(e.message),
        stale @ ApprovalError::Stale { .. } => AppError::Conflict(stale.to_string()),
    }
}

/// What filing an application does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Filing {
    /// 起案 only.
    Draft,
    /// 起案 and 申請 at once.
    Submit,
    /// 緊急時: acted on that date before any approval; the 事後報告 is due by the kind's rule.
    Emergency { acted_on: chrono::NaiveDate },
}

/// An application with what the screens show beside it.
#[derive(Debug, Clone, Serialize)]
pub struct ApplicationView {
    pub application: Application,
    pub kind: ApplicationKind,
    /// The asset record the application permits, if any.
    pub asset_event: Option<AssetEventId>,
    /// Field values in the kind's order, as text: `(label, value)`.
    pub values: Vec<(String, String)>,
    /// The signed-in person may decide the current step.
    pub may_decide: bool,
    /// The signed-in person is the applicant and may still withdraw.
    pub may_withdraw: bool,
    /// The applicant may correct a 下書き or 差戻し and 申請 it (again).
    pub may_resubmit: bool,
    /// 実施, 返却, 完了 the signed-in person may record now.
    pub may_start: bool,
    pub may_return: bool,
    pub may_complete: bool,
    /// The applicant of an emergency application may make the 事後報告.
    pub may_report: bool,
    /// The values as the form shows them (assets by 管理番号, people by 職員番号).
    pub form: BTreeMap<String, String>,
    /// 添付資料, for their download links.
    #[serde(skip)]
    pub files: Vec<mamori_store::approvals::ApplicationFile>,
    /// Flags as the ledger shows them.
    pub return_overdue: bool,
    pub report_overdue: bool,
    pub needs_review: bool,
}

/// Which rows of a 台帳 to show: by state, by 所属, by 申請日, or only those that need action
/// (返却遅れ, 期限間近, 事後報告の期限超過).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LedgerFilter {
    pub status: Option<Status>,
    /// Part of the 所属 name.
    pub unit: Option<String>,
    pub applied_from: Option<chrono::NaiveDate>,
    pub applied_to: Option<chrono::NaiveDate>,
    pub needs_action: bool,
}

impl LedgerFilter {
    fn keeps(&self, r: &LedgerRow) -> bool {
        self.status.is_none_or(|s| r.status == s)
            && self
                .unit
                .as_deref()
                .map(str::trim)
                .is_none_or(|u| u.is_empty() || r.unit.contains(u))
            && self
                .applied_from
                .is_none_or(|from| r.applied_on.is_some_and(|d| d >= from))
            && self
                .applied_to
                .is_none_or(|to| r.applied_on.is_some_and(|d| d <= to))
            && (!self.needs_action || r.overdue_return || r.expiring || r.report_overdue)
    }

    /// Reads the filter from query text; what cannot be read is refused naming the field.
    pub fn parse(
        status: &str,
        unit: &str,
        from: &str,
        to: &str,
        needs_action: bool,
    ) -> Result<Self, AppError> {
        let date = |label: &str, raw: &str| -> Result<Option<chrono::NaiveDate>, AppError> {
            let raw = raw.trim();
            if raw.is_empty() {
                return Ok(None);
            }
            chrono::NaiveDate::parse_from_str(raw, "%Y-%m-%d")
                .map(Some)
                .map_err(|_| {
                    AppError::Invalid(mamori_domain::DomainError::new(
                        label,
                        format!("「{raw}」は日付として読めません（例: 2026-04-01）"),
                    ))
                })
        };
        let status = match status.trim() {
            "" => None,
            key => Some(Status::parse(key).ok_or_else(|| {
                AppError::Invalid(mamori_domain::DomainError::new(
                    "状態",
                    format!("「{key}」という状態はありません"),
                ))
            })?),
        };
        Ok(Self {
            status,
            unit: Some(unit.trim().to_owned()).filter(|u| !u.is_empty()),
            applied_from: date("申請日（から）", from)?,
            applied_to: date("申請日（まで）", to)?,
            needs_action,
        })
    }
}

/// What follows an approval, recorded by the applicant or someone who approved it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FollowUp {
    /// 実施: the approved action begins.
    Start,
    /// 返却: the item is back on that date.
    Return { on: chrono::NaiveDate },
    /// 完了
    Complete,
    /// 事後報告 of an emergency application (applicant only): it goes to review.
    Report,
}

/// A 例外措置 in force whose 期限 is near or past: it comes up for review.
#[derive(Debug, Clone, Serialize)]
pub struct ExceptionReview {
    pub application: Application,
    /// Days until the 期限; negative when past.
    pub days_left: i64,
    /// The compensating measures as entered.
    pub measures: String,
}

/// What waits for one person in 申請・承認, for the home page.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct ApprovalSummary {
    /// Applications whose current step the person may decide.
    pub to_decide: usize,
    /// The person's own applications sent back to them.
    pub sent_back: usize,
    /// The person's own items not back by their 返却予定日.
    pub overdue_returns: usize,
    /// The person's own emergency applications whose 事後報告 is still to be made.
    pub reports_due: usize,
    /// 例外措置 of the body that come up for review.
    pub reviews: usize,
}

/// The body's 例外措置 in force that come up for review on `today`, with the notice period.
async fn up_for_review(
    conn: &mut AnyConnection,
    body: BodyId,
    profile: Option<&Profile>,
    today: chrono::NaiveDate,
) -> Result<(u32, Vec<Application>), AppError> {
    let window = expiry_window(profile)?;
    let due = store::list_applications(
        conn,
        body,
        None,
        &[Status::Approved.key(), Status::InProgress.key()],
    )
    .await?
    .into_iter()
    .map(|(a, _)| a)
    .filter(|a| a.needs_review(today, window))
    .collect();
    Ok((window, due))
}

/// Every body, for the daily runs.
async fn all_bodies(app: &App) -> Result<Vec<mamori_domain::org::Body>, AppError> {
    let mut conn = app.store().conn().await?;
    Ok(org::list_bodies(&mut conn).await?)
}

/// Who may read which applications: those who permit or approve some kind in the body (the
/// roles of the matrix rows and kind routes — 情報セキュリティ管理者 and above) read all of them;
/// everyone else reads those they applied for, are the subject of, or are on the route of.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Viewer {
    person: Option<PersonId>,
    overseer: bool,
}

impl Viewer {
    pub(crate) fn of(
        user: &CurrentUser,
        kinds: &[ApplicationKind],
        profile: Option<&Profile>,
    ) -> Result<Self, AppError> {
        let matrix = authority_matrix(profile)?;
        let held = user.role_keys();
        let decides = |role: &str| held.iter().any(|h| h == role);
        let overseer = kinds.iter().any(|k| match &k.route {
            approval::RouteSpec::FromMatrix => matrix
                .row(&k.clause)
                .iter()
                .any(|m| m.mark.decides() && decides(&m.role)),
            approval::RouteSpec::Steps { steps } => steps.iter().any(|s| {
                decides(&s.role)
                    || s.consult
                        .as_ref()
                        .and_then(|c| c.role.as_deref())
                        .is_some_and(decides)
            }),
        });
        Ok(Self {
            person: user.account.person_id,
            overseer,
        })
    }

    pub(crate) fn sees(&self, app: &Application) -> bool {
        self.overseer
            || self.person.is_some_and(|p| {
                p == app.applicant
                    || app.subjects.contains(&p)
                    || app.route.as_ref().is_some_and(|r| {
                        r.steps.iter().flat_map(|s| &s.seats).any(|seat| {
                            seat.candidates.iter().any(|h| h.person == p)
                                || seat.decision.as_ref().is_some_and(|d| d.by == p)
                        })
                    })
            })
    }
}

/// An application the user may read, with what reading it needed.
pub(crate) struct Readable {
    pub app: Application,
    pub asset_event: Option<AssetEventId>,
    /// The body's rules it was read under.
    pub ruling: Arc<Ruling>,
}

/// The application `id` of the user's body if [`Viewer`] lets the user read it; otherwise not
/// found, so that nobody learns it exists.
pub(crate) async fn readable(
    conn: &mut AnyConnection,
    user: &CurrentUser,
    id: ApplicationId,
) -> Result<Readable, AppError> {
    let body = user.body()?;
    let not_found = || AppError::NotFound("申請".to_owned());
    let (app, asset_event) = store::get_application(conn, body.id, id)
        .await?
        .ok_or_else(not_found)?;
    let ruling = crate::ruling::ruling(conn, body.id).await?;
    if !Viewer::of(user, ruling.kinds()?, ruling.profile.as_ref())?.sees(&app) {
        return Err(not_found());
    }
    Ok(Readable {
        app,
        asset_event,
        ruling,
    })
}

/// The applicant, or someone who approved a step, records what follows an approval.
fn may_follow_up(app: &Application, person: PersonId) -> bool {
    person == app.applicant
        || app.route.as_ref().is_some_and(|r| {
            r.steps
                .iter()
                .flat_map(|s| &s.seats)
                .filter_map(|s| s.decision.as_ref())
                .any(|d| d.by == person && d.decision == Decision::Approve)
        })
}

/// Who acts in a transaction, in which body and when: what every transition records.
#[derive(Debug, Clone)]
pub(crate) struct Acting<'a> {
    pub body: BodyId,
    pub person: PersonId,
    pub actor: Actor,
    pub meta: &'a RequestMeta,
    pub now: DateTime<Utc>,
}

/// Who acts: the person behind the account.
fn person_of(user: &CurrentUser) -> Result<PersonId, AppError> {
    user.account.person_id.ok_or_else(|| {
        AppError::Forbidden("職員に結び付いていないアカウントでの申請・決裁".to_owned())
    })
}

fn kind_of<'a>(kinds: &'a [ApplicationKind], key: &str) -> Result<&'a ApplicationKind, AppError> {
    kinds
        .iter()
        .find(|k| k.key == key || k.clause == key)
        .ok_or_else(|| AppError::NotFound("申請の種類".to_owned()))
}

/// Appends the audit record of the application's last transition.
async fn audit_last(
    tx: &mut WriteTx,
    body: BodyId,
    app: &Application,
    actor: Actor,
    meta: &RequestMeta,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let Some(event) = app.history.last() else {
        return Ok(());
    };
    let entry = AuditEntry::new(actor, event.kind.action(), "application", app.id)
        .body(body)
        .after(&serde_json::json!({
            "number": app.number,
            "kind": app.kind,
            "clause": app.clause,
            "from": event.from.map(Status::key),
            "to": event.to.key(),
            "step": event.step,
            "comment": event.comment,
            "version": app.version,
        }))
        .request(meta.request_id.clone());
    audit::append(tx, now, entry).await?;
    Ok(())
}

/// Writes the application if nobody changed it since `seen`; else a conflict, nothing written.
async fn save(
    conn: &mut AnyConnection,
    app: &Application,
    seen: u32,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    if store::update_application(conn, app, seen, now).await? {
        Ok(())
    } else {
        Err(AppError::Conflict(
            "この申請は他の操作で更新されています。画面を読み込み直してください".to_owned(),
        ))
    }
}

fn field_values(kind: &ApplicationKind, app: &Application) -> Vec<(String, String)> {
    kind.fields
        .iter()
        .map(|f| {
            (
                f.label.clone(),
                app.fields
                    .get(&f.key)
                    .map(FieldValue::display)
                    .unwrap_or_default(),
            )
        })
        .collect()
}

/// The kind's fields read from the text of a form. Assets are named by 管理番号 (or id) and
/// people by 職員番号 (or id); each must be the body's.
pub(crate) async fn parse_fields(
    conn: &mut AnyConnection,
    body: BodyId,
    kind: &ApplicationKind,
    raw: &BTreeMap<String, String>,
) -> Result<FieldValues, AppError> {
    let mut fields = FieldValues::new();
    for def in &kind.fields {
        let text = raw.get(&def.key).map(String::as_str).unwrap_or("");
        let text = match def.kind {
            approval::FieldKind::Assets => asset_ids_of(conn, body, &def.label, text).await?,
            approval::FieldKind::People => person_ids_of(conn, body, &def.label, text).await?,
            _ => text.to_owned(),
        };
        if let Some(v) = def.parse(&text)? {
            fields.insert(def.key.clone(), v);
        }
    }
    Ok(fields)
}

fn not_found_in(label: &str, missing: &[&str], what: &str) -> AppError {
    AppError::Invalid(mamori_domain::DomainError::new(
        label,
        format!("「{}」という{what}はありません", missing.join("」「")),
    ))
}

/// The ids of the assets named in `text` by 管理番号 or id, as a list the field parses.
async fn asset_ids_of(
    conn: &mut AnyConnection,
    body: BodyId,
    label: &str,
    text: &str,
) -> Result<String, AppError> {
    let tokens: Vec<&str> = approval::split_list(text).collect();
    if tokens.is_empty() {
        return Ok(String::new());
    }
    let numbers: Vec<String> = tokens.iter().map(|t| (*t).to_owned()).collect();
    let by_number = asset_store::ids_by_number(conn, body, &numbers).await?;
    let ids: Vec<mamori_domain::ids::AssetId> =
        tokens.iter().filter_map(|t| t.parse().ok()).collect();
    let by_id = asset_store::numbers_of(conn, body, &ids).await?;
    let mut out = Vec::new();
    let mut missing = Vec::new();
    for t in &tokens {
        if let Some((id, _)) = by_number.iter().find(|(_, n)| n == t) {
            out.push(id.to_string());
        } else if let Some((id, _)) = by_id.iter().find(|(id, _)| id.to_string() == *t) {
            out.push(id.to_string());
        } else {
            missing.push(*t);
        }
    }
    if missing.is_empty() {
        Ok(out.join(","))
    } else {
        Err(not_found_in(label, &missing, "管理番号の情報資産"))
    }
}

/// The ids of the people named in `text` by 職員番号 or id, as a list the field parses.
async fn person_ids_of(
    conn: &mut AnyConnection,
    body: BodyId,
    label: &str,
    text: &str,
) -> Result<String, AppError> {
    let tokens: Vec<&str> = approval::split_list(text).collect();
    if tokens.is_empty() {
        return Ok(String::new());
    }
    let people = org::all_people(conn, body).await?;
    let mut out = Vec::new();
    let mut missing = Vec::new();
    for t in &tokens {
        match people
            .iter()
            .find(|p| p.staff_number == *t || p.id.to_string() == *t)
        {
            Some(p) => out.push(p.id.to_string()),
            None => missing.push(*t),
        }
    }
    if missing.is_empty() {
        Ok(out.join(","))
    } else {
        Err(not_found_in(label, &missing, "職員番号の職員"))
    }
}

/// The values of `app` as the form shows them: assets by 管理番号, people by 職員番号.
async fn form_values(
    conn: &mut AnyConnection,
    body: BodyId,
    app: &Application,
) -> Result<BTreeMap<String, String>, AppError> {
    let mut out = BTreeMap::new();
    for (key, value) in &app.fields {
        let text = match value {
            FieldValue::Assets(ids) => asset_store::numbers_of(conn, body, ids)
                .await?
                .into_iter()
                .map(|(_, n)| n)
                .collect::<Vec<_>>()
                .join("、"),
            FieldValue::People(ids) => {
                let mut numbers = Vec::new();
                for id in ids {
                    if let Some(p) = org::find_person(conn, *id).await? {
                        numbers.push(p.staff_number);
                    }
                }
                numbers.join("、")
            }
            other => attachments::typed_references(other).unwrap_or_else(|| other.display()),
        };
        out.insert(key.clone(), text);
    }
    Ok(out)
}

impl App {
    /// The signed-in person acting now.
    fn acting<'a>(
        &self,
        user: &CurrentUser,
        meta: &'a RequestMeta,
    ) -> Result<Acting<'a>, AppError> {
        Ok(Acting {
            body: user.body()?.id,
            person: person_of(user)?,
            actor: user.actor(),
            meta,
            now: self.now(),
        })
    }

    /// After each transition, in its transaction: the audit record of the application's last
    /// event and the notifications it sends.
    #[allow(clippy::too_many_arguments)]
    async fn transitioned(
        &self,
        tx: &mut WriteTx,
        body: BodyId,
        app: &Application,
        actor: Actor,
        meta: &RequestMeta,
        now: DateTime<Utc>,
    ) -> Result<(), AppError> {
        audit_last(tx, body, app, actor, meta, now).await?;
        self.notify_application(tx, body, app, now).await
    }

    /// The kinds of application of the body.
    pub async fn application_kinds(
        &self,
        user: &CurrentUser,
    ) -> Result<Vec<ApplicationKind>, AppError> {
        let body = user.body()?;
        let mut conn = self.store().conn().await?;
        let ruling = crate::ruling::ruling(&mut conn, body.id).await?;
        ruling.kinds().map(<[_]>::to_vec)
    }

    /// The kinds with their routes as people read them: 「情報セキュリティ管理者の許可 →
    /// CISOの承認」, in the body's role names; 合議 and 専決 noted.
    pub async fn application_kind_routes(
        &self,
        user: &CurrentUser,
    ) -> Result<Vec<(ApplicationKind, String)>, AppError> {
        let body = user.body()?;
        let mut conn = self.store().conn().await?;
        let ruling = crate::ruling::ruling(&mut conn, body.id).await?;
        let kinds = ruling.kinds()?;
        let matrix = ruling.matrix.clone();
        let name_of = |role: &str| {
            ruling
                .profile
                .as_ref()
                .and_then(|p| p.roles.iter().find(|r| r.key == role))
                .map_or_else(|| role.to_owned(), |r| r.name.clone())
        };
        Ok(kinds
            .iter()
            .map(|k| {
                let mut steps: Vec<String> = match &k.route {
                    approval::RouteSpec::FromMatrix => matrix
                        .row(&k.clause)
                        .iter()
                        .filter(|m| m.mark.decides())
                        .map(|m| format!("{}の{}", name_of(&m.role), m.mark.label()))
                        .collect(),
                    approval::RouteSpec::Steps { steps } => steps
                        .iter()
                        .map(|s| {
                            let own = s.label.clone().unwrap_or_else(|| {
                                format!("{}の{}", name_of(&s.role), s.mark.label())
                            });
                            match &s.consult {
                                Some(c) => format!("{own}（合議: {}）", c.units.join("、")),
                                None => own,
                            }
                        })
                        .collect(),
                };
                if !k.delegation.is_empty() {
                    steps.push(format!(
                        "専決あり（{}）",
                        k.delegation
                            .iter()
                            .map(|d| d.note.clone().unwrap_or_else(|| "専決".to_owned()))
                            .collect::<Vec<_>>()
                            .join("、")
                    ));
                }
                (k.clone(), steps.join(" → "))
            })
            .collect())
    }

    /// 起案 and, with `submit`, 申請: the fields as typed (by field key), checked against the kind;
    /// the route is resolved for the applicant's unit on today's organization. With
    /// `asset_event`, the application permits that waiting asset record.
    pub async fn apply(
        &self,
        user: &CurrentUser,
        kind_key: &str,
        raw: &BTreeMap<String, String>,
        filing: Filing,
        asset_event: Option<AssetEventId>,
        meta: &RequestMeta,
    ) -> Result<ApplicationId, AppError> {
        self.apply_with_files(user, kind_key, raw, &[], filing, asset_event, meta)
            .await
    }

    /// [`apply`](Self::apply) with files for the kind's attachment fields (添付資料).
    #[allow(clippy::too_many_arguments)]
    pub async fn apply_with_files(
        &self,
        user: &CurrentUser,
        kind_key: &str,
        raw: &BTreeMap<String, String>,
        uploads: &[Upload],
        filing: Filing,
        asset_event: Option<AssetEventId>,
        meta: &RequestMeta,
    ) -> Result<ApplicationId, AppError> {
        let by = self.acting(user, meta)?;
        let mut tx = self.store().begin_write().await?;
        let id = self
            .apply_in(&mut tx, &by, kind_key, raw, uploads, filing, asset_event)
            .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// [`apply`](Self::apply) in the caller's transaction, for `person`.
    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn apply_in(
        &self,
        tx: &mut WriteTx,
        by: &Acting<'_>,
        kind_key: &str,
        raw: &BTreeMap<String, String>,
        uploads: &[Upload],
        filing: Filing,
        asset_event: Option<AssetEventId>,
    ) -> Result<ApplicationId, AppError> {
        let (body, person, actor, meta, now) =
            (by.body, by.person, by.actor.clone(), by.meta, by.now);
        let id = ApplicationId::new();
        let today = self.today();
        let ruling = crate::ruling::ruling(tx.conn(), body).await?;
        let kinds = ruling.kinds()?;
        let kind = kind_of(kinds, kind_key)?;
        let (raw, staged) =
            attachments::stage(kind, raw, uploads, &BTreeMap::new(), id, person, now)?;
        let mut fields = parse_fields(tx.conn(), body, kind, &raw).await?;
        if let Some(event) = asset_event {
            let e = asset_store::get_event(tx.conn(), body, event)
                .await?
                .ok_or_else(|| AppError::NotFound("許可待ちの記録".to_owned()))?;
            if e.status != EventStatus::AwaitingApproval {
                return Err(AppError::Conflict(
                    "この記録は許可待ちではありません".to_owned(),
                ));
            }
            if store::application_of_event(tx.conn(), event)
                .await?
                .is_some()
            {
                return Err(AppError::Conflict(
                    "この記録の許可は既に申請されています".to_owned(),
                ));
            }
            if let Some(def) = kind.fields.iter().find(|f| {
                matches!(f.kind, approval::FieldKind::Assets) && !fields.contains_key(&f.key)
            }) {
                fields.insert(def.key.clone(), FieldValue::Assets(vec![e.asset_id]));
            }
        }
        let me = org::find_person(tx.conn(), person)
            .await?
            .ok_or_else(|| AppError::NotFound("申請者".to_owned()))?;
        let units = self.unit_names(tx.conn(), body).await?;
        let year = mamori_domain::fiscal_year::FiscalYear::of(today).year();
        let number = store::next_application_number(tx.conn(), body, year).await?;
        let new = NewApplication {
            id,
            number,
            applicant: person,
            applicant_name: me.name.clone(),
            unit: Some(me.unit_id),
            unit_name: units.get(&me.unit_id).cloned().unwrap_or_default(),
            subjects: Vec::new(),
            fields,
        };
        let mut app = match filing {
            Filing::Emergency { acted_on } => {
                Application::act_in_emergency(kind, new, acted_on, now)
            }
            Filing::Draft | Filing::Submit => Application::draft(kind, new, now),
        }
        .map_err(refused)?;
        store::insert_application(tx.conn(), body, &app, asset_event, now).await?;
        self.transitioned(tx, body, &app, actor.clone(), meta, now)
            .await?;
        staged.save(tx, body, &actor, meta, now).await?;
        if filing == Filing::Submit {
            let seen = app.version;
            app = self
                .submitted(
                    tx.conn(),
                    body,
                    ruling.profile.as_ref(),
                    kind,
                    &app,
                    person,
                    now,
                )
                .await?;
            save(tx.conn(), &app, seen, now).await?;
            self.transitioned(tx, body, &app, actor.clone(), meta, now)
                .await?;
        }
        Ok(app.id)
    }

    /// The route of `app` resolved on today's organization: the steps of the kind for the
    /// applicant's unit, 専決 on the highest classification of the assets it names.
    async fn route_for(
        &self,
        conn: &mut AnyConnection,
        body: BodyId,
        profile: Option<&Profile>,
        kind: &ApplicationKind,
        app: &Application,
    ) -> Result<approval::Route, AppError> {
        let snapshot = self.org_snapshot(conn, body, self.today()).await?;
        let matrix = authority_matrix(profile)?;
        let (rules, _) = rules_of(conn, body).await?;
        let mut classes: Vec<Classification> = Vec::new();
        for v in app.fields.values() {
            if let FieldValue::Assets(ids) = v {
                for r in asset_store::get_assets(conn, body, ids).await? {
                    if let Ok(c) = rules.classification(&r) {
                        classes.push(c);
                    }
                }
            }
        }
        let highest = rules.scheme.highest(&classes)?;
        Ok(approval::resolve_route(
            kind,
            &snapshot,
            &matrix,
            &Context {
                unit: app.unit,
                system: None,
            },
            &app.fields,
            highest.as_ref().map(|c| (&*rules.scheme, c)),
        )?)
    }

    /// The application after 申請: the route resolved on today's organization.
    #[allow(clippy::too_many_arguments)]
    async fn submitted(
        &self,
        conn: &mut AnyConnection,
        body: BodyId,
        profile: Option<&Profile>,
        kind: &ApplicationKind,
        app: &Application,
        person: PersonId,
        now: DateTime<Utc>,
    ) -> Result<Application, AppError> {
        let route = self.route_for(conn, body, profile, kind, app).await?;
        app.submit(
            kind,
            route,
            &ApprovalActor {
                by: person,
                at: now,
                version: app.version,
            },
        )
        .map_err(refused)
    }

    /// One application, with what the signed-in person may do with it.
    pub async fn application(
        &self,
        user: &CurrentUser,
        id: ApplicationId,
    ) -> Result<ApplicationView, AppError> {
        let body = user.body()?;
        let mut conn = self.store().conn().await?;
        let Readable {
            app,
            asset_event,
            ruling,
        } = readable(&mut conn, user, id).await?;
        let kind = kind_of(ruling.kinds()?, &app.kind)?.clone();
        let person = user.account.person_id;
        let files = store::files_of(&mut conn, body.id, id).await?;
        // Assets and people by what people read: 管理番号 and name, the person's name.
        let mut values = field_values(&kind, &app);
        for (def, value) in kind.fields.iter().zip(values.iter_mut()) {
            match app.fields.get(&def.key) {
                Some(FieldValue::Assets(ids)) => {
                    let records = asset_store::get_assets(&mut conn, body.id, ids).await?;
                    value.1 = records
                        .iter()
                        .map(|r| format!("{} {}", r.asset_no, r.name))
                        .collect::<Vec<_>>()
                        .join("、");
                }
                Some(v @ FieldValue::Attachment(_)) => {
                    value.1 = attachments::display(v, &files).unwrap_or_default();
                }
                Some(FieldValue::People(ids)) => {
                    let mut names = Vec::new();
                    for id in ids {
                        if let Some(p) = org::find_person(&mut conn, *id).await? {
                            names.push(p.name);
                        }
                    }
                    value.1 = names.join("、");
                }
                _ => {}
            }
        }
        let today = self.today();
        let applicant = person == Some(app.applicant);
        let follows = person.is_some_and(|p| may_follow_up(&app, p));
        let in_force = app.valid_until.is_none_or(|u| today <= u);
        let reported = app.emergency.is_none_or(|e| e.reported_on.is_some());
        let returned = app.return_due.is_none() || app.returned_on.is_some();
        Ok(ApplicationView {
            values,
            // The applicant and the people the application is about never decide it.
            may_decide: person
                .is_some_and(|p| app.awaits(p) && p != app.applicant && !app.subjects.contains(&p)),
            may_withdraw: applicant
                && app.emergency.is_none()
                && matches!(
                    app.status,
                    Status::Draft | Status::Submitted | Status::SentBack | Status::Approved
                ),
            may_resubmit: applicant && matches!(app.status, Status::Draft | Status::SentBack),
            may_start: follows && app.status == Status::Approved && in_force,
            may_return: follows
                && app.return_due.is_some()
                && app.returned_on.is_none()
                && matches!(
                    app.status,
                    Status::Approved | Status::InProgress | Status::Expired
                ),
            may_complete: follows
                && returned
                && reported
                && matches!(
                    app.status,
                    Status::Approved | Status::InProgress | Status::Returned | Status::Expired
                ),
            may_report: applicant && !reported && app.status == Status::InProgress,
            form: form_values(&mut conn, body.id, &app).await?,
            files,
            return_overdue: app.is_return_overdue(today),
            report_overdue: app.is_report_overdue(today),
            needs_review: app.needs_review(today, expiry_window(ruling.profile.as_ref())?),
            application: app,
            kind,
            asset_event,
        })
    }

    /// 承認・差戻し・却下 of the current step, by the person who read version `seen`. Not a
    /// candidate of the step: 403; the applicant or a subject: refused naming 兼務の禁止 (unless
    /// the profile allows an exception and a reason is given); someone else decided first: 409.
    #[allow(clippy::too_many_arguments)]
    pub async fn decide_application(
        &self,
        user: &CurrentUser,
        id: ApplicationId,
        step: usize,
        decision: Decision,
        comment: Option<String>,
        sod_reason: Option<String>,
        seen: u32,
        meta: &RequestMeta,
    ) -> Result<Application, AppError> {
        let by = self.acting(user, meta)?;
        let input = DecisionInput {
            step,
            decision,
            comment,
            sod_reason,
        };
        let mut tx = self.store().begin_write().await?;
        let next = self.decide_in(&mut tx, &by, id, input, seen).await?;
        tx.commit().await?;
        Ok(next)
    }

    /// [`decide_application`](Self::decide_application) in the caller's transaction.
    pub(crate) async fn decide_in(
        &self,
        tx: &mut WriteTx,
        by: &Acting<'_>,
        id: ApplicationId,
        input: DecisionInput,
        seen: u32,
    ) -> Result<Application, AppError> {
        let (body, person, actor, meta, now) =
            (by.body, by.person, by.actor.clone(), by.meta, by.now);
        let step = input.step;
        let (app, asset_event) = store::get_application(tx.conn(), body, id)
            .await?
            .ok_or_else(|| AppError::NotFound("申請".to_owned()))?;
        let ruling = crate::ruling::ruling(tx.conn(), body).await?;
        let kinds = ruling.kinds()?;
        let kind = kind_of(kinds, &app.kind)?;
        let sod = ruling
            .profile
            .as_ref()
            .map(|p| p.separation.clone())
            .unwrap_or_default();
        let next = app
            .decide(
                kind,
                &input,
                &sod,
                &ApprovalActor {
                    by: person,
                    at: now,
                    version: seen,
                },
            )
            .map_err(refused)?;
        save(tx.conn(), &next, seen, now).await?;
        self.transitioned(tx, body, &next, actor.clone(), meta, now)
            .await?;
        let exception = next
            .route
            .as_ref()
            .and_then(|r| r.steps.get(step))
            .into_iter()
            .flat_map(|s| &s.seats)
            .filter_map(|s| s.decision.as_ref())
            .find(|d| d.by == person)
            .and_then(|d| d.sod_exception.clone());
        if let Some(exception) = exception {
            let entry = AuditEntry::new(actor.clone(), "separation.exception", "application", id)
                .body(body)
                .after(&exception)
                .request(meta.request_id.clone());
            audit::append(tx, now, entry).await?;
        }
        if next.status == Status::Approved
            && let Some(event) = asset_event
        {
            self.complete_asset_event(tx, body, event, &next, actor.clone(), meta, now)
                .await?;
        }
        Ok(next)
    }

    /// The asset record an approved application permits happens now: recorded with the
    /// application's number as its approval, and 廃棄 / 保管 change the asset.
    #[allow(clippy::too_many_arguments)]
    async fn complete_asset_event(
        &self,
        tx: &mut WriteTx,
        body: BodyId,
        event: AssetEventId,
        app: &Application,
        actor: Actor,
        meta: &RequestMeta,
        now: DateTime<Utc>,
    ) -> Result<(), AppError> {
        let Some(mut e) = asset_store::get_event(tx.conn(), body, event).await? else {
            return Ok(());
        };
        if e.status != EventStatus::AwaitingApproval {
            return Ok(());
        }
        e.status = EventStatus::Completed;
        e.approval = Some(app.number.clone());
        e.completed_at = Some(now);
        asset_store::update_event(tx.conn(), &e).await?;
        if let Some(mut record) = asset_store::get_asset(tx.conn(), body, e.asset_id).await? {
            let mut changed = false;
            if e.action == mamori_domain::classification::Action::Disposal {
                record.status = mamori_domain::asset::AssetStatus::Disposed;
                changed = true;
            }
            if let Some(location) = &e.new_location {
                record.location = location.clone();
                changed = true;
            }
            if changed {
                let (rules, _) = rules_of(tx.conn(), body).await?;
                let levels = match rules.classification(&record) {
                    Ok(c) => rules.level_rows(&c)?,
                    Err(_) => Vec::new(),
                };
                record.updated_at = now;
                asset_store::update_asset(tx.conn(), &record, &levels).await?;
            }
        }
        let entry = AuditEntry::new(actor, "asset.action", "asset", e.asset_id)
            .body(body)
            .after(&serde_json::json!({
                "event": e.id.to_string(),
                "action": e.action.key(),
                "status": e.status.key(),
                "approval": app.number,
            }))
            .request(meta.request_id.clone());
        audit::append(tx, now, entry).await?;
        Ok(())
    }

    /// 取下げ by the applicant. A waiting asset record it permitted is withdrawn with it.
    pub async fn withdraw_application(
        &self,
        user: &CurrentUser,
        id: ApplicationId,
        seen: u32,
        meta: &RequestMeta,
    ) -> Result<(), AppError> {
        let body = user.body()?;
        let person = person_of(user)?;
        let now = self.now();
        let mut tx = self.store().begin_write().await?;
        let (app, asset_event) = store::get_application(tx.conn(), body.id, id)
            .await?
            .ok_or_else(|| AppError::NotFound("申請".to_owned()))?;
        let next = app
            .withdraw(
                None,
                &ApprovalActor {
                    by: person,
                    at: now,
                    version: seen,
                },
            )
            .map_err(refused)?;
        save(tx.conn(), &next, seen, now).await?;
        self.transitioned(&mut tx, body.id, &next, user.actor(), meta, now)
            .await?;
        if let Some(event) = asset_event
            && let Some(mut e) = asset_store::get_event(tx.conn(), body.id, event).await?
            && e.status == EventStatus::AwaitingApproval
        {
            e.status = EventStatus::Withdrawn;
            asset_store::update_event(tx.conn(), &e).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// 承認待ち: the applications whose current step the signed-in person may decide.
    pub async fn inbox(&self, user: &CurrentUser) -> Result<Vec<Application>, AppError> {
        let body = user.body()?;
        let Some(person) = user.account.person_id else {
            return Ok(Vec::new());
        };
        let mut conn = self.store().conn().await?;
        Ok(
            store::list_applications(&mut conn, body.id, None, &[Status::Submitted.key()])
                .await?
                .into_iter()
                .map(|(a, _)| a)
                .filter(|a| a.awaits(person))
                .collect(),
        )
    }

    /// What waits for the signed-in person: to decide, sent back, late returns, reports due,
    /// and the body's 例外措置 up for review.
    pub async fn approval_summary(&self, user: &CurrentUser) -> Result<ApprovalSummary, AppError> {
        let body = user.body()?;
        let Some(person) = user.account.person_id else {
            return Ok(ApprovalSummary::default());
        };
        let today = self.today();
        let mut conn = self.store().conn().await?;
        let ruling = crate::ruling::ruling(&mut conn, body.id).await?;
        let window = expiry_window(ruling.profile.as_ref())?;
        let viewer = Viewer::of(user, ruling.kinds()?, ruling.profile.as_ref())?;
        let open: Vec<Application> = store::list_applications(
            &mut conn,
            body.id,
            None,
            &[
                Status::Submitted.key(),
                Status::SentBack.key(),
                Status::Approved.key(),
                Status::InProgress.key(),
                Status::Expired.key(),
            ],
        )
        .await?
        .into_iter()
        .map(|(a, _)| a)
        .collect();
        let mine = || open.iter().filter(|a| a.applicant == person);
        Ok(ApprovalSummary {
            to_decide: open.iter().filter(|a| a.awaits(person)).count(),
            sent_back: mine().filter(|a| a.status == Status::SentBack).count(),
            overdue_returns: mine().filter(|a| a.is_return_overdue(today)).count(),
            reports_due: mine()
                .filter(|a| {
                    a.status == Status::InProgress
                        && a.emergency.is_some_and(|e| e.reported_on.is_none())
                })
                .count(),
            reviews: open
                .iter()
                .filter(|a| a.needs_review(today, window) && viewer.sees(a))
                .count(),
        })
    }

    /// The signed-in person's own applications, newest first.
    pub async fn my_applications(&self, user: &CurrentUser) -> Result<Vec<Application>, AppError> {
        let body = user.body()?;
        let Some(person) = user.account.person_id else {
            return Ok(Vec::new());
        };
        let mut conn = self.store().conn().await?;
        Ok(store::applications_of(&mut conn, body.id, person).await?)
    }

    /// The 台帳 of one kind (by key or clause): one row per application that was submitted,
    /// those `filter` keeps.
    pub async fn ledger(
        &self,
        user: &CurrentUser,
        kind_key: &str,
        filter: &LedgerFilter,
    ) -> Result<(ApplicationKind, Vec<LedgerRow>), AppError> {
        let body = user.body()?;
        let mut conn = self.store().conn().await?;
        let ruling = crate::ruling::ruling(&mut conn, body.id).await?;
        let kinds = ruling.kinds()?;
        let kind = kind_of(kinds, kind_key)?.clone();
        let today = self.today();
        let window = expiry_window(ruling.profile.as_ref())?;
        let viewer = Viewer::of(user, kinds, ruling.profile.as_ref())?;
        let rows = store::list_applications(&mut conn, body.id, Some(&kind.clause), &[])
            .await?
            .into_iter()
            .map(|(a, _)| a)
            .filter(|a| a.kind == kind.key && a.status != Status::Draft && viewer.sees(a))
            .map(|a| LedgerRow::build(&a, &kind, today, window))
            .filter(|r| filter.keeps(r))
            .collect();
        Ok((kind, rows))
    }

    /// The ledger as an Excel workbook, with its file name; the export is recorded in the audit
    /// trail.
    pub async fn ledger_workbook(
        &self,
        user: &CurrentUser,
        kind_key: &str,
        filter: &LedgerFilter,
        meta: &RequestMeta,
    ) -> Result<(Vec<u8>, String), AppError> {
        let (kind, rows) = self.ledger(user, kind_key, filter).await?;
        let bytes = mamori_io::ledger::ledger_xlsx(&kind.name, &rows)
            .map_err(|e| AppError::Internal(format!("ledger workbook: {e}")))?;
        let read = Read::export(Exported::Ledger, Some(&kind.name), "xlsx", rows.len());
        self.record_read(user, read, meta).await?;
        Ok((bytes, format!("{}台帳.xlsx", kind.name)))
    }

    /// Corrects a 下書き or 差戻し with the values as typed and 申請 it again (applicant only),
    /// on the route resolved on today's organization.
    pub async fn resubmit_application(
        &self,
        user: &CurrentUser,
        id: ApplicationId,
        raw: &BTreeMap<String, String>,
        uploads: &[Upload],
        seen: u32,
        meta: &RequestMeta,
    ) -> Result<Application, AppError> {
        let body = user.body()?;
        let person = person_of(user)?;
        let now = self.now();
        let mut tx = self.store().begin_write().await?;
        let (mut app, _) = store::get_application(tx.conn(), body.id, id)
            .await?
            .ok_or_else(|| AppError::NotFound("申請".to_owned()))?;
        if app.version != seen {
            return Err(refused(ApprovalError::Stale {
                seen,
                current: app.version,
            }));
        }
        let ruling = crate::ruling::ruling(tx.conn(), body.id).await?;
        let kinds = ruling.kinds()?;
        let kind = kind_of(kinds, &app.kind)?;
        // Files already attached stay; new ones are added.
        let kept: BTreeMap<String, Vec<ApplicationFileId>> = app
            .fields
            .iter()
            .map(|(k, v)| (k.clone(), attachments::file_ids(v)))
            .filter(|(_, ids)| !ids.is_empty())
            .collect();
        let (raw, staged) = attachments::stage(kind, raw, uploads, &kept, id, person, now)?;
        let fields = parse_fields(tx.conn(), body.id, kind, &raw).await?;
        staged
            .save(&mut tx, body.id, &user.actor(), meta, now)
            .await?;
        if fields != app.fields {
            let before = app.version;
            app = app
                .edit(
                    kind,
                    fields,
                    &[],
                    &ApprovalActor {
                        by: person,
                        at: now,
                        version: seen,
                    },
                )
                .map_err(refused)?;
            save(tx.conn(), &app, before, now).await?;
            self.transitioned(&mut tx, body.id, &app, user.actor(), meta, now)
                .await?;
        }
        let before = app.version;
        let next = self
            .submitted(
                tx.conn(),
                body.id,
                ruling.profile.as_ref(),
                kind,
                &app,
                person,
                now,
            )
            .await?;
        save(tx.conn(), &next, before, now).await?;
        self.transitioned(&mut tx, body.id, &next, user.actor(), meta, now)
            .await?;
        tx.commit().await?;
        Ok(next)
    }

    /// 実施・返却・完了 by the applicant or someone who approved it, and the 事後報告 of an
    /// emergency application by its applicant, on the version `seen`.
    pub async fn follow_up(
        &self,
        user: &CurrentUser,
        id: ApplicationId,
        what: FollowUp,
        seen: u32,
        meta: &RequestMeta,
    ) -> Result<Application, AppError> {
        let by = self.acting(user, meta)?;
        let mut tx = self.store().begin_write().await?;
        let next = self.follow_up_in(&mut tx, &by, id, what, seen).await?;
        tx.commit().await?;
        Ok(next)
    }

    /// [`follow_up`](Self::follow_up) in the caller's transaction, for `person`.
    pub(crate) async fn follow_up_in(
        &self,
        tx: &mut WriteTx,
        by: &Acting<'_>,
        id: ApplicationId,
        what: FollowUp,
        seen: u32,
    ) -> Result<Application, AppError> {
        let (body, person, actor, meta, now) =
            (by.body, by.person, by.actor.clone(), by.meta, by.now);
        let (app, _) = store::get_application(tx.conn(), body, id)
            .await?
            .ok_or_else(|| AppError::NotFound("申請".to_owned()))?;
        if what != FollowUp::Report && !may_follow_up(&app, person) {
            return Err(AppError::Forbidden(
                "実施・返却・完了を記録できるのは申請者と承認した人です".to_owned(),
            ));
        }
        let by = ApprovalActor {
            by: person,
            at: now,
            version: seen,
        };
        let next = match what {
            FollowUp::Start => app.start(&by),
            FollowUp::Return { on } => app.return_item(on, &by),
            FollowUp::Complete => app.complete(&by),
            FollowUp::Report => {
                let ruling = crate::ruling::ruling(tx.conn(), body).await?;
                let kinds = ruling.kinds()?;
                let kind = kind_of(kinds, &app.kind)?;
                let route = self
                    .route_for(tx.conn(), body, ruling.profile.as_ref(), kind, &app)
                    .await?;
                app.report(kind, route, &by)
            }
        }
        .map_err(refused)?;
        save(tx.conn(), &next, seen, now).await?;
        self.transitioned(tx, body, &next, actor, meta, now).await?;
        Ok(next)
    }

    /// The daily run: approvals whose validity ended before today become 期限切れ, each in its
    /// own transaction with its audit record. Returns how many expired.
    pub async fn expire_due_applications(&self) -> Result<usize, AppError> {
        let today = self.today();
        let bodies = all_bodies(self).await?;
        let actor = Actor::system("申請の期限切れ");
        let meta = RequestMeta::default();
        let mut expired = 0;
        for body in bodies {
            let due: Vec<Application> = {
                let mut conn = self.store().conn().await?;
                store::list_applications(
                    &mut conn,
                    body.id,
                    None,
                    &[Status::Approved.key(), Status::InProgress.key()],
                )
                .await?
                .into_iter()
                .map(|(a, _)| a)
                .filter(|a| a.valid_until.is_some_and(|u| today > u))
                .collect()
            };
            for a in due {
                let now = self.now();
                let mut tx = self.store().begin_write().await?;
                // Re-read inside the transaction: someone may have acted meanwhile.
                let Some((app, _)) = store::get_application(tx.conn(), body.id, a.id).await? else {
                    continue;
                };
                let Ok(next) = app.expire(today, now, app.version) else {
                    continue;
                };
                save(tx.conn(), &next, app.version, now).await?;
                self.transitioned(&mut tx, body.id, &next, actor.clone(), &meta, now)
                    .await?;
                tx.commit().await?;
                expired += 1;
            }
        }
        Ok(expired)
    }

    /// The daily run's reminder: each 例外措置 that has come up for review is brought, once, to
    /// its applicant and to those who permitted it. Returns how many were brought up.
    pub async fn remind_exception_reviews(&self) -> Result<usize, AppError> {
        let today = self.today();
        let bodies = all_bodies(self).await?;
        let mut reminded = 0;
        for body in bodies {
            let mut tx = self.store().begin_write().await?;
            let ruling = crate::ruling::ruling(tx.conn(), body.id).await?;
            let (_, due) =
                up_for_review(tx.conn(), body.id, ruling.profile.as_ref(), today).await?;
            for a in due {
                let link = format!("/approvals/{}", a.id);
                let until = a.valid_until.map(|d| d.to_string()).unwrap_or_default();
                let subject = format!(
                    "例外措置の見直し: {} {}（期限 {until}）",
                    a.number, a.kind_name
                );
                if notify_store::was_told(tx.conn(), body.id, a.applicant, &link, &subject).await? {
                    continue;
                }
                let mut recipients = vec![a.applicant];
                recipients.extend(
                    a.route
                        .iter()
                        .flat_map(|r| &r.steps)
                        .flat_map(|s| &s.seats)
                        .filter_map(|s| s.decision.as_ref())
                        .filter(|d| d.decision == Decision::Approve)
                        .map(|d| d.by),
                );
                let notice = crate::notify::Notice {
                    recipients,
                    subject,
                    text: format!(
                        "{} {}（申請者 {}）の期限 {until} が近づいています。\n\
                         代替措置が続いているか、例外措置をやめられるかを確かめ、やめるときは完了に、\
                         続けるときは新しく申請してください。",
                        a.number, a.kind_name, a.applicant_name
                    ),
                    link: Some(link),
                };
                self.notify_in(&mut tx, body.id, &notice, self.now())
                    .await?;
                reminded += 1;
            }
            tx.commit().await?;
        }
        Ok(reminded)
    }

    /// 例外措置 in force whose 期限 is within the body's `expiry_notice_days` or past, soonest
    /// first, with that number of days.
    pub async fn exception_reviews(
        &self,
        user: &CurrentUser,
    ) -> Result<(u32, Vec<ExceptionReview>), AppError> {
        let body = user.body()?;
        let today = self.today();
        let mut conn = self.store().conn().await?;
        let ruling = crate::ruling::ruling(&mut conn, body.id).await?;
        let kinds = ruling.kinds()?;
        let (window, due) =
            up_for_review(&mut conn, body.id, ruling.profile.as_ref(), today).await?;
        let viewer = Viewer::of(user, kinds, ruling.profile.as_ref())?;
        let mut out: Vec<ExceptionReview> = due
            .into_iter()
            .filter(|a| viewer.sees(a))
            .map(|a| {
                let measures = kinds
                    .iter()
                    .find(|k| k.key == a.kind)
                    .and_then(|k| k.exception.as_ref())
                    .and_then(|rule| a.fields.get(&rule.measures_field))
                    .map(FieldValue::display)
                    .unwrap_or_default();
                let days_left = a
                    .valid_until
                    .map_or(0, |u| u.signed_duration_since(today).num_days());
                ExceptionReview {
                    application: a,
                    days_left,
                    measures,
                }
            })
            .collect();
        out.sort_by_key(|r| r.days_left);
        Ok((window, out))
    }
}

impl App {
    /// One attached file of an application of the user's body, with its bytes.
    /// The download is recorded in the audit trail.
    pub async fn application_file(
        &self,
        user: &CurrentUser,
        application: ApplicationId,
        file: ApplicationFileId,
        meta: &RequestMeta,
    ) -> Result<(store::ApplicationFile, Vec<u8>), AppError> {
        let body = user.body()?;
        let mut conn = self.store().conn().await?;
        // Readable by whoever may read the application.
        readable(&mut conn, user, application).await?;
        let found = store::file_content(&mut conn, body.id, application, file)
            .await?
            .ok_or_else(|| AppError::NotFound("添付資料".to_owned()))?;
        drop(conn);
        let read = Read::attachment(application, file, &found.0.file_name);
        self.record_read(user, read, meta).await?;
        Ok(found)
    }
}
