//! Saving and deleting events, with what follows: records checked, timers
//! for reminders set, moved or cancelled, events announced.

use immcase_sdk::{Ctx, Doc, Error, Result, new_id};
use serde_json::{Map, Value, json};

use crate::data::{self, Reader};
use crate::rules::access::Calendar;
use crate::rules::event::{self, Event};
use crate::rules::reminders::{self, Reminder};
use crate::{invite, video};

/// The "Add video call" switch, when the request has one.
fn video_switch(input: &Map<String, Value>) -> Result<Option<bool>> {
    match input.get("video") {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Bool(on)) => Ok(Some(*on)),
        Some(_) => Err(Error::invalid_field("video", "must be true or false")),
    }
}

/// Input problems as the 422 that names each field.
fn invalid(problems: event::Problems) -> Error {
    Error::invalid_fields(problems)
}

/// The calendar `id` if the reader may add to and change it.
pub fn writable_calendar(ctx: &Ctx, reader: &Reader, id: &str) -> Result<Doc<Calendar>> {
    let calendar = data::readable_calendar(ctx, reader, id)?;
    if !calendar.data.writable_by(reader.viewer()) {
        return Err(Error::Forbidden(format!(
            "you may read {} but not change it; ask who keeps it, or a holder of calendar.manage",
            calendar.data.name
        )));
    }
    Ok(calendar)
}

/// Links to records are checked as the person saving: a case names its
/// applicant; people taking part must be of the practice.
fn check_links(ctx: &Ctx, event: &mut Event, before: Option<&Event>) -> Result<()> {
    let mut problems = event::Problems::new();
    let case_changed = before.is_none_or(|b| b.case_id != event.case_id);
    if let Some(case_id) = event.case_id.clone().filter(|_| case_changed) {
        match ctx.case(&case_id) {
            Ok(case) => {
                if event.applicant_id.is_none()
                    || before.is_some_and(|b| b.applicant_id == event.applicant_id)
                {
                    event.applicant_id = case.applicant_id.clone();
                }
            }
            Err(Error::NotFound(_)) => problems.push(("case_id".into(), "no such case".into())),
            Err(e) => return Err(e),
        }
    }
    let applicant_changed = before.is_none_or(|b| b.applicant_id != event.applicant_id);
    if let Some(applicant_id) = event.applicant_id.clone().filter(|_| applicant_changed) {
        match ctx.applicant(&applicant_id) {
            Ok(_) => {}
            Err(Error::NotFound(_)) => {
                problems.push(("applicant_id".into(), "no such applicant".into()))
            }
            Err(e) => return Err(e),
        }
    }
    for participant in event.participants.iter_mut() {
        let Some(id) = participant.person_id.clone() else {
            continue;
        };
        match ctx.person(&id)? {
            Some(person) => {
                participant.name = person.display_name;
                participant.email = Some(person.email);
                participant.time_zone = Some(person.time_zone);
            }
            None => problems.push((
                "participants".into(),
                format!("{id} is not one of the practice's people"),
            )),
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(invalid(problems))
    }
}

/// A new event in the calendar the input names (or the reader's own).
pub fn create(ctx: &Ctx, reader: &Reader, input: &Map<String, Value>) -> Result<Doc<Event>> {
    create_with_uid(ctx, reader, input, "", &[], None)
}

/// A new event keeping the `uid` another calendar gave it (a new one when
/// empty), the occurrences it dropped and the name a CalDAV client gave it.
pub fn create_with_uid(
    ctx: &Ctx,
    reader: &Reader,
    input: &Map<String, Value>,
    uid: &str,
    except: &[i64],
    dav_name: Option<&str>,
) -> Result<Doc<Event>> {
    let calendar_id = match input.get("calendar_id") {
        Some(Value::String(id)) if !id.trim().is_empty() => id.trim().to_string(),
        _ => data::own_calendar(ctx, reader)?.id,
    };
    writable_calendar(ctx, reader, &calendar_id)?;
    let id = new_id();
    let base = Event {
        calendar_id,
        time_zone: reader.time_zone.clone(),
        uid: if uid.is_empty() {
            format!("{id}@immcase")
        } else {
            uid.to_string()
        },
        except: except.to_vec(),
        dav_name: dav_name.map(str::to_string),
        created_by: Some(reader.id.clone()),
        ..Event::default()
    };
    let mut event = event::apply(base, input, true).map_err(invalid)?;
    check_links(ctx, &mut event, None)?;
    video::follow(ctx, &id, None, &mut event, video_switch(input)?)?;
    let doc = data::put_event(ctx, &id, None, &event)?;
    schedule_reminders(ctx, &doc.id, None, &doc.data)?;
    invite::send(ctx, &doc.id, invite::Change::Created(&doc.data))?;
    ctx.emit("calendar.event.created", &announced(&doc))?;
    Ok(doc)
}

/// What other modules and workflows are told about an event.
fn announced(doc: &Doc<Event>) -> Value {
    let e = &doc.data;
    json!({
        "id": doc.id, "version": doc.version, "calendar_id": e.calendar_id, "title": e.title,
        "type": e.kind.key(), "start": e.start, "end": e.end, "all_day": e.all_day,
        "applicant_id": e.applicant_id, "case_id": e.case_id, "critical": e.critical,
    })
}

/// The event `id` if the reader may read it: its calendar is theirs to
/// read, or they take part in it.
pub fn readable_event(ctx: &Ctx, reader: &Reader, id: &str) -> Result<(Doc<Event>, Doc<Calendar>)> {
    let doc = data::events(ctx)
        .get(id)?
        .ok_or_else(|| Error::NotFound(format!("event {id}")))?;
    let calendar = match data::readable_calendar(ctx, reader, &doc.data.calendar_id) {
        Ok(calendar) => calendar,
        // Someone taking part reads it wherever it is kept.
        Err(_) if doc.data.people().any(|p| p == reader.id) => data::invited(&doc.data.calendar_id),
        Err(_) => return Err(Error::NotFound(format!("event {id}"))),
    };
    Ok((doc, calendar))
}

/// Changes an event at `version`; with `occurrence`, only that occurrence
/// of a series, which becomes an event of its own (moved or edited) and
/// leaves the series.
pub fn update(
    ctx: &Ctx,
    reader: &Reader,
    id: &str,
    version: Option<u64>,
    occurrence: Option<i64>,
    input: &Map<String, Value>,
) -> Result<Doc<Event>> {
    let (doc, _) = readable_event(ctx, reader, id)?;
    writable_calendar(ctx, reader, &doc.data.calendar_id)?;
    if let Some(version) = version.filter(|v| *v != doc.version) {
        return Err(stale(&doc, version));
    }
    if let Some(at) = occurrence.filter(|_| doc.data.rrule.is_some()) {
        return detach(ctx, &doc, at, input);
    }
    let before = doc.data.clone();
    let mut event = event::apply(before.clone(), input, false).map_err(invalid)?;
    if event.calendar_id != before.calendar_id {
        writable_calendar(ctx, reader, &event.calendar_id)?;
    }
    check_links(ctx, &mut event, Some(&before))?;
    video::follow(ctx, id, Some(&before), &mut event, video_switch(input)?)?;
    // Invitations already sent are revised: a higher SEQUENCE.
    if invite::revised(&before, &event) {
        event.sequence = before.sequence + 1;
    }
    let saved = data::put_event(ctx, id, Some(&doc), &event)?;
    schedule_reminders(ctx, id, Some(&before), &saved.data)?;
    invite::send(
        ctx,
        id,
        invite::Change::Updated {
            before: &before,
            after: &saved.data,
        },
    )?;
    ctx.emit("calendar.event.updated", &announced(&saved))?;
    Ok(saved)
}

fn stale(doc: &Doc<Event>, sent: u64) -> Error {
    Error::Conflict(format!(
        "the event changed since you opened it (version {sent}; it is now {})",
        doc.version
    ))
}

/// One occurrence of a series taken out as an event of its own.
fn detach(
    ctx: &Ctx,
    series: &Doc<Event>,
    at: i64,
    input: &Map<String, Value>,
) -> Result<Doc<Event>> {
    let length = series.data.end - series.data.start;
    let base = Event {
        start: at,
        end: at + length,
        rrule: None,
        except: Vec::new(),
        recurrence_of: Some(series.id.clone()),
        recurrence_id: Some(at),
        ..series.data.clone()
    };
    if !series.data.occurs_at(at) {
        return Err(Error::NotFound(format!(
            "the series has no occurrence at {at}"
        )));
    }
    let mut event = event::apply(base.clone(), input, false).map_err(invalid)?;
    check_links(ctx, &mut event, Some(&base))?;
    let mut master = series.data.clone();
    master.except.push(at);
    master.index();
    data::put_event(ctx, &series.id, Some(series), &master)?;
    let id = format!("{}.{at}", series.id);
    event.sequence = series.data.sequence + 1;
    let doc = data::put_event(ctx, &id, None, &event)?;
    schedule_reminders(ctx, &doc.id, None, &doc.data)?;
    // The series' own timers may have pointed at this occurrence.
    schedule_reminders(ctx, &series.id, Some(&series.data), &master)?;
    invite::send(
        ctx,
        &doc.id,
        invite::Change::Updated {
            before: &base,
            after: &doc.data,
        },
    )?;
    ctx.emit("calendar.event.updated", &announced(&doc))?;
    Ok(doc)
}

/// Deletes an event (a series with its moved occurrences), or with
/// `occurrence` one occurrence of a series. Events of a closed case are
/// kept: their history feeds the reports.
pub fn delete(
    ctx: &Ctx,
    reader: &Reader,
    id: &str,
    version: Option<u64>,
    occurrence: Option<i64>,
) -> Result<()> {
    let (doc, _) = readable_event(ctx, reader, id)?;
    writable_calendar(ctx, reader, &doc.data.calendar_id)?;
    if let Some(version) = version.filter(|v| *v != doc.version) {
        return Err(stale(&doc, version));
    }
    refuse_if_case_closed(ctx, &doc.data)?;
    if let Some(at) = occurrence.filter(|_| doc.data.rrule.is_some()) {
        let mut master = doc.data.clone();
        if !master.except.contains(&at) {
            master.except.push(at);
        }
        master.index();
        master.sequence += 1;
        let saved = data::put_event(ctx, id, Some(&doc), &master)?;
        schedule_reminders(ctx, id, Some(&doc.data), &saved.data)?;
        invite::send(
            ctx,
            id,
            invite::Change::Updated {
                before: &doc.data,
                after: &saved.data,
            },
        )?;
        ctx.emit("calendar.event.updated", &announced(&saved))?;
        return Ok(());
    }
    let mut gone = vec![doc];
    if gone[0].data.rrule.is_some() {
        gone.extend(data::events_where(ctx, "recurrence_of", id)?);
    }
    for doc in &gone {
        if let (Some(call), None) = (&doc.data.video_id, &doc.data.recurrence_of) {
            video::drop_call(ctx, &doc.id, call)?;
        }
        if doc.data.recurrence_of.is_none() {
            invite::send(ctx, &doc.id, invite::Change::Deleted(&doc.data))?;
        }
        for lead in &doc.data.reminders {
            ctx.cancel_timer(&reminders::key(&doc.id, *lead))?;
        }
        data::remove_event(ctx, doc)?;
        ctx.emit(
            "calendar.event.deleted",
            &json!({ "id": doc.id, "title": doc.data.title }),
        )?;
    }
    Ok(())
}

/// 409 when the event's case is closed.
fn refuse_if_case_closed(ctx: &Ctx, event: &Event) -> Result<()> {
    let Some(case_id) = &event.case_id else {
        return Ok(());
    };
    let case = match ctx.case(case_id) {
        Ok(case) => case,
        // Gone, or not visible to the reader: nothing to keep it for.
        Err(Error::NotFound(_)) | Err(Error::Forbidden(_)) => return Ok(()),
        Err(e) => return Err(e),
    };
    if case.stage == Some(immcase_sdk::Stage::Closed) {
        return Err(Error::Conflict(format!(
            "{} is closed: its events are kept for the practice's reports and cannot be deleted",
            case.folio
        )));
    }
    Ok(())
}

/// Sets, moves or cancels the event's reminder timers after a change from
/// `before` (none for a new event) to `after`.
pub fn schedule_reminders(
    ctx: &Ctx,
    id: &str,
    before: Option<&Event>,
    after: &Event,
) -> Result<()> {
    let now = ctx.now();
    if let Some(before) = before {
        for lead in before
            .reminders
            .iter()
            .filter(|l| !after.reminders.contains(l))
        {
            ctx.cancel_timer(&reminders::key(id, *lead))?;
        }
    }
    let moved = before.is_some_and(|b| {
        b.start != after.start || b.rrule != after.rrule || b.except != after.except
    });
    for &lead in &after.reminders {
        let key = reminders::key(id, lead);
        match reminders::next(after, lead, now, None) {
            Some(reminder) => ctx.schedule_at(reminder.due(), &key, &reminder)?,
            // Its time has passed: one not sent yet (the event moved
            // closer) goes now, once.
            None if moved && ctx.cancel_timer(&key)? => {
                let reminder = Reminder {
                    occurrence: after.start,
                    lead,
                };
                ctx.schedule_at(now, &key, &reminder)?;
            }
            None => {}
        }
    }
    Ok(())
}

/// What `POST /calendars` and `PATCH /calendars/:id` take.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CalendarInput {
    pub name: Option<String>,
    pub sharing: Option<String>,
    pub colour: Option<String>,
    pub members: Option<Vec<String>>,
    pub version: Option<u64>,
}

/// A team or practice-wide calendar from what a manager sent; members must
/// be the practice's people.
pub fn calendar_from(
    ctx: &Ctx,
    mut calendar: Calendar,
    input: CalendarInput,
    creating: bool,
) -> Result<Calendar> {
    use crate::rules::access::Sharing;
    use crate::rules::kinds::COLOURS;
    let mut problems = event::Problems::new();
    if let Some(name) = input.name {
        calendar.name = name.trim().to_string();
    }
    if calendar.name.is_empty() || calendar.name.chars().count() > 80 {
        problems.push(("name".into(), "1 to 80 characters".into()));
    }
    match input.sharing.as_deref().map(Sharing::parse) {
        Some(Some(Sharing::Personal)) => problems.push((
            "sharing".into(),
            "each person's own calendar is made for them; choose team or public".into(),
        )),
        Some(Some(sharing)) if creating || sharing == calendar.sharing => {
            calendar.sharing = sharing
        }
        Some(Some(_)) => problems.push(("sharing".into(), "cannot change once made".into())),
        Some(None) => problems.push(("sharing".into(), "team or public".into())),
        None if creating => problems.push(("sharing".into(), "required: team or public".into())),
        None => {}
    }
    if calendar.sharing == Sharing::Personal && !creating {
        problems.push((
            "sharing".into(),
            "a person's own calendar is kept by them".into(),
        ));
    }
    match input.colour {
        Some(colour) if COLOURS.contains(&colour.as_str()) => calendar.colour = colour,
        Some(_) => problems.push(("colour".into(), format!("one of {}", COLOURS.join(", ")))),
        None if creating => calendar.colour = "teal".into(),
        None => {}
    }
    if let Some(members) = input.members {
        let mut kept = Vec::new();
        for id in members {
            match ctx.person(&id)? {
                Some(_) if !kept.contains(&id) => kept.push(id),
                Some(_) => {}
                None => problems.push((
                    "members".into(),
                    format!("{id} is not one of the practice's people"),
                )),
            }
        }
        calendar.members = kept;
    }
    if problems.is_empty() {
        Ok(calendar)
    } else {
        Err(invalid(problems))
    }
}

/// Sets the occurrences a series leaves out (as a calendar client sends
/// them), with its reminders following.
pub fn set_exceptions(ctx: &Ctx, id: &str, mut except: Vec<i64>) -> Result<()> {
    let doc = data::events(ctx)
        .get(id)?
        .ok_or_else(|| Error::NotFound(format!("event {id}")))?;
    except.sort_unstable();
    except.dedup();
    if doc.data.except == except {
        return Ok(());
    }
    let mut event = doc.data.clone();
    event.except = except;
    event.index();
    let saved = data::put_event(ctx, id, Some(&doc), &event)?;
    schedule_reminders(ctx, id, Some(&doc.data), &saved.data)
}
