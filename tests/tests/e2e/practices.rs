//! No practice sees anything of another, through any route.

#![allow(clippy::unwrap_used)] // A failed unwrap is a failed test.

use immcase_tests::{ADMIN_EMAIL, ADMIN_PASSWORD, Api, Backend, TestServer, on_both_databases};
use serde_json::json;

on_both_databases!(practices_are_isolated, unknown_practices_are_not_found);

const ACME_ADMIN: &str = "boss@acme.test";
const ACME_PASSWORD: &str = "acme boss passphrase";

async fn practices_are_isolated(backend: Backend) {
    let server = TestServer::start(backend).await;
    server.add_practice("acme", ACME_ADMIN, ACME_PASSWORD).await;
    let default_admin = server.admin().await;
    let acme = server.api_for("acme");
    let me = acme
        .sign_in(ACME_ADMIN, ACME_PASSWORD)
        .await
        .expect_status(200);
    assert_eq!(me.body["practice"]["slug"], "acme");
    let acme_admin_id = me.body["user"]["id"].as_str().unwrap().to_string();

    // The default practice's administrator does not exist in acme.
    server
        .api_for("acme")
        .sign_in(ADMIN_EMAIL, ADMIN_PASSWORD)
        .await
        .expect_status(401);

    // A session of the default practice is worthless at acme's host.
    let default_session = server
        .api()
        .sign_in(ADMIN_EMAIL, ADMIN_PASSWORD)
        .await
        .session_cookie()
        .unwrap();
    let cross = Api::with_session(server.addr, Some("acme"), &default_session);
    for path in [
        "/api/v1/me",
        "/api/v1/users",
        "/api/v1/audit",
        "/api/v1/roles",
    ] {
        cross.get(path).await.expect_status(401);
    }
    let write = cross
        .post(
            "/api/v1/users",
            json!({ "email": "x@y.test", "display_name": "X", "password": "a good passphrase" }),
        )
        .await;
    write.expect_status(401);

    // Ids of another practice are not found, whatever the route.
    default_admin
        .get(&format!("/api/v1/users/{acme_admin_id}"))
        .await
        .expect_status(404);
    default_admin
        .patch(
            &format!("/api/v1/users/{acme_admin_id}"),
            json!({ "disabled": true, "version": 1 }),
        )
        .await
        .expect_status(404);
    let acme_roles = acme.get("/api/v1/roles").await.expect_status(200);
    let acme_role = acme_roles.body["items"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    default_admin
        .get(&format!("/api/v1/roles/{acme_role}"))
        .await
        .expect_status(404);
    default_admin
        .put(
            &format!("/api/v1/roles/{acme_role}"),
            json!({ "name": "Hijacked", "version": 1 }),
        )
        .await
        .expect_status(404);
    default_admin
        .delete(&format!("/api/v1/roles/{acme_role}"))
        .await
        .expect_status(404);
    // Nor can another practice's role be given to one's own user.
    let me_default = default_admin.get("/api/v1/me").await;
    let my_id = me_default.body["user"]["id"].as_str().unwrap();
    let foreign_role = default_admin
        .patch(
            &format!("/api/v1/users/{my_id}"),
            json!({ "roles": [acme_role], "version": me_default.body["user"]["version"] }),
        )
        .await
        .expect_status(422);
    assert!(foreign_role.body["error"]["fields"]["roles"].is_string());

    // Lists hold only the practice's own rows.
    let users = default_admin.get("/api/v1/users").await.expect_status(200);
    let emails: Vec<&str> = users.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["email"].as_str().unwrap())
        .collect();
    assert_eq!(emails, [ADMIN_EMAIL]);
    let acme_users = acme.get("/api/v1/users").await.expect_status(200);
    assert_eq!(acme_users.body["items"].as_array().unwrap().len(), 1);
    assert_eq!(acme_users.body["items"][0]["email"], ACME_ADMIN);

    let acme_audit = acme.get("/api/v1/audit?limit=200").await.expect_status(200);
    for row in acme_audit.body["items"].as_array().unwrap() {
        assert_ne!(
            row["actor_user_id"].as_str(),
            Some(my_id),
            "a default-practice row leaked into acme: {row}"
        );
    }
    let default_audit = default_admin
        .get("/api/v1/audit?limit=200")
        .await
        .expect_status(200);
    for row in default_audit.body["items"].as_array().unwrap() {
        assert_ne!(
            row["actor_user_id"].as_str(),
            Some(acme_admin_id.as_str()),
            "an acme row leaked: {row}"
        );
        assert_ne!(row["actor_email"], ACME_ADMIN, "an acme row leaked: {row}");
    }
    // The failed cross-practice sign-in is in acme's log, not the default's.
    let failed = acme
        .get("/api/v1/audit?action=auth.sign_in_failed")
        .await
        .expect_status(200);
    assert_eq!(failed.body["items"][0]["actor_email"], ADMIN_EMAIL);
    let none = default_admin
        .get("/api/v1/audit?action=auth.sign_in_failed")
        .await
        .expect_status(200);
    assert_eq!(none.body["items"].as_array().unwrap().len(), 0);

    // Same email in two practices: two separate accounts.
    acme.post(
        "/api/v1/users",
        json!({ "email": ADMIN_EMAIL, "display_name": "Namesake", "password": "namesake passphrase" }),
    )
    .await
    .expect_status(201);
    server
        .api_for("acme")
        .sign_in(ADMIN_EMAIL, "namesake passphrase")
        .await
        .expect_status(200);
    server
        .api()
        .sign_in(ADMIN_EMAIL, "namesake passphrase")
        .await
        .expect_status(401);
    server.stop().await;
}

async fn unknown_practices_are_not_found(backend: Backend) {
    let server = TestServer::start(backend).await;
    let nowhere = server.api_for("nowhere");
    let resp = nowhere
        .sign_in(ADMIN_EMAIL, ADMIN_PASSWORD)
        .await
        .expect_status(404);
    assert_eq!(resp.code(), "not_found");
    assert!(
        resp.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("practice")
    );
    nowhere.get("/healthz").await.expect_status(200);
    server.stop().await;
}
