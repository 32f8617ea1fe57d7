//! Business hours: when the practice is open, and counting time only then.
//!
//! SLA targets are in business minutes: an hour to answer an urgent ticket
//! means an hour of the practice's open time, so a ticket filed on Friday at
//! 16:50 with one hour to go is due on Monday at 9:50, not Friday at 17:50.
//!
//! The schedule is a week of open hours in the practice's IANA time zone
//! (`America/Toronto`), each day with zero or more intervals such as
//! 09:00–12:00 and 13:00–17:00, plus holiday dates when the practice is
//! closed all day. Hours are local wall-clock times: across a change to or
//! from daylight saving time, 09:00 stays 09:00, and a day's open time is the
//! real time that passes between its opening and closing instants (an
//! interval 00:00–24:00 lasts 23 hours on the day clocks spring forward).
//! A wall-clock time that does not exist that day (skipped by the change) is
//! read as the same time after the change, as calendars do.
//!
//! An interval never crosses midnight: `22:00–02:00` is refused by
//! [`BusinessHours::validate`]; write `22:00–24:00` and `00:00–02:00` on the
//! next day instead.
//!
//! The parts: `schedule.rs` holds the schedule as settings hold it, with its
//! validation; this file counts business time on it.

mod schedule;

use jiff::{SignedDuration, Timestamp};

pub use schedule::{BusinessHours, ClockTime, OpenHours, WeeklyHours};

/// Whether the practice is open at `at`.
pub fn is_open(at: Timestamp, hours: &BusinessHours) -> bool {
    if !hours.has_open_hours() {
        return true;
    }
    let zone = hours.zone();
    let date = zone.to_datetime(at).date();
    [date.yesterday().ok(), Some(date)]
        .into_iter()
        .flatten()
        .flat_map(|date| hours.windows(&zone, date))
        .any(|(start, end)| start <= at && at < end)
}

/// The instant when `minutes` of business time have passed since `start`.
/// From outside business hours the count starts at the next opening; a
/// deadline that falls exactly at closing time is that closing time.
/// Zero or fewer minutes give `start` itself.
pub fn add_business_minutes(start: Timestamp, minutes: i64, hours: &BusinessHours) -> Timestamp {
    let duration = SignedDuration::try_from_mins(minutes).unwrap_or(SignedDuration::MAX);
    add_business_time(start, duration, hours)
}

/// The whole business minutes between `a` and `b` (negative when `b` is
/// before `a`).
pub fn business_minutes_between(a: Timestamp, b: Timestamp, hours: &BusinessHours) -> i64 {
    business_time_between(a, b, hours).as_mins()
}

/// [`add_business_minutes`] to the nanosecond.
pub(crate) fn add_business_time(
    start: Timestamp,
    duration: SignedDuration,
    hours: &BusinessHours,
) -> Timestamp {
    if duration <= SignedDuration::ZERO {
        return start;
    }
    if !hours.has_open_hours() {
        return start.checked_add(duration).unwrap_or(Timestamp::MAX);
    }
    let zone = hours.zone();
    let mut left = duration;
    // From the day before: a window never starts before its own date, but
    // a zone's date can repeat around midnight when clocks go back.
    let mut date = zone.to_datetime(start).date().yesterday().ok();
    while let Some(day) = date {
        for (open, close) in hours.windows(&zone, day) {
            if close <= start {
                continue;
            }
            let from = open.max(start);
            if left <= close - from {
                return from + left;
            }
            left -= close - from;
        }
        date = day.tomorrow().ok();
    }
    Timestamp::MAX
}

/// [`business_minutes_between`] to the nanosecond.
pub(crate) fn business_time_between(
    a: Timestamp,
    b: Timestamp,
    hours: &BusinessHours,
) -> SignedDuration {
    if b < a {
        return -business_time_between(b, a, hours);
    }
    if !hours.has_open_hours() {
        return b - a;
    }
    let zone = hours.zone();
    let last = zone.to_datetime(b).date();
    let mut total = SignedDuration::ZERO;
    let mut date = zone.to_datetime(a).date().yesterday().ok();
    while let Some(day) = date.filter(|day| *day <= last) {
        for (open, close) in hours.windows(&zone, day) {
            let (from, to) = (open.max(a), close.min(b));
            if from < to {
                total += to - from;
            }
        }
        date = day.tomorrow().ok();
    }
    total
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    /// A local time in Toronto.
    fn toronto(y: i16, m: i8, d: i8, h: i8, min: i8) -> Timestamp {
        date(y, m, d)
            .at(h, min, 0, 0)
            .in_tz("America/Toronto")
            .expect("valid")
            .timestamp()
    }

    fn open(start: &str, end: &str) -> OpenHours {
        OpenHours {
            start: start.parse().expect("time"),
            end: end.parse().expect("time"),
        }
    }

    fn every_day(intervals: &[OpenHours]) -> BusinessHours {
        let day = intervals.to_vec();
        BusinessHours {
            week: WeeklyHours {
                monday: day.clone(),
                tuesday: day.clone(),
                wednesday: day.clone(),
                thursday: day.clone(),
                friday: day.clone(),
                saturday: day.clone(),
                sunday: day,
            },
            ..BusinessHours::default()
        }
    }

    #[test]
    fn a_ticket_filed_friday_at_16_50_is_due_monday() {
        let hours = BusinessHours::default();
        // 2026-03-13 is a Friday.
        let filed = toronto(2026, 3, 13, 16, 50);
        assert_eq!(
            add_business_minutes(filed, 60, &hours),
            toronto(2026, 3, 16, 9, 50)
        );
        assert_eq!(
            add_business_minutes(filed, 10, &hours),
            toronto(2026, 3, 13, 17, 0),
            "a deadline at closing time stays on Friday"
        );
        assert_eq!(
            business_minutes_between(filed, toronto(2026, 3, 16, 9, 50), &hours),
            60
        );
    }
    #[test]
    fn weekends_across_the_spring_change_keep_local_hours() {
        let hours = BusinessHours::default();
        // Clocks go from 02:00 EST to 03:00 EDT on Sunday 2026-03-08.
        let friday = toronto(2026, 3, 6, 16, 0);
        let monday = add_business_minutes(friday, 120, &hours);
        assert_eq!(monday, toronto(2026, 3, 9, 10, 0));
        assert_eq!(monday.to_string(), "2026-03-09T14:00:00Z");
        assert_eq!(friday.to_string(), "2026-03-06T21:00:00Z");
        assert_eq!(business_minutes_between(friday, monday, &hours), 120);
    }
    #[test]
    fn weekends_across_the_autumn_change_keep_local_hours() {
        let hours = BusinessHours::default();
        // Clocks go from 02:00 EDT back to 01:00 EST on Sunday 2026-11-01.
        let friday = toronto(2026, 10, 30, 16, 30);
        let monday = add_business_minutes(friday, 60, &hours);
        assert_eq!(monday, toronto(2026, 11, 2, 9, 30));
        assert_eq!(monday.to_string(), "2026-11-02T14:30:00Z");
        assert_eq!(business_minutes_between(friday, monday, &hours), 60);
        // A whole week: five days of eight hours, whatever the clocks did.
        let week = business_minutes_between(
            toronto(2026, 10, 26, 0, 0),
            toronto(2026, 11, 2, 0, 0),
            &hours,
        );
        assert_eq!(week, 5 * 8 * 60);
    }
    #[test]
    fn a_day_open_around_the_clock_lasts_as_long_as_it_really_does() {
        let hours = every_day(&[open("00:00", "24:00")]);
        let day = |y, m, d| {
            let (start, end) = (toronto(y, m, d, 0, 0), toronto(y, m, d + 1, 0, 0));
            business_minutes_between(start, end, &hours)
        };
        assert_eq!(day(2026, 3, 8), 23 * 60, "spring forward");
        assert_eq!(day(2026, 11, 1), 25 * 60, "fall back");
        assert_eq!(day(2026, 11, 2), 24 * 60);
        // Hours that fall in the skipped hour are read after the change.
        let night = every_day(&[open("01:30", "02:30")]);
        let sunday = toronto(2026, 3, 8, 0, 0);
        assert_eq!(
            add_business_minutes(sunday, 30, &night).to_string(),
            "2026-03-08T07:00:00Z",
            "01:30 EST and 30 minutes is 03:00 EDT"
        );
        assert_eq!(
            business_minutes_between(sunday, toronto(2026, 3, 9, 0, 0), &night),
            60
        );
    }
    #[test]
    fn counting_starts_at_the_next_opening() {
        let hours = BusinessHours::default();
        let saturday = toronto(2026, 3, 14, 11, 0);
        assert_eq!(
            add_business_minutes(saturday, 30, &hours),
            toronto(2026, 3, 16, 9, 30)
        );
        let early = toronto(2026, 3, 17, 7, 0);
        assert_eq!(
            add_business_minutes(early, 30, &hours),
            toronto(2026, 3, 17, 9, 30)
        );
        let evening = toronto(2026, 3, 17, 20, 0);
        assert_eq!(add_business_minutes(evening, 0, &hours), evening);
        assert_eq!(add_business_minutes(evening, -5, &hours), evening);
        assert_eq!(
            add_business_minutes(evening, 8 * 60, &hours),
            toronto(2026, 3, 18, 17, 0)
        );
        assert_eq!(business_minutes_between(saturday, early, &hours), 8 * 60);
        assert_eq!(business_minutes_between(early, saturday, &hours), -8 * 60);
        let sunday = toronto(2026, 3, 15, 12, 0);
        assert_eq!(business_minutes_between(saturday, sunday, &hours), 0);
    }
    #[test]
    fn holidays_are_closed_all_day() {
        let mut hours = BusinessHours::default();
        let eve = toronto(2026, 12, 24, 16, 0);
        assert_eq!(
            add_business_minutes(eve, 120, &hours),
            toronto(2026, 12, 25, 10, 0)
        );
        hours.holidays = vec![date(2026, 12, 25), date(2026, 12, 28)];
        assert_eq!(
            add_business_minutes(eve, 120, &hours),
            toronto(2026, 12, 29, 10, 0)
        );
        assert!(!is_open(toronto(2026, 12, 25, 10, 0), &hours));
    }
    #[test]
    fn days_may_have_several_intervals() {
        let mut hours = BusinessHours::default();
        hours.week.tuesday = vec![open("13:00", "17:00"), open("09:00", "12:00")];
        let morning = toronto(2026, 3, 17, 11, 30);
        assert_eq!(
            add_business_minutes(morning, 60, &hours),
            toronto(2026, 3, 17, 13, 30)
        );
        assert!(is_open(morning, &hours));
        assert!(!is_open(toronto(2026, 3, 17, 12, 30), &hours));
        assert!(is_open(toronto(2026, 3, 17, 13, 0), &hours));
        assert!(!is_open(toronto(2026, 3, 17, 17, 0), &hours));
    }
    #[test]
    fn adding_then_counting_gives_the_same_minutes() {
        let hours = BusinessHours::default();
        let starts = [
            toronto(2026, 3, 6, 16, 59),
            toronto(2026, 3, 7, 3, 0),
            toronto(2026, 10, 30, 9, 0),
            toronto(2026, 12, 31, 23, 59),
        ];
        for start in starts {
            for minutes in [1, 59, 480, 481, 2400, 4800] {
                let end = add_business_minutes(start, minutes, &hours);
                assert_eq!(
                    business_minutes_between(start, end, &hours),
                    minutes,
                    "{start} + {minutes}"
                );
            }
        }
    }
    #[test]
    fn a_schedule_without_hours_counts_every_minute() {
        let hours = BusinessHours {
            week: WeeklyHours::default(),
            ..BusinessHours::default()
        };
        let start = toronto(2026, 3, 14, 11, 0);
        assert_eq!(
            add_business_minutes(start, 90, &hours),
            toronto(2026, 3, 14, 12, 30)
        );
        assert!(is_open(start, &hours));
        assert_eq!(
            hours.validate().get("week"),
            Some("the practice must be open at some time of the week")
        );
    }
}
