//! # Helpdesk
//!
//! Support tickets for the practice: someone needs help with a difficult
//! case, reports a technical problem, suggests an improvement or files a
//! complaint, and the person responsible for that kind of request answers
//! until it is resolved.
//!
//! A ticket has a folio (`TKT042`), a subject and description, a category
//! (technical support, case support, improvement suggestion, other, or what
//! the practice configures), a priority (low, medium, high, urgent), and
//! may name an applicant or a case. It is assigned by its category to a
//! responsible person or a team member, and moves through the statuses
//! open → in progress ⇄ waiting on requester → resolved → closed, with
//! replies between the requester and the person handling it, and internal
//! notes that only the practice's agents read. Each priority has service
//! targets (SLAs) for the first response and the resolution, counted in
//! business hours; the helpdesk warns before a deadline and reports a
//! breach.
//!
//! ## How the code is laid out
//!
//! [`rules`] holds every rule of the helpdesk as plain functions on plain
//! data: what a valid ticket is, which status changes are allowed and for
//! whom, how business hours count, where the SLA clocks stand, who a new
//! ticket goes to, and who sees what. They never call the host and never
//! read the clock: the current time and the settings come in as arguments,
//! and decisions come back as values. So they are tested natively with
//! `cargo test -p helpdesk`, on fixed dates.
//!
//! The rest of the module (its JSON routes, the document store, timers,
//! emails and pages) calls these rules and carries out what they decide:
//! it stores the ticket, sends the warning, sets the timer.

pub mod rules;
