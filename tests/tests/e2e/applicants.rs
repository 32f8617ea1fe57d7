//! Applicants through the API: validation naming each field, duplicate
//! detection with reasons, versions, field rules, the timeline, and
//! isolation between practices.

#![allow(clippy::unwrap_used)] // A failed unwrap is a failed test.

use immcase_tests::{Api, Backend, TestServer, on_both_databases};
use serde_json::{Value, json};

on_both_databases!(
    applicants_are_checked_and_normalised,
    duplicates_are_found_with_their_reasons,
    a_stale_update_gets_409_and_changes_are_on_the_timeline,
    field_rules_hide_and_protect_fields,
    practices_never_see_each_others_applicants,
);

fn jose() -> Value {
    json!({
        "given_name": "José",
        "family_name": "Pérez",
        "emails": ["jose.perez@example.com"],
        "phones": ["(416) 555-0100"],
        "date_of_birth": "1990-04-21",
        "passport_number": "AB123456",
        "passport_country": "Mexico",
        "citizenship": "Mexico",
        "notes": "Prefers calls after 5 pm"
    })
}

async fn create(api: &Api, body: Value) -> immcase_tests::Resp {
    api.post("/api/v1/applicants", body).await
}

async fn applicants_are_checked_and_normalised(backend: Backend) {
    let server = TestServer::start(backend).await;
    let admin = server.admin().await;
    let made = create(&admin, jose()).await.expect_status(201);
    let a = &made.body;
    assert_eq!(a["phones"], json!(["+14165550100"]));
    assert_eq!(a["version"], 1);
    assert_eq!(
        made.header("location"),
        Some(format!("/api/v1/applicants/{}", a["id"].as_str().unwrap()))
    );
    let read = admin
        .get(&format!("/api/v1/applicants/{}", a["id"].as_str().unwrap()))
        .await
        .expect_status(200);
    assert_eq!(read.body, made.body);
    let list = admin.get("/api/v1/applicants").await.expect_status(200);
    assert_eq!(list.body["items"].as_array().unwrap().len(), 1);

    let bad = create(
        &admin,
        json!({ "given_name": "X", "emails": ["nope"], "phones": ["123"], "date_of_birth": "2999-01-01",
                "passport_expiry": "31/12/2030" }),
    )
    .await
    .expect_status(422);
    let fields = &bad.body["error"]["fields"];
    assert_eq!(fields["family_name"], "required");
    for field in ["emails", "phones", "date_of_birth", "passport_expiry"] {
        assert!(fields[field].is_string(), "{field}: {}", bad.text);
    }
    let unknown = create(&admin, json!({ "family_name": "X", "shoe_size": 9 }))
        .await
        .expect_status(422);
    assert!(unknown.body["error"]["fields"]["shoe_size"].is_string());
    server.stop().await;
}

/// The reasons of the one candidate of a 409, as `kind` strings.
fn reasons(resp: &immcase_tests::Resp) -> Vec<String> {
    let candidates = resp.body["error"]["candidates"].as_array().unwrap();
    assert_eq!(candidates.len(), 1, "{}", resp.text);
    candidates[0]["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["kind"].as_str().unwrap().to_string())
        .collect()
}

async fn duplicates_are_found_with_their_reasons(backend: Backend) {
    let server = TestServer::start(backend).await;
    let admin = server.admin().await;
    let first = create(&admin, jose()).await.expect_status(201).body;

    // Accents and case, given and family names swapped, a small typo.
    let swapped = create(
        &admin,
        json!({ "given_name": "perez", "family_name": "JOSE" }),
    )
    .await
    .expect_status(409);
    assert_eq!(swapped.code(), "conflict");
    assert_eq!(reasons(&swapped), vec!["name"]);
    let candidate = &swapped.body["error"]["candidates"][0];
    assert_eq!(candidate["applicant"]["id"], first["id"]);
    assert_eq!(candidate["reasons"][0]["how"], "transposed");
    let typo = create(
        &admin,
        json!({ "given_name": "Jose", "family_name": "Peres" }),
    )
    .await
    .expect_status(409);
    assert_eq!(
        typo.body["error"]["candidates"][0]["reasons"][0]["how"],
        "similar"
    );

    // Exact contact details, whatever the name.
    let email = create(
        &admin,
        json!({ "family_name": "Smith", "emails": ["Jose.Perez@Example.com"] }),
    )
    .await
    .expect_status(409);
    assert_eq!(reasons(&email), vec!["email"]);
    let phone = create(
        &admin,
        json!({ "family_name": "Smith", "phones": ["+1 416.555.0100"] }),
    )
    .await
    .expect_status(409);
    assert_eq!(reasons(&phone), vec!["phone"]);
    let passport = create(
        &admin,
        json!({ "family_name": "Smith", "passport_number": "ab-123 456", "date_of_birth": "1990-04-21" }),
    )
    .await
    .expect_status(409);
    let mut found = reasons(&passport);
    found.sort();
    assert_eq!(found, vec!["date_of_birth", "passport"]);

    // Sharing a birthday is not enough; a different person is created at once.
    create(
        &admin,
        json!({ "given_name": "Carlos", "family_name": "Ruiz", "date_of_birth": "1990-04-21" }),
    )
    .await
    .expect_status(201);
    create(
        &admin,
        json!({ "given_name": "María", "family_name": "López" }),
    )
    .await
    .expect_status(201);

    // The same check on its own, before creating.
    let check = admin
        .get("/api/v1/applicants/duplicates?given_name=Jos%C3%A9&family_name=Perez&phones=4165550100")
        .await
        .expect_status(200);
    let items = check.body["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{}", check.text);
    let kinds: Vec<&str> = items[0]["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["kind"].as_str().unwrap())
        .collect();
    assert!(
        kinds.contains(&"name") && kinds.contains(&"phone"),
        "{kinds:?}"
    );
    admin
        .get("/api/v1/applicants/duplicates")
        .await
        .expect_status(422);

    // Confirmed, a look-alike is created.
    let mut again = jose();
    again["confirm_duplicates"] = json!(true);
    create(&admin, again).await.expect_status(201);
    let list = admin.get("/api/v1/applicants").await.expect_status(200);
    assert_eq!(list.body["items"].as_array().unwrap().len(), 4);
    server.stop().await;
}

async fn a_stale_update_gets_409_and_changes_are_on_the_timeline(backend: Backend) {
    let server = TestServer::start(backend).await;
    let admin = server.admin().await;
    let a = create(&admin, jose()).await.expect_status(201).body;
    let path = format!("/api/v1/applicants/{}", a["id"].as_str().unwrap());
    let changed = admin
        .patch(
            &path,
            json!({ "version": 1, "emails": ["jp@example.com"], "notes": null }),
        )
        .await
        .expect_status(200);
    assert_eq!(changed.body["version"], 2);
    assert_eq!(changed.body["emails"], json!(["jp@example.com"]));
    assert_eq!(changed.body["notes"], Value::Null);
    assert_eq!(
        changed.body["passport_number"], "AB123456",
        "untouched fields stay"
    );
    // Someone else still at version 1 changes nothing.
    let stale = admin
        .patch(&path, json!({ "version": 1, "given_name": "Pepe" }))
        .await
        .expect_status(409);
    assert_eq!(stale.body["error"]["current"]["version"], 2);
    assert_eq!(stale.body["error"]["current"]["given_name"], "José");
    let without = admin
        .patch(&path, json!({ "given_name": "Pepe" }))
        .await
        .expect_status(422);
    assert!(without.body["error"]["fields"]["version"].is_string());
    let read_only_check = admin
        .patch(&path, json!({ "version": 2, "id": "x" }))
        .await
        .expect_status(422);
    assert!(read_only_check.body["error"]["fields"]["id"].is_string());

    let timeline = admin
        .get(&format!("{path}/timeline"))
        .await
        .expect_status(200);
    let items = timeline.body["items"].as_array().unwrap();
    assert_eq!(items[0]["action"], "created");
    let email_change = items.iter().find(|i| i["field"] == "emails").unwrap();
    assert_eq!(email_change["old_value"], json!(["jose.perez@example.com"]));
    assert_eq!(email_change["new_value"], json!(["jp@example.com"]));
    assert_eq!(email_change["actor_name"], "Administrator");
    assert!(
        items
            .iter()
            .any(|i| i["field"] == "notes" && i["new_value"].is_null())
    );
    assert_eq!(items.len(), 3, "created, emails, notes: {}", timeline.text);
    server.stop().await;
}

async fn field_rules_hide_and_protect_fields(backend: Backend) {
    let server = TestServer::start(backend).await;
    let admin = server.admin().await;
    let a = create(&admin, jose()).await.expect_status(201).body;
    let path = format!("/api/v1/applicants/{}", a["id"].as_str().unwrap());
    let desk = server
        .sign_in_with_role(&admin, json!({ "name": "Front desk", "permissions": ["applicants.read", "applicants.write"],
                    "field_rules": { "applicant.passport_number": "hidden", "applicant.notes": "read_only" } }), "desk@immcase.test")
        .await;

    let seen = desk.get(&path).await.expect_status(200);
    assert!(seen.body.get("passport_number").is_none(), "{}", seen.text);
    assert_eq!(
        seen.body["notes"], "Prefers calls after 5 pm",
        "read-only is shown"
    );
    let list = desk.get("/api/v1/applicants").await.expect_status(200);
    assert!(list.body["items"][0].get("passport_number").is_none());

    for (field, value) in [
        ("notes", json!("changed")),
        ("passport_number", json!("ZZ999999")),
    ] {
        let refused = desk
            .patch(&path, json!({ "version": 1, field: value }))
            .await
            .expect_status(403);
        let key = format!("applicant.{field}");
        assert!(
            refused.body["error"]["fields"][&key].is_string(),
            "{}",
            refused.text
        );
    }
    desk.patch(
        &path,
        json!({ "version": 1, "address": "12 King St W, Toronto" }),
    )
    .await
    .expect_status(200);
    create(
        &desk,
        json!({ "family_name": "New", "passport_number": "CD1234567" }),
    )
    .await
    .expect_status(403);

    // A duplicate found by a hidden field names the reason, not the value.
    let dup = create(&desk, json!({ "family_name": "Other", "date_of_birth": "1990-04-21", "emails": ["jose.perez@example.com"] }))
        .await
        .expect_status(409);
    assert!(
        dup.body["error"]["candidates"][0]["applicant"]
            .get("passport_number")
            .is_none()
    );
    // The timeline leaves out changes to hidden fields.
    admin
        .patch(
            &path,
            json!({ "version": 2, "passport_number": "XY7654321" }),
        )
        .await
        .expect_status(200);
    let theirs = desk
        .get(&format!("{path}/timeline"))
        .await
        .expect_status(200);
    assert!(!theirs.text.contains("XY7654321"), "{}", theirs.text);
    let admins = admin
        .get(&format!("{path}/timeline"))
        .await
        .expect_status(200);
    assert!(admins.text.contains("XY7654321"));
    // Denials are audited with the field.
    let audit = admin
        .get("/api/v1/audit?action=access.denied")
        .await
        .expect_status(200);
    assert!(audit.text.contains("applicant.notes"), "{}", audit.text);
    server.stop().await;
}

async fn practices_never_see_each_others_applicants(backend: Backend) {
    let server = TestServer::start(backend).await;
    server
        .add_practice("acme", "boss@acme.test", "acme boss's long passphrase")
        .await;
    let admin = server.admin().await;
    let a = create(&admin, jose()).await.expect_status(201).body;
    let acme = server.api_for("acme");
    acme.sign_in("boss@acme.test", "acme boss's long passphrase")
        .await
        .expect_status(200);
    acme.get(&format!("/api/v1/applicants/{}", a["id"].as_str().unwrap()))
        .await
        .expect_status(404);
    acme.patch(
        &format!("/api/v1/applicants/{}", a["id"].as_str().unwrap()),
        json!({ "version": 1, "given_name": "Mallory" }),
    )
    .await
    .expect_status(404);
    let list = acme.get("/api/v1/applicants").await.expect_status(200);
    assert!(list.body["items"].as_array().unwrap().is_empty());
    // The same person in another practice is no duplicate here.
    create(&acme, jose()).await.expect_status(201);
    let check = acme
        .get("/api/v1/applicants/duplicates?emails=jose.perez@example.com")
        .await
        .expect_status(200);
    assert_eq!(check.body["items"].as_array().unwrap().len(), 1);
    server.stop().await;
}
