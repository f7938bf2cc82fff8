//! Finding the columns of a layout among the headers of a file, and the text clean-up the
//! layouts share.

use unicode_normalization::UnicodeNormalization;

use super::{Parsed, RowProblem, Table, TableRow};

/// A column of a layout: its name (the header the export writes) and the other headers
/// municipalities use for it, in order of preference when a file has several.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Field {
    pub name: &'static str,
    pub aliases: &'static [&'static str],
    pub required: bool,
}

/// Where each field of a layout is in one file: for each field, the matching columns, the one
/// named exactly as the layout first, then by the order of the aliases, then left to right.
#[derive(Debug)]
pub(crate) struct Columns {
    found: Vec<Vec<usize>>,
}

/// Cuts what Excel users leave around a text: spaces of any width, a stray BOM or zero-width
/// space from a copy and paste.
pub(crate) fn trim_cell(s: &str) -> &str {
    s.trim_matches(|c: char| c.is_whitespace() || c == '\u{feff}' || c == '\u{200b}')
}

/// The characters that make a spreadsheet read a cell as a formula when they lead it (OWASP's
/// list for CSV injection).
const FORMULA_LEADS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// A text as a CSV cell that no spreadsheet runs: one that would start a formula gets a leading
/// apostrophe (`=cmd|' /C calc'!A0` → `'=cmd|' /C calc'!A0`). [`formula_unguarded`] undoes it on
/// import, so an exported file reads back unchanged (a text that itself starts with an
/// apostrophe and a lead gets a second one, for the same reason).
pub(crate) fn formula_guarded(s: &str) -> std::borrow::Cow<'_, str> {
    if s.trim_start_matches('\'').starts_with(FORMULA_LEADS) {
        format!("'{s}").into()
    } else {
        s.into()
    }
}

/// A cell as read, without the apostrophe [`formula_guarded`] put in front of a formula lead.
pub(crate) fn formula_unguarded(s: &str) -> &str {
    match s.strip_prefix('\'') {
        Some(rest) if rest.trim_start_matches('\'').starts_with(FORMULA_LEADS) => rest,
        _ => s,
    }
}

/// A code (職員番号, 組織コード) as stored: trimmed, full-width letters and digits made
/// half-width (NFKC), so 「００１２３」 and 「00123」 are the same number. Use it on the caller's
/// side too when matching a 所属 by code.
pub fn normalize_code(s: &str) -> String {
    trim_cell(s).nfkc().collect()
}

/// A header compared without regard to width, case, spaces and the punctuation people put
/// between words: 「Ｅ－ｍａｉｌ」, 「E-mail」 and 「email」 are one header.
fn header_key(s: &str) -> String {
    s.nfkc()
        .filter(|c| !c.is_whitespace() && !matches!(c, '-' | '_' | '・' | '.' | '−' | '‐'))
        .flat_map(char::to_lowercase)
        .collect()
}

impl Columns {
    /// The columns of `fields` in `headers`, or the names of the required fields the headers
    /// lack.
    pub fn locate(fields: &[Field], headers: &[String]) -> Result<Self, Vec<String>> {
        let keys: Vec<String> = headers.iter().map(|h| header_key(h)).collect();
        let mut found = Vec::with_capacity(fields.len());
        let mut missing = Vec::new();
        for field in fields {
            let mut columns: Vec<(usize, usize)> = Vec::new();
            let names = std::iter::once(&field.name).chain(field.aliases);
            for (rank, name) in names.enumerate() {
                let wanted = header_key(name);
                columns.extend(
                    keys.iter()
                        .enumerate()
                        .filter(|(_, k)| **k == wanted)
                        .map(|(col, _)| (rank, col)),
                );
            }
            columns.sort_unstable();
            if columns.is_empty() && field.required {
                missing.push(field.name.to_owned());
            }
            found.push(columns.into_iter().map(|(_, col)| col).collect());
        }
        if missing.is_empty() {
            Ok(Self { found })
        } else {
            Err(missing)
        }
    }

    /// The non-empty cells of field number `field` in `row`, in order of preference.
    pub fn cells<'a>(&'a self, row: &'a TableRow, field: usize) -> impl Iterator<Item = &'a str> {
        self.found
            .get(field)
            .into_iter()
            .flatten()
            .filter_map(|&col| row.cells.get(col))
            .map(String::as_str)
            .filter(|c| !c.is_empty())
    }

    /// The first non-empty cell of field number `field` in `row`, or "".
    pub fn cell<'a>(&'a self, row: &'a TableRow, field: usize) -> &'a str {
        self.cells(row, field).next().unwrap_or("")
    }
}

/// The table with its header on the row that names the layout's required columns. Sheets often
/// open with a title merged across the columns (「職員名簿（令和8年4月1日現在）」) or notes above
/// the real header; the first of the first ten rows that names every required column is taken.
/// When none does, the table stays as read (and `locate` reports the missing columns).
pub(crate) fn with_layout_header<'a>(
    fields: &[Field],
    table: &'a Table,
) -> std::borrow::Cow<'a, Table> {
    use std::borrow::Cow;
    if Columns::locate(fields, &table.headers).is_ok() {
        return Cow::Borrowed(table);
    }
    for (i, row) in table.rows.iter().take(10).enumerate() {
        if Columns::locate(fields, &row.cells).is_ok() {
            let mut headers = row.cells.clone();
            while headers.last().is_some_and(String::is_empty) {
                headers.pop();
            }
            return Cow::Owned(Table {
                header_line: row.line,
                headers,
                rows: table.rows[i + 1..].to_vec(),
            });
        }
    }
    Cow::Borrowed(table)
}

/// The columns of a layout in `table`, or, when required columns are missing, the result that
/// says so: no rows and one problem on the header line naming them all.
pub(crate) fn locate<R>(fields: &[Field], table: &Table) -> Result<Columns, Parsed<R>> {
    Columns::locate(fields, &table.headers).map_err(|missing| {
        let message = format!(
            "必要な列がありません: {}（{} 行目を見出し行として読みました。見出しは {} です）",
            missing.join("、"),
            table.header_line,
            choices(fields.iter().map(|f| f.name)),
        );
        Parsed {
            rows: Vec::new(),
            problems: vec![RowProblem {
                line: table.header_line,
                column: None,
                message,
            }],
            missing_columns: missing,
        }
    })
}

/// The message for an empty cell in a column that must be filled.
pub(crate) fn required(column: &str) -> String {
    format!("{column}が空です。必ず入力してください")
}

/// The allowed values of a column in a message: 「在職、休職、退職」.
pub(crate) fn choices<S: AsRef<str>>(values: impl IntoIterator<Item = S>) -> String {
    values
        .into_iter()
        .map(|v| v.as_ref().to_owned())
        .collect::<Vec<_>>()
        .join("、")
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use super::*;

    #[test]
    fn headers_match_across_widths_spaces_and_case() {
        assert_eq!(header_key(" Ｅ－ｍａｉｌ "), header_key("email"));
        assert_eq!(header_key("職員\u{3000}番号"), header_key("職員番号"));
        assert_eq!(header_key("ﾌﾘｶﾞﾅ"), header_key("フリガナ"));
        assert_ne!(header_key("所属"), header_key("所属名"));
    }

    #[test]
    fn codes_become_half_width_and_trimmed() {
        assert_eq!(normalize_code("\u{3000}００１２３ "), "00123");
        assert_eq!(normalize_code("A-01"), "A-01");
    }
}
