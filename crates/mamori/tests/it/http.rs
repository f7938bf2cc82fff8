//! Screens and API driven like a browser and an API client would.

use crate::common;

use chrono::Duration;
use common::{DEMO_PASSWORD, Options, TestApp, alert_of, csrf_of, location};
use reqwest::StatusCode;

#[tokio::test]
async fn kacho_signs_in_and_sees_the_home_page_with_the_body_name() {
    let t = TestApp::spawn().await;
    let browser = t.browser();
    let r = t.post_login(&browser, "kacho", DEMO_PASSWORD).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&r), "/");
    let set_cookie: Vec<_> = r
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect();
    let session = set_cookie
        .iter()
        .find(|c| c.starts_with("mamori_session="))
        .unwrap();
    assert!(session.contains("HttpOnly") && session.contains("SameSite=Strict"));
    assert!(
        !session.contains("Secure"),
        "no Secure without TLS settings"
    );

    let home = browser.get(t.url("/")).send().await.unwrap();
    assert_eq!(home.status(), StatusCode::OK);
    let html = home.text().await.unwrap();
    assert!(html.contains("みほん市"));
    assert!(
        html.contains("情報セキュリティ管理者（市民課）"),
        "kacho's role is shown"
    );
    assert!(html.contains("令和8年6月1日"), "today in 和暦");
    assert!(html.contains("令和8年度"));
    // kacho may not read the audit trail, so the navigation does not offer it.
    assert!(!html.contains(r#"href="/audit""#));
}

#[tokio::test]
async fn a_wrong_password_and_an_unknown_login_get_the_same_answer() {
    let t = TestApp::spawn().await;
    let wrong = t
        .post_login(&t.browser(), "kacho", "not-the-password")
        .await;
    let unknown = t
        .post_login(&t.browser(), "nosuchuser", "not-the-password")
        .await;
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(unknown.status(), StatusCode::UNAUTHORIZED);
    let a = alert_of(&wrong.text().await.unwrap()).unwrap();
    let b = alert_of(&unknown.text().await.unwrap()).unwrap();
    assert_eq!(a, "ログインIDまたはパスワードが正しくありません");
    assert_eq!(a, b);
}

#[tokio::test]
async fn repeated_failures_lock_a_login_whether_or_not_it_exists_and_the_lock_expires() {
    let t = TestApp::spawn().await;
    let threshold = t.settings.lockout_threshold;
    for login in ["kacho", "ghost"] {
        for i in 1..threshold {
            let r = t.post_login(&t.browser(), login, "wrong-password").await;
            assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "{login} attempt {i}");
        }
        let r = t.post_login(&t.browser(), login, "wrong-password").await;
        assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS, "{login} locked");
        let msg = alert_of(&r.text().await.unwrap()).unwrap();
        assert!(msg.contains("一時的に使えません"), "{msg}");
    }
    // While locked, even the right password is refused, with the same answer.
    let r = t.post_login(&t.browser(), "kacho", DEMO_PASSWORD).await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    // The lock runs out.
    t.clock
        .advance(Duration::minutes(t.settings.lockout_base_minutes + 1));
    let r = t.post_login(&t.browser(), "kacho", DEMO_PASSWORD).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn a_form_without_its_csrf_token_is_refused_and_changes_nothing() {
    let t = TestApp::spawn().await;
    let browser = t.browser();
    let _ = t.login_form(&browser).await;
    let before = t.audit_count().await;
    let r = browser
        .post(t.url("/login"))
        .form(&[("login", "kacho"), ("password", DEMO_PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert!(
        r.headers()
            .get_all("set-cookie")
            .iter()
            .all(|c| !c.to_str().unwrap().starts_with("mamori_session="))
    );
    assert!(r.text().await.unwrap().contains("権限がありません"));
    // A forged token is refused the same way.
    let r = browser
        .post(t.url("/login"))
        .form(&[
            ("_csrf", "forged"),
            ("login", "kacho"),
            ("password", DEMO_PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        t.audit_count().await,
        before,
        "nothing was recorded or changed"
    );

    // Signed in, logout without the session's token is refused and the session survives.
    let browser = t.signed_in("kacho").await;
    let r = browser
        .post(t.url("/logout"))
        .form(&[("x", "y")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        browser.get(t.url("/")).send().await.unwrap().status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn a_cross_site_post_is_refused_even_with_a_token() {
    let t = TestApp::spawn().await;
    let browser = t.browser();
    let csrf = t.login_form(&browser).await;
    let r = browser
        .post(t.url("/login"))
        .header("sec-fetch-site", "cross-site")
        .form(&[
            ("_csrf", csrf.as_str()),
            ("login", "kacho"),
            ("password", DEMO_PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn sessions_expire_when_idle_and_at_their_absolute_limit() {
    let t = TestApp::spawn().await;
    let browser = t.signed_in("kacho").await;
    t.clock
        .advance(Duration::minutes(t.settings.session_idle_minutes - 1));
    assert_eq!(
        browser.get(t.url("/")).send().await.unwrap().status(),
        StatusCode::OK
    );
    t.clock
        .advance(Duration::minutes(t.settings.session_idle_minutes + 1));
    let r = browser.get(t.url("/")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&r), "/login");

    // Active all along, the session still ends at the absolute limit.
    let browser = t.signed_in("kacho").await;
    let step = Duration::minutes(t.settings.session_idle_minutes / 2);
    let limit = Duration::hours(t.settings.session_absolute_hours);
    let mut elapsed = Duration::zero();
    while elapsed + step < limit {
        t.clock.advance(step);
        elapsed += step;
        assert_eq!(
            browser.get(t.url("/")).send().await.unwrap().status(),
            StatusCode::OK
        );
    }
    t.clock.advance(step);
    assert_eq!(
        browser.get(t.url("/")).send().await.unwrap().status(),
        StatusCode::SEE_OTHER
    );
}

#[tokio::test]
async fn signing_in_again_rotates_the_session() {
    let t = TestApp::spawn().await;
    let browser = t.browser();
    let first = t.post_login(&browser, "kacho", DEMO_PASSWORD).await;
    let cookie_of = |r: &reqwest::Response| {
        r.headers()
            .get_all("set-cookie")
            .iter()
            .map(|c| c.to_str().unwrap().to_owned())
            .find(|c| c.starts_with("mamori_session="))
            .unwrap()
    };
    let old = cookie_of(&first);
    let home = browser
        .get(t.url("/"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = csrf_of(&home);
    let second = browser
        .post(t.url("/login"))
        .form(&[
            ("_csrf", csrf.as_str()),
            ("login", "kacho"),
            ("password", DEMO_PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(second.status(), StatusCode::SEE_OTHER);
    let new = cookie_of(&second);
    assert_ne!(old, new);
    // The old session token no longer works.
    let old_token = old
        .trim_start_matches("mamori_session=")
        .split(';')
        .next()
        .unwrap();
    let r = t
        .browser()
        .get(t.url("/api/v1/me"))
        .header("cookie", format!("mamori_session={old_token}"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn logout_ends_the_session_on_the_server() {
    let t = TestApp::spawn().await;
    let browser = t.signed_in("kacho").await;
    let home = browser.get(t.url("/")).send().await.unwrap();
    let html = home.text().await.unwrap();
    let csrf = csrf_of(&html);
    let r = browser
        .post(t.url("/logout"))
        .form(&[("_csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&r), "/login");
    let r = browser.get(t.url("/")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let mut conn = t.app.store().conn().await.unwrap();
    let logouts = mamori_store::audit::list(
        &mut conn,
        &mamori_store::audit::AuditFilter {
            action: Some("auth.logout".into()),
            ..Default::default()
        },
        10,
    )
    .await
    .unwrap();
    assert_eq!(logouts.len(), 1);
    assert_eq!(logouts[0].entry.actor.label, "kacho");
}

#[tokio::test]
async fn a_page_behind_login_sends_the_visitor_to_login_and_back() {
    let t = TestApp::spawn().await;
    let browser = t.browser();
    let r = browser
        .get(t.url("/audit?actor=kacho"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&r), "/login?next=%2Faudit%3Factor%3Dkacho");
    let csrf = t.login_form(&browser).await;
    let r = browser
        .post(t.url("/login"))
        .form(&[
            ("_csrf", csrf.as_str()),
            ("login", "admin"),
            ("password", DEMO_PASSWORD),
            ("next", "/audit?actor=kacho"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(location(&r), "/audit?actor=kacho");
    // An off-site target is never followed.
    let browser = t.browser();
    let csrf = t.login_form(&browser).await;
    let r = browser
        .post(t.url("/login"))
        .form(&[
            ("_csrf", csrf.as_str()),
            ("login", "admin"),
            ("password", DEMO_PASSWORD),
            ("next", "//evil.example/"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(location(&r), "/");
}

#[tokio::test]
async fn a_login_is_recorded_in_the_audit_trail_and_the_chain_verifies() {
    let t = TestApp::spawn().await;
    let _ = t.signed_in("kacho").await;
    let _ = t.post_login(&t.browser(), "kacho", "wrong-password").await;
    let mut conn = t.app.store().conn().await.unwrap();
    let records = mamori_store::audit::list(&mut conn, &Default::default(), 2)
        .await
        .unwrap();
    assert_eq!(records[0].entry.action, "auth.login_failed");
    assert_eq!(records[0].entry.target_id, "kacho");
    assert_eq!(records[1].entry.action, "auth.login");
    assert_eq!(records[1].entry.actor.label, "kacho");
    assert!(
        records[1].entry.request_id.is_some(),
        "the request id is recorded"
    );
    match t.app.verify_audit_trail().await.unwrap() {
        mamori_app::audit_trail::Verification::Intact { records, .. } => assert!(records > 100),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn error_pages_are_japanese_with_the_right_status_and_request_id() {
    let t = TestApp::spawn().await;
    let r = t
        .browser()
        .get(t.url("/no/such/page"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let rid = r
        .headers()
        .get("x-request-id")
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    let html = r.text().await.unwrap();
    assert!(html.contains("ページが見つかりません"));
    assert!(html.contains(&rid), "the page shows the request id");

    let shokuin = t.signed_in("shokuin").await;
    let r = shokuin.get(t.url("/audit")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert!(r.text().await.unwrap().contains("監査証跡の閲覧"));

    // The database going away is a 500 page, not a blank answer.
    let admin = t.signed_in("admin").await;
    t.app.store().close().await;
    let r = admin.get(t.url("/")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::INTERNAL_SERVER_ERROR);
    let html = r.text().await.unwrap();
    assert!(html.contains("内部エラー") && html.contains("受付番号"));
}

#[tokio::test]
async fn malformed_input_gets_a_message_naming_the_field() {
    let t = TestApp::spawn().await;
    let browser = t.browser();
    let csrf = t.login_form(&browser).await;
    let r = browser
        .post(t.url("/login"))
        .form(&[("_csrf", csrf.as_str()), ("login", ""), ("password", "x")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert_eq!(alert_of(&html).unwrap(), "ログインID: 入力してください");
    assert!(html.contains(r#"aria-invalid="true""#));

    let admin = t.signed_in("admin").await;
    let r = admin
        .get(t.url("/audit?from=2026-13-01"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        alert_of(&r.text().await.unwrap())
            .unwrap()
            .starts_with("期間（開始日）:")
    );

    let r = admin
        .get(t.url("/api/v1/audit?before=abc"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["code"], "invalid_input");
}

#[tokio::test]
async fn the_audit_screen_filters_and_pages() {
    let t = TestApp::spawn().await;
    let admin = t.signed_in("admin").await;
    let html = admin
        .get(t.url("/audit"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("監査証跡"));
    assert!(html.contains("ログイン"), "the admin's own login is listed");
    // The demo wrote more than a page, so there is an older page.
    let start = html
        .find("/audit?before=")
        .expect("a link to older records");
    let next: String = html[start..]
        .split('"')
        .next()
        .unwrap()
        .replace("&amp;", "&");
    let older = admin
        .get(t.url(&next))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(older.contains("<table"));

    let filtered = admin
        .get(t.url("/audit?actor=admin&action=auth.login"))
        .header("hx-request", "true")
        .send()
        .await
        .unwrap();
    assert_eq!(filtered.headers().get("vary").unwrap(), "HX-Request");
    let partial = filtered.text().await.unwrap();
    assert!(!partial.contains("<html"), "htmx gets only the results");
    assert_eq!(partial.matches("<tr>").count(), 2, "header row + one login");

    let none = admin
        .get(t.url("/audit?actor=nobody"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(none.contains("条件に合う記録はありません"));

    // The CISO's role grants the permission through the body's role set.
    let ciso = t.signed_in("ciso").await;
    assert_eq!(
        ciso.get(t.url("/audit")).send().await.unwrap().status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn security_headers_are_on_every_answer() {
    let t = TestApp::spawn().await;
    for path in ["/login", "/no-such", "/api/v1/health", "/static/mamori.css"] {
        let r = t.browser().get(t.url(path)).send().await.unwrap();
        let h = r.headers();
        let csp = h.get("content-security-policy").unwrap().to_str().unwrap();
        assert!(
            csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"),
            "{path}"
        );
        assert!(csp.contains("frame-ancestors 'none'"), "{path}");
        assert_eq!(
            h.get("x-content-type-options").unwrap(),
            "nosniff",
            "{path}"
        );
        assert!(h.get("referrer-policy").is_some(), "{path}");
    }
    let html = t
        .browser()
        .get(t.url("/login"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        !html.contains("<script>") && !html.contains("style="),
        "no inline script or style"
    );
    assert!(
        !html.contains("http://") && !html.contains("https://"),
        "no external asset"
    );
}

#[tokio::test]
async fn cookies_are_secure_when_configured_for_tls() {
    let t = TestApp::spawn_with(Options {
        demo: true,
        secure_cookies: true,
        ..Options::default()
    })
    .await;
    let r = t.browser().get(t.url("/login")).send().await.unwrap();
    let c = r.headers().get("set-cookie").unwrap().to_str().unwrap();
    assert!(c.contains("; Secure"), "{c}");
}

#[tokio::test]
async fn assets_are_embedded_and_served() {
    let t = TestApp::spawn().await;
    let r = t
        .browser()
        .get(t.url("/static/htmx.min.js"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(
        r.headers()
            .get("content-type")
            .unwrap()
            .to_str()
            .unwrap()
            .starts_with("text/javascript")
    );
    assert!(r.text().await.unwrap().contains("htmx"));
    let r = t
        .browser()
        .get(t.url("/static/nothing.js"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn me_needs_a_session_or_a_token() {
    let t = TestApp::spawn().await;
    let r = t.browser().get(t.url("/api/v1/me")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["code"], "unauthenticated");
    assert_eq!(body["message"], "ログインしてください");

    let r = t
        .browser()
        .get(t.url("/api/v1/me"))
        .bearer_auth("mmr_forged")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);

    let token = t.api_token("kacho").await;
    let r = t
        .browser()
        .get(t.url("/api/v1/me"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let me: serde_json::Value = r.json().await.unwrap();
    assert_eq!(me["login"], "kacho");
    assert_eq!(me["body"]["name"], "みほん市");
    assert_eq!(me["unit"], "市民課");
    let keys: Vec<&str> = me["roles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["key"].as_str().unwrap())
        .collect();
    assert!(keys.contains(&"security_manager"), "{keys:?}");

    // The browser's session works for the API too.
    let browser = t.signed_in("bucho").await;
    let me: serde_json::Value = browser
        .get(t.url("/api/v1/me"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(me["login"], "bucho");
    assert_eq!(me["roles"][0]["key"], "security_officer");

    // A staff member cannot list the audit trail through the API either.
    let shokuin = t.signed_in("shokuin").await;
    let r = shokuin.get(t.url("/api/v1/audit")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        r.json::<serde_json::Value>().await.unwrap()["code"],
        "forbidden"
    );
}

#[tokio::test]
async fn the_api_lists_the_audit_trail_with_keyset_paging() {
    let t = TestApp::spawn().await;
    let admin = t.signed_in("admin").await;
    let first: serde_json::Value = admin
        .get(t.url("/api/v1/audit"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let records = first["records"].as_array().unwrap();
    assert_eq!(records.len(), 100);
    let next = first["next_before"].as_i64().unwrap();
    assert_eq!(next, records.last().unwrap()["seq"].as_i64().unwrap());
    let second: serde_json::Value = admin
        .get(t.url(&format!("/api/v1/audit?before={next}")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(second["records"][0]["seq"].as_i64().unwrap() < next);
}

#[tokio::test]
async fn health_and_openapi_need_no_login() {
    let t = TestApp::spawn().await;
    let h: serde_json::Value = t
        .browser()
        .get(t.url("/api/v1/health"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(h["status"], "ok");
    let r = t
        .browser()
        .get(t.url("/api/v1/openapi.json"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let doc: serde_json::Value = r.json().await.unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    for path in ["/api/v1/health", "/api/v1/me", "/api/v1/audit"] {
        assert!(doc["paths"][path]["get"].is_object(), "{path} documented");
    }
    assert!(doc["components"]["securitySchemes"]["bearer"].is_object());
    // Regression: the audit filters are query parameters; declared as path parameters they made
    // the document invalid for OpenAPI validators.
    let params = doc["paths"]["/api/v1/audit"]["get"]["parameters"]
        .as_array()
        .unwrap();
    assert!(params.len() >= 7);
    assert!(params.iter().all(|p| p["in"] == "query"), "{params:?}");
    let r = t
        .browser()
        .get(t.url("/api/v1/nothing"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        r.json::<serde_json::Value>().await.unwrap()["code"],
        "not_found"
    );
}

#[tokio::test]
async fn the_demo_loads_once() {
    let t = TestApp::spawn().await;
    let before = t.audit_count().await;
    let again = t.app.load_demo().await.unwrap();
    assert!(!again.loaded_now);
    assert_eq!(t.audit_count().await, before);
    let mut conn = t.app.store().conn().await.unwrap();
    let body = mamori_store::org::find_body_by_code(&mut conn, "demo-mihon")
        .await
        .unwrap()
        .unwrap();
    assert!(
        mamori_store::org::count_people(&mut conn, body.id)
            .await
            .unwrap()
            >= 40
    );
    assert!(
        mamori_store::org::count_units(&mut conn, body.id)
            .await
            .unwrap()
            >= 15
    );
}

#[tokio::test]
async fn a_sign_in_sweeps_sessions_that_expired_without_a_logout() {
    let t = TestApp::spawn().await;
    let _abandoned = t.signed_in("kacho").await;
    let _other = t.signed_in("bucho").await;
    t.clock
        .advance(Duration::minutes(t.settings.session_idle_minutes + 1));
    let _fresh = t.signed_in("shokuin").await;
    let mut conn = t.app.store().conn().await.unwrap();
    let row = sqlx::query("SELECT COUNT(*) AS n FROM sessions")
        .fetch_one(conn.raw())
        .await
        .unwrap();
    let n: i64 = sqlx::Row::get(&row, "n");
    assert_eq!(n, 1, "only the fresh session remains");
}
