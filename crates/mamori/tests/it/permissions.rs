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

/// A permission is issued to one user in one body: handed with another user's request (a
/// programming slip a handler could make), it acts for nobody and nothing is written.
#[tokio::test]
async fn a_permission_acts_only_for_the_user_it_was_issued_to() {
    let t = TestApp::spawn().await;
    let editor = t.user("tokatsu").await;
    let other = t.user("ciso").await;
    let org = editor.org_editor().unwrap();
    let policy = editor.policy_editor().unwrap();
    let meta = mamori_app::RequestMeta::default();
    let before = t.audit_count().await;
    let input = mamori_app::organization::UnitInput {
        code: "T900".to_owned(),
        name: "試験部".to_owned(),
        kind: "department".to_owned(),
        parent: None,
        agency_kind: "市長".to_owned(),
        effective: t.app.today(),
    };
    let refused = t
        .app
        .create_unit(&other, &org, input.clone(), &meta)
        .await
        .unwrap_err();
    assert!(
        matches!(refused, mamori_app::AppError::Forbidden(_)),
        "{refused:?}"
    );
    let refused = t
        .app
        .new_policy_draft(
            &other,
            &policy,
            mamori_domain::policy::EditionNumber::new(2).unwrap(),
            &meta,
        )
        .await;
    assert!(matches!(refused, Err(mamori_app::AppError::Forbidden(_))));
    assert_eq!(t.audit_count().await, before, "nothing was written");
    // The same permission with its own user acts.
    t.app
        .create_unit(&editor, &org, input, &meta)
        .await
        .unwrap();
    assert!(t.audit_count().await > before);
}
