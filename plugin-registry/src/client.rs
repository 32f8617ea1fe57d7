//! Reading a registry as a host does: the root checked against the pinned
//! key, the snapshot against the root's snapshot keys, each index file
//! against the snapshot, each package against its index line and its
//! publisher's signature. The highest root and snapshot versions seen are
//! kept, and older or expired ones refused (rollback and freeze attacks).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::documents::{IndexLine, Root, Snapshot, document_statement, parse_index};
use crate::keys::{self, PublicKey};
use crate::resolve::Catalog;
use crate::{RegistryError, package, sha256_hex, write_atomically};

/// The most a root or snapshot document may weigh.
const MAX_DOCUMENT: u64 = 4 * 1024 * 1024;
/// The most an index file may weigh.
const MAX_INDEX: u64 = 4 * 1024 * 1024;
/// The most a signature file may weigh.
const MAX_SIGNATURE: u64 = 4096;
/// The largest package a host downloads.
pub const MAX_PACKAGE: u64 = 256 * 1024 * 1024;

/// Where a registry's files are read from: a folder, or a base URL served
/// by any web server or object store.
#[derive(Clone, Debug)]
pub enum Source {
    Folder(PathBuf),
    Http(String),
}

impl Source {
    /// `http://` and `https://` addresses are fetched; anything else is a folder.
    pub fn parse(text: &str) -> Source {
        if text.starts_with("http://") || text.starts_with("https://") {
            Source::Http(text.trim_end_matches('/').to_string())
        } else {
            Source::Folder(PathBuf::from(text.strip_prefix("file://").unwrap_or(text)))
        }
    }

    /// The file at `rel`, refused when larger than `limit`.
    pub async fn get(&self, rel: &str, limit: u64) -> Result<Vec<u8>, RegistryError> {
        let too_large = || RegistryError::TooLarge {
            what: rel.to_string(),
            limit,
        };
        match self {
            Source::Folder(dir) => {
                let path = dir.join(rel);
                let meta = tokio::fs::metadata(&path)
                    .await
                    .map_err(|e| fetch(rel, e))?;
                if meta.len() > limit {
                    return Err(too_large());
                }
                tokio::fs::read(&path).await.map_err(|e| fetch(rel, e))
            }
            Source::Http(base) => {
                let url = format!("{base}/{rel}");
                let mut response = reqwest::get(&url).await.map_err(|e| fetch(rel, e))?;
                if !response.status().is_success() {
                    return Err(fetch(rel, format!("{url} answered {}", response.status())));
                }
                if response.content_length().is_some_and(|n| n > limit) {
                    return Err(too_large());
                }
                let mut out = Vec::new();
                while let Some(chunk) = response.chunk().await.map_err(|e| fetch(rel, e))? {
                    if (out.len() + chunk.len()) as u64 > limit {
                        return Err(too_large());
                    }
                    out.extend_from_slice(&chunk);
                }
                Ok(out)
            }
        }
    }
}

fn fetch(what: &str, reason: impl ToString) -> RegistryError {
    RegistryError::Fetch {
        what: what.to_string(),
        reason: reason.to_string(),
    }
}

/// The highest versions seen of a registry's documents, kept by a host.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct TrustState {
    /// The pinned key these versions were seen under.
    pub key: String,
    pub root_version: u64,
    pub snapshot_version: u64,
}

impl TrustState {
    pub fn load(path: &Path) -> Result<TrustState, RegistryError> {
        match std::fs::read(path) {
            Ok(bytes) => serde_json::from_slice(&bytes).map_err(|e| RegistryError::Document {
                what: path.display().to_string(),
                reason: e.to_string(),
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(TrustState::default()),
            Err(source) => Err(RegistryError::Io {
                path: path.to_path_buf(),
                source,
            }),
        }
    }

    pub fn save(&self, path: &Path) -> Result<(), RegistryError> {
        let bytes = serde_json::to_vec_pretty(self).unwrap_or_default();
        write_atomically(path, &bytes)
    }
}

/// A registry whose root and snapshot were just checked.
#[derive(Clone, Debug)]
pub struct Checked {
    pub source: Source,
    pub root: Root,
    pub snapshot: Snapshot,
}

/// Fetches and checks the root and the snapshot, refusing older versions
/// than `trust_file` records (and recording the new ones) and expired ones.
pub async fn check(
    source: &Source,
    pinned: &PublicKey,
    trust_file: &Path,
    now: Timestamp,
) -> Result<Checked, RegistryError> {
    let mut trust = TrustState::load(trust_file)?;
    if trust.key != pinned.id() {
        trust = TrustState {
            key: pinned.id(),
            ..TrustState::default()
        };
    }
    let root_bytes = source.get("root.json", MAX_DOCUMENT).await?;
    let root_sig = source.get("root.json.minisig", MAX_SIGNATURE).await?;
    let root: Root = signed_document("root", &root_bytes, &root_sig, std::slice::from_ref(pinned))?;
    fresh("root", root.version, trust.root_version, root.expires, now)?;
    let snap_bytes = source.get("snapshot.json", MAX_DOCUMENT).await?;
    let snap_sig = source.get("snapshot.json.minisig", MAX_SIGNATURE).await?;
    let snapshot: Snapshot =
        signed_document("snapshot", &snap_bytes, &snap_sig, &root.snapshot_keys()?)?;
    fresh(
        "snapshot",
        snapshot.version,
        trust.snapshot_version,
        snapshot.expires,
        now,
    )?;
    trust.root_version = root.version;
    trust.snapshot_version = snapshot.version;
    trust.save(trust_file)?;
    Ok(Checked {
        source: source.clone(),
        root,
        snapshot,
    })
}

/// A document signed by one of `keys`, whose signature states its kind
/// and version.
fn signed_document<T: serde::de::DeserializeOwned + HasVersion>(
    kind: &str,
    bytes: &[u8],
    signature: &[u8],
    keys: &[PublicKey],
) -> Result<T, RegistryError> {
    let signature = std::str::from_utf8(signature).unwrap_or_default();
    let (statement, _) = keys::verify(keys, bytes, signature).map_err(|source| {
        RegistryError::DocumentSignature {
            what: format!("{kind}.json"),
            source,
        }
    })?;
    let doc: T = serde_json::from_slice(bytes).map_err(|e| RegistryError::Document {
        what: format!("{kind}.json"),
        reason: e.to_string(),
    })?;
    if doc.kind() != kind || statement != document_statement(kind, doc.version()) {
        return Err(RegistryError::Document {
            what: format!("{kind}.json"),
            reason: format!("its signature is for another document ({statement:?})"),
        });
    }
    Ok(doc)
}

trait HasVersion {
    fn kind(&self) -> &str;
    fn version(&self) -> u64;
}

impl HasVersion for Root {
    fn kind(&self) -> &str {
        &self.kind
    }
    fn version(&self) -> u64 {
        self.version
    }
}

impl HasVersion for Snapshot {
    fn kind(&self) -> &str {
        &self.kind
    }
    fn version(&self) -> u64 {
        self.version
    }
}

fn fresh(
    what: &'static str,
    version: u64,
    seen: u64,
    expires: Timestamp,
    now: Timestamp,
) -> Result<(), RegistryError> {
    if version < seen {
        return Err(RegistryError::Rollback {
            what,
            version,
            seen,
        });
    }
    if expires <= now {
        return Err(RegistryError::Expired {
            what,
            version,
            expired: expires,
        });
    }
    Ok(())
}

impl Checked {
    /// The index lines of `id`, checked against the snapshot.
    pub async fn index(&self, id: &str) -> Result<Vec<IndexLine>, RegistryError> {
        let Some(expected) = self.snapshot.indexes.get(id) else {
            return Ok(Vec::new());
        };
        let rel = format!("index/{id}.jsonl");
        let bytes = self.source.get(&rel, MAX_INDEX.min(expected.size)).await?;
        if sha256_hex(&bytes) != expected.sha256 {
            return Err(RegistryError::IndexHash { module: id.into() });
        }
        let text = String::from_utf8(bytes).map_err(|_| RegistryError::Document {
            what: rel.clone(),
            reason: "not UTF-8 text".into(),
        })?;
        let lines =
            parse_index(&text).map_err(|reason| RegistryError::Document { what: rel, reason })?;
        if let Some(other) = lines.iter().find(|l| l.id != id) {
            return Err(RegistryError::Document {
                what: format!("index/{id}.jsonl"),
                reason: format!("it lists module `{}`", other.id),
            });
        }
        Ok(lines)
    }

    /// Every module's index lines.
    pub async fn all(&self) -> Result<BTreeMap<String, Vec<IndexLine>>, RegistryError> {
        let mut out = BTreeMap::new();
        for id in self.snapshot.indexes.keys() {
            out.insert(id.clone(), self.index(id).await?);
        }
        Ok(out)
    }

    /// A catalog of every published version.
    pub async fn catalog(&self) -> Result<Catalog, RegistryError> {
        let mut catalog = Catalog::default();
        for lines in self.all().await?.values() {
            catalog.add_index(lines);
        }
        Ok(catalog)
    }

    /// Downloads the package of `line` and checks it.
    pub async fn download(&self, line: &IndexLine) -> Result<VerifiedPackage, RegistryError> {
        let rel = format!("packages/{}/{}.wasm", line.id, line.version);
        let bytes = self.source.get(&rel, line.size.min(MAX_PACKAGE)).await?;
        let signature = self
            .source
            .get(&format!("{rel}.minisig"), MAX_SIGNATURE)
            .await?;
        verify_package(&self.root, line, bytes, &signature)
    }
}

/// A package that passed every check: its size and hash are the index
/// line's, its publisher signed it for this module and version, and the
/// manifest it carries says what the line says.
#[derive(Clone, Debug)]
pub struct VerifiedPackage {
    pub line: IndexLine,
    pub bytes: Vec<u8>,
    pub manifest: String,
    pub signature: String,
    /// The publisher key that signed it.
    pub signed_by: String,
}

/// The checks of a downloaded package, in order: size, signature (when
/// it does not match, whether the code or the manifest it carries was
/// changed), what the signature states, hash, revocation, the manifest.
pub fn verify_package(
    root: &Root,
    line: &IndexLine,
    bytes: Vec<u8>,
    signature: &[u8],
) -> Result<VerifiedPackage, RegistryError> {
    let module = line.id.clone();
    let version = line.version.clone();
    if bytes.len() as u64 != line.size {
        return Err(RegistryError::PackageSize {
            module,
            version,
            expected: line.size,
            got: bytes.len() as u64,
        });
    }
    let signature = String::from_utf8_lossy(signature).to_string();
    let keys = root.publisher_keys(&line.id)?;
    let (statement, key) = match keys::verify(&keys, &bytes, &signature) {
        Ok(found) => found,
        Err(keys::SignatureError::Mismatch { .. }) => {
            let part = match package::embedded_manifest(&bytes) {
                Ok(text) if sha256_hex(text.as_bytes()) == line.manifest_sha256 => "its code",
                _ => "the plugin.toml it carries",
            };
            return Err(RegistryError::Tampered {
                module,
                version,
                part,
            });
        }
        Err(source) => {
            return Err(RegistryError::PackageSignature {
                module,
                version,
                source,
            });
        }
    };
    if statement != line.statement() {
        return Err(RegistryError::SignedForAnother {
            module,
            version,
            statement,
        });
    }
    if sha256_hex(&bytes) != line.sha256 {
        return Err(RegistryError::PackageHash { module, version });
    }
    if let Some(reason) = root.revocation(&line.id, &line.version) {
        return Err(RegistryError::Revoked {
            module,
            version,
            reason: reason.to_string(),
        });
    }
    let manifest = package::embedded_manifest(&bytes)?;
    let parsed = immcase_manifest::Manifest::parse(&manifest)
        .map_err(|e| RegistryError::Manifest(e.to_string()))?;
    let mut differences = line.differences(&parsed);
    if sha256_hex(manifest.as_bytes()) != line.manifest_sha256 && differences.is_empty() {
        differences.push("its text".into());
    }
    if !differences.is_empty() {
        return Err(RegistryError::ManifestDiffers {
            module,
            version,
            differences: differences.join(", "),
        });
    }
    Ok(VerifiedPackage {
        line: line.clone(),
        bytes,
        manifest,
        signature,
        signed_by: key.id(),
    })
}
