//! A ticket: its fields, checking a new one, and its folio.
//!
//! A ticket is stored as one document of the `tickets` collection. The store
//! keeps its `id` and `version`; the document holds everything else, and the
//! API shows both together ([`TicketView`]). Times are RFC 3339 in UTC.
//!
//! Every ticket has a folio, `TKT001`, `TKT002`, … `TKT999`, `TKT1000`, that
//! people quote on the phone and that emails carry in their subject,
//! `[TKT012] Printer`, so that a reply by email finds its ticket.
//!
//! The parts: `new.rs` checks a new ticket's fields, `folio.rs` numbers
//! tickets and finds folios in email subjects, `history.rs` keeps who
//! changed what and tells it in words.

mod folio;
mod history;
mod new;

use std::str::FromStr;

use immcase_sdk::Doc;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

pub use folio::{FOLIO_PREFIX, email_subject, folio_in_subject, format_folio, parse_folio};
pub use history::{Change, HistoryLine, What, timeline};
pub use new::{DESCRIPTION_MAX, NewTicket, SUBJECT_MAX, ValidTicket, check_new};

/// What was already announced for one clock.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Notice {
    pub warned: bool,
    pub breached: bool,
}

/// What was already announced for a ticket, kept in the ticket (the SLA
/// rules record what they announce). Changing
/// the priority or reopening the ticket keeps it: each clock warns and
/// reports a breach at most once.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct SlaNotices {
    pub first_response: Notice,
    pub resolution: Notice,
}

/// How urgent a ticket is; it chooses the SLA targets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Priority {
    Low,
    Medium,
    High,
    Urgent,
}

impl Priority {
    pub const ALL: [Priority; 4] = [Self::Low, Self::Medium, Self::High, Self::Urgent];

    /// The API's name: `low`, `medium`, `high`, `urgent`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Low => "low",
            Self::Medium => "medium",
            Self::High => "high",
            Self::Urgent => "urgent",
        }
    }

    /// As people read it (the same words as the API's names).
    pub fn words(self) -> &'static str {
        self.as_str()
    }

    /// One step more urgent; urgent stays urgent.
    pub fn raised(self) -> Self {
        match self {
            Self::Low => Self::Medium,
            Self::Medium => Self::High,
            Self::High | Self::Urgent => Self::Urgent,
        }
    }
}

impl FromStr for Priority {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|p| p.as_str() == text)
            .ok_or_else(|| "must be one of low, medium, high, urgent".to_owned())
    }
}

/// Where a ticket is in its life; see [`super::status`] for the moves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Just created, waiting for the responsible person's reply.
    Open,
    /// The responsible person is working on it.
    InProgress,
    /// The responsible person needs more from the requester.
    WaitingOnRequester,
    /// Done as far as the responsible person knows; awaiting confirmation.
    Resolved,
    /// Confirmed (or closed automatically) and archived: read only.
    Closed,
}

impl Status {
    /// The API's name: `open`, `in_progress`, `waiting_on_requester`, …
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::InProgress => "in_progress",
            Self::WaitingOnRequester => "waiting_on_requester",
            Self::Resolved => "resolved",
            Self::Closed => "closed",
        }
    }

    /// As people read it: `waiting on the requester`.
    pub fn words(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::InProgress => "in progress",
            Self::WaitingOnRequester => "waiting on the requester",
            Self::Resolved => "resolved",
            Self::Closed => "closed",
        }
    }

    /// Open, in progress or waiting: someone still has to act.
    pub fn is_active(self) -> bool {
        matches!(
            self,
            Self::Open | Self::InProgress | Self::WaitingOnRequester
        )
    }
}

/// One entry of a ticket's status history: from `at` on, it had `status`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusChange {
    pub at: Timestamp,
    pub status: Status,
}

/// A ticket as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Ticket {
    pub folio: String,
    pub subject: String,
    pub description: String,
    /// The key of one of the settings' categories.
    pub category: String,
    pub priority: Priority,
    pub status: Status,
    pub applicant_id: Option<String>,
    pub case_id: Option<String>,
    pub requester_id: String,
    pub assignee_id: Option<String>,
    pub created_at: Timestamp,
    /// The first reply the requester could read from someone else.
    pub first_response_at: Option<Timestamp>,
    /// When it was last resolved; cleared when reopened.
    pub resolved_at: Option<Timestamp>,
    pub closed_at: Option<Timestamp>,
    /// Every status it had, oldest first, starting with `open` at creation.
    /// The SLA clock is computed from it.
    pub status_history: Vec<StatusChange>,
    /// Which SLA warnings and breaches were already announced.
    #[serde(default)]
    pub sla_notices: SlaNotices,
    /// Who changed what, oldest first: status moves, priority, category,
    /// assignment and escalation (tickets filed before it was kept have
    /// their status moves in `status_history` only).
    #[serde(default)]
    pub history: Vec<Change>,
}

impl Ticket {
    /// A new ticket: open, unassigned, with its history started.
    pub fn open(new: ValidTicket, folio: String, requester_id: String, now: Timestamp) -> Self {
        Self {
            folio,
            subject: new.subject,
            description: new.description,
            category: new.category,
            priority: new.priority,
            status: Status::Open,
            applicant_id: new.applicant_id,
            case_id: new.case_id,
            requester_id,
            assignee_id: None,
            created_at: now,
            first_response_at: None,
            resolved_at: None,
            closed_at: None,
            status_history: vec![StatusChange {
                at: now,
                status: Status::Open,
            }],
            sla_notices: SlaNotices::default(),
            history: Vec::new(),
        }
    }

    /// Notes a change by `by` (`None` for the helpdesk itself) on the
    /// ticket's history, at `at` (never before the last entry).
    pub fn record(&mut self, at: Timestamp, by: Option<(&str, &str)>, what: What) {
        let at = self.history.last().map_or(at, |last| at.max(last.at));
        self.history.push(Change {
            at,
            by_id: by.map(|(id, _)| id.to_owned()),
            by_name: by.map_or_else(|| "Helpdesk".to_owned(), |(_, name)| name.to_owned()),
            what,
        });
    }
}

/// A ticket as the API shows it: the store's `id` and `version`, then the
/// ticket's fields.
#[derive(Debug, Serialize)]
pub struct TicketView<'a> {
    pub id: &'a str,
    pub version: u64,
    #[serde(flatten)]
    pub ticket: &'a Ticket,
}

impl<'a> TicketView<'a> {
    pub fn of(doc: &'a Doc<Ticket>) -> Self {
        Self {
            id: &doc.id,
            version: doc.version,
            ticket: &doc.data,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::settings::Settings;

    #[test]
    fn a_new_ticket_is_open_with_its_history_started() {
        let input = NewTicket {
            subject: "Help".into(),
            category: "other".into(),
            priority: Some("urgent".into()),
            ..NewTicket::default()
        };
        let valid = check_new(&input, &Settings::default().categories).expect("valid");
        let now: Timestamp = "2026-03-16T14:00:00Z".parse().expect("time");
        let ticket = Ticket::open(valid, format_folio(42), "u1".into(), now);
        assert_eq!(
            (ticket.status, ticket.assignee_id.as_deref()),
            (Status::Open, None)
        );
        assert_eq!(
            ticket.status_history,
            [StatusChange {
                at: now,
                status: Status::Open
            }]
        );
        let doc = Doc {
            id: "t1".into(),
            version: 3,
            created_at: 0,
            updated_at: 0,
            data: ticket,
        };
        let json = serde_json::to_value(TicketView::of(&doc)).expect("json");
        assert_eq!(json["id"], "t1");
        assert_eq!(json["version"], 3);
        assert_eq!(json["folio"], "TKT042");
        assert_eq!(json["priority"], "urgent");
        assert_eq!(json["status"], "open");
        assert_eq!(json["created_at"], "2026-03-16T14:00:00Z");
        assert_eq!(json["applicant_id"], serde_json::Value::Null);
    }

    #[test]
    fn statuses_and_priorities_have_api_names() {
        let json =
            serde_json::to_value([Status::WaitingOnRequester, Status::InProgress]).expect("json");
        assert_eq!(
            json,
            serde_json::json!(["waiting_on_requester", "in_progress"])
        );
        for priority in Priority::ALL {
            assert_eq!(priority.as_str().parse(), Ok(priority));
            assert_eq!(
                serde_json::to_value(priority).expect("json"),
                priority.as_str()
            );
        }
        assert!(Priority::Urgent > Priority::High && Priority::Medium > Priority::Low);
        let raised: Vec<Priority> = Priority::ALL.iter().map(|p| p.raised()).collect();
        assert_eq!(
            raised,
            [
                Priority::Medium,
                Priority::High,
                Priority::Urgent,
                Priority::Urgent
            ]
        );
        assert!(Status::WaitingOnRequester.is_active() && !Status::Resolved.is_active());
    }
}
