//! Application kinds as data: routes, 専決, validity, follow-ups, exceptions; the defaults seeded from the catalog and the body's own.

use crate::DomainError;
use crate::authority::{MatrixMark, OrgSnapshot};
use crate::ids::OrgUnitId;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

use super::*;

pub(super) const COMMON_KINDS_TOML: &str = include_str!("../../data/approval-kinds.toml");

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

pub(super) fn default_mark() -> MatrixMark {
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
pub(super) fn consulted_unit(
    snapshot: &OrgSnapshot,
    reference: &str,
) -> Result<OrgUnitId, DomainError> {
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
pub(super) struct KindFile {
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
    pub(super) fn date_in(&self, values: &FieldValues, key: &str) -> Option<NaiveDate> {
        values.get(key).and_then(FieldValue::end_date)
    }

    pub(super) fn summary(&self, values: &FieldValues) -> Option<String> {
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
pub(super) fn generic_kind(clause: &ApprovalClause) -> ApplicationKind {
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
