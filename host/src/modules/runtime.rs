//! The wasmtime side: one engine for every module (pooling allocator, epoch
//! interruption), each component compiled once and cached on disk by content
//! hash and engine compatibility, checked against its manifest, and kept as an
//! `InstancePre` from which every call gets a fresh instance.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use anyhow::{Context, anyhow};
use serde::Serialize;
use sha2::{Digest, Sha256};
use tokio::sync::Notify;
use utoipa::ToSchema;
use wasmtime::component::{Component, Linker, types::ComponentItem};
use wasmtime::{Config, Engine, InstanceAllocationStrategy, PoolingAllocationConfig};

use super::bindings::{Module, ModulePre};
use super::call::CallState;
use super::manifest::{HOST_API, Manifest};

/// How often the epoch advances: the granularity of call timeouts.
pub const EPOCH_TICK: Duration = Duration::from_millis(5);
/// Memory slots of the pooling allocator: the most module instances alive at once.
const POOL_INSTANCES: u32 = 256;
/// Largest linear memory any instance may have (the manifest limit is lower).
const POOL_MAX_MEMORY: usize = 1 << 30;

/// A module ready to run.
pub struct LoadedModule {
    pub manifest: Manifest,
    pub pre: ModulePre<CallState>,
    /// SHA-256 of the component.
    pub hash: String,
    /// `bundled` or the folder it was loaded from.
    pub source: String,
}

/// A module that was found but could not be loaded, and why.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct RefusedModule {
    /// The manifest's id, or the folder name when the manifest is unreadable.
    pub id: String,
    pub source: String,
    pub reason: String,
}

/// A component and its manifest, before loading.
pub struct ModuleSource {
    pub origin: String,
    pub manifest: String,
    pub wasm: Vec<u8>,
}

pub struct Runtime {
    pub engine: Engine,
    pub modules: BTreeMap<String, Arc<LoadedModule>>,
    pub refused: Vec<RefusedModule>,
    /// Woken when events or timers are written, so they are delivered at once.
    pub jobs_wake: Notify,
    /// Which modules each practice has enabled (see `settings::EnabledCache`).
    pub enabled: super::settings::EnabledCache,
    ticker_stop: Arc<AtomicBool>,
}

impl Drop for Runtime {
    fn drop(&mut self) {
        self.ticker_stop.store(true, Ordering::Relaxed);
    }
}

fn engine() -> anyhow::Result<Engine> {
    let mut pool = PoolingAllocationConfig::default();
    pool.total_component_instances(POOL_INSTANCES)
        .total_core_instances(POOL_INSTANCES * 8)
        .total_memories(POOL_INSTANCES * 2)
        .total_tables(POOL_INSTANCES * 8)
        .total_stacks(POOL_INSTANCES)
        .max_memory_size(POOL_MAX_MEMORY)
        .max_memories_per_component(4)
        .max_tables_per_component(16)
        .max_core_instances_per_component(32)
        .max_component_instance_size(1 << 20)
        .max_core_instance_size(1 << 20)
        // Return freed instance memory to the kernel in batches: one decommit
        // per freed instance costs a TLB shootdown across threads each time.
        .decommit_batch_size(32);
    let mut config = Config::new();
    config
        .wasm_component_model(true)
        .epoch_interruption(true)
        .allocation_strategy(InstanceAllocationStrategy::Pooling(pool));
    Engine::new(&config)
        .map_err(anyhow::Error::from)
        .context("starting the WebAssembly engine")
}

impl Runtime {
    /// Loads every source; what cannot be loaded is kept in `refused` with the
    /// reason, and the others still load.
    pub fn load(sources: Vec<ModuleSource>, cache_dir: &Path) -> anyhow::Result<Runtime> {
        let engine = engine()?;
        let mut linker: Linker<CallState> = Linker::new(&engine);
        wasmtime_wasi::p2::add_to_linker_async(&mut linker)
            .map_err(anyhow::Error::from)
            .context("linking WASI")?;
        Module::add_to_linker::<CallState, wasmtime::component::HasSelf<CallState>>(
            &mut linker,
            |s| s,
        )
        .map_err(anyhow::Error::from)
        .context("linking the host API")?;
        std::fs::create_dir_all(cache_dir)
            .with_context(|| format!("creating the module cache {}", cache_dir.display()))?;
        let mut modules = BTreeMap::new();
        let mut refused = Vec::new();
        for source in sources {
            match load_one(&engine, &linker, &source, cache_dir) {
                Ok(module) if modules.contains_key(&module.manifest.id) => {
                    refused.push(RefusedModule {
                        id: module.manifest.id.clone(),
                        source: source.origin,
                        reason: "another module with this id is already installed".into(),
                    })
                }
                Ok(module) => {
                    tracing::info!(module = %module.manifest.id, version = %module.manifest.version, source = %module.source, "module loaded");
                    modules.insert(module.manifest.id.clone(), Arc::new(module));
                }
                Err(e) => {
                    let id = Manifest::parse(&source.manifest)
                        .map(|m| m.id)
                        .unwrap_or_else(|_| source.origin.clone());
                    let reason = format!("{e:#}");
                    tracing::warn!(module = %id, source = %source.origin, %reason, "module refused");
                    refused.push(RefusedModule {
                        id,
                        source: source.origin,
                        reason,
                    });
                }
            }
        }
        let ticker_stop = Arc::new(AtomicBool::new(false));
        spawn_epoch_ticker(engine.clone(), ticker_stop.clone());
        Ok(Runtime {
            engine,
            modules,
            refused,
            jobs_wake: Notify::new(),
            enabled: Default::default(),
            ticker_stop,
        })
    }

    pub fn get(&self, id: &str) -> Option<&Arc<LoadedModule>> {
        self.modules.get(id)
    }
}

fn spawn_epoch_ticker(engine: Engine, stop: Arc<AtomicBool>) {
    std::thread::Builder::new()
        .name("module-epoch".into())
        .spawn(move || {
            while !stop.load(Ordering::Relaxed) {
                std::thread::sleep(EPOCH_TICK);
                engine.increment_epoch();
            }
        })
        .ok();
}

fn load_one(
    engine: &Engine,
    linker: &Linker<CallState>,
    source: &ModuleSource,
    cache_dir: &Path,
) -> anyhow::Result<LoadedModule> {
    let manifest = Manifest::parse(&source.manifest)?;
    manifest.check_host_api().map_err(|e| anyhow!(e))?;
    let hash = hex(&Sha256::digest(&source.wasm));
    let component = compile_cached(engine, &source.wasm, &hash, cache_dir)
        .with_context(|| format!("compiling module `{}`", manifest.id))?;
    check_imports(engine, &component, &manifest)?;
    let pre = linker
        .instantiate_pre(&component)
        .map_err(anyhow::Error::from)
        .with_context(|| format!("linking module `{}`", manifest.id))?;
    let pre = ModulePre::new(pre)
        .map_err(anyhow::Error::from)
        .with_context(|| {
            format!(
                "module `{}` does not export what the `module` world requires",
                manifest.id
            )
        })?;
    Ok(LoadedModule {
        manifest,
        pre,
        hash,
        source: source.origin.clone(),
    })
}

/// Refuses a component that imports an interface of ours its manifest does
/// not declare, or an interface of a host API this server does not have.
fn check_imports(
    engine: &Engine,
    component: &Component,
    manifest: &Manifest,
) -> anyhow::Result<()> {
    let allowed = manifest.allowed_interfaces();
    for (name, item) in component.component_type().imports(engine) {
        if !matches!(item.ty, ComponentItem::ComponentInstance(_)) {
            return Err(anyhow!(
                "module `{}` imports `{name}`, which this host does not provide",
                manifest.id
            ));
        }
        if name.starts_with("wasi:") {
            continue;
        }
        let Some(rest) = name.strip_prefix("immcase:plugin/") else {
            return Err(anyhow!(
                "module `{}` imports `{name}`, which this host does not provide",
                manifest.id
            ));
        };
        let (interface, version) = rest.split_once('@').unwrap_or((rest, ""));
        if let Ok(v) = semver::Version::parse(version)
            && (v.major != HOST_API.major
                || (v.major == 0 && v.minor != HOST_API.minor)
                || v > HOST_API)
        {
            return Err(anyhow!(
                "module `{}` was built against host API {v} (`{name}`) but this server provides {HOST_API}",
                manifest.id
            ));
        }
        if !allowed.contains(&interface) {
            return Err(anyhow!(
                "module `{}` imports the `{interface}` interface, which its plugin.toml does not declare under [capabilities]",
                manifest.id
            ));
        }
    }
    Ok(())
}

/// Compiles a component, or loads the machine code compiled for it earlier.
fn compile_cached(
    engine: &Engine,
    wasm: &[u8],
    hash: &str,
    cache_dir: &Path,
) -> anyhow::Result<Component> {
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
    let compiled = engine
        .precompile_component(wasm)
        .map_err(anyhow::Error::from)?;
    write_atomically(&path, &compiled)?;
    // SAFETY: as above; the bytes were produced by this engine just now.
    #[allow(unsafe_code)]
    let component =
        unsafe { Component::deserialize(engine, &compiled) }.map_err(anyhow::Error::from)?;
    Ok(component)
}

fn write_atomically(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    // Unique per writer: several servers (or processes) may compile the same
    // component at once; the rename makes the last one win whole.
    let tmp: PathBuf = path.with_extension(format!("tmp-{}", uuid::Uuid::new_v4().simple()));

    std::fs::write(&tmp, bytes).with_context(|| format!("writing {}", tmp.display()))?;
    std::fs::rename(&tmp, path).with_context(|| format!("writing {}", path.display()))?;
    Ok(())
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
