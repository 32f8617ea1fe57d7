//! Which conversation (thread) a message belongs to.
//!
//! Threads are found by ids, as RFC 5256's REFERENCES threading does, made
//! simpler: no tree is built, a thread is the set of messages tied by their
//! ids. Every thread keeps the *keys* of its messages ([`thread_keys`]):
//! each message's own Message-ID, and the ids it refers to (In-Reply-To,
//! References). A new message belongs to the thread holding any of its
//! keys ([`decide`]). Because a thread also holds the ids its messages
//! refer to, a parent that arrives after its reply finds the reply's
//! thread; and a message whose keys are in two threads (two replies that
//! arrived before the parent that ties them) joins the first and the
//! threads merge ([`ThreadDecision::Merge`]).
//!
//! Subjects never merge threads. Only a message without In-Reply-To and
//! References (some web mail and phone clients drop them) is matched by its
//! subject, and only under the strict rule of [`by_subject`], because two
//! applicants' "Re: Documents" must never end up in one conversation.
//! The subject's parts (`Re:`, `[TKT012]`) are read by `subject.rs`.

mod subject;

use serde::{Deserialize, Serialize};

use super::parse::ParsedMessage;

pub use subject::{NormalizedSubject, normalize_subject};
pub(crate) use subject::{Prefix, split_prefixes};

/// A conversation's id, as the module stores it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ThreadId(pub String);

/// Where a new message goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ThreadDecision {
    /// None of its keys is known: it starts a thread.
    New,
    /// It belongs to this thread.
    Existing(ThreadId),
    /// It belongs to `into`, and ties `into` to the threads in `merge`:
    /// their messages (and keys) move into `into`, and they go.
    Merge {
        into: ThreadId,
        merge: Vec<ThreadId>,
    },
}

/// The ids of a message that tie it to its thread.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MessageIds<'a> {
    pub message_id: &'a str,
    pub in_reply_to: &'a [String],
    pub references: &'a [String],
}

impl<'a> From<&'a ParsedMessage> for MessageIds<'a> {
    fn from(message: &'a ParsedMessage) -> Self {
        MessageIds {
            message_id: &message.message_id,
            in_reply_to: &message.in_reply_to,
            references: &message.references,
        }
    }
}

/// The keys the thread of a message keeps for it: References (oldest
/// first), In-Reply-To, then its own Message-ID, each once.
pub fn thread_keys(ids: MessageIds<'_>) -> Vec<String> {
    let all = ids
        .references
        .iter()
        .chain(ids.in_reply_to)
        .map(String::as_str)
        .chain([ids.message_id]);
    let mut keys: Vec<String> = Vec::new();
    for id in all.map(str::trim).filter(|id| !id.is_empty()) {
        if !keys.iter().any(|key| key == id) {
            keys.push(id.to_owned());
        }
    }
    keys
}

/// The thread of a new message. `thread_of` finds the thread that holds a
/// key (see [`thread_keys`]), if any.
///
/// The keys are looked up in [`thread_keys`]'s order, so when they are in
/// several threads, the one holding the oldest reference (the start of the
/// conversation) is kept and the others merge into it.
pub fn decide(ids: MessageIds<'_>, thread_of: impl Fn(&str) -> Option<ThreadId>) -> ThreadDecision {
    let mut found: Vec<ThreadId> = Vec::new();
    for key in thread_keys(ids) {
        if let Some(thread) = thread_of(&key)
            && !found.contains(&thread)
        {
            found.push(thread);
        }
    }
    let mut found = found.into_iter();
    match found.next() {
        None => ThreadDecision::New,
        Some(into) => {
            let merge: Vec<ThreadId> = found.collect();
            if merge.is_empty() {
                ThreadDecision::Existing(into)
            } else {
                ThreadDecision::Merge { into, merge }
            }
        }
    }
}

/// How far apart, in days, a message and a thread's last message may be
/// for [`by_subject`] to match them.
pub const SUBJECT_WINDOW_DAYS: i64 = 14;

/// A recent thread, as [`by_subject`] compares it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecentThread {
    pub thread: ThreadId,
    /// Its subject's [`NormalizedSubject::key`].
    pub subject_key: String,
    /// Its last message's date, in seconds since the Unix epoch.
    pub last_date: i64,
    /// The addresses of its people (lowercased, the practice's own left
    /// out, as [`super::link::addresses_to_match`] gives them).
    pub addresses: Vec<String>,
}

/// The thread of a message that has no ids to go by, by its subject: only
/// when [`decide`] found none, the message has neither In-Reply-To nor
/// References, its subject says it is a reply (`Re:`, `AW:`, …), and a
/// thread among `recent` has the same subject (ignoring prefixes, tags,
/// case and spacing), a last message within [`SUBJECT_WINDOW_DAYS`] of
/// this one, and shares one of its people (`addresses`, as for
/// [`RecentThread::addresses`]). The most recent such thread wins.
pub fn by_subject(
    message: &ParsedMessage,
    addresses: &[String],
    recent: &[RecentThread],
) -> Option<ThreadId> {
    if !message.in_reply_to.is_empty() || !message.references.is_empty() {
        return None;
    }
    let subject = normalize_subject(&message.subject);
    let date = message.date?;
    if !subject.reply || subject.base.is_empty() {
        return None;
    }
    let key = subject.key();
    recent
        .iter()
        .filter(|thread| thread.subject_key == key)
        .filter(|thread| (thread.last_date - date).abs() <= SUBJECT_WINDOW_DAYS * 86_400)
        .filter(|thread| thread.addresses.iter().any(|a| addresses.contains(a)))
        .max_by_key(|thread| thread.last_date)
        .map(|thread| thread.thread.clone())
}

#[cfg(test)]
mod tests;
