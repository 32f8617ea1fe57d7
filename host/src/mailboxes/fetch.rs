//! The fetcher: every few minutes (and at once when asked) it takes each
//! due mailbox's new mail over IMAP, keeps each raw message in the blob
//! store, and records it in one transaction with the folder's new state and
//! the event `mailbox.received` for the modules subscribed to it. So a
//! message is taken once: a crash before the commit takes it again (its
//! blob is written again under a new key), after the commit never; a
//! message already taken (the same bytes, also after a UIDVALIDITY change
//! or from a mail server's pipe) is recognised by its SHA-256.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use sha2::{Digest, Sha256};
use sqlx::Row;
use tokio::sync::{Notify, watch};

use super::imap::{self, FetchLimits, FolderState};
use super::store::{self, Mailbox};
use crate::blobs::Blobs;
use crate::clock::Clock;
use crate::db::{Db, new_id};
use crate::error::{AppError, Result};
use crate::practices::Practice;
use crate::secrets::Keyring;

/// The event a module gets for each message taken.
pub const RECEIVED: &str = "mailbox.received";
/// A mailbox claimed this long ago by a fetcher that stopped is fetched
/// again.
const STALE_CLAIM_MS: i64 = 10 * 60 * 1000;
/// Mailboxes fetched per pass.
const BATCH: i64 = 5;

/// What the fetcher needs besides the database.
#[derive(Clone)]
pub struct Fetcher {
    pub blobs: Arc<Blobs>,
    pub keys: Keyring,
    /// `None` on a machine without certificate authorities.
    pub tls: Option<Arc<rustls::ClientConfig>>,
    pub clock: Arc<dyn Clock>,
    /// How often each mailbox is fetched.
    pub interval: Duration,
    pub limits: FetchLimits,
    /// Wakes the fetcher (a "Fetch now").
    pub wake: Arc<Notify>,
    /// The modules subscribed to an event name.
    pub subscribers: crate::events::Subscribers,
    /// Wakes the job worker, which delivers the events.
    pub wake_jobs: Arc<Notify>,
}

/// Fetches due mailboxes until `shutdown` turns true.
pub async fn run_worker(db: Db, fetcher: Fetcher, mut shutdown: watch::Receiver<bool>) {
    loop {
        let fetched = match fetch_due(&db, &fetcher).await {
            Ok(n) => n,
            Err(e) => {
                tracing::warn!(error = %e, "mailbox fetch pass failed");
                0
            }
        };
        if *shutdown.borrow() {
            return;
        }
        if fetched == 0 {
            tokio::select! {
                _ = fetcher.wake.notified() => {}
                _ = tokio::time::sleep(Duration::from_secs(2)) => {}
                _ = shutdown.changed() => return,
            }
        }
    }
}

/// Asks for mailbox `id` to be fetched at once.
pub async fn request(
    db: &Db,
    fetcher_wake: &Notify,
    practice: &Practice,
    id: &str,
    now: i64,
) -> Result<()> {
    sqlx::query("UPDATE mailboxes SET next_fetch_at = $3 WHERE practice_id = $1 AND id = $2")
        .bind(practice.id())
        .bind(id)
        .bind(now)
        .execute(db.pool())
        .await?;
    fetcher_wake.notify_one();
    Ok(())
}

/// One pass: claims due mailboxes and fetches each; how many it fetched.
async fn fetch_due(db: &Db, fetcher: &Fetcher) -> Result<usize> {
    let now = fetcher.clock.now_ms();
    let due: Vec<String> = sqlx::query_scalar(
        "SELECT id FROM mailboxes WHERE next_fetch_at <= $1 AND (claimed_at IS NULL OR claimed_at < $2) \
         ORDER BY next_fetch_at LIMIT $3",
    )
    .bind(now)
    .bind(now - STALE_CLAIM_MS)
    .bind(BATCH)
    .fetch_all(db.pool())
    .await?;
    let mut fetched = 0;
    for id in due {
        let claimed = sqlx::query(
            "UPDATE mailboxes SET claimed_at = $2 WHERE id = $1 AND next_fetch_at <= $2 \
             AND (claimed_at IS NULL OR claimed_at < $3)",
        )
        .bind(&id)
        .bind(now)
        .bind(now - STALE_CLAIM_MS)
        .execute(db.pool())
        .await?
        .rows_affected();
        if claimed != 1 {
            continue;
        }
        fetched += 1;
        let Some(mailbox) = store::by_id(db.pool(), &id).await? else {
            continue;
        };
        let outcome = fetch_one(db, fetcher, &mailbox).await;
        let now = fetcher.clock.now_ms();
        let (problem, next) = match outcome {
            Ok(true) => (None, now),
            Ok(false) => (None, now + interval_ms(fetcher)),
            Err(problem) => {
                tracing::warn!(mailbox = %id, problem = %problem, "fetching a mailbox failed");
                (Some(problem), now + interval_ms(fetcher))
            }
        };
        sqlx::query(
            "UPDATE mailboxes SET claimed_at = NULL, next_fetch_at = $2, problem = $3, \
             fetched_at = CASE WHEN $3 IS NULL THEN $4 ELSE fetched_at END WHERE id = $1",
        )
        .bind(&id)
        .bind(next)
        .bind(problem)
        .bind(now)
        .execute(db.pool())
        .await?;
    }
    Ok(fetched)
}

fn interval_ms(fetcher: &Fetcher) -> i64 {
    i64::try_from(fetcher.interval.as_millis()).unwrap_or(i64::MAX)
}

/// Takes `mailbox`'s new mail; whether more is waiting. The error is the
/// problem as the mailbox's page shows it.
async fn fetch_one(
    db: &Db,
    fetcher: &Fetcher,
    mailbox: &Mailbox,
) -> std::result::Result<bool, String> {
    let account = mailbox.account(&fetcher.keys)?;
    let tls = fetcher.tls.as_ref().ok_or(
        "this server has no certificate authorities to check the mail server with: \
         install the system's CA certificates or give --mail-ca-file",
    )?;
    let state = FolderState {
        uid_validity: mailbox.uid_validity,
        last_uid: mailbox.last_uid,
    };
    let fetch = imap::fetch_new(&account, tls, state, &fetcher.limits)
        .await
        .map_err(|e| e.to_string())?;
    let practice = crate::practices::find_by_id(db.pool(), &mailbox.practice_id)
        .await
        .map_err(|e| e.to_string())?
        .ok_or("the mailbox's practice is gone")?;
    for message in &fetch.messages {
        take(
            db,
            fetcher,
            &practice,
            mailbox,
            fetch.uid_validity,
            Some(message.uid),
            &message.raw,
        )
        .await
        .map_err(|e| format!("keeping a message: {e}"))?;
    }
    for skipped in &fetch.too_large {
        tracing::warn!(mailbox = %mailbox.id, uid = skipped.uid, size = skipped.size,
            "a message larger than the limit was left on the server");
    }
    // The state past the last message (and any skipped): moved with the
    // messages above, and here for a fetch that took none.
    move_past(db.pool(), &mailbox.id, fetch.uid_validity, fetch.last_uid)
        .await
        .map_err(|e| e.to_string())?;
    Ok(fetch.more)
}

/// Keeps one raw message of `mailbox` (taken from the folder at `uid`, or
/// posted by a mail server when `None`): its blob, its row, the folder's
/// state and the event, the last three in one transaction. Returns the
/// message's id, or `None` when it was taken before.
pub async fn take(
    db: &Db,
    fetcher: &Fetcher,
    practice: &Practice,
    mailbox: &Mailbox,
    uid_validity: u32,
    uid: Option<u32>,
    raw: &[u8],
) -> Result<Option<String>> {
    let digest: String = Sha256::digest(raw)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let seen: Option<String> =
        sqlx::query_scalar("SELECT id FROM mailbox_messages WHERE mailbox_id = $1 AND digest = $2")
            .bind(&mailbox.id)
            .bind(&digest)
            .fetch_optional(db.pool())
            .await?;
    if seen.is_some() {
        advance(db, mailbox, uid_validity, uid).await?;
        return Ok(None);
    }
    let id = new_id();
    let key = blob_key(practice.id(), &mailbox.id, &id);
    let mut writer = fetcher
        .blobs
        .writer(&key)
        .await
        .map_err(|e| AppError::Internal(anyhow::anyhow!("the blob store: {e}")))?;
    if let Err(e) = writer.write(Bytes::copy_from_slice(raw)).await {
        writer.abort().await;
        return Err(AppError::Internal(anyhow::anyhow!("the blob store: {e}")));
    }
    writer
        .finish()
        .await
        .map_err(|e| AppError::Internal(anyhow::anyhow!("the blob store: {e}")))?;
    let now = fetcher.clock.now_ms();
    let mut tx = db.begin().await?;
    let inserted = sqlx::query(
        "INSERT INTO mailbox_messages (id, practice_id, mailbox_id, uid_validity, uid, blob_key, size, digest, received_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (mailbox_id, digest) DO NOTHING",
    )
    .bind(&id)
    .bind(practice.id())
    .bind(&mailbox.id)
    .bind(uid.map(|_| i64::from(uid_validity)))
    .bind(uid.map(i64::from))
    .bind(&key)
    .bind(raw.len() as i64)
    .bind(&digest)
    .bind(now)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if inserted == 0 {
        // Taken meanwhile by another fetcher or a pipe.
        drop(tx);
        let _ = fetcher.blobs.delete(&key).await;
        advance(db, mailbox, uid_validity, uid).await?;
        return Ok(None);
    }
    if let Some(uid) = uid {
        move_past(&mut *tx, &mailbox.id, uid_validity, uid).await?;
    }
    let payload = serde_json::json!({
        "mailbox_id": mailbox.id,
        "message_id": id,
        "size": raw.len(),
    });
    let subscribers = (fetcher.subscribers)(RECEIVED);
    crate::events::emit(
        &mut tx,
        subscribers.iter().map(String::as_str),
        practice,
        RECEIVED,
        &payload.to_string(),
        &crate::events::Cause::host(),
        now,
    )
    .await?;
    tx.commit().await?;
    fetcher.wake_jobs.notify_one();
    Ok(Some(id))
}

/// Moves the folder's state past `uid` (a message taken before).
async fn advance(db: &Db, mailbox: &Mailbox, uid_validity: u32, uid: Option<u32>) -> Result<()> {
    if let Some(uid) = uid {
        move_past(db.pool(), &mailbox.id, uid_validity, uid).await?;
    }
    Ok(())
}

/// Keeps the folder's state: its UIDVALIDITY, and `uid` taken.
async fn move_past<'e, E>(db: E, mailbox_id: &str, uid_validity: u32, uid: u32) -> Result<()>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    sqlx::query("UPDATE mailboxes SET uid_validity = $2, last_uid = $3 WHERE id = $1")
        .bind(mailbox_id)
        .bind(i64::from(uid_validity))
        .bind(i64::from(uid))
        .execute(db)
        .await?;
    Ok(())
}

/// Where a raw message lives in the blob store (apart from files, which
/// the file sweep owns).
pub fn blob_key(practice_id: &str, mailbox_id: &str, message_id: &str) -> String {
    format!("practices/{practice_id}/mail/{mailbox_id}/{message_id}")
}

/// The raw bytes of message `id` if `user` reads its mailbox (`None`: the
/// host's own calls, which read every mailbox); 404 otherwise.
pub async fn read_raw(
    db: &Db,
    blobs: &Blobs,
    practice: &Practice,
    user: Option<&str>,
    id: &str,
) -> Result<Vec<u8>> {
    let row = sqlx::query(
        "SELECT m.blob_key, m.mailbox_id FROM mailbox_messages m WHERE m.practice_id = $1 AND m.id = $2",
    )
    .bind(practice.id())
    .bind(id)
    .fetch_optional(db.pool())
    .await?
    .ok_or(AppError::NotFound("message"))?;
    let key: String = row.try_get("blob_key")?;
    let mailbox_id: String = row.try_get("mailbox_id")?;
    if store::readable_one(db.pool(), practice, user, &mailbox_id)
        .await?
        .is_none()
    {
        return Err(AppError::NotFound("message"));
    }
    let bytes = blobs.read_all(&key).await.map_err(|e| {
        AppError::Internal(anyhow::anyhow!(
            "reading a message from the blob store: {e}"
        ))
    })?;
    Ok(bytes.to_vec())
}
