//! Importing and exporting people and units: the files as Excel writes them read right, every
//! check names its row and column, and an export imports again unchanged.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod org_sample;

use std::io::{Cursor, Read};

use calamine::{Data, Reader, Xlsx};
use mamori_domain::org::UnitKind;
use mamori_io::org_table::{
    CsvEncoding, OrgExportError, PEOPLE_HEADERS, ParentRef, PersonExportRow, PersonRow,
    PersonStatus, RowProblem, Table, TableError, UNIT_HEADERS, UnitExportRow, UnitRef, UnitRow,
    parse_people, parse_units, people_csv, people_xlsx, read_table, units_csv, units_xlsx,
};
use org_sample::{Cell, excel_sjis_csv, unit_resolver};

fn csv(text: &str) -> Table {
    read_table("test.csv", text.as_bytes()).unwrap()
}

fn problem(line: usize, column: &str, message: &str) -> RowProblem {
    RowProblem {
        line,
        column: Some(column.to_owned()),
        message: message.to_owned(),
    }
}

fn person_export(row: &PersonRow) -> PersonExportRow {
    PersonExportRow {
        staff_number: row.staff_number.clone(),
        name: row.name.clone(),
        name_kana: row.name_kana.clone(),
        unit: row.unit.0.clone(),
        title: row.title.clone(),
        employment_kind: row.employment_kind.clone(),
        email: row.email.clone(),
        status: row.status,
    }
}

fn unit_export(row: &UnitRow) -> UnitExportRow {
    UnitExportRow {
        code: row.code.clone(),
        name: row.name.clone(),
        kind: row.kind,
        parent: row.parent.as_ref().map(|p| match p {
            ParentRef::InFile(code) => code.clone(),
            ParentRef::Existing(unit) => unit.0.clone(),
        }),
        agency_kind: row.agency_kind.clone(),
    }
}

const HEADER: &str = "職員番号,氏名,ふりがな,所属,職名,雇用区分,メール,在職状況";

// ---- reading files ----

#[test]
fn a_shift_jis_csv_as_excel_saves_it_reads_with_its_japanese_intact() {
    let bytes = excel_sjis_csv(&[
        PEOPLE_HEADERS.to_vec(),
        vec![
            "00123",
            "髙橋　花子",
            "ﾀｶﾊｼ ﾊﾅｺ",
            "情報政策課",
            "主査",
            "職員",
            "takahashi@city.mihon.lg.jp",
            "",
        ],
        vec![
            "00124",
            "渡邉　①郎",
            "わたなべ いちろう",
            "0201",
            "課長補佐",
            "会計年度任用職員",
            "",
            "休職",
        ],
        vec!["", "", "", "", "", "", "", ""],
        vec![
            "00125",
            "齋藤 \"誠\"",
            "さいとう まこと",
            "税務課",
            "主事, 兼務",
            "非常勤職員",
            "",
            "退職",
        ],
    ]);
    assert!(
        std::str::from_utf8(&bytes).is_err(),
        "the sample is not UTF-8"
    );
    let table = read_table("職員名簿.csv", &bytes).unwrap();
    assert_eq!(table.headers, PEOPLE_HEADERS);
    assert_eq!(table.rows.len(), 3, "the empty row is left out");
    assert_eq!(table.rows[2].line, 5, "but counted");

    let parsed = parse_people(&table, &unit_resolver(), &[]);
    assert_eq!(parsed.problems, []);
    let people: Vec<(usize, &str, &str, &str, &str, PersonStatus)> = parsed
        .rows
        .iter()
        .map(|p| {
            (
                p.line,
                p.name.as_str(),
                p.name_kana.as_str(),
                p.unit.0.as_str(),
                p.title.as_str(),
                p.status,
            )
        })
        .collect();
    assert_eq!(
        people,
        [
            (
                2,
                "髙橋　花子",
                "ﾀｶﾊｼ ﾊﾅｺ",
                "0102",
                "主査",
                PersonStatus::Active
            ),
            (
                3,
                "渡邉　①郎",
                "わたなべ いちろう",
                "0201",
                "課長補佐",
                PersonStatus::OnLeave
            ),
            (
                5,
                "齋藤 \"誠\"",
                "さいとう まこと",
                "0202",
                "主事, 兼務",
                PersonStatus::Retired
            ),
        ]
    );
    assert_eq!(parsed.rows[0].staff_number, "00123");
    assert_eq!(
        parsed.rows[0].email.as_deref(),
        Some("takahashi@city.mihon.lg.jp")
    );
    assert_eq!(parsed.rows[1].email, None);
}

#[test]
fn utf8_with_and_without_bom_reads_and_the_bom_is_not_part_of_the_first_header() {
    let text = format!("{HEADER}\r\n00001,佐藤　太郎,さとう たろう,総務課,主事,職員,,\r\n");
    for bytes in [
        [b"\xEF\xBB\xBF".as_slice(), text.as_bytes()].concat(),
        text.as_bytes().to_vec(),
    ] {
        let table = read_table("people.csv", &bytes).unwrap();
        assert_eq!(table.headers[0], "職員番号");
        assert_eq!(table.rows[0].cells[1], "佐藤　太郎");
        assert_eq!(table.rows[0].line, 2);
    }
}

#[test]
fn bytes_that_are_neither_utf8_nor_shift_jis_give_the_encoding_error() {
    // 0x82 0xFF: a Shift_JIS lead byte followed by a byte no Shift_JIS character has.
    let bytes = b"\xE8\x81\xB7,x\r\n\x82\xFF,y\r\n";
    let err = read_table("people.csv", bytes).unwrap_err();
    assert_eq!(err, TableError::Encoding);
    assert_eq!(
        err.to_string(),
        "文字コードを判別できません（UTF-8 でも Shift_JIS でもありません）"
    );
}

#[test]
fn empty_headerless_and_foreign_files_are_refused_in_japanese() {
    assert_eq!(
        read_table("people.csv", b"").unwrap_err().to_string(),
        "ファイルが空です"
    );
    assert_eq!(
        read_table("people.csv", b"\xEF\xBB\xBF\r\n").unwrap_err(),
        TableError::Empty
    );
    assert_eq!(
        read_table("people.csv", b",,\r\n ,\r\n").unwrap_err(),
        TableError::NoHeader
    );
    assert_eq!(
        read_table("people.xlsx", &org_sample::xlsx(&[])).unwrap_err(),
        TableError::NoHeader
    );
    assert_eq!(
        read_table("名簿.pdf", b"%PDF").unwrap_err().to_string(),
        "「名簿.pdf」は読み込めない形式です。Excel ブック（.xlsx）か CSV ファイル（.csv）を選んでください"
    );
    assert!(
        read_table("名簿.xls", b"x")
            .unwrap_err()
            .to_string()
            .contains("Excel ブック（*.xlsx）")
    );
    let err = read_table("名簿.xlsx", b"not a zip").unwrap_err();
    assert!(matches!(err, TableError::Xlsx(_)), "{err:?}");
    assert!(
        err.to_string()
            .starts_with("Excel ファイル（.xlsx）を読み取れません")
    );
}

/// A register as typed into Excel: 職員番号 00123 entered as text, 123 as a number, cells with
/// stray spaces, and a row holding nothing but a full-width space.
fn typed_register() -> Vec<Vec<Cell<'static>>> {
    use Cell::{Empty, Number, Text};
    let mut header: Vec<Cell> = PEOPLE_HEADERS[..7].iter().map(|h| Text(h)).collect();
    header[0] = Text(" 職員番号 ");
    vec![
        header,
        vec![
            Text("00123"),
            Text("山本\u{3000}陽子\u{3000}"),
            Text("やまもと ようこ"),
            Text("0101"),
            Text("主任"),
            Text("職員"),
            Empty,
        ],
        vec![Empty, Text("\u{3000}"), Empty],
        vec![
            Number(123.0),
            Text("中村 誠"),
            Text("なかむら まこと"),
            Text("総務課"),
            Text("主事"),
            Text("職員"),
            Text("nakamura@city.mihon.lg.jp"),
        ],
    ]
}

#[test]
fn an_xlsx_keeps_leading_zeros_of_text_numbers_drops_dot_zero_and_counts_rows_as_excel() {
    let mut sheet = vec![vec![], vec![Cell::Number(101.0)]];
    sheet.extend(typed_register());
    let table = read_table("職員名簿.xlsx", &org_sample::xlsx(&sheet)).unwrap();
    // The first non-empty row is the header, even when it is not the one the layout wants.
    assert_eq!(table.header_line, 2);
    assert_eq!(table.headers, ["101"]);
    assert_eq!(table.rows[0].line, 3);
    assert_eq!(table.rows[0].cells[0], "職員番号", "trimmed");
    let lines: Vec<usize> = table.rows.iter().map(|r| r.line).collect();
    assert_eq!(lines, [3, 4, 6], "the row of spaces is empty and left out");
    assert_eq!(table.rows[1].cells[0], "00123");
    assert_eq!(table.rows[1].cells[1], "山本\u{3000}陽子");
    assert_eq!(table.rows[2].cells[0], "123");

    let mut sheet = vec![vec![]];
    sheet.extend(typed_register());
    let parsed = parse_people(
        &read_table("職員名簿.xlsx", &org_sample::xlsx(&sheet)).unwrap(),
        &unit_resolver(),
        &[],
    );
    assert_eq!(parsed.problems, []);
    let rows: Vec<(usize, &str, &str)> = parsed
        .rows
        .iter()
        .map(|p| (p.line, p.staff_number.as_str(), p.unit.0.as_str()))
        .collect();
    assert_eq!(rows, [(3, "00123", "0101"), (5, "123", "0101")]);
}

// ---- the people layout ----

#[test]
fn header_aliases_widths_and_spaces_are_understood() {
    let table = csv(
        "職員ID,\u{3000}氏　名 ,フリガナ,所属コード,所属名,役職,任用区分,ＥＭＡＩＬ,備考\r\n\
         7,小林 恵,コバヤシ メグミ,9999,市民課,主事,職員,kobayashi@city.mihon.lg.jp,本庁\r\n",
    );
    let parsed = parse_people(&table, &unit_resolver(), &[]);
    assert_eq!(parsed.problems, []);
    assert_eq!(parsed.missing_columns, Vec::<String>::new());
    let p = &parsed.rows[0];
    assert_eq!(
        (
            p.staff_number.as_str(),
            p.name.as_str(),
            p.name_kana.as_str(),
            p.unit.0.as_str(),
            p.title.as_str(),
            p.email.as_deref(),
            p.status
        ),
        (
            "7",
            "小林 恵",
            "コバヤシ メグミ",
            "0201",
            "主事",
            Some("kobayashi@city.mihon.lg.jp"),
            PersonStatus::Active
        ),
        "所属コード 9999 is unknown, so 所属名 decides"
    );
    for (header, column) in [
        ("よみがな", "ふりがな"),
        ("メールアドレス", "メール"),
        ("E-mail", "メール"),
        ("所属名", "所属"),
        ("職員ID", "職員番号"),
    ] {
        let headers = PEOPLE_HEADERS.map(|h| if h == column { header } else { h });
        let table = csv(&format!("{}\r\n", headers.join(",")));
        let parsed = parse_people(&table, &unit_resolver(), &[]);
        assert_eq!(parsed.missing_columns, Vec::<String>::new(), "{header}");
    }
}

#[test]
fn missing_columns_are_reported_all_together_on_the_header_line() {
    let table = csv("\r\n職員番号,氏名,所属名,備考\r\n1,佐藤 太郎,総務課,\r\n");
    let parsed = parse_people(&table, &unit_resolver(), &[]);
    assert_eq!(
        parsed.missing_columns,
        ["ふりがな", "職名", "雇用区分", "メール"]
    );
    assert_eq!(parsed.rows, []);
    assert_eq!(parsed.problems.len(), 1);
    let p = &parsed.problems[0];
    assert_eq!((p.line, p.column.as_deref()), (2, None));
    assert!(
        p.message
            .starts_with("必要な列がありません: ふりがな、職名、雇用区分、メール（2 行目を見出し行として読みました"),
        "{}",
        p.message
    );
}

#[test]
fn each_rule_on_people_gives_its_message_on_its_row() {
    let table = csv(&format!(
        "{HEADER}\r\n\
         00001,佐藤　太郎,さとう たろう,総務課,主事,職員,sato@city.mihon.lg.jp,\r\n\
         ,鈴木 花子,すずき はなこ,総務課,主事,職員,,\r\n\
         00003,,,,主事,職員,,\r\n\
         00004,田中 翔太,たなか しょうた,財政課,主事,職員,,\r\n\
         \r\n\
         00001,伊藤 由美,いとう ゆみ,市民課,主事,職員,,\r\n\
         00007,山本 大輔,やまもと だいすけ,市民課,主事,職員,yamamoto@city,\r\n\
         00008,中村 陽子,なかむら ようこ,市民課,主事,パート,,\r\n\
         00009,小林 誠,こばやし まこと,市民課,主事,,,\r\n\
         00010,加藤 恵,かとう めぐみ,市民課,主事,職員,,休み\r\n\
         00011,吉田 健一,吉田 けんいち,市民課,主事,職員,,\r\n\
         ００１２,齋藤 美咲,サイトウ ミサキ,0201,主事,再任用職員,ｓａｉｔｏ＠ｃｉｔｙ.ｍｉｈｏｎ.ｌｇ.ｊｐ,退職\r\n"
    ));
    let parsed = parse_people(&table, &unit_resolver(), &["再任用職員".to_owned()]);
    let kinds = "次のいずれかを入力してください: 職員、非常勤職員、会計年度任用職員、臨時職員、委託事業者の従業員、再任用職員";
    assert_eq!(
        parsed.problems,
        [
            problem(3, "職員番号", "職員番号が空です。必ず入力してください"),
            problem(4, "氏名", "氏名が空です。必ず入力してください"),
            problem(4, "所属", "所属が空です。必ず入力してください"),
            problem(5, "所属", "所属「財政課」が組織にありません"),
            problem(
                7,
                "職員番号",
                "職員番号「00001」が 2 行目と 7 行目で重複しています"
            ),
            problem(
                8,
                "メール",
                "メール「yamamoto@city」はメールアドレスの形式ではありません（例: yamada.taro@city.example.lg.jp）"
            ),
            problem(
                9,
                "雇用区分",
                &format!("雇用区分「パート」は使えません。{kinds}")
            ),
            problem(10, "雇用区分", &format!("雇用区分が空です。{kinds}")),
            problem(
                11,
                "在職状況",
                "在職状況「休み」は使えません。在職、休職、退職のいずれかを入力してください（空欄は在職）"
            ),
            problem(
                12,
                "ふりがな",
                "ふりがな「吉田 けんいち」にひらがな・カタカナ以外の文字「吉」があります"
            ),
        ]
    );
    let good: Vec<(usize, &str)> = parsed
        .rows
        .iter()
        .map(|p| (p.line, p.staff_number.as_str()))
        .collect();
    assert_eq!(good, [(2, "00001"), (13, "0012")]);
    let last = &parsed.rows[1];
    assert_eq!(last.email.as_deref(), Some("saito@city.mihon.lg.jp"));
    assert_eq!(last.employment_kind, "再任用職員");
    assert_eq!(last.status, PersonStatus::Retired);

    // Without the body's own kind, 再任用職員 is refused.
    let strict = parse_people(&table, &unit_resolver(), &[]);
    assert!(
        strict
            .problems
            .iter()
            .any(|p| p.line == 13 && p.message.starts_with("雇用区分「再任用職員」は使えません"))
    );
}

// ---- the units layout ----

fn unit_csv(rows: &[&str]) -> Table {
    csv(&format!(
        "{}\r\n{}\r\n",
        UNIT_HEADERS.join(","),
        rows.join("\r\n")
    ))
}

#[test]
fn the_sample_units_parse_with_their_tree() {
    let bytes = units_csv(&org_sample::units(), CsvEncoding::Utf8Bom).unwrap();
    let parsed = parse_units(&read_table("組織.csv", &bytes).unwrap(), None);
    assert_eq!(parsed.problems, []);
    assert_eq!(parsed.rows.len(), 14);
    let team = parsed.rows.iter().find(|u| u.code == "010201").unwrap();
    assert_eq!(team.kind, UnitKind::Team);
    assert_eq!(team.parent, Some(ParentRef::InFile("0102".to_owned())));
}

#[test]
fn parents_are_found_by_code_or_name_in_the_file_or_among_existing_units_and_come_first() {
    let table = unit_csv(&[
        "0301,高齢介護課,課室,健康福祉部,内部部局",
        "030101,介護保険係,係,0301,内部部局",
        "03,健康福祉部,部局,,内部部局",
        "0401,防災課,課室,危機管理部,内部部局",
    ]);
    let existing = |text: &str| (text == "危機管理部").then(|| UnitRef("unit-7".to_owned()));
    let parsed = parse_units(&table, Some(&existing));
    assert_eq!(parsed.problems, []);
    let parents: Vec<(&str, Option<&ParentRef>)> = parsed
        .rows
        .iter()
        .map(|u| (u.code.as_str(), u.parent.as_ref()))
        .collect();
    assert_eq!(
        parents,
        [
            ("0301", Some(&ParentRef::InFile("03".to_owned()))),
            ("030101", Some(&ParentRef::InFile("0301".to_owned()))),
            ("03", None),
            (
                "0401",
                Some(&ParentRef::Existing(UnitRef("unit-7".to_owned())))
            ),
        ]
    );
    let order: Vec<&str> = parsed
        .parents_first()
        .iter()
        .map(|u| u.code.as_str())
        .collect();
    assert_eq!(order, ["03", "0401", "0301", "030101"]);
}

#[test]
fn each_rule_on_units_gives_its_message_on_its_row() {
    let table = unit_csv(&[
        "01,総務部,部局,,内部部局",
        ",企画課,課室,01,内部部局",
        "0102,,課室,01,内部部局",
        "01,財政部,部局,,内部部局",
        "0104,人事課,課,01,内部部局",
        "0105,契約課,課室,契約管財部,内部部局",
        "0106,文書課,課室,,内部部局",
        "0107,法務課,課室,01,",
        "20,市民部,部局,01,内部部局",
        "2001,総務課,課室,2002,内部部局",
        "2002,市民課,課室,2001,内部部局",
        "2003,自立課,課室,2003,内部部局",
        "8001,総務課,課室,01,教育委員会",
        "200101,庶務係,係,総務課,内部部局",
    ]);
    let parsed = parse_units(&table, None);
    let parent = "上位組織";
    assert_eq!(
        parsed.problems,
        [
            problem(3, "組織コード", "組織コードが空です。必ず入力してください"),
            problem(4, "組織名", "組織名が空です。必ず入力してください"),
            problem(
                5,
                "組織コード",
                "組織コード「01」が 2 行目と 5 行目で重複しています"
            ),
            problem(
                6,
                "種別",
                "種別「課」は使えません。部局、課室、係のいずれかを入力してください"
            ),
            problem(
                7,
                parent,
                "上位組織「契約管財部」が見つかりません（このファイルにも登録済みの組織にもありません）"
            ),
            problem(8, parent, "種別が課室の組織には上位組織が必要です"),
            problem(
                9,
                "行政機関",
                "行政機関が空です。必ず入力してください（内部部局、行政委員会、教育委員会、議会事務局、消防本部、地方公営企業 など）"
            ),
            problem(
                10,
                parent,
                "種別が部局の組織には上位組織を入力しません（空欄にしてください）"
            ),
            problem(
                11,
                parent,
                "上位組織をたどると元の組織に戻ります（11 行目 → 12 行目 → 11 行目）"
            ),
            problem(
                12,
                parent,
                "上位組織をたどると元の組織に戻ります（12 行目 → 11 行目 → 12 行目）"
            ),
            problem(
                13,
                parent,
                "上位組織をたどると元の組織に戻ります（13 行目 → 13 行目）"
            ),
            problem(
                15,
                parent,
                "上位組織「総務課」という名前の組織が 11、14 行目にあり、どれか決まりません。組織コードで指定してください"
            ),
        ]
    );
    let good: Vec<&str> = parsed.rows.iter().map(|u| u.code.as_str()).collect();
    assert_eq!(good, ["01", "8001"]);
}

#[test]
fn missing_unit_columns_are_reported_together() {
    let parsed = parse_units(&csv("組織名,上位組織\r\n総務部,\r\n"), None);
    assert_eq!(parsed.missing_columns, ["組織コード", "種別", "行政機関"]);
    assert_eq!(parsed.problems.len(), 1);
    assert_eq!(parsed.problems[0].line, 1);
}

// ---- export and round trip ----

fn read_people(name: &str, bytes: &[u8]) -> Vec<PersonExportRow> {
    let parsed = parse_people(&read_table(name, bytes).unwrap(), &unit_resolver(), &[]);
    assert_eq!(parsed.problems, [], "{name}");
    parsed.rows.iter().map(person_export).collect()
}

fn read_units(name: &str, bytes: &[u8]) -> Vec<UnitExportRow> {
    let parsed = parse_units(&read_table(name, bytes).unwrap(), None);
    assert_eq!(parsed.problems, [], "{name}");
    parsed.rows.iter().map(unit_export).collect()
}

#[test]
fn people_exported_in_any_format_import_unchanged() {
    let people = org_sample::people(120);
    assert_eq!(
        read_people("職員.xlsx", &people_xlsx(&people).unwrap()),
        people
    );
    for encoding in [CsvEncoding::Utf8Bom, CsvEncoding::ShiftJis] {
        let bytes = people_csv(&people, encoding).unwrap();
        assert_eq!(read_people("職員.csv", &bytes), people, "{encoding:?}");
    }
}

#[test]
fn units_exported_in_any_format_import_unchanged() {
    let units = org_sample::units();
    assert_eq!(read_units("組織.xlsx", &units_xlsx(&units).unwrap()), units);
    for encoding in [CsvEncoding::Utf8Bom, CsvEncoding::ShiftJis] {
        let bytes = units_csv(&units, encoding).unwrap();
        assert_eq!(read_units("組織.csv", &bytes), units, "{encoding:?}");
    }
}

#[test]
fn the_csv_exports_are_what_excel_expects() {
    let people = org_sample::people(2);
    let utf8 = people_csv(&people, CsvEncoding::Utf8Bom).unwrap();
    assert!(utf8.starts_with(b"\xEF\xBB\xBF\xE8\x81\xB7")); // BOM, 職
    let text = std::str::from_utf8(&utf8[3..]).unwrap();
    assert_eq!(text.lines().next(), Some(HEADER));
    assert_eq!(text.matches("\r\n").count(), 3);
    assert!(text.contains("00001,"));

    let sjis = people_csv(&people, CsvEncoding::ShiftJis).unwrap();
    assert!(sjis.starts_with(&[0x90, 0x45])); // 職 in Shift_JIS
    let (decoded, _, bad) = encoding_rs::SHIFT_JIS.decode(&sjis);
    assert!(!bad);
    assert_eq!(decoded, text);
}

#[test]
fn a_name_shift_jis_lacks_is_named_instead_of_written_wrong() {
    let mut people = org_sample::people(3);
    people[1].name = "𠮷田 太郎".to_owned();
    let err = people_csv(&people, CsvEncoding::ShiftJis).unwrap_err();
    assert!(
        matches!(&err, OrgExportError::NotShiftJis { line: 3, column, character: '𠮷', .. } if column == "氏名"),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        "3 行目の氏名「𠮷田 太郎」に Shift_JIS で表せない文字「𠮷」があります。文字コードを UTF-8 にして書き出してください"
    );
    // UTF-8 holds it, and it reads back.
    let bytes = people_csv(&people, CsvEncoding::Utf8Bom).unwrap();
    assert_eq!(read_people("職員.csv", &bytes), people);
}

#[test]
fn the_people_workbook_has_a_bold_frozen_filterable_header_and_text_staff_numbers() {
    let people = org_sample::people(3);
    let bytes = people_xlsx(&people).unwrap();

    let mut book: Xlsx<_> = Xlsx::new(Cursor::new(bytes.clone())).unwrap();
    assert_eq!(book.sheet_names(), ["職員"]);
    let range = book.worksheet_range("職員").unwrap();
    let rows: Vec<&[Data]> = range.rows().collect();
    let headers: Vec<String> = rows[0].iter().map(ToString::to_string).collect();
    assert_eq!(headers, PEOPLE_HEADERS);
    assert_eq!(rows[1][0], Data::String("00001".to_owned()));

    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
    let mut sheet = String::new();
    zip.by_name("xl/worksheets/sheet1.xml")
        .unwrap()
        .read_to_string(&mut sheet)
        .unwrap();
    assert!(sheet.contains(r#"state="frozen""#), "{sheet}");
    assert!(sheet.contains(r#"<autoFilter ref="A1:H4"/>"#), "{sheet}");
    assert!(sheet.contains("<cols>"), "column widths");
    let mut styles = String::new();
    zip.by_name("xl/styles.xml")
        .unwrap()
        .read_to_string(&mut styles)
        .unwrap();
    assert!(styles.contains("<b/>"), "bold header");
    assert!(
        styles.contains(r#"formatCode="@""#),
        "text format for codes"
    );
}

/// A register as kept in Excel: a title merged across the columns, a blank row, then the header.
#[test]
fn a_workbook_with_a_merged_title_above_the_header_reads_from_the_header_row() {
    use rust_xlsxwriter::{Format, Workbook};
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    let title = Format::new().set_bold();
    sheet
        .merge_range(0, 0, 0, 6, "職員名簿（令和8年4月1日現在）", &title)
        .unwrap();
    for (col, h) in [
        "職員番号",
        "氏名",
        "ふりがな",
        "所属",
        "職名",
        "雇用区分",
        "メール",
    ]
    .iter()
    .enumerate()
    {
        sheet.write_string(2, col as u16, *h).unwrap();
    }
    let unit = org_sample::units()[1].name.clone();
    for (col, v) in [
        "00123",
        "北村 三郎",
        "きたむら さぶろう",
        unit.as_str(),
        "主事",
        "職員",
        "",
    ]
    .iter()
    .enumerate()
    {
        sheet.write_string(3, col as u16, *v).unwrap();
    }
    let bytes = book.save_to_buffer().unwrap();
    let table = read_table("職員名簿.xlsx", &bytes).unwrap();
    let parsed = parse_people(&table, &unit_resolver(), &[]);
    assert!(parsed.problems.is_empty(), "{:?}", parsed.problems);
    assert_eq!(parsed.rows.len(), 1);
    assert_eq!(parsed.rows[0].staff_number, "00123");
    assert_eq!(parsed.rows[0].line, 4, "the row number Excel shows");
}

#[test]
fn a_cell_that_would_run_as_a_formula_is_written_inert_and_reads_back_unchanged() {
    let mut people = org_sample::people(7);
    let payloads = [
        "=cmd|' /C calc'!A0",
        "+SUM(1)",
        "-2+3",
        "@SUM(1)",
        "=HYPERLINK(\"http://evil.example\")",
        "'=already quoted",
    ];
    for (person, payload) in people.iter_mut().zip(payloads) {
        person.title = payload.to_owned();
    }
    for encoding in [CsvEncoding::Utf8Bom, CsvEncoding::ShiftJis] {
        let bytes = people_csv(&people, encoding).unwrap();
        let (text, _, _) = encoding_rs::SHIFT_JIS.decode(&bytes);
        let text = if encoding == CsvEncoding::Utf8Bom {
            String::from_utf8(bytes[3..].to_vec()).unwrap()
        } else {
            text.into_owned()
        };
        // No field starts with a formula lead: each got its apostrophe.
        for record in text.lines().skip(1) {
            for field in record.split(',') {
                let field = field.trim_start_matches('"');
                assert!(
                    !field.starts_with(['=', '+', '-', '@', '\t', '\r']),
                    "{field} in {record}"
                );
            }
        }
        assert!(text.contains("'=cmd|' /C calc'!A0"), "{text}");
        assert!(text.contains("''=already quoted"), "{text}");
        assert_eq!(read_people("職員.csv", &bytes), people, "{encoding:?}");
    }
    // The workbook writes them as text cells, which no spreadsheet runs, and reads them back.
    assert_eq!(
        read_people("職員.xlsx", &people_xlsx(&people).unwrap()),
        people
    );
}
