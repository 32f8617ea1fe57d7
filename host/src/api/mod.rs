//! What every API route shares: the router that merges the capabilities, the
//! OpenAPI document, request-wide middleware, extractors and small helpers.

pub mod cookies;
pub mod csrf;
pub(crate) mod documented;
mod extract;
pub mod paths;
pub mod practice;
pub mod request_id;

pub use extract::{Json, Path, Query};

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::Response;

use crate::error::{AppError, Result};
use crate::state::AppState;

/// On a module page's answer (put there by the modules' dispatch): the page
/// is the module's, to be framed in the shell under its name (`web::shell`).
#[derive(Clone, Debug)]
pub struct ModulePage {
    pub name: String,
}

/// The address of the client, for throttling and the audit log: the TCP peer,
/// or the last `X-Forwarded-For` entry when configured to trust a proxy.
#[derive(Clone, Debug, Default)]
pub struct ClientAddr(pub String);

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for ClientAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        _: &S,
    ) -> Result<Self, Self::Rejection> {
        Ok(parts
            .extensions
            .get::<ClientAddr>()
            .cloned()
            .unwrap_or_default())
    }
}

pub async fn client_addr(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let forwarded = state
        .config
        .trust_forwarded_for
        .then(|| {
            req.headers()
                .get_all("x-forwarded-for")
                .iter()
                .filter_map(|v| v.to_str().ok())
                .flat_map(|v| v.split(','))
                .map(str::trim)
                .rfind(|v| v.parse::<std::net::IpAddr>().is_ok())
                .map(str::to_string)
        })
        .flatten();
    let peer = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(addr)| addr.ip().to_string());
    let addr = forwarded.or(peer).unwrap_or_else(|| "unknown".into());
    req.extensions_mut().insert(ClientAddr(addr));
    next.run(req).await
}

/// Reads a request body of at most `limit` bytes. A longer one is refused
/// with 413 after the rest has been read and dropped (up to 64 MiB), so the
/// client, still sending, gets the answer instead of a reset connection.
/// Reads and drops at most `at_most` bytes of a refused request's body, so
/// the client's connection stays usable for its next request (a client
/// that first sends without credentials, then again with them, reuses
/// it); a larger body is left unread and the connection closes.
pub async fn drain(body: axum::body::Body, at_most: usize) {
    use futures_util::StreamExt;
    let mut stream = body.into_data_stream();
    let mut seen = 0usize;
    while let Some(Ok(chunk)) = stream.next().await {
        seen += chunk.len();
        if seen > at_most {
            break;
        }
    }
}

pub async fn read_limited(body: axum::body::Body, limit: usize) -> Result<axum::body::Bytes> {
    use futures_util::StreamExt;
    const DRAIN_AT_MOST: usize = 64 * 1024 * 1024;
    let mut stream = body.into_data_stream();
    let mut kept: Vec<u8> = Vec::new();
    let mut seen = 0usize;
    while let Some(chunk) = stream.next().await {
        let chunk = chunk
            .map_err(|e| AppError::invalid(format!("the request body could not be read: {e}")))?;
        seen += chunk.len();
        if seen <= limit {
            kept.extend_from_slice(&chunk);
        } else if seen > DRAIN_AT_MOST {
            break;
        }
    }
    if seen > limit {
        return Err(AppError::TooLarge(format!(
            "a request is at most {limit} bytes"
        )));
    }
    Ok(axum::body::Bytes::from(kept))
}

/// Middleware: a request whose Content-Length is over the server's limit (or
/// a module's own, on its routes) is answered 413 at once (after its body is
/// drained), whatever the route.
pub async fn refuse_oversized(State(state): State<AppState>, req: Request, next: Next) -> Response {
    use axum::response::IntoResponse;
    // Uploads (and WebDAV) are bounded by their own limits, checked as they stream.
    if paths::is_upload_path(req.uri().path())
        || crate::dav::is_dav_path(req.uri().path())
        || req.uri().path() == "/api/v1/server/dev/modules"
    {
        return next.run(req).await;
    }
    let limit = paths::request_limit(&state, req.uri().path());
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > limit) {
        let refused = read_limited(req.into_body(), limit).await.err();
        return refused
            .unwrap_or_else(|| AppError::TooLarge(format!("a request is at most {limit} bytes")))
            .into_response();
    }
    next.run(req).await
}
