//! 許可・承認の申請 in the demo: the pending 運搬 of the USB memory is for 市民課長 to decide, not
//! for its applicant; approving it completes the asset record and enters the 運搬 ledger; two
//! approvers deciding one step at once — one wins; the applicant never decides their own; an
//! emergency 例外措置 whose report is late is flagged; every transition is audited.

use crate::common;

use common::{TestApp, csrf_of};
use mamori_app::approvals::{Apply, Decide, FieldInput};
use mamori_app::{AppError, CurrentUser};
use mamori_domain::approval::{Decision, Status};
use reqwest::StatusCode;

async fn user(t: &TestApp, login: &str) -> CurrentUser {
    let token = t.api_token(login).await;
    t.app.token_user(&token).await.unwrap().unwrap()
}

async fn application_audit(t: &TestApp) -> Vec<String> {
    let mut conn = t.app.store().conn().await.unwrap();
    mamori_store::audit::list(&mut conn, &Default::default(), 100_000)
        .await
        .unwrap()
        .iter()
        .filter(|r| r.entry.action.starts_with("application."))
        .map(|r| r.entry.action.clone())
        .collect()
}

#[tokio::test]
async fn the_pending_transport_is_decided_by_the_section_chief_and_enters_the_ledger() {
    let t = TestApp::spawn().await;
    let kacho = user(&t, "kacho").await;
    let shokuin = user(&t, "shokuin").await;

    // 市民課長's inbox holds the 運搬 of the USB memory; the applicant's holds nothing to decide.
    let inbox = t.app.approvals().inbox(&kacho).await.unwrap();
    let pending = inbox
        .iter()
        .find(|a| a.kind == "transport")
        .expect("the demo's pending transport");
    assert_eq!(pending.applicant_name, "石川 綾");
    assert!(t.app.approvals().inbox(&shokuin).await.unwrap().is_empty());

    // The applicant's decision is refused on the screen, and nothing changes.
    let browser = t.signed_in("shokuin").await;
    let (_, page) = t
        .page(&browser, &format!("/approvals/{}", pending.id))
        .await;
    assert!(
        !page.contains("決裁する"),
        "no decision form for the applicant"
    );
    let r = browser
        .post(t.url(&format!("/approvals/{}/decisions", pending.id)))
        .form(&[
            ("_csrf", csrf_of(&page).as_str()),
            ("decision", "approve"),
            ("step", "0"),
            ("version", &pending.version.to_string()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let before = application_audit(&t).await;

    // 市民課長 approves on the screen.
    let chief = t.signed_in("kacho").await;
    let (_, page) = t.page(&chief, &format!("/approvals/{}", pending.id)).await;
    assert!(page.contains("決裁する"));
    let r = chief
        .post(t.url(&format!("/approvals/{}/decisions", pending.id)))
        .form(&[
            ("_csrf", csrf_of(&page).as_str()),
            ("decision", "approve"),
            ("step", "0"),
            ("version", &pending.version.to_string()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status(),
        StatusCode::SEE_OTHER,
        "{}",
        r.text().await.unwrap()
    );
    let audit = application_audit(&t).await;
    assert_eq!(audit.len(), before.len() + 1, "one record for the decision");
    let approvals = |list: &[String]| list.iter().filter(|a| *a == "application.approve").count();
    assert_eq!(approvals(&audit), approvals(&before) + 1);

    let view = t
        .app
        .approvals()
        .application(&kacho, pending.id)
        .await
        .unwrap();
    assert_eq!(view.application.status, Status::Approved);
    // The asset is named by its 管理番号 and name, not its id.
    assert!(
        view.values
            .iter()
            .any(|(label, value)| label == "運搬する情報資産"
                && value.starts_with("IA-000005 USBメモリ")),
        "{:?}",
        view.values
    );
    // The asset record it permitted has happened, with the application's number.
    let event = view.asset_event.expect("linked to the asset record");
    let mut conn = t.app.store().conn().await.unwrap();
    let body = kacho.body().unwrap().id;
    let e = mamori_store::assets::get_event(&mut conn, body, event)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(e.status, mamori_store::assets::EventStatus::Completed);
    assert_eq!(
        e.approval.as_deref(),
        Some(view.application.number.as_str())
    );

    // The ledger lists it with its approver.
    let (_, rows) = t
        .app
        .approvals()
        .ledger(&kacho, "transport", &Default::default())
        .await
        .unwrap();
    let row = rows
        .iter()
        .find(|r| r.number == view.application.number)
        .unwrap();
    assert!(
        row.approvers.iter().any(|a| a.contains("佐々木 翔太")),
        "{row:?}"
    );
    assert!(row.approved_on.is_some());
    let (_, html) = t.page(&chief, "/ledgers/transport").await;
    assert!(html.contains(&view.application.number));
}

#[tokio::test]
async fn of_two_decisions_on_one_step_exactly_one_wins() {
    let t = TestApp::spawn().await;
    let kacho = user(&t, "kacho").await;
    let pending = t
        .app
        .approvals()
        .inbox(&kacho)
        .await
        .unwrap()
        .into_iter()
        .find(|a| a.kind == "transport")
        .unwrap();
    let meta = Default::default();
    let approvals = t.app.approvals();
    let decide = |decision| {
        approvals.decide(
            &kacho,
            Decide {
                comment: Some("確認".to_owned()),
                ..Decide::new(pending.id, 0, decision, pending.version)
            },
            &meta,
        )
    };
    let (a, b) = tokio::join!(decide(Decision::Approve), decide(Decision::Return));
    let outcomes = [a.is_ok(), b.is_ok()];
    assert_eq!(outcomes.iter().filter(|ok| **ok).count(), 1, "{outcomes:?}");
    let loser = if a.is_ok() { b } else { a };
    assert!(
        matches!(
            loser,
            Err(AppError::Conflict(_)) | Err(AppError::Invalid(_))
        ),
        "{loser:?}"
    );
}

#[tokio::test]
async fn nobody_decides_their_own_application() {
    let t = TestApp::spawn().await;
    let kacho = user(&t, "kacho").await;
    // 市民課長 applies for a 運搬 of his own section: he is also the one who permits it.
    let asset = {
        let mut conn = t.app.store().conn().await.unwrap();
        mamori_store::assets::find_by_number(&mut conn, kacho.body().unwrap().id, "IA-000004")
            .await
            .unwrap()
            .unwrap()
    };
    let raw: FieldInput = [
        ("assets", asset.id.to_string()),
        ("destination", "北支所".to_owned()),
        ("transport_on", "2026-06-10".to_owned()),
        ("method", "職員による手渡し".to_owned()),
        ("safeguards", "暗号化して鍵付きケースに格納".to_owned()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    let id = t
        .app
        .approvals()
        .apply(
            &kacho,
            Apply {
                filing: mamori_app::approvals::Filing::Submit,
                ..Apply::submit("transport", &raw)
            },
            &Default::default(),
        )
        .await
        .unwrap();
    let view = t.app.approvals().application(&kacho, id).await.unwrap();
    assert!(
        !view.may_decide,
        "the applicant is not offered the decision"
    );
    let refused = t
        .app
        .approvals()
        .decide(
            &kacho,
            Decide::new(id, 0, Decision::Approve, view.application.version),
            &Default::default(),
        )
        .await;
    match refused {
        Err(AppError::Invalid(e)) => assert_eq!(e.field, "兼務禁止", "{e:?}"),
        other => panic!("expected the separation rule, got {other:?}"),
    }

    // A required field left out is named.
    let mut missing = std::collections::BTreeMap::new();
    missing.insert("destination".to_owned(), "北支所".to_owned());
    let err = t
        .app
        .approvals()
        .apply(
            &kacho,
            Apply {
                filing: mamori_app::approvals::Filing::Submit,
                ..Apply::submit("transport", &FieldInput::from(missing.clone()))
            },
            &Default::default(),
        )
        .await
        .unwrap_err();
    assert!(matches!(err, AppError::Invalid(_)), "{err:?}");
}

#[tokio::test]
async fn a_late_emergency_report_and_a_late_return_are_flagged_in_the_ledgers() {
    let t = TestApp::spawn().await;
    let kacho = user(&t, "kacho").await;
    let (_, exceptions) = t
        .app
        .approvals()
        .ledger(&kacho, "exception", &Default::default())
        .await
        .unwrap();
    assert!(
        exceptions.iter().any(|r| r.report_overdue),
        "the demo's emergency exception: {exceptions:?}"
    );
    // The 例外措置 awaiting the CISO is in the CISO's inbox.
    let ciso = user(&t, "ciso").await;
    assert!(
        t.app
            .approvals()
            .inbox(&ciso)
            .await
            .unwrap()
            .iter()
            .any(|a| a.kind == "exception")
    );
    let (_, carried) = t
        .app
        .approvals()
        .ledger(&kacho, "carry_out", &Default::default())
        .await
        .unwrap();
    assert!(carried.iter().any(|r| r.overdue_return), "{carried:?}");
}

#[tokio::test]
async fn the_api_files_decides_and_exports_the_ledger() {
    let t = TestApp::spawn().await;
    let shokuin = t.api_token("shokuin").await;
    let kacho = t.api_token("kacho").await;
    let client = reqwest::Client::new();

    // The inbox of 市民課長 holds the demo's pending 運搬.
    let inbox: serde_json::Value = client
        .get(t.url("/api/v1/inbox"))
        .bearer_auth(&kacho)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let pending = inbox
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["kind"] == "transport")
        .unwrap()
        .clone();
    let path = format!(
        "/api/v1/applications/{}/decisions",
        pending["id"].as_str().unwrap()
    );

    // The applicant may not decide: 403, nothing changes.
    let r = client
        .post(t.url(&path))
        .bearer_auth(&shokuin)
        .json(&serde_json::json!({"decision": "approve"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let err: serde_json::Value = r.json().await.unwrap();
    assert_eq!(err["code"], "forbidden");

    // A return needs a comment.
    let r = client
        .post(t.url(&path))
        .bearer_auth(&kacho)
        .json(&serde_json::json!({"decision": "return"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);

    let r = client
        .post(t.url(&path))
        .bearer_auth(&kacho)
        .json(&serde_json::json!({"decision": "approve", "comment": "了解", "version": pending["version"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let decided: serde_json::Value = r.json().await.unwrap();
    assert_eq!(decided["status"], "approved");

    // A decision on the version already changed is a conflict.
    let r = client
        .post(t.url(&path))
        .bearer_auth(&kacho)
        .json(&serde_json::json!({"decision": "approve", "version": pending["version"]}))
        .send()
        .await
        .unwrap();
    assert!(
        r.status() == StatusCode::CONFLICT || r.status() == StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        r.status()
    );

    // The ledger by clause, as JSON and as a workbook with the municipal columns.
    let clause = "S-2.(2)%E2%91%A7(%E3%82%A4)";
    let rows: serde_json::Value = client
        .get(t.url(&format!("/api/v1/ledgers/{clause}")))
        .bearer_auth(&kacho)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(
        rows.as_array()
            .unwrap()
            .iter()
            .any(|r| r["number"] == pending["number"] && r["approved_on"].is_string())
    );
    let bytes = client
        .get(t.url(&format!("/api/v1/ledgers/{clause}?format=xlsx")))
        .bearer_auth(&kacho)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    use calamine::Reader;
    let mut book = calamine::Xlsx::new(std::io::Cursor::new(bytes.to_vec())).unwrap();
    let sheet = book.worksheet_range_at(0).unwrap().unwrap();
    let header: Vec<String> = sheet
        .rows()
        .next()
        .unwrap()
        .iter()
        .map(|c| c.to_string())
        .collect();
    assert_eq!(header, mamori_io::ledger::LEDGER_HEADERS);
    assert!(
        sheet
            .rows()
            .any(|row| row[0] == pending["number"].as_str().unwrap())
    );

    // Filing through the API: a required field left out is named.
    let r = client
        .post(t.url("/api/v1/applications"))
        .bearer_auth(&shokuin)
        .json(&serde_json::json!({"clause": "S-2.(2)⑧(イ)", "fields": {"destination": "北支所"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
}
