//! The report as an Excel workbook: one row per clause with Japanese headers and the status as a
//! fill colour, then sheets for local additions and unmet revision points.

use crate::GapError;
use crate::report::{Report, Status};
use rust_xlsxwriter::{Color, Format, FormatBorder, Workbook};

fn err(e: rust_xlsxwriter::XlsxError) -> GapError {
    GapError::Xlsx(e.to_string())
}

/// Writes the workbook and returns its bytes.
pub fn workbook(report: &Report) -> Result<Vec<u8>, GapError> {
    let mut wb = Workbook::new();
    let header = Format::new()
        .set_bold()
        .set_background_color(Color::RGB(0xD9_D9_D9))
        .set_border(FormatBorder::Thin);
    let wrap = Format::new().set_text_wrap().set_border(FormatBorder::Thin);
    let fill = |s: Status| {
        let rgb = match s {
            Status::Covered => 0xC6_EF_CE,
            Status::Partial => 0xFF_EB_9C,
            Status::Omitted => 0xFF_C7_CE,
        };
        Format::new()
            .set_background_color(Color::RGB(rgb))
            .set_border(FormatBorder::Thin)
    };

    let ws = wb.add_worksheet();
    ws.set_name("条項別").map_err(err)?;
    let headers = [
        "条項ID",
        "見出し",
        "判定",
        "推奨事項",
        "スコア",
        "該当箇所",
        "行",
        "不足している内容",
        "数値の相違",
        "例文",
    ];
    for (c, h) in headers.iter().enumerate() {
        ws.write_string_with_format(0, c as u16, *h, &header)
            .map_err(err)?;
    }
    for (i, r) in report.clauses.iter().enumerate() {
        let row = (i + 1) as u32;
        let places = r
            .matches
            .iter()
            .map(|m| m.provision.clone())
            .collect::<Vec<_>>()
            .join("\n");
        let lines = r
            .matches
            .iter()
            .map(|m| m.line.to_string())
            .collect::<Vec<_>>()
            .join(", ");
        let diffs = r
            .differences
            .iter()
            .map(|d| format!("ガイドライン {} / 文書 {}", d.guideline, d.document))
            .collect::<Vec<_>>()
            .join("\n");
        ws.write_string_with_format(row, 0, &r.id, &wrap)
            .map_err(err)?;
        ws.write_string_with_format(row, 1, &r.title, &wrap)
            .map_err(err)?;
        ws.write_string_with_format(row, 2, r.status.label(), &fill(r.status))
            .map_err(err)?;
        ws.write_string_with_format(row, 3, if r.recommended { "推奨" } else { "" }, &wrap)
            .map_err(err)?;
        ws.write_number_with_format(row, 4, r.score, &wrap)
            .map_err(err)?;
        ws.write_string_with_format(row, 5, &places, &wrap)
            .map_err(err)?;
        ws.write_string_with_format(row, 6, &lines, &wrap)
            .map_err(err)?;
        ws.write_string_with_format(row, 7, r.missing.as_deref().unwrap_or(""), &wrap)
            .map_err(err)?;
        ws.write_string_with_format(row, 8, &diffs, &wrap)
            .map_err(err)?;
        ws.write_string_with_format(row, 9, &r.model_text, &wrap)
            .map_err(err)?;
    }
    for (c, w) in [14.0, 30.0, 10.0, 8.0, 7.0, 20.0, 8.0, 40.0, 20.0, 60.0]
        .iter()
        .enumerate()
    {
        ws.set_column_width(c as u16, *w).map_err(err)?;
    }
    ws.set_freeze_panes(1, 1).map_err(err)?;
    ws.autofilter(
        0,
        0,
        report.clauses.len() as u32,
        (headers.len() - 1) as u16,
    )
    .map_err(err)?;

    let ws = wb.add_worksheet();
    ws.set_name("独自規定").map_err(err)?;
    for (c, h) in ["該当箇所", "行", "本文"].iter().enumerate() {
        ws.write_string_with_format(0, c as u16, *h, &header)
            .map_err(err)?;
    }
    for (i, a) in report.additions.iter().enumerate() {
        let row = (i + 1) as u32;
        ws.write_string_with_format(row, 0, &a.provision, &wrap)
            .map_err(err)?;
        ws.write_number_with_format(row, 1, a.line as f64, &wrap)
            .map_err(err)?;
        ws.write_string_with_format(row, 2, &a.text, &wrap)
            .map_err(err)?;
    }
    ws.set_column_width(0, 24.0).map_err(err)?;
    ws.set_column_width(2, 80.0).map_err(err)?;

    let ws = wb.add_worksheet();
    ws.set_name("未反映の改定事項").map_err(err)?;
    for (c, h) in ["改定", "改定事項", "内容", "対象条項", "理由"]
        .iter()
        .enumerate()
    {
        ws.write_string_with_format(0, c as u16, *h, &header)
            .map_err(err)?;
    }
    for (i, u) in report.revision_points_unmet.iter().enumerate() {
        let row = (i + 1) as u32;
        ws.write_string_with_format(row, 0, &u.revision, &wrap)
            .map_err(err)?;
        ws.write_string_with_format(row, 1, &u.point_id, &wrap)
            .map_err(err)?;
        ws.write_string_with_format(row, 2, &u.point, &wrap)
            .map_err(err)?;
        ws.write_string_with_format(row, 3, u.clauses.join("\n"), &wrap)
            .map_err(err)?;
        ws.write_string_with_format(row, 4, &u.reason, &wrap)
            .map_err(err)?;
    }
    ws.set_column_width(2, 50.0).map_err(err)?;
    ws.set_column_width(4, 40.0).map_err(err)?;

    wb.save_to_buffer().map_err(err)
}
