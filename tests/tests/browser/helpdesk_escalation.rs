//! A ticket's mail leads to its page, and a manager escalates the ticket
//! from that page: in a browser at phone and laptop widths, on SQLite and
//! PostgreSQL, on the server's manual clock (filed on Friday at 16:30 in
//! Toronto, so each deadline is known). Leaves screenshots under
//! `target/tmp/screenshots`.

#![allow(clippy::unwrap_used)] // A failed unwrap is a failed test.

use crate::harness::{Browser, LAPTOP, PHONE, scenario};
use immcase_host::clock::Clock;
use immcase_tests::helpdesk::{file, staff};
use immcase_tests::{ADMIN_EMAIL, ADMIN_PASSWORD, Backend, TestServer, on_both_databases};
use jiff::Timestamp;

on_both_databases!(a_ticket_mail_leads_to_its_page_where_a_manager_escalates_it);

/// The link a mail ends with.
fn ticket_link(text: &str) -> String {
    text.lines()
        .find_map(|line| line.strip_prefix("The ticket: "))
        .unwrap_or_else(|| panic!("no link in {text}"))
        .trim()
        .to_string()
}

async fn a_ticket_mail_leads_to_its_page_where_a_manager_escalates_it(backend: Backend) {
    let Some(browser) = Browser::start().await else {
        return;
    };
    let db = backend.name();
    let server = TestServer::start(backend).await;
    let friday: jiff::civil::DateTime = "2026-12-04T16:30".parse().unwrap();
    let friday: Timestamp = friday.in_tz("America/Toronto").unwrap().timestamp();
    server
        .clock
        .advance(friday.duration_since(server.clock.now()));
    let admin = server.admin().await;
    admin.set_module("helpdesk", true).await;
    let (requester, _) = staff(&server, &admin, "req@example.com").await;
    let filed = file(
        &requester,
        "Printer jams on IMM 5257",
        "technical_support",
        "high",
    )
    .await;
    let path = format!("/m/helpdesk/tickets/{}", filed["id"].as_str().unwrap());
    let base = format!("http://localhost:{}", server.addr.port());

    let received = server
        .smtp
        .wait_for("req@example.com", "[TKT001] Received")
        .await
        .text();
    let link = ticket_link(&received);
    assert_eq!(link, format!("{base}{path}"));

    // On a phone, the requester follows the mail's link to the ticket.
    let phone = browser.session(PHONE.0, PHONE.1).await;
    scenario(&format!("helpdesk-mail-link-phone-{db}"), &phone, async {
        phone
            .sign_in(&base, "req@example.com", "a member's long passphrase")
            .await;
        phone.goto(&link).await;
        phone.wait_for_text("main h1", "TKT001 Printer jams").await;
        assert_eq!(phone.current_path().await, path);
        let facts = phone.text(".ticket-facts").await;
        assert!(facts.contains("high"), "{facts}");
        assert!(
            !phone.has("form.escalate").await,
            "requesters ask a manager"
        );
        phone
            .screenshot(&format!("helpdesk-mail-link-phone-{db}"))
            .await;
    })
    .await;

    // On a laptop, a manager escalates it: urgent, with its new deadline.
    let laptop = browser.session(LAPTOP.0, LAPTOP.1).await;
    scenario(&format!("helpdesk-escalate-laptop-{db}"), &laptop, async {
        laptop.sign_in(&base, ADMIN_EMAIL, ADMIN_PASSWORD).await;
        laptop.goto(&link).await;
        let facts = laptop.text(".ticket-facts").await;
        // High: 16 business hours to resolve, from Friday 16:30 (the
        // server's clock runs on: the hours left may be a little fewer).
        assert!(facts.contains("left, due 2026-12-08 16:30"), "{facts}");
        laptop
            .select_by_value("form.escalate select[name='priority']", "urgent")
            .await;
        laptop
            .fill(
                "form.escalate textarea[name='reason']",
                "The client flies tomorrow.",
            )
            .await;
        laptop
            .client
            .execute(
                "document.querySelector('form.escalate').scrollIntoView()",
                vec![],
            )
            .await
            .unwrap();
        laptop
            .screenshot(&format!("helpdesk-escalate-form-laptop-{db}"))
            .await;
        laptop.submit_button("Escalate").await;
        laptop
            .wait_for_text("main", "Escalated: the priority is urgent")
            .await;
        let facts = laptop.text(".ticket-facts").await;
        // Urgent: 8 business hours to resolve, from Friday 16:30.
        assert!(facts.contains("urgent"), "{facts}");
        assert!(facts.contains("left, due 2026-12-07 16:30"), "{facts}");
        let history = laptop.text(".history").await;
        assert!(
            history.contains("escalated it: priority raised from high to urgent"),
            "{history}"
        );
        laptop
            .screenshot(&format!("helpdesk-escalated-laptop-{db}"))
            .await;
    })
    .await;

    // The requester's mail about it leads to the page with the new deadline.
    let escalated = server
        .smtp
        .wait_for("req@example.com", "[TKT001] Escalated")
        .await
        .text();
    assert!(
        escalated.contains("Resolution due by Monday 2026-12-07 16:30 (America/Toronto)."),
        "{escalated}"
    );
    scenario(&format!("helpdesk-escalated-phone-{db}"), &phone, async {
        phone.goto(&ticket_link(&escalated)).await;
        phone.wait_for_text("main h1", "TKT001").await;
        let facts = phone.text(".ticket-facts").await;
        assert!(facts.contains("urgent"), "{facts}");
        assert!(facts.contains("due 2026-12-07 16:30"), "{facts}");
        let history = phone.text(".history").await;
        assert!(
            history.contains("Why: “The client flies tomorrow.”"),
            "{history}"
        );
        phone
            .client
            .execute(
                "document.querySelector('.history').scrollIntoView()",
                vec![],
            )
            .await
            .unwrap();
        phone
            .screenshot(&format!("helpdesk-escalated-phone-{db}"))
            .await;
    })
    .await;
    server.stop().await;
}
