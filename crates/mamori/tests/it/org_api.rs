//! The organization API: units on a date, people, and the authority resolver as JSON.

use crate::common;

use common::TestApp;
use reqwest::StatusCode;
use serde_json::Value;

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

#[tokio::test]
async fn the_api_answers_who_may_permit_a_transport_for_a_section() {
    let t = TestApp::spawn().await;
    let token = t.api_token("kacho").await;
    let (status, units) = get(&t, &token, "/api/v1/org/units").await;
    assert_eq!(status, StatusCode::OK);
    let shimin = units
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["name"] == "市民課")
        .unwrap();
    assert_eq!(shimin["kind"], "section");
    let id = shimin["id"].as_str().unwrap();

    let clause = "S-2.(2)%E2%91%A7(%E3%82%A4)"; // S-2.(2)⑧(イ)
    let (status, answer) = get(
        &t,
        &token,
        &format!("/api/v1/org/authority?clause={clause}&unit={id}"),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(answer[0]["mark"], "permits");
    assert_eq!(answer[0]["holders"][0]["name"], "佐々木 翔太");
    assert_eq!(answer[0]["walked_up"], false);

    // A unit role without a unit is a 422 naming the field.
    let (status, err) = get(
        &t,
        &token,
        &format!("/api/v1/org/authority?clause={clause}"),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{err}");
    assert_eq!(err["field"], "所属");

    let (status, people) = get(&t, &token, &format!("/api/v1/org/people?unit={id}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        people["people"]
            .as_array()
            .unwrap()
            .iter()
            .all(|p| p["unit_name"] == "市民課")
    );

    let (_, doc) = get(&t, &token, "/api/v1/openapi.json").await;
    assert!(doc["paths"]["/api/v1/org/authority"]["get"].is_object());
}

#[tokio::test]
async fn the_cli_names_the_section_chief_as_approver_for_a_transport() {
    let t = TestApp::spawn().await;
    let out = t.cli(
        &[
            "authority",
            "approvers",
            "--clause",
            "S-2.(2)⑧(イ)",
            "--unit",
            "市民課",
            "--format",
            "json",
        ],
        None,
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let answer: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(answer["clause"], "S-2.(2)⑧(イ)");
    assert_eq!(answer["approvers"][0]["mark"], "permits");
    assert_eq!(answer["approvers"][0]["holders"][0]["name"], "佐々木 翔太");

    // A unit role without a unit: exit 1 with the field named.
    let out = t.cli(
        &["authority", "approvers", "--clause", "S-2.(2)⑧(イ)"],
        None,
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("所属"));
}
