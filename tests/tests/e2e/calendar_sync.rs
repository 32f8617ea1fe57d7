//! The calendar with other calendars: an iCalendar file imported (again
//! without doubling), and each calendar's private feed, read back by an
//! independent parser (Python's `icalendar`) to the same events, served
//! without a session and refused once its address is replaced; nothing of
//! another practice.
//!
//! Invitations to people outside the practice arrive at the SMTP server
//! in their zone with the event attached (`METHOD:REQUEST`), again with a
//! higher `SEQUENCE` when it moves, and cancelled when it is deleted. A
//! CalDAV client library (Python's `caldav`, signed in with an app
//! password) finds the calendars, creates, lists, searches and deletes
//! events.
//!
//! The clients are `tests/clients/ics.py` and `tests/clients/caldav_client.py`.
//! Without Python's `icalendar` and `caldav` those tests are skipped
//! loudly, or fail when `IMMCASE_TEST_CALDAV=required` (as in CI).

#![allow(clippy::unwrap_used)] // A failed unwrap is a failed test.

use std::path::Path;
use std::process::Command;

use mail_parser::MimeHeaders;

use immcase_tests::calendar::{API, between, calendar_on};
use immcase_tests::{Api, Backend, TestServer, on_both_databases};
use serde_json::{Value, json};

on_both_databases!(
    an_ics_file_is_imported_once_with_its_zones_and_changed_occurrence,
    a_feed_reads_back_to_the_same_events_until_its_address_is_replaced,
    invitations_reach_people_outside_in_their_zone_and_follow_the_event,
    a_caldav_client_creates_lists_and_deletes_events,
    a_large_file_is_imported_in_batches_and_its_person_told,
);

/// As Outlook writes it: a Windows zone name, a weekly series with a
/// changed occurrence, and a time in UTC.
const OUTLOOK: &str = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Microsoft Corporation//Outlook 16.0 MIMEDIR//EN\r\n\
BEGIN:VEVENT\r\nUID:weekly-1\r\nSUMMARY:Weekly review\r\nDTSTART;TZID=Eastern Standard Time:20260302T090000\r\n\
DTEND;TZID=Eastern Standard Time:20260302T100000\r\nRRULE:FREQ=WEEKLY;COUNT=4\r\nEND:VEVENT\r\n\
BEGIN:VEVENT\r\nUID:weekly-1\r\nRECURRENCE-ID;TZID=Eastern Standard Time:20260316T090000\r\nSUMMARY:Weekly review (late)\r\n\
DTSTART;TZID=Eastern Standard Time:20260316T110000\r\nDTEND;TZID=Eastern Standard Time:20260316T120000\r\nEND:VEVENT\r\n\
BEGIN:VEVENT\r\nUID:call-2\r\nSUMMARY:Call with the visa office\r\nDTSTART:20260304T150000Z\r\nDURATION:PT30M\r\nEND:VEVENT\r\n\
END:VCALENDAR\r\n";

async fn import(api: &Api, text: &str) -> Value {
    api.send_text(&format!("{API}/import"), "text/calendar", text)
        .await
        .expect_status(200)
        .body
}

async fn an_ics_file_is_imported_once_with_its_zones_and_changed_occurrence(backend: Backend) {
    let server = TestServer::start(backend).await;
    let admin = calendar_on(&server).await;
    let first = import(&admin, OUTLOOK).await;
    assert_eq!(
        (first["created"].as_u64(), first["updated"].as_u64()),
        (Some(2), Some(1)),
        "{first}"
    );
    let items = between(&admin, "2026-03-01T00:00:00Z", "2026-03-31T00:00:00Z").await;
    let shown: Vec<(String, String)> = items
        .iter()
        .map(|e| {
            (
                e["start"].as_str().unwrap().to_string(),
                e["title"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        shown,
        [
            (
                "2026-03-02T09:00:00-05:00".to_string(),
                "Weekly review".to_string()
            ),
            (
                "2026-03-04T10:00:00-05:00".to_string(),
                "Call with the visa office".to_string()
            ),
            (
                "2026-03-09T09:00:00-04:00".to_string(),
                "Weekly review".to_string()
            ),
            (
                "2026-03-16T11:00:00-04:00".to_string(),
                "Weekly review (late)".to_string()
            ),
            (
                "2026-03-23T09:00:00-04:00".to_string(),
                "Weekly review".to_string()
            ),
        ]
    );
    // Again: nothing doubled.
    let again = import(&admin, OUTLOOK).await;
    assert_eq!(again["created"], 0, "{again}");
    assert_eq!(
        between(&admin, "2026-03-01T00:00:00Z", "2026-03-31T00:00:00Z")
            .await
            .len(),
        5
    );
    // Not iCalendar: refused, naming the file.
    let refused = admin
        .send_text(&format!("{API}/import"), "text/calendar", "hello")
        .await
        .expect_status(422);
    assert!(
        refused.body["error"]["fields"]["file"].is_string(),
        "{}",
        refused.text
    );
    // From the page, as a browser sends the form.
    let page = admin.get("/m/calendar/sync").await.expect_status(200);
    assert!(page.text.contains("Import a file"));
    let token = page.form_token();
    let form = reqwest::multipart::Form::new()
        .text("_csrf", token)
        .text("calendar", "")
        .part(
            "file",
            reqwest::multipart::Part::bytes(OUTLOOK.replace("weekly-1", "weekly-9").into_bytes())
                .file_name("outlook.ics")
                .mime_str("text/calendar")
                .unwrap(),
        );
    let done = admin.multipart("/m/calendar/import", form, false).await;
    // A new series; the call is the one imported before.
    assert!(
        done.text.contains("Imported: 1 new, 2 updated."),
        "{}",
        done.text
    );
    server.stop().await;
}

/// The events of an iCalendar document as Python's `icalendar` reads them.
fn parsed(text: &str) -> Option<Value> {
    let probe = Command::new("python3")
        .args(["-c", "import icalendar"])
        .output();
    if !probe.is_ok_and(|out| out.status.success()) {
        assert!(
            std::env::var("IMMCASE_TEST_CALDAV").as_deref() != Ok("required"),
            "IMMCASE_TEST_CALDAV=required but Python's icalendar is missing (pip install icalendar)"
        );
        eprintln!("SKIPPED: no Python icalendar (pip install icalendar)");
        return None;
    }
    use std::io::Write;
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("clients/ics.py");
    let mut child = Command::new("python3")
        .arg(script)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("python3 runs");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let answer = String::from_utf8_lossy(&out.stdout);
    Some(serde_json::from_str(answer.trim()).unwrap_or_else(|_| {
        panic!(
            "the parser answered {answer:?} ({})",
            String::from_utf8_lossy(&out.stderr)
        )
    }))
}

async fn a_feed_reads_back_to_the_same_events_until_its_address_is_replaced(backend: Backend) {
    let server = TestServer::start(backend).await;
    let admin = calendar_on(&server).await;
    let series = admin
        .post(
            &format!("{API}/events"),
            json!({ "title": "Team meeting", "start": "2026-03-02T09:00", "duration_minutes": 60,
                    "rrule": "FREQ=WEEKLY;BYDAY=MO;COUNT=6" }),
        )
        .await
        .expect_status(201)
        .body;
    let id = series["id"].as_str().unwrap();
    admin
        .delete(&format!(
            "{API}/events/{id}?occurrence=2026-03-09T09:00:00-04:00"
        ))
        .await
        .expect_status(204);
    admin
        .patch(
            &format!("{API}/events/{id}?occurrence=2026-03-16T09:00:00-04:00"),
            json!({ "start": "2026-03-16T13:00" }),
        )
        .await
        .expect_status(200);
    admin
        .post(
            &format!("{API}/events"),
            json!({ "title": "Biometrics deadline", "type": "deadline", "all_day": true, "start": "2026-03-20" }),
        )
        .await
        .expect_status(201);
    let calendars = admin
        .get(&format!("{API}/calendars"))
        .await
        .expect_status(200);
    let feed_url = calendars.body["items"][0]["feed_url"]
        .as_str()
        .unwrap()
        .to_string();
    let path = feed_url
        .split_once("://")
        .unwrap()
        .1
        .split_once('/')
        .unwrap()
        .1;
    let path = format!("/{path}");
    assert!(
        path.starts_with("/api/v1/m/calendar/feeds/") && path.ends_with(".ics"),
        "{path}"
    );

    // Without a session, as Google or Apple fetch it.
    let anonymous = server.api();
    let feed = anonymous.get(&path).await.expect_status(200);
    assert!(
        feed.header("content-type")
            .unwrap_or_default()
            .starts_with("text/calendar"),
        "{:?}",
        feed.headers
    );
    if let Some(read) = parsed(&feed.text) {
        let events = read["events"].as_array().unwrap();
        assert_eq!(events.len(), 3, "{read}");
        let master = events.iter().find(|e| e["rrule"].is_string()).unwrap();
        assert_eq!(master["summary"], "Team meeting");
        assert_eq!(master["start"], "2026-03-02T09:00:00-05:00");
        assert_eq!(master["tzid"], "America/Toronto");
        assert!(
            master["rrule"].as_str().unwrap().contains("FREQ=WEEKLY"),
            "{master}"
        );
        assert_eq!(master["exdates"], json!(["2026-03-09T09:00:00-04:00"]));
        let moved = events
            .iter()
            .find(|e| e["recurrence_id"].is_string())
            .unwrap();
        assert_eq!(moved["uid"], master["uid"]);
        assert_eq!(moved["recurrence_id"], "2026-03-16T09:00:00-04:00");
        assert_eq!(moved["start"], "2026-03-16T13:00:00-04:00");
        let deadline = events
            .iter()
            .find(|e| e["summary"] == "Biometrics deadline")
            .unwrap();
        assert_eq!(deadline["start"], "2026-03-20");
    }
    // A new address: the old one stops working.
    let calendar_id = calendars.body["items"][0]["id"].as_str().unwrap();
    admin
        .delete(&format!("{API}/calendars/{calendar_id}/feed"))
        .await
        .expect_status(204);
    anonymous.get(&path).await.expect_status(404);
    let renewed = admin
        .get(&format!("{API}/calendars"))
        .await
        .expect_status(200);
    assert_ne!(
        renewed.body["items"][0]["feed_url"].as_str().unwrap(),
        feed_url
    );
    // A token of one practice is nothing in another.
    let other = server
        .admin_of_new_practice("other", "boss@other.example", "another long passphrase")
        .await;
    other.set_module("calendar", true).await;
    let new_path = renewed.body["items"][0]["feed_url"]
        .as_str()
        .unwrap()
        .split_once("/api/")
        .unwrap()
        .1
        .to_string();
    server
        .api_for("other")
        .get(&format!("/api/{new_path}"))
        .await
        .expect_status(404);
    anonymous
        .get(&format!("/api/{new_path}"))
        .await
        .expect_status(200);
    server.stop().await;
}

/// The attachment of a received message with this file name: its content
/// type (parameters included) and text.
fn attachment(mail: &immcase_tests::ReceivedMail, name: &str) -> (String, String) {
    let parsed = mail_parser::MessageParser::default()
        .parse(&mail.raw)
        .unwrap();
    let part = parsed
        .attachments()
        .find(|a| a.attachment_name() == Some(name))
        .unwrap_or_else(|| panic!("no {name} in {}", String::from_utf8_lossy(&mail.raw)));
    let raw = String::from_utf8_lossy(&mail.raw);
    let method = part
        .content_type()
        .and_then(|c| c.attribute("method"))
        .unwrap_or_default()
        .to_string();
    assert!(raw.contains("text/calendar"), "{raw}");
    (
        method,
        String::from_utf8_lossy(part.contents()).into_owned(),
    )
}

async fn invitations_reach_people_outside_in_their_zone_and_follow_the_event(backend: Backend) {
    let server = TestServer::start(backend).await;
    let admin = calendar_on(&server).await;
    let event = admin
        .post(
            &format!("{API}/events"),
            json!({ "title": "Interview with Ana Díaz", "start": "2026-03-10T10:00", "duration_minutes": 60,
                    "participants": [{ "email": "ana.diaz@example.com", "name": "Ana Díaz", "time_zone": "Europe/Madrid" }] }),
        )
        .await
        .expect_status(201)
        .body;
    let id = event["id"].as_str().unwrap();
    // In her zone: 10:00 in Toronto is 15:00 in Madrid.
    let invitation = server
        .smtp
        .wait_for(
            "ana.diaz@example.com",
            "Invitation: Interview with Ana Díaz",
        )
        .await;
    assert!(
        invitation
            .subject()
            .contains("Tue 10 Mar 2026, 15:00 (Europe/Madrid)"),
        "{}",
        invitation.subject()
    );
    assert!(
        invitation.text().contains("Hello Ana Díaz,"),
        "{}",
        invitation.text()
    );
    let (method, ics) = attachment(&invitation, "invite.ics");
    assert_eq!(method, "REQUEST");
    if let Some(read) = parsed(&ics) {
        assert_eq!(read["method"], "REQUEST");
        assert_eq!(read["events"][0]["summary"], "Interview with Ana Díaz");
        assert_eq!(read["events"][0]["start"], "2026-03-10T10:00:00-04:00");
        assert_eq!(read["events"][0]["sequence"], 0);
    }
    // Moved: an update with a higher sequence.
    admin
        .patch(
            &format!("{API}/events/{id}"),
            json!({ "start": "2026-03-11T09:00" }),
        )
        .await
        .expect_status(200);
    let update = server
        .smtp
        .wait_for(
            "ana.diaz@example.com",
            "Updated invitation: Interview with Ana Díaz",
        )
        .await;
    assert!(
        update
            .subject()
            .contains("Wed 11 Mar 2026, 14:00 (Europe/Madrid)"),
        "{}",
        update.subject()
    );
    let (_, ics) = attachment(&update, "invite.ics");
    if let Some(read) = parsed(&ics) {
        assert_eq!(read["events"][0]["sequence"], 1);
        assert_eq!(read["events"][0]["uid"], event["uid"]);
    }
    // A change of notes alone sends nothing.
    admin
        .patch(
            &format!("{API}/events/{id}"),
            json!({ "notes": "Bring the passport" }),
        )
        .await
        .expect_status(200);
    // Deleted: the cancellation.
    admin
        .delete(&format!("{API}/events/{id}"))
        .await
        .expect_status(204);
    let cancelled = server
        .smtp
        .wait_for("ana.diaz@example.com", "Cancelled: Interview with Ana Díaz")
        .await;
    let (method, ics) = attachment(&cancelled, "cancel.ics");
    assert_eq!(method, "CANCEL");
    if let Some(read) = parsed(&ics) {
        assert_eq!(read["method"], "CANCEL");
        assert_eq!(read["events"][0]["sequence"], 2);
    }
    server.settle().await;
    let to_ana = server
        .smtp
        .received()
        .into_iter()
        .filter(|m| m.to.iter().any(|t| t == "ana.diaz@example.com"))
        .count();
    assert_eq!(to_ana, 3);
    server.stop().await;
}

/// Runs the CalDAV client; its JSON answer, or none when it is missing.
async fn caldav(server: &TestServer, password: &str, args: &[&str]) -> Option<Value> {
    let probe = Command::new("python3")
        .args(["-c", "import caldav"])
        .output();
    if !probe.is_ok_and(|out| out.status.success()) {
        assert!(
            std::env::var("IMMCASE_TEST_CALDAV").as_deref() != Ok("required"),
            "IMMCASE_TEST_CALDAV=required but Python's caldav is missing (pip install caldav)"
        );
        eprintln!("SKIPPED: no Python caldav (pip install caldav)");
        return None;
    }
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("clients/caldav_client.py");
    let url = format!("http://127.0.0.1:{}/dav/calendars/", server.addr.port());
    let mut command = Command::new("python3");
    command
        .arg(script)
        .args([url.as_str(), immcase_tests::ADMIN_EMAIL, password])
        .args(args);
    let out = tokio::task::spawn_blocking(move || command.output())
        .await
        .unwrap()
        .expect("python3 runs");
    let text = String::from_utf8_lossy(&out.stdout);
    let last = text.trim().lines().last().unwrap_or_default().to_string();
    Some(serde_json::from_str(&last).unwrap_or_else(|_| {
        panic!(
            "the CalDAV client answered {text:?} ({})",
            String::from_utf8_lossy(&out.stderr)
        )
    }))
}

const NEW_EVENT: &str = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Test//CalDAV//EN\r\nBEGIN:VEVENT\r\n\
UID:from-phone-1\r\nDTSTAMP:20260301T120000Z\r\nSUMMARY:Call from the phone\r\n\
DTSTART;TZID=America/Toronto:20260312T160000\r\nDTEND;TZID=America/Toronto:20260312T163000\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";

async fn a_caldav_client_creates_lists_and_deletes_events(backend: Backend) {
    let server = TestServer::start(backend).await;
    let admin = calendar_on(&server).await;
    admin
        .post(
            &format!("{API}/events"),
            json!({ "title": "Made in ImmCase", "start": "2026-03-05T09:00" }),
        )
        .await
        .expect_status(201);
    let made = admin
        .post(
            "/api/v1/me/app-passwords",
            json!({ "name": "Phone calendar" }),
        )
        .await
        .expect_status(201);
    let password = made.body["password"].as_str().unwrap().to_string();
    let Some(found) = caldav(&server, &password, &["calendars"]).await else {
        return;
    };
    assert_eq!(found["ok"], true, "{found}");
    assert_eq!(found["calendars"], json!(["My calendar"]));
    let created = caldav(&server, &password, &["create", "My calendar", NEW_EVENT])
        .await
        .unwrap();
    assert_eq!(created["ok"], true, "{created}");
    // In ImmCase, at its time.
    let items = between(&admin, "2026-03-01T00:00:00Z", "2026-03-31T00:00:00Z").await;
    let call = items
        .iter()
        .find(|e| e["title"] == "Call from the phone")
        .expect("the phone's event");
    assert_eq!(call["start"], "2026-03-12T16:00:00-04:00");
    assert_eq!(call["uid"], "from-phone-1");
    let listed = caldav(&server, &password, &["list", "My calendar"])
        .await
        .unwrap();
    assert_eq!(listed["ok"], true, "{listed}");
    let mut names: Vec<&str> = listed["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["summary"].as_str().unwrap())
        .collect();
    names.sort();
    assert_eq!(names, ["Call from the phone", "Made in ImmCase"]);
    let week = caldav(
        &server,
        &password,
        &[
            "search",
            "My calendar",
            "2026-03-09T00:00:00+00:00",
            "2026-03-16T00:00:00+00:00",
        ],
    )
    .await
    .unwrap();
    assert_eq!(week["ok"], true, "{week}");
    let names: Vec<&str> = week["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["summary"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Call from the phone"]);
    let deleted = caldav(
        &server,
        &password,
        &["delete", "My calendar", "from-phone-1"],
    )
    .await
    .unwrap();
    assert_eq!(deleted["ok"], true, "{deleted}");
    let items = between(&admin, "2026-03-01T00:00:00Z", "2026-03-31T00:00:00Z").await;
    assert!(items.iter().all(|e| e["title"] != "Call from the phone"));
    // A wrong password is refused; another practice's person finds nothing of these.
    let refused = caldav(&server, "not the password", &["calendars"])
        .await
        .unwrap();
    assert_eq!(refused["ok"], false, "{refused}");
    server.stop().await;
}

async fn a_large_file_is_imported_in_batches_and_its_person_told(backend: Backend) {
    let server = TestServer::start(backend).await;
    let admin = calendar_on(&server).await;
    let mut text = String::from("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Test//Import//EN\r\n");
    for n in 0..120 {
        let day = 1 + n % 28;
        text.push_str(&format!(
            "BEGIN:VEVENT\r\nUID:bulk-{n}\r\nSUMMARY:Bulk {n}\r\nDTSTART;TZID=America/Toronto:202604{day:02}T{:02}0000\r\nDURATION:PT30M\r\nEND:VEVENT\r\n",
            8 + n / 28
        ));
    }
    text.push_str("END:VCALENDAR\r\n");
    let queued = admin
        .send_text(&format!("{API}/import"), "text/calendar", &text)
        .await
        .expect_status(202);
    assert_eq!(queued.body["total"], 120, "{}", queued.text);
    let url = queued.body["url"].as_str().unwrap().to_string();
    let done = immcase_tests::eventually("the import to finish", || async {
        let status = admin.get(&url).await.expect_status(200).body;
        (status["status"] == "finished").then_some(status)
    })
    .await;
    assert_eq!(
        (done["created"].as_u64(), done["updated"].as_u64()),
        (Some(120), Some(0)),
        "{done}"
    );
    assert_eq!(
        between(&admin, "2026-04-01T00:00:00Z", "2026-05-01T00:00:00Z")
            .await
            .len(),
        120
    );
    let page = admin
        .get(&format!(
            "/m/calendar/imports/{}",
            done["id"].as_str().unwrap()
        ))
        .await
        .expect_status(200);
    assert!(
        page.text.contains("Imported: 120 new, 0 updated."),
        "{}",
        page.text
    );
    let bell = admin.get("/api/v1/notifications").await.expect_status(200);
    let texts = bell.body["items"].to_string();
    assert!(
        texts.contains("Import finished: 120 new, 0 updated, 0 not imported"),
        "{texts}"
    );
    // Another person does not see it.
    let (other, _) =
        immcase_tests::helpdesk::person(&server, &admin, "ana@example.com", &["module:calendar"])
            .await;
    other.get(&url).await.expect_status(404);
    server.stop().await;
}
