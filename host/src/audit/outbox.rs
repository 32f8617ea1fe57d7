//! `GET /api/v1/mail/outbox`: what the outbox holds and what became of it
//! (`mail::outbox` reads it). A person sees the messages their own requests
//! queued; holders of `audit.read`, who may read everything people did, see
//! all of the practice's (password resets and the host's own mail included).

use axum::extract::State;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::access::Caller;
use crate::api::{Json, Query};
use crate::error::{AppError, ErrorBody, Result};
use crate::mail::outbox::{self, OutboxMessage};
use crate::state::AppState;

/// Who sees every message of the practice.
const SEES_ALL: &str = "audit.read";
/// Messages per page.
const PAGE: i64 = 50;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list_outbox))
}

#[derive(Deserialize, IntoParams)]
pub struct OutboxQuery {
    /// `next_cursor` of the previous page.
    cursor: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct OutboxList {
    pub items: Vec<OutboxMessage>,
    pub next_cursor: Option<String>,
}

/// The messages of the outbox, newest first, 50 at a time: one's own, or
/// all of the practice's with `audit.read`.
#[utoipa::path(get, path = "/api/v1/mail/outbox", tag = "mail", params(OutboxQuery),
    responses((status = 200, body = OutboxList), (status = 401, body = ErrorBody),
        (status = 422, body = ErrorBody, description = "A cursor that is not one")))]
async fn list_outbox(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<OutboxQuery>,
) -> Result<Json<OutboxList>> {
    let before = match q.cursor.as_deref() {
        Some(c) => c
            .parse::<i64>()
            .map_err(|_| AppError::field("cursor", "not a cursor of this list"))?,
        None => i64::MAX,
    };
    let sender = (!caller.can(SEES_ALL)).then_some(caller.user_id.as_str());
    let pool = state.db.pool();
    let mut items = outbox::list(pool, &caller.practice, sender, before, PAGE + 1).await?;
    let more = items.len() as i64 > PAGE;
    items.truncate(PAGE as usize);
    let next_cursor = more.then(|| items.last().map(|m| m.id.clone())).flatten();
    Ok(Json(OutboxList { items, next_cursor }))
}
