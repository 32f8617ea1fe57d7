//! What the outbox holds, for its listing (`GET /api/v1/mail/outbox`, in
//! `audit`): the messages newest first with their recipients, copies,
//! attachments (names, types and sizes, never the contents) and what became
//! of them.

use serde::Serialize;
use sqlx::{AnyPool, Row};
use utoipa::ToSchema;

use crate::clock::rfc3339;
use crate::error::Result;
use crate::practices::Practice;

/// A message in the outbox.
#[derive(Serialize, ToSchema)]
pub struct OutboxMessage {
    pub id: String,
    pub to: Vec<String>,
    pub cc: Vec<String>,
    pub reply_to: Option<String>,
    pub subject: String,
    pub attachments: Vec<OutboxAttachment>,
    /// `pending`, `sending`, `sent` or `failed` (given up after 8 attempts).
    pub status: String,
    pub attempts: i64,
    /// Why the last attempt failed.
    pub last_error: Option<String>,
    /// The person whose request queued it; absent for the host's own mail.
    pub sent_by: Option<String>,
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

/// The practice's messages with ids below `before`, newest first, at most
/// `limit`: those `sender`'s requests queued, or all of them for `None`.
pub async fn list(
    db: &AnyPool,
    practice: &Practice,
    sender: Option<&str>,
    before: i64,
    limit: i64,
) -> Result<Vec<OutboxMessage>> {
    let rows = sqlx::query(
        "SELECT id, to_addr, cc_addrs, reply_to, subject, status, attempts, last_error, sent_by, \
         created_at, sent_at FROM mail_outbox \
         WHERE practice_id = $1 AND id < $2 AND ($3 = 0 OR sent_by = $4) ORDER BY id DESC LIMIT $5",
    )
    .bind(practice.id())
    .bind(before)
    .bind(i64::from(sender.is_some()))
    .bind(sender.unwrap_or_default())
    .bind(limit)
    .fetch_all(db)
    .await?;
    let mut items = Vec::with_capacity(rows.len());
    for row in &rows {
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
        items.push(OutboxMessage {
            id: id.to_string(),
            to: list("to_addr")?,
            cc: list("cc_addrs")?,
            reply_to: row.try_get("reply_to")?,
            subject: row.try_get("subject")?,
            attachments,
            status: row.try_get("status")?,
            attempts: row.try_get("attempts")?,
            last_error: row.try_get("last_error")?,
            sent_by: row.try_get("sent_by")?,
            created_at: rfc3339(row.try_get("created_at")?),
            sent_at: row.try_get::<Option<i64>, _>("sent_at")?.map(rfc3339),
        });
    }
    Ok(items)
}
