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
mod mail;
pub mod nav;
mod notifications;
mod profile;
mod records;
mod search;
mod second_factor;
mod settings;
pub mod shell;
pub(crate) mod sign_in;
mod workflows;

use utoipa_axum::{router::OpenApiRouter, routes};

use crate::error::FieldErrors;
use crate::state::AppState;

/// The pages, which need a practice (and, but for the sign-in pages, a
/// signed-in person).
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(sign_in::sign_in_page, sign_in::sign_in))
        .routes(routes!(sign_in::sign_out))
        .routes(routes!(second_factor::code_page, second_factor::complete))
        .routes(routes!(second_factor::second_factor_page))
        .routes(routes!(second_factor::start))
        .routes(routes!(second_factor::confirm))
        .routes(routes!(second_factor::new_codes))
        .routes(routes!(second_factor::turn_off))
        .routes(routes!(second_factor::add_passkey))
        .routes(routes!(second_factor::remove_passkey))
        .routes(routes!(second_factor::complete_with_passkey))
        .routes(routes!(sign_in::forgot_page, sign_in::forgot))
        .routes(routes!(sign_in::reset_page, sign_in::reset))
        .routes(routes!(nav::nav))
        .routes(routes!(dashboard::dashboard))
        .routes(routes!(profile::profile_page))
        .routes(routes!(profile::save_profile))
        .routes(routes!(profile::save_password))
        .routes(routes!(search::search_page))
        .routes(routes!(notifications::notifications_page))
        .routes(routes!(notifications::open_notification))
        .routes(routes!(notifications::read_all))
        .routes(routes!(notifications::save_choices))
        .routes(routes!(profile::create_app_password))
        .routes(routes!(profile::revoke_app_password))
        .merge(records::router())
        .merge(settings::router())
        .merge(mail::router())
        .merge(workflows::router())
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

/// The time zones a picker offers: Canada's and UTC first, then every
/// canonical zone of the tz database (no deprecated alias such as
/// `Canada/Eastern`), and `current` first of all when it is one of those
/// aliases, so a form saved again keeps it.
pub fn time_zones(current: &str) -> Vec<String> {
    use immcase_manifest::settings::formats::time_zone;
    let common: Vec<&str> = time_zone::COMMON.iter().map(|(name, _)| *name).collect();
    let mut zones: Vec<String> = Vec::new();
    let listed = common.contains(&current) || time_zone::all().any(|z| z == current);
    if !listed && time_zone::is_known(current) {
        zones.push(current.to_owned());
    }
    zones.extend(common.iter().map(|z| (*z).to_owned()));
    zones.extend(
        time_zone::all()
            .filter(|z| !common.contains(z))
            .map(str::to_owned),
    );
    zones
}

/// `text` as HTML text or attribute value: `& < > " '` escaped.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        push_escaped(&mut out, c);
    }
    out
}

/// Adds `c` to HTML being written, escaped as [`escape`] does.
pub fn push_escaped(out: &mut String, c: char) {
    match c {
        '&' => out.push_str("&amp;"),
        '<' => out.push_str("&lt;"),
        '>' => out.push_str("&gt;"),
        '"' => out.push_str("&quot;"),
        '\'' => out.push_str("&#39;"),
        c => out.push(c),
    }
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

#[cfg(test)]
mod time_zone_tests {
    use super::time_zones;

    #[test]
    fn pickers_offer_canonical_zones_canada_first_and_keep_an_alias_saved_before() {
        let zones = time_zones("America/Toronto");
        assert_eq!(zones[0], "America/St_Johns");
        assert!(zones.iter().any(|z| z == "Europe/Paris"));
        for alias in ["Canada/Eastern", "America/Montreal", "US/Pacific"] {
            assert!(!zones.iter().any(|z| z == alias), "{alias}");
        }
        assert_eq!(
            zones.iter().filter(|z| *z == "America/Toronto").count(),
            1,
            "once"
        );
        let kept = time_zones("America/Montreal");
        assert_eq!(kept[0], "America/Montreal", "saved before: kept first");
        assert_eq!(time_zones("Not/AZone")[0], "America/St_Johns");
    }
}
