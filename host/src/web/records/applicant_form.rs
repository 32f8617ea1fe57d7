//! An applicant's fields on a page: their labels and inputs, the values a
//! form holds (saved or typed), and the JSON body a form becomes.
//!
//! Lists (other names, emails, phones) are a textarea with one entry per
//! line: it works without the script, and a pasted list just works.

use serde::Deserialize;
use serde_json::{Map, Value};
use utoipa::ToSchema;

use super::{Access, access};
use crate::access::Caller;
use crate::records::applicant::Applicant;
use crate::web::FormState;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Text,
    Date,
    /// One entry per line.
    Lines,
    LongText,
}

pub struct Spec {
    pub name: &'static str,
    pub label: &'static str,
    pub kind: Kind,
}

const fn spec(name: &'static str, label: &'static str, kind: Kind) -> Spec {
    Spec { name, label, kind }
}

/// Every field a person writes, in the order pages show them.
pub const SPECS: &[Spec] = &[
    spec("given_name", "Given names", Kind::Text),
    spec("family_name", "Family name", Kind::Text),
    spec("other_names", "Other names", Kind::Lines),
    spec("emails", "Emails", Kind::Lines),
    spec("phones", "Phones", Kind::Lines),
    spec("date_of_birth", "Date of birth", Kind::Date),
    spec("country_of_birth", "Country of birth", Kind::Text),
    spec("citizenship", "Citizenship", Kind::Text),
    spec("passport_number", "Passport number", Kind::Text),
    spec("passport_country", "Passport country", Kind::Text),
    spec("passport_expiry", "Passport expiry", Kind::Date),
    spec("address", "Address", Kind::LongText),
    spec("preferred_language", "Preferred language", Kind::Text),
    spec("notes", "Notes", Kind::LongText),
];

/// The label of an applicant field (its name if unknown).
pub fn label(field: &str) -> &str {
    SPECS
        .iter()
        .find(|s| s.name == field)
        .map_or(field, |s| s.label)
}

/// The applicant form's values: what is saved, or what was typed. Lists are
/// one entry per line. A field the reader may not write is ignored.
#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
pub struct ApplicantForm {
    given_name: Option<String>,
    family_name: Option<String>,
    /// One per line.
    other_names: Option<String>,
    /// One per line.
    emails: Option<String>,
    /// One per line.
    phones: Option<String>,
    /// YYYY-MM-DD.
    date_of_birth: Option<String>,
    country_of_birth: Option<String>,
    citizenship: Option<String>,
    passport_number: Option<String>,
    passport_country: Option<String>,
    /// YYYY-MM-DD.
    passport_expiry: Option<String>,
    address: Option<String>,
    preferred_language: Option<String>,
    notes: Option<String>,
    /// When changing: the version the form was opened at.
    pub version: Option<i64>,
    /// When changing: the writable fields as the form was opened (JSON of
    /// the body); only the fields that differ from them are saved.
    pub base: Option<String>,
    /// After a conflict: the fields both people changed, comma-separated;
    /// the form must say which value to keep for each.
    pub asked: Option<String>,
    /// Present (`yes`) when the person creates the applicant although it
    /// looks like others ("Create anyway").
    pub confirm_duplicates: Option<String>,
    #[serde(rename = "_csrf")]
    #[allow(dead_code)]
    csrf: Option<String>,
}

impl ApplicantForm {
    fn slot(&mut self, field: &str) -> Option<&mut Option<String>> {
        Some(match field {
            "given_name" => &mut self.given_name,
            "family_name" => &mut self.family_name,
            "other_names" => &mut self.other_names,
            "emails" => &mut self.emails,
            "phones" => &mut self.phones,
            "date_of_birth" => &mut self.date_of_birth,
            "country_of_birth" => &mut self.country_of_birth,
            "citizenship" => &mut self.citizenship,
            "passport_number" => &mut self.passport_number,
            "passport_country" => &mut self.passport_country,
            "passport_expiry" => &mut self.passport_expiry,
            "address" => &mut self.address,
            "preferred_language" => &mut self.preferred_language,
            "notes" => &mut self.notes,
            _ => return None,
        })
    }

    /// Whether the form holds `field` (a question left unanswered does not).
    pub fn holds(&self, field: &str) -> bool {
        self.value(field).is_some()
    }

    /// Puts a body's value (text, a list, or null for empty) into the form.
    pub fn set(&mut self, field: &str, value: &Value) {
        if let Some(slot) = self.slot(field) {
            *slot = Some(shown(value));
        }
    }

    pub fn value(&self, field: &str) -> Option<&str> {
        match field {
            "given_name" => self.given_name.as_deref(),
            "family_name" => self.family_name.as_deref(),
            "other_names" => self.other_names.as_deref(),
            "emails" => self.emails.as_deref(),
            "phones" => self.phones.as_deref(),
            "date_of_birth" => self.date_of_birth.as_deref(),
            "country_of_birth" => self.country_of_birth.as_deref(),
            "citizenship" => self.citizenship.as_deref(),
            "passport_number" => self.passport_number.as_deref(),
            "passport_country" => self.passport_country.as_deref(),
            "passport_expiry" => self.passport_expiry.as_deref(),
            "address" => self.address.as_deref(),
            "preferred_language" => self.preferred_language.as_deref(),
            "notes" => self.notes.as_deref(),
            _ => None,
        }
    }

    /// The form holding the applicant as saved.
    pub fn of(a: &Applicant) -> ApplicantForm {
        let json = serde_json::to_value(a).unwrap_or_default();
        let mut form = ApplicantForm {
            version: Some(a.version),
            ..ApplicantForm::default()
        };
        for spec in SPECS {
            let text = shown(&json[spec.name]);
            if let Some(slot) = form.slot(spec.name) {
                *slot = Some(text);
            }
        }
        form
    }

    /// The API body this form makes: the fields the reader may write that
    /// the form holds; lists split into lines.
    pub fn body(&self, caller: &Caller) -> Map<String, Value> {
        let mut body = Map::new();
        for spec in SPECS {
            if access(caller, "applicant", spec.name) != Access::Writable {
                continue;
            }
            let Some(text) = self.value(spec.name) else {
                continue;
            };
            let value = if spec.kind == Kind::Lines {
                Value::Array(
                    text.lines()
                        .map(str::trim)
                        .filter(|l| !l.is_empty())
                        .map(|l| Value::String(l.to_string()))
                        .collect(),
                )
            } else {
                Value::String(text.trim().to_string())
            };
            body.insert(spec.name.to_string(), value);
        }
        body
    }

    pub fn confirmed(&self) -> bool {
        self.confirm_duplicates.is_some()
    }
}

/// A JSON value of a record as text on a page: lists one per line, nothing
/// for null.
pub fn shown(value: &Value) -> String {
    match value {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        Value::Array(items) => items.iter().map(shown).collect::<Vec<_>>().join("\n"),
        other => other.to_string(),
    }
}

/// One field of a form as a page shows it.
pub struct Row {
    pub name: &'static str,
    pub label: &'static str,
    pub kind: Kind,
    pub value: String,
    /// Shown as text: the reader's role makes it read-only.
    pub read_only: bool,
    pub error: Option<String>,
    /// When this person and someone else both changed it: the question.
    pub conflict: Option<super::merge::Conflict>,
}

impl Row {
    pub fn is(&self, kind: &str) -> bool {
        matches!(
            (kind, self.kind),
            ("text", Kind::Text)
                | ("date", Kind::Date)
                | ("lines", Kind::Lines)
                | ("long", Kind::LongText)
        )
    }
}

/// The rows of a form: hidden fields left out; read-only ones kept as text
/// unless `creating` (a new applicant has nothing to show in them).
pub fn rows(caller: &Caller, values: &ApplicantForm, form: &FormState, creating: bool) -> Vec<Row> {
    SPECS
        .iter()
        .filter_map(|spec| {
            let read_only = match access(caller, "applicant", spec.name) {
                Access::Hidden => return None,
                Access::ReadOnly if creating => return None,
                Access::ReadOnly => true,
                Access::Writable => false,
            };
            Some(Row {
                name: spec.name,
                label: spec.label,
                kind: spec.kind,
                value: values.value(spec.name).unwrap_or_default().to_string(),
                read_only,
                error: form
                    .error(spec.name)
                    .or_else(|| form.error(&format!("applicant.{}", spec.name)))
                    .map(str::to_string),
                conflict: None,
            })
        })
        .collect()
}

/// Moves the errors of fields the form does not show (ones the reader's
/// role makes read-only, say a required family name) into the message
/// above the form, so no refusal goes unexplained.
pub fn explain_unshown(rows: &[Row], form: &mut FormState) {
    let unshown: Vec<String> = form
        .errors
        .iter()
        .filter(|(field, _)| {
            !rows
                .iter()
                .any(|r| r.name == field.as_str() && !r.read_only)
        })
        .map(|(field, message)| {
            let field = field.trim_start_matches("applicant.");
            format!("{}: {message}", label(field))
        })
        .collect();
    if !unshown.is_empty() {
        let text = unshown.join("; ");
        form.problem = Some(match form.problem.take() {
            Some(p) => format!("{p} ({text})"),
            None => format!("{text}. Your role cannot change this field; ask your administrator."),
        });
    }
}

/// The fields of a saved applicant the reader may see, with a value, as
/// (label, text) pairs.
pub fn details(caller: &Caller, a: &Applicant) -> Vec<(&'static str, String)> {
    let json = serde_json::to_value(a).unwrap_or_default();
    SPECS
        .iter()
        .filter(|s| access(caller, "applicant", s.name) != Access::Hidden)
        .map(|s| (s.label, shown(&json[s.name])))
        .filter(|(_, v)| !v.is_empty())
        .collect()
}
