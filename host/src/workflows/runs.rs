//! Runs in the database: queued with their event (`events::emit`) or
//! their schedule's slot (`worker`), claimed by one worker, and written
//! with how they ended — in the run's own transaction when it succeeded,
//! so its effects and its record commit together.

use serde::Serialize;
use serde_json::Value;
use sqlx::{Any, AssertSqlSafe, Executor, Row};
use utoipa::ToSchema;

use super::run::Outcome;
use crate::clock::rfc3339;
use crate::db::new_id;
use crate::error::Result;
use crate::practices::Practice;

/// A run as the History tab and the API show it.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Run {
    pub id: String,
    pub workflow_id: String,
    /// The workflow's version it ran.
    pub version: i64,
    /// The event's name, or `schedule`.
    pub trigger: String,
    pub event_id: Option<String>,
    /// A schedule's slot (RFC 3339).
    pub slot: Option<String>,
    /// `pending`, `running`, `succeeded`, `failed`, `skipped`.
    pub status: String,
    /// `succeeded`, `failed` or `skipped` once it ended.
    pub outcome: Option<String>,
    /// Why it was skipped.
    pub reason: Option<String>,
    /// Why it failed, with the place in the script.
    pub error: Option<String>,
    pub error_line: Option<i64>,
    pub error_column: Option<i64>,
    #[schema(value_type = Vec<Object>)]
    pub effects: Vec<Value>,
    pub logs: Vec<String>,
    pub duration_ms: Option<i64>,
    /// The run this one retries.
    pub retry_of: Option<String>,
    pub created_at: String,
    pub finished_at: Option<String>,
}

const COLUMNS: &str = "r.id, r.workflow_id, r.version, r.event_id, r.slot, r.status, r.reason, r.error, \
    r.error_line, r.error_column, r.effects, r.logs, r.duration_ms, r.retry_of, r.created_at, r.finished_at, \
    e.name AS event_name";

fn from_row(r: &sqlx::any::AnyRow) -> Result<Run> {
    let status: String = r.try_get("status")?;
    let ended = matches!(status.as_str(), "succeeded" | "failed" | "skipped");
    let event: Option<String> = r.try_get("event_name")?;
    let json_list = |column: &str| -> Result<Vec<Value>> {
        Ok(serde_json::from_str(&r.try_get::<String, _>(column)?).unwrap_or_default())
    };
    Ok(Run {
        id: r.try_get("id")?,
        workflow_id: r.try_get("workflow_id")?,
        version: r.try_get("version")?,
        trigger: event.unwrap_or_else(|| "schedule".into()),
        event_id: r.try_get("event_id")?,
        slot: r.try_get::<Option<i64>, _>("slot")?.map(rfc3339),
        outcome: ended.then(|| status.clone()),
        status,
        reason: r.try_get("reason")?,
        error: r.try_get("error")?,
        error_line: r.try_get("error_line")?,
        error_column: r.try_get("error_column")?,
        effects: json_list("effects")?,
        logs: json_list("logs")?
            .into_iter()
            .map(|v| v.as_str().unwrap_or_default().to_string())
            .collect(),
        duration_ms: r.try_get("duration_ms")?,
        retry_of: r.try_get("retry_of")?,
        created_at: rfc3339(r.try_get("created_at")?),
        finished_at: r.try_get::<Option<i64>, _>("finished_at")?.map(rfc3339),
    })
}

/// A workflow's runs, newest first: up to `limit` before the run `before`
/// (a cursor), of one outcome or all.
pub async fn list<'e, E>(
    db: E,
    practice: &Practice,
    workflow_id: &str,
    outcome: Option<&str>,
    before: Option<(i64, String)>,
    limit: i64,
) -> Result<Vec<(i64, Run)>>
where
    E: Executor<'e, Database = Any>,
{
    let sql = format!(
        "SELECT {COLUMNS}, r.created_at AS at FROM workflow_runs r LEFT JOIN events e ON e.id = r.event_id \
         WHERE r.practice_id = $1 AND r.workflow_id = $2 AND ($3 = '' OR r.status = $3) \
         AND ($4 = 0 OR r.created_at < $4 OR (r.created_at = $4 AND r.id < $5)) \
         ORDER BY r.created_at DESC, r.id DESC LIMIT $6"
    );
    let (at, id) = before.unwrap_or((0, String::new()));
    let rows = sqlx::query(AssertSqlSafe(sql))
        .bind(practice.id())
        .bind(workflow_id)
        .bind(outcome.unwrap_or(""))
        .bind(at)
        .bind(id)
        .bind(limit)
        .fetch_all(db)
        .await?;
    rows.iter()
        .map(|r| Ok((r.try_get::<i64, _>("at")?, from_row(r)?)))
        .collect()
}

pub async fn find<'e, E>(
    db: E,
    practice: &Practice,
    workflow_id: &str,
    id: &str,
) -> Result<Option<Run>>
where
    E: Executor<'e, Database = Any>,
{
    let row = sqlx::query(AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM workflow_runs r LEFT JOIN events e ON e.id = r.event_id \
         WHERE r.practice_id = $1 AND r.workflow_id = $2 AND r.id = $3"
    )))
    .bind(practice.id())
    .bind(workflow_id)
    .bind(id)
    .fetch_optional(db)
    .await?;
    row.as_ref().map(from_row).transpose()
}

/// The last run of each of the practice's workflows that ended.
pub async fn last_outcomes<'e, E>(db: E, practice: &Practice) -> Result<Vec<(String, String, i64)>>
where
    E: Executor<'e, Database = Any>,
{
    Ok(sqlx::query_as(
        "SELECT r.workflow_id, r.status, r.finished_at FROM workflow_runs r \
         WHERE r.practice_id = $1 AND r.finished_at = (SELECT MAX(l.finished_at) FROM workflow_runs l \
         WHERE l.practice_id = r.practice_id AND l.workflow_id = r.workflow_id)",
    )
    .bind(practice.id())
    .fetch_all(db)
    .await?)
}

/// Queues `run` again as a new run (`retry_of` it): the same event or slot.
pub async fn retry<'e, E>(
    db: E,
    practice: &Practice,
    run: &Run,
    by: &str,
    now: i64,
) -> Result<String>
where
    E: Executor<'e, Database = Any>,
{
    let id = new_id();
    sqlx::query(
        "INSERT INTO workflow_runs (id, practice_id, workflow_id, version, event_id, slot, chain, retry_of, status, \
         attempts, next_attempt_at, created_at, effects, logs, requested_by) \
         SELECT $1, practice_id, workflow_id, version, event_id, slot, chain, id, 'pending', 0, $2, $2, '[]', '[]', $3 \
         FROM workflow_runs WHERE practice_id = $4 AND id = $5",
    )
    .bind(&id)
    .bind(now)
    .bind(by)
    .bind(practice.id())
    .bind(&run.id)
    .execute(db)
    .await?;
    Ok(id)
}

/// Writes how a run ended.
pub async fn record<'e, E>(db: E, id: &str, version: i64, outcome: &Outcome, now: i64) -> Result<()>
where
    E: Executor<'e, Database = Any>,
{
    let error = outcome.error.as_ref();
    sqlx::query(
        "UPDATE workflow_runs SET status = $2, version = $3, reason = $4, error = $5, error_line = $6, \
         error_column = $7, effects = $8, logs = $9, duration_ms = $10, finished_at = $11, claimed_at = NULL \
         WHERE id = $1",
    )
    .bind(id)
    .bind(&outcome.outcome)
    .bind(version)
    .bind(&outcome.reason)
    .bind(error.map(ToString::to_string))
    .bind(error.and_then(|e| e.line).map(|n| n as i64))
    .bind(error.and_then(|e| e.column).map(|n| n as i64))
    .bind(Value::from(outcome.effects.clone()).to_string())
    .bind(serde_json::to_string(&outcome.logs).unwrap_or_else(|_| "[]".into()))
    .bind(outcome.duration_ms)
    .bind(now)
    .execute(db)
    .await?;
    Ok(())
}
