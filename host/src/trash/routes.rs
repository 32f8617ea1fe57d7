//! The trash over HTTP: `DELETE` of applicants, cases and files moves them
//! to the trash; `GET /api/v1/trash` lists it and
//! `POST /api/v1/trash/{kind}/{id}/restore` brings a deletion back;
//! `DELETE /api/v1/trash/{kind}/{id}` deletes it for good now.

use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::access::Caller;
use crate::api::{Json, Path, Query};
use crate::error::{ErrorBody, Result};
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(delete_applicant))
        .routes(routes!(delete_case))
        .routes(routes!(delete_file))
        .routes(routes!(list_trash))
        .routes(routes!(restore_from_trash))
        .routes(routes!(delete_from_trash))
}

#[derive(Deserialize, IntoParams)]
pub struct DeleteQuery {
    /// The version being deleted (or send `If-Match`); a stale one gets 409.
    version: Option<i64>,
}

fn delete_version(headers: &axum::http::HeaderMap, q: &DeleteQuery) -> Option<i64> {
    q.version
        .or_else(|| crate::input::expected_version(headers, None).ok())
}

/// Moves an applicant, with their cases, to the trash (restorable by an
/// administrator for 30 days, or as configured).
#[utoipa::path(delete, path = "/api/v1/applicants/{id}", tag = "applicants", params(("id" = String, Path), DeleteQuery),
    responses((status = 204, description = "In the trash"), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody, description = "Stale version")))]
async fn delete_applicant(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    headers: axum::http::HeaderMap,
    Query(q): Query<DeleteQuery>,
) -> Result<StatusCode> {
    super::delete_applicant(&state, &caller, &id, delete_version(&headers, &q)).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Moves a case to the trash.
#[utoipa::path(delete, path = "/api/v1/cases/{id}", tag = "cases", params(("id" = String, Path), DeleteQuery),
    responses((status = 204, description = "In the trash"), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody, description = "Stale version")))]
async fn delete_case(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    headers: axum::http::HeaderMap,
    Query(q): Query<DeleteQuery>,
) -> Result<StatusCode> {
    super::delete_case(&state, &caller, &id, delete_version(&headers, &q)).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Serialize, ToSchema)]
pub struct TrashList {
    pub items: Vec<super::TrashItem>,
    pub next_cursor: Option<String>,
}

#[derive(Deserialize, IntoParams)]
pub struct TrashQuery {
    /// Where to go on from: a previous page's `next_cursor`.
    cursor: Option<String>,
    /// How many items a page holds (100 unless asked, at most 500).
    limit: Option<usize>,
}

/// What the practice's trash holds and can still be restored, newest first.
#[utoipa::path(get, path = "/api/v1/trash", tag = "trash", params(TrashQuery),
    responses((status = 200, body = TrashList), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody, description = "Needs `trash.manage`"),
        (status = 422, body = ErrorBody, description = "Not a cursor of this list")))]
async fn list_trash(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<TrashQuery>,
) -> Result<Json<TrashList>> {
    let limit = q.limit.unwrap_or(100);
    let page = super::list(&state, &caller, q.cursor.as_deref(), limit).await?;
    Ok(Json(TrashList {
        items: page.items,
        next_cursor: page.next_cursor,
    }))
}

/// Deletes an applicant, a case or a file in the trash for good now, with
/// what was deleted with it, as housekeeping does when its time is up: the
/// records and the files' contents are gone, and the audit log says who did
/// it. An applicant takes along their cases and files deleted earlier on
/// their own, a case its files.
#[utoipa::path(delete, path = "/api/v1/trash/{kind}/{id}", tag = "trash",
    params(("kind" = String, Path, description = "`applicant`, `case` or `file`"), ("id" = String, Path)),
    responses((status = 204, description = "Deleted for good"), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody, description = "Needs `trash.manage`"),
        (status = 404, body = ErrorBody, description = "Not in the trash"),
        (status = 422, body = ErrorBody)))]
async fn delete_from_trash(
    State(state): State<AppState>,
    caller: Caller,
    Path((kind, id)): Path<(String, String)>,
) -> Result<StatusCode> {
    super::delete_now(&state, &caller, &kind, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Restores an applicant (with what was deleted with them) or a case.
#[utoipa::path(post, path = "/api/v1/trash/{kind}/{id}/restore", tag = "trash",
    params(("kind" = String, Path, description = "`applicant`, `case` or `file`"), ("id" = String, Path)),
    responses((status = 204, description = "Restored"), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody, description = "Needs `trash.manage`"),
        (status = 404, body = ErrorBody, description = "Not in the trash, or past the retention period"),
        (status = 409, body = ErrorBody, description = "A case whose applicant is still in the trash, or an applicant merged into one who is"),
        (status = 422, body = ErrorBody)))]
async fn restore_from_trash(
    State(state): State<AppState>,
    caller: Caller,
    Path((kind, id)): Path<(String, String)>,
) -> Result<StatusCode> {
    super::restore(&state, &caller, &kind, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Moves a file to the trash (restorable with `POST /api/v1/trash/file/{id}/restore`).
#[utoipa::path(delete, path = "/api/v1/files/{id}", tag = "files", params(("id" = String, Path), DeleteQuery),
    responses((status = 204, description = "In the trash"), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody, description = "Needs `files.write`"), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody, description = "Stale version")))]
async fn delete_file(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    headers: axum::http::HeaderMap,
    Query(q): Query<DeleteQuery>,
) -> Result<StatusCode> {
    super::delete_file(&state, &caller, &id, delete_version(&headers, &q)).await?;
    Ok(StatusCode::NO_CONTENT)
}
