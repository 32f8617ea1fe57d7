//! Durable jobs: event deliveries and module timers. Both are rows in the
//! database; a worker (`modules::background`) claims due rows with a
//! conditional update (so several host processes can share one database),
//! calls the module, and in the same transaction as the module's own changes
//! marks the row done. Failures are
//! retried with backoff and their last error is kept; after `MAX_ATTEMPTS`
//! the row is marked failed.

use crate::clock::backoff_ms;
use crate::db::{Db, Tx};
use crate::practices::Practice;

/// The two kinds of job, by their table.
pub const DELIVERIES: &str = "event_deliveries";
pub const TIMERS: &str = "module_timers";

pub const MAX_ATTEMPTS: i64 = 10;

/// Schedules (or moves) a module's timer `key`.
pub async fn set_timer(
    tx: &mut Tx,
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
    tx: &mut Tx,
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

/// First wait before retrying a job (then doubling), and the longest.
const FIRST_RETRY_MS: i64 = 1000;
const MAX_RETRY_MS: i64 = 30 * 60 * 1000;

/// Puts back to pending the jobs claimed by a worker that died (claimed
/// more than `stale_ms` ago: `Config::job_claim_timeout`).
pub async fn reclaim_stale(db: &Db, now: i64, stale_ms: i64) -> sqlx::Result<()> {
    for table in [DELIVERIES, TIMERS] {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "UPDATE {table} SET status = {}, claimed_at = NULL WHERE status = 'running' AND claimed_at < $1",
            back_to_pending(table)
        )))
        .bind(now - stale_ms)
        .execute(db.pool())
        .await?;
    }
    Ok(())
}

/// An event due for delivery to a subscribed module.
#[derive(sqlx::FromRow)]
pub struct DueDelivery {
    pub id: i64,
    pub practice_id: String,
    pub subscriber: String,
    pub attempts: i64,
    pub event_id: String,
    pub name: String,
    pub payload: String,
    pub source: String,
    pub created_at: i64,
}

/// A module's timer that is due.
#[derive(sqlx::FromRow)]
pub struct DueTimer {
    pub id: i64,
    pub practice_id: String,
    pub module_id: String,
    pub timer_key: String,
    pub payload: String,
    pub due_at: i64,
    pub attempts: i64,
}

/// Up to 20 deliveries due at `now`, oldest first.
pub async fn due_deliveries(db: &Db, now: i64) -> sqlx::Result<Vec<DueDelivery>> {
    sqlx::query_as(
        "SELECT d.id, d.practice_id, d.subscriber, d.attempts, e.id AS event_id, e.name, e.payload, e.source, e.created_at \
         FROM event_deliveries d JOIN events e ON e.id = d.event_id \
         WHERE d.status = 'pending' AND d.next_attempt_at <= $1 ORDER BY d.id LIMIT 20",
    )
    .bind(now)
    .fetch_all(db.pool())
    .await
}

/// Up to 20 timers due at `now`, earliest first.
pub async fn due_timers(db: &Db, now: i64) -> sqlx::Result<Vec<DueTimer>> {
    sqlx::query_as(
        "SELECT id, practice_id, module_id, timer_key, payload, due_at, attempts FROM module_timers \
         WHERE status = 'pending' AND next_attempt_at <= $1 ORDER BY next_attempt_at, id LIMIT 20",
    )
    .bind(now)
    .fetch_all(db.pool())
    .await
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
    if table == TIMERS {
        "CASE WHEN EXISTS (SELECT 1 FROM module_timers newer WHERE newer.practice_id = module_timers.practice_id \
         AND newer.module_id = module_timers.module_id AND newer.timer_key = module_timers.timer_key \
         AND newer.status = 'pending' AND newer.id <> module_timers.id) THEN 'superseded' ELSE 'pending' END"
            .to_string()
    } else {
        "'pending'".to_string()
    }
}

/// One claimed delivery or timer, and which attempt this is.
#[derive(Clone, Copy)]
pub struct Job {
    pub table: &'static str,
    pub id: i64,
    pub attempts: i64,
}

impl Job {
    /// The job `id` of `table`, at its next attempt.
    pub fn next_attempt(table: &'static str, id: i64, attempts_so_far: i64) -> Job {
        Job {
            table,
            id,
            attempts: attempts_so_far + 1,
        }
    }

    /// Claims the job for this worker; false when another took it first.
    pub async fn claim(&self, db: &Db, now: i64) -> sqlx::Result<bool> {
        let claimed = sqlx::query(sqlx::AssertSqlSafe(format!(
            "UPDATE {} SET status = 'running', claimed_at = $2 WHERE id = $1 AND status = 'pending'",
            self.table
        )))
        .bind(self.id)
        .bind(now)
        .execute(db.pool())
        .await?;
        Ok(claimed.rows_affected() == 1)
    }

    /// Marks the job done inside the module call's own transaction.
    pub async fn mark_done(&self, tx: &mut Tx) -> sqlx::Result<()> {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "UPDATE {} SET status = 'done', attempts = $2, done_at = claimed_at WHERE id = $1",
            self.table
        )))
        .bind(self.id)
        .bind(self.attempts)
        .execute(&mut **tx)
        .await?;
        Ok(())
    }

    /// Records what happened when it was not done in the call: skipped for
    /// good, or failed (retried later, or given up after `MAX_ATTEMPTS`).
    pub async fn record(
        &self,
        db: &Db,
        now: i64,
        outcome: Result<Outcome, impl std::fmt::Display>,
    ) -> sqlx::Result<()> {
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
                .execute(db.pool())
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
                .bind(error.to_string())
                .execute(db.pool())
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
    fn job_retries_wait_a_second_then_double_up_to_half_an_hour() {
        let job = |n| backoff_ms(n, FIRST_RETRY_MS, MAX_RETRY_MS);
        assert_eq!(job(1), 1000);
        assert_eq!(job(2), 2000);
        assert_eq!(job(5), 16_000);
        assert_eq!(job(40), 30 * 60 * 1000);
    }
}
