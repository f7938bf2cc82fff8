//! A table of the policy's state-changing routes against the roles that lack `policy.edit`:
//! each is refused with 403 and nothing is written.

use crate::common;

use common::{TestApp, csrf_of, location};
use reqwest::{Client, StatusCode};

async fn post(t: &TestApp, b: &Client, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
    let (_, home) = t.page(b, "/").await;
    let csrf = csrf_of(&home);
    let mut form: Vec<(&str, &str)> = vec![("_csrf", csrf.as_str())];
    form.extend_from_slice(fields);
    b.post(t.url(path)).form(&form).send().await.unwrap()
}

#[tokio::test]
async fn policy_routes_refuse_every_role_without_the_permission() {
    let t = TestApp::spawn().await;
    let editor = t.signed_in("tokatsu").await;
    let r = post(&t, &editor, "/policy/editions", &[("from", "2")]).await;
    assert_eq!(location(&r), "/policy/3", "a draft to aim at");

    let routes: Vec<(&str, Vec<(&str, &str)>)> = vec![
        ("/policy/editions", vec![("from", "2")]),
        (
            "/policy/3/profile",
            vec![("op", "adopt"), ("clause", "S-4.1.(2)②")],
        ),
        (
            "/policy/3/profile",
            vec![
                ("op", "set-parameter"),
                ("key", "log_retention_years"),
                ("value", "1"),
            ],
        ),
        ("/policy/3/actions/submit", vec![]),
        (
            "/policy/3/actions/enforce",
            vec![("effective_from", "2026-07-01")],
        ),
        ("/policy/3/actions/abolish", vec![]),
        ("/policy/2/actions/publish", vec![]),
    ];
    for login in ["kacho", "bucho", "shokuin", "ciso"] {
        let b = t.signed_in(login).await;
        let before = t.audit_count().await;
        for (path, fields) in &routes {
            let r = post(&t, &b, path, fields).await;
            assert_eq!(r.status(), StatusCode::FORBIDDEN, "{login} POST {path}");
        }
        assert_eq!(t.audit_count().await, before, "{login} changed nothing");
    }
    // The editor's draft is untouched by all of it, and the same form from the editor is
    // accepted — so the refusals above were about the role, not about the form.
    let (_, html) = t.page(&editor, "/policy/3").await;
    assert!(html.contains("下書き"));
    let r = post(
        &t,
        &editor,
        "/policy/3/profile",
        &[("op", "adopt"), ("clause", "S-4.1.(2)②")],
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
}
