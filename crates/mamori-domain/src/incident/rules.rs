//! The body's rules for incidents, as data: the handling roles, categories, severities, the
//! reporting chain, the actions that need a role's permission and the reports outside with their
//! deadlines. The guideline's defaults are `data/incident-rules.toml`; a profile may set its own
//! (the same format, whole).

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::DomainError;

/// The defaults, from the guideline and the laws named in the file.
pub const GUIDELINE_RULES: &str = include_str!("../../data/incident-rules.toml");

/// The field the profile screen labels the rules with.
pub const FIELD: &str = "インシデントの取扱い（TOML）";

/// The most entries any list of the rules may have.
const MAX_ENTRIES: usize = 50;

/// A category of incident (漏えい・紛失, 不正アクセス …).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Category {
    pub key: String,
    pub label: String,
    /// The first measures of the 緊急時対応計画 for a case of this category (発生した事案への
    /// 対応措置), one per line.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub measures: String,
}

/// A contact outside the body for the 緊急時対応計画 (都道府県, 警察, 委託事業者 …): whom to call,
/// by which number or address, and who answers when they do not.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OutsideContact {
    /// 「みほん県 総務部 情報政策課」
    pub organization: String,
    /// What they are called for: 「サイバー攻撃の通報」.
    #[serde(default)]
    pub purpose: String,
    #[serde(default)]
    pub phone: String,
    #[serde(default)]
    pub email: String,
    /// Who else answers (夜間・休日の連絡先, 副担当).
    #[serde(default)]
    pub deputy: String,
    /// The report outside (`[[external]]` key) this contact receives, when it is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external: Option<String>,
}

/// A severity of the body's criteria, with what it means.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Severity {
    pub key: String,
    pub label: String,
    #[serde(default)]
    pub criteria: String,
}

/// One step of the reporting chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChainRule {
    /// A role key of the body's role set.
    pub role: String,
    /// Hours the step has to acknowledge before the next one is told as well.
    pub hours: u32,
    /// The severities the step is for; empty: every incident.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub severities: Vec<String>,
}

/// Whether an action needs a role's permission, and when.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Permission {
    /// The role permits before the action is taken.
    Before,
    /// The role permits before, or is told afterwards (事後報告) when the damage must be stopped
    /// at once.
    AfterAllowed,
    /// Recorded without a permission.
    None,
}

/// An action of the response with the role that decides it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ActionRule {
    pub key: String,
    pub label: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    pub permission: Permission,
}

/// A condition under which a report outside is required. Every condition named must hold.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Condition {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub severities: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub categories: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub personal_data: Option<bool>,
    /// 要配慮個人情報, a purpose of wrongdoing, or a risk of financial harm.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sensitive: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub my_number: Option<bool>,
    /// At least this many people affected.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_people: Option<u32>,
}

/// The facts of a triage the conditions are asked about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Facts<'a> {
    pub severity: &'a str,
    pub category: &'a str,
    pub personal_data: bool,
    pub sensitive: bool,
    pub my_number: bool,
    pub affected_people: Option<u32>,
}

impl Condition {
    fn is_empty(&self) -> bool {
        self == &Self::default()
    }

    pub fn holds(&self, facts: &Facts<'_>) -> bool {
        (self.severities.is_empty() || self.severities.iter().any(|s| s == facts.severity))
            && (self.categories.is_empty() || self.categories.iter().any(|c| c == facts.category))
            && self.personal_data.is_none_or(|v| v == facts.personal_data)
            && self.sensitive.is_none_or(|v| v == facts.sensitive)
            && self.my_number.is_none_or(|v| v == facts.my_number)
            && self
                .min_people
                .is_none_or(|n| facts.affected_people.is_some_and(|p| p >= n))
    }
}

/// A recipient outside, when the report to it is required and its deadlines.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExternalRule {
    pub key: String,
    pub recipient: String,
    #[serde(default)]
    pub basis: String,
    /// Days after the day the body knew of the case the 速報 is due.
    pub first_days: u32,
    /// Days after that day the 確報 is due; `None`: a report of one stage.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub final_days: Option<u32>,
    pub when: Vec<Condition>,
}

impl ExternalRule {
    pub fn required(&self, facts: &Facts<'_>) -> bool {
        self.when.iter().any(|c| c.holds(facts))
    }
}

/// The body's rules for incidents.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IncidentRules {
    pub handlers: Vec<String>,
    pub watch_days: u32,
    pub categories: Vec<Category>,
    pub severities: Vec<Severity>,
    pub chain: Vec<ChainRule>,
    pub actions: Vec<ActionRule>,
    pub external: Vec<ExternalRule>,
    /// The contacts outside of the 緊急時対応計画.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub contacts: Vec<OutsideContact>,
}

fn invalid(message: impl Into<String>) -> DomainError {
    DomainError::new(FIELD, message)
}

fn unique<'a>(what: &str, keys: impl Iterator<Item = &'a str>) -> Result<(), DomainError> {
    let mut seen = BTreeSet::new();
    for key in keys {
        if key.trim().is_empty() {
            return Err(invalid(format!("{what}のキーが空です")));
        }
        if !seen.insert(key) {
            return Err(invalid(format!("{what}のキー「{key}」が重複しています")));
        }
    }
    if seen.len() > MAX_ENTRIES {
        return Err(invalid(format!("{what}は{MAX_ENTRIES}件までです")));
    }
    Ok(())
}

impl IncidentRules {
    /// The guideline's defaults.
    pub fn guideline() -> Result<Self, DomainError> {
        Self::parse(GUIDELINE_RULES, &|_| true)
    }

    /// Reads rules from TOML and checks them: keys unique and named, at least one handler, one
    /// category, one severity and one chain step, every role a key `is_role` knows, every
    /// severity and category a condition names defined, no condition that always holds.
    pub fn parse(toml_text: &str, is_role: &dyn Fn(&str) -> bool) -> Result<Self, DomainError> {
        let rules: Self = toml::from_str(toml_text)
            .map_err(|e| invalid(format!("設定を読めません: {}", e.message())))?;
        rules.check(is_role)?;
        Ok(rules)
    }

    fn check(&self, is_role: &dyn Fn(&str) -> bool) -> Result<(), DomainError> {
        if self.handlers.is_empty() {
            return Err(invalid(
                "インシデントを取り扱う役割（handlers）を1つ以上定めてください",
            ));
        }
        if self.categories.is_empty() || self.severities.is_empty() || self.chain.is_empty() {
            return Err(invalid(
                "区分（categories）、重大度（severities）、報告の順（chain）をそれぞれ1つ以上定めてください",
            ));
        }
        unique("区分", self.categories.iter().map(|c| c.key.as_str()))?;
        unique("重大度", self.severities.iter().map(|s| s.key.as_str()))?;
        unique("措置", self.actions.iter().map(|a| a.key.as_str()))?;
        unique("外部への報告", self.external.iter().map(|e| e.key.as_str()))?;
        if self.chain.len() > MAX_ENTRIES {
            return Err(invalid(format!("報告の順は{MAX_ENTRIES}段までです")));
        }
        self.check_roles(is_role)?;
        if self.contacts.len() > MAX_ENTRIES {
            return Err(invalid(format!("外部の連絡先は{MAX_ENTRIES}件までです")));
        }
        for contact in &self.contacts {
            if contact.organization.trim().is_empty() {
                return Err(invalid("外部の連絡先（contacts）の organization が空です"));
            }
            if let Some(key) = &contact.external
                && self.external(key).is_none()
            {
                return Err(invalid(format!(
                    "外部の連絡先「{}」の報告（external）「{key}」は定められていません",
                    contact.organization
                )));
            }
        }
        for action in &self.actions {
            if action.permission != Permission::None && action.role.is_none() {
                return Err(invalid(format!(
                    "措置「{}」には許可する役割（role）を定めてください",
                    action.label
                )));
            }
        }
        for step in &self.chain {
            if step.hours == 0 || step.hours > 24 * 14 {
                return Err(invalid(format!(
                    "報告の順の「{}」の時間は1から336時間までです",
                    step.role
                )));
            }
            self.known_severities(&step.severities)?;
        }
        for rule in &self.external {
            if rule.when.is_empty() || rule.when.iter().any(Condition::is_empty) {
                return Err(invalid(format!(
                    "外部への報告「{}」の条件（when）は空にできません",
                    rule.recipient
                )));
            }
            if rule.first_days > 365 || rule.final_days.is_some_and(|d| d > 365) {
                return Err(invalid(format!(
                    "外部への報告「{}」の期限は365日以内です",
                    rule.recipient
                )));
            }
            if rule.final_days.is_some_and(|d| d < rule.first_days) {
                return Err(invalid(format!(
                    "外部への報告「{}」の確報の期限が速報より前です",
                    rule.recipient
                )));
            }
            for condition in &rule.when {
                self.known_severities(&condition.severities)?;
                for c in &condition.categories {
                    if self.category(c).is_none() {
                        return Err(invalid(format!("条件の区分「{c}」は定められていません")));
                    }
                }
            }
        }
        Ok(())
    }

    /// Every role the rules name: handlers, chain steps, the roles that permit actions.
    pub fn roles(&self) -> impl Iterator<Item = &str> {
        self.handlers
            .iter()
            .chain(self.chain.iter().map(|c| &c.role))
            .chain(self.actions.iter().filter_map(|a| a.role.as_ref()))
            .map(String::as_str)
    }

    /// Refuses rules that name a role `is_role` does not know (a role set without it).
    pub fn check_roles(&self, is_role: &dyn Fn(&str) -> bool) -> Result<(), DomainError> {
        match self.roles().find(|r| !is_role(r)) {
            Some(role) => Err(invalid(format!("役割「{role}」は団体の役割にありません"))),
            None => Ok(()),
        }
    }

    fn known_severities(&self, keys: &[String]) -> Result<(), DomainError> {
        match keys.iter().find(|k| self.severity(k).is_none()) {
            Some(k) => Err(invalid(format!("重大度「{k}」は定められていません"))),
            None => Ok(()),
        }
    }

    pub fn category(&self, key: &str) -> Option<&Category> {
        self.categories.iter().find(|c| c.key == key)
    }

    pub fn severity(&self, key: &str) -> Option<&Severity> {
        self.severities.iter().find(|s| s.key == key)
    }

    pub fn action(&self, key: &str) -> Option<&ActionRule> {
        self.actions.iter().find(|a| a.key == key)
    }

    pub fn external(&self, key: &str) -> Option<&ExternalRule> {
        self.external.iter().find(|e| e.key == key)
    }

    /// Whether a person holding `roles` handles incidents.
    pub fn handles<S: AsRef<str>>(&self, roles: &[S]) -> bool {
        roles
            .iter()
            .any(|r| self.handlers.iter().any(|h| h == r.as_ref()))
    }
}
