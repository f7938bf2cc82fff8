//! What changed between two texts of the policy: between two editions of a body's policy, or
//! between an edition and the guideline.
//!
//! Two levels, as a 文書法制 officer reads a 新旧対照表:
//! - **characters** inside one clause ([`text_diff`]): Japanese has no spaces between words, so a
//!   word diff would see a whole sentence as one word; characters are the unit. No NFKC folding
//!   is applied: 「２」 → 「2」 is a change of wording the officer wants to see.
//! - **clauses** of a document ([`clause_diff`]): matched by their stable key, reported as
//!   unchanged, added, removed or changed, with flags for a clause that moved or was retitled.
//!
//! Everything here serializes (kinds as snake_case strings) so that the CLI can print JSON and
//! the screens can render the same value.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use similar::{Algorithm, ChangeTag, TextDiffConfig};

use crate::DomainError;

// ---------------------------------------------------------------------------------------------
// Character level

/// What a piece of text is in a diff.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SegmentKind {
    /// In both texts.
    Equal,
    /// Only in the new text.
    Inserted,
    /// Only in the old text.
    Deleted,
}

/// A run of text of one kind. A diff never holds two adjacent segments of the same kind, nor an
/// empty one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Segment {
    pub kind: SegmentKind,
    pub text: String,
}

impl Segment {
    fn new(kind: SegmentKind, text: impl Into<String>) -> Self {
        Self {
            kind,
            text: text.into(),
        }
    }
}

/// An equal run of at most this many characters between two edits is folded into them.
///
/// Two characters is the size of the commonest Japanese word piece (「者の」, 「及び」); an
/// island that small between two edits is coincidence (both wordings happen to share 「の」),
/// and showing it splits one rewording into confetti that is hard to read.
const TINY_EQUAL_CHARS: usize = 2;

/// The character diff of two texts, cleaned up to read naturally.
///
/// The segments alternate between equal text and edits; within an edit the deleted text comes
/// before the inserted text. Concatenating the [`SegmentKind::Equal`] and
/// [`SegmentKind::Deleted`] segments gives `old`; the equal and inserted ones give `new`.
///
/// Cleanup rule (after diff-match-patch's semantic cleanup): an equal run that sits between two
/// edits is folded into them — deleted and inserted alike, so both texts still rebuild — when
/// it is at most `TINY_EQUAL_CHARS` characters long, or when it is no longer than the larger
/// side (deleted or inserted) of the edit before it and of the edit after it. Folding repeats
/// while it applies, since a merged edit is larger and may swallow the next island. Equal text
/// at the very start or end is never folded: it anchors the reader.
pub fn text_diff(old: &str, new: &str) -> Vec<Segment> {
    let chunks = cleanup(raw_chunks(old, new));
    let mut out = Vec::with_capacity(chunks.len() * 2);
    for chunk in chunks {
        match chunk {
            Chunk::Equal(text) => push(&mut out, SegmentKind::Equal, &text),
            Chunk::Edit(edit) => {
                push(&mut out, SegmentKind::Deleted, &edit.deleted);
                push(&mut out, SegmentKind::Inserted, &edit.inserted);
            }
        }
    }
    out
}

/// The two columns of a side-by-side view: the left holds the old text (equal and deleted
/// segments), the right the new text (equal and inserted segments), each in order.
pub fn side_by_side(segments: &[Segment]) -> (Vec<Segment>, Vec<Segment>) {
    let mut left = Vec::new();
    let mut right = Vec::new();
    for segment in segments {
        match segment.kind {
            SegmentKind::Equal => {
                left.push(segment.clone());
                right.push(segment.clone());
            }
            SegmentKind::Deleted => left.push(segment.clone()),
            SegmentKind::Inserted => right.push(segment.clone()),
        }
    }
    (left, right)
}

/// How alike two texts are, from 0 (nothing in common) to 1 (identical): twice the number of
/// characters they share in order, over their total length. Two empty texts are identical.
///
/// Measured on the raw character diff, before cleanup: folding islands into edits is for
/// reading and would understate the likeness.
pub fn similarity(old: &str, new: &str) -> f64 {
    let total = old.chars().count() + new.chars().count();
    if total == 0 {
        return 1.0;
    }
    let diff = char_differ().diff_chars(old, new);
    let shared = diff
        .iter_all_changes()
        .filter(|change| change.tag() == ChangeTag::Equal)
        .count();
    // Both counts are character counts of real strings, far below 2^52: exact in f64.
    (2 * shared) as f64 / total as f64
}

/// Myers on characters, without a deadline: a deadline would read the clock, which this crate
/// never does, and clause texts are short enough for the exact diff.
fn char_differ() -> TextDiffConfig {
    let mut config = TextDiffConfig::default();
    config.algorithm(Algorithm::Myers);
    config
}

/// A diff as alternating equal runs and edits; the form the cleanup works on.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Chunk {
    Equal(String),
    Edit(Edit),
}

/// All deleted and all inserted characters between two equal runs (Myers may interleave them;
/// a reader wants the old wording, then the new).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Edit {
    deleted: String,
    inserted: String,
}

impl Edit {
    /// The larger side, in characters: what an equal island is weighed against.
    fn weight(&self) -> usize {
        self.deleted
            .chars()
            .count()
            .max(self.inserted.chars().count())
    }

    /// Takes in the equal `island` that follows and the edit after it. The island counts as
    /// both deleted and inserted, so both texts still rebuild.
    fn absorb(&mut self, island: &str, after: &Edit) {
        self.deleted.push_str(island);
        self.deleted.push_str(&after.deleted);
        self.inserted.push_str(island);
        self.inserted.push_str(&after.inserted);
    }
}

/// The Myers diff as chunks.
fn raw_chunks(old: &str, new: &str) -> Vec<Chunk> {
    let diff = char_differ().diff_chars(old, new);
    let mut chunks: Vec<Chunk> = Vec::new();
    for change in diff.iter_all_changes() {
        let value = change.value();
        let tag = change.tag();
        if tag == ChangeTag::Equal {
            match chunks.last_mut() {
                Some(Chunk::Equal(text)) => text.push_str(value),
                _ => chunks.push(Chunk::Equal(value.to_owned())),
            }
            continue;
        }
        if !matches!(chunks.last(), Some(Chunk::Edit(_))) {
            chunks.push(Chunk::Edit(Edit::default()));
        }
        if let Some(Chunk::Edit(edit)) = chunks.last_mut() {
            let side = if tag == ChangeTag::Delete {
                &mut edit.deleted
            } else {
                &mut edit.inserted
            };
            side.push_str(value);
        }
    }
    chunks
}

/// Whether an equal island between two edits is folded into them (see [`text_diff`]).
fn is_tiny(island: &str, before: &Edit, after: &Edit) -> bool {
    let len = island.chars().count();
    len <= TINY_EQUAL_CHARS || (len <= before.weight() && len <= after.weight())
}

/// Folds tiny equal islands into the edits around them.
///
/// A stack keeps it linear: after each chunk is pushed, the top three are checked, and a fold
/// makes a larger edit that may swallow the island below it, which the loop then finds.
fn cleanup(chunks: Vec<Chunk>) -> Vec<Chunk> {
    let mut stack: Vec<Chunk> = Vec::with_capacity(chunks.len());
    for chunk in chunks {
        stack.push(chunk);
        loop {
            let folded = match stack.as_mut_slice() {
                [
                    ..,
                    Chunk::Edit(before),
                    Chunk::Equal(island),
                    Chunk::Edit(after),
                ] if is_tiny(island, before, after) => {
                    before.absorb(island, after);
                    true
                }
                _ => false,
            };
            if !folded {
                break;
            }
            // The island and the edit after it now live in the edit before.
            stack.truncate(stack.len() - 2);
        }
    }
    stack
}

/// Appends a segment, merging it into the last one when the kinds match; empty text is dropped.
fn push(out: &mut Vec<Segment>, kind: SegmentKind, text: &str) {
    if text.is_empty() {
        return;
    }
    match out.last_mut() {
        Some(last) if last.kind == kind => last.text.push_str(text),
        _ => out.push(Segment::new(kind, text)),
    }
}

// ---------------------------------------------------------------------------------------------
// Clause level

/// One clause of a document being compared: an edition of a body's policy, or the guideline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DiffClause {
    /// What matches a clause across documents, compared exactly: the catalog id of a guideline
    /// clause (「S-2.(2)⑧(イ)」) or the body's own key of a local clause (「本市-1」). Display
    /// numbers are not used, because renumbering would make every later clause look new.
    pub key: String,
    /// The display number and title, e.g. 「(2) 情報資産の分類」.
    pub label: String,
    /// The wording.
    pub text: String,
}

/// How a clause's wording changed. Serialized with a `kind` tag in snake_case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ClauseChangeKind {
    /// The same wording in both documents.
    Unchanged { text: String },
    /// Only in the new document.
    Added { text: String },
    /// Only in the old document.
    Removed { text: String },
    /// In both, with other wording; the character diff from old to new.
    Changed { segments: Vec<Segment> },
}

/// One row of a clause diff.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ClauseChange {
    pub key: String,
    #[serde(flatten)]
    pub kind: ClauseChangeKind,
    /// The label in the old document; `None` for an added clause.
    pub old_label: Option<String>,
    /// The label in the new document; `None` for a removed clause.
    pub new_label: Option<String>,
    /// Where the clause stands in the old document, counting from 0.
    pub old_position: Option<usize>,
    /// Where the clause stands in the new document, counting from 0.
    pub new_position: Option<usize>,
    /// In both documents, but its order relative to the other common clauses changed (see
    /// [`clause_diff`] for which clauses count as the moved ones). A moved clause can also be
    /// changed.
    pub moved: bool,
    /// In both documents, with another label.
    pub retitled: bool,
}

impl ClauseChange {
    /// The wording in the old document; `None` for an added clause.
    pub fn old_text(&self) -> Option<String> {
        match &self.kind {
            ClauseChangeKind::Unchanged { text } | ClauseChangeKind::Removed { text } => {
                Some(text.clone())
            }
            ClauseChangeKind::Added { .. } => None,
            ClauseChangeKind::Changed { segments } => Some(concat(segments, SegmentKind::Deleted)),
        }
    }

    /// The wording in the new document; `None` for a removed clause.
    pub fn new_text(&self) -> Option<String> {
        match &self.kind {
            ClauseChangeKind::Unchanged { text } | ClauseChangeKind::Added { text } => {
                Some(text.clone())
            }
            ClauseChangeKind::Removed { .. } => None,
            ClauseChangeKind::Changed { segments } => Some(concat(segments, SegmentKind::Inserted)),
        }
    }
}

/// The text of one side of a diff: the equal segments and those of `kind`.
fn concat(segments: &[Segment], kind: SegmentKind) -> String {
    segments
        .iter()
        .filter(|s| s.kind == SegmentKind::Equal || s.kind == kind)
        .map(|s| s.text.as_str())
        .collect()
}

/// How many clauses of each kind a diff holds. `moved` and `retitled` are flags, counted apart:
/// a moved clause is also counted as unchanged or changed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct DiffSummary {
    pub unchanged: usize,
    pub added: usize,
    pub removed: usize,
    pub changed: usize,
    pub moved: usize,
    pub retitled: usize,
}

impl DiffSummary {
    /// Whether the two documents say the same thing in the same order under the same labels.
    pub fn is_identical(&self) -> bool {
        self.added == 0
            && self.removed == 0
            && self.changed == 0
            && self.moved == 0
            && self.retitled == 0
    }
}

/// The clause diff of two documents and its counts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ClauseDiff {
    /// In the order of the new document; a removed clause stands where it stood in the old one.
    pub changes: Vec<ClauseChange>,
    pub summary: DiffSummary,
}

/// Compares two documents clause by clause, matching clauses by [`DiffClause::key`].
///
/// **Order of the rows**: that of the new document. A removed clause comes right after the
/// nearest clause before it in the old document that kept its place (is common and not moved),
/// ahead of anything added there; with no such clause it comes first.
///
/// **Moved clauses**: take the old positions of the common clauses in new order; a longest
/// increasing subsequence of them is the largest set of clauses that kept their relative
/// order, and every common clause outside it is moved. So the fewest clauses are reported as
/// moved, and none at all when the common clauses keep their relative order.
///
/// **Tie-break** when several longest subsequences exist: the kept chain is the one ending at
/// the smallest old position, and each clause in it is preceded by the smallest old position
/// that ends a chain one shorter among the clauses before it in the new order (the patience
/// method's choice). In effect the clauses that moved *forward* are the ones reported: for
/// A B C → A C B, C is moved and B keeps its place; for A B C D → C D A B, C and D are moved.
///
/// A key that occurs twice in one document is an error: clauses could not be matched.
pub fn clause_diff(old: &[DiffClause], new: &[DiffClause]) -> Result<ClauseDiff, DomainError> {
    let old_index = index_by_key(old, "比較元の文書")?;
    let new_index = index_by_key(new, "比較先の文書")?;

    // Old positions of the common clauses, in new order; which of them kept their place.
    let old_positions: Vec<usize> = new
        .iter()
        .filter_map(|clause| old_index.get(clause.key.as_str()).copied())
        .collect();
    let kept = longest_increasing(&old_positions);
    let mut stays_in_place = vec![false; old.len()];
    for (&i, &keep) in old_positions.iter().zip(&kept) {
        stays_in_place[i] = keep;
    }

    // Removed clauses, anchored after the last clause before them that stayed in place.
    let mut removed_first: Vec<usize> = Vec::new();
    let mut removed_after: Vec<Vec<usize>> = vec![Vec::new(); new.len()];
    let mut anchor: Option<usize> = None;
    for (i, clause) in old.iter().enumerate() {
        match new_index.get(clause.key.as_str()) {
            None => match anchor {
                Some(j) => removed_after[j].push(i),
                None => removed_first.push(i),
            },
            Some(&j) if stays_in_place[i] => anchor = Some(j),
            Some(_) => {}
        }
    }

    let mut changes = Vec::with_capacity(old.len() + new.len());
    changes.extend(removed_first.iter().map(|&i| removed(&old[i], i)));
    for (j, clause) in new.iter().enumerate() {
        let change = match old_index.get(clause.key.as_str()) {
            None => added(clause, j),
            Some(&i) => common_change(&old[i], i, clause, j, !stays_in_place[i]),
        };
        changes.push(change);
        changes.extend(removed_after[j].iter().map(|&i| removed(&old[i], i)));
    }

    let summary = summarize(&changes);
    Ok(ClauseDiff { changes, summary })
}

/// Position of each clause by key; a key twice is an error naming the document.
fn index_by_key<'a>(
    clauses: &'a [DiffClause],
    document: &str,
) -> Result<HashMap<&'a str, usize>, DomainError> {
    let mut index = HashMap::with_capacity(clauses.len());
    for (i, clause) in clauses.iter().enumerate() {
        if index.insert(clause.key.as_str(), i).is_some() {
            return Err(DomainError::new(
                "条項キー",
                format!(
                    "{document}に「{}」が2回以上あります。条項キーは文書内で一意にしてください",
                    clause.key
                ),
            ));
        }
    }
    Ok(index)
}

/// Which entries of `seq` (distinct values) form a longest increasing subsequence, by the
/// patience method with back links; see [`clause_diff`] for the tie-break this yields.
fn longest_increasing(seq: &[usize]) -> Vec<bool> {
    // tails[k]: the index in `seq` of the smallest value ending an increasing run of length k+1.
    let mut tails: Vec<usize> = Vec::new();
    let mut back: Vec<Option<usize>> = vec![None; seq.len()];
    for (i, &value) in seq.iter().enumerate() {
        let k = tails.partition_point(|&t| seq[t] < value);
        back[i] = k.checked_sub(1).and_then(|p| tails.get(p).copied());
        if k == tails.len() {
            tails.push(i);
        } else {
            tails[k] = i;
        }
    }
    let mut keep = vec![false; seq.len()];
    let mut cursor = tails.last().copied();
    while let Some(i) = cursor {
        keep[i] = true;
        cursor = back[i];
    }
    keep
}

fn added(clause: &DiffClause, position: usize) -> ClauseChange {
    ClauseChange {
        key: clause.key.clone(),
        kind: ClauseChangeKind::Added {
            text: clause.text.clone(),
        },
        old_label: None,
        new_label: Some(clause.label.clone()),
        old_position: None,
        new_position: Some(position),
        moved: false,
        retitled: false,
    }
}

fn removed(clause: &DiffClause, position: usize) -> ClauseChange {
    ClauseChange {
        key: clause.key.clone(),
        kind: ClauseChangeKind::Removed {
            text: clause.text.clone(),
        },
        old_label: Some(clause.label.clone()),
        new_label: None,
        old_position: Some(position),
        new_position: None,
        moved: false,
        retitled: false,
    }
}

fn common_change(
    old: &DiffClause,
    old_position: usize,
    new: &DiffClause,
    new_position: usize,
    moved: bool,
) -> ClauseChange {
    let kind = if old.text == new.text {
        ClauseChangeKind::Unchanged {
            text: new.text.clone(),
        }
    } else {
        ClauseChangeKind::Changed {
            segments: text_diff(&old.text, &new.text),
        }
    };
    ClauseChange {
        key: new.key.clone(),
        kind,
        old_label: Some(old.label.clone()),
        new_label: Some(new.label.clone()),
        old_position: Some(old_position),
        new_position: Some(new_position),
        moved,
        retitled: old.label != new.label,
    }
}

/// Counts of a list of changes.
pub fn summarize(changes: &[ClauseChange]) -> DiffSummary {
    let mut summary = DiffSummary::default();
    for change in changes {
        match change.kind {
            ClauseChangeKind::Unchanged { .. } => summary.unchanged += 1,
            ClauseChangeKind::Added { .. } => summary.added += 1,
            ClauseChangeKind::Removed { .. } => summary.removed += 1,
            ClauseChangeKind::Changed { .. } => summary.changed += 1,
        }
        summary.moved += usize::from(change.moved);
        summary.retitled += usize::from(change.retitled);
    }
    summary
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use super::*;
    use proptest::prelude::*;

    use SegmentKind::{Deleted, Equal, Inserted};

    fn seg(kind: SegmentKind, text: &str) -> Segment {
        Segment::new(kind, text)
    }

    fn side(segments: &[Segment], kind: SegmentKind) -> String {
        concat(segments, kind)
    }

    // -----------------------------------------------------------------------------------------
    // Characters

    /// Name, old text, new text, expected segments.
    type TextCase = (
        &'static str,
        &'static str,
        &'static str,
        &'static [(SegmentKind, &'static str)],
    );

    #[test]
    fn character_diff_on_constructed_cases() {
        let cases: &[TextCase] = &[
            (
                "one word of a role replaced",
                "情報セキュリティ管理者の許可を得なければならない",
                "情報セキュリティ責任者の許可を得なければならない",
                &[
                    (Equal, "情報セキュリティ"),
                    (Deleted, "管理"),
                    (Inserted, "責任"),
                    (Equal, "者の許可を得なければならない"),
                ],
            ),
            ("identical", "機密性3", "機密性3", &[(Equal, "機密性3")]),
            ("both empty", "", "", &[]),
            ("from empty", "", "本市", &[(Inserted, "本市")]),
            ("to empty", "本市", "", &[(Deleted, "本市")]),
            (
                "pure insertion",
                "許可を得る",
                "事前に許可を得る",
                &[(Inserted, "事前に"), (Equal, "許可を得る")],
            ),
            (
                "pure deletion",
                "速やかに報告しなければならない",
                "報告しなければならない",
                &[(Deleted, "速やかに"), (Equal, "報告しなければならない")],
            ),
            (
                "full-width to half-width is a change (no NFKC)",
                "機密性２以上",
                "機密性2以上",
                &[
                    (Equal, "機密性"),
                    (Deleted, "２"),
                    (Inserted, "2"),
                    (Equal, "以上"),
                ],
            ),
            (
                "a two-character island between edits is folded",
                "管理者の許可",
                "責任者の承認",
                &[(Deleted, "管理者の許可"), (Inserted, "責任者の承認")],
            ),
            (
                "a three-character island no longer than the edits around it is folded",
                "甲乙丙のため丁戊己",
                "子丑寅のため卯辰巳",
                &[
                    (Deleted, "甲乙丙のため丁戊己"),
                    (Inserted, "子丑寅のため卯辰巳"),
                ],
            ),
            (
                "a longer island between small edits stays",
                "第1条及び第2条",
                "第3条及び第4条",
                &[
                    (Equal, "第"),
                    (Deleted, "1"),
                    (Inserted, "3"),
                    (Equal, "条及び第"),
                    (Deleted, "2"),
                    (Inserted, "4"),
                    (Equal, "条"),
                ],
            ),
            (
                "characters outside the basic plane are one character each",
                "印😀印",
                "印😃印",
                &[
                    (Equal, "印"),
                    (Deleted, "😀"),
                    (Inserted, "😃"),
                    (Equal, "印"),
                ],
            ),
        ];
        for (name, old, new, expected) in cases {
            let expected: Vec<Segment> = expected.iter().map(|&(k, t)| seg(k, t)).collect();
            assert_eq!(text_diff(old, new), expected, "{name}");
        }
    }

    #[test]
    fn side_by_side_splits_old_and_new() {
        let segments = text_diff(
            "情報セキュリティ管理者の許可",
            "情報セキュリティ責任者の許可",
        );
        let (left, right) = side_by_side(&segments);
        assert_eq!(
            left,
            vec![
                seg(Equal, "情報セキュリティ"),
                seg(Deleted, "管理"),
                seg(Equal, "者の許可"),
            ]
        );
        assert_eq!(
            right,
            vec![
                seg(Equal, "情報セキュリティ"),
                seg(Inserted, "責任"),
                seg(Equal, "者の許可"),
            ]
        );
    }

    #[test]
    fn similarity_on_constructed_cases() {
        let cases: &[(&str, &str, f64)] = &[
            ("", "", 1.0),
            ("本市", "本市", 1.0),
            ("本市", "", 0.0),
            ("甲乙", "丙丁", 0.0),
            ("管理者", "責任者", 2.0 / 6.0),
        ];
        for &(old, new, expected) in cases {
            let got = similarity(old, new);
            assert!((got - expected).abs() < 1e-12, "{old} / {new}: {got}");
        }
    }

    // -----------------------------------------------------------------------------------------
    // Clauses

    fn clause(key: &str, text: &str) -> DiffClause {
        DiffClause {
            key: key.to_owned(),
            label: format!("{key} 見出し"),
            text: text.to_owned(),
        }
    }

    /// A clause whose text is derived from its key, so that equal keys have equal texts.
    fn plain(key: &str) -> DiffClause {
        clause(key, &format!("{key}の本文である。"))
    }

    /// One row as a short code: key, then `=` unchanged, `+` added, `-` removed, `~` changed,
    /// then `>` if moved and `#` if retitled.
    fn code(change: &ClauseChange) -> String {
        let kind = match change.kind {
            ClauseChangeKind::Unchanged { .. } => "=",
            ClauseChangeKind::Added { .. } => "+",
            ClauseChangeKind::Removed { .. } => "-",
            ClauseChangeKind::Changed { .. } => "~",
        };
        let moved = if change.moved { ">" } else { "" };
        let retitled = if change.retitled { "#" } else { "" };
        format!("{}{kind}{moved}{retitled}", change.key)
    }

    fn amended(key: &str) -> DiffClause {
        clause(key, &format!("{key}の本文を改めた。"))
    }

    /// A document written as its keys separated by spaces; a key followed by `'` has amended
    /// text, one followed by `#` a new label.
    fn doc(spec: &str) -> Vec<DiffClause> {
        spec.split_whitespace()
            .map(|token| {
                if let Some(key) = token.strip_suffix('\'') {
                    amended(key)
                } else if let Some(key) = token.strip_suffix('#') {
                    DiffClause {
                        label: format!("{key} 新しい見出し"),
                        ..plain(key)
                    }
                } else {
                    plain(token)
                }
            })
            .collect()
    }

    /// Name, old document, new document (as [`doc`] reads them), expected rows (as [`code`]s).
    type ClauseCase = (
        &'static str,
        &'static str,
        &'static str,
        &'static [&'static str],
    );

    #[test]
    fn clause_diff_on_constructed_cases() {
        let cases: &[ClauseCase] = &[
            ("identical", "A B C", "A B C", &["A=", "B=", "C="]),
            ("pure insert", "A C", "A B C", &["A=", "B+", "C="]),
            ("pure delete", "A B C", "A C", &["A=", "B-", "C="]),
            // Tie-break: C moved forward past B, so C is the moved one.
            ("move", "A B C", "A C B", &["A=", "C=>", "B="]),
            ("swap of two clauses", "A B", "B A", &["B=>", "A="]),
            (
                "swap of two blocks",
                "A B C D",
                "C D A B",
                &["C=>", "D=>", "A=", "B="],
            ),
            ("amend one clause", "A B", "A B'", &["A=", "B~"]),
            ("retitle only", "A B", "A B#", &["A=", "B=#"]),
            (
                "insert, delete, move and amend together",
                "A B C D E",
                "A D' C F E",
                &["A=", "B-", "D~>", "C=", "F+", "E="],
            ),
            (
                "a removed clause follows the clause before it that stayed in place",
                "A B R C",
                "A C B",
                &["A=", "C=>", "B=", "R-"],
            ),
            (
                "a removed first clause stays first",
                "R A",
                "N A",
                &["R-", "N+", "A="],
            ),
            ("empty to non-empty", "", "A B", &["A+", "B+"]),
            ("non-empty to empty", "A B", "", &["A-", "B-"]),
            ("empty to empty", "", "", &[]),
        ];
        for &(name, old, new, expected) in cases {
            let diff = clause_diff(&doc(old), &doc(new)).unwrap();
            let got: Vec<String> = diff.changes.iter().map(code).collect();
            assert_eq!(got, expected, "{name}");
            assert_eq!(diff.summary, summarize(&diff.changes), "{name}");
        }
    }

    #[test]
    fn identical_documents_have_no_changes() {
        let doc = vec![plain("S-1"), plain("S-2"), plain("本市-1")];
        let diff = clause_diff(&doc, &doc).unwrap();
        assert!(diff.summary.is_identical());
        assert_eq!(
            diff.summary,
            DiffSummary {
                unchanged: 3,
                ..DiffSummary::default()
            }
        );
    }

    #[test]
    fn a_changed_clause_carries_its_character_diff() {
        let key = "S-2.(2)⑧(イ)";
        let old = vec![clause(
            key,
            "情報セキュリティ管理者の許可を得なければならない",
        )];
        let new = vec![clause(
            key,
            "情報セキュリティ責任者の許可を得なければならない",
        )];
        let diff = clause_diff(&old, &new).unwrap();
        let [change] = diff.changes.as_slice() else {
            panic!("one row expected: {:?}", diff.changes);
        };
        let ClauseChangeKind::Changed { segments } = &change.kind else {
            panic!("changed expected: {change:?}");
        };
        assert_eq!(
            segments
                .iter()
                .filter(|s| s.kind != Equal)
                .cloned()
                .collect::<Vec<_>>(),
            vec![seg(Deleted, "管理"), seg(Inserted, "責任")]
        );
        assert!(!change.moved && !change.retitled);
        assert_eq!(
            (change.old_position, change.new_position),
            (Some(0), Some(0))
        );
        assert_eq!(
            diff.summary,
            DiffSummary {
                changed: 1,
                ..DiffSummary::default()
            }
        );
        assert!(!diff.summary.is_identical());
    }

    #[test]
    fn a_key_twice_in_one_document_is_refused() {
        let twice = vec![plain("S-1"), plain("S-1")];
        let err = clause_diff(&twice, &[plain("S-1")]).unwrap_err();
        assert_eq!(err.field, "条項キー");
        assert!(err.message.contains("比較元") && err.message.contains("S-1"));
        let err = clause_diff(&[], &twice).unwrap_err();
        assert!(err.message.contains("比較先"));
    }

    #[test]
    fn serializes_with_snake_case_kinds() {
        let old = vec![plain("A"), plain("B"), plain("C")];
        let new = vec![amended("A"), plain("C"), plain("D")];
        let json = serde_json::to_value(clause_diff(&old, &new).unwrap()).unwrap();
        let kinds: Vec<&str> = json["changes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["kind"].as_str().unwrap())
            .collect();
        assert_eq!(kinds, ["changed", "removed", "unchanged", "added"]);
        let first = &json["changes"][0];
        assert_eq!(first["key"], "A");
        assert_eq!(first["moved"], false);
        assert_eq!(first["old_position"], 0);
        assert_eq!(first["segments"][0]["kind"], "equal");
        assert!(
            first["segments"]
                .as_array()
                .unwrap()
                .iter()
                .any(|s| s["kind"] == "deleted")
        );
        assert_eq!(json["changes"][1]["text"], "Bの本文である。");
        assert_eq!(json["changes"][3]["new_label"], "D 見出し");
        assert!(json["changes"][3]["old_label"].is_null());
        assert_eq!(json["summary"]["removed"], 1);
    }

    // -----------------------------------------------------------------------------------------
    // Properties

    /// Texts over a small alphabet (Japanese, ASCII, characters outside the basic plane) so that
    /// random pairs share characters, or any Unicode text at all.
    fn text() -> impl Strategy<Value = String> {
        prop_oneof!["[あいうの者可許ア漢字、。ab2２😀😃]{0,40}", any::<String>(),]
    }

    /// The length of a longest increasing subsequence, by the plain quadratic method.
    fn lis_length(seq: &[usize]) -> usize {
        let mut best = vec![1usize; seq.len()];
        for i in 0..seq.len() {
            for j in 0..i {
                if seq[j] < seq[i] {
                    best[i] = best[i].max(best[j] + 1);
                }
            }
        }
        best.into_iter().max().unwrap_or(0)
    }

    const POOL: [&str; 10] = [
        "S-1",
        "S-2.(1)",
        "S-2.(2)①",
        "S-2.(2)⑧(イ)",
        "S-3",
        "S-4.1",
        "S-5",
        "本市-1",
        "本市-2",
        "本市-3",
    ];

    /// A document: some keys of the pool, in any order, each with one of three texts and one of
    /// two labels, so that two documents share some clauses, amend some and retitle some.
    fn document() -> impl Strategy<Value = Vec<DiffClause>> {
        (
            proptest::sample::subsequence(POOL.to_vec(), 0..=POOL.len()).prop_shuffle(),
            proptest::collection::vec((0u8..3, 0u8..2), POOL.len()),
        )
            .prop_map(|(keys, variants)| {
                keys.into_iter()
                    .zip(variants)
                    .map(|(key, (text, label))| DiffClause {
                        key: key.to_owned(),
                        label: format!("{key} 見出し{label}"),
                        text: format!("{key}について定める。版{text}"),
                    })
                    .collect()
            })
    }

    proptest! {
        #[test]
        fn segments_rebuild_both_texts(old in text(), new in text()) {
            let segments = text_diff(&old, &new);
            prop_assert_eq!(side(&segments, Deleted), old);
            prop_assert_eq!(side(&segments, Inserted), new);
            let (left, right) = side_by_side(&segments);
            prop_assert!(left.iter().all(|s| s.kind != Inserted));
            prop_assert!(right.iter().all(|s| s.kind != Deleted));
        }

        #[test]
        fn segments_are_merged_and_cleaned(old in text(), new in text()) {
            let segments = text_diff(&old, &new);
            prop_assert!(segments.iter().all(|s| !s.text.is_empty()));
            for pair in segments.windows(2) {
                prop_assert_ne!(pair[0].kind, pair[1].kind);
                // Within an edit the old wording comes first.
                prop_assert!(!(pair[0].kind == Inserted && pair[1].kind == Deleted));
            }
            // No island of one or two characters between two edits.
            let last = segments.len().saturating_sub(1);
            for (i, s) in segments.iter().enumerate() {
                if s.kind == Equal && i > 0 && i < last {
                    prop_assert!(s.text.chars().count() > TINY_EQUAL_CHARS, "{:?}", segments);
                }
            }
        }

        #[test]
        fn similarity_of_a_text_with_itself_is_one(a in text(), b in text()) {
            prop_assert_eq!(similarity(&a, &a), 1.0);
            let s = similarity(&a, &b);
            prop_assert!((0.0..=1.0).contains(&s));
        }

        #[test]
        fn the_clause_diff_rebuilds_both_documents(old in document(), new in document()) {
            let diff = clause_diff(&old, &new).unwrap();
            let rebuilt_new: Vec<DiffClause> = diff
                .changes
                .iter()
                .filter_map(|c| {
                    Some(DiffClause { key: c.key.clone(), label: c.new_label.clone()?, text: c.new_text()? })
                })
                .collect();
            prop_assert_eq!(&rebuilt_new, &new);
            let new_positions: Vec<usize> =
                diff.changes.iter().filter_map(|c| c.new_position).collect();
            prop_assert_eq!(new_positions, (0..new.len()).collect::<Vec<_>>());

            let mut old_side: Vec<&ClauseChange> =
                diff.changes.iter().filter(|c| c.old_position.is_some()).collect();
            old_side.sort_by_key(|c| c.old_position);
            let rebuilt_old: Vec<DiffClause> = old_side
                .iter()
                .filter_map(|c| {
                    Some(DiffClause { key: c.key.clone(), label: c.old_label.clone()?, text: c.old_text()? })
                })
                .collect();
            prop_assert_eq!(&rebuilt_old, &old);

            // As few clauses are reported moved as the order change allows.
            let common: Vec<usize> = diff
                .changes
                .iter()
                .filter(|c| c.old_position.is_some() && c.new_position.is_some())
                .filter_map(|c| c.old_position)
                .collect();
            prop_assert_eq!(diff.summary.moved, common.len() - lis_length(&common));
            prop_assert!(diff.changes.iter().all(|c| !c.moved || (c.old_position.is_some() && c.new_position.is_some())));
            prop_assert_eq!(diff.summary, summarize(&diff.changes));
            prop_assert_eq!(diff.changes.len(), diff.summary.unchanged + diff.summary.added + diff.summary.removed + diff.summary.changed);
        }

        #[test]
        fn nothing_moves_when_the_common_order_is_kept(
            pool in Just(POOL.to_vec()).prop_shuffle(),
            in_old in proptest::collection::vec(any::<bool>(), POOL.len()),
            in_new in proptest::collection::vec(any::<bool>(), POOL.len()),
        ) {
            // Both documents list their keys in the order of one shuffled pool.
            let pick = |mask: &[bool]| -> Vec<DiffClause> {
                pool.iter().zip(mask).filter(|&(_, &on)| on).map(|(key, _)| plain(key)).collect()
            };
            let diff = clause_diff(&pick(&in_old), &pick(&in_new)).unwrap();
            prop_assert!(diff.changes.iter().all(|c| !c.moved));
            prop_assert_eq!(diff.summary.moved, 0);
        }

        #[test]
        fn a_document_compared_with_itself_is_identical(doc in document()) {
            let diff = clause_diff(&doc, &doc).unwrap();
            prop_assert!(diff.summary.is_identical());
            prop_assert_eq!(diff.summary.unchanged, doc.len());
        }
    }
}
