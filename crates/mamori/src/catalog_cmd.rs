//! `mamori catalog …`: regenerate the committed catalog from the sources, export it (OSCAL,
//! Excel, JSON), and look clauses up from the console. None of it touches the database: the
//! catalog is embedded in the binary.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::{Subcommand, ValueEnum};
use mamori_app::catalog::{ClauseFilter, GuidelineCatalog};
use mamori_catalog::Part;
use serde::Serialize;

#[derive(Subcommand, Debug)]
pub enum CatalogCommand {
    /// Regenerate the committed catalog files from the guideline seeds and the clause indexes
    Build {
        /// Folder with the seed texts (000_….txt, 004_….txt)
        #[arg(long)]
        seed: PathBuf,
        /// Folder with clause-index-a.md and clause-index-b.md
        #[arg(long)]
        index: PathBuf,
        /// Folder to write (the repository's catalog/)
        #[arg(long)]
        out: PathBuf,
    },
    /// Write the catalog to a file
    Export {
        #[arg(long, value_enum)]
        format: ExportFormat,
        #[arg(long)]
        output: PathBuf,
    },
    /// Counts by part, 推奨事項 and authority mark
    Stats {
        #[arg(long, value_enum, default_value = "text")]
        format: OutputFormat,
    },
    /// Print one clause with its lead-ins, roles and 解説
    Show {
        /// Canonical clause id, e.g. 'S-2.(2)⑧(イ)'
        id: String,
        #[arg(long, value_enum, default_value = "text")]
        format: OutputFormat,
    },
    /// Full-text search over 例文 and 解説; prints id, title and score, best first
    Search {
        query: String,
        #[arg(long, value_enum, default_value = "text")]
        format: OutputFormat,
    },
    /// Time the search: index build, then mean/p95/max per query over repeated runs
    Bench {
        /// Runs of each query
        #[arg(long, default_value_t = 200)]
        iterations: u32,
    },
}

/// The queries of the issue, long phrases, and one-character queries (the worst case: a single
/// common character matches nearly every clause).
const BENCH_QUERIES: &[&str] = &[
    "USBメモリ",
    "持ち出し",
    "パスワード",
    "再委託",
    "機密性２以上の情報資産を運搬する者は、情報セキュリティ管理者に許可を得なければならない",
    "外部委託事業者の従業員に対する教育の実施",
    "情報システム 管理者 ログ 取得",
    "鍵",
    "の",
];

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum ExportFormat {
    /// OSCAL 1.1 catalog (JSON)
    Oscal,
    /// Excel workbook, one row per clause
    Xlsx,
    /// The catalog data as one JSON document
    Json,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    Text,
    Json,
}

fn print_json(value: &impl Serialize) -> anyhow::Result<()> {
    println!("{}", serde_json::to_string_pretty(value)?);
    Ok(())
}

fn write_file(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    std::fs::write(path, bytes).with_context(|| format!("{} に書き込めません", path.display()))
}

pub fn run(command: CatalogCommand) -> anyhow::Result<ExitCode> {
    if let CatalogCommand::Build { seed, index, out } = &command {
        let catalog = mamori_catalog::build_from_paths(seed, index)
            .context("ガイドラインカタログを作成できません")?;
        mamori_catalog::write_dir(&catalog, out)
            .with_context(|| format!("{} に書き込めません", out.display()))?;
        println!(
            "{} 条項、見出し {}、用語 {} 語を {} に書き出しました。",
            catalog.clauses.len(),
            catalog.sections.len(),
            catalog.glossary.len(),
            out.display()
        );
        return Ok(ExitCode::SUCCESS);
    }
    if let CatalogCommand::Bench { iterations } = command {
        return bench(iterations.max(1));
    }
    let catalog = GuidelineCatalog::embedded()?;
    match command {
        CatalogCommand::Build { .. } | CatalogCommand::Bench { .. } => Ok(ExitCode::SUCCESS),
        CatalogCommand::Export { format, output } => {
            let bytes = match format {
                ExportFormat::Oscal => mamori_io::oscal::to_json(&mamori_io::oscal::catalog(
                    catalog.data(),
                    mamori_app::clock::Clock::now(&mamori_app::clock::SystemClock),
                ))?,
                ExportFormat::Xlsx => mamori_io::xlsx::catalog_workbook(catalog.data())?,
                ExportFormat::Json => serde_json::to_vec_pretty(catalog.data())?,
            };
            write_file(&output, &bytes)?;
            eprintln!(
                "{} 条項を {} に書き出しました。",
                catalog.data().clauses.len(),
                output.display()
            );
            Ok(ExitCode::SUCCESS)
        }
        CatalogCommand::Stats { format } => stats(catalog, format),
        CatalogCommand::Show { id, format } => show(catalog, &id, format),
        CatalogCommand::Search { query, format } => search(catalog, &query, format),
    }
}

#[derive(Serialize)]
struct Stats {
    edition: String,
    clauses: usize,
    basic_policy: usize,
    standards: usize,
    recommended: usize,
    /// Clauses carrying each mark (○ △ 許 承), by mark key.
    marks: std::collections::BTreeMap<&'static str, usize>,
    glossary_terms: usize,
    revision_points: usize,
}

fn stats(catalog: &GuidelineCatalog, format: OutputFormat) -> anyhow::Result<ExitCode> {
    let all = catalog.clauses(&ClauseFilter::default())?;
    let count = |part: Part| all.iter().filter(|c| c.part == part).count();
    let marks = mamori_catalog::Mark::ALL
        .into_iter()
        .map(|m| {
            let n = all
                .iter()
                .filter(|c| c.roles.iter().any(|r| r.mark == m))
                .count();
            (m.key(), n)
        })
        .collect();
    let s = Stats {
        edition: catalog.edition().id.clone(),
        clauses: all.len(),
        basic_policy: count(Part::BasicPolicy),
        standards: count(Part::Standards),
        recommended: all.iter().filter(|c| c.recommended).count(),
        marks,
        glossary_terms: catalog.glossary().len(),
        revision_points: catalog.revisions().iter().map(|r| r.points.len()).sum(),
    };
    if format == OutputFormat::Json {
        print_json(&s)?;
    } else {
        println!("版: {}", s.edition);
        println!(
            "条項: {}（基本方針 {}、対策基準 {}）",
            s.clauses, s.basic_policy, s.standards
        );
        println!("推奨事項: {}", s.recommended);
        for m in mamori_catalog::Mark::ALL {
            let n = s.marks.get(m.key()).copied().unwrap_or(0);
            println!("{} {}: {n} 条項", m.symbol(), m.label());
        }
        println!("用語: {}", s.glossary_terms);
        println!("改定のポイント: {}", s.revision_points);
    }
    Ok(ExitCode::SUCCESS)
}

fn show(catalog: &GuidelineCatalog, id: &str, format: OutputFormat) -> anyhow::Result<ExitCode> {
    let d = catalog.clause(id)?;
    let c = d.clause;
    if format == OutputFormat::Json {
        print_json(c)?;
        return Ok(ExitCode::SUCCESS);
    }
    println!(
        "{} {}{}",
        c.id.as_str(),
        c.title,
        if c.recommended {
            "【推奨事項】"
        } else {
            ""
        }
    );
    println!();
    println!("{}", c.full_text());
    println!();
    println!("役割と権限:");
    for r in &c.roles {
        println!(
            "  {} {}（{}）{}",
            r.mark.symbol(),
            catalog.role_name(r.role),
            r.mark.label(),
            if r.reconstructed {
                " ※例文から再構成"
            } else {
                ""
            }
        );
    }
    for a in &c.artifacts {
        println!("成果物: {} {}", a.kind.label(), a.detail);
    }
    for b in &d.commentary {
        println!();
        println!("解説 {} {}", b.id, b.title.unwrap_or_default());
        println!("{}", mamori_io::catalog_text::commentary_text(b.commentary));
    }
    Ok(ExitCode::SUCCESS)
}

#[derive(Serialize)]
struct SearchLine<'a> {
    id: &'a str,
    title: &'a str,
    score: u32,
}

fn search(
    catalog: &GuidelineCatalog,
    query: &str,
    format: OutputFormat,
) -> anyhow::Result<ExitCode> {
    let found = catalog.search(query)?;
    let lines: Vec<SearchLine<'_>> = found
        .results
        .iter()
        .map(|r| SearchLine {
            id: r.clause.id.as_str(),
            title: &r.clause.title,
            score: r.score,
        })
        .collect();
    if format == OutputFormat::Json {
        print_json(&lines)?;
    } else if lines.is_empty() {
        eprintln!("「{query}」を含む条項はありません。");
    } else {
        for l in &lines {
            println!("{}\t{}\t{}", l.id, l.title, l.score);
        }
        if found.total > lines.len() {
            eprintln!("（{} 件中 {} 件を表示）", found.total, lines.len());
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn ms(d: std::time::Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// Loads and indexes the embedded catalog afresh (timed), then runs each query `iterations`
/// times through the same search the screens and the API use (with highlighting).
fn bench(iterations: u32) -> anyhow::Result<ExitCode> {
    use std::time::Instant;
    let started = Instant::now();
    let data = mamori_catalog::load_embedded().context("カタログを読み込めません")?;
    let loaded = started.elapsed();
    let indexing = Instant::now();
    let catalog = GuidelineCatalog::new(data);
    let indexed = indexing.elapsed();
    let build = if cfg!(debug_assertions) {
        "デバッグビルド"
    } else {
        "リリースビルド"
    };
    println!("検索の計測（{build}、各クエリ {iterations} 回）");
    println!(
        "カタログの読み込み: {:.2} ms、索引の作成: {:.2} ms",
        ms(loaded),
        ms(indexed)
    );
    println!("クエリ\t件数\t平均(ms)\tp95(ms)\t最大(ms)");
    let mut worst: f64 = 0.0;
    for query in BENCH_QUERIES {
        let mut times = Vec::with_capacity(iterations as usize);
        let mut hits = 0;
        for _ in 0..iterations {
            let t = Instant::now();
            let found = catalog.search(query)?;
            times.push(ms(t.elapsed()));
            hits = found.total;
        }
        times.sort_by(f64::total_cmp);
        let mean = times.iter().sum::<f64>() / times.len() as f64;
        let p95_index = (times.len() * 95).div_ceil(100).saturating_sub(1);
        let p95 = times.get(p95_index).copied().unwrap_or_default();
        let max = times.last().copied().unwrap_or_default();
        worst = worst.max(max);
        println!("{query}\t{hits}\t{mean:.3}\t{p95:.3}\t{max:.3}");
    }
    println!("最大: {worst:.3} ms（目標: 1クエリ 50 ms 未満）");
    Ok(ExitCode::SUCCESS)
}
