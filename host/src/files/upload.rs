//! Receiving an upload: a `multipart/form-data` body read part by part, each
//! file streamed to the blob store as it arrives. The per-file limit (the
//! practice's own, within the server's maximum) and the
//! practice's quota are checked on every chunk, so an oversized file is
//! refused (413) or a full practice told so (507) without the file ever being
//! held whole, and with the limit in the message.
//!
//! Fields: `file` (one or more), `folder` (optional sub-folder) and, for a
//! browser form without the `X-Requested-With` header, `_csrf` before the
//! first file.
//!
//! The JSON API takes all the files or none. A page's upload ([`Keep::Fitting`])
//! keeps the files that fit and says of each other one why it was not kept:
//! a person who picked a large file with small ones keeps the small ones.

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

/// What to do with a file over the per-file limit or the quota.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Keep {
    /// Refuse the whole upload (the JSON API).
    All,
    /// Leave that file out, keep the others (a page's form).
    Fitting,
}

/// A file left out of an upload, and why (a sentence naming it).
pub struct LeftOut {
    pub name: String,
    pub reason: String,
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

/// Reads an upload into the blob store, with the files `keep` left out;
/// `pending` is set when the form token still has to be checked.
pub async fn receive(
    state: &AppState,
    practice_id: &str,
    (headers, body): (&HeaderMap, Body),
    pending: Option<&FormTokenPending>,
    keep: Keep,
) -> std::result::Result<(Upload, Vec<LeftOut>), Refused> {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let boundary = multer::parse_boundary(content_type)
        .map_err(|_| AppError::field("file", "send the file as multipart/form-data"))?;
    let mut parts = multer::Multipart::new(body.into_data_stream(), boundary);
    let mut received: Vec<Received> = Vec::new();
    let mut left_out: Vec<LeftOut> = Vec::new();
    let reading = Reading {
        practice_id,
        pending,
        keep,
    };
    let result = read_parts(state, reading, &mut parts, &mut received, &mut left_out).await;
    match result {
        Ok(_) if received.is_empty() && left_out.is_empty() => {
            Err(AppError::field("file", "choose a file to upload").into())
        }
        Ok(folder) => Ok((
            Upload {
                folder,
                files: received,
            },
            left_out,
        )),
        Err(refused) => {
            discard(state, &received).await;
            drain(&mut parts).await;
            Err(refused)
        }
    }
}

/// How to read an upload's parts.
struct Reading<'a> {
    practice_id: &'a str,
    pending: Option<&'a FormTokenPending>,
    keep: Keep,
}

async fn read_parts(
    state: &AppState,
    reading: Reading<'_>,
    parts: &mut multer::Multipart<'_>,
    received: &mut Vec<Received>,
    left_out: &mut Vec<LeftOut>,
) -> std::result::Result<String, Refused> {
    let Reading {
        practice_id,
        pending,
        keep,
    } = reading;
    let used = super::store::used_bytes(state.db.pool(), practice_id).await?;
    let server_max = state.config.files.max_file_bytes;
    let largest =
        crate::practices::settings::largest_file(state.db.pool(), practice_id, server_max).await?;
    let limits = Limits {
        largest,
        of_practice: largest < server_max,
        used,
    };
    let mut folder = String::new();
    let mut token_checked = pending.is_none();
    let mut uploaded: u64 = 0;
    // What the files left out may add up to before the whole upload is
    // refused: as much as a whole upload may be.
    let mut may_skip = max_request_bytes(state.config.files.max_file_bytes);
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
                if received.len() + left_out.len() == MAX_FILES {
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
                    stream_file(state, &mut field, &mut writer, &name, &limits, uploaded).await;
                match streamed {
                    Ok(()) => {}
                    Err(e @ (AppError::TooLarge(_) | AppError::QuotaExceeded(_)))
                        if keep == Keep::Fitting =>
                    {
                        let read = writer.written();
                        writer.abort().await;
                        let skipped = skip_rest(&mut field, may_skip.saturating_sub(read)).await?;
                        may_skip = may_skip.saturating_sub(read + skipped);
                        left_out.push(LeftOut {
                            name,
                            reason: e.to_string(),
                        });
                        continue;
                    }
                    Err(e) => {
                        writer.abort().await;
                        return Err(e.into());
                    }
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

/// The limits an upload is read within.
struct Limits {
    /// The most one file may be: the practice's limit within the server's.
    largest: u64,
    /// Whether that is the practice's own limit (below the server's).
    of_practice: bool,
    /// What the practice stored before this upload.
    used: i64,
}

/// The 413 of a file over the limit, naming the file and the limit.
pub fn too_large(name: &str, largest: u64, of_practice: bool) -> AppError {
    let whose = if of_practice {
        "the most a file may be in this practice"
    } else {
        "the most a file may be"
    };
    AppError::TooLarge(format!(
        "{name} is larger than {}, {whose}",
        size_in_words(largest)
    ))
}

/// Streams one file part into `writer`, refusing as soon as it is over the
/// per-file limit or no longer fits in the practice's quota.
async fn stream_file(
    state: &AppState,
    field: &mut multer::Field<'_>,
    writer: &mut BlobWriter,
    name: &str,
    limits: &Limits,
    earlier: u64,
) -> Result<()> {
    let quota = state.config.files.practice_quota_bytes;
    let used = u64::try_from(limits.used).unwrap_or(0);
    while let Some(chunk) = field.chunk().await.map_err(unreadable)? {
        let size = writer.written() + chunk.len() as u64;
        if size > limits.largest {
            return Err(too_large(name, limits.largest, limits.of_practice));
        }
        if used + earlier + size > quota {
            return Err(quota_exceeded(name, used, quota));
        }
        writer.write(chunk).await.map_err(store_failed)?;
    }
    Ok(())
}

/// Reads (and drops) the rest of a file left out, at most `allowed` bytes;
/// how much that was. More than that refuses the whole upload.
async fn skip_rest(field: &mut multer::Field<'_>, allowed: u64) -> Result<u64> {
    let mut seen: u64 = 0;
    while let Some(chunk) = field.chunk().await.map_err(unreadable)? {
        seen += chunk.len() as u64;
        if seen > allowed {
            return Err(AppError::TooLarge(format!(
                "an upload is at most {}",
                size_in_words(allowed)
            )));
        }
    }
    Ok(seen)
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
