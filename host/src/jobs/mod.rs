//! Durable jobs: event deliveries and module timers. Both are rows in the
//! database; a worker claims due rows with a conditional update (so several
//! host processes can share one database), calls the module, and in the same
//! transaction as the module's own changes marks the row done. Failures are
//! retried with backoff and their last error is kept; after `MAX_ATTEMPTS`
//! the row is marked failed.

use sqlx::Row;
use tokio::sync::watch;

use crate::modules::{self, call::Finish};
use crate::practices::Practice;
use crate::state::AppState;

pub const MAX_ATTEMPTS: i64 = 10;
/// A claimed row whose worker died is claimed again after this long.
const STALE_CLAIM_MS: i64 = 5 * 60 * 1000;

/// Schedules (or moves) a module's timer `key`.
pub async fn set_timer(
    tx: &mut crate::db::Tx,
    practice: &Practice,
    module: &str,
    key: &str,
    payload: &str,
    due: i64,
) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM module_timers WHERE practice_id = $1 AND module_id = $2 AND timer_key = $3 AND status = 'pending'")
        .bind(practice.id())
        .bind(module)
        .bind(key)
        .execute(&mut **tx)
        .await?;
    sqlx::query(
        "INSERT INTO module_timers (practice_id, module_id, timer_key, payload, due_at, status, attempts, next_attempt_at) \
         VALUES ($1, $2, $3, $4, $5, 'pending', 0, $5)",
    )
    .bind(practice.id())
    .bind(module)
    .bind(key)
    .bind(payload)
    .bind(due)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

pub async fn cancel_timer(
    tx: &mut crate::db::Tx,
    practice: &Practice,
    module: &str,
    key: &str,
) -> sqlx::Result<bool> {
    let done = sqlx::query("DELETE FROM module_timers WHERE practice_id = $1 AND module_id = $2 AND timer_key = $3 AND status = 'pending'")
        .bind(practice.id())
        .bind(module)
        .bind(key)
        .execute(&mut **tx)
        .await?;
    Ok(done.rows_affected() > 0)
}

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

/// First wait before retrying a job (then doubling), and the longest.
const FIRST_RETRY_MS: i64 = 1000;
const MAX_RETRY_MS: i64 = 30 * 60 * 1000;

/// Wait before retry number `attempts`: `first_ms`, then doubling each time,
/// at most `max_ms`. Shared by jobs and the mail outbox.
pub fn backoff_ms(attempts: i64, first_ms: i64, max_ms: i64) -> i64 {
    let doublings = u32::try_from(attempts.clamp(1, 62) - 1).unwrap_or(0);
    first_ms.saturating_mul(1_i64 << doublings).min(max_ms)
}

async fn pass(state: &AppState) -> anyhow::Result<usize> {
    let pool = state.db.pool();
    let now = state.now_ms();
    for table in ["event_deliveries", "module_timers"] {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "UPDATE {table} SET status = {}, claimed_at = NULL WHERE status = 'running' AND claimed_at < $1",
            back_to_pending(table)
        )))
        .bind(now - STALE_CLAIM_MS)
        .execute(pool)
        .await?;
    }
    let mut handled = 0;
    let deliveries = sqlx::query(
        "SELECT d.id, d.practice_id, d.subscriber, d.attempts, e.id AS event_id, e.name, e.payload, e.source, e.created_at \
         FROM event_deliveries d JOIN events e ON e.id = d.event_id \
         WHERE d.status = 'pending' AND d.next_attempt_at <= $1 ORDER BY d.id LIMIT 20",
    )
    .bind(now)
    .fetch_all(pool)
    .await?;
    for row in deliveries {
        let id: i64 = row.get("id");
        if !claim(state, "event_deliveries", id).await? {
            continue;
        }
        handled += 1;
        let event = modules::bindings::Event {
            id: row.get("event_id"),
            name: row.get("name"),
            payload: row.get("payload"),
            source: row.get("source"),
            occurred_at: row.get("created_at"),
        };
        let job = Job {
            table: "event_deliveries",
            id,
            attempts: row.get::<i64, _>("attempts") + 1,
        };
        let practice_id: String = row.get("practice_id");
        let subscriber: String = row.get("subscriber");
        let outcome = match practice_by_id(state, &practice_id).await? {
            Some(practice) => {
                modules::deliver_event(state, &practice, &subscriber, event, job.finish()).await
            }
            None => Err("the practice no longer exists".into()),
        };
        job.record(state, outcome).await?;
    }
    let timers = sqlx::query(
        "SELECT id, practice_id, module_id, timer_key, payload, due_at, attempts FROM module_timers \
         WHERE status = 'pending' AND next_attempt_at <= $1 ORDER BY next_attempt_at, id LIMIT 20",
    )
    .bind(now)
    .fetch_all(pool)
    .await?;
    for row in timers {
        let id: i64 = row.get("id");
        if !claim(state, "module_timers", id).await? {
            continue;
        }
        handled += 1;
        let timer = modules::bindings::Timer {
            key: row.get("timer_key"),
            payload: row.get("payload"),
            due_at: row.get("due_at"),
        };
        let job = Job {
            table: "module_timers",
            id,
            attempts: row.get::<i64, _>("attempts") + 1,
        };
        let practice_id: String = row.get("practice_id");
        let module: String = row.get("module_id");
        let outcome = match practice_by_id(state, &practice_id).await? {
            Some(practice) => {
                modules::fire_timer(state, &practice, &module, timer, job.finish()).await
            }
            None => Err("the practice no longer exists".into()),
        };
        job.record(state, outcome).await?;
    }
    Ok(handled)
}

async fn practice_by_id(state: &AppState, id: &str) -> sqlx::Result<Option<Practice>> {
    let slug: Option<String> = sqlx::query_scalar("SELECT slug FROM practices WHERE id = $1")
        .bind(id)
        .fetch_optional(state.db.pool())
        .await?;
    match slug {
        Some(slug) => Ok(state.practice_by_slug(&slug).await.ok().flatten()),
        None => Ok(None),
    }
}

async fn claim(state: &AppState, table: &str, id: i64) -> sqlx::Result<bool> {
    let claimed = sqlx::query(sqlx::AssertSqlSafe(format!(
        "UPDATE {table} SET status = 'running', claimed_at = $2 WHERE id = $1 AND status = 'pending'"
    )))
    .bind(id)
    .bind(state.now_ms())
    .execute(state.db.pool())
    .await?;
    Ok(claimed.rows_affected() == 1)
}

/// What happened to one delivery or timer.
pub enum Outcome {
    /// Done (marked inside the module's transaction).
    Done,
    /// Not for now (module disabled or gone): marked skipped.
    Skipped(String),
}

/// The status a claimed job returns to for another attempt: `pending`, but
/// for a timer whose key was scheduled again meanwhile (by its own call or
/// by another), `superseded`: the newer one is the timer now.
fn back_to_pending(table: &str) -> String {
    if table == "module_timers" {
        "CASE WHEN EXISTS (SELECT 1 FROM module_timers newer WHERE newer.practice_id = module_timers.practice_id \
         AND newer.module_id = module_timers.module_id AND newer.timer_key = module_timers.timer_key \
         AND newer.status = 'pending' AND newer.id <> module_timers.id) THEN 'superseded' ELSE 'pending' END"
            .to_string()
    } else {
        "'pending'".to_string()
    }
}

struct Job {
    table: &'static str,
    id: i64,
    attempts: i64,
}

impl Job {
    /// Marks the row done inside the module call's own transaction.
    fn finish(&self) -> Finish {
        let (table, id, attempts) = (self.table, self.id, self.attempts);
        Box::new(move |tx| {
            Box::pin(async move {
                sqlx::query(sqlx::AssertSqlSafe(format!(
                    "UPDATE {table} SET status = 'done', attempts = $2, done_at = claimed_at WHERE id = $1"
                )))
                .bind(id)
                .bind(attempts)
                .execute(&mut **tx)
                .await?;
                Ok(())
            })
        })
    }

    async fn record(self, state: &AppState, outcome: Result<Outcome, String>) -> sqlx::Result<()> {
        let pool = state.db.pool();
        let now = state.now_ms();
        match outcome {
            Ok(Outcome::Done) => Ok(()),
            Ok(Outcome::Skipped(reason)) => {
                sqlx::query(sqlx::AssertSqlSafe(format!(
                    "UPDATE {} SET status = 'skipped', last_error = $2, done_at = $3 WHERE id = $1",
                    self.table
                )))
                .bind(self.id)
                .bind(reason)
                .bind(now)
                .execute(pool)
                .await?;
                Ok(())
            }
            Err(error) => {
                let give_up = self.attempts >= MAX_ATTEMPTS;
                tracing::warn!(job = self.table, id = self.id, attempts = self.attempts, give_up, %error, "job failed");
                let status = if give_up {
                    "'failed'".to_string()
                } else {
                    back_to_pending(self.table)
                };
                sqlx::query(sqlx::AssertSqlSafe(format!(
                    "UPDATE {} SET status = {status}, attempts = $2, next_attempt_at = $3, last_error = $4, claimed_at = NULL WHERE id = $1",
                    self.table
                )))
                .bind(self.id)
                .bind(self.attempts)
                .bind(now + backoff_ms(self.attempts, FIRST_RETRY_MS, MAX_RETRY_MS))
                .bind(error)
                .execute(pool)
                .await?;
                Ok(())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_and_is_capped() {
        let job = |n| backoff_ms(n, FIRST_RETRY_MS, MAX_RETRY_MS);
        assert_eq!(job(1), 1000);
        assert_eq!(job(2), 2000);
        assert_eq!(job(5), 16_000);
        assert_eq!(job(40), 30 * 60 * 1000);
        assert_eq!(
            backoff_ms(i64::MAX, 1000, i64::MAX),
            i64::MAX,
            "no overflow"
        );
    }
}
