//! Signing in and out, sessions, passwords, two-factor sign-in, throttling
//! and reset links.

pub mod app_passwords;
pub mod password;
pub mod reset;
pub mod second_factor;
pub mod session;
pub mod sign_in;
pub mod throttle;

use utoipa_axum::{router::OpenApiRouter, routes};

use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(sign_in::sign_in))
        .routes(routes!(sign_in::second_factor))
        .routes(routes!(sign_in::sign_out))
        .routes(routes!(reset::forgot_password))
        .routes(routes!(reset::reset_password))
        .routes(routes!(sign_in::me, sign_in::update_me))
        .routes(routes!(sign_in::change_password))
        .routes(routes!(app_passwords::list_own, app_passwords::create_own))
        .routes(routes!(app_passwords::revoke_own))
        .routes(routes!(
            app_passwords::profile::list_own,
            app_passwords::profile::create_own
        ))
        .routes(routes!(app_passwords::profile::revoke_own))
        .merge(second_factor::routes::router())
}
