//! In-app notifications: the helpdesk tells an assignee under their bell
//! (and nobody else), opening one marks it read and leads to the ticket,
//! and a person who turns a kind's email off still sees it under the bell
//! but gets no email for it.

#![allow(clippy::unwrap_used)] // A failed unwrap is a failed test.

use immcase_tests::helpdesk::{desk, file, staff};
use immcase_tests::{Api, Backend, TestServer, on_both_databases};
use serde_json::{Value, json};

on_both_databases!(
    an_assignment_reaches_the_assignees_bell_and_email_as_they_choose,
    notifications_are_each_persons_own,
);

async fn mine(api: &Api) -> Value {
    api.get("/api/v1/notifications")
        .await
        .expect_status(200)
        .body
}

/// The mails queued for `to` whose subject holds `words`.
async fn queued(server: &TestServer, to: &str, words: &str) -> i64 {
    sqlx::any::install_default_drivers();
    let db = sqlx::AnyPool::connect(&server.config.database_url())
        .await
        .unwrap();
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM mail_outbox WHERE to_addr = $1 AND subject LIKE $2",
    )
    .bind(to)
    .bind(format!("%{words}%"))
    .fetch_one(&db)
    .await
    .unwrap();
    db.close().await;
    n
}

async fn an_assignment_reaches_the_assignees_bell_and_email_as_they_choose(backend: Backend) {
    let server = TestServer::start(backend).await;
    let admin = server.admin().await;
    let desk = desk(&server, &admin, "case_support").await;
    let (bystander, _) = staff(&server, &admin, "bystander@example.com").await;

    let first = file(
        &desk.requester,
        "Passport scan unreadable",
        "case_support",
        "high",
    )
    .await;
    let first_id = first["id"].as_str().unwrap();
    // The agent: one unread notification, in words, linking to the ticket.
    let agent = mine(&desk.agent).await;
    assert_eq!(agent["unread"], 1, "{agent}");
    let n = &agent["items"][0];
    assert_eq!(n["kind"], "helpdesk.assigned", "{n}");
    assert_eq!(n["source"], "helpdesk");
    assert_eq!(n["read"], false);
    assert_eq!(n["link"], format!("/m/helpdesk/tickets/{first_id}"));
    let text = n["text"].as_str().unwrap();
    assert!(
        text.contains("TKT001")
            && text.contains("assigned to you")
            && text.contains("Passport scan unreadable"),
        "{text}"
    );
    // Their bell says so, on every page.
    let page = desk.agent.get("/profile").await.expect_status(200).text;
    assert!(
        page.contains(r#"aria-label="Notifications, 1 unread""#),
        "{page}"
    );
    assert!(
        page.contains(r#"<span class="bell-count">1</span>"#),
        "{page}"
    );
    // And the email came, the practice's words and the ticket's link.
    let mail = server
        .smtp
        .wait_for("agent@example.com", "Assigned to you")
        .await
        .text();
    assert!(
        mail.contains(&format!("/m/helpdesk/tickets/{first_id}")),
        "{mail}"
    );

    // Nobody else is told of the assignment.
    let others = mine(&bystander).await;
    assert_eq!(others["unread"], 0, "{others}");
    let boss = mine(&desk.boss).await;
    assert!(
        boss["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|n| n["kind"] != "helpdesk.assigned"),
        "{boss}"
    );
    let page = bystander.get("/").await.expect_status(200).text;
    assert!(
        page.contains(r#"aria-label="Notifications, none unread""#),
        "{page}"
    );

    // Opening it marks it read and leads to the ticket.
    let id = n["id"].as_str().unwrap();
    let opened = desk
        .agent
        .get(&format!("/notifications/{id}"))
        .await
        .expect_status(303);
    assert_eq!(
        opened.header("location").unwrap(),
        format!("/m/helpdesk/tickets/{first_id}")
    );
    let agent = mine(&desk.agent).await;
    assert_eq!(agent["unread"], 0, "{agent}");
    assert_eq!(agent["items"][0]["read"], true);
    // Someone else's cannot be opened.
    bystander
        .get(&format!("/notifications/{id}"))
        .await
        .expect_status(404);

    // The agent turns the assignment emails off on their page.
    let page = desk.agent.get("/notifications").await.expect_status(200);
    assert!(
        page.text.contains("A ticket is assigned to me"),
        "{}",
        page.text
    );
    let token = page.form_token();
    let kinds = ["helpdesk.assigned", "helpdesk.reply", "helpdesk.sla"];
    let mut form = vec![("_csrf", token.as_str())];
    form.extend(kinds.iter().map(|k| ("kind", *k)));
    form.push(("email", "helpdesk.reply"));
    form.push(("email", "helpdesk.sla"));
    desk.agent
        .post_form("/notifications/choices", &form)
        .await
        .expect_status(303);
    let choices = desk
        .agent
        .get("/api/v1/notifications/choices")
        .await
        .expect_status(200)
        .body;
    let chosen = |kind: &str| {
        choices["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["kind"] == kind)
            .unwrap()["email"]
            .clone()
    };
    assert_eq!(chosen("helpdesk.assigned"), false, "{choices}");
    assert_eq!(chosen("helpdesk.reply"), true, "{choices}");
    assert_eq!(
        chosen("helpdesk.status"),
        true,
        "not on the form: unchanged"
    );

    // The next assignment: under the bell, and no email.
    file(
        &desk.requester,
        "Biometrics letter lost",
        "case_support",
        "low",
    )
    .await;
    let agent = mine(&desk.agent).await;
    assert_eq!(agent["unread"], 1, "{agent}");
    assert!(
        agent["items"][0]["text"]
            .as_str()
            .unwrap()
            .contains("Biometrics letter lost")
    );
    assert_eq!(
        queued(&server, "agent@example.com", "Passport scan").await,
        1
    );
    assert_eq!(
        queued(&server, "agent@example.com", "Biometrics letter").await,
        0,
        "the email is left out"
    );
    // The requester still gets theirs.
    assert_eq!(
        queued(&server, "req@example.com", "Biometrics letter").await,
        1
    );

    // An unknown kind is refused, naming it.
    let refused = desk
        .agent
        .put(
            "/api/v1/notifications/choices",
            json!({ "items": [{ "kind": "helpdesk.nope", "email": false }] }),
        )
        .await
        .expect_status(422);
    assert!(refused.text.contains("helpdesk.nope"), "{}", refused.text);

    // Mark all read.
    let marked = desk
        .agent
        .post("/api/v1/notifications/read-all", json!({}))
        .await
        .expect_status(200);
    assert_eq!(marked.body["marked"], 1);
    assert_eq!(mine(&desk.agent).await["unread"], 0);
    server.stop().await;
}

async fn notifications_are_each_persons_own(backend: Backend) {
    let server = TestServer::start(backend).await;
    let admin = server.admin().await;
    let desk = desk(&server, &admin, "case_support").await;
    file(&desk.requester, "Printer jammed", "case_support", "medium").await;
    let agent = mine(&desk.agent).await;
    let id = agent["items"][0]["id"].as_str().unwrap().to_owned();
    // The requester cannot mark the agent's read.
    desk.requester
        .post(&format!("/api/v1/notifications/{id}/read"), json!({}))
        .await
        .expect_status(404);
    assert_eq!(mine(&desk.agent).await["unread"], 1);
    // Another practice sees none of them.
    let other = server
        .admin_of_new_practice("other", "admin@other.example", "another long passphrase")
        .await;
    let theirs = mine(&other).await;
    assert_eq!(theirs["items"], json!([]), "{theirs}");
    other
        .post(&format!("/api/v1/notifications/{id}/read"), json!({}))
        .await
        .expect_status(404);
    // Unread through the API for the agent, then read.
    desk.agent
        .post(&format!("/api/v1/notifications/{id}/read"), json!({}))
        .await
        .expect_status(204);
    assert_eq!(mine(&desk.agent).await["unread"], 0);
    server.stop().await;
}
