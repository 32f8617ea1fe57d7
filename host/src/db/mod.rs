//! The database: one `Db` over sqlx's `Any` driver, so the same queries run on
//! the embedded SQLite default and on PostgreSQL. Queries use `$1` placeholders
//! (both backends accept them), `BIGINT` integers, `TEXT` strings and JSON as
//! text; times are stored as milliseconds since the Unix epoch.
//!
//! The schema lives in `migrations/sqlite` and `migrations/postgres`, one
//! append-only folder per backend.

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use anyhow::Context;
use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use std::ops::{Deref, DerefMut};
use std::sync::Arc;

use sqlx::{Any, AnyConnection, AnyPool, Executor, Transaction};
use tokio::sync::{Mutex, OwnedMutexGuard};

pub mod scope;

/// A write transaction. It reads and writes as its connection (`&mut **tx`
/// where a function takes `&mut Tx`), and commits with [`Tx::commit`]; when
/// dropped without committing it rolls back. On SQLite it also holds this
/// process's turn to write (see [`Db::begin`]) until it ends.
pub struct Tx {
    transaction: Transaction<'static, Any>,
    _turn: Option<OwnedMutexGuard<()>>,
    /// Rows for the search queue, written as the transaction commits.
    search_queue: Vec<QueuedForSearch>,
}

/// A record to queue for the search index: practice, kind, id, when.
struct QueuedForSearch {
    practice_id: String,
    kind: String,
    record_id: String,
    at: i64,
}

impl Tx {
    /// Queues the record `kind`/`record_id` for the search index; the row
    /// is written when the transaction commits (see [`Tx::commit`]).
    pub fn queue_for_search(&mut self, practice_id: &str, kind: &str, record_id: &str, at: i64) {
        self.search_queue.push(QueuedForSearch {
            practice_id: practice_id.to_string(),
            kind: kind.to_string(),
            record_id: record_id.to_string(),
            at,
        });
    }

    /// Commits, writing the search queue's rows last, one statement per
    /// hundred rows. They are numbered in the order the transactions
    /// commit (`commit_order`), so a process that has applied the queue up
    /// to a number never meets a smaller one later: on PostgreSQL a
    /// deferred trigger numbers them as the transaction commits (migration
    /// 0036), and SQLite has one writer at a time already.
    pub async fn commit(mut self) -> sqlx::Result<()> {
        if !self.search_queue.is_empty() {
            let rows = std::mem::take(&mut self.search_queue);
            for chunk in rows.chunks(IN_LIST) {
                let sql = format!(
                    "INSERT INTO search_queue (practice_id, kind, record_id, enqueued_at) VALUES {}",
                    value_rows(chunk.len(), 4)
                );
                let mut insert = sqlx::query(sqlx::AssertSqlSafe(sql));
                for row in chunk {
                    insert = insert
                        .bind(row.practice_id.as_str())
                        .bind(row.kind.as_str())
                        .bind(row.record_id.as_str())
                        .bind(row.at);
                }
                insert.execute(&mut *self.transaction).await?;
            }
        }
        self.transaction.commit().await
    }
}

impl Deref for Tx {
    type Target = AnyConnection;

    fn deref(&self) -> &AnyConnection {
        &self.transaction
    }
}

impl DerefMut for Tx {
    fn deref_mut(&mut self) -> &mut AnyConnection {
        &mut self.transaction
    }
}

/// The fewest connections a server's pool may have on PostgreSQL: enough
/// for a request, the workers and a command-line check at once.
pub const MIN_CONNECTIONS: u32 = 4;

/// The connections a process keeps open to PostgreSQL unless configured.
pub const DEFAULT_CONNECTIONS: u32 = 16;

/// The longest a writer waits for its turn, as long as SQLite's own busy
/// timeout.
const WRITE_TURN_WAIT: Duration = Duration::from_secs(15);

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

#[derive(Clone, Debug)]
pub struct Db {
    pool: AnyPool,
    backend: Backend,
    /// The URL connected to: migrations run on a connection of its own, as
    /// the role the URL names (the schema's owner).
    url: String,
    /// Writers of this process take turns here, first come first served,
    /// before they take SQLite's write lock (see [`Db::begin`]).
    turns: Arc<Mutex<()>>,
}

/// Creates the server's PostgreSQL roles where they are missing (the first
/// migration that made them; idempotent).
pub const ROLES: &str = include_str!("../../../migrations/postgres/0032_roles.sql");

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("../migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("../migrations/postgres");

/// The last schema migration this build knows for `backend`.
pub fn latest_migration(backend: Backend) -> i64 {
    let migrator = match backend {
        Backend::Sqlite => &SQLITE_MIGRATIONS,
        Backend::Postgres => &POSTGRES_MIGRATIONS,
    };
    migrator.iter().map(|m| m.version).max().unwrap_or(0)
}

/// The URL of the embedded default database inside `data_dir`.
pub fn default_sqlite_url(data_dir: &Path) -> String {
    format!(
        "sqlite://{}?mode=rwc",
        data_dir.join("immcase.db").display()
    )
}

impl Db {
    /// Connects for a command or tool: on PostgreSQL, a task in no scope
    /// is on the system path (see [`scope`]).
    pub async fn connect(url: &str) -> anyhow::Result<Db> {
        Db::connect_with(url, scope::Unscoped::System, DEFAULT_CONNECTIONS).await
    }

    /// Connects for the server: on PostgreSQL, a task in no scope sees no
    /// practice's rows, and at most `connections` are open at once.
    pub async fn connect_walled(url: &str, connections: u32) -> anyhow::Result<Db> {
        Db::connect_with(url, scope::Unscoped::SeesNothing, connections).await
    }

    async fn connect_with(
        url: &str,
        unscoped: scope::Unscoped,
        connections: u32,
    ) -> anyhow::Result<Db> {
        sqlx::any::install_default_drivers();
        let backend = Db::backend_of(url)?;
        let options = AnyConnectOptions::from_str(url)
            .with_context(|| format!("reading the database URL {url:?}"))?;
        let pool = match backend {
            Backend::Sqlite => {
                AnyPoolOptions::new()
                    .max_connections(8)
                    .after_connect(|conn, _meta| {
                        Box::pin(async move {
                            // Client data: WAL for concurrent readers, and a full
                            // fsync on commit so nothing committed is lost on a crash.
                            // One writer at a time: a writer waits up to 15 s for
                            // the others (a module call holds the lock from its first
                            // write to its end, and may take seconds).
                            conn.execute(
                                "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; \
                                 PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 15000;",
                            )
                            .await?;
                            Ok(())
                        })
                    })
                    .connect_with(options)
                    .await
            }
            Backend::Postgres => {
                // The roles the pool's connections take on must exist
                // before the first of them (a new server has none yet).
                let owner = AnyPoolOptions::new()
                    .max_connections(1)
                    .connect(url)
                    .await
                    .with_context(|| format!("connecting to the {backend:?} database"))?;
                let made = sqlx::raw_sql(ROLES).execute(&owner).await;
                owner.close().await;
                made.context(
                    "creating the database roles immcase_app and immcase_system \
                     (the --database-url role needs CREATEROLE, or an administrator creates them)",
                )?;
                // Each connection handed out is set to the task's scope
                // (see `scope`); that round trip also shows the connection
                // is alive, so there is no separate test before acquiring.
                AnyPoolOptions::new()
                    .max_connections(connections.max(MIN_CONNECTIONS))
                    .acquire_timeout(Duration::from_secs(10))
                    .test_before_acquire(false)
                    .after_connect(move |conn, _meta| Box::pin(scope::apply(conn, unscoped)))
                    .before_acquire(move |conn, _meta| {
                        Box::pin(async move { scope::apply(conn, unscoped).await.map(|()| true) })
                    })
                    .connect_with(options)
                    .await
            }
        }
        .with_context(|| format!("connecting to the {backend:?} database"))?;
        Ok(Db {
            pool,
            backend,
            url: url.to_string(),
            turns: Arc::default(),
        })
    }

    /// The backend a database URL names.
    pub fn backend_of(url: &str) -> anyhow::Result<Backend> {
        if url.starts_with("sqlite:") {
            Ok(Backend::Sqlite)
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Ok(Backend::Postgres)
        } else {
            anyhow::bail!(
                "unsupported database URL {url:?}: use sqlite://PATH or postgres://USER@HOST/DB"
            )
        }
    }

    pub async fn migrate(&self) -> anyhow::Result<()> {
        let migrator = match self.backend {
            Backend::Sqlite => &SQLITE_MIGRATIONS,
            Backend::Postgres => &POSTGRES_MIGRATIONS,
        };
        match self.backend {
            Backend::Sqlite => migrator.run(&self.pool).await,
            Backend::Postgres => {
                // As the URL's own role: the pool's connections act as
                // roles that own nothing (see `scope`).
                let owner = AnyPoolOptions::new()
                    .max_connections(1)
                    .connect(&self.url)
                    .await
                    .context("connecting to the database to migrate it")?;
                let ran = migrator.run(&owner).await;
                owner.close().await;
                ran
            }
        }
        .context("applying database migrations")
    }

    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Starts a transaction that will write. On SQLite it takes the write lock
    /// at once (`BEGIN IMMEDIATE`), so a read-then-write transaction waits for
    /// other writers instead of failing half-way with `SQLITE_BUSY`; and
    /// before that it waits for this process's turn to write, in order of
    /// arrival and without holding a connection, so writers are served
    /// fairly and waiting ones do not use up the pool (SQLite's own waiting
    /// retries on a timer, and a newcomer may take the lock before those
    /// that waited). Other processes on the same file still wait through
    /// SQLite's busy timeout.
    pub async fn begin(&self) -> sqlx::Result<Tx> {
        match self.backend {
            Backend::Sqlite => {
                let turn = tokio::time::timeout(WRITE_TURN_WAIT, self.turns.clone().lock_owned())
                    .await
                    .map_err(|_| {
                        sqlx::Error::Io(std::io::Error::new(
                            std::io::ErrorKind::TimedOut,
                            "waited 15 s for a turn to write to the database",
                        ))
                    })?;
                Ok(Tx {
                    transaction: self.pool.begin_with("BEGIN IMMEDIATE").await?,
                    _turn: Some(turn),
                    search_queue: Vec::new(),
                })
            }
            Backend::Postgres => Ok(Tx {
                transaction: self.pool.begin().await?,
                _turn: None,
                search_queue: Vec::new(),
            }),
        }
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// The condition and the `LIMIT` placeholder of a page read by id after
/// `after` (`$1` being the practice): `AND id > $2` and `$3` when there is
/// one, nothing and `$2` when not. Written without an `OR`, so the index on
/// `(practice_id, id)` starts at `after` instead of reading every row
/// before it.
pub fn after_id(after: Option<&str>) -> (&'static str, &'static str) {
    match after {
        Some(_) => ("AND id > $2", "$3"),
        None => ("", "$2"),
    }
}

/// Values per `IN (…)` list of [`rows_with_ids`], and rows per multi-row
/// `INSERT` (the search queue's, an applicant's name keys).
pub(crate) const IN_LIST: usize = 100;

/// `count` numbered bind marks from `$first`, comma-separated
/// (`marks(3, 2)` is `"$3, $4"`): for an `IN (…)` list or a row of
/// `VALUES`.
pub fn marks(first: usize, count: usize) -> String {
    (first..first + count)
        .map(|n| format!("${n}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `rows` rows of `per_row` numbered bind marks from `$1`, for a multi-row
/// `VALUES` (`value_rows(2, 2)` is `"($1, $2), ($3, $4)"`).
pub fn value_rows(rows: usize, per_row: usize) -> String {
    (0..rows)
        .map(|i| format!("({})", marks(per_row * i + 1, per_row)))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The rows of `select` — a query whose `WHERE` begins with
/// `practice_id = $1` — whose `id` is one of `ids`, read a hundred ids per
/// query (a few queries for a batch, instead of one per record). Rows come
/// in no particular order; ids not found are absent.
pub async fn rows_with_ids(
    conn: &mut AnyConnection,
    select: &str,
    practice_id: &str,
    ids: &[String],
) -> sqlx::Result<Vec<sqlx::any::AnyRow>> {
    let mut rows = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(IN_LIST) {
        let sql = format!("{select} AND id IN ({})", marks(2, chunk.len()));
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(practice_id);
        for id in chunk {
            query = query.bind(id);
        }
        rows.extend(query.fetch_all(&mut *conn).await?);
    }
    Ok(rows)
}

/// A new identifier: a UUIDv7, so identifiers sort by creation time.
pub fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

#[cfg(test)]
mod tests {
    use super::{marks, value_rows};

    #[test]
    fn marks_are_numbered_from_the_first() {
        assert_eq!(marks(3, 2), "$3, $4");
        assert_eq!(marks(1, 1), "$1");
        assert_eq!(marks(5, 0), "");
        assert_eq!(value_rows(2, 2), "($1, $2), ($3, $4)");
        assert_eq!(value_rows(1, 3), "($1, $2, $3)");
    }
}
