//! The new-event and edit forms, and what they post. What someone typed is
//! turned into the JSON API's fields and saved through the same rules; a
//! mistake shows the form again with everything as typed and each problem
//! beside its field.

mod typed;

use immcase_sdk::html::{Element, Html, el, text};
use immcase_sdk::{Ctx, Doc, Error, Request, Response, Result};

use super::{BASE, FieldProblems, checkbox, form_pairs, hidden, stylesheet_link};
use crate::data::{self, Reader};
use crate::effects;
use crate::rules::event::{Event, NOTES_MAX, TITLE_MAX};
use crate::rules::kinds::Kind;
use crate::rules::when::{self, MINUTE};
use typed::{Typed, date_part};

/// Lead times offered as boxes (minutes).
pub(super) const LEADS: [(i64, &str); 6] = [
    (0, "At the time"),
    (15, "15 minutes before"),
    (60, "1 hour before"),
    (1440, "1 day before"),
    (4320, "3 days before"),
    (10080, "1 week before"),
];

pub(super) const REPEATS: [(&str, &str); 5] = [
    ("", "Does not repeat"),
    ("DAILY", "Every day"),
    ("WEEKLY", "Every week"),
    ("MONTHLY", "Every month"),
    ("YEARLY", "Every year"),
];

/// The zones suggested first; any IANA name is accepted.
const ZONES: [&str; 12] = [
    "America/Toronto",
    "America/Vancouver",
    "America/Edmonton",
    "America/Winnipeg",
    "America/Halifax",
    "America/St_Johns",
    "America/Mexico_City",
    "America/Bogota",
    "America/Sao_Paulo",
    "Europe/London",
    "Asia/Kolkata",
    "UTC",
];

/// `GET /new` (page): the form, set to 9:00 on `?date=` (a day clicked in
/// the month) or to `?start=` (an hour clicked in the week or day view),
/// to `?applicant=` or `?case=` (from a record's Calendar tab), and to
/// `?type=` and `?people=a,b` (from team availability).
pub fn new_event(ctx: &Ctx, request: Request) -> Result<Response> {
    let reader = Reader::of(ctx)?;
    let zone = reader.zone();
    let start = request
        .query_param("start")
        .and_then(|s| when::parse_instant(&s, &zone).ok())
        .or_else(|| {
            request
                .query_param("date")
                .and_then(|d| when::parse_date(&d).ok())
                .map(|d| when::day_start(d, &zone) + 9 * 60 * MINUTE)
        })
        .unwrap_or_else(|| {
            // The next full hour.
            let now = ctx.now();
            now - now.rem_euclid(60 * MINUTE) + 60 * MINUTE
        });
    let mut typed = Typed {
        kind: Kind::Appointment.key().into(),
        calendar_id: data::own_calendar(ctx, &reader)?.id,
        start: when::form_value(start, &zone),
        end: when::form_value(start + 60 * MINUTE, &zone),
        time_zone: reader.time_zone.clone(),
        leads: Kind::Appointment.default_reminders(),
        ..Typed::default()
    };
    if let Some(kind) = request.query_param("type").and_then(|k| Kind::parse(&k)) {
        typed.kind = kind.key().into();
        typed.leads = kind.default_reminders();
    }
    if let Some(people) = request.query_param("people") {
        typed.people = people
            .split(',')
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .map(str::to_string)
            .collect();
    }
    for (param, prefix) in [("applicant", "applicant:"), ("case", "case:")] {
        if let Some(id) = request.query_param(param).filter(|v| !v.is_empty()) {
            typed.record = format!("{prefix}{id}");
        }
    }
    Ok(Response::html(render(ctx, &reader, &typed, None, None)?).page_title("New event"))
}

/// `GET /events/:id/edit[?occurrence=]` (page).
pub fn edit_event(ctx: &Ctx, request: Request) -> Result<Response> {
    let reader = Reader::of(ctx)?;
    let id = request.require_param("id")?;
    let (doc, _) = effects::readable_event(ctx, &reader, id)?;
    effects::writable_calendar(ctx, &reader, &doc.data.calendar_id)?;
    let occurrence = crate::api::instant_param(&request, "occurrence", &reader)?
        .filter(|_| doc.data.rrule.is_some());
    let mut event = doc.data.clone();
    if let Some(at) = occurrence {
        // This occurrence only: its own times, no rule.
        event.end = at + (event.end - event.start);
        event.start = at;
        event.rrule = None;
    }
    let mut typed = Typed::of(&event);
    typed.version = doc.version.to_string();
    typed.occurrence = occurrence.map(|o| o.to_string()).unwrap_or_default();
    Ok(
        Response::html(render(ctx, &reader, &typed, Some(&doc), None)?)
            .page_title(&format!("Edit {}", doc.data.title)),
    )
}

/// `POST /events` (page): saves a new event and goes to it.
pub fn create(ctx: &Ctx, request: Request) -> Result<Response> {
    let reader = Reader::of(ctx)?;
    let typed = Typed::from_pairs(&form_pairs(&request));
    let saved = typed
        .to_input(ctx)
        .map_err(Error::invalid_fields)
        .and_then(|input| effects::create(ctx, &reader, &input));
    match saved {
        Ok(doc) => {
            Ok(Response::redirect(&format!("{BASE}/events/{}", doc.id)).flash("Event saved."))
        }
        Err(e) if matches!(e.status(), 403 | 409 | 422) => {
            Ok(
                Response::html(render(ctx, &reader, &typed, None, Some(&e))?)
                    .page_title("New event")
                    .status(e.status()),
            )
        }
        Err(e) => Err(e),
    }
}

/// `POST /events/:id` (page): saves the changes (of one occurrence, when
/// the form was for one) and goes back to the event.
pub fn update(ctx: &Ctx, request: Request) -> Result<Response> {
    let reader = Reader::of(ctx)?;
    let id = request.require_param("id")?.to_string();
    let typed = Typed::from_pairs(&form_pairs(&request));
    let version = typed.version.parse::<u64>().ok();
    let occurrence = typed.occurrence.parse::<i64>().ok();
    let saved = typed
        .to_input(ctx)
        .map_err(Error::invalid_fields)
        .and_then(|mut input| {
            if occurrence.is_some() {
                input.remove("rrule");
            }
            effects::update(ctx, &reader, &id, version, occurrence, &input)
        });
    match saved {
        Ok(doc) => {
            Ok(Response::redirect(&format!("{BASE}/events/{}", doc.id)).flash("Event saved."))
        }
        Err(e) if matches!(e.status(), 403 | 409 | 422) => {
            let current = effects::readable_event(ctx, &reader, &id)
                .ok()
                .map(|(d, _)| d);
            Ok(
                Response::html(render(ctx, &reader, &typed, current.as_ref(), Some(&e))?)
                    .page_title("Edit event")
                    .status(e.status()),
            )
        }
        Err(e) => Err(e),
    }
}

/// "Add video call", when the video-calls module is there for the reader
/// (or the event already has a call).
fn video_switch(ctx: &Ctx, typed: &Typed) -> Option<Element> {
    if !typed.video && !crate::video::available(ctx) {
        return None;
    }
    Some(el("div").child(hidden("video_offered", "1")).child(
        checkbox("video", "1", typed.video).child(text(
            "Add video call (a Jitsi link in the event and its invitations)",
        )),
    ))
}

fn render(
    ctx: &Ctx,
    reader: &Reader,
    typed: &Typed,
    editing: Option<&Doc<Event>>,
    problem: Option<&Error>,
) -> Result<Html> {
    let problems = FieldProblems::of(problem);
    let field_problem = |field: &str| problems.of_field(field);
    let label = |words: &str, input: Element, field: &str| problems.label(words, input, field);
    let action = match editing {
        Some(doc) => format!("{BASE}/events/{}", doc.id),
        None => format!("{BASE}/events"),
    };
    let mut form = el("form")
        .class("stack event-form")
        .attr("method", "post")
        .attr("action", action);
    if let Some(problem) = problem {
        form = form.child(
            el("p")
                .class("form-error")
                .attr("role", "alert")
                .text(problem.message()),
        );
    }
    if !typed.version.is_empty() {
        form = form.child(hidden("version", &typed.version));
    }
    if !typed.occurrence.is_empty() {
        form =
            form.child(hidden("occurrence", &typed.occurrence))
                .child(el("p").class("hint").text(
                    "You are changing this occurrence only; the rest of the series stays as it is.",
                ));
    }
    let writable: Vec<_> = data::readable(ctx, reader)?
        .into_iter()
        .filter(|c| c.data.writable_by(reader.viewer()))
        .collect();
    let calendars = el("select")
        .attr("name", "calendar_id")
        .children(writable.iter().map(|c| {
            el("option")
                .attr("value", &c.id)
                .flag("selected", c.id == typed.calendar_id)
                .text(&c.data.name)
        }));
    let kinds = el("select")
        .attr("name", "type")
        .children(Kind::ALL.iter().map(|k| {
            el("option")
                .attr("value", k.key())
                .flag("selected", k.key() == typed.kind)
                .text(k.label())
        }));
    let zones = el("datalist")
        .attr("id", "zones")
        .children(ZONES.iter().map(|z| el("option").attr("value", *z)));
    let when_set = el("fieldset")
        .child(el("legend").text("When"))
        .child(
            checkbox("all_day", "1", typed.all_day)
                .child(text("All day (deadlines, expiries): only the dates count")),
        )
        .child(
            el("div")
                .class("two")
                .child(label(
                    "Starts",
                    el("input")
                        .attr("type", "datetime-local")
                        .attr("name", "start")
                        .attr("value", &typed.start)
                        .flag("required", true),
                    "start",
                ))
                .child(label(
                    "Ends (for all day: the last day)",
                    el("input")
                        .attr("type", "datetime-local")
                        .attr("name", "end")
                        .attr("value", &typed.end),
                    "end",
                )),
        )
        .child(
            label(
                "Time zone",
                el("input")
                    .attr("name", "time_zone")
                    .attr("list", "zones")
                    .attr("value", &typed.time_zone)
                    .attr("maxlength", "64")
                    .attr("autocomplete", "off")
                    .flag("required", true),
                "time_zone",
            )
            .child(
                el("small")
                    .class("hint")
                    .text("The times above are in this zone; everyone sees them in their own."),
            ),
        )
        .child(zones);
    let mut repeat = el("fieldset").child(el("legend").text("Repeats"));
    if typed.occurrence.is_empty() {
        repeat = repeat
            .child(
                el("div")
                    .class("two")
                    .child(label(
                        "Repeats",
                        el("select")
                            .attr("name", "repeat")
                            .children(REPEATS.iter().map(|(k, l)| {
                                el("option")
                                    .attr("value", *k)
                                    .flag("selected", *k == typed.repeat)
                                    .text(l)
                            })),
                        "repeat",
                    ))
                    .child(label(
                        "Until (optional)",
                        el("input")
                            .attr("type", "date")
                            .attr("name", "repeat_until")
                            .attr("value", &typed.repeat_until),
                        "repeat_until",
                    )),
            )
            .child(label(
                "Or a rule (RFC 5545 RRULE, for example FREQ=WEEKLY;BYDAY=MO,WE)",
                el("input")
                    .attr("name", "rrule")
                    .attr("value", &typed.rrule)
                    .attr("maxlength", "500")
                    .attr("autocomplete", "off"),
                "rrule",
            ));
    }
    let colleagues = ctx.people_holding("module:calendar")?;
    let people = el("div")
        .class("people-choices")
        .children(colleagues.iter().map(|p| {
            checkbox("people", &p.id, typed.people.contains(&p.id)).child(text(&p.display_name))
        }));
    let participants = el("fieldset")
        .child(el("legend").text("Participants"))
        .child(people)
        .child(
            el("p").class("hint").child(
                el("a")
                    .attr(
                        "href",
                        format!("{BASE}/availability?date={}", date_part(&typed.start)),
                    )
                    .text("Check when colleagues are free"),
            ),
        )
        .child(label(
            "People outside the practice: one per line, email, name, time zone",
            el("textarea")
                .attr("name", "others")
                .attr("rows", "2")
                .attr(
                    "placeholder",
                    "ana.garcia@example.com, Ana García, America/Montreal",
                )
                .text(&typed.others),
            "others",
        ));
    if let Some(problem) = field_problem("participants") {
        // A problem the API names on the whole list.
        form = form.child(
            el("p")
                .class("form-error")
                .text(&format!("Participants: {problem}")),
        );
    }
    let leads = el("div").class("reminder-choices").children(
        LEADS
            .iter()
            .map(|(m, l)| checkbox("lead", m.to_string(), typed.leads.contains(m)).child(text(l))),
    );
    let reminders = el("fieldset")
        .child(el("legend").text("Reminders"))
        .child(leads)
        .child(label(
            "Other (minutes before, separated by commas)",
            el("input").attr("name", "other_lead").attr("value", &typed.other_lead).attr("inputmode", "numeric"),
            "other_lead",
        ))
        .child(el("p").class("hint").text("A new deadline left at 15 minutes gets escalated reminders: 1 week, 3 days and 1 day before. Reminders come under your bell and by email."));
    let reminders = match field_problem("reminders") {
        Some(p) => reminders.child(el("span").class("field-error").text(&p)),
        None => reminders,
    };
    form = form
        .child(label(
            "Title",
            el("input")
                .attr("name", "title")
                .attr("value", &typed.title)
                .attr("maxlength", TITLE_MAX.to_string())
                .attr("placeholder", "CAS118 interview")
                .flag("required", true),
            "title",
        ))
        .child(
            el("div")
                .class("two")
                .child(label("Type", kinds, "type"))
                .child(label("Calendar", calendars, "calendar_id")),
        )
        .child(when_set)
        .child(repeat)
        .child(label(
            "Applicant or case (optional)",
            el("input")
                .attr("name", "record")
                .attr("value", &typed.record)
                .attr("autocomplete", "off")
                .attr("placeholder", "Type a name or a folio such as CAS014")
                .attr("data-record-pick", "applicant case"),
            "record",
        ))
        .child(participants)
        .child(reminders)
        .child(checkbox("critical", "1", typed.critical).child(text(
            "Critical deadline: missing it closes a door at IRCC (shown on the dashboard)",
        )))
        .child(match field_problem("critical") {
            Some(p) => el("span").class("field-error").text(&p),
            None => el("span"),
        })
        .children(video_switch(ctx, typed))
        .child(label(
            "Notes",
            el("textarea")
                .attr("name", "notes")
                .attr("rows", "3")
                .attr("maxlength", NOTES_MAX.to_string())
                .text(&typed.notes),
            "notes",
        ))
        .child(
            el("button")
                .class("primary")
                .attr("type", "submit")
                .text("Save"),
        );
    let heading = match editing {
        Some(doc) => format!("Edit {}", doc.data.title),
        None => "New event".to_string(),
    };
    let back = match editing {
        Some(doc) => format!("{BASE}/events/{}", doc.id),
        None => format!("{BASE}/"),
    };
    Ok(Html::from_iter([
        stylesheet_link().render(),
        el("section")
            .class("event-edit")
            .child(el("p").child(el("a").attr("href", back).text("‹ Back")))
            .child(el("h1").text(&heading))
            .child(form)
            .render(),
    ]))
}
