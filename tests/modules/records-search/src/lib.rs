//! Test module for the `records` and `search` imports. The host's errors are
//! passed on as the SDK shows them (403 `forbidden`, 404 `not_found`, 422
//! `invalid`, with the host's message).
//!
//! - `GET /applicant?id=`, `GET /case?id=` → the record, read as the caller,
//!   as the SDK's `Applicant` or `Case` serialises it (the JSON API's field
//!   names; the fields the caller's roles hide empty and named in `hidden`;
//!   times in ms since the epoch).
//! - `GET /by-email?email=` → `{"items": [...]}`: the applicants with it.
//! - `POST /applicant-after-write?id=` → writes a mark to its own store first
//!   (which starts the call's transaction), then reads the applicant.
//! - `POST /doc` `{id, title, body, path, permission}` → puts a document in
//!   search; `DELETE /doc?id=` removes it; `POST /doc-then-fail` puts one
//!   and then fails the call, so nothing of it may remain.
//! - On `applicant.created` (a call the host makes on its own), reads the
//!   applicant with the module's own rights and keeps what it saw:
//!   `GET /seen?id=` → that copy.

use immcase_sdk::{
    Applicant, Ctx, Error, Event, Plugin, Request, Response, Result, Router, SearchEntry,
    export_plugin,
};
use serde::Deserialize;
use serde_json::{Value, json};

struct RecordsSearch;

impl Plugin for RecordsSearch {
    fn router() -> Router {
        Router::new()
            .get("/applicant", applicant)
            .get("/case", case)
            .get("/by-email", by_email)
            .post("/applicant-after-write", applicant_after_write)
            .post("/doc", put_doc)
            .delete("/doc", remove_doc)
            .post("/doc-then-fail", put_doc_then_fail)
            .get("/seen", seen)
    }

    fn on_event(ctx: &Ctx, event: Event) -> Result<()> {
        let id = event.payload["id"].as_str().unwrap_or_default().to_string();
        let applicant = ctx.applicant(&id)?;
        match ctx.collection::<Applicant>("seen").insert(&id, &applicant) {
            Ok(_) | Err(Error::Conflict(_)) => Ok(()),
            Err(e) => Err(e),
        }
    }
}

export_plugin!(RecordsSearch);

fn param(request: &Request, name: &str) -> Result<String> {
    request
        .query_param(name)
        .ok_or_else(|| Error::invalid_field(name, "required"))
}

fn applicant(ctx: &Ctx, request: Request) -> Result<Response> {
    Ok(Response::json(&ctx.applicant(&param(&request, "id")?)?))
}

fn case(ctx: &Ctx, request: Request) -> Result<Response> {
    Ok(Response::json(&ctx.case(&param(&request, "id")?)?))
}

fn by_email(ctx: &Ctx, request: Request) -> Result<Response> {
    let items = ctx.applicants_by_email(&param(&request, "email")?)?;
    Ok(Response::json(&json!({ "items": items })))
}

fn applicant_after_write(ctx: &Ctx, request: Request) -> Result<Response> {
    let id = param(&request, "id")?;
    let marks = ctx.collection::<Value>("marks");
    let mark = format!("read-{id}");
    if marks.get(&mark)?.is_none() {
        marks.insert(&mark, &json!({ "applicant": id }))?;
    }
    Ok(Response::json(&ctx.applicant(&id)?))
}

#[derive(Deserialize)]
struct NewDoc {
    id: String,
    title: String,
    #[serde(default)]
    body: String,
    path: String,
    permission: Option<String>,
    /// When given, put with `search_put_visible_to`.
    readers: Option<Vec<String>>,
}

fn entry(request: &Request) -> Result<(SearchEntry, Option<Vec<String>>)> {
    let doc: NewDoc = request.json()?;
    let entry = SearchEntry {
        id: doc.id,
        title: doc.title,
        body: doc.body,
        path: doc.path,
        permission: doc.permission,
    };
    Ok((entry, doc.readers))
}

fn put_doc(ctx: &Ctx, request: Request) -> Result<Response> {
    let (entry, readers) = entry(&request)?;
    match readers {
        Some(readers) => ctx.search_put_visible_to(&entry, &readers)?,
        None => ctx.search_put(&entry)?,
    }
    Ok(Response::json(&json!({ "put": entry.id })))
}

fn put_doc_then_fail(ctx: &Ctx, request: Request) -> Result<Response> {
    ctx.search_put(&entry(&request)?.0)?;
    Err(Error::Internal("failing after the put, on purpose".into()))
}

fn remove_doc(ctx: &Ctx, request: Request) -> Result<Response> {
    ctx.search_remove(&param(&request, "id")?)?;
    Ok(Response::no_content())
}

fn seen(ctx: &Ctx, request: Request) -> Result<Response> {
    let id = param(&request, "id")?;
    match ctx.collection::<Applicant>("seen").get(&id)? {
        Some(doc) => Ok(Response::json(&doc.data)),
        None => Err(Error::NotFound(format!("no applicant {id} seen yet"))),
    }
}
