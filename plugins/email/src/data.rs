//! The documents the module keeps, and their ids.
//!
//! A message is stored once per mailbox and Message-ID: its document id is
//! a hash of the two ([`message_doc_id`]), so an event delivered twice, or
//! the Sent-folder copy of a message the module sent itself, finds the
//! message already there. A thread's keys (the Message-IDs it holds) are
//! documents named the same way, so finding a message's thread is a few
//! `get`s.

use immcase_sdk::{Collection, Ctx};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::rules::link::LinkReason;
use crate::rules::parse::Mailbox as Correspondent;

pub const MESSAGES: &str = "messages";
pub const THREADS: &str = "threads";
pub const THREAD_KEYS: &str = "thread_keys";
pub const LINKS: &str = "links";
pub const SEEN: &str = "seen";
pub const DRAFTS: &str = "drafts";
pub const TEMPLATES: &str = "templates";

/// The most text kept of a message's body (the rest is in the raw message).
/// With the HTML, at most 352 KiB: twice that once escaped as JSON (every
/// character a quote) still fits the store's 1 MiB documents.
pub const MAX_TEXT: usize = 160 * 1024;
/// The most raw HTML kept in the document; a larger one is read from the
/// raw message when shown.
pub const MAX_HTML: usize = 192 * 1024;

/// `prefix-` and 32 hex digits of the SHA-256 of `parts`, joined by NUL: a
/// document id from values that may hold any character.
pub fn hashed_id(prefix: &str, parts: &[&str]) -> String {
    let mut hasher = Sha256::new();
    for (at, part) in parts.iter().enumerate() {
        if at > 0 {
            hasher.update([0]);
        }
        hasher.update(part.as_bytes());
    }
    let digest = hasher.finalize();
    let hex: String = digest[..16].iter().map(|b| format!("{b:02x}")).collect();
    format!("{prefix}-{hex}")
}

/// The document id of the message `message_id` in `mailbox_id` ("" for
/// the practice's sender).
pub fn message_doc_id(mailbox_id: &str, message_id: &str) -> String {
    hashed_id("m", &[mailbox_id, message_id])
}

pub fn thread_key_id(mailbox_id: &str, key: &str) -> String {
    hashed_id("k", &[mailbox_id, key])
}

pub fn link_id(message: &str, record: &str) -> String {
    hashed_id("l", &[message, record])
}

pub fn seen_id(person_id: &str, thread_id: &str) -> String {
    hashed_id("s", &[person_id, thread_id])
}

/// Where a message stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum State {
    /// Fetched from a mailbox.
    #[default]
    Received,
    /// Written here, in the host's outbox.
    Queued,
    /// Handed to the mail server.
    Sent,
    /// The outbox gave up; `reason` says why.
    Failed,
}

impl State {
    pub fn label(self) -> &'static str {
        match self {
            State::Received => "Received",
            State::Queued => "Queued",
            State::Sent => "Sent",
            State::Failed => "Not sent",
        }
    }
}

/// A file that came with a message, or was sent with it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttachmentInfo {
    pub name: String,
    pub content_type: String,
    pub size: usize,
    #[serde(default)]
    pub content_id: Option<String>,
    #[serde(default)]
    pub inline: bool,
    /// For a sent message: the applicant's or case's file it was picked from.
    #[serde(default)]
    pub file_id: Option<String>,
    /// For a forward: the raw message (the host's id) and the position
    /// among its attachments it was taken from.
    #[serde(default)]
    pub forwarded_from: Option<(String, usize)>,
}

impl AttachmentInfo {
    /// A file of an applicant or a case, sent with a message.
    pub fn of_file(file: &immcase_sdk::FileInfo) -> Self {
        AttachmentInfo {
            name: file.name.clone(),
            content_type: file.content_type.clone(),
            size: file.size as usize,
            content_id: None,
            inline: false,
            file_id: Some(file.id.clone()),
            forwarded_from: None,
        }
    }
}

/// A message (collection `messages`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct StoredMessage {
    /// The mailbox it was received in or sent from; "" for the practice's
    /// sender (then only `author_id` reads it).
    pub mailbox_id: String,
    /// Who wrote it here, for a message sent from the module.
    #[serde(default)]
    pub author_id: Option<String>,
    /// The Message-ID without `<>`.
    pub message_id: String,
    /// The host's id of the raw message (`mailbox.received`'s `message_id`).
    #[serde(default)]
    pub raw_id: Option<String>,
    pub thread_id: String,
    pub state: State,
    #[serde(default)]
    pub reason: Option<String>,
    #[serde(default)]
    pub outbox_id: Option<String>,
    pub from: Option<Correspondent>,
    /// The sender's address, lowercased, for finding a person's messages
    /// when an applicant gains an address.
    #[serde(default)]
    pub from_address: String,
    pub to: Vec<Correspondent>,
    #[serde(default)]
    pub cc: Vec<Correspondent>,
    #[serde(default)]
    pub bcc: Vec<Correspondent>,
    #[serde(default)]
    pub reply_to: Vec<Correspondent>,
    #[serde(default)]
    pub in_reply_to: Vec<String>,
    #[serde(default)]
    pub references: Vec<String>,
    pub subject: String,
    /// When it was written (its Date) or sent, ms since the epoch.
    pub at: i64,
    pub text: String,
    /// The raw HTML part (never shown before sanitising), when it fits.
    #[serde(default)]
    pub html: Option<String>,
    /// The HTML is too large to keep here: read it from the raw message.
    #[serde(default)]
    pub html_in_raw: bool,
    #[serde(default)]
    pub attachments: Vec<AttachmentInfo>,
    /// Attachments the limits left out: (name, size).
    #[serde(default)]
    pub omitted: Vec<(String, usize)>,
    /// Folios named in the subject (`CAS014`, `TKT012`).
    #[serde(default)]
    pub folios: Vec<String>,
    /// The owners (`case:ID`) its attachments were kept as files of.
    #[serde(default)]
    pub kept_for: Vec<String>,
}

impl StoredMessage {
    pub fn sent_here(&self) -> bool {
        self.state != State::Received
    }
}

/// A conversation (collection `threads`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Thread {
    pub mailbox_id: String,
    /// For a thread of the practice's sender: the person who started it.
    #[serde(default)]
    pub author_id: Option<String>,
    pub subject: String,
    pub subject_key: String,
    pub last_at: i64,
    pub count: u32,
    /// The last message's sender, as shown.
    pub last_from: String,
    /// Its people's addresses, lowercased, the practice's own left out.
    #[serde(default)]
    pub addresses: Vec<String>,
    /// The records its messages are linked to, for the inbox's chips.
    #[serde(default)]
    pub records: Vec<String>,
}

/// One of a thread's Message-IDs (collection `thread_keys`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ThreadKey {
    pub thread_id: String,
}

/// A message linked to a record (collection `links`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Link {
    /// The message's document id.
    pub message: String,
    pub thread_id: String,
    /// `applicant:ID`, `case:ID` or `ticket:TKT012`.
    pub record: String,
    pub reason: LinkReason,
    /// Who linked it by hand.
    #[serde(default)]
    pub by: Option<String>,
}

/// What a person last saw of a thread (collection `seen`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Seen {
    pub person_id: String,
    pub mailbox_id: String,
    pub thread_id: String,
    pub at: i64,
    /// How many of the thread's messages there were.
    #[serde(default)]
    pub count: u32,
}

/// A message being written (collection `drafts`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Draft {
    #[serde(default)]
    pub author_id: String,
    #[serde(default)]
    pub mailbox_id: String,
    #[serde(default)]
    pub to: String,
    #[serde(default)]
    pub cc: String,
    #[serde(default)]
    pub bcc: String,
    #[serde(default)]
    pub subject: String,
    #[serde(default)]
    pub body: String,
    /// The message answered or forwarded (its document id).
    #[serde(default)]
    pub parent: Option<String>,
    #[serde(default)]
    pub mode: String,
    #[serde(default)]
    pub applicant_id: Option<String>,
    #[serde(default)]
    pub case_id: Option<String>,
    /// Files of the applicant or case to attach, by id.
    #[serde(default)]
    pub files: Vec<String>,
    /// A forward carries its message's attachments.
    #[serde(default)]
    pub forward_attachments: bool,
    #[serde(default)]
    pub updated_at: i64,
}

/// A reply template (collection `templates`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Template {
    pub name: String,
    pub body: String,
}

pub fn messages(ctx: &Ctx) -> Collection<StoredMessage> {
    ctx.collection(MESSAGES)
}

pub fn threads(ctx: &Ctx) -> Collection<Thread> {
    ctx.collection(THREADS)
}

pub fn links(ctx: &Ctx) -> Collection<Link> {
    ctx.collection(LINKS)
}

/// `text` cut to at most `max` bytes, on a character boundary.
pub fn truncated(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_stable_and_keep_parts_apart() {
        assert_eq!(message_doc_id("mb1", "a@x"), message_doc_id("mb1", "a@x"));
        assert_ne!(message_doc_id("mb1", "a@x"), message_doc_id("mb2", "a@x"));
        assert_ne!(hashed_id("m", &["ab", "c"]), hashed_id("m", &["a", "bc"]));
        assert_eq!(message_doc_id("", "x").len(), 34);
    }

    #[test]
    fn text_is_cut_on_a_character() {
        assert_eq!(truncated("héllo", 2), "h");
        assert_eq!(truncated("hello", 10), "hello");
    }
}
