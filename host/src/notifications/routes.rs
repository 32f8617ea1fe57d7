//! Notifications over the JSON API: one's own list, marking read, and the
//! choice per kind of whether it also comes by email.

use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};

use super::{Choice, Notification};
use crate::access::Caller;
use crate::api::{Json, Path, Query};
use crate::error::{ErrorBody, Result};
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_notifications))
        .routes(routes!(read_notification))
        .routes(routes!(read_all_notifications))
        .routes(routes!(get_choices, put_choices))
}

#[derive(Deserialize, IntoParams)]
pub struct ListQuery {
    /// `true`: only those not read yet.
    #[serde(default)]
    unread: bool,
    /// `next_cursor` of the previous page.
    cursor: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct NotificationList {
    items: Vec<Notification>,
    /// How many are unread in all.
    unread: i64,
    next_cursor: Option<String>,
}

/// The caller's notifications, newest first, 50 at a time.
#[utoipa::path(get, path = "/api/v1/notifications", tag = "notifications", params(ListQuery),
    responses((status = 200, body = NotificationList), (status = 401, body = ErrorBody)))]
async fn list_notifications(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<ListQuery>,
) -> Result<Json<NotificationList>> {
    let (items, next_cursor) = super::list(&state, &caller, q.unread, q.cursor.as_deref()).await?;
    let unread = super::unread_count(state.db.pool(), &caller.practice, &caller.user_id).await?;
    Ok(Json(NotificationList {
        items,
        unread,
        next_cursor,
    }))
}

/// Marks one of the caller's notifications read.
#[utoipa::path(post, path = "/api/v1/notifications/{id}/read", tag = "notifications",
    params(("id" = String, Path)),
    responses((status = 204, description = "Read"), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody, description = "Not one of the caller's")))]
async fn read_notification(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<StatusCode> {
    super::open(&state, &caller, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Serialize, ToSchema)]
pub struct Marked {
    /// How many were unread.
    marked: u64,
}

/// Marks all the caller's notifications read.
#[utoipa::path(post, path = "/api/v1/notifications/read-all", tag = "notifications",
    responses((status = 200, body = Marked), (status = 401, body = ErrorBody)))]
async fn read_all_notifications(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Marked>> {
    let marked = super::read_all(&state, &caller).await?;
    Ok(Json(Marked { marked }))
}

#[derive(Serialize, ToSchema)]
pub struct Choices {
    items: Vec<Choice>,
}

/// The kinds of notifications of the modules open to the caller, and
/// whether each also comes by email.
#[utoipa::path(get, path = "/api/v1/notifications/choices", tag = "notifications",
    responses((status = 200, body = Choices), (status = 401, body = ErrorBody)))]
async fn get_choices(State(state): State<AppState>, caller: Caller) -> Result<Json<Choices>> {
    Ok(Json(Choices {
        items: super::choices(&state, &caller).await?,
    }))
}

#[derive(Deserialize, ToSchema)]
pub struct ChoiceInput {
    kind: String,
    email: bool,
}

#[derive(Deserialize, ToSchema)]
pub struct ChoicesInput {
    items: Vec<ChoiceInput>,
}

/// Chooses, per kind, whether it also comes by email (kinds not listed
/// keep their choice).
#[utoipa::path(put, path = "/api/v1/notifications/choices", tag = "notifications",
    request_body = ChoicesInput,
    responses((status = 200, body = Choices), (status = 401, body = ErrorBody),
        (status = 422, body = ErrorBody, description = "A kind no module open to the caller declares")))]
async fn put_choices(
    State(state): State<AppState>,
    caller: Caller,
    Json(input): Json<ChoicesInput>,
) -> Result<Json<Choices>> {
    let wanted: Vec<(String, bool)> = input.items.into_iter().map(|c| (c.kind, c.email)).collect();
    Ok(Json(Choices {
        items: super::choose(&state, &caller, &wanted).await?,
    }))
}
