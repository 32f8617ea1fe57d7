//! The helpdesk's pages in a browser (Debian's Chromium over WebDriver) on
//! SQLite and PostgreSQL: filing a ticket with a photo on a phone, the
//! ticket page with its SLA clocks and files, replying, and the list with
//! its filters at laptop width.
//! Leaves screenshots of each under `target/tmp/screenshots`.

#![allow(clippy::unwrap_used)] // A failed unwrap is a failed test.

use crate::harness::{Browser, LAPTOP, PHONE, scenario};
use immcase_tests::{ADMIN_EMAIL, ADMIN_PASSWORD, Backend, TestServer, on_both_databases};

on_both_databases!(a_ticket_is_filed_and_answered_from_the_pages);

fn base(server: &TestServer) -> String {
    format!("http://localhost:{}", server.addr.port())
}

async fn a_ticket_is_filed_and_answered_from_the_pages(backend: Backend) {
    let Some(browser) = Browser::start().await else {
        return;
    };
    let db = backend.name();
    let server = TestServer::start(backend).await;
    server.admin().await.set_module("helpdesk", true).await;

    let dir = tempfile::tempdir().unwrap();
    let photo = dir.path().join("jammed tray.jpg");
    std::fs::write(&photo, b"\xff\xd8\xff\xe0 a photo of the tray").unwrap();

    let phone = browser.session(PHONE.0, PHONE.1).await;
    scenario(&format!("helpdesk-phone-{db}"), &phone, async {
        phone
            .sign_in(&base(&server), ADMIN_EMAIL, ADMIN_PASSWORD)
            .await;
        assert!(
            phone.has("#sidebar a[href='/m/helpdesk/']").await,
            "in the menu"
        );
        phone
            .goto(&format!("{}/m/helpdesk/new", base(&server)))
            .await;
        phone
            .fill("input[name='subject']", "Printer jams on IMM 5257")
            .await;
        phone
            .fill(
                "textarea[name='description']",
                "It jams on page 3 every time.",
            )
            .await;
        phone
            .select_by_value("select[name='category']", "technical_support")
            .await;
        phone
            .select_by_value("select[name='priority']", "high")
            .await;
        phone.choose_file("input[name='attachments']", &photo).await;
        phone.screenshot(&format!("helpdesk-new-phone-{db}")).await;
        phone.submit_button("File the ticket").await;
        let page = phone.wait_for_text("main", "TKT001").await;
        assert!(page.contains("Printer jams on IMM 5257"), "{page}");
        let files = phone.text(".ticket-files").await;
        assert!(files.contains("jammed tray.jpg"), "{files}");
        phone
            .fill("textarea[name='body']", "Tried another tray: same.")
            .await;
        phone.submit_button("Send").await;
        phone
            .wait_for_text("main", "Tried another tray: same.")
            .await;
        phone
            .screenshot(&format!("helpdesk-ticket-phone-{db}"))
            .await;
    })
    .await;

    let laptop = browser.session(LAPTOP.0, LAPTOP.1).await;
    scenario(&format!("helpdesk-laptop-{db}"), &laptop, async {
        laptop
            .sign_in(&base(&server), ADMIN_EMAIL, ADMIN_PASSWORD)
            .await;
        laptop.goto(&format!("{}/m/helpdesk/", base(&server))).await;
        let list = laptop.wait_for_text("main", "TKT001").await;
        assert!(list.contains("Printer jams"), "{list}");
        laptop
            .screenshot(&format!("helpdesk-list-laptop-{db}"))
            .await;
        laptop
            .goto(&format!("{}/m/helpdesk/settings", base(&server)))
            .await;
        // The helpdesk's settings link leads to the host's page.
        laptop.wait_for_text("main h1", "Helpdesk settings").await;
        assert!(
            laptop
                .has("input[name='categories[0].label'][value='Technical support']")
                .await
        );
        laptop
            .screenshot(&format!("helpdesk-settings-laptop-{db}"))
            .await;
    })
    .await;
}
