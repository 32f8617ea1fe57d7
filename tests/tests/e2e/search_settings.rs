//! Settings → Search and `GET|PUT /api/v1/search/settings`: a practice
//! chooses the applicant fields search finds applicants by; a change
//! rebuilds its applicants in the index batch by batch while searches keep
//! answering, with the progress told; another practice is untouched; the
//! fields are checked, audited and kept by holders of `settings.manage`.

#![allow(clippy::unwrap_used)] // A failed unwrap is a failed test.

use std::time::{Duration, Instant};

use immcase_tests::{Api, Backend, TestServer, on_both_databases};
use serde_json::{Value, json};

on_both_databases!(
    a_change_of_fields_rebuilds_the_index_while_search_answers,
    search_settings_are_checked_and_kept_by_administrators,
);

/// The longest a rebuild may take here (a debug build on a shared machine).
const REBUILD_LIMIT: Duration = Duration::from_secs(120);

/// Applicants stored besides the ones the test looks for, so the rebuild
/// takes many batches.
const FILLERS: usize = 300;

const ALL: [&str; 6] = [
    "given_name",
    "family_name",
    "other_names",
    "emails",
    "phones",
    "passport_number",
];

async fn found(api: &Api, q: &str) -> Vec<String> {
    let answer = api
        .get(&format!("/api/v1/search?q={q}&kinds=applicant"))
        .await
        .expect_status(200);
    answer.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["id"].as_str().unwrap().to_string())
        .collect()
}

async fn settings(api: &Api) -> Value {
    api.get("/api/v1/search/settings")
        .await
        .expect_status(200)
        .body
}

async fn add(api: &Api, body: Value) -> String {
    let mut body = body;
    body["confirm_duplicates"] = json!(true);
    api.post("/api/v1/applicants", body)
        .await
        .expect_status(201)
        .body["id"]
        .as_str()
        .unwrap()
        .to_string()
}

async fn a_change_of_fields_rebuilds_the_index_while_search_answers(backend: Backend) {
    // Small batches: the rebuild takes many, and searches come between them.
    let mut server = TestServer::start_with(backend, |c| c.search_rebuild_batch = 5).await;
    let admin = server.admin().await;
    let ana = add(
        &admin,
        json!({ "given_name": "Ana", "family_name": "Okonkwo", "emails": ["ana.okonkwo@maple.example"],
                "phones": ["416 555 0100"], "passport_number": "ZX998877" }),
    )
    .await;
    server.store_applicants(FILLERS, "Filler").await;
    let other = server
        .admin_of_new_practice("birch", "admin@birch.test", "birch admin's long passphrase")
        .await;
    let bea = add(
        &other,
        json!({ "given_name": "Bea", "family_name": "Lindqvist", "passport_number": "ZX998800",
                "emails": ["bea@birch.example"] }),
    )
    .await;

    // Until changed: every field, found by each.
    let before = settings(&admin).await;
    assert_eq!(before["applicant_fields"], json!(ALL));
    assert_eq!(before["version"], 1);
    assert_eq!(before["generation"], 0);
    assert_eq!(before["rebuild"]["state"], "idle");
    assert_eq!(found(&admin, "ZX998877").await, vec![ana.clone()]);
    assert_eq!(found(&admin, "maple.example").await, vec![ana.clone()]);
    assert_eq!(found(&admin, "person299").await.len(), 1, "fillers indexed");

    let saved = admin
        .put(
            "/api/v1/search/settings",
            json!({ "version": 1, "applicant_fields": ["given_name", "family_name", "other_names", "phones"] }),
        )
        .await
        .expect_status(200);
    assert_eq!(
        saved.body["applicant_fields"],
        json!(["given_name", "family_name", "other_names", "phones"])
    );
    assert_eq!(saved.body["version"], 2);
    assert_eq!(saved.body["generation"], 1);

    // While it rebuilds, searches by name answer and find her.
    let mut answered_while_rebuilding = 0;
    let mut seen_done = Vec::new();
    let deadline = Instant::now() + REBUILD_LIMIT;
    let finished = loop {
        let now = settings(&admin).await;
        if now["rebuild"]["state"] == "idle" {
            break now;
        }
        assert_eq!(now["rebuild"]["state"], "rebuilding");
        assert!(
            Instant::now() < deadline,
            "the rebuild did not finish: {now}"
        );
        seen_done.push(now["rebuild"]["done"].as_i64().unwrap());
        assert_eq!(found(&admin, "okonkwo").await, vec![ana.clone()]);
        if settings(&admin).await["rebuild"]["state"] == "rebuilding" {
            answered_while_rebuilding += 1;
        }
    };
    assert!(
        answered_while_rebuilding >= 1,
        "no search answered during the rebuild (progress seen: {seen_done:?})"
    );
    assert!(
        seen_done.windows(2).all(|w| w[0] <= w[1]),
        "the progress only moves on: {seen_done:?}"
    );
    let rebuild = &finished["rebuild"];
    assert_eq!(rebuild["done"], FILLERS + 1, "{rebuild}");
    assert_eq!(rebuild["total"], FILLERS + 1, "{rebuild}");
    assert!(rebuild["started_at"].is_string(), "{rebuild}");
    assert!(rebuild["finished_at"].is_string(), "{rebuild}");
    assert_eq!(rebuild["seconds_left"], Value::Null);

    // Now only the chosen fields find her.
    assert!(found(&admin, "ZX998877").await.is_empty(), "passport");
    assert!(found(&admin, "maple.example").await.is_empty(), "email");
    assert!(
        found(&admin, "QQ000017").await.is_empty(),
        "a filler's passport"
    );
    assert_eq!(found(&admin, "okonkwo").await, vec![ana.clone()]);
    assert_eq!(found(&admin, "5550100").await, vec![ana.clone()], "phone");
    // A change after the rebuild follows the chosen fields too.
    admin
        .patch(
            &format!("/api/v1/applicants/{ana}"),
            json!({ "version": 1, "passport_number": "ZX111222" }),
        )
        .await
        .expect_status(200);
    assert!(found(&admin, "ZX111222").await.is_empty());

    // The other practice keeps its fields and its results.
    let theirs = settings(&other).await;
    assert_eq!(theirs["applicant_fields"], json!(ALL));
    assert_eq!(theirs["generation"], 0);
    assert_eq!(found(&other, "ZX998800").await, vec![bea.clone()]);
    assert_eq!(found(&other, "bea@birch").await, vec![bea]);

    // Audited with the fields before and after.
    let log = admin
        .get("/api/v1/audit?action=search.settings_updated&limit=10")
        .await
        .expect_status(200);
    let entries = log.body["items"].as_array().unwrap();
    assert_eq!(entries.len(), 1, "{entries:?}");
    assert_eq!(
        entries[0]["details"]["before"]["applicant_fields"],
        json!(ALL)
    );
    assert_eq!(
        entries[0]["details"]["after"]["applicant_fields"],
        json!(["given_name", "family_name", "other_names", "phones"])
    );

    // After a restart the index knows it is current: nothing to rebuild.
    server.restart().await;
    let admin = server.admin().await;
    assert_eq!(settings(&admin).await["rebuild"]["state"], "idle");
    assert!(found(&admin, "ZX998877").await.is_empty());

    // A change written by another process sharing the database (no wake
    // for this one) is noticed by its worker, and rebuilt too.
    let state = server.state_beside().await;
    sqlx::query(
        "UPDATE search_settings SET applicant_fields = $1, version = version + 1, generation = generation + 1 \
         WHERE practice_id = (SELECT id FROM practices WHERE slug = 'default')",
    )
    .bind(json!(["family_name", "passport_number"]).to_string())
    .execute(state.db.pool())
    .await
    .unwrap();
    state.db.close().await;
    let deadline = Instant::now() + REBUILD_LIMIT;
    loop {
        let now = settings(&admin).await;
        if now["rebuild"]["state"] == "idle" && now["generation"] == 2 {
            break;
        }
        assert!(Instant::now() < deadline, "not rebuilt: {now}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(found(&admin, "ZX111222").await, vec![ana.clone()]);
    assert!(found(&admin, "ana").await.is_empty(), "given names no more");
    server.stop().await;
}

async fn search_settings_are_checked_and_kept_by_administrators(backend: Backend) {
    let server = TestServer::start(backend).await;
    let admin = server.admin().await;
    let put = |body: Value| {
        let admin = &admin;
        async move { admin.put("/api/v1/search/settings", body).await }
    };

    let none = put(json!({ "version": 1, "applicant_fields": [] }))
        .await
        .expect_status(422);
    let message = none.body["error"]["fields"]["applicant_fields"]
        .as_str()
        .unwrap();
    assert!(message.contains("at least one"), "{message}");
    let unknown = put(json!({ "version": 1, "applicant_fields": ["given_name", "shoe_size"] }))
        .await
        .expect_status(422);
    let message = unknown.body["error"]["fields"]["applicant_fields"]
        .as_str()
        .unwrap();
    assert!(
        message.contains("no applicant field shoe_size"),
        "{message}"
    );
    let missing = put(json!({ "version": 1 })).await.expect_status(422);
    assert!(missing.body["error"]["fields"]["applicant_fields"].is_string());
    put(json!({ "applicant_fields": ["given_name"] }))
        .await
        .expect_status(422);
    assert_eq!(settings(&admin).await["version"], 1, "nothing saved");

    put(json!({ "version": 1, "applicant_fields": ["family_name", "given_name"] }))
        .await
        .expect_status(200);
    let stale = put(json!({ "version": 1, "applicant_fields": ["emails"] }))
        .await
        .expect_status(409);
    assert_eq!(
        stale.body["error"]["current"]["applicant_fields"],
        json!(["given_name", "family_name"])
    );
    // The same fields again change nothing.
    let same = put(json!({ "version": 2, "applicant_fields": ["given_name", "family_name"] }))
        .await
        .expect_status(200);
    assert_eq!(
        (
            same.body["version"].clone(),
            same.body["generation"].clone()
        ),
        (json!(2), json!(1))
    );

    // Only holders of settings.manage read or change them.
    let clerk = server
        .sign_in_with_role(
            &admin,
            json!({ "name": "Clerk", "permissions": ["applicants.read"] }),
            "clerk@immcase.test",
        )
        .await;
    clerk
        .get("/api/v1/search/settings")
        .await
        .expect_status(403);
    clerk
        .put(
            "/api/v1/search/settings",
            json!({ "version": 2, "applicant_fields": ["emails"] }),
        )
        .await
        .expect_status(403);
    clerk.get("/settings/search").await.expect_status(403);
    let nav = clerk.get("/api/v1/nav").await.expect_status(200);
    assert!(!nav.text.contains("/settings/search"));
    let nav = admin.get("/api/v1/nav").await.expect_status(200);
    assert!(nav.text.contains("/settings/search"));

    // The page: a refusal in view, the boxes as they were sent.
    let page = admin.get("/settings/search").await.expect_status(200);
    assert!(
        page.text.contains("value=\"passport_number\""),
        "a box per field"
    );
    assert!(
        page.text.contains("last 4 or more characters"),
        "what it finds"
    );
    let token = page.form_token();
    let refused = admin
        .post_form(
            "/settings/search",
            &[("_csrf", token.as_str()), ("version", "2")],
        )
        .await
        .expect_status(422);
    assert!(
        refused.text.contains(
            "role=\"alert\" id=\"applicant_fields-error\">Not saved: choose at least one field"
        ),
        "{}",
        refused.text
    );
    assert!(
        !refused.text.contains(" checked"),
        "nothing ticked, as sent"
    );
    let ok = admin
        .post_form(
            "/settings/search",
            &[
                ("_csrf", token.as_str()),
                ("version", "2"),
                ("applicant_fields", "emails"),
                ("applicant_fields", "family_name"),
            ],
        )
        .await
        .expect_status(303);
    assert_eq!(ok.header("location").unwrap(), "/settings/search");
    let now = settings(&admin).await;
    assert_eq!(now["applicant_fields"], json!(["family_name", "emails"]));
    let after = admin.get("/settings/search").await.expect_status(200);
    assert!(
        after.text.contains("The searchable fields are saved."),
        "{}",
        after.text
    );

    // Someone else saves while the page is open: their choice is named,
    // the boxes stay as ticked, and saving again replaces theirs.
    let opened = admin.get("/settings/search").await.expect_status(200);
    assert_eq!(opened.hidden("version"), "3");
    admin
        .put(
            "/api/v1/search/settings",
            json!({ "version": 3, "applicant_fields": ["given_name"] }),
        )
        .await
        .expect_status(200);
    let mine = [
        ("_csrf", token.as_str()),
        ("version", "3"),
        ("applicant_fields", "phones"),
    ];
    let asked = admin
        .post_form("/settings/search", &mine)
        .await
        .expect_status(409);
    assert!(
        asked
            .text
            .contains("Someone else changed the searchable fields"),
        "{}",
        asked.text
    );
    assert!(
        asked
            .text
            .contains("Search now finds applicants by: Given name.")
    );
    assert!(asked.text.contains("value=\"phones\" checked"), "mine kept");
    assert!(!asked.text.contains("value=\"given_name\" checked"));
    assert_eq!(asked.hidden("version"), "4");
    admin
        .post_form(
            "/settings/search",
            &[
                ("_csrf", token.as_str()),
                ("version", "4"),
                ("applicant_fields", "phones"),
            ],
        )
        .await
        .expect_status(303);
    assert_eq!(
        settings(&admin).await["applicant_fields"],
        json!(["phones"])
    );

    // In the API document.
    let doc = server
        .api()
        .get("/api/v1/openapi.json")
        .await
        .expect_status(200);
    let path = &doc.body["paths"]["/api/v1/search/settings"];
    assert!(path["get"].is_object() && path["put"].is_object(), "{path}");
    assert!(doc.body["paths"]["/settings/search"]["post"].is_object());
    server.stop().await;
}
