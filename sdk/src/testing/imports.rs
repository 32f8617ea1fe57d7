//! The imports as the test host answers them: the SDK's import layer
//! (`crate::imports`) calls these natively with the `testing` feature.
//!
//! Each runs against the test host installed on this thread by the call in
//! progress, refuses an interface the manifest does not declare as the host
//! refuses to load such a component (a panic naming it: the module would not
//! load), and otherwise checks what the host checks, with its words. The
//! document store, records, files and search are in files of their own.

use std::cell::RefCell;
use std::rc::Rc;

use immcase_manifest::checks;
use serde_json::Value;

use super::world::{EmittedEvent, LogLevel, Mail, PendingTimer, Shared};
use crate::wit::immcase::plugin::directory::Person as WitPerson;
use crate::wit::immcase::plugin::files::FileInfo;
use crate::wit::immcase::plugin::log::Level;
use crate::wit::immcase::plugin::mail::Message as WitMessage;
use crate::wit::immcase::plugin::records::{Applicant, Case};
use crate::wit::immcase::plugin::search::Entry;
use crate::wit::immcase::plugin::store::{Document, Page, QuerySpec};
use crate::wit::immcase::plugin::types::Error;

thread_local! {
    static CURRENT: RefCell<Option<Rc<Shared>>> = const { RefCell::new(None) };
}

/// Puts `shared` on this thread for the length of a call; the previous one
/// (if a test nests calls) comes back when dropped.
pub(crate) struct Installed {
    previous: Option<Rc<Shared>>,
}

impl Installed {
    pub fn new(shared: &Rc<Shared>) -> Self {
        let previous = CURRENT.with(|c| c.replace(Some(Rc::clone(shared))));
        Self { previous }
    }
}

impl Drop for Installed {
    fn drop(&mut self) {
        let previous = self.previous.take();
        CURRENT.with(|c| *c.borrow_mut() = previous);
    }
}

/// Runs `f` on the installed test host after checking that the manifest
/// declares `interface`.
#[track_caller]
pub(super) fn on<T>(interface: &str, f: impl FnOnce(&Shared) -> T) -> T {
    let shared = CURRENT.with(|c| c.borrow().clone()).unwrap_or_else(|| {
        panic!(
            "no ImmCase test host is running a call on this thread: make the call through \
             `immcase_sdk::testing::TestHost` (request, deliver_event, run_due_timers, \
             call_action or with_ctx)"
        )
    });
    if !shared.manifest.allowed_interfaces().contains(&interface) {
        panic!(
            "module `{}` imports the `{interface}` interface, which its plugin.toml does not declare under [capabilities]",
            shared.id()
        );
    }
    f(&shared)
}

/// JSON text of at most `max` bytes, as the host reads payloads.
pub(super) fn json_text(what: &str, text: &str, max: usize) -> Result<Value, Error> {
    checks::json_text(what, text, max).map_err(Error::Invalid)
}

// store, records, files, search ----------------------------------------------

pub(crate) fn store_get(collection: &str, id: &str) -> Result<Option<Document>, Error> {
    on("store", |host| host.store_get(collection, id))
}

pub(crate) fn store_put(
    collection: &str,
    id: &str,
    data: &str,
    expected: Option<u64>,
) -> Result<Document, Error> {
    on("store", |host| {
        host.store_put(collection, id, data, expected)
    })
}

pub(crate) fn store_delete(
    collection: &str,
    id: &str,
    expected: Option<u64>,
) -> Result<bool, Error> {
    on("store", |host| host.store_delete(collection, id, expected))
}

pub(crate) fn store_query(collection: &str, q: &QuerySpec) -> Result<Page, Error> {
    on("store", |host| host.store_query(collection, q))
}

pub(crate) fn get_applicant(id: &str) -> Result<Applicant, Error> {
    on("records", |host| host.get_applicant(id))
}

pub(crate) fn get_case(id: &str) -> Result<Case, Error> {
    on("records", |host| host.get_case(id))
}

pub(crate) fn find_applicants_by_email(email: &str) -> Result<Vec<Applicant>, Error> {
    on("records", |host| host.find_applicants_by_email(email))
}

pub(crate) fn find_case_by_folio(folio: &str) -> Result<Option<Case>, Error> {
    on("records", |host| host.find_case_by_folio(folio))
}

pub(crate) fn files_list(owner: &str) -> Result<Vec<FileInfo>, Error> {
    on("files", |host| host.files_list(owner))
}

pub(crate) fn files_read(id: &str) -> Result<Vec<u8>, Error> {
    on("files", |host| host.files_read(id))
}

pub(crate) fn files_attach(
    owner: &str,
    name: &str,
    content_type: &str,
    content: &[u8],
) -> Result<FileInfo, Error> {
    on("files", |host| {
        host.files_attach(owner, name, content_type, content)
    })
}

pub(crate) fn search_put(entry: &Entry, readers: Option<&[String]>) -> Result<(), Error> {
    on("search", |host| host.search_put(entry, readers))
}

pub(crate) fn search_remove(id: &str) -> Result<(), Error> {
    on("search", |host| host.search_remove(id))
}

// events ---------------------------------------------------------------------

pub(crate) fn emit(name: &str, payload: &str) -> Result<String, Error> {
    on("events", |host| {
        checks::emit(&host.manifest, name).map_err(|refused| match refused {
            checks::Refused::Invalid(m) => Error::Invalid(m),
            checks::Refused::Forbidden(m) => Error::Forbidden(m),
        })?;
        let payload = json_text("the payload", payload, checks::EVENT_PAYLOAD_MAX_BYTES)?;
        let mut world = host.world.borrow_mut();
        let id = crate::new_id();
        let occurred_at = world.now;
        world.events.push(EmittedEvent {
            id: id.clone(),
            name: name.to_owned(),
            payload,
            occurred_at,
        });
        Ok(id)
    })
}

// schedule -------------------------------------------------------------------

pub(crate) fn schedule_at(due: i64, key: &str, payload: &str) -> Result<(), Error> {
    on("schedule", |host| {
        immcase_manifest::checks::timer_key(key).map_err(Error::Invalid)?;
        let payload = json_text("the payload", payload, checks::TIMER_PAYLOAD_MAX_BYTES)?;
        let timer = PendingTimer {
            key: key.to_owned(),
            payload,
            due_at: due,
        };
        host.world.borrow_mut().timers.insert(key.to_owned(), timer);
        Ok(())
    })
}

pub(crate) fn schedule_cancel(key: &str) -> Result<bool, Error> {
    on("schedule", |host| {
        Ok(host.world.borrow_mut().timers.remove(key).is_some())
    })
}

pub(crate) fn now() -> i64 {
    on("schedule", |host| host.world.borrow().now)
}

// mail -----------------------------------------------------------------------

/// An address as the host's outbox takes it: `local@domain`, no spaces or
/// angle brackets, a dotted domain without empty labels.
pub(super) fn is_email_address(to: &str) -> bool {
    let Some((local, domain)) = to.rsplit_once('@') else {
        return false;
    };
    !local.is_empty()
        && local.len() <= 64
        && !domain.is_empty()
        && domain.split('.').all(|label| {
            !label.is_empty() && label.chars().all(|c| c.is_alphanumeric() || c == '-')
        })
        && !to
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || matches!(c, '<' | '>' | ',' | ';'))
}

pub(crate) fn send_mail(to: &str, subject: &str, body: &str) -> Result<(), Error> {
    on("mail", |host| {
        if !is_email_address(to) {
            return Err(Error::Invalid(format!("{to:?} is not an email address")));
        }
        checks::mail_subject(subject).map_err(Error::Invalid)?;
        checks::mail_body(body).map_err(Error::Invalid)?;
        host.world.borrow_mut().mail.push(Mail {
            to: to.to_owned(),
            subject: subject.to_owned(),
            body: body.to_owned(),
        });
        Ok(())
    })
}

/// As the host: the message's addresses, subject, body and attachments
/// checked with its rules and words (0.2.2), then kept whole.
pub(crate) fn send_message(message: &WitMessage) -> Result<(), Error> {
    on("mail", |host| {
        let attachments: Vec<checks::MailAttachment> = message
            .attachments
            .iter()
            .map(|a| checks::MailAttachment {
                name: &a.name,
                content_type: &a.content_type,
                size: a.content.len(),
            })
            .collect();
        let checked = checks::MailMessage {
            to: &message.to,
            cc: &message.cc,
            reply_to: message.reply_to.as_deref(),
            subject: &message.subject,
            body: &message.body,
            attachments: &attachments,
        };
        checks::mail_message(&checked, is_email_address).map_err(Error::Invalid)?;
        host.world
            .borrow_mut()
            .messages
            .push(crate::Message::from(message.clone()));
        Ok(())
    })
}

// notifications ----------------------------------------------------------------

/// As the host: the kind must be declared, the text one line of 1 to 300
/// characters, the link a path; someone not in the directory or disabled
/// is skipped; the email goes when the person wants the kind by email.
pub(crate) fn notify(
    n: &crate::wit::immcase::plugin::notifications::Notification,
) -> Result<(), Error> {
    on("notifications", |host| {
        let Some(kind) = host
            .manifest
            .notifications
            .iter()
            .find(|k| k.kind == n.kind)
        else {
            return Err(Error::Forbidden(format!(
                "the kind {:?} is not declared under [[notifications]] in plugin.toml",
                n.kind
            )));
        };
        let text = n.text.trim();
        if text.is_empty() || text.chars().count() > 300 || text.contains(['\r', '\n']) {
            return Err(Error::Invalid(
                "a notification's text has 1 to 300 characters on one line".into(),
            ));
        }
        if !n.link.starts_with('/')
            || n.link.starts_with("//")
            || n.link.contains(char::is_whitespace)
        {
            return Err(Error::Invalid(format!(
                "{:?} is not a path in the app",
                n.link
            )));
        }
        if n.email_subject.trim().is_empty() || n.email_subject.contains(['\r', '\n']) {
            return Err(Error::Invalid(
                "an email subject has 1 to 300 characters on one line".into(),
            ));
        }
        let mut world = host.world.borrow_mut();
        let Some((person, _)) = world.people.get(&n.person_id).cloned() else {
            return Ok(());
        };
        if !person.active {
            return Ok(());
        }
        world.notifications.push(super::world::Notified {
            person_id: n.person_id.clone(),
            kind: n.kind.clone(),
            text: text.to_owned(),
            link: n.link.clone(),
        });
        let by_email = world
            .email_choices
            .get(&(n.person_id.clone(), n.kind.clone()))
            .copied()
            .unwrap_or(kind.email);
        if by_email {
            world.mail.push(Mail {
                to: person.email.clone(),
                subject: n.email_subject.clone(),
                body: n.email_body.clone(),
            });
        }
        Ok(())
    })
}

// directory ------------------------------------------------------------------

fn wit_person(person: &crate::people::Person) -> WitPerson {
    WitPerson {
        id: person.id.clone(),
        email: person.email.clone(),
        display_name: person.display_name.clone(),
        time_zone: person.time_zone.clone(),
        active: person.active,
    }
}

pub(crate) fn person(id: &str) -> Result<Option<WitPerson>, Error> {
    on("directory", |host| {
        if id.is_empty() || id.len() > 100 {
            return Err(Error::Invalid(format!("{id:?} is not a person's id")));
        }
        let world = host.world.borrow();
        Ok(world.people.get(id).map(|(person, _)| wit_person(person)))
    })
}

pub(crate) fn people_holding(permission: &str) -> Result<Vec<WitPerson>, Error> {
    on("directory", |host| {
        if permission.is_empty() || permission.len() > 200 {
            return Err(Error::Invalid(format!(
                "{permission:?} is not a permission"
            )));
        }
        let world = host.world.borrow();
        let mut found: Vec<WitPerson> = world
            .people
            .values()
            .filter(|(person, held)| {
                person.active
                    && crate::Caller {
                        permissions: held.clone(),
                        ..crate::Caller::default()
                    }
                    .can(permission)
            })
            .map(|(person, _)| wit_person(person))
            .collect();
        found.sort_by(|a, b| a.display_name.cmp(&b.display_name));
        found.truncate(500);
        Ok(found)
    })
}

// actions --------------------------------------------------------------------

pub(crate) fn call_action(module: &str, name: &str, input: &str) -> Result<String, Error> {
    let stub = on("actions", |host| {
        if !host.manifest.may_call(module, name) {
            return Err(Error::Forbidden(format!(
                "module `{}` does not list the action `{module}.{name}` under [capabilities] actions",
                host.id()
            )));
        }
        let stub = host
            .stubs
            .borrow()
            .get(&format!("{module}.{name}"))
            .cloned()
            .ok_or_else(|| Error::NotFound(format!("module `{module}` is not enabled here")))?;
        let permission = format!("module:{module}");
        if let Some(person) = host.person()
            && !person.can(&permission)
        {
            return Err(Error::Forbidden(format!(
                "the person this call is for lacks `{permission}`"
            )));
        }
        Ok((stub, host.caller.borrow().clone()))
    });
    let (stub, caller) = stub?;
    let input: Value = serde_json::from_str(input)
        .map_err(|e| Error::Invalid(format!("action input is not JSON: {e}")))?;
    // Called without holding anything of the host: the stub may look at it.
    // A stub that panics is an action that trapped: `internal`, as the host
    // answers.
    let answer = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| stub(&caller, input)));
    match answer {
        Ok(Ok(output)) => Ok(output.to_string()),
        Ok(Err(e)) => Err(e.into_wit()),
        Err(panic) => {
            let why = panic
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_default();
            Err(Error::Internal(format!(
                "the action {module}.{name} trapped: {why}"
            )))
        }
    }
}

// practice, settings, log ----------------------------------------------------

pub(crate) fn letterhead() -> Result<crate::wit::immcase::plugin::practice::Letterhead, Error> {
    on("practice", |host| {
        Ok((&host.world.borrow().letterhead).into())
    })
}

pub(crate) fn settings() -> Result<String, Error> {
    on("settings", |host| {
        Ok(Value::Object(host.world.borrow().settings.clone()).to_string())
    })
}

pub(crate) fn log(level: Level, message: &str) {
    on("log", |host| {
        let level = match level {
            Level::Debug => LogLevel::Debug,
            Level::Info => LogLevel::Info,
            Level::Warn => LogLevel::Warn,
            Level::Error => LogLevel::Error,
        };
        host.world.borrow_mut().logs.push(super::LogLine {
            level,
            message: message.chars().take(4000).collect(),
        });
    });
}

pub(crate) use super::mailboxes::{
    fetch_mailbox, mailboxes, read_mailbox_message, send_letter, signature,
};
