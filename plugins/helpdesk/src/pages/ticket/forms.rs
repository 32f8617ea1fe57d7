//! The forms of a ticket's page: files, a reply, the status moves, the
//! priority and category, a manager's escalation, and reassignment. Each
//! carries the ticket's version where the change needs it, so a change
//! made meanwhile by someone else is refused rather than overwritten.

use immcase_sdk::html::{Element, el};
use immcase_sdk::{Ctx, Doc, Person, Result};

use super::super::{BASE, STATUSES};
use crate::attachments;
use crate::rules::settings::Settings;
use crate::rules::status::{self, Actor};
use crate::rules::ticket::{Priority, Ticket};

/// Where the ticket page's form posts files.
pub fn attach_action(ticket_id: &str) -> String {
    format!("{BASE}/tickets/{ticket_id}/attachments")
}

fn form(doc: &Doc<Ticket>, class: &str, action: &str) -> Element {
    el("form")
        .class(class)
        .attr("method", "post")
        .attr("action", format!("{BASE}/tickets/{}/{action}", doc.id))
}

fn version(doc: &Doc<Ticket>) -> Element {
    el("input")
        .attr("type", "hidden")
        .attr("name", "version")
        .attr("value", doc.version.to_string())
}

fn button(text: &str) -> Element {
    el("button").attr("type", "submit").text(text)
}

fn option(value: &str, text: &str, selected: bool) -> Element {
    el("option")
        .attr("value", value)
        .flag("selected", selected)
        .text(text)
}

/// Adds files to the ticket; whoever reads the ticket reads them too.
pub fn attach(id: &str) -> Element {
    el("form")
        .class("attach")
        .attr("method", "post")
        .attr("enctype", "multipart/form-data")
        .attr("action", attach_action(id))
        .child(
            el("label").text("Attach files").child(
                el("input")
                    .attr("type", "file")
                    .attr("name", attachments::FIELD)
                    .flag("multiple", true)
                    .flag("required", true),
            ),
        )
        .child(el("p").class("hint").text(&format!(
            "Up to {} files at once. Everyone who can read this ticket can read its files.",
            attachments::MAX_PER_POST
        )))
        .child(button("Attach"))
}

pub fn reply(id: &str, handler: bool) -> Element {
    let mut form = el("form")
        .class("reply")
        .attr("method", "post")
        .attr("action", format!("{BASE}/tickets/{id}/replies"))
        .child(
            el("label").text("Reply").child(
                el("textarea")
                    .attr("name", "body")
                    .attr("rows", "4")
                    .flag("required", true),
            ),
        );
    if handler {
        form = form.child(
            // `check`: the host's style for a box beside its words.
            el("label")
                .class("check")
                .child(
                    el("input")
                        .attr("type", "checkbox")
                        .attr("name", "internal")
                        .attr("value", "1"),
                )
                .child(el("span").text("Internal note (only the team reads it)")),
        );
    }
    form.child(button("Send"))
}

/// One button per status the reader may move the ticket to.
pub fn status_moves(doc: &Doc<Ticket>, actors: &[Actor]) -> Element {
    let buttons = STATUSES
        .iter()
        .filter(|to| status::transition_as(doc.data.status, **to, actors).is_ok())
        .map(|to| {
            form(doc, "status", "status")
                .child(
                    el("input")
                        .attr("type", "hidden")
                        .attr("name", "status")
                        .attr("value", to.as_str()),
                )
                .child(version(doc))
                .child(button(&format!("Mark {}", to.words())))
        });
    el("div").class("status-moves").children(buttons)
}

/// The priority and the category, for the people handling the ticket and
/// its managers.
pub fn triage(doc: &Doc<Ticket>, settings: &Settings) -> Element {
    let ticket = &doc.data;
    let priorities = Priority::ALL
        .iter()
        .map(|p| option(p.as_str(), p.words(), *p == ticket.priority));
    let priority = form(doc, "priority", "priority")
        .child(version(doc))
        .child(
            el("label")
                .text("Priority")
                .child(el("select").attr("name", "priority").children(priorities)),
        )
        .child(button("Change priority"));
    let categories = settings
        .categories
        .iter()
        .filter(|c| c.active || c.key == ticket.category)
        .map(|c| option(&c.key, &c.label, c.key == ticket.category));
    let category = form(doc, "category", "category")
        .child(version(doc))
        .child(
            el("label")
                .text("Category")
                .child(el("select").attr("name", "category").children(categories)),
        )
        .child(button("Move to this category"))
        .child(el("p").class("hint").text(
            "A ticket moved to another category goes to whoever takes that category's tickets.",
        ));
    el("section")
        .class("triage")
        .child(el("h2").text("Priority and category"))
        .child(priority)
        .child(category)
}

/// A manager's escalation: a higher priority (one step up unless chosen),
/// someone else to handle it if need be, and why; the category's manager
/// and the people concerned are told.
pub fn escalate(doc: &Doc<Ticket>, people: &[Person], assignee: &str) -> Element {
    let ticket = &doc.data;
    let priorities = Priority::ALL
        .iter()
        .filter(|p| **p >= ticket.priority)
        .map(|p| option(p.as_str(), p.words(), *p == ticket.priority.raised()));
    let keep = format!("keep {assignee}");
    let current = ticket.assignee_id.as_deref();
    let handlers = std::iter::once(option("", &keep, true)).chain(
        people
            .iter()
            .filter(|p| p.active && Some(p.id.as_str()) != current)
            .map(|p| option(&p.id, &p.display_name, false)),
    );
    form(doc, "escalate", "escalate")
        .child(el("h2").text("Escalate"))
        .child(el("p").class("hint").text(
            "Raise the priority (its deadlines follow), hand the ticket to someone else \
             if need be, and tell the category's manager and the people concerned.",
        ))
        .child(version(doc))
        .child(
            el("label")
                .text("New priority")
                .child(el("select").attr("name", "priority").children(priorities)),
        )
        .child(
            el("label")
                .text("Handled by")
                .child(el("select").attr("name", "assignee_id").children(handlers)),
        )
        .child(
            el("label").text("Why (optional)").child(
                el("textarea")
                    .attr("name", "reason")
                    .attr("rows", "2")
                    .attr("maxlength", crate::triage::REASON_MAX.to_string()),
            ),
        )
        .child(button("Escalate"))
}

/// Reassignment, for holders of `helpdesk.ticket.assign`.
pub fn assign(ctx: &Ctx, doc: &Doc<Ticket>) -> Result<Element> {
    let people = ctx.people_holding("module:helpdesk")?;
    let current = doc.data.assignee_id.as_deref();
    let options = std::iter::once(option("", "nobody", current.is_none())).chain(
        people
            .iter()
            .map(|p| option(&p.id, &p.display_name, current == Some(p.id.as_str()))),
    );
    Ok(form(doc, "assign", "assign")
        .child(version(doc))
        .child(
            el("label")
                .text("Assign to")
                .child(el("select").attr("name", "assignee_id").children(options)),
        )
        .child(button("Assign")))
}
