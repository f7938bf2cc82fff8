//! The body's adjustments to the 権限・責任等一覧表 and its exceptions to 兼務の禁止 rule once
//! the edition that makes them is in force: the resolver follows the body's row, and a decision by
//! its own applicant goes ahead only where the profile allows it, with a reason, audited.

use crate::common;

use common::TestApp;
use mamori_app::organization::SodCase;
use mamori_app::policy::ProfileChange;
use mamori_app::{AppError, CurrentUser};
use mamori_domain::authority::{Authority, Context, MatrixMark, RoleMarkEntry};
use mamori_domain::ids::PersonId;
use mamori_domain::policy::EditionNumber;
use mamori_domain::separation::{SodException, SodRule};

const TRANSPORT: &str = "S-2.(2)⑧(イ)";
const CASE: &str = "承認権者が一人しかおらず、代わる者がいない場合";

async fn user(t: &TestApp, login: &str) -> CurrentUser {
    t.user(login).await
}

async fn draft(t: &TestApp, changes: Vec<ProfileChange>) -> EditionNumber {
    t.policy_draft(changes).await
}

async fn bring_into_force(t: &TestApp, n: EditionNumber) {
    t.bring_into_force(n).await;
}

async fn who_may_transport(t: &TestApp, user: &CurrentUser) -> Vec<Authority> {
    let shimin = t
        .app
        .org_tree(user, t.app.today())
        .await
        .unwrap()
        .into_iter()
        .find(|r| r.unit.name == "市民課")
        .unwrap()
        .unit
        .id;
    let context = Context {
        unit: Some(shimin),
        system: None,
    };
    t.app
        .who_may(user, TRANSPORT, &context, t.app.today())
        .await
        .unwrap()
}

#[tokio::test]
async fn the_resolver_follows_the_row_of_the_edition_in_force() {
    let t = TestApp::spawn().await;
    let me = user(&t, "tokatsu").await;
    let before = who_may_transport(&t, &me).await;
    assert_eq!(before.len(), 1);
    assert_eq!(before[0].role, "security_manager");
    assert_eq!(before[0].unit_name.as_deref(), Some("市民課"));
    let kacho = before[0].holders[0].name.clone();

    let row = ProfileChange::SetAuthorityRow {
        clause: TRANSPORT.into(),
        marks: vec![RoleMarkEntry {
            role: "security_officer".into(),
            mark: MatrixMark::Permits,
        }],
    };
    // A draft does not rule yet; the edition in force does.
    let n = draft(&t, vec![row]).await;
    assert_eq!(who_may_transport(&t, &me).await, before);
    bring_into_force(&t, n).await;

    let after = who_may_transport(&t, &me).await;
    assert_eq!(after.len(), 1, "the 情報セキュリティ責任者 only");
    assert_eq!(after[0].role, "security_officer");
    assert_eq!(after[0].mark, MatrixMark::Permits);
    assert!(after[0].walked_up, "市民課 has none: its 部 answers");
    assert_eq!(after[0].unit_name.as_deref(), Some("市民部"));
    let names: Vec<&str> = after[0].holders.iter().map(|h| h.name.as_str()).collect();
    assert_eq!(names, vec!["田中 由美子"]);
    assert!(!names.contains(&kacho.as_str()));
}

/// Checks 兼務の禁止 ① for a decision by `decider` of an application by `applicant`, in a
/// write transaction that is committed when the check lets the decision go ahead.
async fn check(
    t: &TestApp,
    user: &CurrentUser,
    applicant: PersonId,
    decider: PersonId,
    reason: Option<&str>,
) -> Result<Option<SodException>, AppError> {
    let case = SodCase {
        target_type: "test_application",
        target_id: "1",
        reason,
    };
    let mut tx = t.app.store().begin_write().await.unwrap();
    let result = t
        .app
        .check_decision_separation(&mut tx, user, applicant, &[], decider, &case)
        .await;
    if result.is_ok() {
        tx.commit().await.unwrap();
    }
    result
}

#[tokio::test]
async fn deciding_ones_own_application_needs_an_exception_in_force_and_a_reason() {
    let t = TestApp::spawn().await;
    let bucho = user(&t, "bucho").await;
    let me = bucho.account.person_id.unwrap();
    let other = user(&t, "kacho").await.account.person_id.unwrap();

    // Someone else deciding is no question of separation, and leaves no record.
    let before = t.audit_count().await;
    assert!(check(&t, &bucho, me, other, None).await.unwrap().is_none());
    assert_eq!(t.audit_count().await, before);

    // Without an exception in the profile, one's own application is refused, naming the rule,
    // even with a reason; an exception in a draft does not count.
    let refused = async || {
        let before = t.audit_count().await;
        let err = check(&t, &bucho, me, me, Some("急ぎのため"))
            .await
            .unwrap_err();
        let message = err.to_string();
        assert!(message.contains("S-1.(8)①"), "{message}");
        assert!(message.contains("認められていません"), "{message}");
        assert_eq!(t.audit_count().await, before, "a refusal leaves no record");
    };
    refused().await;
    let allow = ProfileChange::SetSeparationException {
        rule: SodRule::ApplicantApprover,
        case: Some(CASE.into()),
    };
    let n = draft(&t, vec![allow]).await;
    refused().await;
    bring_into_force(&t, n).await;

    // Now a reason is still required …
    let before = t.audit_count().await;
    for blank in [None, Some("  ")] {
        let err = check(&t, &bucho, me, me, blank).await.unwrap_err();
        assert!(err.to_string().contains("理由を入力"), "{err}");
    }
    assert_eq!(t.audit_count().await, before);

    // … and with one the decision goes ahead, with one audit record in the same transaction.
    let exception = check(&t, &bucho, me, me, Some("課内に承認できる者が不在のため"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(exception.rule, SodRule::ApplicantApprover);
    assert_eq!(exception.allowed_case, CASE);
    assert_eq!(t.audit_count().await, before + 1);
    let mut conn = t.app.store().conn().await.unwrap();
    let filter = mamori_store::audit::AuditFilter {
        action: Some("separation.exception".into()),
        ..Default::default()
    };
    let records = mamori_store::audit::list(&mut conn, &filter, 10)
        .await
        .unwrap();
    assert_eq!(records.len(), 1);
    assert_eq!(records[0].entry.target_type, "test_application");
    let recorded = records[0].entry.after.as_deref().unwrap();
    assert!(recorded.contains("課内に承認できる者が不在のため") && recorded.contains(CASE));
}
