//! The approvals engine: every 許可 and 承認 of the policy as one model (issue 8).
//!
//! An [`ApplicationKind`] is data keyed by the clause that creates it (「S-2.(2)⑧(イ)」): its
//! typed fields, its approval route, 専決 rules, validity, follow-ups (返却), and whether it is a
//! 例外措置 (S-7.4) with compensating measures and an expiry, or may be taken in an emergency and
//! reported afterwards. [`default_kinds`] seeds one kind per APPROVAL clause (hand-written field
//! sets in `data/approval-kinds.toml` for the common ones); a body adjusts them with
//! [`merge_kinds`]. An [`Application`] moves through its states by methods that return the next
//! state or an [`ApprovalError`]; each records an [`Event`] and increments `version`.
//!
//! # How the app uses it
//!
//! | user action | call |
//! |---|---|
//! | open the list of kinds | `merge_kinds(default_kinds(&clauses)?, &body_kinds)`; `clauses` are the catalog clauses with an `approval` artifact and the deciding roles (許/承) of the body's matrix row |
//! | read a form | [`FieldDef::parse`] per field (text as typed) into [`FieldValues`] |
//! | 起案 (save a draft) | [`Application::draft`]; insert with `version` |
//! | edit a draft or a 差戻し | [`Application::edit`] |
//! | 申請 | [`resolve_route`] with the snapshot of today, the body's matrix, `Context { unit: applicant's unit, system }` and, for 専決 on classification, the highest classification of the referenced assets; then [`Application::submit`] |
//! | 承認 / 差戻し / 却下 | [`Application::decide`] with the profile's `SodPolicy`; on a decision taken as 代決, notify [`Application::deputy_reports`] to the absent holder |
//! | 取下げ / 実施 / 返却 / 完了 | [`Application::withdraw`], [`Application::start`], [`Application::return_item`], [`Application::complete`] |
//! | daily job | [`Application::expire`] where `valid_until` has passed; list [`Application::needs_review`] (例外措置) and [`Application::is_report_overdue`] (緊急時) |
//! | 緊急時の例外措置 | [`Application::act_in_emergency`] when acting, [`Application::report`] for the 事後報告 (then the route reviews it) |
//! | 台帳 and its Excel export | [`LedgerRow::build`] |
//! | an asset action gated by `ActionGate::NeedsPermission` | [`kind_for_clause`] finds the kind; the application's number is the `approval` reference of the lifecycle record once [`Application::is_in_force`] |
//!
//! Every transition takes an [`Actor`] (who, when, the version they saw). The store writes the new
//! state `WHERE version = actor.version` and audits `history.last()` in the same transaction; when
//! two approvers decide the same step at once exactly one write succeeds, and the other, reloaded,
//! gets [`ApprovalError::Stale`]. Map [`ApprovalError::Forbidden`] to 403, `Stale` to 409 and
//! `Invalid` to the form with the fields named.

mod application;
mod fields;
mod kinds;
mod ledger;
mod routes;

pub use application::*;
pub use fields::*;
pub use kinds::*;
pub use ledger::*;
pub use routes::*;

/// Field names as the kind screens label them.
pub mod field {
    pub const KIND: &str = "申請の種類";
    pub const FIELDS: &str = "項目";
    pub const ROUTE: &str = "承認経路";
    pub const DELEGATION: &str = "専決";
    pub const VALIDITY: &str = "有効期限";
    pub const FOLLOW_UP: &str = "返却";
    pub const EXCEPTION: &str = "例外措置";
    pub const EMERGENCY: &str = "緊急時の事後報告";
    pub const STATUS: &str = "状態";
    pub const STEP: &str = "審査段階";
    pub const COMMENT: &str = "コメント";
    pub const APPROVER: &str = "承認者";
    pub const APPLICANT: &str = "申請者";
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests;

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod properties;
