//! The inbox: the mailboxes a person reads, each with its unread count
//! (threads with a message newer than what they last saw), the chosen
//! mailbox's threads newest first with their linked records, "Fetch now",
//! and a mailbox's problem shown loudly.

use std::collections::HashMap;

use immcase_sdk::html::el;
use immcase_sdk::{Ctx, Error, Mailbox, Request, Response, Result};

use super::{BASE, Labels, Section, alert, button_form, chip, frame};
use crate::access::Reader;
use crate::api::threads::of_mailbox;
use crate::outgoing::prepare::when;
use crate::seen::{is_unread, seen_of};

/// `GET /` (`?mailbox=ID`): the inbox.
pub fn show(ctx: &Ctx, request: Request) -> Result<Response> {
    let reader = Reader::of(ctx)?;
    let person = reader.person()?.to_owned();
    if let Some(id) = request.query_param("mailbox")
        && reader.mailbox(&id).is_none()
    {
        return Err(Error::NotFound(format!("no mailbox {id}")));
    }
    if reader.mailboxes.is_empty() {
        return Ok(frame(
            Section::Inbox,
            "Emails",
            el("p").text(
                "You read no mailbox yet. An administrator connects mailboxes in Settings → Email.",
            ),
        ));
    }
    let chosen: &Mailbox = match request.query_param("mailbox") {
        Some(id) => reader
            .mailbox(&id)
            .ok_or_else(|| Error::NotFound(format!("no mailbox {id}")))?,
        None => reader
            .default_mailbox()
            .ok_or_else(|| Error::NotFound("no mailbox".into()))?,
    };
    let mut seen = HashMap::new();
    let mut boxes = Vec::new();
    let mut shown = Vec::new();
    for mailbox in &reader.mailboxes {
        let threads = of_mailbox(ctx, &mailbox.id)?;
        seen.extend(seen_of(ctx, &person, &threads)?);
        let unread = threads.iter().filter(|t| is_unread(t, &seen)).count();
        let mut link = el("a")
            .attr("href", format!("{BASE}/?mailbox={}", mailbox.id))
            .text(&mailbox.name);
        if mailbox.id == chosen.id {
            link = link.attr("aria-current", "page");
            shown = threads;
        }
        let mut item = el("li").child(link);
        if unread > 0 {
            item = item.child(
                el("span")
                    .class("em-count")
                    .attr("aria-label", format!("{unread} unread"))
                    .text(&unread.to_string()),
            );
        }
        if mailbox.problem.is_some() {
            item = item.child(el("span").class("em-warn").text("Problem"));
        }
        boxes.push(item);
    }
    let side = el("nav")
        .class("em-boxes")
        .attr("aria-label", "Mailboxes")
        .child(el("ul").children(boxes));
    let mut main = el("section")
        .class("em-list")
        .attr("aria-label", "Conversations");
    let mut head = el("div")
        .class("em-bar")
        .child(el("h2").text(&format!("{} — {}", chosen.name, chosen.address)))
        .child(button_form(
            &format!("{BASE}/mailboxes/{}/fetch", chosen.id),
            "Fetch now",
        ));
    head = head.child(el("p").class("em-soft").text(&match chosen.fetched_at {
        Some(at) => format!("Last fetched {}", when(at, &ctx.caller().time_zone)),
        None => "Not fetched yet".to_owned(),
    }));
    main = main.child(head);
    if let Some(problem) = &chosen.problem {
        main = main.child(alert(&format!(
            "This mailbox could not be fetched: {problem}"
        )));
    }
    let mut labels = Labels::default();
    if shown.is_empty() {
        main = main.child(el("p").text("No messages yet."));
    } else {
        let rows = shown.iter().map(|thread| {
            let unread = is_unread(thread, &seen);
            let chips = thread
                .data
                .records
                .iter()
                .map(|r| chip(ctx, &mut labels, r))
                .collect::<Vec<_>>();
            let subject = if thread.data.subject.is_empty() {
                "(no subject)".to_owned()
            } else {
                thread.data.subject.clone()
            };
            el("li")
                .class(if unread {
                    "em-thread unread"
                } else {
                    "em-thread"
                })
                .child(el("span").class("em-from").text(&thread.data.last_from))
                .child(
                    el("a")
                        .class("em-subject")
                        .attr("href", format!("{BASE}/threads/{}", thread.id))
                        .text(&subject),
                )
                .child(
                    el("span")
                        .class("em-n")
                        .text(&format!("{}", thread.data.count)),
                )
                .child(
                    el("time")
                        .class("em-date")
                        .text(&when(thread.data.last_at, &ctx.caller().time_zone)),
                )
                .child(el("span").class("em-chips").children(chips))
        });
        main = main.child(
            el("ul")
                .class("em-threads")
                .children(rows.collect::<Vec<_>>()),
        );
    }
    Ok(frame(
        Section::Inbox,
        "Emails",
        el("div").class("em-inbox").child(side).child(main),
    ))
}

/// `POST /mailboxes/{id}/fetch`: asks the host to fetch now.
pub fn fetch_now(ctx: &Ctx, request: Request) -> Result<Response> {
    let id = request.require_param("id")?;
    ctx.fetch_mailbox(id)?;
    if request.is_page() {
        Ok(Response::redirect(&format!("{BASE}/?mailbox={id}"))
            .flash("Fetching new mail; it appears here in a moment."))
    } else {
        Ok(Response::json(&serde_json::json!({ "fetching": id })).status(202))
    }
}
