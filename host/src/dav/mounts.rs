//! Modules' DAV mounts (`dav = ["calendars"]` in a manifest, contract
//! 0.2.2): `/dav/{name}` and everything below it, with any method (OPTIONS,
//! PROPFIND, REPORT, GET, PUT, DELETE, MKCALENDAR, ...), reach the module's
//! `handle-http` for the person signed in with HTTP Basic and an app
//! password, as the files' tree does.
//!
//! - The person must hold `module:{id}` (403) and the module must be
//!   enabled for the practice (404).
//! - The module sees the person as any request of theirs would show them,
//!   `page` false, `path` the whole request path as sent
//!   (`/dav/calendars/u1/personal/a.ics`, percent-encoded, so it can build
//!   hrefs), the query, every header but the credentials and cookies, and
//!   the body within its `limits.request-mb` (413 beyond). Its status,
//!   headers and body go back as they are, 207 multistatus included.
//! - Which module serves a name: among the practice's enabled modules that
//!   declare it, the one whose id sorts first; the server warns at start
//!   about a name two modules declare. A name any module of the server
//!   declares never reaches the files' tree, even while no module serving it
//!   is enabled (404), and the tree's own folders (`Applicants`, `Cases`)
//!   are names no manifest may take.
//! - `/.well-known/caldav` sends CalDAV clients to `/dav/calendars/` (301)
//!   when a module of the practice serves `calendars` (404 otherwise).

use std::sync::Arc;

use axum::Extension;
use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::access::Caller;
use crate::error::{AppError, Result};
use crate::practices::Practice;
use crate::state::AppState;
use crate::state::call::LoadedModule;

/// The mount CalDAV clients find through `/.well-known/caldav`.
pub const CALENDARS: &str = "calendars";

/// The mount a request path names: `calendars` for `/dav/calendars`,
/// `/dav/calendars/` and `/dav/calendars/u1/a.ics`.
pub fn mount_of(path: &str) -> Option<&str> {
    let rest = path.strip_prefix(super::PREFIX)?.strip_prefix('/')?;
    let name = rest.split('/').next().unwrap_or_default();
    (!name.is_empty()).then_some(name)
}

/// Whether a module of this server declares the mount `name`.
pub fn declared(state: &AppState, name: &str) -> bool {
    state
        .modules
        .now()
        .modules
        .values()
        .any(|m| m.manifest.serves_dav(name))
}

/// The practice's enabled module that serves the mount `name`, if any.
pub async fn serving(
    state: &AppState,
    practice: &Practice,
    name: &str,
) -> Result<Option<Arc<LoadedModule>>> {
    // The runtime keeps its modules by id: the first found sorts first.
    for module in state.modules.now().modules.values() {
        let id = &module.manifest.id;
        if module.manifest.serves_dav(name)
            && state
                .enabled_modules
                .is_enabled(state.db.pool(), practice, id)
                .await?
        {
            return Ok(Some(module.clone()));
        }
    }
    Ok(None)
}

/// Logs each mount that more than one module declares, and which one serves
/// it where both are enabled.
pub fn warn_of_shared_mounts(state: &AppState) {
    let runtime = state.modules.now();
    let modules: Vec<&Arc<LoadedModule>> = runtime.modules.values().collect();
    for (i, first) in modules.iter().enumerate() {
        for name in &first.manifest.dav {
            let earlier = modules[..i].iter().any(|m| m.manifest.serves_dav(name));
            let others: Vec<&str> = modules[i + 1..]
                .iter()
                .filter(|m| m.manifest.serves_dav(name))
                .map(|m| m.manifest.id.as_str())
                .collect();
            if !earlier && !others.is_empty() {
                tracing::warn!(
                    mount = %format!("/dav/{name}"),
                    serving = %first.manifest.id,
                    also_declared_by = %others.join(", "),
                    "modules declare the same DAV mount: where more than one is enabled, the first by id serves it"
                );
            }
        }
    }
}

/// Answers a request to the mount `name` for `caller`.
pub(super) async fn answer(
    state: &AppState,
    caller: Caller,
    name: &str,
    req: Request,
) -> Result<Response> {
    let practice = caller.practice.clone();
    let module = serving(state, &practice, name)
        .await?
        .ok_or(AppError::NotFound("module"))?;
    caller.require(&format!("module:{}", module.manifest.id))?;
    let record = crate::modules::call::caller_record(state, &practice, Some(&caller));
    let path = req.uri().path().to_string();
    crate::modules::answer_http(
        state,
        &module,
        &practice,
        Some(&caller),
        record,
        path,
        false,
        req,
    )
    .await
}

/// `/.well-known/caldav` (RFC 6764): to `/dav/calendars/` when a module of
/// the practice serves that mount.
pub(super) async fn well_known_caldav(
    State(state): State<AppState>,
    Extension(practice): Extension<Practice>,
) -> Response {
    match serving(&state, &practice, CALENDARS).await {
        Ok(Some(_)) => (
            StatusCode::MOVED_PERMANENTLY,
            [(header::LOCATION, format!("{}/{CALENDARS}/", super::PREFIX))],
        )
            .into_response(),
        Ok(None) => AppError::NotFound("CalDAV").into_response(),
        Err(e) => e.into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_mount_is_the_first_folder_under_dav() {
        assert_eq!(mount_of("/dav/calendars"), Some("calendars"));
        assert_eq!(mount_of("/dav/calendars/"), Some("calendars"));
        assert_eq!(mount_of("/dav/calendars/u1/a.ics"), Some("calendars"));
        assert_eq!(mount_of("/dav/"), None);
        assert_eq!(mount_of("/dav"), None);
        assert_eq!(mount_of("/davx/calendars"), None);
    }
}
