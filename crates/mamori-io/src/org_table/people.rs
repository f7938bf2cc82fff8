//! The people layout (職員番号, 氏名, ふりがな, 所属, 職名, 雇用区分, メール, 在職状況) and its checks.

use std::collections::HashMap;

use unicode_normalization::UnicodeNormalization;

use super::columns::{
    Columns, Field, choices, locate, normalize_code, required, with_layout_header,
};
use super::{Parsed, RowProblem, Table, TableRow, UnitRef, UnitResolver};

/// The headers of the people layout in the order the export writes them.
pub const PEOPLE_HEADERS: [&str; 8] = [
    "職員番号",
    "氏名",
    "ふりがな",
    "所属",
    "職名",
    "雇用区分",
    "メール",
    "在職状況",
];

const STAFF_NUMBER: usize = 0;
const NAME: usize = 1;
const NAME_KANA: usize = 2;
const UNIT: usize = 3;
const TITLE: usize = 4;
const EMPLOYMENT_KIND: usize = 5;
const EMAIL: usize = 6;
const STATUS: usize = 7;

pub(crate) const PEOPLE_FIELDS: [Field; 8] = [
    Field {
        name: PEOPLE_HEADERS[STAFF_NUMBER],
        aliases: &["職員ID", "職員コード", "職員No"],
        required: true,
    },
    Field {
        name: PEOPLE_HEADERS[NAME],
        aliases: &["職員氏名", "職員名", "名前"],
        required: true,
    },
    Field {
        name: PEOPLE_HEADERS[NAME_KANA],
        aliases: &[
            "フリガナ",
            "よみがな",
            "ヨミガナ",
            "氏名カナ",
            "カナ氏名",
            "かな",
        ],
        required: true,
    },
    Field {
        name: PEOPLE_HEADERS[UNIT],
        aliases: &[
            "所属コード",
            "所属名",
            "所属課",
            "所属部署",
            "部署",
            "部署名",
        ],
        required: true,
    },
    Field {
        name: PEOPLE_HEADERS[TITLE],
        aliases: &["職", "役職", "役職名", "職位"],
        required: true,
    },
    Field {
        name: PEOPLE_HEADERS[EMPLOYMENT_KIND],
        aliases: &["任用区分", "職員区分", "雇用形態"],
        required: true,
    },
    Field {
        name: PEOPLE_HEADERS[EMAIL],
        aliases: &["メールアドレス", "E-mail", "Eメール", "電子メール", "Mail"],
        required: true,
    },
    Field {
        name: PEOPLE_HEADERS[STATUS],
        aliases: &["在職区分", "在籍状況", "状況"],
        required: false,
    },
];

pub use mamori_domain::org::{EMPLOYMENT_KINDS, PersonStatus};

/// A person row that passed every check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonRow {
    pub line: usize,
    /// 職員番号, half-width (see [`normalize_code`]); leading zeros kept.
    pub staff_number: String,
    pub name: String,
    /// ふりがな as written (hiragana or katakana); may be empty.
    pub name_kana: String,
    pub unit: UnitRef,
    /// 職名; may be empty.
    pub title: String,
    pub employment_kind: String,
    pub email: Option<String>,
    pub status: PersonStatus,
}

/// What [`parse_people`] found.
pub type PeopleParse = Parsed<PersonRow>;

/// Checks a table against the people layout. `units` finds the unit of a 所属 cell (by code or
/// name); `employment_kinds` are the body's own 雇用区分 accepted besides [`EMPLOYMENT_KINDS`].
pub fn parse_people(
    table: &Table,
    units: &dyn UnitResolver,
    employment_kinds: &[String],
) -> PeopleParse {
    let table = &*with_layout_header(&PEOPLE_FIELDS, table);
    let columns = match locate(&PEOPLE_FIELDS, table) {
        Ok(c) => c,
        Err(parsed) => return parsed,
    };
    let mut check = Check {
        columns,
        units,
        kinds: EMPLOYMENT_KINDS
            .iter()
            .copied()
            .chain(employment_kinds.iter().map(String::as_str))
            .collect(),
        first_line_of: HashMap::new(),
    };
    let mut out = PeopleParse::default();
    for row in &table.rows {
        match check.person(row) {
            Ok(person) => out.rows.push(person),
            Err(mut problems) => out.problems.append(&mut problems),
        }
    }
    out
}

/// The checks of the people layout, with what they remember from row to row.
struct Check<'a> {
    columns: Columns,
    units: &'a dyn UnitResolver,
    kinds: Vec<&'a str>,
    /// The row of each 職員番号 seen so far.
    first_line_of: HashMap<String, usize>,
}

impl Check<'_> {
    /// The person of a row, or every problem of the row.
    fn person(&mut self, row: &TableRow) -> Result<PersonRow, Vec<RowProblem>> {
        let line = row.line;
        let mut problems = Vec::new();
        let mut problem = |field: usize, message: String| {
            problems.push(RowProblem::new(line, PEOPLE_HEADERS[field], message));
        };
        let cell = |field: usize| self.columns.cell(row, field);
        let staff_number = normalize_code(cell(STAFF_NUMBER));
        let name = cell(NAME).to_owned();
        let name_kana = cell(NAME_KANA).to_owned();
        let title = cell(TITLE).to_owned();
        let employment_kind = cell(EMPLOYMENT_KIND).to_owned();
        let email = Some(cell(EMAIL))
            .filter(|e| !e.is_empty())
            .map(|e| e.nfkc().collect::<String>());
        let status = self.status(cell(STATUS));

        if staff_number.is_empty() {
            problem(STAFF_NUMBER, required(PEOPLE_HEADERS[STAFF_NUMBER]));
        } else if let Some(first) = self.first_line_of.get(&staff_number) {
            problem(
                STAFF_NUMBER,
                format!("職員番号「{staff_number}」が {first} 行目と {line} 行目で重複しています"),
            );
        } else {
            self.first_line_of.insert(staff_number.clone(), line);
        }
        if name.is_empty() {
            problem(NAME, required(PEOPLE_HEADERS[NAME]));
        }
        if let Some(c) = name_kana.chars().find(|&c| !is_kana(c)) {
            problem(
                NAME_KANA,
                format!("ふりがな「{name_kana}」にひらがな・カタカナ以外の文字「{c}」があります"),
            );
        }
        let unit = self.unit(row).map_err(|m| problem(UNIT, m));
        if let Err(message) = self.employment_kind(&employment_kind) {
            problem(EMPLOYMENT_KIND, message);
        }
        if let Some(e) = email.as_deref().filter(|e| !is_email(e)) {
            problem(
                EMAIL,
                format!(
                    "メール「{e}」はメールアドレスの形式ではありません（例: yamada.taro@city.example.lg.jp）"
                ),
            );
        }
        let status = status.map_err(|m| problem(STATUS, m));
        match (unit, status) {
            (Ok(unit), Ok(status)) if problems.is_empty() => Ok(PersonRow {
                line,
                staff_number,
                name,
                name_kana,
                unit,
                title,
                employment_kind,
                email,
                status,
            }),
            _ => Err(problems),
        }
    }

    /// The unit of the first 所属 cell the caller knows (a file may have both 所属コード and
    /// 所属名).
    fn unit(&self, row: &TableRow) -> Result<UnitRef, String> {
        let mut texts = self.columns.cells(row, UNIT).peekable();
        let Some(first) = texts.peek().copied() else {
            return Err(required(PEOPLE_HEADERS[UNIT]));
        };
        texts
            .find_map(|t| self.units.resolve(t))
            .ok_or_else(|| format!("所属「{first}」が組織にありません"))
    }

    fn employment_kind(&self, kind: &str) -> Result<(), String> {
        if self.kinds.contains(&kind) {
            return Ok(());
        }
        let rule = format!("次のいずれかを入力してください: {}", choices(&self.kinds));
        Err(if kind.is_empty() {
            format!("雇用区分が空です。{rule}")
        } else {
            format!("雇用区分「{kind}」は使えません。{rule}")
        })
    }

    fn status(&self, status: &str) -> Result<PersonStatus, String> {
        if status.is_empty() {
            return Ok(PersonStatus::Active);
        }
        PersonStatus::parse(status).ok_or_else(|| {
            format!(
                "在職状況「{status}」は使えません。{}のいずれかを入力してください（空欄は在職）",
                choices(PersonStatus::ALL.map(PersonStatus::label))
            )
        })
    }
}

/// Hiragana, katakana (full- and half-width, with 「ー」「・」 and the sound marks) and spaces.
fn is_kana(c: char) -> bool {
    matches!(c,
        '\u{3041}'..='\u{3096}' // ぁ..ゖ
        | '\u{3099}'..='\u{309F}' // sound marks, ゝゞゟ
        | '\u{30A1}'..='\u{30FF}' // ァ..ヿ with ・ and ー
        | '\u{31F0}'..='\u{31FF}' // small katakana for Ainu
        | '\u{FF65}'..='\u{FF9F}' // half-width katakana
        | ' ' | '\u{3000}')
}

/// The shape of an address as mail systems accept it: `local@domain`, ASCII, no spaces, a domain
/// of at least two dot-separated labels of letters, digits and inner hyphens.
fn is_email(s: &str) -> bool {
    let Some((local, domain)) = s.split_once('@') else {
        return false;
    };
    let local_ok = (1..=64).contains(&local.len())
        && !local.starts_with('.')
        && !local.ends_with('.')
        && !local.contains("..")
        && local
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "!#$%&'*+-/=?^_`{|}~.".contains(c));
    let labels: Vec<&str> = domain.split('.').collect();
    let domain_ok = domain.len() <= 253
        && labels.len() >= 2
        && labels.iter().all(|l| {
            (1..=63).contains(&l.len())
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        });
    local_ok && domain_ok
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use super::*;

    #[test]
    fn mail_addresses_of_the_usual_shapes_pass_and_broken_ones_do_not() {
        for ok in [
            "yamada.taro@city.example.lg.jp",
            "t-sato+soumu@example.jp",
            "a@b.co",
        ] {
            assert!(is_email(ok), "{ok}");
        }
        for bad in [
            "yamada",
            "yamada@",
            "@example.jp",
            "yamada@example",
            "yama da@example.jp",
            "yamada@@example.jp",
            "yamada@example..jp",
            ".yamada@example.jp",
            "やまだ@example.jp",
            "yamada@-example.jp",
        ] {
            assert!(!is_email(bad), "{bad}");
        }
    }

    #[test]
    fn kana_of_every_width_passes_and_kanji_or_latin_does_not() {
        for ok in [
            "やまだ たろう",
            "ヤマダ\u{3000}タロウ",
            "ｽｽﾞｷ ｼﾞﾛｳ",
            "スミス・ジョーン",
        ] {
            assert!(ok.chars().all(is_kana), "{ok}");
        }
        for bad in ["山田", "yamada", "やまだ1"] {
            assert!(!bad.chars().all(is_kana), "{bad}");
        }
    }

    #[test]
    fn statuses_read_from_their_labels() {
        for s in PersonStatus::ALL {
            assert_eq!(PersonStatus::parse(s.label()), Some(s));
        }
        assert_eq!(PersonStatus::parse("休み"), None);
    }
}
