//! What a reader sees in a range: the events of the calendars they chose,
//! with every series expanded into its occurrences, earliest first.

use std::collections::BTreeSet;

use immcase_sdk::{Ctx, Doc, Result};

use crate::data::{self, Reader};
use crate::rules::access::Calendar;
use crate::rules::event::Event;
use crate::rules::{recurrence, when};

/// One event, or one occurrence of a series, as shown.
#[derive(Debug, Clone)]
pub struct Shown {
    pub id: String,
    pub version: u64,
    /// The event, with `start` and `end` those of this occurrence.
    pub event: Event,
    /// The original start naming this occurrence, for a series.
    pub occurrence: Option<i64>,
    pub colour: String,
    pub calendar_name: String,
}

impl Shown {
    /// The event's page (this occurrence's, for a series).
    pub fn page(&self) -> String {
        match self.occurrence {
            Some(at) => format!("/m/calendar/events/{}?occurrence={at}", self.id),
            None => format!("/m/calendar/events/{}", self.id),
        }
    }

    /// The dates an all-day event covers (its last date included).
    pub fn dates(&self) -> (jiff::civil::Date, jiff::civil::Date) {
        let zone = when::zone_or_utc(&self.event.time_zone);
        let first = when::date_of(self.event.start, &zone);
        let after = when::date_of(self.event.end, &zone);
        (first, when::add_days(after, -1).max(first))
    }
}

/// The occurrences of `doc` that overlap `[from, to)` for a reader in
/// `zone` (all-day events cover their dates in the reader's zone).
pub fn occurrences(
    doc: &Doc<Event>,
    calendar: &Doc<Calendar>,
    from: i64,
    to: i64,
    zone: &jiff::tz::TimeZone,
) -> Vec<Shown> {
    let event = &doc.data;
    let own_zone = when::zone_or_utc(&event.time_zone);
    let except: BTreeSet<i64> = event.except.iter().copied().collect();
    let spans: Vec<(i64, i64, Option<i64>)> = match event.series(&own_zone, &except) {
        Some(series) => recurrence::between(&series, from - 2 * when::DAY, to + 2 * when::DAY)
            .into_iter()
            .map(|o| (o.start, o.end, Some(o.recurrence_id)))
            .collect(),
        None => vec![(event.start, event.end, None)],
    };
    spans
        .into_iter()
        .filter(|&(start, end, _)| {
            let (start, end) = if event.all_day {
                // The same dates, in the reader's zone.
                let first = when::date_of(start, &own_zone);
                let after = when::date_of(end, &own_zone);
                (when::day_start(first, zone), when::day_start(after, zone))
            } else {
                (start, end)
            };
            start < to && (end > from || (end == start && start >= from))
        })
        .map(|(start, end, occurrence)| Shown {
            id: doc.id.clone(),
            version: doc.version,
            event: Event {
                start,
                end,
                ..event.clone()
            },
            occurrence,
            colour: calendar.data.colour.clone(),
            calendar_name: calendar.data.name.clone(),
        })
        .collect()
}

/// Everything in `[from, to)` of `calendars`, and what the reader takes
/// part in elsewhere when their own calendar is among them, earliest first.
pub fn between(
    ctx: &Ctx,
    reader: &Reader,
    calendars: &[Doc<Calendar>],
    from: i64,
    to: i64,
) -> Result<Vec<Shown>> {
    let zone = reader.zone();
    let mut shown = Vec::new();
    for calendar in calendars {
        // A day's slack each side: all-day events are read in the reader's zone.
        for doc in data::events_between(ctx, &calendar.id, from - when::DAY, to + when::DAY)? {
            shown.extend(occurrences(&doc, calendar, from, to, &zone));
        }
    }
    // What the reader takes part in, kept in calendars they do not read,
    // shows with their own calendar.
    let own = crate::rules::access::personal_id(&reader.id);
    if calendars.iter().any(|c| c.id == own) {
        for doc in data::attended_between(ctx, &reader.id, from - when::DAY, to + when::DAY)? {
            if calendars.iter().any(|c| c.id == doc.data.calendar_id) {
                continue;
            }
            let invited = data::invited(&doc.data.calendar_id);
            shown.extend(occurrences(&doc, &invited, from, to, &zone));
        }
    }
    shown.sort_by(|a, b| {
        (!a.event.all_day, a.event.start, a.event.title.as_str()).cmp(&(
            !b.event.all_day,
            b.event.start,
            b.event.title.as_str(),
        ))
    });
    Ok(shown)
}

/// The calendars a reader may read, and those they show.
pub struct Chosen {
    pub all: Vec<Doc<Calendar>>,
    pub shown: Vec<Doc<Calendar>>,
}

/// The reader's calendars as they chose them in the side panel (all when
/// they never chose), or those named in `only` (ids, comma-separated).
pub fn chosen(ctx: &Ctx, reader: &Reader, only: Option<&str>) -> Result<Chosen> {
    let all = data::readable(ctx, reader)?;
    let shown = match only {
        Some(list) => {
            let wanted: BTreeSet<&str> = list.split(',').map(str::trim).collect();
            all.iter()
                .filter(|c| wanted.contains(c.id.as_str()))
                .cloned()
                .collect()
        }
        None => {
            let prefs = data::choice(ctx, reader)?
                .map(|p| p.data)
                .unwrap_or_default();
            all.iter()
                .filter(|c| prefs.shows(c, reader))
                .cloned()
                .collect()
        }
    };
    Ok(Chosen { all, shown })
}
