//! Instants, zones and the way people read them.
//!
//! An event keeps its instants (milliseconds since the epoch, UTC) and the
//! IANA zone it was entered in. Each person reads it in their profile's
//! zone; an all-day event is a date, the same date for everyone.
//!
//! Local times that do not exist (the hour skipped when clocks go forward)
//! and local times that happen twice (the hour repeated when they go back)
//! are read as RFC 5545 says: a skipped 2:30 is 3:30 in the new offset, and
//! a repeated 1:30 is the first one.

use jiff::civil::{Date, DateTime, Time};
use jiff::tz::TimeZone;
use jiff::{Timestamp, ToSpan};

pub const MINUTE: i64 = 60_000;
pub const HOUR: i64 = 60 * MINUTE;
pub const DAY: i64 = 24 * HOUR;

/// The zone named `name` (IANA, from the bundled database).
pub fn zone(name: &str) -> Result<TimeZone, String> {
    TimeZone::get(name).map_err(|_| {
        format!("{name:?} is not a time zone we know (use an IANA name such as America/Toronto)")
    })
}

/// The zone `name`, or UTC when it is not one (a profile saved long ago).
pub fn zone_or_utc(name: &str) -> TimeZone {
    TimeZone::get(name).unwrap_or(TimeZone::UTC)
}

fn timestamp(at: i64) -> Timestamp {
    Timestamp::from_millisecond(at).unwrap_or(Timestamp::UNIX_EPOCH)
}

/// The wall-clock time of `at` in `tz`.
pub fn local(at: i64, tz: &TimeZone) -> DateTime {
    timestamp(at).to_zoned_datetime(tz.clone()).datetime()
}

/// The date of `at` in `tz`.
pub fn date_of(at: i64, tz: &TimeZone) -> Date {
    local(at, tz).date()
}

/// The instant of the wall-clock time `local` in `tz` (RFC 5545 rules for
/// skipped and repeated times).
pub fn instant(local: DateTime, tz: &TimeZone) -> i64 {
    local
        .to_zoned_datetime(tz.clone())
        .map(|z| z.timestamp().as_millisecond())
        .unwrap_or_else(|_| {
            local
                .to_zoned_datetime(TimeZone::UTC)
                .map(|z| z.timestamp().as_millisecond())
                .unwrap_or(0)
        })
}

/// Midnight at the start of `date` in `tz`.
pub fn day_start(date: Date, tz: &TimeZone) -> i64 {
    instant(date.to_datetime(Time::midnight()), tz)
}

/// The day after `date`.
pub fn next_day(date: Date) -> Date {
    date.checked_add(1.day()).unwrap_or(date)
}

/// `date` moved by `days` (negative goes back).
pub fn add_days(date: Date, days: i64) -> Date {
    date.checked_add(days.days()).unwrap_or(date)
}

/// An instant people or clients typed: RFC 3339 with an offset
/// (`2026-03-09T09:00:00-04:00`, `...Z`), or a wall-clock time without one
/// (`2026-03-09T09:00`, as a form sends it) read in `tz`, or a date alone
/// (midnight in `tz`).
pub fn parse_instant(text: &str, tz: &TimeZone) -> Result<i64, String> {
    let text = text.trim();
    if let Ok(t) = text.parse::<Timestamp>() {
        return Ok(t.as_millisecond());
    }
    if let Ok(local) = text.parse::<DateTime>() {
        return Ok(instant(local, tz));
    }
    if let Ok(date) = text.parse::<Date>() {
        return Ok(day_start(date, tz));
    }
    Err(format!(
        "{text:?} is not a date and time (use 2026-03-09T09:00 or RFC 3339)"
    ))
}

/// A date `YYYY-MM-DD`, or the date part of a date and time.
pub fn parse_date(text: &str) -> Result<Date, String> {
    let text = text.trim();
    text.parse::<Date>()
        .or_else(|_| text.parse::<DateTime>().map(|d| d.date()))
        .or_else(|_| {
            text.parse::<jiff::ZonedDateTime>()
                .map(|z| z.date())
                .map_err(|_| ())
        })
        .or_else(|_| {
            text.get(..10)
                .and_then(|d| d.parse::<Date>().ok())
                .ok_or(())
        })
        .map_err(|_| format!("{text:?} is not a date (use 2026-03-09)"))
}

/// `at` in RFC 3339 with `tz`'s offset: `2026-03-09T09:00:00-04:00`.
pub fn rfc3339(at: i64, tz: &TimeZone) -> String {
    let zoned = timestamp(at).to_zoned_datetime(tz.clone());
    zoned.strftime("%Y-%m-%dT%H:%M:%S%:z").to_string()
}

/// `at` as a form's `datetime-local` value in `tz`: `2026-03-09T09:00`.
pub fn form_value(at: i64, tz: &TimeZone) -> String {
    local(at, tz).strftime("%Y-%m-%dT%H:%M").to_string()
}

/// `09:00`.
pub fn clock(at: i64, tz: &TimeZone) -> String {
    local(at, tz).strftime("%H:%M").to_string()
}

/// `Mon 9 Mar 2026`.
pub fn day_label(date: Date) -> String {
    date.strftime("%a %-d %b %Y").to_string()
}

/// `Mon 9 Mar 2026, 09:00 (America/Toronto)`: a moment, for mail and
/// notifications where the reader's zone must be said.
pub fn moment(at: i64, tz: &TimeZone) -> String {
    let local = local(at, tz);
    let name = tz.iana_name().unwrap_or("UTC");
    format!(
        "{}, {} ({name})",
        day_label(local.date()),
        local.strftime("%H:%M")
    )
}

/// "1 week", "3 days", "1 day", "2 hours", "15 minutes": a lead time.
pub fn lead_label(minutes: i64) -> String {
    let plural = |n: i64, one: &str| {
        if n == 1 {
            format!("1 {one}")
        } else {
            format!("{n} {one}s")
        }
    };
    if minutes > 0 && minutes % (7 * 24 * 60) == 0 {
        plural(minutes / (7 * 24 * 60), "week")
    } else if minutes > 0 && minutes % (24 * 60) == 0 {
        plural(minutes / (24 * 60), "day")
    } else if minutes > 0 && minutes % 60 == 0 {
        plural(minutes / 60, "hour")
    } else {
        plural(minutes, "minute")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn a_skipped_local_time_is_read_an_hour_later_and_a_repeated_one_as_the_first() {
        let toronto = zone("America/Toronto").expect("zone");
        // 2026-03-08 02:30 does not exist in Toronto: it is 03:30 EDT.
        let skipped = instant(date(2026, 3, 8).at(2, 30, 0, 0), &toronto);
        assert_eq!(rfc3339(skipped, &toronto), "2026-03-08T03:30:00-04:00");
        // 2026-11-01 01:30 happens twice: the first is EDT.
        let repeated = instant(date(2026, 11, 1).at(1, 30, 0, 0), &toronto);
        assert_eq!(rfc3339(repeated, &toronto), "2026-11-01T01:30:00-04:00");
    }

    #[test]
    fn typed_times_are_read_with_their_offset_or_in_the_zone() {
        let toronto = zone("America/Toronto").expect("zone");
        let with_offset = parse_instant("2026-03-09T09:00:00-04:00", &toronto).expect("rfc 3339");
        let local = parse_instant("2026-03-09T09:00", &toronto).expect("local");
        assert_eq!(with_offset, local);
        let utc = parse_instant("2026-03-09T13:00:00Z", &toronto).expect("utc");
        assert_eq!(utc, local);
        assert!(parse_instant("next tuesday", &toronto).is_err());
        assert!(zone("Mars/Olympus").is_err());
    }

    #[test]
    fn lead_times_read_as_people_say_them() {
        assert_eq!(lead_label(10080), "1 week");
        assert_eq!(lead_label(4320), "3 days");
        assert_eq!(lead_label(1440), "1 day");
        assert_eq!(lead_label(120), "2 hours");
        assert_eq!(lead_label(15), "15 minutes");
    }
}
