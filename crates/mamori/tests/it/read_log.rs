//! Reads of what the policy protects leave a record in the audit trail, in the same chain as the
//! changes: opening an asset at the scheme's read-log level (機密性３ here), exporting the
//! register, the staff list or a ledger, reading the trail itself. The trail's screen filters
//! them apart from the changes.

use crate::common;

use common::TestApp;
use mamori_domain::audit::AuditRecord;
use mamori_store::audit::{AuditFilter, RecordKind};
use reqwest::StatusCode;

async fn reads(t: &TestApp) -> Vec<AuditRecord> {
    let mut conn = t.app.store().conn().await.unwrap();
    let filter = AuditFilter {
        kind: Some(RecordKind::Reads),
        ..Default::default()
    };
    mamori_store::audit::list(&mut conn, &filter, 1000)
        .await
        .unwrap()
}

async fn asset_id(t: &TestApp, number: &str) -> String {
    let u = t.user("tokatsu").await;
    let mut conn = t.app.store().conn().await.unwrap();
    mamori_store::assets::find_by_number(&mut conn, u.body().unwrap().id, number)
        .await
        .unwrap()
        .unwrap()
        .id
        .to_string()
}

/// The listed records of the audit screen, without its filter form.
fn results(html: &str) -> &str {
    &html[html.find(r#"id="audit-results""#).unwrap()..]
}

/// A GET of the API with a bearer token.
async fn api(t: &TestApp, token: &str, path: &str) -> reqwest::Response {
    reqwest::Client::new()
        .get(t.url(path))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
}

fn after(r: &AuditRecord) -> serde_json::Value {
    serde_json::from_str(r.entry.after.as_deref().unwrap()).unwrap()
}

#[tokio::test]
async fn opening_an_asset_at_the_read_log_level_is_recorded_and_a_lower_one_is_not() {
    let t = TestApp::spawn().await;
    assert!(reads(&t).await.is_empty(), "the demo records no reads");
    // IA-000001 is 機密性３, IA-000004 機密性２.
    let top = asset_id(&t, "IA-000001").await;
    let lower = asset_id(&t, "IA-000004").await;
    let b = t.signed_in("shokuin").await;
    let (status, html) = t.page(&b, &format!("/assets/{lower}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(!html.contains("read-recorded"), "{html}");
    assert!(reads(&t).await.is_empty(), "機密性２ is not recorded");

    let r = b
        .get(t.url(&format!("/assets/{top}")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let request_id = r.headers()["x-request-id"].to_str().unwrap().to_owned();
    // The page says so to who opens it.
    let html = r.text().await.unwrap();
    assert!(
        html.contains("機密性３の情報資産のため、この画面を開いたことは監査証跡に記録されています"),
        "{html}"
    );
    let recorded = reads(&t).await;
    assert_eq!(recorded.len(), 1);
    let read = &recorded[0];
    assert_eq!(read.entry.action, "read.asset");
    assert_eq!(read.entry.actor.label, "shokuin");
    assert_eq!(read.entry.target_id, top);
    assert_eq!(read.entry.request_id.as_deref(), Some(request_id.as_str()));
    let detail = after(read);
    assert_eq!(detail["number"], "IA-000001");
    assert_eq!(detail["name"], "住民基本台帳データ");
    assert_eq!(detail["classification"], "機密性３・完全性２・可用性２");

    // The edit form and the API show the same asset: each is a read.
    let kacho = t.signed_in("kacho").await;
    let (status, _) = t.page(&kacho, &format!("/assets/{top}/edit")).await;
    assert_eq!(status, StatusCode::OK);
    let token = t.api_token("kacho").await;
    let r = api(&t, &token, &format!("/api/v1/assets/{top}")).await;
    assert_eq!(r.status(), StatusCode::OK);
    let recorded = reads(&t).await;
    assert_eq!(recorded.len(), 3);
    assert!(
        recorded[..2]
            .iter()
            .all(|r| r.entry.actor.label == "kacho" && r.entry.target_id == top)
    );

    // Reads are links of the chain: it still verifies, and the records are counted in it.
    match t.app.verify_audit_trail().await.unwrap() {
        mamori_app::audit_trail::Verification::Intact { records, .. } => {
            assert_eq!(records as i64, t.audit_count().await);
        }
        broken => panic!("{broken:?}"),
    }
}

#[tokio::test]
async fn exporting_the_register_the_staff_list_or_a_ledger_is_recorded_with_its_rows() {
    let t = TestApp::spawn().await;
    let tokatsu = t.signed_in("tokatsu").await;
    let r = tokatsu
        .get(t.url("/org/export?kind=people&format=csv&encoding=utf8"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let csv = r.text().await.unwrap();
    // The header line and one line per person.
    let people = csv.lines().count() - 1;
    let r = tokatsu
        .get(t.url("/assets/export?format=xlsx"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let token = t.api_token("shokuin").await;
    let r = api(
        &t,
        &token,
        "/api/v1/ledgers/S-2.(2)%E2%91%A7(%E3%82%A4)?format=xlsx",
    )
    .await;
    assert_eq!(r.status(), StatusCode::OK);
    // The JSON of the same ledger is a page of the screen, not an export.
    let r = api(&t, &token, "/api/v1/ledgers/S-2.(2)%E2%91%A7(%E3%82%A4)").await;
    assert_eq!(r.status(), StatusCode::OK);

    let mut recorded = reads(&t).await;
    recorded.reverse();
    let summary: Vec<(String, String, String, String)> = recorded
        .iter()
        .map(|r| {
            let d = after(r);
            (
                r.entry.actor.label.clone(),
                r.entry.action.clone(),
                d["what"].as_str().unwrap().to_owned(),
                d["form"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let s = |a: &str, b: &str, c: &str, d: &str| (a.into(), b.into(), c.into(), d.into());
    assert_eq!(
        summary,
        [
            s("tokatsu", "read.export", "people", "csv"),
            s("tokatsu", "read.export", "assets", "xlsx"),
            s("shokuin", "read.export", "ledger", "xlsx"),
        ]
    );
    assert_eq!(after(&recorded[0])["rows"], people as u64);
    assert_eq!(after(&recorded[0])["name"], "職員一覧");
    let assets = t
        .app
        .asset_page(&t.user("tokatsu").await, &Default::default(), None, 500)
        .await
        .unwrap()
        .rows
        .len();
    assert_eq!(after(&recorded[1])["rows"], assets as u64);
    assert!(
        after(&recorded[2])["name"]
            .as_str()
            .unwrap()
            .starts_with("台帳（"),
        "{}",
        after(&recorded[2])
    );

    // A refused export records nothing.
    let shokuin = t.signed_in("shokuin").await;
    let r = shokuin.get(t.url("/org/export")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert_eq!(reads(&t).await.len(), 3);
}

#[tokio::test]
async fn reading_the_trail_is_recorded_and_the_screen_filters_reads_from_changes() {
    let t = TestApp::spawn().await;
    let ciso = t.signed_in("ciso").await;
    let (status, html) = t.page(&ciso, "/audit").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains(r#"<select id="f-kind" name="kind">"#),
        "{html}"
    );
    let recorded = reads(&t).await;
    assert_eq!(recorded.len(), 1);
    assert_eq!(recorded[0].entry.action, "read.audit");
    assert_eq!(recorded[0].entry.actor.label, "ciso");

    // Only reads: the first read is listed, no sign-in is.
    let (status, html) = t.page(&ciso, "/audit?kind=reads&actor=ciso").await;
    assert_eq!(status, StatusCode::OK);
    let rows = results(&html);
    assert!(rows.contains("監査証跡の閲覧"), "{rows}");
    assert!(!rows.contains(">ログイン<"), "{rows}");
    // The filters it was read with are in its record.
    let newest = &reads(&t).await[0];
    assert_eq!(after(newest)["filters"]["kind"], "reads");
    assert_eq!(after(newest)["filters"]["actor"], "ciso");

    // Only changes: sign-ins, and none of the reads.
    let (status, html) = t.page(&ciso, "/audit?kind=changes").await;
    assert_eq!(status, StatusCode::OK);
    let rows = results(&html);
    assert!(rows.contains(">ログイン<"), "{rows}");
    assert!(!rows.contains("監査証跡の閲覧"), "{rows}");

    // The API is the same read, with the same filter.
    let token = t.api_token("tokatsu").await;
    let r = api(&t, &token, "/api/v1/audit?kind=reads").await;
    assert_eq!(r.status(), StatusCode::OK);
    let body: serde_json::Value = r.json().await.unwrap();
    let actions: Vec<&str> = body["records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["action"].as_str().unwrap())
        .collect();
    assert!(!actions.is_empty());
    assert!(
        actions.iter().all(|a| a.starts_with("read.")),
        "{actions:?}"
    );

    // An unknown kind is refused naming the field, and nothing is read or recorded.
    let before = reads(&t).await.len();
    let (status, html) = t.page(&ciso, "/audit?kind=everything").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("記録の種類"), "{html}");
    assert_eq!(reads(&t).await.len(), before);
}
