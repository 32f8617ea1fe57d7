//! Settings → Email: the practice's SMTP server, the sender its mail goes
//! out as, its daily limit, and a test message through what is saved, the
//! server's reply shown on the page as it was given. The password is never
//! put back in the page: an empty password field keeps the stored one.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::access::Caller;
use crate::error::{AppError, Result};
use crate::mail::TestOutcome;
use crate::mail::settings::MailSettingsChange;
use crate::mail_api::settings::{self as api, MailSettingsView};
use crate::state::AppState;
use crate::web::FormState;
use crate::web::form::{Form, is_for_the_form};
use crate::web::shell::{Page, saved};

const PAGE: &str = "/settings/email";

/// The form as sent.
#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
pub struct EmailForm {
    #[serde(default)]
    smtp_host: String,
    #[serde(default)]
    smtp_port: String,
    #[serde(default)]
    smtp_security: String,
    #[serde(default)]
    smtp_username: String,
    /// Empty keeps the stored password.
    #[serde(default)]
    smtp_password: String,
    /// Ticked: remove the stored password.
    #[serde(default)]
    remove_password: Option<String>,
    #[serde(default)]
    from_name: String,
    #[serde(default)]
    from_address: String,
    /// Empty for no limit.
    #[serde(default)]
    daily_quota: String,
    version: Option<i64>,
    #[serde(rename = "_csrf")]
    #[allow(dead_code)]
    csrf: Option<String>,
}

impl EmailForm {
    fn of(view: &MailSettingsView) -> EmailForm {
        let s = &view.settings;
        EmailForm {
            smtp_host: s.smtp_host.clone(),
            smtp_port: s.smtp_port.map(|p| p.to_string()).unwrap_or_default(),
            smtp_security: s.smtp_security.clone(),
            smtp_username: s.smtp_username.clone(),
            from_name: s.from_name.clone(),
            from_address: s.from_address.clone(),
            daily_quota: s.daily_quota.map(|q| q.to_string()).unwrap_or_default(),
            version: Some(s.version),
            ..EmailForm::default()
        }
    }

    /// The change the form asks for; numbers that are not are refused
    /// beside their field.
    fn change(&self) -> Result<MailSettingsChange> {
        let port = match self.smtp_port.trim() {
            "" => None,
            p => Some(
                p.parse::<u16>()
                    .map_err(|_| AppError::field("smtp_port", "a port from 1 to 65535"))?,
            ),
        };
        let daily_quota = match self.daily_quota.trim() {
            "" => None,
            q => Some(q.parse::<i64>().map_err(|_| {
                AppError::field(
                    "daily_quota",
                    "a whole number of messages, or empty for no limit",
                )
            })?),
        };
        let smtp_password = if self.remove_password.is_some() {
            Some(String::new())
        } else if self.smtp_password.is_empty() {
            None
        } else {
            Some(self.smtp_password.clone())
        };
        Ok(MailSettingsChange {
            smtp_host: self.smtp_host.trim().to_string(),
            smtp_port: port,
            smtp_security: self.smtp_security.clone(),
            smtp_username: self.smtp_username.trim().to_string(),
            smtp_password,
            from_name: self.from_name.trim().to_string(),
            from_address: self.from_address.trim().to_string(),
            daily_quota,
            version: self.version.unwrap_or(-1),
        })
    }
}

#[derive(Template)]
#[template(path = "mail/settings.html")]
struct EmailTemplate {
    values: EmailForm,
    password_set: bool,
    server_from: String,
    server_smtp: String,
    form: FormState,
    /// The test message's outcome, after one was sent.
    test: Option<TestOutcome>,
    test_to: String,
    test_form: FormState,
    can_read_log: bool,
}

fn template(caller: &Caller, view: &MailSettingsView) -> EmailTemplate {
    EmailTemplate {
        values: EmailForm::of(view),
        password_set: view.settings.smtp_password_set,
        server_from: view.server_from.clone(),
        server_smtp: view.server_smtp.clone(),
        form: FormState::new(&caller.form_token),
        test: None,
        test_to: caller.email.clone(),
        test_form: FormState::new(&caller.form_token),
        can_read_log: caller.can(crate::mail_api::SEES_ALL),
    }
}

fn framed(template: &EmailTemplate, status: StatusCode) -> Result<Response> {
    Ok(Page::new("Email", template)?.status(status).into_response())
}

/// Settings → Email.
#[utoipa::path(get, path = "/settings/email", tag = "pages",
    responses((status = 200, description = "The practice's mail server, sender and daily limit", content_type = "text/html"),
        (status = 303, description = "Not signed in: to the sign-in page"),
        (status = 403, description = "A page saying `practice.manage` is needed", content_type = "text/html")))]
pub(super) async fn page(State(state): State<AppState>, caller: Caller) -> Result<Response> {
    let view = api::view(&state, &caller).await?;
    framed(&template(&caller, &view), StatusCode::OK)
}

/// Saves the settings.
#[utoipa::path(post, path = "/settings/email", tag = "pages",
    request_body(content = EmailForm, content_type = "application/x-www-form-urlencoded"),
    responses((status = 303, description = "Saved: back to the page, with a message"),
        (status = 403, description = "A page saying `practice.manage` is needed, or the form token is stale", content_type = "text/html"),
        (status = 409, description = "Someone else saved meanwhile: the page again with what was typed and the refusal", content_type = "text/html"),
        (status = 422, description = "The page again, what was typed kept, a message beside each field to correct", content_type = "text/html")))]
pub(super) async fn save(
    State(state): State<AppState>,
    caller: Caller,
    Form(values): Form<EmailForm>,
) -> Result<Response> {
    caller.require(crate::mail_api::MANAGE)?;
    let outcome = async { api::save(&state, &caller, &values.change()?).await };
    let error = match outcome.await {
        Ok(_) => {
            return Ok(saved(
                PAGE,
                "The mail settings are saved. Send a test message to check them.",
            ));
        }
        Err(e) if is_for_the_form(&e) => e,
        Err(e) => return Err(e),
    };
    let view = api::view(&state, &caller).await?;
    let mut page = template(&caller, &view);
    let conflict = matches!(error, AppError::Conflict { .. });
    page.values = EmailForm {
        // After a conflict, saving again writes over the other save on purpose.
        version: if conflict {
            Some(view.settings.version)
        } else {
            values.version
        },
        smtp_password: String::new(),
        ..values
    };
    page.form = FormState::failed(&caller.form_token, &error);
    framed(&page, error.status_code())
}

#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
pub struct TestForm {
    #[serde(default)]
    to: String,
    #[serde(rename = "_csrf")]
    #[allow(dead_code)]
    csrf: Option<String>,
}

/// Sends a test message through the saved settings and shows the reply.
#[utoipa::path(post, path = "/settings/email/test", tag = "pages",
    request_body(content = TestForm, content_type = "application/x-www-form-urlencoded"),
    responses((status = 200, description = "The page with the server's reply: accepted, or refused and why", content_type = "text/html"),
        (status = 403, description = "A page saying `practice.manage` is needed, or the form token is stale", content_type = "text/html"),
        (status = 422, description = "The page again, the address refused beside its field", content_type = "text/html")))]
pub(super) async fn test(
    State(state): State<AppState>,
    caller: Caller,
    Form(values): Form<TestForm>,
) -> Result<Response> {
    let view = api::view(&state, &caller).await?;
    let mut page = template(&caller, &view);
    page.test_to = values.to.clone();
    match api::test(&state, &caller, &values.to).await {
        Ok(outcome) => {
            page.test = Some(outcome);
            framed(&page, StatusCode::OK)
        }
        Err(e) if is_for_the_form(&e) => {
            page.test_form = FormState::failed(&caller.form_token, &e);
            framed(&page, e.status_code())
        }
        Err(e) => Err(e),
    }
}
