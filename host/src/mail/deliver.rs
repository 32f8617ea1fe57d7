//! One pass of the outbox's worker: take back attempts a stopped server
//! left, then claim each due message, count it against its practice's daily
//! limit, log the attempt, hand it over and record what the server said.

use sqlx::{AnyPool, Row};

use super::transport::{Delivery, Letter, build_message};
use super::{Mailer, message, quota, settings};
use crate::clock::{Clock, backoff_ms, rfc3339};
use crate::db::Db;
use crate::error::Result;

/// A message claimed this long ago and still `sending` was being sent by a
/// server that stopped: it is sent again (its attempt shows `interrupted`).
/// Longer than any attempt can take (a few SMTP commands of 30 s each);
/// `Config::mail_claim_timeout` sets it.
pub(super) const STALE_CLAIM_MS: i64 = 5 * 60 * 1000;
/// Wait before retrying a refused message: 5 min, 10, 20, … at most 2 h.
const FIRST_RETRY_MS: i64 = 5 * 60 * 1000;
const MAX_RETRY_MS: i64 = 2 * 3_600_000;
/// Messages claimed per pass.
const BATCH: i64 = 20;

const INTERRUPTED: &str = "The server stopped during this attempt, so whether the mail server accepted the message is unknown. It is sent again with the same Message-ID, by which the receiving side can recognise a copy.";

/// One pass; how many messages it handled.
pub(super) async fn deliver_due(db: &Db, mail: &Mailer, clock: &dyn Clock) -> Result<usize> {
    let pool = db.pool();
    let now = clock.now_ms();
    take_back_interrupted(pool, now, mail.claim_timeout_ms).await?;
    let due = sqlx::query(
        "SELECT id, practice_id FROM mail_outbox \
         WHERE status IN ('pending', 'deferred') AND next_attempt_at <= $1 \
         ORDER BY next_attempt_at, id LIMIT $2",
    )
    .bind(now)
    .bind(BATCH)
    .fetch_all(pool)
    .await?;
    let mut handled = 0;
    for row in due {
        let id: i64 = row.try_get("id")?;
        let practice_id: String = row.try_get("practice_id")?;
        let claimed = sqlx::query(
            "UPDATE mail_outbox SET status = 'sending', claimed_at = $2, deferred_reason = NULL \
             WHERE id = $1 AND status IN ('pending', 'deferred') AND next_attempt_at <= $2",
        )
        .bind(id)
        .bind(clock.now_ms())
        .execute(pool)
        .await?
        .rows_affected();
        if claimed == 1 {
            handled += 1;
            attempt(db, mail, clock, id, &practice_id).await?;
        }
    }
    Ok(handled)
}

/// Messages left `sending` by a server that stopped go back to the queue,
/// their open attempt marked `interrupted`.
async fn take_back_interrupted(pool: &AnyPool, now: i64, timeout_ms: i64) -> Result<()> {
    let stale: Vec<(i64, String)> = sqlx::query_as(
        "SELECT id, practice_id FROM mail_outbox WHERE status = 'sending' AND claimed_at < $1",
    )
    .bind(now - timeout_ms)
    .fetch_all(pool)
    .await?;
    for (id, practice_id) in stale {
        let taken = sqlx::query(
            "UPDATE mail_outbox SET status = 'pending', claimed_at = NULL, next_attempt_at = $2 \
             WHERE id = $1 AND status = 'sending' AND claimed_at < $3",
        )
        .bind(id)
        .bind(now)
        .bind(now - timeout_ms)
        .execute(pool)
        .await?
        .rows_affected();
        if taken == 1 {
            sqlx::query(
                "UPDATE mail_attempts SET outcome = 'interrupted', finished_at = $3, reply = $4 \
                 WHERE practice_id = $1 AND outbox_id = $2 AND outcome = 'sending'",
            )
            .bind(&practice_id)
            .bind(id)
            .bind(now)
            .bind(INTERRUPTED)
            .execute(pool)
            .await?;
            tracing::warn!(
                outbox_id = id,
                "a mail attempt was interrupted; sending again"
            );
        }
    }
    Ok(())
}

/// Sends the claimed message `id` and records the outcome.
pub(super) async fn attempt(
    db: &Db,
    mail: &Mailer,
    clock: &dyn Clock,
    id: i64,
    practice_id: &str,
) -> Result<()> {
    let pool = db.pool();
    let row = sqlx::query(
        "SELECT to_addr, cc_addrs, reply_to, subject, body_text, attempts, message_id, quota_day, \
         give_up_at, created_at, bcc_addrs, in_reply_to, references_ids, mailbox_id, origin, chain \
         FROM mail_outbox WHERE id = $1",
    )
    .bind(id)
    .fetch_one(pool)
    .await?;
    let stored = settings::find(pool, practice_id).await?;
    let mailbox = match row.try_get::<Option<String>, _>("mailbox_id")? {
        Some(m) => crate::mailboxes::store::by_id(pool, &m).await?,
        None => None,
    };
    let sender = match mail.sender(practice_id, &stored) {
        // A letter from a mailbox goes out as the mailbox.
        Ok(sender) => match &mailbox {
            Some(m) => super::Sender {
                from: m.from_header(),
                ..sender
            },
            None => sender,
        },
        Err(problem) => {
            // The practice's settings cannot be used (a password sealed with
            // a key the server no longer has): wait for them to be fixed.
            let next = clock.now_ms() + MAX_RETRY_MS;
            defer(
                pool,
                id,
                next,
                &format!(
                    "{problem}. Fix Settings → Email; it is tried again at {}.",
                    rfc3339(next)
                ),
            )
            .await?;
            return Ok(());
        }
    };
    if let Some(limit) = stored.shown.daily_quota
        && row.try_get::<Option<String>, _>("quota_day")?.is_none()
    {
        let zone = crate::practices::time_zone(pool, practice_id).await?;
        let (day, next_day) = quota::day_of(clock.now_ms(), &zone);
        if !quota::take(pool, practice_id, &day, limit).await? {
            let reason = format!(
                "The practice's daily limit of {limit} messages was reached on {day}; it goes out when the next day starts, at {} ({zone}).",
                crate::clock::rfc3339(next_day)
            );
            defer(pool, id, next_day, &reason).await?;
            return Ok(());
        }
        sqlx::query("UPDATE mail_outbox SET quota_day = $2 WHERE id = $1")
            .bind(id)
            .bind(&day)
            .execute(pool)
            .await?;
    }
    let message_id = match row.try_get::<Option<String>, _>("message_id")? {
        Some(m) => m,
        None => {
            let m = new_message_id(&sender.from);
            sqlx::query("UPDATE mail_outbox SET message_id = $2 WHERE id = $1")
                .bind(id)
                .bind(&m)
                .execute(pool)
                .await?;
            m
        }
    };
    let attempts: i64 = row.try_get::<i64, _>("attempts")? + 1;
    let started = clock.now_ms();
    let attempt_id: i64 = sqlx::query_scalar(
        "INSERT INTO mail_attempts (practice_id, outbox_id, attempt, started_at, server, outcome) \
         VALUES ($1, $2, $3, $4, $5, 'sending') RETURNING id",
    )
    .bind(practice_id)
    .bind(id)
    .bind(attempts)
    .bind(started)
    .bind(&sender.server)
    .fetch_one(pool)
    .await?;
    let letter = Letter {
        from: &sender.from,
        message_id: &message_id,
        to: row.try_get("to_addr")?,
        cc: row.try_get("cc_addrs")?,
        bcc: row.try_get("bcc_addrs")?,
        reply_to: row.try_get("reply_to")?,
        in_reply_to: row.try_get("in_reply_to")?,
        references: row.try_get("references_ids")?,
        subject: row.try_get("subject")?,
        body: row.try_get("body_text")?,
        attachments: message::attachments_of(pool, practice_id, id).await?,
    };
    // A copy for the mailbox's Sent folder, as it went out.
    let mut sent_copy = None;
    let delivery = match build_message(letter) {
        Ok(message) => {
            if mailbox.is_some() {
                sent_copy = Some(message.formatted());
            }
            sender.transport.send(message).await
        }
        Err(e) => Delivery::Permanent(format!("the message cannot be built: {e:#}")),
    };
    let now = clock.now_ms();
    let (outcome, status, next, reason) = match &delivery {
        Delivery::Accepted(_) => ("sent", "sent", None, None),
        Delivery::Permanent(_) => ("permanent", "failed", None, None),
        Delivery::Temporary(reply) => {
            let give_up_at: i64 =
                row.try_get::<Option<i64>, _>("give_up_at")?
                    .unwrap_or_else(|| {
                        row.try_get::<i64, _>("created_at").unwrap_or(now) + super::GIVE_UP_AFTER_MS
                    });
            let next = now + backoff_ms(attempts, FIRST_RETRY_MS, MAX_RETRY_MS);
            if next > give_up_at {
                ("temporary", "failed", None, None)
            } else {
                let why = format!(
                    "The mail server refused it for now ({reply}); it is tried again at {}.",
                    rfc3339(next)
                );
                ("temporary", "deferred", Some(next), Some(why))
            }
        }
    };
    sqlx::query(
        "UPDATE mail_attempts SET outcome = $2, finished_at = $3, reply = $4 WHERE id = $1",
    )
    .bind(attempt_id)
    .bind(outcome)
    .bind(now)
    .bind(delivery.reply())
    .execute(pool)
    .await?;
    let last_error = match (&delivery, status) {
        (Delivery::Accepted(_), _) => None,
        (Delivery::Temporary(reply), "failed") => Some(format!(
            "Given up after {attempts} attempts over {}: the server still refused it ({reply}).",
            span_in_words(now - row.try_get::<i64, _>("created_at")?)
        )),
        (d, _) => Some(d.reply().to_string()),
    };
    sqlx::query(
        "UPDATE mail_outbox SET status = $2, attempts = $3, next_attempt_at = COALESCE($4, next_attempt_at), \
         deferred_reason = $5, last_error = $6, claimed_at = NULL, \
         sent_at = CASE WHEN $2 = 'sent' THEN $7 ELSE sent_at END WHERE id = $1",
    )
    .bind(id)
    .bind(status)
    .bind(attempts)
    .bind(next)
    .bind(reason)
    .bind(last_error)
    .bind(now)
    .execute(pool)
    .await?;
    if status == "sent" {
        message::drop_contents(pool, practice_id, id).await?;
        tracing::info!(outbox_id = id, "mail delivered");
        if let (Some(mailbox), Some(raw)) = (&mailbox, sent_copy) {
            let filed = mail.file_sent(mailbox, &raw).await;
            sqlx::query("UPDATE mail_outbox SET sent_copy = $2 WHERE id = $1")
                .bind(id)
                .bind(filed)
                .execute(pool)
                .await?;
        }
    }
    if matches!(status, "sent" | "failed") {
        let origin: Option<String> = row.try_get("origin")?;
        let chain: i64 = row.try_get("chain")?;
        let reason = (status == "failed").then(|| delivery.reply().to_string());
        mail.announce(
            db,
            practice_id,
            (id, &message_id),
            origin.as_deref(),
            chain,
            reason.as_deref(),
            now,
        )
        .await?;
    }
    if status != "sent" {
        tracing::warn!(
            outbox_id = id,
            attempts,
            status,
            reply = delivery.reply(),
            "mail not delivered"
        );
    }
    Ok(())
}

/// Puts the claimed message `id` back to wait until `until`, saying why.
async fn defer(pool: &AnyPool, id: i64, until: i64, reason: &str) -> Result<()> {
    sqlx::query(
        "UPDATE mail_outbox SET status = 'deferred', next_attempt_at = $2, deferred_reason = $3, \
         claimed_at = NULL WHERE id = $1",
    )
    .bind(id)
    .bind(until)
    .bind(reason)
    .execute(pool)
    .await?;
    Ok(())
}

/// A new `<id@domain>`, the domain being the sender's.
pub fn new_message_id(from: &str) -> String {
    let domain = from
        .parse::<lettre::message::Mailbox>()
        .map(|m| m.email.domain().to_string())
        .unwrap_or_else(|_| "localhost".into());
    format!("<{}@{domain}>", uuid::Uuid::now_v7().simple())
}

/// "3 days", "5 hours", "12 minutes".
fn span_in_words(ms: i64) -> String {
    let minutes = ms / 60_000;
    match minutes {
        m if m >= 2 * 24 * 60 => format!("{} days", m / (24 * 60)),
        m if m >= 120 => format!("{} hours", m / 60),
        m => format!("{m} minutes"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_grow_and_stop_growing_at_two_hours() {
        let wait = |n| backoff_ms(n, FIRST_RETRY_MS, MAX_RETRY_MS) / 60_000;
        assert_eq!(
            [wait(1), wait(2), wait(3), wait(5), wait(6), wait(40)],
            [5, 10, 20, 80, 120, 120]
        );
        // Given up after five days: about 60 attempts.
        let mut at = 0;
        let mut n = 0;
        while at <= super::super::GIVE_UP_AFTER_MS {
            n += 1;
            at += backoff_ms(n, FIRST_RETRY_MS, MAX_RETRY_MS);
        }
        assert!((55..=65).contains(&n), "{n}");
    }

    #[test]
    fn message_ids_carry_the_senders_domain() {
        let id = new_message_id("\"Diaz Immigration\" <office@diaz.example>");
        assert!(
            id.starts_with('<') && id.ends_with("@diaz.example>"),
            "{id}"
        );
        assert_ne!(id, new_message_id("office@diaz.example"));
        assert_eq!(span_in_words(5 * 24 * 3_600_000), "5 days");
    }
}
