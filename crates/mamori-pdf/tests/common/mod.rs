//! A PDF's text read back with poppler's `pdftotext`, for the tests of each document.

use std::process::Command;

/// The text of `pdf`, written for the reading as `name` in a folder of its own.
/// MAMORI_PDF_KEEP=/tmp/x.pdf keeps a copy to look at the layout (pdftoppm, a viewer).
pub fn pdf_text(pdf: &[u8], name: &str) -> String {
    assert!(pdf.starts_with(b"%PDF"), "not a PDF");
    let dir = std::env::temp_dir().join(format!("mamori-pdf-test-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, pdf).unwrap();
    if let Ok(keep) = std::env::var("MAMORI_PDF_KEEP") {
        std::fs::write(keep, pdf).unwrap();
    }
    let output = match Command::new("pdftotext")
        .args(["-enc", "UTF-8"])
        .arg(&path)
        .arg("-")
        .output()
    {
        Ok(o) => o,
        Err(e) => panic!(
            "pdftotext を実行できません（{e}）。poppler-utils を入れてください: apt-get install -y poppler-utils"
        ),
    };
    std::fs::remove_dir_all(&dir).ok();
    assert!(output.status.success(), "pdftotext failed: {output:?}");
    // The break opportunities put into mail addresses read back as zero-width spaces.
    String::from_utf8(output.stdout)
        .unwrap()
        .replace('\u{200b}', "")
}

/// `text` without white space: pdftotext guesses spaces from glyph positions, turns the
/// full-width space into a line break or a space and adds spaces where typst puts a little
/// room between Japanese and Latin letters; cells and lines break text anywhere.
pub fn squeeze(text: &str) -> String {
    text.chars().filter(|c| !c.is_whitespace()).collect()
}
