//! What an event is: its type, and the reminders each type starts with;
//! and the colours calendars take.

use serde::{Deserialize, Serialize};

/// The five types of event the practice keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    #[default]
    Appointment,
    Deadline,
    Reminder,
    InternalMeeting,
    ClientEvent,
}

impl Kind {
    pub const ALL: [Kind; 5] = [
        Kind::Appointment,
        Kind::Deadline,
        Kind::Reminder,
        Kind::InternalMeeting,
        Kind::ClientEvent,
    ];

    /// As the API writes it: `internal_meeting`.
    pub fn key(self) -> &'static str {
        match self {
            Kind::Appointment => "appointment",
            Kind::Deadline => "deadline",
            Kind::Reminder => "reminder",
            Kind::InternalMeeting => "internal_meeting",
            Kind::ClientEvent => "client_event",
        }
    }

    pub fn parse(key: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.key() == key.trim())
    }

    /// As people read it.
    pub fn label(self) -> &'static str {
        match self {
            Kind::Appointment => "Appointment",
            Kind::Deadline => "Deadline",
            Kind::Reminder => "Reminder",
            Kind::InternalMeeting => "Internal meeting",
            Kind::ClientEvent => "Client event",
        }
    }

    /// Reminders (minutes before) a new event of this type gets unless
    /// told otherwise: deadlines escalate (1 week, 3 days, 1 day), the rest
    /// remind once, 15 minutes before (a reminder, at its time).
    pub fn default_reminders(self) -> Vec<i64> {
        match self {
            Kind::Deadline => vec![7 * 24 * 60, 3 * 24 * 60, 24 * 60],
            Kind::Reminder => vec![0],
            _ => vec![15],
        }
    }
}

/// The colours a calendar may take (classes of the module's stylesheet).
pub const COLOURS: [&str; 10] = [
    "blue", "green", "red", "orange", "purple", "teal", "pink", "brown", "grey", "gold",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_type_reads_back_from_its_key_and_deadlines_escalate() {
        for kind in Kind::ALL {
            assert_eq!(Kind::parse(kind.key()), Some(kind));
        }
        assert_eq!(Kind::parse("party"), None);
        assert_eq!(Kind::Deadline.default_reminders(), [10080, 4320, 1440]);
    }
}
