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
}
