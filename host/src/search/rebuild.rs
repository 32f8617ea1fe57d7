//! Rebuilding one practice's applicants in this process's index after its
//! searchable fields changed, while search keeps answering.
//!
//! The search worker compares each practice's generation in the database
//! with the one this index recorded (`state::index_generations`) and
//! rebuilds those it is behind on: a batch of applicants at a time, each
//! batch read and put holding the index lock (`applied`), so a search waits
//! for one batch at most and finds the applicants not yet rebuilt as they
//! were (documents are replaced whole; nothing is cleared). Only when every
//! batch is in is the generation recorded, so a process stopped midway
//! starts the practice over. A change of the fields meanwhile starts it
//! over for the new generation. Progress is kept in memory and written to
//! the practice's `search_settings` row.

use std::time::Instant;

use tokio::sync::watch;

use super::settings::{self, generations};
use crate::error::Result;
use crate::practices::{self, Practice};
use crate::state::AppState;
use crate::state::search::RebuildProgress;

/// Rebuilds, one after the other, the practices whose fields changed since
/// this index built their applicants; returns early when `stop` is set.
pub async fn run(state: &AppState, stop: &watch::Receiver<bool>) -> Result<()> {
    loop {
        let wanted = generations(state.db.pool()).await?;
        let next = {
            let built = state
                .search
                .generations
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            built.behind(&wanted).first().map(|(id, _)| id.clone())
        };
        let Some(practice_id) = next else {
            return Ok(());
        };
        let Some(practice) = practices::find_by_id(state.db.pool(), &practice_id).await? else {
            return Ok(());
        };
        if !practice_applicants(state, &practice, stop).await? {
            return Ok(());
        }
    }
}

/// Puts every applicant of `practice` with its searchable fields now, in
/// batches; `true` once done and recorded, `false` when it stopped first
/// (or the index is yet to be built whole, which records every practice).
async fn practice_applicants(
    state: &AppState,
    practice: &Practice,
    stop: &watch::Receiver<bool>,
) -> Result<bool> {
    let pool = state.db.pool();
    let batch = i64::try_from(state.config.search_rebuild_batch.max(1)).unwrap_or(1_000);
    let mut target = settings::find(pool, practice).await?.generation;
    let (mut progress, mut began) = (start(state, practice, target).await?, Instant::now());
    let mut after: Option<String> = None;
    loop {
        if *stop.borrow() {
            return Ok(false);
        }
        let applied = state.search.applied.lock().await;
        if applied.is_none() {
            return Ok(false);
        }
        let fields = settings::find(pool, practice).await?;
        if fields.generation != target {
            // Changed again: start over for the new fields.
            drop(applied);
            target = fields.generation;
            (progress, began) = (start(state, practice, target).await?, Instant::now());
            after = None;
            continue;
        }
        let (docs, last) =
            super::documents::applicant_page(pool, practice, &fields, after.as_deref(), batch)
                .await?;
        let Some(last) = last else {
            // The finish is told before the generation counts as built, so
            // no one reads "idle" without the time it finished.
            progress.finished_at_ms = Some(state.now_ms());
            state.search.report(practice.id(), progress.clone());
            state
                .search
                .generations
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .record(practice.id(), target)?;
            drop(applied);
            settings::report(state, practice, &progress).await?;
            tracing::info!(
                practice = practice.slug(),
                applicants = progress.done,
                "rebuilt the practice's applicants in the search index"
            );
            return Ok(true);
        };
        let count = i64::try_from(docs.len()).unwrap_or(0);
        super::feed::blocking(state, move |index| index.put(&docs)).await?;
        drop(applied);
        after = Some(last);
        progress.done += count;
        progress.total = progress.total.max(progress.done);
        progress.elapsed_ms = i64::try_from(began.elapsed().as_millis()).unwrap_or(i64::MAX);
        settings::report(state, practice, &progress).await?;
    }
}

/// A new rebuild of `practice`'s applicants for `generation`, reported.
async fn start(state: &AppState, practice: &Practice, generation: i64) -> Result<RebuildProgress> {
    let total: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM applicants WHERE practice_id = $1 AND deleted_at IS NULL",
    )
    .bind(practice.id())
    .fetch_one(state.db.pool())
    .await?;
    let progress = RebuildProgress {
        generation,
        done: 0,
        total,
        started_at_ms: state.now_ms(),
        finished_at_ms: None,
        elapsed_ms: 0,
    };
    settings::report(state, practice, &progress).await?;
    Ok(progress)
}
