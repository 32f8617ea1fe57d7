//! The email module's rules as plain functions on plain data, one file per
//! topic. They never call the host, never read the clock and never touch
//! the network, so `cargo test -p email` checks them natively.
//!
//! - [`parse`]: a raw RFC 5322 message into ids, people, bodies and safe
//!   attachments, within limits.

pub mod parse;

#[cfg(test)]
pub(crate) mod samples;
