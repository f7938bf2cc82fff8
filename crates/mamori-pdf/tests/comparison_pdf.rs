#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! The 新旧対照表 as PDF: landscape, both columns' text extractable, the changed parts (and only
//! they) underlined in the markup, and typst's special characters printed as they are.

mod common;

use mamori_io::comparison::{ComparisonTable, Piece, Row, Side};

fn piece(text: &str, changed: bool) -> Piece {
    Piece {
        text: text.to_owned(),
        changed,
    }
}

fn table() -> ComparisonTable {
    ComparisonTable {
        title: "みほん町情報セキュリティ対策規程新旧対照表".to_owned(),
        new_label: "改正後（第4版）".to_owned(),
        old_label: "改正前（第3版）".to_owned(),
        rows: vec![
            Row {
                new: Side {
                    caption: "第2条".to_owned(),
                    pieces: vec![
                        piece("CISOは副", false),
                        piece("市", true),
                        piece("長とする。#[x]", false),
                    ],
                },
                old: Side {
                    caption: "第2条".to_owned(),
                    pieces: vec![
                        piece("CISOは副", false),
                        piece("町", true),
                        piece("長とする。#[x]", false),
                    ],
                },
            },
            Row {
                new: Side {
                    caption: "第2条の2".to_owned(),
                    pieces: vec![piece("新しい規定。", true)],
                },
                old: Side {
                    caption: String::new(),
                    pieces: vec![piece("（新設）", false)],
                },
            },
        ],
    }
}

#[test]
fn the_comparison_table_typesets_with_exactly_the_changes_underlined() {
    let markup = mamori_pdf::comparison_markup(&table());
    assert!(markup.contains("flipped: true"), "landscape");
    let underlined: Vec<&str> = markup
        .split("#underline(\"")
        .skip(1)
        .filter_map(|s| s.split('"').next())
        .collect();
    assert_eq!(underlined, ["市", "町", "新しい規定。"]);

    let pdf = mamori_pdf::comparison_pdf(&table()).unwrap();
    let text = common::squeeze(&common::pdf_text(&pdf, "comparison.pdf"));
    for expected in [
        "新旧対照表",
        "改正後（第4版）",
        "改正前（第3版）",
        "CISOは副市長とする。#[x]",
        "CISOは副町長とする。#[x]",
        "（新設）",
    ] {
        assert!(text.contains(expected), "{expected} in {text}");
    }
}
