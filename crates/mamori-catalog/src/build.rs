//! Building the catalog from the sources: seed 000 (the guideline as PDF-extracted text), seed 004
//! (the 2023 revision slides) and the two clause indexes.
//!
//! The indexes give every leaf clause its id, title, flags, roles and seed line range; the builder
//! cuts and cleans the 例文 of each range, rebuilds the headings and lead-ins (柱書) above the
//! leaves from the lines that lie between ranges, and attaches the 第3編 解説 (see
//! [`crate::commentary`]). The only structure written into the code is the line of each chapter and
//! section title of the 例文 (the extraction dropped their numbers); the builder checks each against
//! the seed.

use crate::commentary;
use crate::id::{ClauseId, Marker, Part};
use crate::index::{IndexRow, parse_index};
use crate::model::{Catalog, Clause, Edition, PathNode, RoleInfo, RoleKey, Section, SectionLevel};
use crate::revisions;
use crate::tables;
use crate::text::{self, LineMarker};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// Why the catalog could not be built. Messages name the file, line or clause id.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    /// A clause index row is malformed.
    #[error("{file}:{line}: {reason}")]
    Index {
        /// Index file name.
        file: String,
        /// 1-based line in the index file.
        line: usize,
        /// What is wrong.
        reason: String,
    },
    /// Seed 000 does not look as expected at a line.
    #[error("seed 000 line {line}: {reason}")]
    Seed {
        /// 1-based raw line number.
        line: u32,
        /// What is wrong.
        reason: String,
    },
    /// A clause cannot be built.
    #[error("clause {id}: {reason}")]
    Clause {
        /// Clause id.
        id: String,
        /// What is wrong.
        reason: String,
    },
    /// Seed 004 (revision slides) does not look as expected.
    #[error("seed 004: {0}")]
    Revision(String),
    /// A source file cannot be read.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
}

/// Seed file names inside `seeds/`.
pub const SEED_000: &str = "000_832736aab405b508.txt";
/// The 2023 revision slides.
pub const SEED_004: &str = "004_9cd970480ec3aea5.txt";

/// First line of 第2編 (the 例文) in seed 000.
const EXAMPLE_FIRST_LINE: u32 = 1014;

/// Title lines of the parts, chapters and sections of the 例文 whose headings lie outside every
/// leaf range (the extraction dropped their numbers, so the position is the key). Chapters and
/// sections that are leaves themselves (B-1, B-5, B-7–B-10, S-7.5, S-9.3) are not listed: their
/// title is the first line of their own range.
const HEADINGS: &[(&str, u32)] = &[
    ("B", 1014),
    ("B-2", 1026),
    ("B-3", 1095),
    ("B-4", 1121),
    ("B-6", 1151),
    ("S", 1295),
    ("S-1", 1305),
    ("S-2", 1504),
    ("S-3", 1799),
    ("S-4", 1872),
    ("S-4.1", 1874),
    ("S-4.2", 1980),
    ("S-4.3", 2059),
    ("S-4.4", 2096),
    ("S-5", 2140),
    ("S-5.1", 2142),
    ("S-5.2", 2266),
    ("S-5.3", 2319),
    ("S-5.4", 2390),
    ("S-6", 2461),
    ("S-6.1", 2463),
    ("S-6.2", 2783),
    ("S-6.3", 2940),
    ("S-6.4", 3088),
    ("S-6.5", 3210),
    ("S-6.6", 3303),
    ("S-7", 3337),
    ("S-7.1", 3339),
    ("S-7.2", 3356),
    ("S-7.3", 3404),
    ("S-7.4", 3453),
    ("S-7.6", 3508),
    ("S-8", 3550),
    ("S-8.1", 3552),
    ("S-8.2", 3617),
    ("S-8.3", 3644),
    ("S-9", 3672),
    ("S-9.1", 3674),
    ("S-9.2", 3753),
];

/// The roles of the guideline: key, name, index abbreviations, matrix column (order inferred by
/// the index: 委員会 | CISO | 統括 | 責任者 | 管理者 | システム管理者 | 担当者 | 監査統括責任者 |
/// 職員等 | 窓口/CSIRT | 外部委託).
const ROLES: &[(RoleKey, &str, &[&str], Option<u8>)] = &[
    (
        RoleKey::Committee,
        "情報セキュリティ委員会",
        &["委員会"],
        Some(1),
    ),
    (
        RoleKey::Ciso,
        "最高情報セキュリティ責任者",
        &["CISO"],
        Some(2),
    ),
    (
        RoleKey::CisoAdvisor,
        "最高情報セキュリティアドバイザー",
        &[],
        None,
    ),
    (
        RoleKey::ChiefSecurityOfficer,
        "統括情報セキュリティ責任者",
        &["統括"],
        Some(3),
    ),
    (
        RoleKey::SecurityOfficer,
        "情報セキュリティ責任者",
        &["責任者"],
        Some(4),
    ),
    (
        RoleKey::SecurityManager,
        "情報セキュリティ管理者",
        &["管理者"],
        Some(5),
    ),
    (
        RoleKey::SystemManager,
        "情報システム管理者",
        &["システム管理者"],
        Some(6),
    ),
    (
        RoleKey::SystemOperator,
        "情報システム担当者",
        &["担当者", "システム担当者"],
        Some(7),
    ),
    (
        RoleKey::AuditChief,
        "情報セキュリティ監査統括責任者",
        &["監査統括"],
        Some(8),
    ),
    (RoleKey::Staff, "職員等", &["職員等"], Some(9)),
    (
        RoleKey::ContactPoint,
        "情報セキュリティに関する統一的な窓口",
        &["窓口"],
        Some(10),
    ),
    (RoleKey::Csirt, "CSIRT", &["CSIRT"], Some(10)),
    (
        RoleKey::Vendor,
        "外部委託事業者",
        &["委託", "外部委託"],
        Some(11),
    ),
];

/// Reads the sources from a directory laid out like `shared/` (`seeds/` and `docs/`), or from
/// separate seed and index directories, and builds the catalog.
pub fn build_from_paths(seed_dir: &Path, docs_dir: &Path) -> Result<Catalog, BuildError> {
    let read = |p: PathBuf| {
        std::fs::read_to_string(&p).map_err(|source| BuildError::Io { path: p, source })
    };
    build(
        &read(seed_dir.join(SEED_000))?,
        &read(seed_dir.join(SEED_004))?,
        &read(docs_dir.join("clause-index-a.md"))?,
        &read(docs_dir.join("clause-index-b.md"))?,
    )
}

/// Builds the catalog from the texts of seed 000, seed 004 and the two clause indexes.
pub fn build(
    seed_000: &str,
    seed_004: &str,
    index_a: &str,
    index_b: &str,
) -> Result<Catalog, BuildError> {
    let lines: Vec<&str> = seed_000.lines().collect();
    let mut rows = parse_index(index_a, "clause-index-a.md")?;
    rows.extend(parse_index(index_b, "clause-index-b.md")?);
    check_rows(&rows, &lines)?;

    let mut structure = Structure::new(&lines)?;
    let mut prev: Option<&IndexRow> = None;
    for row in &rows {
        structure.add_leaf(row, prev)?;
        prev = Some(row);
    }
    let mut sections = structure.finish(&rows)?;

    let mut clauses = Vec::with_capacity(rows.len());
    for (order, row) in rows.iter().enumerate() {
        let model_text = text::clean_range(&lines, row.lines.0, row.lines.1);
        if row.recommended != model_text.contains("【推奨事項】") {
            return Err(BuildError::Clause {
                id: row.id.to_string(),
                reason: format!(
                    "index says recommended={} but the 例文 {} 【推奨事項】",
                    row.recommended,
                    if row.recommended { "lacks" } else { "contains" }
                ),
            });
        }
        let is_lead_in_row = row.id.markers().last() == Some(&Marker::LeadIn);
        let ancestors = row.id.ancestors();
        let last = ancestors.len().saturating_sub(1);
        let path = ancestors
            .into_iter()
            .enumerate()
            .map(|(i, a)| {
                let s = sections.iter().find(|s| s.id == a);
                // The part preamble is not a lead-in of the clause, and a 柱書 row *is* the
                // lead-in of its parent item: neither is repeated in the path.
                let skip = s.is_some_and(|s| s.level == SectionLevel::Part)
                    || (is_lead_in_row && i == last);
                PathNode {
                    id: a,
                    title: s.and_then(|s| s.title.clone()),
                    lead_in: if skip {
                        None
                    } else {
                        s.and_then(|s| s.lead_in.clone())
                    },
                }
            })
            .collect();
        clauses.push(Clause {
            id: row.id.clone(),
            order: u32::try_from(order).unwrap_or(u32::MAX),
            part: row.id.part(),
            path,
            title: row.title.clone(),
            summary_en: row.summary_en.clone(),
            model_text,
            recommended: row.recommended,
            roles: row.roles.clone(),
            roles_source: row.roles_source.clone(),
            matrix_reconstructed: row.reconstructed,
            artifacts: row.artifacts.clone(),
            seed_lines: row.lines,
            commentary: None,
        });
    }

    commentary::attach(&lines, &mut sections, &mut clauses)?;
    let glossary = tables::glossary(&lines)?;
    let classification = tables::classification(&lines, &clauses)?;
    let revisions = vec![revisions::revision_2023(seed_004, &clauses)?];
    let roles = roles(seed_000)?;

    Ok(Catalog {
        edition: edition(&lines)?,
        roles,
        sections,
        clauses,
        glossary,
        classification,
        revisions,
    })
}

fn edition(lines: &[&str]) -> Result<Edition, BuildError> {
    // The chronology figure of 第1編 ends with "H30.9 一部改定"; check it is there.
    if !lines.iter().take(1013).any(|l| l.contains("H30.9")) {
        return Err(BuildError::Seed {
            line: 1,
            reason: "edition marker H30.9 not found in 第1編".to_owned(),
        });
    }
    Ok(Edition {
        id: "2018-09".to_owned(),
        title: "地方公共団体における情報セキュリティポリシーに関するガイドライン".to_owned(),
        issuer: "総務省".to_owned(),
        published: "平成30年9月".to_owned(),
        published_iso: "2018-09".to_owned(),
    })
}

fn roles(seed: &str) -> Result<Vec<RoleInfo>, BuildError> {
    ROLES
        .iter()
        .map(|(key, name, abbr, col)| {
            if !seed.contains(name) {
                return Err(BuildError::Seed {
                    line: 0,
                    reason: format!("role name {name} does not occur in the seed"),
                });
            }
            Ok(RoleInfo {
                key: *key,
                name: (*name).to_owned(),
                abbreviations: abbr.iter().map(|a| (*a).to_owned()).collect(),
                matrix_column: *col,
            })
        })
        .collect()
}

/// Ids unique; ranges in document order, not overlapping, inside the 例文, starting and ending
/// on non-blank lines.
fn check_rows(rows: &[IndexRow], lines: &[&str]) -> Result<(), BuildError> {
    let mut seen: HashMap<&str, ()> = HashMap::new();
    let mut last_end = 0;
    for row in rows {
        let err = |reason: String| BuildError::Clause {
            id: row.id.to_string(),
            reason,
        };
        if seen.insert(row.id.as_str(), ()).is_some() {
            return Err(err("duplicate id".to_owned()));
        }
        let (a, b) = row.lines;
        if a <= last_end {
            return Err(err(format!(
                "seed lines {a}-{b} overlap or precede the previous range (ends {last_end})"
            )));
        }
        if a < EXAMPLE_FIRST_LINE || b as usize > lines.len() {
            return Err(err(format!("seed lines {a}-{b} outside the 例文")));
        }
        for n in [a, b] {
            if lines[n as usize - 1].trim().is_empty() {
                return Err(err(format!("range boundary line {n} is blank")));
            }
        }
        last_end = b;
    }
    Ok(())
}

/// Draft of a heading while the leaves are walked.
struct Draft {
    id: String,
    part: Part,
    /// Title line for headings listed in [`HEADINGS`].
    table_title: Option<(u32, String)>,
    /// Marker line and continuation / lead-in lines.
    group: Vec<(u32, String)>,
    note: Vec<(u32, String)>,
}

struct Structure<'a> {
    lines: &'a [&'a str],
    headings: HashMap<u32, &'static str>,
    drafts: Vec<Draft>,
    index: HashMap<String, usize>,
}

impl<'a> Structure<'a> {
    fn new(lines: &'a [&'a str]) -> Result<Self, BuildError> {
        let mut headings = HashMap::new();
        for (id, line) in HEADINGS {
            let ok = lines
                .get(*line as usize - 1)
                .is_some_and(|l| !l.trim().is_empty() && text::split_marker(l.trim()).is_none());
            if !ok {
                return Err(BuildError::Seed {
                    line: *line,
                    reason: format!("expected the unnumbered title of {id}"),
                });
            }
            headings.insert(*line, *id);
        }
        Ok(Structure {
            lines,
            headings,
            drafts: Vec::new(),
            index: HashMap::new(),
        })
    }

    fn add_leaf(&mut self, row: &IndexRow, prev: Option<&IndexRow>) -> Result<(), BuildError> {
        let mut new: Vec<String> = Vec::new();
        for a in row.id.ancestors() {
            if !self.index.contains_key(&a) {
                self.index.insert(a.clone(), self.drafts.len());
                self.drafts.push(Draft {
                    id: a.clone(),
                    part: row.id.part(),
                    table_title: None,
                    group: Vec::new(),
                    note: Vec::new(),
                });
                new.push(a);
            }
        }
        let gap_start = prev.map_or(EXAMPLE_FIRST_LINE, |p| p.lines.1 + 1);
        let gap_end = row.lines.0 - 1;
        if gap_end < gap_start {
            return Ok(());
        }
        let mut current: Option<usize> = None;
        for (no, line) in text::significant(self.lines, gap_start, gap_end) {
            let seed_err = |reason: String| BuildError::Seed { line: no, reason };
            if let Some(h) = self.headings.get(&no) {
                if !new.iter().any(|n| n == h) {
                    return Err(seed_err(format!(
                        "title of {h} lies before {} but {h} is not one of its new headings {new:?}",
                        row.id
                    )));
                }
                let i = self.index[*h];
                self.drafts[i].table_title = Some((no, line));
                current = Some(i);
                continue;
            }
            let marker = match text::split_marker(&line) {
                Some((LineMarker::Paren(n), _)) => Some(Marker::Paren(n)),
                Some((LineMarker::Circled(n), _)) => Some(Marker::Circled(n)),
                Some((LineMarker::Kana(k), _)) => Some(Marker::Kana(k)),
                _ => None,
            };
            if let Some(m) = marker {
                let target = new
                    .iter()
                    .find(|n| ClauseId::parse(n).is_ok_and(|id| id.markers().last() == Some(&m)));
                let Some(target) = target else {
                    return Err(seed_err(format!(
                        "numbered heading {line:?} before {} matches none of its new headings {new:?}",
                        row.id
                    )));
                };
                let i = self.index[target];
                self.drafts[i].group.push((no, line));
                current = Some(i);
                continue;
            }
            match current {
                Some(i) => self.drafts[i].group.push((no, line)),
                None => {
                    // Text between the last clause of a part and the next part's title belongs to
                    // the part it follows (the editorial （注） after the 基本方針).
                    let Some(p) = prev.filter(|p| p.id.part() != row.id.part()) else {
                        return Err(seed_err(format!(
                            "line before {} belongs to no heading: {line:?}",
                            row.id
                        )));
                    };
                    let part_id = p.id.part().letter().to_string();
                    let Some(&i) = self.index.get(&part_id) else {
                        return Err(seed_err(format!("no part heading {part_id}")));
                    };
                    self.drafts[i].note.push((no, line));
                }
            }
        }
        Ok(())
    }

    fn finish(self, rows: &[IndexRow]) -> Result<Vec<Section>, BuildError> {
        let mut out = Vec::with_capacity(self.drafts.len());
        for d in self.drafts {
            let level = if d.id.len() == 1 {
                SectionLevel::Part
            } else {
                let id = ClauseId::parse(&d.id).map_err(|e| BuildError::Clause {
                    id: d.id.clone(),
                    reason: e.to_string(),
                })?;
                match (id.section(), id.markers().is_empty()) {
                    (None, true) => SectionLevel::Chapter,
                    (Some(_), true) => SectionLevel::Section,
                    _ => SectionLevel::Item,
                }
            };
            let mut all_lines: Vec<u32> = d.group.iter().map(|(n, _)| *n).collect();
            let (title, lead_in) = match &d.table_title {
                Some((n, t)) => {
                    all_lines.push(*n);
                    let lead: Vec<String> = d.group.iter().map(|(_, l)| l.clone()).collect();
                    (Some(t.clone()), non_empty(text::join(&lead)))
                }
                None if !d.group.is_empty() => {
                    let lead: Vec<String> = d.group.iter().map(|(_, l)| l.clone()).collect();
                    split_heading(&text::join(&lead))
                }
                None => {
                    // The heading is printed inside a leaf: the 柱書 row of S-8.2.(1).
                    let lead_row = rows
                        .iter()
                        .find(|r| r.id.as_str() == format!("{}柱書", d.id));
                    match lead_row {
                        Some(r) => {
                            split_heading(&text::clean_range(self.lines, r.lines.0, r.lines.1))
                        }
                        None if level == SectionLevel::Item => {
                            return Err(BuildError::Clause {
                                id: d.id.clone(),
                                reason: "no heading line found for this item".to_owned(),
                            });
                        }
                        None => (None, None),
                    }
                }
            };
            all_lines.extend(d.note.iter().map(|(n, _)| *n));
            let seed_lines = match (all_lines.iter().min(), all_lines.iter().max()) {
                (Some(a), Some(b)) => Some((*a, *b)),
                _ => None,
            };
            let note: Vec<String> = d.note.iter().map(|(_, l)| l.clone()).collect();
            out.push(Section {
                id: d.id,
                part: d.part,
                level,
                title,
                lead_in,
                note: non_empty(text::join(&note)),
                seed_lines,
                commentary: None,
            });
        }
        Ok(out)
    }
}

fn non_empty(s: String) -> Option<String> {
    (!s.is_empty()).then_some(s)
}

/// Splits a marked heading group into title and lead-in: the first paragraph is the title unless
/// it is a sentence (ends with 。), in which case the whole group is lead-in, marker included.
fn split_heading(joined: &str) -> (Option<String>, Option<String>) {
    let mut paras = joined.split('\n');
    let first = paras.next().unwrap_or("");
    if first.ends_with('。') {
        return (None, non_empty(joined.to_owned()));
    }
    let title = text::split_marker(first)
        .map_or(first, |(_, rest)| rest)
        .trim()
        .to_owned();
    let rest: Vec<&str> = paras.collect();
    (non_empty(title), non_empty(rest.join("\n")))
}
