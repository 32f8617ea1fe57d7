//! The one place the capabilities' routers are merged, the middleware is
//! layered, and the OpenAPI document (`GET /api/v1/openapi.json`) is built
//! from the same route list, so every route is in it.

use std::sync::Arc;

use axum::extract::{DefaultBodyLimit, State};
use axum::http::{StatusCode, Uri};
use axum::middleware::from_fn_with_state;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Router};
use serde::Serialize;
use tower_http::trace::TraceLayer;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, SecurityScheme};
use utoipa::{Modify, OpenApi, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::api::{Json, client_addr, csrf, request_id};
use crate::error::{AppError, ErrorBody};
use crate::state::AppState;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "ImmCase",
        description = "Practice management for immigration consultants and lawyers.\n\n\
            Sign in with `POST /api/v1/auth/sign-in`; the session is the `immcase_session` cookie. \
            Every state-changing request must also carry `X-Requested-With: immcase`. \
            The practice is the first label of the Host header; localhost and IP addresses reach the default practice. \
            Errors are `{\"error\": {\"code\", \"message\", \"fields\"}}`."
    ),
    modifiers(&SessionCookie),
    components(schemas(ErrorBody)),
    tags(
        (name = "auth", description = "Signing in and out, passwords"),
        (name = "users", description = "The practice's people"),
        (name = "roles", description = "Roles: permissions and field rules"),
        (name = "audit", description = "The audit log"),
        (name = "applicants", description = "Applicants: the people a practice works for, with duplicate checks, versions, field rules and a timeline"),
        (name = "modules", description = "Modules: listing, enabling, settings, the sidebar, and routes into modules"),
        (name = "server", description = "Health and this document"),
        (name = "cases", description = "Cases: folios, programs, stages, closing, versions and a timeline"),
        (name = "files", description = "Files of applicants and cases: uploads streamed to the blob store within the per-file limit and the practice's quota, downloads, listings"),
        (name = "practice", description = "The practice's own details: name, time zone, contact details, largest file per upload, storage used"),
        (name = "mail", description = "The practice's mail settings, the outbox (messages queued for sending and what became of them) and the SMTP log"),
        (name = "trash", description = "Deleted applicants, cases and files, restorable for the retention period"),
        (name = "search", description = "Global search within the caller's practice, records and fields; the applicant fields a practice is searched by, and the index's rebuild after a change"),
        (name = "pages", description = "The web app's HTML pages. Forms post `application/x-www-form-urlencoded` with the form token in `_csrf` \
            (upload forms post `multipart/form-data` with `_csrf` before the files); \
            errors come back as the same page with a message beside each field, or as an error page in words."),
    )
)]
struct ApiDoc;

struct SessionCookie;

impl Modify for SessionCookie {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new(
                crate::auth::session::COOKIE_NAME,
            ))),
        );
    }
}

/// The whole HTTP surface of the host.
pub fn router(state: AppState) -> Router {
    router_with(state, Router::new())
}

/// The host's routes plus `extra` practice routes, which get the same
/// practice, session and CSRF layers (for embedding, and for benchmarks that
/// compare a native route with a module's).
pub fn router_with(state: AppState, extra: Router<AppState>) -> Router {
    let (practice_routes, mut doc) = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .merge(crate::auth::router())
        .merge(crate::team::router())
        .merge(crate::audit::router())
        .merge(crate::mail_api::router())
        .merge(crate::modules::routes::router())
        .merge(crate::records::router())
        .merge(crate::personal_data::router())
        .merge(crate::files::router())
        .merge(crate::trash::router())
        .merge(crate::notifications::router())
        .merge(crate::practices::router())
        .merge(crate::search::router())
        .merge(crate::workflows::routes::router())
        .merge(crate::web::router())
        .split_for_parts();

    let (server_routes, server_doc) = OpenApiRouter::new()
        .routes(routes!(healthz))
        .routes(routes!(openapi_json))
        .routes(routes!(crate::modules::dev::load))
        .merge(crate::web::asset_router())
        .split_for_parts();
    doc.merge(server_doc);
    // Routes name a wildcard `{*rest}`; OpenAPI names that path parameter
    // `{rest}`, as the operation declares it.
    doc.paths.paths = std::mem::take(&mut doc.paths.paths)
        .into_iter()
        .map(|(path, item)| (path.replace("{*", "{"), item))
        .collect();
    crate::api::documented::add_common_refusals(&mut doc);
    let practice_routes = practice_routes
        .merge(extra)
        .fallback(not_found)
        // Innermost first: a panicking handler is answered 500 (and framed
        // as a page on page routes); CSRF runs inside `authenticate`, which
        // audits its refusals; pages are framed (and errors on pages shown as
        // pages) between the two.
        .layer(axum::middleware::from_fn(request_id::catch_panics))
        .layer(from_fn_with_state(state.clone(), csrf::protect))
        .layer(from_fn_with_state(state.clone(), crate::web::shell::frame))
        .layer(from_fn_with_state(
            state.clone(),
            crate::auth::session::authenticate,
        ))
        .layer(from_fn_with_state(
            state.clone(),
            crate::api::practice::resolve_practice,
        ));
    Router::new()
        .merge(server_routes)
        .merge(practice_routes)
        .merge(crate::dav::router(&state))
        .layer(from_fn_with_state(state.clone(), client_addr))
        .layer(axum::middleware::from_fn(crate::api::practice::one_host))
        .layer(from_fn_with_state(
            state.clone(),
            crate::api::refuse_oversized,
        ))
        .layer(DefaultBodyLimit::max(state.config.max_body_bytes))
        .layer(TraceLayer::new_for_http().make_span_with(span))
        .layer(axum::middleware::from_fn(request_id::tag))
        .layer(Extension(Arc::new(doc)))
        .with_state(state)
}

/// The log span of a request: its method, path and id.
fn span(req: &axum::http::Request<axum::body::Body>) -> tracing::Span {
    let id = req
        .headers()
        .get(request_id::HEADER)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    tracing::info_span!("request", method = %req.method(), path = %req.uri().path(), request_id = %id)
}

#[derive(Serialize, ToSchema)]
struct Health {
    /// `ok` when the server and its database answer, `unavailable` when not.
    status: &'static str,
}

/// Whether the server and its database answer.
#[utoipa::path(get, path = "/healthz", tag = "server",
    responses((status = 200, body = Health), (status = 503, body = Health)))]
async fn healthz(State(state): State<AppState>) -> Response {
    match sqlx::query("SELECT 1").execute(state.db.pool()).await {
        Ok(_) => Json(Health { status: "ok" }).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "health check: database unreachable");
            let body = Health {
                status: "unavailable",
            };
            (StatusCode::SERVICE_UNAVAILABLE, Json(body)).into_response()
        }
    }
}

/// This document.
#[utoipa::path(get, path = "/api/v1/openapi.json", tag = "server",
    responses((status = 200, description = "The OpenAPI 3.1 document of this server", content_type = "application/json")))]
async fn openapi_json(Extension(doc): Extension<Arc<utoipa::openapi::OpenApi>>) -> Response {
    axum::Json(doc.as_ref().clone()).into_response()
}

async fn not_found(uri: Uri) -> Response {
    tracing::debug!(path = uri.path(), "no such route");
    AppError::NotFound("route").into_response()
}
