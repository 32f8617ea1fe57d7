//! # Video calls
//!
//! Jitsi meetings for the practice. "Add video call" on a calendar event
//! makes one (the calendar calls this module's actions), and anyone of the
//! practice who uses video calls starts an ad-hoc one from the module's
//! page. A call has an unguessable room on the practice's Jitsi server (the
//! public service by default), a guest link for clients and invitations,
//! and a page for the practice's people with a "Join as moderator" link
//! made fresh for each visit, and what to check when the camera or the
//! microphone is blocked.
//!
//! On a Jitsi server with token authentication (an app id and secret in the
//! settings), every link carries a signed token (HS256): the practice's
//! people get a short-lived moderator's token on the call page; the guest
//! link's token has no moderator rights and works until some time after the
//! call's end.
//!
//! ## How the code is laid out
//!
//! - [`rules`]: room names, tokens, links, settings and a meeting's input,
//!   as plain functions with native unit tests;
//! - `calls`: the store (collection `rooms`), who sees and changes which
//!   call, and each call's links, for the JSON API, the actions and the
//!   pages alike;
//! - `pages`: the list of calls with the new-call form, and a call's page.
//!
//! The JSON API, the actions and the settings are described in the
//! module's README.

use immcase_sdk::{Ctx, Error, Plugin, Request, Response, Result, Router, export_plugin};
use serde::Deserialize;
use serde_json::{Value, json};

mod calls;
mod pages;
pub mod rules;

use rules::meeting::MeetingInput;

pub use calls::{MANAGE, PAGES};

pub struct VideoCalls;

impl Plugin for VideoCalls {
    fn router() -> Router {
        Router::new()
            // Pages (/m/video-calls/...).
            .get("/", pages::home)
            .post("/rooms", pages::create)
            .get("/rooms/:id", pages::room)
            .post("/rooms/:id/delete", pages::delete)
            // JSON API (/api/v1/m/video-calls/...).
            .get("/meetings", list_meetings)
            .post("/meetings", create_meeting)
            .get("/meetings/:id", get_meeting)
            .delete("/meetings/:id", delete_meeting)
    }

    fn action(ctx: &Ctx, name: &str, input: Value) -> Result<Value> {
        match name {
            "available" => available(ctx),
            "create-meeting" => {
                let input: MeetingInput = from_input(input)?;
                let doc = calls::create(ctx, input)?;
                Ok(json!(calls::view(ctx, &doc)?))
            }
            "get-meeting" => {
                let input: ById = from_input(input)?;
                let doc = calls::find(ctx, &input.id)?;
                Ok(json!(calls::view(ctx, &doc)?))
            }
            "update-meeting" => {
                let input: Update = from_input(input)?;
                let doc = calls::update(ctx, &input.id, input.meeting)?;
                Ok(json!(calls::view(ctx, &doc)?))
            }
            "delete-meeting" => {
                let input: Delete = from_input(input)?;
                let deleted = calls::delete(ctx, &input.id, input.event_id.as_deref())?;
                Ok(json!({ "deleted": deleted }))
            }
            _ => Err(Error::NotFound(format!("no action {name}"))),
        }
    }
}

export_plugin!(VideoCalls);

// Actions -------------------------------------------------------------------
//
// The calendar calls these through the host, for the person who changes
// the event (or on its own, for a workflow): `available` to decide whether
// to show "Add video call", `create-meeting` when the switch is on,
// `update-meeting` when the event moves, `delete-meeting` when it goes.

/// `available` `{}`: whether calls can be made, on which server.
fn available(ctx: &Ctx) -> Result<Value> {
    let settings = calls::settings(ctx)?;
    Ok(match settings.check() {
        Ok(jitsi) => json!({
            "available": true,
            "provider": "Jitsi",
            "base_url": jitsi.base_url,
            "secured": jitsi.jwt.is_some(),
            "lobby": jitsi.lobby,
        }),
        Err(problems) => json!({
            "available": false,
            "provider": "Jitsi",
            "base_url": settings.base_url,
            "problem": calls::settings_problem(&problems),
        }),
    })
}

#[derive(Deserialize)]
struct ById {
    id: String,
}

#[derive(Deserialize)]
struct Update {
    id: String,
    #[serde(flatten)]
    meeting: MeetingInput,
}

#[derive(Deserialize)]
struct Delete {
    id: String,
    #[serde(default)]
    event_id: Option<String>,
}

fn from_input<T: serde::de::DeserializeOwned>(input: Value) -> Result<T> {
    serde_json::from_value(input).map_err(|e| Error::Invalid(format!("the action's input: {e}")))
}

// JSON API ------------------------------------------------------------------

/// `GET /meetings`: the caller's calls (every call for managers), latest
/// first: `{"items": [meeting, …]}`.
fn list_meetings(ctx: &Ctx, _request: Request) -> Result<Response> {
    let docs = calls::latest(ctx, 100)?;
    let items = docs
        .iter()
        .map(|doc| calls::view(ctx, doc))
        .collect::<Result<Vec<_>>>()?;
    Ok(Response::json(
        &json!({ "items": items, "next_cursor": null }),
    ))
}

/// `POST /meetings` `{title, starts_at?, ends_at?, event_id?}`: 201 with the
/// meeting, as the action `create-meeting`.
fn create_meeting(ctx: &Ctx, request: Request) -> Result<Response> {
    let input: MeetingInput = request.json()?;
    let doc = calls::create(ctx, input)?;
    Ok(Response::created(&calls::view(ctx, &doc)?))
}

/// `GET /meetings/{id}`: the meeting.
fn get_meeting(ctx: &Ctx, request: Request) -> Result<Response> {
    let doc = calls::find(ctx, request.require_param("id")?)?;
    Ok(Response::json(&calls::view(ctx, &doc)?))
}

/// `DELETE /meetings/{id}`: 204; 404 for no such call, 403 for someone
/// else's (unless a manager).
fn delete_meeting(ctx: &Ctx, request: Request) -> Result<Response> {
    let id = request.require_param("id")?;
    calls::find(ctx, id)?;
    calls::delete(ctx, id, None)?;
    Ok(Response::no_content())
}
