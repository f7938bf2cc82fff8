//! Accounts, API tokens and the failed-login counters.

use chrono::{DateTime, Utc};
use mamori_domain::account::{Account, DisplayName, Login};
use mamori_domain::ids::AccountId;
use sqlx::{AnyConnection, Row};

use crate::{StoreError, time};

const COLUMNS: &str =
    "id, body_id, login, display_name, person_id, is_system_admin, disabled, created_at";

pub async fn insert(
    conn: &mut AnyConnection,
    account: &Account,
    password_hash: &str,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO accounts (id, body_id, login, display_name, password_hash, person_id, \
         is_system_admin, disabled, created_at, password_changed_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)",
    )
    .bind(account.id.to_string())
    .bind(account.body_id.map(|b| b.to_string()))
    .bind(account.login.as_str())
    .bind(account.display_name.as_str())
    .bind(password_hash)
    .bind(account.person_id.map(|p| p.to_string()))
    .bind(i64::from(account.is_system_admin))
    .bind(i64::from(account.disabled))
    .bind(time::text(account.created_at))
    .execute(conn)
    .await?;
    Ok(())
}

/// The account with this login and its password hash, for signing in.
pub async fn find_with_hash(
    conn: &mut AnyConnection,
    login: &Login,
) -> Result<Option<(Account, String)>, StoreError> {
    let sql = format!("SELECT {COLUMNS}, password_hash FROM accounts WHERE login = $1");
    let row = sqlx::query(&sql)
        .bind(login.as_str())
        .fetch_optional(conn)
        .await?;
    row.map(|r| Ok((from_row(&r)?, r.try_get("password_hash")?)))
        .transpose()
}

pub async fn find_by_login(
    conn: &mut AnyConnection,
    login: &Login,
) -> Result<Option<Account>, StoreError> {
    Ok(find_with_hash(conn, login).await?.map(|(a, _)| a))
}

/// The accounts linked to a person (normally one).
pub async fn find_by_person(
    conn: &mut AnyConnection,
    person: mamori_domain::ids::PersonId,
) -> Result<Vec<Account>, StoreError> {
    let sql = format!("SELECT {COLUMNS} FROM accounts WHERE person_id = $1 ORDER BY login");
    let rows = sqlx::query(&sql)
        .bind(person.to_string())
        .fetch_all(conn)
        .await?;
    rows.iter().map(from_row).collect()
}

/// Disables (or enables again) an account; a disabled account cannot sign in or use its tokens.
pub async fn set_disabled(
    conn: &mut AnyConnection,
    id: AccountId,
    disabled: bool,
) -> Result<(), StoreError> {
    sqlx::query("UPDATE accounts SET disabled = $2 WHERE id = $1")
        .bind(id.to_string())
        .bind(i64::from(disabled))
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn get(conn: &mut AnyConnection, id: AccountId) -> Result<Account, StoreError> {
    let sql = format!("SELECT {COLUMNS} FROM accounts WHERE id = $1");
    let row = sqlx::query(&sql)
        .bind(id.to_string())
        .fetch_one(conn)
        .await?;
    from_row(&row)
}

pub(crate) fn from_row(row: &sqlx::any::AnyRow) -> Result<Account, StoreError> {
    let corrupt = |what: &str, e: &dyn std::fmt::Display| {
        StoreError::Corrupt(format!("accounts.{what}: {e}"))
    };
    let id: String = row.try_get("id")?;
    let body_id: Option<String> = row.try_get("body_id")?;
    let login: String = row.try_get("login")?;
    let display_name: String = row.try_get("display_name")?;
    let person_id: Option<String> = row.try_get("person_id")?;
    let created_at: String = row.try_get("created_at")?;
    Ok(Account {
        id: id.parse().map_err(|e| corrupt("id", &e))?,
        body_id: body_id
            .map(|b| b.parse())
            .transpose()
            .map_err(|e| corrupt("body_id", &e))?,
        login: Login::parse(&login).map_err(|e| corrupt("login", &e))?,
        display_name: DisplayName::parse(&display_name).map_err(|e| corrupt("display_name", &e))?,
        person_id: person_id
            .map(|p| p.parse())
            .transpose()
            .map_err(|e| corrupt("person_id", &e))?,
        is_system_admin: row.try_get::<i64, _>("is_system_admin")? != 0,
        disabled: row.try_get::<i64, _>("disabled")? != 0,
        created_at: time::parse("accounts.created_at", &created_at)?,
    })
}

/// An API token as stored: only the SHA-256 of the secret is kept.
pub async fn insert_api_token(
    conn: &mut AnyConnection,
    id: &str,
    account: AccountId,
    token_hash: &str,
    label: &str,
    at: DateTime<Utc>,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO api_tokens (id, account_id, token_hash, label, created_at, revoked) \
         VALUES ($1, $2, $3, $4, $5, 0)",
    )
    .bind(id)
    .bind(account.to_string())
    .bind(token_hash)
    .bind(label)
    .bind(time::text(at))
    .execute(conn)
    .await?;
    Ok(())
}

/// The account owning a live (not revoked) API token.
pub async fn find_by_api_token(
    conn: &mut AnyConnection,
    token_hash: &str,
) -> Result<Option<Account>, StoreError> {
    let sql = format!(
        "SELECT {} FROM accounts a JOIN api_tokens t ON t.account_id = a.id \
         WHERE t.token_hash = $1 AND t.revoked = 0",
        COLUMNS
            .split(", ")
            .map(|c| format!("a.{c}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let row = sqlx::query(&sql)
        .bind(token_hash)
        .fetch_optional(conn)
        .await?;
    row.as_ref().map(from_row).transpose()
}

pub async fn touch_api_token(
    conn: &mut AnyConnection,
    token_hash: &str,
    at: DateTime<Utc>,
) -> Result<(), StoreError> {
    sqlx::query("UPDATE api_tokens SET last_used_at = $1 WHERE token_hash = $2")
        .bind(time::text(at))
        .bind(token_hash)
        .execute(conn)
        .await?;
    Ok(())
}

/// Consecutive failed sign-ins for a login name, and until when it is locked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Throttle {
    pub failures: i64,
    pub locked_until: Option<DateTime<Utc>>,
}

pub async fn throttle(conn: &mut AnyConnection, login: &str) -> Result<Throttle, StoreError> {
    let row = sqlx::query("SELECT failures, locked_until FROM login_throttle WHERE login = $1")
        .bind(login)
        .fetch_optional(conn)
        .await?;
    let Some(row) = row else {
        return Ok(Throttle {
            failures: 0,
            locked_until: None,
        });
    };
    let locked_until: Option<String> = row.try_get("locked_until")?;
    Ok(Throttle {
        failures: row.try_get("failures")?,
        locked_until: locked_until
            .map(|t| time::parse("login_throttle.locked_until", &t))
            .transpose()?,
    })
}

pub async fn set_throttle(
    conn: &mut AnyConnection,
    login: &str,
    throttle: &Throttle,
    at: DateTime<Utc>,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO login_throttle (login, failures, last_failure_at, locked_until) \
         VALUES ($1, $2, $3, $4) \
         ON CONFLICT (login) DO UPDATE SET failures = $2, last_failure_at = $3, locked_until = $4",
    )
    .bind(login)
    .bind(throttle.failures)
    .bind(time::text(at))
    .bind(throttle.locked_until.map(time::text))
    .execute(conn)
    .await?;
    Ok(())
}

/// Forgets failure counts that lock nothing and are older than `before`.
pub async fn purge_throttle(
    conn: &mut AnyConnection,
    now: DateTime<Utc>,
    before: DateTime<Utc>,
) -> Result<(), StoreError> {
    sqlx::query(
        "DELETE FROM login_throttle WHERE last_failure_at < $1 \
         AND (locked_until IS NULL OR locked_until < $2)",
    )
    .bind(time::text(before))
    .bind(time::text(now))
    .execute(conn)
    .await?;
    Ok(())
}

/// Failure counts kept for login keys starting with `prefix`.
pub async fn count_throttle(conn: &mut AnyConnection, prefix: &str) -> Result<i64, StoreError> {
    let row = sqlx::query("SELECT COUNT(*) AS n FROM login_throttle WHERE login LIKE $1")
        .bind(format!("{prefix}%"))
        .fetch_one(conn)
        .await?;
    Ok(row.try_get("n")?)
}

/// The installation's secret `name`, made (32 random bytes, hex) on first use.
pub async fn installation_secret(
    conn: &mut AnyConnection,
    name: &str,
    fresh: &str,
) -> Result<String, StoreError> {
    sqlx::query(
        "INSERT INTO installation_secrets (name, value) VALUES ($1, $2) \
         ON CONFLICT (name) DO NOTHING",
    )
    .bind(name)
    .bind(fresh)
    .execute(&mut *conn)
    .await?;
    let row = sqlx::query("SELECT value FROM installation_secrets WHERE name = $1")
        .bind(name)
        .fetch_one(conn)
        .await?;
    Ok(row.try_get("value")?)
}

pub async fn clear_throttle(conn: &mut AnyConnection, login: &str) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM login_throttle WHERE login = $1")
        .bind(login)
        .execute(conn)
        .await?;
    Ok(())
}
