//! `GET|PUT|DELETE /api/v1/practice/logo`: the practice's logo as an image,
//! replaced by the body of a `PUT` (the image itself, its type told by its
//! bytes), removed by `DELETE`. All need `practice.manage`.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use utoipa_axum::{router::OpenApiRouter, routes};

use super::{LogoInfo, image};
use crate::access::Caller;
use crate::api::Json;
use crate::error::{ErrorBody, Result};
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(get_logo, put_logo, delete_logo))
}

/// The logo's bytes as an answer of their own type. An SVG opened on its
/// own runs as a document: it gets a policy that lets it run nothing.
pub fn image_response(logo: super::Logo) -> Response {
    let mut response = (
        [
            (header::CACHE_CONTROL, "private, no-cache"),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        ],
        logo.content,
    )
        .into_response();
    let headers = response.headers_mut();
    if let Ok(kind) = HeaderValue::from_str(&logo.content_type) {
        headers.insert(header::CONTENT_TYPE, kind);
    }
    if logo.content_type == image::SVG {
        headers.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static("default-src 'none'; style-src 'unsafe-inline'; sandbox"),
        );
    }
    response
}

/// The practice's logo: a PNG, JPEG or SVG image (needs `practice.manage`).
#[utoipa::path(get, path = "/api/v1/practice/logo", tag = "practice",
    responses(
        (status = 200, description = "The logo, of its own type",
            content((Vec<u8> = "image/png"), (Vec<u8> = "image/jpeg"), (Vec<u8> = "image/svg+xml"))),
        (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody, description = "Needs `practice.manage`"),
        (status = 404, body = ErrorBody, description = "The practice has no logo")))]
async fn get_logo(State(state): State<AppState>, caller: Caller) -> Result<Response> {
    Ok(image_response(super::read(&state, &caller).await?))
}

/// Replaces the practice's logo with the body: a PNG, JPEG or SVG image of
/// at most 512 KiB, its type told by its bytes (an SVG may hold no script,
/// event attribute or reference outside itself). Audited as
/// `practice.logo_saved`.
#[utoipa::path(put, path = "/api/v1/practice/logo", tag = "practice",
    request_body(description = "The image itself",
        content((Vec<u8> = "image/png"), (Vec<u8> = "image/jpeg"), (Vec<u8> = "image/svg+xml"))),
    responses((status = 200, body = LogoInfo), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody, description = "Needs `practice.manage`"),
        (status = 413, body = ErrorBody, description = "Larger than a request may be"),
        (status = 422, body = ErrorBody, description = "Not a PNG, JPEG or SVG image, an SVG that could run something, or larger than 512 KiB: the message says which")))]
async fn put_logo(
    State(state): State<AppState>,
    caller: Caller,
    body: Bytes,
) -> Result<Json<LogoInfo>> {
    Ok(Json(super::save(&state, &caller, &body).await?))
}

/// Removes the practice's logo. Audited as `practice.logo_removed`.
#[utoipa::path(delete, path = "/api/v1/practice/logo", tag = "practice",
    responses((status = 204, description = "Removed"), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody, description = "Needs `practice.manage`"),
        (status = 404, body = ErrorBody, description = "The practice has no logo")))]
async fn delete_logo(State(state): State<AppState>, caller: Caller) -> Result<StatusCode> {
    super::remove(&state, &caller).await?;
    Ok(StatusCode::NO_CONTENT)
}
