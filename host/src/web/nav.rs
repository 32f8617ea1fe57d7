//! The sidebar: the host's sections a person may use, the enabled modules
//! they may reach (each module's `[[nav]]` entries), then the settings they
//! may change. The shell draws it; `GET /api/v1/nav` gives it as JSON.

use axum::extract::State;
use serde::Serialize;
use utoipa::ToSchema;

use crate::access::Caller;
use crate::api::Json;
use crate::error::{ErrorBody, Result};
use crate::state::AppState;

#[derive(Clone, Serialize, ToSchema)]
pub struct NavItem {
    pub label: String,
    pub path: String,
    /// `host` or `module`.
    pub kind: &'static str,
    /// Where the sidebar puts it: `main`, `modules` or `settings`.
    pub section: &'static str,
    /// The module, for module entries.
    pub module: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct Nav {
    pub items: Vec<NavItem>,
}

/// What the caller's sidebar shows: host sections they may use, then every
/// enabled module they may reach.
#[utoipa::path(get, path = "/api/v1/nav", tag = "modules",
    responses((status = 200, body = Nav), (status = 401, body = ErrorBody)))]
pub(super) async fn nav(State(state): State<AppState>, caller: Caller) -> Result<Json<Nav>> {
    let items = nav_items(&state, &caller).await?;
    Ok(Json(Nav { items }))
}

/// The caller's sidebar: the host's sections they may use, the enabled
/// modules they may reach, then the settings they may change.
pub async fn nav_items(state: &AppState, caller: &Caller) -> Result<Vec<NavItem>> {
    let host = |label: &str, path: &str, section| NavItem {
        label: label.into(),
        path: path.into(),
        kind: "host",
        section,
        module: None,
    };
    let mut items = vec![host("Dashboard", "/", "main")];
    let records = [
        ("Applicants", "/applicants", "applicants.read"),
        ("Cases", "/cases", "cases.read"),
    ];
    items.extend(
        records
            .into_iter()
            .filter(|(_, _, permission)| caller.can(permission))
            .map(|(label, path, _)| host(label, path, "main")),
    );
    // Everyone sends mail (notices, invitations): everyone sees where it is.
    items.push(host("Outbox", "/outbox", "main"));
    let enabled = state
        .enabled_modules
        .get(state.db.pool(), &caller.practice)
        .await?;
    for id in enabled.iter() {
        let Some(module) = state.modules.get(id) else {
            continue;
        };
        if !caller.can(&format!("module:{id}")) {
            continue;
        }
        for entry in &module.manifest.nav {
            items.push(NavItem {
                label: entry.label.clone(),
                path: format!("/m/{id}{}", entry.path),
                kind: "module",
                section: "modules",
                module: Some(id.clone()),
            });
        }
    }
    let settings = [
        ("Users", "/settings/users", "users.manage"),
        ("Roles", "/settings/roles", "roles.manage"),
        ("Modules", "/settings/modules", "modules.manage"),
        (
            "Case programs",
            "/settings/case-programs",
            "settings.manage",
        ),
        ("Audit log", "/settings/audit", "audit.read"),
        ("Trash", "/settings/trash", "trash.manage"),
        ("Practice", "/settings/practice", "practice.manage"),
        ("Security", "/settings/security", "practice.manage"),
        ("Search", "/settings/search", "settings.manage"),
        ("Email", "/settings/email", "practice.manage"),
        ("Mailboxes", "/settings/mailboxes", "practice.manage"),
        ("Workflows", "/settings/workflows", "workflows.manage"),
    ];
    items.extend(
        settings
            .into_iter()
            .filter(|(_, _, permission)| caller.can(permission))
            .map(|(label, path, _)| host(label, path, "settings")),
    );
    // Everyone's own mailbox and signature.
    items.push(host(
        "My email account",
        "/settings/email-account",
        "settings",
    ));
    Ok(items)
}
