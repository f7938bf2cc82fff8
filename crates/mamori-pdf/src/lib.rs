//! The policy as PDF, typeset with typst in 例規 style, with the IPAex fonts embedded.
//!
//! Layout only, like the HTML view and the Word writer: the [`PolicyDocument`] already carries
//! every number (第2章 / 1 / （2） / ⑧) and every marker inside a clause. The model is turned
//! into typst markup ([`policy_markup`]) and compiled in memory; nothing is read from disk or
//! fetched from the network (typst-as-lib's `packages` feature stays off).
//!
//! Every piece of document text enters the markup as a typst string literal (`#"…"`), never as
//! markup, so 「#」, 「*」, 「$」, 「[」 or 「`<b>`」 in a clause print as themselves.
//!
//! The インシデント報告書 and the 緊急時対応計画 are typeset from the content model the Word
//! writer prints too ([`incident_pdf`]).
//!
//! This crate is the only one that depends on typst, whose build takes minutes: the other
//! crates stay quick to build and test.

use std::fmt::Write as _;

mod incident;
pub use incident::{incident_markup, incident_pdf};

use mamori_io::comparison::{ComparisonTable, Side};
use mamori_io::policy_document::{
    DocBlock, DocPart, Marking, PolicyDocument, leading_marker, marker_halves, numbered_title,
};
use typst_as_lib::TypstEngine;
use typst_layout::PagedDocument;

/// IPAex明朝 and IPAexゴシック (IPA Font License v1.0, see `fonts/`): the licence allows
/// embedding them in documents and redistributing them, and typst-pdf embeds only the glyphs
/// used. Built into the binary so a PDF needs no font installed on the server.
static IPAEX_MINCHO: &[u8] = include_bytes!("../fonts/ipaexm.ttf");
static IPAEX_GOTHIC: &[u8] = include_bytes!("../fonts/ipaexg.ttf");

#[derive(Debug, thiserror::Error)]
pub enum PdfError {
    #[error("PDFの組版に失敗しました: {0}")]
    Typeset(String),
    #[error("PDFの書き出しに失敗しました: {0}")]
    Export(String),
}

/// Writes the policy as a PDF file (A4, 明朝 body, ゴシック headings, page numbers 「- N -」).
pub fn policy_pdf(doc: &PolicyDocument) -> Result<Vec<u8>, PdfError> {
    compile(policy_markup(doc))
}

/// Writes a 新旧対照表 as a PDF file: A4 landscape, 改正後 | 改正前, changed parts underlined.
pub fn comparison_pdf(table: &ComparisonTable) -> Result<Vec<u8>, PdfError> {
    compile(comparison_markup(table))
}

/// The typst source of a 新旧対照表.
pub fn comparison_markup(table: &ComparisonTable) -> String {
    let mut out = String::from(COMPARISON_PREAMBLE);
    let _ = writeln!(out, "#set document(title: {})", lit(&table.title));
    let _ = writeln!(
        out,
        "#align(center, text(font: gothic, size: 14pt, {}))\n#v(1em)",
        lit(&table.title)
    );
    if table.rows.is_empty() {
        out.push_str("#par(\"改正する規定はありません。\")\n");
    }
    let side = |s: &Side| {
        let mut cell = String::from("[");
        if !s.caption.is_empty() {
            let _ = write!(cell, "#text(font: gothic, {})#linebreak()", lit(&s.caption));
        }
        for piece in &s.pieces {
            for (i, line) in piece.text.split('\n').enumerate() {
                if i > 0 {
                    cell.push_str("#linebreak()");
                }
                if line.is_empty() {
                    continue;
                }
                if piece.changed {
                    let _ = write!(cell, "#underline({})", lit(line));
                } else {
                    let _ = write!(cell, "#{}", lit(line));
                }
            }
        }
        cell.push(']');
        cell
    };
    let _ = write!(
        out,
        "#table(columns: (1fr, 1fr), inset: 6pt, fill: (_, y) => if y == 0 {{ luma(217) }},\n  table.header(align(center, text(font: gothic, {})), align(center, text(font: gothic, {}))),\n",
        lit(&table.new_label),
        lit(&table.old_label)
    );
    for row in &table.rows {
        let _ = writeln!(out, "  {}, {},", side(&row.new), side(&row.old));
    }
    out.push_str(")\n");
    out
}

const COMPARISON_PREAMBLE: &str = r#"#let gothic = "IPAexGothic"
#set text(font: "IPAexMincho", lang: "ja", size: 10pt)
#set page(
  paper: "a4",
  flipped: true,
  margin: 20mm,
  footer: context align(center, text(size: 9pt, "- " + counter(page).display() + " -")),
)
#set par(justify: true, leading: 0.7em)
"#;

fn compile(markup: String) -> Result<Vec<u8>, PdfError> {
    let engine = TypstEngine::builder()
        .main_file(markup)
        .fonts([IPAEX_MINCHO, IPAEX_GOTHIC])
        .build();
    let compiled: PagedDocument = engine
        .compile()
        .output
        .map_err(|e| PdfError::Typeset(e.to_string()))?;
    typst_pdf::pdf(&compiled, &typst_pdf::PdfOptions::default()).map_err(|diagnostics| {
        PdfError::Export(
            diagnostics
                .iter()
                .map(|d| d.message.to_string())
                .collect::<Vec<_>>()
                .join("; "),
        )
    })
}

/// The typst source of the document, for [`policy_pdf`] and for looking at what it typesets.
pub fn policy_markup(doc: &PolicyDocument) -> String {
    let mut out = String::from(PREAMBLE);
    let _ = writeln!(
        out,
        "#set document(title: {}, author: {})",
        lit(&format!("{}　{}", doc.title, doc.edition_caption())),
        lit(&doc.body_name)
    );
    title_page(&mut out, doc);
    history(&mut out, doc);
    // 目次: the part titles and the headings of levels 1 and 2 (`toc(2)` in the other
    // writers), with page numbers, which the Word writer cannot give without a field update.
    out.push_str("#pagebreak(weak: true)\n#outline(title: [目次], depth: 3)\n");
    for part in &doc.parts {
        part_body(&mut out, part);
    }
    out
}

/// Page, fonts and the look of each heading level. Headings are typst level 1 for a part title
/// and the model's level + 1 below it, so the outline nests them under their part.
const PREAMBLE: &str = r#"#let gothic = "IPAexGothic"
#set text(font: "IPAexMincho", lang: "ja", size: 10.5pt)
#set page(
  paper: "a4",
  margin: (top: 30mm, rest: 25mm),
  header: none,
  // As strings: a "- " at the start of markup would begin a list.
  footer: context align(center, text(size: 9pt, "- " + counter(page).display() + " -")),
)
#set par(justify: true, leading: 0.75em, spacing: 0.75em)
#show heading: set text(font: gothic, weight: "regular")
#show heading.where(level: 1): it => block(width: 100%, above: 0em, below: 1.6em, align(center, text(size: 16pt, it.body)))
#show heading.where(level: 2): it => block(above: 1.6em, below: 0.9em, sticky: true, text(size: 12pt, it.body))
#show heading.where(level: 3): it => block(above: 1.2em, below: 0.75em, sticky: true, it.body)
#show heading.where(level: 4): it => block(above: 1em, below: 0.75em, sticky: true, inset: (left: 1em), it.body)
#show heading.where(level: 5): it => block(above: 1em, below: 0.75em, sticky: true, inset: (left: 2em), it.body)
#show outline.entry.where(level: 1): set text(font: gothic)
#let lines(s) = s.split("\n").map(l => [#l]).join(linebreak())
#let para(left, hang, first, s) = block(inset: (left: left), above: 0.75em, below: 0.75em,
  par(hanging-indent: hang, first-line-indent: (amount: first, all: true), s))
#let grid-table(widths, header, rows) = table(
  columns: widths,
  inset: 5pt,
  fill: (_, y) => if y == 0 and header.len() > 0 { luma(217) },
  ..if header.len() > 0 { (table.header(..header.map(h => text(font: gothic, lines(h)))),) },
  ..rows.flatten().map(c => lines(c)),
)
"#;

/// Columns whose lines are at most this many characters are sized to their text.
const SHORT_COLUMN: usize = 10;

/// A typst string literal holding `s` verbatim.
fn lit(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn marking_rank(m: Marking) -> u8 {
    match m {
        Marking::Public => 0,
        Marking::Internal => 1,
        Marking::Confidential => 2,
    }
}

/// 表紙, without header or page number; the marking of the whole document is that of its most
/// restricted part.
fn title_page(out: &mut String, doc: &PolicyDocument) {
    let marking = doc
        .parts
        .iter()
        .map(|p| p.marking)
        .max_by_key(|m| marking_rank(*m))
        .unwrap_or(Marking::Public);
    let undecided = "未定";
    let _ = writeln!(
        out,
        "#page(header: none, footer: none)[\n\
         #align(right, text(font: gothic)[#{marking}])\n\
         #v(9em)\n\
         #align(center, text(size: 14pt)[#{body}])\n\
         #v(1.5em)\n\
         #align(center, text(size: 20pt, font: gothic)[#{title}])\n\
         #v(1.5em)\n\
         #align(center, text(size: 16pt, font: gothic)[#{edition}])\n\
         #v(9em)",
        marking = lit(&format!("【{}】", marking.label())),
        body = lit(&doc.body_name),
        title = lit(&doc.title),
        edition = lit(&doc.edition_caption()),
    );
    for (label, value) in [
        ("区　　分", doc.revision_kind.as_str()),
        ("決 裁 日", doc.decided_on.as_deref().unwrap_or(undecided)),
        (
            "施 行 日",
            doc.effective_from.as_deref().unwrap_or(undecided),
        ),
    ] {
        let _ = writeln!(
            out,
            "#align(center, text(size: 12pt)[#{}])",
            lit(&format!("{label}　{value}"))
        );
    }
    out.push_str("]\n");
}

fn history(out: &mut String, doc: &PolicyDocument) {
    out.push_str("#heading(level: 1, outlined: false)[改定履歴]\n");
    let header = ["版", "区分", "施行日"].map(String::from).to_vec();
    let rows: Vec<Vec<String>> = doc
        .history
        .iter()
        .map(|h| vec![h.edition.clone(), h.kind.clone(), h.date.clone()])
        .collect();
    table(out, &header, &rows);
}

fn part_body(out: &mut String, part: &DocPart) {
    // A new page with the part's marking in its header; a public part clears the header.
    let header = match part.marking {
        Marking::Public => "none".to_owned(),
        m => format!(
            "align(right, text(font: gothic, size: 9pt)[#{}])",
            lit(m.label())
        ),
    };
    let _ = writeln!(
        out,
        "#pagebreak(weak: true)\n#set page(header: {header})\n#heading(level: 1)[#{}]",
        lit(&part.title)
    );
    if part.marking != Marking::Public {
        let _ = writeln!(
            out,
            "#align(center, text(font: gothic)[#{}])\n#v(1em)",
            lit(&format!("（{}）", part.marking.label()))
        );
    }
    // The depth of what follows a heading is one below it; before any heading, depth 1.
    let mut depth: u8 = 1;
    for block in &part.blocks {
        match block {
            DocBlock::Heading {
                level,
                number,
                title,
                ..
            } => {
                let level = (*level).clamp(1, 4);
                let text = numbered_title(Some(number), Some(title));
                let _ = writeln!(out, "#heading(level: {})[#{}]", level + 1, lit(&text));
                depth = level + 1;
            }
            DocBlock::LeadIn { text } => text_paragraphs(out, depth, text),
            DocBlock::Clause {
                text,
                local,
                number,
                title,
                ..
            } => {
                // amended/recommended are for the review views; a published text is plain.
                let mut text_depth = depth;
                if *local && (number.is_some() || title.is_some()) {
                    let line = numbered_title(number.as_deref(), title.as_deref());
                    let hang = number.as_deref().map_or(0, marker_halves);
                    let _ = writeln!(
                        out,
                        "#para({}, {}, 0em, text(font: gothic, {}))",
                        depth_left(depth),
                        em(hang),
                        lit(&line)
                    );
                    text_depth = depth + 1;
                }
                text_paragraphs(out, text_depth, text);
            }
            DocBlock::Table {
                caption,
                header,
                rows,
            } => {
                let _ = writeln!(
                    out,
                    "#block(above: 1.2em, below: 0.5em, sticky: true, text(font: gothic, {}))",
                    lit(caption)
                );
                table(out, header, rows);
            }
        }
    }
}

/// Where text of a depth starts: chapters and their items at the margin, then one character
/// per level — 1 at the margin, （1） one in, ① two in, as the guideline prints them.
fn depth_left(depth: u8) -> String {
    format!("{}em", depth.saturating_sub(2))
}

/// A width in half characters as typst em (one em is one full-width character).
fn em(halves: i32) -> String {
    format!("{}em", f64::from(halves) / 2.0)
}

/// The paragraphs of a clause or lead-in (its text has `\n` between paragraphs). A paragraph
/// that opens with its own marker (②, （イ）) hangs by the marker; a plain sentence gets the
/// usual one-character first-line indent.
fn text_paragraphs(out: &mut String, depth: u8, text: &str) {
    for line in text.split('\n').filter(|l| !l.trim().is_empty()) {
        let (hang, first) = match leading_marker(line).map(marker_halves) {
            Some(halves) => (em(halves), "0em"),
            None => ("0em".to_owned(), "1em"),
        };
        let _ = writeln!(
            out,
            "#para({}, {hang}, {first}, {})",
            depth_left(depth),
            lit(line)
        );
    }
}

/// A bordered table with a shaded header row repeated on each page.
fn table(out: &mut String, header: &[String], rows: &[Vec<String>]) {
    let columns = header
        .len()
        .max(rows.iter().map(Vec::len).max().unwrap_or(0))
        .max(1);
    // The longest line of each column, in characters.
    let longest: Vec<usize> = (0..columns)
        .map(|i| {
            std::iter::once(header)
                .chain(rows.iter().map(Vec::as_slice))
                .filter_map(|r| r.get(i))
                .flat_map(|t| t.split('\n'))
                .map(|t| t.chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    // Short columns (level names, 版, dates) take the width of their text so a name such as
    // 「機密性３」 never wraps; the others share the rest by their longest line.
    let mut widths: Vec<String> = longest
        .iter()
        .map(|&n| {
            if n <= SHORT_COLUMN {
                "auto".to_owned()
            } else {
                format!("{}fr", n.clamp(6, 30))
            }
        })
        .collect();
    if longest.iter().all(|&n| n <= SHORT_COLUMN)
        && let Some(last) = widths.last_mut()
    {
        // Still span the text width, as the Word tables do.
        *last = "1fr".to_owned();
    }
    let cells = |values: &[String]| -> String {
        let list: Vec<String> = (0..columns)
            .map(|i| lit(values.get(i).map_or("", String::as_str)))
            .collect();
        // A trailing comma keeps a one-element array an array in typst.
        format!("({},)", list.join(", "))
    };
    let header_cells = if header.is_empty() {
        "()".to_owned()
    } else {
        cells(header)
    };
    let row_cells: Vec<String> = rows.iter().map(|r| cells(r)).collect();
    let row_list = if row_cells.is_empty() {
        "()".to_owned()
    } else {
        format!("({},)", row_cells.join(", "))
    };
    let _ = writeln!(
        out,
        "#grid-table(({},), {header_cells}, {row_list})\n#v(0.5em)",
        widths.join(", ")
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literals_keep_text_verbatim() {
        assert_eq!(lit(r#"a"b\c"#), r#""a\"b\\c""#);
        assert_eq!(lit("#*$[_<b>"), "\"#*$[_<b>\"");
        assert_eq!(lit("x\ny"), "\"x\\ny\"");
    }
}
