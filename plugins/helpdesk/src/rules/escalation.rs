//! Changing a filed ticket's priority and category, and escalating it.
//!
//! | what | who |
//! |---|---|
//! | change the priority (up or down) | the people handling it (agents) and its managers |
//! | move it to another active category | the people handling it and its managers |
//! | escalate: raise the priority (one step, or to a chosen one), optionally reassign, tell the category's manager | managers: the category's manager, holders of `helpdesk.manage` |
//!
//! The requester asks, as the user guide says ("ask your manager to
//! escalate"); they change neither. A closed ticket takes no changes.
//!
//! The SLA clocks follow the current priority ([`super::sla::evaluate`]):
//! a new priority gives new deadlines at once, counted from when the
//! ticket was filed, and each clock still warns and reports a breach at
//! most once ([`super::ticket::SlaNotices`]).
//!
//! A ticket moved to another category goes to whoever takes that
//! category's tickets ([`assignee_after_move`]), unless its assignee
//! handles the new category too.

use immcase_sdk::Error;

use super::settings::{Category, Settings};
use super::status::Actor;
use super::ticket::{Priority, Status};

/// What a closed ticket answers to a change.
fn closed() -> Error {
    Error::Conflict(
        "The ticket is closed: it stays readable, but takes no more changes or replies.".into(),
    )
}

/// Whether one of `actors` may change the priority or category of a
/// ticket in `status`: an agent or a manager, on a ticket not closed.
pub fn check_handler(actors: &[Actor], status: Status) -> Result<(), Error> {
    if status == Status::Closed {
        return Err(closed());
    }
    if actors
        .iter()
        .any(|a| matches!(a, Actor::Agent | Actor::Manager))
    {
        Ok(())
    } else {
        Err(Error::Forbidden(
            "Only the people handling the ticket and its managers change its priority \
             or category; ask them, or a manager to escalate it."
                .into(),
        ))
    }
}

/// Whether one of `actors` may escalate a ticket in `status`: a manager,
/// on a ticket not closed.
pub fn check_manager(actors: &[Actor], status: Status) -> Result<(), Error> {
    if status == Status::Closed {
        return Err(closed());
    }
    if actors.contains(&Actor::Manager) {
        Ok(())
    } else {
        Err(Error::Forbidden(
            "Only a manager of the ticket's category (or of the helpdesk) escalates a ticket."
                .into(),
        ))
    }
}

/// The priority `requested` (an API name) for a ticket at `current`: a
/// known one, and a change.
pub fn new_priority(current: Priority, requested: &str) -> Result<Priority, Error> {
    let priority: Priority = requested
        .trim()
        .parse()
        .map_err(|message: String| Error::invalid_field("priority", &message))?;
    if priority == current {
        return Err(Error::invalid_field(
            "priority",
            &format!("The ticket's priority is already {}.", current.words()),
        ));
    }
    Ok(priority)
}

/// The priority an escalation gives a ticket at `current`: `chosen`, which
/// may not be lower, or else one step up (urgent stays urgent).
pub fn escalated_priority(current: Priority, chosen: Option<&str>) -> Result<Priority, Error> {
    let Some(chosen) = chosen.map(str::trim).filter(|c| !c.is_empty()) else {
        return Ok(current.raised());
    };
    let priority: Priority = chosen
        .parse()
        .map_err(|message: String| Error::invalid_field("priority", &message))?;
    if priority < current {
        return Err(Error::invalid_field(
            "priority",
            &format!(
                "Escalating never lowers the priority (it is {}); change the priority instead.",
                current.words()
            ),
        ));
    }
    Ok(priority)
}

/// The category `requested` (a key) for a ticket now in `current`: an
/// active one, and a change.
pub fn new_category<'s>(
    settings: &'s Settings,
    current: &str,
    requested: &str,
) -> Result<&'s Category, Error> {
    let requested = requested.trim();
    if requested == current {
        return Err(Error::invalid_field(
            "category",
            &format!(
                "The ticket is already in {}.",
                settings.category_label(current)
            ),
        ));
    }
    match settings.category(requested) {
        Some(category) if category.active => Ok(category),
        _ => {
            let active: Vec<&str> = settings
                .categories
                .iter()
                .filter(|c| c.active)
                .map(|c| c.key.as_str())
                .collect();
            Err(Error::invalid_field(
                "category",
                &format!("must be one of {}", active.join(", ")),
            ))
        }
    }
}

/// Who has a ticket after it moved to `category`: its assignee if they
/// handle that category too; else whoever the category gives new tickets
/// to (`taker`); else, when nobody takes them, still its assignee, for a
/// manager to reassign.
pub fn assignee_after_move(
    assignee: Option<&str>,
    category: &Category,
    taker: Option<&str>,
) -> Option<String> {
    match (assignee, taker) {
        (Some(current), _) if category.is_agent(current) => Some(current.to_owned()),
        (_, Some(taker)) => Some(taker.to_owned()),
        (current, None) => current.map(str::to_owned),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::settings::{Strategy, Team};
    use Actor::{Agent, Manager, Requester, System};

    #[test]
    fn agents_and_managers_change_priority_and_category_and_managers_escalate() {
        for actors in [&[Agent][..], &[Manager], &[Agent, Requester]] {
            assert_eq!(check_handler(actors, Status::InProgress), Ok(()));
        }
        for actors in [&[Requester][..], &[System], &[]] {
            let refused = check_handler(actors, Status::Open).expect_err("not theirs");
            assert_eq!(refused.status(), 403, "{actors:?}");
        }
        assert_eq!(check_manager(&[Manager, Agent], Status::Resolved), Ok(()));
        let agent = check_manager(&[Agent, Requester], Status::Open).expect_err("an agent");
        assert_eq!(agent.status(), 403);
        assert_eq!(
            agent.message(),
            "Only a manager of the ticket's category (or of the helpdesk) escalates a ticket."
        );
        assert_eq!(
            check_handler(&[Manager], Status::Closed).map_err(|e| e.status()),
            Err(409)
        );
        assert_eq!(
            check_manager(&[Manager], Status::Closed).map_err(|e| e.status()),
            Err(409)
        );
    }

    #[test]
    fn a_new_priority_is_known_and_different() {
        assert_eq!(
            new_priority(Priority::Low, " urgent "),
            Ok(Priority::Urgent)
        );
        assert_eq!(new_priority(Priority::High, "low"), Ok(Priority::Low));
        let same = new_priority(Priority::High, "high").expect_err("unchanged");
        assert_eq!(
            same.to_json()["error"]["fields"]["priority"],
            "The ticket's priority is already high."
        );
        let unknown = new_priority(Priority::High, "critical").expect_err("unknown");
        assert_eq!(
            unknown.to_json()["error"]["fields"]["priority"],
            "must be one of low, medium, high, urgent"
        );
    }

    #[test]
    fn escalating_raises_one_step_or_to_the_chosen_priority() {
        assert_eq!(
            escalated_priority(Priority::Low, None),
            Ok(Priority::Medium)
        );
        assert_eq!(
            escalated_priority(Priority::High, Some("")),
            Ok(Priority::Urgent)
        );
        assert_eq!(
            escalated_priority(Priority::Urgent, None),
            Ok(Priority::Urgent),
            "urgent stays urgent"
        );
        assert_eq!(
            escalated_priority(Priority::Low, Some("urgent")),
            Ok(Priority::Urgent)
        );
        assert_eq!(
            escalated_priority(Priority::High, Some("high")),
            Ok(Priority::High)
        );
        let lower = escalated_priority(Priority::High, Some("medium")).expect_err("lower");
        assert_eq!(
            lower.to_json()["error"]["fields"]["priority"],
            "Escalating never lowers the priority (it is high); change the priority instead."
        );
    }

    #[test]
    fn tickets_move_only_to_another_active_category() {
        let mut settings = Settings::default();
        settings.categories[2].active = false;
        let moved = new_category(&settings, "technical_support", "case_support");
        assert_eq!(moved.map(|c| c.key.as_str()), Ok("case_support"));
        let same = new_category(&settings, "other", "other").expect_err("same");
        assert_eq!(
            same.to_json()["error"]["fields"]["category"],
            "The ticket is already in Other."
        );
        for wrong in ["improvement_suggestion", "billing"] {
            let refused = new_category(&settings, "other", wrong).expect_err(wrong);
            assert_eq!(
                refused.to_json()["error"]["fields"]["category"],
                "must be one of technical_support, case_support, other"
            );
        }
    }

    #[test]
    fn a_moved_ticket_goes_to_the_new_categorys_people() {
        let mut cases = Category::new("case_support", "Case support");
        cases.team = Some(Team {
            members: vec!["bo".into(), "cy".into()],
            strategy: Strategy::RoundRobin,
        });
        // Bo handles case support too: he keeps it.
        assert_eq!(
            assignee_after_move(Some("bo"), &cases, Some("cy")).as_deref(),
            Some("bo")
        );
        assert_eq!(
            assignee_after_move(Some("ana"), &cases, Some("cy")).as_deref(),
            Some("cy")
        );
        assert_eq!(
            assignee_after_move(None, &cases, Some("cy")).as_deref(),
            Some("cy")
        );
        // Nobody takes the category's tickets: it stays with Ana.
        assert_eq!(
            assignee_after_move(Some("ana"), &cases, None).as_deref(),
            Some("ana")
        );
        assert_eq!(assignee_after_move(None, &cases, None), None);
    }
}
