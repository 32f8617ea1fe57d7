//! Global search: one tantivy index for every practice, each document carrying its practice.

pub mod index;
