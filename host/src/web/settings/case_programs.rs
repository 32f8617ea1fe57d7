//! Settings → Case programs: the practice's list of programs, each renamed
//! or switched off in place, a new one added, an unused one deleted; on the
//! functions of `/api/v1/case-programs`.

use askama::Template;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::access::Caller;
use crate::api::{ClientAddr, Path};
use crate::error::{AppError, Result};
use crate::records::programs::{self, CaseProgram, MANAGE, NewProgram, ProgramPatch};
use crate::state::AppState;
use crate::web::FormState;
use crate::web::form::{Form, is_for_the_form, ticked};
use crate::web::shell::{Page, saved};

const LIST: &str = "/settings/case-programs";

/// A program's row: as saved, or as typed when its save failed.
struct Row {
    program: CaseProgram,
    label: String,
    active: bool,
    version: i64,
    form: Option<FormState>,
}

impl Row {
    fn error(&self, field: &str) -> Option<&str> {
        self.form.as_ref().and_then(|f| f.error(field))
    }

    fn problem(&self) -> Option<&str> {
        self.form.as_ref().and_then(|f| f.problem.as_deref())
    }
}

#[derive(Template)]
#[template(path = "settings/case_programs.html")]
struct ListTemplate {
    rows: Vec<Row>,
    csrf: String,
    /// The "Add a program" form.
    new: NewForm,
    form: FormState,
}

/// The form adding a program.
#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
pub struct NewForm {
    label: String,
    /// Optional: made from the label when empty.
    #[serde(default)]
    key: String,
    #[serde(rename = "_csrf")]
    #[allow(dead_code)]
    csrf: Option<String>,
}

/// The form of one program's row.
#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
pub struct ProgramForm {
    label: String,
    /// Present (any value) when "offered for new cases" is ticked.
    active: Option<String>,
    /// The version the row was shown at.
    version: Option<i64>,
    #[serde(rename = "_csrf")]
    #[allow(dead_code)]
    csrf: Option<String>,
}

async fn list_template(state: &AppState, caller: &Caller) -> Result<ListTemplate> {
    caller.require(MANAGE)?;
    let rows = programs::list(state, caller)
        .await?
        .into_iter()
        .map(|program| Row {
            label: program.label.clone(),
            active: program.active,
            version: program.version,
            program,
            form: None,
        })
        .collect();
    Ok(ListTemplate {
        rows,
        csrf: caller.form_token.clone(),
        new: NewForm::default(),
        form: FormState::new(&caller.form_token),
    })
}

fn framed(template: &ListTemplate, status: axum::http::StatusCode) -> Result<Response> {
    Ok(Page::new("Case programs", template)?
        .status(status)
        .into_response())
}

/// Settings → Case programs.
#[utoipa::path(get, path = "/settings/case-programs", tag = "pages",
    responses((status = 200, description = "The practice's case programs", content_type = "text/html"),
        (status = 303, description = "Not signed in: to the sign-in page"),
        (status = 403, description = "A page saying `settings.manage` is needed", content_type = "text/html")))]
pub(super) async fn list_page(State(state): State<AppState>, caller: Caller) -> Result<Response> {
    framed(
        &list_template(&state, &caller).await?,
        axum::http::StatusCode::OK,
    )
}

/// Adds a program, offered for new cases at once.
#[utoipa::path(post, path = "/settings/case-programs", tag = "pages",
    request_body(content = NewForm, content_type = "application/x-www-form-urlencoded"),
    responses((status = 303, description = "Added: to the list, with a message"),
        (status = 403, description = "A page saying `settings.manage` is needed, or the form token is stale", content_type = "text/html"),
        (status = 422, description = "The list again, what was typed kept, a message beside each field to correct", content_type = "text/html")))]
pub(super) async fn create(
    State(state): State<AppState>,
    caller: Caller,
    client: ClientAddr,
    Form(values): Form<NewForm>,
) -> Result<Response> {
    let new = NewProgram {
        key: Some(values.key.clone()),
        label: values.label.clone(),
    };
    match programs::create(&state, &caller, &client, new).await {
        Ok(p) => Ok(saved(
            LIST,
            format!("{} is added and offered for new cases.", p.label),
        )),
        Err(e) if is_for_the_form(&e) => {
            let mut template = list_template(&state, &caller).await?;
            template.new = values;
            template.form = FormState::failed(&caller.form_token, &e);
            framed(&template, e.status_code())
        }
        Err(e) => Err(e),
    }
}

/// Renames a program or switches it on or off. A row saved by someone else
/// meanwhile comes back as saved now, with a message.
#[utoipa::path(post, path = "/settings/case-programs/{key}", tag = "pages", params(("key" = String, Path)),
    request_body(content = ProgramForm, content_type = "application/x-www-form-urlencoded"),
    responses((status = 303, description = "Saved: to the list, with a message"),
        (status = 403, description = "A page saying `settings.manage` is needed, or the form token is stale", content_type = "text/html"),
        (status = 404, description = "No such program in this practice", content_type = "text/html"),
        (status = 409, description = "The list again, the row as saved now, saying someone else changed it", content_type = "text/html"),
        (status = 422, description = "The list again, what was typed kept, a message beside the label", content_type = "text/html")))]
pub(super) async fn update(
    State(state): State<AppState>,
    caller: Caller,
    client: ClientAddr,
    Path(key): Path<String>,
    Form(values): Form<ProgramForm>,
) -> Result<Response> {
    caller.require(MANAGE)?;
    let version = values
        .version
        .ok_or_else(|| AppError::field("version", "reload the page and try again"))?;
    let patch = ProgramPatch {
        label: Some(values.label.clone()),
        active: Some(ticked(&values.active)),
        version: Some(version),
    };
    let error = match programs::update(&state, &caller, &client, &key, version, patch).await {
        Ok(p) => {
            let state_now = if p.active {
                "offered for new cases"
            } else {
                "switched off: cases that have it keep it, new cases cannot take it"
            };
            return Ok(saved(LIST, format!("{} is saved, {state_now}.", p.label)));
        }
        Err(e) if is_for_the_form(&e) => e,
        Err(e) => return Err(e),
    };
    let stale = matches!(&error, AppError::Conflict { .. });
    let mut template = list_template(&state, &caller).await?;
    if let Some(row) = template.rows.iter_mut().find(|r| r.program.key == key) {
        if !stale {
            row.label = values.label;
            row.active = ticked(&values.active);
            row.version = version;
        }
        row.form = Some(FormState::failed(&caller.form_token, &error));
    }
    framed(&template, error.status_code())
}

/// Deletes a program no case has.
#[utoipa::path(post, path = "/settings/case-programs/{key}/delete", tag = "pages", params(("key" = String, Path)),
    request_body(content = crate::web::sign_in::CsrfOnly, content_type = "application/x-www-form-urlencoded"),
    responses((status = 303, description = "Deleted: to the list, with a message"),
        (status = 403, description = "A page saying `settings.manage` is needed, or the form token is stale", content_type = "text/html"),
        (status = 404, description = "No such program in this practice", content_type = "text/html"),
        (status = 409, description = "A page saying cases have it, so it can only be switched off", content_type = "text/html")))]
pub(super) async fn delete(
    State(state): State<AppState>,
    caller: Caller,
    client: ClientAddr,
    Path(key): Path<String>,
) -> Result<Response> {
    let p = programs::delete(&state, &caller, &client, &key).await?;
    Ok(saved(LIST, format!("{} is deleted.", p.label)))
}
