//! The helpdesk's pages: HTML fragments that the host wraps in its shell.

use immcase_sdk::html::el;
use immcase_sdk::{Ctx, Request, Response, Result};

use crate::data;
use crate::rules::visibility;

/// `GET /` (page): the tickets the caller may see, newest first.
pub fn home(ctx: &Ctx, _request: Request) -> Result<Response> {
    let (settings, _) = data::settings(ctx)?;
    let visible = visibility::list_filter(ctx.caller(), &settings);
    let page = data::tickets(ctx).query().descending().limit(100).fetch()?;
    let rows: Vec<_> = page
        .items
        .iter()
        .filter(|doc| visible.matches(&doc.data))
        .map(|doc| {
            let t = &doc.data;
            el("li").text(&format!(
                "{} · {} · {} · {} · {}",
                t.folio,
                t.subject,
                t.category,
                t.priority.as_str(),
                t.status.words()
            ))
        })
        .collect();
    let list = if rows.is_empty() {
        el("p").class("empty").text("No tickets.")
    } else {
        el("ul").class("tickets").children(rows)
    };
    Ok(Response::html(
        el("section")
            .class("helpdesk-page")
            .child(el("h1").text("Helpdesk"))
            .child(list)
            .render(),
    )
    .page_title("Helpdesk"))
}
