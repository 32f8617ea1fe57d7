//! The bell and the notifications page in a browser, at laptop and phone
//! widths: an assignment shows on the assignee's bell, opening it leads to
//! the ticket and marks it read, and the email choice is saved from the
//! page. Leaves screenshots under `target/tmp/screenshots`.

#![allow(clippy::unwrap_used)] // A failed unwrap is a failed test.

use crate::harness::{Browser, LAPTOP, PHONE, scenario};
use immcase_tests::helpdesk::{desk, file};
use immcase_tests::{Backend, TestServer, on_both_databases};
use serde_json::json;

on_both_databases!(an_assignment_rings_the_bell_and_is_read_from_the_page);

fn base(server: &TestServer) -> String {
    format!("http://localhost:{}", server.addr.port())
}

async fn an_assignment_rings_the_bell_and_is_read_from_the_page(backend: Backend) {
    let Some(browser) = Browser::start().await else {
        return;
    };
    let db = backend.name();
    let server = TestServer::start(backend).await;
    let admin = server.admin().await;
    let desk = desk(&server, &admin, "case_support").await;
    for (width, height, device) in [(LAPTOP.0, LAPTOP.1, "laptop"), (PHONE.0, PHONE.1, "phone")] {
        let subject = format!("Passport scan unreadable ({device})");
        file(&desk.requester, &subject, "case_support", "high").await;
        let s = browser.session(width, height).await;
        scenario(&format!("notifications-{device}-{db}"), &s, async {
            s.sign_in(
                &base(&server),
                "agent@example.com",
                "a member's long passphrase",
            )
            .await;
            let count = s.wait_for_text(".bell .bell-count", "1").await;
            assert_eq!(count.trim(), "1");
            s.screenshot(&format!("bell-{device}-{db}")).await;
            s.click(".bell").await;
            let unread = s
                .wait_for_text("ul.notifications li.unread", &subject)
                .await;
            assert!(unread.contains("assigned to you"), "{unread}");
            assert!(
                !s.scrolls_sideways().await,
                "no sideways scrolling on a {device}"
            );
            s.screenshot(&format!("notifications-{device}-{db}")).await;
            // Opening it leads to the ticket and marks it read.
            s.click("ul.notifications li.unread a").await;
            s.wait_for_text("main", &subject).await;
            assert!(s.current_path().await.starts_with("/m/helpdesk/tickets/"));
            assert!(!s.has(".bell .bell-count").await, "nothing unread");
            // The assignment emails turned off from the page.
            s.click(".bell").await;
            s.wait_for("#email").await;
            s.check("input[name=email][value='helpdesk.assigned']", false)
                .await;
            s.submit_button("Save").await;
            s.wait_for_text(".flash", "Your email choices are saved.")
                .await;
            assert!(!s.has("ul.notifications li.unread").await);
        })
        .await;
        let choices = desk
            .agent
            .get("/api/v1/notifications/choices")
            .await
            .expect_status(200)
            .body;
        let assigned = choices["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["kind"] == "helpdesk.assigned")
            .unwrap()
            .clone();
        assert_eq!(assigned["email"], false, "{choices}");
        // Back on for the next width.
        desk.agent
            .put(
                "/api/v1/notifications/choices",
                json!({ "items": [{ "kind": "helpdesk.assigned", "email": true }] }),
            )
            .await
            .expect_status(200);
    }
    server.stop().await;
}
