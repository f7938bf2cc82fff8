//! The body's own policy: numbered editions (第N版) and the profile each edition fixes.
//!
//! A body does not adopt the guideline verbatim. Its profile says which 推奨事項 it adopts, which
//! clauses it words differently or deletes (with a reason), which clauses it adds, what it calls
//! each role and which post holds it, its periods and thresholds, and its classification scheme.
//! An edition moves 下書き → 審議中 → 決裁済 → 施行中 → 改定済/廃止; only a draft can change, so an
//! edition in force is what it was when it was decided. Checking clause ids against the guideline
//! catalog is the caller's part, through [`ClauseLookup`], because this crate does not know the
//! catalog.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::DomainError;
use crate::authority::RoleMarkEntry;
use crate::committee::{self, Deliberation};
use crate::ids::{BodyId, EditionId, PersonId};
use crate::separation::{SodPolicy, SodRule};
use crate::wareki::format_gregorian_as_wareki;

/// 第N版: the number of an edition, from 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct EditionNumber(u32);

impl EditionNumber {
    pub const FIELD: &'static str = "版";

    pub fn new(n: u32) -> Result<Self, DomainError> {
        if n == 0 {
            return Err(DomainError::new(
                Self::FIELD,
                "1以上の番号を指定してください",
            ));
        }
        Ok(Self(n))
    }

    /// Parses 「3」, 「第3版」, 「第３版」.
    pub fn parse(raw: &str) -> Result<Self, DomainError> {
        use unicode_normalization::UnicodeNormalization;
        let s: String = raw.nfkc().collect::<String>();
        let digits = s
            .trim()
            .trim_start_matches('第')
            .trim_end_matches('版')
            .trim();
        let n: u32 = digits.parse().map_err(|_| {
            DomainError::new(
                Self::FIELD,
                format!("「{raw}」は版の番号として読めません（例: 3 または 第3版）"),
            )
        })?;
        Self::new(n)
    }

    pub fn get(self) -> u32 {
        self.0
    }

    pub fn next(self) -> Self {
        Self(self.0.saturating_add(1))
    }
}

impl fmt::Display for EditionNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "第{}版", self.0)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EditionStatus {
    /// 下書き: the only state in which the profile may change.
    Draft,
    /// 審議中: submitted for 決裁.
    UnderReview,
    /// 決裁済: decided by the holder of the deciding role, not yet in force.
    Decided,
    /// 施行中
    InForce,
    /// 改定済: replaced by a later edition.
    Superseded,
    /// 廃止
    Abolished,
}

impl EditionStatus {
    pub const ALL: [Self; 6] = [
        Self::Draft,
        Self::UnderReview,
        Self::Decided,
        Self::InForce,
        Self::Superseded,
        Self::Abolished,
    ];

    pub fn key(self) -> &'static str {
        match self {
            Self::Draft => "draft",
            Self::UnderReview => "under_review",
            Self::Decided => "decided",
            Self::InForce => "in_force",
            Self::Superseded => "superseded",
            Self::Abolished => "abolished",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Draft => "下書き",
            Self::UnderReview => "審議中",
            Self::Decided => "決裁済",
            Self::InForce => "施行中",
            Self::Superseded => "改定済",
            Self::Abolished => "廃止",
        }
    }

    pub fn parse(key: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.key() == key)
    }
}

/// What kind of revision an edition is, as the 改定履歴 names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RevisionKind {
    /// 制定
    Enactment,
    /// 一部改正
    PartialAmendment,
    /// 全部改正
    FullAmendment,
}

impl RevisionKind {
    pub fn key(self) -> &'static str {
        match self {
            Self::Enactment => "enactment",
            Self::PartialAmendment => "partial_amendment",
            Self::FullAmendment => "full_amendment",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Enactment => "制定",
            Self::PartialAmendment => "一部改正",
            Self::FullAmendment => "全部改正",
        }
    }

    pub fn parse(key: &str) -> Option<Self> {
        [Self::Enactment, Self::PartialAmendment, Self::FullAmendment]
            .into_iter()
            .find(|k| k.key() == key)
    }
}

/// The word the guideline's 例文 uses for the body.
pub const GUIDELINE_BODY_TERM: &str = "本市";

/// A clause worded differently from the guideline's 例文.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Amendment {
    pub text: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// A clause the body adds, numbered by the body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LocalClause {
    /// Stable key, unique in the profile, e.g. `local-1`.
    pub key: String,
    /// The body's own number, e.g. 「6.7」.
    pub number: String,
    pub title: String,
    pub text: String,
    /// The guideline clause after which it stands, for ordering; `None` = at the end.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub after: Option<String>,
}

/// What the body calls a role and which post holds it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoleSetting {
    pub key: String,
    pub name: String,
    /// 充て職: e.g. 「副市長」 for the CISO.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub post: Option<String>,
}

/// A period or threshold of the policy: log retention, unused-account days …
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Parameter {
    pub key: String,
    pub label: String,
    pub value: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
}

/// 行政機関の範囲: the organs the policy applies to (内部部局, 行政委員会, 議会事務局 …), which the
/// guideline's 基本方針 lists in one clause.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrganScope {
    /// The guideline clause whose 例文 lists the organs.
    pub clause: String,
    /// The organs as the 例文 lists them: this enumeration in the clause's text is what the
    /// body's list replaces.
    pub guideline: Vec<String>,
    /// The organs the body's policy applies to, in the order the policy lists them.
    pub organs: Vec<String>,
}

impl OrganScope {
    /// The longest name of one organ, in characters.
    pub const MAX_NAME: usize = 40;

    /// The guideline clause's text with the body's organs in place of the 例文's. A text that does
    /// not list the 例文's organs (the body amended the clause) is returned as it is.
    pub fn apply(&self, text: &str) -> String {
        let from = enumerate(&self.guideline);
        if self.organs == self.guideline || from.is_empty() {
            return text.to_owned();
        }
        text.replacen(&from, &enumerate(&self.organs), 1)
    }
}

/// Items as a Japanese enumeration in 例規 style: 「Ａ」, 「Ａ及びＢ」, 「Ａ、Ｂ及びＣ」.
pub fn enumerate(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{}及び{last}", init.join("、")),
    }
}

/// How the document numbers the guideline clauses a body deleted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeletedNumbering {
    /// The number stays with 「（削除）」 as its text, the 例規 habit: later numbers never move,
    /// so references to them stay right.
    #[default]
    KeepAsDeleted,
    /// The remaining clauses move up: ① ② ③ without gaps.
    Renumber,
}

impl DeletedNumbering {
    pub const ALL: [Self; 2] = [Self::KeepAsDeleted, Self::Renumber];

    pub fn key(self) -> &'static str {
        match self {
            Self::KeepAsDeleted => "keep_as_deleted",
            Self::Renumber => "renumber",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::KeepAsDeleted => "番号を残して「（削除）」と表示する（例規の慣例）",
            Self::Renumber => "後の番号を繰り上げる",
        }
    }

    pub fn parse(key: &str) -> Result<Self, DomainError> {
        Self::ALL
            .into_iter()
            .find(|n| n.key() == key)
            .ok_or_else(|| {
                DomainError::new(
                    field::DELETED_NUMBERING,
                    format!("「{key}」という番号の付け方はありません"),
                )
            })
    }
}

/// The policy as data, as fixed by one edition.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Profile {
    /// The guideline edition the policy is based on, e.g. `2018-09`.
    pub guideline_edition: String,
    /// The body's name in documents (「みほん市」); the 例文's 「本市」 stays as the body's term.
    pub body_name: String,
    /// The word the policy uses for the body itself: 「本市」, 「本町」, 「本県」 …
    pub body_term: String,
    /// 推奨事項 the body adopts: binding once adopted.
    pub adopted_recommended: BTreeSet<String>,
    pub amendments: BTreeMap<String, Amendment>,
    /// Deleted clauses with the recorded reason.
    pub deletions: BTreeMap<String, String>,
    pub local_clauses: Vec<LocalClause>,
    pub roles: Vec<RoleSetting>,
    /// The role whose holder decides (決裁) an edition: the CISO unless the body says otherwise.
    pub deciding_role: String,
    /// The role whose holders form the 委員会 that deliberates an edition before it is decided
    /// (`committee` in the guideline's role set); `None`: no deliberation is required.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deliberating_role: Option<String>,
    pub parameters: Vec<Parameter>,
    /// The classification scheme, as the TOML the classification module reads.
    pub classification_scheme: String,
    /// The body's changes to the guideline's 権限・責任等一覧表: per clause, the row of marks that
    /// replaces the guideline's (an empty row removes it).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub authority_overrides: BTreeMap<String, Vec<RoleMarkEntry>>,
    /// Exceptions the body allows to 兼務の禁止.
    #[serde(default)]
    pub separation: SodPolicy,
    /// 行政機関の範囲. `None` in profiles from before it was kept: the 例文's list stands.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organ_scope: Option<OrganScope>,
    /// How the document numbers deleted guideline clauses.
    #[serde(default)]
    pub deleted_numbering: DeletedNumbering,
    /// The body's own 申請の種類 (routes with 合議, 専決, forms of its own), TOML in the format of
    /// the shipped kinds: a kind replaces the default with the same key, a new key is added.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub approval_kinds: String,
    /// The body's rules for 情報セキュリティインシデント as TOML in the format of
    /// `data/incident-rules.toml` (handlers, categories, severities, the reporting chain, actions,
    /// reports outside with their deadlines); empty: the guideline's defaults.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub incident_rules: String,
    /// The body's own document, when the edition is in the body's structure (an imported
    /// policy): its provisions are the policy, linked to the guideline's clauses. `None`: the
    /// edition is the guideline's 例文 with the changes above.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub document: Option<document::OwnDocument>,
}

/// Answers about the guideline catalog, which the caller has and this crate does not.
pub trait ClauseLookup {
    fn exists(&self, clause_id: &str) -> bool;
    fn is_recommended(&self, clause_id: &str) -> bool;
    /// Whether `role` is a column of the 権限・責任等一覧表 that no one is appointed to (職員等,
    /// 外部委託事業者 …): a row may mark it although it is not a role of the body.
    fn is_unassigned_column(&self, _role: &str) -> bool {
        false
    }
}

pub mod document;

/// Field names as the profile screens label them.
pub mod field {
    pub const ADOPTED: &str = "採用する推奨事項";
    pub const AMENDMENT: &str = "条項の文言";
    pub const DELETION: &str = "削除の理由";
    pub const LOCAL: &str = "独自の条項";
    pub const ROLES: &str = "役割";
    pub const DECIDING_ROLE: &str = "決裁する役割";
    pub const DELIBERATING_ROLE: &str = "決裁の前に審議する委員会";
    pub const PARAMETERS: &str = "期間・基準値";
    pub const STATUS: &str = "状態";
    pub const SCHEME: &str = "分類体系（TOML）";
    pub const ORGANS: &str = "行政機関の範囲";
    pub const DELETED_NUMBERING: &str = "削除した条項の番号";
    pub const SEND_BACK_COMMENT: &str = "差戻しの理由";
    pub const CLAUSE: &str = "条項";
    pub const AUTHORITY: &str = "権限・責任等一覧表の調整";
    pub const APPROVAL_KINDS: &str = "申請の種類（TOML）";
    pub const INCIDENT_RULES: &str = crate::incident::rules::FIELD;

    /// The case in which the profile allows an exception to a rule of 兼務の禁止:
    /// 「例外を認める場合（S-1.(8)①）」.
    pub fn separation(rule: crate::separation::SodRule) -> String {
        format!("例外を認める場合（{}）", rule.clause())
    }
}

impl Profile {
    /// Every problem of the profile, each naming its field; empty when it is sound.
    pub fn problems(&self, catalog: &dyn ClauseLookup) -> Vec<DomainError> {
        let mut out = Vec::new();
        for id in &self.adopted_recommended {
            if !catalog.exists(id) {
                out.push(DomainError::new(
                    field::ADOPTED,
                    format!("条項「{id}」はガイドラインにありません"),
                ));
            } else if !catalog.is_recommended(id) {
                out.push(DomainError::new(
                    field::ADOPTED,
                    format!("条項「{id}」は推奨事項ではありません（推奨事項だけを採用・不採用にできます）"),
                ));
            }
        }
        for (id, a) in &self.amendments {
            if !catalog.exists(id) {
                out.push(DomainError::new(
                    field::AMENDMENT,
                    format!("条項「{id}」はガイドラインにありません"),
                ));
            }
            if a.text.trim().is_empty() {
                out.push(DomainError::new(
                    field::AMENDMENT,
                    format!(
                        "条項「{id}」の文言が空です。削除する場合は削除として理由を記録してください"
                    ),
                ));
            }
            if self.deletions.contains_key(id) {
                out.push(DomainError::new(
                    field::AMENDMENT,
                    format!("条項「{id}」は削除されています。文言の変更と削除は同時にできません"),
                ));
            }
        }
        for (id, reason) in &self.deletions {
            if !catalog.exists(id) {
                out.push(DomainError::new(
                    field::DELETION,
                    format!("条項「{id}」はガイドラインにありません"),
                ));
            }
            if reason.trim().is_empty() {
                out.push(DomainError::new(
                    field::DELETION,
                    format!("条項「{id}」を削除する理由を入力してください"),
                ));
            }
        }
        let mut keys = BTreeSet::new();
        for c in &self.local_clauses {
            if !keys.insert(c.key.as_str()) {
                out.push(DomainError::new(
                    field::LOCAL,
                    format!("独自の条項のキー「{}」が重複しています", c.key),
                ));
            }
            if c.title.trim().is_empty() || c.text.trim().is_empty() {
                out.push(DomainError::new(
                    field::LOCAL,
                    format!("独自の条項「{}」の見出しと本文を入力してください", c.number),
                ));
            }
            if let Some(after) = &c.after
                && !catalog.exists(after)
            {
                out.push(DomainError::new(
                    field::LOCAL,
                    format!(
                        "独自の条項「{}」の位置に指定した条項「{after}」はガイドラインにありません",
                        c.number
                    ),
                ));
            }
        }
        let mut role_keys = BTreeSet::new();
        for r in &self.roles {
            if !role_keys.insert(r.key.as_str()) {
                out.push(DomainError::new(
                    field::ROLES,
                    format!("役割「{}」が重複しています", r.key),
                ));
            }
            if r.name.trim().is_empty() {
                out.push(DomainError::new(
                    field::ROLES,
                    format!("役割「{}」の名称を入力してください", r.key),
                ));
            }
        }
        if !role_keys.contains(self.deciding_role.as_str()) {
            out.push(DomainError::new(
                field::DECIDING_ROLE,
                format!(
                    "決裁する役割「{}」が役割の一覧にありません",
                    self.deciding_role
                ),
            ));
        }
        if let Some(role) = &self.deliberating_role
            && !role_keys.contains(role.as_str())
        {
            out.push(DomainError::new(
                field::DELIBERATING_ROLE,
                format!("審議する委員会の役割「{role}」が役割の一覧にありません"),
            ));
        }
        if let Some(scope) = &self.organ_scope {
            out.extend(scope_problems(scope, catalog));
        }
        for (clause, marks) in &self.authority_overrides {
            out.extend(self.authority_row_problems(clause, marks, catalog));
        }
        for (rule, case) in &self.separation.exceptions {
            out.extend(separation_case_problem(*rule, case));
        }
        let mut param_keys = BTreeSet::new();
        for p in &self.parameters {
            if !param_keys.insert(p.key.as_str()) {
                out.push(DomainError::new(
                    field::PARAMETERS,
                    format!("「{}」が重複しています", p.label),
                ));
            }
        }
        if let Some(document) = &self.document {
            out.extend(document.problems(catalog));
        }
        out
    }

    /// A guideline text in the body's words: the 例文's 「本市」 becomes the body's term
    /// (「本町」, 「本県」 …).
    pub fn localize(&self, model_text: &str) -> String {
        if self.body_term == GUIDELINE_BODY_TERM {
            model_text.to_owned()
        } else {
            model_text.replace(GUIDELINE_BODY_TERM, &self.body_term)
        }
    }

    /// The text of a guideline clause the body has not amended, as its policy reads: in the
    /// body's words, and for the clause listing the organs, with the body's 行政機関の範囲.
    pub fn guideline_text(&self, clause_id: &str, model_text: &str) -> String {
        let text = self.localize(model_text);
        match &self.organ_scope {
            Some(scope) if scope.clause == clause_id => scope.apply(&text),
            _ => text,
        }
    }

    /// A 例文 in the body's terms: its word for itself (「本町」), its names for the guideline's
    /// roles (`guideline_roles`: key and the guideline's name), and its scheme's words for the
    /// guideline's levels (`level_terms`, 「機密性２以上」 → 「重要性分類Ⅱ以上」).
    pub fn in_body_terms(
        &self,
        model_text: &str,
        guideline_roles: &[(String, String)],
        level_terms: &BTreeMap<String, String>,
    ) -> String {
        let mut pairs: Vec<(&str, &str)> = Vec::new();
        if self.body_term != GUIDELINE_BODY_TERM {
            pairs.push((GUIDELINE_BODY_TERM, self.body_term.as_str()));
        }
        for (key, guideline_name) in guideline_roles {
            if let Some(r) = self.roles.iter().find(|r| &r.key == key)
                && r.name != *guideline_name
            {
                pairs.push((guideline_name.as_str(), r.name.as_str()));
            }
        }
        for (from, to) in level_terms {
            pairs.push((from.as_str(), to.as_str()));
        }
        crate::text::replace_longest(model_text, &pairs)
    }

    /// The body's name for a role, falling back to the key.
    pub fn role_name(&self, key: &str) -> String {
        self.roles
            .iter()
            .find(|r| r.key == key)
            .map_or_else(|| key.to_owned(), |r| r.name.clone())
    }

    /// Whether a guideline clause is part of this policy: not deleted, and if it is a
    /// 推奨事項, adopted.
    pub fn includes(&self, clause_id: &str, recommended: bool) -> bool {
        !self.deletions.contains_key(clause_id)
            && (!recommended || self.adopted_recommended.contains(clause_id))
    }

    /// What is wrong with a row of the body's 権限・責任等一覧表, each naming its field: the
    /// clause must be the guideline's, and each role a role of the profile or a column nobody is
    /// appointed to, once.
    pub fn authority_row_problems(
        &self,
        clause: &str,
        marks: &[RoleMarkEntry],
        catalog: &dyn ClauseLookup,
    ) -> Vec<DomainError> {
        let mut out = Vec::new();
        if clause.trim().is_empty() {
            out.push(DomainError::new(
                field::CLAUSE,
                "調整する条項の番号を入力してください（例: S-2.(2)⑧(イ)）",
            ));
        } else if !catalog.exists(clause) {
            out.push(DomainError::new(
                field::CLAUSE,
                format!("条項「{clause}」はガイドラインにありません"),
            ));
        }
        let mut seen = BTreeSet::new();
        for m in marks {
            if !self.roles.iter().any(|r| r.key == m.role) && !catalog.is_unassigned_column(&m.role)
            {
                out.push(DomainError::new(
                    field::AUTHORITY,
                    format!(
                        "役割「{}」はこの団体の役割にも一覧表の列にもありません",
                        m.role
                    ),
                ));
            } else if !seen.insert(m.role.as_str()) {
                out.push(DomainError::new(
                    field::AUTHORITY,
                    format!("{}の印が一つの行に二つあります", self.role_name(&m.role)),
                ));
            }
        }
        out
    }

    /// Replaces the guideline's row of the 権限・責任等一覧表 for `clause` with `marks`. An empty
    /// row is kept: the clause then has no marks, and nobody permits or approves it.
    pub fn set_authority_row(
        &mut self,
        clause: &str,
        marks: Vec<RoleMarkEntry>,
        catalog: &dyn ClauseLookup,
    ) -> Result<(), DomainError> {
        let clause = clause.trim();
        if let Some(first) = self
            .authority_row_problems(clause, &marks, catalog)
            .into_iter()
            .next()
        {
            return Err(first);
        }
        self.authority_overrides.insert(clause.to_owned(), marks);
        Ok(())
    }

    /// Back to the guideline's row for `clause`.
    pub fn reset_authority_row(&mut self, clause: &str) {
        self.authority_overrides.remove(clause.trim());
    }

    /// Allows an exception to `rule` in `case`, or with `None` allows none.
    pub fn set_separation_exception(
        &mut self,
        rule: SodRule,
        case: Option<&str>,
    ) -> Result<(), DomainError> {
        match case {
            Some(case) => {
                let case = case.trim();
                if let Some(problem) = separation_case_problem(rule, case) {
                    return Err(problem);
                }
                self.separation.exceptions.insert(rule, case.to_owned());
            }
            None => {
                self.separation.exceptions.remove(&rule);
            }
        }
        Ok(())
    }
}

/// The longest case of an exception to 兼務の禁止, in characters.
pub const MAX_SEPARATION_CASE: usize = 500;

/// What is wrong with the case in which an exception to `rule` is allowed, if anything.
fn separation_case_problem(rule: SodRule, case: &str) -> Option<DomainError> {
    if case.trim().is_empty() {
        Some(DomainError::new(
            field::separation(rule),
            "例外を認める場合を入力してください（例外を認めないときは「例外を認めない」を選んでください）",
        ))
    } else if case.trim().chars().count() > MAX_SEPARATION_CASE {
        Some(DomainError::new(
            field::separation(rule),
            format!("{MAX_SEPARATION_CASE}文字以下で入力してください"),
        ))
    } else {
        None
    }
}

/// What is wrong with a 行政機関の範囲, each naming the field.
pub fn scope_problems(scope: &OrganScope, catalog: &dyn ClauseLookup) -> Vec<DomainError> {
    let mut out = Vec::new();
    if !catalog.exists(&scope.clause) {
        out.push(DomainError::new(
            field::ORGANS,
            format!("条項「{}」はガイドラインにありません", scope.clause),
        ));
    }
    if scope.organs.is_empty() {
        out.push(DomainError::new(
            field::ORGANS,
            "ポリシーを適用する行政機関を一つ以上入力してください",
        ));
    }
    let mut seen = BTreeSet::new();
    for organ in &scope.organs {
        if organ.trim().is_empty() {
            out.push(DomainError::new(field::ORGANS, "空の行政機関があります"));
        } else if organ.chars().count() > OrganScope::MAX_NAME {
            out.push(DomainError::new(
                field::ORGANS,
                format!(
                    "「{organ}」が長すぎます（{}文字以下）",
                    OrganScope::MAX_NAME
                ),
            ));
        } else if !seen.insert(organ.as_str()) {
            out.push(DomainError::new(
                field::ORGANS,
                format!("「{organ}」が重複しています"),
            ));
        }
    }
    out
}

/// A 決裁: who decided, in which role, on which day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Decision {
    pub by_person: PersonId,
    pub by_name: String,
    pub role_key: String,
    pub on: NaiveDate,
    /// The 委員会's 議決 the decision followed, when the policy asks for one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deliberation: Option<Deliberation>,
}

/// A 差戻し: an edition sent back from 審議中 to 下書き, with what the drafters are to rework.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SendBack {
    pub comment: String,
    pub by_name: String,
    /// The deciding role, when the person who sent it back holds it: the 決裁者 refused to
    /// decide. `None` when an editor took it back.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deciding_role: Option<String>,
    pub at: DateTime<Utc>,
}

impl SendBack {
    /// The longest comment kept, in characters.
    pub const MAX_COMMENT: usize = 2_000;

    /// A 差戻し with its comment, which is required: the drafters must learn what to rework.
    pub fn new(
        comment: &str,
        by_name: String,
        deciding_role: Option<String>,
        at: DateTime<Utc>,
    ) -> Result<Self, DomainError> {
        let comment = comment.trim();
        if comment.is_empty() {
            return Err(DomainError::new(
                field::SEND_BACK_COMMENT,
                "差し戻す理由（修正してほしい点）を入力してください",
            ));
        }
        if comment.chars().count() > Self::MAX_COMMENT {
            return Err(DomainError::new(
                field::SEND_BACK_COMMENT,
                format!("{}文字以下で入力してください", Self::MAX_COMMENT),
            ));
        }
        Ok(Self {
            comment: comment.to_owned(),
            by_name,
            deciding_role,
            at,
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Edition {
    pub id: EditionId,
    pub body_id: BodyId,
    pub number: EditionNumber,
    pub title: String,
    pub status: EditionStatus,
    pub revision_kind: RevisionKind,
    pub based_on: Option<EditionNumber>,
    pub decision: Option<Decision>,
    /// Every 差戻し of this edition, oldest first.
    pub send_backs: Vec<SendBack>,
    pub effective_from: Option<NaiveDate>,
    pub profile: Profile,
    pub created_at: DateTime<Utc>,
}

fn state_error(message: impl Into<String>) -> DomainError {
    DomainError::new(field::STATUS, message)
}

impl Edition {
    /// The first edition of a body (制定), as a draft.
    pub fn first(
        body_id: BodyId,
        title: String,
        profile: Profile,
        created_at: DateTime<Utc>,
    ) -> Self {
        Self {
            id: EditionId::new(),
            body_id,
            number: EditionNumber(1),
            title,
            status: EditionStatus::Draft,
            revision_kind: RevisionKind::Enactment,
            based_on: None,
            decision: None,
            send_backs: Vec::new(),
            effective_from: None,
            profile,
            created_at,
        }
    }

    /// A new draft copied from this edition, numbered `number`.
    pub fn new_draft(&self, number: EditionNumber, created_at: DateTime<Utc>) -> Self {
        Self {
            id: EditionId::new(),
            body_id: self.body_id,
            number,
            title: self.title.clone(),
            status: EditionStatus::Draft,
            revision_kind: RevisionKind::PartialAmendment,
            based_on: Some(self.number),
            decision: None,
            send_backs: Vec::new(),
            effective_from: None,
            profile: self.profile.clone(),
            created_at,
        }
    }

    /// Only a draft may change; everything else is a record of what was decided.
    pub fn ensure_editable(&self) -> Result<(), DomainError> {
        match self.status {
            EditionStatus::Draft => Ok(()),
            EditionStatus::InForce | EditionStatus::Superseded | EditionStatus::Abolished => {
                Err(state_error(format!(
                    "{}は{}のため変更できません。変更するには新しい版を作成してください",
                    self.number,
                    self.status.label()
                )))
            }
            _ => Err(state_error(format!(
                "{}は{}のため変更できません。変更するには下書きに差し戻してください",
                self.number,
                self.status.label()
            ))),
        }
    }

    /// 下書き → 審議中. The profile must be sound first.
    pub fn submit(&mut self, catalog: &dyn ClauseLookup) -> Result<(), DomainError> {
        self.expect(EditionStatus::Draft, "審議に回す")?;
        if let Some(first) = self.profile.problems(catalog).into_iter().next() {
            return Err(first);
        }
        self.status = EditionStatus::UnderReview;
        Ok(())
    }

    /// 審議中 → 下書き (差戻し), keeping the comment with the edition. `deciding_role` is set when
    /// the 決裁者 sends it back instead of deciding.
    pub fn send_back(
        &mut self,
        comment: &str,
        by_name: &str,
        deciding_role: Option<&str>,
        at: DateTime<Utc>,
    ) -> Result<(), DomainError> {
        self.expect(EditionStatus::UnderReview, "差し戻す")?;
        let send_back = SendBack::new(
            comment,
            by_name.to_owned(),
            deciding_role.map(str::to_owned),
            at,
        )?;
        self.send_backs.push(send_back);
        self.status = EditionStatus::Draft;
        Ok(())
    }

    /// How many times the edition was sent back: the round a 委員会's 議決 on it belongs to.
    pub fn round(&self) -> u32 {
        u32::try_from(self.send_backs.len()).unwrap_or(u32::MAX)
    }

    /// The latest 差戻し, which the drafters are working on.
    pub fn last_send_back(&self) -> Option<&SendBack> {
        self.send_backs.last()
    }

    /// 審議中 → 決裁済, by someone holding the profile's deciding role.
    ///
    /// `committee` is the role whose 委員会 must have deliberated first (from the rule in
    /// force, which the caller reads): then the decision must carry a carried 議決 on this
    /// edition as submitted now (the same number of 差戻し), recorded by someone other than the
    /// decider's own account `decider_account`.
    pub fn decide(
        &mut self,
        decision: Decision,
        decider_roles: &[String],
        committee: Option<&str>,
        decider_account: &str,
    ) -> Result<(), DomainError> {
        self.expect(EditionStatus::UnderReview, "決裁する")?;
        if let Some(committee) = committee {
            self.check_deliberation(decision.deliberation.as_ref(), committee, decider_account)?;
        }
        let role = &self.profile.deciding_role;
        if !decider_roles.iter().any(|r| r == role) || decision.role_key != *role {
            return Err(DomainError::new(
                field::DECIDING_ROLE,
                format!(
                    "{}の決裁は{}が行います",
                    self.number,
                    self.profile.role_name(role)
                ),
            ));
        }
        self.decision = Some(decision);
        self.status = EditionStatus::Decided;
        Ok(())
    }

    fn check_deliberation(
        &self,
        deliberation: Option<&Deliberation>,
        committee: &str,
        decider_account: &str,
    ) -> Result<(), DomainError> {
        let name = self.profile.role_name(committee);
        let refuse =
            |message: String| Err(DomainError::new(committee::field::DELIBERATION, message));
        match deliberation {
            None => refuse(format!(
                "{}は決裁の前に{name}の審議が必要です。会議の記録で、この版を議題として議決を記録してください",
                self.number
            )),
            Some(d) if d.round != self.round() => refuse(format!(
                "{}の{name}の議決は差戻しの前のものです。差戻しの後の版について、改めて議決を記録してください",
                self.number
            )),
            Some(d) if !d.vote.carried() => refuse(format!(
                "{name}は{}を{}しました。決裁せず、下書きに差し戻してください",
                self.number,
                d.vote.label()
            )),
            Some(d) if d.recorded_by == decider_account => refuse(format!(
                "{name}の会議を記録した人は、その議決に基づく決裁をできません（別の人が記録した議決が必要です）"
            )),
            Some(_) => Ok(()),
        }
    }

    /// 決裁済 → 施行中 from `effective_from`, which may not precede the decision.
    pub fn enforce(&mut self, effective_from: NaiveDate) -> Result<(), DomainError> {
        self.expect(EditionStatus::Decided, "施行する")?;
        if let Some(d) = &self.decision
            && effective_from < d.on
        {
            return Err(DomainError::new(
                "施行日",
                format!(
                    "施行日は決裁日（{}）以降にしてください",
                    format_gregorian_as_wareki(d.on)
                ),
            ));
        }
        self.effective_from = Some(effective_from);
        self.status = EditionStatus::InForce;
        Ok(())
    }

    /// 施行中 → 改定済, when a later edition comes into force.
    pub fn supersede(&mut self) -> Result<(), DomainError> {
        self.expect(EditionStatus::InForce, "改定済にする")?;
        self.status = EditionStatus::Superseded;
        Ok(())
    }

    /// 施行中 → 廃止.
    pub fn abolish(&mut self) -> Result<(), DomainError> {
        self.expect(EditionStatus::InForce, "廃止する")?;
        self.status = EditionStatus::Abolished;
        Ok(())
    }

    fn expect(&self, status: EditionStatus, doing: &str) -> Result<(), DomainError> {
        if self.status == status {
            Ok(())
        } else {
            Err(state_error(format!(
                "{}は{}のため{doing}ことはできません（{}の版だけが対象です）",
                self.number,
                self.status.label(),
                status.label()
            )))
        }
    }

    /// Still on its way (下書き, 審議中, 決裁済): a body has at most one such edition.
    pub fn is_open(&self) -> bool {
        matches!(
            self.status,
            EditionStatus::Draft | EditionStatus::UnderReview | EditionStatus::Decided
        )
    }

    /// Whether the edition has ever been in force, and so belongs to the 改定履歴.
    pub fn was_in_force(&self) -> bool {
        matches!(
            self.status,
            EditionStatus::InForce | EditionStatus::Superseded | EditionStatus::Abolished
        ) && self.effective_from.is_some()
    }
}

/// One line of the 改定履歴: 「第1版 制定 平成14年4月1日」.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HistoryLine {
    pub number: EditionNumber,
    pub kind: &'static str,
    pub effective_from: NaiveDate,
    pub date_wareki: String,
}

impl fmt::Display for HistoryLine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {} {}", self.number, self.kind, self.date_wareki)
    }
}

/// The 改定履歴 of a body: every edition that has been in force, oldest first.
/// The number a new edition of a body takes: one after its highest (after `from` when it has
/// none).
pub fn next_number(editions: &[Edition], from: EditionNumber) -> EditionNumber {
    editions
        .iter()
        .map(|e| e.number)
        .max()
        .unwrap_or(from)
        .next()
}

pub fn revision_history(editions: &[Edition]) -> Vec<HistoryLine> {
    let mut lines: Vec<HistoryLine> = editions
        .iter()
        .filter(|e| e.was_in_force())
        .filter_map(|e| {
            let date = e.effective_from?;
            Some(HistoryLine {
                number: e.number,
                kind: e.revision_kind.label(),
                effective_from: date,
                date_wareki: format_gregorian_as_wareki(date),
            })
        })
        .collect();
    lines.sort_by_key(|l| l.number);
    lines
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests;
