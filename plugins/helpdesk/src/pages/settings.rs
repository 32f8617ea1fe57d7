//! The settings page: categories and who handles them, SLA targets,
//! business hours and auto-close. The SLA warning threshold is shown but
//! changed through the JSON API.

use immcase_sdk::html::{Element, Html, el, text};
use immcase_sdk::{Ctx, Error, Person, Request, Response, Result};

use super::{BASE, labelled};
use crate::data;
use crate::rules::Problems;
use crate::rules::hours::OpenHours;
use crate::rules::settings::{Category, Settings, Strategy, Team};
use crate::rules::ticket::Priority;
use crate::rules::visibility::MANAGE;

const DAYS: [&str; 7] = [
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
];

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
        .and_then(|()| data::save_settings(ctx, &settings, version));
    match saved {
        Ok(_) => Ok(Response::redirect(&format!("{BASE}/settings")).flash("Settings saved.")),
        Err(error) if matches!(error.status(), 409 | 422) => {
            render(ctx, &settings, version, Some(&error))
        }
        Err(error) => Err(error),
    }
}

/// The posted fields, in order.
struct Form(Vec<(String, String)>);

impl Form {
    fn get(&self, name: &str) -> &str {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map_or("", |(_, v)| v.trim())
    }

    fn all(&self, name: &str) -> Vec<String> {
        self.0
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.trim().to_owned())
            .filter(|v| !v.is_empty())
            .collect()
    }
}

/// The settings the form describes, over `current` (what the form does
/// not show is kept), and what could not even be read.
fn read(form: &Form, current: &Settings) -> (Settings, Problems) {
    let mut settings = current.clone();
    let mut problems = Problems::new();
    let optional = |value: &str| (!value.is_empty()).then(|| value.to_owned());
    let count: usize = form.get("categories").parse().unwrap_or(0);
    settings.categories = (0..=count)
        .filter_map(|i| {
            let field = |name: &str| format!("c{i}.{name}");
            let key = form.get(&field("key")).to_owned();
            if i == count && key.is_empty() {
                return None; // the empty row for a new category
            }
            let members = form.all(&field("members"));
            let team = (!members.is_empty()).then(|| Team {
                members,
                strategy: if form.get(&field("strategy")) == "least_open" {
                    Strategy::LeastOpen
                } else {
                    Strategy::RoundRobin
                },
            });
            Some(Category {
                label: form.get(&field("label")).to_owned(),
                active: !form.get(&field("active")).is_empty(),
                responsible_id: optional(form.get(&field("responsible"))),
                team,
                manager_id: optional(form.get(&field("manager"))),
                key,
            })
        })
        .collect();
    for priority in Priority::ALL {
        let name = priority.as_str();
        let target = match priority {
            Priority::Urgent => &mut settings.sla.urgent,
            Priority::High => &mut settings.sla.high,
            Priority::Medium => &mut settings.sla.medium,
            Priority::Low => &mut settings.sla.low,
        };
        for (field, value) in [
            ("first_response_minutes", &mut target.first_response_minutes),
            ("resolution_minutes", &mut target.resolution_minutes),
        ] {
            let path = format!("sla.{name}.{field}");
            match form.get(&path).parse() {
                Ok(minutes) => *value = minutes,
                Err(_) => problems.add(path, "must be a whole number of minutes"),
            }
        }
    }
    settings.business_hours.time_zone = form.get("time_zone").to_owned();
    for day in DAYS {
        let path = format!("business_hours.week.{day}");
        match windows(form.get(&path)) {
            Some(windows) => *day_mut(&mut settings, day) = windows,
            None => problems.add(path, "like 09:00-12:00, 13:00-17:00, or empty when closed"),
        }
    }
    let holidays: std::result::Result<Vec<jiff::civil::Date>, _> = form
        .get("business_hours.holidays")
        .split([',', ' ', '\n'])
        .map(str::trim)
        .filter(|d| !d.is_empty())
        .map(str::parse)
        .collect();
    match holidays {
        Ok(holidays) => settings.business_hours.holidays = holidays,
        Err(_) => problems.add(
            "business_hours.holidays",
            "dates like 2026-12-25, separated by commas",
        ),
    }
    match form.get("auto_close_days").parse() {
        Ok(days) => settings.auto_close_days = days,
        Err(_) => problems.add("auto_close_days", "must be a whole number of days"),
    }
    (settings, problems)
}

/// `09:00-12:00, 13:00-17:00` as opening hours; `None` when unreadable.
fn windows(text: &str) -> Option<Vec<OpenHours>> {
    text.split(',')
        .map(str::trim)
        .filter(|w| !w.is_empty())
        .map(|w| {
            let (start, end) = w.split_once('-')?;
            Some(OpenHours {
                start: start.trim().parse().ok()?,
                end: end.trim().parse().ok()?,
            })
        })
        .collect()
}

fn day_mut<'a>(settings: &'a mut Settings, day: &str) -> &'a mut Vec<OpenHours> {
    let week = &mut settings.business_hours.week;
    match day {
        "monday" => &mut week.monday,
        "tuesday" => &mut week.tuesday,
        "wednesday" => &mut week.wednesday,
        "thursday" => &mut week.thursday,
        "friday" => &mut week.friday,
        "saturday" => &mut week.saturday,
        _ => &mut week.sunday,
    }
}

fn day_text(settings: &Settings, day: &str) -> String {
    let week = &settings.business_hours.week;
    let hours = match day {
        "monday" => &week.monday,
        "tuesday" => &week.tuesday,
        "wednesday" => &week.wednesday,
        "thursday" => &week.thursday,
        "friday" => &week.friday,
        "saturday" => &week.saturday,
        _ => &week.sunday,
    };
    hours
        .iter()
        .map(|w| format!("{}-{}", w.start, w.end))
        .collect::<Vec<_>>()
        .join(", ")
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

#[cfg(test)]
mod tests {
    use super::*;

    fn form(fields: &[(&str, &str)]) -> Form {
        Form(
            fields
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
        )
    }

    #[test]
    fn the_form_reads_back_into_settings() {
        let current = Settings::default();
        let mut fields = vec![
            ("version", "3"),
            ("categories", "1"),
            ("c0.key", "technical_support"),
            ("c0.label", "IT"),
            ("c0.active", "1"),
            ("c0.members", "u1"),
            ("c0.members", "u2"),
            ("c0.strategy", "least_open"),
            ("c1.key", ""),
            ("time_zone", "America/Vancouver"),
            ("business_hours.week.monday", "09:00-12:00, 13:00-17:00"),
            ("business_hours.holidays", "2026-12-25, 2026-12-26"),
            ("auto_close_days", "5"),
        ];
        let minutes = Priority::ALL.map(|p| {
            (
                format!("sla.{}.first_response_minutes", p.as_str()),
                format!("sla.{}.resolution_minutes", p.as_str()),
            )
        });
        for (first, resolution) in &minutes {
            fields.push((first, "30"));
            fields.push((resolution, "600"));
        }
        let (settings, problems) = read(&form(&fields), &current);
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(settings.categories.len(), 1);
        let it = &settings.categories[0];
        assert_eq!(it.label, "IT");
        assert!(it.is_agent("u2"));
        assert_eq!(
            it.team.as_ref().map(|t| t.strategy),
            Some(Strategy::LeastOpen)
        );
        assert_eq!(settings.business_hours.time_zone, "America/Vancouver");
        assert_eq!(settings.business_hours.week.monday.len(), 2);
        assert!(settings.business_hours.week.tuesday.is_empty());
        assert_eq!(settings.business_hours.holidays.len(), 2);
        assert_eq!(settings.sla.low.first_response_minutes, 30);
        assert_eq!(settings.auto_close_days, 5);
    }

    #[test]
    fn unreadable_fields_are_named() {
        let (_, problems) = read(
            &form(&[
                ("business_hours.week.friday", "nine to five"),
                ("auto_close_days", "soon"),
            ]),
            &Settings::default(),
        );
        assert!(problems.get("business_hours.week.friday").is_some());
        assert!(problems.get("auto_close_days").is_some());
        assert_eq!(
            problems.get("sla.urgent.first_response_minutes"),
            Some("must be a whole number of minutes")
        );
    }
}
