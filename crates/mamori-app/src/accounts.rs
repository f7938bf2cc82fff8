//! Accounts, passwords and API tokens: creating administrators and tokens from the command line,
//! a person changing their own password (and the change forced after someone else set it), an
//! administrator's reset, and listing and revoking tokens.

use chrono::{DateTime, Duration, Utc};
use mamori_domain::DomainError;
use mamori_domain::account::{Account, DisplayName, Login, NewPassword, PasswordRule};
use mamori_domain::audit::{Actor, AuditEntry};
use mamori_domain::ids::{AccountId, BodyId};
pub use mamori_store::accounts::ApiToken;
use mamori_store::{accounts, audit, sessions};
use serde_json::json;

use crate::auth::{hash_password, random_secret, token_hash, verify_password};
use crate::{App, AppError, CurrentUser, RequestMeta};

/// The profile parameter that sets the minimum length of a password.
const MIN_LENGTH_PARAMETER: &str = "password_min_length";

/// What a person types to change their password.
#[derive(Debug)]
pub struct PasswordChange<'a> {
    pub current: &'a str,
    pub new: &'a str,
    pub confirm: &'a str,
}

/// A new system administrator, as typed at `mamori admin create`.
#[derive(Debug)]
pub struct NewAdmin {
    pub login: Login,
    pub display_name: DisplayName,
    pub password: NewPassword,
}

impl NewAdmin {
    /// Validates the raw input; the password rule comes from the settings.
    pub fn parse(
        login: &str,
        display_name: Option<&str>,
        password: &str,
        min_password_len: usize,
    ) -> Result<Self, AppError> {
        let login = Login::parse(login)?;
        let display_name = DisplayName::parse(display_name.unwrap_or(login.as_str()))?;
        let password = NewPassword::parse(
            password,
            &PasswordRule {
                min_len: min_password_len,
                login: Some(login.as_str()),
            },
        )?;
        Ok(Self {
            login,
            display_name,
            password,
        })
    }
}

impl App {
    /// Creates a system-administrator account. The actor is the operator at the console.
    pub async fn create_admin(&self, new: NewAdmin, actor: Actor) -> Result<Account, AppError> {
        let hash = hash_password(new.password.expose().to_owned()).await?;
        let now = self.now();
        let account = Account {
            id: AccountId::new(),
            body_id: None,
            login: new.login,
            display_name: new.display_name,
            person_id: None,
            is_system_admin: true,
            disabled: false,
            created_at: now,
        };
        let mut tx = self.store().begin_write().await?;
        if accounts::find_by_login(&mut tx, &account.login)
            .await?
            .is_some()
        {
            return Err(AppError::Conflict(format!(
                "ログインID「{}」は既に使われています",
                account.login
            )));
        }
        accounts::insert(&mut tx, &account, &hash).await?;
        let entry = AuditEntry::new(actor, "account.create", "account", account.id).after(&account);
        audit::append(&mut tx, now, entry).await?;
        tx.commit().await?;
        Ok(account)
    }

    /// The minimum length of a new password: the body's profile parameter 「パスワードの最小文字数」
    /// in force, else the installation's setting (an account without a body).
    pub async fn password_min_length(&self, body: Option<BodyId>) -> Result<usize, AppError> {
        let fallback = self.settings().password_min_length;
        let Some(body) = body else {
            return Ok(fallback);
        };
        let mut conn = self.store().conn().await?;
        let ruling = crate::ruling::ruling(&mut conn, body).await?;
        Ok(ruling
            .profile
            .as_ref()
            .and_then(|p| {
                p.parameters
                    .iter()
                    .find(|x| x.key == MIN_LENGTH_PARAMETER)
                    .and_then(|x| x.value.trim().parse().ok())
            })
            .unwrap_or(fallback))
    }

    /// A person changes their own password: the current one is required, the new one follows
    /// the body's rule, and every other session of the account ends (whoever signed in with the
    /// old password is signed out). Clears a forced change.
    pub async fn change_own_password(
        &self,
        user: &CurrentUser,
        change: &PasswordChange<'_>,
        session_token: Option<&str>,
        meta: &RequestMeta,
    ) -> Result<(), AppError> {
        let (_, hash) = {
            let mut conn = self.store().conn().await?;
            accounts::find_with_hash(&mut conn, &user.account.login)
                .await?
                .ok_or(AppError::Unauthenticated)?
        };
        if !verify_password(change.current.to_owned(), hash).await? {
            return Err(AppError::Invalid(DomainError::new(
                "現在のパスワード",
                "現在のパスワードが正しくありません",
            )));
        }
        if change.new != change.confirm {
            return Err(AppError::Invalid(DomainError::new(
                "新しいパスワード（確認）",
                "新しいパスワードと確認が一致しません",
            )));
        }
        if change.new == change.current {
            return Err(AppError::Invalid(DomainError::new(
                NewPassword::FIELD,
                "今と同じパスワードは使えません",
            )));
        }
        let rule = PasswordRule {
            min_len: self.password_min_length(user.account.body_id).await?,
            login: Some(user.account.login.as_str()),
        };
        let password = NewPassword::parse(change.new, &rule)?;
        let hash = hash_password(password.expose().to_owned()).await?;
        let now = self.now();
        let mut tx = self.store().begin_write().await?;
        accounts::set_password(&mut tx, user.account.id, &hash, false, now).await?;
        let ended = sessions::delete_for_account(
            &mut tx,
            user.account.id,
            session_token.map(token_hash).as_deref(),
        )
        .await?;
        let mut entry = AuditEntry::new(
            user.actor(),
            "account.password_change",
            "account",
            user.account.id,
        )
        .after(&json!({ "other_sessions_ended": ended }))
        .request(meta.request_id.clone());
        entry.body_id = user.account.body_id.map(|b| b.to_string());
        audit::append(&mut tx, now, entry).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The operator sets a new password for an account (`mamori admin reset-password`): every
    /// session of it ends and the person must change it at the next sign-in.
    pub async fn reset_password(
        &self,
        login: &str,
        password: &str,
        actor: Actor,
    ) -> Result<Account, AppError> {
        let login = Login::parse(login)?;
        let account = {
            let mut conn = self.store().conn().await?;
            accounts::find_by_login(&mut conn, &login)
                .await?
                .ok_or_else(|| AppError::NotFound(format!("ログインID「{login}」のアカウント")))?
        };
        let rule = PasswordRule {
            min_len: self.password_min_length(account.body_id).await?,
            login: Some(login.as_str()),
        };
        let password = NewPassword::parse(password, &rule)?;
        let hash = hash_password(password.expose().to_owned()).await?;
        let now = self.now();
        let mut tx = self.store().begin_write().await?;
        accounts::set_password(&mut tx, account.id, &hash, true, now).await?;
        let ended = sessions::delete_for_account(&mut tx, account.id, None).await?;
        let mut entry = AuditEntry::new(actor, "account.password_reset", "account", account.id)
            .after(&json!({ "sessions_ended": ended, "must_change": true }));
        entry.body_id = account.body_id.map(|b| b.to_string());
        audit::append(&mut tx, now, entry).await?;
        tx.commit().await?;
        Ok(account)
    }

    /// The user's own API tokens, newest first (never their secrets).
    pub async fn own_api_tokens(&self, user: &CurrentUser) -> Result<Vec<ApiToken>, AppError> {
        let mut conn = self.store().conn().await?;
        Ok(accounts::list_api_tokens(&mut conn, Some(user.account.id)).await?)
    }

    /// Every token of the installation, for the operator (`mamori admin tokens list`).
    pub async fn all_api_tokens(&self) -> Result<Vec<ApiToken>, AppError> {
        let mut conn = self.store().conn().await?;
        Ok(accounts::list_api_tokens(&mut conn, None).await?)
    }

    /// Revokes a token: the user's own (`Some`), or any as the operator (`None`). Another
    /// account's token is not found.
    pub async fn revoke_api_token(
        &self,
        owner: Option<&CurrentUser>,
        id: &str,
        actor: Actor,
        meta: &RequestMeta,
    ) -> Result<(), AppError> {
        let now = self.now();
        let mut tx = self.store().begin_write().await?;
        if !accounts::revoke_api_token(&mut tx, id, owner.map(|u| u.account.id)).await? {
            return Err(AppError::NotFound("有効な API トークン".to_owned()));
        }
        let mut entry = AuditEntry::new(actor, "api_token.revoke", "api_token", id)
            .request(meta.request_id.clone());
        entry.body_id = owner.and_then(|u| u.account.body_id.map(|b| b.to_string()));
        audit::append(&mut tx, now, entry).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Issues a new API bearer token for an account and returns it; only its hash is stored, so
    /// this is the only time it can be seen.
    /// `expires_in` (none: until revoked) sets its end.
    pub async fn issue_api_token(
        &self,
        login: &str,
        label: &str,
        expires_in: Option<Duration>,
        actor: Actor,
        meta: &RequestMeta,
    ) -> Result<String, AppError> {
        let login = Login::parse(login)?;
        mamori_domain::text::check("ラベル", label, 100, false)?;
        let label = label.trim().to_owned();
        let now = self.now();
        let expires_at: Option<DateTime<Utc>> = expires_in.map(|d| now + d);
        let token = format!("mmr_{}", random_secret());
        let id = uuid::Uuid::now_v7().to_string();
        let mut tx = self.store().begin_write().await?;
        let account = accounts::find_by_login(&mut tx, &login)
            .await?
            .ok_or_else(|| AppError::NotFound(format!("ログインID「{login}」のアカウント")))?;
        accounts::insert_api_token(
            &mut tx,
            &id,
            account.id,
            &token_hash(&token),
            &label,
            now,
            expires_at,
        )
        .await?;
        let mut entry = AuditEntry::new(actor, "api_token.create", "api_token", &id)
            .after(&json!({
                "account": account.id,
                "login": login,
                "label": label,
                "expires_at": expires_at.map(|t| t.to_rfc3339()),
            }))
            .request(meta.request_id.clone());
        entry.body_id = account.body_id.map(|b| b.to_string());
        audit::append(&mut tx, now, entry).await?;
        tx.commit().await?;
        Ok(token)
    }
}
