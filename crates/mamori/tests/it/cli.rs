//! The `mamori` command line, run as the real binary against a test database.

use crate::common;

use common::{Options, TestApp};
use mamori_store::DatabaseUrl;
use reqwest::StatusCode;
use sqlx::{AnyConnection, Connection, Executor};

fn stdout(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Changes the audit tables behind the application's back, as someone with database access
/// could: first removing the append-only triggers, then running `sql`.
async fn tamper(t: &TestApp, sql: &str) {
    let mut conn = AnyConnection::connect(&t.db.url_string()).await.unwrap();
    let drop_triggers = match &t.db.url {
        DatabaseUrl::Sqlite(_) => {
            "DROP TRIGGER IF EXISTS audit_log_no_update; DROP TRIGGER IF EXISTS audit_log_no_delete;"
        }
        DatabaseUrl::Postgres(_) => "DROP TRIGGER IF EXISTS audit_log_no_update ON audit_log;",
    };
    conn.execute(drop_triggers).await.unwrap();
    let drop_blob_triggers = match &t.db.url {
        DatabaseUrl::Sqlite(_) => {
            "DROP TRIGGER IF EXISTS audit_blobs_no_update; DROP TRIGGER IF EXISTS audit_blobs_no_delete;"
        }
        DatabaseUrl::Postgres(_) => "DROP TRIGGER IF EXISTS audit_blobs_no_update ON audit_blobs;",
    };
    conn.execute(drop_blob_triggers).await.unwrap();
    conn.execute(sql).await.unwrap();
    conn.close().await.unwrap();
}

fn verify(t: &TestApp) -> std::process::Output {
    t.cli(&["audit", "verify"], None)
}

#[tokio::test]
async fn admin_create_reads_the_password_from_stdin_and_is_audited() {
    let t = TestApp::spawn_with(Options {
        demo: false,
        ..Options::default()
    })
    .await;
    let out = t.cli(
        &["admin", "create", "--login", "ops", "--name", "運用 担当"],
        Some("a-long-password\n"),
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains("ops"));

    let mut conn = t.app.store().conn().await.unwrap();
    let records = mamori_store::audit::list(&mut conn, &Default::default(), 1)
        .await
        .unwrap();
    assert_eq!(records[0].entry.action, "account.create");
    assert!(records[0].entry.actor.label.starts_with("system:cli"));
    assert!(
        records[0]
            .entry
            .after
            .as_deref()
            .unwrap()
            .contains("\"login\":\"ops\"")
    );
    assert!(
        !records[0]
            .entry
            .after
            .as_deref()
            .unwrap()
            .contains("a-long-password")
    );

    // The new administrator can sign in.
    let browser = t.browser();
    let r = t.post_login(&browser, "ops", "a-long-password").await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);

    // A short password and a taken login are refused with the rule, and change nothing.
    let before = t.audit_count().await;
    let out = t.cli(&["admin", "create", "--login", "ops2"], Some("short\n"));
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("パスワード: 10文字以上"),
        "{}",
        stderr(&out)
    );
    let out = t.cli(
        &["admin", "create", "--login", "ops"],
        Some("another-long-password\n"),
    );
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("既に使われています"),
        "{}",
        stderr(&out)
    );
    assert_eq!(t.audit_count().await, before);
}

#[tokio::test]
async fn admin_token_prints_a_bearer_token_for_the_api() {
    let t = TestApp::spawn().await;
    let out = t.cli(&["admin", "token", "--login", "kacho"], None);
    assert!(out.status.success(), "{}", stderr(&out));
    let token = stdout(&out).trim().to_owned();
    assert!(token.starts_with("mmr_"));
    let me: serde_json::Value = t
        .browser()
        .get(t.url("/api/v1/me"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(me["login"], "kacho");
    assert_eq!(me["unit"], "市民課");
    assert_eq!(me["title"], "課長");

    let out = t.cli(&["admin", "token", "--login", "nobody"], None);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("見つかりません"));
}

#[tokio::test]
async fn audit_verify_passes_on_an_intact_trail() {
    let t = TestApp::spawn().await;
    let out = verify(&t);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("完全です"));
}

#[tokio::test]
async fn audit_verify_names_an_edited_row() {
    let t = TestApp::spawn().await;
    tamper(
        &t,
        "UPDATE audit_log SET actor_label = 'intruder' WHERE seq = 7",
    )
    .await;
    let out = verify(&t);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("通し番号 7"), "{}", stderr(&out));
    assert!(stderr(&out).contains("改ざん"));
}

#[tokio::test]
async fn a_long_text_is_recorded_once_and_verify_catches_it_edited_or_removed() {
    use mamori_app::RequestMeta;
    use mamori_app::policy::ProfileChange;
    use mamori_domain::policy::LocalClause;
    let t = TestApp::spawn().await;
    let n = t.policy_draft(vec![]).await;
    let editor = t.user("tokatsu").await;
    let may = editor.policy_editor().unwrap();
    let first = t.audit_count().await;
    // A provision at the length limit, then four more changes of the same edition: each records
    // the edition's state before and after, with the long provision in both.
    let long = "情報資産を庁外へ持ち出すときは、所属長の許可を得なければならない。".repeat(600);
    let long: String = long.chars().take(20_000).collect();
    let clause = |key: &str, number: &str, text: String| LocalClause {
        key: key.into(),
        number: number.into(),
        title: "独自の規定".into(),
        text,
        after: None,
    };
    let change = |c: ProfileChange| {
        let (t, editor, may) = (&t, &editor, &may);
        async move {
            t.app
                .change_policy_profile(editor, may, n, c, &RequestMeta::default())
                .await
                .unwrap();
        }
    };
    change(ProfileChange::AddLocal(clause(
        "local-long",
        "6.9",
        long.clone(),
    )))
    .await;
    for i in 0..4 {
        let number = format!("7.{i}");
        change(ProfileChange::AddLocal(clause(
            &format!("local-{i}"),
            &number,
            "短い規定。".into(),
        )))
        .await;
    }
    let mut conn = t.app.store().conn().await.unwrap();
    let stored: i64 = sqlx::query_scalar(
        "SELECT CAST(COALESCE(SUM(LENGTH(before_json)), 0) + COALESCE(SUM(LENGTH(after_json)), 0) AS BIGINT) FROM audit_log WHERE seq > $1",
    )
    .bind(first)
    .fetch_one(conn.raw())
    .await
    .unwrap();
    let blobs: Vec<String> = sqlx::query_scalar("SELECT content FROM audit_blobs")
        .fetch_all(conn.raw())
        .await
        .unwrap();
    // Nine states hold the provision (the first record's after, then before and after of four),
    // yet its text is stored once.
    assert_eq!(blobs, std::slice::from_ref(&long));
    assert!(
        stored < 2 * 20_000,
        "the records hold references, less than two copies of the text where there were nine: \
         {stored} characters"
    );
    // Read back for the screen, the text is in place.
    let newest = mamori_store::audit::list(&mut conn, &Default::default(), 1)
        .await
        .unwrap();
    assert!(newest[0].entry.after.as_deref().unwrap().contains(&long));
    drop(conn);
    let out = verify(&t);
    assert!(out.status.success(), "{}", stderr(&out));

    // The text edited behind the application's back: the first record referring to it is named.
    let first_ref = first + 1;
    tamper(&t, "UPDATE audit_blobs SET content = 'すり替えた規定'").await;
    let out = verify(&t);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains(&format!("通し番号 {first_ref}")),
        "{}",
        stderr(&out)
    );
    assert!(stderr(&out).contains("長い文"), "{}", stderr(&out));
    // And removed.
    tamper(&t, "DELETE FROM audit_blobs").await;
    let out = verify(&t);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("長い文"), "{}", stderr(&out));
}

#[tokio::test]
async fn audit_verify_names_a_deleted_row() {
    let t = TestApp::spawn().await;
    tamper(&t, "DELETE FROM audit_log WHERE seq = 12").await;
    let out = verify(&t);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("通し番号 13"), "{}", stderr(&out));
}

#[tokio::test]
async fn audit_verify_names_an_inserted_row() {
    let t = TestApp::spawn().await;
    // Make room by shifting the tail up, then insert a forged record as 5.
    tamper(
        &t,
        "UPDATE audit_log SET seq = seq + 100000 WHERE seq >= 5; \
         UPDATE audit_log SET seq = seq - 100000 + 1 WHERE seq >= 100000; \
         INSERT INTO audit_log (seq, at, actor_id, actor_label, action, target_type, target_id, prev_hash, hash) \
         SELECT 5, at, 'system', 'system:forged', 'account.create', 'account', 'x', hash, hash FROM audit_log WHERE seq = 4;",
    )
    .await;
    let out = verify(&t);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("通し番号 5"), "{}", stderr(&out));
}

#[tokio::test]
async fn audit_verify_catches_a_removed_last_row() {
    let t = TestApp::spawn().await;
    let last = t.audit_count().await;
    tamper(&t, &format!("DELETE FROM audit_log WHERE seq = {last}")).await;
    let out = verify(&t);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("末尾"), "{}", stderr(&out));
}

// The server must keep answering while this thread waits for the child process.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn healthcheck_reports_a_live_and_a_dead_server() {
    let t = TestApp::spawn().await;
    let out = t.cli(&["healthcheck", "--url", &t.base], None);
    assert!(out.status.success(), "{}", stderr(&out));
    // A port nobody listens on.
    let free = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = free.local_addr().unwrap().port();
    drop(free);
    let out = t.cli(
        &["healthcheck", "--url", &format!("http://127.0.0.1:{port}")],
        None,
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("接続できません"));
}

fn mamori(args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_mamori"))
        .args(args)
        .env_remove("MAMORI_DATABASE_URL")
        .env_remove("MAMORI_CONFIG")
        .output()
        .unwrap()
}

#[test]
fn an_unknown_scheme_or_a_missing_bare_file_is_a_clear_error() {
    let out = mamori(&["migrate", "--database-url", "mysql://root@localhost/x"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("mysql://"), "{}", stderr(&out));
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("typo.db");
    let out = mamori(&["migrate", "--database-url", missing.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("見つかりません"), "{}", stderr(&out));
    assert!(!missing.exists(), "a typo never creates a database");
}

#[test]
fn migrate_creates_an_sqlite_database_and_its_folder() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("data/mamori.db");
    let url = format!("sqlite://{}", db.display());
    let out = mamori(&["migrate", "--database-url", &url]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(db.exists());
    // The bare path of an existing file is accepted.
    let out = mamori(&["migrate", "--database-url", db.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
}

#[test]
fn config_print_default_is_a_valid_settings_file_and_check_reports_problems() {
    let out = mamori(&["config", "print-default"]);
    assert!(out.status.success());
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("mamori.toml");
    std::fs::write(&file, &out.stdout).unwrap();
    let out = mamori(&["config", "check", "--config", file.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("database_url = \"sqlite://./mamori-data/mamori.db\""));

    std::fs::write(&file, "bind = \"nowhere\"\nsession_idle_minutes = 0\n").unwrap();
    let out = mamori(&["config", "check", "--config", file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("bind") && err.contains("session_idle_minutes"),
        "{err}"
    );
}

#[test]
fn audit_bench_prints_its_figures_and_refuses_a_database_with_records() {
    let out = mamori(&["audit", "bench", "--records", "300"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    for line in [
        "append 300 records",
        "first page",
        "page in the middle",
        "verify the whole chain",
    ] {
        assert!(text.contains(line), "{line} missing in:\n{text}");
    }
    assert!(text.contains(" ms "), "figures are printed in ms");

    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("b.db").display());
    assert!(
        mamori(&["audit", "bench", "--records", "10", "--into", &url])
            .status
            .success()
    );
    let again = mamori(&["audit", "bench", "--records", "10", "--into", &url]);
    assert!(
        !again.status.success(),
        "a database that already has records is never filled"
    );
    assert!(
        stderr(&again).contains("空のデータベース"),
        "{}",
        stderr(&again)
    );
}

#[tokio::test]
async fn policy_diff_lists_the_changes_as_text_and_json() {
    let t = TestApp::spawn().await;
    let out = t.cli(&["policy", "diff", "--from", "1", "--to", "2"], None);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("追加 2 ・ 削除 0 ・ 文言の変更 1"), "{text}");
    assert!(text.contains("{+事前に+}"));
    let out = t.cli(
        &[
            "policy", "diff", "--from", "1", "--to", "2", "--format", "json",
        ],
        None,
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["summary"]["changed"], 1);
    assert_eq!(json["summary"]["added"], 2);
    let changed: Vec<&serde_json::Value> = json["changes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["kind"] == "changed")
        .collect();
    assert_eq!(changed[0]["key"], "S-5.1.(1)③(イ)");

    let out = t.cli(&["policy", "diff", "--from", "1", "--to", "9"], None);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("第9版"), "{}", stderr(&out));
    let out = t.cli(
        &[
            "policy", "diff", "--from", "1", "--to", "2", "--body", "nowhere",
        ],
        None,
    );
    assert!(stderr(&out).contains("nowhere"));
}

#[tokio::test]
async fn policy_export_writes_a_standalone_html_document() {
    let t = TestApp::spawn().await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("p.html");
    let out = t.cli(
        &[
            "policy",
            "export",
            "--edition",
            "latest",
            "--format",
            "html",
            "--output",
            file.to_str().unwrap(),
        ],
        None,
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let html = std::fs::read_to_string(&file).unwrap();
    assert!(html.contains("<style>"), "the stylesheet is inlined");
    assert!(
        !html.contains("/static/"),
        "nothing is loaded from the server"
    );
    assert!(html.contains("第2版（一部改正）") && html.contains("改定履歴"));
    let out = t.cli(
        &[
            "policy",
            "export",
            "--edition",
            "1",
            "--format",
            "html",
            "--output",
            file.to_str().unwrap(),
        ],
        None,
    );
    assert!(out.status.success());
    assert!(
        std::fs::read_to_string(&file)
            .unwrap()
            .contains("第1版（制定）")
    );
}

#[tokio::test]
async fn policy_export_writes_a_pdf() {
    let t = TestApp::spawn().await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("p.pdf");
    let out = t.cli(
        &[
            "policy",
            "export",
            "--format",
            "pdf",
            "--output",
            file.to_str().unwrap(),
        ],
        None,
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let bytes = std::fs::read(&file).unwrap();
    assert!(bytes.starts_with(b"%PDF"), "not a PDF");
}

#[tokio::test]
async fn an_anchor_catches_a_trail_cut_short_and_rewound_which_the_chain_alone_cannot() {
    let t = TestApp::spawn().await;
    let dir = tempfile::tempdir().unwrap();
    let anchor = dir.path().join("控え").join("audit-anchor.json");
    let out = t.cli(
        &["audit", "anchor", "--output", anchor.to_str().unwrap()],
        None,
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let last = t.audit_count().await;
    let text = std::fs::read_to_string(&anchor).unwrap();
    assert!(text.contains(&format!("\"seq\": {last}")), "{text}");

    // Intact and extended: passes against the anchor.
    t.signed_in("kacho").await;
    let with_anchor = |t: &TestApp| {
        t.cli(
            &["audit", "verify", "--anchor", anchor.to_str().unwrap()],
            None,
        )
    };
    let out = with_anchor(&t);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains(&format!("通し番号 {last} から続いています")));

    // Cut the last ten records and rewind the head to the new end: alone, the chain verifies.
    let cut = last - 10;
    tamper(
        &t,
        &format!(
            "DELETE FROM audit_log WHERE seq > {cut}; \
             UPDATE audit_head SET seq = {cut}, hash = (SELECT hash FROM audit_log WHERE seq = {cut});"
        ),
    )
    .await;
    assert!(verify(&t).status.success(), "the chain alone cannot tell");
    let out = with_anchor(&t);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("控え（アンカー）より短く")
            && stderr(&out).contains(&format!("控えは {last} 件目まで")),
        "{}",
        stderr(&out)
    );

    // A broken anchor file is a clear error, not a pass.
    std::fs::write(&anchor, "{\"seq\": 1}").unwrap();
    let out = with_anchor(&t);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("控え（アンカー）のファイルを読めません"),
        "{}",
        stderr(&out)
    );
}

#[tokio::test]
async fn the_audit_screen_shows_the_head_to_write_down() {
    let t = TestApp::spawn().await;
    let b = t.signed_in("tokatsu").await;
    let (status, html) = t.page(&b, "/audit").await;
    assert_eq!(status, reqwest::StatusCode::OK);
    let seq = t.audit_count().await;
    assert!(html.contains("現在の末尾（控え）"), "{html}");
    assert!(
        html.contains(&format!("<dt>通し番号</dt><dd>{seq}</dd>")),
        "{html}"
    );
}

#[test]
fn bench_http_serves_the_demo_and_every_request_of_it_succeeds() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_mamori"))
        .args([
            "bench",
            "http",
            "--assets",
            "20",
            "--clients",
            "2",
            "--seconds",
            "1",
        ])
        .env_remove("MAMORI_DATABASE_URL")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let table = stdout(&out);
    for request in [
        "GET /api/v1/health",
        "GET /api/v1/me",
        "GET /api/v1/assets/{id}",
        "GET /api/v1/assets?limit=100",
        "POST /api/v1/assets",
    ] {
        let row = table
            .lines()
            .find(|l| l.starts_with(request))
            .unwrap_or_else(|| panic!("{request} missing:\n{table}"));
        let cells: Vec<&str> = row[request.len()..].split_whitespace().collect();
        // req/s, p50, p99, n, errors: some requests answered, none failed.
        assert!(cells[3].parse::<u64>().unwrap() > 0, "{row}");
        assert_eq!(cells[4], "0", "{row}");
    }
}
