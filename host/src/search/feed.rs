//! Feeding the index from the durable queue. A change to a searchable record
//! writes a `search_queue` row in its own transaction ([`enqueue`]); each
//! server process applies the rows past its position to its index and keeps
//! the position in a file beside the index, written after the index commit
//! (applying a row twice is harmless: documents are replaced whole). A
//! search first catches up with the queue, so a committed record is always
//! findable. Without a position (a new or unreadable index) the index is
//! rebuilt from the records themselves (and the installed modules' own
//! documents), which `immcase reindex` also does.

use std::path::{Path, PathBuf};

use sqlx::Row;
use tokio::sync::{Mutex, Notify};

use crate::db::Tx;
use crate::error::Result;
use crate::practices::{self, Practice};
use crate::state::AppState;
use immcase_search_index::{SearchDoc, SearchIndex};

/// Queue rows applied per batch.
const BATCH: i64 = 500;

/// A process's index and how far into the queue it is.
pub struct Search {
    pub index: SearchIndex,
    /// The last queue id applied; `None` until the index has been built.
    applied: Mutex<Option<i64>>,
    position_file: PathBuf,
    /// Woken after a commit that enqueued something.
    pub wake: Notify,
}

impl Search {
    /// Opens (or creates) the index under `dir`. An index that cannot be
    /// opened, e.g. written by another version, is set aside and rebuilt.
    pub fn open(dir: &Path) -> anyhow::Result<Search> {
        let index_dir = dir.join("index");
        let position_file = dir.join("position");
        let index = match SearchIndex::open(&index_dir) {
            Ok(index) => index,
            // Another process (a running server) holds the index: it is not
            // damaged, and must not be set aside under that process.
            Err(e) if e.is_in_use() => {
                anyhow::bail!(
                    "the search index in {} is in use by a running ImmCase server; \
                     stop it first, or run this with a data directory of its own",
                    index_dir.display()
                )
            }
            Err(e) => {
                tracing::warn!(error = %e, "the search index could not be opened; rebuilding it");
                let _ = std::fs::remove_file(&position_file);
                std::fs::remove_dir_all(&index_dir)?;
                SearchIndex::open(&index_dir)?
            }
        };
        let applied = std::fs::read_to_string(&position_file)
            .ok()
            .and_then(|s| s.trim().parse().ok());
        Ok(Search {
            index,
            applied: Mutex::new(applied),
            position_file,
            wake: Notify::new(),
        })
    }

    /// An index in memory that follows nothing, for commands that change no
    /// searchable record while a server may hold the real one.
    pub fn detached() -> anyhow::Result<Search> {
        Ok(Search {
            index: SearchIndex::in_memory()?,
            applied: Mutex::new(None),
            position_file: PathBuf::new(),
            wake: Notify::new(),
        })
    }

    fn save_position(&self, position: i64) -> Result<()> {
        let temporary = self.position_file.with_extension("tmp");
        std::fs::write(&temporary, position.to_string())
            .and_then(|()| std::fs::rename(&temporary, &self.position_file))
            .map_err(|e| anyhow::anyhow!("saving the search position: {e}"))?;
        Ok(())
    }
}

/// Queues a record for the index, in the transaction that changed it.
pub async fn enqueue(
    tx: &mut Tx,
    practice: &Practice,
    kind: &str,
    id: &str,
    now: i64,
) -> Result<()> {
    sqlx::query("INSERT INTO search_queue (practice_id, kind, record_id, enqueued_at) VALUES ($1, $2, $3, $4)")
        .bind(practice.id())
        .bind(kind)
        .bind(id)
        .bind(now)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Runs `change` on the index off the async threads.
async fn blocking<T: Send + 'static>(
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
        let Some(last) = rows.last().map(|r| r.get::<i64, _>("id")) else {
            break;
        };
        let mut put = Vec::new();
        let mut gone = Vec::new();
        for row in &rows {
            let (practice_id, kind, id): (String, String, String) = (
                row.get("practice_id"),
                row.get("kind"),
                row.get("record_id"),
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
    crate::records::search_doc(state.db.pool(), &practice, kind, id).await
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
    let kinds: Vec<String> = crate::records::SEARCH_KINDS
        .iter()
        .map(|k| k.to_string())
        .chain(
            state
                .modules
                .modules
                .values()
                .filter(|m| m.manifest.capabilities.search)
                .map(|m| crate::modules::search_docs::kind(&m.manifest.id)),
        )
        .collect();
    for practice in practices::all(state.db.pool()).await? {
        for kind in &kinds {
            let mut after: Option<String> = None;
            loop {
                let pool = state.db.pool();
                let docs =
                    crate::records::search_docs_page(pool, &practice, kind, after.as_deref(), 1000)
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
    Ok(position)
}

/// Keeps the index caught up in the background: at once after a change,
/// and every few seconds for changes made by other processes.
pub async fn run_worker(state: AppState, mut stop: tokio::sync::watch::Receiver<bool>) {
    loop {
        if let Err(e) = catch_up(&state).await {
            tracing::warn!(error = %e, "the search index could not catch up; retrying");
        }
        tokio::select! {
            _ = state.search.wake.notified() => {}
            _ = tokio::time::sleep(std::time::Duration::from_secs(5)) => {}
            _ = stop.changed() => return,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Search;

    #[test]
    fn an_index_in_use_is_refused_and_left_as_it_is() {
        let dir = tempfile::tempdir().expect("temp dir");
        let running = Search::open(dir.path()).expect("the first opens");
        std::fs::write(dir.path().join("position"), "41").expect("a position");
        let second = Search::open(dir.path());
        let message = second.err().map(|e| e.to_string()).unwrap_or_default();
        assert!(message.contains("in use by a running"), "{message}");
        // Nothing was set aside under the first.
        assert!(dir.path().join("index").is_dir());
        assert!(dir.path().join("position").is_file());
        drop(running);
    }
}
