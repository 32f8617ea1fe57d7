//! The calendar's documents: calendars, events and each person's choice
//! of calendars shown; and the reader (who is asking, what they may see).

use immcase_sdk::{Collection, Ctx, Doc, Error, Op, Query, Result};
use serde::{Deserialize, Serialize};

use crate::rules::access::{self, Calendar, MANAGE, Sharing, Viewer};
use crate::rules::event::Event;

pub fn calendars(_ctx: &Ctx) -> Collection<Calendar> {
    Collection::new("calendars")
}

pub fn events(_ctx: &Ctx) -> Collection<Event> {
    Collection::new("events")
}

pub fn preferences(_ctx: &Ctx) -> Collection<Preferences> {
    Collection::new("preferences")
}

/// What a person chose to see. Their own, their teams' and the public
/// calendars show unless turned off; other people's own calendars (which
/// a manager may read) only when turned on.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Preferences {
    /// Calendars they turned off in the side panel.
    #[serde(default)]
    pub hidden: Vec<String>,
    /// Colleagues' own calendars they turned on.
    #[serde(default)]
    pub also_shown: Vec<String>,
}

impl Preferences {
    pub fn shows(&self, calendar: &Doc<Calendar>, reader: &Reader) -> bool {
        if calendar.data.sharing == Sharing::Personal
            && calendar.data.owner_id.as_deref() != Some(&reader.id)
        {
            self.also_shown.contains(&calendar.id)
        } else {
            !self.hidden.contains(&calendar.id)
        }
    }
}

/// The person asking, as the rules know them.
pub struct Reader {
    pub id: String,
    pub manager: bool,
    pub time_zone: String,
}

impl Reader {
    pub fn of(ctx: &Ctx) -> Result<Reader> {
        let caller = ctx.caller();
        let id = caller
            .user_id
            .clone()
            .ok_or_else(|| Error::Forbidden("the calendar is for the practice's people".into()))?;
        Ok(Reader {
            id,
            manager: caller.can(MANAGE),
            time_zone: caller.time_zone.clone(),
        })
    }

    /// A person of the practice as a reader, in a call made for nobody in
    /// particular (a feed fetched without a session, a timer): whether they
    /// manage the calendar comes from the directory.
    pub fn person(ctx: &Ctx, person: &immcase_sdk::Person) -> Result<Reader> {
        let manager = ctx
            .people_holding(MANAGE)?
            .iter()
            .any(|p| p.id == person.id);
        Ok(Reader {
            id: person.id.clone(),
            manager,
            time_zone: person.time_zone.clone(),
        })
    }

    pub fn viewer(&self) -> Viewer<'_> {
        Viewer {
            id: &self.id,
            manager: self.manager,
        }
    }

    pub fn zone(&self) -> jiff::tz::TimeZone {
        crate::rules::when::zone_or_utc(&self.time_zone)
    }
}

/// A case as people name it: its folio and, as far as the caller may read
/// it, its applicant ("CAS014 (Ana Díaz)").
pub fn case_label(ctx: &Ctx, case: &immcase_sdk::Case) -> String {
    let who = case
        .applicant_id
        .as_deref()
        .and_then(|a| ctx.applicant(a).ok())
        .map(|a| format!(" ({})", a.display_name()))
        .unwrap_or_default();
    format!("{}{who}", case.folio)
}

/// Every document a query finds, page after page of 500.
fn every<T>(query: impl Fn() -> Query<T>) -> Result<Vec<Doc<T>>>
where
    T: Serialize + serde::de::DeserializeOwned,
{
    let mut out = Vec::new();
    let mut cursor = None;
    loop {
        let page = query().limit(500).after(cursor).fetch()?;
        out.extend(page.items);
        match page.next_cursor {
            Some(next) => cursor = Some(next),
            None => return Ok(out),
        }
    }
}

/// Every calendar of the practice (a practice keeps tens, not thousands).
pub fn all_calendars(ctx: &Ctx) -> Result<Vec<Doc<Calendar>>> {
    every(|| calendars(ctx).query())
}

/// The reader's own calendar, made the first time it is needed.
pub fn own_calendar(ctx: &Ctx, reader: &Reader) -> Result<Doc<Calendar>> {
    let id = access::personal_id(&reader.id);
    if let Some(doc) = calendars(ctx).get(&id)? {
        return Ok(doc);
    }
    let calendar = Calendar {
        name: "My calendar".into(),
        sharing: Sharing::Personal,
        owner_id: Some(reader.id.clone()),
        members: Vec::new(),
        colour: "blue".into(),
    };
    match calendars(ctx).insert(&id, &calendar) {
        Ok(doc) => Ok(doc),
        // Made meanwhile by another request of theirs.
        Err(Error::Conflict(_)) => calendars(ctx)
            .get(&id)?
            .ok_or_else(|| Error::Internal("own calendar vanished".into())),
        Err(e) => Err(e),
    }
}

/// The calendars the reader may read, their own first; personal calendars
/// of others are named by their owner ("Ana Ruiz's calendar").
pub fn readable(ctx: &Ctx, reader: &Reader) -> Result<Vec<Doc<Calendar>>> {
    let own = own_calendar(ctx, reader)?;
    let mut list: Vec<Doc<Calendar>> = all_calendars(ctx)?
        .into_iter()
        .filter(|c| c.id != own.id && c.data.readable_by(reader.viewer()))
        .collect();
    for doc in list.iter_mut() {
        if let (Sharing::Personal, Some(owner)) = (doc.data.sharing, doc.data.owner_id.as_deref()) {
            let name = ctx
                .person(owner)?
                .map(|p| p.display_name)
                .unwrap_or_else(|| "Someone".into());
            doc.data.name = format!("{name}'s calendar");
        }
    }
    list.sort_by(|a, b| {
        (a.data.sharing as u8, a.data.name.to_lowercase())
            .cmp(&(b.data.sharing as u8, b.data.name.to_lowercase()))
    });
    list.insert(0, own);
    Ok(list)
}

/// The calendar `id`, if the reader may read it (`not-found` otherwise, so
/// nobody learns of calendars they may not see).
pub fn readable_calendar(ctx: &Ctx, reader: &Reader, id: &str) -> Result<Doc<Calendar>> {
    if id == access::personal_id(&reader.id) {
        return own_calendar(ctx, reader);
    }
    calendars(ctx)
        .get(id)?
        .filter(|c| c.data.readable_by(reader.viewer()))
        .ok_or_else(|| Error::NotFound(format!("no calendar {id:?} that you may read")))
}

/// What stands for a calendar the reader may not read, for the events in
/// it they take part in: "Invited", read only.
pub fn invited(calendar_id: &str) -> Doc<Calendar> {
    Doc {
        id: calendar_id.to_string(),
        version: 0,
        created_at: 0,
        updated_at: 0,
        data: Calendar {
            name: "Invited".into(),
            sharing: Sharing::Personal,
            owner_id: None,
            members: Vec::new(),
            colour: "grey".into(),
        },
    }
}

/// The events of `calendar` that may cover `[from, to)`, earliest first:
/// single events in the range and every series that has not ended by
/// `from` (expanded by the caller).
pub fn events_between(ctx: &Ctx, calendar: &str, from: i64, to: i64) -> Result<Vec<Doc<Event>>> {
    every(|| {
        events(ctx)
            .query()
            .where_eq("calendar_id", calendar)
            .where_op("first", Op::Lt, to)
            .where_op("last", Op::Gte, from)
            .order_by("first")
    })
}

/// Every event whose `field` (an indexed id: `applicant_id`, `case_id`,
/// `recurrence_of`, `origin`) is `value`.
pub fn events_where(ctx: &Ctx, field: &str, value: &str) -> Result<Vec<Doc<Event>>> {
    every(|| events(ctx).query().where_eq(field, value).order_by("first"))
}

/// The reader's choice of calendars shown.
pub fn choice(ctx: &Ctx, reader: &Reader) -> Result<Option<Doc<Preferences>>> {
    preferences(ctx).get(&reader.id)
}

/// Who takes part in what: one document per (event, person of the
/// practice), so a person's events are found wherever they are kept (for
/// their views and their free/busy).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Attendance {
    pub person_id: String,
    pub event_id: String,
    pub first: i64,
    pub last: i64,
}

pub fn attendance(_ctx: &Ctx) -> Collection<Attendance> {
    Collection::new("attendance")
}

/// Saves an event (new when `current` is none) and who takes part in it.
pub fn put_event(
    ctx: &Ctx,
    id: &str,
    current: Option<&Doc<Event>>,
    event: &Event,
) -> Result<Doc<Event>> {
    let saved = match current {
        Some(doc) => events(ctx).update(id, event, doc.version)?,
        None => events(ctx).insert(id, event)?,
    };
    attend(ctx, id, current.map(|d| &d.data), Some(&saved.data))?;
    Ok(saved)
}

/// Deletes an event and its attendance (its timers are the caller's).
pub fn remove_event(ctx: &Ctx, doc: &Doc<Event>) -> Result<()> {
    events(ctx).delete(&doc.id, Some(doc.version))?;
    attend(ctx, &doc.id, Some(&doc.data), None)
}

fn attend(ctx: &Ctx, id: &str, before: Option<&Event>, after: Option<&Event>) -> Result<()> {
    let people = |e: Option<&Event>| -> Vec<String> {
        e.map(|e| e.people().map(str::to_string).collect())
            .unwrap_or_default()
    };
    let (old, new) = (people(before), people(after));
    for person in old.iter().filter(|p| !new.contains(p)) {
        attendance(ctx).delete(&format!("{id}:{person}"), None)?;
    }
    let Some(after) = after else {
        return Ok(());
    };
    for person in new {
        let key = format!("{id}:{person}");
        let row = Attendance {
            person_id: person,
            event_id: id.to_string(),
            first: after.first,
            last: after.last,
        };
        match attendance(ctx).get(&key)? {
            Some(doc) if doc.data == row => {}
            Some(doc) => {
                attendance(ctx).update(&key, &row, doc.version)?;
            }
            None => {
                attendance(ctx).insert(&key, &row)?;
            }
        }
    }
    Ok(())
}

/// The events `person` takes part in that may cover `[from, to)`.
pub fn attended_between(ctx: &Ctx, person: &str, from: i64, to: i64) -> Result<Vec<Doc<Event>>> {
    let rows = every(|| {
        attendance(ctx)
            .query()
            .where_eq("person_id", person)
            .where_op("first", Op::Lt, to)
            .where_op("last", Op::Gte, from)
    })?;
    let mut out = Vec::new();
    for row in rows {
        if let Some(doc) = events(ctx).get(&row.data.event_id)? {
            out.push(doc);
        }
    }
    Ok(out)
}
