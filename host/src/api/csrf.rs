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
//! ([`FormTokenPending`]). A form with files posted to a module's routes
//! (bounded by the module's request limit), or the logo's form of Settings →
//! Practice, is read whole and must carry a `_csrf` part anywhere in it. Any other multipart post needs the header.
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

use crate::access::Caller;
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
    super::cookies::read(headers, FORM_COOKIE).filter(|v| (32..=128).contains(&v.len()))
}

/// The `Set-Cookie` value for a new signed-out form token.
pub fn form_cookie_header(token: &str, secure: bool) -> HeaderValue {
    super::cookies::set(FORM_COOKIE, token, "Strict", None, secure)
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

/// Whether a `multipart/form-data` body carries one of the accepted tokens
/// in its first `_csrf` part.
async fn multipart_carries_token(
    body: axum::body::Bytes,
    content_type: &str,
    accepted: &[String],
) -> bool {
    let Ok(boundary) = multer::parse_boundary(content_type) else {
        return false;
    };
    let whole = futures_util::stream::once(async move { Ok::<_, std::io::Error>(body) });
    let mut parts = multer::Multipart::new(whole, boundary);
    while let Ok(Some(part)) = parts.next_field().await {
        if part.name() == Some(FIELD) {
            let value = part.text().await.unwrap_or_default();
            return accepted.iter().any(|t| same_token(t, &value));
        }
    }
    false
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

/// The largest form a signed-out person sends (signing in, asking for a
/// reset link, choosing a password) is far below this.
pub const SIGNED_OUT_FORM_MAX_BYTES: usize = 64 * 1024;

/// Whether the request's caller may send a form with files to its path: a
/// signed-in person (for a module's routes, one of a practice that has the
/// module enabled, holding its permission), else the refusal.
async fn may_send_files(
    state: &AppState,
    caller: Option<Caller>,
    path: &str,
) -> Result<(), AppError> {
    let caller = caller.ok_or(AppError::Unauthenticated)?;
    let Some(id) = super::paths::module_of_path(path) else {
        return Ok(());
    };
    if state.modules.get(id).is_none()
        || !state
            .enabled_modules
            .is_enabled(state.db.pool(), &caller.practice, id)
            .await?
    {
        return Err(AppError::NotFound("module"));
    }
    caller.require(&format!("module:{id}"))
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
    // A mail server posting to a mailbox's pipe proves itself with a bearer
    // token, which a browser never adds to a forged request by itself.
    if super::paths::is_mail_pipe_path(req.uri().path())
        && headers
            .get(header::AUTHORIZATION)
            .is_some_and(|v| v.as_bytes().starts_with(b"Bearer "))
    {
        return next.run(req).await;
    }
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let is_form = content_type.starts_with("application/x-www-form-urlencoded");
    let multipart = content_type.starts_with("multipart/form-data");
    let is_upload = multipart && super::paths::is_upload_path(req.uri().path());
    let is_module_form = multipart
        && (super::paths::module_of_path(req.uri().path()).is_some()
            || super::paths::is_logo_form_path(req.uri().path()));
    if !is_form && !is_upload && !is_module_form {
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
    // A form with files is read whole before its token is found, so only
    // for someone signed in who may use the module it is sent to: nobody
    // else can make the server hold a module's request limit of it.
    if is_module_form {
        let caller = req.extensions().get::<Caller>().cloned();
        let path = req.uri().path().to_owned();
        if let Err(refused) = may_send_files(&state, caller, &path).await {
            // Answered without reading on: the connection closes after it.
            return refused.into_response();
        }
    }
    let content_type = content_type.to_owned();
    let (parts, body) = req.into_parts();
    let limit = if parts.extensions.get::<Caller>().is_some() {
        super::paths::request_limit(&state, parts.uri.path())
    } else {
        SIGNED_OUT_FORM_MAX_BYTES
    };
    let body = match super::read_limited(body, limit).await {
        Ok(body) => body,
        Err(e) => return e.into_response(),
    };
    let carries = if is_module_form {
        multipart_carries_token(body.clone(), &content_type, &accepted).await
    } else {
        form_carries_token(&body, &accepted)
    };
    if !carries {
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

    #[tokio::test]
    async fn a_form_with_files_carries_its_token_in_any_part() {
        let token = form_token_of_session("session-a");
        let form = |token_value: &str| {
            axum::body::Bytes::from(format!(
                "--XyZ\r\nContent-Disposition: form-data; name=\"files\"; filename=\"a.txt\"\r\n\
                 Content-Type: text/plain\r\n\r\nhello\r\n\
                 --XyZ\r\nContent-Disposition: form-data; name=\"{FIELD}\"\r\n\r\n{token_value}\r\n\
                 --XyZ--\r\n"
            ))
        };
        let content_type = "multipart/form-data; boundary=XyZ";
        let accepted = std::slice::from_ref(&token);
        assert!(multipart_carries_token(form(&token), content_type, accepted).await);
        assert!(!multipart_carries_token(form(&token[..63]), content_type, accepted).await);
        assert!(!multipart_carries_token(form(&token), "multipart/form-data", accepted).await);
        let without = axum::body::Bytes::from_static(b"--XyZ--\r\n");
        assert!(!multipart_carries_token(without, content_type, accepted).await);
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
