//! # Helpdesk
//!
//! Support tickets for the practice: someone needs help with a difficult
//! case, reports a technical problem, suggests an improvement or files a
//! complaint, and the person responsible for that kind of request answers
//! until it is resolved.
//!
//! A ticket has a folio (`TKT042`), a subject and description, a category
//! (technical support, case support, improvement suggestion, other, or what
//! the practice configures), a priority (low, medium, high, urgent), and
//! may name an applicant or a case. It is assigned by its category to a
//! responsible person or a team member, and moves through the statuses
//! open → in progress ⇄ waiting on requester → resolved → closed, with
//! replies between the requester and the person handling it, and internal
//! notes that only the practice's agents read. Each priority has service
//! targets (SLAs) for the first response and the resolution, counted in
//! business hours; the helpdesk warns before a deadline and reports a
//! breach.
//!
//! After filing, the people handling a ticket change its priority or move
//! it to another category, and a manager escalates it: a higher priority,
//! perhaps someone else to handle it, and the category's manager told. The
//! deadlines follow the new priority. Every change is kept on the ticket's
//! history with who made it, announced as an event, and mailed in the
//! practice's words with a link to the ticket.
//!
//! ## How the code is laid out
//!
//! [`rules`] holds every rule of the helpdesk as plain functions on plain
//! data: what a valid ticket is, which status changes are allowed and for
//! whom, how business hours count, where the SLA clocks stand, who a new
//! ticket goes to, and who sees what. They never call the host and never
//! read the clock: the current time and the settings come in as arguments,
//! and decisions come back as values. So they are tested natively with
//! `cargo test -p helpdesk`, on fixed dates.
//!
//! The rest of the module (its JSON routes, the document store, timers,
//! emails and pages) calls these rules and carries out what they decide:
//! it stores the ticket, sends the warning, sets the timer.

//!
//! - `tickets`: filing, listing and showing tickets;
//! - `attachments`: a ticket's files, kept by the host's file store;
//! - `by_email`: replies by email, from the email module's
//!   `email.received`;
//! - `changes`: replies, status changes and reassignment;
//! - `triage`: changing a ticket's priority and category, and a manager's
//!   escalation;
//! - `effects`: saving a ticket with its SLA clocks, timers, search entry
//!   and events;
//! - `notify`: the emails, in the practice's words, each linking to its
//!   ticket;
//! - `data`: the settings (the host's module settings, declared in
//!   `plugin.toml`), the store's documents (folio counter, rotations,
//!   tickets, replies) and the clock;
//! - `pages`: the HTML pages.
//!
//! The JSON API, events, actions and settings are described in the
//! module's README.

use immcase_sdk::{
    Ctx, Error, Event, Plugin, Request, Response, Result, Router, Timer, export_plugin,
};
use serde::Deserialize;
use serde_json::Value;

mod attachments;
mod by_email;
mod changes;
mod data;
mod effects;
mod merges;
mod notify;
mod pages;
pub mod rules;
mod tickets;
mod triage;

use changes::{Author, ReplyInput};
use pages::ticket as ticket_page;
use rules::status::{self as status_rules, Actor};
use rules::ticket::{NewTicket, TicketView};
use rules::visibility::MANAGE;

pub struct Helpdesk;

impl Plugin for Helpdesk {
    fn router() -> Router {
        Router::new()
            .get("/", pages::home)
            .get("/new", pages::new_ticket)
            .get("/panel/mine", pages::panel::my_tickets)
            .get("/settings", show_settings)
            .get("/tickets", page_or_api(pages::home, tickets::list))
            .post("/tickets", page_or_api(pages::file_ticket, tickets::create))
            .get(
                "/tickets/:id",
                page_or_api(ticket_page::show_request, tickets::show),
            )
            .post(
                "/tickets/:id/replies",
                page_or_api(ticket_page::reply, changes::reply),
            )
            .post(
                "/tickets/:id/status",
                page_or_api(ticket_page::set_status, changes::set_status),
            )
            .post(
                "/tickets/:id/assign",
                page_or_api(ticket_page::assign, changes::assign),
            )
            .post(
                "/tickets/:id/priority",
                page_or_api(ticket_page::set_priority, triage::set_priority),
            )
            .post(
                "/tickets/:id/category",
                page_or_api(ticket_page::set_category, triage::set_category),
            )
            .post(
                "/tickets/:id/escalate",
                page_or_api(ticket_page::escalate, triage::escalate),
            )
            .get("/tickets/:id/attachments", attachments::list)
            .post(
                "/tickets/:id/attachments",
                page_or_api(ticket_page::attach, attachments::add),
            )
            .get("/tickets/:id/attachments/:file", attachments::download)
    }

    fn on_event(ctx: &Ctx, event: Event) -> Result<()> {
        if event.name == "module.settings_changed" && event.payload["module"] == "helpdesk" {
            return effects::settings_changed(ctx);
        }
        if event.name.starts_with("applicant.") {
            return merges::on_event(ctx, &event);
        }
        if event.name == "email.received" {
            return by_email::on_received(ctx, &event);
        }
        Ok(())
    }

    fn on_timer(ctx: &Ctx, timer: Timer) -> Result<()> {
        if let Some(id) = timer.key.strip_prefix("sla:") {
            return check_sla(ctx, id);
        }
        if let Some(id) = timer.key.strip_prefix("close:") {
            return auto_close(ctx, id);
        }
        if timer.key == effects::READERS_TIMER {
            return effects::refresh_search_readers(ctx, &timer);
        }
        ctx.log_warn(&format!("unknown timer {}", timer.key));
        Ok(())
    }

    fn action(ctx: &Ctx, name: &str, input: Value) -> Result<Value> {
        match name {
            "create-ticket" => create_ticket_action(ctx, input),
            "reply" => reply_action(ctx, input),
            "set-status" => set_status_action(ctx, input),
            // The host asks before it saves settings (`settings-check`).
            "check-settings" => check_settings_action(input),
            _ => Err(Error::NotFound(format!("no action {name}"))),
        }
    }
}

export_plugin!(Helpdesk);

// Settings ------------------------------------------------------------------

/// The rules across fields of settings about to be saved, which the host's
/// check of the declarations cannot see: what is wrong, by path.
fn check_settings_action(input: Value) -> Result<Value> {
    let settings: rules::settings::Settings =
        serde_json::from_value(input).map_err(|e| Error::Invalid(format!("settings: {e}")))?;
    Ok(settings.validate().to_json())
}

type Handler = fn(&Ctx, Request) -> Result<Response>;

/// One route, answered by `page` for page requests (`/m/helpdesk/...`: forms
/// go back to the page, mistakes are shown on it) and by `api` for the JSON
/// API.
fn page_or_api(page: Handler, api: Handler) -> impl Fn(&Ctx, Request) -> Result<Response> {
    move |ctx, request| {
        if request.is_page() {
            page(ctx, request)
        } else {
            api(ctx, request)
        }
    }
}

/// `GET /settings`: the settings as the helpdesk reads them (the host's
/// module settings). The page sends managers to the host's settings page,
/// where they are changed.
fn show_settings(ctx: &Ctx, request: Request) -> Result<Response> {
    if request.is_page() {
        ctx.require(MANAGE)?;
        return Ok(Response::redirect(SETTINGS_PAGE));
    }
    let settings = data::settings(ctx)?;
    Ok(Response::json(&settings))
}

/// Where the host draws the helpdesk's settings form.
pub const SETTINGS_PAGE: &str = "/settings/modules/helpdesk/settings";

// Timers --------------------------------------------------------------------

/// `sla:{id}`: warn or report a breach (each once), and set the next
/// wake-up.
fn check_sla(ctx: &Ctx, id: &str) -> Result<()> {
    let Some(doc) = data::tickets(ctx).get(id)? else {
        return Ok(());
    };
    let settings = data::settings(ctx)?;
    let mut ticket = doc.data.clone();
    effects::save(ctx, id, &mut ticket, Some(doc.version), &settings)?;
    Ok(())
}

/// `close:{id}`: a ticket resolved long enough closes, as the system.
fn auto_close(ctx: &Ctx, id: &str) -> Result<()> {
    let Some(doc) = data::tickets(ctx).get(id)? else {
        return Ok(());
    };
    let settings = data::settings(ctx)?;
    if !status_rules::closes_automatically(&doc.data, data::now(ctx), settings.auto_close_days) {
        return Ok(());
    }
    changes::change_status(
        ctx,
        doc,
        &settings,
        rules::ticket::Status::Closed,
        &[Actor::System],
    )?;
    Ok(())
}

// Actions -------------------------------------------------------------------
//
// Workflows and other modules call these through the host. A call for a
// person acts as that person, with the same rules as the JSON API; a call
// the host makes on its own (a workflow, an event) acts as the system.

/// `create-ticket` `{requester_id?, subject, description, category,
/// priority, applicant_id?, case_id?}`: the ticket. A person files for
/// themselves unless they hold `helpdesk.manage`; the system names the
/// requester.
fn create_ticket_action(ctx: &Ctx, input: Value) -> Result<Value> {
    #[derive(Deserialize)]
    struct Input {
        #[serde(default)]
        requester_id: Option<String>,
        #[serde(flatten)]
        ticket: NewTicket,
    }
    let input: Input = serde_json::from_value(input)?;
    let caller = ctx.caller();
    let requester = match (caller.user_id.as_deref(), input.requester_id) {
        (Some(me), None) => me.to_owned(),
        (Some(me), Some(other)) if other != me && !caller.can(MANAGE) => {
            return Err(Error::Forbidden(format!(
                "filing a ticket for someone else needs `{MANAGE}`"
            )));
        }
        (_, Some(requester)) => requester,
        (None, None) => return Err(Error::invalid_field("requester_id", "required")),
    };
    if ctx.person(&requester)?.is_none_or(|p| !p.active) {
        return Err(Error::invalid_field(
            "requester_id",
            "must be an active person of the practice",
        ));
    }
    let doc = tickets::open_ticket(ctx, input.ticket, &requester)?;
    Ok(serde_json::to_value(TicketView::of(&doc))?)
}

/// `reply` `{ticket_id, body, internal?}`: the ticket. A person replies as
/// on the ticket's page; the system's replies are written by "Helpdesk".
fn reply_action(ctx: &Ctx, input: Value) -> Result<Value> {
    #[derive(Deserialize)]
    struct Input {
        ticket_id: String,
        #[serde(flatten)]
        reply: ReplyInput,
    }
    let input: Input = serde_json::from_value(input)?;
    if ctx.caller().is_person() {
        let (doc, _) = changes::reply_as_caller(ctx, &input.ticket_id, input.reply)?;
        return Ok(serde_json::to_value(TicketView::of(&doc))?);
    }
    let doc = data::find_ticket(ctx, &input.ticket_id)?;
    let settings = data::settings(ctx)?;
    let author = Author {
        id: None,
        name: "Helpdesk".into(),
        requester: false,
    };
    let (doc, _) = changes::add_reply(ctx, doc, &settings, &author, input.reply)?;
    Ok(serde_json::to_value(TicketView::of(&doc))?)
}

/// `set-status` `{ticket_id, status, version?}`: the ticket. A person makes
/// the moves that are theirs; the system may only close a resolved ticket.
fn set_status_action(ctx: &Ctx, input: Value) -> Result<Value> {
    #[derive(Deserialize)]
    struct Input {
        ticket_id: String,
        status: String,
        #[serde(default)]
        version: Option<u64>,
    }
    let input: Input = serde_json::from_value(input)?;
    if ctx.caller().is_person() {
        let doc = changes::move_as_caller(ctx, &input.ticket_id, &input.status, input.version)?;
        return Ok(serde_json::to_value(TicketView::of(&doc))?);
    }
    let doc = data::find_ticket(ctx, &input.ticket_id)?;
    let settings = data::settings(ctx)?;
    let to = changes::parse_status(&input.status)?;
    let doc = changes::change_status(ctx, doc, &settings, to, &[Actor::System])?;
    Ok(serde_json::to_value(TicketView::of(&doc))?)
}
