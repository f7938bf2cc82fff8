//! Importing and exporting the 情報資産台帳: an export reads back to the same texts and values
//! under either classification scheme and in every file format, headers are found under their
//! usual names, and every problem names its row and column.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod asset_sample;

use std::io::{Cursor, Read};

use asset_sample::{code_of, many, unit_id, units};
use calamine::{Data, Reader, Xlsx};
use mamori_domain::asset::{Asset, NewAsset, Safeguards};
use mamori_domain::classification::ClassificationScheme;
use mamori_domain::ids::{AssetId, BodyId};
use mamori_io::asset_table::{
    ASSET_HEADERS, AssetExportRow, AssetRow, AssetsParse, CsvEncoding, OrgExportError, Table,
    UnitRef, assets_csv, assets_xlsx, check_rows, parse_asset_rows, parse_assets, read_table,
};

// ---- fixtures ----

fn guideline() -> ClassificationScheme {
    ClassificationScheme::guideline().unwrap()
}

fn importance() -> ClassificationScheme {
    ClassificationScheme::importance_four().unwrap()
}

fn csv(text: &str) -> Table {
    read_table("台帳.csv", text.as_bytes()).unwrap()
}

fn problem_at(parsed: &AssetsParse, line: usize, column: &str) -> String {
    parsed
        .problems
        .iter()
        .find(|p| p.line == line && p.column.as_deref() == Some(column))
        .map(|p| p.message.clone())
        .unwrap_or_else(|| panic!("no problem at {line} {column}: {:?}", parsed.problems))
}

fn places(parsed: &AssetsParse) -> Vec<(usize, Option<&str>)> {
    parsed
        .problems
        .iter()
        .map(|p| (p.line, p.column.as_deref()))
        .collect()
}

/// An asset as a person enters it, validated under `scheme` and written as an export row.
struct Entry<'a> {
    no: &'a str,
    kind: &'a str,
    name: &'a str,
    classification: &'a str,
    unit: Option<&'a str>,
    retention: &'a str,
    document_type: &'a str,
    derived_from: &'a [&'a str],
    holds: &'a [&'a str],
    safeguards: Safeguards,
}

fn export_row(scheme: &ClassificationScheme, e: &Entry) -> AssetExportRow {
    let new = NewAsset {
        kind: e.kind.to_owned(),
        name: e.name.to_owned(),
        description: if e.kind == "情報" {
            "住民記録の写し。\n月次で更新する".to_owned()
        } else {
            String::new()
        },
        owner_unit: e.unit.map(unit_id),
        location: if e.unit.is_some() {
            "本庁舎3階 サーバ室".to_owned()
        } else {
            String::new()
        },
        segment: if e.kind == "施設・設備" {
            String::new()
        } else {
            "LGWAN接続系".to_owned()
        },
        classification: e.classification.to_owned(),
        retention: e.retention.to_owned(),
        status: String::new(),
        document_type: e.document_type.to_owned(),
        derived_from: e.derived_from.iter().map(|_| AssetId::new()).collect(),
        holds: e.holds.iter().map(|_| AssetId::new()).collect(),
        safeguards: e.safeguards.clone(),
    };
    let asset = new.validate(scheme, AssetId::new(), BodyId::new()).unwrap();
    AssetExportRow::from_asset(
        e.no,
        &asset,
        e.unit.unwrap_or(""),
        e.derived_from.iter().map(|s| (*s).to_owned()).collect(),
        e.holds.iter().map(|s| (*s).to_owned()).collect(),
    )
}

/// A small register under `scheme`, whose levels are written as `levels` (highest first).
fn register(scheme: &ClassificationScheme, levels: [&str; 3]) -> Vec<AssetExportRow> {
    let [high, mid, low] = levels;
    let entries = [
        Entry {
            no: "IA-000001",
            kind: "情報システム",
            name: "住民基本台帳システム",
            classification: high,
            unit: Some("0201"),
            retention: "",
            document_type: "",
            derived_from: &[],
            holds: &[],
            safeguards: Safeguards {
                encrypted: true,
                locked_storage: true,
                backup: true,
                recovery_target_hours: Some(24),
            },
        },
        Entry {
            no: "IA-000002",
            kind: "情報",
            name: "住民票の写し（交付控え）",
            classification: high,
            unit: Some("0201"),
            retention: "5年",
            document_type: "",
            derived_from: &["IA-000001"],
            holds: &[],
            safeguards: Safeguards {
                encrypted: true,
                ..Safeguards::default()
            },
        },
        Entry {
            no: "IA-000003",
            kind: "電磁的記録媒体",
            name: "バックアップ用外付けHDD",
            classification: high,
            unit: Some("0102"),
            retention: "永年",
            document_type: "",
            derived_from: &[],
            holds: &["IA-000001", "IA-000002"],
            safeguards: Safeguards {
                locked_storage: true,
                ..Safeguards::default()
            },
        },
        Entry {
            no: "IA-000004",
            kind: "システム関連文書",
            name: "ネットワーク構成図（令和8年度）",
            classification: mid,
            unit: Some("0102"),
            retention: "当該システムの廃止まで",
            document_type: "ネットワーク構成図",
            derived_from: &[],
            holds: &[],
            safeguards: Safeguards::default(),
        },
        Entry {
            no: "",
            kind: "施設・設備",
            name: "配電盤",
            classification: low,
            unit: None,
            retention: "",
            document_type: "",
            derived_from: &[],
            holds: &[],
            safeguards: Safeguards::default(),
        },
    ];
    entries.iter().map(|e| export_row(scheme, e)).collect()
}

/// A parsed row written again the way the export writes it.
fn again(scheme: &ClassificationScheme, row: &AssetRow) -> AssetExportRow {
    let asset: Asset = row
        .new
        .validate(scheme, AssetId::new(), BodyId::new())
        .unwrap();
    AssetExportRow::from_asset(
        row.asset_no.clone().unwrap_or_default(),
        &asset,
        row.new.owner_unit.map(code_of).unwrap_or_default(),
        row.derived_from_nos.clone(),
        row.holds_nos.clone(),
    )
}

// ---- round trips ----

#[test]
fn an_export_reads_back_to_the_same_texts_and_values_in_every_format_and_scheme() {
    let schemes = [
        (
            guideline(),
            [
                "機密性3/完全性2/可用性2",
                "機密性２・完全性１・可用性１",
                "機密性１・完全性１・可用性１",
            ],
        ),
        (importance(), ["Ⅰ", "重要性分類Ⅱ", "4"]),
    ];
    for (scheme, levels) in &schemes {
        let rows = register(scheme, *levels);
        let files = [
            ("台帳.xlsx", assets_xlsx(&rows).unwrap()),
            ("台帳.csv", assets_csv(&rows, CsvEncoding::Utf8Bom).unwrap()),
            (
                "台帳.csv",
                assets_csv(&rows, CsvEncoding::ShiftJis).unwrap(),
            ),
        ];
        for (index, (file_name, bytes)) in files.iter().enumerate() {
            let context = format!("{} / file {index}", scheme.id());
            let table = read_table(file_name, bytes).unwrap();
            assert_eq!(table.headers, ASSET_HEADERS, "{context}");
            let parsed = parse_assets(&table, &units, scheme);
            assert!(
                parsed.problems.is_empty(),
                "{context}: {:?}",
                parsed.problems
            );
            let back: Vec<AssetExportRow> = parsed.rows.iter().map(|r| again(scheme, r)).collect();
            assert_eq!(back, rows, "{context}");

            // The texts themselves, as the row keeps them for the caller.
            let texts: Vec<(&str, &str, &str)> = parsed
                .rows
                .iter()
                .map(|r| {
                    (
                        r.new.classification.as_str(),
                        r.new.retention.as_str(),
                        r.new.description.as_str(),
                    )
                })
                .collect();
            let expected: Vec<(&str, &str, &str)> = rows
                .iter()
                .map(|r| {
                    (
                        r.classification.as_str(),
                        r.retention.as_str(),
                        r.description.as_str(),
                    )
                })
                .collect();
            assert_eq!(texts, expected, "{context}");
            assert_eq!(parsed.rows[2].new.retention, "永年");
            assert_eq!(parsed.rows[1].new.retention, "5年");
            assert_eq!(
                parsed.rows[0].new.safeguards.recovery_target_hours,
                Some(24)
            );
            assert_eq!(parsed.rows[2].holds_nos, ["IA-000001", "IA-000002"]);
            assert_eq!(parsed.rows[1].derived_from_nos, ["IA-000001"]);
            assert_eq!(
                parsed.rows[4].asset_no, None,
                "a new asset has no number yet"
            );
            assert_eq!(parsed.rows[4].new.owner_unit, None);
            assert_eq!(parsed.rows[4].line, 6);
        }
    }
    // The classification is written in the scheme's names, whatever was typed.
    let rows = register(
        &guideline(),
        [
            "機密性3/完全性2/可用性2",
            "機密性2 完全性1 可用性1",
            "機密性1,完全性1,可用性1",
        ],
    );
    assert_eq!(rows[0].classification, "機密性３・完全性２・可用性２");
    assert_eq!(rows[3].classification, "機密性２・完全性１・可用性１");
    let rows = register(&importance(), ["Ⅰ", "2", "4"]);
    assert_eq!(rows[0].classification, "重要性分類Ⅰ");
    assert_eq!(rows[4].classification, "重要性分類Ⅳ");
}

#[test]
fn the_workbook_has_its_sheet_name_frozen_filtered_header_and_hours_as_numbers() {
    let rows = register(
        &guideline(),
        [
            "機密性３・完全性２・可用性２",
            "機密性２・完全性１・可用性１",
            "機密性１・完全性１・可用性１",
        ],
    );
    let bytes = assets_xlsx(&rows).unwrap();

    let mut book: Xlsx<_> = Xlsx::new(Cursor::new(bytes.clone())).unwrap();
    assert_eq!(book.sheet_names(), ["情報資産台帳"]);
    let range = book.worksheet_range("情報資産台帳").unwrap();
    assert_eq!(range.get_value((1, 16)), Some(&Data::Float(24.0)));
    assert_eq!(
        range.get_value((1, 13)),
        Some(&Data::String("○".to_owned()))
    );
    assert_eq!(
        range.get_value((3, 12)),
        Some(&Data::String("IA-000001、IA-000002".to_owned()))
    );

    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
    let mut sheet = String::new();
    zip.by_name("xl/worksheets/sheet1.xml")
        .unwrap()
        .read_to_string(&mut sheet)
        .unwrap();
    assert!(sheet.contains(r#"ySplit="1""#), "frozen header: {sheet}");
    assert!(sheet.contains(r#"<autoFilter ref="A1:Q6"/>"#), "filter");
    assert!(sheet.contains("<cols>"), "column widths");
    let mut styles = String::new();
    zip.by_name("xl/styles.xml")
        .unwrap()
        .read_to_string(&mut styles)
        .unwrap();
    assert!(styles.contains("<b/>"), "bold header");
    assert!(
        styles.contains(r#"rgb="FFE8ECF2""#),
        "header fill: {styles}"
    );
}

#[test]
fn full_width_digits_and_loose_spellings_on_input_read_as_the_export_writes_them() {
    let header = ASSET_HEADERS.join(",");
    let text = format!(
        "{header}\r\n\
         ＩＡ－０００１２３,庁内LAN,ネットワーク,,０２０１,,ＬＧＷＡＮ接続系,機密性3・完全性2・可用性2,,５年,使用中,,,有,なし,済,２４時間\r\n\
         IA-000124,住民情報の抽出データ,情報,,市民課,,LGWAN接続系,機密性２・完全性１・可用性１,,永年,,ＩＡ－０００１２３,,はい,,,\r\n"
    );
    let parsed = parse_assets(&csv(&text), &units, &guideline());
    assert!(parsed.problems.is_empty(), "{:?}", parsed.problems);
    let first = &parsed.rows[0];
    assert_eq!(first.asset_no.as_deref(), Some("IA-000123"));
    assert_eq!(first.new.owner_unit, Some(unit_id("0201")));
    assert_eq!(
        first.new.safeguards,
        Safeguards {
            encrypted: true,
            locked_storage: false,
            backup: true,
            recovery_target_hours: Some(24),
        }
    );
    let written = again(&guideline(), first);
    assert_eq!(written.classification, "機密性３・完全性２・可用性２");
    assert_eq!(written.retention, "5年");
    assert_eq!(written.segment, "LGWAN接続系");
    assert_eq!(parsed.rows[1].derived_from_nos, ["IA-000123"]);
    assert_eq!(parsed.rows[1].new.owner_unit, Some(unit_id("0201")));
}

// ---- headers ----

#[test]
fn headers_under_their_usual_names_below_a_merged_title_are_found() {
    use rust_xlsxwriter::{Format, Workbook};
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet
        .merge_range(
            0,
            0,
            0,
            8,
            "情報資産台帳（令和8年4月1日現在）",
            &Format::new().set_bold(),
        )
        .unwrap();
    let headers = [
        "資産番号",
        "情報資産名",
        "情報資産の種類",
        "所管課名",
        "保管場所",
        "重要性分類",
        "保存年限",
        "暗号化の有無",
        "RTO",
    ];
    let values = [
        "IA-9",
        "例規集原本",
        "情報",
        "税務課",
        "書庫",
        "Ⅱ",
        "10年",
        "×",
        "72",
    ];
    for (col, (h, v)) in headers.iter().zip(values).enumerate() {
        sheet.write_string(2, col as u16, *h).unwrap();
        sheet.write_string(3, col as u16, v).unwrap();
    }
    let bytes = book.save_to_buffer().unwrap();
    let table = read_table("台帳.xlsx", &bytes).unwrap();
    let parsed = parse_assets(&table, &units, &importance());
    assert!(parsed.problems.is_empty(), "{:?}", parsed.problems);
    let row = &parsed.rows[0];
    assert_eq!(row.line, 4, "the row number Excel shows");
    assert_eq!(row.asset_no.as_deref(), Some("IA-9"));
    assert_eq!(row.new.name, "例規集原本");
    assert_eq!(row.new.owner_unit, Some(unit_id("0202")));
    assert_eq!(row.new.location, "書庫");
    assert_eq!(row.new.retention, "10年");
    assert_eq!(row.new.safeguards.recovery_target_hours, Some(72));
    assert!(!row.new.safeguards.encrypted);
}

#[test]
fn a_file_without_name_kind_or_classification_is_refused_as_a_whole() {
    let parsed = parse_assets(
        &csv("管理番号,説明,所管課\r\nIA-1,何か,市民課\r\n"),
        &units,
        &guideline(),
    );
    assert!(parsed.rows.is_empty());
    assert_eq!(parsed.missing_columns, ["名称", "種別", "分類"]);
    assert_eq!(parsed.problems.len(), 1);
    let problem = &parsed.problems[0];
    assert_eq!((problem.line, problem.column.as_deref()), (1, None));
    assert!(
        problem
            .message
            .contains("必要な列がありません: 名称、種別、分類"),
        "{}",
        problem.message
    );
}

// ---- row problems ----

const HEADER: &str = "管理番号,名称,種別,所管課,ネットワーク領域,分類,複製元,格納する情報資産,暗号化,施錠保管,バックアップ,復旧目標時間";

#[test]
fn each_bad_row_is_named_by_row_and_column_and_good_rows_still_come_through() {
    let text = format!(
        "{HEADER}\r\n\
         IA-1,庁内LAN,ネットワーク,情報政策課,LGWAN接続系,機密性２・完全性１・可用性１,,,○,,,\r\n\
         IA-2,謎の資産,パソコン,,,機密性２・完全性１・可用性１,,,,,,\r\n\
         IA-3,統合宛名,情報システム,,,機密性４・完全性２・可用性２,,,,,,\r\n\
         IA-4,課税台帳,情報,税務課,,機密性２・完全性１・可用性１,,,たぶん,,,\r\n\
         IA-5,窓口端末,情報システム,,,機密性２・完全性１・可用性１,,,,,,一日\r\n\
         IA-6,公民館LAN,ネットワーク,公民館,,機密性２・完全性１・可用性１,,,,,,\r\n\
         IA-1,重複した番号,情報,,,機密性２・完全性１・可用性１,,,,,,\r\n\
         IA-8,写し,情報,,,機密性２・完全性１・可用性１,IA-1、IA-8,,,,,\r\n\
         IA-9,USBメモリ,電磁的記録媒体,,,機密性３・完全性２・可用性２,,ＩＡ－９,,,,0\r\n\
         ,配布資料,情報,市民課,,機密性１・完全性１・可用性１,IA-1,,,,,\r\n"
    );
    let parsed = parse_assets(&csv(&text), &units, &guideline());
    assert_eq!(
        places(&parsed),
        [
            (3, Some("種別")),
            (4, Some("分類")),
            (5, Some("暗号化")),
            (6, Some("復旧目標時間")),
            (7, Some("所管課")),
            (8, Some("管理番号")),
            (9, Some("複製元")),
            (10, Some("格納する情報資産")),
            (10, Some("復旧目標時間")),
        ]
    );
    let lines: Vec<usize> = parsed.rows.iter().map(|r| r.line).collect();
    assert_eq!(lines, [2, 11], "the valid rows among the invalid ones");

    assert!(problem_at(&parsed, 3, "種別").contains("「パソコン」という種別はありません"));
    let classification = problem_at(&parsed, 4, "分類");
    assert!(
        classification.starts_with("機密性: ") && classification.contains("機密性4"),
        "the axis stays in the message: {classification}"
    );
    assert!(problem_at(&parsed, 5, "暗号化").starts_with("暗号化「たぶん」は読み取れません"));
    assert!(problem_at(&parsed, 6, "復旧目標時間").contains("「一日」"));
    assert!(problem_at(&parsed, 7, "所管課").contains("所管課「公民館」が組織にありません"));
    assert_eq!(
        problem_at(&parsed, 8, "管理番号"),
        "管理番号「IA-1」が 2 行目と 8 行目で重複しています"
    );
    assert!(problem_at(&parsed, 9, "複製元").contains("この行自身の管理番号「IA-8」"));
    assert!(problem_at(&parsed, 10, "格納する情報資産").contains("「IA-9」"));
}

#[test]
fn a_level_the_single_axis_scheme_lacks_is_a_problem_of_the_classification_column() {
    let text = "名称,種別,分類\r\n\
                窓口端末,情報システム,重要性分類Ⅴ\r\n\
                庁内LAN,ネットワーク,機密性２・完全性１・可用性１\r\n\
                課税台帳,情報,Ⅰ\r\n";
    let parsed = parse_assets(&csv(text), &units, &importance());
    assert_eq!(places(&parsed), [(2, Some("分類")), (3, Some("分類"))]);
    let message = problem_at(&parsed, 2, "分類");
    assert!(message.contains("重要性分類"), "{message}");
    assert_eq!(parsed.rows.len(), 1);
    assert_eq!(parsed.rows[0].line, 4);

    // The same file under the guideline: only the first and last rows are wrong.
    let parsed = parse_assets(&csv(text), &units, &guideline());
    assert_eq!(places(&parsed), [(2, Some("分類")), (4, Some("分類"))]);
}

#[test]
fn every_problem_of_a_row_is_reported_together_in_column_order() {
    let text = format!(
        "{HEADER}\r\n\
         IA-1,,パソコン,公民館,宇宙,機密性９,IA-1,IA-2,かも,×,○,0\r\n"
    );
    let parsed = parse_assets(&csv(&text), &units, &guideline());
    let columns: Vec<&str> = parsed
        .problems
        .iter()
        .map(|p| p.column.as_deref().unwrap())
        .collect();
    assert_eq!(
        columns,
        [
            "名称",
            "種別",
            "所管課",
            "ネットワーク領域",
            "分類",
            "複製元",
            "暗号化",
            "復旧目標時間"
        ]
    );
    assert!(parsed.rows.is_empty());
}

#[test]
fn the_layout_checks_and_the_domain_checks_also_run_one_after_the_other() {
    let text = "管理番号,名称,種別,分類,所管課\r\n\
                IA-1,窓口端末,パソコン,機密性２・完全性１・可用性１,市民課\r\n\
                IA-2,統合宛名,情報システム,機密性２・完全性１・可用性１,公民館\r\n\
                IA-3,庁内LAN,ネットワーク,機密性２・完全性１・可用性１,市民課\r\n";
    let shaped = parse_asset_rows(&csv(text), &units);
    assert_eq!(places(&shaped), [(3, Some("所管課"))]);
    assert_eq!(shaped.rows.len(), 2, "種別 is the domain's to judge");
    assert_eq!(shaped.rows[0].new.kind, "パソコン", "kept as written");

    let checked = check_rows(shaped, &guideline());
    assert_eq!(places(&checked), [(2, Some("種別")), (3, Some("所管課"))]);
    let lines: Vec<usize> = checked.rows.iter().map(|r| r.line).collect();
    assert_eq!(lines, [4]);
}

#[test]
fn a_resolver_that_does_not_answer_with_unit_ids_is_a_problem_not_a_guess() {
    let by_code = |text: &str| (text == "0201").then(|| UnitRef("0201".to_owned()));
    let parsed = parse_assets(
        &csv("名称,種別,分類,所管課\r\n庁内LAN,ネットワーク,機密性２・完全性１・可用性１,0201\r\n"),
        &by_code,
        &guideline(),
    );
    assert!(parsed.rows.is_empty());
    assert_eq!(places(&parsed), [(2, Some("所管課"))]);
}

// ---- export refusals ----

#[test]
fn a_name_shift_jis_lacks_is_named_instead_of_written_wrong() {
    let mut rows = register(
        &guideline(),
        [
            "機密性３・完全性２・可用性２",
            "機密性２・完全性１・可用性１",
            "機密性１・完全性１・可用性１",
        ],
    );
    rows[1].name = "𠮷野家との契約書".to_owned();
    let err = assets_csv(&rows, CsvEncoding::ShiftJis).unwrap_err();
    assert!(
        matches!(&err, OrgExportError::NotShiftJis { line: 3, column, character: '𠮷', .. } if column == "名称"),
        "{err:?}"
    );
    // UTF-8 holds it and reads back.
    let bytes = assets_csv(&rows, CsvEncoding::Utf8Bom).unwrap();
    let parsed = parse_assets(
        &read_table("台帳.csv", &bytes).unwrap(),
        &units,
        &guideline(),
    );
    assert!(parsed.problems.is_empty(), "{:?}", parsed.problems);
    assert_eq!(parsed.rows[1].new.name, "𠮷野家との契約書");
}

// ---- size ----

#[test]
fn ten_thousand_rows_read_and_check() {
    let rows = many(10_000);
    let bytes = assets_csv(&rows, CsvEncoding::ShiftJis).unwrap();
    let table = read_table("台帳.csv", &bytes).unwrap();
    let parsed = parse_assets(&table, &units, &guideline());
    assert!(parsed.problems.is_empty(), "{:?}", &parsed.problems[..3]);
    assert_eq!(parsed.rows.len(), 10_000);
    assert_eq!(parsed.rows[9_999].line, 10_001);
}
