//! What an action on an asset requires (許可, 暗号化, 施錠保管 …), with its necessity and clause.

use crate::DomainError;
use crate::org::RoleDefinition;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

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
    pub(super) fn plain() -> [Requirement; 18] {
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
pub(super) fn parameter<'a>(key: &'a str, name: &str) -> Option<&'a str> {
    key.strip_prefix(name)?
        .strip_prefix('(')?
        .strip_suffix(')')
        .map(str::trim)
}

pub(super) fn is_role_key(s: &str) -> bool {
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

    pub(super) fn add(
        &mut self,
        requirement: &Requirement,
        necessity: Necessity,
        clause: Option<&str>,
    ) {
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
