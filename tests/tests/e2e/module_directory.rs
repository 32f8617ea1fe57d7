//! The `directory` import, through a real compiled module
//! (`tests/modules/filer`): a person by id, the active people holding a
//! permission (through any role, wildcards included), disabled people left
//! out of that list, and nothing of another practice.

#![allow(clippy::unwrap_used)] // A failed unwrap is a failed test.

use immcase_tests::{ADMIN_EMAIL, Backend, TestServer, on_both_databases};
use serde_json::{Value, json};

on_both_databases!(a_module_finds_the_practices_people);

fn emails(list: &Value) -> Vec<String> {
    list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["email"].as_str().unwrap().to_string())
        .collect()
}

async fn a_module_finds_the_practices_people(backend: Backend) {
    let server = TestServer::start_with_modules(backend, &["filer"]).await;
    let admin = server.admin().await;
    admin.set_module("filer", true).await;
    let role = admin
        .post(
            "/api/v1/roles",
            json!({ "name": "Agent", "permissions": ["cases.read", "module:filer"] }),
        )
        .await
        .expect_status(201);
    let mut ids = Vec::new();
    for (email, name) in [("bea@example.com", "Bea"), ("carl@example.com", "Carl")] {
        let made = admin
            .post(
                "/api/v1/users",
                json!({ "email": email, "display_name": name, "password": "a colleague's long passphrase",
                        "roles": [role.body["id"]], "time_zone": "America/Vancouver" }),
            )
            .await
            .expect_status(201);
        ids.push(made.body["id"].as_str().unwrap().to_string());
    }

    let bea = admin
        .get(&format!("/api/v1/m/filer/person?id={}", ids[0]))
        .await
        .expect_status(200);
    assert_eq!(bea.body["display_name"], "Bea");
    assert_eq!(bea.body["time_zone"], "America/Vancouver");
    assert_eq!(bea.body["active"], true);
    admin
        .get("/api/v1/m/filer/person?id=nobody")
        .await
        .expect_status(404);

    let agents = admin
        .get("/api/v1/m/filer/people?permission=cases.read")
        .await
        .expect_status(200);
    let mut found = emails(&agents.body);
    found.sort();
    assert!(found.contains(&"bea@example.com".to_string()), "{found:?}");
    assert!(found.contains(&"carl@example.com".to_string()), "{found:?}");
    assert!(
        found.contains(&ADMIN_EMAIL.to_string()),
        "the administrator's role grants it too"
    );
    let only_admin = admin
        .get("/api/v1/m/filer/people?permission=roles.manage")
        .await
        .expect_status(200);
    assert_eq!(emails(&only_admin.body), [ADMIN_EMAIL]);

    // A disabled person is still found by id, but no longer holds anything.
    let user = admin
        .get(&format!("/api/v1/users/{}", ids[1]))
        .await
        .expect_status(200);
    admin
        .patch(
            &format!("/api/v1/users/{}", ids[1]),
            json!({ "disabled": true, "version": user.body["version"] }),
        )
        .await
        .expect_status(200);
    let carl = admin
        .get(&format!("/api/v1/m/filer/person?id={}", ids[1]))
        .await
        .expect_status(200);
    assert_eq!(carl.body["active"], false);
    let agents = admin
        .get("/api/v1/m/filer/people?permission=cases.read")
        .await
        .expect_status(200);
    assert!(!emails(&agents.body).contains(&"carl@example.com".to_string()));

    // Another practice's module knows nobody here.
    server
        .add_practice("acme", "boss@acme.test", "acme boss's long passphrase")
        .await;
    let acme = server.api_for("acme");
    acme.sign_in("boss@acme.test", "acme boss's long passphrase")
        .await
        .expect_status(200);
    acme.set_module("filer", true).await;
    acme.get(&format!("/api/v1/m/filer/person?id={}", ids[0]))
        .await
        .expect_status(404);
    let theirs = acme
        .get("/api/v1/m/filer/people?permission=cases.read")
        .await
        .expect_status(200);
    assert_eq!(emails(&theirs.body), ["boss@acme.test"]);
}
