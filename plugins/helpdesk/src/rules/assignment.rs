//! Who a new ticket goes to, and who may hand a ticket to someone else.
//!
//! Each category names either one responsible person or a team
//! ([`super::settings::Category`]). A team shares tickets by one of two
//! strategies:
//!
//! - **round robin**: each member in turn, in the team's order, carrying on
//!   after whoever got the last ticket;
//! - **least open**: the member with the fewest active tickets, ties going
//!   to whoever round robin would pick first.
//!
//! Only active users count (the module passes their ids): someone away or
//! disabled is skipped. When nobody can take the ticket it stays
//! unassigned, with the reason, for a manager to assign by hand.
//!
//! Where round robin stands is a [`Rotation`], one per category, that the
//! module stores and replaces with the one [`auto_assign`] returns.

use std::collections::HashMap;

use immcase_sdk::{Caller, Error};
use serde::{Deserialize, Serialize};

use super::settings::{Category, Strategy, Team};

/// The permission to assign or reassign tickets by hand.
pub const ASSIGN: &str = "helpdesk.ticket.assign";

/// Where a category's round robin stands.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Rotation {
    /// Who got the category's last ticket.
    pub last_assigned_id: Option<String>,
    /// Their place in the team then. If they have left the team since,
    /// whoever moved up into that place is next.
    pub last_position: usize,
}

/// Who a new ticket goes to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Assignment {
    /// This user id.
    To(String),
    /// Nobody, and why, in words.
    Unassigned(String),
}

impl Assignment {
    /// The assignee, if any.
    pub fn assignee_id(&self) -> Option<&str> {
        match self {
            Self::To(user_id) => Some(user_id),
            Self::Unassigned(_) => None,
        }
    }
}

/// The outcome of [`auto_assign`]: the assignment, and the category's
/// rotation to store (unchanged when nobody was assigned).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AutoAssignment {
    pub assignment: Assignment,
    pub rotation: Rotation,
}

/// Who a new ticket of `category` goes to. `active_users` are the ids of
/// the users who may take tickets now; `open_counts` the number of active
/// tickets of each (a missing id counts as none).
pub fn auto_assign(
    category: &Category,
    active_users: &[String],
    open_counts: &HashMap<String, usize>,
    rotation: &Rotation,
) -> AutoAssignment {
    let is_active = |user_id: &str| active_users.iter().any(|u| u == user_id);
    let unassigned = |reason: String| AutoAssignment {
        assignment: Assignment::Unassigned(reason),
        rotation: rotation.clone(),
    };
    let label = &category.label;
    let team = match (&category.responsible_id, &category.team) {
        (Some(person), _) if is_active(person) => {
            return AutoAssignment {
                assignment: Assignment::To(person.clone()),
                rotation: rotation.clone(),
            };
        }
        (Some(person), _) => {
            return unassigned(format!("{person}, responsible for {label}, is not active."));
        }
        (None, Some(team)) => team,
        (None, None) => {
            return unassigned(format!(
                "Nobody is responsible for {label}: a manager assigns its tickets."
            ));
        }
    };
    let mut candidates = turn_order(team, rotation).filter(|(_, member)| is_active(member));
    let chosen = match team.strategy {
        Strategy::RoundRobin => candidates.next(),
        Strategy::LeastOpen => candidates
            .enumerate()
            .min_by_key(|(turn, (_, member))| {
                (open_counts.get(*member).copied().unwrap_or(0), *turn)
            })
            .map(|(_, candidate)| candidate),
    };
    match chosen {
        Some((position, member)) => AutoAssignment {
            assignment: Assignment::To(member.clone()),
            rotation: Rotation {
                last_assigned_id: Some(member.clone()),
                last_position: position,
            },
        },
        None => unassigned(format!("No member of the {label} team is active.")),
    }
}

/// The team's members in the order of their turns, each with their place
/// in the team: starting after the last assignee.
fn turn_order<'a>(
    team: &'a Team,
    rotation: &Rotation,
) -> impl Iterator<Item = (usize, &'a String)> {
    let count = team.members.len();
    let last = rotation
        .last_assigned_id
        .as_ref()
        .and_then(|id| team.members.iter().position(|member| member == id));
    let start = match (last, &rotation.last_assigned_id) {
        (Some(place), _) => place + 1,
        (None, Some(_)) => rotation.last_position,
        (None, None) => 0,
    };
    (0..count).map(move |turn| {
        let place = (start + turn) % count;
        (place, &team.members[place])
    })
}

/// Whether `caller` may assign a ticket by hand to `assignee_id` (`None`
/// unassigns it): they need [`ASSIGN`], and the assignee must be active.
pub fn check_reassignment(
    caller: &Caller,
    assignee_id: Option<&str>,
    active_users: &[String],
) -> Result<(), Error> {
    if !caller.can(ASSIGN) {
        return Err(Error::Forbidden(format!(
            "Assigning tickets by hand needs the permission {ASSIGN}."
        )));
    }
    match assignee_id {
        Some(id) if !active_users.iter().any(|u| u == id) => Err(Error::invalid_field(
            "assignee_id",
            "must be an active user",
        )),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(ids: &[&str]) -> Vec<String> {
        ids.iter().map(|id| (*id).to_owned()).collect()
    }

    fn team(strategy: Strategy, members: &[&str]) -> Category {
        Category {
            team: Some(Team {
                members: ids(members),
                strategy,
            }),
            ..Category::new("case_support", "Case support")
        }
    }

    /// The assignees of `tickets` new tickets in a row.
    fn rounds(
        category: &Category,
        active: &[&str],
        rotation: &mut Rotation,
        tickets: usize,
    ) -> Vec<String> {
        let active = ids(active);
        (0..tickets)
            .map(|_| {
                let next = auto_assign(category, &active, &HashMap::new(), rotation);
                *rotation = next.rotation;
                next.assignment.assignee_id().unwrap_or("-").to_owned()
            })
            .collect()
    }

    #[test]
    fn a_responsible_person_gets_every_ticket_while_active() {
        let mut category = Category::new("technical_support", "Technical support");
        category.responsible_id = Some("ana".into());
        let rotation = Rotation::default();
        let assigned = auto_assign(&category, &ids(&["ana"]), &HashMap::new(), &rotation);
        assert_eq!(assigned.assignment, Assignment::To("ana".into()));
        assert_eq!(assigned.rotation, rotation);
        let away = auto_assign(&category, &ids(&["bo"]), &HashMap::new(), &rotation);
        assert_eq!(
            away.assignment,
            Assignment::Unassigned("ana, responsible for Technical support, is not active.".into())
        );
        category.responsible_id = None;
        let nobody = auto_assign(&category, &ids(&["ana"]), &HashMap::new(), &rotation);
        assert_eq!(
            nobody.assignment,
            Assignment::Unassigned(
                "Nobody is responsible for Technical support: a manager assigns its tickets."
                    .into()
            )
        );
        assert_eq!(nobody.assignment.assignee_id(), None);
    }

    #[test]
    fn round_robin_takes_turns_and_skips_inactive_members() {
        let category = team(Strategy::RoundRobin, &["ana", "bo", "cy"]);
        let mut rotation = Rotation::default();
        assert_eq!(
            rounds(&category, &["ana", "bo", "cy"], &mut rotation, 4),
            ["ana", "bo", "cy", "ana"]
        );
        assert_eq!(
            rounds(&category, &["ana", "cy"], &mut rotation, 3),
            ["cy", "ana", "cy"]
        );
        assert_eq!(
            rotation,
            Rotation {
                last_assigned_id: Some("cy".into()),
                last_position: 2
            }
        );
        let nobody = auto_assign(&category, &ids(&["dee"]), &HashMap::new(), &rotation);
        assert_eq!(
            nobody.assignment,
            Assignment::Unassigned("No member of the Case support team is active.".into())
        );
        assert_eq!(nobody.rotation, rotation, "kept for next time");
    }

    #[test]
    fn round_robin_carries_on_when_the_last_assignee_left_the_team() {
        let mut rotation = Rotation {
            last_assigned_id: Some("bo".into()),
            last_position: 1,
        };
        // bo left: cy moved up into bo's place and is next.
        let category = team(Strategy::RoundRobin, &["ana", "cy", "dee"]);
        let all = ["ana", "cy", "dee"];
        assert_eq!(
            rounds(&category, &all, &mut rotation, 3),
            ["cy", "dee", "ana"]
        );
        // The last of the team left and the team shrank: start over.
        let mut rotation = Rotation {
            last_assigned_id: Some("eve".into()),
            last_position: 3,
        };
        assert_eq!(rounds(&category, &all, &mut rotation, 2), ["ana", "cy"]);
    }

    #[test]
    fn least_open_picks_the_lightest_load_and_breaks_ties_in_turn() {
        let category = team(Strategy::LeastOpen, &["ana", "bo", "cy", "dee"]);
        let active = ids(&["ana", "bo", "cy"]);
        let counts: HashMap<String, usize> = [
            ("ana".to_owned(), 3),
            ("bo".to_owned(), 1),
            ("dee".to_owned(), 0),
        ]
        .into();
        let fresh = Rotation::default();
        // cy has none (missing from the counts); dee has none but is away.
        let first = auto_assign(&category, &active, &counts, &fresh);
        assert_eq!(first.assignment, Assignment::To("cy".into()));
        assert_eq!(
            first.rotation,
            Rotation {
                last_assigned_id: Some("cy".into()),
                last_position: 2
            }
        );
        // bo and cy tie at 1: after cy's turn, ana's and bo's come first.
        let counts: HashMap<String, usize> = [
            ("ana".to_owned(), 3),
            ("bo".to_owned(), 1),
            ("cy".to_owned(), 1),
        ]
        .into();
        let second = auto_assign(&category, &active, &counts, &first.rotation);
        assert_eq!(second.assignment, Assignment::To("bo".into()));
        let after_bo = Rotation {
            last_assigned_id: Some("bo".into()),
            last_position: 1,
        };
        let third = auto_assign(&category, &active, &counts, &after_bo);
        assert_eq!(third.assignment, Assignment::To("cy".into()));
    }

    #[test]
    fn assigning_by_hand_needs_the_permission_and_an_active_assignee() {
        let active = ids(&["ana"]);
        let mut caller = Caller {
            user_id: Some("lee".into()),
            ..Caller::default()
        };
        let refused = check_reassignment(&caller, Some("ana"), &active).expect_err("no permission");
        assert_eq!(refused.status(), 403);
        assert_eq!(
            refused.message(),
            "Assigning tickets by hand needs the permission helpdesk.ticket.assign."
        );
        caller.permissions = vec!["helpdesk.*".into()];
        assert_eq!(check_reassignment(&caller, Some("ana"), &active), Ok(()));
        assert_eq!(check_reassignment(&caller, None, &active), Ok(()));
        let away = check_reassignment(&caller, Some("bo"), &active).expect_err("inactive");
        assert_eq!(
            away.to_json()["error"]["fields"]["assignee_id"],
            "must be an active user"
        );
    }
}
