//! A filed ticket's priority and category changed, and a manager's
//! escalation, against the real host on the manual clock: new deadlines,
//! the breach of the new target announced once, the history on the API and
//! the page, the events a subscriber receives, and mails in words that
//! link to the ticket's page.

#![allow(clippy::unwrap_used)] // A failed unwrap is a failed test.

use immcase_host::clock::Clock;
use immcase_tests::helpdesk::{API, Desk, category, configure, desk, file, staff, ticket};
use immcase_tests::{Api, Backend, TestServer, eventually, on_both_databases};
use jiff::Timestamp;
use serde_json::{Value, json};

on_both_databases!(
    a_manager_escalates_a_ticket_with_its_new_deadline,
    agents_change_priority_and_category_on_the_api_and_the_page,
);

/// Moves the server's clock to a local time in Toronto.
fn move_clock_to(server: &TestServer, local: &str) {
    let local: jiff::civil::DateTime = local.replace(' ', "T").parse().unwrap();
    let target: Timestamp = local.in_tz("America/Toronto").unwrap().timestamp();
    server
        .clock
        .advance(target.duration_since(server.clock.now()));
}

fn mails(server: &TestServer, to: &str, subject: &str) -> usize {
    server
        .smtp
        .received()
        .iter()
        .filter(|m| m.to.iter().any(|t| t == to) && m.subject().contains(subject))
        .count()
}

/// The helpdesk's events the recorder test module received, by name.
async fn events(admin: &Api, name: &str) -> Vec<Value> {
    let got = admin
        .get("/api/v1/m/recorder/received")
        .await
        .expect_status(200)
        .body["items"]
        .as_array()
        .unwrap()
        .clone();
    got.into_iter().filter(|e| e["name"] == name).collect()
}

async fn a_manager_escalates_a_ticket_with_its_new_deadline(backend: Backend) {
    let server = TestServer::start_with_modules(backend, &["recorder"]).await;
    move_clock_to(&server, "2026-12-04 16:30");
    let admin = server.admin().await;
    admin.set_module("recorder", true).await;
    let Desk {
        agent,
        agent_id,
        requester,
        boss,
    } = desk(&server, &admin, "technical_support").await;
    let (lead, lead_id) = staff(&server, &admin, "lead@example.com").await;
    let (_, colleague_id) = staff(&server, &admin, "colleague@example.com").await;
    configure(&boss, |s| {
        category(s, "technical_support")["manager_id"] = json!(lead_id);
    })
    .await;
    let filed = file(&requester, "Printer jammed", "technical_support", "high").await;
    let id = filed["id"].as_str().unwrap().to_string();

    // The requester's mail says it in words and links to the ticket.
    let received = server
        .smtp
        .wait_for("req@example.com", "[TKT001] Received: Printer jammed")
        .await
        .text();
    let page = format!("/m/helpdesk/tickets/{id}");
    let link = format!("http://localhost:{}{page}", server.addr.port());
    assert!(
        received.contains(&format!("The ticket: {link}")),
        "{received}"
    );
    assert!(
        received.contains("Technical support, high priority, open, assigned to agent@example.com."),
        "{received}"
    );
    assert!(!received.contains("technical_support"), "{received}");
    assert!(
        requester
            .get(&page)
            .await
            .expect_status(200)
            .text
            .contains("TKT001 Printer jammed")
    );

    // The agent asks; the category's manager escalates.
    let version = ticket(&agent, &json!(id)).await["version"].clone();
    let escalate = format!("{API}/tickets/{id}/escalate");
    let why = json!({ "assignee_id": colleague_id, "reason": "The client flies tomorrow.",
                      "version": version });
    agent.post(&escalate, why.clone()).await.expect_status(403);
    let escalated = lead.post(&escalate, why).await.expect_status(200).body;
    assert_eq!(escalated["priority"], "urgent");
    assert_eq!(escalated["assignee_id"], json!(colleague_id));
    // Urgent: the first response within one business hour and the
    // resolution within eight, counted from Friday 16:30 (to the minute:
    // the server's clock runs on while the ticket is filed).
    let seen = ticket(&lead, &json!(id)).await;
    let due = |clock: &str| seen["sla"][clock]["due_at"].as_str().unwrap()[..16].to_string();
    assert_eq!(due("first_response"), "2026-12-07T14:30");
    assert_eq!(due("resolution"), "2026-12-07T21:30");
    let last = seen["history"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["change"], "escalated");
    assert_eq!(last["by_id"], json!(lead_id));
    assert_eq!(last["previous_assignee_id"], json!(agent_id));
    assert_eq!(last["reason"], "The client flies tomorrow.");

    for to in [
        "req@example.com",
        "agent@example.com",
        "colleague@example.com",
    ] {
        let told = server
            .smtp
            .wait_for(to, "[TKT001] Escalated: Printer jammed")
            .await
            .text();
        for line in [
            "lead@example.com escalated TKT001 in Technical support: priority raised from high to urgent, and it is now assigned to colleague@example.com (was agent@example.com).",
            "Why: The client flies tomorrow.",
            "First response due by Monday 2026-12-07 09:30 (America/Toronto).",
            "Resolution due by Monday 2026-12-07 16:30 (America/Toronto).",
        ] {
            assert!(told.contains(line), "{to}: {line:?} in {told}");
        }
        assert!(told.contains(&format!("The ticket: {link}")), "{told}");
    }

    // Each change reaches subscribers as an event.
    let said = eventually("the escalation's events", || async {
        let escalated = events(&admin, "helpdesk.ticket.escalated").await;
        let raised = events(&admin, "helpdesk.ticket.priority_changed").await;
        (!escalated.is_empty() && !raised.is_empty()).then_some((escalated, raised))
    })
    .await;
    let (escalated, raised) = said;
    assert_eq!(escalated[0]["payload"]["from"], "high");
    assert_eq!(escalated[0]["payload"]["to"], "urgent");
    assert_eq!(escalated[0]["payload"]["by"], json!(lead_id));
    assert_eq!(raised[0]["payload"]["to"], "urgent");

    // The page: the new priority, its deadline and the story.
    let shown = lead.get(&page).await.expect_status(200).text;
    assert!(
        // The server's clock runs on: the hours left may be a little fewer.
        shown.contains("left, due 2026-12-07 16:30</span>"),
        "{shown}"
    );
    assert!(
        shown.contains(
            "lead@example.com escalated it: priority raised from high to urgent, now assigned to colleague@example.com. Why: “The client flies tomorrow.”"
        ),
        "{shown}"
    );

    // The new first-response deadline passes: announced once.
    move_clock_to(&server, "2026-12-07 09:31");
    server
        .smtp
        .wait_for("colleague@example.com", "[TKT001] SLA breached")
        .await;
    server
        .smtp
        .wait_for("lead@example.com", "[TKT001] SLA breached")
        .await;
    move_clock_to(&server, "2026-12-07 11:00");
    server.settle().await;
    assert_eq!(mails(&server, "colleague@example.com", "SLA breached"), 1);
    assert_eq!(mails(&server, "lead@example.com", "Escalated"), 0);
    server.stop().await;
}

async fn agents_change_priority_and_category_on_the_api_and_the_page(backend: Backend) {
    let server = TestServer::start(backend).await;
    let admin = server.admin().await;
    let Desk {
        agent,
        requester,
        boss,
        ..
    } = desk(&server, &admin, "technical_support").await;
    let (_, colleague_id) = staff(&server, &admin, "colleague@example.com").await;
    configure(&boss, |s| {
        category(s, "case_support")["responsible_id"] = json!(colleague_id);
    })
    .await;
    let filed = file(&requester, "Which visa form?", "technical_support", "high").await;
    let id = filed["id"].as_str().unwrap().to_string();
    let page = format!("/m/helpdesk/tickets/{id}");
    let version = |api: &Api| {
        let api = api.clone();
        let id = id.clone();
        async move { ticket(&api, &json!(id)).await["version"].to_string() }
    };

    // The requester asks; they change neither.
    let v = version(&requester).await;
    requester
        .post(
            &format!("{API}/tickets/{id}/priority"),
            json!({ "priority": "urgent", "version": v.parse::<u64>().unwrap() }),
        )
        .await
        .expect_status(403);
    assert!(
        !requester
            .get(&page)
            .await
            .expect_status(200)
            .text
            .contains("Change priority")
    );

    // The agent raises the priority on the page.
    let form = agent.get(&page).await.expect_status(200);
    assert!(form.text.contains("Change priority"), "{}", form.text);
    assert!(
        !form.text.contains("<h2>Escalate</h2>"),
        "managers escalate"
    );
    let v = version(&agent).await;
    agent
        .post_form(
            &format!("{page}/priority"),
            &[
                ("_csrf", &form.form_token()),
                ("priority", "urgent"),
                ("version", &v),
            ],
        )
        .await
        .expect_status(303);
    assert_eq!(ticket(&agent, &json!(id)).await["priority"], "urgent");
    let told = server
        .smtp
        .wait_for("req@example.com", "[TKT001] Priority raised to urgent")
        .await
        .text();
    assert!(
        told.starts_with(
            "agent@example.com raised the priority of TKT001 from high to urgent: its deadlines follow."
        ),
        "{told}"
    );

    // Moved to case support, it goes to its responsible person.
    let v = version(&agent).await;
    let moved = agent
        .post(
            &format!("{API}/tickets/{id}/category"),
            json!({ "category": "case_support", "version": v.parse::<u64>().unwrap() }),
        )
        .await
        .expect_status(200)
        .body;
    assert_eq!(moved["assignee_id"], json!(colleague_id));
    agent
        .get(&format!("{API}/tickets/{id}"))
        .await
        .expect_status(404);
    server
        .smtp
        .wait_for("colleague@example.com", "[TKT001] Moved to Case support")
        .await;

    // A manager escalates from the page; the story is on it.
    let form = boss.get(&page).await.expect_status(200);
    let v = version(&boss).await;
    boss.post_form(
        &format!("{page}/escalate"),
        &[
            ("_csrf", &form.form_token()),
            ("priority", "urgent"),
            ("assignee_id", ""),
            ("reason", ""),
            ("version", &v),
        ],
    )
    .await
    .expect_status(303);
    let shown = boss.get(&page).await.expect_status(200).text;
    for line in [
        "Filed by req@example.com",
        "agent@example.com raised the priority from high to urgent",
        "agent@example.com moved it from Technical support to Case support",
        "agent@example.com reassigned it from agent@example.com to colleague@example.com",
        "boss@example.com escalated it",
    ] {
        assert!(shown.contains(line), "{line:?} in {shown}");
    }
    server.stop().await;
}
