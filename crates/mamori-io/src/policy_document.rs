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
    /// 「施行中」, 「下書き」 …
    pub status: String,
    /// Not decided yet (下書き, 審議中): a writer prints 「（案）」.
    pub draft: bool,
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

    /// 「第2版」 or 「第3版（案）」 for an edition not decided yet.
    pub fn edition_caption(&self) -> String {
        if self.draft {
            format!("{}（案）", self.edition_label)
        } else {
            self.edition_label.clone()
        }
    }
}

/// A number and a title as printed, a full-width space between: 「第２章　組織体制」. Either may be
/// missing (a heading without a number, a local clause without a title).
pub fn numbered_title(number: Option<&str>, title: Option<&str>) -> String {
    [number, title]
        .into_iter()
        .flatten()
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join("　")
}

/// The marker at the start of a paragraph, with the space after it: 「②　」, 「（イ）　」, 「(3) 」.
/// The writers hang such a paragraph by the marker's width.
pub fn leading_marker(line: &str) -> Option<&str> {
    let first = line.chars().next()?;
    let end = if is_circled(first) {
        first.len_utf8()
    } else if first == '（' || first == '(' {
        let close = line
            .char_indices()
            .take(6)
            .find(|(_, c)| *c == '）' || *c == ')')?;
        close.0 + close.1.len_utf8()
    } else {
        return None;
    };
    let rest = &line[end..];
    let space = rest
        .chars()
        .next()
        .filter(|c| *c == '　' || *c == ' ')
        .map_or(0, char::len_utf8);
    line.get(..end + space)
}

fn is_circled(c: char) -> bool {
    matches!(c, '\u{2460}'..='\u{2473}' | '\u{3251}'..='\u{325F}' | '\u{32B1}'..='\u{32BF}')
}

/// The width of a number or marker plus the full-width space after it, in half characters:
/// full-width characters take one character, ASCII half of one.
pub fn marker_halves(marker: &str) -> i32 {
    let trimmed = marker.trim_end_matches([' ', '　']);
    let halves: i32 = trimmed
        .chars()
        .map(|c| if c.is_ascii() { 1 } else { 2 })
        .sum();
    // The separator a writer prints (or the text already has) is one full-width character.
    halves + 2
}

use std::collections::BTreeSet;

use mamori_catalog::{Catalog, Part, SectionLevel};
use mamori_domain::DomainError;
use mamori_domain::classification::ClassificationScheme;
use mamori_domain::policy::{Edition, EditionStatus, HistoryLine, LocalClause};
use mamori_domain::wareki::format_gregorian_as_wareki;

/// Builds the document of an edition: the guideline's headings and the clauses the edition
/// includes (amended where it amends them), its own clauses after the clause they follow, the
/// classification tables of its scheme where the guideline prints its tables, the 改定履歴.
/// Headings whose clauses are all excluded (deleted, or 推奨事項 not adopted) are left out;
/// the remaining numbers keep the guideline's, as a body's policy usually does.
pub fn build(
    edition: &Edition,
    history: &[HistoryLine],
    catalog: &Catalog,
) -> Result<PolicyDocument, DomainError> {
    let profile = &edition.profile;
    let scheme = ClassificationScheme::from_toml(&profile.classification_scheme)?;
    let table_captions: Vec<&str> = catalog
        .classification
        .axes
        .iter()
        .map(|a| a.caption.as_str())
        .collect();
    let mut parts: Vec<DocPart> = Vec::new();
    let mut emitted: BTreeSet<String> = BTreeSet::new();
    let mut placed_locals: BTreeSet<&str> = BTreeSet::new();
    for clause in &catalog.clauses {
        let part_title = match clause.part {
            Part::BasicPolicy => "情報セキュリティ基本方針",
            Part::Standards => "情報セキュリティ対策基準",
        };
        if parts.last().is_none_or(|p| p.title != part_title) {
            parts.push(DocPart {
                title: part_title.to_owned(),
                marking: match clause.part {
                    Part::BasicPolicy => Marking::Public,
                    Part::Standards => Marking::Internal,
                },
                blocks: Vec::new(),
            });
        }
        let id = clause.id.as_str();
        let included = profile.includes(id, clause.recommended);
        let Some(part) = parts.last_mut() else {
            continue;
        };
        if included {
            // Headings above the clause that are not out yet; the part node itself is the part.
            for (depth, node) in clause.path.iter().skip(1).enumerate() {
                if emitted.insert(node.id.clone()) {
                    let level = u8::try_from(depth + 1).unwrap_or(4).min(4);
                    part.blocks.push(DocBlock::Heading {
                        level,
                        number: heading_number(&node.id, catalog),
                        title: node.title.clone().unwrap_or_default(),
                        anchor: anchor(&node.id),
                    });
                    if let Some(lead) = &node.lead_in {
                        part.blocks.push(DocBlock::LeadIn { text: lead.clone() });
                    }
                }
            }
            let amendment = profile.amendments.get(id);
            let localized;
            let text = match amendment {
                Some(a) => a.text.as_str(),
                None => {
                    localized = profile.guideline_text(id, &clause.model_text);
                    localized.as_str()
                }
            };
            // The guideline prints the classification tables inside this clause; the extraction
            // left them as lines of text. Cut there and print the body's scheme as real tables.
            let cut = table_captions
                .iter()
                .filter_map(|c| text.find(c))
                .min()
                .filter(|_| amendment.is_none());
            let (text, tables) = match cut {
                Some(at) => (text[..at].trim_end(), true),
                None => (text, false),
            };
            // A clause that is itself a numbered heading (「目的」, 「(６) 情報システム担当者」,
            // 「②情報資産の分類の表示」) starts with its heading line: lift it into a heading so
            // the table of contents and the Word navigation pane list it.
            let number = heading_number(id, catalog);
            let text = match split_heading(text, &number, &clause.title) {
                Some((title, rest)) => {
                    let level = u8::try_from(clause.path.len()).unwrap_or(4).clamp(1, 4);
                    part.blocks.push(DocBlock::Heading {
                        level,
                        number,
                        title,
                        anchor: anchor(id),
                    });
                    rest
                }
                None => text,
            };
            part.blocks.push(DocBlock::Clause {
                text: text.to_owned(),
                amended: amendment.is_some(),
                recommended: clause.recommended,
                local: false,
                number: None,
                title: None,
            });
            if tables {
                part.blocks.extend(classification_tables(&scheme));
            }
        }
        for local in profile
            .local_clauses
            .iter()
            .filter(|c| c.after.as_deref() == Some(id))
        {
            placed_locals.insert(local.key.as_str());
            part.blocks.push(local_block(local));
        }
    }
    if let Some(part) = parts.iter_mut().find(|p| p.marking == Marking::Internal) {
        for local in profile
            .local_clauses
            .iter()
            .filter(|c| !placed_locals.contains(c.key.as_str()))
        {
            part.blocks.push(local_block(local));
        }
    }
    Ok(PolicyDocument {
        body_name: profile.body_name.clone(),
        title: edition.title.clone(),
        edition_label: edition.number.to_string(),
        revision_kind: edition.revision_kind.label().to_owned(),
        status: edition.status.label().to_owned(),
        draft: matches!(
            edition.status,
            EditionStatus::Draft | EditionStatus::UnderReview
        ),
        decided_on: edition
            .decision
            .as_ref()
            .map(|d| format_gregorian_as_wareki(d.on)),
        effective_from: edition.effective_from.map(format_gregorian_as_wareki),
        history: history
            .iter()
            .map(|h| HistoryRow {
                edition: h.number.to_string(),
                kind: h.kind.to_owned(),
                date: h.date_wareki.clone(),
            })
            .collect(),
        parts,
    })
}

fn local_block(c: &LocalClause) -> DocBlock {
    DocBlock::Clause {
        text: c.text.clone(),
        amended: false,
        recommended: false,
        local: true,
        number: Some(c.number.clone()),
        title: Some(c.title.clone()),
    }
}

/// One table per axis, highest level first, in the scheme's words.
fn classification_tables(scheme: &ClassificationScheme) -> Vec<DocBlock> {
    scheme
        .axes()
        .iter()
        .map(|axis| DocBlock::Table {
            caption: format!("{}による情報資産の分類", axis.name),
            header: vec![
                "分類".to_owned(),
                "分類基準".to_owned(),
                "取扱制限".to_owned(),
            ],
            rows: axis
                .levels
                .iter()
                .rev()
                .map(|l| {
                    vec![
                        l.name.clone(),
                        l.definition.clone(),
                        l.handling
                            .iter()
                            .map(|h| format!("・{h}"))
                            .collect::<Vec<_>>()
                            .join("\n"),
                    ]
                })
                .collect(),
        })
        .collect()
}

/// The heading line at the start of a clause's text, if it is one: it carries the clause's own
/// number (or is its title), is short, and is not a sentence. Returns the title and the rest.
fn split_heading<'t>(text: &'t str, number: &str, title: &str) -> Option<(String, &'t str)> {
    let (first, rest) = text.split_once('\n')?;
    let first = first.trim();
    let half = number.replace('（', "(").replace('）', ")");
    let stripped = first
        .strip_prefix(number)
        .or_else(|| first.strip_prefix(half.as_str()))
        .map(str::trim)
        .or_else(|| (first == title.trim()).then_some(first))?;
    let is_heading = !stripped.is_empty()
        && stripped.chars().count() <= 40
        && !stripped.ends_with('。')
        && !rest.trim().is_empty();
    is_heading.then(|| (stripped.to_owned(), rest))
}

fn anchor(id: &str) -> String {
    // Ids contain （, ①, ア …: keep ASCII letters and digits, hex-encode the rest, so the
    // anchor is valid in HTML and in Word bookmarks.
    let mut out = String::from("h-");
    for c in id.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else {
            out.push_str(&format!("{:x}", u32::from(c)));
        }
    }
    out
}

const FULL_WIDTH_DIGITS: [char; 10] = ['０', '１', '２', '３', '４', '５', '６', '７', '８', '９'];

fn full_width(s: &str) -> String {
    s.chars()
        .map(|c| c.to_digit(10).map_or(c, |d| FULL_WIDTH_DIGITS[d as usize]))
        .collect()
}

/// 例規-style number of a heading from its id: `S-2` → 第２章, `S-4.1` → １, `S-2.(2)` → （２）,
/// `S-2.(2)⑧` → ⑧, `B-6` → ６.
fn heading_number(id: &str, catalog: &Catalog) -> String {
    let level = catalog.section(id).map(|s| s.level);
    let body = id.split_once('-').map_or(id, |(_, rest)| rest);
    if let Some(stripped) = body.strip_suffix(')')
        && let Some(open) = stripped.rfind('(')
    {
        return format!("（{}）", full_width(&stripped[open + 1..]));
    }
    if let Some(last) = body.chars().last()
        && ('①'..='⑳').contains(&last)
    {
        return last.to_string();
    }
    let last_number = body
        .trim_end_matches('.')
        .rsplit('.')
        .next()
        .unwrap_or(body);
    match (level, id.starts_with("S-")) {
        (Some(SectionLevel::Chapter), true) => format!("第{}章", full_width(last_number)),
        _ => full_width(last_number),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn heading_numbers_follow_reiki_style() {
        let catalog = mamori_catalog::load_embedded().unwrap();
        assert_eq!(heading_number("S-2", &catalog), "第２章");
        assert_eq!(heading_number("S-4.1", &catalog), "１");
        assert_eq!(heading_number("S-2.(2)", &catalog), "（２）");
        assert_eq!(heading_number("S-2.(2)⑧", &catalog), "⑧");
        assert_eq!(heading_number("S-6.1.(11)", &catalog), "（１１）");
    }

    #[test]
    fn heading_lines_are_lifted_only_when_they_are_headings() {
        assert_eq!(
            split_heading(
                "(６) 情報システム担当者\n情報システム管理者の指示等に従い",
                "（６）",
                "x"
            ),
            Some((
                "情報システム担当者".to_owned(),
                "情報システム管理者の指示等に従い"
            ))
        );
        assert_eq!(
            split_heading("目的\n本基本方針は、", "１", "目的"),
            Some(("目的".to_owned(), "本基本方針は、"))
        );
        // A sentence that starts with its marker stays a clause.
        assert_eq!(
            split_heading(
                "（ア）車両等により運搬する者は、格納しなければならない。\n続き",
                "（ア）",
                "運搬"
            ),
            None
        );
        assert_eq!(split_heading("（イ）一行だけの条項。", "（イ）", "x"), None);
    }

    #[test]
    fn anchors_are_ascii_and_unique_per_id() {
        assert_ne!(anchor("S-2.(2)⑧"), anchor("S-2.(2)⑦"));
        assert!(anchor("S-2.(2)⑧").is_ascii());
    }
}
