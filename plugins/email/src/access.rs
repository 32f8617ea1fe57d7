//! Who sees what.
//!
//! A person sees a message or a thread only when they read its mailbox
//! (their own, or a shared one they were given: `ctx.mailboxes()` answers
//! exactly those), or when it was sent from the practice's sender and they
//! wrote it. Anything else is "not found", never "forbidden": another
//! person's mailbox does not exist for them. A record's tab also needs the
//! record itself to be readable (the host checks that for the caller).

use immcase_sdk::{Ctx, Doc, Error, Mailbox, Result};

use crate::data::{self, StoredMessage, Thread};

/// The person a call is for, with the mailboxes they read.
pub struct Reader {
    pub person_id: Option<String>,
    pub mailboxes: Vec<Mailbox>,
}

impl Reader {
    pub fn of(ctx: &Ctx) -> Result<Reader> {
        Ok(Reader {
            person_id: ctx.caller().user_id.clone(),
            mailboxes: ctx.mailboxes()?,
        })
    }

    /// The person's id; a call without one (an event) reads nothing here.
    pub fn person(&self) -> Result<&str> {
        self.person_id
            .as_deref()
            .ok_or_else(|| Error::Forbidden("a person's call".into()))
    }

    pub fn mailbox(&self, id: &str) -> Option<&Mailbox> {
        self.mailboxes.iter().find(|mailbox| mailbox.id == id)
    }

    /// Their own mailbox, else the first they read.
    pub fn default_mailbox(&self) -> Option<&Mailbox> {
        self.own_mailbox().or(self.mailboxes.first())
    }

    /// Their personal mailbox, if they have one.
    pub fn own_mailbox(&self) -> Option<&Mailbox> {
        self.mailboxes
            .iter()
            .find(|mailbox| !mailbox.shared && mailbox.owner_id == self.person_id)
    }

    fn reads(&self, mailbox_id: &str, author_id: Option<&String>) -> bool {
        if mailbox_id.is_empty() {
            self.person_id.is_some() && author_id == self.person_id.as_ref()
        } else {
            self.mailbox(mailbox_id).is_some()
        }
    }

    pub fn sees_message(&self, message: &StoredMessage) -> bool {
        self.reads(&message.mailbox_id, message.author_id.as_ref())
    }

    pub fn sees_thread(&self, thread: &Thread) -> bool {
        self.reads(&thread.mailbox_id, thread.author_id.as_ref())
    }

    /// The message `id`, if they see it; "not found" otherwise.
    pub fn message(&self, ctx: &Ctx, id: &str) -> Result<Doc<StoredMessage>> {
        data::messages(ctx)
            .get(id)?
            .filter(|doc| self.sees_message(&doc.data))
            .ok_or_else(|| Error::NotFound(format!("no message {id}")))
    }

    /// The thread `id`, if they see it; "not found" otherwise.
    pub fn thread(&self, ctx: &Ctx, id: &str) -> Result<Doc<Thread>> {
        data::threads(ctx)
            .get(id)?
            .filter(|doc| self.sees_thread(&doc.data))
            .ok_or_else(|| Error::NotFound(format!("no conversation {id}")))
    }
}

/// Every address of the practice's mailboxes, lowercased: never matched to
/// an applicant, never answered to.
pub fn own_addresses(mailboxes: &[Mailbox]) -> Vec<String> {
    mailboxes
        .iter()
        .map(|mailbox| mailbox.address.trim().to_lowercase())
        .collect()
}
