//! Which database to use, decided once from a URL.
//!
//! A typo must never silently create an empty database somewhere: a URL needs a known scheme, and
//! a bare path is accepted only when the file already exists.

use std::fmt;
use std::path::{Path, PathBuf};

#[derive(Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    /// An SQLite file, created on first use together with its folder.
    Sqlite(PathBuf),
    /// A PostgreSQL server, as a `postgres://` URL.
    Postgres(String),
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DatabaseUrlError {
    #[error(
        "データベースURLが空です。例: sqlite://./mamori-data/mamori.db または postgres://user@host/db"
    )]
    Empty,
    #[error(
        "データベースURL「{0}」の方式は使えません。sqlite:// または postgres:// で始めてください"
    )]
    UnknownScheme(String),
    #[error(
        "データベースファイル「{0}」が見つかりません。新しく作るときは sqlite://{0} と指定してください"
    )]
    MissingFile(String),
    #[error("データベースURL「{0}」にファイルのパスがありません")]
    EmptyPath(String),
}

impl DatabaseUrl {
    pub fn parse(raw: &str) -> Result<Self, DatabaseUrlError> {
        let raw = raw.trim();
        if raw.is_empty() {
            return Err(DatabaseUrlError::Empty);
        }
        if let Some(rest) = raw
            .strip_prefix("sqlite://")
            .or_else(|| raw.strip_prefix("sqlite:"))
        {
            let path = rest.split('?').next().unwrap_or_default();
            if path.is_empty() {
                return Err(DatabaseUrlError::EmptyPath(raw.to_owned()));
            }
            return Ok(Self::Sqlite(PathBuf::from(path)));
        }
        if raw.starts_with("postgres://") || raw.starts_with("postgresql://") {
            return Ok(Self::Postgres(raw.to_owned()));
        }
        if let Some((scheme, _)) = raw.split_once("://") {
            return Err(DatabaseUrlError::UnknownScheme(format!("{scheme}://")));
        }
        // A bare path: accepted only for a file that exists, so that a mistyped name is an error
        // and not a new, empty database.
        if Path::new(raw).is_file() {
            return Ok(Self::Sqlite(PathBuf::from(raw)));
        }
        Err(DatabaseUrlError::MissingFile(raw.to_owned()))
    }

    pub(crate) fn connect_string(&self) -> String {
        match self {
            Self::Sqlite(path) => format!("sqlite://{}?mode=rwc", path.display()),
            Self::Postgres(url) => url.clone(),
        }
    }
}

/// Shows the URL with any password replaced, for logs and `config check`.
impl fmt::Display for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Sqlite(path) => write!(f, "sqlite://{}", path.display()),
            Self::Postgres(url) => f.write_str(&redact_password(url)),
        }
    }
}

impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DatabaseUrl({self})")
    }
}

fn redact_password(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let Some((userinfo, host)) = rest.split_once('@') else {
        return url.to_owned();
    };
    match userinfo.split_once(':') {
        Some((user, _)) => format!("{scheme}://{user}:***@{host}"),
        None => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn schemes_pick_the_backend() {
        assert_eq!(
            DatabaseUrl::parse("sqlite://./mamori-data/mamori.db").unwrap(),
            DatabaseUrl::Sqlite(PathBuf::from("./mamori-data/mamori.db"))
        );
        assert!(matches!(
            DatabaseUrl::parse("postgres://u@localhost/db").unwrap(),
            DatabaseUrl::Postgres(_)
        ));
        assert!(matches!(
            DatabaseUrl::parse("postgresql://u@localhost/db").unwrap(),
            DatabaseUrl::Postgres(_)
        ));
    }

    #[test]
    fn unknown_schemes_and_missing_bare_files_are_errors() {
        assert_eq!(
            DatabaseUrl::parse("mysql://root@localhost/x").unwrap_err(),
            DatabaseUrlError::UnknownScheme("mysql://".into())
        );
        let err = DatabaseUrl::parse("./no/such/file.db").unwrap_err();
        assert!(err.to_string().contains("見つかりません"));
        assert_eq!(
            DatabaseUrl::parse(" ").unwrap_err(),
            DatabaseUrlError::Empty
        );
    }

    #[test]
    fn an_existing_bare_file_is_sqlite() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("x.db");
        std::fs::write(&file, b"").unwrap();
        assert_eq!(
            DatabaseUrl::parse(file.to_str().unwrap()).unwrap(),
            DatabaseUrl::Sqlite(file)
        );
    }

    #[test]
    fn passwords_are_never_displayed() {
        let url = DatabaseUrl::parse("postgres://mamori:s3cret@db.example/mamori").unwrap();
        assert_eq!(url.to_string(), "postgres://mamori:***@db.example/mamori");
        assert!(!format!("{url:?}").contains("s3cret"));
    }
}
