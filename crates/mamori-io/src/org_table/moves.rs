//! The layout of a 人事異動 list (職員番号, 氏名, 異動後の所属, 異動後の職名, 在職状況) and its
//! checks. Which person a 職員番号 means is the caller's question; here only the shape of each row.

use std::collections::HashMap;

use super::columns::{Field, choices, locate, normalize_code, required, with_layout_header};
use super::{Parsed, RowProblem, Table, UnitRef, UnitResolver};
use mamori_domain::org::PersonStatus;

/// The headers of the 人事異動 layout.
pub const MOVE_HEADERS: [&str; 5] = [
    "職員番号",
    "氏名",
    "異動後の所属",
    "異動後の職名",
    "在職状況",
];

const STAFF_NUMBER: usize = 0;
const UNIT: usize = 2;
const TITLE: usize = 3;
const STATUS: usize = 4;

const MOVE_FIELDS: [Field; 5] = [
    Field {
        name: MOVE_HEADERS[STAFF_NUMBER],
        aliases: &["職員ID", "職員コード", "職員No"],
        required: true,
    },
    Field {
        name: MOVE_HEADERS[1],
        aliases: &["職員氏名", "職員名", "名前"],
        required: false,
    },
    Field {
        name: MOVE_HEADERS[UNIT],
        aliases: &[
            "新所属",
            "異動先",
            "新所属名",
            "新所属コード",
            "所属",
            "所属コード",
            "所属名",
        ],
        required: true,
    },
    Field {
        name: MOVE_HEADERS[TITLE],
        aliases: &["新職名", "異動後職名", "新役職", "職名", "役職"],
        required: false,
    },
    Field {
        name: MOVE_HEADERS[STATUS],
        aliases: &["在職区分", "在籍状況", "状況"],
        required: false,
    },
];

/// A move that passed every check of its row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MoveRow {
    pub line: usize,
    pub staff_number: String,
    pub unit: UnitRef,
    pub title: String,
    pub status: PersonStatus,
}

pub type MovesParse = Parsed<MoveRow>;

/// Checks a 人事異動 list: 職員番号 given and not repeated, 異動後の所属 known to `units`,
/// 在職状況 (empty = 在職) one of 在職・休職・退職.
pub fn parse_moves(table: &Table, units: &dyn UnitResolver) -> MovesParse {
    let table = &*with_layout_header(&MOVE_FIELDS, table);
    let columns = match locate(&MOVE_FIELDS, table) {
        Ok(c) => c,
        Err(missing) => return missing,
    };
    let mut out = Parsed {
        rows: Vec::new(),
        problems: Vec::new(),
        missing_columns: Vec::new(),
    };
    let mut first_line_of: HashMap<String, usize> = HashMap::new();
    for row in &table.rows {
        let line = row.line;
        let mut problems = Vec::new();
        let staff_number = normalize_code(columns.cell(row, STAFF_NUMBER));
        if staff_number.is_empty() {
            problems.push(RowProblem::new(
                line,
                MOVE_HEADERS[STAFF_NUMBER],
                required(MOVE_HEADERS[STAFF_NUMBER]),
            ));
        } else if let Some(first) = first_line_of.get(&staff_number) {
            problems.push(RowProblem::new(
                line,
                MOVE_HEADERS[STAFF_NUMBER],
                format!("職員番号「{staff_number}」が {first} 行目と {line} 行目で重複しています"),
            ));
        } else {
            first_line_of.insert(staff_number.clone(), line);
        }
        let mut texts = columns.cells(row, UNIT).peekable();
        let unit = match texts.peek().copied() {
            None => {
                problems.push(RowProblem::new(
                    line,
                    MOVE_HEADERS[UNIT],
                    required(MOVE_HEADERS[UNIT]),
                ));
                None
            }
            Some(first) => {
                let found = texts.find_map(|t| units.resolve(t));
                if found.is_none() {
                    problems.push(RowProblem::new(
                        line,
                        MOVE_HEADERS[UNIT],
                        format!("異動後の所属「{first}」が組織にありません"),
                    ));
                }
                found
            }
        };
        let status_text = columns.cell(row, STATUS);
        let status = if status_text.is_empty() {
            Some(PersonStatus::Active)
        } else {
            let s = PersonStatus::parse(status_text);
            if s.is_none() {
                problems.push(RowProblem::new(
                    line,
                    MOVE_HEADERS[STATUS],
                    format!(
                        "在職状況「{status_text}」は使えません。{}のいずれかを入力してください（空欄は在職）",
                        choices(PersonStatus::ALL.map(PersonStatus::label))
                    ),
                ));
            }
            s
        };
        match (unit, status) {
            (Some(unit), Some(status)) if problems.is_empty() => out.rows.push(MoveRow {
                line,
                staff_number,
                unit,
                title: columns.cell(row, TITLE).to_owned(),
                status,
            }),
            _ => out.problems.extend(problems),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use super::*;
    use crate::org_table::read_table;

    fn units(text: &str) -> Option<UnitRef> {
        ["市民課", "税務課"]
            .contains(&text)
            .then(|| UnitRef(text.to_owned()))
    }

    #[test]
    fn a_move_list_reads_with_aliases_and_names_each_bad_row() {
        let csv = "職員番号,氏名,新所属,新職名,在職状況\n\
                   ００９１,佐々木 翔太,税務課,課長,\n\
                   100105,松本 和也,市民課,課長,在職\n\
                   100105,松本 和也,市民課,課長,在職\n\
                   100112,井上 真由美,福祉部,主査,長期休暇\n";
        let table = read_table("異動.csv", csv.as_bytes()).unwrap();
        let parsed = parse_moves(&table, &units);
        assert_eq!(parsed.rows.len(), 2);
        assert_eq!(parsed.rows[0].staff_number, "0091");
        assert_eq!(parsed.rows[0].unit, UnitRef("税務課".into()));
        assert_eq!(parsed.rows[1].status, PersonStatus::Active);
        let lines: Vec<(usize, Option<&str>)> = parsed
            .problems
            .iter()
            .map(|p| (p.line, p.column.as_deref()))
            .collect();
        assert_eq!(
            lines,
            vec![
                (4, Some("職員番号")),
                (5, Some("異動後の所属")),
                (5, Some("在職状況")),
            ]
        );
    }

    #[test]
    fn a_list_without_the_new_unit_column_is_refused_as_a_whole() {
        let table = read_table("異動.csv", "職員番号,氏名\n1,a\n".as_bytes()).unwrap();
        let parsed = parse_moves(&table, &units);
        assert!(parsed.rows.is_empty());
        assert_eq!(parsed.missing_columns, vec!["異動後の所属".to_owned()]);
    }
}
