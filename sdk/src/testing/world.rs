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
use crate::error::Result;
use crate::files::FileInfo;
use crate::people::Person;
use crate::records::{Applicant, Case};
use crate::search::SearchEntry;

/// A test's stand-in for another module's action: the caller of the call
/// and the input, to the output or an error.
pub(crate) type ActionStub = dyn Fn(&Caller, Value) -> Result<Value>;
/// The fields of a kind of record a person's roles hide, by their JSON API
/// names.
pub(crate) type FieldRules = dyn Fn(&Caller, RecordKind) -> Vec<&'static str>;

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
    /// Messages of `send_message` (0.2.2), with their attachments.
    pub messages: Vec<crate::Message>,
    /// Letters of `send_letter` (0.2.3), with what the host answered.
    pub letters: Vec<(crate::Letter, crate::Queued)>,
    /// The practice's mailboxes, each with the people who read it.
    pub mailboxes: Vec<(crate::Mailbox, Vec<String>)>,
    /// Raw messages handed in, by id: their mailbox and bytes.
    pub raw_mail: BTreeMap<String, (String, Vec<u8>)>,
    /// Mailboxes whose fetch calls asked for.
    pub fetch_requests: Vec<String>,
    /// People's email signatures.
    pub signatures: BTreeMap<String, String>,
    pub notifications: Vec<Notified>,
    /// (person, kind) → whether they want it by email, as they chose.
    pub email_choices: BTreeMap<(String, String), bool>,
    pub search: BTreeMap<String, SearchDoc>,
    pub files: Vec<StoredFile>,
    pub logs: Vec<LogLine>,
    pub settings: Map<String, Value>,
    /// The practice's letterhead (0.2.4): empty details and no logo until
    /// the test sets one.
    pub letterhead: crate::Letterhead,
    pub applicants: Vec<Seeded<Applicant>>,
    pub cases: Vec<Seeded<Case>>,
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

/// An applicant or a case as the test seeded it (every field), and
/// whether it is in the trash.
#[derive(Clone, Debug)]
pub(crate) struct Seeded<T> {
    pub record: T,
    pub trashed: bool,
}

#[derive(Clone, Debug)]
pub(crate) struct StoredFile {
    /// `applicant`, `case`, or `module:{id}` for the module's own.
    pub owner_kind: String,
    pub owner_id: String,
    pub info: FileInfo,
    pub content: Vec<u8>,
}

/// Which kind of record a field rule is asked about, or a record put in the
/// trash.
///
/// ```
/// # use immcase_sdk::{Applicant, Caller, Case, Plugin, Result, Router, testing::{RecordKind, TestHost}};
/// # struct Notes;
/// # impl Plugin for Notes { fn router() -> Router { Router::new() } }
/// # let host = TestHost::<Notes>::from_manifest("id = \"notes\"\nname = \"Notes\"\nversion = \"0.1.0\"\nhost-api = \"^0.2\"\n[capabilities]\nrecords = [\"applicants:read\", \"cases:read\"]");
/// host.add_applicant(&Applicant { notes: Some("Prefers email".into()), ..Applicant::new("a1", "Ana", "Díaz") });
/// host.add_case(&Case { program: Some("study_permit".into()), ..Case::new("c1", "CAS014") });
/// host.field_rules(|_, kind| match kind {
///     RecordKind::Case => vec!["program"],
///     RecordKind::Applicant => vec![],
/// });
/// let clerk = Caller::person("clerk", &["applicants.read", "cases.read"]);
/// let (a1, c1) = host.with_ctx(&clerk, |ctx| -> Result<_> {
///     Ok((ctx.applicant("a1")?, ctx.case("c1")?))
/// })?;
/// assert_eq!((a1.notes.as_deref(), c1.program), (Some("Prefers email"), None));
/// assert_eq!((a1.hidden.len(), c1.hidden), (0, vec!["program".to_owned()]));
/// # Ok::<(), immcase_sdk::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RecordKind {
    /// An applicant ([`Applicant`]).
    Applicant,
    /// A case ([`Case`]).
    Case,
}

/// An event the module emitted in a call that succeeded.
///
/// ```
/// # use immcase_sdk::{Caller, Error, Plugin, Response, Router, testing::{START, TestHost}};
/// # struct Notes;
/// # impl Plugin for Notes {
/// #     fn router() -> Router {
/// #         Router::new()
/// #             .post("/close", |ctx, _| {
/// #                 ctx.emit("notes.closed", &())?;
/// #                 Ok(Response::no_content())
/// #             })
/// #             .post("/fail", |ctx, _| {
/// #                 ctx.emit("notes.failed", &())?;
/// #                 Err(Error::Internal("the store is full".into()))
/// #             })
/// #     }
/// # }
/// # let host = TestHost::<Notes>::from_manifest("id = \"notes\"\nname = \"Notes\"\nversion = \"0.1.0\"\nhost-api = \"^0.2\"\n[capabilities]\nevents = { emit = [\"notes.*\"] }");
/// let ana = Caller::person("ana", &["module:notes"]);
/// assert_eq!(host.post_json(&ana, "/close", &()).status_code(), 204);
/// assert_eq!(host.post_json(&ana, "/fail", &()).status_code(), 500);
/// let events = host.events(); // the failed call's event is gone
/// assert_eq!(events.len(), 1);
/// assert_eq!((events[0].name.as_str(), events[0].occurred_at), ("notes.closed", START));
/// ```
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct EmittedEvent {
    /// The id [`crate::Ctx::emit`] answered.
    pub id: String,
    /// Its dotted name.
    pub name: String,
    /// What the module sent, as JSON.
    pub payload: Value,
    /// The host's clock when it was emitted.
    pub occurred_at: i64,
}

/// A timer waiting for its time.
///
/// ```
/// # use immcase_sdk::{Caller, Plugin, Router, testing::{PendingTimer, START, TestHost}};
/// # use serde_json::json;
/// # struct Notes;
/// # impl Plugin for Notes { fn router() -> Router { Router::new() } }
/// # let host = TestHost::<Notes>::from_manifest("id = \"notes\"\nname = \"Notes\"\nversion = \"0.1.0\"\nhost-api = \"^0.2\"\n[capabilities]\nschedule = true");
/// let payload = json!({ "note": "n1" });
/// host.with_ctx(&Caller::host(), |ctx| ctx.schedule_at(START + 1_000, "call-back", &payload))?;
/// let expected = PendingTimer { key: "call-back".into(), payload, due_at: START + 1_000 };
/// assert_eq!(host.timers(), [expected]);
/// # Ok::<(), immcase_sdk::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PendingTimer {
    /// The key it was scheduled under.
    pub key: String,
    /// What the module scheduled with it, as JSON.
    pub payload: Value,
    /// When it is due, ms since the epoch.
    pub due_at: i64,
}

/// What one due timer's call did (see [`super::TestHost::run_due_timers`]).
///
/// ```
/// # use immcase_sdk::{Caller, Ctx, Error, Plugin, Result, Router, Timer, testing::{START, TestHost}};
/// struct Busy;
///
/// impl Plugin for Busy {
///     fn router() -> Router {
///         Router::new()
///     }
///
///     fn on_timer(_ctx: &Ctx, timer: Timer) -> Result<()> {
///         Err(Error::Conflict(format!("{} is busy", timer.key)))
///     }
/// }
/// # let host = TestHost::<Busy>::from_manifest("id = \"busy\"\nname = \"Busy\"\nversion = \"0.1.0\"\nhost-api = \"^0.2\"\n[capabilities]\nschedule = true");
/// host.with_ctx(&Caller::host(), |ctx| ctx.schedule_at(ctx.now(), "digest", &()))?;
/// let fired = host.run_due_timers();
/// assert_eq!((fired[0].key.as_str(), fired[0].due_at), ("digest", START));
/// assert_eq!(fired[0].result.as_ref().map_err(|e| e.status()), Err(409));
/// assert_eq!(host.timers().len(), 1); // kept for the next run
/// # Ok::<(), immcase_sdk::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct FiredTimer {
    /// The timer's key.
    pub key: String,
    /// When it was due, ms since the epoch.
    pub due_at: i64,
    /// `Err` keeps the timer pending and undoes the call's changes, as the
    /// host does before it tries again.
    pub result: Result<()>,
}

/// An email the module queued in a call that succeeded.
///
/// ```
/// # use immcase_sdk::{Caller, Plugin, Router, testing::{Mail, TestHost}};
/// # struct Notes;
/// # impl Plugin for Notes { fn router() -> Router { Router::new() } }
/// # let host = TestHost::<Notes>::from_manifest("id = \"notes\"\nname = \"Notes\"\nversion = \"0.1.0\"\nhost-api = \"^0.2\"\n[capabilities]\nmail = true");
/// host.with_ctx(&Caller::host(), |ctx| {
///     ctx.send_mail("ana@example.com", "Your visit", "See you on Tuesday.")
/// })?;
/// let sent = Mail {
///     to: "ana@example.com".into(),
///     subject: "Your visit".into(),
///     body: "See you on Tuesday.".into(),
/// };
/// assert_eq!(host.mail(), [sent]);
/// # Ok::<(), immcase_sdk::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Mail {
    /// The recipient's address.
    pub to: String,
    /// One line.
    pub subject: String,
    /// Plain text.
    pub body: String,
}

/// A notification the module sent in a call that succeeded (its email, if
/// the person wanted it, is among [`TestHost::mail`](crate::testing::TestHost::mail)).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Notified {
    pub person_id: String,
    pub kind: String,
    pub text: String,
    pub link: String,
}

/// One of the module's documents in global search.
///
/// ```
/// # use immcase_sdk::{Caller, Plugin, Router, SearchEntry, testing::{SearchDoc, TestHost}};
/// # let entry = SearchEntry {
/// #     id: "n1".into(),
/// #     title: "Call Ana back".into(),
/// #     body: String::new(),
/// #     path: "/notes/n1".into(),
/// #     permission: None,
/// # };
/// # struct Notes;
/// # impl Plugin for Notes { fn router() -> Router { Router::new() } }
/// # let host = TestHost::<Notes>::from_manifest("id = \"notes\"\nname = \"Notes\"\nversion = \"0.1.0\"\nhost-api = \"^0.2\"\n[capabilities]\nsearch = true");
/// let readers = vec!["ana".to_owned()];
/// host.with_ctx(&Caller::host(), |ctx| ctx.search_put_visible_to(&entry, &readers))?;
/// assert_eq!(host.search_docs()[0].readers, Some(readers));
/// host.with_ctx(&Caller::host(), |ctx| ctx.search_put(&entry))?;
/// assert_eq!(host.search_docs()[0], SearchDoc { entry, readers: None });
/// # Ok::<(), immcase_sdk::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SearchDoc {
    /// The entry as the module put it.
    pub entry: SearchEntry,
    /// The people named by `search_put_visible_to`; `None` after `search_put`.
    pub readers: Option<Vec<String>>,
}

/// How important a log line is.
///
/// ```
/// # use immcase_sdk::{Caller, Plugin, Router, testing::{LogLevel, TestHost}};
/// # struct Notes;
/// # impl Plugin for Notes { fn router() -> Router { Router::new() } }
/// # let host = TestHost::<Notes>::from_manifest("id = \"notes\"\nname = \"Notes\"\nversion = \"0.1.0\"\nhost-api = \"^0.2\"");
/// host.with_ctx(&Caller::host(), |ctx| {
///     ctx.log_info("3 reminders due");
///     ctx.log_warn("no email for applicant a1");
/// });
/// let levels: Vec<LogLevel> = host.logs().into_iter().map(|line| line.level).collect();
/// assert_eq!(levels, [LogLevel::Info, LogLevel::Warn]);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum LogLevel {
    /// [`crate::Ctx::log_debug`]
    Debug,
    /// [`crate::Ctx::log_info`]
    Info,
    /// [`crate::Ctx::log_warn`]
    Warn,
    /// [`crate::Ctx::log_error`], and the SDK's own line for an internal error.
    Error,
}

/// A line the module wrote to the host's log (kept also when its call failed,
/// as the host's log keeps it).
///
/// ```
/// # use immcase_sdk::{Ctx, Error, Event, Plugin, Result, Router, testing::{LogLevel, LogLine, TestHost}};
/// struct Broken;
///
/// impl Plugin for Broken {
///     fn router() -> Router {
///         Router::new()
///     }
///
///     fn on_event(_ctx: &Ctx, _event: Event) -> Result<()> {
///         Err(Error::Internal("the archive is offline".into()))
///     }
/// }
/// # let host = TestHost::<Broken>::from_manifest("id = \"broken\"\nname = \"Broken\"\nversion = \"0.1.0\"\nhost-api = \"^0.2\"\n[capabilities]\nevents = { subscribe = [\"case.closed\"] }");
/// assert!(host.deliver_event("case.closed", &()).is_err());
/// let logged = LogLine {
///     level: LogLevel::Error,
///     message: "event failed: the archive is offline".into(),
/// };
/// assert_eq!(host.logs(), [logged]); // kept, though the call failed
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct LogLine {
    /// How important it is.
    pub level: LogLevel,
    /// What the module wrote (at most 4,000 characters are kept).
    pub message: String,
}
