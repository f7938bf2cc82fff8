//! The 情報資産台帳: registering and editing assets against the body's classification scheme,
//! the handling rules and label derived from it, lifecycle records with the permission gate, and
//! the rule checks.
//!
//! The scheme is the one of the profile that rules today. Who owns an asset is the role the
//! authority matrix marks as holding S-2.(2)①(ア) (情報資産の管理責任), resolved for the owner unit;
//! who must permit an action is what the scheme's rule names, resolved the same way. Nothing here
//! compares levels: the scheme answers.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use mamori_domain::DomainError;
use mamori_domain::asset::{
    self, ActionGate, Asset, AssetKind, AssetStatus, CheckContext, Finding, LifecycleRecord,
    NetworkSegment, NewAsset, NewLifecycleRecord, Retention, Safeguards,
};
use mamori_domain::audit::{Actor, AuditEntry};
use mamori_domain::authority::{Authority, AuthorityMatrix, Context, OrgSnapshot};
use mamori_domain::classification::{Action, Classification, ClassificationScheme};
use mamori_domain::ids::{AssetEventId, AssetId, BodyId, OrgUnitId, PersonId};
use mamori_domain::org::{OrgUnit, RoleDefinition};
use mamori_store::assets::{self as store, AssetEvent, AssetFilter, AssetRecord, EventStatus};
use mamori_store::{Reads, WriteTx, audit, org};
use serde::Serialize;

use crate::access::AssetWriter;
use crate::reads::Read;
use crate::ruling::Ruling;
use crate::{App, AppError, CurrentUser, RequestMeta};

mod detail;
mod register;
use detail::linked_one;
pub use detail::permitter_text;
mod writing;
pub(crate) use writing::{register_in, reindex_levels};
mod actions;
pub(crate) use actions::act;
mod findings;
pub use findings::{FindingLine, UnitFindings};

/// The clause whose 権限・責任 mark names the role that owns an asset (情報資産の管理責任).
pub const OWNER_CLAUSE: &str = "S-2.(2)①(ア)";
/// The prefix of automatically assigned 管理番号.
pub const NUMBER_PREFIX: &str = "IA-";
/// The largest page of the register.
pub const MAX_PAGE: i64 = 200;

/// What the register screens need to know about the body's rules.
#[derive(Debug, Clone)]
pub struct AssetRules {
    pub scheme: Arc<ClassificationScheme>,
    /// The role set with the profile's names.
    pub roles: Vec<RoleDefinition>,
    pub checks: CheckContext,
}

impl AssetRules {
    /// What the register needs of the body's ruling.
    pub(crate) fn of(ruling: &Ruling) -> Result<Self, AppError> {
        Ok(Self {
            scheme: ruling.shared_scheme()?,
            roles: ruling.roles.clone(),
            checks: CheckContext::default(),
        })
    }

    /// A stored classification under the scheme, or an error naming 「分類」 when the scheme in
    /// force no longer has it.
    pub fn classification(&self, record: &AssetRecord) -> Result<Classification, DomainError> {
        let pairs: Vec<(&str, &str)> = record
            .classification
            .iter()
            .map(|(a, l)| (a.as_str(), l.as_str()))
            .collect();
        self.scheme.classify(&pairs).map_err(|e| {
            DomainError::new(
                "分類",
                format!(
                    "登録されている分類は現行の分類基準にありません（{}）",
                    e.message
                ),
            )
        })
    }

    /// The class-filter rows of a classification: per axis, every level above the lowest that
    /// the classification is at or above, in the scheme's order.
    pub fn level_rows(
        &self,
        classification: &Classification,
    ) -> Result<Vec<(String, String)>, DomainError> {
        let mut rows = Vec::new();
        for axis in self.scheme.axes() {
            for level in axis.levels.iter().skip(1) {
                if self
                    .scheme
                    .is_at_least(classification, &axis.key, &level.key)?
                {
                    rows.push((axis.key.clone(), level.key.clone()));
                }
            }
        }
        Ok(rows)
    }

    /// The choices of the class filter: 「機密性２以上」 …, as `(axis, level, label)`.
    pub fn class_filters(&self) -> Vec<(String, String, String)> {
        self.scheme
            .axes()
            .iter()
            .flat_map(|axis| {
                axis.levels.iter().skip(1).rev().map(move |level| {
                    (
                        axis.key.clone(),
                        level.key.clone(),
                        format!("{}以上", level.name),
                    )
                })
            })
            .collect()
    }

    pub fn role_name(&self, key: &str) -> String {
        self.roles
            .iter()
            .find(|r| r.key == key)
            .map_or_else(|| key.to_owned(), |r| r.name.clone())
    }
}

/// An asset as typed on the form or sent to the API: texts, with links by 管理番号.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AssetInput {
    /// 管理番号; empty assigns the next automatic number (new assets only).
    pub asset_no: String,
    pub kind: String,
    pub name: String,
    pub description: String,
    pub owner_unit: Option<OrgUnitId>,
    pub location: String,
    pub segment: String,
    pub classification: String,
    pub retention: String,
    pub status: String,
    pub document_type: String,
    /// 管理番号 of the assets this one copies, separated by 「、」「,」 or spaces.
    pub derived_from: String,
    /// 管理番号 of the assets a medium holds.
    pub holds: String,
    pub encrypted: bool,
    pub locked_storage: bool,
    pub backup: bool,
    /// 復旧目標時間 in hours; empty for none.
    pub recovery_target_hours: String,
}

/// The 管理番号 in a list field.
pub fn split_numbers(text: &str) -> Vec<String> {
    text.split(|c: char| matches!(c, '、' | ',' | '，' | '・' | ';' | '；') || c.is_whitespace())
        .map(fold_text)
        .filter(|s| !s.is_empty())
        .collect()
}

/// Full-width letters and digits folded, spaces trimmed: 「ＩＡ－０００１」 stays comparable.
fn fold_text(s: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    s.trim().nfkc().collect::<String>().replace('－', "-")
}

const FIELD_NUMBER: &str = "管理番号";
const NUMBER_MAX_CHARS: usize = 40;

fn check_number(text: &str) -> Result<String, DomainError> {
    let number = fold_text(text);
    if number.chars().count() > NUMBER_MAX_CHARS {
        return Err(DomainError::new(
            FIELD_NUMBER,
            format!("管理番号は{NUMBER_MAX_CHARS}文字以内で入力してください"),
        ));
    }
    if number
        .chars()
        .any(|c| c.is_control() || c.is_whitespace() || matches!(c, '、' | ',' | ';'))
    {
        return Err(DomainError::new(
            FIELD_NUMBER,
            "管理番号に空白・読点・カンマは使えません",
        ));
    }
    Ok(number)
}

fn parse_hours(text: &str) -> Result<Option<u32>, DomainError> {
    let t = fold_text(text);
    let t = t.strip_suffix("時間").unwrap_or(&t).trim();
    if t.is_empty() {
        return Ok(None);
    }
    t.parse::<u32>().map(Some).map_err(|_| {
        DomainError::new(
            "復旧目標時間",
            "復旧目標時間は時間数を整数で入力してください（例: 24）",
        )
    })
}

/// One row of a register page.
#[derive(Debug, Clone, Serialize)]
pub struct AssetRow {
    pub id: AssetId,
    pub asset_no: String,
    pub name: String,
    pub kind: AssetKind,
    pub unit: Option<String>,
    pub segment: NetworkSegment,
    /// The classification in the scheme's words, or the reason it cannot be read.
    pub classification: String,
    pub status: AssetStatus,
    /// How many rule checks find something on the asset.
    pub findings: usize,
}

/// A page of the register.
#[derive(Debug, Clone, Serialize)]
pub struct AssetPage {
    pub rows: Vec<AssetRow>,
    /// The cursor of the next page, when there is one.
    pub next: Option<AssetId>,
}

/// The register's filters as the screen and the API take them.
#[derive(Debug, Clone, Default)]
pub struct AssetQuery {
    pub unit: Option<OrgUnitId>,
    pub no_unit: bool,
    pub kind: Option<AssetKind>,
    pub segment: Option<NetworkSegment>,
    pub status: Option<AssetStatus>,
    /// `(axis key, level key)`: 「○○以上」.
    pub at_least: Option<(String, String)>,
    pub text: Option<String>,
}

/// What the gate says about one lifecycle action on an asset, with the people who may permit.
#[derive(Debug, Clone, Serialize)]
pub struct GateView {
    pub action: Action,
    pub gate: ActionGate,
    /// For each role that must permit: the answer of the resolver (holders or a gap).
    pub permitters: Vec<Authority>,
}

/// One handling line: an action and what it requires, in the body's words.
#[derive(Debug, Clone, Serialize)]
pub struct HandlingLine {
    pub action: Action,
    pub requirements: Vec<String>,
}

/// A lifecycle record for the screen.
#[derive(Debug, Clone, Serialize)]
pub struct EventLine {
    pub id: AssetEventId,
    pub action: Action,
    pub status: &'static str,
    pub awaiting: bool,
    pub acted_at: DateTime<Utc>,
    pub person: Option<String>,
    pub details: String,
    pub new_location: Option<String>,
    pub required_roles: Vec<String>,
    pub approval: Option<String>,
    pub recorded_by: String,
    /// While waiting: the clause whose permission the action needs (the kind to apply for).
    pub permission_clause: Option<String>,
    /// The application for the permission, once made.
    pub application: Option<mamori_domain::ids::ApplicationId>,
}

impl EventLine {
    /// A stored record for the screens, the roles in the body's names; no person name, clause
    /// or application (the asset page adds them).
    fn of(e: AssetEvent, rules: &AssetRules) -> Self {
        Self {
            id: e.id,
            action: e.action,
            status: e.status.label(),
            awaiting: e.status == EventStatus::AwaitingApproval,
            acted_at: e.acted_at,
            person: None,
            details: e.details,
            new_location: e.new_location,
            required_roles: e
                .required_roles
                .iter()
                .map(|k| rules.role_name(k))
                .collect(),
            approval: e.approval,
            recorded_by: e.recorded_by,
            permission_clause: None,
            application: None,
        }
    }
}

/// A linked asset: `(id, 管理番号, name, classification text)`.
#[derive(Debug, Clone, Serialize)]
pub struct LinkedAsset {
    pub id: AssetId,
    pub asset_no: String,
    pub name: String,
    pub classification: String,
}

/// Everything the asset page shows.
#[derive(Debug, Clone, Serialize)]
pub struct AssetDetail {
    pub asset_no: String,
    pub asset: Asset,
    pub unit: Option<String>,
    /// The owner role's holders for the owner unit (情報セキュリティ管理者).
    pub owner: Option<Authority>,
    pub label: String,
    pub handling: Vec<HandlingLine>,
    pub findings: Vec<Finding>,
    pub gates: Vec<GateView>,
    pub derived_from: Vec<LinkedAsset>,
    pub holds: Vec<LinkedAsset>,
    /// What the links make the asset inherit, when it has any: the lowest allowed classification.
    pub inherited: Option<String>,
    /// Assets that copy or hold this one: `(relation label, asset)`.
    pub dependents: Vec<(String, LinkedAsset)>,
    pub events: Vec<EventLine>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Opening the asset is recorded in the audit trail: the scheme's 閲覧の記録 level
    /// (「機密性３」), when it is.
    pub read_recorded: Option<String>,
}

/// The result of asking to record an action.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum ActionOutcome {
    /// Done and recorded.
    Recorded { event: AssetEventId },
    /// Needs permission: the request is recorded and waits; the action has not happened.
    AwaitingApproval {
        event: AssetEventId,
        roles: Vec<String>,
    },
}

/// A lifecycle action as typed.
#[derive(Debug, Clone, Default)]
pub struct ActionInput {
    pub at: Option<DateTime<Utc>>,
    pub person: Option<PersonId>,
    pub details: String,
    /// The new 保管場所, for 保管.
    pub new_location: String,
}

fn relation_label(relation: &str) -> &'static str {
    if relation == "holds" {
        "格納している電磁的記録媒体"
    } else {
        "複製"
    }
}

/// The owner role of the body: the role marked as holding [`OWNER_CLAUSE`] in the matrix.
fn owner_role(matrix: &AuthorityMatrix) -> Option<String> {
    matrix
        .row(OWNER_CLAUSE)
        .iter()
        .find(|m| m.mark == mamori_domain::authority::MatrixMark::Holds)
        .map(|m| m.role.clone())
}

fn first_error(errors: Vec<DomainError>) -> AppError {
    errors.into_iter().next().map_or_else(
        || AppError::Internal("lifecycle validation".to_owned()),
        AppError::Invalid,
    )
}

/// The audit record of a register write: the asset with its number, before and after.
fn asset_entry(
    actor: Actor,
    action: &str,
    record: &AssetRecord,
    asset: &Asset,
    before: Option<(&AssetRecord, &Asset)>,
) -> AuditEntry {
    let view = |r: &AssetRecord, a: &Asset| {
        serde_json::json!({
            "asset_no": r.asset_no,
            "asset": a,
            "classification": a.classification.to_string(),
        })
    };
    let mut entry = AuditEntry::new(actor, action, "asset", record.id)
        .body(record.body_id)
        .after(&view(record, asset));
    if let Some((r, a)) = before {
        entry = entry.before(&view(r, a));
    }
    entry
}
