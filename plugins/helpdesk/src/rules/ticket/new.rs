//! Checking the fields of a new ticket.

use serde::Deserialize;

use super::Priority;
use crate::rules::Problems;
use crate::rules::settings::Category;

pub const SUBJECT_MAX: usize = 200;
pub const DESCRIPTION_MAX: usize = 20_000;

/// A new ticket as the form or the API sends it. Everything is optional
/// here so that [`check_new`] can name every missing field at once.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct NewTicket {
    pub subject: String,
    pub description: String,
    pub category: String,
    pub priority: Option<String>,
    pub applicant_id: Option<String>,
    pub case_id: Option<String>,
}

/// A new ticket that passed [`check_new`]: trimmed, with a known category
/// and priority. Blank ids are `None`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidTicket {
    pub subject: String,
    pub description: String,
    pub category: String,
    pub priority: Priority,
    pub applicant_id: Option<String>,
    pub case_id: Option<String>,
}

/// Checks a new ticket against the configured categories: a subject of 1
/// to 200 characters on one line, a description of at most 20,000
/// characters, one of the active categories, a priority. An applicant, a
/// case, both or neither may be named (whether they exist and belong
/// together is for the module to ask the host).
pub fn check_new(new: &NewTicket, categories: &[Category]) -> Result<ValidTicket, Problems> {
    let mut problems = Problems::new();
    let subject = new.subject.trim();
    if subject.is_empty() {
        problems.add("subject", "required");
    } else if subject.chars().count() > SUBJECT_MAX {
        problems.add("subject", format!("at most {SUBJECT_MAX} characters"));
    } else if subject.chars().any(char::is_control) {
        problems.add("subject", "must be one line");
    }
    let description = new.description.trim();
    if description.chars().count() > DESCRIPTION_MAX {
        problems.add("description", "at most 20,000 characters");
    }
    let category = new.category.trim();
    let active: Vec<&str> = categories
        .iter()
        .filter(|c| c.active)
        .map(|c| c.key.as_str())
        .collect();
    if category.is_empty() {
        problems.add("category", "required");
    } else if !active.contains(&category) {
        problems.add("category", format!("must be one of {}", active.join(", ")));
    }
    let priority = match new.priority.as_deref().map(str::trim) {
        None | Some("") => Err("required".to_owned()),
        Some(text) => text.parse::<Priority>(),
    };
    if let Err(message) = &priority {
        problems.add("priority", message.as_str());
    }
    let id = |id: &Option<String>| {
        id.as_deref()
            .map(str::trim)
            .filter(|id| !id.is_empty())
            .map(str::to_owned)
    };
    match priority {
        Ok(priority) if problems.is_empty() => Ok(ValidTicket {
            subject: subject.to_owned(),
            description: description.to_owned(),
            category: category.to_owned(),
            priority,
            applicant_id: id(&new.applicant_id),
            case_id: id(&new.case_id),
        }),
        _ => Err(problems),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::settings::Settings;

    fn new(subject: &str, category: &str, priority: Option<&str>) -> NewTicket {
        NewTicket {
            subject: subject.into(),
            category: category.into(),
            priority: priority.map(str::to_owned),
            ..NewTicket::default()
        }
    }

    #[test]
    fn a_new_ticket_is_checked_field_by_field() {
        let settings = Settings::default();
        let mut input = new("  Printer jams ", "technical_support", Some("high"));
        input.case_id = Some("c1".into());
        input.applicant_id = Some(" ".into());
        let valid = check_new(&input, &settings.categories).expect("valid");
        assert_eq!(valid.subject, "Printer jams");
        assert_eq!(valid.priority, Priority::High);
        assert_eq!(
            (valid.applicant_id, valid.case_id.as_deref()),
            (None, Some("c1"))
        );

        let problems = check_new(&NewTicket::default(), &settings.categories).expect_err("empty");
        assert_eq!(
            problems.fields().collect::<Vec<_>>(),
            ["subject", "category", "priority"]
        );
        assert_eq!(problems.get("priority"), Some("required"));

        let mut input = new(&"é".repeat(201), "billing", Some("critical"));
        input.description = "x".repeat(DESCRIPTION_MAX + 1);
        let problems = check_new(&input, &settings.categories).expect_err("wrong");
        assert_eq!(problems.get("subject"), Some("at most 200 characters"));
        assert_eq!(
            problems.get("description"),
            Some("at most 20,000 characters")
        );
        assert_eq!(
            problems.get("category"),
            Some("must be one of technical_support, case_support, improvement_suggestion, other")
        );
        assert_eq!(
            problems.get("priority"),
            Some("must be one of low, medium, high, urgent")
        );
        let two_lines = check_new(&new("a\nb", "other", Some("low")), &settings.categories);
        assert_eq!(
            two_lines.expect_err("two lines").get("subject"),
            Some("must be one line")
        );
        assert!(
            check_new(
                &new(&"é".repeat(200), "other", Some("low")),
                &settings.categories
            )
            .is_ok()
        );
    }

    #[test]
    fn inactive_categories_take_no_new_tickets() {
        let mut settings = Settings::default();
        settings.categories[0].active = false;
        let problems = check_new(
            &new("Help", "technical_support", Some("low")),
            &settings.categories,
        )
        .expect_err("inactive");
        assert_eq!(
            problems.get("category"),
            Some("must be one of case_support, improvement_suggestion, other")
        );
    }
}
