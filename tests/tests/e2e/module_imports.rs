//! The `records` and `search` imports through real modules: reading
//! applicants and cases as the caller (permissions, field rules, trash,
//! practices, the manifest's capability) or with the module's own rights,
//! and a module's own documents in global search (permissions, the module
//! being enabled, replacement, removal, restarts and rebuilds).

#![allow(clippy::unwrap_used)] // A failed unwrap is a failed test.

use immcase_tests::{Api, Backend, Resp, TestServer, eventually, on_both_databases};
use serde_json::{Value, json};

on_both_databases!(
    modules_read_records_as_the_caller,
    records_outside_the_caller_reach_are_refused_or_not_found,
    host_calls_read_with_the_module_rights,
    module_documents_are_found_by_who_may_see_them,
    module_documents_follow_puts_removals_and_the_module_state,
);

const MODULE: &str = "records-search";
const MEMBER_PASSWORD: &str = "a member's long passphrase";

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

/// The module's answer to `GET path`, which must have `status`.
async fn read(api: &Api, path: &str, status: u16) -> Resp {
    via_module(api, path).await.expect_status(status)
}

/// Adds the practice `acme` with the module enabled; its administrator.
async fn acme(server: &TestServer) -> Api {
    let password = "acme boss's long passphrase";
    server
        .add_practice("acme", "boss@acme.test", password)
        .await;
    let acme = server.api_for("acme");
    acme.sign_in("boss@acme.test", password)
        .await
        .expect_status(200);
    acme.set_module(MODULE, true).await;
    acme
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

/// A record of the JSON API as the `records` import gives it to a module
/// (which answers it as the SDK's typed record serializes): times in
/// milliseconds, and `hidden` naming what the reader may not see.
fn as_module_reads(from_api: &Value, hidden: &[&str]) -> Value {
    let mut record = from_api.clone();
    for time in ["created_at", "updated_at"] {
        let text = record[time].as_str().unwrap();
        let ms = text.parse::<jiff::Timestamp>().unwrap().as_millisecond();
        record[time] = json!(ms);
    }
    for field in hidden {
        let empty = if record[*field].is_array() {
            json!([])
        } else {
            Value::Null
        };
        record[*field] = empty;
    }
    record["hidden"] = json!(hidden);
    record
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

    // The API's record, typed: the same fields and values.
    let from_api = admin.get(&format!("/api/v1/applicants/{ana}")).await;
    let mine = read(&admin, &format!("/applicant?id={ana}"), 200).await;
    assert_eq!(mine.body, as_module_reads(&from_api.body, &[]));
    let case_from_api = admin.get(&format!("/api/v1/cases/{case_id}")).await;
    let mine = read(&admin, &format!("/case?id={case_id}"), 200).await;
    assert_eq!(mine.body, as_module_reads(&case_from_api.body, &[]));
    assert_eq!(mine.body["stage"], "intake");
    assert_eq!(case_from_api.body["folio"], "CAS001");

    // Emails are compared as the API stores them.
    let found = read(
        &admin,
        "/by-email?email=%20Ana.Garcia@MAPLE.example%20",
        200,
    )
    .await;
    assert_eq!(
        found.body["items"],
        json!([as_module_reads(&from_api.body, &[])])
    );
    let none = read(&admin, "/by-email?email=someone@else.example", 200).await;
    assert_eq!(none.body["items"], json!([]));

    // After the call's first write, reads go through its transaction.
    let after = admin
        .post(
            &format!("/api/v1/m/{MODULE}/applicant-after-write?id={ana}"),
            json!({}),
        )
        .await
        .expect_status(200);
    assert_eq!(after.body, as_module_reads(&from_api.body, &[]));

    // A field the caller's role hides is empty and named in `hidden`.
    let desk = server
        .sign_in_with_role(
            &admin,
            json!({ "name": "Front desk", "permissions": ["applicants.read", "module:records-search"],
                    "field_rules": { "applicant.passport_number": "hidden" } }),
            "desk@immcase.test",
        )
        .await;
    let seen = read(&desk, &format!("/applicant?id={ana}"), 200).await;
    let desk_api = desk.get(&format!("/api/v1/applicants/{ana}")).await;
    assert!(
        desk_api.body.get("passport_number").is_none(),
        "{}",
        desk_api.text
    );
    let mut expected = from_api.body.clone();
    expected["passport_number"] = Value::Null;
    assert_eq!(seen.body, as_module_reads(&expected, &["passport_number"]));
    assert_eq!(seen.body["family_name"], "García");
    let by_email = read(&desk, "/by-email?email=ana.garcia@maple.example", 200).await;
    let first = &by_email.body["items"][0];
    assert_eq!(first["id"], ana.as_str());
    assert_eq!(first["passport_number"], Value::Null, "{}", by_email.text);
    assert_eq!(first["hidden"], json!(["passport_number"]));

    // Without cases.read, the case is refused, naming the permission.
    let refused = read(&desk, &format!("/case?id={case_id}"), 403).await;
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
        let refused = read(&nobody, &path, 403).await;
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
    let unknown = read(&admin, "/applicant?id=no-such-id", 404).await;
    assert_eq!(unknown.code(), "not_found");
    let bea = admin.add_applicant("Trashed").await;
    read(&admin, &format!("/applicant?id={bea}"), 200).await;
    admin
        .delete(&format!("/api/v1/applicants/{bea}"))
        .await
        .expect_status(204);
    read(&admin, &format!("/applicant?id={bea}"), 404).await;
    let case_path = format!("/case?id={}", case["id"].as_str().unwrap());
    read(&admin, &case_path, 200).await;
    admin
        .delete(&format!("/api/v1/applicants/{ana}"))
        .await
        .expect_status(204);
    let gone = read(&admin, "/by-email?email=ana.garcia@maple.example", 200).await;
    assert_eq!(gone.body["items"], json!([]));
    read(&admin, &case_path, 404).await;

    let acme = acme(&server).await;
    let theirs = add_ana(&acme).await;
    read(&acme, &format!("/applicant?id={theirs}"), 200).await;
    read(&admin, &format!("/applicant?id={theirs}"), 404).await;
    let mine = admin.add_applicant("Ours").await;
    read(&acme, &format!("/applicant?id={mine}"), 404).await;
    let by_email = read(&acme, "/by-email?email=ana.garcia@maple.example", 200).await;
    let items = by_email.body["items"].clone();
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
    let live = read(&desk, &format!("/applicant?id={luc}"), 200).await;
    assert_eq!(live.body["passport_number"], Value::Null, "{}", live.text);
    assert_eq!(live.body["hidden"], json!(["passport_number"]));
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
    assert_eq!(seen["hidden"], json!([]));
    server.stop().await;
}

async fn search_hits(api: &Api, q: &str) -> Vec<Value> {
    let found = api
        .get(&format!("/api/v1/search?q={q}"))
        .await
        .expect_status(200);
    found.body["items"].as_array().unwrap().clone()
}

async fn search_ids(api: &Api, q: &str) -> Vec<String> {
    let mut ids: Vec<String> = search_hits(api, q)
        .await
        .iter()
        .map(|h| h["id"].as_str().unwrap().to_string())
        .collect();
    ids.sort();
    ids
}

async fn put_doc(api: &Api, doc: Value) -> Resp {
    api.post(&format!("/api/v1/m/{MODULE}/doc"), doc).await
}

async fn member(server: &TestServer, email: &str) -> Api {
    let api = server.api();
    api.sign_in(email, MEMBER_PASSWORD).await.expect_status(200);
    api
}

async fn module_documents_are_found_by_who_may_see_them(backend: Backend) {
    let (server, admin) = start(backend).await;
    put_doc(
        &admin,
        json!({ "id": "memo-1", "title": "Quarterly zephyr memo", "body": "Discuss the xylophone budget\nand more",
                "path": "/memos/1" }),
    )
    .await
    .expect_status(200);
    put_doc(
        &admin,
        json!({ "id": "secret-1", "title": "Zephyr secret plan", "body": "Only for some",
                "path": "/secrets/1", "permission": "records-search.secret" }),
    )
    .await
    .expect_status(200);

    let hits = search_hits(&admin, "xylophone").await;
    assert_eq!(hits.len(), 1, "{hits:?}");
    assert_eq!(hits[0]["id"], "memo-1");
    assert_eq!(hits[0]["kind"], "module:records-search");
    assert_eq!(hits[0]["link"], "/m/records-search/memos/1");
    assert_eq!(hits[0]["title"], "Quarterly zephyr memo");
    assert_eq!(hits[0]["subtitle"], "Discuss the xylophone budget");
    // The document's permission, and reaching the module, are both needed.
    // The administrator reaches every module and, once a module is enabled,
    // holds its own permissions too (`records-search.secret` here).
    assert_eq!(search_ids(&admin, "zephyr").await, ["memo-1", "secret-1"]);
    let reader = server
        .sign_in_with_role(
            &admin,
            json!({ "name": "Reader", "permissions": ["module:records-search"] }),
            "reader@immcase.test",
        )
        .await;
    assert_eq!(search_ids(&reader, "zephyr").await, ["memo-1"]);
    let insider = server
        .sign_in_with_role(
            &admin,
            json!({ "name": "Insider", "permissions": ["module:records-search", "records-search.secret"] }),
            "insider@immcase.test",
        )
        .await;
    assert_eq!(search_ids(&insider, "zephyr").await, ["memo-1", "secret-1"]);
    let outsider = server
        .sign_in_with_role(
            &admin,
            json!({ "name": "Outsider", "permissions": ["applicants.read", "records-search.secret"] }),
            "outsider@immcase.test",
        )
        .await;
    assert!(search_ids(&outsider, "zephyr").await.is_empty());

    // A document for named people: found by them and by holders of its
    // permission, by nobody else who reaches the module.
    let reader_id = reader.get("/api/v1/me").await.expect_status(200).body["user"]["id"].clone();
    put_doc(
        &admin,
        json!({ "id": "ticket-1", "title": "Quokka ticket", "path": "/tickets/1",
                "permission": "records-search.secret", "readers": [reader_id] }),
    )
    .await
    .expect_status(200);
    assert_eq!(search_ids(&reader, "quokka").await, ["ticket-1"]);
    assert_eq!(search_ids(&insider, "quokka").await, ["ticket-1"]);
    let other = server
        .sign_in_with_role(
            &admin,
            json!({ "name": "Other", "permissions": ["module:records-search"] }),
            "other@immcase.test",
        )
        .await;
    assert!(
        search_ids(&other, "quokka").await.is_empty(),
        "not named, no permission"
    );
    let too_many: Vec<String> = (0..1001).map(|i| format!("u{i}")).collect();
    let refused = put_doc(
        &admin,
        json!({ "id": "t-2", "title": "T", "path": "/t/2", "readers": too_many }),
    )
    .await
    .expect_status(422);
    assert!(message(&refused).contains("readers"), "{}", refused.text);

    // Another practice sees none of them, even with the module enabled.
    let acme = acme(&server).await;
    assert!(search_ids(&acme, "zephyr").await.is_empty());

    // Wrong entries are refused with the reason.
    let wrong = [
        (json!({ "path": "memos/1" }), "path"),
        (json!({ "path": "/a/../b" }), "path"),
        (json!({ "title": "x".repeat(301) }), "title"),
        (json!({ "id": "a b" }), "id"),
        (json!({ "id": "x".repeat(201) }), "id"),
        (json!({ "body": "b".repeat(100 * 1024 + 1) }), "body"),
        (json!({ "permission": "other.secret" }), "permission"),
    ];
    for (change, word) in wrong {
        let mut doc = json!({ "id": "a", "title": "T", "path": "/a" });
        let change = change.as_object().unwrap().clone();
        doc.as_object_mut().unwrap().extend(change);
        let refused = put_doc(&admin, doc).await.expect_status(422);
        assert_eq!(refused.code(), "invalid");
        assert!(message(&refused).contains(word), "{word}: {}", refused.text);
    }

    // Everything survives a restart, and a rebuild of the index.
    let mut server = server;
    server.restart().await;
    let reader = member(&server, "reader@immcase.test").await;
    assert_eq!(search_ids(&reader, "zephyr").await, ["memo-1"]);
    server.reindex().await;
    let reader = member(&server, "reader@immcase.test").await;
    let insider = member(&server, "insider@immcase.test").await;
    assert_eq!(search_ids(&reader, "zephyr").await, ["memo-1"]);
    assert_eq!(search_ids(&insider, "xylophone").await, ["memo-1"]);
    assert_eq!(search_ids(&insider, "zephyr").await, ["memo-1", "secret-1"]);
    assert_eq!(
        search_ids(&reader, "quokka").await,
        ["ticket-1"],
        "readers survive a rebuild"
    );
    server.stop().await;
}

async fn module_documents_follow_puts_removals_and_the_module_state(backend: Backend) {
    let (server, admin) = start(backend).await;
    let doc =
        |title: &str| json!({ "id": "memo-1", "title": title, "body": "", "path": "/memos/1" });
    put_doc(&admin, doc("Zephyr memo")).await.expect_status(200);
    assert_eq!(search_ids(&admin, "zephyr").await, ["memo-1"]);

    // Putting the id again replaces the document.
    put_doc(&admin, doc("Walrus memo")).await.expect_status(200);
    assert_eq!(search_ids(&admin, "walrus").await, ["memo-1"]);
    assert!(search_ids(&admin, "zephyr").await.is_empty());

    // A call that fails after putting keeps nothing.
    admin
        .post(
            &format!("/api/v1/m/{MODULE}/doc-then-fail"),
            json!({ "id": "failed-1", "title": "Platypus memo", "path": "/memos/2" }),
        )
        .await
        .expect_status(500);
    assert!(search_ids(&admin, "platypus").await.is_empty());

    // Disabling the module hides its documents; enabling shows them again.
    admin.set_module(MODULE, false).await;
    assert!(search_ids(&admin, "walrus").await.is_empty());
    admin.set_module(MODULE, true).await;
    assert_eq!(search_ids(&admin, "walrus").await, ["memo-1"]);

    // Removing deletes it; removing again is not an error.
    let path = format!("/api/v1/m/{MODULE}/doc?id=memo-1");
    admin.delete(&path).await.expect_status(204);
    assert!(search_ids(&admin, "walrus").await.is_empty());
    admin.delete(&path).await.expect_status(204);
    let mut server = server;
    server.reindex().await;
    let admin = server.admin().await;
    assert!(search_ids(&admin, "walrus").await.is_empty());
    server.stop().await;
}
