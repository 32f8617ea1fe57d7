//! One event's page: when it is in the reader's zone (and in the zone it
//! was entered in, when that differs), what it is linked to, who takes
//! part, its reminders; and what the reader may do with it.

use immcase_sdk::html::{Element, Html, el, text};
use immcase_sdk::{Ctx, Doc, Error, Request, Response, Result};

use super::{BASE, View, form_pairs, hidden, stylesheet_link};
use crate::data::Reader;
use crate::effects;
use crate::rules::access::Calendar;
use crate::rules::event::Event;
use crate::rules::when;

/// `GET /events/:id[?occurrence=]` (page).
pub fn show(ctx: &Ctx, request: Request) -> Result<Response> {
    let reader = Reader::of(ctx)?;
    let id = request.require_param("id")?;
    let (doc, calendar) = effects::readable_event(ctx, &reader, id)?;
    let occurrence = crate::api::instant_param(&request, "occurrence", &reader)?
        .filter(|_| doc.data.rrule.is_some());
    let page = render(ctx, &reader, &doc, &calendar, occurrence, None);
    Ok(Response::html(page).page_title(&doc.data.title))
}

fn render(
    ctx: &Ctx,
    reader: &Reader,
    doc: &Doc<Event>,
    calendar: &Doc<Calendar>,
    occurrence: Option<i64>,
    problem: Option<&Error>,
) -> Html {
    let mut event = doc.data.clone();
    if let Some(at) = occurrence {
        event.end = at + (event.end - event.start);
        event.start = at;
    }
    let zone = reader.zone();
    let own_zone = when::zone_or_utc(&event.time_zone);
    let when_text = span(&event, &zone);
    let mut when_dd = el("dd").text(&when_text);
    if !event.all_day && event.time_zone != reader.time_zone {
        when_dd = when_dd
            .child(el("br"))
            .child(el("small").class("muted").text(&format!(
                "Entered as {} ({})",
                span(&event, &own_zone),
                event.time_zone
            )));
    }
    let mut facts: Vec<(&str, Html)> = vec![
        ("When", when_dd.render()),
        (
            "Type",
            el("span")
                .class(format!("kind k-{}", event.kind.key()))
                .text(if event.critical {
                    "Deadline · critical"
                } else {
                    event.kind.label()
                })
                .render(),
        ),
        (
            "Calendar",
            Html::from_iter([
                el("span")
                    .class(format!("swatch c-{}", calendar.data.colour))
                    .render(),
                text(&format!(" {}", calendar.data.name)),
            ]),
        ),
    ];
    if let Some(rule) = &event.rrule {
        let mut repeats = el("span").text(&repeat_words(rule));
        if !event.except.is_empty() {
            repeats = repeats.child(el("small").class("muted").text(&format!(
                " · {} occurrence(s) changed or removed",
                event.except.len()
            )));
        }
        facts.push(("Repeats", repeats.render()));
    }
    if let Some(series) = &event.recurrence_of {
        facts.push((
            "Series",
            el("a")
                .attr("href", format!("{BASE}/events/{series}"))
                .text("A changed occurrence of a series: see the series")
                .render(),
        ));
    }
    if let Some(link) = record_link(ctx, &event) {
        facts.push(("About", link));
    }
    if !event.participants.is_empty() {
        let people = el("ul").children(event.participants.iter().map(|p| {
            let mut line = if p.name.is_empty() {
                p.email.clone().unwrap_or_default()
            } else {
                p.name.clone()
            };
            if p.person_id.is_none()
                && let Some(email) = &p.email
                && !p.name.is_empty()
            {
                line.push_str(&format!(" <{email}>"));
            }
            if let Some(z) = &p.time_zone
                && p.person_id.is_none()
            {
                line.push_str(&format!(" · sees {}", span(&event, &when::zone_or_utc(z))));
            }
            el("li").text(&line)
        }));
        facts.push(("Participants", people.render()));
    }
    let reminders = if event.reminders.is_empty() {
        "None".to_string()
    } else {
        event
            .reminders
            .iter()
            .map(|m| {
                if *m == 0 {
                    "at the time".to_string()
                } else {
                    format!("{} before", when::lead_label(*m))
                }
            })
            .collect::<Vec<_>>()
            .join(", ")
    };
    facts.push(("Reminders", text(&reminders)));
    if let Some(url) = &event.video_url {
        // The call's page (moderators join from it), and the guest link.
        let mut call = el("div");
        if let Some(page) = &event.video_page {
            call = call.child(
                el("a")
                    .class("button primary")
                    .attr("href", page)
                    .text("Join the video call"),
            );
        }
        let guest = el("p")
            .class("hint")
            .text("Link for clients and people outside: ")
            .child(el("a").attr("href", url).attr("rel", "noopener").text(url));
        facts.push(("Video call", call.child(guest).render()));
    }
    if !event.notes.is_empty() {
        facts.push(("Notes", el("div").class("pre").text(&event.notes).render()));
    }
    let details = el("dl")
        .class("event-facts")
        .children(facts.into_iter().map(|(term, value)| {
            Html::from_iter([el("dt").text(term).render(), el("dd").child(value).render()])
        }));
    let mut article = el("article").class("event").child(
        el("p").child(
            el("a")
                .attr("href", View::Day.link(when::date_of(event.start, &zone)))
                .text("‹ The day in the calendar"),
        ),
    );
    if let Some(problem) = problem {
        article = article.child(
            el("p")
                .class("form-error")
                .attr("role", "alert")
                .text(problem.message()),
        );
    }
    article = article.child(el("h1").text(&event.title)).child(details);
    if calendar.data.writable_by(reader.viewer()) {
        article = article.child(actions(doc, occurrence));
    }
    Html::from_iter([stylesheet_link().render(), article.render()])
}

/// "Tue 10 Mar 2026, 09:00–10:00", "Fri 20 Mar 2026 (all day)".
fn span(event: &Event, zone: &jiff::tz::TimeZone) -> String {
    if event.all_day {
        let own = when::zone_or_utc(&event.time_zone);
        let first = when::date_of(event.start, &own);
        let last = when::add_days(when::date_of(event.end, &own), -1).max(first);
        return if last == first {
            format!("{} (all day)", when::day_label(first))
        } else {
            format!(
                "{} to {} (all day)",
                when::day_label(first),
                when::day_label(last)
            )
        };
    }
    let start = when::local(event.start, zone);
    let end = when::local(event.end, zone);
    let day = when::day_label(start.date());
    if event.end == event.start {
        format!("{day}, {}", start.strftime("%H:%M"))
    } else if start.date() == end.date() {
        format!(
            "{day}, {}–{}",
            start.strftime("%H:%M"),
            end.strftime("%H:%M")
        )
    } else {
        format!(
            "{day}, {} to {}, {}",
            start.strftime("%H:%M"),
            when::day_label(end.date()),
            end.strftime("%H:%M")
        )
    }
}

fn repeat_words(rule: &str) -> String {
    let freq = rule
        .split(';')
        .find_map(|p| p.strip_prefix("FREQ="))
        .unwrap_or("");
    let base = match freq {
        "DAILY" => "Every day",
        "WEEKLY" => "Every week",
        "MONTHLY" => "Every month",
        "YEARLY" => "Every year",
        _ => "Repeats",
    };
    format!("{base} ({rule})")
}

/// The applicant or case, named as the reader may see it, linked to its page.
fn record_link(ctx: &Ctx, event: &Event) -> Option<Html> {
    if let Some(case_id) = &event.case_id {
        let name = match ctx.case(case_id) {
            Ok(case) => crate::data::case_label(ctx, &case),
            Err(_) => "A case you may not see".to_string(),
        };
        return Some(
            el("a")
                .attr("href", format!("/cases/{case_id}"))
                .text(&name)
                .render(),
        );
    }
    let applicant_id = event.applicant_id.as_ref()?;
    let name = ctx
        .applicant(applicant_id)
        .map(|a| a.display_name())
        .unwrap_or_else(|_| "An applicant you may not see".into());
    Some(
        el("a")
            .attr("href", format!("/applicants/{applicant_id}"))
            .text(&name)
            .render(),
    )
}

fn actions(doc: &Doc<Event>, occurrence: Option<i64>) -> Element {
    let edit = |occurrence: Option<i64>, words: &str| {
        let href = match occurrence {
            Some(at) => format!("{BASE}/events/{}/edit?occurrence={at}", doc.id),
            None => format!("{BASE}/events/{}/edit", doc.id),
        };
        el("a").class("button").attr("href", href).text(words)
    };
    let delete = |occurrence: Option<i64>, words: &str| {
        let mut form = el("form")
            .attr("method", "post")
            .attr("action", format!("{BASE}/events/{}/delete", doc.id))
            .child(hidden("version", &doc.version.to_string()));
        if let Some(at) = occurrence {
            form = form.child(hidden("occurrence", &at.to_string()));
        }
        form.child(
            el("button")
                .class("danger")
                .attr("type", "submit")
                .text(words),
        )
    };
    let mut bar = el("div").class("event-actions");
    match occurrence {
        Some(at) => {
            bar = bar
                .child(edit(Some(at), "Change this occurrence"))
                .child(edit(None, "Change the whole series"))
                .child(delete(Some(at), "Delete this occurrence"))
                .child(delete(None, "Delete the whole series"));
        }
        None => {
            let words = if doc.data.rrule.is_some() {
                "Delete the whole series"
            } else {
                "Delete event"
            };
            bar = bar.child(edit(None, "Edit")).child(delete(None, words));
        }
    }
    bar
}

/// `POST /events/:id/delete` (page): the event, the series, or one
/// occurrence; a refusal (a closed case's event) shows on the event.
pub fn delete(ctx: &Ctx, request: Request) -> Result<Response> {
    let reader = Reader::of(ctx)?;
    let id = request.require_param("id")?.to_string();
    let pairs = form_pairs(&request);
    let value = |name: &str| {
        pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    };
    let version = value("version").and_then(|v| v.parse::<u64>().ok());
    let occurrence = value("occurrence").and_then(|v| v.parse::<i64>().ok());
    let (doc, calendar) = effects::readable_event(ctx, &reader, &id)?;
    let day = when::date_of(occurrence.unwrap_or(doc.data.start), &reader.zone());
    match effects::delete(ctx, &reader, &id, version, occurrence) {
        Ok(()) => {
            let words = if occurrence.is_some() {
                "Occurrence deleted."
            } else {
                "Event deleted."
            };
            Ok(Response::redirect(&View::Day.link(day)).flash(words))
        }
        Err(e) if matches!(e.status(), 403 | 409 | 422) => {
            let page = render(ctx, &reader, &doc, &calendar, occurrence, Some(&e));
            Ok(Response::html(page)
                .page_title(&doc.data.title)
                .status(e.status()))
        }
        Err(e) => Err(e),
    }
}
