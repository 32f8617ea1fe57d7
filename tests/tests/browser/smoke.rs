//! The browser harness itself: Chromium reaches the test server, and
//! screenshots are written.

use crate::harness::{Browser, LAPTOP, PHONE, scenario, screenshot_dir};
use immcase_tests::{Backend, TestServer, on_both_databases};

on_both_databases!(openapi_in_a_laptop_window, screenshot_at_phone_size);

/// A screenshot name unique to the test and its database, as both halves
/// of a test run at once.
fn shot_name(test: &str, backend: &Backend) -> String {
    format!("{test}-{}", backend.name())
}

async fn openapi_in_a_laptop_window(backend: Backend) {
    let name = shot_name("openapi-in-a-laptop-window", &backend);
    let server = TestServer::start(backend).await;
    let Some(browser) = Browser::start().await else {
        return;
    };
    let (width, height) = LAPTOP;
    let session = browser.session(width, height).await;
    let port = server.addr.port();
    scenario(&name, &session, async {
        session
            .goto(&format!("http://localhost:{port}/api/v1/openapi.json"))
            .await;
        assert_eq!(session.current_path().await, "/api/v1/openapi.json");
        let text = session.text("body").await;
        assert!(
            text.contains("\"openapi\""),
            "the page does not show the OpenAPI document: {text:.200}"
        );
    })
    .await;
}

async fn screenshot_at_phone_size(backend: Backend) {
    let name = shot_name("screenshot-at-phone-size", &backend);
    let server = TestServer::start(backend).await;
    let Some(browser) = Browser::start().await else {
        return;
    };
    let (width, height) = PHONE;
    let session = browser.session(width, height).await;
    let port = server.addr.port();
    scenario(&name, &session, async {
        session
            .goto(&format!("http://localhost:{port}/healthz"))
            .await;
        session.wait_for_text("body", "ok").await;
        // So that a file left by an earlier run cannot pass for this one.
        let _ = std::fs::remove_file(screenshot_dir().join(format!("{name}.png")));
        let path = session.screenshot(&name).await;
        let png = std::fs::read(&path)
            .unwrap_or_else(|e| panic!("no screenshot at {}: {e}", path.display()));
        assert!(
            png.starts_with(b"\x89PNG\r\n\x1a\n"),
            "{} is not a PNG",
            path.display()
        );
        // The PNG header gives the size the page was shown at.
        let header = png.get(16..24).expect("a PNG header");
        let shown = (
            u32::from_be_bytes([header[0], header[1], header[2], header[3]]),
            u32::from_be_bytes([header[4], header[5], header[6], header[7]]),
        );
        assert_eq!(shown, (width, height), "the screenshot is not phone-sized");
    })
    .await;
}
