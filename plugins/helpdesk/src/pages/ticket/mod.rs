//! One ticket as a page: its facts and SLA clocks, its files, the
//! conversation, the reply form, the status moves the reader may make,
//! the priority and category for the people handling it, a manager's
//! escalation, reassignment, and the ticket's history. The forms are in
//! `forms.rs`.

mod forms;

use immcase_sdk::html::{Element, Html, el};
use immcase_sdk::{Ctx, Doc, Error, Request, Response, Result};
use serde::Deserialize;

use super::{BASE, local_time, related};
use crate::attachments;
use crate::changes::{self, AssignInput, ReplyInput, StatusInput};
use crate::data::{self, Names, Via, now};
use crate::rules::assignment::ASSIGN;
use crate::rules::sla::{ClockReport, ClockState, evaluate};
use crate::rules::status::Actor;
use crate::rules::ticket::{Status, Ticket, timeline};
use crate::rules::visibility;
use crate::tickets::flag;
use crate::triage::{self, CategoryInput, EscalateInput, PriorityInput};

/// `GET /tickets/:id` from a page request.
pub fn show_request(ctx: &Ctx, request: Request) -> Result<Response> {
    show(ctx, request.require_param("id")?)
}

/// `POST /tickets/:id/replies` from the ticket's reply form.
pub fn reply(ctx: &Ctx, request: Request) -> Result<Response> {
    let id = request.require_param("id")?;
    let form: ReplyForm = request.form()?;
    let input = ReplyInput {
        body: form.body,
        internal: flag(&form.internal),
        ..ReplyInput::default()
    };
    let done = changes::reply_as_caller(ctx, id, input).map(|_| "Reply added.");
    after_form(ctx, id, done)
}

/// `POST /tickets/:id/status` from one of the page's status buttons.
pub fn set_status(ctx: &Ctx, request: Request) -> Result<Response> {
    let id = request.require_param("id")?;
    let input: StatusInput = request.form()?;
    let done = changes::status_as_caller(ctx, id, &input);
    after_form(ctx, id, done.map(|_| "Status changed."))
}

/// `POST /tickets/:id/assign` from the page's reassignment form; an empty
/// choice leaves the ticket unassigned.
pub fn assign(ctx: &Ctx, request: Request) -> Result<Response> {
    let id = request.require_param("id")?;
    let mut input: AssignInput = request.form()?;
    input.assignee_id = input.assignee_id.filter(|a| !a.is_empty());
    let done = changes::assign_as_caller(ctx, id, &input);
    after_form(ctx, id, done.map(|_| "Assignment changed."))
}

/// `POST /tickets/:id/priority` from the page's priority form.
pub fn set_priority(ctx: &Ctx, request: Request) -> Result<Response> {
    let id = request.require_param("id")?;
    let input: PriorityInput = request.form()?;
    let done = triage::priority_as_caller(ctx, id, &input)
        .map(|doc| format!("Priority changed to {}.", doc.data.priority.words()));
    after_form(ctx, id, done.as_deref().map_err(Clone::clone))
}

/// `POST /tickets/:id/category` from the page's category form. Someone
/// who no longer sees the ticket once it moved goes back to the list.
pub fn set_category(ctx: &Ctx, request: Request) -> Result<Response> {
    let id = request.require_param("id")?;
    let input: CategoryInput = request.form()?;
    let doc = match triage::category_as_caller(ctx, id, &input) {
        Ok(doc) => doc,
        Err(error) => return after_form(ctx, id, Err(error)),
    };
    let settings = data::settings(ctx)?;
    let label = settings.category_label(&doc.data.category);
    if visibility::may_see(ctx.caller(), &doc.data, &settings) {
        return after_form(ctx, id, Ok(&format!("Moved to {label}.")));
    }
    let with = match &doc.data.assignee_id {
        Some(assignee) => format!(": {} has it now", Names::default().of(ctx, assignee)),
        None => String::new(),
    };
    let message = format!("{} moved to {label}{with}.", doc.data.folio);
    Ok(Response::redirect(&format!("{BASE}/")).flash(&message))
}

/// `POST /tickets/:id/escalate` from the page's escalation form.
pub fn escalate(ctx: &Ctx, request: Request) -> Result<Response> {
    let id = request.require_param("id")?;
    let input: EscalateInput = request.form()?;
    let done = triage::escalate_as_caller(ctx, id, &input).map(|doc| {
        format!(
            "Escalated: the priority is {}, and the people concerned were told.",
            doc.data.priority.words()
        )
    });
    after_form(ctx, id, done.as_deref().map_err(Clone::clone))
}

/// `POST /tickets/:id/attachments` from the page's file form.
pub fn attach(ctx: &Ctx, request: Request) -> Result<Response> {
    let id = request.require_param("id")?;
    let done = attachments::add_as_caller(ctx, id, &request).map(|files| match files.len() {
        1 => "File attached.".to_owned(),
        n => format!("{n} files attached."),
    });
    after_form(ctx, id, done.as_deref().map_err(Clone::clone))
}

/// `GET /tickets/:id` (page).
pub fn show(ctx: &Ctx, id: &str) -> Result<Response> {
    page(ctx, id, None)
}

/// After a form on the ticket's page: back to it with a message, or the
/// page again with the problem.
pub fn after_form(ctx: &Ctx, id: &str, done: Result<&str>) -> Result<Response> {
    match done {
        Ok(message) => Ok(Response::redirect(&format!("{BASE}/tickets/{id}")).flash(message)),
        Err(error) if matches!(error.status(), 403 | 409 | 422) => page(ctx, id, Some(&error)),
        Err(error) => Err(error),
    }
}

fn page(ctx: &Ctx, id: &str, problem: Option<&Error>) -> Result<Response> {
    let (doc, settings, actors) = changes::visible(ctx, id)?;
    let ticket = &doc.data;
    let handler = actors
        .iter()
        .any(|a| matches!(a, Actor::Agent | Actor::Manager));
    let mut names = Names::default();
    let tz = ctx.caller().time_zone.clone();
    let report = evaluate(now(ctx), ticket, &settings.sla, &settings.business_hours);
    let assignee = match &ticket.assignee_id {
        Some(id) => names.of(ctx, id),
        None => "unassigned".to_owned(),
    };
    let words = |text: String| el("span").text(&text);
    let mut facts = vec![
        ("Status", words(ticket.status.words().to_owned())),
        ("Priority", words(ticket.priority.words().to_owned())),
        ("Category", words(settings.category_label(&ticket.category))),
        ("Requester", words(names.of(ctx, &ticket.requester_id))),
        ("Assignee", words(assignee.clone())),
        ("Filed", words(local_time(ticket.created_at, &tz))),
        ("First response", words(clock(&report.first_response, &tz))),
        ("Resolution", words(clock(&report.resolution, &tz))),
    ];
    if let Some(applicant) = &ticket.applicant_id {
        facts.push(("Applicant", related::applicant_link(ctx, applicant)));
    }
    if let Some(case) = &ticket.case_id {
        facts.push(("Case", related::case_link(ctx, case)));
    }
    let details = el("dl").class("ticket-facts").children(
        facts
            .into_iter()
            .map(|(term, value)| Html::from_iter([el("dt").text(term), el("dd").child(value)])),
    );
    let description = el("div")
        .class("ticket-description")
        .children(ticket.description.lines().map(|line| el("p").text(line)));
    let replies: Vec<Element> = data::replies_of(ctx, &doc.id)?
        .into_iter()
        .filter(|reply| handler || !reply.data.internal)
        .map(|reply| {
            let r = &reply.data;
            let mut meta = format!("{} · {}", r.author_name, local_time(r.created_at, &tz));
            if r.via == Some(Via::Email) {
                meta.push_str(" · by email");
            }
            if r.internal {
                meta.push_str(" · internal note");
            }
            el("li")
                .class(if r.internal {
                    "reply internal"
                } else {
                    "reply"
                })
                .child(el("small").text(&meta))
                .children(r.body.lines().map(|line| el("p").text(line)))
        })
        .collect();
    let conversation = if replies.is_empty() {
        el("p").class("empty").text("No replies yet.")
    } else {
        el("ol").class("conversation").children(replies)
    };
    let mut article = el("article")
        .class("ticket")
        .child(el("h1").text(&format!("{} {}", ticket.folio, ticket.subject)));
    if let Some(problem) = problem {
        article = article.child(el("p").class("form-error").text(problem.message()));
    }
    article = article
        .child(details)
        .child(description)
        .child(el("h2").text("Files"))
        .child(files(ctx, &doc)?);
    if ticket.status != Status::Closed {
        article = article.child(forms::attach(&doc.id));
    }
    article = article
        .child(el("h2").text("Conversation"))
        .child(conversation);
    let open = ticket.status != Status::Closed;
    if open {
        article = article.child(forms::reply(&doc.id, handler));
    }
    article = article.child(forms::status_moves(&doc, &actors));
    if open && handler {
        article = article.child(forms::triage(&doc, &settings));
    }
    if open && actors.contains(&Actor::Manager) {
        let people = ctx.people_holding("module:helpdesk")?;
        article = article.child(forms::escalate(&doc, &people, &assignee));
    }
    if open && ctx.caller().can(ASSIGN) {
        article = article.child(forms::assign(ctx, &doc)?);
    }
    let lines = timeline(
        ticket,
        |key| settings.category_label(key),
        |id| names.of(ctx, id),
    );
    let history = el("ol")
        .class("history")
        .children(lines.into_iter().map(|line| {
            el("li")
                .child(el("small").text(&local_time(line.at, &tz)))
                .child(el("span").text(&format!(" {}", line.text)))
        }));
    let article = article
        .child(el("h2").text("History"))
        .child(history)
        .child(el("a").attr("href", format!("{BASE}/")).text("All tickets"));
    Ok(Response::html(article.render())
        .page_title(&ticket.folio)
        .status(problem.map_or(200, Error::status)))
}

/// Where a clock stands, in words.
fn clock(report: &ClockReport, tz: &str) -> String {
    let due = report
        .due_at
        .map(|at| format!(", due {}", local_time(at, tz)))
        .unwrap_or_default();
    match report.state {
        ClockState::Met => "met".to_owned(),
        ClockState::Breached => format!("breached{due}"),
        ClockState::Paused => format!("paused, {} left", business_time(report.minutes_left)),
        ClockState::Running => format!("{} left{due}", business_time(report.minutes_left)),
    }
}

/// Business minutes as people say them: `45 business minutes`,
/// `16 business hours`, `2 business hours 5 minutes`.
fn business_time(minutes: i64) -> String {
    let (hours, rest) = (minutes / 60, minutes % 60);
    match (hours, rest) {
        (0, m) => format!("{m} business minute{}", if m == 1 { "" } else { "s" }),
        (h, 0) => format!("{h} business hour{}", if h == 1 { "" } else { "s" }),
        (h, m) => format!(
            "{h} business hour{} {m} minute{}",
            if h == 1 { "" } else { "s" },
            if m == 1 { "" } else { "s" }
        ),
    }
}

/// The ticket's files, each a link that downloads it.
fn files(ctx: &Ctx, doc: &Doc<Ticket>) -> Result<Element> {
    let files = attachments::of(ctx, &doc.id)?;
    if files.is_empty() {
        return Ok(el("p").class("empty").text("No files attached."));
    }
    let tz = ctx.caller().time_zone.clone();
    let mut names = Names::default();
    let items = files.iter().map(|file| {
        let by = file
            .uploaded_by
            .as_deref()
            .map(|id| names.of(ctx, id))
            .unwrap_or_else(|| "Helpdesk".to_owned());
        let at = jiff::Timestamp::from_millisecond(file.uploaded_at)
            .map(|at| local_time(at, &tz))
            .unwrap_or_default();
        el("li")
            .child(el("a").attr("href", &file.download).text(&file.name))
            .child(el("small").text(&format!(" {} · {by} · {at}", size_in_words(file.size))))
    });
    Ok(el("ul")
        .class("ticket-files")
        .children(items.collect::<Vec<_>>()))
}

/// Bytes as people read them: `980 bytes`, `14 KB`, `2.5 MB`.
fn size_in_words(bytes: u64) -> String {
    const KB: u64 = 1024;
    const MB: u64 = 1024 * KB;
    match bytes {
        b if b < KB => format!("{b} bytes"),
        b if b < MB => format!("{} KB", b.div_ceil(KB)),
        b => format!("{:.1} MB", b as f64 / MB as f64),
    }
}

#[cfg(test)]
mod tests {
    use super::{business_time, size_in_words};

    #[test]
    fn sizes_read_as_people_say_them() {
        assert_eq!(size_in_words(980), "980 bytes");
        assert_eq!(size_in_words(14 * 1024), "14 KB");
        assert_eq!(size_in_words(14 * 1024 + 1), "15 KB");
        assert_eq!(size_in_words(5 * 1024 * 1024 / 2), "2.5 MB");
    }

    #[test]
    fn business_time_reads_in_hours_and_minutes() {
        assert_eq!(business_time(45), "45 business minutes");
        assert_eq!(business_time(1), "1 business minute");
        assert_eq!(business_time(960), "16 business hours");
        assert_eq!(business_time(125), "2 business hours 5 minutes");
        assert_eq!(business_time(61), "1 business hour 1 minute");
    }
}

/// The reply form: `internal` is a checkbox.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct ReplyForm {
    body: String,
    internal: Option<String>,
}
