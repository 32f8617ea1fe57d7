//! Settings → Audit log: who did what and when, newest first.

use askama::Template;
use axum::extract::State;
use serde::Deserialize;
use utoipa::IntoParams;

use crate::access::Caller;
use crate::api::Query;
use crate::audit::{self, AuditQuery, AuditRow};
use crate::error::Result;
use crate::state::AppState;
use crate::web::local_time;
use crate::web::shell::Page;

/// The actions the filter offers (the log may hold others from modules).
const ACTIONS: &[&str] = &[
    "auth.sign_in",
    "auth.sign_in_failed",
    "auth.sign_in_throttled",
    "auth.sign_out",
    "auth.password_changed",
    "auth.password_reset_requested",
    "auth.password_reset",
    "user.created",
    "user.updated",
    "user.profile_updated",
    "user.disabled",
    "user.enabled",
    "role.created",
    "role.updated",
    "role.deleted",
    "module.enabled",
    "module.disabled",
    "module.settings_changed",
    "access.denied",
    "access.csrf_refused",
    "practice.created",
];

#[derive(Deserialize, IntoParams)]
pub struct AuditPageQuery {
    /// Only this action.
    action: Option<String>,
    /// From the previous page's "Older" link.
    cursor: Option<String>,
}

struct Line {
    at: String,
    row: AuditRow,
    details: String,
}

#[derive(Template)]
#[template(path = "settings/audit.html")]
struct AuditTemplate<'a> {
    lines: Vec<Line>,
    action: &'a str,
    actions: &'static [&'static str],
    older: Option<String>,
    time_zone: &'a str,
}

/// Settings → Audit log.
#[utoipa::path(get, path = "/settings/audit", tag = "pages", params(AuditPageQuery),
    responses((status = 200, description = "The audit log, newest first, 100 a page", content_type = "text/html"),
        (status = 303, description = "Not signed in: to the sign-in page"),
        (status = 403, description = "A page saying `audit.read` is needed", content_type = "text/html"),
        (status = 422, description = "A page saying the cursor is not from this list", content_type = "text/html")))]
pub(super) async fn audit_page(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<AuditPageQuery>,
) -> Result<Page> {
    let action = q.action.filter(|a| !a.is_empty());
    caller.require("audit.read")?;
    let filter = AuditQuery {
        cursor: q.cursor,
        limit: Some(100),
        action: action.clone(),
        ..AuditQuery::default()
    }
    .check()?;
    let page = audit::list(&state, &caller, &filter).await?;
    let lines = page
        .items
        .into_iter()
        .map(|row| Line {
            at: local_time(row.at_ms, &caller.time_zone),
            details: if row.details.as_object().is_some_and(|o| o.is_empty()) {
                String::new()
            } else {
                row.details.to_string()
            },
            row,
        })
        .collect();
    let template = AuditTemplate {
        lines,
        action: action.as_deref().unwrap_or(""),
        actions: ACTIONS,
        older: page.next_cursor,
        time_zone: &caller.time_zone,
    };
    Page::new("Audit log", &template)
}
