//! The body's rules derived once per profile text: the ruling profile (parsed), its
//! classification scheme (read from TOML and validated) and its 権限・責任等一覧表 (the
//! guideline's rows with the profile's overrides).
//!
//! Every request used to derive these again, several times. Now the ruling edition's profile
//! text is read (one indexed row, through the caller's connection or transaction, so a change not
//! yet committed is seen) and compared with the text the cached values were derived from; only a
//! different text derives them again. A cache entry can therefore never be stale, whichever
//! database or transaction asks. The caches are bounded.

use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex};

use mamori_domain::DomainError;
use mamori_domain::authority::{AuthorityMatrix, MatrixMark, RoleMarkEntry};
use mamori_domain::classification::ClassificationScheme;
use mamori_domain::ids::BodyId;
use mamori_domain::policy::Profile;
use mamori_store::{AnyConnection, policy};

use crate::AppError;
use crate::policy::guideline;

/// What the ruling profile makes of the body's rules.
#[derive(Debug)]
pub(crate) struct Ruling {
    pub profile: Option<Profile>,
    /// The profile's scheme (the guideline's without a profile); an error when its TOML does not
    /// read, which only the callers that need the scheme report.
    scheme: Result<ClassificationScheme, DomainError>,
}

impl Ruling {
    fn derive(json: Option<&str>) -> Result<Self, AppError> {
        let profile = json.map(policy::parse_profile).transpose()?;
        let scheme = match &profile {
            Some(p) => ClassificationScheme::from_toml(&p.classification_scheme),
            None => ClassificationScheme::guideline(),
        };
        Ok(Self { profile, scheme })
    }

    pub fn scheme(&self) -> Result<&ClassificationScheme, AppError> {
        self.scheme
            .as_ref()
            .map_err(|e| AppError::Invalid(e.clone()))
    }
}

/// At most this many bodies' rulings (and override sets' matrices) are kept; past it, the cache
/// starts again empty.
const CACHED: usize = 256;

type Entry = (Option<String>, Arc<Ruling>);

static RULINGS: LazyLock<Mutex<HashMap<BodyId, Entry>>> = LazyLock::new(Default::default);
static MATRICES: LazyLock<Mutex<HashMap<String, Arc<AuthorityMatrix>>>> =
    LazyLock::new(Default::default);

/// The body's ruling, derived again only when the ruling profile's text changed.
pub(crate) async fn ruling(
    conn: &mut AnyConnection,
    body: BodyId,
) -> Result<Arc<Ruling>, AppError> {
    let json = policy::ruling_profile_json(conn, body).await?;
    if let Some((text, ruling)) = lock(&RULINGS).get(&body)
        && *text == json
    {
        return Ok(ruling.clone());
    }
    let ruling = Arc::new(Ruling::derive(json.as_deref())?);
    let mut cache = lock(&RULINGS);
    if cache.len() >= CACHED {
        cache.clear();
    }
    cache.insert(body, (json, ruling.clone()));
    Ok(ruling)
}

/// The guideline's 権限・責任等一覧表 with the profile's overrides, built once per set of
/// overrides.
pub(crate) fn matrix(profile: Option<&Profile>) -> Result<Arc<AuthorityMatrix>, AppError> {
    let key = match profile {
        Some(p) => serde_json::to_string(&p.authority_overrides)
            .map_err(|e| AppError::Internal(format!("authority overrides: {e}")))?,
        None => String::new(),
    };
    if let Some(m) = lock(&MATRICES).get(&key) {
        return Ok(m.clone());
    }
    let built = Arc::new(build_matrix(profile)?);
    let mut cache = lock(&MATRICES);
    if cache.len() >= CACHED {
        cache.clear();
    }
    cache.insert(key, built.clone());
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

/// A poisoned lock only means another request panicked while holding it; the map is still
/// whole (every insert is one call), so it is used as it is.
fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}
