//! The audit log: append-only rows for sign-ins, sign-outs, password changes
//! and resets, user and role changes and permission denials. Nothing updates
//! or deletes a row; administrators read it newest first.

use axum::Json;
use axum::extract::{Query, State};
use serde::{Deserialize, Serialize};
use sqlx::{Any, Executor, Row};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::access::Caller;
use crate::clock::rfc3339;
use crate::error::{AppError, ErrorBody, Result};
use crate::practices::Practice;
use crate::state::AppState;

/// Who did it: a signed-in person, or an attempt naming an email.
#[derive(Clone, Debug, Default)]
pub struct Actor {
    pub user_id: Option<String>,
    pub email: Option<String>,
}

impl Actor {
    pub fn of(caller: &Caller) -> Actor {
        Actor {
            user_id: Some(caller.user_id.clone()),
            email: Some(caller.email.clone()),
        }
    }
}

pub struct Entry<'a> {
    pub actor: Actor,
    /// What happened, e.g. `auth.sign_in`, `user.disabled`, `access.denied`.
    pub action: &'a str,
    /// What it happened to, e.g. `user:{id}`.
    pub target: Option<String>,
    pub client_addr: Option<&'a str>,
    pub details: serde_json::Value,
}

pub async fn record<'e, E>(db: E, practice: &Practice, at_ms: i64, entry: Entry<'_>) -> Result<()>
where
    E: Executor<'e, Database = Any>,
{
    sqlx::query(
        "INSERT INTO audit_log (practice_id, at, actor_user_id, actor_email, action, target, \
         client_addr, details) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(practice.id())
    .bind(at_ms)
    .bind(entry.actor.user_id)
    .bind(entry.actor.email)
    .bind(entry.action)
    .bind(entry.target)
    .bind(entry.client_addr)
    .bind(entry.details.to_string())
    .execute(db)
    .await?;
    Ok(())
}

#[derive(Serialize, ToSchema)]
pub struct AuditRow {
    pub id: i64,
    /// RFC 3339.
    pub at: String,
    /// The same, in milliseconds since the epoch (for pages).
    #[serde(skip)]
    pub at_ms: i64,
    pub actor_user_id: Option<String>,
    pub actor_email: Option<String>,
    pub action: String,
    pub target: Option<String>,
    pub client_addr: Option<String>,
    #[schema(value_type = Object)]
    pub details: serde_json::Value,
}

#[derive(Serialize, ToSchema)]
pub struct AuditPage {
    pub items: Vec<AuditRow>,
    /// Pass as `cursor` for the next (older) page; absent on the last page.
    pub next_cursor: Option<String>,
}

#[derive(Default, Deserialize, IntoParams)]
pub struct AuditQuery {
    /// From a previous page's `next_cursor`.
    pub cursor: Option<String>,
    /// Rows per page, 1 to 200 (default 50).
    pub limit: Option<i64>,
    /// Only rows with this action, e.g. `auth.sign_in_failed`.
    pub action: Option<String>,
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list_audit))
}

/// The practice's audit log, newest first.
#[utoipa::path(get, path = "/api/v1/audit", tag = "audit", params(AuditQuery),
    responses(
        (status = 200, body = AuditPage),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody),
    ))]
async fn list_audit(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<AuditQuery>,
) -> Result<Json<AuditPage>> {
    list(&state, &caller, q).await.map(Json)
}

/// A page of the practice's audit log, newest first (needs `audit.read`).
pub async fn list(state: &AppState, caller: &Caller, q: AuditQuery) -> Result<AuditPage> {
    caller.require("audit.read")?;
    let limit = crate::input::page_limit(q.limit)?;
    let before = match q.cursor.as_deref() {
        None => i64::MAX,
        Some(c) => c
            .parse::<i64>()
            .map_err(|_| AppError::field("cursor", "not a cursor from this list"))?,
    };
    let rows = sqlx::query(
        "SELECT id, at, actor_user_id, actor_email, action, target, client_addr, details \
         FROM audit_log WHERE practice_id = $1 AND id < $2 AND (CAST($3 AS TEXT) IS NULL OR action = $3) \
         ORDER BY id DESC LIMIT $4",
    )
    .bind(caller.practice.id())
    .bind(before)
    .bind(q.action.as_deref())
    .bind(limit + 1)
    .fetch_all(state.db.pool())
    .await?;
    let mut items: Vec<AuditRow> = rows.iter().map(audit_row).collect::<Result<_>>()?;
    let next_cursor = if items.len() as i64 > limit {
        items.truncate(limit as usize);
        items.last().map(|r| r.id.to_string())
    } else {
        None
    };
    Ok(AuditPage { items, next_cursor })
}

/// A row of `audit_log` as the API shows it.
fn audit_row(r: &sqlx::any::AnyRow) -> Result<AuditRow> {
    let at: i64 = r.try_get("at")?;
    Ok(AuditRow {
        id: r.try_get("id")?,
        at: rfc3339(at),
        at_ms: at,
        actor_user_id: r.try_get("actor_user_id")?,
        actor_email: r.try_get("actor_email")?,
        action: r.try_get("action")?,
        target: r.try_get("target")?,
        client_addr: r.try_get("client_addr")?,
        details: serde_json::from_str(r.try_get::<&str, _>("details")?).unwrap_or_default(),
    })
}
