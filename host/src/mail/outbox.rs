//! What the outbox holds and what became of it, for its listing and page:
//! the messages newest first with their recipients, copies, attachments
//! (names, types and sizes, never the contents) and state; retrying and
//! cancelling one; and the SMTP log, every attempt with its server and
//! reply.

use serde::Serialize;
use sqlx::{AnyPool, Row};
use utoipa::ToSchema;

use crate::clock::rfc3339;
use crate::error::{AppError, Result};
use crate::practices::Practice;

/// A message in the outbox.
#[derive(Serialize, ToSchema)]
pub struct OutboxMessage {
    pub id: String,
    /// `<…@…>`, given when it is first handed to the server; the same on
    /// every attempt, so a receiver can recognise a copy.
    pub message_id: Option<String>,
    pub to: Vec<String>,
    pub cc: Vec<String>,
    pub reply_to: Option<String>,
    pub subject: String,
    pub attachments: Vec<OutboxAttachment>,
    /// `pending`, `sending`, `sent`, `deferred`, `failed` or `cancelled`.
    pub status: String,
    /// Why a deferred message waits (a temporary refusal, or the daily
    /// limit), and until when (`next_attempt_at`).
    pub deferred_reason: Option<String>,
    /// RFC 3339: when it is tried next (pending and deferred messages).
    pub next_attempt_at: Option<String>,
    pub attempts: i64,
    /// The server's reply to the last failed attempt.
    pub last_error: Option<String>,
    /// The person whose request queued it; absent for the host's own mail.
    pub sent_by: Option<String>,
    /// Who queued it: `host`, `person`, `module:{id}` or `workflow:{id}`.
    pub origin: Option<String>,
    /// RFC 3339.
    pub created_at: String,
    pub sent_at: Option<String>,
}

/// An attachment as the outbox lists it.
#[derive(Serialize, ToSchema)]
pub struct OutboxAttachment {
    pub name: String,
    /// Exactly as it was sent: `text/calendar; method=REQUEST; charset=UTF-8`.
    pub content_type: String,
    /// Bytes.
    pub size: i64,
}

/// Which messages a listing shows.
#[derive(Clone, Debug, Default)]
pub struct OutboxFilter<'a> {
    /// Only those this person's requests queued.
    pub sender: Option<&'a str>,
    /// Only those in this state.
    pub status: Option<&'a str>,
}

/// What a message of the outbox is read with.
const COLUMNS: &str = "id, message_id, to_addr, cc_addrs, reply_to, subject, status, deferred_reason, \
    next_attempt_at, attempts, last_error, sent_by, origin, created_at, sent_at";

/// The states a message can be in.
pub const STATES: &[&str] = &[
    "pending",
    "sending",
    "sent",
    "deferred",
    "failed",
    "cancelled",
];

/// The practice's messages with ids below `before`, newest first, at most
/// `limit`, as `filter` narrows them.
pub async fn list(
    db: &AnyPool,
    practice: &Practice,
    filter: &OutboxFilter<'_>,
    before: i64,
    limit: i64,
) -> Result<Vec<OutboxMessage>> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM mail_outbox \
         WHERE practice_id = $1 AND id < $2 AND ($3 = 0 OR sent_by = $4) AND ($5 = 0 OR status = $6) \
         ORDER BY id DESC LIMIT $7"
    )))
    .bind(practice.id())
    .bind(before)
    .bind(i64::from(filter.sender.is_some()))
    .bind(filter.sender.unwrap_or_default())
    .bind(i64::from(filter.status.is_some()))
    .bind(filter.status.unwrap_or_default())
    .bind(limit)
    .fetch_all(db)
    .await?;
    let mut items = Vec::with_capacity(rows.len());
    for row in &rows {
        items.push(message_of(db, practice, row).await?);
    }
    Ok(items)
}

/// One message of the practice.
pub async fn get(db: &AnyPool, practice: &Practice, id: i64) -> Result<OutboxMessage> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM mail_outbox WHERE practice_id = $1 AND id = $2"
    )))
    .bind(practice.id())
    .bind(id)
    .fetch_optional(db)
    .await?
    .ok_or(AppError::NotFound("message"))?;
    message_of(db, practice, &row).await
}

async fn message_of(
    db: &AnyPool,
    practice: &Practice,
    row: &sqlx::any::AnyRow,
) -> Result<OutboxMessage> {
    let id: i64 = row.try_get("id")?;
    let attachments = sqlx::query(
        "SELECT name, content_type, size FROM mail_attachments \
         WHERE practice_id = $1 AND outbox_id = $2 ORDER BY position",
    )
    .bind(practice.id())
    .bind(id)
    .fetch_all(db)
    .await?
    .iter()
    .map(|a| {
        Ok(OutboxAttachment {
            name: a.try_get("name")?,
            content_type: a.try_get("content_type")?,
            size: a.try_get("size")?,
        })
    })
    .collect::<Result<Vec<_>>>()?;
    let list = |column: &str| -> Result<Vec<String>> {
        let text: Option<String> = row.try_get(column)?;
        Ok(text
            .unwrap_or_default()
            .split(',')
            .map(str::trim)
            .filter(|a| !a.is_empty())
            .map(str::to_string)
            .collect())
    };
    let status: String = row.try_get("status")?;
    let waiting = matches!(status.as_str(), "pending" | "deferred");
    Ok(OutboxMessage {
        id: id.to_string(),
        message_id: row.try_get("message_id")?,
        to: list("to_addr")?,
        cc: list("cc_addrs")?,
        reply_to: row.try_get("reply_to")?,
        subject: row.try_get("subject")?,
        attachments,
        deferred_reason: row.try_get("deferred_reason")?,
        next_attempt_at: waiting
            .then(|| row.try_get::<i64, _>("next_attempt_at").map(rfc3339))
            .transpose()?,
        status,
        attempts: row.try_get("attempts")?,
        last_error: row.try_get("last_error")?,
        sent_by: row.try_get("sent_by")?,
        origin: row.try_get("origin")?,
        created_at: rfc3339(row.try_get("created_at")?),
        sent_at: row.try_get::<Option<i64>, _>("sent_at")?.map(rfc3339),
    })
}

/// Who queued message `id`, if a person did (for the permission check).
pub async fn sent_by(db: &AnyPool, practice: &Practice, id: i64) -> Result<Option<String>> {
    let row: Option<Option<String>> =
        sqlx::query_scalar("SELECT sent_by FROM mail_outbox WHERE practice_id = $1 AND id = $2")
            .bind(practice.id())
            .bind(id)
            .fetch_optional(db)
            .await?;
    row.ok_or(AppError::NotFound("message"))
}

/// Sends a failed, deferred or cancelled message again now, with five more
/// days before it is given up; 409 for one that is sent or being sent. A
/// message the daily limit deferred still waits for room.
pub async fn retry(db: &AnyPool, practice: &Practice, id: i64, now_ms: i64) -> Result<()> {
    let changed = sqlx::query(
        "UPDATE mail_outbox SET status = 'pending', next_attempt_at = $3, give_up_at = $4, \
         deferred_reason = NULL WHERE practice_id = $1 AND id = $2 \
         AND status IN ('failed', 'deferred', 'cancelled', 'pending')",
    )
    .bind(practice.id())
    .bind(id)
    .bind(now_ms)
    .bind(now_ms + super::GIVE_UP_AFTER_MS)
    .execute(db)
    .await?
    .rows_affected();
    if changed == 0 {
        let status = state_of(db, practice, id).await?;
        return Err(AppError::conflict(format!(
            "this message is {status}: only a failed, deferred or cancelled message can be sent again"
        )));
    }
    Ok(())
}

/// Stops a message that has not left: 409 for one that is sent or being
/// handed to the server now.
pub async fn cancel(db: &AnyPool, practice: &Practice, id: i64) -> Result<()> {
    let changed = sqlx::query(
        "UPDATE mail_outbox SET status = 'cancelled', deferred_reason = NULL \
         WHERE practice_id = $1 AND id = $2 AND status IN ('pending', 'deferred', 'failed')",
    )
    .bind(practice.id())
    .bind(id)
    .execute(db)
    .await?
    .rows_affected();
    if changed == 0 {
        let status = state_of(db, practice, id).await?;
        return Err(AppError::conflict(format!(
            "this message is {status}: only a message that has not left can be cancelled"
        )));
    }
    Ok(())
}

async fn state_of(db: &AnyPool, practice: &Practice, id: i64) -> Result<String> {
    let status: Option<String> =
        sqlx::query_scalar("SELECT status FROM mail_outbox WHERE practice_id = $1 AND id = $2")
            .bind(practice.id())
            .bind(id)
            .fetch_optional(db)
            .await?;
    let status = status.ok_or(AppError::NotFound("message"))?;
    Ok(match status.as_str() {
        "sending" => "being handed to the mail server now".into(),
        other => other.to_string(),
    })
}

/// An attempt to hand a message to a server.
#[derive(Serialize, ToSchema)]
pub struct Attempt {
    pub id: String,
    /// The outbox message.
    pub message: String,
    pub subject: String,
    pub to: String,
    /// Its number among the message's attempts, from 1.
    pub attempt: i64,
    /// RFC 3339.
    pub started_at: String,
    pub finished_at: Option<String>,
    /// `host:port`, or `mail folder` when the server writes mail to files.
    pub server: String,
    /// `sending`, `sent`, `temporary`, `permanent` or `interrupted`.
    pub outcome: String,
    /// The server's reply, or what went wrong before one.
    pub reply: Option<String>,
}

/// The SMTP log: the practice's attempts with ids below `before`, newest
/// first, at most `limit`; of one message only with `message`.
pub async fn attempts(
    db: &AnyPool,
    practice: &Practice,
    message: Option<i64>,
    before: i64,
    limit: i64,
) -> Result<Vec<Attempt>> {
    let rows = sqlx::query(
        "SELECT a.id, a.outbox_id, o.subject, o.to_addr, a.attempt, a.started_at, a.finished_at, \
         a.server, a.outcome, a.reply FROM mail_attempts a \
         JOIN mail_outbox o ON o.id = a.outbox_id AND o.practice_id = a.practice_id \
         WHERE a.practice_id = $1 AND a.id < $2 AND ($3 = 0 OR a.outbox_id = $4) \
         ORDER BY a.id DESC LIMIT $5",
    )
    .bind(practice.id())
    .bind(before)
    .bind(i64::from(message.is_some()))
    .bind(message.unwrap_or_default())
    .bind(limit)
    .fetch_all(db)
    .await?;
    rows.iter()
        .map(|row| {
            Ok(Attempt {
                id: row.try_get::<i64, _>("id")?.to_string(),
                message: row.try_get::<i64, _>("outbox_id")?.to_string(),
                subject: row.try_get("subject")?,
                to: row.try_get("to_addr")?,
                attempt: row.try_get("attempt")?,
                started_at: rfc3339(row.try_get("started_at")?),
                finished_at: row.try_get::<Option<i64>, _>("finished_at")?.map(rfc3339),
                server: row.try_get("server")?,
                outcome: row.try_get("outcome")?,
                reply: row.try_get("reply")?,
            })
        })
        .collect()
}
