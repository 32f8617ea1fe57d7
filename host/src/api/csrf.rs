//! Cross-site request forgery protection. A state-changing request (anything
//! but GET, HEAD and OPTIONS) must carry either the header
//! `X-Requested-With: immcase` (a header a cross-site form cannot set, and a
//! cross-site script cannot send without a CORS preflight that this server
//! never grants), or, for an HTML form, a `_csrf` field with the form token:
//!
//! - signed in, the token is derived from the session id (which only the
//!   HttpOnly cookie holds), so it is unknown to any other site and changes
//!   with every sign-in;
//! - signed out (the sign-in and password-reset forms), it is a random value
//!   also kept in the `immcase_form` cookie (HttpOnly, SameSite=Strict) that
//!   the page set: a double-submit token.
//!
//! A file upload form (`multipart/form-data`, only on the upload routes) puts
//! the token in a `_csrf` part before the file; the upload handler checks it
//! as it reads the parts and refuses the files otherwise
//! ([`FormTokenPending`]). Any other multipart post needs the header.
//!
//! A browser that says the request is cross-site (`Sec-Fetch-Site:
//! cross-site`) is refused either way, and a form post must also not come
//! from a sibling host (`same-site`): another practice's pages live there.

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

use crate::auth::Caller;
use crate::error::{AppError, Refusal};
use crate::state::AppState;

pub const HEADER: &str = "x-requested-with";
pub const HEADER_VALUE: &str = "immcase";
/// The form field that carries the token.
pub const FIELD: &str = "_csrf";
/// The cookie holding the token of signed-out forms.
pub const FORM_COOKIE: &str = "immcase_form";

/// The form token of a session, from its id.
pub fn form_token_of_session(session_id: &str) -> String {
    let digest = Sha256::digest(format!("immcase form token\0{session_id}").as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// The signed-out form token the request's cookie holds, if any.
pub fn form_cookie(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == FORM_COOKIE)
        .map(|(_, value)| value.to_string())
        .filter(|v| (32..=128).contains(&v.len()))
}

/// The `Set-Cookie` value for a new signed-out form token.
pub fn form_cookie_header(token: &str, secure: bool) -> HeaderValue {
    let secure = if secure { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{FORM_COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict{secure}"
    ))
    .unwrap_or(HeaderValue::from_static(""))
}

fn same_token(a: &str, b: &str) -> bool {
    // Compared without stopping at the first difference.
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// Whether a urlencoded form body carries one of the accepted tokens.
fn form_carries_token(body: &[u8], accepted: &[String]) -> bool {
    let pairs: Vec<(String, String)> = serde_html_form::from_bytes(body).unwrap_or_default();
    pairs
        .iter()
        .filter(|(name, _)| name == FIELD)
        .any(|(_, value)| accepted.iter().any(|t| same_token(t, value)))
}

/// A browser form upload (`multipart/form-data`) on an upload route: its
/// token travels as a `_csrf` part before the file, which the upload handler
/// checks with this while it reads the parts.
#[derive(Clone)]
pub struct FormTokenPending {
    accepted: Vec<String>,
}

impl FormTokenPending {
    pub fn accepts(&self, token: &str) -> bool {
        self.accepted.iter().any(|t| same_token(t, token))
    }
}

/// The refusal of a form without a valid token.
pub fn form_token_refused() -> Response {
    refused(
        "this form has expired or did not come from ImmCase: reload the page and send it again",
        "form without a valid token",
    )
}

fn refused(message: &str, reason: &str) -> Response {
    let mut response = AppError::ForbiddenOther(message.into()).into_response();
    response.extensions_mut().insert(Refusal {
        action: "access.csrf_refused",
        details: serde_json::json!({ "reason": reason }),
    });
    response
}

pub async fn protect(State(state): State<AppState>, req: Request, next: Next) -> Response {
    if matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return next.run(req).await;
    }
    let headers = req.headers();
    if headers
        .get("sec-fetch-site")
        .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"cross-site"))
    {
        return refused(
            "refused: this request came from another site",
            "Sec-Fetch-Site: cross-site",
        );
    }
    let marked = headers
        .get(HEADER)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case(HEADER_VALUE));
    if marked {
        return next.run(req).await;
    }
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let is_form = content_type.starts_with("application/x-www-form-urlencoded");
    let is_upload = content_type.starts_with("multipart/form-data")
        && crate::files::is_upload_path(req.uri().path());
    if !is_form && !is_upload {
        return refused(
            "refused as a possible cross-site request: send the header X-Requested-With: immcase",
            "no X-Requested-With: immcase header",
        );
    }
    if headers
        .get("sec-fetch-site")
        .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"same-site"))
    {
        return refused(
            "refused: this form was sent from another site",
            "Sec-Fetch-Site: same-site",
        );
    }
    let accepted: Vec<String> = req
        .extensions()
        .get::<Caller>()
        .map(|c| c.form_token.clone())
        .into_iter()
        .chain(form_cookie(headers))
        .collect();
    if is_upload {
        let mut req = req;
        req.extensions_mut().insert(FormTokenPending { accepted });
        return next.run(req).await;
    }
    let (parts, body) = req.into_parts();
    let body = match super::read_limited(body, state.config.max_body_bytes).await {
        Ok(body) => body,
        Err(e) => return e.into_response(),
    };
    if !form_carries_token(&body, &accepted) {
        return form_token_refused();
    }
    next.run(Request::from_parts(parts, Body::from(body))).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_tokens_come_from_the_session_and_are_checked_whole() {
        let a = form_token_of_session("session-a");
        assert_eq!(a.len(), 64);
        assert_ne!(a, form_token_of_session("session-b"));
        let body = format!("name=x&{FIELD}={a}");
        assert!(form_carries_token(
            body.as_bytes(),
            std::slice::from_ref(&a)
        ));
        assert!(!form_carries_token(b"name=x", std::slice::from_ref(&a)));
        let truncated = format!("{FIELD}={}", &a[..63]);
        assert!(!form_carries_token(truncated.as_bytes(), &[a]));
    }

    #[test]
    fn the_form_cookie_is_found_among_others() {
        let mut headers = HeaderMap::new();
        let token = "k".repeat(43);
        headers.insert(
            header::COOKIE,
            HeaderValue::from_str(&format!("a=b; {FORM_COOKIE}={token}")).unwrap(),
        );
        assert_eq!(form_cookie(&headers), Some(token));
        headers.insert(
            header::COOKIE,
            HeaderValue::from_static("immcase_form=short"),
        );
        assert_eq!(form_cookie(&headers), None);
    }
}
