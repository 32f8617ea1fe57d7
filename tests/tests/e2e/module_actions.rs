//! Modules calling other modules' actions through the host (the `actions`
//! import), with the real helpdesk and the `concierge` test module: as the
//! person of a request and as the host on its own, inside the caller's
//! transaction, within the manifest and the caller's permissions.

#![allow(clippy::unwrap_used)] // A failed unwrap is a failed test.

use immcase_tests::helpdesk::{API, boss, staff, ticket};
use immcase_tests::{Api, Backend, TestServer, eventually, on_both_databases};
use serde_json::{Value, json};

on_both_databases!(
    a_person_calls_the_helpdesk_through_another_module,
    actions_join_the_callers_transaction,
    an_event_files_a_ticket_as_the_system,
    a_failed_action_leaves_nothing_and_depth_is_bounded,
);

const CALL: &str = "/api/v1/m/concierge/call";

async fn call(
    api: &Api,
    path: &str,
    module: &str,
    name: &str,
    input: Value,
) -> immcase_tests::Resp {
    api.post(
        path,
        json!({ "module": module, "name": name, "input": input }),
    )
    .await
}

fn new_ticket(subject: &str) -> Value {
    json!({
        "subject": subject,
        "description": "Through the concierge.",
        "category": "technical_support",
        "priority": "low",
    })
}

/// A person of the practice who may use both modules.
async fn member(server: &TestServer, admin: &Api, email: &str) -> (Api, String) {
    let permissions = ["module:helpdesk", "module:concierge"];
    immcase_tests::helpdesk::person(server, admin, email, &permissions).await
}

async fn a_person_calls_the_helpdesk_through_another_module(backend: Backend) {
    let server = TestServer::start_with_modules(backend, &["concierge"]).await;
    let admin = server.admin().await;
    admin.set_module("concierge", true).await;
    let (ana, ana_id) = member(&server, &admin, "ana@example.com").await;
    let (bo, bo_id) = member(&server, &admin, "bo@example.com").await;

    // The helpdesk is not enabled: the action's module is not found.
    let refused = call(&ana, CALL, "helpdesk", "create-ticket", new_ticket("VPN"))
        .await
        .expect_status(404);
    assert!(refused.text.contains("not enabled"), "{}", refused.text);
    admin.set_module("helpdesk", true).await;

    // Filed for the person who asked, as if through the helpdesk's API.
    let filed = call(&ana, CALL, "helpdesk", "create-ticket", new_ticket("VPN"))
        .await
        .expect_status(200);
    assert_eq!(filed.body["folio"], "TKT001");
    assert_eq!(filed.body["requester_id"], ana_id);
    // Naming someone else needs helpdesk.manage.
    let mut for_bo = new_ticket("For Bo");
    for_bo["requester_id"] = json!(bo_id);
    let refused = call(&ana, CALL, "helpdesk", "create-ticket", for_bo)
        .await
        .expect_status(403);
    assert!(refused.text.contains("helpdesk.manage"), "{}", refused.text);
    // The helpdesk's own checks answer as they are.
    let mut wrong = new_ticket("");
    wrong["category"] = json!("gardening");
    let refused = call(&ana, CALL, "helpdesk", "create-ticket", wrong)
        .await
        .expect_status(422);
    // (Across the boundary an error is its message, which names each field.)
    let message = refused.body["error"]["message"].as_str().unwrap();
    assert!(message.contains("subject: required"), "{message}");
    assert!(message.contains("category: must be one of"), "{message}");
    call(&ana, CALL, "helpdesk", "escalate-to-the-moon", json!({}))
        .await
        .expect_status(404);

    // Replies and status moves as the person, with the helpdesk's rules.
    let id = filed.body["id"].clone();
    let input = json!({ "ticket_id": id, "body": "Still down." });
    call(&ana, CALL, "helpdesk", "reply", input.clone())
        .await
        .expect_status(200);
    call(&bo, CALL, "helpdesk", "reply", input)
        .await
        .expect_status(404);
    let note = json!({ "ticket_id": id, "body": "Psst", "internal": true });
    call(&ana, CALL, "helpdesk", "reply", note)
        .await
        .expect_status(403);
    let shown = ticket(&ana, &id).await;
    let replies = shown["replies"].as_array().unwrap();
    assert_eq!(replies.len(), 1);
    assert_eq!(replies[0]["author_id"], ana_id);
    let resolve = json!({ "ticket_id": id, "status": "resolved" });
    call(&ana, CALL, "helpdesk", "set-status", resolve)
        .await
        .expect_status(403);

    // Someone who may not reach the helpdesk cannot reach it this way.
    let role = json!({ "name": "Concierge only", "permissions": ["module:concierge"] });
    let outsider = server
        .sign_in_with_role(&admin, role, "out@example.com")
        .await;
    let refused = call(
        &outsider,
        CALL,
        "helpdesk",
        "create-ticket",
        new_ticket("Sneaky"),
    )
    .await
    .expect_status(403);
    assert!(refused.text.contains("module:helpdesk"), "{}", refused.text);
    let list = admin
        .get(&format!("{API}/tickets"))
        .await
        .expect_status(200);
    assert_eq!(list.body["items"].as_array().unwrap().len(), 1);
    server.stop().await;
}

async fn actions_join_the_callers_transaction(backend: Backend) {
    let server = TestServer::start_with_modules(backend, &["concierge"]).await;
    let admin = server.admin().await;
    admin.set_module("helpdesk", true).await;
    admin.set_module("concierge", true).await;
    let (_, tech_id) = staff(&server, &admin, "tech@example.com").await;
    let (ana, _) = member(&server, &admin, "ana@example.com").await;
    let manager = boss(&server, &admin).await;
    immcase_tests::helpdesk::configure(&manager, |s| {
        immcase_tests::helpdesk::category(s, "technical_support")["responsible_id"] =
            json!(tech_id);
    })
    .await;

    // The caller fails after the action: the ticket, its folio and its
    // mail are gone with it.
    call(
        &ana,
        "/api/v1/m/concierge/call-then-fail",
        "helpdesk",
        "create-ticket",
        new_ticket("Never filed"),
    )
    .await
    .expect_status(500);
    let list = manager
        .get(&format!("{API}/tickets"))
        .await
        .expect_status(200);
    assert_eq!(list.body["items"].as_array().unwrap().len(), 0);
    let filed = call(&ana, CALL, "helpdesk", "create-ticket", new_ticket("Filed"))
        .await
        .expect_status(200);
    assert_eq!(
        filed.body["folio"], "TKT001",
        "the failed call used no folio"
    );
    server.smtp.wait_for("ana@example.com", "[TKT001]").await;
    assert!(
        !server
            .smtp
            .received()
            .iter()
            .any(|m| m.subject().contains("Never filed")),
        "no mail for the ticket that was never filed"
    );

    // An action that fails leaves nothing, and the caller goes on: of two
    // moves to in progress, the second is refused, the first is kept.
    let input = json!({ "ticket_id": filed.body["id"], "status": "in_progress" });
    let both = manager_with_concierge(&server, &admin)
        .await
        .post(
            "/api/v1/m/concierge/call-twice",
            json!({ "module": "helpdesk", "name": "set-status", "input": input }),
        )
        .await
        .expect_status(200);
    assert_eq!(both.body["first"]["status"], "in_progress", "{}", both.text);
    assert!(
        both.body["second"]["error"]
            .as_str()
            .unwrap()
            .contains("already"),
        "{}",
        both.text
    );
    assert_eq!(
        ticket(&ana, &filed.body["id"]).await["status"],
        "in_progress"
    );
    server.stop().await;
}

/// A manager of the helpdesk who may also use the concierge.
async fn manager_with_concierge(server: &TestServer, admin: &Api) -> Api {
    let permissions = ["module:helpdesk", "module:concierge", "helpdesk.manage"];
    immcase_tests::helpdesk::person(server, admin, "lead@example.com", &permissions)
        .await
        .0
}

async fn an_event_files_a_ticket_as_the_system(backend: Backend) {
    let server = TestServer::start_with_modules(backend, &["concierge"]).await;
    let admin = server.admin().await;
    admin.set_module("helpdesk", true).await;
    admin.set_module("concierge", true).await;
    let (clerk, clerk_id) = member(&server, &admin, "clerk@example.com").await;
    let settings = admin
        .get("/api/v1/modules/concierge/settings")
        .await
        .expect_status(200);
    admin
        .put(
            "/api/v1/modules/concierge/settings",
            json!({ "values": { "requester_id": clerk_id }, "version": settings.body["version"] }),
        )
        .await
        .expect_status(200);

    // A new applicant: the concierge, on its own, files a ticket about them.
    let applicant = admin.add_applicant("Nakamura").await;
    let found = eventually("the concierge to file a ticket", || {
        let clerk = clerk.clone();
        async move {
            let list = clerk
                .get(&format!("{API}/tickets"))
                .await
                .expect_status(200);
            list.body["items"].as_array().unwrap().first().cloned()
        }
    })
    .await;
    assert!(
        found["subject"].as_str().unwrap().contains("Nakamura"),
        "{found}"
    );
    assert_eq!(found["requester_id"], clerk_id);
    assert_eq!(found["applicant_id"], applicant);
    assert_eq!(found["category"], "case_support");
    server.stop().await;
}

async fn a_failed_action_leaves_nothing_and_depth_is_bounded(backend: Backend) {
    let server = TestServer::start_with_modules(backend, &["concierge"]).await;
    let admin = server.admin().await;
    admin.set_module("concierge", true).await;
    let marks = |api: Api| async move {
        api.get("/api/v1/m/concierge/marks")
            .await
            .expect_status(200)
            .body["items"]
            .clone()
    };
    // Twice in one call: an action that wrote and then failed is rolled
    // back to where it began, each time, and the call still commits.
    let both = admin
        .post(
            "/api/v1/m/concierge/call-twice",
            json!({ "module": "concierge", "name": "mark-then-fail", "input": { "label": "gone" } }),
        )
        .await
        .expect_status(200);
    assert!(
        both.body["second"]["error"]
            .as_str()
            .unwrap()
            .contains("on purpose"),
        "{}",
        both.text
    );
    assert_eq!(marks(admin.clone()).await, json!([]));
    // One that succeeds is kept with the call.
    let both = admin
        .post(
            "/api/v1/m/concierge/call-twice",
            json!({ "module": "concierge", "name": "mark", "input": { "label": "kept" } }),
        )
        .await
        .expect_status(200);
    assert!(both.body["first"]["id"].is_string(), "{}", both.text);
    assert_eq!(marks(admin.clone()).await, json!(["kept", "kept"]));
    // An action that calls itself is stopped at the fourth level.
    let deep = call(&admin, CALL, "concierge", "recurse", json!({}))
        .await
        .expect_status(422);
    assert!(deep.text.contains("more than 4 deep"), "{}", deep.text);
    // What a module does not list, it cannot call.
    let refused = call(&admin, CALL, "notes", "create-note", json!({}))
        .await
        .expect_status(403);
    assert!(
        refused.text.contains("notes.create-note"),
        "{}",
        refused.text
    );
    server.stop().await;
}
