//! The units layout (組織コード, 組織名, 種別, 上位組織, 行政機関) and its checks, the tree included:
//! every parent must exist and following parents must never come back to the start.

use std::collections::HashMap;

use mamori_domain::org::UnitKind;

use super::columns::{
    Columns, Field, choices, locate, normalize_code, required, with_layout_header,
};
use super::{Parsed, RowProblem, Table, UnitRef, UnitResolver};

/// The headers of the units layout in the order the export writes them.
pub const UNIT_HEADERS: [&str; 5] = ["組織コード", "組織名", "種別", "上位組織", "行政機関"];

const CODE: usize = 0;
const NAME: usize = 1;
const KIND: usize = 2;
const PARENT: usize = 3;
const AGENCY: usize = 4;

pub(crate) const UNIT_FIELDS: [Field; 5] = [
    Field {
        name: UNIT_HEADERS[CODE],
        aliases: &["所属コード", "課コード", "部署コード", "コード"],
        required: true,
    },
    Field {
        name: UNIT_HEADERS[NAME],
        aliases: &["所属名", "課名", "部署名", "名称"],
        required: true,
    },
    Field {
        name: UNIT_HEADERS[KIND],
        aliases: &["組織種別", "区分", "階層"],
        required: true,
    },
    Field {
        name: UNIT_HEADERS[PARENT],
        aliases: &["上位組織コード", "上位組織名", "親組織", "上位所属"],
        required: false,
    },
    Field {
        name: UNIT_HEADERS[AGENCY],
        aliases: &["行政機関の種別", "行政機関種別", "機関"],
        required: true,
    },
];

/// The parent of a unit row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParentRef {
    /// A unit of the same file, by its 組織コード.
    InFile(String),
    /// A unit the caller already has (found through its [`UnitResolver`]).
    Existing(UnitRef),
}

/// A unit row that passed every check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnitRow {
    pub line: usize,
    /// 組織コード, half-width (see [`super::normalize_code`]).
    pub code: String,
    pub name: String,
    pub kind: UnitKind,
    /// `None` for a 部局.
    pub parent: Option<ParentRef>,
    /// 行政機関: 内部部局, 行政委員会, 教育委員会, 議会事務局 … as written.
    pub agency_kind: String,
}

/// What [`parse_units`] found.
pub type UnitsParse = Parsed<UnitRow>;

impl Parsed<UnitRow> {
    /// The rows ordered so that a unit comes after its parent in the file (for inserting them
    /// one by one); otherwise in the order of the file.
    pub fn parents_first(&self) -> Vec<&UnitRow> {
        let index: HashMap<&str, &UnitRow> =
            self.rows.iter().map(|r| (r.code.as_str(), r)).collect();
        let mut rows: Vec<&UnitRow> = self.rows.iter().collect();
        rows.sort_by_cached_key(|r| depth(&index, r));
        rows
    }
}

/// How many in-file parents lie above `row`.
fn depth<'a>(index: &HashMap<&str, &'a UnitRow>, mut row: &'a UnitRow) -> usize {
    let mut depth = 0;
    while let Some(ParentRef::InFile(code)) = &row.parent {
        match index.get(code.as_str()) {
            // Parsed rows hold no cycle; the bound only keeps a bug from looping forever.
            Some(parent) if depth < index.len() => {
                row = parent;
                depth += 1;
            }
            _ => break,
        }
    }
    depth
}

/// One row as read, before the parents are looked up.
struct Draft {
    line: usize,
    code: String,
    name: String,
    kind: Option<UnitKind>,
    parent_text: String,
    agency_kind: String,
    problems: Vec<RowProblem>,
}

/// Checks a table against the units layout. A 上位組織 is looked up in the file by code, then by
/// name, then among the caller's units through `existing` when given.
pub fn parse_units(table: &Table, existing: Option<&dyn UnitResolver>) -> UnitsParse {
    let table = &*with_layout_header(&UNIT_FIELDS, table);
    let columns = match locate(&UNIT_FIELDS, table) {
        Ok(c) => c,
        Err(parsed) => return parsed,
    };
    let (mut drafts, by_code) = drafts(table, &columns);
    let parents = find_parents(&mut drafts, &by_code, existing);
    mark_cycles(&mut drafts, &parents);

    let mut out = UnitsParse::default();
    for (d, parent) in drafts.iter().zip(parents) {
        match d.kind {
            Some(kind) if d.problems.is_empty() => out.rows.push(UnitRow {
                line: d.line,
                code: d.code.clone(),
                name: d.name.clone(),
                kind,
                parent: parent.map(|p| match p {
                    Ok(i) => ParentRef::InFile(
                        drafts.get(i).map_or_else(String::new, |p| p.code.clone()),
                    ),
                    Err(unit) => ParentRef::Existing(unit),
                }),
                agency_kind: d.agency_kind.clone(),
            }),
            _ => out.problems.extend(d.problems.iter().cloned()),
        }
    }
    out
}

/// The rows with the checks of each row on its own, and the first row of each code.
fn drafts(table: &Table, columns: &Columns) -> (Vec<Draft>, HashMap<String, usize>) {
    let kinds = [UnitKind::Department, UnitKind::Section, UnitKind::Team];
    let mut by_code: HashMap<String, usize> = HashMap::new();
    let mut drafts: Vec<Draft> = Vec::with_capacity(table.rows.len());
    for row in &table.rows {
        let line = row.line;
        let mut problems = Vec::new();
        let mut problem = |field: usize, message: String| {
            problems.push(RowProblem::new(line, UNIT_HEADERS[field], message));
        };
        let code = normalize_code(columns.cell(row, CODE));
        let name = columns.cell(row, NAME).to_owned();
        let kind_text = columns.cell(row, KIND);
        let agency_kind = columns.cell(row, AGENCY).to_owned();
        if code.is_empty() {
            problem(CODE, required(UNIT_HEADERS[CODE]));
        } else if let Some(&first) = by_code.get(&code) {
            let first = drafts.get(first).map_or(0, |d| d.line);
            problem(
                CODE,
                format!("組織コード「{code}」が {first} 行目と {line} 行目で重複しています"),
            );
        } else {
            by_code.insert(code.clone(), drafts.len());
        }
        if name.is_empty() {
            problem(NAME, required(UNIT_HEADERS[NAME]));
        }
        let kind = kinds.into_iter().find(|k| k.label() == kind_text);
        if kind.is_none() {
            let rule = format!(
                "{}のいずれかを入力してください",
                choices(kinds.map(UnitKind::label))
            );
            let message = if kind_text.is_empty() {
                format!("種別が空です。{rule}")
            } else {
                format!("種別「{kind_text}」は使えません。{rule}")
            };
            problem(KIND, message);
        }
        if agency_kind.is_empty() {
            problem(
                AGENCY,
                format!(
                    "{}（内部部局、行政委員会、教育委員会、議会事務局、消防本部、地方公営企業 など）",
                    required(UNIT_HEADERS[AGENCY])
                ),
            );
        }
        drafts.push(Draft {
            line,
            code,
            name,
            kind,
            parent_text: columns.cell(row, PARENT).to_owned(),
            agency_kind,
            problems,
        });
    }
    (drafts, by_code)
}

/// The parent of each draft: `Some(Ok(index in the file))`, `Some(Err(existing unit))` or
/// `None`; a parent that cannot be found, or is given where none may be, is a problem of the row.
fn find_parents(
    drafts: &mut [Draft],
    by_code: &HashMap<String, usize>,
    existing: Option<&dyn UnitResolver>,
) -> Vec<Option<Result<usize, UnitRef>>> {
    let mut by_name: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, d) in drafts.iter().enumerate() {
        by_name.entry(d.name.as_str()).or_default().push(i);
    }
    let mut parents: Vec<Option<Result<usize, UnitRef>>> = Vec::with_capacity(drafts.len());
    let mut late: Vec<(usize, RowProblem)> = Vec::new();
    for (at, d) in drafts.iter().enumerate() {
        let problem =
            |message: String| (at, RowProblem::new(d.line, UNIT_HEADERS[PARENT], message));
        let text = d.parent_text.as_str();
        let parent = if text.is_empty() {
            None
        } else if let Some(&i) = by_code.get(&normalize_code(text)) {
            Some(Ok(i))
        } else {
            match by_name.get(text).map(Vec::as_slice) {
                Some([i]) => Some(Ok(*i)),
                Some(same_name) => {
                    let lines: Vec<String> = same_name
                        .iter()
                        .filter_map(|&i| drafts.get(i))
                        .map(|d| d.line.to_string())
                        .collect();
                    late.push(problem(format!(
                        "上位組織「{text}」という名前の組織が {} 行目にあり、どれか決まりません。組織コードで指定してください",
                        lines.join("、")
                    )));
                    None
                }
                None => {
                    let found = existing.and_then(|r| r.resolve(text));
                    if found.is_none() {
                        late.push(problem(format!(
                            "上位組織「{text}」が見つかりません（このファイルにも登録済みの組織にもありません）"
                        )));
                    }
                    found.map(Err)
                }
            }
        };
        match (d.kind, text.is_empty()) {
            (Some(UnitKind::Department), false) => late.push(problem(
                "種別が部局の組織には上位組織を入力しません（空欄にしてください）".to_owned(),
            )),
            (Some(kind @ (UnitKind::Section | UnitKind::Team)), true) => late.push(problem(
                format!("種別が{}の組織には上位組織が必要です", kind.label()),
            )),
            _ => {}
        }
        parents.push(parent);
    }
    for (at, p) in late {
        if let Some(d) = drafts.get_mut(at) {
            d.problems.push(p);
        }
    }
    parents
}

/// A problem on every row whose parents lead back to it.
fn mark_cycles(drafts: &mut [Draft], parents: &[Option<Result<usize, UnitRef>>]) {
    for (i, cycle) in cycles(parents) {
        let path: Vec<String> = cycle
            .iter()
            .filter_map(|&j| drafts.get(j))
            .map(|d| format!("{} 行目", d.line))
            .collect();
        if let Some(d) = drafts.get_mut(i) {
            let message = format!(
                "上位組織をたどると元の組織に戻ります（{}）",
                path.join(" → ")
            );
            d.problems
                .push(RowProblem::new(d.line, UNIT_HEADERS[PARENT], message));
        }
    }
}

/// Every row that lies on a cycle of in-file parents, with the cycle as seen from it (starting
/// and ending with the row itself).
fn cycles(parents: &[Option<Result<usize, UnitRef>>]) -> Vec<(usize, Vec<usize>)> {
    let parent = |i: usize| match parents.get(i) {
        Some(Some(Ok(p))) => Some(*p),
        _ => None,
    };
    let mut out = Vec::new();
    for start in 0..parents.len() {
        let mut path = vec![start];
        let mut at = start;
        // A cycle through `start` closes within as many steps as there are rows.
        while let Some(p) = parent(at) {
            path.push(p);
            if p == start {
                out.push((start, path));
                break;
            }
            if path.len() > parents.len() {
                break;
            }
            at = p;
        }
    }
    out
}
