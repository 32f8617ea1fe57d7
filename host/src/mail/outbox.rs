//! `GET /api/v1/mail/outbox`: the messages queued in the outbox, newest
//! first, with their recipients, copies, attachments (names, types and
//! sizes, never the contents) and what became of them. A person sees the
//! messages their own requests queued; holders of `audit.read` see all of
//! the practice's (password resets and the host's own mail included).

use axum::extract::State;
use serde::{Deserialize, Serialize};
use sqlx::Row;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::access::Caller;
use crate::api::{Json, Query};
use crate::clock::rfc3339;
use crate::error::{AppError, ErrorBody, Result};
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

/// A message in the outbox.
#[derive(Serialize, ToSchema)]
pub struct OutboxMessage {
    pub id: String,
    pub to: Vec<String>,
    pub cc: Vec<String>,
    pub reply_to: Option<String>,
    pub subject: String,
    pub attachments: Vec<OutboxAttachment>,
    /// `pending`, `sending`, `sent` or `failed` (given up after 8 attempts).
    pub status: String,
    pub attempts: i64,
    /// Why the last attempt failed.
    pub last_error: Option<String>,
    /// The person whose request queued it; absent for the host's own mail.
    pub sent_by: Option<String>,
    /// RFC 3339.
    pub created_at: String,
    pub sent_at: Option<String>,
}

/// An attachment as the outbox lists it.
#[derive(Serialize, ToSchema)]
pub struct OutboxAttachment {
    pub name: String,
    /// Exactly as it was sent: `text/calendar; method=REQUEST; charset=UTF-8`.
    pub content_type: String,
    /// Bytes.
    pub size: i64,
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
    let all = caller.can(SEES_ALL);
    let pool = state.db.pool();
    let rows = sqlx::query(
        "SELECT id, to_addr, cc_addrs, reply_to, subject, status, attempts, last_error, sent_by, \
         created_at, sent_at FROM mail_outbox \
         WHERE practice_id = $1 AND id < $2 AND ($3 = 1 OR sent_by = $4) ORDER BY id DESC LIMIT $5",
    )
    .bind(caller.practice.id())
    .bind(before)
    .bind(i64::from(all))
    .bind(&caller.user_id)
    .bind(PAGE + 1)
    .fetch_all(pool)
    .await?;
    let more = rows.len() as i64 > PAGE;
    let mut items = Vec::with_capacity(rows.len());
    for row in rows.iter().take(PAGE as usize) {
        let id: i64 = row.try_get("id")?;
        let attachments = sqlx::query(
            "SELECT name, content_type, size FROM mail_attachments \
             WHERE practice_id = $1 AND outbox_id = $2 ORDER BY position",
        )
        .bind(caller.practice.id())
        .bind(id)
        .fetch_all(pool)
        .await?
        .iter()
        .map(|a| {
            Ok(OutboxAttachment {
                name: a.try_get("name")?,
                content_type: a.try_get("content_type")?,
                size: a.try_get("size")?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
        let list = |column: &str| -> Result<Vec<String>> {
            let text: Option<String> = row.try_get(column)?;
            Ok(text
                .unwrap_or_default()
                .split(',')
                .map(str::trim)
                .filter(|a| !a.is_empty())
                .map(str::to_string)
                .collect())
        };
        items.push(OutboxMessage {
            id: id.to_string(),
            to: list("to_addr")?,
            cc: list("cc_addrs")?,
            reply_to: row.try_get("reply_to")?,
            subject: row.try_get("subject")?,
            attachments,
            status: row.try_get("status")?,
            attempts: row.try_get("attempts")?,
            last_error: row.try_get("last_error")?,
            sent_by: row.try_get("sent_by")?,
            created_at: rfc3339(row.try_get("created_at")?),
            sent_at: row.try_get::<Option<i64>, _>("sent_at")?.map(rfc3339),
        });
    }
    let next_cursor = more.then(|| items.last().map(|m| m.id.clone())).flatten();
    Ok(Json(OutboxList { items, next_cursor }))
}
