//! Taking backups as the installation's duty: `serve`'s daily one into `backup_dir`, one an
//! administrator asks for on the screen, and `mamori backup`. Each is written beside its final
//! name and renamed when whole, read back part by part against its manifest, and recorded — in
//! `backup_runs` for the administrator's screen and in the audit trail. The schedule keeps the
//! newest `backup_keep` of its own files and records each removal.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use chrono::{DateTime, Utc};
use mamori_domain::audit::{Actor, AuditEntry};
use mamori_domain::backup::{self as rules, BackupRun, Check, Contents, State, Trigger};
use mamori_domain::ids::BackupRunId;
use mamori_store::{audit, backup_runs as store};
use serde::Serialize;
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::settings::BackupSettings;
use crate::{App, AppError, CurrentUser, RequestMeta};

/// Runs listed on the screen.
const LISTED: i64 = 60;
const SCHEDULED_PREFIX: &str = "mamori-";
const SCHEDULED_SUFFIX: &str = ".zip";

/// At most one backup at a time in the installation.
#[derive(Debug, Clone, Default)]
pub(crate) struct BackupGate {
    busy: Arc<AtomicBool>,
}

/// While alive, a backup is being taken.
pub struct Taking {
    busy: Arc<AtomicBool>,
}

impl Drop for Taking {
    fn drop(&mut self) {
        self.busy.store(false, Ordering::Release);
    }
}

impl BackupGate {
    fn enter(&self) -> Result<Taking, AppError> {
        if self
            .busy
            .compare_exchange(false, true, Ordering::AcqRel, Ordering::Acquire)
            .is_err()
        {
            return Err(AppError::Conflict(
                "いまバックアップを取っているところです。終わってからもう一度操作してください"
                    .to_owned(),
            ));
        }
        Ok(Taking {
            busy: self.busy.clone(),
        })
    }

    fn busy(&self) -> bool {
        self.busy.load(Ordering::Acquire)
    }
}

/// Where a backup's file stands on disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FileState {
    Present,
    /// Removed by the schedule as older than the generations kept.
    Removed,
    /// Not there, and not removed by mamori: moved or deleted by someone.
    Missing,
    /// Nothing was written.
    None,
}

/// One run on the administrator's screen.
#[derive(Debug, Clone)]
pub struct RunRow {
    pub run: BackupRun,
    pub state: State,
    pub file: FileState,
}

/// The administrator's screen of backups.
#[derive(Debug, Clone)]
pub struct BackupsView {
    /// The schedule, when `backup_dir` is set.
    pub schedule: Option<BackupSettings>,
    pub runs: Vec<RunRow>,
    /// The newest verified backup whose file is still kept, if any.
    pub last_verified: Option<DateTime<Utc>>,
    pub overdue: bool,
    pub taking: bool,
}

fn admin_only(user: &CurrentUser) -> Result<(), AppError> {
    if user.installation_admin {
        Ok(())
    } else {
        Err(AppError::Forbidden(
            "バックアップの管理（インストールのシステム管理者。複数の団体を置くときは、団体に属さないシステム管理者）".to_owned(),
        ))
    }
}

/// SHA-256 of the whole file, read in pieces.
fn file_sha256(path: &Path) -> std::io::Result<(u64, String)> {
    let mut file = std::fs::File::open(path)?;
    let mut hash = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    let mut bytes = 0u64;
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 {
            break;
        }
        bytes += n as u64;
        hash.update(&buf[..n]);
    }
    Ok((bytes, hex::encode(hash.finalize())))
}

/// A file read back: its size and SHA-256 (zero and empty when it cannot be read), and its
/// manifest when every part matched it.
struct ReadBack {
    bytes: u64,
    sha256: String,
    manifest: Result<super::Manifest, String>,
}

/// Reads the file back: every part against the manifest. Blocking; run off the async threads.
fn read_back(path: &Path) -> ReadBack {
    let (bytes, sha256) = match file_sha256(path) {
        Ok(found) => found,
        Err(e) => {
            return ReadBack {
                bytes: 0,
                sha256: String::new(),
                manifest: Err(format!("ファイルを読めません: {e}")),
            };
        }
    };
    let manifest = std::fs::File::open(path)
        .map_err(|e| format!("ファイルを開けません: {e}"))
        .and_then(|file| {
            super::verify_archive(std::io::BufReader::new(file)).map_err(|e| match e {
                AppError::Internal(d) => d,
                other => other.to_string(),
            })
        });
    ReadBack {
        bytes,
        sha256,
        manifest,
    }
}

async fn read_back_off_thread(path: PathBuf) -> ReadBack {
    tokio::task::spawn_blocking(move || read_back(&path))
        .await
        .unwrap_or_else(|e| ReadBack {
            bytes: 0,
            sha256: String::new(),
            manifest: Err(format!("検証を完了できません: {e}")),
        })
}

/// The names of the schedule's files in `dir`, oldest first (their names sort by time).
fn scheduled_files(dir: &Path) -> std::io::Result<Vec<String>> {
    let mut names: Vec<String> = std::fs::read_dir(dir)?
        .filter_map(Result::ok)
        .filter_map(|e| e.file_name().into_string().ok())
        .filter(|n| n.starts_with(SCHEDULED_PREFIX) && n.ends_with(SCHEDULED_SUFFIX))
        .collect();
    names.sort();
    Ok(names)
}

impl App {
    /// Takes one backup into `file` (see the module) and returns its record. The run is
    /// recorded whether it succeeded or not; check its state.
    pub async fn take_backup(
        &self,
        file: &Path,
        trigger: Trigger,
        actor: Actor,
    ) -> Result<BackupRun, AppError> {
        let taking = self.backups.enter()?;
        self.take_backup_entered(taking, file, trigger, actor, &RequestMeta::default())
            .await
    }

    async fn take_backup_entered(
        &self,
        taking: Taking,
        file: &Path,
        trigger: Trigger,
        actor: Actor,
        meta: &RequestMeta,
    ) -> Result<BackupRun, AppError> {
        let started = self.now();
        let shown = file.display().to_string();
        let run = match self.write_file(file).await {
            Err(e) => BackupRun::failed(
                trigger,
                &actor.label,
                &shown,
                (started, self.now()),
                &describe(&e),
            ),
            Ok(()) => {
                let finished = self.now();
                let back = read_back_off_thread(file.to_path_buf()).await;
                let (tables, rows, audit_seq) = back.manifest.as_ref().map_or((0, 0, 0), |m| {
                    (m.tables.len() as u64, m.rows(), m.audit_seq)
                });
                let check = match &back.manifest {
                    Ok(_) => Check::passed(self.now()),
                    Err(problem) => Check::failed(self.now(), problem),
                };
                BackupRun::written(
                    trigger,
                    &actor.label,
                    &shown,
                    (started, finished),
                    Contents {
                        bytes: back.bytes,
                        tables,
                        rows,
                        audit_seq,
                        sha256: back.sha256,
                    },
                    check,
                )
            }
        };
        drop(taking);
        let mut tx = self.store().begin_write().await?;
        store::insert(&mut tx, &run).await?;
        let entry = AuditEntry::new(actor, "backup.write", "backup", run.id)
            .after(&record_of(&run))
            .request(meta.request_id.clone());
        audit::append(&mut tx, self.now(), entry).await?;
        tx.commit().await?;
        Ok(run)
    }

    /// Writes the archive beside `file` and renames it when whole, so a stopped backup leaves no
    /// file that looks complete.
    async fn write_file(&self, file: &Path) -> Result<(), AppError> {
        let io = |what: &str, p: &Path, e: std::io::Error| {
            AppError::Internal(format!("{} {what}: {e}", p.display()))
        };
        if let Some(dir) = file.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| io("を作れません", dir, e))?;
        }
        let partial = file.with_extension("partial");
        let out =
            std::fs::File::create(&partial).map_err(|e| io("に書き込めません", &partial, e))?;
        if let Err(e) = self.backup_to(std::io::BufWriter::new(out)).await {
            std::fs::remove_file(&partial).ok();
            return Err(e);
        }
        std::fs::rename(&partial, file).map_err(|e| io("に書き込めません", file, e))
    }

    /// The schedule's backup: into `backup_dir` under a name of its time (UTC), then the files
    /// beyond `backup_keep` are removed. `None` when no schedule is set or one is being taken.
    pub async fn take_scheduled_backup(&self) -> Result<Option<BackupRun>, AppError> {
        let Some(schedule) = self.settings().backup.clone() else {
            return Ok(None);
        };
        let Ok(taking) = self.backups.enter() else {
            return Ok(None);
        };
        let run = self
            .take_into(
                taking,
                &schedule,
                Trigger::Scheduled,
                Actor::system("定期バックアップ"),
                &RequestMeta::default(),
            )
            .await?;
        Ok(Some(run))
    }

    async fn take_into(
        &self,
        taking: Taking,
        schedule: &BackupSettings,
        trigger: Trigger,
        actor: Actor,
        meta: &RequestMeta,
    ) -> Result<BackupRun, AppError> {
        let name = format!(
            "{SCHEDULED_PREFIX}{}{SCHEDULED_SUFFIX}",
            self.now().format("%Y%m%dT%H%M%S%.3fZ")
        );
        let dir = PathBuf::from(&schedule.dir);
        let run = self
            .take_backup_entered(taking, &dir.join(name), trigger, actor, meta)
            .await?;
        if run.state() == State::Verified {
            self.prune(&dir, schedule.keep).await?;
        }
        Ok(run)
    }

    /// Removes all but the newest `keep` of the schedule's files in `dir` and records each
    /// removal; returns how many went. Other files in the folder are not touched.
    async fn prune(&self, dir: &Path, keep: usize) -> Result<usize, AppError> {
        let names = scheduled_files(dir)
            .map_err(|e| AppError::Internal(format!("{} を読めません: {e}", dir.display())))?;
        let excess = names.len().saturating_sub(keep.max(1));
        for name in &names[..excess] {
            let path = dir.join(name);
            std::fs::remove_file(&path).map_err(|e| {
                AppError::Internal(format!("{} を削除できません: {e}", path.display()))
            })?;
            let shown = path.display().to_string();
            let now = self.now();
            let mut tx = self.store().begin_write().await?;
            for run in store::by_file(&mut tx, &shown).await? {
                if run.removed_at.is_some() {
                    continue;
                }
                let removed = BackupRun {
                    removed_at: Some(now),
                    ..run
                };
                store::update(&mut tx, &removed).await?;
                let entry = AuditEntry::new(
                    Actor::system("定期バックアップ"),
                    "backup.remove",
                    "backup",
                    removed.id,
                )
                .after(&json!({ "file": shown, "keep": keep }));
                audit::append(&mut tx, now, entry).await?;
            }
            tx.commit().await?;
        }
        Ok(excess)
    }

    /// The administrator's screen: the schedule, the latest runs with their state and whether
    /// their file is still there.
    pub async fn backups(&self, user: &CurrentUser) -> Result<BackupsView, AppError> {
        admin_only(user)?;
        let runs = {
            let mut conn = self.store().conn().await?;
            store::latest(&mut conn, LISTED).await?
        };
        let now = self.now();
        let overdue = rules::overdue(&runs, now);
        let last_verified = rules::last_verified(&runs);
        let runs = runs
            .into_iter()
            .map(|run| {
                let file = match (&run.contents, run.removed_at) {
                    (None, _) => FileState::None,
                    (Some(_), Some(_)) => FileState::Removed,
                    (Some(_), None) if Path::new(&run.file).is_file() => FileState::Present,
                    (Some(_), None) => FileState::Missing,
                };
                RunRow {
                    state: run.state(),
                    file,
                    run,
                }
            })
            .collect();
        Ok(BackupsView {
            schedule: self.settings().backup.clone(),
            runs,
            last_verified,
            overdue,
            taking: self.backups.busy(),
        })
    }

    /// Starts a backup into `backup_dir` for an administrator; it goes on after the request and
    /// appears on the screen when done. Refused when no folder is set or one is being taken.
    pub fn start_backup(&self, user: &CurrentUser, meta: &RequestMeta) -> Result<(), AppError> {
        admin_only(user)?;
        let Some(schedule) = self.settings().backup.clone() else {
            return Err(AppError::Conflict(
                "バックアップの保存先（mamori.toml の backup_dir）が設定されていません".to_owned(),
            ));
        };
        let taking = self.backups.enter()?;
        let app = self.clone();
        let actor = user.actor();
        let meta = meta.clone();
        tokio::spawn(async move {
            match app
                .take_into(taking, &schedule, Trigger::Manual, actor, &meta)
                .await
            {
                Ok(run) => {
                    tracing::info!(file = %run.file, state = run.state().label(), "バックアップを取りました")
                }
                Err(e) => tracing::error!(error = %e, "バックアップを記録できません"),
            }
        });
        Ok(())
    }

    /// Reads a kept backup's file back again (the medium may have failed since) and records the
    /// result; the file must still be the one written (same SHA-256).
    pub async fn check_backup(
        &self,
        user: &CurrentUser,
        id: BackupRunId,
        meta: &RequestMeta,
    ) -> Result<BackupRun, AppError> {
        admin_only(user)?;
        let run = {
            let mut conn = self.store().conn().await?;
            store::find(&mut conn, id).await?
        }
        .ok_or_else(|| AppError::NotFound("バックアップ".to_owned()))?;
        let Some(contents) = run.contents.clone() else {
            return Err(AppError::Conflict(
                "書き込めなかったバックアップは検証できません".to_owned(),
            ));
        };
        if run.removed_at.is_some() {
            return Err(AppError::Conflict(
                "このバックアップは世代管理で削除されています".to_owned(),
            ));
        }
        let taking = self.backups.enter()?;
        let back = read_back_off_thread(PathBuf::from(&run.file)).await;
        let check = match back.manifest {
            Err(problem) => Check::failed(self.now(), &problem),
            Ok(_) if back.sha256 != contents.sha256 => Check::failed(
                self.now(),
                "ファイルが書いたときのもの（SHA-256）と違います。差し替えられています",
            ),
            Ok(_) => Check::passed(self.now()),
        };
        drop(taking);
        let checked = run.rechecked(check);
        let mut tx = self.store().begin_write().await?;
        store::update(&mut tx, &checked).await?;
        let entry = AuditEntry::new(user.actor(), "backup.check", "backup", checked.id)
            .before(&record_of(&run))
            .after(&record_of(&checked))
            .request(meta.request_id.clone());
        audit::append(&mut tx, self.now(), entry).await?;
        tx.commit().await?;
        Ok(checked)
    }
}

/// What the trail keeps of a run.
fn record_of(run: &BackupRun) -> serde_json::Value {
    json!({
        "file": run.file,
        "trigger": run.trigger.key(),
        "state": run.state(),
        "contents": run.contents,
        "error": run.error,
        "check": run.check,
    })
}

/// The failure for the record: the operator's own screen and console may see the cause.
fn describe(e: &AppError) -> String {
    match e {
        AppError::Store(inner) => format!("{e}: {inner}"),
        AppError::Internal(detail) => detail.clone(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn the_schedules_files_sort_by_age_and_nothing_else_is_listed() {
        let dir = tempfile::tempdir().unwrap();
        for name in [
            "mamori-20261201T000000.000Z.zip",
            "mamori-20261203T000000.000Z.zip",
            "mamori-20261202T000000.000Z.zip",
            "notes.txt",
            "mamori-20261204T000000.000Z.partial",
        ] {
            std::fs::write(dir.path().join(name), b"x").unwrap();
        }
        assert_eq!(
            scheduled_files(dir.path()).unwrap(),
            [
                "mamori-20261201T000000.000Z.zip",
                "mamori-20261202T000000.000Z.zip",
                "mamori-20261203T000000.000Z.zip"
            ]
        );
    }
}
