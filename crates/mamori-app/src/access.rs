//! Who is acting, and what they may do.
//!
//! Authority is handed out as values: a use case that needs a permission takes the value as a
//! parameter, and the only way to get one is from a `CurrentUser` that has it. Handlers never
//! compare role names.

use std::collections::BTreeSet;

use mamori_domain::account::Account;
use mamori_domain::audit::Actor;
use mamori_domain::ids::{AccountId, BodyId};
use mamori_domain::org::{Body, HeldRole};
use serde::Serialize;

use crate::AppError;

/// App permissions. Roles grant them through the body's role set (data), the system-administrator
/// flag grants the installation ones.
pub mod permission {
    /// Read the audit trail.
    pub const AUDIT_READ: &str = "audit.read";
    /// Draft and edit editions of the body's policy, submit them, bring decided ones into force
    /// and publish them to staff.
    pub const POLICY_EDIT: &str = "policy.edit";
    /// Maintain the organization: units, people, role assignments, 人事異動, imports.
    pub const ORG_EDIT: &str = "org.edit";
    /// Keep the asset register of every unit and the risk register (a person without it keeps
    /// the assets of their own unit).
    pub const ASSET_MANAGE: &str = "asset.manage";
    /// Read the whole risk register — threats and vulnerabilities of every unit, which the
    /// guideline asks to keep under strict control (the CISO and the 統括 by default). Without
    /// it a person reads the risks of their own unit's assets only.
    pub const RISK_READ: &str = "risk.read";
}

/// How the user proved who they are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AuthMethod {
    Session,
    ApiToken,
}

/// The signed-in user with everything the screens and permission checks need.
#[derive(Debug, Clone, Serialize)]
pub struct CurrentUser {
    pub account: Account,
    pub body: Option<Body>,
    /// The person's name, unit and 職名, when the account belongs to a person.
    pub person: Option<PersonSummary>,
    pub roles: Vec<HeldRole>,
    pub permissions: BTreeSet<String>,
    #[serde(skip)]
    pub method: AuthMethod,
    /// The session's CSRF token (absent for API tokens, which need none).
    #[serde(skip)]
    pub csrf_token: Option<String>,
    /// Unread お知らせ of the person, for the header of every screen (0 for API tokens).
    #[serde(skip)]
    pub unread_notifications: usize,
    /// The password was set by someone else: the screens ask for a new one before anything else.
    #[serde(skip)]
    pub must_change_password: bool,
    /// May run the installation (its backups): a system administrator of no body, or of the
    /// installation's only body.
    #[serde(skip)]
    pub installation_admin: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct PersonSummary {
    pub name: String,
    pub unit: String,
    pub title: String,
}

impl CurrentUser {
    pub fn actor(&self) -> Actor {
        Actor {
            id: self.account.id.to_string(),
            label: self.account.login.to_string(),
        }
    }

    pub fn has(&self, permission: &str) -> bool {
        self.account.is_system_admin || self.permissions.contains(permission)
    }

    /// The name to greet the user with: the person's name, else the account's.
    pub fn name(&self) -> &str {
        self.person
            .as_ref()
            .map_or(self.account.display_name.as_str(), |p| p.name.as_str())
    }

    /// The role keys held today, for rules that name a role (who decides an edition).
    pub fn role_keys(&self) -> Vec<String> {
        self.roles.iter().map(|r| r.key.clone()).collect()
    }

    /// The body the user works in; installation-wide administrators have none.
    pub fn body(&self) -> Result<&Body, AppError> {
        self.body
            .as_ref()
            .ok_or_else(|| AppError::Forbidden("団体に所属していないアカウントです".to_owned()))
    }

    pub fn policy_editor(&self) -> Result<PolicyEditor, AppError> {
        if self.permissions.contains(permission::POLICY_EDIT) {
            Ok(PolicyEditor {
                issued: Issued::to(self),
            })
        } else {
            Err(AppError::Forbidden(
                "情報セキュリティポリシーの編集".to_owned(),
            ))
        }
    }

    /// Maintaining the organization is a role's duty (the 統括 by default), not an installation
    /// task: the system-administrator flag does not give it.
    pub fn org_editor(&self) -> Result<OrgEditor, AppError> {
        if self.permissions.contains(permission::ORG_EDIT) {
            Ok(OrgEditor {
                issued: Issued::to(self),
            })
        } else {
            Err(AppError::Forbidden("組織・職員・役割の編集".to_owned()))
        }
    }

    /// Registering and editing assets: every unit's with `asset.manage`, else those of the
    /// person's own unit. An account without a person (an installation administrator) has none.
    pub fn asset_writer(&self) -> Result<AssetWriter, AppError> {
        if self.permissions.contains(permission::ASSET_MANAGE) {
            return Ok(AssetWriter {
                issued: Issued::to(self),
                all_units: true,
                person: self.account.person_id,
            });
        }
        match self.account.person_id {
            Some(person) => Ok(AssetWriter {
                issued: Issued::to(self),
                all_units: false,
                person: Some(person),
            }),
            None => Err(AppError::Forbidden("情報資産の登録・変更".to_owned())),
        }
    }

    /// Keeping the risk register and its matrix and threats (the 統括 by default).
    pub fn risk_editor(&self) -> Result<RiskEditor, AppError> {
        if self.permissions.contains(permission::ASSET_MANAGE) {
            Ok(RiskEditor {
                issued: Issued::to(self),
            })
        } else {
            Err(AppError::Forbidden("リスク台帳の編集".to_owned()))
        }
    }

    /// Reading the risk register: all of it with `risk.read` or `asset.manage` (who keeps it),
    /// else the risks of the assets of the person's own unit. An account without a person
    /// reads none.
    pub fn risk_reader(&self) -> Result<RiskReader, AppError> {
        if self.permissions.contains(permission::RISK_READ)
            || self.permissions.contains(permission::ASSET_MANAGE)
        {
            return Ok(RiskReader {
                issued: Issued::to(self),
                all_units: true,
                person: self.account.person_id,
            });
        }
        match self.account.person_id {
            Some(person) => Ok(RiskReader {
                issued: Issued::to(self),
                all_units: false,
                person: Some(person),
            }),
            None => Err(AppError::Forbidden("リスク台帳の閲覧".to_owned())),
        }
    }

    pub fn audit_reader(&self) -> Result<AuditReader, AppError> {
        if self.has(permission::AUDIT_READ) {
            Ok(AuditReader {
                issued: Issued::to(self),
            })
        } else {
            Err(AppError::Forbidden("監査証跡の閲覧".to_owned()))
        }
    }
}

/// For whom a permission was issued: the account and its body. A use case takes the body from
/// the permission ([`Issued::body`]), so a permission made for one user cannot act for another
/// or in another body.
#[derive(Debug, Clone, Copy)]
struct Issued {
    account: Option<AccountId>,
    body: Option<BodyId>,
}

impl Issued {
    fn to(user: &CurrentUser) -> Self {
        Self {
            account: Some(user.account.id),
            body: user.body.as_ref().map(|b| b.id),
        }
    }

    /// The system's own writes (the demo loader): no account of its own.
    fn system() -> Self {
        Self {
            account: None,
            body: None,
        }
    }

    fn held_by(&self, user: &CurrentUser) -> Result<(), AppError> {
        let same_account = self.account.is_none_or(|a| a == user.account.id);
        let same_body = self
            .body
            .is_none_or(|b| user.body.as_ref().map(|x| x.id) == Some(b));
        if same_account && same_body {
            Ok(())
        } else {
            Err(AppError::Forbidden(
                "別の利用者または団体に与えられた権限での操作".to_owned(),
            ))
        }
    }

    fn body<'u>(&self, user: &'u CurrentUser) -> Result<&'u Body, AppError> {
        self.held_by(user)?;
        user.body()
    }
}

/// The permission types' one accessor: the body the permission was issued in, for the user who
/// holds it.
macro_rules! issued_body {
    ($($t:ident),*) => {$(
        impl $t {
            /// The body this permission acts in, if `user` is the one it was issued to.
            pub fn body<'u>(&self, user: &'u CurrentUser) -> Result<&'u Body, AppError> {
                self.issued.body(user)
            }

            /// Whether `user` is the one this permission was issued to (for uses without a
            /// body, such as an installation administrator reading the trail).
            pub fn held_by(&self, user: &CurrentUser) -> Result<(), AppError> {
                self.issued.held_by(user)
            }
        }
    )*};
}
issued_body!(
    AuditReader,
    PolicyEditor,
    OrgEditor,
    AssetWriter,
    RiskReader,
    RiskEditor
);

/// Permission to read the audit trail. Only `CurrentUser::audit_reader` makes one.
#[derive(Debug)]
pub struct AuditReader {
    issued: Issued,
}

/// Permission to edit the body's policy editions. Only `CurrentUser::policy_editor` makes one.
#[derive(Debug)]
pub struct PolicyEditor {
    issued: Issued,
}

/// Permission to maintain the organization. Only `CurrentUser::org_editor` makes one.
#[derive(Debug)]
pub struct OrgEditor {
    issued: Issued,
}

/// Permission to register and edit assets: of every unit, or of the person's own unit only.
/// Only `CurrentUser::asset_writer` makes one.
#[derive(Debug)]
pub struct AssetWriter {
    issued: Issued,
    all_units: bool,
    person: Option<mamori_domain::ids::PersonId>,
}

impl AssetWriter {
    /// The system's own writes (the demo loader, imports by the installation operator): every
    /// unit, no person.
    pub(crate) fn system() -> Self {
        Self {
            issued: Issued::system(),
            all_units: true,
            person: None,
        }
    }

    /// Whether the writer keeps the register of every unit.
    pub fn all_units(&self) -> bool {
        self.all_units
    }

    /// The person acting, whose unit bounds a writer without `asset.manage`.
    pub fn person(&self) -> Option<mamori_domain::ids::PersonId> {
        self.person
    }
}

/// Permission to read the risk register: all of it, or the risks of the person's own unit.
/// Only `CurrentUser::risk_reader` makes one.
#[derive(Debug)]
pub struct RiskReader {
    issued: Issued,
    all_units: bool,
    person: Option<mamori_domain::ids::PersonId>,
}

impl RiskReader {
    /// Whether the reader sees the risks of every unit.
    pub fn all_units(&self) -> bool {
        self.all_units
    }

    /// The person whose unit bounds a reader without `risk.read`.
    pub fn person(&self) -> Option<mamori_domain::ids::PersonId> {
        self.person
    }
}

/// Permission to edit the risk register. Only `CurrentUser::risk_editor` makes one.
#[derive(Debug)]
pub struct RiskEditor {
    issued: Issued,
}
