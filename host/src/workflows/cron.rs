//! Schedules in cron form: five fields (minute, hour, day of the month,
//! month, day of the week), read in the practice's time zone. Each field
//! takes `*`, a number, a range `a-b`, a step `*/n` or `a-b/n`, and lists of
//! those; months and days may be named (`JAN`, `MON`); Sunday is 0 or 7.
//! When both day fields are restricted, a day matching either is a slot's
//! day, as in cron.
//!
//! A local time that does not exist (the hour skipped when clocks go
//! forward) runs at the first instant after it; one that happens twice
//! (clocks go back) runs once, at the first.

use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::{Timestamp, ToSpan};

/// A parsed schedule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Schedule {
    minutes: Vec<bool>,
    hours: Vec<bool>,
    days: Vec<bool>,
    months: Vec<bool>,
    weekdays: Vec<bool>,
    days_restricted: bool,
    weekdays_restricted: bool,
}

const MONTHS: [&str; 12] = [
    "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC",
];
const WEEKDAYS: [&str; 7] = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

/// The farthest a schedule is looked ahead for its next slot (a schedule
/// such as `0 0 30 2 *` never has one).
const LOOK_AHEAD_DAYS: i64 = 366 * 8;

impl Schedule {
    /// Reads five cron fields; the error names the field and says why.
    pub fn parse(text: &str) -> Result<Schedule, String> {
        let fields: Vec<&str> = text.split_whitespace().collect();
        if fields.len() != 5 {
            return Err(format!(
                "a schedule has five fields (minute hour day-of-month month day-of-week, such as `0 8 * * MON`); this has {}",
                fields.len()
            ));
        }
        let minutes = field(fields[0], "minute", 0, 59, &[])?;
        let hours = field(fields[1], "hour", 0, 23, &[])?;
        let days = field(fields[2], "day of the month", 1, 31, &[])?;
        let months = field(fields[3], "month", 1, 12, &MONTHS)?;
        let mut weekdays = field(fields[4], "day of the week", 0, 7, &WEEKDAYS)?;
        if weekdays[7] {
            weekdays[0] = true;
        }
        weekdays.truncate(7);
        let schedule = Schedule {
            minutes,
            hours,
            days,
            months,
            weekdays,
            days_restricted: fields[2] != "*",
            weekdays_restricted: fields[4] != "*",
        };
        Ok(schedule)
    }

    fn runs_on(&self, date: Date) -> bool {
        if !self.months[date.month() as usize] {
            return false;
        }
        let day = self.days[date.day() as usize];
        let weekday = self.weekdays[date.weekday().to_sunday_zero_offset() as usize];
        match (self.days_restricted, self.weekdays_restricted) {
            (true, true) => day || weekday,
            (true, false) => day,
            (false, true) => weekday,
            (false, false) => true,
        }
    }

    /// The first slot strictly after `after_ms`, in `zone`, as a Unix time
    /// in milliseconds; `None` when there is none in the next eight years.
    pub fn next_after(&self, after_ms: i64, zone: &TimeZone) -> Option<i64> {
        let after = Timestamp::from_millisecond(after_ms).ok()?;
        let mut date = after.to_zoned_datetime(zone.clone()).date();
        for _ in 0..LOOK_AHEAD_DAYS {
            if self.runs_on(date) {
                for hour in (0..24).filter(|h| self.hours[*h]) {
                    for minute in (0..60).filter(|m| self.minutes[*m]) {
                        let local = date.at(hour as i8, minute as i8, 0, 0);
                        let Ok(at) = local.to_zoned_datetime(zone.clone()) else {
                            continue;
                        };
                        let ms = at.timestamp().as_millisecond();
                        if ms > after_ms {
                            return Some(ms);
                        }
                    }
                }
            }
            date = date.checked_add(1.day()).ok()?;
        }
        None
    }
}

/// One field: which of `min..=max` it takes.
fn field(
    text: &str,
    what: &str,
    min: usize,
    max: usize,
    names: &[&str],
) -> Result<Vec<bool>, String> {
    let mut taken = vec![false; max + 1];
    let wrong = |why: String| format!("the {what} field `{text}`: {why}");
    let value = |part: &str| -> Result<usize, String> {
        let upper = part.to_ascii_uppercase();
        if let Some(i) = names.iter().position(|n| *n == upper) {
            // Months are named from 1, days of the week from 0.
            return Ok(i + min);
        }
        let n: usize = part
            .parse()
            .map_err(|_| wrong(format!("`{part}` is not a number")))?;
        if n < min || n > max {
            return Err(wrong(format!("{n} is outside {min}-{max}")));
        }
        Ok(n)
    };
    for item in text.split(',') {
        let (range, step) = match item.split_once('/') {
            Some((range, step)) => {
                let step: usize = step
                    .parse()
                    .ok()
                    .filter(|s| *s > 0)
                    .ok_or_else(|| wrong(format!("`{step}` is not a step above 0")))?;
                (range, step)
            }
            None => (item, 1),
        };
        let (from, to) = if range == "*" {
            (min, max)
        } else if let Some((a, b)) = range.split_once('-') {
            let (a, b) = (value(a)?, value(b)?);
            if a > b {
                return Err(wrong(format!("the range {a}-{b} runs backwards")));
            }
            (a, b)
        } else if range.is_empty() {
            return Err(wrong("an empty item".into()));
        } else {
            let a = value(range)?;
            // `5/15` is every 15 from 5.
            (a, if step > 1 { max } else { a })
        };
        for n in (from..=to).step_by(step) {
            taken[n] = true;
        }
    }
    Ok(taken)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> i64 {
        text.parse::<Timestamp>().unwrap().as_millisecond()
    }

    fn next(schedule: &str, after: &str, zone: &str) -> String {
        let zone = TimeZone::get(zone).unwrap();
        let ms = Schedule::parse(schedule)
            .unwrap()
            .next_after(at(after), &zone)
            .unwrap();
        Timestamp::from_millisecond(ms)
            .unwrap()
            .to_zoned_datetime(zone)
            .strftime("%Y-%m-%d %H:%M %a")
            .to_string()
    }

    #[test]
    fn mondays_at_eight_in_the_practices_zone() {
        // Friday 4 December 2026, 15:00 in Toronto.
        let after = "2026-12-04T20:00:00Z";
        assert_eq!(
            next("0 8 * * MON", after, "America/Toronto"),
            "2026-12-07 08:00 Mon"
        );
        assert_eq!(
            next("0 8 * * 1", after, "America/Vancouver"),
            "2026-12-07 08:00 Mon"
        );
        assert_eq!(
            next("*/15 * * * *", after, "America/Toronto"),
            "2026-12-04 15:15 Fri"
        );
        assert_eq!(
            next("30 9 1 JAN,jul *", after, "UTC"),
            "2027-01-01 09:30 Fri"
        );
        assert_eq!(next("0 0 * * 7", after, "UTC"), "2026-12-06 00:00 Sun");
    }

    #[test]
    fn a_slot_is_strictly_after_the_time_given() {
        assert_eq!(
            next("0 8 * * *", "2026-12-07T13:00:00Z", "America/Toronto"),
            "2026-12-08 08:00 Tue"
        );
    }

    #[test]
    fn either_day_field_matches_when_both_are_restricted() {
        // The 13th, or any Friday.
        assert_eq!(
            next("0 12 13 * FRI", "2026-12-05T00:00:00Z", "UTC"),
            "2026-12-11 12:00 Fri"
        );
    }

    #[test]
    fn a_time_skipped_by_daylight_saving_runs_just_after() {
        // 8 March 2026: Toronto's clocks go from 02:00 to 03:00.
        assert_eq!(
            next("30 2 * * *", "2026-03-08T05:00:00Z", "America/Toronto"),
            "2026-03-08 03:30 Sun"
        );
        // 1 November 2026: 01:30 happens twice, and runs once.
        let zone = TimeZone::get("America/Toronto").unwrap();
        let s = Schedule::parse("30 1 * * *").unwrap();
        let first = s.next_after(at("2026-11-01T04:00:00Z"), &zone).unwrap();
        let second = s.next_after(first, &zone).unwrap();
        assert_eq!(second - first, 25 * 3600 * 1000);
    }

    #[test]
    fn wrong_schedules_say_which_field_and_why() {
        let e = |s| Schedule::parse(s).unwrap_err();
        assert!(e("0 8 * *").contains("five fields"), "{}", e("0 8 * *"));
        assert!(e("60 8 * * *").contains("minute field `60`: 60 is outside 0-59"));
        assert!(e("0 8 * * FUNDAY").contains("day of the week"));
        assert!(e("0 10-8 * * *").contains("runs backwards"));
        assert!(e("*/0 * * * *").contains("step above 0"));
        let never = Schedule::parse("0 0 30 2 *").unwrap();
        assert_eq!(never.next_after(0, &TimeZone::UTC), None);
    }
}
