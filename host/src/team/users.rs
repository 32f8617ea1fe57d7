//! `/api/v1/users`: the practice's people, managed by whoever holds
//! `users.manage`.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::access::users::{self, DEFAULT_TIME_ZONE, User};
use crate::access::{Caller, ensure_an_administrator_remains};
use crate::api::{ClientAddr, Json, Path, Query};
use crate::audit::{self, Actor};
use crate::auth::{password, reset, session};
use crate::error::{AppError, ErrorBody, FieldErrors, Result};
use crate::input::{expected_version, name_field, page_limit};
use crate::state::AppState;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewUser {
    pub email: String,
    pub display_name: String,
    /// Role ids.
    #[serde(default)]
    pub roles: Vec<String>,
    /// IANA time zone; defaults to `America/Toronto`.
    pub time_zone: Option<String>,
    /// Optional. Without one, the user is emailed a link to set their own.
    pub password: Option<String>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserPatch {
    pub display_name: Option<String>,
    pub time_zone: Option<String>,
    /// Role ids: replaces the user's roles.
    pub roles: Option<Vec<String>>,
    /// Disabling ends every session of the user at once.
    pub disabled: Option<bool>,
    /// The version being changed (or send `If-Match`).
    pub version: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct UserList {
    pub items: Vec<User>,
    pub next_cursor: Option<String>,
}

#[derive(Default, Deserialize, IntoParams)]
pub struct ListQuery {
    pub cursor: Option<String>,
    /// 1 to 200, default 50.
    pub limit: Option<i64>,
}

/// The practice's users, oldest first.
#[utoipa::path(get, path = "/api/v1/users", tag = "users", params(ListQuery),
    responses((status = 200, body = UserList), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub(super) async fn list_users(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<ListQuery>,
) -> Result<Json<UserList>> {
    list(&state, &caller, q).await.map(Json)
}

/// A page of the practice's users, oldest first (needs `users.manage`).
pub async fn list(state: &AppState, caller: &Caller, q: ListQuery) -> Result<UserList> {
    caller.require("users.manage")?;
    let limit = page_limit(q.limit)?;
    let mut tx = state.db.begin().await?;
    let accounts = users::page(
        &mut tx,
        &caller.practice,
        &q.cursor.unwrap_or_default(),
        limit + 1,
    )
    .await?;
    let mut items = Vec::with_capacity(accounts.len());
    let more = accounts.len() as i64 > limit;
    for account in accounts.into_iter().take(limit as usize) {
        items.push(users::view(&mut tx, &caller.practice, account).await?);
    }
    let next_cursor = more.then(|| items.last().map(|u| u.id.clone())).flatten();
    tx.commit().await?;
    Ok(UserList { items, next_cursor })
}

/// Creates a user. Without a password, the user is emailed a link to set one.
#[utoipa::path(post, path = "/api/v1/users", tag = "users", request_body = NewUser,
    responses((status = 201, body = User), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub(super) async fn create_user(
    State(state): State<AppState>,
    caller: Caller,
    client: ClientAddr,
    Json(input): Json<NewUser>,
) -> Result<Response> {
    let user = create(&state, &caller, &client, input).await?;
    let location = format!("/api/v1/users/{}", user.id);
    let mut response = (StatusCode::CREATED, Json(user)).into_response();
    if let Ok(v) = location.parse() {
        response.headers_mut().insert(header::LOCATION, v);
    }
    Ok(response)
}

/// Creates a user (needs `users.manage`). Without a password, the user is
/// emailed a link to set one.
pub async fn create(
    state: &AppState,
    caller: &Caller,
    client: &ClientAddr,
    input: NewUser,
) -> Result<User> {
    caller.require("users.manage")?;
    let mut errors = FieldErrors::new();
    let email = users::check_email(&mut errors, &input.email);
    let display_name = name_field(&mut errors, "display_name", &input.display_name, true, 100);
    let time_zone = users::check_time_zone(
        &mut errors,
        input.time_zone.as_deref().unwrap_or(DEFAULT_TIME_ZONE),
    );
    if let Some(pw) = &input.password
        && let Err(e) = password::check_new(pw, &email)
    {
        errors.insert("password".into(), e.to_string());
    }
    let mut tx = state.db.begin().await?;
    let roles = users::check_roles(&mut tx, &caller.practice, &mut errors, &input.roles).await?;
    AppError::check_fields(errors)?;
    let password_hash = match input.password {
        Some(pw) => Some(password::hash(pw).await?),
        None => None,
    };
    let now = state.now_ms();
    let invite = password_hash.is_none();
    let new = users::NewAccount {
        email: &email,
        display_name: &display_name,
        time_zone: &time_zone,
        password_hash,
        role_ids: &roles,
    };
    let account = users::insert(&mut tx, &caller.practice, new, now).await?;
    if invite {
        reset::send_invite(
            &mut tx,
            state,
            &caller.practice,
            &account,
            &caller.display_name,
        )
        .await?;
    }
    let entry = audit::Entry {
        actor: Actor::of(caller),
        action: "user.created",
        target: Some(format!("user:{}", account.id)),
        client_addr: Some(&client.0),
        details: serde_json::json!({ "email": account.email, "roles": roles, "invited": invite }),
    };
    audit::record(&mut *tx, &caller.practice, now, entry).await?;
    let user = users::view(&mut tx, &caller.practice, account).await?;
    tx.commit().await?;
    if invite {
        state.mail.wake();
    }
    Ok(user)
}

/// Sends an invited person a new invitation (needs `users.manage`): a new
/// link, and the earlier ones no longer work. Someone who has set their
/// password is not invited again (409: they reset it from the sign-in page).
#[utoipa::path(post, path = "/api/v1/users/{id}/invitation", tag = "users", params(("id" = String, Path)),
    responses((status = 200, body = User, description = "A new invitation is on its way"),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody, description = "They have set a password, or the account is disabled")))]
pub(super) async fn resend_invitation(
    State(state): State<AppState>,
    caller: Caller,
    client: ClientAddr,
    Path(id): Path<String>,
) -> Result<Json<User>> {
    reinvite(&state, &caller, &client, &id).await.map(Json)
}

/// [`resend_invitation`], for the API and the user's page.
pub async fn reinvite(
    state: &AppState,
    caller: &Caller,
    client: &ClientAddr,
    id: &str,
) -> Result<User> {
    caller.require("users.manage")?;
    let mut tx = state.db.begin().await?;
    let account = users::find(&mut *tx, &caller.practice, id)
        .await?
        .ok_or(AppError::NotFound("user"))?;
    if account.disabled_at.is_some() {
        return Err(AppError::conflict(format!(
            "{} is disabled: enable the account before inviting them again",
            account.display_name
        )));
    }
    if account.password_hash.is_some() {
        return Err(AppError::conflict(format!(
            "{} has already set a password; if they forgot it, they reset it from the sign-in page",
            account.display_name
        )));
    }
    reset::withdraw_invites(&mut tx, state, &caller.practice, &account.id).await?;
    reset::send_invite(
        &mut tx,
        state,
        &caller.practice,
        &account,
        &caller.display_name,
    )
    .await?;
    let entry = audit::Entry {
        actor: Actor::of(caller),
        action: "user.invitation_resent",
        target: Some(format!("user:{}", account.id)),
        client_addr: Some(&client.0),
        details: serde_json::json!({ "email": account.email }),
    };
    audit::record(&mut *tx, &caller.practice, state.now_ms(), entry).await?;
    let user = users::view(&mut tx, &caller.practice, account).await?;
    tx.commit().await?;
    state.mail.wake();
    Ok(user)
}

/// One user. Everyone may read their own account; others need `users.manage`.
#[utoipa::path(get, path = "/api/v1/users/{id}", tag = "users", params(("id" = String, Path)),
    responses((status = 200, body = User), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub(super) async fn get_user(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<User>> {
    get(&state, &caller, &id).await.map(Json)
}

/// One user: oneself, or anyone with `users.manage`.
pub async fn get(state: &AppState, caller: &Caller, id: &str) -> Result<User> {
    if id != caller.user_id {
        caller.require("users.manage")?;
    }
    let mut tx = state.db.begin().await?;
    let account = users::find(&mut *tx, &caller.practice, id)
        .await?
        .ok_or(AppError::NotFound("user"))?;
    let user = users::view(&mut tx, &caller.practice, account).await?;
    tx.commit().await?;
    Ok(user)
}

/// Changes a user's name, time zone, roles or disabled state. A stale
/// `version` gets 409 with the user as it is now.
#[utoipa::path(patch, path = "/api/v1/users/{id}", tag = "users", params(("id" = String, Path)), request_body = UserPatch,
    responses((status = 200, body = User), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(super) async fn update_user(
    State(state): State<AppState>,
    caller: Caller,
    client: ClientAddr,
    Path(id): Path<String>,
    headers: HeaderMap,
    Json(patch): Json<UserPatch>,
) -> Result<Json<User>> {
    caller.require("users.manage")?;
    let version = expected_version(&headers, patch.version)?;
    update(&state, &caller, &client, &id, version, patch)
        .await
        .map(Json)
}

/// Changes a user at `version` (needs `users.manage`); a stale version is a
/// conflict carrying the user as they are now.
pub async fn update(
    state: &AppState,
    caller: &Caller,
    client: &ClientAddr,
    id: &str,
    version: i64,
    patch: UserPatch,
) -> Result<User> {
    caller.require("users.manage")?;
    let mut errors = FieldErrors::new();
    let display_name = patch
        .display_name
        .as_deref()
        .map(|n| name_field(&mut errors, "display_name", n, true, 100));
    let time_zone = patch
        .time_zone
        .as_deref()
        .map(|tz| users::check_time_zone(&mut errors, tz));
    if patch.disabled == Some(true) && id == caller.user_id {
        errors.insert(
            "disabled".into(),
            "you cannot disable your own account".into(),
        );
    }
    let now = state.now_ms();
    let mut tx = state.db.begin().await?;
    let roles = match &patch.roles {
        Some(r) => Some(users::check_roles(&mut tx, &caller.practice, &mut errors, r).await?),
        None => None,
    };
    AppError::check_fields(errors)?;
    let before = users::find(&mut *tx, &caller.practice, id)
        .await?
        .ok_or(AppError::NotFound("user"))?;
    let before = users::view(&mut tx, &caller.practice, before).await?;
    if before.version != version {
        return Err(AppError::Conflict {
            message: format!(
                "this user was changed by someone else (now at version {}); review and try again",
                before.version
            ),
            current: serde_json::to_value(&before).ok(),
        });
    }
    let disabled_at = match patch.disabled {
        Some(true) if !before.disabled => Some(Some(now)),
        Some(false) if before.disabled => Some(None),
        _ => None,
    };
    sqlx::query(
        "UPDATE users SET display_name = COALESCE($3, display_name), time_zone = COALESCE($4, time_zone), \
         disabled_at = CASE WHEN $5 = 1 THEN $6 ELSE disabled_at END, version = version + 1, updated_at = $7 \
         WHERE practice_id = $1 AND id = $2",
    )
    .bind(caller.practice.id())
    .bind(id)
    .bind(display_name.as_deref())
    .bind(time_zone.as_deref())
    .bind(i64::from(disabled_at.is_some()))
    .bind(disabled_at.flatten())
    .bind(now)
    .execute(&mut *tx)
    .await?;
    if let Some(roles) = &roles {
        users::set_roles(&mut tx, &caller.practice, id, roles).await?;
    }
    let mut ended = 0;
    if matches!(disabled_at, Some(Some(_))) {
        ended = session::end_all_for_user(&mut tx, &caller.practice, id, None).await?;
    }
    ensure_an_administrator_remains(&mut tx, &caller.practice).await?;
    let after = users::find(&mut *tx, &caller.practice, id)
        .await?
        .ok_or(AppError::NotFound("user"))?;
    let after = users::view(&mut tx, &caller.practice, after).await?;
    let action = match disabled_at {
        Some(Some(_)) => "user.disabled",
        Some(None) => "user.enabled",
        None => "user.updated",
    };
    let entry = audit::Entry {
        actor: Actor::of(caller),
        action,
        target: Some(format!("user:{id}")),
        client_addr: Some(&client.0),
        details: serde_json::json!({
            "before": { "display_name": before.display_name, "time_zone": before.time_zone, "roles": before.roles, "disabled": before.disabled },
            "after": { "display_name": after.display_name, "time_zone": after.time_zone, "roles": after.roles, "disabled": after.disabled },
            "sessions_ended": ended,
        }),
    };
    audit::record(&mut *tx, &caller.practice, now, entry).await?;
    tx.commit().await?;
    Ok(after)
}
