//! Importing people and units from the files municipalities keep: a preview that names every
//! problem, nothing changed while a row is wrong unless the user skips it, and a lossless export.

use crate::common;

use common::TestApp;
use mamori_app::org_import::{ExportFormat, ImportKind};
use mamori_app::{AppError, CurrentUser};
use mamori_io::org_table::CsvEncoding;

async fn user(t: &TestApp, login: &str) -> CurrentUser {
    let token = t.api_token(login).await;
    t.app.token_user(&token).await.unwrap().unwrap()
}

/// A CSV as Excel saves 「CSV (コンマ区切り)」: Shift_JIS, CRLF.
fn shift_jis(text: &str) -> Vec<u8> {
    let crlf = text.replace('\n', "\r\n");
    let (bytes, _, unmappable) = encoding_rs::SHIFT_JIS.encode(&crlf);
    assert!(!unmappable);
    bytes.into_owned()
}

const HEADER: &str = "職員番号,氏名,ふりがな,所属,職名,雇用区分,メール\n";

fn no_progress(_: usize, _: usize) {}

#[tokio::test]
async fn a_bad_row_stops_the_import_until_the_user_skips_it() {
    let t = TestApp::spawn().await;
    let editor = user(&t, "tokatsu").await;
    let may = editor.org_editor().unwrap();
    let csv = shift_jis(&format!(
        "{HEADER}\
         200001,新井 花子,あらい はなこ,市民課,主事,会計年度任用職員,arai@example.lg.jp\n\
         100091,佐々木 翔太,ささき しょうた,税務課,課長,職員,\n\
         200002,上野 次郎,うえの じろう,存在しない課,主事,職員,ueno@@example\n"
    ));
    let preview = t
        .app
        .stage_import(&editor, &may, ImportKind::People, "職員一覧.csv", &csv)
        .await
        .unwrap();
    assert_eq!(preview.rows, 3);
    assert_eq!((preview.created, preview.changed), (1, 1));
    let changed = preview.changes.iter().find(|c| c.key == "100091").unwrap();
    assert!(
        changed.what.contains("所属: 市民課 → 税務課"),
        "{changed:?}"
    );
    // Line 4 of the file (the header is line 1) has two problems, each naming its column.
    let line4: Vec<_> = preview.problems.iter().filter(|p| p.line == 4).collect();
    assert!(
        line4
            .iter()
            .any(|p| p.column.as_deref() == Some("所属") && p.message.contains("存在しない課"))
    );
    assert!(line4.iter().any(|p| p.column.as_deref() == Some("メール")));

    let people_before = t.app.people(&editor, None, None, 1).await.unwrap().total;
    let audit_before = t.audit_count().await;
    let err = t
        .app
        .apply_import(&editor, &may, &preview.id, false, &no_progress)
        .await
        .unwrap_err();
    let AppError::Invalid(e) = err else {
        panic!("{err:?}")
    };
    assert!(e.message.contains("何も変更していません"), "{e:?}");
    assert_eq!(
        t.app.people(&editor, None, None, 1).await.unwrap().total,
        people_before
    );
    assert_eq!(t.audit_count().await, audit_before);

    let (kind, outcome) = t
        .app
        .apply_import(&editor, &may, &preview.id, true, &no_progress)
        .await
        .unwrap();
    assert_eq!(kind, ImportKind::People);
    assert_eq!(
        (outcome.created, outcome.changed, outcome.skipped_lines),
        (1, 1, 1)
    );
    assert_eq!(
        t.app.people(&editor, None, None, 1).await.unwrap().total,
        people_before + 1
    );
    let moved = t
        .app
        .people(&editor, None, Some("100091"), 1)
        .await
        .unwrap()
        .rows
        .remove(0);
    assert_eq!(moved.unit_name, "税務課");
    let detail = t.app.person(&editor, moved.person.id).await.unwrap();
    assert_eq!(detail.history.last().unwrap().version.cause, "取込");
    // 佐々木 left the post 市民課 課長: the roles tied to it end (nobody took the post), and the
    // outcome says so. Audit: two people, two ended roles, the import itself.
    assert_eq!(outcome.vacancies.len(), 2, "{outcome:?}");
    assert!(outcome.vacancies.iter().any(|v| v.contains("市民課")));
    assert_eq!(t.audit_count().await, audit_before + 5);
    // The staged file is gone once applied.
    assert!(matches!(
        t.app.import_preview(&editor, &may, &preview.id).await,
        Err(AppError::NotFound(_))
    ));
}

#[tokio::test]
async fn an_unreadable_file_is_refused_at_upload_and_staff_may_not_import() {
    let t = TestApp::spawn().await;
    let editor = user(&t, "tokatsu").await;
    let may = editor.org_editor().unwrap();
    let err = t
        .app
        .stage_import(
            &editor,
            &may,
            ImportKind::People,
            "職員.csv",
            &[0x82, 0xa0, 0xff, 0xfe, 0x81],
        )
        .await
        .unwrap_err();
    let AppError::Invalid(e) = err else {
        panic!("{err:?}")
    };
    assert_eq!(e.field, "取込ファイル");
    assert!(e.message.contains("文字コード"), "{e:?}");
    assert!(user(&t, "shokuin").await.org_editor().is_err());
}

#[tokio::test]
async fn exported_people_and_units_import_back_without_changes() {
    let t = TestApp::spawn().await;
    let editor = user(&t, "tokatsu").await;
    let may = editor.org_editor().unwrap();
    let body = editor.body().unwrap().id;
    for (kind, format, name) in [
        (ImportKind::People, ExportFormat::Xlsx, "people.xlsx"),
        (
            ImportKind::People,
            ExportFormat::Csv(CsvEncoding::ShiftJis),
            "people.csv",
        ),
        (ImportKind::Units, ExportFormat::Xlsx, "units.xlsx"),
        (
            ImportKind::Units,
            ExportFormat::Csv(CsvEncoding::Utf8Bom),
            "units.csv",
        ),
    ] {
        let bytes = t.app.export_org(body, kind, format).await.unwrap();
        let preview = t
            .app
            .stage_import(&editor, &may, kind, name, &bytes)
            .await
            .unwrap();
        assert!(
            preview.problems.is_empty(),
            "{name}: {:?}",
            preview.problems
        );
        assert!(preview.rows > 10, "{name}");
        assert_eq!(
            (preview.created, preview.changed, preview.unchanged),
            (0, 0, preview.rows),
            "{name}: {:?}",
            preview.changes
        );
    }
}

#[tokio::test]
async fn a_units_file_creates_a_new_section_under_its_department() {
    let t = TestApp::spawn().await;
    let editor = user(&t, "tokatsu").await;
    let may = editor.org_editor().unwrap();
    let csv = "組織コード,組織名,種別,上位組織,行政機関\n\
               dx,デジタル推進課,課室,somu-bu,内部部局\n\
               shimin,市民窓口課,課室,shimin-bu,内部部局\n";
    let preview = t
        .app
        .stage_import(&editor, &may, ImportKind::Units, "組織.csv", csv.as_bytes())
        .await
        .unwrap();
    assert!(preview.problems.is_empty(), "{:?}", preview.problems);
    assert_eq!((preview.created, preview.changed), (1, 1));
    t.app
        .apply_import(&editor, &may, &preview.id, false, &no_progress)
        .await
        .unwrap();
    let tree = t.app.org_tree(&editor, t.app.today()).await.unwrap();
    let dx = tree
        .iter()
        .position(|r| r.unit.name == "デジタル推進課")
        .unwrap();
    let somu = tree.iter().position(|r| r.unit.name == "総務部").unwrap();
    assert!(dx > somu && tree[dx].depth == tree[somu].depth + 1);
    assert!(tree.iter().any(|r| r.unit.name == "市民窓口課"));
    // Yesterday the section still had its old name.
    let yesterday = t.app.today().pred_opt().unwrap();
    let before = t.app.org_tree(&editor, yesterday).await.unwrap();
    assert!(before.iter().any(|r| r.unit.name == "市民課"));
    assert!(!before.iter().any(|r| r.unit.name == "デジタル推進課"));
}

#[tokio::test]
async fn the_cli_checks_a_file_and_imports_it() {
    let t = TestApp::spawn().await;
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.csv");
    std::fs::write(
        &bad,
        shift_jis(&format!(
            "{HEADER}300001,北村 三郎,きたむら さぶろう,どこにもない課,主事,職員,\n"
        )),
    )
    .unwrap();
    let out = t.cli(&["org", "import", bad.to_str().unwrap(), "--dry-run"], None);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("2行目「所属」"), "{stderr}");

    let good = dir.path().join("good.csv");
    std::fs::write(
        &good,
        shift_jis(&format!(
            "{HEADER}300001,北村 三郎,きたむら さぶろう,shimin,主事,職員,\n"
        )),
    )
    .unwrap();
    let out = t.cli(&["org", "import", good.to_str().unwrap()], None);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains("新規 1件"), "{stderr}");
    let editor = user(&t, "tokatsu").await;
    let found = t
        .app
        .people(&editor, None, Some("300001"), 1)
        .await
        .unwrap();
    assert_eq!(found.rows[0].unit_name, "市民課");

    let export = dir.path().join("people.xlsx");
    let out = t.cli(
        &["org", "export", "--output", export.to_str().unwrap()],
        None,
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(std::fs::read(&export).unwrap().starts_with(b"PK"));
}

#[tokio::test]
async fn importing_the_same_file_twice_changes_nothing_the_second_time() {
    let t = TestApp::spawn().await;
    let editor = user(&t, "tokatsu").await;
    let may = editor.org_editor().unwrap();
    let csv = shift_jis(&format!(
        "{HEADER}\
         200010,森田 光,もりた ひかる,市民課,主事,職員,morita@example.lg.jp\n\
         100091,佐々木 翔太,ささき しょうた,市民課,課長,職員,sasaki@example.lg.jp\n"
    ));
    let first = t
        .app
        .stage_import(&editor, &may, ImportKind::People, "職員.csv", &csv)
        .await
        .unwrap();
    assert_eq!((first.created, first.changed), (1, 1));
    t.app
        .apply_import(&editor, &may, &first.id, false, &no_progress)
        .await
        .unwrap();
    let people = t.app.people(&editor, None, None, 1).await.unwrap().total;
    let audit = t.audit_count().await;

    let second = t
        .app
        .stage_import(&editor, &may, ImportKind::People, "職員.csv", &csv)
        .await
        .unwrap();
    assert_eq!(
        (second.created, second.changed, second.unchanged),
        (0, 0, 2)
    );
    let (_, outcome) = t
        .app
        .apply_import(&editor, &may, &second.id, false, &no_progress)
        .await
        .unwrap();
    assert_eq!((outcome.created, outcome.changed), (0, 0));
    assert_eq!(
        t.app.people(&editor, None, None, 1).await.unwrap().total,
        people
    );
    // Only the record of the import itself: no person was written again.
    assert_eq!(t.audit_count().await, audit + 1);
}
