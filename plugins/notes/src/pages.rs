//! The notes pages: HTML fragments that the host wraps in its app shell.

use immcase_sdk::html::{Element, Html, el, text};
use immcase_sdk::{Ctx, Doc, Error, Placement, Request, Response, Result};

use crate::rules::{self, SUBJECT_MAX, TEXT_MAX};
use crate::{Note, NoteEditForm, NoteForm, Settings, notes, subjects};

/// `GET /` (page): the latest notes and a form to add one; with
/// `?subject=`, the notes about it (an applicant's or a case's, from its
/// page) and the form set to it.
pub fn home(ctx: &Ctx, request: Request) -> Result<Response> {
    let subject = request
        .query_param("subject")
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty() && s.chars().count() <= SUBJECT_MAX);
    let form = NoteForm {
        subject: subject.unwrap_or_default(),
        ..NoteForm::default()
    };
    // As a record's tab, under the record's own heading.
    let in_tab = request.placement() == Placement::Tab;
    render_home(ctx, &form, None, in_tab).map(|page| Response::html(page).page_title("Notes"))
}

/// The page again after a form post with mistakes, keeping what was typed.
pub fn home_with_problem(ctx: &Ctx, form: &NoteForm, problem: &Error) -> Result<Response> {
    Ok(
        Response::html(render_home(ctx, form, Some(problem), false)?)
            .page_title("Notes")
            .status(problem.status()),
    )
}

fn render_home(ctx: &Ctx, form: &NoteForm, problem: Option<&Error>, in_tab: bool) -> Result<Html> {
    let settings: Settings = ctx.settings()?;
    let suggested = rules::date_after(
        ctx.now(),
        settings.default_follow_up_days,
        &ctx.caller().time_zone,
    );
    // With a subject given (from an applicant's or a case's page): its notes.
    let about = (!form.subject.is_empty() && problem.is_none())
        .then(|| subjects::about(ctx, &form.subject));
    let mut query = notes(ctx).query().descending().limit(50);
    if about.is_some() {
        query = query.where_eq("subject", form.subject.clone());
    }
    let latest = query.fetch()?;
    let time_zone = &ctx.caller().time_zone;
    // Outside one record, each note names what it is about as the reader
    // may see it ("CAS014 (Ana Díaz)"), each subject looked up once.
    let mut named: std::collections::HashMap<String, String> = std::collections::HashMap::new();
    if about.is_none() {
        for doc in &latest.items {
            let subject = &doc.data.subject;
            if !named.contains_key(subject) {
                named.insert(subject.clone(), subjects::about(ctx, subject).text);
            }
        }
    }
    let list: Html = if latest.items.is_empty() {
        el("p").class("empty").text("No notes yet.").into()
    } else {
        el("ul")
            .class("notes")
            .children(latest.items.iter().map(|doc| {
                let subject = named.get(&doc.data.subject).map(String::as_str);
                note_item(doc, time_zone, subject)
            }))
            .into()
    };
    let (heading, listed) = match &about {
        Some(about) => {
            let title: Html = match &about.page {
                Some(page) => el("a").attr("href", page).text(&about.text).into(),
                None => text(&about.text),
            };
            (
                el("h1").text("Notes about ").child(title),
                el("p").child(el("a").attr("href", "/m/notes/").text("All notes")),
            )
        }
        None => (el("h1").text("Notes"), el("h2").text("Latest notes")),
    };
    let fixed = about.as_ref().filter(|a| a.page.is_some());
    if in_tab {
        return Ok(el("div")
            .class("notes-tab")
            .child(list)
            .child(new_note_form(form, problem, &suggested, fixed, true))
            .render());
    }
    Ok(el("section")
        .class("notes-page")
        .child(heading)
        .child(new_note_form(form, problem, &suggested, fixed, false))
        .child(listed)
        .child(list)
        .render())
}

/// A note in a list, with what it is about unless the list is about one
/// subject.
fn note_item(doc: &Doc<Note>, time_zone: &str, subject: Option<&str>) -> Element {
    let note = &doc.data;
    let mut meta = format!("by {}", note.author_name);
    if let Some(subject) = subject {
        meta = format!("{subject} · {meta}");
    }
    if let Some(at) = note.follow_up_at {
        meta.push_str(&format!(
            " · follow up {}",
            rules::local_time(at, time_zone)
        ));
    }
    if note.done {
        meta.push_str(" · done");
    }
    el("li")
        .class(if note.done { "note done" } else { "note" })
        .child(
            el("a")
                .attr("href", format!("/m/notes/notes/{}", doc.id))
                .text(&rules::first_line(&note.text, 120)),
        )
        .child(text(" "))
        .child(el("small").text(&meta))
}

/// The form to add a note. About a record already chosen (`fixed`, from
/// its page or tab) it names the record instead of asking; from a tab it
/// goes back there.
fn new_note_form(
    form: &NoteForm,
    problem: Option<&Error>,
    suggested: &str,
    fixed: Option<&rules::About>,
    in_tab: bool,
) -> Element {
    let field_problem = |field: &str| {
        problem
            .map(|p| p.to_json())
            .and_then(|json| json["error"]["fields"][field].as_str().map(str::to_owned))
    };
    let label = |text: &str, input: Element, field: &str| {
        let mut label = el("label").text(text).child(input);
        if let Some(problem) = field_problem(field) {
            label = label.child(el("span").class("field-error").text(&problem));
        }
        label
    };
    let mut form_el = el("form")
        .class("new-note")
        .attr("method", "post")
        .attr("action", "/m/notes/notes");
    if let Some(problem) = problem {
        form_el = form_el.child(el("p").class("form-error").text(problem.message()));
    }
    if in_tab {
        form_el = form_el.child(hidden("from", "tab"));
    }
    let about = match fixed {
        Some(about) => el("div").child(hidden("subject", &form.subject)).child(
            el("p")
                .class("about")
                .text(&format!("About {}", about.text)),
        ),
        None => label(
            "About: an applicant or a case (type a name or a folio such as CAS014), or any words",
            el("input")
                .attr("name", "subject")
                .attr("value", &form.subject)
                .attr("maxlength", SUBJECT_MAX.to_string())
                .attr("autocomplete", "off")
                .attr("data-record-pick", "applicant case")
                .flag("required", true),
            "subject",
        ),
    };
    form_el
        .child(about)
        .child(label(
            "Note",
            el("textarea")
                .attr("name", "text")
                .attr("rows", "4")
                .attr("maxlength", TEXT_MAX.to_string())
                .flag("required", true)
                .text(&form.text),
            "text",
        ))
        .child(
            label(
                "Follow up on (optional)",
                el("input")
                    .attr("type", "date")
                    .attr("name", "follow_up")
                    .attr("value", &form.follow_up),
                "follow_up",
            )
            .child(el("small").class("hint").text(&format!(
                "Leave it empty for no reminder; the reminder comes at 9:00 that day. A week from now is {suggested}."
            ))),
        )
        .child(el("button").attr("type", "submit").text("Add note"))
}

fn hidden(name: &str, value: &str) -> Element {
    el("input")
        .attr("type", "hidden")
        .attr("name", name)
        .attr("value", value)
}

/// `GET /notes/:id` (page): one note, what it is about as the reader may
/// see it, and for its author what they may do with it.
pub fn note(ctx: &Ctx, doc: &Doc<Note>) -> Response {
    note_page(ctx, doc, None, None)
}

fn note_page(
    ctx: &Ctx,
    doc: &Doc<Note>,
    form: Option<&NoteEditForm>,
    problem: Option<&Error>,
) -> Response {
    let note = &doc.data;
    let time_zone = &ctx.caller().time_zone;
    let follow_up = match note.follow_up_at {
        Some(at) => rules::local_time(at, time_zone),
        None => "none".to_owned(),
    };
    let about = subjects::about(ctx, &note.subject);
    let about: Html = match &about.page {
        Some(page) => el("a").attr("href", page).text(&about.text).into(),
        None => text(&about.text),
    };
    let facts = [
        ("About", about),
        ("By", text(&note.author_name)),
        ("Follow up", text(&follow_up)),
        ("Done", text(if note.done { "yes" } else { "no" })),
        (
            "Written",
            text(&rules::local_time(doc.created_at, time_zone)),
        ),
    ];
    let details = el("dl").children(
        facts
            .into_iter()
            .map(|(term, value)| Html::from_iter([el("dt").text(term), el("dd").child(value)])),
    );
    let text = el("div")
        .class("note-text")
        .children(note.text.lines().map(|line| el("p").text(line)));
    let title = rules::first_line(&note.text, 60);
    let mut article = el("article")
        .class("note")
        .child(el("h1").text(&rules::first_line(&note.text, 120)))
        .child(details)
        .child(text);
    if rules::may_change(ctx.caller(), note) {
        article = article.child(changes(ctx, doc, form, problem));
    }
    Response::html(
        article
            .child(el("a").attr("href", "/m/notes/").text("All notes"))
            .render(),
    )
    .page_title(&title)
    .status(problem.map_or(200, Error::status))
}

/// The note page after a refused change, what was typed kept.
pub fn note_with_problem(
    ctx: &Ctx,
    doc: &Doc<Note>,
    form: &NoteEditForm,
    problem: &Error,
) -> Response {
    note_page(ctx, doc, Some(form), Some(problem))
}

/// What the author (or a manager of notes) may do with it: mark it done or
/// open it again, change its text and follow-up, delete it.
fn changes(
    ctx: &Ctx,
    doc: &Doc<Note>,
    typed: Option<&NoteEditForm>,
    problem: Option<&Error>,
) -> Element {
    let note = &doc.data;
    let action = format!("/m/notes/notes/{}", doc.id);
    let version = doc.version.to_string();
    let follow_up = note
        .follow_up_at
        .map(|at| rules::local_time(at, &ctx.caller().time_zone))
        .map(|t| t.chars().take(10).collect::<String>())
        .unwrap_or_default();
    let text_value = typed
        .and_then(|t| t.text.clone())
        .unwrap_or_else(|| note.text.clone());
    let follow_value = typed.and_then(|t| t.follow_up.clone()).unwrap_or(follow_up);
    let toggle = el("form")
        .class("inline")
        .attr("method", "post")
        .attr("action", &action)
        .child(
            el("input")
                .attr("type", "hidden")
                .attr("name", "version")
                .attr("value", &version),
        )
        .child(
            el("input")
                .attr("type", "hidden")
                .attr("name", "done")
                .attr("value", if note.done { "no" } else { "yes" }),
        )
        .child(
            el("button")
                .attr("type", "submit")
                .class("primary")
                .text(if note.done { "Open again" } else { "Mark done" }),
        );
    let mut edit = el("form")
        .class("edit-note stack")
        .attr("method", "post")
        .attr("action", &action);
    if let Some(problem) = problem {
        edit = edit.child(
            el("p")
                .class("form-error")
                .attr("role", "alert")
                .text(problem.message()),
        );
    }
    let edit = edit
        .child(
            el("input")
                .attr("type", "hidden")
                .attr("name", "version")
                .attr("value", &version),
        )
        .child(
            el("label").text("Note").child(
                el("textarea")
                    .attr("name", "text")
                    .attr("rows", "4")
                    .attr("maxlength", TEXT_MAX.to_string())
                    .flag("required", true)
                    .text(&text_value),
            ),
        )
        .child(
            el("label").text("Follow up on (optional)").child(
                el("input")
                    .attr("type", "date")
                    .attr("name", "follow_up")
                    .attr("value", &follow_value),
            ),
        )
        .child(
            el("label")
                .class("check")
                .child(
                    el("input")
                        .attr("type", "checkbox")
                        .attr("name", "done")
                        .attr("value", "yes")
                        .flag("checked", note.done),
                )
                .text(" Done"),
        )
        .child(el("button").attr("type", "submit").text("Save"));
    let delete = el("form")
        .class("danger-zone")
        .attr("method", "post")
        .attr("action", format!("{action}/delete"))
        .attr("data-confirm", "Delete this note?")
        .child(
            el("button")
                .attr("type", "submit")
                .class("danger")
                .text("Delete note"),
        );
    el("section")
        .class("note-actions")
        .child(toggle)
        .child(
            el("details")
                .flag("open", problem.is_some())
                .child(el("summary").text("Change the note"))
                .child(edit),
        )
        .child(delete)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_problems_show_beside_their_inputs() {
        let error = Error::invalid_field("text", "required");
        let form = NoteForm {
            subject: "applicant:<1>".into(),
            ..NoteForm::default()
        };
        let html = new_note_form(&form, Some(&error), "2026-12-12", None, false)
            .render()
            .into_string();
        assert!(html.contains("value=\"applicant:&lt;1&gt;\""), "{html}");
        assert!(
            html.contains("<span class=\"field-error\">required</span>"),
            "{html}"
        );
        assert!(html.contains("action=\"/m/notes/notes\""));
    }
}
