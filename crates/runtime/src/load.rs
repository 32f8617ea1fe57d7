//! Loading modules: each component compiled once (or its machine code read
//! back from the cache), its imports checked against its manifest, linked
//! and kept as an `InstancePre`. What cannot be loaded is refused with the
//! reason, and the others still load.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use immcase_manifest::{HostApiMismatch, Manifest, ManifestError, served_host_apis};
use sha2::{Digest, Sha256};
use wasmtime::component::{Component, Linker, types::ComponentItem};

use crate::bindings::{Contract, ModulePre};
use crate::{ModuleEngine, RuntimeError};

/// A module ready to run.
pub struct LoadedModule<T: 'static> {
    pub manifest: Manifest,
    pub pre: ModulePre<T>,
    /// SHA-256 of the component.
    pub hash: String,
    /// `bundled:{folder}` or the folder it was loaded from.
    pub source: String,
}

impl<T: 'static> LoadedModule<T> {
    /// The interfaces of ours the component imports (`store`, `mail`, ...),
    /// whatever its manifest declares.
    pub fn imported_interfaces(&self, engine: &ModuleEngine) -> Vec<String> {
        let component = self.pre.instance_pre().component();
        let mut names: Vec<String> = component
            .component_type()
            .imports(engine.wasmtime())
            .filter_map(|(name, _)| {
                let rest = name.strip_prefix("immcase:plugin/")?;
                Some(rest.split_once('@').map_or(rest, |(i, _)| i).to_owned())
            })
            .filter(|interface| interface != "types")
            .collect();
        names.sort();
        names.dedup();
        names
    }
}

/// A module that was found but could not be loaded, and why.
#[derive(Clone, Debug)]
pub struct RefusedModule {
    /// The manifest's id, or where it came from when the manifest is unreadable.
    pub id: String,
    pub source: String,
    pub reason: String,
}

/// Why a module cannot be loaded. Its text is the reason a [`RefusedModule`]
/// gives, shown to the practice's administrators.
#[derive(Debug, thiserror::Error)]
enum LoadError {
    #[error(transparent)]
    Manifest(#[from] ManifestError),
    #[error(transparent)]
    HostApi(#[from] HostApiMismatch),
    #[error("compiling module `{module}`: {reason}")]
    Compile {
        module: String,
        #[source]
        reason: CompileError,
    },
    /// An import that is neither WASI nor an interface of ours, or not an
    /// instance at all.
    #[error("module `{module}` imports `{name}`, which this host does not provide")]
    ForeignImport { module: String, name: String },
    /// One of our interfaces, but of a host API version this server lacks.
    #[error(
        "module `{module}` was built against host API {built} (`{name}`) but this server provides {}",
        served_host_apis()
    )]
    OtherHostApi {
        module: String,
        built: semver::Version,
        name: String,
    },
    /// Interfaces of two contract versions in one component.
    #[error(
        "module `{module}` imports interfaces of two host API versions, {first} and {second}: rebuild it against one SDK"
    )]
    MixedHostApis {
        module: String,
        first: semver::Version,
        second: semver::Version,
    },
    /// The component serves a contract its manifest does not ask for.
    #[error(
        "module `{module}` was built against host API {built}, but its plugin.toml asks for host-api = \"{needs}\": correct host-api or rebuild the component"
    )]
    NotWhatManifestSays {
        module: String,
        built: semver::Version,
        needs: semver::VersionReq,
    },
    /// One of our interfaces that the manifest does not declare.
    #[error(
        "module `{module}` imports the `{interface}` interface, which its plugin.toml does not declare under [capabilities]"
    )]
    UndeclaredImport { module: String, interface: String },
    #[error("linking module `{module}`: {source:#}")]
    Link {
        module: String,
        #[source]
        source: wasmtime::Error,
    },
    #[error("module `{module}` does not export what the `module` world requires: {source:#}")]
    Exports {
        module: String,
        #[source]
        source: wasmtime::Error,
    },
}

/// Why a component could not be compiled, or its machine code not kept.
#[derive(Debug, thiserror::Error)]
enum CompileError {
    #[error("{0:#}")]
    Compile(#[source] wasmtime::Error),
    #[error("writing {path}: {source}")]
    WriteCache {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The machine code just compiled could not be read back.
    #[error("{0:#}")]
    Deserialize(#[source] wasmtime::Error),
}

/// A component and its manifest, before loading.
#[derive(Clone)]
pub struct ModuleSource {
    pub origin: String,
    pub manifest: Cow<'static, str>,
    pub wasm: Cow<'static, [u8]>,
}

/// The modules a server offers, loaded.
pub struct Runtime<T: 'static> {
    pub engine: ModuleEngine,
    pub modules: BTreeMap<String, Arc<LoadedModule<T>>>,
    pub refused: Vec<RefusedModule>,
}

impl<T: 'static> Runtime<T> {
    /// The loaded modules subscribed to events named `name`, by id.
    pub fn subscribers<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.modules
            .values()
            .filter(move |m| m.manifest.subscribes_to(name))
            .map(|m| m.manifest.id.as_str())
    }

    /// Loads every source with `linker` (where the host has put WASI and its
    /// implementation of the imports), caching machine code in `cache_dir`.
    pub fn load(
        engine: &ModuleEngine,
        linker: &Linker<T>,
        sources: &[ModuleSource],
        cache_dir: &Path,
    ) -> Result<Runtime<T>, RuntimeError> {
        std::fs::create_dir_all(cache_dir).map_err(|source| RuntimeError::Io {
            what: "creating the module cache",
            path: cache_dir.to_path_buf(),
            source,
        })?;
        let mut modules = BTreeMap::new();
        let mut refused = Vec::new();
        for source in sources {
            match load_one(engine, linker, source, cache_dir) {
                Ok(module) if modules.contains_key(&module.manifest.id) => {
                    refused.push(RefusedModule {
                        id: module.manifest.id.clone(),
                        source: source.origin.clone(),
                        reason: "another module with this id is already installed".into(),
                    })
                }
                Ok(module) => {
                    tracing::info!(module = %module.manifest.id, version = %module.manifest.version, source = %module.source, "module loaded");
                    modules.insert(module.manifest.id.clone(), Arc::new(module));
                }
                Err(error) => {
                    let id = Manifest::parse(&source.manifest)
                        .map(|m| m.id)
                        .unwrap_or_else(|_| source.origin.clone());
                    let reason = error.to_string();
                    tracing::warn!(module = %id, source = %source.origin, %reason, "module refused");
                    refused.push(RefusedModule {
                        id,
                        source: source.origin.clone(),
                        reason,
                    });
                }
            }
        }
        Ok(Runtime {
            engine: engine.clone(),
            modules,
            refused,
        })
    }

    pub fn get(&self, id: &str) -> Option<&Arc<LoadedModule<T>>> {
        self.modules.get(id)
    }

    /// This set with `module` in place of the one of its id (and any
    /// refusal of that id forgotten): what a running server swaps in when a
    /// module is installed or upgraded.
    pub fn with_module(&self, module: Arc<LoadedModule<T>>) -> Runtime<T> {
        let id = module.manifest.id.clone();
        let mut modules = self.modules.clone();
        modules.insert(id.clone(), module);
        Runtime {
            engine: self.engine.clone(),
            modules,
            refused: self
                .refused
                .iter()
                .filter(|r| r.id != id)
                .cloned()
                .collect(),
        }
    }

    /// This set without the module `id`, refused for `reason` instead
    /// (uninstalled, or revoked).
    pub fn without_module(&self, id: &str, source: &str, reason: &str) -> Runtime<T> {
        let mut modules = self.modules.clone();
        modules.remove(id);
        let mut refused: Vec<RefusedModule> = self
            .refused
            .iter()
            .filter(|r| r.id != id)
            .cloned()
            .collect();
        refused.push(RefusedModule {
            id: id.to_string(),
            source: source.to_string(),
            reason: reason.to_string(),
        });
        Runtime {
            engine: self.engine.clone(),
            modules,
            refused,
        }
    }
}

/// Loads one module, or says why it cannot be.
fn load_one<T: 'static>(
    engine: &ModuleEngine,
    linker: &Linker<T>,
    source: &ModuleSource,
    cache_dir: &Path,
) -> Result<LoadedModule<T>, LoadError> {
    let manifest = Manifest::parse(&source.manifest)?;
    manifest.check_host_api()?;
    let hash = hex(&Sha256::digest(&source.wasm));
    let component = compile_cached(
        engine.wasmtime(),
        &manifest.id,
        &source.wasm,
        &hash,
        cache_dir,
    )
    .map_err(|reason| LoadError::Compile {
        module: manifest.id.clone(),
        reason,
    })?;
    let contract = check_imports(engine.wasmtime(), &component, &manifest)?;
    let pre = linker
        .instantiate_pre(&component)
        .map_err(|source| LoadError::Link {
            module: manifest.id.clone(),
            source,
        })?;
    let pre = ModulePre::new(contract, pre).map_err(|source| LoadError::Exports {
        module: manifest.id.clone(),
        source,
    })?;
    Ok(LoadedModule {
        manifest,
        pre,
        hash,
        source: source.origin.clone(),
    })
}

/// Refuses a component that imports an interface of ours its manifest does
/// not declare, or an interface of a host API this server does not serve,
/// or of another than its manifest asks for; the contract that serves it
/// otherwise (the newest for a component that imports none of ours).
fn check_imports(
    engine: &wasmtime::Engine,
    component: &Component,
    manifest: &Manifest,
) -> Result<Contract, LoadError> {
    let allowed = manifest.allowed_interfaces();
    let mut built: Option<semver::Version> = None;
    let not_provided = |name: &str| LoadError::ForeignImport {
        module: manifest.id.clone(),
        name: name.to_owned(),
    };
    for (name, item) in component.component_type().imports(engine) {
        if !matches!(item.ty, ComponentItem::ComponentInstance(_)) {
            return Err(not_provided(name));
        }
        if name.starts_with("wasi:") {
            continue;
        }
        let Some(rest) = name.strip_prefix("immcase:plugin/") else {
            return Err(not_provided(name));
        };
        let (interface, version) = rest.split_once('@').unwrap_or((rest, ""));
        if let Ok(v) = semver::Version::parse(version) {
            let Some(serving) = Contract::serving(&v) else {
                return Err(LoadError::OtherHostApi {
                    module: manifest.id.clone(),
                    built: v,
                    name: name.to_owned(),
                });
            };
            match &built {
                Some(first) if Contract::serving(first) != Some(serving) => {
                    return Err(LoadError::MixedHostApis {
                        module: manifest.id.clone(),
                        first: first.clone(),
                        second: v,
                    });
                }
                Some(_) => {}
                None => built = Some(v),
            }
        }
        if !allowed.contains(&interface) {
            return Err(LoadError::UndeclaredImport {
                module: manifest.id.clone(),
                interface: interface.to_owned(),
            });
        }
    }
    let Some(built) = built else {
        return Ok(Contract::V0_2);
    };
    let contract = Contract::serving(&built).unwrap_or(Contract::V0_2);
    if !manifest.host_api.matches(contract.version()) {
        return Err(LoadError::NotWhatManifestSays {
            module: manifest.id.clone(),
            built,
            needs: manifest.host_api.clone(),
        });
    }
    Ok(contract)
}

/// Compiles a component, or loads the machine code compiled for it earlier.
fn compile_cached(
    engine: &wasmtime::Engine,
    module: &str,
    wasm: &[u8],
    hash: &str,
    cache_dir: &Path,
) -> Result<Component, CompileError> {
    let mut engine_hash = std::collections::hash_map::DefaultHasher::new();
    std::hash::Hash::hash(&engine.precompile_compatibility_hash(), &mut engine_hash);
    let key = format!(
        "{hash}-{:016x}.cwasm",
        std::hash::Hasher::finish(&engine_hash)
    );
    let path = cache_dir.join(key);
    if path.exists() {
        // SAFETY: the file was written by `Engine::precompile_component` below
        // into the server's own cache folder, under a name that binds it to
        // the component's content hash and this engine's compatibility hash.
        #[allow(unsafe_code)]
        match unsafe { Component::deserialize_file(engine, &path) } {
            Ok(component) => return Ok(component),
            Err(e) => {
                tracing::warn!(path = %path.display(), error = %e, "ignoring an unusable module cache entry")
            }
        }
    }
    // A large module takes a while to compile on a small machine: say so,
    // so that a first start does not look stuck.
    tracing::info!(
        module,
        size_mb = wasm.len() / (1024 * 1024),
        "compiling the module for this machine (once: the result is cached)"
    );
    let started = std::time::Instant::now();
    let compiled = engine
        .precompile_component(wasm)
        .map_err(CompileError::Compile)?;
    tracing::info!(
        module,
        seconds = started.elapsed().as_secs(),
        "module compiled"
    );
    if let Err(source) = write_atomically(&path, &compiled) {
        return Err(CompileError::WriteCache { path, source });
    }
    // SAFETY: as above; the bytes were produced by this engine just now.
    #[allow(unsafe_code)]
    let component =
        unsafe { Component::deserialize(engine, &compiled) }.map_err(CompileError::Deserialize)?;
    Ok(component)
}

fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    // Unique per writer: several servers (or processes) may compile the same
    // component at once; the rename makes the last one win whole.
    let tmp: PathBuf = path.with_extension(format!("tmp-{}", uuid::Uuid::now_v7().simple()));
    std::fs::write(&tmp, bytes)?;
    std::fs::rename(&tmp, path)
}

/// The modules installed in folders: each sub-folder of each of `dirs`
/// holds one module's `plugin.toml` and exactly one `.wasm` component.
pub fn read_module_folders(dirs: &[PathBuf]) -> Result<Vec<ModuleSource>, RuntimeError> {
    let mut sources = Vec::new();
    for dir in dirs {
        let entries = std::fs::read_dir(dir).map_err(|source| RuntimeError::Io {
            what: "reading the modules folder",
            path: dir.clone(),
            source,
        })?;
        let mut folders: Vec<_> = entries
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.is_dir())
            .collect();
        folders.sort();
        for folder in folders {
            sources.push(read_folder(&folder)?);
        }
    }
    Ok(sources)
}

fn read_folder(folder: &Path) -> Result<ModuleSource, RuntimeError> {
    let io = |what: &'static str, path: &Path| {
        let path = path.to_path_buf();
        move |source| RuntimeError::Io { what, path, source }
    };
    let manifest_path = folder.join("plugin.toml");
    let manifest =
        std::fs::read_to_string(&manifest_path).map_err(io("reading", &manifest_path))?;
    let mut wasm_files: Vec<_> = std::fs::read_dir(folder)
        .map_err(io("reading the module folder", folder))?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "wasm"))
        .collect();
    wasm_files.sort();
    let [wasm] = wasm_files.as_slice() else {
        return Err(RuntimeError::NotOneComponent(folder.to_path_buf()));
    };
    Ok(ModuleSource {
        origin: folder.display().to_string(),
        manifest: Cow::Owned(manifest),
        wasm: Cow::Owned(std::fs::read(wasm).map_err(io("reading", wasm))?),
    })
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusals_name_the_module_and_what_is_wrong() {
        let foreign = LoadError::ForeignImport {
            module: "notes".into(),
            name: "acme:tools/clock".into(),
        };
        assert_eq!(
            foreign.to_string(),
            "module `notes` imports `acme:tools/clock`, which this host does not provide"
        );
        let other = LoadError::OtherHostApi {
            module: "notes".into(),
            built: semver::Version::new(9, 0, 0),
            name: "immcase:plugin/log@9.0.0".into(),
        };
        assert_eq!(
            other.to_string(),
            "module `notes` was built against host API 9.0.0 (`immcase:plugin/log@9.0.0`) but this server provides 0.1.2 and 0.2.4"
        );
        let mismatch = LoadError::NotWhatManifestSays {
            module: "notes".into(),
            built: semver::Version::new(0, 1, 2),
            needs: "^0.2".parse().unwrap_or(semver::VersionReq::STAR),
        };
        assert_eq!(
            mismatch.to_string(),
            "module `notes` was built against host API 0.1.2, but its plugin.toml asks for host-api = \"^0.2\": correct host-api or rebuild the component"
        );
        let undeclared = LoadError::UndeclaredImport {
            module: "notes".into(),
            interface: "secrets".into(),
        };
        assert_eq!(
            undeclared.to_string(),
            "module `notes` imports the `secrets` interface, which its plugin.toml does not declare under [capabilities]"
        );
        let unwritable = LoadError::Compile {
            module: "notes".into(),
            reason: CompileError::WriteCache {
                path: PathBuf::from("/cache/x.cwasm"),
                source: std::io::Error::other("disk full"),
            },
        };
        assert_eq!(
            unwritable.to_string(),
            "compiling module `notes`: writing /cache/x.cwasm: disk full"
        );
        assert!(std::error::Error::source(&unwritable).is_some());
    }
}
