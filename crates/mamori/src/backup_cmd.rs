//! `mamori backup` and `mamori restore`: a portable archive of the whole database, taken while
//! the server runs, restored into an empty SQLite or PostgreSQL database.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use mamori::settings::Settings;
use mamori_app::App;
use mamori_app::backup::Manifest;

pub(crate) async fn backup(settings: Settings, output: &Path) -> anyhow::Result<ExitCode> {
    let app = crate::app_for_cli(&settings).await?;
    let started = std::time::Instant::now();
    let (manifest, bytes) = write_backup(&app, output).await?;
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

/// Writes one backup to `output` beside its final name and renames it when whole, so a stopped
/// backup leaves no file that looks complete. Returns the manifest and the file's size.
async fn write_backup(app: &App, output: &Path) -> anyhow::Result<(Manifest, u64)> {
    if let Some(dir) = output.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).with_context(|| format!("{} を作れません", dir.display()))?;
    }
    let partial = output.with_extension("partial");
    let file = std::fs::File::create(&partial)
        .with_context(|| format!("{} に書き込めません", partial.display()))?;
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
    Ok((manifest, bytes))
}

const SCHEDULED_PREFIX: &str = "mamori-";
const SCHEDULED_SUFFIX: &str = ".zip";

/// `serve`'s backups: one at start and one a day into `dir`, named by their time (UTC) so that
/// their names sort by age; the newest `keep` stay.
pub(crate) fn spawn_scheduled(app: App, dir: PathBuf, keep: usize) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(24 * 3600));
        loop {
            tick.tick().await;
            let name = format!(
                "{SCHEDULED_PREFIX}{}{SCHEDULED_SUFFIX}",
                app.now().format("%Y%m%dT%H%M%SZ")
            );
            let path = dir.join(name);
            match write_backup(&app, &path).await {
                Ok((manifest, bytes)) => {
                    tracing::info!(file = %path.display(), rows = manifest.rows(), bytes, audit_seq = manifest.audit_seq, "バックアップを書きました");
                    match prune(&dir, keep) {
                        Ok(removed) if removed > 0 => {
                            tracing::info!(removed, keep, "古いバックアップを削除しました")
                        }
                        Ok(_) => {}
                        Err(e) => tracing::error!(error = %e, "古いバックアップを削除できません"),
                    }
                }
                Err(e) => {
                    tracing::error!(error = %e, file = %path.display(), "バックアップを書けません")
                }
            }
        }
    });
}

/// Removes all but the newest `keep` scheduled backups in `dir`; returns how many went.
fn prune(dir: &Path, keep: usize) -> std::io::Result<usize> {
    let mut names: Vec<String> = std::fs::read_dir(dir)?
        .filter_map(Result::ok)
        .filter_map(|e| e.file_name().into_string().ok())
        .filter(|n| n.starts_with(SCHEDULED_PREFIX) && n.ends_with(SCHEDULED_SUFFIX))
        .collect();
    names.sort();
    let excess = names.len().saturating_sub(keep);
    for name in &names[..excess] {
        std::fs::remove_file(dir.join(name))?;
    }
    Ok(excess)
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

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn pruning_keeps_the_newest_backups_and_nothing_else_is_touched() {
        let dir = tempfile::tempdir().unwrap();
        for name in [
            "mamori-20261201T000000Z.zip",
            "mamori-20261203T000000Z.zip",
            "mamori-20261202T000000Z.zip",
            "notes.txt",
            "mamori-20261204T000000Z.partial",
        ] {
            std::fs::write(dir.path().join(name), b"x").unwrap();
        }
        assert_eq!(prune(dir.path(), 2).unwrap(), 1);
        let mut left: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        left.sort();
        assert_eq!(
            left,
            [
                "mamori-20261202T000000Z.zip",
                "mamori-20261203T000000Z.zip",
                "mamori-20261204T000000Z.partial",
                "notes.txt"
            ]
        );
    }
}
