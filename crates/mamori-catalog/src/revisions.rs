//! The 2023 revision points (seed 004: 総務省 slides of 2023-01-12 on revising the guideline after
//! the 尼崎市 USB-memory leak, and on Emotet, ransomware and phishing).
//!
//! The slides are not numbered clause by clause, so which points exist, their short titles and
//! which clauses of this edition they touch are written here; their cause and summary text is read
//! from the slides (the builder fails if an anchor is missing).

use crate::build::BuildError;
use crate::id::ClauseId;
use crate::model::{AmendedText, Amendment, ChecklistItem, Clause, RevisionPoint, RevisionSet};

enum Anchor {
    /// The n-th (0-based) slide with this `## …` heading; cause/summary from its 原因：/対応： lines.
    Proposal(&'static str, usize),
    /// A `#### …` heading; summary from the paragraph below it.
    Heading(&'static str),
}

struct Spec {
    title: &'static str,
    anchor: Anchor,
    location: &'static str,
    affected: &'static [&'static str],
    /// New wording the slide's <改定案> gives: (clause, text, words of this edition, new words).
    /// The new words must be in the <改定案> (bold marks and spaces aside) and the old ones occur
    /// exactly once in the clause, or the build fails.
    amendments: &'static [AmendSpec],
}

type AmendSpec = (&'static str, AmendedText, &'static str, &'static str);

const SPECS: &[Spec] = &[
    Spec {
        title: "委託先における情報のライフサイクル全般での管理",
        anchor: Anchor::Proposal("## ガイドライン改定案について①", 0),
        location: "対策基準 8.1. 業務委託 例文・解説 (2) 契約項目",
        affected: &["S-8.1.(2)"],
        amendments: &[
            (
                "S-8.1.(2)",
                AmendedText::ModelText,
                "種類と範囲、アクセス方法",
                "種類と範囲、アクセス方法の明確化など、情報のライフサイクル全般での管理の実施",
            ),
            (
                "S-8.1.(2)",
                AmendedText::Commentary,
                "④委託事業者に許可する情報の種類とアクセス範囲、アクセス方法",
                "④委託事業者に許可する情報の種類とアクセス範囲、アクセス方法の明確化など、情報のライフサイクル全般での管理の実施",
            ),
            (
                "S-8.1.(2)",
                AmendedText::Commentary,
                "監視及び管理を行う。",
                "監視及び管理を情報のライフサイクル全般で行う。また、委託事業者が重要な情報資産を取り扱う場合は、情報セキュリティの原則である「最小限の権限」、「複数人による確認」等を徹底する必要がある。情報資産の分類とライフサイクル全般の管理については、本ガイドラインの「2. 情報資産の分類と管理」も参照されたい。",
            ),
        ],
    },
    Spec {
        title: "重要な情報資産を委託事業者等へ運搬する場合の確認事項",
        anchor: Anchor::Proposal("## ガイドライン改定案について①", 1),
        location: "対策基準 2. 情報資産の分類と管理 解説 (2) 情報資産の管理 ⑧情報資産の運搬 (注7) 新設",
        affected: &["S-2.(2)⑧(ア)", "S-2.(2)⑧(イ)"],
        amendments: &[],
    },
    Spec {
        title: "管理区域への入室時の本人確認と従事者名簿との突合",
        anchor: Anchor::Proposal("## ガイドライン改定案について②", 0),
        location: "対策基準 8.1. 業務委託 解説 (2) 契約項目 ②（4.2 管理区域の管理を参照）",
        affected: &["S-8.1.(2)", "S-4.2.(2)①", "S-4.2.(2)②", "S-4.2.(2)③"],
        amendments: &[(
            "S-8.1.(2)",
            AmendedText::Commentary,
            "作業場所を特定することにより、情報資産の紛失等を防止する。",
            "作業場所を特定することにより、情報資産の紛失等を防止する。\nなお、管理区域内に入室する際は、入室者に対して身分証の提示を求め、従事者名簿と突合することや職員の随行、監視カメラ等によって入室者を確認する。従事者の変更があった際は、委託事業者に対し、最新版の名簿の提出を求めるとともに、従事者名簿の提出時に身分証明書の確認や面談により本人確認を行う。委託事業者から名簿の提出がない場合であっても定期的（年1回程度）に従事者の変更されていないか確認する。管理区域の管理については、本ガイドラインの「4.2 管理区域（情報システム室等）の管理」も参照されたい。",
        )],
    },
    Spec {
        title: "委託事業者の従業員の研修への参加・合同研修",
        anchor: Anchor::Proposal("## ガイドライン改定案について③", 0),
        location: "対策基準 8.1. 業務委託 解説 (2) 契約項目 ⑤従業員に対する教育の実施（5.2 教育・訓練を参照）",
        affected: &["S-8.1.(2)", "S-5.1.(4)"],
        amendments: &[(
            "S-8.1.(2)",
            AmendedText::Commentary,
            "従業員に対し教育を行うように規定しておく。",
            "従業員に対し教育を行うように規定しておく。なお、委託事業者が重要な情報資産を取り扱う場合は、委託事業者の従業員に委託元の地方公共団体の情報セキュリティポリシーや各規定を理解させるため、地方公共団体が主催する情報セキュリティに関する教育・研修・訓練等に参加させることや、研修を合同で行うことも有効である。教育・訓練については、本ガイドラインの「5.2 教育・訓練」も参照されたい。",
        )],
    },
    Spec {
        title: "セキュリティ要件チェックシートによる委託事業者の確認（再委託先を含む）",
        anchor: Anchor::Proposal("## ガイドライン改定案について④", 0),
        location: "対策基準 8.1. 業務委託 解説 (3) 確認・措置等",
        affected: &["S-8.1.(3)", "S-8.1.(1)①"],
        amendments: &[],
    },
    Spec {
        title: "Emotet 対策",
        anchor: Anchor::Heading("#### ⑧Emotet"),
        location: "対策基準 6. 技術的セキュリティ 解説 不正プログラム対策 ⑧",
        affected: &["S-6.4.(1)③", "S-6.4.(3)②", "S-6.4.(3)③"],
        amendments: &[],
    },
    Spec {
        title: "ランサムウェア対策",
        anchor: Anchor::Heading("#### ⑨ランサムウェア"),
        location: "対策基準 6. 技術的セキュリティ 解説 不正プログラム対策 ⑨",
        affected: &["S-6.1.(2)", "S-6.4.(1)⑦", "S-6.6.(1)"],
        amendments: &[],
    },
    Spec {
        title: "フィッシング対策",
        anchor: Anchor::Heading("#### ⑩フィッシング"),
        location: "対策基準 6. 技術的セキュリティ 解説 不正プログラム対策 ⑩",
        affected: &["S-6.4.(3)③", "S-4.4.②"],
        amendments: &[],
    },
];

fn err(msg: impl Into<String>) -> BuildError {
    BuildError::Revision(msg.into())
}

/// Builds the 2023 revision set from seed 004, checking that every affected id is a clause.
pub fn revision_2023(seed_004: &str, clauses: &[Clause]) -> Result<RevisionSet, BuildError> {
    let lines: Vec<&str> = seed_004
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    let title = lines
        .first()
        .and_then(|l| l.strip_prefix("# "))
        .ok_or_else(|| err("title line missing"))?
        .trim()
        .to_owned();
    let issuer = lines.get(1).copied().unwrap_or_default().to_owned();
    let date = lines
        .get(2)
        .and_then(|l| iso_date(l))
        .ok_or_else(|| err("date line (line 3) is not a 年月日 date"))?;

    let mut points = Vec::new();
    for (i, spec) in SPECS.iter().enumerate() {
        // The lines of the point's slide, where its <改定案> is printed.
        let mut slide: Vec<&str> = Vec::new();
        let (cause, summary) = match spec.anchor {
            Anchor::Proposal(heading, nth) => {
                let start = lines
                    .iter()
                    .enumerate()
                    .filter(|(_, l)| **l == heading)
                    .nth(nth)
                    .map(|(i, _)| i)
                    .ok_or_else(|| err(format!("slide {heading:?} #{} not found", nth + 1)))?;
                let block: Vec<&str> = lines[start + 1..]
                    .iter()
                    .take_while(|l| !l.starts_with("## "))
                    .copied()
                    .collect();
                slide.clone_from(&block);
                let find = |p: &str| {
                    block
                        .iter()
                        .find_map(|l| l.strip_prefix(p))
                        .map(str::to_owned)
                        .ok_or_else(|| err(format!("slide {heading:?} #{} has no {p}", nth + 1)))
                };
                (Some(find("原因：")?), find("対応：")?)
            }
            Anchor::Heading(h) => {
                let start = lines
                    .iter()
                    .position(|l| l.starts_with(h))
                    .ok_or_else(|| err(format!("heading {h:?} not found")))?;
                let para: Vec<&str> = lines[start + 1..]
                    .iter()
                    .take_while(|l| !l.starts_with('#'))
                    .copied()
                    .collect();
                if para.is_empty() {
                    return Err(err(format!("heading {h:?} has no text")));
                }
                (None, para.join("\n"))
            }
        };
        let mut affected = Vec::new();
        for a in spec.affected {
            let id = ClauseId::parse(a).map_err(|e| err(e.to_string()))?;
            if !clauses.iter().any(|c| c.id == id) {
                return Err(err(format!("affected clause {a} is not in the catalog")));
            }
            affected.push(id);
        }
        let amendments = amendments(spec, &slide, clauses)?;
        points.push(RevisionPoint {
            id: format!("2023-01-P{}", i + 1),
            title: spec.title.to_owned(),
            cause,
            summary,
            location: spec.location.to_owned(),
            affected,
            amendments,
        });
    }

    Ok(RevisionSet {
        id: "2023-01".to_owned(),
        title,
        date,
        issuer,
        points,
        vendor_checklist: checklist(seed_004)?,
    })
}

/// Text without bold marks and white space, for finding wording across the slides' line breaks.
fn squeeze(text: &str) -> String {
    text.replace("**", "")
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect()
}

/// The point's amendments, each checked: the new wording is printed in the slide's <改定案>, the
/// words it replaces occur exactly once in the clause's text.
fn amendments(
    spec: &Spec,
    slide: &[&str],
    clauses: &[Clause],
) -> Result<Vec<Amendment>, BuildError> {
    let proposal = slide
        .iter()
        .position(|l| *l == "### <改定案>")
        .map(|i| squeeze(&slide[i + 1..].join("")));
    let mut out = Vec::new();
    for &(id, target, replaces, new_text) in spec.amendments {
        let proposal = proposal
            .as_deref()
            .ok_or_else(|| err(format!("{}: the slide has no <改定案>", spec.title)))?;
        if !proposal.contains(&squeeze(new_text)) {
            return Err(err(format!(
                "{}: new wording for {id} is not in the slide: {new_text}",
                spec.title
            )));
        }
        let clause_id = ClauseId::parse(id).map_err(|e| err(e.to_string()))?;
        let clause = clauses
            .iter()
            .find(|c| c.id == clause_id)
            .ok_or_else(|| err(format!("amended clause {id} is not in the catalog")))?;
        let amendment = Amendment {
            clause: clause_id,
            target,
            replaces: replaces.to_owned(),
            new_text: new_text.to_owned(),
        };
        let applies = amendment
            .current_text(clause)
            .and_then(|t| amendment.apply(t))
            .is_some();
        if !applies {
            return Err(err(format!(
                "{}: 「{replaces}」 does not occur exactly once in the {} of {id}",
                spec.title,
                target.label()
            )));
        }
        out.push(amendment);
    }
    Ok(out)
}

/// "2023年1月12日" → "2023-01-12".
fn iso_date(s: &str) -> Option<String> {
    let (y, rest) = s.split_once('年')?;
    let (m, rest) = rest.split_once('月')?;
    let d = rest.strip_suffix('日')?;
    let (y, m, d): (u32, u32, u32) = (y.parse().ok()?, m.parse().ok()?, d.parse().ok()?);
    Some(format!("{y:04}-{m:02}-{d:02}"))
}

/// The 15-item 外部委託先に関するセキュリティ要件のチェックシート, one entry per printed row.
fn checklist(seed_004: &str) -> Result<Vec<ChecklistItem>, BuildError> {
    // Continuation rows start with a tab (empty 項目 cell), so lines are not trimmed here.
    let lines: Vec<&str> = seed_004
        .lines()
        .map(str::trim_end)
        .filter(|l| !l.trim().is_empty())
        .collect();
    let start = lines
        .iter()
        .position(|l| l.starts_with("## 外部委託先に関するセキュリティ要件のチェックシート"))
        .ok_or_else(|| err("vendor checklist slide not found"))?;
    let mut out: Vec<ChecklistItem> = Vec::new();
    for line in lines[start + 1..]
        .iter()
        .take_while(|l| !l.starts_with('#'))
    {
        let cells: Vec<&str> = line.split('\t').map(str::trim).collect();
        let cells: Vec<&str> = match cells.as_slice() {
            // A trailing check mark column.
            [rest @ .., "☑"] => rest.to_vec(),
            _ => cells,
        };
        if cells.first() == Some(&"項目") {
            continue;
        }
        let (cat, req) = match cells.as_slice() {
            [cat, req, ..] => (*cat, *req),
            [req] => ("", *req),
            [] => continue,
        };
        let (number, category) = if cat.is_empty() {
            let last = out
                .last()
                .ok_or_else(|| err("checklist row without item number"))?;
            (last.number, last.category.clone())
        } else {
            let (n, c) = cat
                .split_once('.')
                .ok_or_else(|| err(format!("checklist item without number: {cat}")))?;
            let n: u32 = n
                .parse()
                .map_err(|_| err(format!("bad checklist number {n}")))?;
            (n, c.to_owned())
        };
        out.push(ChecklistItem {
            number,
            category,
            requirement: req.to_owned(),
        });
    }
    let max = out.iter().map(|c| c.number).max().unwrap_or(0);
    if max != 15 {
        return Err(err(format!("expected 15 checklist items, found {max}")));
    }
    Ok(out)
}
