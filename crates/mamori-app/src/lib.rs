//! Use cases of mamori, one module per capability.
//!
//! A use case takes the acting user (or the system), checks the actor's authority by obtaining a
//! permission value, opens one write transaction, changes state, appends the audit record in the
//! same transaction, and commits. Nothing here knows HTTP, HTML or SQL.

pub mod access;
pub mod accounts;
pub mod approvals;
pub mod asset_import;
pub mod assets;
pub mod attachments;
pub mod audit_trail;
pub mod auth;
pub mod backup;
pub mod catalog;
pub mod clock;
pub mod committee;
pub mod demo;
pub mod demo_scale;
pub mod emergency;
pub mod error;
pub mod gap;
pub mod incidents;
pub mod jobs;
pub mod notify;
pub mod org_import;
pub mod organization;
pub mod own_policy;
mod parameters;
pub mod policy;
mod posts;
pub mod reads;
pub mod risks;
pub mod roles;
mod ruling;
pub mod settings;
pub mod setup;
pub mod transfers;

use std::sync::Arc;

use mamori_store::Store;

pub use access::CurrentUser;
pub use clock::{Clock, ManualClock, SystemClock};
pub use error::AppError;
pub use settings::AppSettings;

/// What every use case needs: the store, the clock and the settings. Cheap to clone.
#[derive(Clone)]
pub struct App {
    store: Store,
    clock: Arc<dyn Clock>,
    settings: Arc<AppSettings>,
    jobs: jobs::Jobs,
    analyses: gap::Analyses,
    setup: setup::SetupGate,
    backups: backup::runs::BackupGate,
}

impl std::fmt::Debug for App {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("App")
            .field("store", &self.store)
            .finish_non_exhaustive()
    }
}

impl App {
    pub fn new(store: Store, clock: Arc<dyn Clock>, settings: AppSettings) -> Self {
        Self {
            store,
            clock,
            settings: Arc::new(settings),
            jobs: jobs::Jobs::default(),
            analyses: gap::Analyses::default(),
            setup: setup::SetupGate::default(),
            backups: backup::runs::BackupGate::default(),
        }
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Long-running work and its progress.
    pub fn jobs(&self) -> &jobs::Jobs {
        &self.jobs
    }

    fn setup_gate(&self) -> &setup::SetupGate {
        &self.setup
    }

    pub fn settings(&self) -> &AppSettings {
        &self.settings
    }

    pub fn now(&self) -> chrono::DateTime<chrono::Utc> {
        self.clock.now()
    }

    /// Today's date in Japan, where every body using mamori keeps its dates.
    pub fn today(&self) -> chrono::NaiveDate {
        clock::japan_date(self.clock.now())
    }

    /// Whether the database answers, for `/api/v1/health`.
    pub async fn health(&self) -> Result<(), AppError> {
        self.store.ping().await?;
        Ok(())
    }
}

/// Request metadata carried into audit records.
#[derive(Debug, Clone, Default)]
pub struct RequestMeta {
    pub request_id: Option<String>,
}
