//! A case: the work a practice does for an applicant, identified by its
//! folio (CAS001, ...). What a case is, its stages and outcomes, and the
//! rules its fields follow. Its program is one of the practice's own list
//! (`programs`), checked against the database by `cases`.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error::FieldErrors;

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct Case {
    pub id: String,
    pub version: i64,
    /// `CAS001`, `CAS002`, ...: per practice, never reused.
    pub folio: String,
    pub applicant_id: String,
    /// The key of one of the practice's case programs.
    pub program: String,
    /// One of [`STAGES`].
    pub stage: String,
    pub responsible_user_id: Option<String>,
    /// Key dates, YYYY-MM-DD.
    pub opened_on: Option<String>,
    pub submitted_on: Option<String>,
    pub decision_on: Option<String>,
    /// Set when the case is closed, with the outcome.
    pub closing_date: Option<String>,
    /// One of [`OUTCOMES`], when closed.
    pub outcome: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

/// What a person writes of a case.
#[derive(Clone, Debug, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CaseInput {
    #[serde(default)]
    pub applicant_id: String,
    #[serde(default)]
    pub program: String,
    /// Defaults to `intake`.
    pub stage: Option<String>,
    pub responsible_user_id: Option<String>,
    pub opened_on: Option<String>,
    pub submitted_on: Option<String>,
    pub decision_on: Option<String>,
    pub closing_date: Option<String>,
    pub outcome: Option<String>,
}

pub const FIELDS: &[&str] = &[
    "applicant_id",
    "program",
    "stage",
    "responsible_user_id",
    "opened_on",
    "submitted_on",
    "decision_on",
    "closing_date",
    "outcome",
];

pub const STAGES: &[&str] = &["intake", "preparation", "submitted", "decision", "closed"];

pub const OUTCOMES: &[&str] = &["approved", "refused", "withdrawn", "other"];

/// The folio of the `n`th case: `CAS001` ... `CAS999`, then `CAS1000`.
pub fn folio(n: i64) -> String {
    format!("CAS{n:03}")
}

/// The number of a folio as people type it (`CAS014`, `cas14`, ` CAS0014 `);
/// `None` for anything else.
pub fn folio_number(text: &str) -> Option<i64> {
    let text = text.trim();
    let digits = text
        .get(..3)
        .filter(|prefix| prefix.eq_ignore_ascii_case("CAS"))
        .map(|_| &text[3..])?;
    if digits.is_empty() || digits.len() > 18 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok().filter(|n| *n > 0)
}

fn one_of(errors: &mut FieldErrors, field: &str, value: &str, allowed: &[&str]) {
    if !allowed.contains(&value) {
        errors.insert(field.into(), format!("one of {}", allowed.join(", ")));
    }
}

fn date(errors: &mut FieldErrors, field: &str, value: &Option<String>) -> Option<String> {
    let value = value.as_deref().map(str::trim).filter(|v| !v.is_empty())?;
    let ok = value.len() == 10 && value.parse::<jiff::civil::Date>().is_ok();
    if !ok {
        errors.insert(field.into(), "use a date like 2026-11-23".into());
    }
    Some(value.to_string())
}

/// Checks a case: a program and a known stage; a closed case has a closing
/// date and an outcome, and only a closed case has them. (Whether the
/// program is one the practice offers is checked against its list.)
pub fn check(input: CaseInput) -> Result<CaseInput, FieldErrors> {
    let mut errors = FieldErrors::new();
    let applicant_id = input.applicant_id.trim().to_string();
    if applicant_id.is_empty() {
        errors.insert("applicant_id".into(), "required".into());
    }
    let program = input.program.trim().to_string();
    if program.is_empty() {
        errors.insert("program".into(), "required".into());
    }
    let stage = input
        .stage
        .as_deref()
        .map(str::trim)
        .unwrap_or("intake")
        .to_string();
    one_of(&mut errors, "stage", &stage, STAGES);
    let opened_on = date(&mut errors, "opened_on", &input.opened_on);
    let submitted_on = date(&mut errors, "submitted_on", &input.submitted_on);
    let decision_on = date(&mut errors, "decision_on", &input.decision_on);
    let closing_date = date(&mut errors, "closing_date", &input.closing_date);
    let outcome = input
        .outcome
        .as_deref()
        .map(str::trim)
        .filter(|o| !o.is_empty())
        .map(str::to_string);
    if let Some(o) = &outcome {
        one_of(&mut errors, "outcome", o, OUTCOMES);
    }
    if stage == "closed" {
        if closing_date.is_none() {
            errors.insert("closing_date".into(), "required to close a case".into());
        }
        if outcome.is_none() {
            errors.insert("outcome".into(), "required to close a case".into());
        }
    } else {
        if closing_date.is_some() {
            errors.insert("closing_date".into(), "only a closed case has one".into());
        }
        if outcome.is_some() {
            errors.insert("outcome".into(), "only a closed case has one".into());
        }
    }
    let responsible_user_id = input
        .responsible_user_id
        .as_deref()
        .map(str::trim)
        .filter(|u| !u.is_empty())
        .map(str::to_string);
    if errors.is_empty() {
        Ok(CaseInput {
            applicant_id,
            program,
            stage: Some(stage),
            responsible_user_id,
            opened_on,
            submitted_on,
            decision_on,
            closing_date,
            outcome,
        })
    } else {
        Err(errors)
    }
}

/// The input that would write the case as it is.
pub fn as_input(c: &Case) -> CaseInput {
    CaseInput {
        applicant_id: c.applicant_id.clone(),
        program: c.program.clone(),
        stage: Some(c.stage.clone()),
        responsible_user_id: c.responsible_user_id.clone(),
        opened_on: c.opened_on.clone(),
        submitted_on: c.submitted_on.clone(),
        decision_on: c.decision_on.clone(),
        closing_date: c.closing_date.clone(),
        outcome: c.outcome.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folios_are_read_as_people_type_them() {
        assert_eq!(folio_number("CAS014"), Some(14));
        assert_eq!(folio_number(" cas14 "), Some(14));
        assert_eq!(folio_number("CAS0001"), Some(1));
        assert_eq!(folio_number(&folio(1234)), Some(1234));
        for wrong in [
            "", "CAS", "CAS000", "CAS-1", "TKT001", "CAS1a", "14", "ÇAS1",
        ] {
            assert_eq!(folio_number(wrong), None, "{wrong:?}");
        }
    }

    fn new_case() -> CaseInput {
        CaseInput {
            applicant_id: "a".into(),
            program: "study_permit".into(),
            ..CaseInput::default()
        }
    }

    #[test]
    fn folios_are_three_digits_at_least() {
        assert_eq!(folio(1), "CAS001");
        assert_eq!(folio(42), "CAS042");
        assert_eq!(folio(1000), "CAS1000");
    }

    #[test]
    fn a_new_case_starts_at_intake() {
        let checked = check(new_case()).unwrap();
        assert_eq!(checked.stage.as_deref(), Some("intake"));
    }

    #[test]
    fn closing_needs_a_date_and_an_outcome() {
        let closing = CaseInput {
            stage: Some("closed".into()),
            ..new_case()
        };
        let errors = check(closing.clone()).unwrap_err();
        assert_eq!(errors["closing_date"], "required to close a case");
        assert_eq!(errors["outcome"], "required to close a case");
        let closed = CaseInput {
            closing_date: Some("2026-11-20".into()),
            outcome: Some("approved".into()),
            ..closing
        };
        assert!(check(closed).is_ok());
        let open_with_outcome = CaseInput {
            outcome: Some("approved".into()),
            ..new_case()
        };
        assert!(
            check(open_with_outcome)
                .unwrap_err()
                .contains_key("outcome")
        );
    }

    #[test]
    fn unknown_stages_and_outcomes_are_named() {
        let bad = CaseInput {
            program: " ".into(),
            stage: Some("waiting".into()),
            opened_on: Some("yesterday".into()),
            ..new_case()
        };
        let errors = check(bad).unwrap_err();
        assert_eq!(errors["program"], "required");
        assert!(errors["stage"].contains("intake"));
        assert!(errors.contains_key("opened_on"));
    }
}
