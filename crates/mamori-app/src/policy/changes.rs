//! The changes a draft's profile takes (採用・修正・削除・独自規定, roles, parameters, the scheme,
//! the 権限・責任等一覧表, 兼務の禁止, 申請の種類), each checked before it is applied, and the
//! handling tables of the scheme.

use super::*;

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
    /// The role that decides (決裁) an edition: the 長, the CISO … of the body's role set.
    SetDecidingRole {
        key: String,
    },
    /// The role whose 委員会 deliberates an edition before its 決裁 (`Some`), or none (`None`).
    SetDeliberatingRole {
        key: Option<String>,
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
    /// The body's own rules for incidents as TOML (empty: the guideline's).
    SetIncidentRules {
        toml: String,
    },
    /// A person reviews the guideline links of a provision of the body's own document.
    Link {
        provision: String,
        op: LinkOp,
    },
    /// A person decides on a guideline clause the body's own document does not implement.
    Gap {
        clause: String,
        op: GapOp,
    },
}

/// What a person decides about a clause of the worklist.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GapOp {
    /// 追加する: a provision with this number and text after the provision keyed `after` (or at
    /// the end).
    Add {
        after: Option<String>,
        number: String,
        text: String,
    },
    /// 別に定める, and where.
    Elsewhere(String),
    /// 採用しない, and why.
    NotAdopted(String),
    /// Back on the worklist.
    Reopen,
}

/// What a person does with a provision's links.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LinkOp {
    /// The analysis's links are right.
    Confirm,
    /// The provision implements this clause too.
    Add(String),
    /// It does not implement this clause.
    Remove(String),
    /// It is the body's own (`true`), or no longer (`false`).
    Local(bool),
}

impl ProfileChange {
    pub(super) fn action(&self) -> &'static str {
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
            Self::SetDecidingRole { .. } => "policy.set_deciding_role",
            Self::SetDeliberatingRole { .. } => "policy.set_deliberating_role",
            Self::SetBodyTerm { .. } => "policy.set_body_term",
            Self::SetAuthorityRow { .. } => "policy.set_authority_row",
            Self::ResetAuthorityRow { .. } => "policy.reset_authority_row",
            Self::SetSeparationException { .. } => "policy.set_separation_exception",
            Self::SetApprovalKinds { .. } => "policy.set_approval_kinds",
            Self::SetIncidentRules { .. } => "policy.set_incident_rules",
            Self::Link { .. } => "policy.review_link",
            Self::Gap { .. } => "policy.decide_gap",
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
            Self::Link { provision, op } => {
                let doc = p.document.as_mut().ok_or_else(|| {
                    DomainError::new(
                        mamori_domain::policy::document::field::DOCUMENT,
                        "この版は本市の文書の構成ではありません",
                    )
                })?;
                match op {
                    LinkOp::Confirm => doc.confirm(provision)?,
                    LinkOp::Add(clause) => {
                        doc.link(provision, clause.trim(), &CatalogLookup(catalog))?
                    }
                    LinkOp::Remove(clause) => doc.unlink(provision, clause)?,
                    LinkOp::Local(local) => doc.set_local(provision, *local)?,
                }
            }
            Self::Gap { clause, op } => {
                use mamori_domain::policy::document::GapDecision;
                let doc = p.document.as_mut().ok_or_else(|| {
                    DomainError::new(
                        mamori_domain::policy::document::field::DOCUMENT,
                        "この版は本市の文書の構成ではありません",
                    )
                })?;
                let lookup = CatalogLookup(catalog);
                match op {
                    GapOp::Add {
                        after,
                        number,
                        text,
                    } => doc
                        .add_for(clause, after.as_deref(), number, text, &lookup)
                        .map(drop)?,
                    GapOp::Elsewhere(place) => doc.decide(
                        clause,
                        GapDecision::Elsewhere {
                            place: place.clone(),
                        },
                        &lookup,
                    )?,
                    GapOp::NotAdopted(reason) => doc.decide(
                        clause,
                        GapDecision::NotAdopted {
                            reason: reason.clone(),
                        },
                        &lookup,
                    )?,
                    GapOp::Reopen => doc.reopen(clause)?,
                }
            }
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
            Self::SetDecidingRole { key } => {
                if !p.roles.iter().any(|r| &r.key == key) {
                    return Err(DomainError::new(
                        "決裁する役割",
                        format!("役割「{key}」はこのポリシーの役割にありません"),
                    ));
                }
                p.deciding_role = key.clone();
            }
            Self::SetDeliberatingRole { key } => {
                if let Some(key) = key
                    && !p.roles.iter().any(|r| &r.key == key)
                {
                    return Err(DomainError::new(
                        mamori_domain::policy::field::DELIBERATING_ROLE,
                        format!("役割「{key}」はこのポリシーの役割にありません"),
                    ));
                }
                p.deliberating_role = key.clone();
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
            Self::SetIncidentRules { toml } => {
                let toml = toml.trim();
                if !toml.is_empty() {
                    let roles = &p.roles;
                    mamori_domain::incident::IncidentRules::parse(toml, &|key| {
                        roles.is_empty() || roles.iter().any(|r| r.key == key)
                    })?;
                }
                toml.clone_into(&mut p.incident_rules);
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
