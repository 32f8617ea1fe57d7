//! An applicant: who they are, how to reach them, their passport. What an
//! applicant is, how input is checked and normalised, and how a record is
//! shown to a caller whose role hides some fields.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

use crate::error::FieldErrors;
use immcase_matching as matching;

/// An applicant as the API shows it (before field rules remove hidden fields).
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct Applicant {
    pub id: String,
    pub version: i64,
    pub given_name: String,
    pub family_name: String,
    pub other_names: Vec<String>,
    pub emails: Vec<String>,
    /// E.164, e.g. `+14165550100`.
    pub phones: Vec<String>,
    /// YYYY-MM-DD.
    pub date_of_birth: Option<String>,
    pub country_of_birth: Option<String>,
    pub citizenship: Option<String>,
    pub passport_number: Option<String>,
    pub passport_country: Option<String>,
    /// YYYY-MM-DD.
    pub passport_expiry: Option<String>,
    pub address: Option<String>,
    pub preferred_language: Option<String>,
    pub notes: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

/// The fields a person writes, checked by [`check`]. Absent lists are empty,
/// absent texts are none.
#[derive(Clone, Debug, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApplicantInput {
    #[serde(default)]
    pub given_name: String,
    #[serde(default)]
    pub family_name: String,
    #[serde(default)]
    pub other_names: Vec<String>,
    #[serde(default)]
    pub emails: Vec<String>,
    /// Any common format; stored as E.164 (numbers without a country code
    /// are taken as Canadian).
    #[serde(default)]
    pub phones: Vec<String>,
    pub date_of_birth: Option<String>,
    pub country_of_birth: Option<String>,
    pub citizenship: Option<String>,
    pub passport_number: Option<String>,
    pub passport_country: Option<String>,
    pub passport_expiry: Option<String>,
    pub address: Option<String>,
    pub preferred_language: Option<String>,
    pub notes: Option<String>,
}

/// The record fields a person may write, in the order forms show them.
pub const FIELDS: &[&str] = &[
    "given_name",
    "family_name",
    "other_names",
    "emails",
    "phones",
    "date_of_birth",
    "country_of_birth",
    "citizenship",
    "passport_number",
    "passport_country",
    "passport_expiry",
    "address",
    "preferred_language",
    "notes",
];

/// At most this many other names, emails or phones.
pub const MAX_LIST: usize = 10;

/// At most this many characters in one of the other names.
const MAX_OTHER_NAME_CHARS: usize = 100;

/// Why one entry of a list (other names, emails, phones) is refused. Its text
/// is the list field's error.
#[derive(Debug, thiserror::Error)]
enum EntryRefused {
    #[error("each at most {max} characters")]
    NameTooLong { max: usize },
    #[error("not an email address: {email}")]
    NotAnEmail { email: String },
    #[error(transparent)]
    Phone(#[from] matching::PhoneRefused),
}

/// Why a date is refused. Its text is the date field's error.
#[derive(Debug, thiserror::Error)]
enum DateRefused {
    #[error("use a date like 1990-04-21")]
    Unreadable(#[source] jiff::Error),
    /// A date, but not written as YYYY-MM-DD or before 1900.
    #[error("use a date like 1990-04-21, from 1900 on")]
    OutOfRange,
    #[error("cannot be in the future")]
    InTheFuture,
}

/// Checks and normalises input: trims texts, lowercases emails, turns
/// phones into E.164, checks dates, and names every field that is wrong.
pub fn check(input: ApplicantInput, today: &str) -> Result<ApplicantInput, FieldErrors> {
    let mut errors = FieldErrors::new();
    let given_name =
        crate::input::name_field(&mut errors, "given_name", &input.given_name, false, 100);
    let family_name =
        crate::input::name_field(&mut errors, "family_name", &input.family_name, true, 100);
    let optional = |errors: &mut FieldErrors, field: &str, value: Option<String>, max: usize| {
        let value =
            crate::input::text_field(errors, field, value.as_deref().unwrap_or(""), false, max);
        (!value.is_empty()).then_some(value)
    };
    let country_of_birth = optional(&mut errors, "country_of_birth", input.country_of_birth, 60);
    let citizenship = optional(&mut errors, "citizenship", input.citizenship, 60);
    let passport_country = optional(&mut errors, "passport_country", input.passport_country, 60);
    let address = optional(&mut errors, "address", input.address, 500);
    let preferred_language = optional(
        &mut errors,
        "preferred_language",
        input.preferred_language,
        40,
    );
    let notes = optional(&mut errors, "notes", input.notes, 10_000);
    let passport_number = optional(&mut errors, "passport_number", input.passport_number, 30);
    if let Some(p) = &passport_number {
        let key = matching::normalize_passport(p);
        if !(3..=20).contains(&key.len()) {
            errors.insert(
                "passport_number".into(),
                "use the 3 to 20 letters and digits printed on the passport".into(),
            );
        }
    }
    let date_of_birth = optional(&mut errors, "date_of_birth", input.date_of_birth, 10);
    if let Some(d) = &date_of_birth
        && let Err(e) = check_date(d, Some(today))
    {
        errors.insert("date_of_birth".into(), e.to_string());
    }
    let passport_expiry = optional(&mut errors, "passport_expiry", input.passport_expiry, 10);
    if let Some(d) = &passport_expiry
        && let Err(e) = check_date(d, None)
    {
        errors.insert("passport_expiry".into(), e.to_string());
    }
    let other_names = check_list(&mut errors, "other_names", input.other_names, |n| {
        let n = n.trim().to_string();
        if n.chars().count() > MAX_OTHER_NAME_CHARS {
            Err(EntryRefused::NameTooLong {
                max: MAX_OTHER_NAME_CHARS,
            })
        } else {
            Ok(n)
        }
    });
    let emails = check_list(&mut errors, "emails", input.emails, |e| {
        let e = matching::normalize_email(&e);
        if e.len() > 254 || e.parse::<lettre::Address>().is_err() {
            Err(EntryRefused::NotAnEmail { email: e })
        } else {
            Ok(e)
        }
    });
    let phones = check_list(&mut errors, "phones", input.phones, |p| {
        Ok(matching::normalize_phone(&p, "CA")?)
    });
    if errors.is_empty() {
        Ok(ApplicantInput {
            given_name,
            family_name,
            other_names,
            emails,
            phones,
            date_of_birth,
            country_of_birth,
            citizenship,
            passport_number,
            passport_country,
            passport_expiry,
            address,
            preferred_language,
            notes,
        })
    } else {
        Err(errors)
    }
}

/// Checks each entry of a list (empty entries dropped, duplicates merged);
/// the first problem is reported for the list's field.
fn check_list(
    errors: &mut FieldErrors,
    field: &str,
    values: Vec<String>,
    each: impl Fn(String) -> Result<String, EntryRefused>,
) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for value in values.into_iter().filter(|v| !v.trim().is_empty()) {
        match each(value) {
            Ok(v) if !out.contains(&v) => out.push(v),
            Ok(_) => {}
            Err(e) => {
                errors
                    .entry(field.to_string())
                    .or_insert_with(|| e.to_string());
            }
        }
    }
    if out.len() > MAX_LIST {
        errors.insert(field.into(), format!("at most {MAX_LIST}"));
    }
    out
}

/// A date as YYYY-MM-DD, not before 1900 and, with `not_after`, not later.
fn check_date(value: &str, not_after: Option<&str>) -> Result<(), DateRefused> {
    let date: jiff::civil::Date = value.parse().map_err(DateRefused::Unreadable)?;
    if value.len() != 10 || date.year() < 1900 {
        return Err(DateRefused::OutOfRange);
    }
    if let Some(limit) = not_after
        && value > limit
    {
        return Err(DateRefused::InTheFuture);
    }
    Ok(())
}

/// The applicant as JSON for the caller: fields their role hides are absent.
pub fn visible(applicant: &Applicant, rules: &crate::access::permissions::FieldRules) -> Value {
    super::visible(applicant, "applicant", rules)
}

/// The input that would write the applicant as it is.
pub fn as_input(a: &Applicant) -> ApplicantInput {
    ApplicantInput {
        given_name: a.given_name.clone(),
        family_name: a.family_name.clone(),
        other_names: a.other_names.clone(),
        emails: a.emails.clone(),
        phones: a.phones.clone(),
        date_of_birth: a.date_of_birth.clone(),
        country_of_birth: a.country_of_birth.clone(),
        citizenship: a.citizenship.clone(),
        passport_number: a.passport_number.clone(),
        passport_country: a.passport_country.clone(),
        passport_expiry: a.passport_expiry.clone(),
        address: a.address.clone(),
        preferred_language: a.preferred_language.clone(),
        notes: a.notes.clone(),
    }
}

/// What duplicate detection compares of an applicant.
pub fn probe(a: &ApplicantInput) -> matching::Probe {
    matching::Probe {
        given_name: a.given_name.clone(),
        family_name: a.family_name.clone(),
        other_names: a.other_names.clone(),
        emails: a.emails.clone(),
        phones: a.phones.clone(),
        date_of_birth: a.date_of_birth.clone(),
        passport_number: a.passport_number.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input() -> ApplicantInput {
        ApplicantInput {
            given_name: " Ana ".into(),
            family_name: "García".into(),
            emails: vec![
                "Ana@Example.COM".into(),
                "ana@example.com".into(),
                " ".into(),
            ],
            phones: vec!["(416) 555-0100".into()],
            date_of_birth: Some("1990-04-21".into()),
            passport_number: Some("ab 123-456".into()),
            ..ApplicantInput::default()
        }
    }

    #[test]
    fn input_is_trimmed_and_normalised() {
        let checked = check(input(), "2026-11-23").unwrap();
        assert_eq!(checked.given_name, "Ana");
        assert_eq!(checked.emails, vec!["ana@example.com"]);
        assert_eq!(checked.phones, vec!["+14165550100"]);
        assert_eq!(checked.passport_number.as_deref(), Some("ab 123-456"));
        assert_eq!(checked.notes, None);
    }

    #[test]
    fn each_wrong_field_is_named() {
        let bad = ApplicantInput {
            family_name: " ".into(),
            other_names: vec!["n".repeat(101)],
            emails: vec!["not an email".into()],
            phones: vec!["12".into()],
            date_of_birth: Some("2030-01-01".into()),
            passport_expiry: Some("21/04/2030".into()),
            passport_number: Some("#".into()),
            ..ApplicantInput::default()
        };
        let errors = check(bad, "2026-11-23").unwrap_err();
        for field in [
            "family_name",
            "other_names",
            "emails",
            "phones",
            "date_of_birth",
            "passport_expiry",
            "passport_number",
        ] {
            assert!(errors.contains_key(field), "{field}: {errors:?}");
        }
        assert_eq!(errors["family_name"], "required");
        assert_eq!(errors["date_of_birth"], "cannot be in the future");
        assert_eq!(errors["passport_expiry"], "use a date like 1990-04-21");
        assert_eq!(errors["other_names"], "each at most 100 characters");
        assert_eq!(errors["emails"], "not an email address: not an email");
        assert_eq!(errors["phones"], "not a phone number: \"12\"");
    }

    #[test]
    fn dates_say_what_is_wrong() {
        assert!(check_date("1990-04-21", Some("2026-11-23")).is_ok());
        assert!(matches!(
            check_date("21/04/1990", None),
            Err(DateRefused::Unreadable(_))
        ));
        let early = check_date("1899-12-31", None).unwrap_err();
        assert!(matches!(early, DateRefused::OutOfRange));
        assert_eq!(
            early.to_string(),
            "use a date like 1990-04-21, from 1900 on"
        );
        assert!(matches!(
            check_date("2030-01-01", Some("2026-11-23")),
            Err(DateRefused::InTheFuture)
        ));
    }

    #[test]
    fn hidden_fields_are_left_out() {
        let applicant = Applicant {
            id: "a".into(),
            version: 1,
            given_name: "Ana".into(),
            family_name: "García".into(),
            other_names: vec![],
            emails: vec![],
            phones: vec![],
            date_of_birth: None,
            country_of_birth: None,
            citizenship: None,
            passport_number: Some("AB123456".into()),
            passport_country: None,
            passport_expiry: None,
            address: None,
            preferred_language: None,
            notes: None,
            created_at: String::new(),
            updated_at: String::new(),
        };
        let rules = [(
            "applicant.passport_number".to_string(),
            crate::access::permissions::FieldAccess::Hidden,
        )]
        .into();
        let json = visible(&applicant, &rules);
        assert!(json.get("passport_number").is_none());
        assert_eq!(json["family_name"], "García");
        let open = visible(&applicant, &Default::default());
        assert_eq!(open["passport_number"], "AB123456");
    }
}
