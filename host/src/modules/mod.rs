//! Modules: the host's side of the sandboxed WebAssembly components that add
//! features to a practice (the runtime itself is the `immcase-runtime`
//! crate).
//!
//! - `call`: one call into a module, with limits and its own transaction.
//! - `imports`: the host side of every WIT import (`imports_records`,
//!   `imports_files`, `imports_search`, `imports_directory` and
//!   `imports_actions` for those).
//! - `store`: the document store behind the `store` import.
//! - `search_docs`: modules' documents in global search, behind `search`.
//! - `settings`: per-practice enabled state and settings.
//! - `routes`: the HTTP API for modules (list, enable, settings, jobs, nav);
//! - `dispatch`: requests to a module's own routes, through `handle-http`.

pub mod call;
mod dispatch;
mod imports;
mod imports_actions;
mod imports_directory;
mod imports_files;
mod imports_records;
mod imports_search;
pub mod routes;
pub mod search_docs;
pub mod settings;
pub mod store;

pub use immcase_manifest as manifest;
pub use immcase_runtime::{ModuleEngine, ModuleSource, bindings};

use crate::jobs::Outcome;
use crate::practices::Practice;
use crate::state::AppState;
use call::{CallState, Finish};

/// The modules this server offers, loaded.
pub type Runtime = immcase_runtime::Runtime<CallState>;
/// One of them, ready to run.
pub type LoadedModule = immcase_runtime::LoadedModule<CallState>;

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
    bindings::Module::add_to_linker::<CallState, wasmtime::component::HasSelf<CallState>>(
        &mut linker,
        |s| s,
    )
    .map_err(immcase_runtime::RuntimeError::Link)?;
    Runtime::load(engine, &linker, sources, cache_dir)
}

/// The module whose routes `path` belongs to: `/api/v1/m/{id}/…` or
/// `/m/{id}/…`.
pub fn module_of_path(path: &str) -> Option<&str> {
    let rest = path
        .strip_prefix("/api/v1/m/")
        .or_else(|| path.strip_prefix("/m/"))?;
    let id = rest.split('/').next().unwrap_or_default();
    (!id.is_empty()).then_some(id)
}

/// The largest request body `path` takes: for a module's routes, the
/// module's `limits.request-mb` when that is more than the server's limit.
pub fn request_limit(state: &AppState, path: &str) -> usize {
    match module_of_path(path).and_then(|id| state.modules.get(id)) {
        Some(module) => module_request_limit(state, module),
        None => state.config.max_body_bytes,
    }
}

/// The largest request body `module`'s routes take.
pub fn module_request_limit(state: &AppState, module: &LoadedModule) -> usize {
    let own = module.manifest.limits.request_mb as usize * 1024 * 1024;
    own.max(state.config.max_body_bytes)
}

/// Delivers an event to a subscribed module of the practice.
pub async fn deliver_event(
    state: &AppState,
    practice: &Practice,
    module_id: &str,
    event: bindings::Event,
    finish: Finish,
) -> Result<Outcome, String> {
    background_call(
        state,
        practice,
        module_id,
        finish,
        move |m, store, caller| {
            Box::pin(async move {
                let returned = m.call_on_event(store, &caller, &event).await?;
                returned.map_err(|e| wasmtime::Error::msg(format!("on-event returned {e:?}")))
            })
        },
    )
    .await
}

/// Calls a module's `on-timer` for one of its due timers.
pub async fn fire_timer(
    state: &AppState,
    practice: &Practice,
    module_id: &str,
    timer: bindings::Timer,
    finish: Finish,
) -> Result<Outcome, String> {
    background_call(
        state,
        practice,
        module_id,
        finish,
        move |m, store, caller| {
            Box::pin(async move {
                let returned = m.call_on_timer(store, &caller, &timer).await?;
                returned.map_err(|e| wasmtime::Error::msg(format!("on-timer returned {e:?}")))
            })
        },
    )
    .await
}

/// A call the host makes on its own (no person behind it) to a module that
/// must be installed and enabled in the practice; skipped otherwise.
async fn background_call<F>(
    state: &AppState,
    practice: &Practice,
    module_id: &str,
    finish: Finish,
    body: F,
) -> Result<Outcome, String>
where
    F: for<'s> FnOnce(
        &'s bindings::Module,
        &'s mut wasmtime::Store<call::CallState>,
        bindings::Caller,
    ) -> call::BoxFuture<'s, wasmtime::Result<()>>,
{
    let Some(module) = state.modules.get(module_id).cloned() else {
        return Ok(Outcome::Skipped(format!(
            "module `{module_id}` is not installed"
        )));
    };
    match settings::state(state.db.pool(), practice, module_id).await {
        Ok(s) if s.enabled => {}
        Ok(_) => {
            return Ok(Outcome::Skipped(format!(
                "module `{module_id}` is disabled in this practice"
            )));
        }
        Err(e) => return Err(e.to_string()),
    }
    let caller = call::caller_record(practice, None);
    call::run(
        state,
        &module,
        practice,
        None,
        Some(finish),
        |_| true,
        move |m, store| body(m, store, caller),
    )
    .await
    .map(|()| Outcome::Done)
    .map_err(|e| e.to_string())
}
