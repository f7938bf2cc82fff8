//! 情報セキュリティインシデント as files: the インシデント台帳 as the Excel workbook the CSIRT
//! keeps (one row per report, late reports outside filled in colour, and a sheet of counts per
//! 年度 and 区分), and the 情報セキュリティインシデント報告書 of one incident as a Word document,
//! its sections following the guideline's 報告すべき事項 (対策基準 7.3 緊急時対応計画), and the
//! 緊急時対応計画 of the body. The 報告書 and the 計画 are first built as content without layout
//! ([`ReportDoc`]), which the Word writer here and the PDF writer of `mamori-pdf` both print.
//!
//! Times are stored in UTC and shown in Japan time (+09:00); the 年度 of a report is that of the
//! day it was received in Japan.

use std::collections::BTreeMap;

use chrono::{DateTime, FixedOffset, NaiveDate, Utc};
use docx_rs::{
    AlignmentType, Docx, LineSpacing, Paragraph, Run, Style, StyleType, Table, TableRow,
    VMergeType, WidthType,
};
use mamori_domain::approval::japan_date;
use mamori_domain::authority::Holder;
use mamori_domain::fiscal_year::FiscalYear;
use mamori_domain::incident::{
    ApprovedBy, ChainStep, Entry, EntryKind, ExternalReport, Incident, Permit, Status, Triage,
    field,
};
use mamori_domain::wareki::format_gregorian_as_wareki;
use rust_xlsxwriter::{
    Color, DocProperties, Format, FormatAlign, FormatBorder, Workbook, Worksheet, XlsxError,
};

use crate::ExportError;
use crate::docx::{
    A4_HEIGHT, A4_WIDTH, BODY_SIZE, Item, MARGIN_SIDE, TEXT_WIDTH, body_fonts, cell, gothic_fonts,
    gothic_run, lines, pack, page_margin_with_top, page_number_footer,
};

// ---------------------------------------------------------------------------------------------
// インシデント台帳

/// The columns of the インシデント台帳, in order.
pub const INCIDENT_LEDGER_HEADERS: [&str; 15] = [
    "番号",
    "受付日時",
    "経路",
    "報告者",
    "所属",
    "概要",
    "区分",
    "重大度",
    "個人情報",
    "影響人数",
    "状態",
    "外部への報告",
    "次の期限",
    "終結日",
    "備考",
];

/// The sheet of the rows.
pub const INCIDENT_LEDGER_SHEET: &str = "インシデント台帳";
/// The sheet of the counts per 年度 and 区分.
pub const INCIDENT_SUMMARY_SHEET: &str = "年度別集計";

/// The 備考 of a row with a report outside past its deadline.
pub const REPORT_OVERDUE: &str = "報告期限超過";

const WIDTHS: [f64; 15] = [
    15.0, 17.0, 20.0, 16.0, 16.0, 48.0, 14.0, 8.0, 12.0, 9.0, 16.0, 44.0, 12.0, 12.0, 30.0,
];
/// 影響人数, written as a number.
const PEOPLE_COL: usize = 9;
/// The columns whose text runs over lines (概要, 外部への報告, 備考).
const WRAPPED: [usize; 3] = [5, 11, 14];

/// The column of 判断待ち in the summary, and of 非該当.
const NOT_TRIAGED: &str = "判断待ち";
const NOT_INCIDENT: &str = "非該当";
const TOTAL: &str = "合計";

fn japan_time(at: DateTime<Utc>) -> DateTime<FixedOffset> {
    FixedOffset::east_opt(9 * 3600).map_or_else(|| at.fixed_offset(), |jst| at.with_timezone(&jst))
}

/// 「2026-06-01 10:30」 in Japan time.
fn ledger_time(at: DateTime<Utc>) -> String {
    japan_time(at).format("%Y-%m-%d %H:%M").to_string()
}

/// Who reported: the 職員 for a staff report, else who called from outside as entered.
fn reporter(i: &Incident) -> String {
    i.reporter
        .as_ref()
        .map_or_else(|| i.contact.clone(), |r| r.name.clone())
}

/// 「なし」, 「あり」, or what makes it more: 「要配慮」, 「マイナンバー」, 「要配慮・マイナンバー」.
fn personal_data_label(t: &Triage) -> String {
    if !t.personal_data {
        return "なし".to_owned();
    }
    let marks: Vec<&str> = [(t.sensitive, "要配慮"), (t.my_number, "マイナンバー")]
        .into_iter()
        .filter_map(|(on, label)| on.then_some(label))
        .collect();
    if marks.is_empty() {
        "あり".to_owned()
    } else {
        marks.join("・")
    }
}

/// 「個人情報保護委員会：速報 済 2026-06-02、確報 期限 2026-07-01」, one recipient a line.
fn external_summary(i: &Incident, today: NaiveDate) -> String {
    i.external
        .iter()
        .map(|e| {
            let stages: Vec<String> = e
                .stages()
                .map(|(kind, stage)| {
                    let label = e.stage_label(kind);
                    match &stage.sent {
                        Some(sent) => format!("{label} 済 {}", sent.on),
                        None if stage.is_overdue(today) => {
                            format!("{label} 期限 {}（超過）", stage.due)
                        }
                        None => format!("{label} 期限 {}", stage.due),
                    }
                })
                .collect();
            format!("{}：{}", e.recipient, stages.join("、"))
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The cells of a row as text; the flags are written in 備考, so the row reads without colour.
pub fn incident_ledger_cells(i: &Incident, today: NaiveDate) -> [String; 15] {
    let triaged = i
        .triage
        .as_ref()
        .filter(|_| i.status != Status::NotIncident);
    let mut remarks = Vec::new();
    if i.is_overdue(today) {
        remarks.push(REPORT_OVERDUE.to_owned());
    }
    if i.chain.iter().any(|s| s.escalated) {
        remarks.push("確認がなく上位へ報告した段あり".to_owned());
    }
    if let Some(c) = &i.closing
        && today <= c.watch_until
    {
        remarks.push(format!("再発の監視中（{}まで）", c.watch_until));
    }
    [
        i.number.clone(),
        ledger_time(i.reported_at),
        i.channel.label().to_owned(),
        reporter(i),
        i.unit_name.clone(),
        i.summary.clone(),
        triaged
            .map(|t| t.category_label.clone())
            .unwrap_or_default(),
        triaged
            .map(|t| t.severity_label.clone())
            .unwrap_or_default(),
        triaged.map(personal_data_label).unwrap_or_default(),
        triaged
            .and_then(|t| t.affected_people)
            .map(|n| n.to_string())
            .unwrap_or_default(),
        i.status.label().to_owned(),
        external_summary(i, today),
        i.next_due().map(|d| d.to_string()).unwrap_or_default(),
        i.closing
            .as_ref()
            .map(|c| japan_date(c.at).to_string())
            .unwrap_or_default(),
        remarks.join("／"),
    ]
}

fn row_index(n: usize) -> Result<u32, XlsxError> {
    u32::try_from(n).map_err(|_| XlsxError::RowColumnLimitError)
}

fn col_index(n: usize) -> Result<u16, XlsxError> {
    u16::try_from(n).map_err(|_| XlsxError::RowColumnLimitError)
}

/// The インシデント台帳 as a workbook: the rows on 「インシデント台帳」 (bold header row, frozen
/// and filterable; a row with a report outside past its deadline on `today` filled in colour),
/// and the counts per 年度 and 区分 on 「年度別集計」. `title` is the document's title.
pub fn incident_ledger_xlsx(
    title: &str,
    rows: &[Incident],
    today: NaiveDate,
) -> Result<Vec<u8>, XlsxError> {
    let mut workbook = Workbook::new();
    workbook.set_properties(&DocProperties::new().set_title(title).set_author("mamori"));
    let header = Format::new()
        .set_bold()
        .set_background_color(Color::RGB(0xE8ECF2))
        .set_border(FormatBorder::Thin);
    let body = Format::new().set_align(FormatAlign::Top);
    let wrapped = body.clone().set_text_wrap();
    let fill = Color::RGB(0xFFF4D6);
    let flagged = body.clone().set_background_color(fill);
    let flagged_wrapped = wrapped.clone().set_background_color(fill);

    let sheet = workbook.add_worksheet();
    sheet.set_name(INCIDENT_LEDGER_SHEET)?;
    for (col, (name, width)) in INCIDENT_LEDGER_HEADERS.iter().zip(WIDTHS).enumerate() {
        let col = col_index(col)?;
        sheet.set_column_width(col, width)?;
        sheet.write_string_with_format(0, col, *name, &header)?;
    }
    for (i, incident) in rows.iter().enumerate() {
        let r = row_index(i + 1)?;
        let flag = incident.is_overdue(today);
        let people = incident
            .triage
            .as_ref()
            .filter(|_| incident.status != Status::NotIncident)
            .and_then(|t| t.affected_people);
        for (col, text) in incident_ledger_cells(incident, today).iter().enumerate() {
            let format = match (flag, WRAPPED.contains(&col)) {
                (true, true) => &flagged_wrapped,
                (true, false) => &flagged,
                (false, true) => &wrapped,
                (false, false) => &body,
            };
            let c = col_index(col)?;
            match people.filter(|_| col == PEOPLE_COL) {
                Some(n) => {
                    sheet.write_number_with_format(r, c, f64::from(n), format)?;
                }
                None => {
                    sheet.write_string_with_format(r, c, text, format)?;
                }
            }
        }
    }
    sheet.set_freeze_panes(1, 0)?;
    sheet.autofilter(
        0,
        0,
        row_index(rows.len())?,
        col_index(INCIDENT_LEDGER_HEADERS.len() - 1)?,
    )?;

    let summary = workbook.add_worksheet();
    summary.set_name(INCIDENT_SUMMARY_SHEET)?;
    write_summary(summary, &FiscalSummary::of(rows), &header)?;
    workbook.save_to_buffer()
}

/// The counts of reports per 年度 (of the day received, in Japan) and 区分.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FiscalSummary {
    /// The column headers after 「年度」: the categories seen, in the order first reported,
    /// then 「非該当」, 「判断待ち」 when a report waits for its triage, and 「合計」.
    pub columns: Vec<String>,
    /// One row per 年度, the oldest first: its label (「令和8年度」) and a count per column.
    pub rows: Vec<(String, Vec<u32>)>,
}

impl FiscalSummary {
    pub fn of(incidents: &[Incident]) -> Self {
        let mut ordered: Vec<&Incident> = incidents.iter().collect();
        ordered.sort_by_key(|i| i.reported_at);
        let column_of = |i: &Incident| match (i.status, &i.triage) {
            (Status::NotIncident, _) => NOT_INCIDENT.to_owned(),
            (_, Some(t)) => t.category_label.clone(),
            (_, None) => NOT_TRIAGED.to_owned(),
        };
        let mut categories: Vec<String> = Vec::new();
        let mut untriaged = false;
        let mut per_year: BTreeMap<FiscalYear, BTreeMap<String, u32>> = BTreeMap::new();
        for i in &ordered {
            let column = column_of(i);
            match column.as_str() {
                NOT_INCIDENT => {}
                NOT_TRIAGED => untriaged = true,
                _ if categories.contains(&column) => {}
                _ => categories.push(column.clone()),
            }
            let year = FiscalYear::of(japan_date(i.reported_at));
            *per_year.entry(year).or_default().entry(column).or_default() += 1;
        }
        let mut columns = categories;
        columns.push(NOT_INCIDENT.to_owned());
        if untriaged {
            columns.push(NOT_TRIAGED.to_owned());
        }
        let rows = per_year
            .into_iter()
            .map(|(year, counts)| {
                let mut cells: Vec<u32> = columns
                    .iter()
                    .map(|c| counts.get(c).copied().unwrap_or(0))
                    .collect();
                cells.push(counts.values().sum());
                (year.to_string(), cells)
            })
            .collect();
        columns.push(TOTAL.to_owned());
        Self { columns, rows }
    }
}

fn write_summary(
    sheet: &mut Worksheet,
    summary: &FiscalSummary,
    header: &Format,
) -> Result<(), XlsxError> {
    let total_format = Format::new().set_bold();
    sheet.set_column_width(0, 16.0)?;
    sheet.write_string_with_format(0, 0, "年度", header)?;
    for (col, name) in summary.columns.iter().enumerate() {
        let col = col_index(col + 1)?;
        sheet.set_column_width(col, 14.0)?;
        sheet.write_string_with_format(0, col, name, header)?;
    }
    let mut totals = vec![0_u32; summary.columns.len()];
    for (i, (year, counts)) in summary.rows.iter().enumerate() {
        let r = row_index(i + 1)?;
        sheet.write_string(r, 0, year)?;
        for (col, n) in counts.iter().enumerate() {
            sheet.write_number(r, col_index(col + 1)?, f64::from(*n))?;
            if let Some(t) = totals.get_mut(col) {
                *t = t.saturating_add(*n);
            }
        }
    }
    let r = row_index(summary.rows.len() + 1)?;
    sheet.write_string_with_format(r, 0, TOTAL, &total_format)?;
    for (col, n) in totals.iter().enumerate() {
        sheet.write_number_with_format(r, col_index(col + 1)?, f64::from(*n), &total_format)?;
    }
    sheet.set_freeze_panes(1, 1)?;
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// 情報セキュリティインシデント報告書

/// The document's title.
pub const REPORT_TITLE: &str = "情報セキュリティインシデント報告書";

/// The sections, numbered as printed, following the guideline's 報告すべき事項.
pub const REPORT_SECTIONS: [&str; 7] = [
    "1　事案の状況",
    "2　判断結果",
    "3　報告の経過",
    "4　外部への報告",
    "5　対応の経過",
    "6　原因と再発防止策",
    "7　終結",
];

/// The 備考 of a chain step told because the one before did not acknowledge in time.
pub const ESCALATED: &str = "期限超過により報告";

// The page (A4 portrait), fonts and sizes are those of the policy's Word document (`docx`), with
// 25 mm margins all round.

/// The style of the section headings, in ゴシック.
const HEADING: &str = "Heading1";

/// 「令和8年6月1日 10時30分」 in Japan time.
fn report_time(at: DateTime<Utc>) -> String {
    let local = japan_time(at);
    format!(
        "{} {}",
        format_gregorian_as_wareki(local.date_naive()),
        local.format("%-H時%M分")
    )
}

fn or_dash(text: &str) -> &str {
    if text.trim().is_empty() { "－" } else { text }
}

/// A 報告書 or a 計画 as content without layout: what the Word and the PDF writers both print.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportDoc {
    /// Printed centred in large ゴシック.
    pub title: String,
    /// The lines right-aligned under the title (the body, the number, the dates).
    pub meta: Vec<String>,
    /// The sections in order: the numbered heading and what follows it.
    pub sections: Vec<(String, Vec<Block>)>,
}

/// What a section is made of.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Block {
    /// A paragraph; `\n` breaks its lines.
    Para(String),
    /// A table of 項目 | 内容 without header, the items shaded; an empty 内容 is already 「－」.
    Items(Vec<(String, String)>),
    /// A table with a shaded header row.
    Table(ReportTable),
}

/// A table with a shaded header row, its columns sharing the text width by `weights`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportTable {
    pub header: Vec<String>,
    pub weights: Vec<usize>,
    /// How many leading columns the rows of a group share (0: none).
    pub merged: usize,
    /// The rows in groups, a group of one row unless cells are merged: the first `merged` cells
    /// of a group's first row run down over its other rows, whose own first cells are not
    /// printed (a recipient and its basis over a 速報 and its 確報).
    pub groups: Vec<Vec<Vec<String>>>,
}

impl ReportTable {
    /// A table without merged cells.
    fn plain(header: &[&str], rows: Vec<Vec<String>>, weights: &[usize]) -> Self {
        Self {
            header: header.iter().map(|h| (*h).to_owned()).collect(),
            weights: weights.to_vec(),
            merged: 0,
            groups: rows.into_iter().map(|r| vec![r]).collect(),
        }
    }
}

fn table(header: &[&str], rows: Vec<Vec<String>>, weights: &[usize]) -> Block {
    Block::Table(ReportTable::plain(header, rows, weights))
}

fn items(items: &[(&str, String)]) -> Block {
    Block::Items(
        items
            .iter()
            .map(|(k, v)| ((*k).to_owned(), or_dash(v).to_owned()))
            .collect(),
    )
}

fn para(text: &str) -> Block {
    Block::Para(text.to_owned())
}

/// A table of the Word document; the first `merged` columns of a group of rows are merged
/// (`Restart` opens the merged cell, `Continue` extends it and its text is not shown).
fn docx_table(t: &ReportTable) -> Table {
    let sum = t.weights.iter().sum::<usize>().max(1);
    let widths: Vec<usize> = t.weights.iter().map(|w| TEXT_WIDTH * w / sum).collect();
    let mut all = vec![TableRow::new(
        t.header
            .iter()
            .zip(&widths)
            .map(|(h, w)| cell(h, true, *w))
            .collect(),
    )];
    for group in &t.groups {
        for (n, row) in group.iter().enumerate() {
            let merge = match n {
                _ if group.len() < 2 => None,
                0 => Some(VMergeType::Restart),
                _ => Some(VMergeType::Continue),
            };
            let cells = widths
                .iter()
                .enumerate()
                .map(|(i, w)| {
                    let text = row.get(i).map_or("", String::as_str);
                    match merge.filter(|_| i < t.merged) {
                        Some(VMergeType::Continue) => {
                            cell("", false, *w).vertical_merge(VMergeType::Continue)
                        }
                        Some(m) => cell(text, false, *w).vertical_merge(m),
                        None => cell(text, false, *w),
                    }
                })
                .collect();
            all.push(TableRow::new(cells).cant_split());
        }
    }
    let total = widths.iter().sum();
    Table::new(all)
        .set_grid(widths)
        .width(total, WidthType::Dxa)
}

/// A table of 項目 | 内容 with the items shaded.
fn docx_items(items: &[(String, String)]) -> Table {
    let (label, value) = (TEXT_WIDTH * 3 / 10, TEXT_WIDTH * 7 / 10);
    let rows = items
        .iter()
        .map(|(k, v)| TableRow::new(vec![cell(k, true, label), cell(v, false, value)]))
        .collect();
    Table::new(rows)
        .set_grid(vec![label, value])
        .width(label + value, WidthType::Dxa)
}

fn docx_block(block: &Block) -> Item {
    match block {
        Block::Para(text) => Item::para(lines(text, false)),
        Block::Items(rows) => Item::table(docx_items(rows)),
        Block::Table(t) => Item::table(docx_table(t)),
    }
}

/// The sections under their headings.
fn numbered(headings: &[&str; 7], sections: [Vec<Block>; 7]) -> Vec<(String, Vec<Block>)> {
    headings
        .iter()
        .map(|h| (*h).to_owned())
        .zip(sections)
        .collect()
}

fn heading(text: &str) -> Item {
    Item::para(
        Paragraph::new()
            .style(HEADING)
            .keep_next(true)
            .add_run(Run::new().add_text(text)),
    )
}

/// A [`ReportDoc`] as a .docx file: A4 portrait, the policy's fonts, the page number below, the
/// title centred in large ゴシック, the meta lines right-aligned, the headings in ゴシック.
pub fn report_doc_docx(doc: &ReportDoc) -> Result<Vec<u8>, ExportError> {
    let mut docx = titled_document(&doc.title);
    for line in &doc.meta {
        docx = docx.add_paragraph(
            Paragraph::new()
                .align(AlignmentType::Right)
                .add_run(Run::new().add_text(line)),
        );
    }
    for (title, blocks) in &doc.sections {
        docx = heading(title).into_docx(docx);
        for block in blocks {
            docx = docx_block(block).into_docx(docx);
        }
    }
    pack(docx)
}

fn situation(i: &Incident) -> Vec<Block> {
    let assets = i
        .assets
        .iter()
        .map(|a| format!("{} {}", a.asset_no, a.name))
        .collect::<Vec<_>>()
        .join("\n");
    let mut reporter_text = reporter(i);
    if i.reporter.is_some() && !i.contact.trim().is_empty() {
        reporter_text = format!("{reporter_text}（{}）", i.contact);
    }
    vec![items(&[
        (field::SUMMARY, i.summary.clone()),
        (field::HOW_NOTICED, i.how_noticed.clone()),
        (field::NOTICED_AT, report_time(i.noticed_at)),
        ("受付の日時", report_time(i.reported_at)),
        (field::UNIT, i.unit_name.clone()),
        (field::ASSETS, assets),
        (field::SYSTEMS, i.systems.join("\n")),
        (field::CHANNEL, i.channel.label().to_owned()),
        (field::REPORTER, reporter_text),
        ("受付者", i.received_by.name.clone()),
    ])]
}

fn judgement(i: &Incident) -> Vec<Block> {
    let Some(t) = &i.triage else {
        return vec![para(&format!(
            "まだ判断されていません（{}）。",
            i.status.label()
        ))];
    };
    let by = format!("{}（{}）", t.by.name, report_time(t.at));
    if i.status == Status::NotIncident {
        return vec![items(&[
            (
                field::JUDGEMENT,
                "インシデントに該当しない（非該当）".to_owned(),
            ),
            (field::NOTE, t.note.clone()),
            ("判断者", by),
        ])];
    }
    let people = t
        .affected_people
        .map_or_else(|| "不明".to_owned(), |n| format!("{n}人"));
    vec![items(&[
        (
            field::JUDGEMENT,
            "情報セキュリティインシデントに該当".to_owned(),
        ),
        (field::CATEGORY, t.category_label.clone()),
        (field::SEVERITY, t.severity_label.clone()),
        ("個人情報", personal_data_label(t)),
        (field::PEOPLE, people),
        (field::NOTE, t.note.clone()),
        ("判断者", by),
    ])]
}

fn step_row(n: usize, s: &ChainStep) -> Vec<String> {
    let role = s.label();
    let holders = if s.holders.is_empty() {
        format!(
            "該当者なし{}",
            s.gap
                .as_ref()
                .map(|g| format!("（{g}）"))
                .unwrap_or_default()
        )
    } else {
        s.holders
            .iter()
            .map(Holder::label)
            .collect::<Vec<_>>()
            .join("、")
    };
    let acknowledged = s.acknowledged.as_ref().map_or_else(
        || {
            if s.told_at.is_some() {
                "未確認".to_owned()
            } else {
                String::new()
            }
        },
        |a| format!("{}\n{}", report_time(a.at), a.by.name),
    );
    let remarks = if s.escalated { ESCALATED } else { "" };
    vec![
        n.to_string(),
        role,
        holders,
        s.told_at.map_or_else(|| "未報告".to_owned(), report_time),
        acknowledged,
        remarks.to_owned(),
    ]
}

fn chain(i: &Incident) -> Vec<Block> {
    if i.chain.is_empty() {
        return vec![para(
            "報告の順はまだ始まっていません（インシデントの所管の所属が定まっていません）。",
        )];
    }
    let rows: Vec<Vec<String>> = i
        .chain
        .iter()
        .enumerate()
        .map(|(n, s)| step_row(n + 1, s))
        .collect();
    vec![table(
        &["段", "役割", "報告先", "報告日時", "確認日時", "備考"],
        rows,
        &[3, 14, 12, 12, 12, 11],
    )]
}

/// The rows of a recipient, one a stage, as one group: the recipient and basis are one merged
/// cell over a 速報 and its 確報.
fn external_rows(e: &ExternalReport) -> Vec<Vec<String>> {
    e.stages()
        .map(|(kind, stage)| {
            let (sent_on, content) = match &stage.sent {
                Some(s) => (
                    format_gregorian_as_wareki(s.on),
                    match &s.file {
                        Some(f) => format!("{}\n（添付：{}）", s.content, f.name),
                        None => s.content.clone(),
                    },
                ),
                None => ("未報告".to_owned(), String::new()),
            };
            vec![
                e.recipient.clone(),
                e.basis.clone(),
                e.stage_label(kind).to_owned(),
                format_gregorian_as_wareki(stage.due),
                sent_on,
                content,
            ]
        })
        .collect()
}

fn external(i: &Incident) -> Vec<Block> {
    if i.external.is_empty() {
        let text = match i.status {
            Status::Reported => "判断の後に定まります。",
            _ => "外部への報告を要する事案ではありません。",
        };
        return vec![para(text)];
    }
    vec![Block::Table(ReportTable {
        merged: 2,
        groups: i.external.iter().map(external_rows).collect(),
        ..ReportTable::plain(
            &["報告先", "根拠", "区分", "期限", "報告日", "内容"],
            Vec::new(),
            &[12, 16, 5, 10, 10, 17],
        )
    })]
}

fn entry_text(e: &Entry) -> String {
    let mut parts = vec![e.text.clone()];
    match &e.kind {
        EntryKind::Action {
            role_name, permit, ..
        } => match permit {
            Permit::Permitted { by } => parts.push(match role_name {
                Some(role) => format!("（{role} {}の許可）", by.name),
                None => format!("（{}の許可）", by.name),
            }),
            Permit::ReportedAfter => parts.push(match role_name {
                Some(role) => format!("（被害の拡大を防ぐため実施し、{role}へ事後報告）"),
                None => "（被害の拡大を防ぐため実施し、事後報告）".to_owned(),
            }),
            Permit::NotNeeded => {}
        },
        EntryKind::Evidence { file, custody, .. } => {
            parts.push(format!(
                "ファイル：{}（SHA-256：{}）",
                file.name, file.sha256
            ));
            if !custody.trim().is_empty() {
                parts.push(format!("{}：{custody}", field::CUSTODY));
            }
        }
        EntryKind::Recovery | EntryKind::Note => {}
    }
    parts
        .into_iter()
        .filter(|p| !p.trim().is_empty())
        .collect::<Vec<_>>()
        .join("\n")
}

fn timeline(i: &Incident) -> Vec<Block> {
    if i.timeline.is_empty() {
        return vec![para("記録はありません。")];
    }
    let rows: Vec<Vec<String>> = i
        .timeline
        .iter()
        .map(|e| {
            vec![
                report_time(e.at),
                e.kind.label(),
                entry_text(e),
                e.by.name.clone(),
            ]
        })
        .collect();
    vec![table(
        &["日時", "種別", "内容", "記録者"],
        rows,
        &[12, 10, 30, 8],
    )]
}

fn approval_text(by: &ApprovedBy, on: NaiveDate) -> String {
    match by {
        ApprovedBy::Committee {
            committee, held_on, ..
        } => format!(
            "{committee}（{}）の議決により承認",
            format_gregorian_as_wareki(*held_on)
        ),
        ApprovedBy::Role { by, role_name } => format!(
            "{role_name} {} が承認（{}）",
            by.name,
            format_gregorian_as_wareki(on)
        ),
    }
}

fn measures(i: &Incident) -> Vec<Block> {
    let Some(m) = &i.measures else {
        return vec![para("再発防止策はまだ策定されていません。")];
    };
    let approval = m.approved.as_ref().map_or_else(
        || format!("未承認（第{}案）", m.round),
        |a| approval_text(&a.by, a.on),
    );
    vec![items(&[
        (field::ROOT_CAUSE, m.root_cause.clone()),
        (field::MEASURES, m.plan.clone()),
        (field::CLAUSES, m.clauses.join("、")),
        (
            "起案",
            format!("{}（{}）", m.proposed_by.name, report_time(m.proposed_at)),
        ),
        ("承認", approval),
    ])]
}

fn closing(i: &Incident) -> Vec<Block> {
    let Some(c) = &i.closing else {
        return vec![para(&format!(
            "まだ終結していません（{}）。",
            i.status.label()
        ))];
    };
    vec![items(&[
        (field::LESSONS, c.lessons.clone()),
        ("振り返り", c.review.clone()),
        (
            "再発の監視",
            format!("{}まで", format_gregorian_as_wareki(c.watch_until)),
        ),
        ("終結", format!("{}（{}）", c.by.name, report_time(c.at))),
    ])]
}

/// A document of the incident files: A4 portrait, the policy's fonts, the page number below, and
/// `title` centred in large ゴシック.
fn titled_document(title: &str) -> Docx {
    Docx::new()
        .page_size(A4_WIDTH, A4_HEIGHT)
        .page_margin(page_margin_with_top(MARGIN_SIDE))
        .default_fonts(body_fonts())
        .default_size(BODY_SIZE)
        .add_style(styles())
        .footer(page_number_footer())
        .add_paragraph(
            Paragraph::new()
                .align(AlignmentType::Center)
                .line_spacing(LineSpacing::new().after(240))
                .add_run(gothic_run(title).bold().size(32)),
        )
}

fn styles() -> Style {
    Style::new(HEADING, StyleType::Paragraph)
        .name("heading 1")
        .fonts(gothic_fonts())
        .size(24)
        .bold()
        .outline_lvl(0)
        .line_spacing(LineSpacing::new().before(240).after(120))
}

/// The 情報セキュリティインシデント報告書 of one incident as content: the title, then the body,
/// the number, the dates received and closed and the state as meta lines, then the sections of
/// [`REPORT_SECTIONS`]. `body_name` is the body's name (「みほん市」).
pub fn incident_report(i: &Incident, body_name: &str) -> ReportDoc {
    let closed = i.closing.as_ref().map_or_else(
        || format!("－（{}）", i.status.label()),
        |c| format_gregorian_as_wareki(japan_date(c.at)),
    );
    let sections = [
        situation(i),
        judgement(i),
        chain(i),
        external(i),
        timeline(i),
        measures(i),
        closing(i),
    ];
    ReportDoc {
        title: REPORT_TITLE.to_owned(),
        meta: vec![
            body_name.to_owned(),
            format!("番号　{}", i.number),
            format!(
                "受付日　{}",
                format_gregorian_as_wareki(japan_date(i.reported_at))
            ),
            format!("終結日　{closed}"),
            format!("状態　{}", i.status.label()),
        ],
        sections: numbered(&REPORT_SECTIONS, sections),
    }
}

/// The 情報セキュリティインシデント報告書 of one incident as a .docx file (A4 portrait), as
/// [`incident_report`] makes it.
pub fn incident_report_docx(i: &Incident, body_name: &str) -> Result<Vec<u8>, ExportError> {
    report_doc_docx(&incident_report(i, body_name))
}

// ---------------------------------------------------------------------------------------------
// 緊急時対応計画

/// One person of the 緊急連絡網 as the plan lists them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanContact {
    /// 「CSIRT」「第1段」
    pub stage: String,
    pub role: String,
    /// The unit the role is held for, for a unit role.
    pub for_unit: String,
    /// 「佐々木 翔太（代理）」
    pub name: String,
    pub post: String,
    pub email: String,
}

/// What the 緊急時対応計画 is made of: the body's rules and the 緊急連絡網 of the day.
#[derive(Debug, Clone)]
pub struct EmergencyPlan<'a> {
    pub body_name: &'a str,
    pub on: NaiveDate,
    pub rules: &'a mamori_domain::incident::IncidentRules,
    /// The body's name of a role key.
    pub role_names: &'a BTreeMap<String, String>,
    pub contacts: &'a [PlanContact],
}

/// The sections of the 緊急時対応計画, in order.
pub const PLAN_SECTIONS: [&str; 7] = [
    "1 目的",
    "2 対応の体制",
    "3 報告の連絡の順と期限",
    "4 緊急連絡網",
    "5 外部の連絡先",
    "6 発生した事案への対応措置",
    "7 外部への報告と報告すべき事項",
];

/// The 緊急時対応計画 as a .docx file (A4 portrait), as [`emergency_plan`] makes it.
pub fn emergency_plan_docx(plan: &EmergencyPlan<'_>) -> Result<Vec<u8>, ExportError> {
    report_doc_docx(&emergency_plan(plan))
}

/// The 緊急時対応計画 as content, made from the body's incident rules and the 緊急連絡網 of
/// `plan.on`: the response's organization, the chain with its hours, the contacts inside and
/// outside, the first measures per kind of case and the reports outside with their conditions
/// and deadlines.
pub fn emergency_plan(plan: &EmergencyPlan<'_>) -> ReportDoc {
    let rules = plan.rules;
    let name = |key: &str| {
        plan.role_names
            .get(key)
            .cloned()
            .unwrap_or_else(|| key.to_owned())
    };
    let severity = |key: &String| {
        rules
            .severity(key)
            .map_or_else(|| key.clone(), |s| s.label.clone())
    };
    let purpose = vec![para(
        "この計画は、情報セキュリティインシデントが発生したとき、又は発生するおそれがあるときに、被害の拡大を防ぎ、速やかに復旧し、再発を防止するため、連絡の体制、報告すべき事項及び発生した事案への対応措置を定める。",
    )];
    let organization = vec![
        para(&format!(
            "インシデントの報告の受付、判断及び対応は、次の役割の者（CSIRT）が行う。{}",
            rules
                .handlers
                .iter()
                .map(|h| name(h))
                .collect::<Vec<_>>()
                .join("、")
        )),
        para(&format!(
            "終結の後{}日間、再発の監視を行う。",
            rules.watch_days
        )),
    ];
    let chain_rows = rules
        .chain
        .iter()
        .enumerate()
        .map(|(n, step)| {
            vec![
                format!("第{}段", n + 1),
                name(&step.role),
                format!("{}時間", step.hours),
                if step.severities.is_empty() {
                    "すべて".to_owned()
                } else {
                    step.severities
                        .iter()
                        .map(severity)
                        .collect::<Vec<_>>()
                        .join("・")
                },
            ]
        })
        .collect();
    let chain = vec![
        para("報告は次の順に行う。各段が確認の期限までに確認しないときは、次の段にも報告する。"),
        table(
            &["段", "報告先", "確認の期限", "対象の重大度"],
            chain_rows,
            &[2, 6, 3, 4],
        ),
    ];
    // One group per role of the tree: its 順 and 役割 run down over the people holding it.
    let inside_groups = plan
        .contacts
        .chunk_by(|a, b| a.stage == b.stage && a.role == b.role)
        .map(|people| {
            people
                .iter()
                .map(|c| {
                    vec![
                        c.stage.clone(),
                        c.role.clone(),
                        c.for_unit.clone(),
                        c.name.clone(),
                        c.post.clone(),
                        c.email.clone(),
                    ]
                })
                .collect()
        })
        .collect();
    let inside = vec![
        para("役割の割当てによる連絡先（この計画の作成日現在）。人事異動の後は作り直す。"),
        Block::Table(ReportTable {
            merged: 2,
            groups: inside_groups,
            ..ReportTable::plain(
                &["順", "役割", "対象の組織", "氏名", "職・所属", "メール"],
                Vec::new(),
                &[3, 6, 5, 5, 6, 10],
            )
        }),
    ];
    let outside = if rules.contacts.is_empty() {
        vec![para("定めていない。")]
    } else {
        let rows = rules
            .contacts
            .iter()
            .map(|c| {
                vec![
                    c.organization.clone(),
                    c.purpose.clone(),
                    or_dash(&c.phone).to_owned(),
                    or_dash(&c.email).to_owned(),
                    or_dash(&c.deputy).to_owned(),
                ]
            })
            .collect();
        vec![table(
            &["連絡先", "用件", "電話", "メール", "夜間・休日・副担当"],
            rows,
            &[5, 6, 3, 4, 4],
        )]
    };
    let measures_rows = rules
        .categories
        .iter()
        .map(|c| vec![c.label.clone(), or_dash(&c.measures).to_owned()])
        .collect();
    let mut measures = vec![table(
        &["事案の区分", "初動の対応措置"],
        measures_rows,
        &[3, 9],
    )];
    let actions: Vec<Vec<String>> = rules
        .actions
        .iter()
        .map(|a| {
            vec![
                a.label.clone(),
                match (a.permission, &a.role) {
                    (mamori_domain::incident::Permission::Before, Some(r)) => {
                        format!("{}の事前の許可", name(r))
                    }
                    (mamori_domain::incident::Permission::AfterAllowed, Some(r)) => format!(
                        "{}の事前の許可（被害の拡大を防ぐため急を要するときは実施後に報告）",
                        name(r)
                    ),
                    _ => "許可を要しない（記録する）".to_owned(),
                },
            ]
        })
        .collect();
    if !actions.is_empty() {
        measures.push(para("措置の許可は次のとおりとする。"));
        measures.push(table(&["措置", "許可"], actions, &[4, 8]));
    }
    measures.push(para(
        "証拠は受け取ったままの原本を保管者を定めて保全し、解析は複製で行う。",
    ));
    let external_rows = rules
        .external
        .iter()
        .map(|e| {
            vec![
                e.recipient.clone(),
                e.when
                    .iter()
                    .map(|c| condition_text(c, rules))
                    .collect::<Vec<_>>()
                    .join("\n又は "),
                match e.final_days {
                    Some(f) => format!("速報 {}日以内\n確報 {f}日以内", e.first_days),
                    None => format!("{}日以内", e.first_days),
                },
                e.basis.clone(),
            ]
        })
        .collect();
    let external = vec![
        para("次の条件に当たるときは、事案を知った日から次の期限までに報告する。"),
        table(
            &["報告先", "条件", "期限", "根拠"],
            external_rows,
            &[4, 6, 3, 5],
        ),
        para(
            "報告すべき事項: 発生日時と覚知の経緯、事案の概要、影響を受けた情報資産と情報システム、個人情報の有無と人数、原因、実施した措置、再発防止策、連絡先。",
        ),
    ];
    let sections = [
        purpose,
        organization,
        chain,
        inside,
        outside,
        measures,
        external,
    ];
    ReportDoc {
        title: format!("{} 緊急時対応計画", plan.body_name),
        meta: vec![format!("{}現在", format_gregorian_as_wareki(plan.on))],
        sections: numbered(&PLAN_SECTIONS, sections),
    }
}

/// A condition of a report outside in words: 「重大度が重大、個人情報を含み101人以上」.
fn condition_text(
    c: &mamori_domain::incident::rules::Condition,
    rules: &mamori_domain::incident::IncidentRules,
) -> String {
    let mut parts = Vec::new();
    if !c.severities.is_empty() {
        parts.push(format!(
            "重大度が{}",
            c.severities
                .iter()
                .map(|s| rules.severity(s).map_or(s.as_str(), |x| x.label.as_str()))
                .collect::<Vec<_>>()
                .join("・")
        ));
    }
    if !c.categories.is_empty() {
        parts.push(format!(
            "区分が{}",
            c.categories
                .iter()
                .map(|k| rules.category(k).map_or(k.as_str(), |x| x.label.as_str()))
                .collect::<Vec<_>>()
                .join("・")
        ));
    }
    for (flag, label) in [
        (c.personal_data, "個人情報"),
        (c.sensitive, "要配慮個人情報"),
        (c.my_number, "特定個人情報（マイナンバー）"),
    ] {
        match flag {
            Some(true) => parts.push(format!("{label}を含む")),
            Some(false) => parts.push(format!("{label}を含まない")),
            None => {}
        }
    }
    if let Some(n) = c.min_people {
        parts.push(format!("影響を受けた人数が{n}人以上"));
    }
    parts.join("、")
}
