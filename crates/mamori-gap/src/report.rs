//! The gap report: per catalog clause its status, score and matching provisions; local additions;
//! revision points not yet reflected; role names and classification scheme found. Serialised as
//! the JSON of `mamori gap analyze`, rendered as text, written as Excel ([`crate::xlsx`]).

use serde::{Deserialize, Serialize};
use std::fmt::Write as _;

/// How far the document reflects a clause.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// The substance is there.
    Covered,
    /// Found, but a distinct element is missing.
    Partial,
    /// Not found.
    Omitted,
}

impl Status {
    /// Japanese label.
    pub fn label(self) -> &'static str {
        match self {
            Status::Covered => "規定あり",
            Status::Partial => "一部不足",
            Status::Omitted => "規定なし",
        }
    }

    /// The JSON key.
    pub fn key(self) -> &'static str {
        match self {
            Status::Covered => "covered",
            Status::Partial => "partial",
            Status::Omitted => "omitted",
        }
    }

    /// Parses the JSON key.
    pub fn parse(s: &str) -> Option<Self> {
        [Status::Covered, Status::Partial, Status::Omitted]
            .into_iter()
            .find(|x| x.key() == s)
    }
}

/// The whole report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// The guideline edition compared against (`2018-09`).
    pub baseline: String,
    /// The document analysed.
    pub document: DocumentInfo,
    /// Every catalog clause once, in catalog order.
    pub clauses: Vec<ClauseResult>,
    /// Provisions with no counterpart in the guideline.
    pub additions: Vec<Addition>,
    /// Revision points the document does not yet reflect.
    pub revision_points_unmet: Vec<UnmetPoint>,
    /// Counts by status.
    pub summary: Summary,
    /// Role names of the document that differ from the guideline's.
    pub roles: Vec<RoleName>,
    /// The classification scheme found in the document.
    pub classification: ClassificationFound,
}

/// The analysed document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocumentInfo {
    /// Its title (first heading or line).
    pub title: String,
    /// Number of provisions found.
    pub provisions: usize,
    /// Number of lines read.
    pub lines: usize,
}

/// One clause's result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClauseResult {
    /// Canonical clause id.
    pub id: String,
    /// Status.
    pub status: Status,
    /// 0.0–1.0: how much of the clause's substance was found.
    pub score: f64,
    /// 【推奨事項】 (omitting it is allowed).
    pub recommended: bool,
    /// Matching provisions, best first.
    pub matches: Vec<Match>,
    /// For a partial clause, what is missing.
    pub missing: Option<String>,
    /// Title of the clause.
    pub title: String,
    /// The clause's 例文.
    pub model_text: String,
    /// Numbers or periods stated by both texts that differ.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub differences: Vec<NumberDifference>,
}

/// A provision that matches a clause.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Match {
    /// The document's own number path.
    pub provision: String,
    /// 1-based line in the input.
    pub line: usize,
    /// 0.0–1.0.
    pub score: f64,
    /// The provision's text.
    pub text: String,
}

/// A number or period that differs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NumberDifference {
    /// The unit compared (日, か月, 年, 回, 文字 …).
    pub unit: String,
    /// As the guideline states it, e.g. 「90日」.
    pub guideline: String,
    /// As the document states it.
    pub document: String,
    /// Where the document states it.
    pub provision: String,
}

/// A local addition.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Addition {
    /// The document's own number path.
    pub provision: String,
    /// 1-based line.
    pub line: usize,
    /// Its text.
    pub text: String,
}

/// A revision point the document does not reflect.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnmetPoint {
    /// Revision set id, e.g. `2023-01`.
    pub revision: String,
    /// The first affected clause.
    pub clause: String,
    /// The point's title.
    pub point: String,
    /// The point's id, e.g. `2023-01-P3`.
    pub point_id: String,
    /// Every affected clause.
    pub clauses: Vec<String>,
    /// Why it counts as unmet.
    pub reason: String,
}

/// Counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Summary {
    /// Clauses covered.
    pub covered: usize,
    /// Clauses partial.
    pub partial: usize,
    /// Clauses omitted.
    pub omitted: usize,
    /// Of the omitted, 【推奨事項】 (allowed to be omitted).
    pub omitted_recommended: usize,
    /// Local additions.
    pub additions: usize,
}

/// A role of the guideline under another name in the document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoleName {
    /// The guideline's name.
    pub guideline: String,
    /// The document's name.
    pub document: String,
}

/// The classification scheme of the document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClassificationFound {
    /// `cia` (機密性・完全性・可用性), `single_axis` (重要性分類 and the like) or `none`.
    pub scheme: String,
    /// Japanese description.
    pub label: String,
}

impl Report {
    /// Plain-text rendering for the console.
    pub fn to_text(&self) -> String {
        let mut s = String::new();
        let _ = writeln!(
            s,
            "ギャップ分析: {}（条項 {} 件を読み取り、比較対象: ガイドライン {}）",
            self.document.title, self.document.provisions, self.baseline
        );
        let _ = writeln!(
            s,
            "規定あり {} / 一部不足 {} / 規定なし {}（うち推奨事項 {}） / 独自規定 {}",
            self.summary.covered,
            self.summary.partial,
            self.summary.omitted,
            self.summary.omitted_recommended,
            self.summary.additions
        );
        let _ = writeln!(s, "分類体系: {}", self.classification.label);
        for r in &self.roles {
            let _ = writeln!(s, "役職名: {} → {}", r.guideline, r.document);
        }
        let _ = writeln!(s);
        for c in &self.clauses {
            let rec = if c.recommended { "［推奨］" } else { "" };
            let at = c
                .matches
                .iter()
                .map(|m| format!("{}（{}行）", m.provision, m.line))
                .collect::<Vec<_>>()
                .join("、");
            let _ = writeln!(
                s,
                "{}\t{}{}\t{:.2}\t{}\t{}",
                c.id,
                c.status.label(),
                rec,
                c.score,
                c.title,
                at
            );
            if let Some(m) = &c.missing {
                let _ = writeln!(s, "\t不足: {m}");
            }
            for d in &c.differences {
                let _ = writeln!(
                    s,
                    "\t数値の相違: ガイドライン {} / 文書 {}（{}）",
                    d.guideline, d.document, d.provision
                );
            }
        }
        if !self.additions.is_empty() {
            let _ = writeln!(s, "\n独自規定（ガイドラインに対応のない条項）");
            for a in &self.additions {
                let _ = writeln!(
                    s,
                    "{}（{}行）\t{}",
                    a.provision,
                    a.line,
                    crate::text::shorten(&a.text, 60)
                );
            }
        }
        if !self.revision_points_unmet.is_empty() {
            let _ = writeln!(s, "\n未反映の改定事項");
            for u in &self.revision_points_unmet {
                let _ = writeln!(
                    s,
                    "{}\t{}\t{}\t{}",
                    u.point_id,
                    u.clauses.join("、"),
                    u.point,
                    u.reason
                );
            }
        }
        s
    }
}
