//! People and units written in exactly the layout the readers take, so an export can be edited
//! in Excel and imported again.

use mamori_domain::org::UnitKind;
use rust_xlsxwriter::{Color, DocProperties, Format, FormatBorder, Workbook};

use super::columns::formula_guarded;
use super::people::{PEOPLE_HEADERS, PersonStatus};
use super::read::csv_records;
use super::units::UNIT_HEADERS;

/// The character encoding of a CSV export.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CsvEncoding {
    /// UTF-8 with a byte order mark, which Excel needs to open it as UTF-8. Holds every name.
    Utf8Bom,
    /// Shift_JIS (Windows-31J), for older systems and what Excel writes itself.
    ShiftJis,
}

/// Why a people or units file could not be written. Shown to users, hence Japanese.
#[derive(Debug, thiserror::Error)]
pub enum OrgExportError {
    #[error("Excel ファイルを作成できません: {0}")]
    Xlsx(#[from] rust_xlsxwriter::XlsxError),
    #[error("CSV ファイルを作成できません: {0}")]
    Csv(String),
    /// A text with a character Shift_JIS lacks (𠮷, some 異体字 …); UTF-8 holds it.
    #[error(
        "{line} 行目の{column}「{text}」に Shift_JIS で表せない文字「{character}」があります。文字コードを UTF-8 にして書き出してください"
    )]
    NotShiftJis {
        line: usize,
        column: String,
        text: String,
        character: char,
    },
}

/// A person as the people layout writes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonExportRow {
    pub staff_number: String,
    pub name: String,
    pub name_kana: String,
    /// What the 所属 column shows: the unit's 組織コード (or its name, if unique) so the file
    /// imports again.
    pub unit: String,
    pub title: String,
    pub employment_kind: String,
    pub email: Option<String>,
    pub status: PersonStatus,
}

impl PersonExportRow {
    fn cells(&self) -> [&str; 8] {
        [
            &self.staff_number,
            &self.name,
            &self.name_kana,
            &self.unit,
            &self.title,
            &self.employment_kind,
            self.email.as_deref().unwrap_or(""),
            self.status.label(),
        ]
    }
}

/// A unit as the units layout writes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnitExportRow {
    pub code: String,
    pub name: String,
    pub kind: UnitKind,
    /// The 組織コード of the parent; `None` for a 部局.
    pub parent: Option<String>,
    pub agency_kind: String,
}

impl UnitExportRow {
    fn cells(&self) -> [&str; 5] {
        [
            &self.code,
            &self.name,
            self.kind.label(),
            self.parent.as_deref().unwrap_or(""),
            &self.agency_kind,
        ]
    }
}

/// A column of an exported sheet: width in characters of the default font (a Japanese character
/// is about two) and whether it holds codes, kept as text so leading zeros survive.
struct Column {
    width: f64,
    code: bool,
}

const PEOPLE_COLUMNS: [Column; 8] = [
    Column {
        width: 12.0,
        code: true,
    },
    Column {
        width: 16.0,
        code: false,
    },
    Column {
        width: 20.0,
        code: false,
    },
    Column {
        width: 16.0,
        code: true,
    },
    Column {
        width: 14.0,
        code: false,
    },
    Column {
        width: 20.0,
        code: false,
    },
    Column {
        width: 34.0,
        code: false,
    },
    Column {
        width: 10.0,
        code: false,
    },
];

const UNIT_COLUMNS: [Column; 5] = [
    Column {
        width: 12.0,
        code: true,
    },
    Column {
        width: 26.0,
        code: false,
    },
    Column {
        width: 8.0,
        code: false,
    },
    Column {
        width: 12.0,
        code: true,
    },
    Column {
        width: 18.0,
        code: false,
    },
];

/// People as an `.xlsx` workbook with one sheet 「職員」.
pub fn people_xlsx(rows: &[PersonExportRow]) -> Result<Vec<u8>, OrgExportError> {
    workbook(
        "職員",
        &PEOPLE_HEADERS,
        &PEOPLE_COLUMNS,
        rows.iter().map(PersonExportRow::cells),
    )
}

/// People as CSV with CRLF line ends, as Excel writes it.
pub fn people_csv(
    rows: &[PersonExportRow],
    encoding: CsvEncoding,
) -> Result<Vec<u8>, OrgExportError> {
    csv_file(
        &PEOPLE_HEADERS,
        rows.iter().map(PersonExportRow::cells),
        encoding,
    )
}

/// Units as an `.xlsx` workbook with one sheet 「組織」.
pub fn units_xlsx(rows: &[UnitExportRow]) -> Result<Vec<u8>, OrgExportError> {
    workbook(
        "組織",
        &UNIT_HEADERS,
        &UNIT_COLUMNS,
        rows.iter().map(UnitExportRow::cells),
    )
}

/// Units as CSV with CRLF line ends, as Excel writes it.
pub fn units_csv(rows: &[UnitExportRow], encoding: CsvEncoding) -> Result<Vec<u8>, OrgExportError> {
    csv_file(
        &UNIT_HEADERS,
        rows.iter().map(UnitExportRow::cells),
        encoding,
    )
}

/// One sheet: bold header row, frozen and filterable; code columns formatted as text, so that
/// what the user types there later keeps its leading zeros too.
fn workbook<'a, const N: usize>(
    sheet_name: &str,
    headers: &[&str; N],
    columns: &[Column; N],
    rows: impl Iterator<Item = [&'a str; N]>,
) -> Result<Vec<u8>, OrgExportError> {
    let mut workbook = Workbook::new();
    workbook.set_properties(
        &DocProperties::new()
            .set_title(sheet_name)
            .set_author("mamori"),
    );
    let header = Format::new()
        .set_bold()
        .set_background_color(Color::RGB(0xE8ECF2))
        .set_border(FormatBorder::Thin);
    let body = Format::new()
        .set_border(FormatBorder::Thin)
        .set_border_color(Color::RGB(0xD5DAE3));
    let code_body = body.clone().set_num_format("@");
    let code_column = Format::new().set_num_format("@");

    let sheet = workbook.add_worksheet();
    sheet.set_name(sheet_name)?;
    for (col, (title, column)) in headers.iter().zip(columns).enumerate() {
        let col = col as u16;
        sheet.set_column_width(col, column.width)?;
        if column.code {
            sheet.set_column_format(col, &code_column)?;
        }
        sheet.write_string_with_format(0, col, *title, &header)?;
    }
    let mut last_row = 0;
    for (i, cells) in rows.enumerate() {
        let row = i as u32 + 1;
        for (col, (text, column)) in cells.iter().zip(columns).enumerate() {
            let col = col as u16;
            let format = if column.code { &code_body } else { &body };
            if text.is_empty() {
                sheet.write_blank(row, col, format)?;
            } else {
                sheet.write_string_with_format(row, col, *text, format)?;
            }
        }
        last_row = row;
    }
    sheet.set_freeze_panes(1, 0)?;
    sheet.autofilter(0, 0, last_row, N as u16 - 1)?;
    Ok(workbook.save_to_buffer()?)
}

const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// Rows of cells as a CSV file with CRLF line ends, as Excel writes it; shared with the asset
/// register (`asset_table`).
pub(crate) fn csv_file<S: AsRef<str>, const N: usize>(
    headers: &[&str; N],
    rows: impl Iterator<Item = [S; N]>,
    encoding: CsvEncoding,
) -> Result<Vec<u8>, OrgExportError> {
    let failed = |e: csv::Error| OrgExportError::Csv(e.to_string());
    let mut writer = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    writer.write_record(headers).map_err(failed)?;
    for cells in rows {
        writer
            .write_record(
                cells
                    .iter()
                    .map(|c| formula_guarded(c.as_ref()).into_owned()),
            )
            .map_err(failed)?;
    }
    let text = writer
        .into_inner()
        .map_err(|e| OrgExportError::Csv(e.to_string()))?;
    // Valid: the csv writer only copies the UTF-8 texts it was given.
    let text = String::from_utf8_lossy(&text);
    Ok(match encoding {
        CsvEncoding::Utf8Bom => [UTF8_BOM, text.as_bytes()].concat(),
        CsvEncoding::ShiftJis => {
            let (bytes, _, unmappable) = encoding_rs::SHIFT_JIS.encode(&text);
            if unmappable {
                // Rare, so found only now: read the file back to name the row and column.
                for (i, cells) in csv_records(&text).iter().enumerate().skip(1) {
                    check_shift_jis(i + 1, headers, cells)?;
                }
            }
            bytes.into_owned()
        }
    })
}

/// The encoder would write a character Shift_JIS lacks as an HTML reference (`&#134071;`): name
/// it instead, with its row and column.
fn check_shift_jis<S: AsRef<str>>(
    line: usize,
    headers: &[&str],
    cells: &[S],
) -> Result<(), OrgExportError> {
    for (column, text) in headers.iter().zip(cells) {
        let text = text.as_ref();
        if text.is_ascii() || !encoding_rs::SHIFT_JIS.encode(text).2 {
            continue;
        }
        let mut buf = [0u8; 4];
        if let Some(character) = text
            .chars()
            .find(|c| encoding_rs::SHIFT_JIS.encode(c.encode_utf8(&mut buf)).2)
        {
            return Err(OrgExportError::NotShiftJis {
                line,
                column: (*column).to_owned(),
                text: (*text).to_owned(),
                character,
            });
        }
    }
    Ok(())
}
