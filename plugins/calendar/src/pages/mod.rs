//! The calendar's pages, HTML fragments the host frames in its shell.
//! Module pages run no script: every choice is a link or a form.
//!
//! - `views`: month (the landing page), week, day and agenda;
//! - `form`: the new-event and edit forms, and what they post;
//! - `event`: one event, with what the reader may do with it;
//! - `manage`: keeping team and practice-wide calendars;
//! - `sync`: subscription addresses and importing files;
//! - `linked`: the Calendar tab of applicants and cases, and the
//!   dashboard's panel of critical deadlines;
//! - `calendar.css`: the grid and the colours, served at
//!   `/m/calendar/calendar.css`.

use immcase_sdk::html::{Element, Html, el, text};
use immcase_sdk::{Ctx, Doc, Error, Request, Response, Result};
use jiff::ToSpan;
use jiff::civil::Date;

use crate::data::{self, Preferences, Reader};
use crate::rules::access::{Calendar, Sharing};
use crate::rules::kinds::Kind;
use crate::rules::when;
use crate::shown::{Chosen, Shown};

pub mod event;
pub mod form;
pub mod linked;
pub mod manage;
pub mod sync;
pub mod views;

pub const BASE: &str = "/m/calendar";
const STYLE: &str = include_str!("calendar.css");

/// `GET /calendar.css`.
pub fn stylesheet(_ctx: &Ctx, _request: Request) -> Result<Response> {
    Ok(Response::text(STYLE)
        .header("Content-Type", "text/css; charset=utf-8")
        .header("Cache-Control", "private, max-age=3600"))
}

pub fn stylesheet_link() -> Element {
    // Versioned by the module's version, so a new stylesheet is fetched.
    el("link").attr("rel", "stylesheet").attr(
        "href",
        format!("{BASE}/calendar.css?v={}", env!("CARGO_PKG_VERSION")),
    )
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum View {
    Month,
    Week,
    Day,
    Agenda,
}

impl View {
    pub const ALL: [View; 4] = [View::Month, View::Week, View::Day, View::Agenda];

    pub fn label(self) -> &'static str {
        match self {
            View::Month => "Month",
            View::Week => "Week",
            View::Day => "Day",
            View::Agenda => "Agenda",
        }
    }

    pub fn path(self) -> &'static str {
        match self {
            View::Month => "/",
            View::Week => "/week",
            View::Day => "/day",
            View::Agenda => "/agenda",
        }
    }

    pub fn link(self, date: Date) -> String {
        format!("{BASE}{}?date={date}", self.path())
    }

    /// The date one step back or forward.
    pub fn step(self, date: Date, forward: bool) -> Date {
        let sign = if forward { 1 } else { -1 };
        let span = match self {
            View::Month => (sign).months(),
            View::Week => (7 * sign).days(),
            View::Day => (sign).days(),
            View::Agenda => (30 * sign).days(),
        };
        date.checked_add(span).unwrap_or(date)
    }
}

/// Today in the reader's zone.
pub fn today(ctx: &Ctx, reader: &Reader) -> Date {
    when::date_of(ctx.now(), &reader.zone())
}

/// The date a page is about: `?date=`, or today.
pub fn anchor(ctx: &Ctx, request: &Request, reader: &Reader) -> Date {
    request
        .query_param("date")
        .and_then(|d| when::parse_date(&d).ok())
        .unwrap_or_else(|| today(ctx, reader))
}

/// The Monday of `date`'s week.
pub fn monday(date: Date) -> Date {
    let back = i64::from(date.weekday().to_monday_zero_offset());
    when::add_days(date, -back)
}

/// The frame of every view: title, views, steps, the calendars panel.
pub fn frame(
    ctx: &Ctx,
    reader: &Reader,
    view: View,
    date: Date,
    title: &str,
    chosen: &Chosen,
    body: Html,
) -> Html {
    let views = el("nav")
        .class("cal-views")
        .attr("aria-label", "Views")
        .children(View::ALL.iter().map(|v| {
            let mut link = el("a").attr("href", v.link(date)).text(v.label());
            if *v == view {
                link = link.attr("aria-current", "page");
            }
            link
        }));
    let steps = el("nav")
        .class("cal-steps")
        .attr("aria-label", "Dates")
        .child(
            el("a")
                .attr("href", view.link(view.step(date, false)))
                .attr("rel", "prev")
                .text("‹ Previous"),
        )
        .child(
            el("a")
                .attr("href", view.link(today(ctx, reader)))
                .text("Today"),
        )
        .child(
            el("a")
                .attr("href", view.link(view.step(date, true)))
                .attr("rel", "next")
                .text("Next ›"),
        )
        .child(
            el("a")
                .class("button primary")
                .attr("href", format!("{BASE}/new?date={date}"))
                .text("New event"),
        );
    let main = el("div")
        .class("cal-main")
        .child(
            el("div")
                .class("cal-bar")
                .child(el("h1").text(title))
                .child(views)
                .child(steps),
        )
        .child(body);
    Html::from_iter([
        stylesheet_link().render(),
        el("div")
            .class("cal")
            .child(main)
            .child(side_panel(reader, view, date, &chosen.all, &chosen.shown))
            .render(),
    ])
}

/// The calendars with a box each; the choice is kept for the reader.
fn side_panel(
    reader: &Reader,
    view: View,
    date: Date,
    all: &[Doc<Calendar>],
    shown: &[Doc<Calendar>],
) -> Element {
    let boxes = all.iter().map(|c| {
        let on = shown.iter().any(|s| s.id == c.id);
        checkbox("show", &c.id, on)
            .child(el("span").class(format!("swatch c-{}", c.data.colour)))
            .child(text(&c.data.name))
    });
    el("aside")
        .class("cal-side")
        .child(el("h2").text("Calendars"))
        .child(
            el("p")
                .class("cal-zone")
                .text(&format!("Times in {} (your profile)", reader.time_zone)),
        )
        .child(
            el("form")
                .attr("method", "post")
                .attr("action", format!("{BASE}/shown"))
                .child(hidden("back", &view.link(date)))
                .children(boxes)
                .child(el("button").attr("type", "submit").text("Show these")),
        )
        .child(
            el("p").child(
                el("a")
                    .attr("href", format!("{BASE}/availability?date={date}"))
                    .text("Team availability"),
            ),
        )
        .children(reader.manager.then(|| {
            el("p").child(
                el("a")
                    .attr("href", format!("{BASE}/reports"))
                    .text("Reports: time to close cases, meetings per case"),
            )
        }))
        .child(el("h2").text("Types"))
        .child(el("ul").class("legend").children(Kind::ALL.iter().map(|k| {
            el("li")
                .child(el("span").class(format!("swatch k-{}", k.key())))
                .child(text(&format!(" {}", k.label())))
        })))
}

/// `POST /shown` (the side panel): the calendars to show, kept for the
/// reader; back to the view.
pub fn choose_shown(ctx: &Ctx, request: Request) -> Result<Response> {
    let reader = Reader::of(ctx)?;
    let pairs = form_pairs(&request);
    let chosen: Vec<&str> = pairs
        .iter()
        .filter(|(k, _)| k == "show")
        .map(|(_, v)| v.as_str())
        .collect();
    let all = data::readable(ctx, &reader)?;
    let mut prefs = Preferences::default();
    for calendar in &all {
        let on = chosen.contains(&calendar.id.as_str());
        let others = calendar.data.sharing == Sharing::Personal
            && calendar.data.owner_id.as_deref() != Some(&reader.id);
        match (others, on) {
            (true, true) => prefs.also_shown.push(calendar.id.clone()),
            (false, false) => prefs.hidden.push(calendar.id.clone()),
            _ => {}
        }
    }
    match data::choice(ctx, &reader)? {
        Some(doc) => data::preferences(ctx).update(&reader.id, &prefs, doc.version)?,
        None => data::preferences(ctx).insert(&reader.id, &prefs)?,
    };
    let back = pairs
        .iter()
        .find(|(k, _)| k == "back")
        .map(|(_, v)| v.clone())
        .filter(|b| b.starts_with(BASE) && !b.contains("//"))
        .unwrap_or_else(|| format!("{BASE}/"));
    Ok(Response::redirect(&back))
}

/// A form's fields in order, repeated names kept (checkboxes).
pub fn form_pairs(request: &Request) -> Vec<(String, String)> {
    form_urlencoded::parse(request.body())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

/// A box of a form, in its label; the caller adds what it says.
pub fn checkbox(name: &str, value: impl AsRef<str>, checked: bool) -> Element {
    el("label").class("check").child(
        el("input")
            .attr("type", "checkbox")
            .attr("name", name)
            .attr("value", value)
            .flag("checked", checked),
    )
}

/// What a refused form's error says of each of its fields.
pub struct FieldProblems(serde_json::Value);

impl FieldProblems {
    pub fn of(problem: Option<&Error>) -> FieldProblems {
        FieldProblems(problem.map(Error::to_json).unwrap_or_default())
    }

    /// The problem with `field`, if the error names one.
    pub fn of_field(&self, field: &str) -> Option<String> {
        self.0["error"]["fields"][field].as_str().map(str::to_owned)
    }

    /// A labelled input with its field's problem, when it has one, beside it.
    pub fn label(&self, words: &str, input: Element, field: &str) -> Element {
        let label = el("label").text(words).child(input);
        match self.of_field(field) {
            Some(problem) => label.child(el("span").class("field-error").text(&problem)),
            None => label,
        }
    }
}

pub fn hidden(name: &str, value: &str) -> Element {
    el("input")
        .attr("type", "hidden")
        .attr("name", name)
        .attr("value", value)
}

/// An event as a chip linking to its page: the time (unless all
/// day) in the reader's zone, and the title.
pub fn chip(shown: &Shown, zone: &jiff::tz::TimeZone) -> Element {
    let event = &shown.event;
    // The calendar's colour fills it; the type's colours its edge.
    let mut class = format!("ev c-{} k-{}", shown.colour, event.kind.key());
    if event.critical {
        class.push_str(" critical");
    }
    let mut link = el("a").class(class).attr("href", shown.page()).attr(
        "title",
        format!(
            "{} · {} · {}",
            event.title,
            event.kind.label(),
            shown.calendar_name
        ),
    );
    if !event.all_day {
        link = link.child(el("span").class("t").text(&when::clock(event.start, zone)));
    }
    link.child(text(&event.title))
}
