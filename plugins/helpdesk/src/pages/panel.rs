//! "My tickets" on the dashboard: the tickets assigned to the reader or
//! filed by them that are still to be answered or solved (not resolved or
//! closed), most recent first, each with where its SLA stands.

use immcase_sdk::html::{Element, el, text};
use immcase_sdk::{Ctx, Doc, Request, Response, Result};

use super::{BASE, local_time};
use crate::data;
use crate::rules::settings::Settings;
use crate::rules::sla::{ClockReport, ClockState, evaluate};
use crate::rules::ticket::{Status, Ticket};

/// Shown on the dashboard; the rest are one click away.
const SHOWN: usize = 8;
/// Read per query (assigned to the reader, filed by them).
const READ: u32 = 100;

/// `GET /panel/mine` (page, placed on the dashboard).
pub fn my_tickets(ctx: &Ctx, _request: Request) -> Result<Response> {
    let settings = data::settings(ctx)?;
    let Some(me) = ctx.caller().user_id.clone() else {
        return Ok(Response::html(
            el("p").class("muted").text("No tickets.").render(),
        ));
    };
    let mut mine: Vec<Doc<Ticket>> = Vec::new();
    for field in ["assignee_id", "requester_id"] {
        let page = data::tickets(ctx)
            .query()
            .descending()
            .where_eq(field, me.as_str())
            .limit(READ)
            .fetch()?;
        for doc in page.items {
            if !mine.iter().any(|m| m.id == doc.id) {
                mine.push(doc);
            }
        }
    }
    mine.retain(|doc| !matches!(doc.data.status, Status::Resolved | Status::Closed));
    // Ids are time-ordered: the newest first.
    mine.sort_by(|a, b| b.id.cmp(&a.id));
    let body = if mine.is_empty() {
        el("p")
            .class("muted")
            .text("No open tickets assigned to you or filed by you.")
    } else {
        let tz = &ctx.caller().time_zone;
        let rows = mine
            .iter()
            .take(SHOWN)
            .map(|doc| row(ctx, doc, &me, &settings, tz));
        el("ul").class("tickets my-tickets").children(rows)
    };
    let more = format!(
        "{} open · see all your tickets",
        match mine.len() {
            1 => "1 ticket".to_owned(),
            n => format!("{n} tickets"),
        }
    );
    Ok(Response::html(
        el("div")
            .child(body)
            .child(el("p").child(el("a").attr("href", format!("{BASE}/?mine=1")).text(&more)))
            .render(),
    ))
}

fn row(ctx: &Ctx, doc: &Doc<Ticket>, me: &str, settings: &Settings, tz: &str) -> Element {
    let t = &doc.data;
    let report = evaluate(data::now(ctx), t, &settings.sla, &settings.business_hours);
    let clock = if report.first_response.state == ClockState::Met {
        &report.resolution
    } else {
        &report.first_response
    };
    let role = if t.assignee_id.as_deref() == Some(me) {
        "assigned to you"
    } else {
        "filed by you"
    };
    el("li")
        .attr("data-sla", sla_key(clock))
        .child(
            el("a")
                .attr("href", format!("{BASE}/tickets/{}", doc.id))
                .text(&format!("{} {}", t.folio, t.subject)),
        )
        .child(text(" "))
        .child(el("small").text(&format!(
            "{} · {} · {} · {}",
            t.priority.as_str(),
            t.status.words(),
            role,
            sla_words(clock, tz)
        )))
}

/// Where the clock that matters now stands, in a few words.
fn sla_words(clock: &ClockReport, tz: &str) -> String {
    let what = crate::notify::clock_name(clock.clock);
    match (clock.state, clock.due_at) {
        (ClockState::Breached, _) => format!("SLA missed ({what})"),
        (ClockState::Running, Some(due)) => format!("{what} due {}", local_time(due, tz)),
        (ClockState::Paused, _) => "SLA paused, waiting on the requester".to_owned(),
        (ClockState::Met, _) => "SLA met".to_owned(),
        (ClockState::Running, None) => format!("{what} running"),
    }
}

fn sla_key(clock: &ClockReport) -> &'static str {
    match clock.state {
        ClockState::Breached => "breached",
        ClockState::Running => "running",
        ClockState::Paused => "paused",
        ClockState::Met => "met",
    }
}
