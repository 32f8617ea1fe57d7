//! The module's pages and JSON API on the SDK's native test host: the list
//! with its new-call form, a call's page with the moderator's and the
//! guest's links, and who reaches what.

mod common;

use common::{DAY, HOUR, MINUTE, NOW, Practice, SECRET, attribute, body, json};
use immcase_sdk::Request;
use serde_json::json;
use video_calls::rules::{jwt, links};

fn post_form(path: &str, form: &str) -> Request {
    Request::new("POST", path)
        .with_header("content-type", "application/x-www-form-urlencoded")
        .with_body(form)
        .as_page()
}

#[test]
fn the_call_page_has_the_links_and_what_to_check() {
    let practice = Practice::new();
    let made = practice.interview(&practice.ana);
    let page = practice.page(&practice.ana, &made["id"]);
    assert!(page.contains("<h1>Visa interview: Ana Díaz</h1>"), "{page}");
    // Tomorrow 16:30 in Toronto, for an hour.
    assert!(page.contains("Sat 2026-12-05 16:30–17:30"), "{page}");
    let join = attribute(&page, "join", "href");
    let room = made["room"].as_str().unwrap_or_default();
    assert_eq!(
        join,
        format!("https://meet.jit.si/{room}#userInfo.displayName=%22Ana%20D%C3%ADaz%22")
    );
    assert!(page.contains("Join as moderator"));
    assert_eq!(attribute(&page, "guest-link", "value"), made["url"]);
    assert!(page.contains("href=\"/m/calendar/events/ev-1\""), "{page}");
    assert!(page.contains("Camera or microphone blocked?"));
    assert!(page.contains("headphones"));
    // Its maker may delete it; a colleague sees no such button.
    assert!(page.contains("Delete this call"));
    let colleague = practice.page(&practice.bo, &made["id"]);
    assert!(!colleague.contains("Delete this call"));
}

#[test]
fn each_visit_gets_a_fresh_short_lived_moderator_token() {
    let practice = Practice::new().secured();
    let made = practice.interview(&practice.ana);
    let page = practice.page(&practice.bo, &made["id"]);
    let join = attribute(&page, "join", "href");
    let token = links::token_of(&join).expect("a token");
    let claims = jwt::verify(token, SECRET.as_bytes()).expect("signed");
    assert!(jwt::is_moderator(&claims));
    let user = &claims["context"]["user"];
    assert_eq!(user["moderator"], "true");
    assert_eq!(user["id"], "bo");
    assert_eq!(user["name"], "Bo Lee");
    assert_eq!(user["email"], "bo@example.com");
    assert_eq!(claims["room"], made["room"]);
    assert_eq!(claims["exp"], (NOW + 2 * HOUR) / 1000, "the token lifetime");
    // The guest link on the page is the meeting's, without moderator rights.
    let guest = attribute(&page, "guest-link", "value");
    assert_eq!(guest, made["url"]);
    let guest_claims =
        jwt::verify(links::token_of(&guest).expect("token"), SECRET.as_bytes()).expect("signed");
    assert!(!jwt::is_moderator(&guest_claims));
    // A later visit, a new token.
    practice.host.advance(MINUTE);
    let again = attribute(&practice.page(&practice.bo, &made["id"]), "join", "href");
    assert_ne!(again, join);
}

#[test]
fn the_list_shows_a_persons_own_calls_and_every_call_to_managers() {
    let practice = Practice::new();
    practice.interview(&practice.ana);
    practice.create(&practice.bo, json!({ "title": "Ad-hoc call of Bo" }));
    practice.create(
        &practice.ana,
        json!({ "title": "Last week call", "starts_at": NOW - 7 * DAY, "ends_at": NOW - 7 * DAY + HOUR }),
    );
    let list = |caller| body(&practice.host.get_page(caller, "/"));
    let ana = list(&practice.ana);
    assert!(ana.contains("Visa interview: Ana Díaz"), "{ana}");
    assert!(ana.contains("Last week call"));
    assert!(!ana.contains("Ad-hoc call of Bo"));
    let upcoming = ana.split("<h2>Recent</h2>").next().unwrap_or_default();
    assert!(upcoming.contains("Visa interview"), "to come: {upcoming}");
    assert!(
        !upcoming.contains("Last week"),
        "past calls are recent: {upcoming}"
    );
    let boss = list(&practice.boss);
    for title in [
        "Visa interview: Ana Díaz",
        "Ad-hoc call of Bo",
        "Last week call",
    ] {
        assert!(boss.contains(title), "{title}: {boss}");
    }
    assert!(boss.contains("Settings of video calls"));
    assert!(!ana.contains("Settings of video calls"));
    // The JSON list is the same.
    let own = json(practice.host.get(&practice.bo, "/meetings"), 200);
    assert_eq!(own["items"].as_array().map(Vec::len), Some(1));
}

#[test]
fn the_new_call_form_makes_a_call_or_says_what_is_wrong() {
    let practice = Practice::new();
    let made = practice.host.request(
        &practice.ana,
        post_form("/rooms", "title=Quick+question&_csrf=x"),
    );
    assert_eq!(made.status_code(), 303);
    let rooms = practice.host.documents("rooms");
    assert_eq!(rooms.len(), 1);
    assert_eq!(rooms[0].data["title"], "Quick question");
    assert_eq!(
        made.header_value("location"),
        Some(format!("/m/video-calls/rooms/{}", rooms[0].id).as_str())
    );

    let refused = practice
        .host
        .request(&practice.ana, post_form("/rooms", "title=+"));
    assert_eq!(refused.status_code(), 422);
    let page = body(&refused);
    assert!(page.contains("class=\"form-error\""), "{page}");
    assert!(
        page.contains("<span class=\"field-error\">required</span>"),
        "{page}"
    );
    assert_eq!(practice.host.documents("rooms").len(), 1);
}

#[test]
fn broken_settings_are_said_on_the_page() {
    let practice = Practice::new();
    let made = practice.interview(&practice.ana);
    practice.host.set_setting("jwt_app_id", "immcase");
    let page = practice.page(&practice.ana, &made["id"]);
    assert!(
        page.contains("Video calls are not set up correctly"),
        "{page}"
    );
    assert!(!page.contains("Join as moderator"));
    let boss = body(&practice.host.get_page(&practice.boss, "/"));
    assert!(boss.contains("the JWT secret is required"), "{boss}");
}

#[test]
fn people_reach_only_what_they_may() {
    let practice = Practice::new();
    let made = practice.interview(&practice.ana);
    let id = made["id"].as_str().unwrap_or_default();
    let path = format!("/rooms/{id}");
    // Without module:video-calls: refused.
    assert_eq!(
        practice.host.get_page(&practice.clerk, &path).status_code(),
        403
    );
    assert_eq!(
        practice.host.get_page(&practice.clerk, "/").status_code(),
        403
    );
    // No such call.
    assert_eq!(
        practice
            .host
            .get_page(&practice.ana, "/rooms/nope")
            .status_code(),
        404
    );
    assert_eq!(
        practice
            .host
            .get_page(&practice.ana, "/rooms/a%20b")
            .status_code(),
        404
    );
    // A colleague joins but does not delete; its maker does.
    let delete = format!("/rooms/{id}/delete");
    let refused = practice.host.request(&practice.bo, post_form(&delete, ""));
    assert_eq!(refused.status_code(), 403);
    let api_refused = practice
        .host
        .delete(&practice.bo, &format!("/meetings/{id}"));
    assert_eq!(api_refused.status_code(), 403);
    let deleted = practice.host.request(&practice.ana, post_form(&delete, ""));
    assert_eq!(deleted.status_code(), 303);
    assert!(practice.host.documents("rooms").is_empty());
    assert_eq!(
        practice.host.get_page(&practice.ana, &path).status_code(),
        404
    );
}

#[test]
fn the_json_api_makes_reads_and_deletes_meetings() {
    let practice = Practice::new();
    let made = json(
        practice.host.post_json(
            &practice.ana,
            "/meetings",
            &json!({ "title": "Call", "starts_at": NOW + HOUR }),
        ),
        201,
    );
    let id = made["id"].as_str().unwrap_or_default().to_owned();
    assert!(
        made["url"]
            .as_str()
            .unwrap_or_default()
            .starts_with("https://meet.jit.si/call-")
    );
    let got = json(
        practice.host.get(&practice.bo, &format!("/meetings/{id}")),
        200,
    );
    assert_eq!(got, made);
    let wrong = json(
        practice
            .host
            .post_json(&practice.ana, "/meetings", &json!({ "title": "" })),
        422,
    );
    assert_eq!(wrong["error"]["fields"]["title"], "required");
    let gone = practice
        .host
        .delete(&practice.boss, &format!("/meetings/{id}"));
    assert_eq!(gone.status_code(), 204);
    let again = practice
        .host
        .delete(&practice.boss, &format!("/meetings/{id}"));
    assert_eq!(again.status_code(), 404);
}
