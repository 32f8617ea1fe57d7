//! Modules: the host's side of the sandboxed WebAssembly components that add
//! features to a practice (the runtime itself is the `immcase-runtime`
//! crate).
//!
//! - `call`: one call into a module, with limits and its own transaction.
//! - `background`: the job worker: events delivered and timers fired.
//! - `imports`: the host side of every WIT import (`imports_records`,
//!   `imports_files`, `imports_search`, `imports_directory` and
//!   `imports_actions` for those); `contract_0_1` serves the same imports to
//!   modules built against 0.1.x.
//! - `store`: the document store behind the `store` import.
//! - `routes`: the HTTP API for modules (list, enable, settings, jobs, nav);
//! - `dispatch`: requests to a module's own routes, through `handle-http`
//!   (also for its DAV mounts, from `crate::dav`), and `public`: those to
//!   its public paths, answered anonymously;
//! - `fragments`: a module's dashboard panels and record tabs, asked for
//!   and placed inside the host's pages;
//! - `indexes`: indexed fields brought up to a module's manifest at start.

pub mod background;
pub mod call;
mod contract_0_1;
pub mod dev;
mod dispatch;
pub mod earlier_settings;
pub mod fragments;
mod imports;
mod imports_actions;
mod imports_directory;
mod imports_files;
mod imports_mailboxes;
mod imports_notifications;
mod imports_practice;
mod imports_records;
mod imports_search;
pub mod indexes;
pub mod installs;
mod public;
pub mod routes;
mod settings_check;
pub mod store;

pub(crate) use dispatch::answer as answer_http;
pub use immcase_manifest as manifest;
pub use immcase_runtime::{ModuleEngine, ModuleSource, bindings};
pub use imports_actions::call_for_workflow;

use call::CallState;

/// The modules this server offers, loaded.
pub type Runtime = immcase_runtime::Runtime<CallState>;
pub use crate::state::call::LoadedModule;

/// Loads `sources` on `engine`, with WASI and the host's implementation of
/// every import in the linker. Compiling is CPU work: call it off the async
/// threads.
pub fn load(
    engine: &ModuleEngine,
    sources: &[ModuleSource],
    cache_dir: &std::path::Path,
) -> Result<Runtime, immcase_runtime::RuntimeError> {
    let mut linker = wasmtime::component::Linker::<CallState>::new(engine.wasmtime());
    wasmtime_wasi::p2::add_to_linker_async(&mut linker)
        .map_err(immcase_runtime::RuntimeError::Link)?;
    type Own = wasmtime::component::HasSelf<CallState>;
    bindings::v0_2::Module::add_to_linker::<CallState, Own>(&mut linker, |s| s)
        .map_err(immcase_runtime::RuntimeError::Link)?;
    bindings::v0_1::Module::add_to_linker::<CallState, Own>(&mut linker, |s| s)
        .map_err(immcase_runtime::RuntimeError::Link)?;
    Runtime::load(engine, &linker, sources, cache_dir)
}
