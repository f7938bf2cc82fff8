//! The organization as far as the foundation needs it: the body, its units, people, the role set
//! of its policy and who holds which role. Role names and their app permissions are data of the
//! body, never constants here.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::ids::{BodyId, OrgUnitId, PersonId, RoleAssignmentId};

/// A 地方公共団体.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Body {
    pub id: BodyId,
    /// A short stable code (the 団体コード, or a slug), unique in the installation.
    pub code: String,
    /// 「みほん市」: replaces 「本市」 in the policy text.
    pub name: String,
    /// 市, 町, 一部事務組合 … as given at setup; `None` for a body registered without it.
    pub kind: Option<crate::body::BodyKind>,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UnitKind {
    /// 部局
    Department,
    /// 課室
    Section,
    /// 係
    Team,
}

impl UnitKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Department => "department",
            Self::Section => "section",
            Self::Team => "team",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "department" => Some(Self::Department),
            "section" => Some(Self::Section),
            "team" => Some(Self::Team),
            _ => None,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Department => "部局",
            Self::Section => "課室",
            Self::Team => "係",
        }
    }
}

/// A 部局, 課室 or 係.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OrgUnit {
    pub id: OrgUnitId,
    pub body_id: BodyId,
    pub parent_id: Option<OrgUnitId>,
    pub code: String,
    pub kind: UnitKind,
    /// 行政機関の種別: 内部部局, 教育委員会, 議会事務局 … (free text until the organization
    /// capability fixes the list in the profile).
    pub agency_kind: String,
    pub name: String,
    pub sort_order: i64,
    /// The unit exists from this date (組織改正 of the year it was created).
    pub valid_from: NaiveDate,
    /// Abolished after this date (merged into or split to other units).
    pub valid_to: Option<NaiveDate>,
    /// The unit that took over its work when it was abolished.
    pub successor_id: Option<OrgUnitId>,
}

impl OrgUnit {
    pub fn exists_on(&self, date: NaiveDate) -> bool {
        self.valid_from <= date && self.valid_to.is_none_or(|to| date <= to)
    }
}

/// 行政機関の種別 offered on the screens; a body may type its own.
pub const AGENCY_KINDS: [&str; 8] = [
    "内部部局",
    "行政委員会",
    "教育委員会",
    "議会事務局",
    "消防本部",
    "地方公営企業",
    "選挙管理委員会",
    "監査委員事務局",
];

/// 雇用区分 known to the guideline (職員等 and 委託事業者).
pub const EMPLOYMENT_KINDS: [&str; 5] = [
    "職員",
    "非常勤職員",
    "会計年度任用職員",
    "臨時職員",
    "委託事業者の従業員",
];

/// 在職状況. Stored as its Japanese label.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum PersonStatus {
    #[serde(rename = "在職")]
    Active,
    #[serde(rename = "休職")]
    OnLeave,
    #[serde(rename = "退職")]
    Retired,
}

impl PersonStatus {
    pub const ALL: [PersonStatus; 3] = [Self::Active, Self::OnLeave, Self::Retired];

    pub fn label(self) -> &'static str {
        match self {
            Self::Active => "在職",
            Self::OnLeave => "休職",
            Self::Retired => "退職",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.label() == s.trim())
    }

    /// Can act in a role (a 休職 or 退職 holder cannot; their 代理 does).
    pub fn can_act(self) -> bool {
        self == Self::Active
    }
}

/// Kinds of 組織改正.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrgChangeKind {
    Create,
    Rename,
    Move,
    Merge,
    Split,
    Abolish,
}

impl OrgChangeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Create => "create",
            Self::Rename => "rename",
            Self::Move => "move",
            Self::Merge => "merge",
            Self::Split => "split",
            Self::Abolish => "abolish",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [
            Self::Create,
            Self::Rename,
            Self::Move,
            Self::Merge,
            Self::Split,
            Self::Abolish,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Create => "新設",
            Self::Rename => "名称変更",
            Self::Move => "所管替え",
            Self::Merge => "統合",
            Self::Split => "分割",
            Self::Abolish => "廃止",
        }
    }
}

/// A post (充て職): a 職名 in a unit, e.g. 市民課 課長. A role assignment tied to a post follows
/// it when people are transferred.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Post {
    pub unit_id: OrgUnitId,
    pub title: String,
}

/// A person (職員等).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Person {
    pub id: PersonId,
    pub body_id: BodyId,
    /// 職員番号
    pub staff_number: String,
    pub name: String,
    pub name_kana: String,
    pub unit_id: OrgUnitId,
    /// 職名: 課長, 主査, 主事 …
    pub title: String,
    /// 職員, 非常勤職員, 会計年度任用職員 …
    pub employment_kind: String,
    pub email: Option<String>,
    pub status: PersonStatus,
}

impl Person {
    /// Whether the person's post (所属, 職名 or 在職状況) differs from `before`'s: the change by
    /// which roles tied to a post pass to its new holder.
    pub fn moved_from(&self, before: &Person) -> bool {
        self.unit_id != before.unit_id || self.title != before.title || self.status != before.status
    }
}

/// Where a person was, with which 職名, employment and status, from a date on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PersonVersion {
    pub valid_from: NaiveDate,
    pub unit_id: OrgUnitId,
    pub title: String,
    pub employment_kind: String,
    pub status: PersonStatus,
    /// 登録, 変更, 取込, 異動 …
    pub cause: String,
}

/// Where a role applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RoleScope {
    /// The whole body (CISO, 統括情報セキュリティ責任者 …).
    Body,
    /// One unit (情報セキュリティ責任者 of a 部局, 情報セキュリティ管理者 of a 課室).
    Unit,
    /// One information system (情報システム管理者).
    System,
}

impl RoleScope {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Body => "body",
            Self::Unit => "unit",
            Self::System => "system",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "body" => Some(Self::Body),
            "unit" => Some(Self::Unit),
            "system" => Some(Self::System),
            _ => None,
        }
    }
}

/// A role of the body's policy, named as the body names it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoleDefinition {
    /// Stable key, e.g. `security_manager` (see GLOSSARY.md).
    pub key: String,
    /// The body's name for it, e.g. 「情報セキュリティ管理者」 or 「所属長」.
    pub name: String,
    pub scope: RoleScope,
    /// App permissions the role gives, e.g. `audit.read`.
    #[serde(default)]
    pub grants: Vec<String>,
}

/// Someone holding a role, body-wide or for a unit or system, from a date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RoleAssignment {
    pub id: RoleAssignmentId,
    pub body_id: BodyId,
    pub role_key: String,
    pub person_id: PersonId,
    pub unit_id: Option<OrgUnitId>,
    pub system_name: Option<String>,
    /// 代理: acts for the holder.
    pub is_deputy: bool,
    pub valid_from: NaiveDate,
    pub valid_to: Option<NaiveDate>,
    /// The post the assignment is tied to, if any.
    pub post: Option<Post>,
}

impl RoleAssignment {
    pub fn is_valid_on(&self, date: NaiveDate) -> bool {
        self.valid_from <= date && self.valid_to.is_none_or(|to| date <= to)
    }
}

/// A role a person holds on a date, resolved for display: 「情報セキュリティ管理者（市民課）」.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HeldRole {
    pub key: String,
    pub name: String,
    pub unit_name: Option<String>,
    pub system_name: Option<String>,
    pub is_deputy: bool,
    pub grants: Vec<String>,
}

impl HeldRole {
    pub fn label(&self) -> String {
        let mut label = self.name.clone();
        if self.is_deputy {
            label.push_str("（代理）");
        }
        match (&self.unit_name, &self.system_name) {
            (Some(unit), _) => format!("{label}（{unit}）"),
            (None, Some(system)) => format!("{label}（{system}）"),
            (None, None) => label,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn assignment_validity_is_inclusive_of_both_ends() {
        let from = NaiveDate::from_ymd_opt(2026, 4, 1).unwrap_or_default();
        let to = NaiveDate::from_ymd_opt(2027, 3, 31).unwrap_or_default();
        let a = RoleAssignment {
            id: RoleAssignmentId::new(),
            body_id: BodyId::new(),
            role_key: "security_manager".into(),
            person_id: PersonId::new(),
            unit_id: None,
            system_name: None,
            is_deputy: false,
            valid_from: from,
            valid_to: Some(to),
            post: None,
        };
        assert!(a.is_valid_on(from));
        assert!(a.is_valid_on(to));
        assert!(!a.is_valid_on(from.pred_opt().unwrap_or_default()));
        assert!(!a.is_valid_on(to.succ_opt().unwrap_or_default()));
    }

    #[test]
    fn held_role_labels_name_the_unit() {
        let r = HeldRole {
            key: "security_manager".into(),
            name: "情報セキュリティ管理者".into(),
            unit_name: Some("市民課".into()),
            system_name: None,
            is_deputy: false,
            grants: vec![],
        };
        assert_eq!(r.label(), "情報セキュリティ管理者（市民課）");
    }
}
