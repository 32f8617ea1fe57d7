//! What the calendar's end-to-end tests share: its API's address, the
//! server's clock moved to a time in Toronto, a practice with the calendar
//! on, and events made and read through the API.

use immcase_host::clock::Clock;
use jiff::Timestamp;
use serde_json::Value;

use crate::{Api, TestServer};

/// Where the calendar's JSON API is.
pub const API: &str = "/api/v1/m/calendar";

/// Moves the server's clock to a wall-clock time in Toronto
/// (`2026-03-01 08:00`); it only moves forward.
pub fn move_clock_to(server: &TestServer, local: &str) {
    let local: jiff::civil::DateTime = local.replace(' ', "T").parse().expect("a local time");
    let target: Timestamp = local.in_tz("America/Toronto").expect("Toronto").timestamp();
    server
        .clock
        .advance(target.duration_since(server.clock.now()));
}

/// The clock at `2026-03-01 08:00` in Toronto, and the administrator with
/// the calendar on.
pub async fn calendar_on(server: &TestServer) -> Api {
    move_clock_to(server, "2026-03-01 08:00");
    let admin = server.admin().await;
    admin.set_module("calendar", true).await;
    admin
}

/// A new event, as the API answers it (201).
pub async fn create(api: &Api, event: Value) -> Value {
    api.post(&format!("{API}/events"), event)
        .await
        .expect_status(201)
        .body
}

/// The events and occurrences in `[from, to)` (RFC 3339).
pub async fn between(api: &Api, from: &str, to: &str) -> Vec<Value> {
    let listed = api
        .get(&format!("{API}/events?from={from}&to={to}"))
        .await
        .expect_status(200);
    listed.body["items"].as_array().expect("items").clone()
}

/// Closes a case (approved), with `dates` (`closing_date`, `opened_on`...)
/// set at the same time.
pub async fn close_case(admin: &Api, case_id: &str, dates: Value) {
    let path = format!("/api/v1/cases/{case_id}");
    let case = admin.get(&path).await.expect_status(200);
    let mut change = serde_json::json!({ "stage": "closed", "outcome": "approved", "version": case.body["version"] });
    for (key, value) in dates.as_object().into_iter().flatten() {
        change[key] = value.clone();
    }
    admin.patch(&path, change).await.expect_status(200);
}
