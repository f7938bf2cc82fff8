//! The reporting chain of an incident: the rules' steps resolved to people on the organization of
//! the day, for the incident's unit.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::Acknowledgement;
use super::rules::IncidentRules;
use crate::authority::{Context, Holder, OrgSnapshot};
use crate::ids::{OrgUnitId, PersonId};

/// One step of the chain: who must be told, when they were, and their acknowledgement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChainStep {
    pub role: String,
    pub role_name: String,
    /// The unit whose holder answers, for a unit role.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit_name: Option<String>,
    /// The holder came from a unit above the incident's (the unit's own post is vacant).
    #[serde(default)]
    pub walked_up: bool,
    /// The people told: the holders in service, else their 代理.
    pub holders: Vec<Holder>,
    /// Why nobody holds the step, when `holders` is empty.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gap: Option<String>,
    /// Hours to acknowledge before the next step is told as well.
    pub hours: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub told_at: Option<DateTime<Utc>>,
    /// Told because the step before did not acknowledge in time.
    #[serde(default)]
    pub escalated: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acknowledged: Option<Acknowledgement>,
}

impl ChainStep {
    /// The role as the lists show it: 「情報セキュリティ管理者（市民課）」 for a unit role.
    pub fn label(&self) -> String {
        match &self.unit_name {
            Some(unit) => format!("{}（{unit}）", self.role_name),
            None => self.role_name.clone(),
        }
    }

    pub fn held_by(&self, person: PersonId) -> bool {
        self.holders.iter().any(|h| h.person == person)
    }

    /// Acknowledged, or nobody to acknowledge: the next step follows at once.
    pub fn is_settled(&self) -> bool {
        self.acknowledged.is_some() || self.holders.is_empty()
    }

    /// When the next step is told if this one does not acknowledge.
    pub fn lapses_at(&self) -> Option<DateTime<Utc>> {
        self.told_at
            .map(|at| at + chrono::Duration::hours(i64::from(self.hours)))
    }
}

/// The chain of the rules for an incident of `severity` (`None`: not triaged yet, only the steps
/// for every incident) in `unit`, on the organization `org`.
pub fn resolve_chain(
    rules: &IncidentRules,
    severity: Option<&str>,
    org: &OrgSnapshot,
    unit: OrgUnitId,
) -> Vec<ChainStep> {
    let context = Context {
        unit: Some(unit),
        system: None,
    };
    rules
        .chain
        .iter()
        .filter(|rule| {
            rule.severities.is_empty()
                || severity.is_some_and(|s| rule.severities.iter().any(|r| r == s))
        })
        .map(|rule| match org.holders_of(&rule.role, &context) {
            Ok(answer) => ChainStep {
                role: rule.role.clone(),
                role_name: answer.role_name,
                unit_name: answer.unit_name,
                walked_up: answer.walked_up,
                holders: answer.holders,
                gap: answer.gap,
                hours: rule.hours,
                told_at: None,
                escalated: false,
                acknowledged: None,
            },
            Err(e) => ChainStep {
                role: rule.role.clone(),
                role_name: rule.role.clone(),
                unit_name: None,
                walked_up: false,
                holders: Vec::new(),
                gap: Some(e.message),
                hours: rule.hours,
                told_at: None,
                escalated: false,
                acknowledged: None,
            },
        })
        .collect()
}
