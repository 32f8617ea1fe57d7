//! What modules put on the host's pages: dashboard panels (`[[panels]]`)
//! and the tab of an applicant's or a case's page (`[[tabs]]`), rendered
//! inside the page; a failing or slow one is a one-line notice naming the
//! module while the rest of the page works. The helpdesk's "My tickets"
//! panel and Tickets tab, for three people.

#![allow(clippy::unwrap_used)] // A failed unwrap is a failed test.

use std::time::Duration;

use immcase_tests::helpdesk::{API, desk, file, staff};
use immcase_tests::{Backend, TestServer, on_both_databases};
use jiff::SignedDuration;
use serde_json::json;

on_both_databases!(
    panels_and_tabs_are_placed_in_the_pages_and_failures_are_notices,
    a_panel_that_does_not_answer_in_time_is_a_notice,
    my_tickets_shows_each_person_their_open_tickets,
);

async fn panels_and_tabs_are_placed_in_the_pages_and_failures_are_notices(backend: Backend) {
    let server = TestServer::start_with_modules(backend, &["trapping", "looping"]).await;
    let admin = server.admin().await;
    admin.set_module("trapping", true).await;
    admin.set_module("looping", true).await;

    let answer = admin.get("/").await.expect_status(200);
    let token = answer.form_token();
    let dashboard = answer.text;
    // The working panel, asked for as a panel, its form given the token.
    assert!(dashboard.contains("<h2>Trapping panel</h2>"), "{dashboard}");
    assert!(
        dashboard.contains(r#"<p class="trapping-panel">Panel for "#)
            && dashboard.contains(" as a Panel</p>"),
        "{dashboard}"
    );
    assert!(
        dashboard.contains(&format!(
            r#"<form method="post" action="/m/trapping/ok"><input type="hidden" name="_csrf" value="{token}">"#
        )),
        "{dashboard}"
    );
    // The trapping and the looping ones: a notice each, naming the module.
    assert!(dashboard.contains("<h2>Broken panel</h2>"), "{dashboard}");
    assert!(
        dashboard.contains("Trapping failed; its panel is left out."),
        "{dashboard}"
    );
    assert!(dashboard.contains("<h2>Slow panel</h2>"), "{dashboard}");
    assert!(dashboard.contains("Looping "), "{dashboard}");
    assert_eq!(dashboard.matches(r#"class="panel-notice""#).count(), 2);
    // The rest of the dashboard is there.
    assert!(dashboard.contains("<h2>Your modules</h2>"), "{dashboard}");

    // Someone who may not use the modules sees none of their panels.
    let clerk = server
        .sign_in_with_role(
            &admin,
            json!({ "name": "Clerk", "permissions": ["applicants.read", "cases.read"] }),
            "clerk@example.com",
        )
        .await;
    let theirs = clerk.get("/").await.expect_status(200).text;
    assert!(!theirs.contains("Trapping panel"), "{theirs}");
    assert!(!theirs.contains("panel-notice"), "{theirs}");

    // A case's page: its details first, the module's tab linked.
    let applicant = admin.add_applicant("Haddad").await;
    let case = admin.open_case(&applicant, "study_permit").await;
    let case_id = case["id"].as_str().unwrap();
    let page = admin
        .get(&format!("/cases/{case_id}"))
        .await
        .expect_status(200)
        .text;
    assert!(
        page.contains(&format!(
            r#"<a href="/cases/{case_id}" aria-current="page">Details</a>"#
        )),
        "{page}"
    );
    assert!(
        page.contains(&format!(r#"href="/cases/{case_id}?tab=trapping#tab""#)),
        "{page}"
    );
    assert!(page.contains("Edit case"), "{page}");
    // The tab open: rendered inside the page, asked for as a tab.
    let tab = admin
        .get(&format!("/cases/{case_id}?tab=trapping"))
        .await
        .expect_status(200)
        .text;
    assert!(
        tab.contains(&format!(
            r#"<p class="trapping-tab">Tab about case {case_id} as a Tab</p>"#
        )),
        "{tab}"
    );
    assert!(tab.contains(r#"id="sidebar""#), "inside the shell: {tab}");
    assert!(tab.contains(&case["folio"].as_str().unwrap().to_string()));
    assert!(!tab.contains("Edit case"), "the details are their own tab");
    // An applicant's tab that traps: a notice, and the page works.
    let broken = admin
        .get(&format!("/applicants/{applicant}?tab=trapping"))
        .await
        .expect_status(200)
        .text;
    assert!(
        broken.contains("Trapping failed; its tab is left out."),
        "{broken}"
    );
    assert!(broken.contains("Haddad"), "{broken}");
    // A tab of a module that declares none opens the details.
    let unknown = admin
        .get(&format!("/cases/{case_id}?tab=looping"))
        .await
        .expect_status(200)
        .text;
    assert!(unknown.contains("Edit case"), "{unknown}");
    server.stop().await;
}

async fn a_panel_that_does_not_answer_in_time_is_a_notice(backend: Backend) {
    // The looping module stops itself after 300 ms; the dashboard waits
    // 50 ms.
    let server = TestServer::start_with_modules_and(backend, &["looping"], |config| {
        config.fragment_time_limit = Duration::from_millis(50);
    })
    .await;
    let admin = server.admin().await;
    admin.set_module("looping", true).await;
    let dashboard = admin.get("/").await.expect_status(200).text;
    assert!(
        dashboard.contains("Looping did not answer in time; its panel is left out."),
        "{dashboard}"
    );
    assert!(dashboard.contains("<h2>Your modules</h2>"), "{dashboard}");
    server.stop().await;
}

async fn my_tickets_shows_each_person_their_open_tickets(backend: Backend) {
    let server = TestServer::start(backend).await;
    let admin = server.admin().await;
    // Case support goes to the agent; the requester and a third person
    // file tickets.
    let desk = desk(&server, &admin, "case_support").await;
    let (third, _) = staff(&server, &admin, "third@example.com").await;
    let first = file(
        &desk.requester,
        "Passport scan unreadable",
        "case_support",
        "high",
    )
    .await;
    file(
        &desk.requester,
        "Biometrics letter lost",
        "case_support",
        "low",
    )
    .await;
    file(&third, "Printer jammed", "technical_support", "medium").await;
    // A resolved ticket leaves the panel.
    let solved = file(&desk.requester, "Already solved", "case_support", "low").await;
    desk.agent
        .post(
            &format!("{API}/tickets/{}/status", solved["id"].as_str().unwrap()),
            json!({ "status": "resolved", "version": solved["version"] }),
        )
        .await
        .expect_status(200);

    let panel = |text: &str| {
        let start = text.find("<h2>My tickets</h2>").expect("the panel");
        let end = text[start..].find("</section>").unwrap() + start;
        text[start..end].to_string()
    };
    let agent = panel(&desk.agent.get("/").await.expect_status(200).text);
    assert!(agent.contains("Passport scan unreadable"), "{agent}");
    assert!(agent.contains("Biometrics letter lost"), "{agent}");
    assert!(!agent.contains("Printer jammed"), "{agent}");
    assert!(!agent.contains("Already solved"), "{agent}");
    assert!(agent.contains("assigned to you"), "{agent}");
    assert!(agent.contains("first response due"), "{agent}");
    assert!(
        agent.contains(&format!(
            r#"href="/m/helpdesk/tickets/{}""#,
            first["id"].as_str().unwrap()
        )),
        "{agent}"
    );
    assert!(agent.contains("2 tickets open"), "{agent}");

    let requester = panel(&desk.requester.get("/").await.expect_status(200).text);
    assert!(
        requester.contains("Passport scan unreadable"),
        "{requester}"
    );
    assert!(requester.contains("filed by you"), "{requester}");
    assert!(!requester.contains("Printer jammed"), "{requester}");

    let theirs = panel(&third.get("/").await.expect_status(200).text);
    assert!(theirs.contains("Printer jammed"), "{theirs}");
    assert!(!theirs.contains("Passport scan"), "{theirs}");
    assert!(theirs.contains("1 ticket open"), "{theirs}");

    // Once the SLA target is missed, the panel says so.
    server.clock.advance(SignedDuration::from_hours(24 * 30));
    let agent = server.api();
    agent
        .sign_in("agent@example.com", "a member's long passphrase")
        .await
        .expect_status(200);
    let later = panel(&agent.get("/").await.expect_status(200).text);
    assert!(later.contains("SLA missed"), "{later}");
    server.stop().await;
}
