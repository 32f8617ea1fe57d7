//! Signing in and out, wrong passwords, throttling, session ids and timeouts.

#![allow(clippy::unwrap_used)] // A failed unwrap is a failed test.

use immcase_tests::{ADMIN_EMAIL, ADMIN_PASSWORD, Api, Backend, TestServer, on_both_databases};
use jiff::SignedDuration;
use serde_json::json;

on_both_databases!(
    sign_in_and_sign_out,
    wrong_password_is_refused_and_audited,
    repeated_failures_are_throttled_with_retry_after,
    sign_in_gives_a_new_session_id,
    idle_and_absolute_timeouts_end_sessions,
    email_is_trimmed_and_case_insensitive,
);

async fn audit_actions(admin: &Api) -> Vec<String> {
    let page = admin
        .get("/api/v1/audit?limit=200")
        .await
        .expect_status(200);
    page.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|r| r["action"].as_str().unwrap_or("").to_string())
        .collect()
}

async fn sign_in_and_sign_out(backend: Backend) {
    let server = TestServer::start(backend).await;
    let api = server.api();
    api.get("/api/v1/me").await.expect_status(401);

    let signed_in = api
        .sign_in(ADMIN_EMAIL, ADMIN_PASSWORD)
        .await
        .expect_status(200);
    let cookie = signed_in.header("set-cookie").expect("a session cookie");
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    assert!(cookie.contains("SameSite=Lax"), "{cookie}");
    assert!(
        !cookie.contains("Secure"),
        "plain http gets no Secure flag: {cookie}"
    );
    assert_eq!(signed_in.body["user"]["email"], ADMIN_EMAIL);
    assert!(
        signed_in.body["permissions"]
            .as_array()
            .unwrap()
            .contains(&json!("users.manage"))
    );

    let me = api.get("/api/v1/me").await.expect_status(200);
    assert_eq!(me.body["user"]["email"], ADMIN_EMAIL);
    assert_eq!(me.body["practice"]["slug"], "default");

    let token = signed_in.session_cookie().expect("session id");
    api.post("/api/v1/auth/sign-out", json!({}))
        .await
        .expect_status(204);
    api.get("/api/v1/me").await.expect_status(401);
    // The session is gone on the server, not only from this client's jar.
    let replay = Api::with_session(server.addr, None, &token);
    let refused = replay.get("/api/v1/me").await.expect_status(401);
    assert_eq!(refused.code(), "unauthenticated");

    let admin = server.admin().await;
    let actions = audit_actions(&admin).await;
    assert!(
        actions.contains(&"auth.sign_out".to_string()),
        "{actions:?}"
    );
    assert_eq!(
        actions.iter().filter(|a| *a == "auth.sign_in").count(),
        2,
        "{actions:?}"
    );
    server.stop().await;
}

async fn wrong_password_is_refused_and_audited(backend: Backend) {
    let server = TestServer::start(backend).await;
    let api = server.api();
    let wrong = api
        .sign_in(ADMIN_EMAIL, "not the password at all")
        .await
        .expect_status(401);
    assert_eq!(wrong.code(), "unauthenticated");
    assert_eq!(wrong.body["error"]["message"], "wrong email or password");
    assert!(wrong.session_cookie().is_none());
    // An unknown account gets the very same answer.
    let unknown = api
        .sign_in("nobody@immcase.test", "not the password at all")
        .await
        .expect_status(401);
    assert_eq!(unknown.body, wrong.body);
    api.get("/api/v1/me").await.expect_status(401);
    let missing = api.sign_in("", "").await.expect_status(422);
    assert_eq!(missing.body["error"]["fields"]["email"], "required");

    let admin = server.admin().await;
    let page = admin
        .get("/api/v1/audit?action=auth.sign_in_failed")
        .await
        .expect_status(200);
    let rows = page.body["items"].as_array().unwrap();
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0]["actor_email"], "nobody@immcase.test");
    assert_eq!(rows[1]["actor_email"], ADMIN_EMAIL);
    assert_eq!(rows[1]["client_addr"], "127.0.0.1");
    server.stop().await;
}

async fn repeated_failures_are_throttled_with_retry_after(backend: Backend) {
    let server = TestServer::start(backend).await;
    let api = server.api();
    for _ in 0..10 {
        api.sign_in(ADMIN_EMAIL, "guessing wrongly again")
            .await
            .expect_status(401);
    }
    // The limit holds even for the right password.
    let limited = api
        .sign_in(ADMIN_EMAIL, ADMIN_PASSWORD)
        .await
        .expect_status(429);
    assert_eq!(limited.code(), "rate_limited");
    let retry: u64 = limited
        .header("retry-after")
        .expect("Retry-After")
        .parse()
        .unwrap();
    assert!((1..=900).contains(&retry), "retry after {retry}s");

    // Per client address too: other accounts from the same address are held.
    let other = api
        .sign_in("someone-else@immcase.test", "whatever it is")
        .await
        .expect_status(429);
    assert!(other.header("retry-after").is_some());

    // Once the window has passed, signing in works again.
    server
        .clock
        .advance(SignedDuration::from_secs(retry as i64 + 1));
    api.sign_in(ADMIN_EMAIL, ADMIN_PASSWORD)
        .await
        .expect_status(200);
    let audit = api
        .get("/api/v1/audit?action=auth.sign_in_throttled")
        .await
        .expect_status(200);
    assert_eq!(audit.body["items"].as_array().unwrap().len(), 2);
    server.stop().await;
}

async fn sign_in_gives_a_new_session_id(backend: Backend) {
    let server = TestServer::start(backend).await;
    let api = server.api();
    let first = api
        .sign_in(ADMIN_EMAIL, ADMIN_PASSWORD)
        .await
        .expect_status(200);
    let first_id = first.session_cookie().unwrap();
    // Signing in again from the same browser (which sends the old cookie).
    let second = api
        .sign_in(ADMIN_EMAIL, ADMIN_PASSWORD)
        .await
        .expect_status(200);
    let second_id = second.session_cookie().unwrap();
    assert_ne!(first_id, second_id);
    assert!(second_id.len() >= 22, "at least 128 bits: {second_id}");
    // The old id no longer works; the new one does.
    Api::with_session(server.addr, None, &first_id)
        .get("/api/v1/me")
        .await
        .expect_status(401);
    Api::with_session(server.addr, None, &second_id)
        .get("/api/v1/me")
        .await
        .expect_status(200);
    server.stop().await;
}

async fn idle_and_absolute_timeouts_end_sessions(backend: Backend) {
    let server = TestServer::start(backend).await;
    let api = server.admin().await;
    server.clock.advance(SignedDuration::from_mins(29));
    api.get("/api/v1/me").await.expect_status(200);
    // Used a minute ago: 29 more idle minutes are fine, 30 are not.
    server.clock.advance(SignedDuration::from_mins(29));
    api.get("/api/v1/me").await.expect_status(200);
    server.clock.advance(SignedDuration::from_mins(31));
    let expired = api.get("/api/v1/me").await.expect_status(401);
    assert!(
        expired
            .header("set-cookie")
            .is_some_and(|c| c.contains("Max-Age=0")),
        "the dead cookie is cleared"
    );

    // Absolute: a session kept busy still ends 12 hours after sign-in.
    let busy = server.admin().await;
    // 28 × 25 min = 11 h 40 min of steady use.
    for _ in 0..28 {
        server.clock.advance(SignedDuration::from_mins(25));
        busy.get("/api/v1/me").await.expect_status(200);
    }
    server.clock.advance(SignedDuration::from_mins(25));
    busy.get("/api/v1/me").await.expect_status(401);
    server.stop().await;
}

async fn email_is_trimmed_and_case_insensitive(backend: Backend) {
    let server = TestServer::start(backend).await;
    let api = server.api();
    api.sign_in("  ADMIN@ImmCase.test ", ADMIN_PASSWORD)
        .await
        .expect_status(200);
    // The password is not trimmed.
    let padded = format!(" {ADMIN_PASSWORD} ");
    server
        .api()
        .sign_in(ADMIN_EMAIL, &padded)
        .await
        .expect_status(401);
    server.stop().await;
}
