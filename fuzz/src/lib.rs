//! Fuzzing of what ImmCase reads from outside, on the stable toolchain:
//! a module's `plugin.toml`, its settings, PDF forms, iCalendar files,
//! email, uploads, a module's store queries and workflow scripts. Each
//! target calls the project's own reader (see [`targets`]).
//!
//! The fuzzing is coverage-free: inputs are the seeds of each format
//! ([`corpus`]) and their mutants ([`mutate`]), and inputs drawn with
//! `arbitrary` where a format's structure matters (settings declarations,
//! calendars, MIME trees). Every input is numbered and made from its own
//! dice ([`dice`]), so a run is the same on every machine and any input
//! can be made again from the run's seed and its number.
//!
//! An input passes if the code returns, with a result or an error, within
//! the time allowed and under the memory ceiling, without panicking and
//! without taking its process down. Inputs run in worker processes
//! ([`worker`]) under a supervisor ([`supervisor`]); what fails is saved
//! under `fuzz/found/` ([`finding`]).

pub mod corpus;
pub mod dice;
pub mod finding;
pub mod mutate;
mod panics;
mod shrink;
pub mod supervisor;
pub mod targets;
pub mod worker;

use std::alloc::System;

use cap::Cap;

/// The allocator of every process of this crate: the system's, with a
/// ceiling a worker sets for itself.
#[global_allocator]
static MEMORY: Cap<System> = Cap::new(System, usize::MAX);

/// Lets this process take `extra` bytes beyond what it holds now; an
/// allocation past that aborts it.
pub fn limit_memory(extra: usize) {
    let _ = MEMORY.set_limit(MEMORY.allocated().saturating_add(extra));
}
