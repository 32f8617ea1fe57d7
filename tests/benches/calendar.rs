//! The calendar's month view for one person with many events (release
//! build):
//!
//! ```sh
//! cargo bench -p immcase-tests --bench calendar [-- --events 10000 --recurring 500]
//! ```
//!
//! Stores the events through the calendar's API (a tenth of a second's
//! work per hundred), then reads one month, each way many times, and prints
//! p50/p99 in milliseconds and their ratio:
//!
//! - the month's events as the API answers them, every series expanded
//!   into its occurrences (`GET /api/v1/m/calendar/events?from=&to=`);
//! - the same range read without expansion (`&expand=false`: each series
//!   once, as stored), the baseline;
//! - the month page itself (`GET /m/calendar/?date=`).
//!
//! Not part of CI: it measures, it does not assert.

#![allow(clippy::unwrap_used)]

use std::time::{Duration, Instant};

use immcase_host::Config;
use immcase_tests::{ADMIN_EMAIL, ADMIN_PASSWORD, Api};
use serde_json::json;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const READS: usize = 60;
const FROM: &str = "2026-03-01T00:00:00-05:00";
const TO: &str = "2026-04-01T00:00:00-04:00";

fn wanted(flag: &str, default: usize) -> usize {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == flag)
        .and_then(|i| args.get(i + 1))
        .map(|n| n.replace(['_', ','], "").parse().expect("a number"))
        .unwrap_or(default)
}

/// A small deterministic generator, so every run stores the same events.
struct Dice(u64);

impl Dice {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

fn spread(times: &mut [Duration]) -> (f64, f64) {
    times.sort();
    let at = |p: f64| times[((times.len() as f64 - 1.0) * p).round() as usize].as_secs_f64() * 1e3;
    (at(0.5), at(0.99))
}

async fn timed(api: &Api, path: &str) -> (Vec<Duration>, usize) {
    let mut times = Vec::new();
    let mut items = 0;
    for _ in 0..READS {
        let started = Instant::now();
        let answer = api.get(path).await.expect_status(200);
        times.push(started.elapsed());
        items = answer.body["items"].as_array().map_or(0, Vec::len);
    }
    (times, items)
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let events = wanted("--events", 10_000);
    let recurring = wanted("--recurring", 500).min(events);
    let dir = tempfile::tempdir().unwrap();
    let mut config = Config::new(dir.path());
    config.admin_email = ADMIN_EMAIL.into();
    config.admin_password = Some(ADMIN_PASSWORD.into());
    config.bundled_modules = immcase::bundled_modules();
    config.module_cache_dir = Some(immcase_tests::module_cache());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(immcase_host::serve_with(
        config,
        listener,
        std::future::pending(),
        axum::Router::new(),
    ));
    let api = Api::new(addr, None);
    api.sign_in(ADMIN_EMAIL, ADMIN_PASSWORD)
        .await
        .expect_status(200);
    api.set_module("calendar", true).await;

    // Two years of events around the month read; the series started in
    // the year before it and go on.
    let mut dice = Dice(0x5eed_ca1e_da75_0001);
    let started = Instant::now();
    let rules = [
        "FREQ=WEEKLY",
        "FREQ=DAILY",
        "FREQ=MONTHLY",
        "FREQ=WEEKLY;BYDAY=MO,WE,FR",
        "FREQ=YEARLY",
    ];
    for n in 0..events {
        let day = (dice.next() % 730) as i64 - 365;
        let start = jiff::civil::date(2026, 3, 15)
            .checked_add(jiff::Span::new().days(day))
            .unwrap()
            .at(8 + (dice.next() % 10) as i8, 0, 0, 0);
        let mut event = json!({ "title": format!("Event {n}"), "start": start.to_string(),
                                "duration_minutes": 30 + (dice.next() % 4) * 15, "reminders": [] });
        if n < recurring {
            let back = start
                .date()
                .checked_sub(jiff::Span::new().days(400))
                .unwrap_or(start.date());
            event["start"] = json!(back.at(start.hour(), 0, 0, 0).to_string());
            event["rrule"] = json!(rules[n % rules.len()]);
        }
        api.post("/api/v1/m/calendar/events", event)
            .await
            .expect_status(201);
    }
    let took = started.elapsed();
    println!(
        "stored {events} events ({recurring} recurring) in {:.1} s: {:.0} events/s",
        took.as_secs_f64(),
        events as f64 / took.as_secs_f64()
    );

    let expanded_path = format!("/api/v1/m/calendar/events?from={FROM}&to={TO}");
    let stored_path = format!("{expanded_path}&expand=false");
    // Warm up both.
    timed(&api, &expanded_path).await;
    timed(&api, &stored_path).await;
    let (mut expanded, occurrences) = timed(&api, &expanded_path).await;
    let (mut stored, documents) = timed(&api, &stored_path).await;
    let mut page = Vec::new();
    for _ in 0..READS {
        let started = Instant::now();
        api.get("/m/calendar/?date=2026-03-15")
            .await
            .expect_status(200);
        page.push(started.elapsed());
    }
    let ((e50, e99), (s50, s99), (p50, p99)) = (
        spread(&mut expanded),
        spread(&mut stored),
        spread(&mut page),
    );
    println!("one month (March 2026), {READS} reads each (ms):");
    println!("  {:<34} {:>8} {:>8} {:>8}", "", "p50", "p99", "items");
    println!(
        "  {:<34} {e50:>8.1} {e99:>8.1} {occurrences:>8}",
        "expanded (the API's answer)"
    );
    println!(
        "  {:<34} {s50:>8.1} {s99:>8.1} {documents:>8}",
        "without expansion (baseline)"
    );
    println!("  {:<34} {p50:>8.1} {p99:>8.1}", "month page");
    println!(
        "  expansion costs {:.2}x at p50, {:.2}x at p99",
        e50 / s50,
        e99 / s99
    );
}
