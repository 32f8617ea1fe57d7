//! The helpdesk's pages: HTML fragments that the host wraps in its shell.
//!
//! - this file: the ticket list with its filters, and the form to file a
//!   ticket;
//! - [`ticket`]: one ticket with its conversation, the reply form and the
//!   status buttons;
//! - the settings (categories, assignment, SLA targets, business hours) are
//!   changed on the host's page, drawn from `plugin.toml`;
//! - `related`: the applicant and case a ticket is about, as people name
//!   them;
//! - [`panel`]: "My tickets" on the dashboard.

pub mod panel;
mod related;
pub mod ticket;

use immcase_sdk::html::{Element, el, text};
use immcase_sdk::{Ctx, Error, Part, Placement, Request, Response, Result};
use jiff::Timestamp;
use serde::Deserialize;

use crate::attachments;
use crate::data::{self, Names};
use crate::rules::settings::Settings;
use crate::rules::ticket::{NewTicket, Priority, Status};
use crate::tickets::{self, TicketList};

pub const BASE: &str = "/m/helpdesk";

const STATUSES: [Status; 5] = [
    Status::Open,
    Status::InProgress,
    Status::WaitingOnRequester,
    Status::Resolved,
    Status::Closed,
];

/// `GET /` (page): the tickets the caller may see, with the list's filters.
pub fn home(ctx: &Ctx, request: Request) -> Result<Response> {
    let filter: TicketList = request.query_as()?;
    let settings = data::settings(ctx)?;
    let page = tickets::visible_tickets(ctx, &filter, &settings)?;
    let mut names = Names::default();
    let tz = &ctx.caller().time_zone;
    let rows: Vec<Element> = page
        .items
        .iter()
        .map(|doc| {
            let t = &doc.data;
            let assignee = match &t.assignee_id {
                Some(id) => names.of(ctx, id),
                None => "unassigned".to_owned(),
            };
            let breached = if tickets::breached(t) {
                " · SLA breached"
            } else {
                ""
            };
            el("li")
                .child(
                    el("a")
                        .attr("href", format!("{BASE}/tickets/{}", doc.id))
                        .text(&format!("{} {}", t.folio, t.subject)),
                )
                .child(el("small").text(&format!(
                    " {} · {} · {} · {} · {}{breached}",
                    settings.category_label(&t.category),
                    t.priority.as_str(),
                    t.status.words(),
                    assignee,
                    local_time(t.created_at, tz),
                )))
        })
        .collect();
    let list = if rows.is_empty() {
        el("p").class("empty").text("No tickets.")
    } else {
        el("ul").class("tickets").children(rows)
    };
    let mut more = el("p");
    if let Some(cursor) = &page.next_cursor {
        let mut query = request.query_params();
        query.retain(|(k, _)| k != "cursor");
        query.push(("cursor".into(), cursor.clone()));
        let query: Vec<String> = query
            .iter()
            .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
            .collect();
        more = more.child(
            el("a")
                .attr("href", format!("{BASE}/?{}", query.join("&")))
                .text("Older tickets"),
        );
    }
    // From a case's or an applicant's page: their tickets, and a new one
    // starts about them.
    let (about, new_ticket) = match (nonempty(&filter.case), nonempty(&filter.applicant)) {
        (Some(case), _) => (
            Some(
                el("p")
                    .class("about")
                    .text("Tickets about the case ")
                    .child(related::case_link(ctx, case)),
            ),
            format!("{BASE}/new?case_id=case:{}", encode(case)),
        ),
        (None, Some(applicant)) => (
            Some(
                el("p")
                    .class("about")
                    .text("Tickets about ")
                    .child(related::applicant_link(ctx, applicant)),
            ),
            format!("{BASE}/new?applicant_id=applicant:{}", encode(applicant)),
        ),
        (None, None) => (None, format!("{BASE}/new")),
    };
    let mut links = el("p").child(el("a").attr("href", new_ticket).text("File a ticket"));
    // What the host's check of the settings cannot see (rules across
    // fields) is shown to those who can fix it.
    let mut to_check = el("div");
    if ctx.caller().can(crate::rules::visibility::MANAGE) {
        links = links
            .child(text(" · "))
            .child(el("a").attr("href", crate::SETTINGS_PAGE).text("Settings"));
        let problems = settings.validate();
        if !problems.is_empty() {
            let items = problems.fields().map(|field| {
                let message = problems.get(field).unwrap_or_default();
                let field = settings.field_in_words(field);
                el("li").text(&format!("{field}: {message}"))
            });
            to_check = el("div")
                .class("form-error")
                .attr("role", "alert")
                .child(el("p").text("The settings need checking:"))
                .child(el("ul").children(items));
        }
    }
    // As a record's tab, under the record's own heading: its tickets and a
    // new one about it; the filters are on the helpdesk's page.
    if request.placement() == Placement::Tab {
        return Ok(Response::html(
            el("div")
                .class("helpdesk-tab")
                .child(links)
                .child(list)
                .child(more)
                .render(),
        ));
    }
    Ok(Response::html(
        el("section")
            .class("helpdesk-page")
            .child(el("h1").text("Helpdesk"))
            .child(about.unwrap_or_else(|| el("div")))
            .child(links)
            .child(to_check)
            .child(filters(&filter, &settings))
            .child(list)
            .child(more)
            .render(),
    )
    .page_title("Helpdesk"))
}

/// The list's filters, as a form that reloads the page.
fn filters(filter: &TicketList, settings: &Settings) -> Element {
    let check = |name: &'static str, label: &str, on: bool| {
        el("label")
            .child(
                el("input")
                    .attr("type", "checkbox")
                    .attr("name", name)
                    .attr("value", "1")
                    .flag("checked", on),
            )
            .child(text(label))
    };
    let choice = |name: &'static str,
                  label: &str,
                  options: Vec<(String, String)>,
                  chosen: &Option<String>| {
        let options = std::iter::once((String::new(), "any".to_owned()))
            .chain(options)
            .map(|(value, text)| {
                let selected = chosen.as_deref() == Some(value.as_str());
                el("option")
                    .attr("value", &value)
                    .flag("selected", selected)
                    .text(&text)
            });
        el("label")
            .text(label)
            .child(el("select").attr("name", name).children(options))
    };
    // Filtering keeps the record the list is about.
    let kept = [("case", &filter.case), ("applicant", &filter.applicant)]
        .into_iter()
        .filter_map(|(name, value)| {
            nonempty(value).map(|value| {
                el("input")
                    .attr("type", "hidden")
                    .attr("name", name)
                    .attr("value", value)
            })
        });
    el("form")
        .class("filters")
        .attr("method", "get")
        .attr("action", format!("{BASE}/"))
        .children(kept)
        .child(check("mine", "Mine", tickets::flag(&filter.mine)))
        .child(check("team", "My team", tickets::flag(&filter.team)))
        .child(check(
            "breached",
            "SLA breached",
            tickets::flag(&filter.breached),
        ))
        .child(choice(
            "status",
            "Status",
            STATUSES
                .iter()
                .map(|s| (s.as_str().into(), s.words().into()))
                .collect(),
            &filter.status,
        ))
        .child(choice(
            "priority",
            "Priority",
            Priority::ALL
                .iter()
                .map(|p| (p.as_str().into(), p.as_str().into()))
                .collect(),
            &filter.priority,
        ))
        .child(choice(
            "category",
            "Category",
            settings
                .categories
                .iter()
                .map(|c| (c.key.clone(), c.label.clone()))
                .collect(),
            &filter.category,
        ))
        .child(el("button").attr("type", "submit").text("Filter"))
}

// Filing --------------------------------------------------------------------

/// `GET /new` (page): the form to file a ticket; `?case_id=` and
/// `?applicant_id=` fill in what it is about (from a record's tickets).
pub fn new_ticket(ctx: &Ctx, request: Request) -> Result<Response> {
    let about: TicketAbout = request.query_as()?;
    let form = TicketForm {
        applicant_id: about.applicant_id,
        case_id: about.case_id,
        ..TicketForm::default()
    };
    new_ticket_page(ctx, &form, None)
}

/// What a new ticket is about, as a record's tickets link to the form.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct TicketAbout {
    applicant_id: String,
    case_id: String,
}

/// A query parameter's value when it is given and not empty.
fn nonempty(value: &Option<String>) -> Option<&str> {
    value.as_deref().filter(|v| !v.is_empty())
}

/// `POST /tickets` from the form: to the new ticket, or the form again.
pub fn file_ticket(ctx: &Ctx, request: Request) -> Result<Response> {
    let multipart = if request.is_multipart() {
        Some(request.multipart()?)
    } else {
        None
    };
    let form: TicketForm = match &multipart {
        Some(multipart) => multipart.form()?,
        None => request.form()?,
    };
    let files: Vec<&Part> = multipart
        .iter()
        .flat_map(|m| m.files(attachments::FIELD))
        .collect();
    // Checked before the ticket is filed, which it is even if a file is
    // then refused.
    if let Err(problem) = attachments::check_count(files.len()) {
        return new_ticket_page(ctx, &form, Some(&problem));
    }
    let requester = ctx
        .caller()
        .user_id
        .clone()
        .ok_or_else(|| Error::Forbidden("only a signed-in person can file tickets".into()))?;
    let (applicant_id, case_id) = match related::resolve(ctx, &form.applicant_id, &form.case_id) {
        Ok(ids) => ids,
        Err(error) if error.status() == 422 => return new_ticket_page(ctx, &form, Some(&error)),
        Err(error) => return Err(error),
    };
    let new = NewTicket {
        subject: form.subject.clone(),
        description: form.description.clone(),
        category: form.category.clone(),
        priority: Some(form.priority.clone()),
        applicant_id: Some(applicant_id),
        case_id: Some(case_id),
    };
    match tickets::open_ticket(ctx, new, &requester) {
        Ok(doc) => {
            // The ticket is filed either way; a file the host refused is
            // said, and can be attached again from the ticket's page.
            let message = match attachments::attach(ctx, &doc.id, &files) {
                Ok(_) => format!("Ticket {} filed.", doc.data.folio),
                Err(error) if error.status() == 422 => format!(
                    "Ticket {} filed, but {}",
                    doc.data.folio,
                    error.message().trim_start_matches("attachments: ")
                ),
                Err(error) => return Err(error),
            };
            Ok(Response::redirect(&format!("{BASE}/tickets/{}", doc.id)).flash(&message))
        }
        Err(error) if error.status() == 422 => new_ticket_page(ctx, &form, Some(&error)),
        Err(error) => Err(error),
    }
}

fn new_ticket_page(ctx: &Ctx, form: &TicketForm, problem: Option<&Error>) -> Result<Response> {
    let settings = data::settings(ctx)?;
    let field = |text: &str, input: Element, name: &str| labelled(text, input, name, problem);
    let categories = settings.categories.iter().filter(|c| c.active).map(|c| {
        el("option")
            .attr("value", &c.key)
            .flag("selected", c.key == form.category)
            .text(&c.label)
    });
    let priorities = Priority::ALL.iter().map(|p| {
        el("option")
            .attr("value", p.as_str())
            .flag("selected", p.as_str() == form.priority)
            .text(p.as_str())
    });
    let mut body = el("form")
        .attr("method", "post")
        .attr("enctype", "multipart/form-data")
        .attr("action", format!("{BASE}/tickets"));
    if let Some(problem) = problem {
        body = body.child(el("p").class("form-error").text(problem.message()));
    }
    let body = body
        .child(field(
            "Subject",
            el("input")
                .attr("name", "subject")
                .attr("value", &form.subject)
                .flag("required", true),
            "subject",
        ))
        .child(field(
            "Description",
            el("textarea")
                .attr("name", "description")
                .attr("rows", "6")
                .text(&form.description),
            "description",
        ))
        .child(field(
            "Category",
            el("select").attr("name", "category").children(categories),
            "category",
        ))
        .child(field(
            "Priority",
            el("select").attr("name", "priority").children(priorities),
            "priority",
        ))
        .child(field(
            "Case (optional): its folio, like CAS014, or its applicant's name",
            el("input")
                .attr("name", "case_id")
                .attr("autocomplete", "off")
                .attr("data-record-pick", "case")
                .attr("value", &form.case_id),
            "case_id",
        ))
        .child(field(
            "Applicant (optional; the case's applicant when empty): a name or an email",
            el("input")
                .attr("name", "applicant_id")
                .attr("type", "text")
                .attr("autocomplete", "off")
                .attr("data-record-pick", "applicant")
                .attr("value", &form.applicant_id),
            "applicant_id",
        ))
        .child(field(
            "Files (optional)",
            el("input")
                .attr("type", "file")
                .attr("name", attachments::FIELD)
                .flag("multiple", true),
            attachments::FIELD,
        ))
        .child(el("button").attr("type", "submit").text("File the ticket"));
    let status = problem.map_or(200, Error::status);
    Ok(Response::html(
        el("section")
            .class("helpdesk-page")
            .child(el("h1").text("File a ticket"))
            .child(body)
            .render(),
    )
    .page_title("File a ticket")
    .status(status))
}

/// The form to file a ticket, as posted.
#[derive(Debug, Deserialize)]
#[serde(default)]
pub struct TicketForm {
    subject: String,
    description: String,
    category: String,
    priority: String,
    applicant_id: String,
    case_id: String,
}

impl Default for TicketForm {
    fn default() -> Self {
        Self {
            subject: String::new(),
            description: String::new(),
            category: String::new(),
            priority: Priority::Medium.as_str().into(),
            applicant_id: String::new(),
            case_id: String::new(),
        }
    }
}

// Shared --------------------------------------------------------------------

/// A labelled input, with the problem of its field beside it.
pub fn labelled(text: &str, input: Element, field: &str, problem: Option<&Error>) -> Element {
    let mut label = el("label").text(text).child(input);
    let found = problem
        .map(Error::to_json)
        .and_then(|json| json["error"]["fields"][field].as_str().map(str::to_owned));
    if let Some(found) = found {
        label = label.child(el("span").class("field-error").text(&found));
    }
    label
}

/// `2026-12-04 16:30` in the reader's time zone (UTC when unknown).
pub fn local_time(at: Timestamp, time_zone: &str) -> String {
    at.in_tz(time_zone)
        .or_else(|_| at.in_tz("UTC"))
        .map(|local| local.strftime("%Y-%m-%d %H:%M").to_string())
        .unwrap_or_else(|_| at.to_string())
}

fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_show_in_the_readers_zone() {
        let at: Timestamp = "2026-12-04T21:30:00Z".parse().expect("time");
        assert_eq!(local_time(at, "America/Toronto"), "2026-12-04 16:30");
        assert_eq!(local_time(at, "Nowhere/Else"), "2026-12-04 21:30");
    }

    #[test]
    fn problems_show_beside_their_fields() {
        let error = Error::invalid_field("subject", "required");
        let html = labelled("Subject", el("input"), "subject", Some(&error))
            .render()
            .into_string();
        assert!(
            html.contains("<span class=\"field-error\">required</span>"),
            "{html}"
        );
        assert_eq!(encode("a b&c"), "a%20b%26c");
    }
}
