//! Feeding the index from the durable queue. A change to a searchable record
//! writes a `search_queue` row in its own transaction (`change::reindex`),
//! numbered (`commit_order`) in the order of the commits (see
//! `db::Tx::commit`), so no row ever appears behind a position already
//! passed; each server process applies the rows past its position to its
//! index and keeps the position in a file beside the index, written after
//! the index commit (applying a row twice is harmless: documents are
//! replaced whole). The worker applies each change as soon as it commits
//! here, and others' every few seconds; a search first waits until its
//! practice's last change is in, so a committed record is always findable.
//! Without a position (a new or unreadable index) the index is rebuilt from
//! the records themselves (and the installed modules' own documents), which
//! `immcase reindex` also does.

use std::collections::{BTreeMap, BTreeSet};

use sqlx::Row;

use crate::error::Result;
use crate::practices::{self};
use crate::state::AppState;
use immcase_search_index::{SearchDoc, SearchIndex};

/// Queue rows applied per batch.
const BATCH: i64 = 500;

/// Runs `change` on the index off the async threads.
pub(super) async fn blocking<T: Send + 'static>(
    state: &AppState,
    change: impl FnOnce(&SearchIndex) -> std::result::Result<T, immcase_search_index::SearchError>
    + Send
    + 'static,
) -> Result<T> {
    let search = state.search.clone();
    tokio::task::spawn_blocking(move || change(&search.index))
        .await
        .map_err(|e| anyhow::anyhow!("search task: {e}"))?
        .map_err(|e| anyhow::anyhow!("search index: {e}").into())
}

/// Applies every change queued by now past this process's position
/// (rebuilding first when there is no position): the background worker's
/// pass. The
/// queue and the records are every practice's: it runs on the system path
/// (`db::scope`).
pub async fn catch_up(state: &AppState) -> Result<()> {
    let state = state.clone();
    crate::db::scope::as_system(async move {
        // Up to the queue's end as it is now: changes committed meanwhile
        // wait for the next pass instead of making this one commit again
        // and again.
        let end: Option<i64> = sqlx::query_scalar("SELECT MAX(commit_order) FROM search_queue")
            .fetch_one(state.db.pool())
            .await?;
        let mut applied = state.search.applied.lock().await;
        apply(&state, &mut applied, end.unwrap_or(0)).await
    })
    .await
}

/// Returns once the index holds every change of `practice_id`'s records
/// committed before it was called, so a search finds what was just
/// written. The queue's rows follow the order their changes committed, so
/// that is the position of the practice's last row; often the index is
/// already past it (other practices' changes do not count), and the search
/// does not wait at all. Else it asks the worker for a pass and waits for
/// it: searches waiting together cost one pass, and one index commit, not
/// one each. Without a worker (commands, tools) it applies the queue itself.
pub async fn catch_up_for(state: &AppState, practice_id: &str) -> Result<()> {
    let state = state.clone();
    let practice_id = practice_id.to_string();
    crate::db::scope::as_system(async move {
        let wanted: Option<i64> = sqlx::query_scalar(
            "SELECT commit_order FROM search_queue WHERE practice_id = $1 AND commit_order IS NOT NULL \
             ORDER BY commit_order DESC LIMIT 1",
        )
        .bind(&practice_id)
        .fetch_optional(state.db.pool())
        .await?;
        // Built, and holding that position (or the practice has no change
        // queued at all).
        let holds = |reached: Option<i64>| match (reached, wanted) {
            (Some(reached), Some(wanted)) => reached >= wanted,
            (Some(_), None) => true,
            (None, _) => false,
        };
        let mut reached = state.search.reached.subscribe();
        if holds(*reached.borrow_and_update()) {
            return Ok(());
        }
        if state
            .search
            .worker
            .load(std::sync::atomic::Ordering::Acquire)
        {
            state.search.asked.notify_one();
            // Until a pass has it in; a pass that began before this search
            // asked is followed by another. A worker that stays silent
            // (failing on each pass) leaves the search to try itself, and
            // answer with what went wrong.
            while let Ok(changed) = tokio::time::timeout(ASKED_WAIT, reached.changed()).await {
                // The sender lives as long as the state.
                changed.map_err(|e| anyhow::anyhow!("search position: {e}"))?;
                if holds(*reached.borrow_and_update()) {
                    return Ok(());
                }
            }
        }
        let mut applied = state.search.applied.lock().await;
        if holds(*applied) {
            return Ok(());
        }
        apply(&state, &mut applied, wanted.unwrap_or(0)).await
    })
    .await
}

/// How long a search waits for the worker's pass to move at all before it
/// applies the queue itself.
const ASKED_WAIT: std::time::Duration = std::time::Duration::from_secs(5);

/// Applies queued changes past `applied` (rebuilding first when there is
/// none) in batches, each one commit of the index, until the position
/// `until` is in.
async fn apply(state: &AppState, applied: &mut Option<i64>, until: i64) -> Result<()> {
    let mut position = match *applied {
        Some(p) => p,
        None => {
            let built = rebuild_locked(state, logged()).await?;
            *applied = Some(built);
            built
        }
    };
    while position < until {
        let rows = sqlx::query(
            "SELECT commit_order, practice_id, kind, record_id FROM search_queue WHERE commit_order > $1 \
             ORDER BY commit_order LIMIT $2",
        )
        .bind(position)
        .bind(BATCH)
        .fetch_all(state.db.pool())
        .await?;
        let Some(last) = rows.last() else {
            break;
        };
        let last: i64 = last.try_get("commit_order")?;
        // Each record once, however often it changed in the batch: its
        // document is built as the record is now.
        let mut changed: BTreeMap<(String, String), BTreeSet<String>> = BTreeMap::new();
        for row in &rows {
            changed
                .entry((row.try_get("practice_id")?, row.try_get("kind")?))
                .or_default()
                .insert(row.try_get("record_id")?);
        }
        let (put, gone) = documents(state, changed).await?;
        blocking(state, move |index| index.apply(&put, &gone)).await?;
        state.search.save_position(last)?;
        position = last;
        *applied = Some(position);
    }
    Ok(())
}

/// The documents of the changed records of each practice and kind as they
/// are now, read on one connection in a few queries per practice and kind;
/// and those gone (deleted, in the trash, of a practice that is gone).
async fn documents(
    state: &AppState,
    changed: BTreeMap<(String, String), BTreeSet<String>>,
) -> Result<(Vec<SearchDoc>, Vec<(String, String, String)>)> {
    let mut conn = state.db.pool().acquire().await?;
    let (mut put, mut gone) = (Vec::new(), Vec::new());
    for ((practice_id, kind), ids) in changed {
        let ids: Vec<String> = ids.into_iter().collect();
        // Known practices come from memory.
        let docs = match state.practice_by_id(&practice_id).await? {
            Some(practice) => {
                crate::search::documents::many(&mut conn, &practice, &kind, &ids).await?
            }
            None => Vec::new(),
        };
        let found: BTreeSet<&str> = docs.iter().map(|d| d.id.as_str()).collect();
        gone.extend(
            ids.iter()
                .filter(|id| !found.contains(id.as_str()))
                .map(|id| (practice_id.clone(), kind.clone(), id.clone())),
        );
        put.extend(docs);
    }
    Ok((put, gone))
}

/// Records read per query when rebuilding the whole index.
const REBUILD_PAGE: i64 = 2_000;

/// How far a rebuild of the whole index is: records put, of how many, since
/// when.
#[derive(Clone, Copy, Debug)]
pub struct RebuildProgress {
    pub done: u64,
    pub total: u64,
    pub started: std::time::Instant,
}

impl RebuildProgress {
    /// Records per second so far.
    pub fn rate(&self) -> f64 {
        let seconds = self.started.elapsed().as_secs_f64();
        if seconds > 0.0 {
            self.done as f64 / seconds
        } else {
            0.0
        }
    }

    /// Seconds left at the rate so far, once there is one.
    pub fn seconds_left(&self) -> Option<f64> {
        let rate = self.rate();
        (rate > 0.0).then(|| self.total.saturating_sub(self.done) as f64 / rate)
    }

    /// `120,000 of 1,000,000 records, 25,000/s, about 35 s left`.
    pub fn words(&self) -> String {
        let left = self
            .seconds_left()
            .map(|s| format!(", about {s:.0} s left"))
            .unwrap_or_default();
        let count = |n: u64| thousands(i64::try_from(n).unwrap_or(i64::MAX));
        format!(
            "{} of {} records, {}/s{left}",
            count(self.done),
            count(self.total),
            count(self.rate().round() as u64)
        )
    }
}

/// A reporter that shows how far a rebuild is with `show`, at most once per
/// `every`, and always the last time.
pub fn now_and_then(
    every: std::time::Duration,
    mut show: impl FnMut(&RebuildProgress),
) -> impl FnMut(&RebuildProgress) {
    let mut last: Option<std::time::Instant> = None;
    move |progress| {
        let due = last.is_none_or(|at| at.elapsed() >= every);
        if due || progress.done == progress.total {
            last = Some(std::time::Instant::now());
            show(progress);
        }
    }
}

/// A reporter that logs how far a rebuild is, every few seconds.
fn logged() -> impl FnMut(&RebuildProgress) {
    now_and_then(std::time::Duration::from_secs(5), |progress| {
        tracing::info!("rebuilding the search index: {}", progress.words());
    })
}

/// `1234567` as `1,234,567` (rebuilds' progress, here and on Settings →
/// Search).
pub fn thousands(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if n < 0 {
        out.push('-');
    }
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Rebuilds the index from every practice's records; returns how many
/// applicants it holds. Holds the position lock, so searches wait.
pub async fn rebuild(state: &AppState) -> Result<usize> {
    rebuild_reporting(state, |_| {}).await
}

/// [`rebuild`], telling `report` how far it is after each page of records.
pub async fn rebuild_reporting(
    state: &AppState,
    report: impl FnMut(&RebuildProgress),
) -> Result<usize> {
    let mut applied = state.search.applied.lock().await;
    *applied = None;
    let position = rebuild_locked(state, report).await?;
    *applied = Some(position);
    let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM applicants WHERE deleted_at IS NULL")
        .fetch_one(state.db.pool())
        .await?;
    Ok(usize::try_from(count).unwrap_or(0))
}

/// How many records of `kinds` the practices hold: what a rebuild puts.
async fn records_to_index(state: &AppState, kinds: &[String]) -> Result<u64> {
    let mut total = 0i64;
    for kind in kinds {
        let count: i64 = match kind.strip_prefix(crate::access::permissions::MODULE_PREFIX) {
            Some(module) => {
                sqlx::query_scalar(
                    "SELECT COUNT(*) FROM module_search_documents WHERE module_id = $1",
                )
                .bind(module)
                .fetch_one(state.db.pool())
                .await?
            }
            None => {
                let sql = match kind.as_str() {
                    "applicant" => "SELECT COUNT(*) FROM applicants WHERE deleted_at IS NULL",
                    "case" => "SELECT COUNT(*) FROM cases WHERE deleted_at IS NULL",
                    _ => {
                        "SELECT COUNT(*) FROM files WHERE deleted_at IS NULL \
                         AND owner_kind IN ('applicant', 'case')"
                    }
                };
                sqlx::query_scalar(sql).fetch_one(state.db.pool()).await?
            }
        };
        total += count;
    }
    Ok(u64::try_from(total).unwrap_or(0))
}

async fn rebuild_locked(state: &AppState, mut report: impl FnMut(&RebuildProgress)) -> Result<i64> {
    // Searches wait until it is done, instead of reading a half-built index.
    state.search.reached.send_replace(None);
    // The position is read first: changes after it are applied on top.
    let position: Option<i64> = sqlx::query_scalar("SELECT MAX(commit_order) FROM search_queue")
        .fetch_one(state.db.pool())
        .await?;
    let position = position.unwrap_or(0);
    blocking(state, |index| index.clear()).await?;
    // Host records, then the documents of every installed module that may
    // have some (those of a module disabled in a practice stay indexed; a
    // search leaves them out).
    let kinds: Vec<String> = crate::search::documents::SEARCH_KINDS
        .iter()
        .map(|k| k.to_string())
        .chain(
            state
                .modules
                .now()
                .modules
                .values()
                .filter(|m| m.manifest.capabilities.search)
                .map(|m| crate::search::module_docs::kind(&m.manifest.id)),
        )
        .collect();
    let mut progress = RebuildProgress {
        done: 0,
        total: records_to_index(state, &kinds).await?,
        started: std::time::Instant::now(),
    };
    report(&progress);
    // Each practice's applicants are put with its searchable fields as of
    // its generation read here; a change after that is newer than what is
    // recorded, so `rebuild` redoes the practice.
    let mut generations = std::collections::BTreeMap::new();
    for practice in practices::all(state.db.pool()).await? {
        let fields = crate::search::settings::find(state.db.pool(), &practice).await?;
        generations.insert(practice.id().to_string(), fields.generation);
        for kind in &kinds {
            let mut after: Option<String> = None;
            loop {
                let pool = state.db.pool();
                let (docs, last) = crate::search::documents::page(
                    pool,
                    &practice,
                    kind,
                    after.as_deref(),
                    REBUILD_PAGE,
                )
                .await?;
                let Some(last) = last else {
                    break;
                };
                // Added without a commit per page: the index's own threads
                // index them while the next page is read.
                let count = docs.len() as u64;
                // The index was cleared: nothing to replace.
                blocking(state, move |index| index.add_new(&docs)).await?;
                after = Some(last);
                progress.done += count;
                progress.total = progress.total.max(progress.done);
                report(&progress);
            }
        }
    }
    blocking(state, |index| index.commit()).await?;
    state.search.save_position(position)?;
    state
        .search
        .generations
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .replace_all(generations)?;
    Ok(position)
}

/// How often the worker applies changes committed by other processes
/// (other hosts, commands) when no search asks for them. Each pass is an
/// index commit, and commits cost the disk more than the changes
/// themselves: passes are paced, and a search that must find a change asks
/// for one (see [`catch_up_for`]).
const PACE: std::time::Duration = std::time::Duration::from_millis(1_000);

/// How soon after a pass the worker applies a change made here.
const WOKEN_PACE: std::time::Duration = std::time::Duration::from_millis(250);

/// The least time between two passes asked for by searches: those asking
/// meanwhile share the next pass.
const ASKED_PACE: std::time::Duration = std::time::Duration::from_millis(20);

/// Keeps the index caught up in the background, a pass at a time: soon
/// when a search asks, within [`WOKEN_PACE`] of a change made here, within
/// [`PACE`] of one made by another process; then rebuilds the applicants
/// of practices whose searchable fields changed.
pub async fn run_worker(state: AppState, mut stop: tokio::sync::watch::Receiver<bool>) {
    /// Marks the worker as running for as long as it is.
    struct Running<'a>(&'a std::sync::atomic::AtomicBool);
    impl Drop for Running<'_> {
        fn drop(&mut self) {
            self.0.store(false, std::sync::atomic::Ordering::Release);
        }
    }
    state
        .search
        .worker
        .store(true, std::sync::atomic::Ordering::Release);
    let _running = Running(&state.search.worker);
    loop {
        let began = tokio::time::Instant::now();
        if let Err(e) = catch_up(&state).await {
            tracing::warn!(error = %e, "the search index could not catch up; retrying");
        } else if let Err(e) = crate::search::rebuild::run(&state, &stop).await {
            tracing::warn!(error = %e, "rebuilding practices' applicants in the search index failed; retrying");
        }
        let next = tokio::select! {
            _ = state.search.asked.notified() => began + ASKED_PACE,
            _ = state.search.wake.notified() => began + WOKEN_PACE,
            _ = tokio::time::sleep_until(began + PACE) => began + PACE,
            _ = stop.changed() => return,
        };
        // Until then, a search that asks brings the pass forward.
        tokio::select! {
            _ = state.search.asked.notified(), if next > began + ASKED_PACE => {
                tokio::time::sleep_until(began + ASKED_PACE).await;
            }
            _ = tokio::time::sleep_until(next) => {}
            _ = stop.changed() => return,
        }
    }
}
