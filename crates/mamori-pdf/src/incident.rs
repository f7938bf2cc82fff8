//! The インシデント報告書 and the 緊急時対応計画 as PDF, from the content model the Word writer
//! prints too ([`ReportDoc`]): A4 portrait, the title centred, the meta lines right-aligned,
//! numbered sections in ゴシック, tables with a shaded header row repeated on each page.

use std::fmt::Write as _;

use mamori_io::incident::{Block, ReportDoc, ReportTable};

use crate::{PdfError, compile, lit};

/// Writes a 報告書 or a 計画 as a PDF file (A4 portrait, 明朝 body, ゴシック headings and table
/// headers, page numbers 「- N -」).
pub fn incident_pdf(doc: &ReportDoc) -> Result<Vec<u8>, PdfError> {
    compile(incident_markup(doc))
}

/// The typst source of a 報告書 or a 計画, for [`incident_pdf`] and for looking at what it
/// typesets.
pub fn incident_markup(doc: &ReportDoc) -> String {
    let mut out = String::from(PREAMBLE);
    let _ = writeln!(out, "#set document(title: {})", lit(&doc.title));
    let _ = writeln!(
        out,
        "#align(center, text(font: gothic, size: 16pt, weight: \"bold\", {}))\n#v(0.5em)",
        lit(&doc.title)
    );
    for line in &doc.meta {
        let _ = writeln!(out, "#align(right, lines({}))", lit(line));
    }
    for (title, blocks) in &doc.sections {
        let _ = writeln!(out, "#heading(level: 1, {})", lit(title));
        for block in blocks {
            match block {
                Block::Para(text) => {
                    let _ = writeln!(out, "#par(lines({}))", lit(text));
                }
                Block::Items(rows) => items(&mut out, rows),
                Block::Table(t) => table(&mut out, t),
            }
        }
    }
    out
}

const PREAMBLE: &str = r#"#let gothic = "IPAexGothic"
#set text(font: "IPAexMincho", lang: "ja", size: 10.5pt)
#set page(
  paper: "a4",
  margin: 25mm,
  // As strings: a "- " at the start of markup would begin a list.
  footer: context align(center, text(size: 9pt, "- " + counter(page).display() + " -")),
)
#set par(justify: true, leading: 0.75em, spacing: 0.75em)
#show heading: it => block(above: 1.4em, below: 0.8em, sticky: true,
  text(font: gothic, size: 12pt, weight: "bold", it.body))
#let lines(s) = s.split("\n").map(l => [#l]).join(linebreak())
#let head(s) = text(font: gothic, lines(s))
#set table(inset: 5pt, stroke: 0.5pt)
// Narrow cells keep their text ragged: justified, a short line spreads its characters apart.
#show table.cell: set par(justify: false)
#show table.cell: set text(size: 9.5pt)
// A row stays on one page, as the Word tables' rows do.
#set table.cell(breakable: false)
"#;

/// A table of 項目 | 内容: the items shaded, in ゴシック.
fn items(out: &mut String, rows: &[(String, String)]) {
    out.push_str("#table(columns: (3fr, 7fr), fill: (x, _) => if x == 0 { luma(217) },\n");
    for (label, value) in rows {
        let _ = writeln!(out, "  head({}), lines({}),", lit(label), lit(value));
    }
    out.push_str(")\n");
}

/// A table with a shaded header row; the first `merged` cells of a group of rows span it.
fn table(out: &mut String, t: &ReportTable) {
    let count = t.weights.len().max(t.header.len()).max(1);
    let columns: Vec<String> = (0..count)
        .map(|i| format!("{}fr", t.weights.get(i).copied().unwrap_or(1).max(1)))
        .collect();
    let _ = writeln!(
        out,
        "#table(columns: ({},), fill: (_, y) => if y == 0 {{ luma(217) }},",
        columns.join(", ")
    );
    if !t.header.is_empty() {
        let header: Vec<String> = t
            .header
            .iter()
            .map(|h| format!("head({})", lit(h)))
            .collect();
        let _ = writeln!(out, "  table.header({}),", header.join(", "));
    }
    for group in &t.groups {
        for (n, row) in group.iter().enumerate() {
            let cells: Vec<String> = (0..count)
                .filter_map(|i| {
                    let text = lit(&breakable(row.get(i).map_or("", String::as_str)));
                    match (i < t.merged, n, group.len()) {
                        (true, 0, span) if span > 1 => {
                            Some(format!("table.cell(rowspan: {span}, lines({text}))"))
                        }
                        // Under a merged cell: the column is taken by the cell above.
                        (true, n, _) if n > 0 => None,
                        _ => Some(format!("lines({text})")),
                    }
                })
                .collect();
            if !cells.is_empty() {
                let _ = writeln!(out, "  {},", cells.join(", "));
            }
        }
    }
    out.push_str(")\n");
}

/// A cell's text with break opportunities (zero-width spaces) after the 「@」 and before the 「.」
/// of a mail address, which has none of its own and would run out of a narrow column.
fn breakable(text: &str) -> String {
    if !text.contains('@') {
        return text.to_owned();
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '.' => {
                out.push('\u{200b}');
                out.push('.');
            }
            '@' => {
                out.push('@');
                out.push('\u{200b}');
            }
            c => out.push(c),
        }
    }
    out
}
