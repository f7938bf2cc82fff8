//! Reading a policy document: plain text or Markdown (UTF-8, UTF-16 with BOM, Shift_JIS/CP932),
//! Word (.docx: the paragraphs of `word/document.xml`) and PDF with a text layer (through the
//! `pdftotext` program of poppler-utils).

use crate::GapError;
use std::io::Read;
use std::path::Path;
use std::process::Command;

/// Which kind of file a name stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    /// .txt, .md or anything else read as text.
    Text,
    /// Word .docx.
    Docx,
    /// PDF.
    Pdf,
}

impl FileKind {
    /// Guesses the kind from the file name and, failing that, the first bytes.
    pub fn detect(file_name: &str, bytes: &[u8]) -> Self {
        let lower = file_name.to_lowercase();
        if lower.ends_with(".docx") {
            FileKind::Docx
        } else if lower.ends_with(".pdf") || bytes.starts_with(b"%PDF-") {
            FileKind::Pdf
        } else if bytes.starts_with(b"PK\x03\x04") && lower.ends_with(".docm") {
            FileKind::Docx
        } else {
            FileKind::Text
        }
    }
}

/// The text of a document as lines (not yet cleaned), from its bytes and file name.
pub fn read_bytes(bytes: &[u8], file_name: &str) -> Result<String, GapError> {
    match FileKind::detect(file_name, bytes) {
        FileKind::Text => decode_text(bytes),
        FileKind::Docx => docx_text(bytes),
        FileKind::Pdf => {
            let path = std::env::temp_dir().join(format!(
                "mamori-gap-{}-{}.pdf",
                std::process::id(),
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map(|d| d.as_nanos())
                    .unwrap_or(0)
            ));
            std::fs::write(&path, bytes).map_err(|e| GapError::Read {
                name: file_name.to_owned(),
                message: e.to_string(),
            })?;
            let out = pdf_text(&path);
            let _ = std::fs::remove_file(&path);
            out
        }
    }
}

/// The text of the document at `path`.
pub fn read_path(path: &Path) -> Result<String, GapError> {
    let name = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|e| GapError::Read {
        name: name.clone(),
        message: e.to_string(),
    })?;
    match FileKind::detect(&name, &bytes) {
        FileKind::Pdf => pdf_text(path),
        _ => read_bytes(&bytes, &name),
    }
}

/// Decodes text: a BOM decides; otherwise valid UTF-8, else Shift_JIS (CP932).
pub fn decode_text(bytes: &[u8]) -> Result<String, GapError> {
    if let Some((enc, bom)) = encoding_rs::Encoding::for_bom(bytes) {
        let (text, had_errors) = enc.decode_without_bom_handling(&bytes[bom..]);
        if !had_errors {
            return Ok(text.into_owned());
        }
    }
    if let Ok(s) = std::str::from_utf8(bytes) {
        return Ok(s.to_owned());
    }
    let (text, _, had_errors) = encoding_rs::SHIFT_JIS.decode(bytes);
    if !had_errors {
        return Ok(text.into_owned());
    }
    let (text, _, had_errors) = encoding_rs::EUC_JP.decode(bytes);
    if !had_errors {
        return Ok(text.into_owned());
    }
    Err(GapError::Encoding)
}

/// The paragraphs of a .docx, one per line; table cells are paragraphs too, a tab becomes a space.
pub fn docx_text(bytes: &[u8]) -> Result<String, GapError> {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes))
        .map_err(|e| GapError::Docx(e.to_string()))?;
    let mut xml = String::new();
    archive
        .by_name("word/document.xml")
        .map_err(|e| GapError::Docx(e.to_string()))?
        .read_to_string(&mut xml)
        .map_err(|e| GapError::Docx(e.to_string()))?;
    paragraphs_of(&xml)
}

fn paragraphs_of(xml: &str) -> Result<String, GapError> {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_str(xml);
    let mut out = String::new();
    let mut in_text = false;
    let mut para = String::new();
    loop {
        match reader.read_event() {
            Ok(Event::Start(e)) => match e.local_name().as_ref() {
                b"t" => in_text = true,
                b"p" => para.clear(),
                _ => {}
            },
            Ok(Event::Empty(e)) => match e.local_name().as_ref() {
                b"tab" => para.push(' '),
                b"br" => para.push('\n'),
                _ => {}
            },
            Ok(Event::End(e)) => match e.local_name().as_ref() {
                b"t" => in_text = false,
                b"p" => {
                    out.push_str(&para);
                    out.push('\n');
                    para.clear();
                }
                _ => {}
            },
            Ok(Event::Text(t)) if in_text => {
                let s = t
                    .decode()
                    .map_err(|e| GapError::Docx(e.to_string()))?
                    .into_owned();
                para.push_str(&unescape(&s));
            }
            Ok(Event::GeneralRef(r)) if in_text => {
                let name = r.decode().map_err(|e| GapError::Docx(e.to_string()))?;
                para.push_str(&unescape(&format!("&{name};")));
            }
            Ok(Event::Eof) => break,
            Err(e) => return Err(GapError::Docx(e.to_string())),
            _ => {}
        }
    }
    Ok(out)
}

fn unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&amp;", "&")
}

/// The text layer of a PDF through `pdftotext -layout`.
pub fn pdf_text(path: &Path) -> Result<String, GapError> {
    let output = Command::new("pdftotext")
        .arg("-enc")
        .arg("UTF-8")
        .arg(path)
        .arg("-")
        .output()
        .map_err(|e| {
            if e.kind() == std::io::ErrorKind::NotFound {
                GapError::PdfToolMissing
            } else {
                GapError::Pdf(e.to_string())
            }
        })?;
    if !output.status.success() {
        return Err(GapError::Pdf(
            String::from_utf8_lossy(&output.stderr).trim().to_owned(),
        ));
    }
    let text = String::from_utf8_lossy(&output.stdout).into_owned();
    let visible = text
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '\u{c}')
        .count();
    if visible < 20 {
        return Err(GapError::NoTextLayer);
    }
    Ok(text)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn shift_jis_and_utf8_are_both_read() {
        let (sjis, _, _) = encoding_rs::SHIFT_JIS.encode("情報セキュリティ基本方針\n①ネットワーク");
        assert_eq!(
            decode_text(&sjis).unwrap(),
            "情報セキュリティ基本方針\n①ネットワーク"
        );
        assert_eq!(decode_text("目的".as_bytes()).unwrap(), "目的");
        let mut bom = vec![0xEF, 0xBB, 0xBF];
        bom.extend_from_slice("定義".as_bytes());
        assert_eq!(decode_text(&bom).unwrap(), "定義");
    }

    #[test]
    fn word_paragraphs_become_lines() {
        let xml = r#"<w:document xmlns:w="x"><w:body><w:p><w:r><w:t>1 目的</w:t></w:r></w:p><w:p><w:r><w:t>A&amp;B</w:t><w:tab/><w:t>C</w:t></w:r></w:p></w:body></w:document>"#;
        assert_eq!(paragraphs_of(xml).unwrap(), "1 目的\nA&B C\n");
    }
}
