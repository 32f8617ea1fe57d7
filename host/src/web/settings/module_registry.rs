//! Settings → Modules → Versions, for the server's operators: every module
//! of the server's registry with each version, the ones this server cannot
//! run greyed with the reason, and the consent page that shows what a
//! version asks for (and on an upgrade what changed) before it runs.
//! Installing, upgrading and rolling back go through `modules::installs`.

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use serde::Deserialize;
use utoipa::ToSchema;

use crate::access::{Caller, operators};
use crate::api::{ClientAddr, Path};
use crate::error::{AppError, Result};
use crate::modules::installs::{self, ModuleVersions, Outcome, Prepared};
use crate::modules::routes::parse_steps;
use crate::state::AppState;
use crate::web::form::Form;
use crate::web::shell::{Page, refused, saved};

const LIST: &str = "/settings/modules/registry";

#[derive(Template)]
#[template(path = "settings/module_registry.html")]
struct ListTemplate<'a> {
    modules: Vec<Row>,
    /// Why the registry could not be read, in view.
    problem: Option<String>,
    csrf: &'a str,
}

struct Row {
    module: ModuleVersions,
    name: String,
}

/// Settings → Modules → Versions.
#[utoipa::path(get, path = "/settings/modules/registry", tag = "pages",
    responses((status = 200, description = "The registry's modules and versions, each with what this server can run", content_type = "text/html"),
        (status = 303, description = "Not signed in: to the sign-in page"),
        (status = 403, description = "A page saying installing is for the server's operators", content_type = "text/html")))]
pub(super) async fn list_page(State(state): State<AppState>, caller: Caller) -> Result<Page> {
    operators::require(state.db.pool(), &caller).await?;
    let (modules, problem) = match installs::versions(&state, &caller).await {
        Ok(modules) => (modules, None),
        Err(AppError::Conflict { message, .. }) => (Vec::new(), Some(message)),
        Err(e) => return Err(e),
    };
    let modules = modules
        .into_iter()
        .map(|module| Row {
            name: state
                .modules
                .get(&module.id)
                .map(|m| m.manifest.name.clone())
                .unwrap_or_else(|| module.id.clone()),
            module,
        })
        .collect();
    Page::new(
        "Module versions",
        &ListTemplate {
            modules,
            problem,
            csrf: &caller.form_token,
        },
    )
}

#[derive(Template)]
#[template(path = "settings/module_consent.html")]
struct ConsentTemplate<'a> {
    steps: Vec<Prepared>,
    /// `id@version` of every step, in order, for the form.
    plan: Vec<String>,
    csrf: &'a str,
}

/// What installing a version takes and asks for, before anything runs.
#[utoipa::path(get, path = "/settings/modules/registry/{id}/{version}", tag = "pages",
    params(("id" = String, Path), ("version" = String, Path)),
    responses((status = 200, description = "What the version (and the modules it needs) asks for, to accept", content_type = "text/html"),
        (status = 403, description = "A page saying installing is for the server's operators", content_type = "text/html"),
        (status = 409, description = "A page saying why it cannot be installed (the solver's reasons, a refused package)", content_type = "text/html"),
        (status = 422, description = "Not a module id or a version", content_type = "text/html")))]
pub(super) async fn consent_page(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, version)): Path<(String, String)>,
) -> Result<Page> {
    let [(id, version)] = parse_steps(&[format!("{id}@{version}")])?
        .try_into()
        .map_err(|_| AppError::invalid("one version"))?;
    let steps = installs::prepare(&state, &caller, &id, &version).await?;
    let plan = steps
        .iter()
        .map(|s| format!("{}@{}", s.id, s.version))
        .collect();
    Page::new(
        format!("Install {id} {version}"),
        &ConsentTemplate {
            steps,
            plan,
            csrf: &caller.form_token,
        },
    )
}

#[derive(Deserialize, ToSchema)]
pub struct InstallForm {
    /// `id@version`, comma-separated, as the consent page lists them.
    steps: String,
    #[serde(rename = "_csrf")]
    #[allow(dead_code)]
    csrf: Option<String>,
}

/// Installs what the operator accepted.
#[utoipa::path(post, path = "/settings/modules/registry/install", tag = "pages",
    request_body(content = InstallForm, content_type = "application/x-www-form-urlencoded"),
    responses((status = 303, description = "Done or undone: back to the versions, with what happened"),
        (status = 403, description = "A page saying installing is for the server's operators", content_type = "text/html"),
        (status = 409, description = "A page saying why nothing was installed", content_type = "text/html")))]
pub(super) async fn install(
    State(state): State<AppState>,
    caller: Caller,
    client: ClientAddr,
    Form(input): Form<InstallForm>,
) -> Result<Response> {
    let steps: Vec<String> = input
        .steps
        .split(',')
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect();
    let steps = parse_steps(&steps)?;
    let outcomes = installs::install(&state, &caller, &client, &steps).await?;
    Ok(told(&state, &outcomes))
}

/// Goes back to the version before.
#[utoipa::path(post, path = "/settings/modules/registry/{id}/rollback", tag = "pages",
    params(("id" = String, Path)),
    responses((status = 303, description = "Back to the versions, with what happened"),
        (status = 403, description = "A page saying installing is for the server's operators", content_type = "text/html"),
        (status = 409, description = "A page saying there is nothing to go back to", content_type = "text/html")))]
pub(super) async fn rollback(
    State(state): State<AppState>,
    caller: Caller,
    client: ClientAddr,
    Path(id): Path<String>,
) -> Result<Response> {
    let outcome = installs::rollback(&state, &caller, &client, &id).await?;
    Ok(told(&state, &[outcome]))
}

/// Back to the list with each outcome in view; an undone one as a refusal.
fn told(state: &AppState, outcomes: &[Outcome]) -> Response {
    let name = |id: &str| {
        state
            .modules
            .get(id)
            .map(|m| m.manifest.name.clone())
            .unwrap_or_else(|| id.to_string())
    };
    let mut done = Vec::new();
    for o in outcomes {
        if o.outcome == "undone" {
            let runs = match &o.from {
                Some(v) => format!("{} {v} runs as before.", name(&o.id)),
                None => format!("{} is not running.", name(&o.id)),
            };
            return refused(
                LIST,
                &format!(
                    "{} {} was undone: it did not answer its check.",
                    name(&o.id),
                    o.version
                ),
                &[o.reason.clone().unwrap_or_default(), runs],
            );
        }
        done.push(match o.outcome {
            "rolled_back" => format!("{} is back at {}.", name(&o.id), o.version),
            _ => format!("{} {} is installed and running.", name(&o.id), o.version),
        });
    }
    saved(LIST, done.join(" "))
}
