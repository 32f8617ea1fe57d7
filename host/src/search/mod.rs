//! Global search: one tantivy index for every practice, each document
//! carrying its practice (`index`); fed from a durable queue written with
//! each change (`feed`); searched through `GET /api/v1/search` (`routes`).

pub mod documents;
pub mod feed;
pub mod module_docs;

mod routes;

pub use routes::hits;

use utoipa_axum::{router::OpenApiRouter, routes};

use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(routes::search))
}
