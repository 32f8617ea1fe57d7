//! `/api/v1/roles`: the practice's roles, managed by whoever holds
//! `roles.manage`, each change in the audit log.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::access::roles::{self, Role, RoleInput, RoleList};
use crate::access::{Caller, ensure_an_administrator_remains};
use crate::api::{ClientAddr, Json, Path};
use crate::audit::{self, Actor};
use crate::error::{AppError, ErrorBody, Result};
use crate::input::expected_version;
use crate::state::AppState;

fn created(role: Role) -> Response {
    let location = format!("/api/v1/roles/{}", role.id);
    let mut response = (StatusCode::CREATED, Json(role)).into_response();
    if let Ok(v) = location.parse() {
        response.headers_mut().insert(header::LOCATION, v);
    }
    response
}

/// All roles of the practice.
#[utoipa::path(get, path = "/api/v1/roles", tag = "roles",
    responses((status = 200, body = RoleList), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub(super) async fn list_roles(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<RoleList>> {
    caller.require_any(&["roles.manage", "users.manage"])?;
    let items = roles::list_all(state.db.pool(), &caller.practice).await?;
    Ok(Json(RoleList {
        items,
        next_cursor: None,
    }))
}

/// Creates a role.
#[utoipa::path(post, path = "/api/v1/roles", tag = "roles", request_body = RoleInput,
    responses((status = 201, body = Role), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub(super) async fn create_role(
    State(state): State<AppState>,
    caller: Caller,
    client: ClientAddr,
    Json(input): Json<RoleInput>,
) -> Result<Response> {
    create(&state, &caller, &client, input).await.map(created)
}

/// Creates a role (needs `roles.manage`).
pub async fn create(
    state: &AppState,
    caller: &Caller,
    client: &ClientAddr,
    input: RoleInput,
) -> Result<Role> {
    caller.require("roles.manage")?;
    let role = roles::check(input)?;
    let now = state.now_ms();
    let mut tx = state.db.begin().await?;
    let id = roles::insert(&mut *tx, &caller.practice, &role, false, now).await?;
    let entry = audit::Entry {
        actor: Actor::of(caller),
        action: "role.created",
        target: Some(format!("role:{id}")),
        client_addr: Some(&client.0),
        details: serde_json::json!({ "name": role.name, "permissions": role.permissions, "field_rules": role.field_rules }),
    };
    audit::record(&mut *tx, &caller.practice, now, entry).await?;
    let role = roles::find(&mut *tx, &caller.practice, &id)
        .await?
        .ok_or(AppError::NotFound("role"))?;
    tx.commit().await?;
    Ok(role)
}

/// One role.
#[utoipa::path(get, path = "/api/v1/roles/{id}", tag = "roles", params(("id" = String, Path)),
    responses((status = 200, body = Role), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub(super) async fn get_role(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Role>> {
    caller.require_any(&["roles.manage", "users.manage"])?;
    let role = roles::find(state.db.pool(), &caller.practice, &id)
        .await?
        .ok_or(AppError::NotFound("role"))?;
    Ok(Json(role))
}

/// Replaces a role's name, description, permissions and field rules. A stale
/// `version` gets 409 with the role as it is now.
#[utoipa::path(put, path = "/api/v1/roles/{id}", tag = "roles", params(("id" = String, Path)), request_body = RoleInput,
    responses((status = 200, body = Role), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(super) async fn update_role(
    State(state): State<AppState>,
    caller: Caller,
    client: ClientAddr,
    Path(id): Path<String>,
    headers: HeaderMap,
    Json(input): Json<RoleInput>,
) -> Result<Json<Role>> {
    caller.require("roles.manage")?;
    let version = expected_version(&headers, input.version)?;
    update(&state, &caller, &client, &id, version, input)
        .await
        .map(Json)
}

/// Replaces a role at `version` (needs `roles.manage`); a stale version is a
/// conflict carrying the role as it is now.
pub async fn update(
    state: &AppState,
    caller: &Caller,
    client: &ClientAddr,
    id: &str,
    version: i64,
    input: RoleInput,
) -> Result<Role> {
    caller.require("roles.manage")?;
    let role = roles::check(input)?;
    let now = state.now_ms();
    let mut tx = state.db.begin().await?;
    let before = roles::find(&mut *tx, &caller.practice, id)
        .await?
        .ok_or(AppError::NotFound("role"))?;
    if before.version != version {
        return Err(roles::stale(&before));
    }
    roles::replace(&mut tx, &caller.practice, id, &role, now).await?;
    ensure_an_administrator_remains(&mut tx, &caller.practice).await?;
    let entry = audit::Entry {
        actor: Actor::of(caller),
        action: "role.updated",
        target: Some(format!("role:{id}")),
        client_addr: Some(&client.0),
        details: serde_json::json!({
            "before": { "name": before.name, "permissions": before.permissions, "field_rules": before.field_rules },
            "after": { "name": role.name, "permissions": role.permissions, "field_rules": role.field_rules },
        }),
    };
    audit::record(&mut *tx, &caller.practice, now, entry).await?;
    let after = roles::find(&mut *tx, &caller.practice, id)
        .await?
        .ok_or(AppError::NotFound("role"))?;
    tx.commit().await?;
    Ok(after)
}

/// Deletes a role that is not built in and that nobody holds.
#[utoipa::path(delete, path = "/api/v1/roles/{id}", tag = "roles", params(("id" = String, Path)),
    responses((status = 204), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub(super) async fn delete_role(
    State(state): State<AppState>,
    caller: Caller,
    client: ClientAddr,
    Path(id): Path<String>,
) -> Result<StatusCode> {
    delete(&state, &caller, &client, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Deletes a role that is not built in and that nobody holds (needs
/// `roles.manage`); returns it as it was.
pub async fn delete(
    state: &AppState,
    caller: &Caller,
    client: &ClientAddr,
    id: &str,
) -> Result<Role> {
    caller.require("roles.manage")?;
    let now = state.now_ms();
    let mut tx = state.db.begin().await?;
    let role = roles::find(&mut *tx, &caller.practice, id)
        .await?
        .ok_or(AppError::NotFound("role"))?;
    if role.builtin {
        return Err(AppError::conflict(format!(
            "{} is a built-in role and cannot be deleted",
            role.name
        )));
    }
    let holders = roles::holders(&mut tx, &caller.practice, id).await?;
    if holders > 0 {
        return Err(AppError::conflict(format!(
            "{holders} user(s) hold the role {}; take it from them first",
            role.name
        )));
    }
    let acting: Vec<String> = sqlx::query_scalar(
        "SELECT name FROM workflows WHERE practice_id = $1 AND role_id = $2 ORDER BY name",
    )
    .bind(caller.practice.id())
    .bind(id)
    .fetch_all(&mut *tx)
    .await?;
    if !acting.is_empty() {
        return Err(AppError::conflict(format!(
            "the workflow(s) {} act with the role {}; give them another role first",
            acting.join(", "),
            role.name
        )));
    }
    roles::remove(&mut tx, &caller.practice, id).await?;
    let entry = audit::Entry {
        actor: Actor::of(caller),
        action: "role.deleted",
        target: Some(format!("role:{id}")),
        client_addr: Some(&client.0),
        details: serde_json::json!({ "name": role.name }),
    };
    audit::record(&mut *tx, &caller.practice, now, entry).await?;
    tx.commit().await?;
    Ok(role)
}
