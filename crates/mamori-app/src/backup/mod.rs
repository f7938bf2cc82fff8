//! Backup and restore that move between SQLite and PostgreSQL.
//!
//! A backup is one zip archive: `tables/<name>.jsonl` for every table (the column names on the
//! first line, then one JSON array per row, in key order; stored files are rows too), the chain's
//! head as `audit-anchor.json`, and `manifest.json` with the schema version, each table's row
//! count and the SHA-256 of its part. It is read from one consistent snapshot while the server
//! goes on writing, after the audit chain has been verified.
//!
//! A restore takes an archive into a database that holds nothing yet (of either kind), in one
//! transaction, checking each part's hash and count as it reads; then it reads every table back
//! and compares the hashes, and verifies the audit chain up to the archive's head. Only then is
//! the restore itself recorded in the trail.

use std::io::{BufRead, BufReader, Read, Seek, Write};

use chrono::{DateTime, Utc};
use mamori_domain::audit::{Actor, AuditAnchor, AuditEntry};
use mamori_store::backup::{self, Table};
use mamori_store::{Backend, audit};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::audit_trail::Verification;
use crate::{App, AppError};

pub mod runs;

const FORMAT: &str = "mamori-backup";
const FORMAT_VERSION: u32 = 1;
const MANIFEST: &str = "manifest.json";
const ANCHOR: &str = "audit-anchor.json";
/// A manifest lists a few dozen tables.
const MAX_MANIFEST_BYTES: u64 = 1024 * 1024;
/// One row: the largest stored file (an upload of at most 20 MB, as hex) with room to spare.
const MAX_LINE_BYTES: u64 = 64 * 1024 * 1024;
/// Rows written per statement batch while restoring.
const RESTORE_BATCH: usize = 2_000;
/// A table that references itself is ordered in memory: the organization's units, a few
/// thousand at most.
const MAX_SELF_REFERENCING_ROWS: usize = 200_000;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct ManifestTable {
    pub name: String,
    pub columns: Vec<String>,
    pub rows: u64,
    pub sha256: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Manifest {
    pub format: String,
    pub format_version: u32,
    pub created_at: DateTime<Utc>,
    /// The backend it was read from: `SQLite` or `PostgreSQL`.
    pub source: String,
    /// The migrations of the schema, by version.
    pub migrations: Vec<i64>,
    pub audit_seq: i64,
    pub audit_hash: String,
    pub tables: Vec<ManifestTable>,
}

impl Manifest {
    pub fn rows(&self) -> u64 {
        self.tables.iter().map(|t| t.rows).sum()
    }
}

fn backend_name(b: Backend) -> &'static str {
    match b {
        Backend::Sqlite => "SQLite",
        Backend::Postgres => "PostgreSQL",
    }
}

fn archive_error(e: impl std::fmt::Display) -> AppError {
    AppError::Internal(format!("バックアップファイル: {e}"))
}

fn refused(message: impl Into<String>) -> AppError {
    AppError::Conflict(message.into())
}

fn entry_name(table: &str) -> String {
    format!("tables/{table}.jsonl")
}

/// Writes a part and hashes the same bytes.
struct Hashing<W> {
    inner: W,
    hash: Sha256,
}

impl<W: Write> Hashing<W> {
    fn line(&mut self, value: &Value) -> std::io::Result<()> {
        let mut text = serde_json::to_vec(value)?;
        text.push(b'\n');
        self.hash.update(&text);
        self.inner.write_all(&text)
    }
}

/// Reads one line of at most [`MAX_LINE_BYTES`]; `None` at the end.
fn next_line(reader: &mut impl BufRead, buf: &mut Vec<u8>) -> Result<Option<()>, AppError> {
    buf.clear();
    let n = reader
        .by_ref()
        .take(MAX_LINE_BYTES + 1)
        .read_until(b'\n', buf)
        .map_err(archive_error)?;
    if n == 0 {
        return Ok(None);
    }
    if buf.len() as u64 > MAX_LINE_BYTES {
        return Err(archive_error("1行が大きすぎます"));
    }
    Ok(Some(()))
}

impl App {
    /// Writes a backup of the whole database to `out`. The audit chain is verified first: a
    /// broken chain is not backed up as if it were whole.
    pub async fn backup_to<W: Write + Seek>(&self, out: W) -> Result<Manifest, AppError> {
        if let Verification::Broken(b) = self.verify_audit_trail().await? {
            return Err(refused(format!(
                "監査証跡が完全でないため、バックアップしません: {b}"
            )));
        }
        let backend = self.store().backend();
        let mut conn = self.store().conn().await?;
        backup::begin_snapshot(&mut conn, backend).await?;
        let result = self.write_snapshot(&mut conn, backend, out).await;
        backup::end_snapshot(&mut conn).await?;
        result
    }

    async fn write_snapshot<W: Write + Seek>(
        &self,
        conn: &mut impl mamori_store::Reads,
        backend: Backend,
        out: W,
    ) -> Result<Manifest, AppError> {
        let (audit_seq, audit_hash) = audit::head(conn).await?;
        let migrations = backup::migrations(conn).await?;
        let tables = backup::tables(conn, backend).await?;
        let mut zip = zip::ZipWriter::new(out);
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated)
            .large_file(true);
        let mut listed = Vec::with_capacity(tables.len());
        for table in &tables {
            zip.start_file(entry_name(&table.name), options)
                .map_err(archive_error)?;
            let (rows, sha256) = write_part(conn, backend, table, &mut zip).await?;
            listed.push(ManifestTable {
                name: table.name.clone(),
                columns: table.columns.iter().map(|c| c.name.clone()).collect(),
                rows,
                sha256,
            });
        }
        let manifest = Manifest {
            format: FORMAT.to_owned(),
            format_version: FORMAT_VERSION,
            created_at: self.now(),
            source: backend_name(backend).to_owned(),
            migrations,
            audit_seq,
            audit_hash: audit_hash.clone(),
            tables: listed,
        };
        let anchor = AuditAnchor {
            seq: audit_seq,
            hash: audit_hash,
            at: manifest.created_at,
        };
        zip.start_file(ANCHOR, options).map_err(archive_error)?;
        zip.write_all(anchor.to_text().as_bytes())
            .map_err(archive_error)?;
        zip.start_file(MANIFEST, options).map_err(archive_error)?;
        let text = serde_json::to_vec_pretty(&manifest).map_err(archive_error)?;
        zip.write_all(&text).map_err(archive_error)?;
        zip.finish().map_err(archive_error)?;
        Ok(manifest)
    }

    /// Restores `input` into this (empty) database; see the module. Nothing is changed when
    /// anything is refused.
    pub async fn restore_from<R: Read + Seek>(
        &self,
        input: R,
        actor: Actor,
        progress: &(dyn Fn(&str, u64) + Send + Sync),
    ) -> Result<Manifest, AppError> {
        let mut archive = zip::ZipArchive::new(input).map_err(archive_error)?;
        let manifest = read_manifest(&mut archive)?;
        let backend = self.store().backend();
        let mut conn = self.store().conn().await?;
        let ours = backup::migrations(&mut conn).await?;
        if ours != manifest.migrations {
            return Err(refused(format!(
                "バックアップのデータベース構造（版 {}）がこの mamori（版 {}）と違います。同じ版の mamori で復元してください",
                manifest.migrations.last().copied().unwrap_or(0),
                ours.last().copied().unwrap_or(0)
            )));
        }
        let tables = backup::tables(&mut conn, backend).await?;
        if let Some(filled) = backup::first_filled_table(&mut conn, &tables).await? {
            return Err(refused(format!(
                "復元先のデータベースは空ではありません（表 {filled} にデータがあります）。空のデータベースを指定してください"
            )));
        }
        drop(conn);
        let names: Vec<&str> = tables.iter().map(|t| t.name.as_str()).collect();
        let mut listed: Vec<&str> = manifest.tables.iter().map(|t| t.name.as_str()).collect();
        let mut sorted = names.clone();
        sorted.sort_unstable();
        listed.sort_unstable();
        if sorted != listed {
            return Err(archive_error("表の一覧がデータベースの構造と合いません"));
        }

        let mut tx = self.store().begin_write().await?;
        for table in &tables {
            let Some(listed) = manifest.tables.iter().find(|t| t.name == table.name) else {
                return Err(archive_error(format!("表 {} がありません", table.name)));
            };
            let entry = archive
                .by_name(&entry_name(&table.name))
                .map_err(archive_error)?;
            restore_table(&mut tx, backend, table, listed, entry).await?;
            progress(&table.name, listed.rows);
        }
        tx.commit().await?;

        // Read back: the same rows give the same hashes, and the chain is whole up to the head.
        let mut conn = self.store().conn().await?;
        for table in &tables {
            let (rows, sha256) = write_part(&mut conn, backend, table, std::io::sink()).await?;
            let listed = manifest.tables.iter().find(|t| t.name == table.name);
            if listed.map(|t| (t.rows, t.sha256.as_str())) != Some((rows, sha256.as_str())) {
                return Err(AppError::Internal(format!(
                    "復元後の表 {} がバックアップと一致しません",
                    table.name
                )));
            }
        }
        drop(conn);
        let anchor = AuditAnchor {
            seq: manifest.audit_seq,
            hash: manifest.audit_hash.clone(),
            at: manifest.created_at,
        };
        if let Verification::Broken(b) = self.verify_audit_trail_against(Some(&anchor)).await? {
            return Err(AppError::Internal(format!(
                "復元した監査証跡を検証できません: {b}"
            )));
        }
        let mut tx = self.store().begin_write().await?;
        let entry = AuditEntry::new(actor, "system.restore", "installation", "backup").after(
            &serde_json::json!({
                "created_at": manifest.created_at,
                "source": manifest.source,
                "into": backend_name(backend),
                "tables": manifest.tables.len(),
                "rows": manifest.rows(),
                "audit_seq": manifest.audit_seq,
            }),
        );
        audit::append(&mut tx, self.now(), entry).await?;
        tx.commit().await?;
        Ok(manifest)
    }
}

/// Reads an archive back without a database: the manifest, every part's rows and hash against
/// it, and the anchor against the manifest's head. Returns the manifest when all match; the
/// error names what does not.
pub fn verify_archive<R: Read + Seek>(input: R) -> Result<Manifest, AppError> {
    let mut archive = zip::ZipArchive::new(input).map_err(archive_error)?;
    let manifest = read_manifest(&mut archive)?;
    for listed in &manifest.tables {
        let entry = archive
            .by_name(&entry_name(&listed.name))
            .map_err(|_| archive_error(format!("表 {} がありません", listed.name)))?;
        let mut reader = BufReader::new(entry);
        let mut hash = Sha256::new();
        let mut buf = Vec::new();
        let mut lines = 0u64;
        let unreadable = |e: AppError| {
            let detail = match e {
                AppError::Internal(d) => d,
                other => other.to_string(),
            };
            archive_error(format!(
                "表 {} を読めません。ファイルが壊れています（{detail}）",
                listed.name
            ))
        };
        while next_line(&mut reader, &mut buf)
            .map_err(unreadable)?
            .is_some()
        {
            hash.update(&buf);
            lines += 1;
        }
        // The first line names the columns.
        if lines.saturating_sub(1) != listed.rows || hex::encode(hash.finalize()) != listed.sha256 {
            return Err(archive_error(format!(
                "表 {} の内容が目録と一致しません（壊れているか書き換えられています）",
                listed.name
            )));
        }
    }
    let mut text = String::new();
    archive
        .by_name(ANCHOR)
        .map_err(|_| archive_error("監査証跡の控え（audit-anchor.json）がありません"))?
        .take(MAX_MANIFEST_BYTES)
        .read_to_string(&mut text)
        .map_err(archive_error)?;
    let anchor = AuditAnchor::parse(&text).map_err(archive_error)?;
    if (anchor.seq, anchor.hash.as_str()) != (manifest.audit_seq, manifest.audit_hash.as_str()) {
        return Err(archive_error(
            "監査証跡の控えが目録の通し番号・ハッシュと一致しません",
        ));
    }
    Ok(manifest)
}

fn read_manifest<R: Read + Seek>(archive: &mut zip::ZipArchive<R>) -> Result<Manifest, AppError> {
    let entry = archive.by_name(MANIFEST).map_err(|_| {
        AppError::Invalid(mamori_domain::DomainError::new(
            "バックアップファイル",
            "mamori のバックアップではありません（manifest.json がありません）",
        ))
    })?;
    let mut text = Vec::new();
    entry
        .take(MAX_MANIFEST_BYTES + 1)
        .read_to_end(&mut text)
        .map_err(archive_error)?;
    if text.len() as u64 > MAX_MANIFEST_BYTES {
        return Err(archive_error("manifest.json が大きすぎます"));
    }
    let manifest: Manifest = serde_json::from_slice(&text).map_err(archive_error)?;
    if manifest.format != FORMAT || manifest.format_version != FORMAT_VERSION {
        return Err(archive_error(format!(
            "形式 {} {} は読めません",
            manifest.format, manifest.format_version
        )));
    }
    Ok(manifest)
}

async fn restore_table(
    conn: &mut impl mamori_store::Reads,
    backend: Backend,
    table: &Table,
    listed: &ManifestTable,
    entry: impl Read,
) -> Result<(), AppError> {
    let mut reader = BufReader::new(entry);
    let mut hash = Sha256::new();
    let mut buf = Vec::new();
    if next_line(&mut reader, &mut buf)?.is_none() {
        return Err(archive_error(format!("表 {} が空です", table.name)));
    }
    hash.update(&buf);
    let header: Vec<String> = serde_json::from_slice(&buf).map_err(archive_error)?;
    let columns: Vec<&str> = table.columns.iter().map(|c| c.name.as_str()).collect();
    if header != columns || header != listed.columns {
        return Err(archive_error(format!(
            "表 {} の列がデータベースの構造と合いません",
            table.name
        )));
    }
    let keep_all = !table.self_refs.is_empty();
    let mut batch: Vec<Vec<Value>> = Vec::new();
    let mut count = 0u64;
    while next_line(&mut reader, &mut buf)?.is_some() {
        hash.update(&buf);
        let row: Vec<Value> = serde_json::from_slice(&buf).map_err(archive_error)?;
        batch.push(row);
        count += 1;
        if count > listed.rows {
            return Err(archive_error(format!(
                "表 {} の行が目録（{} 行）より多くあります",
                table.name, listed.rows
            )));
        }
        if keep_all && batch.len() > MAX_SELF_REFERENCING_ROWS {
            return Err(archive_error(format!("表 {} の行が多すぎます", table.name)));
        }
        if !keep_all && batch.len() >= RESTORE_BATCH {
            backup::write_rows(conn, backend, table, std::mem::take(&mut batch)).await?;
        }
    }
    if count != listed.rows || hex::encode(hash.finalize()) != listed.sha256 {
        return Err(archive_error(format!(
            "表 {} の内容が目録と一致しません（壊れているか書き換えられています）",
            table.name
        )));
    }
    if !batch.is_empty() || table.name == backup::SEEDED {
        backup::write_rows(conn, backend, table, batch).await?;
    }
    Ok(())
}

/// Writes a table's part to `out` (its column names, then its rows) and returns its rows and
/// the SHA-256 of what was written. The backup writes it into the archive; the restore's check
/// writes it nowhere and compares the hash.
async fn write_part(
    conn: &mut impl mamori_store::Reads,
    backend: Backend,
    table: &Table,
    out: impl Write,
) -> Result<(u64, String), AppError> {
    let mut part = Hashing {
        inner: out,
        hash: Sha256::new(),
    };
    let columns: Vec<String> = table.columns.iter().map(|c| c.name.clone()).collect();
    part.line(&Value::from(columns)).map_err(archive_error)?;
    let rows = backup::read_rows(conn, backend, table, |row| {
        part.line(&Value::Array(row))
            .map_err(|e| mamori_store::StoreError::Corrupt(e.to_string()))
    })
    .await?;
    Ok((rows, hex::encode(part.hash.finalize())))
}
