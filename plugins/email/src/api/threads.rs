//! `GET /threads` and `GET /threads/{id}`, and the threads a record's tab
//! lists.

use immcase_sdk::{Ctx, Doc, Error, Request, Response, Result};
use serde_json::json;

use super::{message_json, thread_json};
use crate::access::Reader;
use crate::data::{self, StoredMessage, Thread};
use crate::linking;
use crate::seen;

/// The most threads a list answers.
pub const LIST_LIMIT: usize = 100;

/// `GET /threads?mailbox=&applicant=&case=`: the reader's threads, newest
/// first: of one mailbox, linked to an applicant or a case (which the
/// reader must be able to read), or of every mailbox they read.
pub fn list(ctx: &Ctx, request: Request) -> Result<Response> {
    let reader = Reader::of(ctx)?;
    let person = reader.person()?.to_owned();
    let param = |name: &str| request.query_param(name).filter(|v| !v.is_empty());
    let threads = if let Some(case) = param("case") {
        for_record(ctx, &reader, &linking::case(&case))?
    } else if let Some(applicant) = param("applicant") {
        for_record(ctx, &reader, &linking::applicant(&applicant))?
    } else if let Some(mailbox) = param("mailbox") {
        if reader.mailbox(&mailbox).is_none() {
            return Err(Error::NotFound(format!("no mailbox {mailbox}")));
        }
        of_mailbox(ctx, &mailbox)?
    } else {
        let mut all = Vec::new();
        for mailbox in &reader.mailboxes {
            all.extend(of_mailbox(ctx, &mailbox.id)?);
        }
        // What they sent from the practice's sender.
        all.extend(
            data::threads(ctx)
                .query()
                .where_eq("mailbox_id", "")
                .where_eq("author_id", &person)
                .limit(LIST_LIMIT as u32)
                .fetch()?
                .items,
        );
        all.sort_by_key(|doc| std::cmp::Reverse(doc.data.last_at));
        all.truncate(LIST_LIMIT);
        all
    };
    let seen = seen::seen_of(ctx, &person, &threads)?;
    let items: Vec<_> = threads
        .iter()
        .map(|doc| thread_json(doc, seen::is_unread(doc, &seen)))
        .collect();
    Ok(Response::json(
        &json!({ "items": items, "next_cursor": null }),
    ))
}

/// A mailbox's threads, newest first.
pub fn of_mailbox(ctx: &Ctx, mailbox_id: &str) -> Result<Vec<Doc<Thread>>> {
    Ok(data::threads(ctx)
        .query()
        .where_eq("mailbox_id", mailbox_id)
        .order_by("last_at")
        .descending()
        .limit(LIST_LIMIT as u32)
        .fetch()?
        .items)
}

/// The threads linked to `record` (a case's or an applicant's) that the
/// reader sees, newest first. Reading the record as the caller checks
/// they may (`not-found` or `forbidden` otherwise).
pub fn for_record(ctx: &Ctx, reader: &Reader, record: &str) -> Result<Vec<Doc<Thread>>> {
    match linking::parse_record(record) {
        Some(("applicant", id)) => drop(ctx.applicant(id)?),
        Some(("case", id)) => drop(ctx.case(id)?),
        _ => return Err(Error::invalid_field("record", "an applicant or a case")),
    }
    let links = data::links(ctx)
        .query()
        .where_eq("record", record)
        .limit(500)
        .fetch()?;
    let mut ids: Vec<String> = Vec::new();
    for link in links.items {
        if !ids.contains(&link.data.thread_id) {
            ids.push(link.data.thread_id);
        }
    }
    let threads = data::threads(ctx);
    let mut found = Vec::new();
    for id in ids {
        if let Some(doc) = threads.get(&id)?
            && reader.sees_thread(&doc.data)
        {
            found.push(doc);
        }
    }
    found.sort_by_key(|doc| std::cmp::Reverse(doc.data.last_at));
    found.truncate(LIST_LIMIT);
    Ok(found)
}

/// A thread's messages, oldest first.
pub fn messages_of(ctx: &Ctx, thread_id: &str) -> Result<Vec<Doc<StoredMessage>>> {
    Ok(data::messages(ctx)
        .query()
        .where_eq("thread_id", thread_id)
        .order_by("at")
        .limit(500)
        .fetch()?
        .items)
}

/// `GET /threads/{id}`: the thread with its messages and their links;
/// seen by the reader from now on.
pub fn show(ctx: &Ctx, request: Request) -> Result<Response> {
    let reader = Reader::of(ctx)?;
    let thread = reader.thread(ctx, request.require_param("id")?)?;
    let mut messages = Vec::new();
    for doc in messages_of(ctx, &thread.id)? {
        let links = linking::of_message(ctx, &doc.id)?;
        messages.push(message_json(&doc, &links));
    }
    seen::mark_seen(ctx, reader.person()?, &thread.data.mailbox_id, &thread.id)?;
    let mut answer = thread_json(&thread, false);
    answer["messages"] = messages.into();
    Ok(Response::json(&answer))
}
