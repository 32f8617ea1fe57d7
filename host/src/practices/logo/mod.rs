//! The practice's logo (Settings → Practice, `GET|PUT|DELETE
//! /api/v1/practice/logo`): one image per practice, kept in
//! `practice_logos` beside its details, printed on the letters modules make
//! (the `practice` import). `image` says what a logo may be. Changed by
//! holders of `practice.manage`, each change audited in its transaction as
//! `practice.logo_saved` or `practice.logo_removed`.

pub mod image;
mod routes;

pub use routes::router;

use serde::Serialize;
use sha2::{Digest, Sha256};
use sqlx::{Any, Executor, FromRow};
use utoipa::ToSchema;

use super::Practice;
use super::settings::MANAGE;
use crate::access::Caller;
use crate::audit;
use crate::error::{AppError, Result};
use crate::state::AppState;

/// What is known of a saved logo, without its bytes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct LogoInfo {
    /// `image/png`, `image/jpeg` or `image/svg+xml`, as told by its bytes.
    pub content_type: String,
    /// Bytes.
    pub size: i64,
    /// The SHA-256 of its bytes, in lowercase hexadecimal.
    pub sha256: String,
    /// RFC 3339.
    pub updated_at: String,
}

/// A saved logo with its bytes.
#[derive(Clone, Debug)]
pub struct Logo {
    pub content_type: String,
    pub content: Vec<u8>,
}

#[derive(FromRow)]
struct InfoRow {
    content_type: String,
    size: i64,
    sha256: String,
    updated_at: i64,
}

impl From<InfoRow> for LogoInfo {
    fn from(r: InfoRow) -> LogoInfo {
        LogoInfo {
            content_type: r.content_type,
            size: r.size,
            sha256: r.sha256,
            updated_at: crate::clock::rfc3339(r.updated_at),
        }
    }
}

/// The practice's logo, with its bytes; none until one is uploaded.
pub async fn find<'e, E>(db: E, practice: &Practice) -> Result<Option<Logo>>
where
    E: Executor<'e, Database = Any>,
{
    let row: Option<(String, Vec<u8>)> =
        sqlx::query_as("SELECT content_type, content FROM practice_logos WHERE practice_id = $1")
            .bind(practice.id())
            .fetch_optional(db)
            .await?;
    Ok(row.map(|(content_type, content)| Logo {
        content_type,
        content,
    }))
}

/// What is known of the practice's logo; none until one is uploaded.
pub async fn info<'e, E>(db: E, practice: &Practice) -> Result<Option<LogoInfo>>
where
    E: Executor<'e, Database = Any>,
{
    let row: Option<InfoRow> = sqlx::query_as(
        "SELECT content_type, size, sha256, updated_at FROM practice_logos WHERE practice_id = $1",
    )
    .bind(practice.id())
    .fetch_optional(db)
    .await?;
    Ok(row.map(LogoInfo::from))
}

/// The logo, for a holder of `practice.manage`: 404 when there is none.
pub async fn read(state: &AppState, caller: &Caller) -> Result<Logo> {
    caller.require(MANAGE)?;
    find(state.db.pool(), &caller.practice)
        .await?
        .ok_or(AppError::NotFound("logo"))
}

fn sha256_hex(content: &[u8]) -> String {
    Sha256::digest(content)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Saves `content` as the practice's logo, replacing the one before:
/// refused with 422 saying why when it is not a PNG, JPEG or SVG image of
/// at most 512 KiB (see `image`). Audited as `practice.logo_saved`.
pub async fn save(state: &AppState, caller: &Caller, content: &[u8]) -> Result<LogoInfo> {
    caller.require(MANAGE)?;
    let content_type = image::checked_type(content)?;
    let sha256 = sha256_hex(content);
    let size = i64::try_from(content.len()).unwrap_or(i64::MAX);
    let now = state.now_ms();
    let mut tx = state.db.begin().await?;
    let before = info(&mut *tx, &caller.practice).await?;
    sqlx::query(
        "INSERT INTO practice_logos (practice_id, content_type, content, sha256, size, updated_by, \
         updated_at, version) VALUES ($1, $2, $3, $4, $5, $6, $7, 1) \
         ON CONFLICT (practice_id) DO UPDATE SET content_type = excluded.content_type, \
         content = excluded.content, sha256 = excluded.sha256, size = excluded.size, \
         updated_by = excluded.updated_by, updated_at = excluded.updated_at, \
         version = practice_logos.version + 1",
    )
    .bind(caller.practice.id())
    .bind(content_type)
    .bind(content)
    .bind(&sha256)
    .bind(size)
    .bind(&caller.user_id)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    let details = serde_json::json!({
        "content_type": content_type,
        "size": size,
        "sha256": sha256,
        "replaced": before.map(|b| b.sha256),
    });
    let entry = audit::Entry::by(
        caller,
        "practice.logo_saved",
        format!("practice:{}", caller.practice.id()),
        details,
    );
    audit::record(&mut *tx, &caller.practice, now, entry).await?;
    let saved = info(&mut *tx, &caller.practice)
        .await?
        .ok_or(AppError::NotFound("logo"))?;
    tx.commit().await?;
    Ok(saved)
}

/// Removes the practice's logo: 404 when there is none. Audited as
/// `practice.logo_removed`.
pub async fn remove(state: &AppState, caller: &Caller) -> Result<()> {
    caller.require(MANAGE)?;
    let now = state.now_ms();
    let mut tx = state.db.begin().await?;
    let before = info(&mut *tx, &caller.practice)
        .await?
        .ok_or(AppError::NotFound("logo"))?;
    sqlx::query("DELETE FROM practice_logos WHERE practice_id = $1")
        .bind(caller.practice.id())
        .execute(&mut *tx)
        .await?;
    let details = serde_json::json!({
        "content_type": before.content_type,
        "size": before.size,
        "sha256": before.sha256,
    });
    let entry = audit::Entry::by(
        caller,
        "practice.logo_removed",
        format!("practice:{}", caller.practice.id()),
        details,
    );
    audit::record(&mut *tx, &caller.practice, now, entry).await?;
    tx.commit().await?;
    Ok(())
}
