//! Signing in and out, sessions, API tokens, and the lockout after repeated failures.
//!
//! The answer to a failed sign-in is the same whether or not the login exists: the password is
//! checked against a dummy hash when there is no account, and failures are counted per login
//! name, so neither the text, the status nor the timing tells logins apart.

use std::collections::BTreeSet;
use std::sync::OnceLock;

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use chrono::{DateTime, Duration, Utc};
use mamori_domain::account::{Account, Login};
use mamori_domain::audit::{Actor, AuditEntry};
use mamori_store::accounts::{self, Throttle};
use mamori_store::{audit, notifications, sessions};
use rand::RngCore;
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::access::{AuthMethod, CurrentUser, PersonSummary};
use crate::{App, AppError, RequestMeta};

/// A fresh random secret, hex-encoded (32 bytes = 256 bits).
pub fn random_secret() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// The start of the login key under which failures with a name no account has are counted.
const UNKNOWN_LOGIN_PREFIX: &str = "?";
/// The actor label of their audit records.
pub const UNKNOWN_LOGIN_LABEL: &str = "存在しないログインID";
/// Audit records of failures with unknown names per hour, at most.
pub const MAX_UNKNOWN_LOGIN_RECORDS_PER_HOUR: i64 = 100;
/// Failure counts kept for unknown names (each a day at most).
const MAX_UNKNOWN_LOGINS_KEPT: i64 = 10_000;

/// Tokens are stored only as their SHA-256: they are long random secrets, so a fast hash is
/// enough and lets the lookup be an index hit.
pub(crate) fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// argon2id with the crate's defaults (m=19 MiB, t=2, p=1), run off the async threads.
pub(crate) async fn hash_password(password: String) -> Result<String, AppError> {
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut rand::rngs::OsRng);
        Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| AppError::Internal(format!("argon2: {e}")))
    })
    .await
    .map_err(|e| AppError::Internal(format!("hash task: {e}")))?
}

pub(crate) async fn verify_password(password: String, hash: String) -> Result<bool, AppError> {
    tokio::task::spawn_blocking(move || {
        let parsed = PasswordHash::new(&hash)
            .map_err(|e| AppError::Internal(format!("stored hash: {e}")))?;
        Ok(Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok())
    })
    .await
    .map_err(|e| AppError::Internal(format!("verify task: {e}")))?
}

/// A hash of a random password, checked when the login does not exist so that the answer takes
/// as long as for a real account.
fn dummy_hash() -> String {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY
        .get_or_init(|| {
            let salt = SaltString::generate(&mut rand::rngs::OsRng);
            Argon2::default()
                .hash_password(random_secret().as_bytes(), &salt)
                .map(|h| h.to_string())
                .unwrap_or_default()
        })
        .clone()
}

/// A new session: the secret for the cookie and the CSRF token for forms.
#[derive(Debug, Clone)]
pub struct NewSession {
    pub token: String,
    pub csrf_token: String,
    pub account: Account,
}

impl App {
    /// Signs in. On success the previous session (if the browser had one) is ended and a new one
    /// begins, so a session id planted before sign-in is worthless after it.
    pub async fn login(
        &self,
        raw_login: &str,
        password: &str,
        previous_session: Option<&str>,
        meta: &RequestMeta,
    ) -> Result<NewSession, AppError> {
        let now = self.now();
        let mut conn = self.store().conn().await?;
        let found = match Login::parse(raw_login) {
            Ok(login) => accounts::find_with_hash(&mut conn, &login).await?,
            Err(_) => None,
        };
        // Failures are counted per login name whether or not an account has it, so the answer
        // never tells which logins are real; a name no account has is kept only as a keyed
        // hash (it may be a password typed into the wrong field).
        let login_key = match &found {
            Some((account, _)) => account.login.as_str().to_owned(),
            None => self.unknown_login_key(&mut conn, raw_login).await?,
        };
        let throttle = accounts::throttle(&mut conn, &login_key).await?;
        if let Some(until) = throttle.locked_until.filter(|u| *u > now) {
            drop(conn);
            self.record_failure(&login_key, &throttle, now, meta, "locked")
                .await?;
            return Err(AppError::LockedOut {
                minutes: minutes_until(now, until),
            });
        }
        drop(conn);

        let (account, hash) = match found {
            Some((account, hash)) if !account.disabled => (Some(account), hash),
            _ => (None, dummy_hash()),
        };
        let password_ok = verify_password(password.to_owned(), hash).await?;
        let Some(account) = account.filter(|_| password_ok) else {
            let next = self
                .record_failure(&login_key, &throttle, now, meta, "bad_credentials")
                .await?;
            if let Some(until) = next.locked_until {
                return Err(AppError::LockedOut {
                    minutes: minutes_until(now, until),
                });
            }
            return Err(AppError::BadCredentials);
        };

        let session = sessions::SessionRow {
            token_hash: String::new(),
            account_id: account.id,
            csrf_token: random_secret(),
            created_at: now,
            last_seen_at: now,
        };
        let token = random_secret();
        let session = sessions::SessionRow {
            token_hash: token_hash(&token),
            ..session
        };
        let mut tx = self.store().begin_write().await?;
        if let Some(previous) = previous_session {
            sessions::delete(&mut tx, &token_hash(previous)).await?;
        }
        accounts::clear_throttle(&mut tx, &login_key).await?;
        // Sessions that ended without a logout would otherwise stay forever; sign-in is a
        // natural, infrequent moment to sweep them.
        let s = self.settings();
        sessions::purge_expired(
            &mut tx,
            now - Duration::minutes(s.session_idle_minutes),
            now - Duration::hours(s.session_absolute_hours),
        )
        .await?;
        sessions::insert(&mut tx, &session).await?;
        let mut entry = AuditEntry::new(actor_of(&account), "auth.login", "account", account.id)
            .request(meta.request_id.clone());
        entry.body_id = account.body_id.map(|b| b.to_string());
        audit::append(&mut tx, now, entry).await?;
        tx.commit().await?;
        Ok(NewSession {
            token,
            csrf_token: session.csrf_token,
            account,
        })
    }

    /// Counts a failed sign-in, locks the login when the threshold is reached, and records it.
    async fn record_failure(
        &self,
        login_key: &str,
        before: &Throttle,
        now: DateTime<Utc>,
        meta: &RequestMeta,
        reason: &str,
    ) -> Result<Throttle, AppError> {
        let s = self.settings();
        let failures = before.failures + 1;
        let locked_until = if failures >= s.lockout_threshold {
            // The lock doubles with every failure past the threshold, up to the maximum.
            let doublings = u32::try_from((failures - s.lockout_threshold).min(20)).unwrap_or(20);
            let minutes = s
                .lockout_base_minutes
                .saturating_mul(1_i64 << doublings)
                .min(s.lockout_max_minutes);
            Some(now + Duration::minutes(minutes))
        } else {
            None
        };
        // A failure while locked extends nothing: the lock runs from the failure that set it.
        let next = match before.locked_until {
            Some(until) if until > now => Throttle {
                failures,
                locked_until: Some(until),
            },
            _ => Throttle {
                failures,
                locked_until,
            },
        };
        let unknown = login_key.starts_with(UNKNOWN_LOGIN_PREFIX);
        let mut tx = self.store().begin_write().await?;
        // Counts that lock nothing are forgotten after a day, and names no account has are
        // counted only up to a bound, so anonymous requests cannot grow the table without end.
        accounts::purge_throttle(&mut tx, now, now - Duration::days(1)).await?;
        let counted = !unknown
            || before.failures > 0
            || accounts::count_throttle(&mut tx, UNKNOWN_LOGIN_PREFIX).await?
                < MAX_UNKNOWN_LOGINS_KEPT;
        if counted {
            accounts::set_throttle(&mut tx, login_key, &next, now).await?;
        }
        // Records of names no account has are bounded per hour: past the bound the failure is
        // still counted and answered the same, and logged, but not written to the trail.
        if unknown
            && audit::count_since(
                &mut tx,
                "auth.login_failed",
                UNKNOWN_LOGIN_LABEL,
                now - Duration::hours(1),
            )
            .await?
                >= MAX_UNKNOWN_LOGIN_RECORDS_PER_HOUR
        {
            tx.commit().await?;
            tracing::warn!(
                "存在しないログインIDでのログイン失敗が多いため、監査記録を省略しました"
            );
            return Ok(next);
        }
        let entry = AuditEntry::new(
            Actor {
                id: "anonymous".to_owned(),
                label: if unknown {
                    UNKNOWN_LOGIN_LABEL.to_owned()
                } else {
                    login_key.to_owned()
                },
            },
            "auth.login_failed",
            "login",
            login_key,
        )
        .after(&json!({
            "reason": reason,
            "failures": next.failures,
            "locked_until": next.locked_until.map(|t| t.to_rfc3339()),
        }))
        .request(meta.request_id.clone());
        audit::append(&mut tx, now, entry).await?;
        tx.commit().await?;
        Ok(next)
    }

    /// The key a login name no account has is counted under: `?` and a keyed SHA-256 of the
    /// name as typed (trimmed, case folded), so the same name meets the same count and the text
    /// itself is kept nowhere.
    async fn unknown_login_key(
        &self,
        conn: &mut impl mamori_store::Reads,
        raw_login: &str,
    ) -> Result<String, AppError> {
        let key =
            accounts::installation_secret(conn, "unknown_login_key", &random_secret()).await?;
        let mut hasher = Sha256::new();
        hasher.update(key.as_bytes());
        hasher.update([0]);
        hasher.update(raw_login.trim().to_lowercase().as_bytes());
        let digest = hex::encode(hasher.finalize());
        Ok(format!("{UNKNOWN_LOGIN_PREFIX}{}", &digest[..32]))
    }

    /// Ends a session.
    pub async fn logout(
        &self,
        user: &CurrentUser,
        token: &str,
        meta: &RequestMeta,
    ) -> Result<(), AppError> {
        let mut tx = self.store().begin_write().await?;
        sessions::delete(&mut tx, &token_hash(token)).await?;
        let mut entry = AuditEntry::new(user.actor(), "auth.logout", "account", user.account.id)
            .request(meta.request_id.clone());
        entry.body_id = user.account.body_id.map(|b| b.to_string());
        audit::append(&mut tx, self.now(), entry).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The user behind a session cookie, or `None` when the session is unknown, idle too long or
    /// past its absolute limit (an expired session is deleted).
    pub async fn session_user(&self, token: &str) -> Result<Option<CurrentUser>, AppError> {
        let now = self.now();
        let hash = token_hash(token);
        let mut conn = self.store().conn().await?;
        let Some(session) = sessions::find(&mut conn, &hash).await? else {
            return Ok(None);
        };
        let s = self.settings();
        let idle_limit = session.last_seen_at + Duration::minutes(s.session_idle_minutes);
        let absolute_limit = session.created_at + Duration::hours(s.session_absolute_hours);
        if now >= idle_limit || now >= absolute_limit {
            sessions::delete(&mut conn, &hash).await?;
            return Ok(None);
        }
        // Touch at most once a minute: the idle limit is counted in minutes, and this keeps a
        // busy screen from writing on every request.
        if now - session.last_seen_at >= Duration::minutes(1) {
            sessions::touch(&mut conn, &hash, now).await?;
        }
        let account = accounts::get(&mut conn, session.account_id).await?;
        if account.disabled {
            return Ok(None);
        }
        let user = self
            .load_user(
                &mut conn,
                account,
                AuthMethod::Session,
                Some(session.csrf_token),
            )
            .await?;
        Ok(Some(user))
    }

    /// The user behind an API bearer token, or `None`.
    pub async fn token_user(&self, token: &str) -> Result<Option<CurrentUser>, AppError> {
        let hash = token_hash(token);
        let mut conn = self.store().conn().await?;
        let now = self.now();
        let Some((account, last_used)) = accounts::find_by_api_token(&mut conn, &hash, now).await?
        else {
            return Ok(None);
        };
        if account.disabled {
            return Ok(None);
        }
        // Kept to the minute: a write on every request would make each API read a write.
        if last_used.is_none_or(|t| now - t >= chrono::Duration::minutes(1) || t > now) {
            accounts::touch_api_token(&mut conn, &hash, now).await?;
        }
        let user = self
            .load_user(&mut conn, account, AuthMethod::ApiToken, None)
            .await?;
        Ok(Some(user))
    }

    async fn load_user(
        &self,
        conn: &mut impl mamori_store::Reads,
        account: Account,
        method: AuthMethod,
        csrf_token: Option<String>,
    ) -> Result<CurrentUser, AppError> {
        let standing =
            crate::ruling::standing(conn, account.body_id, account.person_id, self.today()).await?;
        let body = standing.body.clone();
        let person = standing
            .person
            .clone()
            .map(|(name, unit, title)| PersonSummary { name, unit, title });
        let roles = standing.roles.clone();
        let permissions: BTreeSet<String> = roles
            .iter()
            .flat_map(|r| r.grants.iter().cloned())
            .collect();
        // Screens show the count in their header; API calls need not pay for it.
        let unread_notifications = match (method, &body, account.person_id) {
            (AuthMethod::Session, Some(b), Some(person)) => {
                usize::try_from(notifications::unread_count(conn, b.id, person).await?).unwrap_or(0)
            }
            _ => 0,
        };
        let must_change_password = method == AuthMethod::Session
            && accounts::must_change_password(conn, account.id).await?;
        // A body's administrator runs the installation while it holds that body alone; beside
        // other bodies, the installation is the business of administrators of no body.
        let installation_admin = account.is_system_admin
            && (account.body_id.is_none() || mamori_store::org::count_bodies(conn).await? <= 1);
        Ok(CurrentUser {
            account,
            body,
            person,
            roles,
            permissions,
            method,
            csrf_token,
            unread_notifications,
            must_change_password,
            installation_admin,
        })
    }
}

pub(crate) fn actor_of(account: &Account) -> Actor {
    Actor {
        id: account.id.to_string(),
        label: account.login.to_string(),
    }
}

fn minutes_until(now: DateTime<Utc>, until: DateTime<Utc>) -> i64 {
    let seconds = (until - now).num_seconds().max(0);
    (seconds + 59) / 60
}
