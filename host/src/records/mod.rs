//! Applicants' records: the rules that keep them clean and findable.
pub mod matching;
