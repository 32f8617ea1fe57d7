//! iCalendar read with calcard: the events of an imported file or of a
//! CalDAV client's `PUT`. Zones are resolved as calcard does (IANA names,
//! the `VTIMEZONE`s the file defines, Windows names from Outlook); a time
//! in UTC or in a zone nobody can name is kept in `fallback`, the person's
//! own zone.

use calcard::common::PartialDateTime;
use calcard::common::timezone::Tz;
use calcard::icalendar::{
    ICalendar, ICalendarComponent, ICalendarComponentType, ICalendarEntry, ICalendarParameterName,
    ICalendarProperty, ICalendarValue, ICalendarValueType,
};

use crate::rules::kinds::Kind;
use crate::rules::when::{self, DAY};

/// An event as another calendar described it.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Incoming {
    pub uid: String,
    pub title: String,
    pub notes: String,
    pub all_day: bool,
    /// The IANA zone of its times (`fallback` for UTC and floating times).
    pub time_zone: String,
    pub start: i64,
    pub end: i64,
    pub rrule: Option<String>,
    pub exdates: Vec<i64>,
    /// For a changed occurrence of a series: the occurrence's original start.
    pub recurrence_id: Option<i64>,
    pub kind: Option<Kind>,
    pub sequence: u32,
}

/// A time of an entry: the instant, whether it is a date, and the IANA
/// zone it was given in (none for UTC, fixed offsets and floating times).
struct Moment {
    at: i64,
    date: bool,
    zone: Option<String>,
}

fn civil(p: &PartialDateTime) -> Option<jiff::civil::DateTime> {
    let date =
        jiff::civil::Date::new(i16::try_from(p.year?).ok()?, p.month? as i8, p.day? as i8).ok()?;
    let time = jiff::civil::Time::new(
        p.hour.unwrap_or(0) as i8,
        p.minute.unwrap_or(0) as i8,
        p.second.unwrap_or(0).min(59) as i8,
        0,
    )
    .ok()?;
    Some(date.to_datetime(time))
}

fn moment(
    value: &PartialDateTime,
    entry: &ICalendarEntry,
    ical: &ICalendar,
    fallback: &jiff::tz::TimeZone,
) -> Option<Moment> {
    let local = civil(value)?;
    let is_date = value.hour.is_none()
        || entry
            .parameter(&ICalendarParameterName::Value)
            .is_some_and(|v| {
                matches!(
                    v,
                    calcard::icalendar::ICalendarParameterValue::Value(ICalendarValueType::Date)
                )
            });
    if is_date {
        return Some(Moment {
            at: when::day_start(local.date(), fallback),
            date: true,
            zone: None,
        });
    }
    if matches!((value.tz_hour, value.tz_minute), (Some(_), Some(_))) {
        // UTC (or an explicit offset).
        let offset = i64::from(value.tz_hour.unwrap_or(0)) * 3600
            + i64::from(value.tz_minute.unwrap_or(0)) * 60;
        let offset = if value.tz_minus { -offset } else { offset };
        let at = when::instant(local, &jiff::tz::TimeZone::UTC) - offset * 1000;
        return Some(Moment {
            at,
            date: false,
            zone: None,
        });
    }
    let tzid = entry
        .parameter(&ICalendarParameterName::Tzid)
        .and_then(|v| v.as_text());
    let resolved = tzid.and_then(|name| ical.build_owned_tz_resolver().resolve(name));
    match resolved {
        Some(Tz::Tz(tz)) => {
            let name = tz.name().to_string();
            let zone = when::zone_or_utc(&name);
            Some(Moment {
                at: when::instant(local, &zone),
                date: false,
                zone: Some(name),
            })
        }
        Some(Tz::Fixed(offset)) => {
            let at = when::instant(local, &jiff::tz::TimeZone::UTC)
                - i64::from(offset.local_minus_utc()) * 1000;
            Some(Moment {
                at,
                date: false,
                zone: None,
            })
        }
        Some(Tz::Floating) | None => Some(Moment {
            at: when::instant(local, fallback),
            date: false,
            zone: None,
        }),
    }
}

fn first_moment(
    c: &ICalendarComponent,
    name: &ICalendarProperty,
    ical: &ICalendar,
    fallback: &jiff::tz::TimeZone,
) -> Option<Moment> {
    let entry = c.property(name)?;
    let value = entry.values.first()?.as_partial_date_time()?;
    moment(value, entry, ical, fallback)
}

fn text_of(c: &ICalendarComponent, name: &ICalendarProperty) -> String {
    c.property(name)
        .and_then(|e| e.values.first())
        .and_then(|v| v.as_text())
        .unwrap_or_default()
        .to_string()
}

/// The events of `text`; an error says why it is not iCalendar.
pub fn events(text: &str, fallback_zone: &str) -> Result<Vec<Incoming>, String> {
    let ical = ICalendar::parse(text).map_err(|_| {
        "this is not an iCalendar file (BEGIN:VCALENDAR ... END:VCALENDAR)".to_string()
    })?;
    let fallback = when::zone_or_utc(fallback_zone);
    let mut out = Vec::new();
    for (i, c) in ical.components.iter().enumerate() {
        if c.component_type != ICalendarComponentType::VEvent {
            continue;
        }
        let n = i;
        let uid = c
            .uid()
            .map(str::to_string)
            .ok_or_else(|| format!("event {n} has no UID"))?;
        let start = first_moment(c, &ICalendarProperty::Dtstart, &ical, &fallback)
            .ok_or_else(|| format!("event {uid} has no start (DTSTART)"))?;
        let end = match first_moment(c, &ICalendarProperty::Dtend, &ical, &fallback) {
            Some(end) => end.at,
            None => match c
                .property(&ICalendarProperty::Duration)
                .and_then(|e| e.values.first())
            {
                Some(ICalendarValue::Duration(d)) if !d.neg => {
                    let seconds = i64::from(d.weeks) * 7 * 86_400
                        + i64::from(d.days) * 86_400
                        + i64::from(d.hours) * 3600
                        + i64::from(d.minutes) * 60
                        + i64::from(d.seconds);
                    start.at + seconds * 1000
                }
                _ if start.date => start.at + DAY,
                _ => start.at,
            },
        };
        let zone = start
            .zone
            .clone()
            .unwrap_or_else(|| fallback_zone.to_string());
        let rrule = c
            .property(&ICalendarProperty::Rrule)
            .and_then(|e| e.values.first())
            .and_then(|v| match v {
                ICalendarValue::RecurrenceRule(rule) => Some(rule.to_string()),
                ICalendarValue::Text(rule) => Some(rule.clone()),
                _ => None,
            });
        let mut exdates = Vec::new();
        for entry in c.properties(&ICalendarProperty::Exdate) {
            for value in &entry.values {
                if let Some(m) = value
                    .as_partial_date_time()
                    .and_then(|v| moment(v, entry, &ical, &fallback))
                {
                    exdates.push(m.at);
                }
            }
        }
        let sequence = c
            .property(&ICalendarProperty::Sequence)
            .and_then(|e| e.values.first())
            .and_then(|v| v.as_integer())
            .unwrap_or(0);
        out.push(Incoming {
            uid,
            title: text_of(c, &ICalendarProperty::Summary),
            notes: text_of(c, &ICalendarProperty::Description),
            all_day: start.date,
            time_zone: zone,
            start: start.at,
            end: end.max(start.at),
            rrule,
            exdates,
            recurrence_id: first_moment(c, &ICalendarProperty::RecurrenceId, &ical, &fallback)
                .map(|m| m.at),
            kind: Kind::parse(&text_of(
                c,
                &ICalendarProperty::Other("X-IMMCASE-TYPE".into()),
            )),
            sequence: u32::try_from(sequence).unwrap_or(0),
        });
    }
    Ok(out)
}
