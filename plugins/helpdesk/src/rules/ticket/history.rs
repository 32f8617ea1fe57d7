//! A ticket's history: each change with when and who, kept on the ticket
//! ([`Ticket::history`]), and the whole story in words for its page.
//!
//! Status moves are also in [`Ticket::status_history`], which the SLA
//! clocks are computed from; [`timeline`] shows each move once, with who
//! made it when the history knows (tickets filed before the history was
//! kept only have their moves).

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use super::{Priority, Status, Ticket};

/// One change to a ticket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Change {
    pub at: Timestamp,
    /// Who made it; `None` for the helpdesk itself (a timer, a workflow).
    pub by_id: Option<String>,
    /// Their name at the time ("Helpdesk" for the helpdesk itself).
    pub by_name: String,
    #[serde(flatten)]
    pub what: What,
}

/// What changed: `{"change": "priority", "from": "high", "to": "urgent"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "change", rename_all = "snake_case")]
pub enum What {
    Status {
        from: Status,
        to: Status,
    },
    Priority {
        from: Priority,
        to: Priority,
    },
    /// Category keys.
    Category {
        from: String,
        to: String,
    },
    /// Person ids; `None` is nobody.
    Assigned {
        from: Option<String>,
        to: Option<String>,
    },
    /// A manager's escalation: the priority it raised (`from` = `to` when
    /// it was urgent already), who it went to, and why.
    Escalated {
        from: Priority,
        to: Priority,
        previous_assignee_id: Option<String>,
        assignee_id: Option<String>,
        reason: Option<String>,
    },
    /// Moved to another applicant when the host merged two applicants
    /// (`undone`: moved back when the merge was undone). Applicant ids.
    Applicant {
        from: Option<String>,
        to: Option<String>,
        merge_id: String,
        undone: bool,
    },
}

/// One line of a ticket's story.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryLine {
    pub at: Timestamp,
    pub text: String,
}

/// The ticket's story, oldest first: filed, then every change in words.
/// `category` gives a category's label by its key, `person` a person's
/// name by their id.
pub fn timeline(
    ticket: &Ticket,
    category: impl Fn(&str) -> String,
    mut person: impl FnMut(&str) -> String,
) -> Vec<HistoryLine> {
    let mut lines = vec![HistoryLine {
        at: ticket.created_at,
        text: format!("Filed by {}", person(&ticket.requester_id)),
    }];
    // Moves from before the history was kept: what, not who.
    let told = |at: Timestamp, to: Status| {
        ticket.history.iter().any(|change| {
            matches!(change.what, What::Status { to: moved, .. } if moved == to) && change.at == at
        })
    };
    for pair in ticket.status_history.windows(2) {
        let [before, after] = pair else { continue };
        if !told(after.at, after.status) {
            lines.push(HistoryLine {
                at: after.at,
                text: format!(
                    "Moved from {} to {}",
                    before.status.words(),
                    after.status.words()
                ),
            });
        }
    }
    for change in &ticket.history {
        lines.push(HistoryLine {
            at: change.at,
            text: change.words(&category, &mut person),
        });
    }
    lines.sort_by_key(|line| line.at);
    lines
}

impl Change {
    /// The change as a sentence: "Lee Dean raised the priority from high
    /// to urgent".
    pub fn words(
        &self,
        category: impl Fn(&str) -> String,
        mut person: impl FnMut(&str) -> String,
    ) -> String {
        let by = &self.by_name;
        match &self.what {
            What::Status { from, to } => {
                format!("{by} moved it from {} to {}", from.words(), to.words())
            }
            What::Priority { from, to } => format!(
                "{by} {} the priority from {} to {}",
                if to > from { "raised" } else { "lowered" },
                from.words(),
                to.words()
            ),
            What::Category { from, to } => {
                format!("{by} moved it from {} to {}", category(from), category(to))
            }
            What::Assigned { from, to } => match (from, to) {
                (None, Some(to)) => format!("{by} assigned it to {}", person(to)),
                (Some(from), Some(to)) => {
                    format!("{by} reassigned it from {} to {}", person(from), person(to))
                }
                (Some(from), None) => {
                    format!("{by} took it from {}: nobody is assigned", person(from))
                }
                (None, None) => format!("{by} left it unassigned"),
            },
            What::Escalated {
                from,
                to,
                previous_assignee_id,
                assignee_id,
                reason,
            } => {
                let mut done = Vec::new();
                if to != from {
                    done.push(format!(
                        "priority raised from {} to {}",
                        from.words(),
                        to.words()
                    ));
                }
                if assignee_id != previous_assignee_id {
                    done.push(match assignee_id {
                        Some(id) => format!("now assigned to {}", person(id)),
                        None => "nobody is assigned".to_owned(),
                    });
                }
                let mut text = format!("{by} escalated it");
                if !done.is_empty() {
                    text = format!("{text}: {}", done.join(", "));
                }
                if let Some(reason) = reason.as_deref().filter(|r| !r.trim().is_empty()) {
                    text = format!("{text}. Why: “{}”", reason.trim());
                }
                text
            }
            What::Applicant { undone: false, .. } => format!(
                "{by} moved it to the applicant another was merged into (a merge of duplicates)"
            ),
            What::Applicant { undone: true, .. } => {
                format!("{by} moved it back to its applicant when their merge was undone")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::status::apply;
    use crate::rules::testing::{at, ticket};

    fn label(key: &str) -> String {
        match key {
            "technical_support" => "Technical support".into(),
            "case_support" => "Case support".into(),
            other => other.into(),
        }
    }

    fn name(id: &str) -> String {
        match id {
            "u-req" => "Rae Quest".into(),
            "ana" => "Ana".into(),
            "bo" => "Bo".into(),
            other => other.into(),
        }
    }

    #[test]
    fn the_story_tells_who_changed_what_in_words() {
        let mut t = ticket(Priority::High, at("2026-03-16 09:00"));
        t.assignee_id = Some("ana".into());
        let ana = Some(("ana", "Ana"));
        let lee = Some(("lee", "Lee Dean"));
        apply(&mut t, Status::InProgress, at("2026-03-16 09:30"));
        t.record(
            at("2026-03-16 09:30"),
            ana,
            What::Status {
                from: Status::Open,
                to: Status::InProgress,
            },
        );
        t.record(
            at("2026-03-16 10:00"),
            ana,
            What::Category {
                from: "technical_support".into(),
                to: "case_support".into(),
            },
        );
        t.record(
            at("2026-03-16 10:00"),
            ana,
            What::Priority {
                from: Priority::High,
                to: Priority::Low,
            },
        );
        t.record(
            at("2026-03-16 11:00"),
            lee,
            What::Escalated {
                from: Priority::Low,
                to: Priority::Urgent,
                previous_assignee_id: Some("ana".into()),
                assignee_id: Some("bo".into()),
                reason: Some(" The client waits. ".into()),
            },
        );
        // A clock behind the last entry keeps the history in order.
        t.record(
            at("2026-03-16 10:59"),
            None,
            What::Assigned {
                from: Some("bo".into()),
                to: None,
            },
        );
        let lines: Vec<String> = timeline(&t, label, name)
            .into_iter()
            .map(|line| line.text)
            .collect();
        assert_eq!(
            lines,
            [
                "Filed by Rae Quest",
                "Ana moved it from open to in progress",
                "Ana moved it from Technical support to Case support",
                "Ana lowered the priority from high to low",
                "Lee Dean escalated it: priority raised from low to urgent, now assigned to Bo. Why: “The client waits.”",
                "Helpdesk took it from Bo: nobody is assigned",
            ]
        );
        assert_eq!(t.history[4].at, at("2026-03-16 11:00"));
        let json = serde_json::to_value(&t.history[2]).expect("json");
        assert_eq!(
            json,
            serde_json::json!({"at": "2026-03-16T14:00:00Z", "by_id": "ana", "by_name": "Ana",
                               "change": "priority", "from": "high", "to": "low"})
        );
        let back: Change = serde_json::from_value(json).expect("read back");
        assert_eq!(back, t.history[2]);
    }

    #[test]
    fn moves_from_before_the_history_are_told_without_who() {
        let mut t = ticket(Priority::Low, at("2026-03-16 09:00"));
        apply(&mut t, Status::Resolved, at("2026-03-16 10:00"));
        let escalation = |reason: Option<&str>| Change {
            at: at("2026-03-16 11:00"),
            by_id: Some("lee".into()),
            by_name: "Lee".into(),
            what: What::Escalated {
                from: Priority::Urgent,
                to: Priority::Urgent,
                previous_assignee_id: None,
                assignee_id: None,
                reason: reason.map(str::to_owned),
            },
        };
        t.history.push(escalation(Some("  ")));
        let lines: Vec<String> = timeline(&t, label, name)
            .into_iter()
            .map(|line| line.text)
            .collect();
        assert_eq!(
            lines,
            [
                "Filed by Rae Quest",
                "Moved from open to resolved",
                "Lee escalated it"
            ]
        );
        assert_eq!(
            escalation(Some("Why not")).words(label, name),
            "Lee escalated it. Why: “Why not”"
        );
    }
}
