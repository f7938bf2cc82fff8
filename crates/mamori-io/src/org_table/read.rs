//! Bytes of an uploaded `.xlsx` or `.csv` file to a [`Table`], with bounded memory and time.
//!
//! A file is outside input: a 2 KB workbook can declare a sheet of 16,384 × 1,048,576 cells, a
//! zip part can expand a thousandfold, a CSV line can hold ten million commas. So nothing is
//! materialised on the file's word: a workbook's parts are measured by decompressing them (not by
//! their declared sizes) before the workbook is opened, its cells are streamed one by one rather
//! than read as a rectangle, empty cells take no room, and every limit below is checked as the
//! rows are built, with an error that names it.

use std::collections::BTreeMap;
use std::io::{Cursor, Read};

use calamine::{Data, DataRef, Reader, Xlsx};

use super::columns::{formula_unguarded, trim_cell};
use super::{Table, TableRow};

/// Rows with content a table may have (the header included).
pub const MAX_ROWS: usize = 100_000;
/// The rightmost column a cell with content may be in.
pub const MAX_COLUMNS: usize = 200;
/// Cells a table may hold, counting the empty ones up to the last filled cell of each row.
pub const MAX_CELLS: usize = 2_000_000;
/// Characters in one cell.
pub const MAX_CELL_CHARS: usize = 10_000;
/// What a workbook's parts may expand to, all together.
pub const MAX_EXPANDED_BYTES: u64 = 100 * 1024 * 1024;
/// Parts (zip entries) a workbook may have.
pub const MAX_PARTS: usize = 2_000;

/// Why a file could not be read as a table. Shown to users, hence Japanese.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TableError {
    #[error("ファイルが空です")]
    Empty,
    #[error("見出し行がありません（すべての行が空です）")]
    NoHeader,
    #[error("文字コードを判別できません（UTF-8 でも Shift_JIS でもありません）")]
    Encoding,
    #[error("Excel ファイル（.xlsx）を読み取れません: {0}")]
    Xlsx(String),
    /// An OLE compound file: a password-protected workbook or the old `.xls` format.
    #[error(
        "Excel ファイルを読み取れません。パスワードで保護されているか、古い形式（.xls）です。保護を外し、「Excel ブック（*.xlsx）」として保存し直してください"
    )]
    ProtectedOrLegacy,
    #[error(
        "「{file_name}」は古い Excel 形式（.xls）です。Excel で「Excel ブック（*.xlsx）」として保存し直してください"
    )]
    LegacyXls { file_name: String },
    #[error(
        "「{file_name}」は読み込めない形式です。Excel ブック（.xlsx）か CSV ファイル（.csv）を選んでください"
    )]
    Unsupported { file_name: String },
    #[error(
        "データのある行が多すぎます（{line} 行目で上限の {limit} 行を超えました）。ファイルを分けて取り込んでください"
    )]
    TooManyRows { line: usize, limit: usize },
    #[error(
        "{line} 行目の {column} 列目にデータがあります。読み込める列は {limit} 列目までです。不要な列を削除してください"
    )]
    TooManyColumns {
        line: usize,
        column: usize,
        limit: usize,
    },
    #[error(
        "セルの数が上限（{limit} 個、各行の最後のデータまでの空のセルを含む）を超えました（{line} 行目）。ファイルを分けて取り込んでください"
    )]
    TooManyCells { line: usize, limit: usize },
    #[error("{line} 行目の {column} 列目のセルが長すぎます（上限 {limit} 文字）")]
    CellTooLong {
        line: usize,
        column: usize,
        limit: usize,
    },
    #[error(
        "Excel ファイルを展開すると上限（{limit_mb} MB）を超えます。不要なシートや画像を削除するか、ファイルを分けてください"
    )]
    TooLargeExpanded { limit_mb: u64 },
    #[error("Excel ファイルの部品が多すぎます（上限 {limit} 個）")]
    TooManyParts { limit: usize },
}

/// Reads an uploaded file by the extension of its name (`.xlsx` or `.csv`, any case). A
/// workbook is read from its first sheet that has any content.
pub fn read_table(file_name: &str, bytes: &[u8]) -> Result<Table, TableError> {
    let extension = file_name
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    match extension.as_str() {
        "csv" => read_csv(bytes),
        "xlsx" => read_xlsx(bytes),
        "xls" => Err(TableError::LegacyXls {
            file_name: file_name.to_owned(),
        }),
        _ => Err(TableError::Unsupported {
            file_name: file_name.to_owned(),
        }),
    }
}

/// The rows of a table as they are read, cell by cell in any order, holding only what has
/// content and refusing what passes a limit.
#[derive(Default)]
struct Rows {
    /// Row number (1-based) → cells up to its last filled one.
    rows: BTreeMap<usize, Vec<String>>,
    cells: usize,
}

impl Rows {
    /// A cell at `line` (1-based) and `column` (0-based), its text as read.
    fn put(&mut self, line: usize, column: usize, text: &str) -> Result<(), TableError> {
        let text = trim_cell(text);
        if text.is_empty() {
            return Ok(());
        }
        if column >= MAX_COLUMNS {
            return Err(TableError::TooManyColumns {
                line,
                column: column + 1,
                limit: MAX_COLUMNS,
            });
        }
        if text.chars().count() > MAX_CELL_CHARS {
            return Err(TableError::CellTooLong {
                line,
                column: column + 1,
                limit: MAX_CELL_CHARS,
            });
        }
        if !self.rows.contains_key(&line) && self.rows.len() >= MAX_ROWS {
            return Err(TableError::TooManyRows {
                line,
                limit: MAX_ROWS,
            });
        }
        let row = self.rows.entry(line).or_default();
        if column >= row.len() {
            let added = column + 1 - row.len();
            if self.cells + added > MAX_CELLS {
                return Err(TableError::TooManyCells {
                    line,
                    limit: MAX_CELLS,
                });
            }
            self.cells += added;
            row.resize(column + 1, String::new());
        }
        text.clone_into(&mut row[column]);
        Ok(())
    }

    /// The table: the first row is the header.
    fn into_table(self) -> Result<Table, TableError> {
        let mut rows = self.rows.into_iter();
        let (header_line, headers) = rows.next().ok_or(TableError::NoHeader)?;
        Ok(Table {
            header_line,
            headers,
            rows: rows.map(|(line, cells)| TableRow { line, cells }).collect(),
        })
    }
}

const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// The text of a CSV file: UTF-8 (with or without BOM) when it is valid UTF-8, else Shift_JIS
/// (Windows-31J, as Excel on Japanese Windows saves it).
fn decode(bytes: &[u8]) -> Result<std::borrow::Cow<'_, str>, TableError> {
    let bytes = bytes.strip_prefix(UTF8_BOM).unwrap_or(bytes);
    if let Ok(text) = std::str::from_utf8(bytes) {
        return Ok(text.into());
    }
    encoding_rs::SHIFT_JIS
        .decode_without_bom_handling_and_without_replacement(bytes)
        .ok_or(TableError::Encoding)
}

fn read_csv(bytes: &[u8]) -> Result<Table, TableError> {
    let text = decode(bytes)?;
    if text.trim().is_empty() {
        return Err(TableError::Empty);
    }
    let mut rows = Rows::default();
    // A CSV cell has no type: the apostrophe the exports put in front of a formula lead is
    // taken off again (a workbook's text cells need none).
    each_csv_field(&text, |line, column, field| {
        rows.put(line, column, formula_unguarded(trim_cell(field)))
    })?;
    rows.into_table()
}

/// The records of a CSV text (one the program wrote itself: nothing is bounded here).
pub(super) fn csv_records(text: &str) -> Vec<Vec<String>> {
    let mut records: Vec<Vec<String>> = Vec::new();
    let outcome: Result<(), std::convert::Infallible> = each_csv_field(text, |line, _, field| {
        if records.len() < line {
            records.resize_with(line, Vec::new);
        }
        records[line - 1].push(field.to_owned());
        Ok(())
    });
    match outcome {
        Ok(()) => records,
    }
}

/// Calls `field(line, column, text)` for every field of a CSV text the way Excel opens it, so
/// that record *n* is row *n* the user sees: a blank line is an (empty) record, a line break
/// inside quotes stays in its field, `""` inside quotes is one quote, and a quote inside an
/// unquoted field or after a closing quote is kept as text. Records end at CRLF, LF or CR. One
/// field is held at a time; `field` may stop the reading with an error.
fn each_csv_field<E>(
    text: &str,
    mut field: impl FnMut(usize, usize, &str) -> Result<(), E>,
) -> Result<(), E> {
    let mut line = 1;
    let mut column = 0;
    let mut current = String::new();
    let mut chars = text.chars().peekable();
    let mut at_field_start = true;
    let mut in_quotes = false;
    while let Some(c) = chars.next() {
        if in_quotes {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    chars.next();
                    current.push('"');
                }
                '"' => in_quotes = false,
                _ => current.push(c),
            }
            continue;
        }
        match c {
            '"' if at_field_start => {
                in_quotes = true;
                at_field_start = false;
            }
            ',' => {
                field(line, column, &current)?;
                current.clear();
                column += 1;
                at_field_start = true;
            }
            '\r' | '\n' => {
                if c == '\r' && chars.peek() == Some(&'\n') {
                    chars.next();
                }
                field(line, column, &current)?;
                current.clear();
                line += 1;
                column = 0;
                at_field_start = true;
            }
            _ => {
                current.push(c);
                at_field_start = false;
            }
        }
    }
    if !at_field_start || !current.is_empty() || column > 0 {
        field(line, column, &current)?;
    }
    Ok(())
}

/// The magic number of OLE compound files (`.xls`, encrypted `.xlsx`).
const CFB_MAGIC: &[u8] = b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1";

fn read_xlsx(bytes: &[u8]) -> Result<Table, TableError> {
    if bytes.is_empty() {
        return Err(TableError::Empty);
    }
    if bytes.starts_with(CFB_MAGIC) {
        return Err(TableError::ProtectedOrLegacy);
    }
    check_expansion(bytes, MAX_EXPANDED_BYTES)?;
    // The workbook library can panic on a malformed cell reference (an arithmetic overflow,
    // found by fuzzing); a panic there is a broken file, not a broken program.
    std::panic::catch_unwind(|| read_sheets(bytes)).unwrap_or_else(|_| {
        Err(TableError::Xlsx(
            "ファイルの内容が壊れています（セルの位置を読み取れません）".to_owned(),
        ))
    })
}

/// The first sheet with content of a workbook already measured by [`check_expansion`].
fn read_sheets(bytes: &[u8]) -> Result<Table, TableError> {
    let mut book: Xlsx<_> =
        Xlsx::new(Cursor::new(bytes)).map_err(|e| TableError::Xlsx(e.to_string()))?;
    for name in book.sheet_names() {
        let mut cells = book
            .worksheet_cells_reader(&name)
            .map_err(|e| TableError::Xlsx(e.to_string()))?;
        let mut rows = Rows::default();
        while let Some(cell) = cells
            .next_cell()
            .map_err(|e| TableError::Xlsx(e.to_string()))?
        {
            let (row, column) = cell.get_position();
            let value = cell.get_value();
            if matches!(value, DataRef::Empty) {
                continue;
            }
            let text = cell_text(&Data::from(value.clone()));
            rows.put(row as usize + 1, column as usize, &text)?;
        }
        match rows.into_table() {
            Err(TableError::NoHeader) => continue,
            other => return other,
        }
    }
    Err(TableError::NoHeader)
}

/// Refuses a workbook whose parts expand past `limit` bytes ([`MAX_EXPANDED_BYTES`]) or that
/// has more than [`MAX_PARTS`] parts. The parts are decompressed into nothing and counted, since
/// a zip's declared sizes are the file's own word.
fn check_expansion(bytes: &[u8], limit: u64) -> Result<(), TableError> {
    let unreadable = |e: zip::result::ZipError| TableError::Xlsx(e.to_string());
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).map_err(unreadable)?;
    if zip.len() > MAX_PARTS {
        return Err(TableError::TooManyParts { limit: MAX_PARTS });
    }
    let too_large = TableError::TooLargeExpanded {
        limit_mb: limit / 1024 / 1024,
    };
    let mut left = limit;
    for i in 0..zip.len() {
        let part = zip.by_index(i).map_err(unreadable)?;
        if part.size() > left {
            return Err(too_large);
        }
        let read = std::io::copy(&mut part.take(left + 1), &mut std::io::sink())
            .map_err(|e| TableError::Xlsx(e.to_string()))?;
        if read > left {
            return Err(too_large);
        }
        left -= read;
    }
    Ok(())
}

/// A cell as the text the user sees: whole numbers without `.0`, dates as `YYYY-MM-DD`.
fn cell_text(cell: &Data) -> String {
    match cell {
        Data::Empty => String::new(),
        Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => trim_cell(s).to_owned(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) => number_text(*f),
        Data::Bool(b) => if *b { "TRUE" } else { "FALSE" }.to_owned(),
        Data::Error(e) => e.to_string(),
        Data::DateTime(d) if d.is_datetime() => {
            let (y, mo, day, h, mi, s, _) = d.to_ymd_hms_milli();
            if (h, mi, s) == (0, 0, 0) {
                format!("{y:04}-{mo:02}-{day:02}")
            } else {
                format!("{y:04}-{mo:02}-{day:02} {h:02}:{mi:02}:{s:02}")
            }
        }
        Data::DateTime(d) => number_text(d.as_f64()),
    }
}

/// Excel keeps every number as a double: a whole number is written as an integer (職員番号 123,
/// not 123.0), others as Rust writes them (never in exponent form).
fn number_text(f: f64) -> String {
    // 2^53: above it a double no longer holds every integer, so the cast would be a guess.
    const EXACT: f64 = 9_007_199_254_740_992.0;
    if f.fract() == 0.0 && f.abs() < EXACT {
        format!("{}", f as i64)
    } else {
        format!("{f}")
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use super::*;

    fn lines(table: &Table) -> Vec<(usize, Vec<&str>)> {
        table
            .rows
            .iter()
            .map(|r| (r.line, r.cells.iter().map(String::as_str).collect()))
            .collect()
    }

    #[test]
    fn csv_row_numbers_count_blank_lines_and_line_breaks_in_quotes_as_excel_does() {
        let text =
            "\r\n見出し,備考\r\n1,\"二行\r\nの備考\"\r\n\r\n,\r\n2,\u{3000}全角空白\u{3000}\r\n";
        let table = read_csv(text.as_bytes()).unwrap();
        assert_eq!(table.header_line, 2);
        assert_eq!(table.headers, ["見出し", "備考"]);
        assert_eq!(
            lines(&table),
            [(3, vec!["1", "二行\r\nの備考"]), (6, vec!["2", "全角空白"])]
        );
    }

    #[test]
    fn csv_fields_follow_excel_quoting() {
        let records = csv_records("a,\"b,\"\"c\"\"\",d\"e\r\n\"x\"y,\"open\nend");
        assert_eq!(
            records,
            [vec!["a", "b,\"c\"", "d\"e"], vec!["xy", "open\nend"]]
        );
        assert_eq!(csv_records("a\n\nb\n"), [vec!["a"], vec![""], vec!["b"]]);
        assert_eq!(csv_records("a,\r\n"), [vec!["a", ""]]);
        assert_eq!(csv_records("\"\""), [vec![""]]);
    }

    #[test]
    fn whole_numbers_lose_the_decimal_point_and_others_keep_it() {
        assert_eq!(number_text(123.0), "123");
        assert_eq!(number_text(-4.0), "-4");
        assert_eq!(number_text(1.5), "1.5");
        assert_eq!(number_text(12_345_678_901.0), "12345678901");
    }

    #[test]
    fn the_extension_decides_the_reader_in_any_case() {
        assert!(read_table("職員.CSV", "a\r\n1\r\n".as_bytes()).is_ok());
        assert!(matches!(
            read_table("職員.xls", b"x"),
            Err(TableError::LegacyXls { .. })
        ));
        assert!(matches!(
            read_table("職員", b"x"),
            Err(TableError::Unsupported { .. })
        ));
        assert_eq!(
            read_table("職員.xlsx", CFB_MAGIC),
            Err(TableError::ProtectedOrLegacy)
        );
    }

    /// A workbook of one sheet with the given `<sheetData>` content (and `<dimension>`).
    fn workbook(dimension: &str, sheet_data: &str) -> Vec<u8> {
        use std::io::Write;
        let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let options = zip::write::SimpleFileOptions::default();
        let parts = [
            (
                "[Content_Types].xml",
                r#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>"#.to_owned(),
            ),
            (
                "_rels/.rels",
                r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#.to_owned(),
            ),
            (
                "xl/workbook.xml",
                r#"<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="職員" sheetId="1" r:id="rId1"/></sheets></workbook>"#.to_owned(),
            ),
            (
                "xl/_rels/workbook.xml.rels",
                r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#.to_owned(),
            ),
            (
                "xl/worksheets/sheet1.xml",
                format!(
                    r#"<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><dimension ref="{dimension}"/><sheetData>{sheet_data}</sheetData></worksheet>"#
                ),
            ),
        ];
        for (name, text) in parts {
            zip.start_file(name, options).unwrap();
            zip.write_all(text.as_bytes()).unwrap();
        }
        zip.finish().unwrap().into_inner()
    }

    fn inline(cell: &str, text: &str) -> String {
        format!(r#"<c r="{cell}" t="inlineStr"><is><t>{text}</t></is></c>"#)
    }

    #[test]
    fn a_workbook_declaring_the_whole_sheet_is_read_by_its_real_cells() {
        // Two cells, one at the last row of the sheet: a table of two rows, not of a million.
        let book = workbook(
            "A1:XFD1048576",
            &format!(
                r#"<row r="1">{}</row><row r="1048576">{}</row>"#,
                inline("A1", "職員番号"),
                inline("A1048576", "100001")
            ),
        );
        assert!(book.len() < 4096, "{}", book.len());
        let table = read_table("職員.xlsx", &book).unwrap();
        assert_eq!(table.headers, ["職員番号"]);
        assert_eq!(lines(&table), [(1_048_576, vec!["100001"])]);
    }

    #[test]
    fn a_cell_in_the_last_column_is_refused_by_name_not_allocated() {
        let book = workbook(
            "A1:XFD1048576",
            &format!(
                r#"<row r="1">{}</row><row r="1048576">{}</row>"#,
                inline("A1", "職員番号"),
                inline("XFD1048576", "x")
            ),
        );
        let err = read_table("職員.xlsx", &book).unwrap_err();
        assert_eq!(
            err,
            TableError::TooManyColumns {
                line: 1_048_576,
                column: 16_384,
                limit: MAX_COLUMNS
            }
        );
        assert!(err.to_string().contains("200 列目まで"), "{err}");
    }

    #[test]
    fn empty_cells_however_many_take_no_room() {
        // Formatted but empty cells (as Excel writes them for a styled column) are skipped.
        let empties: String = (1..=5000)
            .map(|r| format!(r#"<row r="{r}"><c r="XFD{r}" s="1"/></row>"#))
            .collect();
        let book = workbook(
            "A1:XFD5000",
            &format!(r#"<row r="1">{}</row>{empties}"#, inline("A1", "氏名")),
        );
        let table = read_table("職員.xlsx", &book).unwrap();
        assert_eq!(table.headers, ["氏名"]);
        assert!(table.rows.is_empty());
    }

    #[test]
    fn a_workbook_that_expands_past_the_limit_is_refused_before_it_is_opened() {
        let big = "<row/>".repeat(400_000); // 2.4 MB of XML, a few KB compressed
        let book = workbook("A1", &big);
        assert!(book.len() < 64 * 1024, "{}", book.len());
        assert_eq!(
            check_expansion(&book, 1024 * 1024),
            Err(TableError::TooLargeExpanded { limit_mb: 1 })
        );
        assert_eq!(check_expansion(&book, 8 * 1024 * 1024), Ok(()));
    }

    #[test]
    fn a_csv_of_commas_holds_no_field_and_names_the_column_it_stops_at() {
        let text = format!("a{}b\r\n", ",".repeat(1_000_000));
        assert_eq!(
            read_csv(text.as_bytes()),
            Err(TableError::TooManyColumns {
                line: 1,
                column: 1_000_001,
                limit: MAX_COLUMNS
            })
        );
        // Trailing empty fields, as Excel writes for a wider row below, are no columns at all.
        let text = format!("a{}\r\n1\r\n", ",".repeat(1_000_000));
        let table = read_csv(text.as_bytes()).unwrap();
        assert_eq!(table.headers, ["a"]);
    }

    #[test]
    fn rows_cells_and_cell_lengths_have_named_limits() {
        let rows = "1\n".repeat(MAX_ROWS + 1);
        assert_eq!(
            read_csv(rows.as_bytes()),
            Err(TableError::TooManyRows {
                line: MAX_ROWS + 1,
                limit: MAX_ROWS
            })
        );
        // Each row filled out to the last column: the padding counts.
        let row = format!("{}x\n", ",".repeat(MAX_COLUMNS - 1));
        let wide = row.repeat(MAX_CELLS / MAX_COLUMNS + 1);
        assert_eq!(
            read_csv(wide.as_bytes()),
            Err(TableError::TooManyCells {
                line: MAX_CELLS / MAX_COLUMNS + 1,
                limit: MAX_CELLS
            })
        );
        let long = format!("見出し\n{}\n", "字".repeat(MAX_CELL_CHARS + 1));
        assert_eq!(
            read_csv(long.as_bytes()),
            Err(TableError::CellTooLong {
                line: 2,
                column: 1,
                limit: MAX_CELL_CHARS
            })
        );
        let fits = format!("見出し\n{}\n", "字".repeat(MAX_CELL_CHARS));
        assert!(read_csv(fits.as_bytes()).is_ok());
    }
}
