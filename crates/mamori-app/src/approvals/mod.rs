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
use mamori_store::{Reads, WriteTx, audit, org};
use serde::Serialize;

use crate::assets::AssetRules;
use crate::attachments::{self, Upload};
use crate::reads::{Exported, Read};
use crate::ruling::OrgView;
use crate::ruling::Ruling;
use crate::{App, AppError, CurrentUser, RequestMeta};

mod fields;
pub(crate) use fields::parse_fields;
use fields::{field_values, form_values};
mod deciding;
mod filing;
mod reading;
mod reviews;

/// 申請・承認 as one service: filing, deciding, reading and the periodic reviews of applications,
/// each use case taking the signed-in person and one command.
#[derive(Clone, Copy)]
pub struct Approvals<'a> {
    app: &'a App,
}

impl App {
    /// The applications of the body: [`Approvals`].
    pub fn approvals(&self) -> Approvals<'_> {
        Approvals { app: self }
    }
}

/// The values of an application's fields as typed on the form or sent to the API, by the kind's
/// field key: assets by 管理番号, people by 職員番号, dates as written. They are read against the
/// kind when the application is filed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct FieldInput(BTreeMap<String, String>);

impl FieldInput {
    pub fn get(&self, key: &str) -> Option<&String> {
        self.0.get(key)
    }

    /// Sets a field's value, returning the one it replaces.
    pub fn insert(&mut self, key: String, value: String) -> Option<String> {
        self.0.insert(key, value)
    }

    pub(crate) fn as_map(&self) -> &BTreeMap<String, String> {
        &self.0
    }
}

impl From<BTreeMap<String, String>> for FieldInput {
    fn from(map: BTreeMap<String, String>) -> Self {
        Self(map)
    }
}

impl FromIterator<(String, String)> for FieldInput {
    fn from_iter<I: IntoIterator<Item = (String, String)>>(iter: I) -> Self {
        Self(iter.into_iter().collect())
    }
}

/// 起案 (and, with [`Filing::Submit`], 申請) of one application.
#[derive(Debug, Clone, Copy)]
pub struct Apply<'a> {
    /// The kind's key.
    pub kind: &'a str,
    pub fields: &'a FieldInput,
    /// Files for the kind's attachment fields (添付資料).
    pub uploads: &'a [Upload],
    pub filing: Filing,
    /// The waiting asset record the application permits.
    pub asset_event: Option<AssetEventId>,
}

impl<'a> Apply<'a> {
    /// 申請 of `kind` with these fields, without files, permitting no asset record.
    pub fn submit(kind: &'a str, fields: &'a FieldInput) -> Self {
        Self {
            kind,
            fields,
            uploads: &[],
            filing: Filing::Submit,
            asset_event: None,
        }
    }
}

/// A 下書き or 差戻し corrected and 申請 again, on the version the applicant read.
#[derive(Debug, Clone, Copy)]
pub struct Resubmit<'a> {
    pub id: ApplicationId,
    pub fields: &'a FieldInput,
    pub uploads: &'a [Upload],
    pub seen: u32,
}

impl<'a> Resubmit<'a> {
    /// The corrected fields, without new files.
    pub fn new(id: ApplicationId, fields: &'a FieldInput, seen: u32) -> Self {
        Self {
            id,
            fields,
            uploads: &[],
            seen,
        }
    }
}

/// 承認・差戻し・却下 of step `step`, on the version the approver read.
#[derive(Debug, Clone)]
pub struct Decide {
    pub id: ApplicationId,
    pub step: usize,
    pub decision: Decision,
    pub comment: Option<String>,
    /// Why the 兼務の禁止 exception applies, where the profile allows one.
    pub sod_reason: Option<String>,
    pub seen: u32,
}

impl Decide {
    /// `decision` without a comment or an exception's reason.
    pub fn new(id: ApplicationId, step: usize, decision: Decision, seen: u32) -> Self {
        Self {
            id,
            step,
            decision,
            comment: None,
            sod_reason: None,
            seen,
        }
    }
}

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
    pub form: FieldInput,
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

/// Who may read which applications: those who permit or approve some kind in the body (the
/// roles of the matrix rows and kind routes — 情報セキュリティ管理者 and above) read all of them;
/// everyone else reads those they applied for, are the subject of, or are on the route of.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Viewer {
    person: Option<PersonId>,
    overseer: bool,
}

impl Viewer {
    pub(crate) fn of(user: &CurrentUser, ruling: &Ruling) -> Result<Self, AppError> {
        let (kinds, matrix) = (ruling.kinds()?, &ruling.matrix);
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
    conn: &mut impl Reads,
    user: &CurrentUser,
    id: ApplicationId,
) -> Result<Readable, AppError> {
    let body = user.body()?;
    let not_found = || AppError::NotFound("申請".to_owned());
    let (app, asset_event) = store::get_application(conn, body.id, id)
        .await?
        .ok_or_else(not_found)?;
    let ruling = crate::ruling::ruling(conn, body.id).await?;
    if !Viewer::of(user, &ruling)?.sees(&app) {
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
    conn: &mut WriteTx,
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

impl Approvals<'_> {
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
            now: self.app.now(),
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
        self.app.notify_application(tx, body, app, now).await
    }

    /// The kinds of application of the body.
    pub async fn application_kinds(
        &self,
        user: &CurrentUser,
    ) -> Result<Vec<ApplicationKind>, AppError> {
        let body = user.body()?;
        let mut conn = self.app.store().conn().await?;
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
        let mut conn = self.app.store().conn().await?;
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
}
