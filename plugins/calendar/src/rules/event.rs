//! An event as the calendar keeps it, and what a valid one is.
//!
//! `apply` takes what someone sent (the JSON API's fields, or the form's
//! turned into them) on top of the event as it was, and answers the event
//! as it will be kept or every field that is wrong, each with why.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::kinds::Kind;
use super::recurrence::{self, Series};
use super::when::{self, DAY, MINUTE};

pub const TITLE_MAX: usize = 200;
pub const NOTES_MAX: usize = 10_000;
pub const PARTICIPANTS_MAX: usize = 100;
pub const REMINDERS_MAX: usize = 10;
/// The longest lead time of a reminder: a year (passport expiries).
pub const LEAD_MAX: i64 = 366 * 24 * 60;
/// The longest event: 31 days.
pub const LENGTH_MAX: i64 = 31 * DAY;
/// `last` of a series that goes on for ever.
pub const FOREVER: i64 = 9_000_000_000_000_000;

/// Someone taking part: a person of the practice (`person_id`), or someone
/// outside by their address, with the zone their invitation is written in.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Participant {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub person_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(default)]
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_zone: Option<String>,
}

/// An event, a recurring series, or one moved occurrence of a series.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Event {
    pub calendar_id: String,
    pub title: String,
    #[serde(rename = "type")]
    pub kind: Kind,
    /// Instants, ms since the epoch. An all-day event starts at midnight
    /// of its first day in `time_zone` and ends at midnight after its last.
    pub start: i64,
    pub end: i64,
    pub all_day: bool,
    /// The IANA zone it was entered in.
    pub time_zone: String,
    #[serde(default)]
    pub rrule: Option<String>,
    /// Original starts of occurrences deleted or moved out of the series.
    #[serde(default)]
    pub except: Vec<i64>,
    /// For a moved occurrence: its series, and its original start.
    #[serde(default)]
    pub recurrence_of: Option<String>,
    #[serde(default)]
    pub recurrence_id: Option<i64>,
    #[serde(default)]
    pub applicant_id: Option<String>,
    #[serde(default)]
    pub case_id: Option<String>,
    #[serde(default)]
    pub participants: Vec<Participant>,
    /// Minutes before the start.
    #[serde(default)]
    pub reminders: Vec<i64>,
    #[serde(default)]
    pub critical: bool,
    #[serde(default)]
    pub notes: String,
    #[serde(default)]
    pub video_url: Option<String>,
    #[serde(default)]
    pub video_page: Option<String>,
    #[serde(default)]
    pub video_id: Option<String>,
    /// The iCalendar UID, and how many times invitations were revised.
    #[serde(default)]
    pub uid: String,
    #[serde(default)]
    pub sequence: u32,
    #[serde(default)]
    pub created_by: Option<String>,
    /// Its resource name in CalDAV when a client chose one (`{id}.ics`
    /// otherwise).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dav_name: Option<String>,
    /// Kept by the calendar itself (`passport:{applicant}`): a deadline
    /// that follows a record's date.
    #[serde(default)]
    pub origin: Option<String>,
    /// Indexed: the earliest and latest instants the event (or its series)
    /// may cover, with a day's slack for all-day events read in any zone.
    #[serde(default)]
    pub first: i64,
    #[serde(default)]
    pub last: i64,
    /// Indexed: the calendars' people who should see it on their dashboard
    /// as a critical deadline are found through `critical` and `start`.
    #[serde(default)]
    pub deadline_at: Option<i64>,
}

/// Problems with the input, by field.
pub type Problems = Vec<(String, String)>;

impl Event {
    /// The series' shape, when it is one.
    pub fn series<'a>(
        &'a self,
        zone: &'a jiff::tz::TimeZone,
        except: &'a BTreeSet<i64>,
    ) -> Option<Series<'a>> {
        self.rrule.as_deref().map(|rule| Series {
            start: self.start,
            end: self.end,
            all_day: self.all_day,
            zone,
            rule,
            except,
        })
    }

    /// Sets `first` and `last` (and `deadline_at`) from the times and rule.
    pub fn index(&mut self) {
        let zone = when::zone_or_utc(&self.time_zone);
        let except: BTreeSet<i64> = self.except.iter().copied().collect();
        let last = match self.series(&zone, &except) {
            Some(series) => recurrence::last_end(&series).unwrap_or(FOREVER),
            None => self.end,
        };
        let slack = if self.all_day {
            DAY + 2 * 60 * MINUTE
        } else {
            0
        };
        self.first = self.start - slack;
        self.last = if last == FOREVER {
            FOREVER
        } else {
            last + slack
        };
        self.deadline_at = (self.kind == Kind::Deadline && self.critical).then_some(self.start);
    }

    /// Whether the event (or its series) has an occurrence starting at `at`.
    pub fn occurs_at(&self, at: i64) -> bool {
        let zone = when::zone_or_utc(&self.time_zone);
        let except: BTreeSet<i64> = self.except.iter().copied().collect();
        match self.series(&zone, &except) {
            None => self.start == at,
            Some(series) => recurrence::between(&series, at, at + 1)
                .iter()
                .any(|o| o.start == at),
        }
    }

    /// The practice's people taking part.
    pub fn people(&self) -> impl Iterator<Item = &str> {
        self.participants
            .iter()
            .filter_map(|p| p.person_id.as_deref())
    }
}

fn text<'a>(
    input: &'a Map<String, Value>,
    field: &str,
    problems: &mut Problems,
) -> Option<Option<&'a str>> {
    match input.get(field)? {
        Value::Null => Some(None),
        Value::String(s) => Some(Some(s.as_str())),
        _ => {
            problems.push((field.into(), "must be text".into()));
            None
        }
    }
}

fn flag(input: &Map<String, Value>, field: &str, problems: &mut Problems) -> Option<bool> {
    match input.get(field)? {
        Value::Bool(b) => Some(*b),
        Value::Null => Some(false),
        _ => {
            problems.push((field.into(), "must be true or false".into()));
            None
        }
    }
}

/// `input` on top of `event` (a new one starts from `Event::default()`
/// with its calendar and zone set). Fields not in `input` keep their value.
pub fn apply(
    mut event: Event,
    input: &Map<String, Value>,
    creating: bool,
) -> Result<Event, Problems> {
    let mut problems = Problems::new();
    if let Some(title) = text(input, "title", &mut problems) {
        event.title = title.unwrap_or_default().trim().to_string();
    }
    if event.title.is_empty() {
        problems.push(("title".into(), "required".into()));
    } else if event.title.chars().count() > TITLE_MAX {
        problems.push(("title".into(), format!("at most {TITLE_MAX} characters")));
    }
    let mut kind_changed = false;
    if let Some(kind) = text(input, "type", &mut problems) {
        match kind.and_then(Kind::parse) {
            Some(kind) => {
                kind_changed = kind != event.kind;
                event.kind = kind;
            }
            None => problems.push((
                "type".into(),
                "one of appointment, deadline, reminder, internal_meeting, client_event".into(),
            )),
        }
    }
    if let Some(zone) = text(input, "time_zone", &mut problems) {
        match zone.map(when::zone) {
            Some(Ok(_)) => event.time_zone = zone.unwrap_or_default().trim().to_string(),
            Some(Err(e)) => problems.push(("time_zone".into(), e)),
            None => problems.push(("time_zone".into(), "required".into())),
        }
    }
    let zone = when::zone_or_utc(&event.time_zone);
    if let Some(all_day) = flag(input, "all_day", &mut problems) {
        event.all_day = all_day;
    }
    times(&mut event, input, creating, &zone, &mut problems);
    if let Some(rule) = text(input, "rrule", &mut problems) {
        match rule.map(str::trim).filter(|r| !r.is_empty()) {
            None => event.rrule = None,
            Some(_) if event.recurrence_of.is_some() => problems.push((
                "rrule".into(),
                "a moved occurrence cannot repeat itself".into(),
            )),
            Some(rule) => match recurrence::check(rule, event.start, &zone) {
                Ok(rule) => event.rrule = Some(rule),
                Err(e) => problems.push(("rrule".into(), e)),
            },
        }
    }
    for (field, slot) in [
        ("applicant_id", &mut event.applicant_id),
        ("case_id", &mut event.case_id),
    ] {
        if let Some(id) = text(input, field, &mut problems) {
            *slot = id
                .map(str::trim)
                .filter(|id| !id.is_empty())
                .map(str::to_string);
        }
    }
    if let Some(value) = input.get("participants") {
        match participants(value) {
            Ok(list) => event.participants = list,
            Err(e) => problems.push(("participants".into(), e)),
        }
    }
    match input.get("reminders") {
        Some(value) => match reminders(value) {
            Ok(list) => event.reminders = list,
            Err(e) => problems.push(("reminders".into(), e)),
        },
        None if creating || kind_changed => event.reminders = event.kind.default_reminders(),
        None => {}
    }
    if let Some(critical) = flag(input, "critical", &mut problems) {
        event.critical = critical;
    }
    if event.critical && event.kind != Kind::Deadline {
        problems.push(("critical".into(), "only a deadline can be critical".into()));
    }
    if let Some(notes) = text(input, "notes", &mut problems) {
        event.notes = notes.unwrap_or_default().to_string();
        if event.notes.chars().count() > NOTES_MAX {
            problems.push(("notes".into(), format!("at most {NOTES_MAX} characters")));
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    event.index();
    Ok(event)
}

/// `start`, `end` (or `duration_minutes`) for timed and all-day events.
fn times(
    event: &mut Event,
    input: &Map<String, Value>,
    creating: bool,
    zone: &jiff::tz::TimeZone,
    problems: &mut Problems,
) {
    let length_before = event.end - event.start;
    let read = |field: &str, problems: &mut Problems| -> Option<i64> {
        let value = text(input, field, problems)??;
        let parsed = if event.all_day {
            when::parse_date(value).map(|d| when::day_start(d, zone))
        } else {
            when::parse_instant(value, zone)
        };
        parsed.map_err(|e| problems.push((field.into(), e))).ok()
    };
    let start = read("start", problems);
    let end = read("end", problems);
    let duration = match input.get("duration_minutes") {
        None | Some(Value::Null) => None,
        Some(v) => match v.as_i64() {
            Some(m) if m >= 0 && m * MINUTE <= LENGTH_MAX => Some(m * MINUTE),
            _ => {
                problems.push((
                    "duration_minutes".into(),
                    "0 to 44640 minutes (31 days)".into(),
                ));
                return;
            }
        },
    };
    match start {
        Some(start) => event.start = start,
        None if creating && !problems.iter().any(|(f, _)| f == "start") => {
            problems.push(("start".into(), "required".into()));
            return;
        }
        None => {}
    }
    if event.all_day {
        // Midnight of the first day, wherever the value came from.
        event.start = when::day_start(when::date_of(event.start, zone), zone);
    }
    event.end = match (end, duration) {
        (Some(end), _) => end,
        (None, Some(length)) if !event.all_day => event.start + length,
        (None, Some(length)) => {
            let days = (length + DAY - 1) / DAY;
            when::day_start(
                when::add_days(when::date_of(event.start, zone), days.max(1)),
                zone,
            )
        }
        (None, None) if creating => default_end(event, zone),
        // Moved: keeps its length.
        (None, None) => event.start + length_before.max(0),
    };
    if event.all_day && event.end <= event.start {
        event.end = when::day_start(when::next_day(when::date_of(event.start, zone)), zone);
    }
    if event.end < event.start {
        problems.push(("end".into(), "must not be before the start".into()));
    } else if event.end - event.start > LENGTH_MAX + 2 * 60 * MINUTE {
        problems.push(("end".into(), "an event lasts at most 31 days".into()));
    }
}

fn default_end(event: &Event, zone: &jiff::tz::TimeZone) -> i64 {
    if event.all_day {
        return when::day_start(when::next_day(when::date_of(event.start, zone)), zone);
    }
    match event.kind {
        Kind::Deadline | Kind::Reminder => event.start,
        _ => event.start + 60 * MINUTE,
    }
}

fn participants(value: &Value) -> Result<Vec<Participant>, String> {
    let Value::Array(items) = value else {
        return Err("must be a list".into());
    };
    if items.len() > PARTICIPANTS_MAX {
        return Err(format!("at most {PARTICIPANTS_MAX}"));
    }
    let mut list: Vec<Participant> = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let mut p: Participant = serde_json::from_value(item.clone()).map_err(|_| {
            format!(
                "item {}: {{person_id}} or {{email, name, time_zone}}",
                i + 1
            )
        })?;
        p.person_id = p
            .person_id
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty());
        p.email = p
            .email
            .map(|s| s.trim().to_lowercase())
            .filter(|s| !s.is_empty());
        p.name = p.name.trim().chars().take(200).collect();
        match (&p.person_id, &p.email) {
            (None, None) => return Err(format!("item {}: a person or an email address", i + 1)),
            (None, Some(email)) if !plausible_email(email) => {
                return Err(format!("{email:?} is not an email address"));
            }
            _ => {}
        }
        if let Some(zone) = p
            .time_zone
            .as_deref()
            .map(str::trim)
            .filter(|z| !z.is_empty())
        {
            when::zone(zone)?;
            p.time_zone = Some(zone.to_string());
        } else {
            p.time_zone = None;
        }
        let same = |q: &Participant| {
            (p.person_id.is_some() && q.person_id == p.person_id)
                || (p.email.is_some() && q.email == p.email)
        };
        if !list.iter().any(same) {
            list.push(p);
        }
    }
    Ok(list)
}

/// Loose: one `@` with something on each side and a dot in the domain.
pub fn plausible_email(email: &str) -> bool {
    let Some((local, domain)) = email.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !email.contains(char::is_whitespace)
        && email.len() <= 254
}

fn reminders(value: &Value) -> Result<Vec<i64>, String> {
    let Value::Array(items) = value else {
        return Err("must be a list of minutes before the start".into());
    };
    let mut list = Vec::new();
    for item in items {
        match item.as_i64() {
            Some(m) if (0..=LEAD_MAX).contains(&m) => list.push(m),
            _ => return Err("each is 0 to 527040 minutes (366 days) before the start".into()),
        }
    }
    list.sort_unstable_by(|a, b| b.cmp(a));
    list.dedup();
    if list.len() > REMINDERS_MAX {
        return Err(format!("at most {REMINDERS_MAX}"));
    }
    Ok(list)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn new_event() -> Event {
        Event {
            calendar_id: "personal-u1".into(),
            time_zone: "America/Toronto".into(),
            ..Event::default()
        }
    }

    fn map(value: Value) -> Map<String, Value> {
        value.as_object().cloned().unwrap_or_default()
    }

    #[test]
    fn a_deadline_gets_escalated_reminders_and_may_be_critical() {
        let event = apply(
            new_event(),
            &map(json!({"title": "CAS118 submission", "type": "deadline", "start": "2026-03-20T17:00", "critical": true})),
            true,
        )
        .expect("valid");
        assert_eq!(event.reminders, [10080, 4320, 1440]);
        assert_eq!(event.end, event.start);
        assert_eq!(event.deadline_at, Some(event.start));
        let zone = when::zone_or_utc("America/Toronto");
        assert_eq!(
            when::rfc3339(event.start, &zone),
            "2026-03-20T17:00:00-04:00"
        );
    }

    #[test]
    fn every_wrong_field_is_named() {
        let problems = apply(
            new_event(),
            &map(json!({"title": "", "type": "party", "start": "soon", "rrule": "FREQ=HOURLY",
                        "participants": [{"email": "not-an-address"}], "reminders": [-5], "time_zone": "Mars/Base"})),
            true,
        )
        .expect_err("invalid");
        let fields: BTreeSet<&str> = problems.iter().map(|(f, _)| f.as_str()).collect();
        for field in [
            "title",
            "type",
            "start",
            "participants",
            "reminders",
            "time_zone",
        ] {
            assert!(fields.contains(field), "{field} in {problems:?}");
        }
        let critical = apply(
            new_event(),
            &map(json!({"title": "Call", "start": "2026-03-20T10:00", "critical": true})),
            true,
        )
        .expect_err("only deadlines");
        assert_eq!(critical[0].0, "critical");
    }

    #[test]
    fn an_all_day_event_spans_whole_days_and_a_move_keeps_the_length() {
        let event = apply(
            new_event(),
            &map(json!({"title": "Biometrics window", "all_day": true, "start": "2026-03-09", "end": "2026-03-11"})),
            true,
        )
        .expect("valid");
        let zone = when::zone_or_utc("America/Toronto");
        assert_eq!(
            when::rfc3339(event.start, &zone),
            "2026-03-09T00:00:00-04:00"
        );
        assert_eq!(when::rfc3339(event.end, &zone), "2026-03-11T00:00:00-04:00");
        assert!(event.first < event.start && event.last > event.end);
        let timed = apply(
            new_event(),
            &map(
                json!({"title": "Interview", "start": "2026-03-09T09:00", "duration_minutes": 90}),
            ),
            true,
        )
        .expect("valid");
        let moved = apply(
            timed.clone(),
            &map(json!({"start": "2026-03-10T14:00"})),
            false,
        )
        .expect("moved");
        assert_eq!(moved.end - moved.start, 90 * MINUTE);
        assert_eq!(moved.reminders, [15]);
    }

    #[test]
    fn a_series_without_end_is_indexed_for_ever() {
        let event = apply(
            new_event(),
            &map(json!({"title": "Team meeting", "type": "internal_meeting", "start": "2026-03-02T09:00", "rrule": "FREQ=WEEKLY"})),
            true,
        )
        .expect("valid");
        assert_eq!(event.last, FOREVER);
        let counted =
            apply(event, &map(json!({"rrule": "FREQ=WEEKLY;COUNT=2"})), false).expect("valid");
        // The second is a week later at 9:00 again, after the clocks went
        // forward (an hour less), and lasts an hour.
        assert_eq!(counted.last, counted.start + 7 * DAY);
    }
}
