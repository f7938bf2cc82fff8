//! First-run setup: a fresh database leads every page to the setup screen, which opens only with
//! the token of this process; a bad field is refused naming it and changes nothing; setup makes
//! the 団体, its administrator, its first role holders and the 例文 draft once, and never again.
//! `mamori setup` does the same from a file.

use mamori_store::{org, policy};
use reqwest::StatusCode;

use crate::common::{Options, TestApp, alert_of, csrf_of, location, second_body_file};

async fn fresh() -> TestApp {
    TestApp::spawn_with(Options {
        demo: false,
        ..Options::default()
    })
    .await
}

fn sakura<'a>(token: &'a str, csrf: &'a str, code: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("_csrf", csrf),
        ("token", token),
        ("body_name", "さくら市"),
        ("body_code", code),
        ("body_kind", "city"),
        ("body_term", ""),
        ("admin_login", "joho-admin"),
        ("admin_name", "情報 花子"),
        ("admin_password", "sakura-setup-2026"),
        ("admin_password_confirm", "sakura-setup-2026"),
        ("admin_holder", "chief_security_officer"),
        ("ciso_staff_number", "100001"),
        ("ciso_name", "桜井 一郎"),
        ("ciso_title", "副市長"),
        ("ciso_unit", "市長公室"),
        ("chief_staff_number", "100102"),
        ("chief_name", "情報 花子"),
        ("chief_title", "情報政策課長"),
        ("chief_unit", "総務部情報政策課"),
        ("policy", "example"),
    ]
}

async fn post(
    t: &TestApp,
    browser: &reqwest::Client,
    form: Vec<(&str, &str)>,
) -> reqwest::Response {
    browser
        .post(t.url("/setup"))
        .form(&form)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_fresh_database_is_set_up_once_through_the_screen_with_the_printed_token() {
    let t = fresh().await;
    let token = t.app.open_setup().await.unwrap().expect("setup opens");
    let browser = t.browser();

    // Nothing but the setup answers.
    let r = browser.get(t.url("/")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&r), "/setup");
    let r = browser.get(t.url("/login")).send().await.unwrap();
    assert_eq!(location(&r), "/setup");
    let r = browser.get(t.url("/api/v1/me")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::SERVICE_UNAVAILABLE);
    let r = browser.get(t.url("/api/v1/health")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);

    // Without the token the page says where to find it and has no form.
    let (status, html) = t.page(&browser, "/setup").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(html.contains("コンソール"), "{html}");
    assert!(!html.contains("name=\"body_code\""));

    let (status, html) = t.page(&browser, &format!("/setup?token={token}")).await;
    assert_eq!(status, StatusCode::OK);
    let csrf = csrf_of(&html);

    // A wrong check digit is refused naming the field, and nothing is written.
    let before = t.audit_count().await;
    let r = post(&t, &browser, sakura(&token, &csrf, "092141")).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    let alert = alert_of(&html).unwrap();
    assert!(alert.starts_with("全国地方公共団体コード"), "{alert}");
    assert!(
        html.contains("value=\"さくら市\""),
        "the form keeps what was typed"
    );
    assert!(
        !html.contains("sakura-setup-2026"),
        "passwords are never sent back"
    );
    assert_eq!(t.audit_count().await, before);
    assert!(t.app.bodies().await.unwrap().is_empty());

    // A wrong token is refused even with a good form.
    let r = post(&t, &browser, sakura("0123", &csrf, "092142")).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert!(t.app.bodies().await.unwrap().is_empty());

    let r = post(&t, &browser, sakura(&token, &csrf, "092142")).await;
    assert_eq!(r.status(), StatusCode::OK);
    let html = r.text().await.unwrap();
    assert!(html.contains("さくら市"), "{html}");
    assert!(html.contains("joho-admin"));

    // The body, its holders (充て職 of their posts), the administrator who is the 統括, the
    // 例文 draft in the body's words, all audited.
    let bodies = t.app.bodies().await.unwrap();
    assert_eq!(bodies.len(), 1);
    let body = &bodies[0];
    assert_eq!(body.code, "092142");
    assert_eq!(body.kind, Some(mamori_domain::body::BodyKind::City));
    let mut conn = t.app.store().conn().await.unwrap();
    let holders = org::assignments(&mut conn, body.id, Some(t.app.today()))
        .await
        .unwrap();
    let keys: Vec<&str> = holders.iter().map(|a| a.role_key.as_str()).collect();
    assert_eq!(keys, ["ciso", "chief_security_officer"]);
    assert!(holders.iter().all(|a| a.post.is_some()));
    let editions = policy::list_editions(&mut conn, body.id).await.unwrap();
    assert_eq!(editions.len(), 1);
    assert_eq!(editions[0].profile.body_term, "本市");
    assert_eq!(editions[0].profile.body_name, "さくら市");
    let ciso = editions[0]
        .profile
        .roles
        .iter()
        .find(|r| r.key == "ciso")
        .unwrap();
    assert_eq!(ciso.post.as_deref(), Some("副市長"));
    drop(conn);
    let out = t.cli(&["audit", "verify"], None);
    assert!(out.status.success());

    // The gate is closed: the login page answers and the administrator is the 統括.
    let r = t
        .post_login(&browser, "joho-admin", "sakura-setup-2026")
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "{}", location(&r));
    let me = browser.get(t.url("/api/v1/me")).send().await.unwrap();
    let me = me.text().await.unwrap();
    assert!(me.contains("chief_security_officer"), "{me}");
    let (status, _) = t.page(&browser, "/org").await;
    assert_eq!(status, StatusCode::OK);

    // The 長 is in the role set under the name of the body's kind, and the 統括 can make it
    // the role that decides; a role the policy does not have is refused naming the field.
    let (_, html) = t.page(&browser, "/policy/1").await;
    assert!(html.contains("<td>市長</td>"), "the 長 is named 市長");
    assert!(
        html.contains("この版を決裁する役割: <strong>最高情報セキュリティ責任者（CISO）</strong>")
    );
    let csrf = csrf_of(&html);
    let r = browser
        .post(t.url("/policy/1/profile"))
        .form(&[
            ("_csrf", csrf.as_str()),
            ("op", "set-deciding-role"),
            ("key", "nobody"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let alert = alert_of(&r.text().await.unwrap()).unwrap();
    assert!(alert.starts_with("決裁する役割"), "{alert}");
    let r = browser
        .post(t.url("/policy/1/profile"))
        .form(&[
            ("_csrf", csrf.as_str()),
            ("op", "set-deciding-role"),
            ("key", "head_of_body"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, html) = t.page(&browser, "/policy/1").await;
    assert!(
        html.contains("この版を決裁する役割: <strong>市長</strong>"),
        "{html}"
    );
    assert!(html.contains("未決裁（決裁者: 市長）"));

    // Never twice: the token is spent, and the use case refuses with a body present.
    let r = post(&t, &browser, sakura(&token, &csrf, "092142")).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let form: mamori_app::setup::SetupForm =
        toml::from_str(&setup_file("131016", "midori-setup-2026")).unwrap();
    let again = t
        .app
        .set_up(
            &form,
            mamori_domain::audit::Actor::system("test"),
            &Default::default(),
        )
        .await;
    assert!(
        matches!(again, Err(mamori_app::AppError::Conflict(_))),
        "{again:?}"
    );
    assert_eq!(t.app.bodies().await.unwrap().len(), 1);
}

fn setup_file(code: &str, password: &str) -> String {
    format!(
        r#"policy = "example"

[body]
name = "みどり町"
code = "{code}"
kind = "町"

[administrator]
login = "midori-admin"
name = "緑川 次郎"
password = "{password}"

[holders.chief_security_officer]
staff_number = "2001"
name = "緑川 次郎"
title = "総務課長"
unit = "総務課"
"#
    )
}

#[tokio::test]
async fn mamori_setup_sets_up_a_town_from_a_file_and_refuses_a_second_run() {
    let t = fresh().await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("setup.toml");
    let path_text = path.to_str().unwrap();

    // 千代田区's code with the wrong check digit: refused naming the field, nothing written.
    std::fs::write(&path, setup_file("131017", "midori-setup-2026")).unwrap();
    let out = t.cli(&["setup", "--file", path_text], None);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("全国地方公共団体コード"), "{err}");
    assert!(t.app.bodies().await.unwrap().is_empty());
    assert_eq!(t.audit_count().await, 0);

    // The password may come from standard input instead of the file.
    std::fs::write(&path, setup_file("131016", "")).unwrap();
    let out = t.cli(&["setup", "--file", path_text], Some("midori-setup-2026\n"));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let bodies = t.app.bodies().await.unwrap();
    assert_eq!(bodies.len(), 1);
    let mut conn = t.app.store().conn().await.unwrap();
    let editions = policy::list_editions(&mut conn, bodies[0].id)
        .await
        .unwrap();
    assert_eq!(
        editions[0].profile.body_term, "本町",
        "a 町 calls itself 本町"
    );
    drop(conn);
    let r = t
        .post_login(&t.browser(), "midori-admin", "midori-setup-2026")
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);

    let out = t.cli(&["setup", "--file", path_text], Some("midori-setup-2026\n"));
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("設定済み"));
    assert_eq!(t.app.bodies().await.unwrap().len(), 1);
}

#[tokio::test]
async fn a_second_body_is_registered_by_the_operator_and_neither_sees_the_others_people() {
    let t = fresh().await;
    let dir = tempfile::tempdir().unwrap();
    let first = dir.path().join("first.toml");
    let second = dir.path().join("second.toml");
    std::fs::write(&first, setup_file("131016", "midori-setup-2026")).unwrap();
    std::fs::write(&second, second_body_file()).unwrap();
    let out = t.cli(&["setup", "--file", first.to_str().unwrap()], None);
    assert!(out.status.success());
    let out = t.cli(
        &["body", "create", "--file", second.to_str().unwrap()],
        None,
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // The same code twice is refused.
    let out = t.cli(
        &["body", "create", "--file", second.to_str().unwrap()],
        None,
    );
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("092142"));
    let out = t.cli(&["body", "list"], None);
    let listed = String::from_utf8_lossy(&out.stdout);
    assert!(listed.contains("131016\tみどり町\t町"), "{listed}");
    assert!(listed.contains("092142\tさくら市\t市"), "{listed}");

    // The command line dated the people today; the server's clock is moved past it.
    t.clock.advance(chrono::Duration::days(3 * 366));
    let bodies = t.app.bodies().await.unwrap();
    let midori = bodies.iter().find(|b| b.code == "131016").unwrap();
    let mut conn = t.app.store().conn().await.unwrap();
    let midori_people = org::people_on(&mut conn, midori.id, t.app.today())
        .await
        .unwrap();
    drop(conn);
    let (midori_person, midori_name, ..) = &midori_people[0];

    let sakura = t.browser();
    let r = t
        .post_login(&sakura, "sakura-admin", "sakura-setup-2026")
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, me) = t.page(&sakura, "/api/v1/me").await;
    assert!(me.contains("さくら市") && !me.contains("みどり町"), "{me}");
    let (_, people) = t.page(&sakura, "/org/people").await;
    assert!(people.contains("桜田 三郎"));
    assert!(
        !people.contains(midori_name.as_str()),
        "another body's people are not listed"
    );
    let (status, _) = t
        .page(&sakura, &format!("/org/people/{midori_person}"))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "nor found by their id");
}
