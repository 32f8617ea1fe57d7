//! Sign-in throttling: after `max_failures` failed sign-ins within `window`
//! from one client address, or for one account, further attempts are
//! refused with 429 and a Retry-After until the oldest failure leaves the
//! window. Failures are rows in the database, so the limit holds across
//! restarts and across several host processes. The address limit counts
//! across practices: one address guessing at many practices is still one
//! address.
//!
//! The account limit does not apply from an address the account has signed
//! in from within [`KNOWN_FOR_DAYS`] ([`remember_address`]): someone
//! guessing at an account slows down everyone else trying it, but cannot
//! lock its owner out of the office they always work from.

use sqlx::{Any, Executor};

use crate::config::ThrottlePolicy;
use crate::error::{AppError, Result};
use crate::practices::Practice;

/// An address an account signed in from stays known this long.
pub const KNOWN_FOR_DAYS: i64 = 90;
const KNOWN_FOR_MS: i64 = KNOWN_FOR_DAYS * 86_400_000;

/// Refuses the attempt when either limit is reached.
pub async fn check(
    pool: &sqlx::AnyPool,
    practice: &Practice,
    email: &str,
    client_addr: &str,
    policy: ThrottlePolicy,
    now_ms: i64,
) -> Result<()> {
    let mut conn = pool.acquire().await?;
    let window_ms = i64::try_from(policy.window.as_millis()).unwrap_or(i64::MAX);
    let since = now_ms - window_ms;
    let max = i64::from(policy.max_failures);
    let known: Option<i64> = sqlx::query_scalar(
        "SELECT a.last_at FROM sign_in_addresses a \
         JOIN users u ON u.practice_id = a.practice_id AND u.id = a.user_id \
         WHERE a.practice_id = $1 AND u.email = $2 AND a.client_addr = $3 AND a.last_at > $4",
    )
    .bind(practice.id())
    .bind(email)
    .bind(client_addr)
    .bind(now_ms - KNOWN_FOR_MS)
    .fetch_optional(&mut *conn)
    .await?;
    let account: Vec<i64> = if known.is_some() {
        Vec::new()
    } else {
        sqlx::query_scalar(
            "SELECT at FROM sign_in_failures WHERE practice_id = $1 AND email = $2 AND at > $3 \
             ORDER BY at DESC LIMIT $4",
        )
        .bind(practice.id())
        .bind(email)
        .bind(since)
        .bind(max)
        .fetch_all(&mut *conn)
        .await?
    };
    let address = from_address(pool, Counted::SignInFailures, client_addr, since, max).await?;
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

/// What [`from_address`] counts.
#[derive(Clone, Copy)]
pub enum Counted {
    SignInFailures,
    ResetRequests,
}

/// When `client_addr`'s latest `max` rows of `counted` after `since` were
/// made, newest first. An address's attempts count across practices: this
/// runs on the system path (`db::scope`), whichever practice asks.
pub async fn from_address(
    pool: &sqlx::AnyPool,
    counted: Counted,
    client_addr: &str,
    since: i64,
    max: i64,
) -> Result<Vec<i64>> {
    let sql = match counted {
        Counted::SignInFailures => {
            "SELECT at FROM sign_in_failures WHERE client_addr = $1 AND at > $2 \
             ORDER BY at DESC LIMIT $3"
        }
        Counted::ResetRequests => {
            "SELECT at FROM reset_requests WHERE client_addr = $1 AND at > $2 \
             ORDER BY at DESC LIMIT $3"
        }
    };
    let (pool, client_addr) = (pool.clone(), client_addr.to_string());
    let found = crate::db::scope::as_system(async move {
        sqlx::query_scalar(sql)
            .bind(client_addr)
            .bind(since)
            .bind(max)
            .fetch_all(&pool)
            .await
    })
    .await?;
    Ok(found)
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

/// Notes that `user_id` signed in from `client_addr` (see the module's
/// documentation).
pub async fn remember_address<'e, E>(
    db: E,
    practice: &Practice,
    user_id: &str,
    client_addr: &str,
    now_ms: i64,
) -> Result<()>
where
    E: Executor<'e, Database = Any>,
{
    sqlx::query(
        "INSERT INTO sign_in_addresses (practice_id, user_id, client_addr, last_at) \
         VALUES ($1, $2, $3, $4) \
         ON CONFLICT (practice_id, user_id, client_addr) DO UPDATE SET last_at = excluded.last_at",
    )
    .bind(practice.id())
    .bind(user_id)
    .bind(client_addr)
    .bind(now_ms)
    .execute(db)
    .await?;
    Ok(())
}

/// Forgets addresses not signed in from for [`KNOWN_FOR_DAYS`].
pub async fn forget_old_addresses<'e, E>(db: E, now_ms: i64) -> Result<()>
where
    E: Executor<'e, Database = Any>,
{
    sqlx::query("DELETE FROM sign_in_addresses WHERE last_at < $1")
        .bind(now_ms - KNOWN_FOR_MS)
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
