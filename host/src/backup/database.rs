//! The database half of a backup: a consistent snapshot taken while the
//! server runs, and putting it back into an empty database.
//!
//! SQLite: `VACUUM INTO` writes the whole database as of one read
//! transaction into a new file (readers and the writer go on meanwhile, as
//! WAL allows). PostgreSQL: `pg_dump --format=custom`, which reads from one
//! snapshot, and `pg_restore` in one transaction.

use std::path::{Path, PathBuf};
use std::str::FromStr;

use anyhow::{Context, bail};
use sqlx::Connection;
use tokio::process::Command;

use crate::db::{Backend, Db};

/// A connection as the URL's own role (the schema's owner), outside the
/// pool and its roles (see `db::scope`).
async fn owner_connection(url: &str) -> anyhow::Result<sqlx::AnyConnection> {
    sqlx::any::install_default_drivers();
    sqlx::AnyConnection::connect(url)
        .await
        .context("connecting to the PostgreSQL database")
}

pub const SQLITE_FILE: &str = "database.sqlite";
pub const POSTGRES_FILE: &str = "database.pgdump";

pub fn file_name(backend: Backend) -> &'static str {
    match backend {
        Backend::Sqlite => SQLITE_FILE,
        Backend::Postgres => POSTGRES_FILE,
    }
}

pub fn backend_name(backend: Backend) -> &'static str {
    match backend {
        Backend::Sqlite => "sqlite",
        Backend::Postgres => "postgres",
    }
}

/// The last migration applied to `db`; an error when it has none (an
/// empty database is nothing to back up).
pub async fn applied_migration(db: &Db) -> anyhow::Result<i64> {
    let latest: Option<i64> = sqlx::query_scalar("SELECT MAX(version) FROM _sqlx_migrations")
        .fetch_one(db.pool())
        .await
        .context("this database has no ImmCase schema: there is nothing to back up")?;
    latest.context("this database has no ImmCase schema: there is nothing to back up")
}

/// Writes the snapshot of `db` (at `url`) into `folder`.
pub async fn snapshot(db: &Db, url: &str, folder: &Path) -> anyhow::Result<()> {
    let target = folder.join(file_name(db.backend()));
    match db.backend() {
        Backend::Sqlite => {
            let path = target
                .to_str()
                .context("the backup folder's path is not UTF-8")?;
            sqlx::query("VACUUM INTO $1")
                .bind(path)
                .execute(db.pool())
                .await
                .context("writing the SQLite snapshot (VACUUM INTO)")?;
            // The snapshot is complete only once it is on the disk.
            let file = std::fs::File::open(&target)?;
            file.sync_all()?;
        }
        Backend::Postgres => {
            let connection = PgConnection::from_url(url)?;
            let mut command = Command::new("pg_dump");
            command
                .arg("--format=custom")
                .arg("--no-owner")
                .arg("--no-privileges")
                // The schema's owner reads every row through its policy;
                // without this, pg_dump refuses tables with row-level
                // security unless it runs as a superuser.
                .arg("--enable-row-security")
                .arg(format!("--file={}", target.display()));
            run(connection.apply(&mut command), "pg_dump").await?;
        }
    }
    Ok(())
}

/// Refuses unless the database at `url` holds nothing yet.
pub async fn check_empty(backend: Backend, url: &str) -> anyhow::Result<()> {
    match backend {
        Backend::Sqlite => {
            let path = sqlite_path(url)?;
            let used = std::fs::metadata(&path).is_ok_and(|m| m.len() > 0);
            if used {
                bail!(
                    "{} already holds a database: restore goes into an empty installation \
                     (move that file away first)",
                    path.display()
                );
            }
        }
        Backend::Postgres => {
            let mut owner = owner_connection(url).await?;
            let tables: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM pg_catalog.pg_tables WHERE schemaname = current_schema()",
            )
            .fetch_one(&mut owner)
            .await
            .context("looking for tables in the PostgreSQL database")?;
            let _ = owner.close().await;
            if tables > 0 {
                bail!(
                    "the PostgreSQL database already has {tables} table(s): restore goes into \
                     an empty database (create a new one, or drop this one's tables first)"
                );
            }
        }
    }
    Ok(())
}

/// Puts the snapshot in `folder` into the empty database at `url`.
pub async fn put_back(backend: Backend, url: &str, folder: &Path) -> anyhow::Result<()> {
    let source = folder.join(file_name(backend));
    match backend {
        Backend::Sqlite => {
            let path = sqlite_path(url)?;
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent)?;
            }
            // Copied beside the target and renamed, so an interrupted
            // restore never leaves half a database under its name.
            let staging = path.with_extension("db.restoring");
            std::fs::copy(&source, &staging).with_context(|| {
                format!("copying {} to {}", source.display(), staging.display())
            })?;
            std::fs::File::open(&staging)?.sync_all()?;
            std::fs::rename(&staging, &path)?;
        }
        Backend::Postgres => {
            // The snapshot's policies name the server's two roles, which
            // a new PostgreSQL server does not have yet; it carries no
            // privileges, so they are granted again after.
            let mut owner = owner_connection(url).await?;
            sqlx::raw_sql(crate::db::ROLES)
                .execute(&mut owner)
                .await
                .context("creating the server's database roles")?;
            let connection = PgConnection::from_url(url)?;
            let mut command = Command::new("pg_restore");
            command
                .arg("--no-owner")
                .arg("--no-privileges")
                .arg("--exit-on-error")
                .arg("--single-transaction")
                .arg(&source);
            run(connection.apply(&mut command), "pg_restore").await?;
            let walled: bool =
                sqlx::query_scalar("SELECT to_regprocedure('immcase_grants()') IS NOT NULL")
                    .fetch_one(&mut owner)
                    .await?;
            if walled {
                sqlx::query("SELECT immcase_grants()")
                    .execute(&mut owner)
                    .await
                    .context("granting the server's roles their tables")?;
            }
            let _ = owner.close().await;
        }
    }
    Ok(())
}

/// The file an SQLite URL names.
fn sqlite_path(url: &str) -> anyhow::Result<PathBuf> {
    let options = sqlx::sqlite::SqliteConnectOptions::from_str(url)
        .with_context(|| format!("reading the database URL {url:?}"))?;
    Ok(options.get_filename().to_path_buf())
}

/// How the PostgreSQL tools reach the database: the URL without its
/// password, which goes in `PGPASSWORD` (a command line is visible to
/// everyone on the machine).
struct PgConnection {
    url: String,
    password: Option<String>,
}

impl PgConnection {
    fn from_url(url: &str) -> anyhow::Result<PgConnection> {
        let mut parsed = url::Url::parse(url).context("reading the PostgreSQL URL")?;
        let password = parsed.password().map(|p| {
            percent_encoding::percent_decode_str(p)
                .decode_utf8_lossy()
                .into_owned()
        });
        let _ = parsed.set_password(None);
        Ok(PgConnection {
            url: parsed.to_string(),
            password,
        })
    }

    fn apply<'c>(&self, command: &'c mut Command) -> &'c mut Command {
        command.arg(format!("--dbname={}", self.url));
        if let Some(password) = &self.password {
            command.env("PGPASSWORD", password);
        }
        command
    }
}

/// Runs a PostgreSQL tool; its own message when it fails.
async fn run(command: &mut Command, name: &str) -> anyhow::Result<()> {
    let output = command.output().await.map_err(|e| {
        if e.kind() == std::io::ErrorKind::NotFound {
            anyhow::anyhow!(
                "{name} is not installed: it comes with the PostgreSQL client tools \
                 (Debian: apt-get install postgresql-client), of the server's version or newer"
            )
        } else {
            anyhow::Error::new(e).context(format!("starting {name}"))
        }
    })?;
    if !output.status.success() {
        bail!(
            "{name} failed ({}): {}",
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        );
    }
    Ok(())
}
