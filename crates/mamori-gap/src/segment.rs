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
    for line in lines {
        let mut folded = fold_width(&line.text).trim().to_owned();
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
        let Some(marker) = marker else {
            // Continuation of the current provision (or a preamble line before any).
            match out.last_mut() {
                Some(p) => {
                    if !p.text.is_empty() {
                        p.text.push('\n');
                    }
                    p.text.push_str(line.text.trim());
                    p.last_line = line.no;
                }
                None => out.push(Provision {
                    index: 0,
                    path: String::new(),
                    label: String::new(),
                    title: String::new(),
                    text: line.text.trim().to_owned(),
                    line: line.no,
                    last_line: line.no,
                    depth: 0,
                    parent: None,
                }),
            }
            // A short line ends a paragraph, or is a heading or a table cell.
            prev_closed = ends_sentence(&line.text) || line.text.trim().chars().count() <= 30;
            continue;
        };
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
                }
            }
        }
        let parent = stack.last().map(|(_, i)| *i);
        let index = out.len();
        // A short remainder without a full stop is a heading; item markers (①, ア) more often
        // carry a sentence, so they get a shorter limit.
        let limit = if matches!(marker.kind, Kind::Circled | Kind::Kana | Kind::KanaParen) {
            30
        } else {
            40
        };
        let (title, text) = if marker.rest.chars().count() <= limit && !marker.rest.contains('。')
        {
            (marker.rest.clone(), String::new())
        } else {
            (String::new(), marker.rest.clone())
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
        out.push(Provision {
            index,
            path,
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
}
