//! `mamori backup` and `mamori restore`: a portable archive of the whole database, taken while
//! the server runs, restored into an empty SQLite or PostgreSQL database.

use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;
use mamori::settings::Settings;

pub(crate) async fn backup(settings: Settings, output: &Path) -> anyhow::Result<ExitCode> {
    let app = crate::app_for_cli(&settings).await?;
    if let Some(dir) = output.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).with_context(|| format!("{} を作れません", dir.display()))?;
    }
    // Written beside its final name and renamed when whole: a stopped backup leaves no file
    // that looks complete.
    let partial = output.with_extension("partial");
    let file = std::fs::File::create(&partial)
        .with_context(|| format!("{} に書き込めません", partial.display()))?;
    let started = std::time::Instant::now();
    let manifest = match app.backup_to(std::io::BufWriter::new(file)).await {
        Ok(m) => m,
        Err(e) => {
            std::fs::remove_file(&partial).ok();
            return Err(operator_message(e));
        }
    };
    std::fs::rename(&partial, output)
        .with_context(|| format!("{} に書き込めません", output.display()))?;
    let bytes = std::fs::metadata(output).map(|m| m.len()).unwrap_or(0);
    println!(
        "バックアップを書きました: {}（{} 表、{} 行、{:.1} MB、監査証跡 通し番号 {}、{:.1} 秒）",
        output.display(),
        manifest.tables.len(),
        manifest.rows(),
        bytes as f64 / 1_000_000.0,
        manifest.audit_seq,
        started.elapsed().as_secs_f64()
    );
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
fn operator_message(e: mamori_app::AppError) -> anyhow::Error {
    match &e {
        mamori_app::AppError::Store(inner) => anyhow::anyhow!("{e}: {inner}"),
        mamori_app::AppError::Internal(detail) => anyhow::anyhow!("{e}: {detail}"),
        _ => anyhow::anyhow!("{e}"),
    }
}
