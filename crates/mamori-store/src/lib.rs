//! Persistence of mamori on SQLite or PostgreSQL.
//!
//! One query path: the application SQL is written once, in the portable subset with `$N`
//! placeholders, and runs through sqlx's `Any` driver on either backend. Ids, times and JSON are
//! text and flags are integers, so both databases return the same values. The backends differ
//! only in their migration folders and in the settings applied when a connection opens; the same
//! test suite runs against both.
//!
//! Modules are per aggregate. Each function takes a connection (`&mut AnyConnection`), so the
//! same function serves inside a write transaction and on a plain pooled connection for reads.

mod db;
mod error;
mod url;

pub mod accounts;
pub mod approvals;
pub mod assets;
pub mod audit;
pub mod backup;
pub mod backup_runs;
pub mod committee;
pub mod incidents;
pub mod notifications;
pub mod org;
pub mod policy;
pub mod sessions;
pub mod testing;
pub mod transfers;

pub use db::{Backend, Conn, Reads, Store, WriteTx};
pub use error::StoreError;
pub use url::DatabaseUrl;

pub(crate) mod time {
    use chrono::{DateTime, Utc};

    use crate::StoreError;

    pub fn text(at: DateTime<Utc>) -> String {
        mamori_domain::audit::chain_time(at)
    }

    pub fn parse(column: &str, value: &str) -> Result<DateTime<Utc>, StoreError> {
        DateTime::parse_from_rfc3339(value)
            .map(|t| t.with_timezone(&Utc))
            .map_err(|e| StoreError::Corrupt(format!("{column}: {value}: {e}")))
    }
}
