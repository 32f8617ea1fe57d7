//! Receiving an upload: a `multipart/form-data` body read part by part, each
//! file streamed to the blob store as it arrives. The per-file limit and the
//! practice's quota are checked on every chunk, so an oversized file is
//! refused (413) or a full practice told so (507) without the file ever being
//! held whole, and with the limit in the message.
//!
//! Fields: `file` (one or more), `folder` (optional sub-folder) and, for a
//! browser form without the `X-Requested-With` header, `_csrf` before the
//! first file.

use axum::body::Body;
use axum::http::{HeaderMap, header};

use super::naming::{self, size_in_words};
use crate::api::csrf::FormTokenPending;
use crate::blobs::{self as blob, BlobWriter};
use crate::db::new_id;
use crate::error::{AppError, Result};
use crate::state::AppState;

/// At most this many files in one upload.
pub const MAX_FILES: usize = 20;
/// Multipart headers and small fields an upload may carry besides its files.
pub const OVERHEAD_BYTES: u64 = 1024 * 1024;
/// Bytes of an ordinary field (`folder`, `_csrf`).
const MAX_FIELD_BYTES: usize = 4096;
/// After refusing, the rest of the request is read (and dropped) up to this
/// much, so the client gets the answer instead of a broken connection.
const DRAIN_AT_MOST: u64 = 64 * 1024 * 1024;

/// A file whose contents are now in the blob store.
pub struct Received {
    pub id: String,
    pub name: String,
    pub content_type: String,
    pub size: u64,
    pub sha256: String,
    pub blob_key: String,
}

pub struct Upload {
    pub folder: String,
    pub files: Vec<Received>,
}

/// Why an upload was refused; what has been stored is already removed.
pub enum Refused {
    Error(AppError),
    /// The form token was missing or wrong (answered like other CSRF refusals).
    FormToken,
}

impl From<AppError> for Refused {
    fn from(e: AppError) -> Refused {
        Refused::Error(e)
    }
}

/// The most the whole request may be, given the per-file limit.
pub fn max_request_bytes(max_file: u64) -> u64 {
    max_file
        .saturating_mul(MAX_FILES as u64)
        .saturating_add(OVERHEAD_BYTES)
}

/// Reads an upload into the blob store. `used` is what the practice stores
/// now; `pending` is set when the form token still has to be checked.
pub async fn receive(
    state: &AppState,
    practice_id: &str,
    headers: &HeaderMap,
    body: Body,
    pending: Option<&FormTokenPending>,
) -> std::result::Result<Upload, Refused> {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let boundary = multer::parse_boundary(content_type)
        .map_err(|_| AppError::field("file", "send the file as multipart/form-data"))?;
    let mut parts = multer::Multipart::new(body.into_data_stream(), boundary);
    let mut received: Vec<Received> = Vec::new();
    let result = read_parts(state, practice_id, &mut parts, pending, &mut received).await;
    match result {
        Ok(_) if received.is_empty() => {
            Err(AppError::field("file", "choose a file to upload").into())
        }
        Ok(folder) => Ok(Upload {
            folder,
            files: received,
        }),
        Err(refused) => {
            discard(state, &received).await;
            drain(&mut parts).await;
            Err(refused)
        }
    }
}

async fn read_parts(
    state: &AppState,
    practice_id: &str,
    parts: &mut multer::Multipart<'_>,
    pending: Option<&FormTokenPending>,
    received: &mut Vec<Received>,
) -> std::result::Result<String, Refused> {
    let used = super::store::used_bytes(state.db.pool(), practice_id).await?;
    let mut folder = String::new();
    let mut token_checked = pending.is_none();
    let mut uploaded: u64 = 0;
    while let Some(mut field) = parts.next_field().await.map_err(unreadable)? {
        match field.name().unwrap_or_default() {
            crate::api::csrf::FIELD => {
                let value = small_text(&mut field).await?;
                if let Some(pending) = pending {
                    token_checked = token_checked || pending.accepts(&value);
                }
            }
            "folder" => {
                let value = small_text(&mut field).await?;
                folder = naming::folder(&value)
                    .map_err(|refused| AppError::field("folder", refused.to_string()))?;
            }
            "file" => {
                if !token_checked {
                    return Err(Refused::FormToken);
                }
                if received.len() == MAX_FILES {
                    return Err(AppError::field(
                        "file",
                        format!("send at most {MAX_FILES} files at once"),
                    )
                    .into());
                }
                let name = naming::file_name(field.file_name().unwrap_or_default())
                    .map_err(|refused| AppError::field("file", refused.to_string()))?;
                let declared = field.content_type().map(|m| m.essence_str().to_string());
                let content_type = naming::content_type(declared.as_deref(), &name);
                let id = new_id();
                let key = blob::key(practice_id, &id);
                let mut writer = state.blobs.writer(&key).await.map_err(store_failed)?;
                let streamed =
                    stream_file(state, &mut field, &mut writer, &name, used, uploaded).await;
                if let Err(e) = streamed {
                    writer.abort().await;
                    return Err(e.into());
                }
                let size = writer.written();
                let sha256 = writer.finish().await.map_err(store_failed)?;
                uploaded += size;
                received.push(Received {
                    id,
                    name,
                    content_type,
                    size,
                    sha256,
                    blob_key: key,
                });
            }
            other => {
                return Err(
                    AppError::field(other, "not a field of an upload (use file, folder)").into(),
                );
            }
        }
    }
    Ok(folder)
}

/// Streams one file part into `writer`, refusing as soon as it is over the
/// per-file limit or no longer fits in the practice's quota.
async fn stream_file(
    state: &AppState,
    field: &mut multer::Field<'_>,
    writer: &mut BlobWriter,
    name: &str,
    used: i64,
    earlier: u64,
) -> Result<()> {
    let max_file = state.config.files.max_file_bytes;
    let quota = state.config.files.practice_quota_bytes;
    let used = u64::try_from(used).unwrap_or(0);
    while let Some(chunk) = field.chunk().await.map_err(unreadable)? {
        let size = writer.written() + chunk.len() as u64;
        if size > max_file {
            return Err(AppError::TooLarge(format!(
                "{name} is larger than {}, the most a file may be",
                size_in_words(max_file)
            )));
        }
        if used + earlier + size > quota {
            return Err(quota_exceeded(name, used, quota));
        }
        writer.write(chunk).await.map_err(store_failed)?;
    }
    Ok(())
}

/// The 507 that says how full the practice is.
pub fn quota_exceeded(name: &str, used: u64, quota: u64) -> AppError {
    AppError::QuotaExceeded(format!(
        "{name} does not fit: this practice stores {} of its {} quota. \
         Delete files you no longer need (and empty the trash) or raise the quota.",
        size_in_words(used),
        size_in_words(quota)
    ))
}

async fn small_text(field: &mut multer::Field<'_>) -> Result<String> {
    let name = field.name().unwrap_or_default().to_string();
    let mut text = Vec::new();
    while let Some(chunk) = field.chunk().await.map_err(unreadable)? {
        text.extend_from_slice(&chunk);
        if text.len() > MAX_FIELD_BYTES {
            return Err(AppError::field(
                &name,
                format!("at most {MAX_FIELD_BYTES} bytes"),
            ));
        }
    }
    String::from_utf8(text).map_err(|_| AppError::field(&name, "not UTF-8 text"))
}

fn unreadable(e: multer::Error) -> AppError {
    AppError::field("file", format!("the upload could not be read: {e}"))
}

fn store_failed(e: object_store::Error) -> AppError {
    AppError::Internal(anyhow::anyhow!("writing to the blob store: {e}"))
}

/// Removes the blobs of files that will not be recorded.
pub async fn discard(state: &AppState, files: &[Received]) {
    for f in files {
        if let Err(e) = state.blobs.delete(&f.blob_key).await {
            tracing::warn!(error = %e, key = %f.blob_key, "removing the blob of a refused upload");
        }
    }
}

/// Reads what is left of a refused request, up to a bound.
async fn drain(parts: &mut multer::Multipart<'_>) {
    let mut seen: u64 = 0;
    while let Ok(Some(mut field)) = parts.next_field().await {
        while let Ok(Some(chunk)) = field.chunk().await {
            seen += chunk.len() as u64;
            if seen > DRAIN_AT_MOST {
                return;
            }
        }
    }
}
