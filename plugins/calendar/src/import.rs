//! Importing an iCalendar file into a calendar the person may change:
//! each event by its UID, so importing the same file again updates what
//! it added instead of doubling it; a changed occurrence joins its series.
//! What cannot be kept (a rule the calendar does not keep, an event
//! longer than it allows) is listed with why, and the rest is imported.

use immcase_sdk::{Ctx, Doc, Error, Result};
use serde::Serialize;
use serde_json::{Map, Value, json};

use crate::data::{self, Reader};
use crate::effects;
use crate::ics::read::{self, Incoming};
use crate::rules::event::Event;
use crate::rules::when;

/// At most this many events in one file.
pub const EVENTS_MAX: usize = 2000;

#[derive(Debug, Default, Serialize)]
pub struct Outcome {
    pub created: usize,
    pub updated: usize,
    pub skipped: Vec<Skipped>,
}

#[derive(Debug, Serialize)]
pub struct Skipped {
    pub uid: String,
    pub title: String,
    pub reason: String,
}

pub fn input_of(e: &Incoming) -> Map<String, Value> {
    let zone = when::zone_or_utc(&e.time_zone);
    let at = |ms: i64| {
        if e.all_day {
            when::date_of(ms, &zone).to_string()
        } else {
            when::rfc3339(ms, &zone)
        }
    };
    let mut input = json!({
        "title": if e.title.trim().is_empty() { "(no title)" } else { e.title.as_str() },
        "notes": e.notes,
        "all_day": e.all_day,
        "time_zone": e.time_zone,
        "start": at(e.start),
        "end": at(e.end),
        "rrule": e.rrule.clone().unwrap_or_default(),
        "reminders": [],
    });
    if let Some(kind) = e.kind {
        input["type"] = json!(kind.key());
    }
    input.as_object().cloned().unwrap_or_default()
}

fn by_uid(ctx: &Ctx, calendar: &str, uid: &str) -> Result<Option<Doc<Event>>> {
    Ok(data::events_where(ctx, "uid", uid)?
        .into_iter()
        .find(|d| d.data.calendar_id == calendar && d.data.recurrence_of.is_none()))
}

/// Imports `text` into `calendar` for the reader.
pub fn import(ctx: &Ctx, reader: &Reader, calendar: &str, text: &str) -> Result<Outcome> {
    effects::writable_calendar(ctx, reader, calendar)?;
    let incoming =
        read::events(text, &reader.time_zone).map_err(|e| Error::invalid_field("file", &e))?;
    if incoming.len() > EVENTS_MAX {
        return Err(Error::invalid_field(
            "file",
            &format!(
                "at most {EVENTS_MAX} events at once; this file has {}",
                incoming.len()
            ),
        ));
    }
    let mut outcome = Outcome::default();
    // Series and single events first, then changed occurrences.
    let (masters, moved): (Vec<&Incoming>, Vec<&Incoming>) =
        incoming.iter().partition(|e| e.recurrence_id.is_none());
    for e in masters {
        let mut input = input_of(e);
        input.insert("calendar_id".into(), json!(calendar));
        let result = match by_uid(ctx, calendar, &e.uid)? {
            Some(doc) => effects::update(ctx, reader, &doc.id, None, None, &input).map(|_| false),
            None => effects::create_with_uid(ctx, reader, &input, &e.uid, &e.exdates, None)
                .map(|_| true),
        };
        match result {
            Ok(true) => outcome.created += 1,
            Ok(false) => outcome.updated += 1,
            Err(error) if error.status() == 422 => outcome.skipped.push(Skipped {
                uid: e.uid.clone(),
                title: e.title.clone(),
                reason: error.message().to_string(),
            }),
            Err(error) => return Err(error),
        }
    }
    for e in moved {
        let Some(series) = by_uid(ctx, calendar, &e.uid)? else {
            outcome.skipped.push(Skipped {
                uid: e.uid.clone(),
                title: e.title.clone(),
                reason: "a changed occurrence of a series that is not in the file".into(),
            });
            continue;
        };
        let Some(at) = e.recurrence_id else { continue };
        let mut input = input_of(e);
        input.remove("rrule");
        input.remove("all_day");
        // Imported before: the occurrence is an event of its own already.
        let changed = format!("{}.{at}", series.id);
        let saved = if data::events(ctx).get(&changed)?.is_some() {
            effects::update(ctx, reader, &changed, None, None, &input)
        } else {
            effects::update(ctx, reader, &series.id, None, Some(at), &input)
        };
        match saved {
            Ok(_) => outcome.updated += 1,
            Err(error) if matches!(error.status(), 404 | 409 | 422) => {
                outcome.skipped.push(Skipped {
                    uid: e.uid.clone(),
                    title: e.title.clone(),
                    reason: error.message().to_string(),
                })
            }
            Err(error) => return Err(error),
        }
    }
    Ok(outcome)
}
