//! The email module's rules as plain functions on plain data, one file per
//! topic. They never call the host, never read the clock and never touch
//! the network, so `cargo test -p email` checks them natively.
//!
//! - [`parse`]: a raw RFC 5322 message into ids, people, bodies and safe
//!   attachments, within limits.
//! - [`html`]: a message's HTML made safe to show; remote images blocked
//!   and counted, `cid:` images pointed at the module's attachments.
//! - [`thread`]: which conversation a message belongs to, by its ids (and
//!   by its subject only under a strict rule); subjects without `Re:`.
//! - [`link`]: folios in subjects, the addresses to find applicants by,
//!   and why a message is linked.
//! - [`template`]: reply templates with `{{applicant.given_name}}` tokens.
//! - [`compose`]: replying and forwarding: subjects, recipients,
//!   References, quoting and the signature.

pub mod compose;
pub mod html;
pub mod link;
pub mod parse;
pub mod template;
pub mod thread;

#[cfg(test)]
pub(crate) mod samples;
