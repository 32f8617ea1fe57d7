//! The calendar's rules as plain functions on plain data: what a valid
//! event is, how a recurring series expands in a range and across
//! daylight-saving changes, when reminders are due, and who reads and
//! changes which calendar. They never call the host and never read the
//! clock, so they are tested natively (`cargo test -p calendar`).

pub mod access;
pub mod event;
pub mod kinds;
pub mod recurrence;
pub mod reminders;
pub mod when;
