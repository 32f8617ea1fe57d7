//! The calendar's pages in a browser on SQLite and PostgreSQL: an event
//! added from a day of the month on a phone, then the month, week, day,
//! agenda, availability, shared calendars, subscription and import, and
//! reports pages at phone and laptop widths, none wider than the window. Leaves screenshots under `target/tmp/screenshots`.

#![allow(clippy::unwrap_used)] // A failed unwrap is a failed test.

use crate::harness::{Browser, LAPTOP, PHONE, scenario};
use immcase_tests::{ADMIN_EMAIL, ADMIN_PASSWORD, Backend, TestServer, on_both_databases};

on_both_databases!(events_are_added_and_seen_in_every_view);

fn base(server: &TestServer) -> String {
    format!("http://localhost:{}", server.addr.port())
}

async fn events_are_added_and_seen_in_every_view(backend: Backend) {
    let Some(browser) = Browser::start().await else {
        return;
    };
    let db = backend.name();
    let server = TestServer::start(backend).await;
    let admin = server.admin().await;
    admin.set_module("calendar", true).await;
    for (title, start, rule) in [
        ("Team meeting", "2026-03-02T09:00", "FREQ=WEEKLY;BYDAY=MO"),
        ("Biometrics Garcia", "2026-03-04T11:30", ""),
        ("IRCC deadline CAS118", "2026-03-20T17:00", ""),
    ] {
        admin
            .post(
                "/api/v1/m/calendar/events",
                serde_json::json!({ "title": title, "start": start, "rrule": rule,
                                    "type": if title.starts_with("IRCC") { "deadline" } else { "appointment" },
                                    "critical": title.starts_with("IRCC") }),
            )
            .await
            .expect_status(201);
    }

    let phone = browser.session(PHONE.0, PHONE.1).await;
    scenario(&format!("calendar-phone-{db}"), &phone, async {
        phone
            .sign_in(&base(&server), ADMIN_EMAIL, ADMIN_PASSWORD)
            .await;
        phone
            .goto(&format!("{}/m/calendar/?date=2026-03-09", base(&server)))
            .await;
        phone.wait_for_text("main h1", "March 2026").await;
        assert!(
            !phone.scrolls_sideways().await,
            "the month is wider than a phone"
        );
        phone
            .screenshot(&format!("calendar-month-phone-{db}"))
            .await;
        // A day's "+" opens the form set to that day.
        phone
            .click("a[aria-label='New event on Tue 10 Mar 2026']")
            .await;
        phone.wait_for_text("main h1", "New event").await;
        assert!(
            !phone.scrolls_sideways().await,
            "the form is wider than a phone"
        );
        phone
            .fill("input[name='title']", "Call with Ana Díaz")
            .await;
        phone
            .fill("textarea[name='notes']", "Ask for the police certificate")
            .await;
        phone.screenshot(&format!("calendar-new-phone-{db}")).await;
        phone.submit_button("Save").await;
        let page = phone.wait_for_text("main h1", "Call with Ana Díaz").await;
        assert!(page.contains("Call with Ana Díaz"));
        let facts = phone.text(".event-facts").await;
        assert!(facts.contains("Tue 10 Mar 2026, 09:00–10:00"), "{facts}");
        assert!(facts.contains("Ask for the police certificate"), "{facts}");
        assert!(!phone.scrolls_sideways().await);
        phone
            .screenshot(&format!("calendar-event-phone-{db}"))
            .await;
        for (path, needle, name) in [
            ("week?date=2026-03-09", "Call with Ana Díaz", "week"),
            ("day?date=2026-03-10", "Call with Ana Díaz", "day"),
            ("agenda?date=2026-03-01", "IRCC deadline CAS118", "agenda"),
            (
                "availability?date=2026-03-10",
                "Team availability",
                "availability",
            ),
            ("calendars", "Team and practice-wide calendars", "calendars"),
            ("sync", "Subscribe", "sync"),
            ("reports", "Calendar reports", "reports"),
        ] {
            phone
                .goto(&format!("{}/m/calendar/{path}", base(&server)))
                .await;
            phone.wait_for_text("main", needle).await;
            assert!(
                !phone.scrolls_sideways().await,
                "{name} is wider than a phone"
            );
            phone
                .screenshot(&format!("calendar-{name}-phone-{db}"))
                .await;
        }
    })
    .await;

    let laptop = browser.session(LAPTOP.0, LAPTOP.1).await;
    scenario(&format!("calendar-laptop-{db}"), &laptop, async {
        laptop
            .sign_in(&base(&server), ADMIN_EMAIL, ADMIN_PASSWORD)
            .await;
        for (path, needle, name) in [
            ("?date=2026-03-09", "Biometrics Garcia", "month"),
            ("week?date=2026-03-09", "Team meeting", "week"),
            ("agenda?date=2026-03-01", "Call with Ana Díaz", "agenda"),
            ("calendars", "Team and practice-wide calendars", "calendars"),
            ("sync", "Import a file", "sync"),
            ("reports", "Calendar reports", "reports"),
        ] {
            laptop
                .goto(&format!("{}/m/calendar/{path}", base(&server)))
                .await;
            laptop.wait_for_text("main", needle).await;
            assert!(
                !laptop.scrolls_sideways().await,
                "{name} is wider than a laptop"
            );
            laptop
                .screenshot(&format!("calendar-{name}-laptop-{db}"))
                .await;
        }
        // Moving to the next month by its link.
        laptop
            .goto(&format!("{}/m/calendar/?date=2026-03-09", base(&server)))
            .await;
        laptop.click("a[rel='next']").await;
        laptop.wait_for_text("main h1", "April 2026").await;
    })
    .await;
}
