//! The practice's templates: listed for everyone, kept by holders of
//! `email.templates`. A template is checked on save; a mistake or an
//! unknown token is named, loudly, the text kept as typed.

use immcase_sdk::html::el;
use immcase_sdk::{Ctx, Error, Request, Response, Result};

use super::{
    BASE, Section, alert, field, form_pairs, frame, input, named_button_form, text_body, textarea,
};
use crate::api::templates::{self, PERMISSION, TemplateInput};
use crate::rules::template::KNOWN;

fn tokens_help() -> immcase_sdk::html::Element {
    let known = KNOWN
        .iter()
        .map(|t| format!("{{{{{t}}}}}"))
        .collect::<Vec<_>>()
        .join(", ");
    el("p")
        .class("em-soft")
        .text(&format!("Tokens you can use: {known}."))
}

fn editor(
    action: &str,
    name: &str,
    body: &str,
    problem: Option<&Error>,
) -> immcase_sdk::html::Element {
    let mut form = el("form")
        .attr("method", "post")
        .attr("action", action)
        .class("em-compose");
    if let Some(problem) = problem {
        form = form.child(alert(problem.message()));
    }
    form.child(input("name", "Name", name))
        .child(textarea("body", "Text", body, 12))
        .child(tokens_help())
        .child(
            el("button")
                .attr("type", "submit")
                .class("primary")
                .text("Save"),
        )
}

/// `GET /templates`.
pub fn list(ctx: &Ctx, _request: Request) -> Result<Response> {
    page(ctx, None, "", "")
}

fn page(ctx: &Ctx, problem: Option<&Error>, name: &str, body: &str) -> Result<Response> {
    let manage = ctx.caller().can(PERMISSION);
    let items = templates::all(ctx)?
        .into_iter()
        .map(|doc| {
            let mut item = el("li")
                .class("em-template-item")
                .child(el("h2").text(&doc.data.name))
                .child(text_body(&doc.data.body));
            if manage {
                item = item
                    .child(
                        el("a")
                            .attr("href", format!("{BASE}/templates/{}/edit", doc.id))
                            .attr("aria-label", format!("Edit the template {}", doc.data.name))
                            .text("Edit"),
                    )
                    .child(named_button_form(
                        &format!("{BASE}/templates/{}/delete", doc.id),
                        "Delete",
                        &format!("Delete the template {}", doc.data.name),
                    ));
            }
            item
        })
        .collect::<Vec<_>>();
    let mut content = el("div");
    content = if items.is_empty() {
        content.child(el("p").text("No templates yet."))
    } else {
        content.child(el("ul").class("em-templates").children(items))
    };
    if manage {
        content = content.child(el("h2").text("New template")).child(editor(
            &format!("{BASE}/templates"),
            name,
            body,
            problem,
        ));
    }
    let status = if problem.is_some() { 422 } else { 200 };
    Ok(frame(Section::Templates, "Templates", content).status(status))
}

fn input_of(request: &Request) -> TemplateInput {
    let pairs = form_pairs(request);
    TemplateInput {
        name: field(&pairs, "name").to_owned(),
        body: field(&pairs, "body").to_owned(),
        version: None,
    }
}

/// `POST /templates` from the page.
pub fn create(ctx: &Ctx, request: Request) -> Result<Response> {
    let input = input_of(&request);
    match templates::save_new(ctx, &input) {
        Ok(_) => Ok(Response::redirect(&format!("{BASE}/templates")).flash("Template saved.")),
        Err(problem) if problem.status() == 422 => {
            page(ctx, Some(&problem), &input.name, &input.body)
        }
        Err(other) => Err(other),
    }
}

/// `GET /templates/{id}/edit`.
pub fn edit(ctx: &Ctx, request: Request) -> Result<Response> {
    ctx.require(PERMISSION)?;
    let id = request.require_param("id")?;
    let doc = templates::collection(ctx)
        .get(id)?
        .ok_or_else(|| Error::NotFound(format!("no template {id}")))?;
    let form = editor(
        &format!("{BASE}/templates/{id}"),
        &doc.data.name,
        &doc.data.body,
        None,
    );
    Ok(frame(Section::Templates, "Edit template", form))
}

/// `POST /templates/{id}` from the page.
pub fn update(ctx: &Ctx, request: Request) -> Result<Response> {
    let id = request.require_param("id")?;
    let input = input_of(&request);
    match templates::save(ctx, id, &input) {
        Ok(_) => Ok(Response::redirect(&format!("{BASE}/templates")).flash("Template saved.")),
        Err(problem) if problem.status() == 422 => {
            let form = editor(
                &format!("{BASE}/templates/{id}"),
                &input.name,
                &input.body,
                Some(&problem),
            );
            Ok(frame(Section::Templates, "Edit template", form).status(422))
        }
        Err(other) => Err(other),
    }
}

/// `POST /templates/{id}/delete`.
pub fn delete(ctx: &Ctx, request: Request) -> Result<Response> {
    templates::remove(ctx, request.require_param("id")?)?;
    Ok(Response::redirect(&format!("{BASE}/templates")).flash("Template deleted."))
}
