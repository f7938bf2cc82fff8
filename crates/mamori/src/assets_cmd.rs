//! `mamori assets`: import and export the 情報資産台帳, and run its rule checks.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::Context;
use clap::{Subcommand, ValueEnum};
use mamori_app::App;
use mamori_domain::audit::Actor;

use mamori::asset_bench::AssetsCommand as BenchCommand;

use crate::org_cmd::{Encoding, Format, ImportCounts, export_format, report_import};

#[derive(Subcommand, Debug)]
pub enum AssetsCommand {
    /// Import the register from .xlsx or .csv (UTF-8 or Shift_JIS); nothing changes while any row
    /// is wrong unless --skip-invalid
    Import {
        /// The file to import
        file: PathBuf,
        /// Body code (may be left out when there is one body)
        #[arg(long)]
        body: Option<String>,
        /// Import the valid rows even when some rows have problems
        #[arg(long)]
        skip_invalid: bool,
        /// Only check the file and print what would change
        #[arg(long)]
        dry_run: bool,
    },
    /// Export the register in the import layout
    Export {
        #[arg(long)]
        body: Option<String>,
        #[arg(long, value_enum, default_value = "xlsx")]
        format: Format,
        /// CSV encoding: sjis (as Excel saves CSV) or utf8 (with BOM)
        #[arg(long, value_enum, default_value = "sjis")]
        encoding: Encoding,
        #[arg(long)]
        output: PathBuf,
    },
    /// Add N generated assets to the demo body (みほん市; loaded first when absent), for benchmarks
    Generate {
        #[arg(long)]
        count: u64,
    },
    /// Measure the register's pages, filters and the asset page on the demo body (p50/p99/max)
    Bench {
        /// Measurements per query
        #[arg(long, default_value_t = 100)]
        pages: usize,
    },
    /// Run the rule checks over the register; exit 1 when something is found
    Check {
        #[arg(long)]
        body: Option<String>,
        #[arg(long, value_enum, default_value = "text")]
        format: CheckFormat,
    },
}

#[derive(ValueEnum, Clone, Copy, Debug)]
pub enum CheckFormat {
    Text,
    Json,
}

pub async fn run(app: &App, command: AssetsCommand, actor: Actor) -> anyhow::Result<ExitCode> {
    match command {
        AssetsCommand::Import {
            file,
            body,
            skip_invalid,
            dry_run,
        } => {
            let body = crate::body_for(app, body.as_deref()).await?;
            let bytes = crate::read_input(&file, mamori_app::org_import::MAX_IMPORT_BYTES)?;
            let name = file
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let started = Instant::now();
            let progress = |done: usize, total: usize| {
                eprint!("\r書き込み中 {done}/{total}");
            };
            let result = app
                .import_assets_as_operator(
                    &body,
                    &actor,
                    &name,
                    &bytes,
                    skip_invalid,
                    dry_run,
                    &progress,
                )
                .await;
            let (preview, outcome) = match result {
                Ok(r) => r,
                Err(mamori_app::AppError::Invalid(e)) => {
                    eprintln!("誤り: {}: {}", e.field, e.message);
                    return Ok(ExitCode::from(1));
                }
                Err(e) => return Err(e.into()),
            };
            Ok(report_import(
                &name,
                &ImportCounts {
                    rows: preview.rows,
                    created: preview.created,
                    changed: preview.changed,
                    unchanged: preview.unchanged,
                    problems: &preview.problems,
                },
                outcome.map(|o| o.summary()),
                started,
            ))
        }
        AssetsCommand::Export {
            body,
            format,
            encoding,
            output,
        } => {
            let body = crate::body_for(app, body.as_deref()).await?;
            let format = export_format(format, encoding);
            let bytes = app.export_assets(body.id, format).await?;
            std::fs::write(&output, bytes)
                .with_context(|| format!("{} に書き込めません", output.display()))?;
            eprintln!(
                "{}の情報資産台帳を {} に出力しました。",
                body.name,
                output.display()
            );
            Ok(ExitCode::SUCCESS)
        }
        AssetsCommand::Generate { count } => {
            mamori::asset_bench::run(app, BenchCommand::Generate { count }, actor).await
        }
        AssetsCommand::Bench { pages } => {
            mamori::asset_bench::run(app, BenchCommand::Bench { pages }, actor).await
        }
        AssetsCommand::Check { body, format } => {
            let body = crate::body_for(app, body.as_deref()).await?;
            let units = app.asset_findings_of(body.id).await?;
            let total: usize = units.iter().map(|u| u.findings.len()).sum();
            match format {
                CheckFormat::Json => {
                    let report = serde_json::json!({
                        "body": body.name,
                        "total": total,
                        "units": units,
                    });
                    println!("{}", serde_json::to_string_pretty(&report)?);
                }
                CheckFormat::Text => {
                    for u in &units {
                        println!(
                            "■ {}（{}件）",
                            u.unit.as_deref().unwrap_or("所管課が未設定"),
                            u.findings.len()
                        );
                        for f in &u.findings {
                            println!(
                                "  {} {} [{}] {}",
                                f.asset_no, f.asset_name, f.clause, f.message
                            );
                        }
                    }
                    println!("{}: 点検で見つかった問題 {total}件", body.name);
                }
            }
            Ok(if total == 0 {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            })
        }
    }
}
