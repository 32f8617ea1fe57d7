//! The mail pages in a browser, on SQLite and PostgreSQL: an administrator
//! reaches Settings → Email from the sidebar, a server name that is not one
//! is refused beside its field, the saved settings keep the password out of
//! the page, and a test message shows the server's reply; the Outbox and
//! the SMTP log show it. On a phone, a message the server refused shows
//! its reply and goes out with "Send again". Never scrolling sideways.

#![allow(clippy::unwrap_used)] // A failed unwrap is a failed test.

use crate::harness::{Browser, LAPTOP, PHONE, scenario};
use immcase_tests::{ADMIN_EMAIL, ADMIN_PASSWORD, Backend, TestServer, on_both_databases};
use serde_json::json;

on_both_databases!(email_settings_outbox_and_log_at_both_widths);

const PASSWORD: &str = "Br0wser-sm7p-pa55";

async fn email_settings_outbox_and_log_at_both_widths(backend: Backend) {
    let Some(browser) = Browser::start().await else {
        return;
    };
    let db = backend.name();
    let server = TestServer::start(backend).await;
    let base = format!("http://localhost:{}", server.addr.port());
    let port = server.smtp.port().to_string();

    let s = browser.session(LAPTOP.0, LAPTOP.1).await;
    scenario(&format!("mail-laptop-{db}"), &s, async {
        s.sign_in(&base, ADMIN_EMAIL, ADMIN_PASSWORD).await;
        s.click("nav a[href='/settings/email']").await;
        s.wait_for_text("main h1", "Email").await;
        s.fill("#from_name", "Diaz Immigration").await;
        s.fill("#from_address", "office@diaz.example").await;
        s.fill("#smtp_host", "smtp example").await;
        s.select_by_value("#smtp_security", "none").await;
        s.fill("#smtp_port", &port).await;
        s.fill("#smtp_password", PASSWORD).await;
        s.submit_button("Save").await;
        s.wait_for_text("#smtp_host-error", "a server name such as smtp.example.com")
            .await;
        // What was typed is kept, except the password.
        assert!(s.has("#from_name[value='Diaz Immigration']").await);
        s.screenshot(&format!("mail-settings-refused-{db}")).await;
        s.fill("#smtp_host", "127.0.0.1").await;
        s.fill("#smtp_password", PASSWORD).await;
        s.submit_button("Save").await;
        s.wait_for_text(".flash", "The mail settings are saved.")
            .await;
        let hint = s.text("#smtp_password-hint").await;
        assert!(hint.contains("A password is stored"), "{hint}");
        assert!(!s.has(&format!("input[value='{PASSWORD}']")).await);

        s.fill("#to", "check@diaz.example").await;
        s.submit_button("Send a test message").await;
        let accepted = s
            .wait_for_text("#test .flash", "accepted the test message")
            .await;
        assert!(accepted.contains("250"), "{accepted}");
        assert!(!s.scrolls_sideways().await, "sideways on a laptop");
        s.screenshot(&format!("mail-settings-laptop-{db}")).await;

        s.click("nav a[href='/outbox']").await;
        s.wait_for_text("main h1", "Outbox").await;
        let row = s.text("table.outbox tbody tr").await;
        assert!(
            row.contains("Test message from") && row.contains("Sent"),
            "{row}"
        );
        s.screenshot(&format!("mail-outbox-laptop-{db}")).await;
        s.click("a[href='/settings/email/log']").await;
        s.wait_for_text("main h1", "SMTP log").await;
        let line = s.text("table.smtp-log tbody tr").await;
        assert!(line.contains("Accepted") && line.contains("250"), "{line}");
        assert!(!s.scrolls_sideways().await, "the log on a laptop");
        s.screenshot(&format!("mail-log-laptop-{db}")).await;
    })
    .await;
    server
        .smtp
        .wait_for("check@diaz.example", "Test message")
        .await;

    // Refused for good: the reply is shown, and "Send again" sends it.
    server.smtp.refuse_next(
        550,
        "5.1.1 <newbie@diaz.example>: Recipient address rejected: User unknown",
    );
    let api = server.admin().await;
    api.post(
        "/api/v1/users",
        json!({ "email": "newbie@diaz.example", "display_name": "New Bie" }),
    )
    .await
    .expect_status(201);
    let s = browser.session(PHONE.0, PHONE.1).await;
    scenario(&format!("mail-phone-{db}"), &s, async {
        s.sign_in(&base, ADMIN_EMAIL, ADMIN_PASSWORD).await;
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        let failed = loop {
            s.goto(&format!("{base}/outbox?status=failed")).await;
            let shown = s.text("main").await;
            if shown.contains("User unknown") {
                break shown;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "never failed: {shown}"
            );
            tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        };
        assert!(failed.contains("Failed"), "{failed}");
        assert!(!s.scrolls_sideways().await, "sideways on a phone");
        s.screenshot(&format!("mail-outbox-failed-phone-{db}"))
            .await;
        s.submit_button("Send again").await;
        s.wait_for_text(".flash", "is queued to be sent again")
            .await;
        assert!(!s.scrolls_sideways().await, "the message on a phone");
        s.screenshot(&format!("mail-outbox-phone-{db}")).await;
    })
    .await;
    server
        .smtp
        .wait_for("newbie@diaz.example", "Your ImmCase account")
        .await;
    server.stop().await;
}
