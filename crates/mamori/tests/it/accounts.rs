//! Passwords and API tokens people can manage: a policy from the body's profile (length, not the
//! login, not a common password), a forced change after someone else set the password, one's own
//! change ending the other sessions, and tokens with a label and an expiry that their owner lists
//! and revokes.

use crate::common;

use common::{TestApp, alert_of, csrf_of, location};
use reqwest::StatusCode;

/// A serving person of the demo without an account.
async fn person_without_account(t: &TestApp) -> String {
    let mut conn = t.app.store().conn().await.unwrap();
    sqlx::query_scalar(
        "SELECT p.id FROM people p WHERE p.status = '在職' \
         AND NOT EXISTS (SELECT 1 FROM accounts a WHERE a.person_id = p.id) ORDER BY p.staff_number",
    )
    .fetch_one(conn.raw())
    .await
    .unwrap()
}

async fn post(
    t: &TestApp,
    b: &reqwest::Client,
    path: &str,
    fields: &[(&str, &str)],
) -> reqwest::Response {
    let (_, page) = t.page(b, "/account/password").await;
    let csrf = csrf_of(&page);
    let mut form = vec![("_csrf", csrf.as_str())];
    form.extend(fields.iter().copied());
    b.post(t.url(path)).form(&form).send().await.unwrap()
}

#[tokio::test]
async fn an_initial_password_follows_the_policy_and_must_be_changed_at_first_sign_in() {
    let t = TestApp::spawn().await;
    let editor = t.signed_in("tokatsu").await;
    let person = person_without_account(&t).await;
    let path = format!("/org/people/{person}/account");
    let (_, page) = t.page(&editor, &format!("/org/people/{person}")).await;
    let create = |login: &'static str, password: &'static str| {
        let csrf = csrf_of(&page);
        let editor = editor.clone();
        let url = t.url(&path);
        async move {
            editor
                .post(url)
                .form(&[
                    ("_csrf", csrf.as_str()),
                    ("login", login),
                    ("password", password),
                ])
                .send()
                .await
                .unwrap()
        }
    };
    // The profile's 「パスワードの最小文字数」 (12) rules, not the installation's 10.
    for (password, why) in [
        ("kumo-ue-7x", "12文字以上"),
        ("password2026", "よく使われる"),
        ("aaaaaaaaaaaaaa", "同じ文字だけ"),
        ("shinnyu-2026-pw", "ログインID"),
    ] {
        let login = if why == "ログインID" {
            "shinnyu"
        } else {
            "newcomer"
        };
        let r = create(login, password).await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "{password}");
        let html = r.text().await.unwrap();
        assert!(html.contains(why), "{password}: {:?}", alert_of(&html));
    }
    let r = create("shinnyu", "sora-to-umi-2026").await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);

    // The newcomer signs in and is sent to change the password before anything else.
    let b = t.browser();
    let r = t.post_login(&b, "shinnyu", "sora-to-umi-2026").await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    for path in ["/", "/assets", "/policy"] {
        let r = b.get(t.url(path)).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "{path}");
        assert_eq!(location(&r), "/account/password", "{path}");
    }
    let (status, html) = t.page(&b, "/account/password").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains("ほかの人（組織の担当者や管理者）が設定したもの"),
        "{html}"
    );
    // A second session of the same account, to be ended by the change.
    let other = t.browser();
    t.post_login(&other, "shinnyu", "sora-to-umi-2026").await;

    let r = post(
        &t,
        &b,
        "/account/password",
        &[
            ("current", "wrong"),
            ("new", "hoshi-no-yoru-88"),
            ("confirm", "hoshi-no-yoru-88"),
        ],
    )
    .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("現在のパスワードが正しくありません")
    );
    let r = post(
        &t,
        &b,
        "/account/password",
        &[
            ("current", "sora-to-umi-2026"),
            ("new", "hoshi-no-yoru-88"),
            ("confirm", "hoshi-no-yoru-8"),
        ],
    )
    .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("確認が一致しません"));
    let r = post(
        &t,
        &b,
        "/account/password",
        &[
            ("current", "sora-to-umi-2026"),
            ("new", "hoshi-no-yoru-88"),
            ("confirm", "hoshi-no-yoru-88"),
        ],
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(t.page(&b, "/").await.0, StatusCode::OK, "free to work now");
    let r = other.get(t.url("/")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert!(
        location(&r).starts_with("/login"),
        "the other session ended"
    );
    // The old password no longer signs in; the new one does.
    assert_eq!(
        t.post_login(&t.browser(), "shinnyu", "sora-to-umi-2026")
            .await
            .status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        t.post_login(&t.browser(), "shinnyu", "hoshi-no-yoru-88")
            .await
            .status(),
        StatusCode::SEE_OTHER
    );

    // The administrator's reset forces a change again.
    let out = t.cli(
        &["admin", "reset-password", "--login", "shinnyu"],
        Some("tsuki-no-hikari-5\n"),
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let c = t.browser();
    assert_eq!(
        t.post_login(&c, "shinnyu", "tsuki-no-hikari-5")
            .await
            .status(),
        StatusCode::SEE_OTHER
    );
    let r = c.get(t.url("/")).send().await.unwrap();
    assert_eq!(location(&r), "/account/password");
}

#[tokio::test]
async fn tokens_carry_a_label_and_an_expiry_and_their_owner_lists_and_revokes_them() {
    let t = TestApp::spawn().await;
    let issue = |login: &str, label: &str| {
        let out = t.cli(
            &[
                "admin",
                "token",
                "--login",
                login,
                "--label",
                label,
                "--expires-in",
                "90d",
            ],
            None,
        );
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap().trim().to_owned()
    };
    let token = issue("kacho", "台帳の連携");
    let other = issue("shokuin", "職員の端末");
    let api = |token: String| {
        let url = t.url("/api/v1/me");
        async move {
            reqwest::Client::new()
                .get(url)
                .bearer_auth(token)
                .send()
                .await
                .unwrap()
                .status()
        }
    };
    assert_eq!(api(token.clone()).await, StatusCode::OK);

    let out = t.cli(&["admin", "tokens", "list"], None);
    let list = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        list.contains("台帳の連携") && list.contains("職員の端末"),
        "{list}"
    );
    assert!(!list.contains(&token), "the secret is never listed");

    // The owner sees their own tokens only, and revokes one.
    let b = t.signed_in("kacho").await;
    let (status, html) = t.page(&b, "/account/tokens").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains("台帳の連携") && !html.contains("職員の端末"),
        "{html}"
    );
    let mut conn = t.app.store().conn().await.unwrap();
    let id_of = |label: &'static str| {
        sqlx::query_scalar::<_, String>("SELECT id FROM api_tokens WHERE label = $1").bind(label)
    };
    let mine = id_of("台帳の連携").fetch_one(conn.raw()).await.unwrap();
    let theirs = id_of("職員の端末").fetch_one(conn.raw()).await.unwrap();
    drop(conn);
    let r = post(&t, &b, &format!("/account/tokens/{theirs}/revoke"), &[]).await;
    assert_eq!(
        r.status(),
        StatusCode::NOT_FOUND,
        "another person's token is not theirs to see"
    );
    assert_eq!(api(other.clone()).await, StatusCode::OK);
    let r = post(&t, &b, &format!("/account/tokens/{mine}/revoke"), &[]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(api(token).await, StatusCode::UNAUTHORIZED);
    let (_, html) = t.page(&b, "/account/tokens").await;
    assert!(html.contains("失効"), "{html}");

    // Past its expiry a token no longer works.
    let mut conn = t.app.store().conn().await.unwrap();
    sqlx::query("UPDATE api_tokens SET expires_at = '2000-01-01T00:00:00.000000Z' WHERE id = $1")
        .bind(&theirs)
        .execute(conn.raw())
        .await
        .unwrap();
    drop(conn);
    assert_eq!(api(other).await, StatusCode::UNAUTHORIZED);

    // A lifetime that is not a number and a unit is refused by name.
    let out = t.cli(
        &["admin", "token", "--login", "kacho", "--expires-in", "soon"],
        None,
    );
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("90d、12h、30m"));
}
