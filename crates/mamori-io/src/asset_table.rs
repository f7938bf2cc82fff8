//! The 情報資産台帳 (asset register) as municipalities keep it: one row per asset in an Excel
//! workbook (`.xlsx`) or a CSV file (UTF-8, or Shift_JIS as Excel saves 「CSV (コンマ区切り)」),
//! with the columns of [`ASSET_HEADERS`].
//!
//! Reading shares the first step with the people and units layouts: [`read_table`] turns the
//! bytes into a [`Table`]. Then:
//!
//! - [`parse_asset_rows`] checks what the layout itself decides — 管理番号 unique within the file,
//!   所管課 known to the caller's [`UnitResolver`], the lists of 複製元 and 格納する情報資産
//!   (never the row itself), the ○/× flags and 復旧目標時間 — and keeps every text a person wrote
//!   as the [`NewAsset`](mamori_domain::asset::NewAsset) of the row;
//! - [`check_rows`] runs the domain's [`NewAsset::validate`](mamori_domain::asset::NewAsset::validate) on each row under the body's
//!   classification scheme (種別, 分類, 保存期間, 状態, 文書の種類 …) and turns each error into a
//!   problem naming the row and the column;
//! - [`parse_assets`] does both and reports every problem of a row together.
//!
//! Which asset a 管理番号 in 複製元 or 格納する情報資産 means is the caller's question (the number
//! may be in the register or further down the same file): the row keeps the numbers.
//!
//! Writing ([`assets_xlsx`], [`assets_csv`]) produces exactly the layout the readers take, so an
//! exported register can be edited in Excel and imported again.

mod export;
mod rows;

pub use crate::org_table::{
    CsvEncoding, OrgExportError, Parsed, RowProblem, Table, TableError, TableRow, UnitRef,
    UnitResolver, read_table,
};
pub use export::{AssetExportRow, assets_csv, assets_xlsx};
pub use rows::{ASSET_HEADERS, AssetRow, AssetsParse, check_rows, parse_asset_rows, parse_assets};
