//! What the module's calls left: documents, events, timers, mail, search
//! entries, files and log lines; and the settings they read.

use serde_json::Value;

use super::TestHost;
use super::world::{EmittedEvent, LogLine, Mail, Notified, PendingTimer, SearchDoc};
use crate::files::FileInfo;
use crate::plugin::Plugin;
use crate::store::Doc;

impl<P: Plugin> TestHost<P> {
    /// The module's settings as `settings.get` answers them now: the
    /// manifest's defaults with what the test set over them.
    ///
    /// ```
    /// # use immcase_sdk::{Plugin, Router, testing::TestHost};
    /// # struct Notes;
    /// # impl Plugin for Notes { fn router() -> Router { Router::new() } }
    /// let host = TestHost::<Notes>::from_manifest(
    ///     "id = \"notes\"\nname = \"Notes\"\nversion = \"0.1.0\"\nhost-api = \"^0.2\"\ndescription = \"\"\n\
    ///      [settings.prefix]\ntype = \"string\"\ndefault = \"Follow up:\"",
    /// );
    /// assert_eq!(host.settings()["prefix"], "Follow up:");
    /// host.set_setting("prefix", "Call back:");
    /// assert_eq!(host.settings()["prefix"], "Call back:");
    /// ```
    pub fn settings(&self) -> serde_json::Map<String, Value> {
        self.shared.world.borrow().settings.clone()
    }

    /// The documents of `collection`, by id.
    ///
    /// ```
    /// # use immcase_sdk::{Caller, Plugin, Result, Router, testing::TestHost};
    /// # use serde_json::json;
    /// # struct Notes;
    /// # impl Plugin for Notes { fn router() -> Router { Router::new() } }
    /// # let host = TestHost::<Notes>::from_manifest("id = \"notes\"\nname = \"Notes\"\nversion = \"0.1.0\"\nhost-api = \"^0.2\"\n[capabilities]\nstore = [\"notes\"]");
    /// host.with_ctx(&Caller::host(), |ctx| -> Result<()> {
    ///     let notes = ctx.collection("notes");
    ///     notes.insert("n2", &json!({ "text": "Second" }))?;
    ///     notes.insert("n1", &json!({ "text": "First" }))?;
    ///     Ok(())
    /// })?;
    /// let ids: Vec<String> = host.documents("notes").into_iter().map(|d| d.id).collect();
    /// assert_eq!(ids, ["n1", "n2"]);
    /// assert!(host.documents("visits").is_empty());
    /// # Ok::<(), immcase_sdk::Error>(())
    /// ```
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
    ///
    /// ```
    /// # use immcase_sdk::{Caller, Plugin, Router, testing::TestHost};
    /// # use serde_json::json;
    /// # struct Notes;
    /// # impl Plugin for Notes { fn router() -> Router { Router::new() } }
    /// # let host = TestHost::<Notes>::from_manifest("id = \"notes\"\nname = \"Notes\"\nversion = \"0.1.0\"\nhost-api = \"^0.2\"\n[capabilities]\nstore = [\"notes\"]");
    /// let text = json!({ "text": "Call back" });
    /// host.with_ctx(&Caller::host(), |ctx| ctx.collection("notes").insert("n1", &text))?;
    /// assert_eq!(host.document("notes", "n1").map(|d| (d.version, d.data)), Some((1, text)));
    /// assert_eq!(host.document("notes", "n2"), None);
    /// # Ok::<(), immcase_sdk::Error>(())
    /// ```
    pub fn document(&self, collection: &str, id: &str) -> Option<Doc<Value>> {
        self.documents(collection).into_iter().find(|d| d.id == id)
    }

    /// The events emitted by calls that succeeded, in order.
    ///
    /// ```
    /// # use immcase_sdk::{Caller, Plugin, Router, testing::{START, TestHost}};
    /// # use serde_json::json;
    /// # struct Notes;
    /// # impl Plugin for Notes { fn router() -> Router { Router::new() } }
    /// # let host = TestHost::<Notes>::from_manifest("id = \"notes\"\nname = \"Notes\"\nversion = \"0.1.0\"\nhost-api = \"^0.2\"\n[capabilities]\nevents = { emit = [\"notes.*\"] }");
    /// host.with_ctx(&Caller::host(), |ctx| ctx.emit("notes.created", &json!({ "id": "n1" })))?;
    /// host.advance(1_000);
    /// host.with_ctx(&Caller::host(), |ctx| ctx.emit("notes.deleted", &json!({ "id": "n1" })))?;
    /// let events = host.events();
    /// let names: Vec<&str> = events.iter().map(|e| e.name.as_str()).collect();
    /// assert_eq!(names, ["notes.created", "notes.deleted"]);
    /// assert_eq!(events[1].occurred_at, START + 1_000);
    /// # Ok::<(), immcase_sdk::Error>(())
    /// ```
    pub fn events(&self) -> Vec<EmittedEvent> {
        self.shared.world.borrow().events.clone()
    }

    /// The pending timers, by key.
    ///
    /// ```
    /// # use immcase_sdk::{Caller, Plugin, Result, Router, testing::{START, TestHost}};
    /// # struct Notes;
    /// # impl Plugin for Notes { fn router() -> Router { Router::new() } }
    /// # let host = TestHost::<Notes>::from_manifest("id = \"notes\"\nname = \"Notes\"\nversion = \"0.1.0\"\nhost-api = \"^0.2\"\n[capabilities]\nschedule = true");
    /// host.with_ctx(&Caller::host(), |ctx| -> Result<()> {
    ///     ctx.schedule_at(START + 1_000, "b", &())?;
    ///     ctx.schedule_at(START + 2_000, "a", &())
    /// })?;
    /// let keys: Vec<String> = host.timers().into_iter().map(|t| t.key).collect();
    /// assert_eq!(keys, ["a", "b"]); // by key, not by time
    /// # Ok::<(), immcase_sdk::Error>(())
    /// ```
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
    ///
    /// ```
    /// # use immcase_sdk::testing::TestHost;
    /// # use immcase_sdk::{Caller, Plugin, Router};
    /// # struct M;
    /// # impl Plugin for M { fn router() -> Router { Router::new() } }
    /// let host = TestHost::<M>::from_manifest(
    ///     "id = \"m\"\nname = \"M\"\nversion = \"0.1.0\"\nhost-api = \"^0.2\"\n\
    ///      [capabilities]\nmail = true",
    /// );
    /// host.with_ctx(&Caller::host(), |ctx| ctx.send_mail("ana@example.com", "Hello", "Welcome"))?;
    /// assert_eq!(host.mail()[0].subject, "Hello");
    /// let refused = host.with_ctx(&Caller::host(), |ctx| ctx.send_mail("ana", "Hello", ""));
    /// assert_eq!(refused.map_err(|e| e.message().to_owned()), Err("\"ana\" is not an email address".into()));
    /// # Ok::<(), immcase_sdk::Error>(())
    /// ```
    pub fn mail(&self) -> Vec<Mail> {
        self.shared.world.borrow().mail.clone()
    }

    /// The messages queued with [`Ctx::send_message`](crate::Ctx::send_message)
    /// by calls that succeeded, in order, with their copies and attachments
    /// (those of `send_mail` are in [`TestHost::mail`]).
    ///
    /// ```
    /// # use immcase_sdk::testing::TestHost;
    /// # use immcase_sdk::{Caller, Message, Plugin, Router};
    /// # struct M;
    /// # impl Plugin for M { fn router() -> Router { Router::new() } }
    /// let host = TestHost::<M>::from_manifest(
    ///     "id = \"m\"\nname = \"M\"\nversion = \"0.1.0\"\nhost-api = \"^0.2.2\"\n\
    ///      [capabilities]\nmail = true",
    /// );
    /// let invite = Message::new("Appointment", "Attached.")
    ///     .to("ana@example.com")
    ///     .attach("invite.ics", "text/calendar; method=REQUEST", "BEGIN:VCALENDAR");
    /// host.with_ctx(&Caller::host(), |ctx| ctx.send_message(&invite))?;
    /// let sent = &host.messages()[0];
    /// assert_eq!(sent.attachments[0].name, "invite.ics");
    /// assert_eq!(sent.attachments[0].content, b"BEGIN:VCALENDAR");
    /// assert!(host.mail().is_empty());
    /// # Ok::<(), immcase_sdk::Error>(())
    /// ```
    pub fn messages(&self) -> Vec<crate::Message> {
        self.shared.world.borrow().messages.clone()
    }

    /// The notifications sent in calls that succeeded, oldest first.
    pub fn notifications(&self) -> Vec<Notified> {
        self.shared.world.borrow().notifications.clone()
    }

    /// Says whether `person_id` wants `kind` by email, as they would choose
    /// on their notifications page.
    pub fn choose_email(&self, person_id: &str, kind: &str, email: bool) {
        self.shared
            .world
            .borrow_mut()
            .email_choices
            .insert((person_id.to_owned(), kind.to_owned()), email);
    }

    /// The module's documents in global search, by id.
    ///
    /// ```
    /// # use immcase_sdk::{Caller, Plugin, Result, Router, SearchEntry, testing::TestHost};
    /// # fn entry(id: &str, title: &str) -> SearchEntry {
    /// #     let (id, title, path) = (id.to_owned(), title.to_owned(), format!("/notes/{id}"));
    /// #     SearchEntry { id, title, body: String::new(), path, permission: None }
    /// # }
    /// # struct Notes;
    /// # impl Plugin for Notes { fn router() -> Router { Router::new() } }
    /// # let host = TestHost::<Notes>::from_manifest("id = \"notes\"\nname = \"Notes\"\nversion = \"0.1.0\"\nhost-api = \"^0.2\"\n[capabilities]\nsearch = true");
    /// host.with_ctx(&Caller::host(), |ctx| -> Result<()> {
    ///     ctx.search_put(&entry("n2", "Call Bo"))?;
    ///     ctx.search_put(&entry("n1", "Call Ana"))
    /// })?;
    /// let titles: Vec<String> = host.search_docs().into_iter().map(|d| d.entry.title).collect();
    /// assert_eq!(titles, ["Call Ana", "Call Bo"]); // by id
    /// # Ok::<(), immcase_sdk::Error>(())
    /// ```
    pub fn search_docs(&self) -> Vec<SearchDoc> {
        self.shared
            .world
            .borrow()
            .search
            .values()
            .cloned()
            .collect()
    }

    /// The files of `owner` as [`TestHost::add_file`] names it, described
    /// (without a case's applicant's files).
    ///
    /// ```
    /// # use immcase_sdk::{Caller, Plugin, Router, testing::TestHost};
    /// # struct Notes;
    /// # impl Plugin for Notes { fn router() -> Router { Router::new() } }
    /// # let host = TestHost::<Notes>::from_manifest("id = \"notes\"\nname = \"Notes\"\nversion = \"0.1.0\"\nhost-api = \"^0.2\"\n[capabilities]\nfiles = true");
    /// host.with_ctx(&Caller::host(), |ctx| {
    ///     ctx.attach_file("module:letters", "welcome.txt", "text/plain", b"Welcome")
    /// })?;
    /// let files = host.files("module:letters");
    /// assert_eq!((files.len(), files[0].size), (1, 7));
    /// assert!(host.files("module:invoices").is_empty());
    /// # Ok::<(), immcase_sdk::Error>(())
    /// ```
    pub fn files(&self, owner: &str) -> Vec<FileInfo> {
        let world = self.shared.world.borrow();
        world
            .files
            .iter()
            .filter(|f| f.info.owner == owner)
            .map(|f| f.info.clone())
            .collect()
    }

    /// Every line the module logged, failed calls' too.
    ///
    /// ```
    /// # use immcase_sdk::{Caller, Error, Plugin, Router, testing::TestHost};
    /// # struct Notes;
    /// # impl Plugin for Notes {
    /// #     fn router() -> Router {
    /// #         Router::new().post("/fail", |ctx, _| {
    /// #             ctx.log_info("trying");
    /// #             Err(Error::Internal("the store is full".into()))
    /// #         })
    /// #     }
    /// # }
    /// # let host = TestHost::<Notes>::from_manifest("id = \"notes\"\nname = \"Notes\"\nversion = \"0.1.0\"\nhost-api = \"^0.2\"");
    /// let ana = Caller::person("ana", &["module:notes"]);
    /// assert_eq!(host.post_json(&ana, "/fail", &()).status_code(), 500);
    /// let logs = host.logs(); // the failed call's lines are kept
    /// assert_eq!(logs[0].message, "trying");
    /// assert_eq!(logs[1].message, "internal error: the store is full");
    /// ```
    pub fn logs(&self) -> Vec<LogLine> {
        self.shared.world.borrow().logs.clone()
    }
}
