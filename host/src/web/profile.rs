//! My Profile: one's name, time zone and email signature, one's password,
//! and one's app passwords (for WebDAV clients).

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use utoipa::ToSchema;

use super::form::{Form, is_for_the_form};
use super::shell::{Page, saved};
use super::{FormState, time_zones};
use crate::access::Caller;
use crate::api::{ClientAddr, Path};
use crate::auth::app_passwords::{self, AppPassword, CreatedAppPassword};
use crate::auth::password;
use crate::auth::sign_in::{self as auth, ChangePassword, Me, ProfilePatch};
use crate::error::{AppError, Result};
use crate::state::AppState;

/// What the profile form shows: the saved values, or what was typed.
#[derive(Clone, Debug, Deserialize, ToSchema)]
pub struct ProfileForm {
    display_name: String,
    time_zone: String,
    /// Kept where Settings → My email account changes it; the profile's
    /// form no longer carries it.
    #[serde(default)]
    email_signature: Option<String>,
    /// The version the form was opened at.
    version: i64,
    #[serde(rename = "_csrf")]
    #[allow(dead_code)]
    csrf: Option<String>,
}

impl ProfileForm {
    fn of(me: &Me) -> ProfileForm {
        ProfileForm {
            display_name: me.user.display_name.clone(),
            time_zone: me.user.time_zone.clone(),
            email_signature: None,
            version: me.user.version,
            csrf: None,
        }
    }
}

#[derive(Template)]
#[template(path = "profile.html")]
struct ProfileTemplate<'a> {
    email: &'a str,
    profile: ProfileForm,
    profile_form: FormState,
    /// Set when someone else saved the profile while this form was open.
    newer: Option<ProfileForm>,
    password_form: FormState,
    zones: Vec<String>,
    min_len: usize,
    keys: Vec<KeyLine>,
    key_form: FormState,
    /// The name typed for a new app password (kept when it is refused).
    key_name: String,
    /// An app password just made: its secret is shown this once.
    new_key: Option<CreatedAppPassword>,
    /// Where WebDAV clients connect.
    dav_url: String,
    key_name_max: usize,
}

/// An app password as the profile lists it, times in the person's zone.
struct KeyLine {
    id: String,
    name: String,
    created: String,
    last_used: Option<String>,
}

impl KeyLine {
    fn of(key: AppPassword, time_zone: &str) -> KeyLine {
        let local = |at: &str| {
            at.parse::<jiff::Timestamp>()
                .map(|t| super::local_time(t.as_millisecond(), time_zone))
                .unwrap_or_default()
        };
        KeyLine {
            created: local(&key.created_at),
            last_used: key.last_used_at.as_deref().map(local),
            id: key.id,
            name: key.name,
        }
    }
}

pub(super) async fn current(state: &AppState, caller: &Caller) -> Result<Me> {
    let mut tx = state.db.begin().await?;
    let me = auth::me_of(&mut tx, &caller.practice, &caller.user_id).await?;
    tx.commit().await?;
    Ok(me)
}

/// The profile page showing `profile`, with the person's app passwords.
async fn page<'a>(
    state: &AppState,
    caller: &'a Caller,
    profile: ProfileForm,
) -> Result<ProfileTemplate<'a>> {
    let keys = app_passwords::list(state, caller)
        .await?
        .into_iter()
        .map(|k| KeyLine::of(k, &caller.time_zone))
        .collect();
    Ok(ProfileTemplate {
        email: &caller.email,
        zones: time_zones(&profile.time_zone),
        profile,
        profile_form: FormState::new(&caller.form_token),
        newer: None,
        password_form: FormState::new(&caller.form_token),
        min_len: password::MIN_LEN,
        keys,
        key_form: FormState::new(&caller.form_token),
        key_name: String::new(),
        new_key: None,
        dav_url: format!(
            "{}{}/",
            state.config.practice_url(caller.practice.slug()),
            crate::dav::PREFIX
        ),
        key_name_max: app_passwords::NAME_MAX,
    })
}

/// My Profile.
#[utoipa::path(get, path = "/profile", tag = "pages",
    responses((status = 200, description = "The profile and password forms", content_type = "text/html"),
        (status = 303, description = "Not signed in: to the sign-in page")))]
pub(super) async fn profile_page(State(state): State<AppState>, caller: Caller) -> Result<Page> {
    let me = current(&state, &caller).await?;
    let template = page(&state, &caller, ProfileForm::of(&me)).await?;
    Page::new("My Profile", &template)
}

/// Saves one's name and time zone. A form opened before
/// someone else saved comes back with both versions and what was typed kept.
#[utoipa::path(post, path = "/profile", tag = "pages",
    request_body(content = ProfileForm, content_type = "application/x-www-form-urlencoded"),
    responses((status = 303, description = "Saved: back to the profile with a message"),
        (status = 403, description = "The form token is missing or stale", content_type = "text/html"),
        (status = 409, description = "The form again, with the newer saved values beside what was typed", content_type = "text/html"),
        (status = 422, description = "The form again, with a message beside each field to correct", content_type = "text/html")))]
pub(super) async fn save_profile(
    State(state): State<AppState>,
    caller: Caller,
    client: ClientAddr,
    Form(input): Form<ProfileForm>,
) -> Result<Response> {
    let patch = ProfilePatch {
        display_name: Some(input.display_name.clone()),
        time_zone: Some(input.time_zone.clone()),
        email_signature: input.email_signature.clone(),
        version: Some(input.version),
    };
    let error = match auth::update_profile(&state, &caller, &client, input.version, patch).await {
        Ok(_) => return Ok(saved("/profile", "Your profile is saved.")),
        Err(e) if is_for_the_form(&e) => e,
        Err(e) => return Err(e),
    };
    let me = current(&state, &caller).await?;
    let mut template = page(&state, &caller, input).await?;
    template.profile_form = FormState::failed(&caller.form_token, &error);
    if let AppError::Conflict { .. } = error {
        let newer = ProfileForm::of(&me);
        // Saving again applies what was typed over the newer version.
        template.profile.version = newer.version;
        template.newer = Some(newer);
    }
    Ok(Page::new("My Profile", &template)?
        .status(error.status_code())
        .into_response())
}

#[derive(Deserialize, ToSchema)]
pub struct PasswordForm {
    current_password: String,
    new_password: String,
    /// The new password again.
    confirm: String,
    #[serde(rename = "_csrf")]
    #[allow(dead_code)]
    csrf: Option<String>,
}

/// Changes one's password (the current one is needed); one's other sessions end.
#[utoipa::path(post, path = "/profile/password", tag = "pages",
    request_body(content = PasswordForm, content_type = "application/x-www-form-urlencoded"),
    responses((status = 303, description = "Changed: back to the profile with a message"),
        (status = 403, description = "The form token is missing or stale", content_type = "text/html"),
        (status = 422, description = "The form again, with a message beside each field to correct", content_type = "text/html"),
        (status = 429, description = "The form again: too many wrong current passwords", content_type = "text/html")))]
pub(super) async fn save_password(
    State(state): State<AppState>,
    caller: Caller,
    client: ClientAddr,
    Form(input): Form<PasswordForm>,
) -> Result<Response> {
    let outcome = if input.new_password != input.confirm {
        Err(AppError::field("confirm", "the two new passwords differ"))
    } else {
        let change = ChangePassword {
            current_password: input.current_password,
            new_password: input.new_password,
        };
        auth::set_own_password(&state, &caller, &client, change).await
    };
    let error = match outcome {
        Ok(()) => {
            return Ok(saved(
                "/profile",
                "Your password is changed. Your other sessions are signed out.",
            ));
        }
        Err(e) if is_for_the_form(&e) => e,
        Err(e) => return Err(e),
    };
    let me = current(&state, &caller).await?;
    let mut template = page(&state, &caller, ProfileForm::of(&me)).await?;
    template.password_form = FormState::failed(&caller.form_token, &error);
    Ok(Page::new("My Profile", &template)?
        .status(error.status_code())
        .into_response())
}

#[derive(Deserialize, ToSchema)]
pub struct AppPasswordForm {
    /// What it is for, e.g. `Laptop (Finder)`.
    name: String,
    #[serde(rename = "_csrf")]
    #[allow(dead_code)]
    csrf: Option<String>,
}

/// Makes an app password: the page again, with the secret shown this once.
#[utoipa::path(post, path = "/profile/app-passwords", tag = "pages",
    request_body(content = AppPasswordForm, content_type = "application/x-www-form-urlencoded"),
    responses((status = 201, description = "The profile with the new app password shown once", content_type = "text/html"),
        (status = 403, description = "The form token is missing or stale", content_type = "text/html"),
        (status = 422, description = "The form again, with a message beside the name", content_type = "text/html")))]
pub(super) async fn create_app_password(
    State(state): State<AppState>,
    caller: Caller,
    Form(input): Form<AppPasswordForm>,
) -> Result<Response> {
    let made = app_passwords::create(&state, &caller, &input.name).await;
    let me = current(&state, &caller).await?;
    let mut template = page(&state, &caller, ProfileForm::of(&me)).await?;
    let status = match made {
        Ok(made) => {
            template.new_key = Some(made);
            StatusCode::CREATED
        }
        Err(e) if is_for_the_form(&e) => {
            template.key_form = FormState::failed(&caller.form_token, &e);
            template.key_name = input.name;
            e.status_code()
        }
        Err(e) => return Err(e),
    };
    Ok(Page::new("My Profile", &template)?
        .status(status)
        .into_response())
}

#[derive(Deserialize, ToSchema)]
pub struct TokenOnly {
    /// The form token.
    #[serde(rename = "_csrf")]
    _csrf: Option<String>,
}

/// Revokes one of one's app passwords.
#[utoipa::path(post, path = "/profile/app-passwords/{id}/revoke", tag = "pages", params(("id" = String, Path)),
    request_body(content = TokenOnly, content_type = "application/x-www-form-urlencoded"),
    responses((status = 303, description = "Revoked: back to the profile with a message"),
        (status = 403, description = "The form token is missing or stale", content_type = "text/html"),
        (status = 404, description = "No such app password of yours", content_type = "text/html")))]
pub(super) async fn revoke_app_password(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Response> {
    let name = app_passwords::revoke(&state, &caller, &id).await?;
    Ok(saved(
        "/profile#app-passwords",
        format!(
            "The app password \u{201c}{name}\u{201d} is revoked: clients using it are signed out."
        ),
    ))
}
