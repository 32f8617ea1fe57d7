//! The person's drafts: each opens the compose form again; deleting one.

use immcase_sdk::html::el;
use immcase_sdk::{Ctx, Error, Request, Response, Result};

use super::{BASE, Section, frame, named_button_form};
use crate::api::drafts;
use crate::outgoing::prepare::when;

fn person(ctx: &Ctx) -> Result<String> {
    ctx.caller()
        .user_id
        .clone()
        .ok_or_else(|| Error::Forbidden("a person's call".into()))
}

/// `GET /drafts`.
pub fn list(ctx: &Ctx, _request: Request) -> Result<Response> {
    let mine = drafts::mine(ctx, &person(ctx)?)?;
    if mine.is_empty() {
        return Ok(frame(Section::Drafts, "Drafts", el("p").text("No drafts.")));
    }
    let rows = mine.iter().map(|doc| {
        let subject = if doc.data.subject.trim().is_empty() {
            "(no subject)"
        } else {
            doc.data.subject.as_str()
        };
        let to = if doc.data.to.trim().is_empty() {
            "no one yet".to_owned()
        } else {
            doc.data.to.clone()
        };
        el("li")
            .class("em-draft")
            .child(
                el("a")
                    .attr("href", format!("{BASE}/compose?draft={}", doc.id))
                    .text(subject),
            )
            .child(el("span").class("em-soft").text(&format!(
                " to {to}, saved {}",
                when(doc.data.updated_at, &ctx.caller().time_zone)
            )))
            .child(named_button_form(
                &format!("{BASE}/drafts/{}/delete", doc.id),
                "Delete",
                &format!("Delete the draft {subject}"),
            ))
    });
    Ok(frame(
        Section::Drafts,
        "Drafts",
        el("ul")
            .class("em-drafts")
            .children(rows.collect::<Vec<_>>()),
    ))
}

/// `POST /drafts/{id}/delete`.
pub fn delete(ctx: &Ctx, request: Request) -> Result<Response> {
    let doc = drafts::get_mine(ctx, &person(ctx)?, request.require_param("id")?)?;
    drafts::collection(ctx).delete(&doc.id, None)?;
    Ok(Response::redirect(&format!("{BASE}/drafts")).flash("Draft deleted."))
}
