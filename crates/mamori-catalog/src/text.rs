//! Cleaning of PDF-extracted text: dropping blank lines and page footers, and re-joining the hard
//! line breaks of the PDF layout without changing a word.
//!
//! Japanese has no spaces between words, so joining two lines means concatenating them (with a
//! single space only between two ASCII words, e.g. `Computer` / `Security`). A line break is kept
//! as a paragraph break (`\n`) where the layout shows one: before an item marker (`（１）`, `①`,
//! `（ア）`, `・`, `（注１）`, `●`), after a heading (a short marked line, or a short first line),
//! after a short line ending a sentence (`。`), and around the linearised classification tables.

/// Display width used to tell full lines from short ones: ASCII and half-width count 1, the rest 2.
pub fn width(s: &str) -> usize {
    s.chars()
        .map(|c| {
            if (c as u32) < 0x80 || ('｡'..='ﾟ').contains(&c) {
                1
            } else {
                2
            }
        })
        .sum()
}

/// A full text line of the seed is ~76–80 columns wide; a line ending a sentence well before
/// that is the end of a paragraph.
const SENTENCE_END_SHORT: usize = 72;
/// Headings are shorter than body lines, which run to the margin (≥ 68 columns even for the
/// indented or ASCII-heavy ones). A numbered （n） heading can be long (「(１) セキュリティホールに
/// 関する情報の収集・共有及びソフトウェアの更新等」 is 71 columns), ①/（ア） headings reach 62, an
/// unmarked first line (a chapter title) is short.
fn heading_max(line: &str) -> usize {
    match split_marker(line) {
        Some((LineMarker::Paren(_), _)) => 74,
        Some((LineMarker::Circled(_) | LineMarker::Kana(_), _)) => 64,
        _ => 56,
    }
}

/// Whether a raw line is a page footer such as `ⅱ- 7` or `ⅲ- 127`.
pub fn is_page_footer(line: &str) -> bool {
    let t = line.trim();
    let mut chars = t.chars().peekable();
    let mut roman = 0;
    while let Some(&c) = chars.peek() {
        if ('\u{2160}'..='\u{217F}').contains(&c) {
            roman += 1;
            chars.next();
        } else {
            break;
        }
    }
    if roman == 0 {
        return false;
    }
    let rest: String = chars.collect();
    let rest = rest.trim_start();
    let Some(rest) = rest
        .strip_prefix('-')
        .or_else(|| rest.strip_prefix('－'))
        .or_else(|| rest.strip_prefix('‐'))
    else {
        return false;
    };
    let digits = rest.trim();
    !digits.is_empty() && digits.chars().all(|c| c.is_ascii_digit())
}

/// The significant lines of a raw line range: trimmed, without blank lines and page footers.
/// `start`/`end` are 1-based and inclusive; lines past the end of `lines` are ignored.
pub fn significant(lines: &[&str], start: u32, end: u32) -> Vec<(u32, String)> {
    let mut out = Vec::new();
    for no in start..=end {
        let Some(raw) = lines.get(no as usize - 1) else {
            break;
        };
        let t = raw.trim();
        if t.is_empty() || is_page_footer(t) {
            continue;
        }
        out.push((no, t.to_owned()));
    }
    out
}

/// Digit value of an ASCII or full-width digit.
fn digit(c: char) -> Option<u32> {
    match c {
        '0'..='9' => Some(c as u32 - '0' as u32),
        '０'..='９' => Some(c as u32 - '０' as u32),
        _ => None,
    }
}

/// The item marker a line starts with, if any.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineMarker {
    /// `（１）` / `(１)` / `(1)`.
    Paren(u32),
    /// `①`.
    Circled(u32),
    /// `（ア）`.
    Kana(char),
    /// `（注１）` / `(注１)`.
    Note(u32),
    /// `・`, `●`, `【…】` and the rows of the classification tables.
    Other,
}

/// Splits a leading item marker off a line: `（２）情報資産の管理` → (Paren(2), `情報資産の管理`).
pub fn split_marker(line: &str) -> Option<(LineMarker, &str)> {
    let mut chars = line.char_indices();
    let (_, c) = chars.next()?;
    if ('①'..='⑳').contains(&c) {
        let rest = &line[c.len_utf8()..];
        return Some((LineMarker::Circled(c as u32 - 0x245F), rest.trim_start()));
    }
    if c == '(' || c == '（' {
        let inner = &line[c.len_utf8()..];
        let close = inner.find([')', '）'])?;
        let body = &inner[..close];
        let close_len = inner[close..].chars().next().map_or(1, char::len_utf8);
        let rest = inner[close + close_len..].trim_start();
        if let Some(n) = body
            .chars()
            .try_fold(0u32, |acc, d| digit(d).map(|v| acc * 10 + v))
            && !body.is_empty()
        {
            return Some((LineMarker::Paren(n), rest));
        }
        if let Some(num) = body.strip_prefix('注') {
            let n = num
                .chars()
                .try_fold(0u32, |acc, d| digit(d).map(|v| acc * 10 + v))?;
            return Some((LineMarker::Note(n), rest));
        }
        let mut bc = body.chars();
        if let (Some(k), None) = (bc.next(), bc.next())
            && ('ア'..='ン').contains(&k)
        {
            return Some((LineMarker::Kana(k), rest));
        }
        return None;
    }
    // Rows of the 重要性分類 table: "Ⅰ 個人情報及び…".
    if ('Ⅰ'..='Ⅻ').contains(&c) && line[c.len_utf8()..].starts_with([' ', '　']) {
        return Some((LineMarker::Other, line));
    }
    if c == '・' || c == '●' || c == '【' {
        return Some((LineMarker::Other, line));
    }
    if table_row(line).is_some() {
        return Some((LineMarker::Other, line));
    }
    None
}

/// A row start of the classification tables: `機密性３ 行政事務で…` → ("機密性", 3, rest).
pub fn table_row(line: &str) -> Option<(&str, u8, &str)> {
    for axis in ["機密性", "完全性", "可用性"] {
        if let Some(rest) = line.strip_prefix(axis) {
            let mut it = rest.chars();
            let d = it.next().and_then(digit)?;
            let after = it.as_str();
            // "機密性２以上" in running text has no space after the digit.
            if after.starts_with([' ', '　']) {
                return Some((axis, d as u8, after.trim_start()));
            }
            return None;
        }
    }
    None
}

/// Caption of a classification table (「機密性による情報資産の分類」) or its header row.
fn is_table_caption(line: &str) -> bool {
    line.ends_with("による情報資産の分類")
        || line.split_whitespace().collect::<Vec<_>>() == ["分類", "分類基準", "取扱制限"]
}

fn is_ascii_word_char(c: char) -> bool {
    c.is_ascii_alphanumeric()
}

/// Joins significant lines into text with `\n` between paragraphs.
pub fn join(lines: &[String]) -> String {
    let mut out = String::new();
    let mut table_mode = false;
    for (i, line) in lines.iter().enumerate() {
        if i == 0 {
            out.push_str(line);
            table_mode = is_table_caption(line);
            continue;
        }
        let prev = &lines[i - 1];
        if is_table_caption(line) {
            table_mode = true;
        }
        if breaks_between(prev, line, i == 1, table_mode) {
            out.push('\n');
        } else if prev.chars().last().is_some_and(is_ascii_word_char)
            && line.chars().next().is_some_and(is_ascii_word_char)
        {
            out.push(' ');
        }
        out.push_str(line);
    }
    out
}

fn breaks_between(prev: &str, next: &str, prev_is_first: bool, table_mode: bool) -> bool {
    if split_marker(next).is_some() || is_table_caption(next) || is_table_caption(prev) {
        return true;
    }
    let w = width(prev);
    if (prev.ends_with('。') || prev.ends_with('】')) && w < SENTENCE_END_SHORT {
        return true;
    }
    if table_mode {
        return false;
    }
    let continues = prev.ends_with(['、', '，', '・']);
    let heading_like = w < heading_max(prev) && !continues && !prev.ends_with('。');
    heading_like && (prev_is_first || split_marker(prev).is_some())
}

/// Cleans a raw line range into text.
pub fn clean_range(lines: &[&str], start: u32, end: u32) -> String {
    let sig: Vec<String> = significant(lines, start, end)
        .into_iter()
        .map(|(_, t)| t)
        .collect();
    join(&sig)
}

/// Text with all whitespace removed, for comparing headings printed with different spacing.
pub fn squash(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn footers() {
        assert!(is_page_footer("ⅱ- 7 "));
        assert!(is_page_footer(" ⅲ- 127"));
        assert!(!is_page_footer("Ⅰ 個人情報及び"));
        assert!(!is_page_footer("ⅱ-"));
    }

    #[test]
    fn markers() {
        assert_eq!(
            split_marker("(２) 情報資産の管理"),
            Some((LineMarker::Paren(2), "情報資産の管理"))
        );
        assert_eq!(
            split_marker("（１０）インターネット"),
            Some((LineMarker::Paren(10), "インターネット"))
        );
        assert_eq!(
            split_marker("⑧情報資産の運搬"),
            Some((LineMarker::Circled(8), "情報資産の運搬"))
        );
        assert_eq!(
            split_marker("（イ）機密性"),
            Some((LineMarker::Kana('イ'), "機密性"))
        );
        assert_eq!(
            split_marker("（注３）情報"),
            Some((LineMarker::Note(3), "情報"))
        );
        assert!(split_marker("機密性２以上の情報").is_none());
        assert!(split_marker("機密性３ 行政事務").is_some());
        assert!(split_marker("（IC カード等）").is_none());
    }

    #[test]
    fn joins_japanese_without_spaces_and_ascii_with_one() {
        let lines: Vec<String> = [
            "③CISO は、情報セキュリティインシデントに対処するための体制（CSIRT：Computer",
            "Security Incident Response Team、以下「CSIRT」という。）を整備し、役割を明",
            "確化する。",
            "(２) 統括情報セキュリティ責任者",
            "①情報政策担当部長を CISO 直属の統括情報セキュリティ責任者とする。",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        assert_eq!(
            join(&lines),
            "③CISO は、情報セキュリティインシデントに対処するための体制（CSIRT：Computer Security Incident Response Team、以下「CSIRT」という。）を整備し、役割を明確化する。\n(２) 統括情報セキュリティ責任者\n①情報政策担当部長を CISO 直属の統括情報セキュリティ責任者とする。"
        );
    }

    #[test]
    fn long_numbered_headings_break() {
        let lines: Vec<String> = [
            "(８) 情報セキュリティポリシー及び関係規程等の見直し等への活用",
            "情報セキュリティ委員会は、監査結果を情報セキュリティポリシー及び関係規定等",
            "の見直し、その他情報セキュリティ対策の見直し時に活用しなければならない。",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        assert!(
            join(&lines)
                .starts_with("(８) 情報セキュリティポリシー及び関係規程等の見直し等への活用\n情報")
        );
        // A body line of a ① item that happens to lack 、 is not a heading.
        let lines: Vec<String> = [
            "（ア）インターネット環境で受信したインターネットメールの本文のみを LGWAN",
            "接続系に転送するメールテキスト化方式",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        assert!(!join(&lines).contains('\n'));
    }

    #[test]
    fn heading_first_line_breaks() {
        let lines: Vec<String> = [
            "(６) 情報システム担当者",
            "情報システム管理者の指示等に従い、情報システムの開発、設定の変更、運用、更新",
            "等の作業を行う者を情報システム担当者とする。",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        assert_eq!(
            join(&lines),
            "(６) 情報システム担当者\n情報システム管理者の指示等に従い、情報システムの開発、設定の変更、運用、更新等の作業を行う者を情報システム担当者とする。"
        );
    }
}
