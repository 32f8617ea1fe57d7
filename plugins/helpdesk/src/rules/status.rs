//! Status changes: which moves a ticket may make, and who makes them.
//!
//! | from | to | by |
//! |---|---|---|
//! | open | in progress | an agent (starts work) |
//! | open, in progress | waiting on requester | an agent (asks for more) |
//! | waiting on requester | in progress | the requester (by replying), an agent |
//! | open, in progress, waiting on requester | resolved | an agent |
//! | resolved | closed | the requester (confirms), the system (after N days) |
//! | resolved | in progress | the requester (replies or reopens), an agent |
//! | closed | — | nobody: closed is final |
//!
//! An *agent* is the ticket's assignee or someone who handles its category;
//! a *manager* may do whatever an agent may. [`super::visibility::actors`]
//! says which of these the caller is. Nothing goes back to open: a reopened
//! ticket is in progress. A closed ticket stays readable but takes no more
//! changes or replies.
//!
//! Two moves happen by themselves: a reply can move the ticket
//! ([`on_reply`]), and a resolved ticket closes [`auto_close_due`] after its
//! resolution unless someone reopens it first.

use std::fmt;

use immcase_sdk::Error;
use jiff::{SignedDuration, Timestamp};

use super::ticket::{Status, StatusChange, Ticket};

/// Who asks for a status change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Actor {
    /// Whoever filed the ticket.
    Requester,
    /// Its assignee, or someone who handles its category.
    Agent,
    /// A holder of `helpdesk.manage`, or the category's manager.
    Manager,
    /// The module itself, on a timer.
    System,
}

/// Why a status change is refused; [`Refusal::message`] says it in words.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// The ticket already has that status.
    Unchanged(Status),
    /// The ticket is closed.
    Closed,
    /// No ticket moves from `from` to `to`.
    NoSuchMove { from: Status, to: Status },
    /// The move exists, but someone else makes it.
    NotYours { from: Status, to: Status },
}

impl Refusal {
    /// What went wrong, for the person who asked.
    pub fn message(&self) -> String {
        match *self {
            Self::Unchanged(status) => format!("The ticket is already {}.", status.words()),
            Self::Closed => "The ticket is closed: it stays readable, \
                             but takes no more changes or replies."
                .to_owned(),
            Self::NoSuchMove {
                to: Status::Open, ..
            } => "A ticket never goes back to open: reopening it makes it in progress.".to_owned(),
            Self::NoSuchMove {
                to: Status::Closed, ..
            } => "A ticket is resolved first, then closed.".to_owned(),
            Self::NoSuchMove { from, to } => format!(
                "A ticket that is {} cannot become {}.",
                from.words(),
                to.words()
            ),
            Self::NotYours { from, to } => not_yours(from, to).to_owned(),
        }
    }

    /// The API's error: `forbidden` when someone else makes the move,
    /// otherwise `invalid` naming the field `status`.
    pub fn to_error(&self) -> Error {
        match self {
            Self::NotYours { .. } => Error::Forbidden(self.message()),
            _ => Error::invalid_field("status", &self.message()),
        }
    }
}

fn not_yours(from: Status, to: Status) -> &'static str {
    match (from, to) {
        (Status::Resolved, Status::InProgress) => {
            "Only the requester or the person handling the ticket can reopen it."
        }
        (Status::WaitingOnRequester, Status::InProgress) => {
            "The ticket goes back to in progress when the requester replies."
        }
        (_, Status::InProgress) => "Only the person handling the ticket can start work on it.",
        (_, Status::WaitingOnRequester) => {
            "Only the person handling the ticket can ask the requester for more."
        }
        (_, Status::Resolved) => "Only the person handling the ticket can mark it resolved.",
        _ => {
            "Only the requester can confirm the resolution; otherwise the ticket closes by itself."
        }
    }
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message())
    }
}

/// Whether `actor` may move a ticket from `from` to `to` (the table above).
pub fn transition(from: Status, to: Status, actor: Actor) -> Result<(), Refusal> {
    use Actor::{Agent, Manager, Requester, System};
    use Status::{Closed, InProgress, Open, Resolved, WaitingOnRequester as Waiting};
    let allowed: &[Actor] = match (from, to) {
        (Closed, _) => return Err(Refusal::Closed),
        _ if from == to => return Err(Refusal::Unchanged(from)),
        (Open, InProgress) | (Open | InProgress, Waiting) => &[Agent, Manager],
        (Open | InProgress | Waiting, Resolved) => &[Agent, Manager],
        (Waiting | Resolved, InProgress) => &[Requester, Agent, Manager],
        (Resolved, Closed) => &[Requester, System],
        _ => return Err(Refusal::NoSuchMove { from, to }),
    };
    if allowed.contains(&actor) {
        Ok(())
    } else {
        Err(Refusal::NotYours { from, to })
    }
}

/// [`transition`] for a caller who is several actors at once (an agent who
/// filed a ticket is also its requester): allowed if one of them may.
pub fn transition_as(from: Status, to: Status, actors: &[Actor]) -> Result<(), Refusal> {
    let mut refusal = Refusal::NotYours { from, to };
    for actor in actors {
        match transition(from, to, *actor) {
            Ok(()) => return Ok(()),
            Err(Refusal::NotYours { .. }) => {}
            Err(other) => refusal = other,
        }
    }
    Err(refusal)
}

/// Whether a ticket with `status` takes replies: all but closed ones.
pub fn may_reply(status: Status) -> Result<(), Refusal> {
    match status {
        Status::Closed => Err(Refusal::Closed),
        _ => Ok(()),
    }
}

/// The status a reply moves the ticket to, if any: the requester's reply
/// puts a ticket that waited on them, or a resolved one, back in progress;
/// the first reply of someone else to an open ticket starts the work.
/// Internal notes are not replies and move nothing.
pub fn on_reply(status: Status, by_requester: bool) -> Option<Status> {
    match (status, by_requester) {
        (Status::WaitingOnRequester | Status::Resolved, true) => Some(Status::InProgress),
        (Status::Open, false) => Some(Status::InProgress),
        _ => None,
    }
}

/// Records a status change that [`transition`] allowed: the status, its
/// entry in the history, and `resolved_at` / `closed_at` (a reopened ticket
/// is no longer resolved).
pub fn apply(ticket: &mut Ticket, to: Status, at: Timestamp) {
    // The history stays in order even if clocks disagree.
    let at = ticket
        .status_history
        .last()
        .map_or(at, |last| at.max(last.at));
    match to {
        Status::Resolved => ticket.resolved_at = Some(at),
        Status::Closed => ticket.closed_at = Some(at),
        _ => ticket.resolved_at = None,
    }
    ticket.status = to;
    ticket.status_history.push(StatusChange { at, status: to });
}

/// Whether a reply by someone acting as `actors` on a ticket is the
/// requester's: whoever filed the ticket writes as its requester, even when
/// they also handle its category (an administrator asking for help), so
/// their own words never count as the team's first response.
pub fn replies_as_requester(actors: &[Actor]) -> bool {
    actors.contains(&Actor::Requester)
        || !actors
            .iter()
            .any(|a| matches!(a, Actor::Agent | Actor::Manager | Actor::System))
}

/// Records a reply (not an internal note) on the ticket at `at`: refused
/// on a closed ticket; the first reply of someone other than the requester
/// is the first response; the status moves as [`on_reply`] says. Returns
/// the new status, if it changed.
pub fn reply(
    ticket: &mut Ticket,
    at: Timestamp,
    by_requester: bool,
) -> Result<Option<Status>, Refusal> {
    may_reply(ticket.status)?;
    if !by_requester && ticket.first_response_at.is_none() {
        ticket.first_response_at = Some(at);
    }
    let moved = on_reply(ticket.status, by_requester);
    if let Some(to) = moved {
        apply(ticket, to, at);
    }
    Ok(moved)
}

/// When a ticket resolved at `resolved_at` closes by itself: `days` whole
/// days (of 24 hours) later.
pub fn auto_close_due(resolved_at: Timestamp, days: u32) -> Timestamp {
    let wait = SignedDuration::from_hours(24 * i64::from(days));
    resolved_at.checked_add(wait).unwrap_or(Timestamp::MAX)
}

/// Whether the auto-close timer, firing at `now`, closes the ticket: it is
/// still resolved, since long enough. A timer left over from an earlier
/// resolution, or fired twice, does nothing.
pub fn closes_automatically(ticket: &Ticket, now: Timestamp, days: u32) -> bool {
    ticket.status == Status::Resolved
        && ticket
            .resolved_at
            .is_some_and(|resolved_at| auto_close_due(resolved_at, days) <= now)
}

/// The key of a ticket's auto-close timer.
pub fn auto_close_timer_key(ticket_id: &str) -> String {
    format!("close:{ticket_id}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{at, ticket};
    use crate::rules::ticket::Priority;
    use Actor::{Agent, Manager, Requester, System};
    use Status::{Closed, InProgress, Open, Resolved, WaitingOnRequester as Waiting};

    const ALL: [Status; 5] = [Open, InProgress, Waiting, Resolved, Closed];

    #[test]
    fn exactly_the_moves_of_the_table_are_allowed() {
        let allowed = [
            (Open, InProgress, Agent),
            (Open, Waiting, Agent),
            (Open, Resolved, Agent),
            (InProgress, Waiting, Agent),
            (InProgress, Resolved, Agent),
            (Waiting, InProgress, Requester),
            (Waiting, InProgress, Agent),
            (Waiting, Resolved, Agent),
            (Resolved, Closed, Requester),
            (Resolved, Closed, System),
            (Resolved, InProgress, Requester),
            (Resolved, InProgress, Agent),
        ];
        for from in ALL {
            for to in ALL {
                for actor in [Requester, Agent, Manager, System] {
                    let expected = allowed.contains(&(from, to, actor))
                        || (actor == Manager && allowed.contains(&(from, to, Agent)));
                    assert_eq!(
                        transition(from, to, actor).is_ok(),
                        expected,
                        "{from:?} -> {to:?} by {actor:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn refusals_say_why_in_words() {
        let message = |from, to, actor| transition(from, to, actor).expect_err("refused").message();
        assert_eq!(
            message(Open, Resolved, Requester),
            "Only the person handling the ticket can mark it resolved."
        );
        assert_eq!(
            message(Resolved, Closed, Agent),
            "Only the requester can confirm the resolution; otherwise the ticket closes by itself."
        );
        assert_eq!(
            message(Open, Closed, Requester),
            "A ticket is resolved first, then closed."
        );
        assert_eq!(
            message(Resolved, Open, Agent),
            "A ticket never goes back to open: reopening it makes it in progress."
        );
        assert_eq!(
            message(Resolved, Waiting, Agent),
            "A ticket that is resolved cannot become waiting on the requester."
        );
        assert_eq!(
            message(Waiting, Waiting, Agent),
            "The ticket is already waiting on the requester."
        );
        for to in ALL {
            assert_eq!(transition(Closed, to, Manager), Err(Refusal::Closed));
        }
        let forbidden = transition(Open, InProgress, Requester).expect_err("refused");
        assert_eq!(forbidden.to_error().status(), 403);
        let invalid = transition(Closed, InProgress, Requester).expect_err("refused");
        assert_eq!(
            invalid.to_error().to_json()["error"]["fields"]["status"],
            invalid.message()
        );
    }

    #[test]
    fn a_caller_may_be_several_actors() {
        assert_eq!(transition_as(Resolved, Closed, &[Agent, Requester]), Ok(()));
        assert_eq!(
            transition_as(Resolved, Closed, &[Agent, Manager]),
            Err(Refusal::NotYours {
                from: Resolved,
                to: Closed
            })
        );
        assert_eq!(transition_as(Closed, Open, &[Agent]), Err(Refusal::Closed));
        assert!(matches!(
            transition_as(Open, Open, &[]),
            Err(Refusal::NotYours { .. })
        ));
    }

    #[test]
    fn replies_move_the_ticket_as_the_replier_may() {
        for status in ALL {
            for by_requester in [true, false] {
                if let Some(to) = on_reply(status, by_requester) {
                    let actor = if by_requester { Requester } else { Agent };
                    assert_eq!(transition(status, to, actor), Ok(()), "{status:?}");
                }
            }
        }
        assert_eq!(on_reply(Waiting, true), Some(InProgress));
        assert_eq!(on_reply(Resolved, true), Some(InProgress));
        assert_eq!(on_reply(Waiting, false), None);
        assert_eq!(on_reply(InProgress, true), None);
        assert_eq!(may_reply(Closed), Err(Refusal::Closed));
        assert_eq!(may_reply(Resolved), Ok(()));
    }

    #[test]
    fn the_person_who_filed_a_ticket_replies_as_its_requester() {
        assert!(replies_as_requester(&[Actor::Requester]));
        assert!(replies_as_requester(&[Actor::Requester, Actor::Manager]));
        assert!(replies_as_requester(&[Actor::Requester, Actor::Agent]));
        assert!(!replies_as_requester(&[Actor::Agent]));
        assert!(!replies_as_requester(&[Actor::Agent, Actor::Manager]));
        assert!(!replies_as_requester(&[Actor::System]));
    }

    #[test]
    fn a_reply_records_the_first_response_and_moves_the_status() {
        let mut ticket = ticket(Priority::High, at("2026-03-16 09:00"));
        assert_eq!(reply(&mut ticket, at("2026-03-16 09:05"), true), Ok(None));
        assert_eq!(ticket.first_response_at, None);
        assert_eq!(
            reply(&mut ticket, at("2026-03-16 09:30"), false),
            Ok(Some(InProgress))
        );
        assert_eq!(reply(&mut ticket, at("2026-03-16 10:00"), false), Ok(None));
        assert_eq!(ticket.first_response_at, Some(at("2026-03-16 09:30")));
        apply(&mut ticket, Resolved, at("2026-03-16 11:00"));
        assert_eq!(ticket.resolved_at, Some(at("2026-03-16 11:00")));
        assert_eq!(
            reply(&mut ticket, at("2026-03-16 12:00"), true),
            Ok(Some(InProgress))
        );
        assert_eq!(ticket.resolved_at, None, "reopened");
        apply(&mut ticket, Resolved, at("2026-03-16 13:00"));
        // A clock behind the last change: the history stays in order.
        apply(&mut ticket, Closed, at("2026-03-16 12:59"));
        assert_eq!(ticket.closed_at, Some(at("2026-03-16 13:00")));
        assert_eq!(
            reply(&mut ticket, at("2026-03-17 10:00"), true),
            Err(Refusal::Closed)
        );
        let statuses: Vec<Status> = ticket.status_history.iter().map(|c| c.status).collect();
        assert_eq!(
            statuses,
            [Open, InProgress, Resolved, InProgress, Resolved, Closed]
        );
    }

    #[test]
    fn resolved_tickets_close_after_the_days_unless_reopened() {
        let mut ticket = ticket(Priority::Medium, at("2026-03-02 09:00"));
        apply(&mut ticket, Resolved, at("2026-03-02 10:00"));
        let due = auto_close_due(at("2026-03-02 10:00"), 7);
        // Seven days of 24 hours, across the change to summer time.
        assert_eq!(due, at("2026-03-09 11:00"));
        assert!(!closes_automatically(&ticket, at("2026-03-09 10:59"), 7));
        assert!(closes_automatically(&ticket, due, 7));
        // Reopened and resolved again: the first timer does nothing.
        apply(&mut ticket, InProgress, at("2026-03-05 10:00"));
        assert!(!closes_automatically(&ticket, due, 7));
        apply(&mut ticket, Resolved, at("2026-03-06 10:00"));
        assert!(!closes_automatically(&ticket, due, 7));
        assert!(closes_automatically(&ticket, at("2026-03-13 11:00"), 7));
        apply(&mut ticket, Closed, at("2026-03-13 11:00"));
        assert!(
            !closes_automatically(&ticket, at("2026-03-13 11:00"), 7),
            "fired twice"
        );
        assert_eq!(auto_close_timer_key("t1"), "close:t1");
    }
}
