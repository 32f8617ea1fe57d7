//! Replies, status changes and reassignment, for people (the JSON API) and
//! for the system (workflow actions and timers).

use immcase_sdk::{Ctx, Doc, Error, Request, Response, Result, new_id};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::data::{self, Names, Reply, Via, now, timer_due};
use crate::effects;
use crate::notify::{self, Mail, kind};
use crate::rules::assignment::check_reassignment;
use crate::rules::settings::Settings;
use crate::rules::status::{self, Actor, Refusal};
use crate::rules::ticket::{DESCRIPTION_MAX, Status, Ticket, TicketView, What};
use crate::rules::visibility::{self, Access};

// Handlers ------------------------------------------------------------------

/// `POST /tickets/:id/replies` `{body, internal}`.
pub fn reply(ctx: &Ctx, request: Request) -> Result<Response> {
    let id = request.require_param("id")?;
    let (doc, reply) = reply_as_caller(ctx, id, request.json()?)?;
    let mut answer = serde_json::to_value(&reply.data)?;
    answer["id"] = json!(reply.id);
    answer["ticket"] = serde_json::to_value(TicketView::of(&doc))?;
    Ok(Response::created(&answer))
}

/// `POST /tickets/:id/status` `{status, version}`.
pub fn set_status(ctx: &Ctx, request: Request) -> Result<Response> {
    let id = request.require_param("id")?;
    let done = status_as_caller(ctx, id, &request.json()?)?;
    Ok(Response::json(&TicketView::of(&done)))
}

/// `POST /tickets/:id/assign` `{assignee_id, version}`: needs
/// `helpdesk.ticket.assign`; `null` leaves the ticket unassigned.
pub fn assign(ctx: &Ctx, request: Request) -> Result<Response> {
    let id = request.require_param("id")?;
    let done = assign_as_caller(ctx, id, &request.json()?)?;
    Ok(Response::json(&TicketView::of(&done)))
}

/// A reply or an internal note by the caller.
pub fn reply_as_caller(
    ctx: &Ctx,
    id: &str,
    input: ReplyInput,
) -> Result<(Doc<Ticket>, Doc<Reply>)> {
    let (doc, settings, actors) = visible(ctx, id)?;
    let handler = actors
        .iter()
        .any(|a| matches!(a, Actor::Agent | Actor::Manager));
    if input.internal && !handler {
        return Err(Error::Forbidden(
            "only the people handling a ticket write internal notes".into(),
        ));
    }
    let caller = ctx.caller();
    let author = Author {
        id: caller.user_id.clone(),
        name: caller.display_name.clone(),
        requester: status::replies_as_requester(&actors),
    };
    add_reply(ctx, doc, &settings, &author, input)
}

pub fn status_as_caller(ctx: &Ctx, id: &str, input: &StatusInput) -> Result<Doc<Ticket>> {
    check_version_given(input.version)?;
    move_as_caller(ctx, id, &input.status, input.version)
}

/// Moves the ticket to `status` as the caller may, at `version` when given
/// (an action may leave it out and move the current one).
pub fn move_as_caller(
    ctx: &Ctx,
    id: &str,
    status: &str,
    version: Option<u64>,
) -> Result<Doc<Ticket>> {
    let (doc, settings, actors) = visible(ctx, id)?;
    if version.is_some() {
        check_version(&doc, version)?;
    }
    let to = parse_status(status)?;
    change_status(ctx, doc, &settings, to, &actors)
}

pub fn assign_as_caller(ctx: &Ctx, id: &str, input: &AssignInput) -> Result<Doc<Ticket>> {
    let (doc, settings, _) = visible(ctx, id)?;
    let mut active = Vec::new();
    if let Some(id) = &input.assignee_id
        && ctx.person(id)?.is_some_and(|p| p.active)
    {
        active.push(id.clone());
    }
    check_reassignment(ctx.caller(), input.assignee_id.as_deref(), &active)?;
    check_version(&doc, input.version)?;
    if doc.data.status == Status::Closed {
        return Err(Refusal::Closed.to_error());
    }
    let previous = doc.data.assignee_id.clone();
    let mut ticket = doc.data.clone();
    ticket.assignee_id = input.assignee_id.clone();
    let what = What::Assigned {
        from: previous.clone(),
        to: input.assignee_id.clone(),
    };
    record(ctx, &mut ticket, what);
    let doc = effects::save(ctx, &doc.id, &mut ticket, Some(doc.version), &settings)?;
    effects::emit(
        ctx,
        "assigned",
        &doc,
        json!({ "previous_assignee_id": previous }),
    )?;
    tell_assigned(ctx, &doc, &settings, previous.as_deref())?;
    Ok(doc)
}

/// Mails a ticket's new assignee that it is theirs, and its previous one
/// who has it now.
pub fn tell_assigned(
    ctx: &Ctx,
    doc: &Doc<Ticket>,
    settings: &Settings,
    previous: Option<&str>,
) -> Result<()> {
    let ticket = &doc.data;
    let by = notify::who(ctx);
    let mut names = Names::default();
    if let Some(assignee) = ticket.assignee_id.as_deref() {
        let headline = format!("{by} assigned {} to you.", ticket.folio);
        Mail::new(ctx, doc, kind::ASSIGNED, "Assigned to you", &headline)
            .with_facts(settings, &mut names)
            .then(&ticket.description)
            .to(&[Some(assignee)])?;
    }
    if let Some(previous) = previous.filter(|p| Some(*p) != ticket.assignee_id.as_deref()) {
        let now_with = match ticket.assignee_id.as_deref() {
            Some(id) => names.of(ctx, id),
            None => "nobody for now".to_owned(),
        };
        let headline = format!("{by} reassigned {} from you to {now_with}.", ticket.folio);
        Mail::new(ctx, doc, kind::ASSIGNED, "Reassigned", &headline)
            .with_facts(settings, &mut names)
            .to(&[Some(previous)])?;
    }
    Ok(())
}

/// Notes a change by the caller (the helpdesk itself when no person
/// called) on the ticket's history, now.
pub fn record(ctx: &Ctx, ticket: &mut Ticket, what: What) {
    record_at(ctx, ticket, now(ctx), what);
}

fn record_at(ctx: &Ctx, ticket: &mut Ticket, at: jiff::Timestamp, what: What) {
    let name = notify::who(ctx);
    let by = ctx
        .caller()
        .user_id
        .as_deref()
        .map(|id| (id, name.as_str()));
    ticket.record(at, by, what);
}

// What people and the system share -------------------------------------------

/// Who writes a reply.
pub struct Author {
    pub id: Option<String>,
    pub name: String,
    /// A reply by the requester (moves a waiting ticket back to in progress).
    pub requester: bool,
}

/// Adds a reply or an internal note; a reply may move the status (and
/// stops the first-response clock when it is the team's).
pub fn add_reply(
    ctx: &Ctx,
    doc: Doc<Ticket>,
    settings: &Settings,
    author: &Author,
    input: ReplyInput,
) -> Result<(Doc<Ticket>, Doc<Reply>)> {
    let body = input.body.trim();
    if body.is_empty() {
        return Err(Error::invalid_field("body", "required"));
    }
    if body.chars().count() > DESCRIPTION_MAX {
        return Err(Error::invalid_field("body", "at most 20,000 characters"));
    }
    let by_email = input.email_message_id.is_some();
    let at = now(ctx);
    let mut ticket = doc.data.clone();
    let from = ticket.status;
    let moved = if input.internal {
        status::may_reply(from).map(|()| None)
    } else {
        status::reply(&mut ticket, at, author.requester)
    }
    .map_err(|refusal| refusal.to_error())?;
    if let Some(to) = moved {
        let what = What::Status { from, to };
        let at = ticket.status_history.last().map_or(at, |change| change.at);
        let by = author.id.as_deref().map(|id| (id, author.name.as_str()));
        ticket.record(at, by, what);
    }
    let reply = data::replies(ctx).insert(
        &new_id(),
        &Reply {
            ticket_id: doc.id.clone(),
            author_id: author.id.clone(),
            author_name: author.name.clone(),
            body: body.to_owned(),
            internal: input.internal,
            created_at: at,
            via: by_email.then_some(Via::Email),
            email_message_id: input.email_message_id.clone(),
        },
    )?;
    if from == Status::Resolved && moved.is_some() {
        ctx.cancel_timer(&status::auto_close_timer_key(&doc.id))?;
    }
    let doc = effects::save(ctx, &doc.id, &mut ticket, Some(doc.version), settings)?;
    effects::emit(
        ctx,
        "replied",
        &doc,
        json!({ "reply_id": reply.id, "internal": input.internal, "author_id": author.id,
                 "via": reply.data.via }),
    )?;
    if let Some(to) = moved {
        effects::emit(
            ctx,
            "status_changed",
            &doc,
            json!({ "from": from, "to": to }),
        )?;
    }
    if !input.internal {
        let how = if by_email { " by email" } else { "" };
        let headline = format!("{} replied on {}{how}:", author.name, doc.data.folio);
        let moved = moved
            .map(|to| format!("The ticket is now {}.", to.words()))
            .unwrap_or_default();
        Mail::new(ctx, &doc, kind::REPLY, "New reply", &headline)
            .then(body)
            .then(&moved)
            .to_concerned(&[])?;
    }
    Ok((doc, reply))
}

/// Moves a ticket to `to` if one of `actors` may; a resolved ticket gets
/// its auto-close timer, and loses it when it moves on.
pub fn change_status(
    ctx: &Ctx,
    doc: Doc<Ticket>,
    settings: &Settings,
    to: Status,
    actors: &[Actor],
) -> Result<Doc<Ticket>> {
    let from = doc.data.status;
    status::transition_as(from, to, actors).map_err(|refusal| refusal.to_error())?;
    // The auto-close timer, rather than a workflow closing it.
    let by_itself = !ctx.caller().is_person()
        && to == Status::Closed
        && status::closes_automatically(&doc.data, now(ctx), settings.auto_close_days);
    let mut ticket = doc.data.clone();
    status::apply(&mut ticket, to, now(ctx));
    // At the moment the status history gives the move.
    let at = ticket
        .status_history
        .last()
        .map_or(now(ctx), |moved| moved.at);
    record_at(ctx, &mut ticket, at, What::Status { from, to });
    let close_key = status::auto_close_timer_key(&doc.id);
    match (to, ticket.resolved_at) {
        (Status::Resolved, Some(resolved_at)) => ctx.schedule_at(
            timer_due(status::auto_close_due(
                resolved_at,
                settings.auto_close_days,
            )),
            &close_key,
            &json!({ "ticket_id": doc.id }),
        )?,
        _ if from == Status::Resolved => {
            ctx.cancel_timer(&close_key)?;
        }
        _ => {}
    }
    let doc = effects::save(ctx, &doc.id, &mut ticket, Some(doc.version), settings)?;
    effects::emit(
        ctx,
        "status_changed",
        &doc,
        json!({ "from": from, "to": to }),
    )?;
    let headline = match to {
        Status::Closed if by_itself => format!(
            "{} closed by itself, {} days after it was resolved.",
            doc.data.folio, settings.auto_close_days
        ),
        _ => format!(
            "{} moved {} from {} to {}.",
            notify::who(ctx),
            doc.data.folio,
            from.words(),
            to.words()
        ),
    };
    let next = match to {
        Status::Resolved => format!(
            "If it is not, reply to reopen it; otherwise it closes by itself after {} days.",
            settings.auto_close_days
        ),
        Status::WaitingOnRequester => {
            "The team needs more from the requester: a reply on its page moves it on.".to_owned()
        }
        _ => String::new(),
    };
    Mail::new(
        ctx,
        &doc,
        kind::STATUS,
        &format!("Now {}", to.words()),
        &headline,
    )
    .then(&next)
    .with_facts(settings, &mut Names::default())
    .to_concerned(&[])?;
    Ok(doc)
}

/// The ticket, the settings and what the caller is for it; not found when
/// they may not see it.
pub fn visible(ctx: &Ctx, id: &str) -> Result<(Doc<Ticket>, Settings, Vec<Actor>)> {
    let doc = data::find_ticket(ctx, id)?;
    let settings = data::settings(ctx)?;
    if visibility::access(ctx.caller(), &doc.data, &settings) == Access::None {
        return Err(data::not_found(id));
    }
    let actors = visibility::actors(ctx.caller(), &doc.data, &settings);
    Ok((doc, settings, actors))
}

fn check_version_given(version: Option<u64>) -> Result<()> {
    match version {
        None => Err(Error::invalid_field("version", "required")),
        Some(_) => Ok(()),
    }
}

pub fn check_version(doc: &Doc<Ticket>, version: Option<u64>) -> Result<()> {
    match version {
        None => Err(Error::invalid_field("version", "required")),
        Some(version) if version != doc.version => Err(data::stale(doc)),
        Some(_) => Ok(()),
    }
}

pub fn parse_status(text: &str) -> Result<Status> {
    serde_json::from_value(Value::String(text.to_owned())).map_err(|_| {
        Error::invalid_field(
            "status",
            "must be one of open, in_progress, waiting_on_requester, resolved, closed",
        )
    })
}

// Input ---------------------------------------------------------------------

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ReplyInput {
    pub body: String,
    pub internal: bool,
    /// The Message-ID of the email the reply came in (never from a request).
    #[serde(skip)]
    pub email_message_id: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct StatusInput {
    pub status: String,
    pub version: Option<u64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct AssignInput {
    pub assignee_id: Option<String>,
    pub version: Option<u64>,
}
