//! The calendar where other pages show it: the Calendar tab of an
//! applicant and of a case (every event linked to them), and the
//! dashboard's panel of upcoming critical deadlines for the people they
//! concern.

use immcase_sdk::html::{Html, el, text};
use immcase_sdk::{Ctx, Op, Request, Response, Result};

use super::{BASE, stylesheet_link, views::agenda_line};
use crate::api;
use crate::data::{self, Reader};
use crate::rules::event::Event;
use crate::rules::when::{self, DAY};
use crate::shown::{self, Shown};

/// How far ahead the dashboard looks for critical deadlines.
const PANEL_DAYS: i64 = 60;
const PANEL_SHOWN: usize = 8;

/// `GET /records?applicant=ID` or `?case=ID` (a record's Calendar tab):
/// every event linked to it that the reader may read, upcoming first and
/// then past, with a link to add one.
pub fn record_tab(ctx: &Ctx, request: Request) -> Result<Response> {
    let reader = Reader::of(ctx)?;
    let zone = reader.zone();
    let (field, param, id) = match (
        request.query_param("applicant"),
        request.query_param("case"),
    ) {
        (_, Some(case)) if !case.is_empty() => ("case_id", "case", case),
        (Some(applicant), _) if !applicant.is_empty() => ("applicant_id", "applicant", applicant),
        _ => {
            return Err(immcase_sdk::Error::invalid_field(
                "applicant",
                "an applicant or a case",
            ));
        }
    };
    let calendars = data::readable(ctx, &reader)?;
    let now = ctx.now();
    let mut upcoming: Vec<Shown> = Vec::new();
    let mut past: Vec<Shown> = Vec::new();
    for doc in api::linked(ctx, &reader, &calendars, field, &id)? {
        // One they read, or one they take part in ("Invited").
        let invited = data::invited(&doc.data.calendar_id);
        let calendar = calendars
            .iter()
            .find(|c| c.id == doc.data.calendar_id)
            .unwrap_or(&invited);
        // A series: its next occurrence, or its last one.
        let shown = match &doc.data.rrule {
            Some(_) => {
                let soon = shown::occurrences(&doc, calendar, now, now + 400 * DAY, &zone);
                match soon.into_iter().next() {
                    Some(next) => next,
                    None => shown::occurrences(
                        &doc,
                        calendar,
                        doc.data.start,
                        doc.data.last.min(now),
                        &zone,
                    )
                    .pop()
                    .unwrap_or_else(|| whole(&doc, calendar)),
                }
            }
            None => whole(&doc, calendar),
        };
        if shown.event.end >= now {
            upcoming.push(shown)
        } else {
            past.push(shown)
        }
    }
    upcoming.sort_by_key(|s| s.event.start);
    past.sort_by_key(|s| std::cmp::Reverse(s.event.start));
    let list = |items: &[Shown]| {
        el("ul").class("agenda").children(items.iter().map(|s| {
            el("li")
                .child(
                    el("small")
                        .class("muted")
                        .text(&when::day_label(when::date_of(s.event.start, &zone))),
                )
                .child(agenda_line(s, &zone))
        }))
    };
    let mut body = el("div").class("calendar-tab").child(
        el("p").child(
            el("a")
                .class("button")
                .attr("href", format!("{BASE}/new?{param}={id}"))
                .text("New event"),
        ),
    );
    if upcoming.is_empty() && past.is_empty() {
        body = body.child(el("p").class("muted").text("No events linked yet."));
    }
    if !upcoming.is_empty() {
        body = body.child(el("h3").text("Upcoming")).child(list(&upcoming));
    }
    if !past.is_empty() {
        body = body.child(el("h3").text("Past")).child(list(&past));
    }
    Ok(
        Response::html(Html::from_iter([stylesheet_link().render(), body.render()]))
            .page_title("Calendar"),
    )
}

fn whole(
    doc: &immcase_sdk::Doc<Event>,
    calendar: &immcase_sdk::Doc<crate::rules::access::Calendar>,
) -> Shown {
    Shown {
        id: doc.id.clone(),
        version: doc.version,
        event: doc.data.clone(),
        occurrence: None,
        colour: calendar.data.colour.clone(),
        calendar_name: calendar.data.name.clone(),
    }
}

/// Whether a critical deadline concerns `person`: they take part, it is
/// in their own calendar, they wrote it, or they are responsible for its
/// case.
fn concerns(ctx: &Ctx, event: &Event, person: &str) -> bool {
    if event.people().any(|p| p == person)
        || event.calendar_id == crate::rules::access::personal_id(person)
        || event.created_by.as_deref() == Some(person)
    {
        return true;
    }
    event
        .case_id
        .as_deref()
        .and_then(|id| ctx.case(id).ok())
        .and_then(|case| case.responsible_user_id)
        .is_some_and(|r| r == person)
}

/// `GET /panel/deadlines` (the dashboard's panel): critical deadlines in
/// the next 60 days that concern the reader, soonest first.
pub fn deadlines_panel(ctx: &Ctx, _request: Request) -> Result<Response> {
    let reader = Reader::of(ctx)?;
    let zone = reader.zone();
    let now = ctx.now();
    let found = data::events(ctx)
        .query()
        .where_op("deadline_at", Op::Gte, now)
        .where_op("deadline_at", Op::Lt, now + PANEL_DAYS * DAY)
        .order_by("deadline_at")
        .limit(200)
        .fetch()?;
    let mine: Vec<_> = found
        .items
        .into_iter()
        .filter(|d| concerns(ctx, &d.data, &reader.id))
        .collect();
    let body = if mine.is_empty() {
        el("p")
            .class("muted")
            .text("No critical deadlines in the next 60 days.")
    } else {
        el("ul")
            .class("critical-deadlines")
            .children(mine.iter().take(PANEL_SHOWN).map(|d| {
                let e = &d.data;
                let days = (e.start - now) / DAY;
                let left = match days {
                    0 => "today or tomorrow".to_string(),
                    1 => "in 1 day".to_string(),
                    n => format!("in {n} days"),
                };
                let at = if e.all_day {
                    when::day_label(when::date_of(e.start, &when::zone_or_utc(&e.time_zone)))
                } else {
                    when::moment(e.start, &zone)
                };
                el("li")
                    .child(
                        el("strong").child(
                            el("a")
                                .attr("href", format!("{BASE}/events/{}", d.id))
                                .text(&e.title),
                        ),
                    )
                    .child(text(&format!(" — {at}, {left}")))
            }))
    };
    let more = (mine.len() > PANEL_SHOWN).then(|| {
        el("p").child(
            el("a")
                .attr("href", format!("{BASE}/agenda"))
                .text(&format!("{} more in the agenda", mine.len() - PANEL_SHOWN)),
        )
    });
    let mut panel = el("div")
        .class("deadline-alert")
        .attr("role", "alert")
        .child(body);
    if let Some(more) = more {
        panel = panel.child(more);
    }
    Ok(Response::html(Html::from_iter([
        stylesheet_link().render(),
        panel.render(),
    ])))
}
