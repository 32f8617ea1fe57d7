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

use immcase_manifest::Manifest;
use serde::Serialize;
use serde_json::Value;

use crate::caller::Caller;
use crate::ctx::Person;
use crate::error::Result;
use crate::plugin::Plugin;
use crate::store::Doc;

mod callers;
mod calls;
mod files;
pub(crate) mod imports;
mod records;
mod search;
mod store;
mod world;

pub use world::{
    EmittedEvent, FiredTimer, LogLevel, LogLine, Mail, PendingTimer, RecordKind, SearchDoc,
};
use world::{Record, Shared};

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

    // --- what the test sets up ----------------------------------------------

    /// Adds a person to the practice's directory (active), holding the
    /// caller's permissions for [`crate::Ctx::people_holding`].
    pub fn add_person(&self, person: &Caller) {
        let id = person
            .user_id
            .clone()
            .unwrap_or_else(|| panic!("add_person needs a person (Caller::person), not the host"));
        let entry = Person {
            id: id.clone(),
            email: person.email.clone(),
            display_name: person.display_name.clone(),
            time_zone: person.time_zone.clone(),
            active: true,
        };
        let mut world = self.shared.world.borrow_mut();
        world.people.insert(id, (entry, person.permissions.clone()));
    }

    /// Disables (or enables again) a person's account.
    pub fn set_active(&self, person_id: &str, active: bool) {
        if let Some((person, _)) = self.shared.world.borrow_mut().people.get_mut(person_id) {
            person.active = active;
        }
    }

    /// Adds an applicant, shaped like `GET /api/v1/applicants/{id}`; it
    /// needs a string `id` (and an `email` for
    /// [`crate::Ctx::applicants_by_email`]).
    pub fn add_applicant(&self, applicant: &impl Serialize) {
        let record = record_of(applicant, "applicant");
        self.shared.world.borrow_mut().applicants.push(record);
    }

    /// Adds a case, shaped like `GET /api/v1/cases/{id}`; it needs a string
    /// `id`, and a `folio` (`CAS014`) for [`crate::Ctx::case_by_folio`];
    /// an `applicant_id` lists the applicant's files with the case's.
    pub fn add_case(&self, case: &impl Serialize) {
        let record = record_of(case, "case");
        self.shared.world.borrow_mut().cases.push(record);
    }

    /// Puts an applicant or a case in the trash: reads say not found.
    pub fn trash(&self, kind: RecordKind, id: &str) {
        let mut world = self.shared.world.borrow_mut();
        let records = match kind {
            RecordKind::Applicant => &mut world.applicants,
            RecordKind::Case => &mut world.cases,
        };
        for record in records.iter_mut().filter(|r| r.id == id) {
            record.trashed = true;
        }
    }

    /// The field rules of the practice's roles: `rules` may hide (remove)
    /// or change fields of a record read for a person, as their roles'
    /// field rules do. Calls the host makes on its own see every field.
    ///
    /// ```
    /// # use immcase_sdk::testing::{RecordKind, TestHost};
    /// # use immcase_sdk::{Caller, Plugin, Router};
    /// # struct M;
    /// # impl Plugin for M { fn router() -> Router { Router::new() } }
    /// # let host = TestHost::<M>::from_manifest("id = \"m\"\nname = \"M\"\nversion = \"0.1.0\"\nhost-api = \"^0.1\"\n[capabilities]\nrecords = [\"applicants:read\"]");
    /// host.add_applicant(&serde_json::json!({ "id": "a1", "name": "Ana", "passport": "X1" }));
    /// host.field_rules(|caller, kind, record| {
    ///     if kind == RecordKind::Applicant && !caller.can("passports.read") {
    ///         record.as_object_mut().map(|r| r.remove("passport"));
    ///     }
    /// });
    /// let clerk = Caller::person("clerk", &["applicants.read"]);
    /// let seen = host.with_ctx(&clerk, |ctx| ctx.applicant("a1"))?;
    /// assert_eq!(seen, serde_json::json!({ "id": "a1", "name": "Ana" }));
    /// # Ok::<(), immcase_sdk::Error>(())
    /// ```
    pub fn field_rules(&self, rules: impl Fn(&Caller, RecordKind, &mut Value) + 'static) {
        *self.shared.field_rules.borrow_mut() = Some(Rc::new(rules));
    }

    /// A file of `owner` (`applicant:{id}`, `case:{id}` or `module:{key}`),
    /// as if uploaded; returns its description.
    pub fn add_file(&self, owner: &str, name: &str, content_type: &str, content: &[u8]) -> Value {
        let (kind, id) = owner
            .split_once(':')
            .unwrap_or_else(|| panic!("{owner:?} is not an owner"));
        let kind = if kind == "module" {
            format!("module:{}", self.shared.id())
        } else {
            kind.to_owned()
        };
        let file = self
            .shared
            .stored_file(&kind, id, name, content_type, content, None);
        let info = file.info.clone();
        self.shared.world.borrow_mut().files.push(file);
        info
    }

    /// Stands in for another module's action `{module}.{action}` (as the
    /// manifest lists it under `[capabilities] actions`): `stub` gets the
    /// caller and the input. An action without a stub is a module not
    /// enabled in the practice.
    pub fn stub_action(
        &self,
        action: &str,
        stub: impl Fn(&Caller, Value) -> Result<Value> + 'static,
    ) {
        self.shared
            .stubs
            .borrow_mut()
            .insert(action.to_owned(), Rc::new(stub));
    }

    /// Sets a setting as the practice's administrator would.
    ///
    /// # Panics
    ///
    /// If the manifest does not declare it, or refuses the value (the host's
    /// words).
    pub fn set_setting(&self, name: &str, value: impl Serialize) {
        let decl = self
            .shared
            .manifest
            .settings
            .get(name)
            .unwrap_or_else(|| panic!("`{}` declares no setting {name:?}", self.shared.id()));
        let value = serde_json::to_value(value).unwrap_or(Value::Null);
        if let Err(refused) = immcase_manifest::check_setting(decl, &value) {
            panic!("setting {name}: {refused}");
        }
        self.shared
            .world
            .borrow_mut()
            .settings
            .insert(name.to_owned(), value);
    }

    // --- what the module did --------------------------------------------------

    /// The documents of `collection`, by id.
    pub fn documents(&self, collection: &str) -> Vec<Doc<Value>> {
        let world = self.shared.world.borrow();
        let Some(docs) = world.documents.get(collection) else {
            return Vec::new();
        };
        docs.iter()
            .map(|(id, d)| Doc {
                id: id.clone(),
                version: d.version,
                created_at: d.created_at,
                updated_at: d.updated_at,
                data: serde_json::from_str(&d.data).unwrap_or(Value::Null),
            })
            .collect()
    }

    /// The document `id` of `collection`, if there is one.
    pub fn document(&self, collection: &str, id: &str) -> Option<Doc<Value>> {
        self.documents(collection).into_iter().find(|d| d.id == id)
    }

    /// The events emitted by calls that succeeded, in order.
    pub fn events(&self) -> Vec<EmittedEvent> {
        self.shared.world.borrow().events.clone()
    }

    /// The pending timers, by key.
    pub fn timers(&self) -> Vec<PendingTimer> {
        self.shared
            .world
            .borrow()
            .timers
            .values()
            .cloned()
            .collect()
    }

    /// The mail queued by calls that succeeded, in order.
    pub fn mail(&self) -> Vec<Mail> {
        self.shared.world.borrow().mail.clone()
    }

    /// The module's documents in global search, by id.
    pub fn search_docs(&self) -> Vec<SearchDoc> {
        self.shared
            .world
            .borrow()
            .search
            .values()
            .cloned()
            .collect()
    }

    /// The files of `owner` as [`TestHost::add_file`] names it, described.
    pub fn files(&self, owner: &str) -> Vec<Value> {
        let world = self.shared.world.borrow();
        world
            .files
            .iter()
            .filter(|f| f.info["owner"] == owner)
            .map(|f| f.info.clone())
            .collect()
    }

    /// Every line the module logged, failed calls' too.
    pub fn logs(&self) -> Vec<LogLine> {
        self.shared.world.borrow().logs.clone()
    }
}

impl<P: Plugin> Default for TestHost<P> {
    fn default() -> Self {
        Self::new()
    }
}

fn record_of(value: &impl Serialize, what: &str) -> Record {
    let json = serde_json::to_value(value).unwrap_or(Value::Null);
    let id = json["id"]
        .as_str()
        .unwrap_or_else(|| panic!("an {what} needs a string `id`: {json}"))
        .to_owned();
    Record {
        id,
        json,
        trashed: false,
    }
}
