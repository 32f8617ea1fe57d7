//! The `records` import through real modules: reading applicants and cases
//! as the caller (permissions, field rules, trash, practices, the manifest's
//! capability) or with the module's own rights.

#![allow(clippy::unwrap_used)] // A failed unwrap is a failed test.

use immcase_tests::{Api, Backend, Resp, TestServer, eventually, on_both_databases};
use serde_json::{Value, json};

on_both_databases!(
    modules_read_records_as_the_caller,
    records_outside_the_caller_reach_are_refused_or_not_found,
    host_calls_read_with_the_module_rights,
);

const MODULE: &str = "records-search";

async fn start(backend: Backend) -> (TestServer, Api) {
    let server = TestServer::start_with_modules(backend, &[MODULE, "records-narrow"]).await;
    let admin = server.admin().await;
    admin.set_module(MODULE, true).await;
    admin.set_module("records-narrow", true).await;
    (server, admin)
}

async fn via_module(api: &Api, path: &str) -> Resp {
    api.get(&format!("/api/v1/m/{MODULE}{path}")).await
}

async fn add_ana(admin: &Api) -> String {
    let body = json!({ "given_name": "Ana", "family_name": "García", "passport_number": "AB123456",
                       "emails": ["ana.garcia@maple.example"], "confirm_duplicates": true });
    let made = admin
        .post("/api/v1/applicants", body)
        .await
        .expect_status(201);
    made.body["id"].as_str().unwrap().to_string()
}

fn message(resp: &Resp) -> String {
    resp.body["error"]["message"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

async fn modules_read_records_as_the_caller(backend: Backend) {
    let (server, admin) = start(backend).await;
    let ana = add_ana(&admin).await;
    let case = admin.open_case(&ana, "study_permit").await;
    let case_id = case["id"].as_str().unwrap();

    // The same JSON as the API's.
    let from_api = admin.get(&format!("/api/v1/applicants/{ana}")).await;
    let read = via_module(&admin, &format!("/applicant?id={ana}")).await;
    assert_eq!(read.expect_status(200).body, from_api.body);
    let case_from_api = admin.get(&format!("/api/v1/cases/{case_id}")).await;
    let read = via_module(&admin, &format!("/case?id={case_id}")).await;
    assert_eq!(read.expect_status(200).body, case_from_api.body);
    assert_eq!(case_from_api.body["folio"], "CAS001");

    // Emails are compared as the API stores them.
    let found = via_module(&admin, "/by-email?email=%20Ana.Garcia@MAPLE.example%20").await;
    assert_eq!(
        found.expect_status(200).body["items"],
        json!([from_api.body])
    );
    let none = via_module(&admin, "/by-email?email=someone@else.example").await;
    assert_eq!(none.expect_status(200).body["items"], json!([]));

    // After the call's first write, reads go through its transaction.
    let after = admin
        .post(
            &format!("/api/v1/m/{MODULE}/applicant-after-write?id={ana}"),
            json!({}),
        )
        .await
        .expect_status(200);
    assert_eq!(after.body, from_api.body);

    // A field the caller's role hides is absent, as in the API.
    let desk = server
        .sign_in_with_role(
            &admin,
            json!({ "name": "Front desk", "permissions": ["applicants.read", "module:records-search"],
                    "field_rules": { "applicant.passport_number": "hidden" } }),
            "desk@immcase.test",
        )
        .await;
    let seen = via_module(&desk, &format!("/applicant?id={ana}"))
        .await
        .expect_status(200);
    assert_eq!(seen.body["family_name"], "García");
    assert!(seen.body.get("passport_number").is_none(), "{}", seen.text);
    assert_eq!(
        admin.get(&format!("/api/v1/applicants/{ana}")).await.body["passport_number"],
        "AB123456"
    );
    let by_email = via_module(&desk, "/by-email?email=ana.garcia@maple.example")
        .await
        .expect_status(200);
    let first = &by_email.body["items"][0];
    assert_eq!(first["id"], ana.as_str());
    assert!(first.get("passport_number").is_none(), "{}", by_email.text);

    // Without cases.read, the case is refused, naming the permission.
    let refused = via_module(&desk, &format!("/case?id={case_id}")).await;
    let refused = refused.expect_status(403);
    assert_eq!(refused.code(), "forbidden");
    assert!(message(&refused).contains("cases.read"), "{}", refused.text);
    server.stop().await;
}

async fn records_outside_the_caller_reach_are_refused_or_not_found(backend: Backend) {
    let (server, admin) = start(backend).await;
    let ana = add_ana(&admin).await;

    // Without applicants.read, nothing: not even by email.
    let nobody = server
        .sign_in_with_role(
            &admin,
            json!({ "name": "Module only", "permissions": ["module:records-search"] }),
            "nobody@immcase.test",
        )
        .await;
    for path in [
        format!("/applicant?id={ana}"),
        "/by-email?email=ana.garcia@maple.example".to_string(),
    ] {
        let refused = via_module(&nobody, &path).await.expect_status(403);
        assert!(
            message(&refused).contains("applicants.read"),
            "{}",
            refused.text
        );
    }

    // A module whose manifest does not list cases:read may not read cases,
    // whoever asks; the message names the plugin.toml key.
    let case = admin.open_case(&ana, "work_permit").await;
    let narrow = admin
        .get(&format!(
            "/api/v1/m/records-narrow/case?id={}",
            case["id"].as_str().unwrap()
        ))
        .await
        .expect_status(403);
    let why = message(&narrow);
    assert!(
        why.contains("cases:read") && why.contains("[capabilities] records"),
        "{why}"
    );
    admin
        .get(&format!("/api/v1/m/records-narrow/applicant?id={ana}"))
        .await
        .expect_status(200);

    // Unknown ids, the trash and other practices are not found.
    let unknown = via_module(&admin, "/applicant?id=no-such-id")
        .await
        .expect_status(404);
    assert_eq!(unknown.code(), "not_found");
    let bea = admin.add_applicant("Trashed").await;
    via_module(&admin, &format!("/applicant?id={bea}"))
        .await
        .expect_status(200);
    admin
        .delete(&format!("/api/v1/applicants/{bea}"))
        .await
        .expect_status(204);
    via_module(&admin, &format!("/applicant?id={bea}"))
        .await
        .expect_status(404);
    via_module(
        &admin,
        &format!("/case?id={}", case["id"].as_str().unwrap()),
    )
    .await
    .expect_status(200);
    admin
        .delete(&format!("/api/v1/applicants/{ana}"))
        .await
        .expect_status(204);
    let gone = via_module(&admin, "/by-email?email=ana.garcia@maple.example").await;
    assert_eq!(gone.expect_status(200).body["items"], json!([]));
    via_module(
        &admin,
        &format!("/case?id={}", case["id"].as_str().unwrap()),
    )
    .await
    .expect_status(404);

    server
        .add_practice("acme", "boss@acme.test", "acme boss's long passphrase")
        .await;
    let acme = server.api_for("acme");
    acme.sign_in("boss@acme.test", "acme boss's long passphrase")
        .await
        .expect_status(200);
    acme.set_module(MODULE, true).await;
    let theirs = add_ana(&acme).await;
    via_module(&acme, &format!("/applicant?id={theirs}"))
        .await
        .expect_status(200);
    via_module(&admin, &format!("/applicant?id={theirs}"))
        .await
        .expect_status(404);
    let mine = admin.add_applicant("Ours").await;
    via_module(&acme, &format!("/applicant?id={mine}"))
        .await
        .expect_status(404);
    let by_email = via_module(&acme, "/by-email?email=ana.garcia@maple.example").await;
    let items = by_email.expect_status(200).body["items"].clone();
    assert_eq!(items.as_array().unwrap().len(), 1);
    assert_eq!(items[0]["id"], theirs.as_str());
    server.stop().await;
}

async fn host_calls_read_with_the_module_rights(backend: Backend) {
    let (server, admin) = start(backend).await;
    let desk = server
        .sign_in_with_role(
            &admin,
            json!({ "name": "Front desk", "permissions": ["applicants.read", "module:records-search"],
                    "field_rules": { "applicant.passport_number": "hidden" } }),
            "desk@immcase.test",
        )
        .await;
    let luc = add_ana(&admin).await;
    // Read for the desk, the passport is hidden; the module, called by the
    // host for `applicant.created` with no person behind the call, reads
    // with its own rights: every field.
    let live = via_module(&desk, &format!("/applicant?id={luc}"))
        .await
        .expect_status(200);
    assert!(live.body.get("passport_number").is_none(), "{}", live.text);
    let seen: Value = eventually("the module to read the new applicant", || {
        let (desk, luc) = (desk.clone(), luc.clone());
        async move {
            let r = via_module(&desk, &format!("/seen?id={luc}")).await;
            (r.status == 200).then_some(r.body)
        }
    })
    .await;
    assert_eq!(seen["family_name"], "García");
    assert_eq!(seen["passport_number"], "AB123456", "{seen}");
    server.stop().await;
}
