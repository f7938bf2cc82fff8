//! Measuring the analyzer.
//!
//! Two sets with known answers:
//!
//! - **入間市 基本方針** (`shared/seeds/002_…`), labelled by hand against the `B-` clauses in
//!   `data/iruma-basic-policy.tsv`; being an excerpt of the 基本方針 only, every `S-` clause is
//!   omitted.
//! - **Synthetic policies** made from the catalog's 例文 with a fixed seed: clauses deleted (alone
//!   or a whole item with its children), a sentence dropped (partial), neighbours merged into one
//!   provision, a clause split over two, siblings swapped, everything renumbered in one of three
//!   numbering styles, role names changed, the classification scheme changed to a single axis,
//!   sentences reworded, local clauses added, and PDF-like artefacts (blank lines between lines,
//!   page numbers, wrapped lines).
//!
//! Figures: precision / recall / F1 of `omitted`, 3-way status accuracy, match-location accuracy
//! (of the clauses present in the document and found, the share whose matches include a
//! provision where the clause actually is), and precision / recall of local additions.

use crate::Document;
use crate::align::Analyzer;
use crate::report::{Report, Status};
use mamori_catalog::{Catalog, Clause};
use std::collections::{HashMap, HashSet};

pub mod real;

/// The hand labels of the 入間市 基本方針.
pub const IRUMA_LABELS: &str = include_str!("../../data/iruma-basic-policy.tsv");

/// A clause's known answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Truth {
    /// Clause id.
    pub clause: String,
    /// Expected status.
    pub status: Status,
    /// 1-based lines where provisions holding the clause start.
    pub lines: Vec<usize>,
}

/// A synthetic policy with its answers.
#[derive(Debug, Clone)]
pub struct Synthetic {
    /// The document text.
    pub text: String,
    /// One answer per catalog clause.
    pub truth: Vec<Truth>,
    /// Lines where local additions start.
    pub additions: Vec<usize>,
    /// What was done to it, for the record.
    pub operations: Vec<String>,
}

/// Counts from which the figures are computed; they add up over documents.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Metrics {
    /// Clauses predicted and expected omitted.
    pub omitted_tp: usize,
    /// Predicted omitted, expected present.
    pub omitted_fp: usize,
    /// Expected omitted, predicted present.
    pub omitted_fn: usize,
    /// Clauses whose 3-way status is right.
    pub status_right: usize,
    /// Clauses compared.
    pub clauses: usize,
    /// Present clauses, found, whose matches include an expected provision.
    pub location_right: usize,
    /// Present clauses that were found.
    pub location_total: usize,
    /// Additions found that were expected.
    pub additions_tp: usize,
    /// Additions found.
    pub additions_found: usize,
    /// Additions expected.
    pub additions_expected: usize,
    /// Whether additions had known answers.
    pub additions_scored: bool,
}

fn ratio(a: usize, b: usize) -> f64 {
    if b == 0 { 1.0 } else { a as f64 / b as f64 }
}

impl Metrics {
    /// Adds another document's counts.
    pub fn add(&mut self, o: &Metrics) {
        self.omitted_tp += o.omitted_tp;
        self.omitted_fp += o.omitted_fp;
        self.omitted_fn += o.omitted_fn;
        self.status_right += o.status_right;
        self.clauses += o.clauses;
        self.location_right += o.location_right;
        self.location_total += o.location_total;
        self.additions_tp += o.additions_tp;
        self.additions_found += o.additions_found;
        self.additions_expected += o.additions_expected;
        self.additions_scored |= o.additions_scored;
    }
    /// Precision of `omitted`.
    pub fn omitted_precision(&self) -> f64 {
        ratio(self.omitted_tp, self.omitted_tp + self.omitted_fp)
    }
    /// Recall of `omitted`.
    pub fn omitted_recall(&self) -> f64 {
        ratio(self.omitted_tp, self.omitted_tp + self.omitted_fn)
    }
    /// F1 of `omitted`.
    pub fn omitted_f1(&self) -> f64 {
        let (p, r) = (self.omitted_precision(), self.omitted_recall());
        if p + r == 0.0 {
            0.0
        } else {
            2.0 * p * r / (p + r)
        }
    }
    /// 3-way status accuracy.
    pub fn status_accuracy(&self) -> f64 {
        ratio(self.status_right, self.clauses)
    }
    /// Match-location accuracy.
    pub fn location_accuracy(&self) -> f64 {
        ratio(self.location_right, self.location_total)
    }
    /// Precision of local additions.
    pub fn additions_precision(&self) -> f64 {
        ratio(self.additions_tp, self.additions_found)
    }
    /// Recall of local additions.
    pub fn additions_recall(&self) -> f64 {
        ratio(self.additions_tp, self.additions_expected)
    }
    /// One line of figures.
    pub fn line(&self) -> String {
        let omitted = if self.omitted_tp + self.omitted_fn == 0 {
            format!(
                "omitted 正解なし（規定なしと誤判定 {} 件）",
                self.omitted_fp
            )
        } else {
            format!(
                "omitted P {:.3} R {:.3} F1 {:.3}",
                self.omitted_precision(),
                self.omitted_recall(),
                self.omitted_f1()
            )
        };
        let additions = if self.additions_scored {
            format!(
                " | 独自規定 P {:.3} R {:.3}",
                self.additions_precision(),
                self.additions_recall()
            )
        } else {
            String::new()
        };
        format!(
            "{omitted} | 3値正解率 {:.3} | 位置正解率 {:.3}{additions} | 条項 {}",
            self.status_accuracy(),
            self.location_accuracy(),
            self.clauses
        )
    }
}

/// Compares a report with the answers. `additions`: expected addition lines, when known.
pub fn score(report: &Report, truth: &[Truth], additions: Option<&[usize]>) -> Metrics {
    let mut m = Metrics::default();
    let by_id: HashMap<&str, &Truth> = truth.iter().map(|t| (t.clause.as_str(), t)).collect();
    for r in &report.clauses {
        let Some(t) = by_id.get(r.id.as_str()) else {
            continue;
        };
        m.clauses += 1;
        let pred_om = r.status == Status::Omitted;
        let true_om = t.status == Status::Omitted;
        match (pred_om, true_om) {
            (true, true) => m.omitted_tp += 1,
            (true, false) => m.omitted_fp += 1,
            (false, true) => m.omitted_fn += 1,
            (false, false) => {}
        }
        if r.status == t.status {
            m.status_right += 1;
        }
        if !pred_om && !true_om {
            m.location_total += 1;
            if r.matches.iter().any(|x| t.lines.contains(&x.line)) {
                m.location_right += 1;
            }
        }
    }
    if let Some(expected) = additions {
        let found: HashSet<usize> = report.additions.iter().map(|a| a.line).collect();
        m.additions_found = found.len();
        m.additions_expected = expected.len();
        m.additions_tp = expected.iter().filter(|l| found.contains(l)).count();
        m.additions_scored = true;
    }
    m
}

/// The answers for the 入間市 基本方針: the labelled `B-` clauses, every other clause omitted.
pub fn iruma_truth(catalog: &Catalog) -> Vec<Truth> {
    let mut labelled: HashMap<String, Truth> = HashMap::new();
    for line in IRUMA_LABELS.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let cols: Vec<&str> = line.split('\t').collect();
        if cols.len() < 2 {
            continue;
        }
        let Some(status) = Status::parse(cols[1].trim()) else {
            continue;
        };
        let lines = cols
            .get(2)
            .map(|s| {
                s.split(',')
                    .filter_map(|n| n.trim().parse::<usize>().ok())
                    .collect()
            })
            .unwrap_or_default();
        labelled.insert(
            cols[0].trim().to_owned(),
            Truth {
                clause: cols[0].trim().to_owned(),
                status,
                lines,
            },
        );
    }
    catalog
        .clauses
        .iter()
        .map(|c| {
            labelled.remove(c.id.as_str()).unwrap_or(Truth {
                clause: c.id.as_str().to_owned(),
                status: Status::Omitted,
                lines: Vec::new(),
            })
        })
        .collect()
}

/// A small deterministic random source (splitmix64).
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// Seeded.
    pub fn new(seed: u64) -> Self {
        Rng(seed ^ 0x9E37_79B9_7F4A_7C15)
    }
    /// Next 64 bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// True with probability `p`.
    pub fn chance(&mut self, p: f64) -> bool {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64 <= p
    }
    /// 0..n.
    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next_u64() % n as u64) as usize
        }
    }
}

const KANA: &[char] = &[
    'ア', 'イ', 'ウ', 'エ', 'オ', 'カ', 'キ', 'ク', 'ケ', 'コ', 'サ', 'シ', 'ス', 'セ', 'ソ', 'タ',
    'チ', 'ツ', 'テ', 'ト', 'ナ', 'ニ', 'ヌ', 'ネ', 'ノ', 'ハ', 'ヒ', 'フ', 'ヘ', 'ホ',
];

fn circled(n: usize) -> String {
    if (1..=20).contains(&n) {
        char::from_u32(0x245F + n as u32)
            .map(String::from)
            .unwrap_or_else(|| format!("({n})"))
    } else {
        format!("({n})")
    }
}

fn kana(n: usize) -> String {
    KANA.get(n.saturating_sub(1))
        .map(|c| c.to_string())
        .unwrap_or_else(|| format!("{n}"))
}

fn fullwidth(n: usize) -> String {
    n.to_string()
        .chars()
        .map(|c| char::from_u32(c as u32 + 0xFEE0).unwrap_or(c))
        .collect()
}

/// The marker of a heading or item at `depth` with number `n` in numbering style `style`;
/// `parent` is the number of the enclosing level (for 6.1-style numbers).
fn marker(style: usize, depth: usize, n: usize, parent: usize) -> String {
    match style {
        0 => match depth {
            0 => format!("第{n}編 "),
            1 => format!("第{n}章 "),
            2 => format!("{n}. "),
            3 => format!("（{}） ", fullwidth(n)),
            4 => circled(n),
            5 => format!("（{}）", kana(n)),
            _ => format!("{} ", kana(n)),
        },
        1 => match depth {
            0 => format!("# 第{n}部 "),
            1 => format!("## {n} "),
            2 => format!("### ({n}) "),
            3 => format!("{} ", kana(n)),
            4 => format!("({}) ", kana(n)),
            5 => format!("{n}) "),
            _ => circled(n),
        },
        _ => match depth {
            0 => format!("第{n}編 "),
            1 => format!("{n}. "),
            2 => format!("{parent}.{n} "),
            3 => format!("({n}) "),
            4 => format!("{}．", kana(n)),
            5 => format!("({})", kana(n)),
            _ => circled(n),
        },
    }
}

/// Local provisions a body might add (none of them is in the guideline).
const LOCAL: &[&str] = &[
    "庁舎を訪れた来庁者は、総合案内で入館証の交付を受け、館内では常に見える位置に着用するものとする。",
    "公用車の運転日誌は、車両管理担当課において五年間保存し、毎月末に走行距離を照合する。",
    "市の公式ウェブサイトに掲載する記事は、広報担当課の校閲を経てから公開するものとする。",
    "職員は、年度当初に自己診断票を提出し、所属の研修計画に沿って受講状況を記録する。",
    "防災行政無線の屋外拡声子局は、年二回の放送試験を行い、その結果を危機管理課へ届け出る。",
    "窓口で受け付けた申請書の原本は、受付日から起算して三日以内に担当係へ回付しなければならない。",
    "議会中継の録画データは、議会事務局が編集し、本会議終了後七日以内に配信を開始する。",
    "ふるさと納税の返礼品事業者とは、毎年度、品質基準と配送条件を書面で取り交わす。",
    "図書館の利用者用端末は、閉館時に利用履歴を自動消去する設定で運用する。",
    "学校給食費の口座振替データは、教育委員会の担当者二名で突合した上で金融機関へ送付する。",
];

/// Rewordings that keep the meaning.
const REWORD: &[(&str, &str)] = &[
    ("しなければならない", "するものとする"),
    ("行わなければならない", "行うものとする"),
    ("講じなければならない", "講じるものとする"),
    ("得なければならない", "得るものとする"),
    ("てはならない", "ないこと"),
    ("職員等", "職員"),
    ("本市", "当市"),
    ("必要に応じ", "必要があるときは"),
    ("速やかに", "直ちに"),
    ("電磁的記録媒体", "記録媒体"),
    ("外部委託事業者", "委託事業者"),
    ("及び", "と"),
    ("又は", "若しくは"),
    ("講じる", "実施する"),
    ("パソコン", "端末"),
    ("有する", "持つ"),
];

/// Further rewordings of the heavy set: the wording of a later edition or of a body's own
/// drafting.
const REWORD_HEAVY: &[(&str, &str)] = &[
    ("ものとする", "こととする"),
    ("行う", "実施する"),
    ("定める", "規定する"),
    ("取り扱う", "扱う"),
    ("場合", "とき"),
    ("において", "で"),
    ("については", "は"),
    ("利用", "使用"),
    ("確保", "担保"),
    ("ただし、", "但し、"),
    ("情報資産", "情報資産等"),
    ("管理しなければ", "管理を行わなければ"),
];

fn reword(text: &str, rng: &mut Rng, heavy: bool) -> String {
    let mut t = text.to_owned();
    let p = if heavy { 0.9 } else { 0.6 };
    for (from, to) in REWORD {
        if t.contains(from) && rng.chance(p) {
            t = t.replace(from, to);
        }
    }
    if heavy {
        for (from, to) in REWORD_HEAVY {
            if t.contains(from) && rng.chance(p) {
                t = t.replace(from, to);
            }
        }
    }
    t
}

fn rename_roles(text: &str, map: &[(&str, &str)]) -> String {
    // Longest names first through placeholders, so 統括情報セキュリティ責任者 is not touched by
    // a rule for 情報セキュリティ責任者.
    let mut names: Vec<(&str, &str)> = map.to_vec();
    names.sort_by_key(|(f, _)| std::cmp::Reverse(f.chars().count()));
    let mut t = text.to_owned();
    for (i, (from, _)) in names.iter().enumerate() {
        let ph = char::from_u32(0xE000 + i as u32).unwrap_or('\u{E000}');
        t = t.replace(from, &ph.to_string());
    }
    for (i, (_, to)) in names.iter().enumerate() {
        let ph = char::from_u32(0xE000 + i as u32).unwrap_or('\u{E000}');
        t = t.replace(&ph.to_string(), to);
    }
    t
}

const ROLE_MAPS: &[&[(&str, &str)]] = &[
    &[
        ("統括情報セキュリティ責任者", "統括情報セキュリティ責任者"),
        ("情報セキュリティ管理者", "所属長"),
        ("最高情報セキュリティ責任者", "最高情報統括責任者"),
        ("CISO", "最高情報統括責任者"),
    ],
    &[
        ("統括情報セキュリティ責任者", "情報政策統括者"),
        ("情報セキュリティ責任者", "部局情報責任者"),
        ("情報セキュリティ管理者", "情報管理者"),
    ],
];

fn single_axis(text: &str) -> String {
    text.replace("機密性３", "重要性分類Ⅰ")
        .replace("機密性２", "重要性分類Ⅱ")
        .replace("機密性１", "重要性分類Ⅳ")
        .replace("完全性２", "重要性分類Ⅱ")
        .replace("完全性１", "重要性分類Ⅲ")
        .replace("可用性２", "重要性分類Ⅱ")
        .replace("可用性１", "重要性分類Ⅲ")
}

/// Splits a clause's 例文 into its heading (if its first line is one) and body lines, without
/// the item marker.
fn heading_and_body(c: &Clause) -> (String, Vec<String>) {
    let text = c.model_text.replace("【推奨事項】", "");
    let mut lines: Vec<String> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect();
    if let Some(first) = lines.first_mut() {
        *first = strip_marker(first);
    }
    let heading = match lines.first() {
        Some(f) if !f.contains('。') && f.chars().count() <= 30 && lines.len() > 1 => {
            Some(lines.remove(0))
        }
        _ => None,
    };
    (heading.unwrap_or_default(), lines)
}

fn strip_marker(s: &str) -> String {
    let t = s.trim_start();
    for (open, close) in [('（', '）'), ('(', ')')] {
        if let Some(rest) = t.strip_prefix(open)
            && let Some(end) = rest.find(close)
            && rest[..end].chars().count() <= 3
        {
            return rest[end + close.len_utf8()..].trim().to_owned();
        }
    }
    let mut chars = t.chars();
    if let Some(c) = chars.next()
        && ('①'..='⑳').contains(&c)
    {
        return chars.as_str().trim().to_owned();
    }
    t.to_owned()
}

fn sentences_of(lines: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    for l in lines {
        for s in l.split_inclusive('。') {
            if !s.trim().is_empty() {
                out.push(s.trim().to_owned());
            }
        }
    }
    out
}

enum Op {
    Keep,
    Delete,
    Partial,
    Merge,
    Split,
}

/// Writes logical lines and keeps, for each, its line number in the output with artefacts.
struct Writer {
    lines: Vec<String>,
}

impl Writer {
    fn push(&mut self, s: String) -> usize {
        self.lines.push(s);
        self.lines.len() - 1
    }
}

/// Makes a synthetic policy from the catalog.
pub fn synthesize(catalog: &Catalog, seed: u64) -> Synthetic {
    synthesize_with(catalog, seed, false)
}

/// Makes a synthetic policy; `heavy` rewords every clause with more rules, reverses the
/// sentences of some clauses and adds a sentence of its own to others.
pub fn synthesize_with(catalog: &Catalog, seed: u64, heavy: bool) -> Synthetic {
    let mut rng = Rng::new(seed);
    let style = rng.below(3);
    let roles = if rng.chance(0.6) {
        Some(ROLE_MAPS[rng.below(ROLE_MAPS.len())])
    } else {
        None
    };
    let single = rng.chance(0.5);
    let blank_lines = rng.chance(0.5);
    let page_numbers = rng.chance(0.5);
    let wrap = rng.chance(0.4);
    let mut operations = vec![format!("番号体系 {style}")];
    if roles.is_some() {
        operations.push("役職名の変更".to_owned());
    }
    if single {
        operations.push("単一軸の分類".to_owned());
    }
    let transform = |s: &str| -> String {
        let mut t = s.to_owned();
        if let Some(map) = roles {
            t = rename_roles(&t, map);
        }
        if single {
            t = single_axis(&t);
        }
        t
    };

    // Decide per clause; swap some neighbours with the same parent.
    let n = catalog.clauses.len();
    let mut order: Vec<usize> = (0..n).collect();
    let parent_of = |c: &Clause| c.path.last().map(|p| p.id.clone()).unwrap_or_default();
    let mut i = 0;
    while i + 1 < n {
        let (a, b) = (&catalog.clauses[order[i]], &catalog.clauses[order[i + 1]]);
        if parent_of(a) == parent_of(b) && rng.chance(0.08) {
            order.swap(i, i + 1);
            i += 2;
        } else {
            i += 1;
        }
    }
    // Whole items deleted with their clauses.
    let mut dropped_nodes: HashSet<String> = HashSet::new();
    for c in &catalog.clauses {
        for p in c.path.iter().skip(2) {
            if !dropped_nodes.contains(&p.id) && rng.below(1000) < 15 {
                dropped_nodes.insert(p.id.clone());
            }
        }
    }
    let mut ops: Vec<Op> = Vec::with_capacity(n);
    for &ci in &order {
        let c = &catalog.clauses[ci];
        let r = rng.below(100);
        let op = if c.path.iter().any(|p| dropped_nodes.contains(&p.id)) || r < 10 {
            Op::Delete
        } else if r < 16 {
            Op::Partial
        } else if r < 23 {
            Op::Merge
        } else if r < 30 {
            Op::Split
        } else {
            Op::Keep
        };
        ops.push(op);
    }

    let mut w = Writer { lines: Vec::new() };
    let mut truth: HashMap<String, Truth> = HashMap::new();
    let mut additions: Vec<usize> = Vec::new();
    let mut open: Vec<String> = Vec::new();
    let mut counters: Vec<usize> = vec![0; 12];
    let title_line = w.push(match style {
        1 => "# 情報セキュリティポリシー".to_owned(),
        _ => "情報セキュリティポリシー".to_owned(),
    });
    let _ = title_line;
    let next_marker = |depth: usize, counters: &mut Vec<usize>| -> String {
        if counters.len() <= depth + 1 {
            counters.resize(depth + 2, 0);
        }
        counters[depth] += 1;
        for c in counters.iter_mut().skip(depth + 1) {
            *c = 0;
        }
        let parent = if depth > 0 { counters[depth - 1] } else { 0 };
        marker(style, depth, counters[depth], parent)
    };
    let mut k = 0;
    let mut local_left = 4 + rng.below(3);
    while k < order.len() {
        let c = &catalog.clauses[order[k]];
        let id = c.id.as_str().to_owned();
        if matches!(ops[k], Op::Delete) {
            truth.insert(
                id.clone(),
                Truth {
                    clause: id,
                    status: Status::Omitted,
                    lines: Vec::new(),
                },
            );
            k += 1;
            continue;
        }
        // Open the headings above.
        let path: Vec<&mamori_catalog::PathNode> = c.path.iter().collect();
        let common = open
            .iter()
            .zip(path.iter())
            .take_while(|(a, b)| **a == b.id)
            .count();
        open.truncate(common);
        for (depth, node) in path.iter().enumerate().skip(common) {
            let m = next_marker(depth, &mut counters);
            let title = node.title.clone().unwrap_or_else(|| match depth {
                0 if node.id == "B" => "情報セキュリティ基本方針".to_owned(),
                0 => "情報セキュリティ対策基準".to_owned(),
                _ => String::new(),
            });
            w.push(format!("{m}{}", transform(&title)));
            if let Some(lead) = &node.lead_in {
                w.push(transform(lead));
            }
            open.push(node.id.clone());
        }
        let depth = path.len();
        // A local provision now and then.
        if local_left > 0 && rng.chance(0.02) {
            let m = next_marker(depth, &mut counters);
            let text = LOCAL[rng.below(LOCAL.len())];
            let line = w.push(format!("{m}{text}"));
            additions.push(line);
            local_left -= 1;
        }
        let (heading, body) = heading_and_body(c);
        let mut body: Vec<String> = body.iter().map(|l| transform(l)).collect();
        if heavy || rng.chance(0.4) {
            body = body.iter().map(|l| reword(l, &mut rng, heavy)).collect();
        }
        if heavy && body.len() == 1 {
            let mut sents = sentences_of(&body);
            if sents.len() >= 2 && rng.chance(0.5) {
                sents.reverse();
                body = vec![sents.concat()];
            }
        }
        // A sentence of the body's own; not on a clause that is split, where it would be a
        // provision of its own.
        if heavy
            && !matches!(ops[k], Op::Split)
            && rng.chance(0.2)
            && let Some(last) = body.last_mut()
        {
            last.push_str("なお、詳細は別に定める。");
        }
        let heading = transform(&heading);
        let emit = |w: &mut Writer, counters: &mut Vec<usize>, head: &str, body: &[String]| {
            let m = next_marker(depth, counters);

            if head.is_empty() {
                let mut it = body.iter();
                let first = w.push(format!("{m}{}", it.next().cloned().unwrap_or_default()));
                for l in it {
                    w.push(l.clone());
                }
                first
            } else {
                let first = w.push(format!("{m}{head}"));
                for l in body {
                    w.push(l.clone());
                }
                first
            }
        };
        match ops[k] {
            Op::Partial => {
                let sents = sentences_of(&body);
                if sents.len() >= 2 {
                    let drop = 1 + rng.below(sents.len() - 1);
                    let kept: Vec<String> = sents
                        .iter()
                        .enumerate()
                        .filter(|(i, _)| *i != drop)
                        .map(|(_, s)| s.clone())
                        .collect();
                    let line = emit(&mut w, &mut counters, &heading, &[kept.concat()]);
                    truth.insert(
                        id.clone(),
                        Truth {
                            clause: id,
                            status: Status::Partial,
                            lines: vec![line],
                        },
                    );
                } else {
                    let line = emit(&mut w, &mut counters, &heading, &body);
                    truth.insert(
                        id.clone(),
                        Truth {
                            clause: id,
                            status: Status::Covered,
                            lines: vec![line],
                        },
                    );
                }
            }
            Op::Split => {
                let sents = sentences_of(&body);
                let (a, b) = if sents.len() >= 2 {
                    let cut = sents.len() / 2;
                    (sents[..cut].concat(), sents[cut..].concat())
                } else {
                    let s = body.concat();
                    let chars: Vec<char> = s.chars().collect();
                    let mid = chars.len() / 2;
                    let cut = (mid..chars.len())
                        .find(|i| chars[*i] == '、')
                        .map(|i| i + 1)
                        .unwrap_or(mid);
                    (chars[..cut].iter().collect(), chars[cut..].iter().collect())
                };
                let l1 = emit(&mut w, &mut counters, &heading, &[a]);
                let l2 = emit(&mut w, &mut counters, "", &[b]);
                truth.insert(
                    id.clone(),
                    Truth {
                        clause: id,
                        status: Status::Covered,
                        lines: vec![l1, l2],
                    },
                );
            }
            Op::Merge
                if k + 1 < order.len()
                    && !matches!(ops[k + 1], Op::Delete)
                    && parent_of(&catalog.clauses[order[k + 1]]) == parent_of(c) =>
            {
                let other = &catalog.clauses[order[k + 1]];
                let (_, other_body) = heading_and_body(other);
                let other_body: Vec<String> = other_body.iter().map(|l| transform(l)).collect();
                let mut all = body.clone();
                all.extend(other_body);
                let line = emit(&mut w, &mut counters, &heading, &[all.concat()]);
                for cid in [id, other.id.as_str().to_owned()] {
                    truth.insert(
                        cid.clone(),
                        Truth {
                            clause: cid,
                            status: Status::Covered,
                            lines: vec![line],
                        },
                    );
                }
                k += 2;
                continue;
            }
            _ => {
                let line = emit(&mut w, &mut counters, &heading, &body);
                truth.insert(
                    id.clone(),
                    Truth {
                        clause: id,
                        status: Status::Covered,
                        lines: vec![line],
                    },
                );
            }
        }
        k += 1;
    }

    // Artefacts: wrapped lines, blank lines between lines, page numbers.
    let mut out: Vec<String> = Vec::new();
    let mut line_of: Vec<usize> = Vec::with_capacity(w.lines.len());
    let mut page = 1;
    for l in &w.lines {
        line_of.push(out.len() + 1);
        let chunks: Vec<String> = if wrap && l.chars().count() > 40 {
            let chars: Vec<char> = l.chars().collect();
            chars.chunks(38).map(|c| c.iter().collect()).collect()
        } else {
            vec![l.clone()]
        };
        for ch in chunks {
            out.push(ch);
            if blank_lines {
                out.push(String::new());
            }
            if page_numbers && out.len().is_multiple_of(40) {
                out.push(format!("- {page} -"));
                page += 1;
            }
        }
    }
    let map = |i: usize| line_of.get(i).copied().unwrap_or(0);
    let truth = catalog
        .clauses
        .iter()
        .map(|c| {
            let mut t = truth.remove(c.id.as_str()).unwrap_or(Truth {
                clause: c.id.as_str().to_owned(),
                status: Status::Omitted,
                lines: Vec::new(),
            });
            t.lines = t.lines.iter().map(|l| map(*l)).collect();
            t
        })
        .collect();
    let mut text = out.join("\n");
    text.push('\n');
    Synthetic {
        text,
        truth,
        additions: additions.into_iter().map(map).collect(),
        operations,
    }
}

/// The reference method of the issue: a clause is present when some single line of the
/// document shares enough character bigrams with it (Dice ≥ 0.4), at that line.
pub fn naive_statuses(catalog: &Catalog, text: &str) -> Report {
    use crate::text::comparable;
    let lines: Vec<(usize, HashSet<(char, char)>)> = crate::segment::clean(text)
        .into_iter()
        .map(|l| {
            let c = comparable(&l.text);
            (l.no, crate::text::bigrams(&c).collect())
        })
        .collect();
    let mut postings: HashMap<(char, char), Vec<usize>> = HashMap::new();
    for (i, (_, set)) in lines.iter().enumerate() {
        for b in set {
            postings.entry(*b).or_default().push(i);
        }
    }
    let mut clauses = Vec::with_capacity(catalog.clauses.len());
    let mut summary = crate::report::Summary::default();
    for c in &catalog.clauses {
        let cb: HashSet<(char, char)> = crate::text::bigrams(&comparable(&c.model_text)).collect();
        let mut common = vec![0usize; lines.len()];
        for b in &cb {
            for i in postings.get(b).into_iter().flatten() {
                common[*i] += 1;
            }
        }
        let best = common
            .iter()
            .enumerate()
            .map(|(i, n)| {
                let dice = 2.0 * *n as f64 / (cb.len() + lines[i].1.len()).max(1) as f64;
                (dice, lines[i].0)
            })
            .max_by(|a, b| a.0.total_cmp(&b.0));
        let (status, score, matches) = match best {
            Some((score, line)) if score >= 0.4 => (
                Status::Covered,
                score,
                vec![crate::report::Match {
                    provision: String::new(),
                    line,
                    score,
                    text: String::new(),
                }],
            ),
            _ => (Status::Omitted, 0.0, Vec::new()),
        };
        match status {
            Status::Omitted => summary.omitted += 1,
            _ => summary.covered += 1,
        }
        clauses.push(crate::report::ClauseResult {
            id: c.id.as_str().to_owned(),
            status,
            score,
            recommended: c.recommended,
            matches,
            missing: None,
            title: c.title.clone(),
            model_text: String::new(),
            differences: Vec::new(),
        });
    }
    Report {
        baseline: catalog.edition.id.clone(),
        document: crate::report::DocumentInfo {
            title: String::new(),
            provisions: lines.len(),
            lines: lines.len(),
        },
        clauses,
        additions: Vec::new(),
        revision_points_unmet: Vec::new(),
        summary,
        roles: Vec::new(),
        classification: crate::report::ClassificationFound {
            scheme: "none".to_owned(),
            label: String::new(),
        },
    }
}

/// The figures of one evaluation run.
#[derive(Debug, Clone)]
pub struct Evaluation {
    /// Synthetic policies, summed.
    pub synthetic: Metrics,
    /// The same policies reworded heavily.
    pub heavy: Metrics,
    /// The reference method on the synthetic policies.
    pub naive: Metrics,
    /// The reference method on 入間市.
    pub naive_iruma: Metrics,
    /// How many synthetic policies.
    pub synthetic_documents: usize,
    /// 入間市 over all clauses.
    pub iruma: Metrics,
    /// 入間市 over the `B-` clauses only.
    pub iruma_basic: Metrics,
    /// The real set (`data/real/`); `None` when its labels cannot be read, with the reason in
    /// `errors`.
    pub real: Option<real::RealEvaluation>,
    /// One line per wrong status: document, clause, expected, found, score.
    pub errors: Vec<String>,
}

fn errors_of(name: &str, report: &Report, truth: &[Truth], out: &mut Vec<String>) {
    let by_id: HashMap<&str, &Truth> = truth.iter().map(|t| (t.clause.as_str(), t)).collect();
    for r in &report.clauses {
        if let Some(t) = by_id.get(r.id.as_str())
            && t.status != r.status
        {
            let at = r
                .matches
                .iter()
                .map(|m| format!("{}@{}", m.provision, m.line))
                .collect::<Vec<_>>()
                .join(" ");
            out.push(format!(
                "{name}\t{}\t正解 {}\t判定 {}\t{:.2}\t正解行 {:?}\t{at}",
                r.id,
                t.status.key(),
                r.status.key(),
                r.score,
                t.lines
            ));
        }
    }
}

/// Runs the evaluation: `documents` synthetic policies from seed `first_seed` on, and 入間市
/// from its text.
pub fn evaluate(
    catalog: &Catalog,
    first_seed: u64,
    documents: usize,
    iruma_text: Option<&str>,
) -> Evaluation {
    let analyzer = Analyzer::new(catalog);
    let mut synthetic = Metrics::default();
    let mut naive = Metrics::default();
    let mut heavy = Metrics::default();
    let mut naive_iruma = Metrics::default();
    let mut errors = Vec::new();
    for seed in first_seed..first_seed + documents as u64 {
        let s = synthesize_with(catalog, seed, true);
        if let Ok(doc) = Document::from_text(&s.text) {
            let report = analyzer.analyze(&doc.title, doc.lines, &doc.provisions);
            heavy.add(&score(&report, &s.truth, Some(&s.additions)));
            errors_of(&format!("強{seed}"), &report, &s.truth, &mut errors);
            for a in &report.additions {
                if !s.additions.contains(&a.line) {
                    errors.push(format!(
                        "強{seed}\t独自規定の誤検出\t{}@{}\t{}",
                        a.provision,
                        a.line,
                        crate::text::shorten(&a.text, 50)
                    ));
                }
            }
        }
    }
    for seed in first_seed..first_seed + documents as u64 {
        let s = synthesize(catalog, seed);
        if let Ok(doc) = Document::from_text(&s.text) {
            let report = analyzer.analyze(&doc.title, doc.lines, &doc.provisions);
            synthetic.add(&score(&report, &s.truth, Some(&s.additions)));
            errors_of(&format!("合成{seed}"), &report, &s.truth, &mut errors);
            naive.add(&score(&naive_statuses(catalog, &s.text), &s.truth, None));
            let found: HashSet<usize> = report.additions.iter().map(|a| a.line).collect();
            for a in &report.additions {
                if !s.additions.contains(&a.line) {
                    errors.push(format!(
                        "合成{seed}\t独自規定の誤検出\t{}@{}\t{}",
                        a.provision,
                        a.line,
                        crate::text::shorten(&a.text, 50)
                    ));
                }
            }
            for l in &s.additions {
                if !found.contains(l) {
                    errors.push(format!("合成{seed}\t独自規定の見落とし\t{l}"));
                }
            }
        }
    }
    let mut iruma = Metrics::default();
    let mut iruma_basic = Metrics::default();
    if let Some(text) = iruma_text
        && let Ok(doc) = Document::from_text(text)
    {
        let report = analyzer.analyze(&doc.title, doc.lines, &doc.provisions);
        let truth = iruma_truth(catalog);
        iruma = score(&report, &truth, None);
        errors_of("入間市", &report, &truth, &mut errors);
        naive_iruma = score(&naive_statuses(catalog, text), &truth, None);
        let basic: Vec<Truth> = truth
            .into_iter()
            .filter(|t| t.clause.starts_with("B-"))
            .collect();
        iruma_basic = score(&report, &basic, None);
    }
    let real = match real::evaluate_real(catalog, &analyzer) {
        Ok(r) => {
            errors.extend(r.errors.iter().cloned());
            Some(r)
        }
        Err(e) => {
            errors.push(e.0);
            None
        }
    };
    Evaluation {
        real,
        synthetic,
        heavy,
        naive,
        naive_iruma,
        synthetic_documents: documents,
        iruma,
        iruma_basic,
        errors,
    }
}

/// A policy of about `lines` lines for timing: synthetic policies one after another.
pub fn bench_text(catalog: &Catalog, lines: usize) -> String {
    let mut text = String::new();
    let mut seed = 1000;
    while text.lines().count() < lines {
        let s = synthesize(catalog, seed);
        text.push_str(&s.text);
        seed += 1;
    }
    text.lines().take(lines).collect::<Vec<_>>().join("\n")
}

/// Timing of the analysis of one policy.
#[derive(Debug, Clone, Copy)]
pub struct Timing {
    /// Lines of the policy.
    pub lines: usize,
    /// Provisions found in it.
    pub provisions: usize,
    /// Preparing the catalog (once per process), seconds.
    pub prepare: f64,
    /// Reading, cutting and aligning the policy, mean seconds per run.
    pub analyze: f64,
}

/// Times the analysis of a synthetic policy of about `lines` lines, on the calling thread.
pub fn bench(catalog: &Catalog, lines: usize, runs: u32) -> Timing {
    use std::time::Instant;
    let text = bench_text(catalog, lines);
    let started = Instant::now();
    let analyzer = Analyzer::new(catalog);
    let prepare = started.elapsed().as_secs_f64();
    let runs = runs.max(1);
    let mut total = 0.0;
    let mut provisions = 0;
    for _ in 0..runs {
        let t = Instant::now();
        if let Ok(doc) = Document::from_text(&text) {
            let report = analyzer.analyze(&doc.title, doc.lines, &doc.provisions);
            provisions = report.document.provisions;
        }
        total += t.elapsed().as_secs_f64();
    }
    Timing {
        lines: text.lines().count(),
        provisions,
        prepare,
        analyze: total / f64::from(runs),
    }
}
