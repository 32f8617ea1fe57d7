//! The practice's own mail settings and the visible outbox, against real
//! SMTP servers on loopback: mail leaves through the practice's server as
//! its sender, with a `Message-ID` the outbox shows; the password is sealed
//! (never in an answer, never in clear in the data folder or the database);
//! a 4xx is retried and delivered, a 5xx fails at once with the server's
//! reply, both in the SMTP log; retry and cancel; the daily limit defers
//! the rest to the practice's next day and says so; one practice never sees
//! another's settings or messages; the secret key rotates without losing
//! the password, and a server without the key says so instead of sending.

#![allow(clippy::unwrap_used)] // A failed unwrap is a failed test.

use immcase_tests::{Api, Backend, SmtpServer, TestServer, eventually, on_both_databases};
use jiff::SignedDuration;
use serde_json::{Value, json};

on_both_databases!(
    mail_leaves_through_the_practices_server_and_its_password_stays_sealed,
    a_temporary_refusal_is_retried_and_a_permanent_one_fails_with_the_reply,
    the_daily_limit_defers_the_rest_to_the_practices_next_day,
    rotating_the_secret_key_keeps_the_stored_password,
);

const PASSWORD: &str = "S3cret-Sm7p-pa55";

/// Invites `email` to the practice: the invitation is a message the host
/// queues. Returns its outbox entry once it is there.
async fn invite(admin: &Api, email: &str) -> Value {
    admin
        .post(
            "/api/v1/users",
            json!({ "email": email, "display_name": email.split('@').next().unwrap() }),
        )
        .await
        .expect_status(201);
    eventually(
        &format!("the invitation to {email} in the outbox"),
        || async { message_to(admin, email).await },
    )
    .await
}

/// The newest outbox entry to `email`.
async fn message_to(admin: &Api, email: &str) -> Option<Value> {
    let list = admin
        .get("/api/v1/mail/outbox")
        .await
        .expect_status(200)
        .body;
    list["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["to"][0] == email)
        .cloned()
}

/// Waits until the entry to `email` is in `status`, and returns it.
async fn wait_for_state(admin: &Api, email: &str, status: &str) -> Value {
    eventually(
        &format!("the message to {email} being {status}"),
        || async {
            message_to(admin, email)
                .await
                .filter(|m| m["status"] == status)
        },
    )
    .await
}

async fn log_of(admin: &Api, message: &str) -> Vec<Value> {
    let log = admin
        .get(&format!("/api/v1/mail/log?message={message}"))
        .await
        .expect_status(200)
        .body;
    let mut items = log["items"].as_array().unwrap().clone();
    items.reverse();
    items
}

async fn mail_leaves_through_the_practices_server_and_its_password_stays_sealed(backend: Backend) {
    let server = TestServer::start(backend).await;
    let practice_smtp = SmtpServer::start();
    let admin = server.admin().await;

    let shown = admin
        .get("/api/v1/mail/settings")
        .await
        .expect_status(200)
        .body;
    assert_eq!(shown["version"], 0);
    assert_eq!(shown["smtp_password_set"], false);
    assert_eq!(
        shown["server_smtp"],
        format!("127.0.0.1:{}", server.smtp.port())
    );

    // Refusals name their fields; a stale version is a conflict.
    let refused = admin
        .put(
            "/api/v1/mail/settings",
            json!({ "smtp_host": "smtp example", "smtp_security": "ssl", "from_address": "office",
                    "daily_quota": 0, "version": 0 }),
        )
        .await
        .expect_status(422);
    for field in ["smtp_host", "smtp_security", "from_address", "daily_quota"] {
        assert!(
            refused.body["error"]["fields"][field].is_string(),
            "{field}: {}",
            refused.body
        );
    }
    let settings = json!({
        "smtp_host": "127.0.0.1", "smtp_port": practice_smtp.port(), "smtp_security": "none",
        "smtp_password": PASSWORD, "from_name": "Diaz Immigration",
        "from_address": "office@diaz.example", "version": 0,
    });
    let saved = admin
        .put("/api/v1/mail/settings", settings.clone())
        .await
        .expect_status(200);
    assert_eq!(saved.body["smtp_password_set"], true);
    assert_eq!(saved.body["version"], 1);
    assert!(!saved.text.contains(PASSWORD), "{}", saved.text);
    admin
        .put("/api/v1/mail/settings", settings)
        .await
        .expect_status(409);
    let shown = admin.get("/api/v1/mail/settings").await.expect_status(200);
    assert!(!shown.text.contains(PASSWORD), "{}", shown.text);
    assert_eq!(shown.body["smtp_host"], "127.0.0.1");

    // Mail now leaves through the practice's server, as its sender.
    let queued = invite(&admin, "newbie@diaz.example").await;
    let arrived = practice_smtp
        .wait_for("newbie@diaz.example", "Your ImmCase account")
        .await;
    assert_eq!(
        arrived.from_header(),
        "\"Diaz Immigration\" <office@diaz.example>"
    );
    assert!(
        arrived.message_id().ends_with("@diaz.example"),
        "{}",
        arrived.message_id()
    );
    assert!(
        server.smtp.received().is_empty(),
        "nothing went through the server-wide setting"
    );
    let sent = wait_for_state(&admin, "newbie@diaz.example", "sent").await;
    assert_eq!(sent["message_id"], format!("<{}>", arrived.message_id()));
    assert_eq!(sent["origin"], "host");
    let log = log_of(&admin, queued["id"].as_str().unwrap()).await;
    assert_eq!(log.len(), 1, "{log:?}");
    assert_eq!(
        log[0]["server"],
        format!("127.0.0.1:{}", practice_smtp.port())
    );
    assert_eq!(log[0]["outcome"], "sent");
    assert!(
        log[0]["reply"].as_str().unwrap().starts_with("250"),
        "{log:?}"
    );

    // The test message answers with the server's reply.
    let test = admin
        .post(
            "/api/v1/mail/settings/test",
            json!({ "to": "check@diaz.example" }),
        )
        .await
        .expect_status(200)
        .body;
    assert_eq!(test["delivered"], true, "{test}");
    assert!(test["reply"].as_str().unwrap().starts_with("250"), "{test}");
    practice_smtp
        .wait_for("check@diaz.example", "Test message")
        .await;
    admin
        .post(
            "/api/v1/mail/settings/test",
            json!({ "to": "not an address" }),
        )
        .await
        .expect_status(422);

    // The password is sealed in the database and nowhere in clear.
    sqlx::any::install_default_drivers();
    let db = sqlx::AnyPool::connect(&server.config.database_url())
        .await
        .unwrap();
    let sealed: String = sqlx::query_scalar("SELECT smtp_password FROM practice_mail")
        .fetch_one(&db)
        .await
        .unwrap();
    assert!(
        sealed.starts_with("s1.") && !sealed.contains(PASSWORD),
        "{sealed}"
    );
    db.close().await;
    assert_nowhere_in(&server.config.data_dir, PASSWORD.as_bytes());

    // Another practice sees none of it; a colleague without the
    // permission may not read the settings.
    let other = server
        .admin_of_new_practice("north", "admin@north.example", "north-admin-pass-1")
        .await;
    let theirs = other
        .get("/api/v1/mail/settings")
        .await
        .expect_status(200)
        .body;
    assert_eq!(theirs["version"], 0);
    assert_eq!(theirs["smtp_host"], "");
    let outbox = other
        .get("/api/v1/mail/outbox")
        .await
        .expect_status(200)
        .body;
    assert!(
        outbox["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|m| m["to"][0] != "newbie@diaz.example"),
        "{outbox}"
    );
    let id = queued["id"].as_str().unwrap();
    other
        .get(&format!("/api/v1/mail/outbox/{id}"))
        .await
        .expect_status(404);
    other
        .post(&format!("/api/v1/mail/outbox/{id}/retry"), json!({}))
        .await
        .expect_status(404);
    other
        .get(&format!("/api/v1/mail/log?message={id}"))
        .await
        .expect_status(200);
    let foreign_log = other
        .get(&format!("/api/v1/mail/log?message={id}"))
        .await
        .body;
    assert_eq!(foreign_log["items"], json!([]));
    let colleague = server
        .sign_in_with_role(
            &admin,
            json!({ "name": "Reception", "permissions": ["applicants.read"] }),
            "kim@diaz.example",
        )
        .await;
    colleague
        .get("/api/v1/mail/settings")
        .await
        .expect_status(403);
    colleague.get("/api/v1/mail/log").await.expect_status(403);
    let own = colleague
        .get("/api/v1/mail/outbox")
        .await
        .expect_status(200)
        .body;
    assert_eq!(
        own["items"],
        json!([]),
        "a colleague sees only their own messages"
    );
}

/// No file under `dir` holds `secret`.
fn assert_nowhere_in(dir: &std::path::Path, secret: &[u8]) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            assert_nowhere_in(&path, secret);
        } else if let Ok(bytes) = std::fs::read(&path) {
            assert!(
                !bytes.windows(secret.len()).any(|w| w == secret),
                "{} holds the password in clear",
                path.display()
            );
        }
    }
}

async fn a_temporary_refusal_is_retried_and_a_permanent_one_fails_with_the_reply(backend: Backend) {
    let server = TestServer::start(backend).await;
    let admin = server.admin().await;

    // 451: deferred with the reply and when it is tried again.
    server
        .smtp
        .refuse_next(451, "4.7.1 Greylisted, try again later");
    let first = invite(&admin, "ana@example.com").await;
    let deferred = wait_for_state(&admin, "ana@example.com", "deferred").await;
    let reason = deferred["deferred_reason"].as_str().unwrap();
    assert!(
        reason.contains("451") && reason.contains("Greylisted"),
        "{reason}"
    );
    assert!(deferred["next_attempt_at"].is_string(), "{deferred}");
    server.clock.advance(SignedDuration::from_mins(6));
    let sent = wait_for_state(&admin, "ana@example.com", "sent").await;
    assert_eq!(sent["attempts"], 2);
    let mails: Vec<_> = server
        .smtp
        .received()
        .into_iter()
        .filter(|m| m.to.contains(&"ana@example.com".to_string()))
        .collect();
    assert_eq!(mails.len(), 1, "delivered once");
    let log = log_of(&admin, first["id"].as_str().unwrap()).await;
    let outcomes: Vec<&str> = log.iter().map(|a| a["outcome"].as_str().unwrap()).collect();
    assert_eq!(outcomes, ["temporary", "sent"]);
    assert!(
        log[0]["reply"].as_str().unwrap().contains("Greylisted"),
        "{log:?}"
    );

    // 550: failed at once, with the reply, in the outbox and the log.
    server.smtp.refuse_next(
        550,
        "5.1.1 <bo@example.com>: Recipient address rejected: User unknown",
    );
    let second = invite(&admin, "bo@example.com").await;
    let failed = wait_for_state(&admin, "bo@example.com", "failed").await;
    assert_eq!(failed["attempts"], 1);
    let reply = failed["last_error"].as_str().unwrap();
    assert!(
        reply.starts_with("550") && reply.contains("User unknown"),
        "{reply}"
    );
    let second_id = second["id"].as_str().unwrap().to_string();
    let log = log_of(&admin, &second_id).await;
    assert_eq!(log[0]["outcome"], "permanent");
    let page = admin.get("/outbox?status=failed").await.expect_status(200);
    assert!(page.text.contains("User unknown"), "{}", page.text);
    let log_page = admin.get("/settings/email/log").await.expect_status(200);
    assert!(log_page.text.contains("Greylisted") && log_page.text.contains("User unknown"));

    // Sent again by hand, it goes out; a sent message cannot be cancelled.
    let retried = admin
        .post(&format!("/api/v1/mail/outbox/{second_id}/retry"), json!({}))
        .await
        .expect_status(200);
    // Queued again (the worker, woken, may have taken it already).
    let state = retried.body["status"].as_str().unwrap();
    assert!(
        ["pending", "sending", "sent"].contains(&state),
        "{}",
        retried.body
    );
    server
        .smtp
        .wait_for("bo@example.com", "Your ImmCase account")
        .await;
    wait_for_state(&admin, "bo@example.com", "sent").await;
    let refused = admin
        .post(
            &format!("/api/v1/mail/outbox/{second_id}/cancel"),
            json!({}),
        )
        .await
        .expect_status(409);
    assert!(
        refused.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("sent")
    );

    // A cancelled message stays unsent: a message queued after it, due
    // later, goes out, and it still has not.
    server.smtp.refuse_next(451, "4.3.0 Try later");
    let third = invite(&admin, "cy@example.com").await;
    wait_for_state(&admin, "cy@example.com", "deferred").await;
    let page = admin.get("/outbox").await.expect_status(200);
    let token = page.form_token();
    let third_id = third["id"].as_str().unwrap();
    admin
        .post_form(
            &format!("/outbox/{third_id}/cancel"),
            &[("_csrf", &token), ("back", "/outbox")],
        )
        .await
        .expect_status(303);
    assert_eq!(
        message_to(&admin, "cy@example.com").await.unwrap()["status"],
        "cancelled"
    );
    server.clock.advance(SignedDuration::from_mins(30));
    // Signed in again: the session's idle time ran out with the clock.
    let admin = server.admin().await;
    invite(&admin, "di@example.com").await;
    server
        .smtp
        .wait_for("di@example.com", "Your ImmCase account")
        .await;
    assert_eq!(
        message_to(&admin, "cy@example.com").await.unwrap()["status"],
        "cancelled"
    );
    assert!(
        server
            .smtp
            .received()
            .iter()
            .all(|m| !m.to.contains(&"cy@example.com".to_string()))
    );
}

async fn the_daily_limit_defers_the_rest_to_the_practices_next_day(backend: Backend) {
    let server = TestServer::start(backend).await;
    let admin = server.admin().await;
    admin
        .put(
            "/api/v1/mail/settings",
            json!({ "smtp_security": "starttls", "daily_quota": 2, "version": 0 }),
        )
        .await
        .expect_status(200);
    for who in ["a1@example.com", "a2@example.com"] {
        invite(&admin, who).await;
        server.smtp.wait_for(who, "Your ImmCase account").await;
    }
    invite(&admin, "a3@example.com").await;
    let deferred = wait_for_state(&admin, "a3@example.com", "deferred").await;
    let reason = deferred["deferred_reason"].as_str().unwrap();
    assert!(reason.contains("daily limit of 2 messages"), "{reason}");
    assert!(reason.contains("America/Toronto"), "{reason}");
    // It waits for the start of the practice's next day.
    let until: jiff::Timestamp = deferred["next_attempt_at"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let local = until.to_zoned_datetime(jiff::tz::TimeZone::get("America/Toronto").unwrap());
    assert_eq!((local.hour(), local.minute()), (0, 0), "{local}");
    let page = admin
        .get("/outbox?status=deferred")
        .await
        .expect_status(200);
    assert!(
        page.text.contains("daily limit of 2 messages"),
        "{}",
        page.text
    );

    let wait = until.duration_since(jiff::Timestamp::now()) + SignedDuration::from_secs(5);
    server.clock.advance(wait);
    let admin = server.admin().await;
    server
        .smtp
        .wait_for("a3@example.com", "Your ImmCase account")
        .await;
    wait_for_state(&admin, "a3@example.com", "sent").await;
}

async fn rotating_the_secret_key_keeps_the_stored_password(backend: Backend) {
    use immcase_host::secrets::{KeySource, Keyring, new_key};
    let (old, new) = (new_key().unwrap(), new_key().unwrap());
    let keys = |key: &str, previous: &[&String]| KeySource {
        key: Some(key.to_string()),
        previous: previous.iter().map(|k| k.to_string()).collect(),
    };
    let mut server = TestServer::start_with(backend, |c| c.secret_keys = keys(&old, &[])).await;
    let admin = server.admin().await;
    admin
        .put(
            "/api/v1/mail/settings",
            json!({ "smtp_host": "127.0.0.1", "smtp_port": server.smtp.port(),
                    "smtp_security": "none", "smtp_password": PASSWORD, "version": 0 }),
        )
        .await
        .expect_status(200);
    let id_of = |key: &str| {
        let ring = Keyring::load(&keys(key, &[]), std::path::Path::new("/nonexistent")).unwrap();
        format!("s1.{}.", ring.current_key_id())
    };
    assert!(sealed(&server).await.starts_with(&id_of(&old)));

    // A new key, the old one kept to open what it sealed.
    server.config.secret_keys = keys(&new, &[&old]);
    server.restart().await;
    assert_eq!(test(&server, "one@diaz.example").await["delivered"], true);
    immcase_host::commands::secrets_reseal(server.config.clone())
        .await
        .unwrap();
    assert!(sealed(&server).await.starts_with(&id_of(&new)));

    // The old key dropped: everything opens with the new one alone.
    server.config.secret_keys = keys(&new, &[]);
    server.restart().await;
    assert_eq!(test(&server, "two@diaz.example").await["delivered"], true);

    // A server without the key says so, loudly, instead of sending.
    server.config.secret_keys = keys(&old, &[]);
    server.restart().await;
    let refused = test(&server, "three@diaz.example").await;
    assert_eq!(refused["delivered"], false, "{refused}");
    assert!(
        refused["reply"]
            .as_str()
            .unwrap()
            .contains("SMTP password cannot be read"),
        "{refused}"
    );
}

/// The sealed SMTP password as stored.
async fn sealed(server: &TestServer) -> String {
    sqlx::any::install_default_drivers();
    let db = sqlx::AnyPool::connect(&server.config.database_url())
        .await
        .unwrap();
    let value: String = sqlx::query_scalar("SELECT smtp_password FROM practice_mail")
        .fetch_one(&db)
        .await
        .unwrap();
    db.close().await;
    value
}

/// Sends a test message to `to` as the administrator; the outcome.
async fn test(server: &TestServer, to: &str) -> Value {
    let admin = server.admin().await;
    admin
        .post("/api/v1/mail/settings/test", json!({ "to": to }))
        .await
        .expect_status(200)
        .body
}
