//! Fresh, empty databases for tests: an SQLite file in the temp folder by default, or a new
//! PostgreSQL database when `MAMORI_TEST_POSTGRES_URL` names a server (CI sets it), so the same
//! tests run on both backends.

use std::path::PathBuf;

use sqlx::{AnyConnection, Connection, Executor};

use crate::{DatabaseUrl, StoreError};

pub const POSTGRES_ENV: &str = "MAMORI_TEST_POSTGRES_URL";

/// A database that exists for one test. The SQLite file is removed when this is dropped; a
/// PostgreSQL test database is left for inspection (CI machines are thrown away).
#[derive(Debug)]
pub struct TestDatabase {
    pub url: DatabaseUrl,
    file: Option<PathBuf>,
}

impl TestDatabase {
    /// On the server `MAMORI_TEST_POSTGRES_URL` names, else an SQLite file.
    pub async fn new() -> Result<Self, StoreError> {
        match Self::postgres().await? {
            Some(db) => Ok(db),
            None => Ok(Self::sqlite()),
        }
    }

    /// An SQLite file in the temp folder, whatever the environment says.
    pub fn sqlite() -> Self {
        let file = std::env::temp_dir().join(format!("{}.db", fresh_name()));
        Self {
            url: DatabaseUrl::Sqlite(file.clone()),
            file: Some(file),
        }
    }

    /// A new database on the server `MAMORI_TEST_POSTGRES_URL` names, or `None` without one.
    pub async fn postgres() -> Result<Option<Self>, StoreError> {
        sqlx::any::install_default_drivers();
        let Some(server) = std::env::var(POSTGRES_ENV).ok().filter(|v| !v.is_empty()) else {
            return Ok(None);
        };
        let name = fresh_name();
        let mut admin = AnyConnection::connect(&server).await?;
        admin
            .execute(format!("CREATE DATABASE {name}").as_str())
            .await?;
        admin.close().await?;
        Ok(Some(Self {
            url: DatabaseUrl::Postgres(with_database(&server, &name)),
            file: None,
        }))
    }

    /// The URL as a string, for settings and command lines.
    pub fn url_string(&self) -> String {
        match &self.url {
            DatabaseUrl::Sqlite(path) => format!("sqlite://{}", path.display()),
            DatabaseUrl::Postgres(url) => url.clone(),
        }
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        if let Some(file) = &self.file {
            for suffix in ["", "-wal", "-shm"] {
                let mut path = file.clone().into_os_string();
                path.push(suffix);
                let _ = std::fs::remove_file(path);
            }
        }
    }
}

fn fresh_name() -> String {
    format!("mamori_test_{}", uuid::Uuid::new_v4().simple())
}

/// Replaces the database name in a PostgreSQL URL, keeping any query string.
fn with_database(server: &str, name: &str) -> String {
    let (base, query) = match server.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (server, None),
    };
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let host_part = match base[scheme_end..].find('/') {
        Some(i) => &base[..scheme_end + i],
        None => base,
    };
    match query {
        Some(q) => format!("{host_part}/{name}?{q}"),
        None => format!("{host_part}/{name}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_database_name_is_replaced() {
        assert_eq!(
            with_database("postgres://postgres@127.0.0.1:5432/postgres", "t1"),
            "postgres://postgres@127.0.0.1:5432/t1"
        );
        assert_eq!(
            with_database("postgres://u:p@h/db?sslmode=disable", "t2"),
            "postgres://u:p@h/t2?sslmode=disable"
        );
        assert_eq!(with_database("postgres://h", "t3"), "postgres://h/t3");
    }
}
