//! Durable events. An event is written in the same transaction as the change
//! that caused it, together with one delivery row per subscribed module; the
//! job worker delivers each at least once, with retries and backoff, and
//! keeps the last error of every failed attempt.

use sqlx::{Any, Executor};

use crate::db::new_id;
use crate::practices::Practice;

/// Who is subscribed to an event name: the modules' ids. Workers that
/// emit events outside a request (the outbox, the mailbox fetcher) are
/// given one, made from the loaded modules.
pub type Subscribers = std::sync::Arc<dyn Fn(&str) -> Vec<String> + Send + Sync>;

/// Longest event name.
pub const MAX_NAME: usize = immcase_manifest::checks::MAX_EVENT_NAME;

/// Writes an event and a delivery for each of `subscribers` (the modules
/// subscribed to its name); returns the event's id.
pub async fn emit<'s>(
    tx: &mut crate::db::Tx,
    subscribers: impl IntoIterator<Item = &'s str>,
    practice: &Practice,
    name: &str,
    payload: &str,
    source: &str,
    now: i64,
) -> sqlx::Result<String> {
    let id = new_id();
    sqlx::query("INSERT INTO events (id, practice_id, name, payload, source, created_at) VALUES ($1, $2, $3, $4, $5, $6)")
        .bind(&id)
        .bind(practice.id())
        .bind(name)
        .bind(payload)
        .bind(source)
        .bind(now)
        .execute(&mut **tx)
        .await?;
    for subscriber in subscribers {
        insert_delivery(&mut **tx, practice, &id, subscriber, now).await?;
    }
    Ok(id)
}

async fn insert_delivery<'e, E>(
    db: E,
    practice: &Practice,
    event_id: &str,
    subscriber: &str,
    now: i64,
) -> sqlx::Result<()>
where
    E: Executor<'e, Database = Any>,
{
    sqlx::query(
        "INSERT INTO event_deliveries (practice_id, event_id, subscriber, status, attempts, next_attempt_at) \
         VALUES ($1, $2, $3, 'pending', 0, $4)",
    )
    .bind(practice.id())
    .bind(event_id)
    .bind(subscriber)
    .bind(now)
    .execute(db)
    .await?;
    Ok(())
}

/// Whether an event name is well formed: dotted lowercase parts.
pub fn is_valid_name(name: &str) -> bool {
    immcase_manifest::checks::is_event_name(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_names_are_dotted_lowercase() {
        assert!(is_valid_name("notes.created"));
        assert!(is_valid_name("helpdesk.ticket.sla_breached"));
        assert!(!is_valid_name("notes"));
        assert!(!is_valid_name("Notes.Created"));
        assert!(!is_valid_name("notes..x"));
    }
}
