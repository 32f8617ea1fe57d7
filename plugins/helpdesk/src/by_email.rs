//! Replies by email. The email module announces each message it takes in
//! (`email.received`); one whose subject carries a ticket's folio in
//! brackets (`Re: [TKT012] Printer`) becomes a reply on that ticket from
//! its sender, exactly as if they had written it on the ticket's page: the
//! same visibility, the same status moves, events and notifications. The
//! reply is marked as come by email.
//!
//! Otherwise the sender is told in one short email why it was not added
//! (never a robot, never the practice's own mailboxes), and the refusal is
//! logged. Events come at least once: each email is read once per
//! Message-ID (the `emails` collection), so a second delivery, or the same
//! message received in a second mailbox, adds nothing and tells nobody.

use immcase_sdk::{Caller, Ctx, Doc, Event, Result};
use serde::Deserialize;

use crate::changes::{self, ReplyInput};
use crate::data::{self, EmailRead, now};
use crate::rules::by_email::{self, Refused};
use crate::rules::ticket::{Ticket, folio_in_subject, format_folio};
use crate::rules::visibility::MANAGE;

/// Who may use the helpdesk at all.
const MEMBER: &str = "module:helpdesk";

/// What the helpdesk reads of `email.received`.
#[derive(Debug, Deserialize)]
struct Received {
    /// The email module's id of the message.
    id: String,
    /// The sender's address, lowercase.
    #[serde(default)]
    from: Option<String>,
    #[serde(default)]
    subject: String,
    #[serde(default)]
    message_id: Option<String>,
    /// The first 20 KB of the plain text.
    #[serde(default)]
    text: String,
    /// The practice's own mailboxes' addresses: never answered.
    #[serde(default)]
    own_addresses: Vec<String>,
}

/// `email.received`: a reply by email added to its ticket, or refused.
pub fn on_received(ctx: &Ctx, event: &Event) -> Result<()> {
    let email: Received = event.payload_as()?;
    let Some(number) = folio_in_subject(&email.subject) else {
        return Ok(());
    };
    let folio = format_folio(number);
    let from = email
        .from
        .as_deref()
        .map(|from| from.trim().to_lowercase())
        .unwrap_or_default();
    if by_email::from_robot(&from) {
        ctx.log_info(&format!(
            "an email about {folio} from {from:?} was not added: a mail robot's, or without a sender"
        ));
        return Ok(());
    }
    let read_id = data::email_read_id(&email.id, email.message_id.as_deref());
    if data::emails(ctx).get(&read_id)?.is_some() {
        return Ok(());
    }
    let settings = data::settings(ctx)?;
    let ticket = ticket_by_folio(ctx, &folio)?;
    let sender = sender(ctx, &from)?;
    let ticket_id = ticket.as_ref().map(|doc| doc.id.clone());
    let taken = by_email::taken(
        ticket.as_ref().map(|doc| &doc.data),
        sender.as_ref(),
        &settings,
        &email.text,
    )
    .and_then(|words| match (ticket, sender) {
        (Some(ticket), Some(sender)) => Ok((words, ticket, sender)),
        _ => Err(Refused::NotFollowed),
    });
    let read = EmailRead {
        email_id: email.id.clone(),
        message_id: email.message_id.clone(),
        folio: folio.clone(),
        from: Some(from.clone()),
        outcome: match &taken {
            Ok(_) => "added".to_owned(),
            Err(refused) => refused.reason().to_owned(),
        },
        ticket_id,
        at: now(ctx),
    };
    match data::emails(ctx).insert(&read_id, &read) {
        // Another delivery of the same email read it at the same moment.
        Err(e) if e.status() == 409 => return Ok(()),
        other => other?,
    };
    let (words, ticket, sender) = match taken {
        Ok(taken) => taken,
        Err(refused) => return refuse(ctx, &from, &folio, &email.own_addresses, refused),
    };
    let message_id = email.message_id.filter(|m| !m.trim().is_empty());
    let input = ReplyInput {
        body: words,
        internal: false,
        email_message_id: Some(message_id.unwrap_or(email.id)),
    };
    changes::reply_as_caller(&Ctx::new(sender), &ticket.id, input)?;
    ctx.log_info(&format!(
        "a reply by email from {from} was added to {folio}"
    ));
    Ok(())
}

/// Logs the refusal and tells the sender why, in one short email, unless
/// the address is one of the practice's own mailboxes.
fn refuse(ctx: &Ctx, from: &str, folio: &str, own: &[String], refused: Refused) -> Result<()> {
    ctx.log_info(&format!(
        "an email from {from} was not added to {folio}: {}",
        refused.reason()
    ));
    let own: Vec<String> = own.iter().map(|a| a.trim().to_lowercase()).collect();
    if by_email::never_answered(from, &own) {
        return Ok(());
    }
    let new_ticket = ctx.caller().link("/m/helpdesk/new");
    let body = refused.body(folio, &new_ticket);
    match ctx.send_mail(from, &Refused::subject(folio), &body) {
        Err(e) if e.status() == 422 => {
            ctx.log_warn(&format!("could not write to {from}: {}", e.message()));
            Ok(())
        }
        other => other,
    }
}

/// The ticket with `folio`, if there is one.
fn ticket_by_folio(ctx: &Ctx, folio: &str) -> Result<Option<Doc<Ticket>>> {
    let page = data::tickets(ctx)
        .query()
        .where_eq("folio", folio)
        .limit(1)
        .fetch()?;
    Ok(page.items.into_iter().next())
}

/// The person of the practice whose address is `address` (case aside),
/// among the active people who may use the helpdesk, as the caller they
/// would be on the ticket's page: with `helpdesk.manage` when they hold
/// it. `None` for an address of nobody there, and for a disabled account.
fn sender(ctx: &Ctx, address: &str) -> Result<Option<Caller>> {
    let people = ctx.people_holding(MEMBER)?;
    let Some(person) = people
        .into_iter()
        .find(|p| p.active && p.email.trim().eq_ignore_ascii_case(address))
    else {
        return Ok(None);
    };
    let mut permissions = vec![MEMBER.to_owned()];
    if ctx
        .people_holding(MANAGE)?
        .iter()
        .any(|manager| manager.id == person.id)
    {
        permissions.push(MANAGE.to_owned());
    }
    let display_name = if person.display_name.trim().is_empty() {
        person.email.clone()
    } else {
        person.display_name
    };
    let host = ctx.caller();
    Ok(Some(Caller {
        practice: host.practice.clone(),
        user_id: Some(person.id),
        email: person.email,
        display_name,
        time_zone: person.time_zone,
        permissions,
        practice_url: host.practice_url.clone(),
    }))
}
