//! Japanese full-text search over the clauses: a character-bigram index (no dictionary needed, no
//! unknown words) over clause id, title, 例文 and the clause's own and item-level 解説.
//!
//! Text and queries are NFKC-normalised, lower-cased and stripped of whitespace, so 「ＩＣカード」,
//! 「IC カード」 and 「icカード」 match alike. A query of several words (separated by spaces)
//! matches clauses that contain every word. One-character words are matched by substring; longer
//! words go through the bigram postings and are then confirmed by substring, so a hit always
//! contains the words as typed. Title and id hits rank above body hits.

use crate::id::ClauseId;
use crate::model::{Catalog, SectionLevel};
use std::collections::HashMap;
use unicode_normalization::UnicodeNormalization;

/// One search result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hit {
    /// The clause found.
    pub clause_id: ClauseId,
    /// Relevance; higher is better. A title or id match alone outranks any body match.
    pub score: u32,
    /// A short excerpt around the first match, from the original text.
    pub snippet: String,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum FieldKind {
    Id,
    Title,
    Text,
    Commentary,
}

struct Field {
    kind: FieldKind,
    /// Normalised characters.
    norm: Vec<char>,
    /// For each normalised character, the index of the original character it came from.
    map: Vec<usize>,
    orig: Vec<char>,
}

struct Doc {
    clause_id: ClauseId,
    order: u32,
    fields: Vec<Field>,
}

/// A search index over a catalog.
pub struct SearchIndex {
    docs: Vec<Doc>,
    postings: HashMap<(char, char), Vec<u32>>,
}

impl std::fmt::Debug for SearchIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SearchIndex")
            .field("docs", &self.docs.len())
            .field("bigrams", &self.postings.len())
            .finish()
    }
}

/// Normalises text for matching: NFKC per character (so that the position of each normalised
/// character in the original is known, for snippets), lower case, whitespace removed.
fn normalise(s: &str) -> (Vec<char>, Vec<usize>) {
    let mut norm = Vec::new();
    let mut map = Vec::new();
    for (i, c) in s.chars().enumerate() {
        for n in std::iter::once(c).nfkc() {
            for l in n.to_lowercase() {
                if !l.is_whitespace() {
                    norm.push(l);
                    map.push(i);
                }
            }
        }
    }
    (norm, map)
}

fn field(kind: FieldKind, text: &str) -> Field {
    let (norm, map) = normalise(text);
    Field {
        kind,
        norm,
        map,
        orig: text.chars().collect(),
    }
}

fn find(hay: &[char], needle: &[char]) -> Option<usize> {
    if needle.is_empty() || needle.len() > hay.len() {
        return None;
    }
    hay.windows(needle.len()).position(|w| w == needle)
}

fn count(hay: &[char], needle: &[char]) -> u32 {
    if needle.is_empty() || needle.len() > hay.len() {
        return 0;
    }
    hay.windows(needle.len()).filter(|w| *w == needle).count() as u32
}

impl SearchIndex {
    /// Indexes every clause of the catalog.
    pub fn new(catalog: &Catalog) -> Self {
        let mut docs = Vec::with_capacity(catalog.clauses.len());
        let mut postings: HashMap<(char, char), Vec<u32>> = HashMap::new();
        for (di, c) in catalog.clauses.iter().enumerate() {
            let mut commentary = String::new();
            // The clause's own 解説 and that of its numbered item; chapter-level 趣旨 would make
            // every clause of a chapter match the same words.
            for (id, com) in catalog.commentary_for(c) {
                let item_level = id == c.id.as_str()
                    || catalog
                        .section(id)
                        .is_some_and(|s| s.level == SectionLevel::Item);
                if item_level {
                    for t in [&com.purpose, &com.notes].into_iter().flatten() {
                        commentary.push_str(t);
                        commentary.push('\n');
                    }
                    for f in &com.footnotes {
                        commentary.push_str(&f.text);
                        commentary.push('\n');
                    }
                }
            }
            let mut text = c.lead_ins().join("\n");
            text.push('\n');
            text.push_str(&c.model_text);
            let fields = vec![
                field(FieldKind::Id, c.id.as_str()),
                field(FieldKind::Title, &c.title),
                field(FieldKind::Text, &text),
                field(FieldKind::Commentary, &commentary),
            ];
            let di = di as u32;
            for f in &fields {
                for w in f.norm.windows(2) {
                    let list = postings.entry((w[0], w[1])).or_default();
                    if list.last() != Some(&di) {
                        list.push(di);
                    }
                }
            }
            docs.push(Doc {
                clause_id: c.id.clone(),
                order: c.order,
                fields,
            });
        }
        SearchIndex { docs, postings }
    }

    fn candidates(&self, term: &[char]) -> Vec<u32> {
        if term.len() < 2 {
            return (0..self.docs.len() as u32).collect();
        }
        let mut lists: Vec<&Vec<u32>> = Vec::new();
        for w in term.windows(2) {
            match self.postings.get(&(w[0], w[1])) {
                Some(l) => lists.push(l),
                None => return Vec::new(),
            }
        }
        lists.sort_by_key(|l| l.len());
        let mut out: Vec<u32> = lists[0].clone();
        for l in &lists[1..] {
            out.retain(|d| l.binary_search(d).is_ok());
        }
        out
    }

    /// Searches; returns hits best first. An empty or blank query returns nothing.
    pub fn search(&self, query: &str) -> Vec<Hit> {
        let terms: Vec<Vec<char>> = query
            .split_whitespace()
            .map(|t| normalise(t).0)
            .filter(|t| !t.is_empty())
            .collect();
        let Some(first) = terms.first() else {
            return Vec::new();
        };
        let mut cands = self.candidates(first);
        for t in &terms[1..] {
            let other = self.candidates(t);
            cands.retain(|d| other.binary_search(d).is_ok());
        }

        let mut hits: Vec<(u32, u32, Hit)> = Vec::new();
        'doc: for d in cands {
            let doc = &self.docs[d as usize];
            let mut score = 0;
            for t in &terms {
                let mut term_score = 0;
                for f in &doc.fields {
                    let n = count(&f.norm, t);
                    if n == 0 {
                        continue;
                    }
                    term_score += match f.kind {
                        FieldKind::Id | FieldKind::Title => 100,
                        FieldKind::Text => 10 + n.min(9),
                        FieldKind::Commentary => 1,
                    };
                }
                if term_score == 0 {
                    continue 'doc;
                }
                score += term_score;
            }
            let snippet = snippet(doc, first);
            hits.push((
                score,
                doc.order,
                Hit {
                    clause_id: doc.clause_id.clone(),
                    score,
                    snippet,
                },
            ));
        }
        hits.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        hits.into_iter().map(|(_, _, h)| h).collect()
    }
}

/// About 60 characters of original text around the first match, preferring the 例文.
fn snippet(doc: &Doc, term: &[char]) -> String {
    let order = [
        FieldKind::Text,
        FieldKind::Title,
        FieldKind::Commentary,
        FieldKind::Id,
    ];
    for kind in order {
        let Some(f) = doc.fields.iter().find(|f| f.kind == kind) else {
            continue;
        };
        let Some(pos) = find(&f.norm, term) else {
            continue;
        };
        let start = f.map[pos];
        let end = f.map[pos + term.len() - 1] + 1;
        let from = start.saturating_sub(20);
        let to = (end + 40).min(f.orig.len());
        let mut s: String = f.orig[from..to]
            .iter()
            .map(|c| if *c == '\n' { ' ' } else { *c })
            .collect();
        if from > 0 {
            s.insert(0, '…');
        }
        if to < f.orig.len() {
            s.push('…');
        }
        return s;
    }
    String::new()
}

/// A piece of text for display: either plain or a match of a query word.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Segment {
    /// The original characters.
    pub text: String,
    /// Whether they match a query word (shown marked).
    pub hit: bool,
}

/// Splits `text` into plain and matching segments for the words of `query`, matching as the
/// search does (NFKC, case and whitespace insensitive), so that what was found is what is marked.
/// The segments are plain text: whoever displays them escapes each.
pub fn highlight(text: &str, query: &str) -> Vec<Segment> {
    let (norm, map) = normalise(text);
    let orig: Vec<char> = text.chars().collect();
    let mut marked = vec![false; orig.len()];
    for term in query.split_whitespace().map(|t| normalise(t).0) {
        if term.is_empty() || term.len() > norm.len() {
            continue;
        }
        for start in 0..=norm.len() - term.len() {
            if norm[start..start + term.len()] == term[..] {
                // Mark every original character between the first and the last matched one, so
                // that spaces the normalisation dropped inside a match are marked too.
                let (from, to) = (map[start], map[start + term.len() - 1]);
                for m in &mut marked[from..=to] {
                    *m = true;
                }
            }
        }
    }
    let mut out: Vec<Segment> = Vec::new();
    for (c, hit) in orig.into_iter().zip(marked) {
        match out.last_mut() {
            Some(last) if last.hit == hit => last.text.push(c),
            _ => out.push(Segment {
                text: c.to_string(),
                hit,
            }),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn render(segments: &[Segment]) -> String {
        segments
            .iter()
            .map(|s| {
                if s.hit {
                    format!("[{}]", s.text)
                } else {
                    s.text.clone()
                }
            })
            .collect()
    }

    #[test]
    fn highlight_marks_every_word_as_the_search_matches_it() {
        assert_eq!(
            render(&highlight("ＵＳＢメモリ等の持ち出し", "usbメモリ 持ち出し")),
            "[ＵＳＢメモリ]等の[持ち出し]"
        );
        assert_eq!(
            render(&highlight("ID 及びパスワード", "id及び")),
            "[ID 及び]パスワード"
        );
        assert_eq!(render(&highlight("abc", "")), "abc");
        assert!(highlight("", "x").is_empty());
    }
}
