//! The video calls module (`plugins/video-calls`), compiled and served by
//! the real host: meeting links on the configured Jitsi address, tokens
//! that verify with the practice's secret (a guest's without moderator
//! rights, a practice person's with them), calls kept within their
//! practice, the module's permission, and the calendar's way in: module
//! actions called through the host (with the `concierge` test module).

#![allow(clippy::unwrap_used)] // A failed unwrap is a failed test.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, KeyInit, Mac};
use immcase_tests::helpdesk::person;
use immcase_tests::{Api, Backend, TestServer, on_both_databases};
use serde_json::{Value, json};
use sha2::Sha256;

on_both_databases!(
    meeting_links_use_the_configured_address,
    tokens_verify_with_the_secret_and_only_the_practice_moderates,
    another_practice_never_sees_the_call,
    a_person_without_video_calls_is_refused,
    the_calendar_reaches_the_actions_through_the_host,
    a_calendar_event_gets_a_call_that_follows_it,
);

const API: &str = "/api/v1/m/video-calls";
const SETTINGS: &str = "/api/v1/modules/video-calls/settings";
const SECRET: &str = "a secret shared with the practice's Jitsi server";
const HOUR: i64 = 3_600_000;
/// 2030-01-15 15:00 UTC: a call well ahead of any test clock.
const START: i64 = 1_894_719_600_000;

/// A person of the practice who uses video calls.
async fn consultant(server: &TestServer, admin: &Api, email: &str) -> Api {
    person(server, admin, email, &["module:video-calls"])
        .await
        .0
}

/// Changes the module's settings as the settings page saves them.
async fn configure(admin: &Api, change: Value) -> immcase_tests::Resp {
    let current = admin.get(SETTINGS).await.expect_status(200).body;
    let mut values = current["values"].clone();
    for (name, value) in change.as_object().unwrap() {
        values[name] = value.clone();
    }
    admin
        .put(
            SETTINGS,
            json!({ "values": values, "version": current["version"] }),
        )
        .await
}

async fn new_meeting(api: &Api, title: &str) -> Value {
    api.post(
        &format!("{API}/meetings"),
        json!({ "title": title, "starts_at": START, "ends_at": START + HOUR }),
    )
    .await
    .expect_status(201)
    .body
}

/// The claims of an HS256 token whose signature is `secret`'s; panics
/// otherwise. Checked here with HMAC-SHA256 itself, not the module's code.
fn verified(token: &str, secret: &str) -> Value {
    let parts: Vec<&str> = token.split('.').collect();
    assert_eq!(parts.len(), 3, "{token}");
    let header: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[0]).unwrap()).unwrap();
    assert_eq!(header["alg"], "HS256");
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(format!("{}.{}", parts[0], parts[1]).as_bytes());
    let signature = URL_SAFE_NO_PAD.decode(parts[2]).unwrap();
    mac.verify_slice(&signature)
        .unwrap_or_else(|_| panic!("{token} is not signed with the secret"));
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap()
}

/// The `jwt` of a join link.
fn token_of(link: &str) -> String {
    let query = link.split('#').next().unwrap().split_once('?').unwrap().1;
    query
        .split('&')
        .find_map(|pair| pair.strip_prefix("jwt="))
        .unwrap_or_else(|| panic!("no token in {link}"))
        .to_string()
}

/// The attribute `name` of the element with id `id` on a page.
fn attribute(html: &str, id: &str, name: &str) -> String {
    let at = html
        .find(&format!("id=\"{id}\""))
        .unwrap_or_else(|| panic!("no #{id} in {html}"));
    let start = html[..at].rfind('<').unwrap();
    let end = at + html[at..].find('>').unwrap();
    let element = &html[start..end];
    let marker = format!("{name}=\"");
    let from = element.find(&marker).unwrap() + marker.len();
    let value = element[from..].split('"').next().unwrap();
    value.replace("&amp;", "&")
}

async fn meeting_links_use_the_configured_address(backend: Backend) {
    let server = TestServer::start(backend).await;
    let admin = server.admin().await;
    admin.set_module("video-calls", true).await;
    let ana = consultant(&server, &admin, "ana@example.com").await;

    // The public service by default, without a token.
    let made = new_meeting(&ana, "Visa interview").await;
    let room = made["room"].as_str().unwrap();
    assert!(room.starts_with("visa-interview-"), "{room}");
    assert_eq!(made["url"], format!("https://meet.jit.si/{room}"));

    // The settings page explains the address.
    let settings = admin
        .get("/settings/modules/video-calls/settings")
        .await
        .expect_status(200);
    for words in [
        "Jitsi address",
        "https://meet.jit.si",
        "without ? or #",
        "Token lifetime",
    ] {
        assert!(settings.text.contains(words), "{words}: {}", settings.text);
    }

    // The practice's own server.
    let wrong = configure(
        &admin,
        json!({ "base_url": "https://meet.example.org/?room=x" }),
    )
    .await
    .expect_status(422);
    assert!(wrong.text.contains("base_url"), "{}", wrong.text);
    configure(
        &admin,
        json!({ "base_url": "https://meet.example.org/video/" }),
    )
    .await
    .expect_status(200);
    let made = new_meeting(&ana, "Study permit follow-up").await;
    let room = made["room"].as_str().unwrap();
    assert_eq!(
        made["url"],
        format!("https://meet.example.org/video/{room}")
    );
    let id = made["id"].as_str().unwrap();
    assert_eq!(made["page"], format!("/m/video-calls/rooms/{id}"));

    // Its page: the links and what to check when the camera is blocked.
    let page = ana
        .get(&format!("/m/video-calls/rooms/{id}"))
        .await
        .expect_status(200);
    assert_eq!(attribute(&page.text, "guest-link", "value"), made["url"]);
    assert!(attribute(&page.text, "join", "href").starts_with("https://meet.example.org/video/"));
    assert!(page.text.contains("Camera or microphone blocked?"));
    // The list shows it.
    let list = ana.get("/m/video-calls/").await.expect_status(200);
    assert!(
        list.text.contains("Study permit follow-up"),
        "{}",
        list.text
    );
}

async fn tokens_verify_with_the_secret_and_only_the_practice_moderates(backend: Backend) {
    let server = TestServer::start(backend).await;
    let admin = server.admin().await;
    admin.set_module("video-calls", true).await;
    configure(
        &admin,
        json!({ "base_url": "https://meet.example.org", "jwt_app_id": "immcase",
                "jwt_secret": SECRET, "token_minutes": 180 }),
    )
    .await
    .expect_status(200);
    let ana = consultant(&server, &admin, "ana@example.com").await;
    let bo = consultant(&server, &admin, "bo@example.com").await;

    // The guest link, for clients and invitations: a token of the
    // practice's app, for this room only, without moderator rights, valid
    // until three hours after the end.
    let made = new_meeting(&ana, "Interview").await;
    let room = made["room"].as_str().unwrap();
    let url = made["url"].as_str().unwrap();
    assert!(
        url.starts_with(&format!("https://meet.example.org/{room}?jwt=")),
        "{url}"
    );
    let guest = verified(&token_of(url), SECRET);
    assert_eq!(guest["iss"], "immcase");
    assert_eq!(guest["aud"], "immcase");
    assert_eq!(guest["room"], room);
    assert_eq!(guest["context"]["user"]["moderator"], "false");
    assert_eq!(guest["exp"], (START + 4 * HOUR) / 1000);
    let forged = std::panic::catch_unwind(|| verified(&token_of(url), "another secret"));
    assert!(forged.is_err(), "a token verifies with its own secret only");

    // A colleague on the call's page: a moderator's token of their own.
    let id = made["id"].as_str().unwrap();
    let page = bo
        .get(&format!("/m/video-calls/rooms/{id}"))
        .await
        .expect_status(200);
    let join = attribute(&page.text, "join", "href");
    let host = verified(&token_of(&join), SECRET);
    assert_eq!(host["room"], room);
    let user = &host["context"]["user"];
    assert_eq!(user["moderator"], "true");
    assert_eq!(user["email"], "bo@example.com");
    assert!(host["exp"].as_i64().unwrap() > host["nbf"].as_i64().unwrap());
    // The guest link shown on the page is still the guest's.
    let shown = attribute(&page.text, "guest-link", "value");
    assert_eq!(
        verified(&token_of(&shown), SECRET)["context"]["user"]["moderator"],
        "false"
    );
}

async fn another_practice_never_sees_the_call(backend: Backend) {
    let server = TestServer::start(backend).await;
    let admin = server.admin().await;
    admin.set_module("video-calls", true).await;
    let ana = consultant(&server, &admin, "ana@example.com").await;
    let made = new_meeting(&ana, "Private interview").await;
    let id = made["id"].as_str().unwrap();

    let other = server
        .admin_of_new_practice("other", "admin@other.example", "another long passphrase")
        .await;
    other.set_module("video-calls", true).await;
    other
        .get(&format!("{API}/meetings/{id}"))
        .await
        .expect_status(404);
    other
        .get(&format!("/m/video-calls/rooms/{id}"))
        .await
        .expect_status(404);
    other
        .delete(&format!("{API}/meetings/{id}"))
        .await
        .expect_status(404);
    let list = other
        .get(&format!("{API}/meetings"))
        .await
        .expect_status(200);
    assert_eq!(list.body["items"], json!([]));
    let page = other.get("/m/video-calls/").await.expect_status(200);
    assert!(!page.text.contains("Private interview"));
    // Still there for its own practice.
    ana.get(&format!("{API}/meetings/{id}"))
        .await
        .expect_status(200);
}

async fn a_person_without_video_calls_is_refused(backend: Backend) {
    let server = TestServer::start(backend).await;
    let admin = server.admin().await;
    admin.set_module("video-calls", true).await;
    let ana = consultant(&server, &admin, "ana@example.com").await;
    let made = new_meeting(&ana, "Interview").await;
    let id = made["id"].as_str().unwrap();
    let (clerk, _) = person(&server, &admin, "clerk@example.com", &["applicants.read"]).await;

    let refused = clerk
        .post(&format!("{API}/meetings"), json!({ "title": "Mine" }))
        .await
        .expect_status(403);
    assert_eq!(refused.body["error"]["code"], "forbidden");
    clerk
        .get(&format!("{API}/meetings/{id}"))
        .await
        .expect_status(403);
    let page = clerk.get(&format!("/m/video-calls/rooms/{id}")).await;
    assert_eq!(page.status, 403, "{}", page.text);
    // Nothing was made for them.
    let all = admin
        .get(&format!("{API}/meetings"))
        .await
        .expect_status(200);
    assert_eq!(all.body["items"].as_array().unwrap().len(), 1);
    // Wrong input is named.
    let wrong = ana
        .post(
            &format!("{API}/meetings"),
            json!({ "title": " ", "starts_at": START, "ends_at": START - 1 }),
        )
        .await
        .expect_status(422);
    assert_eq!(wrong.body["error"]["fields"]["title"], "required");
    assert_eq!(wrong.body["error"]["fields"]["ends_at"], "before the start");
}

async fn the_calendar_reaches_the_actions_through_the_host(backend: Backend) {
    let server = TestServer::start_with_modules(backend, &["concierge"]).await;
    let admin = server.admin().await;
    admin.set_module("concierge", true).await;
    let (ana, _) = person(
        &server,
        &admin,
        "ana@example.com",
        &["module:video-calls", "module:concierge"],
    )
    .await;
    let call = |name: &str, input: Value| {
        let ana = ana.clone();
        let body = json!({ "module": "video-calls", "name": name, "input": input });
        async move { ana.post("/api/v1/m/concierge/call", body).await }
    };
    // Not enabled: no such module, so no switch in the calendar.
    call("available", json!({})).await.expect_status(404);

    admin.set_module("video-calls", true).await;
    let available = call("available", json!({})).await.expect_status(200);
    assert_eq!(available.body["available"], true);
    assert_eq!(available.body["provider"], "Jitsi");
    assert_eq!(available.body["base_url"], "https://meet.jit.si");

    let made = call(
        "create-meeting",
        json!({ "title": "Consultation", "starts_at": START, "ends_at": START + HOUR,
                "event_id": "ev-42" }),
    )
    .await
    .expect_status(200)
    .body;
    let room = made["room"].as_str().unwrap();
    assert_eq!(made["url"], format!("https://meet.jit.si/{room}"));
    let id = made["id"].as_str().unwrap();
    assert_eq!(made["page"], format!("/m/video-calls/rooms/{id}"));
    let page = ana
        .get(&format!("/m/video-calls/rooms/{id}"))
        .await
        .expect_status(200);
    assert!(
        page.text.contains("/m/calendar/events/ev-42"),
        "{}",
        page.text
    );

    let deleted = call("delete-meeting", json!({ "id": id, "event_id": "ev-42" }))
        .await
        .expect_status(200);
    assert_eq!(deleted.body, json!({ "deleted": true }));
    ana.get(&format!("{API}/meetings/{id}"))
        .await
        .expect_status(404);

    // Someone of the practice without video calls: the host refuses the
    // action for them.
    let (concierge_only, _) =
        person(&server, &admin, "cy@example.com", &["module:concierge"]).await;
    let refused = concierge_only
        .post(
            "/api/v1/m/concierge/call",
            json!({ "module": "video-calls", "name": "available", "input": {} }),
        )
        .await
        .expect_status(403);
    assert!(
        refused.text.contains("module:video-calls"),
        "{}",
        refused.text
    );
}

/// "Add video call" on a calendar event: a call on the configured address
/// with a guest token signed with the secret, following the event's time,
/// gone with the event; no switch without the module.
async fn a_calendar_event_gets_a_call_that_follows_it(backend: Backend) {
    let server = TestServer::start(backend).await;
    let admin = server.admin().await;
    admin.set_module("calendar", true).await;
    admin.set_module("video-calls", true).await;
    configure(
        &admin,
        json!({ "base_url": "https://meet.example.org", "jwt_app_id": "immcase", "jwt_secret": SECRET }),
    )
    .await
    .expect_status(200);
    let form = admin
        .get("/m/calendar/new?date=2030-01-15")
        .await
        .expect_status(200)
        .text;
    assert!(form.contains("Add video call"), "{form}");
    let event = admin
        .post(
            "/api/v1/m/calendar/events",
            json!({ "title": "Interview Ana Díaz", "start": "2030-01-15T10:00", "video": true }),
        )
        .await
        .expect_status(201)
        .body;
    let link = event["video_url"].as_str().unwrap();
    assert!(
        link.starts_with("https://meet.example.org/interview-ana-d"),
        "{link}"
    );
    let claims = verified(&token_of(link), SECRET);
    assert_eq!(claims["context"]["user"]["moderator"], "false");
    let page = event["video_page"].as_str().unwrap();
    let call_id = page.rsplit('/').next().unwrap();
    let call = admin
        .get(&format!("{API}/meetings/{call_id}"))
        .await
        .expect_status(200)
        .body;
    assert_eq!(call["event_id"], event["id"]);
    assert_eq!(call["url"], event["video_url"]);
    let shown = admin
        .get(&format!(
            "/m/calendar/events/{}",
            event["id"].as_str().unwrap()
        ))
        .await
        .expect_status(200)
        .text;
    assert!(shown.contains(&format!("href=\"{page}\"")) && shown.contains("Join the video call"));

    // The event moves: the call follows.
    let moved = admin
        .patch(
            &format!(
                "/api/v1/m/calendar/events/{}",
                event["id"].as_str().unwrap()
            ),
            json!({ "start": "2030-01-16T14:00" }),
        )
        .await
        .expect_status(200);
    assert_eq!(
        moved.body["video_url"].as_str().unwrap().split('?').next(),
        link.split('?').next()
    );
    let call = admin
        .get(&format!("{API}/meetings/{call_id}"))
        .await
        .expect_status(200)
        .body;
    let start = call["starts_at"].as_i64().unwrap();
    assert_eq!(
        jiff::Timestamp::from_millisecond(start)
            .unwrap()
            .to_string(),
        "2030-01-16T19:00:00Z"
    );
    // Deleted with the event.
    admin
        .delete(&format!(
            "/api/v1/m/calendar/events/{}",
            event["id"].as_str().unwrap()
        ))
        .await
        .expect_status(204);
    admin
        .get(&format!("{API}/meetings/{call_id}"))
        .await
        .expect_status(404);
    // Without the module, no switch, and asking for a call is refused.
    admin.set_module("video-calls", false).await;
    let form = admin
        .get("/m/calendar/new?date=2030-01-15")
        .await
        .expect_status(200)
        .text;
    assert!(!form.contains("Add video call"));
    let refused = admin
        .post(
            "/api/v1/m/calendar/events",
            json!({ "title": "Call", "start": "2030-01-15T10:00", "video": true }),
        )
        .await
        .expect_status(422);
    assert!(
        refused.body["error"]["fields"]["video"].is_string(),
        "{}",
        refused.text
    );
    server.stop().await;
}
