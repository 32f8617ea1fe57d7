//! "Add video call": the video-calls module makes a meeting for the event
//! through the host's module actions, so a practice (or a person) without
//! video calls simply has no such switch. The call follows the event's
//! title and times, and goes when the event does or the switch is turned
//! off. Its changes join the event's: both are kept, or neither.

use immcase_sdk::{Ctx, Error, Result};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::rules::event::Event;

const MODULE: &str = "video-calls";

/// Whether the reader may add video calls: the module is enabled, they
/// may use it, and its settings work.
pub fn available(ctx: &Ctx) -> bool {
    match ctx.call_action(MODULE, "available", &json!({})) {
        Ok(answer) => answer["available"] == true,
        Err(_) => false,
    }
}

#[derive(Deserialize)]
struct Meeting {
    id: String,
    url: String,
    page: String,
}

fn meeting_input(id: &str, event: &Event) -> Value {
    json!({
        "title": event.title,
        "starts_at": event.start,
        "ends_at": event.end.max(event.start),
        "event_id": id,
    })
}

fn keep(event: &mut Event, answer: Value) -> Result<()> {
    let meeting: Meeting = serde_json::from_value(answer).map_err(|e| {
        Error::Internal(format!("the video-calls module answered unexpectedly: {e}"))
    })?;
    event.video_id = Some(meeting.id);
    event.video_url = Some(meeting.url);
    event.video_page = Some(meeting.page);
    Ok(())
}

/// Brings the event's call in line: `wanted` is the switch when the
/// request had one; a kept call follows a new title or new times.
pub fn follow(
    ctx: &Ctx,
    id: &str,
    before: Option<&Event>,
    event: &mut Event,
    wanted: Option<bool>,
) -> Result<()> {
    let has = event.video_id.clone();
    match (wanted, has) {
        (Some(true), None) => {
            let answer = ctx
                .call_action(MODULE, "create-meeting", &meeting_input(id, event))
                .map_err(|e| match e {
                    Error::NotFound(_) | Error::Forbidden(_) => {
                        Error::invalid_field("video", "video calls are not available to you here")
                    }
                    other => other,
                })?;
            keep(event, answer)
        }
        (Some(false), Some(call)) => {
            drop_call(ctx, id, &call)?;
            event.video_id = None;
            event.video_url = None;
            event.video_page = None;
            Ok(())
        }
        (_, Some(call)) => {
            let moved = before.is_some_and(|b| {
                b.title != event.title || b.start != event.start || b.end != event.end
            });
            if moved {
                let mut input = meeting_input(id, event);
                input["id"] = json!(call);
                match ctx.call_action(MODULE, "update-meeting", &input) {
                    Ok(answer) => keep(event, answer)?,
                    // The module was turned off since: the link stays as it was.
                    Err(Error::NotFound(_)) => {}
                    Err(e) => return Err(e),
                }
            }
            Ok(())
        }
        (_, None) => Ok(()),
    }
}

/// Deletes the call of the event `id` (gone already, or the module off:
/// nothing to do).
pub fn drop_call(ctx: &Ctx, id: &str, call: &str) -> Result<()> {
    match ctx.call_action(
        MODULE,
        "delete-meeting",
        &json!({ "id": call, "event_id": id }),
    ) {
        Ok(_) | Err(Error::NotFound(_)) => Ok(()),
        Err(e) => Err(e),
    }
}
