//! The calendar between colleagues: an event shows to the people taking
//! part wherever it is kept, and team availability shows busy blocks with
//! titles only where the viewer may read them, the times all are free, and
//! nothing of another practice.

#![allow(clippy::unwrap_used)] // A failed unwrap is a failed test.

use immcase_host::clock::Clock;
use immcase_tests::calendar::{API, create};
use immcase_tests::helpdesk::person;
use immcase_tests::{Backend, TestServer, on_both_databases};
use jiff::Timestamp;
use serde_json::json;

on_both_databases!(
    participants_see_their_events_and_availability_hides_what_others_may_not_read,
    managers_keep_shared_calendars_from_their_page,
);

async fn participants_see_their_events_and_availability_hides_what_others_may_not_read(
    backend: Backend,
) {
    let server = TestServer::start(backend).await;
    let local: jiff::civil::DateTime = "2026-03-01T08:00".parse().unwrap();
    let target: Timestamp = local.in_tz("America/Toronto").unwrap().timestamp();
    server
        .clock
        .advance(target.duration_since(server.clock.now()));
    let admin = server.admin().await;
    admin.set_module("calendar", true).await;
    let calendar = ["module:calendar"];
    let (ana, ana_id) = person(&server, &admin, "ana@example.com", &calendar).await;
    let (ben, ben_id) = person(&server, &admin, "ben@example.com", &calendar).await;
    let (carl, _) = person(&server, &admin, "carl@example.com", &calendar).await;
    create(
        &ana,
        json!({ "title": "Dentist", "start": "2026-03-03T10:00", "duration_minutes": 60 }),
    )
    .await;
    let sync = create(
        &admin,
        json!({ "title": "Team sync", "type": "internal_meeting", "start": "2026-03-03T14:00",
                "duration_minutes": 60, "participants": [{ "person_id": ben_id }] }),
    )
    .await;

    // Ben takes part: he reads it and it shows in his week, kept in the
    // administrator's own calendar.
    ben.get(&format!("{API}/events/{}", sync["id"].as_str().unwrap()))
        .await
        .expect_status(200);
    let week = ben
        .get("/m/calendar/week?date=2026-03-03")
        .await
        .expect_status(200)
        .text;
    assert!(week.contains("Team sync"), "{week}");
    carl.get(&format!("{API}/events/{}", sync["id"].as_str().unwrap()))
        .await
        .expect_status(404);

    let range = "from=2026-03-03T00:00:00-05:00&to=2026-03-04T00:00:00-05:00";
    let asked = format!("{API}/availability?people={ana_id},{ben_id}&{range}");
    let seen_by_carl = carl.get(&asked).await.expect_status(200).body;
    let people = seen_by_carl["people"].as_array().unwrap();
    assert_eq!(people.len(), 2);
    assert_eq!(people[0]["busy"].as_array().unwrap().len(), 1);
    assert!(people[0]["busy"][0]["title"].is_null(), "{seen_by_carl}");
    assert!(people[1]["busy"][0]["title"].is_null(), "{seen_by_carl}");
    let seen_by_ben = ben.get(&asked).await.expect_status(200).body;
    assert!(seen_by_ben["people"][0]["busy"][0]["title"].is_null());
    assert_eq!(seen_by_ben["people"][1]["busy"][0]["title"], "Team sync");
    let seen_by_admin = admin.get(&asked).await.expect_status(200).body;
    assert_eq!(seen_by_admin["people"][0]["busy"][0]["title"], "Dentist");

    // The page: busy blocks without titles, and the common free times
    // within working hours, each offering a meeting with both.
    let page = carl
        .get(&format!(
            "/m/calendar/availability?people={ana_id}&people={ben_id}&date=2026-03-03"
        ))
        .await
        .expect_status(200)
        .text;
    assert!(
        page.contains("<span class=\"t\">10:00–11:00</span>Busy"),
        "{page}"
    );
    assert!(page.contains("<span class=\"t\">14:00–15:00</span>Busy"));
    assert!(!page.contains("Dentist") && !page.contains("Team sync"));
    for free in ["08:00–10:00", "11:00–14:00", "15:00–18:00"] {
        assert!(
            page.contains(&format!("{free} · schedule a meeting")),
            "{free}: {page}"
        );
    }
    assert!(page.contains(&format!(
        "/m/calendar/new?start=2026-03-03T11:00&amp;type=internal_meeting&amp;people={ana_id},{ben_id}"
    )));

    // Another practice learns nothing of these people.
    let other = server
        .admin_of_new_practice("other", "boss@other.example", "another long passphrase")
        .await;
    other.set_module("calendar", true).await;
    let theirs = other.get(&asked).await.expect_status(200).body;
    assert!(theirs["people"].as_array().unwrap().is_empty(), "{theirs}");
    server.stop().await;
}

async fn managers_keep_shared_calendars_from_their_page(backend: Backend) {
    let server = TestServer::start(backend).await;
    let admin = server.admin().await;
    admin.set_module("calendar", true).await;
    let (ana, ana_id) = person(&server, &admin, "ana@example.com", &["module:calendar"]).await;
    let page = admin.get("/m/calendar/calendars").await.expect_status(200);
    assert!(
        page.text
            .contains("No team or practice-wide calendars yet.")
    );
    let token = page.form_token();
    // A mistake shows the form again with the problem.
    let refused = admin
        .post_form(
            "/m/calendar/calendars",
            &[
                ("_csrf", &token),
                ("name", ""),
                ("sharing", "team"),
                ("colour", "purple"),
            ],
        )
        .await
        .expect_status(422);
    assert!(
        refused.text.contains("1 to 80 characters"),
        "{}",
        refused.text
    );
    admin
        .post_form(
            "/m/calendar/calendars",
            &[
                ("_csrf", &token),
                ("name", "Junior consultants"),
                ("sharing", "team"),
                ("colour", "purple"),
                ("members", &ana_id),
            ],
        )
        .await
        .expect_status(303);
    let listed = admin
        .get("/m/calendar/calendars")
        .await
        .expect_status(200)
        .text;
    assert!(
        listed.contains("Junior consultants") && listed.contains("members: ana@example.com"),
        "{listed}"
    );
    // Ana, a member, has it; she may not keep calendars.
    let hers = ana
        .get(&format!("{API}/calendars"))
        .await
        .expect_status(200);
    let names: Vec<&str> = hers.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["My calendar", "Junior consultants"]);
    ana.get("/m/calendar/calendars").await.expect_status(403);
    server.stop().await;
}
