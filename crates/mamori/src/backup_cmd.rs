//! `mamori backup` and `mamori restore`: a portable archive of the whole database, taken while
//! the server runs, restored into an empty SQLite or PostgreSQL database.

use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;
use mamori::settings::Settings;
use mamori_app::App;
use mamori_domain::backup::{State, Trigger};

pub(crate) async fn backup(settings: Settings, output: &Path) -> anyhow::Result<ExitCode> {
    let app = crate::app_for_cli(&settings).await?;
    let started = std::time::Instant::now();
    let run = app
        .take_backup(output, Trigger::Command, crate::console_actor())
        .await
        .map_err(operator_message)?;
    match (run.state(), &run.contents) {
        (State::Verified, Some(c)) => println!(
            "バックアップを書き、読み戻して検証しました: {}（{} 表、{} 行、{}、監査証跡 通し番号 {}、SHA-256 {}、{:.1} 秒）",
            output.display(),
            c.tables,
            c.rows,
            mamori_domain::text::file_size(c.bytes),
            c.audit_seq,
            c.sha256,
            started.elapsed().as_secs_f64()
        ),
        _ => {
            let why = run
                .error
                .or_else(|| run.check.and_then(|c| c.problem))
                .unwrap_or_default();
            anyhow::bail!(
                "バックアップできませんでした（{}）: {why}",
                output.display()
            );
        }
    }
    if !settings.audit_anchor_file.trim().is_empty() {
        let path = std::path::PathBuf::from(settings.audit_anchor_file.trim());
        let anchor = crate::write_anchor(&app, &path).await?;
        println!(
            "監査証跡の控え（アンカー）を書きました: {}（通し番号 {}）。バックアップとは別の媒体にも写してください。",
            path.display(),
            anchor.seq
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// `serve`'s backups: one at start and one a day into `backup_dir`; the newest `backup_keep`
/// stay. Each is read back and recorded for the administrator's screen.
pub(crate) fn spawn_scheduled(app: App) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(24 * 3600));
        loop {
            tick.tick().await;
            match app.take_scheduled_backup().await {
                Ok(Some(run)) if run.state() == State::Verified => {
                    tracing::info!(file = %run.file, rows = run.contents.map(|c| c.rows), "バックアップを書き、検証しました")
                }
                Ok(Some(run)) => {
                    let why = run.error.or_else(|| run.check.and_then(|c| c.problem));
                    tracing::error!(file = %run.file, problem = why.as_deref().unwrap_or(""), "バックアップに失敗しました")
                }
                Ok(None) => tracing::warn!(
                    "別のバックアップを取っているため、定期バックアップを見送りました"
                ),
                Err(e) => tracing::error!(error = %e, "バックアップを記録できません"),
            }
        }
    });
}

pub(crate) async fn restore(settings: Settings, input: &Path) -> anyhow::Result<ExitCode> {
    let file =
        std::fs::File::open(input).with_context(|| format!("{} を開けません", input.display()))?;
    let app = crate::app_for_cli(&settings).await?;
    let started = std::time::Instant::now();
    let progress = |table: &str, rows: u64| eprintln!("  {table}: {rows} 行");
    let manifest = app
        .restore_from(
            std::io::BufReader::new(file),
            crate::console_actor(),
            &progress,
        )
        .await
        .map_err(operator_message)?;
    println!(
        "復元しました: {} 表、{} 行（{} から {} へ、{:.1} 秒）。表ごとのハッシュと監査証跡（通し番号 {} まで）を確かめました。",
        manifest.tables.len(),
        manifest.rows(),
        manifest.source,
        app.store().url(),
        started.elapsed().as_secs_f64(),
        manifest.audit_seq
    );
    Ok(ExitCode::SUCCESS)
}

/// The error for the operator at the console, with the cause of an internal one (the screen
/// never shows it; the console is the operator's own).
pub(crate) fn operator_message(e: mamori_app::AppError) -> anyhow::Error {
    match &e {
        mamori_app::AppError::Store(inner) => anyhow::anyhow!("{e}: {inner}"),
        mamori_app::AppError::Internal(detail) => anyhow::anyhow!("{e}: {detail}"),
        _ => anyhow::anyhow!("{e}"),
    }
}
