//! `mamori gap …`: gap analysis of an existing policy against the guideline catalog, its
//! evaluation and timing. No settings or database: the catalog is embedded in the binary.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::Context;
use clap::{Subcommand, ValueEnum};
use mamori_gap::Document;

/// Where the 入間市 基本方針 lies when run from the repository root.
const IRUMA_DEFAULT: &str = "../shared/seeds/002_592f045dcc33169d.txt";

#[derive(Subcommand, Debug)]
pub enum GapCommand {
    /// Compare a policy document (.txt, .md, .docx, .pdf) with the guideline, clause by clause
    Analyze {
        /// The policy document
        file: PathBuf,
        #[arg(long, value_enum, default_value = "json")]
        format: ReportFormat,
        /// Write to this file instead of standard output (required for xlsx)
        #[arg(long)]
        output: Option<PathBuf>,
    },
    /// Measure the accuracy on synthetic policies and on the hand-labelled 入間市 基本方針
    Eval {
        /// How many synthetic policies
        #[arg(long, default_value_t = 20)]
        documents: usize,
        /// Seed of the first synthetic policy (the next ones follow)
        #[arg(long, default_value_t = 1)]
        first_seed: u64,
        /// The 入間市 基本方針 text
        #[arg(long, default_value = IRUMA_DEFAULT)]
        iruma: PathBuf,
        /// Also list every clause whose status is wrong, and every wrong local addition
        #[arg(long)]
        errors: bool,
    },
    /// Time the analysis of a policy of about LINES lines
    Bench {
        #[arg(long, default_value_t = 3000)]
        lines: usize,
        /// Runs to average over
        #[arg(long, default_value_t = 5)]
        runs: u32,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    Json,
    Xlsx,
    Text,
}

fn write_out(output: Option<&Path>, bytes: &[u8]) -> anyhow::Result<()> {
    match output {
        Some(path) => std::fs::write(path, bytes)
            .with_context(|| format!("{} に書き込めません", path.display())),
        None => {
            use std::io::Write;
            std::io::stdout()
                .write_all(bytes)
                .context("標準出力に書き込めません")
        }
    }
}

pub fn run(command: GapCommand) -> anyhow::Result<ExitCode> {
    let catalog = mamori_catalog::load_embedded().context("カタログを読み込めません")?;
    match command {
        GapCommand::Analyze {
            file,
            format,
            output,
        } => {
            let doc = Document::from_path(&file)?;
            let report = mamori_gap::analyze(&catalog, &doc);
            match format {
                ReportFormat::Json => {
                    let mut bytes = serde_json::to_vec_pretty(&report)?;
                    bytes.push(b'\n');
                    write_out(output.as_deref(), &bytes)?;
                }
                ReportFormat::Text => write_out(output.as_deref(), report.to_text().as_bytes())?,
                ReportFormat::Xlsx => {
                    let Some(path) = output.as_deref() else {
                        anyhow::bail!("Excel 形式では --output で書き出し先を指定してください。");
                    };
                    let bytes = mamori_gap::xlsx::workbook(&report)?;
                    write_out(Some(path), &bytes)?;
                    eprintln!("{} に書き出しました。", path.display());
                }
            }
            if output.is_some() && format != ReportFormat::Xlsx {
                eprintln!(
                    "規定あり {} / 一部不足 {} / 規定なし {} / 独自規定 {}",
                    report.summary.covered,
                    report.summary.partial,
                    report.summary.omitted,
                    report.summary.additions
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        GapCommand::Eval {
            documents,
            first_seed,
            iruma,
            errors,
        } => {
            let iruma_text = match std::fs::read(&iruma) {
                Ok(bytes) => Some(mamori_gap::input::decode_text(&bytes)?),
                Err(_) => {
                    eprintln!(
                        "{} が見つからないため、入間市の評価は行いません。",
                        iruma.display()
                    );
                    None
                }
            };
            let started = Instant::now();
            let e =
                mamori_gap::eval::evaluate(&catalog, first_seed, documents, iruma_text.as_deref());
            match &e.real {
                Some(r) => {
                    println!(
                        "実在の規程の抜粋 {} 件（全条項）: {}",
                        r.excerpts,
                        r.clauses.line()
                    );
                    println!("　うち組織体制（S-1.）: {}", r.organization.line());
                    println!("　うち基本方針（B-）: {}", r.basic.line());
                    println!("　役割の名称: {}", r.roles.line());
                }
                None => println!("実在の規程の抜粋: 正解を読み取れません（--errors で理由）"),
            }
            println!(
                "合成ポリシー {} 件: {}",
                e.synthetic_documents,
                e.synthetic.line()
            );
            println!(
                "合成ポリシー（強い言い換え） {} 件: {}",
                e.synthetic_documents,
                e.heavy.line()
            );
            if iruma_text.is_some() {
                println!("入間市 基本方針（全条項）: {}", e.iruma.line());
                println!("入間市 基本方針（B- 条項）: {}", e.iruma_basic.line());
            }
            println!(
                "参考（行単位の文字bigram類似度のみ）合成: {}",
                e.naive.line()
            );
            if iruma_text.is_some() {
                println!(
                    "参考（行単位の文字bigram類似度のみ）入間市: {}",
                    e.naive_iruma.line()
                );
            }
            println!("所要時間: {:.2} 秒", started.elapsed().as_secs_f64());
            if errors {
                for line in &e.errors {
                    println!("{line}");
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        GapCommand::Bench { lines, runs } => {
            let t = mamori_gap::eval::bench(&catalog, lines, runs);
            let build = if cfg!(debug_assertions) {
                "デバッグビルド"
            } else {
                "リリースビルド"
            };
            println!(
                "{} 行・{} 条項の文書の分析（{build}、1スレッド）: 平均 {:.3} 秒（カタログの準備 {:.3} 秒、初回のみ）",
                t.lines, t.provisions, t.analyze, t.prepare
            );
            Ok(ExitCode::SUCCESS)
        }
    }
}
