//! A message the host fetched (`mailbox.received`): read, stored once,
//! threaded, linked and announced.
//!
//! Events come at least once, so the same message may be delivered again:
//! it is stored under its mailbox and Message-ID and a second delivery
//! finds it there and does nothing. A message that is not an email (or is
//! over the limits) is logged and skipped; retrying would not change it.
//! The call keeps to small work: the attachments are not stored here but
//! by a timer (`keep.rs`).

use immcase_sdk::{Ctx, Doc, Result};
use serde::Deserialize;
use serde_json::json;

use crate::access::own_addresses;
use crate::data::{
    self, AttachmentInfo, MAX_HTML, MAX_TEXT, State, StoredMessage, message_doc_id, truncated,
};
use crate::keep;
use crate::linking;
use crate::rules::link;
use crate::rules::parse::{self, ParsedMessage};
use crate::search;
use crate::threads;

/// The text an `email.received` event carries: the first 20 KB.
pub const EVENT_TEXT: usize = 20 * 1024;

/// `mailbox.received`'s payload.
#[derive(Debug, Deserialize)]
pub struct Received {
    pub mailbox_id: String,
    /// The host's id of the raw message.
    pub message_id: String,
    #[serde(default)]
    pub size: u64,
}

pub fn on_received(ctx: &Ctx, received: Received) -> Result<()> {
    let mailboxes = ctx.mailboxes()?;
    let Some(mailbox) = mailboxes.iter().find(|m| m.id == received.mailbox_id) else {
        ctx.log_warn(&format!(
            "mail for mailbox {} that is no longer there",
            received.mailbox_id
        ));
        return Ok(());
    };
    if received.size > keep::MAX_MESSAGE as u64 {
        ctx.log_warn(&format!(
            "message {} of mailbox {} skipped: {} bytes, more than the {} the module reads",
            received.message_id,
            received.mailbox_id,
            received.size,
            keep::MAX_MESSAGE
        ));
        return Ok(());
    }
    let raw = ctx.read_mailbox_message(&received.message_id)?;
    let parsed = match parse::parse(&raw, keep::limits()) {
        Ok(parsed) => parsed,
        Err(problem) => {
            ctx.log_warn(&format!(
                "message {} of mailbox {} skipped: {problem}",
                received.message_id, received.mailbox_id
            ));
            return Ok(());
        }
    };
    drop(raw);
    let own = own_addresses(&mailboxes);
    if let Some(doc) = store(ctx, &received, parsed, &own)? {
        search::index(ctx, &doc, search::readers(Some(mailbox), None))?;
    }
    Ok(())
}

/// Stores `parsed` in its thread and links it; `None` when it was there.
pub fn store(
    ctx: &Ctx,
    received: &Received,
    parsed: ParsedMessage,
    own: &[String],
) -> Result<Option<Doc<StoredMessage>>> {
    let messages = data::messages(ctx);
    let id = message_doc_id(&received.mailbox_id, &parsed.message_id);
    if messages.get(&id)?.is_some() {
        return Ok(None);
    }
    let addresses = link::addresses_to_match(&parsed, own);
    let thread_id = threads::place(ctx, &received.mailbox_id, None, &parsed, &addresses)?;
    let links = linking::automatic(ctx, &parsed, own, &thread_id)?;
    let message = stored(received, &parsed, thread_id, ctx.now());
    let doc = messages.insert(&id, &message)?;
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
    let records: Vec<String> = links.iter().map(|(record, _)| record.clone()).collect();
    ctx.emit(
        "email.received",
        &json!({
            "id": doc.id,
            "mailbox_id": message.mailbox_id,
            "thread_id": message.thread_id,
            "from": message.from.as_ref().map(|f| f.address.clone()),
            "subject": message.subject,
            "message_id": message.message_id,
            "folios": message.folios,
            "text": truncated(&message.text, EVENT_TEXT),
            "applicant_ids": linking::ids_of(&records, "applicant"),
            "case_ids": linking::ids_of(&records, "case"),
            "ticket_folios": linking::ids_of(&records, "ticket"),
            // The practice's own addresses, so a subscriber never answers
            // its own mailbox (a mail loop).
            "own_addresses": own,
        }),
    )?;
    for (record, reason) in links {
        linking::add(ctx, &doc, &record, reason, None)?;
    }
    threads::refresh_records(ctx, &doc.data.thread_id)?;
    Ok(Some(doc))
}

fn stored(
    received: &Received,
    parsed: &ParsedMessage,
    thread_id: String,
    now: i64,
) -> StoredMessage {
    let html_fits = parsed.html.as_ref().is_some_and(|h| h.len() <= MAX_HTML);
    StoredMessage {
        mailbox_id: received.mailbox_id.clone(),
        author_id: None,
        message_id: parsed.message_id.clone(),
        raw_id: Some(received.message_id.clone()),
        thread_id,
        state: State::Received,
        reason: None,
        outbox_id: None,
        from: parsed.from.clone(),
        from_address: parsed.from.as_ref().map(|f| f.key()).unwrap_or_default(),
        to: parsed.to.clone(),
        cc: parsed.cc.clone(),
        bcc: Vec::new(),
        reply_to: parsed.reply_to.clone(),
        in_reply_to: parsed.in_reply_to.clone(),
        references: parsed.references.clone(),
        subject: parsed.subject.clone(),
        at: parsed.date.map(|secs| secs * 1000).unwrap_or(now),
        text: truncated(parsed.text.as_deref().unwrap_or_default(), MAX_TEXT).to_owned(),
        html: parsed.html.clone().filter(|_| html_fits),
        html_in_raw: parsed.html.is_some() && !html_fits,
        attachments: parsed
            .attachments
            .iter()
            .map(|a| AttachmentInfo {
                name: a.name.clone(),
                content_type: a.content_type.clone(),
                size: a.size,
                content_id: a.content_id.clone(),
                inline: a.inline,
                file_id: None,
                forwarded_from: None,
            })
            .collect(),
        omitted: parsed
            .omitted
            .iter()
            .map(|a| (a.name.clone(), a.size))
            .collect(),
        folios: link::folios(&parsed.subject)
            .iter()
            .map(ToString::to_string)
            .collect(),
        kept_for: Vec::new(),
    }
}
