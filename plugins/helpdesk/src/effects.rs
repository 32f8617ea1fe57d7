//! What follows a change to a ticket: saving it with its SLA clocks brought
//! up to date (warnings and breaches announced once, the next wake-up
//! scheduled), its search entry, its events and its emails.
//!
//! The SLA wake-up is the timer `sla:{id}`, set again (or cancelled) after
//! every change, also from inside its own firing.
//!
//! Who finds a ticket in search depends on the settings too (the people of
//! its category): when a save changes the categories, the timer
//! `search-readers` puts every ticket's entry again, a page per firing.

use immcase_sdk::{Ctx, Doc, Result, SearchEntry, Timer};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::data::{self, Names, now, timer_due};
use crate::notify::{self, Mail, kind};
use crate::rules::settings::Settings;
use crate::rules::sla::{self, Alert, Clock, SlaReport};
use crate::rules::ticket::{Ticket, TicketView, email_subject};
use crate::rules::visibility::MANAGE;

/// Saves `ticket` (a new one when `version` is `None`) after evaluating its
/// SLA clocks now: alerts not announced yet are mailed (and a breach
/// emitted), recorded on the ticket, and the `sla:{id}` timer is set to the
/// next moment the clocks need looking at, or cancelled.
pub fn save(
    ctx: &Ctx,
    id: &str,
    ticket: &mut Ticket,
    version: Option<u64>,
    settings: &Settings,
) -> Result<Doc<Ticket>> {
    let report = sla::evaluate(now(ctx), ticket, &settings.sla, &settings.business_hours);
    ticket.sla_notices.record(&report);
    let doc = match version {
        None => data::tickets(ctx).insert(id, ticket)?,
        Some(version) => match data::tickets(ctx).update(id, ticket, version) {
            Err(e) if e.status() == 409 => return Err(data::stale(&data::find_ticket(ctx, id)?)),
            other => other?,
        },
    };
    announce(ctx, &doc, &report, settings)?;
    let key = sla::timer_key(id);
    match report.next_wake {
        Some(at) => ctx.schedule_at(timer_due(at), &key, &json!({ "ticket_id": id }))?,
        None => {
            ctx.cancel_timer(&key)?;
        }
    }
    index(ctx, &doc, settings)?;
    Ok(doc)
}

/// Mails the assignee and the category's manager about each new alert, and
/// emits `helpdesk.ticket.sla_breached` for each clock that breached.
fn announce(ctx: &Ctx, doc: &Doc<Ticket>, report: &SlaReport, settings: &Settings) -> Result<()> {
    let ticket = &doc.data;
    let manager = settings
        .category(&ticket.category)
        .and_then(|c| c.manager_id.clone());
    let mut names = Names::default();
    for (clock, alert) in report.alerts() {
        let target = notify::clock_name(clock);
        let minutes = settings.sla.of(ticket.priority);
        let minutes = match clock {
            Clock::FirstResponse => minutes.first_response_minutes,
            Clock::Resolution => minutes.resolution_minutes,
        };
        let (what, headline) = match alert {
            Alert::Warn => (
                "SLA warning",
                format!(
                    "{} is close to missing its {target} target ({} of business time, {} priority).",
                    ticket.folio,
                    notify::hours_and_minutes(minutes),
                    ticket.priority.words()
                ),
            ),
            Alert::Breach => (
                "SLA breached",
                format!(
                    "{} missed its {target} target ({} of business time, {} priority).",
                    ticket.folio,
                    notify::hours_and_minutes(minutes),
                    ticket.priority.words()
                ),
            ),
            Alert::Nothing => continue,
        };
        Mail::new(ctx, doc, kind::SLA, what, &headline)
            .with_facts(settings, &mut names)
            .to_all(&[ticket.assignee_id.as_deref(), manager.as_deref()])?;
        if alert == Alert::Breach {
            ctx.emit(
                "helpdesk.ticket.sla_breached",
                &json!({ "id": doc.id, "folio": ticket.folio, "clock": clock,
                         "assignee_id": ticket.assignee_id, "category": ticket.category }),
            )?;
        }
    }
    Ok(())
}

/// Emits `helpdesk.ticket.{what}` with the ticket and `extra` members.
pub fn emit(ctx: &Ctx, what: &str, doc: &Doc<Ticket>, extra: serde_json::Value) -> Result<()> {
    let mut payload = serde_json::to_value(TicketView::of(doc))?;
    if let (Some(payload), serde_json::Value::Object(extra)) = (payload.as_object_mut(), extra) {
        payload.extend(extra);
    }
    ctx.emit(&format!("helpdesk.ticket.{what}"), &payload)?;
    Ok(())
}

/// The timer that brings every ticket's search readers up to date.
pub const READERS_TIMER: &str = "search-readers";
/// Tickets whose search entries one firing of [`READERS_TIMER`] puts again.
const READERS_PAGE: u32 = 100;

/// Where [`READERS_TIMER`] goes on from.
#[derive(Default, Serialize, Deserialize)]
struct ReadersProgress {
    #[serde(default)]
    cursor: Option<String>,
}

/// After the settings changed on the host's settings page (the host's
/// `module.settings_changed` event): the tickets' search entries follow the
/// categories through [`READERS_TIMER`], started over from the first ticket
/// if it was already running.
pub fn settings_changed(ctx: &Ctx) -> Result<()> {
    let first = ReadersProgress::default();
    ctx.schedule_at(timer_due(now(ctx)), READERS_TIMER, &first)
}

/// One firing of [`READERS_TIMER`]: a page of tickets put in search again
/// with the current settings, and the timer set for the next page.
pub fn refresh_search_readers(ctx: &Ctx, timer: &Timer) -> Result<()> {
    let progress: ReadersProgress = timer.payload_as().unwrap_or_default();
    let settings = data::settings(ctx)?;
    let page = data::tickets(ctx)
        .query()
        .limit(READERS_PAGE)
        .after(progress.cursor)
        .fetch()?;
    for doc in &page.items {
        index(ctx, doc, &settings)?;
    }
    if let Some(cursor) = page.next_cursor {
        let next = ReadersProgress {
            cursor: Some(cursor),
        };
        ctx.schedule_at(timer_due(now(ctx)), READERS_TIMER, &next)?;
    }
    Ok(())
}

/// Who finds a ticket in global search besides holders of
/// `helpdesk.manage`: its requester, its assignee, and the people who
/// handle or manage its category (as the settings say when the ticket is
/// saved, and again after every change of the categories).
fn search_readers(ticket: &Ticket, settings: &Settings) -> Vec<String> {
    let mut readers = vec![ticket.requester_id.clone()];
    readers.extend(ticket.assignee_id.iter().cloned());
    if let Some(category) = settings.category(&ticket.category) {
        readers.extend(category.responsible_id.iter().cloned());
        readers.extend(category.manager_id.iter().cloned());
        if let Some(team) = &category.team {
            readers.extend(team.members.iter().cloned());
        }
    }
    readers.sort();
    readers.dedup();
    readers
}

/// Puts the ticket in global search, within the helpdesk's visibility.
fn index(ctx: &Ctx, doc: &Doc<Ticket>, settings: &Settings) -> Result<()> {
    let ticket = &doc.data;
    let entry = SearchEntry {
        id: doc.id.clone(),
        title: email_subject(&ticket.folio, &ticket.subject),
        body: ticket.description.clone(),
        path: format!("/tickets/{}", doc.id),
        permission: Some(MANAGE.into()),
    };
    ctx.search_put_visible_to(&entry, &search_readers(ticket, settings))
}
