//! Settings → Search in a browser, on SQLite and PostgreSQL: an
//! administrator reaches it from the sidebar, unticks fields and saves;
//! the index's rebuild is shown and follows itself on the page to "Up to
//! date" without a reload; ticking nothing is refused in view with the
//! boxes as left. At laptop and phone widths, never scrolling sideways.

#![allow(clippy::unwrap_used)] // A failed unwrap is a failed test.

use std::time::{Duration, Instant};

use crate::harness::{Browser, LAPTOP, PHONE, Session, scenario};
use immcase_tests::{ADMIN_EMAIL, ADMIN_PASSWORD, Backend, TestServer, on_both_databases};
use serde_json::json;

on_both_databases!(the_search_page_saves_and_follows_the_rebuild_at_both_widths);

fn base(server: &TestServer) -> String {
    format!("http://localhost:{}", server.addr.port())
}

/// Waits (up to a minute: a rebuild in a debug build on a shared machine)
/// until the rebuild's part of the page says it is up to date.
async fn until_up_to_date(s: &Session) -> String {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let shown = s.text("#search-rebuild").await;
        if shown.contains("Up to date.") {
            return shown;
        }
        assert!(Instant::now() < deadline, "still: {shown}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

async fn the_search_page_saves_and_follows_the_rebuild_at_both_widths(backend: Backend) {
    let Some(browser) = Browser::start().await else {
        return;
    };
    let db = backend.name();
    let server = TestServer::start_with(backend, |c| c.search_rebuild_batch = 2).await;
    let api = server.admin().await;
    server.store_applicants(300, "Filler").await;

    let s = browser.session(LAPTOP.0, LAPTOP.1).await;
    scenario(&format!("search-settings-laptop-{db}"), &s, async {
        s.sign_in(&base(&server), ADMIN_EMAIL, ADMIN_PASSWORD).await;
        s.click("nav a[href='/settings/search']").await;
        s.wait_for_text("main h1", "Search").await;
        s.wait_for_text("#search-rebuild", "Up to date.").await;
        let passport = s.text("label[for='field-passport_number']").await;
        assert!(passport.contains("last 4 or more characters"), "{passport}");
        s.check("#field-passport_number", false).await;
        s.check("#field-emails", false).await;
        s.submit_button("Save").await;
        s.wait_for_text(".flash", "The searchable fields are saved.")
            .await;
        // Shown at once, then followed on the page: the message of the save
        // stays, so the page was not loaded again.
        // (300 applicants two at a time take seconds, the page a moment.)
        let rebuilding = s.text("#search-rebuild").await;
        assert!(
            rebuilding.contains("Rebuilding your applicants"),
            "{rebuilding}"
        );
        assert!(s.has("progress#rebuild-bar").await, "a bar");
        s.wait_for_text("#rebuild-words", " of 300 applicants")
            .await;
        s.screenshot(&format!("search-settings-rebuilding-{db}"))
            .await;
        let done = until_up_to_date(&s).await;
        assert!(done.contains("300 applicants"), "{done}");
        assert!(s.has(".flash").await, "the page was not loaded again");
        assert!(!s.scrolls_sideways().await, "sideways on a laptop");
        s.screenshot(&format!("search-settings-laptop-{db}")).await;
    })
    .await;
    let saved = api.get("/api/v1/search/settings").await.expect_status(200);
    assert_eq!(
        saved.body["applicant_fields"],
        json!(["given_name", "family_name", "other_names", "phones"])
    );

    let s = browser.session(PHONE.0, PHONE.1).await;
    scenario(&format!("search-settings-phone-{db}"), &s, async {
        s.sign_in(&base(&server), ADMIN_EMAIL, ADMIN_PASSWORD).await;
        s.goto(&format!("{}/settings/search", base(&server))).await;
        s.wait_for_text("#search-rebuild", "Last rebuilt").await;
        assert!(!s.scrolls_sideways().await, "sideways on a phone");
        // Nothing ticked is refused in view; the boxes stay as left.
        for field in ["given_name", "family_name", "other_names", "phones"] {
            s.check(&format!("#field-{field}"), false).await;
        }
        s.submit_button("Save").await;
        s.wait_for_text(
            "#applicant_fields-error",
            "Not saved: choose at least one field",
        )
        .await;
        assert!(!s.has("input[name='applicant_fields']:checked").await);
        assert!(!s.scrolls_sideways().await, "the refusal on a phone");
        s.screenshot(&format!("search-settings-refused-phone-{db}"))
            .await;
        for field in ["given_name", "family_name", "emails"] {
            s.check(&format!("#field-{field}"), true).await;
        }
        s.submit_button("Save").await;
        s.wait_for_text(".flash", "The searchable fields are saved.")
            .await;
        until_up_to_date(&s).await;
        assert!(!s.scrolls_sideways().await, "sideways on a phone");
        s.screenshot(&format!("search-settings-phone-{db}")).await;
    })
    .await;
    let saved = api.get("/api/v1/search/settings").await.expect_status(200);
    assert_eq!(
        saved.body["applicant_fields"],
        json!(["given_name", "family_name", "emails"])
    );
    assert_eq!(saved.body["rebuild"]["state"], "idle");
    server.stop().await;
}
