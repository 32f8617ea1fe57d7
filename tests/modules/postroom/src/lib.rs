//! Test module for what contract 0.2.3 added.
//!
//! - On `mailbox.received`: reads the raw message (as the host's own
//!   caller) and keeps `{mailbox_id, message_id, size, subject}` in
//!   `received` (the subject from the raw headers, as written).
//! - On `mail.sent` / `mail.failed`: keeps the payload in `outcomes`.
//! - `GET /received`: what was kept, oldest first.
//! - `GET /outcomes`: the outcomes kept.
//! - `GET /mailboxes`: the mailboxes the person asking reads.
//! - `GET /raw/:id`: the raw message, read as the person asking (their
//!   refusal as it is).
//! - `GET /signature`: the person's signature.
//! - `POST /letters` `{mailbox_id?, to, cc?, bcc?, subject, body,
//!   in_reply_to?, references?}`: queues the letter (202 with the outbox id
//!   and Message-ID), or the refusal.
//! - `POST /fetch/:id`: asks for the mailbox to be fetched now.

use immcase_sdk::{Ctx, Event, Letter, Plugin, Request, Response, Result, Router, export_plugin};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

struct Postroom;

impl Plugin for Postroom {
    fn router() -> Router {
        Router::new()
            .get("/received", received)
            .get("/outcomes", outcomes)
            .get("/mailboxes", mailboxes)
            .get("/raw/:id", raw)
            .get("/signature", signature)
            .post("/letters", letter)
            .post("/fetch/:id", fetch)
    }

    fn on_event(ctx: &Ctx, event: Event) -> Result<()> {
        match event.name.as_str() {
            "mailbox.received" => {
                let id = event.payload["message_id"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned();
                // Events come at least once: a second delivery is no news.
                if ctx.collection::<Received>("received").get(&id)?.is_some() {
                    return Ok(());
                }
                let raw = ctx.read_mailbox_message(&id)?;
                let text = String::from_utf8_lossy(&raw);
                let subject = text
                    .lines()
                    .find_map(|l| l.strip_prefix("Subject: "))
                    .unwrap_or_default()
                    .to_owned();
                let kept = Received {
                    mailbox_id: event.payload["mailbox_id"]
                        .as_str()
                        .unwrap_or_default()
                        .to_owned(),
                    message_id: id.clone(),
                    size: raw.len(),
                    subject,
                };
                ctx.collection("received").insert(&id, &kept)?;
            }
            _ => {
                let mut payload = event.payload.clone();
                payload["event"] = Value::String(event.name.clone());
                if ctx
                    .collection::<Value>("outcomes")
                    .get(&event.id)?
                    .is_none()
                {
                    ctx.collection("outcomes").insert(&event.id, &payload)?;
                }
            }
        }
        Ok(())
    }
}

export_plugin!(Postroom);

#[derive(Serialize, Deserialize)]
struct Received {
    mailbox_id: String,
    message_id: String,
    size: usize,
    subject: String,
}

fn received(ctx: &Ctx, _request: Request) -> Result<Response> {
    let all: Vec<Received> = ctx
        .collection::<Received>("received")
        .query()
        .limit(500)
        .fetch()?
        .items
        .into_iter()
        .map(|d| d.data)
        .collect();
    Ok(Response::json(&json!({ "items": all })))
}

fn outcomes(ctx: &Ctx, _request: Request) -> Result<Response> {
    let all: Vec<Value> = ctx
        .collection::<Value>("outcomes")
        .query()
        .limit(500)
        .fetch()?
        .items
        .into_iter()
        .map(|d| d.data)
        .collect();
    Ok(Response::json(&json!({ "items": all })))
}

fn mailboxes(ctx: &Ctx, _request: Request) -> Result<Response> {
    let list: Vec<Value> = ctx
        .mailboxes()?
        .into_iter()
        .map(|m| {
            json!({ "id": m.id, "name": m.name, "address": m.address, "shared": m.shared,
                         "owner_id": m.owner_id, "fetched_at": m.fetched_at, "problem": m.problem })
        })
        .collect();
    Ok(Response::json(&json!({ "items": list })))
}

fn raw(ctx: &Ctx, request: Request) -> Result<Response> {
    let raw = ctx.read_mailbox_message(request.require_param("id")?)?;
    Ok(Response::json(
        &json!({ "size": raw.len(), "text": String::from_utf8_lossy(&raw) }),
    ))
}

fn signature(ctx: &Ctx, _request: Request) -> Result<Response> {
    Ok(Response::json(&json!({ "signature": ctx.signature()? })))
}

#[derive(Deserialize)]
struct LetterInput {
    mailbox_id: Option<String>,
    to: Vec<String>,
    #[serde(default)]
    cc: Vec<String>,
    #[serde(default)]
    bcc: Vec<String>,
    subject: String,
    #[serde(default)]
    body: String,
    in_reply_to: Option<String>,
    #[serde(default)]
    references: Vec<String>,
}

fn letter(ctx: &Ctx, request: Request) -> Result<Response> {
    let input: LetterInput = request.json()?;
    let letter = Letter {
        mailbox_id: input.mailbox_id,
        to: input.to,
        cc: input.cc,
        bcc: input.bcc,
        subject: input.subject,
        body: input.body,
        in_reply_to: input.in_reply_to,
        references: input.references,
        ..Letter::default()
    };
    let queued = ctx.send_letter(&letter)?;
    Ok(
        Response::json(&json!({ "outbox_id": queued.outbox_id, "message_id": queued.message_id }))
            .status(202),
    )
}

fn fetch(ctx: &Ctx, request: Request) -> Result<Response> {
    ctx.fetch_mailbox(request.require_param("id")?)?;
    Ok(Response::json(&json!({ "fetching": true })).status(202))
}
