//! Accounts, API tokens and the failed-login counters.

use crate::Reads;
use crate::WriteTx;
use crate::db::sealed::Sealed as _;
use chrono::{DateTime, Utc};
use mamori_domain::account::{Account, DisplayName, Login};
use mamori_domain::ids::AccountId;
use sqlx::Row;

use crate::{StoreError, time};

const COLUMNS: &str =
    "id, body_id, login, display_name, person_id, is_system_admin, disabled, created_at";

pub async fn insert(
    conn: &mut WriteTx,
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
    .execute(conn.connection())
    .await?;
    Ok(())
}

/// The account with this login and its password hash, for signing in.
pub async fn find_with_hash(
    conn: &mut impl Reads,
    login: &Login,
) -> Result<Option<(Account, String)>, StoreError> {
    let sql = format!("SELECT {COLUMNS}, password_hash FROM accounts WHERE login = $1");
    let row = sqlx::query(&sql)
        .bind(login.as_str())
        .fetch_optional(conn.connection())
        .await?;
    row.map(|r| Ok((from_row(&r)?, r.try_get("password_hash")?)))
        .transpose()
}

pub async fn find_by_login(
    conn: &mut impl Reads,
    login: &Login,
) -> Result<Option<Account>, StoreError> {
    Ok(find_with_hash(conn, login).await?.map(|(a, _)| a))
}

/// The accounts linked to a person (normally one).
pub async fn find_by_person(
    conn: &mut impl Reads,
    person: mamori_domain::ids::PersonId,
) -> Result<Vec<Account>, StoreError> {
    let sql = format!("SELECT {COLUMNS} FROM accounts WHERE person_id = $1 ORDER BY login");
    let rows = sqlx::query(&sql)
        .bind(person.to_string())
        .fetch_all(conn.connection())
        .await?;
    rows.iter().map(from_row).collect()
}

/// Disables (or enables again) an account; a disabled account cannot sign in or use its tokens.
pub async fn set_disabled(
    conn: &mut WriteTx,
    id: AccountId,
    disabled: bool,
) -> Result<(), StoreError> {
    sqlx::query("UPDATE accounts SET disabled = $2 WHERE id = $1")
        .bind(id.to_string())
        .bind(i64::from(disabled))
        .execute(conn.connection())
        .await?;
    Ok(())
}

pub async fn get(conn: &mut impl Reads, id: AccountId) -> Result<Account, StoreError> {
    let sql = format!("SELECT {COLUMNS} FROM accounts WHERE id = $1");
    let row = sqlx::query(&sql)
        .bind(id.to_string())
        .fetch_one(conn.connection())
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

/// A new password hash; `must_change` when someone else chose it.
pub async fn set_password(
    conn: &mut WriteTx,
    id: AccountId,
    password_hash: &str,
    must_change: bool,
    at: DateTime<Utc>,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE accounts SET password_hash = $1, must_change_password = $2, \
         password_changed_at = $3 WHERE id = $4",
    )
    .bind(password_hash)
    .bind(i64::from(must_change))
    .bind(time::text(at))
    .bind(id.to_string())
    .execute(conn.connection())
    .await?;
    Ok(())
}

/// Marks the password as one someone else chose, to be changed at the next sign-in.
pub async fn set_must_change(
    conn: &mut WriteTx,
    id: AccountId,
    must_change: bool,
) -> Result<(), StoreError> {
    sqlx::query("UPDATE accounts SET must_change_password = $1 WHERE id = $2")
        .bind(i64::from(must_change))
        .bind(id.to_string())
        .execute(conn.connection())
        .await?;
    Ok(())
}

pub async fn must_change_password(
    conn: &mut impl Reads,
    id: AccountId,
) -> Result<bool, StoreError> {
    let row = sqlx::query("SELECT must_change_password FROM accounts WHERE id = $1")
        .bind(id.to_string())
        .fetch_one(conn.connection())
        .await?;
    Ok(row.try_get::<i64, _>("must_change_password")? != 0)
}

/// An API token as stored: only the SHA-256 of the secret is kept.
pub async fn insert_api_token(
    conn: &mut WriteTx,
    id: &str,
    account: AccountId,
    token_hash: &str,
    label: &str,
    at: DateTime<Utc>,
    expires_at: Option<DateTime<Utc>>,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO api_tokens (id, account_id, token_hash, label, created_at, revoked, expires_at) \
         VALUES ($1, $2, $3, $4, $5, 0, $6)",
    )
    .bind(id)
    .bind(account.to_string())
    .bind(token_hash)
    .bind(label)
    .bind(time::text(at))
    .bind(expires_at.map(time::text))
    .execute(conn.connection())
    .await?;
    Ok(())
}

/// An API token as listed: never its secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiToken {
    pub id: String,
    pub login: String,
    pub label: String,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub expires_at: Option<DateTime<Utc>>,
    pub revoked: bool,
}

/// The tokens of one account, or of every account with `None`, newest first.
pub async fn list_api_tokens(
    conn: &mut impl Reads,
    account: Option<AccountId>,
) -> Result<Vec<ApiToken>, StoreError> {
    let mut sql = "SELECT t.id, a.login, t.label, t.created_at, t.last_used_at, t.expires_at, \
                   t.revoked FROM api_tokens t JOIN accounts a ON a.id = t.account_id"
        .to_owned();
    if account.is_some() {
        sql.push_str(" WHERE t.account_id = $1");
    }
    sql.push_str(" ORDER BY t.created_at DESC, t.id DESC");
    let mut query = sqlx::query(&sql);
    if let Some(account) = account {
        query = query.bind(account.to_string());
    }
    let rows = query.fetch_all(conn.connection()).await?;
    rows.iter()
        .map(|row| {
            let created: String = row.try_get("created_at")?;
            Ok(ApiToken {
                id: row.try_get("id")?,
                login: row.try_get("login")?,
                label: row.try_get("label")?,
                created_at: time::parse("api_tokens.created_at", &created)?,
                last_used_at: at(row, "last_used_at")?,
                expires_at: at(row, "expires_at")?,
                revoked: row.try_get::<i64, _>("revoked")? != 0,
            })
        })
        .collect()
}

/// Revokes a token (of `account` only, when given); false when there is no such live token.
pub async fn revoke_api_token(
    conn: &mut WriteTx,
    id: &str,
    account: Option<AccountId>,
) -> Result<bool, StoreError> {
    let done = match account {
        Some(account) => sqlx::query(
            "UPDATE api_tokens SET revoked = 1 WHERE id = $1 AND account_id = $2 AND revoked = 0",
        )
        .bind(id)
        .bind(account.to_string())
        .execute(conn.connection())
        .await?,
        None => {
            sqlx::query("UPDATE api_tokens SET revoked = 1 WHERE id = $1 AND revoked = 0")
                .bind(id)
                .execute(conn.connection())
                .await?
        }
    };
    Ok(done.rows_affected() > 0)
}

/// A time column of `api_tokens` that may be empty.
fn at(row: &sqlx::any::AnyRow, column: &str) -> Result<Option<DateTime<Utc>>, StoreError> {
    let text: Option<String> = row.try_get(column)?;
    text.map(|t| time::parse("api_tokens", &t)).transpose()
}

/// The account owning a live (not revoked, not expired) API token, and when the token was last
/// used.
pub async fn find_by_api_token(
    conn: &mut impl Reads,
    token_hash: &str,
    now: DateTime<Utc>,
) -> Result<Option<(Account, Option<DateTime<Utc>>)>, StoreError> {
    let sql = format!(
        "SELECT {}, t.last_used_at AS last_used_at FROM accounts a \
         JOIN api_tokens t ON t.account_id = a.id \
         WHERE t.token_hash = $1 AND t.revoked = 0 \
         AND (t.expires_at IS NULL OR t.expires_at > $2)",
        COLUMNS
            .split(", ")
            .map(|c| format!("a.{c}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let row = sqlx::query(&sql)
        .bind(token_hash)
        .bind(time::text(now))
        .fetch_optional(conn.connection())
        .await?;
    row.as_ref()
        .map(|r| Ok((from_row(r)?, at(r, "last_used_at")?)))
        .transpose()
}

pub async fn touch_api_token(
    conn: &mut impl Reads,
    token_hash: &str,
    at: DateTime<Utc>,
) -> Result<(), StoreError> {
    sqlx::query("UPDATE api_tokens SET last_used_at = $1 WHERE token_hash = $2")
        .bind(time::text(at))
        .bind(token_hash)
        .execute(conn.connection())
        .await?;
    Ok(())
}

/// Consecutive failed sign-ins for a login name, and until when it is locked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Throttle {
    pub failures: i64,
    pub locked_until: Option<DateTime<Utc>>,
}

pub async fn throttle(conn: &mut impl Reads, login: &str) -> Result<Throttle, StoreError> {
    let row = sqlx::query("SELECT failures, locked_until FROM login_throttle WHERE login = $1")
        .bind(login)
        .fetch_optional(conn.connection())
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
    conn: &mut impl Reads,
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
    .execute(conn.connection())
    .await?;
    Ok(())
}

/// Forgets failure counts that lock nothing and are older than `before`.
pub async fn purge_throttle(
    conn: &mut impl Reads,
    now: DateTime<Utc>,
    before: DateTime<Utc>,
) -> Result<(), StoreError> {
    sqlx::query(
        "DELETE FROM login_throttle WHERE last_failure_at < $1 \
         AND (locked_until IS NULL OR locked_until < $2)",
    )
    .bind(time::text(before))
    .bind(time::text(now))
    .execute(conn.connection())
    .await?;
    Ok(())
}

/// Failure counts kept for login keys starting with `prefix`.
pub async fn count_throttle(conn: &mut impl Reads, prefix: &str) -> Result<i64, StoreError> {
    let row = sqlx::query("SELECT COUNT(*) AS n FROM login_throttle WHERE login LIKE $1")
        .bind(format!("{prefix}%"))
        .fetch_one(conn.connection())
        .await?;
    Ok(row.try_get("n")?)
}

/// The installation's secret `name`, made from `fresh` on first use (read first, so only the
/// first use writes).
pub async fn installation_secret(
    conn: &mut impl Reads,
    name: &str,
    fresh: &str,
) -> Result<String, StoreError> {
    let select = "SELECT value FROM installation_secrets WHERE name = $1";
    if let Some(row) = sqlx::query(select)
        .bind(name)
        .fetch_optional(conn.connection())
        .await?
    {
        return Ok(row.try_get("value")?);
    }
    // Two first uses at once: the one inserted first wins, both read it back.
    sqlx::query(
        "INSERT INTO installation_secrets (name, value) VALUES ($1, $2) \
         ON CONFLICT (name) DO NOTHING",
    )
    .bind(name)
    .bind(fresh)
    .execute(conn.connection())
    .await?;
    let row = sqlx::query(select)
        .bind(name)
        .fetch_one(conn.connection())
        .await?;
    Ok(row.try_get("value")?)
}

pub async fn clear_throttle(conn: &mut impl Reads, login: &str) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM login_throttle WHERE login = $1")
        .bind(login)
        .execute(conn.connection())
        .await?;
    Ok(())
}
