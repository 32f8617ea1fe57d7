//! What a handler can reach: the caller and the host's imports.
//!
//! Each import needs its capability in `plugin.toml` (log and settings are
//! always allowed); a component that uses one its manifest does not declare
//! is refused when loaded. A component imports only what its code can reach,
//! so an unused method costs nothing.

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::caller::Caller;
use crate::error::{Error, Result};
use crate::imports::{
    actions, directory, events, files, log, mail, records, schedule, search, settings,
};
use crate::store::Collection;

/// The context of one call: the caller, and the host's imports as methods.
#[derive(Debug, Clone)]
pub struct Ctx {
    caller: Caller,
}

/// A module's document in global search (capability `search = true`).
/// People find it by its title and body while the module is enabled and
/// they hold `module:{id}` (and `permission`, when set).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SearchEntry {
    /// Unique within the module: 1 to 200 letters, digits and `- _ . : @`.
    pub id: String,
    /// 1 to 300 characters.
    pub title: String,
    /// At most 100 KiB; its first line is shown under the title.
    pub body: String,
    /// Where a result leads, below the module's page mount (`/m/{module}`):
    /// starts with `/`, without `..`, spaces or backslashes.
    pub path: String,
    /// The permission a person needs to see the result: one the module
    /// declares, `module:{id}`, or a host permission.
    pub permission: Option<String>,
}

impl Ctx {
    /// A context for `caller` (the SDK makes one per call; tests may too).
    pub fn new(caller: Caller) -> Self {
        Self { caller }
    }

    /// Who the call is for.
    pub fn caller(&self) -> &Caller {
        &self.caller
    }

    /// [`Error::Forbidden`] naming `permission` unless the caller holds it.
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
    pub fn collection<T: Serialize + DeserializeOwned>(&self, name: &str) -> Collection<T> {
        Collection::new(name)
    }

    // --- events ----------------------------------------------------------

    /// Emits the event `name` (matching the manifest's `emit` patterns) with
    /// `payload` as JSON; returns the event's id. It is kept only if the whole
    /// call succeeds.
    pub fn emit(&self, name: &str, payload: &impl Serialize) -> Result<String> {
        Ok(events::emit(name, &to_json(payload)?)?)
    }

    // --- schedule --------------------------------------------------------

    /// Schedules (or moves) the timer `key` for `due` (ms since the epoch);
    /// the host calls [`crate::Plugin::on_timer`] with `payload` then.
    pub fn schedule_at(&self, due: i64, key: &str, payload: &impl Serialize) -> Result<()> {
        Ok(schedule::at(due, key, &to_json(payload)?)?)
    }

    /// Cancels the timer `key`; returns whether there was one.
    pub fn cancel_timer(&self, key: &str) -> Result<bool> {
        Ok(schedule::cancel(key)?)
    }

    /// The host's clock (ms since the epoch), the one that fires timers.
    /// Needs `schedule = true`.
    pub fn now(&self) -> i64 {
        schedule::now()
    }

    // --- directory -------------------------------------------------------

    /// A person of the practice (active or not); `None` for an unknown id.
    /// Needs `directory = true` under `[capabilities]`.
    pub fn person(&self, id: &str) -> Result<Option<Person>> {
        Ok(directory::get(id)?.map(Person::from))
    }

    /// The active people who hold `permission`, by name (at most 500).
    pub fn people_holding(&self, permission: &str) -> Result<Vec<Person>> {
        Ok(directory::holding(permission)?
            .into_iter()
            .map(Person::from)
            .collect())
    }

    // --- mail ------------------------------------------------------------

    /// Queues an email through the host's outbox; it is sent after the call succeeds.
    pub fn send_mail(&self, to: &str, subject: &str, body: &str) -> Result<()> {
        Ok(mail::send(to, subject, body)?)
    }

    // --- settings --------------------------------------------------------

    /// The module's settings for this practice (declared under `[settings]`,
    /// defaults filled in and validated by the host), decoded as `T`.
    pub fn settings<T: DeserializeOwned>(&self) -> Result<T> {
        let json = settings::get()?;
        serde_json::from_str(&json)
            .map_err(|e| Error::Internal(format!("settings do not match the module's type: {e}")))
    }

    // --- records ---------------------------------------------------------

    /// An applicant, as `GET /api/v1/applicants/{id}` shows it to the caller
    /// (needs `records = ["applicants:read"]`). Without a person behind the
    /// call (events, timers), every field: the module's own rights.
    /// [`Error::NotFound`] for one in the trash or unknown.
    pub fn applicant(&self, id: &str) -> Result<Value> {
        from_json(&records::get_applicant(id)?)
    }

    /// A case, as `GET /api/v1/cases/{id}` shows it to the caller (needs
    /// `records = ["cases:read"]`).
    pub fn case(&self, id: &str) -> Result<Value> {
        from_json(&records::get_case(id)?)
    }

    /// The case with this folio (`CAS014`, as people type it), as
    /// [`Ctx::case`] reads it; `None` when there is none (host API 0.1.2).
    pub fn case_by_folio(&self, folio: &str) -> Result<Option<Value>> {
        records::find_case_by_folio(folio)?
            .map(|json| from_json(&json))
            .transpose()
    }

    /// The applicants with this email address (any case), oldest first, at
    /// most 50 (needs `records = ["applicants:read"]`).
    pub fn applicants_by_email(&self, email: &str) -> Result<Vec<Value>> {
        records::find_applicants_by_email(email)?
            .iter()
            .map(|json| from_json(json))
            .collect()
    }

    // --- files -----------------------------------------------------------

    /// The files of `owner`: `applicant:{id}`, `case:{id}`, or
    /// `module:{key}` for the module's own files (host API 0.1.2), which
    /// only this module reaches and whose access it decides.
    pub fn files(&self, owner: &str) -> Result<Vec<Value>> {
        files::list(owner)?
            .iter()
            .map(|json| from_json(json))
            .collect()
    }

    /// A file's content.
    pub fn read_file(&self, id: &str) -> Result<Vec<u8>> {
        Ok(files::read(id)?)
    }

    /// Attaches a new file to `owner` (as for [`Ctx::files`]); returns the
    /// file's description. A file over the server's size limit, or one the
    /// practice's quota has no room for, is [`Error::Invalid`] saying so.
    pub fn attach_file(
        &self,
        owner: &str,
        name: &str,
        content_type: &str,
        content: &[u8],
    ) -> Result<Value> {
        from_json(&files::attach(owner, name, content_type, content)?)
    }

    // --- actions of other modules ----------------------------------------

    /// Calls the action `name` of the module `module` (listed in the
    /// manifest under `[capabilities] actions` as `{module}.{name}` or
    /// `{module}.*`), for this call's caller; host API 0.1.2. Its changes
    /// are kept only if this call succeeds too. A module that is not enabled
    /// is [`Error::NotFound`]; the action's own errors come back as they are.
    pub fn call_action(&self, module: &str, name: &str, input: &impl Serialize) -> Result<Value> {
        let input = serde_json::to_string(input)
            .map_err(|e| Error::Invalid(format!("the action's input is not JSON: {e}")))?;
        from_json(&actions::call(module, name, &input)?)
    }

    // --- search ----------------------------------------------------------

    /// Adds or replaces one of the module's documents in global search
    /// (kept with the rest of the call's changes). A wrong entry is
    /// [`Error::Invalid`] saying why; see [`SearchEntry`] for the rules.
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
    pub fn search_remove(&self, id: &str) -> Result<()> {
        Ok(search::remove(id)?)
    }

    // --- log -------------------------------------------------------------

    /// A debug line in the host's log, tagged with module and practice.
    pub fn log_debug(&self, message: &str) {
        log::write(log::Level::Debug, message);
    }

    /// An info line in the host's log.
    pub fn log_info(&self, message: &str) {
        log::write(log::Level::Info, message);
    }

    /// A warning in the host's log.
    pub fn log_warn(&self, message: &str) {
        log::write(log::Level::Warn, message);
    }

    /// An error in the host's log.
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

/// A person of the practice, as [`Ctx::person`] gives them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Person {
    pub id: String,
    pub email: String,
    pub display_name: String,
    /// IANA name, e.g. `America/Toronto`.
    pub time_zone: String,
    /// False for a disabled account.
    pub active: bool,
}

impl From<directory::Person> for Person {
    fn from(p: directory::Person) -> Person {
        Person {
            id: p.id,
            email: p.email,
            display_name: p.display_name,
            time_zone: p.time_zone,
            active: p.active,
        }
    }
}
