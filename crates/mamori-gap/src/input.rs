//! Reading a policy document: plain text or Markdown (UTF-8, UTF-16 with BOM, Shift_JIS/CP932),
//! Word (.docx: the paragraphs of `word/document.xml`) and PDF with a text layer (through the
//! `pdftotext` program of poppler-utils).

//!
//! A document is outside input, so every step is bounded before it materialises anything: the
//! parts of a .docx are read up to [`MAX_DOCX_PART_BYTES`] as they expand (not by their declared
//! sizes), `pdftotext` runs under a memory, CPU and wall-clock limit with its output cut at a
//! bound, and the text itself may have at most [`MAX_TEXT_CHARS`] characters and [`MAX_LINES`]
//! lines (a policy's 対策基準 is a few hundred thousand characters; the whole guideline with its
//! commentary is about 180,000).

use crate::GapError;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Characters a document's text may have.
pub const MAX_TEXT_CHARS: usize = 1_000_000;
/// Lines a document's text may have.
pub const MAX_LINES: usize = 40_000;
/// What one part of a .docx (`word/document.xml`, `word/numbering.xml`) may expand to.
pub const MAX_DOCX_PART_BYTES: u64 = 32 * 1024 * 1024;
/// Address space `pdftotext` may use.
pub const PDF_MEMORY_BYTES: u64 = 1024 * 1024 * 1024;
/// Seconds (CPU and wall clock) `pdftotext` may take.
pub const PDF_SECONDS: u64 = 30;
/// Bytes of text a character may take at most in any encoding read here.
const MAX_BYTES_PER_CHAR: usize = 4;

/// Refuses a text over [`MAX_TEXT_CHARS`] characters or [`MAX_LINES`] lines.
pub fn check_text(text: &str) -> Result<(), GapError> {
    if text.len() > MAX_TEXT_CHARS * MAX_BYTES_PER_CHAR || text.chars().count() > MAX_TEXT_CHARS {
        return Err(GapError::TextTooLong {
            limit: MAX_TEXT_CHARS,
        });
    }
    if text.lines().count() > MAX_LINES {
        return Err(GapError::TooManyLines { limit: MAX_LINES });
    }
    Ok(())
}

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
    let failed = |message: String| GapError::Read {
        name: name.clone(),
        message,
    };
    let file = std::fs::File::open(path).map_err(|e| failed(e.to_string()))?;
    // A PDF or .docx compresses its text, so its own size says little; this bound only keeps a
    // device or a never-ending pipe from being read whole.
    let max = MAX_READ_BYTES;
    let mut bytes = Vec::new();
    file.take(max + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| failed(e.to_string()))?;
    if bytes.len() as u64 > max {
        return Err(failed(format!(
            "ファイルが大きすぎます（上限 {} MB）",
            max / 1024 / 1024
        )));
    }
    match FileKind::detect(&name, &bytes) {
        FileKind::Pdf => pdf_text(path),
        _ => read_bytes(&bytes, &name),
    }
}

/// Bytes of a file read from a path.
const MAX_READ_BYTES: u64 = 64 * 1024 * 1024;

/// Decodes text: a BOM decides; otherwise valid UTF-8, else Shift_JIS (CP932).
pub fn decode_text(bytes: &[u8]) -> Result<String, GapError> {
    if bytes.len() > MAX_TEXT_CHARS * MAX_BYTES_PER_CHAR {
        return Err(GapError::TextTooLong {
            limit: MAX_TEXT_CHARS,
        });
    }
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
/// Numbers that Word generates (自動番号: 「第1条」「(1)」「ア」 from `numbering.xml`) are written
/// in front of their paragraphs, and paragraphs in a heading style get a Markdown `#` per level,
/// so that the document's structure survives as text.
pub fn docx_text(bytes: &[u8]) -> Result<String, GapError> {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes))
        .map_err(|e| GapError::Docx(e.to_string()))?;
    let xml = docx_part(
        archive
            .by_name("word/document.xml")
            .map_err(|e| GapError::Docx(e.to_string()))?,
        "word/document.xml",
    )?;
    let numbering = match archive.by_name("word/numbering.xml") {
        Ok(f) => Numbering::parse(&docx_part(f, "word/numbering.xml")?),
        Err(_) => Numbering::default(),
    };
    paragraphs_of(&xml, &numbering)
}

/// A part of a .docx as text, read up to [`MAX_DOCX_PART_BYTES`] as it expands.
fn docx_part(part: impl Read, name: &'static str) -> Result<String, GapError> {
    let mut bytes = Vec::new();
    part.take(MAX_DOCX_PART_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| GapError::Docx(e.to_string()))?;
    if bytes.len() as u64 > MAX_DOCX_PART_BYTES {
        return Err(GapError::DocxPartTooLarge {
            part: name,
            limit_mb: MAX_DOCX_PART_BYTES / 1024 / 1024,
        });
    }
    String::from_utf8(bytes).map_err(|e| GapError::Docx(e.to_string()))
}

/// Levels of a Word numbering (`w:ilvl` 0 to 8); a file's larger number is read as level 0, never
/// as the size of a table to allocate.
const MAX_LEVELS: usize = 9;

/// One level of a numbering definition: `numFmt` and `lvlText` (「第%1条」, 「(%2)」).
#[derive(Debug, Clone, Default)]
struct Level {
    format: String,
    text: String,
    start: u32,
}

/// The numbering definitions of a .docx: numId → abstract definition → levels.
#[derive(Debug, Clone, Default)]
struct Numbering {
    abstracts: std::collections::HashMap<String, Vec<Level>>,
    nums: std::collections::HashMap<String, String>,
}

fn attr(e: &quick_xml::events::BytesStart<'_>, name: &[u8]) -> Option<String> {
    e.attributes().flatten().find_map(|a| {
        (a.key.local_name().as_ref() == name)
            .then(|| String::from_utf8_lossy(&a.value).into_owned())
    })
}

impl Numbering {
    fn parse(xml: &str) -> Self {
        use quick_xml::events::Event;
        let mut reader = quick_xml::Reader::from_str(xml);
        let mut n = Numbering::default();
        let mut abstract_id: Option<String> = None;
        let mut num_id: Option<String> = None;
        let mut level: Option<usize> = None;
        loop {
            let (e, empty) = match reader.read_event() {
                Ok(Event::Start(e)) => (e, false),
                Ok(Event::Empty(e)) => (e, true),
                Ok(Event::End(e)) => {
                    match e.local_name().as_ref() {
                        b"abstractNum" => abstract_id = None,
                        b"num" => num_id = None,
                        b"lvl" => level = None,
                        _ => {}
                    }
                    continue;
                }
                Ok(Event::Eof) | Err(_) => break,
                _ => continue,
            };
            match e.local_name().as_ref() {
                b"abstractNum" if !empty => abstract_id = attr(&e, b"abstractNumId"),
                b"num" if !empty => num_id = attr(&e, b"numId"),
                b"lvl" if !empty => {
                    level = attr(&e, b"ilvl")
                        .and_then(|v| v.parse().ok())
                        .filter(|l| *l < MAX_LEVELS);
                }
                b"abstractNumId" => {
                    if let (Some(num), Some(v)) = (&num_id, attr(&e, b"val")) {
                        n.nums.insert(num.clone(), v);
                    }
                }
                name @ (b"numFmt" | b"lvlText" | b"start") => {
                    if let (Some(a), Some(l), Some(v)) = (&abstract_id, level, attr(&e, b"val")) {
                        let levels = n.abstracts.entry(a.clone()).or_default();
                        if levels.len() <= l {
                            levels.resize(l + 1, Level::default());
                        }
                        match name {
                            b"numFmt" => levels[l].format = v,
                            b"lvlText" => levels[l].text = v,
                            _ => levels[l].start = v.parse().unwrap_or(1),
                        }
                    }
                }
                _ => {}
            }
        }
        n
    }

    fn levels(&self, num_id: &str) -> Option<&Vec<Level>> {
        self.abstracts.get(self.nums.get(num_id)?)
    }
}

/// A counter written in a Word number format.
fn format_number(n: u32, format: &str) -> String {
    const KANA: &str = "アイウエオカキクケコサシスセソタチツテトナニヌネノハヒフヘホマミムメモヤユヨラリルレロワヲン";
    const IROHA: &str = "イロハニホヘトチリヌルヲワカヨタレソツネナラムウヰノオクヤマケフコエテアサキユメミシヱヒモセス";
    const KANJI: [&str; 11] = [
        "〇", "一", "二", "三", "四", "五", "六", "七", "八", "九", "十",
    ];
    let nth = |set: &str| {
        set.chars()
            .nth(n.saturating_sub(1) as usize)
            .map(String::from)
            .unwrap_or_else(|| n.to_string())
    };
    match format {
        "aiueo" | "aiueoFullWidth" => nth(KANA),
        "iroha" | "irohaFullWidth" => nth(IROHA),
        "decimalEnclosedCircle" | "decimalEnclosedCircleChinese" if (1..=20).contains(&n) => {
            char::from_u32(0x245F + n)
                .map(String::from)
                .unwrap_or_default()
        }
        "ideographDigital"
        | "japaneseCounting"
        | "ideographTraditional"
        | "chineseCounting"
        | "japaneseLegal" => {
            if n <= 10 {
                KANJI[n as usize].to_owned()
            } else if n < 20 {
                format!("十{}", KANJI[(n - 10) as usize])
            } else {
                n.to_string()
            }
        }
        "upperLetter" => char::from_u32(0x40 + n.min(26))
            .map(String::from)
            .unwrap_or_default(),
        "lowerLetter" => char::from_u32(0x60 + n.min(26))
            .map(String::from)
            .unwrap_or_default(),
        "decimalFullWidth" | "decimalFullWidth2" => n
            .to_string()
            .chars()
            .map(|c| char::from_u32(c as u32 + 0xFEE0).unwrap_or(c))
            .collect(),
        "bullet" | "none" => String::new(),
        _ => n.to_string(),
    }
}

fn paragraphs_of(xml: &str, numbering: &Numbering) -> Result<String, GapError> {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_str(xml);
    let mut out = String::new();
    let mut in_text = false;
    let mut para = String::new();
    let mut style: Option<String> = None;
    let mut num: Option<String> = None;
    let mut ilvl: usize = 0;
    let mut counters: std::collections::HashMap<String, Vec<u32>> =
        std::collections::HashMap::new();
    loop {
        match reader.read_event() {
            Ok(Event::Start(e)) => match e.local_name().as_ref() {
                b"t" => in_text = true,
                b"p" => {
                    para.clear();
                    style = None;
                    num = None;
                    ilvl = 0;
                }
                _ => {}
            },
            Ok(Event::Empty(e)) => match e.local_name().as_ref() {
                b"tab" => para.push(' '),
                b"br" => para.push('\n'),
                b"pStyle" => style = attr(&e, b"val"),
                b"numId" => num = attr(&e, b"val"),
                b"ilvl" => {
                    ilvl = attr(&e, b"val")
                        .and_then(|v| v.parse().ok())
                        .filter(|l| *l < MAX_LEVELS)
                        .unwrap_or(0);
                }
                _ => {}
            },
            Ok(Event::End(e)) => match e.local_name().as_ref() {
                b"t" => in_text = false,
                b"p" => {
                    let mut prefix = String::new();
                    if let Some(id) = num.as_deref().filter(|id| *id != "0")
                        && let Some(levels) = numbering.levels(id)
                    {
                        let c = counters.entry(id.to_owned()).or_default();
                        if c.len() <= ilvl {
                            c.resize(ilvl + 1, 0);
                        }
                        c[ilvl] = c[ilvl].saturating_add(1);
                        c.truncate(ilvl + 1);
                        if let Some(level) = levels.get(ilvl) {
                            let mut text = level.text.clone();
                            for (k, value) in c.iter().enumerate() {
                                let fmt = levels.get(k).map(|l| l.format.as_str()).unwrap_or("");
                                let start = levels.get(k).map(|l| l.start.max(1)).unwrap_or(1);
                                text = text.replace(
                                    &format!("%{}", k + 1),
                                    &format_number(value.saturating_add(start - 1), fmt),
                                );
                            }
                            if !text.trim().is_empty() && level.format != "bullet" {
                                prefix = format!("{text} ");
                            }
                        }
                    }
                    let heading = style.as_deref().and_then(|s| {
                        let digits = s
                            .strip_prefix("Heading")
                            .or_else(|| s.strip_prefix("heading"))
                            .unwrap_or(s);
                        digits.parse::<usize>().ok().filter(|l| (1..=6).contains(l))
                    });
                    if let Some(level) = heading
                        && prefix.is_empty()
                        && !para.trim().is_empty()
                    {
                        prefix = format!("{} ", "#".repeat(level));
                    }
                    out.push_str(&prefix);
                    out.push_str(&para);
                    out.push('\n');
                    para.clear();
                    if out.len() > MAX_TEXT_CHARS * MAX_BYTES_PER_CHAR {
                        return Err(GapError::TextTooLong {
                            limit: MAX_TEXT_CHARS,
                        });
                    }
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

/// The text layer of a PDF through `pdftotext`, run under `prlimit` (util-linux) with
/// [`PDF_MEMORY_BYTES`] of address space and [`PDF_SECONDS`] of CPU, stopped after
/// [`PDF_SECONDS`] of wall clock, its output read up to the bound of a text.
pub fn pdf_text(path: &Path) -> Result<String, GapError> {
    let pdftotext = in_path("pdftotext").ok_or(GapError::PdfToolMissing)?;
    let mut command = match in_path("prlimit") {
        Some(prlimit) => {
            let mut c = Command::new(prlimit);
            c.arg(format!("--as={PDF_MEMORY_BYTES}"))
                .arg(format!("--cpu={PDF_SECONDS}"))
                .arg("--")
                .arg(pdftotext);
            c
        }
        None => Command::new(pdftotext),
    };
    let mut child = command
        .arg("-enc")
        .arg("UTF-8")
        .arg(path)
        .arg("-")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| GapError::Pdf(e.to_string()))?;
    let max_bytes = (MAX_TEXT_CHARS * MAX_BYTES_PER_CHAR) as u64;
    let stdout = child.stdout.take();
    let stderr = child.stderr.take();
    // Read on threads so that neither pipe fills and blocks the program; the output reader
    // stops at its bound.
    let reader = std::thread::spawn(move || {
        let mut out = Vec::new();
        if let Some(s) = stdout {
            let _ = s.take(max_bytes + 1).read_to_end(&mut out);
        }
        out
    });
    let errors = std::thread::spawn(move || {
        let mut err = Vec::new();
        if let Some(s) = stderr {
            let _ = s.take(64 * 1024).read_to_end(&mut err);
        }
        err
    });
    let deadline = Instant::now() + Duration::from_secs(PDF_SECONDS);
    let status = loop {
        if let Some(status) = child.try_wait().map_err(|e| GapError::Pdf(e.to_string()))? {
            break Some(status);
        }
        // Past the deadline (a program whose output passed its bound waits on the full pipe
        // until then).
        if Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let output = reader.join().unwrap_or_default();
    let stderr = errors.join().unwrap_or_default();
    if output.len() as u64 > max_bytes {
        return Err(GapError::TextTooLong {
            limit: MAX_TEXT_CHARS,
        });
    }
    let Some(status) = status else {
        return Err(GapError::PdfTooHeavy {
            seconds: PDF_SECONDS,
        });
    };
    if !status.success() {
        // Killed by its CPU limit, or out of its address space.
        use std::os::unix::process::ExitStatusExt;
        let stderr = String::from_utf8_lossy(&stderr);
        if status.signal().is_some() || stderr.contains("alloc") || stderr.contains("memory") {
            return Err(GapError::PdfTooHeavy {
                seconds: PDF_SECONDS,
            });
        }
        return Err(GapError::Pdf(stderr.trim().to_owned()));
    }
    let text = String::from_utf8_lossy(&output).into_owned();
    let visible = text
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '\u{c}')
        .count();
    if visible < 20 {
        return Err(GapError::NoTextLayer);
    }
    Ok(text)
}

/// A program by its name in the directories of `PATH`.
fn in_path(program: &str) -> Option<PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|dir| dir.join(program))
        .find(|p| p.is_file())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn docx_with(document_xml: &[u8]) -> Vec<u8> {
        use std::io::Write;
        let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        zip.start_file(
            "word/document.xml",
            zip::write::SimpleFileOptions::default(),
        )
        .unwrap();
        zip.write_all(document_xml).unwrap();
        zip.finish().unwrap().into_inner()
    }

    #[test]
    fn a_docx_part_that_expands_past_its_bound_is_refused_as_it_expands() {
        let spaces = vec![b' '; MAX_DOCX_PART_BYTES as usize + 1];
        let docx = docx_with(&spaces);
        assert!(docx.len() < 256 * 1024, "{}", docx.len());
        let err = docx_text(&docx).unwrap_err();
        assert!(
            matches!(
                err,
                GapError::DocxPartTooLarge {
                    part: "word/document.xml",
                    limit_mb: 32
                }
            ),
            "{err:?}"
        );
        assert!(err.to_string().contains("上限（32 MB）"));
    }

    #[test]
    fn a_text_past_its_characters_or_lines_is_refused_by_name() {
        let long = "あ".repeat(MAX_TEXT_CHARS + 1);
        assert!(matches!(
            crate::Document::from_text(&long),
            Err(GapError::TextTooLong { .. })
        ));
        let lines = "第1条 a\n".repeat(MAX_LINES + 1);
        let err = crate::Document::from_text(&lines).unwrap_err();
        assert!(err.to_string().contains("40000 行"), "{err}");
        // A file whose bytes alone pass the bound is refused before it is decoded.
        let bytes = vec![b'a'; MAX_TEXT_CHARS * MAX_BYTES_PER_CHAR + 1];
        assert!(matches!(
            decode_text(&bytes),
            Err(GapError::TextTooLong { .. })
        ));
    }

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
        assert_eq!(
            paragraphs_of(xml, &Numbering::default()).unwrap(),
            "1 目的\nA&B C\n"
        );
    }

    #[test]
    fn word_automatic_numbers_and_heading_styles_are_written_out() {
        let numbering = Numbering::parse(
            r#"<w:numbering xmlns:w="x"><w:abstractNum w:abstractNumId="3"><w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="decimal"/><w:lvlText w:val="第%1条"/></w:lvl><w:lvl w:ilvl="1"><w:numFmt w:val="decimalFullWidth"/><w:lvlText w:val="（%2）"/></w:lvl><w:lvl w:ilvl="2"><w:numFmt w:val="aiueoFullWidth"/><w:lvlText w:val="%3"/></w:lvl></w:abstractNum><w:num w:numId="5"><w:abstractNumId w:val="3"/></w:num></w:numbering>"#,
        );
        let p = |lvl: u8, text: &str| {
            format!(
                r#"<w:p><w:pPr><w:numPr><w:ilvl w:val="{lvl}"/><w:numId w:val="5"/></w:numPr></w:pPr><w:r><w:t>{text}</w:t></w:r></w:p>"#
            )
        };
        let xml = format!(
            r#"<w:document xmlns:w="x"><w:body><w:p><w:pPr><w:pStyle w:val="1"/></w:pPr><w:r><w:t>基本方針</w:t></w:r></w:p>{}{}{}{}{}</w:body></w:document>"#,
            p(0, "目的"),
            p(0, "定義"),
            p(1, "ネットワーク"),
            p(2, "通信網"),
            p(1, "情報システム"),
        );
        assert_eq!(
            paragraphs_of(&xml, &numbering).unwrap(),
            "# 基本方針\n第1条 目的\n第2条 定義\n（１） ネットワーク\nア 通信網\n（２） 情報システム\n"
        );
    }
}
