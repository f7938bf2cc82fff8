//! `mamori org`: import and export the body's people and units, and the daily 人事異動 run.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::Context;
use clap::{Subcommand, ValueEnum};
use mamori_app::App;
use mamori_app::org_import::{ExportFormat, ImportKind, ProblemLine};
use mamori_domain::audit::Actor;
use mamori_io::org_table::CsvEncoding;

#[derive(Subcommand, Debug)]
pub enum OrgCommand {
    /// Import people (職員) or units (組織) from .xlsx or .csv (UTF-8 or Shift_JIS)
    Import {
        /// The file to import
        file: PathBuf,
        /// What the file holds
        #[arg(long, value_enum, default_value = "people")]
        kind: Kind,
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
    /// Export people or units in the import layout
    Export {
        #[arg(long, value_enum, default_value = "people")]
        kind: Kind,
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
    /// Apply confirmed 人事異動 whose date has come (the server does this daily by itself)
    ApplyTransfers,
}

#[derive(ValueEnum, Clone, Copy, Debug)]
pub enum Kind {
    People,
    Units,
}

impl From<Kind> for ImportKind {
    fn from(k: Kind) -> Self {
        match k {
            Kind::People => ImportKind::People,
            Kind::Units => ImportKind::Units,
        }
    }
}

#[derive(ValueEnum, Clone, Copy, Debug)]
pub enum Format {
    Xlsx,
    Csv,
}

#[derive(ValueEnum, Clone, Copy, Debug)]
pub enum Encoding {
    Sjis,
    Utf8,
}

/// The file an export writes, from the command's options.
pub fn export_format(format: Format, encoding: Encoding) -> ExportFormat {
    match (format, encoding) {
        (Format::Xlsx, _) => ExportFormat::Xlsx,
        (Format::Csv, Encoding::Sjis) => ExportFormat::Csv(CsvEncoding::ShiftJis),
        (Format::Csv, Encoding::Utf8) => ExportFormat::Csv(CsvEncoding::Utf8Bom),
    }
}

pub async fn run(app: &App, command: OrgCommand, actor: Actor) -> anyhow::Result<ExitCode> {
    match command {
        OrgCommand::Import {
            file,
            kind,
            body,
            skip_invalid,
            dry_run,
        } => {
            import(
                app,
                &file,
                kind.into(),
                body.as_deref(),
                skip_invalid,
                dry_run,
                actor,
            )
            .await
        }
        OrgCommand::Export {
            kind,
            body,
            format,
            encoding,
            output,
        } => {
            let body = crate::body_for(app, body.as_deref()).await?;
            let format = export_format(format, encoding);
            let bytes = app.export_org(body.id, kind.into(), format).await?;
            std::fs::write(&output, bytes)
                .with_context(|| format!("{} に書き込めません", output.display()))?;
            eprintln!(
                "{}の{}を {} に出力しました。",
                body.name,
                ImportKind::from(kind).label(),
                output.display()
            );
            Ok(ExitCode::SUCCESS)
        }
        OrgCommand::ApplyTransfers => {
            let n = app.apply_due_transfers().await?;
            eprintln!("適用日を迎えた人事異動を {n} 件適用しました。");
            Ok(ExitCode::SUCCESS)
        }
    }
}

async fn import(
    app: &App,
    file: &Path,
    kind: ImportKind,
    body: Option<&str>,
    skip_invalid: bool,
    dry_run: bool,
    actor: Actor,
) -> anyhow::Result<ExitCode> {
    let body = crate::body_for(app, body).await?;
    let bytes = crate::read_input(file, mamori_app::org_import::MAX_IMPORT_BYTES)?;
    let name = file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let started = Instant::now();
    let progress = |done: usize, total: usize| {
        eprint!("\r書き込み中 {done}/{total} 行");
    };
    let result = app
        .import_as_operator(
            &body,
            &actor,
            kind,
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
        outcome.map(|o| o.summary(kind)),
        started,
    ))
}

/// What a checked import file holds, for the report on the console.
pub struct ImportCounts<'a> {
    pub rows: usize,
    pub created: usize,
    pub changed: usize,
    pub unchanged: usize,
    pub problems: &'a [ProblemLine],
}

/// Prints the problems of a file by row and column, then what was done (or, for a dry run,
/// what would be); exit 1 when a dry run found problems.
pub fn report_import(
    name: &str,
    counts: &ImportCounts<'_>,
    done: Option<String>,
    started: Instant,
) -> ExitCode {
    for p in counts.problems {
        let column = p
            .column
            .as_deref()
            .map(|c| format!("「{c}」"))
            .unwrap_or_default();
        eprintln!("{}行目{column}: {}", p.line, p.message);
    }
    match done {
        None => {
            eprintln!(
                "{}: {}行 — 新規 {}、変更 {}、変更なし {}、誤り {}件（確認のみ。何も変更していません）",
                name,
                counts.rows,
                counts.created,
                counts.changed,
                counts.unchanged,
                counts.problems.len()
            );
            if counts.problems.is_empty() {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            }
        }
        Some(summary) => {
            eprintln!();
            eprintln!(
                "{summary}（{} 行、{:.2} 秒）",
                counts.rows,
                started.elapsed().as_secs_f64()
            );
            ExitCode::SUCCESS
        }
    }
}
