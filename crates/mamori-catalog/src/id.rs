//! Canonical clause identifiers (`B-4.(2)①`, `S-2.(2)⑧(イ)`, `S-8.2.(1)柱書`).
//!
//! The syntax is the one of `clause-index-a.md` / `clause-index-b.md`: a part letter (`B` for the
//! 基本方針, `S` for the 対策基準), the chapter number, for the 対策基準 optionally a section
//! number, then the item markers `(n)`, `①`…`⑳`, `(ア)`… and, for a lead-in row, `柱書`.
//! A [`ClauseId`] can only be obtained through [`ClauseId::parse`], so every id in the catalog
//! is well formed. Document order is *not* the string order (`(10)` sorts before `(2)`), which is
//! why clauses carry a separate `order`.

use serde::{Deserialize, Serialize};
use std::fmt;

/// The two parts of the model policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Part {
    /// 情報セキュリティ基本方針 (`B-`).
    BasicPolicy,
    /// 情報セキュリティ対策基準 (`S-`).
    Standards,
}

impl Part {
    /// The id prefix letter.
    pub fn letter(self) -> char {
        match self {
            Part::BasicPolicy => 'B',
            Part::Standards => 'S',
        }
    }
}

/// One item marker after the chapter/section numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Marker {
    /// `(1)` … written `（１）` in the guideline.
    Paren(u32),
    /// `①` … `⑳`.
    Circled(u32),
    /// `(ア)` … (the katakana is kept as written).
    Kana(char),
    /// `柱書`: the lead-in sentence of a numbered item, indexed as its own row.
    LeadIn,
}

impl Marker {
    /// Nesting rank: markers must appear in this order inside one id.
    fn rank(self) -> u8 {
        match self {
            Marker::Paren(_) => 0,
            Marker::Circled(_) => 1,
            Marker::Kana(_) => 2,
            Marker::LeadIn => 3,
        }
    }
}

impl fmt::Display for Marker {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Marker::Paren(n) => write!(f, "({n})"),
            Marker::Circled(n) => {
                let c = char::from_u32(0x245F + n).unwrap_or('?');
                write!(f, "{c}")
            }
            Marker::Kana(k) => write!(f, "({k})"),
            Marker::LeadIn => f.write_str("柱書"),
        }
    }
}

/// Why a string is not a clause id.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ClauseIdError {
    /// The id does not start with `B-` or `S-`.
    #[error("条項ID「{0}」は B- または S- で始まる必要があります")]
    BadPart(String),
    /// Chapter or section numbers are missing or malformed.
    #[error("条項ID「{0}」の章・節番号が正しくありません")]
    BadNumber(String),
    /// An item marker is malformed, out of order or repeated.
    #[error("条項ID「{0}」の項番（(1)・①・(ア)）が正しくありません")]
    BadMarker(String),
}

/// A canonical clause id, validated on construction.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ClauseId {
    raw: String,
    part: Part,
    chapter: u32,
    section: Option<u32>,
    markers: Vec<Marker>,
}

impl ClauseId {
    /// Parses and validates a canonical id such as `S-6.2.(1)③(イ)`.
    pub fn parse(s: &str) -> Result<Self, ClauseIdError> {
        let part = match s.get(..2) {
            Some("B-") => Part::BasicPolicy,
            Some("S-") => Part::Standards,
            _ => return Err(ClauseIdError::BadPart(s.to_owned())),
        };
        let rest = &s[2..];
        let bad_num = || ClauseIdError::BadNumber(s.to_owned());
        let bad_marker = || ClauseIdError::BadMarker(s.to_owned());

        let (chapter, mut rest) = take_number(rest).ok_or_else(bad_num)?;
        let mut section = None;
        // After the chapter: nothing, or "." followed by a section number or the markers.
        if let Some(after_dot) = rest.strip_prefix('.') {
            if let Some((n, r)) = take_number(after_dot) {
                if part == Part::BasicPolicy {
                    return Err(bad_num());
                }
                section = Some(n);
                rest = match r.strip_prefix('.') {
                    Some(r2) if !r2.is_empty() => r2,
                    Some(_) => return Err(bad_marker()),
                    None if r.is_empty() => r,
                    None => return Err(bad_marker()),
                };
            } else if after_dot.is_empty() {
                return Err(bad_marker());
            } else {
                rest = after_dot;
            }
        } else if !rest.is_empty() {
            return Err(bad_marker());
        }
        if chapter == 0 || section == Some(0) {
            return Err(bad_num());
        }

        let mut markers: Vec<Marker> = Vec::new();
        let mut r = rest;
        while !r.is_empty() {
            let (m, next) = take_marker(r).ok_or_else(bad_marker)?;
            if let Some(last) = markers.last()
                && last.rank() >= m.rank()
            {
                return Err(bad_marker());
            }
            markers.push(m);
            r = next;
        }
        // `柱書` needs something to be the lead-in of.
        if markers == [Marker::LeadIn] {
            return Err(bad_marker());
        }
        Ok(ClauseId {
            raw: s.to_owned(),
            part,
            chapter,
            section,
            markers,
        })
    }

    /// The id as written.
    pub fn as_str(&self) -> &str {
        &self.raw
    }

    /// 基本方針 or 対策基準.
    pub fn part(&self) -> Part {
        self.part
    }

    /// Chapter number (1–10 for the 基本方針, 1–9 for the 対策基準).
    pub fn chapter(&self) -> u32 {
        self.chapter
    }

    /// Section number (`4` in `S-6.4.(1)①`), if any.
    pub fn section(&self) -> Option<u32> {
        self.section
    }

    /// The item markers after the numbers.
    pub fn markers(&self) -> &[Marker] {
        &self.markers
    }

    /// Key of the chapter file this clause is stored in: `B`, `S-1` … `S-9`.
    pub fn chapter_key(&self) -> String {
        match self.part {
            Part::BasicPolicy => "B".to_owned(),
            Part::Standards => format!("S-{}", self.chapter),
        }
    }

    /// Id of the unit whose 解説 explains this clause: the 基本方針 chapter (`B-6`) or the
    /// 対策基準 chapter when it has no sections (`S-2`), else the section (`S-6.4`).
    pub fn commentary_unit(&self) -> String {
        let l = self.part.letter();
        match self.section {
            Some(s) => format!("{l}-{}.{s}", self.chapter),
            None => format!("{l}-{}", self.chapter),
        }
    }

    /// Ids of the headings above this clause, outermost first: the part (`S`), the chapter
    /// (`S-6`), the section (`S-6.2`) and every item prefix (`S-6.2.(1)`, `S-6.2.(1)③`).
    pub fn ancestors(&self) -> Vec<String> {
        let l = self.part.letter();
        let mut out = vec![l.to_string(), format!("{l}-{}", self.chapter)];
        let mut base = format!("{l}-{}", self.chapter);
        if let Some(s) = self.section {
            base = format!("{base}.{s}");
            out.push(base.clone());
        }
        let mut prefix = String::new();
        let n = self.markers.len();
        for m in self.markers.iter().take(n.saturating_sub(1)) {
            prefix.push_str(&m.to_string());
            out.push(format!("{base}.{prefix}"));
        }
        // A leaf that is itself a chapter (`B-5`) or section (`S-7.5`) is not its own ancestor.
        if self.markers.is_empty() {
            out.pop();
        }
        out
    }
}

fn take_number(s: &str) -> Option<(u32, &str)> {
    let end = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    if end == 0 {
        return None;
    }
    let n = s[..end].parse().ok()?;
    Some((n, &s[end..]))
}

fn take_marker(s: &str) -> Option<(Marker, &str)> {
    if let Some(r) = s.strip_prefix("柱書") {
        return Some((Marker::LeadIn, r));
    }
    let mut chars = s.chars();
    let c = chars.next()?;
    if ('①'..='⑳').contains(&c) {
        return Some((Marker::Circled(c as u32 - 0x245F), chars.as_str()));
    }
    if c == '(' {
        let inner = chars.as_str();
        let close = inner.find(')')?;
        let body = &inner[..close];
        let after = &inner[close + 1..];
        if let Ok(n) = body.parse::<u32>()
            && n > 0
            && body.chars().all(|d| d.is_ascii_digit())
        {
            return Some((Marker::Paren(n), after));
        }
        let mut bc = body.chars();
        if let (Some(k), None) = (bc.next(), bc.next())
            && ('ア'..='ン').contains(&k)
        {
            return Some((Marker::Kana(k), after));
        }
    }
    None
}

impl fmt::Display for ClauseId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.raw)
    }
}

impl TryFrom<String> for ClauseId {
    type Error = ClauseIdError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        ClauseId::parse(&s)
    }
}

impl From<ClauseId> for String {
    fn from(id: ClauseId) -> String {
        id.raw
    }
}

impl std::str::FromStr for ClauseId {
    type Err = ClauseIdError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ClauseId::parse(s)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_index_shapes() {
        for s in [
            "B-1",
            "B-5",
            "B-2.(10)",
            "B-4.(2)①",
            "S-1.(6)",
            "S-2.(2)⑧(イ)",
            "S-4.1.(2)①",
            "S-4.3.④",
            "S-7.5",
            "S-9.3",
            "S-8.2.(1)柱書",
            "S-8.3.①(ア)",
            "S-6.2.(1)③(カ)",
            "S-6.1.(20)②",
        ] {
            let id = ClauseId::parse(s).unwrap();
            assert_eq!(id.to_string(), s);
        }
    }

    #[test]
    fn rejects_malformed_ids() {
        for s in [
            "",
            "X-1",
            "B-",
            "B-1.",
            "B-1.2",
            "S-0",
            "S-1.(0)",
            "S-1.①(1)",
            "S-1.(1)(2)",
            "S-1.(1)①①",
            "S-4.1.",
            "S-4.1(2)",
            "S-1.(ア1)",
            "S-1.柱書",
            "S-1.(1) ",
            "S-1.(a)",
            "S-2.(2)⑧(イ)x",
        ] {
            assert!(ClauseId::parse(s).is_err(), "{s:?} should be rejected");
        }
    }

    #[test]
    fn ancestors_and_units() {
        let id = ClauseId::parse("S-6.2.(1)③(イ)").unwrap();
        assert_eq!(
            id.ancestors(),
            ["S", "S-6", "S-6.2", "S-6.2.(1)", "S-6.2.(1)③"]
        );
        assert_eq!(id.commentary_unit(), "S-6.2");
        assert_eq!(id.chapter_key(), "S-6");
        let id = ClauseId::parse("B-5").unwrap();
        assert_eq!(id.ancestors(), ["B"]);
        assert_eq!(id.commentary_unit(), "B-5");
        let id = ClauseId::parse("S-7.5").unwrap();
        assert_eq!(id.ancestors(), ["S", "S-7"]);
        let id = ClauseId::parse("S-2.(2)⑧(イ)").unwrap();
        assert_eq!(id.ancestors(), ["S", "S-2", "S-2.(2)", "S-2.(2)⑧"]);
        assert_eq!(id.commentary_unit(), "S-2");
        let id = ClauseId::parse("S-8.2.(1)柱書").unwrap();
        assert_eq!(id.ancestors(), ["S", "S-8", "S-8.2", "S-8.2.(1)"]);
    }

    #[test]
    fn serde_round_trip_validates() {
        let id = ClauseId::parse("S-2.(2)⑧(イ)").unwrap();
        let json = serde_json::to_string(&id).unwrap();
        assert_eq!(json, "\"S-2.(2)⑧(イ)\"");
        let back: ClauseId = serde_json::from_str(&json).unwrap();
        assert_eq!(back, id);
        assert!(serde_json::from_str::<ClauseId>("\"S-2.(x)\"").is_err());
    }
}
