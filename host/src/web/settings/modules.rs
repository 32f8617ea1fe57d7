//! Settings → Modules: every installed module with its version, what it is
//! for and the capabilities it asks for, switched on or off per practice;
//! and each module's settings, on a form drawn from its declarations.

use askama::Template;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Map, Value};
use utoipa::ToSchema;

use super::module_form;
use crate::access::Caller;
use crate::api::{ClientAddr, Path};
use crate::error::{FieldErrors, Result};
use crate::modules::LoadedModule;
use crate::modules::routes::{
    ModuleInfo, ModuleSettingsInput, list, read_settings, save_settings, set_enabled, settings_of,
};
use crate::state::AppState;
use crate::web::form::{Form, is_for_the_form, problems};
use crate::web::shell::{Page, saved};

struct Card {
    module: ModuleInfo,
    asks_for: Vec<String>,
    /// Whether it declares settings the host's page shows.
    has_settings: bool,
    /// Its running version was withdrawn by its publisher.
    warning: Option<String>,
}

#[derive(Template)]
#[template(path = "settings/modules.html")]
struct ListTemplate<'a> {
    cards: Vec<Card>,
    csrf: &'a str,
    /// The newest contract: a module served by another is pointed out.
    current_contract: String,
    /// One of the server's operators, who may install versions.
    operator: bool,
}

/// Settings → Modules.
#[utoipa::path(get, path = "/settings/modules", tag = "pages",
    responses((status = 200, description = "Installed modules and their state in the practice", content_type = "text/html"),
        (status = 303, description = "Not signed in: to the sign-in page"),
        (status = 403, description = "A page saying `modules.manage` is needed", content_type = "text/html")))]
pub(super) async fn list_page(State(state): State<AppState>, caller: Caller) -> Result<Page> {
    let cards = list(&state, &caller)
        .await?
        .into_iter()
        .map(|module| {
            let loaded = state.modules.get(&module.id);
            let mut asks_for = module.capabilities.in_words();
            asks_for.extend(
                loaded
                    .as_ref()
                    .map(|m| m.manifest.reach_in_words())
                    .unwrap_or_default(),
            );
            Card {
                warning: crate::modules::installs::yanked_warning(&state, &module.id),
                asks_for,
                has_settings: loaded.is_some_and(|m| !m.manifest.settings.is_empty()),
                module,
            }
        })
        .collect();
    Page::new(
        "Modules",
        &ListTemplate {
            cards,
            csrf: &caller.form_token,
            current_contract: immcase_manifest::HOST_API.to_string(),
            operator: crate::access::operators::is_operator(state.db.pool(), &caller).await?,
        },
    )
}

#[derive(Deserialize, ToSchema)]
pub struct SwitchForm {
    /// `true` to enable, `false` to disable.
    enabled: bool,
    #[serde(rename = "_csrf")]
    #[allow(dead_code)]
    csrf: Option<String>,
}

/// Enables or disables a module for the practice.
#[utoipa::path(post, path = "/settings/modules/{id}", tag = "pages", params(("id" = String, Path)),
    request_body(content = SwitchForm, content_type = "application/x-www-form-urlencoded"),
    responses((status = 303, description = "Done: back to the list, with a message"),
        (status = 403, description = "A page saying `modules.manage` is needed, or the form token is stale", content_type = "text/html"),
        (status = 404, description = "No such module", content_type = "text/html"),
        (status = 409, description = "A page saying why the module cannot be enabled", content_type = "text/html")))]
pub(super) async fn switch(
    State(state): State<AppState>,
    caller: Caller,
    client: ClientAddr,
    Path(id): Path<String>,
    Form(input): Form<SwitchForm>,
) -> Result<Response> {
    let module = set_enabled(&state, &caller, &client, &id, input.enabled).await?;
    let done = if module.enabled {
        "enabled: it is in the sidebar of everyone whose role reaches it"
    } else {
        "disabled"
    };
    Ok(saved(
        "/settings/modules",
        format!("{} is {done}.", module.name),
    ))
}

#[derive(Template)]
#[template(path = "settings/module_settings.html")]
struct SettingsTemplate<'a> {
    id: &'a str,
    name: &'a str,
    description: &'a str,
    version: i64,
    summary: String,
    problem: Option<String>,
    fields: String,
    csrf: &'a str,
}

/// The settings page of one module, drawn from its declarations.
async fn settings_form(
    state: &AppState,
    caller: &Caller,
    module: &LoadedModule,
    values: &Map<String, Value>,
    version: i64,
    errors: &FieldErrors,
    problem: Option<String>,
) -> Result<Page> {
    let people = crate::access::people::all(state.db.pool(), &caller.practice).await?;
    let manifest = &module.manifest;
    let fields = module_form::draw(
        &manifest.settings,
        values,
        &module_form::FormContext {
            errors,
            people: &people,
        },
    );
    Page::new(
        format!("{} settings", manifest.name),
        &SettingsTemplate {
            id: &manifest.id,
            name: &manifest.name,
            description: &manifest.description,
            version,
            summary: module_form::summary(&manifest.settings, errors),
            problem,
            fields,
            csrf: &caller.form_token,
        },
    )
}

/// A module's settings as a form.
#[utoipa::path(get, path = "/settings/modules/{id}/settings", tag = "pages", params(("id" = String, Path)),
    responses((status = 200, description = "The module's settings, drawn from its declarations", content_type = "text/html"),
        (status = 303, description = "Not signed in: to the sign-in page"),
        (status = 403, description = "A page saying `modules.manage` (or the module's settings permission) is needed", content_type = "text/html"),
        (status = 404, description = "No such module", content_type = "text/html")))]
pub(super) async fn settings_page(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Page> {
    let module = settings_of(&state, &caller, &id)?;
    let current = read_settings(&state, &caller, &module).await?;
    settings_form(
        &state,
        &caller,
        &module,
        &current.values,
        current.version,
        &FieldErrors::new(),
        None,
    )
    .await
}

/// Saves a module's settings from its form: back to the page with a
/// message, or the form again as typed with each mistake beside its field.
#[utoipa::path(post, path = "/settings/modules/{id}/settings", tag = "pages", params(("id" = String, Path)),
    request_body(content = Object, description = "The settings' inputs, named by path (`categories[0].label`), and `version`", content_type = "application/x-www-form-urlencoded"),
    responses((status = 303, description = "Saved: back to the page, with a message"),
        (status = 403, description = "A page saying `modules.manage` is needed, or the form token is stale", content_type = "text/html"),
        (status = 404, description = "No such module", content_type = "text/html"),
        (status = 409, description = "The form again: someone else saved the settings meanwhile", content_type = "text/html"),
        (status = 422, description = "The form again as typed, each mistake beside its field", content_type = "text/html")))]
pub(super) async fn save_settings_page(
    State(state): State<AppState>,
    caller: Caller,
    client: ClientAddr,
    Path(id): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response> {
    let module = settings_of(&state, &caller, &id)?;
    let version = pairs
        .iter()
        .find(|(k, _)| k == "version")
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    let values = module_form::read(&module.manifest.settings, &module_form::Posted::new(pairs));
    let input = ModuleSettingsInput {
        values: values.clone(),
        version,
    };
    match save_settings(&state, &caller, &client, &module, input).await {
        Ok(()) => Ok(saved(
            &format!("/settings/modules/{id}/settings"),
            format!("{} settings saved.", module.manifest.name),
        )),
        Err(e) if is_for_the_form(&e) => {
            let status = e.status_code();
            let (errors, problem) = problems(&e);
            let page =
                settings_form(&state, &caller, &module, &values, version, &errors, problem).await?;
            Ok(page.status(status).into_response())
        }
        Err(e) => Err(e),
    }
}
