//! The administrator's backups: each backup taken (schedule, screen, command) is read back and
//! recorded; the screen shows whether it was whole and whether its file is still kept; a damaged
//! or replaced file fails a later check and says why; a backup that cannot be written is
//! recorded as failed and the screen warns; beside another body, only an administrator of no
//! body runs the installation's backups.

use std::path::Path;

use mamori_domain::audit::Actor;
use mamori_domain::backup::{State, Trigger};

use crate::common::{Options, TestApp, csrf_of};

async fn spawn_with_schedule(dir: &Path, keep: i64) -> TestApp {
    TestApp::spawn_with(Options {
        backups: Some((dir.to_path_buf(), keep)),
        ..Options::default()
    })
    .await
}

fn files_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    names
}

async fn actions(t: &TestApp, action: &str) -> usize {
    let mut conn = t.app.store().conn().await.unwrap();
    let filter = mamori_store::audit::AuditFilter {
        action: Some(action.to_owned()),
        ..Default::default()
    };
    mamori_store::audit::list(&mut conn, &filter, 100)
        .await
        .unwrap()
        .len()
}

#[tokio::test]
async fn each_backup_is_read_back_and_listed_and_the_schedule_keeps_its_generations() {
    let dir = tempfile::tempdir().unwrap();
    let t = spawn_with_schedule(dir.path(), 2).await;
    let mut taken = Vec::new();
    for _ in 0..3 {
        let run = t.app.take_scheduled_backup().await.unwrap().unwrap();
        assert_eq!(run.state(), State::Verified, "{run:?}");
        let c = run.contents.clone().unwrap();
        assert!(c.rows > 100 && c.tables > 20 && c.audit_seq > 0, "{c:?}");
        assert_eq!(c.sha256.len(), 64);
        taken.push(run);
        t.clock.advance(chrono::Duration::hours(24));
    }
    // The oldest of three went; the two newest stay, nothing else is in the folder.
    let names = files_in(dir.path());
    assert_eq!(names.len(), 2, "{names:?}");
    for run in &taken[1..] {
        assert!(
            names.iter().any(|n| run.file.ends_with(n.as_str())),
            "{names:?}"
        );
    }
    assert!(!Path::new(&taken[0].file).exists());
    assert_eq!(actions(&t, "backup.write").await, 3);
    assert_eq!(actions(&t, "backup.remove").await, 1);

    let admin = t.signed_in("admin").await;
    let (status, html) = t.page(&admin, "/admin/backups").await;
    assert_eq!(status.as_u16(), 200);
    assert_eq!(html.matches("検証済み</span>").count(), 3, "{html}");
    assert_eq!(html.matches("世代管理で削除しました").count(), 1);
    assert_eq!(html.matches("保存先にあります").count(), 2);
    assert!(html.contains(&dir.path().display().to_string()));
    assert!(
        !html.contains("alert-warning"),
        "a fresh verified backup: no warning"
    );

    // The 統括 is not an installation administrator.
    let tokatsu = t.signed_in("tokatsu").await;
    let (status, _) = t.page(&tokatsu, "/admin/backups").await;
    assert_eq!(status.as_u16(), 403);

    // A day and more without a verified backup: the screen warns.
    t.clock.advance(chrono::Duration::hours(30));
    let admin = t.signed_in("admin").await;
    let (_, html) = t.page(&admin, "/admin/backups").await;
    assert!(
        html.contains("alert-warning")
            && html.contains("時間以上、検証済みのバックアップがありません")
    );

    // `mamori backup` at the console is recorded beside them.
    let out_file = dir.path().join("before-upgrade.zip");
    let out = t.cli(&["backup", "--output", out_file.to_str().unwrap()], None);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("読み戻して検証しました"));

    // From the screen: taken after the request, listed when done.
    let token = csrf_of(&html);
    let r = admin
        .post(t.url("/admin/backups"))
        .form(&[("_csrf", token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 303);
    let mut listed = false;
    for _ in 0..100 {
        let (_, html) = t.page(&admin, "/admin/backups").await;
        if html.contains("画面から") && !html.contains("いまバックアップを取っているところです")
        {
            listed = true;
            assert!(!html.contains("alert-warning"), "{html}");
            assert!(html.contains("before-upgrade.zip") && html.contains("コマンド"));
            assert_eq!(html.matches("検証済み</span>").count(), 5, "{html}");
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(listed, "the backup started from the screen is listed");
    assert_eq!(
        files_in(dir.path()).len(),
        3,
        "two scheduled generations and the command's file"
    );
}

#[tokio::test]
async fn a_damaged_or_replaced_file_fails_its_next_check_and_says_why() {
    let dir = tempfile::tempdir().unwrap();
    let t = TestApp::spawn().await;
    let take = |name: &str| {
        let path = dir.path().join(name);
        let app = t.app.clone();
        async move {
            app.take_backup(&path, Trigger::Command, Actor::system("test"))
                .await
                .unwrap()
        }
    };
    let damaged = take("damaged.zip").await;
    let replaced = take("replaced.zip").await;
    let other = take("other.zip").await;
    for run in [&damaged, &replaced, &other] {
        assert_eq!(run.state(), State::Verified);
    }
    let admin = t.user("admin").await;
    let meta = mamori_app::RequestMeta::default();
    // Still whole: the check passes again.
    let again = t.app.check_backup(&admin, other.id, &meta).await.unwrap();
    assert_eq!(again.state(), State::Verified);

    let mut bytes = std::fs::read(&damaged.file).unwrap();
    let middle = bytes.len() / 3;
    for b in &mut bytes[middle..middle + 64] {
        *b ^= 0x5a;
    }
    std::fs::write(&damaged.file, bytes).unwrap();
    let checked = t.app.check_backup(&admin, damaged.id, &meta).await.unwrap();
    assert_eq!(checked.state(), State::Damaged);
    let problem = checked.check.unwrap().problem.unwrap();
    assert!(
        problem.contains("壊れて") || problem.contains("一致しません"),
        "{problem}"
    );

    // A whole backup, but not the one written under this name.
    std::fs::copy(&other.file, &replaced.file).unwrap();
    let checked = t
        .app
        .check_backup(&admin, replaced.id, &meta)
        .await
        .unwrap();
    assert_eq!(checked.state(), State::Damaged);
    assert!(
        checked
            .check
            .unwrap()
            .problem
            .unwrap()
            .contains("差し替えられています")
    );

    // The screen shows both, and a check from it is recorded in the trail.
    let browser = t.signed_in("admin").await;
    let (_, html) = t.page(&browser, "/admin/backups").await;
    assert_eq!(html.matches("検証で不一致</span>").count(), 2, "{html}");
    let before = actions(&t, "backup.check").await;
    let r = browser
        .post(t.url(&format!("/admin/backups/{}/check", other.id)))
        .form(&[("_csrf", csrf_of(&html).as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 303);
    assert_eq!(actions(&t, "backup.check").await, before + 1);
    // Someone else may not check: no record.
    let tokatsu = t.user("tokatsu").await;
    assert!(matches!(
        t.app.check_backup(&tokatsu, other.id, &meta).await,
        Err(mamori_app::AppError::Forbidden(_))
    ));
    assert_eq!(actions(&t, "backup.check").await, before + 1);
}

#[tokio::test]
async fn a_backup_that_cannot_be_written_is_recorded_as_failed_and_the_screen_warns() {
    let dir = tempfile::tempdir().unwrap();
    let blocker = dir.path().join("not-a-folder");
    std::fs::write(&blocker, b"x").unwrap();
    let t = TestApp::spawn().await;
    let run = t
        .app
        .take_backup(
            &blocker.join("x.zip"),
            Trigger::Command,
            Actor::system("test"),
        )
        .await
        .unwrap();
    assert_eq!(run.state(), State::Failed);
    assert!(
        run.error.as_deref().unwrap().contains("not-a-folder"),
        "{run:?}"
    );
    assert!(!blocker.join("x.partial").exists());

    let admin = t.signed_in("admin").await;
    let (_, html) = t.page(&admin, "/admin/backups").await;
    assert!(html.contains("失敗</span>"));
    assert!(html.contains("検証済みのバックアップがまだありません"));
    assert!(html.contains("定期バックアップは設定されていません"));
    // Without a folder, the screen cannot take one: refused, and nothing is recorded.
    let before = actions(&t, "backup.write").await;
    let r = admin
        .post(t.url("/admin/backups"))
        .form(&[("_csrf", csrf_of(&html).as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 409);
    assert!(r.text().await.unwrap().contains("backup_dir"));
    assert_eq!(actions(&t, "backup.write").await, before);
}

#[tokio::test]
async fn beside_another_body_only_an_administrator_of_no_body_runs_the_backups() {
    let t = TestApp::spawn().await;
    let admin = t.signed_in("admin").await;
    let (status, html) = t.page(&admin, "/").await;
    assert_eq!(status.as_u16(), 200);
    assert!(
        html.contains("href=\"/admin/backups\""),
        "the only body's administrator"
    );

    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("sakura.toml");
    std::fs::write(&file, crate::common::second_body_file()).unwrap();
    let out = t.cli(&["body", "create", "--file", file.to_str().unwrap()], None);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = t.cli(
        &["admin", "create", "--login", "installation-admin"],
        Some("installation-pass-2026\n"),
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    for (login, password) in [
        ("admin", crate::common::DEMO_PASSWORD),
        ("sakura-admin", "sakura-setup-2026"),
    ] {
        let browser = t.browser();
        assert_eq!(
            t.post_login(&browser, login, password)
                .await
                .status()
                .as_u16(),
            303
        );
        let (status, _) = t.page(&browser, "/admin/backups").await;
        assert_eq!(status.as_u16(), 403, "{login}");
        let (_, home) = t.page(&browser, "/").await;
        assert!(!home.contains("href=\"/admin/backups\""), "{login}");
    }
    let browser = t.browser();
    assert_eq!(
        t.post_login(&browser, "installation-admin", "installation-pass-2026")
            .await
            .status()
            .as_u16(),
        303
    );
    let (status, html) = t.page(&browser, "/admin/backups").await;
    assert_eq!(status.as_u16(), 200, "{html}");
}
