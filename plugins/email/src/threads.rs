//! Putting a message in its conversation, with the store: the rules of
//! `rules::thread` decide, this file looks the keys up, starts threads,
//! merges the ones a message ties together, and keeps each thread's
//! summary (subject, last message, people, linked records) for the inbox.

use immcase_sdk::{Ctx, Doc, Result, new_id};

use crate::data::{self, THREAD_KEYS, Thread, ThreadKey, thread_key_id};
use crate::rules::parse::ParsedMessage;
use crate::rules::thread::{
    self, MessageIds, RecentThread, ThreadDecision, ThreadId, normalize_subject,
};

/// How many recent threads of a mailbox a message without ids is compared
/// with by subject.
const RECENT_THREADS: u32 = 50;
/// The most addresses a thread keeps.
const MAX_ADDRESSES: usize = 50;

/// The thread of `parsed` in `mailbox_id` (its keys recorded), merging the
/// threads it ties together; a new thread when it belongs to none.
/// `addresses` are its people's, as `rules::link::addresses_to_match`
/// gives them; `author_id` names who started a thread of the practice's
/// sender.
pub fn place(
    ctx: &Ctx,
    mailbox_id: &str,
    author_id: Option<&str>,
    parsed: &ParsedMessage,
    addresses: &[String],
) -> Result<String> {
    let ids = MessageIds::from(parsed);
    let keys = ctx.collection::<ThreadKey>(THREAD_KEYS);
    let mut known: Vec<(String, ThreadId)> = Vec::new();
    for key in thread::thread_keys(ids) {
        if let Some(doc) = keys.get(&thread_key_id(mailbox_id, &key))? {
            known.push((key, ThreadId(doc.data.thread_id)));
        }
    }
    let decision = thread::decide(ids, |key| {
        known
            .iter()
            .find(|(known, _)| known == key)
            .map(|(_, thread)| thread.clone())
    });
    let thread_id = match decision {
        ThreadDecision::Existing(thread) => thread.0,
        ThreadDecision::Merge { into, merge } => {
            for gone in merge {
                merge_into(ctx, &gone.0, &into.0)?;
            }
            into.0
        }
        ThreadDecision::New => match by_subject(ctx, mailbox_id, parsed, addresses)? {
            Some(thread) => thread,
            None => start(ctx, mailbox_id, author_id, &parsed.subject)?,
        },
    };
    for key in thread::thread_keys(ids) {
        let id = thread_key_id(mailbox_id, &key);
        let mapped = ThreadKey {
            thread_id: thread_id.clone(),
        };
        match keys.get(&id)? {
            None => {
                keys.insert(&id, &mapped)?;
            }
            Some(doc) if doc.data.thread_id != thread_id => {
                keys.update(&id, &mapped, doc.version)?;
            }
            Some(_) => {}
        }
    }
    Ok(thread_id)
}

fn by_subject(
    ctx: &Ctx,
    mailbox_id: &str,
    parsed: &ParsedMessage,
    addresses: &[String],
) -> Result<Option<String>> {
    if !parsed.in_reply_to.is_empty() || !parsed.references.is_empty() {
        return Ok(None);
    }
    let recent: Vec<RecentThread> = data::threads(ctx)
        .query()
        .where_eq("mailbox_id", mailbox_id)
        .order_by("last_at")
        .descending()
        .limit(RECENT_THREADS)
        .fetch()?
        .items
        .into_iter()
        .map(|doc| RecentThread {
            thread: ThreadId(doc.id),
            subject_key: doc.data.subject_key,
            last_date: doc.data.last_at / 1000,
            addresses: doc.data.addresses,
        })
        .collect();
    Ok(thread::by_subject(parsed, addresses, &recent).map(|thread| thread.0))
}

fn start(ctx: &Ctx, mailbox_id: &str, author_id: Option<&str>, subject: &str) -> Result<String> {
    let id = new_id();
    let thread = Thread {
        mailbox_id: mailbox_id.to_owned(),
        author_id: author_id.map(str::to_owned),
        subject: subject.to_owned(),
        subject_key: normalize_subject(subject).key(),
        ..Thread::default()
    };
    data::threads(ctx).insert(&id, &thread)?;
    Ok(id)
}

/// Moves the messages, keys and links of thread `gone` into `into`, and
/// deletes `gone`.
fn merge_into(ctx: &Ctx, gone: &str, into: &str) -> Result<()> {
    let messages = data::messages(ctx);
    for doc in messages
        .query()
        .where_eq("thread_id", gone)
        .limit(500)
        .fetch()?
        .items
    {
        let mut message = doc.data;
        message.thread_id = into.to_owned();
        messages.update(&doc.id, &message, doc.version)?;
    }
    let keys = ctx.collection::<ThreadKey>(THREAD_KEYS);
    for doc in keys
        .query()
        .where_eq("thread_id", gone)
        .limit(500)
        .fetch()?
        .items
    {
        let key = ThreadKey {
            thread_id: into.to_owned(),
        };
        keys.update(&doc.id, &key, doc.version)?;
    }
    let links = data::links(ctx);
    for doc in links
        .query()
        .where_eq("thread_id", gone)
        .limit(500)
        .fetch()?
        .items
    {
        let mut link = doc.data;
        link.thread_id = into.to_owned();
        links.update(&doc.id, &link, doc.version)?;
    }
    let threads = data::threads(ctx);
    if let (Some(old), Some(kept)) = (threads.get(gone)?, threads.get(into)?) {
        let mut summary = kept.data.clone();
        summary.count += old.data.count;
        if old.data.last_at > summary.last_at {
            summary.last_at = old.data.last_at;
            summary.last_from = old.data.last_from.clone();
        }
        merge_lists(&mut summary.addresses, &old.data.addresses);
        merge_lists(&mut summary.records, &old.data.records);
        threads.update(into, &summary, kept.version)?;
        threads.delete(gone, None)?;
    }
    Ok(())
}

fn merge_lists(into: &mut Vec<String>, more: &[String]) {
    for item in more {
        if !into.contains(item) && into.len() < MAX_ADDRESSES {
            into.push(item.clone());
        }
    }
}

/// The thread's summary after a message joined it.
pub fn touch(
    ctx: &Ctx,
    thread_id: &str,
    at: i64,
    from: &str,
    subject: &str,
    addresses: &[String],
) -> Result<()> {
    let threads = data::threads(ctx);
    let Some(doc) = threads.get(thread_id)? else {
        return Ok(());
    };
    let mut thread = doc.data;
    thread.count += 1;
    if at >= thread.last_at {
        thread.last_at = at;
        thread.last_from = from.to_owned();
    }
    if thread.subject.is_empty() {
        thread.subject = subject.to_owned();
        thread.subject_key = normalize_subject(subject).key();
    }
    merge_lists(&mut thread.addresses, addresses);
    threads.update(thread_id, &thread, doc.version)?;
    Ok(())
}

/// Records the thread's linked records again from its links (after a link
/// was added or removed).
pub fn refresh_records(ctx: &Ctx, thread_id: &str) -> Result<Option<Doc<Thread>>> {
    let threads = data::threads(ctx);
    let Some(doc) = threads.get(thread_id)? else {
        return Ok(None);
    };
    let mut records: Vec<String> = Vec::new();
    let links = data::links(ctx)
        .query()
        .where_eq("thread_id", thread_id)
        .limit(500)
        .fetch()?;
    for link in links.items {
        if !records.contains(&link.data.record) {
            records.push(link.data.record);
        }
    }
    records.sort();
    if records == doc.data.records {
        return Ok(Some(doc));
    }
    let mut thread = doc.data;
    thread.records = records;
    Ok(Some(threads.update(thread_id, &thread, doc.version)?))
}
