//! 兼務の禁止: the separation rules of the profile checked for a decision or an audit, with the
//! exceptions the profile allows.

use super::*;

impl App {
    /// Checks 兼務の禁止 ① for a decision. When the rule is broken, the profile may allow an
    /// exception with a reason; the exception is recorded in the audit trail in `tx`.
    pub async fn check_decision_separation(
        &self,
        tx: &mut WriteTx,
        user: &CurrentUser,
        applicant: PersonId,
        subjects: &[PersonId],
        decider: PersonId,
        case: &SodCase<'_>,
    ) -> Result<Option<SodException>, AppError> {
        let Err(violation) = separation::check_decision(applicant, subjects, decider) else {
            return Ok(None);
        };
        self.excuse(tx, user, &violation, case).await.map(Some)
    }

    /// Checks 兼務の禁止 ② for an audit of `audited` by `auditor` on `on`.
    pub async fn check_audit_separation(
        &self,
        tx: &mut WriteTx,
        user: &CurrentUser,
        auditor: PersonId,
        audited: OrgUnitId,
        on: NaiveDate,
        case: &SodCase<'_>,
    ) -> Result<Option<SodException>, AppError> {
        let body = user.body()?;
        let snapshot = self.org_snapshot(&mut *tx, body.id, on).await?;
        let auditor_unit = org::people_on(&mut *tx, body.id, on)
            .await?
            .into_iter()
            .find(|p| p.0 == auditor)
            .map(|p| p.2);
        let Err(violation) = separation::check_audit(&snapshot, auditor, auditor_unit, audited)
        else {
            return Ok(None);
        };
        self.excuse(tx, user, &violation, case).await.map(Some)
    }

    pub(super) async fn excuse(
        &self,
        tx: &mut WriteTx,
        user: &CurrentUser,
        violation: &separation::SodViolation,
        case: &SodCase<'_>,
    ) -> Result<SodException, AppError> {
        let body = user.body()?;
        // A body without an edition allows no exception.
        let policy = crate::ruling::ruling(&mut *tx, body.id)
            .await?
            .profile
            .as_ref()
            .map(|p| p.separation.clone())
            .unwrap_or_default();
        let exception = policy.excuse(violation, case.reason)?;
        let entry = AuditEntry::new(
            user.actor(),
            "separation.exception",
            case.target_type,
            case.target_id,
        )
        .body(body.id)
        .after(&exception);
        audit::append(tx, self.now(), entry).await?;
        Ok(exception)
    }

    /// The rules of 兼務の禁止 and the exceptions the body's profile allows.
    pub async fn separation_rules(
        &self,
        user: &CurrentUser,
    ) -> Result<Vec<(SodRule, Option<String>)>, AppError> {
        let body = user.body()?;
        let mut conn = self.store().conn().await?;
        let ruling = crate::ruling::ruling(&mut conn, body.id).await?;
        Ok(SodRule::ALL
            .into_iter()
            .map(|r| {
                (
                    r,
                    ruling
                        .profile
                        .as_ref()
                        .and_then(|p| p.separation.exceptions.get(&r).cloned()),
                )
            })
            .collect())
    }
}

/// What a separation check is about: the record it guards (for the audit of an exception) and
/// the reason the user gave for one, if any.
#[derive(Debug, Clone, Copy)]
pub struct SodCase<'a> {
    pub target_type: &'a str,
    pub target_id: &'a str,
    pub reason: Option<&'a str>,
}
