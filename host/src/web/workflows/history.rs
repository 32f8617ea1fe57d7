//! A workflow's History tab (its runs, one run, "Retry" on a failed one)
//! and Versions tab (each saved version, its script, "Restore").

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use serde::Deserialize;
use utoipa::ToSchema;

use super::{RunView, Tab, run_view, tabs, when};
use crate::access::Caller;
use crate::api::{Path, Query};
use crate::error::Result;
use crate::state::AppState;
use crate::web::FormState;
use crate::web::form::{Form, is_for_the_form};
use crate::web::shell::{Page, refused, saved};
use crate::workflows::routes::{self, RunQuery};
use crate::workflows::{Workflow, store};

/// The outcomes the History tab filters by.
const OUTCOMES: [(&str, &str); 5] = [
    ("succeeded", "Succeeded"),
    ("failed", "Failed"),
    ("skipped", "Skipped"),
    ("pending", "Waiting"),
    ("running", "Running"),
];

#[derive(Template)]
#[template(path = "workflows/runs.html")]
struct RunsTemplate {
    workflow: Workflow,
    tabs: Vec<Tab>,
    runs: Vec<RunView>,
    outcome: String,
    outcomes: &'static [(&'static str, &'static str)],
    older: Option<String>,
    form: FormState,
}

/// A workflow's History tab: its runs, newest first, 50 a page.
#[utoipa::path(get, path = "/settings/workflows/{id}/runs", tag = "pages", params(("id" = String, Path), RunQuery),
    responses((status = 200, description = "The workflow's runs: time, trigger, version, outcome, duration, why it was skipped or failed, effects and log", content_type = "text/html"),
        (status = 303, description = "Not signed in: to the sign-in page"),
        (status = 403, description = "A page saying `workflows.manage` is needed", content_type = "text/html"),
        (status = 404, description = "No such workflow in this practice", content_type = "text/html"),
        (status = 422, description = "An outcome or cursor that is not one", content_type = "text/html")))]
pub(super) async fn runs_page(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Query(q): Query<RunQuery>,
) -> Result<Page> {
    let workflow = routes::read(&state, &caller, &id).await?;
    let list = routes::run_page(&state, &caller, &id, &q).await?;
    let outcome = q.outcome.clone().unwrap_or_default();
    let older = list
        .next_cursor
        .map(|c| format!("/settings/workflows/{id}/runs?outcome={outcome}&cursor={c}"));
    let page = RunsTemplate {
        tabs: tabs(&workflow.id, "History"),
        runs: list
            .items
            .iter()
            .map(|r| run_view(r, &caller.time_zone))
            .collect(),
        outcome,
        outcomes: &OUTCOMES,
        older,
        form: FormState::new(&caller.form_token),
        workflow,
    };
    Page::new(format!("{} · History", page.workflow.name), &page)
}

#[derive(Template)]
#[template(path = "workflows/run.html")]
struct RunTemplate {
    workflow: Workflow,
    tabs: Vec<Tab>,
    r: RunView,
    form: FormState,
}

/// One run: what started it, how it ended, its effects and log.
#[utoipa::path(get, path = "/settings/workflows/{id}/runs/{run}", tag = "pages",
    params(("id" = String, Path), ("run" = String, Path)),
    responses((status = 200, description = "The run", content_type = "text/html"),
        (status = 303, description = "Not signed in: to the sign-in page"),
        (status = 403, description = "A page saying `workflows.manage` is needed", content_type = "text/html"),
        (status = 404, description = "No such workflow or run", content_type = "text/html")))]
pub(super) async fn run_page(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, run)): Path<(String, String)>,
) -> Result<Page> {
    let workflow = routes::read(&state, &caller, &id).await?;
    let found = routes::one_run(&state, &caller, &id, &run).await?;
    let page = RunTemplate {
        tabs: tabs(&workflow.id, "History"),
        r: run_view(&found, &caller.time_zone),
        form: FormState::new(&caller.form_token),
        workflow,
    };
    Page::new(format!("{} · Run", page.workflow.name), &page)
}

/// A post with only the form token.
#[derive(Deserialize, ToSchema)]
pub struct WorkflowButtonForm {
    #[serde(rename = "_csrf")]
    #[allow(dead_code)]
    csrf: Option<String>,
}

/// Queues a failed run again, as a new run of the current version.
#[utoipa::path(post, path = "/settings/workflows/{id}/runs/{run}/retry", tag = "pages",
    params(("id" = String, Path), ("run" = String, Path)),
    request_body(content = WorkflowButtonForm, content_type = "application/x-www-form-urlencoded"),
    responses((status = 303, description = "To the new run, with a message; or back to the history with the refusal (the run did not fail)"),
        (status = 403, description = "A page saying `workflows.manage` is needed, or the form token is stale", content_type = "text/html"),
        (status = 404, description = "No such workflow or run", content_type = "text/html")))]
pub(super) async fn retry(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, run)): Path<(String, String)>,
    Form(_button): Form<WorkflowButtonForm>,
) -> Result<Response> {
    match routes::retry(&state, &caller, &id, &run).await {
        Ok(new) => Ok(saved(
            &format!("/settings/workflows/{id}/runs/{}", new.id),
            "The run is queued again; it runs in a moment with the current version.",
        )),
        Err(e) if is_for_the_form(&e) => Ok(refused(
            &format!("/settings/workflows/{id}/runs"),
            "The run was not retried",
            &[e.to_string()],
        )),
        Err(e) => Err(e),
    }
}

/// A saved version as the Versions tab shows it.
struct VersionView {
    version: i64,
    name: String,
    trigger: String,
    condition: String,
    script: String,
    by: String,
    at: String,
    role: String,
    current: bool,
}

#[derive(Template)]
#[template(path = "workflows/versions.html")]
struct VersionsTemplate {
    workflow: Workflow,
    tabs: Vec<Tab>,
    versions: Vec<VersionView>,
    form: FormState,
}

/// A workflow's Versions tab: each saved version, newest first.
#[utoipa::path(get, path = "/settings/workflows/{id}/versions", tag = "pages", params(("id" = String, Path)),
    responses((status = 200, description = "The workflow's versions: number, who saved it and when, its script", content_type = "text/html"),
        (status = 303, description = "Not signed in: to the sign-in page"),
        (status = 403, description = "A page saying `workflows.manage` is needed", content_type = "text/html"),
        (status = 404, description = "No such workflow in this practice", content_type = "text/html")))]
pub(super) async fn versions_page(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Page> {
    let workflow = routes::read(&state, &caller, &id).await?;
    let db = state.db.pool();
    let saved = store::versions(db, &caller.practice, &workflow.id).await?;
    let roles = crate::access::roles::list_all(db, &caller.practice).await?;
    let versions = saved
        .into_iter()
        .map(|v| VersionView {
            current: v.version == workflow.version,
            at: when(&v.saved_at, &caller.time_zone),
            role: roles
                .iter()
                .find(|r| r.id == v.role_id)
                .map_or_else(|| "a role deleted since".into(), |r| r.name.clone()),
            version: v.version,
            name: v.name,
            trigger: v.trigger,
            condition: v.condition,
            script: v.script,
            by: v.saved_by_name,
        })
        .collect();
    let page = VersionsTemplate {
        tabs: tabs(&workflow.id, "Versions"),
        versions,
        form: FormState::new(&caller.form_token),
        workflow,
    };
    Page::new(format!("{} · Versions", page.workflow.name), &page)
}

/// Makes an earlier version the current one, as a new version.
#[utoipa::path(post, path = "/settings/workflows/{id}/versions/{version}/restore", tag = "pages",
    params(("id" = String, Path), ("version" = i64, Path)),
    request_body(content = WorkflowButtonForm, content_type = "application/x-www-form-urlencoded"),
    responses((status = 303, description = "Restored: to the editor, with a message; or back to the versions with the refusal (its role was deleted since)"),
        (status = 403, description = "A page saying `workflows.manage` is needed, or the form token is stale", content_type = "text/html"),
        (status = 404, description = "No such workflow or version", content_type = "text/html")))]
pub(super) async fn restore(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, version)): Path<(String, i64)>,
    Form(_button): Form<WorkflowButtonForm>,
) -> Result<Response> {
    match routes::restore_version(&state, &caller, &id, version).await {
        Ok(w) => Ok(saved(
            &format!("/settings/workflows/{id}"),
            format!("Version {version} is restored as version {}.", w.version),
        )),
        Err(e) if is_for_the_form(&e) => Ok(refused(
            &format!("/settings/workflows/{id}/versions"),
            &format!("Version {version} was not restored"),
            &[e.to_string()],
        )),
        Err(e) => Err(e),
    }
}
