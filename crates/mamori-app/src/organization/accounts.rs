//! The login accounts of the body's people: created by an organization editor, one per person.

use super::*;

impl App {
    /// Creates the login account of a person (one per person), with an initial password the
    /// person changes. Refused for people who have left.
    pub async fn create_person_account(
        &self,
        user: &CurrentUser,
        may: &OrgEditor,
        person: PersonId,
        login: &str,
        password: &str,
        meta: &RequestMeta,
    ) -> Result<mamori_domain::account::Account, AppError> {
        use mamori_domain::account::{Account, DisplayName, Login, NewPassword, PasswordRule};
        let body = may.body(user)?;
        let login = Login::parse(login)?;
        let min_len = self.password_min_length(Some(body.id)).await?;
        let password = NewPassword::parse(
            password,
            &PasswordRule {
                min_len,
                login: Some(login.as_str()),
            },
        )?;
        let now = self.now();
        let hash = crate::auth::hash_password(password.expose().to_owned()).await?;
        let mut tx = self.store().begin_write().await?;
        let p = org::find_person(&mut tx, body.id, person)
            .await?
            .ok_or_else(|| AppError::NotFound("職員".to_owned()))?;
        if p.status == PersonStatus::Retired {
            return Err(invalid(
                field::STATUS,
                "退職した職員にはアカウントを作れません",
            ));
        }
        if !mamori_store::accounts::find_by_person(&mut tx, person)
            .await?
            .is_empty()
        {
            return Err(invalid(
                "ログインID",
                format!("{}さんには既にアカウントがあります", p.name),
            ));
        }
        if mamori_store::accounts::find_by_login(&mut tx, &login)
            .await?
            .is_some()
        {
            return Err(invalid(
                "ログインID",
                format!("ログインID「{login}」は既に使われています"),
            ));
        }
        let account = Account {
            id: mamori_domain::ids::AccountId::new(),
            body_id: Some(body.id),
            login,
            display_name: DisplayName::parse(&p.name)?,
            person_id: Some(person),
            is_system_admin: false,
            disabled: false,
            created_at: now,
        };
        mamori_store::accounts::insert(&mut tx, &account, &hash).await?;
        // The editor chose this password: the person sets their own at the first sign-in.
        mamori_store::accounts::set_must_change(&mut tx, account.id, true).await?;
        let entry = AuditEntry::new(user.actor(), "account.create", "account", account.id)
            .body(body.id)
            .after(&account)
            .request(meta.request_id.clone());
        audit::append(&mut tx, now, entry).await?;
        tx.commit().await?;
        Ok(account)
    }

    /// The login accounts of a person.
    pub async fn person_accounts(
        &self,
        user: &CurrentUser,
        person: PersonId,
    ) -> Result<Vec<mamori_domain::account::Account>, AppError> {
        let body = user.body()?;
        let mut conn = self.store().conn().await?;
        Ok(mamori_store::accounts::find_by_person(&mut conn, person)
            .await?
            .into_iter()
            .filter(|a| a.body_id == Some(body.id))
            .collect())
    }
}
