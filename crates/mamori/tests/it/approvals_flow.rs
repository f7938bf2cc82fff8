//! What follows an approval and what the body adjusts: 実施・返却・完了 with an audit record per
//! transition, the daily 期限切れ run, the 事後報告 of an emergency 例外措置 and its review, a
//! 差戻し corrected and filed again, assets and people named by 管理番号 and 職員番号, the
//! ledger's filters, and the body's own kinds in its profile — 合議 with another unit and 専決 —
//! once the edition that defines them is in force.

use crate::common;

use std::collections::BTreeMap;

use chrono::Duration;
use common::TestApp;
use mamori_app::approvals::{Apply, Decide, FieldInput, Filing, FollowUp, LedgerFilter, Resubmit};
use mamori_app::policy::ProfileChange;
use mamori_app::{AppError, CurrentUser, RequestMeta};
use mamori_domain::approval::{Decision, Status};
use mamori_domain::ids::ApplicationId;

fn fields(pairs: &[(&str, String)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), v.clone()))
        .collect()
}

fn day(t: &TestApp, offset: i64) -> String {
    (t.app.today() + Duration::days(offset)).to_string()
}

/// The actions of the audit records of one application, oldest first.
async fn audit_of(t: &TestApp, id: ApplicationId) -> Vec<(String, String)> {
    let mut conn = t.app.store().conn().await.unwrap();
    let mut rows: Vec<(String, String)> =
        mamori_store::audit::list(&mut conn, &Default::default(), 100_000)
            .await
            .unwrap()
            .into_iter()
            .filter(|r| r.entry.target_id == id.to_string())
            .map(|r| (r.entry.action.clone(), format!("{:?}", r.entry.actor)))
            .collect();
    rows.reverse();
    rows
}

/// Whether the application waits in `who`'s inbox.
async fn in_inbox(t: &TestApp, who: &CurrentUser, id: ApplicationId) -> bool {
    t.app
        .approvals()
        .inbox(who)
        .await
        .unwrap()
        .iter()
        .any(|a| a.id == id)
}

async fn approve(t: &TestApp, who: &CurrentUser, id: ApplicationId) {
    let a = t
        .app
        .approvals()
        .application(who, id)
        .await
        .unwrap()
        .application;
    t.app
        .approvals()
        .decide(
            who,
            Decide::new(id, a.current_step, Decision::Approve, a.version),
            &RequestMeta::default(),
        )
        .await
        .unwrap();
}

async fn follow(
    t: &TestApp,
    who: &CurrentUser,
    id: ApplicationId,
    what: FollowUp,
) -> Result<Status, AppError> {
    let v = t
        .app
        .approvals()
        .application(who, id)
        .await
        .unwrap()
        .application
        .version;
    t.app
        .approvals()
        .follow_up(who, id, what, v, &RequestMeta::default())
        .await
        .map(|a| a.status)
}

#[tokio::test]
async fn a_carry_out_is_started_returned_and_completed_with_an_audit_record_for_each_step() {
    let t = TestApp::spawn().await;
    let shokuin = t.user("shokuin").await;
    let kacho = t.user("kacho").await;
    let ciso = t.user("ciso").await;
    let meta = RequestMeta::default();
    let mut raw = fields(&[
        ("devices", "IA-000005".to_owned()),
        ("destination", "市民会館".to_owned()),
        ("purpose", "出張窓口".to_owned()),
        ("period", format!("{}〜{}", day(&t, 0), day(&t, 2))),
        ("companions", "999999".to_owned()),
    ]);

    // A 職員番号 that is nobody's is refused naming the field, and nothing is written.
    let before = t.audit_count().await;
    let err = t
        .app
        .approvals()
        .apply(
            &shokuin,
            Apply::submit("carry_out", &FieldInput::from(raw.clone())),
            &meta,
        )
        .await
        .unwrap_err();
    let AppError::Invalid(e) = err else {
        panic!("{err:?}")
    };
    assert_eq!(e.field, "同行する職員");
    assert!(e.message.contains("999999"), "{}", e.message);
    assert_eq!(t.audit_count().await, before);

    // The device by its 管理番号; no companion.
    raw.remove("companions");
    let id = t
        .app
        .approvals()
        .apply(
            &shokuin,
            Apply::submit("carry_out", &FieldInput::from(raw.clone())),
            &meta,
        )
        .await
        .unwrap();
    let view = t.app.approvals().application(&shokuin, id).await.unwrap();
    assert_eq!(
        view.form.get("devices").map(String::as_str),
        Some("IA-000005")
    );
    assert!(!view.may_start, "not before the approval");
    approve(&t, &kacho, id).await;

    // Someone who neither applied nor approved records nothing.
    let err = follow(&t, &ciso, id, FollowUp::Start).await.unwrap_err();
    assert!(matches!(err, AppError::Forbidden(_)), "{err:?}");
    let view = t.app.approvals().application(&shokuin, id).await.unwrap();
    assert!(view.may_start && view.may_return);
    assert!(!view.may_complete, "not before the 返却 it expects");
    assert_eq!(
        follow(&t, &shokuin, id, FollowUp::Start).await.unwrap(),
        Status::InProgress
    );
    // Not 完了 before the 返却 it expects.
    let err = follow(&t, &shokuin, id, FollowUp::Complete)
        .await
        .unwrap_err();
    let AppError::Invalid(e) = err else {
        panic!("{err:?}")
    };
    assert!(e.message.contains("返却"), "{}", e.message);
    // A 返却 in the future is refused.
    let tomorrow = t.app.today() + Duration::days(1);
    assert!(
        follow(&t, &shokuin, id, FollowUp::Return { on: tomorrow })
            .await
            .is_err()
    );
    // The approver confirms the 返却; the applicant closes it.
    let today = t.app.today();
    assert_eq!(
        follow(&t, &kacho, id, FollowUp::Return { on: today })
            .await
            .unwrap(),
        Status::Returned
    );
    assert_eq!(
        follow(&t, &shokuin, id, FollowUp::Complete).await.unwrap(),
        Status::Completed
    );

    // One audit record per transition, in order, and as many as the history has.
    let actions: Vec<String> = audit_of(&t, id).await.into_iter().map(|(a, _)| a).collect();
    assert_eq!(
        actions,
        [
            "application.create",
            "application.submit",
            "application.approve",
            "application.start",
            "application.return_item",
            "application.complete",
        ]
    );
    let app = t
        .app
        .approvals()
        .application(&kacho, id)
        .await
        .unwrap()
        .application;
    assert_eq!(app.history.len(), actions.len());
    assert_eq!(app.returned_on, Some(today));

    // The ledger shows the 返却日; the filter on the state finds it, another state does not.
    let completed = LedgerFilter::parse("completed", "市民", "", "", false).unwrap();
    let (_, rows) = t
        .app
        .approvals()
        .ledger(&kacho, "carry_out", &completed)
        .await
        .unwrap();
    let row = rows.iter().find(|r| r.id == id).expect("in the ledger");
    assert_eq!(row.returned_on, Some(today));
    let expired = LedgerFilter::parse("expired", "", "", "", false).unwrap();
    let (_, rows) = t
        .app
        .approvals()
        .ledger(&kacho, "carry_out", &expired)
        .await
        .unwrap();
    assert!(rows.iter().all(|r| r.id != id));
    assert!(LedgerFilter::parse("", "", "2026-13-01", "", false).is_err());
}

#[tokio::test]
async fn the_daily_run_ends_approvals_past_their_validity_once() {
    let t = TestApp::spawn().await;
    let shokuin = t.user("shokuin").await;
    let kacho = t.user("kacho").await;
    let raw = fields(&[
        ("assets", "IA-000004".to_owned()),
        ("destination", "北支所".to_owned()),
        ("transport_on", day(&t, 1)),
        ("method", "職員による手渡し".to_owned()),
        ("safeguards", "鍵付きケース".to_owned()),
    ]);
    let id = t
        .app
        .approvals()
        .apply(
            &shokuin,
            Apply::submit("transport", &FieldInput::from(raw.clone())),
            &RequestMeta::default(),
        )
        .await
        .unwrap();
    approve(&t, &kacho, id).await;
    // Within its validity the run leaves it.
    t.app.approvals().expire_due_applications().await.unwrap();
    let a = t
        .app
        .approvals()
        .application(&kacho, id)
        .await
        .unwrap()
        .application;
    assert_eq!(a.status, Status::Approved);

    t.clock.advance(Duration::days(2));
    assert!(t.app.approvals().expire_due_applications().await.unwrap() >= 1);
    let view = t.app.approvals().application(&shokuin, id).await.unwrap();
    assert_eq!(view.application.status, Status::Expired);
    assert!(!view.may_start, "an expired approval is not acted on");
    assert!(view.may_complete, "but it can be closed");
    let audit = audit_of(&t, id).await;
    let (action, actor) = audit.last().unwrap();
    assert_eq!(action, "application.expire");
    assert!(
        actor.contains("system:申請の期限切れ"),
        "the run acts as the system: {actor}"
    );
    // The applicant is told, in the app.
    let number = view.application.number.clone();
    let link = format!("/approvals/{id}");
    assert!(
        t.app
            .notifications(&shokuin)
            .await
            .unwrap()
            .iter()
            .any(|n| n.subject.contains(&number) && n.link.as_deref() == Some(link.as_str())),
        "the applicant hears of the 期限切れ"
    );
    // A second run finds nothing more to end.
    assert_eq!(
        t.app.approvals().expire_due_applications().await.unwrap(),
        0
    );
}

#[tokio::test]
async fn an_emergency_exception_is_reported_late_then_reviewed_by_the_ciso() {
    let t = TestApp::spawn().await;
    let kacho = t.user("kacho").await;
    let ciso = t.user("ciso").await;
    let meta = RequestMeta::default();
    let raw = fields(&[
        ("rule", "S-2.(2)⑧(イ) 運搬の事前許可".to_owned()),
        ("ground", "緊急で通常の手続をとる時間がない".to_owned()),
        ("reason", "停電".to_owned()),
        ("measures", "暗号化した媒体を2名で運搬".to_owned()),
        ("expires_on", day(&t, 30)),
    ]);
    let acted_on = t.app.today() - Duration::days(1);
    let id = t
        .app
        .approvals()
        .apply(
            &kacho,
            Apply {
                filing: Filing::Emergency { acted_on },
                ..Apply::submit("exception", &FieldInput::from(raw.clone()))
            },
            &meta,
        )
        .await
        .unwrap();
    let view = t.app.approvals().application(&kacho, id).await.unwrap();
    assert_eq!(view.application.status, Status::InProgress);
    assert!(view.may_report && !view.report_overdue);
    assert!(!view.may_complete, "not closed before the 事後報告");
    assert!(!view.may_withdraw, "what was done cannot be withdrawn");
    // The profile's deadline (3 days) passes.
    t.clock.advance(Duration::days(5));
    let view = t.app.approvals().application(&kacho, id).await.unwrap();
    assert!(view.report_overdue);
    let (_, rows) = t
        .app
        .approvals()
        .ledger(
            &kacho,
            "exception",
            &LedgerFilter::parse("", "", "", "", true).unwrap(),
        )
        .await
        .unwrap();
    assert!(rows.iter().any(|r| r.id == id && r.report_overdue));

    // Only the applicant reports; the report goes to the CISO's inbox.
    assert!(follow(&t, &ciso, id, FollowUp::Report).await.is_err());
    assert_eq!(
        follow(&t, &kacho, id, FollowUp::Report).await.unwrap(),
        Status::Submitted
    );
    assert!(in_inbox(&t, &ciso, id).await);
    let number = t
        .app
        .approvals()
        .application(&ciso, id)
        .await
        .unwrap()
        .application
        .number;
    assert!(
        t.app
            .notifications(&ciso)
            .await
            .unwrap()
            .iter()
            .any(|n| n.subject.contains(&number)),
        "the report asks the CISO"
    );
    approve(&t, &ciso, id).await;
    let view = t.app.approvals().application(&kacho, id).await.unwrap();
    assert_eq!(view.application.status, Status::InProgress);
    assert!(view.report_overdue, "a late report stays flagged");
    assert!(view.may_complete);
    assert_eq!(
        follow(&t, &kacho, id, FollowUp::Complete).await.unwrap(),
        Status::Completed
    );
    let actions: Vec<String> = audit_of(&t, id).await.into_iter().map(|(a, _)| a).collect();
    assert_eq!(
        actions,
        [
            "application.act_in_emergency",
            "application.report",
            "application.approve",
            "application.complete",
        ]
    );
}

#[tokio::test]
async fn a_returned_application_is_corrected_and_filed_again_on_the_version_read() {
    let t = TestApp::spawn().await;
    let shokuin = t.user("shokuin").await;
    let kacho = t.user("kacho").await;
    let meta = RequestMeta::default();
    let mut raw = fields(&[
        ("assets", "IA-000004".to_owned()),
        ("destination", "北支所".to_owned()),
        ("transport_on", day(&t, 3)),
        ("method", "職員による手渡し".to_owned()),
        ("safeguards", "鍵付きケース".to_owned()),
    ]);
    let id = t
        .app
        .approvals()
        .apply(
            &shokuin,
            Apply::submit("transport", &FieldInput::from(raw.clone())),
            &meta,
        )
        .await
        .unwrap();
    let a = t
        .app
        .approvals()
        .application(&kacho, id)
        .await
        .unwrap()
        .application;
    t.app
        .approvals()
        .decide(
            &kacho,
            Decide {
                comment: Some("運搬先の窓口名を書いてください".to_owned()),
                ..Decide::new(id, 0, Decision::Return, a.version)
            },
            &meta,
        )
        .await
        .unwrap();
    let view = t.app.approvals().application(&shokuin, id).await.unwrap();
    assert_eq!(view.application.status, Status::SentBack);
    assert!(view.may_resubmit);
    let seen = view.application.version;

    // An unknown 管理番号 is refused naming the field; nothing changes.
    raw.insert("assets".into(), "IA-999999".into());
    let err = t
        .app
        .approvals()
        .resubmit(
            &shokuin,
            Resubmit::new(id, &FieldInput::from(raw.clone()), seen),
            &meta,
        )
        .await
        .unwrap_err();
    let AppError::Invalid(e) = err else {
        panic!("{err:?}")
    };
    assert_eq!(e.field, "運搬する情報資産");
    assert!(e.message.contains("IA-999999"));
    assert_eq!(
        t.app
            .approvals()
            .application(&shokuin, id)
            .await
            .unwrap()
            .application
            .version,
        seen
    );

    raw.insert("assets".into(), "IA-000004".into());
    raw.insert("destination".into(), "北支所 市民窓口".into());
    // Someone else's correction, or one on an old version, is refused.
    assert!(
        t.app
            .approvals()
            .resubmit(
                &kacho,
                Resubmit {
                    id,
                    fields: &FieldInput::from(raw.clone()),
                    uploads: &[],
                    seen
                },
                &meta
            )
            .await
            .is_err()
    );
    let err = t
        .app
        .approvals()
        .resubmit(
            &shokuin,
            Resubmit::new(id, &FieldInput::from(raw.clone()), seen - 1),
            &meta,
        )
        .await
        .unwrap_err();
    assert!(matches!(err, AppError::Conflict(_)), "{err:?}");

    let next = t
        .app
        .approvals()
        .resubmit(
            &shokuin,
            Resubmit::new(id, &FieldInput::from(raw.clone()), seen),
            &meta,
        )
        .await
        .unwrap();
    assert_eq!(next.status, Status::Submitted);
    assert_eq!(next.current_step, 0);
    let actions: Vec<String> = audit_of(&t, id).await.into_iter().map(|(a, _)| a).collect();
    assert_eq!(
        actions[actions.len() - 3..],
        [
            "application.send_back",
            "application.edit",
            "application.submit"
        ]
    );
    assert!(in_inbox(&t, &kacho, id).await);
}

/// The body's kinds: 外部提供 needs 情報政策課 in 合議 at the 所属長's step, then the CISO;
/// 運搬 by hand ends with the 所属長 (専決).
const BODY_KINDS: &str = r#"
[[kind]]
key = "provision"
clause = "S-2.(2)⑨(イ)"
name = "情報資産の外部への提供"
summary_field = "recipient"
validity = { type = "field", field = "provide_on" }

[kind.route]
type = "steps"

[[kind.route.steps]]
role = "security_manager"
label = "所属長の承認"
consult = { units = ["情報政策課"] }

[[kind.route.steps]]
role = "ciso"
mark = "permits"

[[kind.fields]]
key = "assets"
label = "提供する情報資産"
type = "assets"
required = true

[[kind.fields]]
key = "recipient"
label = "提供先"
type = "text"
max = 200
required = true

[[kind.fields]]
key = "provide_on"
label = "提供日"
type = "date"
required = true

[[kind]]
key = "transport"
clause = "S-2.(2)⑧(イ)"
name = "情報資産の運搬"
summary_field = "destination"
validity = { type = "field", field = "transport_on" }

[kind.route]
type = "steps"

[[kind.route.steps]]
role = "security_manager"

[[kind.route.steps]]
role = "ciso"
mark = "permits"

[[kind.delegation]]
when = { type = "choice", field = "method", values = ["職員による手渡し"] }
end_after = 1
note = "所属長専決（職員による手渡し）"

[[kind.fields]]
key = "assets"
label = "運搬する情報資産"
type = "assets"
required = true

[[kind.fields]]
key = "destination"
label = "運搬先"
type = "text"
required = true

[[kind.fields]]
key = "transport_on"
label = "運搬日"
type = "date"
required = true

[[kind.fields]]
key = "method"
label = "運搬の方法"
type = "choice"
options = ["職員による手渡し", "運送事業者"]
required = true
"#;

#[tokio::test]
async fn the_bodys_kinds_route_through_a_consulted_unit_and_end_early_by_delegation() {
    let t = TestApp::spawn().await;
    let meta = RequestMeta::default();

    // A kind that cannot be read is refused naming the field, and the draft keeps its kinds.
    let editor = t.user("tokatsu").await;
    let may = editor.policy_editor().unwrap();
    let n = t.policy_draft(vec![]).await;
    let err = t
        .app
        .change_policy_profile(
            &editor,
            &may,
            n,
            ProfileChange::SetApprovalKinds {
                toml: "[[kind]]\nkey = \"x\"\nclause = \"S-99\"\nname = \"架空\"\n".into(),
            },
            &meta,
        )
        .await
        .unwrap_err();
    let AppError::Invalid(e) = err else {
        panic!("{err:?}")
    };
    assert_eq!(e.field, "申請の種類（TOML）");
    assert!(e.message.contains("S-99"), "{}", e.message);
    // The emergency deadline comes from the body's parameter.
    for change in [
        ProfileChange::SetApprovalKinds {
            toml: BODY_KINDS.into(),
        },
        ProfileChange::SetParameter {
            key: "emergency_report_days".into(),
            value: "1".into(),
        },
        ProfileChange::SetParameter {
            key: "expiry_notice_days".into(),
            value: "5".into(),
        },
    ] {
        t.app
            .change_policy_profile(&editor, &may, n, change, &meta)
            .await
            .unwrap();
    }
    t.bring_into_force(n).await;

    let shokuin = t.user("shokuin").await;
    let kacho = t.user("kacho").await;
    let ciso = t.user("ciso").await;

    // 専決: a 運搬 by hand ends with 市民課長.
    let by_hand = fields(&[
        ("assets", "IA-000004".to_owned()),
        ("destination", "北支所".to_owned()),
        ("transport_on", day(&t, 2)),
        ("method", "職員による手渡し".to_owned()),
    ]);
    let id = t
        .app
        .approvals()
        .apply(
            &shokuin,
            Apply::submit("transport", &FieldInput::from(by_hand.clone())),
            &meta,
        )
        .await
        .unwrap();
    let route = t
        .app
        .approvals()
        .application(&kacho, id)
        .await
        .unwrap()
        .application
        .route
        .unwrap();
    assert_eq!(route.steps.len(), 1);
    assert_eq!(
        route.delegation.as_ref().map(|d| d.note.as_str()),
        Some("所属長専決（職員による手渡し）")
    );
    approve(&t, &kacho, id).await;
    let (_, rows) = t
        .app
        .approvals()
        .ledger(&kacho, "transport", &LedgerFilter::default())
        .await
        .unwrap();
    let row = rows.iter().find(|r| r.id == id).unwrap();
    assert_eq!(row.status, Status::Approved);
    assert!(row.remarks.iter().any(|r| r.contains("専決")), "{row:?}");
    // Otherwise the route goes on to the CISO.
    let mut by_carrier = by_hand.clone();
    by_carrier.insert("method".into(), "運送事業者".into());
    let id = t
        .app
        .approvals()
        .apply(
            &shokuin,
            Apply::submit("transport", &FieldInput::from(by_carrier.clone())),
            &meta,
        )
        .await
        .unwrap();
    let a = t
        .app
        .approvals()
        .application(&kacho, id)
        .await
        .unwrap()
        .application;
    assert_eq!(a.route.unwrap().steps.len(), 2);

    // 合議: the 外部提供 waits for 情報政策課長 as well as 市民課長 before the CISO.
    let provide = fields(&[
        ("assets", "IA-000004".to_owned()),
        ("recipient", "県 市町村課".to_owned()),
        ("provide_on", day(&t, 5)),
    ]);
    let id = t
        .app
        .approvals()
        .apply(
            &shokuin,
            Apply::submit("provision", &FieldInput::from(provide.clone())),
            &meta,
        )
        .await
        .unwrap();
    let a = t
        .app
        .approvals()
        .application(&kacho, id)
        .await
        .unwrap()
        .application;
    let first = &a.route.as_ref().unwrap().steps[0];
    assert!(first.is_consultation());
    assert_eq!(first.seats.len(), 2);
    let consulted = first.seats.iter().find(|s| s.consulted).unwrap();
    assert!(
        consulted.candidates.iter().any(|h| h.name == "吉田 修"),
        "{consulted:?}"
    );
    approve(&t, &kacho, id).await;
    let a = t
        .app
        .approvals()
        .application(&kacho, id)
        .await
        .unwrap()
        .application;
    assert_eq!(a.current_step, 0, "the consulted unit has not approved yet");
    assert!(!in_inbox(&t, &ciso, id).await);
    // 情報政策課長 gets a login and approves; the CISO's step is next.
    let org_editor = t.user("tokatsu").await;
    let may_org = org_editor.org_editor().unwrap();
    let yoshida = consulted
        .candidates
        .iter()
        .find(|h| h.name == "吉田 修")
        .unwrap()
        .person;
    t.app
        .create_person_account(
            &org_editor,
            &may_org,
            yoshida,
            "yoshida",
            "kaze-no-oto-2026-b",
            &meta,
        )
        .await
        .unwrap();
    let yoshida = t.user("yoshida").await;
    assert!(in_inbox(&t, &yoshida, id).await);
    approve(&t, &yoshida, id).await;
    let a = t
        .app
        .approvals()
        .application(&kacho, id)
        .await
        .unwrap()
        .application;
    assert_eq!(a.current_step, 1);
    assert!(in_inbox(&t, &ciso, id).await);

    // The body's notice period: the demo's exceptions, 7 and 12 days from their 期限, are not
    // up for review yet.
    let (window, reviews) = t.app.approvals().exception_reviews(&kacho).await.unwrap();
    assert_eq!(window, 5);
    assert!(reviews.is_empty(), "{reviews:?}");

    // The body's emergency deadline: 1 day.
    let kinds = t.app.approvals().application_kinds(&kacho).await.unwrap();
    let exception = kinds.iter().find(|k| k.key == "exception").unwrap();
    assert_eq!(exception.emergency.as_ref().unwrap().report_within_days, 1);
}

#[tokio::test]
async fn the_api_records_what_follows_an_approval_and_refuses_the_others() {
    let t = TestApp::spawn().await;
    let kacho = t.user("kacho").await;
    // The demo's 例外措置 that the CISO permitted, by 市民課長.
    let (window, reviews) = t.app.approvals().exception_reviews(&kacho).await.unwrap();
    assert_eq!(window, 30, "the guideline's default");
    let approved = reviews
        .iter()
        .find(|r| r.application.status == Status::Approved)
        .expect("an approved exception comes up for review");
    assert!(approved.days_left >= 0 && approved.days_left <= 30);
    let url = t.url(&format!(
        "/api/v1/applications/{}/follow-ups",
        approved.application.id
    ));
    let client = reqwest::Client::new();
    let post = |token: &str, body: serde_json::Value| {
        client.post(&url).bearer_auth(token).json(&body).send()
    };

    // The 職員 neither applied nor approved: not even told it exists, nothing changes.
    let shokuin = t.api_token("shokuin").await;
    let r = post(&shokuin, serde_json::json!({"action": "complete"}))
        .await
        .unwrap();
    assert_eq!(r.status(), reqwest::StatusCode::NOT_FOUND);
    // 市民部長 reads every application (he permits some kinds) but, not having permitted this
    // one, records nothing: 403.
    let bucho = t.api_token("bucho").await;
    let r = post(&bucho, serde_json::json!({"action": "complete"}))
        .await
        .unwrap();
    assert_eq!(r.status(), reqwest::StatusCode::FORBIDDEN);
    let token = t.api_token("kacho").await;
    let r = post(&token, serde_json::json!({"action": "fly"}))
        .await
        .unwrap();
    assert_eq!(r.status(), reqwest::StatusCode::UNPROCESSABLE_ENTITY);
    let err: serde_json::Value = r.json().await.unwrap();
    assert!(err["message"].as_str().unwrap().contains("action"), "{err}");
    // A stale version is a conflict.
    let r = post(
        &token,
        serde_json::json!({"action": "complete", "version": 1}),
    )
    .await
    .unwrap();
    assert_eq!(r.status(), reqwest::StatusCode::CONFLICT);
    let r = post(&token, serde_json::json!({"action": "complete"}))
        .await
        .unwrap();
    assert_eq!(r.status(), reqwest::StatusCode::OK);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["status"], "completed");
    // Closed, it no longer comes up for review.
    assert!(
        !t.app
            .approvals()
            .exception_reviews(&kacho)
            .await
            .unwrap()
            .1
            .iter()
            .any(|r| r.application.id == approved.application.id)
    );
}

#[tokio::test]
async fn the_screens_choose_a_kind_review_exceptions_filter_a_ledger_and_record_a_return() {
    let t = TestApp::spawn().await;
    let browser = t.signed_in("shokuin").await;

    // The home page says what waits: 市民課長 decides the USB memory's 運搬 and still owes the
    // 事後報告 of the emergency 例外措置.
    let chief = t.signed_in("kacho").await;
    let (_, home) = t.page(&chief, "/").await;
    assert!(home.contains("あなたの承認待ち 1件"), "{home}");
    assert!(home.contains("事後報告がまだの緊急時の実施 1件"));
    assert!(home.contains("見直しの時期の例外措置 2件"));
    let (_, home) = t.page(&browser, "/").await;
    assert!(home.contains("あなたの承認待ちはありません"));
    assert!(home.contains("返却予定日を過ぎた持ち出し等 1件"));

    // Every kind, with its route in the body's role names.
    let (status, page) = t.page(&browser, "/approvals/new").await;
    assert_eq!(status, reqwest::StatusCode::OK);
    assert!(page.contains("/approvals/new?kind=carry_out"));
    assert!(page.contains("情報セキュリティ管理者の許可"), "route shown");
    // 例外措置 up for review: 市民課長's, not shown to a 職員 who has no part in them.
    let (_, page) = t.page(&chief, "/approvals/exceptions").await;
    assert!(page.contains("代替措置"));
    assert!(page.contains("あと"), "days left shown");
    let (_, page) = t.page(&browser, "/approvals/exceptions").await;
    assert!(page.contains("見直しの時期が来た例外措置はありません"));
    let kacho = t.user("kacho").await;
    let (_, reviews) = t.app.approvals().exception_reviews(&kacho).await.unwrap();
    let (status, _) = t
        .page(
            &browser,
            &format!("/approvals/{}", reviews[0].application.id),
        )
        .await;
    assert_eq!(status, reqwest::StatusCode::NOT_FOUND);

    // A date the filter cannot read is named; the ledger still shows.
    let (status, page) = t.page(&browser, "/ledgers/carry_out?from=2026-99-01").await;
    assert_eq!(status, reqwest::StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("申請日（から）"));
    let (status, page) = t.page(&browser, "/ledgers/carry_out?attention=1").await;
    assert_eq!(status, reqwest::StatusCode::OK);
    assert!(page.contains("返却遅れ"));
    assert!(
        page.contains("format=xlsx&#38;attention=1"),
        "the export keeps the filter"
    );

    // The demo's 持ち出し is past its 返却予定日: its applicant records the 返却 on the form.
    let shokuin = t.user("shokuin").await;
    let (_, rows) = t
        .app
        .approvals()
        .ledger(&shokuin, "carry_out", &LedgerFilter::default())
        .await
        .unwrap();
    let late = rows
        .iter()
        .find(|r| r.overdue_return)
        .expect("a late return");
    let (_, page) = t.page(&browser, &format!("/approvals/{}", late.id)).await;
    assert!(page.contains("返却を記録する"));
    let version = t
        .app
        .approvals()
        .application(&shokuin, late.id)
        .await
        .unwrap()
        .application
        .version;
    let today = t.app.today().to_string();
    let r = browser
        .post(t.url(&format!("/approvals/{}/follow-up", late.id)))
        .form(&[
            ("_csrf", common::csrf_of(&page).as_str()),
            ("what", "return"),
            ("on", "昨日"),
            ("version", &version.to_string()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), reqwest::StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("返却日を 2026-04-01 のように")
    );
    let r = browser
        .post(t.url(&format!("/approvals/{}/follow-up", late.id)))
        .form(&[
            ("_csrf", common::csrf_of(&page).as_str()),
            ("what", "return"),
            ("on", today.as_str()),
            ("version", &version.to_string()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), reqwest::StatusCode::SEE_OTHER);
    let view = t
        .app
        .approvals()
        .application(&shokuin, late.id)
        .await
        .unwrap();
    assert_eq!(view.application.status, Status::Returned);
    assert!(!view.return_overdue);
    assert!(view.may_complete);
}

#[tokio::test]
async fn a_step_nobody_holds_is_named_and_nothing_is_filed() {
    let t = TestApp::spawn().await;
    let meta = RequestMeta::default();
    let shokuin = t.user("shokuin").await;
    let kacho = t.user("kacho").await;
    // 市民課長's role as 情報セキュリティ管理者 ended yesterday; nobody holds it now.
    let editor = t.user("tokatsu").await;
    let may = editor.org_editor().unwrap();
    let held = t
        .app
        .role_assignments(&editor, Some(t.app.today()))
        .await
        .unwrap()
        .into_iter()
        .find(|v| {
            v.assignment.role_key == "security_manager"
                && Some(v.assignment.person_id) == kacho.account.person_id
                && !v.assignment.is_deputy
        })
        .expect("市民課長 holds the role");
    let yesterday = t.app.today() - Duration::days(1);
    t.app
        .end_role(&editor, &may, held.assignment.id, yesterday, &meta)
        .await
        .unwrap();
    let raw = fields(&[
        ("assets", "IA-000004".to_owned()),
        ("destination", "北支所".to_owned()),
        ("transport_on", day(&t, 1)),
        ("method", "職員による手渡し".to_owned()),
        ("safeguards", "鍵付きケース".to_owned()),
    ]);
    let before = t.audit_count().await;
    let mine = t
        .app
        .approvals()
        .my_applications(&shokuin)
        .await
        .unwrap()
        .len();
    let err = t
        .app
        .approvals()
        .apply(
            &shokuin,
            Apply::submit("transport", &FieldInput::from(raw.clone())),
            &meta,
        )
        .await
        .unwrap_err();
    let AppError::Invalid(e) = err else {
        panic!("{err:?}")
    };
    assert_eq!(e.field, "承認経路");
    assert!(e.message.contains("第1段階"), "{}", e.message);
    assert!(
        e.message.contains("情報セキュリティ管理者"),
        "{}",
        e.message
    );
    assert_eq!(t.audit_count().await, before, "nothing is written");
    assert_eq!(
        t.app
            .approvals()
            .my_applications(&shokuin)
            .await
            .unwrap()
            .len(),
        mine
    );
}

#[tokio::test]
async fn a_rejection_and_a_withdrawal_are_audited_and_end_the_application() {
    let t = TestApp::spawn().await;
    let shokuin = t.user("shokuin").await;
    let kacho = t.user("kacho").await;
    let meta = RequestMeta::default();
    let raw = fields(&[
        ("assets", "IA-000004".to_owned()),
        ("destination", "北支所".to_owned()),
        ("transport_on", day(&t, 1)),
        ("method", "運送事業者".to_owned()),
        ("safeguards", "鍵付きケース".to_owned()),
    ]);
    let rejected = t
        .app
        .approvals()
        .apply(
            &shokuin,
            Apply::submit("transport", &FieldInput::from(raw.clone())),
            &meta,
        )
        .await
        .unwrap();
    let v = t
        .app
        .approvals()
        .application(&kacho, rejected)
        .await
        .unwrap()
        .application;
    // 却下 needs its reason.
    let err = t
        .app
        .approvals()
        .decide(
            &kacho,
            Decide::new(rejected, 0, Decision::Reject, v.version),
            &meta,
        )
        .await
        .unwrap_err();
    let AppError::Invalid(e) = err else {
        panic!("{err:?}")
    };
    assert_eq!(e.field, "コメント");
    t.app
        .approvals()
        .decide(
            &kacho,
            Decide {
                comment: Some("運送事業者による運搬は認めません".into()),
                ..Decide::new(rejected, 0, Decision::Reject, v.version)
            },
            &meta,
        )
        .await
        .unwrap();
    let view = t
        .app
        .approvals()
        .application(&shokuin, rejected)
        .await
        .unwrap();
    assert_eq!(view.application.status, Status::Rejected);
    assert!(!view.may_withdraw && !view.may_resubmit && !view.may_complete);

    let withdrawn = t
        .app
        .approvals()
        .apply(
            &shokuin,
            Apply::submit("transport", &FieldInput::from(raw.clone())),
            &meta,
        )
        .await
        .unwrap();
    let v = t
        .app
        .approvals()
        .application(&shokuin, withdrawn)
        .await
        .unwrap()
        .application;
    // Only the applicant withdraws.
    assert!(
        t.app
            .approvals()
            .withdraw(&kacho, withdrawn, v.version, &meta)
            .await
            .is_err()
    );
    t.app
        .approvals()
        .withdraw(&shokuin, withdrawn, v.version, &meta)
        .await
        .unwrap();
    assert!(!in_inbox(&t, &kacho, withdrawn).await);
    for (id, last) in [
        (rejected, "application.reject"),
        (withdrawn, "application.withdraw"),
    ] {
        let actions: Vec<String> = audit_of(&t, id).await.into_iter().map(|(a, _)| a).collect();
        assert_eq!(actions.last().map(String::as_str), Some(last));
        let app = t
            .app
            .approvals()
            .application(&shokuin, id)
            .await
            .unwrap()
            .application;
        assert_eq!(
            actions.len(),
            app.history.len(),
            "one record per transition"
        );
    }
}

#[tokio::test]
async fn exceptions_up_for_review_are_brought_once_to_the_applicant_and_the_permitter() {
    let t = TestApp::spawn().await;
    let kacho = t.user("kacho").await;
    let ciso = t.user("ciso").await;
    let (_, reviews) = t.app.approvals().exception_reviews(&kacho).await.unwrap();
    assert_eq!(
        t.app.approvals().remind_exception_reviews().await.unwrap(),
        reviews.len()
    );
    let told = |list: Vec<mamori_app::notify::Notification>| {
        list.into_iter()
            .filter(|n| n.subject.starts_with("例外措置の見直し"))
            .count()
    };
    assert_eq!(
        told(t.app.notifications(&kacho).await.unwrap()),
        reviews.len(),
        "the applicant hears of each"
    );
    // The CISO permitted one of them (the other was an emergency, not yet reviewed).
    assert_eq!(told(t.app.notifications(&ciso).await.unwrap()), 1);
    // Once only.
    assert_eq!(
        t.app.approvals().remind_exception_reviews().await.unwrap(),
        0
    );
    assert_eq!(
        told(t.app.notifications(&kacho).await.unwrap()),
        reviews.len()
    );
}

#[tokio::test]
async fn a_file_attached_on_the_form_is_kept_with_the_application_and_read_back() {
    use reqwest::multipart::{Form, Part};
    let t = TestApp::spawn().await;
    let browser = t.signed_in("shokuin").await;
    let (_, page) = t.page(&browser, "/approvals/new?kind=provision").await;
    assert!(page.contains("enctype=\"multipart/form-data\""));
    assert!(page.contains("name=\"u_agreement\""));
    let csrf = common::csrf_of(&page);
    let pdf = "%PDF-1.4\n% 取決め書\n".as_bytes().to_vec();
    let form = |file: Part| {
        Form::new()
            .text("_csrf", csrf.clone())
            .text("kind", "provision")
            .text("event", "")
            .text("f_assets", "IA-000004")
            .text("f_recipient", "県 市町村課")
            .text("f_purpose", "統計調査への回答")
            .text("f_provide_on", day(&t, 3))
            .text("f_method", "電子メール")
            .text("f_safeguards", "パスワード付きで送付")
            .text("f_agreement", "契約書第12条")
            .part("u_agreement", file)
    };

    // A file over the limit is refused naming the field; nothing is filed.
    let before = t.audit_count().await;
    let big = Part::bytes(vec![
        b'x';
        mamori_app::attachments::MAX_ATTACHMENT_BYTES + 1
    ])
    .file_name("大きすぎる.pdf");
    let r = browser
        .post(t.url("/approvals"))
        .multipart(form(big))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), reqwest::StatusCode::UNPROCESSABLE_ENTITY);
    let body = r.text().await.unwrap();
    assert!(
        body.contains("大きすぎる.pdf") && body.contains("10MB"),
        "{body}"
    );
    assert_eq!(t.audit_count().await, before);

    let r = browser
        .post(t.url("/approvals"))
        .multipart(form(
            Part::bytes(pdf.clone()).file_name("C:\\文書\\取決め書.pdf"),
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), reqwest::StatusCode::SEE_OTHER);
    let location = common::location(&r);
    let id: ApplicationId = location
        .trim_start_matches("/approvals/")
        .split('?')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let shokuin = t.user("shokuin").await;
    let view = t.app.approvals().application(&shokuin, id).await.unwrap();
    assert_eq!(view.files.len(), 1);
    let file = &view.files[0];
    assert_eq!(file.file_name, "取決め書.pdf", "the folders are dropped");
    assert_eq!(file.content_type, "application/pdf");
    let shown = view
        .values
        .iter()
        .find(|(label, _)| label == "取決め・契約書")
        .unwrap();
    assert_eq!(shown.1, "契約書第12条、取決め書.pdf");
    // The form shows what was typed, not the file's id.
    assert_eq!(
        view.form.get("agreement").map(String::as_str),
        Some("契約書第12条")
    );
    // Its audit record names the file and its digest.
    let mut conn = t.app.store().conn().await.unwrap();
    let attached = mamori_store::audit::list(&mut conn, &Default::default(), 100_000)
        .await
        .unwrap()
        .into_iter()
        .find(|r| {
            r.entry.action == "application.attach_file" && r.entry.target_id == id.to_string()
        })
        .expect("audited");
    let after = attached.entry.after.unwrap().to_string();
    assert!(after.contains(&file.sha256), "{after}");

    // The approver downloads it as it was given.
    let chief = t.signed_in("kacho").await;
    let (_, page) = t.page(&chief, &format!("/approvals/{id}")).await;
    let href = format!("/approvals/{id}/files/{}", file.id);
    assert!(page.contains(&href));
    let r = chief.get(t.url(&href)).send().await.unwrap();
    assert_eq!(r.status(), reqwest::StatusCode::OK);
    assert_eq!(
        r.headers()["content-type"].to_str().unwrap(),
        "application/pdf"
    );
    assert!(
        r.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains("filename*=UTF-8''")
    );
    assert_eq!(r.bytes().await.unwrap().to_vec(), pdf);
    // The download is in the audit trail: who took which file of which application.
    let reads = mamori_store::audit::list(
        &mut conn,
        &mamori_store::audit::AuditFilter {
            action: Some("read.attachment".into()),
            ..Default::default()
        },
        10,
    )
    .await
    .unwrap();
    assert_eq!(reads.len(), 1);
    assert_eq!(reads[0].entry.actor.label, "kacho");
    assert_eq!(reads[0].entry.target_id, file.id.to_string());
    let detail = reads[0].entry.after.as_deref().unwrap();
    assert!(
        detail.contains("取決め書.pdf") && detail.contains(&id.to_string()),
        "{detail}"
    );
    // Not another application's file.
    let other = t
        .app
        .approvals()
        .inbox(&kacho_of(&t).await)
        .await
        .unwrap()
        .into_iter()
        .find(|a| a.id != id)
        .unwrap()
        .id;
    let r = chief
        .get(t.url(&format!("/approvals/{other}/files/{}", file.id)))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), reqwest::StatusCode::NOT_FOUND);

    // Sent back and corrected, the file stays and a new one is added.
    let kacho = kacho_of(&t).await;
    let v = t
        .app
        .approvals()
        .application(&kacho, id)
        .await
        .unwrap()
        .application;
    t.app
        .approvals()
        .decide(
            &kacho,
            Decide {
                comment: Some("提供先との取決めの写しも添付してください".into()),
                ..Decide::new(id, 0, Decision::Return, v.version)
            },
            &RequestMeta::default(),
        )
        .await
        .unwrap();
    let v = t.app.approvals().application(&shokuin, id).await.unwrap();
    let mut raw = v.form.clone();
    raw.insert("recipient".into(), "県 市町村課 統計係".into());
    let again = t
        .app
        .approvals()
        .resubmit(
            &shokuin,
            Resubmit {
                id,
                fields: &raw,
                uploads: &[mamori_app::attachments::Upload {
                    field: "agreement".into(),
                    file_name: "覚書.docx".into(),
                    content: b"PK\x03\x04".to_vec(),
                }],
                seen: v.application.version,
            },
            &RequestMeta::default(),
        )
        .await
        .unwrap();
    assert_eq!(again.status, Status::Submitted);
    let view = t.app.approvals().application(&shokuin, id).await.unwrap();
    let names: Vec<&str> = view.files.iter().map(|f| f.file_name.as_str()).collect();
    assert_eq!(names, ["取決め書.pdf", "覚書.docx"]);
}

async fn kacho_of(t: &TestApp) -> CurrentUser {
    t.user("kacho").await
}

#[tokio::test]
async fn the_edition_page_sets_the_bodys_kinds_and_keeps_what_was_typed_when_refused() {
    let t = TestApp::spawn().await;
    let n = t.policy_draft(vec![]).await;
    let browser = t.signed_in("tokatsu").await;
    let path = format!("/policy/{}", n.get());
    let (_, page) = t.page(&browser, &path).await;
    assert!(page.contains("申請の種類（TOML）"));
    let broken = "[[kind]]\nkey = \"provision\"\nclause = \"S-2.(2)⑨(イ)\"\n";
    let r = browser
        .post(t.url(&format!("{path}/profile")))
        .form(&[
            ("_csrf", common::csrf_of(&page).as_str()),
            ("op", "set-approval-kinds"),
            ("toml", broken),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), reqwest::StatusCode::UNPROCESSABLE_ENTITY);
    let refused = r.text().await.unwrap();
    assert!(refused.contains("申請の種類（TOML）"));
    assert!(
        refused.contains("aria-invalid=\"true\""),
        "the editor is marked"
    );
    assert!(
        refused.contains("key = &#34;provision&#34;")
            || refused.contains("key = &quot;provision&quot;"),
        "what was typed is kept"
    );
    let r = browser
        .post(t.url(&format!("{path}/profile")))
        .form(&[
            ("_csrf", common::csrf_of(&page).as_str()),
            ("op", "set-approval-kinds"),
            ("toml", BODY_KINDS),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), reqwest::StatusCode::SEE_OTHER);
    let (_, page) = t.page(&browser, &path).await;
    assert!(page.contains("本団体で定めた種類があります"));
    // The audit record keeps the kinds as set.
    let mut conn = t.app.store().conn().await.unwrap();
    let record = mamori_store::audit::list(&mut conn, &Default::default(), 100_000)
        .await
        .unwrap()
        .into_iter()
        .find(|r| r.entry.action == "policy.set_approval_kinds")
        .expect("audited");
    let after = record.entry.after.unwrap().to_string();
    assert!(after.contains("所属長専決（職員による手渡し）"), "{after}");
}

#[tokio::test]
async fn a_waiting_asset_record_is_applied_for_from_the_asset_page_and_done_when_approved() {
    use reqwest::multipart::Form;
    let t = TestApp::spawn().await;
    let shokuin = t.user("shokuin").await;
    let writer = shokuin.asset_writer().unwrap();
    let meta = RequestMeta::default();
    let mut conn = t.app.store().conn().await.unwrap();
    let body = shokuin.body().unwrap().id;
    let asset = mamori_store::assets::find_by_number(&mut conn, body, "IA-000004")
        .await
        .unwrap()
        .unwrap();
    drop(conn);
    let outcome = t
        .app
        .record_asset_action(
            &shokuin,
            &writer,
            asset.id,
            mamori_domain::classification::Action::Transport,
            &mamori_app::assets::ActionInput {
                details: "北支所へ運搬".into(),
                ..Default::default()
            },
            &meta,
        )
        .await
        .unwrap();
    let mamori_app::assets::ActionOutcome::AwaitingApproval { event, .. } = outcome else {
        panic!("{outcome:?}")
    };

    // The asset page links to the form with the asset by its 管理番号 and the record.
    let browser = t.signed_in("shokuin").await;
    let (_, page) = t.page(&browser, &format!("/assets/{}", asset.id)).await;
    let start = page
        .find("/approvals/new?kind=")
        .expect("the link to apply");
    let link = page[start..]
        .split('"')
        .next()
        .unwrap()
        .replace("&amp;", "&");
    assert!(
        link.ends_with(&format!("&event={event}&asset=IA-000004")),
        "{link}"
    );
    let (_, form_page) = t.page(&browser, &link).await;
    assert!(
        form_page.contains("value=\"IA-000004\""),
        "prefilled by 管理番号"
    );
    let form = Form::new()
        .text("_csrf", common::csrf_of(&form_page))
        .text("kind", "transport")
        .text("event", event.to_string())
        .text("f_assets", "IA-000004")
        .text("f_destination", "北支所")
        .text("f_transport_on", day(&t, 1))
        .text("f_method", "職員による手渡し")
        .text("f_safeguards", "鍵付きケース");
    let r = browser
        .post(t.url("/approvals"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), reqwest::StatusCode::SEE_OTHER);
    let id: ApplicationId = common::location(&r)
        .trim_start_matches("/approvals/")
        .split('?')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let kacho = t.user("kacho").await;
    approve(&t, &kacho, id).await;
    let mut conn = t.app.store().conn().await.unwrap();
    let e = mamori_store::assets::get_event(&mut conn, body, event)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(e.status, mamori_store::assets::EventStatus::Completed);
}
