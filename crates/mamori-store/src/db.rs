//! Opening the database, applying migrations, and the two kinds of transaction.

use std::sync::Arc;
use std::time::Duration;

use sqlx::any::{AnyPoolOptions, install_default_drivers};
use sqlx::migrate::Migrator;
use sqlx::pool::PoolConnection;
use sqlx::{Any, AnyPool, Executor};

use crate::{DatabaseUrl, StoreError};

static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("./migrations/postgres");

/// SQLite is set up in this one place: WAL so readers never wait for the writer, foreign keys
/// enforced, and a generous busy timeout so that a CLI command and the server can both write.
const SQLITE_PRAGMAS: &str = "PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON; \
     PRAGMA busy_timeout = 30000; PRAGMA synchronous = NORMAL;";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A pooled connection for reads (and for technical writes that are not audited, such as
/// touching a session's last-seen time). What it holds is the store's business.
pub struct Conn {
    conn: Option<PoolConnection<Any>>,
    /// Where it goes back when dropped (SQLite), instead of through the pool.
    kept: Option<Arc<Kept>>,
}

/// On SQLite, read connections the store hands out again itself. A connection given back to the
/// sqlx pool is pinged first, in a task of its own: one more hand-off to the connection's thread
/// on every request, and a file on this machine does not go away. A connection dropped in the
/// middle of a statement is still sound: its thread finishes the statement before the next one.
#[derive(Default)]
struct Kept(std::sync::Mutex<Vec<PoolConnection<Any>>>);

/// At most this many read connections are kept out of the pool (of eight), so writers always
/// find connections there.
const KEPT_READERS: usize = 4;

impl Kept {
    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<PoolConnection<Any>>> {
        // A panic while holding the lock cannot leave the list half-changed (one push or pop).
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

impl Drop for Conn {
    fn drop(&mut self) {
        let (Some(conn), Some(kept)) = (self.conn.take(), &self.kept) else {
            return;
        };
        let mut list = kept.lock();
        if list.len() < KEPT_READERS {
            list.push(conn);
        }
        // Otherwise the connection goes back to the pool as it drops here.
    }
}

impl Conn {
    #[allow(
        clippy::expect_used,
        reason = "only `drop` takes the connection out, and nothing runs after it"
    )]
    fn connection(&mut self) -> &mut sqlx::AnyConnection {
        self.conn
            .as_deref_mut()
            .expect("a Conn holds its connection until it is dropped")
    }
}

pub(crate) mod sealed {
    /// What a handle the store reads through gives the store. The module is private, so no one
    /// outside can name this trait, call its method or implement it.
    pub trait Sealed {
        fn connection(&mut self) -> &mut sqlx::AnyConnection;
    }
}

/// A handle the store reads through: a pooled [`Conn`], or a [`WriteTx`], which reads its own
/// writes. Writes that change state and their audit record take a [`WriteTx`] alone, so a write
/// through a plain connection does not compile:
///
/// ```compile_fail
/// # async fn f(store: &mamori_store::Store, body: &mamori_domain::org::Body) {
/// let mut conn = store.conn().await.unwrap();
/// mamori_store::org::insert_body(&mut conn, body).await.unwrap();
/// # }
/// ```
///
/// while the same write in a transaction does:
///
/// ```
/// # async fn f(store: &mamori_store::Store, body: &mamori_domain::org::Body) {
/// let mut tx = store.begin_write().await.unwrap();
/// mamori_store::org::insert_body(&mut tx, body).await.unwrap();
/// # }
/// ```
pub trait Reads: sealed::Sealed + Send {}

impl sealed::Sealed for Conn {
    fn connection(&mut self) -> &mut sqlx::AnyConnection {
        Conn::connection(self)
    }
}
impl Reads for Conn {}

#[cfg(feature = "testing")]
impl Conn {
    /// The connection itself, for tests that read or change tables directly as someone with the
    /// database file could. Only in a build with the `testing` feature (the tests').
    pub fn raw(&mut self) -> &mut sqlx::AnyConnection {
        self.connection()
    }
}

#[cfg(feature = "testing")]
impl WriteTx {
    /// The transaction's connection, for tests (see [`Conn::raw`]).
    pub fn raw(&mut self) -> &mut sqlx::AnyConnection {
        &mut self.tx
    }
}

impl sealed::Sealed for WriteTx {
    fn connection(&mut self) -> &mut sqlx::AnyConnection {
        &mut self.tx
    }
}
impl Reads for WriteTx {}

impl<T: Reads + ?Sized> sealed::Sealed for &mut T {
    fn connection(&mut self) -> &mut sqlx::AnyConnection {
        (**self).connection()
    }
}
impl<T: Reads + ?Sized> Reads for &mut T {}

#[derive(Clone)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
    url: DatabaseUrl,
    /// On SQLite, the writers of this process queue here, in order, before they take the
    /// database's write lock: waiting in SQLite's busy handler means sleeping in growing steps (up
    /// to 100 ms each), which made the slowest writes of a busy server ten times the typical one.
    /// Writers of another process (the CLI) still meet the busy timeout.
    write_gate: Option<Arc<tokio::sync::Mutex<()>>>,
    /// On SQLite, read connections handed out again without the pool's release.
    kept: Option<Arc<Kept>>,
}

/// How long a writer waits for its turn in this process, as long as the busy timeout.
const WRITE_GATE_WAIT: Duration = Duration::from_secs(30);

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Store({})", self.url)
    }
}

impl Store {
    /// Connects; for SQLite the file and its folder are created when missing.
    pub async fn connect(url: &DatabaseUrl) -> Result<Self, StoreError> {
        install_default_drivers();
        let backend = match url {
            DatabaseUrl::Sqlite(path) => {
                if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
                    std::fs::create_dir_all(parent).map_err(|e| {
                        StoreError::Database(sqlx::Error::Configuration(
                            format!("{}: {e}", parent.display()).into(),
                        ))
                    })?;
                }
                Backend::Sqlite
            }
            DatabaseUrl::Postgres(_) => Backend::Postgres,
        };
        let pool = AnyPoolOptions::new()
            .max_connections(match backend {
                Backend::Sqlite => 8,
                Backend::Postgres => 16,
            })
            .acquire_timeout(Duration::from_secs(30))
            // A connection to an embedded file does not go away; a ping before each use would be
            // one more hand-off to the connection's thread on every request. A server's
            // connection can drop, so it is tested.
            .test_before_acquire(backend == Backend::Postgres)
            .after_connect(move |conn, _meta| {
                Box::pin(async move {
                    if backend == Backend::Sqlite {
                        conn.execute(SQLITE_PRAGMAS).await?;
                    }
                    Ok(())
                })
            })
            .connect(&url.connect_string())
            .await?;
        Ok(Self {
            pool,
            backend,
            url: url.clone(),
            write_gate: (backend == Backend::Sqlite).then(Default::default),
            kept: (backend == Backend::Sqlite).then(Default::default),
        })
    }

    /// Applies the embedded migrations of this backend that have not run yet.
    pub async fn migrate(&self) -> Result<(), StoreError> {
        match self.backend {
            Backend::Sqlite => SQLITE_MIGRATIONS.run(&self.pool).await?,
            Backend::Postgres => POSTGRES_MIGRATIONS.run(&self.pool).await?,
        }
        Ok(())
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    pub fn url(&self) -> &DatabaseUrl {
        &self.url
    }

    /// A connection for reads (and for technical writes that are not audited, such as touching a
    /// session's last-seen time).
    pub async fn conn(&self) -> Result<Conn, StoreError> {
        let kept = self.kept.as_ref().and_then(|k| k.lock().pop());
        let conn = match kept {
            Some(conn) => conn,
            None => self.pool.acquire().await?,
        };
        Ok(Conn {
            conn: Some(conn),
            kept: self.kept.clone(),
        })
    }

    /// Starts a transaction that will change state and append to the audit trail. Its first
    /// statement locks the chain head: on PostgreSQL a row lock, on SQLite the write lock, so
    /// concurrent writers append one after another and the chain never forks.
    pub async fn begin_write(&self) -> Result<WriteTx, StoreError> {
        let turn = match &self.write_gate {
            Some(gate) => Some(
                tokio::time::timeout(WRITE_GATE_WAIT, gate.clone().lock_owned())
                    .await
                    .map_err(|_| StoreError::Database(sqlx::Error::PoolTimedOut))?,
            ),
            None => None,
        };
        let mut tx = self.pool.begin().await?;
        sqlx::query("UPDATE audit_head SET seq = seq WHERE id = 1")
            .execute(&mut *tx)
            .await?;
        Ok(WriteTx { tx, _turn: turn })
    }

    /// Checks that the database answers.
    pub async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    pub async fn close(&self) {
        if let Some(kept) = &self.kept {
            // Taken out of the lock first: they go back to the pool as they drop.
            let conns = std::mem::take(&mut *kept.lock());
            drop(conns);
        }
        self.pool.close().await;
    }
}

/// A write transaction holding the audit chain lock. Nothing is kept unless `commit` is called.
pub struct WriteTx {
    tx: sqlx::Transaction<'static, Any>,
    /// This process's turn to write (SQLite), given back when the transaction ends.
    _turn: Option<tokio::sync::OwnedMutexGuard<()>>,
}

impl WriteTx {
    pub(crate) fn conn(&mut self) -> &mut sqlx::AnyConnection {
        &mut self.tx
    }

    pub async fn commit(self) -> Result<(), StoreError> {
        self.tx.commit().await?;
        Ok(())
    }
}
