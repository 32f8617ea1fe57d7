//! Team availability: when chosen colleagues are busy on a day or a week,
//! and the times all of them are free within working hours, for
//! scheduling an internal meeting. A busy block shows its title only when
//! the viewer may read that event; otherwise it is "Busy".
//!
//! A person is busy during the events of their own calendar and the
//! events they take part in; all-day events and moments (deadlines,
//! reminders without a length) do not make anyone busy.

use immcase_sdk::html::{Element, Html, el, text};
use immcase_sdk::{Ctx, Error, Request, Response, Result};
use jiff::civil::{Date, Time};
use serde::Serialize;
use serde_json::json;

use crate::data::{self, Reader};
use crate::pages::{BASE, View, anchor, checkbox, stylesheet_link};
use crate::rules::access::personal_id;
use crate::rules::event::Event;
use crate::rules::when::{self, DAY, HOUR};
use crate::shown;

/// Working hours the free times are looked for in (the viewer's zone).
const OPENS: i8 = 8;
const CLOSES: i8 = 18;
/// At most this many colleagues at once.
const PEOPLE_MAX: usize = 12;

#[derive(Debug, Clone, Serialize)]
pub struct Busy {
    pub start: i64,
    pub end: i64,
    /// None when the viewer may not read the event.
    pub title: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct PersonBusy {
    pub id: String,
    pub name: String,
    pub busy: Vec<Busy>,
}

fn may_read(
    ctx: &Ctx,
    reader: &Reader,
    event: &Event,
    calendars: &mut Vec<(String, bool)>,
) -> bool {
    if event.people().any(|p| p == reader.id) {
        return true;
    }
    if let Some((_, readable)) = calendars.iter().find(|(id, _)| *id == event.calendar_id) {
        return *readable;
    }
    let readable = data::readable_calendar(ctx, reader, &event.calendar_id).is_ok();
    calendars.push((event.calendar_id.clone(), readable));
    readable
}

/// When each of `people` is busy in `[from, to)`, earliest first.
pub fn busy(
    ctx: &Ctx,
    reader: &Reader,
    people: &[String],
    from: i64,
    to: i64,
) -> Result<Vec<PersonBusy>> {
    let mut known = Vec::new();
    let mut out = Vec::new();
    for id in people.iter().take(PEOPLE_MAX) {
        let Some(person) = ctx.person(id)? else {
            continue;
        };
        let mut docs = data::events_between(ctx, &personal_id(id), from - DAY, to + DAY)?;
        for doc in data::attended_between(ctx, id, from - DAY, to + DAY)? {
            if !docs.iter().any(|d| d.id == doc.id) {
                docs.push(doc);
            }
        }
        let mut blocks = Vec::new();
        for doc in &docs {
            if doc.data.all_day {
                continue;
            }
            let placeholder = data::invited(&doc.data.calendar_id);
            let readable = may_read(ctx, reader, &doc.data, &mut known);
            for o in shown::occurrences(doc, &placeholder, from, to, &reader.zone()) {
                if o.event.end <= o.event.start {
                    continue;
                }
                blocks.push(Busy {
                    start: o.event.start,
                    end: o.event.end,
                    title: readable.then(|| o.event.title.clone()),
                });
            }
        }
        blocks.sort_by_key(|b| (b.start, b.end));
        out.push(PersonBusy {
            id: person.id,
            name: person.display_name,
            busy: blocks,
        });
    }
    Ok(out)
}

/// The free stretches of `[from, to)` outside every busy block.
pub fn free(from: i64, to: i64, busy: &[&Busy]) -> Vec<(i64, i64)> {
    let mut blocks: Vec<(i64, i64)> = busy
        .iter()
        .map(|b| (b.start.max(from), b.end.min(to)))
        .filter(|(s, e)| s < e)
        .collect();
    blocks.sort();
    let mut out = Vec::new();
    let mut at = from;
    for (start, end) in blocks {
        if start > at {
            out.push((at, start));
        }
        at = at.max(end);
    }
    if at < to {
        out.push((at, to));
    }
    out
}

/// The people asked for: `?people=a&people=b` or `?people=a,b`.
fn people_param(request: &Request) -> Vec<String> {
    let mut people: Vec<String> = Vec::new();
    for (k, v) in request.query_params() {
        if k == "people" {
            for id in v.split(',').map(str::trim).filter(|s| !s.is_empty()) {
                if !people.iter().any(|p| p == id) {
                    people.push(id.to_string());
                }
            }
        }
    }
    people
}

/// `GET /availability?people=&from=&to=` (JSON): busy blocks per person.
pub fn api(ctx: &Ctx, request: Request) -> Result<Response> {
    let reader = Reader::of(ctx)?;
    let from = crate::api::instant_param(&request, "from", &reader)?;
    let to = crate::api::instant_param(&request, "to", &reader)?;
    let (Some(from), Some(to)) = (from, to) else {
        return Err(Error::invalid_field(
            "from",
            "from and to are required (RFC 3339)",
        ));
    };
    if to <= from || to - from > 31 * DAY {
        return Err(Error::invalid_field(
            "to",
            "after from, and at most 31 days later",
        ));
    }
    let people = people_param(&request);
    if people.len() > PEOPLE_MAX {
        return Err(Error::invalid_field(
            "people",
            &format!("at most {PEOPLE_MAX} at once"),
        ));
    }
    Ok(Response::json(
        &json!({ "people": busy(ctx, &reader, &people, from, to)? }),
    ))
}

/// `GET /availability` (page): the form to choose colleagues and a day or
/// a week, and for each day each one's busy blocks and the times all are
/// free.
pub fn page(ctx: &Ctx, request: Request) -> Result<Response> {
    let reader = Reader::of(ctx)?;
    let zone = reader.zone();
    let date = anchor(ctx, &request, &reader);
    let week = request.query_param("span").as_deref() == Some("week");
    let first = if week {
        crate::pages::monday(date)
    } else {
        date
    };
    let days = if week { 7 } else { 1 };
    let mut chosen = people_param(&request);
    chosen.truncate(PEOPLE_MAX);
    let colleagues = ctx.people_holding("module:calendar")?;
    let from = when::day_start(first, &zone);
    let to = when::day_start(when::add_days(first, days), &zone);
    let found = busy(ctx, &reader, &chosen, from, to)?;
    let mut body = el("section")
        .class("availability")
        .child(
            el("p").child(
                el("a")
                    .attr("href", View::Day.link(date))
                    .text("‹ Calendar"),
            ),
        )
        .child(el("h1").text("Team availability"))
        .child(form(&colleagues, &chosen, date, week));
    if found.is_empty() {
        body =
            body.child(el("p").class("muted").text(
                "Choose colleagues to see when they are busy and when all of them are free.",
            ));
    }
    for d in 0..days {
        let day = when::add_days(first, d);
        if found.is_empty() {
            break;
        }
        body = body.child(day_block(&found, day, &zone));
    }
    Ok(
        Response::html(Html::from_iter([stylesheet_link().render(), body.render()]))
            .page_title("Team availability"),
    )
}

fn form(colleagues: &[immcase_sdk::Person], chosen: &[String], date: Date, week: bool) -> Element {
    let boxes = colleagues
        .iter()
        .map(|p| checkbox("people", &p.id, chosen.contains(&p.id)).child(text(&p.display_name)));
    el("form")
        .class("stack")
        .attr("method", "get")
        .attr("action", format!("{BASE}/availability"))
        .child(
            el("fieldset")
                .child(el("legend").text("Colleagues"))
                .child(el("div").class("people-choices").children(boxes)),
        )
        .child(
            el("div")
                .class("two")
                .child(
                    el("label").text("Day").child(
                        el("input")
                            .attr("type", "date")
                            .attr("name", "date")
                            .attr("value", date.to_string()),
                    ),
                )
                .child(
                    el("label").text("Show").child(
                        el("select")
                            .attr("name", "span")
                            .child(
                                el("option")
                                    .attr("value", "day")
                                    .flag("selected", !week)
                                    .text("That day"),
                            )
                            .child(
                                el("option")
                                    .attr("value", "week")
                                    .flag("selected", week)
                                    .text("Its week"),
                            ),
                    ),
                ),
        )
        .child(
            el("button")
                .class("primary")
                .attr("type", "submit")
                .text("Show availability"),
        )
}

fn day_block(found: &[PersonBusy], day: Date, zone: &jiff::tz::TimeZone) -> Element {
    let at = |h: i8| {
        when::instant(
            day.to_datetime(Time::new(h, 0, 0, 0).unwrap_or(Time::midnight())),
            zone,
        )
    };
    let (opens, closes) = (at(OPENS), at(CLOSES));
    let span = |s: i64, e: i64| format!("{}–{}", when::clock(s, zone), when::clock(e, zone));
    let rows = found.iter().map(|p| {
        let today: Vec<&Busy> = p
            .busy
            .iter()
            .filter(|b| b.start < at(24).max(closes) && b.end > at(0))
            .collect();
        let blocks: Vec<Element> = today
            .iter()
            .map(|b| {
                let title = b.title.clone().unwrap_or_else(|| "Busy".into());
                el("li")
                    .child(el("span").class("t").text(&span(b.start, b.end)))
                    .child(text(&title))
            })
            .collect();
        let list: Html = if blocks.is_empty() {
            el("p").class("muted").text("Free all day").render()
        } else {
            el("ul").class("busy").children(blocks).render()
        };
        el("li").child(el("strong").text(&p.name)).child(list)
    });
    let everyone: Vec<&Busy> = found.iter().flat_map(|p| p.busy.iter()).collect();
    let common = free(opens, closes, &everyone);
    let people_ids: Vec<&str> = found.iter().map(|p| p.id.as_str()).collect();
    let slots: Vec<Element> = common
        .iter()
        .filter(|(s, e)| e - s >= HOUR / 2)
        .map(|&(s, e)| {
            let href = format!(
                "{BASE}/new?start={}&type=internal_meeting&people={}",
                when::form_value(s, zone),
                people_ids.join(",")
            );
            el("li").child(
                el("a")
                    .attr("href", href)
                    .text(&format!("{} · schedule a meeting", span(s, e))),
            )
        })
        .collect();
    let free_list: Html = if slots.is_empty() {
        el("p")
            .class("muted")
            .text(&format!(
                "No common free half hour between {OPENS:02}:00 and {CLOSES:02}:00."
            ))
            .render()
    } else {
        el("ul").class("free").children(slots).render()
    };
    el("section")
        .class("availability-day")
        .child(
            el("h2").child(
                el("a")
                    .attr("href", View::Day.link(day))
                    .text(&when::day_label(day)),
            ),
        )
        .child(el("ul").class("people-busy").children(rows))
        .child(el("h3").text(&format!("Everyone free ({OPENS:02}:00–{CLOSES:02}:00)")))
        .child(free_list)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn block(start: i64, end: i64) -> Busy {
        Busy {
            start,
            end,
            title: None,
        }
    }

    #[test]
    fn free_time_is_what_no_busy_block_covers() {
        let a = block(10, 20);
        let b = block(15, 30);
        let c = block(50, 120);
        assert_eq!(free(0, 100, &[&c, &a, &b]), [(0, 10), (30, 50)]);
        assert_eq!(free(0, 100, &[]), [(0, 100)]);
        assert!(free(0, 100, &[&block(-5, 200)]).is_empty());
    }
}
