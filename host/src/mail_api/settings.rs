//! `/api/v1/mail/settings`: the practice's SMTP server, sender and daily
//! limit (`practice.manage`), and a test message through them that answers
//! with the server's exact reply.

use axum::extract::State;
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::MANAGE;
use crate::access::Caller;
use crate::api::Json;
use crate::audit::{self, Entry};
use crate::error::{AppError, ErrorBody, Result};
use crate::mail::settings::{self as mail_settings, MailSettings, MailSettingsChange};
use crate::mail::{self, TestOutcome};
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_settings, put_settings))
        .routes(routes!(send_test))
}

/// The settings, with what the server uses where the practice set nothing.
#[derive(Serialize, ToSchema)]
pub struct MailSettingsView {
    #[serde(flatten)]
    pub settings: MailSettings,
    /// The server-wide sender, used when `from_address` is empty.
    pub server_from: String,
    /// The server-wide server (`host:port`, or `mail folder` when mail is
    /// written to files), used when `smtp_host` is empty.
    pub server_smtp: String,
}

/// The practice's mail settings as `caller` (with `practice.manage`) sees
/// them.
pub async fn view(state: &AppState, caller: &Caller) -> Result<MailSettingsView> {
    caller.require(MANAGE)?;
    let stored = mail_settings::find(state.db.pool(), caller.practice.id()).await?;
    let (server_from, server_smtp) = state.mail.server_default();
    Ok(MailSettingsView {
        settings: stored.shown,
        server_from,
        server_smtp,
    })
}

/// The practice's mail settings; the password is never shown, only
/// whether one is set.
#[utoipa::path(get, path = "/api/v1/mail/settings", tag = "mail",
    responses((status = 200, body = MailSettingsView), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody, description = "Without `practice.manage`")))]
async fn get_settings(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<MailSettingsView>> {
    Ok(Json(view(&state, &caller).await?))
}

/// Saves `change` as `caller`, audited (which fields changed, never the
/// password's value).
pub async fn save(
    state: &AppState,
    caller: &Caller,
    change: &MailSettingsChange,
) -> Result<MailSettings> {
    caller.require(MANAGE)?;
    let before = mail_settings::find(state.db.pool(), caller.practice.id())
        .await?
        .shown;
    let now = state.now_ms();
    let mut tx = state.db.begin().await?;
    let saved = mail_settings::save(
        &mut tx,
        state.mail.keys(),
        &caller.practice,
        change,
        &caller.user_id,
        now,
    )
    .await?;
    let mut changed: Vec<&str> = Vec::new();
    let pairs = [
        ("smtp_host", before.smtp_host != saved.smtp_host),
        ("smtp_port", before.smtp_port != saved.smtp_port),
        ("smtp_security", before.smtp_security != saved.smtp_security),
        ("smtp_username", before.smtp_username != saved.smtp_username),
        (
            "smtp_password",
            change.smtp_password.is_some() || before.smtp_password_set != saved.smtp_password_set,
        ),
        ("from_name", before.from_name != saved.from_name),
        ("from_address", before.from_address != saved.from_address),
        ("daily_quota", before.daily_quota != saved.daily_quota),
    ];
    changed.extend(pairs.iter().filter(|(_, c)| *c).map(|(f, _)| *f));
    audit::record(
        &mut *tx,
        &caller.practice,
        now,
        Entry::by(
            caller,
            "mail.settings_changed",
            "mail:settings".into(),
            json!({ "fields": changed }),
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(saved)
}

/// Saves the practice's mail settings. The password: absent or null keeps
/// the stored one, a string replaces it, an empty string removes it.
#[utoipa::path(put, path = "/api/v1/mail/settings", tag = "mail", request_body = MailSettingsChange,
    responses((status = 200, body = MailSettings), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody, description = "Without `practice.manage`"),
        (status = 409, body = ErrorBody, description = "Someone else saved them since `version`"),
        (status = 422, body = ErrorBody, description = "A field to correct, named in `fields`")))]
async fn put_settings(
    State(state): State<AppState>,
    caller: Caller,
    Json(change): Json<MailSettingsChange>,
) -> Result<Json<MailSettings>> {
    Ok(Json(save(&state, &caller, &change).await?))
}

#[derive(Deserialize, ToSchema)]
pub struct TestRequest {
    /// Where the test message goes.
    pub to: String,
}

/// Sends a test message to `to` through the saved settings, as `caller`.
pub async fn test(state: &AppState, caller: &Caller, to: &str) -> Result<TestOutcome> {
    caller.require(MANAGE)?;
    let to = to.trim();
    if !mail::is_plain_address(to) {
        return Err(AppError::field("to", "an address such as you@example.com"));
    }
    let outcome = mail::send_test(
        &state.db,
        &state.mail,
        state.clock.as_ref(),
        &caller.practice,
        to,
        &caller.user_id,
    )
    .await?;
    audit::record(
        state.db.pool(),
        &caller.practice,
        state.now_ms(),
        Entry::by(
            caller,
            "mail.test_sent",
            format!("mail:{}", outcome.message),
            json!({ "to": to, "delivered": outcome.delivered, "server": outcome.server }),
        ),
    )
    .await?;
    Ok(outcome)
}

/// Sends a test message now through the saved settings and answers with
/// what the server said (also when it refused: `delivered` is false).
#[utoipa::path(post, path = "/api/v1/mail/settings/test", tag = "mail", request_body = TestRequest,
    responses((status = 200, body = TestOutcome), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody, description = "Without `practice.manage`"),
        (status = 422, body = ErrorBody, description = "`to` is not an address")))]
async fn send_test(
    State(state): State<AppState>,
    caller: Caller,
    Json(request): Json<TestRequest>,
) -> Result<Json<TestOutcome>> {
    Ok(Json(test(&state, &caller, &request.to).await?))
}
