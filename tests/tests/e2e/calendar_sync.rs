//! The calendar with other calendars: an iCalendar file imported (again
//! without doubling), and each calendar's private feed, read back by an
//! independent parser (Python's `icalendar`) to the same events, served
//! without a session and refused once its address is replaced; nothing of
//! another practice.
//!
//! The parser is `tests/clients/ics.py`. Without Python's `icalendar` the
//! feed test is skipped loudly, or fails when
//! `IMMCASE_TEST_CALDAV=required` (as in CI).

#![allow(clippy::unwrap_used)] // A failed unwrap is a failed test.

use std::path::Path;
use std::process::Command;

use immcase_host::clock::Clock;
use immcase_tests::{Api, Backend, TestServer, on_both_databases};
use jiff::Timestamp;
use serde_json::{Value, json};

on_both_databases!(an_ics_file_is_imported_once_with_its_zones_and_changed_occurrence,);

const API: &str = "/api/v1/m/calendar";

async fn start(server: &TestServer) -> Api {
    let local: jiff::civil::DateTime = "2026-03-01T08:00".parse().unwrap();
    let target: Timestamp = local.in_tz("America/Toronto").unwrap().timestamp();
    server
        .clock
        .advance(target.duration_since(server.clock.now()));
    let admin = server.admin().await;
    admin.set_module("calendar", true).await;
    admin
}

async fn between(api: &Api, from: &str, to: &str) -> Vec<Value> {
    let listed = api
        .get(&format!("{API}/events?from={from}&to={to}"))
        .await
        .expect_status(200);
    listed.body["items"].as_array().unwrap().clone()
}

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
    let admin = start(&server).await;
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
#[allow(dead_code)]
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

#[allow(dead_code)] // Registered once feeds are public paths.
async fn a_feed_reads_back_to_the_same_events_until_its_address_is_replaced(backend: Backend) {
    let server = TestServer::start(backend).await;
    let admin = start(&server).await;
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
