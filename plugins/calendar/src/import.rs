//! Importing an iCalendar file into a calendar the person may change:
//! each event by its UID, so importing the same file again updates what
//! it added instead of doubling it; a changed occurrence joins its series.
//! What cannot be kept (a rule the calendar does not keep, an event
//! longer than it allows) is listed with why, and the rest is imported.
//! A large file is queued and imported in batches by a timer, each batch
//! its own transaction; the person is told when it is done.

use immcase_sdk::{Collection, Ctx, Doc, Error, Notification, Result, new_id};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use crate::data::{self, Reader};
use crate::effects;
use crate::ics::read::{self, Incoming};
use crate::rules::event::Event;
use crate::rules::when;

/// At most this many events in one file.
pub const EVENTS_MAX: usize = 2000;

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Outcome {
    pub created: usize,
    pub updated: usize,
    pub skipped: Vec<Skipped>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
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

/// The events of `text` to import into `calendar` for the reader, series
/// and single events before changed occurrences (a refusal names `file`).
pub fn parse(ctx: &Ctx, reader: &Reader, calendar: &str, text: &str) -> Result<Vec<Incoming>> {
    effects::writable_calendar(ctx, reader, calendar)?;
    let mut incoming =
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
    incoming.sort_by_key(|e| e.recurrence_id.is_some());
    Ok(incoming)
}

fn skipped(e: &Incoming, reason: &str) -> Skipped {
    Skipped {
        uid: e.uid.clone(),
        title: e.title.clone(),
        reason: reason.to_string(),
    }
}

/// Imports `events` (from [`parse`]) into `calendar` for the reader.
pub fn import_events(
    ctx: &Ctx,
    reader: &Reader,
    calendar: &str,
    events: &[Incoming],
) -> Result<Outcome> {
    let mut outcome = Outcome::default();
    for e in events {
        let Some(at) = e.recurrence_id else {
            let mut input = input_of(e);
            input.insert("calendar_id".into(), json!(calendar));
            let result = match by_uid(ctx, calendar, &e.uid)? {
                Some(doc) => {
                    effects::update(ctx, reader, &doc.id, None, None, &input).map(|_| false)
                }
                None => effects::create_with_uid(ctx, reader, &input, &e.uid, &e.exdates, None)
                    .map(|_| true),
            };
            match result {
                Ok(true) => outcome.created += 1,
                Ok(false) => outcome.updated += 1,
                Err(error) if error.status() == 422 => {
                    outcome.skipped.push(skipped(e, error.message()))
                }
                Err(error) => return Err(error),
            }
            continue;
        };
        let Some(series) = by_uid(ctx, calendar, &e.uid)? else {
            outcome.skipped.push(skipped(
                e,
                "a changed occurrence of a series that is not in the file",
            ));
            continue;
        };
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
                outcome.skipped.push(skipped(e, error.message()))
            }
            Err(error) => return Err(error),
        }
    }
    Ok(outcome)
}

impl Outcome {
    fn add(&mut self, other: Outcome) {
        self.created += other.created;
        self.updated += other.updated;
        self.skipped.extend(other.skipped);
    }
}

/// Imported in the request itself up to this many events; more are queued
/// and imported this many at a time, each batch its own transaction (a
/// module call may hold the database's write lock only briefly).
pub const DIRECT: usize = 40;
pub const BATCH: usize = 25;

/// A queued import: its batches are the documents `{id}.{n}` of
/// `import_batches`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Job {
    pub person_id: String,
    pub calendar_id: String,
    pub total: usize,
    pub batches: usize,
    pub next: usize,
    pub outcome: Outcome,
    pub finished: bool,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct Batch {
    events: Vec<Incoming>,
}

pub fn jobs() -> Collection<Job> {
    Collection::new("imports")
}

fn batches() -> Collection<Batch> {
    Collection::new("import_batches")
}

/// What an import started with: done at once, or queued.
pub enum Started {
    Done(Outcome),
    Queued(Doc<Job>),
}

/// Imports `text` now when it is small, or queues it in batches.
pub fn start(ctx: &Ctx, reader: &Reader, calendar: &str, text: &str) -> Result<Started> {
    let events = parse(ctx, reader, calendar, text)?;
    if events.len() <= DIRECT {
        return import_events(ctx, reader, calendar, &events).map(Started::Done);
    }
    let id = new_id();
    let chunks: Vec<&[Incoming]> = events.chunks(BATCH).collect();
    for (n, chunk) in chunks.iter().enumerate() {
        batches().insert(
            &format!("{id}.{n}"),
            &Batch {
                events: chunk.to_vec(),
            },
        )?;
    }
    let job = Job {
        person_id: reader.id.clone(),
        calendar_id: calendar.to_string(),
        total: events.len(),
        batches: chunks.len(),
        ..Job::default()
    };
    let doc = jobs().insert(&id, &job)?;
    ctx.schedule_at(ctx.now(), &format!("import:{id}"), &json!({}))?;
    Ok(Started::Queued(doc))
}

/// A queued import's next batch (its timer), as the person who started it;
/// the person is told when it is done.
pub fn step(ctx: &Ctx, id: &str) -> Result<()> {
    let Some(doc) = jobs().get(id)? else {
        return Ok(());
    };
    let mut job = doc.data.clone();
    if job.finished {
        return Ok(());
    }
    let key = format!("{id}.{}", job.next);
    let batch = batches().get(&key)?;
    let person = ctx.person(&job.person_id)?.filter(|p| p.active);
    match (person, batch) {
        (Some(person), Some(batch)) => {
            let reader = Reader::person(ctx, &person)?;
            match import_events(ctx, &reader, &job.calendar_id, &batch.data.events) {
                Ok(outcome) => job.outcome.add(outcome),
                // No longer theirs to change, say: the rest is not imported.
                Err(e) if matches!(e.status(), 403 | 404) => {
                    for event in &batch.data.events {
                        job.outcome.skipped.push(skipped(event, e.message()));
                    }
                }
                Err(e) => return Err(e),
            }
            batches().delete(&key, None)?;
        }
        _ => job.outcome.skipped.push(Skipped {
            uid: String::new(),
            title: String::new(),
            reason: "the person who started the import can no longer sign in".into(),
        }),
    }
    job.next += 1;
    job.finished = job.next >= job.batches;
    jobs().update(id, &job, doc.version)?;
    if !job.finished {
        return ctx.schedule_at(ctx.now(), &format!("import:{id}"), &json!({}));
    }
    let text = format!(
        "Import finished: {} new, {} updated, {} not imported",
        job.outcome.created,
        job.outcome.updated,
        job.outcome.skipped.len()
    );
    let link = format!("/m/calendar/imports/{id}");
    let body = format!(
        "{text}.\n\nSee what was imported: {}\n",
        ctx.caller().link(&link)
    );
    ctx.notify(&Notification::new(&job.person_id, IMPORTED, &text, &link).with_email(&text, &body))
}

/// The notification when a queued import is done.
pub const IMPORTED: &str = "calendar.imported";
