//! What a module call's store carries: the call's limits and WASI context,
//! the server's state, the module, practice and person the call is for, and
//! what it has done so far (its transaction, the workers to wake, the file
//! contents it wrote). The host's side of every import works on this
//! (`modules::call` runs calls; `modules::imports*` implement the imports).

use std::sync::Arc;

use immcase_runtime::call::{CallLimits, LockClock};
use wasmtime::component::ResourceTable;
use wasmtime_wasi::WasiCtx;

use super::AppState;
use crate::access::Caller;
use crate::db::Tx;
use crate::practices::Practice;

/// A loaded module whose calls carry a [`CallState`].
pub type LoadedModule = immcase_runtime::LoadedModule<CallState>;

/// Everything a call's imports can reach.
pub struct CallState {
    /// The module's WASI context, made the first time the module uses WASI
    /// (its clocks or random numbers): most calls never do.
    pub(crate) wasi: Option<WasiCtx>,
    pub(crate) table: ResourceTable,
    pub(crate) limits: CallLimits,
    pub(crate) app: AppState,
    pub(crate) module: Arc<LoadedModule>,
    pub(crate) practice: Practice,
    /// The person the call is for; `None` for the host's own calls (events,
    /// timers), which act with the module's own rights only.
    pub(crate) caller: Option<Caller>,
    pub(crate) tx: Option<Tx>,
    /// How many calls of actions this call is inside (0 for a call the host
    /// makes; see `imports_actions`).
    pub(crate) depth: u32,
    /// Set by imports whose effects should wake a worker after the commit.
    pub(crate) wake_mail: bool,
    pub(crate) wake_jobs: bool,
    pub(crate) wake_search: bool,
    /// Blobs written by the call (attached files), removed if it fails.
    pub(crate) written_blobs: Vec<String>,
}

/// What a call leaves behind for whoever commits it: its transaction (if it
/// wrote), the workers to wake after the commit, and the blobs to remove if
/// it is not committed.
#[derive(Default)]
pub struct Effects {
    pub(crate) tx: Option<Tx>,
    /// Since when the transaction holds the write lock (see `modules::call`).
    pub(crate) lock: Option<LockClock>,
    pub(crate) wake_mail: bool,
    pub(crate) wake_jobs: bool,
    pub(crate) wake_search: bool,
    pub(crate) written_blobs: Vec<String>,
}
