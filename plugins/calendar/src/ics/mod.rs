//! iCalendar (RFC 5545) in and out, with the calcard crate: feeds,
//! invitations, imports and CalDAV all speak it.
//!
//! - `write`: events as a `VCALENDAR` (with the `VTIMEZONE`s they need);
//! - `read`: the events of a file another calendar wrote;
//! - `rule`: a recurrence rule between the calendar's text and calcard's.

pub mod read;
pub mod rule;
pub mod write;

#[cfg(test)]
mod tests;
