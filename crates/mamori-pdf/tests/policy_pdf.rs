#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! The PDF of a small hand-built policy: it is a PDF, and its text (read back with poppler's
//! `pdftotext`) has the titles, the 和暦 dates, the marking and special characters verbatim.

mod common;

use mamori_io::policy_document::{DocBlock, DocPart, HistoryRow, Marking, PolicyDocument};

/// Characters that mean something in typst markup; the document must print them as they are.
const SPECIAL: &str = r"記号 #見出し *強調* $x$ [括弧] _下線_ <b>タグ</b> C:\mamori = - + @ref";

fn sample() -> PolicyDocument {
    PolicyDocument {
        body_name: "みほん市".to_owned(),
        title: "みほん市情報セキュリティポリシー".to_owned(),
        edition_label: "第2版".to_owned(),
        revision_kind: "一部改正".to_owned(),
        status: "施行中".to_owned(),
        draft: false,
        decided_on: Some("令和5年3月20日".to_owned()),
        effective_from: Some("令和5年4月1日".to_owned()),
        history: vec![
            HistoryRow {
                edition: "第1版".to_owned(),
                kind: "制定".to_owned(),
                date: "令和4年4月1日".to_owned(),
            },
            HistoryRow {
                edition: "第2版".to_owned(),
                kind: "一部改正".to_owned(),
                date: "令和5年4月1日".to_owned(),
            },
        ],
        parts: vec![
            DocPart {
                title: "情報セキュリティ基本方針".to_owned(),
                marking: Marking::Public,
                blocks: vec![
                    DocBlock::Heading {
                        level: 1,
                        number: "１".to_owned(),
                        title: "目的".to_owned(),
                        anchor: "h-B1".to_owned(),
                    },
                    DocBlock::Clause {
                        text: format!("本基本方針は、情報資産を守るために定める。\n{SPECIAL}"),
                        amended: true,
                        recommended: false,
                        local: false,
                        number: None,
                        title: None,
                    },
                ],
            },
            DocPart {
                title: "情報セキュリティ対策基準".to_owned(),
                marking: Marking::Internal,
                blocks: vec![
                    DocBlock::Heading {
                        level: 1,
                        number: "第２章".to_owned(),
                        title: "組織体制".to_owned(),
                        anchor: "h-S2".to_owned(),
                    },
                    DocBlock::LeadIn {
                        text: "次のとおり定める。".to_owned(),
                    },
                    DocBlock::Heading {
                        level: 2,
                        number: "（１）".to_owned(),
                        title: "最高情報セキュリティ責任者".to_owned(),
                        anchor: "h-S2-1".to_owned(),
                    },
                    DocBlock::Clause {
                        text: "①　副市長をCISOとする。\n②　CISOは、全体の責任を負う。".to_owned(),
                        amended: false,
                        recommended: false,
                        local: false,
                        number: None,
                        title: None,
                    },
                    DocBlock::Table {
                        caption: "機密性による情報資産の分類".to_owned(),
                        header: vec!["分類".to_owned(), "分類基準".to_owned()],
                        rows: vec![vec![
                            "機密性３".to_owned(),
                            "秘密文書に相当する情報資産\n・施錠保管".to_owned(),
                        ]],
                    },
                    DocBlock::Clause {
                        text: "市独自の定めである。".to_owned(),
                        amended: false,
                        recommended: false,
                        local: true,
                        number: Some("（９）".to_owned()),
                        title: Some("独自条項".to_owned()),
                    },
                ],
            },
        ],
    }
}

#[test]
fn policy_pdf_is_a_pdf_with_the_text_extractable() {
    let pdf = mamori_pdf::policy_pdf(&sample()).unwrap();
    let text = common::pdf_text(&pdf, "policy.pdf");
    // Compared without white space; the ASCII runs are checked verbatim too.
    let squeezed = common::squeeze(&text);

    for expected in [
        "みほん市情報セキュリティポリシー",
        "情報セキュリティ基本方針",
        "情報セキュリティ対策基準",
        "第２章　組織体制",
        "（１）　最高情報セキュリティ責任者",
        "令和5年3月20日",
        "令和5年4月1日",
        "令和4年4月1日",
        "庁内限り",
        "改定履歴",
        "目次",
        "機密性による情報資産の分類",
        "秘密文書に相当する情報資産",
        "②　CISOは、全体の責任を負う。",
        "（９）　独自条項",
        "- 2 -",
        SPECIAL,
    ] {
        let expected = common::squeeze(expected);
        assert!(
            squeezed.contains(&expected),
            "「{expected}」 is not in the PDF's text:\n{text}"
        );
    }
    for verbatim in [
        "*強調*",
        "$x$",
        "[括弧]",
        "_下線_",
        "<b>タグ</b>",
        r"C:\mamori = - + @ref",
    ] {
        assert!(
            text.contains(verbatim),
            "「{verbatim}」 is not verbatim in the PDF's text:\n{text}"
        );
    }
}

#[test]
fn markup_never_carries_document_text_as_markup() {
    let markup = mamori_pdf::policy_markup(&sample());
    // The special line appears only inside a string literal, its backslash escaped.
    assert!(
        markup.contains(
            r#""記号 #見出し *強調* $x$ [括弧] _下線_ <b>タグ</b> C:\\mamori = - + @ref""#
        )
    );
}
