//! Find duplicates: the practice's applicants who may be the same person,
//! in pairs with their reasons, on a page and in the JSON API; never an
//! applicant in the trash or of another practice, and names a role hides
//! stay hidden.

#![allow(clippy::unwrap_used)] // A failed unwrap is a failed test.

use immcase_tests::{Api, Backend, TestServer, on_both_databases};
use serde_json::{Value, json};

on_both_databases!(likely_duplicates_are_listed_in_pairs_with_reasons);

async fn add(api: &Api, body: Value) -> String {
    api.post("/api/v1/applicants", body)
        .await
        .expect_status(201)
        .body["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn likely_duplicates_are_listed_in_pairs_with_reasons(backend: Backend) {
    let server = TestServer::start(backend).await;
    let admin = server.admin().await;
    // The same email, written twice (the second past the check).
    let ana = add(
        &admin,
        json!({ "given_name": "Ana", "family_name": "López", "emails": ["ana@example.com"] }),
    )
    .await;
    let ana2 = add(&admin, json!({ "given_name": "Ana", "family_name": "Lopez", "emails": ["ANA@example.com"], "confirm_duplicates": true })).await;
    // Names swapped.
    let wei = add(
        &admin,
        json!({ "given_name": "Wei", "family_name": "Zhang" }),
    )
    .await;
    let wei2 = add(
        &admin,
        json!({ "given_name": "Zhang", "family_name": "Wei", "confirm_duplicates": true }),
    )
    .await;
    // Nobody like them.
    let solo = add(
        &admin,
        json!({ "given_name": "Oluwaseun", "family_name": "Adeyemi" }),
    )
    .await;

    let listed = admin
        .get("/api/v1/applicants/duplicate-pairs")
        .await
        .expect_status(200)
        .body;
    let pairs = listed["items"].as_array().unwrap();
    let has = |a: &str, b: &str| {
        pairs.iter().any(|p| {
            let ids = [
                p["one"]["id"].as_str().unwrap(),
                p["other"]["id"].as_str().unwrap(),
            ];
            ids.contains(&a) && ids.contains(&b)
        })
    };
    assert!(has(&ana, &ana2), "{listed}");
    assert!(has(&wei, &wei2), "{listed}");
    assert_eq!(pairs.len(), 2, "{listed}");
    assert!(!listed.to_string().contains(&solo));
    let ana_pair = pairs
        .iter()
        .find(|p| p["one"]["id"] == ana || p["other"]["id"] == ana)
        .unwrap();
    let kinds: Vec<&str> = ana_pair["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["kind"].as_str().unwrap())
        .collect();
    assert!(
        kinds.contains(&"email") && kinds.contains(&"name"),
        "{ana_pair}"
    );

    // The page says why, in words, linking both.
    let page = admin
        .get("/applicants/duplicates")
        .await
        .expect_status(200)
        .text;
    assert!(
        page.contains(&format!(r#"<a href="/applicants/{ana}">Ana López</a>"#)),
        "{page}"
    );
    assert!(
        page.contains(&format!(r#"<a href="/applicants/{ana2}">Ana Lopez</a>"#)),
        "{page}"
    );
    assert!(page.contains("Same email: ana@example.com"), "{page}");
    assert!(
        page.contains("Same name, with given and family names swapped"),
        "{page}"
    );
    let list = admin.get("/applicants").await.expect_status(200).text;
    assert!(list.contains(r#"href="/applicants/duplicates""#), "{list}");

    // One of them in the trash: no longer a pair.
    let version = admin
        .get(&format!("/api/v1/applicants/{wei2}"))
        .await
        .expect_status(200)
        .body["version"]
        .clone();
    admin
        .delete(&format!("/api/v1/applicants/{wei2}?version={version}"))
        .await
        .expect_status(204);
    let listed = admin
        .get("/api/v1/applicants/duplicate-pairs")
        .await
        .expect_status(200)
        .body;
    assert_eq!(listed["items"].as_array().unwrap().len(), 1, "{listed}");

    // A role that hides emails sees the reason without the address.
    let hider = server
        .sign_in_with_role(
            &admin,
            json!({ "name": "No emails", "permissions": ["applicants.read"],
                    "field_rules": { "applicant.emails": "hidden" } }),
            "hider@example.com",
        )
        .await;
    let page = hider
        .get("/applicants/duplicates")
        .await
        .expect_status(200)
        .text;
    assert!(page.contains("Same email"), "{page}");
    assert!(!page.contains("ana@example.com"), "{page}");
    // Without applicants.read: refused.
    let none = server
        .sign_in_with_role(
            &admin,
            json!({ "name": "Nothing", "permissions": [] }),
            "none@example.com",
        )
        .await;
    none.get("/api/v1/applicants/duplicate-pairs")
        .await
        .expect_status(403);

    // Another practice sees none of these.
    let other = server
        .admin_of_new_practice("other", "admin@other.example", "another long passphrase")
        .await;
    add(
        &other,
        json!({ "given_name": "Ana", "family_name": "Lopes", "emails": ["ana@example.com"] }),
    )
    .await;
    let theirs = other
        .get("/api/v1/applicants/duplicate-pairs")
        .await
        .expect_status(200)
        .body;
    assert_eq!(theirs["items"], json!([]), "{theirs}");
    server.stop().await;
}
