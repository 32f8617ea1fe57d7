//! The settings page: categories and who handles them, SLA targets,
//! the warning before a deadline, business hours and auto-close.

use immcase_sdk::html::{Element, Html, el, text};
use immcase_sdk::{Ctx, Error, Person, Request, Response, Result};

use super::settings_form::{DAYS, Form, day_text, read, warning_fields};
use super::{BASE, labelled};
use crate::data;
use crate::rules::settings::{Category, Settings, Strategy};
use crate::rules::ticket::Priority;
use crate::rules::visibility::MANAGE;

/// `GET /settings` (page).
pub fn show(ctx: &Ctx) -> Result<Response> {
    ctx.require(MANAGE)?;
    let (settings, version) = data::settings(ctx)?;
    render(ctx, &settings, version, None)
}

/// `POST /settings` from the page's form.
pub fn save(ctx: &Ctx, request: Request) -> Result<Response> {
    if !request.is_page() {
        return Err(Error::Invalid(
            "the API changes the settings with PUT /settings".into(),
        ));
    }
    ctx.require(MANAGE)?;
    let fields: Vec<(String, String)> = request.form()?;
    let form = Form(fields);
    let (current, _) = data::settings(ctx)?;
    let version: u64 = form.get("version").parse().unwrap_or(0);
    let (settings, unreadable) = read(&form, &current);
    let saved = unreadable
        .into_result()
        .and_then(|()| settings.validate().into_result())
        .and_then(|()| crate::effects::save_settings(ctx, &settings, version));
    match saved {
        Ok(_) => Ok(Response::redirect(&format!("{BASE}/settings")).flash("Settings saved.")),
        Err(error) if matches!(error.status(), 409 | 422) => {
            render(ctx, &settings, version, Some(&error))
        }
        Err(error) => Err(error),
    }
}

fn render(
    ctx: &Ctx,
    settings: &Settings,
    version: u64,
    problem: Option<&Error>,
) -> Result<Response> {
    let people = ctx.people_holding("module:helpdesk")?;
    let field = |label: &str, input: Element, name: &str| labelled(label, input, name, problem);
    let number = |name: &str, value: String| {
        el("input")
            .attr("type", "number")
            .attr("name", name)
            .attr("value", value)
    };
    let mut form = el("form")
        .class("helpdesk-settings")
        .attr("method", "post")
        .attr("action", format!("{BASE}/settings"))
        .child(hidden("version", &version.to_string()))
        .child(hidden("categories", &settings.categories.len().to_string()));
    if let Some(problem) = problem {
        form = form.child(el("p").class("form-error").text(problem.message()));
    }
    form = form.child(el("h2").text("Categories"));
    let blank = Category::new("", "");
    for (i, category) in settings.categories.iter().chain([&blank]).enumerate() {
        form = form.child(category_fields(i, category, &people, problem));
    }
    form = form.child(el("h2").text("SLA targets (business minutes)"));
    for priority in Priority::ALL {
        let name = priority.as_str();
        let target = settings.sla.of(priority);
        let first = format!("sla.{name}.first_response_minutes");
        let resolution = format!("sla.{name}.resolution_minutes");
        form = form.child(
            el("fieldset")
                .child(el("legend").text(name))
                .child(field(
                    "First response",
                    number(&first, target.first_response_minutes.to_string()),
                    &first,
                ))
                .child(field(
                    "Resolution",
                    number(&resolution, target.resolution_minutes.to_string()),
                    &resolution,
                )),
        );
    }
    let (kind, value) = warning_fields(settings.sla.warning);
    let choice = |key: &str, label: &str| {
        let option = el("option").attr("value", key).text(label);
        if key == kind {
            option.attr("selected", "selected")
        } else {
            option
        }
    };
    form = form.child(
        el("fieldset")
            .child(el("legend").text("Warn before a deadline"))
            .child(field(
                "Warn",
                el("select")
                    .attr("name", "sla.warning.kind")
                    .child(choice(
                        "fraction",
                        "when this share of the target is used (%)",
                    ))
                    .child(choice(
                        "minutes_before",
                        "this many business minutes before it",
                    )),
                "sla.warning.kind",
            ))
            .child(field(
                "Amount",
                number("sla.warning.value", value),
                &format!("sla.warning.{kind}"),
            )),
    );
    form = form.child(el("h2").text("Business hours")).child(field(
        "Time zone",
        el("input")
            .attr("name", "time_zone")
            .attr("value", &settings.business_hours.time_zone),
        "business_hours.time_zone",
    ));
    for day in DAYS {
        let path = format!("business_hours.week.{day}");
        let input = el("input")
            .attr("name", &path)
            .attr("value", day_text(settings, day));
        form = form.child(field(day, input, &path));
    }
    let holidays = settings
        .business_hours
        .holidays
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ");
    form = form
        .child(field(
            "Holidays",
            el("input")
                .attr("name", "business_hours.holidays")
                .attr("value", holidays),
            "business_hours.holidays",
        ))
        .child(field(
            "Close resolved tickets after (days)",
            number("auto_close_days", settings.auto_close_days.to_string()),
            "auto_close_days",
        ))
        .child(el("button").attr("type", "submit").text("Save settings"));
    Ok(Response::html(
        el("section")
            .class("helpdesk-page")
            .child(el("h1").text("Helpdesk settings"))
            .child(form)
            .child(el("a").attr("href", format!("{BASE}/")).text("All tickets"))
            .render(),
    )
    .page_title("Helpdesk settings")
    .status(problem.map_or(200, Error::status)))
}

fn category_fields(
    i: usize,
    category: &Category,
    people: &[Person],
    problem: Option<&Error>,
) -> Element {
    let name = |field: &str| format!("c{i}.{field}");
    let path = |field: &str| format!("categories[{i}].{field}");
    let field =
        |label: &str, input: Element, field: &str| labelled(label, input, &path(field), problem);
    let person_choice = |field_name: &str, chosen: Option<&str>| {
        let options = std::iter::once(
            el("option")
                .attr("value", "")
                .flag("selected", chosen.is_none())
                .text("nobody"),
        )
        .chain(people.iter().map(|p| {
            el("option")
                .attr("value", &p.id)
                .flag("selected", chosen == Some(p.id.as_str()))
                .text(&p.display_name)
        }));
        el("select")
            .attr("name", name(field_name))
            .children(options)
    };
    let members: &[String] = category.team.as_ref().map_or(&[], |t| &t.members);
    let member_boxes: Html = people
        .iter()
        .map(|p| {
            el("label")
                .child(
                    el("input")
                        .attr("type", "checkbox")
                        .attr("name", name("members"))
                        .attr("value", &p.id)
                        .flag("checked", members.contains(&p.id)),
                )
                .child(text(&format!(" {}", p.display_name)))
        })
        .collect();
    let strategy = category.team.as_ref().map(|t| t.strategy);
    let strategies = [
        (Strategy::RoundRobin, "round_robin", "Round robin"),
        (Strategy::LeastOpen, "least_open", "Fewest open tickets"),
    ]
    .into_iter()
    .map(|(s, value, label)| {
        el("option")
            .attr("value", value)
            .flag("selected", strategy == Some(s))
            .text(label)
    });
    let legend = if category.key.is_empty() {
        "New category".to_owned()
    } else {
        category.label.clone()
    };
    let key = if category.key.is_empty() {
        field(
            "Key (letters, digits, _)",
            el("input").attr("name", name("key")),
            "key",
        )
    } else {
        el("span").child(hidden(&name("key"), &category.key))
    };
    el("fieldset")
        .child(el("legend").text(&legend))
        .child(key)
        .child(field(
            "Label",
            el("input")
                .attr("name", name("label"))
                .attr("value", &category.label),
            "label",
        ))
        .child(
            el("label")
                .child(
                    el("input")
                        .attr("type", "checkbox")
                        .attr("name", name("active"))
                        .attr("value", "1")
                        .flag("checked", category.active),
                )
                .child(text(" Takes new tickets")),
        )
        .child(field(
            "Responsible person",
            person_choice("responsible", category.responsible_id.as_deref()),
            "responsible_id",
        ))
        .child(field("Or a team", el("div").child(member_boxes), "team"))
        .child(field(
            "Shared by",
            el("select")
                .attr("name", name("strategy"))
                .children(strategies),
            "team.strategy",
        ))
        .child(field(
            "Manager",
            person_choice("manager", category.manager_id.as_deref()),
            "manager_id",
        ))
}

fn hidden(name: &str, value: &str) -> Element {
    el("input")
        .attr("type", "hidden")
        .attr("name", name)
        .attr("value", value)
}
