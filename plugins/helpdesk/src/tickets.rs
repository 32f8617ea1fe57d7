//! Filing tickets, listing them and showing one.

use std::collections::HashMap;

use immcase_sdk::{Ctx, Doc, Error, Page, Request, Response, Result, new_id};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::data::{self, Names, now};
use crate::effects;
use crate::notify::{self, Mail, kind};
use crate::rules::assignment::auto_assign;
use crate::rules::settings::{Settings, Strategy};
use crate::rules::ticket::{NewTicket, Ticket, TicketView, check_new};
use crate::rules::visibility::{self, Access, TicketFilter};

// Handlers ------------------------------------------------------------------

/// `POST /tickets`: the caller files a ticket.
pub fn create(ctx: &Ctx, request: Request) -> Result<Response> {
    let requester = ctx
        .caller()
        .user_id
        .clone()
        .ok_or_else(|| Error::Forbidden("only a signed-in person can file tickets".into()))?;
    let doc = open_ticket(ctx, request.json()?, &requester)?;
    Ok(Response::created(&TicketView::of(&doc)))
}

/// `GET /tickets?mine&team&status&priority&category&breached&limit&cursor`:
/// the tickets the caller may see, newest first. A page looks at `limit`
/// stored tickets and keeps those that pass the filters, so it may hold
/// fewer; `next_cursor` goes on from there.
pub fn list(ctx: &Ctx, request: Request) -> Result<Response> {
    let filter: TicketList = request.query_as()?;
    let settings = data::settings(ctx)?;
    let page = visible_tickets(ctx, &filter, &settings)?;
    let items: Vec<Value> = page.items.iter().map(summary).collect();
    Ok(Response::json(
        &json!({ "items": items, "next_cursor": page.next_cursor }),
    ))
}

/// One page of the tickets the caller may see that pass `filter`.
pub fn visible_tickets(
    ctx: &Ctx,
    filter: &TicketList,
    settings: &Settings,
) -> Result<Page<Ticket>> {
    let limit = filter.limit.unwrap_or(100);
    if !(1..=500).contains(&limit) {
        return Err(Error::invalid_field("limit", "must be 1 to 500"));
    }
    let visible = visibility::list_filter(ctx.caller(), settings);
    let mut query = data::tickets(ctx)
        .query()
        .descending()
        .limit(limit)
        .after(filter.cursor.clone());
    for (field, value) in [
        ("status", &filter.status),
        ("priority", &filter.priority),
        ("category", &filter.category),
        ("case_id", &filter.case),
        ("applicant_id", &filter.applicant),
    ] {
        if let Some(value) = value.as_deref().filter(|v| !v.is_empty()) {
            query = query.where_eq(field, value);
        }
    }
    let mut page = query.fetch()?;
    let me = ctx.caller().user_id.clone().unwrap_or_default();
    let team = TicketFilter::AnyOf(
        settings
            .categories
            .iter()
            .filter(|c| c.is_agent(&me) || c.is_manager(&me))
            .map(|c| visibility::Condition::Category(c.key.clone()))
            .collect(),
    );
    page.items.retain(|doc| {
        let t = &doc.data;
        visible.matches(t)
            && (!flag(&filter.mine)
                || t.requester_id == me
                || t.assignee_id.as_deref() == Some(me.as_str()))
            && (!flag(&filter.team) || team.matches(t))
            && (!flag(&filter.breached) || breached(t))
    });
    Ok(page)
}

/// `GET /tickets/:id`: the ticket, its conversation (internal notes only
/// for agents and managers), its files and where its SLA clocks stand.
pub fn show(ctx: &Ctx, request: Request) -> Result<Response> {
    let id = request.require_param("id")?;
    let doc = data::find_ticket(ctx, id)?;
    let settings = data::settings(ctx)?;
    Ok(Response::json(&detail(ctx, &doc, &settings)?))
}

/// A ticket as its detail shows it to the caller; not found when they may
/// not see it.
pub fn detail(ctx: &Ctx, doc: &Doc<Ticket>, settings: &Settings) -> Result<Value> {
    let access = visibility::access(ctx.caller(), &doc.data, settings);
    if access == Access::None && ctx.caller().is_person() {
        return Err(data::not_found(&doc.id));
    }
    let internal = access >= Access::Agent || !ctx.caller().is_person();
    let replies: Vec<Value> = data::replies_of(ctx, &doc.id)?
        .into_iter()
        .filter(|reply| internal || !reply.data.internal)
        .map(|reply| {
            let mut value = serde_json::to_value(&reply.data).unwrap_or_default();
            value["id"] = json!(reply.id);
            value
        })
        .collect();
    let report =
        crate::rules::sla::evaluate(now(ctx), &doc.data, &settings.sla, &settings.business_hours);
    let mut value = summary(doc);
    value["replies"] = json!(replies);
    value["attachments"] = json!(crate::attachments::of(ctx, &doc.id)?);
    value["sla"] = serde_json::to_value(report)?;
    Ok(value)
}

// Filing --------------------------------------------------------------------

/// Files a ticket for `requester_id`: checked, numbered, assigned by its
/// category, saved with its SLA timer, announced and mailed.
pub fn open_ticket(ctx: &Ctx, new: NewTicket, requester_id: &str) -> Result<Doc<Ticket>> {
    let settings = data::settings(ctx)?;
    let mut valid = check_new(&new, &settings.categories)?;
    if let Some(applicant) = &valid.applicant_id {
        related(ctx.applicant(applicant), "applicant_id")?;
    }
    if let Some(case) = &valid.case_id {
        let case = related(ctx.case(case), "case_id")?;
        // A case names its applicant: the ticket is theirs too, and shows
        // on their page.
        if valid.applicant_id.is_none() {
            valid.applicant_id = case.applicant_id;
        }
    }
    let folio = data::next_folio(ctx)?;
    let mut ticket = Ticket::open(valid, folio, requester_id.to_owned(), now(ctx));
    ticket.assignee_id = assign(ctx, &ticket, &settings)?;
    let id = new_id();
    let doc = effects::save(ctx, &id, &mut ticket, None, &settings)?;
    effects::emit(ctx, "created", &doc, json!({}))?;
    tell_filed(ctx, &doc, &settings, requester_id)?;
    Ok(doc)
}

/// Announces a new ticket's assignment, and mails its assignee and its
/// requester what was filed, in which category, and its deadlines.
fn tell_filed(ctx: &Ctx, doc: &Doc<Ticket>, settings: &Settings, requester_id: &str) -> Result<()> {
    let ticket = &doc.data;
    let mut names = Names::default();
    let requester = names.of(ctx, requester_id);
    let by_themselves = ctx.caller().user_id.as_deref() == Some(requester_id);
    let filed = if by_themselves {
        format!("{requester} filed a ticket")
    } else {
        format!("{} filed a ticket for {requester}", notify::who(ctx))
    };
    let filed = format!(
        "{filed} in {}, with {} priority",
        settings.category_label(&ticket.category),
        ticket.priority.words()
    );
    if let Some(assignee) = &ticket.assignee_id {
        effects::emit(
            ctx,
            "assigned",
            doc,
            json!({ "previous_assignee_id": null }),
        )?;
        Mail::new(
            ctx,
            doc,
            kind::ASSIGNED,
            "Assigned to you",
            &format!("{filed}, and it is assigned to you."),
        )
        .with_facts(settings, &mut names)
        .then(&ticket.description)
        .to_all(&[Some(assignee)])?;
    }
    let handled = match &ticket.assignee_id {
        Some(id) if id == requester_id => "It is assigned to you.".to_owned(),
        Some(id) => format!("{} will handle it.", names.of(ctx, id)),
        None => "A manager will assign it to someone.".to_owned(),
    };
    let headline = if by_themselves {
        format!("Your ticket {} was received. {handled}", ticket.folio)
    } else {
        format!(
            "{} filed the ticket {} for you. {handled}",
            notify::who(ctx),
            ticket.folio
        )
    };
    Mail::new(ctx, doc, kind::FILED, "Received", &headline)
        .with_facts(settings, &mut names)
        .then(&ticket.description)
        .then("Reply on its page to add anything, or to answer questions.")
        .to_all(&[Some(requester_id)])
}

/// Who a new ticket goes to, by its category; moves the category's
/// rotation on when a team member takes a turn.
pub fn assign(ctx: &Ctx, ticket: &Ticket, settings: &Settings) -> Result<Option<String>> {
    let Some(category) = settings.category(&ticket.category) else {
        return Ok(None);
    };
    let candidates: Vec<&String> = category
        .responsible_id
        .iter()
        .chain(category.team.iter().flat_map(|t| t.members.iter()))
        .collect();
    let mut active = Vec::new();
    for id in candidates {
        if ctx.person(id)?.is_some_and(|p| p.active) {
            active.push(id.clone());
        }
    }
    let mut open_counts = HashMap::new();
    if category
        .team
        .as_ref()
        .is_some_and(|t| t.strategy == Strategy::LeastOpen)
    {
        for member in &active {
            let page = data::tickets(ctx)
                .query()
                .where_eq("assignee_id", member)
                .limit(500)
                .fetch()?;
            let open = page
                .items
                .iter()
                .filter(|d| d.data.status.is_active())
                .count();
            open_counts.insert(member.clone(), open);
        }
    }
    // Another ticket taking a turn at the same time (or creating the first
    // rotation) moves it on: look again.
    let mut tries = 0;
    let chosen = loop {
        let (rotation, version) = data::rotation(ctx, &category.key)?;
        let chosen = auto_assign(category, &active, &open_counts, &rotation);
        if chosen.rotation == rotation {
            break chosen;
        }
        match data::save_rotation(ctx, &category.key, &chosen.rotation, version) {
            Ok(()) => break chosen,
            Err(e) if e.status() == 409 && tries < 5 => tries += 1,
            Err(e) => return Err(e),
        }
    };
    if let crate::rules::assignment::Assignment::Unassigned(reason) = &chosen.assignment {
        ctx.log_info(&format!("{} stays unassigned: {reason}", ticket.folio));
    }
    Ok(chosen.assignment.assignee_id().map(str::to_owned))
}

/// A related applicant or case must exist and be readable by the caller.
fn related<T>(found: Result<T>, field: &str) -> Result<T> {
    match found {
        Ok(found) => Ok(found),
        Err(e) if e.status() == 404 => Err(Error::invalid_field(field, "not found")),
        Err(e) if e.status() == 403 => Err(Error::invalid_field(field, "not readable by you")),
        Err(e) => Err(e),
    }
}

// Views ---------------------------------------------------------------------

/// A ticket as lists show it: its fields and whether a target was missed.
fn summary(doc: &Doc<Ticket>) -> Value {
    let mut value = serde_json::to_value(TicketView::of(doc)).unwrap_or_default();
    value["sla_breached"] = json!(breached(&doc.data));
    value
}

pub fn breached(ticket: &Ticket) -> bool {
    ticket.sla_notices.first_response.breached || ticket.sla_notices.resolution.breached
}

/// A checkbox or query flag: present and not `0`/`false`.
pub fn flag(value: &Option<String>) -> bool {
    value
        .as_deref()
        .is_some_and(|v| matches!(v, "" | "1" | "true" | "yes" | "on"))
}

/// The list's filters, from the query string.
#[derive(Debug, Default, Deserialize)]
pub struct TicketList {
    pub mine: Option<String>,
    pub team: Option<String>,
    pub status: Option<String>,
    pub priority: Option<String>,
    pub category: Option<String>,
    pub breached: Option<String>,
    /// Only the tickets about this case (its id).
    pub case: Option<String>,
    /// Only the tickets about this applicant (their id).
    pub applicant: Option<String>,
    pub limit: Option<u32>,
    pub cursor: Option<String>,
}
