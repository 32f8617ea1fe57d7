//! Events written as iCalendar (RFC 5545) with calcard: a calendar's feed,
//! one event for CalDAV, an invitation (`METHOD:REQUEST`) or its
//! cancellation (`METHOD:CANCEL`).
//!
//! Timed events keep their zone (`DTSTART;TZID=America/Toronto:...`), with
//! a `VTIMEZONE` for each zone written from the tz database, so a repeating
//! event stays at its wall-clock time in every client. All-day events are
//! dates. A series lists the occurrences it dropped as `EXDATE`, and each
//! changed occurrence follows as a `VEVENT` with the series' `UID` and its
//! `RECURRENCE-ID`.

use std::collections::BTreeSet;

use calcard::common::PartialDateTime;
use calcard::icalendar::{
    ICalendar, ICalendarComponent, ICalendarComponentType, ICalendarEntry, ICalendarMethod,
    ICalendarParameter, ICalendarProperty, ICalendarValueType, Uri,
};

use super::rule;
use crate::rules::event::{Event, FOREVER};
use crate::rules::when::{self, DAY};

/// An event to write, with its id and store times.
pub struct Item<'a> {
    pub id: &'a str,
    pub event: &'a Event,
    pub created_at: i64,
    pub updated_at: i64,
}

/// What the calendar is for.
pub enum Purpose<'a> {
    /// A feed or a CalDAV resource.
    Publish { name: Option<&'a str> },
    /// An invitation from `organizer` (email, name).
    Request { organizer: (&'a str, &'a str) },
    /// The invitation withdrawn.
    Cancel { organizer: (&'a str, &'a str) },
}

const PRODID: &str = "-//ImmCase//Calendar 1.0//EN";

fn text(name: ICalendarProperty, value: &str) -> ICalendarEntry {
    ICalendarEntry::new(name).with_value(value.to_string())
}

fn utc(at: i64) -> PartialDateTime {
    PartialDateTime::from_utc_timestamp(at.div_euclid(1000))
}

/// A local (wall-clock) time of `at` in `zone`.
fn local(at: i64, zone: &jiff::tz::TimeZone) -> PartialDateTime {
    let t = when::local(at, zone);
    PartialDateTime {
        year: Some(t.year() as u16),
        month: Some(t.month() as u8),
        day: Some(t.day() as u8),
        hour: Some(t.hour() as u8),
        minute: Some(t.minute() as u8),
        second: Some(t.second() as u8),
        ..PartialDateTime::default()
    }
}

fn date(at: i64, zone: &jiff::tz::TimeZone) -> PartialDateTime {
    let d = when::date_of(at, zone);
    PartialDateTime {
        year: Some(d.year() as u16),
        month: Some(d.month() as u8),
        day: Some(d.day() as u8),
        ..PartialDateTime::default()
    }
}

/// A date-time property of `event` at `at`: a date for all-day events, a
/// local time with `TZID` otherwise.
fn when_entry(name: ICalendarProperty, event: &Event, at: i64) -> ICalendarEntry {
    let zone = when::zone_or_utc(&event.time_zone);
    if event.all_day {
        ICalendarEntry::new(name)
            .with_param(ICalendarParameter::value(ICalendarValueType::Date))
            .with_value(date(at, &zone))
    } else {
        ICalendarEntry::new(name)
            .with_param(ICalendarParameter::tzid(event.time_zone.clone()))
            .with_value(local(at, &zone))
    }
}

fn mailto(email: &str) -> Uri {
    Uri::Location(format!("mailto:{email}"))
}

fn vevent(item: &Item, uid: &str, except: &[i64], purpose: &Purpose) -> ICalendarComponent {
    let e = item.event;
    let mut c = ICalendarComponent::new(ICalendarComponentType::VEvent);
    c.add_uid(uid);
    c.add_dtstamp(utc(item.updated_at));
    c.entries
        .push(ICalendarEntry::new(ICalendarProperty::Created).with_value(utc(item.created_at)));
    c.entries.push(
        ICalendarEntry::new(ICalendarProperty::LastModified).with_value(utc(item.updated_at)),
    );
    c.add_sequence(i64::from(e.sequence));
    c.entries.push(text(ICalendarProperty::Summary, &e.title));
    c.entries
        .push(when_entry(ICalendarProperty::Dtstart, e, e.start));
    if e.end > e.start || e.all_day {
        c.entries
            .push(when_entry(ICalendarProperty::Dtend, e, e.end));
    }
    if let Some(at) = e.recurrence_id {
        c.entries
            .push(when_entry(ICalendarProperty::RecurrenceId, e, at));
    }
    if let Some(parsed) = e.rrule.as_deref().and_then(|r| rule::to_ical(r, e)) {
        c.entries
            .push(ICalendarEntry::new(ICalendarProperty::Rrule).with_value(parsed));
        for &at in except {
            c.entries.push(when_entry(ICalendarProperty::Exdate, e, at));
        }
    }
    let mut description = e.notes.clone();
    if let Some(url) = &e.video_url {
        if !description.is_empty() {
            description.push_str("\n\n");
        }
        description.push_str(&format!("Video call: {url}"));
        c.entries.push(text(ICalendarProperty::Location, url));
        c.entries.push(
            ICalendarEntry::new(ICalendarProperty::Url).with_value(Uri::Location(url.clone())),
        );
    }
    if !description.is_empty() {
        c.entries
            .push(text(ICalendarProperty::Description, &description));
    }
    c.entries
        .push(text(ICalendarProperty::Categories, e.kind.label()));
    c.entries.push(text(
        ICalendarProperty::Other("X-IMMCASE-TYPE".into()),
        e.kind.key(),
    ));
    if e.critical {
        c.entries
            .push(ICalendarEntry::new(ICalendarProperty::Priority).with_value(1i64));
    }
    if let Purpose::Request { organizer } | Purpose::Cancel { organizer } = purpose {
        c.entries.push(
            ICalendarEntry::new(ICalendarProperty::Organizer)
                .with_param(ICalendarParameter::cn(organizer.1.to_string()))
                .with_value(mailto(organizer.0)),
        );
        for p in &e.participants {
            let Some(email) = &p.email else { continue };
            let mut attendee = ICalendarEntry::new(ICalendarProperty::Attendee);
            if !p.name.is_empty() {
                attendee = attendee.with_param(ICalendarParameter::cn(p.name.clone()));
            }
            c.entries.push(
                attendee
                    .with_param(ICalendarParameter::rsvp(true))
                    .with_value(mailto(email)),
            );
        }
        if matches!(purpose, Purpose::Cancel { .. }) {
            c.entries.push(
                ICalendarEntry::new(ICalendarProperty::Status)
                    .with_value(calcard::icalendar::ICalendarStatus::Cancelled),
            );
        }
    }
    c
}

/// The calendar of `items` (series, single events and changed
/// occurrences, in any order).
pub fn calendar(items: &[Item], purpose: Purpose) -> String {
    let mut root = ICalendarComponent::new(ICalendarComponentType::VCalendar);
    root.entries.push(text(ICalendarProperty::Prodid, PRODID));
    root.entries.push(text(ICalendarProperty::Version, "2.0"));
    match &purpose {
        Purpose::Publish { name } => {
            if let Some(name) = name {
                root.entries.push(text(ICalendarProperty::Name, name));
                root.entries
                    .push(text(ICalendarProperty::Other("X-WR-CALNAME".into()), name));
            }
        }
        Purpose::Request { .. } => root.entries.push(
            ICalendarEntry::new(ICalendarProperty::Method).with_value(ICalendarMethod::Request),
        ),
        Purpose::Cancel { .. } => root.entries.push(
            ICalendarEntry::new(ICalendarProperty::Method).with_value(ICalendarMethod::Cancel),
        ),
    }
    let mut ical = ICalendar {
        components: vec![root],
    };
    // Occurrences kept as their own events are not EXDATEs of their series.
    let moved: BTreeSet<(&str, i64)> = items
        .iter()
        .filter_map(|i| Some((i.event.recurrence_of.as_deref()?, i.event.recurrence_id?)))
        .collect();
    let mut zones: Vec<(String, i64, i64)> = Vec::new();
    for item in items {
        let e = item.event;
        let uid = if e.uid.is_empty() {
            format!("{}@immcase", item.id)
        } else {
            e.uid.clone()
        };
        let except: Vec<i64> = e
            .except
            .iter()
            .copied()
            .filter(|at| !moved.contains(&(item.id, *at)))
            .collect();
        let component = vevent(item, &uid, &except, &purpose);
        let index = ical.components.len() as u32;
        ical.components.push(component);
        ical.components[0].component_ids.push(index);
        if !e.all_day {
            let last = if e.last >= FOREVER || e.last < e.end {
                e.start + 5 * 366 * DAY
            } else {
                e.last
            };
            let first = e.start.min(e.recurrence_id.unwrap_or(e.start));
            match zones.iter_mut().find(|(z, _, _)| *z == e.time_zone) {
                Some(zone) => {
                    zone.1 = zone.1.min(first);
                    zone.2 = zone.2.max(last);
                }
                None => zones.push((e.time_zone.clone(), first, last)),
            }
        }
    }
    for (zone, from, to) in zones {
        ical.add_timezone(
            &zone,
            from.div_euclid(1000) - 366 * 86_400,
            to.div_euclid(1000) + 86_400,
        );
    }
    ical.to_string()
}
