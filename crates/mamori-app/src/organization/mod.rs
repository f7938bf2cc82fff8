//! Organization and authority: units over time, people, role assignments, the authority resolver
//! and separation of duties.
//!
//! The resolver reads the body's authority matrix — the guideline's 権限・責任等一覧表 with the
//! profile's adjustments, from the edition in force (else the newest) — and the organization on a
//! date. Every feature that needs to know who may permit or approve something asks here.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use chrono::NaiveDate;
use mamori_domain::DomainError;
use mamori_domain::audit::AuditEntry;
use mamori_domain::authority::{Authority, AuthorityMatrix, Context, MatrixMark, Power};
use mamori_domain::ids::{BodyId, OrgUnitId, PersonId, RoleAssignmentId};
use mamori_domain::org::{
    OrgChangeKind, OrgUnit, Person, PersonStatus, PersonVersion, Post, RoleAssignment,
    RoleDefinition, RoleScope, UnitKind,
};
use mamori_domain::policy::Profile;
use mamori_domain::separation::{self, SodException, SodRule};
use mamori_store::{Reads, WriteTx, audit, org};
use serde::Serialize;

use crate::access::OrgEditor;
use crate::catalog::guideline;
use crate::notify::Notice;
pub(crate) use crate::ruling::role_names;
use crate::ruling::{OrgView, tree_of};
use crate::{App, AppError, CurrentUser, RequestMeta};

mod people;
mod roles;
mod sod;
mod units;
pub use sod::SodCase;
mod accounts;

/// Field names as the organization screens label them.
pub mod field {
    pub const UNIT: &str = "所属";
    pub const UNIT_CODE: &str = "組織コード";
    pub const UNIT_NAME: &str = "組織名";
    pub const PARENT: &str = "上位組織";
    pub const AGENCY: &str = "行政機関";
    pub const EFFECTIVE: &str = "適用日";
    pub const STAFF_NUMBER: &str = "職員番号";
    pub const NAME: &str = "氏名";
    pub const KANA: &str = "ふりがな";
    pub const TITLE: &str = "職名";
    pub const EMPLOYMENT: &str = "雇用区分";
    pub const EMAIL: &str = "メール";
    pub const STATUS: &str = "在職状況";
    pub const ROLE: &str = "役割";
    pub const PERSON: &str = "職員";
    pub const SYSTEM: &str = "情報システム";
    pub const VALID_FROM: &str = "開始日";
    pub const VALID_TO: &str = "終了日";
    pub const CLAUSE: &str = "条項";
}

/// A unit in the tree of a date, with what the screens show beside it.
#[derive(Debug, Clone, Serialize)]
pub struct UnitRow {
    pub unit: OrgUnit,
    pub depth: usize,
    pub people: usize,
    /// 「情報セキュリティ責任者: 田中 由美子」 …, for the unit's own unit-scoped roles.
    pub holders: Vec<String>,
}

/// A role assignment with the names the screens show.
#[derive(Debug, Clone, Serialize)]
pub struct AssignmentView {
    pub assignment: RoleAssignment,
    pub role_name: String,
    pub person_name: String,
    pub staff_number: String,
    pub scope: Option<String>,
    pub post: Option<String>,
}

impl AssignmentView {
    /// 「情報セキュリティ管理者（代理）（市民課）」.
    pub fn label(&self) -> String {
        let mut label = self.role_name.clone();
        if self.assignment.is_deputy {
            label.push_str("（代理）");
        }
        match &self.scope {
            Some(scope) => format!("{label}（{scope}）"),
            None => label,
        }
    }
}

/// A person with their unit's name, for lists.
#[derive(Debug, Clone, Serialize)]
pub struct PersonRow {
    pub person: Person,
    pub unit_name: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct PeoplePage {
    pub rows: Vec<PersonRow>,
    pub total: i64,
    pub page: i64,
    pub pages: i64,
}

/// One line of a person's history, with the unit's name.
#[derive(Debug, Clone, Serialize)]
pub struct PersonHistoryLine {
    pub version: PersonVersion,
    pub unit_name: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct PersonDetail {
    pub person: Person,
    pub unit_name: String,
    pub history: Vec<PersonHistoryLine>,
    pub assignments: Vec<AssignmentView>,
    /// What the person may permit or approve today.
    pub powers: Vec<Power>,
}

/// A new or changed person, as typed on the screen.
#[derive(Debug, Clone, Default)]
pub struct PersonInput {
    pub staff_number: String,
    pub name: String,
    pub name_kana: String,
    pub unit: Option<OrgUnitId>,
    pub title: String,
    pub employment_kind: String,
    pub email: String,
    pub status: String,
    /// From when the change holds (defaults to today).
    pub effective: Option<NaiveDate>,
}

/// A role assignment to make.
#[derive(Debug, Clone)]
pub struct AssignmentInput {
    pub role: String,
    pub person: PersonId,
    pub unit: Option<OrgUnitId>,
    pub system: Option<String>,
    pub is_deputy: bool,
    pub valid_from: NaiveDate,
    pub valid_to: Option<NaiveDate>,
    /// Tie the assignment to the person's post (所属 + 職名) so it follows transfers.
    pub tie_to_post: bool,
}

/// A unit change: rename, move or a new 行政機関 kind, from a date.
#[derive(Debug, Clone)]
pub struct UnitInput {
    pub code: String,
    pub name: String,
    pub kind: String,
    pub parent: Option<OrgUnitId>,
    pub agency_kind: String,
    pub effective: NaiveDate,
}

/// A deciding role of a clause, as the matrix screen shows it.
#[derive(Debug, Clone, Serialize)]
pub struct DecidingClause {
    pub clause: String,
    pub title: String,
    pub marks: Vec<(String, MatrixMark)>,
}

fn invalid(field: &str, message: impl Into<String>) -> AppError {
    AppError::Invalid(DomainError::new(field, message))
}

/// The longest name, code or number of the organization (units, people, kinds).
const ORG_TEXT_MAX_CHARS: usize = 200;

/// A required single-line value of the organization: trimmed, not empty, at most
/// [`ORG_TEXT_MAX_CHARS`], no control or bidirectional characters.
fn required(field: &str, value: &str) -> Result<String, AppError> {
    let v = mamori_domain::text::single_line(field, value, ORG_TEXT_MAX_CHARS)?;
    if v.is_empty() {
        return Err(invalid(field, "入力してください"));
    }
    Ok(v)
}

impl App {
    /// The organization on `on`, as the resolver needs it (kept per rule stamp).
    pub(crate) async fn org_snapshot(
        &self,
        conn: &mut impl Reads,
        body: BodyId,
        on: NaiveDate,
    ) -> Result<Arc<OrgView>, AppError> {
        Ok(crate::ruling::ruling_and_org(conn, body, on).await?.1)
    }
}

/// A pragmatic e-mail check: one @, a non-empty local part, a dotted domain, no spaces.
pub fn valid_email(s: &str) -> bool {
    let mut parts = s.split('@');
    match (parts.next(), parts.next(), parts.next()) {
        (Some(local), Some(domain), None) => {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !s.chars().any(char::is_whitespace)
        }
        _ => false,
    }
}

/// The guideline's 権限・責任等一覧表 with the adjustments of `profile` (an edition's, which may
/// be a draft's: the matrix screen shows the edition being edited), built once per set of
/// adjustments.
pub fn authority_matrix(
    profile: Option<&Profile>,
) -> Result<std::sync::Arc<AuthorityMatrix>, AppError> {
    crate::ruling::matrix(profile)
}
