//! The person's CalDAV tree: where a path leads, what each place answers
//! to `PROPFIND` and `REPORT`, and events read, written and deleted as
//! iCalendar resources with ETags.

use std::collections::BTreeSet;

use immcase_sdk::{Ctx, Doc, Error, Request, Response, Result};

use super::ROOT;
use super::xml::{self, APPLE, Asked, CALDAV, CALSERVER, DAV, Name, Value};
use crate::data::{self, Reader};
use crate::effects;
use crate::ics::read::{self, Incoming};
use crate::ics::write::{self, Item, Purpose};
use crate::import::input_of;
use crate::rules::access::Calendar;
use crate::rules::event::{Event, FOREVER};
use crate::rules::when;
use crate::shown;

/// Where a path leads.
pub enum Place {
    Root,
    Home,
    Calendar { id: String },
    Resource { calendar: String, name: String },
}

/// Path segments are percent-encoded (RFC 3986): all but unreserved bytes.
const SEGMENT: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~')
    .remove(b'@');

fn decode(segment: &str) -> String {
    percent_encoding::percent_decode_str(segment)
        .decode_utf8_lossy()
        .into_owned()
}

fn encode(name: &str) -> String {
    percent_encoding::utf8_percent_encode(name, SEGMENT).to_string()
}

/// The place of `path`; 404 outside the tree, 403 for another's home.
pub fn place(path: &str, reader: &Reader) -> std::result::Result<Place, u16> {
    let rest = path.strip_prefix(ROOT).ok_or(404u16)?;
    let parts: Vec<String> = rest
        .split('/')
        .filter(|s| !s.is_empty())
        .map(decode)
        .collect();
    if let Some(person) = parts.first()
        && *person != reader.id
    {
        return Err(403);
    }
    Ok(match parts.as_slice() {
        [] => Place::Root,
        [_] => Place::Home,
        [_, calendar] => Place::Calendar {
            id: calendar.clone(),
        },
        [_, calendar, name] => Place::Resource {
            calendar: calendar.clone(),
            name: name.clone(),
        },
        _ => return Err(404),
    })
}

fn home(reader: &Reader) -> String {
    format!("{ROOT}/{}/", encode(&reader.id))
}

fn calendar_href(reader: &Reader, id: &str) -> String {
    format!("{}{}/", home(reader), encode(id))
}

/// A resource: a single event or a series with its changed occurrences.
struct Group {
    master: Doc<Event>,
    changed: Vec<Doc<Event>>,
}

impl Group {
    fn name(&self) -> String {
        self.master
            .data
            .dav_name
            .clone()
            .unwrap_or_else(|| format!("{}.ics", self.master.id))
    }

    /// Changes with any change of the series or of its changed occurrences.
    fn etag(&self) -> String {
        let mut sum: u64 = self.master.version.wrapping_mul(1_000_003);
        for d in &self.changed {
            sum = sum
                .wrapping_mul(31)
                .wrapping_add(d.version)
                .wrapping_add(d.updated_at as u64);
        }
        format!("\"{}-{}-{sum:x}\"", self.master.version, self.changed.len())
    }

    fn ics(&self) -> String {
        let mut items = vec![Item {
            id: &self.master.id,
            event: &self.master.data,
            created_at: self.master.created_at,
            updated_at: self.master.updated_at,
        }];
        items.extend(self.changed.iter().map(|d| Item {
            id: &d.id,
            event: &d.data,
            created_at: d.created_at,
            updated_at: d.updated_at,
        }));
        write::calendar(&items, Purpose::Publish { name: None })
    }
}

/// Every resource of a calendar.
fn groups(ctx: &Ctx, calendar: &str) -> Result<Vec<Group>> {
    let all = data::events_between(ctx, calendar, i64::MIN / 4, FOREVER)?;
    let (changed, masters): (Vec<Doc<Event>>, Vec<Doc<Event>>) = all
        .into_iter()
        .partition(|d| d.data.recurrence_of.is_some());
    Ok(masters
        .into_iter()
        .map(|master| {
            let mine = changed
                .iter()
                .filter(|c| c.data.recurrence_of.as_deref() == Some(master.id.as_str()))
                .cloned()
                .collect();
            Group {
                master,
                changed: mine,
            }
        })
        .collect())
}

fn group_named(ctx: &Ctx, calendar: &str, name: &str) -> Result<Option<Group>> {
    Ok(groups(ctx, calendar)?
        .into_iter()
        .find(|g| g.name() == name))
}

/// The resource of the series or event `master`, read on its own.
fn group_of(ctx: &Ctx, master: &str) -> Result<Group> {
    let master = data::events(ctx)
        .get(master)?
        .ok_or_else(|| Error::Internal("the event vanished after saving".into()))?;
    let changed = data::events_where(ctx, "recurrence_of", &master.id)?;
    Ok(Group { master, changed })
}

fn ctag(groups: &[Group]) -> String {
    let mut sum: u64 = groups.len() as u64;
    for g in groups {
        for b in g.etag().bytes() {
            sum = sum
                .wrapping_mul(1_099_511_628_211)
                .wrapping_add(u64::from(b));
        }
    }
    format!("{sum:x}")
}

fn marks(names: &[(&str, &str)]) -> Value {
    Value::Marks(names.iter().map(|(ns, l)| Name::new(ns, l)).collect())
}

/// The properties every place shares: who is asking.
fn person_props(ctx: &Ctx, reader: &Reader, name: &Name) -> Option<Value> {
    match (name.ns.as_str(), name.local.as_str()) {
        (DAV, "current-user-principal") | (DAV, "principal-URL") | (DAV, "owner") => {
            Some(Value::Href(home(reader)))
        }
        (CALDAV, "calendar-home-set") => Some(Value::Href(home(reader))),
        (CALDAV, "calendar-user-address-set") => {
            Some(Value::Hrefs(vec![format!("mailto:{}", ctx.caller().email)]))
        }
        _ => None,
    }
}

fn hex_colour(colour: &str) -> &'static str {
    match colour {
        "blue" => "#1F5FA8",
        "green" => "#1F7A44",
        "red" => "#B3261E",
        "orange" => "#C25E00",
        "purple" => "#6B3FA0",
        "teal" => "#00796B",
        "pink" => "#B0306A",
        "brown" => "#795548",
        "gold" => "#A87A00",
        _ => "#5A6474",
    }
}

fn calendar_prop(
    ctx: &Ctx,
    reader: &Reader,
    calendar: &Doc<Calendar>,
    ctag_value: &str,
    name: &Name,
) -> Option<Value> {
    let writable = calendar.data.writable_by(reader.viewer());
    match (name.ns.as_str(), name.local.as_str()) {
        (DAV, "resourcetype") => Some(marks(&[(DAV, "collection"), (CALDAV, "calendar")])),
        (DAV, "displayname") => Some(Value::Text(calendar.data.name.clone())),
        (CALDAV, "supported-calendar-component-set") => Some(Value::Components(vec!["VEVENT"])),
        (DAV, "supported-report-set") => Some(Value::Reports(vec![
            Name::new(CALDAV, "calendar-query"),
            Name::new(CALDAV, "calendar-multiget"),
        ])),
        (CALSERVER, "getctag") => Some(Value::Text(ctag_value.to_string())),
        (APPLE, "calendar-color") => {
            Some(Value::Text(hex_colour(&calendar.data.colour).to_string()))
        }
        (DAV, "current-user-privilege-set") => Some(Value::Privileges(if writable {
            vec!["read", "write", "write-content", "bind", "unbind"]
        } else {
            vec!["read"]
        })),
        _ => person_props(ctx, reader, name),
    }
}

fn resource_prop(group: &Group, name: &Name) -> Option<Value> {
    match (name.ns.as_str(), name.local.as_str()) {
        (DAV, "resourcetype") => Some(Value::Marks(Vec::new())),
        (DAV, "getetag") => Some(Value::Text(group.etag())),
        (DAV, "getcontenttype") => Some(Value::Text(
            "text/calendar; charset=utf-8; component=vevent".into(),
        )),
        (CALDAV, "calendar-data") => Some(Value::Text(group.ics())),
        _ => None,
    }
}

/// The properties answered for `allprop` (calendar data only when asked).
fn all_props() -> Vec<Name> {
    [
        (DAV, "resourcetype"),
        (DAV, "displayname"),
        (DAV, "current-user-principal"),
        (CALDAV, "calendar-home-set"),
        (CALDAV, "supported-calendar-component-set"),
        (CALSERVER, "getctag"),
        (DAV, "getetag"),
        (DAV, "getcontenttype"),
    ]
    .iter()
    .map(|(ns, l)| Name::new(ns, l))
    .collect()
}

fn answer(
    href: String,
    wanted: &[Name],
    all: bool,
    find: impl Fn(&Name) -> Option<Value>,
) -> xml::Response {
    let names = if all { all_props() } else { wanted.to_vec() };
    let mut response = xml::Response {
        href,
        found: Vec::new(),
        missing: Vec::new(),
    };
    for name in names {
        match find(&name) {
            Some(v) => response.found.push((name, v)),
            None if !all => response.missing.push(name),
            None => {}
        }
    }
    response
}

fn multistatus(responses: &[xml::Response], not_found: &[String]) -> Response {
    Response::text(String::from_utf8_lossy(&xml::multistatus(responses, not_found)).into_owned())
        .status(207)
        .header("Content-Type", "application/xml; charset=utf-8")
}

fn asked(request: &Request) -> Result<Asked> {
    xml::read(request.body()).map_err(Error::Invalid)
}

fn depth(request: &Request) -> u8 {
    match request.header("depth").map(str::trim) {
        Some("0") => 0,
        _ => 1,
    }
}

pub fn propfind(ctx: &Ctx, reader: &Reader, place: &Place, request: &Request) -> Result<Response> {
    let asked = asked(request)?;
    let depth = depth(request);
    let mut out = Vec::new();
    let person = |name: &Name| person_props(ctx, reader, name);
    match place {
        Place::Root => {
            out.push(answer(
                format!("{ROOT}/"),
                &asked.props,
                asked.all,
                |n| match (n.ns.as_str(), n.local.as_str()) {
                    (DAV, "resourcetype") => Some(marks(&[(DAV, "collection")])),
                    (DAV, "displayname") => Some(Value::Text("Calendars".into())),
                    _ => person(n),
                },
            ));
            if depth > 0 {
                out.push(answer(home(reader), &asked.props, asked.all, |n| {
                    home_prop(ctx, reader, n)
                }));
            }
        }
        Place::Home => {
            out.push(answer(home(reader), &asked.props, asked.all, |n| {
                home_prop(ctx, reader, n)
            }));
            if depth > 0 {
                for calendar in data::readable(ctx, reader)? {
                    let groups = groups(ctx, &calendar.id)?;
                    let tag = ctag(&groups);
                    out.push(answer(
                        calendar_href(reader, &calendar.id),
                        &asked.props,
                        asked.all,
                        |n| calendar_prop(ctx, reader, &calendar, &tag, n),
                    ));
                }
            }
        }
        Place::Calendar { id } => {
            let calendar = data::readable_calendar(ctx, reader, id)?;
            let groups = groups(ctx, id)?;
            let tag = ctag(&groups);
            out.push(answer(
                calendar_href(reader, id),
                &asked.props,
                asked.all,
                |n| calendar_prop(ctx, reader, &calendar, &tag, n),
            ));
            if depth > 0 {
                for group in &groups {
                    let href = format!("{}{}", calendar_href(reader, id), encode(&group.name()));
                    out.push(answer(href, &asked.props, asked.all, |n| {
                        resource_prop(group, n)
                    }));
                }
            }
        }
        Place::Resource { calendar, name } => {
            data::readable_calendar(ctx, reader, calendar)?;
            let group = group_named(ctx, calendar, name)?
                .ok_or_else(|| Error::NotFound(format!("no event {name}")))?;
            let href = format!("{}{}", calendar_href(reader, calendar), encode(name));
            out.push(answer(href, &asked.props, asked.all, |n| {
                resource_prop(&group, n)
            }));
        }
    }
    Ok(multistatus(&out, &[]))
}

fn home_prop(ctx: &Ctx, reader: &Reader, name: &Name) -> Option<Value> {
    match (name.ns.as_str(), name.local.as_str()) {
        (DAV, "resourcetype") => Some(marks(&[(DAV, "collection"), (DAV, "principal")])),
        (DAV, "displayname") => Some(Value::Text(ctx.caller().display_name.clone())),
        (DAV, "current-user-privilege-set") => Some(Value::Privileges(vec!["read"])),
        _ => person_props(ctx, reader, name),
    }
}

/// `20260301T000000Z` as an instant.
fn utc_basic(text: &str) -> Option<i64> {
    let t = text.trim();
    let civil = jiff::civil::DateTime::strptime("%Y%m%dT%H%M%SZ", t).ok()?;
    Some(when::instant(civil, &jiff::tz::TimeZone::UTC))
}

fn in_range(group: &Group, calendar: &Doc<Calendar>, from: i64, to: i64) -> bool {
    let docs = std::iter::once(&group.master).chain(group.changed.iter());
    docs.into_iter().any(|doc| {
        !shown::occurrences(doc, calendar, from, to, &jiff::tz::TimeZone::UTC).is_empty()
    })
}

pub fn report(ctx: &Ctx, reader: &Reader, place: &Place, request: &Request) -> Result<Response> {
    let Place::Calendar { id } = place else {
        return Err(Error::Forbidden(
            "reports are answered on a calendar".into(),
        ));
    };
    let calendar = data::readable_calendar(ctx, reader, id)?;
    let asked = asked(request)?;
    let root = asked
        .root
        .clone()
        .unwrap_or_else(|| Name::new(CALDAV, "calendar-query"));
    let groups = groups(ctx, id)?;
    let base = calendar_href(reader, id);
    let mut out = Vec::new();
    let mut missing = Vec::new();
    if root.is(CALDAV, "calendar-multiget") {
        for href in &asked.hrefs {
            let name = decode(href.rsplit('/').next().unwrap_or_default());
            match groups.iter().find(|g| g.name() == name) {
                Some(group) => out.push(answer(
                    format!("{base}{}", encode(&name)),
                    &asked.props,
                    asked.all,
                    |n| resource_prop(group, n),
                )),
                None => missing.push(href.clone()),
            }
        }
    } else if root.is(CALDAV, "calendar-query") {
        let (from, to) = match &asked.time_range {
            Some((start, end)) => (
                start.as_deref().and_then(utc_basic).unwrap_or(i64::MIN / 4),
                end.as_deref().and_then(utc_basic).unwrap_or(FOREVER),
            ),
            None => (i64::MIN / 4, FOREVER),
        };
        for group in &groups {
            if asked.time_range.is_some() && !in_range(group, &calendar, from, to) {
                continue;
            }
            out.push(answer(
                format!("{base}{}", encode(&group.name())),
                &asked.props,
                asked.all,
                |n| resource_prop(group, n),
            ));
        }
    } else {
        return Err(Error::Forbidden(format!(
            "the report {} is not offered (calendar-query and calendar-multiget are)",
            root.local
        )));
    }
    Ok(multistatus(&out, &missing))
}

pub fn get(ctx: &Ctx, reader: &Reader, place: &Place) -> Result<Response> {
    let Place::Resource { calendar, name } = place else {
        return Ok(Response::text(
            "A CalDAV collection: use a calendar application.".to_string(),
        ));
    };
    data::readable_calendar(ctx, reader, calendar)?;
    let group = group_named(ctx, calendar, name)?
        .ok_or_else(|| Error::NotFound(format!("no event {name}")))?;
    Ok(Response::text(group.ics())
        .header("Content-Type", "text/calendar; charset=utf-8")
        .header("ETag", &group.etag()))
}

fn precondition_failed(text: &str) -> Response {
    Response::text(text.to_string()).status(412)
}

pub fn put(ctx: &Ctx, reader: &Reader, place: &Place, request: &Request) -> Result<Response> {
    let Place::Resource { calendar, name } = place else {
        return Err(Error::Forbidden(
            "events are put in a calendar, as NAME.ics".into(),
        ));
    };
    effects::writable_calendar(ctx, reader, calendar)?;
    let text = std::str::from_utf8(request.body())
        .map_err(|_| Error::Invalid("iCalendar is UTF-8 text".into()))?;
    let incoming = read::events(text, &reader.time_zone).map_err(Error::Invalid)?;
    let uids: BTreeSet<&str> = incoming.iter().map(|e| e.uid.as_str()).collect();
    if uids.len() != 1 {
        return Err(Error::Invalid(
            "a resource holds one event (one UID), with its changed occurrences".into(),
        ));
    }
    let Some(master) = incoming.iter().find(|e| e.recurrence_id.is_none()) else {
        return Err(Error::Invalid(
            "the event itself is missing (only changed occurrences were sent)".into(),
        ));
    };
    // The calendar's resources, read once: the one of this name, and
    // whether another has the UID.
    let all = groups(ctx, calendar)?;
    let same_uid = all
        .iter()
        .any(|g| g.master.data.uid == master.uid && g.name() != *name);
    let existing = all.into_iter().find(|g| g.name() == *name);
    if request.header("if-none-match").map(str::trim) == Some("*") && existing.is_some() {
        return Ok(precondition_failed("an event already has this name"));
    }
    if let Some(expected) = request.header("if-match").map(str::trim) {
        match &existing {
            Some(g) if expected == "*" || expected == g.etag() => {}
            _ => return Ok(precondition_failed("the event changed since you read it")),
        }
    }
    if same_uid {
        return Err(Error::Conflict(format!(
            "another event of this calendar has the UID {}",
            master.uid
        )));
    }
    let mut input = input_of(master);
    input.insert("calendar_id".into(), serde_json::json!(calendar));
    let created = existing.is_none();
    let master_id = match &existing {
        Some(group) => {
            // The client's own alarms are theirs: the event keeps its reminders.
            input.remove("reminders");
            effects::update(ctx, reader, &group.master.id, None, None, &input)?;
            let moved: Vec<i64> = incoming.iter().filter_map(|e| e.recurrence_id).collect();
            for gone in group
                .changed
                .iter()
                .filter(|c| c.data.recurrence_id.is_none_or(|at| !moved.contains(&at)))
            {
                effects::delete(ctx, reader, &gone.id, None, None)?;
            }
            effects::set_exceptions(
                ctx,
                &group.master.id,
                master
                    .exdates
                    .iter()
                    .copied()
                    .chain(moved.iter().copied())
                    .collect(),
            )?;
            group.master.id.clone()
        }
        None => {
            effects::create_with_uid(
                ctx,
                reader,
                &input,
                &master.uid,
                &master.exdates,
                Some(name.as_str()),
            )?
            .id
        }
    };
    for changed in incoming.iter().filter(|e| e.recurrence_id.is_some()) {
        put_changed(ctx, reader, &master_id, changed)?;
    }
    let group = group_of(ctx, &master_id)?;
    let status = if created { 201 } else { 204 };
    Ok(Response::no_content()
        .status(status)
        .header("ETag", &group.etag()))
}

fn put_changed(ctx: &Ctx, reader: &Reader, master: &str, changed: &Incoming) -> Result<()> {
    let Some(at) = changed.recurrence_id else {
        return Ok(());
    };
    let mut input = input_of(changed);
    input.remove("rrule");
    input.remove("all_day");
    input.remove("reminders");
    let id = format!("{master}.{at}");
    if data::events(ctx).get(&id)?.is_some() {
        effects::update(ctx, reader, &id, None, None, &input)?;
    } else {
        effects::update(ctx, reader, master, None, Some(at), &input)?;
    }
    Ok(())
}

pub fn delete(ctx: &Ctx, reader: &Reader, place: &Place, request: &Request) -> Result<Response> {
    let Place::Resource { calendar, name } = place else {
        return Err(Error::Forbidden(
            "calendars are kept in ImmCase; delete events only".into(),
        ));
    };
    effects::writable_calendar(ctx, reader, calendar)?;
    let group = group_named(ctx, calendar, name)?
        .ok_or_else(|| Error::NotFound(format!("no event {name}")))?;
    if let Some(expected) = request.header("if-match").map(str::trim)
        && expected != "*"
        && expected != group.etag()
    {
        return Ok(precondition_failed("the event changed since you read it"));
    }
    effects::delete(ctx, reader, &group.master.id, None, None)?;
    Ok(Response::no_content())
}
