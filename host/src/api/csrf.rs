//! Cross-site request forgery protection. A state-changing request (anything
//! but GET, HEAD and OPTIONS) must carry `X-Requested-With: immcase`: a header
//! a cross-site form cannot set, and a cross-site script cannot send without a
//! CORS preflight that this server never grants.

use axum::extract::Request;
use axum::http::Method;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::error::{AppError, Refusal};

pub const HEADER: &str = "x-requested-with";
pub const HEADER_VALUE: &str = "immcase";

pub async fn require_header(req: Request, next: Next) -> Response {
    let safe = matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    let marked = req
        .headers()
        .get(HEADER)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case(HEADER_VALUE));
    if safe || marked {
        return next.run(req).await;
    }
    let mut response = AppError::ForbiddenOther(
        "refused as a possible cross-site request: send the header X-Requested-With: immcase"
            .into(),
    )
    .into_response();
    response.extensions_mut().insert(Refusal {
        action: "access.csrf_refused",
        details: serde_json::json!({ "reason": "no X-Requested-With: immcase header" }),
    });
    response
}
