//! 新旧対照表: a revision between two editions as 例規 revisions print it — 改正後 on the left,
//! 改正前 on the right, the changed characters underlined on each side, a new provision
//! against 「（新設）」 and a removed one against 「（削る）」; unchanged provisions are left out.
//! Built from the clause diff; written as Word (A4 landscape) here and as PDF by `mamori-pdf`.

use docx_rs::{
    AlignmentType, Docx, PageMargin, Paragraph, Run, RunFonts, Shading, Table, TableCell, TableRow,
    WidthType,
};
use mamori_domain::diff::{ClauseChange, ClauseChangeKind, ClauseDiff, SegmentKind};
use serde::Serialize;

use crate::ExportError;
use crate::docx::pack;

pub const NEW_PROVISION: &str = "（新設）";
pub const REMOVED_PROVISION: &str = "（削る）";

/// A run of one side: its text and whether it is a changed part (underlined).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Piece {
    pub text: String,
    pub changed: bool,
}

/// One side of a row: the provision's caption, then its text in pieces.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Side {
    pub caption: String,
    pub pieces: Vec<Piece>,
}

impl Side {
    fn plain(caption: Option<&str>, text: &str, changed: bool) -> Self {
        Self {
            caption: caption.unwrap_or_default().to_owned(),
            pieces: vec![Piece {
                text: text.to_owned(),
                changed,
            }],
        }
    }

    /// The side's text without marks.
    pub fn text(&self) -> String {
        self.pieces.iter().map(|p| p.text.as_str()).collect()
    }

    /// The underlined parts, in order.
    pub fn changed(&self) -> Vec<&str> {
        self.pieces
            .iter()
            .filter(|p| p.changed)
            .map(|p| p.text.as_str())
            .collect()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Row {
    /// 改正後
    pub new: Side,
    /// 改正前
    pub old: Side,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ComparisonTable {
    /// 「みほん市情報セキュリティポリシー新旧対照表」
    pub title: String,
    /// 「改正後（第4版）」
    pub new_label: String,
    /// 「改正前（第3版）」
    pub old_label: String,
    pub rows: Vec<Row>,
}

fn row_of(change: &ClauseChange) -> Option<Row> {
    let new_caption = change.new_label.as_deref();
    let old_caption = change.old_label.as_deref();
    match &change.kind {
        ClauseChangeKind::Unchanged { .. } if !change.retitled => None,
        ClauseChangeKind::Unchanged { text } => Some(Row {
            new: Side::plain(new_caption, text, false),
            old: Side::plain(old_caption, text, false),
        }),
        ClauseChangeKind::Added { text } => Some(Row {
            new: Side::plain(new_caption, text, true),
            old: Side::plain(None, NEW_PROVISION, false),
        }),
        ClauseChangeKind::Removed { text } => Some(Row {
            new: Side::plain(None, REMOVED_PROVISION, false),
            old: Side::plain(old_caption, text, true),
        }),
        ClauseChangeKind::Changed { segments } => {
            let side = |kind: SegmentKind, caption: Option<&str>| Side {
                caption: caption.unwrap_or_default().to_owned(),
                pieces: segments
                    .iter()
                    .filter(|s| s.kind == SegmentKind::Equal || s.kind == kind)
                    .map(|s| Piece {
                        text: s.text.clone(),
                        changed: s.kind == kind,
                    })
                    .collect(),
            };
            Some(Row {
                new: side(SegmentKind::Inserted, new_caption),
                old: side(SegmentKind::Deleted, old_caption),
            })
        }
    }
}

impl ComparisonTable {
    /// The table of a diff from the old edition to the new one: the changed, added, removed
    /// and renamed provisions, in the new edition's order (removed ones where they stood).
    pub fn of(diff: &ClauseDiff, title: &str, new_label: &str, old_label: &str) -> Self {
        Self {
            title: title.to_owned(),
            new_label: new_label.to_owned(),
            old_label: old_label.to_owned(),
            rows: diff.changes.iter().filter_map(row_of).collect(),
        }
    }
}

/// A4 landscape in twips.
const WIDTH: u32 = 16838;
const HEIGHT: u32 = 11906;
const MARGIN: i32 = 1134;

fn fonts() -> RunFonts {
    RunFonts::new()
        .ascii("Century")
        .hi_ansi("Century")
        .east_asia("ＭＳ 明朝")
}

fn side_cell(side: &Side, width: usize) -> TableCell {
    let mut cell = TableCell::new().width(width, WidthType::Dxa);
    if !side.caption.is_empty() {
        cell = cell.add_paragraph(Paragraph::new().add_run(Run::new().add_text(&side.caption)));
    }
    let mut paragraph = Paragraph::new();
    for piece in &side.pieces {
        for (i, line) in piece.text.split('\n').enumerate() {
            if i > 0 {
                cell = cell.add_paragraph(paragraph);
                paragraph = Paragraph::new();
            }
            if line.is_empty() {
                continue;
            }
            let run = Run::new().add_text(line);
            paragraph = paragraph.add_run(if piece.changed {
                run.underline("single")
            } else {
                run
            });
        }
    }
    cell.add_paragraph(paragraph)
}

/// Writes the table as a .docx file: A4 landscape, the title, then 改正後 | 改正前.
pub fn comparison_docx(table: &ComparisonTable) -> Result<Vec<u8>, ExportError> {
    let half = (WIDTH as usize - 2 * MARGIN as usize) / 2;
    let head = |text: &str| {
        TableCell::new()
            .width(half, WidthType::Dxa)
            .shading(Shading::new().fill("D9D9D9"))
            .add_paragraph(
                Paragraph::new()
                    .align(AlignmentType::Center)
                    .add_run(Run::new().add_text(text).bold()),
            )
    };
    let mut rows = vec![TableRow::new(vec![
        head(&table.new_label),
        head(&table.old_label),
    ])];
    for row in &table.rows {
        rows.push(TableRow::new(vec![
            side_cell(&row.new, half),
            side_cell(&row.old, half),
        ]));
    }
    let mut docx = Docx::new()
        .page_size(WIDTH, HEIGHT)
        .page_orient(docx_rs::PageOrientationType::Landscape)
        .page_margin(
            PageMargin::new()
                .top(MARGIN)
                .bottom(MARGIN)
                .left(MARGIN)
                .right(MARGIN),
        )
        .default_fonts(fonts())
        .default_size(21)
        .add_paragraph(
            Paragraph::new()
                .align(AlignmentType::Center)
                .add_run(Run::new().add_text(&table.title).bold().size(28)),
        );
    if table.rows.is_empty() {
        docx = docx.add_paragraph(
            Paragraph::new().add_run(Run::new().add_text("改正する規定はありません。")),
        );
    }
    docx = docx.add_table(
        Table::new(rows)
            .set_grid(vec![half, half])
            .width(half * 2, WidthType::Dxa),
    );
    pack(docx)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use mamori_domain::diff::{DiffClause, clause_diff};

    fn clause(key: &str, label: &str, text: &str) -> DiffClause {
        DiffClause {
            key: key.to_owned(),
            label: label.to_owned(),
            text: text.to_owned(),
        }
    }

    #[test]
    fn exactly_the_changed_characters_are_underlined_and_unchanged_provisions_left_out() {
        let old = [
            clause("p1", "第1条（目的）", "この規程は、情報資産を守る。"),
            clause("p2", "第2条", "CISOは副町長とする。"),
            clause("p3", "第3条", "削る規定。"),
        ];
        let new = [
            clause("p1", "第1条（目的）", "この規程は、情報資産を守る。"),
            clause("p2", "第2条", "CISOは副市長とする。"),
            clause("p4", "第2条の2", "新しい規定。"),
        ];
        let diff = clause_diff(&old, &new).unwrap();
        let table = ComparisonTable::of(&diff, "新旧対照表", "改正後", "改正前");
        assert_eq!(table.rows.len(), 3, "{table:?}");
        let changed = &table.rows[0];
        assert_eq!(changed.new.text(), "CISOは副市長とする。");
        assert_eq!(changed.new.changed(), ["市"]);
        assert_eq!(changed.old.changed(), ["町"]);
        assert_eq!(changed.new.caption, "第2条");
        let added = table
            .rows
            .iter()
            .find(|r| r.old.text() == NEW_PROVISION)
            .unwrap();
        assert_eq!(added.new.changed(), ["新しい規定。"]);
        let removed = table
            .rows
            .iter()
            .find(|r| r.new.text() == REMOVED_PROVISION)
            .unwrap();
        assert_eq!(removed.old.text(), "削る規定。");

        let bytes = comparison_docx(&table).unwrap();
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
        let mut xml = String::new();
        std::io::Read::read_to_string(&mut zip.by_name("word/document.xml").unwrap(), &mut xml)
            .unwrap();
        assert!(xml.contains("w:orient=\"landscape\""));
        // The underlined run holds exactly the changed character.
        let underlined: Vec<&str> = xml
            .split("<w:r>")
            .filter(|r| r.contains("<w:u w:val=\"single\""))
            .filter_map(|r| r.split("<w:t xml:space=\"preserve\">").nth(1))
            .filter_map(|t| t.split("</w:t>").next())
            .collect();
        assert!(
            underlined.contains(&"市") && underlined.contains(&"町"),
            "{underlined:?}"
        );
        assert!(!underlined.iter().any(|t| t.contains("CISO")));
    }
}
