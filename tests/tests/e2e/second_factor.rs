//! Two-factor sign-in: an authenticator app set up from the profile, codes
//! that work once, recovery codes, a practice that requires it of everyone,
//! an administrator's audited reset, and app passwords that keep working on
//! their own routes only.

#![allow(clippy::unwrap_used)] // A failed unwrap is a failed test.

use immcase_tests::second_factor::App;
use immcase_tests::{ADMIN_EMAIL, ADMIN_PASSWORD, Api, Backend, TestServer, on_both_databases};
use jiff::SignedDuration;
use serde_json::{Value, json};

on_both_databases!(
    an_app_code_and_recovery_codes_complete_a_sign_in_once_each,
    a_practice_requires_it_and_an_administrator_resets_it,
    passkey_requests_that_cannot_succeed_are_refused_in_words,
);

/// Sets up the app of `api`'s person; the app and the recovery codes.
async fn set_up(server: &TestServer, api: &Api) -> (App, Vec<String>) {
    let started = api
        .post("/api/v1/me/second-factor/app", json!({}))
        .await
        .expect_status(200);
    assert!(
        started.body["qr_svg"]
            .as_str()
            .unwrap()
            .starts_with("<svg ")
    );
    let app = App::scan(started.body["address"].as_str().unwrap());
    let wrong = api
        .post(
            "/api/v1/me/second-factor/app/confirm",
            json!({ "code": "000000" }),
        )
        .await
        .expect_status(422);
    assert!(wrong.body["error"]["fields"]["code"].is_string());
    let on = api
        .post(
            "/api/v1/me/second-factor/app/confirm",
            json!({ "code": app.code(server, 0) }),
        )
        .await
        .expect_status(200);
    let codes: Vec<String> = on.body["recovery_codes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap().to_string())
        .collect();
    assert_eq!(codes.len(), 10);
    (app, codes)
}

async fn second_factor(api: &Api, code: &str) -> u16 {
    api.post("/api/v1/auth/second-factor", json!({ "code": code }))
        .await
        .status
        .as_u16()
}

fn actions(audit: &Value) -> Vec<&str> {
    audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["action"].as_str().unwrap())
        .collect()
}

async fn an_app_code_and_recovery_codes_complete_a_sign_in_once_each(backend: Backend) {
    let server = TestServer::start(backend).await;
    let admin = server.admin().await;
    let status = admin
        .get("/api/v1/me/second-factor")
        .await
        .expect_status(200);
    assert_eq!(status.body["enabled"], false);
    let (app, codes) = set_up(&server, &admin).await;
    let status = admin
        .get("/api/v1/me/second-factor")
        .await
        .expect_status(200);
    assert_eq!(status.body["enabled"], true);
    assert_eq!(status.body["recovery_codes_left"], 10);

    // The password alone opens nothing now.
    let phone = server.api();
    let asked = phone
        .sign_in(ADMIN_EMAIL, ADMIN_PASSWORD)
        .await
        .expect_status(202);
    assert_eq!(asked.body["second_factor_required"], true);
    phone.get("/api/v1/me").await.expect_status(401);
    assert_eq!(second_factor(&phone, "123456").await, 422);
    // The code that turned it on was used: it does not sign in.
    assert_eq!(second_factor(&phone, &app.code(&server, 0)).await, 422);
    server.clock.advance(SignedDuration::from_secs(30));
    assert_eq!(second_factor(&phone, &app.code(&server, 0)).await, 200);
    phone.get("/api/v1/me").await.expect_status(200);

    // A recovery code, typed loosely, works once.
    let laptop = server.api();
    laptop
        .sign_in(ADMIN_EMAIL, ADMIN_PASSWORD)
        .await
        .expect_status(202);
    assert_eq!(second_factor(&laptop, &codes[0].to_uppercase()).await, 200);
    let again = server.api();
    again
        .sign_in(ADMIN_EMAIL, ADMIN_PASSWORD)
        .await
        .expect_status(202);
    assert_eq!(second_factor(&again, &codes[0]).await, 422);
    let status = admin
        .get("/api/v1/me/second-factor")
        .await
        .expect_status(200);
    assert_eq!(status.body["recovery_codes_left"], 9);

    // Without the password first there is nothing to complete.
    let stranger = server.api();
    assert_eq!(second_factor(&stranger, &codes[1]).await, 401);

    // Five wrong codes end the sign-in.
    let guesser = server.api();
    guesser
        .sign_in(ADMIN_EMAIL, ADMIN_PASSWORD)
        .await
        .expect_status(202);
    for _ in 0..5 {
        assert_eq!(second_factor(&guesser, "999999").await, 422);
    }
    assert_eq!(second_factor(&guesser, &codes[1]).await, 401);

    // App passwords still open the WebDAV files, and only them.
    let made = admin
        .post("/api/v1/me/app-passwords", json!({ "name": "Finder" }))
        .await
        .expect_status(201);
    let secret = made.body["password"].as_str().unwrap();
    let basic = format!("Basic {}", base64_of(&format!("{ADMIN_EMAIL}:{secret}")));
    let client = server.api();
    let dav = client
        .get_with_headers("/dav/", &[("authorization", &basic), ("depth", "0")])
        .await;
    assert!(dav.status.is_success(), "{}", dav.status);
    client
        .get_with_headers("/api/v1/me", &[("authorization", &basic)])
        .await
        .expect_status(401);

    // Turning it off takes the password, and is audited.
    admin
        .post(
            "/api/v1/me/second-factor/off",
            json!({ "password": "not it" }),
        )
        .await
        .expect_status(422);
    admin
        .post(
            "/api/v1/me/second-factor/off",
            json!({ "password": ADMIN_PASSWORD }),
        )
        .await
        .expect_status(204);
    server
        .api()
        .sign_in(ADMIN_EMAIL, ADMIN_PASSWORD)
        .await
        .expect_status(200);
    let audit = admin
        .get("/api/v1/audit?limit=200")
        .await
        .expect_status(200);
    let done = actions(&audit.body);
    for action in [
        "auth.second_factor_enabled",
        "auth.second_factor_failed",
        "auth.second_factor_removed",
    ] {
        assert!(done.contains(&action), "{action} in {done:?}");
    }
    server.stop().await;
}

fn base64_of(text: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(text)
}

async fn a_practice_requires_it_and_an_administrator_resets_it(backend: Backend) {
    let server = TestServer::start(backend).await;
    let admin = server.admin().await;
    let role = admin.role_id("Consultant").await;
    let password = "a consultant's long passphrase";
    let made = admin
        .post(
            "/api/v1/users",
            json!({ "email": "lee@example.com", "display_name": "Lee Park", "password": password, "roles": [role] }),
        )
        .await
        .expect_status(201);
    let lee_id = made.body["id"].as_str().unwrap().to_string();
    let lee = server.api();
    lee.sign_in("lee@example.com", password)
        .await
        .expect_status(200);
    lee.get("/api/v1/applicants").await.expect_status(200);

    // Only an administrator changes the rule, at its version.
    lee.put(
        "/api/v1/practice/security",
        json!({ "require_second_factor": true, "version": 0 }),
    )
    .await
    .expect_status(403);
    // Whoever requires it has it first.
    let first = admin
        .put(
            "/api/v1/practice/security",
            json!({ "require_second_factor": true, "version": 0 }),
        )
        .await
        .expect_status(422);
    assert!(first.body["error"]["fields"]["require_second_factor"].is_string());
    set_up(&server, &admin).await;
    let rule = admin
        .put(
            "/api/v1/practice/security",
            json!({ "require_second_factor": true, "version": 0 }),
        )
        .await
        .expect_status(200);
    assert_eq!(rule.body["version"], 1);
    admin
        .put(
            "/api/v1/practice/security",
            json!({ "require_second_factor": false, "version": 0 }),
        )
        .await
        .expect_status(409);

    // Lee, without a second factor, reaches only the page that sets it up.
    let refused = lee.get("/api/v1/applicants").await.expect_status(403);
    assert!(
        refused.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("two-factor")
    );
    let page = lee.get("/applicants").await.expect_status(303);
    assert_eq!(page.header("location").unwrap(), "/profile/second-factor");
    let status = lee.get("/api/v1/me/second-factor").await.expect_status(200);
    assert_eq!(status.body["required_by_practice"], true);
    let shown = lee.get("/profile/second-factor").await.expect_status(200);
    assert!(
        shown.text.contains("requires two-factor sign-in"),
        "{}",
        shown.text
    );
    set_up(&server, &lee).await;
    lee.get("/api/v1/applicants").await.expect_status(200);
    // It cannot be turned off while the practice requires it.
    lee.post(
        "/api/v1/me/second-factor/off",
        json!({ "password": password }),
    )
    .await
    .expect_status(403);

    // Lee lost the phone: the administrator resets it.
    lee.post(
        &format!("/api/v1/users/{lee_id}/second-factor/reset"),
        json!({}),
    )
    .await
    .expect_status(403);
    let reset = admin
        .post(
            &format!("/api/v1/users/{lee_id}/second-factor/reset"),
            json!({}),
        )
        .await
        .expect_status(200);
    assert_eq!(reset.body["sessions_ended"], 1);
    lee.get("/api/v1/me").await.expect_status(401);
    let rows = admin
        .get("/api/v1/audit?action=user.second_factor_reset")
        .await
        .expect_status(200);
    let row = &rows.body["items"][0];
    assert_eq!(row["target"], format!("user:{lee_id}"));
    assert_eq!(row["details"]["was_on"], true);
    // Signing in again, Lee is asked to set it up once more.
    let again = server.api();
    again
        .sign_in("lee@example.com", password)
        .await
        .expect_status(200);
    again.get("/api/v1/applicants").await.expect_status(403);
    // Settings → Security lists who has it, for the administrator.
    let page = admin.get("/settings/security").await.expect_status(200);
    assert!(page.text.contains("Lee Park") && page.text.contains("Require it of everyone"));
    lee.get("/settings/security").await.expect_status(303);
    server.stop().await;
}

/// What a passkey's answer looks like, with nothing true in it.
fn made_up_answer() -> Value {
    json!({ "id": "AAAA", "rawId": "AAAA", "type": "public-key", "extensions": {},
            "response": { "attestationObject": "AAAA", "clientDataJSON": "AAAA" } })
}

/// Passkeys are added and used in a browser (the browser tests, with a
/// virtual authenticator); here, what the API refuses and says.
async fn passkey_requests_that_cannot_succeed_are_refused_in_words(backend: Backend) {
    let server = TestServer::start(backend).await;
    let admin = server.admin().await;

    // The options name this host as the relying party, and the person.
    let options = admin
        .post("/api/v1/me/second-factor/passkeys/options", json!({}))
        .await
        .expect_status(200)
        .body;
    assert_eq!(options["publicKey"]["rp"]["id"], "localhost", "{options}");
    assert_eq!(options["publicKey"]["user"]["name"], ADMIN_EMAIL);
    assert!(options["publicKey"]["challenge"].as_str().unwrap().len() >= 22);

    // A name is needed; an answer that does not check is refused, and
    // uses up the ceremony: the same again finds none under way.
    let unnamed = admin
        .post(
            "/api/v1/me/second-factor/passkeys",
            json!({ "name": "  ", "credential": made_up_answer() }),
        )
        .await
        .expect_status(422);
    assert!(
        unnamed.text.contains("a name to tell this passkey by"),
        "{}",
        unnamed.text
    );
    let forged = admin
        .post(
            "/api/v1/me/second-factor/passkeys",
            json!({ "name": "Laptop", "credential": made_up_answer() }),
        )
        .await
        .expect_status(422);
    assert!(forged.text.contains("not accepted"), "{}", forged.text);
    let again = admin
        .post(
            "/api/v1/me/second-factor/passkeys",
            json!({ "name": "Laptop", "credential": made_up_answer() }),
        )
        .await
        .expect_status(409);
    assert!(again.text.contains("add it again"), "{}", again.text);
    let listed = admin
        .get("/api/v1/me/second-factor/passkeys")
        .await
        .expect_status(200)
        .body;
    assert_eq!(listed, json!([]));
    admin
        .delete("/api/v1/me/second-factor/passkeys/AAAA")
        .await
        .expect_status(404);

    // An address that is not a host name cannot hold one.
    let raw = reqwest::Client::new()
        .post(format!(
            "http://{}/api/v1/me/second-factor/passkeys/options",
            server.addr
        ))
        .header(
            "cookie",
            format!("immcase_session={}", server.admin_session().await),
        )
        .header("x-requested-with", "immcase")
        .send()
        .await
        .unwrap();
    assert_eq!(raw.status(), 422);
    assert!(
        raw.text()
            .await
            .unwrap()
            .contains("passkeys need a host name")
    );

    // Signed out, with no sign-in waiting, there is nothing to answer.
    let stranger = server.api();
    let none = stranger
        .post("/api/v1/auth/second-factor/passkey/options", json!({}))
        .await
        .expect_status(401);
    assert!(
        none.text.contains("sign in with your password again"),
        "{}",
        none.text
    );
    stranger
        .post(
            "/api/v1/auth/second-factor/passkey",
            json!({ "credential": { "id": "AAAA", "rawId": "AAAA", "type": "public-key", "extensions": {},
                    "response": { "authenticatorData": "AAAA", "clientDataJSON": "AAAA", "signature": "AAAA" } } }),
        )
        .await
        .expect_status(401);
    server.stop().await;
}
