//! Personal data (docs/personal-data.md): everything held about an
//! applicant exported as a zip, and the practice's retention rule. Both sit
//! above the records, files and trash they read and change.

mod export;
pub mod retention;

use utoipa_axum::{router::OpenApiRouter, routes};

use crate::state::AppState;

pub use export::PERMISSION as EXPORT_PERMISSION;

/// The data export's route.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(export::export))
}
