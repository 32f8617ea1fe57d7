//! The calendar module against the real host, on the manual clock: events
//! in each view across a daylight-saving change seen from two zones, a
//! series with a removed and a moved occurrence, reminders sent exactly
//! once (across restarts, after a move, not after a delete, late after the
//! server was stopped), a closed case's events kept, and practices apart.

#![allow(clippy::unwrap_used)] // A failed unwrap is a failed test.

use immcase_tests::calendar::{API, between, close_case, create, move_clock_to};
use immcase_tests::helpdesk::person;
use immcase_tests::{Api, Backend, TestServer, on_both_databases};
use jiff::SignedDuration;
use serde_json::{Value, json};

on_both_databases!(
    views_across_a_clock_change_seen_from_two_zones,
    a_series_keeps_a_removed_and_a_moved_occurrence,
    reminders_go_out_once_across_restarts_moves_and_deletes,
    a_reminder_missed_while_stopped_goes_out_late_once,
    a_closed_cases_events_are_kept,
    calendars_follow_who_may_read_them_and_practices_stay_apart,
    bad_input_is_refused_naming_each_field,
);

/// Sets a person's profile time zone.
async fn set_zone(admin: &Api, user_id: &str, zone: &str) {
    let user = admin
        .get(&format!("/api/v1/users/{user_id}"))
        .await
        .expect_status(200);
    admin
        .patch(
            &format!("/api/v1/users/{user_id}"),
            json!({ "time_zone": zone, "version": user.body["version"] }),
        )
        .await
        .expect_status(200);
}

async fn my_id(api: &Api) -> String {
    let me = api.get("/api/v1/me").await.expect_status(200);
    me.body["user"]["id"].as_str().unwrap().to_string()
}

/// An administrator in Toronto with the calendar on.
async fn toronto_admin(server: &TestServer) -> (Api, String) {
    let admin = server.admin().await;
    admin.set_module("calendar", true).await;
    let id = my_id(&admin).await;
    set_zone(&admin, &id, "America/Toronto").await;
    (admin, id)
}

fn id(value: &Value) -> &str {
    value["id"].as_str().unwrap()
}

fn starts(items: &[Value]) -> Vec<String> {
    items
        .iter()
        .map(|e| e["start"].as_str().unwrap().to_string())
        .collect()
}

async fn views_across_a_clock_change_seen_from_two_zones(backend: Backend) {
    let server = TestServer::start(backend).await;
    move_clock_to(&server, "2026-02-20 12:00");
    let (admin, _) = toronto_admin(&server).await;
    let (colleague, colleague_id) =
        person(&server, &admin, "cdmx@example.com", &["module:calendar"]).await;
    set_zone(&admin, &colleague_id, "America/Mexico_City").await;
    let team = admin
        .post(
            &format!("{API}/calendars"),
            json!({ "name": "Junior consultants", "sharing": "team", "colour": "purple",
                    "members": [colleague_id] }),
        )
        .await
        .expect_status(201);
    let team_id = team.body["id"].as_str().unwrap();
    // Weekly at 9:00 in Toronto, from before the clocks go forward on
    // 8 March 2026 (Mexico City no longer changes).
    let meeting = create(
        &admin,
        json!({ "title": "Team meeting", "type": "internal_meeting", "calendar_id": team_id,
                "start": "2026-02-23T09:00", "duration_minutes": 60, "rrule": "FREQ=WEEKLY;BYDAY=MO" }),
    )
    .await;
    assert_eq!(meeting["start"], "2026-02-23T09:00:00-05:00");
    assert_eq!(meeting["time_zone"], "America/Toronto");

    // The API: 9:00 in Toronto every week, before and after.
    let items = between(&admin, "2026-03-01T00:00:00Z", "2026-03-20T00:00:00Z").await;
    assert_eq!(
        starts(&items),
        [
            "2026-03-02T09:00:00-05:00",
            "2026-03-09T09:00:00-04:00",
            "2026-03-16T09:00:00-04:00"
        ]
    );
    assert!(items.iter().all(|e| e["id"] == meeting["id"]));
    assert_eq!(items[1]["occurrence"], "2026-03-09T09:00:00-04:00");
    // The colleague reads the same range in her zone: 8:00, then 7:00.
    let theirs = between(
        &colleague,
        "2026-03-01T00:00:00-06:00",
        "2026-03-20T00:00:00-06:00",
    )
    .await;
    assert_eq!(theirs.len(), 3);

    // Chips show the start; the agenda the start and the end.
    let chip = |time: &str, view: &str| {
        let time = match (view, time) {
            ("agenda", "09:00") => "09:00–10:00",
            ("agenda", "08:00") => "08:00–09:00",
            ("agenda", _) => "07:00–08:00",
            _ => time,
        };
        format!("<span class=\"t\">{time}</span>Team meeting")
    };
    for view in ["week", "day", "month", "agenda"] {
        for (date, toronto, cdmx) in [
            ("2026-03-02", "09:00", "08:00"),
            ("2026-03-09", "09:00", "07:00"),
        ] {
            let path = match view {
                "month" => format!("/m/calendar/?date={date}"),
                other => format!("/m/calendar/{other}?date={date}"),
            };
            let mine = admin.get(&path).await.expect_status(200).text;
            assert!(
                mine.contains(&chip(toronto, view)),
                "{view} {date} in Toronto: {mine}"
            );
            let hers = colleague.get(&path).await.expect_status(200).text;
            assert!(
                hers.contains(&chip(cdmx, view)),
                "{view} {date} in Mexico City: {hers}"
            );
        }
    }
    // Not in the week before the series starts.
    let before = admin
        .get("/m/calendar/week?date=2026-02-16")
        .await
        .expect_status(200)
        .text;
    assert!(!before.contains("Team meeting"));
    // The month offers the new-event form for each day; the week for each hour.
    let month = admin.get("/m/calendar/?date=2026-03-09").await.text;
    assert!(month.contains("href=\"/m/calendar/new?date=2026-03-09\""));
    let week = admin.get("/m/calendar/week?date=2026-03-09").await.text;
    assert!(week.contains("href=\"/m/calendar/new?start=2026-03-10T14:00\""));
    let form = admin
        .get("/m/calendar/new?start=2026-03-10T14:00")
        .await
        .expect_status(200)
        .text;
    assert!(form.contains("value=\"2026-03-10T14:00\""), "{form}");
    server.stop().await;
}

async fn a_series_keeps_a_removed_and_a_moved_occurrence(backend: Backend) {
    let server = TestServer::start(backend).await;
    move_clock_to(&server, "2026-03-01 08:00");
    let (admin, _) = toronto_admin(&server).await;
    let series = create(
        &admin,
        json!({ "title": "Daily check-in", "start": "2026-03-02T10:00", "duration_minutes": 30,
                "rrule": "FREQ=DAILY;COUNT=5" }),
    )
    .await;
    let id = series["id"].as_str().unwrap();
    // The third is cancelled, the fourth moved to the afternoon.
    admin
        .delete(&format!(
            "{API}/events/{id}?occurrence=2026-03-04T10:00:00-05:00"
        ))
        .await
        .expect_status(204);
    let moved = admin
        .patch(
            &format!("{API}/events/{id}?occurrence=2026-03-05T10:00:00-05:00"),
            json!({ "start": "2026-03-05T15:00", "title": "Check-in (moved)" }),
        )
        .await
        .expect_status(200);
    assert_eq!(moved.body["recurrence_of"], series["id"]);
    assert_eq!(moved.body["recurrence_id"], "2026-03-05T10:00:00-05:00");
    assert_eq!(moved.body["end"], "2026-03-05T15:30:00-05:00");

    let items = between(&admin, "2026-03-01T00:00:00Z", "2026-03-10T00:00:00Z").await;
    assert_eq!(
        starts(&items),
        [
            "2026-03-02T10:00:00-05:00",
            "2026-03-03T10:00:00-05:00",
            "2026-03-05T15:00:00-05:00",
            "2026-03-06T10:00:00-05:00"
        ]
    );
    assert_eq!(items[2]["title"], "Check-in (moved)");
    let kept = admin
        .get(&format!("{API}/events/{id}"))
        .await
        .expect_status(200);
    assert_eq!(kept.body["exceptions"].as_array().unwrap().len(), 2);

    // Pages: the week shows the moved one in its hour and no cancelled one.
    let week = admin.get("/m/calendar/week?date=2026-03-02").await.text;
    assert!(week.contains("<span class=\"t\">15:00</span>Check-in (moved)"));
    assert_eq!(week.matches("Daily check-in</a>").count(), 3, "{week}");
    // Deleting the whole series takes the moved occurrence with it.
    admin
        .delete(&format!("{API}/events/{id}"))
        .await
        .expect_status(204);
    assert!(
        between(&admin, "2026-03-01T00:00:00Z", "2026-03-10T00:00:00Z")
            .await
            .is_empty()
    );
    server.stop().await;
}

fn reminder_mails(server: &TestServer, to: &str, title: &str) -> Vec<String> {
    server
        .smtp
        .received()
        .iter()
        .filter(|m| m.to.iter().any(|t| t == to) && m.subject().contains(title))
        .map(|m| m.subject())
        .collect()
}

async fn reminders_go_out_once_across_restarts_moves_and_deletes(backend: Backend) {
    let mut server = TestServer::start(backend).await;
    move_clock_to(&server, "2026-03-01 08:00");
    let (admin, _) = toronto_admin(&server).await;
    let (_, colleague_id) = person(&server, &admin, "ana@example.com", &["module:calendar"]).await;
    // A deadline with its escalated reminders (1 week, 3 days, 1 day).
    let deadline = create(
        &admin,
        json!({ "title": "CAS118 submission", "type": "deadline", "critical": true,
                "start": "2026-03-20T17:00", "participants": [{ "person_id": colleague_id }] }),
    )
    .await;
    assert_eq!(deadline["reminders"], json!([10080, 4320, 1440]));
    // An interview 15 minutes and 1 day ahead, that moves a day later.
    let interview = create(
        &admin,
        json!({ "title": "Interview Garcia", "start": "2026-03-10T10:00", "reminders": [15, 1440] }),
    )
    .await;
    // A call that is cancelled.
    let call = create(
        &admin,
        json!({ "title": "Call Osei", "start": "2026-03-10T11:00" }),
    )
    .await;

    let moved = admin
        .patch(
            &format!("{API}/events/{}", id(&interview)),
            json!({ "start": "2026-03-11T10:00", "version": interview["version"] }),
        )
        .await
        .expect_status(200);
    assert_eq!(moved.body["start"], "2026-03-11T10:00:00-04:00");
    admin
        .delete(&format!(
            "{API}/events/{}?version={}",
            id(&call),
            call["version"]
        ))
        .await
        .expect_status(204);

    // A day before the interview's old time: nothing for it.
    move_clock_to(&server, "2026-03-09 10:05");
    server.settle().await;
    assert!(reminder_mails(&server, "admin@immcase.test", "Interview Garcia").is_empty());
    assert!(reminder_mails(&server, "admin@immcase.test", "Call Osei").is_empty());
    // A day before its new time: the 1-day reminder, once.
    move_clock_to(&server, "2026-03-10 10:01");
    server.settle().await;
    let mail = server
        .smtp
        .wait_for("admin@immcase.test", "Interview Garcia in 1 day")
        .await;
    assert!(
        mail.text()
            .contains("Wed 11 Mar 2026, 10:00 (America/Toronto)"),
        "{}",
        mail.text()
    );

    // A restart loses none, and repeats none.
    server.restart().await;
    move_clock_to(&server, "2026-03-11 09:46");
    server
        .smtp
        .wait_for("admin@immcase.test", "Interview Garcia in 15 minutes")
        .await;
    server.settle().await;
    assert_eq!(
        reminder_mails(&server, "admin@immcase.test", "Interview Garcia").len(),
        2
    );

    // The deadline: each lead time once, to the participant and its author.
    for (at, lead) in [
        ("2026-03-13 17:01", "1 week"),
        ("2026-03-17 17:01", "3 days"),
        ("2026-03-19 17:01", "1 day"),
    ] {
        move_clock_to(&server, at);
        server
            .smtp
            .wait_for("ana@example.com", &format!("CAS118 submission in {lead}"))
            .await;
    }
    server.restart().await;
    move_clock_to(&server, "2026-03-21 09:00");
    server.settle().await;
    assert_eq!(
        reminder_mails(&server, "ana@example.com", "CAS118 submission").len(),
        3
    );
    assert!(reminder_mails(&server, "admin@immcase.test", "Call Osei").is_empty());
    assert_eq!(
        reminder_mails(&server, "admin@immcase.test", "Interview Garcia").len(),
        2
    );
    // Under the bell too.
    let ana = server.api();
    ana.sign_in("ana@example.com", "a member's long passphrase")
        .await
        .expect_status(200);
    let bell = ana.get("/api/v1/notifications").await.expect_status(200);
    let texts: Vec<&str> = bell.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|n| n["text"].as_str())
        .collect();
    assert_eq!(
        texts
            .iter()
            .filter(|t| t.contains("CAS118 submission"))
            .count(),
        3,
        "{texts:?}"
    );
    assert!(
        texts
            .iter()
            .all(|t| t.starts_with("Critical deadline: CAS118 submission")),
        "{texts:?}"
    );
    server.stop().await;
}

async fn a_reminder_missed_while_stopped_goes_out_late_once(backend: Backend) {
    let mut server = TestServer::start(backend).await;
    move_clock_to(&server, "2026-03-01 08:00");
    let (admin, _) = toronto_admin(&server).await;
    create(
        &admin,
        json!({ "title": "Biometrics Osei", "start": "2026-03-01T10:00", "reminders": [60] }),
    )
    .await;
    // Stopped from 8:00 until 11:30: the 9:00 reminder is missed.
    server.restart_after(SignedDuration::from_mins(210)).await;
    let mail = server
        .smtp
        .wait_for("admin@immcase.test", "Late reminder: Biometrics Osei")
        .await;
    assert!(
        mail.text().contains(
            "it was due Sun 1 Mar 2026, 09:00 (America/Toronto), while ImmCase was not running"
        ),
        "{}",
        mail.text()
    );
    server.restart().await;
    move_clock_to(&server, "2026-03-02 12:00");
    server.settle().await;
    assert_eq!(
        reminder_mails(&server, "admin@immcase.test", "Biometrics Osei").len(),
        1
    );
    server.stop().await;
}

async fn a_closed_cases_events_are_kept(backend: Backend) {
    let server = TestServer::start(backend).await;
    move_clock_to(&server, "2026-03-01 08:00");
    let (admin, _) = toronto_admin(&server).await;
    let applicant = admin.add_applicant("Osei").await;
    let case = admin.open_case(&applicant, "work_permit").await;
    let case_id = case["id"].as_str().unwrap();
    let meeting = create(
        &admin,
        json!({ "title": "Intake meeting", "start": "2026-03-02T10:00", "case_id": case_id }),
    )
    .await;
    // The case names its applicant.
    assert_eq!(meeting["applicant_id"], applicant.as_str());
    close_case(&admin, case_id, json!({ "closing_date": "2026-03-05" })).await;
    let refused = admin
        .delete(&format!("{API}/events/{}", id(&meeting)))
        .await
        .expect_status(409);
    assert!(
        refused.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("is closed"),
        "{}",
        refused.text
    );
    // The page says so where the button was.
    let page = admin
        .get(&format!("/m/calendar/events/{}", id(&meeting)))
        .await
        .expect_status(200);
    let token = page.form_token();
    let version = meeting["version"].to_string();
    let on_page = admin
        .post_form(
            &format!("/m/calendar/events/{}/delete", id(&meeting)),
            &[("_csrf", &token), ("version", &version)],
        )
        .await
        .expect_status(409);
    assert!(
        on_page.text.contains("is closed: its events are kept"),
        "{}",
        on_page.text
    );
    admin
        .get(&format!("{API}/events/{}", id(&meeting)))
        .await
        .expect_status(200);
    server.stop().await;
}

async fn calendars_follow_who_may_read_them_and_practices_stay_apart(backend: Backend) {
    let server = TestServer::start(backend).await;
    move_clock_to(&server, "2026-03-01 08:00");
    let (admin, _) = toronto_admin(&server).await;
    let (ana, _) = person(&server, &admin, "ana@example.com", &["module:calendar"]).await;
    let public = admin
        .post(
            &format!("{API}/calendars"),
            json!({ "name": "Global deadlines", "sharing": "public", "colour": "red" }),
        )
        .await
        .expect_status(201);
    let private = create(
        &admin,
        json!({ "title": "Admin's dentist", "start": "2026-03-03T10:00" }),
    )
    .await;
    let shared = create(
        &admin,
        json!({ "title": "IRCC portal maintenance", "start": "2026-03-04T10:00",
                "calendar_id": public.body["id"] }),
    )
    .await;
    // Ana reads the public calendar, not the admin's own; she may not add to it.
    let hers = between(&ana, "2026-03-01T00:00:00Z", "2026-03-10T00:00:00Z").await;
    assert_eq!(hers.len(), 1);
    assert_eq!(hers[0]["id"], shared["id"]);
    ana.get(&format!("{API}/events/{}", id(&private)))
        .await
        .expect_status(404);
    let refused = ana
        .post(
            &format!("{API}/events"),
            json!({ "title": "Mine", "start": "2026-03-05T10:00", "calendar_id": public.body["id"] }),
        )
        .await
        .expect_status(403);
    assert!(refused.text.contains("Global deadlines"));
    let names: Vec<Value> = ana
        .get(&format!("{API}/calendars"))
        .await
        .expect_status(200)
        .body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].clone())
        .collect();
    assert_eq!(names, [json!("My calendar"), json!("Global deadlines")]);
    // The side panel's choice is kept: without the public calendar, Ana's
    // month has none of its events.
    let month = ana
        .get("/m/calendar/?date=2026-03-04")
        .await
        .expect_status(200);
    assert!(month.text.contains("IRCC portal maintenance"));
    let token = month.form_token();
    ana.post_form(
        "/m/calendar/shown",
        &[("_csrf", &token), ("back", "/m/calendar/?date=2026-03-04")],
    )
    .await;
    let month = ana
        .get("/m/calendar/?date=2026-03-04")
        .await
        .expect_status(200);
    assert!(!month.text.contains("IRCC portal maintenance"));

    // Another practice sees none of it.
    let other = server
        .admin_of_new_practice("other", "boss@other.example", "another long passphrase")
        .await;
    other.set_module("calendar", true).await;
    other
        .get(&format!("{API}/events/{}", id(&shared)))
        .await
        .expect_status(404);
    assert!(
        between(&other, "2026-03-01T00:00:00Z", "2026-03-10T00:00:00Z")
            .await
            .is_empty()
    );
    let theirs = other
        .get(&format!("{API}/calendars"))
        .await
        .expect_status(200);
    assert_eq!(theirs.body["items"].as_array().unwrap().len(), 1);
    server.stop().await;
}

async fn bad_input_is_refused_naming_each_field(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (admin, _) = toronto_admin(&server).await;
    let refused = admin
        .post(
            &format!("{API}/events"),
            json!({ "title": "", "type": "party", "start": "soon", "rrule": "FREQ=HOURLY",
                    "reminders": [-1], "time_zone": "Mars/Olympus",
                    "participants": [{ "email": "nobody" }] }),
        )
        .await
        .expect_status(422);
    for field in [
        "title",
        "type",
        "start",
        "reminders",
        "time_zone",
        "participants",
    ] {
        assert!(
            refused.body["error"]["fields"][field].is_string(),
            "{field}: {}",
            refused.text
        );
    }
    let missing = admin
        .post(
            &format!("{API}/events"),
            json!({ "title": "Call", "start": "2026-03-02T10:00", "case_id": "nope" }),
        )
        .await
        .expect_status(422);
    assert_eq!(missing.body["error"]["fields"]["case_id"], "no such case");
    admin
        .get(&format!("{API}/events?from=2026-03-01T00:00:00Z"))
        .await
        .expect_status(422);
    // The form keeps what was typed and names the problem.
    let form = admin
        .get("/m/calendar/new?date=2026-03-02")
        .await
        .expect_status(200);
    let token = form.form_token();
    let page = admin
        .post_form(
            "/m/calendar/events",
            &[
                ("_csrf", &token),
                ("title", "Interview"),
                ("type", "appointment"),
                ("start", "2026-03-02T10:00"),
                ("end", "2026-03-02T09:00"),
                ("time_zone", "America/Toronto"),
                ("notes", "Bring the passport"),
            ],
        )
        .await
        .expect_status(422);
    assert!(
        page.text.contains("must not be before the start"),
        "{}",
        page.text
    );
    assert!(page.text.contains("Bring the passport"));
    assert!(page.text.contains("value=\"Interview\""));
    // A deadline from the form, its reminder boxes as they came: the
    // escalated reminders of a deadline.
    let saved = admin
        .post_form(
            "/m/calendar/events",
            &[
                ("_csrf", &token),
                ("title", "CAS007 submission"),
                ("type", "deadline"),
                ("start", "2026-03-20T17:00"),
                ("time_zone", "America/Toronto"),
                ("lead", "15"),
            ],
        )
        .await
        .expect_status(303);
    let location = saved.header("location").unwrap();
    let id = location.rsplit('/').next().unwrap();
    let deadline = admin
        .get(&format!("{API}/events/{id}"))
        .await
        .expect_status(200);
    assert_eq!(deadline.body["reminders"], json!([10080, 4320, 1440]));
    server.stop().await;
}
