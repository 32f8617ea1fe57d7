//! A practice's retention rule (Settings → Practice, docs/personal-data.md):
//! once none of an applicant's cases is open (each has an outcome) and
//! nothing about them or their cases changed for the practice's number of
//! years, housekeeping moves the applicant, their cases and files to the
//! trash, audited as `applicant.deleted` with the reason; the trash deletes
//! them for good after its own retention, audited again.

use serde_json::json;

use crate::access::{Caller, SignedIn};
use crate::error::Result;
use crate::practices::Practice;
use crate::state::AppState;

/// How many applicants one pass takes per practice (the next pass goes on).
const PER_PASS: i64 = 100;

/// Applies every practice's retention rule; how many applicants went to
/// the trash.
pub async fn apply(state: &AppState) -> Result<usize> {
    let pool = state.db.pool();
    let rules: Vec<(String, i64)> = sqlx::query_as(
        "SELECT practice_id, retention_years FROM practice_settings WHERE retention_years IS NOT NULL",
    )
    .fetch_all(pool)
    .await?;
    let mut deleted = 0;
    for (practice_id, years) in rules {
        let Some(practice) = crate::practices::find_by_id(pool, &practice_id).await? else {
            continue;
        };
        let cutoff = years_before(state.now_ms(), years);
        let due: Vec<String> = sqlx::query_scalar(
            "SELECT a.id FROM applicants a WHERE a.practice_id = $1 AND a.deleted_at IS NULL \
             AND a.updated_at < $2 AND NOT EXISTS (SELECT 1 FROM cases c WHERE c.practice_id = $1 \
             AND c.applicant_id = a.id AND c.deleted_at IS NULL \
             AND (c.outcome IS NULL OR c.updated_at >= $2)) ORDER BY a.id LIMIT $3",
        )
        .bind(&practice_id)
        .bind(cutoff)
        .bind(PER_PASS)
        .fetch_all(pool)
        .await?;
        if due.is_empty() {
            continue;
        }
        let caller = rule(state, &practice, years).await?;
        let reason = json!({ "reason": "retention", "retention_years": years });
        for id in due {
            crate::trash::delete_applicant_because(state, &caller, &id, None, reason.clone())
                .await?;
            deleted += 1;
        }
    }
    Ok(deleted)
}

/// `years` whole years before `now_ms` (on the calendar, in UTC).
fn years_before(now_ms: i64, years: i64) -> i64 {
    let now = jiff::Timestamp::from_millisecond(now_ms).unwrap_or_default();
    now.to_zoned_datetime(jiff::tz::TimeZone::UTC)
        .checked_sub(jiff::Span::new().years(years))
        .map(|then| then.timestamp().as_millisecond())
        .unwrap_or(i64::MIN)
}

/// The identity the rule acts as: the audit log and timelines name it.
async fn rule(state: &AppState, practice: &Practice, years: i64) -> Result<Caller> {
    let zone = crate::practices::time_zone(state.db.pool(), practice.id()).await?;
    Ok(Caller::new(SignedIn {
        practice: practice.clone(),
        user_id: "retention".into(),
        email: "retention rule".into(),
        display_name: format!("Retention rule ({years} years)"),
        time_zone: zone,
        role_ids: Vec::new(),
        permissions: ["applicants.write".to_string()].into_iter().collect(),
        field_rules: Default::default(),
        form_token: String::new(),
        flash: None,
        client_addr: "housekeeping".into(),
        session_hash: String::new(),
        acting: None,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn years_are_counted_on_the_calendar() {
        let at = |s: &str| s.parse::<jiff::Timestamp>().unwrap().as_millisecond();
        assert_eq!(
            years_before(at("2026-12-07T10:00:00Z"), 6),
            at("2020-12-07T10:00:00Z")
        );
        // The 29th of February of a leap year, six years back, is the 28th.
        assert_eq!(
            years_before(at("2028-02-29T00:00:00Z"), 6),
            at("2022-02-28T00:00:00Z")
        );
    }
}
