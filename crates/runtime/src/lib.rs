//! The module runtime: WebAssembly components that add features to a
//! practice, loaded once and called many times.
//!
//! - [`engine`]: one wasmtime engine (pooling allocator, epoch interruption)
//!   that any number of runtimes may share;
//! - [`load`]: each component compiled once and cached on disk by content
//!   hash and engine compatibility, checked against its manifest, and kept
//!   as an `InstancePre` from which every call gets a fresh instance;
//! - [`call`]: a store for one call, with its memory limit and deadline, and
//!   why a call failed in words a person can act on;
//! - [`bindings`]: the WIT package `immcase:plugin`, of every served version;
//!   [`contract`] calls a module of any of them with the newest one's types.
//!
//! The runtime knows nothing of the server: it is generic over the data a
//! call's store carries, and the server gives it a linker in which the WIT
//! imports are implemented.

pub mod bindings;
pub mod call;
pub mod contract;
pub mod engine;
pub mod load;

pub use call::{CallFailure, CallLimits, LockClock, MemoryLimiter};
pub use engine::{EPOCH_TICK, ModuleEngine};
pub use immcase_manifest::{self as manifest, HOST_API, Manifest, SERVED_HOST_APIS};
pub use load::{LoadedModule, ModuleSource, RefusedModule, Runtime, read_module_folders};

/// What keeps a runtime from starting at all (a single module that cannot be
/// loaded is refused on its own instead; see [`RefusedModule`]).
#[derive(Debug, thiserror::Error)]
pub enum RuntimeError {
    #[error("starting the WebAssembly engine: {0:#}")]
    Engine(wasmtime::Error),
    #[error("starting the engine's epoch thread: {0}")]
    Thread(std::io::Error),
    #[error("linking the host API: {0:#}")]
    Link(wasmtime::Error),
    #[error("{what} {path}: {source}")]
    Io {
        what: &'static str,
        path: std::path::PathBuf,
        source: std::io::Error,
    },
    #[error("{0} must hold exactly one .wasm component")]
    NotOneComponent(std::path::PathBuf),
}
