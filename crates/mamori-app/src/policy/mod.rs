//! The body's own policy: editions, their profile, 決裁 and 施行, 周知 and acknowledgement.
//!
//! Every change loads the edition, lets the domain decide whether it is allowed (only drafts
//! change; only the holder of the profile's deciding role decides), writes it back guarded by the
//! status it was read with, and records before/after in the audit trail, in one transaction.

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;
use mamori_catalog::Catalog;
use mamori_domain::DomainError;
use mamori_domain::audit::AuditEntry;
use mamori_domain::authority::RoleMarkEntry;
use mamori_domain::classification::{ClassificationScheme, Requirement};
use mamori_domain::policy::{
    Amendment, ClauseLookup, Decision, DeletedNumbering, Edition, EditionNumber, EditionStatus,
    HistoryLine, LocalClause, OrganScope, Profile, RoleSetting, field, revision_history,
    scope_problems,
};
use mamori_domain::separation::{SodPolicy, SodRule, SodViolation};
use mamori_store::{WriteTx, audit, org, policy};
use serde_json::json;

use crate::access::PolicyEditor;
use crate::parameters::parameter_file;
pub(crate) use crate::parameters::parameter_number;
use crate::{App, AppError, CurrentUser, RequestMeta};
use mamori_domain::text;

/// The longest text of one provision (an amended clause or a local clause), in characters.
const CLAUSE_TEXT_MAX_CHARS: usize = 20_000;
/// The longest number of a local clause (e.g. 「第5条の2」).
const LOCAL_NUMBER_MAX_CHARS: usize = 30;
/// The longest heading of a local clause.
const LOCAL_TITLE_MAX_CHARS: usize = 200;

pub use crate::catalog::guideline;

mod changes;
pub use changes::{GapOp, HandlingRow, HandlingTable, LinkOp, ProfileChange, handling_tables};
mod editions;
mod publication;
pub use publication::UnitRollup;
mod diff;
pub use diff::{DiffSide, guideline_clauses, resolve_clauses};

/// The catalog as the domain asks about it.
pub struct CatalogLookup<'a>(pub &'a Catalog);

impl ClauseLookup for CatalogLookup<'_> {
    fn exists(&self, clause_id: &str) -> bool {
        self.0.clause(clause_id).is_some()
    }
    fn is_recommended(&self, clause_id: &str) -> bool {
        self.0.clause(clause_id).is_some_and(|c| c.recommended)
    }
    fn is_unassigned_column(&self, role: &str) -> bool {
        unassigned_columns(self.0).is_ok_and(|cols| cols.iter().any(|c| c.key.key() == role))
    }
}

/// The guideline's columns of the 権限・責任等一覧表 that are not roles a body appoints: those
/// the guideline's role set does not define (職員等, 統一的な窓口, 外部委託事業者).
fn unassigned_columns(
    catalog: &Catalog,
) -> Result<Vec<&mamori_catalog::model::RoleInfo>, AppError> {
    let role_set = crate::roles::guideline_role_set()?;
    Ok(catalog
        .roles
        .iter()
        .filter(|r| !role_set.iter().any(|d| d.key == r.key.key()))
        .collect())
}

/// A column of the body's 権限・責任等一覧表, named as the body names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MatrixColumn {
    pub key: String,
    pub name: String,
    /// A role of the body that people are appointed to (not 職員等 or 外部委託事業者).
    pub appointed: bool,
}

/// The columns a row of the profile's 権限・責任等一覧表 may mark, in the guideline's column
/// order: the profile's roles and the columns nobody is appointed to, then the body's own roles.
pub fn matrix_columns(profile: &Profile) -> Result<Vec<MatrixColumn>, AppError> {
    let catalog = guideline()?;
    let unassigned = unassigned_columns(catalog)?;
    let mut out: Vec<MatrixColumn> = catalog
        .roles
        .iter()
        .filter_map(|r| {
            let key = r.key.key();
            if profile.roles.iter().any(|p| p.key == key) {
                Some(MatrixColumn {
                    key: key.to_owned(),
                    name: profile.role_name(key),
                    appointed: true,
                })
            } else {
                unassigned
                    .iter()
                    .any(|u| u.key == r.key)
                    .then(|| MatrixColumn {
                        key: key.to_owned(),
                        name: r.name.clone(),
                        appointed: false,
                    })
            }
        })
        .collect();
    for r in &profile.roles {
        if !out.iter().any(|c| c.key == r.key) {
            out.push(MatrixColumn {
                key: r.key.clone(),
                name: r.name.clone(),
                appointed: true,
            });
        }
    }
    Ok(out)
}

/// The guideline's 行政機関の範囲: the 例文's organs, as a profile starts with them.
pub fn guideline_organ_scope() -> Result<OrganScope, AppError> {
    let organs = &parameter_file()?.organ_scope;
    Ok(OrganScope {
        clause: organs.clause.clone(),
        guideline: organs.organs.clone(),
        organs: organs.organs.clone(),
    })
}

/// The first profile of a body: the guideline as it stands, the body's role set, the default
/// periods, the 例文's 行政機関の範囲 and the guideline's classification scheme.
pub fn default_profile(
    body: &mamori_domain::org::Body,
    roles: Vec<RoleSetting>,
) -> Result<Profile, AppError> {
    let catalog = guideline()?;
    let parameters = parameter_file()?.parameters.clone();
    Ok(Profile {
        guideline_edition: catalog.edition.id.clone(),
        body_name: body.name.clone(),
        // The 例文 says 本市; a body of another kind gets its own word (本町, 本組合 …).
        body_term: body
            .kind
            .map_or_else(|| "本市".to_owned(), |k| k.default_term(&body.name)),
        adopted_recommended: BTreeSet::new(),
        amendments: BTreeMap::new(),
        deletions: BTreeMap::new(),
        local_clauses: Vec::new(),
        roles,
        deciding_role: "ciso".to_owned(),
        deliberating_role: None,
        parameters,
        classification_scheme: ClassificationScheme::guideline()?.to_toml()?,
        authority_overrides: BTreeMap::new(),
        separation: SodPolicy::default(),
        organ_scope: Some(guideline_organ_scope()?),
        deleted_numbering: DeletedNumbering::default(),
        approval_kinds: String::new(),
        incident_rules: String::new(),
        document: None,
    })
}

/// The shipped classification schemes a body can start from, as (key, name).
pub const SCHEME_PRESETS: [(&str, &str); 2] = [
    ("guideline", "ガイドラインの分類（機密性・完全性・可用性）"),
    ("importance-4", "重要性による分類（Ⅰ〜Ⅳ、Ⅰが最も高い）"),
];

/// The longest scheme a body may define, in characters (the guideline's is about 6,000).
pub const MAX_SCHEME_CHARS: usize = 100_000;

/// The shipped scheme whose TOML the profile holds unchanged, if any.
pub fn preset_in_use(profile: &Profile) -> Option<&'static str> {
    SCHEME_PRESETS.iter().map(|(key, _)| *key).find(|key| {
        scheme_preset(key)
            .and_then(|s| s.to_toml())
            .is_ok_and(|t| t == profile.classification_scheme)
    })
}

pub(crate) fn scheme_preset(key: &str) -> Result<ClassificationScheme, DomainError> {
    match key {
        "guideline" => ClassificationScheme::guideline(),
        "importance-4" => ClassificationScheme::importance_four(),
        other => Err(DomainError::new(
            "情報資産の分類",
            format!("「{other}」という分類体系はありません"),
        )),
    }
}

/// The profile parameter that fixes the scheme's 「指定する時間以内の復旧」.
pub const RECOVERY_TIME_PARAMETER: &str = "recovery_time_hours";

impl ProfileChange {}

/// The 周知 and acknowledgement state of an edition for one person.
#[derive(Debug, Clone)]
pub struct EditionView {
    pub edition: Edition,
    pub published_at: Option<chrono::DateTime<chrono::Utc>>,
    pub acknowledged_at: Option<chrono::DateTime<chrono::Utc>>,
    /// The case in which the profile in force lets a drafter decide (兼務の禁止 ①'s exception).
    pub decide_exception: Option<String>,
    /// The name of the 委員会 that must deliberate the edition before its 決裁, by the rule in
    /// force; `None` when none must.
    pub committee: Option<String>,
    /// The 委員会's 議決 on this edition, the latest first.
    pub deliberations: Vec<mamori_domain::committee::Deliberation>,
}

/// Before and after as the audit record keeps them: [`audit_view`] of each, plus what is too long
/// to repeat in every record and goes in only when it changes — the classification scheme's and
/// the 申請の種類' TOML — and the 差戻し (with its comment) that this change added.
pub(crate) fn audit_views(
    before: &Edition,
    after: &Edition,
) -> (serde_json::Value, serde_json::Value) {
    let mut old = audit_view(before);
    let mut new = audit_view(after);
    /// A long text of the profile, by its key in the audit view.
    fn long_text<'e>(e: &'e Edition, key: &str) -> &'e str {
        match key {
            "classification_scheme" => &e.profile.classification_scheme,
            _ => &e.profile.approval_kinds,
        }
    }
    for key in ["classification_scheme", "approval_kinds"] {
        if long_text(before, key) == long_text(after, key) {
            continue;
        }
        for (view, e) in [(&mut old, before), (&mut new, after)] {
            if let Some(profile) = view.get_mut("profile").and_then(|p| p.as_object_mut()) {
                profile.insert(key.to_owned(), json!(long_text(e, key)));
            }
        }
    }
    if after.send_backs.len() > before.send_backs.len()
        && let Some(view) = new.as_object_mut()
    {
        view.insert("send_back".to_owned(), json!(after.last_send_back()));
    }
    (old, new)
}

/// What an audit record keeps of an edition: its state and profile (the profile is what changes).
fn audit_view(e: &Edition) -> serde_json::Value {
    json!({
        "number": e.number.get(),
        "status": e.status.key(),
        "decision": e.decision,
        "effective_from": e.effective_from.map(|d| d.to_string()),
        "profile": {
            "adopted_recommended": e.profile.adopted_recommended,
            "amendments": e.profile.amendments,
            "deletions": e.profile.deletions,
            "local_clauses": e.profile.local_clauses,
            "roles": e.profile.roles,
            "deciding_role": e.profile.deciding_role,
            "deliberating_role": e.profile.deliberating_role,
            "parameters": e.profile.parameters,
            "organ_scope": e.profile.organ_scope,
            "deleted_numbering": e.profile.deleted_numbering,
            "body_term": e.profile.body_term,
            "authority_overrides": e.profile.authority_overrides,
            "separation": e.profile.separation,
        },
    })
}

fn may_see(user: &CurrentUser, e: &Edition) -> bool {
    match e.status {
        EditionStatus::Decided
        | EditionStatus::InForce
        | EditionStatus::Superseded
        | EditionStatus::Abolished => true,
        EditionStatus::Draft | EditionStatus::UnderReview => {
            let roles = user.role_keys();
            user.policy_editor().is_ok()
                || roles.contains(&e.profile.deciding_role)
                || (e.status == EditionStatus::UnderReview
                    && e.profile
                        .deliberating_role
                        .as_ref()
                        .is_some_and(|r| roles.contains(r)))
        }
    }
}

fn non_empty(field: &str, value: &str) -> Result<String, DomainError> {
    let v = value.trim();
    if v.is_empty() {
        return Err(DomainError::new(field, "入力してください"));
    }
    Ok(v.to_owned())
}

impl DiffSide {}

impl App {
    /// The bodies in the installation, for commands that take `--body`.
    pub async fn bodies(&self) -> Result<Vec<mamori_domain::org::Body>, AppError> {
        let mut conn = self.store().conn().await?;
        Ok(org::list_bodies(&mut conn).await?)
    }
}

/// What the home page says about the body's policy to one person.
#[derive(Debug, Clone)]
pub struct PolicySummary {
    pub in_force: Option<EditionView>,
    /// An edition being prepared that this person may see (editors, the decider).
    pub in_progress: Option<(EditionNumber, EditionStatus)>,
}

impl App {
    pub async fn policy_summary(&self, user: &CurrentUser) -> Result<PolicySummary, AppError> {
        let editions = self.policy_editions(user).await?;
        let in_force = match editions.iter().find(|e| e.status == EditionStatus::InForce) {
            Some(e) => Some(self.policy_edition(user, e.number).await?),
            None => None,
        };
        let in_progress = editions
            .iter()
            .find(|e| e.is_open())
            .map(|e| (e.number, e.status));
        Ok(PolicySummary {
            in_force,
            in_progress,
        })
    }
}
