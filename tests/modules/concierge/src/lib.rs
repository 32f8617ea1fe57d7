//! Test module for the `actions` import.
//!
//! - `POST /call` `{module, name, input}` → the action's answer, called for
//!   the person of the request.
//! - `POST /call-then-fail` with the same body: calls the action, then fails,
//!   so nothing of the action may remain.
//! - `POST /call-twice` with the same body: calls it twice in one call,
//!   keeping going after a failure; `{"first": …, "second": …}` with each
//!   answer or error message.
//! - `GET /marks` → `{"items": [labels]}` of the documents its own actions
//!   wrote.
//! - Its actions: `mark` `{label}` keeps a document; `mark-then-fail` keeps
//!   one and then fails, so it may not remain; `recurse` calls itself until
//!   the host refuses to go deeper.
//! - On `applicant.created` (a call the host makes on its own), files a
//!   helpdesk ticket to check the new applicant, for the person named by the
//!   setting `requester_id`.

use immcase_sdk::{
    Ctx, Error, Event, Plugin, Request, Response, Result, Router, export_plugin, new_id,
};
use serde::Deserialize;
use serde_json::{Value, json};

struct Concierge;

#[derive(Deserialize)]
struct Call {
    module: String,
    name: String,
    #[serde(default)]
    input: Value,
}

impl Plugin for Concierge {
    fn router() -> Router {
        Router::new()
            .post("/call", call)
            .post("/call-then-fail", call_then_fail)
            .post("/call-twice", call_twice)
            .get("/marks", marks)
    }

    fn action(ctx: &Ctx, name: &str, input: Value) -> Result<Value> {
        let label = input["label"].as_str().unwrap_or_default().to_owned();
        match name {
            "mark" => {
                let id = new_id();
                ctx.collection::<Value>("marks")
                    .insert(&id, &json!({ "label": label }))?;
                Ok(json!({ "id": id }))
            }
            "mark-then-fail" => {
                ctx.collection::<Value>("marks")
                    .insert(&new_id(), &json!({ "label": label }))?;
                Err(Error::Invalid("failing after marking, on purpose".into()))
            }
            "recurse" => ctx.call_action("concierge", "recurse", &json!({})),
            _ => Err(Error::NotFound(format!("no action {name}"))),
        }
    }

    fn on_event(ctx: &Ctx, event: Event) -> Result<()> {
        #[derive(Deserialize)]
        struct Settings {
            requester_id: String,
        }
        let settings: Settings = ctx.settings()?;
        let id = event.payload["id"]
            .as_str()
            .ok_or_else(|| Error::Invalid("an applicant event without an id".into()))?;
        let name = format!(
            "{} {}",
            event.payload["given_name"].as_str().unwrap_or_default(),
            event.payload["family_name"].as_str().unwrap_or_default()
        );
        ctx.call_action(
            "helpdesk",
            "create-ticket",
            &json!({
                "requester_id": settings.requester_id,
                "subject": format!("Check the new applicant {}", name.trim()),
                "description": "Filed by the concierge when the applicant was added.",
                "category": "case_support",
                "priority": "medium",
                "applicant_id": id,
            }),
        )?;
        Ok(())
    }
}

export_plugin!(Concierge);

fn call(ctx: &Ctx, request: Request) -> Result<Response> {
    let call: Call = request.json()?;
    let answer = ctx.call_action(&call.module, &call.name, &call.input)?;
    Ok(Response::json(&answer))
}

fn call_then_fail(ctx: &Ctx, request: Request) -> Result<Response> {
    let call: Call = request.json()?;
    ctx.call_action(&call.module, &call.name, &call.input)?;
    Err(Error::Internal(
        "failing after the action, on purpose".into(),
    ))
}

fn call_twice(ctx: &Ctx, request: Request) -> Result<Response> {
    let call: Call = request.json()?;
    let mut answers = Vec::new();
    for _ in 0..2 {
        answers.push(
            match ctx.call_action(&call.module, &call.name, &call.input) {
                Ok(answer) => answer,
                Err(error) => json!({ "error": error.message() }),
            },
        );
    }
    Ok(Response::json(
        &json!({ "first": answers[0], "second": answers[1] }),
    ))
}

fn marks(ctx: &Ctx, _request: Request) -> Result<Response> {
    let page = ctx
        .collection::<Value>("marks")
        .query()
        .limit(100)
        .fetch()?;
    let labels: Vec<Value> = page.items.iter().map(|d| d.data["label"].clone()).collect();
    Ok(Response::json(&json!({ "items": labels })))
}
