//! Creating accounts and API tokens from the command line (installation tasks).

use mamori_domain::account::{Account, DisplayName, Login, NewPassword};
use mamori_domain::audit::{Actor, AuditEntry};
use mamori_domain::ids::AccountId;
use mamori_store::{accounts, audit};
use serde_json::json;

use crate::auth::{hash_password, random_secret, token_hash};
use crate::{App, AppError, RequestMeta};

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
        let password = NewPassword::parse(password, min_password_len)?;
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
        if accounts::find_by_login(tx.conn(), &account.login)
            .await?
            .is_some()
        {
            return Err(AppError::Conflict(format!(
                "ログインID「{}」は既に使われています",
                account.login
            )));
        }
        accounts::insert(tx.conn(), &account, &hash).await?;
        let entry = AuditEntry::new(actor, "account.create", "account", account.id).after(&account);
        audit::append(&mut tx, now, entry).await?;
        tx.commit().await?;
        Ok(account)
    }

    /// Issues a new API bearer token for an account and returns it; only its hash is stored, so
    /// this is the only time it can be seen.
    pub async fn issue_api_token(
        &self,
        login: &str,
        label: &str,
        actor: Actor,
        meta: &RequestMeta,
    ) -> Result<String, AppError> {
        let login = Login::parse(login)?;
        let now = self.now();
        let token = format!("mmr_{}", random_secret());
        let id = uuid::Uuid::now_v7().to_string();
        let mut tx = self.store().begin_write().await?;
        let account = accounts::find_by_login(tx.conn(), &login)
            .await?
            .ok_or_else(|| AppError::NotFound(format!("ログインID「{login}」のアカウント")))?;
        accounts::insert_api_token(tx.conn(), &id, account.id, &token_hash(&token), label, now)
            .await?;
        let mut entry = AuditEntry::new(actor, "api_token.create", "api_token", &id)
            .after(&json!({"account": account.id, "login": login, "label": label}))
            .request(meta.request_id.clone());
        entry.body_id = account.body_id.map(|b| b.to_string());
        audit::append(&mut tx, now, entry).await?;
        tx.commit().await?;
        Ok(token)
    }
}
