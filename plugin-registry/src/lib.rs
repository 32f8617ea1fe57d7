//! The plugin registry: how modules are published, found, checked and
//! installed.
//!
//! - [`package`]: a package is the module's component with its
//!   `plugin.toml` carried in a custom section.
//! - [`keys`]: Ed25519 keys and detached signatures in minisign's format.
//! - [`documents`]: the signed root, the snapshot and the index lines.
//! - [`publish`]: keeping a registry in a folder (init, publish, yank, refresh).
//! - [`client`]: reading a registry as a host does, every document and
//!   package checked, older or expired documents refused.
//! - [`resolve`]: which versions to install, by the PubGrub solver.
//! - [`store`]: a server's installed versions, switched atomically.

pub mod client;
pub mod documents;
pub mod keys;
pub mod package;
pub mod plan;
pub mod publish;
pub mod resolve;
pub mod store;

use std::path::{Path, PathBuf};

use semver::Version;
use sha2::{Digest, Sha256};

pub use client::{Checked, Source, VerifiedPackage};
pub use documents::{IndexLine, Root, Snapshot};
pub use keys::{PublicKey, SecretKey};
pub use publish::FolderRegistry;
pub use resolve::{Catalog, Want};
pub use store::Store;

/// Why a registry operation failed, in words an operator can act on.
#[derive(Debug, thiserror::Error)]
pub enum RegistryError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot fetch {what}: {reason}")]
    Fetch { what: String, reason: String },
    #[error("{what} is larger than {limit} bytes")]
    TooLarge { what: String, limit: u64 },
    #[error("{what}: {reason}")]
    Document { what: String, reason: String },
    #[error("{what}: {source}")]
    DocumentSignature {
        what: String,
        source: keys::SignatureError,
    },
    #[error(
        "the registry's {what} is version {version}, older than version {seen} seen before: refused (someone may be serving an old copy)"
    )]
    Rollback {
        what: &'static str,
        version: u64,
        seen: u64,
    },
    #[error(
        "the registry's {what} (version {version}) expired at {expired}: refused until the registry is refreshed"
    )]
    Expired {
        what: &'static str,
        version: u64,
        expired: jiff::Timestamp,
    },
    #[error("the index of `{module}` is not the one the snapshot lists")]
    IndexHash { module: String },
    #[error("the package of {module} {version} is {got} bytes, the index says {expected}")]
    PackageSize {
        module: String,
        version: Version,
        expected: u64,
        got: u64,
    },
    #[error(
        "the package of {module} {version} is not the one the index lists (its SHA-256 differs)"
    )]
    PackageHash { module: String, version: Version },
    #[error(
        "the package of {module} {version} was changed after its publisher signed it: {part} differs"
    )]
    Tampered {
        module: String,
        version: Version,
        part: &'static str,
    },
    #[error("the package of {module} {version}: {source}")]
    PackageSignature {
        module: String,
        version: Version,
        source: keys::SignatureError,
    },
    #[error("the package offered as {module} {version} was signed as another ({statement:?})")]
    SignedForAnother {
        module: String,
        version: Version,
        statement: String,
    },
    #[error("{module} {version} is revoked: {reason}")]
    Revoked {
        module: String,
        version: Version,
        reason: String,
    },
    #[error(
        "the plugin.toml the package of {module} {version} carries differs from its index line: {differences}"
    )]
    ManifestDiffers {
        module: String,
        version: Version,
        differences: String,
    },
    #[error("{0}")]
    Manifest(String),
    #[error(transparent)]
    Package(#[from] package::PackageError),
    #[error(transparent)]
    Key(#[from] keys::KeyError),
    #[error("{0} already exists")]
    Exists(PathBuf),
    #[error(
        "key {key} may not publish `{module}`: the registry's root does not list it for this module"
    )]
    NotAPublisher { module: String, key: String },
    #[error("{module} {version} is already published; publish a new version")]
    AlreadyPublished { module: String, version: Version },
    #[error("{module} {version} is not published")]
    NotPublished { module: String, version: Version },
    #[error("changing the root needs the root key")]
    NeedsRootKey,
    #[error("key {0} is not one of the root's snapshot keys")]
    NotASnapshotKey(String),
    #[error("{0} is not installed")]
    NotInstalled(String),
    #[error("`{0}` has no earlier version to roll back to")]
    NothingToRollBackTo(String),
    #[error("{0}")]
    Conflict(String),
    #[error(transparent)]
    Resolve(#[from] resolve::ResolveError),
}

/// Lowercase hexadecimal SHA-256.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Writes `bytes` to a unique temporary file beside `path`, flushes it to
/// disk and renames it over `path`: readers see the old file or the new one.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), RegistryError> {
    use std::io::Write;
    let io = |source| RegistryError::Io {
        path: path.to_path_buf(),
        source,
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    let tmp = path.with_file_name(format!(".{name}.{}-{nanos}.tmp", std::process::id()));
    let mut file = std::fs::File::create(&tmp).map_err(io)?;
    file.write_all(bytes).map_err(io)?;
    file.sync_all().map_err(io)?;
    drop(file);
    std::fs::rename(&tmp, path).map_err(io)?;
    if let Some(parent) = path.parent()
        && let Ok(dir) = std::fs::File::open(parent)
    {
        let _ = dir.sync_all();
    }
    Ok(())
}
