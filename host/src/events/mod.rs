//! Durable events. An event is written in the same transaction as the change
//! that caused it, together with one delivery row per subscribed module; the
//! job worker delivers each at least once, with retries and backoff, and
//! keeps the last error of every failed attempt.
//!
//! In the same transaction, every active workflow of the practice whose
//! trigger matches the name gets a pending run (`workflow_runs`): a
//! workflow switched off when the event happens never runs it, and one
//! switched on later does not run what came before.

use sqlx::{Any, Executor};

use crate::db::new_id;
use crate::practices::Practice;

/// Who is subscribed to an event name: the modules' ids. Workers that
/// emit events outside a request (the outbox, the mailbox fetcher) are
/// given one, made from the loaded modules.
pub type Subscribers = std::sync::Arc<dyn Fn(&str) -> Vec<String> + Send + Sync>;

/// Longest event name.
pub const MAX_NAME: usize = immcase_manifest::checks::MAX_EVENT_NAME;

/// What caused an event: `host`, a module's id or `workflow:{id}`, and
/// how many workflow runs led to it (`chain`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cause {
    pub source: String,
    pub chain: i64,
}

impl Cause {
    /// The host's own doing (a person's request, a worker).
    pub fn host() -> Cause {
        Cause::of("host")
    }

    /// `source` acting on its own, not for a workflow.
    pub fn of(source: &str) -> Cause {
        Cause {
            source: source.to_string(),
            chain: 0,
        }
    }
}

/// Writes an event and a delivery for each of `subscribers` (the modules
/// subscribed to its name), and a pending run for each active workflow of
/// the practice whose trigger matches it; returns the event's id.
pub async fn emit<'s>(
    tx: &mut crate::db::Tx,
    subscribers: impl IntoIterator<Item = &'s str>,
    practice: &Practice,
    name: &str,
    payload: &str,
    cause: &Cause,
    now: i64,
) -> sqlx::Result<String> {
    let id = new_id();
    sqlx::query("INSERT INTO events (id, practice_id, name, payload, source, created_at, chain) VALUES ($1, $2, $3, $4, $5, $6, $7)")
        .bind(&id)
        .bind(practice.id())
        .bind(name)
        .bind(payload)
        .bind(&cause.source)
        .bind(now)
        .bind(cause.chain)
        .execute(&mut **tx)
        .await?;
    for subscriber in subscribers {
        insert_delivery(&mut **tx, practice, &id, subscriber, now).await?;
    }
    queue_workflow_runs(tx, practice, &id, name, cause.chain, now).await?;
    Ok(id)
}

/// Whether the event `name` matches a workflow's trigger: the same name,
/// or a pattern `prefix.*` for every name below `prefix.`, or `*` for all.
pub fn matches(pattern: &str, name: &str) -> bool {
    match pattern.strip_suffix('*') {
        Some(prefix) => name.len() > prefix.len() && name.starts_with(prefix),
        None => pattern == name,
    }
}

/// Whether `pattern` is an event name, or one ending in `.*`, or `*`.
pub fn is_valid_pattern(pattern: &str) -> bool {
    match pattern.strip_suffix(".*") {
        Some(prefix) => prefix.split('.').all(|part| {
            !part.is_empty()
                && part
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-')
        }),
        None => pattern == "*" || is_valid_name(pattern),
    }
}

/// A pending run for each active event workflow of the practice whose
/// trigger matches `name`.
async fn queue_workflow_runs(
    tx: &mut crate::db::Tx,
    practice: &Practice,
    event_id: &str,
    name: &str,
    chain: i64,
    now: i64,
) -> sqlx::Result<()> {
    let listening: Vec<(String, String, i64)> = sqlx::query_as(
        "SELECT id, trigger_text, version FROM workflows \
         WHERE practice_id = $1 AND active = 1 AND trigger_kind = 'event'",
    )
    .bind(practice.id())
    .fetch_all(&mut **tx)
    .await?;
    for (workflow_id, pattern, version) in listening {
        if !matches(&pattern, name) {
            continue;
        }
        sqlx::query(
            "INSERT INTO workflow_runs (id, practice_id, workflow_id, version, event_id, chain, status, \
             attempts, next_attempt_at, created_at, effects, logs) \
             VALUES ($1, $2, $3, $4, $5, $6, 'pending', 0, $7, $7, '[]', '[]')",
        )
        .bind(new_id())
        .bind(practice.id())
        .bind(&workflow_id)
        .bind(version)
        .bind(event_id)
        .bind(chain)
        .bind(now)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
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

    #[test]
    fn triggers_match_a_name_or_everything_below_a_prefix() {
        assert!(matches("case.stage_changed", "case.stage_changed"));
        assert!(!matches("case.stage_changed", "case.updated"));
        assert!(matches("helpdesk.ticket.*", "helpdesk.ticket.created"));
        assert!(matches("helpdesk.*", "helpdesk.ticket.created"));
        assert!(!matches("helpdesk.ticket.*", "helpdesk.ticket"));
        assert!(!matches("helpdesk.ticket.*", "helpdesk.tickets.created"));
        assert!(matches("*", "case.created"));
        assert!(is_valid_pattern("helpdesk.ticket.*"));
        assert!(is_valid_pattern("case.created"));
        assert!(is_valid_pattern("*"));
        assert!(!is_valid_pattern("helpdesk.*.created"));
        assert!(!is_valid_pattern("Case.*"));
        assert!(!is_valid_pattern(".*"));
    }
}
