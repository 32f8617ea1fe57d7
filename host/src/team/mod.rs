//! The practice's team as administrators manage it: `/api/v1/users`,
//! `/api/v1/roles` and `/api/v1/permissions`. Who may do what is decided in
//! `access`; these routes change it, with the audit log and the emails that
//! go with each change.

pub mod roles;
pub mod users;

use axum::extract::State;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::access::Caller;
use crate::access::permissions;
use crate::api::Json;
use crate::error::{ErrorBody, Result};
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(users::list_users, users::create_user))
        .routes(routes!(users::get_user, users::update_user))
        .routes(routes!(users::resend_invitation))
        .routes(routes!(roles::list_roles, roles::create_role))
        .routes(routes!(
            roles::get_role,
            roles::update_role,
            roles::delete_role
        ))
        .routes(routes!(list_permissions))
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
    let runtime = state.modules.now();
    let modules = runtime.modules.values().flat_map(|m| {
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
