//! Month (the landing page), week, day and agenda. Each reads the range it
//! shows, with every series expanded, in the reader's zone. Clicking a day
//! or an hour opens the new-event form for it.

use immcase_sdk::html::{Element, Html, el, text};
use immcase_sdk::{Ctx, Request, Response, Result};
use jiff::civil::{Date, Time};

use super::{BASE, View, anchor, chip, frame, monday, today};
use crate::data::Reader;
use crate::rules::when;
use crate::shown::{self, Shown};

/// Chips shown in a month's day before "N more".
const MONTH_CHIPS: usize = 4;
/// Days the agenda reads.
const AGENDA_DAYS: i64 = 30;

/// The events shown on `day` in the reader's zone.
fn on_day<'a>(all: &'a [Shown], day: Date, zone: &jiff::tz::TimeZone) -> Vec<&'a Shown> {
    let from = when::day_start(day, zone);
    let to = when::day_start(when::next_day(day), zone);
    all.iter()
        .filter(|s| {
            if s.event.all_day {
                let (first, last) = s.dates();
                first <= day && day <= last
            } else {
                s.event.start < to
                    && (s.event.end > from
                        || (s.event.end == s.event.start && s.event.start >= from))
            }
        })
        .collect()
}

/// `GET /` and `GET /month` (page): the month of `?date=` (today's).
pub fn month(ctx: &Ctx, request: Request) -> Result<Response> {
    let reader = Reader::of(ctx)?;
    let zone = reader.zone();
    let date = anchor(ctx, &request, &reader);
    let first_of_month = date.first_of_month();
    let start = monday(first_of_month);
    let last_of_month = date.last_of_month();
    let weeks = (last_of_month
        .since(start)
        .map(|s| s.get_days())
        .unwrap_or(27)
        / 7
        + 1) as i64;
    let chosen = shown::chosen(ctx, &reader, None)?;
    let from = when::day_start(start, &zone);
    let to = when::day_start(when::add_days(start, weeks * 7), &zone);
    let events = shown::between(ctx, &reader, &chosen.shown, from, to)?;
    let today = today(ctx, &reader);
    let head = el("tr").children(
        ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
            .iter()
            .map(|d| el("th").attr("scope", "col").text(d)),
    );
    let rows = (0..weeks).map(|w| {
        el("tr").children((0..7).map(|d| {
            let day = when::add_days(start, w * 7 + d);
            day_cell(&events, day, date, today, &zone)
        }))
    });
    let table = el("table")
        .class("month")
        .child(
            el("caption")
                .class("visually-hidden")
                .text(&format!("{}", date.strftime("%B %Y"))),
        )
        .child(el("thead").child(head))
        .child(el("tbody").children(rows));
    let title = date.strftime("%B %Y").to_string();
    let body = frame(
        ctx,
        &reader,
        View::Month,
        date,
        &title,
        &chosen,
        table.render(),
    );
    Ok(Response::html(body).page_title(&format!("Calendar · {title}")))
}

fn day_cell(
    events: &[Shown],
    day: Date,
    anchor: Date,
    today: Date,
    zone: &jiff::tz::TimeZone,
) -> Element {
    let mut class = String::new();
    if day.month() != anchor.month() {
        class.push_str("other ");
    }
    if day == today {
        class.push_str("today");
    }
    let found = on_day(events, day, zone);
    let head = el("div")
        .class("day-head")
        .child(
            el("a")
                .attr("href", View::Day.link(day))
                .attr("aria-label", when::day_label(day))
                .text(&day.day().to_string()),
        )
        .child(
            el("a")
                .class("add")
                .attr("href", format!("{BASE}/new?date={day}"))
                .attr(
                    "aria-label",
                    format!("New event on {}", when::day_label(day)),
                )
                .attr("title", "New event")
                .text("+"),
        );
    let chips = found
        .iter()
        .take(MONTH_CHIPS)
        .map(|s| el("li").child(chip(s, zone)));
    let mut cell = el("td").child(head).child(el("ul").children(chips));
    if found.len() > MONTH_CHIPS {
        cell = cell.child(
            el("a")
                .class("more")
                .attr("href", View::Day.link(day))
                .text(&format!("{} more", found.len() - MONTH_CHIPS)),
        );
    }
    if !class.is_empty() {
        cell = cell.class(class.trim());
    }
    cell
}

/// `GET /week` (page): the seven days from the Monday of `?date=`.
pub fn week(ctx: &Ctx, request: Request) -> Result<Response> {
    let reader = Reader::of(ctx)?;
    let date = anchor(ctx, &request, &reader);
    let first = monday(date);
    let title = format!("Week of {}", first.strftime("%-d %b %Y"));
    columns(ctx, &reader, View::Week, date, first, 7, &title)
}

/// `GET /day` (page): one day, hour by hour.
pub fn day(ctx: &Ctx, request: Request) -> Result<Response> {
    let reader = Reader::of(ctx)?;
    let date = anchor(ctx, &request, &reader);
    let title = when::day_label(date);
    columns(ctx, &reader, View::Day, date, date, 1, &title)
}

/// Days side by side (stacked on a phone), each with its all-day events
/// and a row per hour; an hour's time opens the new-event form for it.
fn columns(
    ctx: &Ctx,
    reader: &Reader,
    view: View,
    date: Date,
    first: Date,
    days: i64,
    title: &str,
) -> Result<Response> {
    let zone = reader.zone();
    let chosen = shown::chosen(ctx, reader, None)?;
    let from = when::day_start(first, &zone);
    let to = when::day_start(when::add_days(first, days), &zone);
    let events = shown::between(ctx, reader, &chosen.shown, from, to)?;
    let today = today(ctx, reader);
    let cols = (0..days).map(|d| {
        let day = when::add_days(first, d);
        day_column(&events, day, today, &zone)
    });
    let grid = el("div")
        .class(if days == 1 { "days day" } else { "days" })
        .children(cols);
    let body = frame(ctx, reader, view, date, title, &chosen, grid.render());
    Ok(Response::html(body).page_title(&format!("Calendar · {title}")))
}

fn day_column(events: &[Shown], day: Date, today: Date, zone: &jiff::tz::TimeZone) -> Element {
    let found = on_day(events, day, zone);
    let all_day = found
        .iter()
        .filter(|s| s.event.all_day)
        .map(|s| el("li").child(chip(s, zone)));
    let timed: Vec<&&Shown> = found.iter().filter(|s| !s.event.all_day).collect();
    let from = when::day_start(day, zone);
    // Events that began the day before show in the first hour.
    let hour_of = |s: &Shown| -> i8 {
        if s.event.start < from {
            0
        } else {
            when::local(s.event.start, zone).hour()
        }
    };
    // 7:00 to 19:00 always, and any other hour with an event.
    let hours =
        (0..24i8).filter(|h| (7..=19).contains(h) || timed.iter().any(|s| hour_of(s) == *h));
    let slots = hours.map(|h| {
        let at = day.to_datetime(Time::new(h, 0, 0, 0).unwrap_or(Time::midnight()));
        let chips = timed
            .iter()
            .filter(|s| hour_of(s) == h)
            .map(|s| el("li").child(chip(s, zone)));
        el("div")
            .class("slot")
            .child(
                el("a")
                    .class("hour")
                    .attr(
                        "href",
                        format!("{BASE}/new?start={}", at.strftime("%Y-%m-%dT%H:%M")),
                    )
                    .attr(
                        "aria-label",
                        format!("New event at {:02}:00 on {}", h, when::day_label(day)),
                    )
                    .text(&format!("{h:02}:00")),
            )
            .child(el("ul").children(chips))
    });
    let mut column = el("section")
        .class(if day == today {
            "daycol today"
        } else {
            "daycol"
        })
        .child(
            el("h2").child(
                el("a")
                    .attr("href", View::Day.link(day))
                    .text(&day.strftime("%a %-d %b").to_string()),
            ),
        )
        .child(el("div").class("allday").child(el("ul").children(all_day)))
        .children(slots);
    if day == today {
        column = column.attr("aria-current", "date");
    }
    column
}

/// `GET /agenda` (page): the next 30 days from `?date=`, day by day.
pub fn agenda(ctx: &Ctx, request: Request) -> Result<Response> {
    let reader = Reader::of(ctx)?;
    let zone = reader.zone();
    let date = anchor(ctx, &request, &reader);
    let chosen = shown::chosen(ctx, &reader, None)?;
    let from = when::day_start(date, &zone);
    let to = when::day_start(when::add_days(date, AGENDA_DAYS), &zone);
    let events = shown::between(ctx, &reader, &chosen.shown, from, to)?;
    let days = (0..AGENDA_DAYS).filter_map(|d| {
        let day = when::add_days(date, d);
        let found = on_day(&events, day, &zone);
        (!found.is_empty()).then(|| {
            el("li")
                .child(
                    el("h2").child(
                        el("a")
                            .attr("href", View::Day.link(day))
                            .text(&when::day_label(day)),
                    ),
                )
                .child(
                    el("ul")
                        .class("agenda-day")
                        .children(found.iter().map(|s| el("li").child(agenda_line(s, &zone)))),
                )
        })
    });
    let days: Vec<Element> = days.collect();
    let body: Html = if days.is_empty() {
        el("p")
            .class("muted")
            .text("Nothing in these 30 days.")
            .render()
    } else {
        el("ol").class("agenda").children(days).render()
    };
    let title = format!("Agenda from {}", date.strftime("%-d %b %Y"));
    let page = frame(ctx, &reader, View::Agenda, date, &title, &chosen, body);
    Ok(Response::html(page).page_title("Calendar · Agenda"))
}

/// An agenda line: time span, title, type and calendar.
pub fn agenda_line(s: &Shown, zone: &jiff::tz::TimeZone) -> Element {
    let e = &s.event;
    let time = if e.all_day {
        "All day".to_string()
    } else if e.end > e.start {
        format!(
            "{}–{}",
            when::clock(e.start, zone),
            when::clock(e.end, zone)
        )
    } else {
        when::clock(e.start, zone)
    };
    let mut class = format!("ev c-{} k-{}", s.colour, e.kind.key());
    if e.critical {
        class.push_str(" critical");
    }
    el("a")
        .class(class)
        .attr("href", s.page())
        .child(el("span").class("t").text(&time))
        .child(text(&e.title))
        .child(el("small").class("muted").text(&format!(
            " · {} · {}",
            e.kind.label(),
            s.calendar_name
        )))
}
