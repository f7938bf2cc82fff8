//! A body's policy as a document: the model every publication format (HTML, Word, PDF) renders.
//!
//! The application builds it from an edition (its resolved clauses, the guideline's headings, the
//! 改定履歴 and the classification scheme); the writers only lay it out. Numbers are already in
//! 例規 style here — 第1章 / 1 / （1） / ① — and clause texts carry their own sub-markers
//! (②, （イ）) as the guideline prints them, so a writer never numbers anything itself.

use serde::Serialize;

/// Who may read a part: the 基本方針 is public, the 対策基準 is internal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Marking {
    /// 公開
    Public,
    /// 庁内限り
    Internal,
    /// 非公開 (実施手順)
    Confidential,
}

impl Marking {
    pub fn label(self) -> &'static str {
        match self {
            Self::Public => "公開",
            Self::Internal => "庁内限り",
            Self::Confidential => "非公開",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PolicyDocument {
    /// 「みほん市」
    pub body_name: String,
    /// 「みほん市情報セキュリティポリシー」
    pub title: String,
    /// 「第2版」
    pub edition_label: String,
    /// 「一部改正」
    pub revision_kind: String,
    /// 「施行中」, 「下書き」 … — a writer prints 「（案）」 for anything not yet in force.
    pub status: String,
    pub in_force: bool,
    /// 和暦: 「令和5年3月20日」
    pub decided_on: Option<String>,
    /// 和暦: 「令和5年4月1日」
    pub effective_from: Option<String>,
    /// The 改定履歴, oldest first.
    pub history: Vec<HistoryRow>,
    pub parts: Vec<DocPart>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HistoryRow {
    /// 「第1版」
    pub edition: String,
    /// 「制定」
    pub kind: String,
    /// 和暦
    pub date: String,
}

/// 基本方針 or 対策基準.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DocPart {
    /// 「情報セキュリティ基本方針」
    pub title: String,
    pub marking: Marking,
    pub blocks: Vec<DocBlock>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum DocBlock {
    /// A chapter (level 1), section (2), item (3) or sub-item (4) heading.
    Heading {
        level: u8,
        /// 「第2章」, 「1」, 「（2）」, 「⑧」
        number: String,
        title: String,
        /// Anchor for the table of contents: unique in the document.
        anchor: String,
    },
    /// A lead-in sentence (柱書) governing the items below it.
    LeadIn { text: String },
    /// One clause: paragraphs separated by `\n`, its own markers included.
    Clause {
        text: String,
        /// Changed from the guideline's 例文 by the body.
        amended: bool,
        /// A 推奨事項 the body adopted.
        recommended: bool,
        /// The body's own clause, with its own number in `number`.
        local: bool,
        number: Option<String>,
        title: Option<String>,
    },
    /// A real table (the classification tables).
    Table {
        caption: String,
        header: Vec<String>,
        rows: Vec<Vec<String>>,
    },
}

/// An entry of the table of contents.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TocEntry {
    pub level: u8,
    pub number: String,
    pub title: String,
    pub anchor: String,
}

impl PolicyDocument {
    /// Headings down to `max_level`, in document order, for the table of contents.
    pub fn toc(&self, max_level: u8) -> Vec<(String, Vec<TocEntry>)> {
        self.parts
            .iter()
            .map(|p| {
                let entries = p
                    .blocks
                    .iter()
                    .filter_map(|b| match b {
                        DocBlock::Heading {
                            level,
                            number,
                            title,
                            anchor,
                        } if *level <= max_level => Some(TocEntry {
                            level: *level,
                            number: number.clone(),
                            title: title.clone(),
                            anchor: anchor.clone(),
                        }),
                        _ => None,
                    })
                    .collect();
                (p.title.clone(), entries)
            })
            .collect()
    }

    /// 「第2版」 or 「第3版（案）」 for an edition not yet in force.
    pub fn edition_caption(&self) -> String {
        if self.in_force {
            self.edition_label.clone()
        } else {
            format!("{}（案）", self.edition_label)
        }
    }
}
