//! Recurring events (RFC 5545 `RRULE`): which rules are accepted, and the
//! occurrences of a series in a range.
//!
//! The rule is expanded in floating time: the series' first start as a
//! wall-clock time in its zone, handed to the `rrule` crate as if it were
//! UTC, and each occurrence's wall-clock time put back in the zone with
//! jiff. So a weekly meeting at 9:00 in Toronto is at 9:00 before and after
//! the clocks change, and an occurrence that falls in the skipped hour
//! moves an hour later, as RFC 5545 says.

use std::collections::BTreeSet;

use chrono::{NaiveDate, TimeZone as _};
use jiff::civil::DateTime;
use jiff::tz::TimeZone;
use rrule::{Frequency, RRule, RRuleSet, Tz, Unvalidated};

use super::when::{self, DAY};

/// At most this many occurrences are read from one series for one range.
pub const MAX_IN_RANGE: u16 = 2000;

/// What it takes to expand a series.
pub struct Series<'a> {
    pub start: i64,
    pub end: i64,
    pub all_day: bool,
    pub zone: &'a TimeZone,
    pub rule: &'a str,
    /// Original starts of occurrences taken out (deleted, or moved and kept
    /// as events of their own).
    pub except: &'a BTreeSet<i64>,
}

/// One occurrence: its instants, and the original start that names it
/// (`RECURRENCE-ID`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Occurrence {
    pub start: i64,
    pub end: i64,
    pub recurrence_id: i64,
}

/// Checks a rule people typed or a client sent (`FREQ=WEEKLY;BYDAY=MO`,
/// with or without `RRULE:`) against the series' start, and returns it as
/// it will be kept. Daily, weekly, monthly and yearly rules are accepted.
pub fn check(rule: &str, start: i64, zone: &TimeZone) -> Result<String, String> {
    let text = normalise(rule);
    if text.is_empty() {
        return Err("is empty".into());
    }
    // A rule is ASCII (RFC 5545); the parser is not ready for anything else.
    if !text.is_ascii() {
        return Err(
            "is not a recurrence rule: it holds characters other than letters, digits and ;=,-+:"
                .into(),
        );
    }
    let parsed: RRule<Unvalidated> = text
        .parse()
        .map_err(|e| format!("is not a recurrence rule: {e}"))?;
    match parsed.get_freq() {
        Frequency::Daily | Frequency::Weekly | Frequency::Monthly | Frequency::Yearly => {}
        other => {
            return Err(format!(
                "repeats {other}: only daily, weekly, monthly and yearly events are kept"
            ));
        }
    }
    build(&text, start, zone).map(|_| text)
}

fn normalise(rule: &str) -> String {
    let text = rule.trim();
    let text = text
        .strip_prefix("RRULE:")
        .or_else(|| text.strip_prefix("rrule:"))
        .unwrap_or(text);
    text.trim().to_ascii_uppercase()
}

/// A wall-clock time as the floating `DateTime<Tz>` the crate expands.
fn floating(local: DateTime) -> chrono::DateTime<Tz> {
    let naive = NaiveDate::from_ymd_opt(
        i32::from(local.year()),
        local.month() as u32,
        local.day() as u32,
    )
    .and_then(|d| {
        d.and_hms_opt(
            local.hour() as u32,
            local.minute() as u32,
            local.second() as u32,
        )
    })
    .unwrap_or_default();
    Tz::UTC.from_utc_datetime(&naive)
}

/// The floating time back as a wall-clock time.
/// `None` past the years a wall-clock time can have (after 9999).
fn wall_clock(at: &chrono::DateTime<Tz>) -> Option<DateTime> {
    use chrono::{Datelike, Timelike};
    DateTime::new(
        i16::try_from(at.year()).ok()?,
        at.month() as i8,
        at.day() as i8,
        at.hour() as i8,
        at.minute() as i8,
        at.second() as i8,
        0,
    )
    .ok()
}

fn build(text: &str, start: i64, zone: &TimeZone) -> Result<RRuleSet, String> {
    if !text.is_ascii() {
        return Err("is not a recurrence rule".into());
    }
    let mut rule: RRule<Unvalidated> = text
        .parse()
        .map_err(|e| format!("is not a recurrence rule: {e}"))?;
    if let Some(until) = rule.get_until().cloned() {
        // UNTIL in UTC is an instant: its wall-clock time in the series'
        // zone; a floating UNTIL already is one.
        let local = if until.timezone().is_local() {
            wall_clock(&until)
        } else {
            Some(when::local(until.timestamp_millis(), zone))
        };
        if let Some(local) = local {
            rule = rule.until(floating(local));
        }
    }
    let dtstart = floating(when::local(start, zone));
    rule.build(dtstart)
        .map_err(|e| format!("does not fit the event's start: {e}"))
}

/// The series' occurrences that overlap `[from, to)`, earliest first, at
/// most [`MAX_IN_RANGE`], without those in `except`.
pub fn between(series: &Series, from: i64, to: i64) -> Vec<Occurrence> {
    let Ok(set) = build(series.rule, series.start, series.zone) else {
        return Vec::new();
    };
    let length = series.end - series.start;
    // Floating bounds, a day wider than the range on both sides (zones
    // are at most 26 hours apart), widened by the events' length.
    let after = floating(when::local(from - length - 2 * DAY, &TimeZone::UTC));
    let before = floating(when::local(to + 2 * DAY, &TimeZone::UTC));
    let found = set.after(after).before(before).all(MAX_IN_RANGE);
    found
        .dates
        .iter()
        .filter_map(|at| occurrence(series, at, length))
        .filter(|o| !series.except.contains(&o.recurrence_id))
        .filter(|o| o.start < to && (o.end > from || (o.end == o.start && o.start >= from)))
        .collect()
}

/// The occurrence starting at `at`, if its wall-clock time is one (not past
/// the year 9999).
fn occurrence(series: &Series, at: &chrono::DateTime<Tz>, length: i64) -> Option<Occurrence> {
    let local = wall_clock(at)?;
    let start = when::instant(local, series.zone);
    let end = if series.all_day {
        let days = (length + DAY / 2) / DAY;
        when::day_start(when::add_days(local.date(), days.max(1)), series.zone)
    } else {
        start + length
    };
    Some(Occurrence {
        start,
        end,
        recurrence_id: start,
    })
}

/// The first occurrence that starts after `after`, if the series has one.
pub fn next_after(series: &Series, after: i64) -> Option<Occurrence> {
    let set = build(series.rule, series.start, series.zone).ok()?;
    let length = series.end - series.start;
    let from = floating(when::local(after - 2 * DAY, &TimeZone::UTC));
    set.after(from)
        .into_iter()
        .take(10_000)
        .map_while(|at| occurrence(series, &at, length))
        .find(|o| o.start > after && !series.except.contains(&o.recurrence_id))
}

/// When the series ends (its last occurrence's end), or none when it goes
/// on for ever.
pub fn last_end(series: &Series) -> Option<i64> {
    let set = build(series.rule, series.start, series.zone).ok()?;
    let rule = set.get_rrule().first()?;
    if rule.get_count().is_none() && rule.get_until().is_none() {
        return None;
    }
    let length = series.end - series.start;
    let all = set.all(u16::MAX);
    all.dates
        .iter()
        .rev()
        .find_map(|at| occurrence(series, at, length))
        .map(|o| o.end)
        .or(Some(series.end))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::when::{HOUR, rfc3339, zone};
    use jiff::civil::date;

    fn toronto() -> TimeZone {
        zone("America/Toronto").expect("zone")
    }

    fn at(tz: &TimeZone, y: i16, m: i8, d: i8, h: i8) -> i64 {
        when::instant(date(y, m, d).at(h, 0, 0, 0), tz)
    }

    #[test]
    fn rules_with_other_than_ascii_are_refused_and_series_end_at_the_year_9999() {
        let tz = toronto();
        let start = at(&tz, 2026, 2, 23, 9);
        let refused = check("FREQ=WEEKLY;BYDAY=MO\u{e9}", start, &tz).unwrap_err();
        assert!(refused.starts_with("is not a recurrence rule"), "{refused}");
        // A yearly series near the end of the calendar stops there.
        let late = at(&tz, 9999, 10, 9, 9);
        let none = BTreeSet::new();
        let series = Series {
            start: late,
            end: late + HOUR,
            all_day: false,
            zone: &tz,
            rule: "FREQ=YEARLY",
            except: &none,
        };
        assert_eq!(next_after(&series, late), None);
        assert!(between(&series, late, late + 400 * DAY).len() <= 1);
    }

    #[test]
    fn a_weekly_nine_oclock_meeting_stays_at_nine_across_the_clock_change() {
        let tz = toronto();
        let start = at(&tz, 2026, 2, 23, 9);
        let none = BTreeSet::new();
        let series = Series {
            start,
            end: start + HOUR,
            all_day: false,
            zone: &tz,
            rule: "FREQ=WEEKLY;BYDAY=MO",
            except: &none,
        };
        let found = between(&series, at(&tz, 2026, 3, 1, 0), at(&tz, 2026, 3, 20, 0));
        let shown: Vec<String> = found.iter().map(|o| rfc3339(o.start, &tz)).collect();
        assert_eq!(
            shown,
            [
                "2026-03-02T09:00:00-05:00",
                "2026-03-09T09:00:00-04:00",
                "2026-03-16T09:00:00-04:00"
            ]
        );
        // Seen from Mexico City (no daylight saving since 2022): 8:00, then 7:00.
        let cdmx = zone("America/Mexico_City").expect("zone");
        assert_eq!(rfc3339(found[0].start, &cdmx), "2026-03-02T08:00:00-06:00");
        assert_eq!(rfc3339(found[1].start, &cdmx), "2026-03-09T07:00:00-06:00");
        assert!(found.iter().all(|o| o.end - o.start == HOUR));
    }

    #[test]
    fn an_occurrence_taken_out_is_not_expanded_and_counts_and_untils_end_the_series() {
        let tz = toronto();
        let start = at(&tz, 2026, 3, 2, 9);
        let except = BTreeSet::from([at(&tz, 2026, 3, 4, 9)]);
        let series = Series {
            start,
            end: start + HOUR,
            all_day: false,
            zone: &tz,
            rule: "FREQ=DAILY;COUNT=5",
            except: &except,
        };
        let found = between(&series, start, start + 30 * DAY);
        assert_eq!(found.len(), 4);
        assert!(found.iter().all(|o| o.start != at(&tz, 2026, 3, 4, 9)));
        assert_eq!(last_end(&series), Some(at(&tz, 2026, 3, 6, 10)));
        let until = Series {
            rule: "FREQ=WEEKLY;UNTIL=20260317T000000Z",
            ..series
        };
        assert_eq!(between(&until, start, start + 90 * DAY).len(), 3);
        let forever = Series {
            rule: "FREQ=MONTHLY",
            ..until
        };
        assert_eq!(last_end(&forever), None);
        assert_eq!(
            next_after(&forever, start).map(|o| rfc3339(o.start, &tz)),
            Some("2026-04-02T09:00:00-04:00".to_string())
        );
    }

    #[test]
    fn all_day_series_keep_their_dates() {
        let tz = toronto();
        let start = when::day_start(date(2026, 3, 6), &tz);
        let none = BTreeSet::new();
        let series = Series {
            start,
            end: when::day_start(date(2026, 3, 7), &tz),
            all_day: true,
            zone: &tz,
            rule: "FREQ=WEEKLY",
            except: &none,
        };
        let found = between(&series, start, start + 15 * DAY);
        let dates: Vec<String> = found
            .iter()
            .map(|o| when::date_of(o.start, &tz).to_string())
            .collect();
        assert_eq!(dates, ["2026-03-06", "2026-03-13", "2026-03-20"]);
        // The 13th is after the change: a 23-hour day is still one day.
        assert!(
            found
                .iter()
                .all(|o| when::date_of(o.end, &tz) == when::next_day(when::date_of(o.start, &tz)))
        );
    }

    #[test]
    fn only_rules_we_keep_are_accepted() {
        let tz = toronto();
        let start = at(&tz, 2026, 3, 2, 9);
        assert_eq!(
            check("RRULE:freq=weekly;byday=mo,we", start, &tz).as_deref(),
            Ok("FREQ=WEEKLY;BYDAY=MO,WE")
        );
        assert!(check("FREQ=HOURLY", start, &tz).is_err());
        assert!(check("FREQ=SOMETIMES", start, &tz).is_err());
        assert!(check("", start, &tz).is_err());
    }
}
