//! Global search over applicants: prefixes, accents and typos, phones by
//! their digits, committed changes findable at once, field rules and
//! practices respected, and the index kept across a restart.

#![allow(clippy::unwrap_used)] // A failed unwrap is a failed test.

use immcase_tests::{Api, Backend, TestServer, on_both_databases};
use serde_json::{Value, json};

on_both_databases!(
    applicants_are_found_by_what_people_type,
    search_respects_field_rules_and_practices,
    a_rebuild_reports_its_progress_and_finds_every_kind_again,
);

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

async fn applicants_are_found_by_what_people_type(backend: Backend) {
    let mut server = TestServer::start(backend).await;
    let admin = server.admin().await;
    let ana = add(
        &admin,
        json!({ "given_name": "Ana", "family_name": "García", "emails": ["ana.garcia@maple.example"],
                "phones": ["416 555 0100"], "passport_number": "AB123456" }),
    )
    .await;
    let ann = add(
        &admin,
        json!({ "given_name": "Ann", "family_name": "Garner" }),
    )
    .await;

    assert_eq!(
        admin.search_ids("garcia").await,
        vec![ana.clone()],
        "accents folded"
    );
    let prefix = admin.search_ids("gar").await;
    assert!(prefix.contains(&ana) && prefix.contains(&ann), "{prefix:?}");
    assert_eq!(
        admin.search_ids("Garsia").await,
        vec![ana.clone()],
        "a small typo"
    );
    assert_eq!(
        admin.search_ids("ana%20garcia").await,
        vec![ana.clone()],
        "every word"
    );
    assert_eq!(
        admin.search_ids("5550100").await,
        vec![ana.clone()],
        "phone digits"
    );
    assert_eq!(
        admin.search_ids("maple.example").await,
        vec![ana.clone()],
        "email domain"
    );
    assert_eq!(
        admin.search_ids("ab123456").await,
        vec![ana.clone()],
        "passport"
    );
    let short = admin.get("/api/v1/search?q=a").await.expect_status(422);
    assert!(
        short.body["error"]["fields"]["q"]
            .as_str()
            .unwrap()
            .contains("at least 2")
    );

    // A committed change is found at once; the old name no longer is.
    admin
        .patch(
            &format!("/api/v1/applicants/{ann}"),
            json!({ "version": 1, "family_name": "Okafor" }),
        )
        .await
        .expect_status(200);
    assert_eq!(admin.search_ids("okafor").await, vec![ann.clone()]);
    assert!(!admin.search_ids("garner").await.contains(&ann));

    // The index and its position survive a restart.
    server.restart().await;
    let admin = server.admin().await;
    assert_eq!(admin.search_ids("okafor").await, vec![ann.clone()]);
    let zoe = add(
        &admin,
        json!({ "given_name": "Zoë", "family_name": "Tremblay" }),
    )
    .await;
    assert_eq!(admin.search_ids("zoe%20tremblay").await, vec![zoe]);
    server.stop().await;
}

async fn search_respects_field_rules_and_practices(backend: Backend) {
    let server = TestServer::start(backend).await;
    server
        .add_practice("acme", "boss@acme.test", "acme boss's long passphrase")
        .await;
    let admin = server.admin().await;
    let ana = add(
        &admin,
        json!({ "given_name": "Ana", "family_name": "García", "passport_number": "AB123456" }),
    )
    .await;
    let desk = server
        .sign_in_with_role(
            &admin,
            json!({ "name": "Front desk", "permissions": ["applicants.read"],
                    "field_rules": { "applicant.passport_number": "hidden" } }),
            "desk@immcase.test",
        )
        .await;
    assert_eq!(desk.search_ids("garcia").await, vec![ana.clone()]);
    assert!(
        desk.search_ids("AB123456").await.is_empty(),
        "a hidden field is not searched"
    );
    assert_eq!(admin.search_ids("AB123456").await, vec![ana.clone()]);

    // Without applicants.read, nothing; another practice, nothing of ours.
    let none = server
        .sign_in_with_role(
            &admin,
            json!({ "name": "Nobody", "permissions": [] }),
            "none@immcase.test",
        )
        .await;
    assert!(none.search_ids("garcia").await.is_empty());
    let acme = server.api_for("acme");
    acme.sign_in("boss@acme.test", "acme boss's long passphrase")
        .await
        .expect_status(200);
    assert!(acme.search_ids("garcia").await.is_empty());
    let theirs = add(
        &acme,
        json!({ "given_name": "Ana", "family_name": "García" }),
    )
    .await;
    assert_eq!(acme.search_ids("garcia").await, vec![theirs]);
    assert_eq!(admin.search_ids("garcia").await, vec![ana]);
    server.stop().await;
}

async fn a_rebuild_reports_its_progress_and_finds_every_kind_again(backend: Backend) {
    let mut server = TestServer::start(backend).await;
    let admin = server.admin().await;
    let ana = add(
        &admin,
        json!({ "given_name": "Ana", "family_name": "Okonkwo", "phones": ["416 555 0142"] }),
    )
    .await;
    let case = admin.open_case(&ana, "study_permit").await;
    admin
        .upload(
            &format!("/api/v1/applicants/{ana}/files"),
            &[("birth certificate.pdf", b"%PDF-1.4")],
            None,
        )
        .await
        .expect_status(201);
    // More applicants than one page of a rebuild reads.
    server.store_applicants(2_500, "Filler").await;

    let reports = server.reindex_reporting().await;
    let total = 2_500 + 1 + 1 + 1;
    let first = reports.first().unwrap();
    assert_eq!((first.done, first.total), (0, total), "{reports:?}");
    assert!(reports.len() >= 4, "a report per page read: {reports:?}");
    assert!(
        reports.windows(2).all(|w| w[0].done <= w[1].done),
        "progress only moves forward: {reports:?}"
    );
    let last = reports.last().unwrap();
    assert_eq!((last.done, last.total), (total, total));
    assert!(
        last.words().starts_with("2,503 of 2,503 records"),
        "{}",
        last.words()
    );

    // Every kind is found again after it.
    let admin = server.admin().await;
    assert_eq!(
        admin.search_ids("Okonkwo").await.len(),
        2,
        "the applicant and her case"
    );
    assert!(
        admin
            .search_ids(&case["folio"].as_str().unwrap().to_lowercase())
            .await
            .contains(&case["id"].as_str().unwrap().to_string())
    );
    let file = admin.get("/api/v1/search?q=birth").await.expect_status(200);
    assert!(file.text.contains("birth certificate.pdf"), "{}", file.text);
    assert_eq!(admin.search_ids("5550142").await, [ana]);
    assert!(!admin.search_ids("Person2499 Filler").await.is_empty());
    server.stop().await;
}
