//! App passwords: per-person secrets for clients that cannot use the sign-in
//! page (WebDAV now; CalDAV and calendar feeds later).
//!
//! - A person makes one in My Profile (or `POST /api/v1/me/app-passwords`)
//!   with a name; the secret, 256 random bits, is shown once.
//! - Only its SHA-256 is stored, the way session ids are: the secret is
//!   random and long, so a slow password hash (argon2) would add nothing
//!   against guessing, yet would cost tens of milliseconds on every request
//!   of a client that sends it with each one. The hash is looked up directly.
//! - It is accepted only as HTTP Basic (email + secret) on client routes
//!   (`/dav/…`), never for the web app or the JSON API, which read the
//!   session cookie alone.
//! - Failures count towards the sign-in throttle (per account and per
//!   address) and are audited, as are creating and revoking one.
//! - Revoking deletes it; disabling the person or changing their password
//!   deletes all of theirs (see `session::end_all_for_user`).

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

use super::session::{new_token, token_hash};
use super::throttle;
use crate::access::{Caller, SignedIn, permissions, roles, users};
use crate::api::{ClientAddr, Json, Path};
use crate::audit::{self, Actor};
use crate::clock::rfc3339;
use crate::db::new_id;
use crate::error::{AppError, ErrorBody, FieldErrors, Result};
use crate::practices::Practice;
use crate::state::AppState;

/// At most this many characters in an app password's name.
pub const NAME_MAX: usize = 100;
/// At most this many app passwords per person.
pub const PER_PERSON_MAX: i64 = 50;
/// Only write `last_used_at` when it is older than this (a client sends its
/// password with every request).
const TOUCH_EVERY_MS: i64 = 60_000;

/// An app password as its owner sees it (never the secret).
#[derive(Serialize, ToSchema, Clone, Debug)]
pub struct AppPassword {
    pub id: String,
    pub name: String,
    /// RFC 3339.
    pub created_at: String,
    /// RFC 3339; absent while it has never been used.
    pub last_used_at: Option<String>,
}

/// A new app password: the secret is in this answer only.
#[derive(Serialize, ToSchema)]
pub struct CreatedAppPassword {
    pub id: String,
    pub name: String,
    /// Give it to the client with your email as the user name; it is not
    /// shown again.
    pub password: String,
    pub created_at: String,
}

#[derive(Deserialize, ToSchema)]
pub struct NewAppPassword {
    /// What it is for, e.g. `Laptop (Finder)`.
    pub name: String,
}

#[derive(Serialize, ToSchema)]
pub struct AppPasswordList {
    pub items: Vec<AppPassword>,
    pub next_cursor: Option<String>,
}

#[derive(sqlx::FromRow)]
struct Row {
    id: String,
    name: String,
    created_at: i64,
    last_used_at: Option<i64>,
}

impl Row {
    fn view(self) -> AppPassword {
        AppPassword {
            id: self.id,
            name: self.name,
            created_at: rfc3339(self.created_at),
            last_used_at: self.last_used_at.map(rfc3339),
        }
    }
}

/// The caller's app passwords, newest first.
pub async fn list(state: &AppState, caller: &Caller) -> Result<Vec<AppPassword>> {
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT id, name, created_at, last_used_at FROM app_passwords \
         WHERE practice_id = $1 AND user_id = $2 ORDER BY created_at DESC, id DESC",
    )
    .bind(caller.practice.id())
    .bind(&caller.user_id)
    .fetch_all(state.db.pool())
    .await?;
    Ok(rows.into_iter().map(Row::view).collect())
}

/// Makes an app password for the caller; the answer holds the secret.
pub async fn create(state: &AppState, caller: &Caller, name: &str) -> Result<CreatedAppPassword> {
    let name = name.trim();
    let mut errors = FieldErrors::new();
    if name.is_empty() {
        errors.insert("name".into(), "required: say what it is for".into());
    } else if name.chars().count() > NAME_MAX || name.chars().any(char::is_control) {
        errors.insert(
            "name".into(),
            format!("at most {NAME_MAX} characters, on one line"),
        );
    }
    AppError::check_fields(errors)?;
    let now = state.now_ms();
    let mut tx = state.db.begin().await?;
    let held: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM app_passwords WHERE practice_id = $1 AND user_id = $2",
    )
    .bind(caller.practice.id())
    .bind(&caller.user_id)
    .fetch_one(&mut *tx)
    .await?;
    if held >= PER_PERSON_MAX {
        return Err(AppError::field(
            "name",
            format!("you have {PER_PERSON_MAX} app passwords: revoke one you no longer use first"),
        ));
    }
    let id = new_id();
    let secret = new_token();
    sqlx::query(
        "INSERT INTO app_passwords (id, practice_id, user_id, name, token_hash, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(&id)
    .bind(caller.practice.id())
    .bind(&caller.user_id)
    .bind(name)
    .bind(token_hash(&secret))
    .bind(now)
    .execute(&mut *tx)
    .await?;
    let entry = audit::Entry::by(
        caller,
        "app_password.created",
        format!("app_password:{id}"),
        json!({ "name": name }),
    );
    audit::record(&mut *tx, &caller.practice, now, entry).await?;
    tx.commit().await?;
    Ok(CreatedAppPassword {
        id,
        name: name.to_string(),
        password: secret,
        created_at: rfc3339(now),
    })
}

/// Revokes one of the caller's app passwords; its name.
pub async fn revoke(state: &AppState, caller: &Caller, id: &str) -> Result<String> {
    let now = state.now_ms();
    let mut tx = state.db.begin().await?;
    let name: String = sqlx::query_scalar(
        "SELECT name FROM app_passwords WHERE practice_id = $1 AND user_id = $2 AND id = $3",
    )
    .bind(caller.practice.id())
    .bind(&caller.user_id)
    .bind(id)
    .fetch_optional(&mut *tx)
    .await?
    .ok_or(AppError::NotFound("app password"))?;
    sqlx::query("DELETE FROM app_passwords WHERE practice_id = $1 AND id = $2")
        .bind(caller.practice.id())
        .bind(id)
        .execute(&mut *tx)
        .await?;
    let entry = audit::Entry::by(
        caller,
        "app_password.revoked",
        format!("app_password:{id}"),
        json!({ "name": name }),
    );
    audit::record(&mut *tx, &caller.practice, now, entry).await?;
    tx.commit().await?;
    Ok(name)
}

/// Deletes every app password of a person; how many.
pub async fn end_all_for_user(
    conn: &mut sqlx::AnyConnection,
    practice: &Practice,
    user_id: &str,
) -> Result<u64> {
    let done = sqlx::query("DELETE FROM app_passwords WHERE practice_id = $1 AND user_id = $2")
        .bind(practice.id())
        .bind(user_id)
        .execute(conn)
        .await?;
    Ok(done.rows_affected())
}

/// The email and secret of an `Authorization: Basic` header.
pub fn basic_credentials(headers: &HeaderMap) -> Option<(String, String)> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, encoded) = value.trim().split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = STANDARD.decode(encoded.trim()).ok()?;
    let decoded = String::from_utf8(decoded).ok()?;
    let (email, secret) = decoded.split_once(':')?;
    Some((email.to_string(), secret.to_string()))
}

#[derive(sqlx::FromRow)]
struct Holder {
    id: String,
    user_id: String,
    last_used_at: Option<i64>,
}

/// The person whose email and app password the request's Basic header
/// carries, as a caller; throttled and audited like a sign-in. Refused with
/// [`AppError::Unauthenticated`] (no header, wrong or revoked password,
/// disabled person) or [`AppError::RateLimited`].
pub async fn caller_of_basic(
    state: &AppState,
    practice: &Practice,
    headers: &HeaderMap,
    client: &ClientAddr,
) -> Result<Caller> {
    let Some((email, secret)) = basic_credentials(headers) else {
        return Err(AppError::Unauthenticated);
    };
    let email = users::normalize_email(&email);
    if email.is_empty() || email.len() > 254 || secret.is_empty() || secret.len() > 128 {
        return Err(AppError::Unauthenticated);
    }
    let pool = state.db.pool();
    let policy = state.config.throttle;
    throttle::check(pool, practice, &email, &client.0, policy, state.now_ms()).await?;
    let holder: Option<Holder> = sqlx::query_as(
        "SELECT a.id, a.user_id, a.last_used_at FROM app_passwords a \
         JOIN users u ON u.practice_id = a.practice_id AND u.id = a.user_id \
         WHERE a.practice_id = $1 AND a.token_hash = $2 AND u.email = $3 \
         AND u.disabled_at IS NULL",
    )
    .bind(practice.id())
    .bind(token_hash(&secret))
    .bind(&email)
    .fetch_optional(pool)
    .await?;
    let now = state.now_ms();
    let Some(holder) = holder else {
        let mut tx = state.db.begin().await?;
        throttle::record_failure(&mut *tx, practice, &email, &client.0, now).await?;
        let entry = audit::Entry {
            actor: Actor {
                user_id: None,
                email: Some(email.clone()),
            },
            action: "app_password.failed",
            target: Some(format!("email:{email}")),
            client_addr: Some(&client.0),
            details: json!({ "reason": "wrong email or app password" }),
        };
        audit::record(&mut *tx, practice, now, entry).await?;
        tx.commit().await?;
        return Err(AppError::Unauthenticated);
    };
    if holder
        .last_used_at
        .is_none_or(|at| now - at >= TOUCH_EVERY_MS)
    {
        let mut tx = state.db.begin().await?;
        sqlx::query(
            "UPDATE app_passwords SET last_used_at = $3 WHERE practice_id = $1 AND id = $2",
        )
        .bind(practice.id())
        .bind(&holder.id)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        throttle::clear_account(&mut *tx, practice, &email).await?;
        tx.commit().await?;
    }
    caller_of_user(state, practice, &holder.user_id, client).await
}

/// A person of the practice as a caller, with their roles' permissions and
/// field rules (for requests that carry no session).
async fn caller_of_user(
    state: &AppState,
    practice: &Practice,
    user_id: &str,
    client: &ClientAddr,
) -> Result<Caller> {
    let pool = state.db.pool();
    let account = users::find(pool, practice, user_id)
        .await?
        .ok_or(AppError::Unauthenticated)?;
    let held = roles::of_user(pool, practice, user_id).await?;
    Ok(Caller::new(SignedIn {
        practice: practice.clone(),
        user_id: account.id,
        email: account.email,
        display_name: account.display_name,
        time_zone: account.time_zone,
        role_ids: held.iter().map(|r| r.id.clone()).collect(),
        permissions: held
            .iter()
            .flat_map(|r| r.permissions.iter().cloned())
            .collect(),
        field_rules: permissions::merge_field_rules(held.iter().map(|r| &r.field_rules)),
        // No forms and no session: nothing to sign a form token with.
        form_token: String::new(),
        flash: None,
        client_addr: client.0.clone(),
        session_hash: String::new(),
        acting: None,
    }))
}

/// One's app passwords, newest first (never their secrets).
#[utoipa::path(get, path = "/api/v1/me/app-passwords", tag = "auth",
    responses((status = 200, body = AppPasswordList), (status = 401, body = ErrorBody)))]
pub(super) async fn list_own(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<AppPasswordList>> {
    Ok(Json(AppPasswordList {
        items: list(&state, &caller).await?,
        next_cursor: None,
    }))
}

/// Makes an app password for a client that cannot use the sign-in page
/// (WebDAV at `/dav/`): it signs in there with HTTP Basic, your email as the
/// user name. The password is in this answer only.
#[utoipa::path(post, path = "/api/v1/me/app-passwords", tag = "auth", request_body = NewAppPassword,
    responses((status = 201, body = CreatedAppPassword), (status = 401, body = ErrorBody),
        (status = 422, body = ErrorBody, description = "No name, a name too long, or too many app passwords")))]
pub(super) async fn create_own(
    State(state): State<AppState>,
    caller: Caller,
    Json(input): Json<NewAppPassword>,
) -> Result<Response> {
    let made = create(&state, &caller, &input.name).await?;
    Ok((StatusCode::CREATED, Json(made)).into_response())
}

/// Revokes one of one's app passwords: the client using it is refused from
/// its next request.
#[utoipa::path(delete, path = "/api/v1/me/app-passwords/{id}", tag = "auth", params(("id" = String, Path)),
    responses((status = 204, description = "Revoked"), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub(super) async fn revoke_own(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<StatusCode> {
    revoke(&state, &caller, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The same routes under My Profile's name for them,
/// `/api/v1/profile/app-passwords`.
pub(super) mod profile {
    use super::*;

    /// One's app passwords, newest first (as `GET /api/v1/me/app-passwords`).
    #[utoipa::path(get, path = "/api/v1/profile/app-passwords", tag = "auth",
        responses((status = 200, body = AppPasswordList), (status = 401, body = ErrorBody)))]
    pub(in crate::auth) async fn list_own(
        state: State<AppState>,
        caller: Caller,
    ) -> Result<Json<AppPasswordList>> {
        super::list_own(state, caller).await
    }

    /// Makes an app password (as `POST /api/v1/me/app-passwords`).
    #[utoipa::path(post, path = "/api/v1/profile/app-passwords", tag = "auth", request_body = NewAppPassword,
        responses((status = 201, body = CreatedAppPassword), (status = 401, body = ErrorBody),
            (status = 422, body = ErrorBody)))]
    pub(in crate::auth) async fn create_own(
        state: State<AppState>,
        caller: Caller,
        input: Json<NewAppPassword>,
    ) -> Result<Response> {
        super::create_own(state, caller, input).await
    }

    /// Revokes one of one's app passwords (as `DELETE
    /// /api/v1/me/app-passwords/{id}`).
    #[utoipa::path(delete, path = "/api/v1/profile/app-passwords/{id}", tag = "auth", params(("id" = String, Path)),
        responses((status = 204, description = "Revoked"), (status = 401, body = ErrorBody),
            (status = 404, body = ErrorBody)))]
    pub(in crate::auth) async fn revoke_own(
        state: State<AppState>,
        caller: Caller,
        id: Path<String>,
    ) -> Result<StatusCode> {
        super::revoke_own(state, caller, id).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn basic_credentials_are_read_from_the_header() {
        let mut headers = HeaderMap::new();
        assert_eq!(basic_credentials(&headers), None);
        let encoded = STANDARD.encode("ana@example.com:se:cret");
        let value = HeaderValue::from_str(&format!("Basic {encoded}"))
            .unwrap_or_else(|_| HeaderValue::from_static(""));
        headers.insert(header::AUTHORIZATION, value);
        assert_eq!(
            basic_credentials(&headers),
            Some(("ana@example.com".into(), "se:cret".into()))
        );
        headers.insert(
            header::AUTHORIZATION,
            HeaderValue::from_static("Bearer abc"),
        );
        assert_eq!(basic_credentials(&headers), None);
        headers.insert(header::AUTHORIZATION, HeaderValue::from_static("Basic !!!"));
        assert_eq!(basic_credentials(&headers), None);
    }
}
