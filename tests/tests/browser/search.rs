//! The search box in the shell's header, at laptop and phone widths: typed
//! and sent with Enter from any page, it leads to the results grouped by
//! kind with what matched marked. Leaves screenshots under
//! `target/tmp/screenshots`.

#![allow(clippy::unwrap_used)] // A failed unwrap is a failed test.

use crate::harness::{Browser, LAPTOP, PHONE, scenario};
use immcase_tests::{ADMIN_EMAIL, ADMIN_PASSWORD, Backend, TestServer, on_both_databases};
use serde_json::json;

on_both_databases!(the_header_box_searches_from_any_page);

fn base(server: &TestServer) -> String {
    format!("http://localhost:{}", server.addr.port())
}

/// WebDriver's Enter key.
const ENTER: &str = "\u{E007}";

async fn the_header_box_searches_from_any_page(backend: Backend) {
    let Some(browser) = Browser::start().await else {
        return;
    };
    let db = backend.name();
    let server = TestServer::start(backend).await;
    let api = server.admin().await;
    let ana = api
        .post(
            "/api/v1/applicants",
            json!({ "given_name": "Zuzanna", "family_name": "Wójcik-Nakamura" }),
        )
        .await
        .expect_status(201)
        .body["id"]
        .as_str()
        .unwrap()
        .to_owned();
    api.open_case(&ana, "study_permit").await;
    for (width, height, device) in [(LAPTOP.0, LAPTOP.1, "laptop"), (PHONE.0, PHONE.1, "phone")] {
        let s = browser.session(width, height).await;
        scenario(&format!("header-search-{device}-{db}"), &s, async {
            s.sign_in(&base(&server), ADMIN_EMAIL, ADMIN_PASSWORD).await;
            s.goto(&format!("{}/cases", base(&server))).await;
            s.fill("#header-q", &format!("wojcik{ENTER}")).await;
            let found = s.wait_for_text("main", "Applicants").await;
            assert!(found.contains("Cases"), "{found}");
            assert_eq!(s.current_path().await, "/search");
            let marked = s.text(".search-results mark").await;
            assert_eq!(marked, "Wójcik");
            assert!(
                !s.scrolls_sideways().await,
                "no sideways scrolling on a {device}"
            );
            s.screenshot(&format!("header-search-{device}-{db}")).await;
            s.click(".search-results a").await;
            s.wait_for_text("main h1", "Wójcik-Nakamura").await;
            // One letter: what to type.
            s.fill("#header-q", &format!("z{ENTER}")).await;
            s.wait_for_text(".search-hint", "Type at least 2 characters")
                .await;
        })
        .await;
    }
    server.stop().await;
}
