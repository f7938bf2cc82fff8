//! Attaching the 第3編 解説 (seed lines 3801–11633) to the headings and clauses it explains.
//!
//! The 解説 is written per *unit*: each 基本方針 chapter (B-1 … B-10) and each 対策基準 chapter
//! without sections (S-1, S-2, S-3) or section (S-4.1 … S-9.3). A unit prints 【趣旨】 (対策基準
//! only), the 【例文】 again, then (解説) with numbered notes （注n）. Inside (解説) the text is
//! usually divided by the same （n） headings as the 例文.
//!
//! Where the commentary goes (so that it is stored once, on the thing it explains):
//! - 【趣旨】 and the (解説) text before the first （n） heading go on the unit: its [`Section`]
//!   record, or the clause itself when the unit is a leaf (B-1, B-5, B-7–B-10, S-7.5, S-9.3);
//! - each （n） part of (解説) goes on the item it explains: the [`Section`] record of `U.(n)` when
//!   that item has sub-items, or the leaf clause `U.(n)` when it is a leaf;
//! - the general introduction of 第3編 第1章 goes on the part record `B`.
//!
//! [`crate::model::Catalog::commentary_for`] collects everything that applies to one clause.

use crate::build::BuildError;
use crate::model::{Clause, Commentary, Footnote, Section, SectionLevel};
use crate::text::{self, LineMarker, squash};
use unicode_normalization::UnicodeNormalization;

/// 対策基準 units in the order their 【趣旨】 appear.
const S_UNITS: &[&str] = &[
    "S-1", "S-2", "S-3", "S-4.1", "S-4.2", "S-4.3", "S-4.4", "S-5.1", "S-5.2", "S-5.3", "S-5.4",
    "S-6.1", "S-6.2", "S-6.3", "S-6.4", "S-6.5", "S-6.6", "S-7.1", "S-7.2", "S-7.3", "S-7.4",
    "S-7.5", "S-7.6", "S-8.1", "S-8.2", "S-8.3", "S-9.1", "S-9.2", "S-9.3",
];
const B_UNITS: usize = 10;

#[derive(Clone, Copy)]
enum Target {
    Section(usize),
    Clause(usize),
}

fn find_line(lines: &[&str], from: usize, to: usize, want: &str) -> Option<u32> {
    (from..to.min(lines.len()))
        .find(|&i| squash(lines[i]) == want)
        .map(|i| i as u32 + 1)
}

fn is_notes_marker(line: &str) -> bool {
    matches!(squash(line).as_str(), "(解説)" | "（解説）")
}

/// Last non-blank, non-footer line before `line`.
fn previous_significant(lines: &[&str], line: u32) -> Option<u32> {
    (1..line).rev().find(|&n| {
        let t = lines[n as usize - 1].trim();
        !t.is_empty() && !text::is_page_footer(t)
    })
}

/// "5.4. ID 及びパスワード等の管理" → "ID及びパスワード等の管理".
fn strip_numbering(s: &str) -> String {
    let t = s.trim_start_matches(|c: char| {
        c.is_ascii_digit()
            || ('０'..='９').contains(&c)
            || c == '.'
            || c == '．'
            || c.is_whitespace()
    });
    // Headings are printed with full- or half-width brackets in different places.
    squash(&t.nfkc().collect::<String>())
}

fn unit_title(id: &str, sections: &[Section], clauses: &[Clause]) -> Option<String> {
    if let Some(s) = sections.iter().find(|s| s.id == id) {
        return s.title.clone();
    }
    clauses
        .iter()
        .find(|c| c.id.as_str() == id)
        .and_then(|c| c.model_text.split('\n').next().map(str::to_owned))
}

/// Attaches the 解説 to `sections` and `clauses`.
pub fn attach(
    lines: &[&str],
    sections: &mut [Section],
    clauses: &mut [Clause],
) -> Result<(), BuildError> {
    let seed_err = |line: u32, reason: &str| BuildError::Seed {
        line,
        reason: reason.to_owned(),
    };
    let b_start = find_line(
        lines,
        3000,
        lines.len(),
        "第1章情報セキュリティ基本方針（解説）",
    )
    .ok_or_else(|| seed_err(3801, "第3編 第1章 title not found"))?;
    let s_start = find_line(
        lines,
        b_start as usize,
        lines.len(),
        "第2章情報セキュリティ対策基準（解説）",
    )
    .ok_or_else(|| seed_err(4381, "第3編 第2章 title not found"))?;
    let declaration = find_line(lines, b_start as usize, s_start as usize, "宣言書の形式")
        .ok_or_else(|| seed_err(4301, "宣言書の形式 heading not found"))?;
    let s_end = find_line(lines, s_start as usize, lines.len(), "用語の定義")
        .ok_or_else(|| seed_err(11634, "用語の定義 title not found"))?
        - 1;

    // 基本方針 units.
    let examples: Vec<u32> = (b_start..declaration)
        .filter(|&n| squash(lines[n as usize - 1]) == "【例文】")
        .collect();
    if examples.len() != B_UNITS {
        return Err(seed_err(
            b_start,
            &format!(
                "expected {B_UNITS} 【例文】 in 第3編 第1章, found {}",
                examples.len()
            ),
        ));
    }
    let first_heading = previous_significant(lines, examples[0]).unwrap_or(b_start);
    let intro = text::significant(lines, b_start + 1, first_heading - 1);
    if !intro.is_empty() {
        let c = split_notes(&intro, b_start, first_heading - 1);
        let sec = sections
            .iter_mut()
            .find(|s| s.id == "B")
            .ok_or_else(|| seed_err(b_start, "part B missing"))?;
        sec.commentary = Some(c);
    }
    for (i, &ex) in examples.iter().enumerate() {
        let unit = format!("B-{}", i + 1);
        let heading = previous_significant(lines, ex).unwrap_or(ex);
        check_title(lines, heading, &unit, sections, clauses)?;
        let bound = examples.get(i + 1).copied().unwrap_or(declaration);
        let end = match examples.get(i + 1) {
            Some(&next) => previous_significant(lines, next).unwrap_or(next) - 1,
            None => declaration - 1,
        };
        let notes = (ex..bound)
            .find(|&n| is_notes_marker(lines[n as usize - 1]))
            .ok_or_else(|| seed_err(ex, &format!("no (解説) for {unit}")))?;
        attach_unit(lines, sections, clauses, &unit, None, notes, end)?;
    }

    // 対策基準 units.
    let purposes: Vec<u32> = (s_start..=s_end)
        .filter(|&n| squash(lines[n as usize - 1]) == "【趣旨】")
        .collect();
    if purposes.len() != S_UNITS.len() {
        return Err(seed_err(
            s_start,
            &format!(
                "expected {} 【趣旨】, found {}",
                S_UNITS.len(),
                purposes.len()
            ),
        ));
    }
    for (i, (&p, unit)) in purposes.iter().zip(S_UNITS).enumerate() {
        let heading = previous_significant(lines, p).unwrap_or(p);
        check_title(lines, heading, unit, sections, clauses)?;
        let next = purposes.get(i + 1).copied();
        let bound = next.unwrap_or(s_end + 1);
        let example = (p..bound)
            .find(|&n| squash(lines[n as usize - 1]) == "【例文】")
            .ok_or_else(|| seed_err(p, &format!("no 【例文】 for {unit}")))?;
        let purpose = text::join(
            &text::significant(lines, p + 1, example - 1)
                .into_iter()
                .map(|(_, t)| t)
                .collect::<Vec<_>>(),
        );
        let end = match (next, S_UNITS.get(i + 1)) {
            (Some(np), Some(next_unit)) => {
                end_before_titles(lines, np, next_unit, sections, clauses)
            }
            _ => s_end,
        };
        let notes = (example..bound).find(|&n| is_notes_marker(lines[n as usize - 1]));
        match notes {
            Some(n) => attach_unit(lines, sections, clauses, unit, Some((p, purpose)), n, end)?,
            None => {
                let c = Commentary {
                    purpose: Some(purpose),
                    notes: None,
                    footnotes: Vec::new(),
                    seed_lines: (p, end),
                };
                set_unit(sections, clauses, unit, c)?;
            }
        }
    }
    Ok(())
}

/// Checks that the heading printed before a unit's 【趣旨】/【例文】 is the unit's title.
fn check_title(
    lines: &[&str],
    heading: u32,
    unit: &str,
    sections: &[Section],
    clauses: &[Clause],
) -> Result<(), BuildError> {
    let want = unit_title(unit, sections, clauses).map(|t| strip_numbering(&t));
    let got = strip_numbering(lines[heading as usize - 1]);
    if want.as_deref() != Some(got.as_str()) {
        return Err(BuildError::Seed {
            line: heading,
            reason: format!("expected the 解説 heading of {unit} ({want:?}), found {got:?}"),
        });
    }
    Ok(())
}

/// The last line of a unit's (解説): the line before the chapter/section titles that precede the
/// next unit's 【趣旨】.
fn end_before_titles(
    lines: &[&str],
    next_purpose: u32,
    next_unit: &str,
    sections: &[Section],
    clauses: &[Clause],
) -> u32 {
    let mut titles: Vec<String> = Vec::new();
    if let Some(t) = unit_title(next_unit, sections, clauses) {
        titles.push(strip_numbering(&t));
    }
    if let Some((chapter, _)) = next_unit.split_once('.')
        && let Some(t) = unit_title(chapter, sections, clauses)
    {
        titles.push(strip_numbering(&t));
    }
    let mut end = next_purpose - 1;
    while let Some(prev) = previous_significant(lines, end + 1) {
        if titles.contains(&strip_numbering(lines[prev as usize - 1])) {
            end = prev - 1;
        } else {
            break;
        }
    }
    end
}

fn set_unit(
    sections: &mut [Section],
    clauses: &mut [Clause],
    unit: &str,
    c: Commentary,
) -> Result<(), BuildError> {
    if let Some(s) = sections.iter_mut().find(|s| s.id == unit) {
        s.commentary = Some(c);
        return Ok(());
    }
    if let Some(cl) = clauses.iter_mut().find(|cl| cl.id.as_str() == unit) {
        cl.commentary = Some(c);
        return Ok(());
    }
    Err(BuildError::Clause {
        id: unit.to_owned(),
        reason: "解説 unit is neither a heading nor a clause".to_owned(),
    })
}

/// A part of a unit's (解説): the expected （n） it explains (None for the text before the first
/// heading), its first line and its lines.
type Piece = (Option<usize>, u32, Vec<(u32, String)>);

struct Expected {
    n: u32,
    title: String,
    target: Target,
}

/// Splits one unit's (解説) (lines `notes+1 ..= end`) by its （n） headings and stores the parts.
fn attach_unit(
    lines: &[&str],
    sections: &mut [Section],
    clauses: &mut [Clause],
    unit: &str,
    purpose: Option<(u32, String)>,
    notes: u32,
    end: u32,
) -> Result<(), BuildError> {
    let prefix = format!("{unit}.(");
    let mut expected: Vec<Expected> = Vec::new();
    for (i, s) in sections.iter().enumerate() {
        if s.level == SectionLevel::Item
            && let Some(n) = paren_number(&s.id, &prefix)
            && let Some(t) = &s.title
        {
            expected.push(Expected {
                n,
                title: t.clone(),
                target: Target::Section(i),
            });
        }
    }
    for (i, c) in clauses.iter().enumerate() {
        if let Some(n) = paren_number(c.id.as_str(), &prefix)
            && !expected.iter().any(|e| e.n == n)
        {
            let first = c.model_text.split('\n').next().unwrap_or("");
            let title = text::split_marker(first).map_or(first, |(_, r)| r);
            expected.push(Expected {
                n,
                title: title.to_owned(),
                target: Target::Clause(i),
            });
        }
    }
    expected.sort_by_key(|e| e.n);

    let body = text::significant(lines, notes + 1, end);
    // pieces[0] is the text before the first （n） heading.
    let mut pieces: Vec<Piece> = vec![(None, notes, Vec::new())];
    let mut next_min = 0;
    let mut pending: Option<String> = None;
    for (no, line) in body {
        if let Some(rem) = pending.take() {
            let sq = squash(&line);
            if !sq.is_empty() && rem.starts_with(&sq) {
                let left = rem[sq.len()..].to_owned();
                if !left.is_empty() {
                    pending = Some(left);
                }
                continue;
            }
        }
        if let Some((LineMarker::Paren(n), rest)) = text::split_marker(&line) {
            // The 解説 sometimes words a heading differently from the 例文 (研修計画の「立案」及び
            // 実施 / 「策定」及び実施): the next expected number accepts a similar title, any later
            // number needs the same title.
            let found = expected[next_min..].iter().enumerate().position(|(k, e)| {
                e.n == n && (title_match(rest, &e.title) || (k == 0 && similar(rest, &e.title)))
            });
            if let Some(k) = found {
                let idx = next_min + k;
                next_min = idx + 1;
                let (a, b) = (squash(rest), squash(&expected[idx].title));
                if b.len() > a.len() && b.starts_with(&a) {
                    pending = Some(b[a.len()..].to_owned());
                }
                pieces.push((Some(idx), no, Vec::new()));
                continue;
            }
        }
        if let Some(last) = pieces.last_mut() {
            last.2.push((no, line));
        }
    }

    for (which, start, body) in pieces {
        let last = body.last().map_or(start, |(n, _)| *n);
        match which {
            None => {
                let (purpose_text, first) = match &purpose {
                    Some((p, t)) => (Some(t.clone()), *p),
                    None => (None, notes),
                };
                let mut c = split_notes(&body, first, last.max(notes));
                c.purpose = purpose_text;
                set_unit(sections, clauses, unit, c)?;
            }
            Some(idx) => {
                if body.is_empty() {
                    continue;
                }
                let c = split_notes(&body, start, last);
                match expected[idx].target {
                    Target::Section(i) => sections[i].commentary = Some(c),
                    Target::Clause(i) => clauses[i].commentary = Some(c),
                }
            }
        }
    }
    Ok(())
}

fn paren_number(id: &str, prefix: &str) -> Option<u32> {
    let rest = id.strip_prefix(prefix)?;
    let rest = rest.strip_suffix("柱書").unwrap_or(rest);
    let num = rest.strip_suffix(')')?;
    num.parse().ok()
}

fn title_match(rest: &str, title: &str) -> bool {
    let (a, b) = (squash(rest), squash(title));
    !a.is_empty() && (b.starts_with(&a) || a.starts_with(&b))
}

/// Dice coefficient of the character bigrams of two headings, at least 0.5.
fn similar(a: &str, b: &str) -> bool {
    let bigrams = |s: &str| -> Vec<(char, char)> {
        let c: Vec<char> = squash(s).chars().collect();
        c.windows(2).map(|w| (w[0], w[1])).collect()
    };
    let (x, y) = (bigrams(a), bigrams(b));
    if x.is_empty() || y.is_empty() {
        return false;
    }
    let common = x.iter().filter(|g| y.contains(g)).count();
    common * 2 >= (x.len() + y.len()) / 2
}

/// Splits (解説) lines into the running notes and the （注n） footnotes. A footnote runs until the
/// next footnote or the end of the piece (the indentation that would tell a footnote's end from
/// resumed body text is lost in the extraction).
fn split_notes(body: &[(u32, String)], first: u32, last: u32) -> Commentary {
    let mut notes: Vec<String> = Vec::new();
    let mut footnotes: Vec<(u32, Vec<String>)> = Vec::new();
    for (_, line) in body {
        if let Some((LineMarker::Note(n), rest)) = text::split_marker(line) {
            footnotes.push((n, vec![rest.to_owned()]));
        } else if let Some(f) = footnotes.last_mut() {
            f.1.push(line.clone());
        } else {
            notes.push(line.clone());
        }
    }
    let notes = text::join(&notes);
    Commentary {
        purpose: None,
        notes: (!notes.is_empty()).then_some(notes),
        footnotes: footnotes
            .into_iter()
            .map(|(number, ls)| Footnote {
                number,
                text: text::join(&ls),
            })
            .collect(),
        seed_lines: (first, last),
    }
}

/// Which commentary a clause's readers need: the unit and item commentary of every heading
/// above it (outermost first), then the clause's own.
pub fn for_clause<'a>(
    sections: &'a [Section],
    clause: &'a Clause,
) -> Vec<(&'a str, &'a Commentary)> {
    let mut out: Vec<(&str, &Commentary)> = Vec::new();
    for p in &clause.path {
        if let Some(s) = sections.iter().find(|s| s.id == p.id)
            && let Some(c) = &s.commentary
        {
            out.push((s.id.as_str(), c));
        }
    }
    if let Some(c) = &clause.commentary {
        out.push((clause.id.as_str(), c));
    }
    out
}
