//! Access: users, roles, permissions and field rules. A role is a set of
//! permission strings plus field rules; a person's permissions are the union
//! of their roles'. A missing permission is a 403 that names it.

pub mod people;
pub mod permissions;
pub mod roles;
pub mod users;

use std::collections::{BTreeMap, BTreeSet};

use axum::extract::State;
use serde::Serialize;
use sqlx::Row;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::api::Json;
use crate::auth::Caller;
use crate::db::Tx;
use crate::error::{AppError, ErrorBody, Result};
use crate::practices::Practice;
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(users::list_users, users::create_user))
        .routes(routes!(users::get_user, users::update_user))
        .routes(routes!(roles::list_roles, roles::create_role))
        .routes(routes!(
            roles::get_role,
            roles::update_role,
            roles::delete_role
        ))
        .routes(routes!(list_permissions))
}

/// The permissions that make a practice manageable; some enabled user must
/// always hold both, or nobody could fix the practice's access again.
const ADMIN_PERMISSIONS: [&str; 2] = ["users.manage", "roles.manage"];

/// Refuses (409) a change that would leave no enabled user holding both
/// `users.manage` and `roles.manage`. Called inside the changing transaction.
pub async fn ensure_an_administrator_remains(tx: &mut Tx, practice: &Practice) -> Result<()> {
    let rows = sqlx::query(
        "SELECT ur.user_id, r.permissions FROM user_roles ur \
         JOIN users u ON u.id = ur.user_id AND u.practice_id = ur.practice_id \
         JOIN roles r ON r.id = ur.role_id AND r.practice_id = ur.practice_id \
         WHERE ur.practice_id = $1 AND u.disabled_at IS NULL",
    )
    .bind(practice.id())
    .fetch_all(&mut **tx)
    .await?;
    let mut held: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for row in &rows {
        let perms: Vec<String> = serde_json::from_str(row.get("permissions")).unwrap_or_default();
        held.entry(row.get("user_id")).or_default().extend(perms);
    }
    let someone = held.values().any(|perms| {
        ADMIN_PERMISSIONS
            .iter()
            .all(|p| permissions::grants(perms, p))
    });
    if someone {
        Ok(())
    } else {
        Err(AppError::conflict(
            "this would leave nobody able to manage users and roles; keep at least one enabled user with users.manage and roles.manage",
        ))
    }
}

#[derive(Clone, Serialize, ToSchema)]
pub struct PermissionInfo {
    pub name: String,
    pub description: String,
    /// The module that declares it; absent for the host's own.
    pub module: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct PermissionList {
    pub items: Vec<PermissionInfo>,
    pub next_cursor: Option<String>,
}

/// Every permission a role can hold on this server: the host's, `module:*`,
/// and for each installed module `module:{id}` and the permissions it declares.
pub fn known_permissions(state: &AppState) -> Vec<PermissionInfo> {
    let host = permissions::HOST_PERMISSIONS
        .iter()
        .map(|(name, description)| PermissionInfo {
            name: name.to_string(),
            description: description.to_string(),
            module: None,
        })
        .chain([PermissionInfo {
            name: "module:*".into(),
            description: "Reach every enabled module".into(),
            module: None,
        }]);
    let modules = state.modules.modules.values().flat_map(|m| {
        let id = &m.manifest.id;
        std::iter::once(PermissionInfo {
            name: format!("{}{id}", permissions::MODULE_PREFIX),
            description: format!("Reach {} when it is enabled", m.manifest.name),
            module: Some(id.clone()),
        })
        .chain(m.manifest.permissions.iter().map(|p| PermissionInfo {
            name: p.name.clone(),
            description: p.description.clone(),
            module: Some(id.clone()),
        }))
    });
    host.chain(modules).collect()
}

/// The permissions a role can hold. `module:{id}` (or `module:*`) opens a
/// module; installed modules add their own.
#[utoipa::path(get, path = "/api/v1/permissions", tag = "roles",
    responses((status = 200, body = PermissionList), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
async fn list_permissions(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<PermissionList>> {
    caller.require_any(&["roles.manage", "users.manage"])?;
    Ok(Json(PermissionList {
        items: known_permissions(&state),
        next_cursor: None,
    }))
}
