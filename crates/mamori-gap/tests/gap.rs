//! Gap analysis: reading, segmentation on the seed artefacts, alignment, the report's shape and
//! the evaluation.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use mamori_catalog::Catalog;
use mamori_gap::report::Report;
use mamori_gap::{Analyzer, Document, GapError, Status};
use std::path::PathBuf;
use std::sync::OnceLock;

fn catalog() -> &'static Catalog {
    static C: OnceLock<Catalog> = OnceLock::new();
    C.get_or_init(|| mamori_catalog::load_embedded().unwrap())
}

fn analyzer() -> &'static Analyzer<'static> {
    static A: OnceLock<Analyzer<'static>> = OnceLock::new();
    A.get_or_init(|| Analyzer::new(catalog()))
}

fn analyze_text(text: &str) -> Report {
    let doc = Document::from_text(text).unwrap();
    analyzer().analyze(&doc.title, doc.lines, &doc.provisions)
}

fn seed(name: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/seeds")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{} is missing ({e}); CI checks shared/ out beside the clone",
            path.display()
        )
    })
}

fn status(report: &Report, id: &str) -> Status {
    report
        .clauses
        .iter()
        .find(|c| c.id == id)
        .unwrap_or_else(|| panic!("{id} not in the report"))
        .status
}

/// A line without its leading item marker: （１）, (ア), ①.
fn strip_marker(line: &str) -> &str {
    let t = line.trim_start();
    for (open, close) in [('（', '）'), ('(', ')')] {
        if let Some(rest) = t.strip_prefix(open)
            && let Some(end) = rest.find(close)
            && rest[..end].chars().count() <= 3
        {
            return rest[end + close.len_utf8()..].trim_start();
        }
    }
    match t.chars().next() {
        Some(c) if ('①'..='⑳').contains(&c) => t[c.len_utf8()..].trim_start(),
        _ => t,
    }
}

/// A policy written from the catalog's own 例文 of some clauses, numbered 1, 2, … with
/// (1), (2) … below, as a municipality would retype it.
fn policy_of(ids: &[&str], edit: impl Fn(&str) -> String) -> String {
    let mut out = String::from("みほん市情報セキュリティポリシー\n");
    let mut chapter = String::new();
    let (mut n, mut m) = (0, 0);
    for id in ids {
        let c = catalog().clause(id).unwrap();
        let top = c.path.get(1).map(|p| p.id.clone()).unwrap_or_default();
        if top != chapter {
            chapter = top;
            n += 1;
            m = 0;
            let title = c
                .path
                .get(1)
                .and_then(|p| p.title.clone())
                .unwrap_or_default();
            out.push_str(&format!("{n} {title}\n"));
        }
        m += 1;
        let body: Vec<&str> = c.model_text.lines().collect();
        let text = body
            .iter()
            .map(|l| strip_marker(l))
            .collect::<Vec<_>>()
            .join("\n");
        out.push_str(&format!("({m}) {}\n", edit(&text)));
    }
    out
}

#[test]
fn the_guideline_text_with_its_extraction_artefacts_segments_and_covers_itself() {
    // 第2編 of the guideline as extracted from its PDF: blank lines between lines, headings
    // without their numbers (「目的」「定義」), wrapped lines, page footers.
    let raw: Vec<String> = seed("000_832736aab405b508.txt")
        .lines()
        .skip(1013)
        .take(1294 - 1013)
        .map(str::to_owned)
        .collect();
    let text = raw.join("\n");
    let doc = Document::from_text(&text).unwrap();
    let purpose = doc
        .provisions
        .iter()
        .find(|p| p.title == "目的")
        .expect("the unnumbered heading 目的 is a provision");
    assert!(purpose.text.starts_with("本基本方針は"));
    let network = doc
        .provisions
        .iter()
        .find(|p| p.title == "ネットワーク")
        .unwrap();
    assert_eq!(network.label, "(1)");
    // The wrapped line is part of the provision.
    assert!(
        network.text.contains("ソフトウェア）をいう。"),
        "{}",
        network.text
    );
    assert!(network.path.ends_with("(1)"), "{}", network.path);
    // The line is the one in the input (1-based), where 「(１) ネットワーク」 is printed.
    assert_eq!(
        raw[network.line - 1].trim(),
        "(１) ネットワーク",
        "line {}",
        network.line
    );
    let report = analyzer().analyze(&doc.title, doc.lines, &doc.provisions);
    for c in report.clauses.iter().filter(|c| c.id.starts_with("B-")) {
        assert_eq!(c.status, Status::Covered, "{} {:?}", c.id, c.score);
    }
}

#[test]
fn the_iruma_basic_policy_covers_the_basic_policy_and_omits_the_standards() {
    let report = analyze_text(&seed("002_592f045dcc33169d.txt"));
    let basic: Vec<_> = report
        .clauses
        .iter()
        .filter(|c| c.id.starts_with("B-"))
        .collect();
    let present = basic.iter().filter(|c| c.status != Status::Omitted).count();
    assert!(present >= basic.len() - 2, "{present} of {}", basic.len());
    let b1 = report.clauses.iter().find(|c| c.id == "B-1").unwrap();
    assert_eq!(b1.status, Status::Covered);
    assert_eq!(b1.matches[0].line, 41);
    assert_eq!(b1.matches[0].provision, "第1章 1");
    // Its 6.(3) writes the guideline's ①②③ as ア, イ, ウ.
    let b63 = report.clauses.iter().find(|c| c.id == "B-6.(3)②").unwrap();
    assert_eq!(b63.matches[0].line, 146);
    let standards = report
        .clauses
        .iter()
        .filter(|c| c.id.starts_with("S-"))
        .collect::<Vec<_>>();
    let omitted = standards
        .iter()
        .filter(|c| c.status == Status::Omitted)
        .count();
    assert!(
        omitted * 100 >= standards.len() * 97,
        "{omitted} of {}",
        standards.len()
    );
    // 紙媒体の情報 is the city's own.
    assert!(
        report.additions.iter().any(|a| a.line == 119),
        "{:?}",
        report.additions
    );
    // The excerpt has no 対策基準, so no 2023 revision point is reflected.
    assert_eq!(report.revision_points_unmet.len(), 8);
}

#[test]
fn a_deleted_clause_is_omitted_and_a_local_clause_is_an_addition() {
    let ids: Vec<&str> = catalog()
        .clauses
        .iter()
        .filter(|c| c.id.as_str().starts_with("B-"))
        .map(|c| c.id.as_str())
        .filter(|id| *id != "B-6.(5)" && *id != "B-2.(6)")
        .collect();
    let mut text = policy_of(&ids, |t| t.to_owned());
    text.push_str("(99) 庁舎を訪れた来庁者は、総合案内で入館証の交付を受け、館内では常に見える位置に着用するものとする。\n");
    let report = analyze_text(&text);
    assert_eq!(status(&report, "B-6.(5)"), Status::Omitted);
    assert_eq!(status(&report, "B-2.(6)"), Status::Omitted);
    for id in &ids {
        assert_ne!(status(&report, id), Status::Omitted, "{id}");
    }
    let last_line = text.lines().count();
    assert!(
        report
            .additions
            .iter()
            .any(|a| a.line == last_line && a.text.contains("入館証")),
        "{:?}",
        report.additions
    );
}

#[test]
fn renamed_roles_are_read_from_the_organisation_chapter_and_still_match() {
    let ids: Vec<&str> = catalog()
        .clauses
        .iter()
        .map(|c| c.id.as_str())
        .filter(|id| id.starts_with("S-1.") || id.starts_with("S-2.(2)"))
        .collect();
    let text = policy_of(&ids, |t| {
        t.replace("情報セキュリティ管理者", "所属長")
            .replace("CISO", "最高情報統括責任者")
    });
    let report = analyze_text(&text);
    assert!(
        report
            .roles
            .iter()
            .any(|r| r.guideline == "情報セキュリティ管理者" && r.document == "所属長"),
        "{:?}",
        report.roles
    );
    for id in [
        "S-1.(4)①",
        "S-1.(4)②",
        "S-2.(2)⑧(イ)",
        "S-2.(2)⑨(イ)",
        "S-1.(1)①",
    ] {
        assert_eq!(status(&report, id), Status::Covered, "{id}");
    }
}

#[test]
fn a_single_axis_classification_compares_with_the_three_axes() {
    let ids = ["S-2.(2)⑦", "S-2.(2)⑧(ア)", "S-2.(2)⑧(イ)", "S-2.(2)⑨(ア)"];
    let text = policy_of(&ids, |t| {
        t.replace("機密性２", "重要性分類Ⅱ")
            .replace("機密性３", "重要性分類Ⅰ")
    });
    let report = analyze_text(&text);
    assert_eq!(report.classification.scheme, "single_axis");
    for id in ids {
        assert_eq!(status(&report, id), Status::Covered, "{id}");
    }
}

#[test]
fn a_dropped_sentence_is_partial_and_named() {
    // S-2.(2)③(ウ) has two sentences; the document keeps the first.
    let text = policy_of(&["S-2.(2)③(ア)", "S-2.(2)③(ウ)"], |t| {
        t.split_inclusive('。').next().unwrap_or("").to_owned()
    });
    let report = analyze_text(&text);
    let c = report
        .clauses
        .iter()
        .find(|c| c.id == "S-2.(2)③(ウ)")
        .unwrap();
    assert_eq!(c.status, Status::Partial);
    assert!(
        c.missing.as_deref().unwrap().contains("消去"),
        "{:?}",
        c.missing
    );
}

#[test]
fn a_different_number_is_reported() {
    // The guideline asks for at least one training a year (S-5.2.(2)②); this body asks for two.
    let text = policy_of(&["S-5.2.(2)①", "S-5.2.(2)②", "S-5.2.(2)③"], |t| {
        t.replace("最低1回", "最低2回")
            .replace("最低１回", "最低２回")
    });
    let report = analyze_text(&text);
    let c = report
        .clauses
        .iter()
        .find(|c| c.id == "S-5.2.(2)②")
        .unwrap();
    assert_ne!(c.status, Status::Omitted);
    assert!(
        c.differences
            .iter()
            .any(|d| d.guideline == "1回" && d.document == "2回"),
        "{:?}",
        c.differences
    );
}

#[test]
fn the_json_has_the_shape_of_the_issue_with_every_clause_once() {
    let report = analyze_text(&seed("002_592f045dcc33169d.txt"));
    let v = serde_json::to_value(&report).unwrap();
    assert_eq!(v["baseline"], "2018-09");
    assert!(v["document"]["title"].is_string());
    assert!(v["document"]["provisions"].as_u64().unwrap() > 40);
    let clauses = v["clauses"].as_array().unwrap();
    assert_eq!(clauses.len(), catalog().clauses.len());
    let ids: std::collections::HashSet<&str> =
        clauses.iter().map(|c| c["id"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), catalog().clauses.len());
    let mut counts = std::collections::HashMap::new();
    for c in clauses {
        let s = c["status"].as_str().unwrap();
        assert!(["covered", "partial", "omitted"].contains(&s));
        *counts.entry(s.to_owned()).or_insert(0u64) += 1;
        let score = c["score"].as_f64().unwrap();
        assert!((0.0..=1.0).contains(&score));
        assert!(c["recommended"].is_boolean());
        assert!(c.get("missing").is_some());
        for m in c["matches"].as_array().unwrap() {
            assert!(m["provision"].is_string());
            assert!(m["line"].as_u64().unwrap() >= 1);
            assert!((0.0..=1.0).contains(&m["score"].as_f64().unwrap()));
        }
        if s == "partial" {
            assert!(c["missing"].is_string());
        }
    }
    for key in ["covered", "partial", "omitted"] {
        assert_eq!(
            v["summary"][key].as_u64().unwrap(),
            counts.get(key).copied().unwrap_or(0),
            "{key}"
        );
    }
    for a in v["additions"].as_array().unwrap() {
        assert!(a["provision"].is_string() && a["line"].is_u64() && a["text"].is_string());
    }
    for r in v["revision_points_unmet"].as_array().unwrap() {
        assert!(r["revision"].is_string() && r["clause"].is_string() && r["point"].is_string());
    }
}

#[test]
fn shift_jis_text_is_read() {
    let text = policy_of(&["B-1", "B-5"], |t| t.to_owned());
    let (bytes, _, _) = encoding_rs::SHIFT_JIS.encode(&text);
    assert!(std::str::from_utf8(&bytes).is_err());
    let doc = Document::from_bytes(&bytes, "kihon-houshin.txt").unwrap();
    let report = analyzer().analyze(&doc.title, doc.lines, &doc.provisions);
    assert_eq!(status(&report, "B-1"), Status::Covered);
    assert_eq!(status(&report, "B-5"), Status::Covered);
}

#[test]
fn a_word_document_is_read() {
    use docx_rs::{Docx, Paragraph, Run};
    let text = policy_of(&["B-1", "B-7", "B-8"], |t| t.to_owned());
    let mut docx = Docx::new();
    for line in text.lines() {
        docx = docx.add_paragraph(Paragraph::new().add_run(Run::new().add_text(line)));
    }
    let mut buf = std::io::Cursor::new(Vec::new());
    docx.build().pack(&mut buf).unwrap();
    let doc = Document::from_bytes(buf.get_ref(), "policy.docx").unwrap();
    let report = analyzer().analyze(&doc.title, doc.lines, &doc.provisions);
    for id in ["B-1", "B-7", "B-8"] {
        assert_eq!(status(&report, id), Status::Covered, "{id}");
    }
    assert_eq!(status(&report, "B-9"), Status::Omitted);
}

#[test]
fn a_pdf_without_text_or_without_pdftotext_gets_a_japanese_error() {
    // Not a real PDF: either pdftotext is missing, or it fails, or there is no text layer.
    let err = Document::from_bytes(b"%PDF-1.4\n%%EOF\n", "scan.pdf").unwrap_err();
    assert!(
        matches!(
            err,
            GapError::PdfToolMissing | GapError::Pdf(_) | GapError::NoTextLayer
        ),
        "{err:?}"
    );
    assert!(err.to_string().contains("PDF"), "{err}");
}

#[test]
fn the_workbook_has_one_row_per_clause_with_japanese_headers() {
    let report = analyze_text(&seed("002_592f045dcc33169d.txt"));
    let bytes = mamori_gap::xlsx::workbook(&report).unwrap();
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut strings = String::new();
    std::io::Read::read_to_string(
        &mut zip.by_name("xl/sharedStrings.xml").unwrap(),
        &mut strings,
    )
    .unwrap();
    for h in ["条項ID", "判定", "該当箇所", "不足している内容", "規定なし"] {
        assert!(strings.contains(h), "{h}");
    }
    let mut sheet = String::new();
    std::io::Read::read_to_string(
        &mut zip.by_name("xl/worksheets/sheet1.xml").unwrap(),
        &mut sheet,
    )
    .unwrap();
    let rows = sheet.matches("<row ").count();
    assert_eq!(rows, catalog().clauses.len() + 1);
}

#[test]
fn synthetic_policies_reach_the_omitted_f1_target() {
    let mut m = mamori_gap::eval::Metrics::default();
    for seed in [1, 2] {
        let s = mamori_gap::eval::synthesize(catalog(), seed);
        let report = analyze_text(&s.text);
        m.add(&mamori_gap::eval::score(
            &report,
            &s.truth,
            Some(&s.additions),
        ));
    }
    assert!(m.omitted_f1() >= 0.9, "{}", m.line());
    assert!(m.status_accuracy() >= 0.9, "{}", m.line());
    assert!(m.location_accuracy() >= 0.9, "{}", m.line());
}

#[test]
fn synthetic_policies_are_deterministic_and_their_answers_point_at_lines() {
    let a = mamori_gap::eval::synthesize(catalog(), 7);
    let b = mamori_gap::eval::synthesize(catalog(), 7);
    assert_eq!(a.text, b.text);
    assert_eq!(a.truth.len(), catalog().clauses.len());
    let lines: Vec<&str> = a.text.lines().collect();
    for t in a.truth.iter().filter(|t| t.status != Status::Omitted) {
        for l in &t.lines {
            assert!(!lines[l - 1].trim().is_empty(), "{} at {l}", t.clause);
        }
    }
    assert!(a.truth.iter().any(|t| t.status == Status::Omitted));
    assert!(!a.additions.is_empty());
}

#[test]
fn the_iruma_labels_name_real_clauses() {
    let truth = mamori_gap::eval::iruma_truth(catalog());
    assert_eq!(truth.len(), catalog().clauses.len());
    let labelled = mamori_gap::eval::IRUMA_LABELS
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .count();
    let basic = catalog()
        .clauses
        .iter()
        .filter(|c| c.id.as_str().starts_with("B-"))
        .count();
    assert_eq!(labelled, basic);
}

#[test]
fn revision_points_count_as_met_when_their_new_requirements_are_written() {
    let ids = [
        "S-6.4.(1)③",
        "S-6.4.(3)②",
        "S-6.4.(3)③",
        "S-8.1.(2)",
        "S-8.1.(3)",
    ];
    let old = policy_of(&ids, |t| t.to_owned());
    let before = analyze_text(&old);
    let unmet = |r: &Report| -> Vec<String> {
        r.revision_points_unmet
            .iter()
            .map(|u| u.point_id.clone())
            .collect()
    };
    assert!(unmet(&before).contains(&"2023-01-P6".to_owned()));
    assert!(unmet(&before).contains(&"2023-01-P1".to_owned()));
    // The same policy after the 2023 revision: the amended 例文 of S-8.1.(2) and a line on
    // Emotet.
    let amended = catalog().revisions[0]
        .points
        .iter()
        .flat_map(|p| &p.amendments)
        .find(|a| a.target == mamori_catalog::AmendedText::ModelText)
        .unwrap();
    let new = old.replace(&amended.replaces, &amended.new_text)
        + "(9) 職員等は、Emotet 等の感染を防ぐため、信頼できない Word 文書や Excel ファイルのマクロを実行してはならない。\n";
    let after = analyze_text(&new);
    assert!(
        !unmet(&after).contains(&"2023-01-P6".to_owned()),
        "{:?}",
        unmet(&after)
    );
    assert!(
        !unmet(&after).contains(&"2023-01-P1".to_owned()),
        "{:?}",
        unmet(&after)
    );
    // Points whose clauses are all missing stay unmet.
    assert!(
        unmet(&after).contains(&"2023-01-P3".to_owned())
            || unmet(&after).contains(&"2023-01-P2".to_owned())
    );
}
