//! Messages in the practice's global search, found by their subject, their
//! people and their text, and only by the people who read them.
//!
//! A message of a personal mailbox is visible to its owner, and one sent
//! from the practice's sender to its author (`search_put_visible_to`). The
//! readers of a shared mailbox are not known to modules (the host's
//! `Mailbox` does not list them), so messages of shared mailboxes are not
//! put in search: nobody who does not read them could find them.

use immcase_sdk::{Ctx, Doc, Mailbox, Result, SearchEntry};

use crate::data::{StoredMessage, truncated};

/// The most text of a message searched.
const MAX_BODY: usize = 20 * 1024;

/// Who may find a message of `mailbox` (`None`: the practice's sender,
/// written by `author`).
pub fn readers(mailbox: Option<&Mailbox>, author: Option<&str>) -> Vec<String> {
    match mailbox {
        Some(mailbox) if mailbox.shared => Vec::new(),
        Some(mailbox) => mailbox.owner_id.iter().cloned().collect(),
        None => author.iter().map(|a| (*a).to_owned()).collect(),
    }
}

/// Puts `message` in search for `readers`; nothing when there are none.
pub fn index(ctx: &Ctx, message: &Doc<StoredMessage>, readers: Vec<String>) -> Result<()> {
    if readers.is_empty() {
        return Ok(());
    }
    let m = &message.data;
    let subject = match m.subject.trim() {
        "" => "(no subject)",
        subject => subject,
    };
    let people = m
        .from
        .iter()
        .chain(&m.to)
        .chain(&m.cc)
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ");
    let entry = SearchEntry {
        id: message.id.clone(),
        title: truncated(subject, 300).chars().take(300).collect(),
        body: format!("{people}\n{}", truncated(&m.text, MAX_BODY)),
        path: format!("/threads/{}", m.thread_id),
        permission: None,
    };
    ctx.search_put_visible_to(&entry, &readers)
}
