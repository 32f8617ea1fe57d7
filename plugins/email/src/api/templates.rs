//! Templates: `GET|POST /templates` `{name, body}`, `PUT|DELETE
//! /templates/{id}`. Everyone with the module reads them; changing them
//! needs `email.templates`. A body is checked on save: a mistake or an
//! unknown `{{token}}` is 422 naming it.

use immcase_sdk::{Collection, Ctx, Doc, Error, Request, Response, Result, new_id};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::data::{TEMPLATES, Template};
use crate::outgoing::prepare::template_error;
use crate::rules::template;

pub const PERMISSION: &str = "email.templates";

pub fn collection(ctx: &Ctx) -> Collection<Template> {
    ctx.collection(TEMPLATES)
}

/// Every template, by name.
pub fn all(ctx: &Ctx) -> Result<Vec<Doc<Template>>> {
    Ok(collection(ctx)
        .query()
        .order_by("name")
        .limit(500)
        .fetch()?
        .items)
}

pub fn template_json(doc: &Doc<Template>) -> Value {
    json!({ "id": doc.id, "version": doc.version, "name": doc.data.name, "body": doc.data.body })
}

/// What is saved.
#[derive(Debug, Deserialize)]
pub struct TemplateInput {
    pub name: String,
    pub body: String,
    #[serde(default)]
    pub version: Option<u64>,
}

/// `input` checked: a name, and a body without mistakes or unknown tokens.
pub fn checked(input: &TemplateInput) -> Result<Template> {
    let name = input.name.trim();
    if name.is_empty() || name.chars().count() > 120 {
        return Err(Error::invalid_field("name", "1 to 120 characters"));
    }
    if input.body.trim().is_empty() {
        return Err(Error::invalid_field("body", "required"));
    }
    template::check(&input.body).map_err(|problem| template_error("body", problem))?;
    Ok(Template {
        name: name.to_owned(),
        body: input.body.clone(),
    })
}

pub fn save_new(ctx: &Ctx, input: &TemplateInput) -> Result<Doc<Template>> {
    ctx.require(PERMISSION)?;
    let template = checked(input)?;
    collection(ctx).insert(&new_id(), &template)
}

pub fn save(ctx: &Ctx, id: &str, input: &TemplateInput) -> Result<Doc<Template>> {
    ctx.require(PERMISSION)?;
    let template = checked(input)?;
    let templates = collection(ctx);
    let current = templates
        .get(id)?
        .ok_or_else(|| Error::NotFound(format!("no template {id}")))?;
    templates.update(id, &template, input.version.unwrap_or(current.version))
}

pub fn remove(ctx: &Ctx, id: &str) -> Result<()> {
    ctx.require(PERMISSION)?;
    if !collection(ctx).delete(id, None)? {
        return Err(Error::NotFound(format!("no template {id}")));
    }
    Ok(())
}

/// `GET /templates`.
pub fn list(ctx: &Ctx, _request: Request) -> Result<Response> {
    let items: Vec<Value> = all(ctx)?.iter().map(template_json).collect();
    Ok(Response::json(
        &json!({ "items": items, "next_cursor": null }),
    ))
}

/// `POST /templates` → 201.
pub fn create(ctx: &Ctx, request: Request) -> Result<Response> {
    let doc = save_new(ctx, &request.json()?)?;
    Ok(Response::created(&template_json(&doc)))
}

/// `PUT /templates/{id}`.
pub fn update(ctx: &Ctx, request: Request) -> Result<Response> {
    let doc = save(ctx, request.require_param("id")?, &request.json()?)?;
    Ok(Response::json(&template_json(&doc)))
}

/// `DELETE /templates/{id}` → 204.
pub fn delete(ctx: &Ctx, request: Request) -> Result<Response> {
    remove(ctx, request.require_param("id")?)?;
    Ok(Response::no_content())
}
