//! Server-side sessions. The cookie carries a random secret; the table keeps only its SHA-256, so
//! a copy of the database lets nobody sign in.

use crate::Reads;
use chrono::{DateTime, Utc};
use mamori_domain::ids::AccountId;
use sqlx::Row;

use crate::{StoreError, time};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRow {
    pub token_hash: String,
    pub account_id: AccountId,
    pub csrf_token: String,
    pub created_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
}

pub async fn insert(conn: &mut impl Reads, s: &SessionRow) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO sessions (token_hash, account_id, csrf_token, created_at, last_seen_at) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(&s.token_hash)
    .bind(s.account_id.to_string())
    .bind(&s.csrf_token)
    .bind(time::text(s.created_at))
    .bind(time::text(s.last_seen_at))
    .execute(conn.connection())
    .await?;
    Ok(())
}

pub async fn find(
    conn: &mut impl Reads,
    token_hash: &str,
) -> Result<Option<SessionRow>, StoreError> {
    let row = sqlx::query(
        "SELECT token_hash, account_id, csrf_token, created_at, last_seen_at \
         FROM sessions WHERE token_hash = $1",
    )
    .bind(token_hash)
    .fetch_optional(conn.connection())
    .await?;
    let Some(row) = row else { return Ok(None) };
    let account_id: String = row.try_get("account_id")?;
    let created_at: String = row.try_get("created_at")?;
    let last_seen_at: String = row.try_get("last_seen_at")?;
    Ok(Some(SessionRow {
        token_hash: row.try_get("token_hash")?,
        account_id: account_id
            .parse()
            .map_err(|e| StoreError::Corrupt(format!("sessions.account_id: {e}")))?,
        csrf_token: row.try_get("csrf_token")?,
        created_at: time::parse("sessions.created_at", &created_at)?,
        last_seen_at: time::parse("sessions.last_seen_at", &last_seen_at)?,
    }))
}

pub async fn touch(
    conn: &mut impl Reads,
    token_hash: &str,
    at: DateTime<Utc>,
) -> Result<(), StoreError> {
    sqlx::query("UPDATE sessions SET last_seen_at = $1 WHERE token_hash = $2")
        .bind(time::text(at))
        .bind(token_hash)
        .execute(conn.connection())
        .await?;
    Ok(())
}

pub async fn delete(conn: &mut impl Reads, token_hash: &str) -> Result<bool, StoreError> {
    let done = sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
        .bind(token_hash)
        .execute(conn.connection())
        .await?;
    Ok(done.rows_affected() > 0)
}

/// Ends every session of an account but the one whose hash is `keep` (after a password change:
/// whoever else was signed in with the old password is signed out).
pub async fn delete_for_account(
    conn: &mut impl Reads,
    account: mamori_domain::ids::AccountId,
    keep: Option<&str>,
) -> Result<u64, StoreError> {
    let done = sqlx::query("DELETE FROM sessions WHERE account_id = $1 AND token_hash <> $2")
        .bind(account.to_string())
        .bind(keep.unwrap_or(""))
        .execute(conn.connection())
        .await?;
    Ok(done.rows_affected())
}

/// Removes sessions idle since before `idle_before` or created before `created_before`.
pub async fn purge_expired(
    conn: &mut impl Reads,
    idle_before: DateTime<Utc>,
    created_before: DateTime<Utc>,
) -> Result<u64, StoreError> {
    let done = sqlx::query("DELETE FROM sessions WHERE last_seen_at < $1 OR created_at < $2")
        .bind(time::text(idle_before))
        .bind(time::text(created_before))
        .execute(conn.connection())
        .await?;
    Ok(done.rows_affected())
}
