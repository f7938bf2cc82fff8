//! Backup and restore: a backup taken while the server writes restores into SQLite and into
//! PostgreSQL with the same rows (the parts' hashes) and a verifying chain; a database that holds
//! data, or an archive that was changed, is refused and nothing is written.

use std::io::{Read, Write};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use mamori_store::testing::TestDatabase;
use serde_json::Value;

use crate::common::{TestApp, mamori};

fn text(out: &std::process::Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn manifest(path: &Path) -> Value {
    let mut zip = zip::ZipArchive::new(std::fs::File::open(path).unwrap()).unwrap();
    let mut text = String::new();
    zip.by_name("manifest.json")
        .unwrap()
        .read_to_string(&mut text)
        .unwrap();
    serde_json::from_str(&text).unwrap()
}

/// Table name → (rows, sha256).
fn parts(m: &Value) -> std::collections::BTreeMap<String, (u64, String)> {
    m["tables"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["name"].as_str().unwrap().to_owned(),
                (
                    t["rows"].as_u64().unwrap(),
                    t["sha256"].as_str().unwrap().to_owned(),
                ),
            )
        })
        .collect()
}

/// The restore's own audit record is the one difference a restored database has.
fn assert_same_rows(from: &Value, to: &Value) {
    let (a, b) = (parts(from), parts(to));
    assert_eq!(a.keys().collect::<Vec<_>>(), b.keys().collect::<Vec<_>>());
    for (name, part) in &a {
        match name.as_str() {
            "audit_log" => assert_eq!(b[name].0, part.0 + 1, "{name}"),
            "audit_head" => {}
            _ => assert_eq!(&b[name], part, "{name}"),
        }
    }
}

fn backup(url: &str, path: &Path) {
    let out = mamori(&[
        "backup",
        "--output",
        path.to_str().unwrap(),
        "--database-url",
        url,
    ]);
    assert!(out.status.success(), "{}", text(&out));
}

fn restore(path: &Path, url: &str) -> std::process::Output {
    mamori(&["restore", path.to_str().unwrap(), "--database-url", url])
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_taken_under_writes_restores_into_sqlite_and_postgresql_with_the_same_rows() {
    let t = TestApp::spawn().await;
    let token = t.api_token("tokatsu").await;
    let stop = Arc::new(AtomicBool::new(false));
    let written = Arc::new(AtomicU64::new(0));
    let writer = {
        let (stop, written, base) = (stop.clone(), written.clone(), t.base.clone());
        tokio::spawn(async move {
            let client = reqwest::Client::new();
            while !stop.load(Ordering::Relaxed) {
                let n = written.load(Ordering::Relaxed);
                let r = client
                    .post(format!("{base}/api/v1/assets"))
                    .bearer_auth(&token)
                    .json(&serde_json::json!({
                        "kind": "情報",
                        "name": format!("バックアップ中の登録 {n}"),
                        "classification": "機密性２・完全性１・可用性１",
                    }))
                    .send()
                    .await
                    .unwrap();
                assert!(r.status().is_success(), "{}", r.text().await.unwrap());
                written.fetch_add(1, Ordering::Relaxed);
            }
        })
    };
    let wait_for = |n: u64, writer: &tokio::task::JoinHandle<()>| {
        assert!(!writer.is_finished(), "the writer stopped");
        written.load(Ordering::Relaxed) < n
    };
    while wait_for(5, &writer) {
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let dir = tempfile::tempdir().unwrap();
    let first = dir.path().join("first.zip");
    let source = t.db.url_string();
    {
        let (source, first) = (source.clone(), first.clone());
        tokio::task::spawn_blocking(move || backup(&source, &first))
            .await
            .unwrap();
    }
    // Writes went on after the snapshot.
    let at_backup = written.load(Ordering::Relaxed);
    while wait_for(at_backup + 5, &writer) {
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    stop.store(true, Ordering::Relaxed);
    writer.await.unwrap();
    let m1 = manifest(&first);
    let demo_assets = 13;
    let backed_up = parts(&m1)["assets"].0;
    assert!(backed_up > demo_assets, "some writes are in the backup");
    assert!(
        backed_up < demo_assets + written.load(Ordering::Relaxed),
        "the writes after the snapshot are not"
    );

    // Into SQLite: the same rows, and the chain verifies.
    let sqlite = TestDatabase::sqlite();
    let out = tokio::task::spawn_blocking({
        let (first, url) = (first.clone(), sqlite.url_string());
        move || restore(&first, &url)
    })
    .await
    .unwrap();
    assert!(out.status.success(), "{}", text(&out));
    let verify = mamori(&["audit", "verify", "--database-url", &sqlite.url_string()]);
    assert!(verify.status.success(), "{}", text(&verify));
    let second = dir.path().join("second.zip");
    backup(&sqlite.url_string(), &second);
    let m2 = manifest(&second);
    assert_eq!(m2["source"], "SQLite");
    assert_same_rows(&m1, &m2);

    // From that SQLite database into PostgreSQL (when the tests have a server).
    if let Some(pg) = TestDatabase::postgres().await.unwrap() {
        let out = restore(&second, &pg.url_string());
        assert!(out.status.success(), "{}", text(&out));
        let third = dir.path().join("third.zip");
        backup(&pg.url_string(), &third);
        let m3 = manifest(&third);
        assert_eq!(m3["source"], "PostgreSQL");
        assert_same_rows(&m2, &m3);
        let verify = mamori(&["audit", "verify", "--database-url", &pg.url_string()]);
        assert!(verify.status.success(), "{}", text(&verify));
    }
}

#[tokio::test]
async fn a_database_with_data_or_a_changed_archive_is_refused_and_nothing_is_written() {
    let t = TestApp::spawn().await;
    let dir = tempfile::tempdir().unwrap();
    let archive = dir.path().join("demo.zip");
    backup(&t.db.url_string(), &archive);

    let before = t.audit_count().await;
    let out = restore(&archive, &t.db.url_string());
    assert!(!out.status.success());
    assert!(text(&out).contains("空ではありません"), "{}", text(&out));
    assert_eq!(t.audit_count().await, before);

    // One name changed in the people's part, the manifest left as it was.
    let changed = dir.path().join("changed.zip");
    {
        let mut from = zip::ZipArchive::new(std::fs::File::open(&archive).unwrap()).unwrap();
        let mut to = zip::ZipWriter::new(std::fs::File::create(&changed).unwrap());
        for i in 0..from.len() {
            let mut entry = from.by_index(i).unwrap();
            let name = entry.name().to_owned();
            let mut bytes = Vec::new();
            entry.read_to_end(&mut bytes).unwrap();
            if name == "tables/people.jsonl" {
                let text = String::from_utf8(bytes).unwrap();
                let first_person = text.lines().nth(1).unwrap();
                let name_field = serde_json::from_str::<Vec<Value>>(first_person).unwrap()[3]
                    .as_str()
                    .unwrap()
                    .to_owned();
                bytes = text
                    .replacen(&format!("\"{name_field}\""), "\"書き換え 太郎\"", 1)
                    .into_bytes();
            }
            to.start_file(name, zip::write::SimpleFileOptions::default())
                .unwrap();
            to.write_all(&bytes).unwrap();
        }
        to.finish().unwrap();
    }
    let empty = TestDatabase::sqlite();
    let out = restore(&changed, &empty.url_string());
    assert!(!out.status.success());
    assert!(text(&out).contains("people"), "{}", text(&out));
    let store = mamori_store::Store::connect(&empty.url).await.unwrap();
    let mut conn = store.conn().await.unwrap();
    let tables = mamori_store::backup::tables(&mut conn, store.backend())
        .await
        .unwrap();
    assert_eq!(
        mamori_store::backup::first_filled_table(&mut conn, &tables)
            .await
            .unwrap(),
        None,
        "nothing of the changed archive was written"
    );
}
