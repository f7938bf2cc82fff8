//! `mamori gap …` from the command line: no database or settings needed.

use std::path::PathBuf;

fn mamori(args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_mamori"))
        .args(args)
        .env_remove("MAMORI_CONFIG")
        .env_remove("MAMORI_DATABASE_URL")
        .output()
        .unwrap()
}

fn iruma() -> PathBuf {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/seeds/002_592f045dcc33169d.txt");
    assert!(
        path.is_file(),
        "{} is missing; CI checks shared/ out beside the clone",
        path.display()
    );
    path
}

#[test]
fn gap_analyze_reports_the_iruma_basic_policy_as_json() {
    let dir = tempfile::tempdir().unwrap();
    // Run where there is no mamori.toml: the command must not need one.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_mamori"))
        .args([
            "gap",
            "analyze",
            iruma().to_str().unwrap(),
            "--format",
            "json",
        ])
        .current_dir(dir.path())
        .env_remove("MAMORI_CONFIG")
        .env_remove("MAMORI_DATABASE_URL")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["baseline"], "2018-09");
    assert!(v["document"]["provisions"].as_u64().unwrap() > 40);
    let clauses = v["clauses"].as_array().unwrap();
    assert_eq!(clauses.len(), 373);
    let of = |prefix: &str, status: &str| {
        clauses
            .iter()
            .filter(|c| c["id"].as_str().unwrap().starts_with(prefix) && c["status"] == status)
            .count()
    };
    let basic = clauses
        .iter()
        .filter(|c| c["id"].as_str().unwrap().starts_with("B-"))
        .count();
    assert!(of("B-", "covered") + of("B-", "partial") >= basic - 2);
    let standards = clauses.len() - basic;
    assert!(of("S-", "omitted") * 100 >= standards * 97);
    let b1 = clauses.iter().find(|c| c["id"] == "B-1").unwrap();
    assert_eq!(b1["matches"][0]["line"], 41);
    let summary = &v["summary"];
    assert_eq!(
        summary["covered"].as_u64().unwrap()
            + summary["partial"].as_u64().unwrap()
            + summary["omitted"].as_u64().unwrap(),
        373
    );
    assert!(v["additions"].is_array());
    assert!(v["revision_points_unmet"].is_array());
}

#[test]
fn gap_analyze_writes_excel_and_text() {
    let dir = tempfile::tempdir().unwrap();
    let xlsx = dir.path().join("gap.xlsx");
    let out = mamori(&[
        "gap",
        "analyze",
        iruma().to_str().unwrap(),
        "--format",
        "xlsx",
        "--output",
        xlsx.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(std::fs::read(&xlsx).unwrap().starts_with(b"PK"));

    let out = mamori(&[
        "gap",
        "analyze",
        iruma().to_str().unwrap(),
        "--format",
        "text",
    ]);
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("規定あり"), "{text}");
    assert!(text.contains("B-1\t規定あり"), "{text}");

    // Excel needs a file to write to.
    let out = mamori(&[
        "gap",
        "analyze",
        iruma().to_str().unwrap(),
        "--format",
        "xlsx",
    ]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--output"));
}

#[test]
fn gap_analyze_explains_an_unreadable_file_in_japanese() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nai.txt");
    let out = mamori(&["gap", "analyze", missing.to_str().unwrap()]);
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("読み込めません"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
