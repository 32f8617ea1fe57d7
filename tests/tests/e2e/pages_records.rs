//! The record pages' places: the sidebar entries each permission opens, an
//! applicant's page for someone who cannot see cases, and every record page
//! and case program route in the OpenAPI document.

#![allow(clippy::unwrap_used)] // A failed unwrap is a failed test.

use immcase_tests::{Backend, TestServer, on_both_databases};
use serde_json::json;

on_both_databases!(record_pages_are_in_the_sidebar_and_the_openapi_document);

async fn record_pages_are_in_the_sidebar_and_the_openapi_document(backend: Backend) {
    let server = TestServer::start(backend).await;
    let admin = server.admin().await;
    let home = admin.get("/").await.expect_status(200);
    for link in ["/applicants", "/cases", "/settings/case-programs"] {
        assert!(home.text.contains(&format!("href=\"{link}\"")), "{link}");
    }
    let nav = admin.get("/api/v1/nav").await.expect_status(200);
    assert!(nav.text.contains("\"/applicants\"") && nav.text.contains("\"/cases\""));
    let auditor = server
        .sign_in_with_role(
            &admin,
            json!({ "name": "Auditor", "permissions": ["audit.read", "cases.read"] }),
            "aud@immcase.test",
        )
        .await;
    let home = auditor.get("/").await.expect_status(200);
    assert!(!home.text.contains("href=\"/applicants\""));
    assert!(home.text.contains("href=\"/cases\""));
    assert!(!home.text.contains("href=\"/settings/case-programs\""));
    let refused = auditor.get("/applicants").await.expect_status(403);
    assert!(refused.text.contains("applicants.read"));
    // Without cases.read, an applicant's page has no cases section.
    let id = admin.add_applicant("Okafor").await;
    admin.open_case(&id, "other").await;
    let desk = server
        .sign_in_with_role(
            &admin,
            json!({ "name": "Desk", "permissions": ["applicants.read"] }),
            "desk@immcase.test",
        )
        .await;
    let page = desk
        .get(&format!("/applicants/{id}"))
        .await
        .expect_status(200);
    assert!(!page.text.contains("id=\"cases\"") && !page.text.contains("CAS001"));
    assert!(
        !page.text.contains("Edit applicant"),
        "read only: no edit form"
    );

    let doc = server
        .api()
        .get("/api/v1/openapi.json")
        .await
        .expect_status(200);
    let paths = &doc.body["paths"];
    for (path, method) in [
        ("/applicants", "get"),
        ("/applicants", "post"),
        ("/applicants/new", "get"),
        ("/applicants/{id}", "get"),
        ("/applicants/{id}", "post"),
        ("/applicants/{id}/delete", "post"),
        ("/applicants/{id}/cases", "post"),
        ("/cases", "get"),
        ("/cases/{id}", "get"),
        ("/cases/{id}", "post"),
        ("/cases/{id}/delete", "post"),
        ("/settings/case-programs", "get"),
        ("/settings/case-programs", "post"),
        ("/settings/case-programs/{key}", "post"),
        ("/settings/case-programs/{key}/delete", "post"),
        ("/api/v1/case-programs", "get"),
        ("/api/v1/case-programs", "post"),
        ("/api/v1/case-programs/{key}", "patch"),
        ("/api/v1/case-programs/{key}", "delete"),
    ] {
        let op = &paths[path][method];
        assert!(op.is_object(), "{method} {path} is missing");
        if path.starts_with('/') && !path.starts_with("/api") {
            assert_eq!(op["tags"][0], "pages", "{method} {path}");
        }
        if method == "post" && !path.starts_with("/api") {
            assert!(
                op["requestBody"]["content"]["application/x-www-form-urlencoded"].is_object(),
                "{method} {path} says its form"
            );
        }
    }
    assert!(paths["/applicants"]["post"]["responses"]["409"].is_object());
    assert!(paths["/cases/{id}"]["post"]["responses"]["422"].is_object());
    server.stop().await;
}
