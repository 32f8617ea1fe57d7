//! Users, roles, permissions, field rules, CSRF and the audit trail of each.

#![allow(clippy::unwrap_used)] // A failed unwrap is a failed test.

use immcase_tests::{ADMIN_EMAIL, Api, Backend, TestServer, on_both_databases};
use serde_json::{Value, json};

on_both_databases!(
    administrators_create_users_who_can_sign_in,
    a_missing_permission_is_a_403_naming_it_and_audited,
    disabling_a_user_ends_their_sessions_at_once,
    roles_hold_permissions_and_field_rules,
    stale_versions_conflict,
    the_last_administrator_cannot_be_removed,
    state_changing_requests_need_the_csrf_header,
    invalid_input_names_each_field,
);

const CLERK_EMAIL: &str = "clerk@immcase.test";
const CLERK_PASSWORD: &str = "clerk's own passphrase";

async fn create_clerk(admin: &Api, role: &str) -> Value {
    let role = admin.role_id(role).await;
    let created = admin
        .post(
            "/api/v1/users",
            json!({ "email": CLERK_EMAIL, "display_name": "Carla Clerk", "roles": [role], "password": CLERK_PASSWORD }),
        )
        .await
        .expect_status(201);
    created.body
}

async fn audit_rows(admin: &Api, action: &str) -> Vec<Value> {
    let page = admin
        .get(&format!("/api/v1/audit?action={action}"))
        .await
        .expect_status(200);
    page.body["items"].as_array().unwrap().clone()
}

async fn administrators_create_users_who_can_sign_in(backend: Backend) {
    let server = TestServer::start(backend).await;
    let admin = server.admin().await;
    let clerk = create_clerk(&admin, "Assistant").await;
    assert_eq!(clerk["email"], CLERK_EMAIL);
    assert_eq!(clerk["disabled"], false);
    assert_eq!(clerk["time_zone"], "America/Toronto");

    let duplicate = admin
        .post(
            "/api/v1/users",
            json!({ "email": "CLERK@immcase.test", "display_name": "Again" }),
        )
        .await
        .expect_status(422);
    assert!(
        duplicate.body["error"]["fields"]["email"]
            .as_str()
            .unwrap()
            .contains("exists")
    );

    let session = server.api();
    let me = session
        .sign_in(CLERK_EMAIL, CLERK_PASSWORD)
        .await
        .expect_status(200);
    assert!(
        me.body["permissions"]
            .as_array()
            .unwrap()
            .contains(&json!("applicants.read"))
    );

    // A user created without a password is emailed a link to set one.
    let invited = admin
        .post(
            "/api/v1/users",
            json!({ "email": "newbie@immcase.test", "display_name": "New Bie" }),
        )
        .await
        .expect_status(201);
    let mail = server
        .smtp
        .wait_for("newbie@immcase.test", "Your ImmCase account")
        .await;
    let token = mail.link_param("token").unwrap();
    server
        .api()
        .post(
            "/api/v1/auth/reset-password",
            json!({ "token": token, "password": "newbie's chosen passphrase" }),
        )
        .await
        .expect_status(204);
    server
        .api()
        .sign_in("newbie@immcase.test", "newbie's chosen passphrase")
        .await
        .expect_status(200);

    let list = admin.get("/api/v1/users?limit=2").await.expect_status(200);
    assert_eq!(list.body["items"].as_array().unwrap().len(), 2);
    let next = list.body["next_cursor"].as_str().expect("a second page");
    let rest = admin
        .get(&format!("/api/v1/users?limit=2&cursor={next}"))
        .await
        .expect_status(200);
    assert_eq!(rest.body["items"][0]["id"], invited.body["id"]);
    assert!(rest.body["next_cursor"].is_null());

    let created = audit_rows(&admin, "user.created").await;
    assert_eq!(created.len(), 2);
    assert_eq!(created[0]["actor_email"], ADMIN_EMAIL);
    server.stop().await;
}

async fn a_missing_permission_is_a_403_naming_it_and_audited(backend: Backend) {
    let server = TestServer::start(backend).await;
    let admin = server.admin().await;
    create_clerk(&admin, "Assistant").await;
    let clerk = server.api();
    clerk
        .sign_in(CLERK_EMAIL, CLERK_PASSWORD)
        .await
        .expect_status(200);

    for (path, permission) in [
        ("/api/v1/users", "users.manage"),
        ("/api/v1/audit", "audit.read"),
        ("/api/v1/roles", "roles.manage"),
    ] {
        let denied = clerk.get(path).await.expect_status(403);
        assert_eq!(denied.code(), "forbidden");
        assert_eq!(denied.body["error"]["permission"], permission);
        assert!(
            denied.body["error"]["message"]
                .as_str()
                .unwrap()
                .contains(permission)
        );
    }
    let denied = clerk
        .post(
            "/api/v1/roles",
            json!({ "name": "Sneaky", "permissions": ["users.manage"] }),
        )
        .await
        .expect_status(403);
    assert_eq!(denied.body["error"]["permission"], "roles.manage");

    let rows = audit_rows(&admin, "access.denied").await;
    assert_eq!(rows.len(), 4);
    assert_eq!(rows[0]["actor_email"], CLERK_EMAIL);
    assert_eq!(rows[0]["target"], "POST /api/v1/roles");
    assert_eq!(rows[0]["details"]["permission"], "roles.manage");
    assert_eq!(rows[3]["target"], "GET /api/v1/users");
    server.stop().await;
}

async fn disabling_a_user_ends_their_sessions_at_once(backend: Backend) {
    let server = TestServer::start(backend).await;
    let admin = server.admin().await;
    let clerk_user = create_clerk(&admin, "Consultant").await;
    let clerk = server.api();
    clerk
        .sign_in(CLERK_EMAIL, CLERK_PASSWORD)
        .await
        .expect_status(200);
    clerk.get("/api/v1/me").await.expect_status(200);

    let id = clerk_user["id"].as_str().unwrap();
    let disabled = admin
        .patch(
            &format!("/api/v1/users/{id}"),
            json!({ "disabled": true, "version": clerk_user["version"] }),
        )
        .await
        .expect_status(200);
    assert_eq!(disabled.body["disabled"], true);
    clerk.get("/api/v1/me").await.expect_status(401);
    let refused = server
        .api()
        .sign_in(CLERK_EMAIL, CLERK_PASSWORD)
        .await
        .expect_status(401);
    assert!(
        refused.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("disabled")
    );
    // No reset link for a disabled account either.
    server
        .api()
        .post(
            "/api/v1/auth/forgot-password",
            json!({ "email": CLERK_EMAIL }),
        )
        .await
        .expect_status(202);

    let rows = audit_rows(&admin, "user.disabled").await;
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["target"], format!("user:{id}"));
    assert_eq!(rows[0]["details"]["sessions_ended"], 1);

    // Enabled again, the user can sign in.
    admin
        .patch(
            &format!("/api/v1/users/{id}"),
            json!({ "disabled": false, "version": disabled.body["version"] }),
        )
        .await
        .expect_status(200);
    server
        .api()
        .sign_in(CLERK_EMAIL, CLERK_PASSWORD)
        .await
        .expect_status(200);
    assert!(
        server
            .smtp
            .received()
            .iter()
            .all(|m| !m.to.contains(&CLERK_EMAIL.to_string()))
    );
    server.stop().await;
}

async fn roles_hold_permissions_and_field_rules(backend: Backend) {
    let server = TestServer::start(backend).await;
    let admin = server.admin().await;
    let role = admin
        .post(
            "/api/v1/roles",
            json!({
                "name": "Intake clerk",
                "description": "Front desk",
                "permissions": ["applicants.read", "module:helpdesk", "audit.read"],
                "field_rules": { "applicant.passport_number": "hidden", "applicant.notes": "read_only" }
            }),
        )
        .await
        .expect_status(201);
    assert!(
        role.header("location")
            .unwrap()
            .ends_with(role.body["id"].as_str().unwrap())
    );
    assert_eq!(
        role.body["field_rules"]["applicant.passport_number"],
        "hidden"
    );
    assert_eq!(role.body["builtin"], false);
    let clerk_user = admin
        .post(
            "/api/v1/users",
            json!({ "email": CLERK_EMAIL, "display_name": "C", "roles": [role.body["id"]], "password": CLERK_PASSWORD }),
        )
        .await
        .expect_status(201);

    let clerk = server.api();
    let me = clerk
        .sign_in(CLERK_EMAIL, CLERK_PASSWORD)
        .await
        .expect_status(200);
    assert_eq!(me.body["field_rules"]["applicant.notes"], "read_only");
    assert_eq!(
        me.body["permissions"],
        json!(["applicants.read", "audit.read", "module:helpdesk"])
    );
    clerk.get("/api/v1/audit").await.expect_status(200);

    // Taking a permission away takes effect on the next request.
    let id = role.body["id"].as_str().unwrap();
    admin
        .put(
            &format!("/api/v1/roles/{id}"),
            json!({ "name": "Intake clerk", "permissions": ["applicants.read"], "version": role.body["version"] }),
        )
        .await
        .expect_status(200);
    clerk.get("/api/v1/audit").await.expect_status(403);

    // A role in use cannot be deleted; built-in roles never.
    let in_use = admin
        .delete(&format!("/api/v1/roles/{id}"))
        .await
        .expect_status(409);
    assert!(
        in_use.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("hold the role")
    );
    let builtin = admin.role_id("Administrator").await;
    admin
        .delete(&format!("/api/v1/roles/{builtin}"))
        .await
        .expect_status(409);
    let clerk_id = clerk_user.body["id"].as_str().unwrap();
    admin
        .patch(
            &format!("/api/v1/users/{clerk_id}"),
            json!({ "roles": [], "version": clerk_user.body["version"] }),
        )
        .await
        .expect_status(200);
    admin
        .delete(&format!("/api/v1/roles/{id}"))
        .await
        .expect_status(204);
    admin
        .get(&format!("/api/v1/roles/{id}"))
        .await
        .expect_status(404);

    let changes: Vec<String> = ["role.created", "role.updated", "role.deleted"]
        .iter()
        .map(|a| a.to_string())
        .collect();
    for action in &changes {
        assert_eq!(audit_rows(&admin, action).await.len(), 1, "{action}");
    }
    let updated = &audit_rows(&admin, "role.updated").await[0];
    assert_eq!(
        updated["details"]["before"]["permissions"],
        json!(["applicants.read", "audit.read", "module:helpdesk"])
    );
    assert_eq!(
        updated["details"]["after"]["permissions"],
        json!(["applicants.read"])
    );
    server.stop().await;
}

async fn stale_versions_conflict(backend: Backend) {
    let server = TestServer::start(backend).await;
    let admin = server.admin().await;
    let clerk = create_clerk(&admin, "Assistant").await;
    let id = clerk["id"].as_str().unwrap();
    let v1 = clerk["version"].as_i64().unwrap();
    admin
        .patch(
            &format!("/api/v1/users/{id}"),
            json!({ "display_name": "Carla C.", "version": v1 }),
        )
        .await
        .expect_status(200);
    let stale = admin
        .patch(
            &format!("/api/v1/users/{id}"),
            json!({ "display_name": "Carla Clerkson", "version": v1 }),
        )
        .await
        .expect_status(409);
    assert_eq!(stale.code(), "conflict");
    assert_eq!(stale.body["error"]["current"]["display_name"], "Carla C.");
    assert_eq!(stale.body["error"]["current"]["version"], v1 + 1);
    let no_version = admin
        .patch(
            &format!("/api/v1/users/{id}"),
            json!({ "display_name": "Carla" }),
        )
        .await
        .expect_status(422);
    assert!(no_version.body["error"]["fields"]["version"].is_string());
    server.stop().await;
}

async fn the_last_administrator_cannot_be_removed(backend: Backend) {
    let server = TestServer::start(backend).await;
    let admin = server.admin().await;
    let me = admin.get("/api/v1/me").await.expect_status(200);
    let my_id = me.body["user"]["id"].as_str().unwrap();
    let myself = admin
        .patch(
            &format!("/api/v1/users/{my_id}"),
            json!({ "disabled": true, "version": me.body["user"]["version"] }),
        )
        .await
        .expect_status(422);
    assert!(myself.body["error"]["fields"]["disabled"].is_string());
    let consultant = admin.role_id("Consultant").await;
    let demoted = admin
        .patch(
            &format!("/api/v1/users/{my_id}"),
            json!({ "roles": [consultant], "version": me.body["user"]["version"] }),
        )
        .await
        .expect_status(409);
    assert!(
        demoted.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("users.manage")
    );
    admin.get("/api/v1/users").await.expect_status(200);
    server.stop().await;
}

async fn state_changing_requests_need_the_csrf_header(backend: Backend) {
    let server = TestServer::start(backend).await;
    let admin = server.admin().await;
    let body = json!({ "email": "forged@immcase.test", "display_name": "Forged", "password": "forged long passphrase" });
    let forged = admin
        .send(
            reqwest::Method::POST,
            "/api/v1/users",
            Some(body.clone()),
            false,
        )
        .await
        .expect_status(403);
    assert!(
        forged.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("X-Requested-With")
    );
    let list = admin.get("/api/v1/users").await.expect_status(200);
    assert_eq!(
        list.body["items"].as_array().unwrap().len(),
        1,
        "nothing was created"
    );
    let forged_out = admin
        .send(reqwest::Method::POST, "/api/v1/auth/sign-out", None, false)
        .await
        .expect_status(403);
    assert_eq!(forged_out.code(), "forbidden");
    admin.get("/api/v1/me").await.expect_status(200);
    // Sign-in is state-changing too (login CSRF).
    let anonymous = server.api();
    let sign_in = json!({ "email": ADMIN_EMAIL, "password": immcase_tests::ADMIN_PASSWORD });
    anonymous
        .send(
            reqwest::Method::POST,
            "/api/v1/auth/sign-in",
            Some(sign_in),
            false,
        )
        .await
        .expect_status(403);
    let refusals = audit_rows(&admin, "access.csrf_refused").await;
    let targets: Vec<&str> = refusals
        .iter()
        .map(|r| r["target"].as_str().unwrap())
        .collect();
    assert_eq!(
        targets,
        [
            "POST /api/v1/auth/sign-in",
            "POST /api/v1/auth/sign-out",
            "POST /api/v1/users"
        ]
    );
    assert_eq!(refusals[1]["actor_email"], ADMIN_EMAIL);
    assert!(refusals[0]["actor_email"].is_null());
    server.stop().await;
}

async fn invalid_input_names_each_field(backend: Backend) {
    let server = TestServer::start(backend).await;
    let admin = server.admin().await;
    let bad = admin
        .post(
            "/api/v1/users",
            json!({ "email": "not-an-email", "display_name": "", "time_zone": "Mars/Olympus", "roles": ["nope"], "password": "short" }),
        )
        .await
        .expect_status(422);
    let fields = &bad.body["error"]["fields"];
    for field in ["email", "display_name", "time_zone", "roles", "password"] {
        assert!(fields[field].is_string(), "{field} in {fields}");
    }
    let bad_role = admin
        .post("/api/v1/roles", json!({ "name": "X", "permissions": ["Not A Permission"], "field_rules": { "passport": "hidden" } }))
        .await
        .expect_status(422);
    assert!(bad_role.body["error"]["fields"]["permissions"].is_string());
    assert!(bad_role.body["error"]["fields"]["field_rules"].is_string());
    let not_json = admin
        .send(reqwest::Method::POST, "/api/v1/roles", None, true)
        .await;
    assert_eq!(not_json.code(), "invalid", "{}", not_json.text);
    let unknown_field = admin
        .post("/api/v1/roles", json!({ "name": "X", "colour": "red" }))
        .await
        .expect_status(422);
    assert!(
        unknown_field.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("colour")
    );
    server.stop().await;
}
