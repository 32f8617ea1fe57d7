//! When an event's reminders are due: one timer per lead time, for the
//! next occurrence that has not been reminded of yet.
//!
//! The host keeps timers across restarts and calls the module once per
//! timer, in the same transaction as what the call writes, so each
//! reminder goes out exactly once. A timer's key names the event and the
//! lead time; moving the event moves the timer, deleting it cancels it.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use super::event::Event;
use super::recurrence;
use super::when::{self, MINUTE};

/// A reminder counts as late when it fires this long after its time.
pub const LATE_AFTER: i64 = 5 * MINUTE;

/// What a reminder's timer carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reminder {
    /// The occurrence's start it reminds of.
    pub occurrence: i64,
    /// Minutes before it.
    pub lead: i64,
}

impl Reminder {
    pub fn due(&self) -> i64 {
        self.occurrence - self.lead * MINUTE
    }
}

pub fn key(event_id: &str, lead: i64) -> String {
    format!("remind:{event_id}:{lead}")
}

/// The event id and lead time a timer key names.
pub fn parse_key(key: &str) -> Option<(&str, i64)> {
    let rest = key.strip_prefix("remind:")?;
    let (id, lead) = rest.rsplit_once(':')?;
    Some((id, lead.parse().ok()?))
}

/// The next reminder for `lead` after `now`: for a single event its start
/// (if that reminder's time is still ahead), for a series the first
/// occurrence whose reminder time is after `now` and after `reminded`
/// (the occurrence last reminded of).
pub fn next(event: &Event, lead: i64, now: i64, reminded: Option<i64>) -> Option<Reminder> {
    let zone = when::zone_or_utc(&event.time_zone);
    let except: BTreeSet<i64> = event.except.iter().copied().collect();
    match event.series(&zone, &except) {
        None => {
            let reminder = Reminder {
                occurrence: event.start,
                lead,
            };
            (reminder.due() > now && reminded.is_none()).then_some(reminder)
        }
        Some(series) => {
            // Not before the series starts (its first occurrence included).
            let after = (now + lead * MINUTE)
                .max(reminded.unwrap_or(i64::MIN))
                .max(event.start - 1);
            recurrence::next_after(&series, after).map(|o| Reminder {
                occurrence: o.start,
                lead,
            })
        }
    }
}

/// Whether `reminder` still names an occurrence of `event` as it is now.
pub fn still_holds(event: &Event, reminder: &Reminder) -> bool {
    if !event.reminders.contains(&reminder.lead) {
        return false;
    }
    event.occurs_at(reminder.occurrence)
}

/// "in 1 week", "in 15 minutes", "now".
pub fn lead_words(lead: i64) -> String {
    if lead == 0 {
        "now".into()
    } else {
        format!("in {}", when::lead_label(lead))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::when::{DAY, HOUR};

    fn event(start: i64, rrule: Option<&str>) -> Event {
        Event {
            title: "Interview".into(),
            start,
            end: start + HOUR,
            time_zone: "America/Toronto".into(),
            rrule: rrule.map(str::to_string),
            reminders: vec![15, 1440],
            ..Event::default()
        }
    }

    #[test]
    fn a_single_event_is_reminded_once_per_lead_time_while_that_time_is_ahead() {
        let start = 1_780_000_000_000;
        let e = event(start, None);
        let now = start - 2 * DAY;
        assert_eq!(
            next(&e, 1440, now, None).map(|r| r.due()),
            Some(start - DAY)
        );
        assert_eq!(next(&e, 1440, start - HOUR, None), None);
        assert_eq!(next(&e, 15, now, Some(start)), None);
        assert!(still_holds(
            &e,
            &Reminder {
                occurrence: start,
                lead: 15
            }
        ));
        assert!(!still_holds(
            &e,
            &Reminder {
                occurrence: start + HOUR,
                lead: 15
            }
        ));
        assert!(!still_holds(
            &e,
            &Reminder {
                occurrence: start,
                lead: 60
            }
        ));
    }

    #[test]
    fn a_series_is_reminded_of_its_next_occurrence_each_time() {
        let start = 1_780_000_000_000;
        let e = event(start, Some("FREQ=DAILY;COUNT=3"));
        let first = next(&e, 15, start - DAY, None).expect("first");
        assert_eq!(first.occurrence, start);
        let second = next(&e, 15, first.due(), Some(first.occurrence)).expect("second");
        assert_eq!(second.occurrence, start + DAY);
        let third = next(&e, 15, second.due(), Some(second.occurrence)).expect("third");
        assert_eq!(third.occurrence, start + 2 * DAY);
        assert_eq!(next(&e, 15, third.due(), Some(third.occurrence)), None);
        // After a long stop: the next one ahead, not every one missed.
        let late = next(&e, 15, start + DAY + HOUR, Some(start)).expect("ahead");
        assert_eq!(late.occurrence, start + 2 * DAY);
        assert_eq!(parse_key(&key("ev-1", 1440)), Some(("ev-1", 1440)));
    }
}
