//! `/api/v1/mail/outbox` and `/api/v1/mail/log`: the messages and what
//! became of them, retry and cancel, and every attempt.

use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};

use super::{MANAGE, SEES_ALL};
use crate::access::Caller;
use crate::api::{Json, Path, Query};
use crate::audit::{self, Entry};
use crate::error::{AppError, ErrorBody, Result};
use crate::mail::outbox::{self, Attempt, OutboxFilter, OutboxMessage, STATES};
use crate::state::AppState;

/// Messages or attempts per page.
const PAGE: i64 = 50;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_outbox))
        .routes(routes!(get_message))
        .routes(routes!(retry))
        .routes(routes!(cancel))
        .routes(routes!(list_log))
}

#[derive(Deserialize, IntoParams)]
pub struct OutboxQuery {
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// Only messages in this state: `pending`, `sending`, `sent`,
    /// `deferred`, `failed` or `cancelled`.
    pub status: Option<String>,
    /// `true`: only one's own messages, also for those who see all.
    pub mine: Option<bool>,
}

#[derive(Serialize, ToSchema)]
pub struct OutboxList {
    pub items: Vec<OutboxMessage>,
    pub next_cursor: Option<String>,
}

/// A cursor of these lists: an id.
pub fn cursor(text: Option<&str>) -> Result<i64> {
    match text {
        Some(c) => c
            .parse::<i64>()
            .map_err(|_| AppError::field("cursor", "not a cursor of this list")),
        None => Ok(i64::MAX),
    }
}

/// The page of the outbox `q` asks for, as `caller` may see it.
pub async fn outbox_page(state: &AppState, caller: &Caller, q: &OutboxQuery) -> Result<OutboxList> {
    let before = cursor(q.cursor.as_deref())?;
    let status = q.status.as_deref().filter(|s| !s.is_empty());
    if let Some(s) = status
        && !STATES.contains(&s)
    {
        return Err(AppError::field(
            "status",
            format!("one of {}", STATES.join(", ")),
        ));
    }
    let own = !caller.can(SEES_ALL) || q.mine == Some(true);
    let filter = OutboxFilter {
        sender: own.then_some(caller.user_id.as_str()),
        status,
    };
    let mut items =
        outbox::list(state.db.pool(), &caller.practice, &filter, before, PAGE + 1).await?;
    let more = items.len() as i64 > PAGE;
    items.truncate(PAGE as usize);
    let next_cursor = more.then(|| items.last().map(|m| m.id.clone())).flatten();
    Ok(OutboxList { items, next_cursor })
}

/// The messages of the outbox, newest first, 50 at a time: one's own, or
/// all of the practice's with `audit.read`.
#[utoipa::path(get, path = "/api/v1/mail/outbox", tag = "mail", params(OutboxQuery),
    responses((status = 200, body = OutboxList), (status = 401, body = ErrorBody),
        (status = 422, body = ErrorBody, description = "A cursor or state that is not one")))]
async fn list_outbox(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<OutboxQuery>,
) -> Result<Json<OutboxList>> {
    Ok(Json(outbox_page(&state, &caller, &q).await?))
}

/// A message `caller` may see: their own, or any with `audit.read`.
pub async fn visible_message(state: &AppState, caller: &Caller, id: &str) -> Result<OutboxMessage> {
    let id = message_id(id)?;
    let message = outbox::get(state.db.pool(), &caller.practice, id).await?;
    if !caller.can(SEES_ALL) && message.sent_by.as_deref() != Some(caller.user_id.as_str()) {
        return Err(AppError::NotFound("message"));
    }
    Ok(message)
}

fn message_id(id: &str) -> Result<i64> {
    id.parse().map_err(|_| AppError::NotFound("message"))
}

/// One message of the outbox, with its state.
#[utoipa::path(get, path = "/api/v1/mail/outbox/{id}", tag = "mail",
    params(("id" = String, Path, description = "The message's id in the outbox")),
    responses((status = 200, body = OutboxMessage), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody, description = "No such message, or another person's")))]
async fn get_message(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<OutboxMessage>> {
    Ok(Json(visible_message(&state, &caller, &id).await?))
}

/// What retry and cancel do to message `id` once allowed.
#[derive(Clone, Copy)]
pub enum Act {
    Retry,
    Cancel,
}

/// Retries or cancels message `id`: the person whose message it is, or a
/// holder of `practice.manage`.
pub async fn act(state: &AppState, caller: &Caller, id: &str, act: Act) -> Result<OutboxMessage> {
    let n = message_id(id)?;
    let pool = state.db.pool();
    let sender = outbox::sent_by(pool, &caller.practice, n).await?;
    let own = sender.as_deref() == Some(caller.user_id.as_str());
    if !own {
        if !caller.can(SEES_ALL) && !caller.can(MANAGE) {
            return Err(AppError::NotFound("message"));
        }
        caller.require(MANAGE)?;
    }
    let now = state.now_ms();
    let action = match act {
        Act::Retry => {
            outbox::retry(pool, &caller.practice, n, now).await?;
            state.mail.wake();
            "mail.retried"
        }
        Act::Cancel => {
            outbox::cancel(pool, &caller.practice, n).await?;
            "mail.cancelled"
        }
    };
    audit::record(
        pool,
        &caller.practice,
        now,
        Entry::by(caller, action, format!("mail:{n}"), json!({})),
    )
    .await?;
    outbox::get(pool, &caller.practice, n).await
}

/// Sends a failed, deferred or cancelled message again now (a message the
/// daily limit holds still waits for room).
#[utoipa::path(post, path = "/api/v1/mail/outbox/{id}/retry", tag = "mail",
    params(("id" = String, Path, description = "The message's id in the outbox")),
    responses((status = 200, body = OutboxMessage, description = "Queued again"),
        (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody, description = "Another person's message, without `practice.manage`"),
        (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody, description = "Sent already, or being sent")))]
async fn retry(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<OutboxMessage>> {
    Ok(Json(act(&state, &caller, &id, Act::Retry).await?))
}

/// Stops a message that has not left.
#[utoipa::path(post, path = "/api/v1/mail/outbox/{id}/cancel", tag = "mail",
    params(("id" = String, Path, description = "The message's id in the outbox")),
    responses((status = 200, body = OutboxMessage, description = "Cancelled"),
        (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody, description = "Another person's message, without `practice.manage`"),
        (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody, description = "Sent already, or being handed to the server")))]
async fn cancel(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<(StatusCode, Json<OutboxMessage>)> {
    Ok((
        StatusCode::OK,
        Json(act(&state, &caller, &id, Act::Cancel).await?),
    ))
}

#[derive(Deserialize, IntoParams)]
pub struct LogQuery {
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// Only the attempts of this message.
    pub message: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct LogList {
    pub items: Vec<Attempt>,
    pub next_cursor: Option<String>,
}

/// The SMTP log page `q` asks for (`audit.read`).
pub async fn log_page(state: &AppState, caller: &Caller, q: &LogQuery) -> Result<LogList> {
    caller.require(SEES_ALL)?;
    let before = cursor(q.cursor.as_deref())?;
    let message = match q.message.as_deref().filter(|m| !m.is_empty()) {
        Some(m) => Some(
            m.parse::<i64>()
                .map_err(|_| AppError::field("message", "not a message of the outbox"))?,
        ),
        None => None,
    };
    let mut items =
        outbox::attempts(state.db.pool(), &caller.practice, message, before, PAGE + 1).await?;
    let more = items.len() as i64 > PAGE;
    items.truncate(PAGE as usize);
    let next_cursor = more.then(|| items.last().map(|a| a.id.clone())).flatten();
    Ok(LogList { items, next_cursor })
}

/// Every attempt to hand a message to a mail server, newest first, with
/// the server and its reply (`audit.read`).
#[utoipa::path(get, path = "/api/v1/mail/log", tag = "mail", params(LogQuery),
    responses((status = 200, body = LogList), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody, description = "Without `audit.read`"),
        (status = 422, body = ErrorBody)))]
async fn list_log(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<LogQuery>,
) -> Result<Json<LogList>> {
    Ok(Json(log_page(&state, &caller, &q).await?))
}
