//! "Phones and other calendars": each calendar's private subscription
//! address (with a button that replaces it), and importing an iCalendar
//! file.

use immcase_sdk::html::{Element, Html, el, text};
use immcase_sdk::{Ctx, Error, Request, Response, Result};

use super::{BASE, stylesheet_link};
use crate::data::{self, Reader};
use crate::feeds;
use crate::import::{self, Job, Outcome, Started};

/// `GET /sync` (page).
pub fn page(ctx: &Ctx, _request: Request) -> Result<Response> {
    let reader = Reader::of(ctx)?;
    Ok(Response::html(render(ctx, &reader, None, None)?).page_title("Phones and other calendars"))
}

fn render(
    ctx: &Ctx,
    reader: &Reader,
    outcome: Option<&Outcome>,
    problem: Option<&Error>,
) -> Result<Html> {
    let calendars = data::readable(ctx, reader)?;
    let mut known = feeds::of_reader(ctx, reader)?;
    let mut rows = Vec::new();
    for calendar in &calendars {
        let url = feeds::url(ctx, reader, &calendar.id, &mut known)?;
        rows.push(
            el("li")
                .child(
                    el("strong")
                        .child(el("span").class(format!("swatch c-{}", calendar.data.colour)))
                        .child(text(&format!(" {}", calendar.data.name))),
                )
                .child(
                    el("input")
                        .attr("type", "text")
                        .attr("readonly", "readonly")
                        .attr(
                            "aria-label",
                            format!("Subscription address of {}", calendar.data.name),
                        )
                        .attr("value", &url),
                )
                .child(
                    el("form")
                        .attr("method", "post")
                        .attr("action", format!("{BASE}/calendars/{}/feed", calendar.id))
                        .child(
                            el("button")
                                .attr("type", "submit")
                                .text("Make a new address (this one stops working)"),
                        ),
                ),
        );
    }
    let writable: Vec<_> = calendars
        .iter()
        .filter(|c| c.data.writable_by(reader.viewer()))
        .collect();
    let mut import_form = el("form")
        .class("stack")
        .attr("method", "post")
        .attr("action", format!("{BASE}/import"))
        .attr("enctype", "multipart/form-data");
    if let Some(problem) = problem {
        import_form = import_form.child(
            el("p")
                .class("form-error")
                .attr("role", "alert")
                .text(problem.message()),
        );
    }
    import_form = import_form
        .child(
            el("label").text("iCalendar file (.ics)").child(
                el("input")
                    .attr("type", "file")
                    .attr("name", "file")
                    .attr("accept", ".ics,text/calendar")
                    .flag("required", true),
            ),
        )
        .child(
            el("label").text("Into").child(
                el("select").attr("name", "calendar").children(
                    writable
                        .iter()
                        .map(|c| el("option").attr("value", &c.id).text(&c.data.name)),
                ),
            ),
        )
        .child(
            el("button")
                .class("primary")
                .attr("type", "submit")
                .text("Import"),
        );
    let mut section = el("section")
        .class("sync")
        .child(el("p").child(el("a").attr("href", format!("{BASE}/")).text("‹ Calendar")))
        .child(el("h1").text("Phones and other calendars"));
    if let Some(outcome) = outcome {
        section = section.child(result(outcome));
    }
    section = section
        .child(el("h2").text("Subscribe"))
        .child(el("p").class("hint").text(
            "Paste an address into Google Calendar (Other calendars → From URL), Outlook (Add calendar → Subscribe from web) or Apple Calendar (File → New Calendar Subscription). It is private: anyone with it reads the calendar, so keep it to yourself, and make a new one if it got out.",
        ))
        .child(el("ul").class("feeds").children(rows))
        .child(el("p").class("hint").text(
            "To add and change events from a phone or Thunderbird, use CalDAV (see the calendar's guide).",
        ))
        .child(el("h2").text("Import a file"))
        .child(import_form);
    Ok(Html::from_iter([
        stylesheet_link().render(),
        section.render(),
    ]))
}

fn result(outcome: &Outcome) -> Element {
    let mut block = el("div")
        .class("flash")
        .attr("role", "status")
        .child(el("p").text(&format!(
            "Imported: {} new, {} updated{}.",
            outcome.created,
            outcome.updated,
            if outcome.skipped.is_empty() {
                String::new()
            } else {
                format!(", {} not imported", outcome.skipped.len())
            }
        )));
    if !outcome.skipped.is_empty() {
        block = block.child(el("ul").children(outcome.skipped.iter().map(|s| {
            el("li").text(&format!(
                "{}: {}",
                if s.title.is_empty() { &s.uid } else { &s.title },
                s.reason
            ))
        })));
    }
    block
}

/// `POST /calendars/:id/feed` (page): a new address for the calendar.
pub fn new_address(ctx: &Ctx, request: Request) -> Result<Response> {
    let reader = Reader::of(ctx)?;
    let id = request.require_param("id")?;
    data::readable_calendar(ctx, &reader, id)?;
    feeds::revoke(ctx, &reader, id)?;
    Ok(Response::redirect(&format!("{BASE}/sync"))
        .flash("A new address is below; the old one no longer works."))
}

/// `POST /import` (page): a file from the form.
pub fn import_file(ctx: &Ctx, request: Request) -> Result<Response> {
    let reader = Reader::of(ctx)?;
    let form = request.multipart()?;
    let calendar = match form.text("calendar").filter(|c| !c.trim().is_empty()) {
        Some(id) => id,
        None => data::own_calendar(ctx, &reader)?.id,
    };
    let file = form
        .files("file")
        .next()
        .map(|p| String::from_utf8_lossy(&p.data).into_owned());
    let done = match file {
        Some(text) if !text.trim().is_empty() => import::start(ctx, &reader, &calendar, &text),
        _ => Err(Error::invalid_field("file", "choose an .ics file")),
    };
    match done {
        Ok(Started::Done(outcome)) => {
            Ok(Response::html(render(ctx, &reader, Some(&outcome), None)?)
                .page_title("Phones and other calendars"))
        }
        Ok(Started::Queued(job)) => Ok(Response::redirect(&format!("{BASE}/imports/{}", job.id))
            .flash("The file is being imported; you will be told when it is done.")),
        Err(e) if matches!(e.status(), 403 | 404 | 422) => {
            Ok(Response::html(render(ctx, &reader, None, Some(&e))?)
                .page_title("Phones and other calendars")
                .status(e.status()))
        }
        Err(e) => Err(e),
    }
}

/// `GET /imports/:id`: a queued import, as far as it got (its person's
/// only).
pub fn import_progress(ctx: &Ctx, request: Request) -> Result<Response> {
    let reader = Reader::of(ctx)?;
    let id = request.require_param("id")?;
    let job = import::jobs()
        .get(id)?
        .filter(|j| j.data.person_id == reader.id)
        .ok_or_else(|| Error::NotFound(format!("no import {id}")))?;
    if !request.is_page() {
        return Ok(Response::json(&job_view(&job.id, &job.data)));
    }
    let status = if job.data.finished {
        el("div").child(result(&job.data.outcome))
    } else {
        el("p").attr("role", "status").text(&format!(
            "Importing: {} of {} events done so far. This page does not change by itself: reload it to see how far it got.",
            (job.data.next * import::BATCH).min(job.data.total),
            job.data.total
        ))
    };
    let page = el("section")
        .class("sync")
        .child(
            el("p").child(
                el("a")
                    .attr("href", format!("{BASE}/sync"))
                    .text("‹ Phones and other calendars"),
            ),
        )
        .child(el("h1").text("Import"))
        .child(status);
    Ok(
        Response::html(Html::from_iter([stylesheet_link().render(), page.render()]))
            .page_title("Import"),
    )
}

/// A queued import as the API writes it.
pub fn job_view(id: &str, job: &Job) -> serde_json::Value {
    serde_json::json!({
        "id": id,
        "status": if job.finished { "finished" } else { "importing" },
        "total": job.total,
        "done": (job.next * import::BATCH).min(job.total),
        "created": job.outcome.created,
        "updated": job.outcome.updated,
        "skipped": job.outcome.skipped,
        "url": format!("/api/v1/m/calendar/imports/{id}"),
    })
}
