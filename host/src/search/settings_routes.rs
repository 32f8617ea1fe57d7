//! `GET|PUT /api/v1/search/settings`: the applicant fields the practice's
//! search finds applicants by, and the rebuild a change starts (see
//! `settings` and `rebuild`).

use axum::extract::State;
use axum::http::HeaderMap;

use super::settings::{self, SearchSettingsChange, SearchSettingsView};
use crate::access::Caller;
use crate::api::Json;
use crate::error::{ErrorBody, Result};
use crate::input::expected_version;
use crate::state::AppState;

/// The applicant fields search finds applicants by, and how far this
/// server's index is in rebuilding them after a change (`rebuild.state` is
/// `rebuilding` until every applicant is rebuilt, then `idle`). Needs
/// `settings.manage`.
#[utoipa::path(get, path = "/api/v1/search/settings", tag = "search",
    responses((status = 200, body = SearchSettingsView), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody, description = "Needs `settings.manage`")))]
pub(super) async fn get_settings(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<SearchSettingsView>> {
    Ok(Json(settings::read(&state, &caller).await?))
}

/// Chooses the applicant fields search finds applicants by (at least one
/// of `given_name`, `family_name`, `other_names`, `emails`, `phones`,
/// `passport_number`). A change rebuilds the practice's applicants in the
/// index in the background while searches keep answering, from the
/// applicants not yet rebuilt as they were; poll this route for the
/// progress. Audited as `search.settings_updated`.
#[utoipa::path(put, path = "/api/v1/search/settings", tag = "search", request_body = SearchSettingsChange,
    responses((status = 200, body = SearchSettingsView), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody, description = "Needs `settings.manage`"),
        (status = 409, body = ErrorBody, description = "Changed by someone else since `version`: the settings now are in `current`"),
        (status = 422, body = ErrorBody, description = "No field, or fields that do not exist (named in `fields.applicant_fields`)")))]
pub(super) async fn put_settings(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    Json(change): Json<SearchSettingsChange>,
) -> Result<Json<SearchSettingsView>> {
    caller.require(settings::MANAGE)?;
    let version = expected_version(&headers, change.version)?;
    Ok(Json(
        settings::update(&state, &caller, version, &change).await?,
    ))
}
