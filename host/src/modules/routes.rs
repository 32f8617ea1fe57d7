//! The HTTP side of modules: administrators list, enable and configure them;
//! everyone gets the sidebar (`/api/v1/nav`); and `/api/v1/m/{module}/...` and
//! `/m/{module}/...` reach the module's `handle-http` once the host has checked
//! that the module is enabled for the practice and the caller holds
//! `module:{id}`.

use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::bindings::{self, HttpRequest};
use super::manifest::{Capabilities, Manifest, NavEntry, PermissionDecl, SettingDecl};
use super::{call, settings};
use crate::api::{ClientAddr, Json, Path};
use crate::audit::{self, Actor};
use crate::auth::Caller;
use crate::error::{AppError, ErrorBody, Result};
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_modules))
        .routes(routes!(set_module))
        .routes(routes!(get_settings, put_settings))
        .routes(routes!(list_jobs))
        .routes(routes!(nav))
        .routes(routes!(module_api))
        .routes(routes!(module_api_root))
        .routes(routes!(module_page))
        .routes(routes!(module_page_root))
        .routes(routes!(module_api_slash))
        .routes(routes!(module_page_slash))
}

/// Largest response a module may return.
const MAX_RESPONSE_BYTES: usize = 16 * 1024 * 1024;

#[derive(Serialize, ToSchema)]
pub struct ModuleInfo {
    pub id: String,
    pub name: String,
    pub version: String,
    pub description: String,
    /// The host API the module needs, e.g. `^0.1`.
    pub host_api: String,
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

fn info(manifest: &Manifest, enabled: bool, source: &str) -> ModuleInfo {
    ModuleInfo {
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
    let mut items: Vec<ModuleInfo> = state
        .modules
        .modules
        .values()
        .map(|m| info(&m.manifest, enabled.contains(&m.manifest.id), &m.source))
        .collect();
    items.sort_by_key(|a| a.name.to_lowercase());
    for refused in &state.modules.refused {
        items.push(ModuleInfo {
            id: refused.id.clone(),
            name: refused.id.clone(),
            version: String::new(),
            description: String::new(),
            host_api: String::new(),
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
    let Some(module) = state.modules.get(id).cloned() else {
        if let Some(refused) = state.modules.refused.iter().find(|r| r.id == id) {
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
    state.modules.enabled.forget(&caller.practice);
    Ok(info(&module.manifest, enabled, &module.source))
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
    /// What each setting is and accepts.
    pub declarations: std::collections::BTreeMap<String, SettingDecl>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ModuleSettingsInput {
    #[schema(value_type = Object)]
    pub values: Map<String, Value>,
    pub version: i64,
}

fn loaded(state: &AppState, id: &str) -> Result<std::sync::Arc<super::runtime::LoadedModule>> {
    state
        .modules
        .get(id)
        .cloned()
        .ok_or(AppError::NotFound("module"))
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
    caller.require("modules.manage")?;
    let module = loaded(&state, &id)?;
    let pool = state.db.pool();
    let values = settings::effective(pool, &caller.practice, &module.manifest).await?;
    let version = settings::state(pool, &caller.practice, &id).await?.version;
    Ok(Json(ModuleSettings {
        values,
        version,
        declarations: module.manifest.settings.clone(),
    }))
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
    caller.require("modules.manage")?;
    let module = loaded(&state, &id)?;
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
        actor: Actor::of(&caller),
        action: "module.settings_changed",
        target: Some(format!("module:{id}")),
        client_addr: Some(&client.0),
        details: Value::Object(input.values),
    };
    audit::record(&mut *tx, &caller.practice, now, entry).await?;
    let values = settings::effective(&mut *tx, &caller.practice, &module.manifest).await?;
    let version = settings::state(&mut *tx, &caller.practice, &id)
        .await?
        .version;
    tx.commit().await?;
    Ok(Json(ModuleSettings {
        values,
        version,
        declarations: module.manifest.settings.clone(),
    }))
}

#[derive(Clone, Serialize, ToSchema)]
pub struct NavItem {
    pub label: String,
    pub path: String,
    /// `host` or `module`.
    pub kind: &'static str,
    /// Where the sidebar puts it: `main`, `modules` or `settings`.
    pub section: &'static str,
    /// The module, for module entries.
    pub module: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct Nav {
    pub items: Vec<NavItem>,
}

/// What the caller's sidebar shows: host sections they may use, then every
/// enabled module they may reach.
#[utoipa::path(get, path = "/api/v1/nav", tag = "modules",
    responses((status = 200, body = Nav), (status = 401, body = ErrorBody)))]
async fn nav(State(state): State<AppState>, caller: Caller) -> Result<Json<Nav>> {
    let items = nav_items(&state, &caller).await?;
    Ok(Json(Nav { items }))
}

/// The caller's sidebar: the host's sections they may use, the enabled
/// modules they may reach, then the settings they may change.
pub async fn nav_items(state: &AppState, caller: &Caller) -> Result<Vec<NavItem>> {
    let host = |label: &str, path: &str, section| NavItem {
        label: label.into(),
        path: path.into(),
        kind: "host",
        section,
        module: None,
    };
    let mut items = vec![host("Dashboard", "/", "main")];
    let records = [
        ("Applicants", "/applicants", "applicants.read"),
        ("Cases", "/cases", "cases.read"),
    ];
    items.extend(
        records
            .into_iter()
            .filter(|(_, _, permission)| caller.can(permission))
            .map(|(label, path, _)| host(label, path, "main")),
    );
    let enabled = state
        .modules
        .enabled
        .get(state.db.pool(), &caller.practice)
        .await?;
    for id in enabled.iter() {
        let Some(module) = state.modules.get(id) else {
            continue;
        };
        if !caller.can(&format!("module:{id}")) {
            continue;
        }
        for entry in &module.manifest.nav {
            items.push(NavItem {
                label: entry.label.clone(),
                path: format!("/m/{id}{}", entry.path),
                kind: "module",
                section: "modules",
                module: Some(id.clone()),
            });
        }
    }
    let settings = [
        ("Users", "/settings/users", "users.manage"),
        ("Roles", "/settings/roles", "roles.manage"),
        ("Modules", "/settings/modules", "modules.manage"),
        (
            "Case programs",
            "/settings/case-programs",
            "settings.manage",
        ),
        ("Audit log", "/settings/audit", "audit.read"),
    ];
    items.extend(
        settings
            .into_iter()
            .filter(|(_, _, permission)| caller.can(permission))
            .map(|(label, path, _)| host(label, path, "settings")),
    );
    Ok(items)
}

/// A module's JSON API: whatever the module answers.
#[utoipa::path(method(get, post, put, patch, delete), path = "/api/v1/m/{module}/{*rest}", tag = "modules",
    params(("module" = String, Path), ("rest" = String, Path, description = "The path inside the module")),
    responses((status = 200, description = "The module's answer"), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 413, body = ErrorBody, description = "too_large: over the module's request limit"),
        (status = 500, body = ErrorBody, description = "module_failed: the module trapped or ran out of memory"),
        (status = 503, body = ErrorBody, description = "module_failed: the module ran past its time limit")))]
async fn module_api(
    state: State<AppState>,
    caller: Option<Caller>,
    Path((module, rest)): Path<(String, String)>,
    req: Request,
) -> Result<Response> {
    dispatch(state, caller, module, format!("/{rest}"), false, req).await
}

/// A module's JSON API at its root.
#[utoipa::path(method(get, post, put, patch, delete), path = "/api/v1/m/{module}", tag = "modules",
    params(("module" = String, Path)),
    responses((status = 200, description = "The module's answer"), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 413, body = ErrorBody), (status = 500, body = ErrorBody), (status = 503, body = ErrorBody)))]
async fn module_api_root(
    state: State<AppState>,
    caller: Option<Caller>,
    Path(module): Path<String>,
    req: Request,
) -> Result<Response> {
    dispatch(state, caller, module, "/".into(), false, req).await
}

/// A module's pages.
#[utoipa::path(method(get, post), path = "/m/{module}/{*rest}", tag = "modules",
    params(("module" = String, Path), ("rest" = String, Path)),
    responses((status = 200, description = "The module's page", content_type = "text/html"), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 413, body = ErrorBody), (status = 500, body = ErrorBody), (status = 503, body = ErrorBody)))]
async fn module_page(
    state: State<AppState>,
    caller: Option<Caller>,
    Path((module, rest)): Path<(String, String)>,
    req: Request,
) -> Result<Response> {
    dispatch(state, caller, module, format!("/{rest}"), true, req).await
}

/// A module's front page.
#[utoipa::path(method(get, post), path = "/m/{module}", tag = "modules", params(("module" = String, Path)),
    responses((status = 200, description = "The module's page", content_type = "text/html"), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 413, body = ErrorBody), (status = 500, body = ErrorBody), (status = 503, body = ErrorBody)))]
async fn module_page_root(
    state: State<AppState>,
    caller: Option<Caller>,
    Path(module): Path<String>,
    req: Request,
) -> Result<Response> {
    dispatch(state, caller, module, "/".into(), true, req).await
}

/// Request headers a module never sees: the session and credentials.
const HIDDEN_REQUEST_HEADERS: [&str; 3] = ["cookie", "authorization", "proxy-authorization"];
/// Response headers a module may not set.
const REFUSED_RESPONSE_HEADERS: [&str; 6] = [
    "set-cookie",
    "connection",
    "transfer-encoding",
    "content-length",
    "keep-alive",
    "upgrade",
];

async fn dispatch(
    State(state): State<AppState>,
    caller: Option<Caller>,
    id: String,
    path: String,
    page: bool,
    req: Request,
) -> Result<Response> {
    let caller = caller.ok_or(AppError::Unauthenticated)?;
    let module = state
        .modules
        .get(&id)
        .cloned()
        .ok_or(AppError::NotFound("module"))?;
    let enabled = state
        .modules
        .enabled
        .get(state.db.pool(), &caller.practice)
        .await?;
    if !enabled.contains(&id) {
        return Err(AppError::NotFound("module"));
    }
    caller.require(&format!("module:{id}"))?;
    let (parts, body) = req.into_parts();
    let limit = super::module_request_limit(&state, &module);
    let body = crate::api::read_limited(body, limit).await?;
    let request = HttpRequest {
        method: parts.method.to_string(),
        path,
        query: parts.uri.query().unwrap_or("").to_string(),
        headers: forward_headers(&parts.headers),
        body: body.to_vec(),
        page,
    };
    let record = call::caller_record(&caller.practice, Some(&caller));
    let practice = caller.practice.clone();
    let response = call::run(
        &state,
        &module,
        &practice,
        Some(&caller),
        None,
        |r: &bindings::HttpResponse| r.status < 500,
        move |m, store| Box::pin(async move { m.call_handle_http(store, &record, &request).await }),
    )
    .await?;
    let mut response = to_response(&id, response)?;
    if page {
        crate::web::shell::mark_module_page(&mut response, &module.manifest.name);
    }
    Ok(response)
}

fn forward_headers(headers: &HeaderMap) -> Vec<(String, String)> {
    headers
        .iter()
        .filter(|(name, _)| !HIDDEN_REQUEST_HEADERS.contains(&name.as_str()))
        .filter_map(|(name, value)| {
            value
                .to_str()
                .ok()
                .map(|v| (name.to_string(), v.to_string()))
        })
        .collect()
}

fn to_response(id: &str, r: bindings::HttpResponse) -> Result<Response> {
    let failed = |why: String| AppError::ModuleFailed {
        module: id.to_string(),
        status: 500,
        message: format!("module `{id}` {why}"),
    };
    let status = StatusCode::from_u16(r.status)
        .map_err(|_| failed(format!("answered with status {}", r.status)))?;
    if r.body.len() > MAX_RESPONSE_BYTES {
        return Err(failed(format!(
            "answered with more than {MAX_RESPONSE_BYTES} bytes"
        )));
    }
    let mut response = (status, r.body).into_response();
    // The module says what its body is; the default is only for when it does not.
    let default_type = response.headers_mut().remove(header::CONTENT_TYPE);
    for (name, value) in r.headers {
        let lower = name.to_ascii_lowercase();
        if REFUSED_RESPONSE_HEADERS.contains(&lower.as_str()) {
            continue;
        }
        if let (Ok(name), Ok(value)) = (HeaderName::try_from(lower), HeaderValue::from_str(&value))
        {
            response.headers_mut().append(name, value);
        }
    }
    if let Some(default_type) = default_type
        && !response.headers().contains_key(header::CONTENT_TYPE)
    {
        response
            .headers_mut()
            .insert(header::CONTENT_TYPE, default_type);
    }
    Ok(response)
}

/// A module's JSON API at its root, with the trailing slash.
#[utoipa::path(method(get, post, put, patch, delete), path = "/api/v1/m/{module}/", tag = "modules",
    params(("module" = String, Path)),
    responses((status = 200, description = "The module's answer"), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 413, body = ErrorBody), (status = 500, body = ErrorBody), (status = 503, body = ErrorBody)))]
async fn module_api_slash(
    state: State<AppState>,
    caller: Option<Caller>,
    Path(module): Path<String>,
    req: Request,
) -> Result<Response> {
    dispatch(state, caller, module, "/".into(), false, req).await
}

/// A module's front page, with the trailing slash (where the sidebar links).
#[utoipa::path(method(get, post), path = "/m/{module}/", tag = "modules", params(("module" = String, Path)),
    responses((status = 200, description = "The module's page", content_type = "text/html"), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 413, body = ErrorBody), (status = 500, body = ErrorBody), (status = 503, body = ErrorBody)))]
async fn module_page_slash(
    state: State<AppState>,
    caller: Option<Caller>,
    Path(module): Path<String>,
    req: Request,
) -> Result<Response> {
    dispatch(state, caller, module, "/".into(), true, req).await
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
        .map(|(kind, r)| JobInfo {
            kind,
            name: r.get("name"),
            status: r.get("status"),
            attempts: r.get("attempts"),
            next_attempt_at: crate::clock::rfc3339(r.get("next_attempt_at")),
            last_error: r.get("last_error"),
        })
        .collect();
    Ok(Json(JobList {
        items,
        next_cursor: None,
    }))
}
