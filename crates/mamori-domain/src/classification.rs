//! The classification scheme of a body's policy and the handling rules it implies.
//!
//! A scheme is data, read from the body's profile: its axes (機密性, 完全性, 可用性 — or a single
//! 重要性分類), the levels of each axis and **their order**, the names shown to people, and the
//! handling rules (取扱制限) that say which lifecycle actions need what at which levels. Nothing in
//! code knows that 「機密性３」 is above 「機密性２」 or that 「重要性分類Ⅰ」 is the highest: the
//! data states the order (`order = "highest_first"` or `"lowest_first"`), and validation stores
//! every axis from lowest to highest.
//!
//! Other features never compare level keys or numbers themselves. They ask the scheme:
//! [`ClassificationScheme::requires`] for what an action needs, [`ClassificationScheme::is_at_least`]
//! and [`ClassificationScheme::compare_level`] for order, [`ClassificationScheme::highest`] for a
//! medium holding several assets (S-2.(2)⑤(ウ)).
//!
//! Two schemes ship as data: the guideline's C3/2/1 · I2/1 · A2/1 ([`ClassificationScheme::guideline`])
//! and the single-axis 重要性分類 Ⅰ–Ⅳ where Ⅰ is the highest
//! ([`ClassificationScheme::importance_four`]). A body can define its own with
//! [`ClassificationScheme::from_toml`]; `data/guideline.toml` documents the format.

use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use serde::{Deserialize, Serialize};
use unicode_normalization::UnicodeNormalization;

use crate::DomainError;
use crate::org::RoleDefinition;

const GUIDELINE_TOML: &str = include_str!("../data/guideline.toml");
const IMPORTANCE_FOUR_TOML: &str = include_str!("../data/importance-4.toml");

/// Characters that separate the axes in a written classification (「機密性２・完全性２・可用性１」).
/// Names may not contain them, or a displayed classification could not be read back.
const SEPARATORS: [char; 6] = ['・', '/', ',', '、', ';', '|'];

// ---------------------------------------------------------------------------------------------
// Actions

/// A step in the life of an information asset that a handling rule can restrict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// 作成
    Create,
    /// 入手
    Acquire,
    /// 利用
    Use,
    /// 保管
    Store,
    /// 送信
    Send,
    /// 運搬
    Transport,
    /// 提供（外部への提供）
    Provision,
    /// 公表
    Publication,
    /// 廃棄
    Disposal,
    /// 庁外での処理
    ProcessOffsite,
    /// 持ち出し
    CarryOut,
    /// 複製
    Copy,
    /// 印刷
    Print,
    /// 約款による外部サービスでの取扱い
    UseTermsService,
    /// ソーシャルメディアでの発信
    PostToSocialMedia,
}

impl Action {
    pub const ALL: [Action; 15] = [
        Action::Create,
        Action::Acquire,
        Action::Use,
        Action::Store,
        Action::Send,
        Action::Transport,
        Action::Provision,
        Action::Publication,
        Action::Disposal,
        Action::ProcessOffsite,
        Action::CarryOut,
        Action::Copy,
        Action::Print,
        Action::UseTermsService,
        Action::PostToSocialMedia,
    ];

    /// The stable key used in scheme data and storage.
    pub fn key(self) -> &'static str {
        match self {
            Self::Create => "create",
            Self::Acquire => "acquire",
            Self::Use => "use",
            Self::Store => "store",
            Self::Send => "send",
            Self::Transport => "transport",
            Self::Provision => "provision",
            Self::Publication => "publication",
            Self::Disposal => "disposal",
            Self::ProcessOffsite => "process_offsite",
            Self::CarryOut => "carry_out",
            Self::Copy => "copy",
            Self::Print => "print",
            Self::UseTermsService => "use_terms_service",
            Self::PostToSocialMedia => "post_to_social_media",
        }
    }

    /// The Japanese name, as the guideline words it.
    pub fn label(self) -> &'static str {
        match self {
            Self::Create => "作成",
            Self::Acquire => "入手",
            Self::Use => "利用",
            Self::Store => "保管",
            Self::Send => "送信",
            Self::Transport => "運搬",
            Self::Provision => "外部提供",
            Self::Publication => "公表",
            Self::Disposal => "廃棄",
            Self::ProcessOffsite => "庁外での処理",
            Self::CarryOut => "持ち出し",
            Self::Copy => "複製",
            Self::Print => "印刷",
            Self::UseTermsService => "約款による外部サービスでの取扱い",
            Self::PostToSocialMedia => "ソーシャルメディアでの発信",
        }
    }

    /// Reads a stable key (`"transport"`).
    pub fn parse(key: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.key() == key.trim())
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

// ---------------------------------------------------------------------------------------------
// Requirements

/// What a handling rule demands before or while an action is taken. A closed set, so that the
/// approval and register features can act on each one; which of them apply at which level is
/// data of the scheme.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum Requirement {
    /// 許可: the holder of the role (a key of the body's role set, e.g. `security_manager`) must
    /// permit the action.
    Permission { role: String },
    /// 禁止: the action is not allowed at all (約款による外部サービス, SNS for 機密性２以上).
    Prohibited,
    /// 暗号化
    Encryption,
    /// パスワード設定
    PasswordProtection,
    /// 暗号化又はパスワード設定: the guideline lets the person choose either.
    EncryptionOrPassword,
    /// 鍵付きケース等への格納 (運搬)
    LockedCase,
    /// 耐火・耐熱・耐水・耐湿の施錠可能な場所への保管 (S-2.(2)⑥(エ))
    LockedStorage,
    /// 保管場所の制限、保管場所への必要以上の電磁的記録媒体等の持ち込み禁止
    RestrictedStorage,
    /// 復元不可能な処理を施しての廃棄
    IrrecoverableDisposal,
    /// 廃棄の記録（日時、担当者及び処理内容）
    DisposalRecord,
    /// 持ち出しの記録
    CarryOutRecord,
    /// バックアップ
    Backup,
    /// 電子署名の付与
    ElectronicSignature,
    /// 指定する時間以内の復旧. `None` while the body has not fixed the time (the guideline leaves
    /// it to the body).
    RecoveryWithin { hours: Option<u32> },
    /// 支給以外の端末での作業の禁止
    IssuedDeviceOnly,
    /// 必要以上の複製及び配付の禁止
    NoExcessCopies,
    /// 信頼のできるネットワーク回線の選択
    TrustedNetwork,
    /// 外部で情報処理を行う際の安全管理措置
    OffsiteSafeguards,
    /// アクセス制御
    AccessControl,
    /// 公開する情報の完全性の確保 (S-2.(2)⑨(ウ))
    IntegrityAssurance,
}

impl Requirement {
    /// The requirements that take no parameter, for parsing and listing.
    fn plain() -> [Requirement; 18] {
        [
            Self::Prohibited,
            Self::Encryption,
            Self::PasswordProtection,
            Self::EncryptionOrPassword,
            Self::LockedCase,
            Self::LockedStorage,
            Self::RestrictedStorage,
            Self::IrrecoverableDisposal,
            Self::DisposalRecord,
            Self::CarryOutRecord,
            Self::Backup,
            Self::ElectronicSignature,
            Self::IssuedDeviceOnly,
            Self::NoExcessCopies,
            Self::TrustedNetwork,
            Self::OffsiteSafeguards,
            Self::AccessControl,
            Self::IntegrityAssurance,
        ]
    }

    /// The stable key used in scheme data: `encryption`, `permission(security_manager)`,
    /// `recovery_within(24)`.
    pub fn key(&self) -> String {
        let plain = match self {
            Self::Permission { role } => return format!("permission({role})"),
            Self::RecoveryWithin { hours: Some(h) } => return format!("recovery_within({h})"),
            Self::RecoveryWithin { hours: None } => "recovery_within",
            Self::Prohibited => "prohibited",
            Self::Encryption => "encryption",
            Self::PasswordProtection => "password",
            Self::EncryptionOrPassword => "encryption_or_password",
            Self::LockedCase => "locked_case",
            Self::LockedStorage => "locked_storage",
            Self::RestrictedStorage => "restricted_storage",
            Self::IrrecoverableDisposal => "irrecoverable_disposal",
            Self::DisposalRecord => "disposal_record",
            Self::CarryOutRecord => "carry_out_record",
            Self::Backup => "backup",
            Self::ElectronicSignature => "electronic_signature",
            Self::IssuedDeviceOnly => "issued_device_only",
            Self::NoExcessCopies => "no_excess_copies",
            Self::TrustedNetwork => "trusted_network",
            Self::OffsiteSafeguards => "offsite_safeguards",
            Self::AccessControl => "access_control",
            Self::IntegrityAssurance => "integrity_assurance",
        };
        plain.to_owned()
    }

    /// The Japanese label. A permission names the role by its key; use
    /// [`label_with_roles`](Self::label_with_roles) to show the body's name for it.
    pub fn label(&self) -> String {
        match self {
            Self::Permission { role } => format!("許可（{role}）"),
            Self::RecoveryWithin { hours: Some(h) } => format!("{h}時間以内の復旧"),
            Self::RecoveryWithin { hours: None } => "指定する時間以内の復旧".to_owned(),
            Self::Prohibited => "禁止".to_owned(),
            Self::Encryption => "暗号化".to_owned(),
            Self::PasswordProtection => "パスワード設定".to_owned(),
            Self::EncryptionOrPassword => "暗号化又はパスワード設定".to_owned(),
            Self::LockedCase => "鍵付きケース等への格納".to_owned(),
            Self::LockedStorage => "耐火・耐熱・耐水・耐湿の施錠可能な場所への保管".to_owned(),
            Self::RestrictedStorage => "保管場所の制限".to_owned(),
            Self::IrrecoverableDisposal => "復元不可能な処理を施しての廃棄".to_owned(),
            Self::DisposalRecord => "廃棄の記録（日時、担当者及び処理内容）".to_owned(),
            Self::CarryOutRecord => "持ち出しの記録".to_owned(),
            Self::Backup => "バックアップ".to_owned(),
            Self::ElectronicSignature => "電子署名の付与".to_owned(),
            Self::IssuedDeviceOnly => "支給以外の端末での作業の禁止".to_owned(),
            Self::NoExcessCopies => "必要以上の複製及び配付の禁止".to_owned(),
            Self::TrustedNetwork => "信頼のできるネットワーク回線の選択".to_owned(),
            Self::OffsiteSafeguards => "外部で情報処理を行う際の安全管理措置".to_owned(),
            Self::AccessControl => "アクセス制御".to_owned(),
            Self::IntegrityAssurance => "公開する情報の完全性の確保".to_owned(),
        }
    }

    /// The label with a permission's role named as the body names it: 「所属長の許可」.
    pub fn label_with_roles(&self, roles: &[RoleDefinition]) -> String {
        match self {
            Self::Permission { role } => match roles.iter().find(|r| &r.key == role) {
                Some(def) => format!("{}の許可", def.name),
                None => self.label(),
            },
            _ => self.label(),
        }
    }

    /// Reads a key as written in scheme data.
    pub fn parse(input: &str) -> Result<Self, DomainError> {
        let key = input.trim();
        if let Some(plain) = Self::plain().into_iter().find(|r| r.key() == key) {
            return Ok(plain);
        }
        if key == "recovery_within" {
            return Ok(Self::RecoveryWithin { hours: None });
        }
        if let Some(arg) = parameter(key, "recovery_within") {
            return match arg.parse::<u32>() {
                Ok(hours) if hours > 0 => Ok(Self::RecoveryWithin { hours: Some(hours) }),
                _ => Err(DomainError::new(
                    "取扱制限",
                    format!(
                        "「{key}」の時間は1以上の整数で書いてください（例: recovery_within(24)）"
                    ),
                )),
            };
        }
        if let Some(role) = parameter(key, "permission") {
            return if is_role_key(role) {
                Ok(Self::Permission {
                    role: role.to_owned(),
                })
            } else {
                Err(DomainError::new(
                    "取扱制限",
                    format!(
                        "「{key}」の役割キーは英小文字・数字・_で書いてください（例: permission(security_manager)）"
                    ),
                ))
            };
        }
        let known: Vec<String> = Self::plain().iter().map(Self::key).collect();
        Err(DomainError::new(
            "取扱制限",
            format!(
                "「{key}」という取扱制限はありません（{}、recovery_within(時間)、permission(役割キー) のいずれかです）",
                known.join("、")
            ),
        ))
    }
}

/// `name(arg)` → `arg`.
fn parameter<'a>(key: &'a str, name: &str) -> Option<&'a str> {
    key.strip_prefix(name)?
        .strip_prefix('(')?
        .strip_suffix(')')
        .map(str::trim)
}

fn is_role_key(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

impl TryFrom<String> for Requirement {
    type Error = DomainError;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<Requirement> for String {
    fn from(value: Requirement) -> Self {
        value.key()
    }
}

impl fmt::Display for Requirement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.label())
    }
}

/// How firmly a requirement binds. The guideline's table 「必要に応じ取扱制限を行う」 and several
/// clauses (「必要に応じ暗号化…」) leave the measure to judgement; others are absolute.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Necessity {
    /// 必要に応じ
    AsNeeded,
    /// 必須
    Required,
}

impl Necessity {
    pub fn label(self) -> &'static str {
        match self {
            Self::AsNeeded => "必要に応じ",
            Self::Required => "必須",
        }
    }
}

/// One requirement as demanded for an action: how firmly, and by which clauses.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Demand {
    pub necessity: Necessity,
    /// The clause ids of the rules that demand it, for showing the grounds (根拠).
    pub clauses: BTreeSet<String>,
}

/// What an action on a classified asset needs: the union of every matching rule. Where several
/// rules demand the same thing, the firmer necessity wins.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Requirements {
    items: BTreeMap<Requirement, Demand>,
}

impl Requirements {
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// Whether the requirement is demanded at all (as needed or required).
    pub fn contains(&self, requirement: &Requirement) -> bool {
        self.items.contains_key(requirement)
    }

    pub fn demand(&self, requirement: &Requirement) -> Option<&Demand> {
        self.items.get(requirement)
    }

    pub fn necessity(&self, requirement: &Requirement) -> Option<Necessity> {
        self.items.get(requirement).map(|d| d.necessity)
    }

    pub fn iter(&self) -> impl Iterator<Item = (&Requirement, &Demand)> {
        self.items.iter()
    }

    /// Whether the action is forbidden outright.
    pub fn is_prohibited(&self) -> bool {
        self.contains(&Requirement::Prohibited)
    }

    /// The role keys whose permission is needed.
    pub fn permissions(&self) -> impl Iterator<Item = &str> {
        self.items.keys().filter_map(|r| match r {
            Requirement::Permission { role } => Some(role.as_str()),
            _ => None,
        })
    }

    /// The strictest recovery time stated in hours, if any rule states one.
    pub fn recovery_within_hours(&self) -> Option<u32> {
        self.items
            .keys()
            .filter_map(|r| match r {
                Requirement::RecoveryWithin { hours } => *hours,
                _ => None,
            })
            .min()
    }

    /// Whether these requirements demand at least everything `other` demands, at least as
    /// firmly. A higher classification must always include what a lower one requires.
    pub fn includes(&self, other: &Requirements) -> bool {
        other
            .items
            .iter()
            .all(|(r, d)| self.necessity(r).is_some_and(|n| n >= d.necessity))
    }

    fn add(&mut self, requirement: &Requirement, necessity: Necessity, clause: Option<&str>) {
        let demand = self
            .items
            .entry(requirement.clone())
            .or_insert_with(|| Demand {
                necessity,
                clauses: BTreeSet::new(),
            });
        demand.necessity = demand.necessity.max(necessity);
        if let Some(clause) = clause {
            demand.clauses.insert(clause.to_owned());
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The scheme

/// One level of an axis: 「機密性３」, 「重要性分類Ⅰ」.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Level {
    /// Stable key, unique in its axis: `"3"`, `"I"`. Never compare keys: ask the scheme.
    pub key: String,
    /// The full name people read: 「機密性３」.
    pub name: String,
    /// The short label for tables and narrow columns: 「3」, 「Ⅰ」.
    pub short: String,
    /// Other spellings accepted when reading (「2」 for 「Ⅱ」).
    pub aliases: Vec<String>,
    /// 分類基準.
    pub definition: String,
    /// 取扱制限 as the policy's table words them, for display and documents. What the system
    /// enforces are the scheme's [`HandlingRule`]s.
    pub handling: Vec<String>,
}

/// One axis of classification: 機密性, 完全性, 可用性, or 重要性分類.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Axis {
    /// Stable key: `confidentiality`, `importance`.
    pub key: String,
    /// 「機密性」
    pub name: String,
    /// The levels from the LOWEST to the HIGHEST, whatever order the data listed them in.
    pub levels: Vec<Level>,
}

impl Axis {
    fn rank(&self, level_key: &str) -> Option<usize> {
        self.levels.iter().position(|l| l.key == level_key)
    }

    fn level_error(&self, level_key: &str) -> DomainError {
        DomainError::new(
            self.name.as_str(),
            format!(
                "区分「{level_key}」は{}にありません（{}のいずれかです）",
                self.name,
                self.names_highest_first()
            ),
        )
    }

    fn names_highest_first(&self) -> String {
        let names: Vec<&str> = self.levels.iter().rev().map(|l| l.name.as_str()).collect();
        names.join("・")
    }
}

/// A handling rule: when an asset's level on `axis` is at or above `at_or_above` **in the
/// scheme's order**, the `actions` need the `requires`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HandlingRule {
    /// The axis key.
    pub axis: String,
    /// The threshold level key. A rule at an axis's lowest level applies to every asset.
    pub at_or_above: String,
    pub actions: Vec<Action>,
    pub requires: Vec<Requirement>,
    /// The clause of the policy that states the rule, e.g. `S-2.(2)⑧(イ)`.
    pub clause: Option<String>,
    /// 「必要に応じ」: the measure is left to judgement.
    pub as_needed: bool,
    #[serde(skip)]
    axis_index: usize,
    #[serde(skip)]
    threshold: usize,
}

impl HandlingRule {
    pub fn necessity(&self) -> Necessity {
        if self.as_needed {
            Necessity::AsNeeded
        } else {
            Necessity::Required
        }
    }
}

/// A body's classification scheme. Built only by validating data, so every axis has its levels
/// in order and every rule points at an existing axis and level.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ClassificationScheme {
    id: String,
    name: String,
    axes: Vec<Axis>,
    rules: Vec<HandlingRule>,
    read_log: ReadLog,
}

/// From which level on opening an asset is written into the audit trail (「閲覧の記録」): by
/// default the highest level of the first axis (機密性３, 重要性分類Ⅰ).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReadLog {
    pub axis: String,
    pub at_or_above: String,
    #[serde(skip)]
    axis_index: usize,
    #[serde(skip)]
    threshold: usize,
}

/// A classification under a scheme: one level per axis. Built only by
/// [`ClassificationScheme::classify`] or [`ClassificationScheme::parse_classification`]; shows
/// itself in the scheme's names (「機密性２・完全性２・可用性１」).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Classification {
    choices: Vec<Choice>,
}

/// The level chosen on one axis.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Choice {
    pub axis: String,
    pub axis_name: String,
    pub level: String,
    pub level_name: String,
}

impl Classification {
    /// The chosen levels, in the scheme's axis order.
    pub fn choices(&self) -> &[Choice] {
        &self.choices
    }

    /// The key of the level chosen on an axis, for storage. Not for comparison: ask the scheme.
    pub fn level_key(&self, axis: &str) -> Option<&str> {
        self.choices
            .iter()
            .find(|c| c.axis == axis)
            .map(|c| c.level.as_str())
    }

    /// `(axis key, level key)` pairs, for storage; [`ClassificationScheme::classify`] reads them
    /// back.
    pub fn keys(&self) -> Vec<(&str, &str)> {
        self.choices
            .iter()
            .map(|c| (c.axis.as_str(), c.level.as_str()))
            .collect()
    }
}

impl fmt::Display for Classification {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, c) in self.choices.iter().enumerate() {
            if i > 0 {
                f.write_str("・")?;
            }
            f.write_str(&c.level_name)?;
        }
        Ok(())
    }
}

impl ClassificationScheme {
    /// The guideline's scheme: 機密性３/２/１ · 完全性２/１ · 可用性２/１ and its 取扱制限.
    pub fn guideline() -> Result<Self, DomainError> {
        Self::from_toml(GUIDELINE_TOML)
    }

    /// The single-axis 重要性分類 Ⅰ–Ⅳ (Ⅰ the highest), the guideline's alternative (注1).
    pub fn importance_four() -> Result<Self, DomainError> {
        Self::from_toml(IMPORTANCE_FOUR_TOML)
    }

    /// Reads and validates a scheme written in TOML (see `data/guideline.toml`).
    pub fn from_toml(text: &str) -> Result<Self, DomainError> {
        let raw: RawScheme = toml::from_str(text).map_err(|e| {
            // The line is what a person editing the text needs; toml's message says the rest.
            let line = e
                .span()
                .and_then(|span| text.get(..span.start))
                .map(|before| before.matches('\n').count() + 1);
            let at = line.map(|l| format!("（{l}行目）")).unwrap_or_default();
            DomainError::new(
                "分類体系",
                format!("TOMLとして読めません{at}: {}", e.message().trim()),
            )
        })?;
        raw.validate()
    }

    /// Writes the scheme in the form [`from_toml`](Self::from_toml) reads, levels listed from
    /// the highest.
    pub fn to_toml(&self) -> Result<String, DomainError> {
        toml::to_string(&RawScheme::from(self))
            .map_err(|e| DomainError::new("分類体系", format!("TOMLに書き出せません: {e}")))
    }

    pub fn id(&self) -> &str {
        &self.id
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn axes(&self) -> &[Axis] {
        &self.axes
    }

    pub fn axis(&self, key: &str) -> Option<&Axis> {
        self.axes.iter().find(|a| a.key == key)
    }

    pub fn rules(&self) -> &[HandlingRule] {
        &self.rules
    }

    /// From which level on reads are recorded.
    pub fn read_log(&self) -> &ReadLog {
        &self.read_log
    }

    /// Whether opening an asset of this classification is written into the audit trail.
    pub fn read_is_recorded(&self, classification: &Classification) -> Result<bool, DomainError> {
        let ranks = self.ranks(classification)?;
        Ok(ranks
            .get(self.read_log.axis_index)
            .is_some_and(|&rank| rank >= self.read_log.threshold))
    }

    /// The condition of the read log in words: 「機密性３」, 「重要性分類Ⅱ以上」.
    pub fn read_log_label(&self) -> String {
        self.condition_words(self.read_log.axis_index, self.read_log.threshold)
    }

    /// The condition of a rule in words: 「機密性２以上」, 「重要性分類Ⅰ」, 「全ての情報資産」.
    pub fn condition_label(&self, rule: &HandlingRule) -> String {
        self.condition_words(rule.axis_index, rule.threshold)
    }

    fn condition_words(&self, axis_index: usize, threshold: usize) -> String {
        let Some(axis) = self.axes.get(axis_index) else {
            return String::new();
        };
        let Some(level) = axis.levels.get(threshold) else {
            return String::new();
        };
        if threshold == 0 {
            "全ての情報資産".to_owned()
        } else if threshold + 1 == axis.levels.len() {
            level.name.clone()
        } else {
            format!("{}以上", level.name)
        }
    }

    /// The classification of an unlabelled asset: the lowest level on every axis (注4).
    pub fn lowest(&self) -> Classification {
        self.classification_at(&vec![0; self.axes.len()])
    }

    /// Every classification the scheme allows, for choosers and exhaustive checks.
    pub fn classifications(&self) -> Vec<Classification> {
        let mut all: Vec<Vec<usize>> = vec![Vec::new()];
        for axis in &self.axes {
            all = all
                .into_iter()
                .flat_map(|prefix| {
                    (0..axis.levels.len()).map(move |rank| {
                        let mut next = prefix.clone();
                        next.push(rank);
                        next
                    })
                })
                .collect();
        }
        all.iter()
            .map(|ranks| self.classification_at(ranks))
            .collect()
    }

    /// Builds a classification from `(axis key, level key)` pairs, one for every axis.
    pub fn classify(&self, pairs: &[(&str, &str)]) -> Result<Classification, DomainError> {
        let mut ranks: Vec<Option<usize>> = vec![None; self.axes.len()];
        for (axis_key, level_key) in pairs {
            let Some(index) = self.axes.iter().position(|a| a.key == *axis_key) else {
                return Err(DomainError::new(
                    "分類",
                    format!(
                        "軸「{axis_key}」はこの分類体系（{}）にありません",
                        self.name
                    ),
                ));
            };
            let axis = &self.axes[index];
            let rank = axis
                .rank(level_key)
                .ok_or_else(|| axis.level_error(level_key))?;
            self.set_once(&mut ranks, index, rank)?;
        }
        self.complete(&ranks)
    }

    /// Reads a classification as people write it: 「機密性２・完全性２・可用性１」, 「機密性3/完全性1
    /// /可用性1」, 「重要性分類Ⅱ」, 「Ⅱ」, 「2」 (full-width or half-width). A bare level that more
    /// than one axis could mean is rejected rather than guessed.
    pub fn parse_classification(&self, input: &str) -> Result<Classification, DomainError> {
        let tokens = self.tokens(input);
        if tokens.is_empty() {
            return Err(DomainError::new("分類", "分類を入力してください"));
        }
        let mut ranks: Vec<Option<usize>> = vec![None; self.axes.len()];
        for token in &tokens {
            let (index, rank) = self.match_token(token)?;
            self.set_once(&mut ranks, index, rank)?;
        }
        self.complete(&ranks)
    }

    /// What the action needs for an asset of this classification: the union of every rule for
    /// the action whose axis level is at or above the rule's threshold in the scheme's order.
    pub fn requires(
        &self,
        classification: &Classification,
        action: Action,
    ) -> Result<Requirements, DomainError> {
        let ranks = self.ranks(classification)?;
        let mut out = Requirements::default();
        for rule in &self.rules {
            let reached = ranks
                .get(rule.axis_index)
                .is_some_and(|&rank| rank >= rule.threshold);
            if reached && rule.actions.contains(&action) {
                for requirement in &rule.requires {
                    out.add(requirement, rule.necessity(), rule.clause.as_deref());
                }
            }
        }
        Ok(out)
    }

    /// Whether the classification's level on `axis` is at or above `level` in the scheme's
    /// order: 「機密性２以上か」, 「重要性分類Ⅱ以上か」.
    pub fn is_at_least(
        &self,
        classification: &Classification,
        axis: &str,
        level: &str,
    ) -> Result<bool, DomainError> {
        let (index, axis_def) = self.axis_indexed(axis)?;
        let threshold = axis_def
            .rank(level)
            .ok_or_else(|| axis_def.level_error(level))?;
        let ranks = self.ranks(classification)?;
        Ok(ranks.get(index).is_some_and(|&rank| rank >= threshold))
    }

    /// Orders two levels of an axis: `Greater` when `a` is the higher.
    pub fn compare_level(&self, axis: &str, a: &str, b: &str) -> Result<Ordering, DomainError> {
        let (_, axis_def) = self.axis_indexed(axis)?;
        let ra = axis_def.rank(a).ok_or_else(|| axis_def.level_error(a))?;
        let rb = axis_def.rank(b).ok_or_else(|| axis_def.level_error(b))?;
        Ok(ra.cmp(&rb))
    }

    /// The classification a medium holding all these assets is handled at: per axis the highest
    /// level (S-2.(2)⑤(ウ)). `None` for no input.
    pub fn highest(
        &self,
        classifications: &[Classification],
    ) -> Result<Option<Classification>, DomainError> {
        let mut top: Option<Vec<usize>> = None;
        for c in classifications {
            let ranks = self.ranks(c)?;
            top = Some(match top {
                None => ranks,
                Some(t) => t.iter().zip(&ranks).map(|(a, b)| *a.max(b)).collect(),
            });
        }
        Ok(top.map(|ranks| self.classification_at(&ranks)))
    }

    // -- internals ------------------------------------------------------------------------

    fn axis_indexed(&self, key: &str) -> Result<(usize, &Axis), DomainError> {
        self.axes
            .iter()
            .enumerate()
            .find(|(_, a)| a.key == key)
            .ok_or_else(|| {
                DomainError::new(
                    "分類",
                    format!("軸「{key}」はこの分類体系（{}）にありません", self.name),
                )
            })
    }

    /// The rank of each axis's level, in axis order. Fails for a classification made under a
    /// scheme whose keys this one does not have: guessing would risk demanding too little.
    fn ranks(&self, classification: &Classification) -> Result<Vec<usize>, DomainError> {
        self.axes
            .iter()
            .map(|axis| {
                let level = classification.level_key(&axis.key).ok_or_else(|| {
                    DomainError::new(axis.name.as_str(), "区分が指定されていません")
                })?;
                axis.rank(level).ok_or_else(|| axis.level_error(level))
            })
            .collect()
    }

    fn classification_at(&self, ranks: &[usize]) -> Classification {
        let choices = self
            .axes
            .iter()
            .zip(ranks)
            .filter_map(|(axis, &rank)| {
                axis.levels.get(rank).map(|level| Choice {
                    axis: axis.key.clone(),
                    axis_name: axis.name.clone(),
                    level: level.key.clone(),
                    level_name: level.name.clone(),
                })
            })
            .collect();
        Classification { choices }
    }

    fn set_once(
        &self,
        ranks: &mut [Option<usize>],
        index: usize,
        rank: usize,
    ) -> Result<(), DomainError> {
        let axis = &self.axes[index];
        match ranks[index] {
            Some(previous) => {
                let name_of = |r: usize| axis.levels.get(r).map_or("", |l| l.name.as_str());
                Err(DomainError::new(
                    axis.name.as_str(),
                    format!(
                        "{}が二度指定されています（{}と{}）",
                        axis.name,
                        name_of(previous),
                        name_of(rank)
                    ),
                ))
            }
            None => {
                ranks[index] = Some(rank);
                Ok(())
            }
        }
    }

    fn complete(&self, ranks: &[Option<usize>]) -> Result<Classification, DomainError> {
        let mut out = Vec::with_capacity(ranks.len());
        for (axis, rank) in self.axes.iter().zip(ranks) {
            match rank {
                Some(r) => out.push(*r),
                None => {
                    return Err(DomainError::new(
                        axis.name.as_str(),
                        format!(
                            "区分が指定されていません（{}のいずれかを指定してください）",
                            axis.names_highest_first()
                        ),
                    ));
                }
            }
        }
        Ok(self.classification_at(&out))
    }

    /// Splits written input into one token per axis. 「機密性 ２」 (an axis name, a space, a level)
    /// is joined back into one token.
    fn tokens(&self, input: &str) -> Vec<String> {
        let normalized: String = input.nfkc().collect();
        let pieces: Vec<String> = normalized
            .split(|c: char| SEPARATORS.contains(&c) || c.is_whitespace())
            .map(normalize)
            .filter(|p| !p.is_empty())
            .collect();
        let axis_names: Vec<String> = self.axes.iter().map(|a| normalize(&a.name)).collect();
        let mut tokens: Vec<String> = Vec::with_capacity(pieces.len());
        let mut pending_axis: Option<String> = None;
        for piece in pieces {
            match pending_axis.take() {
                Some(axis) => tokens.push(format!("{axis}{piece}")),
                None if axis_names.contains(&piece) => pending_axis = Some(piece),
                None => tokens.push(piece),
            }
        }
        tokens.extend(pending_axis);
        tokens
    }

    /// Which (axis, rank) a normalized token names. A token matches a level by its full name, by
    /// the axis name followed by the level's key, short label or alias, or by one of those alone.
    fn match_token(&self, token: &str) -> Result<(usize, usize), DomainError> {
        let mut found: Vec<(usize, usize)> = Vec::new();
        let mut named_axis: Option<usize> = None;
        for (ai, axis) in self.axes.iter().enumerate() {
            let rest = token
                .strip_prefix(normalize(&axis.name).as_str())
                .map(|r| r.trim_start_matches(':'));
            if rest.is_some() {
                named_axis = Some(ai);
            }
            for (rank, level) in axis.levels.iter().enumerate() {
                let spellings = spellings(level);
                let hit = normalize(&level.name) == token
                    || rest.is_some_and(|r| spellings.iter().any(|s| s == r))
                    || spellings.iter().any(|s| s == token);
                if hit {
                    found.push((ai, rank));
                }
            }
        }
        match found.as_slice() {
            [hit] => Ok(*hit),
            [] => Err(match named_axis.and_then(|i| self.axes.get(i)) {
                Some(axis) => DomainError::new(
                    axis.name.as_str(),
                    format!(
                        "「{token}」は{}の区分にありません（{}のいずれかです）",
                        axis.name,
                        axis.names_highest_first()
                    ),
                ),
                None => DomainError::new(
                    "分類",
                    format!(
                        "「{token}」に当たる区分がこの分類体系（{}）にありません",
                        self.name
                    ),
                ),
            }),
            several => {
                let axes_hit: BTreeSet<usize> = several.iter().map(|(a, _)| *a).collect();
                let axis_names: Vec<&str> = axes_hit
                    .iter()
                    .filter_map(|&i| self.axes.get(i))
                    .map(|a| a.name.as_str())
                    .collect();
                let level_names: Vec<&str> = several
                    .iter()
                    .filter_map(|&(a, r)| self.axes.get(a).and_then(|axis| axis.levels.get(r)))
                    .map(|l| l.name.as_str())
                    .collect();
                Err(DomainError::new(
                    axis_names.join("・"),
                    format!(
                        "「{token}」は{}のどれか判別できません。「{}」のように軸の名前を付けて書いてください",
                        level_names.join("・"),
                        level_names.first().copied().unwrap_or_default()
                    ),
                ))
            }
        }
    }
}

/// The form in which names are compared: NFKC (full-width digits, 「Ⅱ」 → `II`), no spaces,
/// upper case.
fn normalize(s: &str) -> String {
    s.nfkc()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_uppercase()
}

/// The normalized spellings that name a level besides its full name.
fn spellings(level: &Level) -> Vec<String> {
    std::iter::once(&level.key)
        .chain(std::iter::once(&level.short))
        .chain(&level.aliases)
        .map(|s| normalize(s))
        .filter(|s| !s.is_empty())
        .collect()
}

// ---------------------------------------------------------------------------------------------
// The data form and its validation

const HIGHEST_FIRST: &str = "highest_first";
const LOWEST_FIRST: &str = "lowest_first";

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawScheme {
    id: String,
    name: String,
    #[serde(default)]
    axes: Vec<RawAxis>,
    #[serde(default)]
    rules: Vec<RawRule>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    read_log: Option<RawReadLog>,
}

/// `[read_log] axis = "confidentiality", at_or_above = "3"`.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawReadLog {
    axis: String,
    at_or_above: String,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAxis {
    key: String,
    name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    order: Option<String>,
    #[serde(default)]
    levels: Vec<RawLevel>,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLevel {
    key: String,
    name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    short: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    aliases: Vec<String>,
    #[serde(default)]
    definition: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    handling: Vec<String>,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    axis: String,
    at_or_above: String,
    #[serde(default)]
    actions: Vec<String>,
    #[serde(default)]
    requires: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    clause: Option<String>,
    #[serde(default, skip_serializing_if = "is_false")]
    as_needed: bool,
}

fn is_false(b: &bool) -> bool {
    !*b
}

impl From<&ClassificationScheme> for RawScheme {
    fn from(scheme: &ClassificationScheme) -> Self {
        RawScheme {
            id: scheme.id.clone(),
            name: scheme.name.clone(),
            axes: scheme
                .axes
                .iter()
                .map(|axis| RawAxis {
                    key: axis.key.clone(),
                    name: axis.name.clone(),
                    order: Some(HIGHEST_FIRST.to_owned()),
                    levels: axis
                        .levels
                        .iter()
                        .rev()
                        .map(|l| RawLevel {
                            key: l.key.clone(),
                            name: l.name.clone(),
                            short: Some(l.short.clone()),
                            aliases: l.aliases.clone(),
                            definition: l.definition.clone(),
                            handling: l.handling.clone(),
                        })
                        .collect(),
                })
                .collect(),
            rules: scheme
                .rules
                .iter()
                .map(|r| RawRule {
                    axis: r.axis.clone(),
                    at_or_above: r.at_or_above.clone(),
                    actions: r.actions.iter().map(|a| a.key().to_owned()).collect(),
                    requires: r.requires.iter().map(Requirement::key).collect(),
                    clause: r.clause.clone(),
                    as_needed: r.as_needed,
                })
                .collect(),
            read_log: Some(RawReadLog {
                axis: scheme.read_log.axis.clone(),
                at_or_above: scheme.read_log.at_or_above.clone(),
            }),
        }
    }
}

/// A key must survive storage and forms unchanged: no spaces, no separators.
fn check_key(field: &str, what: &str, key: &str) -> Result<(), DomainError> {
    if key.is_empty()
        || key
            .chars()
            .any(|c| c.is_whitespace() || SEPARATORS.contains(&c))
    {
        return Err(DomainError::new(
            field,
            format!(
                "{what}のキー「{key}」は空白や区切り文字（・ / , 、 ; |）を含まない文字列にしてください"
            ),
        ));
    }
    Ok(())
}

/// A name is read back from a displayed classification, so it may hold no separator.
fn check_name(field: &str, what: &str, name: &str) -> Result<(), DomainError> {
    if normalize(name).is_empty() {
        return Err(DomainError::new(field, format!("{what}の名前が空です")));
    }
    let normalized: String = name.nfkc().collect();
    if normalized.chars().any(|c| SEPARATORS.contains(&c)) {
        return Err(DomainError::new(
            field,
            format!("{what}の名前「{name}」に区切り文字（・ / , 、 ; |）は使えません"),
        ));
    }
    Ok(())
}

impl RawScheme {
    fn validate(self) -> Result<ClassificationScheme, DomainError> {
        if self.id.trim().is_empty() {
            return Err(DomainError::new("分類体系ID", "空にはできません"));
        }
        if self.name.trim().is_empty() {
            return Err(DomainError::new("分類体系名", "空にはできません"));
        }
        if self.axes.is_empty() {
            return Err(DomainError::new("軸", "軸を一つ以上定めてください"));
        }
        let mut axes: Vec<Axis> = Vec::with_capacity(self.axes.len());
        for raw in self.axes {
            let axis = raw.validate()?;
            if axes.iter().any(|a| a.key == axis.key) {
                return Err(DomainError::new(
                    "軸",
                    format!("軸のキー「{}」が重複しています", axis.key),
                ));
            }
            if axes
                .iter()
                .any(|a| normalize(&a.name) == normalize(&axis.name))
            {
                return Err(DomainError::new(
                    "軸",
                    format!("軸の名前「{}」が重複しています", axis.name),
                ));
            }
            // A displayed classification is read back by level names, so each must name one
            // level of the whole scheme.
            for level in &axis.levels {
                if let Some(other) = axes.iter().find(|a| {
                    a.levels
                        .iter()
                        .any(|l| normalize(&l.name) == normalize(&level.name))
                }) {
                    return Err(DomainError::new(
                        axis.name.as_str(),
                        format!("区分名「{}」は軸「{}」にもあります", level.name, other.name),
                    ));
                }
            }
            axes.push(axis);
        }
        let mut rules = Vec::with_capacity(self.rules.len());
        for (i, raw) in self.rules.into_iter().enumerate() {
            rules.push(raw.validate(i + 1, &axes)?);
        }
        let read_log = read_log_of(self.read_log, &axes)?;
        Ok(ClassificationScheme {
            id: self.id.trim().to_owned(),
            name: self.name.trim().to_owned(),
            axes,
            rules,
            read_log,
        })
    }
}

/// The scheme's `[read_log]`, or the highest level of its first axis when it has none.
fn read_log_of(raw: Option<RawReadLog>, axes: &[Axis]) -> Result<ReadLog, DomainError> {
    let field = "閲覧の記録（read_log）";
    let Some(raw) = raw else {
        let (axis, top) = axes
            .first()
            .and_then(|a| a.levels.last().map(|l| (a, l)))
            .ok_or_else(|| DomainError::new("軸", "軸を一つ以上定めてください"))?;
        return Ok(ReadLog {
            axis: axis.key.clone(),
            at_or_above: top.key.clone(),
            axis_index: 0,
            threshold: axis.levels.len() - 1,
        });
    };
    let (axis_index, axis) = axes
        .iter()
        .enumerate()
        .find(|(_, a)| a.key == raw.axis)
        .ok_or_else(|| DomainError::new(field, format!("軸「{}」がありません", raw.axis)))?;
    let threshold = axis.rank(&raw.at_or_above).ok_or_else(|| {
        DomainError::new(
            field,
            format!("区分「{}」は{}にありません", raw.at_or_above, axis.name),
        )
    })?;
    Ok(ReadLog {
        axis: raw.axis,
        at_or_above: raw.at_or_above,
        axis_index,
        threshold,
    })
}

impl RawAxis {
    fn validate(self) -> Result<Axis, DomainError> {
        check_key("軸", "軸", &self.key)?;
        check_name("軸", &format!("軸「{}」", self.key), &self.name)?;
        let name = self.name.trim().to_owned();
        let highest_first = match self.order.as_deref().map(str::trim) {
            Some(HIGHEST_FIRST) => true,
            Some(LOWEST_FIRST) => false,
            other => {
                return Err(DomainError::new(
                    name.as_str(),
                    format!(
                        "区分の並び順（order）が{}。最も高い区分から並べたなら \"{HIGHEST_FIRST}\"、最も低い区分からなら \"{LOWEST_FIRST}\" と明示してください",
                        other.map_or("書かれていません".to_owned(), |o| format!(
                            "「{o}」では分かりません"
                        ))
                    ),
                ));
            }
        };
        if self.levels.is_empty() {
            return Err(DomainError::new(
                name.as_str(),
                "区分を一つ以上定めてください",
            ));
        }
        let mut levels: Vec<Level> = Vec::with_capacity(self.levels.len());
        for raw in self.levels {
            check_key(&name, "区分", &raw.key)?;
            check_name(&name, &format!("区分「{}」", raw.key), &raw.name)?;
            let level = Level {
                short: raw
                    .short
                    .map(|s| s.trim().to_owned())
                    .filter(|s| !s.is_empty())
                    .unwrap_or_else(|| raw.key.clone()),
                key: raw.key,
                name: raw.name.trim().to_owned(),
                aliases: raw.aliases.iter().map(|a| a.trim().to_owned()).collect(),
                definition: raw.definition.trim().to_owned(),
                handling: raw.handling,
            };
            if levels.iter().any(|l| l.key == level.key) {
                return Err(DomainError::new(
                    name.as_str(),
                    format!("区分のキー「{}」が重複しています", level.key),
                ));
            }
            // Every way of writing a level must name only that level of the axis.
            let mine: Vec<String> = spellings(&level)
                .into_iter()
                .chain(std::iter::once(normalize(&level.name)))
                .collect();
            for other in &levels {
                let theirs: Vec<String> = spellings(other)
                    .into_iter()
                    .chain(std::iter::once(normalize(&other.name)))
                    .collect();
                if let Some(shared) = mine.iter().find(|s| theirs.contains(s)) {
                    return Err(DomainError::new(
                        name.as_str(),
                        format!(
                            "「{shared}」が区分「{}」と区分「{}」の両方を指します",
                            other.key, level.key
                        ),
                    ));
                }
            }
            levels.push(level);
        }
        if highest_first {
            levels.reverse();
        }
        Ok(Axis {
            key: self.key,
            name,
            levels,
        })
    }
}

/// Reads a rule's list of keys, dropping repeats. An empty list is a mistake in the data: a
/// rule that applies to nothing or demands nothing.
fn parse_list<T: PartialEq>(
    label: &str,
    what: &str,
    keys: &[String],
    parse: impl Fn(&str) -> Result<T, DomainError>,
) -> Result<Vec<T>, DomainError> {
    if keys.is_empty() {
        return Err(DomainError::new(
            "取扱規則",
            format!("{label}の{what}を一つ以上書いてください"),
        ));
    }
    let mut out = Vec::with_capacity(keys.len());
    for key in keys {
        let item = parse(key)?;
        if !out.contains(&item) {
            out.push(item);
        }
    }
    Ok(out)
}

impl RawRule {
    fn validate(self, number: usize, axes: &[Axis]) -> Result<HandlingRule, DomainError> {
        let label = match &self.clause {
            Some(c) => format!("取扱規則{number}（{c}）"),
            None => format!("取扱規則{number}"),
        };
        let Some((axis_index, axis)) = axes.iter().enumerate().find(|(_, a)| a.key == self.axis)
        else {
            return Err(DomainError::new(
                "取扱規則",
                format!("{label}の軸「{}」はこの分類体系にありません", self.axis),
            ));
        };
        let Some(threshold) = axis.rank(&self.at_or_above) else {
            return Err(DomainError::new(
                axis.name.as_str(),
                format!(
                    "{label}の区分「{}」は{}にありません（{}のいずれかのキーです）",
                    self.at_or_above,
                    axis.name,
                    axis.levels
                        .iter()
                        .rev()
                        .map(|l| l.key.as_str())
                        .collect::<Vec<_>>()
                        .join("・")
                ),
            ));
        };
        let actions = parse_list(&label, "行為（actions）", &self.actions, |key| {
            Action::parse(key).ok_or_else(|| {
                let known: Vec<String> = Action::ALL
                    .iter()
                    .map(|a| format!("{}={}", a.label(), a.key()))
                    .collect();
                DomainError::new(
                    "取扱規則",
                    format!(
                        "{label}の行為「{key}」はありません（{}のいずれかです）",
                        known.join("、")
                    ),
                )
            })
        })?;
        let requires = parse_list(&label, "取扱制限（requires）", &self.requires, |key| {
            Requirement::parse(key)
                .map_err(|e| DomainError::new(e.field, format!("{label}: {}", e.message)))
        })?;
        let clause = self
            .clause
            .map(|c| c.trim().to_owned())
            .filter(|c| !c.is_empty());
        Ok(HandlingRule {
            axis: self.axis,
            at_or_above: self.at_or_above,
            actions,
            requires,
            clause,
            as_needed: self.as_needed,
            axis_index,
            threshold,
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use super::*;
    use proptest::prelude::*;

    fn guideline() -> ClassificationScheme {
        ClassificationScheme::guideline().unwrap()
    }

    fn importance() -> ClassificationScheme {
        ClassificationScheme::importance_four().unwrap()
    }

    fn manager() -> Requirement {
        Requirement::Permission {
            role: "security_manager".into(),
        }
    }

    // -- the shipped schemes ----------------------------------------------------------------

    #[test]
    fn shipped_schemes_load_and_order_their_levels_lowest_first() {
        let g = guideline();
        let c = g.axis("confidentiality").unwrap();
        let keys: Vec<&str> = c.levels.iter().map(|l| l.key.as_str()).collect();
        assert_eq!(keys, ["1", "2", "3"]);
        assert_eq!(g.axes().len(), 3);

        let i = importance();
        let keys: Vec<&str> = i.axes()[0].levels.iter().map(|l| l.key.as_str()).collect();
        assert_eq!(keys, ["IV", "III", "II", "I"], "Ⅰ is the highest");
        assert_eq!(
            i.compare_level("importance", "I", "II").unwrap(),
            Ordering::Greater
        );
        assert_eq!(
            g.compare_level("confidentiality", "3", "2").unwrap(),
            Ordering::Greater
        );
    }

    /// scheme | classification as written | action | demanded | not demanded (`-` for none).
    const REQUIREMENT_TABLE: &str = "
guideline    | 機密性2・完全性1・可用性1 | transport         | permission(security_manager) locked_case encryption_or_password | -
guideline    | 機密性3・完全性1・可用性1 | transport         | permission(security_manager)                      | -
guideline    | 機密性1・完全性2・可用性2 | transport         | -                                                 | permission(security_manager)
guideline    | 機密性2・完全性1・可用性1 | provision         | permission(security_manager) encryption_or_password | -
guideline    | 機密性2・完全性1・可用性1 | send              | encryption_or_password trusted_network            | permission(security_manager)
guideline    | 機密性1・完全性1・可用性2 | store             | backup recovery_within locked_storage             | -
guideline    | 機密性1・完全性2・可用性1 | store             | backup locked_storage                             | recovery_within
guideline    | 機密性3・完全性1・可用性1 | disposal          | irrecoverable_disposal disposal_record permission(security_manager) | -
guideline    | 機密性1・完全性1・可用性1 | disposal          | disposal_record permission(security_manager)      | irrecoverable_disposal
guideline    | 機密性3・完全性1・可用性1 | use               | issued_device_only                                | -
guideline    | 機密性2・完全性1・可用性1 | use               | -                                                 | issued_device_only
guideline    | 機密性2・完全性1・可用性1 | use_terms_service | prohibited                                        | -
guideline    | 機密性1・完全性1・可用性1 | post_to_social_media | -                                              | prohibited
guideline    | 機密性1・完全性1・可用性2 | process_offsite   | offsite_safeguards permission(security_manager)   | -
importance-4 | 重要性分類Ⅱ               | transport         | permission(security_manager) locked_case          | -
importance-4 | 重要性分類Ⅰ               | transport         | permission(security_manager)                      | -
importance-4 | 重要性分類Ⅲ               | transport         | -                                                 | permission(security_manager)
importance-4 | 重要性分類Ⅳ               | provision         | -                                                 | permission(security_manager)
importance-4 | 重要性分類Ⅱ               | disposal          | irrecoverable_disposal disposal_record            | -
importance-4 | 重要性分類Ⅲ               | disposal          | disposal_record permission(security_manager)      | irrecoverable_disposal
importance-4 | 重要性分類Ⅰ               | use               | issued_device_only                                | -
importance-4 | 重要性分類Ⅱ               | use               | -                                                 | issued_device_only
importance-4 | 重要性分類Ⅱ               | store             | backup recovery_within locked_storage             | -
";

    fn requirement_list(cell: &str) -> Vec<Requirement> {
        cell.split_whitespace()
            .filter(|k| *k != "-")
            .map(|k| Requirement::parse(k).unwrap())
            .collect()
    }

    #[test]
    fn both_schemes_answer_the_requirement_questions() {
        let schemes = [guideline(), importance()];
        for row in REQUIREMENT_TABLE.lines().filter(|l| !l.trim().is_empty()) {
            let cells: Vec<&str> = row.split('|').map(str::trim).collect();
            let [id, written, action, present, absent] = cells[..] else {
                panic!("bad row: {row}");
            };
            let scheme = schemes.iter().find(|s| s.id() == id).unwrap();
            let action = Action::parse(action).unwrap();
            let c = scheme.parse_classification(written).unwrap();
            let got = scheme.requires(&c, action).unwrap();
            for r in requirement_list(present) {
                assert!(
                    got.contains(&r),
                    "{written} {action}: expected {r}, got {got:?}"
                );
            }
            for r in requirement_list(absent) {
                assert!(!got.contains(&r), "{written} {action}: did not expect {r}");
            }
        }
        // 機密性１ 運搬 and 重要性分類Ⅲ 運搬 need nothing at all.
        for (scheme, written) in [
            (&schemes[0], "機密性1・完全性1・可用性1"),
            (&schemes[1], "重要性分類Ⅲ"),
        ] {
            let c = scheme.parse_classification(written).unwrap();
            let got = scheme.requires(&c, Action::Transport).unwrap();
            assert!(got.is_empty(), "{written}: {got:?}");
        }
    }

    /// The shipped wording is the guideline's, as the catalog extracted it.
    #[test]
    fn shipped_wording_matches_the_catalog_extraction() {
        let catalog: serde_json::Value =
            serde_json::from_str(include_str!("../../../catalog/classification.json")).unwrap();
        let g = guideline();
        for axis in catalog["axes"].as_array().unwrap() {
            let mine = g.axis(axis["key"].as_str().unwrap()).unwrap();
            assert_eq!(mine.name, axis["name"].as_str().unwrap());
            for level in axis["levels"].as_array().unwrap() {
                let key = level["level"].to_string();
                let ours = mine.levels.iter().find(|l| l.key == key).unwrap();
                assert_eq!(ours.name, level["label"].as_str().unwrap());
                assert_eq!(ours.definition, level["criterion"].as_str().unwrap());
                let handling: Vec<&str> = level["handling"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|h| h.as_str().unwrap())
                    .collect();
                assert_eq!(ours.handling, handling);
            }
        }
        let i = importance();
        for level in catalog["importance"]["levels"].as_array().unwrap() {
            let short = level["numeral"].as_str().unwrap();
            let ours = i.axes()[0]
                .levels
                .iter()
                .find(|l| l.short == short)
                .unwrap();
            assert_eq!(ours.definition, level["description"].as_str().unwrap());
        }
    }

    #[test]
    fn permission_is_firm_and_encryption_is_as_needed_with_their_clauses() {
        let g = guideline();
        let c = g.parse_classification("機密性2・完全性1・可用性1").unwrap();
        let got = g.requires(&c, Action::Transport).unwrap();
        assert_eq!(got.necessity(&manager()), Some(Necessity::Required));
        assert_eq!(
            got.necessity(&Requirement::EncryptionOrPassword),
            Some(Necessity::AsNeeded)
        );
        let clauses = &got.demand(&manager()).unwrap().clauses;
        assert!(clauses.contains("S-2.(2)⑧(イ)"));
        assert_eq!(got.permissions().collect::<Vec<_>>(), ["security_manager"]);
        let json = serde_json::to_string(&got).unwrap();
        assert!(json.contains("\"permission(security_manager)\""), "{json}");
    }

    #[test]
    fn permission_names_the_role_as_the_body_names_it() {
        let roles = [RoleDefinition {
            key: "security_manager".into(),
            name: "所属長".into(),
            scope: crate::org::RoleScope::Unit,
            grants: vec![],
        }];
        assert_eq!(manager().label_with_roles(&roles), "所属長の許可");
        assert_eq!(manager().label(), "許可（security_manager）");
        assert_eq!(Requirement::Backup.label_with_roles(&roles), "バックアップ");
    }

    #[test]
    fn is_at_least_follows_the_schemes_order_not_the_numbers() {
        let i = importance();
        let two = i.parse_classification("Ⅱ").unwrap();
        assert!(i.is_at_least(&two, "importance", "II").unwrap());
        assert!(i.is_at_least(&two, "importance", "III").unwrap());
        assert!(!i.is_at_least(&two, "importance", "I").unwrap());

        let g = guideline();
        let c2 = g.parse_classification("機密性2・完全性1・可用性1").unwrap();
        assert!(g.is_at_least(&c2, "confidentiality", "2").unwrap());
        assert!(!g.is_at_least(&c2, "confidentiality", "3").unwrap());
        let err = g.is_at_least(&c2, "confidentiality", "4").unwrap_err();
        assert_eq!(err.field, "機密性");
    }

    #[test]
    fn highest_takes_each_axis_separately() {
        let g = guideline();
        let a = g.parse_classification("機密性3・完全性1・可用性1").unwrap();
        let b = g.parse_classification("機密性1・完全性2・可用性2").unwrap();
        let top = g.highest(&[a, b]).unwrap().unwrap();
        assert_eq!(top.to_string(), "機密性３・完全性２・可用性２");
        assert_eq!(g.highest(&[]).unwrap(), None);

        let i = importance();
        let xs: Vec<Classification> = ["Ⅲ", "Ⅰ", "Ⅳ"]
            .iter()
            .map(|s| i.parse_classification(s).unwrap())
            .collect();
        assert_eq!(i.highest(&xs).unwrap().unwrap().to_string(), "重要性分類Ⅰ");
    }

    #[test]
    fn condition_labels_read_as_the_policy_writes_them() {
        let g = guideline();
        let labels: BTreeSet<String> = g.rules().iter().map(|r| g.condition_label(r)).collect();
        assert!(labels.contains("機密性２以上"));
        assert!(labels.contains("機密性３"));
        assert!(labels.contains("全ての情報資産"));
        let i = importance();
        let labels: BTreeSet<String> = i.rules().iter().map(|r| i.condition_label(r)).collect();
        assert!(labels.contains("重要性分類Ⅱ以上"));
        assert!(labels.contains("重要性分類Ⅰ"));
    }

    // -- parsing ----------------------------------------------------------------------------

    #[test]
    fn written_classifications_are_read_in_their_usual_forms() {
        let g = guideline();
        let expected = g
            .classify(&[
                ("confidentiality", "2"),
                ("integrity", "2"),
                ("availability", "1"),
            ])
            .unwrap();
        for written in [
            "機密性2・完全性2・可用性1",
            "機密性２・完全性２・可用性１",
            "可用性1 機密性2 完全性2",
            "機密性 2 / 完全性 2 / 可用性 1",
            "機密性:2、完全性：2、可用性1",
        ] {
            assert_eq!(
                g.parse_classification(written).unwrap(),
                expected,
                "{written}"
            );
        }
        assert_eq!(expected.to_string(), "機密性２・完全性２・可用性１");
        assert_eq!(expected.level_key("integrity"), Some("2"));
        assert_eq!(
            g.classify(&expected.keys()).unwrap(),
            expected,
            "the stored keys read back"
        );

        let i = importance();
        let two = i.classify(&[("importance", "II")]).unwrap();
        for written in [
            "重要性分類Ⅱ",
            "重要性分類２",
            "Ⅱ",
            "II",
            "ii",
            "2",
            "２",
            " 重要性分類 Ⅱ ",
        ] {
            assert_eq!(i.parse_classification(written).unwrap(), two, "{written}");
        }
        assert_eq!(two.to_string(), "重要性分類Ⅱ");
    }

    #[test]
    fn bad_classifications_are_rejected_naming_the_axis() {
        let g = guideline();
        let cases = [
            ("機密性4・完全性1・可用性1", "機密性"),
            ("機密性2・完全性1", "可用性"),
            ("機密性2・機密性3・完全性1・可用性1", "機密性"),
            ("2・完全性1・可用性1", "機密性・完全性・可用性"),
            ("1", "機密性・完全性・可用性"),
            ("重要性分類Ⅱ", "分類"),
            ("", "分類"),
        ];
        for (written, field) in cases {
            let err = g.parse_classification(written).unwrap_err();
            assert_eq!(err.field, field, "{written}: {err}");
            assert!(!err.message.is_empty());
        }
        let err = g
            .parse_classification("機密性4・完全性1・可用性1")
            .unwrap_err();
        assert!(
            err.message.contains("機密性３・機密性２・機密性１"),
            "{err}"
        );

        let err = g
            .classify(&[
                ("confidentiality", "4"),
                ("integrity", "1"),
                ("availability", "1"),
            ])
            .unwrap_err();
        assert_eq!(err.field, "機密性");
        let err = g.classify(&[("secrecy", "1")]).unwrap_err();
        assert_eq!(err.field, "分類");
        assert!(err.message.contains("secrecy"));

        let i = importance();
        let err = i.parse_classification("重要性分類Ⅴ").unwrap_err();
        assert_eq!(err.field, "重要性分類");
    }

    #[test]
    fn a_classification_from_another_scheme_is_refused_rather_than_guessed() {
        let g = guideline();
        let i = importance();
        let foreign = i.parse_classification("Ⅰ").unwrap();
        assert!(g.requires(&foreign, Action::Transport).is_err());
        assert!(g.highest(&[foreign]).is_err());
    }

    // -- validation of a body's own scheme ----------------------------------------------------

    const SMALL: &str = r#"
id = "small"
name = "小さな体系"

[[axes]]
key = "confidentiality"
name = "機密性"
order = "highest_first"

[[axes.levels]]
key = "3"
name = "機密性3"

[[axes.levels]]
key = "2"
name = "機密性2"

[[axes.levels]]
key = "1"
name = "機密性1"

[[rules]]
axis = "confidentiality"
at_or_above = "2"
actions = ["transport"]
requires = ["permission(security_manager)"]
clause = "S-2.(2)⑧(イ)"
"#;

    #[test]
    fn a_valid_scheme_of_the_body_is_accepted() {
        let s = ClassificationScheme::from_toml(SMALL).unwrap();
        assert_eq!(s.id(), "small");
        assert_eq!(s.rules().len(), 1);
    }

    #[test]
    fn invalid_schemes_are_rejected_naming_the_offending_key() {
        let cases: [(&str, &str, &str, &str); 10] = [
            (
                r#"at_or_above = "2""#,
                r#"at_or_above = "4""#,
                "機密性",
                "「4」",
            ),
            (
                r#"axis = "confidentiality""#,
                r#"axis = "secrecy""#,
                "取扱規則",
                "「secrecy」",
            ),
            (
                r#"actions = ["transport"]"#,
                r#"actions = ["teleport"]"#,
                "取扱規則",
                "「teleport」",
            ),
            (
                r#"requires = ["permission(security_manager)"]"#,
                r#"requires = ["shredding"]"#,
                "取扱制限",
                "「shredding」",
            ),
            (
                r#"requires = ["permission(security_manager)"]"#,
                r#"requires = ["permission(課長)"]"#,
                "取扱制限",
                "permission(課長)",
            ),
            (r#"order = "highest_first""#, "", "機密性", "order"),
            (
                r#"order = "highest_first""#,
                r#"order = "descending""#,
                "機密性",
                "「descending」",
            ),
            (r#"key = "1""#, r#"key = "2""#, "機密性", "「2」が重複"),
            (
                r#"name = "機密性1""#,
                r#"name = "機密性2""#,
                "機密性",
                "「機密性2」",
            ),
            (
                r#"name = "機密性1""#,
                r#"name = "機密性・1""#,
                "機密性",
                "区切り文字",
            ),
        ];
        for (from, to, field, needle) in cases {
            let text = SMALL.replacen(from, to, 1);
            assert_ne!(text, SMALL, "{from}");
            let err = ClassificationScheme::from_toml(&text).unwrap_err();
            assert_eq!(err.field, field, "{to}: {err}");
            assert!(err.message.contains(needle), "{to}: {err}");
        }
        let err = ClassificationScheme::from_toml("id = \"x\"\nname = \"y\"\n").unwrap_err();
        assert_eq!(err.field, "軸");
        let err =
            ClassificationScheme::from_toml("id = \"x\"\nname = \"y\"\nfoo = 1\n").unwrap_err();
        assert_eq!(err.field, "分類体系");
        // A syntax error says on which line it is, for the person editing the text.
        let err =
            ClassificationScheme::from_toml("id = \"x\"\nname = \"y\"\n[[axes]\n").unwrap_err();
        assert_eq!(err.field, "分類体系");
        assert!(
            err.message.starts_with("TOMLとして読めません（3行目）"),
            "{err}"
        );
    }

    #[test]
    fn a_missing_level_in_a_rule_is_named_with_its_clause() {
        let text = SMALL.replacen(r#"at_or_above = "2""#, r#"at_or_above = "4""#, 1);
        let err = ClassificationScheme::from_toml(&text).unwrap_err();
        assert_eq!(err.field, "機密性");
        assert!(err.message.contains("S-2.(2)⑧(イ)"), "{err}");
        assert!(err.message.contains("「4」"), "{err}");
    }

    #[test]
    fn requirement_keys_read_back() {
        for r in Requirement::plain().into_iter().chain([
            manager(),
            Requirement::RecoveryWithin { hours: Some(24) },
            Requirement::RecoveryWithin { hours: None },
        ]) {
            assert_eq!(Requirement::parse(&r.key()).unwrap(), r);
            assert!(!r.label().is_empty());
        }
        assert!(Requirement::parse("recovery_within(0)").is_err());
        for a in Action::ALL {
            assert_eq!(Action::parse(a.key()), Some(a));
        }
    }

    #[test]
    fn shipped_schemes_survive_writing_and_reading_back() {
        for s in [guideline(), importance()] {
            let text = s.to_toml().unwrap();
            assert_eq!(ClassificationScheme::from_toml(&text).unwrap(), s);
        }
    }

    // -- properties over both shipped schemes -----------------------------------------------

    /// A classification from per-axis seeds, and one at or above it on every axis.
    fn pair_from_seeds(
        s: &ClassificationScheme,
        low: &[usize],
        up: &[usize],
    ) -> (Classification, Classification) {
        let mut lo_keys = Vec::new();
        let mut hi_keys = Vec::new();
        for (i, axis) in s.axes().iter().enumerate() {
            let n = axis.levels.len();
            let lo = low[i % low.len()] % n;
            let hi = lo + up[i % up.len()] % (n - lo);
            lo_keys.push((axis.key.as_str(), axis.levels[lo].key.as_str()));
            hi_keys.push((axis.key.as_str(), axis.levels[hi].key.as_str()));
        }
        (s.classify(&lo_keys).unwrap(), s.classify(&hi_keys).unwrap())
    }

    fn assert_monotone(s: &ClassificationScheme, lo: &Classification, hi: &Classification) {
        for action in Action::ALL {
            let low = s.requires(lo, action).unwrap();
            let high = s.requires(hi, action).unwrap();
            assert!(
                high.includes(&low),
                "{}: {hi} {action} demands less than {lo}: {high:?} vs {low:?}",
                s.id()
            );
        }
    }

    fn shipped() -> impl Strategy<Value = ClassificationScheme> {
        prop_oneof![Just(guideline()), Just(importance())]
    }

    proptest! {
        #[test]
        fn a_higher_level_never_requires_less(
            s in shipped(),
            low in prop::collection::vec(any::<usize>(), 3),
            up in prop::collection::vec(any::<usize>(), 3),
        ) {
            let (lo, hi) = pair_from_seeds(&s, &low, &up);
            assert_monotone(&s, &lo, &hi);
        }

        #[test]
        fn highest_is_a_least_upper_bound_made_of_the_inputs_levels(
            s in shipped(),
            seeds in prop::collection::vec(prop::collection::vec(any::<usize>(), 3), 1..6),
        ) {
            let xs: Vec<Classification> =
                seeds.iter().map(|seed| pair_from_seeds(&s, seed, &[0]).0).collect();
            let top = s.highest(&xs).unwrap().unwrap();
            for axis in s.axes() {
                let top_level = top.level_key(&axis.key).unwrap();
                for x in &xs {
                    prop_assert!(s.is_at_least(&top, &axis.key, x.level_key(&axis.key).unwrap()).unwrap());
                }
                prop_assert!(xs.iter().any(|x| x.level_key(&axis.key) == Some(top_level)));
            }
            for x in &xs {
                assert_monotone(&s, x, &top);
            }
        }

        #[test]
        fn is_at_least_agrees_with_compare_level(
            s in shipped(),
            seed in prop::collection::vec(any::<usize>(), 3),
            a in any::<usize>(),
            level in any::<usize>(),
        ) {
            let c = pair_from_seeds(&s, &seed, &[0]).0;
            let axis = &s.axes()[a % s.axes().len()];
            let level = &axis.levels[level % axis.levels.len()].key;
            let mine = c.level_key(&axis.key).unwrap();
            let ordering = s.compare_level(&axis.key, mine, level).unwrap();
            prop_assert_eq!(s.is_at_least(&c, &axis.key, level).unwrap(), ordering != Ordering::Less);
            prop_assert_eq!(s.compare_level(&axis.key, level, mine).unwrap(), ordering.reverse());
        }
    }

    #[test]
    fn every_classification_of_both_schemes_reads_back_from_its_display() {
        for s in [guideline(), importance()] {
            let all = s.classifications();
            let expected: usize = s.axes().iter().map(|a| a.levels.len()).product();
            assert_eq!(all.len(), expected);
            for c in all {
                assert_eq!(s.parse_classification(&c.to_string()).unwrap(), c);
            }
        }
    }

    #[test]
    fn reads_are_recorded_from_the_level_the_scheme_names() {
        let g = guideline();
        let recorded = |s: &ClassificationScheme, text: &str| {
            s.read_is_recorded(&s.parse_classification(text).unwrap())
                .unwrap()
        };
        assert!(recorded(&g, "機密性３・完全性１・可用性１"));
        // The highest integrity and availability do not make a read worth recording.
        assert!(!recorded(&g, "機密性２・完全性２・可用性２"));
        assert_eq!(g.read_log_label(), "機密性３");
        let i = importance();
        assert!(recorded(&i, "重要性分類Ⅰ"));
        assert!(!recorded(&i, "重要性分類Ⅱ"));
        assert_eq!(i.read_log_label(), "重要性分類Ⅰ");
        // The body may lower the threshold; a written scheme keeps it.
        let lowered = IMPORTANCE_FOUR_TOML.replace(
            "at_or_above = \"I\"\n\n[[axes]]",
            "at_or_above = \"II\"\n\n[[axes]]",
        );
        let lowered = ClassificationScheme::from_toml(&lowered).unwrap();
        assert!(recorded(&lowered, "重要性分類Ⅱ"));
        assert!(!recorded(&lowered, "重要性分類Ⅲ"));
        assert_eq!(lowered.read_log_label(), "重要性分類Ⅱ以上");
        let again = ClassificationScheme::from_toml(&lowered.to_toml().unwrap()).unwrap();
        assert_eq!(again.read_log(), lowered.read_log());
    }

    #[test]
    fn a_scheme_without_a_read_log_records_its_first_axis_highest_level() {
        let text = GUIDELINE_TOML.replace(
            "[read_log]\naxis = \"confidentiality\"\nat_or_above = \"3\"\n",
            "",
        );
        assert_ne!(text, GUIDELINE_TOML);
        let s = ClassificationScheme::from_toml(&text).unwrap();
        assert_eq!(s.read_log(), guideline().read_log());
    }

    #[test]
    fn a_read_log_naming_no_level_is_refused_with_the_field() {
        let text = GUIDELINE_TOML.replace(
            "at_or_above = \"3\"\n\n[[axes]]",
            "at_or_above = \"9\"\n\n[[axes]]",
        );
        let e = ClassificationScheme::from_toml(&text).unwrap_err();
        assert_eq!(e.field, "閲覧の記録（read_log）");
        assert!(e.message.contains("「9」"), "{}", e.message);
        let text = GUIDELINE_TOML.replace(
            "axis = \"confidentiality\"\nat_or_above",
            "axis = \"secrecy\"\nat_or_above",
        );
        let e = ClassificationScheme::from_toml(&text).unwrap_err();
        assert!(e.message.contains("secrecy"), "{}", e.message);
    }

    // -- properties over randomly generated schemes -------------------------------------------

    const REQUIREMENT_POOL: [&str; 8] = [
        "encryption",
        "backup",
        "locked_storage",
        "prohibited",
        "permission(security_manager)",
        "permission(ciso)",
        "recovery_within",
        "recovery_within(24)",
    ];

    /// A scheme as a generator sees it: per axis, the level count, the listing direction and a
    /// shuffle of the key numbers (so keys sort neither with nor against the order).
    #[derive(Debug, Clone)]
    struct Spec {
        axes: Vec<(usize, bool, Vec<usize>)>,
        rules: Vec<SpecRule>,
    }

    /// Axis seed, level seed, action indexes, requirement indexes, as needed.
    type SpecRule = (usize, usize, Vec<usize>, Vec<usize>, bool);

    fn spec() -> impl Strategy<Value = Spec> {
        let axis = (1usize..=5, any::<bool>()).prop_flat_map(|(n, highest_first)| {
            (
                Just(n),
                Just(highest_first),
                Just((0..n).collect::<Vec<_>>()).prop_shuffle(),
            )
        });
        let rule = (
            any::<usize>(),
            any::<usize>(),
            prop::collection::vec(0..Action::ALL.len(), 1..4),
            prop::collection::vec(0..REQUIREMENT_POOL.len(), 1..4),
            any::<bool>(),
        );
        (
            prop::collection::vec(axis, 1..4),
            prop::collection::vec(rule, 0..12),
        )
            .prop_map(|(axes, rules)| Spec { axes, rules })
    }

    /// The TOML of a spec, and for each axis the level keys from lowest to highest.
    fn render(spec: &Spec) -> (String, Vec<Vec<String>>) {
        let mut text = String::from("id = \"random\"\nname = \"生成した体系\"\n");
        let mut ordered = Vec::new();
        for (a, (n, highest_first, perm)) in spec.axes.iter().enumerate() {
            let order = if *highest_first {
                "highest_first"
            } else {
                "lowest_first"
            };
            text.push_str(&format!(
                "\n[[axes]]\nkey = \"axis{a}\"\nname = \"軸{a}\"\norder = \"{order}\"\n"
            ));
            // rank r (0 = lowest) gets key k{perm[r]}
            let keys: Vec<String> = (0..*n).map(|r| format!("k{}", perm[r])).collect();
            let listed: Vec<usize> = if *highest_first {
                (0..*n).rev().collect()
            } else {
                (0..*n).collect()
            };
            for r in listed {
                text.push_str(&format!(
                    "\n[[axes.levels]]\nkey = \"{}\"\nname = \"軸{a}区分{}\"\nshort = \"{}\"\n",
                    keys[r], keys[r], keys[r]
                ));
            }
            ordered.push(keys);
        }
        for (axis, level, actions, requires, as_needed) in &spec.rules {
            let a = axis % spec.axes.len();
            let keys = &ordered[a];
            let actions: Vec<String> = actions
                .iter()
                .map(|i| format!("\"{}\"", Action::ALL[*i].key()))
                .collect();
            let requires: Vec<String> = requires
                .iter()
                .map(|i| format!("\"{}\"", REQUIREMENT_POOL[*i]))
                .collect();
            text.push_str(&format!(
                "\n[[rules]]\naxis = \"axis{a}\"\nat_or_above = \"{}\"\nactions = [{}]\nrequires = [{}]\nas_needed = {as_needed}\n",
                keys[level % keys.len()],
                actions.join(", "),
                requires.join(", ")
            ));
        }
        (text, ordered)
    }

    proptest! {
        #[test]
        fn a_generated_scheme_keeps_its_stated_order_and_is_monotone(
            spec in spec(),
            low in prop::collection::vec(any::<usize>(), 3),
            up in prop::collection::vec(any::<usize>(), 3),
        ) {
            let (text, ordered) = render(&spec);
            let s = ClassificationScheme::from_toml(&text)
                .map_err(|e| TestCaseError::fail(format!("{e}\n{text}")))?;
            for (axis, keys) in s.axes().iter().zip(&ordered) {
                for (i, a) in keys.iter().enumerate() {
                    for (j, b) in keys.iter().enumerate() {
                        prop_assert_eq!(s.compare_level(&axis.key, a, b).unwrap(), i.cmp(&j));
                    }
                }
            }
            let (lo, hi) = pair_from_seeds(&s, &low, &up);
            assert_monotone(&s, &lo, &hi);
            prop_assert_eq!(s.parse_classification(&hi.to_string()).unwrap(), hi);
            prop_assert_eq!(ClassificationScheme::from_toml(&s.to_toml().unwrap()).unwrap(), s);
        }
    }
}
