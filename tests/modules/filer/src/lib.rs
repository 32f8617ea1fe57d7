//! Test module for the `files` import.
//!
//! - `GET /list?owner=applicant:{id}` → `{"items": [...]}` as the caller,
//!   each file as the SDK's `FileInfo` serialises it (a case's listing
//!   includes its applicant's files, owned by `applicant:{id}`).
//! - `GET /read?id=` → the file's bytes, as base64-free text (the tests
//!   upload text).
//! - `POST /attach?owner=&name=&type=` with the contents as body → the new
//!   file (a `FileInfo`); with `&then=fail`, the call fails after attaching,
//!   so nothing of it may remain.
//! - `GET /person?id=` → the person or 404; `GET /people?permission=` →
//!   `{"items": [...]}` (the `directory` import).
//! - On `applicant.created` (a call the host makes on its own), attaches
//!   `welcome.txt` to the new applicant.

use immcase_sdk::{Ctx, Error, Event, Plugin, Request, Response, Result, Router, export_plugin};
use serde_json::json;

struct Filer;

impl Plugin for Filer {
    fn router() -> Router {
        Router::new()
            .get("/list", list)
            .get("/read", read)
            .post("/attach", attach)
            .get("/person", person)
            .get("/people", people)
    }

    fn on_event(ctx: &Ctx, event: Event) -> Result<()> {
        let id = event.payload["id"]
            .as_str()
            .ok_or_else(|| Error::Invalid("an applicant event without an id".into()))?;
        let owner = format!("applicant:{id}");
        // Delivered again after a failure: attach once.
        let already = ctx.files(&owner)?.iter().any(|f| f.name == "welcome.txt");
        if !already {
            ctx.attach_file(
                &owner,
                "welcome.txt",
                "text/plain",
                b"Welcome to the practice",
            )?;
        }
        Ok(())
    }
}

export_plugin!(Filer);

fn param(request: &Request, name: &str) -> Result<String> {
    request
        .query_param(name)
        .ok_or_else(|| Error::invalid_field(name, "required"))
}

fn list(ctx: &Ctx, request: Request) -> Result<Response> {
    let items = ctx.files(&param(&request, "owner")?)?;
    Ok(Response::json(&json!({ "items": items })))
}

fn read(ctx: &Ctx, request: Request) -> Result<Response> {
    let bytes = ctx.read_file(&param(&request, "id")?)?;
    Ok(Response::text(String::from_utf8_lossy(&bytes).into_owned()))
}

fn attach(ctx: &Ctx, request: Request) -> Result<Response> {
    let file = ctx.attach_file(
        &param(&request, "owner")?,
        &param(&request, "name")?,
        &request.query_param("type").unwrap_or_default(),
        request.body(),
    )?;
    if request.query_param("then").as_deref() == Some("fail") {
        return Err(Error::Internal(
            "failing after attaching, on purpose".into(),
        ));
    }
    Ok(Response::created(&file))
}

fn person(ctx: &Ctx, request: Request) -> Result<Response> {
    let id = param(&request, "id")?;
    match ctx.person(&id)? {
        Some(p) => Ok(Response::json(&p)),
        None => Err(Error::NotFound(format!("no person {id}"))),
    }
}

fn people(ctx: &Ctx, request: Request) -> Result<Response> {
    let items = ctx.people_holding(&param(&request, "permission")?)?;
    Ok(Response::json(&json!({ "items": items })))
}
