//! The registry's documents. A registry is static files:
//!
//! ```text
//! root.json            root.json.minisig       signed by the root key the host pins
//! snapshot.json        snapshot.json.minisig   signed by a snapshot key the root names
//! index/{id}.jsonl     one JSON line per published version; hashed in the snapshot
//! packages/{id}/{version}.wasm  (.minisig)     signed by a publisher key the root names for {id}
//! ```

use std::collections::BTreeMap;

use jiff::Timestamp;
use semver::{Version, VersionReq};
use serde::{Deserialize, Serialize};

use crate::keys::{KeyError, PublicKey};

/// The root: which keys are trusted for what, and what is revoked.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Root {
    /// Always `"root"`: a signed snapshot cannot pass for a root.
    #[serde(rename = "type")]
    pub kind: String,
    /// Raised on every change; a host refuses a root older than one it has seen.
    pub version: u64,
    pub expires: Timestamp,
    /// Keys that may sign the snapshot (base64).
    pub snapshot_keys: Vec<String>,
    /// Module id → the keys that may sign its packages (base64).
    pub publishers: BTreeMap<String, Vec<String>>,
    /// Versions that must not run, with the reason shown to administrators.
    #[serde(default)]
    pub revoked: Vec<Revocation>,
    /// Keys whose signatures no longer count (by key id), with the reason.
    #[serde(default)]
    pub revoked_keys: Vec<KeyRevocation>,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Revocation {
    pub module: String,
    pub version: Version,
    pub reason: String,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct KeyRevocation {
    pub key: String,
    pub reason: String,
}

impl Root {
    pub fn snapshot_keys(&self) -> Result<Vec<PublicKey>, KeyError> {
        self.keys(&self.snapshot_keys)
    }

    /// The keys that may sign `module`'s packages, less revoked ones.
    pub fn publisher_keys(&self, module: &str) -> Result<Vec<PublicKey>, KeyError> {
        self.keys(
            self.publishers
                .get(module)
                .map(Vec::as_slice)
                .unwrap_or_default(),
        )
    }

    fn keys(&self, listed: &[String]) -> Result<Vec<PublicKey>, KeyError> {
        let mut keys = Vec::new();
        for text in listed {
            let key = PublicKey::parse(text)?;
            if !self.revoked_keys.iter().any(|r| r.key == key.id()) {
                keys.push(key);
            }
        }
        Ok(keys)
    }

    /// Why `module` `version` must not run, when it is revoked.
    pub fn revocation(&self, module: &str, version: &Version) -> Option<&str> {
        self.revoked
            .iter()
            .find(|r| r.module == module && r.version == *version)
            .map(|r| r.reason.as_str())
    }
}

/// The snapshot: the hash of every index file at one moment.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Snapshot {
    /// Always `"snapshot"`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Raised on every refresh; a host refuses one older than one it has seen.
    pub version: u64,
    pub expires: Timestamp,
    /// The root version it was made under.
    pub root_version: u64,
    /// Module id → its index file.
    pub indexes: BTreeMap<String, FileHash>,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct FileHash {
    pub sha256: String,
    pub size: u64,
}

/// One published version of a module: a line of `index/{id}.jsonl`.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct IndexLine {
    pub id: String,
    pub version: Version,
    pub host_api: VersionReq,
    /// Other modules it needs: id → version requirement.
    #[serde(default)]
    pub dependencies: BTreeMap<String, VersionReq>,
    /// The capabilities its manifest declares, as the manifest's JSON.
    pub capabilities: serde_json::Value,
    pub sha256: String,
    pub size: u64,
    /// The hash of the `plugin.toml` the package carries.
    pub manifest_sha256: String,
    #[serde(default)]
    pub yanked: bool,
    pub published: Timestamp,
}

impl IndexLine {
    /// The line for a package carrying `manifest`.
    pub fn for_package(
        manifest: &immcase_manifest::Manifest,
        manifest_text: &str,
        package: &[u8],
        published: Timestamp,
    ) -> IndexLine {
        IndexLine {
            id: manifest.id.clone(),
            version: manifest.version.clone(),
            host_api: manifest.host_api.clone(),
            dependencies: manifest.dependencies.clone(),
            capabilities: capabilities_json(manifest),
            sha256: crate::sha256_hex(package),
            size: package.len() as u64,
            manifest_sha256: crate::sha256_hex(manifest_text.as_bytes()),
            yanked: false,
            published,
        }
    }

    /// Where the differences lie between this line and `manifest`, in words
    /// (empty when they agree).
    pub fn differences(&self, manifest: &immcase_manifest::Manifest) -> Vec<String> {
        let mut out = Vec::new();
        if self.id != manifest.id {
            out.push(format!(
                "id `{}` (the index says `{}`)",
                manifest.id, self.id
            ));
        }
        if self.version != manifest.version {
            out.push(format!(
                "version {} (the index says {})",
                manifest.version, self.version
            ));
        }
        if self.host_api != manifest.host_api {
            out.push(format!(
                "host-api {} (the index says {})",
                manifest.host_api, self.host_api
            ));
        }
        if self.dependencies != manifest.dependencies {
            out.push("its dependencies".into());
        }
        if self.capabilities != capabilities_json(manifest) {
            out.push("its capabilities".into());
        }
        out
    }

    /// What the signature of this version's package states.
    pub fn statement(&self) -> String {
        package_statement(&self.id, &self.version, &self.sha256)
    }
}

/// The trusted comment a package's signature carries: the module, the
/// version and the package's hash, so that a signature made for one version
/// vouches for no other.
pub fn package_statement(id: &str, version: &Version, sha256: &str) -> String {
    format!("immcase-package {id} {version} sha256:{sha256}")
}

/// What a document's signature states: the document's kind and version.
pub fn document_statement(kind: &str, version: u64) -> String {
    format!("immcase-{kind} {version}")
}

fn capabilities_json(manifest: &immcase_manifest::Manifest) -> serde_json::Value {
    serde_json::to_value(&manifest.capabilities).unwrap_or(serde_json::Value::Null)
}

/// Index lines from an index file's text; `Err` names the line.
pub fn parse_index(text: &str) -> Result<Vec<IndexLine>, String> {
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(n, l)| serde_json::from_str(l).map_err(|e| format!("line {}: {e}", n + 1)))
        .collect()
}

/// An index file's text.
pub fn write_index(lines: &[IndexLine]) -> String {
    let mut out = String::new();
    for line in lines {
        out.push_str(&serde_json::to_string(line).unwrap_or_default());
        out.push('\n');
    }
    out
}
