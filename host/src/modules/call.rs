//! One call into a module: a fresh store and instance from the module's
//! `InstancePre`, the caller in the store's data, a memory limit, a deadline
//! enforced by epoch interruption, and a database transaction that starts at
//! the module's first write and commits only if the call succeeds, so a call
//! that traps or times out leaves nothing behind.

use std::sync::Arc;
use std::time::Duration;

use immcase_runtime::call::{CallData, CallFailure, CallLimits, new_store};
use wasmtime::Store;
use wasmtime::component::ResourceTable;
use wasmtime_wasi::{HostWallClock, WasiCtxBuilder, WasiCtxView, WasiView};

use super::LoadedModule;
use super::bindings::{self, Module};
use crate::access::Caller;
use crate::clock::Clock;
use crate::db::Tx;
use crate::error::AppError;
use crate::practices::Practice;
use crate::state::AppState;
pub use crate::state::call::{CallState, Effects};

impl CallData for CallState {
    fn limits(&mut self) -> &mut CallLimits {
        &mut self.limits
    }
}

impl WasiView for CallState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: self.wasi.get_or_insert_with(|| {
                WasiCtxBuilder::new()
                    .wall_clock(ModuleWallClock(self.app.clock.clone()))
                    .build()
            }),
            table: &mut self.table,
        }
    }
}

impl CallState {
    /// The call's transaction, started on first use. From then on the call
    /// holds the write lock: SQLite lets one writer at a time, so a call
    /// that writes and then computes would stall every other writer of the
    /// server for as long as its own time limit. It may hold it for
    /// `Config::module_write_hold` (250 ms unless configured); past that it
    /// is stopped at the next epoch tick and its writes roll back. The same
    /// bound holds on PostgreSQL, so a module behaves alike on both. Time
    /// spent waiting for the lock (other writers hold it) does not count
    /// against the call's own time limit.
    pub(super) async fn tx(&mut self) -> sqlx::Result<&mut Tx> {
        if self.tx.is_none() {
            let waiting = std::time::Instant::now();
            self.tx = Some(self.app.db.begin().await?);
            self.limits.extend_deadline(waiting.elapsed());
            self.limits.hold_lock_for(self.app.config.module_write_hold);
        }
        // Just set above when it was empty.
        self.tx.as_mut().ok_or(sqlx::Error::PoolClosed)
    }

    /// The call's transaction if it has started (reads then see the call's
    /// own writes).
    pub(super) fn tx_if_started(&mut self) -> Option<&mut Tx> {
        self.tx.as_mut()
    }

    pub(super) fn id(&self) -> &str {
        &self.module.manifest.id
    }

    /// Hands the call's transaction (and what it wrote so far) to a nested
    /// call, which gives it back with [`CallState::take_back`].
    pub(super) fn lend(&mut self) -> Effects {
        Effects {
            tx: self.tx.take(),
            lock: self.limits.lock(),
            ..Effects::default()
        }
    }

    /// Takes back the transaction lent to a nested call, with the effects
    /// that call left to carry out after the commit.
    pub(super) fn take_back(&mut self, effects: Effects) {
        self.tx = effects.tx;
        if let Some(lock) = effects.lock {
            self.limits.continue_lock(lock);
        }
        self.wake_mail |= effects.wake_mail;
        self.wake_jobs |= effects.wake_jobs;
        self.wake_search |= effects.wake_search;
        self.written_blobs.extend(effects.written_blobs);
    }
}

/// The wall clock modules see through WASI: the host's (injectable) clock.
struct ModuleWallClock(Arc<dyn Clock>);

impl HostWallClock for ModuleWallClock {
    fn resolution(&self) -> Duration {
        Duration::from_millis(1)
    }

    fn now(&self) -> Duration {
        Duration::from_millis(u64::try_from(self.0.now_ms()).unwrap_or(0))
    }
}

/// Why a call failed, in words for the person who made the request.
fn failure(failed: CallFailure, err: &wasmtime::Error) -> AppError {
    tracing::warn!(
        module = failed.module(),
        error = format!("{err:?}"),
        "module call failed"
    );
    AppError::ModuleFailed {
        module: failed.module().to_string(),
        status: failed.status(),
        message: failed.to_string(),
    }
}

pub(crate) fn caller_record(
    app: &AppState,
    practice: &Practice,
    caller: Option<&Caller>,
) -> bindings::Caller {
    let practice_url = app.config.practice_url(practice.slug());
    match caller {
        Some(c) => bindings::Caller {
            practice: practice.slug().to_string(),
            // A workflow is nobody a module can look up or write to: it
            // is named, with its role's permissions, but has no user id.
            user_id: c.acting.is_none().then(|| c.user_id.clone()),
            email: c.email.clone(),
            display_name: c.display_name.clone(),
            time_zone: c.time_zone.clone(),
            permissions: c.permissions.iter().cloned().collect(),
            practice_url,
        },
        None => bindings::Caller {
            practice: practice.slug().to_string(),
            user_id: None,
            email: String::new(),
            display_name: "ImmCase".into(),
            time_zone: "UTC".into(),
            permissions: Vec::new(),
            practice_url,
        },
    }
}

/// The caller a module sees on a public path: nobody signed in, with the
/// practice's time zone (`time_zone`).
pub(super) fn anonymous_record(
    app: &AppState,
    practice: &Practice,
    time_zone: String,
) -> bindings::Caller {
    bindings::Caller {
        practice: practice.slug().to_string(),
        user_id: None,
        email: String::new(),
        display_name: String::new(),
        time_zone,
        permissions: Vec::new(),
        practice_url: app.config.practice_url(practice.slug()),
    }
}

pub type BoxFuture<'a, T> = std::pin::Pin<Box<dyn std::future::Future<Output = T> + Send + 'a>>;

/// What a successful call leaves to do inside its transaction before commit
/// (e.g. marking the delivered event done), so both commit together.
pub type Finish = Box<dyn for<'t> FnOnce(&'t mut Tx) -> BoxFuture<'t, sqlx::Result<()>> + Send>;

/// Runs `body` on a fresh instance of `module`. When the call succeeds and
/// `commit` approves its result, the call's transaction (with `finish`)
/// commits; otherwise it is rolled back.
pub async fn run<R, F>(
    app: &AppState,
    module: &Arc<LoadedModule>,
    practice: &Practice,
    caller: Option<&Caller>,
    finish: Option<Finish>,
    commit: impl FnOnce(&R) -> bool,
    body: F,
) -> Result<R, AppError>
where
    F: for<'s> FnOnce(&'s Module, &'s mut Store<CallState>) -> BoxFuture<'s, wasmtime::Result<R>>,
{
    let start = Effects::default();
    let (result, effects) = execute(app, module, practice, caller, start, 0, body).await;
    let result = match result {
        Ok(result) if commit(&result) => result,
        other => {
            discard_blobs(app, &effects.written_blobs).await;
            return other;
        }
    };
    let written = effects.written_blobs;
    let committed = commit_call(app, effects.tx, finish).await;
    if committed.is_err() {
        discard_blobs(app, &written).await;
    }
    committed?;
    if let Some(lock) = effects.lock {
        let held = lock.hold.saturating_sub(
            lock.until
                .saturating_duration_since(std::time::Instant::now()),
        );
        tracing::debug!(module = %module.manifest.id, held_ms = held.as_millis() as u64, "module call committed");
    }
    if effects.wake_mail {
        app.mail.wake();
    }
    if effects.wake_jobs {
        app.jobs_wake.notify_one();
    }
    if effects.wake_search {
        app.search.wake.notify_one();
    }
    Ok(result)
}

/// Runs `body` on a fresh instance of `module` at `depth` (0 for the host's
/// own calls), continuing `start`'s transaction if it has one, and returns
/// what it answered with what it left, committing nothing: [`run`] commits
/// a call the host made; a nested action call hands its effects back to
/// the call it is part of.
pub(super) async fn execute<R, F>(
    app: &AppState,
    module: &Arc<LoadedModule>,
    practice: &Practice,
    caller: Option<&Caller>,
    start: Effects,
    depth: u32,
    body: F,
) -> (Result<R, AppError>, Effects)
where
    F: for<'s> FnOnce(&'s Module, &'s mut Store<CallState>) -> BoxFuture<'s, wasmtime::Result<R>>,
{
    let timeout_ms = module.manifest.limits.timeout_ms;
    let mut limits = CallLimits::of(&module.manifest);
    if let Some(lock) = start.lock {
        limits.continue_lock(lock);
    }
    let state = CallState {
        wasi: None,
        table: ResourceTable::new(),
        limits,
        app: app.clone(),
        module: module.clone(),
        practice: practice.clone(),
        caller: caller.cloned(),
        tx: start.tx,
        depth,
        wake_mail: start.wake_mail,
        wake_jobs: start.wake_jobs,
        wake_search: start.wake_search,
        written_blobs: start.written_blobs,
    };
    let mut store = new_store(module, state);
    // Host imports awaiting the database are not interrupted by epochs; this
    // bounds the whole call, waiting for SQLite's write lock (at most 15 s)
    // included.
    let wall = Duration::from_millis(u64::from(timeout_ms) * 2 + 20_000);
    let outcome = tokio::time::timeout(wall, async {
        let instance = module.pre.instantiate_async(&mut store).await?;
        body(&instance, &mut store).await
    })
    .await;
    let result = match outcome {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(err)) => {
            let failed = CallFailure::of(&module.manifest, &err, &store.data().limits);
            Err(failure(failed, &err))
        }
        Err(_) => {
            let limits = &mut store.data_mut().limits;
            limits.stop_for_time();
            let err = wasmtime::Error::from(wasmtime::Trap::Interrupt);
            Err(failure(
                CallFailure::of(&module.manifest, &err, limits),
                &err,
            ))
        }
    };
    let data = store.into_data();
    let effects = Effects {
        lock: data.limits.lock(),
        tx: data.tx,
        wake_mail: data.wake_mail,
        wake_jobs: data.wake_jobs,
        wake_search: data.wake_search,
        written_blobs: data.written_blobs,
    };
    (result, effects)
}

/// Removes what a call that did not commit wrote to the blob store.
pub(crate) async fn discard_blobs(app: &AppState, keys: &[String]) {
    for key in keys {
        if let Err(e) = app.blobs.delete(key).await {
            tracing::warn!(error = %e, key = %key, "removing a failed call's file contents");
        }
    }
}

/// Commits a successful call's transaction, after `finish`.
async fn commit_call(
    app: &AppState,
    tx: Option<Tx>,
    finish: Option<Finish>,
) -> Result<(), AppError> {
    let mut tx = tx;
    if let Some(finish) = finish {
        if tx.is_none() {
            tx = Some(app.db.begin().await?);
        }
        if let Some(tx) = tx.as_mut() {
            finish(tx).await?;
        }
    }
    if let Some(tx) = tx {
        tx.commit().await?;
    }
    Ok(())
}
