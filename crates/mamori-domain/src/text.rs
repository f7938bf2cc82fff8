//! Free text a person types or a file carries: one place for the rules every text field shares.
//!
//! - **Bidirectional controls** (U+202A–U+202E, U+2066–U+2069) reorder what is shown: a file
//!   named `invoice\u{202E}txt.exe` reads as 「invoiceexe.txt」. They have no use in the body's
//!   names and numbers, so a single-line field refuses them; multi-line text refuses them too,
//!   since a provision or a note that displays differently from what it says is no better.
//! - **Control characters**: none in a single-line field; line breaks and tabs only in
//!   multi-line text.
//! - **Length**: every field has a maximum, counted in characters, named in the message.

use crate::DomainError;

/// The first and last characters of the two ranges of bidirectional embedding, override and
/// isolate controls.
const BIDI_CONTROLS: [(char, char); 2] = [('\u{202A}', '\u{202E}'), ('\u{2066}', '\u{2069}')];

/// Whether a character changes the display order of the text around it.
pub fn is_bidi_control(c: char) -> bool {
    BIDI_CONTROLS
        .iter()
        .any(|&(first, last)| (first..=last).contains(&c))
}

/// The text with full-width digits (０–９) as their ASCII form, everything else as it is.
pub fn ascii_digits(input: &str) -> String {
    input
        .chars()
        .map(|c| match c {
            '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32).unwrap_or(c),
            _ => c,
        })
        .collect()
}

/// Replaces every occurrence of the pairs' first words by their second, in one pass, the longest
/// word first where several start at the same place (「統括情報セキュリティ責任者」 before
/// 「情報セキュリティ責任者」); a replacement is never replaced again.
pub fn replace_longest(text: &str, pairs: &[(&str, &str)]) -> String {
    let mut pairs: Vec<(&str, &str)> = pairs
        .iter()
        .copied()
        .filter(|(f, _)| !f.is_empty())
        .collect();
    pairs.sort_by_key(|(from, _)| std::cmp::Reverse(from.len()));
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    'scan: while let Some(c) = rest.chars().next() {
        for (from, to) in &pairs {
            if let Some(after) = rest.strip_prefix(from) {
                out.push_str(to);
                rest = after;
                continue 'scan;
            }
        }
        out.push(c);
        rest = &rest[c.len_utf8()..];
    }
    out
}

/// A file size as people read it: 「48 KB」, 「12.3 MB」.
pub fn file_size(bytes: u64) -> String {
    if bytes < 1_000_000 {
        format!("{} KB", bytes.div_ceil(1_000))
    } else {
        format!("{:.1} MB", bytes as f64 / 1_000_000.0)
    }
}

/// A single-line value (a name, a number, a file name), trimmed: at most `max` characters, no
/// control or bidirectional characters. Empty is allowed; the caller decides whether it is
/// required.
pub fn single_line(field: &str, input: &str, max: usize) -> Result<String, DomainError> {
    let text = input.trim();
    check(field, text, max, false)?;
    Ok(text.to_owned())
}

/// Multi-line text (a provision, a note), trimmed: at most `max` characters, line breaks and
/// tabs allowed, no other control characters and no bidirectional controls.
pub fn multi_line(field: &str, input: &str, max: usize) -> Result<String, DomainError> {
    let text = input.trim();
    check(field, text, max, true)?;
    Ok(text.to_owned())
}

/// The checks of [`single_line`] / [`multi_line`] on text the caller keeps as it is.
pub fn check(field: &str, text: &str, max: usize, multi_line: bool) -> Result<(), DomainError> {
    let count = text.chars().count();
    if count > max {
        return Err(DomainError::new(
            field,
            format!("{field}は{max}文字以内で入力してください（{count}文字あります）"),
        ));
    }
    if text.chars().any(is_bidi_control) {
        return Err(DomainError::new(
            field,
            format!(
                "{field}に文字の表示順を変える制御文字（U+202A〜U+202E、U+2066〜U+2069）は使えません"
            ),
        ));
    }
    let allowed = |c: char| multi_line && matches!(c, '\n' | '\r' | '\t');
    if text.chars().any(|c| c.is_control() && !allowed(c)) {
        let what = if multi_line {
            "改行とタブのほかの制御文字"
        } else {
            "改行・タブなどの制御文字"
        };
        return Err(DomainError::new(
            field,
            format!("{field}に{what}は使えません"),
        ));
    }
    Ok(())
}

/// A name taken from a file or an upload (a file name) made safe to show and store: the
/// controls and bidirectional characters dropped, at most `max` characters. For names the
/// person did not type into a field, where refusing would only lose the upload.
pub fn cleaned_name(raw: &str, max: usize) -> String {
    raw.trim()
        .chars()
        .filter(|&c| !c.is_control() && !is_bidi_control(c))
        .take(max)
        .collect()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use super::*;

    #[test]
    fn the_longest_word_is_replaced_once() {
        let pairs = [
            ("情報セキュリティ責任者", "情報責任者"),
            ("統括情報セキュリティ責任者", "統括責任者"),
            ("本市", "本町"),
            ("本町", "本村"),
        ];
        assert_eq!(
            replace_longest(
                "統括情報セキュリティ責任者及び情報セキュリティ責任者は本市の",
                &pairs
            ),
            "統括責任者及び情報責任者は本町の"
        );
        assert_eq!(replace_longest("なし", &[]), "なし");
    }

    #[test]
    fn a_file_size_reads_in_kilobytes_below_a_megabyte() {
        assert_eq!(file_size(48_130), "49 KB");
        assert_eq!(file_size(1), "1 KB");
        assert_eq!(file_size(12_345_678), "12.3 MB");
    }

    #[test]
    fn every_bidirectional_control_is_refused_in_a_single_line_field() {
        for c in ('\u{202A}'..='\u{202E}').chain('\u{2066}'..='\u{2069}') {
            let name = format!("invoice{c}txt.exe");
            let err = single_line("ファイル名", &name, 200).unwrap_err();
            assert_eq!(err.field, "ファイル名");
            assert!(err.message.contains("表示順"), "{}", err.message);
        }
        // Neighbours of the ranges are ordinary characters (LRM/RLM marks are not overrides).
        assert!(single_line("名称", "a\u{200F}b", 10).is_ok());
        assert!(single_line("名称", "a\u{2070}b", 10).is_ok());
    }

    #[test]
    fn line_breaks_are_for_multi_line_text_only() {
        assert!(single_line("名称", "一行目\n二行目", 100).is_err());
        assert_eq!(
            multi_line("本文", " 一行目\n\t二行目 ", 100).unwrap(),
            "一行目\n\t二行目"
        );
        assert!(multi_line("本文", "ベル\u{7}", 100).is_err());
        assert!(multi_line("本文", "上書き\u{202E}", 100).is_err());
    }

    #[test]
    fn the_maximum_is_counted_in_characters_and_named() {
        assert!(single_line("名称", &"あ".repeat(10), 10).is_ok());
        let err = single_line("名称", &"あ".repeat(11), 10).unwrap_err();
        assert!(err.message.contains("10文字以内"), "{}", err.message);
    }

    #[test]
    fn a_file_name_is_cleaned_not_refused() {
        assert_eq!(
            cleaned_name(" invoice\u{202E}txt.exe\n", 200),
            "invoicetxt.exe"
        );
        assert_eq!(cleaned_name("あいうえお", 3), "あいう");
    }
}
