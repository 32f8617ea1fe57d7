//! What a handler can reach: the caller and the host's imports.
//!
//! Each import needs its capability in `plugin.toml` (log, settings and the
//! practice's letterhead are always allowed); a component that uses one its
//! manifest does not declare is refused when loaded. A component imports only what its code can reach,
//! so an unused method costs nothing.
//!
//! The examples that call imports run on the test host (feature `testing`),
//! whose manifest declares what each needs; [`Ctx::require`] and
//! [`Ctx::caller`] need no host.

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::caller::Caller;
use crate::error::{Error, Result};
use crate::files::FileInfo;
use crate::imports::{
    actions, directory, events, files, log, mail, notifications, practice, records, schedule,
    search, settings,
};
use crate::people::Person;
use crate::practice::Letterhead;
use crate::records::{Applicant, Case};
use crate::search::SearchEntry;
use crate::store::Collection;

/// The context of one call: the caller, and the host's imports as methods.
///
/// ```
/// # #[cfg(feature = "testing")] {
/// # use immcase_sdk::{Caller, Ctx, Plugin, Request, Response, Result, Router, testing::TestHost};
/// # use serde_json::{Value, json};
/// # struct Notes;
/// # impl Plugin for Notes {
/// #     fn router() -> Router { Router::new().post("/notes/:id/close", close) }
/// # }
/// # let host = TestHost::<Notes>::from_manifest("id = \"notes\"\nname = \"Notes\"\nversion = \"0.1.0\"\nhost-api = \"^0.2\"\n[capabilities]\nevents = { emit = [\"notes.*\"] }");
/// fn close(ctx: &Ctx, request: Request) -> Result<Response> {
///     ctx.require("notes.manage_all")?;
///     let id = request.param("id").unwrap_or_default();
///     ctx.emit("notes.closed", &json!({ "id": id, "by": ctx.caller().display_name }))?;
///     Ok(Response::no_content())
/// }
/// let boss = Caller::person("boss", &["module:notes", "notes.manage_all"]).named("Bo");
/// assert_eq!(host.post_json(&boss, "/notes/n1/close", &()).status_code(), 204);
/// assert_eq!(host.events()[0].payload, json!({ "id": "n1", "by": "Bo" }));
/// let clerk = Caller::person("clerk", &["module:notes"]);
/// assert_eq!(host.post_json(&clerk, "/notes/n2/close", &()).status_code(), 403);
/// # }
/// # Ok::<(), immcase_sdk::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct Ctx {
    caller: Caller,
}

impl Ctx {
    /// A context for `caller` (the SDK makes one per call; tests may too).
    ///
    /// ```
    /// use immcase_sdk::{Caller, Ctx};
    ///
    /// let ctx = Ctx::new(Caller { display_name: "Ana Ruiz".into(), ..Caller::default() });
    /// assert_eq!(ctx.caller().display_name, "Ana Ruiz");
    /// ```
    pub fn new(caller: Caller) -> Self {
        Self { caller }
    }

    /// Who the call is for.
    ///
    /// ```
    /// # use immcase_sdk::{Caller, Ctx};
    /// let ctx = Ctx::new(Caller::default()); // as for an event or a timer
    /// assert!(!ctx.caller().is_person());
    /// assert!(ctx.caller().permissions.is_empty());
    /// ```
    pub fn caller(&self) -> &Caller {
        &self.caller
    }

    /// [`Error::Forbidden`] naming `permission` unless the caller holds it.
    ///
    /// ```
    /// # use immcase_sdk::{Caller, Ctx};
    /// let ctx = Ctx::new(Caller { permissions: vec!["notes.*".into()], ..Caller::default() });
    /// assert!(ctx.require("notes.manage_all").is_ok());
    /// let refused = ctx.require("cases.write").expect_err("not held");
    /// assert_eq!(refused.status(), 403);
    /// assert_eq!(refused.message(), "this needs the permission cases.write");
    /// ```
    pub fn require(&self, permission: &str) -> Result<()> {
        if self.caller.can(permission) {
            Ok(())
        } else {
            Err(Error::Forbidden(format!(
                "this needs the permission {permission}"
            )))
        }
    }

    // --- store -----------------------------------------------------------

    /// The collection `name` (declared under `[capabilities] store`).
    ///
    /// ```
    /// # #[cfg(feature = "testing")] {
    /// # use immcase_sdk::{Caller, Plugin, Result, Router, testing::TestHost};
    /// # use serde_json::{Value, json};
    /// # struct Notes;
    /// # impl Plugin for Notes { fn router() -> Router { Router::new() } }
    /// # let host = TestHost::<Notes>::from_manifest("id = \"notes\"\nname = \"Notes\"\nversion = \"0.1.0\"\nhost-api = \"^0.2\"\n[capabilities]\nstore = [\"notes\"]");
    /// host.with_ctx(&Caller::host(), |ctx| -> Result<()> {
    ///     ctx.collection("notes").insert("n1", &json!({ "text": "Call back" }))?;
    ///     let undeclared = ctx.collection::<Value>("secrets").get("s1");
    ///     assert_eq!(undeclared.map_err(|e| e.status()), Err(403));
    ///     Ok(())
    /// })?;
    /// assert_eq!(host.documents("notes")[0].data["text"], "Call back");
    /// # }
    /// # Ok::<(), immcase_sdk::Error>(())
    /// ```
    pub fn collection<T: Serialize + DeserializeOwned>(&self, name: &str) -> Collection<T> {
        Collection::new(name)
    }

    // --- events ----------------------------------------------------------

    /// Emits the event `name` (matching the manifest's `emit` patterns) with
    /// `payload` as JSON; returns the event's id. It is kept only if the whole
    /// call succeeds.
    ///
    /// ```
    /// # #[cfg(feature = "testing")] {
    /// # use immcase_sdk::{Caller, Plugin, Result, Router, testing::TestHost};
    /// # use serde_json::{Value, json};
    /// # struct Notes;
    /// # impl Plugin for Notes { fn router() -> Router { Router::new() } }
    /// # let host = TestHost::<Notes>::from_manifest("id = \"notes\"\nname = \"Notes\"\nversion = \"0.1.0\"\nhost-api = \"^0.2\"\n[capabilities]\nevents = { emit = [\"notes.*\"] }");
    /// let payload = json!({ "id": "n1" });
    /// let id = host.with_ctx(&Caller::host(), |ctx| ctx.emit("notes.created", &payload))?;
    /// let events = host.events();
    /// assert_eq!((events[0].id.as_str(), events[0].name.as_str()), (id.as_str(), "notes.created"));
    /// assert_eq!(events[0].payload["id"], "n1");
    /// let outside = host.with_ctx(&Caller::host(), |ctx| ctx.emit("case.closed", &json!({})));
    /// assert_eq!(outside.map_err(|e| e.status()), Err(403)); // not under `emit`
    /// # }
    /// # Ok::<(), immcase_sdk::Error>(())
    /// ```
    pub fn emit(&self, name: &str, payload: &impl Serialize) -> Result<String> {
        Ok(events::emit(name, &to_json(payload)?)?)
    }

    // --- schedule --------------------------------------------------------

    /// Schedules (or moves) the timer `key` for `due` (ms since the epoch);
    /// the host calls [`crate::Plugin::on_timer`] with `payload` then.
    ///
    /// ```
    /// # #[cfg(feature = "testing")] {
    /// # use immcase_sdk::{Caller, Plugin, Result, Router, testing::{START, TestHost}};
    /// # use serde_json::{Value, json};
    /// # struct Notes;
    /// # impl Plugin for Notes { fn router() -> Router { Router::new() } }
    /// # let host = TestHost::<Notes>::from_manifest("id = \"notes\"\nname = \"Notes\"\nversion = \"0.1.0\"\nhost-api = \"^0.2\"\n[capabilities]\nschedule = true");
    /// host.with_ctx(&Caller::host(), |ctx| -> Result<()> {
    ///     ctx.schedule_at(ctx.now() + 60_000, "call-back:n1", &json!({ "note": "n1" }))?;
    ///     ctx.schedule_at(ctx.now() + 120_000, "call-back:n1", &json!({ "note": "n1" })) // moved
    /// })?;
    /// let timers = host.timers();
    /// assert_eq!((timers.len(), timers[0].due_at), (1, START + 120_000));
    /// assert_eq!(timers[0].payload["note"], "n1");
    /// # }
    /// # Ok::<(), immcase_sdk::Error>(())
    /// ```
    pub fn schedule_at(&self, due: i64, key: &str, payload: &impl Serialize) -> Result<()> {
        Ok(schedule::at(due, key, &to_json(payload)?)?)
    }

    /// Cancels the timer `key`; returns whether there was one.
    ///
    /// ```
    /// # #[cfg(feature = "testing")] {
    /// # use immcase_sdk::{Caller, Plugin, Result, Router, testing::TestHost};
    /// # struct Notes;
    /// # impl Plugin for Notes { fn router() -> Router { Router::new() } }
    /// # let host = TestHost::<Notes>::from_manifest("id = \"notes\"\nname = \"Notes\"\nversion = \"0.1.0\"\nhost-api = \"^0.2\"\n[capabilities]\nschedule = true");
    /// let cancelled = host.with_ctx(&Caller::host(), |ctx| -> Result<_> {
    ///     ctx.schedule_at(ctx.now() + 60_000, "call-back", &())?;
    ///     Ok((ctx.cancel_timer("call-back")?, ctx.cancel_timer("call-back")?))
    /// })?;
    /// assert_eq!(cancelled, (true, false));
    /// assert!(host.timers().is_empty());
    /// # }
    /// # Ok::<(), immcase_sdk::Error>(())
    /// ```
    pub fn cancel_timer(&self, key: &str) -> Result<bool> {
        Ok(schedule::cancel(key)?)
    }

    /// The host's clock (ms since the epoch), the one that fires timers.
    /// Needs `schedule = true`.
    ///
    /// ```
    /// # #[cfg(feature = "testing")] {
    /// # use immcase_sdk::{Caller, Plugin, Router, testing::{START, TestHost}};
    /// # struct Notes;
    /// # impl Plugin for Notes { fn router() -> Router { Router::new() } }
    /// # let host = TestHost::<Notes>::from_manifest("id = \"notes\"\nname = \"Notes\"\nversion = \"0.1.0\"\nhost-api = \"^0.2\"\n[capabilities]\nschedule = true");
    /// assert_eq!(host.with_ctx(&Caller::host(), |ctx| ctx.now()), START);
    /// host.advance(60_000);
    /// assert_eq!(host.with_ctx(&Caller::host(), |ctx| ctx.now()), START + 60_000);
    /// # }
    /// # Ok::<(), immcase_sdk::Error>(())
    /// ```
    pub fn now(&self) -> i64 {
        schedule::now()
    }

    // --- directory -------------------------------------------------------

    /// A person of the practice (active or not); `None` for an unknown id.
    /// Needs `directory = true` under `[capabilities]`.
    ///
    /// ```
    /// # #[cfg(feature = "testing")] {
    /// # use immcase_sdk::{Caller, Plugin, Result, Router, testing::TestHost};
    /// # struct Notes;
    /// # impl Plugin for Notes { fn router() -> Router { Router::new() } }
    /// # let host = TestHost::<Notes>::from_manifest("id = \"notes\"\nname = \"Notes\"\nversion = \"0.1.0\"\nhost-api = \"^0.2\"\n[capabilities]\ndirectory = true");
    /// host.add_person(&Caller::person("lee", &[]).named("Lee Park"));
    /// host.with_ctx(&Caller::host(), |ctx| -> Result<()> {
    ///     let lee = ctx.person("lee")?.expect("in the directory");
    ///     assert_eq!((lee.display_name.as_str(), lee.active), ("Lee Park", true));
    ///     assert_eq!(ctx.person("nobody")?, None);
    ///     Ok(())
    /// })?;
    /// # }
    /// # Ok::<(), immcase_sdk::Error>(())
    /// ```
    pub fn person(&self, id: &str) -> Result<Option<Person>> {
        Ok(directory::get(id)?.map(Person::from))
    }

    /// The active people who hold `permission`, by name (at most 500).
    ///
    /// ```
    /// # #[cfg(feature = "testing")] {
    /// # use immcase_sdk::{Caller, Plugin, Result, Router, testing::TestHost};
    /// # struct Notes;
    /// # impl Plugin for Notes { fn router() -> Router { Router::new() } }
    /// # let host = TestHost::<Notes>::from_manifest("id = \"notes\"\nname = \"Notes\"\nversion = \"0.1.0\"\nhost-api = \"^0.2\"\n[capabilities]\ndirectory = true");
    /// host.add_person(&Caller::person("lee", &["notes.*"]).named("Lee"));
    /// host.add_person(&Caller::person("kim", &["notes.manage_all"]).named("Kim"));
    /// host.add_person(&Caller::person("bo", &["module:notes"]).named("Bo"));
    /// let names = || -> Result<Vec<String>> {
    ///     let people = host.with_ctx(&Caller::host(), |ctx| ctx.people_holding("notes.manage_all"))?;
    ///     Ok(people.into_iter().map(|p| p.display_name).collect())
    /// };
    /// assert_eq!(names()?, ["Kim", "Lee"]);
    /// host.set_active("kim", false);
    /// assert_eq!(names()?, ["Lee"]);
    /// # }
    /// # Ok::<(), immcase_sdk::Error>(())
    /// ```
    pub fn people_holding(&self, permission: &str) -> Result<Vec<Person>> {
        Ok(directory::holding(permission)?
            .into_iter()
            .map(Person::from)
            .collect())
    }

    // --- mail ------------------------------------------------------------

    /// Queues an email through the host's outbox; it is sent after the call succeeds.
    ///
    /// ```
    /// # #[cfg(feature = "testing")] {
    /// # use immcase_sdk::{Caller, Plugin, Result, Router, testing::TestHost};
    /// # struct Notes;
    /// # impl Plugin for Notes { fn router() -> Router { Router::new() } }
    /// # let host = TestHost::<Notes>::from_manifest("id = \"notes\"\nname = \"Notes\"\nversion = \"0.1.0\"\nhost-api = \"^0.2\"\n[capabilities]\nmail = true");
    /// host.with_ctx(&Caller::host(), |ctx| {
    ///     ctx.send_mail("ana@example.com", "Your appointment", "Tuesday at 10:00.")
    /// })?;
    /// assert_eq!(host.mail()[0].to, "ana@example.com");
    /// let wrong = host.with_ctx(&Caller::host(), |ctx| ctx.send_mail("ana", "Hi", ""));
    /// assert_eq!(wrong.map_err(|e| e.status()), Err(422));
    /// # }
    /// # Ok::<(), immcase_sdk::Error>(())
    /// ```
    pub fn send_mail(&self, to: &str, subject: &str, body: &str) -> Result<()> {
        Ok(mail::send(to, subject, body)?)
    }

    /// Queues a [`Message`](crate::Message) to several people, with copies
    /// and attachments, through the host's outbox; it is sent after the call
    /// succeeds (host API 0.2.2: declare `host-api = "^0.2.2"`). A message
    /// out of shape is `Invalid` naming what is wrong.
    ///
    /// ```
    /// # #[cfg(feature = "testing")] {
    /// # use immcase_sdk::{Caller, Message, Plugin, Result, Router, testing::TestHost};
    /// # struct Diary;
    /// # impl Plugin for Diary { fn router() -> Router { Router::new() } }
    /// # let host = TestHost::<Diary>::from_manifest("id = \"diary\"\nname = \"Diary\"\nversion = \"0.1.0\"\nhost-api = \"^0.2.2\"\n[capabilities]\nmail = true");
    /// let invite = Message::new("Appointment on Tuesday", "The invitation is attached.")
    ///     .to("ana@example.com")
    ///     .cc("bo@example.com")
    ///     .attach("invite.ics", "text/calendar; method=REQUEST; charset=UTF-8", "BEGIN:VCALENDAR");
    /// host.with_ctx(&Caller::host(), |ctx| ctx.send_message(&invite))?;
    /// assert_eq!(host.messages(), [invite]);
    /// let nobody = Message::new("Hello", "");
    /// let refused = host.with_ctx(&Caller::host(), |ctx| ctx.send_message(&nobody));
    /// assert_eq!(
    ///     refused.map_err(|e| e.message().to_owned()),
    ///     Err("to: a message goes to 1 to 50 addresses".into())
    /// );
    /// # }
    /// # Ok::<(), immcase_sdk::Error>(())
    /// ```
    pub fn send_message(&self, message: &crate::Message) -> Result<()> {
        Ok(mail::send_message(&message.into())?)
    }

    /// Queues a [`Letter`](crate::Letter) (host API 0.2.3), sent after the
    /// call succeeds: from one of the practice's mailboxes the caller
    /// reads (`Forbidden` otherwise), in a conversation. Returns its
    /// outbox id and the `Message-ID` it goes out with, which answers name.
    ///
    /// ```
    /// # #[cfg(feature = "testing")] {
    /// # use immcase_sdk::{Caller, Letter, Mailbox, Plugin, Result, Router, testing::TestHost};
    /// # struct Desk;
    /// # impl Plugin for Desk { fn router() -> Router { Router::new() } }
    /// # let host = TestHost::<Desk>::from_manifest("id = \"desk\"\nname = \"Desk\"\nversion = \"0.1.0\"\nhost-api = \"^0.2.3\"\n[capabilities]\nmail = true\nmailboxes = true");
    /// host.add_mailbox(
    ///     Mailbox { id: "info".into(), name: "Info".into(), address: "info@diaz.example".into(),
    ///               shared: true, owner_id: None, fetched_at: None, problem: None },
    ///     &["u1"],
    /// );
    /// let ana = Caller::person("u1", &[]);
    /// let reply = Letter::new("Re: Documents", "Received, thank you.")
    ///     .from_mailbox("info")
    ///     .to("client@example.com")
    ///     .replying_to("<m1@example.com>", &[]);
    /// let queued = host.with_ctx(&ana, |ctx| ctx.send_letter(&reply))?;
    /// assert!(queued.message_id.ends_with("@diaz.example>"));
    /// assert_eq!(host.letters()[0].0, reply);
    /// let bo = Caller::person("u2", &[]);
    /// assert!(host.with_ctx(&bo, |ctx| ctx.send_letter(&reply)).is_err());
    /// # }
    /// # Ok::<(), immcase_sdk::Error>(())
    /// ```
    pub fn send_letter(&self, letter: &crate::Letter) -> Result<crate::Queued> {
        Ok(mail::send_letter(&letter.into())?.into())
    }

    // --- mailboxes --------------------------------------------------------

    /// The mailboxes the caller reads (a person's own and the shared ones
    /// they were given; every one for the host's own calls). Host API 0.2.3.
    pub fn mailboxes(&self) -> Result<Vec<crate::Mailbox>> {
        Ok(crate::imports::mailboxes::list()?
            .into_iter()
            .map(Into::into)
            .collect())
    }

    /// The raw message (RFC 5322 bytes) a `mailbox.received` event names;
    /// `NotFound` for one in a mailbox the caller does not read.
    pub fn read_mailbox_message(&self, id: &str) -> Result<Vec<u8>> {
        Ok(crate::imports::mailboxes::read_message(id)?)
    }

    /// Asks the host to fetch the mailbox's new mail now (in the
    /// background).
    pub fn fetch_mailbox(&self, mailbox_id: &str) -> Result<()> {
        Ok(crate::imports::mailboxes::fetch_now(mailbox_id)?)
    }

    /// The calling person's email signature (Settings → My email account),
    /// for below what they write; empty for the host's own calls.
    pub fn signature(&self) -> Result<String> {
        Ok(crate::imports::mailboxes::signature()?)
    }

    // --- notifications ---------------------------------------------------

    /// Notifies a person of the practice: a line under their bell with a
    /// link, and the email too when they want its kind by email (each
    /// kind declared under `[[notifications]]` in `plugin.toml` says
    /// whether it does unless the person chooses). Written with the call's
    /// other changes: a call that fails tells nobody.
    ///
    /// ```
    /// # #[cfg(feature = "testing")] {
    /// # use immcase_sdk::{Caller, Notification, Plugin, Result, Router, testing::TestHost};
    /// # struct Desk;
    /// # impl Plugin for Desk { fn router() -> Router { Router::new() } }
    /// # let host = TestHost::<Desk>::from_manifest("id = \"desk\"\nname = \"Desk\"\nversion = \"0.1.0\"\nhost-api = \"^0.2.1\"\n[[notifications]]\nkind = \"desk.assigned\"\nlabel = \"A ticket is assigned to me\"");
    /// host.add_person(&Caller::person("ana", &[]));
    /// host.with_ctx(&Caller::host(), |ctx| {
    ///     ctx.notify(&Notification::new("ana", "desk.assigned", "T1 is yours", "/m/desk/t1"))
    /// })?;
    /// assert_eq!(host.notifications()[0].text, "T1 is yours");
    /// assert_eq!(host.mail()[0].to, "ana@example.com", "by email unless Ana says no");
    /// let undeclared = host.with_ctx(&Caller::host(), |ctx| {
    ///     ctx.notify(&Notification::new("ana", "desk.other", "No", "/m/desk"))
    /// });
    /// assert_eq!(undeclared.map_err(|e| e.status()), Err(403));
    /// # }
    /// # Ok::<(), immcase_sdk::Error>(())
    /// ```
    pub fn notify(&self, notification: &crate::Notification) -> Result<()> {
        let wit = notifications::Notification {
            person_id: notification.person_id.clone(),
            kind: notification.kind.clone(),
            text: notification.text.clone(),
            link: notification.link.clone(),
            email_subject: notification.email_subject.clone(),
            email_body: notification.email_body.clone(),
        };
        Ok(notifications::notify(&wit)?)
    }

    // --- settings --------------------------------------------------------

    /// The module's settings for this practice (declared under `[settings]`,
    /// defaults filled in and validated by the host), decoded as `T`.
    ///
    /// ```
    /// # #[cfg(feature = "testing")] {
    /// # use immcase_sdk::{Caller, Plugin, Result, Router, testing::TestHost};
    /// # struct Notes;
    /// # impl Plugin for Notes { fn router() -> Router { Router::new() } }
    /// # let host = TestHost::<Notes>::from_manifest("id = \"notes\"\nname = \"Notes\"\nversion = \"0.1.0\"\nhost-api = \"^0.2\"\n[settings.prefix]\ntype = \"string\"\ndefault = \"Follow up:\"");
    /// #[derive(serde::Deserialize)]
    /// struct Settings {
    ///     prefix: String,
    /// }
    /// let settings: Settings = host.with_ctx(&Caller::host(), |ctx| ctx.settings())?;
    /// assert_eq!(settings.prefix, "Follow up:");
    /// let wrong = host.with_ctx(&Caller::host(), |ctx| ctx.settings::<Vec<String>>());
    /// assert!(wrong.is_err_and(|e| e.is_internal()));
    /// # }
    /// # Ok::<(), immcase_sdk::Error>(())
    /// ```
    pub fn settings<T: DeserializeOwned>(&self) -> Result<T> {
        let json = settings::get()?;
        serde_json::from_str(&json)
            .map_err(|e| Error::Internal(format!("settings do not match the module's type: {e}")))
    }

    // --- practice --------------------------------------------------------

    /// The practice's letterhead (host API 0.2.4): its name, postal address,
    /// phone, email, website and logo, as its administrators keep them in
    /// Settings → Practice, for the letters a module makes. Any call may
    /// read it, with no capability; a module that does declares
    /// `host-api = "^0.2.4"`.
    ///
    /// ```
    /// # #[cfg(feature = "testing")] {
    /// # use immcase_sdk::{Caller, Letterhead, Plugin, Result, Router, testing::TestHost};
    /// # struct Letters;
    /// # impl Plugin for Letters { fn router() -> Router { Router::new() } }
    /// # let host = TestHost::<Letters>::from_manifest("id = \"letters\"\nname = \"Letters\"\nversion = \"0.1.0\"\nhost-api = \"^0.2.4\"");
    /// // Nothing kept yet: empty details and no logo.
    /// let blank = host.with_ctx(&Caller::host(), |ctx| ctx.letterhead())?;
    /// assert_eq!(blank, Letterhead::default());
    /// host.set_letterhead(&Letterhead {
    ///     name: "Maple Immigration".into(),
    ///     phone: "+1 416 555 0100".into(),
    ///     ..Letterhead::default()
    /// });
    /// host.with_ctx(&Caller::person("kim", &[]), |ctx| -> Result<()> {
    ///     let head = ctx.letterhead()?;
    ///     assert_eq!((head.name.as_str(), head.phone.as_str()), ("Maple Immigration", "+1 416 555 0100"));
    ///     assert!(head.logo.is_none());
    ///     Ok(())
    /// })?;
    /// # }
    /// # Ok::<(), immcase_sdk::Error>(())
    /// ```
    pub fn letterhead(&self) -> Result<Letterhead> {
        Ok(practice::letterhead()?.into())
    }

    // --- records ---------------------------------------------------------

    /// An applicant as the caller may see them (needs
    /// `records = ["applicants:read"]`, and a person's `applicants.read`):
    /// the fields their roles hide are empty and named in
    /// [`Applicant::hidden`]. Without a person behind the call (events,
    /// timers), every field: the module's own rights. [`Error::NotFound`]
    /// for one in the trash, of another practice, or unknown.
    ///
    /// ```
    /// # #[cfg(feature = "testing")] {
    /// # use immcase_sdk::{Applicant, Caller, Plugin, Result, Router, testing::TestHost};
    /// # struct Notes;
    /// # impl Plugin for Notes { fn router() -> Router { Router::new() } }
    /// # let host = TestHost::<Notes>::from_manifest("id = \"notes\"\nname = \"Notes\"\nversion = \"0.1.0\"\nhost-api = \"^0.2\"\n[capabilities]\nrecords = [\"applicants:read\"]");
    /// host.add_applicant(&Applicant::new("a1", "Ana", "Díaz"));
    /// let clerk = Caller::person("clerk", &["applicants.read"]);
    /// let ana = host.with_ctx(&clerk, |ctx| ctx.applicant("a1"))?;
    /// assert_eq!((ana.display_name().as_str(), ana.version), ("Ana Díaz", 1));
    /// let unknown = host.with_ctx(&clerk, |ctx| ctx.applicant("a2"));
    /// assert_eq!(unknown.map_err(|e| e.status()), Err(404));
    /// let outsider = Caller::person("out", &[]);
    /// let refused = host.with_ctx(&outsider, |ctx| ctx.applicant("a1"));
    /// assert_eq!(refused.map_err(|e| e.status()), Err(403));
    /// # }
    /// # Ok::<(), immcase_sdk::Error>(())
    /// ```
    pub fn applicant(&self, id: &str) -> Result<Applicant> {
        Ok(records::get_applicant(id)?.into())
    }

    /// A case as the caller may see it (needs `records = ["cases:read"]`,
    /// and a person's `cases.read`), hidden fields named in
    /// [`Case::hidden`] as for [`Ctx::applicant`].
    ///
    /// ```
    /// # #[cfg(feature = "testing")] {
    /// # use immcase_sdk::{Caller, Case, Plugin, Router, Stage, testing::{RecordKind, TestHost}};
    /// # struct Notes;
    /// # impl Plugin for Notes { fn router() -> Router { Router::new() } }
    /// # let host = TestHost::<Notes>::from_manifest("id = \"notes\"\nname = \"Notes\"\nversion = \"0.1.0\"\nhost-api = \"^0.2\"\n[capabilities]\nrecords = [\"cases:read\"]");
    /// host.add_case(&Case { stage: Some(Stage::Preparation), ..Case::new("c1", "CAS014") });
    /// let case = host.with_ctx(&Caller::host(), |ctx| ctx.case("c1"))?;
    /// assert_eq!((case.folio.as_str(), case.stage), ("CAS014", Some(Stage::Preparation)));
    /// host.trash(RecordKind::Case, "c1");
    /// let trashed = host.with_ctx(&Caller::host(), |ctx| ctx.case("c1"));
    /// assert_eq!(trashed.map_err(|e| e.status()), Err(404));
    /// # }
    /// # Ok::<(), immcase_sdk::Error>(())
    /// ```
    pub fn case(&self, id: &str) -> Result<Case> {
        Ok(records::get_case(id)?.into())
    }

    /// The case with this folio (`CAS014`, as people type it), as
    /// [`Ctx::case`] reads it; `None` when there is none (host API 0.1.2).
    ///
    /// ```
    /// # #[cfg(feature = "testing")] {
    /// # use immcase_sdk::{Caller, Case, Plugin, Result, Router, testing::TestHost};
    /// # struct Notes;
    /// # impl Plugin for Notes { fn router() -> Router { Router::new() } }
    /// # let host = TestHost::<Notes>::from_manifest("id = \"notes\"\nname = \"Notes\"\nversion = \"0.1.0\"\nhost-api = \"^0.2\"\n[capabilities]\nrecords = [\"cases:read\"]");
    /// host.add_case(&Case::new("c1", "CAS014"));
    /// host.with_ctx(&Caller::host(), |ctx| -> Result<()> {
    ///     let case = ctx.case_by_folio("cas14")?.expect("CAS014 as typed");
    ///     assert_eq!(case.id, "c1");
    ///     assert_eq!(ctx.case_by_folio("CAS015")?, None);
    ///     Ok(())
    /// })?;
    /// # }
    /// # Ok::<(), immcase_sdk::Error>(())
    /// ```
    pub fn case_by_folio(&self, folio: &str) -> Result<Option<Case>> {
        Ok(records::find_case_by_folio(folio)?.map(Case::from))
    }

    /// The applicants with this email address (any case), oldest first, at
    /// most 50, as [`Ctx::applicant`] reads them (needs
    /// `records = ["applicants:read"]`).
    ///
    /// ```
    /// # #[cfg(feature = "testing")] {
    /// # use immcase_sdk::{Applicant, Caller, Plugin, Result, Router, testing::TestHost};
    /// # struct Notes;
    /// # impl Plugin for Notes { fn router() -> Router { Router::new() } }
    /// # let host = TestHost::<Notes>::from_manifest("id = \"notes\"\nname = \"Notes\"\nversion = \"0.1.0\"\nhost-api = \"^0.2\"\n[capabilities]\nrecords = [\"applicants:read\"]");
    /// let with_email = |id: &str, email: &str| Applicant {
    ///     emails: vec![email.into()],
    ///     ..Applicant::new(id, "", "Díaz")
    /// };
    /// host.add_applicant(&with_email("a1", "ana@example.com"));
    /// host.add_applicant(&with_email("a2", "bo@example.com"));
    /// host.add_applicant(&with_email("a3", "ana@example.com"));
    /// let found = host.with_ctx(&Caller::host(), |ctx| ctx.applicants_by_email(" Ana@Example.com"))?;
    /// let ids: Vec<&str> = found.iter().map(|a| a.id.as_str()).collect();
    /// assert_eq!(ids, ["a1", "a3"]);
    /// # }
    /// # Ok::<(), immcase_sdk::Error>(())
    /// ```
    pub fn applicants_by_email(&self, email: &str) -> Result<Vec<Applicant>> {
        Ok(records::find_applicants_by_email(email)?
            .into_iter()
            .map(Applicant::from)
            .collect())
    }

    // --- files -----------------------------------------------------------

    /// The files of `owner`: `applicant:{id}`, `case:{id}` (with its
    /// applicant's files, owned by `applicant:{id}`), or `module:{key}` for
    /// the module's own files (host API 0.1.2), which only this module
    /// reaches and whose access it decides.
    ///
    /// ```
    /// # #[cfg(feature = "testing")] {
    /// # use immcase_sdk::{Applicant, Caller, Plugin, Result, Router, testing::TestHost};
    /// # struct Notes;
    /// # impl Plugin for Notes { fn router() -> Router { Router::new() } }
    /// # let host = TestHost::<Notes>::from_manifest("id = \"notes\"\nname = \"Notes\"\nversion = \"0.1.0\"\nhost-api = \"^0.2\"\n[capabilities]\nfiles = true");
    /// host.add_applicant(&Applicant::new("a1", "Ana", "Díaz"));
    /// host.add_file("applicant:a1", "passport.pdf", "application/pdf", b"%PDF-1.7");
    /// let files = host.with_ctx(&Caller::host(), |ctx| ctx.files("applicant:a1"))?;
    /// assert_eq!((files.len(), files[0].name.as_str()), (1, "passport.pdf"));
    /// let wrong = host.with_ctx(&Caller::host(), |ctx| ctx.files("folder:1"));
    /// assert_eq!(wrong.map_err(|e| e.status()), Err(422)); // not an owner
    /// # }
    /// # Ok::<(), immcase_sdk::Error>(())
    /// ```
    pub fn files(&self, owner: &str) -> Result<Vec<FileInfo>> {
        Ok(files::list(owner)?
            .into_iter()
            .map(FileInfo::from)
            .collect())
    }

    /// A file's content.
    ///
    /// ```
    /// # #[cfg(feature = "testing")] {
    /// # use immcase_sdk::{Caller, Plugin, Result, Router, testing::TestHost};
    /// # struct Notes;
    /// # impl Plugin for Notes { fn router() -> Router { Router::new() } }
    /// # let host = TestHost::<Notes>::from_manifest("id = \"notes\"\nname = \"Notes\"\nversion = \"0.1.0\"\nhost-api = \"^0.2\"\n[capabilities]\nfiles = true");
    /// host.with_ctx(&Caller::host(), |ctx| -> Result<()> {
    ///     let file = ctx.attach_file("module:letters", "welcome.txt", "text/plain", b"Welcome")?;
    ///     assert_eq!(ctx.read_file(&file.id)?, b"Welcome");
    ///     assert_eq!(ctx.read_file("f0").map_err(|e| e.status()), Err(404));
    ///     Ok(())
    /// })?;
    /// # }
    /// # Ok::<(), immcase_sdk::Error>(())
    /// ```
    pub fn read_file(&self, id: &str) -> Result<Vec<u8>> {
        Ok(files::read(id)?)
    }

    /// Attaches a new file to `owner` (as for [`Ctx::files`]); returns the
    /// file's description. A file over the server's size limit, or one the
    /// practice's quota has no room for, is [`Error::Invalid`] saying so.
    ///
    /// ```
    /// # #[cfg(feature = "testing")] {
    /// # use immcase_sdk::{Caller, Case, Plugin, Result, Router, testing::TestHost};
    /// # struct Notes;
    /// # impl Plugin for Notes { fn router() -> Router { Router::new() } }
    /// # let host = TestHost::<Notes>::from_manifest("id = \"notes\"\nname = \"Notes\"\nversion = \"0.1.0\"\nhost-api = \"^0.2\"\n[capabilities]\nfiles = true");
    /// host.add_case(&Case::new("c1", "CAS014"));
    /// let clerk = Caller::person("clerk", &["cases.read", "files.write"]);
    /// let file = host.with_ctx(&clerk, |ctx| {
    ///     ctx.attach_file("case:c1", "letter.txt", "text/plain", b"Dear Ana")
    /// })?;
    /// assert_eq!((file.name.as_str(), file.size), ("letter.txt", 8));
    /// assert_eq!(file.uploaded_by.as_deref(), Some("clerk"));
    /// assert_eq!(host.files("case:c1").len(), 1);
    /// # }
    /// # Ok::<(), immcase_sdk::Error>(())
    /// ```
    pub fn attach_file(
        &self,
        owner: &str,
        name: &str,
        content_type: &str,
        content: &[u8],
    ) -> Result<FileInfo> {
        Ok(files::attach(owner, name, content_type, content)?.into())
    }

    // --- actions of other modules ----------------------------------------

    /// Calls the action `name` of the module `module` (listed in the
    /// manifest under `[capabilities] actions` as `{module}.{name}` or
    /// `{module}.*`), for this call's caller; host API 0.1.2. Its changes
    /// are kept only if this call succeeds too. A module that is not enabled
    /// is [`Error::NotFound`]; the action's own errors come back as they are,
    /// and an action that trapped, timed out or ran out of memory is
    /// [`Error::Internal`] with the reason (host API 0.2).
    ///
    /// ```
    /// # #[cfg(feature = "testing")] {
    /// # use immcase_sdk::{Caller, Plugin, Result, Router, testing::TestHost};
    /// # use serde_json::{Value, json};
    /// # struct Notes;
    /// # impl Plugin for Notes { fn router() -> Router { Router::new() } }
    /// # let host = TestHost::<Notes>::from_manifest("id = \"notes\"\nname = \"Notes\"\nversion = \"0.1.0\"\nhost-api = \"^0.2\"\n[capabilities]\nactions = [\"helpdesk.create-ticket\"]");
    /// host.stub_action("helpdesk.create-ticket", |_, input| {
    ///     Ok(json!({ "folio": "TKT001", "subject": input["subject"] }))
    /// });
    /// let ticket = host.with_ctx(&Caller::host(), |ctx| {
    ///     ctx.call_action("helpdesk", "create-ticket", &json!({ "subject": "Scan the passport" }))
    /// })?;
    /// assert_eq!(ticket, json!({ "folio": "TKT001", "subject": "Scan the passport" }));
    /// let unlisted = host.with_ctx(&Caller::host(), |ctx| ctx.call_action("billing", "bill", &()));
    /// assert_eq!(unlisted.map_err(|e| e.status()), Err(403));
    /// # }
    /// # Ok::<(), immcase_sdk::Error>(())
    /// ```
    pub fn call_action(&self, module: &str, name: &str, input: &impl Serialize) -> Result<Value> {
        let input = serde_json::to_string(input)
            .map_err(|e| Error::Invalid(format!("the action's input is not JSON: {e}")))?;
        from_json(&actions::call(module, name, &input)?)
    }

    // --- search ----------------------------------------------------------

    /// Adds or replaces one of the module's documents in global search
    /// (kept with the rest of the call's changes). A wrong entry is
    /// [`Error::Invalid`] saying why; see [`SearchEntry`] for the rules.
    ///
    /// ```
    /// # #[cfg(feature = "testing")] {
    /// # use immcase_sdk::{Caller, Plugin, Result, Router, SearchEntry, testing::TestHost};
    /// # struct Notes;
    /// # impl Plugin for Notes { fn router() -> Router { Router::new() } }
    /// # let host = TestHost::<Notes>::from_manifest("id = \"notes\"\nname = \"Notes\"\nversion = \"0.1.0\"\nhost-api = \"^0.2\"\n[capabilities]\nsearch = true");
    /// let entry = SearchEntry {
    ///     id: "n1".into(),
    ///     title: "Call Ana back".into(),
    ///     body: "About her work permit".into(),
    ///     path: "/notes/n1".into(),
    ///     permission: None,
    /// };
    /// host.with_ctx(&Caller::host(), |ctx| ctx.search_put(&entry))?;
    /// assert_eq!(host.search_docs()[0].entry.title, "Call Ana back");
    /// let outside = SearchEntry { path: "notes/n1".into(), ..entry };
    /// let refused = host.with_ctx(&Caller::host(), |ctx| ctx.search_put(&outside));
    /// assert_eq!(refused.map_err(|e| e.status()), Err(422)); // a path starts with /
    /// # }
    /// # Ok::<(), immcase_sdk::Error>(())
    /// ```
    pub fn search_put(&self, entry: &SearchEntry) -> Result<()> {
        Ok(search::put(&search::Entry {
            id: entry.id.clone(),
            title: entry.title.clone(),
            body: entry.body.clone(),
            path: entry.path.clone(),
            permission: entry.permission.clone(),
        })?)
    }

    /// Adds or replaces one of the module's documents in global search,
    /// found only by the people named in `readers` (user ids) and by holders
    /// of the entry's `permission`, if it names one (host API 0.1.1).
    ///
    /// ```
    /// # #[cfg(feature = "testing")] {
    /// # use immcase_sdk::{Caller, Plugin, Result, Router, SearchEntry, testing::TestHost};
    /// # struct Notes;
    /// # impl Plugin for Notes { fn router() -> Router { Router::new() } }
    /// # let host = TestHost::<Notes>::from_manifest("id = \"notes\"\nname = \"Notes\"\nversion = \"0.1.0\"\nhost-api = \"^0.2\"\n[capabilities]\nsearch = true");
    /// # let entry = SearchEntry {
    /// #     id: "n1".into(),
    /// #     title: "Call Ana back".into(),
    /// #     body: "About her work permit".into(),
    /// #     path: "/notes/n1".into(),
    /// #     permission: None,
    /// # };
    /// let readers = ["ana".to_owned(), "lee".to_owned()];
    /// host.with_ctx(&Caller::host(), |ctx| ctx.search_put_visible_to(&entry, &readers))?;
    /// assert_eq!(host.search_docs()[0].readers.as_deref(), Some(&readers[..]));
    /// # }
    /// # Ok::<(), immcase_sdk::Error>(())
    /// ```
    pub fn search_put_visible_to(&self, entry: &SearchEntry, readers: &[String]) -> Result<()> {
        Ok(search::put_visible_to(
            &search::Entry {
                id: entry.id.clone(),
                title: entry.title.clone(),
                body: entry.body.clone(),
                path: entry.path.clone(),
                permission: entry.permission.clone(),
            },
            readers,
        )?)
    }

    /// Removes one of the module's documents from global search.
    ///
    /// ```
    /// # #[cfg(feature = "testing")] {
    /// # use immcase_sdk::{Caller, Plugin, Result, Router, SearchEntry, testing::TestHost};
    /// # struct Notes;
    /// # impl Plugin for Notes { fn router() -> Router { Router::new() } }
    /// # let host = TestHost::<Notes>::from_manifest("id = \"notes\"\nname = \"Notes\"\nversion = \"0.1.0\"\nhost-api = \"^0.2\"\n[capabilities]\nsearch = true");
    /// # let entry = SearchEntry {
    /// #     id: "n1".into(),
    /// #     title: "Call Ana back".into(),
    /// #     body: "About her work permit".into(),
    /// #     path: "/notes/n1".into(),
    /// #     permission: None,
    /// # };
    /// host.with_ctx(&Caller::host(), |ctx| ctx.search_put(&entry))?;
    /// assert_eq!(host.search_docs().len(), 1);
    /// host.with_ctx(&Caller::host(), |ctx| ctx.search_remove("n1"))?;
    /// assert!(host.search_docs().is_empty());
    /// # }
    /// # Ok::<(), immcase_sdk::Error>(())
    /// ```
    pub fn search_remove(&self, id: &str) -> Result<()> {
        Ok(search::remove(id)?)
    }

    // --- log -------------------------------------------------------------

    /// A debug line in the host's log, tagged with module and practice.
    ///
    /// ```
    /// # #[cfg(feature = "testing")] {
    /// # use immcase_sdk::{Caller, Plugin, Router, testing::{LogLevel, LogLine, TestHost}};
    /// # struct Notes;
    /// # impl Plugin for Notes { fn router() -> Router { Router::new() } }
    /// # let host = TestHost::<Notes>::from_manifest("id = \"notes\"\nname = \"Notes\"\nversion = \"0.1.0\"\nhost-api = \"^0.2\"");
    /// host.with_ctx(&Caller::host(), |ctx| ctx.log_debug("3 notes due"));
    /// let line = LogLine { level: LogLevel::Debug, message: "3 notes due".into() };
    /// assert_eq!(host.logs(), [line]);
    /// # }
    /// # Ok::<(), immcase_sdk::Error>(())
    /// ```
    pub fn log_debug(&self, message: &str) {
        log::write(log::Level::Debug, message);
    }

    /// An info line in the host's log.
    ///
    /// ```
    /// # #[cfg(feature = "testing")] {
    /// # use immcase_sdk::{Caller, Plugin, Router, testing::{LogLevel, LogLine, TestHost}};
    /// # struct Notes;
    /// # impl Plugin for Notes { fn router() -> Router { Router::new() } }
    /// # let host = TestHost::<Notes>::from_manifest("id = \"notes\"\nname = \"Notes\"\nversion = \"0.1.0\"\nhost-api = \"^0.2\"");
    /// host.with_ctx(&Caller::host(), |ctx| ctx.log_info("reminders sent"));
    /// let line = LogLine { level: LogLevel::Info, message: "reminders sent".into() };
    /// assert_eq!(host.logs(), [line]);
    /// # }
    /// # Ok::<(), immcase_sdk::Error>(())
    /// ```
    pub fn log_info(&self, message: &str) {
        log::write(log::Level::Info, message);
    }

    /// A warning in the host's log.
    ///
    /// ```
    /// # #[cfg(feature = "testing")] {
    /// # use immcase_sdk::{Caller, Plugin, Router, testing::{LogLevel, LogLine, TestHost}};
    /// # struct Notes;
    /// # impl Plugin for Notes { fn router() -> Router { Router::new() } }
    /// # let host = TestHost::<Notes>::from_manifest("id = \"notes\"\nname = \"Notes\"\nversion = \"0.1.0\"\nhost-api = \"^0.2\"");
    /// host.with_ctx(&Caller::host(), |ctx| ctx.log_warn("no email for applicant a1"));
    /// let line = LogLine { level: LogLevel::Warn, message: "no email for applicant a1".into() };
    /// assert_eq!(host.logs(), [line]);
    /// # }
    /// # Ok::<(), immcase_sdk::Error>(())
    /// ```
    pub fn log_warn(&self, message: &str) {
        log::write(log::Level::Warn, message);
    }

    /// An error in the host's log.
    ///
    /// ```
    /// # #[cfg(feature = "testing")] {
    /// # use immcase_sdk::{Caller, Plugin, Router, testing::{LogLevel, LogLine, TestHost}};
    /// # struct Notes;
    /// # impl Plugin for Notes { fn router() -> Router { Router::new() } }
    /// # let host = TestHost::<Notes>::from_manifest("id = \"notes\"\nname = \"Notes\"\nversion = \"0.1.0\"\nhost-api = \"^0.2\"");
    /// host.with_ctx(&Caller::host(), |ctx| ctx.log_error("the reminder was not sent"));
    /// let line = LogLine { level: LogLevel::Error, message: "the reminder was not sent".into() };
    /// assert_eq!(host.logs(), [line]);
    /// # }
    /// # Ok::<(), immcase_sdk::Error>(())
    /// ```
    pub fn log_error(&self, message: &str) {
        log::write(log::Level::Error, message);
    }
}

fn to_json(value: &impl Serialize) -> Result<String> {
    serde_json::to_string(value).map_err(|e| Error::Internal(format!("not JSON: {e}")))
}

fn from_json(json: &str) -> Result<Value> {
    serde_json::from_str(json).map_err(|e| Error::Internal(format!("the host sent bad JSON: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn require_names_the_missing_permission() {
        let ctx = Ctx::new(Caller {
            permissions: vec!["module:*".into()],
            ..Caller::default()
        });
        assert_eq!(ctx.require("module:notes"), Ok(()));
        let error = ctx.require("notes.manage_all").expect_err("not held");
        assert_eq!(error.status(), 403);
        assert!(error.message().contains("notes.manage_all"));
    }
}
