//! The glossary (用語の定義) and the classification tables (機密性・完全性・可用性, and the
//! single-axis 重要性分類 of the 解説), read from their linearised text in seed 000.

use crate::build::BuildError;
use crate::model::{
    AxisKey, ClassificationAxis, ClassificationLevel, ClassificationTable, Clause, GlossaryTerm,
    ImportanceLevel, ImportanceScheme,
};
use crate::text::{self, squash};

fn seed_err(line: u32, reason: impl Into<String>) -> BuildError {
    BuildError::Seed {
        line,
        reason: reason.into(),
    }
}

/// Parses 用語の定義: group headings 【あ】…【A～Z】, entries opened by ●.
pub fn glossary(lines: &[&str]) -> Result<Vec<GlossaryTerm>, BuildError> {
    let start = (3800..lines.len())
        .find(|&i| squash(lines[i]) == "用語の定義")
        .ok_or_else(|| seed_err(11634, "用語の定義 not found"))?;
    // The glossary ends where the authority matrix header starts ("項　　　目").
    let end = (start..lines.len())
        .find(|&i| squash(lines[i]) == "項目")
        .ok_or_else(|| seed_err(11928, "end of 用語の定義 not found"))?;
    let sig = text::significant(lines, start as u32 + 2, end as u32);

    let mut out: Vec<GlossaryTerm> = Vec::new();
    let mut group = String::new();
    let mut body: Vec<String> = Vec::new();
    let mut head: Option<(u32, String)> = None;
    let flush = |head: &mut Option<(u32, String)>,
                 body: &mut Vec<String>,
                 group: &str,
                 out: &mut Vec<GlossaryTerm>|
     -> Result<(), BuildError> {
        if let Some((line, h)) = head.take() {
            let definition = text::join(body);
            body.clear();
            if definition.is_empty() {
                return Err(seed_err(
                    line,
                    format!("glossary term {h} has no definition"),
                ));
            }
            out.push(term(line, &h, group, definition));
        }
        Ok(())
    };
    for (no, line) in sig {
        if line.starts_with('【') && line.ends_with('】') {
            flush(&mut head, &mut body, &group, &mut out)?;
            group = line
                .trim_start_matches('【')
                .trim_end_matches('】')
                .to_owned();
        } else if let Some(h) = line.strip_prefix('●') {
            flush(&mut head, &mut body, &group, &mut out)?;
            head = Some((no, h.trim().to_owned()));
        } else if line.starts_with("http") {
            // Page-bottom link notes of the PDF, not part of any definition.
        } else if head.is_some() {
            body.push(line);
        }
        // Lines before the first entry are the glossary's preamble.
    }
    flush(&mut head, &mut body, &group, &mut out)?;
    Ok(out)
}

fn term(line: u32, head: &str, group: &str, definition: String) -> GlossaryTerm {
    let inner = head
        .trim_start_matches('「')
        .trim_end_matches('」')
        .trim()
        .to_owned();
    let (term, expansion) = match inner.split_once('（') {
        Some((t, rest)) if rest.ends_with('）') => (
            t.trim().to_owned(),
            Some(rest.trim_end_matches('）').to_owned()),
        ),
        _ => (inner, None),
    };
    // 「遠隔消去機能」→「リモートワイプ機能」を参照。
    let see = definition
        .split_once('→')
        .filter(|(_, r)| r.contains("を参照"))
        .and_then(|(_, r)| r.split('」').next())
        .map(|s| s.trim_start_matches('「').to_owned());
    GlossaryTerm {
        term,
        expansion,
        reading: None,
        definition,
        see,
        group: group.to_owned(),
        seed_line: line,
    }
}

/// Parses the three classification tables of S-2.(1) and the 重要性分類 of its 解説.
pub fn classification(
    lines: &[&str],
    clauses: &[Clause],
) -> Result<ClassificationTable, BuildError> {
    let c = clauses
        .iter()
        .find(|c| c.id.as_str() == "S-2.(1)")
        .ok_or_else(|| seed_err(1506, "clause S-2.(1) missing"))?;
    let (a, b) = c.seed_lines;
    let sig = text::significant(lines, a, b);

    struct Row {
        axis: &'static str,
        level: u8,
        label: String,
        criterion: Vec<String>,
        handling: Vec<Vec<String>>,
    }
    let mut captions: Vec<(&'static str, String)> = Vec::new();
    let mut rows: Vec<Row> = Vec::new();
    let mut in_table = false;
    for (no, line) in &sig {
        if line.ends_with("による情報資産の分類") {
            let axis = ["機密性", "完全性", "可用性"]
                .into_iter()
                .find(|ax| line.starts_with(ax))
                .ok_or_else(|| seed_err(*no, "unknown table caption"))?;
            captions.push((axis, line.clone()));
            in_table = true;
            continue;
        }
        if !in_table || squash(line) == "分類分類基準取扱制限" {
            continue;
        }
        if let Some((axis, level, rest)) = text::table_row(line) {
            let axis = ["機密性", "完全性", "可用性"]
                .into_iter()
                .find(|ax| *ax == axis)
                .ok_or_else(|| seed_err(*no, "unknown axis"))?;
            rows.push(Row {
                axis,
                level,
                label: line[..line.len() - rest.len()].trim().to_owned(),
                criterion: vec![rest.to_owned()],
                handling: Vec::new(),
            });
            continue;
        }
        let Some(row) = rows.last_mut() else {
            return Err(seed_err(*no, "table text before the first row"));
        };
        if line.starts_with('・') {
            row.handling
                .push(vec![line.trim_start_matches('・').to_owned()]);
        } else if let Some(h) = row.handling.last_mut() {
            h.push(line.clone());
        } else {
            row.criterion.push(line.clone());
        }
    }

    let mut notes = vec![
        "表は PDF から行単位で抽出されたため、各セルの折り返しを連結して復元した。".to_owned(),
    ];
    let mut axes = Vec::new();
    for (key, name) in [
        (AxisKey::Confidentiality, "機密性"),
        (AxisKey::Integrity, "完全性"),
        (AxisKey::Availability, "可用性"),
    ] {
        let caption = captions
            .iter()
            .find(|(ax, _)| *ax == name)
            .map(|(_, c)| c.clone())
            .ok_or_else(|| seed_err(a, format!("caption of the {name} table not found")))?;
        let mut levels: Vec<ClassificationLevel> = rows
            .iter()
            .filter(|r| r.axis == name)
            .map(|r| ClassificationLevel {
                level: r.level,
                label: r.label.clone(),
                criterion: r.criterion.concat(),
                handling: r.handling.iter().map(|h| h.concat()).collect(),
            })
            .collect();
        levels.sort_by_key(|l| std::cmp::Reverse(l.level));
        axes.push(ClassificationAxis {
            key,
            name: name.to_owned(),
            caption,
            levels,
        });
    }
    // The 機密性 table prints its 取扱制限 once, in a cell merged over 機密性３ and 機密性２; its
    // first item restricts itself to 機密性３ in its own words. Level 2 gets the other items.
    if let Some(conf) = axes.first_mut() {
        let three = conf
            .levels
            .iter()
            .find(|l| l.level == 3)
            .map(|l| l.handling.clone());
        if let (Some(three), Some(two)) = (three, conf.levels.iter_mut().find(|l| l.level == 2))
            && two.handling.is_empty()
        {
            two.handling = three
                .into_iter()
                .filter(|h| !h.contains("機密性３の情報資産に対して"))
                .collect();
            notes.push(
                "機密性の取扱制限は機密性３・機密性２にまたがる一つのセルとして印刷されている。「（機密性３の情報資産に対して）」と限定された項目を除き、機密性２にも同じ取扱制限を適用した。"
                    .to_owned(),
            );
        }
    }

    Ok(ClassificationTable {
        axes,
        importance: importance(lines)?,
        notes,
    })
}

/// Reads the 重要性分類 (Ⅰ–Ⅳ) of the S-2 解説 （注１）.
fn importance(lines: &[&str]) -> Result<ImportanceScheme, BuildError> {
    let caption = (3800..lines.len())
        .find(|&i| squash(lines[i]) == "重要性分類")
        .ok_or_else(|| seed_err(5273, "重要性分類 caption not found"))?;
    // The （注１） that introduces the table: the nearest footnote line above the caption.
    let note_start = (caption.saturating_sub(20)..caption)
        .rev()
        .find(|&i| lines[i].trim_start().starts_with("（注１）"))
        .ok_or_else(|| seed_err(caption as u32 + 1, "（注１） before 重要性分類 not found"))?;
    let note_lines: Vec<String> = text::significant(lines, note_start as u32 + 1, caption as u32)
        .into_iter()
        .map(|(_, t)| t)
        .collect();
    let note = text::join(&note_lines);
    let note = note.trim_start_matches("（注１）").to_owned();

    let mut levels: Vec<ImportanceLevel> = Vec::new();
    for (no, line) in text::significant(lines, caption as u32 + 2, caption as u32 + 40) {
        let first = line.chars().next().unwrap_or(' ');
        let rank = match first {
            'Ⅰ' => Some(1),
            'Ⅱ' => Some(2),
            'Ⅲ' => Some(3),
            'Ⅳ' => Some(4),
            _ => None,
        };
        match rank {
            Some(r) if line[first.len_utf8()..].starts_with([' ', '　']) => {
                if r != levels.len() as u8 + 1 {
                    return Err(seed_err(no, "重要性分類 levels out of order"));
                }
                levels.push(ImportanceLevel {
                    rank: r,
                    numeral: first.to_string(),
                    description: line[first.len_utf8()..].trim().to_owned(),
                });
            }
            _ if text::split_marker(&line).is_some() => break,
            _ => match levels.last_mut() {
                Some(l) if l.rank < 4 || !l.description.ends_with('。') => {
                    l.description.push_str(&line)
                }
                _ => break,
            },
        }
        if levels.len() == 4 && levels[3].description.ends_with('。') {
            break;
        }
    }
    if levels.len() != 4 {
        return Err(seed_err(caption as u32 + 1, "expected 重要性分類 Ⅰ–Ⅳ"));
    }
    Ok(ImportanceScheme {
        name: "重要性分類".to_owned(),
        note,
        levels,
    })
}
