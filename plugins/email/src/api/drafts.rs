//! Drafts: `GET|POST /drafts`, `GET|PUT|DELETE /drafts/{id}`. A draft is
//! its author's alone; anyone else's is "not found".

use immcase_sdk::{Collection, Ctx, Doc, Error, Request, Response, Result, new_id};
use serde_json::{Value, json};

use crate::data::{DRAFTS, Draft};

pub fn collection(ctx: &Ctx) -> Collection<Draft> {
    ctx.collection(DRAFTS)
}

/// The caller's drafts, latest first.
pub fn mine(ctx: &Ctx, person: &str) -> Result<Vec<Doc<Draft>>> {
    Ok(collection(ctx)
        .query()
        .where_eq("author_id", person)
        .order_by("updated_at")
        .descending()
        .limit(200)
        .fetch()?
        .items)
}

/// The caller's draft `id`.
pub fn get_mine(ctx: &Ctx, person: &str, id: &str) -> Result<Doc<Draft>> {
    collection(ctx)
        .get(id)?
        .filter(|doc| doc.data.author_id == person)
        .ok_or_else(|| Error::NotFound(format!("no draft {id}")))
}

/// Keeps `draft` for `person`: a new one, or `id` of theirs.
pub fn keep(ctx: &Ctx, person: &str, id: Option<&str>, mut draft: Draft) -> Result<Doc<Draft>> {
    draft.author_id = person.to_owned();
    draft.updated_at = ctx.now();
    match id.filter(|id| !id.is_empty()) {
        Some(id) => {
            let current = get_mine(ctx, person, id)?;
            collection(ctx).update(id, &draft, current.version)
        }
        None => collection(ctx).insert(&new_id(), &draft),
    }
}

pub fn draft_json(doc: &Doc<Draft>) -> Value {
    let mut value = serde_json::to_value(&doc.data).unwrap_or(Value::Null);
    value["id"] = json!(doc.id);
    value["version"] = json!(doc.version);
    value
}

fn person(ctx: &Ctx) -> Result<String> {
    ctx.caller()
        .user_id
        .clone()
        .ok_or_else(|| Error::Forbidden("a person's call".into()))
}

/// `GET /drafts`.
pub fn list(ctx: &Ctx, _request: Request) -> Result<Response> {
    let items: Vec<Value> = mine(ctx, &person(ctx)?)?.iter().map(draft_json).collect();
    Ok(Response::json(
        &json!({ "items": items, "next_cursor": null }),
    ))
}

/// `POST /drafts` → 201.
pub fn create(ctx: &Ctx, request: Request) -> Result<Response> {
    let doc = keep(ctx, &person(ctx)?, None, request.json()?)?;
    Ok(Response::created(&draft_json(&doc)))
}

/// `GET /drafts/{id}`.
pub fn show(ctx: &Ctx, request: Request) -> Result<Response> {
    let doc = get_mine(ctx, &person(ctx)?, request.require_param("id")?)?;
    Ok(Response::json(&draft_json(&doc)))
}

/// `PUT /drafts/{id}`.
pub fn update(ctx: &Ctx, request: Request) -> Result<Response> {
    let doc = keep(
        ctx,
        &person(ctx)?,
        Some(request.require_param("id")?),
        request.json()?,
    )?;
    Ok(Response::json(&draft_json(&doc)))
}

/// `DELETE /drafts/{id}` → 204.
pub fn delete(ctx: &Ctx, request: Request) -> Result<Response> {
    let doc = get_mine(ctx, &person(ctx)?, request.require_param("id")?)?;
    collection(ctx).delete(&doc.id, None)?;
    Ok(Response::no_content())
}
