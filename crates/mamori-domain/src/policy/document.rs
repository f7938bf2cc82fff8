//! An edition in the body's own structure: its provisions with their own numbers, headings and
//! words, in their own order, each linked to the guideline clauses it implements.
//!
//! The guideline-structured edition (the 例文 with amendments, deletions and local clauses) is
//! one way to start; an imported policy is the other. Either way the rest of the product asks
//! "what is the body's rule for clause X" — here through the links ([`OwnDocument::rule_for`]).
//! A link carries where it came from: the analysis (with its score) may replace its own links,
//! never one a person confirmed or set.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use super::ClauseLookup;
use crate::DomainError;

/// The largest document: a 対策基準 has some hundreds of provisions.
pub const MAX_PROVISIONS: usize = 5_000;
/// The longest text of one provision.
pub const MAX_PROVISION_CHARS: usize = 20_000;
/// Front matter lines kept (title page, 前文, 目次).
pub const MAX_FRONT_LINES: usize = 500;
/// The deepest nesting printed (章・条・項・号 and one more).
pub const MAX_DEPTH: u8 = 7;

/// Field names as the screens label them.
pub mod field {
    pub const DOCUMENT: &str = "本市の文書";
    pub const PROVISION: &str = "条項";
    pub const LINK: &str = "ガイドラインとの対応";
}

/// Where a link came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LinkOrigin {
    /// Found by the analysis; a later analysis may replace it.
    Analysis,
    /// Found by the analysis and confirmed by a person.
    Confirmed,
    /// Set by a person.
    Manual,
}

impl LinkOrigin {
    pub fn label(self) -> &'static str {
        match self {
            Self::Analysis => "分析",
            Self::Confirmed => "確認済み",
            Self::Manual => "手動",
        }
    }

    /// A person stands behind it: no analysis overwrites it.
    pub fn is_settled(self) -> bool {
        !matches!(self, Self::Analysis)
    }
}

/// A provision implements (part of) a guideline clause.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClauseLink {
    pub clause: String,
    pub origin: LinkOrigin,
    /// The analysis score in thousandths (0–1000), when the analysis found it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub score: Option<u16>,
    /// What the analysis did not find of the clause when it found it only in part (一部不足):
    /// 「「…」に当たる記述が見当たりません」. A link made by hand has none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub missing: Option<String>,
}

/// One provision as the body wrote it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OwnProvision {
    /// Stable within the document and its later editions (`p1`, `p2` …): links, reviews and the
    /// 新旧対照表 follow a provision by it, whatever its number becomes.
    pub key: String,
    /// Nesting, 0 at the top (章 or the document's first level).
    pub depth: u8,
    /// The number as the document writes it: 「第3条」, 「2」, 「(1)」, 「①」; empty when
    /// unnumbered.
    pub number: String,
    /// Its heading (見出し), when it has one.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub heading: String,
    /// Its own text (not its children's), paragraphs separated by `\n`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub text: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub links: Vec<ClauseLink>,
    /// Marked as the body's own (独自): it implements no guideline clause, on purpose.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub local: bool,
    /// Clauses a person took off this provision: no analysis links them again.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub refused: Vec<String>,
}

impl OwnProvision {
    /// A 例規 article (第N条, 第N条の2): its heading is a caption in parentheses.
    pub fn is_article(&self) -> bool {
        self.number.starts_with('第')
            && self
                .number
                .trim_end_matches(|c: char| {
                    c.is_ascii_digit() || "０１２３４５６７８９の".contains(c)
                })
                .ends_with('条')
    }

    /// 「第3条（目的）」, 「第1章 総則」, 「(1) 情報資産の分類」, 「①」.
    pub fn caption(&self) -> String {
        match (self.number.is_empty(), self.heading.is_empty()) {
            (false, false) if self.is_article() => {
                format!("{}（{}）", self.number, self.heading)
            }
            (false, false) => format!("{} {}", self.number, self.heading),
            (false, true) => self.number.clone(),
            (true, _) => self.heading.clone(),
        }
    }
}

/// What the body decided about a guideline clause its document does not implement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "decision", rename_all = "snake_case")]
pub enum GapDecision {
    /// 追加する: the provision written for it.
    Added { provision: String },
    /// 別に定める: where it is provided for instead (実施手順, another 規程 …).
    Elsewhere { place: String },
    /// 採用しない, with the reason (recorded; for a clause that is not a 推奨事項 it stays a
    /// departure from the guideline).
    NotAdopted { reason: String },
}

impl GapDecision {
    pub fn label(&self) -> &'static str {
        match self {
            Self::Added { .. } => "追加する",
            Self::Elsewhere { .. } => "別に定める",
            Self::NotAdopted { .. } => "採用しない",
        }
    }
}

/// A line of the document's own 改定履歴, as it writes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryEntry {
    /// 「第10版」 when the line names it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub edition: Option<u32>,
    /// 「制定」, 「一部改正」 …
    pub kind: String,
    /// The date as written: 「令和5年4月1日」.
    pub date: String,
}

/// The kinds of revision a 改定履歴 line names, longest first.
const HISTORY_KINDS: [&str; 6] = ["全部改正", "一部改正", "制定", "改正", "改定", "施行"];
/// A 改定履歴 line is short; a sentence that mentions a date is not one.
const MAX_HISTORY_LINE: usize = 60;

/// The 改定履歴 in lines of a document: each short line with a 和暦 date (era, 年, 月, 日) and a
/// kind of revision, with the 「第N版」 it names.
pub fn history_in<'a>(lines: impl IntoIterator<Item = &'a str>) -> Vec<HistoryEntry> {
    let mut out = Vec::new();
    for line in lines {
        let line = line.trim();
        if line.chars().count() > MAX_HISTORY_LINE || line.contains('。') {
            continue;
        }
        let Some(kind) = HISTORY_KINDS.iter().find(|k| line.contains(**k)) else {
            continue;
        };
        let Some(date) = date_in(line) else { continue };
        let folded = crate::text::ascii_digits(line);
        let edition = folded.find('第').and_then(|at| {
            let rest = &folded[at + '第'.len_utf8()..];
            let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
            rest[digits.len()..]
                .starts_with('版')
                .then(|| digits.parse().ok())
                .flatten()
        });
        out.push(HistoryEntry {
            edition,
            kind: (*kind).to_owned(),
            date,
        });
    }
    out
}

/// The edition the document itself is, by its 改定履歴: the highest 「第N版」 it names, else one
/// the number of its lines (each a revision, the first the 制定); `None` without one.
pub fn current_edition(history: &[HistoryEntry]) -> Option<u32> {
    if history.is_empty() {
        return None;
    }
    history
        .iter()
        .filter_map(|h| h.edition)
        .max()
        .or_else(|| u32::try_from(history.len()).ok())
}

/// The first 和暦 date in `line` (「令和5年4月1日」, 「平成31年4月1日」), as written.
fn date_in(line: &str) -> Option<String> {
    for era in ["令和", "平成", "昭和"] {
        let Some(at) = line.find(era) else { continue };
        let rest = &line[at..];
        let end = rest.find('日')? + '日'.len_utf8();
        let candidate = &rest[..end];
        if candidate.chars().count() <= 14 && crate::wareki::parse(candidate).is_ok() {
            return Some(candidate.to_owned());
        }
    }
    None
}

/// The longest reason or place of a decision.
const MAX_DECISION_CHARS: usize = 1_000;

/// The body's own document as an edition holds it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OwnDocument {
    /// The file it was imported from, if it was.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// What comes before the first provision — the title page, 前文, 目次 — kept as lines.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub front_matter: Vec<String>,
    pub provisions: Vec<OwnProvision>,
    /// The document's own 改定履歴 (the editions before it came into mamori).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub history: Vec<HistoryEntry>,
    /// Decisions on guideline clauses no provision implements, by clause.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub decisions: std::collections::BTreeMap<String, GapDecision>,
}

impl OwnDocument {
    /// The guideline clauses (of `clauses`, in their order) no provision implements and nobody
    /// has decided on yet: the worklist.
    pub fn open_gaps<'a>(&self, clauses: impl IntoIterator<Item = &'a str>) -> Vec<&'a str> {
        let linked = self.linked_clauses();
        clauses
            .into_iter()
            .filter(|c| !linked.contains(c) && !self.decisions.contains_key(*c))
            .collect()
    }

    /// Whether a provision implements `clause` whole: linked to it by hand, or by an analysis
    /// that found all of it.
    pub fn implements_fully(&self, clause: &str) -> bool {
        self.provisions
            .iter()
            .flat_map(|p| &p.links)
            .any(|l| l.clause == clause && l.missing.is_none())
    }

    /// A clause the document implements only in part, and nobody has decided on: the first
    /// provision holding it and what is missing. Such a clause stays on the worklist.
    pub fn partly_there(&self, clause: &str) -> Option<(&OwnProvision, &str)> {
        if self.decisions.contains_key(clause) || self.implements_fully(clause) {
            return None;
        }
        self.provisions.iter().find_map(|p| {
            p.links
                .iter()
                .find(|l| l.clause == clause)
                .and_then(|l| l.missing.as_deref())
                .map(|m| (p, m))
        })
    }

    /// Where a provision for `clause` would go: after the last provision linked to the nearest
    /// clause before it (in `order`, the guideline's order) that the document implements;
    /// `None`: at the end.
    pub fn suggested_place(&self, clause: &str, order: &[&str]) -> Option<&OwnProvision> {
        let at = order.iter().position(|c| *c == clause)?;
        order[..at].iter().rev().find_map(|before| {
            self.provisions
                .iter()
                .rev()
                .find(|p| p.links.iter().any(|l| l.clause == *before))
        })
    }

    /// 追加する: writes a provision for `clause` after the provision keyed `after` (and what
    /// nests below it), or at the end; returns its key.
    pub fn add_for(
        &mut self,
        clause: &str,
        after: Option<&str>,
        number: &str,
        text: &str,
        catalog: &dyn ClauseLookup,
    ) -> Result<String, DomainError> {
        self.ensure_open(clause, catalog)?;
        let text = text.trim();
        if text.is_empty() {
            return Err(DomainError::new("追加する規定の文言", "入力してください"));
        }
        crate::text::check("追加する規定の文言", text, MAX_PROVISION_CHARS, true)?;
        crate::text::check("追加する規定の番号", number.trim(), 40, false)?;
        let (at, depth) = match after {
            Some(key) => {
                let i = self
                    .provisions
                    .iter()
                    .position(|p| p.key == key)
                    .ok_or_else(|| {
                        DomainError::new(
                            field::PROVISION,
                            format!("条項「{key}」はこの版にありません"),
                        )
                    })?;
                let depth = self.provisions[i].depth;
                let end = self.provisions[i + 1..]
                    .iter()
                    .position(|p| p.depth <= depth)
                    .map_or(self.provisions.len(), |k| i + 1 + k);
                (end, depth)
            }
            None => (
                self.provisions.len(),
                self.provisions.last().map_or(0, |p| p.depth),
            ),
        };
        let next = self
            .provisions
            .iter()
            .filter_map(|p| p.key.strip_prefix('p').and_then(|n| n.parse::<u64>().ok()))
            .max()
            .unwrap_or(0)
            + 1;
        let key = format!("p{next}");
        self.provisions.insert(
            at,
            OwnProvision {
                key: key.clone(),
                depth,
                number: number.trim().to_owned(),
                heading: String::new(),
                text: text.to_owned(),
                links: vec![ClauseLink {
                    clause: clause.to_owned(),
                    origin: LinkOrigin::Manual,
                    score: None,
                    missing: None,
                }],
                local: false,
                refused: Vec::new(),
            },
        );
        self.decisions.insert(
            clause.to_owned(),
            GapDecision::Added {
                provision: key.clone(),
            },
        );
        Ok(key)
    }

    /// 別に定める or 採用しない: the decision with its place or reason (required).
    pub fn decide(
        &mut self,
        clause: &str,
        decision: GapDecision,
        catalog: &dyn ClauseLookup,
    ) -> Result<(), DomainError> {
        self.ensure_open(clause, catalog)?;
        let (field, value) = match &decision {
            GapDecision::Elsewhere { place } => ("別に定める場所", place),
            GapDecision::NotAdopted { reason } => ("採用しない理由", reason),
            GapDecision::Added { .. } => {
                return Err(DomainError::new("対応", "追加は規定の文言とともに行います"));
            }
        };
        if value.trim().is_empty() {
            return Err(DomainError::new(field, "入力してください"));
        }
        crate::text::check(field, value.trim(), MAX_DECISION_CHARS, true)?;
        let decision = match decision {
            GapDecision::Elsewhere { place } => GapDecision::Elsewhere {
                place: place.trim().to_owned(),
            },
            GapDecision::NotAdopted { reason } => GapDecision::NotAdopted {
                reason: reason.trim().to_owned(),
            },
            added => added,
        };
        self.decisions.insert(clause.to_owned(), decision);
        Ok(())
    }

    /// Takes a decision back (an added provision stays, as a provision of the draft).
    pub fn reopen(&mut self, clause: &str) -> Result<(), DomainError> {
        self.decisions.remove(clause).map(drop).ok_or_else(|| {
            DomainError::new("対応", format!("{clause} への対応はまだ決めていません"))
        })
    }

    fn ensure_open(&self, clause: &str, catalog: &dyn ClauseLookup) -> Result<(), DomainError> {
        if !catalog.exists(clause) {
            return Err(DomainError::new(
                field::LINK,
                format!("「{clause}」はガイドラインの条項ではありません"),
            ));
        }
        if self.decisions.contains_key(clause) {
            return Err(DomainError::new(
                "対応",
                format!("{clause} への対応は決めてあります"),
            ));
        }
        if self.implements_fully(clause) {
            return Err(DomainError::new(
                "対応",
                format!("{clause} にはもう対応する規定があります"),
            ));
        }
        Ok(())
    }

    /// The provisions that implement `clause`, in document order.
    pub fn rule_for<'a>(&'a self, clause: &'a str) -> impl Iterator<Item = &'a OwnProvision> {
        self.provisions
            .iter()
            .filter(move |p| p.links.iter().any(|l| l.clause == clause))
    }

    /// The guideline clauses some provision implements.
    pub fn linked_clauses(&self) -> BTreeSet<&str> {
        self.provisions
            .iter()
            .flat_map(|p| p.links.iter().map(|l| l.clause.as_str()))
            .collect()
    }

    /// Whether a provision has children (the next one is deeper).
    pub fn has_children(&self, index: usize) -> bool {
        match (self.provisions.get(index), self.provisions.get(index + 1)) {
            (Some(p), Some(next)) => next.depth > p.depth,
            _ => false,
        }
    }

    fn provision_mut(&mut self, key: &str) -> Result<&mut OwnProvision, DomainError> {
        self.provisions
            .iter_mut()
            .find(|p| p.key == key)
            .ok_or_else(|| {
                DomainError::new(
                    field::PROVISION,
                    format!("条項「{key}」はこの版にありません"),
                )
            })
    }

    /// A person confirms the analysis's links of a provision: no later analysis replaces them.
    pub fn confirm(&mut self, key: &str) -> Result<(), DomainError> {
        let p = self.provision_mut(key)?;
        for link in &mut p.links {
            if link.origin == LinkOrigin::Analysis {
                link.origin = LinkOrigin::Confirmed;
            }
        }
        Ok(())
    }

    /// A person links a provision to a clause (or confirms the analysis's link to it). A
    /// provision marked 独自 is no longer so.
    pub fn link(
        &mut self,
        key: &str,
        clause: &str,
        catalog: &dyn ClauseLookup,
    ) -> Result<(), DomainError> {
        if !catalog.exists(clause) {
            return Err(DomainError::new(
                field::LINK,
                format!("「{clause}」はガイドラインの条項ではありません"),
            ));
        }
        let p = self.provision_mut(key)?;
        p.local = false;
        match p.links.iter_mut().find(|l| l.clause == clause) {
            Some(l) if l.origin == LinkOrigin::Analysis => l.origin = LinkOrigin::Confirmed,
            Some(_) => {}
            None => p.links.push(ClauseLink {
                clause: clause.to_owned(),
                origin: LinkOrigin::Manual,
                score: None,
                missing: None,
            }),
        }
        Ok(())
    }

    /// A person takes a link off a provision. Kept as a refusal: the next analysis does not put
    /// it back (see [`OwnDocument::merge_analysis`]).
    pub fn unlink(&mut self, key: &str, clause: &str) -> Result<(), DomainError> {
        let p = self.provision_mut(key)?;
        let before = p.links.len();
        p.links.retain(|l| l.clause != clause);
        if p.links.len() == before {
            return Err(DomainError::new(
                field::LINK,
                format!("{} に {clause} との対応はありません", p.caption()),
            ));
        }
        if !p.refused.iter().any(|c| c == clause) {
            p.refused.push(clause.to_owned());
        }
        Ok(())
    }

    /// A person marks a provision as the body's own (it implements no clause; its links go) or
    /// takes the mark back.
    pub fn set_local(&mut self, key: &str, local: bool) -> Result<(), DomainError> {
        let p = self.provision_mut(key)?;
        p.local = local;
        if local {
            p.links.clear();
        }
        Ok(())
    }

    /// A new analysis's links, by provision key: they replace the earlier analysis's links; a
    /// link a person confirmed or set stays, a provision marked 独自 stays without links, and a
    /// link a person took off is not put back.
    pub fn merge_analysis(&mut self, found: &std::collections::BTreeMap<String, Vec<ClauseLink>>) {
        for p in &mut self.provisions {
            p.links.retain(|l| l.origin.is_settled());
            if p.local {
                continue;
            }
            for link in found.get(&p.key).into_iter().flatten() {
                if p.refused.contains(&link.clause)
                    || p.links.iter().any(|l| l.clause == link.clause)
                {
                    continue;
                }
                p.links.push(ClauseLink {
                    origin: LinkOrigin::Analysis,
                    ..link.clone()
                });
            }
        }
    }

    /// Whether a provision asks for a review: it has text or links (a bare heading does not).
    pub fn needs_review(p: &OwnProvision) -> bool {
        !p.text.is_empty() || !p.links.is_empty() || p.local
    }

    /// Whether a person has reviewed a provision: marked 独自, or every link settled and at
    /// least one.
    pub fn reviewed(p: &OwnProvision) -> bool {
        p.local || (!p.links.is_empty() && p.links.iter().all(|l| l.origin.is_settled()))
    }

    /// Every problem, each naming its field and the rule.
    pub fn problems(&self, catalog: &dyn ClauseLookup) -> Vec<DomainError> {
        let mut out = Vec::new();
        if self.provisions.is_empty() {
            out.push(DomainError::new(field::DOCUMENT, "条項が一つもありません"));
        }
        if self.provisions.len() > MAX_PROVISIONS {
            out.push(DomainError::new(
                field::DOCUMENT,
                format!(
                    "条項が多すぎます（{} 件。{MAX_PROVISIONS} 件まで）",
                    self.provisions.len()
                ),
            ));
        }
        if self.front_matter.len() > MAX_FRONT_LINES {
            out.push(DomainError::new(
                field::DOCUMENT,
                format!("前文・目次が長すぎます（{MAX_FRONT_LINES} 行まで）"),
            ));
        }
        let mut keys = BTreeSet::new();
        for p in &self.provisions {
            let at = || {
                let caption = p.caption();
                if caption.is_empty() {
                    p.key.clone()
                } else {
                    caption
                }
            };
            if p.key.is_empty() || !keys.insert(p.key.as_str()) {
                out.push(DomainError::new(
                    field::PROVISION,
                    format!("「{}」: 条項の識別子が空か重複しています", at()),
                ));
            }
            if p.depth > MAX_DEPTH {
                out.push(DomainError::new(
                    field::PROVISION,
                    format!("「{}」: 階層が深すぎます（{MAX_DEPTH} 段まで）", at()),
                ));
            }
            if p.text.chars().count() > MAX_PROVISION_CHARS
                || p.heading.chars().count() > 200
                || p.number.chars().count() > 40
            {
                out.push(DomainError::new(
                    field::PROVISION,
                    format!(
                        "「{}」: 長すぎます（本文 {MAX_PROVISION_CHARS} 字、見出し 200 字、番号 40 字まで）",
                        at()
                    ),
                ));
            }
            let mut linked = BTreeSet::new();
            for link in &p.links {
                if !catalog.exists(&link.clause) {
                    out.push(DomainError::new(
                        field::LINK,
                        format!(
                            "「{}」: {} はガイドラインの条項ではありません",
                            at(),
                            link.clause
                        ),
                    ));
                }
                if !linked.insert(link.clause.as_str()) {
                    out.push(DomainError::new(
                        field::LINK,
                        format!("「{}」: {} が重複しています", at(), link.clause),
                    ));
                }
                if link.score.is_some_and(|s| s > 1000) {
                    out.push(DomainError::new(
                        field::LINK,
                        format!("「{}」: 分析の点数は 0–1000 です", at()),
                    ));
                }
            }
            if p.local && !p.links.is_empty() {
                out.push(DomainError::new(
                    field::LINK,
                    format!(
                        "「{}」: 独自の条項にガイドラインとの対応は付けられません",
                        at()
                    ),
                ));
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    struct Two;
    impl ClauseLookup for Two {
        fn exists(&self, id: &str) -> bool {
            matches!(id, "B-1" | "S-1.(1)")
        }
        fn is_recommended(&self, _: &str) -> bool {
            false
        }
    }

    fn provision(key: &str, depth: u8, number: &str, heading: &str, text: &str) -> OwnProvision {
        OwnProvision {
            key: key.to_owned(),
            depth,
            number: number.to_owned(),
            heading: heading.to_owned(),
            text: text.to_owned(),
            links: Vec::new(),
            local: false,
            refused: Vec::new(),
        }
    }

    fn link(clause: &str, origin: LinkOrigin) -> ClauseLink {
        ClauseLink {
            clause: clause.to_owned(),
            origin,
            score: Some(800),
            missing: None,
        }
    }

    #[test]
    fn the_rule_for_a_clause_is_the_provisions_linked_to_it_in_order() {
        let mut a = provision("p1", 0, "第1条", "目的", "この規程は…");
        a.links.push(link("B-1", LinkOrigin::Analysis));
        let mut b = provision("p2", 0, "第2条", "定義", "…");
        b.links.push(link("S-1.(1)", LinkOrigin::Confirmed));
        let mut c = provision("p3", 1, "2", "", "…");
        c.links.push(link("B-1", LinkOrigin::Manual));
        let doc = OwnDocument {
            source: None,
            front_matter: Vec::new(),
            provisions: vec![a, b, c],
            decisions: Default::default(),
            history: Vec::new(),
        };
        let keys: Vec<&str> = doc.rule_for("B-1").map(|p| p.key.as_str()).collect();
        assert_eq!(keys, ["p1", "p3"]);
        assert_eq!(
            doc.linked_clauses().into_iter().collect::<Vec<_>>(),
            ["B-1", "S-1.(1)"]
        );
        assert!(doc.has_children(1) && !doc.has_children(0) && !doc.has_children(2));
        assert!(doc.problems(&Two).is_empty());
    }

    #[test]
    fn a_clause_found_only_in_part_stays_open_until_decided_or_linked_whole() {
        let mut a = provision("p1", 0, "第1条", "目的", "この規程は…");
        a.links.push(ClauseLink {
            missing: Some("「…」に当たる記述が見当たりません".into()),
            ..link("B-1", LinkOrigin::Analysis)
        });
        let mut doc = OwnDocument {
            source: None,
            front_matter: Vec::new(),
            provisions: vec![a, provision("p2", 0, "第2条", "定義", "…")],
            decisions: Default::default(),
            history: Vec::new(),
        };
        // Linked, so not among the unlinked gaps, but open: the provision holds part of it.
        assert!(doc.open_gaps(["B-1"]).is_empty());
        let (p, missing) = doc.partly_there("B-1").unwrap();
        assert_eq!(
            (p.key.as_str(), missing),
            ("p1", "「…」に当たる記述が見当たりません")
        );
        // A decision closes it ...
        doc.decide(
            "B-1",
            GapDecision::NotAdopted {
                reason: "要綱で定める".into(),
            },
            &Two,
        )
        .unwrap();
        assert!(doc.partly_there("B-1").is_none());
        // ... and so does a provision linked by hand, which implements it whole.
        doc.decisions.clear();
        doc.link("p2", "B-1", &Two).unwrap();
        assert!(doc.implements_fully("B-1") && doc.partly_there("B-1").is_none());
        let refused = doc.decide("B-1", GapDecision::NotAdopted { reason: "x".into() }, &Two);
        assert!(
            refused
                .unwrap_err()
                .message
                .contains("もう対応する規定があります")
        );
    }

    #[test]
    fn a_link_a_person_confirmed_set_or_took_off_survives_a_new_analysis() {
        let mut a = provision("p1", 0, "第1条", "目的", "x");
        a.links.push(link("B-1", LinkOrigin::Analysis));
        let mut b = provision("p2", 0, "第2条", "", "y");
        b.links.push(link("S-1.(1)", LinkOrigin::Analysis));
        b.links.push(link("B-1", LinkOrigin::Analysis));
        let c = provision("p3", 0, "第3条", "", "z");
        let mut doc = OwnDocument {
            source: None,
            front_matter: Vec::new(),
            provisions: vec![a, b, c],
            decisions: Default::default(),
            history: Vec::new(),
        };
        doc.confirm("p1").unwrap();
        doc.unlink("p2", "B-1").unwrap();
        doc.link("p3", "S-1.(1)", &Two).unwrap();
        assert!(doc.link("p3", "S-9", &Two).is_err());
        assert!(doc.unlink("p3", "B-1").is_err());
        assert!(doc.confirm("p9").is_err());
        assert!(OwnDocument::reviewed(&doc.provisions[0]));
        assert!(!OwnDocument::reviewed(&doc.provisions[1]));

        // The next analysis finds B-1 everywhere and nothing else.
        let found: std::collections::BTreeMap<String, Vec<ClauseLink>> = ["p1", "p2", "p3"]
            .iter()
            .map(|k| ((*k).to_owned(), vec![link("B-1", LinkOrigin::Analysis)]))
            .collect();
        doc.merge_analysis(&found);
        fn links_of(doc: &OwnDocument, i: usize) -> Vec<(String, LinkOrigin)> {
            doc.provisions[i]
                .links
                .iter()
                .map(|l| (l.clause.clone(), l.origin))
                .collect()
        }
        let links = |i: usize| links_of(&doc, i);
        assert_eq!(links(0), [("B-1".to_owned(), LinkOrigin::Confirmed)]);
        // p2: its analysis link to S-1.(1) went with the old analysis, B-1 was taken off.
        assert!(links(1).is_empty());
        assert_eq!(
            links(2),
            [
                ("S-1.(1)".to_owned(), LinkOrigin::Manual),
                ("B-1".to_owned(), LinkOrigin::Analysis)
            ]
        );
        doc.set_local("p3", true).unwrap();
        doc.merge_analysis(&found);
        assert!(links_of(&doc, 2).is_empty() && doc.provisions[2].local);
        assert!(OwnDocument::reviewed(&doc.provisions[2]));
    }

    #[test]
    fn the_worklist_is_the_unlinked_clauses_and_each_decision_closes_one() {
        struct Three;
        impl ClauseLookup for Three {
            fn exists(&self, id: &str) -> bool {
                matches!(id, "B-1" | "B-2" | "B-3" | "B-4")
            }
            fn is_recommended(&self, _: &str) -> bool {
                false
            }
        }
        let mut a = provision("p1", 0, "第1条", "目的", "x");
        a.links.push(link("B-1", LinkOrigin::Analysis));
        let a1 = provision("p2", 1, "2", "", "x2");
        let b = provision("p3", 0, "第2条", "", "y");
        let mut doc = OwnDocument {
            source: None,
            front_matter: Vec::new(),
            provisions: vec![a, a1, b],
            decisions: Default::default(),
            history: Vec::new(),
        };
        let order = ["B-1", "B-2", "B-3", "B-4"];
        assert_eq!(doc.open_gaps(order), ["B-2", "B-3", "B-4"]);
        // After the provision of the nearest implemented clause before it.
        assert_eq!(
            doc.suggested_place("B-3", &order).map(|p| p.key.as_str()),
            Some("p1")
        );
        let key = doc
            .add_for("B-2", Some("p1"), "第1条の2", "本町は…する。", &Three)
            .unwrap();
        // Inserted after 第1条 and what nests below it, as its sibling.
        let keys: Vec<&str> = doc.provisions.iter().map(|p| p.key.as_str()).collect();
        assert_eq!(keys, ["p1", "p2", key.as_str(), "p3"]);
        assert_eq!(key, "p4");
        assert_eq!(doc.provisions[2].depth, 0);
        assert!(doc.add_for("B-2", None, "", "again", &Three).is_err());
        let err = doc
            .decide(
                "B-3",
                GapDecision::NotAdopted { reason: " ".into() },
                &Three,
            )
            .unwrap_err();
        assert_eq!(err.field, "採用しない理由");
        doc.decide(
            "B-3",
            GapDecision::Elsewhere {
                place: "実施手順".into(),
            },
            &Three,
        )
        .unwrap();
        doc.decide(
            "B-4",
            GapDecision::NotAdopted {
                reason: "小規模のため".into(),
            },
            &Three,
        )
        .unwrap();
        assert!(doc.open_gaps(order).is_empty());
        doc.reopen("B-4").unwrap();
        assert_eq!(doc.open_gaps(order), ["B-4"]);
        assert!(
            doc.add_for("B-1", None, "", "x", &Three).is_err(),
            "already implemented"
        );
    }

    #[test]
    fn the_documents_own_revision_history_is_read_from_its_lines() {
        let lines = [
            "改定履歴",
            "第1版　平成15年4月1日　制定",
            "第９版　令和３年４月１日　一部改正",
            "第10版 令和5年4月1日 一部改正",
            "この規程は、平成25年法律第27号に基づき、令和5年4月1日から施行する旨を定めるものであり、長い文である。長い文である。長い文である。長い文である。",
            "令和2年13月1日 改正",
        ];
        let history = history_in(lines);
        let got: Vec<(Option<u32>, &str, &str)> = history
            .iter()
            .map(|h| (h.edition, h.kind.as_str(), h.date.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                (Some(1), "制定", "平成15年4月1日"),
                (Some(9), "一部改正", "令和３年４月１日"),
                (Some(10), "一部改正", "令和5年4月1日"),
            ]
        );
    }

    #[test]
    fn captions_follow_the_documents_numbering_style() {
        assert_eq!(
            provision("p", 0, "第3条", "目的", "").caption(),
            "第3条（目的）"
        );
        assert_eq!(
            provision("p", 1, "(1)", "情報資産の分類", "").caption(),
            "(1) 情報資産の分類"
        );
        assert_eq!(provision("p", 2, "①", "", "x").caption(), "①");
        assert_eq!(
            provision("p", 0, "第1章", "総則", "").caption(),
            "第1章 総則"
        );
        assert_eq!(
            provision("p", 0, "第5条の2", "委任", "").caption(),
            "第5条の2（委任）"
        );
        assert_eq!(provision("p", 0, "", "前文", "").caption(), "前文");
    }

    #[test]
    fn problems_name_the_provision_and_the_rule() {
        let mut a = provision("p1", 0, "第1条", "目的", "x");
        a.links.push(link("S-9.(9)", LinkOrigin::Analysis));
        a.links.push(link("B-1", LinkOrigin::Analysis));
        a.links.push(link("B-1", LinkOrigin::Manual));
        let mut b = provision("p1", 9, "第2条", "", &"あ".repeat(MAX_PROVISION_CHARS + 1));
        b.local = true;
        b.links.push(link("B-1", LinkOrigin::Manual));
        let doc = OwnDocument {
            source: None,
            front_matter: Vec::new(),
            provisions: vec![a, b],
            decisions: Default::default(),
            history: Vec::new(),
        };
        let problems = doc.problems(&Two);
        let text: Vec<String> = problems.iter().map(|p| p.message.clone()).collect();
        assert!(
            text.iter()
                .any(|m| m.contains("第1条（目的）") && m.contains("S-9.(9)"))
        );
        assert!(text.iter().any(|m| m.contains("B-1 が重複")));
        assert!(
            text.iter()
                .any(|m| m.contains("第2条") && m.contains("重複しています"))
        );
        assert!(text.iter().any(|m| m.contains("階層が深すぎます")));
        assert!(text.iter().any(|m| m.contains("長すぎます")));
        assert!(text.iter().any(|m| m.contains("独自の条項")));
        let empty = OwnDocument {
            source: None,
            front_matter: Vec::new(),
            provisions: Vec::new(),
            decisions: Default::default(),
            history: Vec::new(),
        };
        assert_eq!(empty.problems(&Two)[0].field, field::DOCUMENT);
    }
}
