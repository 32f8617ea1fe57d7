//! Messages through the outbox to the SMTP server, against the same
//! messages sent straight to it with lettre.

use std::time::{Duration, Instant};

use immcase_host::AppState;
use immcase_host::mail::OutgoingMail;
use immcase_tests::{ADMIN_EMAIL, SmtpServer, TestServer};
use lettre::message::header::ContentType;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use serde_json::json;

use crate::{Progress, per_second, spread};

/// Messages queued per transaction.
const BATCH: usize = 100;
/// The server's sender in the test configuration.
const FROM: &str = "ImmCase <no-reply@immcase.test>";

fn to(n: usize) -> String {
    format!("client{}@mail.example", n % 500)
}

fn body(n: usize) -> String {
    format!(
        "Hello,\n\nThis is message {n} about your application. Your appointment is confirmed; \
         please bring your passport and the letter we sent.\n\nKind regards,\nThe practice\n"
    )
}

pub async fn run(server: &TestServer, state: &AppState, count: usize) {
    println!("\nout: {count} messages to the SMTP server on loopback");
    let straight = straight(&server.smtp, count).await;
    let (queued, took, mut latencies) = through_outbox(server, state, count).await;
    let (p50, p99) = spread(&mut latencies);
    let (outbox_rate, straight_rate) = (per_second(count, took), per_second(count, straight));
    println!(
        "  queued in transactions of {BATCH}:   {:>7.2} s  {:>8.0} messages/s",
        queued.as_secs_f64(),
        per_second(count, queued)
    );
    println!(
        "  through the outbox:               {:>7.2} s  {outbox_rate:>8.0} messages/s  \
         commit→arrival p50 {p50:.0} ms, p99 {p99:.0} ms",
        took.as_secs_f64()
    );
    println!(
        "  straight with lettre (baseline):  {:>7.2} s  {straight_rate:>8.0} messages/s",
        straight.as_secs_f64()
    );
    println!("  outbox ÷ straight: {:.2}", outbox_rate / straight_rate);
}

/// The time to send `count` messages to `smtp` with lettre, one after
/// another on a pooled connection, as the outbox's worker sends them.
async fn straight(smtp: &SmtpServer, count: usize) -> Duration {
    let transport = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous("127.0.0.1")
        .port(smtp.port())
        .build();
    let from: lettre::message::Mailbox = FROM.parse().unwrap();
    let started = Instant::now();
    for n in 0..count {
        let message = Message::builder()
            .from(from.clone())
            .to(to(n).parse().unwrap())
            .subject(format!("Straight {n:05}"))
            .header(ContentType::TEXT_PLAIN)
            .body(body(n))
            .unwrap();
        transport.send(message).await.unwrap();
    }
    started.elapsed()
}

/// Queues `count` messages in the server's outbox and waits for them at the
/// SMTP server: the time the queueing took, the time until the last
/// arrived, and each one's time from its commit to its arrival.
async fn through_outbox(
    server: &TestServer,
    state: &AppState,
    count: usize,
) -> (Duration, Duration, Vec<Duration>) {
    let practice = state
        .practice_by_slug(&server.config.default_practice)
        .await
        .unwrap()
        .unwrap();
    let now = immcase_host::clock::Clock::now_ms(&server.clock);
    let skip = server.smtp.received().len();
    let anyone = server.api();
    let started = Instant::now();
    let queue = async {
        let mut committed = Vec::with_capacity(count);
        for first in (0..count).step_by(BATCH) {
            let last = (first + BATCH).min(count);
            let mut tx = state.db.begin().await.unwrap();
            for n in first..last {
                let mail = OutgoingMail {
                    to: &to(n),
                    subject: &format!("Outbox {n:05}"),
                    body: &body(n),
                };
                immcase_host::mail::enqueue(&mut *tx, &practice, mail, now)
                    .await
                    .unwrap();
            }
            tx.commit().await.unwrap();
            committed.extend(std::iter::repeat_n(Instant::now(), last - first));
            if first == 0 {
                // The worker is in the server, this state beside it: wake
                // it as the host does after a commit, by asking for a mail
                // (a password reset for the administrator, queued and woken).
                anyone
                    .post(
                        "/api/v1/auth/forgot-password",
                        json!({ "email": ADMIN_EMAIL }),
                    )
                    .await
                    .expect_status(202);
            }
        }
        (committed, started.elapsed())
    };
    let watch = async {
        let mut arrived: Vec<Option<Instant>> = vec![None; count];
        let (mut seen, mut got) = (skip, 0);
        let mut progress = Progress::new("arrived through the outbox:", count);
        while got < count && progress.goes_on(got) {
            let new = server.smtp.received_after(seen);
            let at = Instant::now();
            seen += new.len();
            for mail in new {
                let subject = mail.subject();
                let n = subject.strip_prefix("Outbox ").and_then(|n| n.parse().ok());
                if let Some(slot) = n.and_then(|n: usize| arrived.get_mut(n))
                    && slot.is_none()
                {
                    *slot = Some(at);
                    got += 1;
                }
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        arrived
    };
    let ((committed, queued), arrived) = tokio::join!(queue, watch);
    let last = arrived.iter().flatten().max().copied().unwrap_or(started);
    let latencies = committed
        .iter()
        .zip(&arrived)
        .filter_map(|(queued, arrived)| Some(arrived.as_ref()?.duration_since(*queued)))
        .collect();
    (queued, last.duration_since(started), latencies)
}
