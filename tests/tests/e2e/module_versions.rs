//! Modules built against earlier contracts load and work: 0.2.0 (before
//! `notifications`, `tests/modules/api-0-2-0`) and 0.2.1 (before
//! `mail.send-message`, `tests/modules/api-0-2-1`) served by 0.2.2, and
//! a module built against an earlier contract (host API 0.1.0, bindings
//! from a frozen copy of that WIT: `tests/modules/api-0-1-0`) is loaded by
//! this host, which serves 0.1.x beside 0.2, and its imports work as 0.1
//! promised: records are JSON of the JSON API's shape.

#![allow(clippy::unwrap_used)] // A failed unwrap is a failed test.

use immcase_tests::{Backend, TestServer, on_both_databases};
use serde_json::json;

on_both_databases!(
    a_module_built_against_0_2_0_runs_on_this_host,
    a_module_built_against_0_2_1_sends_mail_as_it_did,
    a_module_built_against_0_2_2_sends_messages_as_it_did,
    a_module_built_against_0_2_3_reads_a_signature_as_it_did,
    a_module_built_against_0_1_0_runs_on_this_host,
    a_0_1_module_reads_records_as_the_json_api_shows_them
);

/// 0.2.1 added an interface (`notifications`): a module built before it
/// does not import it and runs as it did, served by 0.2.4.
async fn a_module_built_against_0_2_0_runs_on_this_host(backend: Backend) {
    let server = TestServer::start_with_modules(backend, &["api-0-2-0"]).await;
    let admin = server.admin().await;
    let listed = admin.get("/api/v1/modules").await.expect_status(200);
    let earlier = listed.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["id"] == "api-0-2-0")
        .unwrap()
        .clone();
    assert_ne!(earlier["status"], "refused", "{earlier}");
    assert_eq!(earlier["contract"], "0.2.4", "{earlier}");
    admin.set_module("api-0-2-0", true).await;
    for visit in 1..=2 {
        let answer = admin.get("/api/v1/m/api-0-2-0/").await.expect_status(200);
        assert_eq!(answer.body["api"], "0.2.0");
        assert_eq!(answer.body["stored"], visit, "its store import works");
    }
    let applicant = admin.add_applicant("Okonkwo").await;
    let case = admin.open_case(&applicant, "study_permit").await;
    let read = admin
        .get(&format!(
            "/api/v1/m/api-0-2-0/cases/{}",
            case["id"].as_str().unwrap()
        ))
        .await
        .expect_status(200);
    assert_eq!(read.body["folio"], case["folio"], "{}", read.text);
    assert!(
        read.body["stage"].as_str().unwrap().contains("Intake"),
        "typed as 0.2.0 gives it: {}",
        read.text
    );
    server.stop().await;
}

/// 0.2.2 grew the `mail` interface (`send-message` and its records): a
/// module built against 0.2.1 imports `mail@0.2.1` with `send` alone, is
/// linked to the 0.2.2 interface and its mail still arrives.
async fn a_module_built_against_0_2_1_sends_mail_as_it_did(backend: Backend) {
    let server = TestServer::start_with_modules(backend, &["api-0-2-1"]).await;
    let admin = server.admin().await;
    let listed = admin.get("/api/v1/modules").await.expect_status(200);
    let earlier = listed.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["id"] == "api-0-2-1")
        .unwrap()
        .clone();
    assert_ne!(earlier["status"], "refused", "{earlier}");
    assert_eq!(earlier["contract"], "0.2.4", "{earlier}");
    admin.set_module("api-0-2-1", true).await;
    let sent = admin
        .post("/api/v1/m/api-0-2-1/mail?to=ana%40example.com", json!({}))
        .await
        .expect_status(200);
    assert_eq!(sent.body["sent"], true, "{}", sent.text);
    let mail = server
        .smtp
        .wait_for("ana@example.com", "Sent through 0.2.1")
        .await;
    assert!(mail.text().contains("as 0.2.1 sent it"), "{}", mail.text());
    let refused = admin
        .post("/api/v1/m/api-0-2-1/mail?to=nobody", json!({}))
        .await
        .expect_status(422);
    assert!(
        refused.text.contains("is not an email address"),
        "{}",
        refused.text
    );
    server.stop().await;
}

/// 0.2.3 grew `mail` again (`send-letter` and its records) and added
/// `mailboxes`: a module built against 0.2.2 imports `mail@0.2.2` with
/// `send-message`, is linked to the 0.2.3 interface, and its message with
/// its copy and attachment still arrives.
async fn a_module_built_against_0_2_2_sends_messages_as_it_did(backend: Backend) {
    let server = TestServer::start_with_modules(backend, &["api-0-2-2"]).await;
    let admin = server.admin().await;
    let listed = admin.get("/api/v1/modules").await.expect_status(200);
    let earlier = listed.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["id"] == "api-0-2-2")
        .unwrap()
        .clone();
    assert_ne!(earlier["status"], "refused", "{earlier}");
    assert_eq!(earlier["contract"], "0.2.4", "{earlier}");
    admin.set_module("api-0-2-2", true).await;
    let sent = admin
        .post("/api/v1/m/api-0-2-2/mail?to=ana%40example.com", json!({}))
        .await
        .expect_status(200);
    assert_eq!(sent.body["sent"], true, "{}", sent.text);
    let mail = server
        .smtp
        .wait_for("copy@example.com", "Sent through 0.2.2")
        .await;
    assert!(
        mail.to.contains(&"ana@example.com".to_string()),
        "{:?}",
        mail.to
    );
    let raw = String::from_utf8_lossy(&mail.raw);
    assert!(raw.contains("note.txt"), "{raw}");
    server.stop().await;
}

/// 0.2.4 added an interface (`practice`): a module built against 0.2.3
/// imports `mailboxes@0.2.3`, is linked to the 0.2.4 interface, and reads
/// the person's signature as it did.
async fn a_module_built_against_0_2_3_reads_a_signature_as_it_did(backend: Backend) {
    let server = TestServer::start_with_modules(backend, &["api-0-2-3"]).await;
    let admin = server.admin().await;
    let listed = admin.get("/api/v1/modules").await.expect_status(200);
    let earlier = listed.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["id"] == "api-0-2-3")
        .unwrap()
        .clone();
    assert_ne!(earlier["status"], "refused", "{earlier}");
    assert_eq!(earlier["contract"], "0.2.4", "{earlier}");
    admin.set_module("api-0-2-3", true).await;
    let answer = admin
        .get("/api/v1/m/api-0-2-3/signature")
        .await
        .expect_status(200);
    assert_eq!(answer.body["api"], "0.2.3", "{}", answer.text);
    assert!(answer.body["signature"].is_string(), "{}", answer.text);
    server.stop().await;
}

async fn a_module_built_against_0_1_0_runs_on_this_host(backend: Backend) {
    let server = TestServer::start_with_modules(backend, &["api-0-1-0"]).await;
    let admin = server.admin().await;
    let listed = admin.get("/api/v1/modules").await.expect_status(200);
    let old = listed.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["id"] == "api-0-1-0")
        .unwrap()
        .clone();
    assert_ne!(old["status"], "refused", "{old}");
    assert_eq!(
        old["contract"], "0.1.2",
        "served by the 0.1 contract: {old}"
    );
    let page = admin.get("/settings/modules").await.expect_status(200);
    assert!(
        page.text
            .contains("needs host API ^0.1 · built for the earlier contract 0.1.2, still served"),
        "{}",
        page.text
    );
    admin.set_module("api-0-1-0", true).await;
    for visit in 1..=2 {
        let answer = admin.get("/api/v1/m/api-0-1-0/").await.expect_status(200);
        assert_eq!(answer.body["api"], "0.1.0");
        assert_eq!(answer.body["stored"], visit, "its store import works");
    }
    server.stop().await;
}

async fn a_0_1_module_reads_records_as_the_json_api_shows_them(backend: Backend) {
    let server = TestServer::start_with_modules(backend, &["api-0-1-0"]).await;
    let admin = server.admin().await;
    admin.set_module("api-0-1-0", true).await;
    let created = admin
        .post(
            "/api/v1/applicants",
            json!({ "given_name": "Ana", "family_name": "García", "emails": ["ana@maple.example"],
                    "passport_number": "AB123456", "date_of_birth": "1990-04-21" }),
        )
        .await
        .expect_status(201);
    let id = created.body["id"].as_str().unwrap().to_owned();

    let through_module = admin
        .get(&format!("/api/v1/m/api-0-1-0/applicants/{id}"))
        .await
        .expect_status(200);
    let through_api = admin
        .get(&format!("/api/v1/applicants/{id}"))
        .await
        .expect_status(200);
    assert_eq!(through_module.body, through_api.body, "the same JSON");
    assert_eq!(
        through_module.body["created_at"],
        created.body["created_at"]
    );

    // A field the reader's role hides is absent, as in the API.
    let desk = server
        .sign_in_with_role(
            &admin,
            json!({ "name": "Front desk", "permissions": ["applicants.read", "module:api-0-1-0"],
                    "field_rules": { "applicant.passport_number": "hidden" } }),
            "desk@immcase.test",
        )
        .await;
    let seen = desk
        .get(&format!("/api/v1/m/api-0-1-0/applicants/{id}"))
        .await
        .expect_status(200);
    assert_eq!(seen.body["family_name"], "García");
    assert!(seen.body.get("passport_number").is_none(), "{}", seen.text);

    let unknown = admin
        .get("/api/v1/m/api-0-1-0/applicants/nobody")
        .await
        .expect_status(404);
    assert!(unknown.text.contains("NotFound"), "{}", unknown.text);
    server.stop().await;
}
