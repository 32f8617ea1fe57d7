//! Global search: one tantivy index for every practice, each document
//! carrying its practice (`index`); fed from a durable queue written with
//! each change (`feed`); searched through `GET /api/v1/search` (`routes`).
//! Each practice chooses the applicant fields it is searched by
//! (`settings`, `GET|PUT /api/v1/search/settings` in `settings_routes`); a
//! change rebuilds its applicants online (`rebuild`).

pub mod documents;
pub mod feed;
pub mod module_docs;
pub mod rebuild;
pub mod settings;

mod routes;
mod settings_routes;

pub use routes::hits;

use utoipa_axum::{router::OpenApiRouter, routes};

use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(routes::search))
        .routes(routes!(
            settings_routes::get_settings,
            settings_routes::put_settings
        ))
}
