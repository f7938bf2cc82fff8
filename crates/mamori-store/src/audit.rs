//! The audit trail table: append inside a write transaction, list with keyset paging, and walk
//! in order for verification.

use crate::Reads;
use chrono::{DateTime, Utc};
use std::collections::HashMap;

use mamori_domain::audit::{
    Actor, AuditEntry, AuditRecord, READ_PREFIX, blob_refs, compact_state, expand_state,
};
use sqlx::Row;

use crate::{StoreError, WriteTx, time};

/// Appends one record after the current chain head and moves the head. Taking a `WriteTx` means
/// the head is already locked by this transaction.
pub async fn append(
    tx: &mut WriteTx,
    at: DateTime<Utc>,
    entry: AuditEntry,
) -> Result<AuditRecord, StoreError> {
    let (seq, hash) = head(&mut *tx).await?;
    let prev = (seq > 0).then_some((seq, hash.as_str()));
    let mut entry = entry;
    entry.before = store_long_texts(tx, entry.before.take()).await?;
    entry.after = store_long_texts(tx, entry.after.take()).await?;
    let record = AuditRecord::seal(prev, at, entry);
    let e = &record.entry;
    sqlx::query(
        "INSERT INTO audit_log (seq, at, actor_id, actor_label, body_id, action, target_type, \
         target_id, before_json, after_json, request_id, prev_hash, hash) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
    )
    .bind(record.seq)
    .bind(time::text(record.at))
    .bind(&e.actor.id)
    .bind(&e.actor.label)
    .bind(e.body_id.clone())
    .bind(&e.action)
    .bind(&e.target_type)
    .bind(&e.target_id)
    .bind(e.before.clone())
    .bind(e.after.clone())
    .bind(e.request_id.clone())
    .bind(&record.prev_hash)
    .bind(&record.hash)
    .execute(tx.conn())
    .await?;
    sqlx::query("UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1")
        .bind(record.seq)
        .bind(&record.hash)
        .execute(tx.conn())
        .await?;
    Ok(record)
}

/// Takes the long texts out of a recorded state into `audit_blobs` (each text once, whatever
/// number of records refer to it) and returns the state to record.
async fn store_long_texts(
    tx: &mut WriteTx,
    state: Option<String>,
) -> Result<Option<String>, StoreError> {
    let Some(state) = state else { return Ok(None) };
    let (compact, blobs) = compact_state(&state);
    for (hash, content) in blobs {
        sqlx::query(
            "INSERT INTO audit_blobs (hash, content) VALUES ($1, $2) ON CONFLICT (hash) DO NOTHING",
        )
        .bind(&hash)
        .bind(&content)
        .execute(tx.conn())
        .await?;
    }
    Ok(Some(compact))
}

/// The stored texts of these hashes (a hash not stored is absent).
pub async fn blobs(
    conn: &mut impl Reads,
    hashes: &[String],
) -> Result<HashMap<String, String>, StoreError> {
    let mut out = HashMap::new();
    for chunk in hashes.chunks(200) {
        let marks: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
        let sql = format!(
            "SELECT hash, content FROM audit_blobs WHERE hash IN ({})",
            marks.join(", ")
        );
        let mut query = sqlx::query(&sql);
        for hash in chunk {
            query = query.bind(hash);
        }
        for row in query.fetch_all(conn.connection()).await? {
            out.insert(row.try_get("hash")?, row.try_get("content")?);
        }
    }
    Ok(out)
}

/// Puts the stored texts back into the states of records read for display. Such a record no
/// longer hashes to its chain hash: the verifier reads the chain with [`batch_after`] instead.
async fn expand(conn: &mut impl Reads, records: &mut [AuditRecord]) -> Result<(), StoreError> {
    let mut hashes: Vec<String> = Vec::new();
    for r in records.iter() {
        for state in [&r.entry.before, &r.entry.after].into_iter().flatten() {
            hashes.extend(blob_refs(state));
        }
    }
    if hashes.is_empty() {
        return Ok(());
    }
    hashes.sort();
    hashes.dedup();
    let texts = blobs(conn, &hashes).await?;
    let lookup = |h: &str| texts.get(h).cloned();
    for r in records.iter_mut() {
        for state in [&mut r.entry.before, &mut r.entry.after]
            .into_iter()
            .flatten()
        {
            *state = expand_state(state, &lookup);
        }
    }
    Ok(())
}

/// The chain head: the last sequence number (0 when empty) and its hash.
pub async fn head(conn: &mut impl Reads) -> Result<(i64, String), StoreError> {
    let row = sqlx::query("SELECT seq, hash FROM audit_head WHERE id = 1")
        .fetch_one(conn.connection())
        .await?;
    Ok((row.try_get("seq")?, row.try_get("hash")?))
}

/// Filters of the audit-trail screen and API. Every filter narrows; none given lists everything.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    /// The actor's label (login), matched exactly.
    pub actor: Option<String>,
    pub target_type: Option<String>,
    pub target_id: Option<String>,
    pub action: Option<String>,
    /// Inclusive lower bound of the time.
    pub from: Option<DateTime<Utc>>,
    /// Exclusive upper bound of the time.
    pub until: Option<DateTime<Utc>>,
    /// Keyset cursor: only records with a smaller `seq` (the next page, newest first).
    pub before_seq: Option<i64>,
    /// Changes only, or reads only.
    pub kind: Option<RecordKind>,
    /// One body's records and the installation's own (no body); `None`: every body's.
    pub body: Option<mamori_domain::ids::BodyId>,
}

/// Changes (and sign-ins) or reads ([`mamori_domain::audit::READ_PREFIX`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecordKind {
    Changes,
    Reads,
}

const COLUMNS: &str = "seq, at, actor_id, actor_label, body_id, action, target_type, target_id, \
                       before_json, after_json, request_id, prev_hash, hash";

/// Newest first, at most `limit` records, with their long texts put back. Paging by `seq` (keyset) keeps every page as fast as
/// the first, however long the trail grows.
pub async fn list(
    conn: &mut impl Reads,
    filter: &AuditFilter,
    limit: i64,
) -> Result<Vec<AuditRecord>, StoreError> {
    let mut clauses: Vec<String> = Vec::new();
    let mut binds: Vec<String> = Vec::new();
    let mut push = |sql: &str, value: String| {
        binds.push(value);
        clauses.push(sql.replace('?', &format!("${}", binds.len())));
    };
    if let Some(v) = filter.body {
        push("(body_id = ? OR body_id IS NULL)", v.to_string());
    }
    if let Some(v) = &filter.actor {
        push("actor_label = ?", v.clone());
    }
    if let Some(v) = &filter.target_type {
        push("target_type = ?", v.clone());
    }
    if let Some(v) = &filter.target_id {
        push("target_id = ?", v.clone());
    }
    if let Some(v) = &filter.action {
        push("action = ?", v.clone());
    }
    if let Some(v) = filter.from {
        push("at >= ?", time::text(v));
    }
    if let Some(v) = filter.until {
        push("at < ?", time::text(v));
    }
    let reads = format!("{READ_PREFIX}%");
    match filter.kind {
        Some(RecordKind::Reads) => push("action LIKE ?", reads),
        Some(RecordKind::Changes) => push("action NOT LIKE ?", reads),
        None => {}
    }
    let mut sql = format!("SELECT {COLUMNS} FROM audit_log");
    let mut conditions = clauses;
    let seq_bind = binds.len() + 1;
    if filter.before_seq.is_some() {
        conditions.push(format!("seq < ${seq_bind}"));
    }
    if !conditions.is_empty() {
        sql.push_str(" WHERE ");
        sql.push_str(&conditions.join(" AND "));
    }
    sql.push_str(&format!(
        " ORDER BY seq DESC LIMIT {}",
        limit.clamp(1, 1000)
    ));
    let mut query = sqlx::query(&sql);
    for value in binds {
        query = query.bind(value);
    }
    if let Some(seq) = filter.before_seq {
        query = query.bind(seq);
    }
    let rows = query.fetch_all(conn.connection()).await?;
    let mut records = rows
        .iter()
        .map(record_from_row)
        .collect::<Result<Vec<_>, _>>()?;
    expand(conn, &mut records).await?;
    Ok(records)
}

/// Records with `seq` greater than `after`, oldest first, as chained (long texts as their
/// references): the verifier reads the chain in batches of this, so memory stays flat at
/// millions of rows.
pub async fn batch_after(
    conn: &mut impl Reads,
    after: i64,
    limit: i64,
) -> Result<Vec<AuditRecord>, StoreError> {
    let sql = format!("SELECT {COLUMNS} FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT $2");
    let rows = sqlx::query(&sql)
        .bind(after)
        .bind(limit)
        .fetch_all(conn.connection())
        .await?;
    rows.iter().map(record_from_row).collect()
}

/// Whether the actor `actor_id` wrote a record on the target whose action starts with
/// `action_prefix` and is none of `except` (e.g. who drafted an edition: `policy.` but not
/// `policy.decide`).
pub async fn has_acted(
    conn: &mut impl Reads,
    actor_id: &str,
    target: (&str, &str),
    action_prefix: &str,
    except: &[&str],
) -> Result<bool, StoreError> {
    let mut sql = "SELECT COUNT(*) AS n FROM audit_log WHERE actor_id = $1 AND target_type = $2 \
                   AND target_id = $3 AND action LIKE $4"
        .to_owned();
    for i in 0..except.len() {
        sql.push_str(&format!(" AND action <> ${}", i + 5));
    }
    let mut query = sqlx::query(&sql)
        .bind(actor_id)
        .bind(target.0)
        .bind(target.1)
        .bind(format!("{}%", action_prefix.replace('%', "")));
    for action in except {
        query = query.bind(*action);
    }
    let row = query.fetch_one(conn.connection()).await?;
    let n: i64 = row.try_get("n")?;
    Ok(n > 0)
}

/// Records of `action` by the actor labelled `actor_label` since `since`.
pub async fn count_since(
    conn: &mut impl Reads,
    action: &str,
    actor_label: &str,
    since: DateTime<Utc>,
) -> Result<i64, StoreError> {
    let row = sqlx::query(
        "SELECT COUNT(*) AS n FROM audit_log WHERE action = $1 AND actor_label = $2 AND at >= $3",
    )
    .bind(action)
    .bind(actor_label)
    .bind(time::text(since))
    .fetch_one(conn.connection())
    .await?;
    Ok(row.try_get("n")?)
}

pub async fn count(conn: &mut impl Reads) -> Result<i64, StoreError> {
    let row = sqlx::query("SELECT COUNT(*) AS n FROM audit_log")
        .fetch_one(conn.connection())
        .await?;
    Ok(row.try_get("n")?)
}

fn record_from_row(row: &sqlx::any::AnyRow) -> Result<AuditRecord, StoreError> {
    let at: String = row.try_get("at")?;
    Ok(AuditRecord {
        seq: row.try_get("seq")?,
        at: time::parse("audit_log.at", &at)?,
        entry: AuditEntry {
            actor: Actor {
                id: row.try_get("actor_id")?,
                label: row.try_get("actor_label")?,
            },
            body_id: row.try_get("body_id")?,
            action: row.try_get("action")?,
            target_type: row.try_get("target_type")?,
            target_id: row.try_get("target_id")?,
            before: row.try_get("before_json")?,
            after: row.try_get("after_json")?,
            request_id: row.try_get("request_id")?,
        },
        prev_hash: row.try_get("prev_hash")?,
        hash: row.try_get("hash")?,
    })
}
