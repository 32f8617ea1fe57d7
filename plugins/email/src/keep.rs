//! A linked message's attachments, kept as files of its record.
//!
//! When a received message is linked to a case or an applicant, its
//! attachments (not the pictures inside its HTML) are stored with
//! `ctx.attach_file` as files of **each case it is linked to**, or, when it
//! is linked to no case, of each applicant: so the documents a client mails
//! in land in the case's folder. Each is named as it was sent (made safe),
//! and at most [`MAX_FILE`] each; a larger one stays in the message, listed
//! there and downloadable. The work is done by a timer (`keep:{message}`),
//! run by the host on its own, after the call that linked it: reading a
//! 25 MB message and storing its files does not hold up receiving mail.
//! A record a message's files were kept for is remembered (`kept_for`), so
//! linking again, or the timer running twice, keeps nothing twice.

use immcase_sdk::{Ctx, Result, Timer};
use serde_json::json;

use crate::data::{self, StoredMessage};
use crate::linking;
use crate::rules::parse::{self, Limits};

/// The largest attachment kept as a file: 10 MiB.
pub const MAX_FILE: usize = 10 << 20;
/// The most raw message read back (the module's limit on messages).
pub const MAX_MESSAGE: usize = 25 << 20;

pub fn limits() -> Limits {
    Limits {
        max_message_bytes: MAX_MESSAGE + (1 << 20),
        max_attachments: 50,
        max_attachment_bytes: MAX_MESSAGE,
    }
}

/// Whether `message` has attachments to keep (a received one with a raw
/// copy to read them from).
pub fn worth_keeping(message: &StoredMessage) -> bool {
    message.raw_id.is_some()
        && message
            .attachments
            .iter()
            .any(|a| !a.inline && a.size <= MAX_FILE)
}

pub fn schedule(ctx: &Ctx, message: &str, due: i64) -> Result<()> {
    ctx.schedule_at(
        due,
        &format!("keep:{message}"),
        &json!({ "message": message }),
    )
}

/// The timer `keep:{message}`.
pub fn fire(ctx: &Ctx, timer: &Timer) -> Result<()> {
    let Some(id) = timer.key.strip_prefix("keep:") else {
        return Ok(());
    };
    let messages = data::messages(ctx);
    let Some(doc) = messages.get(id)? else {
        return Ok(());
    };
    let records: Vec<String> = linking::of_message(ctx, id)?
        .into_iter()
        .map(|link| link.record)
        .collect();
    let cases = linking::ids_of(&records, "case");
    let owners: Vec<String> = if cases.is_empty() {
        linking::ids_of(&records, "applicant")
            .iter()
            .map(|id| linking::applicant(id))
            .collect()
    } else {
        cases.iter().map(|id| linking::case(id)).collect()
    };
    let owners: Vec<String> = owners
        .into_iter()
        .filter(|owner| !doc.data.kept_for.contains(owner))
        .collect();
    let Some(raw_id) = doc.data.raw_id.clone() else {
        return Ok(());
    };
    if owners.is_empty() {
        return Ok(());
    }
    let raw = ctx.read_mailbox_message(&raw_id)?;
    let parsed = match parse::parse(&raw, limits()) {
        Ok(parsed) => parsed,
        Err(problem) => {
            ctx.log_warn(&format!("message {id}: {problem}"));
            return Ok(());
        }
    };
    let mut message = doc.data;
    for owner in owners {
        for attachment in parsed
            .attachments
            .iter()
            .filter(|a| !a.inline && a.size <= MAX_FILE)
        {
            ctx.attach_file(
                &owner,
                &attachment.name,
                &attachment.content_type,
                &attachment.bytes,
            )?;
        }
        message.kept_for.push(owner);
    }
    messages.update(id, &message, doc.version)?;
    Ok(())
}
