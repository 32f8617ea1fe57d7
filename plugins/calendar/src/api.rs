//! The JSON API below `/api/v1/m/calendar`: events in a range (series
//! expanded), one event, and the reader's calendars.

use immcase_sdk::{Ctx, Doc, Error, Request, Response, Result};
use serde::Serialize;
use serde_json::{Map, Value, json};

use crate::data::{self, Reader};
use crate::effects;
use crate::rules::access::Calendar;
use crate::rules::event::{Event, Participant};
use crate::rules::when::{self, DAY};
use crate::shown::{self, Shown};

/// The widest range one request reads: about a year.
pub const RANGE_MAX: i64 = 400 * DAY;

/// An event as the API writes it: instants in RFC 3339 with the offset of
/// the event's zone.
#[derive(Serialize)]
pub struct EventView {
    pub id: String,
    pub version: u64,
    pub calendar_id: String,
    pub title: String,
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub start: String,
    pub end: String,
    pub all_day: bool,
    pub time_zone: String,
    pub rrule: Option<String>,
    /// For an occurrence of a series: its original start (pass it as
    /// `?occurrence=` to change or delete only this one).
    pub occurrence: Option<String>,
    pub recurrence_of: Option<String>,
    pub recurrence_id: Option<String>,
    pub exceptions: Vec<String>,
    pub applicant_id: Option<String>,
    pub case_id: Option<String>,
    pub participants: Vec<Participant>,
    pub reminders: Vec<i64>,
    pub critical: bool,
    pub notes: String,
    pub video_url: Option<String>,
    pub video_page: Option<String>,
    pub uid: String,
    pub sequence: u32,
}

impl EventView {
    pub fn of(id: &str, version: u64, event: &Event, occurrence: Option<i64>) -> EventView {
        let zone = when::zone_or_utc(&event.time_zone);
        let at = |ms: i64| when::rfc3339(ms, &zone);
        EventView {
            id: id.to_string(),
            version,
            calendar_id: event.calendar_id.clone(),
            title: event.title.clone(),
            kind: event.kind.key(),
            start: at(event.start),
            end: at(event.end),
            all_day: event.all_day,
            time_zone: event.time_zone.clone(),
            rrule: event.rrule.clone(),
            occurrence: occurrence.map(at),
            recurrence_of: event.recurrence_of.clone(),
            recurrence_id: event.recurrence_id.map(at),
            exceptions: event.except.iter().map(|&ms| at(ms)).collect(),
            applicant_id: event.applicant_id.clone(),
            case_id: event.case_id.clone(),
            participants: event.participants.clone(),
            reminders: event.reminders.clone(),
            critical: event.critical,
            notes: event.notes.clone(),
            video_url: event.video_url.clone(),
            video_page: event.video_page.clone(),
            uid: event.uid.clone(),
            sequence: event.sequence,
        }
    }

    pub fn of_doc(doc: &Doc<Event>) -> EventView {
        EventView::of(&doc.id, doc.version, &doc.data, None)
    }

    pub fn of_shown(shown: &Shown) -> EventView {
        EventView::of(&shown.id, shown.version, &shown.event, shown.occurrence)
    }
}

/// An instant from the query (`from`, `to`, `occurrence`): RFC 3339, a
/// local time in the reader's zone, or milliseconds since the epoch.
pub fn instant_param(request: &Request, name: &str, reader: &Reader) -> Result<Option<i64>> {
    let Some(text) = request.query_param(name).filter(|t| !t.trim().is_empty()) else {
        return Ok(None);
    };
    if let Ok(ms) = text.trim().parse::<i64>() {
        return Ok(Some(ms));
    }
    when::parse_instant(&text, &reader.zone())
        .map(Some)
        .map_err(|e| Error::invalid_field(name, &e))
}

/// `GET /events?from=&to=[&calendar=a,b][&expand=false]`: every event and
/// occurrence in the range, earliest first (with `expand=false`, each
/// series once as stored, for clients that expand rules themselves); or `?applicant=` / `?case=`: every event
/// linked to that record.
pub fn list(ctx: &Ctx, request: Request) -> Result<Response> {
    let reader = Reader::of(ctx)?;
    for (param, field) in [("applicant", "applicant_id"), ("case", "case_id")] {
        if let Some(id) = request.query_param(param).filter(|v| !v.is_empty()) {
            let calendars = data::readable(ctx, &reader)?;
            let items: Vec<EventView> = linked(ctx, &reader, &calendars, field, &id)?
                .iter()
                .map(EventView::of_doc)
                .collect();
            return Ok(Response::json(
                &json!({ "items": items, "next_cursor": null }),
            ));
        }
    }
    let from = instant_param(&request, "from", &reader)?;
    let to = instant_param(&request, "to", &reader)?;
    let (Some(from), Some(to)) = (from, to) else {
        return Err(Error::invalid_fields([
            (
                "from".to_string(),
                "required with to (RFC 3339)".to_string(),
            ),
            (
                "to".to_string(),
                "required with from (RFC 3339)".to_string(),
            ),
        ]));
    };
    if to <= from || to - from > RANGE_MAX {
        return Err(Error::invalid_field(
            "to",
            "after from, and at most 400 days later",
        ));
    }
    let only = request.query_param("calendar");
    let chosen = shown::chosen(ctx, &reader, only.as_deref())?;
    if request.query_param("expand").as_deref() == Some("false") {
        // As stored: each series once, not its occurrences.
        let mut items = Vec::new();
        for calendar in &chosen.shown {
            for doc in data::events_between(ctx, &calendar.id, from, to)? {
                items.push(EventView::of_doc(&doc));
            }
        }
        return Ok(Response::json(
            &json!({ "items": items, "next_cursor": null }),
        ));
    }
    let items: Vec<EventView> = shown::between(ctx, &reader, &chosen.shown, from, to)?
        .iter()
        .map(EventView::of_shown)
        .collect();
    Ok(Response::json(
        &json!({ "items": items, "next_cursor": null }),
    ))
}

/// Every event linked to a record that the reader may read (its calendar
/// is among `calendars`, those they read, or they take part), earliest
/// first.
pub fn linked(
    ctx: &Ctx,
    reader: &Reader,
    calendars: &[Doc<Calendar>],
    field: &str,
    id: &str,
) -> Result<Vec<Doc<Event>>> {
    Ok(data::events_where(ctx, field, id)?
        .into_iter()
        .filter(|e| {
            calendars.iter().any(|c| c.id == e.data.calendar_id)
                || e.data.people().any(|p| p == reader.id)
        })
        .collect())
}

/// `POST /events`.
pub fn create(ctx: &Ctx, request: Request) -> Result<Response> {
    let reader = Reader::of(ctx)?;
    let input: Map<String, Value> = request.json()?;
    let doc = effects::create(ctx, &reader, &input)?;
    Ok(Response::created(&EventView::of_doc(&doc)))
}

/// `GET /events/:id`.
pub fn show(ctx: &Ctx, request: Request) -> Result<Response> {
    let reader = Reader::of(ctx)?;
    let (doc, _) = effects::readable_event(ctx, &reader, request.require_param("id")?)?;
    Ok(Response::json(&EventView::of_doc(&doc)))
}

/// The version a change is based on: `version` in the body or `If-Match`.
fn version(request: &Request, input: &mut Map<String, Value>) -> Result<Option<u64>> {
    if let Some(v) = input.remove("version") {
        return v
            .as_u64()
            .map(Some)
            .ok_or_else(|| Error::invalid_field("version", "a number"));
    }
    if let Some(v) = request.query_param("version") {
        return v
            .parse()
            .map(Some)
            .map_err(|_| Error::invalid_field("version", "a number"));
    }
    Ok(request
        .header("if-match")
        .and_then(|v| v.trim().trim_matches('"').parse().ok()))
}

/// `PATCH /events/:id[?occurrence=]`.
pub fn patch(ctx: &Ctx, request: Request) -> Result<Response> {
    let reader = Reader::of(ctx)?;
    let id = request.require_param("id")?.to_string();
    let mut input: Map<String, Value> = request.json()?;
    let version = version(&request, &mut input)?;
    let occurrence = instant_param(&request, "occurrence", &reader)?;
    let doc = effects::update(ctx, &reader, &id, version, occurrence, &input)?;
    Ok(Response::json(&EventView::of_doc(&doc)))
}

/// `DELETE /events/:id[?occurrence=][&version=]`.
pub fn delete(ctx: &Ctx, request: Request) -> Result<Response> {
    let reader = Reader::of(ctx)?;
    let id = request.require_param("id")?.to_string();
    let mut none = Map::new();
    let version = version(&request, &mut none)?;
    let occurrence = instant_param(&request, "occurrence", &reader)?;
    effects::delete(ctx, &reader, &id, version, occurrence)?;
    Ok(Response::no_content())
}

/// A calendar as the API writes it.
#[derive(Serialize)]
pub struct CalendarView {
    pub id: String,
    pub version: u64,
    pub name: String,
    pub sharing: &'static str,
    pub colour: String,
    pub owner_id: Option<String>,
    pub members: Vec<String>,
    pub writable: bool,
    pub shown: bool,
    /// The reader's private subscription address (iCalendar, no session).
    pub feed_url: String,
}

impl CalendarView {
    pub fn of(doc: &Doc<Calendar>, reader: &Reader, shown: bool, feed_url: String) -> CalendarView {
        CalendarView {
            id: doc.id.clone(),
            version: doc.version,
            name: doc.data.name.clone(),
            sharing: match doc.data.sharing {
                crate::rules::access::Sharing::Personal => "personal",
                crate::rules::access::Sharing::Team => "team",
                crate::rules::access::Sharing::Public => "public",
            },
            colour: doc.data.colour.clone(),
            owner_id: doc.data.owner_id.clone(),
            members: doc.data.members.clone(),
            writable: doc.data.writable_by(reader.viewer()),
            shown,
            feed_url,
        }
    }
}

/// `GET /calendars`: the calendars the reader may read, their own first,
/// with whether the side panel shows each.
pub fn calendars(ctx: &Ctx, _request: Request) -> Result<Response> {
    let reader = Reader::of(ctx)?;
    let chosen = shown::chosen(ctx, &reader, None)?;
    let mut known = crate::feeds::of_reader(ctx, &reader)?;
    let mut items = Vec::new();
    for c in &chosen.all {
        let feed_url = crate::feeds::url(ctx, &reader, &c.id, &mut known)?;
        items.push(CalendarView::of(
            c,
            &reader,
            chosen.shown.iter().any(|s| s.id == c.id),
            feed_url,
        ));
    }
    Ok(Response::json(
        &json!({ "items": items, "next_cursor": null }),
    ))
}

/// `POST /calendars` (holders of `calendar.manage`): a team or
/// practice-wide calendar.
pub fn create_calendar(ctx: &Ctx, request: Request) -> Result<Response> {
    let reader = Reader::of(ctx)?;
    ctx.require(crate::rules::access::MANAGE)?;
    let input: crate::effects::CalendarInput = request.json()?;
    let calendar = crate::effects::calendar_from(ctx, Calendar::default(), input, true)?;
    let doc = data::calendars(ctx).insert(&immcase_sdk::new_id(), &calendar)?;
    let feed_url = crate::feeds::url(ctx, &reader, &doc.id, &mut Vec::new())?;
    Ok(Response::created(&CalendarView::of(
        &doc, &reader, true, feed_url,
    )))
}

/// `PATCH /calendars/:id` (holders of `calendar.manage`): its name,
/// colour, members.
pub fn update_calendar(ctx: &Ctx, request: Request) -> Result<Response> {
    let reader = Reader::of(ctx)?;
    ctx.require(crate::rules::access::MANAGE)?;
    let id = request.require_param("id")?;
    let doc = data::readable_calendar(ctx, &reader, id)?;
    let input: crate::effects::CalendarInput = request.json()?;
    if let Some(version) = input.version.filter(|v| *v != doc.version) {
        return Err(Error::Conflict(format!(
            "the calendar changed since you opened it (version {version}; it is now {})",
            doc.version
        )));
    }
    let calendar = crate::effects::calendar_from(ctx, doc.data.clone(), input, false)?;
    let saved = data::calendars(ctx).update(id, &calendar, doc.version)?;
    let mut known = crate::feeds::of_reader(ctx, &reader)?;
    let feed_url = crate::feeds::url(ctx, &reader, id, &mut known)?;
    Ok(Response::json(&CalendarView::of(
        &saved, &reader, true, feed_url,
    )))
}

/// `DELETE /calendars/:id/feed`: the reader's subscription address of the
/// calendar stops working (a new one comes with the next listing).
pub fn revoke_feed(ctx: &Ctx, request: Request) -> Result<Response> {
    let reader = Reader::of(ctx)?;
    let id = request.require_param("id")?;
    data::readable_calendar(ctx, &reader, id)?;
    crate::feeds::revoke(ctx, &reader, id)?;
    Ok(Response::no_content())
}

/// `POST /import?calendar=ID` with an iCalendar body: the events imported
/// (by UID: again is an update), and those skipped with why; a file of
/// more than 40 events is queued (202 with where to follow it).
pub fn import(ctx: &Ctx, request: Request) -> Result<Response> {
    let reader = Reader::of(ctx)?;
    let calendar = match request.query_param("calendar").filter(|c| !c.is_empty()) {
        Some(id) => id,
        None => data::own_calendar(ctx, &reader)?.id,
    };
    let text = std::str::from_utf8(request.body())
        .map_err(|_| Error::invalid_field("file", "iCalendar is UTF-8 text"))?;
    match crate::import::start(ctx, &reader, &calendar, text)? {
        crate::import::Started::Done(outcome) => Ok(Response::json(&outcome)),
        // A large file: imported in batches; follow it at `url`.
        crate::import::Started::Queued(job) => {
            Ok(Response::json(&crate::pages::sync::job_view(&job.id, &job.data)).status(202))
        }
    }
}
