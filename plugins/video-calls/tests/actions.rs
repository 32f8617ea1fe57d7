//! The actions the calendar calls (`available`, `create-meeting`,
//! `get-meeting`, `update-meeting`, `delete-meeting`), on the SDK's native
//! test host.

mod common;

use common::{APP_ID, DAY, HOUR, MINUTE, NOW, Practice, SECRET};
use immcase_sdk::Caller;
use serde_json::json;
use video_calls::rules::{jwt, links, room_name};

#[test]
fn available_says_which_jitsi() {
    let practice = Practice::new();
    let answer = practice
        .host
        .call_action(&practice.ana, "available", &json!({}))
        .expect("available");
    assert_eq!(
        answer,
        json!({ "available": true, "provider": "Jitsi", "base_url": "https://meet.jit.si",
                "secured": false, "lobby": false })
    );
    let practice = practice.secured();
    let answer = practice
        .host
        .call_action(&Caller::host(), "available", &json!({}))
        .expect("available");
    assert_eq!(answer["base_url"], "https://meet.example.com");
    assert_eq!(answer["secured"], true);

    // An app id without its secret: no calls until it is fixed, said why.
    practice.host.set_setting("jwt_secret", "");
    let answer = practice
        .host
        .call_action(&practice.ana, "available", &json!({}))
        .expect("available");
    assert_eq!(answer["available"], false);
    let problem = answer["problem"].as_str().unwrap_or_default();
    assert!(problem.contains("JWT secret"), "{problem}");
    // Someone without video calls is refused by the host, as the calendar's
    // caller would be.
    let refused = practice
        .host
        .call_action(&practice.clerk, "available", &json!({}));
    assert_eq!(refused.map_err(|e| e.status()), Err(403));
}

#[test]
fn a_meeting_on_the_public_service_is_a_plain_link_to_an_unguessable_room() {
    let practice = Practice::new();
    let made = practice.interview(&practice.ana);
    let id = made["id"].as_str().expect("id");
    let room = made["room"].as_str().expect("room");
    assert!(room.starts_with("visa-interview-ana-diaz-"), "{room}");
    assert!(room_name::is_room_name(room), "{room}");
    assert_eq!(made["url"], format!("https://meet.jit.si/{room}"));
    assert_eq!(made["page"], format!("/m/video-calls/rooms/{id}"));
    assert_eq!(made["event_id"], "ev-1");
    assert_eq!(made["starts_at"], NOW + DAY);

    let stored = practice.host.document("rooms", id).expect("stored");
    assert_eq!(stored.data["owner_id"], "ana");
    assert_eq!(stored.data["room"], room);
    assert_eq!(stored.data["sort_at"], NOW + DAY);

    // Another meeting of the same title gets another room.
    let again = practice.interview(&practice.ana);
    assert_ne!(again["room"], made["room"]);
    // get-meeting answers the same.
    let got = practice
        .host
        .call_action(&practice.bo, "get-meeting", &json!({ "id": id }))
        .expect("get-meeting");
    assert_eq!(got, made);
}

#[test]
fn with_tokens_the_guest_link_is_signed_without_moderator_rights_until_after_the_end() {
    let practice = Practice::new().secured();
    let made = practice.interview(&practice.ana);
    let url = made["url"].as_str().expect("url");
    let room = made["room"].as_str().expect("room");
    assert!(
        url.starts_with(&format!("https://meet.example.com/{room}?jwt=")),
        "{url}"
    );
    let token = links::token_of(url).expect("a token");
    let claims = jwt::verify(token, SECRET.as_bytes()).expect("signed with the secret");
    assert!(jwt::verify(token, b"another secret").is_err());
    assert_eq!(claims["iss"], APP_ID);
    assert_eq!(claims["aud"], APP_ID);
    assert_eq!(claims["sub"], "*");
    assert_eq!(claims["room"], room);
    assert_eq!(claims["context"]["user"]["moderator"], "false");
    assert!(!jwt::is_moderator(&claims));
    // Valid now (to try the link) and until two hours after the end.
    let end = NOW + DAY + HOUR;
    assert_eq!(claims["exp"], (end + 2 * HOUR) / 1000);
    assert!(jwt::check_time(&claims, NOW / 1000).is_ok());
    assert!(jwt::check_time(&claims, (end + 2 * HOUR) / 1000).is_err());
    // The link stays the same for the same call.
    let id = made["id"].clone();
    practice.host.advance(10 * MINUTE);
    let got = practice
        .host
        .call_action(&practice.ana, "get-meeting", &json!({ "id": id }))
        .expect("get-meeting");
    assert_eq!(got["url"], made["url"]);
}

#[test]
fn the_lobby_setting_makes_guests_knock() {
    let practice = Practice::new();
    practice.host.set_setting("lobby", true);
    let made = practice.interview(&practice.ana);
    let url = made["url"].as_str().expect("url");
    assert!(url.ends_with("#config.lobby.autoKnock=true"), "{url}");
}

#[test]
fn moving_the_event_moves_the_guest_links_end() {
    let practice = Practice::new().secured();
    let made = practice.interview(&practice.ana);
    let later = NOW + 3 * DAY;
    let moved = practice
        .host
        .call_action(
            &practice.bo,
            "update-meeting",
            &json!({ "id": made["id"], "title": "Interview (moved)", "starts_at": later,
                     "ends_at": later + HOUR, "event_id": "ev-1" }),
        )
        .expect("the calendar moves its event's call");
    assert_eq!(moved["room"], made["room"], "the room stays");
    assert_eq!(moved["title"], "Interview (moved)");
    let token = links::token_of(moved["url"].as_str().unwrap_or_default()).expect("token");
    let claims = jwt::verify(token, SECRET.as_bytes()).expect("signed");
    assert_eq!(claims["exp"], (later + 3 * HOUR) / 1000);

    // Without the event, only its maker or a manager changes it.
    let refused = practice.host.call_action(
        &practice.bo,
        "update-meeting",
        &json!({ "id": made["id"], "title": "Mine now" }),
    );
    assert_eq!(refused.map_err(|e| e.status()), Err(403));
}

#[test]
fn deleting_the_event_deletes_its_call_once() {
    let practice = Practice::new();
    let made = practice.interview(&practice.ana);
    let id = made["id"].clone();
    // A colleague may not delete someone else's call on its own...
    let refused = practice
        .host
        .call_action(&practice.bo, "delete-meeting", &json!({ "id": id }));
    assert_eq!(refused.map_err(|e| e.status()), Err(403));
    // ...but the calendar deleting the call's event does.
    let deleted = practice
        .host
        .call_action(
            &practice.bo,
            "delete-meeting",
            &json!({ "id": id, "event_id": "ev-1" }),
        )
        .expect("deleted");
    assert_eq!(deleted, json!({ "deleted": true }));
    assert!(practice.host.documents("rooms").is_empty());
    // Again: nothing to delete, no error (the calendar may retry).
    let again = practice
        .host
        .call_action(&practice.ana, "delete-meeting", &json!({ "id": id }))
        .expect("idempotent");
    assert_eq!(again, json!({ "deleted": false }));
    let gone = practice
        .host
        .call_action(&practice.ana, "get-meeting", &json!({ "id": id }));
    assert_eq!(gone.map_err(|e| e.status()), Err(404));
}

#[test]
fn wrong_input_is_refused_field_by_field_and_keeps_nothing() {
    let practice = Practice::new();
    let refused = practice
        .host
        .call_action(
            &practice.ana,
            "create-meeting",
            &json!({ "title": " ", "starts_at": NOW, "ends_at": NOW - 1, "event_id": "a b" }),
        )
        .expect_err("refused");
    assert_eq!(refused.status(), 422);
    // An action's error reaches its caller as a message naming each field.
    assert_eq!(
        refused.message(),
        "title: required; ends_at: before the start; event_id: not an event id"
    );
    let not_json =
        practice
            .host
            .call_action(&practice.ana, "create-meeting", &json!({ "title": 5 }));
    assert_eq!(not_json.map_err(|e| e.status()), Err(422));
    // Settings that make links the server would refuse: no meeting.
    practice.host.set_setting("jwt_app_id", APP_ID);
    let unset = practice
        .host
        .call_action(&practice.ana, "create-meeting", &json!({ "title": "Call" }))
        .expect_err("refused");
    assert_eq!(unset.status(), 422);
    assert!(
        unset.message().contains("JWT secret"),
        "{}",
        unset.message()
    );
    assert!(practice.host.documents("rooms").is_empty());
    let unknown = practice
        .host
        .call_action(&practice.ana, "record-meeting", &json!({}));
    assert_eq!(unknown.map_err(|e| e.status()), Err(404));
}

#[test]
fn a_workflow_makes_calls_too() {
    let practice = Practice::new();
    let made = practice.create(&Caller::host(), json!({ "title": "Weekly review" }));
    let stored = practice
        .host
        .document("rooms", made["id"].as_str().unwrap_or_default())
        .expect("stored");
    assert!(stored.data["owner_id"].is_null());
    assert_eq!(stored.data["sort_at"], NOW, "no time: sorted when made");
}
