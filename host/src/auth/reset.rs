//! Forgotten passwords and set-password invitations: single-use links, stored
//! hashed, that expire (30 minutes for a reset by default).

use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use sqlx::Row;
use utoipa::ToSchema;

use super::{password, session};
use crate::access::users::{self, Account};
use crate::api::{ClientAddr, Json};
use crate::audit::{self, Actor};
use crate::db::Tx;
use crate::error::{AppError, ErrorBody, Result};
use crate::mail::{self, OutgoingMail};
use crate::practices::Practice;
use crate::state::AppState;

/// At most this many reset emails per account per hour; more requests still
/// answer 202 but send nothing, so the form cannot be used to flood a mailbox.
const RESETS_PER_HOUR: i64 = 5;
/// At most this many forgot-password requests per client address per hour,
/// across practices; more are refused with 429.
pub const REQUESTS_PER_ADDRESS_PER_HOUR: i64 = 10;
const HOUR_MS: i64 = 3_600_000;

#[derive(Clone, Copy)]
enum Purpose {
    Reset,
    Invite,
}

impl Purpose {
    fn as_str(self) -> &'static str {
        match self {
            Purpose::Reset => "reset",
            Purpose::Invite => "invite",
        }
    }
}

async fn issue(
    tx: &mut Tx,
    state: &AppState,
    practice: &Practice,
    user_id: &str,
    purpose: Purpose,
) -> Result<String> {
    let token = session::new_token();
    let now = state.now_ms();
    let validity = match purpose {
        Purpose::Reset => state.config.reset_link_validity,
        Purpose::Invite => state.config.invite_link_validity,
    };
    let expires = now + i64::try_from(validity.as_millis()).unwrap_or(i64::MAX / 2);
    sqlx::query(
        "INSERT INTO password_tokens (token_hash, practice_id, user_id, purpose, created_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(session::token_hash(&token))
    .bind(practice.id())
    .bind(user_id)
    .bind(purpose.as_str())
    .bind(now)
    .bind(expires)
    .execute(&mut **tx)
    .await?;
    Ok(token)
}

fn link(state: &AppState, practice: &Practice, token: &str) -> String {
    format!(
        "{}/reset-password?token={token}",
        state.config.practice_url(practice.slug())
    )
}

/// Ends every outstanding invitation link of the account: after a new one
/// is sent, only the newest works.
pub async fn withdraw_invites(
    tx: &mut Tx,
    state: &AppState,
    practice: &Practice,
    user_id: &str,
) -> Result<()> {
    sqlx::query(
        "UPDATE password_tokens SET used_at = $3 WHERE practice_id = $1 AND user_id = $2 \
         AND purpose = 'invite' AND used_at IS NULL",
    )
    .bind(practice.id())
    .bind(user_id)
    .bind(state.now_ms())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Queues the email that lets a new user (created without a password) set one.
pub async fn send_invite(
    tx: &mut Tx,
    state: &AppState,
    practice: &Practice,
    account: &Account,
    invited_by: &str,
) -> Result<()> {
    let token = issue(tx, state, practice, &account.id, Purpose::Invite).await?;
    let hours = state.config.invite_link_validity.as_hours();
    let body = format!(
        "Hello {name},\n\n{invited_by} has created an ImmCase account for you at {practice_name}.\n\n\
         Choose your password here (the link works once, for {hours} hours):\n\n{link}\n\n\
         Then sign in with {email}.\n",
        name = account.display_name,
        practice_name = practice.name(),
        link = link(state, practice, &token),
        email = account.email,
    );
    let mail = OutgoingMail {
        to: &account.email,
        subject: "Your ImmCase account",
        body: &body,
    };
    mail::enqueue(&mut **tx, practice, mail, state.now_ms()).await
}

#[derive(Deserialize, ToSchema)]
pub struct ForgotPassword {
    pub email: String,
}

/// Emails a single-use reset link to the account, if there is one. The answer
/// is 202 whatever the email, so it does not tell who has an account.
#[utoipa::path(post, path = "/api/v1/auth/forgot-password", tag = "auth", request_body = ForgotPassword,
    responses((status = 202, description = "If the account exists, a reset link is on its way"),
        (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(super) async fn forgot_password(
    State(state): State<AppState>,
    axum::Extension(practice): axum::Extension<Practice>,
    client: ClientAddr,
    Json(input): Json<ForgotPassword>,
) -> Result<StatusCode> {
    request_reset(&state, &practice, &client, input).await?;
    Ok(StatusCode::ACCEPTED)
}

/// Takes a request for a reset link to the account of `input.email`: once
/// checked and counted against the client's address (at most
/// [`REQUESTS_PER_ADDRESS_PER_HOUR`], across practices), it is stored and
/// answered at once, the same whether the account exists or not; the
/// lookup and the email are [`handle_pending`]'s.
pub async fn request_reset(
    state: &AppState,
    practice: &Practice,
    client: &ClientAddr,
    input: ForgotPassword,
) -> Result<()> {
    let email = users::normalize_email(&input.email);
    if email.is_empty() || email.len() > 254 {
        return Err(AppError::field("email", "enter the email you sign in with"));
    }
    let now = state.now_ms();
    let pool = state.db.pool();
    let recent = crate::auth::throttle::from_address(
        pool,
        crate::auth::throttle::Counted::ResetRequests,
        &client.0,
        now - HOUR_MS,
        REQUESTS_PER_ADDRESS_PER_HOUR,
    )
    .await?;
    if recent.len() as i64 >= REQUESTS_PER_ADDRESS_PER_HOUR {
        let oldest = recent.last().copied().unwrap_or(now);
        let wait_ms = (oldest + HOUR_MS - now).max(1000);
        return Err(AppError::RateLimited {
            retry_after_secs: u64::try_from((wait_ms + 999) / 1000).unwrap_or(1),
        });
    }
    sqlx::query(
        "INSERT INTO reset_requests (practice_id, email, client_addr, at) VALUES ($1, $2, $3, $4)",
    )
    .bind(practice.id())
    .bind(&email)
    .bind(&client.0)
    .bind(now)
    .execute(pool)
    .await?;
    let state = state.clone();
    // Requests of every practice, as housekeeping handles them.
    tokio::spawn(crate::db::scope::as_system(async move {
        if let Err(e) = handle_pending(&state).await {
            tracing::warn!(error = %e, "handling password reset requests failed");
        }
    }));
    Ok(())
}

/// Handles every stored reset request not handled yet (after an answer, and
/// by housekeeping for any a restart left): emails a link to an enabled
/// account of that email that has had fewer than [`RESETS_PER_HOUR`], and
/// audits the request on the account. Each request is handled once, also
/// with several hosts: it is claimed in the transaction that does the work.
pub async fn handle_pending(state: &AppState) -> Result<usize> {
    let pending: Vec<(i64, String, String, String)> = sqlx::query_as(
        "SELECT id, practice_id, email, client_addr FROM reset_requests \
         WHERE handled_at IS NULL ORDER BY id LIMIT 100",
    )
    .fetch_all(state.db.pool())
    .await?;
    let mut handled = 0;
    let mut sent_any = false;
    for (id, practice_id, email, client_addr) in pending {
        let Some(practice) = state.practice_by_id(&practice_id).await? else {
            continue;
        };
        let now = state.now_ms();
        let mut tx = state.db.begin().await?;
        let claimed = sqlx::query(
            "UPDATE reset_requests SET handled_at = $2 WHERE id = $1 AND handled_at IS NULL",
        )
        .bind(id)
        .bind(now)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if claimed != 1 {
            continue;
        }
        sent_any |= send_reset(&mut tx, state, &practice, &email, &client_addr, now).await?;
        tx.commit().await?;
        handled += 1;
    }
    if sent_any {
        state.mail.wake();
    }
    Ok(handled)
}

/// Emails a reset link to the account of `email` if there is an enabled one
/// and it has not had too many this hour; whether it was sent.
async fn send_reset(
    tx: &mut Tx,
    state: &AppState,
    practice: &Practice,
    email: &str,
    client_addr: &str,
    now: i64,
) -> Result<bool> {
    let account = users::find_by_email(&mut **tx, practice, email).await?;
    let Some(account) = account.filter(|a| a.disabled_at.is_none()) else {
        return Ok(false);
    };
    let recent: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM password_tokens WHERE practice_id = $1 AND user_id = $2 \
         AND purpose = 'reset' AND created_at > $3",
    )
    .bind(practice.id())
    .bind(&account.id)
    .bind(now - HOUR_MS)
    .fetch_one(&mut **tx)
    .await?;
    let mut sent = false;
    if recent < RESETS_PER_HOUR {
        let token = issue(tx, state, practice, &account.id, Purpose::Reset).await?;
        let minutes = state.config.reset_link_validity.as_mins();
        let body = format!(
            "Hello {name},\n\nSomeone (we hope you) asked to reset the password of your ImmCase account \
             at {practice_name}.\n\nChoose a new password here (the link works once, for {minutes} minutes):\n\n\
             {link}\n\nIf you did not ask for this, ignore this email: your password stays as it is.\n",
            name = account.display_name,
            practice_name = practice.name(),
            link = link(state, practice, &token),
        );
        let mail = OutgoingMail {
            to: &account.email,
            subject: "Reset your ImmCase password",
            body: &body,
        };
        mail::enqueue(&mut **tx, practice, mail, now).await?;
        sent = true;
    }
    let entry = audit::Entry {
        actor: Actor {
            user_id: None,
            email: Some(email.to_string()),
        },
        action: "auth.password_reset_requested",
        target: Some(format!("user:{}", account.id)),
        client_addr: Some(client_addr),
        details: serde_json::json!({ "email_sent": sent }),
    };
    audit::record(&mut **tx, practice, now, entry).await?;
    Ok(sent)
}

#[derive(Deserialize, ToSchema)]
pub struct ResetPassword {
    /// The token from the emailed link.
    pub token: String,
    pub password: String,
}

/// Sets a new password with a reset or invitation link. The link then stops
/// working, and every session of the account ends.
#[utoipa::path(post, path = "/api/v1/auth/reset-password", tag = "auth", request_body = ResetPassword,
    responses((status = 204, description = "The password is set; sign in with it"),
        (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(super) async fn reset_password(
    State(state): State<AppState>,
    axum::Extension(practice): axum::Extension<Practice>,
    client: ClientAddr,
    Json(input): Json<ResetPassword>,
) -> Result<StatusCode> {
    set_password_with_link(&state, &practice, &client, input).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Sets a password with a reset or invitation link; the link is used up,
/// the account's other links void and its sessions ended.
pub async fn set_password_with_link(
    state: &AppState,
    practice: &Practice,
    client: &ClientAddr,
    input: ResetPassword,
) -> Result<()> {
    let dead_link = || {
        AppError::field(
            "token",
            "this link has expired or has already been used; ask for a new one",
        )
    };
    if input.token.is_empty() || input.token.len() > 128 {
        return Err(dead_link());
    }
    let hash = session::token_hash(&input.token);
    let now = state.now_ms();
    let mut tx = state.db.begin().await?;
    let row = sqlx::query(
        "SELECT user_id, purpose FROM password_tokens WHERE practice_id = $1 AND token_hash = $2 \
         AND used_at IS NULL AND expires_at > $3",
    )
    .bind(practice.id())
    .bind(&hash)
    .bind(now)
    .fetch_optional(&mut *tx)
    .await?
    .ok_or_else(dead_link)?;
    let user_id: String = row.try_get("user_id")?;
    let purpose: String = row.try_get("purpose")?;
    let account = users::find(&mut *tx, practice, &user_id)
        .await?
        .filter(|a| a.disabled_at.is_none())
        .ok_or_else(dead_link)?;
    if let Err(e) = password::check_new(&input.password, &account.email) {
        return Err(AppError::field("password", e.to_string()));
    }
    // Claim the token; a second use racing with this one finds it used.
    let claimed = sqlx::query(
        "UPDATE password_tokens SET used_at = $3 WHERE practice_id = $1 AND token_hash = $2 AND used_at IS NULL",
    )
    .bind(practice.id())
    .bind(&hash)
    .bind(now)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if claimed != 1 {
        return Err(dead_link());
    }
    // Every other outstanding link of the account stops working too.
    sqlx::query("UPDATE password_tokens SET used_at = $3 WHERE practice_id = $1 AND user_id = $2 AND used_at IS NULL")
        .bind(practice.id())
        .bind(&user_id)
        .bind(now)
        .execute(&mut *tx)
        .await?;
    let new_hash = password::hash(input.password).await?;
    users::set_password_hash(&mut *tx, practice, &user_id, &new_hash, now).await?;
    let ended = session::end_all_for_user(&mut tx, practice, &user_id, None).await?;
    let entry = audit::Entry {
        actor: Actor {
            user_id: Some(user_id.clone()),
            email: Some(account.email.clone()),
        },
        action: "auth.password_reset",
        target: Some(format!("user:{user_id}")),
        client_addr: Some(&client.0),
        details: serde_json::json!({ "link": purpose, "sessions_ended": ended }),
    };
    audit::record(&mut *tx, practice, now, entry).await?;
    tx.commit().await?;
    Ok(())
}
