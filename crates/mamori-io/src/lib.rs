//! File formats of mamori: what the application reads from and writes to files other programs
//! open: the exports of the guideline catalog — an OSCAL 1.1 catalog (JSON) for GRC tools and an
//! Excel workbook for the people who keep their registers in Excel — and the publication of a
//! body's policy as a Word document (`docx`) from the document model (`policy_document`) — and
//! the people and units of a body as municipalities keep them, read from and written to `.xlsx`
//! and CSV (`org_table`) — and the 情報資産台帳 (asset register) in the same way (`asset_table`) —
//! and the risk heat map as an SVG drawn on the server (`heatmap`).
//!
//! The writers are pure functions from data to bytes or JSON values: no files, no clock (the
//! caller passes the time), so the web handlers and the CLI share them and tests read them back.

pub mod asset_table;
pub mod catalog_text;
pub mod comparison;
pub mod docx;
pub mod heatmap;
pub mod incident;
pub mod ledger;
pub mod org_table;
pub mod oscal;
pub mod policy_document;
pub mod xlsx;

/// Why an export could not be produced. Shown to users, hence Japanese.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// The spreadsheet library refused the workbook.
    #[error("Excel ファイルを作成できません: {0}")]
    Xlsx(#[from] rust_xlsxwriter::XlsxError),
    /// The JSON could not be serialised.
    #[error("JSON を作成できません: {0}")]
    Json(#[from] serde_json::Error),
    /// The Word document could not be packed (the zip writer failed).
    #[error("Word 文書を作成できません: {0}")]
    Docx(String),
}
