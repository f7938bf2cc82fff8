//! Gap analysis of an existing policy against the guideline catalog.
//!
//! A municipality's policy, written years ago against an older guideline edition, is read
//! ([`input`]: text in UTF-8 or Shift_JIS, Markdown, .docx, PDF with a text layer), cleaned of
//! extraction artefacts and cut into provisions by its own numbering ([`segment`]), and aligned
//! to the catalog's clauses ([`align`]). The [`report::Report`] says per clause whether the
//! document covers it, covers it partly (and what is missing) or omits it, where, and with which
//! score; which provisions are local additions; which 2023 revision points it does not reflect.
//! [`xlsx`] writes it as a workbook. [`eval`] measures the accuracy on a hand-labelled real
//! policy and on synthetic policies made from the 例文.
//!
//! Pure: no database, no network; PDF text comes from the `pdftotext` program.

pub mod align;
pub mod eval;
pub mod input;
pub mod report;
pub mod roles;
pub mod segment;
pub mod text;
pub mod xlsx;

pub use align::{Analyzer, Thresholds};
pub use report::{Report, Status};
pub use segment::{Line, Provision};

use std::path::Path;

/// Why a document cannot be analysed. Messages are for the user, in Japanese.
#[derive(Debug, thiserror::Error)]
pub enum GapError {
    /// The file cannot be read.
    #[error("{name} を読み込めません: {message}")]
    Read {
        /// File name.
        name: String,
        /// Cause.
        message: String,
    },
    /// Neither UTF-8 nor Shift_JIS.
    #[error("文字コードを判別できません。UTF-8 または Shift_JIS のテキストにしてください。")]
    Encoding,
    /// A broken .docx.
    #[error("Word 文書（.docx）を読み取れません: {0}")]
    Docx(String),
    /// pdftotext is not installed.
    #[error(
        "PDF を読むには pdftotext（poppler-utils）が必要です。インストールするか、テキストに変換してから取り込んでください。"
    )]
    PdfToolMissing,
    /// pdftotext failed.
    #[error("PDF を読み取れません: {0}")]
    Pdf(String),
    /// A scanned PDF.
    #[error(
        "この PDF には文字情報（テキスト層）がありません。スキャンした画像の PDF は読み取れないため、OCR でテキスト化してから取り込んでください。"
    )]
    NoTextLayer,
    /// Nothing to analyse.
    #[error("文書に条項が見つかりません。")]
    Empty,
    /// The text passes [`input::MAX_TEXT_CHARS`].
    #[error(
        "文書の本文が長すぎます（上限 {limit} 文字）。対策基準の本文だけのファイルにして取り込んでください。"
    )]
    TextTooLong {
        /// The limit.
        limit: usize,
    },
    /// The text passes [`input::MAX_LINES`].
    #[error(
        "文書の行数が多すぎます（上限 {limit} 行）。対策基準の本文だけのファイルにして取り込んでください。"
    )]
    TooManyLines {
        /// The limit.
        limit: usize,
    },
    /// A part of a .docx expands past [`input::MAX_DOCX_PART_BYTES`].
    #[error("Word 文書の {part} を展開すると上限（{limit_mb} MB）を超えます。")]
    DocxPartTooLarge {
        /// The part's name in the archive.
        part: &'static str,
        /// The limit in MB.
        limit_mb: u64,
    },
    /// pdftotext passed its time or memory limit.
    #[error(
        "PDF の読み取りが制限（{seconds} 秒、メモリ 1 GB）内に終わりませんでした。Word かテキストに変換してから取り込んでください。"
    )]
    PdfTooHeavy {
        /// The time limit.
        seconds: u64,
    },
    /// The workbook cannot be written.
    #[error("Excel ファイルを作成できません: {0}")]
    Xlsx(String),
}

/// A document read and cut into provisions.
#[derive(Debug, Clone)]
pub struct Document {
    /// Its title: the first line.
    pub title: String,
    /// Lines of the input.
    pub lines: usize,
    /// The provisions in document order.
    pub provisions: Vec<Provision>,
}

impl Document {
    /// Cleans and segments a text.
    pub fn from_text(text: &str) -> Result<Self, GapError> {
        input::check_text(text)?;
        let lines = segment::clean(text);
        let provisions = segment::segment(&lines);
        if provisions.is_empty() {
            return Err(GapError::Empty);
        }
        let title = lines
            .first()
            .map(|l| {
                segment::fold_width(&l.text)
                    .trim_start_matches('#')
                    .trim()
                    .to_owned()
            })
            .unwrap_or_default();
        Ok(Document {
            title,
            lines: text.lines().count(),
            provisions,
        })
    }

    /// Reads, cleans and segments a file's bytes.
    pub fn from_bytes(bytes: &[u8], file_name: &str) -> Result<Self, GapError> {
        Self::from_text(&input::read_bytes(bytes, file_name)?)
    }

    /// Reads, cleans and segments a file.
    pub fn from_path(path: &Path) -> Result<Self, GapError> {
        Self::from_text(&input::read_path(path)?)
    }
}

/// Analyses a document against a catalog (builds the analyzer; to analyse many documents, build
/// an [`Analyzer`] once).
pub fn analyze(catalog: &mamori_catalog::Catalog, doc: &Document) -> Report {
    Analyzer::new(catalog).analyze(&doc.title, doc.lines, &doc.provisions)
}
