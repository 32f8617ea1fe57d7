//! Signing in and out in the browser, and forgotten passwords: the pages of
//! `POST /api/v1/auth/*`, on the same functions.

use askama::Template;
use axum::Extension;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use super::FormState;
use super::form::{Form, is_for_the_form};
use super::shell::{Page, local_path};
use crate::access::Caller;
use crate::api::csrf;
use crate::api::{ClientAddr, Query};
use crate::auth::password;
use crate::auth::reset::{self, ForgotPassword, ResetPassword};
use crate::auth::session::{self, new_token};
use crate::auth::sign_in::{self as auth, SignIn};
use crate::error::{AppError, Result};
use crate::practices::Practice;
use crate::state::AppState;

/// The signed-out form token: the one the browser's cookie holds, or a new
/// one with the cookie that sets it.
pub(super) fn signed_out_token(
    state: &AppState,
    headers: &HeaderMap,
) -> (String, Option<HeaderValue>) {
    match csrf::form_cookie(headers) {
        Some(token) => (token, None),
        None => {
            let token = new_token();
            let cookie = csrf::form_cookie_header(&token, state.config.secure_cookies());
            (token, Some(cookie))
        }
    }
}

pub(super) fn with_cookie(page: Page, cookie: Option<HeaderValue>) -> Response {
    let mut response = page.into_response();
    if let Some(cookie) = cookie {
        response.headers_mut().append(header::SET_COOKIE, cookie);
    }
    response
}

/// Messages the sign-in page shows after another page sent a person there.
fn notice(key: Option<&str>) -> Option<&'static str> {
    match key? {
        "signed-out" => Some("You are signed out."),
        "password-set" => Some("Your password is set. Sign in with it."),
        "password-changed" => Some("Your password is changed. Sign in with the new one."),
        _ => None,
    }
}

#[derive(Deserialize, IntoParams)]
pub struct SignInQuery {
    /// Where to go after signing in (a path of this site).
    next: Option<String>,
    /// `signed-out`, `password-set` or `password-changed`.
    notice: Option<String>,
}

#[derive(Template)]
#[template(path = "sign_in.html")]
struct SignInTemplate<'a> {
    form: FormState,
    email: &'a str,
    next: &'a str,
    notice: Option<&'a str>,
    practice: &'a str,
}

/// The sign-in page (with "Forgot password?"). Signed in already, it goes on
/// to `next`.
#[utoipa::path(get, path = "/sign-in", tag = "pages", params(SignInQuery),
    responses((status = 200, description = "The sign-in form", content_type = "text/html"),
        (status = 303, description = "Already signed in: on to `next`")))]
pub(super) async fn sign_in_page(
    State(state): State<AppState>,
    Extension(practice): Extension<Practice>,
    caller: Option<Caller>,
    headers: HeaderMap,
    Query(q): Query<SignInQuery>,
) -> Result<Response> {
    let next = local_path(q.next.as_deref());
    if caller.is_some() {
        return Ok(Redirect::to(&next).into_response());
    }
    let (token, cookie) = signed_out_token(&state, &headers);
    let page = SignInTemplate {
        form: FormState::new(&token),
        email: "",
        next: &next,
        notice: notice(q.notice.as_deref()),
        practice: practice.name(),
    };
    Ok(with_cookie(Page::bare("Sign in", &page)?, cookie))
}

#[derive(Deserialize, ToSchema)]
pub struct SignInForm {
    email: String,
    password: String,
    /// Where to go after signing in.
    next: Option<String>,
    /// The form token.
    #[serde(rename = "_csrf")]
    #[allow(dead_code)]
    csrf: Option<String>,
}

/// Signs in from the form: on success the session cookie is set and the
/// browser goes on to `next`; otherwise the form comes back with the email
/// kept and the problem shown.
#[utoipa::path(post, path = "/sign-in", tag = "pages",
    request_body(content = SignInForm, content_type = "application/x-www-form-urlencoded"),
    responses((status = 303, description = "Signed in; the session cookie is set"),
        (status = 401, description = "The form again: wrong email or password, or a disabled account", content_type = "text/html"),
        (status = 403, description = "The form token is missing or stale", content_type = "text/html"),
        (status = 422, description = "The form again, with a message beside each field to correct", content_type = "text/html"),
        (status = 429, description = "The form again: too many failures, with when to try again", content_type = "text/html")))]
pub(super) async fn sign_in(
    State(state): State<AppState>,
    Extension(practice): Extension<Practice>,
    client: ClientAddr,
    headers: HeaderMap,
    Form(input): Form<SignInForm>,
) -> Result<Response> {
    let next = local_path(input.next.as_deref());
    let attempt = SignIn {
        email: input.email.clone(),
        password: input.password,
    };
    match auth::attempt(&state, &practice, &client, &headers, attempt).await {
        Ok(auth::Outcome::Session { token, .. }) => Ok(auth::with_session(
            &state,
            Redirect::to(&next).into_response(),
            &token,
        )),
        Ok(auth::Outcome::SecondFactor { challenge }) => {
            let to = format!(
                "/sign-in/second-factor?next={}",
                crate::web::shell::urlencode(&next)
            );
            let mut response = Redirect::to(&to).into_response();
            response.headers_mut().insert(
                header::SET_COOKIE,
                crate::auth::second_factor::challenge::cookie(&state.config, &challenge),
            );
            Ok(response)
        }
        Err(e) if is_for_the_form(&e) => {
            let (token, cookie) = signed_out_token(&state, &headers);
            let page = SignInTemplate {
                form: FormState::failed(&token, &e),
                email: input.email.trim(),
                next: &next,
                notice: None,
                practice: practice.name(),
            };
            let page = Page::bare("Sign in", &page)?.status(e.status_code());
            Ok(with_cookie(page, cookie))
        }
        Err(e) => Err(e),
    }
}

/// Signs out and shows the sign-in page.
#[utoipa::path(post, path = "/sign-out", tag = "pages",
    request_body(content = CsrfOnly, content_type = "application/x-www-form-urlencoded"),
    responses((status = 303, description = "Signed out: to the sign-in page"),
        (status = 403, description = "The form token is missing or stale", content_type = "text/html")))]
pub(super) async fn sign_out(
    State(state): State<AppState>,
    caller: Option<Caller>,
    client: ClientAddr,
) -> Result<Response> {
    if let Some(caller) = caller {
        auth::end_session(&state, &caller, &client).await?;
    }
    let mut response = Redirect::to("/sign-in?notice=signed-out").into_response();
    response
        .headers_mut()
        .insert(header::SET_COOKIE, session::clear_cookie(&state.config));
    Ok(response)
}

/// A form with nothing but its token.
#[derive(Deserialize, ToSchema)]
pub struct CsrfOnly {
    #[serde(rename = "_csrf")]
    #[allow(dead_code)]
    pub csrf: String,
}

#[derive(Template)]
#[template(path = "forgot_password.html")]
struct ForgotTemplate<'a> {
    form: FormState,
    email: &'a str,
    sent_to: Option<&'a str>,
}

/// The "Forgot password?" page.
#[utoipa::path(get, path = "/forgot-password", tag = "pages",
    responses((status = 200, description = "The form asking for the email", content_type = "text/html")))]
pub(super) async fn forgot_page(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Response> {
    let (token, cookie) = signed_out_token(&state, &headers);
    let page = ForgotTemplate {
        form: FormState::new(&token),
        email: "",
        sent_to: None,
    };
    Ok(with_cookie(Page::bare("Forgot password", &page)?, cookie))
}

#[derive(Deserialize, ToSchema)]
pub struct ForgotForm {
    email: String,
    #[serde(rename = "_csrf")]
    #[allow(dead_code)]
    csrf: Option<String>,
}

/// Emails a reset link (if the account exists; the page says the same
/// either way).
#[utoipa::path(post, path = "/forgot-password", tag = "pages",
    request_body(content = ForgotForm, content_type = "application/x-www-form-urlencoded"),
    responses((status = 200, description = "Says a link is on its way if the account exists", content_type = "text/html"),
        (status = 403, description = "The form token is missing or stale", content_type = "text/html"),
        (status = 422, description = "The form again, saying what is wrong with the email", content_type = "text/html"),
        (status = 429, description = "Too many requests from this address for now: the form again, saying when to try again", content_type = "text/html")))]
pub(super) async fn forgot(
    State(state): State<AppState>,
    Extension(practice): Extension<Practice>,
    client: ClientAddr,
    headers: HeaderMap,
    Form(input): Form<ForgotForm>,
) -> Result<Response> {
    let (token, cookie) = signed_out_token(&state, &headers);
    let email = input.email.trim().to_string();
    let asked = ForgotPassword {
        email: email.clone(),
    };
    let page = match reset::request_reset(&state, &practice, &client, asked).await {
        Ok(()) => Page::bare(
            "Forgot password",
            &ForgotTemplate {
                form: FormState::new(&token),
                email: &email,
                sent_to: Some(&email),
            },
        )?,
        Err(e) if is_for_the_form(&e) => Page::bare(
            "Forgot password",
            &ForgotTemplate {
                form: FormState::failed(&token, &e),
                email: &email,
                sent_to: None,
            },
        )?
        .status(e.status_code()),
        Err(e) => return Err(e),
    };
    Ok(with_cookie(page, cookie))
}

#[derive(Deserialize, IntoParams)]
pub struct ResetQuery {
    /// The token from the emailed link.
    token: Option<String>,
}

#[derive(Template)]
#[template(path = "reset_password.html")]
struct ResetTemplate<'a> {
    form: FormState,
    token: &'a str,
    min_len: usize,
}

/// The page an emailed reset or invitation link opens: choose a password.
#[utoipa::path(get, path = "/reset-password", tag = "pages", params(ResetQuery),
    responses((status = 200, description = "The new-password form", content_type = "text/html")))]
pub(super) async fn reset_page(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<ResetQuery>,
) -> Result<Response> {
    let (csrf_token, cookie) = signed_out_token(&state, &headers);
    let token = q.token.unwrap_or_default();
    let mut form = FormState::new(&csrf_token);
    if token.is_empty() {
        form.problem =
            Some("This page needs the link from your email. Ask for a new one below.".into());
    }
    let page = ResetTemplate {
        form,
        token: &token,
        min_len: password::MIN_LEN,
    };
    Ok(with_cookie(Page::bare("Choose a password", &page)?, cookie))
}

#[derive(Deserialize, ToSchema)]
pub struct ResetForm {
    token: String,
    password: String,
    /// The same password again.
    confirm: String,
    #[serde(rename = "_csrf")]
    #[allow(dead_code)]
    csrf: Option<String>,
}

/// Sets the password from an emailed link, then on to the sign-in page.
#[utoipa::path(post, path = "/reset-password", tag = "pages",
    request_body(content = ResetForm, content_type = "application/x-www-form-urlencoded"),
    responses((status = 303, description = "The password is set: to the sign-in page"),
        (status = 403, description = "The form token is missing or stale", content_type = "text/html"),
        (status = 422, description = "The form again: the link is used up or expired, or the password is refused, with why", content_type = "text/html")))]
pub(super) async fn reset(
    State(state): State<AppState>,
    Extension(practice): Extension<Practice>,
    client: ClientAddr,
    headers: HeaderMap,
    Form(input): Form<ResetForm>,
) -> Result<Response> {
    let outcome = if input.password != input.confirm {
        Err(AppError::field("confirm", "the two passwords differ"))
    } else {
        let new = ResetPassword {
            token: input.token.clone(),
            password: input.password,
        };
        reset::set_password_with_link(&state, &practice, &client, new).await
    };
    match outcome {
        Ok(()) => Ok(Redirect::to("/sign-in?notice=password-set").into_response()),
        Err(e) if is_for_the_form(&e) => {
            let (csrf_token, cookie) = signed_out_token(&state, &headers);
            let page = ResetTemplate {
                form: FormState::failed(&csrf_token, &e),
                token: &input.token,
                min_len: password::MIN_LEN,
            };
            let page = Page::bare("Choose a password", &page)?.status(e.status_code());
            Ok(with_cookie(page, cookie))
        }
        Err(e) => Err(e),
    }
}
