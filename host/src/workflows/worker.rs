//! The workflow worker: takes each schedule's due slot (once, across host
//! processes: the slot moves by a conditional update, and the run is
//! written in the same transaction), then claims pending runs and runs
//! them. A run that succeeded commits its effects with its record; one that
//! failed or was skipped keeps nothing but its record. A run whose worker
//! died (the host stopped mid-run) is claimed again after a while: its
//! effects never committed, so it runs once.

use tokio::sync::watch;

use super::run::{self, Outcome, Sources, Trigger};
use super::{cron, runs, store};
use crate::db::new_id;
use crate::state::AppState;

/// Runs due workflow runs until `shutdown` turns true.
pub async fn run_worker(state: AppState, mut shutdown: watch::Receiver<bool>) {
    let poll = state.config.jobs_poll_interval;
    loop {
        let handled = match pass(&state).await {
            Ok(n) => n,
            Err(e) => {
                tracing::warn!(error = %e, "workflow pass failed");
                0
            }
        };
        if *shutdown.borrow() {
            return;
        }
        if handled == 0 {
            tokio::select! {
                _ = state.workflows_wake.notified() => {}
                _ = tokio::time::sleep(poll) => {}
                _ = shutdown.changed() => return,
            }
        }
    }
}

#[derive(sqlx::FromRow)]
struct Due {
    id: String,
    practice_id: String,
    workflow_id: String,
    event_id: Option<String>,
    slot: Option<i64>,
    chain: i64,
}

/// One pass: due slots, then up to 20 pending runs; how many it handled.
pub async fn pass(state: &AppState) -> crate::error::Result<usize> {
    let db = state.db.pool();
    let now = state.now_ms();
    sqlx::query("UPDATE workflow_runs SET status = 'pending', claimed_at = NULL WHERE status = 'running' AND claimed_at < $1")
        .bind(now - i64::try_from(state.config.job_claim_timeout.as_millis()).unwrap_or(i64::MAX))
        .execute(db)
        .await?;
    let mut handled = take_slots(state, now).await?;
    let due: Vec<Due> = sqlx::query_as(
        "SELECT id, practice_id, workflow_id, event_id, slot, chain FROM workflow_runs \
         WHERE status = 'pending' AND next_attempt_at <= $1 ORDER BY created_at, id LIMIT 20",
    )
    .bind(now)
    .fetch_all(db)
    .await?;
    for run in due {
        let claimed = sqlx::query(
            "UPDATE workflow_runs SET status = 'running', claimed_at = $2, started_at = $2, attempts = attempts + 1 \
             WHERE id = $1 AND status = 'pending'",
        )
        .bind(&run.id)
        .bind(state.now_ms())
        .execute(db)
        .await?;
        if claimed.rows_affected() != 1 {
            continue;
        }
        handled += 1;
        perform(state, run).await?;
    }
    Ok(handled)
}

/// Runs one claimed run and records how it ended.
async fn perform(state: &AppState, due: Due) -> crate::error::Result<()> {
    let db = state.db.pool();
    let practice = state
        .practice_by_id(&due.practice_id)
        .await?
        .ok_or(crate::error::AppError::NotFound("practice"))?;
    let Some(w) = store::find(db, &practice, &due.workflow_id).await? else {
        return Ok(());
    };
    let record_alone = async |outcome: Outcome| {
        runs::record(db, &due.id, w.version, &outcome, state.now_ms()).await
    };
    if !w.active {
        return record_alone(Outcome::skipped(
            "the workflow was switched off before this run",
        ))
        .await;
    }
    let limit = state.config.workflows.max_chain;
    if due.chain >= limit {
        let message = format!(
            "stopped: {} workflow runs in a row caused one another, and the limit is {limit} \
             (does the workflow's own change trigger it again?)",
            due.chain + 1
        );
        return record_alone(Outcome::failed(run::problem(message))).await;
    }
    let event = match &due.event_id {
        Some(id) => {
            let row: Option<run::EventRow> = sqlx::query_as(
                "SELECT id, name, payload, source, created_at FROM events WHERE practice_id = $1 AND id = $2",
            )
            .bind(practice.id())
            .bind(id)
            .fetch_optional(db)
            .await?;
            match row {
                Some(row) => Some(row),
                None => {
                    return record_alone(Outcome::failed(run::problem("its event is gone"))).await;
                }
            }
        }
        None => None,
    };
    let trigger = Trigger {
        event,
        slot: due.slot,
        chain: due.chain,
    };
    let caller = match run::identity(state, &practice, &w, due.chain).await {
        Ok(caller) => caller,
        Err(problem) => return record_alone(Outcome::failed(problem)).await,
    };
    let sources = Sources {
        condition: w.condition.clone(),
        script: w.script.clone(),
    };
    let (outcome, work) = run::execute(state, caller, &w, sources, &trigger).await;
    let effects = work.effects;
    if !outcome.succeeded() {
        drop(effects.tx);
        crate::modules::call::discard_blobs(state, &effects.written_blobs).await;
        return record_alone(outcome).await;
    }
    let mut tx = match effects.tx {
        Some(tx) => tx,
        None => state.db.begin().await?,
    };
    runs::record(&mut *tx, &due.id, w.version, &outcome, state.now_ms()).await?;
    if let Err(e) = tx.commit().await {
        crate::modules::call::discard_blobs(state, &effects.written_blobs).await;
        let failed = Outcome::failed(run::problem(format!("its changes could not be saved: {e}")));
        return record_alone(failed).await;
    }
    if effects.wake_mail {
        state.mail.wake();
    }
    if effects.wake_search {
        state.search.wake.notify_one();
    }
    // Its changes' events may have queued modules' deliveries and runs.
    state.jobs_wake.notify_one();
    state.workflows_wake.notify_one();
    Ok(())
}

/// Takes every active schedule's due slot: moves the schedule to its next
/// slot after now (slots missed while no host ran are run once, as the
/// first of them) and queues a run for the slot taken.
async fn take_slots(state: &AppState, now: i64) -> crate::error::Result<usize> {
    let db = state.db.pool();
    let due: Vec<(String, String, String, i64, i64)> = sqlx::query_as(
        "SELECT id, practice_id, trigger_text, next_slot_at, version FROM workflows \
         WHERE active = 1 AND trigger_kind = 'schedule' AND next_slot_at <= $1",
    )
    .bind(now)
    .fetch_all(db)
    .await?;
    let mut taken = 0;
    for (id, practice_id, trigger, slot, version) in due {
        let next = match cron::Schedule::parse(&trigger) {
            Ok(schedule) => next_slot(state, &practice_id, &schedule, now).await?,
            Err(_) => None,
        };
        let mut tx = state.db.begin().await?;
        let moved = sqlx::query(
            "UPDATE workflows SET next_slot_at = $3 WHERE id = $1 AND next_slot_at = $2",
        )
        .bind(&id)
        .bind(slot)
        .bind(next)
        .execute(&mut *tx)
        .await?;
        if moved.rows_affected() != 1 {
            continue;
        }
        sqlx::query(
            "INSERT INTO workflow_runs (id, practice_id, workflow_id, version, slot, chain, status, attempts, \
             next_attempt_at, created_at, effects, logs) VALUES ($1, $2, $3, $4, $5, 0, 'pending', 0, $6, $6, '[]', '[]')",
        )
        .bind(new_id())
        .bind(&practice_id)
        .bind(&id)
        .bind(version)
        .bind(slot)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        taken += 1;
    }
    Ok(taken)
}

/// A schedule's first slot after `now` in the zone of the practice
/// `practice_id`.
pub async fn next_slot(
    state: &AppState,
    practice_id: &str,
    schedule: &cron::Schedule,
    now: i64,
) -> crate::error::Result<Option<i64>> {
    let zone = crate::practices::time_zone(state.db.pool(), practice_id).await?;
    let zone = jiff::tz::TimeZone::get(&zone).unwrap_or(jiff::tz::TimeZone::UTC);
    Ok(schedule.next_after(now, &zone))
}
