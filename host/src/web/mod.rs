//! The web app: server-rendered pages for people in a browser.
//!
//! - `shell`: the frame every page is put in (sidebar from the same list as
//!   `GET /api/v1/nav`, profile drawer, flash message), error pages, and the
//!   security headers of every page; module pages are framed the same way.
//! - `assets`: the stylesheet and the small script, under content-hashed names.
//! - `form`: reading form posts; the form token is checked by `api::csrf`.
//! - the pages: `sign_in` (sign in and out, forgotten passwords), `profile`,
//!   `dashboard`, `records` (applicants and cases), and `settings` (users,
//!   roles, modules, case programs, audit log).
//!
//! Pages call the same functions as the JSON API, so a rule holds in both.
//! Templates are askama files under `host/templates/`, escaped by default.

mod assets;
mod dashboard;
pub mod form;
pub mod nav;
mod profile;
mod records;
mod settings;
pub mod shell;
pub(crate) mod sign_in;

use utoipa_axum::{router::OpenApiRouter, routes};

use crate::error::FieldErrors;
use crate::state::AppState;

/// The pages, which need a practice (and, but for the sign-in pages, a
/// signed-in person).
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(sign_in::sign_in_page, sign_in::sign_in))
        .routes(routes!(sign_in::sign_out))
        .routes(routes!(sign_in::forgot_page, sign_in::forgot))
        .routes(routes!(sign_in::reset_page, sign_in::reset))
        .routes(routes!(nav::nav))
        .routes(routes!(dashboard::dashboard))
        .routes(routes!(profile::profile_page))
        .routes(routes!(profile::save_profile))
        .routes(routes!(profile::save_password))
        .merge(records::router())
        .merge(settings::router())
}

/// The stylesheet and script, which need neither a practice nor a session.
pub fn asset_router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(assets::asset))
}

/// What a form shows besides the values: the token it posts back, a message
/// per field, and a message about the whole form.
#[derive(Default)]
pub struct FormState {
    pub csrf: String,
    pub errors: FieldErrors,
    pub problem: Option<String>,
}

impl FormState {
    pub fn new(csrf: &str) -> FormState {
        FormState {
            csrf: csrf.to_string(),
            ..FormState::default()
        }
    }

    /// The form again after `error`: field messages beside their fields,
    /// anything else above the form.
    pub fn failed(csrf: &str, error: &crate::error::AppError) -> FormState {
        let (errors, problem) = form::problems(error);
        FormState {
            csrf: csrf.to_string(),
            errors,
            problem,
        }
    }

    pub fn error(&self, field: &str) -> Option<&str> {
        self.errors.get(field).map(String::as_str)
    }

    pub fn has_error(&self, field: &str) -> bool {
        self.errors.contains_key(field)
    }
}

/// Every IANA time zone name, for the time zone pickers.
pub fn time_zones() -> &'static [String] {
    static ZONES: std::sync::LazyLock<Vec<String>> = std::sync::LazyLock::new(|| {
        let mut zones: Vec<String> = jiff::tz::db()
            .available()
            .map(|name| name.to_string())
            .filter(|name| name.contains('/') || name == "UTC")
            .collect();
        zones.sort();
        zones
    });
    &ZONES
}

/// A time from the database, in `time_zone`, as people read it.
pub fn local_time(ms: i64, time_zone: &str) -> String {
    let tz = jiff::tz::TimeZone::get(time_zone).unwrap_or(jiff::tz::TimeZone::UTC);
    jiff::Timestamp::from_millisecond(ms)
        .map(|t| {
            t.to_zoned_datetime(tz)
                .strftime("%Y-%m-%d %H:%M")
                .to_string()
        })
        .unwrap_or_default()
}
