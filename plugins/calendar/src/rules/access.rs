//! Calendars and who may read and change them.
//!
//! Each person has their own calendar; teams share one ("Junior
//! consultants"); the practice keeps public ones ("Global deadlines").
//! A holder of `calendar.manage` (a practice manager) reads and changes
//! every calendar and keeps the shared ones. Others read their own, their
//! teams' and the public ones, change their own and their teams', and
//! change a public one only when they are among its editors. Anyone may
//! see when a colleague is busy, without the titles of what they may not
//! read.

use serde::{Deserialize, Serialize};

pub const MANAGE: &str = "calendar.manage";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Sharing {
    #[default]
    Personal,
    Team,
    Public,
}

impl Sharing {
    pub fn label(self) -> &'static str {
        match self {
            Sharing::Personal => "Personal",
            Sharing::Team => "Team",
            Sharing::Public => "Practice-wide",
        }
    }

    pub fn parse(key: &str) -> Option<Sharing> {
        match key.trim() {
            "personal" => Some(Sharing::Personal),
            "team" => Some(Sharing::Team),
            "public" => Some(Sharing::Public),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Calendar {
    pub name: String,
    pub sharing: Sharing,
    /// The person a personal calendar belongs to.
    #[serde(default)]
    pub owner_id: Option<String>,
    /// A team's members; a public calendar's editors.
    #[serde(default)]
    pub members: Vec<String>,
    pub colour: String,
}

/// Who is asking: a person, and whether they manage the calendar.
#[derive(Debug, Clone, Copy)]
pub struct Viewer<'a> {
    pub id: &'a str,
    pub manager: bool,
}

impl Calendar {
    fn belongs(&self, person: &str) -> bool {
        self.owner_id.as_deref() == Some(person) || self.members.iter().any(|m| m == person)
    }

    pub fn readable_by(&self, viewer: Viewer) -> bool {
        viewer.manager || self.sharing == Sharing::Public || self.belongs(viewer.id)
    }

    pub fn writable_by(&self, viewer: Viewer) -> bool {
        viewer.manager || self.belongs(viewer.id)
    }

    /// Whose reminders an event of this calendar concerns besides its
    /// participants: the owner of a personal calendar.
    pub fn owner(&self) -> Option<&str> {
        (self.sharing == Sharing::Personal)
            .then_some(self.owner_id.as_deref())
            .flatten()
    }
}

/// The id of a person's own calendar.
pub fn personal_id(person: &str) -> String {
    format!("personal-{person}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn calendar(sharing: Sharing, owner: Option<&str>, members: &[&str]) -> Calendar {
        Calendar {
            name: "x".into(),
            sharing,
            owner_id: owner.map(str::to_string),
            members: members.iter().map(|m| m.to_string()).collect(),
            colour: "blue".into(),
        }
    }

    #[test]
    fn people_read_their_own_their_teams_and_public_calendars_and_managers_all() {
        let ana = Viewer {
            id: "ana",
            manager: false,
        };
        let boss = Viewer {
            id: "boss",
            manager: true,
        };
        let own = calendar(Sharing::Personal, Some("ana"), &[]);
        let other = calendar(Sharing::Personal, Some("ben"), &[]);
        let team = calendar(Sharing::Team, None, &["ana", "ben"]);
        let not_mine = calendar(Sharing::Team, None, &["ben"]);
        let public = calendar(Sharing::Public, None, &["ben"]);
        assert!(own.readable_by(ana) && own.writable_by(ana));
        assert!(!other.readable_by(ana) && !other.writable_by(ana));
        assert!(team.readable_by(ana) && team.writable_by(ana));
        assert!(!not_mine.readable_by(ana));
        assert!(public.readable_by(ana) && !public.writable_by(ana));
        for c in [&own, &other, &team, &not_mine, &public] {
            assert!(c.readable_by(boss) && c.writable_by(boss));
        }
        assert_eq!(own.owner(), Some("ana"));
        assert_eq!(team.owner(), None);
    }
}
