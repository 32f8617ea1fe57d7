//! This process's search index and how far into the search queue it is.
//! The position is kept in a file beside the index, written after each
//! index commit; `search::feed` moves it forward.

use std::path::{Path, PathBuf};

use immcase_search_index::SearchIndex;
use tokio::sync::{Mutex, Notify};

use crate::error::Result;

/// A process's index and how far into the queue it is.
pub struct Search {
    pub index: SearchIndex,
    /// The last queue id applied; `None` until the index has been built.
    pub(crate) applied: Mutex<Option<i64>>,
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

    pub(crate) fn save_position(&self, position: i64) -> Result<()> {
        let temporary = self.position_file.with_extension("tmp");
        std::fs::write(&temporary, position.to_string())
            .and_then(|()| std::fs::rename(&temporary, &self.position_file))
            .map_err(|e| anyhow::anyhow!("saving the search position: {e}"))?;
        Ok(())
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
