//! A workflow's Try it tab: its saved condition and script run against a
//! past event or a sample one, as a real run would, and everything it did
//! is shown — then undone: nothing of a try is applied.

use askama::Template;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::Value;
use utoipa::ToSchema;

use super::{EffectView, Tab, badge, effect_view, outcome_words, tabs, when};
use crate::access::Caller;
use crate::api::Path;
use crate::error::{AppError, FieldErrors, Result};
use crate::state::AppState;
use crate::web::FormState;
use crate::web::form::{Form, is_for_the_form};
use crate::web::shell::Page;
use crate::workflows::Workflow;
use crate::workflows::examples::EXAMPLES;
use crate::workflows::routes::{self, PastEvent, Sample, TryInput};

/// What to try the workflow with.
#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
pub struct TryForm {
    /// `past` (a past event, `event_id`) or `sample` (`sample_name` and
    /// `sample_payload`); nothing for a schedule.
    #[serde(default)]
    source: String,
    #[serde(default)]
    event_id: String,
    #[serde(default)]
    sample_name: String,
    /// A JSON object.
    #[serde(default)]
    sample_payload: String,
    /// The condition and script to try: the saved ones unless changed
    /// here (or brought from the editor, unsaved).
    condition: Option<String>,
    script: Option<String>,
    #[serde(rename = "_csrf")]
    #[allow(dead_code)]
    csrf: Option<String>,
}

/// A past event in the picker.
struct EventChoice {
    id: String,
    label: String,
}

/// What trying did.
struct TriedView {
    event: String,
    outcome: &'static str,
    badge: &'static str,
    failed: bool,
    detail: String,
    duration: i64,
    effects: Vec<EffectView>,
    logs: Vec<String>,
}

#[derive(Template)]
#[template(path = "workflows/try.html")]
struct TryTemplate {
    workflow: Workflow,
    tabs: Vec<Tab>,
    schedule: bool,
    events: Vec<EventChoice>,
    values: TryForm,
    form: FormState,
    tried: Option<TriedView>,
    /// Whether the code to try differs from the saved code.
    changed: bool,
}

/// Text from a textarea with the line ends browsers send made plain.
fn plain(text: &str) -> String {
    text.replace("\r\n", "\n")
}

fn choice(e: &PastEvent, time_zone: &str) -> EventChoice {
    let mut payload = e.payload.to_string();
    if payload.chars().count() > 80 {
        payload = payload.chars().take(79).collect::<String>() + "…";
    }
    EventChoice {
        id: e.id.clone(),
        label: format!(
            "{} · {} · {payload}",
            when(&e.occurred_at, time_zone),
            e.name
        ),
    }
}

async fn page_of(
    state: &AppState,
    caller: &Caller,
    id: &str,
    values: Option<TryForm>,
    form: FormState,
    tried: Option<TriedView>,
) -> Result<TryTemplate> {
    let workflow = routes::read(state, caller, id).await?;
    let past = routes::past_events(state, caller, id).await?;
    let defaults = TryForm {
        source: if past.is_empty() { "sample" } else { "past" }.into(),
        event_id: past.first().map(|e| e.id.clone()).unwrap_or_default(),
        sample_name: if workflow.trigger.contains('*') {
            String::new()
        } else {
            workflow.trigger.clone()
        },
        sample_payload: past
            .first()
            .and_then(|e| serde_json::to_string_pretty(&e.payload).ok())
            .or_else(|| {
                // Before any such event: an example's sample of it.
                EXAMPLES
                    .iter()
                    .find(|e| e.trigger == workflow.trigger && !e.sample.is_empty())
                    .map(|e| e.sample.to_string())
            })
            .unwrap_or_else(|| "{}".into()),
        condition: Some(workflow.condition.clone()),
        script: Some(workflow.script.clone()),
        csrf: None,
    };
    let values = match values {
        // Code brought from the editor: the event is still to choose.
        Some(v) if v.source.is_empty() && workflow.trigger_kind != "schedule" => TryForm {
            condition: v.condition.or(defaults.condition.clone()),
            script: v.script.or(defaults.script.clone()),
            ..defaults
        },
        Some(v) => TryForm {
            condition: v.condition.or(defaults.condition),
            script: v.script.or(defaults.script),
            ..v
        },
        None => defaults,
    };
    let differs = |given: &Option<String>, saved: &str| {
        given.as_deref().map(plain).is_some_and(|c| c != saved)
    };
    let changed = differs(&values.condition, &workflow.condition)
        || differs(&values.script, &workflow.script);
    Ok(TryTemplate {
        tabs: tabs(&workflow.id, "Try it"),
        schedule: workflow.trigger_kind == "schedule",
        events: past.iter().map(|e| choice(e, &caller.time_zone)).collect(),
        workflow,
        values,
        form,
        tried,
        changed,
    })
}

/// A workflow's Try it tab.
#[utoipa::path(get, path = "/settings/workflows/{id}/try", tag = "pages", params(("id" = String, Path)),
    responses((status = 200, description = "A past event or a sample event to try the workflow with", content_type = "text/html"),
        (status = 303, description = "Not signed in: to the sign-in page"),
        (status = 403, description = "A page saying `workflows.manage` is needed", content_type = "text/html"),
        (status = 404, description = "No such workflow in this practice", content_type = "text/html")))]
pub(super) async fn page(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Page> {
    let form = FormState::new(&caller.form_token);
    let page = page_of(&state, &caller, &id, None, form, None).await?;
    Page::new(format!("{} · Try it", page.workflow.name), &page)
}

/// The input of a try, from the form; a payload that is not JSON is a
/// field error.
fn input_of(values: &TryForm, w: &Workflow) -> Result<TryInput> {
    let input = event_of(values, w.trigger_kind == "schedule")?;
    let code =
        |given: &Option<String>, saved: &str| given.as_deref().map(plain).filter(|c| c != saved);
    Ok(TryInput {
        condition: code(&values.condition, &w.condition),
        script: code(&values.script, &w.script),
        ..input
    })
}

fn event_of(values: &TryForm, schedule: bool) -> Result<TryInput> {
    match values.source.as_str() {
        "past" if !values.event_id.is_empty() => Ok(TryInput {
            event_id: Some(values.event_id.clone()),
            ..TryInput::default()
        }),
        "past" => Err(AppError::field("event_id", "choose a past event")),
        "sample" => {
            let text = values.sample_payload.trim();
            let payload = if text.is_empty() {
                Value::Object(Default::default())
            } else {
                serde_json::from_str(text)
                    .map_err(|e| AppError::field("sample_payload", format!("not JSON: {e}")))?
            };
            Ok(TryInput {
                sample: Some(Sample {
                    name: values.sample_name.trim().to_string(),
                    payload,
                }),
                ..TryInput::default()
            })
        }
        _ if schedule => Ok(TryInput::default()),
        _ => Err(AppError::field(
            "source",
            "choose a past event or write a sample event",
        )),
    }
}

/// The API's field names (`sample.name`) as the form's (`sample_name`).
fn form_fields(error: AppError) -> AppError {
    match error {
        AppError::Invalid { message, fields } => AppError::Invalid {
            message,
            fields: fields
                .into_iter()
                .map(|(k, v)| (k.replace('.', "_"), v))
                .collect::<FieldErrors>(),
        },
        other => other,
    }
}

/// Tries the workflow: the outcome, effects and log lines, none applied.
#[utoipa::path(post, path = "/settings/workflows/{id}/try", tag = "pages", params(("id" = String, Path)),
    request_body(content = TryForm, content_type = "application/x-www-form-urlencoded"),
    responses((status = 200, description = "What the run did: outcome, effects, log lines, an error with its line and column; nothing of it applied", content_type = "text/html"),
        (status = 403, description = "A page saying `workflows.manage` is needed, or the form token is stale", content_type = "text/html"),
        (status = 404, description = "No such workflow, or event", content_type = "text/html"),
        (status = 422, description = "The form again, what was typed kept, a message beside the field to correct", content_type = "text/html")))]
pub(super) async fn run(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Form(values): Form<TryForm>,
) -> Result<Response> {
    let w = routes::read(&state, &caller, &id).await?;
    if values.source.is_empty() && w.trigger_kind != "schedule" {
        // From the editor's "Try this code": choose the event first.
        let form = FormState::new(&caller.form_token);
        let page = page_of(&state, &caller, &id, Some(values), form, None).await?;
        return Ok(Page::new(format!("{} · Try it", page.workflow.name), &page)?.into_response());
    }
    let outcome = match input_of(&values, &w) {
        Ok(input) => routes::try_workflow(&state, &caller, &id, input).await,
        Err(e) => Err(e),
    };
    let (form, tried, status) = match outcome {
        Ok(t) => {
            let o = &t.outcome;
            let view = TriedView {
                event: t.event.clone(),
                outcome: outcome_words(&o.outcome),
                badge: badge(&o.outcome),
                failed: o.outcome == "failed",
                detail: o
                    .error
                    .as_ref()
                    .map(ToString::to_string)
                    .or_else(|| o.reason.clone())
                    .unwrap_or_default(),
                duration: o.duration_ms,
                effects: o.effects.iter().map(effect_view).collect(),
                logs: o.logs.clone(),
            };
            (
                FormState::new(&caller.form_token),
                Some(view),
                axum::http::StatusCode::OK,
            )
        }
        Err(e) if is_for_the_form(&e) => {
            let e = form_fields(e);
            (
                FormState::failed(&caller.form_token, &e),
                None,
                e.status_code(),
            )
        }
        Err(e) => return Err(e),
    };
    let page = page_of(&state, &caller, &id, Some(values), form, tried).await?;
    Ok(
        Page::new(format!("{} · Try it", page.workflow.name), &page)?
            .status(status)
            .into_response(),
    )
}
