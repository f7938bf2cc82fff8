//! A 台帳 of applications as the Excel workbook municipalities keep: 番号, 申請日, 申請者, 所属,
//! 内容, 承認者, 承認日, 期限/返却予定日, 返却日, 備考, with late returns, near expiries and late
//! emergency reports filled in colour.

use mamori_domain::approval::LedgerRow;
use rust_xlsxwriter::{Color, DocProperties, Format, FormatBorder, Workbook, XlsxError};

/// The columns of the ledger, in order.
pub const LEDGER_HEADERS: [&str; 10] = [
    "番号",
    "申請日",
    "申請者",
    "所属",
    "内容",
    "承認者",
    "承認日",
    "期限/返却予定日",
    "返却日",
    "備考",
];

const WIDTHS: [f64; 10] = [12.0, 12.0, 14.0, 16.0, 40.0, 24.0, 12.0, 16.0, 12.0, 36.0];

/// The cells of a row as text; a flag is written in 備考 too, so it reads without colour.
pub fn ledger_cells(row: &LedgerRow) -> [String; 10] {
    let date = |d: Option<chrono::NaiveDate>| d.map(|d| d.to_string()).unwrap_or_default();
    let mut remarks = row.remarks.clone();
    if row.overdue_return {
        remarks.push("返却遅れ".to_owned());
    }
    if row.expiring {
        remarks.push("期限間近".to_owned());
    }
    if row.report_overdue {
        remarks.push("事後報告の期限超過".to_owned());
    }
    [
        row.number.clone(),
        date(row.applied_on),
        row.applicant.clone(),
        row.unit.clone(),
        row.content.clone(),
        row.approvers.join("、"),
        date(row.approved_on),
        date(row.due),
        date(row.returned_on),
        remarks.join("／"),
    ]
}

/// The ledger of one kind as a workbook; the sheet is named after the kind.
pub fn ledger_xlsx(kind_name: &str, rows: &[LedgerRow]) -> Result<Vec<u8>, XlsxError> {
    let mut workbook = Workbook::new();
    let title = format!("{kind_name}台帳");
    workbook.set_properties(&DocProperties::new().set_title(&title).set_author("mamori"));
    let header = Format::new()
        .set_bold()
        .set_background_color(Color::RGB(0xE8ECF2))
        .set_border(FormatBorder::Thin);
    let flagged = Format::new().set_background_color(Color::RGB(0xFFF4D6));
    let sheet = workbook.add_worksheet();
    // Sheet names are at most 31 characters.
    sheet.set_name(title.chars().take(31).collect::<String>())?;
    for (col, (name, width)) in LEDGER_HEADERS.iter().zip(WIDTHS).enumerate() {
        let col = col as u16;
        sheet.set_column_width(col, width)?;
        sheet.write_string_with_format(0, col, *name, &header)?;
    }
    for (i, row) in rows.iter().enumerate() {
        let r = i as u32 + 1;
        let flag = row.overdue_return || row.expiring || row.report_overdue;
        for (col, text) in ledger_cells(row).iter().enumerate() {
            if flag {
                sheet.write_string_with_format(r, col as u16, text, &flagged)?;
            } else {
                sheet.write_string(r, col as u16, text)?;
            }
        }
    }
    sheet.set_freeze_panes(1, 0)?;
    sheet.autofilter(0, 0, rows.len() as u32, LEDGER_HEADERS.len() as u16 - 1)?;
    workbook.save_to_buffer()
}
