//! What a 団体 is when it is set up: its 全国地方公共団体コード and its kind, from which the word
//! its policy uses for itself (本市・本町 …) follows.

use serde::{Deserialize, Serialize};

use crate::DomainError;

/// A 全国地方公共団体コード: five digits (two for the prefecture, three for the body) and a
/// check digit, e.g. 131016 (千代田区) or 011002 (札幌市).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct LocalGovernmentCode(String);

impl LocalGovernmentCode {
    const FIELD: &'static str = "全国地方公共団体コード";

    /// Accepts six digits (full-width digits are read as their ASCII form) whose last digit is
    /// the check digit of the first five: 11 minus the remainder of Σ digit × (6, 5, 4, 3, 2)
    /// divided by 11, taking its last digit (so 10 becomes 0 and 11 becomes 1).
    pub fn parse(input: &str) -> Result<Self, DomainError> {
        let digits = crate::text::ascii_digits(input.trim());
        if digits.is_empty() {
            return Err(DomainError::new(Self::FIELD, "入力してください"));
        }
        if digits.chars().count() != 6 || !digits.chars().all(|c| c.is_ascii_digit()) {
            return Err(DomainError::new(
                Self::FIELD,
                "6桁の数字（5桁の団体コードと検査数字）で入力してください",
            ));
        }
        let values: Vec<u32> = digits.bytes().map(|b| u32::from(b - b'0')).collect();
        let expected = check_digit(&values[..5]);
        if values[5] != expected {
            return Err(DomainError::new(
                Self::FIELD,
                format!(
                    "検査数字（6桁目）が合いません。{}の検査数字は{expected}です",
                    &digits[..5]
                ),
            ));
        }
        Ok(Self(digits))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The 都道府県 part: 13 for 東京都.
    pub fn prefecture(&self) -> &str {
        &self.0[..2]
    }
}

impl std::fmt::Display for LocalGovernmentCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

fn check_digit(five: &[u32]) -> u32 {
    let sum: u32 = five.iter().zip([6, 5, 4, 3, 2]).map(|(d, w)| d * w).sum();
    (11 - sum % 11) % 10
}

/// The kind of 地方公共団体, as 地方自治法 names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BodyKind {
    Prefecture,
    City,
    Town,
    Village,
    SpecialWard,
    /// 一部事務組合
    Union,
    /// 広域連合
    WideAreaUnion,
}

impl BodyKind {
    pub const ALL: [Self; 7] = [
        Self::Prefecture,
        Self::City,
        Self::Town,
        Self::Village,
        Self::SpecialWard,
        Self::Union,
        Self::WideAreaUnion,
    ];

    pub fn key(self) -> &'static str {
        match self {
            Self::Prefecture => "prefecture",
            Self::City => "city",
            Self::Town => "town",
            Self::Village => "village",
            Self::SpecialWard => "special_ward",
            Self::Union => "union",
            Self::WideAreaUnion => "wide_area_union",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Prefecture => "都道府県",
            Self::City => "市",
            Self::Town => "町",
            Self::Village => "村",
            Self::SpecialWard => "特別区",
            Self::Union => "一部事務組合",
            Self::WideAreaUnion => "広域連合",
        }
    }

    /// Reads the key or the label.
    pub fn parse(input: &str) -> Result<Self, DomainError> {
        let text = input.trim();
        Self::ALL
            .into_iter()
            .find(|k| k.key() == text || k.label() == text)
            .ok_or_else(|| {
                DomainError::new(
                    "団体の種類",
                    format!(
                        "{}のいずれかを選んでください",
                        Self::ALL.map(Self::label).join("・")
                    ),
                )
            })
    }

    /// What its 長 is called: 市長, 知事, 管理者 (of a 一部事務組合) …
    pub fn head_title(self) -> &'static str {
        match self {
            Self::Prefecture => "知事",
            Self::City => "市長",
            Self::Town => "町長",
            Self::Village => "村長",
            Self::SpecialWard => "区長",
            Self::Union => "管理者",
            Self::WideAreaUnion => "広域連合長",
        }
    }

    /// The word the body's policy uses for itself: 本市, 本町 …; for a 都道府県 the last
    /// character of its name decides (東京都 → 本都, 北海道 → 本道, 大阪府 → 本府, else 本県).
    pub fn default_term(self, body_name: &str) -> String {
        match self {
            Self::Prefecture => match body_name.trim().chars().last() {
                Some(c @ ('都' | '道' | '府')) => format!("本{c}"),
                _ => "本県".to_owned(),
            },
            Self::City => "本市".to_owned(),
            Self::Town => "本町".to_owned(),
            Self::Village => "本村".to_owned(),
            Self::SpecialWard => "本区".to_owned(),
            Self::Union => "本組合".to_owned(),
            Self::WideAreaUnion => "本広域連合".to_owned(),
        }
    }
}

/// The word the policy uses for the body (「本市」, 「本町」 …): one to ten characters, the rule
/// of the profile's 「団体の呼び方」.
pub fn parse_body_term(input: &str) -> Result<String, DomainError> {
    let text = input.trim();
    if text.is_empty() || text.chars().count() > 10 {
        return Err(DomainError::new(
            "団体の呼び方",
            "1文字以上10文字以下で入力してください（例: 本市、本町、本県）",
        ));
    }
    Ok(text.to_owned())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn published_codes_pass_their_check_digit() {
        // 千代田区, 札幌市, 北海道, 大阪市, 那覇市 as the 総務省 list gives them.
        for code in ["131016", "011002", "010006", "271004", "472018"] {
            assert_eq!(
                LocalGovernmentCode::parse(code).map(|c| c.to_string()),
                Ok(code.to_owned()),
                "{code}"
            );
        }
        assert_eq!(
            LocalGovernmentCode::parse("１３１０１６").map(|c| c.to_string()),
            Ok("131016".to_owned())
        );
    }

    #[test]
    fn a_wrong_check_digit_is_refused_naming_the_field_and_the_right_digit() {
        let e = LocalGovernmentCode::parse("131017").unwrap_err();
        assert_eq!(e.field, "全国地方公共団体コード");
        assert!(e.message.contains("6"), "{}", e.message);
        for bad in ["", "13101", "1310166", "13101a"] {
            let e = LocalGovernmentCode::parse(bad).unwrap_err();
            assert_eq!(e.field, "全国地方公共団体コード", "{bad}");
        }
    }

    #[test]
    fn the_remainders_zero_and_one_give_one_and_zero() {
        // Σ = 11 → remainder 0 → 11 → 1; Σ = 12 → remainder 1 → 10 → 0.
        assert_eq!(check_digit(&[0, 0, 0, 1, 4]), 1);
        assert_eq!(check_digit(&[0, 0, 0, 0, 6]), 0);
    }

    #[test]
    fn the_term_follows_the_kind_and_for_a_prefecture_its_name() {
        assert_eq!(BodyKind::City.default_term("さくら市"), "本市");
        assert_eq!(BodyKind::Prefecture.default_term("東京都"), "本都");
        assert_eq!(BodyKind::Prefecture.default_term("北海道"), "本道");
        assert_eq!(BodyKind::Prefecture.default_term("静岡県"), "本県");
        assert_eq!(BodyKind::Union.default_term("○○衛生組合"), "本組合");
        assert_eq!(BodyKind::parse("町"), Ok(BodyKind::Town));
        assert_eq!(BodyKind::parse("special_ward"), Ok(BodyKind::SpecialWard));
        assert_eq!(BodyKind::parse("郡").unwrap_err().field, "団体の種類");
        assert!(parse_body_term("").is_err());
        assert!(parse_body_term("本市本市本市本市本市本").is_err());
        assert_eq!(BodyKind::Town.head_title(), "町長");
        assert_eq!(parse_body_term(" 本町 "), Ok("本町".to_owned()));
    }
}
