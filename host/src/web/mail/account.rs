//! Settings → My email account: one's own mailbox (connected, changed,
//! checked, fetched now, disconnected, or given a pipe) and one's email
//! signature, which the email module puts below what one writes.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use utoipa::ToSchema;

use super::mailbox_form::{MailboxForm, MailboxState};
use crate::access::Caller;
use crate::api::ClientAddr;
use crate::auth::sign_in::{self as auth, ProfilePatch, SIGNATURE_MAX};
use crate::error::{AppError, Result};
use crate::mail_api::mailboxes::{self as api, ConnectionCheck};
use crate::state::AppState;
use crate::web::FormState;
use crate::web::form::{Form, is_for_the_form};
use crate::web::shell::{Page, saved};

pub(super) const PAGE: &str = "/settings/email-account";

#[derive(Template)]
#[template(path = "mail/account.html")]
pub(super) struct AccountTemplate {
    pub values: MailboxForm,
    pub form: FormState,
    pub password_set: bool,
    pub state: Option<MailboxState>,
    pub check: Option<ConnectionCheck>,
    pub token: Option<String>,
    pub pipe_url: String,
    /// Where the mailbox's actions post.
    pub actions: &'static str,
    pub signature: String,
    pub signature_version: i64,
    pub signature_form: FormState,
    pub signature_max: usize,
}

/// The page as saved, for `caller`.
pub(super) async fn template(state: &AppState, caller: &Caller) -> Result<AccountTemplate> {
    let own = api::own(state, caller).await?;
    let me = crate::web::profile::current(state, caller).await?;
    Ok(AccountTemplate {
        values: match &own {
            Some(m) => MailboxForm::of(m),
            None => MailboxForm::new(&caller.display_name, &caller.email),
        },
        form: FormState::new(&caller.form_token),
        password_set: own.as_ref().is_some_and(|m| m.password_set),
        state: own.as_ref().map(|m| MailboxState::of(m, &caller.time_zone)),
        check: None,
        token: None,
        pipe_url: own
            .as_ref()
            .map(|m| format!("/api/v1/mailboxes/{}/messages", m.id))
            .unwrap_or_default(),
        actions: PAGE,
        signature: me.user.email_signature.clone(),
        signature_version: me.user.version,
        signature_form: FormState::new(&caller.form_token),
        signature_max: SIGNATURE_MAX,
    })
}

pub(super) fn framed(template: &AccountTemplate, status: StatusCode) -> Result<Response> {
    Ok(Page::new("My email account", template)?
        .status(status)
        .into_response())
}

/// Settings → My email account.
#[utoipa::path(get, path = "/settings/email-account", tag = "pages",
    responses((status = 200, description = "One's mailbox and email signature", content_type = "text/html"),
        (status = 303, description = "Not signed in: to the sign-in page")))]
pub(super) async fn page(State(state): State<AppState>, caller: Caller) -> Result<Response> {
    framed(&template(&state, &caller).await?, StatusCode::OK)
}

/// Connects or changes one's mailbox.
#[utoipa::path(post, path = "/settings/email-account", tag = "pages",
    request_body(content = MailboxForm, content_type = "application/x-www-form-urlencoded"),
    responses((status = 303, description = "Saved: back to the page, with a message"),
        (status = 403, description = "A stale form token", content_type = "text/html"),
        (status = 409, description = "Changed elsewhere meanwhile: the page again with what was typed", content_type = "text/html"),
        (status = 422, description = "The page again, what was typed kept, a message beside each field to correct", content_type = "text/html")))]
pub(super) async fn save(
    State(state): State<AppState>,
    caller: Caller,
    Form(values): Form<MailboxForm>,
) -> Result<Response> {
    let outcome = async { api::save_own(&state, &caller, &values.change(false)?).await };
    let error = match outcome.await {
        Ok(_) => {
            return Ok(saved(
                PAGE,
                "Your mailbox is saved. Its mail is being fetched; new mail comes every few minutes.",
            ));
        }
        Err(e) if is_for_the_form(&e) => e,
        Err(e) => return Err(e),
    };
    let mut page = template(&state, &caller).await?;
    let version = page.values.version;
    page.values = values.typed();
    if matches!(error, AppError::Conflict { .. }) {
        page.values.version = version;
    }
    page.form = FormState::failed(&caller.form_token, &error);
    framed(&page, error.status_code())
}

#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
pub struct SignatureForm {
    #[serde(default)]
    email_signature: String,
    version: i64,
    #[serde(rename = "_csrf")]
    #[allow(dead_code)]
    csrf: Option<String>,
}

/// Saves one's email signature.
#[utoipa::path(post, path = "/settings/email-account/signature", tag = "pages",
    request_body(content = SignatureForm, content_type = "application/x-www-form-urlencoded"),
    responses((status = 303, description = "Saved: back to the page, with a message"),
        (status = 403, description = "A stale form token", content_type = "text/html"),
        (status = 409, description = "Saved elsewhere meanwhile: the page again with what was typed", content_type = "text/html"),
        (status = 422, description = "Too long: the page again, what was typed kept", content_type = "text/html")))]
pub(super) async fn save_signature(
    State(state): State<AppState>,
    caller: Caller,
    client: ClientAddr,
    Form(values): Form<SignatureForm>,
) -> Result<Response> {
    let patch = ProfilePatch {
        display_name: None,
        time_zone: None,
        email_signature: Some(values.email_signature.clone()),
        version: Some(values.version),
    };
    let error = match auth::update_profile(&state, &caller, &client, values.version, patch).await {
        Ok(_) => return Ok(saved(PAGE, "Your signature is saved.")),
        Err(e) if is_for_the_form(&e) => e,
        Err(e) => return Err(e),
    };
    let mut page = template(&state, &caller).await?;
    page.signature = values.email_signature;
    page.signature_form = FormState::failed(&caller.form_token, &error);
    framed(&page, error.status_code())
}

/// One's own mailbox, for its actions.
async fn own_mailbox(
    state: &AppState,
    caller: &Caller,
) -> Result<crate::mailboxes::store::Mailbox> {
    crate::mailboxes::store::own(state.db.pool(), &caller.practice, &caller.user_id)
        .await?
        .ok_or(AppError::NotFound("mailbox"))
}

/// Signs in to one's mailbox now and shows what the server answered.
#[utoipa::path(post, path = "/settings/email-account/check", tag = "pages",
    request_body(content = super::mailboxes::ActionForm, content_type = "application/x-www-form-urlencoded"),
    responses((status = 200, description = "The page with the outcome", content_type = "text/html"),
        (status = 404, description = "No mailbox connected", content_type = "text/html")))]
pub(super) async fn check(
    State(state): State<AppState>,
    caller: Caller,
    Form(_form): Form<super::mailboxes::ActionForm>,
) -> Result<Response> {
    let m = own_mailbox(&state, &caller).await?;
    super::mailboxes::check_of(&state, &caller, &m).await
}

/// Fetches one's new mail now.
#[utoipa::path(post, path = "/settings/email-account/fetch", tag = "pages",
    request_body(content = super::mailboxes::ActionForm, content_type = "application/x-www-form-urlencoded"),
    responses((status = 303, description = "Back to the page, with a message"),
        (status = 404, description = "No mailbox connected", content_type = "text/html")))]
pub(super) async fn fetch(
    State(state): State<AppState>,
    caller: Caller,
    Form(_form): Form<super::mailboxes::ActionForm>,
) -> Result<Response> {
    let m = own_mailbox(&state, &caller).await?;
    super::mailboxes::fetch_of(&state, &caller, &m).await
}

/// A new pipe token for one's mailbox (shown once), or none.
#[utoipa::path(post, path = "/settings/email-account/pipe", tag = "pages",
    request_body(content = super::mailboxes::ActionForm, content_type = "application/x-www-form-urlencoded"),
    responses((status = 200, description = "The page with the new token, shown once", content_type = "text/html"),
        (status = 303, description = "Stopped: back to the page"),
        (status = 404, description = "No mailbox connected", content_type = "text/html")))]
pub(super) async fn pipe(
    State(state): State<AppState>,
    caller: Caller,
    Form(form): Form<super::mailboxes::ActionForm>,
) -> Result<Response> {
    let m = own_mailbox(&state, &caller).await?;
    super::mailboxes::pipe_of(&state, &caller, &m, &form).await
}

/// Disconnects one's mailbox.
#[utoipa::path(post, path = "/settings/email-account/remove", tag = "pages",
    request_body(content = super::mailboxes::ActionForm, content_type = "application/x-www-form-urlencoded"),
    responses((status = 303, description = "Disconnected: back to the page, with a message"),
        (status = 404, description = "No mailbox connected", content_type = "text/html")))]
pub(super) async fn remove(
    State(state): State<AppState>,
    caller: Caller,
    Form(_form): Form<super::mailboxes::ActionForm>,
) -> Result<Response> {
    let m = own_mailbox(&state, &caller).await?;
    super::mailboxes::remove_of(&state, &caller, &m).await
}
