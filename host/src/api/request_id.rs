//! Every request gets an id: the client's `X-Request-Id` when it sends a
//! short one of letters, digits and `-`/`_`, else a new one. It is in the
//! request's log lines and in the response's `X-Request-Id`. A handler that
//! panics does not drop the connection: the panic is logged with the id and
//! the request is answered 500 naming it.

use std::panic::AssertUnwindSafe;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::extract::Request;
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use futures_util::FutureExt;

use crate::error::AppError;

pub const HEADER: &str = "x-request-id";

/// The id of the request being served.
#[derive(Clone, Debug)]
pub struct RequestId(pub String);

/// A new id: a random prefix chosen when this process first needs one (so
/// ids of several processes do not meet), then a count. Cheaper than a random
/// id each time: no system call per request.
fn new_id() -> String {
    static PREFIX: OnceLock<String> = OnceLock::new();
    static NEXT: AtomicU64 = AtomicU64::new(1);
    let prefix = PREFIX.get_or_init(|| uuid::Uuid::now_v7().simple().to_string()[20..].to_string());
    format!("{prefix}-{:x}", NEXT.fetch_add(1, Ordering::Relaxed))
}

/// Whether a client's id is one to keep: 1 to 64 letters, digits, `-`, `_`.
fn acceptable(id: &str) -> bool {
    (1..=64).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// Outermost middleware: gives the request its id (in the request, for the
/// log span and the layers inside, and in the response) and catches what
/// panics outside the innermost layer.
pub async fn tag(mut req: Request, next: Next) -> Response {
    let id = req
        .headers()
        .get(HEADER)
        .and_then(|v| v.to_str().ok())
        .filter(|v| acceptable(v))
        .map(str::to_string)
        .unwrap_or_else(new_id);
    if let Ok(value) = HeaderValue::from_str(&id) {
        req.headers_mut().insert(HEADER, value);
    }
    req.extensions_mut().insert(RequestId(id.clone()));
    let mut response = catch_panics(req, next).await;
    if let Ok(value) = HeaderValue::from_str(&id) {
        response.headers_mut().insert(HEADER, value);
    }
    response
}

/// Innermost middleware (and part of [`tag`]): a panic while the request
/// is handled becomes a logged 500 that names the request's id, so the
/// layers outside (the page frame among them) still answer.
pub async fn catch_panics(req: Request, next: Next) -> Response {
    let id = req
        .extensions()
        .get::<RequestId>()
        .map(|r| r.0.clone())
        .unwrap_or_default();
    let (method, path) = (req.method().clone(), req.uri().path().to_string());
    match AssertUnwindSafe(next.run(req)).catch_unwind().await {
        Ok(response) => response,
        Err(panic) => {
            let what = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "a panic without a message".into());
            tracing::error!(request_id = %id, %method, %path, panic = %what, "a request panicked");
            AppError::Panicked { request_id: id }.into_response()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::acceptable;

    #[test]
    fn new_ids_are_distinct_and_kept_when_sent_back() {
        let (a, b) = (super::new_id(), super::new_id());
        assert_ne!(a, b);
        assert!(acceptable(&a) && acceptable(&b), "{a} {b}");
    }

    #[test]
    fn only_short_plain_ids_are_kept_from_clients() {
        assert!(acceptable("0192f0c5-7a1b-7cc3-9d2e-5f6a7b8c9d0e"));
        assert!(acceptable("req_42"));
        assert!(!acceptable(""));
        assert!(!acceptable(&"a".repeat(65)));
        assert!(!acceptable("a b"));
        assert!(!acceptable("a\nb"));
    }
}
