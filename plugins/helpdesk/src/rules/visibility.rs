//! Who sees which tickets, and who reads internal notes.
//!
//! - A **requester** sees the tickets they filed, and the replies on them.
//! - An **agent** sees the tickets of the categories they handle (as the
//!   responsible person or a team member) and the tickets assigned to them,
//!   with their internal notes.
//! - A **manager** sees everything an agent does: a holder of
//!   `helpdesk.manage` in every category, a category's manager in theirs.
//!
//! Everyone else sees nothing, and a ticket they cannot see answers 404,
//! as if it did not exist. The host has already checked that the caller
//! holds `module:helpdesk`.
//!
//! Lists use [`list_filter`]: the same rule as a condition on the store's
//! indexed fields (`requester_id`, `assignee_id`, `category`), so a list
//! never shows a ticket that [`may_see`] would refuse.

use immcase_sdk::Caller;

use super::settings::Settings;
use super::status::Actor;
use super::ticket::Ticket;

/// The permission to see and handle every ticket.
pub const MANAGE: &str = "helpdesk.manage";

/// How a caller stands to a ticket; the strongest relation counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Access {
    None,
    Requester,
    Agent,
    Manager,
}

/// How `caller` stands to `ticket`.
pub fn access(caller: &Caller, ticket: &Ticket, settings: &Settings) -> Access {
    actors(caller, ticket, settings)
        .first()
        .map_or(Access::None, |actor| match actor {
            Actor::Manager => Access::Manager,
            Actor::Agent => Access::Agent,
            _ => Access::Requester,
        })
}

/// Whether `caller` may see `ticket` at all.
pub fn may_see(caller: &Caller, ticket: &Ticket, settings: &Settings) -> bool {
    access(caller, ticket, settings) != Access::None
}

/// Whether `caller` may read and write the ticket's internal notes.
pub fn may_see_internal_notes(caller: &Caller, ticket: &Ticket, settings: &Settings) -> bool {
    access(caller, ticket, settings) >= Access::Agent
}

/// Every role `caller` has on `ticket`, strongest first, for
/// [`super::status::transition_as`]: someone who handles a category and
/// filed one of its tickets is both its agent and its requester.
pub fn actors(caller: &Caller, ticket: &Ticket, settings: &Settings) -> Vec<Actor> {
    let category = settings.category(&ticket.category);
    let Some(user) = caller.user_id.as_deref() else {
        return Vec::new();
    };
    let manager = caller.can(MANAGE) || category.is_some_and(|c| c.is_manager(user));
    let agent =
        ticket.assignee_id.as_deref() == Some(user) || category.is_some_and(|c| c.is_agent(user));
    let requester = ticket.requester_id == user;
    [
        (manager, Actor::Manager),
        (agent, Actor::Agent),
        (requester, Actor::Requester),
    ]
    .into_iter()
    .filter_map(|(is, actor)| is.then_some(actor))
    .collect()
}

/// Which tickets a list may show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TicketFilter {
    /// Every ticket.
    All,
    /// Tickets that meet at least one condition; none when empty. The store
    /// filters on one equality at a time, so the module queries each
    /// condition and merges the pages by id (or pages through all tickets
    /// keeping those that [`TicketFilter::matches`]).
    AnyOf(Vec<Condition>),
}

/// One equality on an indexed field of a ticket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Condition {
    RequesterId(String),
    AssigneeId(String),
    Category(String),
}

impl TicketFilter {
    /// Whether `ticket` passes.
    pub fn matches(&self, ticket: &Ticket) -> bool {
        match self {
            Self::All => true,
            Self::AnyOf(conditions) => conditions.iter().any(|condition| match condition {
                Condition::RequesterId(id) => ticket.requester_id == *id,
                Condition::AssigneeId(id) => ticket.assignee_id.as_ref() == Some(id),
                Condition::Category(key) => ticket.category == *key,
            }),
        }
    }
}

/// The tickets `caller` may see, as a filter: all of them for a holder of
/// [`MANAGE`]; otherwise their own, those assigned to them, and those of the
/// categories they handle or manage (inactive ones too: old tickets stay
/// visible). Nothing for a call without a person.
pub fn list_filter(caller: &Caller, settings: &Settings) -> TicketFilter {
    let Some(user) = caller.user_id.as_deref() else {
        return TicketFilter::AnyOf(Vec::new());
    };
    if caller.can(MANAGE) {
        return TicketFilter::All;
    }
    let mut conditions = vec![
        Condition::RequesterId(user.to_owned()),
        Condition::AssigneeId(user.to_owned()),
    ];
    conditions.extend(
        settings
            .categories
            .iter()
            .filter(|c| c.is_agent(user) || c.is_manager(user))
            .map(|c| Condition::Category(c.key.clone())),
    );
    TicketFilter::AnyOf(conditions)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::settings::{Strategy, Team};
    use crate::rules::testing::{at, ticket};
    use crate::rules::ticket::Priority;

    fn caller(user: &str, permissions: &[&str]) -> Caller {
        Caller {
            user_id: Some(user.into()),
            permissions: permissions.iter().map(|p| (*p).to_owned()).collect(),
            ..Caller::default()
        }
    }

    /// Technical support: ana responsible, lee manager. Case support: a
    /// team of bo and cy.
    fn settings() -> Settings {
        let mut settings = Settings::default();
        settings.categories[0].responsible_id = Some("ana".into());
        settings.categories[0].manager_id = Some("lee".into());
        settings.categories[1].team = Some(Team {
            members: vec!["bo".into(), "cy".into()],
            strategy: Strategy::RoundRobin,
        });
        settings
    }

    /// A technical support ticket filed by `u-req` and one of case support
    /// filed by ana, assigned to dee.
    fn tickets() -> [Ticket; 2] {
        let technical = ticket(Priority::Low, at("2026-03-16 09:00"));
        let mut case = ticket(Priority::Low, at("2026-03-16 09:00"));
        case.category = "case_support".into();
        case.requester_id = "ana".into();
        case.assignee_id = Some("dee".into());
        [technical, case]
    }

    #[test]
    fn each_sees_what_their_role_allows() {
        let settings = settings();
        let [technical, case] = tickets();
        let sees = |who: &Caller| {
            [&technical, &case].map(|t| {
                (
                    access(who, t, &settings),
                    may_see_internal_notes(who, t, &settings),
                )
            })
        };
        use Access::{Agent, Manager, None, Requester};
        assert_eq!(
            sees(&caller("u-req", &[])),
            [(Requester, false), (None, false)]
        );
        assert_eq!(
            sees(&caller("ana", &[])),
            [(Agent, true), (Requester, false)]
        );
        assert_eq!(sees(&caller("bo", &[])), [(None, false), (Agent, true)]);
        assert_eq!(
            sees(&caller("dee", &[])),
            [(None, false), (Agent, true)],
            "assignee"
        );
        assert_eq!(
            sees(&caller("lee", &[])),
            [(Manager, true), (None, false)],
            "category manager"
        );
        assert_eq!(
            sees(&caller("max", &["helpdesk.manage"])),
            [(Manager, true); 2]
        );
        assert_eq!(sees(&caller("max", &["helpdesk.*"])), [(Manager, true); 2]);
        assert_eq!(
            sees(&caller("zoe", &["module:helpdesk"])),
            [(None, false); 2]
        );
        assert_eq!(sees(&Caller::default()), [(None, false); 2], "no person");
        assert!(may_see(&caller("u-req", &[]), &technical, &settings));
        assert!(!may_see(&caller("u-req", &[]), &case, &settings));
    }

    #[test]
    fn a_caller_can_hold_several_roles() {
        let settings = settings();
        let [technical, mut case] = tickets();
        case.requester_id = "bo".into();
        assert_eq!(
            actors(&caller("bo", &[]), &case, &settings),
            [Actor::Agent, Actor::Requester]
        );
        assert_eq!(
            actors(&caller("ana", &["helpdesk.manage"]), &technical, &settings),
            [Actor::Manager, Actor::Agent]
        );
        assert_eq!(actors(&caller("zoe", &[]), &technical, &settings), []);
    }

    #[test]
    fn list_filters_show_exactly_the_visible_tickets() {
        let settings = settings();
        assert_eq!(
            list_filter(&caller("max", &["helpdesk.manage"]), &settings),
            TicketFilter::All
        );
        assert_eq!(
            list_filter(&caller("lee", &[]), &settings),
            TicketFilter::AnyOf(vec![
                Condition::RequesterId("lee".into()),
                Condition::AssigneeId("lee".into()),
                Condition::Category("technical_support".into()),
            ])
        );
        assert_eq!(
            list_filter(&Caller::default(), &settings),
            TicketFilter::AnyOf(vec![])
        );
        let mut all = tickets().to_vec();
        let mut other = ticket(Priority::High, at("2026-03-16 10:00"));
        other.category = "other".into();
        other.requester_id = "bo".into();
        all.push(other);
        for who in ["u-req", "ana", "bo", "cy", "dee", "lee", "max", "zoe"] {
            for permissions in [&[][..], &["helpdesk.manage"][..]] {
                let caller = caller(who, permissions);
                let filter = list_filter(&caller, &settings);
                for ticket in &all {
                    assert_eq!(
                        filter.matches(ticket),
                        may_see(&caller, ticket, &settings),
                        "{who} {permissions:?} {}",
                        ticket.category
                    );
                }
            }
        }
    }
}
