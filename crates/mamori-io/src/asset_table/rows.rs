//! The columns of the asset register and the checks of its rows: first what the layout decides
//! (numbers, links, flags, hours, the unit), then the domain's rules under the body's scheme.

use std::collections::HashMap;

use mamori_domain::DomainError;
use mamori_domain::asset::{NewAsset, Safeguards};
use mamori_domain::classification::ClassificationScheme;
use mamori_domain::ids::{AssetId, BodyId, OrgUnitId};
use unicode_normalization::UnicodeNormalization;
use uuid::Uuid;

use crate::org_table::columns::{Columns, Field, locate, normalize_code, with_layout_header};
use crate::org_table::{Parsed, RowProblem, Table, TableRow, UnitResolver};

/// The headers of the asset register in the order the export writes them. The names of the
/// fields the domain reports errors on (名称, 分類 …) are these headers.
pub const ASSET_HEADERS: [&str; 17] = [
    "管理番号",
    "名称",
    "種別",
    "説明",
    "所管課",
    "所在・保管場所",
    "ネットワーク領域",
    "分類",
    "文書の種類",
    "保存期間",
    "状態",
    "複製元",
    "格納する情報資産",
    "暗号化",
    "施錠保管",
    "バックアップ",
    "復旧目標時間",
];

pub(crate) const ASSET_NO: usize = 0;
const NAME: usize = 1;
const KIND: usize = 2;
const DESCRIPTION: usize = 3;
pub(crate) const OWNER_UNIT: usize = 4;
const LOCATION: usize = 5;
const SEGMENT: usize = 6;
const CLASSIFICATION: usize = 7;
const DOCUMENT_TYPE: usize = 8;
const RETENTION: usize = 9;
const STATUS: usize = 10;
pub(crate) const DERIVED_FROM: usize = 11;
pub(crate) const HOLDS: usize = 12;
const ENCRYPTED: usize = 13;
const LOCKED_STORAGE: usize = 14;
const BACKUP: usize = 15;
pub(crate) const RECOVERY_HOURS: usize = 16;

/// The longest 管理番号.
const ASSET_NO_MAX_CHARS: usize = 50;

const fn field(index: usize, aliases: &'static [&'static str], required: bool) -> Field {
    Field {
        name: ASSET_HEADERS[index],
        aliases,
        required,
    }
}

const ASSET_FIELDS: [Field; 17] = [
    field(
        ASSET_NO,
        &[
            "資産番号",
            "情報資産番号",
            "台帳番号",
            "管理No",
            "資産ID",
            "番号",
            "No",
            "ID",
        ],
        false,
    ),
    field(
        NAME,
        &["情報資産名", "情報資産の名称", "資産名", "名前", "情報資産"],
        true,
    ),
    field(
        KIND,
        &["情報資産の種類", "資産種別", "種類", "情報資産の種別"],
        true,
    ),
    field(DESCRIPTION, &["概要", "内容", "説明・備考"], false),
    field(
        OWNER_UNIT,
        &[
            "所管課コード",
            "所管課名",
            "所管部署",
            "所管",
            "管理課",
            "管理部署",
            "担当課",
            "所属",
        ],
        false,
    ),
    field(
        LOCATION,
        &[
            "所在",
            "保管場所",
            "設置場所",
            "所在地",
            "保存場所",
            "所在場所",
        ],
        false,
    ),
    field(
        SEGMENT,
        &["ネットワーク区分", "ネットワーク", "接続系", "領域", "系統"],
        false,
    ),
    field(
        CLASSIFICATION,
        &[
            "重要性分類",
            "情報資産の分類",
            "格付",
            "格付け",
            "機密性・完全性・可用性",
        ],
        true,
    ),
    field(DOCUMENT_TYPE, &["文書種別", "文書種類", "文書区分"], false),
    field(RETENTION, &["保存年限", "保管期間"], false),
    field(STATUS, &["使用状況", "ステータス", "状況"], false),
    field(
        DERIVED_FROM,
        &["複製元の管理番号", "複製元資産", "複製元情報資産"],
        false,
    ),
    field(
        HOLDS,
        &[
            "格納する情報資産の管理番号",
            "格納情報資産",
            "格納する情報",
            "格納物",
        ],
        false,
    ),
    field(
        ENCRYPTED,
        &[
            "暗号化の有無",
            "暗号化（又はパスワード設定）",
            "暗号化・パスワード設定",
            "パスワード設定",
        ],
        false,
    ),
    field(LOCKED_STORAGE, &["施錠保管の有無", "施錠"], false),
    field(BACKUP, &["バックアップの有無", "バックアップ取得"], false),
    field(
        RECOVERY_HOURS,
        &["復旧目標時間（時間）", "目標復旧時間", "復旧時間", "RTO"],
        false,
    ),
];

/// An asset row whose cells are readable. After [`check_rows`] (or from [`parse_assets`]) it
/// also passed every rule of the domain under the body's scheme.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssetRow {
    /// The row number as the user sees it in Excel.
    pub line: usize,
    /// 管理番号, half-width (「ＩＡ－０００１２３」 is `IA-000123`); `None` when the cell is
    /// empty: a new asset, numbered when it is registered.
    pub asset_no: Option<String>,
    /// The texts of the row as written (trimmed, line breaks as `\n`), 所管課 resolved to its
    /// unit, the flags and 復旧目標時間 read. `derived_from` and `holds` are empty: the caller
    /// resolves [`derived_from_nos`](Self::derived_from_nos) and [`holds_nos`](Self::holds_nos).
    pub new: NewAsset,
    /// 複製元 as 管理番号, half-width, in the order written, no repeats.
    pub derived_from_nos: Vec<String>,
    /// 格納する情報資産 as 管理番号, half-width, in the order written, no repeats.
    pub holds_nos: Vec<String>,
}

/// What [`parse_asset_rows`], [`check_rows`] and [`parse_assets`] found.
pub type AssetsParse = Parsed<AssetRow>;

/// Checks a table against the asset register layout and the domain's rules under `scheme`:
/// [`parse_asset_rows`] and [`check_rows`] in one pass, every problem of a row reported together.
///
/// `units` finds the unit of a 所管課 cell (by code or name) and must answer with the unit's id
/// ([`OrgUnitId`] as text), as the application's resolver does.
pub fn parse_assets(
    table: &Table,
    units: &dyn UnitResolver,
    scheme: &ClassificationScheme,
) -> AssetsParse {
    parse(table, units, Some(scheme))
}

/// Checks a table against the asset register layout only: required columns present; 管理番号
/// unique within the file; 所管課 empty or known to `units` (which answers with the unit's id);
/// 複製元 and 格納する情報資産 lists of 管理番号 without repeats and without the row's own;
/// 暗号化・施錠保管・バックアップ ○ or ×; 復旧目標時間 whole hours of at least 1. The texts the
/// domain reads (種別, 分類, 保存期間 …) are kept as written: run [`check_rows`] before importing.
pub fn parse_asset_rows(table: &Table, units: &dyn UnitResolver) -> AssetsParse {
    parse(table, units, None)
}

/// Runs the domain's validation ([`NewAsset::validate`]) on every row under the body's scheme.
/// A row with an error leaves `rows`; each error becomes a problem on its row, in the column the
/// error names (分類 keeps the axis in its message: 「機密性: 区分「４」は…」).
pub fn check_rows(parsed: AssetsParse, scheme: &ClassificationScheme) -> AssetsParse {
    let mut out = AssetsParse {
        rows: Vec::with_capacity(parsed.rows.len()),
        problems: parsed.problems,
        missing_columns: parsed.missing_columns,
    };
    for mut row in parsed.rows {
        let mut problems = domain_problems(&mut row, scheme);
        if problems.is_empty() {
            out.rows.push(row);
        } else {
            out.problems.append(&mut problems);
        }
    }
    // Stable: the problems of a row stay in the order of its columns.
    out.problems.sort_by_key(|p| p.line);
    out
}

fn parse(
    table: &Table,
    units: &dyn UnitResolver,
    scheme: Option<&ClassificationScheme>,
) -> AssetsParse {
    let table = &*with_layout_header(&ASSET_FIELDS, table);
    let columns = match locate(&ASSET_FIELDS, table) {
        Ok(c) => c,
        Err(missing) => return missing,
    };
    let mut check = Check {
        columns,
        units,
        first_line_of: HashMap::new(),
    };
    let mut out = AssetsParse {
        rows: Vec::with_capacity(table.rows.len()),
        ..AssetsParse::default()
    };
    for table_row in &table.rows {
        let (mut row, mut problems) = check.row(table_row);
        if let Some(scheme) = scheme {
            problems.extend(domain_problems(&mut row, scheme));
            sort_by_column(&mut problems);
        }
        if problems.is_empty() {
            out.rows.push(row);
        } else {
            out.problems.append(&mut problems);
        }
    }
    out
}

/// The problems of one row in the order of the layout's columns (problems of the whole row
/// last).
fn sort_by_column(problems: &mut [RowProblem]) {
    problems.sort_by_key(|p| {
        p.column
            .as_deref()
            .and_then(|c| ASSET_HEADERS.iter().position(|h| *h == c))
            .unwrap_or(ASSET_HEADERS.len())
    });
}

/// The errors [`NewAsset::validate`] finds in a row, as problems of the row. The links are given
/// as stand-in ids, one per listed number, so the rules on them (only a 電磁的記録媒体 holds other
/// assets) apply without knowing the register.
fn domain_problems(row: &mut AssetRow, scheme: &ClassificationScheme) -> Vec<RowProblem> {
    let stand_in = |n: usize| AssetId::from(Uuid::from_u128(n as u128 + 1));
    let mut probe = std::mem::take(&mut row.new);
    probe.derived_from = (0..row.derived_from_nos.len()).map(stand_in).collect();
    probe.holds = (row.derived_from_nos.len()..row.derived_from_nos.len() + row.holds_nos.len())
        .map(stand_in)
        .collect();
    let result = probe.validate(
        scheme,
        AssetId::from(Uuid::nil()),
        BodyId::from(Uuid::nil()),
    );
    probe.derived_from.clear();
    probe.holds.clear();
    row.new = probe;
    match result {
        Ok(_) => Vec::new(),
        Err(errors) => errors
            .into_iter()
            .map(|e| problem_of(row.line, e))
            .collect(),
    }
}

/// A domain error as a problem in the column it names; an error on a field the layout lacks
/// stays on the row with the field in its message.
fn problem_of(line: usize, error: DomainError) -> RowProblem {
    match ASSET_HEADERS.iter().find(|h| **h == error.field) {
        Some(column) => RowProblem::new(line, column, error.message),
        None => RowProblem {
            line,
            column: None,
            message: error.to_string(),
        },
    }
}

/// The checks of the layout, with what they remember from row to row.
struct Check<'a> {
    columns: Columns,
    units: &'a dyn UnitResolver,
    /// The row of each 管理番号 seen so far.
    first_line_of: HashMap<String, usize>,
}

impl Check<'_> {
    /// The row as read, with every problem the layout finds in it.
    fn row(&mut self, row: &TableRow) -> (AssetRow, Vec<RowProblem>) {
        let line = row.line;
        let mut problems = Vec::new();
        let mut problem = |field: usize, message: String| {
            problems.push(RowProblem::new(line, ASSET_HEADERS[field], message));
        };
        let cell = |field: usize| self.columns.cell(row, field);
        let text = |field: usize| one_line_break(cell(field));

        let asset_no = Some(normalize_code(cell(ASSET_NO))).filter(|n| !n.is_empty());
        if let Some(no) = &asset_no {
            if let Err(message) = check_asset_no(no) {
                problem(ASSET_NO, message);
            } else if let Some(first) = self.first_line_of.get(no) {
                problem(
                    ASSET_NO,
                    format!("管理番号「{no}」が {first} 行目と {line} 行目で重複しています"),
                );
            } else {
                self.first_line_of.insert(no.clone(), line);
            }
        }
        let owner_unit = self.owner_unit(row).unwrap_or_else(|m| {
            problem(OWNER_UNIT, m);
            None
        });
        let mut links = |field: usize| {
            asset_numbers(field, cell(field), asset_no.as_deref()).unwrap_or_else(|m| {
                problem(field, m);
                Vec::new()
            })
        };
        let derived_from_nos = links(DERIVED_FROM);
        let holds_nos = links(HOLDS);
        let mut flag = |field: usize| {
            parse_flag(ASSET_HEADERS[field], cell(field)).unwrap_or_else(|m| {
                problem(field, m);
                false
            })
        };
        let safeguards = Safeguards {
            encrypted: flag(ENCRYPTED),
            locked_storage: flag(LOCKED_STORAGE),
            backup: flag(BACKUP),
            recovery_target_hours: parse_hours(cell(RECOVERY_HOURS)).unwrap_or_else(|m| {
                problem(RECOVERY_HOURS, m);
                None
            }),
        };
        let new = NewAsset {
            kind: text(KIND),
            name: text(NAME),
            description: text(DESCRIPTION),
            owner_unit,
            location: text(LOCATION),
            segment: text(SEGMENT),
            classification: text(CLASSIFICATION),
            retention: text(RETENTION),
            status: text(STATUS),
            document_type: text(DOCUMENT_TYPE),
            derived_from: Vec::new(),
            holds: Vec::new(),
            safeguards,
        };
        let row = AssetRow {
            line,
            asset_no,
            new,
            derived_from_nos,
            holds_nos,
        };
        (row, problems)
    }

    /// The unit of the first 所管課 cell the caller knows (a file may have both 所管課コード and
    /// 所管課名); `None` for an empty cell.
    fn owner_unit(&self, row: &TableRow) -> Result<Option<OrgUnitId>, String> {
        let mut texts = self.columns.cells(row, OWNER_UNIT).peekable();
        let Some(first) = texts.peek().copied() else {
            return Ok(None);
        };
        let unit = texts.find_map(|t| self.units.resolve(t)).ok_or_else(|| {
            format!("所管課「{first}」が組織にありません（組織コードか組織名を入力してください）")
        })?;
        unit.0
            .parse::<OrgUnitId>()
            .map(Some)
            .map_err(|_| format!("所管課「{first}」の組織を特定できません"))
    }
}

/// A text cell as the domain takes it: line breaks of any kind (Excel on Windows writes CRLF
/// inside a quoted CSV field) as `\n`.
fn one_line_break(s: &str) -> String {
    if s.contains('\r') {
        s.replace("\r\n", "\n").replace('\r', "\n")
    } else {
        s.to_owned()
    }
}

fn check_asset_no(no: &str) -> Result<(), String> {
    if no.chars().count() > ASSET_NO_MAX_CHARS {
        return Err(format!(
            "管理番号「{no}」が長すぎます。{ASSET_NO_MAX_CHARS}文字以内で入力してください"
        ));
    }
    if no.chars().any(char::is_control) {
        return Err("管理番号に改行や制御文字は使えません".to_owned());
    }
    Ok(())
}

/// A list of 管理番号 as people write it: separated by 「、」「,」「・」 or line breaks, any
/// width. Each number is half-width; repeating one, or naming the row's own, is refused.
fn asset_numbers(field: usize, cell: &str, own: Option<&str>) -> Result<Vec<String>, String> {
    let column = ASSET_HEADERS[field];
    let normalized: String = cell.nfkc().collect();
    let mut out: Vec<String> = Vec::new();
    for piece in normalized.split(['、', ',', '・', '\n', '\r']) {
        let no = normalize_code(piece);
        if no.is_empty() {
            continue;
        }
        if own == Some(no.as_str()) {
            return Err(format!(
                "{column}にこの行自身の管理番号「{no}」は指定できません"
            ));
        }
        if out.contains(&no) {
            return Err(format!("{column}に管理番号「{no}」が重複しています"));
        }
        check_asset_no(&no).map_err(|m| format!("{column}: {m}"))?;
        out.push(no);
    }
    Ok(out)
}

/// The words accepted for a safeguard in place, and for one not in place (besides an empty cell).
const YES: [&str; 13] = [
    "○", "〇", "◯", "有", "有り", "あり", "はい", "済", "済み", "1", "true", "yes", "y",
];
const NO: [&str; 10] = [
    "×",
    "✕",
    "無",
    "無し",
    "なし",
    "いいえ",
    "0",
    "false",
    "no",
    "n",
];

/// 暗号化・施錠保管・バックアップ: 「○」「有」「はい」「済」「1」… yes; empty, 「×」「無」「なし」
/// 「いいえ」「0」… no (any width or case).
fn parse_flag(column: &str, cell: &str) -> Result<bool, String> {
    let text: String = cell.trim().nfkc().flat_map(char::to_lowercase).collect();
    if text.is_empty() || NO.contains(&text.as_str()) {
        Ok(false)
    } else if YES.contains(&text.as_str()) {
        Ok(true)
    } else {
        Err(format!(
            "{column}「{cell}」は読み取れません。実施していれば「○」（有・あり・はい・済・1）、していなければ空欄か「×」（無・なし・いいえ・0）を入力してください"
        ))
    }
}

/// 復旧目標時間 in whole hours: 「24」「24時間」「２４」; empty is not set.
fn parse_hours(cell: &str) -> Result<Option<u32>, String> {
    let text: String = cell.trim().nfkc().collect();
    if text.is_empty() {
        return Ok(None);
    }
    let number = text
        .strip_suffix("時間")
        .or_else(|| text.strip_suffix(['h', 'H']))
        .unwrap_or(&text)
        .trim();
    match number.parse::<u32>() {
        Ok(hours) if hours >= 1 && number.chars().all(|c| c.is_ascii_digit()) => Ok(Some(hours)),
        _ => Err(format!(
            "復旧目標時間「{cell}」は読み取れません。1以上の整数（時間）で入力してください（例: 24、24時間）。未設定なら空欄にしてください"
        )),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use super::*;

    #[test]
    fn flags_read_the_usual_marks_in_any_width() {
        for yes in [
            "○", "〇", "有", "あり", "はい", "済", "1", "１", "TRUE", "true",
        ] {
            assert_eq!(parse_flag("暗号化", yes), Ok(true), "{yes}");
        }
        for no in ["", "×", "無", "なし", "いいえ", "0", "０", "FALSE"] {
            assert_eq!(parse_flag("暗号化", no), Ok(false), "{no}");
        }
        let message = parse_flag("施錠保管", "たぶん").unwrap_err();
        assert!(message.starts_with("施錠保管「たぶん」"), "{message}");
    }

    #[test]
    fn hours_are_whole_and_at_least_one() {
        assert_eq!(parse_hours("24"), Ok(Some(24)));
        assert_eq!(parse_hours("２４時間"), Ok(Some(24)));
        assert_eq!(parse_hours("72h"), Ok(Some(72)));
        assert_eq!(parse_hours(""), Ok(None));
        for bad in ["0", "1.5", "-3", "+3", "一日", "99999999999"] {
            assert!(parse_hours(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn number_lists_split_on_the_usual_marks_and_refuse_repeats_and_the_row_itself() {
        assert_eq!(
            asset_numbers(
                DERIVED_FROM,
                "ＩＡ－１、IA-2,IA-3・IA-4\r\nIA-5，IA-6",
                None
            )
            .unwrap(),
            ["IA-1", "IA-2", "IA-3", "IA-4", "IA-5", "IA-6"]
        );
        assert!(asset_numbers(HOLDS, "IA-1、IA-1", None).is_err());
        let message = asset_numbers(DERIVED_FROM, "IA-2、ＩＡ－７", Some("IA-7")).unwrap_err();
        assert!(message.contains("IA-7"), "{message}");
    }

    #[test]
    fn every_field_the_domain_names_is_a_column() {
        for field in [
            "名称",
            "種別",
            "説明",
            "所在・保管場所",
            "ネットワーク領域",
            "分類",
            "保存期間",
            "状態",
            "文書の種類",
            "複製元",
            "格納する情報資産",
            "復旧目標時間",
        ] {
            assert!(ASSET_HEADERS.contains(&field), "{field}");
        }
    }
}
