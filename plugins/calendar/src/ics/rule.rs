//! A recurrence rule between the calendar's text (read by the `rrule`
//! crate) and calcard's structure. `UNTIL` is written in UTC for timed
//! series (RFC 5545 asks it of a `DTSTART` with a `TZID`) and as a date for
//! all-day ones.

use calcard::common::PartialDateTime;
use calcard::icalendar::{
    ICalendarDay, ICalendarFrequency, ICalendarMonth, ICalendarRecurrenceRule, ICalendarWeekday,
};
use rrule::{Frequency, NWeekday, RRule, Unvalidated, Weekday};

use crate::rules::event::Event;
use crate::rules::when;

fn weekday(day: Weekday) -> ICalendarWeekday {
    match day {
        Weekday::Mon => ICalendarWeekday::Monday,
        Weekday::Tue => ICalendarWeekday::Tuesday,
        Weekday::Wed => ICalendarWeekday::Wednesday,
        Weekday::Thu => ICalendarWeekday::Thursday,
        Weekday::Fri => ICalendarWeekday::Friday,
        Weekday::Sat => ICalendarWeekday::Saturday,
        Weekday::Sun => ICalendarWeekday::Sunday,
    }
}

/// The event's rule as calcard writes it; none when it does not parse.
pub fn to_ical(text: &str, event: &Event) -> Option<ICalendarRecurrenceRule> {
    let parsed: RRule<Unvalidated> = text.parse().ok()?;
    let freq = match parsed.get_freq() {
        Frequency::Yearly => ICalendarFrequency::Yearly,
        Frequency::Monthly => ICalendarFrequency::Monthly,
        Frequency::Weekly => ICalendarFrequency::Weekly,
        Frequency::Daily => ICalendarFrequency::Daily,
        Frequency::Hourly => ICalendarFrequency::Hourly,
        Frequency::Minutely => ICalendarFrequency::Minutely,
        Frequency::Secondly => ICalendarFrequency::Secondly,
    };
    let zone = when::zone_or_utc(&event.time_zone);
    let until =
        parsed.get_until().map(|until| {
            // A floating UNTIL is a wall-clock time in the event's zone.
            let at =
                if until.timezone().is_local() {
                    use chrono::{Datelike, Timelike};
                    let n = until.naive_local();
                    let local = jiff::civil::date(n.year() as i16, n.month() as i8, n.day() as i8)
                        .at(n.hour() as i8, n.minute() as i8, n.second() as i8, 0);
                    when::instant(local, &zone)
                } else {
                    until.timestamp_millis()
                };
            if event.all_day {
                let d = when::date_of(at, &zone);
                PartialDateTime {
                    year: Some(d.year() as u16),
                    month: Some(d.month() as u8),
                    day: Some(d.day() as u8),
                    ..PartialDateTime::default()
                }
            } else {
                PartialDateTime::from_utc_timestamp(at.div_euclid(1000))
            }
        });
    Some(ICalendarRecurrenceRule {
        freq,
        until,
        count: parsed.get_count(),
        interval: Some(parsed.get_interval()).filter(|i| *i > 1),
        bysecond: parsed.get_by_second().to_vec(),
        byminute: parsed.get_by_minute().to_vec(),
        byhour: parsed.get_by_hour().to_vec(),
        byday: parsed
            .get_by_weekday()
            .iter()
            .map(|d| match d {
                NWeekday::Every(day) => ICalendarDay {
                    ordwk: None,
                    weekday: weekday(*day),
                },
                NWeekday::Nth(n, day) => ICalendarDay {
                    ordwk: Some(*n),
                    weekday: weekday(*day),
                },
            })
            .collect(),
        bymonthday: parsed.get_by_month_day().to_vec(),
        byyearday: parsed.get_by_year_day().to_vec(),
        byweekno: parsed.get_by_week_no().to_vec(),
        bymonth: parsed
            .get_by_month()
            .iter()
            .map(|m| ICalendarMonth::new(*m, false))
            .collect(),
        bysetpos: parsed.get_by_set_pos().to_vec(),
        wkst: Some(weekday(parsed.get_week_start())).filter(|w| *w != ICalendarWeekday::Monday),
        rscale: None,
        skip: None,
    })
}
