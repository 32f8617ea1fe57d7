//! Mail through the server, both ways (release build):
//!
//! ```sh
//! cargo bench -p immcase-tests --bench mail [-- --messages 2000 --received 1000 --postgres URL]
//! ```
//!
//! One server on SQLite (or on a fresh database of the PostgreSQL server
//! of `--postgres`, an administrative URL), with its real SMTP test server
//! on loopback. It prints, measured in the same run:
//!
//! - **out** (`outbox.rs`): `--messages` messages queued in the outbox as
//!   the host queues them (in transactions, a hundred each), the worker
//!   woken after the first, and timed until the SMTP server has them all:
//!   messages/s, and p50/p99 from a message's commit to its arrival (which
//!   includes waiting behind the messages queued before it). The baseline
//!   is the same number of messages sent straight to the same SMTP server
//!   with lettre, one after another, as the worker sends them; and the
//!   ratio outbox ÷ straight.
//! - **in** (`inbox.rs`): `--received` raw messages (half of `--messages`
//!   by default) posted to a shared mailbox's pipe and timed until the
//!   `email` module has stored them all, each parsed, threaded and linked
//!   to its applicants and cases: messages/s, and how many ended linked to
//!   an applicant and to a case. The baseline (`native.rs`) is the module's
//!   own rules run natively here on the same raw messages, with the
//!   applicants and cases in maps; and the ratio module ÷ native. The
//!   messages are written by `letters.rs`.
//!
//! Not part of CI: it measures, it does not assert.

#![allow(clippy::unwrap_used)]

mod inbox;
mod letters;
mod native;
mod outbox;

use std::time::{Duration, Instant};

use immcase_tests::{Backend, TestServer};

/// The server binary's allocator, so the bench measures the server as shipped.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Without progress for this long, a wait gives up and says so.
const PATIENCE: Duration = Duration::from_secs(120);

fn flag(name: &str) -> Option<String> {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .cloned()
}

fn wanted(name: &str, default: usize) -> usize {
    flag(name)
        .map(|n| n.replace(['_', ','], "").parse().expect("a number"))
        .unwrap_or(default)
}

/// A small deterministic generator, so every run sends the same mail.
pub struct Dice(u64);

impl Dice {
    pub fn roll(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    /// A number below `n` (which is not zero).
    pub fn below(&mut self, n: usize) -> usize {
        (self.roll() % n as u64) as usize
    }
}

/// p50 and p99 of `times`, in milliseconds.
pub fn spread(times: &mut [Duration]) -> (f64, f64) {
    times.sort();
    let at = |p: f64| times[((times.len() as f64 - 1.0) * p).round() as usize].as_secs_f64() * 1e3;
    (at(0.5), at(0.99))
}

pub fn per_second(count: usize, took: Duration) -> f64 {
    count as f64 / took.as_secs_f64()
}

/// A wait for `target` things (or for a count to fall to nothing, with a
/// target of 0), told on the terminal every five seconds, that gives up
/// after [`PATIENCE`] without progress.
pub struct Progress {
    what: &'static str,
    target: usize,
    last: usize,
    moved: Instant,
    told: Instant,
}

impl Progress {
    pub fn new(what: &'static str, target: usize) -> Progress {
        Progress {
            what,
            target,
            last: 0,
            moved: Instant::now(),
            told: Instant::now(),
        }
    }

    /// Notes that `done` are done; false when it is time to give up.
    pub fn goes_on(&mut self, done: usize) -> bool {
        if done != self.last {
            (self.last, self.moved) = (done, Instant::now());
        }
        let of = match self.target {
            0 => String::new(),
            target => format!(" of {target}"),
        };
        if self.told.elapsed() >= Duration::from_secs(5) {
            eprintln!("  … {} {done}{of}", self.what);
            self.told = Instant::now();
        }
        if self.moved.elapsed() >= PATIENCE {
            eprintln!(
                "  gave up: {} stayed at {done}{of} for {} s",
                self.what,
                PATIENCE.as_secs()
            );
            return false;
        }
        true
    }
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let sent = wanted("--messages", 2_000);
    let received = wanted("--received", sent / 2);
    let backend = match flag("--postgres") {
        Some(url) => Backend::Postgres(url),
        None => Backend::Sqlite,
    };
    println!("database: {}", backend.name());
    let server = TestServer::start(backend).await;
    // A state of the server's database beside it, as its own workers have.
    let state = server.state_beside().await;

    if sent > 0 {
        outbox::run(&server, &state, sent).await;
    }
    if received > 0 {
        inbox::run(&server, &state, received).await;
    }
    state.db.close().await;
    server.stop().await;
}
