//! Settings → Search (`GET|PUT /api/v1/search/settings`): which of an
//! applicant's fields the practice's search finds them by. Kept by holders
//! of `settings.manage`; every change is audited as
//! `search.settings_updated` with the fields before and after, and moves
//! the practice's *generation* on: each server process then rebuilds the
//! practice's applicants in its own index, online (`rebuild`), and the
//! answer says how far this process has come.

use serde::{Deserialize, Serialize};
use serde_json::json;
use sqlx::{Any, Executor, Row};
use utoipa::ToSchema;

use crate::access::Caller;
use crate::audit;
use crate::clock::rfc3339;
use crate::error::{AppError, Result};
use crate::practices::Practice;
use crate::state::AppState;
use crate::state::search::RebuildProgress;

/// The permission that keeps them.
pub const MANAGE: &str = "settings.manage";

/// The applicant fields search may find applicants by, in the order pages
/// show them: name, label, and what searching by it finds.
pub const APPLICANT_FIELDS: [(&str, &str, &str); 6] = [
    (
        "given_name",
        "Given name",
        "Finds an applicant by a given name, also misspelt by a letter or two.",
    ),
    (
        "family_name",
        "Family name",
        "Finds an applicant by their family name, also misspelt by a letter or two.",
    ),
    (
        "other_names",
        "Other names",
        "Finds an applicant by a former or alternative name, such as a name before marriage.",
    ),
    (
        "emails",
        "Email addresses",
        "Finds an applicant by any of their email addresses, or its beginning.",
    ),
    (
        "phones",
        "Phone numbers",
        "Finds an applicant by a phone number, or any run of 4 or more of its last digits.",
    ),
    (
        "passport_number",
        "Passport number",
        "Finds an applicant by their passport number, or its last 4 or more characters.",
    ),
];

/// The practice's search settings as saved.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct SearchSettings {
    /// The applicant fields search finds applicants by, in this order:
    /// `given_name`, `family_name`, `other_names`, `emails`, `phones`,
    /// `passport_number` (all of them until changed).
    pub applicant_fields: Vec<String>,
    pub version: i64,
    /// Goes up with each change of the fields; every server process
    /// rebuilds the practice's applicants in its index for the new one.
    pub generation: i64,
}

impl SearchSettings {
    /// Whether applicants are found by `field` (a name of
    /// [`APPLICANT_FIELDS`]).
    pub fn finds(&self, field: &str) -> bool {
        self.applicant_fields.iter().any(|f| f == field)
    }

    fn all() -> SearchSettings {
        SearchSettings {
            applicant_fields: APPLICANT_FIELDS
                .iter()
                .map(|(f, _, _)| f.to_string())
                .collect(),
            version: 1,
            generation: 0,
        }
    }
}

/// The fields to search by from now on.
#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
pub struct SearchSettingsChange {
    /// At least one of the field names.
    pub applicant_fields: Option<Vec<String>>,
    /// The version being changed (or send `If-Match`).
    pub version: Option<i64>,
}

/// The settings, and how far this process's index is with them.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct SearchSettingsView {
    #[serde(flatten)]
    pub settings: SearchSettings,
    pub rebuild: RebuildView,
}

/// The rebuild of the practice's applicants after a change, as the server
/// answering sees it (each server process has an index of its own).
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct RebuildView {
    /// `rebuilding` until this process's index holds every applicant as
    /// the fields now say, then `idle`. Searches keep answering meanwhile,
    /// from the applicants not yet rebuilt as they were.
    pub state: &'static str,
    /// Applicants rebuilt, of how many.
    pub done: i64,
    pub total: i64,
    /// Applicants per second; `null` before the first batch.
    pub rate_per_second: Option<f64>,
    /// A guess from the rate, while rebuilding.
    pub seconds_left: Option<i64>,
    pub started_at: Option<String>,
    pub finished_at: Option<String>,
}

impl RebuildView {
    pub fn is_rebuilding(&self) -> bool {
        self.state == "rebuilding"
    }
}

/// The label of an applicant field, as pages and the audit log give it.
pub fn label(field: &str) -> &str {
    APPLICANT_FIELDS
        .iter()
        .find(|(f, _, _)| *f == field)
        .map(|(_, l, _)| *l)
        .unwrap_or(field)
}

/// The practice's search settings; every field for a practice that never
/// saved them.
pub async fn find<'e, E>(db: E, practice: &Practice) -> Result<SearchSettings>
where
    E: Executor<'e, Database = Any>,
{
    let row = sqlx::query(
        "SELECT applicant_fields, version, generation FROM search_settings WHERE practice_id = $1",
    )
    .bind(practice.id())
    .fetch_optional(db)
    .await?;
    let Some(row) = row else {
        return Ok(SearchSettings::all());
    };
    let text: String = row.try_get("applicant_fields")?;
    let stored: Vec<String> = serde_json::from_str(&text)
        .map_err(|e| anyhow::anyhow!("the stored searchable fields are not a list: {e}"))?;
    Ok(SearchSettings {
        // In the pages' order, whatever was stored.
        applicant_fields: in_order(&stored),
        version: row.try_get("version")?,
        generation: row.try_get("generation")?,
    })
}

fn in_order(fields: &[String]) -> Vec<String> {
    APPLICANT_FIELDS
        .iter()
        .map(|(f, _, _)| *f)
        .filter(|f| fields.iter().any(|g| g == f))
        .map(str::to_string)
        .collect()
}

/// Every practice's generation now, for the rebuild to compare with its
/// index (practices that never changed their fields are at 0 and left out).
pub async fn generations(db: &sqlx::AnyPool) -> Result<Vec<(String, i64)>> {
    let rows = sqlx::query(
        "SELECT practice_id, generation FROM search_settings WHERE generation > 0 ORDER BY practice_id",
    )
    .fetch_all(db)
    .await?;
    rows.iter()
        .map(|r| Ok((r.try_get("practice_id")?, r.try_get("generation")?)))
        .collect()
}

/// Checks the fields asked for: known names only (the unknown ones are
/// named), at least one; the fields in the pages' order.
pub fn checked_fields(asked: Option<&[String]>) -> Result<Vec<String>> {
    let field = "applicant_fields";
    let names = APPLICANT_FIELDS
        .iter()
        .map(|(f, _, _)| *f)
        .collect::<Vec<_>>()
        .join(", ");
    let Some(asked) = asked else {
        return Err(AppError::field(
            field,
            format!("name the fields to search by, from {names}"),
        ));
    };
    let unknown: Vec<&str> = asked
        .iter()
        .map(|f| f.trim())
        .filter(|f| !APPLICANT_FIELDS.iter().any(|(known, _, _)| known == f))
        .collect();
    if !unknown.is_empty() {
        return Err(AppError::field(
            field,
            format!(
                "there is no applicant field {}: use {names}",
                unknown.join(", ")
            ),
        ));
    }
    let fields = in_order(
        &asked
            .iter()
            .map(|f| f.trim().to_string())
            .collect::<Vec<_>>(),
    );
    if fields.is_empty() {
        return Err(AppError::field(
            field,
            "choose at least one field; with none, search would find no applicant",
        ));
    }
    Ok(fields)
}

/// The settings and this process's rebuild (needs `settings.manage`).
pub async fn read(state: &AppState, caller: &Caller) -> Result<SearchSettingsView> {
    caller.require(MANAGE)?;
    view(state, &caller.practice).await
}

/// The settings of `practice` and how far this process's index is with them.
pub async fn view(state: &AppState, practice: &Practice) -> Result<SearchSettingsView> {
    let settings = find(state.db.pool(), practice).await?;
    let rebuilding = state.search.built_generation(practice.id()) < settings.generation;
    let mine = state
        .search
        .progress(practice.id())
        .filter(|p| p.generation == settings.generation);
    let progress = match mine {
        Some(p) => Some(p),
        None => reported(state.db.pool(), practice)
            .await?
            .filter(|p| p.generation == settings.generation)
            // Another process finished; this one has yet to start.
            .filter(|p| !(rebuilding && p.finished_at_ms.is_some())),
    };
    Ok(SearchSettingsView {
        rebuild: rebuild_view(rebuilding, progress.as_ref()),
        settings,
    })
}

fn rebuild_view(rebuilding: bool, progress: Option<&RebuildProgress>) -> RebuildView {
    let Some(p) = progress else {
        return RebuildView {
            state: if rebuilding { "rebuilding" } else { "idle" },
            done: 0,
            total: 0,
            rate_per_second: None,
            seconds_left: None,
            started_at: None,
            finished_at: None,
        };
    };
    let left = (p.total - p.done).max(0);
    let seconds_left = p
        .rate()
        .filter(|r| rebuilding && *r > 0.0)
        // Whole seconds, rounded up; the cast saturates.
        .map(|r| (left as f64 / r).ceil() as i64);
    RebuildView {
        state: if rebuilding { "rebuilding" } else { "idle" },
        done: p.done,
        total: p.total.max(p.done),
        rate_per_second: p.rate().map(|r| (r * 10.0).round() / 10.0),
        seconds_left,
        started_at: Some(rfc3339(p.started_at_ms)),
        finished_at: p.finished_at_ms.filter(|_| !rebuilding).map(rfc3339),
    }
}

/// The progress last written to the database by a process rebuilding the
/// practice's applicants.
async fn reported(db: &sqlx::AnyPool, practice: &Practice) -> Result<Option<RebuildProgress>> {
    let row = sqlx::query(
        "SELECT rebuild_generation, rebuild_done, rebuild_total, rebuild_elapsed_ms, rebuild_started_at, \
         rebuild_finished_at FROM search_settings WHERE practice_id = $1",
    )
    .bind(practice.id())
    .fetch_optional(db)
    .await?;
    let Some(row) = row else {
        return Ok(None);
    };
    let generation: Option<i64> = row.try_get("rebuild_generation")?;
    let started: Option<i64> = row.try_get("rebuild_started_at")?;
    let (Some(generation), Some(started_at_ms)) = (generation, started) else {
        return Ok(None);
    };
    Ok(Some(RebuildProgress {
        generation,
        done: row.try_get("rebuild_done")?,
        total: row.try_get("rebuild_total")?,
        started_at_ms,
        finished_at_ms: row.try_get("rebuild_finished_at")?,
        elapsed_ms: row.try_get("rebuild_elapsed_ms")?,
    }))
}

/// Writes this process's progress where every process (and page) sees it,
/// unless the fields changed again since.
pub(super) async fn report(
    state: &AppState,
    practice: &Practice,
    progress: &RebuildProgress,
) -> Result<()> {
    state.search.report(practice.id(), progress.clone());
    sqlx::query(
        "UPDATE search_settings SET rebuild_generation = $2, rebuild_done = $3, rebuild_total = $4, \
         rebuild_elapsed_ms = $5, rebuild_started_at = $6, rebuild_finished_at = $7 \
         WHERE practice_id = $1 AND generation = $2",
    )
    .bind(practice.id())
    .bind(progress.generation)
    .bind(progress.done)
    .bind(progress.total)
    .bind(progress.elapsed_ms)
    .bind(progress.started_at_ms)
    .bind(progress.finished_at_ms)
    .execute(state.db.pool())
    .await?;
    Ok(())
}

/// Changes the fields search finds applicants by, from `version`: refused
/// with 409 (and the settings now) when someone saved since, with 422 when
/// no field or an unknown one is asked for. A change is audited as
/// `search.settings_updated` and starts the rebuild of the practice's
/// applicants in every process's index.
pub async fn update(
    state: &AppState,
    caller: &Caller,
    version: i64,
    change: &SearchSettingsChange,
) -> Result<SearchSettingsView> {
    caller.require(MANAGE)?;
    let fields = checked_fields(change.applicant_fields.as_deref())?;
    let practice = &caller.practice;
    let now = state.now_ms();
    let mut tx = state.db.begin().await?;
    let before = find(&mut *tx, practice).await?;
    let stale = |current: &SearchSettings| AppError::Conflict {
        message: format!(
            "the searchable fields were changed by someone else (now at version {}); review them and try again",
            current.version
        ),
        current: serde_json::to_value(current).ok(),
    };
    if before.version != version {
        return Err(stale(&before));
    }
    if fields == before.applicant_fields {
        drop(tx);
        return view(state, practice).await;
    }
    let all = serde_json::to_string(&SearchSettings::all().applicant_fields)
        .map_err(|e| anyhow::anyhow!("writing the searchable fields: {e}"))?;
    sqlx::query(
        "INSERT INTO search_settings (practice_id, applicant_fields, version, generation, updated_at) \
         VALUES ($1, $2, 1, 0, $3) ON CONFLICT (practice_id) DO NOTHING",
    )
    .bind(practice.id())
    .bind(&all)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    let chosen = serde_json::to_string(&fields)
        .map_err(|e| anyhow::anyhow!("writing the searchable fields: {e}"))?;
    // The progress of an earlier rebuild no longer applies.
    let written = sqlx::query(
        "UPDATE search_settings SET applicant_fields = $3, version = version + 1, \
         generation = generation + 1, updated_at = $4, rebuild_generation = NULL, rebuild_done = 0, \
         rebuild_total = 0, rebuild_elapsed_ms = 0, rebuild_started_at = NULL, rebuild_finished_at = NULL \
         WHERE practice_id = $1 AND version = $2",
    )
    .bind(practice.id())
    .bind(version)
    .bind(&chosen)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    if written.rows_affected() == 0 {
        return Err(stale(&find(&mut *tx, practice).await?));
    }
    let after = find(&mut *tx, practice).await?;
    let details = json!({
        "before": { "applicant_fields": before.applicant_fields },
        "after": { "applicant_fields": after.applicant_fields },
        "generation": after.generation,
    });
    let entry = audit::Entry::by(
        caller,
        "search.settings_updated",
        format!("practice:{}", practice.id()),
        details,
    );
    audit::record(&mut *tx, practice, now, entry).await?;
    // Commits, and wakes this process's search worker to start at once.
    crate::change::commit(state, tx).await?;
    view(state, practice).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refusal(asked: Option<&[String]>) -> String {
        match checked_fields(asked) {
            Err(AppError::Invalid { fields, .. }) => fields["applicant_fields"].clone(),
            other => panic!("{other:?}"),
        }
    }

    fn names(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn fields_are_known_names_at_least_one_in_the_pages_order() {
        let asked = names(&["passport_number", " given_name", "given_name"]);
        assert_eq!(
            checked_fields(Some(&asked)).unwrap(),
            ["given_name", "passport_number"]
        );
        let unknown = refusal(Some(&names(&["given_name", "shoe_size", "salary"])));
        assert!(
            unknown.starts_with("there is no applicant field shoe_size, salary"),
            "{unknown}"
        );
        assert!(unknown.contains("passport_number"), "the names to use");
        assert!(refusal(Some(&[])).contains("at least one"));
        assert!(refusal(None).contains("name the fields"));
    }

    #[test]
    fn the_rebuild_is_told_in_numbers_a_person_can_use() {
        let running = RebuildProgress {
            generation: 2,
            done: 400,
            total: 1000,
            started_at_ms: 1_700_000_000_000,
            finished_at_ms: None,
            elapsed_ms: 3000,
        };
        let shown = rebuild_view(true, Some(&running));
        assert_eq!(shown.state, "rebuilding");
        assert_eq!(shown.rate_per_second, Some(133.3));
        assert_eq!(shown.seconds_left, Some(5), "600 left at 133 a second");
        let waiting = rebuild_view(true, None);
        assert_eq!(
            (waiting.done, waiting.total, waiting.seconds_left),
            (0, 0, None)
        );
        let finished = RebuildProgress {
            done: 1010,
            finished_at_ms: Some(1_700_000_008_000),
            ..running
        };
        let shown = rebuild_view(false, Some(&finished));
        assert_eq!(shown.state, "idle");
        assert_eq!(
            (shown.done, shown.total),
            (1010, 1010),
            "more came meanwhile"
        );
        assert_eq!(shown.seconds_left, None);
        assert!(shown.finished_at.is_some());
        let told_early = rebuild_view(true, Some(&finished));
        assert_eq!(told_early.state, "rebuilding");
        assert_eq!(
            told_early.finished_at, None,
            "not finished while rebuilding"
        );
    }
}
