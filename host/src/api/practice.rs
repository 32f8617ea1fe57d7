//! Which practice a request is for, from its Host header: the first label of
//! the host name (`acme.immcase.example` → `acme`); `localhost`, single-label
//! names and IP addresses get the configured default practice.

use std::net::IpAddr;

use axum::extract::{Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::error::AppError;
use crate::state::AppState;

/// The practice slug a Host header names, or `None` for the default practice.
pub fn practice_slug_from_host(host: &str) -> Option<String> {
    let host = host.trim().trim_end_matches('.');
    // Strip the port: "[::1]:8080", "127.0.0.1:8080", "acme.localhost:8080".
    let name = if let Some(rest) = host.strip_prefix('[') {
        rest.split(']').next().unwrap_or(rest)
    } else {
        host.rsplit_once(':')
            .filter(|(_, port)| port.bytes().all(|b| b.is_ascii_digit()))
            .map_or(host, |(name, _)| name)
    };
    if name.parse::<IpAddr>().is_ok() || name.eq_ignore_ascii_case("localhost") {
        return None;
    }
    let (first, rest) = name.split_once('.')?;
    if rest.is_empty() || first.is_empty() {
        return None;
    }
    Some(first.to_ascii_lowercase())
}

/// Middleware for every route: a request with more than one `Host` header
/// is refused with 400, since the practice it is for would depend on which
/// one a reader takes.
pub async fn one_host(req: Request, next: Next) -> Response {
    if req.headers().get_all(header::HOST).iter().nth(1).is_some() {
        let mut refused = AppError::invalid("a request names one host: send a single Host header")
            .into_response();
        *refused.status_mut() = axum::http::StatusCode::BAD_REQUEST;
        return refused;
    }
    next.run(req).await
}

/// Middleware: puts the request's `Practice` in its extensions and runs the
/// rest of the request for that practice (see `db::scope`), or answers 404
/// when the Host header names a practice this server does not have.
pub async fn resolve_practice(
    State(state): State<AppState>,
    mut req: Request,
    next: Next,
) -> Response {
    let host = req
        .headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .or_else(|| req.uri().host())
        .unwrap_or("");
    let slug =
        practice_slug_from_host(host).unwrap_or_else(|| state.config.default_practice.clone());
    match state.practice_by_slug(&slug).await {
        Ok(Some(practice)) => {
            let id = practice.id().to_string();
            req.extensions_mut().insert(practice);
            // Everything the request does from here sees this practice's
            // rows only (`db::scope`), also a body that reads as it streams
            // (a WebDAV listing).
            let response = crate::db::scope::for_practice(&id, next.run(req)).await;
            let scope = Some(crate::db::scope::Scope::Practice(id.into()));
            response.map(|body| axum::body::Body::new(ScopedBody { scope, body }))
        }
        Ok(None) => AppError::NotFound("practice").into_response(),
        Err(e) => e.into_response(),
    }
}

/// A response body polled in its request's database scope.
struct ScopedBody {
    scope: Option<crate::db::scope::Scope>,
    body: axum::body::Body,
}

impl http_body::Body for ScopedBody {
    type Data = axum::body::Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<http_body::Frame<Self::Data>, Self::Error>>> {
        let this = &mut *self;
        crate::db::scope::enter(&this.scope, || {
            std::pin::Pin::new(&mut this.body).poll_frame(cx)
        })
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.body.size_hint()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_label_names_the_practice() {
        assert_eq!(
            practice_slug_from_host("acme.immcase.example").as_deref(),
            Some("acme")
        );
        assert_eq!(
            practice_slug_from_host("ACME.localhost:8080").as_deref(),
            Some("acme")
        );
        assert_eq!(
            practice_slug_from_host("acme.localhost.").as_deref(),
            Some("acme")
        );
    }

    #[test]
    fn localhost_and_addresses_get_the_default() {
        for host in [
            "localhost",
            "localhost:8080",
            "127.0.0.1",
            "127.0.0.1:8080",
            "[::1]:8080",
            "::1",
            "intranet",
            "",
        ] {
            assert_eq!(practice_slug_from_host(host), None, "{host}");
        }
    }
}
