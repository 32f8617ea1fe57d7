//! The search box in the shell's header and its page: one box finds an
//! applicant, a case, a file, a ticket and a note, grouped by kind with
//! what matched marked, and never another practice's; under 2 characters
//! it says what to type.

#![allow(clippy::unwrap_used)] // A failed unwrap is a failed test.

use immcase_tests::helpdesk::API;
use immcase_tests::{Backend, TestServer, on_both_databases};
use serde_json::json;

on_both_databases!(one_box_finds_every_kind_and_only_the_practices_own);

async fn one_box_finds_every_kind_and_only_the_practices_own(backend: Backend) {
    let server = TestServer::start(backend).await;
    let admin = server.admin().await;
    admin.set_module("helpdesk", true).await;
    admin.set_module("notes", true).await;
    let ana = admin
        .post(
            "/api/v1/applicants",
            json!({ "given_name": "Zuzanna", "family_name": "Wójcik", "emails": ["zw@example.com"] }),
        )
        .await
        .expect_status(201)
        .body["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let case = admin.open_case(&ana, "study_permit").await;
    let case_id = case["id"].as_str().unwrap();
    admin
        .upload(
            &format!("/api/v1/applicants/{ana}/files"),
            &[("wojcik bank letter.pdf", b"%PDF-1.7 bank letter")],
            None,
        )
        .await
        .expect_status(201);
    admin
        .post(
            &format!("{API}/tickets"),
            json!({ "subject": "Wojcik biometrics appointment", "description": "-",
                    "category": "case_support", "priority": "medium", "case_id": case_id }),
        )
        .await
        .expect_status(201);
    admin
        .post(
            "/api/v1/m/notes/notes",
            json!({ "subject": format!("case:{case_id}"), "text": "Call Mrs Wójcik about the letter" }),
        )
        .await
        .expect_status(201);

    // The box is on every page.
    let page = admin.get("/").await.expect_status(200).text;
    assert!(
        page.contains(
            r#"<form class="header-search" method="get" action="/search" role="search">"#
        ),
        "{page}"
    );

    let found = admin.get("/search?q=wojcik").await.expect_status(200).text;
    for heading in ["Applicants", "Cases", "Files", "Helpdesk", "Notes"] {
        assert!(
            found.contains(&format!(
                r#"<section class="search-group" aria-label="{heading}">"#
            )),
            "{heading}: {found}"
        );
    }
    // In that order, each linked, what matched marked.
    let at = |needle: &str| {
        found
            .find(needle)
            .unwrap_or_else(|| panic!("{needle}: {found}"))
    };
    assert!(at(r#"aria-label="Applicants""#) < at(r#"aria-label="Cases""#));
    assert!(at(r#"aria-label="Cases""#) < at(r#"aria-label="Files""#));
    assert!(
        found.contains(&format!(r#"<a href="/applicants/{ana}">"#)),
        "{found}"
    );
    assert!(
        found.contains(&format!(r#"href="/cases/{case_id}""#)),
        "{found}"
    );
    assert!(found.contains("<mark>Wójcik</mark>"), "{found}");
    assert!(
        found.contains("<mark>wojcik</mark> bank letter.pdf"),
        "{found}"
    );
    assert!(
        found.contains("<mark>Wojcik</mark> biometrics appointment"),
        "{found}"
    );
    assert!(found.contains("/m/helpdesk/tickets/"), "{found}");
    assert!(found.contains("/m/notes/notes/"), "{found}");

    // Under 2 characters: what to type, not an error.
    let short = admin.get("/search?q=w").await.expect_status(200).text;
    assert!(short.contains("Type at least 2 characters"), "{short}");
    assert!(!short.contains("search-group"), "{short}");

    // Another practice: its own Wójcik only.
    let other = server
        .admin_of_new_practice("other", "admin@other.example", "another long passphrase")
        .await;
    let theirs = other.get("/search?q=wojcik").await.expect_status(200).text;
    assert!(theirs.contains("Nothing you may see matches"), "{theirs}");
    assert!(!theirs.contains(&ana), "{theirs}");
    other
        .post(
            "/api/v1/applicants",
            json!({ "given_name": "Piotr", "family_name": "Wójcik" }),
        )
        .await
        .expect_status(201);
    let theirs = other.get("/search?q=wojcik").await.expect_status(200).text;
    assert!(theirs.contains("Piotr"), "{theirs}");
    assert!(!theirs.contains("Zuzanna"), "{theirs}");
    server.stop().await;
}
