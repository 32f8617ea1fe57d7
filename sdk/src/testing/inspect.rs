//! What the module's calls left: documents, events, timers, mail, search
//! entries, files and log lines; and the settings they read.

use serde_json::Value;

use super::TestHost;
use super::world::{EmittedEvent, LogLine, Mail, PendingTimer, SearchDoc};
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
    ///     "id = \"notes\"\nname = \"Notes\"\nversion = \"0.1.0\"\nhost-api = \"^0.1\"\ndescription = \"\"\n\
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
    ///
    /// ```
    /// # use immcase_sdk::testing::TestHost;
    /// # use immcase_sdk::{Caller, Plugin, Router};
    /// # struct M;
    /// # impl Plugin for M { fn router() -> Router { Router::new() } }
    /// let host = TestHost::<M>::from_manifest(
    ///     "id = \"m\"\nname = \"M\"\nversion = \"0.1.0\"\nhost-api = \"^0.1.2\"\n\
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
