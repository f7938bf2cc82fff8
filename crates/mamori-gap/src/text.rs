//! Text normalisation for comparison: NFKC, lower case, no whitespace or punctuation, item
//! markers and classification levels folded, and character bigrams.

use regex::Regex;
use std::sync::OnceLock;
use unicode_normalization::UnicodeNormalization;

/// NFKC, lower case, whitespace removed (punctuation kept).
pub fn nfkc(s: &str) -> String {
    s.nfkc()
        .flat_map(char::to_lowercase)
        .filter(|c| !c.is_whitespace())
        .collect()
}

fn is_punct(c: char) -> bool {
    matches!(
        c,
        '、' | '。'
            | ','
            | '.'
            | '・'
            | '「'
            | '」'
            | '『'
            | '』'
            | '('
            | ')'
            | '['
            | ']'
            | '【'
            | '】'
            | '〔'
            | '〕'
            | ':'
            | ';'
            | '!'
            | '?'
            | '"'
            | '\''
            | '*'
            | '#'
            | '|'
            | '-'
            | '…'
            | '〜'
            | '~'
            | '/'
            | '<'
            | '>'
            | '※'
    )
}

fn level_re() -> Option<&'static Regex> {
    static RE: OnceLock<Option<Regex>> = OnceLock::new();
    // After NFKC: 機密性２ → 機密性2, 重要性分類Ⅱ → 重要性分類ii.
    RE.get_or_init(|| {
        Regex::new(r"(機密性|完全性|可用性|重要性分類|重要性|重要度|分類|レベル)([0-9]+|[ivx]+)")
            .ok()
    })
    .as_ref()
}

fn marker_re() -> Option<&'static Regex> {
    static RE: OnceLock<Option<Regex>> = OnceLock::new();
    RE.get_or_init(|| Regex::new(r"\(([0-9]+|[ア-ン])\)|[①-⑳]|【推奨事項】").ok())
        .as_ref()
}

/// The comparable form of a text: NFKC, lower case, item markers and classification levels
/// folded (so 「機密性２以上」 and 「重要性分類Ⅱ以上」 compare alike), whitespace and punctuation
/// dropped. The long vowel mark is kept.
pub fn comparable(s: &str) -> Vec<char> {
    let n = nfkc(s);
    let n = match marker_re() {
        Some(re) => re.replace_all(&n, "").into_owned(),
        None => n,
    };
    let n = match level_re() {
        Some(re) => re.replace_all(&n, "◇").into_owned(),
        None => n,
    };
    n.chars().filter(|c| *c == 'ー' || !is_punct(*c)).collect()
}

/// The words of `original` that a run of comparable characters came from (the run found again
/// with punctuation and spacing), or `None` when it cannot be found (a folded marker or level).
pub fn original_span(original: &str, run: &[char]) -> Option<String> {
    if run.is_empty() {
        return None;
    }
    let mut norm: Vec<char> = Vec::new();
    let mut at: Vec<(usize, usize)> = Vec::new();
    for (i, ch) in original.char_indices() {
        let end = i + ch.len_utf8();
        for n in std::iter::once(ch).nfkc().flat_map(char::to_lowercase) {
            if !n.is_whitespace() && (n == 'ー' || !is_punct(n)) {
                norm.push(n);
                at.push((i, end));
            }
        }
    }
    let pos = norm.windows(run.len()).position(|w| w == run)?;
    let (from, _) = at[pos];
    let (_, to) = at[pos + run.len() - 1];
    Some(original[from..to].to_owned())
}

/// Character bigrams of a comparable text (with repeats).
pub fn bigrams(chars: &[char]) -> impl Iterator<Item = (char, char)> + '_ {
    chars.windows(2).map(|w| (w[0], w[1]))
}

/// The first `n` characters of a text, with an ellipsis when cut.
pub fn shorten(s: &str, n: usize) -> String {
    let one_line: String = s.chars().map(|c| if c == '\n' { ' ' } else { c }).collect();
    if one_line.chars().count() <= n {
        one_line
    } else {
        let mut out: String = one_line.chars().take(n).collect();
        out.push('…');
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classification_levels_and_markers_fold() {
        let a: String = comparable("（イ）機密性２以上の情報資産を運搬する者は、")
            .into_iter()
            .collect();
        let b: String = comparable("(イ) 重要性分類Ⅱ以上の情報資産を運搬する者は")
            .into_iter()
            .collect();
        assert_eq!(a, b);
        assert_eq!(a, "◇以上の情報資産を運搬する者は");
    }

    #[test]
    fn a_run_is_found_again_in_the_original_words() {
        let run: Vec<char> = "人事給与財務会計及".chars().collect();
        assert_eq!(
            original_span("人事給与、財務会計及び文書管理等", &run).as_deref(),
            Some("人事給与、財務会計及")
        );
        assert_eq!(original_span("abc", &['x']), None);
    }
}
