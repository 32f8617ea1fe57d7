//! The server's operators: people who install, upgrade and roll back the
//! modules every practice of the server runs. No practice's role grants
//! it; the administrator created with the first practice is the first
//! operator, and `immcase operator add` names others.

use crate::access::Caller;
use crate::error::{AppError, Result};
use sqlx::AnyPool as Pool;

/// What a refused person is told.
pub const REFUSAL: &str = "installing, upgrading and rolling back modules is for the server's operators (a server permission no practice role grants; `immcase operator add` names operators)";

/// Whether `caller` is one of the server's operators.
pub async fn is_operator(pool: &Pool, caller: &Caller) -> Result<bool> {
    // A workflow acting with a role is never an operator.
    if caller.acting.is_some() {
        return Ok(false);
    }
    let found: Option<i64> = sqlx::query_scalar(
        "SELECT 1 FROM server_operators WHERE practice_id = $1 AND user_id = $2",
    )
    .bind(caller.practice.id())
    .bind(&caller.user_id)
    .fetch_optional(pool)
    .await?;
    Ok(found.is_some())
}

/// `Ok` for an operator; a 403 saying who may otherwise.
pub async fn require(pool: &Pool, caller: &Caller) -> Result<()> {
    if is_operator(pool, caller).await? {
        Ok(())
    } else {
        Err(AppError::ForbiddenOther(REFUSAL.into()))
    }
}

/// Makes the person `user_id` of `practice_id` an operator (again: no change).
pub async fn grant<'e, E>(db: E, practice_id: &str, user_id: &str, by: &str, now: i64) -> Result<()>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    sqlx::query(
        "INSERT INTO server_operators (practice_id, user_id, granted_at, granted_by) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (practice_id, user_id) DO NOTHING",
    )
    .bind(practice_id)
    .bind(user_id)
    .bind(now)
    .bind(by)
    .execute(db)
    .await?;
    Ok(())
}

/// Removes an operator; whether they were one.
pub async fn revoke(pool: &Pool, practice_id: &str, user_id: &str) -> Result<bool> {
    let done = sqlx::query("DELETE FROM server_operators WHERE practice_id = $1 AND user_id = $2")
        .bind(practice_id)
        .bind(user_id)
        .execute(pool)
        .await?;
    Ok(done.rows_affected() > 0)
}
