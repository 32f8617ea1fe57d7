//! Sessions and the caller. A session id is 256 random bits, sent only in an
//! HttpOnly cookie and stored as its SHA-256 hash, so a database leak does not
//! hand out sessions. Each request looks the session up within the request's
//! practice, checks the idle and absolute timeouts and that the user is still
//! enabled, and loads the caller's roles: disabling a user or changing a role
//! takes effect on the very next request.

use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};
use sqlx::{Any, Executor};

use crate::access::permissions;
use crate::access::{Caller, SignedIn};
use crate::api::{ClientAddr, cookies};
use crate::audit;
use crate::config::Config;
use crate::error::{AppError, Refusal, Result};
use crate::practices::Practice;
use crate::state::AppState;

pub const COOKIE_NAME: &str = "immcase_session";

/// Only write `last_seen_at` when it is older than this, to spare a write per
/// request; idle timeouts are minutes long.
const TOUCH_EVERY_MS: i64 = 30_000;

/// A new random session id or single-use token: 256 bits, URL-safe.
pub fn new_token() -> String {
    crate::secrets::random_token()
}

/// What is stored in place of a session id or token.
pub fn token_hash(token: &str) -> String {
    let digest = Sha256::digest(token.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

pub fn session_cookie(config: &Config, token: &str) -> HeaderValue {
    cookies::set(COOKIE_NAME, token, "Lax", None, config.secure_cookies())
}

pub fn clear_cookie(config: &Config) -> HeaderValue {
    cookies::set(COOKIE_NAME, "", "Lax", Some(0), config.secure_cookies())
}

/// The session id the request carries, if any.
pub fn token_from_headers(headers: &HeaderMap) -> Option<String> {
    cookies::read(headers, COOKIE_NAME).filter(|v| !v.is_empty() && v.len() <= 128)
}

pub struct NewSession<'a> {
    pub user_id: &'a str,
    pub client_addr: &'a str,
    pub user_agent: &'a str,
}

/// Stores a new session and returns its id (to be put in the cookie).
pub async fn create<'e, E>(
    db: E,
    practice: &Practice,
    s: NewSession<'_>,
    now_ms: i64,
) -> Result<String>
where
    E: Executor<'e, Database = Any>,
{
    let token = new_token();
    let user_agent: String = s.user_agent.chars().take(300).collect();
    sqlx::query(
        "INSERT INTO sessions (token_hash, practice_id, user_id, created_at, last_seen_at, \
         client_addr, user_agent) VALUES ($1, $2, $3, $4, $4, $5, $6)",
    )
    .bind(token_hash(&token))
    .bind(practice.id())
    .bind(s.user_id)
    .bind(now_ms)
    .bind(s.client_addr)
    .bind(user_agent)
    .execute(db)
    .await?;
    Ok(token)
}

pub async fn delete<'e, E>(db: E, practice: &Practice, hash: &str) -> Result<()>
where
    E: Executor<'e, Database = Any>,
{
    sqlx::query("DELETE FROM sessions WHERE practice_id = $1 AND token_hash = $2")
        .bind(practice.id())
        .bind(hash)
        .execute(db)
        .await?;
    Ok(())
}

/// Ends every session of a user, except `keep` (the one making the request),
/// and every app password of theirs; how many sessions ended. Disabling a
/// person and changing or resetting their password come here.
pub async fn end_all_for_user(
    conn: &mut sqlx::AnyConnection,
    practice: &Practice,
    user_id: &str,
    keep: Option<&str>,
) -> Result<u64> {
    super::app_passwords::end_all_for_user(&mut *conn, practice, user_id).await?;
    let done = sqlx::query(
        "DELETE FROM sessions WHERE practice_id = $1 AND user_id = $2 \
         AND (CAST($3 AS TEXT) IS NULL OR token_hash <> $3)",
    )
    .bind(practice.id())
    .bind(user_id)
    .bind(keep)
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected())
}

/// Keeps `message` for the next page the session renders (replacing any
/// message not shown yet); `None` clears it once shown.
pub async fn set_flash<'e, E>(
    db: E,
    practice: &Practice,
    session_hash: &str,
    message: Option<&str>,
) -> Result<()>
where
    E: Executor<'e, Database = Any>,
{
    let message: Option<String> = message.map(|m| m.chars().take(300).collect());
    sqlx::query("UPDATE sessions SET flash = $3 WHERE practice_id = $1 AND token_hash = $2")
        .bind(practice.id())
        .bind(session_hash)
        .bind(message)
        .execute(db)
        .await?;
    Ok(())
}

/// A session with its person, and one of the person's roles (a row per
/// role; the role's columns are empty for a person with none).
#[derive(sqlx::FromRow)]
struct SessionRow {
    user_id: String,
    created_at: i64,
    last_seen_at: i64,
    flash: Option<String>,
    email: String,
    display_name: String,
    time_zone: String,
    disabled_at: Option<i64>,
    role_id: Option<String>,
    permissions: Option<String>,
    field_rules: Option<String>,
    /// The practice requires a second factor (1) and the person has none
    /// confirmed (no `second_factor_at`).
    second_factor_required: Option<i64>,
    second_factor_at: Option<i64>,
}

/// Loads the caller of a session id, or `None` when the session does not
/// exist in this practice, has timed out, or belongs to a disabled user.
/// The session, the person and their roles come in one query.
async fn load_caller(
    state: &AppState,
    practice: &Practice,
    token: &str,
    client: &ClientAddr,
) -> Result<Option<(Caller, bool)>> {
    let hash = token_hash(token);
    let pool = state.db.pool();
    let rows: Vec<SessionRow> = sqlx::query_as(
        "SELECT s.user_id, s.created_at, s.last_seen_at, s.flash, u.email, u.display_name, u.time_zone, \
         u.disabled_at, r.id AS role_id, r.permissions, r.field_rules, \
         (SELECT ps.require_second_factor FROM practice_security ps WHERE ps.practice_id = s.practice_id) \
           AS second_factor_required, \
         (SELECT f.confirmed_at FROM second_factors f WHERE f.practice_id = s.practice_id AND f.user_id = s.user_id) \
           AS second_factor_at \
         FROM sessions s JOIN users u ON u.id = s.user_id AND u.practice_id = s.practice_id \
         LEFT JOIN user_roles ur ON ur.practice_id = s.practice_id AND ur.user_id = s.user_id \
         LEFT JOIN roles r ON r.practice_id = ur.practice_id AND r.id = ur.role_id \
         WHERE s.practice_id = $1 AND s.token_hash = $2 ORDER BY r.name",
    )
    .bind(practice.id())
    .bind(&hash)
    .fetch_all(pool)
    .await?;
    let Some(first) = rows.first() else {
        return Ok(None);
    };
    let now = state.now_ms();
    let policy = state.config.sessions;
    let idle_ms = i64::try_from(policy.idle_timeout.as_millis()).unwrap_or(i64::MAX);
    let absolute_ms = i64::try_from(policy.absolute_timeout.as_millis()).unwrap_or(i64::MAX);
    if first.disabled_at.is_some()
        || now - first.last_seen_at >= idle_ms
        || now - first.created_at >= absolute_ms
    {
        delete(pool, practice, &hash).await?;
        return Ok(None);
    }
    if now - first.last_seen_at >= TOUCH_EVERY_MS {
        sqlx::query(
            "UPDATE sessions SET last_seen_at = $3 WHERE practice_id = $1 AND token_hash = $2",
        )
        .bind(practice.id())
        .bind(&hash)
        .bind(now)
        .execute(pool)
        .await?;
    }
    let mut role_ids = Vec::new();
    let mut held = std::collections::BTreeSet::new();
    let mut rules = Vec::new();
    for row in &rows {
        let Some(role_id) = &row.role_id else {
            continue;
        };
        role_ids.push(role_id.clone());
        let permissions: Vec<String> = stored(&row.permissions, "permissions")?;
        held.extend(permissions);
        rules.push(stored(&row.field_rules, "field rules")?);
    }
    let Some(first) = rows.into_iter().next() else {
        return Ok(None);
    };
    let must_enrol =
        first.second_factor_required.unwrap_or(0) != 0 && first.second_factor_at.is_none();
    let caller = Caller::new(SignedIn {
        practice: practice.clone(),
        email: first.email,
        display_name: first.display_name,
        time_zone: first.time_zone,
        role_ids,
        permissions: held,
        field_rules: permissions::merge_field_rules(rules.iter()),
        user_id: first.user_id,
        form_token: crate::api::csrf::form_token_of_session(token),
        flash: first.flash,
        client_addr: client.0.clone(),
        session_hash: hash,
        acting: None,
    });
    Ok(Some((caller, must_enrol)))
}

/// Where someone whose practice requires a second factor, and who has none
/// yet, may go: the pages and routes that set it up, who they are, and
/// signing out.
fn open_before_enrolment(method: &axum::http::Method, path: &str) -> bool {
    let path = path.trim_end_matches('/');
    path.starts_with("/profile/second-factor")
        || path.starts_with("/api/v1/me/second-factor")
        || matches!(path, "/sign-out" | "/api/v1/auth/sign-out" | "/api/v1/nav")
        || (path == "/api/v1/me" && method == axum::http::Method::GET)
}

/// The answer to anything else: to the set-up page for a page, 403 for the API.
fn enrol_first(path: &str) -> Response {
    if path.starts_with("/api/") {
        return AppError::ForbiddenOther(ENROL_FIRST.into()).into_response();
    }
    axum::response::Redirect::to(ENROL_PAGE).into_response()
}

/// The page that sets up two-factor sign-in.
pub const ENROL_PAGE: &str = "/profile/second-factor";
const ENROL_FIRST: &str = "your practice requires two-factor sign-in: set it up first (My Profile → Two-factor sign-in, /profile/second-factor)";

/// A role's JSON column.
fn stored<T: serde::de::DeserializeOwned>(text: &Option<String>, what: &str) -> Result<T> {
    Ok(serde_json::from_str(text.as_deref().unwrap_or_default())
        .map_err(|e| anyhow::anyhow!("stored role {what}: {e}"))?)
}

/// Middleware for practice routes: puts the `Caller` in the request when the
/// session cookie is good, clears the cookie when it is not, and writes the
/// audit row for every refusal (permission denials, CSRF refusals).
pub async fn authenticate(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let Some(practice) = req.extensions().get::<Practice>().cloned() else {
        return AppError::NotFound("practice").into_response();
    };
    let token = token_from_headers(req.headers());
    let client = req
        .extensions()
        .get::<ClientAddr>()
        .cloned()
        .unwrap_or_default();
    let mut stale_cookie = false;
    let mut caller = None;
    if let Some(token) = &token {
        match load_caller(&state, &practice, token, &client).await {
            Ok(Some((c, must_enrol))) => {
                if must_enrol && !open_before_enrolment(req.method(), req.uri().path()) {
                    return enrol_first(req.uri().path());
                }
                caller = Some(c)
            }
            Ok(None) => stale_cookie = true,
            Err(e) => return e.into_response(),
        }
    }
    if let Some(c) = &caller {
        req.extensions_mut().insert(c.clone());
    }
    let (method, path) = (req.method().to_string(), req.uri().path().to_string());
    let mut response = next.run(req).await;
    if let Some(refusal) = response.extensions_mut().remove::<Refusal>() {
        let entry = audit::Entry {
            actor: caller.as_ref().map(audit::Actor::of).unwrap_or_default(),
            action: refusal.action,
            target: Some(format!("{method} {path}")),
            client_addr: Some(&client.0),
            details: refusal.details,
        };
        let now = state.now_ms();
        let recorded = if caller.is_some() {
            audit::record(state.db.pool(), &practice, now, entry).await
        } else {
            audit::record_signed_out(&state, &practice, now, entry).await
        };
        if let Err(e) = recorded {
            return e.into_response();
        }
    }
    if stale_cookie && !response.headers().contains_key(header::SET_COOKIE) {
        response
            .headers_mut()
            .insert(header::SET_COOKIE, clear_cookie(&state.config));
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_long_random_and_hashed() {
        let a = new_token();
        let b = new_token();
        assert_ne!(a, b);
        assert_eq!(a.len(), 43, "256 bits in unpadded base64");
        assert_eq!(token_hash(&a).len(), 64);
        assert_ne!(token_hash(&a), a);
    }

    #[test]
    fn finds_the_session_cookie_among_others() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::COOKIE,
            HeaderValue::from_static("theme=dark; immcase_session=abc; x=y"),
        );
        assert_eq!(token_from_headers(&headers).as_deref(), Some("abc"));
        headers.insert(header::COOKIE, HeaderValue::from_static("immcase_session="));
        assert_eq!(token_from_headers(&headers), None);
    }
}
