//! The API of two-factor sign-in: one's own (`/api/v1/me/second-factor…`,
//! passkeys included), a sign-in's passkey step
//! (`/api/v1/auth/second-factor/passkey…`),
//! an administrator's reset (`/api/v1/users/{id}/second-factor/reset`) and
//! the practice's requirement (`/api/v1/practice/security`).

use axum::Extension;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};
use webauthn_rs::prelude::{
    CreationChallengeResponse, PublicKeyCredential, RegisterPublicKeyCredential,
    RequestChallengeResponse,
};

use super::challenge;
use super::passkeys::{self, PasskeyInfo};
use super::requirement::{self, Security, SecurityChange};
use super::{Enrolment, Status};
use crate::access::Caller;
use crate::api::{ClientAddr, Json, Path};
use crate::auth::sign_in::Me;
use crate::error::{ErrorBody, Result};
use crate::practices::Practice;
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
        .routes(routes!(passkey_options))
        .routes(routes!(own_passkeys, add_passkey))
        .routes(routes!(remove_passkey))
        .routes(routes!(sign_in_passkey_options))
        .routes(routes!(sign_in_with_passkey))
}

/// Starts adding a passkey: the options for `navigator.credentials.create`
/// (base64url where WebAuthn has bytes). Finish within five minutes.
#[utoipa::path(post, path = "/api/v1/me/second-factor/passkeys/options", tag = "auth",
    responses((status = 200, content_type = "application/json", description = "The creation options (`{publicKey: …}`)"),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 409, body = ErrorBody, description = "Ten passkeys already"),
        (status = 422, body = ErrorBody, description = "An address that cannot hold a passkey (an IP address)")))]
async fn passkey_options(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
) -> Result<Json<CreationChallengeResponse>> {
    Ok(Json(
        passkeys::begin_registration(&state, &caller, &headers).await?,
    ))
}

/// One's passkeys.
#[utoipa::path(get, path = "/api/v1/me/second-factor/passkeys", tag = "auth",
    responses((status = 200, body = Vec<PasskeyInfo>), (status = 401, body = ErrorBody)))]
async fn own_passkeys(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Vec<PasskeyInfo>>> {
    Ok(Json(
        passkeys::list(&state, &caller.practice, &caller.user_id).await?,
    ))
}

#[derive(Deserialize, ToSchema)]
pub struct NewPasskey {
    /// What to call it (“work laptop”), at most 60 characters.
    pub name: String,
    /// The answer of `navigator.credentials.create`, as JSON with base64url
    /// bytes.
    #[schema(value_type = Object)]
    pub credential: RegisterPublicKeyCredential,
}

/// Adds a passkey from the authenticator's answer. When one had no
/// recovery codes left, ten new ones come back, shown this once.
#[utoipa::path(post, path = "/api/v1/me/second-factor/passkeys", tag = "auth", request_body = NewPasskey,
    responses((status = 201, body = RecoveryCodes), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 409, body = ErrorBody, description = "No passkey being added (over five minutes, or added already)"),
        (status = 422, body = ErrorBody, description = "A name missing or too long, or an answer that does not check")))]
async fn add_passkey(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    Json(input): Json<NewPasskey>,
) -> Result<(StatusCode, Json<RecoveryCodes>)> {
    let recovery_codes =
        passkeys::finish_registration(&state, &caller, &headers, &input.name, &input.credential)
            .await?;
    Ok((StatusCode::CREATED, Json(RecoveryCodes { recovery_codes })))
}

/// Removes one of one's passkeys (audited).
#[utoipa::path(delete, path = "/api/v1/me/second-factor/passkeys/{id}", tag = "auth",
    params(("id" = String, Path)),
    responses((status = 204, description = "Removed"), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
async fn remove_passkey(
    State(state): State<AppState>,
    caller: Caller,
    client: ClientAddr,
    Path(id): Path<String>,
) -> Result<StatusCode> {
    passkeys::remove(&state, &caller, &client, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The second step of a sign-in with a passkey: the options for
/// `navigator.credentials.get`, for the sign-in waiting in the
/// `immcase_challenge` cookie.
#[utoipa::path(post, path = "/api/v1/auth/second-factor/passkey/options", tag = "auth",
    responses((status = 200, content_type = "application/json", description = "The request options (`{publicKey: …}`)"),
        (status = 401, body = ErrorBody, description = "No sign-in waits (expired, or too many wrong answers)"),
        (status = 403, body = ErrorBody),
        (status = 409, body = ErrorBody, description = "The person has no passkey")))]
async fn sign_in_passkey_options(
    State(state): State<AppState>,
    Extension(practice): Extension<Practice>,
    headers: HeaderMap,
) -> Result<Json<RequestChallengeResponse>> {
    let (hash, user_id) = challenge::waiting(&state, &practice, &headers).await?;
    Ok(Json(
        passkeys::begin_sign_in(&state, &practice, &headers, &hash, &user_id).await?,
    ))
}

#[derive(Deserialize, ToSchema)]
pub struct PasskeyAnswer {
    /// The answer of `navigator.credentials.get`, as JSON with base64url
    /// bytes.
    #[schema(value_type = Object)]
    pub credential: PublicKeyCredential,
}

/// Completes a sign-in with a passkey. Sets the session cookie.
#[utoipa::path(post, path = "/api/v1/auth/second-factor/passkey", tag = "auth", request_body = PasskeyAnswer,
    responses((status = 200, body = Me, description = "Signed in; the session cookie is set"),
        (status = 401, body = ErrorBody, description = "No sign-in waits (expired, or too many wrong answers)"),
        (status = 403, body = ErrorBody),
        (status = 422, body = ErrorBody, description = "Not one of the person's passkeys, or not this sign-in's challenge"),
        (status = 429, body = ErrorBody, description = "Too many failures; see Retry-After")))]
async fn sign_in_with_passkey(
    State(state): State<AppState>,
    Extension(practice): Extension<Practice>,
    client: ClientAddr,
    headers: HeaderMap,
    Json(input): Json<PasskeyAnswer>,
) -> Result<Response> {
    let proof = challenge::Proof::Passkey(&input.credential);
    let (me, token) =
        crate::auth::sign_in::complete_second_factor(&state, &practice, &client, &headers, proof)
            .await?;
    Ok(crate::auth::sign_in::with_session(
        &state,
        Json(me).into_response(),
        &token,
    ))
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
