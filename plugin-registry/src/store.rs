//! The modules a server installed from registries, in its data folder:
//!
//! ```text
//! installed/{id}/{version}/   module.wasm, plugin.toml, package.minisig, line.json
//! installed/{id}/state.json   which version is active, and the one before
//! staging/                    downloads being written; emptied at every start
//! trust.json                  the highest root and snapshot versions seen
//! ```
//!
//! A version folder is written in `staging/` and renamed into place whole,
//! and never changed after; the active version is switched by renaming a
//! new `state.json` over the old one. A crash at any point leaves either
//! the old state or the new one, never a half-written version in use.

use std::path::{Path, PathBuf};

use semver::Version;
use serde::{Deserialize, Serialize};

use crate::client::VerifiedPackage;
use crate::documents::IndexLine;
use crate::{RegistryError, write_atomically};

/// A version folder's plugin.toml and component.
const MANIFEST_FILE: &str = "plugin.toml";
const COMPONENT_FILE: &str = "module.wasm";

/// The installed modules of one server.
pub struct Store {
    dir: PathBuf,
}

/// Which version of a module runs, and which ran before it.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct State {
    pub active: Version,
    pub previous: Option<Version>,
    /// Why the registry revoked the active version: a server does not run
    /// it (and says why) until another version is made active.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revoked: Option<String>,
    /// The registry's publisher withdrew the active version (yanked): it
    /// keeps running, with a warning.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub yanked: bool,
}

/// The active version of an installed module, as the host loads it.
#[derive(Clone, Debug)]
pub struct ActiveModule {
    pub id: String,
    pub state: State,
    pub folder: PathBuf,
    pub line: IndexLine,
}

impl ActiveModule {
    pub fn manifest(&self) -> PathBuf {
        self.folder.join(MANIFEST_FILE)
    }
}

impl Store {
    /// The store in `dir` as it is, to read (a server reads what the
    /// commands installed; nothing is cleared or made).
    pub fn at(dir: &Path) -> Store {
        Store {
            dir: dir.to_path_buf(),
        }
    }

    /// The store in `dir`, its folders made when needed, nothing cleared
    /// (for a server that may be writing to it meanwhile).
    pub fn ensure(dir: &Path) -> Result<Store, RegistryError> {
        for sub in ["staging", "installed"] {
            let path = dir.join(sub);
            std::fs::create_dir_all(&path).map_err(io(&path))?;
        }
        Ok(Store::at(dir))
    }

    /// Opens (making it when needed) the store in `dir`, clearing what an
    /// interrupted download left in `staging/`.
    pub fn open(dir: &Path) -> Result<Store, RegistryError> {
        let store = Store {
            dir: dir.to_path_buf(),
        };
        let staging = store.dir.join("staging");
        if staging.exists() {
            std::fs::remove_dir_all(&staging).map_err(io(&staging))?;
        }
        for sub in ["staging", "installed"] {
            let path = store.dir.join(sub);
            std::fs::create_dir_all(&path).map_err(io(&path))?;
        }
        Ok(store)
    }

    pub fn trust_file(&self) -> PathBuf {
        self.dir.join("trust.json")
    }

    fn module_dir(&self, id: &str) -> PathBuf {
        self.dir.join("installed").join(id)
    }

    /// The folder of `id` `version`, whether or not it is installed.
    pub fn version_dir(&self, id: &str, version: &Version) -> PathBuf {
        self.module_dir(id).join(version.to_string())
    }

    /// The plugin.toml and the component of an installed version.
    pub fn read_version(
        &self,
        id: &str,
        version: &Version,
    ) -> Result<(String, Vec<u8>), RegistryError> {
        let folder = self.version_dir(id, version);
        let manifest_path = folder.join(MANIFEST_FILE);
        let manifest = std::fs::read_to_string(&manifest_path).map_err(io(&manifest_path))?;
        let component_path = folder.join(COMPONENT_FILE);
        let component = std::fs::read(&component_path).map_err(io(&component_path))?;
        Ok((manifest, component))
    }

    /// Writes a verified package's version folder (not activating it), or
    /// finds it there already.
    pub fn add(&self, package: &VerifiedPackage) -> Result<PathBuf, RegistryError> {
        let line = &package.line;
        let target = self.version_dir(&line.id, &line.version);
        if target.exists() {
            let kept = read_line(&target)?;
            if kept.sha256 == line.sha256 {
                return Ok(target);
            }
            return Err(RegistryError::Conflict(format!(
                "{} {} is installed with other contents than the registry now lists",
                line.id, line.version
            )));
        }
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default();
        let staged = self.dir.join("staging").join(format!(
            "{}-{}-{}-{nanos}",
            line.id,
            line.version,
            std::process::id()
        ));
        std::fs::create_dir_all(&staged).map_err(io(&staged))?;
        write_atomically(&staged.join(COMPONENT_FILE), &package.bytes)?;
        write_atomically(&staged.join(MANIFEST_FILE), package.manifest.as_bytes())?;
        write_atomically(
            &staged.join("package.minisig"),
            package.signature.as_bytes(),
        )?;
        let json = serde_json::to_vec_pretty(line).unwrap_or_default();
        write_atomically(&staged.join("line.json"), &json)?;
        let module_dir = self.module_dir(&line.id);
        std::fs::create_dir_all(&module_dir).map_err(io(&module_dir))?;
        std::fs::rename(&staged, &target).map_err(io(&target))?;
        sync_dir(&module_dir);
        Ok(target)
    }

    /// The state of `id`, when it is installed.
    pub fn state(&self, id: &str) -> Result<Option<State>, RegistryError> {
        let path = self.module_dir(id).join("state.json");
        match std::fs::read(&path) {
            Ok(bytes) => {
                serde_json::from_slice(&bytes)
                    .map(Some)
                    .map_err(|e| RegistryError::Document {
                        what: path.display().to_string(),
                        reason: e.to_string(),
                    })
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(io(&path)(e)),
        }
    }

    /// Puts back a state read before a change (none: not installed), to
    /// undo a change that failed its check.
    pub fn put_state(&self, id: &str, state: Option<&State>) -> Result<(), RegistryError> {
        match state {
            Some(state) => self.set_state(id, state),
            None => {
                let path = self.module_dir(id).join("state.json");
                match std::fs::remove_file(&path) {
                    Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(io(&path)(e)),
                    _ => Ok(()),
                }
            }
        }
    }

    fn set_state(&self, id: &str, state: &State) -> Result<(), RegistryError> {
        let json = serde_json::to_vec_pretty(state).unwrap_or_default();
        write_atomically(&self.module_dir(id).join("state.json"), &json)
    }

    /// Makes `version` (already added) the active version of `id`; the one
    /// active before becomes the one to roll back to.
    pub fn activate(&self, id: &str, version: &Version) -> Result<State, RegistryError> {
        if !self.version_dir(id, version).join("line.json").exists() {
            return Err(RegistryError::NotInstalled(format!("{id} {version}")));
        }
        let previous = self.state(id)?.map(|s| s.active).filter(|v| v != version);
        let state = State {
            active: version.clone(),
            previous,
            revoked: None,
            yanked: false,
        };
        self.set_state(id, &state)?;
        Ok(state)
    }

    /// Switches `id` back to the version active before the last change
    /// (no network: the version folder is still here).
    pub fn rollback(&self, id: &str) -> Result<State, RegistryError> {
        let state = self
            .state(id)?
            .ok_or_else(|| RegistryError::NotInstalled(id.to_string()))?;
        let previous = state
            .previous
            .clone()
            .ok_or_else(|| RegistryError::NothingToRollBackTo(id.to_string()))?;
        if !self.version_dir(id, &previous).join("line.json").exists() {
            return Err(RegistryError::NothingToRollBackTo(id.to_string()));
        }
        let back = State {
            active: previous,
            previous: Some(state.active),
            revoked: None,
            yanked: false,
        };
        self.set_state(id, &back)?;
        Ok(back)
    }

    /// Records that the registry revoked `version` of `id`, when it is the
    /// active one; whether it was.
    pub fn revoke(&self, id: &str, version: &Version, reason: &str) -> Result<bool, RegistryError> {
        let Some(mut state) = self.state(id)? else {
            return Ok(false);
        };
        if state.active != *version || state.revoked.as_deref() == Some(reason) {
            return Ok(false);
        }
        state.revoked = Some(reason.to_string());
        self.set_state(id, &state)?;
        Ok(true)
    }

    /// Records whether the registry lists the active version of `id` as
    /// yanked (when `version` is the active one).
    pub fn mark_yanked(
        &self,
        id: &str,
        version: &Version,
        yanked: bool,
    ) -> Result<(), RegistryError> {
        match self.state(id)? {
            Some(mut state) if state.active == *version && state.yanked != yanked => {
                state.yanked = yanked;
                self.set_state(id, &state)
            }
            _ => Ok(()),
        }
    }

    /// Removes `id` and every version of it.
    pub fn uninstall(&self, id: &str) -> Result<(), RegistryError> {
        let dir = self.module_dir(id);
        if !dir.exists() {
            return Err(RegistryError::NotInstalled(id.to_string()));
        }
        // Out of the way first, so a crash never leaves it half removed and loaded.
        let gone = self
            .dir
            .join("staging")
            .join(format!("removed-{id}-{}", std::process::id()));
        std::fs::rename(&dir, &gone).map_err(io(&dir))?;
        std::fs::remove_dir_all(&gone).map_err(io(&gone))
    }

    /// Every installed module's active version, by id.
    pub fn active(&self) -> Result<Vec<ActiveModule>, RegistryError> {
        let installed = self.dir.join("installed");
        let mut out = Vec::new();
        if !installed.exists() {
            return Ok(out);
        }
        let mut ids: Vec<String> = std::fs::read_dir(&installed)
            .map_err(io(&installed))?
            .filter_map(Result::ok)
            .map(|e| e.file_name().to_string_lossy().to_string())
            .collect();
        ids.sort();
        for id in ids {
            let Some(state) = self.state(&id)? else {
                continue;
            };
            let folder = self.version_dir(&id, &state.active);
            let line = read_line(&folder)?;
            out.push(ActiveModule {
                id,
                state,
                folder,
                line,
            });
        }
        Ok(out)
    }
}

fn read_line(folder: &Path) -> Result<IndexLine, RegistryError> {
    let path = folder.join("line.json");
    let bytes = std::fs::read(&path).map_err(io(&path))?;
    serde_json::from_slice(&bytes).map_err(|e| RegistryError::Document {
        what: path.display().to_string(),
        reason: e.to_string(),
    })
}

fn sync_dir(dir: &Path) {
    if let Ok(f) = std::fs::File::open(dir) {
        let _ = f.sync_all();
    }
}

fn io(path: &Path) -> impl Fn(std::io::Error) -> RegistryError + '_ {
    move |source| RegistryError::Io {
        path: path.to_path_buf(),
        source,
    }
}
