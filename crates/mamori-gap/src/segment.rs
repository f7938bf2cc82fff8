//! Cutting a document into provisions by its own structure.
//!
//! First the extraction artefacts go ([`clean`]): blank lines, page numbers (「- 3 -」, 「3/40」),
//! table-of-contents lines with leaders, Markdown table rules; table rows become one line of
//! cells. Then every line that starts with a numbering marker (第N章, N., N.N., (N)/（N）, N),
//! ①, (ア)/ア/ア), a Markdown heading, or a short unnumbered heading line starts a provision
//! ([`segment`]). Nesting comes from the order in which the marker styles appear, not from a
//! fixed scheme: a style already open is a sibling, a new style is a child, so renumbered or
//! differently nested documents are read as they are. 第N編/章/節 always close what is open.

use regex::Regex;
use serde::Serialize;
use std::sync::OnceLock;

/// One cleaned line with its 1-based line number in the input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    /// 1-based line in the input.
    pub no: usize,
    /// Text, trimmed.
    pub text: String,
}

/// One provision of the document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Provision {
    /// Position in the document, 0-based.
    pub index: usize,
    /// The document's own number path, e.g. 「第1章 6.(3)ア」; for an unnumbered heading its title.
    pub path: String,
    /// The marker as written (normalised to half-width), e.g. 「(3)」; empty when unnumbered.
    pub label: String,
    /// The marker in the document's own characters, e.g. 「（３）」.
    pub written: String,
    /// The heading text, when the provision starts with a short heading line.
    pub title: String,
    /// Its own text (not its children's), lines joined by `\n`, marker removed.
    pub text: String,
    /// 1-based line of its first line in the input.
    pub line: usize,
    /// 1-based line of its last line in the input.
    pub last_line: usize,
    /// Nesting depth, 0 at the top.
    pub depth: usize,
    /// The enclosing provision.
    pub parent: Option<usize>,
}

impl Provision {
    /// Title and text as one string.
    pub fn full_text(&self) -> String {
        if self.title.is_empty() {
            self.text.clone()
        } else if self.text.is_empty() {
            self.title.clone()
        } else {
            format!("{}\n{}", self.title, self.text)
        }
    }
}

/// Half-width digits, letters and brackets; everything else as it is (① stays ①).
pub fn fold_width(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            '\u{3000}' => ' ',
            _ => c,
        })
        .collect()
}

struct Patterns {
    page: Regex,
    leader: Regex,
    bare_number: Regex,
    ranked: Regex,
    dotted: Regex,
    num: Regex,
    paren: Regex,
    right_paren: Regex,
    circled: Regex,
    kana_paren: Regex,
    kanji: Regex,
    caption: Regex,
    kana: Regex,
}

fn patterns() -> Option<&'static Patterns> {
    static P: OnceLock<Option<Patterns>> = OnceLock::new();
    P.get_or_init(|| {
        Some(Patterns {
            page: Regex::new(
                r"^(?:[-‐―ー—–]+\s*[0-9]{1,4}\s*[-‐―ー—–]*|[0-9]{1,4}\s*[-‐―ー—–]+|[0-9]{1,4}\s*/\s*[0-9]{1,4}|(?i:p\.?|page)\s*[0-9]{1,4}|[0-9]{1,4}\s*ページ)$",
            )
            .ok()?,
            leader: Regex::new(r"(\.{4,}|…{2,}|・{4,}|‥{2,}|．{4,})").ok()?,
            bare_number: Regex::new(r"^[0-9]{1,4}$").ok()?,
            ranked: Regex::new(r"^第\s*([0-9一二三四五六七八九十〇]+)\s*(編|部|章|節|条|款)\s*(.*)$")
                .ok()?,
            dotted: Regex::new(r"^([0-9]{1,2}(?:\s*\.\s*[0-9]{1,2})+)\s*\.?\s*(.*)$").ok()?,
            num: Regex::new(r"^([0-9]{1,2})(?:\s*[\.、]\s*|\s+)(.*)$").ok()?,
            paren: Regex::new(r"^\(\s*([0-9]{1,3})\s*\)\s*(.*)$").ok()?,
            right_paren: Regex::new(r"^([0-9]{1,2})\)\s*(.*)$").ok()?,
            circled: Regex::new(r"^([①-⑳])\s*(.*)$").ok()?,
            kanji: Regex::new(r"^([一二三四五六七八九十]{1,3})\s+(\S.*)$").ok()?,
            caption: Regex::new(r"^\(([^()0-9]{1,20})\)$").ok()?,
            kana_paren: Regex::new(r"^\(\s*([ア-ン])\s*\)\s*(.*)$").ok()?,
            kana: Regex::new(r"^([アイウエオカキクケコサシスセソタチツテトナニヌネノハヒフヘホマミムメモヤユヨラリルレロワヲン])(?:\s+(.+)|[\.、\)]\s*(.*))$").ok()?,
        })
    })
    .as_ref()
}

/// Whether a text after a number is a quantity rather than a heading (「10 日以内」).
fn starts_with_unit(rest: &str) -> bool {
    let units = [
        "日", "月", "年", "時", "分", "回", "%", "％", "人", "件", "名", "か", "ヶ", "カ", "箇",
        "週", "桁", "文字", "世代", "秒", "倍", "個", "台", "部",
    ];
    units.iter().any(|u| rest.starts_with(u))
}

/// Removes the extraction artefacts and returns the remaining lines.
pub fn clean(raw: &str) -> Vec<Line> {
    let Some(p) = patterns() else {
        return Vec::new();
    };
    let raw_lines: Vec<&str> = raw.lines().collect();
    let mut out: Vec<Line> = Vec::new();
    let mut pending_number: Option<(usize, String)> = None;
    for (i, l) in raw_lines.iter().enumerate() {
        let no = i + 1;
        let t = l.trim_matches(|c: char| c.is_whitespace() || c == '\u{c}' || c == '\u{feff}');
        if t.is_empty() {
            continue;
        }
        let folded = fold_width(t);
        let folded = folded.trim();
        let mut text = t.to_owned();
        if folded.starts_with('|') {
            let cells: Vec<String> = t
                .trim_matches('|')
                .split('|')
                .map(|c| c.replace("<br>", "").replace("<br/>", "").trim().to_owned())
                .filter(|c| !c.is_empty())
                .collect();
            if cells
                .iter()
                .all(|c| c.chars().all(|ch| matches!(ch, '-' | ':' | ' ')))
            {
                continue;
            }
            text = cells.join(" ");
        }
        if p.leader.is_match(&text) {
            continue;
        }
        let ft = fold_width(&text);
        let ft = ft.trim();
        if p.page.is_match(ft) {
            continue;
        }
        if p.bare_number.is_match(ft) {
            // Either a page number or a heading number split from its title: decided by the
            // next line.
            pending_number = Some((no, ft.to_owned()));
            continue;
        }
        if let Some((pno, num)) = pending_number.take() {
            let short = text.chars().count() <= 30 && !text.contains('。');
            if short && marker_of(&fold_width(&text)).is_none() {
                out.push(Line {
                    no: pno,
                    text: format!("{num} {text}"),
                });
                continue;
            }
        }
        // Markdown list bullets.
        let text = text
            .strip_prefix("- ")
            .or_else(|| text.strip_prefix("* "))
            .map(str::to_owned)
            .unwrap_or(text);
        out.push(Line { no, text });
    }
    out
}

/// Kinds of numbering marker.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// 第N編/部 (rank 0), 第N章 (1), 第N節 (2), 第N条/款 (3).
    Ranked(u8),
    /// Markdown heading without a number, by its level.
    Heading(u8),
    /// A short unnumbered heading line.
    Bare,
    /// N.N / N.N.N, by the number of components.
    Dotted(u8),
    /// N. / N
    Num,
    /// (N)
    Paren,
    /// N)
    RightParen,
    /// ①
    Circled,
    /// (ア)
    KanaParen,
    /// ア
    Kana,
    /// 一, 二 (号 of an article)
    Kanji,
}

struct Marker {
    kind: Kind,
    label: String,
    rest: String,
}

fn marker_of(folded: &str) -> Option<Marker> {
    let p = patterns()?;
    let cap2 = |re: &Regex| -> Option<(String, String)> {
        let c = re.captures(folded)?;
        Some((
            c.get(1)?.as_str().to_owned(),
            c.get(2).map(|m| m.as_str()).unwrap_or("").trim().to_owned(),
        ))
    };
    if let Some(c) = p.ranked.captures(folded) {
        let n = c.get(1).map(|m| m.as_str()).unwrap_or("");
        let unit = c.get(2).map(|m| m.as_str()).unwrap_or("");
        let rank = match unit {
            "編" | "部" => 0,
            "章" => 1,
            "節" => 2,
            _ => 3,
        };
        return Some(Marker {
            kind: Kind::Ranked(rank),
            label: format!("第{n}{unit}"),
            rest: c.get(3).map(|m| m.as_str()).unwrap_or("").trim().to_owned(),
        });
    }
    if let Some((l, r)) = cap2(&p.dotted)
        && !starts_with_unit(&r)
    {
        let label: String = l.chars().filter(|c| !c.is_whitespace()).collect();
        let parts = label.split('.').count() as u8;
        return Some(Marker {
            kind: Kind::Dotted(parts),
            label,
            rest: r,
        });
    }
    if let Some((l, r)) = cap2(&p.paren) {
        return Some(Marker {
            kind: Kind::Paren,
            label: format!("({l})"),
            rest: r,
        });
    }
    if let Some((l, r)) = cap2(&p.right_paren) {
        return Some(Marker {
            kind: Kind::RightParen,
            label: format!("{l})"),
            rest: r,
        });
    }
    if let Some((l, r)) = cap2(&p.num)
        && if r.is_empty() {
            folded.ends_with('.')
        } else {
            !starts_with_unit(&r) && !r.starts_with(|c: char| c.is_ascii_digit())
        }
    {
        return Some(Marker {
            kind: Kind::Num,
            label: l,
            rest: r,
        });
    }
    if let Some((l, r)) = cap2(&p.kanji) {
        return Some(Marker {
            kind: Kind::Kanji,
            label: l,
            rest: r,
        });
    }
    if let Some((l, r)) = cap2(&p.circled) {
        return Some(Marker {
            kind: Kind::Circled,
            label: l,
            rest: r,
        });
    }
    if let Some((l, r)) = cap2(&p.kana_paren) {
        return Some(Marker {
            kind: Kind::KanaParen,
            label: format!("({l})"),
            rest: r,
        });
    }
    if let Some(c) = p.kana.captures(folded) {
        let rest = c
            .get(2)
            .or_else(|| c.get(3))
            .map(|m| m.as_str())
            .unwrap_or("");
        return Some(Marker {
            kind: Kind::Kana,
            label: c.get(1).map(|m| m.as_str()).unwrap_or("").to_owned(),
            rest: rest.trim().to_owned(),
        });
    }
    None
}

/// The usual nesting of the numbering styles of Japanese policies, outermost first.
fn usual_rank(k: Kind) -> Option<u8> {
    match k {
        Kind::Dotted(n) => Some(n.min(4)),
        Kind::Num => Some(0),
        Kind::Paren => Some(5),
        Kind::RightParen => Some(6),
        Kind::Kanji => Some(6),
        Kind::Circled => Some(7),
        Kind::KanaParen => Some(8),
        Kind::Kana => Some(9),
        Kind::Ranked(_) | Kind::Heading(_) | Kind::Bare => None,
    }
}

/// Whether a marker label is the first of its series: 1, (1), ①, ア, (ア), 一.
fn starts_series(label: &str) -> bool {
    let core: String = label
        .chars()
        .filter(|c| !matches!(c, '(' | ')' | '.'))
        .collect();
    matches!(core.as_str(), "1" | "①" | "ア" | "一") || core.ends_with(".1")
}

fn ends_sentence(s: &str) -> bool {
    let t = s.trim_end();
    t.ends_with('。') || t.ends_with('.') || t.ends_with('．')
}

fn is_bare_heading(text: &str) -> bool {
    let n = text.chars().count();
    // Table rows come out as cells separated by spaces; headings have none.
    (2..=24).contains(&n)
        && !text.contains(char::is_whitespace)
        && !text.contains('。')
        && !text.contains('、')
        && !text.contains('，')
        && !text.ends_with('）')
        && !text.ends_with(')')
}

/// Cuts cleaned lines into provisions.
pub fn segment(lines: &[Line]) -> Vec<Provision> {
    let mut out: Vec<Provision> = Vec::new();
    // Open provisions: (kind, index in `out`).
    let mut stack: Vec<(Kind, usize)> = Vec::new();
    // Whether the previous line closed a sentence or was a heading.
    let mut prev_closed = true;
    // The input line of each text line of each provision.
    let mut text_lines: Vec<Vec<usize>> = Vec::new();
    // A caption line 「（目的）」 waiting for the article it names.
    let mut caption: Option<&Line> = None;
    let patterns = patterns();
    for line in lines {
        let mut folded = fold_width(&line.text).trim().to_owned();
        if let Some(p) = patterns
            && caption.is_none()
            && p.caption.is_match(&folded)
        {
            caption = Some(line);
            continue;
        }
        let mut md_level: Option<u8> = None;
        if folded.starts_with('#') {
            let hashes = folded.chars().take_while(|c| *c == '#').count();
            if hashes <= 6 {
                md_level = Some(hashes as u8);
                folded = folded[hashes..].trim().to_owned();
            }
        }
        let marker = marker_of(&folded).or_else(|| {
            if let Some(level) = md_level {
                Some(Marker {
                    kind: Kind::Heading(level),
                    label: String::new(),
                    rest: folded.clone(),
                })
            } else if prev_closed && is_bare_heading(&folded) {
                Some(Marker {
                    kind: Kind::Bare,
                    label: String::new(),
                    rest: folded.clone(),
                })
            } else {
                None
            }
        });
        let Some(mut marker) = marker else {
            // Continuation of the current provision (or a preamble line before any); a caption
            // not followed by an article is text like any other.
            for l in caption.take().into_iter().chain(std::iter::once(line)) {
                match out.last_mut() {
                    Some(p) => {
                        if !p.text.is_empty() {
                            p.text.push('\n');
                        }
                        p.text.push_str(l.text.trim());
                        p.last_line = l.no;
                        if let Some(t) = text_lines.last_mut() {
                            t.push(l.no);
                        }
                    }
                    None => {
                        out.push(Provision {
                            index: 0,
                            path: String::new(),
                            label: String::new(),
                            written: String::new(),
                            title: String::new(),
                            text: l.text.trim().to_owned(),
                            line: l.no,
                            last_line: l.no,
                            depth: 0,
                            parent: None,
                        });
                        text_lines.push(vec![l.no]);
                    }
                }
            }
            // Lines before the first numbered or heading line are a title block: each may be
            // followed by a heading.
            let preamble = out.len() == 1 && out[0].path.is_empty();
            prev_closed = ends_sentence(&line.text) || preamble;
            continue;
        };
        // 「（目的）」 above 「第1条 …」 is the article's title.
        let caption_title = caption.take().map(|c| {
            c.text
                .trim()
                .trim_start_matches(['(', '（'])
                .trim_end_matches([')', '）'])
                .trim()
                .to_owned()
        });
        // The marker was read on the folded line; its remainder keeps the document's own
        // characters (「（CISO）」 stays full-width).
        marker.rest = original_tail(&line.text, &marker.rest);
        if let Some(c) = &caption_title
            && marker.rest.is_empty()
        {
            marker.rest = c.clone();
        }
        // Where the new provision goes.
        match marker.kind {
            Kind::Ranked(r) => stack.retain(|(k, _)| matches!(k, Kind::Ranked(x) if *x < r)),
            Kind::Heading(h) => stack.retain(|(k, _)| match k {
                Kind::Ranked(_) => true,
                Kind::Heading(x) => *x < h,
                _ => false,
            }),
            Kind::Bare => stack.retain(|(k, _)| matches!(k, Kind::Ranked(_) | Kind::Heading(_))),
            k => {
                if let Some(pos) = stack.iter().position(|(x, _)| *x == k) {
                    stack.truncate(pos);
                } else if !starts_series(&marker.label) {
                    // A style not open yet that does not start at 1 continues a series begun
                    // higher up (its first numbers lost, or items written before it): it goes
                    // above the styles that usually nest below it.
                    if let Some(pos) = stack
                        .iter()
                        .position(|(x, _)| usual_rank(*x).is_some_and(|r| Some(r) > usual_rank(k)))
                    {
                        stack.truncate(pos);
                    }
                }
            }
        }
        let parent = stack.last().map(|(_, i)| *i);
        let index = out.len();
        // A short remainder without a full stop is a heading; item markers (①, ア) more often
        // carry a sentence, so they get a shorter limit.
        let limit = if matches!(
            marker.kind,
            Kind::Circled | Kind::Kana | Kind::KanaParen | Kind::Kanji
        ) {
            30
        } else {
            40
        };
        let (title, text) = if marker.rest.chars().count() <= limit && !marker.rest.contains('。')
        {
            (marker.rest.clone(), String::new())
        } else {
            (
                caption_title.clone().unwrap_or_default(),
                marker.rest.clone(),
            )
        };
        let label_part = match marker.kind {
            Kind::Heading(_) | Kind::Bare => format!("「{}」", crate::text::shorten(&title, 16)),
            _ => marker.label.clone(),
        };
        let path = match parent {
            Some(pi) => {
                let pp = &out[pi].path;
                let sep = match stack.last().map(|(k, _)| *k) {
                    Some(Kind::Ranked(_) | Kind::Heading(_) | Kind::Bare) => " ",
                    Some(Kind::Num | Kind::Dotted(_)) => ".",
                    _ => "",
                };
                format!("{pp}{sep}{label_part}")
            }
            None => label_part,
        };
        text_lines.push(if text.is_empty() {
            Vec::new()
        } else {
            vec![line.no]
        });
        let written = original_span(&line.text, &marker.label);
        out.push(Provision {
            index,
            path,
            written,
            label: marker.label,
            title,
            text,
            line: line.no,
            last_line: line.no,
            depth: stack.len(),
            parent,
        });
        stack.push((marker.kind, index));
        prev_closed = ends_sentence(&line.text) || out[index].text.is_empty();
    }
    split_paragraphs(out, &text_lines)
}

/// The end of `original` that folds to `folded` (a remainder cut from the folded line), so the
/// document's own characters stand; `folded` itself when they do not line up.
fn original_tail(original: &str, folded: &str) -> String {
    let n = folded.chars().count();
    let total = original.chars().count();
    if n > total {
        return folded.to_owned();
    }
    let tail: String = original.chars().skip(total - n).collect();
    if fold_width(&tail) == folded {
        tail
    } else {
        folded.to_owned()
    }
}

/// The characters of `original` that fold to `label` where it first stands in the folded line;
/// `label` itself when they do not line up.
fn original_span(original: &str, label: &str) -> String {
    if label.is_empty() {
        return String::new();
    }
    let folded = fold_width(original);
    let Some(at) = folded.find(label) else {
        return label.to_owned();
    };
    let start = folded[..at].chars().count();
    let span: String = original
        .chars()
        .skip(start)
        .take(label.chars().count())
        .collect();
    if fold_width(&span) == label {
        span
    } else {
        label.to_owned()
    }
}

/// A long provision (a document with few numbers, or paragraphs under one heading) is cut into
/// its paragraphs — a paragraph ends with a line that ends a sentence — so that each can be
/// matched on its own; the paragraphs after the first become its children 「第2段落」….
fn split_paragraphs(provisions: Vec<Provision>, text_lines: &[Vec<usize>]) -> Vec<Provision> {
    let mut out: Vec<Provision> = Vec::with_capacity(provisions.len());
    let mut new_index: Vec<usize> = Vec::with_capacity(provisions.len());
    for (i, mut p) in provisions.into_iter().enumerate() {
        let own = p.text.clone();
        let lines: Vec<&str> = own.lines().collect();
        let nos = text_lines.get(i).cloned().unwrap_or_default();
        let mut paragraphs: Vec<(Vec<&str>, Vec<usize>)> = Vec::new();
        let mut current: (Vec<&str>, Vec<usize>) = (Vec::new(), Vec::new());
        for (k, l) in lines.iter().enumerate() {
            current.0.push(l);
            current.1.push(nos.get(k).copied().unwrap_or(p.line));
            if ends_sentence(l) {
                paragraphs.push(std::mem::take(&mut current));
            }
        }
        if !current.0.is_empty() {
            paragraphs.push(current);
        }
        p.parent = p.parent.and_then(|x| new_index.get(x).copied());
        let index = out.len();
        new_index.push(index);
        p.index = index;
        if paragraphs.len() < 4 || p.text.chars().count() < 300 {
            out.push(p);
            continue;
        }
        let mut rest = paragraphs.into_iter();
        let first = rest.next().map(|(t, _)| t.join("\n")).unwrap_or_default();
        let parent = p.clone();
        p.text = first;
        out.push(p);
        for (k, (texts, nos)) in rest.enumerate() {
            let line = nos.first().copied().unwrap_or(parent.line);
            out.push(Provision {
                index: out.len(),
                path: format!("{} 第{}段落", parent.path, k + 2),
                label: String::new(),
                written: String::new(),
                title: String::new(),
                text: texts.join("\n"),
                line,
                last_line: nos.last().copied().unwrap_or(line),
                depth: parent.depth + 1,
                parent: Some(index),
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn provisions(raw: &str) -> Vec<Provision> {
        segment(&clean(raw))
    }

    #[test]
    fn numbering_styles_nest_by_order_of_appearance() {
        let p = provisions(
            "第1章 総則\n1 目的\nこの方針は、情報資産を守る。\n2 定義\n(1) ネットワーク\n通信網をいう。\n（２） 情報システム\n仕組みをいう。\n①機器\nア 端末を含む。\n3 対象\n対象とする。\n",
        );
        let paths: Vec<&str> = p.iter().map(|p| p.path.as_str()).collect();
        assert_eq!(
            paths,
            [
                "第1章",
                "第1章 1",
                "第1章 2",
                "第1章 2.(1)",
                "第1章 2.(2)",
                "第1章 2.(2)①",
                "第1章 2.(2)①ア",
                "第1章 3"
            ]
        );
        assert_eq!(p[3].title, "ネットワーク");
        assert_eq!(p[3].text, "通信網をいう。");
        assert_eq!(p[3].line, 5);
        // The marker as the document writes it, beside the folded one the paths use.
        assert_eq!(
            (p[4].label.as_str(), p[4].written.as_str()),
            ("(2)", "（２）")
        );
        assert_eq!(p[3].written, "(1)");
        assert_eq!(p[0].written, "第1章");
    }

    #[test]
    fn the_text_after_a_marker_and_a_caption_keep_the_documents_characters() {
        let p = provisions(
            "（ＣＩＳＯ）\n第３条　副町長を最高情報セキュリティ責任者（ＣＩＳＯ）とする。\n",
        );
        assert_eq!(p[0].written, "第３条", "{p:?}");
        assert_eq!(p[0].label, "第3条");
        assert_eq!(p[0].title, "ＣＩＳＯ");
        assert_eq!(
            p[0].text,
            "副町長を最高情報セキュリティ責任者（ＣＩＳＯ）とする。"
        );
    }

    #[test]
    fn page_numbers_blank_lines_tables_and_contents_go() {
        let lines = clean(
            "目 次\n1 目的 ..... 2\n\n- 3 -\n\n| 分類 | 基準 |\n|---|---|\n| 機密性３ | 秘密<br>文書 |\n12/40\n",
        );
        let texts: Vec<&str> = lines.iter().map(|l| l.text.as_str()).collect();
        assert_eq!(texts, ["目 次", "分類 基準", "機密性３ 秘密文書"]);
        assert_eq!(lines[2].no, 8);
    }

    #[test]
    fn articles_with_captions_and_kanji_items() {
        let p = provisions(
            "（目的）\n第1条 この方針は、情報資産を守ることを目的とする。\n（定義）\n第2条 用語の意義は、次のとおりとする。\n一 ネットワーク 通信網をいう。\n二 情報システム 仕組みをいう。\n",
        );
        let paths: Vec<&str> = p.iter().map(|p| p.path.as_str()).collect();
        assert_eq!(paths, ["第1条", "第2条", "第2条 一", "第2条 二"]);
        assert_eq!(p[0].title, "目的");
        assert_eq!(p[0].line, 2);
        assert!(p[0].text.starts_with("この方針は"));
    }

    #[test]
    fn a_long_unnumbered_text_is_cut_into_paragraphs() {
        let para = |n: usize| {
            format!(
                "第{n}の段落の文で、情報資産の取扱いについて十分に長く定めるものとする。ここでも同じように続けて、段落を十分な長さにする。\n"
            )
        };
        let text: String = std::iter::once("# 方針\n".to_owned())
            .chain((1..=5).map(para))
            .collect();
        let p = provisions(&text);
        assert_eq!(p.len(), 5, "{p:?}");
        assert_eq!(p[1].path, "「方針」 第2段落");
        assert_eq!(p[1].line, 3);
        assert_eq!(p[1].parent, Some(0));
        assert!(p[0].text.starts_with("第1の段落"));
    }
}
