//! Database plumbing: one connection type over SQLite and PostgreSQL, a pool,
//! embedded per-backend migrations, and helpers that run blocking diesel work
//! off the async executor.

pub mod schema;
pub mod shell;

use crate::error::AppError;
use anyhow::Context;
use diesel::connection::{AnsiTransactionManager, SimpleConnection, TransactionManager};
use diesel::prelude::*;
use diesel::r2d2::{ConnectionManager, CustomizeConnection, Pool};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};
use std::sync::{Arc, Mutex};
use std::time::Duration;

pub const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
pub const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// Duties one node of a cluster does at a time, each under its own
/// PostgreSQL advisory lock (the keys are fixed: every node must agree).
#[derive(Debug, Clone, Copy)]
pub enum ClusterDuty {
    /// Applying migrations at start-up.
    Migrations,
    /// Loading the demo data into an empty database at start-up.
    DemoData,
    /// Sweeping the shared folder at start-up (stored files, bid files and
    /// upload parts without rows; expired upload sessions): one node at a
    /// time, so two never remove the same file or record it twice.
    FileSweep,
}

impl ClusterDuty {
    /// The advisory-lock key: "ggzy" in ASCII, then the duty.
    fn key(self) -> i64 {
        const BASE: i64 = 0x6767_7a79 << 16;
        BASE + match self {
            ClusterDuty::Migrations => 1,
            ClusterDuty::DemoData => 2,
            ClusterDuty::FileSweep => 3,
        }
    }
}

/// Waits for `duty`'s session-level advisory lock on this connection.
fn cluster_lock(conn: &mut diesel::PgConnection, duty: ClusterDuty) -> anyhow::Result<()> {
    diesel::sql_query(format!("SELECT pg_advisory_lock({})", duty.key()))
        .execute(conn)
        .map(|_| ())
        .with_context(|| format!("waiting for the cluster's {duty:?} lock"))
}

fn cluster_unlock(conn: &mut diesel::PgConnection, duty: ClusterDuty) -> anyhow::Result<()> {
    diesel::sql_query(format!("SELECT pg_advisory_unlock({})", duty.key()))
        .execute(conn)
        .map(|_| ())
        .with_context(|| format!("releasing the cluster's {duty:?} lock"))
}

/// In a write transaction on PostgreSQL: waits for `duty`'s
/// transaction-level advisory lock, released at commit or rollback, so that
/// what the transaction checks and writes is done by one node at a time.
/// Nothing on SQLite, where one process owns the database.
pub fn cluster_duty_in_transaction(conn: &mut DbConn, duty: ClusterDuty) -> Result<(), AppError> {
    if let DbConn::Pg(c) = conn {
        diesel::sql_query(format!("SELECT pg_advisory_xact_lock({})", duty.key())).execute(c)?;
    }
    Ok(())
}

/// Which of `keys` `load` finds (given a slice of keys, it loads those of
/// them that have a row), asked 500 at a time: under every backend's limit
/// on bound parameters.
pub fn found_among(
    conn: &mut DbConn,
    keys: &[String],
    mut load: impl FnMut(&mut DbConn, &[String]) -> QueryResult<Vec<String>>,
) -> Result<std::collections::HashSet<String>, AppError> {
    let mut found = std::collections::HashSet::new();
    for chunk in keys.chunks(500) {
        found.extend(load(conn, chunk)?);
    }
    Ok(found)
}

/// A connection to whichever backend the URL named.
#[derive(diesel::MultiConnection)]
pub enum DbConn {
    Pg(diesel::PgConnection),
    Sqlite(diesel::SqliteConnection),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn of_url(url: &str) -> Backend {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Backend::Postgres
        } else {
            Backend::Sqlite
        }
    }
}

/// Turns our URL forms into what each driver wants: diesel's SQLite driver
/// takes a path (or `file:` URI), PostgreSQL the URL as is.
fn driver_url(url: &str) -> String {
    match Backend::of_url(url) {
        Backend::Postgres => url.to_string(),
        Backend::Sqlite => url
            .strip_prefix("sqlite://")
            .or_else(|| url.strip_prefix("sqlite:"))
            .unwrap_or(url)
            .to_string(),
    }
}

/// Makes every query traceable: `GGZY_LOG=ggzy::sql=debug` logs each
/// statement after it runs (with its error, if any), inside the request's span.
fn trace_queries(event: diesel::connection::InstrumentationEvent<'_>) {
    use diesel::connection::InstrumentationEvent as E;
    match event {
        E::FinishQuery {
            query, error: None, ..
        } => tracing::debug!(target: "ggzy::sql", %query, "query"),
        E::FinishQuery {
            query,
            error: Some(error),
            ..
        } => {
            tracing::debug!(target: "ggzy::sql", %query, %error, "query failed")
        }
        _ => {}
    }
}

/// Per-connection settings applied whenever the pool opens a connection.
#[derive(Debug)]
struct ConnectionSetup;

impl CustomizeConnection<DbConn, diesel::r2d2::Error> for ConnectionSetup {
    fn on_acquire(&self, conn: &mut DbConn) -> Result<(), diesel::r2d2::Error> {
        conn.set_instrumentation(trace_queries);
        match conn {
            DbConn::Sqlite(c) => c
                .batch_execute(
                    "PRAGMA busy_timeout = 10000; PRAGMA foreign_keys = ON; \
                     PRAGMA synchronous = NORMAL;",
                )
                .map_err(diesel::r2d2::Error::QueryError),
            DbConn::Pg(c) => c
                .batch_execute("SET TIME ZONE 'UTC'")
                .map_err(diesel::r2d2::Error::QueryError),
        }
    }
}

/// Switches a SQLite file to write-ahead logging, once, before the pool opens
/// its connections. The mode is kept in the file; switching needs the file to
/// itself, so doing it from every new pooled connection at once made all but
/// one fail with "database is locked" on a fresh database.
fn use_write_ahead_log(path: &str) -> anyhow::Result<()> {
    let mut conn =
        diesel::SqliteConnection::establish(path).with_context(|| format!("opening {path}"))?;
    conn.batch_execute("PRAGMA busy_timeout = 10000; PRAGMA journal_mode = WAL;")
        .context("switching the database to write-ahead logging")
}

/// The pool, plus the in-process write lock SQLite needs: SQLite allows one
/// writer, and a deferred transaction that upgrades to a write can fail at
/// once with SQLITE_BUSY instead of waiting. Serialising our own write
/// transactions avoids that; PostgreSQL needs no such lock.
#[derive(Clone)]
pub struct Db {
    pool: Pool<ConnectionManager<DbConn>>,
    write_lock: Option<Arc<Mutex<()>>>,
}

impl Db {
    /// Opens the pool (creating the SQLite file's folder if needed).
    pub fn connect(url: &str, pool_size: u32) -> anyhow::Result<Db> {
        let backend = Backend::of_url(url);
        let driver = driver_url(url);
        if backend == Backend::Sqlite
            && let Some(parent) = std::path::Path::new(&driver).parent()
            && !parent.as_os_str().is_empty()
        {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("creating {}", parent.display()))?;
        }
        if backend == Backend::Sqlite {
            use_write_ahead_log(&driver)?;
        }
        let write_lock = (backend == Backend::Sqlite).then(|| sqlite_write_lock(&driver));
        let manager = ConnectionManager::<DbConn>::new(driver);
        let pool = Pool::builder()
            .max_size(pool_size)
            .connection_timeout(Duration::from_secs(10))
            .connection_customizer(Box::new(ConnectionSetup))
            .build(manager)
            .context("opening the database")?;
        Ok(Db { pool, write_lock })
    }

    /// Which database this is.
    pub fn backend(&self) -> Backend {
        if self.write_lock.is_some() {
            Backend::Sqlite
        } else {
            Backend::Postgres
        }
    }

    /// Applies pending migrations for this backend; returns their names.
    pub fn migrate(&self) -> anyhow::Result<Vec<String>> {
        let mut conn = self.pool.get().context("connecting to the database")?;
        let applied = match &mut *conn {
            DbConn::Sqlite(c) => c
                .run_pending_migrations(SQLITE_MIGRATIONS)
                .map_err(|e| anyhow::anyhow!("applying migrations: {e}"))?,
            DbConn::Pg(c) => {
                // Nodes starting together on an empty database take turns:
                // the first applies, the others find nothing pending (else
                // two create the same type and one fails).
                cluster_lock(c, ClusterDuty::Migrations)?;
                let applied = c
                    .run_pending_migrations(POSTGRES_MIGRATIONS)
                    .map(|done| done.iter().map(|m| m.to_string()).collect::<Vec<_>>())
                    .map_err(|e| anyhow::anyhow!("applying migrations: {e}"));
                let unlocked = cluster_unlock(c, ClusterDuty::Migrations);
                let applied = applied?;
                unlocked?;
                return Ok(applied);
            }
        };
        Ok(applied.iter().map(|m| m.to_string()).collect())
    }

    /// Runs `work` (blocking) while this node holds `duty`'s cluster-wide
    /// lock: a PostgreSQL session-level advisory lock on a connection kept
    /// for the purpose, waited for if another node holds it. On SQLite, where
    /// one process owns the database, `work` simply runs.
    pub fn exclusively<T>(
        &self,
        duty: ClusterDuty,
        work: impl FnOnce() -> T,
    ) -> Result<T, AppError> {
        let mut conn = self.pool.get()?;
        let DbConn::Pg(pg) = &mut *conn else {
            return Ok(work());
        };
        cluster_lock(pg, duty).map_err(AppError::Internal)?;
        let done = work();
        if let DbConn::Pg(pg) = &mut *conn
            && let Err(e) = cluster_unlock(pg, duty)
        {
            tracing::error!(error = %e, "releasing a cluster lock");
        }
        Ok(done)
    }

    /// Runs read work on a pooled connection, off the executor.
    pub async fn read<T, F>(&self, f: F) -> Result<T, AppError>
    where
        T: Send + 'static,
        F: FnOnce(&mut DbConn) -> Result<T, AppError> + Send + 'static,
    {
        let pool = self.pool.clone();
        off_executor(move || {
            let mut conn = pool.get()?;
            f(&mut conn)
        })
        .await
    }

    /// The blocking form of [`Db::read`], for threads of our own.
    pub fn read_blocking<T, F>(&self, f: F) -> Result<T, AppError>
    where
        F: FnOnce(&mut DbConn) -> Result<T, AppError>,
    {
        let mut conn = self.pool.get()?;
        f(&mut conn)
    }

    /// Runs write work in one transaction, off the executor. Either all of it
    /// (including its audit events) is committed, or none of it.
    pub async fn write<T, F>(&self, f: F) -> Result<T, AppError>
    where
        T: Send + 'static,
        F: FnOnce(&mut DbConn) -> Result<T, AppError> + Send + 'static,
    {
        let db = self.clone();
        off_executor(move || db.write_blocking(f)).await
    }

    /// The blocking form of [`Db::write`], for the CLI and start-up.
    pub fn write_blocking<T, F>(&self, f: F) -> Result<T, AppError>
    where
        F: FnOnce(&mut DbConn) -> Result<T, AppError>,
    {
        let mut conn = self.pool.get()?;
        let _guard = self
            .write_lock
            .as_ref()
            .map(|lock| lock.lock().unwrap_or_else(|p| p.into_inner()));
        let conn: &mut DbConn = &mut conn;
        if matches!(conn, DbConn::Sqlite(_)) {
            // Another process may write the same file (`ggzy users add` on
            // a running server's data folder). A deferred transaction that
            // has read and then writes gets SQLITE_BUSY at once when the
            // other has written meanwhile: in WAL mode SQLite does not wait
            // for a reader to become a writer (it could deadlock), so
            // `busy_timeout` never applies. `BEGIN IMMEDIATE` takes the
            // write lock first, where the busy timeout does wait.
            on_sqlite(conn, |c| {
                AnsiTransactionManager::begin_transaction_sql(c, "BEGIN IMMEDIATE")
            })?;
            return match f(conn) {
                Ok(value) => {
                    on_sqlite(conn, AnsiTransactionManager::commit_transaction)?;
                    Ok(value)
                }
                Err(e) => {
                    on_sqlite(conn, AnsiTransactionManager::rollback_transaction)?;
                    Err(e)
                }
            };
        }
        conn.transaction(f)
    }

    /// Whether the database answers a trivial query.
    pub async fn ping(&self) -> bool {
        self.read(|conn| {
            diesel::sql_query("SELECT 1").execute(conn)?;
            Ok(())
        })
        .await
        .is_ok()
    }
}

/// `op` on the connection when it is SQLite's (nothing on PostgreSQL's).
fn on_sqlite(
    conn: &mut DbConn,
    op: impl FnOnce(&mut diesel::SqliteConnection) -> QueryResult<()>,
) -> QueryResult<()> {
    match conn {
        DbConn::Sqlite(c) => op(c),
        DbConn::Pg(_) => Ok(()),
    }
}

/// The writer lock of one SQLite file, shared by every pool of this process
/// on that file (two application instances in one process, as the tests
/// run two nodes): SQLite has one writer, whoever asks.
fn sqlite_write_lock(path: &str) -> Arc<Mutex<()>> {
    static LOCKS: std::sync::OnceLock<Mutex<std::collections::HashMap<String, Arc<Mutex<()>>>>> =
        std::sync::OnceLock::new();
    let key = std::fs::canonicalize(path)
        .map(|p| p.display().to_string())
        .unwrap_or_else(|_| path.to_string());
    let mut locks = LOCKS
        .get_or_init(Mutex::default)
        .lock()
        .unwrap_or_else(|p| p.into_inner());
    locks.entry(key).or_default().clone()
}

/// Serialises writers on `key` until the end of the current transaction:
/// a PostgreSQL advisory lock; on SQLite the writer lock already does it.
pub fn lock_in_transaction(conn: &mut DbConn, key: &str) -> Result<(), AppError> {
    if let DbConn::Pg(pg) = conn {
        diesel::sql_query("SELECT pg_advisory_xact_lock(hashtext($1))")
            .bind::<diesel::sql_types::Text, _>(key)
            .execute(pg)?;
    }
    Ok(())
}

/// Runs blocking database work on actix's blocking pool, inside the
/// caller's span so its queries are traced with the request.
pub async fn off_executor<T, F>(f: F) -> Result<T, AppError>
where
    T: Send + 'static,
    F: FnOnce() -> Result<T, AppError> + Send + 'static,
{
    let span = tracing::Span::current();
    actix_web::web::block(move || {
        let _in_request = span.enter();
        f()
    })
    .await?
}

diesel::define_sql_function! {
    /// SQL `lower()`, the same on both backends.
    fn lower(x: diesel::sql_types::Text) -> diesel::sql_types::Text;
}

/// Escapes `%`, `_` and `\` so user text matches literally in `LIKE … ESCAPE '\'`.
pub fn like_pattern(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('%');
    for c in text.to_lowercase().chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('%');
    out
}

/// Timestamps are stored as UTC without zone; these convert at the edge.
/// Sub-microsecond digits are dropped so both backends store the same value.
pub fn to_db_time(t: chrono::DateTime<chrono::Utc>) -> chrono::NaiveDateTime {
    use chrono::SubsecRound;
    t.trunc_subsecs(6).naive_utc()
}

pub fn from_db_time(t: chrono::NaiveDateTime) -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::from_naive_utc_and_offset(t, chrono::Utc)
}
