//! The body's rules, derived once and passed down: the ruling profile (parsed), its
//! classification scheme, the role names, the 権限・責任等一覧表 (the guideline's rows with
//! the profile's overrides), the 申請の種類, and the organization of a date as the resolver
//! needs it.
//!
//! A use case asks for them once, at its start ([`ruling`], or [`ruling_and_org`] when it needs
//! the organization too), and passes the [`Ruling`] to what it calls. What is derived is kept per
//! body and stamped with the database's rule stamp (migration 0015), which every write to the
//! policy editions or the organization changes in the writing transaction. A request reads the
//! stamp (one row) and derives again only when it differs, so a kept value is never stale,
//! whichever database, process or transaction asks; a transaction that changed the organization
//! sees its own stamp and its own state. The caches are bounded.

use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex};

use chrono::NaiveDate;
use mamori_catalog::model::ArtifactKind;
use mamori_domain::DomainError;
use mamori_domain::approval::{self, ApplicationKind, ApprovalClause};
use mamori_domain::authority::{
    ActiveAssignment, AuthorityMatrix, MatrixMark, OrgSnapshot, RoleMarkEntry, UnitNode,
};
use mamori_domain::classification::ClassificationScheme;
use mamori_domain::ids::{BodyId, OrgUnitId, PersonId};
use mamori_domain::incident::IncidentRules;
use mamori_domain::org::{Body, HeldRole, OrgUnit, PersonStatus, RoleDefinition};
use mamori_domain::policy::Profile;
use mamori_store::{Reads, org, policy};

use crate::AppError;
use crate::catalog::guideline;

/// The body's effective policy, derived once per rule stamp.
#[derive(Debug)]
pub(crate) struct Ruling {
    /// The profile of the edition in force (else of the newest draft); none before the first.
    pub profile: Option<Profile>,
    /// The profile's scheme (the guideline's without a profile); an error when its TOML does not
    /// read, which only the callers that need the scheme report.
    scheme: Result<Arc<ClassificationScheme>, DomainError>,
    /// The body's role set with the profile's names.
    pub roles: Vec<RoleDefinition>,
    /// The 権限・責任等一覧表 with the profile's overrides.
    pub matrix: Arc<AuthorityMatrix>,
    /// The 申請の種類, or why they do not read.
    kinds: Result<Vec<ApplicationKind>, AppError>,
    /// The rules for incidents (the guideline's when the profile sets none), or why they do not
    /// read.
    incidents: Result<Arc<IncidentRules>, DomainError>,
    /// The organization of the dates asked for so far.
    org: Kept<NaiveDate, Arc<OrgView>>,
}

/// The organization on one date: the resolver's snapshot and who is in it.
#[derive(Debug)]
pub(crate) struct OrgView {
    pub snapshot: OrgSnapshot,
    /// Everyone on the date: name, unit, status.
    pub people: HashMap<PersonId, (String, OrgUnitId, PersonStatus)>,
}

impl std::ops::Deref for OrgView {
    type Target = OrgSnapshot;
    fn deref(&self) -> &OrgSnapshot {
        &self.snapshot
    }
}

impl Ruling {
    async fn derive(conn: &mut impl Reads, body: BodyId) -> Result<Self, AppError> {
        let json = policy::ruling_profile_json(conn, body).await?;
        let profile = json.as_deref().map(policy::parse_profile).transpose()?;
        let scheme = match &profile {
            Some(p) => ClassificationScheme::from_toml(&p.classification_scheme),
            None => ClassificationScheme::guideline(),
        }
        .map(Arc::new);
        let defs = org::list_role_definitions(conn, body).await?;
        let roles = role_names(&defs, profile.as_ref());
        let matrix = matrix(profile.as_ref())?;
        let kinds = kinds_of(profile.as_ref(), &matrix);
        let incidents = incident_rules(profile.as_ref(), &roles);
        Ok(Self {
            profile,
            scheme,
            roles,
            matrix,
            kinds,
            incidents,
            org: Kept::new(CACHED_DATES),
        })
    }

    /// The scheme, shared (for values that keep it).
    pub fn shared_scheme(&self) -> Result<Arc<ClassificationScheme>, AppError> {
        self.scheme
            .clone()
            .map_err(|e| AppError::Invalid(e.clone()))
    }

    /// The body's rules for incidents.
    pub fn incident_rules(&self) -> Result<Arc<IncidentRules>, AppError> {
        self.incidents
            .clone()
            .map_err(|e| AppError::Invalid(e.clone()))
    }

    /// The body's 申請の種類.
    pub fn kinds(&self) -> Result<&[ApplicationKind], AppError> {
        match &self.kinds {
            Ok(k) => Ok(k),
            Err(AppError::Invalid(e)) => Err(AppError::Invalid(e.clone())),
            Err(e) => Err(AppError::Internal(e.to_string())),
        }
    }
}

/// At most this many bodies' rulings (and override sets' matrices, and dates of one ruling's
/// organization) are kept; past it, the cache starts again empty.
const CACHED: usize = 256;
const CACHED_DATES: usize = 8;

/// Derived values kept by key, with the rule stamp they were derived under where they depend on
/// the database. Past `most` entries the map starts again empty: everything in it can be derived
/// again.
#[derive(Debug)]
struct Kept<K, V> {
    map: Mutex<HashMap<K, V>>,
    most: usize,
}

impl<K: std::hash::Hash + Eq, V: Clone> Kept<K, V> {
    fn new(most: usize) -> Self {
        Self {
            map: Mutex::new(HashMap::new()),
            most,
        }
    }

    fn get(&self, key: &K) -> Option<V> {
        self.lock().get(key).cloned()
    }

    fn put(&self, key: K, value: V) {
        let mut map = self.lock();
        if map.len() >= self.most {
            map.clear();
        }
        map.insert(key, value);
    }

    /// A poisoned lock only means another request panicked while holding it; the map is still
    /// whole (every insert is one call), so it is used as it is.
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<K, V>> {
        self.map
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

impl<K: std::hash::Hash + Eq, T> Kept<K, (String, Arc<T>)> {
    /// The value kept for `key` if it was derived under `stamp`.
    fn at(&self, key: &K, stamp: &str) -> Option<Arc<T>> {
        self.get(key)
            .filter(|(kept, _)| kept == stamp)
            .map(|(_, v)| v)
    }
}

static RULINGS: LazyLock<Kept<BodyId, (String, Arc<Ruling>)>> = LazyLock::new(|| Kept::new(CACHED));
static MATRICES: LazyLock<Kept<String, Arc<AuthorityMatrix>>> = LazyLock::new(|| Kept::new(CACHED));

/// The body's ruling, derived again only when the rule stamp changed.
pub(crate) async fn ruling(conn: &mut impl Reads, body: BodyId) -> Result<Arc<Ruling>, AppError> {
    let stamp = policy::rule_stamp(conn).await?;
    ruling_at(conn, body, stamp).await
}

async fn ruling_at(
    conn: &mut impl Reads,
    body: BodyId,
    stamp: String,
) -> Result<Arc<Ruling>, AppError> {
    if let Some(ruling) = RULINGS.at(&body, &stamp) {
        return Ok(ruling);
    }
    let ruling = Arc::new(Ruling::derive(conn, body).await?);
    RULINGS.put(body, (stamp, ruling.clone()));
    Ok(ruling)
}

/// The body's ruling and its organization on `on`, both from one reading of the stamp.
pub(crate) async fn ruling_and_org(
    conn: &mut impl Reads,
    body: BodyId,
    on: NaiveDate,
) -> Result<(Arc<Ruling>, Arc<OrgView>), AppError> {
    let stamp = policy::rule_stamp(conn).await?;
    ruling_and_org_at(conn, body, on, stamp).await
}

/// The body's ruling and its organization on `on` under a rule stamp the caller read with its
/// own data.
pub(crate) async fn ruling_and_org_at(
    conn: &mut impl Reads,
    body: BodyId,
    on: NaiveDate,
    stamp: String,
) -> Result<(Arc<Ruling>, Arc<OrgView>), AppError> {
    let ruling = ruling_at(conn, body, stamp).await?;
    if let Some(view) = ruling.org.get(&on) {
        return Ok((ruling, view));
    }
    let view = Arc::new(load_org(conn, body, on, ruling.roles.clone()).await?);
    ruling.org.put(on, view.clone());
    Ok((ruling, view))
}

/// The organization on `on` as stored, with `roles` as the body names them.
async fn load_org(
    conn: &mut impl Reads,
    body: BodyId,
    on: NaiveDate,
    roles: Vec<RoleDefinition>,
) -> Result<OrgView, AppError> {
    let units = org::units_on(conn, body, on).await?;
    let people: HashMap<PersonId, (String, OrgUnitId, PersonStatus)> =
        org::people_on(conn, body, on)
            .await?
            .into_iter()
            .map(|(id, name, unit, _, status)| (id, (name, unit, status)))
            .collect();
    let assignments = org::assignments(conn, body, Some(on))
        .await?
        .into_iter()
        .map(|a| {
            let person = people.get(&a.person_id);
            ActiveAssignment {
                role: a.role_key,
                person: a.person_id,
                person_name: person.map(|p| p.0.clone()).unwrap_or_default(),
                person_unit: person.map(|p| p.1),
                unit: a.unit_id,
                system: a.system_name,
                is_deputy: a.is_deputy,
                in_service: person.is_some_and(|p| p.2.can_act()),
            }
        })
        .collect();
    Ok(OrgView {
        snapshot: OrgSnapshot {
            roles,
            assignments,
            ..tree_of(&units, on)
        },
        people,
    })
}

/// Who an account is in its body on a date, as sign-in needs it for every request: the body, the
/// person's name, unit and title, and the roles they hold. All of it is read from stamped
/// tables, so it is kept per rule stamp like the ruling.
#[derive(Debug)]
pub(crate) struct Standing {
    pub body: Option<Body>,
    /// Name, unit name, title.
    pub person: Option<(String, String, String)>,
    pub roles: Vec<HeldRole>,
}

type StandingKey = (Option<BodyId>, Option<PersonId>, NaiveDate);

static STANDINGS: LazyLock<Kept<StandingKey, (String, Arc<Standing>)>> =
    LazyLock::new(|| Kept::new(CACHED_STANDINGS));

/// At most this many accounts' standings are kept; past it, the cache starts again empty.
const CACHED_STANDINGS: usize = 4096;

/// The standing of an account with `body` and `person` on `on`, read again only when the rule
/// stamp changed.
pub(crate) async fn standing(
    conn: &mut impl Reads,
    body: Option<BodyId>,
    person: Option<PersonId>,
    on: NaiveDate,
) -> Result<Arc<Standing>, AppError> {
    let stamp = policy::rule_stamp(conn).await?;
    let key = (body, person, on);
    if let Some(standing) = STANDINGS.at(&key, &stamp) {
        return Ok(standing);
    }
    let body = match body {
        Some(id) => Some(org::get_body(conn, id).await?),
        None => None,
    };
    let (person, roles) = match person {
        Some(p) => (
            org::person_summary(conn, p).await?,
            org::roles_held(conn, p, on).await?,
        ),
        None => (None, Vec::new()),
    };
    let standing = Arc::new(Standing {
        body,
        person,
        roles,
    });
    STANDINGS.put(key, (stamp, standing.clone()));
    Ok(standing)
}

/// The guideline's 権限・責任等一覧表 with the profile's overrides, built once per set of
/// overrides.
pub(crate) fn matrix(profile: Option<&Profile>) -> Result<Arc<AuthorityMatrix>, AppError> {
    let key = match profile {
        Some(p) => serde_json::to_string(&p.authority_overrides)
            .map_err(|e| AppError::Internal(format!("authority overrides: {e}")))?,
        None => String::new(),
    };
    if let Some(m) = MATRICES.get(&key) {
        return Ok(m);
    }
    let built = Arc::new(build_matrix(profile)?);
    MATRICES.put(key, built.clone());
    Ok(built)
}

fn build_matrix(profile: Option<&Profile>) -> Result<AuthorityMatrix, AppError> {
    let catalog = guideline()?;
    let mut matrix = AuthorityMatrix::new();
    for clause in &catalog.clauses {
        let marks = clause
            .roles
            .iter()
            .map(|m| RoleMarkEntry {
                role: m.role.key().to_owned(),
                mark: match m.mark {
                    mamori_catalog::model::Mark::Holds => MatrixMark::Holds,
                    mamori_catalog::model::Mark::Mentioned => MatrixMark::Mentioned,
                    mamori_catalog::model::Mark::Permits => MatrixMark::Permits,
                    mamori_catalog::model::Mark::Approves => MatrixMark::Approves,
                },
            })
            .collect();
        matrix.set_row(clause.id.to_string(), marks);
    }
    if let Some(profile) = profile {
        for (clause, row) in &profile.authority_overrides {
            matrix.set_row(clause.clone(), row.clone());
        }
    }
    Ok(matrix)
}

/// The units of a date as the resolver's tree, without roles or assignments.
pub(crate) fn tree_of(units: &[OrgUnit], date: NaiveDate) -> OrgSnapshot {
    OrgSnapshot {
        date,
        units: units
            .iter()
            .map(|u| {
                (
                    u.id,
                    UnitNode {
                        id: u.id,
                        parent: u.parent_id,
                        name: u.name.clone(),
                    },
                )
            })
            .collect(),
        roles: Vec::new(),
        assignments: Vec::new(),
    }
}

pub(crate) fn role_names(
    defs: &[RoleDefinition],
    profile: Option<&Profile>,
) -> Vec<RoleDefinition> {
    // The profile's names win: a body that calls the 情報セキュリティ管理者 「所属長」 sees that.
    defs.iter()
        .map(|d| {
            let mut d = d.clone();
            if let Some(name) = profile
                .and_then(|p| p.roles.iter().find(|r| r.key == d.key))
                .map(|r| r.name.clone())
            {
                d.name = name;
            }
            d
        })
        .collect()
}

/// The profile's rules for incidents, or the guideline's (parsed once per process) when it sets
/// none; every role they name must be one of the body's.
fn incident_rules(
    profile: Option<&Profile>,
    roles: &[RoleDefinition],
) -> Result<Arc<IncidentRules>, DomainError> {
    static GUIDELINE: LazyLock<Result<Arc<IncidentRules>, DomainError>> =
        LazyLock::new(|| IncidentRules::guideline().map(Arc::new));
    let own = profile
        .map(|p| p.incident_rules.trim())
        .filter(|t| !t.is_empty());
    let rules = match own {
        Some(text) => Arc::new(IncidentRules::parse(text, &|_| true)?),
        None => GUIDELINE.clone()?,
    };
    rules.check_roles(&|key| roles.iter().any(|r| r.key == key))?;
    Ok(rules)
}

/// The body's kinds: one per APPROVAL clause of the catalog that has a deciding role in the
/// body's matrix.
pub(crate) fn kinds_of(
    profile: Option<&Profile>,
    matrix: &AuthorityMatrix,
) -> Result<Vec<ApplicationKind>, AppError> {
    let catalog = guideline()?;
    let clauses: Vec<ApprovalClause> = catalog
        .clauses
        .iter()
        .filter(|c| c.artifacts.iter().any(|a| a.kind == ArtifactKind::Approval))
        .map(|c| {
            let id = c.id.to_string();
            ApprovalClause {
                deciding_roles: matrix
                    .row(&id)
                    .iter()
                    .filter(|m| m.mark.decides())
                    .map(|m| m.role.clone())
                    .collect(),
                id,
                title: c.title.clone(),
            }
        })
        .collect();
    let first = |errors: Vec<mamori_domain::DomainError>| {
        errors.into_iter().next().map_or_else(
            || AppError::Internal("application kinds".to_owned()),
            AppError::Invalid,
        )
    };
    let mut kinds = approval::default_kinds(&clauses).map_err(first)?;
    let own = profile.map_or("", |p| p.approval_kinds.as_str());
    if !own.trim().is_empty() {
        let label = mamori_domain::policy::field::APPROVAL_KINDS;
        let own = ApplicationKind::from_toml(own).map_err(|errors| {
            first(
                errors
                    .into_iter()
                    .map(|e| mamori_domain::DomainError::new(label, e.to_string()))
                    .collect(),
            )
        })?;
        for k in &own {
            if catalog.clause(&k.clause).is_none() {
                return Err(AppError::Invalid(mamori_domain::DomainError::new(
                    label,
                    format!(
                        "申請の種類「{}」の条項「{}」はガイドラインにありません",
                        k.name, k.clause
                    ),
                )));
            }
        }
        kinds = approval::merge_kinds(kinds, &own);
        approval::validate_kinds(&kinds).map_err(|errors| {
            first(
                errors
                    .into_iter()
                    .map(|e| mamori_domain::DomainError::new(label, e.to_string()))
                    .collect(),
            )
        })?;
    }
    // The 事後報告 deadline of an emergency is the body's parameter.
    let days = crate::parameters::parameter_number(profile, "emergency_report_days")?;
    for k in &mut kinds {
        if let Some(rule) = &mut k.emergency {
            rule.report_within_days = days;
        }
    }
    Ok(kinds)
}
