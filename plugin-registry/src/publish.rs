//! Keeping a registry in a folder: `init` makes the root and the first
//! snapshot, `publish` adds a signed package and its index line, `yank`
//! marks a line, `refresh` re-signs the snapshot (and the root when its keys
//! or revocations change). The folder can then be served by any web server
//! or copied to an object store as it is.

use std::path::{Path, PathBuf};

use jiff::{SignedDuration, Timestamp};
use semver::Version;

use crate::documents::{
    FileHash, IndexLine, KeyRevocation, Revocation, Root, Snapshot, document_statement,
    parse_index, write_index,
};
use crate::keys::{PublicKey, SecretKey};
use crate::{RegistryError, package, sha256_hex, write_atomically};

/// How long a root stays valid after it is signed.
pub const ROOT_VALID_FOR: SignedDuration = SignedDuration::from_hours(365 * 24);
/// How long a snapshot stays valid: a registry is refreshed at least this
/// often, and a host that sees nothing newer for longer stops trusting it.
pub const SNAPSHOT_VALID_FOR: SignedDuration = SignedDuration::from_hours(14 * 24);

/// A registry kept in a folder.
pub struct FolderRegistry {
    dir: PathBuf,
}

/// Changes to the root, signed with the root key.
#[derive(Default)]
pub struct RootChanges {
    pub publishers: Vec<(String, PublicKey)>,
    pub revoke: Vec<Revocation>,
    pub revoke_keys: Vec<KeyRevocation>,
}

impl RootChanges {
    pub fn is_empty(&self) -> bool {
        self.publishers.is_empty() && self.revoke.is_empty() && self.revoke_keys.is_empty()
    }
}

impl FolderRegistry {
    pub fn at(dir: &Path) -> FolderRegistry {
        FolderRegistry {
            dir: dir.to_path_buf(),
        }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// A new, empty registry: its root signed by `root_key`, trusting
    /// `snapshot_key` for snapshots and each of `publishers` for its
    /// module. Refuses a folder that has a root.
    pub fn init(
        dir: &Path,
        root_key: &SecretKey,
        snapshot_key: &SecretKey,
        publishers: &[(String, PublicKey)],
        now: Timestamp,
    ) -> Result<FolderRegistry, RegistryError> {
        let registry = FolderRegistry::at(dir);
        if registry.path("root.json").exists() {
            return Err(RegistryError::Exists(registry.path("root.json")));
        }
        std::fs::create_dir_all(registry.path("index")).map_err(io(&registry.dir))?;
        std::fs::create_dir_all(registry.path("packages")).map_err(io(&registry.dir))?;
        let root = Root {
            kind: "root".into(),
            version: 1,
            expires: now + ROOT_VALID_FOR,
            snapshot_keys: vec![snapshot_key.public().to_base64()],
            publishers: publishers
                .iter()
                .fold(Default::default(), |mut all, (id, key)| {
                    let keys: &mut Vec<String> = all.entry(id.clone()).or_default();
                    keys.push(key.to_base64());
                    all
                }),
            revoked: Vec::new(),
            revoked_keys: Vec::new(),
        };
        registry.write_signed("root", root.version, &root, root_key)?;
        registry.refresh(snapshot_key, None, RootChanges::default(), now)?;
        Ok(registry)
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.dir.join(rel)
    }

    pub fn root(&self) -> Result<Root, RegistryError> {
        read_json(&self.path("root.json"))
    }

    fn snapshot(&self) -> Result<Snapshot, RegistryError> {
        read_json(&self.path("snapshot.json"))
    }

    /// The index lines of `id` (none when it was never published).
    pub fn index(&self, id: &str) -> Result<Vec<IndexLine>, RegistryError> {
        let path = self.path(&format!("index/{id}.jsonl"));
        match std::fs::read_to_string(&path) {
            Ok(text) => parse_index(&text).map_err(|reason| RegistryError::Document {
                what: format!("index/{id}.jsonl"),
                reason,
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
            Err(e) => Err(io(&path)(e)),
        }
    }

    /// Adds a package: `component` with `manifest_text` carried in it,
    /// signed with `key`. The snapshot is not re-signed: `refresh` does that
    /// (with the registry's key, which a publisher need not hold).
    pub fn publish(
        &self,
        component: &[u8],
        manifest_text: &str,
        key: &SecretKey,
        now: Timestamp,
    ) -> Result<IndexLine, RegistryError> {
        let manifest = immcase_manifest::Manifest::parse(manifest_text)
            .map_err(|e| RegistryError::Manifest(e.to_string()))?;
        let package = package::embed_manifest(component, manifest_text)?;
        let root = self.root()?;
        let trusted = root.publisher_keys(&manifest.id)?;
        if !trusted.iter().any(|k| k.id() == key.public().id()) {
            return Err(RegistryError::NotAPublisher {
                module: manifest.id.clone(),
                key: key.public().id(),
            });
        }
        let mut lines = self.index(&manifest.id)?;
        if lines.iter().any(|l| l.version == manifest.version) {
            return Err(RegistryError::AlreadyPublished {
                module: manifest.id.clone(),
                version: manifest.version.clone(),
            });
        }
        let line = IndexLine::for_package(&manifest, manifest_text, &package, now);
        let signature = key.sign(&package, &line.statement())?;
        let dir = self.path(&format!("packages/{}", manifest.id));
        std::fs::create_dir_all(&dir).map_err(io(&dir))?;
        let file = dir.join(format!("{}.wasm", manifest.version));
        write_atomically(&file, &package)?;
        write_atomically(
            &dir.join(format!("{}.wasm.minisig", manifest.version)),
            signature.as_bytes(),
        )?;
        lines.push(line.clone());
        lines.sort_by(|a, b| a.version.cmp(&b.version));
        self.write_index(&manifest.id, &lines)?;
        Ok(line)
    }

    /// Marks a version yanked (or not): it is no longer chosen, but servers
    /// that run it keep it, with a warning.
    pub fn yank(&self, id: &str, version: &Version, yanked: bool) -> Result<(), RegistryError> {
        let mut lines = self.index(id)?;
        let line = lines
            .iter_mut()
            .find(|l| l.version == *version)
            .ok_or_else(|| RegistryError::NotPublished {
                module: id.to_string(),
                version: version.clone(),
            })?;
        line.yanked = yanked;
        self.write_index(id, &lines)
    }

    fn write_index(&self, id: &str, lines: &[IndexLine]) -> Result<(), RegistryError> {
        write_atomically(
            &self.path(&format!("index/{id}.jsonl")),
            write_index(lines).as_bytes(),
        )
    }

    /// Signs a new snapshot of every index file; with `root_key`, applies
    /// `changes` to the root first and signs it as a new version.
    pub fn refresh(
        &self,
        snapshot_key: &SecretKey,
        root_key: Option<&SecretKey>,
        changes: RootChanges,
        now: Timestamp,
    ) -> Result<Snapshot, RegistryError> {
        let mut root = self.root()?;
        if !changes.is_empty() {
            let root_key = root_key.ok_or(RegistryError::NeedsRootKey)?;
            for (module, key) in changes.publishers {
                let keys = root.publishers.entry(module).or_default();
                if !keys.contains(&key.to_base64()) {
                    keys.push(key.to_base64());
                }
            }
            root.revoked.extend(changes.revoke);
            root.revoked_keys.extend(changes.revoke_keys);
            root.version += 1;
            root.expires = now + ROOT_VALID_FOR;
            self.write_signed("root", root.version, &root, root_key)?;
        } else if let Some(root_key) = root_key {
            // Signing the same root again only pushes its expiry back.
            root.version += 1;
            root.expires = now + ROOT_VALID_FOR;
            self.write_signed("root", root.version, &root, root_key)?;
        }
        if !root
            .snapshot_keys()?
            .iter()
            .any(|k| k.id() == snapshot_key.public().id())
        {
            return Err(RegistryError::NotASnapshotKey(snapshot_key.public().id()));
        }
        let mut indexes = std::collections::BTreeMap::new();
        let index_dir = self.path("index");
        for entry in std::fs::read_dir(&index_dir).map_err(io(&index_dir))? {
            let entry = entry.map_err(io(&index_dir))?;
            let name = entry.file_name().to_string_lossy().to_string();
            let Some(id) = name.strip_suffix(".jsonl") else {
                continue;
            };
            let bytes = std::fs::read(entry.path()).map_err(io(&entry.path()))?;
            indexes.insert(
                id.to_string(),
                FileHash {
                    sha256: sha256_hex(&bytes),
                    size: bytes.len() as u64,
                },
            );
        }
        let version = match self.snapshot() {
            Ok(s) => s.version + 1,
            Err(_) => 1,
        };
        let snapshot = Snapshot {
            kind: "snapshot".into(),
            version,
            expires: now + SNAPSHOT_VALID_FOR,
            root_version: root.version,
            indexes,
        };
        self.write_signed("snapshot", version, &snapshot, snapshot_key)?;
        Ok(snapshot)
    }

    /// Writes `{kind}.json` and its signature (the signature first: a reader
    /// between the two writes sees a mismatch and tries again, never an
    /// unsigned document taken as signed).
    fn write_signed<T: serde::Serialize>(
        &self,
        kind: &str,
        version: u64,
        doc: &T,
        key: &SecretKey,
    ) -> Result<(), RegistryError> {
        let bytes = serde_json::to_vec_pretty(doc).map_err(|e| RegistryError::Document {
            what: format!("{kind}.json"),
            reason: e.to_string(),
        })?;
        let signature = key.sign(&bytes, &document_statement(kind, version))?;
        write_atomically(
            &self.path(&format!("{kind}.json.minisig")),
            signature.as_bytes(),
        )?;
        write_atomically(&self.path(&format!("{kind}.json")), &bytes)
    }
}

fn read_json<T: serde::de::DeserializeOwned>(path: &Path) -> Result<T, RegistryError> {
    let bytes = std::fs::read(path).map_err(io(path))?;
    serde_json::from_slice(&bytes).map_err(|e| RegistryError::Document {
        what: path.display().to_string(),
        reason: e.to_string(),
    })
}

fn io(path: &Path) -> impl Fn(std::io::Error) -> RegistryError + '_ {
    move |source| RegistryError::Io {
        path: path.to_path_buf(),
        source,
    }
}
