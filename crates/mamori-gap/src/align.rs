//! Aligning provisions to catalog clauses.
//!
//! Text is compared as sets of character bigrams of the comparable form
//! ([`crate::text::comparable`]), each bigram weighted by its inverse document frequency over the
//! catalog's clauses (BM25's idf), so that 「情報」「なければ」 weigh little and 「車両」「鍵付」
//! much. For a clause:
//!
//! - **coverage**: the weighted share of its bigrams found in the matching provisions; the
//!   provisions are chosen greedily, best first, then others that add what the first lacks (a
//!   clause split over several provisions, or one provision covering several clauses);
//! - **distinctive coverage**: the same for the bigrams that set the clause apart from its nearest
//!   neighbours in the catalog, so that a provision on 「外部への提供」 does not count as one on
//!   「運搬」 only because both speak of 「機密性２以上の情報資産」;
//! - **elements**: each sentence of the 例文 is checked on its own; a clause whose sentences are
//!   partly found is partial, and the missing sentence is named.
//!
//! The provision is chosen with the headings above it as context: the titles of the clause's
//! chapter and item against the titles of the provision's ancestors.
//!
//! Role names are read from the document's organisation provisions (the slot 「…を ○○ とする」
//! of the guideline's defining clauses) and replaced by the guideline's before the final
//! comparison; classification levels are folded on both sides (「機密性２以上」 = 「重要性分類Ⅱ以上」).

use crate::report::{
    Addition, ClassificationFound, ClauseResult, DocumentInfo, Match, NumberDifference, Report,
    RoleName, Status, Summary, UnmetPoint,
};
use crate::segment::Provision;
use crate::text::{bigrams, comparable, nfkc, shorten};
use mamori_catalog::{Catalog, Clause};
use regex::Regex;
use std::collections::{HashMap, HashSet};

/// Thresholds of the status decision.
#[derive(Debug, Clone, Copy)]
pub struct Thresholds {
    /// Below this combined score a clause is omitted.
    pub omitted_below: f64,
    /// A sentence counts as present from this coverage.
    pub element_present: f64,
    /// At or above this combined score (and every sentence present) a clause is covered.
    pub covered_from: f64,
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds {
            omitted_below: 0.42,
            element_present: 0.5,
            covered_from: 0.6,
        }
    }
}

struct Element {
    text: String,
    bigrams: Vec<u32>,
    weight: f64,
    seq: Vec<Option<u32>>,
}

struct ClauseProfile {
    bigrams: Vec<u32>,
    weight: f64,
    distinct: Vec<u32>,
    distinct_weight: f64,
    elements: Vec<Element>,
    context: Vec<u32>,
    context_weight: f64,
    chars: Vec<char>,
    /// Bigram id at each position of `chars`.
    seq: Vec<Option<u32>>,
}

/// The catalog prepared for alignment; build once, analyse many documents.
pub struct Analyzer<'a> {
    catalog: &'a Catalog,
    vocab: HashMap<(char, char), u32>,
    idf: Vec<f64>,
    max_idf: f64,
    clauses: Vec<ClauseProfile>,
    /// Headings, lead-ins (柱書) and editorial notes of the catalog: a provision that states
    /// one is no local addition. Sorted bigram ids.
    sections: Vec<Vec<u32>>,
    /// (clause index, role name as the clause writes it, text between を and the name).
    role_slots: Vec<(usize, String, String)>,
    /// The clauses that set up a role (「情報セキュリティ責任者の設置」, 「CSIRTの整備」), by the
    /// catalog's titles.
    designations: Vec<(usize, crate::roles::Target)>,
    /// Thresholds in use.
    pub thresholds: Thresholds,
}

impl std::fmt::Debug for Analyzer<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Analyzer")
            .field("clauses", &self.clauses.len())
            .field("bigrams", &self.vocab.len())
            .finish()
    }
}

fn sorted_ids(chars: &[char], vocab: &HashMap<(char, char), u32>) -> Vec<u32> {
    let mut v: Vec<u32> = bigrams(chars)
        .filter_map(|b| vocab.get(&b).copied())
        .collect();
    v.sort_unstable();
    v.dedup();
    v
}

fn weight(ids: &[u32], idf: &[f64]) -> f64 {
    ids.iter().map(|i| idf[*i as usize]).sum()
}

fn contains(sorted: &[u32], id: u32) -> bool {
    sorted.binary_search(&id).is_ok()
}

fn sequence(chars: &[char], vocab: &HashMap<(char, char), u32>) -> Vec<Option<u32>> {
    bigrams(chars).map(|b| vocab.get(&b).copied()).collect()
}

/// The bigrams of a text found in `set` as part of a run of at least three characters (two
/// bigrams in a row), so that bigrams scattered over unrelated provisions do not add up.
fn chained(seq: &[Option<u32>], set: &HashSet<u32>) -> HashSet<u32> {
    let present: Vec<bool> = seq
        .iter()
        .map(|b| b.is_some_and(|id| set.contains(&id)))
        .collect();
    let mut out = HashSet::new();
    for (i, b) in seq.iter().enumerate() {
        let Some(id) = b else { continue };
        if present[i] && ((i > 0 && present[i - 1]) || present.get(i + 1).copied().unwrap_or(false))
        {
            out.insert(*id);
        }
    }
    out
}

/// Weighted share of `of` found in `set`.
fn coverage(of: &[u32], of_weight: f64, set: &HashSet<u32>, idf: &[f64]) -> f64 {
    if of_weight <= 0.0 {
        return 0.0;
    }
    of.iter()
        .filter(|b| set.contains(b))
        .map(|b| idf[*b as usize])
        .sum::<f64>()
        / of_weight
}

/// The text of a clause used for comparison: the 例文 without its heading line's marker.
fn clause_text(c: &Clause) -> String {
    c.model_text.replace("【推奨事項】", "")
}

/// Sentences of a 例文 that carry content (headings and fragments left out).
fn sentences(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for line in text.lines() {
        let line = line.trim();
        if !line.contains('。') && line.chars().count() < 25 {
            continue; // a heading line
        }
        for s in line.split_inclusive('。') {
            let s = s.trim();
            if comparable(s).len() >= 8 {
                out.push(s.to_owned());
            }
        }
    }
    out
}

/// The provisions gathered for a clause from one first match.
struct Gathered {
    /// The clause's score with them.
    score: f64,
    /// (provision, its own coverage of the clause), the first match first.
    chosen: Vec<(usize, f64)>,
    /// Their bigrams.
    set: HashSet<u32>,
}

/// One document prepared for alignment.
struct DocProfile {
    /// Sorted known bigram ids of each provision's own text.
    ids: Vec<Vec<u32>>,
    /// Total weight of each provision (unknown bigrams at the highest idf).
    weight: Vec<f64>,
    /// Context bigrams: titles of the provision and its ancestors.
    context: Vec<Vec<u32>>,
    /// Comparable characters of each provision.
    chars: Vec<Vec<char>>,
}

impl<'a> Analyzer<'a> {
    /// Prepares the catalog.
    pub fn new(catalog: &'a Catalog) -> Self {
        let texts: Vec<Vec<char>> = catalog
            .clauses
            .iter()
            .map(|c| comparable(&clause_text(c)))
            .collect();
        let mut vocab: HashMap<(char, char), u32> = HashMap::new();
        let mut df: Vec<u32> = Vec::new();
        for t in &texts {
            let mut seen: HashSet<(char, char)> = HashSet::new();
            for b in bigrams(t) {
                if seen.insert(b) {
                    let next = vocab.len() as u32;
                    let id = *vocab.entry(b).or_insert(next);
                    if id as usize == df.len() {
                        df.push(0);
                    }
                    df[id as usize] += 1;
                }
            }
        }
        let n = texts.len() as f64;
        let idf: Vec<f64> = df
            .iter()
            .map(|d| {
                let d = f64::from(*d);
                ((n - d + 0.5) / (d + 0.5) + 1.0).ln()
            })
            .collect();
        let max_idf = idf.iter().copied().fold(0.0, f64::max);
        let ids: Vec<Vec<u32>> = texts.iter().map(|t| sorted_ids(t, &vocab)).collect();
        let weights: Vec<f64> = ids.iter().map(|v| weight(v, &idf)).collect();

        let mut clauses = Vec::with_capacity(texts.len());
        for (ci, c) in catalog.clauses.iter().enumerate() {
            // Nearest neighbours: the clauses that contain most of this one.
            let own: HashSet<u32> = ids[ci].iter().copied().collect();
            let mut near: Vec<(f64, usize)> = ids
                .iter()
                .enumerate()
                .filter(|(j, _)| *j != ci)
                .map(|(j, other)| {
                    let common: f64 = other
                        .iter()
                        .filter(|b| own.contains(b))
                        .map(|b| idf[*b as usize])
                        .sum();
                    (common / weights[ci].max(1e-9), j)
                })
                .collect();
            near.sort_by(|a, b| b.0.total_cmp(&a.0));
            let mut shared: HashSet<u32> = HashSet::new();
            for (_, j) in near.iter().take(2) {
                shared.extend(ids[*j].iter().copied());
            }
            let distinct: Vec<u32> = ids[ci]
                .iter()
                .copied()
                .filter(|b| !shared.contains(b))
                .collect();
            let distinct_weight = weight(&distinct, &idf);
            let elements = sentences(&clause_text(c))
                .into_iter()
                .map(|s| {
                    let chars = comparable(&s);
                    let b = sorted_ids(&chars, &vocab);
                    let w = weight(&b, &idf);
                    Element {
                        text: s,
                        bigrams: b,
                        weight: w,
                        seq: sequence(&chars, &vocab),
                    }
                })
                .collect();
            let mut ctx_text = String::new();
            for p in &c.path {
                for t in [&p.title, &p.lead_in].into_iter().flatten() {
                    ctx_text.push_str(t);
                    ctx_text.push('\n');
                }
            }
            ctx_text.push_str(&c.title);
            let context = sorted_ids(&comparable(&ctx_text), &vocab);
            let context_weight = weight(&context, &idf);
            clauses.push(ClauseProfile {
                bigrams: ids[ci].clone(),
                weight: weights[ci],
                distinct,
                distinct_weight,
                elements,
                context,
                context_weight,
                chars: texts[ci].clone(),
                seq: sequence(&texts[ci], &vocab),
            });
        }

        let mut role_slots = Vec::new();
        let names: Vec<String> = {
            let mut v: Vec<String> = catalog.roles.iter().map(|r| nfkc(&r.name)).collect();
            v.push("ciso".to_owned());
            v.sort_by_key(|s| std::cmp::Reverse(s.chars().count()));
            v
        };
        for (ci, c) in catalog.clauses.iter().enumerate() {
            let t = nfkc(&c.model_text);
            for sentence in t.split('。') {
                let Some(o) = sentence.rfind('を') else {
                    continue;
                };
                let after = &sentence[o + 'を'.len_utf8()..];
                let Some(end) = after.find("とする") else {
                    continue;
                };
                let slot = &after[..end];
                if let Some(name) = names.iter().find(|n| slot.ends_with(n.as_str())) {
                    let prefix = slot[..slot.len() - name.len()].to_owned();
                    role_slots.push((ci, name.clone(), prefix));
                }
            }
        }

        let sections = catalog
            .sections
            .iter()
            .filter_map(|sec| {
                let text = format!(
                    "{}\n{}\n{}",
                    sec.title.as_deref().unwrap_or(""),
                    sec.lead_in.as_deref().unwrap_or(""),
                    sec.note.as_deref().unwrap_or("")
                );
                let ids = sorted_ids(&comparable(&text), &vocab);
                (!ids.is_empty()).then_some(ids)
            })
            .collect();
        Analyzer {
            catalog,
            sections,
            vocab,
            idf,
            max_idf,
            clauses,
            role_slots,
            designations: catalog
                .clauses
                .iter()
                .enumerate()
                .filter_map(|(ci, c)| crate::roles::designated_by(&c.title).map(|t| (ci, t)))
                .collect(),
            thresholds: Thresholds::default(),
        }
    }

    /// The catalog in use.
    pub fn catalog(&self) -> &Catalog {
        self.catalog
    }

    fn profile(&self, provisions: &[Provision], texts: &[String]) -> DocProfile {
        let mut ids = Vec::with_capacity(provisions.len());
        let mut weights = Vec::with_capacity(provisions.len());
        let mut chars = Vec::with_capacity(provisions.len());
        for t in texts {
            let c = comparable(t);
            let mut all: Vec<(char, char)> = bigrams(&c).collect();
            all.sort_unstable();
            all.dedup();
            let mut known = Vec::new();
            let mut w = 0.0;
            for b in all {
                match self.vocab.get(&b) {
                    Some(id) => {
                        known.push(*id);
                        w += self.idf[*id as usize];
                    }
                    None => w += self.max_idf,
                }
            }
            known.sort_unstable();
            ids.push(known);
            weights.push(w);
            chars.push(c);
        }
        let mut context = Vec::with_capacity(provisions.len());
        for p in provisions {
            let mut s = String::new();
            let mut cur = Some(p.index);
            let mut hops = 0;
            while let Some(i) = cur {
                if hops > 8 {
                    break;
                }
                let q = &provisions[i];
                s.push_str(&q.title);
                s.push('\n');
                if q.title.is_empty() || i != p.index {
                    // An ancestor's lead-in (「…は、次の事項を措置しなければならない。」) says
                    // whose duty the items below are.
                    s.push_str(&shorten(&q.text, 60));
                    s.push('\n');
                }
                cur = q.parent;
                hops += 1;
            }
            context.push(sorted_ids(&comparable(&s), &self.vocab));
        }
        DocProfile {
            ids,
            weight: weights,
            context,
            chars,
        }
    }

    /// Weighted common bigrams of every clause with every provision (`[clause][provision]`).
    fn common(&self, doc: &DocProfile) -> Vec<Vec<f64>> {
        let mut postings: HashMap<u32, Vec<u32>> = HashMap::new();
        for (pi, ids) in doc.ids.iter().enumerate() {
            for b in ids {
                postings.entry(*b).or_default().push(pi as u32);
            }
        }
        let np = doc.ids.len();
        self.clauses
            .iter()
            .map(|c| {
                let mut acc = vec![0.0; np];
                for b in &c.bigrams {
                    if let Some(list) = postings.get(b) {
                        let w = self.idf[*b as usize];
                        for p in list {
                            acc[*p as usize] += w;
                        }
                    }
                }
                acc
            })
            .collect()
    }

    /// Analyses a document's provisions. `title` names the document in the report.
    pub fn analyze(&self, title: &str, lines: usize, provisions: &[Provision]) -> Report {
        let raw: Vec<String> = provisions.iter().map(Provision::full_text).collect();
        // First pass: find the organisation provisions and read the role names off them.
        let doc0 = self.profile(provisions, &raw);
        let common0 = self.common(&doc0);
        let defined = crate::roles::definitions(&raw);
        let mut roles = crate::roles::pairs(&defined);
        // Where a role's definition did not say it, the sentence the guideline defines it with
        // may still hold the document's name.
        for (d, g) in self.detect_roles(provisions, &raw, &doc0, &common0) {
            if crate::roles::is_name(&d) && !roles.iter().any(|(d2, g2)| *d2 == d || *g2 == g) {
                roles.push((d, g));
            }
        }
        crate::roles::longest_first(&mut roles);
        // Compared in the analyzer's form of the text (NFKC, lower case, no spaces).
        let folded: Vec<(String, String)> = roles
            .iter()
            .map(|(d, g)| (nfkc(d), crate::roles::folded_name(g)))
            .collect();
        let normal: Vec<String> = raw.iter().map(|t| nfkc(t)).collect();
        let texts: Vec<String> = normal
            .iter()
            .map(|t| crate::roles::replace(t, &folded))
            .collect();
        let same = texts == normal;

        let (doc, common) = if same {
            (doc0, common0)
        } else {
            let d = self.profile(provisions, &texts);
            let c = self.common(&d);
            (d, c)
        };

        // How well the best clause of each provision is covered by it.
        let mut owner = vec![(usize::MAX, 0.0f64); provisions.len()];
        for (ci, row) in common.iter().enumerate() {
            let w = self.clauses[ci].weight.max(1e-9);
            for (pi, v) in row.iter().enumerate() {
                if v / w > owner[pi].1 {
                    owner[pi] = (ci, v / w);
                }
            }
        }
        let mut results = Vec::with_capacity(self.clauses.len());
        let mut used: HashSet<usize> = HashSet::new();
        for (ci, c) in self.catalog.clauses.iter().enumerate() {
            let (mut status, mut score, mut chosen, mut missing) =
                self.judge(ci, provisions, &doc, &common, &owner);
            // A role the document sets up is there, however its words differ from the 例文's:
            // its designation sentence is not what is missing.
            if status != Status::Covered
                && let Some(d) = self
                    .designations
                    .iter()
                    .filter(|(dci, _)| *dci == ci)
                    .find_map(|(_, t)| defined.iter().find(|d| d.target == *t))
            {
                let own = (d.at, common[ci][d.at] / self.clauses[ci].weight.max(1e-9));
                if status == Status::Omitted {
                    chosen = vec![own];
                    score = score.max(self.thresholds.omitted_below);
                } else if chosen.iter().all(|(pi, _)| *pi != d.at) {
                    chosen.push(own);
                }
                let at: Vec<usize> = chosen.iter().map(|(pi, _)| *pi).collect();
                (status, missing) = self.set_up_role(ci, &at, &doc);
            }
            let matches: Vec<Match> = chosen
                .iter()
                .map(|(pi, s)| {
                    let p = &provisions[*pi];
                    Match {
                        provision: p.path.clone(),
                        line: p.line,
                        score: round2(*s),
                        text: raw[*pi].clone(),
                    }
                })
                .collect();
            if status != Status::Omitted {
                used.extend(chosen.iter().map(|(pi, _)| *pi));
            }
            let differences = if status == Status::Omitted {
                Vec::new()
            } else {
                number_differences(&c.model_text, &chosen, provisions, &raw)
            };
            results.push(ClauseResult {
                id: c.id.as_str().to_owned(),
                status,
                score: round2(score),
                recommended: c.recommended,
                matches: if status == Status::Omitted {
                    Vec::new()
                } else {
                    matches
                },
                missing,
                title: c.title.clone(),
                model_text: c.model_text.clone(),
                differences,
            });
        }

        let additions = self.additions(provisions, &raw, &doc, &common, &used);
        let revision_points_unmet = self.revisions(&results, &texts);
        let mut summary = Summary::default();
        for r in &results {
            match r.status {
                Status::Covered => summary.covered += 1,
                Status::Partial => summary.partial += 1,
                Status::Omitted => {
                    summary.omitted += 1;
                    if r.recommended {
                        summary.omitted_recommended += 1;
                    }
                }
            }
        }
        summary.additions = additions.len();
        Report {
            baseline: self.catalog.edition.id.clone(),
            document: DocumentInfo {
                title: title.to_owned(),
                provisions: provisions.len(),
                lines,
            },
            clauses: results,
            additions,
            revision_points_unmet,
            summary,
            roles: roles
                .into_iter()
                .map(|(doc, guide)| RoleName {
                    guideline: guide,
                    document: doc,
                })
                .collect(),
            classification: classification(&raw),
        }
    }

    /// A clause that sets up a role the document sets up: covered when its other sentences are
    /// in the provisions `at` too, else partial naming them.
    fn set_up_role(&self, ci: usize, at: &[usize], doc: &DocProfile) -> (Status, Option<String>) {
        let set: HashSet<u32> = at
            .iter()
            .flat_map(|pi| doc.ids[*pi].iter().copied())
            .collect();
        // The first sentence is the designation itself.
        let missing = self.absent(self.clauses[ci].elements.iter().skip(1), &set);
        if missing.is_empty() {
            (Status::Covered, None)
        } else {
            (Status::Partial, Some(not_found(&missing)))
        }
    }

    /// The sentences of a clause the bigrams `set` do not hold.
    fn absent<'e>(
        &self,
        elements: impl Iterator<Item = &'e Element>,
        set: &HashSet<u32>,
    ) -> Vec<&'e Element> {
        elements
            .filter(|e| {
                let f = chained(&e.seq, set);
                coverage(&e.bigrams, e.weight, &f, &self.idf) < self.thresholds.element_present
            })
            .collect()
    }

    /// Chooses the matching provisions of one clause and decides its status.
    fn judge(
        &self,
        ci: usize,
        provisions: &[Provision],
        doc: &DocProfile,
        all: &[Vec<f64>],
        owner: &[(usize, f64)],
    ) -> (Status, f64, Vec<(usize, f64)>, Option<String>) {
        let prof = &self.clauses[ci];
        let common = &all[ci];
        let w = prof.weight.max(1e-9);
        // Candidates by coverage, with the heading context as a tie-breaker.
        // A heading over items is context, not substance: it is not a first match.
        let mut heading = vec![false; provisions.len()];
        for p in provisions {
            if let Some(parent) = p.parent
                && provisions[parent].text.is_empty()
                && provisions[parent].title.chars().count() <= 20
            {
                heading[parent] = true;
            }
        }
        let mut cands: Vec<(f64, f64, usize)> = common
            .iter()
            .enumerate()
            .filter(|(pi, v)| **v / w >= 0.1 && !heading[*pi])
            .map(|(pi, v)| {
                let cov = v / w;
                let ctx = self.context_score(ci, pi, doc);
                // Precision: how much of the provision this clause explains.
                let prec = v / doc.weight[pi].max(1e-9);
                (cov + 0.12 * ctx + 0.08 * prec.min(1.0), cov, pi)
            })
            .collect();
        cands.sort_by(|a, b| b.0.total_cmp(&a.0));
        cands.truncate(10);
        if cands.is_empty() {
            return (Status::Omitted, 0.0, Vec::new(), None);
        }
        // Each of the best few candidates is tried as the first provision (a clause split in
        // two may have each half below another clause's provision); the best outcome counts.
        let mut outcome: Option<Gathered> = None;
        for &(_, best_cov, best) in cands.iter().take(4) {
            let g = self.gather(ci, best, best_cov, provisions, doc, all, owner);
            if outcome.as_ref().is_none_or(|o| g.score > o.score + 1e-9) {
                outcome = Some(g);
            }
        }
        let Some(Gathered { score, chosen, set }) = outcome else {
            return (Status::Omitted, 0.0, Vec::new(), None);
        };
        let t = self.thresholds;
        if score < t.omitted_below {
            return (Status::Omitted, score, chosen, None);
        }
        let missing_elements = self.absent(prof.elements.iter(), &set);
        if missing_elements.is_empty() && score >= t.covered_from {
            return (Status::Covered, score, chosen, None);
        }
        // Not one sentence of the 例文 is there: what matched are shared words, not the clause.
        if !prof.elements.is_empty() && missing_elements.len() == prof.elements.len() {
            return (Status::Omitted, score, chosen, None);
        }
        let missing = if missing_elements.is_empty() {
            format!(
                "{}に当たる記述が見当たりません",
                missing_run(
                    &prof.chars,
                    &set,
                    &self.vocab,
                    &self.catalog.clauses[ci].model_text,
                )
            )
        } else {
            not_found(&missing_elements)
        };
        (Status::Partial, score, chosen, Some(missing))
    }

    /// The provisions that go with `best` for clause `ci`, and the clause's score with them.
    #[allow(clippy::too_many_arguments)]
    fn gather(
        &self,
        ci: usize,
        best: usize,
        best_cov: f64,
        provisions: &[Provision],
        doc: &DocProfile,
        all: &[Vec<f64>],
        owner: &[(usize, f64)],
    ) -> Gathered {
        let prof = &self.clauses[ci];
        let common = &all[ci];
        let w = prof.weight.max(1e-9);
        let mut chosen = vec![(best, best_cov)];
        let mut set: HashSet<u32> = doc.ids[best].iter().copied().collect();
        // Other provisions add to the first when they are near it (its siblings, its items,
        // the next few) and are not some other clause's: a clause split over neighbouring
        // provisions, or a list the document writes as items. A fragment that this clause
        // explains almost entirely counts even when another clause contains it too.
        let is_descendant = |mut a: usize| {
            let mut hops = 0;
            while let Some(p) = provisions[a].parent {
                if p == best {
                    return true;
                }
                a = p;
                hops += 1;
                if hops > 8 {
                    break;
                }
            }
            false
        };
        let from = best.saturating_sub(3);
        let to = (best + 16).min(provisions.len());
        let mut extra: Vec<(f64, usize)> = (from..to)
            .filter(|&pi| pi != best)
            .filter(|&pi| {
                provisions[pi].parent == provisions[best].parent
                    || pi.abs_diff(best) <= 3
                    || is_descendant(pi)
            })
            .map(|pi| (common[pi] / w, pi))
            .filter(|(cov, _)| *cov > 0.0)
            .collect();
        extra.sort_by(|a, b| b.0.total_cmp(&a.0));
        for (cov, pi) in extra {
            let (oc, ocov) = owner[pi];
            let precision = common[pi] / doc.weight[pi].max(1e-9);
            // Items of the same list as the first need less to be taken as this clause's.
            let sibling =
                provisions[pi].parent == provisions[best].parent && provisions[pi].parent.is_some();
            let enough = if sibling { 0.5 } else { 0.75 };
            if chosen.len() >= 10 || (oc != ci && ocov - cov > 0.05 && precision < enough) {
                continue;
            }
            let gain: f64 = doc.ids[pi]
                .iter()
                .filter(|b| !set.contains(b) && contains(&prof.bigrams, **b))
                .map(|b| self.idf[*b as usize])
                .sum::<f64>()
                / w;
            if gain >= 0.08 || (gain >= 0.03 && precision >= 0.5) {
                set.extend(doc.ids[pi].iter().copied());
                chosen.push((pi, cov));
            }
        }
        let found = chained(&prof.seq, &set);
        let covered = coverage(&prof.bigrams, w, &found, &self.idf);
        // When the provision is another clause's rather than this one's (that clause is covered
        // by it clearly better), only what sets this clause apart from its neighbours counts.
        // When the texts are near the same (the same duty for two roles), the headings above
        // decide whose it is, and a clause without words of its own has no claim on it.
        let (oc, ocov) = owner[best];
        let by_text = oc != ci && ocov - best_cov > 0.05;
        let by_context = {
            let own_ctx = self.context_score(ci, best, doc);
            all.iter().enumerate().any(|(cj, row)| {
                cj != ci
                    && row[best] / self.clauses[cj].weight.max(1e-9) >= best_cov - 0.05
                    && self.context_score(cj, best, doc) > own_ctx + 0.05
            })
        };
        let has_distinct = prof.distinct_weight >= 0.05 * prof.weight;
        let distinct_cov = || coverage(&prof.distinct, prof.distinct_weight, &found, &self.idf);
        let score = if (by_text || by_context) && has_distinct {
            0.5 * covered + 0.5 * distinct_cov()
        } else if by_context {
            0.0
        } else if by_text {
            // Nothing sets the clause apart from the clause whose provision this is: its words
            // alone are no evidence.
            0.5 * covered
        } else {
            covered
        }
        .min(1.0);
        Gathered { score, chosen, set }
    }

    /// How well the headings above a provision match those of a clause.
    fn context_score(&self, cj: usize, pi: usize, doc: &DocProfile) -> f64 {
        let q = &self.clauses[cj];
        if q.context_weight > 0.0 {
            doc.context[pi]
                .iter()
                .filter(|b| contains(&q.context, **b))
                .map(|b| self.idf[*b as usize])
                .sum::<f64>()
                / q.context_weight
        } else {
            0.0
        }
    }

    /// Role names from the organisation provisions: for each defining clause of the guideline
    /// (「…を情報セキュリティ管理者とする」), the best matching provision's 「…を ○○ とする」.
    /// Returns (document name, guideline name) pairs, the most voted first.
    fn detect_roles(
        &self,
        provisions: &[Provision],
        texts: &[String],
        doc: &DocProfile,
        common: &[Vec<f64>],
    ) -> Vec<(String, String)> {
        let _ = provisions;
        let mut votes: HashMap<(String, String), u32> = HashMap::new();
        for (ci, name, prefix) in &self.role_slots {
            let w = self.clauses[*ci].weight.max(1e-9);
            let Some((pi, v)) = common[*ci]
                .iter()
                .enumerate()
                .max_by(|a, b| a.1.total_cmp(b.1))
            else {
                continue;
            };
            if v / w < 0.3 {
                continue;
            }
            let t = nfkc(&texts[pi]);
            let _ = &doc.ids;
            for sentence in t.split('。') {
                let Some(o) = sentence.rfind('を') else {
                    continue;
                };
                let after = &sentence[o + 'を'.len_utf8()..];
                let Some(end) = after.find("とする").or_else(|| after.find("とし")) else {
                    continue;
                };
                let mut slot = after[..end].to_owned();
                if let Some(rest) = slot.strip_prefix(prefix.as_str()) {
                    slot = rest.to_owned();
                }
                // Drop a parenthesised abbreviation: 最高情報統括責任者(ciso).
                if let Some(open) = slot.find('(') {
                    slot.truncate(open);
                }
                let n = slot.chars().count();
                if (2..=20).contains(&n) && slot != *name && !slot.contains(name.as_str()) {
                    *votes.entry((slot, name.clone())).or_default() += 1;
                }
            }
        }
        let mut out: Vec<(String, String)> = Vec::new();
        let mut pairs: Vec<((String, String), u32)> = votes.into_iter().collect();
        pairs.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        for ((doc_name, guide), _) in pairs {
            if out.iter().any(|(d, g)| *d == doc_name || *g == guide) {
                continue;
            }
            out.push((doc_name, guide));
        }
        out
    }

    fn additions(
        &self,
        provisions: &[Provision],
        raw: &[String],
        doc: &DocProfile,
        common: &[Vec<f64>],
        used: &HashSet<usize>,
    ) -> Vec<Addition> {
        let mut has_children = vec![false; provisions.len()];
        for p in provisions {
            if let Some(parent) = p.parent {
                has_children[parent] = true;
            }
        }
        let mut out = Vec::new();
        for (pi, p) in provisions.iter().enumerate() {
            if used.contains(&pi) || doc.chars[pi].len() < 5 {
                continue;
            }
            if has_children[pi] && p.text.is_empty() {
                continue; // a heading
            }
            let w = doc.weight[pi].max(1e-9);
            // A counterpart states most of the provision and is not a mere word of it: a short
            // provision is contained in many clauses without being any of them.
            let best = common
                .iter()
                .enumerate()
                .filter(|(ci, row)| {
                    row[pi] / self.clauses[*ci].weight.max(1e-9) >= 0.15 || row[pi] >= 25.0
                })
                .map(|(_, row)| row[pi] / w)
                .fold(0.0, f64::max);
            let heading = self
                .sections
                .iter()
                .map(|sec| {
                    doc.ids[pi]
                        .iter()
                        .filter(|b| contains(sec, **b))
                        .map(|b| self.idf[*b as usize])
                        .sum::<f64>()
                        / w
                })
                .fold(0.0, f64::max);
            if best.max(heading) < 0.45 {
                out.push(Addition {
                    provision: p.path.clone(),
                    line: p.line,
                    text: raw[pi].clone(),
                });
            }
        }
        out
    }

    fn revisions(&self, results: &[ClauseResult], texts: &[String]) -> Vec<UnmetPoint> {
        let mut doc_bigrams: HashSet<(char, char)> = HashSet::new();
        for t in texts {
            doc_bigrams.extend(bigrams(&comparable(t)));
        }
        let status: HashMap<&str, Status> =
            results.iter().map(|r| (r.id.as_str(), r.status)).collect();
        let mut out = Vec::new();
        for set in &self.catalog.revisions {
            for point in &set.points {
                let clauses: Vec<String> = point
                    .affected
                    .iter()
                    .map(|c| c.as_str().to_owned())
                    .collect();
                let all_omitted = clauses
                    .iter()
                    .all(|c| status.get(c.as_str()) == Some(&Status::Omitted));
                let reason = if all_omitted {
                    Some("対象の条項が文書にありません".to_owned())
                } else {
                    // The 例文 wording the revision adds must be there; otherwise the words
                    // the revision brings that this edition's 例文 never used (「Emotet」,
                    // 「ライフサイクル」, 「従事者名簿」): those of its title, or a good share
                    // of those of its summary.
                    let mut added = String::new();
                    for a in &point.amendments {
                        if a.target == mamori_catalog::AmendedText::ModelText {
                            added.push_str(
                                a.new_text
                                    .strip_prefix(a.replaces.as_str())
                                    .unwrap_or(&a.new_text),
                            );
                            added.push('\n');
                        }
                    }
                    let new_words = |text: &str| {
                        let chars = comparable(text);
                        let mut v: Vec<(char, char)> = bigrams(&chars)
                            .filter(|b| !self.vocab.contains_key(b))
                            .collect();
                        v.sort_unstable();
                        v.dedup();
                        v
                    };
                    let share = |words: &[(char, char)]| {
                        words.iter().filter(|b| doc_bigrams.contains(b)).count() as f64
                            / words.len().max(1) as f64
                    };
                    let title_words = new_words(&point.title);
                    let summary_words = new_words(&point.summary);
                    let by_title = title_words.len() >= 2 && share(&title_words) >= 0.6;
                    let by_summary = summary_words.len() >= 4 && share(&summary_words) >= 0.35;
                    let added_chars = comparable(&added);
                    let added_ok = added_chars.len() < 2 || {
                        let all: Vec<(char, char)> = bigrams(&added_chars).collect();
                        all.iter().filter(|b| doc_bigrams.contains(b)).count() as f64
                            / all.len() as f64
                            >= 0.6
                    };
                    if added_ok && (by_title || by_summary) {
                        None
                    } else {
                        Some("改定で加わった事項に当たる記述が見当たりません".to_owned())
                    }
                };
                if let Some(reason) = reason {
                    out.push(UnmetPoint {
                        revision: set.id.clone(),
                        clause: clauses.first().cloned().unwrap_or_default(),
                        point: point.title.clone(),
                        point_id: point.id.clone(),
                        clauses,
                        reason,
                    });
                }
            }
        }
        out
    }
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// The longest run of the clause's characters whose bigrams the matches lack, in the words of
/// the 例文 when they can be found again.
fn missing_run(
    chars: &[char],
    set: &HashSet<u32>,
    vocab: &HashMap<(char, char), u32>,
    model_text: &str,
) -> String {
    let present: Vec<bool> = chars
        .windows(2)
        .map(|w| vocab.get(&(w[0], w[1])).is_some_and(|id| set.contains(id)))
        .collect();
    // A character is found when a bigram it is part of is found.
    let found: Vec<bool> = (0..chars.len())
        .map(|j| (j > 0 && present[j - 1]) || present.get(j).copied().unwrap_or(false))
        .collect();
    let (mut best, mut best_len) = (0, 0);
    let mut i = 0;
    while i < found.len() {
        if found[i] {
            i += 1;
            continue;
        }
        let start = i;
        while i < found.len() && !found[i] {
            i += 1;
        }
        if i - start > best_len {
            best = start;
            best_len = i - start;
        }
    }
    if best_len < 2 {
        return "一部の要素".to_owned();
    }
    let run = &chars[best..best + best_len];
    let s = crate::text::original_span(model_text, run).unwrap_or_else(|| run.iter().collect());
    format!("「{}」", shorten(&s, 60))
}

/// 「「…」、「…」に当たる記述が見当たりません」: the sentences of a clause not found.
fn not_found(missing: &[&Element]) -> String {
    let named = missing
        .iter()
        .map(|e| format!("「{}」", shorten(&e.text, 60)))
        .collect::<Vec<_>>()
        .join("、");
    format!("{named}に当たる記述が見当たりません")
}

fn number_re() -> Option<&'static Regex> {
    static RE: std::sync::OnceLock<Option<Regex>> = std::sync::OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(r"([0-9]+)(年間|年|か月|ヶ月|カ月|箇月|月|週間|日|時間|分|回|文字|桁|世代)").ok()
    })
    .as_ref()
}

fn numbers(text: &str) -> Vec<(String, String)> {
    let Some(re) = number_re() else {
        return Vec::new();
    };
    let t = nfkc(text);
    re.captures_iter(&t)
        .filter_map(|c| {
            let n = c.get(1)?.as_str().to_owned();
            let unit = match c.get(2)?.as_str() {
                "ヶ月" | "カ月" | "箇月" => "か月",
                "年間" => "年",
                u => u,
            };
            // 「第3章」-like ordinals and dates are not periods.
            Some((n, unit.to_owned()))
        })
        .collect()
}

fn number_differences(
    model_text: &str,
    chosen: &[(usize, f64)],
    provisions: &[Provision],
    raw: &[String],
) -> Vec<NumberDifference> {
    let guide = numbers(model_text);
    if guide.is_empty() {
        return Vec::new();
    }
    let mut out = Vec::new();
    for (pi, _) in chosen {
        let doc = numbers(&raw[*pi]);
        for (gn, gu) in &guide {
            let same_unit: Vec<&(String, String)> = doc.iter().filter(|(_, u)| u == gu).collect();
            if same_unit.is_empty() || same_unit.iter().any(|(n, _)| n == gn) {
                continue;
            }
            if let Some((dn, du)) = same_unit.first() {
                out.push(NumberDifference {
                    unit: gu.clone(),
                    guideline: format!("{gn}{gu}"),
                    document: format!("{dn}{du}"),
                    provision: provisions[*pi].path.clone(),
                });
            }
        }
    }
    out.dedup();
    out
}

fn classification(texts: &[String]) -> ClassificationFound {
    let all = nfkc(&texts.join("\n"));
    let cia = [
        "機密性1",
        "機密性2",
        "機密性3",
        "完全性1",
        "完全性2",
        "可用性1",
        "可用性2",
    ]
    .iter()
    .map(|k| all.matches(k).count())
    .sum::<usize>();
    let single = ["重要性分類", "重要度", "重要性i", "重要性v"]
        .iter()
        .map(|k| all.matches(k).count())
        .sum::<usize>();
    if single > cia && single > 0 {
        ClassificationFound {
            scheme: "single_axis".to_owned(),
            label: "単一軸（重要性分類など）: 機密性・完全性・可用性の段階と読み替えて比較しました"
                .to_owned(),
        }
    } else if cia > 0 {
        ClassificationFound {
            scheme: "cia".to_owned(),
            label: "機密性・完全性・可用性の3軸".to_owned(),
        }
    } else {
        ClassificationFound {
            scheme: "none".to_owned(),
            label: "分類の段階の記載なし".to_owned(),
        }
    }
}
