//! The asset register written in exactly the layout the readers take, so an export can be
//! edited in Excel and imported again.

use std::borrow::Cow;

use mamori_domain::asset::{Asset, Retention};
use rust_xlsxwriter::{Color, DocProperties, Format, FormatAlign, FormatBorder, Workbook};

use super::rows::ASSET_HEADERS;
use crate::org_table::export::csv_file;
use crate::org_table::{CsvEncoding, OrgExportError};

/// The mark written for a safeguard in place (none is written for one not in place).
const YES_MARK: &str = "○";
/// What separates the 管理番号 of a list in one cell.
const LIST_SEPARATOR: &str = "、";

/// An asset as the register layout writes it: the texts of the cells, the flags as marks and
/// 復旧目標時間 as a number. [`AssetExportRow::from_asset`] fills it from a validated asset.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AssetExportRow {
    pub asset_no: String,
    pub name: String,
    /// The label of the kind (「情報システム」).
    pub kind: String,
    pub description: String,
    /// What the 所管課 column shows: the unit's 組織コード (or its name, if unique) so the file
    /// imports again; empty when no unit owns the asset.
    pub owner_unit: String,
    pub location: String,
    /// The label of the segment (「LGWAN接続系」).
    pub segment: String,
    /// The classification in the scheme's names (「機密性３・完全性２・可用性２」, 「重要性分類Ⅰ」).
    pub classification: String,
    /// The label of the document type, or empty.
    pub document_type: String,
    /// 「5年」, 「永年」, or empty when not set.
    pub retention: String,
    /// The label of the status (「使用中」).
    pub status: String,
    /// 複製元 as 管理番号.
    pub derived_from: Vec<String>,
    /// 格納する情報資産 as 管理番号.
    pub holds: Vec<String>,
    pub encrypted: bool,
    pub locked_storage: bool,
    pub backup: bool,
    pub recovery_target_hours: Option<u32>,
}

impl AssetExportRow {
    /// The row of a validated asset: labels for the kinds, the classification in the scheme's
    /// names. The caller gives what the register knows beyond the asset: its 管理番号, the text
    /// for its unit (see [`owner_unit`](Self::owner_unit)) and the 管理番号 of its links, in the
    /// order of `asset.derived_from` and `asset.holds`.
    pub fn from_asset(
        asset_no: impl Into<String>,
        asset: &Asset,
        owner_unit: impl Into<String>,
        derived_from: Vec<String>,
        holds: Vec<String>,
    ) -> Self {
        Self {
            asset_no: asset_no.into(),
            name: asset.name.clone(),
            kind: asset.kind.label().to_owned(),
            description: asset.description.clone(),
            owner_unit: owner_unit.into(),
            location: asset.location.clone(),
            segment: asset.segment.label().to_owned(),
            classification: asset.classification.to_string(),
            document_type: asset
                .document_type
                .map(|d| d.label().to_owned())
                .unwrap_or_default(),
            retention: match &asset.retention {
                // 「未設定」 would read back as a text period.
                Retention::Unspecified => String::new(),
                other => other.label(),
            },
            status: asset.status.label().to_owned(),
            derived_from,
            holds,
            encrypted: asset.safeguards.encrypted,
            locked_storage: asset.safeguards.locked_storage,
            backup: asset.safeguards.backup,
            recovery_target_hours: asset.safeguards.recovery_target_hours,
        }
    }

    /// The cells in the order of [`ASSET_HEADERS`].
    fn cells(&self) -> [Cow<'_, str>; 17] {
        let flag = |on: bool| Cow::Borrowed(if on { YES_MARK } else { "" });
        [
            Cow::Borrowed(self.asset_no.as_str()),
            Cow::Borrowed(self.name.as_str()),
            Cow::Borrowed(self.kind.as_str()),
            Cow::Borrowed(self.description.as_str()),
            Cow::Borrowed(self.owner_unit.as_str()),
            Cow::Borrowed(self.location.as_str()),
            Cow::Borrowed(self.segment.as_str()),
            Cow::Borrowed(self.classification.as_str()),
            Cow::Borrowed(self.document_type.as_str()),
            Cow::Borrowed(self.retention.as_str()),
            Cow::Borrowed(self.status.as_str()),
            list(&self.derived_from),
            list(&self.holds),
            flag(self.encrypted),
            flag(self.locked_storage),
            flag(self.backup),
            self.recovery_target_hours
                .map(|h| Cow::Owned(h.to_string()))
                .unwrap_or(Cow::Borrowed("")),
        ]
    }
}

fn list(nos: &[String]) -> Cow<'_, str> {
    match nos {
        [] => Cow::Borrowed(""),
        [one] => Cow::Borrowed(one.as_str()),
        many => Cow::Owned(many.join(LIST_SEPARATOR)),
    }
}

/// How a column of the sheet is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// Text.
    Text,
    /// A code, formatted as text so that leading zeros survive what the user types later.
    Code,
    /// A ○ mark, centred.
    Mark,
    /// A whole number.
    Number,
}

/// Width in characters of the default font (a Japanese character is about two) and kind.
const COLUMNS: [(f64, Kind); 17] = [
    (12.0, Kind::Code),   // 管理番号
    (30.0, Kind::Text),   // 名称
    (16.0, Kind::Text),   // 種別
    (40.0, Kind::Text),   // 説明
    (14.0, Kind::Code),   // 所管課
    (22.0, Kind::Text),   // 所在・保管場所
    (22.0, Kind::Text),   // ネットワーク領域
    (30.0, Kind::Text),   // 分類
    (18.0, Kind::Text),   // 文書の種類
    (12.0, Kind::Text),   // 保存期間
    (8.0, Kind::Text),    // 状態
    (18.0, Kind::Code),   // 複製元
    (20.0, Kind::Code),   // 格納する情報資産
    (8.0, Kind::Mark),    // 暗号化
    (10.0, Kind::Mark),   // 施錠保管
    (12.0, Kind::Mark),   // バックアップ
    (14.0, Kind::Number), // 復旧目標時間
];

const SHEET_NAME: &str = "情報資産台帳";

/// The register as an `.xlsx` workbook with one sheet 「情報資産台帳」: bold header row with a
/// fill, frozen and filterable; codes kept as text, ○ marks centred, 復旧目標時間 a number.
///
/// The body cells carry no format of their own: they take their column's (text for codes,
/// centred marks), which keeps 100,000 rows to about two seconds. The whole workbook is built in
/// memory (a few hundred bytes a row); rust_xlsxwriter's constant-memory mode would write
/// temporary files, which this crate does not do, so very large registers are exported in parts.
pub fn assets_xlsx(rows: &[AssetExportRow]) -> Result<Vec<u8>, OrgExportError> {
    let mut workbook = Workbook::new();
    workbook.set_properties(
        &DocProperties::new()
            .set_title(SHEET_NAME)
            .set_author("mamori"),
    );
    let header = Format::new()
        .set_bold()
        .set_background_color(Color::RGB(0xE8ECF2))
        .set_border(FormatBorder::Thin);
    let code = Format::new().set_num_format("@");
    let mark = Format::new().set_align(FormatAlign::Center);

    let sheet = workbook.add_worksheet();
    sheet.set_name(SHEET_NAME)?;
    for (col, (title, (width, kind))) in ASSET_HEADERS.iter().zip(COLUMNS).enumerate() {
        let col = col as u16;
        sheet.set_column_width(col, width)?;
        match kind {
            Kind::Code => {
                sheet.set_column_format(col, &code)?;
            }
            Kind::Mark => {
                sheet.set_column_format(col, &mark)?;
            }
            Kind::Text | Kind::Number => {}
        }
        sheet.write_string_with_format(0, col, *title, &header)?;
    }
    let mut last_row = 0;
    for (i, asset) in rows.iter().enumerate() {
        let row = i as u32 + 1;
        let cells = asset.cells();
        for (col, (text, (_, kind))) in cells.iter().zip(COLUMNS).enumerate() {
            let col = col as u16;
            match (kind, asset.recovery_target_hours) {
                (Kind::Number, Some(hours)) => {
                    sheet.write_number(row, col, f64::from(hours))?;
                }
                _ if text.is_empty() => {}
                _ => {
                    sheet.write_string(row, col, text.as_ref())?;
                }
            }
        }
        last_row = row;
    }
    sheet.set_freeze_panes(1, 0)?;
    sheet.autofilter(0, 0, last_row, ASSET_HEADERS.len() as u16 - 1)?;
    Ok(workbook.save_to_buffer()?)
}

/// The register as CSV with CRLF line ends, as Excel writes it. Shift_JIS refuses a text with a
/// character it lacks, naming its row and column.
pub fn assets_csv(
    rows: &[AssetExportRow],
    encoding: CsvEncoding,
) -> Result<Vec<u8>, OrgExportError> {
    csv_file(
        &ASSET_HEADERS,
        rows.iter().map(AssetExportRow::cells),
        encoding,
    )
}
