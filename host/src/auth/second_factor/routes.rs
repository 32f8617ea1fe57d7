//! The API of two-factor sign-in: one's own (`/api/v1/me/second-factor…`),
//! an administrator's reset (`/api/v1/users/{id}/second-factor/reset`) and
//! the practice's requirement (`/api/v1/practice/security`).

use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::requirement::{self, Security, SecurityChange};
use super::{Enrolment, Status};
use crate::access::Caller;
use crate::api::{ClientAddr, Json, Path};
use crate::error::{ErrorBody, Result};
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(own_status))
        .routes(routes!(start))
        .routes(routes!(confirm))
        .routes(routes!(turn_off))
        .routes(routes!(recovery_codes))
        .routes(routes!(reset))
        .routes(routes!(security, change_security))
}

/// Whether one's sign-in asks for a second factor.
#[utoipa::path(get, path = "/api/v1/me/second-factor", tag = "auth",
    responses((status = 200, body = Status), (status = 401, body = ErrorBody)))]
async fn own_status(State(state): State<AppState>, caller: Caller) -> Result<Json<Status>> {
    Ok(Json(
        super::status(&state, &caller.practice, &caller.user_id).await?,
    ))
}

/// Starts setting up an authenticator app: its secret and QR code. Nothing
/// changes at sign-in until a code from it is confirmed.
#[utoipa::path(post, path = "/api/v1/me/second-factor/app", tag = "auth",
    responses((status = 200, body = Enrolment), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 409, body = ErrorBody, description = "Two-factor sign-in is already on")))]
async fn start(State(state): State<AppState>, caller: Caller) -> Result<Json<Enrolment>> {
    Ok(Json(super::begin(&state, &caller).await?))
}

#[derive(Deserialize, ToSchema)]
pub struct Code {
    /// Six digits from the authenticator app.
    pub code: String,
}

/// Recovery codes, shown this once.
#[derive(Serialize, ToSchema)]
pub struct RecoveryCodes {
    pub recovery_codes: Vec<String>,
}

/// Turns two-factor sign-in on with a code from the app being set up.
#[utoipa::path(post, path = "/api/v1/me/second-factor/app/confirm", tag = "auth", request_body = Code,
    responses((status = 200, body = RecoveryCodes), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody, description = "Not the app's current code")))]
async fn confirm(
    State(state): State<AppState>,
    caller: Caller,
    Json(input): Json<Code>,
) -> Result<Json<RecoveryCodes>> {
    let recovery_codes = super::confirm(&state, &caller, &input.code).await?;
    Ok(Json(RecoveryCodes { recovery_codes }))
}

#[derive(Deserialize, ToSchema)]
pub struct PasswordOnly {
    pub password: String,
}

/// Turns two-factor sign-in off, with one's password (not while the
/// practice requires it).
#[utoipa::path(post, path = "/api/v1/me/second-factor/off", tag = "auth", request_body = PasswordOnly,
    responses((status = 204, description = "Off"), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody, description = "The practice requires it"), (status = 422, body = ErrorBody)))]
async fn turn_off(
    State(state): State<AppState>,
    caller: Caller,
    client: ClientAddr,
    Json(input): Json<PasswordOnly>,
) -> Result<StatusCode> {
    super::turn_off(&state, &caller, &client, input.password).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A new set of recovery codes (the old ones stop working), with a code
/// from the app.
#[utoipa::path(post, path = "/api/v1/me/second-factor/recovery-codes", tag = "auth", request_body = Code,
    responses((status = 200, body = RecoveryCodes), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn recovery_codes(
    State(state): State<AppState>,
    caller: Caller,
    Json(input): Json<Code>,
) -> Result<Json<RecoveryCodes>> {
    let recovery_codes = super::new_recovery_codes(&state, &caller, &input.code).await?;
    Ok(Json(RecoveryCodes { recovery_codes }))
}

#[derive(Serialize, ToSchema)]
pub struct Reset {
    pub sessions_ended: u64,
}

/// Resets someone's second factor (a lost phone): it is off and their
/// sessions and app passwords end. Needs `users.manage`; audited.
#[utoipa::path(post, path = "/api/v1/users/{id}/second-factor/reset", tag = "users",
    params(("id" = String, Path)),
    responses((status = 200, body = Reset), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
async fn reset(
    State(state): State<AppState>,
    caller: Caller,
    client: ClientAddr,
    Path(id): Path<String>,
) -> Result<Json<Reset>> {
    let sessions_ended = super::reset(&state, &caller, &client, &id).await?;
    Ok(Json(Reset { sessions_ended }))
}

/// The practice's sign-in rules.
#[utoipa::path(get, path = "/api/v1/practice/security", tag = "practice",
    responses((status = 200, body = Security), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
async fn security(State(state): State<AppState>, caller: Caller) -> Result<Json<Security>> {
    caller.require(crate::practices::settings::MANAGE)?;
    Ok(Json(
        requirement::read(state.db.pool(), &caller.practice).await?,
    ))
}

/// Changes the practice's sign-in rules (`practice.manage`; audited).
#[utoipa::path(put, path = "/api/v1/practice/security", tag = "practice", request_body = SecurityChange,
    responses((status = 200, body = Security), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn change_security(
    State(state): State<AppState>,
    caller: Caller,
    Json(input): Json<SecurityChange>,
) -> Result<Json<Security>> {
    Ok(Json(requirement::change(&state, &caller, input).await?))
}
