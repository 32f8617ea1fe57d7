//! The Emails tab of an applicant (`/records?applicant=ID`) and of a case
//! (`/records?case=ID`): the conversations linked to it that the reader
//! sees, newest first, each leading to the thread. A case's messages are
//! linked to its applicant too, so they show on both.

use immcase_sdk::html::el;
use immcase_sdk::{Ctx, Error, Request, Response, Result};

use super::{BASE, Labels, chip, stylesheet_link};
use crate::access::Reader;
use crate::api::threads::for_record;
use crate::linking;
use crate::outgoing::prepare::when;

/// `GET /records?applicant=ID` or `?case=ID`.
pub fn tab(ctx: &Ctx, request: Request) -> Result<Response> {
    let (record, param, id) = match (
        request.query_param("case"),
        request.query_param("applicant"),
    ) {
        (Some(case), _) if !case.is_empty() => (linking::case(&case), "case", case),
        (_, Some(applicant)) if !applicant.is_empty() => {
            (linking::applicant(&applicant), "applicant", applicant)
        }
        _ => return Err(Error::invalid_field("applicant", "an applicant or a case")),
    };
    let reader = Reader::of(ctx)?;
    let threads = for_record(ctx, &reader, &record)?;
    let mut labels = Labels::default();
    let write = el("p").child(
        el("a")
            .class("button primary")
            .attr("href", format!("{BASE}/compose?{param}={id}"))
            .text("Write a message"),
    );
    let list = if threads.is_empty() {
        el("p").text("No conversations are linked here yet.")
    } else {
        el("ul").class("em-threads").children(
            threads
                .iter()
                .map(|thread| {
                    let chips = thread
                        .data
                        .records
                        .iter()
                        .filter(|r| **r != record)
                        .map(|r| chip(ctx, &mut labels, r))
                        .collect::<Vec<_>>();
                    el("li")
                        .class("em-thread")
                        .child(el("span").class("em-from").text(&thread.data.last_from))
                        .child(
                            el("a")
                                .class("em-subject")
                                .attr("href", format!("{BASE}/threads/{}", thread.id))
                                .text(if thread.data.subject.is_empty() {
                                    "(no subject)"
                                } else {
                                    &thread.data.subject
                                }),
                        )
                        .child(
                            el("span")
                                .class("em-n")
                                .text(&thread.data.count.to_string()),
                        )
                        .child(
                            el("time")
                                .class("em-date")
                                .text(&when(thread.data.last_at, &ctx.caller().time_zone)),
                        )
                        .child(el("span").class("em-chips").children(chips))
                })
                .collect::<Vec<_>>(),
        )
    };
    Ok(Response::html(
        el("section")
            .class("em em-tab")
            .attr("aria-label", "Emails")
            .child(stylesheet_link())
            .child(write)
            .child(list)
            .render(),
    ))
}
