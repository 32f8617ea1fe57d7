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
//!   (seeded as [`crate::Applicant`] and [`crate::Case`], read through the
//!   roles' field rules), the practice's people, other modules' actions as
//!   stubs, settings (the manifest's defaults, overridable), log lines;
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
//!     host-api = "^0.2"
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
///
/// ```
/// # use immcase_sdk::{Plugin, Router, testing::{Manifest, TestHost}};
/// # struct Notes;
/// # impl Plugin for Notes { fn router() -> Router { Router::new() } }
/// # let host = TestHost::<Notes>::from_manifest("id = \"notes\"\nname = \"Notes\"\nversion = \"0.1.0\"\nhost-api = \"^0.2\"\n[capabilities]\nstore = [\"notes\"]\n[indexes]\nnotes = [\"due\"]");
/// let manifest: &Manifest = host.manifest();
/// assert_eq!(manifest.capabilities.store, ["notes"]);
/// assert_eq!(manifest.indexes["notes"], ["due"]);
/// ```
pub use immcase_manifest::Manifest;

use crate::plugin::Plugin;

mod callers;
mod calls;
mod files;
pub(crate) mod imports;
mod inspect;
mod mailboxes;
mod records;
mod search;
mod setup;
mod store;
mod world;

use world::Shared;
pub use world::{
    EmittedEvent, FiredTimer, LogLevel, LogLine, Mail, Notified, PendingTimer, RecordKind,
    SearchDoc,
};

/// The version of the WIT contract (`immcase:plugin`) this SDK builds
/// modules against, which a module's `host-api` must accept.
///
/// ```
/// # use immcase_sdk::{Plugin, Router, testing::{HOST_API, TestHost}};
/// # struct Notes;
/// # impl Plugin for Notes { fn router() -> Router { Router::new() } }
/// assert_eq!(HOST_API, "0.2.4");
/// let old = "id = \"notes\"\nname = \"Notes\"\nversion = \"0.1.0\"\nhost-api = \"^0.1\"";
/// assert!(std::panic::catch_unwind(|| TestHost::<Notes>::from_manifest(old)).is_err());
/// ```
pub const HOST_API: &str = "0.2.4";

/// The practice every call of a test host is in.
///
/// ```
/// # use immcase_sdk::{Caller, Plugin, Router, testing::{PRACTICE, TestHost}};
/// # struct Notes;
/// # impl Plugin for Notes { fn router() -> Router { Router::new() } }
/// # let host = TestHost::<Notes>::from_manifest("id = \"notes\"\nname = \"Notes\"\nversion = \"0.1.0\"\nhost-api = \"^0.2\"");
/// assert_eq!(Caller::person("ana", &[]).practice, PRACTICE);
/// let seen = host.with_ctx(&Caller::host(), |ctx| ctx.caller().practice.clone());
/// assert_eq!(seen, PRACTICE);
/// ```
pub const PRACTICE: &str = "test-practice";

/// The address of the test host's practice, as every caller carries it.
///
/// ```
/// # use immcase_sdk::{Caller, testing::PRACTICE_URL};
/// let ana = Caller::person("ana", &[]);
/// assert_eq!(ana.link("/m/notes/"), format!("{PRACTICE_URL}/m/notes/"));
/// ```
pub const PRACTICE_URL: &str = "https://test-practice.immcase.example";
/// Where a test host's clock starts: Monday 2026-01-05 14:00 UTC.
///
/// ```
/// # use immcase_sdk::{Plugin, Router, testing::{START, TestHost}};
/// # struct Notes;
/// # impl Plugin for Notes { fn router() -> Router { Router::new() } }
/// # let host = TestHost::<Notes>::from_manifest("id = \"notes\"\nname = \"Notes\"\nversion = \"0.1.0\"\nhost-api = \"^0.2\"");
/// const DAY: i64 = 24 * 60 * 60 * 1000;
/// assert_eq!(host.now(), START);
/// assert_eq!(START % DAY, 14 * 60 * 60 * 1000); // 14:00 UTC
/// assert_eq!((START / DAY + 3) % 7, 0); // a Monday (1970-01-01 was a Thursday)
/// ```
pub const START: i64 = 1_767_621_600_000;

/// The host of one module `P`, in memory, for one test. See the
/// [module documentation](self).
///
/// ```
/// # use immcase_sdk::{Caller, Plugin, Response, Router, testing::TestHost};
/// struct Hello;
///
/// impl Plugin for Hello {
///     fn router() -> Router {
///         Router::new().get("/", |ctx, _| {
///             Ok(Response::text(format!("Hello, {}", ctx.caller().display_name)))
///         })
///     }
/// }
///
/// let host = TestHost::<Hello>::from_manifest(r#"
///     id = "hello"
///     name = "Hello"
///     version = "0.1.0"
///     host-api = "^0.2"
/// "#);
/// let ana = Caller::person("ana", &["module:hello"]).named("Ana");
/// assert_eq!(host.get(&ana, "/").body(), b"Hello, Ana");
/// ```
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
    ///
    /// ```no_run
    /// # use immcase_sdk::{Plugin, Router, testing::TestHost};
    /// # struct Notes;
    /// # impl Plugin for Notes { fn router() -> Router { Router::new() } }
    /// // In the module's own tests, with its plugin.toml beside Cargo.toml
    /// // (the SDK's crate has none, so this example is not run).
    /// let host = TestHost::<Notes>::new();
    /// assert_eq!(host.manifest().id, "notes");
    /// ```
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
    ///
    /// ```
    /// # use immcase_sdk::{Plugin, Router, testing::TestHost};
    /// # struct Notes;
    /// # impl Plugin for Notes { fn router() -> Router { Router::new() } }
    /// let path = std::env::temp_dir().join(format!("plugin-{}.toml", immcase_sdk::new_id()));
    /// let manifest = "id = \"notes\"\nname = \"Notes\"\nversion = \"0.1.0\"\nhost-api = \"^0.2\"\n";
    /// std::fs::write(&path, manifest)?;
    /// let host = TestHost::<Notes>::from_manifest_file(&path);
    /// assert_eq!(host.manifest().name, "Notes");
    /// # std::fs::remove_file(&path)?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
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
    /// host's words), or its `host-api` does not accept this SDK's contract
    /// ([`HOST_API`]).
    ///
    /// ```
    /// # use immcase_sdk::{Plugin, Router, testing::TestHost};
    /// # struct Notes;
    /// # impl Plugin for Notes { fn router() -> Router { Router::new() } }
    /// let host = TestHost::<Notes>::from_manifest(r#"
    ///     id = "notes"
    ///     name = "Notes"
    ///     version = "0.1.0"
    ///     host-api = "^0.2"
    ///     [capabilities]
    ///     store = ["notes"]
    /// "#);
    /// assert_eq!(host.manifest().capabilities.store, ["notes"]);
    /// let refused = std::panic::catch_unwind(|| TestHost::<Notes>::from_manifest("id = \"Notes!\""));
    /// assert!(refused.is_err());
    /// ```
    pub fn from_manifest(text: &str) -> Self {
        let manifest = Manifest::parse(text).unwrap_or_else(|e| panic!("{e}"));
        let contract = semver::Version::parse(HOST_API).unwrap_or_else(|e| panic!("{e}"));
        assert!(
            manifest.host_api.matches(&contract),
            "module `{}` asks for host API {} but this SDK builds it against {HOST_API}: \
             set host-api = \"^{}.{}\" in its plugin.toml",
            manifest.id,
            manifest.host_api,
            contract.major,
            contract.minor
        );
        Self {
            shared: Rc::new(Shared::new(manifest)),
            plugin: PhantomData,
        }
    }

    /// The module's manifest, as parsed.
    ///
    /// ```
    /// # use immcase_sdk::{Plugin, Router, testing::TestHost};
    /// # struct Notes;
    /// # impl Plugin for Notes { fn router() -> Router { Router::new() } }
    /// # let host = TestHost::<Notes>::from_manifest("id = \"notes\"\nname = \"Notes\"\nversion = \"0.1.0\"\nhost-api = \"^0.2\"");
    /// assert_eq!((host.manifest().id.as_str(), host.manifest().name.as_str()), ("notes", "Notes"));
    /// assert_eq!(host.manifest().version.to_string(), "0.1.0");
    /// ```
    pub fn manifest(&self) -> &Manifest {
        &self.shared.manifest
    }

    // --- the clock ---------------------------------------------------------

    /// The host's clock (ms since the epoch): [`START`] until moved.
    ///
    /// ```
    /// # use immcase_sdk::{Plugin, Router, testing::{START, TestHost}};
    /// # struct Notes;
    /// # impl Plugin for Notes { fn router() -> Router { Router::new() } }
    /// # let host = TestHost::<Notes>::from_manifest("id = \"notes\"\nname = \"Notes\"\nversion = \"0.1.0\"\nhost-api = \"^0.2\"");
    /// assert_eq!(host.now(), START);
    /// host.advance(1_000);
    /// assert_eq!(host.now(), START + 1_000);
    /// ```
    pub fn now(&self) -> i64 {
        self.shared.world.borrow().now
    }

    /// Sets the clock (timers do not fire until [`TestHost::run_due_timers`]).
    ///
    /// ```
    /// # use immcase_sdk::{Caller, Plugin, Router, testing::{START, TestHost}};
    /// # struct Notes;
    /// # impl Plugin for Notes { fn router() -> Router { Router::new() } }
    /// # let host = TestHost::<Notes>::from_manifest("id = \"notes\"\nname = \"Notes\"\nversion = \"0.1.0\"\nhost-api = \"^0.2\"\n[capabilities]\nschedule = true");
    /// host.with_ctx(&Caller::host(), |ctx| ctx.schedule_at(START + 60_000, "digest", &()))?;
    /// host.set_now(START + 60_000);
    /// assert_eq!(host.timers().len(), 1); // due, waiting for run_due_timers
    /// assert_eq!(host.run_due_timers().len(), 1);
    /// assert!(host.timers().is_empty());
    /// # Ok::<(), immcase_sdk::Error>(())
    /// ```
    pub fn set_now(&self, ms: i64) {
        self.shared.world.borrow_mut().now = ms;
    }

    /// Moves the clock on by `ms`.
    ///
    /// ```
    /// # use immcase_sdk::{Caller, Plugin, Router, testing::TestHost};
    /// # struct Notes;
    /// # impl Plugin for Notes { fn router() -> Router { Router::new() } }
    /// # let host = TestHost::<Notes>::from_manifest("id = \"notes\"\nname = \"Notes\"\nversion = \"0.1.0\"\nhost-api = \"^0.2\"\n[capabilities]\nschedule = true");
    /// const DAY: i64 = 24 * 60 * 60 * 1000;
    /// host.with_ctx(&Caller::host(), |ctx| ctx.schedule_at(ctx.now() + 7 * DAY, "follow-up", &()))?;
    /// host.advance(6 * DAY);
    /// assert!(host.run_due_timers().is_empty());
    /// host.advance(DAY);
    /// assert_eq!(host.run_due_timers()[0].key, "follow-up");
    /// # Ok::<(), immcase_sdk::Error>(())
    /// ```
    pub fn advance(&self, ms: i64) {
        self.shared.world.borrow_mut().now += ms;
    }
}

impl<P: Plugin> Default for TestHost<P> {
    fn default() -> Self {
        Self::new()
    }
}
