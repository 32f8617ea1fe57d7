//! The host the `multipart`, `store-query` and `workflow-script` targets
//! call: `immcase_host::open_for_people` over a temporary data folder
//! (SQLite there, file contents in a folder there, the search index in
//! memory, no module loaded), with one practice, as `immcase serve` opens
//! it with its defaults and the changes a target asks for.
//!
//! Its async functions run on a current-thread Tokio runtime driven from
//! the worker's inputs thread, whose stack is a Tokio worker's. Everything
//! that holds a database connection is made and dropped inside one
//! `block_on`, so a connection always goes back to its pool on the runtime.
//!
//! A target opens its host on its first input, not when it is made: the
//! supervisor makes targets only to name and remake inputs.

use std::future::Future;

use immcase_host::practices::{self, Practice};
use immcase_host::{AppState, Config};
use tempfile::TempDir;
use tokio::runtime::Runtime;

/// An open host and its practice.
pub struct OpenHost {
    pub state: AppState,
    pub practice: Practice,
    runtime: Runtime,
    // Dropped last: the database and the blobs live in it.
    _data: TempDir,
}

impl OpenHost {
    /// A host with the defaults of `immcase serve`, changed by `adjust`.
    ///
    /// Panics when the host cannot be opened: nothing can be fuzzed then,
    /// and the message says why.
    pub fn open(adjust: impl FnOnce(&mut Config)) -> OpenHost {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap_or_else(|e| panic!("the fuzzed host's runtime: {e}"));
        let data = tempfile::Builder::new()
            .prefix("immcase-fuzz-")
            .tempdir()
            .unwrap_or_else(|e| panic!("the fuzzed host's data folder: {e}"));
        let mut config = Config::new(data.path());
        adjust(&mut config);
        let (state, practice) = runtime.block_on(async {
            let state = immcase_host::open_for_people(config)
                .await
                .unwrap_or_else(|e| panic!("opening the fuzzed host: {e:#}"));
            let practice = practices::insert(state.db.pool(), "fuzz", "Fuzz practice", 0)
                .await
                .unwrap_or_else(|e| panic!("the fuzzed host's practice: {e}"));
            (state, practice)
        });
        OpenHost {
            state,
            practice,
            runtime,
            _data: data,
        }
    }

    /// Runs `work` on the host's runtime.
    pub fn block_on<F: Future>(&self, work: F) -> F::Output {
        self.runtime.block_on(work)
    }
}

impl Drop for OpenHost {
    fn drop(&mut self) {
        // The pool's connections close on the runtime, before the folder
        // they write in is removed.
        let db = self.state.db.clone();
        self.runtime.block_on(async move { db.close().await });
    }
}
