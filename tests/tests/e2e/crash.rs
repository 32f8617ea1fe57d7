//! A host killed (SIGKILL) in the middle of its work, then started again:
//! clients writing applicants and uploading files, a workflow running on
//! every new applicant, and the calendar's reminders firing. Every write a
//! client was told about is there, every file it was told about has its
//! contents, no file lacks its contents, each workflow run happened once,
//! and each reminder went out once (its email at least once, with one
//! Message-ID a receiver can de-duplicate by). The host's email sending
//! under a kill has its own test (`mail_crash`).

#![allow(clippy::unwrap_used)] // A failed unwrap is a failed test.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use immcase_tests::calendar;
use immcase_tests::child::{ChildConfig, ChildServer};
use immcase_tests::{Api, Backend, PgDatabase, SmtpServer, eventually_within, on_both_databases};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

on_both_databases!(a_host_killed_mid_work_keeps_what_it_committed_and_does_it_once);

/// Reminders that come due together, while clients write.
const REMINDERS: usize = 10;
const WRITERS: usize = 3;
const NOTE: &str = "seen by the workflow";
/// How long the second host may take to finish what the first left.
const WAIT: Duration = Duration::from_secs(90);

/// What the clients were told was saved.
#[derive(Default)]
struct Acknowledged {
    applicants: Vec<String>,
    /// File id → (applicant, SHA-256 of what was sent).
    files: BTreeMap<String, (String, String)>,
}

fn sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Creates applicants and uploads a file to each, until the server stops
/// answering; records what it answered with 201.
async fn write_until_killed(api: Api, writer: usize, told: Arc<Mutex<Acknowledged>>) {
    for n in 0.. {
        let body = json!({ "given_name": format!("W{writer}"), "family_name": format!("Crash{n:04}"),
                           "confirm_duplicates": true });
        let Some(made) = api.try_post("/api/v1/applicants", body).await else {
            return;
        };
        assert_eq!(made.status, 201, "{}", made.text);
        let id = made.body["id"].as_str().unwrap().to_string();
        told.lock().unwrap().applicants.push(id.clone());
        let contents: Vec<u8> = (0..128 * 1024)
            .map(|i: usize| (i.wrapping_mul(31) ^ n ^ writer) as u8)
            .collect();
        let path = format!("/api/v1/applicants/{id}/files");
        let Some(up) = api.try_upload(&path, "passport.pdf", &contents).await else {
            return;
        };
        assert_eq!(up.status, 201, "{}", up.text);
        let file = up.body["items"][0]["id"].as_str().unwrap().to_string();
        told.lock()
            .unwrap()
            .files
            .insert(file, (id, sha256(&contents)));
    }
}

/// The next whole minute at least `ahead` from now: when the reminders
/// come due (a minute is the same in every time zone here).
fn next_minute(ahead: Duration) -> jiff::Timestamp {
    let soon = jiff::Timestamp::now().as_millisecond() + ahead.as_millis() as i64;
    jiff::Timestamp::from_millisecond((soon / 60_000 + 1) * 60_000).unwrap()
}

fn reminder_mails(smtp: &SmtpServer, title: &str) -> Vec<String> {
    smtp.received()
        .iter()
        .filter(|m| m.subject().contains(title))
        .map(|m| m.message_id())
        .collect()
}

async fn a_host_killed_mid_work_keeps_what_it_committed_and_does_it_once(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let (_pg, database_url) = PgDatabase::for_backend(&backend).await;
    let smtp = SmtpServer::start();
    let mut config = ChildConfig::new(dir.path().join("data"), database_url, smtp.port());
    let first = ChildServer::start(&config).await;
    let admin = first.admin().await;
    let role = admin.role_id("Administrator").await;
    admin
        .post(
            "/api/v1/workflows",
            json!({ "name": "Welcomes applicants", "trigger": "applicant.created", "condition": "",
                    "script": format!("add_note(record, \"{NOTE}\");"), "role_id": role, "active": true }),
        )
        .await
        .expect_status(201);
    admin.set_module("calendar", true).await;
    // Reminders 15 minutes ahead of events, all due at the same minute.
    let due = next_minute(Duration::from_secs(25));
    // The event's start in the practice's time zone, as people type it.
    let toronto = jiff::tz::TimeZone::get("America/Toronto").unwrap();
    let start = (due + jiff::SignedDuration::from_mins(15))
        .to_zoned_datetime(toronto)
        .strftime("%Y-%m-%dT%H:%M")
        .to_string();
    for n in 1..=REMINDERS {
        let event = calendar::create(
            &admin,
            json!({ "title": format!("Crash meeting R{n:02}"), "start": start, "reminders": [15] }),
        )
        .await;
        assert!(
            event["start"].as_str().unwrap().starts_with(&start),
            "{event}"
        );
    }

    // Writers start a few seconds before the reminders are due; the host is
    // killed once the first reminder has gone out and the writers are busy.
    let wait = due.duration_since(jiff::Timestamp::now()) - jiff::SignedDuration::from_secs(3);
    if wait.is_positive() {
        tokio::time::sleep(wait.unsigned_abs()).await;
    }
    let told = Arc::new(Mutex::new(Acknowledged::default()));
    let writers: Vec<_> = (0..WRITERS)
        .map(|w| tokio::spawn(write_until_killed(admin.clone(), w, told.clone())))
        .collect();
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let reminded = smtp
            .received()
            .iter()
            .any(|m| m.subject().contains("Crash meeting R"));
        let written = told.lock().unwrap().files.len();
        if reminded && written >= 10 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "no reminder and {written} uploads in two minutes"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    first.kill();
    for writer in writers {
        writer.await.unwrap();
    }
    let told = Arc::try_unwrap(told).ok().unwrap().into_inner().unwrap();

    // Started again with short claim timeouts, so what the killed host had
    // claimed is taken back soon (a real host waits five minutes: longer
    // than any run may last).
    config.mail_claim_timeout = Duration::from_secs(1);
    config.job_claim_timeout = Duration::from_secs(5);
    let second = ChildServer::start(&config).await;
    let admin = second.admin().await;
    // Every applicant and file a client was told about, byte for byte.
    for id in &told.applicants {
        admin
            .get(&format!("/api/v1/applicants/{id}"))
            .await
            .expect_status(200);
    }
    for (file, (_, sent)) in &told.files {
        let (status, _, bytes) = admin.download(&format!("/api/v1/files/{file}")).await;
        assert_eq!(status, 200);
        assert_eq!(&sha256(&bytes), sent, "the contents of file {file}");
    }
    // No file of theirs is without its contents (the upload cut short by
    // the kill included).
    let mut listed = 0;
    for id in &told.applicants {
        let files = admin
            .get(&format!("/api/v1/applicants/{id}/files"))
            .await
            .expect_status(200);
        for file in files.body["items"].as_array().unwrap() {
            let (status, _, bytes) = admin
                .download(&format!("/api/v1/files/{}", file["id"].as_str().unwrap()))
                .await;
            assert_eq!(status, 200, "{file}");
            assert_eq!(bytes.len() as u64, file["size"].as_u64().unwrap(), "{file}");
            listed += 1;
        }
    }
    assert!(listed >= told.files.len());

    // The workflow ran once for each applicant: none missed, none twice.
    let notes = |timeline: &Value| {
        timeline["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| c.to_string().contains(NOTE))
            .count()
    };
    for id in &told.applicants {
        let path = format!("/api/v1/applicants/{id}/timeline");
        let timeline =
            eventually_within(WAIT, "the workflow's run for every applicant", || async {
                let timeline = admin.get(&path).await.expect_status(200).body;
                (notes(&timeline) > 0).then_some(timeline)
            })
            .await;
        assert_eq!(notes(&timeline), 1, "{timeline}");
    }

    // Every reminder went out; one sent twice (the host died while the
    // mail server took it) carries the same Message-ID both times.
    let titles: Vec<String> = (1..=REMINDERS)
        .map(|n| format!("Crash meeting R{n:02}"))
        .collect();
    eventually_within(WAIT, "every reminder by email", || async {
        titles
            .iter()
            .all(|t| !reminder_mails(&smtp, t).is_empty())
            .then_some(())
    })
    .await;
    eventually_within(WAIT, "the outbox sent whole", || async {
        let outbox = admin.outbox().await;
        outbox.iter().all(|m| m["status"] == "sent").then_some(())
    })
    .await;
    for title in &titles {
        let ids: BTreeSet<String> = reminder_mails(&smtp, title).into_iter().collect();
        assert_eq!(ids.len(), 1, "{title}: {ids:?}");
    }
    // And once under the bell.
    let bell = admin
        .get("/api/v1/notifications")
        .await
        .expect_status(200)
        .body;
    for title in &titles {
        let count = bell["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|n| n.to_string().contains(title.as_str()))
            .count();
        assert_eq!(count, 1, "{title}: {bell}");
    }
    second.kill();
}
