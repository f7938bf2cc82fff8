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

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use chrono::{DateTime, Days, FixedOffset, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::DomainError;
use crate::authority::{Authority, AuthorityMatrix, Context, Holder, MatrixMark, OrgSnapshot};
use crate::classification::{Classification, ClassificationScheme};
use crate::ids::{ApplicationId, AssetId, OrgUnitId, PersonId};
use crate::separation::{self, SodException, SodPolicy};

const COMMON_KINDS_TOML: &str = include_str!("../data/approval-kinds.toml");

// ---------------------------------------------------------------------------------------------
// Fields

/// The type of a field of an application form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum FieldKind {
    /// Free text, at most `max` characters.
    Text {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        max: Option<u32>,
    },
    Date,
    /// From one date to another (持ち出し期間).
    Period,
    /// Entries of the 情報資産台帳.
    Assets,
    /// People of the organization.
    People,
    /// One of the options.
    Choice {
        options: Vec<String>,
    },
    /// References to stored files.
    Attachment,
}

impl FieldKind {
    pub fn label(&self) -> &'static str {
        match self {
            Self::Text { .. } => "文章",
            Self::Date => "日付",
            Self::Period => "期間",
            Self::Assets => "情報資産",
            Self::People => "職員等",
            Self::Choice { .. } => "選択",
            Self::Attachment => "添付ファイル",
        }
    }
}

/// A field of an application form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldDef {
    pub key: String,
    pub label: String,
    #[serde(flatten)]
    pub kind: FieldKind,
    #[serde(default)]
    pub required: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub help: Option<String>,
}

/// From one date to another, both included.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Period {
    pub from: NaiveDate,
    pub to: NaiveDate,
}

/// A value entered in a field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", content = "value", rename_all = "snake_case")]
pub enum FieldValue {
    Text(String),
    Date(NaiveDate),
    Period(Period),
    Assets(Vec<AssetId>),
    People(Vec<PersonId>),
    Choice(String),
    Attachment(Vec<String>),
}

impl FieldValue {
    /// The date a date field holds, or the last day of a period.
    pub fn end_date(&self) -> Option<NaiveDate> {
        match self {
            Self::Date(d) => Some(*d),
            Self::Period(p) => Some(p.to),
            _ => None,
        }
    }

    /// The value as a person reads it (dates as ISO text; ids as they are).
    pub fn display(&self) -> String {
        fn join<T: fmt::Display>(items: &[T]) -> String {
            items
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("、")
        }
        match self {
            Self::Text(s) | Self::Choice(s) => s.clone(),
            Self::Date(d) => d.to_string(),
            Self::Period(p) => format!("{}〜{}", p.from, p.to),
            Self::Assets(ids) => join(ids),
            Self::People(ids) => join(ids),
            Self::Attachment(refs) => join(refs),
        }
    }
}

/// Field values by field key.
pub type FieldValues = BTreeMap<String, FieldValue>;

fn parse_date(label: &str, raw: &str) -> Result<NaiveDate, DomainError> {
    let raw = raw.trim();
    NaiveDate::parse_from_str(raw, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(raw, "%Y/%m/%d"))
        .map_err(|_| {
            DomainError::new(
                label,
                format!("「{raw}」は日付として読めません（例: 2026-04-01）"),
            )
        })
}

/// The items of a list field: separated by commas, 「、」 or spaces.
pub fn split_list(raw: &str) -> impl Iterator<Item = &str> {
    raw.split(|c: char| c == ',' || c == '、' || c.is_whitespace())
        .map(str::trim)
        .filter(|s| !s.is_empty())
}

impl FieldDef {
    /// Reads the field from the text of a form. Empty text is no value. Periods are written
    /// 「2026-04-01〜2026-04-10」 (also `~` or `..`); lists are separated by commas, 「、」 or
    /// spaces.
    pub fn parse(&self, raw: &str) -> Result<Option<FieldValue>, DomainError> {
        let text = raw.trim();
        if text.is_empty() {
            return Ok(None);
        }
        let value = match &self.kind {
            FieldKind::Text { .. } => FieldValue::Text(text.to_owned()),
            FieldKind::Date => FieldValue::Date(parse_date(&self.label, text)?),
            FieldKind::Period => {
                let parts: Vec<&str> = text
                    .split(['〜', '~', '～'])
                    .flat_map(|p| p.split(".."))
                    .collect();
                let [from, to] = parts.as_slice() else {
                    return Err(DomainError::new(
                        &self.label,
                        "期間は「2026-04-01〜2026-04-10」のように入力してください",
                    ));
                };
                FieldValue::Period(Period {
                    from: parse_date(&self.label, from)?,
                    to: parse_date(&self.label, to)?,
                })
            }
            FieldKind::Assets => FieldValue::Assets(
                split_list(text)
                    .map(|s| {
                        s.parse().map_err(|_| {
                            DomainError::new(
                                &self.label,
                                format!("「{s}」は情報資産のIDではありません"),
                            )
                        })
                    })
                    .collect::<Result<_, _>>()?,
            ),
            FieldKind::People => FieldValue::People(
                split_list(text)
                    .map(|s| {
                        s.parse().map_err(|_| {
                            DomainError::new(
                                &self.label,
                                format!("「{s}」は職員等のIDではありません"),
                            )
                        })
                    })
                    .collect::<Result<_, _>>()?,
            ),
            FieldKind::Choice { .. } => FieldValue::Choice(text.to_owned()),
            FieldKind::Attachment => {
                FieldValue::Attachment(split_list(text).map(str::to_owned).collect())
            }
        };
        self.check(&value)?;
        Ok(Some(value))
    }

    /// Checks a value against the field: its type, length, options and order of dates.
    pub fn check(&self, value: &FieldValue) -> Result<(), DomainError> {
        let label = self.label.as_str();
        let wrong = || {
            DomainError::new(
                label,
                format!("{label}には{}を入力してください", self.kind.label()),
            )
        };
        match (&self.kind, value) {
            (FieldKind::Text { max }, FieldValue::Text(s)) => {
                if s.trim().is_empty() {
                    return Err(DomainError::new(
                        label,
                        format!("{label}を入力してください"),
                    ));
                }
                let len = s.chars().count();
                if let Some(max) = max.filter(|m| len > *m as usize) {
                    return Err(DomainError::new(
                        label,
                        format!("{label}は{max}文字以内で入力してください（{len}文字）"),
                    ));
                }
            }
            (FieldKind::Date, FieldValue::Date(_)) => {}
            (FieldKind::Period, FieldValue::Period(p)) => {
                if p.to < p.from {
                    return Err(DomainError::new(
                        label,
                        format!("{label}の終わりの日が始まりの日より前です"),
                    ));
                }
            }
            (FieldKind::Assets, FieldValue::Assets(ids)) => {
                if ids.is_empty() {
                    return Err(DomainError::new(label, format!("{label}を選んでください")));
                }
                if ids.iter().collect::<BTreeSet<_>>().len() != ids.len() {
                    return Err(DomainError::new(
                        label,
                        format!("{label}に同じ情報資産が重複しています"),
                    ));
                }
            }
            (FieldKind::People, FieldValue::People(ids)) => {
                if ids.is_empty() {
                    return Err(DomainError::new(label, format!("{label}を選んでください")));
                }
                if ids.iter().collect::<BTreeSet<_>>().len() != ids.len() {
                    return Err(DomainError::new(
                        label,
                        format!("{label}に同じ人が重複しています"),
                    ));
                }
            }
            (FieldKind::Choice { options }, FieldValue::Choice(v)) => {
                if !options.contains(v) {
                    return Err(DomainError::new(
                        label,
                        format!(
                            "「{v}」は{label}の選択肢にありません（{}）",
                            options.join("、")
                        ),
                    ));
                }
            }
            (FieldKind::Attachment, FieldValue::Attachment(refs)) => {
                if refs.is_empty() || refs.iter().any(|r| r.trim().is_empty()) {
                    return Err(DomainError::new(
                        label,
                        format!("{label}を添付してください"),
                    ));
                }
            }
            _ => return Err(wrong()),
        }
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------------
// Kinds

/// The approval route of a kind.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum RouteSpec {
    /// The deciding roles (許・承) of the clause's row of the body's 権限・責任等一覧表, in the
    /// row's order, one step each.
    #[default]
    FromMatrix,
    /// Sequential steps by role: 起案 → 情報セキュリティ管理者 → 情報セキュリティ責任者 → CISO.
    Steps { steps: Vec<StepSpec> },
}

/// One step of a route.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepSpec {
    /// Key of the body's role set (`security_manager`).
    pub role: String,
    /// 「課長決裁」; default 「{role name}の{許可|承認}」.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    #[serde(default = "default_mark")]
    pub mark: MatrixMark,
    /// 合議: the step also needs the approval of these units, in parallel.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub consult: Option<ConsultSpec>,
}

fn default_mark() -> MatrixMark {
    MatrixMark::Approves
}

/// 合議: the holders of `role` (default: the step's role) in each of `units` approve in parallel
/// with the step's own holder; the step completes when all have approved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsultSpec {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    /// The units consulted, by name as the organization has it on the day of 申請 (「情報政策課」)
    /// or by id, so that a body writes its 合議 in its profile as it speaks of it.
    pub units: Vec<String>,
}

/// The unit a 合議 names on the snapshot: by id, or by name when exactly one unit has it.
fn consulted_unit(snapshot: &OrgSnapshot, reference: &str) -> Result<OrgUnitId, DomainError> {
    let reference = reference.trim();
    if let Some(u) = snapshot
        .units
        .values()
        .find(|u| u.id.to_string() == reference)
    {
        return Ok(u.id);
    }
    let named: Vec<OrgUnitId> = snapshot
        .units
        .values()
        .filter(|u| u.name == reference)
        .map(|u| u.id)
        .collect();
    match named.as_slice() {
        [one] => Ok(*one),
        [] => Err(DomainError::new(
            field::ROUTE,
            format!("合議先の所属「{reference}」が組織にありません"),
        )),
        _ => Err(DomainError::new(
            field::ROUTE,
            format!("合議先の所属「{reference}」という名前の所属が複数あります"),
        )),
    }
}

/// When a 専決 rule applies.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Condition {
    /// The choice field holds one of `values`.
    Choice { field: String, values: Vec<String> },
    /// The referenced assets' highest classification is below `level` on `axis` (asked of the
    /// scheme, never compared here).
    ClassificationBelow { axis: String, level: String },
}

/// 専決: in the defined case the route ends after `end_after` steps.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DelegationRule {
    pub when: Condition,
    pub end_after: usize,
    /// The body's 専決規程 wording, shown and recorded: 「課長専決（庁内の運搬）」.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// How long an approval stays valid.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Validity {
    /// `days` days from the final approval.
    Days { days: u32 },
    /// Until the date of a date field or the last day of a period field.
    Field { field: String },
}

/// What is expected after the approval.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum FollowUp {
    /// The item comes back by the date of the field (a date, or the end of a period): 返却.
    Return { due_field: String },
}

/// 例外措置 (S-7.4): compensating measures and an expiry are required; the expiry is at most
/// `max_days` after the application.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExceptionRule {
    /// A text field: 代替措置.
    pub measures_field: String,
    /// A date field: 期限.
    pub expiry_field: String,
    pub max_days: u32,
}

/// 緊急時 (S-7.4(2)): act first, report within `report_within_days`, then the route reviews.
/// The app may take the days from the profile's parameter `emergency_report_days`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EmergencyRule {
    pub report_within_days: u32,
}

/// A kind of application, keyed by the clause that creates it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApplicationKind {
    pub key: String,
    pub clause: String,
    pub name: String,
    #[serde(default)]
    pub fields: Vec<FieldDef>,
    #[serde(default)]
    pub route: RouteSpec,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub delegation: Vec<DelegationRule>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub validity: Option<Validity>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub follow_ups: Vec<FollowUp>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exception: Option<ExceptionRule>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub emergency: Option<EmergencyRule>,
    /// The text field shown as 内容 in the ledger (default: the first text field).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary_field: Option<String>,
}

#[derive(Deserialize)]
struct KindFile {
    #[serde(default)]
    kind: Vec<ApplicationKind>,
}

/// A clause of the catalog that creates an application, as the app passes it: its id, title and
/// the deciding roles (許・承) of the body's matrix row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApprovalClause {
    pub id: String,
    pub title: String,
    pub deciding_roles: Vec<String>,
}

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

impl ApplicationKind {
    /// Reads kinds from TOML (`[[kind]]` tables, see `data/approval-kinds.toml`) and validates
    /// each.
    pub fn from_toml(text: &str) -> Result<Vec<Self>, Vec<DomainError>> {
        let file: KindFile = toml::from_str(text).map_err(|e| {
            vec![DomainError::new(
                field::KIND,
                format!("申請の種類の定義を読めません: {}", e.message()),
            )]
        })?;
        validate_kinds(&file.kind)?;
        Ok(file.kind)
    }

    pub fn field(&self, key: &str) -> Option<&FieldDef> {
        self.fields.iter().find(|f| f.key == key)
    }

    fn field_of(&self, key: &str, accept: fn(&FieldKind) -> bool) -> bool {
        self.field(key).is_some_and(|f| accept(&f.kind))
    }

    /// The field whose date a return is due by, if the kind expects a 返却.
    pub fn return_field(&self) -> Option<&str> {
        self.follow_ups
            .iter()
            .map(|f| match f {
                FollowUp::Return { due_field } => due_field.as_str(),
            })
            .next()
    }

    /// Checks the definition; every error names the part at fault.
    pub fn validate(&self) -> Result<(), Vec<DomainError>> {
        let name = if self.name.trim().is_empty() {
            self.key.as_str()
        } else {
            self.name.as_str()
        };
        let mut errors = Vec::new();
        let mut err = |part: &str, message: String| {
            errors.push(DomainError::new(part, format!("「{name}」: {message}")));
        };
        if self.key.trim().is_empty() || self.key.chars().any(char::is_whitespace) {
            err(
                field::KIND,
                "キーは空白を含まない文字列で指定してください".into(),
            );
        }
        if self.clause.trim().is_empty() {
            err(field::KIND, "根拠となる条項を指定してください".into());
        }
        if self.name.trim().is_empty() {
            err(field::KIND, "名称を入力してください".into());
        }
        let mut keys = BTreeSet::new();
        for f in &self.fields {
            if f.key.trim().is_empty() || f.label.trim().is_empty() {
                err(field::FIELDS, "項目のキーと表示名は必須です".into());
            }
            if !keys.insert(f.key.as_str()) {
                err(
                    field::FIELDS,
                    format!("項目のキー「{}」が重複しています", f.key),
                );
            }
            match &f.kind {
                FieldKind::Text { max: Some(0) } => {
                    err(
                        field::FIELDS,
                        format!("項目「{}」の最大文字数は1以上にしてください", f.label),
                    );
                }
                FieldKind::Choice { options } => {
                    let unique: BTreeSet<&String> = options.iter().collect();
                    if options.is_empty()
                        || unique.len() != options.len()
                        || options.iter().any(|o| o.trim().is_empty())
                    {
                        err(
                            field::FIELDS,
                            format!(
                                "項目「{}」の選択肢は空でない異なる値を1つ以上指定してください",
                                f.label
                            ),
                        );
                    }
                }
                _ => {}
            }
        }
        if let Some(s) = &self.summary_field
            && !self.field_of(s, |k| matches!(k, FieldKind::Text { .. }))
        {
            err(
                field::FIELDS,
                format!("内容として表示する項目「{s}」は文章の項目ではありません"),
            );
        }
        let steps = match &self.route {
            RouteSpec::FromMatrix => None,
            RouteSpec::Steps { steps } => {
                if steps.is_empty() {
                    err(field::ROUTE, "承認経路に段階がありません".into());
                }
                for (i, s) in steps.iter().enumerate() {
                    if s.role.trim().is_empty() {
                        err(
                            field::ROUTE,
                            format!("第{}段階の役割を指定してください", i + 1),
                        );
                    }
                    if !s.mark.decides() {
                        err(
                            field::ROUTE,
                            format!("第{}段階の区分は「許可」か「承認」にしてください", i + 1),
                        );
                    }
                    if let Some(c) = &s.consult {
                        let unique: BTreeSet<&str> = c.units.iter().map(|u| u.trim()).collect();
                        if c.units.is_empty()
                            || unique.len() != c.units.len()
                            || unique.contains("")
                        {
                            err(
                                field::ROUTE,
                                format!(
                                    "第{}段階の合議先の所属を重複なく1つ以上指定してください",
                                    i + 1
                                ),
                            );
                        }
                    }
                }
                Some(steps.len())
            }
        };
        for (i, rule) in self.delegation.iter().enumerate() {
            let n = i + 1;
            if rule.end_after == 0 {
                err(
                    field::DELEGATION,
                    format!("専決{n}: 終える段階は1以上にしてください"),
                );
            }
            if let Some(len) = steps.filter(|len| rule.end_after >= *len) {
                err(
                    field::DELEGATION,
                    format!(
                        "専決{n}: 第{}段階で終えても経路（{len}段階）は短くなりません",
                        rule.end_after
                    ),
                );
            }
            match &rule.when {
                Condition::Choice { field: key, values } => match self.field(key) {
                    Some(FieldDef {
                        kind: FieldKind::Choice { options },
                        ..
                    }) => {
                        if values.is_empty() {
                            err(field::DELEGATION, format!("専決{n}: 値を指定してください"));
                        }
                        for v in values.iter().filter(|v| !options.contains(v)) {
                            err(
                                field::DELEGATION,
                                format!("専決{n}: 「{v}」は項目「{key}」の選択肢にありません"),
                            );
                        }
                    }
                    _ => err(
                        field::DELEGATION,
                        format!("専決{n}: 項目「{key}」は選択の項目ではありません"),
                    ),
                },
                Condition::ClassificationBelow { axis, level } => {
                    if axis.trim().is_empty() || level.trim().is_empty() {
                        err(
                            field::DELEGATION,
                            format!("専決{n}: 分類の軸と区分を指定してください"),
                        );
                    }
                }
            }
        }
        let dated = |k: &FieldKind| matches!(k, FieldKind::Date | FieldKind::Period);
        match &self.validity {
            Some(Validity::Days { days: 0 }) => {
                err(field::VALIDITY, "有効日数は1日以上にしてください".into());
            }
            Some(Validity::Field { field: key }) if !self.field_of(key, dated) => {
                err(
                    field::VALIDITY,
                    format!("項目「{key}」は日付か期間の項目ではありません"),
                );
            }
            _ => {}
        }
        for f in &self.follow_ups {
            let FollowUp::Return { due_field } = f;
            if !self.field_of(due_field, dated) {
                err(
                    field::FOLLOW_UP,
                    format!("返却予定日の項目「{due_field}」は日付か期間の項目ではありません"),
                );
            }
        }
        if let Some(ex) = &self.exception {
            if !self.field_of(&ex.measures_field, |k| matches!(k, FieldKind::Text { .. })) {
                err(
                    field::EXCEPTION,
                    format!(
                        "代替措置の項目「{}」は文章の項目ではありません",
                        ex.measures_field
                    ),
                );
            }
            if !self.field_of(&ex.expiry_field, |k| matches!(k, FieldKind::Date)) {
                err(
                    field::EXCEPTION,
                    format!(
                        "期限の項目「{}」は日付の項目ではありません",
                        ex.expiry_field
                    ),
                );
            }
            if ex.max_days == 0 {
                err(
                    field::EXCEPTION,
                    "期限の上限日数は1日以上にしてください".into(),
                );
            }
        }
        if self
            .emergency
            .as_ref()
            .is_some_and(|e| e.report_within_days == 0)
        {
            err(
                field::EMERGENCY,
                "事後報告の期限は1日以上にしてください".into(),
            );
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }

    /// Checks entered values: unknown keys, each value against its field and, when `complete`
    /// (at 申請), the required fields. Errors name the field by its label.
    pub fn check_fields(
        &self,
        values: &FieldValues,
        complete: bool,
    ) -> Result<(), Vec<DomainError>> {
        let mut errors = Vec::new();
        for key in values.keys().filter(|k| self.field(k).is_none()) {
            errors.push(DomainError::new(
                field::FIELDS,
                format!("「{key}」は「{}」の項目ではありません", self.name),
            ));
        }
        for def in &self.fields {
            match values.get(&def.key) {
                Some(v) => {
                    if let Err(e) = def.check(v) {
                        errors.push(e);
                    }
                }
                None if complete && self.must_fill(def) => {
                    errors.push(DomainError::new(
                        &def.label,
                        format!("{}を入力してください", def.label),
                    ));
                }
                None => {}
            }
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }

    fn must_fill(&self, def: &FieldDef) -> bool {
        def.required
            || self
                .exception
                .as_ref()
                .is_some_and(|e| e.measures_field == def.key || e.expiry_field == def.key)
    }

    /// The date in the field `key` (a date, or the last day of a period).
    fn date_in(&self, values: &FieldValues, key: &str) -> Option<NaiveDate> {
        values.get(key).and_then(FieldValue::end_date)
    }

    fn summary(&self, values: &FieldValues) -> Option<String> {
        let key = self.summary_field.as_deref().or_else(|| {
            self.fields
                .iter()
                .find(|f| matches!(f.kind, FieldKind::Text { .. }))
                .map(|f| f.key.as_str())
        })?;
        values.get(key).map(FieldValue::display)
    }
}

/// Checks kinds together: each is valid and keys are unique.
pub fn validate_kinds(kinds: &[ApplicationKind]) -> Result<(), Vec<DomainError>> {
    let mut errors = Vec::new();
    let mut keys = BTreeSet::new();
    for kind in kinds {
        if let Err(mut e) = kind.validate() {
            errors.append(&mut e);
        }
        if !keys.insert(kind.key.as_str()) {
            errors.push(DomainError::new(
                field::KIND,
                format!("申請の種類のキー「{}」が重複しています", kind.key),
            ));
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

/// The generic form of an APPROVAL clause without a hand-written one: 件名, 内容, 期間, 添付.
fn generic_kind(clause: &ApprovalClause) -> ApplicationKind {
    let text = |key: &str, label: &str, max: u32| FieldDef {
        key: key.into(),
        label: label.into(),
        kind: FieldKind::Text { max: Some(max) },
        required: true,
        help: None,
    };
    ApplicationKind {
        key: clause.id.clone(),
        clause: clause.id.clone(),
        name: clause.title.clone(),
        fields: vec![
            text("subject", "件名", 100),
            text("details", "内容", 2000),
            FieldDef {
                key: "period".into(),
                label: "期間".into(),
                kind: FieldKind::Period,
                required: false,
                help: Some("許可・承認を受ける期間があれば入力してください".into()),
            },
            FieldDef {
                key: "attachments".into(),
                label: "添付資料".into(),
                kind: FieldKind::Attachment,
                required: false,
                help: None,
            },
        ],
        route: RouteSpec::FromMatrix,
        delegation: Vec::new(),
        validity: Some(Validity::Field {
            field: "period".into(),
        }),
        follow_ups: Vec::new(),
        exception: None,
        emergency: None,
        summary_field: Some("subject".into()),
    }
}

/// The kinds a body starts with: one per clause that has a deciding role, the hand-written form
/// for the common ones (運搬, 外部提供, 廃棄, 持ち出し, 例外措置), a generic one otherwise, in the
/// order of `clauses`. Clauses without a deciding role (no 許・承 in the row) get no kind: the
/// body defines a route for them with [`merge_kinds`]. An error means the shipped data is broken.
pub fn default_kinds(clauses: &[ApprovalClause]) -> Result<Vec<ApplicationKind>, Vec<DomainError>> {
    // The shipped forms are read once; every request that needs the kinds starts from them.
    static COMMON: std::sync::OnceLock<Result<Vec<ApplicationKind>, Vec<DomainError>>> =
        std::sync::OnceLock::new();
    let common = COMMON
        .get_or_init(|| ApplicationKind::from_toml(COMMON_KINDS_TOML))
        .as_ref()
        .map_err(Clone::clone)?;
    let kinds: Vec<ApplicationKind> = clauses
        .iter()
        .filter(|c| !c.deciding_roles.is_empty())
        .map(|c| {
            common
                .iter()
                .find(|k| k.clause == c.id)
                .cloned()
                .unwrap_or_else(|| generic_kind(c))
        })
        .collect();
    validate_kinds(&kinds)?;
    Ok(kinds)
}

/// The body's kinds over the defaults: a body kind replaces the default with the same key, a
/// new key is added at the end. Validate the result with [`validate_kinds`].
pub fn merge_kinds(
    defaults: Vec<ApplicationKind>,
    body: &[ApplicationKind],
) -> Vec<ApplicationKind> {
    let mut out: Vec<ApplicationKind> = defaults
        .into_iter()
        .map(|d| body.iter().find(|b| b.key == d.key).cloned().unwrap_or(d))
        .collect();
    for b in body {
        if !out.iter().any(|k| k.key == b.key) {
            out.push(b.clone());
        }
    }
    out
}

/// The kind that permits actions of `clause` (e.g. the clause an `ActionGate::NeedsPermission`
/// rests on).
pub fn kind_for_clause<'a>(
    kinds: &'a [ApplicationKind],
    clause: &str,
) -> Option<&'a ApplicationKind> {
    kinds.iter().find(|k| k.clause == clause)
}

// ---------------------------------------------------------------------------------------------
// Routes

/// A 許可 or 承認 given (or refused) at a seat.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    /// 承認 (or 許可, as the step's mark says).
    Approve,
    /// 差戻し: back to the applicant for changes.
    Return,
    /// 却下: refused; the application ends.
    Reject,
}

impl Decision {
    pub const ALL: [Decision; 3] = [Self::Approve, Self::Return, Self::Reject];

    pub fn label(self) -> &'static str {
        match self {
            Self::Approve => "承認",
            Self::Return => "差戻し",
            Self::Reject => "却下",
        }
    }

    /// `approve`, `return`, `reject`: as forms, the API and stored JSON name it.
    pub fn key(self) -> &'static str {
        match self {
            Self::Approve => "approve",
            Self::Return => "return",
            Self::Reject => "reject",
        }
    }

    pub fn parse(key: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|d| d.key() == key.trim())
    }
}

/// A decision as recorded on its seat.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SeatDecision {
    pub by: PersonId,
    pub by_name: String,
    /// 代決: taken by a deputy for an absent holder.
    pub by_deputy: bool,
    pub decision: Decision,
    pub comment: Option<String>,
    pub at: DateTime<Utc>,
    /// The allowed exception to 兼務の禁止 the decision used, if any.
    pub sod_exception: Option<SodException>,
}

/// One holder's place in a step: the step's own role, or a unit consulted (合議).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Seat {
    pub role: String,
    pub role_name: String,
    pub unit: Option<OrgUnitId>,
    pub unit_name: Option<String>,
    /// A unit consulted in parallel (合議).
    pub consulted: bool,
    /// Who may decide at this seat, as the resolver found them.
    pub candidates: Vec<Holder>,
    /// Only deputies can act: a decision here is 代決.
    pub by_deputy: bool,
    /// The holders absent on the date, to whom a 代決 is reported.
    pub absent: Vec<Holder>,
    pub decision: Option<SeatDecision>,
}

/// Why nobody can act at a seat, as the resolver says it.
fn seat_gap(seat: &Seat, gap: Option<&str>) -> String {
    gap.map_or_else(
        || {
            let whose = seat.unit_name.as_deref().map_or_else(
                || seat.role_name.clone(),
                |u| format!("{u}の{}", seat.role_name),
            );
            format!("{whose}に判断できる人がいません")
        },
        str::to_owned,
    )
}

impl Seat {
    /// Who sits here, as screens and the API write it: 「市民課 情報セキュリティ管理者」.
    pub fn place(&self) -> String {
        match &self.unit_name {
            Some(unit) => format!("{unit} {}", self.role_name),
            None => self.role_name.clone(),
        }
    }

    fn approved(&self) -> bool {
        self.decision
            .as_ref()
            .is_some_and(|d| d.decision == Decision::Approve)
    }
}

/// A step of a resolved route; it completes when every seat has approved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RouteStep {
    pub label: String,
    pub mark: MatrixMark,
    pub seats: Vec<Seat>,
}

impl RouteStep {
    pub fn is_approved(&self) -> bool {
        self.seats.iter().all(Seat::approved)
    }

    /// 合議: the step has consulted units.
    pub fn is_consultation(&self) -> bool {
        self.seats.iter().any(|s| s.consulted)
    }
}

/// A 専決 rule that shortened the route.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppliedDelegation {
    pub note: String,
    /// Steps kept.
    pub kept: usize,
    /// Labels of the steps the rule removed.
    pub skipped: Vec<String>,
}

/// The route of an application as resolved at 申請.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Route {
    pub kind: String,
    pub clause: String,
    pub steps: Vec<RouteStep>,
    pub delegation: Option<AppliedDelegation>,
}

fn seat_of(
    snapshot: &OrgSnapshot,
    authority: Authority,
    context: &Context,
    consulted: bool,
) -> (Seat, Option<String>) {
    let by_deputy = !authority.holders.is_empty() && authority.holders.iter().all(|h| h.is_deputy);
    let absent = if by_deputy {
        snapshot
            .assignments
            .iter()
            .filter(|a| {
                a.role == authority.role
                    && a.unit == authority.unit
                    && !a.is_deputy
                    && !a.in_service
                    && (a.system.is_none() || a.system == context.system)
            })
            .map(|a| Holder {
                person: a.person,
                name: a.person_name.clone(),
                is_deputy: false,
            })
            .collect()
    } else {
        Vec::new()
    };
    let seat = Seat {
        role: authority.role,
        role_name: authority.role_name,
        unit: authority.unit,
        unit_name: authority.unit_name,
        consulted,
        candidates: authority.holders,
        by_deputy,
        absent,
        decision: None,
    };
    (seat, authority.gap)
}

fn step_label(spec_label: Option<&str>, role_name: &str, mark: MatrixMark) -> String {
    spec_label.map_or_else(|| format!("{role_name}の{}", mark.label()), str::to_owned)
}

fn in_route(n: usize, label: &str, e: &DomainError) -> DomainError {
    DomainError::new(field::ROUTE, format!("第{n}段階「{label}」: {}", e.message))
}

/// Resolves the kind's route for an application: the steps with the people who may decide each
/// (through [`OrgSnapshot::who_may`] / [`OrgSnapshot::holders_of`]), 代決 marked where only a
/// deputy can act, 合議 seats per consulted unit, and the first 専決 rule that applies. `assets`
/// is the scheme and the highest classification of the referenced assets, for 専決 rules on the
/// classification. A step nobody can decide is an error naming the step.
pub fn resolve_route(
    kind: &ApplicationKind,
    snapshot: &OrgSnapshot,
    matrix: &AuthorityMatrix,
    context: &Context,
    fields: &FieldValues,
    assets: Option<(&ClassificationScheme, &Classification)>,
) -> Result<Route, DomainError> {
    // Each step with the resolver's gap per seat.
    let mut steps: Vec<(RouteStep, Vec<Option<String>>)> = match &kind.route {
        RouteSpec::FromMatrix => snapshot
            .who_may(matrix, &kind.clause, context)
            .map_err(|e| DomainError::new(field::ROUTE, e.message))?
            .into_iter()
            .map(|a| {
                let label = step_label(None, &a.role_name, a.mark);
                let mark = a.mark;
                let (seat, gap) = seat_of(snapshot, a, context, false);
                (
                    RouteStep {
                        label,
                        mark,
                        seats: vec![seat],
                    },
                    vec![gap],
                )
            })
            .collect(),
        RouteSpec::Steps { steps } => {
            let mut out = Vec::with_capacity(steps.len());
            for (i, spec) in steps.iter().enumerate() {
                let own = snapshot.holders_of(&spec.role, context).map_err(|e| {
                    in_route(i + 1, spec.label.as_deref().unwrap_or(&spec.role), &e)
                })?;
                let label = step_label(spec.label.as_deref(), &own.role_name, spec.mark);
                let (seat, gap) = seat_of(snapshot, own, context, false);
                let (mut seats, mut gaps) = (vec![seat], vec![gap]);
                if let Some(consult) = &spec.consult {
                    let role = consult.role.as_deref().unwrap_or(&spec.role);
                    for unit in &consult.units {
                        let unit = consulted_unit(snapshot, unit)
                            .map_err(|e| in_route(i + 1, &label, &e))?;
                        let there = Context {
                            unit: Some(unit),
                            system: context.system.clone(),
                        };
                        let a = snapshot
                            .holders_of(role, &there)
                            .map_err(|e| in_route(i + 1, &label, &e))?;
                        let (seat, gap) = seat_of(snapshot, a, &there, true);
                        seats.push(seat);
                        gaps.push(gap);
                    }
                }
                out.push((
                    RouteStep {
                        label,
                        mark: spec.mark,
                        seats,
                    },
                    gaps,
                ));
            }
            out
        }
    };
    let mut applied = None;
    for rule in &kind.delegation {
        let holds = match &rule.when {
            Condition::Choice { field: key, values } => {
                matches!(fields.get(key), Some(FieldValue::Choice(v)) if values.contains(v))
            }
            Condition::ClassificationBelow { axis, level } => match assets {
                Some((scheme, c)) => !scheme
                    .is_at_least(c, axis, level)
                    .map_err(|e| DomainError::new(field::DELEGATION, e.message))?,
                None => false,
            },
        };
        if holds {
            if rule.end_after > 0 && rule.end_after < steps.len() {
                let skipped = steps.split_off(rule.end_after);
                applied = Some(AppliedDelegation {
                    note: rule.note.clone().unwrap_or_else(|| "専決".to_owned()),
                    kept: rule.end_after,
                    skipped: skipped.into_iter().map(|(s, _)| s.label).collect(),
                });
            }
            break;
        }
    }
    if steps.is_empty() {
        return Err(DomainError::new(
            field::ROUTE,
            format!("「{}」の承認経路に段階がありません", kind.name),
        ));
    }
    for (i, (step, gaps)) in steps.iter().enumerate() {
        for (seat, gap) in step.seats.iter().zip(gaps) {
            if seat.candidates.is_empty() {
                return Err(DomainError::new(
                    field::ROUTE,
                    format!(
                        "第{}段階「{}」: {}",
                        i + 1,
                        step.label,
                        seat_gap(seat, gap.as_deref())
                    ),
                ));
            }
        }
    }
    Ok(Route {
        kind: kind.key.clone(),
        clause: kind.clause.clone(),
        steps: steps.into_iter().map(|(s, _)| s).collect(),
        delegation: applied,
    })
}

// ---------------------------------------------------------------------------------------------
// Applications

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

fn join_errors(errors: &[DomainError]) -> String {
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

fn add_days(date: NaiveDate, days: u32) -> NaiveDate {
    date.checked_add_days(Days::new(u64::from(days)))
        .unwrap_or(NaiveDate::MAX)
}

fn invalid(field: &str, message: impl Into<String>) -> ApprovalError {
    ApprovalError::Invalid(vec![DomainError::new(field, message)])
}

fn subjects_with_people(subjects: &[PersonId], fields: &FieldValues) -> Vec<PersonId> {
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

// ---------------------------------------------------------------------------------------------
// Ledger

/// A row of a kind's 台帳 (and of its Excel export).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LedgerRow {
    /// The application the row records.
    pub id: ApplicationId,
    /// 番号
    pub number: String,
    /// 申請日
    pub applied_on: Option<NaiveDate>,
    /// 申請者
    pub applicant: String,
    /// 所属
    pub unit: String,
    /// 内容
    pub content: String,
    /// 承認者, in route order; 「（代決）」 after a deputy's name.
    pub approvers: Vec<String>,
    /// 承認日
    pub approved_on: Option<NaiveDate>,
    /// 期限 / 返却予定日
    pub due: Option<NaiveDate>,
    /// 返却日
    pub returned_on: Option<NaiveDate>,
    /// 備考
    pub remarks: Vec<String>,
    pub status: Status,
    /// Not back by the 返却予定日.
    pub overdue_return: bool,
    /// In force with its 期限 within the window.
    pub expiring: bool,
    /// The 事後報告 of an emergency application is late.
    pub report_overdue: bool,
}

impl LedgerRow {
    /// The row of `app` on `today`; `window_days` decides which 期限 count as near.
    pub fn build(
        app: &Application,
        kind: &ApplicationKind,
        today: NaiveDate,
        window_days: u32,
    ) -> Self {
        let content = kind.summary(&app.fields).map_or_else(
            || app.kind_name.clone(),
            |s| format!("{}：{s}", app.kind_name),
        );
        let mut approvers = Vec::new();
        let mut remarks = Vec::new();
        if let Some(route) = &app.route {
            for seat in route.steps.iter().flat_map(|s| &s.seats) {
                if let Some(d) = seat
                    .decision
                    .as_ref()
                    .filter(|d| d.decision == Decision::Approve)
                {
                    approvers.push(if d.by_deputy {
                        format!("{}（代決）", d.by_name)
                    } else {
                        d.by_name.clone()
                    });
                    if d.sod_exception.is_some() {
                        remarks.push("兼務禁止の例外".to_owned());
                    }
                }
            }
            if let Some(d) = &route.delegation {
                remarks.push(d.note.clone());
            }
        }
        if let Some(e) = &app.emergency {
            remarks.push(match e.reported_on {
                Some(r) => format!("緊急時の実施 {}（事後報告 {r}）", e.acted_on),
                None => format!(
                    "緊急時の実施 {}（事後報告期限 {}）",
                    e.acted_on, e.report_due
                ),
            });
        }
        if !matches!(
            app.status,
            Status::Approved | Status::InProgress | Status::Completed
        ) {
            remarks.push(app.status.label().to_owned());
        }
        let approved = matches!(
            app.status,
            Status::Approved
                | Status::InProgress
                | Status::Returned
                | Status::Expired
                | Status::Completed
        ) && app
            .route
            .as_ref()
            .is_some_and(|r| r.steps.iter().all(RouteStep::is_approved));
        let expiring = matches!(app.status, Status::Approved | Status::InProgress)
            && app
                .valid_until
                .is_some_and(|u| today <= u && u <= add_days(today, window_days));
        Self {
            id: app.id,
            number: app.number.clone(),
            applied_on: app.submitted_on,
            applicant: app.applicant_name.clone(),
            unit: app.unit_name.clone(),
            content,
            approvers,
            approved_on: if approved { app.decided_on } else { None },
            due: app.return_due.or(app.valid_until),
            returned_on: app.returned_on,
            remarks,
            status: app.status,
            overdue_return: app.is_return_overdue(today),
            expiring,
            report_overdue: app.is_report_overdue(today),
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use std::collections::BTreeMap;

    use chrono::TimeZone;

    use super::*;
    use crate::authority::{ActiveAssignment, RoleMarkEntry, UnitNode};
    use crate::org::{RoleDefinition, RoleScope};
    use crate::separation::SodRule;

    pub(super) struct World {
        pub snap: OrgSnapshot,
        pub matrix: AuthorityMatrix,
        pub ka: OrgUnitId,
        pub other_ka: OrgUnitId,
        pub staff: PersonId,
        pub kacho: PersonId,
        pub bucho: PersonId,
        pub ciso: PersonId,
        pub other_kacho: PersonId,
    }

    fn role(key: &str, name: &str, scope: RoleScope) -> RoleDefinition {
        RoleDefinition {
            key: key.into(),
            name: name.into(),
            scope,
            grants: vec![],
        }
    }

    fn assign(
        role: &str,
        person: PersonId,
        name: &str,
        unit: Option<OrgUnitId>,
    ) -> ActiveAssignment {
        ActiveAssignment {
            role: role.into(),
            person,
            person_name: name.into(),
            person_unit: unit,
            unit,
            system: None,
            is_deputy: false,
            in_service: true,
        }
    }

    pub(super) fn world() -> World {
        let (bu, ka, other_ka) = (OrgUnitId::new(), OrgUnitId::new(), OrgUnitId::new());
        let mut units = BTreeMap::new();
        for (id, parent, name) in [
            (bu, None, "市民部"),
            (ka, Some(bu), "市民課"),
            (other_ka, None, "情報政策課"),
        ] {
            units.insert(
                id,
                UnitNode {
                    id,
                    parent,
                    name: name.into(),
                },
            );
        }
        let (staff, kacho, bucho, ciso, other_kacho) = (
            PersonId::new(),
            PersonId::new(),
            PersonId::new(),
            PersonId::new(),
            PersonId::new(),
        );
        let snap = OrgSnapshot {
            date: NaiveDate::from_ymd_opt(2026, 4, 1).unwrap(),
            units,
            roles: vec![
                role("ciso", "最高情報セキュリティ責任者", RoleScope::Body),
                role(
                    "security_officer",
                    "情報セキュリティ責任者",
                    RoleScope::Unit,
                ),
                role(
                    "security_manager",
                    "情報セキュリティ管理者",
                    RoleScope::Unit,
                ),
            ],
            assignments: vec![
                assign("security_manager", kacho, "市民 課長", Some(ka)),
                assign("security_officer", bucho, "市民 部長", Some(bu)),
                assign("ciso", ciso, "副 市長", None),
                assign("security_manager", other_kacho, "情報 課長", Some(other_ka)),
            ],
        };
        let mut matrix = AuthorityMatrix::new();
        for clause in ["S-2.(2)⑧(イ)", "S-5.1.(1)③(イ)"] {
            matrix.set_row(
                clause,
                vec![
                    RoleMarkEntry {
                        role: "security_manager".into(),
                        mark: MatrixMark::Permits,
                    },
                    RoleMarkEntry {
                        role: "staff".into(),
                        mark: MatrixMark::Holds,
                    },
                ],
            );
        }
        matrix.set_row(
            "S-7.4.(1)",
            vec![
                RoleMarkEntry {
                    role: "security_manager".into(),
                    mark: MatrixMark::Holds,
                },
                RoleMarkEntry {
                    role: "ciso".into(),
                    mark: MatrixMark::Permits,
                },
            ],
        );
        World {
            snap,
            matrix,
            ka,
            other_ka,
            staff,
            kacho,
            bucho,
            ciso,
            other_kacho,
        }
    }

    pub(super) fn common() -> Vec<ApplicationKind> {
        default_kinds(&[
            ApprovalClause {
                id: "S-2.(2)⑧(イ)".into(),
                title: "情報資産運搬の許可".into(),
                deciding_roles: vec!["security_manager".into()],
            },
            ApprovalClause {
                id: "S-5.1.(1)③(イ)".into(),
                title: "モバイル端末や電磁的記録媒体等の持ち出しの許可".into(),
                deciding_roles: vec!["security_manager".into()],
            },
            ApprovalClause {
                id: "S-7.4.(1)".into(),
                title: "例外措置の許可".into(),
                deciding_roles: vec!["ciso".into()],
            },
        ])
        .unwrap()
    }

    pub(super) fn kind(key: &str) -> ApplicationKind {
        common().into_iter().find(|k| k.key == key).unwrap()
    }

    /// A three-step kind: 管理者 → 責任者 (合議 with 情報政策課's 管理者 optional) → CISO.
    pub(super) fn staged(w: &World, consult: bool) -> ApplicationKind {
        let mut k = kind("transport");
        k.key = "staged".into();
        k.fields.push(FieldDef {
            key: "scope".into(),
            label: "範囲".into(),
            kind: FieldKind::Choice {
                options: vec!["庁内".into(), "庁外".into()],
            },
            required: false,
            help: None,
        });
        k.route = RouteSpec::Steps {
            steps: vec![
                StepSpec {
                    role: "security_manager".into(),
                    label: Some("課長".into()),
                    mark: MatrixMark::Approves,
                    consult: consult.then(|| ConsultSpec {
                        role: None,
                        units: vec![w.other_ka.to_string()],
                    }),
                },
                StepSpec {
                    role: "security_officer".into(),
                    label: Some("部長".into()),
                    mark: MatrixMark::Approves,
                    consult: None,
                },
                StepSpec {
                    role: "ciso".into(),
                    label: None,
                    mark: MatrixMark::Permits,
                    consult: None,
                },
            ],
        };
        k.delegation = vec![DelegationRule {
            when: Condition::Choice {
                field: "scope".into(),
                values: vec!["庁内".into()],
            },
            end_after: 1,
            note: Some("課長専決（庁内の運搬）".into()),
        }];
        k.validate().unwrap();
        k
    }

    pub(super) fn at(y: i32, m: u32, d: u32) -> DateTime<Utc> {
        // 10:00 in Japan.
        Utc.with_ymd_and_hms(y, m, d, 1, 0, 0).unwrap()
    }

    pub(super) fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    pub(super) fn transport_fields(on: NaiveDate) -> FieldValues {
        let mut f = FieldValues::new();
        f.insert("assets".into(), FieldValue::Assets(vec![AssetId::new()]));
        f.insert("destination".into(), FieldValue::Text("県庁".into()));
        f.insert("transport_on".into(), FieldValue::Date(on));
        f.insert(
            "method".into(),
            FieldValue::Choice("職員による手渡し".into()),
        );
        f.insert(
            "safeguards".into(),
            FieldValue::Text("鍵付きケースに格納".into()),
        );
        f
    }

    pub(super) fn new_app(w: &World, fields: FieldValues) -> NewApplication {
        NewApplication {
            id: ApplicationId::new(),
            number: "R8-0001".into(),
            applicant: w.staff,
            applicant_name: "市民 太郎".into(),
            unit: Some(w.ka),
            unit_name: "市民課".into(),
            subjects: vec![],
            fields,
        }
    }

    pub(super) fn ctx(w: &World) -> Context {
        Context {
            unit: Some(w.ka),
            system: None,
        }
    }

    pub(super) fn actor(by: PersonId, app: &Application, when: DateTime<Utc>) -> Actor {
        Actor {
            by,
            at: when,
            version: app.version,
        }
    }

    pub(super) fn approve(step: usize) -> DecisionInput {
        DecisionInput {
            step,
            decision: Decision::Approve,
            comment: None,
            sod_reason: None,
        }
    }

    fn submitted(w: &World, k: &ApplicationKind, fields: FieldValues) -> Application {
        let app = Application::draft(k, new_app(w, fields.clone()), at(2026, 4, 1)).unwrap();
        let route = resolve_route(k, &w.snap, &w.matrix, &ctx(w), &fields, None).unwrap();
        app.submit(k, route, &actor(w.staff, &app, at(2026, 4, 1)))
            .unwrap()
    }

    // -- kinds --------------------------------------------------------------------------------

    #[test]
    fn the_shipped_kinds_load_and_cover_the_common_clauses() {
        let kinds = common();
        let keys: Vec<&str> = kinds.iter().map(|k| k.key.as_str()).collect();
        assert_eq!(keys, ["transport", "carry_out", "exception"]);
        let all = ApplicationKind::from_toml(COMMON_KINDS_TOML).unwrap();
        let clauses: Vec<&str> = all.iter().map(|k| k.clause.as_str()).collect();
        for c in [
            "S-2.(2)⑧(イ)",
            "S-2.(2)⑨(イ)",
            "S-2.(2)⑩(ウ)",
            "S-5.1.(1)③(イ)",
            "S-7.4.(1)",
        ] {
            assert!(clauses.contains(&c), "{c}");
        }
        let carry = kind("carry_out");
        assert_eq!(carry.return_field(), Some("period"));
        assert!(kind("exception").exception.is_some());
        assert_eq!(
            kind("exception").emergency,
            Some(EmergencyRule {
                report_within_days: 3
            })
        );
    }

    #[test]
    fn a_kind_round_trips_through_toml_and_json() {
        let w = world();
        let k = staged(&w, true);
        #[derive(Serialize)]
        struct File<'a> {
            kind: Vec<&'a ApplicationKind>,
        }
        let text = toml::to_string(&File { kind: vec![&k] }).unwrap();
        let back = ApplicationKind::from_toml(&text).unwrap();
        assert_eq!(back, vec![k.clone()]);
        let json = serde_json::to_string(&k).unwrap();
        assert_eq!(serde_json::from_str::<ApplicationKind>(&json).unwrap(), k);
    }

    #[test]
    fn clauses_without_a_deciding_role_get_no_kind_and_others_a_generic_one() {
        let kinds = default_kinds(&[
            ApprovalClause {
                id: "S-8.2.(2)".into(),
                title: "約款によるサービスの利用".into(),
                deciding_roles: vec![],
            },
            ApprovalClause {
                id: "S-6.1.(19)".into(),
                title: "無許可でのネットワーク接続の禁止".into(),
                deciding_roles: vec!["chief_security_officer".into()],
            },
        ])
        .unwrap();
        assert_eq!(kinds.len(), 1);
        assert_eq!(kinds[0].clause, "S-6.1.(19)");
        assert_eq!(kinds[0].route, RouteSpec::FromMatrix);
        assert!(kinds[0].field("subject").unwrap().required);
    }

    #[test]
    fn a_body_replaces_and_adds_kinds() {
        let mut mine = kind("transport");
        mine.name = "情報資産の庁外への運搬".into();
        let mut new = kind("transport");
        new.key = "transport_bulk".into();
        let merged = merge_kinds(common(), &[mine.clone(), new]);
        assert_eq!(merged.len(), 4);
        assert_eq!(merged[0].name, "情報資産の庁外への運搬");
        assert!(validate_kinds(&merged).is_ok());
        assert!(
            validate_kinds(&[mine.clone(), mine]).unwrap_err()[0]
                .message
                .contains("重複")
        );
    }

    #[test]
    fn invalid_kinds_name_the_part_at_fault() {
        let w = world();
        let mut k = staged(&w, false);
        k.delegation[0].end_after = 3;
        k.validity = Some(Validity::Field {
            field: "destination".into(),
        });
        k.follow_ups = vec![FollowUp::Return {
            due_field: "nothing".into(),
        }];
        k.exception = Some(ExceptionRule {
            measures_field: "transport_on".into(),
            expiry_field: "destination".into(),
            max_days: 0,
        });
        k.fields.push(FieldDef {
            key: "method".into(),
            label: "重複".into(),
            kind: FieldKind::Choice { options: vec![] },
            required: false,
            help: None,
        });
        let errors = k.validate().unwrap_err();
        let fields: BTreeSet<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        for part in [
            field::DELEGATION,
            field::VALIDITY,
            field::FOLLOW_UP,
            field::EXCEPTION,
            field::FIELDS,
        ] {
            assert!(fields.contains(part), "{part}: {errors:?}");
        }
        assert!(
            errors
                .iter()
                .all(|e| e.message.starts_with("「情報資産の運搬」"))
        );
        let broken = "[[kind]]\nkey = 1";
        assert_eq!(
            ApplicationKind::from_toml(broken).unwrap_err()[0].field,
            field::KIND
        );
    }

    // -- fields -------------------------------------------------------------------------------

    #[test]
    fn form_text_is_read_per_field_with_japanese_errors() {
        let k = kind("carry_out");
        let period = k.field("period").unwrap();
        assert_eq!(
            period.parse("2026-04-01〜2026/04/03").unwrap(),
            Some(FieldValue::Period(Period {
                from: date(2026, 4, 1),
                to: date(2026, 4, 3)
            }))
        );
        let e = period.parse("2026-04-03..2026-04-01").unwrap_err();
        assert_eq!(e.field, "持ち出し期間");
        assert!(e.message.contains("前"));
        assert_eq!(period.parse("  ").unwrap(), None);
        let e = k.field("devices").unwrap().parse("abc").unwrap_err();
        assert!(e.message.contains("abc"));
        let t = kind("transport");
        let e = t.field("method").unwrap().parse("ドローン").unwrap_err();
        assert!(e.message.contains("選択肢"));
        let long = "あ".repeat(201);
        let e = t.field("destination").unwrap().parse(&long).unwrap_err();
        assert!(e.message.contains("200文字以内"));
    }

    #[test]
    fn values_are_checked_against_the_kind() {
        let k = kind("transport");
        let mut f = transport_fields(date(2026, 4, 2));
        assert!(k.check_fields(&f, true).is_ok());
        f.remove("destination");
        f.insert("colour".into(), FieldValue::Text("赤".into()));
        f.insert("transport_on".into(), FieldValue::Text("明日".into()));
        let errors = k.check_fields(&f, true).unwrap_err();
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert!(fields.contains(&"運搬先"), "{errors:?}");
        assert!(fields.contains(&"運搬日"));
        assert!(fields.contains(&field::FIELDS));
        // A draft may lack required values, never hold wrong ones.
        let mut partial = FieldValues::new();
        partial.insert("destination".into(), FieldValue::Text("県庁".into()));
        assert!(k.check_fields(&partial, false).is_ok());
    }

    // -- routes -------------------------------------------------------------------------------

    #[test]
    fn a_route_from_the_matrix_asks_the_resolver() {
        let w = world();
        let k = kind("transport");
        let f = transport_fields(date(2026, 4, 2));
        let route = resolve_route(&k, &w.snap, &w.matrix, &ctx(&w), &f, None).unwrap();
        assert_eq!(route.steps.len(), 1);
        assert_eq!(route.steps[0].label, "情報セキュリティ管理者の許可");
        assert_eq!(route.steps[0].seats[0].candidates[0].person, w.kacho);
        assert!(!route.steps[0].seats[0].by_deputy);
        // The body's matrix decides: an override that adds the CISO adds a step.
        let mut m = w.matrix.clone();
        m.set_row(
            "S-2.(2)⑧(イ)",
            vec![
                RoleMarkEntry {
                    role: "security_manager".into(),
                    mark: MatrixMark::Permits,
                },
                RoleMarkEntry {
                    role: "ciso".into(),
                    mark: MatrixMark::Approves,
                },
            ],
        );
        let route = resolve_route(&k, &w.snap, &m, &ctx(&w), &f, None).unwrap();
        assert_eq!(route.steps.len(), 2);
        assert_eq!(route.steps[1].seats[0].candidates[0].person, w.ciso);
    }

    #[test]
    fn sequential_steps_resolve_per_role_and_a_vacancy_names_the_step() {
        let mut w = world();
        let k = staged(&w, false);
        let f = transport_fields(date(2026, 4, 2));
        let route = resolve_route(&k, &w.snap, &w.matrix, &ctx(&w), &f, None).unwrap();
        let labels: Vec<&str> = route.steps.iter().map(|s| s.label.as_str()).collect();
        assert_eq!(labels, ["課長", "部長", "最高情報セキュリティ責任者の許可"]);
        assert_eq!(route.steps[1].seats[0].candidates[0].person, w.bucho);
        assert_eq!(route.steps[1].seats[0].unit_name.as_deref(), Some("市民部"));

        w.snap.assignments.retain(|a| a.role != "security_officer");
        let e = resolve_route(&k, &w.snap, &w.matrix, &ctx(&w), &f, None).unwrap_err();
        assert_eq!(e.field, field::ROUTE);
        assert!(e.message.contains("第2段階「部長」"), "{}", e.message);
        assert!(e.message.contains("任命されていません"), "{}", e.message);
    }

    #[test]
    fn an_absent_holder_gives_a_deputy_and_the_decision_is_daiketsu() {
        let mut w = world();
        let deputy = PersonId::new();
        w.snap.assignments[0].in_service = false;
        let mut d = assign("security_manager", deputy, "課長 補佐", Some(w.ka));
        d.is_deputy = true;
        w.snap.assignments.push(d);
        let k = kind("transport");
        let app = submitted(&w, &k, transport_fields(date(2026, 4, 2)));
        let seat = &app.route.as_ref().unwrap().steps[0].seats[0];
        assert!(seat.by_deputy);
        assert_eq!(seat.absent[0].person, w.kacho);
        let done = app
            .decide(
                &k,
                &approve(0),
                &SodPolicy::default(),
                &actor(deputy, &app, at(2026, 4, 1)),
            )
            .unwrap();
        assert_eq!(done.status, Status::Approved);
        let reports = done.deputy_reports();
        assert_eq!(reports.len(), 1);
        assert_eq!(reports[0].report_to[0].person, w.kacho);
        assert_eq!(reports[0].decided_by, "課長 補佐");
        let row = LedgerRow::build(&done, &k, date(2026, 4, 1), 7);
        assert_eq!(row.approvers, ["課長 補佐（代決）"]);

        // Without the deputy the step cannot be decided, and the error says why.
        w.snap.assignments.pop();
        let e =
            resolve_route(&k, &w.snap, &w.matrix, &ctx(&w), &FieldValues::new(), None).unwrap_err();
        assert!(e.message.contains("第1段階"));
        assert!(e.message.contains("代理"), "{}", e.message);
    }

    #[test]
    fn senketsu_ends_the_route_early_in_the_defined_case() {
        let w = world();
        let k = staged(&w, false);
        let mut f = transport_fields(date(2026, 4, 2));
        f.insert("scope".into(), FieldValue::Choice("庁内".into()));
        let route = resolve_route(&k, &w.snap, &w.matrix, &ctx(&w), &f, None).unwrap();
        assert_eq!(route.steps.len(), 1);
        let d = route.delegation.as_ref().unwrap();
        assert_eq!(d.note, "課長専決（庁内の運搬）");
        assert_eq!(d.skipped.len(), 2);
        f.insert("scope".into(), FieldValue::Choice("庁外".into()));
        let route = resolve_route(&k, &w.snap, &w.matrix, &ctx(&w), &f, None).unwrap();
        assert_eq!(route.steps.len(), 3);
        assert!(route.delegation.is_none());
    }

    #[test]
    fn senketsu_skips_a_vacancy_in_the_steps_it_removes() {
        let mut w = world();
        w.snap.assignments.retain(|a| a.role != "ciso");
        let k = staged(&w, false);
        let mut f = transport_fields(date(2026, 4, 2));
        f.insert("scope".into(), FieldValue::Choice("庁内".into()));
        assert!(resolve_route(&k, &w.snap, &w.matrix, &ctx(&w), &f, None).is_ok());
    }

    #[test]
    fn senketsu_on_the_classification_asks_the_scheme() {
        let w = world();
        let mut k = staged(&w, false);
        k.delegation = vec![DelegationRule {
            when: Condition::ClassificationBelow {
                axis: "confidentiality".into(),
                level: "3".into(),
            },
            end_after: 2,
            note: None,
        }];
        let scheme = ClassificationScheme::guideline().unwrap();
        let axis = scheme.axes()[0].key.clone();
        let levels: Vec<String> = scheme.axes()[0]
            .levels
            .iter()
            .map(|l| l.key.clone())
            .collect();
        k.delegation[0].when = Condition::ClassificationBelow {
            axis: axis.clone(),
            level: levels.last().unwrap().clone(),
        };
        let low = scheme.lowest();
        let f = transport_fields(date(2026, 4, 2));
        let route =
            resolve_route(&k, &w.snap, &w.matrix, &ctx(&w), &f, Some((&scheme, &low))).unwrap();
        assert_eq!(route.steps.len(), 2);
        assert_eq!(route.delegation.unwrap().note, "専決");
        // No assets known: no 専決.
        let route = resolve_route(&k, &w.snap, &w.matrix, &ctx(&w), &f, None).unwrap();
        assert_eq!(route.steps.len(), 3);
    }

    #[test]
    fn a_consultation_needs_every_unit() {
        let w = world();
        let k = staged(&w, true);
        let app = submitted(&w, &k, transport_fields(date(2026, 4, 2)));
        let step = &app.route.as_ref().unwrap().steps[0];
        assert!(step.is_consultation());
        assert_eq!(step.seats.len(), 2);
        assert_eq!(step.seats[1].candidates[0].person, w.other_kacho);
        let sod = SodPolicy::default();
        let one = app
            .decide(&k, &approve(0), &sod, &actor(w.kacho, &app, at(2026, 4, 1)))
            .unwrap();
        assert_eq!(
            one.current_step, 0,
            "the consulted unit has not approved yet"
        );
        assert!(one.awaits(w.other_kacho));
        assert!(!one.awaits(w.kacho));
        let again = one.decide(&k, &approve(0), &sod, &actor(w.kacho, &one, at(2026, 4, 1)));
        assert!(matches!(again, Err(ApprovalError::Forbidden(e)) if e.message.contains("既に")));
        let two = one
            .decide(
                &k,
                &approve(0),
                &sod,
                &actor(w.other_kacho, &one, at(2026, 4, 1)),
            )
            .unwrap();
        assert_eq!(two.current_step, 1);
        assert!(two.awaits(w.bucho));
    }

    #[test]
    fn a_consulted_unit_without_a_holder_is_named() {
        let mut w = world();
        w.snap.assignments.retain(|a| a.person != w.other_kacho);
        let k = staged(&w, true);
        let e =
            resolve_route(&k, &w.snap, &w.matrix, &ctx(&w), &FieldValues::new(), None).unwrap_err();
        assert!(e.message.contains("第1段階「課長」"), "{}", e.message);
        assert!(e.message.contains("情報政策課"), "{}", e.message);
    }

    #[test]
    fn a_consulted_unit_is_named_as_the_organization_names_it() {
        let w = world();
        let with_consulted = |name: &str| {
            let mut k = staged(&w, true);
            if let RouteSpec::Steps { steps } = &mut k.route
                && let Some(c) = steps[0].consult.as_mut()
            {
                c.units = vec![name.into()];
            }
            k
        };
        let k = with_consulted("情報政策課");
        let route =
            resolve_route(&k, &w.snap, &w.matrix, &ctx(&w), &FieldValues::new(), None).unwrap();
        assert_eq!(route.steps[0].seats.len(), 2);
        assert!(
            route.steps[0].seats[1]
                .candidates
                .iter()
                .any(|h| h.person == w.other_kacho)
        );
        let k = with_consulted("総務課");
        let e =
            resolve_route(&k, &w.snap, &w.matrix, &ctx(&w), &FieldValues::new(), None).unwrap_err();
        assert!(
            e.message
                .contains("合議先の所属「総務課」が組織にありません"),
            "{}",
            e.message
        );
    }

    #[test]
    fn a_decision_is_named_as_it_is_stored() {
        for d in Decision::ALL {
            assert_eq!(Decision::parse(d.key()), Some(d));
            assert_eq!(serde_json::to_value(d).unwrap(), d.key());
        }
        assert_eq!(Decision::parse("approved"), None);
    }

    // -- transitions --------------------------------------------------------------------------

    #[test]
    fn a_three_step_application_walks_to_completion_with_a_version_per_transition() {
        let w = world();
        let k = staged(&w, false);
        let sod = SodPolicy::default();
        let mut app = submitted(&w, &k, transport_fields(date(2026, 4, 2)));
        assert_eq!(app.status, Status::Submitted);
        assert_eq!(app.version, 2);
        for (i, p) in [w.kacho, w.bucho, w.ciso].into_iter().enumerate() {
            // Someone not on the step is refused as Forbidden.
            let wrong = if p == w.ciso { w.kacho } else { w.ciso };
            assert!(matches!(
                app.decide(&k, &approve(i), &sod, &actor(wrong, &app, at(2026, 4, 1))),
                Err(ApprovalError::Forbidden(_))
            ));
            let v = app.version;
            app = app
                .decide(&k, &approve(i), &sod, &actor(p, &app, at(2026, 4, 1)))
                .unwrap();
            assert_eq!(app.version, v + 1);
        }
        assert_eq!(app.status, Status::Approved);
        assert_eq!(app.valid_until, Some(date(2026, 4, 2)));
        assert_eq!(app.decided_on, Some(date(2026, 4, 1)));
        let app = app.start(&actor(w.staff, &app, at(2026, 4, 2))).unwrap();
        assert_eq!(app.status, Status::InProgress);
        let app = app.complete(&actor(w.staff, &app, at(2026, 4, 2))).unwrap();
        assert_eq!(app.status, Status::Completed);
        assert_eq!(app.history.len(), app.version as usize);
        let kinds: Vec<EventKind> = app.history.iter().map(|e| e.kind).collect();
        assert_eq!(kinds[0], EventKind::Create);
        assert_eq!(kinds.last(), Some(&EventKind::Complete));
        assert!(app.status.is_final());
    }

    #[test]
    fn a_stale_version_is_refused() {
        let w = world();
        let k = kind("transport");
        let app = submitted(&w, &k, transport_fields(date(2026, 4, 2)));
        let mut old = actor(w.kacho, &app, at(2026, 4, 1));
        old.version -= 1;
        let e = app
            .decide(&k, &approve(0), &SodPolicy::default(), &old)
            .unwrap_err();
        assert!(matches!(
            e,
            ApprovalError::Stale {
                seen: 1,
                current: 2
            }
        ));
        assert!(e.to_string().contains("読み込み直して"));
    }

    #[test]
    fn return_and_reject_need_a_comment_and_a_return_goes_back_to_the_applicant() {
        let w = world();
        let k = kind("transport");
        let sod = SodPolicy::default();
        let app = submitted(&w, &k, transport_fields(date(2026, 4, 2)));
        let mut input = DecisionInput {
            step: 0,
            decision: Decision::Return,
            comment: Some(" ".into()),
            sod_reason: None,
        };
        let e = app
            .decide(&k, &input, &sod, &actor(w.kacho, &app, at(2026, 4, 1)))
            .unwrap_err();
        assert_eq!(e.errors()[0].field, field::COMMENT);
        assert!(e.errors()[0].message.contains("差戻しの理由"));
        input.comment = Some("運搬方法を具体的に".into());
        let back = app
            .decide(&k, &input, &sod, &actor(w.kacho, &app, at(2026, 4, 1)))
            .unwrap();
        assert_eq!(back.status, Status::SentBack);
        assert_eq!(
            back.history.last().unwrap().comment.as_deref(),
            Some("運搬方法を具体的に")
        );
        // The applicant edits and submits again on a fresh route.
        let mut f = back.fields.clone();
        f.insert("method".into(), FieldValue::Choice("庁内便".into()));
        let edited = back
            .edit(&k, f.clone(), &[], &actor(w.staff, &back, at(2026, 4, 1)))
            .unwrap();
        let route = resolve_route(&k, &w.snap, &w.matrix, &ctx(&w), &f, None).unwrap();
        let again = edited
            .submit(&k, route, &actor(w.staff, &edited, at(2026, 4, 1)))
            .unwrap();
        assert!(
            again.route.as_ref().unwrap().steps[0].seats[0]
                .decision
                .is_none()
        );
        input.decision = Decision::Reject;
        input.comment = Some("必要性がない".into());
        let rejected = again
            .decide(&k, &input, &sod, &actor(w.kacho, &again, at(2026, 4, 1)))
            .unwrap();
        assert_eq!(rejected.status, Status::Rejected);
        let e = rejected
            .withdraw(None, &actor(w.staff, &rejected, at(2026, 4, 1)))
            .unwrap_err();
        assert!(
            e.to_string().contains("却下の申請は取下げできません"),
            "{e}"
        );
    }

    #[test]
    fn invalid_transitions_are_refused_in_japanese() {
        let w = world();
        let k = kind("transport");
        let draft =
            Application::draft(&k, new_app(&w, FieldValues::new()), at(2026, 4, 1)).unwrap();
        let a = actor(w.staff, &draft, at(2026, 4, 1));
        assert!(
            draft
                .start(&a)
                .unwrap_err()
                .to_string()
                .contains("下書きの申請は実施できません")
        );
        assert!(draft.complete(&a).is_err());
        assert!(draft.return_item(date(2026, 4, 1), &a).is_err());
        assert!(
            draft
                .decide(&k, &approve(0), &SodPolicy::default(), &a)
                .is_err()
        );
        // Submitting an incomplete draft names the missing fields.
        let route =
            resolve_route(&k, &w.snap, &w.matrix, &ctx(&w), &FieldValues::new(), None).unwrap();
        let e = draft.submit(&k, route.clone(), &a).unwrap_err();
        assert!(
            e.errors()
                .iter()
                .any(|e| e.field == "運搬先" && e.message == "運搬先を入力してください")
        );
        // Only the applicant submits, edits or withdraws.
        let other = actor(w.kacho, &draft, at(2026, 4, 1));
        assert!(matches!(
            draft.submit(&k, route, &other),
            Err(ApprovalError::Forbidden(_))
        ));
        assert!(matches!(
            draft.withdraw(None, &other),
            Err(ApprovalError::Forbidden(_))
        ));
        let gone = draft.withdraw(Some("不要になった"), &a).unwrap();
        assert_eq!(gone.status, Status::Withdrawn);
        assert_eq!(gone.status.label(), "取下げ");
        // A decision on a step that is not the current one.
        let app = submitted(&w, &k, transport_fields(date(2026, 4, 2)));
        let e = app
            .decide(
                &k,
                &approve(1),
                &SodPolicy::default(),
                &actor(w.kacho, &app, at(2026, 4, 1)),
            )
            .unwrap_err();
        assert!(e.to_string().contains("審査中の段階ではありません"), "{e}");
    }

    #[test]
    fn nobody_decides_their_own_application_nor_one_about_them_at_any_step() {
        let w = world();
        let k = staged(&w, false);
        let mut sod = SodPolicy::default();
        for (step, approver) in [w.kacho, w.bucho, w.ciso].into_iter().enumerate() {
            // The approver of this step is the applicant.
            let mut new = new_app(&w, transport_fields(date(2026, 4, 2)));
            new.applicant = approver;
            let mut app = Application::draft(&k, new, at(2026, 4, 1)).unwrap();
            let route = resolve_route(&k, &w.snap, &w.matrix, &ctx(&w), &app.fields, None).unwrap();
            app = app
                .submit(&k, route, &actor(approver, &app, at(2026, 4, 1)))
                .unwrap();
            for (i, p) in [w.kacho, w.bucho, w.ciso]
                .into_iter()
                .enumerate()
                .take(step)
            {
                app = app
                    .decide(&k, &approve(i), &sod, &actor(p, &app, at(2026, 4, 1)))
                    .unwrap();
            }
            let e = app
                .decide(
                    &k,
                    &approve(step),
                    &sod,
                    &actor(approver, &app, at(2026, 4, 1)),
                )
                .unwrap_err();
            assert_eq!(e.errors()[0].field, separation::FIELD);
            assert!(e.to_string().contains("S-1.(8)①"), "{e}");
        }
        // A subject of the application (a companion) is refused too.
        let carry = kind("carry_out");
        let mut f = FieldValues::new();
        f.insert("devices".into(), FieldValue::Assets(vec![AssetId::new()]));
        f.insert("destination".into(), FieldValue::Text("県庁".into()));
        f.insert("purpose".into(), FieldValue::Text("会議".into()));
        f.insert(
            "period".into(),
            FieldValue::Period(Period {
                from: date(2026, 4, 1),
                to: date(2026, 4, 3),
            }),
        );
        f.insert("companions".into(), FieldValue::People(vec![w.kacho]));
        let app = submitted(&w, &carry, f);
        assert!(app.subjects.contains(&w.kacho));
        let input = DecisionInput {
            sod_reason: Some("代わる者がいない".into()),
            ..approve(0)
        };
        let e = app
            .decide(&carry, &input, &sod, &actor(w.kacho, &app, at(2026, 4, 1)))
            .unwrap_err();
        assert!(e.to_string().contains("対象者"), "{e}");
        // Where the profile allows an exception, a reason lets it through and is recorded.
        sod.exceptions
            .insert(SodRule::ApplicantApprover, "代わる者がいない場合".into());
        let ok = app
            .decide(&carry, &input, &sod, &actor(w.kacho, &app, at(2026, 4, 1)))
            .unwrap();
        let d = ok.route.as_ref().unwrap().steps[0].seats[0]
            .decision
            .as_ref()
            .unwrap();
        assert_eq!(d.sod_exception.as_ref().unwrap().reason, "代わる者がいない");
        let row = LedgerRow::build(&ok, &carry, date(2026, 4, 1), 7);
        assert!(row.remarks.contains(&"兼務禁止の例外".to_owned()));
    }

    #[test]
    fn a_carry_out_expects_its_return_and_flags_it_when_late() {
        let w = world();
        let carry = kind("carry_out");
        let mut f = FieldValues::new();
        f.insert("devices".into(), FieldValue::Assets(vec![AssetId::new()]));
        f.insert("destination".into(), FieldValue::Text("県庁".into()));
        f.insert("purpose".into(), FieldValue::Text("研修の講師".into()));
        f.insert(
            "period".into(),
            FieldValue::Period(Period {
                from: date(2026, 4, 1),
                to: date(2026, 4, 3),
            }),
        );
        let app = submitted(&w, &carry, f);
        let app = app
            .decide(
                &carry,
                &approve(0),
                &SodPolicy::default(),
                &actor(w.kacho, &app, at(2026, 4, 1)),
            )
            .unwrap();
        assert_eq!(app.return_due, Some(date(2026, 4, 3)));
        let app = app.start(&actor(w.staff, &app, at(2026, 4, 1))).unwrap();
        assert!(
            app.complete(&actor(w.staff, &app, at(2026, 4, 2)))
                .unwrap_err()
                .to_string()
                .contains("返却")
        );
        let row = LedgerRow::build(&app, &carry, date(2026, 4, 2), 3);
        assert!(!row.overdue_return);
        assert!(row.expiring);
        assert_eq!(row.due, Some(date(2026, 4, 3)));
        assert_eq!(row.content, "パソコン等の持ち出し：研修の講師");
        assert_eq!(row.applied_on, Some(date(2026, 4, 1)));
        assert_eq!(row.approvers, ["市民 課長"]);
        let late = LedgerRow::build(&app, &carry, date(2026, 4, 4), 3);
        assert!(late.overdue_return);
        assert!(!late.expiring);
        let expired = app
            .expire(date(2026, 4, 4), at(2026, 4, 4), app.version)
            .unwrap();
        assert_eq!(expired.status, Status::Expired);
        assert_eq!(expired.history.last().unwrap().by, None);
        assert!(expired.is_return_overdue(date(2026, 4, 4)));
        let back = expired
            .return_item(date(2026, 4, 5), &actor(w.kacho, &expired, at(2026, 4, 5)))
            .unwrap();
        assert_eq!(back.status, Status::Returned);
        let row = LedgerRow::build(&back, &carry, date(2026, 4, 6), 3);
        assert_eq!(row.returned_on, Some(date(2026, 4, 5)));
        assert!(!row.overdue_return);
        let done = back
            .complete(&actor(w.kacho, &back, at(2026, 4, 6)))
            .unwrap();
        assert_eq!(done.status, Status::Completed);
        // Expiry is refused before the date passes.
        assert!(
            app.expire(date(2026, 4, 3), at(2026, 4, 3), app.version)
                .is_err()
        );
    }

    fn exception_fields(expires: NaiveDate) -> FieldValues {
        let mut f = FieldValues::new();
        f.insert("rule".into(), FieldValue::Text("S-5.1.(1)④(ア)".into()));
        f.insert(
            "ground".into(),
            FieldValue::Choice("技術的に遵守が困難".into()),
        );
        f.insert(
            "reason".into(),
            FieldValue::Text("専用端末が調達できない".into()),
        );
        f.insert(
            "measures".into(),
            FieldValue::Text("画面ロックと暗号化".into()),
        );
        f.insert("expires_on".into(), FieldValue::Date(expires));
        f
    }

    #[test]
    fn an_exception_needs_measures_and_an_expiry_within_the_limit_and_comes_up_for_review() {
        let w = world();
        let k = kind("exception");
        let mut new = new_app(&w, exception_fields(date(2027, 6, 1)));
        new.applicant = w.kacho;
        let draft = Application::draft(&k, new, at(2026, 4, 1)).unwrap();
        let route = resolve_route(&k, &w.snap, &w.matrix, &ctx(&w), &draft.fields, None).unwrap();
        let a = actor(w.kacho, &draft, at(2026, 4, 1));
        let e = draft.submit(&k, route.clone(), &a).unwrap_err();
        assert!(e.to_string().contains("365日以内"), "{e}");
        let mut f = exception_fields(date(2026, 9, 30));
        f.remove("measures");
        let draft = draft.edit(&k, f, &[], &a).unwrap();
        let a = actor(w.kacho, &draft, at(2026, 4, 1));
        let e = draft.submit(&k, route.clone(), &a).unwrap_err();
        assert!(e.errors().iter().any(|e| e.field == "代替措置"), "{e}");
        let draft = draft
            .edit(&k, exception_fields(date(2026, 9, 30)), &[], &a)
            .unwrap();
        let app = draft
            .submit(&k, route, &actor(w.kacho, &draft, at(2026, 4, 1)))
            .unwrap();
        assert_eq!(
            app.route.as_ref().unwrap().steps[0].seats[0].candidates[0].person,
            w.ciso
        );
        let app = app
            .decide(
                &k,
                &approve(0),
                &SodPolicy::default(),
                &actor(w.ciso, &app, at(2026, 4, 2)),
            )
            .unwrap();
        assert_eq!(app.valid_until, Some(date(2026, 9, 30)));
        assert!(!app.needs_review(date(2026, 4, 2), 30));
        assert!(app.needs_review(date(2026, 9, 1), 30));
        assert!(app.needs_review(date(2026, 10, 5), 30));
        assert!(app.is_in_force(date(2026, 9, 30)));
        assert!(!app.is_in_force(date(2026, 10, 1)));
        let row = LedgerRow::build(&app, &k, date(2026, 9, 20), 14);
        assert!(row.expiring);
        assert_eq!(row.due, Some(date(2026, 9, 30)));
        // Not an exception: never up for review.
        let t = kind("transport");
        let plain = submitted(&w, &t, transport_fields(date(2026, 4, 2)));
        assert!(!plain.needs_review(date(2026, 4, 2), 365));
    }

    #[test]
    fn an_emergency_acts_first_and_an_overdue_report_is_flagged() {
        let w = world();
        let k = kind("exception");
        let mut new = new_app(&w, exception_fields(date(2026, 5, 1)));
        new.applicant = w.kacho;
        let app = Application::act_in_emergency(&k, new.clone(), date(2026, 4, 1), at(2026, 4, 1))
            .unwrap();
        assert_eq!(app.status, Status::InProgress);
        assert_eq!(app.version, 1);
        let e = app.emergency.unwrap();
        assert_eq!(e.report_due, date(2026, 4, 4));
        assert!(!app.is_report_overdue(date(2026, 4, 4)));
        assert!(app.is_report_overdue(date(2026, 4, 5)));
        let row = LedgerRow::build(&app, &k, date(2026, 4, 5), 7);
        assert!(row.report_overdue);
        assert!(
            row.remarks
                .iter()
                .any(|r| r.contains("事後報告期限 2026-04-04"))
        );
        assert!(app.complete(&actor(w.kacho, &app, at(2026, 4, 5))).is_err());
        // The late report is recorded, then the CISO reviews it.
        let route = resolve_route(&k, &w.snap, &w.matrix, &ctx(&w), &app.fields, None).unwrap();
        let reported = app
            .report(&k, route, &actor(w.kacho, &app, at(2026, 4, 6)))
            .unwrap();
        assert_eq!(reported.status, Status::Submitted);
        assert!(
            reported.is_report_overdue(date(2026, 4, 30)),
            "reported late stays flagged"
        );
        let reviewed = reported
            .decide(
                &k,
                &approve(0),
                &SodPolicy::default(),
                &actor(w.ciso, &reported, at(2026, 4, 7)),
            )
            .unwrap();
        assert_eq!(reviewed.status, Status::InProgress);
        assert!(
            reviewed
                .complete(&actor(w.kacho, &reviewed, at(2026, 4, 8)))
                .is_ok()
        );
        // A report in time is not flagged; a kind without the rule cannot act first.
        let on_time = app.report(
            &k,
            resolve_route(&k, &w.snap, &w.matrix, &ctx(&w), &app.fields, None).unwrap(),
            &actor(w.kacho, &app, at(2026, 4, 3)),
        );
        assert!(!on_time.unwrap().is_report_overdue(date(2026, 5, 1)));
        let t = kind("transport");
        let e = Application::act_in_emergency(
            &t,
            new_app(&w, transport_fields(date(2026, 4, 1))),
            date(2026, 4, 1),
            at(2026, 4, 1),
        )
        .unwrap_err();
        assert_eq!(e.errors()[0].field, field::EMERGENCY);
        // An emergency cannot be dated in the future.
        assert!(Application::act_in_emergency(&k, new, date(2026, 4, 9), at(2026, 4, 1)).is_err());
    }

    #[test]
    fn an_application_round_trips_through_json() {
        let w = world();
        let k = staged(&w, true);
        let app = submitted(&w, &k, transport_fields(date(2026, 4, 2)));
        let json = serde_json::to_string(&app).unwrap();
        assert_eq!(serde_json::from_str::<Application>(&json).unwrap(), app);
        assert_eq!(Status::parse(app.status.key()), Some(Status::Submitted));
    }

    #[test]
    fn the_japan_date_of_an_instant() {
        let late = Utc.with_ymd_and_hms(2026, 3, 31, 16, 0, 0).unwrap();
        assert_eq!(japan_date(late), date(2026, 4, 1));
    }
}

#[cfg(test)]
mod properties {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use proptest::prelude::*;

    use super::tests::{actor, approve, at, ctx, date, new_app, staged, transport_fields, world};
    use super::*;

    /// An operation on an application: who (0 staff, 1 課長, 2 部長, 3 CISO, 4 情報課長) does what.
    #[derive(Debug, Clone, Copy)]
    enum Op {
        Submit(usize),
        Decide(usize, usize, u8),
        Withdraw(usize),
        Start(usize),
        Complete(usize),
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            (0usize..5).prop_map(Op::Submit),
            (0usize..5, 0usize..3, 0u8..3).prop_map(|(p, s, d)| Op::Decide(p, s, d)),
            (0usize..5).prop_map(Op::Withdraw),
            (0usize..5).prop_map(Op::Start),
            (0usize..5).prop_map(Op::Complete),
        ]
    }

    proptest! {
        /// Whatever is tried: a refused transition changes nothing; an accepted one adds exactly
        /// one event and one version; nobody but a candidate of the current step decides; the
        /// applicant never decides; the status only leaves a final state never.
        #[test]
        fn every_transition_is_one_version_and_only_candidates_decide(
            ops in proptest::collection::vec(op(), 1..25), consult in any::<bool>()
        ) {
            let w = world();
            let people = [w.staff, w.kacho, w.bucho, w.ciso, w.other_kacho];
            let k = staged(&w, consult);
            let fields = transport_fields(date(2026, 4, 2));
            let mut app = Application::draft(&k, new_app(&w, fields.clone()), at(2026, 4, 1)).unwrap();
            let sod = SodPolicy::default();
            for op in ops {
                let when = at(2026, 4, 1);
                let before = app.clone();
                let result = match op {
                    Op::Submit(p) => {
                        let route = resolve_route(&k, &w.snap, &w.matrix, &ctx(&w), &fields, None).unwrap();
                        app.submit(&k, route, &actor(people[p], &app, when))
                    }
                    Op::Decide(p, s, d) => {
                        let decision = [Decision::Approve, Decision::Return, Decision::Reject][usize::from(d)];
                        let input = DecisionInput { step: s, decision, comment: Some("理由".into()), sod_reason: None };
                        let awaited = app.awaits(people[p]) && s == app.current_step;
                        let r = app.decide(&k, &input, &sod, &actor(people[p], &app, when));
                        if r.is_ok() {
                            prop_assert!(awaited);
                            prop_assert_ne!(people[p], w.staff);
                        }
                        if awaited && people[p] != w.staff {
                            prop_assert!(r.is_ok(), "{:?}", r);
                        }
                        r
                    }
                    Op::Withdraw(p) => app.withdraw(None, &actor(people[p], &app, when)),
                    Op::Start(p) => app.start(&actor(people[p], &app, when)),
                    Op::Complete(p) => app.complete(&actor(people[p], &app, when)),
                };
                match result {
                    Ok(next) => {
                        prop_assert!(!before.status.is_final());
                        prop_assert_eq!(next.version, before.version + 1);
                        prop_assert_eq!(next.history.len(), before.history.len() + 1);
                        prop_assert_eq!(next.history.last().unwrap().version, next.version);
                        prop_assert_eq!(next.history.last().unwrap().from, Some(before.status));
                        app = next;
                    }
                    Err(e) => {
                        prop_assert!(!e.to_string().is_empty());
                        prop_assert_eq!(&app, &before);
                    }
                }
            }
        }

        /// A text field accepts exactly the values within its maximum.
        #[test]
        fn text_fields_hold_their_maximum(len in 1usize..60, max in 1u32..40) {
            let def = FieldDef {
                key: "t".into(),
                label: "件名".into(),
                kind: FieldKind::Text { max: Some(max) },
                required: true,
                help: None,
            };
            let value = "情".repeat(len);
            prop_assert_eq!(def.parse(&value).is_ok(), len <= max as usize);
        }

        /// 合議 completes when every seat has approved, in any order, and not before.
        #[test]
        fn a_consultation_completes_only_when_all_have_approved(kacho_first in any::<bool>()) {
            let w = world();
            let k = staged(&w, true);
            let fields = transport_fields(date(2026, 4, 2));
            let app = Application::draft(&k, new_app(&w, fields.clone()), at(2026, 4, 1)).unwrap();
            let route = resolve_route(&k, &w.snap, &w.matrix, &ctx(&w), &fields, None).unwrap();
            let mut app = app.submit(&k, route, &actor(w.staff, &app, at(2026, 4, 1))).unwrap();
            let order = if kacho_first { [w.kacho, w.other_kacho] } else { [w.other_kacho, w.kacho] };
            for (i, p) in order.into_iter().enumerate() {
                prop_assert_eq!(app.current_step, 0);
                app = app.decide(&k, &approve(0), &SodPolicy::default(), &actor(p, &app, at(2026, 4, 1))).unwrap();
                prop_assert_eq!(app.current_step, i);
            }
            prop_assert_eq!(app.current_step, 1);
        }
    }
}
