//! Calls: the store (collection `rooms`), who sees and changes which, and
//! each call's links. The JSON API, the actions and the pages all go
//! through here.
//!
//! Every person of the practice who holds `module:video-calls` (the host
//! checks it before the module is called) may open any call of the
//! practice by its id and join it as moderator: the practice's people are
//! the hosts of its calls, and the calendar shows a call to everyone
//! invited to its event. Lists show a person their own calls, and every
//! call to holders of `video-calls.manage`. A call is changed or deleted by
//! the person who made it, a manager, the host on its own (a workflow), or
//! the calendar for the call's own event.

use immcase_sdk::{Caller, Collection, Ctx, Doc, Error, Result, new_id};
use serde::{Deserialize, Serialize};

use crate::rules::links::{self, LinkOptions};
use crate::rules::meeting::{self, MeetingInput};
use crate::rules::settings::{Jitsi, Settings};
use crate::rules::{Problems, into_error, jwt, room_name};

/// See every call, delete any, change the settings.
pub const MANAGE: &str = "video-calls.manage";

/// Where the module's pages are.
pub const PAGES: &str = "/m/video-calls";

/// A call, as stored in `rooms`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Room {
    pub title: String,
    /// The Jitsi room's name.
    pub room: String,
    #[serde(default)]
    pub starts_at: Option<i64>,
    #[serde(default)]
    pub ends_at: Option<i64>,
    /// The start, or when the call was made: the lists' order.
    pub sort_at: i64,
    /// The calendar event the call belongs to.
    #[serde(default)]
    pub event_id: Option<String>,
    /// Who made it (none for a workflow's call).
    #[serde(default)]
    pub owner_id: Option<String>,
    #[serde(default)]
    pub owner_name: String,
}

/// A call as the JSON API and the actions answer it. `url` is the guest
/// link, for invitations and clients; `page` is the call's page for the
/// practice's people.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MeetingView {
    pub id: String,
    pub room: String,
    pub url: String,
    pub page: String,
    pub title: String,
    pub starts_at: Option<i64>,
    pub ends_at: Option<i64>,
    pub event_id: Option<String>,
}

pub fn rooms(ctx: &Ctx) -> Collection<Room> {
    ctx.collection("rooms")
}

/// The settings as the host keeps them.
pub fn settings(ctx: &Ctx) -> Result<Settings> {
    ctx.settings()
}

/// The Jitsi set-up, or a refusal naming what to fix in the settings.
pub fn jitsi(ctx: &Ctx) -> Result<Jitsi> {
    settings(ctx)?
        .check()
        .map_err(|problems| Error::Invalid(settings_problem(&problems)))
}

/// One sentence for settings that stop calls from working.
pub fn settings_problem(problems: &Problems) -> String {
    let each: Vec<String> = problems
        .iter()
        .map(|(field, message)| format!("{} {message}", setting_name(field)))
        .collect();
    format!(
        "Video calls are not set up correctly: {}. Someone who manages video calls can fix this in Settings → Modules → Video calls.",
        each.join("; ")
    )
}

/// A setting's name as its settings page labels it.
fn setting_name(field: &str) -> &str {
    match field {
        "base_url" => "the Jitsi address",
        "jwt_app_id" => "the JWT app id is",
        "jwt_secret" => "the JWT secret is",
        "token_minutes" => "the token lifetime must be",
        other => other,
    }
}

/// Makes a call: checks the input and the settings, picks a new room.
pub fn create(ctx: &Ctx, input: MeetingInput) -> Result<Doc<Room>> {
    let input = meeting::check(input).map_err(into_error)?;
    jitsi(ctx)?;
    let room = room_name::new_room_name(&input.title)
        .map_err(|e| Error::Internal(format!("no random bytes for a room name: {e}")))?;
    let now = ctx.now();
    let caller = ctx.caller();
    let data = Room {
        title: input.title,
        room,
        starts_at: input.starts_at,
        ends_at: input.ends_at,
        sort_at: meeting::sort_at(input.starts_at, now),
        event_id: input.event_id,
        owner_id: caller.user_id.clone(),
        owner_name: caller.display_name.clone(),
    };
    rooms(ctx).insert(&new_id(), &data)
}

/// The call `id` of the practice, or 404.
pub fn find(ctx: &Ctx, id: &str) -> Result<Doc<Room>> {
    let found = if valid_id(id) {
        rooms(ctx).get(id)?
    } else {
        None
    };
    found.ok_or_else(|| Error::NotFound(format!("no video call {id}")))
}

/// Whether `caller` may change or delete the call: its maker, a manager,
/// the host on its own, or the calendar for the call's own event.
pub fn may_change(caller: &Caller, room: &Room, for_event: Option<&str>) -> bool {
    !caller.is_person()
        || caller.can(MANAGE)
        || (room.owner_id.is_some() && room.owner_id == caller.user_id)
        || (for_event.is_some() && room.event_id.as_deref() == for_event)
}

/// Sets a call's title and times (and event) to what they now are. The
/// room stays; the guest link's token follows the new times.
pub fn update(ctx: &Ctx, id: &str, input: MeetingInput) -> Result<Doc<Room>> {
    let input = meeting::check(input).map_err(into_error)?;
    let doc = find(ctx, id)?;
    if !may_change(ctx.caller(), &doc.data, input.event_id.as_deref()) {
        return Err(refused("change"));
    }
    let mut room = doc.data.clone();
    room.title = input.title;
    room.starts_at = input.starts_at;
    room.ends_at = input.ends_at;
    room.sort_at = meeting::sort_at(input.starts_at, doc.created_at);
    if input.event_id.is_some() {
        room.event_id = input.event_id;
    }
    rooms(ctx).update(id, &room, doc.version)
}

/// Deletes a call; `false` when there was none (deleting twice is
/// harmless: the calendar may retry). `event_id` is the calendar's event
/// being deleted, which may delete its own call.
pub fn delete(ctx: &Ctx, id: &str, event_id: Option<&str>) -> Result<bool> {
    let Some(doc) = (if valid_id(id) {
        rooms(ctx).get(id)?
    } else {
        None
    }) else {
        return Ok(false);
    };
    if !may_change(ctx.caller(), &doc.data, event_id) {
        return Err(refused("delete"));
    }
    rooms(ctx).delete(id, Some(doc.version))
}

fn refused(what: &str) -> Error {
    Error::Forbidden(format!(
        "only the person who made this call, or someone with `{MANAGE}`, may {what} it"
    ))
}

/// Ids are the store's (1–200 letters, digits and `-_.:@`); anything else
/// is no call, not the store's refusal.
fn valid_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 200
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.:@".contains(c))
}

/// The calls a list shows: the caller's own, or every call for managers,
/// whose `sort_at` is in `range` (`[from, to)`), in order (latest first
/// when `descending`).
pub fn listed(
    ctx: &Ctx,
    from: i64,
    to: i64,
    descending: bool,
    limit: u32,
) -> Result<Vec<Doc<Room>>> {
    let caller = ctx.caller();
    let mut query = rooms(ctx)
        .query()
        .where_op("sort_at", immcase_sdk::Op::Gte, from)
        .where_op("sort_at", immcase_sdk::Op::Lt, to)
        .order_by("sort_at")
        .limit(limit);
    if descending {
        query = query.descending();
    }
    if !caller.can(MANAGE) {
        let Some(me) = caller.user_id.clone() else {
            return Ok(Vec::new());
        };
        query = query.where_eq("owner_id", me);
    }
    Ok(query.fetch()?.items)
}

/// The latest calls of the list (see [`listed`]), at most `limit`.
pub fn latest(ctx: &Ctx, limit: u32) -> Result<Vec<Doc<Room>>> {
    listed(ctx, i64::MIN, i64::MAX, true, limit)
}

/// A call as the API answers it, with its guest link.
pub fn view(ctx: &Ctx, doc: &Doc<Room>) -> Result<MeetingView> {
    let jitsi = jitsi(ctx)?;
    Ok(MeetingView {
        id: doc.id.clone(),
        room: doc.data.room.clone(),
        url: guest_link(&jitsi, doc),
        page: format!("{PAGES}/rooms/{}", doc.id),
        title: doc.data.title.clone(),
        starts_at: doc.data.starts_at,
        ends_at: doc.data.ends_at,
        event_id: doc.data.event_id.clone(),
    })
}

/// The link for clients and invitations: no moderator rights; with tokens,
/// one valid until [`Jitsi::token_ms`] after the call's end.
pub fn guest_link(jitsi: &Jitsi, doc: &Doc<Room>) -> String {
    let room = &doc.data;
    let token = jitsi.jwt.as_ref().map(|keys| {
        let (not_before, expires) =
            meeting::guest_window(room.starts_at, room.ends_at, doc.created_at, jitsi.token_ms);
        let user_id = format!("guest:{}", doc.id);
        let claims = jwt::jitsi_claims(&jwt::JitsiToken {
            app_id: &keys.app_id,
            room: &room.room,
            user_id: &user_id,
            name: "",
            email: "",
            moderator: false,
            not_before,
            expires,
        });
        jwt::sign(&claims, keys.secret.as_bytes())
    });
    let options = LinkOptions {
        token: token.as_deref(),
        knock: jitsi.lobby,
        display_name: None,
    };
    links::join_link(&jitsi.base_url, &room.room, &options)
}

/// The link for a person of the practice visiting the call's page at
/// `now`: with tokens, a moderator's token for them, valid for
/// [`Jitsi::token_ms`]; without, their name for Jitsi to show.
pub fn moderator_link(jitsi: &Jitsi, room: &Room, caller: &Caller, now: i64) -> String {
    let token = jitsi.jwt.as_ref().map(|keys| {
        let (not_before, expires) = meeting::moderator_window(now, jitsi.token_ms);
        let claims = jwt::jitsi_claims(&jwt::JitsiToken {
            app_id: &keys.app_id,
            room: &room.room,
            user_id: caller.user_id.as_deref().unwrap_or_default(),
            name: &caller.display_name,
            email: &caller.email,
            moderator: true,
            not_before,
            expires,
        });
        jwt::sign(&claims, keys.secret.as_bytes())
    });
    let options = LinkOptions {
        token: token.as_deref(),
        knock: false,
        display_name: if token.is_none() {
            Some(caller.display_name.as_str())
        } else {
            None
        },
    };
    links::join_link(&jitsi.base_url, &room.room, &options)
}
