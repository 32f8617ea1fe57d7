//! `/api/v1/workflows`: the practice's workflows, their versions, runs and
//! email templates, checking and trying (all need `workflows.manage`).

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};

use super::run::{self, EventRow, Outcome, Sources, Trigger};
use super::runs::{self, Run};
use super::sandbox::Problem;
use super::store::{self, Template, Version, Workflow, WorkflowInput};
use super::{MANAGE, check, check_sources};
use crate::access::Caller;
use crate::api::{Json, Path, Query};
use crate::audit::{self, Entry};
use crate::error::{AppError, ErrorBody, Result};
use crate::state::AppState;

/// Runs per page of the history.
const PAGE: i64 = 50;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(get_one, update))
        .routes(routes!(versions))
        .routes(routes!(restore))
        .routes(routes!(list_runs))
        .routes(routes!(get_run))
        .routes(routes!(retry_run))
        .routes(routes!(try_it))
        .routes(routes!(check_route))
        .routes(routes!(recent_events))
        .routes(routes!(list_templates))
        .routes(routes!(put_template, delete_template))
}

/// A workflow in the list, with its last run's outcome.
#[derive(Serialize, ToSchema)]
pub struct Listed {
    #[serde(flatten)]
    pub workflow: Workflow,
    /// `succeeded`, `failed` or `skipped`; absent before its first run.
    pub last_outcome: Option<String>,
    pub last_run_at: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct WorkflowList {
    pub items: Vec<Listed>,
}

/// The practice's workflows, by name, with their last outcomes.
pub async fn all(state: &AppState, caller: &Caller) -> Result<Vec<Listed>> {
    caller.require(MANAGE)?;
    let db = state.db.pool();
    let last = runs::last_outcomes(db, &caller.practice).await?;
    let items = store::list(db, &caller.practice).await?;
    Ok(items
        .into_iter()
        .map(|w| {
            let l = last.iter().find(|(id, _, _)| *id == w.id);
            Listed {
                last_outcome: l.map(|(_, o, _)| o.clone()),
                last_run_at: l.map(|(_, _, at)| crate::clock::rfc3339(*at)),
                workflow: w,
            }
        })
        .collect())
}

#[utoipa::path(get, path = "/api/v1/workflows", tag = "workflows",
    responses((status = 200, body = WorkflowList), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
async fn list(State(state): State<AppState>, caller: Caller) -> Result<Json<WorkflowList>> {
    Ok(Json(WorkflowList {
        items: all(&state, &caller).await?,
    }))
}

/// Saves a new workflow (version 1).
pub async fn create_workflow(
    state: &AppState,
    caller: &Caller,
    input: WorkflowInput,
) -> Result<Workflow> {
    caller.require(MANAGE)?;
    let checked = check(state, caller, input).await?;
    let now = state.now_ms();
    let mut tx = state.db.begin().await?;
    let id = store::insert(&mut tx, caller, &checked, now).await?;
    let details = json!({"name": checked.input.name, "version": 1});
    let entry = Entry::by(
        caller,
        "workflow.created",
        format!("workflow:{id}"),
        details,
    );
    audit::record(&mut *tx, &caller.practice, now, entry).await?;
    tx.commit().await?;
    found(state, caller, &id).await
}

/// Creates a workflow; its condition and script are checked first.
#[utoipa::path(post, path = "/api/v1/workflows", tag = "workflows", request_body = WorkflowInput,
    responses((status = 201, body = Workflow), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 422, body = ErrorBody, description = "A wrong field; a condition or script that does not compile, or calls what does not exist, with its line and column in the message")))]
async fn create(
    State(state): State<AppState>,
    caller: Caller,
    Json(input): Json<WorkflowInput>,
) -> Result<(StatusCode, Json<Workflow>)> {
    let created = create_workflow(&state, &caller, input).await?;
    Ok((StatusCode::CREATED, Json(created)))
}

async fn found(state: &AppState, caller: &Caller, id: &str) -> Result<Workflow> {
    store::find(state.db.pool(), &caller.practice, id)
        .await?
        .ok_or(AppError::NotFound("workflow"))
}

/// One workflow (`workflows.manage`).
pub async fn read(state: &AppState, caller: &Caller, id: &str) -> Result<Workflow> {
    caller.require(MANAGE)?;
    found(state, caller, id).await
}

#[utoipa::path(get, path = "/api/v1/workflows/{id}", tag = "workflows", params(("id" = String, Path)),
    responses((status = 200, body = Workflow), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
async fn get_one(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Workflow>> {
    Ok(Json(read(&state, &caller, &id).await?))
}

/// Saves a new version of a workflow over `version`; the earlier one is kept.
pub async fn save(
    state: &AppState,
    caller: &Caller,
    id: &str,
    version: i64,
    input: WorkflowInput,
) -> Result<Workflow> {
    caller.require(MANAGE)?;
    let before = found(state, caller, id).await?;
    let checked = check(state, caller, input).await?;
    let now = state.now_ms();
    let mut tx = state.db.begin().await?;
    if !store::update(&mut tx, caller, id, version, &checked, now).await? {
        drop(tx);
        let current = found(state, caller, id).await?;
        return Err(AppError::Conflict {
            message: format!(
                "someone saved this workflow since (it is at version {}, not {version}): reload it, then save again",
                current.version
            ),
            current: serde_json::to_value(&current).ok(),
        });
    }
    let details = json!({"name": checked.input.name, "version": version + 1,
                         "active": checked.input.active, "was_active": before.active});
    let entry = Entry::by(
        caller,
        "workflow.updated",
        format!("workflow:{id}"),
        details,
    );
    audit::record(&mut *tx, &caller.practice, now, entry).await?;
    tx.commit().await?;
    found(state, caller, id).await
}

/// Saves a workflow at a known version (`version` in the body, or `If-Match`).
#[utoipa::path(put, path = "/api/v1/workflows/{id}", tag = "workflows", params(("id" = String, Path)),
    request_body = WorkflowInput,
    responses((status = 200, body = Workflow), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody, description = "Saved by someone else since `version`"),
        (status = 422, body = ErrorBody, description = "A wrong field; a condition or script that does not compile, with its line and column")))]
async fn update(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    headers: HeaderMap,
    Json(input): Json<WorkflowInput>,
) -> Result<Json<Workflow>> {
    let version = crate::input::expected_version(&headers, input.version)?;
    Ok(Json(save(&state, &caller, &id, version, input).await?))
}

#[derive(Serialize, ToSchema)]
pub struct VersionList {
    pub items: Vec<Version>,
}

/// The workflow's saved versions, newest first.
#[utoipa::path(get, path = "/api/v1/workflows/{id}/versions", tag = "workflows", params(("id" = String, Path)),
    responses((status = 200, body = VersionList), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
async fn versions(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<VersionList>> {
    let w = read(&state, &caller, &id).await?;
    let items = store::versions(state.db.pool(), &caller.practice, &w.id).await?;
    Ok(Json(VersionList { items }))
}

/// Makes an earlier version the current one, as a new version (checked
/// again: a role deleted since is refused).
pub async fn restore_version(
    state: &AppState,
    caller: &Caller,
    id: &str,
    version: i64,
) -> Result<Workflow> {
    let w = read(state, caller, id).await?;
    let all = store::versions(state.db.pool(), &caller.practice, id).await?;
    let old = all
        .into_iter()
        .find(|v| v.version == version)
        .ok_or(AppError::NotFound("version"))?;
    let input = WorkflowInput {
        name: old.name,
        description: old.description,
        active: w.active,
        trigger: old.trigger,
        condition: old.condition,
        script: old.script,
        role_id: old.role_id,
        version: Some(w.version),
    };
    save(state, caller, id, w.version, input).await
}

/// Restores version `version` as a new version; whether the workflow is
/// active stays as it is now.
#[utoipa::path(post, path = "/api/v1/workflows/{id}/versions/{version}/restore", tag = "workflows",
    params(("id" = String, Path), ("version" = i64, Path)),
    responses((status = 200, body = Workflow), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn restore(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, version)): Path<(String, i64)>,
) -> Result<Json<Workflow>> {
    Ok(Json(restore_version(&state, &caller, &id, version).await?))
}

#[derive(Deserialize, IntoParams)]
pub struct RunQuery {
    /// Only runs that ended so: `succeeded`, `failed`, `skipped` (or
    /// `pending`, `running`).
    pub outcome: Option<String>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct RunList {
    pub items: Vec<Run>,
    pub next_cursor: Option<String>,
}

const STATUSES: [&str; 5] = ["succeeded", "failed", "skipped", "pending", "running"];

/// A page of a workflow's runs, newest first.
pub async fn run_page(
    state: &AppState,
    caller: &Caller,
    id: &str,
    q: &RunQuery,
) -> Result<RunList> {
    let w = read(state, caller, id).await?;
    let outcome = q.outcome.as_deref().filter(|o| !o.is_empty());
    if let Some(o) = outcome
        && !STATUSES.contains(&o)
    {
        return Err(AppError::field(
            "outcome",
            format!("one of {}", STATUSES.join(", ")),
        ));
    }
    let before = match q.cursor.as_deref().filter(|c| !c.is_empty()) {
        Some(c) => {
            let (at, id) = c
                .split_once('.')
                .and_then(|(at, id)| Some((at.parse::<i64>().ok()?, id.to_string())))
                .ok_or_else(|| AppError::field("cursor", "not a cursor of this list"))?;
            Some((at, id))
        }
        None => None,
    };
    let mut rows = runs::list(
        state.db.pool(),
        &caller.practice,
        &w.id,
        outcome,
        before,
        PAGE + 1,
    )
    .await?;
    let more = rows.len() as i64 > PAGE;
    rows.truncate(PAGE as usize);
    let next_cursor = more
        .then(|| rows.last().map(|(at, r)| format!("{at}.{}", r.id)))
        .flatten();
    Ok(RunList {
        items: rows.into_iter().map(|(_, r)| r).collect(),
        next_cursor,
    })
}

/// The workflow's runs, newest first, 50 a page: each with its trigger,
/// version, outcome, duration, effects, error and log.
#[utoipa::path(get, path = "/api/v1/workflows/{id}/runs", tag = "workflows", params(("id" = String, Path), RunQuery),
    responses((status = 200, body = RunList), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn list_runs(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Query(q): Query<RunQuery>,
) -> Result<Json<RunList>> {
    Ok(Json(run_page(&state, &caller, &id, &q).await?))
}

/// One run of a workflow.
pub async fn one_run(state: &AppState, caller: &Caller, id: &str, run: &str) -> Result<Run> {
    let w = read(state, caller, id).await?;
    runs::find(state.db.pool(), &caller.practice, &w.id, run)
        .await?
        .ok_or(AppError::NotFound("run"))
}

#[utoipa::path(get, path = "/api/v1/workflows/{id}/runs/{run}", tag = "workflows",
    params(("id" = String, Path), ("run" = String, Path)),
    responses((status = 200, body = Run), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
async fn get_run(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, run)): Path<(String, String)>,
) -> Result<Json<Run>> {
    Ok(Json(one_run(&state, &caller, &id, &run).await?))
}

/// Queues a failed run again, as a new run of the current version.
pub async fn retry(state: &AppState, caller: &Caller, id: &str, run: &str) -> Result<Run> {
    let failed = one_run(state, caller, id, run).await?;
    if failed.status != "failed" {
        return Err(AppError::conflict(format!(
            "only a failed run can be retried; this one {}",
            match failed.status.as_str() {
                "succeeded" => "succeeded",
                "skipped" => "was skipped",
                _ => "has not ended yet",
            }
        )));
    }
    let now = state.now_ms();
    let mut tx = state.db.begin().await?;
    let new = runs::retry(&mut *tx, &caller.practice, &failed, &caller.user_id, now).await?;
    let entry = Entry::by(
        caller,
        "workflow.run_retried",
        format!("workflow:{id}"),
        json!({"run": run, "retry": new}),
    );
    audit::record(&mut *tx, &caller.practice, now, entry).await?;
    tx.commit().await?;
    state.workflows_wake.notify_one();
    one_run(state, caller, id, &new).await
}

#[utoipa::path(post, path = "/api/v1/workflows/{id}/runs/{run}/retry", tag = "workflows",
    params(("id" = String, Path), ("run" = String, Path)),
    responses((status = 202, body = Run, description = "The new run, queued"), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody, description = "The run did not fail")))]
async fn retry_run(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, run)): Path<(String, String)>,
) -> Result<(StatusCode, Json<Run>)> {
    Ok((
        StatusCode::ACCEPTED,
        Json(retry(&state, &caller, &id, &run).await?),
    ))
}

/// A sample event to try a workflow with.
#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Sample {
    pub name: String,
    #[serde(default)]
    #[schema(value_type = Object)]
    pub payload: Value,
}

/// What to try: a real past event (`event_id`) or a sample; the condition
/// and script being edited, or the saved ones.
#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TryInput {
    pub event_id: Option<String>,
    pub sample: Option<Sample>,
    pub condition: Option<String>,
    pub script: Option<String>,
}

/// What trying did: the outcome, and every effect it would have had.
#[derive(Serialize, ToSchema)]
pub struct Tried {
    #[serde(flatten)]
    pub outcome: Outcome,
    /// The event it was tried with.
    pub event: String,
    /// Always true: nothing of it was applied.
    pub dry_run: bool,
}

/// Tries the workflow without applying anything: it runs as a real run
/// would, in a transaction that is then rolled back.
pub async fn try_workflow(
    state: &AppState,
    caller: &Caller,
    id: &str,
    input: TryInput,
) -> Result<Tried> {
    let w = read(state, caller, id).await?;
    let db = state.db.pool();
    let event = match (&input.event_id, &input.sample) {
        (Some(event_id), _) => sqlx::query_as::<_, EventRow>(
            "SELECT id, name, payload, source, created_at FROM events WHERE practice_id = $1 AND id = $2",
        )
        .bind(caller.practice.id())
        .bind(event_id)
        .fetch_optional(db)
        .await?
        .ok_or(AppError::NotFound("event"))?,
        (None, Some(sample)) => {
            if !crate::events::is_valid_name(&sample.name) {
                return Err(AppError::field("sample.name", "an event name such as case.stage_changed"));
            }
            let payload = if sample.payload.is_null() { json!({}) } else { sample.payload.clone() };
            if !payload.is_object() || payload.to_string().len() > 64 * 1024 {
                return Err(AppError::field("sample.payload", "a JSON object of at most 64 KiB"));
            }
            EventRow {
                id: "sample".into(),
                name: sample.name.clone(),
                payload: payload.to_string(),
                source: "sample".into(),
                created_at: state.now_ms(),
            }
        }
        (None, None) if w.trigger_kind == "schedule" => EventRow {
            id: String::new(),
            name: String::new(),
            payload: String::new(),
            source: String::new(),
            created_at: 0,
        },
        (None, None) => return Err(AppError::invalid("choose a past event or give a sample event")),
    };
    let shown = if event.name.is_empty() {
        "schedule".to_string()
    } else {
        event.name.clone()
    };
    let trigger = Trigger {
        slot: event.name.is_empty().then(|| state.now_ms()),
        event: (!event.name.is_empty()).then_some(event),
        chain: 0,
    };
    let sources = Sources {
        condition: input.condition.unwrap_or_else(|| w.condition.clone()),
        script: input.script.unwrap_or_else(|| w.script.clone()),
    };
    let outcome = match run::identity(state, &caller.practice, &w, 0).await {
        Ok(identity) => {
            let (outcome, work) = run::execute(state, identity, &w, sources, &trigger).await;
            // Nothing of a try is kept.
            drop(work.effects.tx);
            crate::modules::call::discard_blobs(state, &work.effects.written_blobs).await;
            outcome
        }
        Err(problem) => Outcome::failed(problem),
    };
    Ok(Tried {
        outcome,
        event: shown,
        dry_run: true,
    })
}

/// Tries a workflow against a past event or a sample: every effect is
/// listed, none is applied.
#[utoipa::path(post, path = "/api/v1/workflows/{id}/test", tag = "workflows", params(("id" = String, Path)),
    request_body = TryInput,
    responses((status = 200, body = Tried), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody, description = "No such workflow, or event"), (status = 422, body = ErrorBody)))]
async fn try_it(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Json(input): Json<TryInput>,
) -> Result<Json<Tried>> {
    Ok(Json(try_workflow(&state, &caller, &id, input).await?))
}

#[derive(Deserialize, ToSchema)]
pub struct CheckInput {
    #[serde(default)]
    pub condition: String,
    #[serde(default)]
    pub script: String,
}

#[derive(Serialize, ToSchema)]
pub struct CheckResult {
    pub ok: bool,
    pub problems: Vec<Problem>,
}

/// Checks a condition and a script as saving would, without saving.
#[utoipa::path(post, path = "/api/v1/workflows/check", tag = "workflows", request_body = CheckInput,
    responses((status = 200, body = CheckResult), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
async fn check_route(
    State(state): State<AppState>,
    caller: Caller,
    Json(input): Json<CheckInput>,
) -> Result<Json<CheckResult>> {
    caller.require(MANAGE)?;
    let problems = check_sources(&state, &input.condition, &input.script);
    Ok(Json(CheckResult {
        ok: problems.is_empty(),
        problems,
    }))
}

/// A past event, to try a workflow with.
#[derive(Serialize, ToSchema)]
pub struct PastEvent {
    pub id: String,
    pub name: String,
    #[schema(value_type = Object)]
    pub payload: Value,
    pub occurred_at: String,
}

#[derive(Serialize, ToSchema)]
pub struct PastEvents {
    pub items: Vec<PastEvent>,
}

/// The practice's last 50 events that the workflow's trigger matches.
pub async fn past_events(state: &AppState, caller: &Caller, id: &str) -> Result<Vec<PastEvent>> {
    let w = read(state, caller, id).await?;
    if w.trigger_kind == "schedule" {
        return Ok(Vec::new());
    }
    let rows: Vec<EventRow> = sqlx::query_as(
        "SELECT id, name, payload, source, created_at FROM events WHERE practice_id = $1 \
         ORDER BY created_at DESC, id DESC LIMIT 2000",
    )
    .bind(caller.practice.id())
    .fetch_all(state.db.pool())
    .await?;
    Ok(rows
        .into_iter()
        .filter(|e| crate::events::matches(&w.trigger, &e.name))
        .take(50)
        .map(|e| PastEvent {
            payload: serde_json::from_str(&e.payload).unwrap_or(Value::Null),
            occurred_at: crate::clock::rfc3339(e.created_at),
            id: e.id,
            name: e.name,
        })
        .collect())
}

#[utoipa::path(get, path = "/api/v1/workflows/{id}/events", tag = "workflows", params(("id" = String, Path)),
    responses((status = 200, body = PastEvents), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
async fn recent_events(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<PastEvents>> {
    Ok(Json(PastEvents {
        items: past_events(&state, &caller, &id).await?,
    }))
}

#[derive(Serialize, ToSchema)]
pub struct TemplateList {
    pub items: Vec<Template>,
}

/// The email templates workflows send.
#[utoipa::path(get, path = "/api/v1/workflows/templates", tag = "workflows",
    responses((status = 200, body = TemplateList), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
async fn list_templates(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<TemplateList>> {
    caller.require(MANAGE)?;
    let items = store::templates(state.db.pool(), &caller.practice).await?;
    Ok(Json(TemplateList { items }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TemplateInput {
    pub subject: String,
    pub body: String,
}

/// Saves a template (checked: its name, a one-line subject, a body).
pub async fn save_template(
    state: &AppState,
    caller: &Caller,
    name: &str,
    input: TemplateInput,
) -> Result<Template> {
    caller.require(MANAGE)?;
    let mut errors = crate::error::FieldErrors::new();
    let good_name = !name.is_empty()
        && name.len() <= 64
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_');
    if !good_name {
        errors.insert(
            "name".into(),
            "1 to 64 lowercase letters, digits, - and _".into(),
        );
    }
    let subject = input.subject.trim().to_string();
    if subject.is_empty() || subject.chars().count() > 200 || subject.contains(['\r', '\n']) {
        errors.insert("subject".into(), "one line of 1 to 200 characters".into());
    }
    if input.body.trim().is_empty() || input.body.len() > 100_000 {
        errors.insert("body".into(), "1 to 100000 characters".into());
    }
    AppError::check_fields(errors)?;
    let template = Template {
        name: name.to_string(),
        subject,
        body: input.body,
    };
    let now = state.now_ms();
    let mut tx = state.db.begin().await?;
    store::put_template(&mut *tx, &caller.practice, &template, now).await?;
    let entry = Entry::by(
        caller,
        "workflow.template_saved",
        format!("workflow_template:{name}"),
        json!({}),
    );
    audit::record(&mut *tx, &caller.practice, now, entry).await?;
    tx.commit().await?;
    Ok(template)
}

#[utoipa::path(put, path = "/api/v1/workflows/templates/{name}", tag = "workflows", params(("name" = String, Path)),
    request_body = TemplateInput,
    responses((status = 200, body = Template), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
async fn put_template(
    State(state): State<AppState>,
    caller: Caller,
    Path(name): Path<String>,
    Json(input): Json<TemplateInput>,
) -> Result<Json<Template>> {
    Ok(Json(save_template(&state, &caller, &name, input).await?))
}

#[utoipa::path(delete, path = "/api/v1/workflows/templates/{name}", tag = "workflows", params(("name" = String, Path)),
    responses((status = 204), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn delete_template(
    State(state): State<AppState>,
    caller: Caller,
    Path(name): Path<String>,
) -> Result<StatusCode> {
    remove_template(&state, &caller, &name).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Deletes a template (workflows that send it fail until it exists again).
pub async fn remove_template(state: &AppState, caller: &Caller, name: &str) -> Result<()> {
    caller.require(MANAGE)?;
    let now = state.now_ms();
    let mut tx = state.db.begin().await?;
    store::delete_template(&mut *tx, &caller.practice, name).await?;
    let entry = Entry::by(
        caller,
        "workflow.template_deleted",
        format!("workflow_template:{name}"),
        json!({}),
    );
    audit::record(&mut *tx, &caller.practice, now, entry).await?;
    tx.commit().await?;
    Ok(())
}
