//! A host killed (SIGKILL) while it hands mail to the SMTP server, then
//! started again: no queued message is lost, and the one the server had
//! accepted when the host died is sent again with the same Message-ID, its
//! first attempt marked `interrupted` in the SMTP log. The practice's SMTP
//! password never appears in the hosts' logs.

#![allow(clippy::unwrap_used)] // A failed unwrap is a failed test.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use immcase_tests::child::{ChildConfig, ChildServer, log_file};
use immcase_tests::{Backend, PgDatabase, SmtpServer, eventually, on_both_databases};
use serde_json::json;

on_both_databases!(a_host_killed_mid_queue_loses_nothing_and_doubles_nothing_silently);

const PASSWORD: &str = "Cr4sh-Sm7p-pa55";
const PEOPLE: usize = 10;

async fn a_host_killed_mid_queue_loses_nothing_and_doubles_nothing_silently(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let (_pg, database_url) = PgDatabase::for_backend(&backend).await;
    let smtp = SmtpServer::start();
    // Each message is taken in, then its answer waits: a host killed in
    // that half second has had its message accepted without knowing it.
    smtp.hold_each(Duration::from_millis(500));
    let mut config = ChildConfig::new(dir.path().join("data"), database_url, smtp.port());
    let first = ChildServer::start(&config).await;
    let admin = first.admin().await;
    // The practice's own server (the same test server), with a password.
    admin
        .put(
            "/api/v1/mail/settings",
            json!({ "smtp_host": "127.0.0.1", "smtp_port": smtp.port(), "smtp_security": "none",
                    "smtp_password": PASSWORD, "version": 0 }),
        )
        .await
        .expect_status(200);
    let people: Vec<String> = (1..=PEOPLE)
        .map(|n| format!("p{n}@crash.example"))
        .collect();
    for email in &people {
        admin
            .post(
                "/api/v1/users",
                json!({ "email": email, "display_name": email }),
            )
            .await
            .expect_status(201);
    }

    // Killed right after the server took in the third message.
    let deadline = Instant::now() + Duration::from_secs(60);
    while smtp.received().len() < 3 {
        assert!(
            Instant::now() < deadline,
            "the first messages never arrived"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    first.kill();
    let in_flight = smtp.received()[2].to[0].clone();

    // Started again, with a short claim timeout so the interrupted attempt
    // is taken back soon.
    config.mail_claim_timeout = Duration::from_secs(1);
    smtp.hold_each(Duration::ZERO);
    let second = ChildServer::start(&config).await;
    let admin = second.admin().await;
    eventually("every invitation to arrive", || async {
        let received = smtp.received();
        people
            .iter()
            .all(|p| received.iter().any(|m| &m.to[0] == p))
            .then_some(())
    })
    .await;

    let outbox = eventually("every message sent", || async {
        let items = admin.outbox().await;
        (items.len() == PEOPLE && items.iter().all(|m| m["status"] == "sent")).then_some(items)
    })
    .await;
    let mut copies: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for mail in smtp.received() {
        copies
            .entry(mail.to[0].clone())
            .or_default()
            .push(mail.message_id());
    }
    for (person, ids) in &copies {
        if person == &in_flight {
            assert_eq!(
                ids.len(),
                2,
                "the message in flight is sent again: {copies:?}"
            );
            assert_eq!(ids[0], ids[1], "with the same Message-ID");
        } else {
            assert_eq!(ids.len(), 1, "{person} got one copy: {copies:?}");
        }
    }
    let again = outbox
        .iter()
        .find(|m| m["to"][0] == in_flight.as_str())
        .unwrap();
    let log = admin
        .get(&format!(
            "/api/v1/mail/log?message={}",
            again["id"].as_str().unwrap()
        ))
        .await
        .expect_status(200)
        .body;
    let outcomes: Vec<&str> = log["items"]
        .as_array()
        .unwrap()
        .iter()
        .rev()
        .map(|a| a["outcome"].as_str().unwrap())
        .collect();
    assert_eq!(outcomes, ["interrupted", "sent"], "{log}");
    second.kill();

    let logs = std::fs::read_to_string(log_file(&config.data_dir)).unwrap();
    assert!(
        logs.contains("ImmCase is listening"),
        "the children's logs were kept"
    );
    assert!(!logs.contains(PASSWORD), "the SMTP password was logged");
}
