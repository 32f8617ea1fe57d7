//! The module's pages: HTML fragments that the host puts in its shell. No
//! scripts: links open the call in a new tab, and the guest link sits in a
//! read-only field to select and copy.
//!
//! - `/`: the calls to come and the recent ones (a person's own, every
//!   call for managers), and the form for a new call;
//! - `/rooms/{id}`: a call's page: when, "Join as moderator", the guest
//!   link, its calendar event, and what to check when the camera or the
//!   microphone is blocked.

use immcase_sdk::html::{Element, el, text};
use immcase_sdk::{Ctx, Doc, Error, Request, Response, Result};
use jiff::Timestamp;
use serde::Deserialize;

use crate::calls::{self, MANAGE, PAGES, Room};
use crate::rules::meeting::{self, DAY, MeetingInput};

/// The host's page of the module's settings.
pub const SETTINGS_PAGE: &str = "/settings/modules/video-calls/settings";

/// How far back the lists look for calls still current (a call of several
/// days started before this is shown as recent).
const LOOK_BACK: i64 = 7 * DAY;

// The list ------------------------------------------------------------------

/// `GET /`: the calls to come and the recent ones, and the new-call form.
pub fn home(ctx: &Ctx, _request: Request) -> Result<Response> {
    home_page(ctx, "", None)
}

fn home_page(ctx: &Ctx, title: &str, problem: Option<&Error>) -> Result<Response> {
    let now = ctx.now();
    let manager = ctx.caller().can(MANAGE);
    let mut upcoming = calls::listed(ctx, now - LOOK_BACK, i64::MAX, false, 100)?;
    upcoming.retain(|doc| current(doc, now));
    let mut recent = calls::listed(ctx, i64::MIN, now + 1, true, 40)?;
    recent.retain(|doc| !current(doc, now));
    recent.truncate(20);

    let mut page = el("section")
        .class("video-calls-page")
        .child(el("h1").text("Video calls"));
    if manager {
        page = page.child(settings_notes(ctx)?);
    }
    let mut form = el("form")
        .attr("method", "post")
        .attr("action", format!("{PAGES}/rooms"))
        .class("new-call");
    if let Some(problem) = problem {
        form = form.child(
            el("p")
                .class("form-error")
                .attr("role", "alert")
                .text(problem.message()),
        );
    }
    let mut label = el("label").text("Title").child(
        el("input")
            .attr("name", "title")
            .attr("maxlength", "200")
            .attr("value", title)
            .flag("required", true),
    );
    if let Some(message) = field_problem(problem, "title") {
        label = label.child(el("span").class("field-error").text(&message));
    }
    form = form
        .child(label)
        .child(
            el("p").class("actions").child(
                el("button")
                    .class("primary")
                    .attr("type", "submit")
                    .text("New call"),
            ),
        )
        .child(el("p").class("hint").text(
            "A call for an appointment is made from its calendar event, with \"Add video call\".",
        ));
    let whose = if manager { "All calls" } else { "My calls" };
    page = page
        .child(form)
        .child(el("h2").text(&format!("{whose}: to come and going on")))
        .child(call_list(ctx, &upcoming, manager, "No calls to come."))
        .child(el("h2").text("Recent"))
        .child(call_list(ctx, &recent, manager, "No recent calls."));
    let status = problem.map_or(200, Error::status);
    Ok(Response::html(page.render())
        .page_title("Video calls")
        .status(status))
}

fn current(doc: &Doc<Room>, now: i64) -> bool {
    meeting::is_current(doc.data.starts_at, doc.data.ends_at, doc.created_at, now)
}

fn call_list(ctx: &Ctx, docs: &[Doc<Room>], manager: bool, empty: &str) -> Element {
    if docs.is_empty() {
        return el("p").class("empty").text(empty);
    }
    let tz = &ctx.caller().time_zone;
    let items = docs.iter().map(|doc| {
        let mut about = format!(" · {}", when(&doc.data, doc.created_at, tz));
        if manager && !doc.data.owner_name.is_empty() {
            about.push_str(&format!(" · {}", doc.data.owner_name));
        }
        el("li")
            .child(
                el("a")
                    .attr("href", format!("{PAGES}/rooms/{}", doc.id))
                    .text(&doc.data.title),
            )
            .child(el("small").class("muted").text(&about))
    });
    el("ul").class("calls").children(items)
}

/// For managers: settings that stop calls, and those that work badly.
fn settings_notes(ctx: &Ctx) -> Result<Element> {
    let settings = calls::settings(ctx)?;
    let mut notes = el("div");
    if let Err(problems) = settings.check() {
        notes = notes.child(
            el("p")
                .class("form-error")
                .attr("role", "alert")
                .text(&calls::settings_problem(&problems)),
        );
    }
    for warning in settings.warnings() {
        notes = notes.child(el("p").class("notice").text(&warning));
    }
    Ok(notes.child(
        el("p").child(
            el("a")
                .attr("href", SETTINGS_PAGE)
                .text("Settings of video calls"),
        ),
    ))
}

/// The new-call form, as posted.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct NewCallForm {
    title: String,
}

/// `POST /rooms` (the form): to the new call's page, or the form again
/// with what is wrong.
pub fn create(ctx: &Ctx, request: Request) -> Result<Response> {
    let form: NewCallForm = request.form()?;
    let input = MeetingInput {
        title: form.title.clone(),
        ..MeetingInput::default()
    };
    match calls::create(ctx, input) {
        Ok(doc) => Ok(Response::redirect(&format!("{PAGES}/rooms/{}", doc.id))
            .flash("Call created: join it, and send the guest link to the people you meet.")),
        Err(error) if error.status() == 422 => home_page(ctx, &form.title, Some(&error)),
        Err(error) => Err(error),
    }
}

/// The message of one field of an error, if it names that field.
fn field_problem(problem: Option<&Error>, field: &str) -> Option<String> {
    problem
        .map(Error::to_json)
        .and_then(|json| json["error"]["fields"][field].as_str().map(str::to_owned))
}

// A call --------------------------------------------------------------------

/// `GET /rooms/{id}`: the call's page.
pub fn room(ctx: &Ctx, request: Request) -> Result<Response> {
    let doc = calls::find(ctx, request.require_param("id")?)?;
    let caller = ctx.caller();
    let call = &doc.data;
    let mut page = el("section")
        .class("video-calls-page")
        .child(el("h1").text(&call.title))
        .child(
            el("p")
                .class("muted")
                .text(&when(call, doc.created_at, &caller.time_zone)),
        );
    match calls::jitsi(ctx) {
        Ok(jitsi) => {
            let join = calls::moderator_link(&jitsi, call, caller, ctx.now());
            let guest = calls::guest_link(&jitsi, &doc);
            let secured = jitsi.jwt.is_some();
            page = page
                .child(
                    el("p").class("join").child(
                        el("a")
                            .class("button primary")
                            .attr("id", "join")
                            .attr("href", &join)
                            .attr("target", "_blank")
                            .attr("rel", "noopener noreferrer")
                            .text("Join as moderator"),
                    ),
                )
                .child(el("p").class("hint").text(if secured {
                    "Opens the call in a new tab, with moderator rights: you let guests in, mute and remove participants. This link is yours and works for a few hours: open this page again for a fresh one."
                } else {
                    "Opens the call in a new tab. On a Jitsi server without sign-in tokens, the first person in the room is its moderator (the public service may ask them to sign in): join before your guests."
                }))
                .child(guest_section(&guest, jitsi.lobby, secured));
        }
        Err(error) => {
            page = page.child(
                el("p")
                    .class("form-error")
                    .attr("role", "alert")
                    .text(error.message()),
            );
        }
    }
    if let Some(event) = &call.event_id {
        page = page.child(
            el("p")
                .text("This call belongs to a calendar event: ")
                .child(
                    el("a")
                        .attr("href", format!("/m/calendar/events/{}", encode(event)))
                        .text("open the event"),
                ),
        );
    }
    page = page.child(troubleshooting());
    if calls::may_change(caller, call, None) {
        page = page.child(
            el("form")
                .class("danger-zone")
                .attr("method", "post")
                .attr("action", format!("{PAGES}/rooms/{}/delete", doc.id))
                .child(
                    el("button")
                        .class("danger")
                        .attr("type", "submit")
                        .text("Delete this call"),
                )
                .child(el("p").class("hint").text(
                    "Its links stop being shown here; people already in the call are not removed.",
                )),
        );
    }
    page = page.child(
        el("p").child(
            el("a")
                .attr("href", format!("{PAGES}/"))
                .text("All video calls"),
        ),
    );
    Ok(Response::html(page.render()).page_title(&call.title))
}

/// The guest link, to select and copy, and what the guests will see.
fn guest_section(guest: &str, lobby: bool, secured: bool) -> Element {
    let mut section = el("section")
        .class("guest-link")
        .child(el("h2").text("Link for clients"))
        .child(el("p").class("hint").text(
            "Send this link to the people you meet. It joins as a guest, without moderator rights.",
        ))
        .child(
            el("label").text("Guest link").child(
                el("input")
                    .attr("id", "guest-link")
                    .attr("type", "url")
                    .attr("readonly", "readonly")
                    .attr("value", guest),
            ),
        );
    if lobby {
        let how = if secured {
            "Guests wait in the lobby until someone of the practice lets them in (the Jitsi server must have its lobby set to start with the room; see the module's README)."
        } else {
            "Guests wait in the lobby once it is on: when you join, open the security options (the shield) and turn on the lobby, then let each guest in."
        };
        section = section.child(el("p").class("hint").text(how));
    }
    section
}

/// What to check when the camera or the microphone is blocked: the user
/// guide's Troubleshooting ("Video call doesn't work"), step by step.
fn troubleshooting() -> Element {
    let steps = [
        (
            "Allow the camera and microphone for the call's site.",
            " Click the icon at the left of the address bar (a lock or a camera), set Camera and Microphone to Allow, and reload the call. In Safari: Safari → Settings for This Website.",
        ),
        (
            "On a phone, let the browser use them.",
            " iPhone: Settings → your browser (Safari, Chrome…) → Camera and Microphone → Allow. Android: Settings → Apps → your browser → Permissions → Camera and Microphone.",
        ),
        (
            "Let the browser use them in the computer's privacy settings.",
            " Windows: Settings → Privacy & security → Camera, and Microphone: turn on access for apps and for desktop apps. macOS: System Settings → Privacy & Security → Camera, and Microphone: turn on your browser, then quit and reopen it.",
        ),
        (
            "Close other apps that use the camera.",
            " Zoom, Teams, Skype or another tab with a call may hold it; a laptop's camera cover or switch, or a muted headset, also block.",
        ),
        (
            "Choose the right devices.",
            " In the call, the small arrows beside the microphone and camera buttons list them: pick the ones you use.",
        ),
        (
            "Try another browser.",
            " An up-to-date Chrome, Edge, Firefox or Safari. On a phone, open the link in the browser, not inside another app. If nothing opens, allow pop-ups for this site: the call opens in a new tab.",
        ),
        (
            "Echo or noise?",
            " Use headphones, and mute when you are not speaking.",
        ),
        (
            "Slow or blocked connection?",
            " Turn your camera off to keep the sound. Some office networks and firewalls block Jitsi: try another network, such as a phone's hotspot, to check.",
        ),
    ];
    let items = steps
        .iter()
        .map(|(what, how)| el("li").child(el("strong").text(what)).child(text(how)));
    el("section")
        .class("troubleshooting")
        .attr("id", "camera-blocked")
        .child(el("h2").text("Camera or microphone blocked?"))
        .child(el("ol").children(items))
}

/// `POST /rooms/{id}/delete` (the form): to the list.
pub fn delete(ctx: &Ctx, request: Request) -> Result<Response> {
    let id = request.require_param("id")?;
    calls::find(ctx, id)?;
    calls::delete(ctx, id, None)?;
    Ok(Response::redirect(&format!("{PAGES}/")).flash("Call deleted."))
}

// Shared --------------------------------------------------------------------

/// When a call is, in the reader's time zone: `Tue 2026-12-08 10:00–11:00`,
/// or when it was made for a call without a time.
pub fn when(call: &Room, created_at: i64, time_zone: &str) -> String {
    match (call.starts_at, call.ends_at) {
        (Some(start), Some(end)) => {
            let (from, to) = (local(start, time_zone), local(end, time_zone));
            match (from.split_once(' '), to.split_once(' ')) {
                // `Tue 2026-12-08 10:00`: the same day once.
                (Some((_, a)), Some((_, b))) if a.split(' ').next() == b.split(' ').next() => {
                    format!("{from}–{}", b.rsplit(' ').next().unwrap_or(b))
                }
                _ => format!("{from} – {to}"),
            }
        }
        (Some(start), None) => local(start, time_zone),
        (None, Some(end)) => format!("until {}", local(end, time_zone)),
        (None, None) => format!("No set time (made {})", local(created_at, time_zone)),
    }
}

/// `Tue 2026-12-08 10:00` in `time_zone` (UTC when unknown).
pub fn local(at: i64, time_zone: &str) -> String {
    let Ok(at) = Timestamp::from_millisecond(at) else {
        return at.to_string();
    };
    at.in_tz(time_zone)
        .or_else(|_| at.in_tz("UTC"))
        .map(|zoned| zoned.strftime("%a %Y-%m-%d %H:%M").to_string())
        .unwrap_or_else(|_| at.to_string())
}

fn encode(text: &str) -> String {
    crate::rules::links::encode(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call(starts_at: Option<i64>, ends_at: Option<i64>) -> Room {
        Room {
            title: "Interview".into(),
            room: "interview-x".into(),
            starts_at,
            ends_at,
            sort_at: 0,
            event_id: None,
            owner_id: None,
            owner_name: String::new(),
        }
    }

    #[test]
    fn times_read_in_the_readers_zone() {
        let start = 1_796_419_800_000; // 2026-12-04 21:30 UTC
        let hour = 3_600_000;
        let tz = "America/Toronto";
        assert_eq!(local(start, tz), "Fri 2026-12-04 16:30");
        assert_eq!(local(start, "Nowhere/Else"), "Fri 2026-12-04 21:30");
        assert_eq!(
            when(&call(Some(start), Some(start + hour)), 0, tz),
            "Fri 2026-12-04 16:30–17:30"
        );
        assert_eq!(
            when(&call(Some(start), Some(start + 10 * hour)), 0, tz),
            "Fri 2026-12-04 16:30 – Sat 2026-12-05 02:30"
        );
        assert_eq!(
            when(&call(Some(start), None), 0, tz),
            "Fri 2026-12-04 16:30"
        );
        assert_eq!(
            when(&call(None, None), start, tz),
            "No set time (made Fri 2026-12-04 16:30)"
        );
    }

    #[test]
    fn the_troubleshooting_section_names_each_check() {
        let html = troubleshooting().render().into_string();
        for check in [
            "Camera or microphone blocked?",
            "address bar",
            "Privacy &amp; security",
            "Privacy &amp; Security",
            "other apps",
            "another browser",
            "headphones",
            "pop-ups",
            "firewalls",
        ] {
            assert!(html.contains(check), "{check}: {html}");
        }
    }
}
