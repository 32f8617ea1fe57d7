//! `/api/v1/applicants/{id}/files`, `/api/v1/cases/{id}/files`,
//! `GET /api/v1/files/{id}` (the pages' upload forms are in `web`, deleting
//! is in `trash`).

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};

use super::store::FileInfo;
use super::upload::{self, Keep, LeftOut, Refused};
use super::{commit, listing, naming, visible_file, visible_owner};
use crate::access::Caller;
use crate::api::csrf::{self, FormTokenPending};
use crate::api::{Json, Path, Query};
use crate::error::{AppError, ErrorBody, Result};
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(applicant_files, upload_to_applicant))
        .routes(routes!(case_files, upload_to_case))
        .routes(routes!(download))
}

#[derive(Serialize, ToSchema)]
pub struct FileList {
    pub items: Vec<FileInfo>,
    pub next_cursor: Option<String>,
}

/// The body of an upload (`multipart/form-data`).
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct UploadForm {
    /// One or more files (at most 20), each within the per-file limit.
    #[schema(value_type = Vec<String>, format = Binary)]
    file: Vec<Vec<u8>>,
    /// Sub-folder below the owner's folder, e.g. `Identity/Passports`.
    folder: Option<String>,
    /// For a browser form without the `X-Requested-With` header: the form
    /// token, before the files.
    _csrf: Option<String>,
}

/// An applicant's files, by folder and name.
#[utoipa::path(get, path = "/api/v1/applicants/{id}/files", tag = "files", params(("id" = String, Path)),
    responses((status = 200, body = FileList), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody, description = "Needs `files.read` and `applicants.read`"),
        (status = 404, body = ErrorBody)))]
async fn applicant_files(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<FileList>> {
    files_of(&state, &caller, "applicant", &id).await
}

async fn files_of(
    state: &AppState,
    caller: &Caller,
    kind: &str,
    id: &str,
) -> Result<Json<FileList>> {
    let owner = visible_owner(state, caller, kind, id).await?;
    let items = listing(state, caller, &owner).await?;
    Ok(Json(FileList {
        items,
        next_cursor: None,
    }))
}

/// A case's files, then the files of its applicant (`from: applicant`).
#[utoipa::path(get, path = "/api/v1/cases/{id}/files", tag = "files", params(("id" = String, Path)),
    responses((status = 200, body = FileList), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody, description = "Needs `files.read` and `cases.read`"),
        (status = 404, body = ErrorBody)))]
async fn case_files(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<FileList>> {
    files_of(&state, &caller, "case", &id).await
}

/// Receives and records an upload for an owner.
pub(crate) async fn upload_for(
    state: &AppState,
    caller: &Caller,
    (kind, id): (&str, &str),
    request: Request,
    keep: Keep,
) -> std::result::Result<(Vec<FileInfo>, Vec<LeftOut>), Refused> {
    caller.require("files.write")?;
    let owner = visible_owner(state, caller, kind, id).await?;
    let (parts, body) = request.into_parts();
    let limit = upload::max_request_bytes(state.config.files.max_file_bytes);
    let declared = parts
        .headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit) {
        let message = format!(
            "an upload is at most {} ({} files of at most {} each)",
            naming::size_in_words(limit),
            upload::MAX_FILES,
            naming::size_in_words(state.config.files.max_file_bytes)
        );
        return Err(AppError::TooLarge(message).into());
    }
    let pending = parts.extensions.get::<FormTokenPending>();
    let request = (&parts.headers, body);
    let (received, left_out) =
        upload::receive(state, caller.practice.id(), request, pending, keep).await?;
    if received.files.is_empty() {
        return Ok((Vec::new(), left_out));
    }
    Ok((commit(state, caller, &owner, received).await?, left_out))
}

/// A refused upload as its answer.
pub(crate) fn refusal(refused: Refused) -> Response {
    match refused {
        Refused::Error(e) => e.into_response(),
        Refused::FormToken => csrf::form_token_refused(),
    }
}

/// 201 with the new files, or the refusal.
fn created(uploaded: std::result::Result<Vec<FileInfo>, Refused>) -> Response {
    match uploaded {
        Ok(items) => (
            StatusCode::CREATED,
            Json(FileList {
                items,
                next_cursor: None,
            }),
        )
            .into_response(),
        Err(refused) => refusal(refused),
    }
}

/// Uploads files to an applicant's folder. Each file is streamed to the
/// blob store; one over the per-file limit is refused with 413, one that
/// does not fit the practice's quota with 507, each saying the limit.
#[utoipa::path(post, path = "/api/v1/applicants/{id}/files", tag = "files", params(("id" = String, Path)),
    request_body(content = UploadForm, content_type = "multipart/form-data"),
    responses((status = 201, body = FileList), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody, description = "Needs `files.write` and `applicants.read`"),
        (status = 404, body = ErrorBody),
        (status = 413, body = ErrorBody, description = "A file over the per-file limit (the message says it)"),
        (status = 422, body = ErrorBody, description = "No file, a bad name or folder"),
        (status = 507, body = ErrorBody, description = "The practice's storage quota is used up (the message says it)")))]
async fn upload_to_applicant(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    request: Request,
) -> Response {
    let uploaded = upload_for(&state, &caller, ("applicant", &id), request, Keep::All).await;
    created(uploaded.map(|(files, _)| files))
}

/// Uploads files to a case's folder (limits as for an applicant's).
#[utoipa::path(post, path = "/api/v1/cases/{id}/files", tag = "files", params(("id" = String, Path)),
    request_body(content = UploadForm, content_type = "multipart/form-data"),
    responses((status = 201, body = FileList), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody, description = "Needs `files.write` and `cases.read`"),
        (status = 404, body = ErrorBody),
        (status = 413, body = ErrorBody, description = "A file over the per-file limit (the message says it)"),
        (status = 422, body = ErrorBody),
        (status = 507, body = ErrorBody, description = "The practice's storage quota is used up (the message says it)")))]
async fn upload_to_case(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    request: Request,
) -> Response {
    let uploaded = upload_for(&state, &caller, ("case", &id), request, Keep::All).await;
    created(uploaded.map(|(files, _)| files))
}

#[derive(Deserialize, IntoParams)]
pub struct DownloadQuery {
    /// Show a PDF, an image or plain text in the browser instead of
    /// downloading it (other types are always downloaded).
    inline: Option<bool>,
}

/// Downloads a file, with its content type and a safe Content-Disposition.
#[utoipa::path(get, path = "/api/v1/files/{id}", tag = "files", params(("id" = String, Path), DownloadQuery),
    responses((status = 200, description = "The file's contents", content_type = "application/octet-stream"),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn download(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Query(q): Query<DownloadQuery>,
) -> Result<Response> {
    let file = visible_file(&state, &caller, &id).await?;
    let inline = q.inline == Some(true) && naming::may_show_inline(&file.content_type);
    // Reading a file is an access to its applicant's personal data.
    let mut conn = state.db.pool().acquire().await?;
    let how = serde_json::json!({ "inline": inline });
    let at = state.now_ms();
    super::audit(&mut conn, &caller, "file.downloaded", &file, how, at).await?;
    drop(conn);
    let stream = state
        .blobs
        .read(&file.blob_key)
        .await
        .map_err(|e| anyhow::anyhow!("reading {} from the blob store: {e}", file.blob_key))?;
    let mut response = Body::from_stream(stream).into_response();
    let headers = response.headers_mut();
    let value = |s: &str| HeaderValue::from_str(s).unwrap_or(HeaderValue::from_static(""));
    headers.insert(header::CONTENT_TYPE, value(&file.content_type));
    headers.insert(header::CONTENT_LENGTH, HeaderValue::from(file.size));
    headers.insert(
        header::CONTENT_DISPOSITION,
        value(&naming::content_disposition(&file.name, inline)),
    );
    headers.insert(
        "x-content-type-options",
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox",
        ),
    );
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    headers.insert(header::ETAG, value(&format!("\"{}\"", file.sha256)));
    Ok(response)
}
