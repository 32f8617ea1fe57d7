//! Roles: named sets of permissions plus field rules. Each practice starts
//! with Administrator, Consultant and Assistant; administrators add more.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use sqlx::{Any, AssertSqlSafe, Executor, Row};
use utoipa::ToSchema;

use super::permissions::{self, FieldRules};
use crate::api::ClientAddr;
use crate::api::{Json, Path, expected_version, text_field};
use crate::audit::{self, Actor};
use crate::auth::Caller;
use crate::clock::rfc3339;
use crate::db::{Tx, new_id};
use crate::error::{AppError, ErrorBody, FieldErrors, Result, unique_violation};
use crate::practices::Practice;
use crate::state::AppState;

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Role {
    pub id: String,
    pub version: i64,
    pub name: String,
    pub description: String,
    pub permissions: Vec<String>,
    /// Field → `hidden` or `read_only`, e.g. `{"applicant.passport_number": "hidden"}`.
    #[schema(value_type = Object)]
    pub field_rules: FieldRules,
    /// Built-in roles cannot be deleted.
    pub builtin: bool,
    pub created_at: String,
    pub updated_at: String,
}

#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RoleInput {
    pub name: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub permissions: Vec<String>,
    #[serde(default)]
    #[schema(value_type = Object)]
    pub field_rules: FieldRules,
    /// Required on update (or `If-Match`): the version being changed.
    pub version: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct RoleList {
    pub items: Vec<Role>,
    pub next_cursor: Option<String>,
}

const COLUMNS: &str =
    "id, version, name, description, permissions, field_rules, builtin, created_at, updated_at";

fn from_row(r: &sqlx::any::AnyRow) -> Result<Role> {
    let permissions: Vec<String> = serde_json::from_str(r.get("permissions"))
        .map_err(|e| anyhow::anyhow!("stored role permissions: {e}"))?;
    let field_rules: FieldRules = serde_json::from_str(r.get("field_rules"))
        .map_err(|e| anyhow::anyhow!("stored role field rules: {e}"))?;
    Ok(Role {
        id: r.get("id"),
        version: r.get("version"),
        name: r.get("name"),
        description: r.get("description"),
        permissions,
        field_rules,
        builtin: r.get::<i64, _>("builtin") != 0,
        created_at: rfc3339(r.get("created_at")),
        updated_at: rfc3339(r.get("updated_at")),
    })
}

/// The roles a user holds.
pub async fn of_user<'e, E>(db: E, practice: &Practice, user_id: &str) -> Result<Vec<Role>>
where
    E: Executor<'e, Database = Any>,
{
    let rows = sqlx::query(AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM roles WHERE practice_id = $1 AND id IN \
         (SELECT role_id FROM user_roles WHERE practice_id = $1 AND user_id = $2) ORDER BY name"
    )))
    .bind(practice.id())
    .bind(user_id)
    .fetch_all(db)
    .await?;
    rows.iter().map(from_row).collect()
}

pub async fn list_all<'e, E>(db: E, practice: &Practice) -> Result<Vec<Role>>
where
    E: Executor<'e, Database = Any>,
{
    let rows = sqlx::query(AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM roles WHERE practice_id = $1 ORDER BY name"
    )))
    .bind(practice.id())
    .fetch_all(db)
    .await?;
    rows.iter().map(from_row).collect()
}

pub async fn find<'e, E>(db: E, practice: &Practice, id: &str) -> Result<Option<Role>>
where
    E: Executor<'e, Database = Any>,
{
    let row = sqlx::query(AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM roles WHERE practice_id = $1 AND id = $2"
    )))
    .bind(practice.id())
    .bind(id)
    .fetch_optional(db)
    .await?;
    row.as_ref().map(from_row).transpose()
}

pub async fn find_by_name<'e, E>(db: E, practice: &Practice, name: &str) -> Result<Option<Role>>
where
    E: Executor<'e, Database = Any>,
{
    let row = sqlx::query(AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM roles WHERE practice_id = $1 AND name = $2"
    )))
    .bind(practice.id())
    .bind(name)
    .fetch_optional(db)
    .await?;
    row.as_ref().map(from_row).transpose()
}

struct CheckedRole {
    name: String,
    description: String,
    permissions: Vec<String>,
    field_rules: FieldRules,
}

fn check(input: RoleInput) -> Result<CheckedRole> {
    let mut errors = FieldErrors::new();
    let name = text_field(&mut errors, "name", &input.name, true, 60);
    let description = text_field(&mut errors, "description", &input.description, false, 300);
    let mut perms: Vec<String> = input
        .permissions
        .iter()
        .map(|p| p.trim().to_string())
        .collect();
    perms.sort();
    perms.dedup();
    if perms.len() > 300 {
        errors.insert(
            "permissions".into(),
            "at most 300 permissions per role".into(),
        );
    }
    permissions::validate_permissions(&perms, &mut errors);
    permissions::validate_field_rules(&input.field_rules, &mut errors);
    AppError::check_fields(errors)?;
    Ok(CheckedRole {
        name,
        description,
        permissions: perms,
        field_rules: input.field_rules,
    })
}

async fn insert<'e, E>(
    db: E,
    practice: &Practice,
    role: &CheckedRole,
    builtin: bool,
    now: i64,
) -> Result<String>
where
    E: Executor<'e, Database = Any>,
{
    let id = new_id();
    sqlx::query(
        "INSERT INTO roles (id, practice_id, name, description, permissions, field_rules, builtin, \
         version, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, 1, $8, $8)",
    )
    .bind(&id)
    .bind(practice.id())
    .bind(&role.name)
    .bind(&role.description)
    .bind(serde_json::to_string(&role.permissions).unwrap_or_default())
    .bind(serde_json::to_string(&role.field_rules).unwrap_or_default())
    .bind(i64::from(builtin))
    .bind(now)
    .execute(db)
    .await
    .map_err(|e| unique_violation(e, "name", "a role with this name exists"))?;
    Ok(id)
}

/// Creates the default roles of a new practice; returns the Administrator's id.
pub async fn insert_defaults(
    tx: &mut crate::db::Tx,
    practice: &Practice,
    now: i64,
) -> Result<String> {
    let mut admin = String::new();
    for (name, description, perms) in permissions::default_roles() {
        let role = CheckedRole {
            name: name.into(),
            description: description.into(),
            permissions: perms,
            field_rules: FieldRules::new(),
        };
        let id = insert(&mut **tx, practice, &role, true, now).await?;
        if name == "Administrator" {
            admin = id;
        }
    }
    Ok(admin)
}

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
    let items = list_all(state.db.pool(), &caller.practice).await?;
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
    let role = check(input)?;
    let now = state.now_ms();
    let mut tx = state.db.begin().await?;
    let id = insert(&mut *tx, &caller.practice, &role, false, now).await?;
    let entry = audit::Entry {
        actor: Actor::of(caller),
        action: "role.created",
        target: Some(format!("role:{id}")),
        client_addr: Some(&client.0),
        details: serde_json::json!({ "name": role.name, "permissions": role.permissions, "field_rules": role.field_rules }),
    };
    audit::record(&mut *tx, &caller.practice, now, entry).await?;
    let role = find(&mut *tx, &caller.practice, &id)
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
    let role = find(state.db.pool(), &caller.practice, &id)
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
    let role = check(input)?;
    let now = state.now_ms();
    let mut tx = state.db.begin().await?;
    let before = find(&mut *tx, &caller.practice, id)
        .await?
        .ok_or(AppError::NotFound("role"))?;
    if before.version != version {
        return Err(stale(&before));
    }
    sqlx::query(
        "UPDATE roles SET name = $3, description = $4, permissions = $5, field_rules = $6, \
         version = version + 1, updated_at = $7 WHERE practice_id = $1 AND id = $2",
    )
    .bind(caller.practice.id())
    .bind(id)
    .bind(&role.name)
    .bind(&role.description)
    .bind(serde_json::to_string(&role.permissions).unwrap_or_default())
    .bind(serde_json::to_string(&role.field_rules).unwrap_or_default())
    .bind(now)
    .execute(&mut *tx)
    .await
    .map_err(|e| unique_violation(e, "name", "a role with this name exists"))?;
    super::ensure_an_administrator_remains(&mut tx, &caller.practice).await?;
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
    let after = find(&mut *tx, &caller.practice, id)
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
    let role = find(&mut *tx, &caller.practice, id)
        .await?
        .ok_or(AppError::NotFound("role"))?;
    if role.builtin {
        return Err(AppError::conflict(format!(
            "{} is a built-in role and cannot be deleted",
            role.name
        )));
    }
    let holders: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM user_roles WHERE practice_id = $1 AND role_id = $2",
    )
    .bind(caller.practice.id())
    .bind(id)
    .fetch_one(&mut *tx)
    .await?;
    if holders > 0 {
        return Err(AppError::conflict(format!(
            "{holders} user(s) hold the role {}; take it from them first",
            role.name
        )));
    }
    sqlx::query("DELETE FROM roles WHERE practice_id = $1 AND id = $2")
        .bind(caller.practice.id())
        .bind(id)
        .execute(&mut *tx)
        .await?;
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

fn stale(current: &Role) -> AppError {
    AppError::Conflict {
        message: format!(
            "this role was changed by someone else (now at version {}); review it and try again",
            current.version
        ),
        current: serde_json::to_value(current).ok(),
    }
}

/// Adds `permissions` to the practice's built-in Administrator role where
/// it lacks them (a module's own permissions, when the module is enabled:
/// the administrator holds "everything"). Returns the role's id and the
/// permissions added, if any were.
pub async fn grant_to_administrator(
    tx: &mut Tx,
    practice: &Practice,
    permissions: &[String],
    now: i64,
) -> Result<Option<(String, Vec<String>)>> {
    let row = sqlx::query(AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM roles WHERE practice_id = $1 AND builtin = 1 AND name = 'Administrator'"
    )))
    .bind(practice.id())
    .fetch_optional(&mut **tx)
    .await?;
    let Some(role) = row.as_ref().map(from_row).transpose()? else {
        return Ok(None);
    };
    let added: Vec<String> = permissions
        .iter()
        .filter(|p| !role.permissions.contains(p))
        .cloned()
        .collect();
    if added.is_empty() {
        return Ok(None);
    }
    let mut all = role.permissions.clone();
    all.extend(added.iter().cloned());
    sqlx::query(
        "UPDATE roles SET permissions = $3, version = version + 1, updated_at = $4 \
         WHERE practice_id = $1 AND id = $2",
    )
    .bind(practice.id())
    .bind(&role.id)
    .bind(serde_json::to_string(&all).unwrap_or_default())
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(Some((role.id, added)))
}
