//! My email account and the email module in a browser, on SQLite and
//! PostgreSQL, with a real IMAP server: a person connects their mailbox
//! (a wrong server name refused beside its field), checks the connection,
//! reads a conversation from Emails in the sidebar and answers it; on a
//! phone the inbox and the conversation read without scrolling sideways.

#![allow(clippy::unwrap_used)] // A failed unwrap is a failed test.

use std::io::Write;

use crate::harness::{Browser, LAPTOP, PHONE, scenario};
use immcase_tests::{
    ADMIN_EMAIL, ADMIN_PASSWORD, Backend, ImapServer, TestServer, on_both_databases,
};

on_both_databases!(a_mailbox_connected_read_and_answered_at_both_widths);

const IMAP_PASSWORD: &str = "br0wser-1map-pa55";

async fn a_mailbox_connected_read_and_answered_at_both_widths(backend: Backend) {
    let Some(browser) = Browser::start().await else {
        return;
    };
    let Some(imap) = ImapServer::start().await else {
        return;
    };
    let db = backend.name();
    imap.add_user("admin", IMAP_PASSWORD);
    imap.deliver(
        "admin",
        b"From: Ana Lopez <ana@example.com>\r\nTo: admin@diaz.example\r\nSubject: My documents\r\n\
          Message-ID: <docs1@example.com>\r\nDate: Mon, 7 Dec 2026 09:00:00 +0000\r\n\r\n\
          Here are my documents.\r\n",
    );
    let mut ca = tempfile::NamedTempFile::new().unwrap();
    ca.write_all(imap.ca_pem()).unwrap();
    let ca_path = ca.path().to_path_buf();
    let server = TestServer::start_with(backend, move |c| c.mail_ca_file = Some(ca_path)).await;
    server.admin().await.set_module("email", true).await;
    let base = format!("http://localhost:{}", server.addr.port());
    let port = imap.port().to_string();

    let s = browser.session(LAPTOP.0, LAPTOP.1).await;
    scenario(&format!("email-laptop-{db}"), &s, async {
        s.sign_in(&base, ADMIN_EMAIL, ADMIN_PASSWORD).await;
        s.click("nav a[href='/settings/email-account']").await;
        s.wait_for_text("main h1", "My email account").await;
        s.fill("#name", "Admin Diaz").await;
        s.fill("#address", "admin@diaz.example").await;
        s.fill("#imap_host", "imap example").await;
        s.fill("#imap_port", &port).await;
        s.fill("#imap_username", "admin").await;
        s.fill("#imap_password", IMAP_PASSWORD).await;
        s.submit_button("Connect").await;
        s.wait_for_text("#imap_host-error", "a server name such as imap.example.com")
            .await;
        s.fill("#imap_host", "127.0.0.1").await;
        s.fill("#imap_password", IMAP_PASSWORD).await;
        s.submit_button("Connect").await;
        s.wait_for_text(".flash", "Your mailbox is saved").await;
        s.submit_button("Check the connection").await;
        s.wait_for_text(".flash", "The connection works").await;
        assert!(!s.scrolls_sideways().await, "sideways on a laptop");
        s.screenshot(&format!("email-account-laptop-{db}")).await;

        s.click("nav a[href='/m/email/']").await;
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        while !s.text("main").await.contains("My documents") {
            assert!(
                std::time::Instant::now() < deadline,
                "the message never showed"
            );
            tokio::time::sleep(std::time::Duration::from_millis(300)).await;
            s.goto(&format!("{base}/m/email/")).await;
        }
        s.screenshot(&format!("email-inbox-laptop-{db}")).await;
        s.click("main a[href*='/m/email/threads/']").await;
        s.wait_for_text("main", "Here are my documents.").await;
        s.click("a[href*='/m/email/compose?mode=reply&']").await;
        s.wait_for("input[name='subject'][value='Re: My documents']")
            .await;
        s.submit_button("Send").await;
        s.wait_for_text(".flash", "Message queued.").await;
        assert!(!s.scrolls_sideways().await, "the conversation on a laptop");
        s.screenshot(&format!("email-thread-laptop-{db}")).await;
    })
    .await;
    let answer = server
        .smtp
        .wait_for("ana@example.com", "Re: My documents")
        .await;
    assert!(
        answer.text().contains("Here are my documents."),
        "quoted: {}",
        answer.text()
    );

    let s = browser.session(PHONE.0, PHONE.1).await;
    scenario(&format!("email-phone-{db}"), &s, async {
        s.sign_in(&base, ADMIN_EMAIL, ADMIN_PASSWORD).await;
        s.goto(&format!("{base}/m/email/")).await;
        s.wait_for_text("main", "My documents").await;
        assert!(!s.scrolls_sideways().await, "the inbox on a phone");
        s.screenshot(&format!("email-inbox-phone-{db}")).await;
        s.click("main a[href*='/m/email/threads/']").await;
        s.wait_for_text("main", "Here are my documents.").await;
        assert!(!s.scrolls_sideways().await, "the conversation on a phone");
        s.screenshot(&format!("email-thread-phone-{db}")).await;
        s.goto(&format!("{base}/settings/email-account")).await;
        s.wait_for_text("main h1", "My email account").await;
        assert!(!s.scrolls_sideways().await, "the account on a phone");
        s.screenshot(&format!("email-account-phone-{db}")).await;
    })
    .await;
    server.stop().await;
}
