//! A change to a practice's data: the records, the search queue's rows and
//! the events it causes are written in one transaction; once it commits,
//! the search feed and the job worker are woken so both follow at once.
//! Records, files, the trash and modules all change data this way.

use crate::access::Caller;
use crate::db::Tx;
use crate::error::Result;
pub use crate::events::Cause;
use crate::practices::Practice;
use crate::state::AppState;

/// Queues the record `kind`/`id` for the search index, in the transaction
/// that changed it (the index then catches up with it; see `search::feed`).
/// The queue's row is written as the transaction commits, in commit order
/// (see [`Tx::commit`]).
pub async fn reindex(
    tx: &mut Tx,
    practice: &Practice,
    kind: &str,
    id: &str,
    now: i64,
) -> Result<()> {
    tx.queue_for_search(practice.id(), kind, id, now);
    Ok(())
}

/// Emits the event `name` about a change, in its transaction, with a
/// delivery for each module subscribed to it (and a run for each workflow
/// listening); `cause` names the host, the emitting module or a workflow.
/// Returns the event's id.
pub async fn announce(
    state: &AppState,
    tx: &mut Tx,
    practice: &Practice,
    name: &str,
    payload: &str,
    cause: &Cause,
    now: i64,
) -> Result<String> {
    let id = crate::events::emit(
        tx,
        state.subscribers(name).iter().map(String::as_str),
        practice,
        name,
        payload,
        cause,
        now,
    )
    .await?;
    Ok(id)
}

/// What an event `caller` causes comes from: `source` (`host` or a
/// module's id), or the workflow the caller is, one run further down its
/// chain.
pub fn cause(caller: Option<&Caller>, source: &str) -> Cause {
    match caller.and_then(|c| c.acting.as_ref()) {
        Some(acting) => Cause {
            source: if source == "host" {
                format!("workflow:{}", acting.workflow_id)
            } else {
                source.to_string()
            },
            chain: acting.chain + 1,
        },
        None => Cause::of(source),
    }
}

/// Commits a change, then wakes the search feed and the job worker (which
/// delivers the change's events).
pub async fn commit(state: &AppState, tx: Tx) -> Result<()> {
    tx.commit().await?;
    state.search.wake.notify_one();
    state.jobs_wake.notify_one();
    Ok(())
}
