//! Sending: a message written here goes to the host's outbox as a letter
//! from one of the practice's mailboxes (`ctx.send_letter`), and is kept
//! in its conversation straight away, in state `queued`. The outbox's
//! `mail.sent` and `mail.failed` events move it to `sent` or `failed`
//! (announced as `email.sent` and `email.failed`).
//!
//! - `prepare`: replies and forwards prefilled (recipients, subject,
//!   quote, signature) and templates filled in;
//! - this file: the letter, the stored copy, and the outbox's events.

pub mod prepare;

use immcase_sdk::{Attachment, Ctx, Doc, Error, Event, Letter, Mailbox, Result};
use serde::Deserialize;
use serde_json::json;

use crate::data::{
    self, AttachmentInfo, MAX_TEXT, State, StoredMessage, message_doc_id, truncated,
};
use crate::linking;
use crate::rules::compose;
use crate::rules::link::{self, LinkReason};
use crate::rules::parse::{Mailbox as Correspondent, ParsedMessage};
use crate::threads;

/// A message to send.
#[derive(Debug, Clone, Default)]
pub struct Outgoing {
    /// The mailbox it is sent from; `None` for the practice's sender.
    pub mailbox: Option<Mailbox>,
    pub to: Vec<String>,
    pub cc: Vec<String>,
    pub bcc: Vec<String>,
    pub subject: String,
    pub body: String,
    /// The message answered or forwarded.
    pub parent: Option<Doc<StoredMessage>>,
    /// Whether it answers `parent` (In-Reply-To); a forward does not.
    pub reply: bool,
    /// What is attached (files of applicants or cases, a forwarded
    /// message's attachments), with the contents.
    pub files: Vec<(AttachmentInfo, Vec<u8>)>,
    /// Records to link it to, by hand (`applicant:ID`, `case:ID`).
    pub records: Vec<String>,
}

/// Addresses typed in a field: split on commas, semicolons and lines;
/// `Name <address>` gives the address.
pub fn addresses(field: &str) -> Vec<String> {
    field
        .split([',', ';', '\n'])
        .map(|piece| match (piece.find('<'), piece.rfind('>')) {
            (Some(open), Some(close)) if open < close => &piece[open + 1..close],
            _ => piece,
        })
        .map(str::trim)
        .filter(|a| !a.is_empty())
        .map(str::to_owned)
        .collect()
}

/// A stored message as the rules read a parsed one.
pub fn as_parsed(message: &StoredMessage) -> ParsedMessage {
    ParsedMessage {
        message_id: message.message_id.clone(),
        in_reply_to: message.in_reply_to.clone(),
        references: message.references.clone(),
        from: message.from.clone(),
        to: message.to.clone(),
        cc: message.cc.clone(),
        reply_to: message.reply_to.clone(),
        date: Some(message.at / 1000),
        subject: message.subject.clone(),
        text: Some(message.text.clone()),
        html: None,
        attachments: Vec::new(),
        omitted: Vec::new(),
    }
}

fn correspondents(addresses: &[String]) -> Vec<Correspondent> {
    addresses
        .iter()
        .map(|address| Correspondent {
            name: None,
            address: address.clone(),
        })
        .collect()
}

fn bracketed(id: &str) -> String {
    format!("<{id}>")
}

/// Queues `out` for `author_id` and keeps it in its thread, linked.
pub fn send(
    ctx: &Ctx,
    author_id: &str,
    own: &[String],
    out: Outgoing,
) -> Result<Doc<StoredMessage>> {
    if out.to.is_empty() {
        return Err(Error::invalid_field("to", "at least one address"));
    }
    if out.subject.trim().is_empty() {
        return Err(Error::invalid_field("subject", "required"));
    }
    let (in_reply_to, references) = match (&out.parent, out.reply) {
        (Some(parent), true) => compose::references_for_reply(&as_parsed(&parent.data)),
        _ => (None, Vec::new()),
    };
    let letter = Letter {
        mailbox_id: out.mailbox.as_ref().map(|m| m.id.clone()),
        to: out.to.clone(),
        cc: out.cc.clone(),
        bcc: out.bcc.clone(),
        reply_to: None,
        subject: out.subject.trim().to_owned(),
        body: out.body.replace("\r\n", "\n").replace('\n', "\r\n"),
        in_reply_to: in_reply_to.as_deref().map(bracketed),
        references: references.iter().map(|id| bracketed(id)).collect(),
        attachments: out
            .files
            .iter()
            .map(|(file, bytes)| Attachment {
                name: file.name.clone(),
                content_type: file.content_type.clone(),
                content: bytes.clone(),
            })
            .collect(),
    };
    let queued = ctx.send_letter(&letter)?;
    let message_id = queued
        .message_id
        .trim()
        .trim_start_matches('<')
        .trim_end_matches('>')
        .to_owned();
    let mailbox_id = out
        .mailbox
        .as_ref()
        .map(|m| m.id.clone())
        .unwrap_or_default();
    let mut message = StoredMessage {
        mailbox_id: mailbox_id.clone(),
        author_id: Some(author_id.to_owned()),
        message_id: message_id.clone(),
        raw_id: None,
        thread_id: String::new(),
        state: State::Queued,
        reason: None,
        outbox_id: Some(queued.outbox_id.clone()),
        from_address: out
            .mailbox
            .as_ref()
            .map(|m| m.address.trim().to_lowercase())
            .unwrap_or_default(),
        from: out.mailbox.as_ref().map(|m| Correspondent {
            name: Some(m.name.clone()),
            address: m.address.clone(),
        }),
        to: correspondents(&out.to),
        cc: correspondents(&out.cc),
        bcc: correspondents(&out.bcc),
        reply_to: Vec::new(),
        in_reply_to: in_reply_to.into_iter().collect(),
        references,
        subject: letter.subject.clone(),
        at: ctx.now(),
        text: truncated(&out.body.replace("\r\n", "\n"), MAX_TEXT).to_owned(),
        html: None,
        html_in_raw: false,
        attachments: out.files.iter().map(|(info, _)| info.clone()).collect(),
        omitted: Vec::new(),
        folios: link::folios(&letter.subject)
            .iter()
            .map(ToString::to_string)
            .collect(),
        kept_for: Vec::new(),
    };
    let parsed = as_parsed(&message);
    let addresses = link::addresses_to_match(&parsed, own);
    // Its In-Reply-To and References find the parent's thread (in the same
    // mailbox); its own id joins the thread, so answers to it find it.
    message.thread_id = threads::place(ctx, &mailbox_id, Some(author_id), &parsed, &addresses)?;
    let links = linking::automatic(ctx, &parsed, own, &message.thread_id)?;
    let doc = data::messages(ctx).insert(&message_doc_id(&mailbox_id, &message_id), &message)?;
    let from = message
        .from
        .as_ref()
        .map(|f| f.display_name().to_owned())
        .unwrap_or_default();
    threads::touch(
        ctx,
        &message.thread_id,
        message.at,
        &from,
        &message.subject,
        &addresses,
    )?;
    for record in &out.records {
        linking::add(ctx, &doc, record, LinkReason::Manual, Some(author_id))?;
    }
    for (record, reason) in links {
        linking::add(ctx, &doc, &record, reason, None)?;
    }
    threads::refresh_records(ctx, &doc.data.thread_id)?;
    let readers = crate::search::readers(out.mailbox.as_ref(), Some(author_id));
    crate::search::index(ctx, &doc, readers)?;
    crate::seen::mark_seen(ctx, author_id, &doc.data.mailbox_id, &doc.data.thread_id)?;
    Ok(doc)
}

/// The most a forward carries of its message's attachments, together (the
/// outbox's limit).
pub const MAX_FORWARDED: usize = 10 << 20;

/// The attachments of a received message, to forward with it: those that
/// fit in the outbox's limits (at most 20, 10 MiB together), in order.
pub fn forwarded(ctx: &Ctx, parent: &StoredMessage) -> Result<Vec<(AttachmentInfo, Vec<u8>)>> {
    let Some(raw_id) = &parent.raw_id else {
        return Ok(Vec::new());
    };
    if !parent.attachments.iter().any(|a| !a.inline) {
        return Ok(Vec::new());
    }
    let raw = ctx.read_mailbox_message(raw_id)?;
    let parsed = match crate::rules::parse::parse(&raw, crate::keep::limits()) {
        Ok(parsed) => parsed,
        Err(_) => return Ok(Vec::new()),
    };
    let mut total = 0;
    let mut kept = Vec::new();
    for (at, attachment) in parsed.attachments.into_iter().enumerate() {
        if attachment.inline || kept.len() == 20 || total + attachment.size > MAX_FORWARDED {
            continue;
        }
        total += attachment.size;
        let info = AttachmentInfo {
            name: attachment.name,
            content_type: attachment.content_type,
            size: attachment.size,
            content_id: None,
            inline: false,
            file_id: None,
            forwarded_from: Some((raw_id.clone(), at)),
        };
        kept.push((info, attachment.bytes));
    }
    Ok(kept)
}

/// `mail.sent` and `mail.failed`'s payload.
#[derive(Debug, Deserialize)]
struct OutboxNews {
    outbox_id: String,
    #[serde(default)]
    reason: Option<String>,
}

/// The outbox's news of a letter: the message it is moves to `sent` or
/// `failed`. A letter the module did not send is none of its business.
pub fn on_outbox_event(ctx: &Ctx, event: &Event) -> Result<()> {
    let news: OutboxNews = event.payload_as()?;
    let messages = data::messages(ctx);
    let found = messages
        .query()
        .where_eq("outbox_id", &news.outbox_id)
        .limit(1)
        .fetch()?;
    let Some(doc) = found.items.into_iter().next() else {
        return Ok(());
    };
    let (state, name) = if event.name == "mail.sent" {
        (State::Sent, "email.sent")
    } else {
        (State::Failed, "email.failed")
    };
    if doc.data.state == state {
        return Ok(());
    }
    let mut message = doc.data;
    message.state = state;
    message.reason = news.reason.clone().filter(|_| state == State::Failed);
    messages.update(&doc.id, &message, doc.version)?;
    ctx.emit(
        name,
        &json!({
            "id": doc.id,
            "thread_id": message.thread_id,
            "outbox_id": news.outbox_id,
            "message_id": message.message_id,
            "reason": message.reason,
        }),
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::addresses;

    #[test]
    fn typed_addresses_are_split_and_names_dropped() {
        assert_eq!(
            addresses("Ana <ana@x.example>, bo@y.example;\n cy@z.example ,"),
            ["ana@x.example", "bo@y.example", "cy@z.example"]
        );
        assert!(addresses(" , ").is_empty());
    }
}
