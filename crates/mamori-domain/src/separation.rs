//! Separation of duties (兼務の禁止, 対策基準 1(8)): the applicant is not the approver, the auditor
//! is not the audited. The guideline allows exceptions 「やむを得ない場合」; whether a body allows
//! one, and for which case, is its profile's data, and every exception used carries a reason.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::DomainError;
use crate::authority::OrgSnapshot;
use crate::ids::{OrgUnitId, PersonId};

/// A rule of 兼務の禁止.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SodRule {
    /// ① 承認又は許可事案の申請者とその承認者又は許可者は、同じ者が兼務してはならない。
    ApplicantApprover,
    /// ② 監査を受ける者とその監査を実施する者は、同じ者が兼務してはならない。
    AuditorAuditee,
}

impl SodRule {
    pub const ALL: [SodRule; 2] = [Self::ApplicantApprover, Self::AuditorAuditee];

    pub fn key(self) -> &'static str {
        match self {
            Self::ApplicantApprover => "applicant_approver",
            Self::AuditorAuditee => "auditor_auditee",
        }
    }

    pub fn parse(key: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.key() == key)
    }

    /// The clause of the guideline that states the rule.
    pub fn clause(self) -> &'static str {
        match self {
            Self::ApplicantApprover => "S-1.(8)①",
            Self::AuditorAuditee => "S-1.(8)②",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::ApplicantApprover => "申請者と承認者・許可者の兼務禁止",
            Self::AuditorAuditee => "監査を受ける者と監査を実施する者の兼務禁止",
        }
    }
}

/// The body's exceptions: per rule, the case in which the profile allows it (e.g. 「承認権者が
/// 統括情報セキュリティ責任者のみで代わる者がいない場合」). No entry: no exception.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SodPolicy {
    #[serde(default)]
    pub exceptions: BTreeMap<SodRule, String>,
}

/// A broken rule, in Japanese, naming the rule and its clause.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SodViolation {
    pub rule: SodRule,
    pub message: String,
}

impl SodViolation {
    pub fn new(rule: SodRule, detail: &str) -> Self {
        Self {
            rule,
            message: format!("{}（{}）に反します: {detail}", rule.label(), rule.clause()),
        }
    }
}

/// An exception to a rule, allowed by the profile and justified.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SodException {
    pub rule: SodRule,
    /// The case the profile allows.
    pub allowed_case: String,
    pub reason: String,
}

/// Field name as screens label it.
pub const FIELD: &str = "兼務禁止";

/// The decider of an application must be neither its applicant nor a person it is about.
pub fn check_decision(
    applicant: PersonId,
    subjects: &[PersonId],
    decider: PersonId,
) -> Result<(), SodViolation> {
    if decider == applicant {
        return Err(SodViolation::new(
            SodRule::ApplicantApprover,
            "申請者本人は承認・許可できません",
        ));
    }
    if subjects.contains(&decider) {
        return Err(SodViolation::new(
            SodRule::ApplicantApprover,
            "申請の対象者本人は承認・許可できません",
        ));
    }
    Ok(())
}

/// The auditor must not belong to the audited unit (or a unit below it), nor hold a role for it.
pub fn check_audit(
    org: &OrgSnapshot,
    auditor: PersonId,
    auditor_unit: Option<OrgUnitId>,
    audited: OrgUnitId,
) -> Result<(), SodViolation> {
    let audited_name = org
        .units
        .get(&audited)
        .map_or_else(String::new, |u| u.name.clone());
    if auditor_unit.is_some_and(|u| org.is_within(u, audited)) {
        return Err(SodViolation::new(
            SodRule::AuditorAuditee,
            &format!("監査人は監査対象の{audited_name}に所属しています"),
        ));
    }
    let holds_role_there = org
        .assignments
        .iter()
        .any(|a| a.person == auditor && a.unit.is_some_and(|u| org.is_within(u, audited)));
    if holds_role_there {
        return Err(SodViolation::new(
            SodRule::AuditorAuditee,
            &format!("監査人は監査対象の{audited_name}の役割を担っています"),
        ));
    }
    Ok(())
}

impl SodPolicy {
    /// Turns a violation into an allowed exception when the profile allows one for the rule and a
    /// reason is given; otherwise the violation stands, as an error naming the rule.
    pub fn excuse(
        &self,
        violation: &SodViolation,
        reason: Option<&str>,
    ) -> Result<SodException, DomainError> {
        let Some(case) = self.exceptions.get(&violation.rule) else {
            return Err(DomainError::new(
                FIELD,
                format!(
                    "{}。この団体のポリシーでは例外が認められていません",
                    violation.message
                ),
            ));
        };
        let reason = reason.map(str::trim).filter(|r| !r.is_empty());
        let Some(reason) = reason else {
            return Err(DomainError::new(
                FIELD,
                format!(
                    "{}。例外（{case}）として進めるには理由を入力してください",
                    violation.message
                ),
            ));
        };
        Ok(SodException {
            rule: violation.rule,
            allowed_case: case.clone(),
            reason: reason.to_owned(),
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use std::collections::BTreeMap;

    use chrono::NaiveDate;

    use super::*;
    use crate::authority::{ActiveAssignment, UnitNode};

    #[test]
    fn nobody_decides_their_own_application_or_one_about_them() {
        let (a, b, c) = (PersonId::new(), PersonId::new(), PersonId::new());
        assert!(check_decision(a, &[], b).is_ok());
        let own = check_decision(a, &[], a).unwrap_err();
        assert_eq!(own.rule, SodRule::ApplicantApprover);
        assert!(own.message.contains("S-1.(8)①"));
        assert!(check_decision(a, &[c], c).is_err());
    }

    fn org() -> (OrgSnapshot, OrgUnitId, OrgUnitId, OrgUnitId) {
        let (bu, ka, other) = (OrgUnitId::new(), OrgUnitId::new(), OrgUnitId::new());
        let mut units = BTreeMap::new();
        units.insert(
            bu,
            UnitNode {
                id: bu,
                parent: None,
                name: "市民部".into(),
            },
        );
        units.insert(
            ka,
            UnitNode {
                id: ka,
                parent: Some(bu),
                name: "市民課".into(),
            },
        );
        units.insert(
            other,
            UnitNode {
                id: other,
                parent: None,
                name: "総務部".into(),
            },
        );
        let snap = OrgSnapshot {
            date: NaiveDate::from_ymd_opt(2026, 4, 1).unwrap(),
            units,
            roles: vec![],
            assignments: vec![],
        };
        (snap, bu, ka, other)
    }

    #[test]
    fn an_auditor_from_the_audited_department_or_below_is_refused() {
        let (mut snap, bu, ka, other) = org();
        let auditor = PersonId::new();
        let err = check_audit(&snap, auditor, Some(ka), bu).unwrap_err();
        assert_eq!(err.rule, SodRule::AuditorAuditee);
        assert!(err.message.contains("市民部"));
        assert!(check_audit(&snap, auditor, Some(other), bu).is_ok());
        // Holding the manager role of a section inside the audited department counts too.
        snap.assignments.push(ActiveAssignment {
            role: "security_manager".into(),
            person: auditor,
            person_name: "x".into(),
            person_unit: Some(other),
            unit: Some(ka),
            system: None,
            is_deputy: true,
            in_service: true,
        });
        assert!(check_audit(&snap, auditor, Some(other), bu).is_err());
    }

    #[test]
    fn an_exception_needs_the_profile_and_a_reason() {
        let me = PersonId::new();
        let v = check_decision(me, &[], me).unwrap_err();
        let none = SodPolicy::default();
        assert!(
            none.excuse(&v, Some("理由"))
                .unwrap_err()
                .message
                .contains("認められていません")
        );
        let mut allowed = SodPolicy::default();
        allowed
            .exceptions
            .insert(SodRule::ApplicantApprover, "代わる者がいない場合".into());
        assert!(
            allowed
                .excuse(&v, Some("  "))
                .unwrap_err()
                .message
                .contains("理由")
        );
        let ex = allowed
            .excuse(&v, Some("職員2名の町で代わる者がいない"))
            .unwrap();
        assert_eq!(ex.allowed_case, "代わる者がいない場合");
        // An exception for one rule does not excuse the other.
        let audit = SodViolation::new(SodRule::AuditorAuditee, "x");
        assert!(allowed.excuse(&audit, Some("理由")).is_err());
    }
}
