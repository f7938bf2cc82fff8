//! The policy as a Word document (.docx) in 例規 style, for the 文書法制 officer and for bodies
//! that keep their 例規集 in Word.
//!
//! Layout only: the [`PolicyDocument`] already carries every number (第2章 / 1 / （2） / ⑧) and
//! every marker inside a clause, so this writer never numbers anything. Built with `docx-rs`;
//! where that library has a gap the workaround is noted at the place it is made.
//!
//! Page structure: one section for the front matter (表紙, 改定履歴, 目次), then one section per
//! part, so each part starts on a new page and carries its own marking in the page header.

use std::collections::HashMap;
use std::io::Cursor;

use docx_rs::{
    AlignmentType, BreakType, Docx, FieldCharType, Footer, Header, Hyperlink, HyperlinkType,
    InstrText, LineSpacing, PageMargin, PageNum, Paragraph, Run, RunFonts, Section, Shading,
    SpecialIndentType, Style, StyleType, Table, TableCell, TableRow, WidthType,
};

use crate::ExportError;
use crate::policy_document::{
    DocBlock, DocPart, Marking, PolicyDocument, leading_marker, marker_halves, numbered_title,
};

/// Body text: 明朝 for Japanese, Century for Latin — the pairing of Japanese official documents.
const MINCHO: &str = "ＭＳ 明朝";
const GOTHIC: &str = "ＭＳ ゴシック";
const LATIN: &str = "Century";

/// Sizes are in half-points, as Word stores them: 10.5pt body.
pub(crate) const BODY_SIZE: usize = 21;
/// One full-width character at 10.5pt, in twips (1/20 pt): the unit of Japanese indents.
const CHAR: i32 = 210;

/// A4 portrait in twips.
pub(crate) const A4_WIDTH: u32 = 11906;
pub(crate) const A4_HEIGHT: u32 = 16838;
/// 30 mm top, 25 mm elsewhere (1 mm ≈ 56.7 twips).
const MARGIN_TOP: i32 = 1701;
pub(crate) const MARGIN_SIDE: i32 = 1417;
/// The width between the side margins of an A4 portrait page.
pub(crate) const TEXT_WIDTH: usize = (A4_WIDTH as usize) - 2 * (MARGIN_SIDE as usize);

/// Style ids. The heading ids are Word's built-in ones so the navigation pane and a TOC field
/// find them; the others are ours.
const HEADING_IDS: [&str; 4] = ["Heading1", "Heading2", "Heading3", "Heading4"];
const PART_TITLE: &str = "PartTitle";
const PART_TITLE_NAME: &str = "Part Title";
const TOC_IDS: [&str; 3] = ["TOC1", "TOC2", "TOC3"];
const CAPTION: &str = "Caption";
const LOCAL_TITLE: &str = "LocalClauseTitle";

/// Writes the policy as a .docx file.
pub fn policy_docx(doc: &PolicyDocument) -> Result<Vec<u8>, ExportError> {
    let bookmarks = Bookmarks::new(doc);

    let mut docx = Docx::new()
        .page_size(A4_WIDTH, A4_HEIGHT)
        .page_margin(page_margin())
        .default_fonts(body_fonts())
        .default_size(BODY_SIZE)
        .default_line_spacing(LineSpacing::new().after(0));
    for style in styles() {
        docx = docx.add_style(style);
    }

    // docx-rs (0.4.22) keeps only the first of a section's header and footer: `add_section`
    // rebuilds the section with `..Default::default()` after taking the header, dropping the
    // footer. Word and LibreOffice let a section without its own footer reuse the previous
    // one, so the footer is given once, on the first section, and the part sections carry
    // only their header.
    // The title page carries no page number: with a distinct first page and no first-page
    // footer, its footer stays empty while the pages after it are numbered.
    let mut front = Section::new()
        .page_size(a4())
        .page_margin(page_margin())
        .title_pg()
        .footer(page_number_footer());
    for item in front_matter(doc, &bookmarks) {
        front = item.into_section(front);
    }
    docx = docx.add_section(front);

    let last = doc.parts.len().saturating_sub(1);
    for (i, part) in doc.parts.iter().enumerate() {
        let items = part_body(part, &bookmarks);
        if i < last {
            let mut section = Section::new()
                .page_size(a4())
                .page_margin(page_margin())
                .header(marking_header(part.marking));
            for item in items {
                section = item.into_section(section);
            }
            docx = docx.add_section(section);
        } else {
            // The last part is the document's final section, whose properties docx-rs keeps
            // on the document itself, so both header and footer survive here.
            docx = docx
                .header(marking_header(part.marking))
                .footer(page_number_footer());
            for item in items {
                docx = item.into_docx(docx);
            }
        }
    }

    pack(docx)
}

/// The document as the bytes of a .docx file.
pub(crate) fn pack(docx: Docx) -> Result<Vec<u8>, ExportError> {
    let mut out = Cursor::new(Vec::new());
    docx.build()
        .pack(&mut out)
        .map_err(|e| ExportError::Docx(e.to_string()))?;
    Ok(out.into_inner())
}

/// A paragraph or a table: the two things a section or the document body can hold.
/// Both boxed: a `Table` is several times the size of a `Paragraph`.
pub(crate) enum Item {
    Para(Box<Paragraph>),
    Table(Box<Table>),
}

impl Item {
    pub(crate) fn para(p: Paragraph) -> Self {
        Self::Para(Box::new(p))
    }

    pub(crate) fn table(t: Table) -> Self {
        Self::Table(Box::new(t))
    }

    fn into_section(self, section: Section) -> Section {
        match self {
            Self::Para(p) => section.add_paragraph(*p),
            Self::Table(t) => section.add_table(*t),
        }
    }

    pub(crate) fn into_docx(self, docx: Docx) -> Docx {
        match self {
            Self::Para(p) => docx.add_paragraph(*p),
            Self::Table(t) => docx.add_table(*t),
        }
    }
}

/// Bookmark names for the headings. Word limits names to 40 characters of letters, digits and
/// underscores starting with a letter; the model's anchors make no such promise, so each
/// heading gets a name of ours, looked up by its anchor.
struct Bookmarks {
    names: HashMap<String, (usize, String)>,
}

impl Bookmarks {
    fn new(doc: &PolicyDocument) -> Self {
        let mut names = HashMap::new();
        let anchors = doc
            .parts
            .iter()
            .flat_map(|p| &p.blocks)
            .filter_map(|b| match b {
                DocBlock::Heading { anchor, .. } => Some(anchor),
                _ => None,
            });
        for anchor in anchors {
            let id = names.len() + 1;
            names
                .entry(anchor.clone())
                .or_insert_with(|| (id, format!("mamori_h{id}")));
        }
        Self { names }
    }

    fn get(&self, anchor: &str) -> Option<&(usize, String)> {
        self.names.get(anchor)
    }
}

// ---------------------------------------------------------------------------------------------
// Front matter

fn front_matter(doc: &PolicyDocument, bookmarks: &Bookmarks) -> Vec<Item> {
    let mut items = Vec::new();

    // 表紙: the marking of the whole document is that of its most restricted part.
    let marking = doc
        .parts
        .iter()
        .map(|p| p.marking)
        .max_by_key(|m| marking_rank(*m))
        .unwrap_or(Marking::Public);
    items.push(Item::para(
        Paragraph::new()
            .align(AlignmentType::Right)
            .add_run(gothic_run(&format!("【{}】", marking.label()))),
    ));
    for _ in 0..8 {
        items.push(Item::para(Paragraph::new()));
    }
    items.push(centered(&doc.body_name, 28, false));
    items.push(Item::para(Paragraph::new()));
    items.push(centered(&doc.title, 40, true));
    items.push(Item::para(Paragraph::new()));
    items.push(centered(&doc.edition_caption(), 32, true));
    for _ in 0..6 {
        items.push(Item::para(Paragraph::new()));
    }
    let undecided = "未定";
    for (label, value) in [
        ("区　　分", doc.revision_kind.as_str()),
        ("決 裁 日", doc.decided_on.as_deref().unwrap_or(undecided)),
        (
            "施 行 日",
            doc.effective_from.as_deref().unwrap_or(undecided),
        ),
    ] {
        items.push(Item::para(
            Paragraph::new()
                .align(AlignmentType::Center)
                .add_run(Run::new().size(24).add_text(format!("{label}　{value}"))),
        ));
    }
    items.push(page_break());

    // 改定履歴
    items.push(Item::para(
        Paragraph::new()
            .style(PART_TITLE)
            .add_run(Run::new().add_text("改定履歴")),
    ));
    let header = ["版", "区分", "施行日"].map(String::from).to_vec();
    let rows: Vec<Vec<String>> = doc
        .history
        .iter()
        .map(|h| vec![h.edition.clone(), h.kind.clone(), h.date.clone()])
        .collect();
    items.push(Item::table(table(&header, &rows)));
    items.push(page_break());

    // 目次
    items.extend(contents(doc, bookmarks));
    items
}

fn marking_rank(m: Marking) -> u8 {
    match m {
        Marking::Public => 0,
        Marking::Internal => 1,
        Marking::Confidential => 2,
    }
}

fn centered(text: &str, size: usize, heading: bool) -> Item {
    let run = if heading {
        gothic_run(text).bold()
    } else {
        Run::new().add_text(text)
    };
    Item::para(
        Paragraph::new()
            .align(AlignmentType::Center)
            .add_run(run.size(size)),
    )
}

fn page_break() -> Item {
    Item::para(Paragraph::new().add_run(Run::new().add_break(BreakType::Page)))
}

/// The 目次: a static list of the part titles and the level-1 and level-2 headings, so the
/// document reads right without updating fields, wrapped in a real TOC field so Word can
/// replace it with page numbers when the reader updates it (F9). The field maps our part-title
/// style to TOC level 1 and the headings to levels 2 and 3, the same shape as the static list.
fn contents(doc: &PolicyDocument, bookmarks: &Bookmarks) -> Vec<Item> {
    let mut items = vec![Item::para(
        Paragraph::new()
            .style(PART_TITLE)
            .add_run(Run::new().add_text("目次")),
    )];
    let mut entries: Vec<Paragraph> = Vec::new();
    for (part_title, headings) in doc.toc(2) {
        entries.push(
            Paragraph::new()
                .style(TOC_IDS[0])
                .add_run(gothic_run(&part_title)),
        );
        for h in headings {
            let idx = usize::from(h.level.clamp(1, 2));
            let text = format!("{}　{}", h.number, h.title);
            let para = Paragraph::new().style(TOC_IDS[idx]);
            let para = match bookmarks.get(&h.anchor) {
                Some((_, name)) => para.add_hyperlink(
                    Hyperlink::new(name.clone(), HyperlinkType::Anchor)
                        .add_run(Run::new().add_text(text)),
                ),
                None => para.add_run(Run::new().add_text(text)),
            };
            entries.push(para);
        }
    }
    let instr = format!("TOC \\h \\z \\t \"{PART_TITLE_NAME},1,heading 1,2,heading 2,3\" ");
    let begin = Run::new()
        .add_field_char(FieldCharType::Begin, false)
        .add_instr_text(InstrText::Unsupported(instr))
        .add_field_char(FieldCharType::Separate, false);
    let end = Run::new().add_field_char(FieldCharType::End, false);
    let count = entries.len();
    for (i, mut p) in entries.into_iter().enumerate() {
        // A field may span paragraphs: it begins in the first entry and ends in the last.
        if i == 0 {
            p = prepend_run(p, begin.clone());
        }
        if i + 1 == count {
            p = p.add_run(end.clone());
        }
        items.push(Item::para(p));
    }
    if count == 0 {
        items.push(Item::para(Paragraph::new().add_run(begin).add_run(end)));
    }
    items
}

/// docx-rs appends runs only; the field start has to come before the entry's text.
fn prepend_run(p: Paragraph, run: Run) -> Paragraph {
    let mut children = p.children.clone();
    let mut out = p;
    out.children.clear();
    out = out.add_run(run);
    out.children.append(&mut children);
    out
}

// ---------------------------------------------------------------------------------------------
// Parts

fn part_body(part: &DocPart, bookmarks: &Bookmarks) -> Vec<Item> {
    let mut items = vec![Item::para(
        Paragraph::new()
            .style(PART_TITLE)
            .add_run(Run::new().add_text(&part.title)),
    )];
    if part.marking != Marking::Public {
        items.push(Item::para(
            Paragraph::new()
                .align(AlignmentType::Center)
                .add_run(gothic_run(&format!("（{}）", part.marking.label()))),
        ));
    }
    // The depth of what follows a heading is one below it; before any heading, depth 1.
    let mut depth: u8 = 1;
    for block in &part.blocks {
        match block {
            DocBlock::Heading {
                level,
                number,
                title,
                anchor,
            } => {
                let level = (*level).clamp(1, 4);
                items.push(Item::para(heading(
                    level,
                    number,
                    title,
                    bookmarks.get(anchor),
                )));
                depth = level + 1;
            }
            DocBlock::LeadIn { text } => items.extend(text_paragraphs(depth, text)),
            DocBlock::Clause {
                text,
                local,
                number,
                title,
                ..
            } => {
                // amended/recommended are for the review views; a published text is plain.
                let mut text_depth = depth;
                if *local && (number.is_some() || title.is_some()) {
                    let line = numbered_title(number.as_deref(), title.as_deref());
                    items.push(Item::para(
                        hanging(
                            Paragraph::new().style(LOCAL_TITLE),
                            depth,
                            number.as_deref().map_or(0, marker_width),
                        )
                        .add_run(Run::new().add_text(line)),
                    ));
                    text_depth = depth + 1;
                }
                items.extend(text_paragraphs(text_depth, text));
            }
            DocBlock::Table {
                caption,
                header,
                rows,
            } => {
                items.push(Item::para(
                    Paragraph::new()
                        .style(CAPTION)
                        .keep_next(true)
                        .add_run(Run::new().add_text(caption)),
                ));
                items.push(Item::table(table(header, rows)));
                items.push(Item::para(Paragraph::new()));
            }
        }
    }
    items
}

/// Where text of a depth starts: chapters and their items at the margin, then one character
/// per level — 1 at the margin, （1） one in, ① two in, as the guideline prints them.
fn depth_left(depth: u8) -> i32 {
    i32::from(depth.saturating_sub(2)) * CHAR
}

/// Hangs a paragraph at `depth` by `width` (in twips): the number stays at the depth's start and
/// the following lines align with the text after it.
fn hanging(p: Paragraph, depth: u8, width: i32) -> Paragraph {
    if width == 0 {
        return p.indent(Some(depth_left(depth)), None, None, None);
    }
    p.indent(
        Some(depth_left(depth) + width),
        Some(SpecialIndentType::Hanging(width)),
        None,
        None,
    )
}

fn heading(level: u8, number: &str, title: &str, bookmark: Option<&(usize, String)>) -> Paragraph {
    let idx = usize::from(level - 1);
    let mut p = Paragraph::new().style(HEADING_IDS[idx]).keep_next(true);
    if level >= 2 {
        p = hanging(p, level, marker_width(number));
    }
    if let Some((id, name)) = bookmark {
        p = p.add_bookmark_start(*id, name.clone());
    }
    p = p.add_run(Run::new().add_text(numbered_title(Some(number), Some(title))));
    if let Some((id, _)) = bookmark {
        p = p.add_bookmark_end(*id);
    }
    p
}

/// The paragraphs of a clause or lead-in: its text has `\n` between paragraphs.
fn text_paragraphs(depth: u8, text: &str) -> impl Iterator<Item = Item> + '_ {
    text.split('\n')
        .filter(|l| !l.trim().is_empty())
        .map(move |line| Item::para(body_paragraph(depth, line)))
}

/// One paragraph of a clause or lead-in. A paragraph that opens with its own marker (②, （イ）)
/// hangs by the marker; a plain sentence gets the usual one-character first-line indent.
fn body_paragraph(depth: u8, line: &str) -> Paragraph {
    let width = leading_marker(line).map_or(0, marker_width);
    let p = if width > 0 {
        hanging(Paragraph::new(), depth, width)
    } else {
        Paragraph::new().indent(
            Some(depth_left(depth)),
            Some(SpecialIndentType::FirstLine(CHAR)),
            None,
            None,
        )
    };
    p.add_run(Run::new().add_text(line))
}

/// The width of a number or marker plus the full-width space after it, in twips.
fn marker_width(marker: &str) -> i32 {
    marker_halves(marker) * CHAR / 2
}

// ---------------------------------------------------------------------------------------------
// Tables, header, footer, styles

fn table(header: &[String], rows: &[Vec<String>]) -> Table {
    let columns = header
        .len()
        .max(rows.iter().map(Vec::len).max().unwrap_or(0))
        .max(1);
    let widths = column_widths(header, rows, columns);
    let row_of = |values: &[String], head: bool| {
        let cells = widths
            .iter()
            .enumerate()
            .map(|(i, w)| cell(values.get(i).map_or("", String::as_str), head, *w))
            .collect();
        TableRow::new(cells).cant_split()
    };
    let mut all = Vec::with_capacity(rows.len() + 1);
    if !header.is_empty() {
        all.push(row_of(header, true));
    }
    for row in rows {
        all.push(row_of(row, false));
    }
    // Table::new draws single borders on every edge and between cells.
    let total = widths.iter().sum();
    Table::new(all)
        .set_grid(widths)
        .width(total, WidthType::Dxa)
}

/// A paragraph of text with `\n` as line breaks, in ゴシック when `gothic`.
pub(crate) fn lines(text: &str, gothic: bool) -> Paragraph {
    let mut paragraph = Paragraph::new();
    for (i, line) in text.split('\n').enumerate() {
        let run = if gothic {
            gothic_run(line)
        } else {
            Run::new().add_text(line)
        };
        if i > 0 {
            paragraph = paragraph.add_run(Run::new().add_break(BreakType::TextWrapping));
        }
        paragraph = paragraph.add_run(run);
    }
    paragraph
}

/// A table cell `width` twips wide; a header cell (`head`) is shaded and in ゴシック.
pub(crate) fn cell(text: &str, head: bool, width: usize) -> TableCell {
    let c = TableCell::new()
        .width(width, WidthType::Dxa)
        .add_paragraph(lines(text, head));
    if head {
        c.shading(Shading::new().fill("D9D9D9"))
    } else {
        c
    }
}

/// Column widths over the text width, by the longest text in each column, so a column of short
/// level names does not take as much room as one of sentences.
fn column_widths(header: &[String], rows: &[Vec<String>], columns: usize) -> Vec<usize> {
    let weights: Vec<usize> = (0..columns)
        .map(|i| {
            std::iter::once(header)
                .chain(rows.iter().map(Vec::as_slice))
                .filter_map(|r| r.get(i))
                .flat_map(|t| t.split('\n'))
                .map(|t| t.chars().count())
                .max()
                .unwrap_or(0)
                // One character more for the cell padding, so a short label stays on one line.
                .saturating_add(1)
                .clamp(6, 30)
        })
        .collect();
    let sum: usize = weights.iter().sum::<usize>().max(1);
    weights.iter().map(|w| TEXT_WIDTH * w / sum).collect()
}

fn marking_header(marking: Marking) -> Header {
    let p = Paragraph::new().align(AlignmentType::Right);
    // A public part gets an empty header of its own so it does not inherit the previous one.
    let p = match marking {
        Marking::Public => p,
        m => p.add_run(gothic_run(m.label())),
    };
    Header::new().add_paragraph(p)
}

/// 「- 1 -」 centred, the number a PAGE field.
pub(crate) fn page_number_footer() -> Footer {
    Footer::new().add_paragraph(
        Paragraph::new()
            .align(AlignmentType::Center)
            .add_run(Run::new().add_text("- "))
            .add_page_num(PageNum::new())
            .add_run(Run::new().add_text(" -")),
    )
}

fn a4() -> docx_rs::PageSize {
    docx_rs::PageSize::new().size(A4_WIDTH, A4_HEIGHT)
}

fn page_margin() -> PageMargin {
    page_margin_with_top(MARGIN_TOP)
}

/// 25 mm at the bottom and sides, `top` twips at the top, the header and footer as Word places
/// them.
pub(crate) fn page_margin_with_top(top: i32) -> PageMargin {
    PageMargin::new()
        .top(top)
        .bottom(MARGIN_SIDE)
        .left(MARGIN_SIDE)
        .right(MARGIN_SIDE)
        .header(851)
        .footer(567)
}

pub(crate) fn body_fonts() -> RunFonts {
    RunFonts::new()
        .ascii(LATIN)
        .hi_ansi(LATIN)
        .cs(LATIN)
        .east_asia(MINCHO)
}

pub(crate) fn gothic_fonts() -> RunFonts {
    RunFonts::new()
        .ascii(GOTHIC)
        .hi_ansi(GOTHIC)
        .cs(GOTHIC)
        .east_asia(GOTHIC)
}

pub(crate) fn gothic_run(text: &str) -> Run {
    Run::new().fonts(gothic_fonts()).add_text(text)
}

fn styles() -> Vec<Style> {
    let mut styles = Vec::new();
    // Headings: ゴシック, 例規 spacing; sizes step down from the chapter.
    let sizes = [24, 22, BODY_SIZE, BODY_SIZE];
    for (i, id) in HEADING_IDS.iter().enumerate() {
        let mut style = Style::new(*id, StyleType::Paragraph)
            .name(format!("heading {}", i + 1))
            .fonts(gothic_fonts())
            .size(sizes[i])
            .outline_lvl(i)
            .line_spacing(
                LineSpacing::new()
                    .before(if i == 0 { 240 } else { 120 })
                    .after(0),
            );
        if i < 2 {
            style = style.bold();
        }
        styles.push(style);
    }
    styles.push(
        Style::new(PART_TITLE, StyleType::Paragraph)
            .name(PART_TITLE_NAME)
            .fonts(gothic_fonts())
            .size(28)
            .bold()
            .align(AlignmentType::Center)
            .line_spacing(LineSpacing::new().before(0).after(240)),
    );
    for (i, id) in TOC_IDS.iter().enumerate() {
        // i is at most 2
        let left = i32::try_from(i).unwrap_or(0) * CHAR * 2;
        styles.push(
            Style::new(*id, StyleType::Paragraph)
                .name(format!("toc {}", i + 1))
                .indent(Some(left), None, None, None)
                .line_spacing(
                    LineSpacing::new()
                        .before(if i == 0 { 120 } else { 0 })
                        .after(0),
                ),
        );
    }
    styles.push(
        Style::new(CAPTION, StyleType::Paragraph)
            .name("caption")
            .fonts(gothic_fonts())
            .line_spacing(LineSpacing::new().before(120).after(60)),
    );
    styles.push(
        Style::new(LOCAL_TITLE, StyleType::Paragraph)
            .name("Local Clause Title")
            .fonts(gothic_fonts())
            .line_spacing(LineSpacing::new().before(60).after(0)),
    );
    styles
}
