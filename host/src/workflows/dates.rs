//! Date helpers for scripts, in the practice's time zone. Dates are
//! `YYYY-MM-DD` strings, as on records; times are RFC 3339 strings.
//!
//! - `today()`: the practice's date now; `now()`: the time now.
//! - `add_days(date, n)`, `add_months(date, n)` (the 31st plus a month is
//!   the last day of the next month), `add_business_days(date, n)`
//!   (Monday to Friday).
//! - `days_between(a, b)`, `business_days_between(a, b)`: from a to b.
//! - `weekday(date)`: `Monday` … `Sunday`.
//! - `date_of(time)`: the practice's date at an RFC 3339 time (a record's
//!   `updated_at`), or the date itself.

use std::sync::Arc;

use jiff::civil::{Date, Weekday};
use jiff::tz::TimeZone;
use jiff::{Timestamp, ToSpan};
use rhai::{Engine, EvalAltResult};

type Answer<T> = Result<T, Box<EvalAltResult>>;

/// The clock scripts read: Unix milliseconds.
pub type Now = Arc<dyn Fn() -> i64 + Send + Sync>;

fn date(text: &str) -> Answer<Date> {
    text.parse::<Date>()
        .map_err(|_| format!("`{text}` is not a date such as 2026-12-31").into())
}

/// `text` as a date: a date, or the practice's date at an RFC 3339 time.
fn date_or_time(text: &str, zone: &TimeZone) -> Answer<Date> {
    if let Ok(at) = text.parse::<Timestamp>() {
        return Ok(at.to_zoned_datetime(zone.clone()).date());
    }
    date(text)
}

fn shown(d: Date) -> String {
    d.to_string()
}

fn is_business_day(d: Date) -> bool {
    !matches!(d.weekday(), Weekday::Saturday | Weekday::Sunday)
}

fn add_business(mut d: Date, n: i64) -> Answer<Date> {
    if n.abs() > 100_000 {
        return Err("add_business_days: at most 100000 days".into());
    }
    let step = if n < 0 { -1 } else { 1 };
    let mut left = n.abs();
    while left > 0 {
        d = d.checked_add(step.days()).map_err(|e| e.to_string())?;
        if is_business_day(d) {
            left -= 1;
        }
    }
    Ok(d)
}

fn business_between(a: Date, b: Date) -> Answer<i64> {
    let (from, to, sign) = if a <= b { (a, b, 1) } else { (b, a, -1) };
    let days = (to - from).get_days() as i64;
    if days > 1_000_000 {
        return Err("business_days_between: the dates are too far apart".into());
    }
    let weeks = days / 7;
    let mut count = weeks * 5;
    let mut d = from
        .checked_add((weeks * 7).days())
        .map_err(|e| e.to_string())?;
    while d < to {
        d = d.checked_add(1.day()).map_err(|e| e.to_string())?;
        if is_business_day(d) {
            count += 1;
        }
    }
    Ok(count * sign)
}

/// Registers the date helpers, reading `now` in `zone`.
pub fn register(engine: &mut Engine, now: Now, zone: TimeZone) {
    let (z, clock) = (zone.clone(), now.clone());
    engine.register_fn("today", move || -> Answer<String> {
        let at = Timestamp::from_millisecond(clock()).map_err(|e| e.to_string())?;
        Ok(shown(at.to_zoned_datetime(z.clone()).date()))
    });
    let (z, clock) = (zone.clone(), now);
    engine.register_fn("now", move || -> Answer<String> {
        let at = Timestamp::from_millisecond(clock()).map_err(|e| e.to_string())?;
        let local = at.to_zoned_datetime(z.clone());
        Ok(local.strftime("%Y-%m-%dT%H:%M:%S%:z").to_string())
    });
    engine.register_fn("add_days", |d: &str, n: i64| -> Answer<String> {
        let d = date(d)?.checked_add(n.days()).map_err(|e| e.to_string())?;
        Ok(shown(d))
    });
    engine.register_fn("add_months", |d: &str, n: i64| -> Answer<String> {
        let d = date(d)?
            .checked_add(n.months())
            .map_err(|e| e.to_string())?;
        Ok(shown(d))
    });
    engine.register_fn("add_business_days", |d: &str, n: i64| -> Answer<String> {
        Ok(shown(add_business(date(d)?, n)?))
    });
    let z = zone.clone();
    engine.register_fn("days_between", move |a: &str, b: &str| -> Answer<i64> {
        let (a, b) = (date_or_time(a, &z)?, date_or_time(b, &z)?);
        Ok((b - a).get_days() as i64)
    });
    let z = zone.clone();
    engine.register_fn(
        "business_days_between",
        move |a: &str, b: &str| -> Answer<i64> {
            business_between(date_or_time(a, &z)?, date_or_time(b, &z)?)
        },
    );
    engine.register_fn("weekday", |d: &str| -> Answer<String> {
        Ok(format!("{:?}", date(d)?.weekday()))
    });
    engine.register_fn("date_of", move |t: &str| -> Answer<String> {
        Ok(shown(date_or_time(t, &zone)?))
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn eval(script: &str) -> String {
        let mut engine = Engine::new();
        // Friday 4 December 2026, 22:30 in Toronto (03:30 UTC on Saturday).
        let now = "2026-12-05T03:30:00Z"
            .parse::<Timestamp>()
            .unwrap()
            .as_millisecond();
        register(
            &mut engine,
            Arc::new(move || now),
            TimeZone::get("America/Toronto").unwrap(),
        );
        engine.eval::<rhai::Dynamic>(script).unwrap().to_string()
    }

    #[test]
    fn dates_are_the_practices() {
        assert_eq!(eval("today()"), "2026-12-04");
        assert_eq!(eval("now()"), "2026-12-04T22:30:00-05:00");
        assert_eq!(eval("weekday(today())"), "Friday");
        assert_eq!(eval("date_of(\"2026-12-05T03:30:00Z\")"), "2026-12-04");
    }

    #[test]
    fn days_months_and_business_days() {
        assert_eq!(eval("add_days(\"2026-12-30\", 3)"), "2027-01-02");
        assert_eq!(eval("add_months(\"2026-01-31\", 1)"), "2026-02-28");
        assert_eq!(eval("add_business_days(\"2026-12-04\", 1)"), "2026-12-07");
        assert_eq!(eval("add_business_days(\"2026-12-07\", -1)"), "2026-12-04");
        assert_eq!(eval("add_business_days(\"2026-12-04\", 10)"), "2026-12-18");
        assert_eq!(eval("days_between(\"2026-12-04\", \"2027-03-04\")"), "90");
        assert_eq!(
            eval("business_days_between(\"2026-12-04\", \"2026-12-18\")"),
            "10"
        );
        assert_eq!(
            eval("business_days_between(\"2026-12-18\", \"2026-12-04\")"),
            "-10"
        );
        assert_eq!(
            eval("business_days_between(\"2026-12-05\", \"2026-12-06\")"),
            "0"
        );
    }
}
