//! The practice's daily sending limit. Days are the practice's own (its time
//! zone): a message counts once, against the day it is first handed to the
//! server, by one conditional `UPDATE … WHERE sent < quota`, so several
//! workers never let more through than the limit.

use jiff::Timestamp;
use jiff::tz::TimeZone;
use sqlx::AnyPool;

use crate::error::Result;

/// The practice-local day of `now_ms` (`YYYY-MM-DD`), and when the next one
/// starts (milliseconds).
pub fn day_of(now_ms: i64, time_zone: &str) -> (String, i64) {
    let zone = TimeZone::get(time_zone).unwrap_or(TimeZone::UTC);
    let now = Timestamp::from_millisecond(now_ms)
        .unwrap_or(Timestamp::UNIX_EPOCH)
        .to_zoned_datetime(zone.clone());
    let date = now.date();
    let next = date
        .tomorrow()
        .ok()
        .and_then(|d| d.to_zoned_datetime(zone).ok())
        .map(|z| z.timestamp().as_millisecond())
        .unwrap_or(now_ms + 86_400_000);
    (date.to_string(), next)
}

/// Counts one message against `day` if the day has room under `quota`;
/// whether it did.
pub async fn take(pool: &AnyPool, practice_id: &str, day: &str, quota: i64) -> Result<bool> {
    sqlx::query(
        "INSERT INTO mail_quota_days (practice_id, day, sent) VALUES ($1, $2, 0) \
         ON CONFLICT (practice_id, day) DO NOTHING",
    )
    .bind(practice_id)
    .bind(day)
    .execute(pool)
    .await?;
    let counted = sqlx::query(
        "UPDATE mail_quota_days SET sent = sent + 1 WHERE practice_id = $1 AND day = $2 AND sent < $3",
    )
    .bind(practice_id)
    .bind(day)
    .bind(quota)
    .execute(pool)
    .await?
    .rows_affected();
    Ok(counted == 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_are_the_practices_own() {
        // 2026-03-08 03:30 UTC is still the 7th in Toronto (22:30, EST).
        let t = Timestamp::from_second(1_772_940_600)
            .unwrap()
            .as_millisecond();
        let (day, next) = day_of(t, "America/Toronto");
        assert_eq!(day, "2026-03-07");
        // The 8th starts at 05:00 UTC in Toronto.
        assert_eq!(
            Timestamp::from_millisecond(next).unwrap().to_string(),
            "2026-03-08T05:00:00Z"
        );
        let (day, _) = day_of(t, "UTC");
        assert_eq!(day, "2026-03-08");
    }
}
