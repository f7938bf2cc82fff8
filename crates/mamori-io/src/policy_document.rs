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
    /// The public parts only (the 基本方針), for the body's website; `None` when the document
    /// has none.
    pub fn public_only(&self) -> Option<Self> {
        let parts: Vec<DocPart> = self
            .parts
            .iter()
            .filter(|p| p.marking == Marking::Public)
            .cloned()
            .collect();
        (!parts.is_empty()).then(|| Self {
            // 「みほん市情報セキュリティ基本方針」, whatever number the part carries in the
            // document (「第1章 情報セキュリティ基本方針」).
            title: if parts.iter().any(|p| p.title.contains("基本方針")) {
                format!("{}情報セキュリティ基本方針", self.body_name)
            } else {
                self.title.clone()
            },
            parts,
            ..self.clone()
        })
    }

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

use std::collections::{BTreeSet, HashMap};

use mamori_catalog::{Catalog, Part, PathNode, SectionLevel};
use mamori_domain::DomainError;
use mamori_domain::classification::ClassificationScheme;
use mamori_domain::policy::document::OwnDocument;
use mamori_domain::policy::{
    DeletedNumbering, Edition, EditionStatus, HistoryLine, LocalClause, Profile,
};
use mamori_domain::wareki::format_gregorian_as_wareki;

/// The text of a deleted clause or heading that keeps its number.
pub const DELETED_TEXT: &str = "（削除）";

/// Builds the document of an edition: the guideline's headings and the clauses the edition
/// includes (amended where it amends them), its own clauses after the clause they follow, the
/// classification tables of its scheme where the guideline prints its tables, the 改定履歴.
/// Headings whose clauses are all excluded (deleted, or 推奨事項 not adopted) are left out.
/// Numbers follow the profile's [`DeletedNumbering`]: either the guideline's numbers stay and a
/// deleted clause (or a heading whose clauses are all deleted) keeps its number with
/// 「（削除）」 as its text, or the remaining clauses are renumbered without gaps.
pub fn build(
    edition: &Edition,
    history: &[HistoryLine],
    catalog: &Catalog,
) -> Result<PolicyDocument, DomainError> {
    let profile = &edition.profile;
    if let Some(own) = &profile.document {
        return Ok(build_own(edition, history, own));
    }
    let scheme = ClassificationScheme::from_toml(&profile.classification_scheme)?;
    let table_captions: Vec<&str> = catalog
        .classification
        .axes
        .iter()
        .map(|a| a.caption.as_str())
        .collect();
    let numbering = Numbering::new(profile, catalog);
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
            emit_headings(part, &clause.path, &mut emitted, &numbering, catalog);
            let amendment = profile.amendments.get(id);
            let number = numbering.number(id, catalog);
            let written = match amendment {
                Some(a) => a.text.clone(),
                None => profile.guideline_text(id, &clause.model_text),
            };
            // Renumbered, the clause's own marker (③, （ウ）, (４)) follows its new number.
            let renumbered = renumber_marker(&written, &heading_number(id, catalog), &number);
            let text = renumbered.as_deref().unwrap_or(&written);
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
        } else if let Some(root) = numbering.deleted_line(id) {
            // The 例規 habit: the deleted clause, or the highest heading whose clauses are all
            // deleted, keeps its number with 「（削除）」 as its text — once.
            if emitted.insert(root.to_owned()) {
                let at = clause.path.iter().position(|n| n.id == root);
                let above = &clause.path[..at.unwrap_or(clause.path.len())];
                emit_headings(part, above, &mut emitted, &numbering, catalog);
                let number = numbering.number(root, catalog);
                let is_item = at.is_none() && leading_marker(&format!("{number}　")).is_some();
                if is_item {
                    part.blocks.push(DocBlock::Clause {
                        text: format!("{number}　{DELETED_TEXT}"),
                        amended: false,
                        recommended: false,
                        local: false,
                        number: None,
                        title: None,
                    });
                } else {
                    part.blocks.push(DocBlock::Heading {
                        level: u8::try_from(above.len()).unwrap_or(4).clamp(1, 4),
                        number,
                        title: DELETED_TEXT.to_owned(),
                        anchor: anchor(root),
                    });
                }
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
    Ok(document_of(edition, history, parts))
}

fn document_of(edition: &Edition, history: &[HistoryLine], parts: Vec<DocPart>) -> PolicyDocument {
    let profile = &edition.profile;
    PolicyDocument {
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
    }
}

/// The document of an edition in the body's own structure: its provisions as written, in their
/// order. A 例規 article prints its caption 「（目的）」 above 「第1条　…」; a provision with a
/// heading or with provisions below it is a heading; an item carries its number in its text.
fn build_own(edition: &Edition, history: &[HistoryLine], own: &OwnDocument) -> PolicyDocument {
    let mut parts: Vec<DocPart> = Vec::new();
    let mut blocks = Vec::with_capacity(own.provisions.len());
    // The 前文 and what else stands before the first provision, but the title (on the title
    // page) and the 目次 (every writer makes its own).
    for line in own.front_matter.iter().map(|l| l.trim()) {
        let bare: String = line
            .chars()
            .filter(|c| !c.is_whitespace() && !"<>＜＞〈〉【】()（）".contains(*c))
            .collect();
        if line.is_empty() || line == edition.title.trim() || bare == "目次" {
            continue;
        }
        blocks.push(DocBlock::LeadIn {
            text: line.to_owned(),
        });
    }
    let mut part_title = edition.title.clone();
    let mut marking = Marking::Internal;
    for (i, p) in own.provisions.iter().enumerate() {
        // A top-level 「情報セキュリティ基本方針」 or 「…対策基準」 opens a part of its own: the
        // 基本方針 is public, the rest internal.
        let caption = p.caption();
        if p.depth == 0 && (caption.contains("基本方針") || caption.contains("対策基準")) {
            if !blocks.is_empty() {
                parts.push(DocPart {
                    title: part_title.clone(),
                    marking,
                    blocks: std::mem::take(&mut blocks),
                });
            }
            marking = if caption.contains("基本方針") {
                Marking::Public
            } else {
                Marking::Internal
            };
            part_title = caption;
            // The part's title prints the provision's heading.
            if !p.text.is_empty() {
                blocks.push(own_text(p.text.clone()));
            }
            continue;
        }
        let with_number = |text: &str| {
            if p.number.is_empty() {
                text.to_owned()
            } else if text.is_empty() {
                p.number.clone()
            } else {
                format!("{}　{text}", p.number)
            }
        };
        if p.is_article() {
            if !p.heading.is_empty() {
                blocks.push(DocBlock::LeadIn {
                    text: format!("（{}）", p.heading),
                });
            }
            blocks.push(own_text(with_number(&p.text)));
        } else if !p.heading.is_empty() || own.has_children(i) {
            blocks.push(DocBlock::Heading {
                level: (p.depth + 1).clamp(1, 4),
                number: p.number.clone(),
                title: p.heading.clone(),
                anchor: format!("own-{}", p.key),
            });
            if !p.text.is_empty() {
                blocks.push(own_text(p.text.clone()));
            }
        } else {
            blocks.push(own_text(with_number(&p.text)));
        }
    }
    parts.push(DocPart {
        title: part_title,
        marking,
        blocks,
    });
    let mut doc = document_of(edition, history, parts);
    // The document's own 改定履歴 before mamori's: the editions mamori has not had in force.
    let mut rows: Vec<HistoryRow> = own
        .history
        .iter()
        .filter(|h| {
            h.edition
                .is_none_or(|n| history.iter().all(|l| l.number.get() != n))
        })
        .map(|h| HistoryRow {
            edition: h.edition.map(|n| format!("第{n}版")).unwrap_or_default(),
            kind: h.kind.clone(),
            date: h.date.clone(),
        })
        .collect();
    rows.append(&mut doc.history);
    doc.history = rows;
    doc
}

/// A provision's text as the body wrote it.
fn own_text(text: String) -> DocBlock {
    DocBlock::Clause {
        text,
        amended: false,
        recommended: false,
        local: false,
        number: None,
        title: None,
    }
}

/// The headings of `path` (a clause's path, or the part of it above a node) that are not out
/// yet. The first node is the part itself, which the document prints as the part.
fn emit_headings(
    part: &mut DocPart,
    path: &[PathNode],
    emitted: &mut BTreeSet<String>,
    numbering: &Numbering<'_>,
    catalog: &Catalog,
) {
    for (depth, node) in path.iter().enumerate().skip(1) {
        if emitted.insert(node.id.clone()) {
            let number = numbering.number(&node.id, catalog);
            // A lead-in may open with the heading's own marker (「①職員等は、…」): it follows
            // the number when the number moves.
            let lead_in = node.lead_in.as_ref().map(|lead| {
                renumber_marker(lead, &heading_number(&node.id, catalog), &number)
                    .unwrap_or_else(|| lead.clone())
            });
            part.blocks.push(DocBlock::Heading {
                level: u8::try_from(depth).unwrap_or(4).min(4),
                number,
                title: node.title.clone().unwrap_or_default(),
                anchor: anchor(&node.id),
            });
            if let Some(text) = lead_in {
                part.blocks.push(DocBlock::LeadIn { text });
            }
        }
    }
}

/// Whether a guideline clause or heading is in the document, and if not, why.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Presence {
    /// A 推奨事項 not adopted: never part of the body's policy.
    Absent,
    /// Deleted by the body (a heading: nothing under it is in, and something under it was
    /// deleted).
    Deleted,
    /// In the document (a heading: something under it is).
    Present,
}

/// The numbers the document prints for the guideline's clauses and headings, by the profile's
/// choice for deleted clauses.
struct Numbering<'c> {
    presence: HashMap<&'c str, Presence>,
    parent: HashMap<&'c str, &'c str>,
    choice: DeletedNumbering,
    /// With renumbering, the new number of every node in the document.
    renumbered: HashMap<&'c str, String>,
}

impl<'c> Numbering<'c> {
    fn new(profile: &Profile, catalog: &'c Catalog) -> Self {
        let mut presence: HashMap<&'c str, Presence> = HashMap::new();
        let mut parent: HashMap<&'c str, &'c str> = HashMap::new();
        // Each node's children in document order.
        let mut children: HashMap<&'c str, Vec<&'c str>> = HashMap::new();
        let mut link = |child: &'c str, up: &'c str| {
            if !parent.contains_key(child) {
                parent.insert(child, up);
                children.entry(up).or_default().push(child);
            }
        };
        for clause in &catalog.clauses {
            let id = clause.id.as_str();
            let state = if profile.includes(id, clause.recommended) {
                Presence::Present
            } else if profile.deletions.contains_key(id) {
                Presence::Deleted
            } else {
                Presence::Absent
            };
            for pair in clause.path.windows(2) {
                link(pair[1].id.as_str(), pair[0].id.as_str());
            }
            if let Some(up) = clause.path.last() {
                link(id, up.id.as_str());
            }
            for node in clause.path.iter().map(|n| n.id.as_str()).chain([id]) {
                let p = presence.entry(node).or_insert(Presence::Absent);
                *p = (*p).max(state);
            }
        }
        let mut renumbered = HashMap::new();
        if profile.deleted_numbering == DeletedNumbering::Renumber {
            for siblings in children.values() {
                let mut counters: HashMap<NumberStyle, u32> = HashMap::new();
                for &child in siblings {
                    if presence.get(child) != Some(&Presence::Present) {
                        continue;
                    }
                    if let Some((style, _)) = number_of(child, catalog) {
                        let n = counters.entry(style).or_insert(0);
                        *n += 1;
                        renumbered.insert(child, style.print(*n));
                    }
                }
            }
        }
        Self {
            presence,
            parent,
            choice: profile.deleted_numbering,
            renumbered,
        }
    }

    /// The number of a clause or heading as printed.
    fn number(&self, id: &str, catalog: &Catalog) -> String {
        self.renumbered
            .get(id)
            .cloned()
            .unwrap_or_else(|| heading_number(id, catalog))
    }

    fn presence(&self, id: &str) -> Presence {
        self.presence.get(id).copied().unwrap_or(Presence::Absent)
    }

    /// For a deleted clause kept as a 「（削除）」 line: the node the line stands for — the
    /// clause, or the highest heading above it whose contents are all gone and something of it
    /// deleted (never the part itself). `None` when no line is printed.
    fn deleted_line<'a>(&'a self, clause_id: &'a str) -> Option<&'a str> {
        if self.choice != DeletedNumbering::KeepAsDeleted
            || self.presence(clause_id) != Presence::Deleted
        {
            return None;
        }
        let mut node = clause_id;
        while let Some(&up) = self.parent.get(node) {
            if self.presence(up) != Presence::Deleted || !self.parent.contains_key(up) {
                break;
            }
            node = up;
        }
        Some(node)
    }
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

/// The order of （ア）（イ）（ウ）… in 例規.
const IROHA: [char; 44] = [
    'ア', 'イ', 'ウ', 'エ', 'オ', 'カ', 'キ', 'ク', 'ケ', 'コ', 'サ', 'シ', 'ス', 'セ', 'ソ', 'タ',
    'チ', 'ツ', 'テ', 'ト', 'ナ', 'ニ', 'ヌ', 'ネ', 'ノ', 'ハ', 'ヒ', 'フ', 'ヘ', 'ホ', 'マ', 'ミ',
    'ム', 'メ', 'モ', 'ヤ', 'ユ', 'ヨ', 'ラ', 'リ', 'ル', 'レ', 'ロ', 'ワ',
];

/// The kinds of number in the guideline's hierarchy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum NumberStyle {
    /// 第２章: a chapter of the 対策基準.
    Chapter,
    /// ２: a section, or a chapter of the 基本方針.
    Plain,
    /// （２）
    ParenDigit,
    /// （イ）
    ParenKana,
    /// ②
    Circled,
}

impl NumberStyle {
    /// The `n`th number of this kind, from 1.
    fn print(self, n: u32) -> String {
        let digits = || full_width(&n.to_string());
        match self {
            Self::Chapter => format!("第{}章", digits()),
            Self::Plain => digits(),
            Self::ParenDigit => format!("（{}）", digits()),
            Self::ParenKana => {
                let kana = usize::try_from(n)
                    .ok()
                    .and_then(|n| n.checked_sub(1))
                    .and_then(|i| IROHA.get(i));
                match kana {
                    Some(k) => format!("（{k}）"),
                    None => format!("（{}）", digits()),
                }
            }
            Self::Circled => circled(n).map_or_else(|| format!("（{}）", digits()), String::from),
        }
    }
}

/// ① … ㊿.
fn circled(n: u32) -> Option<char> {
    let code = match n {
        1..=20 => 0x2460 + n - 1,
        21..=35 => 0x3251 + n - 21,
        36..=50 => 0x32B1 + n - 36,
        _ => return None,
    };
    char::from_u32(code)
}

fn circled_value(c: char) -> Option<u32> {
    let code = u32::from(c);
    match code {
        0x2460..=0x2473 => Some(code - 0x2460 + 1),
        0x3251..=0x325F => Some(code - 0x3251 + 21),
        0x32B1..=0x32BF => Some(code - 0x32B1 + 36),
        _ => None,
    }
}

/// The kind and value of a clause's or heading's own number, read from its id: `S-2` → (第N章,
/// 2), `S-2.(2)` → (（N）, 2), `S-2.(2)⑧(イ)` → (（ア）, 2), `S-2.(2)⑧` → (①, 8).
fn number_of(id: &str, catalog: &Catalog) -> Option<(NumberStyle, u32)> {
    let body = id.split_once('-').map_or(id, |(_, rest)| rest);
    if let Some(stripped) = body.strip_suffix(')') {
        let inner = &stripped[stripped.rfind('(')? + 1..];
        if let Ok(n) = inner.parse::<u32>() {
            return Some((NumberStyle::ParenDigit, n));
        }
        let mut chars = inner.chars();
        let (Some(kana), None) = (chars.next(), chars.next()) else {
            return None;
        };
        let at = IROHA.iter().position(|k| *k == kana)?;
        return Some((NumberStyle::ParenKana, u32::try_from(at + 1).ok()?));
    }
    if let Some(n) = body.chars().last().and_then(circled_value) {
        return Some((NumberStyle::Circled, n));
    }
    let n = body
        .trim_end_matches('.')
        .rsplit('.')
        .next()?
        .parse()
        .ok()?;
    let chapter = catalog.section(id).map(|s| s.level) == Some(SectionLevel::Chapter);
    if chapter && id.starts_with("S-") {
        Some((NumberStyle::Chapter, n))
    } else {
        Some((NumberStyle::Plain, n))
    }
}

/// 例規-style number of a heading from its id: `S-2` → 第２章, `S-4.1` → １, `S-2.(2)` → （２）,
/// `S-2.(2)⑧` → ⑧, `B-6` → ６.
fn heading_number(id: &str, catalog: &Catalog) -> String {
    if let Some((style, n)) = number_of(id, catalog) {
        return style.print(n);
    }
    // Not a number this module knows: print the id's last part as it is.
    let body = id.split_once('-').map_or(id, |(_, rest)| rest);
    if let Some(stripped) = body.strip_suffix(')')
        && let Some(open) = stripped.rfind('(')
    {
        return format!("（{}）", full_width(&stripped[open + 1..]));
    }
    full_width(
        body.trim_end_matches('.')
            .rsplit('.')
            .next()
            .unwrap_or(body),
    )
}

/// A number compared whatever its widths: 「(３)」, 「（3）」 and 「（３）」 are one number.
fn fold_number(s: &str) -> String {
    full_width(s).replace('(', "（").replace(')', "）")
}

/// The text with its opening marker changed from `old` to `new` (both as printed, 「③」,
/// 「（４）」), in the text's own widths: 「(４) 」 becomes 「(３) 」, 「（ウ）」 becomes 「（イ）」.
/// `None` when the number does not change or the text does not open with `old`.
fn renumber_marker(text: &str, old: &str, new: &str) -> Option<String> {
    if old == new {
        return None;
    }
    let marker = leading_marker(text)?.trim_end_matches([' ', '　']);
    if fold_number(marker) != fold_number(old) {
        return None;
    }
    let mut written = new.to_owned();
    if marker.starts_with('(') {
        written = written.replace('（', "(").replace('）', ")");
    }
    if marker.chars().any(|c| c.is_ascii_digit()) {
        written = written
            .chars()
            .map(|c| {
                FULL_WIDTH_DIGITS
                    .iter()
                    .position(|d| *d == c)
                    .and_then(|d| char::from_digit(u32::try_from(d).ok()?, 10))
                    .unwrap_or(c)
            })
            .collect();
    }
    Some(format!("{written}{}", &text[marker.len()..]))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::panic)]
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

    /// The guideline cut down to the clauses under `prefix`.
    fn catalog_of(prefix: &str) -> Catalog {
        let mut catalog = mamori_catalog::load_embedded().unwrap();
        catalog
            .clauses
            .retain(|c| c.id.as_str().starts_with(prefix));
        catalog
    }

    #[allow(clippy::disallowed_methods)] // any time will do for the document
    fn edition(deleted: &[&str], numbering: DeletedNumbering) -> Edition {
        let mut profile: Profile = serde_json::from_value(serde_json::json!({
            "guideline_edition": "2018-09",
            "body_name": "みほん市",
            "body_term": "本市",
            "adopted_recommended": [],
            "amendments": {},
            "deletions": {},
            "local_clauses": [],
            "roles": [{"key": "ciso", "name": "CISO"}],
            "deciding_role": "ciso",
            "parameters": [],
            "classification_scheme": ClassificationScheme::guideline().unwrap().to_toml().unwrap(),
        }))
        .unwrap();
        for id in deleted {
            profile
                .deletions
                .insert((*id).to_owned(), "該当する事務がないため".to_owned());
        }
        profile.deleted_numbering = numbering;
        Edition::first(
            mamori_domain::ids::BodyId::new(),
            "みほん市情報セキュリティポリシー".into(),
            profile,
            chrono::Utc::now(),
        )
    }

    /// Each block as one line: a heading's number and title, a clause's first paragraph.
    fn lines(edition: &Edition, catalog: &Catalog) -> Vec<String> {
        let doc = build(edition, &[], catalog).unwrap();
        doc.parts
            .iter()
            .flat_map(|p| &p.blocks)
            .filter_map(|b| match b {
                DocBlock::Heading { number, title, .. } => Some(format!("{number}|{title}")),
                DocBlock::Clause { text, .. } => text.lines().next().map(str::to_owned),
                _ => None,
            })
            .collect()
    }

    fn starts(lines: &[String], prefix: &str) -> usize {
        lines
            .iter()
            .position(|l| l.starts_with(prefix))
            .unwrap_or_else(|| panic!("no line starting {prefix} in {lines:#?}"))
    }

    #[test]
    fn a_deleted_clause_keeps_its_number_as_a_deleted_line_by_default() {
        let catalog = catalog_of("S-5.4.(3)");
        let all = lines(&edition(&[], DeletedNumbering::default()), &catalog);
        let kept = lines(
            &edition(&["S-5.4.(3)②"], DeletedNumbering::default()),
            &catalog,
        );
        assert_eq!(
            kept.len(),
            all.len(),
            "the deleted line stands in its place"
        );
        let deleted = starts(&kept, "②");
        assert_eq!(kept[deleted], "②　（削除）");
        assert!(kept[deleted - 1].starts_with("①パスワードは、他者に知られない"));
        assert!(kept[deleted + 1].starts_with("③パスワードは十分な長さ"));
        assert!(
            kept.iter().any(|l| l.starts_with("⑧職員等間で")),
            "later numbers stay"
        );
        assert!(!kept.iter().any(|l| l.contains("パスワードを秘密にし")));
    }

    #[test]
    fn renumbering_moves_the_later_siblings_up_in_their_own_style() {
        let catalog = catalog_of("S-5.4.(3)");
        let moved = lines(
            &edition(&["S-5.4.(3)②"], DeletedNumbering::Renumber),
            &catalog,
        );
        assert!(!moved.iter().any(|l| l.contains("（削除）")));
        assert!(moved[starts(&moved, "①")].starts_with("①パスワードは、他者に"));
        assert!(moved[starts(&moved, "②")].starts_with("②パスワードは十分な長さ"));
        assert!(moved[starts(&moved, "⑦")].starts_with("⑦職員等間で"));
        assert!(!moved.iter().any(|l| l.starts_with('⑧')));
    }

    #[test]
    fn a_heading_whose_clauses_are_all_deleted_is_one_deleted_line_or_closes_up() {
        let catalog = catalog_of("S-5.4.");
        let deleted = ["S-5.4.(2)①", "S-5.4.(2)②"];
        let kept = lines(
            &edition(&deleted, DeletedNumbering::KeepAsDeleted),
            &catalog,
        );
        assert!(kept.contains(&"（２）|（削除）".to_owned()), "{kept:#?}");
        assert!(kept.contains(&"（３）|パスワードの取扱い".to_owned()));
        assert_eq!(
            kept.iter().filter(|l| l.contains("（削除）")).count(),
            1,
            "one line for the whole heading, none for its clauses"
        );
        let moved = lines(&edition(&deleted, DeletedNumbering::Renumber), &catalog);
        assert!(
            moved.contains(&"（２）|パスワードの取扱い".to_owned()),
            "{moved:#?}"
        );
        assert!(
            !moved
                .iter()
                .any(|l| l.contains("ID の取扱い") || l.contains("（削除）"))
        );
        // The clauses below keep their own numbers: only siblings move.
        assert!(moved.iter().any(|l| l.starts_with("①パスワードは、他者に")));
    }

    #[test]
    fn katakana_items_and_items_written_with_half_width_parentheses_are_renumbered() {
        let catalog = catalog_of("S-5.4.(1)");
        let kept = lines(
            &edition(&["S-5.4.(1)①(イ)"], DeletedNumbering::KeepAsDeleted),
            &catalog,
        );
        assert!(kept.contains(&"（イ）　（削除）".to_owned()), "{kept:#?}");
        assert!(
            kept.iter()
                .any(|l| l.starts_with("（ウ）IC カード等を紛失"))
        );
        let moved = lines(
            &edition(&["S-5.4.(1)①(イ)"], DeletedNumbering::Renumber),
            &catalog,
        );
        assert!(
            moved
                .iter()
                .any(|l| l.starts_with("（イ）IC カード等を紛失")),
            "{moved:#?}"
        );

        // A heading's lead-in that opens with its marker follows the heading's new number.
        let catalog = catalog_of("S-6.4.(3)");
        let doc = build(
            &edition(&["S-6.4.(3)③"], DeletedNumbering::Renumber),
            &[],
            &catalog,
        )
        .unwrap();
        let blocks = &doc.parts[0].blocks;
        let at = blocks
            .iter()
            .position(|b| matches!(b, DocBlock::Heading { number, .. } if number == "⑥"))
            .unwrap();
        assert!(
            matches!(&blocks[at + 1], DocBlock::LeadIn { text } if text.starts_with("⑥コンピュータウイルス")),
            "{:?}",
            &blocks[at + 1]
        );

        // 「(３) 情報セキュリティポリシー等の掲示」 is a heading line inside the clause text.
        let catalog = catalog_of("S-5.1.");
        let moved = lines(
            &edition(
                &["S-5.1.(2)①", "S-5.1.(2)②", "S-5.1.(2)③"],
                DeletedNumbering::Renumber,
            ),
            &catalog,
        );
        assert!(
            moved.contains(&"（２）|情報セキュリティポリシー等の掲示".to_owned()),
            "{moved:#?}"
        );
        assert!(moved.contains(&"（３）|外部委託事業者に対する説明".to_owned()));
    }

    #[test]
    fn a_recommendation_not_adopted_leaves_its_gap_unless_the_body_renumbers() {
        // S-5.2.(2)② is a 推奨事項: not adopted, it is not part of the policy at all.
        let catalog = catalog_of("S-5.2.(2)");
        let kept = lines(&edition(&[], DeletedNumbering::KeepAsDeleted), &catalog);
        assert!(
            !kept
                .iter()
                .any(|l| l.starts_with('②') || l.contains("（削除）"))
        );
        assert!(kept.iter().any(|l| l.starts_with("③新規採用")));
        let moved = lines(&edition(&[], DeletedNumbering::Renumber), &catalog);
        assert!(
            moved.iter().any(|l| l.starts_with("②新規採用")),
            "{moved:#?}"
        );
    }

    #[test]
    fn markers_are_rewritten_in_the_texts_own_widths() {
        assert_eq!(
            renumber_marker("(４) 見出し\n本文", "（４）", "（３）").as_deref(),
            Some("(３) 見出し\n本文")
        );
        assert_eq!(
            renumber_marker("(4) 見出し", "（４）", "（３）").as_deref(),
            Some("(3) 見出し")
        );
        assert_eq!(renumber_marker("③本文", "③", "②").as_deref(), Some("②本文"));
        assert_eq!(renumber_marker("③本文", "③", "③"), None, "unchanged");
        assert_eq!(renumber_marker("本文だけ", "③", "②"), None, "no marker");
        assert_eq!(renumber_marker("④本文", "③", "②"), None, "another number");
        for n in [1, 20, 21, 35, 36, 50] {
            assert_eq!(circled(n).and_then(circled_value), Some(n));
        }
        assert_eq!(NumberStyle::ParenKana.print(3), "（ウ）");
        assert_eq!(NumberStyle::Chapter.print(12), "第１２章");
    }

    #[test]
    fn anchors_are_ascii_and_unique_per_id() {
        assert_ne!(anchor("S-2.(2)⑧"), anchor("S-2.(2)⑦"));
        assert!(anchor("S-2.(2)⑧").is_ascii());
    }
}
