//! One call's store: a memory limit, a deadline checked at every epoch tick,
//! and a second, shorter deadline the host may start while the call holds
//! something others wait for (the database's write lock). A call past either
//! deadline traps; [`CallFailure`] says why in words a person can act on.

use std::time::{Duration, Instant};

use wasmtime::{ResourceLimiter, Store, Trap, UpdateDeadline};

use crate::LoadedModule;

/// Caps a module's linear memory and remembers when a growth was refused, so
/// the resulting trap can be reported as running out of memory.
pub struct MemoryLimiter {
    max_bytes: usize,
    hit: bool,
}

impl ResourceLimiter for MemoryLimiter {
    fn memory_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        if desired > self.max_bytes {
            self.hit = true;
            return Ok(false);
        }
        Ok(true)
    }

    fn table_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        Ok(desired <= 100_000)
    }
}

/// Why a call was stopped before it finished on its own.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stopped {
    /// It ran past its manifest's time limit.
    TimeLimit,
    /// It kept the write lock longer than the host allows.
    LockHeld(Duration),
}

/// The limits of one call, kept in its store's data.
pub struct CallLimits {
    memory: MemoryLimiter,
    deadline: Instant,
    lock: Option<LockClock>,
    stopped: Option<Stopped>,
}

/// Since when a call holds the write lock, and until when it may.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LockClock {
    /// The bound: how long the call may hold it.
    pub hold: Duration,
    /// When the call must have let go (moved later by [`CallLimits::extend_lock`]).
    pub until: Instant,
}

impl CallLimits {
    /// The limits of a call of `module` starting now.
    pub fn of(manifest: &immcase_manifest::Manifest) -> CallLimits {
        let limits = manifest.limits;
        CallLimits {
            memory: MemoryLimiter {
                max_bytes: limits.memory_mb as usize * 1024 * 1024,
                hit: false,
            },
            deadline: Instant::now() + Duration::from_millis(u64::from(limits.timeout_ms)),
            lock: None,
            stopped: None,
        }
    }

    /// Starts the lock clock: from now on the call may run at most `hold`
    /// longer (or to its own deadline, if that is sooner). A clock already
    /// running is left as it is.
    pub fn hold_lock_for(&mut self, hold: Duration) {
        self.lock.get_or_insert(LockClock {
            hold,
            until: Instant::now() + hold,
        });
    }

    /// Takes over a lock clock started by another call (the call this one is
    /// nested in, or one nested in this one, that shares its transaction).
    pub fn continue_lock(&mut self, clock: LockClock) {
        self.lock.get_or_insert(clock);
    }

    /// The running lock clock, if the call holds the lock.
    pub fn lock(&self) -> Option<LockClock> {
        self.lock
    }

    /// Moves the call's own deadline `by` later: for time it spent waiting
    /// on the host rather than working (queueing for the write lock).
    pub fn extend_deadline(&mut self, by: Duration) {
        self.deadline += by;
    }

    /// Gives the call `by` more time under the lock: for work the host did
    /// for it that the module could not make longer (storing file contents
    /// within the size limits).
    pub fn extend_lock(&mut self, by: Duration) {
        if let Some(clock) = &mut self.lock {
            clock.until += by;
        }
    }

    /// Why the call must stop now, if it must; remembered for [`CallFailure`].
    pub fn check(&mut self) -> Option<Stopped> {
        if self.stopped.is_none() {
            let now = Instant::now();
            if now >= self.deadline {
                self.stopped = Some(Stopped::TimeLimit);
            } else if let Some(lock) = self.lock
                && now >= lock.until
            {
                self.stopped = Some(Stopped::LockHeld(lock.hold));
            }
        }
        self.stopped
    }

    /// Marks the call as stopped for its time limit (when something outside
    /// the module, such as a host call, took the time).
    pub fn stop_for_time(&mut self) {
        self.stopped.get_or_insert(Stopped::TimeLimit);
    }

    pub fn stopped(&self) -> Option<Stopped> {
        self.stopped
    }

    pub fn out_of_memory(&self) -> bool {
        self.memory.hit
    }
}

/// What a store's data gives the runtime.
pub trait CallData: Send + 'static {
    fn limits(&mut self) -> &mut CallLimits;
}

/// A store for one call of `module`, holding `data`: its memory is capped
/// and, at every epoch tick, the call stops once past a deadline of
/// [`CallLimits`].
pub fn new_store<T: CallData>(module: &LoadedModule<T>, data: T) -> Store<T> {
    let mut store = Store::new(module.pre.engine(), data);
    store.limiter(|s| &mut s.limits().memory);
    store.set_epoch_deadline(1);
    store.epoch_deadline_callback(|mut ctx| match ctx.data_mut().limits().check() {
        Some(_) => Err(Trap::Interrupt.into()),
        None => Ok(UpdateDeadline::Continue(1)),
    });
    store
}

/// Why a call failed, for the person who made the request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CallFailure {
    /// Ran past its time limit (ms).
    TimedOut { module: String, limit_ms: u32 },
    /// Kept the write lock past the host's bound.
    HeldLock { module: String, hold: Duration },
    /// Ran out of memory (MiB).
    OutOfMemory { module: String, limit_mb: u32 },
    /// Trapped, or a host call failed under it.
    Failed { module: String, reason: String },
}

impl CallFailure {
    /// Reads what happened from the error a call ended with and its limits.
    pub fn of(
        manifest: &immcase_manifest::Manifest,
        err: &wasmtime::Error,
        limits: &CallLimits,
    ) -> CallFailure {
        let module = manifest.id.clone();
        let interrupted = matches!(err.downcast_ref::<Trap>(), Some(Trap::Interrupt));
        match limits.stopped() {
            Some(Stopped::LockHeld(hold)) => return CallFailure::HeldLock { module, hold },
            Some(Stopped::TimeLimit) => {
                return CallFailure::TimedOut {
                    module,
                    limit_ms: manifest.limits.timeout_ms,
                };
            }
            None => {}
        }
        if interrupted {
            CallFailure::TimedOut {
                module,
                limit_ms: manifest.limits.timeout_ms,
            }
        } else if limits.out_of_memory() {
            CallFailure::OutOfMemory {
                module,
                limit_mb: manifest.limits.memory_mb,
            }
        } else if let Some(trap) = err.downcast_ref::<Trap>() {
            CallFailure::Failed {
                module,
                reason: trap.to_string(),
            }
        } else {
            CallFailure::Failed {
                module,
                reason: format!("{err:#}"),
            }
        }
    }

    /// The HTTP status that says it: 503 for time, 500 for the rest.
    pub fn status(&self) -> u16 {
        match self {
            CallFailure::TimedOut { .. } | CallFailure::HeldLock { .. } => 503,
            CallFailure::OutOfMemory { .. } | CallFailure::Failed { .. } => 500,
        }
    }

    pub fn module(&self) -> &str {
        match self {
            CallFailure::TimedOut { module, .. }
            | CallFailure::HeldLock { module, .. }
            | CallFailure::OutOfMemory { module, .. }
            | CallFailure::Failed { module, .. } => module,
        }
    }
}

impl std::fmt::Display for CallFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CallFailure::TimedOut { module, limit_ms } => {
                write!(
                    f,
                    "module `{module}` took longer than {limit_ms} ms and was stopped"
                )
            }
            CallFailure::HeldLock { module, hold } => write!(
                f,
                "module `{module}` kept the database's write lock for more than {} ms and was stopped; its changes were rolled back",
                hold.as_millis()
            ),
            CallFailure::OutOfMemory { module, limit_mb } => {
                write!(
                    f,
                    "module `{module}` ran out of memory (its limit is {limit_mb} MiB)"
                )
            }
            CallFailure::Failed { module, reason } => {
                write!(f, "module `{module}` failed: {reason}")
            }
        }
    }
}
