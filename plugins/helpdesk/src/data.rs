//! Where the helpdesk keeps things: its settings (the host's module
//! settings, declared in `plugin.toml`), and in the module's document store
//! the folio counter, one rotation per category, the tickets and their
//! replies, and the emails taken as replies. Also the clock, rounded to whole seconds, and people's names.

use std::collections::HashMap;

use immcase_sdk::{Collection, Ctx, Doc, Error, Result};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::rules::assignment::Rotation;
use crate::rules::settings::Settings;
use crate::rules::ticket::{Ticket, TicketView, format_folio};

pub const TICKETS: &str = "tickets";
pub const REPLIES: &str = "replies";
pub const EMAILS: &str = "emails";
const COUNTERS: &str = "counters";
const ROTATIONS: &str = "rotations";
const FOLIO_ID: &str = "folio";

/// The host's clock, to the whole second (what tickets store).
pub fn now(ctx: &Ctx) -> Timestamp {
    Timestamp::from_second(ctx.now().div_euclid(1000)).unwrap_or(Timestamp::UNIX_EPOCH)
}

/// A moment as the host's timers take it, rounded up to the whole second so
/// that a timer never fires before the rules consider it due.
pub fn timer_due(at: Timestamp) -> i64 {
    let ms = at.as_millisecond();
    ms + (1000 - ms.rem_euclid(1000)) % 1000
}

/// People's names by id, each looked up once (their email address when
/// they have no name, the id when they are not in the directory).
#[derive(Default)]
pub struct Names(HashMap<String, String>);

impl Names {
    pub fn of(&mut self, ctx: &Ctx, id: &str) -> String {
        if let Some(name) = self.0.get(id) {
            return name.clone();
        }
        let name = match ctx.person(id) {
            Ok(Some(person)) if !person.display_name.is_empty() => person.display_name,
            Ok(Some(person)) => person.email,
            _ => id.to_owned(),
        };
        self.0.insert(id.to_owned(), name.clone());
        name
    }
}

// Settings ------------------------------------------------------------------

/// The settings as an administrator saved them on the host's settings page
/// (checked there against `plugin.toml`, with the defaults filled in).
pub fn settings(ctx: &Ctx) -> Result<Settings> {
    ctx.settings()
}

// Folios --------------------------------------------------------------------

#[derive(Debug, Default, Serialize, Deserialize)]
struct Counter {
    last: u64,
}

/// The next folio: the counter document moves on with a version check, so
/// two tickets never get the same number; a stale version (or a counter
/// another ticket created at the same moment) is read again and retried.
pub fn next_folio(ctx: &Ctx) -> Result<String> {
    let counters: Collection<Counter> = ctx.collection(COUNTERS);
    for _ in 0..5 {
        let moved = match counters.get(FOLIO_ID)? {
            None => counters.insert(FOLIO_ID, &Counter { last: 1 }),
            Some(doc) => counters.update(
                FOLIO_ID,
                &Counter {
                    last: doc.data.last + 1,
                },
                doc.version,
            ),
        };
        match moved {
            Ok(doc) => return Ok(format_folio(doc.data.last)),
            Err(e) if e.status() == 409 => continue,
            Err(e) => return Err(e),
        }
    }
    Err(Error::Conflict(
        "many tickets are being filed at once: try again".into(),
    ))
}

// Rotations -----------------------------------------------------------------

/// Where round robin stands for a category, and the version to save over.
pub fn rotation(ctx: &Ctx, category: &str) -> Result<(Rotation, Option<u64>)> {
    let rotations: Collection<Rotation> = ctx.collection(ROTATIONS);
    Ok(match rotations.get(category)? {
        Some(doc) => (doc.data, Some(doc.version)),
        None => (Rotation::default(), None),
    })
}

/// Saves a category's rotation; a conflict (another ticket took a turn at
/// the same time) fails the call, so nothing of it is kept.
pub fn save_rotation(
    ctx: &Ctx,
    category: &str,
    rotation: &Rotation,
    version: Option<u64>,
) -> Result<()> {
    let rotations: Collection<Rotation> = ctx.collection(ROTATIONS);
    match version {
        None => rotations.insert(category, rotation)?,
        Some(version) => rotations.update(category, rotation, version)?,
    };
    Ok(())
}

// Tickets and replies -------------------------------------------------------

pub fn tickets(ctx: &Ctx) -> Collection<Ticket> {
    ctx.collection(TICKETS)
}

pub fn find_ticket(ctx: &Ctx, id: &str) -> Result<Doc<Ticket>> {
    tickets(ctx).get(id)?.ok_or_else(|| not_found(id))
}

pub fn not_found(id: &str) -> Error {
    Error::NotFound(format!("ticket {id} not found"))
}

/// A 409 carrying the ticket as it is now.
pub fn stale(current: &Doc<Ticket>) -> Error {
    Error::Conflict(format!(
        "ticket {} was changed in the meantime; it is now at version {}",
        current.data.folio, current.version
    ))
    .with(
        "current",
        serde_json::to_value(TicketView::of(current)).unwrap_or_default(),
    )
}

/// A reply or an internal note on a ticket.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Reply {
    pub ticket_id: String,
    /// `None` for the system (a workflow).
    pub author_id: Option<String>,
    pub author_name: String,
    pub body: String,
    /// Only agents and managers read internal notes.
    pub internal: bool,
    pub created_at: Timestamp,
    /// How it came when not written on the ticket's page: `email`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub via: Option<Via>,
    /// The Message-ID of the email it came in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email_message_id: Option<String>,
}

/// How a reply came.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Via {
    /// A reply by email to one of the ticket's mails.
    Email,
}

pub fn replies(ctx: &Ctx) -> Collection<Reply> {
    ctx.collection(REPLIES)
}

/// A ticket's replies, oldest first (ids sort by creation time).
pub fn replies_of(ctx: &Ctx, ticket_id: &str) -> Result<Vec<Doc<Reply>>> {
    let mut all = Vec::new();
    let mut cursor = None;
    loop {
        let page = replies(ctx)
            .query()
            .where_eq("ticket_id", ticket_id)
            .limit(500)
            .after(cursor)
            .fetch()?;
        all.extend(page.items);
        match page.next_cursor {
            Some(next) => cursor = Some(next),
            None => return Ok(all),
        }
    }
}

// Emails read as replies ------------------------------------------------------

/// An email the helpdesk read as a reply to a ticket, and what came of it:
/// one document per Message-ID, so an email delivered again (or the same
/// message received in two mailboxes) is taken once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EmailRead {
    /// The email module's id of the message.
    pub email_id: String,
    pub message_id: Option<String>,
    /// The folio its subject named.
    pub folio: String,
    /// The sender's address.
    pub from: Option<String>,
    /// `added` (with the ticket), or why it was not.
    pub outcome: String,
    pub ticket_id: Option<String>,
    pub at: Timestamp,
}

pub fn emails(ctx: &Ctx) -> Collection<EmailRead> {
    ctx.collection(EMAILS)
}

/// The document id of an email read: from its Message-ID, or the email
/// module's id when it has none. `e-` and 32 hex digits of a SHA-256, as
/// Message-IDs hold characters the store's ids do not.
pub fn email_read_id(email_id: &str, message_id: Option<&str>) -> String {
    let key = match message_id.map(str::trim).filter(|m| !m.is_empty()) {
        Some(message_id) => format!("message-id\0{message_id}"),
        None => format!("email\0{email_id}"),
    };
    let digest = Sha256::digest(key.as_bytes());
    let hex: String = digest[..16].iter().map(|b| format!("{b:02x}")).collect();
    format!("e-{hex}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_email_is_read_once_per_message_id() {
        let id = email_read_id("m-1", Some("<a+b/c@mail.example>"));
        assert_eq!(id.len(), 34);
        assert!(id.starts_with("e-"));
        assert_eq!(id, email_read_id("m-2", Some("<a+b/c@mail.example>")));
        assert_ne!(id, email_read_id("m-1", Some("<other@mail.example>")));
        assert_eq!(email_read_id("m-1", None), email_read_id("m-1", Some(" ")));
        assert_ne!(email_read_id("m-1", None), email_read_id("m-2", None));
    }

    #[test]
    fn timers_are_due_on_the_whole_second_after() {
        let at = |ms| Timestamp::from_millisecond(ms).expect("time");
        assert_eq!(timer_due(at(5_000)), 5_000);
        assert_eq!(timer_due(at(5_001)), 6_000);
        assert_eq!(timer_due(at(5_999)), 6_000);
    }
}
