//! # Email
//!
//! The rules of the email module: reading the raw messages the host fetches
//! over IMAP, sanitising their HTML, threading them, finding the applicants,
//! cases and tickets they are about, and composing replies from templates.
//!
//! They are plain functions on plain data, tested natively
//! (`cargo test -p email`); the component that wires them to the host's
//! mailboxes, store and pages comes later.

pub mod rules;
