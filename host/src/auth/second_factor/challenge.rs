//! A sign-in between its password and its second factor. The password's
//! answer opens a challenge, whose token the browser keeps in the
//! `immcase_challenge` cookie for five minutes; a code or a passkey
//! completes it. A challenge takes five wrong answers, and wrong answers
//! count against the account and the address as wrong passwords do.

use axum::http::{HeaderMap, HeaderValue};

use super::Used;
use crate::api::{ClientAddr, cookies};
use crate::audit::{self, Actor};
use crate::auth::session::{new_token, token_hash};
use crate::auth::throttle;
use crate::config::Config;
use crate::error::{AppError, Result};
use crate::practices::Practice;
use crate::state::AppState;

pub const COOKIE_NAME: &str = "immcase_challenge";
/// How long the code may take.
pub const VALID_MS: i64 = 5 * 60 * 1000;
/// Wrong codes one challenge takes.
const MAX_FAILURES: i64 = 5;

const GONE: &str = "this sign-in has expired: sign in with your password again";

/// Opens a challenge for `user_id`; its token, for the cookie.
pub async fn open(
    conn: &mut sqlx::AnyConnection,
    practice: &Practice,
    user_id: &str,
    client: &ClientAddr,
    now_ms: i64,
) -> Result<String> {
    sqlx::query("DELETE FROM sign_in_challenges WHERE created_at < $1")
        .bind(now_ms - VALID_MS)
        .execute(&mut *conn)
        .await?;
    let token = new_token();
    sqlx::query(
        "INSERT INTO sign_in_challenges (token_hash, practice_id, user_id, client_addr, created_at, failures) \
         VALUES ($1, $2, $3, $4, $5, 0)",
    )
    .bind(token_hash(&token))
    .bind(practice.id())
    .bind(user_id)
    .bind(&client.0)
    .bind(now_ms)
    .execute(&mut *conn)
    .await?;
    Ok(token)
}

pub fn cookie(config: &Config, token: &str) -> HeaderValue {
    let max_age = u64::try_from(VALID_MS / 1000).unwrap_or(300);
    cookies::set(
        COOKIE_NAME,
        token,
        "Strict",
        Some(max_age),
        config.secure_cookies(),
    )
}

pub fn clear_cookie(config: &Config) -> HeaderValue {
    cookies::set(COOKIE_NAME, "", "Strict", Some(0), config.secure_cookies())
}

/// The challenge token the request carries, if any.
pub fn token_from_headers(headers: &HeaderMap) -> Option<String> {
    cookies::read(headers, COOKIE_NAME).filter(|v| !v.is_empty() && v.len() <= 128)
}

/// What completes a challenge.
pub enum Proof<'a> {
    /// A code from the authenticator app, or a recovery code.
    Code(&'a str),
    /// A passkey's answer to the challenge `passkeys::begin_sign_in` gave.
    Passkey(&'a webauthn_rs::prelude::PublicKeyCredential),
}

/// The sign-in waiting in `headers`' challenge, if it is still good: its
/// token's hash and the person's id.
pub async fn waiting(
    state: &AppState,
    practice: &Practice,
    headers: &HeaderMap,
) -> Result<(String, String)> {
    let token = token_from_headers(headers).ok_or_else(|| AppError::SignInRefused(GONE.into()))?;
    let hash = token_hash(&token);
    let found: Option<(String, i64, i64)> = sqlx::query_as(
        "SELECT user_id, created_at, failures FROM sign_in_challenges \
         WHERE practice_id = $1 AND token_hash = $2",
    )
    .bind(practice.id())
    .bind(&hash)
    .fetch_optional(state.db.pool())
    .await?;
    match found {
        Some((user_id, created_at, failures))
            if state.now_ms() - created_at <= VALID_MS && failures < MAX_FAILURES =>
        {
            Ok((hash, user_id))
        }
        _ => Err(AppError::SignInRefused(GONE.into())),
    }
}

/// Completes the challenge of `headers` with `proof`: the user id and the
/// factor used, or the refusal (audited, counted as a failed sign-in).
pub async fn complete(
    state: &AppState,
    practice: &Practice,
    client: &ClientAddr,
    headers: &HeaderMap,
    proof: Proof<'_>,
) -> Result<(String, Used)> {
    let token = token_from_headers(headers).ok_or_else(|| AppError::SignInRefused(GONE.into()))?;
    let hash = token_hash(&token);
    let now = state.now_ms();
    let pool = state.db.pool();
    let found: Option<(String, i64, i64, String)> = sqlx::query_as(
        "SELECT c.user_id, c.created_at, c.failures, u.email FROM sign_in_challenges c \
         JOIN users u ON u.practice_id = c.practice_id AND u.id = c.user_id \
         WHERE c.practice_id = $1 AND c.token_hash = $2 AND u.disabled_at IS NULL",
    )
    .bind(practice.id())
    .bind(&hash)
    .fetch_optional(pool)
    .await?;
    let Some((user_id, created_at, failures, email)) = found else {
        return Err(AppError::SignInRefused(GONE.into()));
    };
    if now - created_at > VALID_MS || failures >= MAX_FAILURES {
        sqlx::query("DELETE FROM sign_in_challenges WHERE token_hash = $1")
            .bind(&hash)
            .execute(pool)
            .await?;
        return Err(AppError::SignInRefused(GONE.into()));
    }
    throttle::check(
        pool,
        practice,
        &email,
        &client.0,
        state.config.throttle,
        now,
    )
    .await?;
    let mut tx = state.db.begin().await?;
    let used = match proof {
        Proof::Code(code) => {
            super::check_code(&mut tx, state, practice, &user_id, code, true).await?
        }
        Proof::Passkey(answer) => super::passkeys::check_sign_in(
            &mut tx, state, practice, headers, &hash, &user_id, answer,
        )
        .await?
        .then_some(Used::Passkey),
    };
    match used {
        Some(used) => {
            sqlx::query("DELETE FROM sign_in_challenges WHERE token_hash = $1")
                .bind(&hash)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            Ok((user_id, used))
        }
        None => {
            sqlx::query(
                "UPDATE sign_in_challenges SET failures = failures + 1 WHERE token_hash = $1",
            )
            .bind(&hash)
            .execute(&mut *tx)
            .await?;
            throttle::record_failure(&mut *tx, practice, &email, &client.0, now).await?;
            let entry = audit::Entry {
                actor: Actor {
                    user_id: Some(user_id.clone()),
                    email: Some(email),
                },
                action: "auth.second_factor_failed",
                target: Some(format!("user:{user_id}")),
                client_addr: Some(&client.0),
                details: serde_json::json!({}),
            };
            audit::record(&mut *tx, practice, now, entry).await?;
            tx.commit().await?;
            Err(match proof {
                Proof::Code(_) => AppError::field(
                    "code",
                    "this code is not right, or was used already: type the one your app shows now, or a recovery code",
                ),
                Proof::Passkey(_) => AppError::field(
                    "passkey",
                    "that passkey was not accepted (another one, or the request took too long): try again, or type a code",
                ),
            })
        }
    }
}
