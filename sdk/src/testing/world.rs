//! What the test host holds: the module's manifest, the state its calls
//! change (documents, timers, events, mail, search, files, records, people,
//! settings, the clock), and what the test plugged in (action stubs, field
//! rules). The state is cloned before each call and put back if it fails.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;

use immcase_manifest::Manifest;
use serde::Serialize;
use serde_json::{Map, Value};

use crate::caller::Caller;
use crate::ctx::{Person, SearchEntry};
use crate::error::Result;

/// A test's stand-in for another module's action: the caller of the call
/// and the input, to the output or an error.
pub(crate) type ActionStub = dyn Fn(&Caller, Value) -> Result<Value>;
/// Hides (or changes) fields of a record read for a person.
pub(crate) type FieldRules = dyn Fn(&Caller, RecordKind, &mut Value);

/// The test host's insides, shared by [`super::TestHost`] and the imports of
/// the call running on this thread.
pub(crate) struct Shared {
    pub manifest: Manifest,
    pub world: RefCell<World>,
    /// Who the running call is for (the host's own caller for events and
    /// timers: no `user_id`).
    pub caller: RefCell<Caller>,
    pub stubs: RefCell<BTreeMap<String, Rc<ActionStub>>>,
    pub field_rules: RefCell<Option<Rc<FieldRules>>>,
}

impl Shared {
    pub fn new(manifest: Manifest) -> Self {
        let settings = manifest.default_settings();
        Self {
            manifest,
            world: RefCell::new(World {
                now: super::START,
                settings,
                ..World::default()
            }),
            caller: RefCell::new(Caller::host()),
            stubs: RefCell::default(),
            field_rules: RefCell::default(),
        }
    }

    /// The module's id.
    pub fn id(&self) -> &str {
        &self.manifest.id
    }

    /// The person the running call is for, if any.
    pub fn person(&self) -> Option<Caller> {
        let caller = self.caller.borrow();
        caller.is_person().then(|| caller.clone())
    }
}

/// Everything a call may change; cloned as the snapshot of a call.
#[derive(Clone, Default)]
pub(crate) struct World {
    /// The host's clock, ms since the epoch.
    pub now: i64,
    /// Collection → id → document.
    pub documents: BTreeMap<String, BTreeMap<String, StoredDoc>>,
    /// Pending timers by key.
    pub timers: BTreeMap<String, PendingTimer>,
    pub events: Vec<EmittedEvent>,
    pub mail: Vec<Mail>,
    pub search: BTreeMap<String, SearchDoc>,
    pub files: Vec<StoredFile>,
    pub logs: Vec<LogLine>,
    pub settings: Map<String, Value>,
    pub applicants: Vec<Record>,
    pub cases: Vec<Record>,
    /// The practice's people with the permissions their roles give.
    pub people: BTreeMap<String, (Person, Vec<String>)>,
}

#[derive(Clone, Debug)]
pub(crate) struct StoredDoc {
    pub version: u64,
    pub created_at: i64,
    pub updated_at: i64,
    pub data: String,
    /// The indexed fields' sortable values, as the host keeps them.
    pub indexed: BTreeMap<String, String>,
}

/// An applicant or a case as the test seeded it.
#[derive(Clone, Debug)]
pub(crate) struct Record {
    pub id: String,
    pub json: Value,
    pub trashed: bool,
}

#[derive(Clone, Debug)]
pub(crate) struct StoredFile {
    /// `applicant`, `case`, or `module:{id}` for the module's own.
    pub owner_kind: String,
    pub owner_id: String,
    pub info: Value,
    pub content: Vec<u8>,
}

/// Which kind of record a field rule is asked about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RecordKind {
    Applicant,
    Case,
}

/// An event the module emitted in a call that succeeded.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct EmittedEvent {
    pub id: String,
    pub name: String,
    pub payload: Value,
    /// The host's clock when it was emitted.
    pub occurred_at: i64,
}

/// A timer waiting for its time.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PendingTimer {
    pub key: String,
    pub payload: Value,
    pub due_at: i64,
}

/// What one due timer's call did (see [`super::TestHost::run_due_timers`]).
#[derive(Clone, Debug, PartialEq)]
pub struct FiredTimer {
    pub key: String,
    pub due_at: i64,
    /// `Err` keeps the timer pending and undoes the call's changes, as the
    /// host does before it tries again.
    pub result: Result<()>,
}

/// An email the module queued in a call that succeeded.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Mail {
    pub to: String,
    pub subject: String,
    pub body: String,
}

/// One of the module's documents in global search.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SearchDoc {
    pub entry: SearchEntry,
    /// The people named by `search_put_visible_to`; `None` after `search_put`.
    pub readers: Option<Vec<String>>,
}

/// How important a log line is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum LogLevel {
    Debug,
    Info,
    Warn,
    Error,
}

/// A line the module wrote to the host's log (kept also when its call failed,
/// as the host's log keeps it).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct LogLine {
    pub level: LogLevel,
    pub message: String,
}
