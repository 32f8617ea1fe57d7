//! The video calls' pages in a browser (Debian's Chromium over WebDriver)
//! on SQLite and PostgreSQL: a new call from a phone, its page with the
//! moderator's and the guest's links (long, with tokens) and what to check
//! when the camera is blocked, without sideways scrolling; the list at
//! laptop width. Leaves screenshots under `target/tmp/screenshots`.

#![allow(clippy::unwrap_used)] // A failed unwrap is a failed test.

use crate::harness::{Browser, LAPTOP, PHONE, scenario};
use immcase_tests::{ADMIN_EMAIL, ADMIN_PASSWORD, Backend, TestServer, on_both_databases};
use serde_json::json;

on_both_databases!(a_call_is_made_and_its_page_read_on_a_phone);

const SETTINGS: &str = "/api/v1/modules/video-calls/settings";

fn base(server: &TestServer) -> String {
    format!("http://localhost:{}", server.addr.port())
}

async fn a_call_is_made_and_its_page_read_on_a_phone(backend: Backend) {
    let Some(browser) = Browser::start().await else {
        return;
    };
    let db = backend.name();
    let server = TestServer::start(backend).await;
    let admin = server.admin().await;
    admin.set_module("video-calls", true).await;
    // A secured server: links carry long tokens.
    let current = admin.get(SETTINGS).await.expect_status(200).body;
    let mut values = current["values"].clone();
    values["base_url"] = json!("https://meet.example.org");
    values["jwt_app_id"] = json!("immcase");
    values["jwt_secret"] = json!("a secret shared with the practice's Jitsi server");
    values["lobby"] = json!(true);
    admin
        .put(
            SETTINGS,
            json!({ "values": values, "version": current["version"] }),
        )
        .await
        .expect_status(200);

    let phone = browser.session(PHONE.0, PHONE.1).await;
    scenario(&format!("video-calls-phone-{db}"), &phone, async {
        phone
            .sign_in(&base(&server), ADMIN_EMAIL, ADMIN_PASSWORD)
            .await;
        assert!(
            phone.has("#sidebar a[href='/m/video-calls/']").await,
            "in the menu"
        );
        phone
            .goto(&format!("{}/m/video-calls/", base(&server)))
            .await;
        phone.wait_for_text("main h1", "Video calls").await;
        phone
            .fill("input[name='title']", "Consultation with Ana Díaz")
            .await;
        phone.submit_button("New call").await;
        let page = phone
            .wait_for_text("main", "Camera or microphone blocked?")
            .await;
        assert!(page.contains("Consultation with Ana Díaz"), "{page}");
        assert!(page.contains("Join as moderator"), "{page}");
        assert!(page.contains("Link for clients"), "{page}");
        assert!(page.contains("lobby"), "{page}");
        assert!(page.contains("another browser"), "{page}");
        assert!(
            phone
                .has("a#join[href^='https://meet.example.org/consultation-with-ana-diaz-']")
                .await
        );
        assert!(phone.has("input#guest-link[readonly]").await);
        assert!(
            !phone.scrolls_sideways().await,
            "the call's page fits a phone's width"
        );
        phone
            .screenshot(&format!("video-calls-room-phone-{db}"))
            .await;
        let path = phone.current_path().await;
        phone
            .goto(&format!("{}{path}#camera-blocked", base(&server)))
            .await;
        phone
            .screenshot(&format!("video-calls-troubleshooting-phone-{db}"))
            .await;
    })
    .await;

    let laptop = browser.session(LAPTOP.0, LAPTOP.1).await;
    scenario(&format!("video-calls-laptop-{db}"), &laptop, async {
        laptop
            .sign_in(&base(&server), ADMIN_EMAIL, ADMIN_PASSWORD)
            .await;
        laptop
            .goto(&format!("{}/m/video-calls/", base(&server)))
            .await;
        let list = laptop
            .wait_for_text("main", "Consultation with Ana Díaz")
            .await;
        assert!(list.contains("All calls"), "{list}");
        assert!(!laptop.scrolls_sideways().await);
        laptop
            .screenshot(&format!("video-calls-list-laptop-{db}"))
            .await;
    })
    .await;
}
