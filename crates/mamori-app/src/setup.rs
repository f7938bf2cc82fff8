//! First-run setup: the 団体, its first administrator, who holds CISO and 統括情報セキュリティ責任者
//! at the start, and where its policy starts from. Allowed once, while the database holds no 団体;
//! everything it writes is one transaction with its audit records.
//!
//! On screen the setup is opened by a one-time token that `serve` prints to the console (only
//! its hash is kept, in memory); `mamori setup` runs the same use case from a TOML file.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use chrono::NaiveDate;
use mamori_domain::DomainError;
use mamori_domain::account::{Account, DisplayName, Login, NewPassword, PasswordRule};
use mamori_domain::audit::{Actor, AuditEntry};
use mamori_domain::body::{BodyKind, LocalGovernmentCode, parse_body_term};
use mamori_domain::ids::{AccountId, BodyId, OrgUnitId, PersonId, RoleAssignmentId};
use mamori_domain::org::{
    AGENCY_KINDS, Body, OrgUnit, Person, PersonStatus, Post, RoleAssignment, UnitKind,
};
use mamori_domain::policy::{Edition, RoleSetting};
use mamori_store::{WriteTx, accounts, audit, org};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::auth::{hash_password, random_secret, token_hash};
use crate::policy::default_profile;
use crate::roles::guideline_role_set;
use crate::{App, AppError, RequestMeta};

/// The role of the 長 in the guideline's role set.
pub const HEAD_ROLE: &str = "head_of_body";

/// The role keys setup asks holders for, in the order the screen shows them.
pub const STARTING_ROLES: [&str; 2] = ["ciso", "chief_security_officer"];

/// What setup is given: the screen's form and the `mamori setup` file have this shape.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SetupForm {
    pub body: BodyForm,
    pub administrator: AdministratorForm,
    /// Who holds each of [`STARTING_ROLES`] from today, by role key.
    #[serde(default)]
    pub holders: BTreeMap<String, HolderForm>,
    #[serde(default)]
    pub policy: PolicyStart,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BodyForm {
    pub name: String,
    /// 全国地方公共団体コード.
    pub code: String,
    /// 市, 町, 一部事務組合 … (label or key).
    pub kind: String,
    /// 本市, 本町 …; empty takes the kind's word.
    #[serde(default)]
    pub term: String,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AdministratorForm {
    pub login: String,
    pub name: String,
    #[serde(default)]
    pub password: String,
    /// The role key of the holder whose account this is, or empty for an account of its own.
    #[serde(default)]
    pub holder: String,
}

/// A person holding a role from the start: the organization import later finds them by their
/// 職員番号 and updates them.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HolderForm {
    pub staff_number: String,
    pub name: String,
    #[serde(default)]
    pub name_kana: String,
    /// 職名, e.g. 副市長.
    pub title: String,
    /// 所属, e.g. 総務部情報政策課.
    pub unit: String,
}

/// Where the body's policy starts from.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PolicyStart {
    /// The guideline's 例文 as 第1版, a draft.
    #[default]
    Example,
    /// No edition yet: the policy is started later (from the 例文 or an imported document).
    Later,
}

impl PolicyStart {
    pub fn parse(text: &str) -> Result<Self, DomainError> {
        match text.trim() {
            "" | "example" => Ok(Self::Example),
            "later" => Ok(Self::Later),
            _ => Err(DomainError::new(
                "ポリシーの始め方",
                "「例文から第1版を作る」か「後で始める」を選んでください",
            )),
        }
    }
}

/// What setup did, for the console and the screen.
#[derive(Debug, Clone, Serialize)]
pub struct SetupOutcome {
    pub body: Body,
    pub login: String,
    pub edition: Option<u32>,
}

/// The one-time setup token of this process: only its hash, and only while no 団体 exists.
#[derive(Clone, Default)]
pub struct SetupGate(Arc<Mutex<Option<String>>>);

impl SetupGate {
    fn open(&self) -> String {
        let token = random_secret();
        *self.lock() = Some(token_hash(&token));
        token
    }

    /// Whether setup is waiting for its token (and nothing else should be reachable).
    pub fn is_open(&self) -> bool {
        self.lock().is_some()
    }

    fn admits(&self, token: &str) -> bool {
        self.lock().as_deref() == Some(token_hash(token.trim()).as_str())
    }

    fn close(&self) {
        *self.lock() = None;
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Option<String>> {
        // A poisoned lock still holds a valid Option.
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// The checked input: nothing is written before all of it holds.
struct Checked {
    name: String,
    code: LocalGovernmentCode,
    kind: BodyKind,
    term: String,
    login: Login,
    display_name: DisplayName,
    password: NewPassword,
    account_holder: Option<String>,
    holders: Vec<(String, HolderForm)>,
    policy: PolicyStart,
}

fn required(field: &str, value: &str) -> Result<String, DomainError> {
    let text = value.trim();
    if text.is_empty() {
        return Err(DomainError::new(field, "入力してください"));
    }
    if text.chars().count() > 100 {
        return Err(DomainError::new(field, "100文字以内で入力してください"));
    }
    Ok(text.to_owned())
}

fn check(form: &SetupForm, min_password_len: usize) -> Result<Checked, DomainError> {
    let name = required("団体名", &form.body.name)?;
    let code = LocalGovernmentCode::parse(&form.body.code)?;
    let kind = BodyKind::parse(&form.body.kind)?;
    let term = match form.body.term.trim() {
        "" => kind.default_term(&name),
        text => parse_body_term(text)?,
    };
    let login = Login::parse(&form.administrator.login)?;
    let display_name = DisplayName::parse(form.administrator.name.trim())?;
    let password = NewPassword::parse(
        &form.administrator.password,
        &PasswordRule {
            min_len: min_password_len,
            login: Some(login.as_str()),
        },
    )?;
    if let Some(key) = form
        .holders
        .keys()
        .find(|k| !STARTING_ROLES.contains(&k.as_str()))
    {
        return Err(DomainError::new(
            "役割",
            format!(
                "「{key}」は設定時に指定できる役割ではありません（ciso, chief_security_officer）"
            ),
        ));
    }
    let mut holders = Vec::new();
    for key in STARTING_ROLES {
        let Some(h) = form.holders.get(key) else {
            continue;
        };
        let role = role_label(key);
        let holder = HolderForm {
            staff_number: required(&format!("{role}の職員番号"), &h.staff_number)?,
            name: required(&format!("{role}の氏名"), &h.name)?,
            name_kana: h.name_kana.trim().to_owned(),
            title: required(&format!("{role}の職名"), &h.title)?,
            unit: required(&format!("{role}の所属"), &h.unit)?,
        };
        holders.push((key.to_owned(), holder));
    }
    if let [(_, a), (_, b)] = holders.as_slice()
        && a.staff_number == b.staff_number
    {
        return Err(DomainError::new(
            "統括情報セキュリティ責任者の職員番号",
            "CISOとは別の人を指定してください（統括情報セキュリティ責任者はCISOを補佐します）",
        ));
    }
    let account_holder = match form.administrator.holder.trim() {
        "" => None,
        key => {
            if !holders.iter().any(|(k, _)| k == key) {
                return Err(DomainError::new(
                    "管理者のアカウント",
                    "本人とする役割の担当者を入力してください",
                ));
            }
            Some(key.to_owned())
        }
    };
    Ok(Checked {
        name,
        code,
        kind,
        term,
        login,
        display_name,
        password,
        account_holder,
        holders,
        policy: form.policy,
    })
}

fn role_label(key: &str) -> &'static str {
    match key {
        "ciso" => "CISO",
        _ => "統括情報セキュリティ責任者",
    }
}

impl App {
    /// Opens setup if the database holds no 団体: returns the one-time token to print, or
    /// `None` when a 団体 exists (setup is then closed for good).
    pub async fn open_setup(&self) -> Result<Option<String>, AppError> {
        let mut conn = self.store().conn().await?;
        if !org::list_bodies(&mut conn).await?.is_empty() {
            self.setup_gate().close();
            return Ok(None);
        }
        Ok(Some(self.setup_gate().open()))
    }

    /// Whether this process is waiting for its setup.
    pub fn setup_pending(&self) -> bool {
        self.setup_gate().is_open()
    }

    /// Whether setup is still to be done: closes it when a 団体 was set up meanwhile (by
    /// `mamori setup` on the same database, say).
    pub async fn setup_still_needed(&self) -> Result<bool, AppError> {
        if !self.setup_pending() {
            return Ok(false);
        }
        let mut conn = self.store().conn().await?;
        if org::list_bodies(&mut conn).await?.is_empty() {
            return Ok(true);
        }
        self.setup_gate().close();
        Ok(false)
    }

    /// Whether `token` is this process's setup token.
    pub fn setup_token_admits(&self, token: &str) -> bool {
        self.setup_gate().admits(token)
    }

    /// Setup from the screen: the token printed at start is required.
    pub async fn set_up_with_token(
        &self,
        token: &str,
        form: &SetupForm,
        meta: &RequestMeta,
    ) -> Result<SetupOutcome, AppError> {
        if !self.setup_gate().admits(token) {
            return Err(AppError::Forbidden(
                "設定用のURLが正しくないか、期限が切れています。サーバーの起動時に表示されたURLを開いてください"
                    .to_owned(),
            ));
        }
        let outcome = self.set_up(form, Actor::system("setup"), meta).await?;
        self.setup_gate().close();
        Ok(outcome)
    }

    /// Sets up the 団体 (`mamori setup`, and the screen through [`Self::set_up_with_token`]).
    /// Refused once a 団体 exists.
    pub async fn set_up(
        &self,
        form: &SetupForm,
        actor: Actor,
        meta: &RequestMeta,
    ) -> Result<SetupOutcome, AppError> {
        self.register_body(form, actor, meta, true).await
    }

    /// Registers one more 団体 in an installation that has some (`mamori body create`, by the
    /// installation's operator): the same form and checks as setup; its 全国地方公共団体コード
    /// must not be registered yet.
    pub async fn add_body(
        &self,
        form: &SetupForm,
        actor: Actor,
        meta: &RequestMeta,
    ) -> Result<SetupOutcome, AppError> {
        self.register_body(form, actor, meta, false).await
    }

    async fn register_body(
        &self,
        form: &SetupForm,
        actor: Actor,
        meta: &RequestMeta,
        first: bool,
    ) -> Result<SetupOutcome, AppError> {
        let checked = check(form, self.settings().password_min_length)?;
        // argon2 is the slow part: before the transaction.
        let hash = hash_password(checked.password.expose().to_owned()).await?;
        let mut tx = self.store().begin_write().await?;
        let bodies = org::list_bodies(&mut tx).await?;
        if first && !bodies.is_empty() {
            return Err(AppError::Conflict(
                "団体は設定済みです。設定をやり直すことはできません".to_owned(),
            ));
        }
        if bodies.iter().any(|b| b.code == checked.code.as_str()) {
            return Err(AppError::Conflict(format!(
                "全国地方公共団体コード {} の団体は登録済みです",
                checked.code
            )));
        }
        if accounts::find_by_login(&mut tx, &checked.login)
            .await?
            .is_some()
        {
            return Err(AppError::Conflict(format!(
                "ログインID「{}」は既に使われています",
                checked.login
            )));
        }
        let outcome = self
            .write_setup(&mut tx, checked, &hash, &actor, meta)
            .await?;
        tx.commit().await?;
        Ok(outcome)
    }

    async fn write_setup(
        &self,
        tx: &mut WriteTx,
        c: Checked,
        hash: &str,
        actor: &Actor,
        meta: &RequestMeta,
    ) -> Result<SetupOutcome, AppError> {
        let now = self.now();
        let today = self.today();
        let body = Body {
            id: BodyId::new(),
            code: c.code.to_string(),
            name: c.name.clone(),
            kind: Some(c.kind),
            created_at: now,
        };
        org::insert_body(&mut *tx, &body).await?;
        let record = |action: &str, target_type: &str, id: String| {
            AuditEntry::new(actor.clone(), action, target_type, id)
                .body(body.id)
                .request(meta.request_id.clone())
        };
        audit::append(
            tx,
            now,
            record("body.create", "body", body.id.to_string()).after(&body),
        )
        .await?;

        let mut roles = guideline_role_set()?;
        if let Some(head) = roles.iter_mut().find(|r| r.key == HEAD_ROLE) {
            head.name = c.kind.head_title().to_owned();
        }
        for (i, role) in roles.iter().enumerate() {
            org::insert_role_definition(&mut *tx, body.id, role, i as i64).await?;
            let entry = record(
                "role_definition.create",
                "role_definition",
                role.key.clone(),
            )
            .after(role);
            audit::append(tx, now, entry).await?;
        }

        let people = self
            .write_holders(tx, &body, &c.holders, today, &record)
            .await?;

        let person_id = c
            .account_holder
            .as_ref()
            .and_then(|key| people.iter().find(|(k, _)| k == key))
            .map(|(_, id)| *id);
        let account = Account {
            id: AccountId::new(),
            body_id: Some(body.id),
            login: c.login,
            display_name: c.display_name,
            person_id,
            is_system_admin: true,
            disabled: false,
            created_at: now,
        };
        accounts::insert(&mut *tx, &account, hash).await?;
        let entry = record("account.create", "account", account.id.to_string()).after(&account);
        audit::append(tx, now, entry).await?;

        let edition = match c.policy {
            PolicyStart::Later => None,
            PolicyStart::Example => {
                let settings = roles
                    .iter()
                    .map(|r| RoleSetting {
                        key: r.key.clone(),
                        name: r.name.clone(),
                        post: c
                            .holders
                            .iter()
                            .find(|(k, _)| *k == r.key)
                            .map(|(_, h)| h.title.clone()),
                    })
                    .collect();
                let mut profile = default_profile(&body, settings)?;
                profile.body_term = c.term.clone();
                let edition = Edition::first(
                    body.id,
                    format!("{}情報セキュリティポリシー", body.name),
                    profile,
                    now,
                );
                mamori_store::policy::insert_edition(&mut *tx, &edition, now).await?;
                let entry = record(
                    "policy.create_edition",
                    "policy_edition",
                    edition.id.to_string(),
                )
                .after(&json!({
                    "number": edition.number.get(),
                    "title": edition.title,
                    "revision_kind": edition.revision_kind.key(),
                    "body_term": c.term,
                }));
                audit::append(tx, now, entry).await?;
                Some(edition.number.get())
            }
        };
        let entry = record("body.setup", "body", body.id.to_string()).after(&json!({
            "code": body.code,
            "name": body.name,
            "kind": c.kind.key(),
            "body_term": c.term,
            "administrator": account.login.as_str(),
            "holders": c.holders.iter().map(|(k, h)| json!({"role": k, "staff_number": h.staff_number})).collect::<Vec<_>>(),
            "policy": c.policy,
        }));
        audit::append(tx, now, entry).await?;
        Ok(SetupOutcome {
            body,
            login: account.login.as_str().to_owned(),
            edition,
        })
    }

    /// The holders, their units (one 課室 per 所属 named, whose code is its name so that the
    /// organization import can match it) and their assignments from today.
    async fn write_holders(
        &self,
        tx: &mut WriteTx,
        body: &Body,
        holders: &[(String, HolderForm)],
        today: NaiveDate,
        record: &(dyn Fn(&str, &str, String) -> AuditEntry + Sync),
    ) -> Result<Vec<(String, PersonId)>, AppError> {
        let now = self.now();
        let mut units: BTreeMap<String, OrgUnitId> = BTreeMap::new();
        let mut people = Vec::new();
        for (i, (key, h)) in holders.iter().enumerate() {
            let unit_id = match units.get(&h.unit) {
                Some(id) => *id,
                None => {
                    let unit = OrgUnit {
                        id: OrgUnitId::new(),
                        body_id: body.id,
                        parent_id: None,
                        code: h.unit.clone(),
                        kind: UnitKind::Section,
                        agency_kind: AGENCY_KINDS[0].to_owned(),
                        name: h.unit.clone(),
                        sort_order: i as i64,
                        valid_from: today,
                        valid_to: None,
                        successor_id: None,
                    };
                    org::insert_unit(&mut *tx, &unit, now).await?;
                    audit::append(
                        tx,
                        now,
                        record("org_unit.create", "org_unit", unit.id.to_string()).after(&unit),
                    )
                    .await?;
                    units.insert(h.unit.clone(), unit.id);
                    unit.id
                }
            };
            let person = Person {
                id: PersonId::new(),
                body_id: body.id,
                staff_number: h.staff_number.clone(),
                name: h.name.clone(),
                name_kana: h.name_kana.clone(),
                unit_id,
                title: h.title.clone(),
                employment_kind: "職員".to_owned(),
                email: None,
                status: PersonStatus::Active,
            };
            org::insert_person(&mut *tx, &person, today, "登録", now).await?;
            audit::append(
                tx,
                now,
                record("person.create", "person", person.id.to_string()).after(&person),
            )
            .await?;
            let assignment = RoleAssignment {
                id: RoleAssignmentId::new(),
                body_id: body.id,
                role_key: key.clone(),
                person_id: person.id,
                unit_id: None,
                system_name: None,
                is_deputy: false,
                valid_from: today,
                valid_to: None,
                // 充て職: the role follows the post at 人事異動.
                post: Some(Post {
                    unit_id,
                    title: h.title.clone(),
                }),
            };
            org::insert_assignment(&mut *tx, &assignment, now).await?;
            let entry = record(
                "role_assignment.create",
                "role_assignment",
                assignment.id.to_string(),
            )
            .after(&assignment);
            audit::append(tx, now, entry).await?;
            people.push((key.clone(), person.id));
        }
        Ok(people)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form() -> SetupForm {
        SetupForm {
            body: BodyForm {
                name: "さくら市".into(),
                code: "092142".into(),
                kind: "市".into(),
                term: String::new(),
            },
            administrator: AdministratorForm {
                login: "joho-admin".into(),
                name: "情報 花子".into(),
                password: "sakura-setup-2026".into(),
                holder: String::new(),
            },
            holders: BTreeMap::new(),
            policy: PolicyStart::Example,
        }
    }

    #[test]
    fn the_term_follows_the_kind_unless_the_body_gives_its_own() {
        let mut f = form();
        assert_eq!(check(&f, 12).map(|c| c.term), Ok("本市".to_owned()));
        f.body.kind = "町".into();
        assert_eq!(check(&f, 12).map(|c| c.term), Ok("本町".to_owned()));
        f.body.term = "本まち".into();
        assert_eq!(check(&f, 12).map(|c| c.term), Ok("本まち".to_owned()));
    }

    #[test]
    fn a_bad_field_is_named() {
        let mut f = form();
        f.body.code = "092141".into();
        assert_eq!(
            check(&f, 12).err().map(|e| e.field),
            Some("全国地方公共団体コード".into())
        );
        let mut f = form();
        f.administrator.password = "short".into();
        assert!(check(&f, 12).is_err());
        let mut f = form();
        f.holders
            .insert("audit_chief".into(), HolderForm::default());
        assert_eq!(check(&f, 12).err().map(|e| e.field), Some("役割".into()));
        let mut f = form();
        f.administrator.holder = "chief_security_officer".into();
        assert_eq!(
            check(&f, 12).err().map(|e| e.field),
            Some("管理者のアカウント".into())
        );
    }

    #[test]
    fn ciso_and_the_chief_are_two_people() {
        let mut f = form();
        let h = HolderForm {
            staff_number: "100001".into(),
            name: "桜 一郎".into(),
            name_kana: String::new(),
            title: "副市長".into(),
            unit: "市長公室".into(),
        };
        f.holders.insert("ciso".into(), h.clone());
        f.holders.insert("chief_security_officer".into(), h);
        assert_eq!(
            check(&f, 12).err().map(|e| e.field),
            Some("統括情報セキュリティ責任者の職員番号".into())
        );
    }
}
