//! `immcase plugin check [PATH]`: reads a module crate's `plugin.toml` and
//! its built component and refuses, with the host's own message, what the
//! host would refuse when loading it: a manifest mistake (an index on an
//! undeclared collection, a bad id or version, ...), a host API this server
//! does not provide, an import the manifest does not declare, an interface
//! of another host API, missing exports. It loads the component exactly as
//! the server does, so a module that passes loads.

use std::borrow::Cow;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use immcase_host::modules::{self, ModuleEngine, ModuleSource};
use immcase_manifest::{HOST_API, Manifest, served_host_apis};

/// Why a module does not pass.
#[derive(Debug, thiserror::Error)]
pub enum CheckError {
    #[error("reading {path}: {cause}")]
    Read {
        path: PathBuf,
        cause: std::io::Error,
    },
    /// The host's own refusal, word for word.
    #[error("{0}")]
    Refused(String),
    #[error(
        "no built component for `{crate_name}` under {searched}: build it first with `cargo build --target wasm32-wasip2 --release` (or pass --component)"
    )]
    NotBuilt {
        crate_name: String,
        searched: String,
    },
    #[error("{0} has no [package] name")]
    NoPackageName(PathBuf),
    #[error("preparing the module engine: {0}")]
    Engine(String),
}

/// What passed.
#[derive(Debug)]
pub struct Checked {
    pub manifest: Manifest,
    pub component: PathBuf,
    /// A source file or plugin.toml changed after the component was built.
    pub stale: Option<PathBuf>,
    /// The host interfaces the component imports.
    pub imports: Vec<String>,
    /// The contract that serves it (what it was built against, or the
    /// compatible version this server has).
    pub contract: semver::Version,
}

impl Checked {
    /// The lines `plugin check` prints.
    pub fn summary(&self) -> String {
        let m = &self.manifest;
        let mut text = format!(
            "module `{}` {} passes the host's checks (plugin.toml asks for host API {}, the component is served by {}; this server provides {})\ncomponent: {}\nit uses: {}",
            m.id,
            m.version,
            m.host_api,
            self.contract,
            served_host_apis(),
            self.component.display(),
            if self.imports.is_empty() {
                "no host interface".to_owned()
            } else {
                self.imports.join(", ")
            }
        );
        if !m.public.is_empty() {
            let paths: Vec<String> = m
                .public
                .iter()
                .map(|p| format!("/api/v1/m/{}{p}", m.id))
                .collect();
            text.push_str(&format!(
                "\nanswers GET and HEAD without a session below: {}",
                paths.join(", ")
            ));
        }
        if !m.dav.is_empty() {
            let mounts: Vec<String> = m.dav.iter().map(|d| format!("/dav/{d}/")).collect();
            text.push_str(&format!(
                "\nserves, for app passwords: {}",
                mounts.join(", ")
            ));
        }
        if self.contract < HOST_API {
            text.push_str(&format!(
                "\nnote: the component was built against host API {}.{}, which this server still serves (as {}); the current SDK builds against {HOST_API}",
                self.contract.major, self.contract.minor, self.contract
            ));
        }
        let unused = self.unused_capabilities();
        if !unused.is_empty() {
            text.push_str(&format!(
                "\nnote: plugin.toml declares {} but the component does not use {}; administrators see every declared capability, so declare only what it needs",
                unused.join(", "),
                if unused.len() == 1 { "it" } else { "them" }
            ));
        }
        if let Some(newer) = &self.stale {
            text.push_str(&format!(
                "\nwarning: {} changed after the component was built; rebuild and check again",
                newer.display()
            ));
        }
        text
    }

    /// Capabilities the manifest declares whose interface the component
    /// never imports (log, settings and the practice's letterhead are always
    /// there, declared or not).
    pub fn unused_capabilities(&self) -> Vec<&'static str> {
        self.manifest
            .allowed_interfaces()
            .into_iter()
            .filter(|i| !immcase_manifest::ALWAYS_ALLOWED_INTERFACES.contains(i))
            .filter(|i| !self.imports.iter().any(|used| used == i))
            .collect()
    }
}

/// Checks the module crate in `folder`, with its component at `component`
/// or where `cargo build --target wasm32-wasip2` put it.
pub fn plugin_check(folder: &Path, component: Option<&Path>) -> Result<Checked, CheckError> {
    let manifest_path = folder.join("plugin.toml");
    let manifest_text = read_text(&manifest_path)?;
    // Refused here with the loader's own message, before looking for a build.
    let manifest =
        Manifest::parse(&manifest_text).map_err(|e| CheckError::Refused(e.to_string()))?;
    manifest
        .check_host_api()
        .map_err(|e| CheckError::Refused(e.to_string()))?;
    let component = match component {
        Some(path) => path.to_path_buf(),
        None => find_component(folder)?,
    };
    let wasm = std::fs::read(&component).map_err(|cause| CheckError::Read {
        path: component.clone(),
        cause,
    })?;
    let cache = tempfile::tempdir().map_err(|cause| CheckError::Read {
        path: std::env::temp_dir(),
        cause,
    })?;
    let origin = component.display().to_string();
    let (imports, contract) = check_loads(&manifest_text, wasm, &origin, cache.path())?;
    let stale = newer_source(folder, &component);
    Ok(Checked {
        manifest,
        component,
        stale,
        imports,
        contract,
    })
}

/// Loads a component with its manifest as the server does (compiling it
/// into `cache`), and gives the host interfaces it imports and the contract
/// that serves it; `Err` is the server's refusal, word for word.
pub fn check_loads(
    manifest_text: &str,
    wasm: Vec<u8>,
    origin: &str,
    cache: &Path,
) -> Result<(Vec<String>, semver::Version), CheckError> {
    let engine = ModuleEngine::new().map_err(|e| CheckError::Engine(e.to_string()))?;
    let source = ModuleSource {
        origin: origin.to_string(),
        manifest: Cow::Owned(manifest_text.to_string()),
        wasm: Cow::Owned(wasm),
    };
    let runtime = modules::load(&engine, std::slice::from_ref(&source), cache)
        .map_err(|e| CheckError::Engine(e.to_string()))?;
    if let Some(refused) = runtime.refused.first() {
        return Err(CheckError::Refused(refused.reason.clone()));
    }
    let loaded = runtime.modules.values().next();
    let imports = loaded
        .map(|loaded| loaded.imported_interfaces(&engine))
        .unwrap_or_default();
    let contract = loaded.map_or(HOST_API, |l| l.pre.contract().version().clone());
    Ok((imports, contract))
}

fn read_text(path: &Path) -> Result<String, CheckError> {
    std::fs::read_to_string(path).map_err(|cause| CheckError::Read {
        path: path.to_path_buf(),
        cause,
    })
}

/// The newest `{crate}.wasm` under the crate's target folder (or
/// `CARGO_TARGET_DIR`), built for wasm32-wasip2 with any profile.
pub fn find_component(folder: &Path) -> Result<PathBuf, CheckError> {
    let cargo_toml = folder.join("Cargo.toml");
    let table: toml::Table = read_text(&cargo_toml)?
        .parse()
        .map_err(|e| CheckError::Refused(format!("{}: {e}", cargo_toml.display())))?;
    let lib_name = table
        .get("lib")
        .and_then(|lib| lib.get("name"))
        .or_else(|| table.get("package").and_then(|p| p.get("name")))
        .and_then(|name| name.as_str())
        .ok_or_else(|| CheckError::NoPackageName(cargo_toml.clone()))?
        .replace('-', "_");
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| folder.join("target"))
        .join("wasm32-wasip2");
    let file = format!("{lib_name}.wasm");
    let newest = std::fs::read_dir(&target)
        .into_iter()
        .flatten()
        .filter_map(Result::ok)
        .map(|profile| profile.path().join(&file))
        .filter_map(|path| Some((modified(&path)?, path)))
        .max();
    newest
        .map(|(_, path)| path)
        .ok_or_else(|| CheckError::NotBuilt {
            crate_name: lib_name,
            searched: target.display().to_string(),
        })
}

fn modified(path: &Path) -> Option<SystemTime> {
    std::fs::metadata(path).ok()?.modified().ok()
}

/// A file of the crate's sources (`src/`, `plugin.toml`, `Cargo.toml`)
/// changed after the component was written.
fn newer_source(folder: &Path, component: &Path) -> Option<PathBuf> {
    let built = modified(component)?;
    let mut pending = vec![folder.join("src")];
    let mut files = vec![folder.join("plugin.toml"), folder.join("Cargo.toml")];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                pending.push(path);
            } else {
                files.push(path);
            }
        }
    }
    files
        .into_iter()
        .find(|file| modified(file).is_some_and(|changed| changed > built))
}
