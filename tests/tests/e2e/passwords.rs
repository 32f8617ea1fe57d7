//! Forgotten passwords, reset links, password changes and the password policy.

#![allow(clippy::unwrap_used)] // A failed unwrap is a failed test.

use immcase_tests::{ADMIN_EMAIL, ADMIN_PASSWORD, Api, Backend, TestServer, on_both_databases};
use jiff::SignedDuration;
use serde_json::json;

on_both_databases!(
    reset_link_arrives_by_smtp_and_works_once,
    reset_link_expires_after_thirty_minutes,
    forgot_password_answers_the_same_for_unknown_emails,
    password_change_needs_the_current_one_and_ends_other_sessions,
    weak_passwords_are_refused,
);

const NEW_PASSWORD: &str = "a brand new passphrase";

async fn reset_link_arrives_by_smtp_and_works_once(backend: Backend) {
    let server = TestServer::start(backend).await;
    let elsewhere = server.admin().await;
    let api = server.api();
    api.post(
        "/api/v1/auth/forgot-password",
        json!({ "email": ADMIN_EMAIL }),
    )
    .await
    .expect_status(202);
    let mail = server
        .smtp
        .wait_for(ADMIN_EMAIL, "Reset your ImmCase password")
        .await;
    assert_eq!(mail.from, "no-reply@immcase.test");
    let text = mail.text();
    assert!(
        text.contains(&format!(
            "http://localhost:{}/reset-password?token=",
            server.addr.port()
        )),
        "{text}"
    );
    assert!(text.contains("30 minutes"), "{text}");
    let token = mail.link_param("token").expect("a token in the link");
    assert!(token.len() >= 40);

    api.post(
        "/api/v1/auth/reset-password",
        json!({ "token": token, "password": NEW_PASSWORD }),
    )
    .await
    .expect_status(204);
    // Every session of the account ended.
    elsewhere.get("/api/v1/me").await.expect_status(401);
    api.sign_in(ADMIN_EMAIL, ADMIN_PASSWORD)
        .await
        .expect_status(401);
    api.sign_in(ADMIN_EMAIL, NEW_PASSWORD)
        .await
        .expect_status(200);

    // Single use.
    let again = server
        .api()
        .post(
            "/api/v1/auth/reset-password",
            json!({ "token": token, "password": "yet another passphrase" }),
        )
        .await
        .expect_status(422);
    assert!(
        again.body["error"]["fields"]["token"]
            .as_str()
            .unwrap()
            .contains("expired or has already been used")
    );

    let audit = api.get("/api/v1/audit?limit=200").await.expect_status(200);
    let actions: Vec<&str> = audit.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["action"].as_str().unwrap())
        .collect();
    assert!(
        actions.contains(&"auth.password_reset_requested"),
        "{actions:?}"
    );
    assert!(actions.contains(&"auth.password_reset"), "{actions:?}");
    server.stop().await;
}

async fn reset_link_expires_after_thirty_minutes(backend: Backend) {
    let server = TestServer::start(backend).await;
    let api = server.api();
    api.post(
        "/api/v1/auth/forgot-password",
        json!({ "email": ADMIN_EMAIL }),
    )
    .await
    .expect_status(202);
    let token = server
        .smtp
        .wait_for(ADMIN_EMAIL, "Reset")
        .await
        .link_param("token")
        .unwrap();
    server.clock.advance(SignedDuration::from_mins(31));
    let late = api
        .post(
            "/api/v1/auth/reset-password",
            json!({ "token": token, "password": NEW_PASSWORD }),
        )
        .await
        .expect_status(422);
    assert_eq!(late.code(), "invalid");
    api.sign_in(ADMIN_EMAIL, ADMIN_PASSWORD)
        .await
        .expect_status(200);
    server.stop().await;
}

async fn forgot_password_answers_the_same_for_unknown_emails(backend: Backend) {
    let server = TestServer::start(backend).await;
    let api = server.api();
    let unknown = api
        .post(
            "/api/v1/auth/forgot-password",
            json!({ "email": "stranger@immcase.test" }),
        )
        .await
        .expect_status(202);
    let known = api
        .post(
            "/api/v1/auth/forgot-password",
            json!({ "email": ADMIN_EMAIL }),
        )
        .await
        .expect_status(202);
    assert_eq!(unknown.text, known.text);
    server.smtp.wait_for(ADMIN_EMAIL, "Reset").await;
    assert!(
        server
            .smtp
            .received()
            .iter()
            .all(|m| !m.to.iter().any(|t| t.contains("stranger"))),
        "nothing is sent to an address without an account"
    );
    server.stop().await;
}

async fn password_change_needs_the_current_one_and_ends_other_sessions(backend: Backend) {
    let server = TestServer::start(backend).await;
    let laptop = server.admin().await;
    let phone = server.admin().await;
    let wrong = laptop
        .put(
            "/api/v1/me/password",
            json!({ "current_password": "not it at all", "new_password": NEW_PASSWORD }),
        )
        .await
        .expect_status(422);
    assert!(wrong.body["error"]["fields"]["current_password"].is_string());
    phone.get("/api/v1/me").await.expect_status(200);

    laptop
        .put(
            "/api/v1/me/password",
            json!({ "current_password": ADMIN_PASSWORD, "new_password": NEW_PASSWORD }),
        )
        .await
        .expect_status(204);
    laptop.get("/api/v1/me").await.expect_status(200);
    phone.get("/api/v1/me").await.expect_status(401);
    server
        .api()
        .sign_in(ADMIN_EMAIL, NEW_PASSWORD)
        .await
        .expect_status(200);
    let audit = laptop
        .get("/api/v1/audit?action=auth.password_changed")
        .await
        .expect_status(200);
    assert_eq!(audit.body["items"][0]["details"]["other_sessions_ended"], 1);
    server.stop().await;
}

async fn weak_passwords_are_refused(backend: Backend) {
    let server = TestServer::start(backend).await;
    let api = server.admin().await;
    for (candidate, expected) in [
        ("short", "at least 8"),
        ("password123", "most common"),
        ("qwertyuiop", "most common"),
    ] {
        let refused = api
            .put(
                "/api/v1/me/password",
                json!({ "current_password": ADMIN_PASSWORD, "new_password": candidate }),
            )
            .await
            .expect_status(422);
        let message = refused.body["error"]["fields"]["new_password"]
            .as_str()
            .unwrap();
        assert!(message.contains(expected), "{candidate}: {message}");
    }
    let long = "x".repeat(129);
    api.put(
        "/api/v1/me/password",
        json!({ "current_password": ADMIN_PASSWORD, "new_password": long }),
    )
    .await
    .expect_status(422);
    // 128 characters are kept whole: a password differing only in its last
    // character does not match.
    let full: String = "correct horse battery staple "
        .repeat(5)
        .chars()
        .take(128)
        .collect();
    let almost = format!("{}?", &full[..127]);
    assert_eq!(full.chars().count(), 128);
    api.put(
        "/api/v1/me/password",
        json!({ "current_password": ADMIN_PASSWORD, "new_password": full }),
    )
    .await
    .expect_status(204);
    Api::new(server.addr, None)
        .sign_in(ADMIN_EMAIL, &almost)
        .await
        .expect_status(401);
    Api::new(server.addr, None)
        .sign_in(ADMIN_EMAIL, &full)
        .await
        .expect_status(200);
    server.stop().await;
}
