//! 和暦 (Japanese era dates): the era table, conversion between 和暦 and the Gregorian
//! calendar, and the forms in which people write and read 和暦 dates on screens and in
//! documents (「令和6年8月1日」, 「R6.8.1」, …).
//!
//! Only dates from 1873-01-01 (明治6年1月1日) are supported: Japan used a lunisolar calendar
//! before it adopted the Gregorian calendar on that day, so an earlier 和暦 date cannot be
//! converted by arithmetic.

use std::fmt;
use std::str::FromStr;

use chrono::{Datelike, NaiveDate};
use unicode_normalization::UnicodeNormalization;

/// The day Japan adopted the Gregorian calendar (明治5年12月3日 of the old calendar became
/// 明治6年1月1日). The first date this module supports.
pub const GREGORIAN_ADOPTION_DATE: NaiveDate = ymd(1873, 1, 1);

/// A Japanese era (元号), oldest first. Names, initials and start dates are in a table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Era {
    /// 明治
    Meiji,
    /// 大正
    Taisho,
    /// 昭和
    Showa,
    /// 平成
    Heisei,
    /// 令和
    Reiwa,
}

struct EraRow {
    era: Era,
    name: &'static str,
    initial: char,
    start: NaiveDate,
}

/// The eras, oldest first. A new era is a new variant of [`Era`] and one more row here; its
/// predecessor's end is derived from its start.
const ERAS: &[EraRow] = &[
    era_row(Era::Meiji, "明治", 'M', ymd(1868, 10, 23)),
    era_row(Era::Taisho, "大正", 'T', ymd(1912, 7, 30)),
    era_row(Era::Showa, "昭和", 'S', ymd(1926, 12, 25)),
    era_row(Era::Heisei, "平成", 'H', ymd(1989, 1, 8)),
    era_row(Era::Reiwa, "令和", 'R', ymd(2019, 5, 1)),
];

// A function rather than struct literals keeps each era on one line under rustfmt.
const fn era_row(era: Era, name: &'static str, initial: char, start: NaiveDate) -> EraRow {
    EraRow {
        era,
        name,
        initial,
        start,
    }
}

// The table is checked when the crate compiles, so that the lookups below (indexing by variant,
// assuming chronological order) cannot fail at run time.
const _: () = {
    // Exhaustive on purpose: a new variant stops compiling here. List it, put it in place of
    // `Reiwa` in the length check, and give it a row.
    match Era::Meiji {
        Era::Meiji | Era::Taisho | Era::Showa | Era::Heisei | Era::Reiwa => {}
    }
    assert!(
        ERAS.len() == Era::Reiwa as usize + 1,
        "every era needs a row"
    );
    let mut i = 0;
    while i < ERAS.len() {
        assert!(ERAS[i].era as usize == i, "rows must be in variant order");
        assert!(
            ERAS[i].start.to_epoch_days() != NaiveDate::MIN.to_epoch_days(),
            "an era's start is not a valid date"
        );
        if i > 0 {
            assert!(
                ERAS[i - 1].start.to_epoch_days() < ERAS[i].start.to_epoch_days(),
                "eras must be in chronological order"
            );
        }
        i += 1;
    }
    assert!(GREGORIAN_ADOPTION_DATE.to_epoch_days() != NaiveDate::MIN.to_epoch_days());
};

/// Builds a date of the era table at compile time. An impossible date becomes
/// `NaiveDate::MIN`, which the compile-time check above rejects.
const fn ymd(year: i32, month: u32, day: u32) -> NaiveDate {
    match NaiveDate::from_ymd_opt(year, month, day) {
        Some(date) => date,
        None => NaiveDate::MIN,
    }
}

impl Era {
    fn row(self) -> &'static EraRow {
        &ERAS[self as usize]
    }

    /// All eras, oldest first.
    pub fn all() -> impl DoubleEndedIterator<Item = Era> + ExactSizeIterator {
        ERAS.iter().map(|row| row.era)
    }

    /// The era's name, e.g. 「令和」.
    pub fn name(self) -> &'static str {
        self.row().name
    }

    /// The Latin initial used in short forms, e.g. `'R'` for 令和.
    pub fn initial(self) -> char {
        self.row().initial
    }

    /// The first day of the era (Gregorian). For 明治 this is 1868-10-23, although dates are
    /// only supported from [`GREGORIAN_ADOPTION_DATE`].
    pub fn start(self) -> NaiveDate {
        self.row().start
    }

    /// The last day of the era, or `None` for the current era.
    pub fn end(self) -> Option<NaiveDate> {
        self.next().and_then(|next| next.start().pred_opt())
    }

    /// The era that followed this one, or `None` for the current era.
    pub fn next(self) -> Option<Era> {
        ERAS.get(self as usize + 1).map(|row| row.era)
    }

    /// The era named `name` (「令和」).
    pub fn from_name(name: &str) -> Option<Era> {
        ERAS.iter().find(|row| row.name == name).map(|row| row.era)
    }

    /// The era whose initial is `initial`, in either case (`'R'`, `'r'`).
    pub fn from_initial(initial: char) -> Option<Era> {
        let upper = initial.to_ascii_uppercase();
        ERAS.iter()
            .find(|row| row.initial == upper)
            .map(|row| row.era)
    }
}

impl fmt::Display for Era {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The era in force on `date`, or `None` before [`GREGORIAN_ADOPTION_DATE`] (the same dates
/// [`WarekiDate::from_gregorian`] rejects).
pub fn era_of(date: NaiveDate) -> Option<Era> {
    if date < GREGORIAN_ADOPTION_DATE {
        return None;
    }
    ERAS.iter()
        .rev()
        .find(|row| row.start <= date)
        .map(|row| row.era)
}

/// A 和暦 date that exists: its era was in force on that day, and the day is on or after
/// [`GREGORIAN_ADOPTION_DATE`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct WarekiDate {
    // The Gregorian date is kept rather than year/month/day so that conversion back cannot fail;
    // it comes first so that ordering is chronological.
    date: NaiveDate,
    era: Era,
}

impl WarekiDate {
    /// The 和暦 date of a Gregorian date.
    pub fn from_gregorian(date: NaiveDate) -> Result<Self, WarekiError> {
        match era_of(date) {
            Some(era) => Ok(Self { date, era }),
            None => Err(WarekiError::BeforeGregorian {
                input: format_seireki_date(date),
            }),
        }
    }

    /// The date `era` `year`年`month`月`day`日, where `year` 1 is 元年.
    pub fn new(era: Era, year: u32, month: u32, day: u32) -> Result<Self, WarekiError> {
        let input = format!("{}{}年{}月{}日", era.name(), year_label(year), month, day);
        build(&input, era, year, month, day)
    }

    /// The same day in the Gregorian calendar.
    pub fn to_gregorian(&self) -> NaiveDate {
        self.date
    }

    pub fn era(&self) -> Era {
        self.era
    }

    /// The year of the era; 1 is 元年.
    pub fn year(&self) -> u32 {
        // A date is never before its era's start, so the difference is not negative.
        (self.date.year() - self.era.start().year()).unsigned_abs() + 1
    }

    pub fn month(&self) -> u32 {
        self.date.month()
    }

    pub fn day(&self) -> u32 {
        self.date.day()
    }

    /// 「令和6年8月1日」; the first year of an era is written 「令和元年5月1日」.
    pub fn format_long(&self) -> String {
        format!(
            "{}{}年{}月{}日",
            self.era.name(),
            year_label(self.year()),
            self.month(),
            self.day()
        )
    }

    /// 「令和6年8月1日（2024年）」.
    pub fn format_with_seireki(&self) -> String {
        format!("{}（{}年）", self.format_long(), self.date.year())
    }

    /// 「R6.8.1」. The first year is written 1 here: 元 is not used with initials.
    pub fn format_short(&self) -> String {
        format!(
            "{}{}.{}.{}",
            self.era.initial(),
            self.year(),
            self.month(),
            self.day()
        )
    }
}

impl fmt::Display for WarekiDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.format_long())
    }
}

impl FromStr for WarekiDate {
    type Err = WarekiError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        parse(s)
    }
}

impl TryFrom<NaiveDate> for WarekiDate {
    type Error = WarekiError;

    fn try_from(date: NaiveDate) -> Result<Self, Self::Error> {
        Self::from_gregorian(date)
    }
}

impl From<WarekiDate> for NaiveDate {
    fn from(date: WarekiDate) -> Self {
        date.to_gregorian()
    }
}

/// `date` as 和暦 (「令和6年8月1日」), or as 西暦 (「1872年12月31日」) for a date 和暦 cannot
/// express. For display only: it never fails.
pub fn format_gregorian_as_wareki(date: NaiveDate) -> String {
    match WarekiDate::from_gregorian(date) {
        Ok(wareki) => wareki.format_long(),
        Err(_) => format_seireki_date(date),
    }
}

/// Reads a 和暦 date as people type it: 「令和6年8月1日」, 「令和元年5月1日」, full-width digits,
/// spaces between the parts, and the short forms 「R6.8.1」, 「R06.08.01」, 「H31/4/30」,
/// 「r6-8-1」. The era name and the initial may be used with either form (「R6年8月1日」), and
/// the 西暦 year may follow as `format_with_seireki` writes it (「令和6年8月1日（2024年）」).
pub fn parse(s: &str) -> Result<WarekiDate, WarekiError> {
    let input = s.trim();
    if input.is_empty() {
        return Err(WarekiError::Empty);
    }
    // NFKC folds full-width digits, letters, spaces and punctuation (and 「㍻」「㋿」) into the
    // ASCII / standard forms the grammar below expects.
    let normalized: String = input.nfkc().collect();
    let malformed = || WarekiError::Malformed {
        input: input.to_owned(),
    };

    let (era, rest) = match take_era(&normalized) {
        EraToken::Known(era, rest) => (era, rest),
        EraToken::Unknown(token) => {
            return Err(WarekiError::UnknownEra {
                input: input.to_owned(),
                era: token.to_owned(),
            });
        }
        EraToken::Missing => {
            return Err(WarekiError::MissingEra {
                input: input.to_owned(),
            });
        }
    };
    let (year, rest) = take_year(rest.trim_start()).ok_or_else(malformed)?;
    let rest = rest.trim_start();

    let (month, day, rest) = if let Some(rest) = rest.strip_prefix('年') {
        let (month, rest) = take_number(rest.trim_start()).ok_or_else(malformed)?;
        let rest = rest.trim_start().strip_prefix('月').ok_or_else(malformed)?;
        let (day, rest) = take_number(rest.trim_start()).ok_or_else(malformed)?;
        let rest = rest.trim_start().strip_prefix('日').ok_or_else(malformed)?;
        (month, day, rest)
    } else {
        let separator = rest
            .chars()
            .next()
            .filter(|c| SHORT_SEPARATORS.contains(c))
            .ok_or_else(malformed)?;
        let rest = rest.strip_prefix(separator).ok_or_else(malformed)?;
        let (month, rest) = take_number(rest.trim_start()).ok_or_else(malformed)?;
        let rest = rest
            .trim_start()
            .strip_prefix(separator)
            .ok_or_else(malformed)?;
        let (day, rest) = take_number(rest.trim_start()).ok_or_else(malformed)?;
        (month, day, rest)
    };

    // The form `format_with_seireki` writes: 「令和6年8月1日（2024年）」.
    let mut rest = rest.trim_start();
    let mut seireki = None;
    if let Some(inner) = rest.strip_prefix('(') {
        let (year, inner) = take_number(inner.trim_start()).ok_or_else(malformed)?;
        let inner = inner
            .trim_start()
            .strip_prefix('年')
            .ok_or_else(malformed)?;
        rest = inner.trim_start().strip_prefix(')').ok_or_else(malformed)?;
        seireki = Some(year);
    }

    let rest = rest.trim();
    if !rest.is_empty() {
        return Err(WarekiError::TrailingCharacters {
            input: input.to_owned(),
            rest: rest.to_owned(),
        });
    }
    let date = build(input, era, year, month, day)?;
    if let Some(seireki) = seireki
        && i64::from(seireki) != i64::from(date.to_gregorian().year())
    {
        return Err(WarekiError::SeirekiMismatch {
            input: input.to_owned(),
            actual: format!(
                "{}{}年は{}年です",
                era.name(),
                year_label(year),
                date.to_gregorian().year()
            ),
        });
    }
    Ok(date)
}

/// Why a 和暦 date could not be built or read. Messages are for the person who typed it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WarekiError {
    #[error("和暦の日付が入力されていません: 「令和6年8月1日」や「R6.8.1」の形で入力してください")]
    Empty,
    #[error(
        "和暦の日付「{input}」は正しくありません: 「令和6年8月1日」や「R6.8.1」の形で入力してください"
    )]
    Malformed { input: String },
    #[error(
        "和暦の日付「{input}」は正しくありません: 元号（明治・大正・昭和・平成・令和、またはM・T・S・H・R）から書き始めてください"
    )]
    MissingEra { input: String },
    #[error(
        "和暦の日付「{input}」は正しくありません: 元号「{era}」はありません（明治・大正・昭和・平成・令和、またはM・T・S・H・Rが使えます）"
    )]
    UnknownEra { input: String, era: String },
    #[error("和暦の日付「{input}」は正しくありません: 日付のあとに余分な文字「{rest}」があります")]
    TrailingCharacters { input: String, rest: String },
    #[error("和暦の日付「{input}」は正しくありません: 年は1以上（元年）です")]
    YearZero { input: String },
    #[error("和暦の日付「{input}」は正しくありません: 年が大きすぎます")]
    YearTooLarge { input: String },
    #[error("和暦の日付「{input}」は正しくありません: 月は1から12までです")]
    MonthOutOfRange { input: String },
    #[error("和暦の日付「{input}」は正しくありません: {limit}")]
    DayOutOfRange {
        input: String,
        /// The rule, e.g. 「令和6年2月は29日までです」.
        limit: String,
    },
    #[error(
        "日付「{input}」は扱えません: 日本がグレゴリオ暦を採用した1873年（明治6年）1月1日より前の日付です"
    )]
    BeforeGregorian { input: String },
    #[error("和暦の日付「{input}」は正しくありません: {era}は{era_start}に始まりました{actual}")]
    BeforeEraStart {
        input: String,
        era: Era,
        /// The era's first day, e.g. 「令和元年5月1日（2019年5月1日）」.
        era_start: String,
        /// What the day was called, e.g. 「（この日は平成31年4月30日です）」, or empty.
        actual: String,
    },
    #[error("和暦の日付「{input}」は正しくありません: {era}は{era_end}で終わりました{actual}")]
    AfterEraEnd {
        input: String,
        era: Era,
        /// The era's last day, e.g. 「平成31年4月30日（2019年4月30日）」.
        era_end: String,
        /// What the day was called, e.g. 「（この日は令和元年5月1日です）」.
        actual: String,
    },
    #[error("和暦の日付「{input}」は正しくありません: 和暦と西暦が合いません（{actual}）")]
    SeirekiMismatch {
        input: String,
        /// e.g. 「令和6年は2024年です」.
        actual: String,
    },
}

/// Separators of the short form 「R6.8.1」; one of them is used twice.
const SHORT_SEPARATORS: [char; 3] = ['.', '/', '-'];

/// Checks and builds 和暦 `era` `year`年`month`月`day`日; `input` is what the person typed, for
/// the messages.
fn build(
    input: &str,
    era: Era,
    year: u32,
    month: u32,
    day: u32,
) -> Result<WarekiDate, WarekiError> {
    let input_owned = || input.to_owned();
    if year == 0 {
        return Err(WarekiError::YearZero {
            input: input_owned(),
        });
    }
    if !(1..=12).contains(&month) {
        return Err(WarekiError::MonthOutOfRange {
            input: input_owned(),
        });
    }
    let gregorian_year = i64::from(era.start().year()) + i64::from(year) - 1;
    let Ok(gregorian_year) = i32::try_from(gregorian_year) else {
        return Err(WarekiError::YearTooLarge {
            input: input_owned(),
        });
    };
    if gregorian_year < GREGORIAN_ADOPTION_DATE.year() {
        return Err(WarekiError::BeforeGregorian {
            input: input_owned(),
        });
    }
    let Some(last_day) = last_day_of_month(gregorian_year, month) else {
        return Err(WarekiError::YearTooLarge {
            input: input_owned(),
        });
    };
    let date = if day == 0 || day > last_day {
        None
    } else {
        NaiveDate::from_ymd_opt(gregorian_year, month, day)
    };
    let Some(date) = date else {
        return Err(WarekiError::DayOutOfRange {
            input: input_owned(),
            limit: format!(
                "{}{}年{}月は{}日までです",
                era.name(),
                year_label(year),
                month,
                last_day
            ),
        });
    };

    let actual = || match WarekiDate::from_gregorian(date) {
        Ok(actual) => format!("（この日は{}です）", actual.format_long()),
        Err(_) => String::new(),
    };
    if date < era.start() {
        return Err(WarekiError::BeforeEraStart {
            input: input_owned(),
            era,
            era_start: describe_boundary(era.start()),
            actual: actual(),
        });
    }
    if let Some(end) = era.end()
        && date > end
    {
        return Err(WarekiError::AfterEraEnd {
            input: input_owned(),
            era,
            era_end: describe_boundary(end),
            actual: actual(),
        });
    }
    Ok(WarekiDate { date, era })
}

/// 「令和元年5月1日（2019年5月1日）」 for a boundary of an era.
fn describe_boundary(date: NaiveDate) -> String {
    format!(
        "{}（{}）",
        format_gregorian_as_wareki(date),
        format_seireki_date(date)
    )
}

fn last_day_of_month(year: i32, month: u32) -> Option<u32> {
    (28..=31)
        .rev()
        .find(|&day| NaiveDate::from_ymd_opt(year, month, day).is_some())
}

fn format_seireki_date(date: NaiveDate) -> String {
    format!("{}年{}月{}日", date.year(), date.month(), date.day())
}

/// 「元」 for the first year of an era, the number otherwise.
pub(crate) fn year_label(year: u32) -> String {
    if year == 1 {
        "元".to_owned()
    } else {
        year.to_string()
    }
}

/// The era at the start of NFKC-normalized text.
pub(crate) enum EraToken<'a> {
    /// A known era, and the text after it.
    Known(Era, &'a str),
    /// Something in the place of an era that is not one, e.g. 「X」.
    Unknown(&'a str),
    /// The text starts with a number (or nothing that could be an era).
    Missing,
}

pub(crate) fn take_era(s: &str) -> EraToken<'_> {
    for era in Era::all() {
        if let Some(rest) = s.strip_prefix(era.name()) {
            return EraToken::Known(era, rest);
        }
    }
    let mut chars = s.chars();
    if let Some(first) = chars.next()
        && let Some(era) = Era::from_initial(first)
        // 「Reiwa6年」 must not read as R + 「eiwa6年」.
        && !chars.next().is_some_and(|c| c.is_ascii_alphabetic())
    {
        return EraToken::Known(era, &s[first.len_utf8()..]);
    }
    let token_len = s
        .find(|c: char| c.is_ascii_digit() || c == '元' || c == '年' || c.is_whitespace())
        .unwrap_or(s.len());
    match s.get(..token_len) {
        Some(token) if !token.is_empty() => EraToken::Unknown(token),
        _ => EraToken::Missing,
    }
}

/// A year of an era at the start of `s`: ASCII digits or 「元」.
pub(crate) fn take_year(s: &str) -> Option<(u32, &str)> {
    match s.strip_prefix('元') {
        Some(rest) => Some((1, rest)),
        None => take_number(s),
    }
}

/// ASCII digits at the start of `s`. Too large a number saturates, so that it is reported as
/// out of range rather than as a malformed date.
pub(crate) fn take_number(s: &str) -> Option<(u32, &str)> {
    let digits_len = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    let (digits, rest) = s.split_at_checked(digits_len)?;
    if digits.is_empty() {
        return None;
    }
    let value = digits.bytes().fold(0u32, |value, digit| {
        value
            .saturating_mul(10)
            .saturating_add(u32::from(digit - b'0'))
    });
    Some((value, rest))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use super::*;
    use proptest::prelude::*;

    fn d(year: i32, month: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(year, month, day).unwrap()
    }

    #[test]
    fn era_table() {
        let expected = [
            (
                Era::Meiji,
                "明治",
                'M',
                d(1868, 10, 23),
                Some(d(1912, 7, 29)),
            ),
            (
                Era::Taisho,
                "大正",
                'T',
                d(1912, 7, 30),
                Some(d(1926, 12, 24)),
            ),
            (
                Era::Showa,
                "昭和",
                'S',
                d(1926, 12, 25),
                Some(d(1989, 1, 7)),
            ),
            (
                Era::Heisei,
                "平成",
                'H',
                d(1989, 1, 8),
                Some(d(2019, 4, 30)),
            ),
            (Era::Reiwa, "令和", 'R', d(2019, 5, 1), None),
        ];
        assert_eq!(Era::all().len(), expected.len());
        for (era, (expected_era, name, initial, start, end)) in Era::all().zip(expected) {
            assert_eq!(era, expected_era);
            assert_eq!(era.name(), name);
            assert_eq!(era.to_string(), name);
            assert_eq!(era.initial(), initial);
            assert_eq!(era.start(), start);
            assert_eq!(era.end(), end);
            assert_eq!(Era::from_name(name), Some(era));
            assert_eq!(Era::from_initial(initial), Some(era));
            assert_eq!(Era::from_initial(initial.to_ascii_lowercase()), Some(era));
        }
        assert_eq!(Era::from_name("慶応"), None);
        assert_eq!(Era::from_initial('X'), None);
    }

    #[test]
    fn era_of_boundaries() {
        let cases = [
            (d(1872, 12, 31), None),
            (d(1873, 1, 1), Some(Era::Meiji)),
            (d(1912, 7, 29), Some(Era::Meiji)),
            (d(1912, 7, 30), Some(Era::Taisho)),
            (d(1926, 12, 24), Some(Era::Taisho)),
            (d(1926, 12, 25), Some(Era::Showa)),
            (d(1989, 1, 7), Some(Era::Showa)),
            (d(1989, 1, 8), Some(Era::Heisei)),
            (d(2019, 4, 30), Some(Era::Heisei)),
            (d(2019, 5, 1), Some(Era::Reiwa)),
            (NaiveDate::MAX, Some(Era::Reiwa)),
            (NaiveDate::MIN, None),
        ];
        for (date, era) in cases {
            assert_eq!(era_of(date), era, "{date}");
        }
    }

    type Ymd = (i32, u32, u32);

    /// (Gregorian, long, short, with 西暦)
    const CONVERSIONS: &[(Ymd, &str, &str, &str)] = &[
        (
            (1873, 1, 1),
            "明治6年1月1日",
            "M6.1.1",
            "明治6年1月1日（1873年）",
        ),
        (
            (1912, 7, 29),
            "明治45年7月29日",
            "M45.7.29",
            "明治45年7月29日（1912年）",
        ),
        (
            (1912, 7, 30),
            "大正元年7月30日",
            "T1.7.30",
            "大正元年7月30日（1912年）",
        ),
        (
            (1926, 12, 24),
            "大正15年12月24日",
            "T15.12.24",
            "大正15年12月24日（1926年）",
        ),
        (
            (1926, 12, 25),
            "昭和元年12月25日",
            "S1.12.25",
            "昭和元年12月25日（1926年）",
        ),
        (
            (1989, 1, 7),
            "昭和64年1月7日",
            "S64.1.7",
            "昭和64年1月7日（1989年）",
        ),
        (
            (1989, 1, 8),
            "平成元年1月8日",
            "H1.1.8",
            "平成元年1月8日（1989年）",
        ),
        (
            (2019, 4, 30),
            "平成31年4月30日",
            "H31.4.30",
            "平成31年4月30日（2019年）",
        ),
        (
            (2019, 5, 1),
            "令和元年5月1日",
            "R1.5.1",
            "令和元年5月1日（2019年）",
        ),
        (
            (2024, 8, 1),
            "令和6年8月1日",
            "R6.8.1",
            "令和6年8月1日（2024年）",
        ),
        (
            (2024, 2, 29),
            "令和6年2月29日",
            "R6.2.29",
            "令和6年2月29日（2024年）",
        ),
    ];

    #[test]
    fn conversions_both_ways() {
        for &((y, m, day), long, short, with_seireki) in CONVERSIONS {
            let date = d(y, m, day);
            let wareki = WarekiDate::from_gregorian(date).unwrap();
            assert_eq!(wareki.format_long(), long);
            assert_eq!(wareki.to_string(), long);
            assert_eq!(wareki.format_short(), short);
            assert_eq!(wareki.format_with_seireki(), with_seireki);
            assert_eq!(wareki.to_gregorian(), date);
            assert_eq!(format_gregorian_as_wareki(date), long);
            assert_eq!(parse(long).unwrap().to_gregorian(), date, "{long}");
            assert_eq!(parse(short).unwrap().to_gregorian(), date, "{short}");
            assert_eq!(
                parse(with_seireki).unwrap().to_gregorian(),
                date,
                "{with_seireki}"
            );
            assert_eq!(long.parse::<WarekiDate>().unwrap(), wareki);
            let rebuilt =
                WarekiDate::new(wareki.era(), wareki.year(), wareki.month(), wareki.day()).unwrap();
            assert_eq!(rebuilt, wareki);
        }
    }

    #[test]
    fn getters() {
        let wareki = parse("令和元年5月1日").unwrap();
        assert_eq!(
            (wareki.era(), wareki.year(), wareki.month(), wareki.day()),
            (Era::Reiwa, 1, 5, 1)
        );
    }

    #[test]
    fn accepted_spellings() {
        let cases = [
            ("令和6年8月1日", d(2024, 8, 1)),
            ("令和元年5月1日", d(2019, 5, 1)),
            ("令和1年5月1日", d(2019, 5, 1)),
            ("令和６年８月１日", d(2024, 8, 1)),
            ("令和　６年　８月　１日", d(2024, 8, 1)),
            (" 令和 6 年 8 月 1 日 ", d(2024, 8, 1)),
            ("令和06年08月01日", d(2024, 8, 1)),
            ("R6.8.1", d(2024, 8, 1)),
            ("R06.08.01", d(2024, 8, 1)),
            ("r6.8.1", d(2024, 8, 1)),
            ("Ｒ６．８．１", d(2024, 8, 1)),
            ("H31/4/30", d(2019, 4, 30)),
            ("h31/4/30", d(2019, 4, 30)),
            ("S64-1-7", d(1989, 1, 7)),
            ("R 6 . 8 . 1", d(2024, 8, 1)),
            ("R6年8月1日", d(2024, 8, 1)),
            ("令和6.8.1", d(2024, 8, 1)),
            ("R元.5.1", d(2019, 5, 1)),
            ("㍻31年4月30日", d(2019, 4, 30)),
            ("T15.12.24", d(1926, 12, 24)),
            ("昭和元年12月25日", d(1926, 12, 25)),
        ];
        for (input, expected) in cases {
            assert_eq!(
                parse(input).map(|w| w.to_gregorian()),
                Ok(expected),
                "{input}"
            );
        }
    }

    type IsExpected = fn(&WarekiError) -> bool;

    #[test]
    fn rejected_spellings() {
        let cases: &[(&str, IsExpected)] = &[
            ("", |e| matches!(e, WarekiError::Empty)),
            ("   ", |e| matches!(e, WarekiError::Empty)),
            (
                "X6年1月1日",
                |e| matches!(e, WarekiError::UnknownEra { era, .. } if era == "X"),
            ),
            (
                "慶応3年1月1日",
                |e| matches!(e, WarekiError::UnknownEra { era, .. } if era == "慶応"),
            ),
            (
                "Reiwa6.8.1",
                |e| matches!(e, WarekiError::UnknownEra { era, .. } if era == "Reiwa"),
            ),
            ("2024年8月1日", |e| {
                matches!(e, WarekiError::MissingEra { .. })
            }),
            ("令和0年1月1日", |e| {
                matches!(e, WarekiError::YearZero { .. })
            }),
            ("R0.1.1", |e| matches!(e, WarekiError::YearZero { .. })),
            (
                "令和6年2月30日",
                |e| matches!(e, WarekiError::DayOutOfRange { limit, .. } if limit == "令和6年2月は29日までです"),
            ),
            ("令和5年2月29日", |e| {
                matches!(e, WarekiError::DayOutOfRange { .. })
            }),
            ("令和6年4月0日", |e| {
                matches!(e, WarekiError::DayOutOfRange { .. })
            }),
            ("令和6年13月1日", |e| {
                matches!(e, WarekiError::MonthOutOfRange { .. })
            }),
            ("令和6年0月1日", |e| {
                matches!(e, WarekiError::MonthOutOfRange { .. })
            }),
            ("平成31年5月1日", |e| {
                matches!(
                    e,
                    WarekiError::AfterEraEnd {
                        era: Era::Heisei,
                        ..
                    }
                )
            }),
            ("昭和64年1月8日", |e| {
                matches!(
                    e,
                    WarekiError::AfterEraEnd {
                        era: Era::Showa,
                        ..
                    }
                )
            }),
            ("令和元年4月30日", |e| {
                matches!(
                    e,
                    WarekiError::BeforeEraStart {
                        era: Era::Reiwa,
                        ..
                    }
                )
            }),
            ("平成元年1月7日", |e| {
                matches!(
                    e,
                    WarekiError::BeforeEraStart {
                        era: Era::Heisei,
                        ..
                    }
                )
            }),
            ("明治5年12月31日", |e| {
                matches!(e, WarekiError::BeforeGregorian { .. })
            }),
            ("明治元年10月23日", |e| {
                matches!(e, WarekiError::BeforeGregorian { .. })
            }),
            (
                "令和6年8月1日です",
                |e| matches!(e, WarekiError::TrailingCharacters { rest, .. } if rest == "です"),
            ),
            (
                "令和6年8月1日（2023年）",
                |e| matches!(e, WarekiError::SeirekiMismatch { actual, .. } if actual == "令和6年は2024年です"),
            ),
            ("令和6年8月1日（2024）", |e| {
                matches!(e, WarekiError::Malformed { .. })
            }),
            ("R6.8.1.5", |e| {
                matches!(e, WarekiError::TrailingCharacters { .. })
            }),
            ("R6.8/1", |e| matches!(e, WarekiError::Malformed { .. })),
            ("R6.8", |e| matches!(e, WarekiError::Malformed { .. })),
            ("令和6年8月", |e| {
                matches!(e, WarekiError::Malformed { .. })
            }),
            ("令和六年八月一日", |e| {
                matches!(e, WarekiError::Malformed { .. })
            }),
            ("令和", |e| matches!(e, WarekiError::Malformed { .. })),
            ("R", |e| matches!(e, WarekiError::Malformed { .. })),
            ("令和99999999999年1月1日", |e| {
                matches!(e, WarekiError::YearTooLarge { .. })
            }),
            ("令和300000年1月1日", |e| {
                matches!(e, WarekiError::YearTooLarge { .. })
            }),
        ];
        for (input, is_expected) in cases {
            match parse(input) {
                Ok(date) => panic!("{input} parsed as {date}"),
                Err(error) => assert!(is_expected(&error), "{input}: {error:?}"),
            }
        }
    }

    #[test]
    fn error_messages_name_the_rule() {
        let cases = [
            (
                "令和0年1月1日",
                "和暦の日付「令和0年1月1日」は正しくありません: 年は1以上（元年）です",
            ),
            (
                "平成31年5月1日",
                "和暦の日付「平成31年5月1日」は正しくありません: 平成は平成31年4月30日（2019年4月30日）で終わりました（この日は令和元年5月1日です）",
            ),
            (
                "令和元年4月30日",
                "和暦の日付「令和元年4月30日」は正しくありません: 令和は令和元年5月1日（2019年5月1日）に始まりました（この日は平成31年4月30日です）",
            ),
            (
                "令和6年2月30日",
                "和暦の日付「令和6年2月30日」は正しくありません: 令和6年2月は29日までです",
            ),
            (
                "X6年1月1日",
                "和暦の日付「X6年1月1日」は正しくありません: 元号「X」はありません（明治・大正・昭和・平成・令和、またはM・T・S・H・Rが使えます）",
            ),
            (
                "令和6年8月1日です",
                "和暦の日付「令和6年8月1日です」は正しくありません: 日付のあとに余分な文字「です」があります",
            ),
        ];
        for (input, message) in cases {
            assert_eq!(parse(input).unwrap_err().to_string(), message);
        }
        assert_eq!(
            WarekiDate::new(Era::Reiwa, 0, 1, 1)
                .unwrap_err()
                .to_string(),
            "和暦の日付「令和0年1月1日」は正しくありません: 年は1以上（元年）です"
        );
    }

    #[test]
    fn before_gregorian_adoption() {
        let error = WarekiDate::from_gregorian(d(1872, 12, 31)).unwrap_err();
        assert_eq!(
            error.to_string(),
            "日付「1872年12月31日」は扱えません: 日本がグレゴリオ暦を採用した1873年（明治6年）1月1日より前の日付です"
        );
        assert_eq!(
            format_gregorian_as_wareki(d(1872, 12, 31)),
            "1872年12月31日"
        );
        assert_eq!(
            format_gregorian_as_wareki(NaiveDate::MIN),
            "-262143年1月1日"
        );
        assert_eq!(
            WarekiDate::from_gregorian(NaiveDate::MAX)
                .unwrap()
                .format_long(),
            "令和260124年12月31日"
        );
    }

    #[test]
    fn ordering_is_chronological() {
        assert!(parse("昭和64年1月7日").unwrap() < parse("平成元年1月8日").unwrap());
        assert!(parse("R1.5.1").unwrap() < parse("R1.5.2").unwrap());
    }

    fn supported_date() -> impl Strategy<Value = NaiveDate> {
        let first = d(1873, 1, 1);
        let span = (d(2200, 12, 31) - first).num_days();
        (0..=span).prop_map(move |offset| first + chrono::Duration::days(offset))
    }

    proptest! {
        #[test]
        fn long_form_round_trips(date in supported_date()) {
            let wareki = WarekiDate::from_gregorian(date).unwrap();
            prop_assert_eq!(parse(&wareki.format_long()).unwrap().to_gregorian(), date);
            prop_assert_eq!(parse(&wareki.to_string()).unwrap(), wareki);
            prop_assert_eq!(parse(&wareki.format_with_seireki()).unwrap(), wareki);
        }

        #[test]
        fn short_form_round_trips(date in supported_date()) {
            let wareki = WarekiDate::from_gregorian(date).unwrap();
            prop_assert_eq!(parse(&wareki.format_short()).unwrap().to_gregorian(), date);
        }

        #[test]
        fn new_agrees_with_from_gregorian(date in supported_date()) {
            let wareki = WarekiDate::from_gregorian(date).unwrap();
            prop_assert_eq!(era_of(date), Some(wareki.era()));
            prop_assert_eq!(
                WarekiDate::new(wareki.era(), wareki.year(), wareki.month(), wareki.day()),
                Ok(wareki)
            );
        }

        #[test]
        fn parse_never_panics(s in "\\PC{0,20}") {
            let _ = parse(&s);
        }
    }
}
