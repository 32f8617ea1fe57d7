//! A message written by a person, from one of the practice's mailboxes, in a
//! conversation, as [`Ctx::send_letter`](crate::Ctx::send_letter) queues it
//! (host API 0.2.3), and the practice's mailboxes
//! ([`Ctx::mailboxes`](crate::Ctx::mailboxes)).

use crate::mail::Attachment;
use crate::wit::immcase::plugin::mail as wit;
use crate::wit::immcase::plugin::mailboxes as wit_mailboxes;

/// A letter: [`Message`](crate::Message)'s fields, plus the mailbox it is
/// sent from, hidden copies and the conversation's ids. The host checks it
/// as it checks a message, and the ids as `<id@domain>`.
///
/// ```
/// use immcase_sdk::Letter;
///
/// let reply = Letter::new("Re: Documents", "Thank you, received.")
///     .from_mailbox("mb1")
///     .to("ana@example.com")
///     .bcc("archive@diaz.example")
///     .replying_to("<m1@example.com>", &["<m0@example.com>".to_string()]);
/// assert_eq!(reply.mailbox_id.as_deref(), Some("mb1"));
/// assert_eq!(reply.references, ["<m0@example.com>", "<m1@example.com>"]);
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Letter {
    /// The mailbox it is sent from (its name and address are the From);
    /// `None`: the practice's sender.
    pub mailbox_id: Option<String>,
    pub to: Vec<String>,
    pub cc: Vec<String>,
    pub bcc: Vec<String>,
    pub reply_to: Option<String>,
    pub subject: String,
    /// Plain text.
    pub body: String,
    /// The `Message-ID` answered, `<id@domain>`.
    pub in_reply_to: Option<String>,
    /// The conversation's earlier ids, oldest first.
    pub references: Vec<String>,
    pub attachments: Vec<Attachment>,
}

impl Letter {
    /// A letter with this subject and body, to nobody yet.
    pub fn new(subject: &str, body: &str) -> Letter {
        Letter {
            subject: subject.to_owned(),
            body: body.to_owned(),
            ..Letter::default()
        }
    }

    /// Sent from this mailbox.
    pub fn from_mailbox(mut self, mailbox_id: &str) -> Letter {
        self.mailbox_id = Some(mailbox_id.to_owned());
        self
    }

    pub fn to(mut self, address: &str) -> Letter {
        self.to.push(address.to_owned());
        self
    }

    pub fn cc(mut self, address: &str) -> Letter {
        self.cc.push(address.to_owned());
        self
    }

    pub fn bcc(mut self, address: &str) -> Letter {
        self.bcc.push(address.to_owned());
        self
    }

    /// An answer to `message_id`, whose own references were `references`:
    /// the letter refers to them all, the answered one last.
    pub fn replying_to(mut self, message_id: &str, references: &[String]) -> Letter {
        self.in_reply_to = Some(message_id.to_owned());
        self.references = references.to_vec();
        self.references.push(message_id.to_owned());
        self
    }

    /// Attaches a file.
    pub fn attach(mut self, name: &str, content_type: &str, content: impl Into<Vec<u8>>) -> Letter {
        self.attachments.push(Attachment {
            name: name.to_owned(),
            content_type: content_type.to_owned(),
            content: content.into(),
        });
        self
    }
}

/// A letter in the outbox.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Queued {
    /// Its id in the outbox (`mail.sent` and `mail.failed` events name it).
    pub outbox_id: String,
    /// The `Message-ID` it is sent with, `<id@domain>`.
    pub message_id: String,
}

/// A mailbox of the practice: a person's own, or a shared one (info@).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mailbox {
    pub id: String,
    pub name: String,
    /// The address mail is sent from and to.
    pub address: String,
    pub shared: bool,
    /// The person a personal mailbox belongs to.
    pub owner_id: Option<String>,
    /// When mail was last fetched (ms); `None` before the first time.
    pub fetched_at: Option<i64>,
    /// Why the last fetch failed, when it did.
    pub problem: Option<String>,
}

impl From<&Letter> for wit::Letter {
    fn from(l: &Letter) -> Self {
        wit::Letter {
            mailbox_id: l.mailbox_id.clone(),
            to: l.to.clone(),
            cc: l.cc.clone(),
            bcc: l.bcc.clone(),
            reply_to: l.reply_to.clone(),
            subject: l.subject.clone(),
            body: l.body.clone(),
            in_reply_to: l.in_reply_to.clone(),
            references: l.references.clone(),
            attachments: l
                .attachments
                .iter()
                .map(|a| wit::Attachment {
                    name: a.name.clone(),
                    content_type: a.content_type.clone(),
                    content: a.content.clone(),
                })
                .collect(),
        }
    }
}

impl From<wit::Letter> for Letter {
    fn from(l: wit::Letter) -> Self {
        Letter {
            mailbox_id: l.mailbox_id,
            to: l.to,
            cc: l.cc,
            bcc: l.bcc,
            reply_to: l.reply_to,
            subject: l.subject,
            body: l.body,
            in_reply_to: l.in_reply_to,
            references: l.references,
            attachments: l
                .attachments
                .into_iter()
                .map(|a| Attachment {
                    name: a.name,
                    content_type: a.content_type,
                    content: a.content,
                })
                .collect(),
        }
    }
}

impl From<wit::Queued> for Queued {
    fn from(q: wit::Queued) -> Self {
        Queued {
            outbox_id: q.outbox_id,
            message_id: q.message_id,
        }
    }
}

impl From<wit_mailboxes::Mailbox> for Mailbox {
    fn from(m: wit_mailboxes::Mailbox) -> Self {
        Mailbox {
            id: m.id,
            name: m.name,
            address: m.address,
            shared: m.shared,
            owner_id: m.owner_id,
            fetched_at: m.fetched_at,
            problem: m.problem,
        }
    }
}

impl From<&Mailbox> for wit_mailboxes::Mailbox {
    fn from(m: &Mailbox) -> Self {
        wit_mailboxes::Mailbox {
            id: m.id.clone(),
            name: m.name.clone(),
            address: m.address.clone(),
            shared: m.shared,
            owner_id: m.owner_id.clone(),
            fetched_at: m.fetched_at,
            problem: m.problem.clone(),
        }
    }
}
