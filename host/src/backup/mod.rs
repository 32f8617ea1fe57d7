//! `immcase backup` and `immcase restore` (docs/backup.md).
//!
//! A backup is a folder: the database snapshot, every blob of the store
//! (with a list of their sizes and SHA-256), the modules installed from a
//! registry, optionally the key file of stored secrets, and `backup.json`,
//! written last, so a folder without it is an unfinished backup.
//!
//! Consistency while the server runs: blobs are never changed under their
//! key (a new version of a file is a new blob), so the blobs are copied
//! once before the database snapshot and once more after it for those that
//! appeared meanwhile; every blob a row of the snapshot names was in the
//! store at the snapshot and is copied by one pass or the other. Blobs of
//! rows written after the snapshot come along too and are swept by the
//! server as leftovers once restored.
//!
//! A restore goes into an empty installation (no tables in the database,
//! no blob in the store, no installed modules), brings the schema up to
//! date and rebuilds the search index.

mod database;
mod store;

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{Context, bail};
use serde::{Deserialize, Serialize};

use crate::Config;
use crate::db::Db;

pub const MANIFEST: &str = "backup.json";
/// The key file's name inside a backup that carries it.
const SECRET_KEY_FILE: &str = "secret.key";
const PLUGINS_DIR: &str = "plugins";
/// The layout of the folder; a restore refuses another.
const FORMAT: u32 = 1;

/// What `backup.json` says about a backup.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Manifest {
    pub format: u32,
    /// The version of ImmCase that made it.
    pub immcase_version: String,
    /// When the snapshot was taken (RFC 3339).
    pub created_at: String,
    /// `sqlite` or `postgres`: the database it restores into.
    pub database: String,
    /// The last schema migration of the snapshot.
    pub migration: i64,
    pub practices: i64,
    pub blobs: u64,
    pub blob_bytes: u64,
    pub installed_modules: bool,
    /// Whether the key file of stored secrets is in the backup.
    pub secret_key_included: bool,
    /// The key that seals the snapshot's stored secrets.
    pub secret_key_id: String,
}

/// Writes a backup of the installation of `config` into `to`, a folder
/// that must not exist yet or be empty. The server may be running.
pub async fn backup(config: &Config, to: &Path, with_secret_key: bool) -> anyhow::Result<Manifest> {
    if std::fs::read_dir(to).is_ok_and(|mut entries| entries.next().is_some()) {
        bail!(
            "{} is not empty: a backup goes into a new folder",
            to.display()
        );
    }
    std::fs::create_dir_all(to).with_context(|| format!("creating {}", to.display()))?;
    let url = config.database_url();
    let db = Db::connect(&url).await?;
    let migration = database::applied_migration(&db).await?;
    let keys = crate::secrets::Keyring::load(&config.secret_keys, &config.data_dir)
        .context("loading the key for stored secrets")?;
    let blobs = crate::blobs::Blobs::open(&config.files, &config.data_dir)
        .context("opening the blob store")?;

    let mut copied = BTreeMap::new();
    store::copy_out(&blobs, to, &mut copied).await?;
    let created_at = config.clock.now().to_string();
    database::snapshot(&db, &url, to).await?;
    store::copy_out(&blobs, to, &mut copied).await?;
    let practices: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM practices")
        .fetch_one(db.pool())
        .await?;
    db.close().await;

    let plugins = config.plugins_dir();
    let installed_modules = plugins.is_dir();
    if installed_modules {
        let (from, into) = (plugins.clone(), to.join(PLUGINS_DIR));
        tokio::task::spawn_blocking(move || store::copy_folder(&from, &into)).await??;
    }
    let key_file = config.data_dir.join(crate::secrets::KEY_FILE);
    let secret_key_included = with_secret_key;
    if with_secret_key {
        if config.secret_keys.key.is_some() {
            bail!(
                "the secret key comes from IMMCASE_SECRET_KEY, not a key file: keep it apart \
                 from the backup (leave out --with-secret-key)"
            );
        }
        std::fs::copy(&key_file, to.join(SECRET_KEY_FILE))
            .with_context(|| format!("copying {}", key_file.display()))?;
    }

    write_synced(&to.join(store::BLOB_LIST), &store::list_text(&copied))?;
    let manifest = Manifest {
        format: FORMAT,
        immcase_version: env!("CARGO_PKG_VERSION").to_string(),
        created_at,
        database: database::backend_name(db.backend()).to_string(),
        migration,
        practices,
        blobs: copied.len() as u64,
        blob_bytes: copied.values().map(|c| c.bytes).sum(),
        installed_modules,
        secret_key_included,
        secret_key_id: keys.current_key_id().to_string(),
    };
    write_synced(
        &to.join(MANIFEST),
        &serde_json::to_string_pretty(&manifest)?,
    )?;
    Ok(manifest)
}

/// Reads the manifest of the backup in `from`.
pub fn read_manifest(from: &Path) -> anyhow::Result<Manifest> {
    let text = std::fs::read_to_string(from.join(MANIFEST)).with_context(|| {
        format!(
            "{} has no {MANIFEST}: it is not a backup, or the backup did not finish",
            from.display()
        )
    })?;
    let manifest: Manifest =
        serde_json::from_str(&text).with_context(|| format!("reading {MANIFEST}"))?;
    if manifest.format != FORMAT {
        bail!(
            "this backup's layout is format {}; this ImmCase reads format {FORMAT}",
            manifest.format
        );
    }
    Ok(manifest)
}

/// Restores the backup in `from` into the empty installation of `config`,
/// then rebuilds its search index.
pub async fn restore(config: &Config, from: &Path) -> anyhow::Result<Manifest> {
    let manifest = read_manifest(from)?;
    let url = config.database_url();
    let backend = Db::backend_of(&url)?;
    if manifest.database != database::backend_name(backend) {
        bail!(
            "this backup is of a {} database, and the database URL names {}: restore it \
             into the same kind of database",
            manifest.database,
            database::backend_name(backend)
        );
    }
    let known = crate::db::latest_migration(backend);
    if manifest.migration > known {
        bail!(
            "this backup was made by a newer ImmCase ({}, schema {}): this one knows schema {known}",
            manifest.immcase_version,
            manifest.migration
        );
    }
    let listed = store::read_list(
        &std::fs::read_to_string(from.join(store::BLOB_LIST))
            .with_context(|| format!("reading {}", store::BLOB_LIST))?,
    )?;

    // Everything is checked before anything is written.
    database::check_empty(backend, &url).await?;
    std::fs::create_dir_all(&config.data_dir)
        .with_context(|| format!("creating {}", config.data_dir.display()))?;
    let blobs = crate::blobs::Blobs::open(&config.files, &config.data_dir)
        .context("opening the blob store")?;
    store::check_empty(&blobs).await?;
    let plugins = config.plugins_dir();
    if manifest.installed_modules
        && std::fs::read_dir(&plugins).is_ok_and(|mut entries| entries.next().is_some())
    {
        bail!(
            "{} already holds installed modules: restore goes into an empty installation",
            plugins.display()
        );
    }
    check_secret_key(config, from, &manifest)?;
    store::verify(from, &listed).await?;

    database::put_back(backend, &url, from).await?;
    store::copy_in(&blobs, from, &listed).await?;
    if manifest.installed_modules {
        let (source, into) = (from.join(PLUGINS_DIR), plugins.clone());
        tokio::task::spawn_blocking(move || store::copy_folder(&source, &into)).await??;
    }
    // Brings the schema up to date, and indexes every record again.
    let state = crate::open(config.clone()).await?;
    crate::search::feed::rebuild_reporting(&state, |_| {})
        .await
        .map_err(|e| anyhow::anyhow!("rebuilding the search index: {e}"))?;
    state.db.close().await;
    Ok(manifest)
}

/// Puts the backup's key file in place, or makes sure the installation
/// has the key that seals the backup's stored secrets.
fn check_secret_key(config: &Config, from: &Path, manifest: &Manifest) -> anyhow::Result<()> {
    let key_file = config.data_dir.join(crate::secrets::KEY_FILE);
    let have_key = config.secret_keys.key.is_some() || key_file.exists();
    if manifest.secret_key_included && config.secret_keys.key.is_none() {
        let carried = std::fs::read_to_string(from.join(SECRET_KEY_FILE))
            .context("the backup lists a secret key file but does not hold it")?;
        match std::fs::read_to_string(&key_file) {
            Ok(existing) if existing == carried => {}
            Ok(_) => bail!(
                "{} holds another key than the backup's: move it away first",
                key_file.display()
            ),
            Err(_) => crate::secrets::write_private(&key_file, &carried)
                .with_context(|| format!("writing {}", key_file.display()))?,
        }
    } else if !have_key {
        bail!(
            "the backup's stored secrets (SMTP and IMAP passwords) are sealed with key {}, \
             which is not in the backup: put its key file at {} or set IMMCASE_SECRET_KEY, \
             then restore again",
            manifest.secret_key_id,
            key_file.display()
        );
    }
    let keys = crate::secrets::Keyring::load(&config.secret_keys, &config.data_dir)
        .context("loading the key for stored secrets")?;
    if !keys.has_key(&manifest.secret_key_id) {
        bail!(
            "the backup's stored secrets are sealed with key {}, and this installation's keys \
             are others: give that key (IMMCASE_SECRET_KEY or IMMCASE_SECRET_KEY_PREVIOUS)",
            manifest.secret_key_id
        );
    }
    Ok(())
}

/// Writes a small file and makes sure it is on the disk.
fn write_synced(path: &Path, text: &str) -> anyhow::Result<()> {
    use std::io::Write;
    let mut file =
        std::fs::File::create(path).with_context(|| format!("creating {}", path.display()))?;
    file.write_all(text.as_bytes())?;
    file.sync_all()?;
    Ok(())
}
