//! The helpdesk's rules, one file per topic. Every function here is pure:
//! no store, no mail, no clock. Time comes in as an argument (`now`), and
//! what the rules decide comes back as values that the module then stores,
//! sends or schedules. That is what lets `cargo test -p helpdesk` check every
//! rule natively, with fixed timestamps.
//!
//! - [`ticket`]: the ticket's fields, checking a new ticket, folios.
//! - [`status`]: which status changes are allowed, and for whom.
//! - [`hours`]: the practice's business hours, and counting time in them.
//! - [`sla`]: response and resolution targets, the paused clock, and when
//!   the module must wake up to warn or report a breach.
//! - [`assignment`]: who a new ticket goes to, and who may reassign it.
//! - [`escalation`]: changing a ticket's priority and category, and a
//!   manager's escalation.
//! - [`visibility`]: who sees which tickets and internal notes.
//! - [`by_email`]: replies by email: the sender's own words, who is never
//!   answered, and refusals in words.
//! - [`settings`]: what an administrator configures, with its defaults.
//!
//! Input that people type is checked into [`Problems`]: every wrong field
//! with a message, so a form can show them all at once.

pub mod assignment;
pub mod by_email;
pub mod escalation;
pub mod hours;
pub mod settings;
pub mod sla;
pub mod status;
pub mod ticket;
pub mod visibility;

use immcase_sdk::Error;

/// Every wrong field of some input, in the order they were found, each with
/// a message for people: `("categories[1].team", "has no members")`.
///
/// Rules collect problems instead of stopping at the first one. A handler
/// turns them into the API's 422 answer with [`Problems::into_result`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Problems(Vec<(String, String)>);

impl Problems {
    /// No problems yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Notes that `field` is wrong, and why.
    pub fn add(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.0.push((field.into(), message.into()));
    }

    /// Takes over the problems of a part of the input, their fields put
    /// below `prefix`: `business_hours` + `monday[0].end` gives
    /// `business_hours.monday[0].end`.
    pub fn nest(&mut self, prefix: &str, problems: Problems) {
        for (field, message) in problems.0 {
            let field = if field.starts_with('[') {
                format!("{prefix}{field}")
            } else {
                format!("{prefix}.{field}")
            };
            self.0.push((field, message));
        }
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The message for `field`, if it is wrong (the first one when it has
    /// several).
    pub fn get(&self, field: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(name, _)| name == field)
            .map(|(_, message)| message.as_str())
    }

    /// The wrong fields, in order.
    pub fn fields(&self) -> impl Iterator<Item = &str> {
        self.0.iter().map(|(field, _)| field.as_str())
    }

    /// Each wrong field with its first message, as an object of paths to
    /// messages (what a module's settings check answers the host).
    pub fn to_json(&self) -> serde_json::Value {
        let mut fields = serde_json::Map::new();
        for (field, message) in &self.0 {
            fields
                .entry(field.clone())
                .or_insert_with(|| serde_json::Value::String(message.clone()));
        }
        serde_json::Value::Object(fields)
    }

    /// `Ok` when there is nothing wrong, else the API's `invalid` error
    /// naming every field: `{"fields": {"subject": "required", ...}}`.
    pub fn into_result(self) -> Result<(), Error> {
        if self.is_empty() {
            Ok(())
        } else {
            Err(self.into())
        }
    }
}

impl From<Problems> for Error {
    fn from(problems: Problems) -> Self {
        Error::invalid_fields(problems.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn problems_keep_every_field_in_order() {
        let mut problems = Problems::new();
        assert!(problems.clone().into_result().is_ok());
        problems.add("subject", "required");
        let mut hours = Problems::new();
        hours.add("monday[0].end", "must be after the start");
        problems.nest("business_hours", hours);
        let mut categories = Problems::new();
        categories.add("[1].team", "has no members");
        problems.nest("categories", categories);
        assert_eq!(
            problems.fields().collect::<Vec<_>>(),
            [
                "subject",
                "business_hours.monday[0].end",
                "categories[1].team"
            ]
        );
        assert_eq!(problems.get("categories[1].team"), Some("has no members"));
        assert_eq!(problems.get("description"), None);
        let error = problems.into_result().expect_err("invalid");
        assert_eq!(error.status(), 422);
        assert_eq!(
            error.to_json()["error"]["fields"]["subject"],
            serde_json::json!("required")
        );
    }
}

/// What the tests of every rule share: times in Toronto, a new ticket.
#[cfg(test)]
pub(crate) mod testing {
    use jiff::Timestamp;
    use jiff::civil::DateTime;

    use super::ticket::{Priority, Ticket, ValidTicket};

    /// A local time in Toronto: `at("2026-03-13 16:50")`.
    pub fn at(local: &str) -> Timestamp {
        let local: DateTime = local.replace(' ', "T").parse().expect("date and time");
        local.in_tz("America/Toronto").expect("Toronto").timestamp()
    }

    /// An open ticket in `technical_support`, filed by `u-req` at `created_at`.
    pub fn ticket(priority: Priority, created_at: Timestamp) -> Ticket {
        let new = ValidTicket {
            subject: "Printer".into(),
            description: "It jams.".into(),
            category: "technical_support".into(),
            priority,
            applicant_id: None,
            case_id: None,
        };
        Ticket::open(new, "TKT001".into(), "u-req".into(), created_at)
    }
}
