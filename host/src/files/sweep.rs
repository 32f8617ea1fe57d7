//! Contents nobody refers to. A file exists by its row; its contents are
//! written to the blob store first and the row committed after, so a crash
//! (or a lost connection) between the two leaves a blob that no row names.
//! Housekeeping removes, practice by practice, the blobs older than a day
//! that no row of `files` (in the trash or not) names. The day leaves every
//! upload in progress alone: a blob is written and its row committed within
//! one request.

use sqlx::Row;

use crate::error::Result;
use crate::state::AppState;

/// How old a blob without a row must be before it is removed.
pub const ORPHAN_AGE_MS: i64 = 24 * 60 * 60 * 1000;
/// Keys looked up in one query.
const LOOKUP_BATCH: usize = 200;

/// Removes the unreferenced blobs of every practice; how many.
pub async fn remove_unreferenced(state: &AppState) -> Result<usize> {
    let practices: Vec<String> = sqlx::query_scalar("SELECT id FROM practices ORDER BY id")
        .fetch_all(state.db.pool())
        .await?;
    let mut removed = 0;
    for practice in practices {
        removed += remove_in_practice(state, &practice).await?;
    }
    Ok(removed)
}

async fn remove_in_practice(state: &AppState, practice_id: &str) -> Result<usize> {
    let folder = crate::blobs::folder(practice_id);
    let listed = state
        .blobs
        .list(&folder)
        .await
        .map_err(|e| anyhow::Error::new(e).context(format!("listing {folder}")))?;
    let old_enough = state.now_ms() - ORPHAN_AGE_MS;
    let candidates: Vec<String> = listed
        .into_iter()
        .filter(|(_, written)| *written < old_enough)
        .map(|(key, _)| key)
        .collect();
    let mut removed = 0;
    for batch in candidates.chunks(LOOKUP_BATCH) {
        let named = named_keys(state, practice_id, batch).await?;
        for key in batch.iter().filter(|k| !named.contains(k)) {
            match state.blobs.delete(key).await {
                Ok(()) => {
                    tracing::info!(key = %key, "removed file contents that no file names");
                    removed += 1;
                }
                Err(e) => tracing::warn!(key = %key, error = %e, "removing unreferenced contents"),
            }
        }
    }
    Ok(removed)
}

/// Which of `keys` a row of `files` of the practice names.
async fn named_keys(state: &AppState, practice_id: &str, keys: &[String]) -> Result<Vec<String>> {
    let sql = format!(
        "SELECT blob_key FROM files WHERE practice_id = $1 AND blob_key IN ({})",
        crate::db::marks(2, keys.len())
    );
    let mut query = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(practice_id);
    for key in keys {
        query = query.bind(key);
    }
    let rows = query.fetch_all(state.db.pool()).await?;
    Ok(rows
        .iter()
        .map(|r| r.try_get::<String, _>("blob_key"))
        .collect::<sqlx::Result<_>>()?)
}
