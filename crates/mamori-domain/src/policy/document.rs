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
}

impl OwnDocument {
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
        };
        assert_eq!(empty.problems(&Two)[0].field, field::DOCUMENT);
    }
}
