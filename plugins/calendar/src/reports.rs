//! Reports: for each closed case, how long it took from opening to closing
//! and how many meetings it needed (its linked appointments, internal
//! meetings and client events, each occurrence of a series counted), and
//! the same per program and per month of closing.
//!
//! A case is listed once the calendar hears it closed (`case.closed`); its
//! figures are read again each time, so a meeting added later counts.

use std::collections::BTreeMap;

use immcase_sdk::html::{Element, Html, el};
use immcase_sdk::{Collection, Ctx, Doc, Error, Event as HostEvent, Request, Response, Result};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::data;
use crate::pages::stylesheet_link;
use crate::rules::access::MANAGE;
use crate::rules::kinds::Kind;
use crate::rules::when::{self, DAY};
use crate::shown;

/// A closed case as the reports keep it.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ClosedCase {
    pub folio: String,
    pub program: Option<String>,
    pub opened_on: String,
    pub closing_date: String,
    pub outcome: Option<String>,
}

fn closed_cases() -> Collection<ClosedCase> {
    Collection::new("closed_cases")
}

/// `case.closed`: the case joins the reports (again, if reopened and
/// closed once more).
pub fn on_event(ctx: &Ctx, event: &HostEvent) -> Result<()> {
    let Some(id) = event.payload["id"].as_str() else {
        return Ok(());
    };
    let case = match ctx.case(id) {
        Ok(case) => case,
        Err(Error::NotFound(_)) => return Ok(()),
        Err(e) => return Err(e),
    };
    let created = when::date_of(case.created_at, &jiff::tz::TimeZone::UTC).to_string();
    let today = when::date_of(ctx.now(), &jiff::tz::TimeZone::UTC).to_string();
    let kept = ClosedCase {
        folio: case.folio.clone(),
        program: case.program.clone(),
        opened_on: case.opened_on.clone().unwrap_or(created),
        closing_date: case.closing_date.clone().unwrap_or(today),
        outcome: case
            .outcome
            .and_then(|o| serde_json::to_value(o).ok())
            .and_then(|v| v.as_str().map(str::to_string)),
    };
    match closed_cases().get(id)? {
        Some(doc) => closed_cases().update(id, &kept, doc.version).map(|_| ()),
        None => closed_cases().insert(id, &kept).map(|_| ()),
    }
}

/// One case's figures.
#[derive(Debug, Clone, Serialize)]
pub struct CaseFigures {
    pub case_id: String,
    pub folio: String,
    pub program: String,
    pub opened_on: String,
    pub closing_date: String,
    pub outcome: Option<String>,
    pub days: i64,
    pub meetings: usize,
}

/// Averages over a group of cases.
#[derive(Debug, Clone, Serialize)]
pub struct Group {
    pub key: String,
    pub cases: usize,
    pub average_days: f64,
    pub average_meetings: f64,
}

fn is_meeting(kind: Kind) -> bool {
    matches!(
        kind,
        Kind::Appointment | Kind::InternalMeeting | Kind::ClientEvent
    )
}

/// The meetings linked to a case between its opening and closing.
fn meetings(ctx: &Ctx, case_id: &str, opened: i64, closed: i64) -> Result<usize> {
    let mut count = 0;
    for doc in data::events_where(ctx, "case_id", case_id)? {
        if !is_meeting(doc.data.kind) {
            continue;
        }
        count += match doc.data.rrule {
            Some(_) => {
                let calendar = Doc {
                    id: doc.data.calendar_id.clone(),
                    version: 0,
                    created_at: 0,
                    updated_at: 0,
                    data: Default::default(),
                };
                shown::occurrences(&doc, &calendar, opened, closed, &jiff::tz::TimeZone::UTC).len()
            }
            None => 1,
        };
    }
    Ok(count)
}

fn figures(ctx: &Ctx) -> Result<Vec<CaseFigures>> {
    let mut out = Vec::new();
    let mut cursor = None;
    loop {
        let page = closed_cases().query().limit(500).after(cursor).fetch()?;
        for doc in &page.items {
            let c = &doc.data;
            let (Ok(opened), Ok(closed)) = (
                when::parse_date(&c.opened_on),
                when::parse_date(&c.closing_date),
            ) else {
                continue;
            };
            let utc = jiff::tz::TimeZone::UTC;
            let from = when::day_start(opened, &utc);
            let to = when::day_start(when::next_day(closed), &utc);
            out.push(CaseFigures {
                case_id: doc.id.clone(),
                folio: c.folio.clone(),
                program: c.program.clone().unwrap_or_else(|| "(none)".into()),
                opened_on: c.opened_on.clone(),
                closing_date: c.closing_date.clone(),
                outcome: c.outcome.clone(),
                days: ((to - from) / DAY - 1).max(0),
                meetings: meetings(ctx, &doc.id, from - DAY, to + DAY)?,
            });
        }
        match page.next_cursor {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    out.sort_by(|a, b| {
        b.closing_date
            .cmp(&a.closing_date)
            .then(a.folio.cmp(&b.folio))
    });
    Ok(out)
}

fn groups(cases: &[CaseFigures], key: impl Fn(&CaseFigures) -> String) -> Vec<Group> {
    let mut by: BTreeMap<String, Vec<&CaseFigures>> = BTreeMap::new();
    for case in cases {
        by.entry(key(case)).or_default().push(case);
    }
    by.into_iter()
        .map(|(key, list)| {
            let n = list.len() as f64;
            Group {
                key,
                cases: list.len(),
                average_days: list.iter().map(|c| c.days as f64).sum::<f64>() / n,
                average_meetings: list.iter().map(|c| c.meetings as f64).sum::<f64>() / n,
            }
        })
        .collect()
}

/// `GET /reports`: the JSON figures; as a page, the tables. Holders of
/// `calendar.manage` only.
pub fn show(ctx: &Ctx, request: Request) -> Result<Response> {
    ctx.require(MANAGE)?;
    let cases = figures(ctx)?;
    let programs = groups(&cases, |c| c.program.clone());
    let months = groups(&cases, |c| {
        c.closing_date.get(..7).unwrap_or("").to_string()
    });
    if !request.is_page() {
        return Ok(Response::json(
            &json!({ "cases": cases, "programs": programs, "months": months }),
        ));
    }
    let table = |head: &[&str], rows: Vec<Element>| {
        el("div").class("table-wrap").child(
            el("table")
                .class("list")
                .child(el("thead").child(
                    el("tr").children(head.iter().map(|h| el("th").attr("scope", "col").text(h))),
                ))
                .child(el("tbody").children(rows)),
        )
    };
    let one = |n: f64| format!("{n:.1}");
    let case_rows = cases
        .iter()
        .map(|c| {
            el("tr")
                .child(
                    el("td").child(
                        el("a")
                            .attr("href", format!("/cases/{}", c.case_id))
                            .text(&c.folio),
                    ),
                )
                .child(el("td").text(&c.program))
                .child(el("td").text(&c.opened_on))
                .child(el("td").text(&c.closing_date))
                .child(el("td").text(&c.days.to_string()))
                .child(el("td").text(&c.meetings.to_string()))
                .child(el("td").text(c.outcome.as_deref().unwrap_or("")))
        })
        .collect();
    let group_rows = |groups: &[Group]| {
        groups
            .iter()
            .map(|g| {
                el("tr")
                    .child(el("td").text(&g.key))
                    .child(el("td").text(&g.cases.to_string()))
                    .child(el("td").text(&one(g.average_days)))
                    .child(el("td").text(&one(g.average_meetings)))
            })
            .collect::<Vec<_>>()
    };
    let mut page = el("section")
        .class("reports")
        .child(el("h1").text("Calendar reports"));
    if cases.is_empty() {
        page = page.child(el("p").class("muted").text(
            "No closed cases yet. A case appears here when it is closed while the calendar is enabled.",
        ));
    } else {
        page = page
            .child(el("p").class("hint").text(
                "Days from opening to closing, and meetings (appointments, internal meetings and client events linked to the case, each occurrence counted).",
            ))
            .child(el("h2").text("Per case"))
            .child(table(&["Case", "Program", "Opened", "Closed", "Days", "Meetings", "Outcome"], case_rows))
            .child(el("h2").text("Per program"))
            .child(table(&["Program", "Cases", "Average days", "Average meetings"], group_rows(&programs)))
            .child(el("h2").text("Per month of closing"))
            .child(table(&["Month", "Cases", "Average days", "Average meetings"], group_rows(&months)));
    }
    Ok(
        Response::html(Html::from_iter([stylesheet_link().render(), page.render()]))
            .page_title("Calendar reports"),
    )
}
