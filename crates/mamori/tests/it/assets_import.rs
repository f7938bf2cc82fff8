//! Importing and exporting the 情報資産台帳: every problem named by line and column, nothing changed
//! while a row is wrong unless the user skips it, and an exported register that imports back
//! unchanged.

use crate::common;

use common::{TestApp, csrf_of, location};
use mamori_app::assets::AssetQuery;
use mamori_app::org_import::ExportFormat;
use mamori_app::{AppError, CurrentUser};
use mamori_io::org_table::CsvEncoding;
use mamori_store::assets::AssetRecord;
use reqwest::multipart::{Form, Part};
use reqwest::{Client, StatusCode};

async fn user(t: &TestApp, login: &str) -> CurrentUser {
    let token = t.api_token(login).await;
    t.app.token_user(&token).await.unwrap().unwrap()
}

fn no_progress(_: usize, _: usize) {}

async fn asset_count(t: &TestApp) -> usize {
    let u = user(t, "tokatsu").await;
    t.app
        .asset_page(&u, &AssetQuery::default(), None, 200)
        .await
        .unwrap()
        .rows
        .len()
}

async fn record(t: &TestApp, number: &str) -> Option<AssetRecord> {
    let u = user(t, "tokatsu").await;
    let mut conn = t.app.store().conn().await.unwrap();
    mamori_store::assets::find_by_number(&mut conn, u.body().unwrap().id, number)
        .await
        .unwrap()
}

/// How many records of the register (asset.*) the audit trail holds: sign-ins and tokens the
/// test itself makes are left out.
async fn asset_audit(t: &TestApp) -> usize {
    let mut conn = t.app.store().conn().await.unwrap();
    mamori_store::audit::list(&mut conn, &Default::default(), 100_000)
        .await
        .unwrap()
        .iter()
        .filter(|r| r.entry.action.starts_with("asset."))
        .count()
}

const HEADER: &str = "管理番号,名称,種別,説明,所管課,所在・保管場所,ネットワーク領域,分類,文書の種類,保存期間,状態,複製元,格納する情報資産,暗号化,施錠保管,バックアップ,復旧目標時間\n";

/// A row of 情報 in the import layout.
fn info(no: &str, name: &str, unit: &str, class: &str, derived_from: &str, extra: &str) -> String {
    format!("{no},{name},情報,,{unit},,LGWAN接続系,{class},,,使用中,{derived_from},,○,{extra}\n")
}

const C2: &str = "機密性２・完全性１・可用性１";

/// The demo's IA-000004 as exported, with バックアップ now ○.
const CHANGED_004: &str = "IA-000004,証明書交付件数の集計表,情報,,市民課,市民課 共有フォルダ（LGWAN接続系）,LGWAN接続系,機密性２・完全性１・可用性１,,5年,使用中,,,○,,○,\n";

#[tokio::test]
async fn a_file_with_errors_changes_nothing_unless_the_bad_rows_are_skipped() {
    let t = TestApp::spawn().await;
    let editor = user(&t, "tokatsu").await;
    let writer = editor.asset_writer().unwrap();
    let csv = [
        HEADER.to_owned(),
        info("IA-100001", "窓口受付簿", "市民課", C2, "", ",,"),
        info("IA-100002", "転出届の写し", "存在しない課", C2, "", ",,"),
        info(
            "IA-100003",
            "窓口メモ",
            "市民課",
            "機密性４・完全性１・可用性１",
            "",
            ",,",
        ),
        // A copy of 住民基本台帳データ (機密性３) classified lower.
        info(
            "IA-100004",
            "住基データの抜粋",
            "市民課",
            C2,
            "IA-000001",
            ",,",
        ),
        info(
            "IA-100005",
            "出所不明の写し",
            "市民課",
            C2,
            "IA-999999",
            ",,",
        ),
        info("IA-100001", "番号の重複", "市民課", C2, "", ",,"),
        // A copy of a row further up the same file.
        info("IA-100006", "受付簿の写し", "市民課", C2, "IA-100001", ",,"),
        CHANGED_004.to_owned(),
    ]
    .concat();
    let preview = t
        .app
        .stage_asset_import(&editor, &writer, "台帳.csv", csv.as_bytes())
        .await
        .unwrap();
    assert_eq!(preview.rows, 8);
    let at = |line: usize, column: &str| -> String {
        preview
            .problems
            .iter()
            .find(|p| p.line == line && p.column.as_deref() == Some(column))
            .map(|p| p.message.clone())
            .unwrap_or_else(|| panic!("no problem at {line} {column}: {:?}", preview.problems))
    };
    assert!(at(3, "所管課").contains("存在しない課"));
    assert!(at(4, "分類").contains("機密性4"));
    assert!(at(5, "分類").contains("より低くできません"));
    assert!(at(6, "複製元").contains("「IA-999999」"));
    assert!(at(7, "管理番号").contains("IA-100001"));
    let lines: std::collections::BTreeSet<usize> =
        preview.problems.iter().map(|p| p.line).collect();
    assert_eq!(lines.into_iter().collect::<Vec<_>>(), [3, 4, 5, 6, 7]);
    assert_eq!(
        (preview.created, preview.changed, preview.unchanged),
        (2, 1, 0)
    );

    // Applied as it is: refused, nothing written.
    let assets = asset_count(&t).await;
    let audit = asset_audit(&t).await;
    let err = t
        .app
        .apply_asset_import(&editor, &writer, &preview.id, false, &no_progress)
        .await
        .unwrap_err();
    let AppError::Invalid(e) = err else {
        panic!("{err:?}")
    };
    assert!(e.message.contains("誤りが 5件"), "{e:?}");
    assert_eq!(asset_count(&t).await, assets);
    assert_eq!(asset_audit(&t).await, audit);
    assert!(record(&t, "IA-100001").await.is_none());
    assert!(!record(&t, "IA-000004").await.unwrap().safeguards.backup);

    // Skipping the bad rows writes the others, each with its audit record, and the import's.
    let outcome = t
        .app
        .apply_asset_import(&editor, &writer, &preview.id, true, &no_progress)
        .await
        .unwrap();
    assert_eq!(
        (
            outcome.created,
            outcome.changed,
            outcome.unchanged,
            outcome.skipped_lines
        ),
        (2, 1, 0, 5)
    );
    assert_eq!(asset_count(&t).await, assets + 2);
    assert_eq!(asset_audit(&t).await, audit + 4);
    let first = record(&t, "IA-100001").await.unwrap();
    assert_eq!(first.name, "窓口受付簿");
    let copy = record(&t, "IA-100006").await.unwrap();
    assert_eq!(copy.derived_from, [first.id]);
    assert!(record(&t, "IA-000004").await.unwrap().safeguards.backup);
    for n in ["IA-100002", "IA-100003", "IA-100004", "IA-100005"] {
        assert!(record(&t, n).await.is_none(), "{n}");
    }
    // The staged file is gone.
    assert!(matches!(
        t.app
            .asset_import_preview(&editor, &writer, &preview.id)
            .await,
        Err(AppError::NotFound(_))
    ));
}

#[tokio::test]
async fn a_row_linking_to_a_skipped_row_is_reported_and_skipped_too() {
    let t = TestApp::spawn().await;
    let editor = user(&t, "tokatsu").await;
    let writer = editor.asset_writer().unwrap();
    let csv = [
        HEADER.to_owned(),
        info("IA-100010", "転出届", "存在しない課", C2, "", ",,"),
        info("IA-100011", "転出届の写し", "市民課", C2, "IA-100010", ",,"),
        info(
            "IA-100012",
            "転出届の写しの写し",
            "市民課",
            C2,
            "IA-100011",
            ",,",
        ),
        info("IA-100013", "窓口受付簿", "市民課", C2, "", ",,"),
    ]
    .concat();
    let preview = t
        .app
        .stage_asset_import(&editor, &writer, "台帳.csv", csv.as_bytes())
        .await
        .unwrap();
    let lines: std::collections::BTreeSet<usize> =
        preview.problems.iter().map(|p| p.line).collect();
    assert_eq!(
        lines.into_iter().collect::<Vec<_>>(),
        [2, 3, 4],
        "{:?}",
        preview.problems
    );
    assert!(
        preview
            .problems
            .iter()
            .any(|p| p.line == 3 && p.column.as_deref() == Some("複製元")),
        "{:?}",
        preview.problems
    );
    assert_eq!(preview.created, 1);
    let outcome = t
        .app
        .apply_asset_import(&editor, &writer, &preview.id, true, &no_progress)
        .await
        .unwrap();
    assert_eq!((outcome.created, outcome.skipped_lines), (1, 3));
    assert!(record(&t, "IA-100011").await.is_none());
    assert!(record(&t, "IA-100013").await.is_some());
}

#[tokio::test]
async fn an_exported_register_imports_back_unchanged_in_every_format() {
    let t = TestApp::spawn().await;
    let editor = user(&t, "tokatsu").await;
    let writer = editor.asset_writer().unwrap();
    let body = editor.body().unwrap().id;
    let total = asset_count(&t).await;
    for (format, name) in [
        (ExportFormat::Xlsx, "台帳.xlsx"),
        (ExportFormat::Csv(CsvEncoding::ShiftJis), "台帳.csv"),
        (ExportFormat::Csv(CsvEncoding::Utf8Bom), "台帳_utf8.csv"),
    ] {
        let bytes = t.app.export_assets(body, format).await.unwrap();
        let preview = t
            .app
            .stage_asset_import(&editor, &writer, name, &bytes)
            .await
            .unwrap();
        assert!(
            preview.problems.is_empty(),
            "{name}: {:?}",
            preview.problems
        );
        assert_eq!(preview.rows, total, "{name}");
        assert_eq!(
            (preview.created, preview.changed, preview.unchanged),
            (0, 0, total),
            "{name}: {:?}",
            preview.changes
        );
        // Applying it writes no asset: only the import's own record.
        let audit = asset_audit(&t).await;
        let outcome = t
            .app
            .apply_asset_import(&editor, &writer, &preview.id, false, &no_progress)
            .await
            .unwrap();
        assert_eq!((outcome.created, outcome.changed), (0, 0), "{name}");
        assert_eq!(asset_audit(&t).await, audit + 1, "{name}");
    }
    // The links and the unit survive: IA-000005 still holds IA-000004.
    let usb = record(&t, "IA-000005").await.unwrap();
    let list = record(&t, "IA-000004").await.unwrap();
    assert_eq!(usb.holds, [list.id]);
    assert!(record(&t, "IA-000013").await.unwrap().owner_unit.is_none());
}

async fn csrf(t: &TestApp, b: &Client) -> String {
    let (_, home) = t.page(b, "/").await;
    csrf_of(&home)
}

async fn upload(t: &TestApp, b: &Client, name: &str, bytes: Vec<u8>) -> reqwest::Response {
    let form = Form::new()
        .text("_csrf", csrf(t, b).await)
        .part("file", Part::bytes(bytes).file_name(name.to_owned()));
    b.post(t.url("/assets/import"))
        .multipart(form)
        .send()
        .await
        .unwrap()
}

/// Follows the job page until the job ends; returns the final page.
async fn finish_job(t: &TestApp, b: &Client, job: &str) -> String {
    for _ in 0..100 {
        let (status, html) = t.page(b, job).await;
        assert_eq!(status, StatusCode::OK);
        if !html.contains("http-equiv=\"refresh\"") {
            return html;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("the job did not finish");
}

#[tokio::test]
async fn the_chief_uploads_a_register_on_the_screens_and_staff_may_only_export() {
    let t = TestApp::spawn().await;
    let b = t.signed_in("tokatsu").await;
    let csv = [
        HEADER.to_owned(),
        info("IA-200001", "窓口受付簿", "shimin", C2, "", ",,"),
        info("IA-200002", "窓口メモ", "市民課", C2, "", "△,,"),
    ]
    .concat();
    let crlf = csv.replace('\n', "\r\n");
    let bytes = encoding_rs::SHIFT_JIS.encode(&crlf).0.into_owned();
    let r = upload(&t, &b, "台帳.csv", bytes).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let preview = location(&r);
    assert!(preview.starts_with("/assets/import/"), "{preview}");
    let (status, html) = t.page(&b, &preview).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains("3行目") && html.contains("施錠保管") && html.contains("「△」"),
        "{html}"
    );
    assert!(html.contains("窓口受付簿") && html.contains("新規"));

    // Without skipping, nothing happens and the page says why.
    let r = b
        .post(t.url(&preview))
        .form(&[("_csrf", csrf(&t, &b).await.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("何も変更していません"));
    assert!(record(&t, "IA-200001").await.is_none());

    let r = b
        .post(t.url(&preview))
        .form(&[
            ("_csrf", csrf(&t, &b).await.as_str()),
            ("skip_invalid", "1"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let done = finish_job(&t, &b, &location(&r)).await;
    assert!(
        done.contains("新規 1件") && done.contains("誤りのある 1行は取り込んでいません"),
        "{done}"
    );
    assert_eq!(
        record(&t, "IA-200001").await.unwrap().owner_unit,
        record(&t, "IA-000001").await.unwrap().owner_unit
    );

    // Staff cannot import; they can download the register.
    let shokuin = t.signed_in("shokuin").await;
    let r = upload(&t, &shokuin, "台帳.csv", csv.clone().into_bytes()).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = shokuin
        .get(t.url("/assets/export?format=csv&encoding=utf8"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let text = r.text().await.unwrap();
    assert!(
        text.trim_start_matches('\u{feff}')
            .starts_with("管理番号,名称,種別")
    );
    assert!(text.contains("IA-200001,窓口受付簿"));
    let r = shokuin
        .get(t.url("/assets/export?format=xlsx"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.bytes().await.unwrap().starts_with(b"PK"));
}

#[tokio::test]
async fn a_file_keeps_the_edit_rules_no_disposal_and_no_source_above_its_holder() {
    let t = TestApp::spawn().await;
    let editor = user(&t, "tokatsu").await;
    let writer = editor.asset_writer().unwrap();
    // IA-000004 (機密性２) is held by the USB memory IA-000005 (機密性２), which the file leaves
    // alone: raising IA-000004 to 機密性３ would leave the medium below what it holds.
    let raised = CHANGED_004.replace(C2, "機密性３・完全性１・可用性１");
    // IA-000006 marked 廃棄済 by the file instead of by a 廃棄 record.
    let disposed = "IA-000006,窓口案内チラシ原稿,情報,,市民課,市民課 共有フォルダ,インターネット接続系,機密性１・完全性１・可用性１,,3年,廃棄済,,,,,,\n";
    let csv = [HEADER, raised.as_str(), disposed].concat();
    let before = asset_audit(&t).await;
    let preview = t
        .app
        .stage_asset_import(&editor, &writer, "台帳.csv", csv.as_bytes())
        .await
        .unwrap();
    let at = |line: usize, column: &str| {
        preview
            .problems
            .iter()
            .find(|p| p.line == line && p.column.as_deref() == Some(column))
            .map(|p| p.message.clone())
            .unwrap_or_else(|| panic!("no problem at {line} {column}: {:?}", preview.problems))
    };
    assert!(at(2, "分類").contains("IA-000005"));
    assert!(at(3, "状態").contains("廃棄"));
    let applied = t
        .app
        .apply_asset_import(&editor, &writer, &preview.id, false, &no_progress)
        .await;
    assert!(matches!(applied, Err(AppError::Invalid(_))));
    assert_eq!(asset_audit(&t).await, before);
    let kept = record(&t, "IA-000006").await.unwrap();
    assert_eq!(kept.status.label(), "使用中");

    // Raising the medium in the same file makes the raise of its content acceptable.
    let usb = "IA-000005,USBメモリ（市民課-01）,電磁的記録媒体,,市民課,市民課 キャビネット,その他／なし,機密性３・完全性１・可用性１,,,使用中,,IA-000004,○,○,,\n";
    let csv = [HEADER, raised.as_str(), usb].concat();
    let preview = t
        .app
        .stage_asset_import(&editor, &writer, "台帳.csv", csv.as_bytes())
        .await
        .unwrap();
    assert!(preview.problems.is_empty(), "{:?}", preview.problems);
}
