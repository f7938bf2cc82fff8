//! 年度 (the April–March fiscal year of Japanese local governments): which 年度 a day belongs
//! to, its first and last days, and how it is written and read (「令和6年度」, 「2024年度」).
//!
//! # Which era names a 年度
//!
//! A 年度 is named by the era in force on **September 30 of the year it starts**, the last day
//! of its first half (上半期). An era that begins in the first half renames the whole 年度; one
//! that begins in the second half does not. This is the rule that gives the names government
//! documents use:
//!
//! | 年度   | runs                     | era change in it | name        |
//! |--------|--------------------------|------------------|-------------|
//! | 1912   | 1912-04-01 … 1913-03-31  | 大正, 07-30      | 大正元年度  |
//! | 1926   | 1926-04-01 … 1927-03-31  | 昭和, 12-25      | 大正15年度  |
//! | 1988   | 1988-04-01 … 1989-03-31  | 平成, 01-08      | 昭和63年度  |
//! | 1989   | 1989-04-01 … 1990-03-31  | —                | 平成元年度  |
//! | 2018   | 2018-04-01 … 2019-03-31  | —                | 平成30年度  |
//! | 2019   | 2019-04-01 … 2020-03-31  | 令和, 05-01      | 令和元年度  |
//!
//! Neither "the era on April 1" (平成31年度) nor "the era on March 31" (平成元年度 for 1988) gives
//! all of them. When reading, the other name of a 年度 whose era changed is accepted too
//! (「平成31年度」 is 2019年度, 「昭和元年度」 is 1926年度): documents written before an era
//! change use it.
//!
//! 和暦 names start with 1873年度 (明治6年度), as 和暦 dates start on 1873-01-01; earlier 年度
//! are written in 西暦.

use std::fmt;
use std::str::FromStr;

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use unicode_normalization::UnicodeNormalization;

use crate::wareki::{self, Era, EraToken, GREGORIAN_ADOPTION_DATE, WarekiDate};

/// A 年度, April 1 to March 31, identified by the Gregorian year in which it starts.
///
/// Every value contains at least one date `chrono` can represent. For the two outermost
/// 年度, which `chrono` cannot represent entirely, [`start`](Self::start) and
/// [`end`](Self::end) are clamped to `NaiveDate::MIN` / `NaiveDate::MAX`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "i32", into = "i32")]
pub struct FiscalYear(i32);

impl FiscalYear {
    /// The 年度 that starts on April 1 of `year`.
    pub fn new(year: i32) -> Result<Self, FiscalYearError> {
        if (Self::min_year()..=Self::max_year()).contains(&year) {
            Ok(Self(year))
        } else {
            Err(FiscalYearError::OutOfRange {
                input: format!("{year}年度"),
            })
        }
    }

    // The range is exactly the 年度 of the dates chrono represents, so that `of` cannot fail.
    fn min_year() -> i32 {
        NaiveDate::MIN.year() - 1
    }

    fn max_year() -> i32 {
        NaiveDate::MAX.year()
    }

    /// The 年度 `date` belongs to: April–December belong to that year's 年度, January–March to
    /// the previous year's.
    pub fn of(date: NaiveDate) -> Self {
        if date.month() >= 4 {
            Self(date.year())
        } else {
            Self(date.year() - 1)
        }
    }

    /// The Gregorian year in which the 年度 starts.
    pub fn year(self) -> i32 {
        self.0
    }

    /// April 1, the first day.
    pub fn start(self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.0, 4, 1).unwrap_or(NaiveDate::MIN)
    }

    /// March 31 of the next year, the last day.
    pub fn end(self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.0 + 1, 3, 31).unwrap_or(NaiveDate::MAX)
    }

    pub fn contains(self, date: NaiveDate) -> bool {
        Self::of(date) == self
    }

    /// The following 年度, or `None` past the last date `chrono` represents.
    pub fn next(self) -> Option<Self> {
        Self::new(self.0 + 1).ok()
    }

    /// The preceding 年度, or `None` before the first date `chrono` represents.
    pub fn previous(self) -> Option<Self> {
        Self::new(self.0 - 1).ok()
    }

    /// The era and year of the era naming this 年度 (see the module documentation), e.g.
    /// `(Era::Reiwa, 1)` for 2019年度; `None` before 1873年度.
    pub fn era_year(self) -> Option<(Era, u32)> {
        let first_half_end = NaiveDate::from_ymd_opt(self.0, 9, 30)?;
        let wareki = WarekiDate::from_gregorian(first_half_end).ok()?;
        Some((wareki.era(), wareki.year()))
    }

    /// 「令和6年度（2024年度）」; a 年度 with no 和暦 name is just 「1872年度」.
    pub fn format_with_seireki(self) -> String {
        match self.era_year() {
            Some(_) => format!("{self}（{}年度）", self.0),
            None => self.to_string(),
        }
    }
}

impl fmt::Display for FiscalYear {
    /// 「令和6年度」, 「令和元年度」; 「1872年度」 before 1873年度.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.era_year() {
            Some((era, year)) => write!(f, "{}{}年度", era.name(), wareki::year_label(year)),
            // Four digits at least, as `parse` reads shorter numbers as ambiguous.
            None => write!(f, "{:04}年度", self.0),
        }
    }
}

impl FromStr for FiscalYear {
    type Err = FiscalYearError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        parse(s)
    }
}

impl TryFrom<i32> for FiscalYear {
    type Error = FiscalYearError;

    fn try_from(year: i32) -> Result<Self, Self::Error> {
        Self::new(year)
    }
}

impl From<FiscalYear> for i32 {
    fn from(fiscal_year: FiscalYear) -> Self {
        fiscal_year.0
    }
}

/// Reads a 年度 as people type it: 「令和6年度」, 「令和元年度」, 「R6年度」, 「2024年度」,
/// 「令和6年度（2024年度）」, with full-width digits and spaces allowed. A 西暦 year needs four
/// digits: 「6年度」 usually means 令和6年度, so it is refused rather than read as year 6.
pub fn parse(s: &str) -> Result<FiscalYear, FiscalYearError> {
    let input = s.trim();
    if input.is_empty() {
        return Err(FiscalYearError::Empty);
    }
    let normalized: String = input.nfkc().collect();
    let owned = || input.to_owned();
    let malformed = || FiscalYearError::Malformed { input: owned() };

    if normalized.starts_with(|c: char| c.is_ascii_digit()) {
        let digit_count = normalized
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(normalized.len());
        let (year, rest) = wareki::take_number(&normalized).ok_or_else(malformed)?;
        let rest = rest
            .trim_start()
            .strip_prefix("年度")
            .ok_or_else(malformed)?;
        check_nothing_left(input, rest)?;
        if digit_count < 4 {
            return Err(FiscalYearError::AmbiguousYear { input: owned() });
        }
        let year =
            i32::try_from(year).map_err(|_| FiscalYearError::OutOfRange { input: owned() })?;
        return FiscalYear::new(year).map_err(|_| FiscalYearError::OutOfRange { input: owned() });
    }

    let (era, rest) = match wareki::take_era(&normalized) {
        EraToken::Known(era, rest) => (era, rest),
        EraToken::Unknown(token) => {
            return Err(FiscalYearError::UnknownEra {
                input: owned(),
                era: token.to_owned(),
            });
        }
        EraToken::Missing => return Err(malformed()),
    };
    let (era_year, rest) = wareki::take_year(rest.trim_start()).ok_or_else(malformed)?;
    let mut rest = rest
        .trim_start()
        .strip_prefix("年度")
        .ok_or_else(malformed)?
        .trim_start();
    // The form `format_with_seireki` writes: 「令和6年度（2024年度）」.
    let mut seireki = None;
    if let Some(inner) = rest.strip_prefix('(') {
        let (year, inner) = wareki::take_number(inner.trim_start()).ok_or_else(malformed)?;
        let inner = inner
            .trim_start()
            .strip_prefix("年度")
            .ok_or_else(malformed)?;
        rest = inner.trim_start().strip_prefix(')').ok_or_else(malformed)?;
        seireki = Some(year);
    }
    check_nothing_left(input, rest)?;

    if era_year == 0 {
        return Err(FiscalYearError::YearZero { input: owned() });
    }
    let year = i64::from(era.start().year()) + i64::from(era_year) - 1;
    let fiscal_year = i32::try_from(year)
        .ok()
        .and_then(|year| FiscalYear::new(year).ok())
        .ok_or_else(|| FiscalYearError::OutOfRange { input: owned() })?;
    if fiscal_year.year() < GREGORIAN_ADOPTION_DATE.year() {
        return Err(FiscalYearError::BeforeGregorian { input: owned() });
    }
    // The era's own year numbering never puts its start after the 年度, so only its end can
    // miss the 年度 (「平成32年度」).
    if let Some(era_end) = era.end()
        && era_end < fiscal_year.start()
    {
        return Err(FiscalYearError::EraNotInForce {
            input: owned(),
            era,
            era_end: wareki::format_gregorian_as_wareki(era_end),
            actual: format!("{}年度は{fiscal_year}です", fiscal_year.year()),
        });
    }
    if let Some(seireki) = seireki
        && i64::from(seireki) != i64::from(fiscal_year.year())
    {
        return Err(FiscalYearError::Mismatch {
            input: owned(),
            actual: format!(
                "{}{}年度は{}年度です",
                era.name(),
                wareki::year_label(era_year),
                fiscal_year.year()
            ),
        });
    }
    Ok(fiscal_year)
}

fn check_nothing_left(input: &str, rest: &str) -> Result<(), FiscalYearError> {
    let rest = rest.trim();
    if rest.is_empty() {
        Ok(())
    } else {
        Err(FiscalYearError::TrailingCharacters {
            input: input.to_owned(),
            rest: rest.to_owned(),
        })
    }
}

/// Why a 年度 could not be built or read. Messages are for the person who typed it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FiscalYearError {
    #[error("年度が入力されていません: 「令和6年度」「R6年度」「2024年度」の形で入力してください")]
    Empty,
    #[error(
        "年度「{input}」は正しくありません: 「令和6年度」「R6年度」「2024年度」の形で入力してください"
    )]
    Malformed { input: String },
    #[error(
        "年度「{input}」は正しくありません: 元号「{era}」はありません（明治・大正・昭和・平成・令和、またはM・T・S・H・Rが使えます）"
    )]
    UnknownEra { input: String, era: String },
    #[error(
        "年度「{input}」は正しくありません: 西暦は4桁で書いてください（和暦なら「令和6年度」のように元号を付けてください）"
    )]
    AmbiguousYear { input: String },
    #[error("年度「{input}」は正しくありません: 年度のあとに余分な文字「{rest}」があります")]
    TrailingCharacters { input: String, rest: String },
    #[error("年度「{input}」は正しくありません: 年は1以上（元年）です")]
    YearZero { input: String },
    #[error("年度「{input}」は正しくありません: 扱える年度の範囲を超えています")]
    OutOfRange { input: String },
    #[error("年度「{input}」は正しくありません: 和暦の年度は1873年度（明治6年度）からです")]
    BeforeGregorian { input: String },
    #[error("年度「{input}」は正しくありません: {era}は{era_end}で終わりました（{actual}）")]
    EraNotInForce {
        input: String,
        era: Era,
        /// The era's last day, e.g. 「平成31年4月30日」.
        era_end: String,
        /// The 年度's name, e.g. 「2020年度は令和2年度です」.
        actual: String,
    },
    #[error("年度「{input}」は正しくありません: 和暦と西暦が合いません（{actual}）")]
    Mismatch {
        input: String,
        /// e.g. 「令和6年度は2024年度です」.
        actual: String,
    },
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use super::*;
    use proptest::prelude::*;

    fn d(year: i32, month: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(year, month, day).unwrap()
    }

    fn fy(year: i32) -> FiscalYear {
        FiscalYear::new(year).unwrap()
    }

    #[test]
    fn names_follow_the_first_half_rule() {
        let cases = [
            (1872, "1872年度", "1872年度"),
            (1873, "明治6年度", "明治6年度（1873年度）"),
            (1911, "明治44年度", "明治44年度（1911年度）"),
            (1912, "大正元年度", "大正元年度（1912年度）"),
            (1926, "大正15年度", "大正15年度（1926年度）"),
            (1927, "昭和2年度", "昭和2年度（1927年度）"),
            (1988, "昭和63年度", "昭和63年度（1988年度）"),
            (1989, "平成元年度", "平成元年度（1989年度）"),
            (2018, "平成30年度", "平成30年度（2018年度）"),
            (2019, "令和元年度", "令和元年度（2019年度）"),
            (2024, "令和6年度", "令和6年度（2024年度）"),
            (999, "0999年度", "0999年度"),
        ];
        for (year, name, with_seireki) in cases {
            assert_eq!(fy(year).to_string(), name, "{year}");
            assert_eq!(fy(year).format_with_seireki(), with_seireki, "{year}");
        }
        assert_eq!(fy(2019).era_year(), Some((Era::Reiwa, 1)));
        assert_eq!(fy(1872).era_year(), None);
    }

    #[test]
    fn of_start_end() {
        let cases = [
            (d(2024, 4, 1), 2024),
            (d(2024, 12, 31), 2024),
            (d(2025, 1, 1), 2024),
            (d(2025, 3, 31), 2024),
            (d(2025, 4, 1), 2025),
            (d(2019, 4, 30), 2019),
            (d(2019, 5, 1), 2019),
        ];
        for (date, year) in cases {
            assert_eq!(FiscalYear::of(date), fy(year), "{date}");
            assert!(fy(year).contains(date));
            assert!(!fy(year + 1).contains(date));
        }
        assert_eq!(fy(2024).start(), d(2024, 4, 1));
        assert_eq!(fy(2024).end(), d(2025, 3, 31));
        assert_eq!(fy(2024).year(), 2024);
        assert_eq!(fy(2024).next(), Some(fy(2025)));
        assert_eq!(fy(2024).previous(), Some(fy(2023)));
    }

    #[test]
    fn outermost_fiscal_years_are_clamped() {
        let first = FiscalYear::of(NaiveDate::MIN);
        let last = FiscalYear::of(NaiveDate::MAX);
        assert_eq!(first.start(), NaiveDate::MIN);
        assert_eq!(last.end(), NaiveDate::MAX);
        assert_eq!(first.previous(), None);
        assert_eq!(last.next(), None);
        assert!(FiscalYear::new(first.year() - 1).is_err());
        assert!(FiscalYear::new(last.year() + 1).is_err());
        assert!(FiscalYear::new(i32::MAX).is_err());
        assert_eq!(
            FiscalYear::new(i32::MIN).unwrap_err().to_string(),
            "年度「-2147483648年度」は正しくありません: 扱える年度の範囲を超えています"
        );
    }

    #[test]
    fn accepted_spellings() {
        let cases = [
            ("令和6年度", 2024),
            ("令和元年度", 2019),
            ("令和1年度", 2019),
            ("R6年度", 2024),
            ("r6年度", 2024),
            ("R06年度", 2024),
            ("2024年度", 2024),
            ("２０２４年度", 2024),
            ("令和６年度", 2024),
            (" 令和 6 年度 ", 2024),
            ("令和6年度（2024年度）", 2024),
            ("令和6年度 (2024年度)", 2024),
            ("平成30年度", 2018),
            ("平成元年度", 1989),
            ("昭和63年度", 1988),
            ("大正15年度", 1926),
            ("明治6年度", 1873),
            ("1872年度", 1872),
            ("0999年度", 999),
            // The other name of a 年度 in which the era changed.
            ("平成31年度", 2019),
            ("昭和元年度", 1926),
            ("明治45年度", 1912),
        ];
        for (input, year) in cases {
            assert_eq!(parse(input), Ok(fy(year)), "{input}");
            assert_eq!(input.parse::<FiscalYear>(), Ok(fy(year)), "{input}");
        }
    }

    type IsExpected = fn(&FiscalYearError) -> bool;

    #[test]
    fn rejected_spellings() {
        let cases: &[(&str, IsExpected)] = &[
            ("", |e| matches!(e, FiscalYearError::Empty)),
            ("令和6年", |e| {
                matches!(e, FiscalYearError::Malformed { .. })
            }),
            ("令和6", |e| {
                matches!(e, FiscalYearError::Malformed { .. })
            }),
            ("2024", |e| matches!(e, FiscalYearError::Malformed { .. })),
            ("年度", |e| matches!(e, FiscalYearError::Malformed { .. })),
            ("元年度", |e| {
                matches!(e, FiscalYearError::Malformed { .. })
            }),
            (
                "X6年度",
                |e| matches!(e, FiscalYearError::UnknownEra { era, .. } if era == "X"),
            ),
            ("6年度", |e| {
                matches!(e, FiscalYearError::AmbiguousYear { .. })
            }),
            (
                "令和6年度です",
                |e| matches!(e, FiscalYearError::TrailingCharacters { rest, .. } if rest == "です"),
            ),
            ("2024年度分", |e| {
                matches!(e, FiscalYearError::TrailingCharacters { .. })
            }),
            ("令和0年度", |e| {
                matches!(e, FiscalYearError::YearZero { .. })
            }),
            ("99999999999年度", |e| {
                matches!(e, FiscalYearError::OutOfRange { .. })
            }),
            ("令和999999年度", |e| {
                matches!(e, FiscalYearError::OutOfRange { .. })
            }),
            ("明治5年度", |e| {
                matches!(e, FiscalYearError::BeforeGregorian { .. })
            }),
            ("平成32年度", |e| {
                matches!(
                    e,
                    FiscalYearError::EraNotInForce {
                        era: Era::Heisei,
                        ..
                    }
                )
            }),
            ("昭和64年度", |e| {
                matches!(
                    e,
                    FiscalYearError::EraNotInForce {
                        era: Era::Showa,
                        ..
                    }
                )
            }),
            ("昭和64年度（1989年度）", |e| {
                matches!(
                    e,
                    FiscalYearError::EraNotInForce {
                        era: Era::Showa,
                        ..
                    }
                )
            }),
            ("令和6年度（2023年度）", |e| {
                matches!(e, FiscalYearError::Mismatch { .. })
            }),
            ("令和6年度（2024年", |e| {
                matches!(e, FiscalYearError::Malformed { .. })
            }),
        ];
        for (input, is_expected) in cases {
            match parse(input) {
                Ok(fiscal_year) => panic!("{input} parsed as {fiscal_year}"),
                Err(error) => assert!(is_expected(&error), "{input}: {error:?}"),
            }
        }
    }

    #[test]
    fn error_messages_name_the_rule() {
        let cases = [
            (
                "令和0年度",
                "年度「令和0年度」は正しくありません: 年は1以上（元年）です",
            ),
            (
                "平成32年度",
                "年度「平成32年度」は正しくありません: 平成は平成31年4月30日で終わりました（2020年度は令和2年度です）",
            ),
            (
                "6年度",
                "年度「6年度」は正しくありません: 西暦は4桁で書いてください（和暦なら「令和6年度」のように元号を付けてください）",
            ),
            (
                "令和6年度（2023年度）",
                "年度「令和6年度（2023年度）」は正しくありません: 和暦と西暦が合いません（令和6年度は2024年度です）",
            ),
            (
                "X6年度",
                "年度「X6年度」は正しくありません: 元号「X」はありません（明治・大正・昭和・平成・令和、またはM・T・S・H・Rが使えます）",
            ),
        ];
        for (input, message) in cases {
            assert_eq!(parse(input).unwrap_err().to_string(), message);
        }
    }

    #[test]
    fn serde_uses_the_starting_year() {
        assert_eq!(serde_json::to_string(&fy(2024)).unwrap(), "2024");
        assert_eq!(
            serde_json::from_str::<FiscalYear>("2024").unwrap(),
            fy(2024)
        );
        assert!(serde_json::from_str::<FiscalYear>("2147483647").is_err());
    }

    fn supported_date() -> impl Strategy<Value = NaiveDate> {
        let first = d(1873, 1, 1);
        let span = (d(2200, 12, 31) - first).num_days();
        (0..=span).prop_map(move |offset| first + chrono::Duration::days(offset))
    }

    proptest! {
        #[test]
        fn a_date_is_in_its_fiscal_year(date in supported_date()) {
            let fiscal_year = FiscalYear::of(date);
            prop_assert!(fiscal_year.contains(date));
            prop_assert!(fiscal_year.start() <= date && date <= fiscal_year.end());
        }

        #[test]
        fn boundaries_are_consistent(year in 1873..=2200i32) {
            let fiscal_year = fy(year);
            prop_assert_eq!(FiscalYear::of(fiscal_year.start()), fiscal_year);
            prop_assert_eq!(FiscalYear::of(fiscal_year.end()), fiscal_year);
            let day_after = fiscal_year.end().succ_opt().unwrap();
            prop_assert_eq!(Some(FiscalYear::of(day_after)), fiscal_year.next());
            let day_before = fiscal_year.start().pred_opt().unwrap();
            prop_assert_eq!(Some(FiscalYear::of(day_before)), fiscal_year.previous());
        }

        #[test]
        fn display_round_trips(year in 1873..=2200i32) {
            let fiscal_year = fy(year);
            prop_assert_eq!(parse(&fiscal_year.to_string()), Ok(fiscal_year));
            prop_assert_eq!(parse(&fiscal_year.format_with_seireki()), Ok(fiscal_year));
            prop_assert_eq!(parse(&format!("{year}年度")), Ok(fiscal_year));
        }

        #[test]
        fn parse_never_panics(s in "\\PC{0,16}") {
            let _ = parse(&s);
        }
    }
}
