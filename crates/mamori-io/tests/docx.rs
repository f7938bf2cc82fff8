//! The Word publication read back: the package is a zip whose `word/document.xml` holds the
//! document's text in reading order, its tables as Word tables and its Japanese fonts.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::{Cursor, Read};

use mamori_io::docx::policy_docx;
use mamori_io::policy_document::{DocBlock, DocPart, HistoryRow, Marking, PolicyDocument};
use regex::Regex;

fn heading(level: u8, number: &str, title: &str, anchor: &str) -> DocBlock {
    DocBlock::Heading {
        level,
        number: number.into(),
        title: title.into(),
        anchor: anchor.into(),
    }
}

fn clause(text: &str) -> DocBlock {
    DocBlock::Clause {
        text: text.into(),
        amended: false,
        recommended: false,
        local: false,
        number: None,
        title: None,
    }
}

fn sample(in_force: bool) -> PolicyDocument {
    let history = [
        ("第1版", "制定", "平成14年4月1日"),
        ("第2版", "一部改正", "令和2年4月1日"),
        ("第3版", "一部改正", "令和5年4月1日"),
    ]
    .into_iter()
    .map(|(e, k, d)| HistoryRow {
        edition: e.into(),
        kind: k.into(),
        date: d.into(),
    })
    .collect();
    PolicyDocument {
        body_name: "みほん市".into(),
        title: "みほん市情報セキュリティポリシー".into(),
        edition_label: "第3版".into(),
        revision_kind: "一部改正".into(),
        status: if in_force { "施行中" } else { "下書き" }.into(),
        draft: !in_force,
        decided_on: Some("令和5年3月20日".into()),
        effective_from: Some("令和5年4月1日".into()),
        history,
        parts: vec![
            DocPart {
                title: "情報セキュリティ基本方針".into(),
                marking: Marking::Public,
                blocks: vec![
                    heading(1, "第1章", "目的", "kihon-1"),
                    clause("本基本方針は、みほん市が保有する情報資産の機密性を維持することを目的とする。"),
                ],
            },
            DocPart {
                title: "情報セキュリティ対策基準".into(),
                marking: Marking::Internal,
                blocks: vec![
                    heading(1, "第2章", "組織体制", "taisaku-2"),
                    heading(2, "1", "最高情報セキュリティ責任者", "taisaku-2-1"),
                    DocBlock::LeadIn {
                        text: "CISOは、次の事務を行う。".into(),
                    },
                    heading(3, "（1）", "任命", "taisaku-2-1-1"),
                    clause("①　副市長をCISOとする。\n②　CISOは、情報セキュリティに関する最終決定権限を有する。"),
                    heading(4, "⑧", "委任", "taisaku-2-1-1-8"),
                    clause("（ア）　CISOは、権限の一部を委任することができる。"),
                    DocBlock::Clause {
                        text: "CIO補佐官は、CISOを技術的に補佐する。".into(),
                        amended: false,
                        recommended: false,
                        local: true,
                        number: Some("（独自1）".into()),
                        title: Some("CIO補佐官".into()),
                    },
                    DocBlock::Table {
                        caption: "表1　機密性による情報資産の分類".into(),
                        header: vec!["分類".into(), "分類基準".into(), "取扱制限".into()],
                        rows: vec![
                            vec![
                                "機密性3".into(),
                                "行政事務で取り扱う情報資産のうち秘密文書に相当する機密性を要するもの".into(),
                                "支給以外の端末での作業の原則禁止".into(),
                            ],
                            vec!["機密性2".into(), "直ちに一般に公表することを前提としていないもの".into(), "必要以上の複製及び配付禁止".into()],
                        ],
                    },
                ],
            },
        ],
    }
}

fn part(bytes: &[u8], name: &str) -> Option<String> {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
    let mut file = zip.by_name(name).ok()?;
    let mut s = String::new();
    file.read_to_string(&mut s).unwrap();
    Some(s)
}

fn document_xml(bytes: &[u8]) -> String {
    part(bytes, "word/document.xml").expect("word/document.xml")
}

/// The text of the `<w:t>` elements in document order.
fn texts(xml: &str) -> Vec<String> {
    let re = Regex::new(r"<w:t(?:\s[^>]*)?>([^<]*)</w:t>").unwrap();
    re.captures_iter(xml).map(|c| unescape(&c[1])).collect()
}

fn unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&amp;", "&")
}

/// Each expected string occurs in a `<w:t>` at or after the previous one's.
fn assert_in_order(texts: &[String], expected: &[&str]) {
    let mut from = 0;
    for want in expected {
        match texts[from..].iter().position(|t| t.contains(want)) {
            Some(i) => from += i,
            None => panic!(
                "「{want}」 not found after position {from}; texts: {:#?}",
                &texts[from..]
            ),
        }
    }
}

#[test]
fn the_document_holds_the_text_in_reading_order() {
    let bytes = policy_docx(&sample(true)).unwrap();
    // For looking at the rendering by hand (LibreOffice, Word): not a check of its own.
    if let Some(path) = std::env::var_os("MAMORI_DOCX_SAMPLE") {
        std::fs::write(path, &bytes).unwrap();
    }
    assert_eq!(&bytes[..2], b"PK", "a zip package");
    let texts = texts(&document_xml(&bytes));
    assert_in_order(
        &texts,
        &[
            "みほん市",
            "みほん市情報セキュリティポリシー",
            "第3版",
            "一部改正",
            "令和5年3月20日",
            "令和5年4月1日",
            // 改定履歴, oldest first
            "改定履歴",
            "第1版",
            "平成14年4月1日",
            "第2版",
            "令和2年4月1日",
            "令和5年4月1日",
            // 目次
            "目次",
            "情報セキュリティ基本方針",
            "第1章　目的",
            "情報セキュリティ対策基準",
            "第2章　組織体制",
            "1　最高情報セキュリティ責任者",
            // body
            "情報セキュリティ基本方針",
            "第1章　目的",
            "本基本方針は、",
            "情報セキュリティ対策基準",
            "第2章　組織体制",
            "1　最高情報セキュリティ責任者",
            "CISOは、次の事務を行う。",
            "（1）　任命",
            "①　副市長をCISOとする。",
            "②　CISOは、情報セキュリティに関する最終決定権限を有する。",
            "⑧　委任",
            "（ア）　CISOは、権限の一部を委任することができる。",
            "（独自1）　CIO補佐官",
            "CIO補佐官は、CISOを技術的に補佐する。",
            "表1　機密性による情報資産の分類",
            "機密性3",
            "機密性2",
        ],
    );
    // Level-3 headings are not in the table of contents: 「（1）　任命」 occurs once, in the body.
    assert_eq!(
        texts.iter().filter(|t| t.contains("（1）　任命")).count(),
        1
    );
    // The two paragraphs of a clause are two paragraphs, not one.
    assert!(!texts.iter().any(|t| t.contains('\n')));
    // Published plainly: no 「（案）」 on an edition in force.
    assert!(!texts.iter().any(|t| t.contains("（案）")));
}

#[test]
fn tables_are_word_tables() {
    let xml = document_xml(&policy_docx(&sample(true)).unwrap());
    let tables: Vec<&str> = xml
        .split("<w:tbl>")
        .skip(1)
        .map(|t| t.split("</w:tbl>").next().unwrap())
        .collect();
    assert_eq!(tables.len(), 2, "改定履歴 and the classification table");
    let history = texts(tables[0]);
    for want in [
        "版",
        "区分",
        "施行日",
        "第1版",
        "制定",
        "平成14年4月1日",
        "第3版",
    ] {
        assert!(history.iter().any(|t| t == want), "{want} in {history:?}");
    }
    let classification = texts(tables[1]);
    for want in [
        "分類",
        "分類基準",
        "取扱制限",
        "機密性3",
        "機密性2",
        "必要以上の複製及び配付禁止",
    ] {
        assert!(
            classification.iter().any(|t| t == want),
            "{want} in {classification:?}"
        );
    }
    assert!(
        tables[1].contains("<w:tblBorders>"),
        "the table has borders"
    );
}

#[test]
fn japanese_fonts_and_heading_styles_are_set() {
    let bytes = policy_docx(&sample(true)).unwrap();
    let styles = part(&bytes, "word/styles.xml").unwrap();
    assert!(
        styles.contains(r#"w:eastAsia="ＭＳ 明朝""#),
        "body font in the defaults"
    );
    assert!(
        styles.contains(r#"w:eastAsia="ＭＳ ゴシック""#),
        "heading font"
    );
    assert!(styles.contains(r#"w:ascii="Century""#));
    assert!(styles.contains(r#"w:sz w:val="21""#), "10.5pt body");
    for level in 1..=4 {
        assert!(styles.contains(&format!(r#"w:styleId="Heading{level}""#)));
    }
    let xml = document_xml(&bytes);
    assert!(
        xml.contains(r#"<w:pStyle w:val="Heading2" />"#)
            || xml.contains(r#"<w:pStyle w:val="Heading2"/>"#)
    );
    assert!(xml.contains("TOC "), "a TOC field Word can update");
    assert!(
        xml.contains(r#"w:w="11906""#) && xml.contains(r#"w:h="16838""#),
        "A4"
    );
}

#[test]
fn internal_part_is_marked_in_its_header_and_pages_are_numbered() {
    let bytes = policy_docx(&sample(true)).unwrap();
    let mut zip = zip::ZipArchive::new(Cursor::new(&bytes[..])).unwrap();
    let names: Vec<String> = zip.file_names().map(String::from).collect();
    let mut headers = String::new();
    let mut footers = String::new();
    for name in names {
        let mut s = String::new();
        zip.by_name(&name).unwrap().read_to_string(&mut s).unwrap();
        if name.starts_with("word/header") {
            headers.push_str(&s);
        } else if name.starts_with("word/footer") {
            footers.push_str(&s);
        }
    }
    assert!(headers.contains("庁内限り"));
    assert!(footers.contains("PAGE"), "a PAGE field in the footer");
    assert!(footers.contains("- "));
}

#[test]
fn a_draft_prints_an() {
    let xml = document_xml(&policy_docx(&sample(false)).unwrap());
    assert!(texts(&xml).iter().any(|t| t == "第3版（案）"));
}

#[test]
fn the_public_part_alone_carries_no_internal_marking() {
    let mut doc = sample(true);
    doc.parts.truncate(1);
    let bytes = policy_docx(&doc).unwrap();
    let texts = texts(&document_xml(&bytes));
    assert!(texts.iter().any(|t| t == "【公開】"));
    assert!(!texts.iter().any(|t| t.contains("庁内限り")));
    assert_in_order(
        &texts,
        &["目次", "第1章　目的", "第1章　目的", "本基本方針は、"],
    );
}
