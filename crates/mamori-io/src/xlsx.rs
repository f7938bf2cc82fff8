//! The guideline catalog as an Excel workbook: one row per clause, Japanese headers, the header
//! row frozen and filterable, wrapped text in columns wide enough to read.

use mamori_catalog::Catalog;
use rust_xlsxwriter::{Color, DocProperties, Format, FormatAlign, FormatBorder, Workbook};

use crate::ExportError;
use crate::catalog_text::{artifacts_text, chapter_and_section, clause_commentary, roles_text};

/// Column headers and widths (in characters of the default font; a Japanese character is about
/// two), in the order of the row.
pub const COLUMNS: [(&str, f64); 9] = [
    ("ID", 18.0),
    ("章", 22.0),
    ("節", 26.0),
    ("タイトル", 32.0),
    ("推奨", 7.0),
    ("成果物", 28.0),
    ("役割と権限", 30.0),
    ("例文", 70.0),
    ("解説", 70.0),
];

/// Name of the sheet.
pub const SHEET_NAME: &str = "条項一覧";

/// Excel refuses longer cell texts.
const CELL_MAX_CHARS: usize = 32_767;

fn cell_text(s: &str) -> String {
    if s.chars().count() <= CELL_MAX_CHARS {
        return s.to_owned();
    }
    let mut t: String = s.chars().take(CELL_MAX_CHARS - 1).collect();
    t.push('…');
    t
}

/// The workbook as `.xlsx` bytes.
pub fn catalog_workbook(catalog: &Catalog) -> Result<Vec<u8>, ExportError> {
    let mut workbook = Workbook::new();
    let e = &catalog.edition;
    workbook.set_properties(
        &DocProperties::new()
            .set_title(format!("{}（{}版） 条項一覧", e.title, e.published))
            .set_author("mamori"),
    );
    let header = Format::new()
        .set_bold()
        .set_text_wrap()
        .set_align(FormatAlign::Top)
        .set_background_color(Color::RGB(0xE8ECF2))
        .set_border(FormatBorder::Thin);
    let body = Format::new()
        .set_text_wrap()
        .set_align(FormatAlign::Top)
        .set_border(FormatBorder::Thin)
        .set_border_color(Color::RGB(0xD5DAE3));
    let centered = body.clone().set_align(FormatAlign::Center);

    let sheet = workbook.add_worksheet();
    sheet.set_name(SHEET_NAME)?;
    for (col, (title, width)) in COLUMNS.iter().enumerate() {
        let col = col as u16;
        sheet.write_string_with_format(0, col, *title, &header)?;
        sheet.set_column_width(col, *width)?;
    }
    for (i, clause) in catalog.clauses.iter().enumerate() {
        let row = i as u32 + 1;
        let (chapter, section) = chapter_and_section(catalog, clause);
        let cells = [
            clause.id.as_str().to_owned(),
            chapter,
            section,
            clause.title.clone(),
            if clause.recommended { "推奨" } else { "" }.to_owned(),
            artifacts_text(clause),
            roles_text(catalog, clause),
            clause.full_text(),
            clause_commentary(catalog, clause),
        ];
        for (col, text) in cells.iter().enumerate() {
            let format = if col == 4 { &centered } else { &body };
            sheet.write_string_with_format(row, col as u16, cell_text(text), format)?;
        }
    }
    let last_row = catalog.clauses.len() as u32;
    sheet.set_freeze_panes(1, 0)?;
    sheet.autofilter(0, 0, last_row, COLUMNS.len() as u16 - 1)?;
    Ok(workbook.save_to_buffer()?)
}
