//! Triage after filing: the people handling a ticket and its managers
//! change its priority or move it to another category, and a manager
//! escalates it (a higher priority, perhaps someone else to handle it, the
//! category's manager told). The rules are in [`crate::rules::escalation`];
//! here each change is checked, recorded on the ticket's history, saved
//! with its SLA clocks (new deadlines, each alert still once), announced
//! as an event and mailed in words.

use immcase_sdk::{Ctx, Doc, Error, Request, Response, Result};
use serde::Deserialize;
use serde_json::json;

use crate::changes::{check_version, record, visible};
use crate::data::Names;
use crate::effects;
use crate::notify::{self, Mail, kind};
use crate::rules::escalation::{self, assignee_after_move};
use crate::rules::ticket::{Ticket, TicketView, What};
use crate::tickets;

/// The longest reason an escalation keeps.
pub const REASON_MAX: usize = 2_000;

// Handlers ------------------------------------------------------------------

/// `POST /tickets/:id/priority` `{priority, version}`.
pub fn set_priority(ctx: &Ctx, request: Request) -> Result<Response> {
    let id = request.require_param("id")?;
    let done = priority_as_caller(ctx, id, &request.json()?)?;
    Ok(Response::json(&TicketView::of(&done)))
}

/// `POST /tickets/:id/category` `{category, version}`.
pub fn set_category(ctx: &Ctx, request: Request) -> Result<Response> {
    let id = request.require_param("id")?;
    let done = category_as_caller(ctx, id, &request.json()?)?;
    Ok(Response::json(&TicketView::of(&done)))
}

/// `POST /tickets/:id/escalate` `{priority?, assignee_id?, reason?, version}`.
pub fn escalate(ctx: &Ctx, request: Request) -> Result<Response> {
    let id = request.require_param("id")?;
    let done = escalate_as_caller(ctx, id, &request.json()?)?;
    Ok(Response::json(&TicketView::of(&done)))
}

// Changes -------------------------------------------------------------------

/// Gives the ticket another priority, as an agent or a manager: its SLA
/// deadlines follow at once.
pub fn priority_as_caller(ctx: &Ctx, id: &str, input: &PriorityInput) -> Result<Doc<Ticket>> {
    let (doc, settings, actors) = visible(ctx, id)?;
    escalation::check_handler(&actors, doc.data.status)?;
    check_version(&doc, input.version)?;
    let from = doc.data.priority;
    let to = escalation::new_priority(from, &input.priority)?;
    let mut ticket = doc.data.clone();
    ticket.priority = to;
    record(ctx, &mut ticket, What::Priority { from, to });
    let doc = effects::save(ctx, &doc.id, &mut ticket, Some(doc.version), &settings)?;
    effects::emit(
        ctx,
        "priority_changed",
        &doc,
        json!({ "from": from, "to": to, "by": ctx.caller().user_id }),
    )?;
    let moved = if to > from { "raised" } else { "lowered" };
    let headline = format!(
        "{} {moved} the priority of {} from {} to {}: its deadlines follow.",
        notify::who(ctx),
        doc.data.folio,
        from.words(),
        to.words()
    );
    Mail::new(
        ctx,
        &doc,
        kind::CHANGED,
        &format!("Priority {moved} to {}", to.words()),
        &headline,
    )
    .with_facts(&settings, &mut Names::default())
    .to_concerned(&[])?;
    Ok(doc)
}

/// Moves the ticket to another active category, as an agent or a manager;
/// it goes to whoever takes that category's tickets, unless its assignee
/// handles that category too.
pub fn category_as_caller(ctx: &Ctx, id: &str, input: &CategoryInput) -> Result<Doc<Ticket>> {
    let (doc, settings, actors) = visible(ctx, id)?;
    escalation::check_handler(&actors, doc.data.status)?;
    check_version(&doc, input.version)?;
    let category = escalation::new_category(&settings, &doc.data.category, &input.category)?;
    let from = doc.data.category.clone();
    let previous = doc.data.assignee_id.clone();
    let mut ticket = doc.data.clone();
    ticket.category = category.key.clone();
    // Only when the assignee does not handle it: taking a turn moves the
    // category's rotation on.
    let keeps = previous.as_deref().is_some_and(|a| category.is_agent(a));
    let taker = if keeps {
        None
    } else {
        tickets::assign(ctx, &ticket, &settings)?
    };
    ticket.assignee_id = assignee_after_move(previous.as_deref(), category, taker.as_deref());
    record(
        ctx,
        &mut ticket,
        What::Category {
            from: from.clone(),
            to: category.key.clone(),
        },
    );
    let reassigned = ticket.assignee_id != previous;
    if reassigned {
        let to = ticket.assignee_id.clone();
        record(
            ctx,
            &mut ticket,
            What::Assigned {
                from: previous.clone(),
                to,
            },
        );
    }
    let doc = effects::save(ctx, &doc.id, &mut ticket, Some(doc.version), &settings)?;
    effects::emit(
        ctx,
        "category_changed",
        &doc,
        json!({ "from": from, "to": doc.data.category, "by": ctx.caller().user_id,
                "previous_assignee_id": previous }),
    )?;
    if reassigned {
        effects::emit(
            ctx,
            "assigned",
            &doc,
            json!({ "previous_assignee_id": previous }),
        )?;
    }
    let mut names = Names::default();
    let to_label = settings.category_label(&doc.data.category);
    let with = match (doc.data.assignee_id.as_deref(), reassigned) {
        (Some(id), true) => format!("It is now assigned to {}.", names.of(ctx, id)),
        (Some(id), false) => format!("It stays with {}.", names.of(ctx, id)),
        (None, _) => "Nobody is assigned yet: a manager will assign it.".to_owned(),
    };
    let headline = format!(
        "{} moved {} from {} to {to_label}. {with}",
        notify::who(ctx),
        doc.data.folio,
        settings.category_label(&from),
    );
    Mail::new(
        ctx,
        &doc,
        kind::CHANGED,
        &format!("Moved to {to_label}"),
        &headline,
    )
    .with_facts(&settings, &mut names)
    .to_concerned(&[previous.as_deref()])?;
    Ok(doc)
}

/// A manager's escalation: the priority raised one step (or to the one
/// chosen, never lower), the ticket reassigned if asked, and the
/// category's manager and the people concerned told why, with the new
/// deadlines.
pub fn escalate_as_caller(ctx: &Ctx, id: &str, input: &EscalateInput) -> Result<Doc<Ticket>> {
    let (doc, settings, actors) = visible(ctx, id)?;
    escalation::check_manager(&actors, doc.data.status)?;
    check_version(&doc, input.version)?;
    let from = doc.data.priority;
    let to = escalation::escalated_priority(from, input.priority.as_deref())?;
    let previous = doc.data.assignee_id.clone();
    let assignee = match input.assignee_id.as_deref().map(str::trim) {
        Some(id) if !id.is_empty() => {
            if !ctx.person(id)?.is_some_and(|p| p.active) {
                return Err(Error::invalid_field(
                    "assignee_id",
                    "must be an active person of the practice",
                ));
            }
            Some(id.to_owned())
        }
        _ => previous.clone(),
    };
    let reason = input
        .reason
        .as_deref()
        .map(str::trim)
        .filter(|r| !r.is_empty())
        .map(str::to_owned);
    if reason
        .as_ref()
        .is_some_and(|r| r.chars().count() > REASON_MAX)
    {
        return Err(Error::invalid_field("reason", "at most 2,000 characters"));
    }
    let mut ticket = doc.data.clone();
    ticket.priority = to;
    ticket.assignee_id = assignee.clone();
    let what = What::Escalated {
        from,
        to,
        previous_assignee_id: previous.clone(),
        assignee_id: assignee,
        reason: reason.clone(),
    };
    record(ctx, &mut ticket, what);
    let doc = effects::save(ctx, &doc.id, &mut ticket, Some(doc.version), &settings)?;
    let by = ctx.caller().user_id.clone();
    effects::emit(
        ctx,
        "escalated",
        &doc,
        json!({ "from": from, "to": to, "by": by, "reason": reason,
                "previous_assignee_id": previous }),
    )?;
    if to != from {
        effects::emit(
            ctx,
            "priority_changed",
            &doc,
            json!({ "from": from, "to": to, "by": by }),
        )?;
    }
    let reassigned = doc.data.assignee_id != previous;
    if reassigned {
        effects::emit(
            ctx,
            "assigned",
            &doc,
            json!({ "previous_assignee_id": previous }),
        )?;
    }
    let mut names = Names::default();
    let mut done = vec![if to != from {
        format!("priority raised from {} to {}", from.words(), to.words())
    } else {
        format!("its priority stays {}", to.words())
    }];
    if reassigned {
        done.push(
            match (doc.data.assignee_id.as_deref(), previous.as_deref()) {
                (Some(now), Some(before)) => format!(
                    "it is now assigned to {} (was {})",
                    names.of(ctx, now),
                    names.of(ctx, before)
                ),
                (Some(now), None) => format!("it is now assigned to {}", names.of(ctx, now)),
                (None, _) => "nobody is assigned".to_owned(),
            },
        );
    }
    let headline = format!(
        "{} escalated {} in {}: {}.",
        notify::who(ctx),
        doc.data.folio,
        settings.category_label(&doc.data.category),
        done.join(", and ")
    );
    let why = reason.map(|r| format!("Why: {r}")).unwrap_or_default();
    let manager = settings
        .category(&doc.data.category)
        .and_then(|c| c.manager_id.clone());
    Mail::new(ctx, &doc, kind::CHANGED, "Escalated", &headline)
        .then(&why)
        .with_facts(&settings, &mut names)
        .to_concerned(&[manager.as_deref(), previous.as_deref()])?;
    Ok(doc)
}

// Input ---------------------------------------------------------------------

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct PriorityInput {
    pub priority: String,
    pub version: Option<u64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct CategoryInput {
    pub category: String,
    pub version: Option<u64>,
}

/// An escalation: `priority` left out raises it one step; `assignee_id`
/// left out (or empty) keeps the assignee.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct EscalateInput {
    pub priority: Option<String>,
    pub assignee_id: Option<String>,
    pub reason: Option<String>,
    pub version: Option<u64>,
}
