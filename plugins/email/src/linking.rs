//! Linking messages to applicants, cases and tickets, with the store.
//!
//! A record is written `applicant:ID`, `case:ID` or `ticket:TKT012` (the
//! helpdesk's tickets are named by folio: the module cannot read them).
//! Found automatically, in this order, each record once with its first
//! reason:
//!
//! 1. applicants with any address of the message's people, the practice's
//!    own mailboxes left out (sender or recipient);
//! 2. the cases whose folio the subject names, and each case's applicant;
//!    the tickets whose folio it names;
//! 3. every record an earlier message of its thread is linked to.
//!
//! Each new link is announced as `email.linked`, and a message linked to a
//! case or an applicant has its attachments kept as files of that record
//! by a timer (`keep.rs`), outside the call that linked it.

use immcase_sdk::{Ctx, Doc, Error, Result};
use serde_json::json;

use crate::data::{self, Link, StoredMessage, link_id};
use crate::keep;
use crate::rules::link::{self, FolioKind, LinkReason};
use crate::rules::parse::ParsedMessage;

pub fn applicant(id: &str) -> String {
    format!("applicant:{id}")
}

pub fn case(id: &str) -> String {
    format!("case:{id}")
}

/// `("applicant", "a1")` of `applicant:a1`, for the three kinds of record.
pub fn parse_record(record: &str) -> Option<(&str, &str)> {
    let (kind, id) = record.split_once(':')?;
    let known = matches!(kind, "applicant" | "case" | "ticket");
    (known && !id.trim().is_empty()).then_some((kind, id))
}

/// Which records `parsed` (about to join `thread_id`) is linked to, and
/// why. A lookup the caller may not make (a person without
/// `applicants.read`) links nothing by it.
pub fn automatic(
    ctx: &Ctx,
    parsed: &ParsedMessage,
    own_addresses: &[String],
    thread_id: &str,
) -> Result<Vec<(String, LinkReason)>> {
    let mut found: Vec<(String, LinkReason)> = Vec::new();
    let mut add = |record: String, reason: LinkReason| {
        if !found.iter().any(|(known, _)| *known == record) {
            found.push((record, reason));
        }
    };
    for address in link::addresses_to_match(parsed, own_addresses) {
        let Some(reason) = link::address_reason(parsed, &address) else {
            continue;
        };
        for applicant_found in allowed(ctx.applicants_by_email(&address))? {
            add(applicant(&applicant_found.id), reason);
        }
    }
    for folio in link::folios(&parsed.subject) {
        match folio.kind {
            FolioKind::Case => {
                if let Some(found_case) = allowed(ctx.case_by_folio(&folio.to_string()))? {
                    add(case(&found_case.id), LinkReason::Folio);
                    if let Some(applicant_id) = &found_case.applicant_id {
                        add(applicant(applicant_id), LinkReason::Folio);
                    }
                }
            }
            FolioKind::Ticket => add(format!("ticket:{folio}"), LinkReason::Folio),
        }
    }
    let earlier = data::links(ctx)
        .query()
        .where_eq("thread_id", thread_id)
        .limit(500)
        .fetch()?;
    for link in earlier.items {
        add(link.data.record, LinkReason::Thread);
    }
    Ok(found)
}

/// `Ok(None)`-like for a lookup the caller may not make.
fn allowed<T: Default>(answer: Result<T>) -> Result<T> {
    match answer {
        Err(Error::Forbidden(_)) | Err(Error::NotFound(_)) => Ok(T::default()),
        other => other,
    }
}

/// Links `message` to `record` for `reason`; false when it already was.
/// Announces the link and, for an applicant or a case, sets the timer that
/// keeps the attachments.
pub fn add(
    ctx: &Ctx,
    message: &Doc<StoredMessage>,
    record: &str,
    reason: LinkReason,
    by: Option<&str>,
) -> Result<bool> {
    let links = data::links(ctx);
    let id = link_id(&message.id, record);
    if links.get(&id)?.is_some() {
        return Ok(false);
    }
    let link = Link {
        message: message.id.clone(),
        thread_id: message.data.thread_id.clone(),
        record: record.to_owned(),
        reason,
        by: by.map(str::to_owned),
    };
    links.insert(&id, &link)?;
    ctx.emit(
        "email.linked",
        &json!({ "id": message.id, "record": record, "reason": reason }),
    )?;
    if !record.starts_with("ticket:") && keep::worth_keeping(&message.data) {
        keep::schedule(ctx, &message.id, ctx.now())?;
    }
    Ok(true)
}

/// The most earlier messages an applicant's new address links.
const EARLIER_MESSAGES: u32 = 200;

/// `applicant.created` `{id}`, or `applicant.updated` `{id, fields}` when
/// their addresses changed: the messages they sent from one of them (the
/// latest 200 of each) are linked to them, as they would have been had the
/// address been known when they came.
pub fn on_applicant_changed(ctx: &Ctx, event: &immcase_sdk::Event) -> Result<()> {
    let payload = &event.payload;
    let emails_changed = event.name == "applicant.created"
        || payload["fields"]
            .as_array()
            .is_some_and(|fields| fields.iter().any(|f| f == "emails"));
    let Some(id) = payload["id"].as_str().filter(|_| emails_changed) else {
        return Ok(());
    };
    let found = match ctx.applicant(id) {
        Ok(found) => found,
        Err(Error::NotFound(_)) => return Ok(()),
        Err(other) => return Err(other),
    };
    let record = applicant(&found.id);
    let messages = data::messages(ctx);
    let mut threads: Vec<String> = Vec::new();
    for email in &found.emails {
        let sent = messages
            .query()
            .where_eq("from_address", email.trim().to_lowercase())
            .order_by("at")
            .descending()
            .limit(EARLIER_MESSAGES)
            .fetch()?;
        for message in sent.items {
            if add(ctx, &message, &record, LinkReason::SenderAddress, None)?
                && !threads.contains(&message.data.thread_id)
            {
                threads.push(message.data.thread_id.clone());
            }
        }
    }
    for thread in threads {
        crate::threads::refresh_records(ctx, &thread)?;
    }
    Ok(())
}

/// Removes the link of `message` to `record`; false when there was none.
pub fn remove(ctx: &Ctx, message: &Doc<StoredMessage>, record: &str) -> Result<bool> {
    let removed = data::links(ctx).delete(&link_id(&message.id, record), None)?;
    if removed {
        ctx.emit(
            "email.unlinked",
            &json!({ "id": message.id, "record": record }),
        )?;
    }
    Ok(removed)
}

/// The links of a message, oldest first.
pub fn of_message(ctx: &Ctx, message_id: &str) -> Result<Vec<Link>> {
    Ok(data::links(ctx)
        .query()
        .where_eq("message", message_id)
        .limit(500)
        .fetch()?
        .items
        .into_iter()
        .map(|doc| doc.data)
        .collect())
}

/// Ids in records of one kind: `applicant_ids` of a list of records.
pub fn ids_of<'a>(records: impl IntoIterator<Item = &'a String>, kind: &str) -> Vec<String> {
    records
        .into_iter()
        .filter_map(|record| parse_record(record))
        .filter(|(k, _)| *k == kind)
        .map(|(_, id)| id.to_owned())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_are_read_by_kind() {
        assert_eq!(parse_record("case:c1"), Some(("case", "c1")));
        assert_eq!(parse_record("ticket:TKT012"), Some(("ticket", "TKT012")));
        assert_eq!(parse_record("user:u1"), None);
        assert_eq!(parse_record("case:"), None);
        let records = ["applicant:a1".to_owned(), "case:c1".to_owned()];
        assert_eq!(ids_of(&records, "case"), ["c1"]);
    }
}
