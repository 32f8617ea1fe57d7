//! A native test host: the module's handlers, events, timers and actions
//! unit-tested with plain `cargo test` (feature `testing`, for
//! dev-dependencies).
//!
//! [`TestHost`] reads the module's own `plugin.toml` and answers every import
//! in memory, refusing what the real host refuses with its words: an
//! interface the manifest does not declare (a panic, since the host would not
//! load such a module), a collection not declared, a filter or order on a
//! field not indexed, an event name outside the `emit` patterns, a wrong
//! search entry, records the caller may not read, and so on. Calls go through
//! the module's real entry points (the same code the component runs), and as
//! in the host a failed call keeps none of its changes.
//!
//! - the parts of the host: documents with versions and queries, events,
//!   timers with a manual clock, mail, search, files, applicants and cases
//!   seeded as JSON, the practice's people, other modules' actions as stubs,
//!   settings (the manifest's defaults, overridable), log lines;
//! - calls: [`TestHost::request`] (and `get`, `post_json`, ...),
//!   [`TestHost::deliver_event`], [`TestHost::run_due_timers`],
//!   [`TestHost::call_action`], [`TestHost::with_ctx`].
//!
//! ```
//! use immcase_sdk::testing::TestHost;
//! use immcase_sdk::{Caller, Ctx, Plugin, Request, Response, Result, Router};
//!
//! struct Notes;
//!
//! impl Plugin for Notes {
//!     fn router() -> Router {
//!         Router::new().post("/notes", add)
//!     }
//! }
//!
//! fn add(ctx: &Ctx, request: Request) -> Result<Response> {
//!     let note: serde_json::Value = request.json()?;
//!     let doc = ctx.collection("notes").insert(&immcase_sdk::new_id(), &note)?;
//!     ctx.emit("notes.added", &doc)?;
//!     Ok(Response::created(&doc))
//! }
//!
//! // In a module's tests: TestHost::<Notes>::new() reads its plugin.toml.
//! let host = TestHost::<Notes>::from_manifest(r#"
//!     id = "notes"
//!     name = "Notes"
//!     version = "0.1.0"
//!     host-api = "^0.1"
//!     [capabilities]
//!     store = ["notes"]
//!     events = { emit = ["notes.*"] }
//! "#);
//! let ana = Caller::person("ana", &["module:notes"]);
//! let answer = host.post_json(&ana, "/notes", &serde_json::json!({ "text": "Call back" }));
//! assert_eq!(answer.status_code(), 201);
//! assert_eq!(host.documents("notes").len(), 1);
//! assert_eq!(host.events()[0].name, "notes.added");
//! ```

use std::marker::PhantomData;
use std::path::Path;
use std::rc::Rc;

/// A module's `plugin.toml`, as [`TestHost::manifest`] gives it.
pub use immcase_manifest::Manifest;

use crate::plugin::Plugin;

mod callers;
mod calls;
mod files;
pub(crate) mod imports;
mod inspect;
mod records;
mod search;
mod setup;
mod store;
mod world;

use world::Shared;
pub use world::{
    EmittedEvent, FiredTimer, LogLevel, LogLine, Mail, PendingTimer, RecordKind, SearchDoc,
};

/// The practice every call of a test host is in.
pub const PRACTICE: &str = "test-practice";
/// Where a test host's clock starts: Monday 2026-01-05 14:00 UTC.
pub const START: i64 = 1_767_621_600_000;

/// The host of one module `P`, in memory, for one test. See the
/// [module documentation](self).
pub struct TestHost<P> {
    shared: Rc<Shared>,
    plugin: PhantomData<fn() -> P>,
}

impl<P: Plugin> TestHost<P> {
    /// The host of the module whose crate is being tested, from the
    /// `plugin.toml` beside its `Cargo.toml` (cargo sets
    /// `CARGO_MANIFEST_DIR` when it runs tests).
    ///
    /// # Panics
    ///
    /// Without `CARGO_MANIFEST_DIR`, or as [`TestHost::from_manifest_file`].
    pub fn new() -> Self {
        let dir = std::env::var("CARGO_MANIFEST_DIR")
            .unwrap_or_else(|_| panic!("CARGO_MANIFEST_DIR is not set: run the tests with cargo, or use TestHost::from_manifest_file"));
        Self::from_manifest_file(Path::new(&dir).join("plugin.toml"))
    }

    /// The host of the module described by the `plugin.toml` at `path`.
    ///
    /// # Panics
    ///
    /// If it cannot be read, or as [`TestHost::from_manifest`].
    pub fn from_manifest_file(path: impl AsRef<Path>) -> Self {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path)
            .unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
        Self::from_manifest(&text)
    }

    /// The host of the module described by this `plugin.toml` text.
    ///
    /// # Panics
    ///
    /// If the host would refuse the manifest (the panic says why, in the
    /// host's words), or its host API is not this SDK's.
    pub fn from_manifest(text: &str) -> Self {
        let manifest = Manifest::parse(text).unwrap_or_else(|e| panic!("{e}"));
        if let Err(e) = manifest.check_host_api() {
            panic!("{e}");
        }
        Self {
            shared: Rc::new(Shared::new(manifest)),
            plugin: PhantomData,
        }
    }

    /// The module's manifest, as parsed.
    pub fn manifest(&self) -> &Manifest {
        &self.shared.manifest
    }

    // --- the clock ---------------------------------------------------------

    /// The host's clock (ms since the epoch): [`START`] until moved.
    pub fn now(&self) -> i64 {
        self.shared.world.borrow().now
    }

    /// Sets the clock (timers do not fire until [`TestHost::run_due_timers`]).
    pub fn set_now(&self, ms: i64) {
        self.shared.world.borrow_mut().now = ms;
    }

    /// Moves the clock on by `ms`.
    pub fn advance(&self, ms: i64) {
        self.shared.world.borrow_mut().now += ms;
    }
}

impl<P: Plugin> Default for TestHost<P> {
    fn default() -> Self {
        Self::new()
    }
}
