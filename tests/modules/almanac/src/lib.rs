//! Test module for what contract 0.2.2 added.
//!
//! - `POST /invitations` `{to, cc, reply_to, subject, body, attachments:
//!   [{name, content_type, text}]}` queues the message with
//!   `send-message` (202), or answers the host's refusal (422).
//! - `GET /feeds/:token` (a public path): with the token `s3cret`, what the
//!   call saw (`caller`, `method`, `path`, the request's header names); any
//!   other token is 404, as a real feed checks its own.
//! - Any method on the DAV mount `/dav/calendars/...`: what the call saw
//!   (`method`, `path`, `query`, `page`, `headers`, `body`, `caller`) as
//!   JSON, with 207 for PROPFIND, 201 for PUT and 200 otherwise, and the
//!   headers a CalDAV server sends (`DAV`, `ETag`).

use immcase_sdk::{Ctx, Error, Message, Plugin, Request, Response, Result, Router, export_plugin};
use serde::Deserialize;
use serde_json::json;

struct Almanac;

impl Plugin for Almanac {
    fn router() -> Router {
        Router::new()
            .post("/invitations", invite)
            .get("/feeds/:token", feed)
            .any("/dav/calendars/*rest", dav)
    }
}

export_plugin!(Almanac);

fn invite(ctx: &Ctx, request: Request) -> Result<Response> {
    let input: Invitation = request.json()?;
    let mut message = Message::new(&input.subject, &input.body);
    for to in &input.to {
        message = message.to(to);
    }
    for cc in &input.cc {
        message = message.cc(cc);
    }
    if let Some(reply_to) = &input.reply_to {
        message = message.reply_to(reply_to);
    }
    for a in &input.attachments {
        message = message.attach(&a.name, &a.content_type, a.text.as_bytes());
    }
    ctx.send_message(&message)?;
    Ok(Response::json(&json!({ "queued": true })).status(202))
}

fn feed(ctx: &Ctx, request: Request) -> Result<Response> {
    if request.param("token") != Some("s3cret") {
        return Err(Error::NotFound("no such feed".into()));
    }
    let headers: Vec<&str> = request.headers().iter().map(|(n, _)| n.as_str()).collect();
    Ok(Response::json(&json!({
        "caller": ctx.caller(),
        "method": request.method(),
        "path": request.path(),
        "headers": headers,
    })))
}

fn dav(ctx: &Ctx, request: Request) -> Result<Response> {
    let status = match request.method() {
        "PROPFIND" => 207,
        "PUT" => 201,
        _ => 200,
    };
    let seen = json!({
        "method": request.method(),
        "path": request.path(),
        "query": request.query(),
        "page": request.is_page(),
        "headers": request.headers(),
        "body": String::from_utf8_lossy(request.body()),
        "caller": ctx.caller(),
    });
    Ok(Response::json(&seen)
        .status(status)
        .header("dav", "1, 3, calendar-access")
        .header("etag", "\"e1\""))
}

#[derive(Deserialize)]
struct Invitation {
    to: Vec<String>,
    #[serde(default)]
    cc: Vec<String>,
    reply_to: Option<String>,
    subject: String,
    #[serde(default)]
    body: String,
    #[serde(default)]
    attachments: Vec<Attached>,
}

#[derive(Deserialize)]
struct Attached {
    name: String,
    content_type: String,
    text: String,
}
