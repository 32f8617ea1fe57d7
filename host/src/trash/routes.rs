//! The trash over HTTP: `DELETE` of applicants, cases and files moves them
//! to the trash; `GET /api/v1/trash` lists it and
//! `POST /api/v1/trash/{kind}/{id}/restore` brings a deletion back.

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

/// What the practice's trash holds and can still be restored, newest first.
#[utoipa::path(get, path = "/api/v1/trash", tag = "trash",
    responses((status = 200, body = TrashList), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody, description = "Needs `trash.manage`")))]
async fn list_trash(State(state): State<AppState>, caller: Caller) -> Result<Json<TrashList>> {
    let items = super::list(&state, &caller).await?;
    Ok(Json(TrashList {
        items,
        next_cursor: None,
    }))
}

/// Restores an applicant (with what was deleted with them) or a case.
#[utoipa::path(post, path = "/api/v1/trash/{kind}/{id}/restore", tag = "trash",
    params(("kind" = String, Path, description = "`applicant` or `case`"), ("id" = String, Path)),
    responses((status = 204, description = "Restored"), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody, description = "Needs `trash.manage`"),
        (status = 404, body = ErrorBody, description = "Not in the trash, or past the retention period"),
        (status = 409, body = ErrorBody, description = "A case whose applicant is still in the trash"),
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
