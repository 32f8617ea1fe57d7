//! A case's fields on a page: labels, the choices of its selects (programs,
//! people, stages, outcomes), the values a form holds, the JSON body it
//! becomes, and a list's rows.

use serde::Deserialize;
use serde_json::{Map, Value};
use utoipa::ToSchema;

use super::{Access, access, program_label, words};
use crate::access::Caller;
use crate::access::people::Person;
use crate::records::case::{Case, OUTCOMES, STAGES};
use crate::records::programs::CaseProgram;

/// The fields a case form may hold, with their labels, in page order.
pub const FIELDS: &[(&str, &str)] = &[
    ("program", "Program"),
    ("stage", "Stage"),
    ("responsible_user_id", "Responsible"),
    ("opened_on", "Opened on"),
    ("submitted_on", "Submitted on"),
    ("decision_on", "Decision on"),
    ("closing_date", "Closing date"),
    ("outcome", "Outcome"),
];

pub fn label(field: &str) -> String {
    match FIELDS.iter().find(|(f, _)| *f == field) {
        Some((_, label)) => (*label).to_string(),
        None if field == "applicant_id" => "Applicant".into(),
        None => words(field),
    }
}

/// An option of a select.
pub struct Choice {
    pub value: String,
    pub label: String,
}

fn choice(value: &str, label: impl Into<String>) -> Choice {
    Choice {
        value: value.to_string(),
        label: label.into(),
    }
}

/// The programs a case may take: the active ones, and `current` (a case
/// keeps a program switched off since it was given).
pub fn program_choices(programs: &[CaseProgram], current: &str) -> Vec<Choice> {
    programs
        .iter()
        .filter(|p| p.active || p.key == current)
        .map(|p| {
            let label = if p.active {
                p.label.clone()
            } else {
                format!("{} (switched off)", p.label)
            };
            choice(&p.key, label)
        })
        .collect()
}

/// The people a case may be given to: those who can sign in, and `current`.
pub fn people_choices(people: &[Person], current: &str) -> Vec<Choice> {
    people
        .iter()
        .filter(|p| !p.disabled || p.id == current)
        .map(|p| choice(&p.id, p.display_name.clone()))
        .collect()
}

pub fn stage_choices() -> Vec<Choice> {
    STAGES.iter().map(|s| choice(s, words(s))).collect()
}

pub fn outcome_choices() -> Vec<Choice> {
    OUTCOMES.iter().map(|o| choice(o, words(o))).collect()
}

/// A person's name from their id (`(someone removed)` if unknown).
pub fn person_name(people: &[Person], id: &str) -> String {
    people
        .iter()
        .find(|p| p.id == id)
        .map(|p| p.display_name.clone())
        .unwrap_or_else(|| "(someone no longer here)".into())
}

/// A case field's value as people read it.
pub fn shown(field: &str, value: &Value, programs: &[CaseProgram], people: &[Person]) -> String {
    let Some(text) = value.as_str() else {
        return String::new();
    };
    match field {
        "program" => program_label(programs, text),
        "stage" | "outcome" => words(text),
        "responsible_user_id" => person_name(people, text),
        _ => text.to_string(),
    }
}

/// The fields of a case the reader may see, with a value, as (label, text).
pub fn details(
    caller: &Caller,
    c: &Case,
    programs: &[CaseProgram],
    people: &[Person],
) -> Vec<(String, String)> {
    let json = serde_json::to_value(c).unwrap_or_default();
    FIELDS
        .iter()
        .filter(|(f, _)| access(caller, "case", f) != Access::Hidden)
        .map(|(f, l)| (l.to_string(), shown(f, &json[*f], programs, people)))
        .filter(|(_, v)| !v.is_empty())
        .collect()
}

/// The case form's values: what is saved, or what was typed. A field the
/// reader may not write is ignored.
#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
pub struct CaseForm {
    /// A program key.
    pub program: Option<String>,
    pub stage: Option<String>,
    /// A user id; empty for nobody.
    pub responsible_user_id: Option<String>,
    /// YYYY-MM-DD, and so the other dates.
    pub opened_on: Option<String>,
    pub submitted_on: Option<String>,
    pub decision_on: Option<String>,
    /// Needed, with the outcome, to close a case.
    pub closing_date: Option<String>,
    pub outcome: Option<String>,
    /// When changing: the version the form was opened at.
    pub version: Option<i64>,
    /// When changing: the writable fields as the form was opened (JSON of
    /// the body); only the fields that differ from them are saved.
    pub base: Option<String>,
    /// After a conflict: the fields both people changed, comma-separated;
    /// the form must say which value to keep for each.
    pub asked: Option<String>,
    #[serde(rename = "_csrf")]
    #[allow(dead_code)]
    csrf: Option<String>,
}

impl CaseForm {
    /// The form holding the case as saved: every field, an empty one as
    /// empty text (as a browser sends it).
    pub fn of(c: &Case) -> CaseForm {
        let held = |v: &Option<String>| Some(v.clone().unwrap_or_default());
        CaseForm {
            program: Some(c.program.clone()),
            stage: Some(c.stage.clone()),
            responsible_user_id: held(&c.responsible_user_id),
            opened_on: held(&c.opened_on),
            submitted_on: held(&c.submitted_on),
            decision_on: held(&c.decision_on),
            closing_date: held(&c.closing_date),
            outcome: held(&c.outcome),
            version: Some(c.version),
            base: None,
            asked: None,
            csrf: None,
        }
    }

    fn slot(&mut self, field: &str) -> Option<&mut Option<String>> {
        Some(match field {
            "program" => &mut self.program,
            "stage" => &mut self.stage,
            "responsible_user_id" => &mut self.responsible_user_id,
            "opened_on" => &mut self.opened_on,
            "submitted_on" => &mut self.submitted_on,
            "decision_on" => &mut self.decision_on,
            "closing_date" => &mut self.closing_date,
            "outcome" => &mut self.outcome,
            _ => return None,
        })
    }

    /// Whether the form holds `field` (a question left unanswered does not).
    pub fn holds(&self, field: &str) -> bool {
        match field {
            "program" => self.program.is_some(),
            "stage" => self.stage.is_some(),
            "responsible_user_id" => self.responsible_user_id.is_some(),
            "opened_on" => self.opened_on.is_some(),
            "submitted_on" => self.submitted_on.is_some(),
            "decision_on" => self.decision_on.is_some(),
            "closing_date" => self.closing_date.is_some(),
            "outcome" => self.outcome.is_some(),
            _ => false,
        }
    }

    /// Puts a body's value (text, or null for empty) into the form.
    pub fn set(&mut self, field: &str, value: &Value) {
        if let Some(slot) = self.slot(field) {
            *slot = Some(value.as_str().unwrap_or_default().to_owned());
        }
    }

    /// The value of `field` in the form (empty when none).
    pub fn get(&self, field: &str) -> &str {
        let value = match field {
            "program" => &self.program,
            "stage" => &self.stage,
            "responsible_user_id" => &self.responsible_user_id,
            "opened_on" => &self.opened_on,
            "submitted_on" => &self.submitted_on,
            "decision_on" => &self.decision_on,
            "closing_date" => &self.closing_date,
            "outcome" => &self.outcome,
            _ => &None,
        };
        value.as_deref().unwrap_or_default()
    }

    /// Whether the select of `field` has `value` chosen.
    pub fn is(&self, field: &str, value: &str) -> bool {
        self.get(field) == value
    }

    /// The API body: the fields the reader may write that the form holds;
    /// an empty one clears the field (a program or stage is required).
    pub fn body(&self, caller: &Caller) -> Map<String, Value> {
        let mut body = Map::new();
        for (field, _) in FIELDS {
            if access(caller, "case", field) != Access::Writable {
                continue;
            }
            if !self.holds(field) {
                continue;
            }
            let text = self.get(field).trim();
            let value = if text.is_empty() && !matches!(*field, "program" | "stage") {
                Value::Null
            } else {
                Value::String(text.to_string())
            };
            body.insert(field.to_string(), value);
        }
        body
    }
}
