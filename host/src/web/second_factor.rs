//! The pages of two-factor sign-in: My Profile → Two-factor sign-in (set up
//! an authenticator app, add and remove passkeys, see recovery codes once,
//! make new ones, turn it off) and the code page between the password and
//! the session, where a passkey may stand in for the code.

use askama::Template;
use axum::Extension;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use utoipa::ToSchema;

use super::FormState;
use super::form::{Form, is_for_the_form};
use super::shell::{Page, local_path, saved};
use crate::access::Caller;
use crate::api::ClientAddr;
use crate::api::Path;
use crate::auth::second_factor::{self, Enrolment, Status, passkeys};
use crate::auth::sign_in as auth;
use crate::error::{AppError, Result};
use crate::practices::Practice;
use crate::state::AppState;

const TITLE: &str = "Two-factor sign-in";

#[derive(Template)]
#[template(path = "second_factor.html")]
struct SecondFactorTemplate {
    status: Status,
    enrolment: Option<Enrolment>,
    codes: Option<Vec<String>>,
    code_form: FormState,
    off_form: FormState,
    passkey_form: FormState,
    /// The name typed for a passkey, kept when it was refused.
    passkey_name: String,
}

impl SecondFactorTemplate {
    /// The day a passkey was added, as the list shows it.
    fn added(&self, p: &passkeys::PasskeyInfo) -> String {
        day(p.created_at)
    }

    /// The day a passkey was last used, if it was.
    fn last_used(&self, p: &passkeys::PasskeyInfo) -> Option<String> {
        p.last_used_at.map(day)
    }
}

fn day(ms: i64) -> String {
    jiff::Timestamp::from_millisecond(ms)
        .map(|t| t.strftime("%-d %b %Y").to_string())
        .unwrap_or_default()
}

async fn page(state: &AppState, caller: &Caller) -> Result<SecondFactorTemplate> {
    Ok(SecondFactorTemplate {
        status: second_factor::status(state, &caller.practice, &caller.user_id).await?,
        enrolment: None,
        codes: None,
        code_form: FormState::new(&caller.form_token),
        off_form: FormState::new(&caller.form_token),
        passkey_form: FormState::new(&caller.form_token),
        passkey_name: String::new(),
    })
}

fn shown(template: &SecondFactorTemplate, status: StatusCode) -> Result<Response> {
    Ok(Page::new(TITLE, template)?.status(status).into_response())
}

/// The page after one of its code forms: what `outcome` brought put in by
/// `done`, or its refusal beside the code (with a set-up under way shown
/// again: the app already holds its secret).
async fn after<T>(
    state: &AppState,
    caller: &Caller,
    outcome: Result<T>,
    done: impl FnOnce(&mut SecondFactorTemplate, T),
) -> Result<Response> {
    let mut template = page(state, caller).await?;
    match outcome {
        Ok(value) => {
            done(&mut template, value);
            shown(&template, StatusCode::OK)
        }
        Err(e) if is_for_the_form(&e) => {
            template.enrolment = second_factor::pending(state, caller).await?;
            template.code_form = FormState::failed(&caller.form_token, &e);
            shown(&template, e.status_code())
        }
        Err(e) => Err(e),
    }
}

/// My Profile → Two-factor sign-in.
#[utoipa::path(get, path = "/profile/second-factor", tag = "pages",
    responses((status = 200, description = "Whether it is on, and the forms to change it", content_type = "text/html"),
        (status = 303, description = "Not signed in: to the sign-in page")))]
pub(super) async fn second_factor_page(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Response> {
    shown(&page(&state, &caller).await?, StatusCode::OK)
}

#[derive(Deserialize, ToSchema)]
pub struct TokenForm {
    #[serde(rename = "_csrf")]
    #[allow(dead_code)]
    csrf: Option<String>,
}

/// Starts setting up an app: the page again with its QR code and key.
#[utoipa::path(post, path = "/profile/second-factor/start", tag = "pages",
    request_body(content = TokenForm, content_type = "application/x-www-form-urlencoded"),
    responses((status = 200, description = "The QR code and the form for the first code", content_type = "text/html"),
        (status = 403, description = "The form token is missing or stale", content_type = "text/html"),
        (status = 409, description = "It is on already", content_type = "text/html")))]
pub(super) async fn start(
    State(state): State<AppState>,
    caller: Caller,
    Form(_token): Form<TokenForm>,
) -> Result<Response> {
    let begun = second_factor::begin(&state, &caller).await;
    after(&state, &caller, begun, |t, enrolment| {
        t.enrolment = Some(enrolment)
    })
    .await
}

#[derive(Deserialize, ToSchema)]
pub struct CodeForm {
    code: String,
    #[serde(rename = "_csrf")]
    #[allow(dead_code)]
    csrf: Option<String>,
}

/// Turns it on with the app's first code: the page with the recovery codes,
/// shown this once. A wrong code shows the same QR code again.
#[utoipa::path(post, path = "/profile/second-factor/confirm", tag = "pages",
    request_body(content = CodeForm, content_type = "application/x-www-form-urlencoded"),
    responses((status = 200, description = "On: the recovery codes, shown once", content_type = "text/html"),
        (status = 403, description = "The form token is missing or stale", content_type = "text/html"),
        (status = 422, description = "The set-up again, with what is wrong with the code", content_type = "text/html")))]
pub(super) async fn confirm(
    State(state): State<AppState>,
    caller: Caller,
    Form(input): Form<CodeForm>,
) -> Result<Response> {
    let confirmed = second_factor::confirm(&state, &caller, &input.code).await;
    after(&state, &caller, confirmed, |t, codes| t.codes = Some(codes)).await
}

/// New recovery codes, with a code from the app: shown this once.
#[utoipa::path(post, path = "/profile/second-factor/recovery-codes", tag = "pages",
    request_body(content = CodeForm, content_type = "application/x-www-form-urlencoded"),
    responses((status = 200, description = "The new recovery codes, shown once", content_type = "text/html"),
        (status = 403, description = "The form token is missing or stale", content_type = "text/html"),
        (status = 422, description = "The page again, with what is wrong with the code", content_type = "text/html")))]
pub(super) async fn new_codes(
    State(state): State<AppState>,
    caller: Caller,
    Form(input): Form<CodeForm>,
) -> Result<Response> {
    let made = second_factor::new_recovery_codes(&state, &caller, &input.code).await;
    after(&state, &caller, made, |t, codes| t.codes = Some(codes)).await
}

#[derive(Deserialize, ToSchema)]
pub struct PasswordForm {
    password: String,
    #[serde(rename = "_csrf")]
    #[allow(dead_code)]
    csrf: Option<String>,
}

/// Turns it off, with one's password.
#[utoipa::path(post, path = "/profile/second-factor/off", tag = "pages",
    request_body(content = PasswordForm, content_type = "application/x-www-form-urlencoded"),
    responses((status = 303, description = "Off: back to the page with a message"),
        (status = 403, description = "The form token is missing or stale, or the practice requires it", content_type = "text/html"),
        (status = 422, description = "The page again: a wrong password", content_type = "text/html")))]
pub(super) async fn turn_off(
    State(state): State<AppState>,
    caller: Caller,
    client: ClientAddr,
    Form(input): Form<PasswordForm>,
) -> Result<Response> {
    match second_factor::turn_off(&state, &caller, &client, input.password).await {
        Ok(()) => Ok(saved(
            "/profile/second-factor",
            "Two-factor sign-in is off: your password alone signs you in.",
        )),
        Err(e) if is_for_the_form(&e) => {
            let mut template = page(&state, &caller).await?;
            template.off_form = FormState::failed(&caller.form_token, &e);
            shown(&template, e.status_code())
        }
        Err(e) => Err(e),
    }
}

#[derive(Deserialize, ToSchema)]
pub struct PasskeyForm {
    name: String,
    /// The authenticator's answer, as JSON (the page's script fills it in).
    credential: String,
    #[serde(rename = "_csrf")]
    #[allow(dead_code)]
    csrf: Option<String>,
}

/// The most a passkey's answer takes, as JSON.
const MAX_CREDENTIAL: usize = 64 * 1024;

/// Reads the authenticator's answer the page's script put in the form.
fn answer<T: serde::de::DeserializeOwned>(json: &str) -> Result<T> {
    if json.trim().is_empty() {
        return Err(AppError::field(
            "passkey",
            "no answer from a passkey: this needs the page's script and a browser that supports passkeys",
        ));
    }
    if json.len() > MAX_CREDENTIAL {
        return Err(AppError::field(
            "passkey",
            "this answer is too long to be a passkey's",
        ));
    }
    serde_json::from_str(json)
        .map_err(|_| AppError::field("passkey", "this is not a passkey's answer: try again"))
}

/// Adds a passkey (the page's script asks the browser for it first): the
/// page with a message, and with recovery codes when one had none left.
#[utoipa::path(post, path = "/profile/second-factor/passkeys", tag = "pages",
    request_body(content = PasskeyForm, content_type = "application/x-www-form-urlencoded"),
    responses((status = 200, description = "Added, with new recovery codes shown once", content_type = "text/html"),
        (status = 303, description = "Added: back to the page with a message"),
        (status = 403, description = "The form token is missing or stale", content_type = "text/html"),
        (status = 409, description = "No passkey being added (over five minutes): the page again, saying so", content_type = "text/html"),
        (status = 422, description = "The page again, the name kept, saying what is wrong", content_type = "text/html")))]
pub(super) async fn add_passkey(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    Form(input): Form<PasskeyForm>,
) -> Result<Response> {
    let added = match answer(&input.credential) {
        Ok(credential) => {
            passkeys::finish_registration(&state, &caller, &headers, &input.name, &credential).await
        }
        Err(e) => Err(e),
    };
    match added {
        Ok(codes) if codes.is_empty() => Ok(saved(
            "/profile/second-factor#passkeys",
            format!(
                "Passkey “{}” added: signing in can use it now.",
                input.name.trim()
            ),
        )),
        Ok(codes) => {
            let mut template = page(&state, &caller).await?;
            template.codes = Some(codes);
            shown(&template, StatusCode::OK)
        }
        Err(e) if is_for_the_form(&e) => {
            let mut template = page(&state, &caller).await?;
            template.passkey_form = FormState::failed(&caller.form_token, &e);
            template.passkey_name = input.name;
            shown(&template, e.status_code())
        }
        Err(e) => Err(e),
    }
}

/// Removes one of one's passkeys.
#[utoipa::path(post, path = "/profile/second-factor/passkeys/{id}/remove", tag = "pages",
    params(("id" = String, Path)),
    request_body(content = TokenForm, content_type = "application/x-www-form-urlencoded"),
    responses((status = 303, description = "Removed: back to the page with a message"),
        (status = 403, description = "The form token is missing or stale", content_type = "text/html"),
        (status = 404, description = "No such passkey of one's own", content_type = "text/html")))]
pub(super) async fn remove_passkey(
    State(state): State<AppState>,
    caller: Caller,
    client: ClientAddr,
    Path(id): Path<String>,
    Form(_token): Form<TokenForm>,
) -> Result<Response> {
    passkeys::remove(&state, &caller, &client, &id).await?;
    Ok(saved(
        "/profile/second-factor#passkeys",
        "Passkey removed: it no longer signs you in.",
    ))
}

#[derive(Template)]
#[template(path = "second_factor_sign_in.html")]
struct CodeTemplate<'a> {
    form: FormState,
    next: &'a str,
    practice: &'a str,
}

#[derive(Deserialize, utoipa::IntoParams)]
pub struct NextQuery {
    /// Where to go after signing in (a path of this site).
    next: Option<String>,
}

/// The second step of signing in: the code.
#[utoipa::path(get, path = "/sign-in/second-factor", tag = "pages", params(NextQuery),
    responses((status = 200, description = "The form for the code", content_type = "text/html")))]
pub(super) async fn code_page(
    State(state): State<AppState>,
    Extension(practice): Extension<Practice>,
    headers: HeaderMap,
    crate::api::Query(q): crate::api::Query<NextQuery>,
) -> Result<Response> {
    let next = local_path(q.next.as_deref());
    let (token, cookie) = super::sign_in::signed_out_token(&state, &headers);
    let page = CodeTemplate {
        form: FormState::new(&token),
        next: &next,
        practice: practice.name(),
    };
    Ok(super::sign_in::with_cookie(
        Page::bare("Sign in", &page)?,
        cookie,
    ))
}

#[derive(Deserialize, ToSchema)]
pub struct SignInCodeForm {
    code: String,
    next: Option<String>,
    #[serde(rename = "_csrf")]
    #[allow(dead_code)]
    csrf: Option<String>,
}

/// Completes signing in with the code: on to `next` with the session cookie.
#[utoipa::path(post, path = "/sign-in/second-factor", tag = "pages",
    request_body(content = SignInCodeForm, content_type = "application/x-www-form-urlencoded"),
    responses((status = 303, description = "Signed in; the session cookie is set"),
        (status = 401, description = "The sign-in expired: the form again, saying to start again", content_type = "text/html"),
        (status = 403, description = "The form token is missing or stale", content_type = "text/html"),
        (status = 422, description = "The form again: a wrong or used code", content_type = "text/html"),
        (status = 429, description = "The form again: too many failures", content_type = "text/html")))]
pub(super) async fn complete(
    State(state): State<AppState>,
    Extension(practice): Extension<Practice>,
    client: ClientAddr,
    headers: HeaderMap,
    Form(input): Form<SignInCodeForm>,
) -> Result<Response> {
    let next = local_path(input.next.as_deref());
    let proof = second_factor::challenge::Proof::Code(&input.code);
    let done = auth::complete_second_factor(&state, &practice, &client, &headers, proof).await;
    signed_in_or_again(&state, &practice, &headers, &next, done)
}

#[derive(Deserialize, ToSchema)]
pub struct SignInPasskeyForm {
    /// The authenticator's answer, as JSON (the page's script fills it in).
    credential: String,
    next: Option<String>,
    #[serde(rename = "_csrf")]
    #[allow(dead_code)]
    csrf: Option<String>,
}

/// Completes signing in with a passkey (the page's script asks the browser
/// for it first): on to `next` with the session cookie.
#[utoipa::path(post, path = "/sign-in/second-factor/passkey", tag = "pages",
    request_body(content = SignInPasskeyForm, content_type = "application/x-www-form-urlencoded"),
    responses((status = 303, description = "Signed in; the session cookie is set"),
        (status = 401, description = "The sign-in expired: the form again, saying to start again", content_type = "text/html"),
        (status = 403, description = "The form token is missing or stale", content_type = "text/html"),
        (status = 422, description = "The form again: not one of the person's passkeys", content_type = "text/html"),
        (status = 429, description = "The form again: too many failures", content_type = "text/html")))]
pub(super) async fn complete_with_passkey(
    State(state): State<AppState>,
    Extension(practice): Extension<Practice>,
    client: ClientAddr,
    headers: HeaderMap,
    Form(input): Form<SignInPasskeyForm>,
) -> Result<Response> {
    let next = local_path(input.next.as_deref());
    let done = match answer(&input.credential) {
        Ok(credential) => {
            let proof = second_factor::challenge::Proof::Passkey(&credential);
            auth::complete_second_factor(&state, &practice, &client, &headers, proof).await
        }
        Err(e) => Err(e),
    };
    signed_in_or_again(&state, &practice, &headers, &next, done)
}

/// On to `next` with the session of `done`, or the code page again with
/// its refusal.
fn signed_in_or_again(
    state: &AppState,
    practice: &Practice,
    headers: &HeaderMap,
    next: &str,
    done: Result<(crate::auth::sign_in::Me, String)>,
) -> Result<Response> {
    match done {
        Ok((_, token)) => Ok(auth::with_session(
            state,
            Redirect::to(next).into_response(),
            &token,
        )),
        Err(e) if is_for_the_form(&e) => {
            let (token, cookie) = super::sign_in::signed_out_token(state, headers);
            let page = CodeTemplate {
                form: FormState::failed(&token, &e),
                next,
                practice: practice.name(),
            };
            let page = Page::bare("Sign in", &page)?.status(e.status_code());
            Ok(super::sign_in::with_cookie(page, cookie))
        }
        Err(e) => Err(e),
    }
}
