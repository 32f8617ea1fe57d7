//! Signing in and out, who am I, and changing one's own password.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::password::{self, Verified};
use super::second_factor;
use super::session::{self, NewSession};
use super::throttle;
use crate::access::Caller;
use crate::access::permissions::FieldRules;
use crate::access::users::{self, User};
use crate::api::{ClientAddr, Json};
use crate::audit::{self, Actor};
use crate::error::{AppError, ErrorBody, FieldErrors, Result};
use crate::practices::Practice;
use crate::state::AppState;

#[derive(Deserialize, ToSchema)]
pub struct SignIn {
    pub email: String,
    pub password: String,
}

#[derive(Serialize, ToSchema)]
pub struct PracticeInfo {
    pub slug: String,
    pub name: String,
}

/// The signed-in person, their practice and what they may do.
#[derive(Serialize, ToSchema)]
pub struct Me {
    pub user: User,
    pub practice: PracticeInfo,
    /// Every permission held through the user's roles.
    pub permissions: Vec<String>,
    /// Field → `hidden` or `read_only`, merged over the user's roles.
    #[schema(value_type = Object)]
    pub field_rules: FieldRules,
}

const WRONG: &str = "wrong email or password";

/// Signs in with email and password. Sets the `immcase_session` cookie to a
/// new session id (any session the request carried ends); or, for someone
/// with two-factor sign-in on, answers 202 and sets the short-lived
/// `immcase_challenge` cookie that `POST /api/v1/auth/second-factor` takes
/// with the code.
#[utoipa::path(post, path = "/api/v1/auth/sign-in", tag = "auth", request_body = SignIn,
    responses((status = 200, body = Me, description = "Signed in; the session cookie is set"),
        (status = 202, body = SecondFactorAsked, description = "The password is right; now the second factor (the challenge cookie is set)"),
        (status = 401, body = ErrorBody, description = "Wrong email or password, or the account is disabled"),
        (status = 403, body = ErrorBody), (status = 422, body = ErrorBody),
        (status = 429, body = ErrorBody, description = "Too many failures; see Retry-After")))]
pub(super) async fn sign_in(
    State(state): State<AppState>,
    axum::Extension(practice): axum::Extension<Practice>,
    client: ClientAddr,
    headers: HeaderMap,
    Json(input): Json<SignIn>,
) -> Result<Response> {
    match attempt(&state, &practice, &client, &headers, input).await? {
        Outcome::Session { me, token } => {
            Ok(with_session(&state, Json(me).into_response(), &token))
        }
        Outcome::SecondFactor { challenge } => {
            let asked = SecondFactorAsked {
                second_factor_required: true,
            };
            let mut response = (StatusCode::ACCEPTED, Json(asked)).into_response();
            response.headers_mut().insert(
                header::SET_COOKIE,
                second_factor::challenge::cookie(&state.config, &challenge),
            );
            Ok(response)
        }
    }
}

/// The answer to a right password when a second factor is to follow.
#[derive(Serialize, ToSchema)]
pub struct SecondFactorAsked {
    pub second_factor_required: bool,
}

#[derive(Deserialize, ToSchema)]
pub struct SecondFactorCode {
    /// The six digits the authenticator app shows, or a recovery code.
    pub code: String,
}

/// Completes a sign-in with the code of the person's authenticator app or
/// one of their recovery codes (used up). Sets the session cookie. (A
/// passkey completes it through `/api/v1/auth/second-factor/passkey`.)
#[utoipa::path(post, path = "/api/v1/auth/second-factor", tag = "auth", request_body = SecondFactorCode,
    responses((status = 200, body = Me, description = "Signed in; the session cookie is set"),
        (status = 401, body = ErrorBody, description = "No sign-in waits for a code (expired, or five wrong codes)"),
        (status = 403, body = ErrorBody),
        (status = 422, body = ErrorBody, description = "A wrong or used code"),
        (status = 429, body = ErrorBody, description = "Too many failures; see Retry-After")))]
pub(super) async fn second_factor(
    State(state): State<AppState>,
    axum::Extension(practice): axum::Extension<Practice>,
    client: ClientAddr,
    headers: HeaderMap,
    Json(input): Json<SecondFactorCode>,
) -> Result<Response> {
    let proof = second_factor::challenge::Proof::Code(&input.code);
    let (me, token) = complete_second_factor(&state, &practice, &client, &headers, proof).await?;
    Ok(with_session(&state, Json(me).into_response(), &token))
}

/// `response` with the session cookie set (and any challenge cookie cleared).
pub fn with_session(state: &AppState, mut response: Response, token: &str) -> Response {
    let headers = response.headers_mut();
    headers.insert(
        header::SET_COOKIE,
        session::session_cookie(&state.config, token),
    );
    headers.append(
        header::SET_COOKIE,
        second_factor::challenge::clear_cookie(&state.config),
    );
    response
}

/// What a right password leads to.
pub enum Outcome {
    /// Signed in: the person and the new session id.
    Session { me: Box<Me>, token: String },
    /// The second factor is to follow: the challenge's token.
    SecondFactor { challenge: String },
}

/// Completes the challenge the request carries with `code`, then opens the
/// session.
pub async fn complete_second_factor(
    state: &AppState,
    practice: &Practice,
    client: &ClientAddr,
    headers: &HeaderMap,
    proof: second_factor::challenge::Proof<'_>,
) -> Result<(Me, String)> {
    let (user_id, used) =
        second_factor::challenge::complete(state, practice, client, headers, proof).await?;
    let account = users::find(state.db.pool(), practice, &user_id)
        .await?
        .ok_or(AppError::Unauthenticated)?;
    let tx = state.db.begin().await?;
    let details = serde_json::json!({ "second_factor": used.as_str() });
    open_session(tx, state, practice, client, headers, &account, details).await
}

/// Checks the email and password (throttled, audited) and opens a session.
/// Returns the signed-in person and the new session id for the cookie; any
/// session the request carried ends.
pub async fn attempt(
    state: &AppState,
    practice: &Practice,
    client: &ClientAddr,
    headers: &HeaderMap,
    input: SignIn,
) -> Result<Outcome> {
    let email = users::normalize_email(&input.email);
    let mut errors = FieldErrors::new();
    if email.is_empty() {
        errors.insert("email".into(), "required".into());
    } else if email.len() > 254 {
        errors.insert("email".into(), "not an email address".into());
    }
    if input.password.is_empty() {
        errors.insert("password".into(), "required".into());
    } else if input.password.chars().count() > password::MAX_LEN {
        errors.insert(
            "password".into(),
            format!("at most {} characters", password::MAX_LEN),
        );
    }
    AppError::check_fields(errors)?;

    let pool = state.db.pool();
    let now = state.now_ms();
    let attempt = Actor {
        user_id: None,
        email: Some(email.clone()),
    };
    if let Err(limited) = throttle::check(
        pool,
        practice,
        &email,
        &client.0,
        state.config.throttle,
        now,
    )
    .await
    {
        let entry = audit::Entry {
            actor: attempt,
            action: "auth.sign_in_throttled",
            target: Some(format!("email:{email}")),
            client_addr: Some(&client.0),
            details: serde_json::json!({}),
        };
        audit::record_signed_out(state, practice, now, entry).await?;
        return Err(limited);
    }

    let account = users::find_by_email(pool, practice, &email).await?;
    let stored = account.as_ref().and_then(|a| a.password_hash.clone());
    let verified = password::verify(input.password.clone(), stored).await?;
    let now = state.now_ms();
    let account = match (account, verified) {
        (Some(account), Verified::Yes | Verified::YesRehash) => account,
        _ => {
            let mut tx = state.db.begin().await?;
            throttle::record_failure(&mut *tx, practice, &email, &client.0, now).await?;
            let entry = audit::Entry {
                actor: attempt,
                action: "auth.sign_in_failed",
                target: Some(format!("email:{email}")),
                client_addr: Some(&client.0),
                details: serde_json::json!({ "reason": "wrong email or password" }),
            };
            audit::record(&mut *tx, practice, now, entry).await?;
            tx.commit().await?;
            return Err(AppError::SignInRefused(WRONG.into()));
        }
    };
    if account.disabled_at.is_some() {
        let entry = audit::Entry {
            actor: attempt,
            action: "auth.sign_in_failed",
            target: Some(format!("user:{}", account.id)),
            client_addr: Some(&client.0),
            details: serde_json::json!({ "reason": "account disabled" }),
        };
        audit::record(pool, practice, now, entry).await?;
        return Err(AppError::SignInRefused(
            "this account is disabled; ask your practice's administrator".into(),
        ));
    }

    let mut tx = state.db.begin().await?;
    if verified == Verified::YesRehash {
        let rehashed = password::hash(input.password).await?;
        users::set_password_hash(&mut *tx, practice, &account.id, &rehashed, now).await?;
    }
    if second_factor::enabled(&mut *tx, practice, &account.id).await? {
        let challenge =
            second_factor::challenge::open(&mut tx, practice, &account.id, client, now).await?;
        tx.commit().await?;
        return Ok(Outcome::SecondFactor { challenge });
    }
    let (me, token) = open_session(
        tx,
        state,
        practice,
        client,
        headers,
        &account,
        serde_json::json!({}),
    )
    .await?;
    Ok(Outcome::Session {
        me: Box::new(me),
        token,
    })
}

/// Opens a session for `account` in `tx` (audited as `auth.sign_in` with
/// `details`) and commits; the person and the session id.
async fn open_session(
    mut tx: crate::db::Tx,
    state: &AppState,
    practice: &Practice,
    client: &ClientAddr,
    headers: &HeaderMap,
    account: &users::Account,
    details: serde_json::Value,
) -> Result<(Me, String)> {
    let now = state.now_ms();
    let email = &account.email;
    // A new session id at every sign-in: whatever session the browser held ends.
    if let Some(old) = session::token_from_headers(headers) {
        session::delete(&mut *tx, practice, &session::token_hash(&old)).await?;
    }
    let user_agent = headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let new = NewSession {
        user_id: &account.id,
        client_addr: &client.0,
        user_agent,
    };
    let token = session::create(&mut *tx, practice, new, now).await?;
    throttle::clear_account(&mut *tx, practice, email).await?;
    throttle::remember_address(&mut *tx, practice, &account.id, &client.0, now).await?;
    let entry = audit::Entry {
        actor: Actor {
            user_id: Some(account.id.clone()),
            email: Some(account.email.clone()),
        },
        action: "auth.sign_in",
        target: Some(format!("user:{}", account.id)),
        client_addr: Some(&client.0),
        details,
    };
    audit::record(&mut *tx, practice, now, entry).await?;
    let me = me_of(&mut tx, practice, &account.id).await?;
    tx.commit().await?;
    Ok((me, token))
}

pub async fn me_of(tx: &mut crate::db::Tx, practice: &Practice, user_id: &str) -> Result<Me> {
    let account = users::find(&mut **tx, practice, user_id)
        .await?
        .ok_or(AppError::NotFound("user"))?;
    let roles = crate::access::roles::of_user(&mut **tx, practice, user_id).await?;
    let user = users::view(tx, practice, account).await?;
    let mut permissions: Vec<String> = roles
        .iter()
        .flat_map(|r| r.permissions.iter().cloned())
        .collect();
    permissions.sort();
    permissions.dedup();
    Ok(Me {
        user,
        practice: PracticeInfo {
            slug: practice.slug().into(),
            name: practice.name().into(),
        },
        permissions,
        field_rules: crate::access::permissions::merge_field_rules(
            roles.iter().map(|r| &r.field_rules),
        ),
    })
}

/// Ends the session on the server and clears the cookie.
#[utoipa::path(post, path = "/api/v1/auth/sign-out", tag = "auth",
    responses((status = 204, description = "Signed out"), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub(super) async fn sign_out(
    State(state): State<AppState>,
    caller: Caller,
    client: ClientAddr,
) -> Result<Response> {
    end_session(&state, &caller, &client).await?;
    let mut response = StatusCode::NO_CONTENT.into_response();
    response
        .headers_mut()
        .insert(header::SET_COOKIE, session::clear_cookie(&state.config));
    Ok(response)
}

/// Ends the caller's session on the server (audited). The caller clears the
/// cookie.
pub async fn end_session(state: &AppState, caller: &Caller, client: &ClientAddr) -> Result<()> {
    let now = state.now_ms();
    let mut tx = state.db.begin().await?;
    session::delete(&mut *tx, &caller.practice, &caller.session_hash).await?;
    let entry = audit::Entry {
        actor: Actor::of(caller),
        action: "auth.sign_out",
        target: Some(format!("user:{}", caller.user_id)),
        client_addr: Some(&client.0),
        details: serde_json::json!({}),
    };
    audit::record(&mut *tx, &caller.practice, now, entry).await?;
    tx.commit().await?;
    Ok(())
}

/// The signed-in person.
#[utoipa::path(get, path = "/api/v1/me", tag = "auth",
    responses((status = 200, body = Me), (status = 401, body = ErrorBody)))]
pub(super) async fn me(State(state): State<AppState>, caller: Caller) -> Result<Json<Me>> {
    let mut tx = state.db.begin().await?;
    let me = me_of(&mut tx, &caller.practice, &caller.user_id).await?;
    tx.commit().await?;
    Ok(Json(me))
}

#[derive(Deserialize, ToSchema)]
pub struct ChangePassword {
    pub current_password: String,
    pub new_password: String,
}

/// Changes one's own password. Needs the current one; every other session of
/// the account ends (this one stays).
#[utoipa::path(put, path = "/api/v1/me/password", tag = "auth", request_body = ChangePassword,
    responses((status = 204, description = "Changed"), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 422, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub(super) async fn change_password(
    State(state): State<AppState>,
    caller: Caller,
    client: ClientAddr,
    Json(input): Json<ChangePassword>,
) -> Result<StatusCode> {
    set_own_password(&state, &caller, &client, input).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Changes the caller's password after checking the current one; every other
/// session of the account ends.
pub async fn set_own_password(
    state: &AppState,
    caller: &Caller,
    client: &ClientAddr,
    input: ChangePassword,
) -> Result<()> {
    let pool = state.db.pool();
    let practice = &caller.practice;
    throttle::check(
        pool,
        practice,
        &caller.email,
        &client.0,
        state.config.throttle,
        state.now_ms(),
    )
    .await?;
    let account = users::find(pool, practice, &caller.user_id)
        .await?
        .ok_or(AppError::Unauthenticated)?;
    if input.current_password.is_empty() {
        return Err(AppError::field("current_password", "required"));
    }
    if let Err(e) = password::check_new(&input.new_password, &account.email) {
        return Err(AppError::field("new_password", e.to_string()));
    }
    let verified = password::verify(input.current_password, account.password_hash.clone()).await?;
    let now = state.now_ms();
    if verified == Verified::No {
        throttle::record_failure(pool, practice, &caller.email, &client.0, now).await?;
        return Err(AppError::field(
            "current_password",
            "this is not your current password",
        ));
    }
    let new_hash = password::hash(input.new_password).await?;
    let mut tx = state.db.begin().await?;
    users::set_password_hash(&mut *tx, practice, &caller.user_id, &new_hash, now).await?;
    let ended = session::end_all_for_user(
        &mut tx,
        practice,
        &caller.user_id,
        Some(&caller.session_hash),
    )
    .await?;
    let entry = audit::Entry {
        actor: Actor::of(caller),
        action: "auth.password_changed",
        target: Some(format!("user:{}", caller.user_id)),
        client_addr: Some(&client.0),
        details: serde_json::json!({ "other_sessions_ended": ended }),
    };
    audit::record(&mut *tx, practice, now, entry).await?;
    tx.commit().await?;
    Ok(())
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProfilePatch {
    pub display_name: Option<String>,
    /// IANA time zone, e.g. `America/Toronto`.
    pub time_zone: Option<String>,
    /// Added below the emails one writes from ImmCase; at most 2,000 characters.
    pub email_signature: Option<String>,
    /// The version being changed (or send `If-Match`).
    pub version: Option<i64>,
}

/// Changes one's own name, time zone and email signature. A stale `version`
/// gets 409 with one's account as it is now.
#[utoipa::path(patch, path = "/api/v1/me", tag = "auth", request_body = ProfilePatch,
    responses((status = 200, body = Me), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(super) async fn update_me(
    State(state): State<AppState>,
    caller: Caller,
    client: ClientAddr,
    headers: HeaderMap,
    Json(patch): Json<ProfilePatch>,
) -> Result<Json<Me>> {
    let version = crate::input::expected_version(&headers, patch.version)?;
    update_profile(&state, &caller, &client, version, patch)
        .await
        .map(Json)
}

/// The longest email signature, in characters.
pub const SIGNATURE_MAX: usize = 2000;

/// Changes the caller's own name, time zone and signature at `version`.
pub async fn update_profile(
    state: &AppState,
    caller: &Caller,
    client: &ClientAddr,
    version: i64,
    patch: ProfilePatch,
) -> Result<Me> {
    let mut errors = FieldErrors::new();
    let display_name = patch
        .display_name
        .as_deref()
        .map(|n| crate::input::name_field(&mut errors, "display_name", n, true, 100));
    let time_zone = patch
        .time_zone
        .as_deref()
        .map(|tz| users::check_time_zone(&mut errors, tz));
    let signature = patch.email_signature.as_deref().map(|s| {
        let s = s.trim_end().replace("\r\n", "\n");
        if s.chars().count() > SIGNATURE_MAX {
            errors.insert(
                "email_signature".into(),
                format!("at most {SIGNATURE_MAX} characters"),
            );
        }
        s
    });
    AppError::check_fields(errors)?;
    let practice = &caller.practice;
    let now = state.now_ms();
    let mut tx = state.db.begin().await?;
    let before = me_of(&mut tx, practice, &caller.user_id).await?;
    if before.user.version != version {
        return Err(AppError::Conflict {
            message: format!(
                "your profile was changed elsewhere (now at version {}); review and try again",
                before.user.version
            ),
            current: serde_json::to_value(&before).ok(),
        });
    }
    users::update_profile(
        &mut tx,
        practice,
        &caller.user_id,
        users::ProfileChange {
            display_name: display_name.as_deref(),
            time_zone: time_zone.as_deref(),
            email_signature: signature.as_deref(),
        },
        now,
    )
    .await?;
    let after = me_of(&mut tx, practice, &caller.user_id).await?;
    let entry = audit::Entry {
        actor: Actor::of(caller),
        action: "user.profile_updated",
        target: Some(format!("user:{}", caller.user_id)),
        client_addr: Some(&client.0),
        details: serde_json::json!({
            "before": { "display_name": before.user.display_name, "time_zone": before.user.time_zone },
            "after": { "display_name": after.user.display_name, "time_zone": after.user.time_zone },
            "signature_changed": before.user.email_signature != after.user.email_signature,
        }),
    };
    audit::record(&mut *tx, practice, now, entry).await?;
    tx.commit().await?;
    Ok(after)
}
