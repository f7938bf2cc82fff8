//! Bytes of an uploaded `.xlsx` or `.csv` file to a [`Table`].

use std::io::Cursor;

use calamine::{Data, Reader, Xlsx};

use super::columns::trim_cell;
use super::{Table, TableRow};

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

/// Rows as `(line, cells)` to a table: the first row with a non-empty cell is the header.
fn into_table(rows: impl Iterator<Item = (usize, Vec<String>)>) -> Result<Table, TableError> {
    let mut rows = rows.filter(|(_, cells)| cells.iter().any(|c| !c.is_empty()));
    let (header_line, mut headers) = rows.next().ok_or(TableError::NoHeader)?;
    while headers.last().is_some_and(String::is_empty) {
        headers.pop();
    }
    Ok(Table {
        header_line,
        headers,
        rows: rows.map(|(line, cells)| TableRow { line, cells }).collect(),
    })
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
    let rows = csv_records(&text)
        .into_iter()
        .enumerate()
        .map(|(i, fields)| {
            let cells = fields.iter().map(|c| trim_cell(c).to_owned()).collect();
            (i + 1, cells)
        });
    into_table(rows)
}

/// The records of a CSV text the way Excel opens it, so that record *n* is row *n* the user
/// sees: a blank line is an (empty) record, a line break inside quotes stays in its field, `""`
/// inside quotes is one quote, and a quote inside an unquoted field or after a closing quote is
/// kept as text. Records end at CRLF, LF or CR.
pub(super) fn csv_records(text: &str) -> Vec<Vec<String>> {
    let mut records = Vec::new();
    let mut record = Vec::new();
    let mut field = String::new();
    let mut chars = text.chars().peekable();
    let mut at_field_start = true;
    let mut in_quotes = false;
    while let Some(c) = chars.next() {
        if in_quotes {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    chars.next();
                    field.push('"');
                }
                '"' => in_quotes = false,
                _ => field.push(c),
            }
            continue;
        }
        match c {
            '"' if at_field_start => {
                in_quotes = true;
                at_field_start = false;
            }
            ',' => {
                record.push(std::mem::take(&mut field));
                at_field_start = true;
            }
            '\r' | '\n' => {
                if c == '\r' && chars.peek() == Some(&'\n') {
                    chars.next();
                }
                record.push(std::mem::take(&mut field));
                records.push(std::mem::take(&mut record));
                at_field_start = true;
            }
            _ => {
                field.push(c);
                at_field_start = false;
            }
        }
    }
    if !at_field_start || !field.is_empty() || !record.is_empty() {
        record.push(field);
        records.push(record);
    }
    records
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
    let mut book: Xlsx<_> =
        Xlsx::new(Cursor::new(bytes)).map_err(|e| TableError::Xlsx(e.to_string()))?;
    for name in book.sheet_names() {
        let range = book
            .worksheet_range(&name)
            .map_err(|e| TableError::Xlsx(e.to_string()))?;
        let Some((first_row, _)) = range.start() else {
            continue;
        };
        let rows = range.rows().enumerate().map(|(i, cells)| {
            let line = first_row as usize + i + 1;
            (line, cells.iter().map(cell_text).collect())
        });
        match into_table(rows) {
            Err(TableError::NoHeader) => continue,
            other => return other,
        }
    }
    Err(TableError::NoHeader)
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
}
