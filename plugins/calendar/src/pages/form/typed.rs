//! What the event form holds, as typed: read from the posted fields,
//! filled from an event, and turned into the JSON API's fields (naming
//! what only the form has: the record, outside people, other lead times).

use immcase_sdk::Ctx;
use serde_json::{Map, Value, json};

use super::{LEADS, REPEATS};
use crate::rules::event::{Event, plausible_email};
use crate::rules::when;

/// What the form holds: as typed, every field a string.
#[derive(Debug, Clone, Default)]
pub struct Typed {
    pub title: String,
    pub kind: String,
    pub calendar_id: String,
    pub all_day: bool,
    pub start: String,
    pub end: String,
    pub time_zone: String,
    pub repeat: String,
    pub repeat_until: String,
    pub rrule: String,
    pub record: String,
    pub people: Vec<String>,
    pub others: String,
    pub leads: Vec<i64>,
    pub other_lead: String,
    pub critical: bool,
    pub notes: String,
    /// The video switch: shown (`video_offered`) and on.
    pub video_offered: bool,
    pub video: bool,
    pub version: String,
    pub occurrence: String,
}

impl Typed {
    pub(super) fn from_pairs(pairs: &[(String, String)]) -> Typed {
        let mut t = Typed::default();
        for (k, v) in pairs {
            match k.as_str() {
                "title" => t.title = v.clone(),
                "type" => t.kind = v.clone(),
                "calendar_id" => t.calendar_id = v.clone(),
                "all_day" => t.all_day = true,
                "start" => t.start = v.clone(),
                "end" => t.end = v.clone(),
                "time_zone" => t.time_zone = v.clone(),
                "repeat" => t.repeat = v.clone(),
                "repeat_until" => t.repeat_until = v.clone(),
                "rrule" => t.rrule = v.clone(),
                "record" => t.record = v.clone(),
                "people" => t.people.push(v.clone()),
                "others" => t.others = v.clone(),
                "lead" => t.leads.extend(v.parse::<i64>().ok()),
                "other_lead" => t.other_lead = v.clone(),
                "critical" => t.critical = true,
                "video" => t.video = true,
                "video_offered" => t.video_offered = true,
                "notes" => t.notes = v.clone(),
                "version" => t.version = v.clone(),
                "occurrence" => t.occurrence = v.clone(),
                _ => {}
            }
        }
        t
    }

    /// The form filled from an event, its times in the event's own zone.
    pub fn of(event: &Event) -> Typed {
        let zone = when::zone_or_utc(&event.time_zone);
        let (start, end) = if event.all_day {
            let first = when::date_of(event.start, &zone);
            let last = when::add_days(when::date_of(event.end, &zone), -1).max(first);
            (format!("{first}T00:00"), format!("{last}T00:00"))
        } else {
            (
                when::form_value(event.start, &zone),
                when::form_value(event.end, &zone),
            )
        };
        let (repeat, repeat_until, rrule) = match event.rrule.as_deref() {
            None => (String::new(), String::new(), String::new()),
            Some(rule) => match simple_repeat(rule) {
                Some((freq, until)) => (freq, until, String::new()),
                None => (String::new(), String::new(), rule.to_string()),
            },
        };
        let record = match (&event.case_id, &event.applicant_id) {
            (Some(case), _) => format!("case:{case}"),
            (None, Some(applicant)) => format!("applicant:{applicant}"),
            _ => String::new(),
        };
        let others = event
            .participants
            .iter()
            .filter(|p| p.person_id.is_none())
            .filter_map(|p| {
                let email = p.email.clone()?;
                let mut line = email;
                if !p.name.is_empty() || p.time_zone.is_some() {
                    line.push_str(&format!(", {}", p.name));
                }
                if let Some(zone) = &p.time_zone {
                    line.push_str(&format!(", {zone}"));
                }
                Some(line)
            })
            .collect::<Vec<_>>()
            .join("\n");
        let standard: Vec<i64> = LEADS.iter().map(|(m, _)| *m).collect();
        Typed {
            title: event.title.clone(),
            kind: event.kind.key().into(),
            calendar_id: event.calendar_id.clone(),
            all_day: event.all_day,
            start,
            end,
            time_zone: event.time_zone.clone(),
            repeat,
            repeat_until,
            rrule,
            record,
            people: event.people().map(str::to_string).collect(),
            others,
            leads: event
                .reminders
                .iter()
                .copied()
                .filter(|m| standard.contains(m))
                .collect(),
            other_lead: event
                .reminders
                .iter()
                .filter(|m| !standard.contains(m))
                .map(|m| m.to_string())
                .collect::<Vec<_>>()
                .join(", "),
            critical: event.critical,
            notes: event.notes.clone(),
            video_offered: false,
            video: event.video_id.is_some(),
            version: String::new(),
            occurrence: String::new(),
        }
    }

    /// The JSON API's fields for what was typed; problems with fields that
    /// only the form has (`record`, `others`, `other_lead`) are named.
    pub(super) fn to_input(
        &self,
        ctx: &Ctx,
    ) -> std::result::Result<Map<String, Value>, Vec<(String, String)>> {
        let mut problems = Vec::new();
        let mut input = Map::new();
        input.insert("title".into(), json!(self.title));
        input.insert("type".into(), json!(self.kind));
        input.insert("calendar_id".into(), json!(self.calendar_id));
        input.insert("all_day".into(), json!(self.all_day));
        input.insert("time_zone".into(), json!(self.time_zone.trim()));
        if self.all_day {
            // Dates only; the last day is included.
            input.insert("start".into(), json!(date_part(&self.start)));
            let end = if self.end.trim().is_empty() {
                date_part(&self.start)
            } else {
                date_part(&self.end)
            };
            match when::parse_date(&end) {
                Ok(last) => {
                    input.insert("end".into(), json!(when::next_day(last).to_string()));
                }
                Err(e) => problems.push(("end".into(), e)),
            }
        } else {
            input.insert("start".into(), json!(self.start));
            if !self.end.trim().is_empty() {
                input.insert("end".into(), json!(self.end));
            }
        }
        let rrule = if !self.rrule.trim().is_empty() {
            self.rrule.trim().to_string()
        } else if !self.repeat.is_empty() {
            let mut rule = format!("FREQ={}", self.repeat);
            if !self.repeat_until.trim().is_empty() {
                match when::parse_date(&self.repeat_until) {
                    Ok(d) => rule.push_str(&format!(";UNTIL={}", d.strftime("%Y%m%dT235959"))),
                    Err(e) => problems.push(("repeat_until".into(), e)),
                }
            }
            rule
        } else {
            String::new()
        };
        input.insert("rrule".into(), json!(rrule));
        let (applicant, case) = match record_link(ctx, &self.record) {
            Ok(link) => link,
            Err(e) => {
                problems.push(("record".into(), e));
                (None, None)
            }
        };
        input.insert("applicant_id".into(), json!(applicant));
        input.insert("case_id".into(), json!(case));
        let mut participants: Vec<Value> = self
            .people
            .iter()
            .map(|id| json!({ "person_id": id }))
            .collect();
        for line in self.others.lines().map(str::trim).filter(|l| !l.is_empty()) {
            let mut parts = line.split(',').map(str::trim);
            let email = parts.next().unwrap_or_default();
            let name = parts.next().unwrap_or_default();
            let zone = parts.next().unwrap_or_default();
            if !plausible_email(email) {
                problems.push((
                    "others".into(),
                    format!("{email:?} is not an email address"),
                ));
                continue;
            }
            if !zone.is_empty()
                && let Err(e) = when::zone(zone)
            {
                problems.push(("others".into(), e));
                continue;
            }
            participants.push(json!({ "email": email, "name": name, "time_zone": (!zone.is_empty()).then_some(zone) }));
        }
        input.insert("participants".into(), Value::Array(participants));
        let mut leads = self.leads.clone();
        for part in self
            .other_lead
            .split(',')
            .map(str::trim)
            .filter(|p| !p.is_empty())
        {
            match part.parse::<i64>() {
                Ok(m) => leads.push(m),
                Err(_) => problems.push((
                    "other_lead".into(),
                    format!("{part:?} is not a number of minutes"),
                )),
            }
        }
        // A new deadline left with the form's first choice (15 minutes)
        // gets the escalated reminders deadlines start with.
        let untouched = leads == crate::rules::kinds::Kind::Appointment.default_reminders();
        if !(self.version.is_empty() && self.kind == "deadline" && untouched) {
            input.insert("reminders".into(), json!(leads));
        }
        input.insert("critical".into(), json!(self.critical));
        input.insert("notes".into(), json!(self.notes));
        if self.video_offered {
            input.insert("video".into(), json!(self.video));
        }
        if problems.is_empty() {
            Ok(input)
        } else {
            Err(problems)
        }
    }
}

pub(super) fn date_part(text: &str) -> String {
    text.trim().get(..10).unwrap_or(text.trim()).to_string()
}

/// `FREQ=WEEKLY` or `FREQ=WEEKLY;UNTIL=...`: what the simple choices make.
fn simple_repeat(rule: &str) -> Option<(String, String)> {
    let mut freq = None;
    let mut until = String::new();
    for part in rule.split(';') {
        match part.split_once('=')? {
            ("FREQ", f) if REPEATS.iter().any(|(k, _)| *k == f) => freq = Some(f.to_string()),
            ("UNTIL", u) if u.len() >= 8 => {
                until = format!("{}-{}-{}", &u[..4], &u[4..6], &u[6..8]);
            }
            _ => return None,
        }
    }
    freq.map(|f| (f, until))
}

/// The record the form's "Applicant or case" names: `applicant:{id}`,
/// `case:{id}`, or a folio (`CAS014`); empty is none.
fn record_link(
    ctx: &Ctx,
    typed: &str,
) -> std::result::Result<(Option<String>, Option<String>), String> {
    let typed = typed.trim();
    if typed.is_empty() {
        return Ok((None, None));
    }
    if let Some(id) = typed.strip_prefix("applicant:") {
        return Ok((Some(id.to_string()), None));
    }
    if let Some(id) = typed.strip_prefix("case:") {
        return Ok((None, Some(id.to_string())));
    }
    match ctx.case_by_folio(typed) {
        Ok(Some(case)) => Ok((None, Some(case.id))),
        Ok(None) => Err(format!(
            "no case {typed}: pick an applicant or a case from the list, or type a folio such as CAS014"
        )),
        Err(e) => Err(e.message().to_string()),
    }
}
