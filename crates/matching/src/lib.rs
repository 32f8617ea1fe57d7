//! Finding applicants who may already be on file.
//!
//! When an applicant is added, the practice wants to know whether the same
//! person is already a client: typed again with an accent missing, with given
//! and family names swapped, with a typo, or with the same email, phone or
//! passport. These are the rules for that, as plain functions:
//!
//! - [`names`]: folding names so that accents, case and punctuation do not
//!   matter ([`fold`]), splitting them into tokens ([`name_tokens`]), and the
//!   blocking keys a lookup table stores so that a query finds names within
//!   one typo ([`name_keys`]).
//! - [`contacts`]: phone numbers to E.164 ([`normalize_phone`]), passport
//!   numbers ([`normalize_passport`]) and emails ([`normalize_email`]).
//! - [`name_match`](mod@name_match): whether two applicants' names look
//!   like the same person's: the same, swapped, or within a typo
//!   ([`NameMatch`]).
//! - [`compare`]: what two applicants have in common ([`reasons()`]) and
//!   whether that is enough to show them side by side ([`is_candidate`]).
//!
//! The intended flow: store each applicant's [`name_keys`] and normalised
//! contacts beside the record; for a new applicant, fetch the records that
//! share a key, an email, a phone or a passport number, then keep those for
//! which [`is_candidate`] holds on their [`reasons()`]. The keys guarantee
//! that names one typo apart meet; names further apart meet only through
//! another token, a contact or a passport.

pub mod compare;
pub mod contacts;
pub mod name_match;
pub mod names;

pub use compare::{Probe, Reason, is_candidate, reasons};
pub use contacts::{PhoneRefused, normalize_email, normalize_passport, normalize_phone};
pub use name_match::{NameMatch, name_match};
pub use names::{fold, name_keys, name_tokens};
