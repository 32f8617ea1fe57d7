//! The HTTP side of modules: administrators list, enable and configure them,
//! and see their jobs. Requests to
//! the modules themselves are in `dispatch`.

use axum::extract::State;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::manifest::{Capabilities, Declarations, NavEntry, PermissionDecl};
use crate::access::Caller;
use crate::api::{ClientAddr, Json, Path};
use crate::audit::{self, Actor};
use crate::error::{AppError, ErrorBody, Result};
use crate::practices::modules as settings;
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_modules))
        .routes(routes!(set_module))
        .routes(routes!(get_settings, put_settings))
        .routes(routes!(list_jobs))
        .routes(routes!(registry_versions))
        .routes(routes!(prepare_version))
        .routes(routes!(install_versions))
        .routes(routes!(rollback_module))
        .merge(super::dispatch::router())
}

#[derive(Serialize, ToSchema)]
pub struct ModuleInfo {
    pub id: String,
    pub name: String,
    pub version: String,
    pub description: String,
    /// The host API the module needs, e.g. `^0.2`.
    pub host_api: String,
    /// The contract that serves it: `0.2.1`, or `0.1.2` for a module built
    /// against 0.1.x; empty when it was refused.
    pub contract: String,
    pub capabilities: Capabilities,
    pub permissions: Vec<PermissionDecl>,
    pub nav: Vec<NavEntry>,
    pub enabled: bool,
    /// `loaded`, or `refused` (see `problem`).
    pub status: &'static str,
    /// Why a refused module could not be loaded.
    pub problem: Option<String>,
    pub source: String,
}

#[derive(Serialize, ToSchema)]
pub struct ModuleList {
    pub items: Vec<ModuleInfo>,
    pub next_cursor: Option<String>,
}

fn info(module: &super::LoadedModule, enabled: bool) -> ModuleInfo {
    let (manifest, source) = (&module.manifest, &module.source);
    ModuleInfo {
        contract: module.pre.contract().version().to_string(),
        id: manifest.id.clone(),
        name: manifest.name.clone(),
        version: manifest.version.to_string(),
        description: manifest.description.clone(),
        host_api: manifest.host_api.to_string(),
        capabilities: manifest.capabilities.clone(),
        permissions: manifest.permissions.clone(),
        nav: manifest.nav.clone(),
        enabled,
        status: "loaded",
        problem: None,
        source: source.to_string(),
    }
}

/// Every module installed on this server, with its state in the practice.
#[utoipa::path(get, path = "/api/v1/modules", tag = "modules",
    responses((status = 200, body = ModuleList), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
async fn list_modules(State(state): State<AppState>, caller: Caller) -> Result<Json<ModuleList>> {
    list(&state, &caller).await.map(|items| {
        Json(ModuleList {
            items,
            next_cursor: None,
        })
    })
}

/// Every installed module with its state in the caller's practice (needs
/// `modules.manage`): loaded ones by name, then refused ones.
pub async fn list(state: &AppState, caller: &Caller) -> Result<Vec<ModuleInfo>> {
    caller.require("modules.manage")?;
    let enabled = settings::enabled_ids(state.db.pool(), &caller.practice).await?;
    let runtime = state.modules.now();
    let mut items: Vec<ModuleInfo> = runtime
        .modules
        .values()
        .map(|m| info(m, enabled.contains(&m.manifest.id)))
        .collect();
    items.sort_by_key(|a| a.name.to_lowercase());
    for refused in &runtime.refused {
        items.push(ModuleInfo {
            id: refused.id.clone(),
            name: refused.id.clone(),
            version: String::new(),
            description: String::new(),
            host_api: String::new(),
            contract: String::new(),
            capabilities: Capabilities::default(),
            permissions: Vec::new(),
            nav: Vec::new(),
            enabled: false,
            status: "refused",
            problem: Some(refused.reason.clone()),
            source: refused.source.clone(),
        });
    }
    Ok(items)
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ModuleSwitch {
    pub enabled: bool,
}

/// Enables or disables a module for the practice.
#[utoipa::path(put, path = "/api/v1/modules/{id}", tag = "modules", params(("id" = String, Path)), request_body = ModuleSwitch,
    responses((status = 200, body = ModuleInfo), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn set_module(
    State(state): State<AppState>,
    caller: Caller,
    client: ClientAddr,
    Path(id): Path<String>,
    Json(input): Json<ModuleSwitch>,
) -> Result<Json<ModuleInfo>> {
    set_enabled(&state, &caller, &client, &id, input.enabled)
        .await
        .map(Json)
}

/// Enables or disables a module for the caller's practice (needs
/// `modules.manage`; audited).
pub async fn set_enabled(
    state: &AppState,
    caller: &Caller,
    client: &ClientAddr,
    id: &str,
    enabled: bool,
) -> Result<ModuleInfo> {
    caller.require("modules.manage")?;
    let Some(module) = state.modules.get(id) else {
        if let Some(refused) = state.modules.now().refused.iter().find(|r| r.id == id) {
            return Err(AppError::conflict(format!(
                "module `{id}` cannot be enabled: {}",
                refused.reason
            )));
        }
        return Err(AppError::NotFound("module"));
    };
    let now = state.now_ms();
    let mut tx = state.db.begin().await?;
    settings::set_enabled(&mut tx, &caller.practice, id, enabled, now).await?;
    if enabled {
        administrators_hold(&mut tx, caller, client, &module.manifest, now).await?;
    }
    let entry = audit::Entry {
        actor: Actor::of(caller),
        action: if enabled {
            "module.enabled"
        } else {
            "module.disabled"
        },
        target: Some(format!("module:{id}")),
        client_addr: Some(&client.0),
        details: serde_json::json!({ "version": module.manifest.version.to_string() }),
    };
    audit::record(&mut *tx, &caller.practice, now, entry).await?;
    tx.commit().await?;
    state.enabled_modules.forget(&caller.practice);
    Ok(info(&module, enabled))
}

/// The built-in Administrator role holds everything, so it gets a module's
/// own permissions when the module is enabled (audited as a role change).
async fn administrators_hold(
    tx: &mut crate::db::Tx,
    caller: &Caller,
    client: &ClientAddr,
    manifest: &super::manifest::Manifest,
    now: i64,
) -> Result<()> {
    let declared: Vec<String> = manifest
        .permissions
        .iter()
        .map(|p| p.name.clone())
        .collect();
    let granted =
        crate::access::roles::grant_to_administrator(tx, &caller.practice, &declared, now).await?;
    if let Some((role_id, added)) = granted {
        let entry = audit::Entry {
            actor: Actor::of(caller),
            action: "role.updated",
            target: Some(format!("role:{role_id}")),
            client_addr: Some(&client.0),
            details: serde_json::json!({ "granted": added, "because": format!("module:{}", manifest.id) }),
        };
        audit::record(&mut **tx, &caller.practice, now, entry).await?;
    }
    Ok(())
}

#[derive(Serialize, ToSchema)]
pub struct ModuleSettings {
    /// Every setting, saved or default.
    #[schema(value_type = Object)]
    pub values: Map<String, Value>,
    /// Send back when saving.
    pub version: i64,
    /// What each setting is and accepts (`plugin.toml`'s declarations, in
    /// their order).
    #[schema(value_type = Object)]
    pub declarations: Declarations,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ModuleSettingsInput {
    #[schema(value_type = Object)]
    pub values: Map<String, Value>,
    pub version: i64,
}

fn loaded(state: &AppState, id: &str) -> Result<std::sync::Arc<super::LoadedModule>> {
    state.modules.get(id).ok_or(AppError::NotFound("module"))
}

/// A module's settings in the practice.
#[utoipa::path(get, path = "/api/v1/modules/{id}/settings", tag = "modules", params(("id" = String, Path)),
    responses((status = 200, body = ModuleSettings), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
async fn get_settings(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<ModuleSettings>> {
    let module = settings_of(&state, &caller, &id)?;
    Ok(Json(read_settings(&state, &caller, &module).await?))
}

/// The module, when the caller may change its settings: `modules.manage`,
/// or the module's own `settings-permission` with `module:{id}`.
pub fn settings_of(
    state: &AppState,
    caller: &Caller,
    id: &str,
) -> Result<std::sync::Arc<super::LoadedModule>> {
    if caller.can("modules.manage") {
        return loaded(state, id);
    }
    let module = loaded(state, id).map_err(|_| AppError::forbidden("modules.manage"))?;
    match &module.manifest.settings_permission {
        Some(p) if caller.can(p) && caller.can(&format!("module:{id}")) => Ok(module),
        _ => Err(AppError::forbidden("modules.manage")),
    }
}

/// A module's settings in the practice as the API shows them.
pub async fn read_settings(
    state: &AppState,
    caller: &Caller,
    module: &super::LoadedModule,
) -> Result<ModuleSettings> {
    let pool = state.db.pool();
    let values = settings::effective(pool, &caller.practice, &module.manifest).await?;
    let version = settings::state(pool, &caller.practice, &module.manifest.id)
        .await?
        .version;
    Ok(ModuleSettings {
        values,
        version,
        declarations: module.manifest.settings.clone(),
    })
}

/// Saves a module's settings; each value is checked against the module's
/// declaration, and a stale version gets 409.
#[utoipa::path(put, path = "/api/v1/modules/{id}/settings", tag = "modules", params(("id" = String, Path)),
    request_body = ModuleSettingsInput,
    responses((status = 200, body = ModuleSettings), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn put_settings(
    State(state): State<AppState>,
    caller: Caller,
    client: ClientAddr,
    Path(id): Path<String>,
    Json(input): Json<ModuleSettingsInput>,
) -> Result<Json<ModuleSettings>> {
    let module = settings_of(&state, &caller, &id)?;
    save_settings(&state, &caller, &client, &module, input).await?;
    Ok(Json(read_settings(&state, &caller, &module).await?))
}

/// Checks and saves a module's settings (audited), for the API and the
/// settings page alike.
pub async fn save_settings(
    state: &AppState,
    caller: &Caller,
    client: &ClientAddr,
    module: &std::sync::Arc<super::LoadedModule>,
    input: ModuleSettingsInput,
) -> Result<()> {
    let id = &module.manifest.id;
    super::settings_check::check(state, caller, module, &input.values).await?;
    let now = state.now_ms();
    let mut tx = state.db.begin().await?;
    settings::save(
        &mut tx,
        &caller.practice,
        &module.manifest,
        input.values.clone(),
        input.version,
        now,
    )
    .await?;
    let entry = audit::Entry {
        actor: Actor::of(caller),
        action: "module.settings_changed",
        target: Some(format!("module:{id}")),
        client_addr: Some(&client.0),
        details: Value::Object(input.values),
    };
    audit::record(&mut *tx, &caller.practice, now, entry).await?;
    // Modules that keep something derived from settings (the helpdesk's
    // search readers follow its categories) subscribe to this.
    let name = "module.settings_changed";
    let payload = serde_json::json!({ "module": id }).to_string();
    crate::change::announce(
        state,
        &mut tx,
        &caller.practice,
        name,
        &payload,
        &crate::change::cause(Some(caller), "host"),
        now,
    )
    .await?;
    crate::change::commit(state, tx).await?;
    state.module_settings.forget(&caller.practice, id);
    Ok(())
}

#[derive(Serialize, ToSchema)]
pub struct JobInfo {
    /// `event` (a delivery to the module) or `timer`.
    pub kind: &'static str,
    /// The event's name, or the timer's key.
    pub name: String,
    /// `pending`, `running`, `done`, `failed` (gave up) or `skipped`.
    pub status: String,
    pub attempts: i64,
    /// When it is (or was last) due, RFC 3339.
    pub next_attempt_at: String,
    /// The error of the latest failed attempt, kept after a later success.
    pub last_error: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct JobList {
    pub items: Vec<JobInfo>,
    pub next_cursor: Option<String>,
}

#[derive(Deserialize, utoipa::IntoParams)]
pub struct JobQuery {
    /// Only jobs in this status.
    pub status: Option<String>,
}

/// A module's recent event deliveries and timers in the practice (newest
/// first, at most 100 of each), with attempts and the last error: where an
/// administrator sees what failed and why.
#[utoipa::path(get, path = "/api/v1/modules/{id}/jobs", tag = "modules", params(("id" = String, Path), JobQuery),
    responses((status = 200, body = JobList), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn list_jobs(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    crate::api::Query(q): crate::api::Query<JobQuery>,
) -> Result<Json<JobList>> {
    caller.require("modules.manage")?;
    loaded(&state, &id)?;
    if let Some(s) = &q.status
        && !["pending", "running", "done", "failed", "skipped"].contains(&s.as_str())
    {
        return Err(AppError::field(
            "status",
            "one of pending, running, done, failed, skipped",
        ));
    }
    use sqlx::Row;
    let pool = state.db.pool();
    let deliveries = sqlx::query(
        "SELECT e.name, d.status, d.attempts, d.next_attempt_at, d.last_error FROM event_deliveries d \
         JOIN events e ON e.id = d.event_id WHERE d.practice_id = $1 AND d.subscriber = $2 \
         AND (CAST($3 AS TEXT) IS NULL OR d.status = $3) ORDER BY d.id DESC LIMIT 100",
    )
    .bind(caller.practice.id())
    .bind(&id)
    .bind(q.status.as_deref())
    .fetch_all(pool)
    .await?;
    let timers = sqlx::query(
        "SELECT timer_key AS name, status, attempts, next_attempt_at, last_error FROM module_timers \
         WHERE practice_id = $1 AND module_id = $2 AND (CAST($3 AS TEXT) IS NULL OR status = $3) \
         ORDER BY id DESC LIMIT 100",
    )
    .bind(caller.practice.id())
    .bind(&id)
    .bind(q.status.as_deref())
    .fetch_all(pool)
    .await?;
    let rows = deliveries
        .iter()
        .map(|r| ("event", r))
        .chain(timers.iter().map(|r| ("timer", r)));
    let items = rows
        .map(|(kind, r)| {
            Ok(JobInfo {
                kind,
                name: r.try_get("name")?,
                status: r.try_get("status")?,
                attempts: r.try_get("attempts")?,
                next_attempt_at: crate::clock::rfc3339(r.try_get("next_attempt_at")?),
                last_error: r.try_get("last_error")?,
            })
        })
        .collect::<sqlx::Result<_>>()?;
    Ok(Json(JobList {
        items,
        next_cursor: None,
    }))
}

/// A version of a module, to prepare.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VersionChoice {
    pub version: String,
}

/// Prepared versions to make active, as `id@version`, in the order given
/// by `prepare`.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InstallSteps {
    pub steps: Vec<String>,
}

/// Parses `id@version` steps; at most a few dozen.
pub fn parse_steps(steps: &[String]) -> Result<Vec<(String, semver::Version)>> {
    if steps.is_empty() || steps.len() > 50 {
        return Err(AppError::invalid(
            "give between 1 and 50 steps (id@version)",
        ));
    }
    steps
        .iter()
        .map(|s| {
            let (id, v) = s
                .split_once('@')
                .ok_or_else(|| AppError::invalid(format!("{s:?} is not id@version")))?;
            if !crate::modules::manifest::is_module_id(id) {
                return Err(AppError::invalid(format!("{id:?} is not a module id")));
            }
            let v = semver::Version::parse(v)
                .map_err(|e| AppError::invalid(format!("{v:?} is not a version: {e}")))?;
            Ok((id.to_string(), v))
        })
        .collect()
}

/// The registry's modules and versions, each with whether this server can
/// run it (for the server's operators).
#[utoipa::path(get, path = "/api/v1/server/modules", tag = "modules",
    responses((status = 200, body = Vec<super::installs::ModuleVersions>), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody, description = "Not one of the server's operators"),
        (status = 409, body = ErrorBody, description = "No registry, or the registry refused (expired, older, tampered)")))]
async fn registry_versions(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Vec<super::installs::ModuleVersions>>> {
    super::installs::versions(&state, &caller).await.map(Json)
}

/// Downloads and checks a version (and the modules it needs) and says what
/// each asks for; nothing runs until `install`.
#[utoipa::path(post, path = "/api/v1/server/modules/{id}/prepare", tag = "modules", params(("id" = String, Path)),
    request_body = VersionChoice,
    responses((status = 200, body = Vec<super::installs::Prepared>), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn prepare_version(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Json(input): Json<VersionChoice>,
) -> Result<Json<Vec<super::installs::Prepared>>> {
    let [(id, version)] = parse_steps(&[format!("{id}@{}", input.version)])?
        .try_into()
        .map_err(|_| AppError::invalid("one version"))?;
    super::installs::prepare(&state, &caller, &id, &version)
        .await
        .map(Json)
}

/// Makes prepared versions active, each checked and undone by itself when
/// it does not answer.
#[utoipa::path(post, path = "/api/v1/server/modules/install", tag = "modules", request_body = InstallSteps,
    responses((status = 200, body = Vec<super::installs::Outcome>), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn install_versions(
    State(state): State<AppState>,
    caller: Caller,
    client: ClientAddr,
    Json(input): Json<InstallSteps>,
) -> Result<Json<Vec<super::installs::Outcome>>> {
    let steps = parse_steps(&input.steps)?;
    super::installs::install(&state, &caller, &client, &steps)
        .await
        .map(Json)
}

/// Goes back to the version a module ran before its last change, with its
/// documents as they were then (no network).
#[utoipa::path(post, path = "/api/v1/server/modules/{id}/rollback", tag = "modules", params(("id" = String, Path)),
    responses((status = 200, body = super::installs::Outcome), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn rollback_module(
    State(state): State<AppState>,
    caller: Caller,
    client: ClientAddr,
    Path(id): Path<String>,
) -> Result<Json<super::installs::Outcome>> {
    super::installs::rollback(&state, &caller, &client, &id)
        .await
        .map(Json)
}
