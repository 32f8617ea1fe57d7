//! One run of a workflow: its identity, the event and record it is about,
//! the condition, then the script on the sandboxed engine, on a blocking
//! thread of its own. What it wrote is in one transaction that the caller
//! of [`execute`] commits (a real run that succeeded) or drops (a failed
//! run, or one only tried).

use std::sync::Arc;
use std::time::Instant;

use rhai::{Dynamic, Scope};
use serde::Serialize;
use serde_json::{Value, json};
use utoipa::ToSchema;

use super::sandbox::{self, Deadline, Problem};
use super::script::{self, Live, Work};
use super::{dates, store::Workflow};
use crate::access::{Acting, Caller, SignedIn};
use crate::clock::rfc3339;
use crate::practices::Practice;
use crate::state::AppState;

/// The variables a condition and a script see.
pub const VARIABLES: [&str; 3] = ["event", "record", "workflow"];

/// The event a run is about, as stored.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct EventRow {
    pub id: String,
    pub name: String,
    pub payload: String,
    pub source: String,
    pub created_at: i64,
}

/// What starts a run: an event, or a schedule's slot; and how many runs
/// of workflows led to it.
#[derive(Clone, Debug)]
pub struct Trigger {
    pub event: Option<EventRow>,
    pub slot: Option<i64>,
    pub chain: i64,
}

/// How a run ended and what it did.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Outcome {
    /// `succeeded`, `failed` or `skipped`.
    pub outcome: String,
    /// Why it was skipped.
    pub reason: Option<String>,
    pub error: Option<Problem>,
    /// What it changed, sent, called (or, tried, would have).
    #[schema(value_type = Vec<Object>)]
    pub effects: Vec<Value>,
    pub logs: Vec<String>,
    pub duration_ms: i64,
}

impl Outcome {
    pub fn failed(error: Problem) -> Outcome {
        Outcome {
            outcome: "failed".into(),
            reason: None,
            error: Some(error),
            effects: Vec::new(),
            logs: Vec::new(),
            duration_ms: 0,
        }
    }

    pub fn skipped(reason: impl Into<String>) -> Outcome {
        Outcome {
            outcome: "skipped".into(),
            reason: Some(reason.into()),
            error: None,
            effects: Vec::new(),
            logs: Vec::new(),
            duration_ms: 0,
        }
    }

    pub fn succeeded(&self) -> bool {
        self.outcome == "succeeded"
    }
}

/// A problem that is not in the script (the role is gone, the database
/// failed).
pub fn problem(message: impl Into<String>) -> Problem {
    Problem {
        part: "run".into(),
        message: message.into(),
        line: None,
        column: None,
    }
}

/// The caller a workflow acts as: its own identity, with its role's
/// permissions and field rules, in the practice's time zone. The audit
/// log and timelines name it.
pub async fn identity(
    state: &AppState,
    practice: &Practice,
    w: &Workflow,
    chain: i64,
) -> Result<Caller, Problem> {
    let db = state.db.pool();
    let role = crate::access::roles::find(db, practice, &w.role_id)
        .await
        .map_err(|e| problem(e.to_string()))?
        .ok_or_else(|| {
            problem("the role the workflow acts with no longer exists: choose another one")
        })?;
    let zone = crate::practices::time_zone(db, practice.id())
        .await
        .map_err(|e| problem(e.to_string()))?;
    Ok(Caller::new(SignedIn {
        practice: practice.clone(),
        user_id: format!("workflow:{}", w.id),
        email: String::new(),
        display_name: format!("Workflow “{}”", w.name),
        time_zone: zone,
        role_ids: vec![role.id],
        permissions: role.permissions.into_iter().collect(),
        field_rules: role.field_rules,
        form_token: String::new(),
        flash: None,
        client_addr: "workflow".into(),
        session_hash: String::new(),
        acting: Some(Acting {
            workflow_id: w.id.clone(),
            chain,
        }),
    }))
}

/// The record an event is about, as the workflow's role may see it: a
/// case's or an applicant's event's own `id`, or the `case_id` or
/// `applicant_id` of the payload.
async fn record_of(state: &AppState, caller: &Caller, name: &str, payload: &Value) -> Value {
    let text = |key: &str| payload.get(key).and_then(Value::as_str).map(str::to_string);
    let (kind, id) = if let (true, Some(id)) = (name.starts_with("case."), text("id")) {
        ("case", id)
    } else if let (true, Some(id)) = (name.starts_with("applicant."), text("id")) {
        ("applicant", id)
    } else if let Some(id) = text("case_id") {
        ("case", id)
    } else if let Some(id) = text("applicant_id") {
        ("applicant", id)
    } else {
        return Value::Null;
    };
    let (db, practice) = (state.db.pool(), &caller.practice);
    let mut found = match kind {
        "case" if caller.can("cases.read") => {
            match crate::records::reading::case(db, practice, &id).await {
                Ok(Some(c)) => crate::records::visible(&c, kind, &caller.field_rules),
                _ => Value::Null,
            }
        }
        "applicant" if caller.can("applicants.read") => {
            match crate::records::reading::applicant(db, practice, &id).await {
                Ok(Some(a)) => crate::records::visible(&a, kind, &caller.field_rules),
                _ => Value::Null,
            }
        }
        _ => Value::Null,
    };
    if let Value::Object(m) = &mut found {
        m.insert("kind".into(), Value::from(kind));
    }
    found
}

/// The event as a script sees it.
fn event_value(trigger: &Trigger, zone: &jiff::tz::TimeZone) -> (String, Value) {
    match &trigger.event {
        Some(e) => {
            let payload: Value = serde_json::from_str(&e.payload).unwrap_or(Value::Null);
            let value = json!({"id": e.id, "name": e.name, "payload": payload, "source": e.source,
                               "occurred_at": rfc3339(e.created_at)});
            (e.name.clone(), value)
        }
        None => {
            let slot = trigger.slot.unwrap_or_default();
            let local = jiff::Timestamp::from_millisecond(slot)
                .map(|t| {
                    t.to_zoned_datetime(zone.clone())
                        .strftime("%Y-%m-%dT%H:%M:%S%:z")
                        .to_string()
                })
                .unwrap_or_default();
            (
                "schedule".into(),
                json!({"name": "schedule", "payload": {}, "slot": local}),
            )
        }
    }
}

/// The sources a run runs: the saved ones, or those being tried.
pub struct Sources {
    pub condition: String,
    pub script: String,
}

/// Runs `w` (with `sources`) for `trigger` as `caller`; gives back how it
/// ended and what it wrote, uncommitted.
pub async fn execute(
    state: &AppState,
    caller: Caller,
    w: &Workflow,
    sources: Sources,
    trigger: &Trigger,
) -> (Outcome, Work) {
    let started = Instant::now();
    let zone = jiff::tz::TimeZone::get(&caller.time_zone).unwrap_or(jiff::tz::TimeZone::UTC);
    let (name, event) = event_value(trigger, &zone);
    let payload = event.get("payload").cloned().unwrap_or(Value::Null);
    let record = record_of(state, &caller, &name, &payload).await;
    let live = Arc::new(Live {
        state: state.clone(),
        caller,
        workflow_id: w.id.clone(),
        handle: tokio::runtime::Handle::current(),
        work: Default::default(),
    });
    let limits = state.config.workflows.clone();
    let clock = state.clock.clone();
    let workflow = json!({"id": w.id, "name": w.name, "version": w.version});
    let running = live.clone();
    let ran = tokio::task::spawn_blocking(move || {
        let deadline = Deadline(Instant::now() + limits.deadline);
        let mut engine = sandbox::engine(&limits, Some(deadline));
        dates::register(&mut engine, Arc::new(move || clock.now_ms()), zone);
        script::register(&mut engine, Some(running));
        let mut scope = Scope::new();
        let as_dynamic = |v: &Value| rhai::serde::to_dynamic(v).unwrap_or(Dynamic::UNIT);
        scope.push_dynamic("event", as_dynamic(&event));
        scope.push_dynamic("record", as_dynamic(&record));
        scope.push_dynamic("workflow", as_dynamic(&workflow));
        let condition = sources.condition.trim();
        if !condition.is_empty() {
            let ast = sandbox::compile(&engine, "condition", condition, &VARIABLES).map_err(Err)?;
            let value = engine
                .eval_ast_with_scope::<Dynamic>(&mut scope, &ast)
                .map_err(|e| Err(sandbox::runtime_problem("condition", &e, &limits)))?;
            match value.as_bool() {
                Ok(true) => {}
                Ok(false) => return Err(Ok(format!("the condition `{condition}` was false"))),
                Err(kind) => {
                    let message = format!("the condition gave {kind}, not true or false");
                    return Err(Err(problem(message)));
                }
            }
        }
        let ast = sandbox::compile(&engine, "script", &sources.script, &VARIABLES).map_err(Err)?;
        engine
            .run_ast_with_scope(&mut scope, &ast)
            .map_err(|e| Err(sandbox::runtime_problem("script", &e, &limits)))
    })
    .await;
    let work = match Arc::try_unwrap(live) {
        Ok(live) => live.work.into_inner(),
        Err(_) => Work::default(),
    };
    let mut outcome = match ran {
        Ok(Ok(())) => Outcome {
            outcome: "succeeded".into(),
            reason: None,
            error: None,
            effects: Vec::new(),
            logs: Vec::new(),
            duration_ms: 0,
        },
        Ok(Err(Ok(reason))) => Outcome::skipped(reason),
        Ok(Err(Err(error))) => Outcome::failed(error),
        Err(e) => Outcome::failed(problem(format!("the run stopped: {e}"))),
    };
    outcome.effects = work.done.clone();
    outcome.logs = work.logs.clone();
    outcome.duration_ms = started.elapsed().as_millis() as i64;
    (outcome, work)
}
