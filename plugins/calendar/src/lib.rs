//! # Calendar
//!
//! The practice's appointments, IRCC deadlines, interviews, biometrics,
//! hearings and internal meetings, on each person's own calendar, on team
//! calendars and on practice-wide ones.
//!
//! An event has a title, a start and an end (or is all day), a type
//! (appointment, deadline, reminder, internal meeting, client event), may
//! name an applicant or a case, has participants (the practice's people and
//! people outside by their address and time zone), reminders (minutes
//! before), notes, and may repeat (an RFC 5545 rule, with occurrences
//! removed or changed one by one). A deadline may be critical.
//!
//! Time: an event keeps its instants and the IANA zone it was entered in.
//! Each person reads it in their profile's zone. A repeating event keeps
//! its wall-clock time in its own zone, so a weekly 9:00 meeting is at 9:00
//! before and after daylight saving changes.
//!
//! Reminders are durable timers of the host: each fires once, is moved when
//! the event moves and cancelled when it is deleted; one whose time passed
//! while the server was stopped goes out late, once, and says so.
//!
//! ## How the code is laid out
//!
//! - [`rules`]: the calendar's rules as plain functions (time, recurrence,
//!   validity, reminders, access), tested natively;
//! - `data`: the documents (calendars, events, choices) and the reader;
//! - `shown`: what a reader sees in a range, series expanded;
//! - `effects`: saving and deleting, with timers and announcements;
//! - `remind`: a reminder's timer, in the practice's words;
//! - `kept`: deadlines kept from records (passport expiries);
//! - `reports`: per closed case, days open and meetings;
//! - `availability`: colleagues' busy times, and when all are free;
//! - `video`: "Add video call", through the video-calls module's actions;
//! - `ics`: iCalendar in and out; `feeds`: private subscription feeds;
//!   `import`: iCalendar files into a calendar;
//! - `caldav`: CalDAV for phones and desktop calendars;
//! - `api`: the JSON API; `pages`: the pages.
//!
//! The JSON API and pages are described in the module's README.

use immcase_sdk::{Ctx, Event, Plugin, Request, Response, Result, Router, Timer, export_plugin};

pub mod api;
mod availability;
mod caldav;
mod data;
mod effects;
mod feeds;
pub mod ics;
mod import;
mod invite;
mod kept;
mod pages;
pub mod remind;
mod reports;
pub mod rules;
mod shown;
mod video;

pub struct Calendar;

impl Plugin for Calendar {
    fn router() -> Router {
        Router::new()
            // CalDAV: every method, below the DAV mount the host serves.
            .any(caldav::ROOT, caldav::handle)
            .any(&format!("{}/*rest", caldav::ROOT), caldav::handle)
            .get("/", pages::views::month)
            .get("/month", pages::views::month)
            .get("/week", pages::views::week)
            .get("/day", pages::views::day)
            .get("/agenda", pages::views::agenda)
            .get("/new", pages::form::new_event)
            .get("/records", pages::linked::record_tab)
            .get("/panel/deadlines", pages::linked::deadlines_panel)
            .get("/calendar.css", pages::stylesheet)
            .post("/shown", pages::choose_shown)
            .get("/reports", reports::show)
            .get(
                "/availability",
                page_or_api(availability::page, availability::api),
            )
            .get("/sync", pages::sync::page)
            .post(
                "/import",
                page_or_api(pages::sync::import_file, api::import),
            )
            .get("/feeds/:token", feeds::serve)
            .get("/imports/:id", pages::sync::import_progress)
            .post("/calendars/:id/feed", pages::sync::new_address)
            .delete("/calendars/:id/feed", api::revoke_feed)
            .get(
                "/calendars",
                page_or_api(pages::manage::list, api::calendars),
            )
            .post(
                "/calendars",
                page_or_api(pages::manage::create, api::create_calendar),
            )
            .get("/calendars/:id/edit", pages::manage::edit)
            .post("/calendars/:id", pages::manage::update)
            .patch("/calendars/:id", api::update_calendar)
            .get("/events", page_or_api(pages::views::agenda, api::list))
            .post("/events", page_or_api(pages::form::create, api::create))
            .get("/events/:id", page_or_api(pages::event::show, api::show))
            .post("/events/:id", pages::form::update)
            .patch("/events/:id", api::patch)
            .delete("/events/:id", api::delete)
            .get("/events/:id/edit", pages::form::edit_event)
            .post("/events/:id/delete", pages::event::delete)
    }

    fn on_event(ctx: &Ctx, event: Event) -> Result<()> {
        if event.name == "case.closed" {
            return reports::on_event(ctx, &event);
        }
        kept::on_event(ctx, &event)
    }

    fn on_timer(ctx: &Ctx, timer: Timer) -> Result<()> {
        if timer.key.starts_with("remind:") {
            return remind::fire(ctx, &timer);
        }
        if let Some(id) = timer.key.strip_prefix("import:") {
            return import::step(ctx, id);
        }
        ctx.log_warn(&format!("unknown timer {}", timer.key));
        Ok(())
    }
}

export_plugin!(Calendar);

type Handler = fn(&Ctx, Request) -> Result<Response>;

/// One route, answered by `page` for page requests (`/m/calendar/...`) and
/// by `api` for the JSON API (`/api/v1/m/calendar/...`).
fn page_or_api(page: Handler, api: Handler) -> impl Fn(&Ctx, Request) -> Result<Response> {
    move |ctx, request| {
        if request.is_page() {
            page(ctx, request)
        } else {
            api(ctx, request)
        }
    }
}
