//! This process's search index and how far into the search queue it is.
//! The position is kept in a file beside the index, written after each
//! index commit; `search::feed` moves it forward. Beside it, the generation
//! of each practice's searchable fields its applicants were built for
//! (`index_generations`), and how far a rebuild of them has come.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::PoisonError;

use immcase_search_index::SearchIndex;
use tokio::sync::{Mutex, Notify, watch};

use super::index_generations::IndexGenerations;
use crate::error::Result;

/// A process's index and how far into the queue it is.
pub struct Search {
    pub index: SearchIndex,
    /// The last queue id applied; `None` until the index has been built.
    /// Whoever writes to the index holds it.
    pub(crate) applied: Mutex<Option<i64>>,
    /// The same position, published after each batch's commit: a search
    /// reads it without waiting for whoever holds `applied`, and waits on
    /// it only until the changes it must see are in.
    pub(crate) reached: watch::Sender<Option<i64>>,
    position_file: PathBuf,
    /// Changed only by whoever holds `applied`, after the index commit.
    pub(crate) generations: std::sync::Mutex<IndexGenerations>,
    /// This process's rebuilds of practices' applicants, by practice id:
    /// the one running, or the last one finished.
    progress: std::sync::Mutex<HashMap<String, RebuildProgress>>,
    /// Woken after a commit that enqueued something.
    pub wake: Notify,
    /// Woken by a search waiting for a change to be applied: the worker
    /// makes its next pass soon rather than at its pace.
    pub(crate) asked: Notify,
    /// Whether this process's worker is running (a server's is; commands
    /// and tools have none, and a search applies the queue itself).
    pub(crate) worker: std::sync::atomic::AtomicBool,
}

/// How far this process has come in rebuilding a practice's applicants
/// for a generation of its searchable fields.
#[derive(Clone, Debug, PartialEq)]
pub struct RebuildProgress {
    pub generation: i64,
    /// Applicants put so far, and how many there were when it started.
    pub done: i64,
    pub total: i64,
    /// By the server's clock.
    pub started_at_ms: i64,
    pub finished_at_ms: Option<i64>,
    /// The time it has taken so far, measured on this machine's clock
    /// (the server's clock may be set apart from it).
    pub elapsed_ms: i64,
}

impl RebuildProgress {
    /// Applicants per second so far; `None` before the first batch.
    pub fn rate(&self) -> Option<f64> {
        (self.done > 0 && self.elapsed_ms > 0)
            .then(|| self.done as f64 * 1000.0 / self.elapsed_ms as f64)
    }
}

impl Search {
    /// Opens (or creates) the index under `dir`. An index that cannot be
    /// opened, e.g. written by another version, is set aside and rebuilt.
    pub fn open(dir: &Path) -> anyhow::Result<Search> {
        let index_dir = dir.join("index");
        let position_file = dir.join("position");
        let generations_file = dir.join("generations");
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
                IndexGenerations::forget(&generations_file);
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
            reached: watch::Sender::new(applied),
            position_file,
            generations: std::sync::Mutex::new(IndexGenerations::load(generations_file)),
            progress: std::sync::Mutex::default(),
            wake: Notify::new(),
            asked: Notify::new(),
            worker: std::sync::atomic::AtomicBool::new(false),
        })
    }

    /// An index in memory that follows nothing, for commands that change no
    /// searchable record while a server may hold the real one.
    pub fn detached() -> anyhow::Result<Search> {
        Ok(Search {
            index: SearchIndex::in_memory()?,
            applied: Mutex::new(None),
            reached: watch::Sender::new(None),
            position_file: PathBuf::new(),
            generations: std::sync::Mutex::new(IndexGenerations::in_memory()),
            progress: std::sync::Mutex::default(),
            wake: Notify::new(),
            asked: Notify::new(),
            worker: std::sync::atomic::AtomicBool::new(false),
        })
    }

    /// Records that the index holds every queued change up to `position`
    /// (called by whoever holds `applied`, after the index commit): in the
    /// file, then for waiting searches.
    pub(crate) fn save_position(&self, position: i64) -> Result<()> {
        let temporary = self.position_file.with_extension("tmp");
        std::fs::write(&temporary, position.to_string())
            .and_then(|()| std::fs::rename(&temporary, &self.position_file))
            .map_err(|e| anyhow::anyhow!("saving the search position: {e}"))?;
        self.reached.send_replace(Some(position));
        Ok(())
    }

    /// The generation of `practice_id`'s searchable fields its applicants
    /// in this index were built for.
    pub fn built_generation(&self, practice_id: &str) -> i64 {
        self.generations
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .of(practice_id)
    }

    /// This process's latest rebuild of `practice_id`'s applicants.
    pub fn progress(&self, practice_id: &str) -> Option<RebuildProgress> {
        self.progress
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(practice_id)
            .cloned()
    }

    pub(crate) fn report(&self, practice_id: &str, progress: RebuildProgress) {
        self.progress
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(practice_id.to_string(), progress);
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
