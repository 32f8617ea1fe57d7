//! The test host's mailboxes (host API 0.2.3): mailboxes a test adds with
//! their readers, raw messages it hands in as the host's fetcher does
//! (with the `mailbox.received` event), and the letters calls queue.

use immcase_manifest::checks;
use serde::Serialize;

use super::TestHost;
use super::imports::{is_email_address, on};
use crate::Plugin;
use crate::wit::immcase::plugin::mail::{Letter as WitLetter, Queued as WitQueued};
use crate::wit::immcase::plugin::mailboxes::Mailbox as WitMailbox;
use crate::wit::immcase::plugin::types::Error;

#[derive(Serialize)]
struct Received<'a> {
    mailbox_id: &'a str,
    message_id: &'a str,
    size: usize,
}

impl<P: Plugin> TestHost<P> {
    /// Adds a mailbox of the practice, read by the people `readers` (the
    /// owner of a personal one reads it too).
    pub fn add_mailbox(&self, mailbox: crate::Mailbox, readers: &[&str]) {
        let readers = readers.iter().map(|r| (*r).to_owned()).collect();
        self.shared
            .world
            .borrow_mut()
            .mailboxes
            .push((mailbox, readers));
    }

    /// Hands the module a raw message of `mailbox_id` as the host's fetcher
    /// does: it is kept for `read_mailbox_message`, and the event
    /// `mailbox.received` `{mailbox_id, message_id, size}` is delivered.
    /// Returns the message's id; panics if the module's `on_event` fails
    /// (use [`TestHost::deliver_event`] to see such an error).
    pub fn receive_mail(&self, mailbox_id: &str, raw: &[u8]) -> String {
        let id = crate::new_id();
        self.shared
            .world
            .borrow_mut()
            .raw_mail
            .insert(id.clone(), (mailbox_id.to_owned(), raw.to_vec()));
        let event = Received {
            mailbox_id,
            message_id: &id,
            size: raw.len(),
        };
        if let Err(e) = self.deliver_event("mailbox.received", &event) {
            panic!("the module failed on mailbox.received: {e:?}");
        }
        id
    }

    /// The letters queued by calls that succeeded, in order, each with
    /// what the host answered.
    pub fn letters(&self) -> Vec<(crate::Letter, crate::Queued)> {
        self.shared.world.borrow().letters.clone()
    }

    /// Sets `person_id`'s email signature, as Settings → My email account
    /// keeps it.
    pub fn set_signature(&self, person_id: &str, signature: &str) {
        self.shared
            .world
            .borrow_mut()
            .signatures
            .insert(person_id.to_owned(), signature.to_owned());
    }

    /// The mailboxes whose fetch calls asked for, in order.
    pub fn fetch_requests(&self) -> Vec<String> {
        self.shared.world.borrow().fetch_requests.clone()
    }
}

/// Whether the running call's caller reads `mailbox_id` (the host's own
/// calls read every mailbox).
fn reads(host: &super::world::Shared, mailbox_id: &str) -> bool {
    let caller = host.caller.borrow();
    let Some(user) = caller.user_id.as_deref() else {
        return host
            .world
            .borrow()
            .mailboxes
            .iter()
            .any(|(m, _)| m.id == mailbox_id);
    };
    host.world.borrow().mailboxes.iter().any(|(m, readers)| {
        m.id == mailbox_id
            && (m.owner_id.as_deref() == Some(user) || readers.iter().any(|r| r == user))
    })
}

/// As the host: checked as a message and a letter, from a mailbox the
/// caller reads, with a `Message-ID` of the mailbox's domain.
pub(crate) fn send_letter(letter: &WitLetter) -> Result<WitQueued, Error> {
    on("mail", |host| {
        let attachments: Vec<checks::MailAttachment> = letter
            .attachments
            .iter()
            .map(|a| checks::MailAttachment {
                name: &a.name,
                content_type: &a.content_type,
                size: a.content.len(),
            })
            .collect();
        let checked = checks::MailMessage {
            to: &letter.to,
            cc: &letter.cc,
            reply_to: letter.reply_to.as_deref(),
            subject: &letter.subject,
            body: &letter.body,
            attachments: &attachments,
        };
        checks::mail_message(&checked, is_email_address).map_err(Error::Invalid)?;
        checks::letter_extras(
            letter.to.len() + letter.cc.len(),
            &letter.bcc,
            letter.in_reply_to.as_deref(),
            &letter.references,
            is_email_address,
        )
        .map_err(Error::Invalid)?;
        let domain = match &letter.mailbox_id {
            Some(id) => {
                if !reads(host, id) {
                    return Err(Error::Forbidden(format!(
                        "the mailbox {id} is not one you read"
                    )));
                }
                let world = host.world.borrow();
                let address = world
                    .mailboxes
                    .iter()
                    .find(|(m, _)| &m.id == id)
                    .map(|(m, _)| m.address.clone())
                    .unwrap_or_default();
                address
                    .rsplit_once('@')
                    .map(|(_, d)| d.to_owned())
                    .unwrap_or_default()
            }
            None => "example.com".to_owned(),
        };
        let mut world = host.world.borrow_mut();
        let queued = WitQueued {
            outbox_id: (world.letters.len() + 1).to_string(),
            message_id: format!("<{}@{domain}>", crate::new_id()),
        };
        world.letters.push((
            crate::Letter::from(letter.clone()),
            crate::Queued::from(queued.clone()),
        ));
        Ok(queued)
    })
}

pub(crate) fn mailboxes() -> Result<Vec<WitMailbox>, Error> {
    on("mailboxes", |host| {
        let all: Vec<crate::Mailbox> = host
            .world
            .borrow()
            .mailboxes
            .iter()
            .map(|(m, _)| m.clone())
            .collect();
        Ok(all
            .iter()
            .filter(|m| reads(host, &m.id))
            .map(WitMailbox::from)
            .collect())
    })
}

pub(crate) fn read_mailbox_message(id: &str) -> Result<Vec<u8>, Error> {
    on("mailboxes", |host| {
        let found = host.world.borrow().raw_mail.get(id).cloned();
        match found {
            Some((mailbox, raw)) if reads(host, &mailbox) => Ok(raw),
            _ => Err(Error::NotFound(format!("no message {id}"))),
        }
    })
}

pub(crate) fn fetch_mailbox(mailbox_id: &str) -> Result<(), Error> {
    on("mailboxes", |host| {
        if !reads(host, mailbox_id) {
            return Err(Error::NotFound(format!("no mailbox {mailbox_id}")));
        }
        host.world
            .borrow_mut()
            .fetch_requests
            .push(mailbox_id.to_owned());
        Ok(())
    })
}

pub(crate) fn signature() -> Result<String, Error> {
    on("mailboxes", |host| {
        let user = host.caller.borrow().user_id.clone();
        Ok(user
            .and_then(|u| host.world.borrow().signatures.get(&u).cloned())
            .unwrap_or_default())
    })
}
