//! Settings → Workflows → Email templates: the messages `send_email`
//! sends, with `{{key}}` placeholders filled from the script's data.

use askama::Template;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::access::Caller;
use crate::api::Path;
use crate::error::{AppError, Result};
use crate::state::AppState;
use crate::web::FormState;
use crate::web::form::{Form, is_for_the_form};
use crate::web::shell::{Page, saved};
use crate::workflows::routes::{self, TemplateInput};
use crate::workflows::store::{self, Template as EmailTemplate};
use crate::workflows::{MANAGE, examples::EXAMPLES};

#[derive(Template)]
#[template(path = "workflows/templates.html")]
struct ListTemplate {
    templates: Vec<EmailTemplate>,
}

/// Settings → Workflows → Email templates.
#[utoipa::path(get, path = "/settings/workflows/templates", tag = "pages",
    responses((status = 200, description = "The email templates workflows send", content_type = "text/html"),
        (status = 303, description = "Not signed in: to the sign-in page"),
        (status = 403, description = "A page saying `workflows.manage` is needed", content_type = "text/html")))]
pub(super) async fn list_page(State(state): State<AppState>, caller: Caller) -> Result<Page> {
    caller.require(MANAGE)?;
    let templates = store::templates(state.db.pool(), &caller.practice).await?;
    Page::new("Email templates", &ListTemplate { templates })
}

/// A template's form: what is saved, or what was typed.
#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
pub struct TemplateForm {
    /// Only for a new template: lowercase letters, digits, `-` and `_`.
    #[serde(default)]
    name: String,
    #[serde(default)]
    subject: String,
    #[serde(default)]
    body: String,
    #[serde(rename = "_csrf")]
    #[allow(dead_code)]
    csrf: Option<String>,
}

#[derive(Template)]
#[template(path = "workflows/template_form.html")]
struct FormTemplate {
    /// The saved template's name, when changing one.
    saved_name: Option<String>,
    values: TemplateForm,
    form: FormState,
    /// Names the examples send that no template has yet.
    missing: Vec<&'static str>,
}

async fn form_page(
    state: &AppState,
    caller: &Caller,
    saved_name: Option<String>,
    values: TemplateForm,
    form: FormState,
) -> Result<FormTemplate> {
    let have = store::templates(state.db.pool(), &caller.practice).await?;
    let missing = EXAMPLES
        .iter()
        .flat_map(|e| e.templates.iter().copied())
        .filter(|n| !have.iter().any(|t| t.name == *n))
        .collect();
    Ok(FormTemplate {
        saved_name,
        values,
        form,
        missing,
    })
}

/// Settings → Workflows → Email templates → New template.
#[utoipa::path(get, path = "/settings/workflows/templates/new", tag = "pages",
    responses((status = 200, description = "The form for a new template", content_type = "text/html"),
        (status = 303, description = "Not signed in: to the sign-in page"),
        (status = 403, description = "A page saying `workflows.manage` is needed", content_type = "text/html")))]
pub(super) async fn new_page(State(state): State<AppState>, caller: Caller) -> Result<Page> {
    caller.require(MANAGE)?;
    let form = FormState::new(&caller.form_token);
    let page = form_page(&state, &caller, None, TemplateForm::default(), form).await?;
    Page::new("New email template", &page)
}

fn input(values: &TemplateForm) -> TemplateInput {
    TemplateInput {
        subject: values.subject.clone(),
        body: values.body.replace("\r\n", "\n"),
    }
}

/// Saves the template and goes back to the list; a refusal shows the form
/// again.
async fn save_form(
    state: &AppState,
    caller: &Caller,
    name: &str,
    saved_name: Option<String>,
    values: TemplateForm,
) -> Result<Response> {
    match routes::save_template(state, caller, name, input(&values)).await {
        Ok(t) => Ok(saved(
            "/settings/workflows/templates",
            format!("The email template {} is saved.", t.name),
        )),
        Err(e) if is_for_the_form(&e) => {
            let form = FormState::failed(&caller.form_token, &e);
            let page = form_page(state, caller, saved_name, values, form).await?;
            Ok(Page::new("Email template", &page)?
                .status(e.status_code())
                .into_response())
        }
        Err(e) => Err(e),
    }
}

/// Creates a template from the form.
#[utoipa::path(post, path = "/settings/workflows/templates", tag = "pages",
    request_body(content = TemplateForm, content_type = "application/x-www-form-urlencoded"),
    responses((status = 303, description = "Saved: to the list, with a message"),
        (status = 403, description = "A page saying `workflows.manage` is needed, or the form token is stale", content_type = "text/html"),
        (status = 422, description = "The form again, what was typed kept, a message beside each field to correct (a name another template has)", content_type = "text/html")))]
pub(super) async fn create(
    State(state): State<AppState>,
    caller: Caller,
    Form(values): Form<TemplateForm>,
) -> Result<Response> {
    caller.require(MANAGE)?;
    let name = values.name.trim().to_string();
    if !name.is_empty()
        && store::template(state.db.pool(), &caller.practice, &name)
            .await?
            .is_some()
    {
        let e = AppError::field(
            "name",
            "a template of this name exists: choose another name, or change that one",
        );
        let form = FormState::failed(&caller.form_token, &e);
        let page = form_page(&state, &caller, None, values, form).await?;
        return Ok(Page::new("New email template", &page)?
            .status(e.status_code())
            .into_response());
    }
    save_form(&state, &caller, &name, None, values).await
}

/// Settings → Workflows → Email templates → one template.
#[utoipa::path(get, path = "/settings/workflows/templates/{name}", tag = "pages", params(("name" = String, Path)),
    responses((status = 200, description = "The form to change the template", content_type = "text/html"),
        (status = 303, description = "Not signed in: to the sign-in page"),
        (status = 403, description = "A page saying `workflows.manage` is needed", content_type = "text/html"),
        (status = 404, description = "No such template", content_type = "text/html")))]
pub(super) async fn edit_page(
    State(state): State<AppState>,
    caller: Caller,
    Path(name): Path<String>,
) -> Result<Page> {
    caller.require(MANAGE)?;
    let t = store::template(state.db.pool(), &caller.practice, &name)
        .await?
        .ok_or(AppError::NotFound("template"))?;
    let values = TemplateForm {
        name: t.name.clone(),
        subject: t.subject,
        body: t.body,
        csrf: None,
    };
    let form = FormState::new(&caller.form_token);
    let page = form_page(&state, &caller, Some(t.name), values, form).await?;
    Page::new(format!("Email template {name}"), &page)
}

/// Saves a template.
#[utoipa::path(post, path = "/settings/workflows/templates/{name}", tag = "pages", params(("name" = String, Path)),
    request_body(content = TemplateForm, content_type = "application/x-www-form-urlencoded"),
    responses((status = 303, description = "Saved: to the list, with a message"),
        (status = 403, description = "A page saying `workflows.manage` is needed, or the form token is stale", content_type = "text/html"),
        (status = 422, description = "The form again, what was typed kept, a message beside each field to correct", content_type = "text/html")))]
pub(super) async fn save(
    State(state): State<AppState>,
    caller: Caller,
    Path(name): Path<String>,
    Form(values): Form<TemplateForm>,
) -> Result<Response> {
    let values = TemplateForm {
        name: name.clone(),
        ..values
    };
    save_form(&state, &caller, &name, Some(name.clone()), values).await
}

/// A post with only the form token.
#[derive(Deserialize, ToSchema)]
pub struct TemplateDeleteForm {
    #[serde(rename = "_csrf")]
    #[allow(dead_code)]
    csrf: Option<String>,
}

/// Deletes a template; workflows that send it fail until it exists again.
#[utoipa::path(post, path = "/settings/workflows/templates/{name}/delete", tag = "pages", params(("name" = String, Path)),
    request_body(content = TemplateDeleteForm, content_type = "application/x-www-form-urlencoded"),
    responses((status = 303, description = "Deleted: to the list, with a message"),
        (status = 403, description = "A page saying `workflows.manage` is needed, or the form token is stale", content_type = "text/html"),
        (status = 404, description = "No such template", content_type = "text/html")))]
pub(super) async fn delete(
    State(state): State<AppState>,
    caller: Caller,
    Path(name): Path<String>,
    Form(_button): Form<TemplateDeleteForm>,
) -> Result<Response> {
    routes::remove_template(&state, &caller, &name).await?;
    Ok(saved(
        "/settings/workflows/templates",
        format!("The email template {name} is deleted."),
    ))
}
