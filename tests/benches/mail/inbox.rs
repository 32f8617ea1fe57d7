//! Raw messages posted to a shared mailbox's pipe and stored by the
//! `email` module (parsed, threaded, linked), against the module's rules
//! run natively on the same messages.

use std::collections::HashSet;
use std::time::{Duration, Instant};

use immcase_host::AppState;
use immcase_tests::{Api, TestServer};
use serde_json::{Value, json};
use sqlx::AnyPool;

use crate::letters::{self, Client, MAILBOX};
use crate::native::{self, Records};
use crate::{Progress, per_second};

/// Applicants writing in; every fourth has a second address, every other
/// has a case.
const CLIENTS: usize = 40;
/// The native rules run over the messages at least this long.
const NATIVE_FOR: Duration = Duration::from_secs(2);

pub async fn run(server: &TestServer, state: &AppState, count: usize) {
    println!("\nin: {count} raw messages piped to a shared mailbox, stored by the email module");
    let admin = server.admin().await;
    admin.set_module("email", true).await;
    let (clients, folios, records) = practice(&admin).await;
    let pipe = pipe(&admin).await;
    let raws = letters::letters(count, &clients, &folios);
    let pool = state.db.pool();
    // The module links applicants created now to earlier mail: let that
    // finish before the clock starts.
    settle(server, pool).await;

    let anyone = server.api();
    let bearer = format!("Bearer {}", pipe.1);
    let path = format!("/api/v1/mailboxes/{}/messages", pipe.0);
    let started = Instant::now();
    for raw in &raws {
        anyone
            .post_raw(&path, &[("authorization", &bearer)], raw.clone())
            .await
            .expect_status(201);
    }
    let posted = started.elapsed();
    let mut progress = Progress::new("stored by the module:", count);
    let mut stored = 0;
    while stored < count && progress.goes_on(stored) {
        stored = documents(pool, "messages").await;
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let took = started.elapsed();
    settle(server, pool).await;
    let settled = started.elapsed();
    let (threads, to_applicant, to_case) = outcome(pool).await;

    let own = [MAILBOX.to_string()];
    let native_start = Instant::now();
    let mut rounds = 0;
    let mut native = None;
    while rounds < 3 || native_start.elapsed() < NATIVE_FOR {
        native = Some(native::run(&raws, &own, &records));
        rounds += 1;
    }
    let native_took = native_start.elapsed() / rounds;
    let native = native.unwrap();

    let (module_rate, native_rate) = (per_second(stored, took), per_second(count, native_took));
    println!(
        "  posted to the pipe:               {:>7.2} s  {:>8.0} messages/s",
        posted.as_secs_f64(),
        per_second(count, posted)
    );
    println!(
        "  stored by the module:             {:>7.2} s  {module_rate:>8.0} messages/s  \
         ({stored} of {count}; every job due done after {:.2} s)",
        took.as_secs_f64(),
        settled.as_secs_f64()
    );
    println!(
        "  the rules natively (baseline):    {:>7.4} s  {native_rate:>8.0} messages/s  \
         (mean of {rounds} runs)",
        native_took.as_secs_f64()
    );
    println!("  module ÷ native: {:.4}", module_rate / native_rate);
    println!(
        "  {:<32}  {:>8} {:>11} {:>8}",
        "", "threads", "applicant", "case"
    );
    println!(
        "  {:<32}  {threads:>8} {to_applicant:>11} {to_case:>8}",
        "linked by the module"
    );
    println!(
        "  {:<32}  {:>8} {:>11} {:>8}",
        "linked by the rules natively", native.threads, native.to_applicant, native.to_case
    );
}

/// Applicants (some with two addresses) and cases, through the API; the
/// clients, the cases' folios, and the same records for the native rules.
async fn practice(admin: &Api) -> (Vec<Client>, Vec<String>, Records) {
    let (mut clients, mut folios, mut records) = (Vec::new(), Vec::new(), Records::default());
    for n in 0..CLIENTS {
        let name = format!("Client{n} Bench");
        let mut addresses = vec![format!("client{n}@mail.example")];
        if n % 4 == 0 {
            addresses.push(format!("c{n}.work@office.example"));
        }
        let made = admin
            .post(
                "/api/v1/applicants",
                json!({ "given_name": format!("Client{n}"), "family_name": "Bench",
                        "emails": addresses, "confirm_duplicates": true }),
            )
            .await
            .expect_status(201);
        let id = made.body["id"].as_str().unwrap().to_string();
        if n % 2 == 0 {
            let case = admin.open_case(&id, "work_permit").await;
            let folio = case["folio"].as_str().unwrap().to_string();
            let case_id = case["id"].as_str().unwrap().to_string();
            records
                .by_folio
                .insert(folio.clone(), (case_id, id.clone()));
            folios.push(folio);
        }
        for address in &addresses {
            records
                .by_address
                .entry(address.clone())
                .or_default()
                .push(id.clone());
        }
        clients.push(Client { name, addresses });
    }
    (clients, folios, records)
}

/// A shared mailbox the administrator reads (never fetched: its IMAP server
/// does not exist), its pipe turned on: its id and the pipe's token.
async fn pipe(admin: &Api) -> (String, String) {
    let me = admin.get("/api/v1/me").await.expect_status(200).body;
    let mailbox = admin
        .post(
            "/api/v1/mailboxes",
            json!({ "name": "Info", "address": MAILBOX, "imap_host": "imap.invalid",
                    "imap_username": "info", "readers": [me["user"]["id"]] }),
        )
        .await
        .expect_status(201)
        .body;
    let id = mailbox["id"].as_str().unwrap().to_string();
    let pipe = admin
        .put(
            &format!("/api/v1/mailboxes/{id}/pipe"),
            json!({ "enabled": true }),
        )
        .await
        .expect_status(200)
        .body;
    (id, pipe["token"].as_str().unwrap().to_string())
}

/// How many documents the email module keeps in `collection`.
async fn documents(pool: &AnyPool, collection: &str) -> usize {
    let count: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM module_documents WHERE module_id = 'email' AND collection = $1",
    )
    .bind(collection)
    .fetch_one(pool)
    .await
    .unwrap();
    usize::try_from(count).unwrap()
}

/// Waits until no event delivery or module timer is due and not done.
async fn settle(server: &TestServer, pool: &AnyPool) {
    let now = immcase_host::clock::Clock::now_ms(&server.clock);
    let due = "SELECT (SELECT COUNT(*) FROM event_deliveries WHERE status IN ('pending', 'running') \
               AND next_attempt_at <= $1) + (SELECT COUNT(*) FROM module_timers \
               WHERE status IN ('pending', 'running') AND next_attempt_at <= $1)";
    let mut progress = Progress::new("background jobs still due:", 0);
    loop {
        let left: i64 = sqlx::query_scalar(due)
            .bind(now)
            .fetch_one(pool)
            .await
            .unwrap();
        if left == 0 || !progress.goes_on(usize::try_from(left).unwrap()) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// The module's threads, and how many messages it linked to an applicant
/// and to a case.
async fn outcome(pool: &AnyPool) -> (usize, usize, usize) {
    let links: Vec<String> = sqlx::query_scalar(
        "SELECT data FROM module_documents WHERE module_id = 'email' AND collection = 'links'",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    let (mut applicant, mut case) = (HashSet::new(), HashSet::new());
    for link in links {
        let link: Value = serde_json::from_str(&link).unwrap();
        let (message, record) = (link["message"].to_string(), link["record"].to_string());
        if record.starts_with("\"applicant:") {
            applicant.insert(message);
        } else if record.starts_with("\"case:") {
            case.insert(message);
        }
    }
    (
        documents(pool, "threads").await,
        applicant.len(),
        case.len(),
    )
}
