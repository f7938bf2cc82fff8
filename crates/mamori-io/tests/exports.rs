//! The exports read back: the workbook with a spreadsheet reader, the OSCAL catalog checked for
//! the fields and id syntax the OSCAL 1.1 schema requires.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::HashSet;
use std::io::Cursor;

use calamine::{Data, Reader, Xlsx};
use chrono::{TimeZone, Utc};
use mamori_catalog::{Catalog, load_embedded};
use serde_json::Value;

fn catalog() -> Catalog {
    load_embedded().unwrap()
}

fn cell(row: &[Data], col: usize) -> String {
    match &row[col] {
        Data::String(s) => s.clone(),
        Data::Empty => String::new(),
        other => panic!("unexpected cell {other:?}"),
    }
}

#[test]
fn the_workbook_reads_back_with_headers_and_one_row_per_clause() {
    let bytes = mamori_io::xlsx::catalog_workbook(&catalog()).unwrap();
    let mut book: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).unwrap();
    assert_eq!(book.sheet_names(), vec![mamori_io::xlsx::SHEET_NAME]);
    let range = book.worksheet_range(mamori_io::xlsx::SHEET_NAME).unwrap();
    let rows: Vec<&[Data]> = range.rows().collect();
    let headers: Vec<String> = (0..9).map(|c| cell(rows[0], c)).collect();
    assert_eq!(
        headers,
        [
            "ID",
            "章",
            "節",
            "タイトル",
            "推奨",
            "成果物",
            "役割と権限",
            "例文",
            "解説"
        ]
    );
    assert_eq!(rows.len(), 1 + 373);
    let row = rows
        .iter()
        .find(|r| cell(r, 0) == "S-2.(2)⑧(イ)")
        .expect("the 運搬 clause");
    assert_eq!(cell(row, 1), "2 情報資産の分類と管理");
    assert_eq!(cell(row, 3), "情報資産運搬の許可");
    assert_eq!(cell(row, 4), "");
    assert!(cell(row, 5).starts_with("許可・承認"));
    assert!(cell(row, 6).contains("許 情報セキュリティ管理者"));
    assert!(cell(row, 7).contains("情報セキュリティ管理者に許可を得なければならない"));
    let recommended = rows[1..].iter().filter(|r| cell(r, 4) == "推奨").count();
    assert_eq!(recommended, 17);
}

fn walk<'a>(groups: &'a [Value], controls: &mut Vec<&'a Value>, group_ids: &mut Vec<&'a str>) {
    for g in groups {
        group_ids.push(g["id"].as_str().unwrap());
        assert!(g["title"].is_string());
        if let Some(cs) = g["controls"].as_array() {
            controls.extend(cs);
        }
        if let Some(gs) = g["groups"].as_array() {
            walk(gs, controls, group_ids);
        }
    }
}

#[test]
fn the_oscal_catalog_has_the_required_fields_and_valid_unique_ids() {
    let now = Utc.with_ymd_and_hms(2026, 6, 1, 1, 0, 0).unwrap();
    let doc = mamori_io::oscal::catalog(&catalog(), now);
    let json: Value = serde_json::from_slice(&mamori_io::oscal::to_json(&doc).unwrap()).unwrap();
    let cat = &json["catalog"];
    let uuid = cat["uuid"].as_str().unwrap();
    assert!(uuid::Uuid::parse_str(uuid).is_ok(), "{uuid}");
    let meta = &cat["metadata"];
    assert!(meta["title"].as_str().unwrap().contains("ガイドライン"));
    assert_eq!(meta["last-modified"], "2026-06-01T01:00:00Z");
    assert_eq!(meta["version"], "2018-09");
    assert_eq!(meta["oscal-version"], "1.1.2");

    let token = regex::Regex::new(r"^[_a-zA-Z][\w\-.]*$").unwrap();
    let mut controls = Vec::new();
    let mut group_ids = Vec::new();
    walk(
        cat["groups"].as_array().unwrap(),
        &mut controls,
        &mut group_ids,
    );
    assert_eq!(controls.len(), 373);
    let mut ids = HashSet::new();
    for id in group_ids
        .iter()
        .copied()
        .chain(controls.iter().map(|c| c["id"].as_str().unwrap()))
    {
        assert!(token.is_match(id) && id.is_ascii(), "bad id {id}");
        assert!(ids.insert(id), "duplicate id {id}");
    }
    let c = controls
        .iter()
        .find(|c| c["id"] == "s-2_2_c8_i")
        .expect("S-2.(2)⑧(イ)");
    assert_eq!(c["title"], "情報資産運搬の許可");
    let props = c["props"].as_array().unwrap();
    assert!(
        props
            .iter()
            .any(|p| p["name"] == "label" && p["value"] == "S-2.(2)⑧(イ)")
    );
    assert!(props.iter().any(|p| p["name"] == "role"
        && p["value"] == "security_manager"
        && p["class"] == "permits"));
    assert!(
        props
            .iter()
            .any(|p| p["name"] == "recommended" && p["value"] == "false")
    );
    let statement = &c["parts"][0];
    assert_eq!(statement["name"], "statement");
    assert!(
        statement["prose"]
            .as_str()
            .unwrap()
            .contains("運搬する者は")
    );
    for c in &controls {
        for p in c["parts"].as_array().unwrap() {
            assert!(token.is_match(p["id"].as_str().unwrap()));
            assert!(!p["prose"].as_str().unwrap().is_empty());
        }
        for p in c["props"].as_array().unwrap() {
            assert!(!p["value"].as_str().unwrap().is_empty());
        }
    }
    let recommended = controls
        .iter()
        .filter(|c| {
            c["props"]
                .as_array()
                .unwrap()
                .iter()
                .any(|p| p["name"] == "recommended" && p["value"] == "true")
        })
        .count();
    assert_eq!(recommended, 17);
    let guidance = controls
        .iter()
        .filter(|c| c["parts"].as_array().unwrap().len() == 2)
        .count();
    assert!(guidance > 100, "{guidance} controls with 解説");
}
