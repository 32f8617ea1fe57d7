//! Settings: the practice's users, roles (permissions and field rules),
//! modules and their settings, case programs, audit log, trash, the
//! practice's own details and the fields search finds applicants by, each
//! on the same functions as its JSON API.

mod audit;
mod case_programs;
mod module_form;
mod module_registry;
mod modules;
mod practice;
mod practice_logo;
mod roles;
mod search;
mod security;
mod trash;
mod users;

use utoipa_axum::{router::OpenApiRouter, routes};

use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(users::list_page, users::create))
        .routes(routes!(users::new_page))
        .routes(routes!(users::edit_page, users::update))
        .routes(routes!(users::resend_invitation))
        .routes(routes!(roles::list_page, roles::create))
        .routes(routes!(roles::new_page))
        .routes(routes!(roles::edit_page, roles::update))
        .routes(routes!(roles::delete))
        .routes(routes!(modules::list_page))
        .routes(routes!(module_registry::list_page))
        .routes(routes!(module_registry::consent_page))
        .routes(routes!(module_registry::install))
        .routes(routes!(module_registry::rollback))
        .routes(routes!(modules::switch))
        .routes(routes!(modules::settings_page, modules::save_settings_page))
        .routes(routes!(audit::audit_page))
        .routes(routes!(case_programs::list_page, case_programs::create))
        .routes(routes!(case_programs::update))
        .routes(routes!(case_programs::delete))
        .routes(routes!(practice::page, practice::save))
        .routes(routes!(practice_logo::save))
        .routes(routes!(practice_logo::remove))
        .routes(routes!(search::page, search::save))
        .routes(routes!(security::page_of, security::save))
        .routes(routes!(security::reset))
        .routes(routes!(trash::list_page))
        .routes(routes!(trash::restore))
        .routes(routes!(trash::delete_page, trash::delete))
}
