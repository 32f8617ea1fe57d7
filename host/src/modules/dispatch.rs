//! `/api/v1/m/{module}/...` and `/m/{module}/...` reach the module's
//! `handle-http` once the host has checked that the module is enabled for
//! the practice and the caller holds `module:{id}`; the request goes in
//! without the caller's credentials, and the answer comes back without
//! headers a module may not set. A path below one of the module's public
//! prefixes is answered anonymously instead (`public`), and the module's
//! DAV mounts reach the same `handle-http` from `/dav/{name}` (`crate::dav`).

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use utoipa_axum::{router::OpenApiRouter, routes};

use super::bindings::{self, HttpRequest};
use super::{LoadedModule, call};
use crate::access::Caller;
use crate::api::{ModulePage, Path};
use crate::error::{AppError, ErrorBody, Result};
use crate::practices::Practice;
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(module_api))
        .routes(routes!(module_api_root))
        .routes(routes!(module_page))
        .routes(routes!(module_page_root))
        .routes(routes!(module_api_slash))
        .routes(routes!(module_page_slash))
}

/// Largest response a module may return.
const MAX_RESPONSE_BYTES: usize = 16 * 1024 * 1024;

/// A module's JSON API: whatever the module answers.
///
/// Below a prefix its plugin.toml lists under `public` (`/feeds/`: a
/// calendar feed's URL), `GET` and `HEAD` are answered without a session
/// while the module is enabled, anonymously even for a signed-in person
/// (the module checks a token in the path); other methods there are 405 and
/// a request body is refused (413).
#[utoipa::path(method(get, post, put, patch, delete), path = "/api/v1/m/{module}/{*rest}", tag = "modules",
    params(("module" = String, Path), ("rest" = String, Path, description = "The path inside the module")),
    responses((status = 200, description = "The module's answer"), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 405, body = ErrorBody, description = "method_not_allowed: not `GET` or `HEAD` on a public path"),
        (status = 413, body = ErrorBody, description = "too_large: over the module's request limit, or a body sent to a public path"),
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
    if !page
        && let Some(module) = state.modules.get(&id)
        && module.manifest.is_public(&path)
    {
        let module = module.clone();
        return super::public::answer(&state, &module, path, req).await;
    }
    let caller = caller.ok_or(AppError::Unauthenticated)?;
    let module = state.modules.get(&id).ok_or(AppError::NotFound("module"))?;
    let enabled = state
        .enabled_modules
        .is_enabled(state.db.pool(), &caller.practice, &id)
        .await?;
    if !enabled {
        return Err(AppError::NotFound("module"));
    }
    caller.require(&format!("module:{id}"))?;
    let record = call::caller_record(&state, &caller.practice, Some(&caller));
    let practice = caller.practice.clone();
    let mut response = answer(
        &state,
        &module,
        &practice,
        Some(&caller),
        record,
        path,
        page,
        req,
    )
    .await?;
    if page {
        response.extensions_mut().insert(ModulePage {
            name: module.manifest.name.clone(),
        });
    }
    Ok(response)
}

/// Hands `req` to `module`'s `handle-http` as `path` for `caller` (whose
/// record the module sees is `record`), with its body read within the
/// module's request limit and without the caller's credentials, and gives
/// back what the module answered without headers it may not set. The call
/// commits unless the answer is a server error. Whoever calls this has
/// checked that the module is enabled and the caller may reach it.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn answer(
    state: &AppState,
    module: &Arc<LoadedModule>,
    practice: &Practice,
    caller: Option<&Caller>,
    record: bindings::Caller,
    path: String,
    page: bool,
    req: Request,
) -> Result<Response> {
    let (parts, body) = req.into_parts();
    let limit = crate::api::paths::module_request_limit(state, module);
    let body = crate::api::read_limited(body, limit).await?;
    let request = HttpRequest {
        method: parts.method.to_string(),
        path,
        query: parts.uri.query().unwrap_or("").to_string(),
        headers: forward_headers(&parts.headers),
        // The body was read into a buffer of its own: handed over, not copied.
        body: Vec::from(body),
        page,
    };
    let response = call::run(
        state,
        module,
        practice,
        caller,
        None,
        |r: &bindings::HttpResponse| r.status < 500,
        move |m, store| Box::pin(async move { m.call_handle_http(store, &record, &request).await }),
    )
    .await?;
    to_response(&module.manifest.id, response)
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
