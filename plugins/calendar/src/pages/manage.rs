//! Keeping the shared calendars (holders of `calendar.manage`): team
//! calendars with their members, practice-wide ones with their editors,
//! each with a colour.

use immcase_sdk::html::{Element, Html, el, text};
use immcase_sdk::{Ctx, Doc, Error, Person, Request, Response, Result};

use super::{BASE, FieldProblems, checkbox, form_pairs, stylesheet_link};
use crate::data::{self, Reader};
use crate::effects::{self, CalendarInput};
use crate::rules::access::{Calendar, MANAGE, Sharing};
use crate::rules::kinds::COLOURS;

/// What the form holds.
struct Typed {
    name: String,
    sharing: String,
    colour: String,
    members: Vec<String>,
    version: String,
}

impl Typed {
    fn from_pairs(pairs: &[(String, String)]) -> Typed {
        let value = |k: &str| {
            pairs
                .iter()
                .find(|(n, _)| n == k)
                .map(|(_, v)| v.clone())
                .unwrap_or_default()
        };
        Typed {
            name: value("name"),
            sharing: value("sharing"),
            colour: value("colour"),
            members: pairs
                .iter()
                .filter(|(n, _)| n == "members")
                .map(|(_, v)| v.clone())
                .collect(),
            version: value("version"),
        }
    }

    fn input(&self, creating: bool) -> CalendarInput {
        CalendarInput {
            name: Some(self.name.clone()),
            sharing: creating.then(|| self.sharing.clone()),
            colour: Some(self.colour.clone()),
            members: Some(self.members.clone()),
            version: self.version.parse().ok(),
        }
    }
}

/// `GET /calendars` (page): the shared calendars and a form for a new one.
pub fn list(ctx: &Ctx, _request: Request) -> Result<Response> {
    ctx.require(MANAGE)?;
    let typed = Typed {
        name: String::new(),
        sharing: "team".into(),
        colour: "teal".into(),
        members: Vec::new(),
        version: String::new(),
    };
    Ok(Response::html(render_list(ctx, &typed, None)?).page_title("Calendars"))
}

fn render_list(ctx: &Ctx, typed: &Typed, problem: Option<&Error>) -> Result<Html> {
    let people = ctx.people_holding("module:calendar")?;
    let shared: Vec<Doc<Calendar>> = data::all_calendars(ctx)?
        .into_iter()
        .filter(|c| c.data.sharing != Sharing::Personal)
        .collect();
    let rows = shared.iter().map(|c| {
        let names: Vec<String> = c
            .data
            .members
            .iter()
            .map(|m| {
                people.iter().find(|p| &p.id == m).map_or_else(
                    || "someone no longer here".to_string(),
                    |p| p.display_name.clone(),
                )
            })
            .collect();
        let who = match (c.data.sharing, names.is_empty()) {
            (Sharing::Team, true) => "no members yet".to_string(),
            (Sharing::Team, false) => format!("members: {}", names.join(", ")),
            (_, true) => "everyone reads it; managers change it".to_string(),
            (_, false) => format!("everyone reads it; changed by {}", names.join(", ")),
        };
        el("li")
            .child(el("span").class(format!("swatch c-{}", c.data.colour)))
            .child(text(" "))
            .child(
                el("a")
                    .attr("href", format!("{BASE}/calendars/{}/edit", c.id))
                    .text(&c.data.name),
            )
            .child(
                el("small")
                    .class("muted")
                    .text(&format!(" · {} · {who}", c.data.sharing.label())),
            )
    });
    let list: Html = if shared.is_empty() {
        el("p")
            .class("muted")
            .text("No team or practice-wide calendars yet.")
            .render()
    } else {
        el("ul").class("shared-calendars").children(rows).render()
    };
    let form = form(typed, &people, None, problem);
    Ok(Html::from_iter([
        stylesheet_link().render(),
        el("section")
            .class("manage-calendars")
            .child(el("p").child(el("a").attr("href", format!("{BASE}/")).text("‹ Calendar")))
            .child(el("h1").text("Team and practice-wide calendars"))
            .child(list)
            .child(el("h2").text("New calendar"))
            .child(form)
            .render(),
    ]))
}

fn form(
    typed: &Typed,
    people: &[Person],
    editing: Option<&Doc<Calendar>>,
    problem: Option<&Error>,
) -> Element {
    let problems = FieldProblems::of(problem);
    let label = |words: &str, input: Element, field: &str| problems.label(words, input, field);
    let action = match editing {
        Some(doc) => format!("{BASE}/calendars/{}", doc.id),
        None => format!("{BASE}/calendars"),
    };
    let mut f = el("form")
        .class("stack")
        .attr("method", "post")
        .attr("action", action);
    if let Some(problem) = problem {
        f = f.child(
            el("p")
                .class("form-error")
                .attr("role", "alert")
                .text(problem.message()),
        );
    }
    if !typed.version.is_empty() {
        f = f.child(
            el("input")
                .attr("type", "hidden")
                .attr("name", "version")
                .attr("value", &typed.version),
        );
    }
    f = f.child(label(
        "Name",
        el("input")
            .attr("name", "name")
            .attr("value", &typed.name)
            .attr("maxlength", "80")
            .attr("placeholder", "Junior consultants")
            .flag("required", true),
        "name",
    ));
    if editing.is_none() {
        f = f.child(label(
            "Kind",
            el("select")
                .attr("name", "sharing")
                .child(
                    el("option")
                        .attr("value", "team")
                        .flag("selected", typed.sharing == "team")
                        .text("Team: its members read and change it"),
                )
                .child(
                    el("option")
                        .attr("value", "public")
                        .flag("selected", typed.sharing == "public")
                        .text("Practice-wide: everyone reads it"),
                ),
            "sharing",
        ));
    }
    f.child(label(
        "Colour",
        el("select")
            .attr("name", "colour")
            .children(COLOURS.iter().map(|c| {
                el("option")
                    .attr("value", *c)
                    .flag("selected", *c == typed.colour)
                    .text(c)
            })),
        "colour",
    ))
    .child(
        el("fieldset")
            .child(el("legend").text("Members (for a practice-wide calendar: who may change it)"))
            .child(
                el("div")
                    .class("people-choices")
                    .children(people.iter().map(|p| {
                        checkbox("members", &p.id, typed.members.contains(&p.id))
                            .child(text(&p.display_name))
                    })),
            ),
    )
    .child(
        el("button")
            .class("primary")
            .attr("type", "submit")
            .text("Save"),
    )
}

/// `POST /calendars` (page): a new shared calendar.
pub fn create(ctx: &Ctx, request: Request) -> Result<Response> {
    Reader::of(ctx)?;
    ctx.require(MANAGE)?;
    let typed = Typed::from_pairs(&form_pairs(&request));
    let made = effects::calendar_from(ctx, Calendar::default(), typed.input(true), true)
        .and_then(|calendar| data::calendars(ctx).insert(&immcase_sdk::new_id(), &calendar));
    match made {
        Ok(doc) => Ok(Response::redirect(&format!("{BASE}/calendars"))
            .flash(&format!("{} is ready.", doc.data.name))),
        Err(e) if e.status() == 422 => Ok(Response::html(render_list(ctx, &typed, Some(&e))?)
            .page_title("Calendars")
            .status(422)),
        Err(e) => Err(e),
    }
}

/// `GET /calendars/:id/edit` (page).
pub fn edit(ctx: &Ctx, request: Request) -> Result<Response> {
    let reader = Reader::of(ctx)?;
    ctx.require(MANAGE)?;
    let doc = shared(ctx, &reader, request.require_param("id")?)?;
    let typed = Typed {
        name: doc.data.name.clone(),
        sharing: String::new(),
        colour: doc.data.colour.clone(),
        members: doc.data.members.clone(),
        version: doc.version.to_string(),
    };
    Ok(Response::html(render_edit(ctx, &doc, &typed, None)?)
        .page_title(&format!("Edit {}", doc.data.name)))
}

fn shared(ctx: &Ctx, reader: &Reader, id: &str) -> Result<Doc<Calendar>> {
    let doc = data::readable_calendar(ctx, reader, id)?;
    if doc.data.sharing == Sharing::Personal {
        return Err(Error::Forbidden(
            "a person's own calendar is kept by them".into(),
        ));
    }
    Ok(doc)
}

fn render_edit(
    ctx: &Ctx,
    doc: &Doc<Calendar>,
    typed: &Typed,
    problem: Option<&Error>,
) -> Result<Html> {
    let people = ctx.people_holding("module:calendar")?;
    Ok(Html::from_iter([
        stylesheet_link().render(),
        el("section")
            .class("manage-calendars")
            .child(
                el("p").child(
                    el("a")
                        .attr("href", format!("{BASE}/calendars"))
                        .text("‹ Calendars"),
                ),
            )
            .child(el("h1").text(&format!("Edit {}", doc.data.name)))
            .child(el("p").class("hint").text(doc.data.sharing.label()))
            .child(form(typed, &people, Some(doc), problem))
            .render(),
    ]))
}

/// `POST /calendars/:id` (page): saves the changes.
pub fn update(ctx: &Ctx, request: Request) -> Result<Response> {
    let reader = Reader::of(ctx)?;
    ctx.require(MANAGE)?;
    let doc = shared(ctx, &reader, request.require_param("id")?)?;
    let typed = Typed::from_pairs(&form_pairs(&request));
    let saved = match typed.version.parse::<u64>() {
        Ok(v) if v != doc.version => Err(Error::Conflict(format!(
            "the calendar changed since you opened it (it is now version {}); open it again",
            doc.version
        ))),
        _ => effects::calendar_from(ctx, doc.data.clone(), typed.input(false), false)
            .and_then(|calendar| data::calendars(ctx).update(&doc.id, &calendar, doc.version)),
    };
    match saved {
        Ok(saved) => Ok(Response::redirect(&format!("{BASE}/calendars"))
            .flash(&format!("{} saved.", saved.data.name))),
        Err(e) if matches!(e.status(), 409 | 422) => {
            Ok(Response::html(render_edit(ctx, &doc, &typed, Some(&e))?)
                .page_title("Edit calendar")
                .status(e.status()))
        }
        Err(e) => Err(e),
    }
}
