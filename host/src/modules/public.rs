//! A module's public paths (`public = ["/feeds/"]` in its manifest, contract
//! 0.2.2): `GET` and `HEAD` below them reach `handle-http` without a
//! session, for clients that cannot sign in (calendar apps subscribing to a
//! feed).
//!
//! - The host checks only that the module is enabled for the practice (404
//!   otherwise); the module checks the secret it put in the path.
//! - The call is anonymous even when the request carries a session: the
//!   module sees no person (no user id, no permissions, an empty email and
//!   name, the practice's time zone) and its imports act with its own
//!   rights, as for events and timers. No cookie or credential reaches it.
//! - Other methods are answered 405. A request that says it has a body is
//!   refused (413) before any of it is read, and any body is dropped
//!   unread: nobody unauthenticated makes the server buffer.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderMap, Method, header};
use axum::response::Response;

use super::{LoadedModule, call, dispatch};
use crate::error::{AppError, Result};
use crate::practices::Practice;
use crate::state::AppState;

/// Answers a request to a public path of `module` (`path` below its mount).
pub(super) async fn answer(
    state: &AppState,
    module: &Arc<LoadedModule>,
    path: String,
    req: Request,
) -> Result<Response> {
    if !matches!(*req.method(), Method::GET | Method::HEAD) {
        return Err(AppError::MethodNotAllowed {
            method: req.method().to_string(),
            allow: "GET, HEAD",
        });
    }
    if declares_body(req.headers()) {
        return Err(AppError::TooLarge(
            "a public path takes no request body".into(),
        ));
    }
    let practice = req
        .extensions()
        .get::<Practice>()
        .cloned()
        .ok_or(AppError::NotFound("practice"))?;
    let pool = state.db.pool();
    let id = &module.manifest.id;
    if !state
        .enabled_modules
        .is_enabled(pool, &practice, id)
        .await?
    {
        return Err(AppError::NotFound("module"));
    }
    let time_zone = crate::practices::settings::find(pool, &practice)
        .await?
        .time_zone;
    let record = call::anonymous_record(state, &practice, time_zone);
    let req = req.map(|_| Body::empty());
    dispatch::answer(state, module, &practice, None, record, path, false, req).await
}

/// Whether the request says it carries a body.
fn declares_body(headers: &HeaderMap) -> bool {
    let length = headers
        .get(header::CONTENT_LENGTH)
        .map(|v| v.to_str().ok().and_then(|v| v.trim().parse::<u64>().ok()));
    headers.contains_key(header::TRANSFER_ENCODING)
        || matches!(length, Some(None) | Some(Some(1..)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_body_is_declared_by_its_length_or_chunks() {
        let with = |name: header::HeaderName, value: &str| {
            let mut headers = HeaderMap::new();
            headers.insert(
                name,
                value
                    .parse()
                    .unwrap_or(header::HeaderValue::from_static("x")),
            );
            declares_body(&headers)
        };
        assert!(!declares_body(&HeaderMap::new()));
        assert!(!with(header::CONTENT_LENGTH, "0"));
        assert!(with(header::CONTENT_LENGTH, "12"));
        assert!(with(header::CONTENT_LENGTH, "lots"));
        assert!(with(header::TRANSFER_ENCODING, "chunked"));
    }
}
