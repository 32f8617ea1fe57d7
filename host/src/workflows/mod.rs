//! Workflows: an administrator's rhai scripts that run when an event
//! happens in the practice (`case.stage_changed`, `helpdesk.ticket.*`) or
//! on a schedule (cron fields in the practice's time zone).
//!
//! - `sandbox`: the engine and its limits, and checking a script on save;
//! - `dates` and `script`: what a script may call;
//! - `cron`: schedules;
//! - `store`: workflows, their versions and email templates;
//! - `run`: one run; `runs`: their rows; `worker`: slots taken and runs run;
//! - `routes`: the API (`workflows.manage`).
//!
//! Runs are queued in the transaction of the event (`events::emit`), so a
//! workflow sees exactly the events that happened while it was active,
//! and each is run once after a restart too.

pub mod cron;
pub mod dates;
pub mod examples;
pub mod routes;
pub mod run;
pub mod runs;
pub mod sandbox;
pub mod script;
pub mod store;
pub mod worker;

use std::sync::Arc;

use crate::access::Caller;
use crate::error::{AppError, FieldErrors, Result};
use crate::state::AppState;
pub use store::{Workflow, WorkflowInput};

/// Who may see and change workflows.
pub const MANAGE: &str = "workflows.manage";

/// Longest name and description.
const MAX_NAME: usize = 100;
const MAX_DESCRIPTION: usize = 2_000;

/// An engine with every function a script may call, for checking (none is
/// ever called on it).
pub fn checking_engine(state: &AppState) -> rhai::Engine {
    let mut engine = sandbox::engine(&state.config.workflows, None);
    dates::register(&mut engine, Arc::new(|| 0), jiff::tz::TimeZone::UTC);
    script::register(&mut engine, None);
    engine
}

/// Checks a condition and a script as saving would: every problem, each
/// with its line and column.
pub fn check_sources(state: &AppState, condition: &str, script: &str) -> Vec<sandbox::Problem> {
    let engine = checking_engine(state);
    let mut problems = Vec::new();
    if !condition.trim().is_empty()
        && let Err(p) = sandbox::compile(&engine, "condition", condition.trim(), &run::VARIABLES)
    {
        problems.push(p);
    }
    if script.trim().is_empty() {
        problems.push(run::problem(
            "the script is empty: write what the workflow does",
        ));
        if let Some(p) = problems.last_mut() {
            p.part = "script".into();
        }
    } else if let Err(p) = sandbox::compile(&engine, "script", script, &run::VARIABLES) {
        problems.push(p);
    }
    problems
}

/// Checks what an administrator wrote: the name, the trigger, the role, and
/// that the condition and script compile and call only what exists. The
/// first problem with a script is the error's message, naming its line
/// and column.
pub async fn check(
    state: &AppState,
    caller: &Caller,
    mut input: WorkflowInput,
) -> Result<store::Checked> {
    let mut errors = FieldErrors::new();
    input.name = input.name.trim().to_string();
    input.trigger = input
        .trigger
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    if input.name.is_empty() || input.name.chars().count() > MAX_NAME {
        errors.insert("name".into(), format!("1 to {MAX_NAME} characters"));
    }
    if input.description.chars().count() > MAX_DESCRIPTION {
        errors.insert(
            "description".into(),
            format!("at most {MAX_DESCRIPTION} characters"),
        );
    }
    let schedule = if input.trigger.contains(' ') {
        match cron::Schedule::parse(&input.trigger) {
            Ok(s) => Some(s),
            Err(e) => {
                errors.insert("trigger".into(), e);
                None
            }
        }
    } else {
        if !crate::events::is_valid_pattern(&input.trigger) {
            errors.insert(
                "trigger".into(),
                "an event name such as case.stage_changed, a pattern such as helpdesk.ticket.*, \
                 or a schedule such as `0 8 * * MON`"
                    .into(),
            );
        }
        None
    };
    if input.role_id.is_empty() {
        errors.insert(
            "role_id".into(),
            "choose the role the workflow acts with".into(),
        );
    } else if crate::access::roles::find(state.db.pool(), &caller.practice, &input.role_id)
        .await?
        .is_none()
    {
        errors.insert("role_id".into(), "not a role of this practice".into());
    }
    AppError::check_fields(errors)?;
    let problems = check_sources(state, &input.condition, &input.script);
    if let Some(first) = problems.first() {
        let mut fields = FieldErrors::new();
        for p in &problems {
            fields.insert(p.part.clone(), p.to_string());
        }
        return Err(AppError::Invalid {
            message: first.to_string(),
            fields,
        });
    }
    let next_slot_at = match (&schedule, input.active) {
        (Some(s), true) => {
            worker::next_slot(state, caller.practice.id(), s, state.now_ms()).await?
        }
        _ => None,
    };
    Ok(store::Checked {
        trigger_kind: if schedule.is_some() {
            "schedule"
        } else {
            "event"
        },
        input,
        next_slot_at,
    })
}
