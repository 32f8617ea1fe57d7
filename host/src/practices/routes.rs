//! `GET|PUT /api/v1/practice`: the practice's own details (see `settings`),
//! with its file limits, the storage it uses against its quota and what is
//! known of its logo (the logo's own routes are `logo`'s).

use axum::extract::State;
use axum::http::HeaderMap;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::logo::LogoInfo;
use super::settings::{self, PracticeChange, PracticeSettings};
use crate::access::Caller;
use crate::api::Json;
use crate::error::{ErrorBody, Result};
use crate::input::expected_version;
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_practice, put_practice))
        .merge(super::logo::router())
}

/// The practice's details, limits and storage.
#[derive(Serialize, ToSchema)]
pub struct PracticeView {
    #[serde(flatten)]
    pub settings: PracticeSettings,
    /// The practice's slug: the first label of its host name (never changes).
    pub slug: String,
    /// The most `max_file_mb` may be: the server's per-file maximum in whole MB.
    pub server_max_file_mb: i64,
    /// The largest file an upload may hold now, in bytes.
    pub largest_file_bytes: u64,
    pub storage: Storage,
    /// The practice's logo (`GET /api/v1/practice/logo`); `null` when it has none.
    pub logo: Option<LogoInfo>,
}

/// Bytes the practice stores (files in the trash included) against its quota.
#[derive(Serialize, ToSchema)]
pub struct Storage {
    pub used_bytes: u64,
    pub quota_bytes: u64,
}

/// The view of `saved` for `caller`'s practice.
pub async fn view(
    state: &AppState,
    caller: &Caller,
    saved: PracticeSettings,
) -> Result<PracticeView> {
    let files = &state.config.files;
    let used = crate::files::store::used_bytes(state.db.pool(), caller.practice.id()).await?;
    let logo = super::logo::info(state.db.pool(), &caller.practice).await?;
    Ok(PracticeView {
        slug: caller.practice.slug().to_string(),
        server_max_file_mb: settings::server_max_mb(files.max_file_bytes),
        largest_file_bytes: saved.largest_file(files.max_file_bytes),
        storage: Storage {
            used_bytes: u64::try_from(used).unwrap_or(0),
            quota_bytes: files.practice_quota_bytes,
        },
        settings: saved,
        logo,
    })
}

/// The practice's name, time zone, contact details, largest file per
/// upload, and the storage it uses (needs `practice.manage`).
#[utoipa::path(get, path = "/api/v1/practice", tag = "practice",
    responses((status = 200, body = PracticeView), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody, description = "Needs `practice.manage`")))]
async fn get_practice(State(state): State<AppState>, caller: Caller) -> Result<Json<PracticeView>> {
    let saved = settings::read(&state, &caller).await?;
    Ok(Json(view(&state, &caller, saved).await?))
}

/// Changes the practice's details; fields left out keep their values. The
/// largest file per upload is a whole number of MB from 1 to the server's
/// maximum, or `null` for the server's maximum. Audited as `practice.updated`.
#[utoipa::path(put, path = "/api/v1/practice", tag = "practice", request_body = PracticeChange,
    responses((status = 200, body = PracticeView), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody, description = "Needs `practice.manage`"),
        (status = 409, body = ErrorBody, description = "Changed by someone else since `version`: the details now are in `current`"),
        (status = 422, body = ErrorBody, description = "A message per field to correct")))]
async fn put_practice(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    Json(change): Json<PracticeChange>,
) -> Result<Json<PracticeView>> {
    caller.require(settings::MANAGE)?;
    let version = expected_version(&headers, change.version)?;
    let saved = settings::update(&state, &caller, version, &change).await?;
    Ok(Json(view(&state, &caller, saved).await?))
}
