//! Outgoing email. Whatever wants to send mail writes a row into the outbox in
//! the same transaction as the change that caused it; a worker delivers due
//! rows with retries and backoff, so nothing is lost when the server stops or
//! the mail server is away.
//!
//! - `message`: messages to several people with copies and attachments (a
//!   module's `mail.send-message`), queued with their files;
//! - `outbox`: what was queued and what became of it, for the listing at
//!   `GET /api/v1/mail/outbox` (its route is in `audit`);
//! - `transport`: SMTP, or `.eml` files without it, and building the MIME
//!   message.

mod message;
pub mod outbox;
mod transport;

pub use message::{Attachment, OutgoingMessage, enqueue_message, is_plain_address};

pub use crate::config::{MailConfig, SmtpConfig, SmtpTls};

use std::sync::Arc;
use std::time::Duration;

use sqlx::{Any, Executor, Row};
use tokio::sync::{Notify, watch};

use crate::clock::{Clock, backoff_ms};
use crate::db::Db;
use crate::error::Result;
use crate::practices::Practice;
use transport::{Letter, Transport, build_message};

/// A delivery that keeps failing is given up after this many attempts.
const MAX_ATTEMPTS: i64 = 8;
/// A message claimed by a worker that died is retried after this long.
const STALE_CLAIM_MS: i64 = 10 * 60 * 1000;

#[derive(Clone)]
pub struct Mailer {
    transport: Transport,
    from: String,
    wake: Arc<Notify>,
}

/// One message for the outbox.
pub struct OutgoingMail<'a> {
    pub to: &'a str,
    pub subject: &'a str,
    pub body: &'a str,
}

impl Mailer {
    pub fn new(config: &MailConfig, data_dir: &std::path::Path) -> anyhow::Result<Mailer> {
        Ok(Mailer {
            transport: Transport::new(config, data_dir)?,
            from: config.from.clone(),
            wake: Arc::new(Notify::new()),
        })
    }

    /// Tells the worker that new mail is waiting (call after the commit).
    pub fn wake(&self) {
        self.wake.notify_one();
    }
}

/// Queues a message in the outbox, inside the caller's transaction.
pub async fn enqueue<'e, E>(
    db: E,
    practice: &Practice,
    mail: OutgoingMail<'_>,
    now_ms: i64,
) -> Result<()>
where
    E: Executor<'e, Database = Any>,
{
    sqlx::query(
        "INSERT INTO mail_outbox (practice_id, to_addr, subject, body_text, status, attempts, \
         next_attempt_at, created_at) VALUES ($1, $2, $3, $4, 'pending', 0, $5, $5)",
    )
    .bind(practice.id())
    .bind(mail.to)
    .bind(mail.subject)
    .bind(mail.body)
    .bind(now_ms)
    .execute(db)
    .await?;
    Ok(())
}

/// Delivers due mail from `db`'s outbox through `mail` until `shutdown`
/// turns true.
pub async fn run_worker(
    db: Db,
    mail: Mailer,
    clock: Arc<dyn Clock>,
    mut shutdown: watch::Receiver<bool>,
) {
    loop {
        let delivered = match deliver_due(&db, &mail, clock.as_ref()).await {
            Ok(n) => n,
            Err(e) => {
                tracing::warn!(error = %e, "mail outbox pass failed");
                0
            }
        };
        if *shutdown.borrow() {
            return;
        }
        if delivered == 0 {
            tokio::select! {
                _ = mail.wake.notified() => {}
                _ = tokio::time::sleep(Duration::from_secs(2)) => {}
                _ = shutdown.changed() => return,
            }
        }
    }
}

/// One pass over the outbox; returns how many messages it handled.
async fn deliver_due(db: &Db, mail: &Mailer, clock: &dyn Clock) -> Result<usize> {
    let pool = db.pool();
    let now = clock.now_ms();
    sqlx::query(
        "UPDATE mail_outbox SET status = 'pending', claimed_at = NULL \
         WHERE status = 'sending' AND claimed_at < $1",
    )
    .bind(now - STALE_CLAIM_MS)
    .execute(pool)
    .await?;
    let due = sqlx::query(
        "SELECT id, practice_id, to_addr, cc_addrs, reply_to, subject, body_text, attempts FROM mail_outbox \
         WHERE status = 'pending' AND next_attempt_at <= $1 ORDER BY id LIMIT 20",
    )
    .bind(now)
    .fetch_all(pool)
    .await?;
    let mut handled = 0;
    for row in due {
        let id: i64 = row.try_get("id")?;
        let claimed = sqlx::query(
            "UPDATE mail_outbox SET status = 'sending', claimed_at = $2 WHERE id = $1 AND status = 'pending'",
        )
        .bind(id)
        .bind(now)
        .execute(pool)
        .await?
        .rows_affected();
        if claimed != 1 {
            continue;
        }
        handled += 1;
        let practice_id: String = row.try_get("practice_id")?;
        let attempts: i64 = row.try_get::<i64, _>("attempts")? + 1;
        let letter = Letter {
            from: &mail.from,
            to: row.try_get("to_addr")?,
            cc: row.try_get("cc_addrs")?,
            reply_to: row.try_get("reply_to")?,
            subject: row.try_get("subject")?,
            body: row.try_get("body_text")?,
            attachments: message::attachments_of(pool, &practice_id, id).await?,
        };
        let outcome = match build_message(letter) {
            Ok(message) => mail.transport.send(message).await.map_err(|e| (e, true)),
            Err(e) => Err((e, false)),
        };
        let now = clock.now_ms();
        match outcome {
            Ok(()) => {
                sqlx::query("UPDATE mail_outbox SET status = 'sent', attempts = $2, sent_at = $3, last_error = NULL WHERE id = $1")
                    .bind(id)
                    .bind(attempts)
                    .bind(now)
                    .execute(pool)
                    .await?;
                message::drop_contents(pool, &practice_id, id).await?;
                tracing::info!(outbox_id = id, "mail delivered");
            }
            Err((error, retryable)) => {
                let give_up = !retryable || attempts >= MAX_ATTEMPTS;
                let status = if give_up { "failed" } else { "pending" };
                let next = now + backoff_ms(attempts, FIRST_RETRY_MS, MAX_RETRY_MS);
                tracing::warn!(
                    outbox_id = id,
                    attempts,
                    give_up,
                    error = format!("{error:#}"),
                    "mail delivery failed"
                );
                sqlx::query(
                    "UPDATE mail_outbox SET status = $2, attempts = $3, next_attempt_at = $4, \
                     last_error = $5, claimed_at = NULL WHERE id = $1",
                )
                .bind(id)
                .bind(status)
                .bind(attempts)
                .bind(next)
                .bind(format!("{error:#}"))
                .execute(pool)
                .await?;
            }
        }
    }
    Ok(handled)
}

/// Wait before the next attempt: 30 s, 1 min, 2 min, … at most an hour.
const FIRST_RETRY_MS: i64 = 30_000;
const MAX_RETRY_MS: i64 = 3_600_000;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_an_hour() {
        let mail = |n| backoff_ms(n, FIRST_RETRY_MS, MAX_RETRY_MS);
        assert_eq!(mail(1), 30_000);
        assert_eq!(mail(2), 60_000);
        assert_eq!(mail(3), 120_000);
        assert_eq!(mail(8), 3_600_000);
        assert_eq!(mail(50), 3_600_000);
    }
}
