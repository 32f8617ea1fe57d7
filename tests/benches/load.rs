//! Load: 20 practices, 200 people, mixed traffic for a bounded time.
//!
//! ```sh
//! cargo bench -p immcase-tests --bench load                      # SQLite, 120 s
//! IMMCASE_TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \
//!     cargo bench -p immcase-tests --bench load -- --postgres    # three hosts
//! cargo bench -p immcase-tests --bench load -- --seconds 300 --think-ms 500
//! cargo bench -p immcase-tests --bench load -- --postgres --connections 8
//! ```
//!
//! Each practice has an administrator and nine staff, each signed in with a
//! session of their own, the helpdesk turned on and 30 applicants to start
//! with. Every person then acts in a loop for the time given, pausing a
//! random "think time" (400 to 1,600 ms by default) between actions drawn
//! from: page views (dashboard, applicant list, an applicant's page), API
//! reads (a list page, one applicant), writes (a new applicant, a changed
//! phone number), searches, 64 KiB uploads, and helpdesk module calls
//! (filing a ticket, listing tickets). On PostgreSQL the installation has
//! three hosts on one database and one S3 bucket (moto), and each person
//! uses one of them, as behind a load balancer.
//!
//! It prints, per action and for all: how many, requests/s, p50/p99 and
//! errors (anything but the expected status); the process's resident memory
//! after the first minute, at the end and at its peak (the hosts run in
//! this process, beside the load's own clients), with its heap and its
//! mapped files (search indexes, modules' code) at the end of each minute;
//! and, as the baseline
//! measured in the same run before the load, p50/p99 of one person reading
//! `/api/v1/me` alone, with the ratio of the loaded p99 to it.
//!
//! Not part of CI: it measures, it does not assert.

#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use immcase_tests::s3::S3Server;
use immcase_tests::{Api, Backend, TestServer};
use rand::{RngExt, SeedableRng};
use serde_json::json;
use tokio::sync::Mutex;

/// The server binary's allocator, so the bench measures the server as shipped.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const PRACTICES: usize = 20;
const PEOPLE_PER_PRACTICE: usize = 10;
const APPLICANTS_PER_PRACTICE: usize = 30;
const PASSWORD: &str = "a long passphrase for load";
const UPLOAD_BYTES: usize = 64 * 1024;

struct Options {
    seconds: u64,
    think_ms: (u64, u64),
    postgres: bool,
    /// PostgreSQL connections per host (`--database-connections`).
    connections: u32,
}

fn options() -> Options {
    let args: Vec<String> = std::env::args().collect();
    let value = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .map(|v| {
                v.parse::<u64>()
                    .unwrap_or_else(|_| panic!("{name} takes a number"))
            })
    };
    let think = value("--think-ms").unwrap_or(1_000);
    Options {
        seconds: value("--seconds").unwrap_or(120),
        think_ms: (think * 2 / 5, think * 8 / 5),
        postgres: args.iter().any(|a| a == "--postgres"),
        connections: value("--connections").map_or(immcase_host::db::DEFAULT_CONNECTIONS, |n| {
            u32::try_from(n).expect("--connections takes a small number")
        }),
    }
}

/// One person: their client (on their host), practice and a few ids.
struct Person {
    api: Api,
    applicants: Mutex<Vec<String>>,
}

#[derive(Default)]
struct Tally {
    latencies_ms: Vec<f64>,
    /// The minute of the load each of `latencies_ms` ended in.
    minutes: Vec<usize>,
    errors: u64,
    first_error: Option<String>,
}

type Tallies = Arc<std::sync::Mutex<BTreeMap<&'static str, Tally>>>;

fn resident_kib(field: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(field))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i]
}

fn sorted(mut v: Vec<f64>) -> Vec<f64> {
    v.sort_by(|a, b| a.total_cmp(b));
    v
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let options = options();
    let (backend, s3) = if options.postgres {
        let Some(backend @ Backend::Postgres(_)) = Backend::postgres().await else {
            panic!("--postgres: set IMMCASE_TEST_DATABASE_URL to a PostgreSQL server");
        };
        let s3 = S3Server::start()
            .await
            .expect("moto_server for the S3 bucket");
        (backend, Some(s3))
    } else {
        (Backend::Sqlite, None)
    };
    let first = match &s3 {
        Some(s3) => {
            TestServer::start_with(backend, |c| {
                s3.use_in(c, "load");
                c.database_connections = options.connections;
            })
            .await
        }
        None => TestServer::start(backend).await,
    };
    let mut hosts = vec![first];
    if options.postgres {
        for _ in 0..2 {
            let another = hosts[0].start_beside().await;
            hosts.push(another);
        }
    }
    let what = if options.postgres {
        format!(
            "PostgreSQL, three hosts of {} connections each, S3 (moto)",
            options.connections
        )
    } else {
        "SQLite, one host".to_string()
    };
    println!(
        "load: {what}; {PRACTICES} practices, {} people, {} s, think time {}–{} ms",
        PRACTICES * PEOPLE_PER_PRACTICE,
        options.seconds,
        options.think_ms.0,
        options.think_ms.1
    );

    let stand_in = match options.postgres {
        true => autovacuum_stand_in(&hosts[0].config.database_url()).await,
        false => None,
    };
    let started = Instant::now();
    let people = set_up(&hosts).await;
    println!(
        "set up in {:.1} s (practices, people signed in, helpdesk on, {} applicants)",
        started.elapsed().as_secs_f64(),
        PRACTICES * APPLICANTS_PER_PRACTICE
    );

    // The baseline: one person alone.
    let alone = {
        let api = &people[0].api;
        let mut took = Vec::new();
        let end = Instant::now() + Duration::from_secs(3);
        while Instant::now() < end {
            let at = Instant::now();
            api.get("/api/v1/me").await.expect_status(200);
            took.push(at.elapsed().as_secs_f64() * 1e3);
        }
        sorted(took)
    };

    let tallies: Tallies = Arc::default();
    let duration = Duration::from_secs(options.seconds);
    let load_started = Instant::now();
    let memory = tokio::spawn(async move {
        // At the end of each minute and at the end: the whole, then the
        // heap (anonymous pages) and mapped files (the search indexes and
        // the modules' code, which grow with what is stored).
        let sample = || {
            (
                resident_kib("VmRSS:"),
                resident_kib("RssAnon:"),
                resident_kib("RssFile:"),
            )
        };
        let mut minutes = Vec::new();
        while load_started.elapsed() < duration {
            tokio::time::sleep(Duration::from_millis(500)).await;
            let whole = load_started.elapsed().as_secs() / 60;
            if whole > minutes.len() as u64 && load_started.elapsed() < duration {
                minutes.push(sample());
            }
        }
        (minutes, sample(), resident_kib("VmHWM:"))
    });
    let people: Vec<Arc<Person>> = people.into_iter().map(Arc::new).collect();
    let workers: Vec<_> = people
        .iter()
        .enumerate()
        .map(|(n, person)| {
            let (person, tallies) = (person.clone(), tallies.clone());
            let think = options.think_ms;
            tokio::spawn(async move {
                let mut rng = rand::rngs::StdRng::seed_from_u64(n as u64);
                // Start spread over the first think time.
                tokio::time::sleep(Duration::from_millis(rng.random_range(0..think.1))).await;
                while load_started.elapsed() < duration {
                    let (kind, outcome, took) = act(&person, &mut rng, n).await;
                    // Requests ending after the time given count in its last minute.
                    let last = duration.as_secs().saturating_sub(1) / 60;
                    let minute = (load_started.elapsed().as_secs() / 60).min(last) as usize;
                    {
                        let mut all = tallies.lock().unwrap();
                        let tally = all.entry(kind).or_default();
                        tally.latencies_ms.push(took);
                        tally.minutes.push(minute);
                        if let Err(e) = outcome {
                            tally.errors += 1;
                            tally.first_error.get_or_insert(e);
                        }
                    }
                    let pause = rng.random_range(think.0..=think.1);
                    tokio::time::sleep(Duration::from_millis(pause)).await;
                }
            })
        })
        .collect();
    for w in workers {
        w.await.unwrap();
    }
    let elapsed = load_started.elapsed().as_secs_f64();
    let (minutes, end, peak) = memory.await.unwrap();

    let all = std::mem::take(&mut *tallies.lock().unwrap());
    println!(
        "\n{:<14} {:>8} {:>8} {:>9} {:>9} {:>7}",
        "action", "count", "req/s", "p50 ms", "p99 ms", "errors"
    );
    let mut everything = Vec::new();
    let mut errors = 0;
    for (kind, tally) in all.iter() {
        let s = sorted(tally.latencies_ms.clone());
        println!(
            "{kind:<14} {:>8} {:>8.1} {:>9.1} {:>9.1} {:>7}",
            s.len(),
            s.len() as f64 / elapsed,
            percentile(&s, 0.5),
            percentile(&s, 0.99),
            tally.errors
        );
        everything.extend(s);
        errors += tally.errors;
    }
    let everything = sorted(everything);
    let p99 = percentile(&everything, 0.99);
    println!(
        "{:<14} {:>8} {:>8.1} {:>9.1} {:>9.1} {:>7}",
        "all",
        everything.len(),
        everything.len() as f64 / elapsed,
        percentile(&everything, 0.5),
        p99,
        errors
    );
    // Whether it holds over time: all requests of each minute.
    let mut by_minute: Vec<Vec<f64>> = Vec::new();
    for tally in all.values() {
        for (&took, &minute) in tally.latencies_ms.iter().zip(&tally.minutes) {
            if by_minute.len() <= minute {
                by_minute.resize(minute + 1, Vec::new());
            }
            by_minute[minute].push(took);
        }
    }
    if by_minute.len() > 1 {
        let shown: Vec<String> = by_minute
            .into_iter()
            .map(|m| format!("{:.1}", percentile(&sorted(m), 0.99)))
            .collect();
        println!("p99 ms of all, minute by minute: {}", shown.join(", "));
    }
    for (kind, tally) in all.iter() {
        if let Some(e) = &tally.first_error {
            println!("first error of {kind}: {e}");
        }
    }
    let mib = |kib: u64| kib as f64 / 1024.0;
    let shown = |(whole, heap, files): (u64, u64, u64)| {
        format!(
            "{:.0} MiB ({:.0} heap, {:.0} mapped files)",
            mib(whole),
            mib(heap),
            mib(files)
        )
    };
    match minutes.first() {
        Some(&at_minute) => {
            println!(
                "\nresident memory: {} after the first minute, {} at the end ({:+.1}%; heap {:+.1}%), peak {:.0} MiB",
                shown(at_minute),
                shown(end),
                (end.0 as f64 / at_minute.0 as f64 - 1.0) * 100.0,
                (end.1 as f64 / at_minute.1 as f64 - 1.0) * 100.0,
                mib(peak)
            );
            let by_minute: Vec<String> = minutes
                .iter()
                .chain([&end])
                .map(|m| format!("{:.0}/{:.0}", mib(m.1), mib(m.2)))
                .collect();
            println!(
                "heap/mapped MiB at each minute's end and the end: {}",
                by_minute.join(", ")
            );
        }
        None => println!(
            "\nresident memory: {} at the end, peak {:.0} MiB (run over 60 s to see it after the first minute)",
            shown(end),
            mib(peak)
        ),
    }
    let alone_p99 = percentile(&alone, 0.99);
    println!(
        "baseline, one person alone on /api/v1/me: p50 {:.2} ms, p99 {:.2} ms; loaded p99 / baseline p99 = {:.1}",
        percentile(&alone, 0.5),
        alone_p99,
        p99 / alone_p99.max(0.001)
    );
    if let Some((task, passes)) = stand_in {
        task.abort();
        println!(
            "vacuumed and analysed {} times in autovacuum's place",
            passes.load(std::sync::atomic::Ordering::Relaxed)
        );
    }
    for host in hosts.into_iter().rev() {
        host.stop().await;
    }
}

/// Every installation runs PostgreSQL with autovacuum on, its default: it
/// keeps each table's statistics current for the planner and clears the
/// row versions that updates and deletes leave behind. A test server may
/// have it off (it makes short tests faster); a load on it would measure
/// plans made for empty tables and tables swelling with dead rows, slower
/// minute by minute, which no installation sees. So where it is off, the
/// bench vacuums and analyses its own database every 30 s in its place,
/// and says so. The counter counts its passes.
async fn autovacuum_stand_in(
    url: &str,
) -> Option<(
    tokio::task::JoinHandle<()>,
    Arc<std::sync::atomic::AtomicU64>,
)> {
    use sqlx::Connection;
    let mut conn = sqlx::PgConnection::connect(url).await.unwrap();
    let on: String = sqlx::query_scalar("SHOW autovacuum")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    if on == "on" {
        return None;
    }
    println!(
        "autovacuum is off on this server: the bench vacuums and analyses its database every 30 s in its place"
    );
    let passes = Arc::new(std::sync::atomic::AtomicU64::new(0));
    let counted = passes.clone();
    let task = tokio::spawn(async move {
        loop {
            tokio::time::sleep(Duration::from_secs(30)).await;
            sqlx::raw_sql("VACUUM (ANALYZE, SKIP_LOCKED)")
                .execute(&mut conn)
                .await
                .unwrap();
            counted.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        }
    });
    Some((task, passes))
}

/// Practices, people (each signed in on a host, round robin), the helpdesk
/// on, and applicants to read.
async fn set_up(hosts: &[TestServer]) -> Vec<Person> {
    let first = &hosts[0];
    let mut people = Vec::new();
    for p in 0..PRACTICES {
        let slug = format!("load{p:02}");
        let admin_email = format!("admin@{slug}.example");
        let admin = first
            .admin_of_new_practice(&slug, &admin_email, PASSWORD)
            .await;
        admin.set_module("helpdesk", true).await;
        let role = admin.role_id("Administrator").await;
        let mut applicants = Vec::new();
        for a in 0..APPLICANTS_PER_PRACTICE {
            applicants.push(admin.add_applicant(&format!("Family{p:02}x{a:03}")).await);
        }
        let mut emails = vec![admin_email];
        for s in 1..PEOPLE_PER_PRACTICE {
            let email = format!("staff{s}@{slug}.example");
            admin
                .post(
                    "/api/v1/users",
                    json!({ "email": email, "display_name": format!("Staff {s}"), "password": PASSWORD, "roles": [role] }),
                )
                .await
                .expect_status(201);
            emails.push(email);
        }
        for (s, email) in emails.iter().enumerate() {
            let host = &hosts[(p * PEOPLE_PER_PRACTICE + s) % hosts.len()];
            let api = host.api_for(&slug);
            api.sign_in(email, PASSWORD).await.expect_status(200);
            people.push(Person {
                api,
                applicants: Mutex::new(applicants.clone()),
            });
        }
    }
    people
}

/// One action of `person`: its kind, whether it was answered as expected,
/// and how long it took in milliseconds.
async fn act(
    person: &Person,
    rng: &mut rand::rngs::StdRng,
    n: usize,
) -> (&'static str, Result<(), String>, f64) {
    let api = &person.api;
    let applicant = {
        let known = person.applicants.lock().await;
        known[rng.random_range(0..known.len())].clone()
    };
    let roll = rng.random_range(0..100);
    let at = Instant::now();
    let (kind, answer, expected) = match roll {
        0..=9 => ("page: home", api.get("/").await, 200),
        10..=19 => ("page: list", api.get("/applicants").await, 200),
        20..=29 => (
            "page: record",
            api.get(&format!("/applicants/{applicant}")).await,
            200,
        ),
        30..=42 => (
            "api: list",
            api.get("/api/v1/applicants?limit=20").await,
            200,
        ),
        43..=54 => (
            "api: read",
            api.get(&format!("/api/v1/applicants/{applicant}")).await,
            200,
        ),
        55..=61 => {
            let body = json!({ "given_name": "Load", "family_name": format!("Newcomer{n}x{roll}"),
                               "confirm_duplicates": true });
            let made = api.post("/api/v1/applicants", body).await;
            if let Some(id) = made.body["id"].as_str() {
                person.applicants.lock().await.push(id.to_string());
            }
            ("api: create", made, 201)
        }
        62..=67 => {
            let path = format!("/api/v1/applicants/{applicant}");
            let current = api.get(&path).await;
            let version = current.body["version"].clone();
            let phone = format!("+1 416 555 {:04}", rng.random_range(0..10_000));
            let changed = api
                .patch(&path, json!({ "version": version, "phones": [phone] }))
                .await;
            // Two people may change the same applicant at once: the one
            // that loses is told so (409), as it should be.
            let expected = if changed.status.as_u16() == 409 {
                409
            } else {
                200
            };
            ("api: change", changed, expected)
        }
        68..=79 => {
            let q = format!(
                "Family{:02}x{:03}",
                rng.random_range(0..PRACTICES),
                rng.random_range(0..APPLICANTS_PER_PRACTICE)
            );
            (
                "search",
                api.get(&format!("/api/v1/search?q={q}")).await,
                200,
            )
        }
        80..=84 => {
            let bytes: Vec<u8> = (0..UPLOAD_BYTES).map(|i| (i % 251) as u8).collect();
            let name = format!("scan-{n}-{roll}.pdf");
            let up = api
                .upload(
                    &format!("/api/v1/applicants/{applicant}/files"),
                    &[(&name, &bytes)],
                    None,
                )
                .await;
            ("upload", up, 201)
        }
        85..=91 => (
            "module: list",
            api.get("/api/v1/m/helpdesk/tickets").await,
            200,
        ),
        _ => (
            "module: file",
            api.post(
                "/api/v1/m/helpdesk/tickets",
                json!({ "subject": format!("Printer {n}"), "description": "It jams.",
                        "category": "case_support", "priority": "low" }),
            )
            .await,
            201,
        ),
    };
    let took = at.elapsed().as_secs_f64() * 1e3;
    let outcome = if answer.status.as_u16() == expected {
        Ok(())
    } else {
        Err(format!(
            "{} {}",
            answer.status,
            answer.text.chars().take(200).collect::<String>()
        ))
    };
    (kind, outcome, took)
}
