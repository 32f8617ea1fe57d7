//! Settings → Workflows: the list, and the editor of a new or saved
//! workflow. "Check" posts the form and shows what checking found beside
//! the editor, keeping what was typed; "Save" saves a new version, or
//! shows the refusal beside its field with its line and column.

use askama::Template;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use super::{Tab, badge, outcome_words, tabs, when};
use crate::access::Caller;
use crate::access::roles::{self, Role};
use crate::api::{Path, Query};
use crate::error::{AppError, Result};
use crate::state::AppState;
use crate::web::FormState;
use crate::web::form::{Form, is_for_the_form, ticked};
use crate::web::shell::{Page, saved};
use crate::workflows::examples::{self, EXAMPLES, Example};
use crate::workflows::{MANAGE, Workflow, WorkflowInput, check_sources, routes};

/// A workflow in the list.
struct Row {
    id: String,
    name: String,
    trigger: String,
    active: bool,
    outcome: &'static str,
    badge: &'static str,
    at: String,
}

#[derive(Template)]
#[template(path = "workflows/list.html")]
struct ListTemplate {
    rows: Vec<Row>,
    examples: &'static [Example],
}

/// Settings → Workflows.
#[utoipa::path(get, path = "/settings/workflows", tag = "pages",
    responses((status = 200, description = "The practice's workflows with their last outcomes, and examples to start from", content_type = "text/html"),
        (status = 303, description = "Not signed in: to the sign-in page"),
        (status = 403, description = "A page saying `workflows.manage` is needed", content_type = "text/html")))]
pub(super) async fn list_page(State(state): State<AppState>, caller: Caller) -> Result<Page> {
    let listed = routes::all(&state, &caller).await?;
    let rows = listed
        .into_iter()
        .map(|l| Row {
            outcome: l.last_outcome.as_deref().map_or("", outcome_words),
            badge: l.last_outcome.as_deref().map_or("", badge),
            at: l
                .last_run_at
                .as_deref()
                .map(|t| when(t, &caller.time_zone))
                .unwrap_or_default(),
            id: l.workflow.id,
            name: l.workflow.name,
            trigger: l.workflow.trigger,
            active: l.workflow.active,
        })
        .collect();
    Page::new(
        "Workflows",
        &ListTemplate {
            rows,
            examples: &EXAMPLES,
        },
    )
}

/// The editor's values: what is saved, or what was typed.
#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
pub struct WorkflowForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    description: String,
    /// Present when ticked.
    active: Option<String>,
    /// An event name, a pattern, or a schedule in cron form.
    #[serde(default)]
    trigger: String,
    /// The role the workflow acts with.
    #[serde(default)]
    role_id: String,
    #[serde(default)]
    condition: String,
    #[serde(default)]
    script: String,
    /// The version the form was opened at (when changing).
    version: Option<i64>,
    /// `check`: check the condition and the script without saving.
    action: Option<String>,
    #[serde(rename = "_csrf")]
    #[allow(dead_code)]
    csrf: Option<String>,
}

/// Text from a textarea with the line ends browsers send made plain.
fn plain(text: &str) -> String {
    text.replace("\r\n", "\n")
}

impl WorkflowForm {
    fn of(w: &Workflow) -> WorkflowForm {
        WorkflowForm {
            name: w.name.clone(),
            description: w.description.clone(),
            active: w.active.then(|| "on".into()),
            trigger: w.trigger.clone(),
            role_id: w.role_id.clone(),
            condition: w.condition.clone(),
            script: w.script.clone(),
            version: Some(w.version),
            ..WorkflowForm::default()
        }
    }

    fn example(e: &Example) -> WorkflowForm {
        WorkflowForm {
            name: e.name.into(),
            description: e.description.into(),
            active: Some("on".into()),
            trigger: e.trigger.into(),
            condition: e.condition.into(),
            script: e.script.into(),
            ..WorkflowForm::default()
        }
    }

    fn active(&self) -> bool {
        ticked(&self.active)
    }

    fn checking(&self) -> bool {
        self.action.as_deref() == Some("check")
    }

    fn to_input(&self) -> WorkflowInput {
        WorkflowInput {
            name: self.name.clone(),
            description: plain(&self.description),
            active: self.active(),
            trigger: self.trigger.clone(),
            condition: plain(&self.condition),
            script: plain(&self.script),
            role_id: self.role_id.clone(),
            version: self.version,
        }
    }
}

/// A code textarea's numbered gutter: each line's number, and whether a
/// problem is on it; a few more than the text has, to type on.
pub(super) struct Gutter {
    lines: Vec<(usize, bool)>,
}

impl Gutter {
    fn of(text: &str, bad: &[usize]) -> Gutter {
        let count = text.lines().count().max(1) + 2;
        Gutter {
            lines: (1..=count).map(|n| (n, bad.contains(&n))).collect(),
        }
    }

    fn rows(&self) -> usize {
        self.lines.len()
    }
}

/// What "Check" found.
struct CheckView {
    problems: Vec<String>,
}

#[derive(Template)]
#[template(path = "workflows/editor.html")]
struct EditorTemplate {
    workflow: Option<Workflow>,
    tabs: Vec<Tab>,
    values: WorkflowForm,
    form: FormState,
    roles: Vec<Role>,
    condition_gutter: Gutter,
    script_gutter: Gutter,
    check: Option<CheckView>,
    /// Set when someone else saved the workflow while this form was open.
    newer: Option<Workflow>,
    /// A schedule's next run, in the person's time zone.
    next_run: String,
}

impl EditorTemplate {
    async fn new(
        state: &AppState,
        caller: &Caller,
        workflow: Option<Workflow>,
        values: WorkflowForm,
        form: FormState,
        checked: bool,
    ) -> Result<EditorTemplate> {
        let roles = roles::list_all(state.db.pool(), &caller.practice).await?;
        // The lines with a problem are marked in the gutters when the form
        // comes back from "Check" or a refused save.
        let problems = if checked || !form.errors.is_empty() {
            check_sources(state, &plain(&values.condition), &plain(&values.script))
        } else {
            Vec::new()
        };
        let bad = |part: &str| -> Vec<usize> {
            problems
                .iter()
                .filter(|p| p.part == part)
                .filter_map(|p| p.line)
                .collect()
        };
        Ok(EditorTemplate {
            next_run: workflow
                .as_ref()
                .and_then(|w| w.next_run_at.as_deref())
                .map(|t| when(t, &caller.time_zone))
                .unwrap_or_default(),
            tabs: workflow
                .as_ref()
                .map(|w| tabs(&w.id, "Editor"))
                .unwrap_or_default(),
            condition_gutter: Gutter::of(&values.condition, &bad("condition")),
            script_gutter: Gutter::of(&values.script, &bad("script")),
            check: checked.then(|| CheckView {
                problems: problems.iter().map(ToString::to_string).collect(),
            }),
            workflow,
            values,
            form,
            roles,
            newer: None,
        })
    }

    fn action(&self) -> String {
        match &self.workflow {
            Some(w) => format!("/settings/workflows/{}", w.id),
            None => "/settings/workflows".into(),
        }
    }

    fn title(&self) -> String {
        match &self.workflow {
            Some(w) => w.name.clone(),
            None => "New workflow".into(),
        }
    }
}

#[derive(Deserialize, IntoParams)]
pub struct NewQuery {
    /// The example to start from: `submitted`, `urgent-ticket` or
    /// `idle-cases`.
    example: Option<String>,
}

/// Settings → Workflows → New workflow (empty, or filled from an example).
#[utoipa::path(get, path = "/settings/workflows/new", tag = "pages", params(NewQuery),
    responses((status = 200, description = "The editor of a new workflow", content_type = "text/html"),
        (status = 303, description = "Not signed in: to the sign-in page"),
        (status = 403, description = "A page saying `workflows.manage` is needed", content_type = "text/html"),
        (status = 404, description = "No such example", content_type = "text/html")))]
pub(super) async fn new_page(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<NewQuery>,
) -> Result<Page> {
    caller.require(MANAGE)?;
    let values = match q.example.as_deref().filter(|k| !k.is_empty()) {
        Some(key) => {
            WorkflowForm::example(examples::find(key).ok_or(AppError::NotFound("example"))?)
        }
        None => WorkflowForm {
            active: Some("on".into()),
            ..WorkflowForm::default()
        },
    };
    let form = FormState::new(&caller.form_token);
    let page = EditorTemplate::new(&state, &caller, None, values, form, false).await?;
    Page::new(page.title(), &page)
}

/// Creates a workflow from the editor, or checks what was typed.
#[utoipa::path(post, path = "/settings/workflows", tag = "pages",
    request_body(content = WorkflowForm, content_type = "application/x-www-form-urlencoded"),
    responses((status = 200, description = "Checked (`action=check`): the editor again with what checking found", content_type = "text/html"),
        (status = 303, description = "Created: to the workflow, with a message"),
        (status = 403, description = "A page saying `workflows.manage` is needed, or the form token is stale", content_type = "text/html"),
        (status = 422, description = "The editor again, what was typed kept, each refusal beside its field (a script's with its line and column)", content_type = "text/html")))]
pub(super) async fn create(
    State(state): State<AppState>,
    caller: Caller,
    Form(values): Form<WorkflowForm>,
) -> Result<Response> {
    caller.require(MANAGE)?;
    if values.checking() {
        let form = FormState::new(&caller.form_token);
        let page = EditorTemplate::new(&state, &caller, None, values, form, true).await?;
        return Ok(Page::new(page.title(), &page)?.into_response());
    }
    match routes::create_workflow(&state, &caller, values.to_input()).await {
        Ok(w) => Ok(saved(
            &format!("/settings/workflows/{}", w.id),
            format!("The workflow {} is saved.", w.name),
        )),
        Err(e) if is_for_the_form(&e) => {
            let form = FormState::failed(&caller.form_token, &e);
            let page = EditorTemplate::new(&state, &caller, None, values, form, false).await?;
            Ok(Page::new(page.title(), &page)?
                .status(e.status_code())
                .into_response())
        }
        Err(e) => Err(e),
    }
}

/// Settings → Workflows → one workflow: the Editor tab.
#[utoipa::path(get, path = "/settings/workflows/{id}", tag = "pages", params(("id" = String, Path)),
    responses((status = 200, description = "The editor of the workflow", content_type = "text/html"),
        (status = 303, description = "Not signed in: to the sign-in page"),
        (status = 403, description = "A page saying `workflows.manage` is needed", content_type = "text/html"),
        (status = 404, description = "No such workflow in this practice", content_type = "text/html")))]
pub(super) async fn edit_page(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Page> {
    let w = routes::read(&state, &caller, &id).await?;
    let form = FormState::new(&caller.form_token);
    let values = WorkflowForm::of(&w);
    let page = EditorTemplate::new(&state, &caller, Some(w), values, form, false).await?;
    Page::new(page.title(), &page)
}

/// Saves the workflow as a new version, or checks what was typed. A form
/// opened before someone else saved comes back saying so, what was typed
/// kept.
#[utoipa::path(post, path = "/settings/workflows/{id}", tag = "pages", params(("id" = String, Path)),
    request_body(content = WorkflowForm, content_type = "application/x-www-form-urlencoded"),
    responses((status = 200, description = "Checked (`action=check`): the editor again with what checking found", content_type = "text/html"),
        (status = 303, description = "Saved: back to the workflow, with a message"),
        (status = 403, description = "A page saying `workflows.manage` is needed, or the form token is stale", content_type = "text/html"),
        (status = 404, description = "No such workflow in this practice", content_type = "text/html"),
        (status = 409, description = "Saved by someone else since the form was opened: the editor again, what was typed kept", content_type = "text/html"),
        (status = 422, description = "The editor again, what was typed kept, each refusal beside its field (a script's with its line and column)", content_type = "text/html")))]
pub(super) async fn update(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Form(values): Form<WorkflowForm>,
) -> Result<Response> {
    let w = routes::read(&state, &caller, &id).await?;
    if values.checking() {
        let form = FormState::new(&caller.form_token);
        let page = EditorTemplate::new(&state, &caller, Some(w), values, form, true).await?;
        return Ok(Page::new(page.title(), &page)?.into_response());
    }
    let version = values
        .version
        .ok_or_else(|| AppError::field("version", "reload the page and try again"))?;
    let error = match routes::save(&state, &caller, &id, version, values.to_input()).await {
        Ok(saved_one) => {
            return Ok(saved(
                &format!("/settings/workflows/{id}"),
                format!(
                    "The workflow {} is saved (version {}).",
                    saved_one.name, saved_one.version
                ),
            ));
        }
        Err(e) if is_for_the_form(&e) => e,
        Err(e) => return Err(e),
    };
    let current = routes::read(&state, &caller, &id).await?;
    let stale = matches!(&error, AppError::Conflict { .. }) && current.version != version;
    let mut values = values;
    if stale {
        values.version = Some(current.version);
    }
    let form = FormState::failed(&caller.form_token, &error);
    let mut page =
        EditorTemplate::new(&state, &caller, Some(current.clone()), values, form, false).await?;
    if stale {
        page.newer = Some(current);
    }
    Ok(Page::new(page.title(), &page)?
        .status(error.status_code())
        .into_response())
}
