//! The job worker: due event deliveries and module timers (`jobs`) are
//! claimed, and each becomes a call of the module's `on-event` or
//! `on-timer` that marks the job done in its own transaction. A call for a
//! module that is not installed or not enabled in the practice is skipped.

use tokio::sync::watch;

use super::bindings;
use super::call::{self, Finish};
use crate::error::AppError;
use crate::jobs::{self, DELIVERIES, Job, Outcome, TIMERS};
use crate::practices::Practice;
use crate::state::AppState;

/// Runs due jobs until `shutdown` turns true.
pub async fn run_worker(state: AppState, mut shutdown: watch::Receiver<bool>) {
    let poll = state.config.jobs_poll_interval;
    loop {
        let handled = match pass(&state).await {
            Ok(n) => n,
            Err(e) => {
                tracing::warn!(error = %e, "job pass failed");
                0
            }
        };
        // The events just written may have queued workflow runs.
        state.workflows_wake.notify_one();
        if *shutdown.borrow() {
            return;
        }
        if handled == 0 {
            tokio::select! {
                _ = state.jobs_wake.notified() => {}
                _ = tokio::time::sleep(poll) => {}
                _ = shutdown.changed() => return,
            }
        }
    }
}

/// One pass over the due jobs; returns how many it handled.
async fn pass(state: &AppState) -> sqlx::Result<usize> {
    let db = &state.db;
    let now = state.now_ms();
    let stale_ms = i64::try_from(state.config.job_claim_timeout.as_millis()).unwrap_or(i64::MAX);
    jobs::reclaim_stale(db, now, stale_ms).await?;
    let mut handled = 0;
    for due in jobs::due_deliveries(db, now).await? {
        let job = Job::next_attempt(DELIVERIES, due.id, due.attempts);
        let event = bindings::Event {
            id: due.event_id,
            name: due.name,
            payload: due.payload,
            source: due.source,
            occurred_at: due.created_at,
        };
        let subscriber = &due.subscriber;
        let deliver = |practice: Practice, done| async move {
            deliver_event(state, &practice, subscriber, event, done).await
        };
        handled += usize::from(run(state, job, &due.practice_id, deliver).await?);
    }
    for due in jobs::due_timers(db, now).await? {
        let job = Job::next_attempt(TIMERS, due.id, due.attempts);
        let timer = bindings::Timer {
            key: due.timer_key,
            payload: due.payload,
            due_at: due.due_at,
        };
        let module = &due.module_id;
        let fire = |practice: Practice, done| async move {
            fire_timer(state, &practice, module, timer, done).await
        };
        handled += usize::from(run(state, job, &due.practice_id, fire).await?);
    }
    Ok(handled)
}

/// Claims `job` and makes its call for the practice `practice_id`, then
/// records what happened; false when another worker claimed it first.
async fn run<F, Fut>(state: &AppState, job: Job, practice_id: &str, call: F) -> sqlx::Result<bool>
where
    F: FnOnce(Practice, Finish) -> Fut,
    Fut: std::future::Future<Output = Result<Outcome, AppError>>,
{
    if !job.claim(&state.db, state.now_ms()).await? {
        return Ok(false);
    }
    let outcome = match state.practice_by_id(practice_id).await {
        Ok(Some(practice)) => call(practice, finish(job)).await,
        Ok(None) => Err(AppError::NotFound("practice")),
        Err(e) => Err(e),
    };
    job.record(&state.db, state.now_ms(), outcome).await?;
    Ok(true)
}

/// Marks `job` done inside the call that did it.
fn finish(job: Job) -> Finish {
    Box::new(move |tx| Box::pin(async move { job.mark_done(tx).await }))
}

/// Delivers an event to a subscribed module of the practice.
pub async fn deliver_event(
    state: &AppState,
    practice: &Practice,
    module_id: &str,
    event: bindings::Event,
    finish: Finish,
) -> Result<Outcome, AppError> {
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
) -> Result<Outcome, AppError> {
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
) -> Result<Outcome, AppError>
where
    F: for<'s> FnOnce(
        &'s bindings::Module,
        &'s mut wasmtime::Store<call::CallState>,
        bindings::Caller,
    ) -> call::BoxFuture<'s, wasmtime::Result<()>>,
{
    let Some(module) = state.modules.get(module_id) else {
        return Ok(Outcome::Skipped(format!(
            "module `{module_id}` is not installed"
        )));
    };
    let enabled = state
        .enabled_modules
        .is_enabled(state.db.pool(), practice, module_id);
    if !enabled.await? {
        return Ok(Outcome::Skipped(format!(
            "module `{module_id}` is disabled in this practice"
        )));
    }
    let caller = call::caller_record(state, practice, None);
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
}
