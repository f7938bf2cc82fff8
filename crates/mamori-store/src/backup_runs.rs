//! The record of the backups taken of the installation, each kept whole as JSON.

use crate::Reads;
use crate::WriteTx;
use crate::db::sealed::Sealed as _;
use mamori_domain::backup::BackupRun;
use mamori_domain::ids::BackupRunId;
use sqlx::Row;

use crate::{StoreError, time};

fn corrupt(e: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(format!("backup_runs.data: {e}"))
}

fn from_row(r: &sqlx::any::AnyRow) -> Result<BackupRun, StoreError> {
    let data: String = r.try_get("data")?;
    serde_json::from_str(&data).map_err(corrupt)
}

pub async fn insert(conn: &mut WriteTx, run: &BackupRun) -> Result<(), StoreError> {
    let data = serde_json::to_string(run).map_err(corrupt)?;
    sqlx::query("INSERT INTO backup_runs (id, started_at, file, data) VALUES ($1, $2, $3, $4)")
        .bind(run.id.to_string())
        .bind(time::text(run.started_at))
        .bind(&run.file)
        .bind(data)
        .execute(conn.connection())
        .await?;
    Ok(())
}

/// Replaces a run's record (a later check, its removal); false when there is no such run.
pub async fn update(conn: &mut WriteTx, run: &BackupRun) -> Result<bool, StoreError> {
    let data = serde_json::to_string(run).map_err(corrupt)?;
    let done = sqlx::query("UPDATE backup_runs SET data = $1 WHERE id = $2")
        .bind(data)
        .bind(run.id.to_string())
        .execute(conn.connection())
        .await?;
    Ok(done.rows_affected() > 0)
}

/// The latest `limit` runs, newest first.
pub async fn latest(conn: &mut impl Reads, limit: i64) -> Result<Vec<BackupRun>, StoreError> {
    let rows =
        sqlx::query("SELECT data FROM backup_runs ORDER BY started_at DESC, id DESC LIMIT $1")
            .bind(limit)
            .fetch_all(conn.connection())
            .await?;
    rows.iter().map(from_row).collect()
}

pub async fn find(conn: &mut impl Reads, id: BackupRunId) -> Result<Option<BackupRun>, StoreError> {
    let row = sqlx::query("SELECT data FROM backup_runs WHERE id = $1")
        .bind(id.to_string())
        .fetch_optional(conn.connection())
        .await?;
    row.as_ref().map(from_row).transpose()
}

/// The runs that wrote to `file` (a path reused after a removal has several).
pub async fn by_file(conn: &mut impl Reads, file: &str) -> Result<Vec<BackupRun>, StoreError> {
    let rows = sqlx::query("SELECT data FROM backup_runs WHERE file = $1 ORDER BY started_at")
        .bind(file)
        .fetch_all(conn.connection())
        .await?;
    rows.iter().map(from_row).collect()
}
