//! WebDAV for files at `/dav/`: each applicant's and case's folders, for
//! ordinary clients (Windows Explorer, macOS Finder, Cyberduck, rclone).
//!
//! - `tree`: which folder or file a path names (plain functions);
//! - `fs`: the tree over the host's files, as `dav-server`'s file system,
//!   with the person's permissions;
//! - `file`: reading a file from the blob store and writing one to it;
//! - `mounts`: modules' own mounts beside the tree (`/dav/calendars` for
//!   CalDAV), answered by the module with the same sign-in, and
//!   `/.well-known/caldav`.
//!
//! `dav-server` speaks the protocol (PROPFIND, GET with ranges, PUT, MKCOL,
//! DELETE, and the locks Finder and Explorer need, which it fakes: files
//! are written whole, so there is nothing to lock). Requests sign in with
//! HTTP Basic, the person's email and one of their app passwords; there is
//! no session and no form token. A PUT is streamed to the blob store
//! within `files.max_dav_file_bytes` (5 GB by default) instead of the web
//! form's limit, and counted against the practice's quota.

mod file;
mod fs;
pub mod mounts;
pub mod tree;

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, header};
use axum::middleware::from_fn_with_state;
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use axum::{Extension, Router};
use dav_server::DavHandler;
use dav_server::fakels::FakeLs;

use crate::access::Caller;
use crate::api::ClientAddr;
use crate::auth::app_passwords;
use crate::error::AppError;
use crate::practices::Practice;
use crate::state::AppState;

/// Where the tree is served.
pub const PREFIX: &str = "/dav";

/// The realm clients show when they ask for the app password.
const CHALLENGE: &str = "Basic realm=\"ImmCase\", charset=\"UTF-8\"";

/// Whether `path` is under `/dav` (its requests bring their own limits).
pub fn is_dav_path(path: &str) -> bool {
    path == PREFIX || path.starts_with("/dav/")
}

/// The `/dav` routes, with the practice resolved from the Host header as for
/// every other route, but no session: each request carries its app password.
pub fn router(state: &AppState) -> Router<AppState> {
    let handler: DavHandler<Caller> = DavHandler::builder()
        .filesystem(Box::new(fs::FileTree {
            state: state.clone(),
        }))
        .locksystem(FakeLs::new())
        // A folder answers GET and HEAD with a plain listing, which clients
        // (webdavclient3) use to check that it exists.
        .autoindex(true)
        .strip_prefix(PREFIX)
        .build_handler();
    mounts::warn_of_shared_mounts(state);
    Router::new()
        .route("/.well-known/caldav", any(mounts::well_known_caldav))
        .route(PREFIX, any(serve))
        .route("/dav/", any(serve))
        .route("/dav/{*path}", any(serve))
        .layer(Extension(Arc::new(handler)))
        .layer(from_fn_with_state(
            state.clone(),
            crate::api::practice::resolve_practice,
        ))
}

async fn serve(
    State(state): State<AppState>,
    Extension(handler): Extension<Arc<DavHandler<Caller>>>,
    Extension(practice): Extension<Practice>,
    client: ClientAddr,
    req: Request,
) -> Response {
    let caller =
        match app_passwords::caller_of_basic(&state, &practice, req.headers(), &client).await {
            Ok(caller) => caller,
            Err(refused) => {
                // Calendar clients send a first request without credentials
                // and the same again with them, on the same connection.
                crate::api::drain(req.into_body(), REFUSED_BODY_DRAINED).await;
                return match refused {
                    AppError::Unauthenticated => challenge(),
                    refused => refused.into_response(),
                };
            }
        };
    // A module's mount (`/dav/calendars/...`) never falls into the tree.
    if let Some(name) = mounts::mount_of(req.uri().path()).filter(|n| mounts::declared(&state, n)) {
        let name = name.to_string();
        return mounts::answer(&state, caller, &name, req)
            .await
            .unwrap_or_else(IntoResponse::into_response);
    }
    let principal = caller.email.clone();
    handler
        .handle_guarded(req, principal, caller)
        .await
        .map(Body::new)
}

/// The most of a refused request's body read (and dropped) to keep its
/// connection open.
const REFUSED_BODY_DRAINED: usize = 1024 * 1024;

/// 401 asking for the email and an app password.
fn challenge() -> Response {
    let mut response = AppError::Unauthenticated.into_response();
    response.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        HeaderValue::from_static(CHALLENGE),
    );
    response
}
