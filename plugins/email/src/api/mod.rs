//! The JSON API, under `/api/v1/m/email/`:
//!
//! - `messages`: `POST /messages` (queue a message, 202), links by hand;
//! - `threads`: `GET /threads?mailbox=&applicant=&case=`, `GET /threads/{id}`;
//! - `templates`: `GET|POST /templates`, `PUT|DELETE /templates/{id}`;
//! - `drafts`: `GET|POST /drafts`, `GET|PUT|DELETE /drafts/{id}`.
//!
//! This file: how messages and threads are written in JSON.

pub mod drafts;
pub mod messages;
pub mod templates;
pub mod threads;

use immcase_sdk::Doc;
use serde_json::{Value, json};

use crate::data::{Link, StoredMessage, Thread};
use crate::pages::BASE;

pub fn thread_json(doc: &Doc<Thread>, unread: bool) -> Value {
    json!({
        "id": doc.id,
        "mailbox_id": doc.data.mailbox_id,
        "subject": doc.data.subject,
        "last_at": doc.data.last_at,
        "last_from": doc.data.last_from,
        "count": doc.data.count,
        "records": doc.data.records,
        "unread": unread,
    })
}

pub fn link_json(link: &Link) -> Value {
    json!({
        "record": link.record,
        "reason": link.reason,
        "reason_text": link.reason.describe(),
    })
}

pub fn message_json(doc: &Doc<StoredMessage>, links: &[Link]) -> Value {
    let m = &doc.data;
    let attachments: Vec<Value> = m
        .attachments
        .iter()
        .enumerate()
        .map(|(n, a)| {
            json!({
                "name": a.name,
                "content_type": a.content_type,
                "size": a.size,
                "inline": a.inline,
                "url": format!("{BASE}/messages/{}/attachments/{n}", doc.id),
            })
        })
        .collect();
    json!({
        "id": doc.id,
        "thread_id": m.thread_id,
        "mailbox_id": m.mailbox_id,
        "message_id": m.message_id,
        "state": m.state,
        "reason": m.reason,
        "outbox_id": m.outbox_id,
        "from": m.from,
        "to": m.to,
        "cc": m.cc,
        "subject": m.subject,
        "at": m.at,
        "text": m.text,
        "has_html": m.html.is_some() || m.html_in_raw,
        "attachments": attachments,
        "omitted": m.omitted.iter().map(|(name, size)| json!({"name": name, "size": size})).collect::<Vec<_>>(),
        "folios": m.folios,
        "links": links.iter().map(link_json).collect::<Vec<_>>(),
    })
}
