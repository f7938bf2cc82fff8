//! A small, realistic みほん市 as the files its staff would keep: the units of a few 部局, a
//! register of people of any length, and the raw bytes Excel would write for a sheet (Shift_JIS
//! CSV with CRLF, or an `.xlsx` with text and number cells). Used by the tests and the timing
//! example; nothing here is committed as a binary file.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::HashMap;

use mamori_domain::org::UnitKind;
use mamori_io::org_table::{PersonExportRow, PersonStatus, UnitExportRow, UnitRef};
use rust_xlsxwriter::Workbook;

/// (組織コード, 組織名, 種別, 上位組織, 行政機関)
const UNITS: [(&str, &str, UnitKind, &str, &str); 14] = [
    ("01", "総務部", UnitKind::Department, "", "内部部局"),
    ("0101", "総務課", UnitKind::Section, "01", "内部部局"),
    ("0102", "情報政策課", UnitKind::Section, "01", "内部部局"),
    (
        "010201",
        "情報システム係",
        UnitKind::Team,
        "0102",
        "内部部局",
    ),
    ("02", "市民生活部", UnitKind::Department, "", "内部部局"),
    ("0201", "市民課", UnitKind::Section, "02", "内部部局"),
    ("0202", "税務課", UnitKind::Section, "02", "内部部局"),
    ("03", "健康福祉部", UnitKind::Department, "", "内部部局"),
    ("0301", "高齢介護課", UnitKind::Section, "03", "内部部局"),
    (
        "80",
        "教育委員会事務局",
        UnitKind::Department,
        "",
        "教育委員会",
    ),
    ("8001", "学校教育課", UnitKind::Section, "80", "教育委員会"),
    ("85", "議会事務局", UnitKind::Department, "", "議会事務局"),
    ("90", "上下水道局", UnitKind::Department, "", "地方公営企業"),
    (
        "9001",
        "経営総務課",
        UnitKind::Section,
        "90",
        "地方公営企業",
    ),
];

pub fn units() -> Vec<UnitExportRow> {
    UNITS
        .iter()
        .map(|&(code, name, kind, parent, agency)| UnitExportRow {
            code: code.to_owned(),
            name: name.to_owned(),
            kind,
            parent: (!parent.is_empty()).then(|| parent.to_owned()),
            agency_kind: agency.to_owned(),
        })
        .collect()
}

/// A resolver over the sample units: a code or a name gives the code as the key.
pub fn unit_resolver() -> impl Fn(&str) -> Option<UnitRef> {
    let mut known: HashMap<String, String> = HashMap::new();
    for u in units() {
        known.insert(u.name.clone(), u.code.clone());
        known.insert(u.code.clone(), u.code);
    }
    move |text: &str| known.get(text).map(|code| UnitRef(code.clone()))
}

const FAMILY: [(&str, &str); 12] = [
    ("佐藤", "さとう"),
    ("鈴木", "すずき"),
    ("髙橋", "たかはし"),
    ("田中", "たなか"),
    ("渡邉", "わたなべ"),
    ("伊藤", "いとう"),
    ("山本", "やまもと"),
    ("中村", "なかむら"),
    ("小林", "こばやし"),
    ("加藤", "かとう"),
    ("吉田", "よしだ"),
    ("齋藤", "さいとう"),
];
const GIVEN: [(&str, &str); 10] = [
    ("太郎", "たろう"),
    ("花子", "はなこ"),
    ("翔太", "しょうた"),
    ("美咲", "みさき"),
    ("健一", "けんいち"),
    ("由美", "ゆみ"),
    ("大輔", "だいすけ"),
    ("陽子", "ようこ"),
    ("誠", "まこと"),
    ("恵", "めぐみ"),
];
const TITLES: [&str; 6] = ["主事", "主任", "主査", "係長", "課長補佐", "課長"];
const KINDS: [&str; 5] = [
    "職員",
    "職員",
    "会計年度任用職員",
    "非常勤職員",
    "委託事業者の従業員",
];

/// `n` people spread over the 課室 and 係 of the sample, staff numbers with leading zeros.
pub fn people(n: usize) -> Vec<PersonExportRow> {
    let sections: Vec<UnitExportRow> = units()
        .into_iter()
        .filter(|u| u.kind != UnitKind::Department)
        .collect();
    (0..n)
        .map(|i| {
            let (family, family_kana) = FAMILY[i % FAMILY.len()];
            let (given, given_kana) = GIVEN[(i / FAMILY.len()) % GIVEN.len()];
            let kana = if i % 3 == 0 {
                // Some registers keep ふりがな in katakana.
                format!("{family_kana} {given_kana}")
                    .chars()
                    .map(|c| match c {
                        'ぁ'..='ゖ' => char::from_u32(c as u32 + 0x60).unwrap(),
                        _ => c,
                    })
                    .collect()
            } else {
                format!("{family_kana}\u{3000}{given_kana}")
            };
            PersonExportRow {
                staff_number: format!("{:05}", i + 1),
                name: format!("{family}\u{3000}{given}"),
                name_kana: kana,
                unit: sections[i % sections.len()].code.clone(),
                title: TITLES[i % TITLES.len()].to_owned(),
                employment_kind: KINDS[i % KINDS.len()].to_owned(),
                email: (i % 7 != 6).then(|| format!("s{:05}@city.mihon.lg.jp", i + 1)),
                status: match i % 50 {
                    10 => PersonStatus::OnLeave,
                    20 => PersonStatus::Retired,
                    _ => PersonStatus::Active,
                },
            }
        })
        .collect()
}

/// A sheet saved by Excel as 「CSV (コンマ区切り)」 on Japanese Windows: Shift_JIS, CRLF after
/// every row, quotes only around fields that need them.
pub fn excel_sjis_csv(rows: &[Vec<&str>]) -> Vec<u8> {
    let mut text = String::new();
    for row in rows {
        let fields: Vec<String> = row
            .iter()
            .map(|f| {
                if f.contains([',', '"', '\r', '\n']) {
                    format!("\"{}\"", f.replace('"', "\"\""))
                } else {
                    (*f).to_owned()
                }
            })
            .collect();
        text.push_str(&fields.join(","));
        text.push_str("\r\n");
    }
    let (bytes, _, unmappable) = encoding_rs::SHIFT_JIS.encode(&text);
    assert!(!unmappable, "the sample must be Shift_JIS");
    bytes.into_owned()
}

/// A cell of a hand-made workbook.
#[derive(Debug, Clone, Copy)]
pub enum Cell<'a> {
    Text(&'a str),
    Number(f64),
    Empty,
}

/// A workbook of one sheet with `rows` from the top-left cell, as someone typed it into Excel.
pub fn xlsx(rows: &[Vec<Cell>]) -> Vec<u8> {
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name("職員名簿").unwrap();
    for (r, row) in rows.iter().enumerate() {
        for (c, cell) in row.iter().enumerate() {
            let (r, c) = (r as u32, c as u16);
            match cell {
                Cell::Text(t) => {
                    sheet.write_string(r, c, *t).unwrap();
                }
                Cell::Number(n) => {
                    sheet.write_number(r, c, *n).unwrap();
                }
                Cell::Empty => {}
            }
        }
    }
    book.save_to_buffer().unwrap()
}
