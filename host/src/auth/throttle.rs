//! Sign-in throttling: after `max_failures` failed sign-ins within `window`
//! for one account, or from one client address, further attempts are refused
//! with 429 and a Retry-After until the oldest failure leaves the window.
//! Failures are rows in the database, so the limit holds across restarts and
//! across several host processes. The address limit counts across practices:
//! one address guessing at many practices is still one address.

use sqlx::{Any, Executor};

use crate::config::ThrottlePolicy;
use crate::error::{AppError, Result};
use crate::practices::Practice;

/// Refuses the attempt when either limit is reached.
pub async fn check<'c, C>(
    conn: C,
    practice: &Practice,
    email: &str,
    client_addr: &str,
    policy: ThrottlePolicy,
    now_ms: i64,
) -> Result<()>
where
    C: sqlx::Acquire<'c, Database = Any>,
{
    let mut conn = conn.acquire().await?;
    let window_ms = i64::try_from(policy.window.as_millis()).unwrap_or(i64::MAX);
    let since = now_ms - window_ms;
    let max = i64::from(policy.max_failures);
    let account: Vec<i64> = sqlx::query_scalar(
        "SELECT at FROM sign_in_failures WHERE practice_id = $1 AND email = $2 AND at > $3 \
         ORDER BY at DESC LIMIT $4",
    )
    .bind(practice.id())
    .bind(email)
    .bind(since)
    .bind(max)
    .fetch_all(&mut *conn)
    .await?;
    let address: Vec<i64> = sqlx::query_scalar(
        "SELECT at FROM sign_in_failures WHERE client_addr = $1 AND at > $2 ORDER BY at DESC LIMIT $3",
    )
    .bind(client_addr)
    .bind(since)
    .bind(max)
    .fetch_all(&mut *conn)
    .await?;
    let wait_ms = [account, address]
        .iter()
        .filter(|recent| recent.len() as i64 >= max)
        // The attempt is allowed again once the max-th most recent failure
        // (the oldest of those fetched) is out of the window.
        .filter_map(|recent| recent.last())
        .map(|oldest| oldest + window_ms - now_ms)
        .max();
    match wait_ms {
        Some(ms) => Err(AppError::RateLimited {
            retry_after_secs: u64::try_from((ms.max(1000) + 999) / 1000).unwrap_or(1),
        }),
        None => Ok(()),
    }
}

pub async fn record_failure<'e, E>(
    db: E,
    practice: &Practice,
    email: &str,
    client_addr: &str,
    now_ms: i64,
) -> Result<()>
where
    E: Executor<'e, Database = Any>,
{
    sqlx::query("INSERT INTO sign_in_failures (practice_id, email, client_addr, at) VALUES ($1, $2, $3, $4)")
        .bind(practice.id())
        .bind(email)
        .bind(client_addr)
        .bind(now_ms)
        .execute(db)
        .await?;
    Ok(())
}

/// A successful sign-in forgives the account's failures (not the address's).
pub async fn clear_account<'e, E>(db: E, practice: &Practice, email: &str) -> Result<()>
where
    E: Executor<'e, Database = Any>,
{
    sqlx::query("DELETE FROM sign_in_failures WHERE practice_id = $1 AND email = $2")
        .bind(practice.id())
        .bind(email)
        .execute(db)
        .await?;
    Ok(())
}
