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
pub fn default_profile(body_name: &str, roles: Vec<RoleSetting>) -> Result<Profile, AppError> {
    let catalog = guideline()?;
    let parameters = parameter_file()?.parameters.clone();
    Ok(Profile {
        guideline_edition: catalog.edition.id.clone(),
        body_name: body_name.to_owned(),
        body_term: "本市".to_owned(),
        adopted_recommended: BTreeSet::new(),
        amendments: BTreeMap::new(),
        deletions: BTreeMap::new(),
        local_clauses: Vec::new(),
        roles,
        deciding_role: "ciso".to_owned(),
        parameters,
        classification_scheme: ClassificationScheme::guideline()?.to_toml()?,
        authority_overrides: BTreeMap::new(),
        separation: SodPolicy::default(),
        organ_scope: Some(guideline_organ_scope()?),
        deleted_numbering: DeletedNumbering::default(),
        approval_kinds: String::new(),
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

/// The actions the handling table shows, in the order a 課長 meets them.
const TABLE_ACTIONS: [mamori_domain::classification::Action; 7] = {
    use mamori_domain::classification::Action::*;
    [
        Store,
        Send,
        Transport,
        Provision,
        CarryOut,
        ProcessOffsite,
        Disposal,
    ]
};

/// What the profile's scheme requires per level and action, for one axis.
#[derive(Debug, Clone)]
pub struct HandlingTable {
    pub axis: String,
    /// Action labels, the columns.
    pub actions: Vec<&'static str>,
    /// From the highest level to the lowest.
    pub rows: Vec<HandlingRow>,
}

#[derive(Debug, Clone)]
pub struct HandlingRow {
    pub level: String,
    pub definition: String,
    /// Per action, the requirements in the body's words (「所属長の許可」); empty = none.
    pub cells: Vec<Vec<String>>,
}

/// Asks the profile's scheme, level by level, what each action requires — the other axes held at
/// their lowest level, so each row shows what that level adds. Nothing here compares levels: the
/// scheme answers.
pub fn handling_tables(profile: &Profile) -> Result<Vec<HandlingTable>, DomainError> {
    use mamori_domain::org::{RoleDefinition, RoleScope};
    let scheme = ClassificationScheme::from_toml(&profile.classification_scheme)?;
    let roles: Vec<RoleDefinition> = profile
        .roles
        .iter()
        .map(|r| RoleDefinition {
            key: r.key.clone(),
            name: r.name.clone(),
            scope: RoleScope::Body,
            grants: Vec::new(),
        })
        .collect();
    let recovery_hours: Option<u32> = profile
        .parameters
        .iter()
        .find(|p| p.key == RECOVERY_TIME_PARAMETER)
        .and_then(|p| p.value.trim().parse().ok());
    let lowest: Vec<(&str, &str)> = scheme
        .axes()
        .iter()
        .filter_map(|a| a.levels.first().map(|l| (a.key.as_str(), l.key.as_str())))
        .collect();
    let mut tables = Vec::new();
    for axis in scheme.axes() {
        let mut rows = Vec::new();
        for level in axis.levels.iter().rev() {
            let pairs: Vec<(&str, &str)> = lowest
                .iter()
                .map(|(a, l)| {
                    if *a == axis.key {
                        (*a, level.key.as_str())
                    } else {
                        (*a, *l)
                    }
                })
                .collect();
            let classification = scheme.classify(&pairs)?;
            let mut cells = Vec::new();
            for action in TABLE_ACTIONS {
                let required = scheme.requires(&classification, action)?;
                cells.push(
                    required
                        .iter()
                        .map(|(req, _)| match req {
                            // The scheme leaves the time to the body: its profile says it.
                            Requirement::RecoveryWithin { hours: None } => recovery_hours
                                .map(|h| Requirement::RecoveryWithin { hours: Some(h) }.label())
                                .unwrap_or_else(|| req.label()),
                            _ => req.label_with_roles(&roles),
                        })
                        .collect(),
                );
            }
            rows.push(HandlingRow {
                level: level.name.clone(),
                definition: level.definition.clone(),
                cells,
            });
        }
        tables.push(HandlingTable {
            axis: axis.name.clone(),
            actions: TABLE_ACTIONS.iter().map(|a| a.label()).collect(),
            rows,
        });
    }
    Ok(tables)
}

/// A change to a draft's profile.
#[derive(Debug, Clone)]
pub enum ProfileChange {
    Adopt {
        clause: String,
        adopted: bool,
    },
    Amend {
        clause: String,
        text: String,
        reason: Option<String>,
    },
    Revert {
        clause: String,
    },
    Delete {
        clause: String,
        reason: String,
    },
    Restore {
        clause: String,
    },
    AddLocal(LocalClause),
    RemoveLocal {
        key: String,
    },
    RenameRole {
        key: String,
        name: String,
        post: Option<String>,
    },
    SetParameter {
        key: String,
        value: String,
    },
    /// Replaces the classification scheme with a shipped one: `guideline` or `importance-4`.
    SetScheme {
        preset: String,
    },
    /// Replaces the classification scheme with one the body writes in TOML.
    DefineScheme {
        toml: String,
    },
    /// 行政機関の範囲: the organs the policy applies to, in the order it lists them.
    SetOrgans {
        organs: Vec<String>,
    },
    /// Moves a local clause (the guideline clause it follows; `None` = the end of the 対策基準)
    /// and gives it its number there.
    MoveLocal {
        key: String,
        number: String,
        after: Option<String>,
    },
    /// How the document numbers deleted guideline clauses.
    SetDeletedNumbering {
        numbering: String,
    },
    /// The word the policy uses for the body itself: 「本市」, 「本町」, 「本県」 …
    SetBodyTerm {
        term: String,
    },
    /// Replaces the guideline's row of the 権限・責任等一覧表 for a clause; an empty row means the
    /// clause has no marks.
    SetAuthorityRow {
        clause: String,
        marks: Vec<RoleMarkEntry>,
    },
    /// Back to the guideline's row for a clause.
    ResetAuthorityRow {
        clause: String,
    },
    /// Allows an exception to a rule of 兼務の禁止 in a case (`Some`), or none (`None`).
    SetSeparationException {
        rule: SodRule,
        case: Option<String>,
    },
    /// The body's own 申請の種類 as TOML (empty: the defaults only).
    SetApprovalKinds {
        toml: String,
    },
}

impl ProfileChange {
    fn action(&self) -> &'static str {
        match self {
            Self::Adopt { .. } => "policy.adopt_recommended",
            Self::Amend { .. } => "policy.amend_clause",
            Self::Revert { .. } => "policy.revert_clause",
            Self::Delete { .. } => "policy.delete_clause",
            Self::Restore { .. } => "policy.restore_clause",
            Self::AddLocal(_) => "policy.add_local_clause",
            Self::RemoveLocal { .. } => "policy.remove_local_clause",
            Self::RenameRole { .. } => "policy.rename_role",
            Self::SetParameter { .. } => "policy.set_parameter",
            Self::SetScheme { .. } => "policy.set_scheme",
            Self::DefineScheme { .. } => "policy.define_scheme",
            Self::SetOrgans { .. } => "policy.set_organs",
            Self::MoveLocal { .. } => "policy.move_local_clause",
            Self::SetDeletedNumbering { .. } => "policy.set_deleted_numbering",
            Self::SetBodyTerm { .. } => "policy.set_body_term",
            Self::SetAuthorityRow { .. } => "policy.set_authority_row",
            Self::ResetAuthorityRow { .. } => "policy.reset_authority_row",
            Self::SetSeparationException { .. } => "policy.set_separation_exception",
            Self::SetApprovalKinds { .. } => "policy.set_approval_kinds",
        }
    }

    /// Applies the change to a profile, checking what can be checked on its own.
    pub(crate) fn apply(&self, p: &mut Profile, catalog: &Catalog) -> Result<(), DomainError> {
        let clause_of = |id: &str| {
            catalog.clause(id).ok_or_else(|| {
                DomainError::new("条項", format!("条項「{id}」はガイドラインにありません"))
            })
        };
        match self {
            Self::Adopt { clause, adopted } => {
                let c = clause_of(clause)?;
                if !c.recommended {
                    return Err(DomainError::new(
                        "採用する推奨事項",
                        format!("条項「{clause}」は推奨事項ではありません"),
                    ));
                }
                if *adopted {
                    p.adopted_recommended.insert(clause.clone());
                } else {
                    p.adopted_recommended.remove(clause);
                }
            }
            Self::Amend {
                clause,
                text,
                reason,
            } => {
                let c = clause_of(clause)?;
                let text = text.trim();
                if text.is_empty() {
                    return Err(DomainError::new("条項の文言", "入力してください"));
                }
                text::check("条項の文言", text, CLAUSE_TEXT_MAX_CHARS, true)?;
                if p.deletions.contains_key(clause) {
                    return Err(DomainError::new(
                        "条項の文言",
                        "削除した条項は、復活させてから文言を変更してください",
                    ));
                }
                if text == c.model_text.trim() {
                    p.amendments.remove(clause);
                } else {
                    p.amendments.insert(
                        clause.clone(),
                        Amendment {
                            text: text.to_owned(),
                            reason: reason.clone().filter(|r| !r.trim().is_empty()),
                        },
                    );
                }
            }
            Self::Revert { clause } => {
                p.amendments.remove(clause);
            }
            Self::Delete { clause, reason } => {
                clause_of(clause)?;
                if reason.trim().is_empty() {
                    return Err(DomainError::new("削除の理由", "入力してください"));
                }
                p.amendments.remove(clause);
                p.deletions.insert(clause.clone(), reason.trim().to_owned());
            }
            Self::Restore { clause } => {
                p.deletions.remove(clause);
            }
            Self::AddLocal(local) => {
                text::check(
                    "独自の条項の番号",
                    local.number.trim(),
                    LOCAL_NUMBER_MAX_CHARS,
                    false,
                )?;
                text::check(
                    "独自の条項の見出し",
                    local.title.trim(),
                    LOCAL_TITLE_MAX_CHARS,
                    false,
                )?;
                text::check(
                    "独自の条項の本文",
                    local.text.trim(),
                    CLAUSE_TEXT_MAX_CHARS,
                    true,
                )?;
                if local.number.trim().is_empty() {
                    return Err(DomainError::new("独自の条項の番号", "入力してください"));
                }
                if local.title.trim().is_empty() {
                    return Err(DomainError::new("独自の条項の見出し", "入力してください"));
                }
                if local.text.trim().is_empty() {
                    return Err(DomainError::new("独自の条項の本文", "入力してください"));
                }
                if let Some(after) = &local.after {
                    clause_of(after)?;
                }
                if p.local_clauses.iter().any(|c| c.key == local.key) {
                    return Err(DomainError::new(
                        "独自の条項",
                        format!("キー「{}」は既に使われています", local.key),
                    ));
                }
                p.local_clauses.push(local.clone());
            }
            Self::RemoveLocal { key } => {
                p.local_clauses.retain(|c| &c.key != key);
            }
            Self::RenameRole { key, name, post } => {
                let name = name.trim();
                if name.is_empty() {
                    return Err(DomainError::new("役割の名称", "入力してください"));
                }
                let role = p.roles.iter_mut().find(|r| &r.key == key).ok_or_else(|| {
                    DomainError::new("役割", format!("役割「{key}」はありません"))
                })?;
                role.name = name.to_owned();
                role.post = post.clone().filter(|s| !s.trim().is_empty());
            }
            Self::SetParameter { key, value } => {
                let value = value.trim();
                let param = p
                    .parameters
                    .iter_mut()
                    .find(|x| &x.key == key)
                    .ok_or_else(|| {
                        DomainError::new("期間・基準値", format!("「{key}」という項目はありません"))
                    })?;
                if value.is_empty() {
                    return Err(DomainError::new(param.label.clone(), "入力してください"));
                }
                // Every period and threshold is a count (years, months, days, hours, characters).
                let folded: String =
                    unicode_normalization::UnicodeNormalization::nfkc(value).collect();
                match folded.parse::<u32>() {
                    Ok(n) if n >= 1 => param.value = n.to_string(),
                    _ => {
                        return Err(DomainError::new(
                            param.label.clone(),
                            format!("1以上の整数で入力してください（「{value}」）"),
                        ));
                    }
                }
            }
            Self::SetScheme { preset } => {
                let scheme = scheme_preset(preset)?;
                p.classification_scheme = scheme.to_toml()?;
            }
            Self::DefineScheme { toml } => {
                let text = toml.trim();
                if text.is_empty() {
                    return Err(DomainError::new(field::SCHEME, "入力してください"));
                }
                if text.chars().count() > MAX_SCHEME_CHARS {
                    return Err(DomainError::new(
                        field::SCHEME,
                        format!("{MAX_SCHEME_CHARS}文字以下で入力してください"),
                    ));
                }
                // The scheme's own check names the part of the TOML at fault; the screen's
                // field is the whole text.
                let in_scheme = |e: DomainError| {
                    DomainError::new(field::SCHEME, format!("{} — {}", e.field, e.message))
                };
                ClassificationScheme::from_toml(text).map_err(in_scheme)?;
                let mut candidate = p.clone();
                candidate.classification_scheme = format!("{text}\n");
                // Every screen and document asks the scheme the handling questions: a scheme
                // that cannot answer them is refused here rather than breaking those later.
                handling_tables(&candidate).map_err(in_scheme)?;
                *p = candidate;
            }
            Self::SetOrgans { organs } => {
                let organs: Vec<String> = organs
                    .iter()
                    .map(|o| o.trim().to_owned())
                    .filter(|o| !o.is_empty())
                    .collect();
                let mut scope = match &p.organ_scope {
                    Some(scope) => scope.clone(),
                    None => guideline_organ_scope()
                        .map_err(|e| DomainError::new(field::ORGANS, e.to_string()))?,
                };
                scope.organs = organs;
                if let Some(first) = scope_problems(&scope, &CatalogLookup(catalog))
                    .into_iter()
                    .next()
                {
                    return Err(first);
                }
                // The body's list replaces the 例文's in the clause text: it must be there.
                let listed = mamori_domain::policy::enumerate(&scope.guideline);
                if !clause_of(&scope.clause)?.model_text.contains(&listed) {
                    return Err(DomainError::new(
                        field::ORGANS,
                        format!(
                            "条項「{}」の例文に行政機関の列挙（{listed}）が見つかりません",
                            scope.clause
                        ),
                    ));
                }
                p.organ_scope = Some(scope);
            }
            Self::MoveLocal { key, number, after } => {
                let number = number.trim();
                if number.is_empty() {
                    return Err(DomainError::new("独自の条項の番号", "入力してください"));
                }
                let after = after
                    .as_deref()
                    .map(str::trim)
                    .filter(|a| !a.is_empty())
                    .map(str::to_owned);
                if let Some(after) = &after {
                    clause_of(after)?;
                }
                let local = p
                    .local_clauses
                    .iter_mut()
                    .find(|c| &c.key == key)
                    .ok_or_else(|| {
                        DomainError::new(field::LOCAL, format!("キー「{key}」の条項はありません"))
                    })?;
                local.number = number.to_owned();
                local.after = after;
            }
            Self::SetDeletedNumbering { numbering } => {
                p.deleted_numbering = DeletedNumbering::parse(numbering)?;
            }
            Self::SetBodyTerm { term } => {
                let term = term.trim();
                if term.is_empty() || term.chars().count() > 10 {
                    return Err(DomainError::new(
                        "団体の呼び方",
                        "1文字以上10文字以下で入力してください（例: 本市、本町、本県）",
                    ));
                }
                p.body_term = term.to_owned();
            }
            Self::SetAuthorityRow { clause, marks } => {
                let as_field = |e: AppError| DomainError::new(field::AUTHORITY, e.to_string());
                let order = matrix_columns(p).map_err(as_field)?;
                let mut marks = marks.clone();
                marks.sort_by_key(|m| {
                    order
                        .iter()
                        .position(|c| c.key == m.role)
                        .unwrap_or(usize::MAX)
                });
                p.set_authority_row(clause, marks.clone(), &CatalogLookup(catalog))?;
                // The guideline's own row again is no adjustment.
                let guideline = crate::ruling::matrix(None).map_err(as_field)?;
                if same_marks(&marks, guideline.row(clause.trim())) {
                    p.reset_authority_row(clause);
                }
            }
            Self::ResetAuthorityRow { clause } => {
                p.reset_authority_row(clause);
            }
            Self::SetSeparationException { rule, case } => {
                p.set_separation_exception(*rule, case.as_deref())?;
            }
            Self::SetApprovalKinds { toml } => {
                let before = std::mem::replace(&mut p.approval_kinds, toml.trim().to_owned());
                let matrix = crate::ruling::matrix(Some(p)).map_err(|e| match e {
                    AppError::Invalid(e) => e,
                    other => DomainError::new(field::APPROVAL_KINDS, other.to_string()),
                })?;
                if let Err(e) = crate::ruling::kinds_of(Some(p), &matrix) {
                    p.approval_kinds = before;
                    return Err(match e {
                        AppError::Invalid(e) => e,
                        other => DomainError::new(field::APPROVAL_KINDS, other.to_string()),
                    });
                }
            }
        }
        Ok(())
    }
}

/// Whether two rows mark the same roles the same way, whatever their order.
fn same_marks(a: &[RoleMarkEntry], b: &[RoleMarkEntry]) -> bool {
    let sorted = |row: &[RoleMarkEntry]| {
        let mut v: Vec<(String, mamori_domain::authority::MatrixMark)> =
            row.iter().map(|m| (m.role.clone(), m.mark)).collect();
        v.sort();
        v
    };
    sorted(a) == sorted(b)
}

/// The 周知 and acknowledgement state of an edition for one person.
#[derive(Debug, Clone)]
pub struct EditionView {
    pub edition: Edition,
    pub published_at: Option<chrono::DateTime<chrono::Utc>>,
    pub acknowledged_at: Option<chrono::DateTime<chrono::Utc>>,
    /// The case in which the profile in force lets a drafter decide (兼務の禁止 ①'s exception).
    pub decide_exception: Option<String>,
}

impl App {
    /// Editions of the user's body, newest first. Staff see the editions that were decided;
    /// drafts and editions under review are visible to policy editors and the deciding role.
    pub async fn policy_editions(&self, user: &CurrentUser) -> Result<Vec<Edition>, AppError> {
        let body = user.body()?;
        let mut conn = self.store().conn().await?;
        let all = policy::list_editions(&mut conn, body.id).await?;
        Ok(all.into_iter().filter(|e| may_see(user, e)).collect())
    }

    pub async fn policy_history(&self, user: &CurrentUser) -> Result<Vec<HistoryLine>, AppError> {
        let body = user.body()?;
        let mut conn = self.store().conn().await?;
        Ok(revision_history(
            &policy::list_editions(&mut conn, body.id).await?,
        ))
    }

    pub async fn policy_edition(
        &self,
        user: &CurrentUser,
        number: EditionNumber,
    ) -> Result<EditionView, AppError> {
        let body = user.body()?;
        let mut conn = self.store().conn().await?;
        let edition = policy::find_edition(&mut conn, body.id, number)
            .await?
            .filter(|e| may_see(user, e))
            .ok_or_else(|| AppError::NotFound(format!("{number}")))?;
        let published_at = policy::published_at(&mut conn, edition.id).await?;
        let acknowledged_at = match user.account.person_id {
            Some(person) => policy::acknowledged_at(&mut conn, edition.id, person).await?,
            None => None,
        };
        let decide_exception = crate::ruling::ruling(&mut conn, body.id)
            .await?
            .profile
            .as_ref()
            .and_then(|p| {
                p.separation
                    .exceptions
                    .get(&SodRule::ApplicantApprover)
                    .cloned()
            });
        Ok(EditionView {
            edition,
            published_at,
            acknowledged_at,
            decide_exception,
        })
    }

    /// Starts the body's first edition (制定) from the guideline, as a draft.
    pub async fn create_first_edition(
        &self,
        user: &CurrentUser,
        _may: &PolicyEditor,
        title: &str,
        meta: &RequestMeta,
    ) -> Result<Edition, AppError> {
        let body = user.body()?.clone();
        let title = non_empty("題名", title)?;
        let mut tx = self.store().begin_write().await?;
        if !policy::list_editions(tx.conn(), body.id).await?.is_empty() {
            return Err(AppError::Conflict(
                "既に版があります。次の版は既存の版から作成してください".to_owned(),
            ));
        }
        let roles = org::list_role_definitions(tx.conn(), body.id)
            .await?
            .into_iter()
            .map(|r| RoleSetting {
                key: r.key,
                name: r.name,
                post: None,
            })
            .collect();
        let profile = default_profile(&body.name, roles)?;
        let edition = Edition::first(body.id, title, profile, self.now());
        self.insert_edition(&mut tx, user, &edition, meta).await?;
        tx.commit().await?;
        Ok(edition)
    }

    /// Starts the next edition as a copy of `from`.
    pub async fn new_policy_draft(
        &self,
        user: &CurrentUser,
        _may: &PolicyEditor,
        from: EditionNumber,
        meta: &RequestMeta,
    ) -> Result<Edition, AppError> {
        let body = user.body()?.clone();
        let mut tx = self.store().begin_write().await?;
        let editions = policy::list_editions(tx.conn(), body.id).await?;
        if let Some(open) = editions.iter().find(|e| {
            matches!(
                e.status,
                EditionStatus::Draft | EditionStatus::UnderReview | EditionStatus::Decided
            )
        }) {
            return Err(AppError::Conflict(format!(
                "{}が{}です。新しい版は、それが施行されてから作成してください",
                open.number,
                open.status.label()
            )));
        }
        let source = editions
            .iter()
            .find(|e| e.number == from)
            .ok_or_else(|| AppError::NotFound(format!("{from}")))?;
        let next = editions
            .iter()
            .map(|e| e.number)
            .max()
            .unwrap_or(from)
            .next();
        let edition = source.new_draft(next, self.now());
        self.insert_edition(&mut tx, user, &edition, meta).await?;
        tx.commit().await?;
        Ok(edition)
    }

    pub(crate) async fn insert_edition(
        &self,
        tx: &mut WriteTx,
        user: &CurrentUser,
        edition: &Edition,
        meta: &RequestMeta,
    ) -> Result<(), AppError> {
        policy::insert_edition(tx.conn(), edition, self.now()).await?;
        let entry = AuditEntry::new(
            user.actor(),
            "policy.create_edition",
            "policy_edition",
            edition.id,
        )
        .body(edition.body_id)
        .after(&json!({
            "number": edition.number.get(),
            "title": edition.title,
            "based_on": edition.based_on.map(EditionNumber::get),
            "revision_kind": edition.revision_kind.key(),
        }))
        .request(meta.request_id.clone());
        audit::append(tx, self.now(), entry).await?;
        Ok(())
    }

    /// Changes the profile of a draft.
    pub async fn change_policy_profile(
        &self,
        user: &CurrentUser,
        _may: &PolicyEditor,
        number: EditionNumber,
        change: ProfileChange,
        meta: &RequestMeta,
    ) -> Result<Edition, AppError> {
        let catalog = guideline()?;
        self.transition(user, number, change.action(), meta, |edition| {
            edition.ensure_editable()?;
            change.apply(&mut edition.profile, catalog)?;
            Ok(())
        })
        .await
    }

    /// 下書き → 審議中.
    pub async fn submit_policy_edition(
        &self,
        user: &CurrentUser,
        _may: &PolicyEditor,
        number: EditionNumber,
        meta: &RequestMeta,
    ) -> Result<Edition, AppError> {
        let catalog = guideline()?;
        self.transition(user, number, "policy.submit", meta, |e| {
            e.submit(&CatalogLookup(catalog))
        })
        .await
    }

    /// 審議中 → 下書き, by an editor or by the decider, with a comment saying what to rework. The
    /// decider's 差戻し is the refusal of the 決裁: it is recorded with the deciding role.
    pub async fn send_back_policy_edition(
        &self,
        user: &CurrentUser,
        number: EditionNumber,
        comment: &str,
        meta: &RequestMeta,
    ) -> Result<Edition, AppError> {
        let roles = user.role_keys();
        let editor = user.policy_editor().is_ok();
        let name = user.name().to_owned();
        let now = self.now();
        self.transition(user, number, "policy.send_back", meta, |e| {
            let role = e.profile.deciding_role.clone();
            let decider = roles.contains(&role);
            if !editor && !decider {
                return Err(DomainError::new(
                    "決裁する役割",
                    "差し戻しは編集者または決裁者が行います",
                ));
            }
            e.send_back(comment, &name, decider.then_some(role.as_str()), now)
        })
        .await
    }

    /// 審議中 → 決裁済, by the holder of the profile's deciding role, dated today.
    ///
    /// Whoever drafted or submitted the edition (any record of theirs on it other than a
    /// decision or a 差戻し) may not decide it: 兼務の禁止 ①, the applicant is not the approver.
    /// The profile's exception for that rule lets it pass with `sod_reason`, which is recorded.
    pub async fn decide_policy_edition(
        &self,
        user: &CurrentUser,
        number: EditionNumber,
        sod_reason: Option<&str>,
        meta: &RequestMeta,
    ) -> Result<Edition, AppError> {
        let person = user
            .account
            .person_id
            .ok_or_else(|| AppError::Forbidden("決裁は職員のアカウントで行います".to_owned()))?;
        let body = user.body()?;
        let roles = user.role_keys();
        let exception = {
            let mut conn = self.store().conn().await?;
            let edition = policy::find_edition(&mut conn, body.id, number)
                .await?
                .ok_or_else(|| AppError::NotFound(format!("{number}")))?;
            // Who does not hold the deciding role is refused by the edition itself, naming it.
            let decider = roles.contains(&edition.profile.deciding_role);
            let drafted = decider
                && audit::has_acted(
                    &mut conn,
                    &user.actor().id,
                    ("policy_edition", &edition.id.to_string()),
                    "policy.",
                    &["policy.decide", "policy.send_back"],
                )
                .await?;
            if drafted {
                let violation = SodViolation::new(
                    SodRule::ApplicantApprover,
                    "この版を起案・審議に提出した人は決裁できません",
                );
                // The exception is the body's rule in force, never one the draft gives itself.
                let ruling = crate::ruling::ruling(&mut conn, body.id).await?;
                let profile = ruling.profile.as_ref().unwrap_or(&edition.profile);
                Some(profile.separation.excuse(&violation, sod_reason)?)
            } else {
                None
            }
        };
        let name = user.name().to_owned();
        let today = self.today();
        let note = exception.map(|x| json!({ "separation_exception": x }));
        self.transition_noted(user, number, "policy.decide", note, meta, |e| {
            let decision = Decision {
                by_person: person,
                by_name: name,
                role_key: e.profile.deciding_role.clone(),
                on: today,
            };
            e.decide(decision, &roles)
        })
        .await
    }

    /// 決裁済 → 施行中 from a date; the edition in force until then becomes 改定済.
    pub async fn enforce_policy_edition(
        &self,
        user: &CurrentUser,
        _may: &PolicyEditor,
        number: EditionNumber,
        effective_from: NaiveDate,
        meta: &RequestMeta,
    ) -> Result<Edition, AppError> {
        let body = user.body()?.clone();
        let now = self.now();
        let mut tx = self.store().begin_write().await?;
        let editions = policy::list_editions(tx.conn(), body.id).await?;
        let mut edition = editions
            .iter()
            .find(|e| e.number == number)
            .cloned()
            .ok_or_else(|| AppError::NotFound(format!("{number}")))?;
        let expected = edition.status;
        edition.enforce(effective_from)?;
        let (before_rules, _) = crate::assets::rules_of(tx.conn(), body.id).await?;
        for previous in editions
            .iter()
            .filter(|e| e.status == EditionStatus::InForce)
        {
            let mut previous = previous.clone();
            previous.supersede()?;
            policy::update_edition(tx.conn(), &previous, EditionStatus::InForce, now).await?;
            let entry = AuditEntry::new(
                user.actor(),
                "policy.supersede",
                "policy_edition",
                previous.id,
            )
            .body(body.id)
            .before(&json!({"status": "in_force"}))
            .after(&json!({"status": previous.status.key(), "by": number.get()}))
            .request(meta.request_id.clone());
            audit::append(&mut tx, now, entry).await?;
        }
        policy::update_edition(tx.conn(), &edition, expected, now).await?;
        let entry = AuditEntry::new(user.actor(), "policy.enforce", "policy_edition", edition.id)
            .body(body.id)
            .before(&json!({"status": expected.key()}))
            .after(&json!({"status": edition.status.key(), "effective_from": effective_from.to_string()}))
            .request(meta.request_id.clone());
        audit::append(&mut tx, now, entry).await?;
        // A new classification scheme: the register's class filter follows it.
        let scheme = ClassificationScheme::from_toml(&edition.profile.classification_scheme)?;
        if scheme != *before_rules.scheme {
            crate::assets::reindex_levels(&mut tx, body.id, &scheme, user.actor(), meta, now)
                .await?;
        }
        tx.commit().await?;
        Ok(edition)
    }

    /// 施行中 → 廃止.
    pub async fn abolish_policy_edition(
        &self,
        user: &CurrentUser,
        _may: &PolicyEditor,
        number: EditionNumber,
        meta: &RequestMeta,
    ) -> Result<Edition, AppError> {
        self.transition(user, number, "policy.abolish", meta, Edition::abolish)
            .await
    }

    /// 周知: publishes the edition in force to staff, who can then acknowledge it.
    pub async fn publish_policy_edition(
        &self,
        user: &CurrentUser,
        _may: &PolicyEditor,
        number: EditionNumber,
        meta: &RequestMeta,
    ) -> Result<(), AppError> {
        let body = user.body()?.clone();
        let now = self.now();
        let mut tx = self.store().begin_write().await?;
        let edition = policy::find_edition(tx.conn(), body.id, number)
            .await?
            .ok_or_else(|| AppError::NotFound(format!("{number}")))?;
        if edition.status != EditionStatus::InForce {
            return Err(DomainError::new(
                "状態",
                format!(
                    "周知できるのは施行中の版だけです（{}は{}）",
                    number,
                    edition.status.label()
                ),
            )
            .into());
        }
        if policy::published_at(tx.conn(), edition.id).await?.is_some() {
            return Err(AppError::Conflict(format!("{number}は周知済みです")));
        }
        policy::publish(tx.conn(), edition.id, user.account.login.as_str(), now).await?;
        let entry = AuditEntry::new(user.actor(), "policy.publish", "policy_edition", edition.id)
            .body(body.id)
            .after(&json!({"number": number.get()}))
            .request(meta.request_id.clone());
        audit::append(&mut tx, now, entry).await?;
        tx.commit().await?;
        Ok(())
    }

    /// A person confirms having read a published edition.
    pub async fn acknowledge_policy_edition(
        &self,
        user: &CurrentUser,
        number: EditionNumber,
        meta: &RequestMeta,
    ) -> Result<(), AppError> {
        let body = user.body()?.clone();
        let person = user
            .account
            .person_id
            .ok_or_else(|| AppError::Forbidden("確認は職員のアカウントで行います".to_owned()))?;
        let now = self.now();
        let mut tx = self.store().begin_write().await?;
        let edition = policy::find_edition(tx.conn(), body.id, number)
            .await?
            .ok_or_else(|| AppError::NotFound(format!("{number}")))?;
        if policy::published_at(tx.conn(), edition.id).await?.is_none() {
            return Err(
                DomainError::new("状態", format!("{number}はまだ周知されていません")).into(),
            );
        }
        if policy::acknowledged_at(tx.conn(), edition.id, person)
            .await?
            .is_some()
        {
            return Err(AppError::Conflict(format!("{number}は確認済みです")));
        }
        policy::acknowledge(tx.conn(), edition.id, person, now).await?;
        let entry = AuditEntry::new(
            user.actor(),
            "policy.acknowledge",
            "policy_edition",
            edition.id,
        )
        .body(body.id)
        .after(&json!({"number": number.get(), "person": person}))
        .request(meta.request_id.clone());
        audit::append(&mut tx, now, entry).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Per unit, who has acknowledged the edition. Editors see the whole body.
    pub async fn policy_acknowledgements(
        &self,
        user: &CurrentUser,
        _may: &PolicyEditor,
        number: EditionNumber,
    ) -> Result<Vec<UnitRollup>, AppError> {
        let body = user.body()?;
        let mut conn = self.store().conn().await?;
        let edition = policy::find_edition(&mut conn, body.id, number)
            .await?
            .ok_or_else(|| AppError::NotFound(format!("{number}")))?;
        let rows = policy::acknowledgement_rollup(&mut conn, body.id, edition.id).await?;
        let mut out = Vec::new();
        for r in &rows {
            let missing = if r.staff > r.acknowledged {
                policy::not_acknowledged(&mut conn, &r.unit_id, edition.id).await?
            } else {
                Vec::new()
            };
            // A 部局's figures include its 課室 (and their 係): the roll-up a 部長 answers for.
            let (staff, acknowledged) = rows
                .iter()
                .filter(|u| u.unit_id == r.unit_id || is_under(&rows, &u.unit_id, &r.unit_id))
                .fold((0, 0), |(s, a), u| (s + u.staff, a + u.acknowledged));
            out.push(UnitRollup {
                unit_name: r.unit_name.clone(),
                is_department: r.kind == "department",
                staff,
                acknowledged,
                missing,
            });
        }
        Ok(out)
    }

    /// Loads an edition, applies `change`, saves it guarded by the status it was read with, and
    /// records before and after.
    async fn transition(
        &self,
        user: &CurrentUser,
        number: EditionNumber,
        action: &str,
        meta: &RequestMeta,
        change: impl FnOnce(&mut Edition) -> Result<(), DomainError>,
    ) -> Result<Edition, AppError> {
        self.transition_noted(user, number, action, None, meta, change)
            .await
    }

    /// [`Self::transition`] with `note` (an object) merged into the audit record's after-view.
    async fn transition_noted(
        &self,
        user: &CurrentUser,
        number: EditionNumber,
        action: &str,
        note: Option<serde_json::Value>,
        meta: &RequestMeta,
        change: impl FnOnce(&mut Edition) -> Result<(), DomainError>,
    ) -> Result<Edition, AppError> {
        let body = user.body()?.clone();
        let now = self.now();
        let mut tx = self.store().begin_write().await?;
        let mut edition = policy::find_edition(tx.conn(), body.id, number)
            .await?
            .ok_or_else(|| AppError::NotFound(format!("{number}")))?;
        let before = edition.clone();
        change(&mut edition)?;
        policy::update_edition(tx.conn(), &edition, before.status, now).await?;
        let (before_view, mut after_view) = audit_views(&before, &edition);
        if let (Some(serde_json::Value::Object(note)), serde_json::Value::Object(view)) =
            (note, &mut after_view)
        {
            view.extend(note);
        }
        let entry = AuditEntry::new(user.actor(), action, "policy_edition", edition.id)
            .body(body.id)
            .before(&before_view)
            .after(&after_view)
            .request(meta.request_id.clone());
        audit::append(&mut tx, now, entry).await?;
        tx.commit().await?;
        Ok(edition)
    }
}

/// Whether `unit` lies below `ancestor` in the unit tree.
fn is_under(rows: &[policy::UnitAcknowledgement], unit: &str, ancestor: &str) -> bool {
    let mut current = rows.iter().find(|u| u.unit_id == unit);
    // The tree is shallow (部局 → 課室 → 係); the bound guards against a cycle in bad data.
    for _ in 0..16 {
        match current.and_then(|u| u.parent_id.as_deref()) {
            Some(parent) if parent == ancestor => return true,
            Some(parent) => current = rows.iter().find(|u| u.unit_id == parent),
            None => return false,
        }
    }
    false
}

/// One unit's acknowledgement state.
#[derive(Debug, Clone)]
pub struct UnitRollup {
    pub unit_name: String,
    pub is_department: bool,
    /// Serving staff of the unit and every unit below it.
    pub staff: i64,
    pub acknowledged: i64,
    /// Name and 職名 of those who have not acknowledged.
    pub missing: Vec<(String, String)>,
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
            user.policy_editor().is_ok() || user.role_keys().contains(&e.profile.deciding_role)
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

/// One side of a comparison.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DiffSide {
    /// The guideline's 例文 as published, every clause included.
    Guideline,
    Edition(EditionNumber),
}

impl DiffSide {
    /// 「guideline」 / 「ガイドライン」 or an edition number.
    pub fn parse(raw: &str) -> Result<Self, DomainError> {
        match raw.trim() {
            "guideline" | "ガイドライン" => Ok(Self::Guideline),
            other => EditionNumber::parse(other).map(Self::Edition),
        }
    }

    pub fn label(self) -> String {
        match self {
            Self::Guideline => "ガイドライン".to_owned(),
            Self::Edition(n) => n.to_string(),
        }
    }
}

/// The clauses of a policy in document order, as the diff compares them: each guideline clause
/// the profile includes, with its wording, and the body's own clauses after the clause they
/// follow (or at the end).
pub fn resolve_clauses(
    profile: &Profile,
    catalog: &Catalog,
) -> Vec<mamori_domain::diff::DiffClause> {
    use mamori_domain::diff::DiffClause;
    let local = |c: &LocalClause| DiffClause {
        key: c.key.clone(),
        label: format!("{} {}（独自）", c.number, c.title),
        text: c.text.clone(),
    };
    let mut out = Vec::new();
    for clause in &catalog.clauses {
        let id = clause.id.as_str();
        if profile.includes(id, clause.recommended) {
            out.push(DiffClause {
                key: id.to_owned(),
                label: format!("{id} {}", clause.title),
                text: profile.amendments.get(id).map_or_else(
                    || profile.guideline_text(id, &clause.model_text),
                    |a| a.text.clone(),
                ),
            });
        }
        out.extend(
            profile
                .local_clauses
                .iter()
                .filter(|c| c.after.as_deref() == Some(id))
                .map(local),
        );
    }
    out.extend(
        profile
            .local_clauses
            .iter()
            .filter(|c| {
                c.after
                    .as_deref()
                    .is_none_or(|a| catalog.clause(a).is_none())
            })
            .map(local),
    );
    out
}

/// The guideline itself as a list of clauses.
pub fn guideline_clauses(catalog: &Catalog) -> Vec<mamori_domain::diff::DiffClause> {
    catalog
        .clauses
        .iter()
        .map(|c| mamori_domain::diff::DiffClause {
            key: c.id.to_string(),
            label: format!("{} {}", c.id, c.title),
            text: c.model_text.clone(),
        })
        .collect()
}

impl App {
    /// Compares two editions of a body, or an edition with the guideline. `include_drafts`
    /// is for editors and the console; staff compare decided editions only.
    pub async fn policy_diff(
        &self,
        body: mamori_domain::ids::BodyId,
        from: DiffSide,
        to: DiffSide,
        include_drafts: bool,
    ) -> Result<mamori_domain::diff::ClauseDiff, AppError> {
        let catalog = guideline()?;
        let mut conn = self.store().conn().await?;
        let mut side =
            async |s: DiffSide| -> Result<Vec<mamori_domain::diff::DiffClause>, AppError> {
                match s {
                    DiffSide::Guideline => Ok(guideline_clauses(catalog)),
                    DiffSide::Edition(n) => {
                        let e = policy::find_edition(&mut conn, body, n)
                            .await?
                            .filter(|e| {
                                include_drafts
                                    || !matches!(
                                        e.status,
                                        EditionStatus::Draft | EditionStatus::UnderReview
                                    )
                            })
                            .ok_or_else(|| AppError::NotFound(format!("{n}")))?;
                        Ok(resolve_clauses(&e.profile, catalog))
                    }
                }
            };
        let old = side(from).await?;
        let new = side(to).await?;
        Ok(mamori_domain::diff::clause_diff(&old, &new)?)
    }

    /// The bodies in the installation, for commands that take `--body`.
    pub async fn bodies(&self) -> Result<Vec<mamori_domain::org::Body>, AppError> {
        let mut conn = self.store().conn().await?;
        Ok(org::list_bodies(&mut conn).await?)
    }
}

impl App {
    /// The edition to publish and the body's 改定履歴. `number` `None` means the edition in
    /// force (or, when none is, the newest). Drafts only with `include_drafts`.
    pub async fn policy_for_publication(
        &self,
        body: mamori_domain::ids::BodyId,
        number: Option<EditionNumber>,
        include_drafts: bool,
    ) -> Result<(Edition, Vec<HistoryLine>), AppError> {
        let mut conn = self.store().conn().await?;
        let editions = policy::list_editions(&mut conn, body).await?;
        let chosen = match number {
            Some(n) => editions.iter().find(|e| e.number == n),
            None => editions
                .iter()
                .find(|e| e.status == EditionStatus::InForce)
                .or_else(|| editions.first()),
        }
        .filter(|e| {
            include_drafts || !matches!(e.status, EditionStatus::Draft | EditionStatus::UnderReview)
        })
        .cloned()
        .ok_or_else(|| {
            AppError::NotFound(number.map_or_else(|| "公開できる版".to_owned(), |n| n.to_string()))
        })?;
        Ok((chosen, revision_history(&editions)))
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
            .find(|e| {
                matches!(
                    e.status,
                    EditionStatus::Draft | EditionStatus::UnderReview | EditionStatus::Decided
                )
            })
            .map(|e| (e.number, e.status));
        Ok(PolicySummary {
            in_force,
            in_progress,
        })
    }
}
