//! Feeding the index from the durable queue. A change to a searchable record
//! writes a `search_queue` row in its own transaction ([`enqueue`]); each
//! server process applies the rows past its position to its index and keeps
//! the position in a file beside the index, written after the index commit
//! (applying a row twice is harmless: documents are replaced whole). A
//! search first catches up with the queue, so a committed record is always
//! findable. Without a position (a new or unreadable index) the index is
//! rebuilt from the records themselves (and the installed modules' own
//! documents), which `immcase reindex` also does.

use sqlx::Row;

use crate::error::Result;
use crate::practices::{self};
use crate::state::AppState;
use immcase_search_index::{SearchDoc, SearchIndex};

/// Queue rows applied per batch.
const BATCH: i64 = 500;

/// Runs `change` on the index off the async threads.
pub(super) async fn blocking<T: Send + 'static>(
    state: &AppState,
    change: impl FnOnce(&SearchIndex) -> std::result::Result<T, immcase_search_index::SearchError>
    + Send
    + 'static,
) -> Result<T> {
    let search = state.search.clone();
    tokio::task::spawn_blocking(move || change(&search.index))
        .await
        .map_err(|e| anyhow::anyhow!("search task: {e}"))?
        .map_err(|e| anyhow::anyhow!("search index: {e}").into())
}

/// Applies every queued change past this process's position (rebuilding
/// first when there is no position). Callers wait for each other.
pub async fn catch_up(state: &AppState) -> Result<()> {
    let mut applied = state.search.applied.lock().await;
    let mut position = match *applied {
        Some(p) => p,
        None => rebuild_locked(state).await?,
    };
    loop {
        let rows = sqlx::query(
            "SELECT id, practice_id, kind, record_id FROM search_queue WHERE id > $1 ORDER BY id LIMIT $2",
        )
        .bind(position)
        .bind(BATCH)
        .fetch_all(state.db.pool())
        .await?;
        let Some(last) = rows.last() else {
            break;
        };
        let last: i64 = last.try_get("id")?;
        let mut put = Vec::new();
        let mut gone = Vec::new();
        for row in &rows {
            let (practice_id, kind, id): (String, String, String) = (
                row.try_get("practice_id")?,
                row.try_get("kind")?,
                row.try_get("record_id")?,
            );
            match document(state, &practice_id, &kind, &id).await? {
                Some(doc) => put.push(doc),
                None => gone.push((practice_id, kind, id)),
            }
        }
        blocking(state, move |index| {
            for (practice_id, kind, id) in &gone {
                index.remove(practice_id, kind, id)?;
            }
            index.put(&put)
        })
        .await?;
        state.search.save_position(last)?;
        position = last;
    }
    *applied = Some(position);
    Ok(())
}

/// The index document of a record as it is now, or `None` when it is gone.
async fn document(
    state: &AppState,
    practice_id: &str,
    kind: &str,
    id: &str,
) -> Result<Option<SearchDoc>> {
    let Some(practice) = practices::find_by_id(state.db.pool(), practice_id).await? else {
        return Ok(None);
    };
    crate::search::documents::document(state.db.pool(), &practice, kind, id).await
}

/// Rebuilds the index from every practice's records; returns how many
/// applicants it holds. Holds the position lock, so searches wait.
pub async fn rebuild(state: &AppState) -> Result<usize> {
    let mut applied = state.search.applied.lock().await;
    let position = rebuild_locked(state).await?;
    *applied = Some(position);
    let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM applicants WHERE deleted_at IS NULL")
        .fetch_one(state.db.pool())
        .await?;
    Ok(usize::try_from(count).unwrap_or(0))
}

async fn rebuild_locked(state: &AppState) -> Result<i64> {
    // The position is read first: changes after it are applied on top.
    let position: Option<i64> = sqlx::query_scalar("SELECT MAX(id) FROM search_queue")
        .fetch_one(state.db.pool())
        .await?;
    let position = position.unwrap_or(0);
    blocking(state, |index| index.clear()).await?;
    // Host records, then the documents of every installed module that may
    // have some (those of a module disabled in a practice stay indexed; a
    // search leaves them out).
    let kinds: Vec<String> = crate::search::documents::SEARCH_KINDS
        .iter()
        .map(|k| k.to_string())
        .chain(
            state
                .modules
                .modules
                .values()
                .filter(|m| m.manifest.capabilities.search)
                .map(|m| crate::search::module_docs::kind(&m.manifest.id)),
        )
        .collect();
    // Each practice's applicants are put with its searchable fields as of
    // its generation read here; a change after that is newer than what is
    // recorded, so `rebuild` redoes the practice.
    let mut generations = std::collections::BTreeMap::new();
    for practice in practices::all(state.db.pool()).await? {
        let fields = crate::search::settings::find(state.db.pool(), &practice).await?;
        generations.insert(practice.id().to_string(), fields.generation);
        for kind in &kinds {
            let mut after: Option<String> = None;
            loop {
                let pool = state.db.pool();
                let docs =
                    crate::search::documents::page(pool, &practice, kind, after.as_deref(), 1000)
                        .await?;
                let Some(last) = docs.last().map(|d| d.id.clone()) else {
                    break;
                };
                blocking(state, move |index| index.put(&docs)).await?;
                after = Some(last);
            }
        }
    }
    state.search.save_position(position)?;
    state
        .search
        .generations
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .replace_all(generations)?;
    Ok(position)
}

/// Keeps the index caught up in the background: at once after a change,
/// and every few seconds for changes made by other processes; then
/// rebuilds the applicants of practices whose searchable fields changed.
pub async fn run_worker(state: AppState, mut stop: tokio::sync::watch::Receiver<bool>) {
    loop {
        if let Err(e) = catch_up(&state).await {
            tracing::warn!(error = %e, "the search index could not catch up; retrying");
        } else if let Err(e) = crate::search::rebuild::run(&state, &stop).await {
            tracing::warn!(error = %e, "rebuilding practices' applicants in the search index failed; retrying");
        }
        tokio::select! {
            _ = state.search.wake.notified() => {}
            _ = tokio::time::sleep(std::time::Duration::from_secs(5)) => {}
            _ = stop.changed() => return,
        }
    }
}
