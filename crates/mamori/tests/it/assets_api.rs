//! The asset register API: list with filters and a cursor, detail with what the classification
//! derives, create and update with the screens' checks and permissions, and the CLI commands.

use crate::common;

use common::TestApp;
use reqwest::StatusCode;
use serde_json::{Value, json};

async fn get(t: &TestApp, token: &str, path: &str) -> (StatusCode, Value) {
    let r = reqwest::Client::new()
        .get(t.url(path))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    let status = r.status();
    (status, r.json().await.unwrap())
}

async fn send(
    t: &TestApp,
    token: &str,
    method: reqwest::Method,
    path: &str,
    body: &Value,
) -> (StatusCode, Value) {
    let r = reqwest::Client::new()
        .request(method, t.url(path))
        .bearer_auth(token)
        .json(body)
        .send()
        .await
        .unwrap();
    let status = r.status();
    (status, r.json().await.unwrap())
}

/// Every asset of the register through the cursor, with the filters in `query`.
async fn all_pages(t: &TestApp, token: &str, query: &str) -> Vec<Value> {
    let mut out = Vec::new();
    let mut after = String::new();
    loop {
        let (status, page) = get(t, token, &format!("/api/v1/assets?limit=4&{query}{after}")).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        out.extend(page["items"].as_array().unwrap().iter().cloned());
        match page["next"].as_str() {
            Some(n) => after = format!("&after={n}"),
            None => return out,
        }
    }
}

async fn shimin_id(t: &TestApp, token: &str) -> String {
    let (_, units) = get(t, token, "/api/v1/org/units").await;
    units
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["name"] == "市民課")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn the_cursor_walks_the_whole_register_once_and_filters_narrow_it() {
    let t = TestApp::spawn().await;
    let token = t.api_token("kacho").await;
    let all = all_pages(&t, &token, "").await;
    let numbers: Vec<&str> = all
        .iter()
        .map(|a| a["asset_no"].as_str().unwrap())
        .collect();
    let mut unique = numbers.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), numbers.len(), "no asset twice: {numbers:?}");
    assert!(numbers.len() >= 13, "the demo register: {numbers:?}");

    // 「機密性２以上」: only assets whose confidentiality is 2 or 3.
    let confidential = all_pages(&t, &token, "class=confidentiality:2").await;
    assert!(!confidential.is_empty());
    for a in &confidential {
        let c = a["classification"].as_str().unwrap();
        assert!(
            c.starts_with("機密性２") || c.starts_with("機密性３"),
            "{c}"
        );
    }
    let public = all
        .iter()
        .filter(|a| {
            a["classification"]
                .as_str()
                .unwrap()
                .starts_with("機密性１")
        })
        .count();
    assert_eq!(confidential.len() + public, all.len());

    // Kind, segment and text filters together.
    let media = all_pages(&t, &token, "kind=medium&q=USB").await;
    assert_eq!(media.len(), 1, "{media:?}");
    assert_eq!(media[0]["asset_no"], "IA-000005");
    let internet = all_pages(&t, &token, "segment=internet").await;
    assert!(internet.iter().all(|a| a["segment"] == "internet"));
    assert!(internet.iter().any(|a| a["asset_no"] == "IA-000012"));

    // A level key the scheme lacks is named, not ignored.
    let (status, err) = get(&t, &token, "/api/v1/assets?class=confidentiality:9").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{err}");
    assert_eq!(err["field"], "class");
}

#[tokio::test]
async fn the_detail_shows_the_label_handling_findings_and_who_permits_transport() {
    let t = TestApp::spawn().await;
    let token = t.api_token("shokuin").await;
    let usb = &all_pages(&t, &token, "q=IA-000005").await[0];
    let (status, a) = get(
        &t,
        &token,
        &format!("/api/v1/assets/{}", usb["id"].as_str().unwrap()),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{a}");
    assert_eq!(a["kind"], "medium");
    assert_eq!(a["holds"], json!(["IA-000004"]));
    assert_eq!(a["classification_keys"]["confidentiality"], "2");
    assert!(
        a["label"].as_str().unwrap().contains("許可: 運搬"),
        "{}",
        a["label"]
    );
    let transport = a["gates"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["action"] == "transport")
        .unwrap();
    assert_eq!(transport["gate"], "needs_permission");
    assert!(
        transport["permitters"][0]
            .as_str()
            .unwrap()
            .contains("佐々木 翔太"),
        "{transport}"
    );
    assert!(
        a["handling"]
            .as_array()
            .unwrap()
            .iter()
            .any(|h| h["action"] == "transport" && h["requirements"].to_string().contains("許可"))
    );
}

#[tokio::test]
async fn a_staff_member_registers_in_their_unit_and_is_refused_elsewhere() {
    let t = TestApp::spawn().await;
    let token = t.api_token("shokuin").await;
    let shimin = shimin_id(&t, &token).await;
    let before = t.audit_count().await;

    let usb = json!({
        "kind": "電磁的記録媒体",
        "name": "USBメモリ（市民課-02）",
        "owner_unit_id": shimin,
        "classification": "機密性２・完全性１・可用性１",
        "holds": ["IA-000004"],
        "encrypted": true,
        "locked_storage": true
    });
    let (status, created) = send(&t, &token, reqwest::Method::POST, "/api/v1/assets", &usb).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert!(created["asset_no"].as_str().unwrap().starts_with("IA-"));
    assert_eq!(created["owner_unit"], "市民課");
    assert!(
        created["findings"].as_array().unwrap().is_empty(),
        "{created}"
    );
    assert_eq!(t.audit_count().await, before + 1);

    // Another unit: refused, nothing written.
    let (_, units) = get(&t, &token, "/api/v1/org/units").await;
    let zeimu = units
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["name"] == "税務課")
        .unwrap()["id"]
        .clone();
    let mut elsewhere = usb.clone();
    elsewhere["owner_unit_id"] = zeimu;
    elsewhere["name"] = json!("USBメモリ（税務課）");
    let (status, err) = send(
        &t,
        &token,
        reqwest::Method::POST,
        "/api/v1/assets",
        &elsewhere,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{err}");
    assert_eq!(err["field"], "所管課");
    assert_eq!(t.audit_count().await, before + 1);

    // A medium classified below what it holds is refused naming 分類.
    let mut lower = usb.clone();
    lower["classification"] = json!("機密性１・完全性１・可用性１");
    lower["name"] = json!("USBメモリ（低い分類）");
    let (status, err) = send(&t, &token, reqwest::Method::POST, "/api/v1/assets", &lower).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{err}");
    assert_eq!(err["field"], "分類");

    // A level the scheme lacks.
    let mut bad = usb.clone();
    bad["classification"] = json!("機密性４・完全性１・可用性１");
    let (status, err) = send(&t, &token, reqwest::Method::POST, "/api/v1/assets", &bad).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{err}");
    assert_eq!(err["field"], "分類");
    assert!(err["message"].as_str().unwrap().contains("機密性"), "{err}");
    assert_eq!(t.audit_count().await, before + 1);
}

#[tokio::test]
async fn an_update_replaces_the_asset_and_a_session_needs_its_csrf_token() {
    let t = TestApp::spawn().await;
    let token = t.api_token("tokatsu").await;
    let tape = &all_pages(&t, &token, "q=IA-000013").await[0];
    let path = format!("/api/v1/assets/{}", tape["id"].as_str().unwrap());
    let (_, before) = get(&t, &token, &path).await;
    assert!(
        before["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["check"] == "no_owner")
    );
    let zeimu = get(&t, &token, "/api/v1/org/units")
        .await
        .1
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["name"] == "税務課")
        .unwrap()["id"]
        .clone();
    let update = json!({
        "asset_no": "IA-000013",
        "kind": before["kind"],
        "name": before["name"],
        "owner_unit_id": zeimu,
        "location": before["location"],
        "segment": before["segment"],
        "classification": before["classification"],
        "encrypted": true,
        "locked_storage": true,
        "backup": true
    });
    let (status, after) = send(&t, &token, reqwest::Method::PUT, &path, &update).await;
    assert_eq!(status, StatusCode::OK, "{after}");
    assert_eq!(after["owner_unit"], "税務課");
    assert!(
        after["findings"].as_array().unwrap().is_empty(),
        "{}",
        after["findings"]
    );

    // The same write through a browser session without X-CSRF-Token is refused.
    let browser = t.signed_in("tokatsu").await;
    let r = browser
        .put(t.url(&path))
        .json(&update)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn the_cli_exports_checks_and_imports_the_register() {
    let t = TestApp::spawn().await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("register.xlsx");
    let out = t.cli(
        &["assets", "export", "--output", file.to_str().unwrap()],
        None,
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // The exported file imports back with nothing to change.
    let out = t.cli(
        &["assets", "import", file.to_str().unwrap(), "--dry-run"],
        None,
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(err.contains("新規 0、変更 0"), "{err}");

    // The demo has findings: exit 1 and JSON naming the clause.
    let out = t.cli(&["assets", "check", "--format", "json"], None);
    assert_eq!(out.status.code(), Some(1));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(report["total"].as_u64().unwrap() > 0);
    let all = report["units"].to_string();
    assert!(all.contains("S-6.1.(5)"), "network diagram below its class");
    assert!(all.contains("no_owner"));
}
