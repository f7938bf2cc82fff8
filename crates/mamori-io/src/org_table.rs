//! The people (職員) and units (組織) of a body as the files municipalities keep them in: an Excel
//! workbook (`.xlsx`) or a CSV file, UTF-8 or Shift_JIS as Excel saves 「CSV (コンマ区切り)」.
//!
//! Reading is two steps so each can be tested and reused on its own:
//! [`read_table`] turns the bytes into a [`Table`] of trimmed texts with the row numbers the user
//! sees in Excel, and [`parse_people`] / [`parse_units`] check a table against one layout and
//! return the rows that are fine together with every problem found, each naming its row, column and
//! rule in Japanese. Nothing here touches the database: which unit a 所属 means is asked of the
//! caller through [`UnitResolver`].
//!
//! Writing ([`people_xlsx`], [`people_csv`], [`units_xlsx`], [`units_csv`]) produces exactly the
//! layout the readers expect, so an exported file can be edited in Excel and imported again.

pub(crate) mod columns;
pub(crate) mod export;
mod moves;
mod people;
mod read;
mod units;

pub use columns::normalize_code;
pub use export::{
    CsvEncoding, OrgExportError, PersonExportRow, UnitExportRow, people_csv, people_xlsx,
    units_csv, units_xlsx,
};
pub use moves::{MOVE_HEADERS, MoveRow, MovesParse, parse_moves};
pub use people::{
    EMPLOYMENT_KINDS, PEOPLE_HEADERS, PeopleParse, PersonRow, PersonStatus, parse_people,
};
pub use read::{TableError, read_table};
pub use units::{ParentRef, UNIT_HEADERS, UnitRow, UnitsParse, parse_units};

/// A sheet or CSV file as rows of texts: the first non-empty row is the header, fully empty rows
/// are left out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Table {
    /// Row number of the header row (1 when the file starts with it).
    pub header_line: usize,
    pub headers: Vec<String>,
    pub rows: Vec<TableRow>,
}

/// One row under the header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableRow {
    /// The row number as the user sees it in Excel (the first row of the file is 1).
    pub line: usize,
    /// The cells, trimmed (full-width spaces too), in the order of the columns; a row may be
    /// shorter or longer than the header.
    pub cells: Vec<String>,
}

/// Something wrong with one row, or with the whole file when `column` is `None` and `line` is
/// the header row. The message is shown to the user as is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowProblem {
    pub line: usize,
    /// The column by its name in the layout (職員番号, 所属 …), whatever alias the file used.
    pub column: Option<String>,
    pub message: String,
}

impl RowProblem {
    pub(crate) fn new(line: usize, column: &str, message: String) -> Self {
        Self {
            line,
            column: Some(column.to_owned()),
            message,
        }
    }
}

/// What checking a table against a layout found: the rows without problems, and the problems.
/// Import only when `problems` is empty: a row left out because of a problem would otherwise be
/// silently missing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Parsed<R> {
    /// The rows that passed every check, in the order of the file.
    pub rows: Vec<R>,
    pub problems: Vec<RowProblem>,
    /// The required columns the file lacks (then there are no rows and one problem on the header
    /// line naming them all).
    pub missing_columns: Vec<String>,
}

impl<R> Default for Parsed<R> {
    fn default() -> Self {
        Self {
            rows: Vec::new(),
            problems: Vec::new(),
            missing_columns: Vec::new(),
        }
    }
}

/// The caller's key for a unit it already knows (its id, or any text it can map back).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct UnitRef(pub String);

/// Finds a unit the caller already has by the text of a cell: its 組織コード or its name.
pub trait UnitResolver {
    fn resolve(&self, text: &str) -> Option<UnitRef>;
}

impl<F> UnitResolver for F
where
    F: Fn(&str) -> Option<UnitRef>,
{
    fn resolve(&self, text: &str) -> Option<UnitRef> {
        self(text)
    }
}
