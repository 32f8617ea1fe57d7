//! The practice's people: accounts, their roles, and the administrator routes
//! that create, change and disable them.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use sqlx::{Any, AssertSqlSafe, Executor, Row};
use utoipa::{IntoParams, ToSchema};

use crate::api::{ClientAddr, Json, Path, Query, expected_version, page_limit, text_field};
use crate::audit::{self, Actor};
use crate::auth::{Caller, password, reset, session};
use crate::clock::rfc3339;
use crate::db::{Tx, new_id};
use crate::error::{AppError, ErrorBody, FieldErrors, Result, unique_violation};
use crate::practices::Practice;
use crate::state::AppState;

/// A user as the API shows it.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct User {
    pub id: String,
    pub version: i64,
    pub email: String,
    pub display_name: String,
    /// Role ids.
    pub roles: Vec<String>,
    pub disabled: bool,
    /// IANA time zone, e.g. `America/Toronto`.
    pub time_zone: String,
    /// Added below the emails the user writes from ImmCase.
    pub email_signature: String,
    pub created_at: String,
    pub updated_at: String,
}

/// A user as stored.
#[derive(Clone, Debug)]
pub struct Account {
    pub id: String,
    pub version: i64,
    pub email: String,
    pub display_name: String,
    pub password_hash: Option<String>,
    pub time_zone: String,
    pub email_signature: String,
    pub disabled_at: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
}

const COLUMNS: &str = "id, version, email, display_name, password_hash, time_zone, email_signature, \
     disabled_at, created_at, updated_at";

fn from_row(r: &sqlx::any::AnyRow) -> Account {
    Account {
        id: r.get("id"),
        version: r.get("version"),
        email: r.get("email"),
        display_name: r.get("display_name"),
        password_hash: r.get("password_hash"),
        time_zone: r.get("time_zone"),
        email_signature: r.get("email_signature"),
        disabled_at: r.get("disabled_at"),
        created_at: r.get("created_at"),
        updated_at: r.get("updated_at"),
    }
}

/// Emails are compared trimmed and lowercased.
pub fn normalize_email(email: &str) -> String {
    email.trim().to_lowercase()
}

pub async fn find_by_email<'e, E>(
    db: E,
    practice: &Practice,
    email: &str,
) -> Result<Option<Account>>
where
    E: Executor<'e, Database = Any>,
{
    let row = sqlx::query(AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM users WHERE practice_id = $1 AND email = $2"
    )))
    .bind(practice.id())
    .bind(normalize_email(email))
    .fetch_optional(db)
    .await?;
    Ok(row.as_ref().map(from_row))
}

pub async fn find<'e, E>(db: E, practice: &Practice, id: &str) -> Result<Option<Account>>
where
    E: Executor<'e, Database = Any>,
{
    let row = sqlx::query(AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM users WHERE practice_id = $1 AND id = $2"
    )))
    .bind(practice.id())
    .bind(id)
    .fetch_optional(db)
    .await?;
    Ok(row.as_ref().map(from_row))
}

pub async fn role_ids<'e, E>(db: E, practice: &Practice, user_id: &str) -> Result<Vec<String>>
where
    E: Executor<'e, Database = Any>,
{
    Ok(sqlx::query_scalar(
        "SELECT role_id FROM user_roles WHERE practice_id = $1 AND user_id = $2 ORDER BY role_id",
    )
    .bind(practice.id())
    .bind(user_id)
    .fetch_all(db)
    .await?)
}

pub async fn view(tx: &mut Tx, practice: &Practice, account: Account) -> Result<User> {
    let roles = role_ids(&mut **tx, practice, &account.id).await?;
    Ok(to_view(account, roles))
}

fn to_view(a: Account, roles: Vec<String>) -> User {
    User {
        id: a.id,
        version: a.version,
        email: a.email,
        display_name: a.display_name,
        roles,
        disabled: a.disabled_at.is_some(),
        time_zone: a.time_zone,
        email_signature: a.email_signature,
        created_at: rfc3339(a.created_at),
        updated_at: rfc3339(a.updated_at),
    }
}

pub struct NewAccount<'a> {
    pub email: &'a str,
    pub display_name: &'a str,
    pub time_zone: &'a str,
    pub password_hash: Option<String>,
    pub role_ids: &'a [String],
}

pub async fn insert(
    tx: &mut Tx,
    practice: &Practice,
    new: NewAccount<'_>,
    now: i64,
) -> Result<Account> {
    let id = new_id();
    sqlx::query(
        "INSERT INTO users (id, practice_id, email, display_name, password_hash, time_zone, \
         version, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, 1, $7, $7)",
    )
    .bind(&id)
    .bind(practice.id())
    .bind(normalize_email(new.email))
    .bind(new.display_name)
    .bind(new.password_hash)
    .bind(new.time_zone)
    .bind(now)
    .execute(&mut **tx)
    .await
    .map_err(|e| unique_violation(e, "email", "a user with this email exists in this practice"))?;
    set_roles(tx, practice, &id, new.role_ids).await?;
    find(&mut **tx, practice, &id)
        .await?
        .ok_or(AppError::NotFound("user"))
}

async fn set_roles(
    tx: &mut Tx,
    practice: &Practice,
    user_id: &str,
    role_ids: &[String],
) -> Result<()> {
    sqlx::query("DELETE FROM user_roles WHERE practice_id = $1 AND user_id = $2")
        .bind(practice.id())
        .bind(user_id)
        .execute(&mut **tx)
        .await?;
    for role_id in role_ids {
        sqlx::query("INSERT INTO user_roles (practice_id, user_id, role_id) VALUES ($1, $2, $3)")
            .bind(practice.id())
            .bind(user_id)
            .bind(role_id)
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

pub async fn set_password_hash<'e, E>(
    db: E,
    practice: &Practice,
    user_id: &str,
    hash: &str,
    now: i64,
) -> Result<()>
where
    E: Executor<'e, Database = Any>,
{
    sqlx::query(
        "UPDATE users SET password_hash = $3, updated_at = $4, version = version + 1 \
         WHERE practice_id = $1 AND id = $2",
    )
    .bind(practice.id())
    .bind(user_id)
    .bind(hash)
    .bind(now)
    .execute(db)
    .await?;
    Ok(())
}

/// What a person may change of their own account.
pub struct ProfileChange<'a> {
    pub display_name: Option<&'a str>,
    pub time_zone: Option<&'a str>,
    pub email_signature: Option<&'a str>,
}

pub async fn update_profile(
    tx: &mut Tx,
    practice: &Practice,
    user_id: &str,
    change: ProfileChange<'_>,
    now: i64,
) -> Result<()> {
    sqlx::query(
        "UPDATE users SET display_name = COALESCE($3, display_name), time_zone = COALESCE($4, time_zone), \
         email_signature = COALESCE($5, email_signature), version = version + 1, updated_at = $6 \
         WHERE practice_id = $1 AND id = $2",
    )
    .bind(practice.id())
    .bind(user_id)
    .bind(change.display_name)
    .bind(change.time_zone)
    .bind(change.email_signature)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Checks an email address for a new account.
pub fn check_email(errors: &mut FieldErrors, email: &str) -> String {
    let email = normalize_email(email);
    if email.is_empty() {
        errors.insert("email".into(), "required".into());
    } else if email.len() > 254 || email.parse::<lettre::Address>().is_err() {
        errors.insert("email".into(), "not an email address".into());
    }
    email
}

/// Checks an IANA time zone name.
pub fn check_time_zone(errors: &mut FieldErrors, tz: &str) -> String {
    let tz = tz.trim();
    if jiff::tz::TimeZone::get(tz).is_err() {
        errors.insert(
            "time_zone".into(),
            format!("not a time zone name like America/Toronto: {tz:?}"),
        );
    }
    tz.to_string()
}

/// Checks that every role id names a role of the practice.
async fn check_roles(
    tx: &mut Tx,
    practice: &Practice,
    errors: &mut FieldErrors,
    roles: &[String],
) -> Result<Vec<String>> {
    let mut roles: Vec<String> = roles.to_vec();
    roles.sort();
    roles.dedup();
    let mut unknown = Vec::new();
    for id in &roles {
        if super::roles::find(&mut **tx, practice, id).await?.is_none() {
            unknown.push(id.as_str());
        }
    }
    if !unknown.is_empty() {
        errors.insert(
            "roles".into(),
            format!("no such role: {}", unknown.join(", ")),
        );
    }
    Ok(roles)
}

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

pub const DEFAULT_TIME_ZONE: &str = "America/Toronto";

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
    let rows = sqlx::query(AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM users WHERE practice_id = $1 AND id > $2 ORDER BY id LIMIT $3"
    )))
    .bind(caller.practice.id())
    .bind(q.cursor.unwrap_or_default())
    .bind(limit + 1)
    .fetch_all(&mut *tx)
    .await?;
    let mut items = Vec::with_capacity(rows.len());
    for row in rows.iter().take(limit as usize) {
        items.push(view(&mut tx, &caller.practice, from_row(row)).await?);
    }
    let next_cursor = (rows.len() as i64 > limit)
        .then(|| items.last().map(|u| u.id.clone()))
        .flatten();
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
    let email = check_email(&mut errors, &input.email);
    let display_name = text_field(&mut errors, "display_name", &input.display_name, true, 100);
    let time_zone = check_time_zone(
        &mut errors,
        input.time_zone.as_deref().unwrap_or(DEFAULT_TIME_ZONE),
    );
    if let Some(pw) = &input.password
        && let Err(e) = password::check_new(pw, &email)
    {
        errors.insert("password".into(), e);
    }
    let mut tx = state.db.begin().await?;
    let roles = check_roles(&mut tx, &caller.practice, &mut errors, &input.roles).await?;
    AppError::check_fields(errors)?;
    let password_hash = match input.password {
        Some(pw) => Some(password::hash(pw).await?),
        None => None,
    };
    let now = state.now_ms();
    let invite = password_hash.is_none();
    let new = NewAccount {
        email: &email,
        display_name: &display_name,
        time_zone: &time_zone,
        password_hash,
        role_ids: &roles,
    };
    let account = insert(&mut tx, &caller.practice, new, now).await?;
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
    let user = view(&mut tx, &caller.practice, account).await?;
    tx.commit().await?;
    if invite {
        state.mail.wake();
    }
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
    let account = find(&mut *tx, &caller.practice, id)
        .await?
        .ok_or(AppError::NotFound("user"))?;
    let user = view(&mut tx, &caller.practice, account).await?;
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
        .map(|n| text_field(&mut errors, "display_name", n, true, 100));
    let time_zone = patch
        .time_zone
        .as_deref()
        .map(|tz| check_time_zone(&mut errors, tz));
    if patch.disabled == Some(true) && id == caller.user_id {
        errors.insert(
            "disabled".into(),
            "you cannot disable your own account".into(),
        );
    }
    let now = state.now_ms();
    let mut tx = state.db.begin().await?;
    let roles = match &patch.roles {
        Some(r) => Some(check_roles(&mut tx, &caller.practice, &mut errors, r).await?),
        None => None,
    };
    AppError::check_fields(errors)?;
    let before = find(&mut *tx, &caller.practice, id)
        .await?
        .ok_or(AppError::NotFound("user"))?;
    let before = view(&mut tx, &caller.practice, before).await?;
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
        set_roles(&mut tx, &caller.practice, id, roles).await?;
    }
    let mut ended = 0;
    if matches!(disabled_at, Some(Some(_))) {
        ended = session::end_all_for_user(&mut *tx, &caller.practice, id, None).await?;
    }
    super::ensure_an_administrator_remains(&mut tx, &caller.practice).await?;
    let after = find(&mut *tx, &caller.practice, id)
        .await?
        .ok_or(AppError::NotFound("user"))?;
    let after = view(&mut tx, &caller.practice, after).await?;
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
