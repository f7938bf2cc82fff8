//! An application and its state machine: draft, submit, decide, withdraw, follow-ups, emergency and expiry.

use crate::DomainError;
use crate::authority::Holder;
use crate::ids::{ApplicationId, OrgUnitId, PersonId};
use crate::separation::{self, SodPolicy};
use chrono::{DateTime, Days, FixedOffset, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;

use super::*;

/// The state of an application.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// 下書き
    Draft,
    /// 申請中: on its route.
    Submitted,
    /// 差戻し: back with the applicant.
    SentBack,
    /// 却下
    Rejected,
    /// 承認済
    Approved,
    /// 実施中
    InProgress,
    /// 返却済
    Returned,
    /// 期限切れ
    Expired,
    /// 完了
    Completed,
    /// 取下げ
    Withdrawn,
}

impl Status {
    pub const ALL: [Status; 10] = [
        Self::Draft,
        Self::Submitted,
        Self::SentBack,
        Self::Rejected,
        Self::Approved,
        Self::InProgress,
        Self::Returned,
        Self::Expired,
        Self::Completed,
        Self::Withdrawn,
    ];

    pub fn key(self) -> &'static str {
        match self {
            Self::Draft => "draft",
            Self::Submitted => "submitted",
            Self::SentBack => "sent_back",
            Self::Rejected => "rejected",
            Self::Approved => "approved",
            Self::InProgress => "in_progress",
            Self::Returned => "returned",
            Self::Expired => "expired",
            Self::Completed => "completed",
            Self::Withdrawn => "withdrawn",
        }
    }

    pub fn parse(key: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.key() == key.trim())
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Draft => "下書き",
            Self::Submitted => "申請中",
            Self::SentBack => "差戻し",
            Self::Rejected => "却下",
            Self::Approved => "承認済",
            Self::InProgress => "実施中",
            Self::Returned => "返却済",
            Self::Expired => "期限切れ",
            Self::Completed => "完了",
            Self::Withdrawn => "取下げ",
        }
    }

    /// No transition leaves it.
    pub fn is_final(self) -> bool {
        matches!(self, Self::Rejected | Self::Completed | Self::Withdrawn)
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// What a transition did, for the audit trail.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    Create,
    Edit,
    Submit,
    Approve,
    SendBack,
    Reject,
    Withdraw,
    Start,
    ReturnItem,
    Expire,
    Complete,
    ActInEmergency,
    Report,
}

impl EventKind {
    /// The audit action: `application.submit`.
    pub fn action(self) -> &'static str {
        match self {
            Self::Create => "application.create",
            Self::Edit => "application.edit",
            Self::Submit => "application.submit",
            Self::Approve => "application.approve",
            Self::SendBack => "application.send_back",
            Self::Reject => "application.reject",
            Self::Withdraw => "application.withdraw",
            Self::Start => "application.start",
            Self::ReturnItem => "application.return_item",
            Self::Expire => "application.expire",
            Self::Complete => "application.complete",
            Self::ActInEmergency => "application.act_in_emergency",
            Self::Report => "application.report",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Create => "起案",
            Self::Edit => "修正",
            Self::Submit => "申請",
            Self::Approve => "承認",
            Self::SendBack => "差戻し",
            Self::Reject => "却下",
            Self::Withdraw => "取下げ",
            Self::Start => "実施",
            Self::ReturnItem => "返却",
            Self::Expire => "期限切れ",
            Self::Complete => "完了",
            Self::ActInEmergency => "緊急時の実施",
            Self::Report => "事後報告",
        }
    }
}

/// One transition, as audited.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    pub kind: EventKind,
    pub at: DateTime<Utc>,
    /// `None` for transitions of the daily job (期限切れ).
    pub by: Option<PersonId>,
    pub from: Option<Status>,
    pub to: Status,
    /// The step decided (0-based), for decisions.
    pub step: Option<usize>,
    pub comment: Option<String>,
    /// The version after the transition.
    pub version: u32,
}

/// 緊急時の例外措置: when it was taken and when the 事後報告 is due.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct EmergencyRecord {
    pub acted_on: NaiveDate,
    pub report_due: NaiveDate,
    pub reported_on: Option<NaiveDate>,
}

/// Who acts, when, and the version of the application they saw.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Actor {
    pub by: PersonId,
    pub at: DateTime<Utc>,
    pub version: u32,
}

/// An application as first saved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewApplication {
    pub id: ApplicationId,
    /// The ledger number the app assigns (受付番号).
    pub number: String,
    pub applicant: PersonId,
    pub applicant_name: String,
    pub unit: Option<OrgUnitId>,
    pub unit_name: String,
    /// People the application is about; people named in people fields are added.
    pub subjects: Vec<PersonId>,
    pub fields: FieldValues,
}

/// A decision as the approver enters it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecisionInput {
    /// The step (0-based) the approver saw as current.
    pub step: usize,
    pub decision: Decision,
    /// Required for 差戻し and 却下.
    pub comment: Option<String>,
    /// The reason for an exception to 兼務の禁止, when the profile allows one.
    pub sod_reason: Option<String>,
}

/// Why a transition was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ApprovalError {
    /// The input or the state does not allow it; each error names the field.
    #[error("{}", join_errors(.0))]
    Invalid(Vec<DomainError>),
    /// The person may not do this (not a candidate of the step, not the applicant): 403.
    #[error("{0}")]
    Forbidden(DomainError),
    /// Someone changed the application since it was read: 409.
    #[error(
        "この申請は他の操作で更新されています（読み込んだ版{seen}、現在の版{current}）。画面を読み込み直してください"
    )]
    Stale { seen: u32, current: u32 },
}

pub(super) fn join_errors(errors: &[DomainError]) -> String {
    errors
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(" / ")
}

impl From<DomainError> for ApprovalError {
    fn from(e: DomainError) -> Self {
        Self::Invalid(vec![e])
    }
}

impl From<Vec<DomainError>> for ApprovalError {
    fn from(e: Vec<DomainError>) -> Self {
        Self::Invalid(e)
    }
}

impl ApprovalError {
    /// The errors, with the field each names.
    pub fn errors(&self) -> Vec<DomainError> {
        match self {
            Self::Invalid(e) => e.clone(),
            Self::Forbidden(e) => vec![e.clone()],
            Self::Stale { .. } => vec![DomainError::new(field::STATUS, self.to_string())],
        }
    }
}

/// A 代決 to report back to the holder who was absent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DeputyReport {
    pub step: usize,
    pub step_label: String,
    pub decided_by: String,
    pub decision: Decision,
    pub at: DateTime<Utc>,
    pub report_to: Vec<Holder>,
}

/// An application for a 許可 or 承認.
///
/// Fields are public for reading and storage; change it only through its transitions, each of
/// which returns the next state with one more [`Event`] and `version + 1`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Application {
    pub id: ApplicationId,
    pub number: String,
    pub kind: String,
    pub kind_name: String,
    pub clause: String,
    pub applicant: PersonId,
    pub applicant_name: String,
    pub unit: Option<OrgUnitId>,
    pub unit_name: String,
    pub subjects: Vec<PersonId>,
    pub fields: FieldValues,
    pub status: Status,
    /// Resolved at 申請 (and again at each re-申請).
    pub route: Option<Route>,
    /// The step under decision (0-based) while 申請中.
    pub current_step: usize,
    /// A 例外措置: `valid_until` is its expiry and it comes up for review.
    pub exception: bool,
    pub created_at: DateTime<Utc>,
    pub submitted_on: Option<NaiveDate>,
    /// The day of the final 承認 (or of the 却下).
    pub decided_on: Option<NaiveDate>,
    pub valid_until: Option<NaiveDate>,
    /// 返却予定日, when the kind expects a 返却.
    pub return_due: Option<NaiveDate>,
    pub returned_on: Option<NaiveDate>,
    pub emergency: Option<EmergencyRecord>,
    pub history: Vec<Event>,
    pub version: u32,
}

/// The date in Japan of an instant: the day people see on their calendars.
pub fn japan_date(at: DateTime<Utc>) -> NaiveDate {
    FixedOffset::east_opt(9 * 3600).map_or_else(
        || at.date_naive(),
        |jst| at.with_timezone(&jst).date_naive(),
    )
}

pub(super) fn add_days(date: NaiveDate, days: u32) -> NaiveDate {
    date.checked_add_days(Days::new(u64::from(days)))
        .unwrap_or(NaiveDate::MAX)
}

pub(super) fn invalid(field: &str, message: impl Into<String>) -> ApprovalError {
    ApprovalError::Invalid(vec![DomainError::new(field, message)])
}

pub(super) fn subjects_with_people(subjects: &[PersonId], fields: &FieldValues) -> Vec<PersonId> {
    let mut out: Vec<PersonId> = Vec::new();
    let named = fields.values().flat_map(|v| match v {
        FieldValue::People(ids) => ids.as_slice(),
        _ => &[],
    });
    for p in subjects.iter().chain(named) {
        if !out.contains(p) {
            out.push(*p);
        }
    }
    out
}

impl Application {
    /// 起案: a draft. Values are checked for their type; required ones only at 申請.
    pub fn draft(
        kind: &ApplicationKind,
        new: NewApplication,
        at: DateTime<Utc>,
    ) -> Result<Self, ApprovalError> {
        kind.check_fields(&new.fields, false)?;
        let subjects = subjects_with_people(&new.subjects, &new.fields);
        let mut app = Self {
            id: new.id,
            number: new.number,
            kind: kind.key.clone(),
            kind_name: kind.name.clone(),
            clause: kind.clause.clone(),
            applicant: new.applicant,
            applicant_name: new.applicant_name,
            unit: new.unit,
            unit_name: new.unit_name,
            subjects,
            fields: new.fields,
            status: Status::Draft,
            route: None,
            current_step: 0,
            exception: kind.exception.is_some(),
            created_at: at,
            submitted_on: None,
            decided_on: None,
            valid_until: None,
            return_due: None,
            returned_on: None,
            emergency: None,
            history: Vec::new(),
            version: 0,
        };
        app.record(EventKind::Create, at, Some(new.applicant), None, None, None);
        Ok(app)
    }

    /// 緊急時の例外措置: taken on `acted_on` before any approval; the application starts 実施中
    /// with the 事後報告 due `report_within_days` later. All required fields are needed.
    pub fn act_in_emergency(
        kind: &ApplicationKind,
        new: NewApplication,
        acted_on: NaiveDate,
        at: DateTime<Utc>,
    ) -> Result<Self, ApprovalError> {
        let Some(rule) = &kind.emergency else {
            return Err(invalid(
                field::EMERGENCY,
                format!(
                    "「{}」は緊急時に事後報告で実施できる申請ではありません",
                    kind.name
                ),
            ));
        };
        kind.check_fields(&new.fields, true)?;
        if acted_on > japan_date(at) {
            return Err(invalid(
                field::EMERGENCY,
                "実施した日に未来の日付は指定できません",
            ));
        }
        let mut app = Self::draft(kind, new, at)?;
        app.check_exception(kind, acted_on)?;
        app.history.clear();
        app.version = 0;
        app.status = Status::InProgress;
        app.emergency = Some(EmergencyRecord {
            acted_on,
            report_due: add_days(acted_on, rule.report_within_days),
            reported_on: None,
        });
        app.set_dates(kind, acted_on);
        app.decided_on = None;
        let by = app.applicant;
        app.record(EventKind::ActInEmergency, at, Some(by), None, None, None);
        Ok(app)
    }

    fn record(
        &mut self,
        kind: EventKind,
        at: DateTime<Utc>,
        by: Option<PersonId>,
        from: Option<Status>,
        step: Option<usize>,
        comment: Option<String>,
    ) {
        self.version = self.version.saturating_add(1);
        self.history.push(Event {
            kind,
            at,
            by,
            from,
            to: self.status,
            step,
            comment,
            version: self.version,
        });
    }

    fn check_version(&self, seen: u32) -> Result<(), ApprovalError> {
        if seen == self.version {
            Ok(())
        } else {
            Err(ApprovalError::Stale {
                seen,
                current: self.version,
            })
        }
    }

    fn check_applicant(&self, actor: &Actor, what: &str) -> Result<(), ApprovalError> {
        if actor.by == self.applicant {
            Ok(())
        } else {
            Err(ApprovalError::Forbidden(DomainError::new(
                field::APPLICANT,
                format!("{what}できるのは申請者本人だけです"),
            )))
        }
    }

    fn check_kind(&self, kind: &ApplicationKind) -> Result<(), ApprovalError> {
        if kind.key == self.kind {
            Ok(())
        } else {
            Err(invalid(
                field::KIND,
                format!(
                    "申請の種類「{}」はこの申請（{}）の種類ではありません",
                    kind.name, self.kind_name
                ),
            ))
        }
    }

    fn refuse(&self, what: &str) -> ApprovalError {
        invalid(
            field::STATUS,
            format!("{}の申請は{what}できません", self.status.label()),
        )
    }

    fn check_exception(
        &self,
        kind: &ApplicationKind,
        applied_on: NaiveDate,
    ) -> Result<(), ApprovalError> {
        let Some(rule) = &kind.exception else {
            return Ok(());
        };
        let label = kind
            .field(&rule.expiry_field)
            .map_or(rule.expiry_field.as_str(), |f| f.label.as_str());
        let Some(expiry) = kind.date_in(&self.fields, &rule.expiry_field) else {
            return Err(invalid(label, format!("例外措置には{label}が必要です")));
        };
        let latest = add_days(applied_on, rule.max_days);
        if expiry < applied_on {
            return Err(invalid(
                label,
                format!("{label}（{expiry}）が申請日より前です"),
            ));
        }
        if expiry > latest {
            return Err(invalid(
                label,
                format!(
                    "{label}は申請日から{}日以内（{latest}まで）にしてください",
                    rule.max_days
                ),
            ));
        }
        let measures = kind
            .field(&rule.measures_field)
            .map_or(rule.measures_field.as_str(), |f| f.label.as_str());
        match self.fields.get(&rule.measures_field) {
            Some(FieldValue::Text(t)) if !t.trim().is_empty() => Ok(()),
            _ => Err(invalid(
                measures,
                format!("例外措置には{measures}が必要です"),
            )),
        }
    }

    /// Sets validity and 返却予定日 from the kind, as of the day of approval.
    fn set_dates(&mut self, kind: &ApplicationKind, on: NaiveDate) {
        self.decided_on = Some(on);
        self.valid_until = match &kind.validity {
            Some(Validity::Days { days }) => Some(add_days(on, *days)),
            Some(Validity::Field { field: key }) => kind.date_in(&self.fields, key),
            None => None,
        };
        self.return_due = kind
            .return_field()
            .and_then(|key| kind.date_in(&self.fields, key));
    }

    /// Changes the values of a 下書き or a 差戻し (applicant only).
    pub fn edit(
        &self,
        kind: &ApplicationKind,
        fields: FieldValues,
        subjects: &[PersonId],
        actor: &Actor,
    ) -> Result<Self, ApprovalError> {
        self.check_version(actor.version)?;
        self.check_kind(kind)?;
        self.check_applicant(actor, "修正")?;
        if !matches!(self.status, Status::Draft | Status::SentBack) {
            return Err(self.refuse("修正"));
        }
        kind.check_fields(&fields, false)?;
        let mut next = self.clone();
        next.subjects = subjects_with_people(subjects, &fields);
        next.fields = fields;
        next.record(
            EventKind::Edit,
            actor.at,
            Some(actor.by),
            Some(self.status),
            None,
            None,
        );
        Ok(next)
    }

    /// 申請: a 下書き or 差戻し goes on the route resolved by [`resolve_route`] (applicant only).
    /// All required fields are needed; a 例外措置 needs its measures and an expiry within the
    /// kind's limit.
    pub fn submit(
        &self,
        kind: &ApplicationKind,
        route: Route,
        actor: &Actor,
    ) -> Result<Self, ApprovalError> {
        self.check_version(actor.version)?;
        self.check_kind(kind)?;
        self.check_applicant(actor, "申請")?;
        if !matches!(self.status, Status::Draft | Status::SentBack) {
            return Err(self.refuse("申請"));
        }
        if route.kind != self.kind || route.steps.is_empty() {
            return Err(invalid(
                field::ROUTE,
                "承認経路がこの申請の種類のものではありません",
            ));
        }
        kind.check_fields(&self.fields, true)?;
        let today = japan_date(actor.at);
        self.check_exception(kind, today)?;
        let mut next = self.clone();
        next.status = Status::Submitted;
        next.route = Some(route);
        next.current_step = 0;
        next.submitted_on = Some(today);
        next.record(
            EventKind::Submit,
            actor.at,
            Some(actor.by),
            Some(self.status),
            None,
            None,
        );
        Ok(next)
    }

    /// 事後報告 of an emergency application: it goes on the route for the review (applicant
    /// only). A review that approves leaves it 実施中; one that refuses ends it 却下.
    pub fn report(
        &self,
        kind: &ApplicationKind,
        route: Route,
        actor: &Actor,
    ) -> Result<Self, ApprovalError> {
        self.check_version(actor.version)?;
        self.check_kind(kind)?;
        self.check_applicant(actor, "事後報告")?;
        let Some(emergency) = self.emergency else {
            return Err(invalid(
                field::EMERGENCY,
                "緊急時に実施した申請ではありません",
            ));
        };
        if emergency.reported_on.is_some() || self.status != Status::InProgress {
            return Err(invalid(field::EMERGENCY, "事後報告は済んでいます"));
        }
        if route.kind != self.kind || route.steps.is_empty() {
            return Err(invalid(
                field::ROUTE,
                "承認経路がこの申請の種類のものではありません",
            ));
        }
        let today = japan_date(actor.at);
        let mut next = self.clone();
        next.emergency = Some(EmergencyRecord {
            reported_on: Some(today),
            ..emergency
        });
        next.status = Status::Submitted;
        next.route = Some(route);
        next.current_step = 0;
        next.submitted_on = Some(today);
        next.record(
            EventKind::Report,
            actor.at,
            Some(actor.by),
            Some(self.status),
            None,
            None,
        );
        Ok(next)
    }

    /// 承認 / 差戻し / 却下 at the current step. The person must be a candidate of an undecided
    /// seat of the step ([`ApprovalError::Forbidden`] otherwise) and neither the applicant nor a
    /// subject (兼務の禁止 S-1.(8)①) unless `sod` allows an exception and a reason is given. A step
    /// with 合議 completes when every seat has approved; the last step completes the route.
    pub fn decide(
        &self,
        kind: &ApplicationKind,
        input: &DecisionInput,
        sod: &SodPolicy,
        actor: &Actor,
    ) -> Result<Self, ApprovalError> {
        self.check_version(actor.version)?;
        self.check_kind(kind)?;
        if self.status != Status::Submitted {
            return Err(self.refuse(input.decision.label()));
        }
        let Some(route) = &self.route else {
            return Err(invalid(field::ROUTE, "承認経路がありません"));
        };
        let Some(step) = route.steps.get(self.current_step) else {
            return Err(invalid(field::STEP, "審査中の段階がありません"));
        };
        if input.step != self.current_step {
            return Err(invalid(
                field::STEP,
                format!(
                    "第{}段階は審査中の段階ではありません（審査中は第{}段階「{}」）",
                    input.step + 1,
                    self.current_step + 1,
                    step.label
                ),
            ));
        }
        let comment = input
            .comment
            .as_deref()
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .map(str::to_owned);
        if input.decision != Decision::Approve && comment.is_none() {
            return Err(invalid(
                field::COMMENT,
                format!("{}の理由を入力してください", input.decision.label()),
            ));
        }
        let seat_index = step.seats.iter().position(|s| {
            s.decision.is_none() && s.candidates.iter().any(|h| h.person == actor.by)
        });
        let Some(seat_index) = seat_index else {
            let decided = step
                .seats
                .iter()
                .any(|s| s.decision.as_ref().is_some_and(|d| d.by == actor.by));
            let message = if decided {
                format!(
                    "第{}段階「{}」では既に判断しています",
                    self.current_step + 1,
                    step.label
                )
            } else {
                format!(
                    "第{}段階「{}」を判断できる人ではありません",
                    self.current_step + 1,
                    step.label
                )
            };
            return Err(ApprovalError::Forbidden(DomainError::new(
                field::APPROVER,
                message,
            )));
        };
        let sod_exception =
            match separation::check_decision(self.applicant, &self.subjects, actor.by) {
                Ok(()) => None,
                Err(violation) => Some(sod.excuse(&violation, input.sod_reason.as_deref())?),
            };
        let seat = &step.seats[seat_index];
        let holder = seat.candidates.iter().find(|h| h.person == actor.by);
        let decision = SeatDecision {
            by: actor.by,
            by_name: holder.map(|h| h.name.clone()).unwrap_or_default(),
            by_deputy: holder.is_some_and(|h| h.is_deputy),
            decision: input.decision,
            comment: comment.clone(),
            at: actor.at,
            sod_exception,
        };
        let mut next = self.clone();
        let step_index = self.current_step;
        let mut route = route.clone();
        let event = match input.decision {
            Decision::Approve => {
                if let Some(seat) = route
                    .steps
                    .get_mut(step_index)
                    .and_then(|s| s.seats.get_mut(seat_index))
                {
                    seat.decision = Some(decision);
                }
                let step_done = route
                    .steps
                    .get(step_index)
                    .is_some_and(RouteStep::is_approved);
                if step_done && step_index + 1 == route.steps.len() {
                    let today = japan_date(actor.at);
                    if next.emergency.is_some() {
                        next.status = Status::InProgress;
                        next.decided_on = Some(today);
                    } else {
                        next.status = Status::Approved;
                        next.set_dates(kind, today);
                    }
                } else if step_done {
                    next.current_step = step_index + 1;
                }
                EventKind::Approve
            }
            Decision::Return | Decision::Reject => {
                if let Some(seat) = route
                    .steps
                    .get_mut(step_index)
                    .and_then(|s| s.seats.get_mut(seat_index))
                {
                    seat.decision = Some(decision);
                }
                next.decided_on = Some(japan_date(actor.at));
                if input.decision == Decision::Return {
                    next.status = Status::SentBack;
                    EventKind::SendBack
                } else {
                    next.status = Status::Rejected;
                    EventKind::Reject
                }
            }
        };
        next.route = Some(route);
        next.record(
            event,
            actor.at,
            Some(actor.by),
            Some(self.status),
            Some(step_index),
            comment,
        );
        Ok(next)
    }

    /// 取下げ by the applicant, before the action is taken.
    pub fn withdraw(&self, reason: Option<&str>, actor: &Actor) -> Result<Self, ApprovalError> {
        self.check_version(actor.version)?;
        self.check_applicant(actor, "取下げ")?;
        if !matches!(
            self.status,
            Status::Draft | Status::Submitted | Status::SentBack | Status::Approved
        ) || self.emergency.is_some()
        {
            return Err(self.refuse("取下げ"));
        }
        let mut next = self.clone();
        next.status = Status::Withdrawn;
        let reason = reason
            .map(str::trim)
            .filter(|r| !r.is_empty())
            .map(str::to_owned);
        next.record(
            EventKind::Withdraw,
            actor.at,
            Some(actor.by),
            Some(self.status),
            None,
            reason,
        );
        Ok(next)
    }

    /// 実施: the approved action begins (持ち出し, 運搬 …). Not after the validity has passed.
    pub fn start(&self, actor: &Actor) -> Result<Self, ApprovalError> {
        self.check_version(actor.version)?;
        if self.status != Status::Approved {
            return Err(self.refuse("実施"));
        }
        let today = japan_date(actor.at);
        if let Some(until) = self.valid_until.filter(|u| today > *u) {
            return Err(invalid(
                field::VALIDITY,
                format!("承認の有効期限（{until}）を過ぎているため実施できません"),
            ));
        }
        let mut next = self.clone();
        next.status = Status::InProgress;
        next.record(
            EventKind::Start,
            actor.at,
            Some(actor.by),
            Some(self.status),
            None,
            None,
        );
        Ok(next)
    }

    /// 返却: the item taken out is back on `on`. Only for kinds that expect a 返却.
    pub fn return_item(&self, on: NaiveDate, actor: &Actor) -> Result<Self, ApprovalError> {
        self.check_version(actor.version)?;
        if self.return_due.is_none() {
            return Err(invalid(
                field::FOLLOW_UP,
                format!("「{}」は返却を記録する申請ではありません", self.kind_name),
            ));
        }
        if !matches!(
            self.status,
            Status::InProgress | Status::Expired | Status::Approved
        ) {
            return Err(self.refuse("返却"));
        }
        if on > japan_date(actor.at) {
            return Err(invalid(
                field::FOLLOW_UP,
                "返却日に未来の日付は指定できません",
            ));
        }
        let mut next = self.clone();
        next.status = Status::Returned;
        next.returned_on = Some(on);
        next.record(
            EventKind::ReturnItem,
            actor.at,
            Some(actor.by),
            Some(self.status),
            None,
            None,
        );
        Ok(next)
    }

    /// 期限切れ: the daily job ends approvals whose validity ended before `today`.
    pub fn expire(
        &self,
        today: NaiveDate,
        at: DateTime<Utc>,
        seen: u32,
    ) -> Result<Self, ApprovalError> {
        self.check_version(seen)?;
        if !matches!(self.status, Status::Approved | Status::InProgress) {
            return Err(self.refuse("期限切れに"));
        }
        let Some(until) = self.valid_until.filter(|u| today > *u) else {
            return Err(invalid(field::VALIDITY, "有効期限を過ぎていません"));
        };
        let mut next = self.clone();
        next.status = Status::Expired;
        next.record(
            EventKind::Expire,
            at,
            None,
            Some(self.status),
            None,
            Some(format!("有効期限 {until}")),
        );
        Ok(next)
    }

    /// 完了: closes the application. An expected 返却 must be recorded first.
    pub fn complete(&self, actor: &Actor) -> Result<Self, ApprovalError> {
        self.check_version(actor.version)?;
        if !matches!(
            self.status,
            Status::Approved | Status::InProgress | Status::Returned | Status::Expired
        ) {
            return Err(self.refuse("完了に"));
        }
        if self.return_due.is_some() && self.returned_on.is_none() {
            return Err(invalid(
                field::FOLLOW_UP,
                "返却が記録されていないため完了にできません",
            ));
        }
        if self.emergency.is_some_and(|e| e.reported_on.is_none()) {
            return Err(invalid(
                field::EMERGENCY,
                "事後報告が済んでいないため完了にできません",
            ));
        }
        let mut next = self.clone();
        next.status = Status::Completed;
        next.record(
            EventKind::Complete,
            actor.at,
            Some(actor.by),
            Some(self.status),
            None,
            None,
        );
        Ok(next)
    }

    /// The current step while 申請中.
    pub fn current(&self) -> Option<&RouteStep> {
        if self.status == Status::Submitted {
            self.route
                .as_ref()
                .and_then(|r| r.steps.get(self.current_step))
        } else {
            None
        }
    }

    /// Whether `person` may decide the current step now (a candidate of an undecided seat).
    /// 兼務の禁止 is checked by [`Application::decide`].
    pub fn awaits(&self, person: PersonId) -> bool {
        self.current().is_some_and(|s| {
            s.seats.iter().any(|seat| {
                seat.decision.is_none() && seat.candidates.iter().any(|h| h.person == person)
            })
        })
    }

    /// Usable as the approval an action rests on (e.g. an asset's lifecycle record): approved or
    /// under way, and within its validity.
    pub fn is_in_force(&self, today: NaiveDate) -> bool {
        matches!(self.status, Status::Approved | Status::InProgress)
            && self.valid_until.is_none_or(|u| today <= u)
    }

    /// 例外措置 that come up for review: in force with an expiry within `window_days`
    /// (or already past).
    pub fn needs_review(&self, today: NaiveDate, window_days: u32) -> bool {
        self.exception
            && matches!(self.status, Status::Approved | Status::InProgress)
            && self
                .valid_until
                .is_some_and(|u| u <= add_days(today, window_days))
    }

    /// The 事後報告 of an emergency application is late: not made by its due date (or made
    /// after it).
    pub fn is_report_overdue(&self, today: NaiveDate) -> bool {
        self.emergency
            .is_some_and(|e| e.reported_on.unwrap_or(today) > e.report_due)
    }

    /// The item is not back by its 返却予定日.
    pub fn is_return_overdue(&self, today: NaiveDate) -> bool {
        self.returned_on.is_none()
            && matches!(
                self.status,
                Status::Approved | Status::InProgress | Status::Expired
            )
            && self.return_due.is_some_and(|d| today > d)
    }

    /// Decisions taken as 代決, to report to the absent holders.
    pub fn deputy_reports(&self) -> Vec<DeputyReport> {
        let Some(route) = &self.route else {
            return Vec::new();
        };
        route
            .steps
            .iter()
            .enumerate()
            .flat_map(|(i, step)| {
                step.seats.iter().filter_map(move |seat| {
                    let d = seat.decision.as_ref().filter(|d| d.by_deputy)?;
                    Some(DeputyReport {
                        step: i,
                        step_label: step.label.clone(),
                        decided_by: d.by_name.clone(),
                        decision: d.decision,
                        at: d.at,
                        report_to: seat.absent.clone(),
                    })
                })
            })
            .collect()
    }
}
