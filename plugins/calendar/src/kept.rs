//! Deadlines the calendar keeps on its own, so nobody types a date twice:
//! an applicant's passport expiry, and a case's expected decision date
//! (`decision_on`), each become an all-day deadline on the "Expiries and
//! key dates" team calendar, and follow the date when it changes; they go
//! when the date is cleared or the record is deleted. A case's responsible
//! person takes part in its deadline.
//!
//! The people named in the settings (`expiry_people`) are the calendar's
//! members and the deadlines' participants, so they read them and are
//! reminded at the lead times the settings give. Others do not see the
//! calendar: a passport's expiry may be a field their role hides.

use immcase_sdk::{Ctx, Doc, Error, Event as HostEvent, Result};
use serde::Deserialize;

use crate::data;
use crate::effects;
use crate::rules::access::{Calendar, Sharing};
use crate::rules::event::{Event, Participant};
use crate::rules::kinds::Kind;
use crate::rules::when;

/// The team calendar the kept deadlines go in.
pub const EXPIRIES: &str = "expiries";

#[derive(Debug, Clone, Deserialize)]
pub struct Settings {
    #[serde(default = "yes")]
    pub passport_expiry: bool,
    #[serde(default = "lead_days")]
    pub expiry_reminder_days: Vec<i64>,
    #[serde(default)]
    pub expiry_people: Vec<String>,
    #[serde(default = "toronto")]
    pub time_zone: String,
    #[serde(default = "yes")]
    pub case_decision: bool,
}

fn yes() -> bool {
    true
}

fn lead_days() -> Vec<i64> {
    vec![180, 90, 30]
}

fn toronto() -> String {
    "America/Toronto".into()
}

pub fn settings(ctx: &Ctx) -> Result<Settings> {
    ctx.settings()
}

/// Applicant events the calendar follows.
pub fn on_event(ctx: &Ctx, event: &HostEvent) -> Result<()> {
    let id = |key: &str| event.payload[key].as_str().map(str::to_string);
    match event.name.as_str() {
        "applicant.created" | "applicant.restored" => {
            if let Some(applicant) = id("id") {
                passport(ctx, &applicant)?;
            }
        }
        "applicant.updated" => {
            let fields = event.payload["fields"].as_array();
            let matters = fields.is_none_or(|f| {
                f.iter().any(|f| {
                    matches!(
                        f.as_str(),
                        Some("passport_expiry" | "given_name" | "family_name")
                    )
                })
            });
            if let Some(applicant) = id("id").filter(|_| matters) {
                passport(ctx, &applicant)?;
            }
        }
        "applicant.deleted" => {
            if let Some(applicant) = id("id") {
                remove(ctx, &passport_id(&applicant))?;
            }
        }
        "applicant.merged" => {
            if let Some(merged) = id("merged_id") {
                remove(ctx, &passport_id(&merged))?;
            }
            if let Some(kept) = id("id") {
                passport(ctx, &kept)?;
            }
        }
        "case.created" | "case.restored" => {
            if let Some(case) = id("id") {
                decision(ctx, &case)?;
            }
        }
        "case.updated" => {
            let fields = event.payload["fields"].as_array();
            let matters = fields.is_none_or(|f| {
                f.iter().any(|f| {
                    matches!(
                        f.as_str(),
                        Some("decision_on" | "responsible_user_id" | "applicant_id")
                    )
                })
            });
            if let Some(case) = id("id").filter(|_| matters) {
                decision(ctx, &case)?;
            }
        }
        "case.deleted" => {
            if let Some(case) = id("id") {
                remove(ctx, &decision_id(&case))?;
            }
        }
        "module.settings_changed" if event.payload["module"] == "calendar" => {
            expiries_calendar(ctx, &settings(ctx)?)?;
        }
        _ => {}
    }
    Ok(())
}

fn passport_id(applicant: &str) -> String {
    format!("passport-{applicant}")
}

/// The "Expiries and key dates" calendar, its members those of the
/// settings.
fn expiries_calendar(ctx: &Ctx, settings: &Settings) -> Result<Doc<Calendar>> {
    let members = settings.expiry_people.clone();
    match data::calendars(ctx).get(EXPIRIES)? {
        Some(doc) if doc.data.members == members => Ok(doc),
        Some(doc) => {
            let calendar = Calendar {
                members,
                ..doc.data.clone()
            };
            data::calendars(ctx).update(EXPIRIES, &calendar, doc.version)
        }
        None => {
            let calendar = Calendar {
                name: "Expiries and key dates".into(),
                sharing: Sharing::Team,
                owner_id: None,
                members,
                colour: "orange".into(),
            };
            data::calendars(ctx).insert(EXPIRIES, &calendar)
        }
    }
}

/// A deadline the calendar keeps: its key, what it is about, its date.
struct Kept {
    key: String,
    title: String,
    date: jiff::civil::Date,
    applicant_id: Option<String>,
    case_id: Option<String>,
    /// Besides the settings' people.
    also: Option<String>,
    origin: String,
    notes: &'static str,
}

fn keep(ctx: &Ctx, settings: &Settings, kept: Kept) -> Result<()> {
    expiries_calendar(ctx, settings)?;
    let zone = when::zone_or_utc(&settings.time_zone);
    let mut people: Vec<String> = settings.expiry_people.clone();
    if let Some(also) = kept.also.filter(|a| !people.contains(a)) {
        people.push(also);
    }
    let participants = people
        .iter()
        .filter_map(|id| ctx.person(id).ok().flatten())
        .map(|p| Participant {
            person_id: Some(p.id),
            email: Some(p.email),
            name: p.display_name,
            time_zone: Some(p.time_zone),
        })
        .collect();
    let mut wanted = Event {
        calendar_id: EXPIRIES.into(),
        title: kept.title,
        kind: Kind::Deadline,
        start: when::day_start(kept.date, &zone),
        end: when::day_start(when::next_day(kept.date), &zone),
        all_day: true,
        time_zone: settings.time_zone.clone(),
        applicant_id: kept.applicant_id,
        case_id: kept.case_id,
        participants,
        reminders: settings
            .expiry_reminder_days
            .iter()
            .map(|d| d * 24 * 60)
            .collect(),
        notes: kept.notes.into(),
        uid: format!("{}@immcase", kept.key),
        origin: Some(kept.origin),
        ..Event::default()
    };
    wanted.index();
    let key = kept.key;
    match data::events(ctx).get(&key)? {
        Some(doc) if same(&doc.data, &wanted) => Ok(()),
        Some(doc) => {
            wanted.sequence = doc.data.sequence + 1;
            let saved = data::put_event(ctx, &key, Some(&doc), &wanted)?;
            effects::schedule_reminders(ctx, &key, Some(&doc.data), &saved.data)
        }
        None => {
            let saved = data::put_event(ctx, &key, None, &wanted)?;
            effects::schedule_reminders(ctx, &key, None, &saved.data)
        }
    }
}

/// Keeps the applicant's passport deadline as their record says.
fn passport(ctx: &Ctx, applicant_id: &str) -> Result<()> {
    let settings = settings(ctx)?;
    let key = passport_id(applicant_id);
    if !settings.passport_expiry {
        return remove(ctx, &key);
    }
    let applicant = match ctx.applicant(applicant_id) {
        Ok(applicant) => applicant,
        Err(Error::NotFound(_)) => return remove(ctx, &key),
        Err(e) => return Err(e),
    };
    let Some(date) = applicant
        .passport_expiry
        .as_deref()
        .and_then(|d| when::parse_date(d).ok())
    else {
        return remove(ctx, &key);
    };
    let kept = Kept {
        key: key.clone(),
        title: format!("Passport expires: {}", applicant.display_name()),
        date,
        applicant_id: Some(applicant_id.to_string()),
        case_id: None,
        also: None,
        origin: format!("passport:{applicant_id}"),
        notes: "Kept by the calendar from the applicant's passport expiry: change the date on the applicant.",
    };
    keep(ctx, &settings, kept)
}

fn decision_id(case: &str) -> String {
    format!("decision-{case}")
}

/// Keeps the case's expected decision as a deadline while it is ahead of
/// the case's closing.
fn decision(ctx: &Ctx, case_id: &str) -> Result<()> {
    let settings = settings(ctx)?;
    let key = decision_id(case_id);
    if !settings.case_decision {
        return remove(ctx, &key);
    }
    let case = match ctx.case(case_id) {
        Ok(case) => case,
        Err(Error::NotFound(_)) => return remove(ctx, &key),
        Err(e) => return Err(e),
    };
    let Some(date) = case
        .decision_on
        .as_deref()
        .and_then(|d| when::parse_date(d).ok())
    else {
        return remove(ctx, &key);
    };
    let kept = Kept {
        key,
        title: format!("{}: decision expected", data::case_label(ctx, &case)),
        date,
        applicant_id: case.applicant_id.clone(),
        case_id: Some(case_id.to_string()),
        also: case.responsible_user_id.clone(),
        origin: format!("decision:{case_id}"),
        notes: "Kept by the calendar from the case's decision date: change the date on the case.",
    };
    keep(ctx, &settings, kept)
}

fn same(a: &Event, b: &Event) -> bool {
    a.title == b.title
        && a.start == b.start
        && a.end == b.end
        && a.reminders == b.reminders
        && a.participants == b.participants
}

fn remove(ctx: &Ctx, key: &str) -> Result<()> {
    let Some(doc) = data::events(ctx).get(key)? else {
        return Ok(());
    };
    for lead in &doc.data.reminders {
        ctx.cancel_timer(&crate::rules::reminders::key(key, *lead))?;
    }
    data::remove_event(ctx, &doc)
}
