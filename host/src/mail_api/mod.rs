//! The practice's mail as people reach it over the API: its settings and a
//! test message (`practice.manage`), the outbox (each person their own
//! messages, holders of `audit.read` all of them; retry and cancel for the
//! sender and for `practice.manage`), and the SMTP log (`audit.read`). The
//! rows and the sending are `mail`'s.

pub mod outbox;
pub mod settings;

use utoipa_axum::router::OpenApiRouter;

use crate::state::AppState;

/// Who manages the practice's mail settings and anyone's messages.
pub const MANAGE: &str = "practice.manage";
/// Who sees every message and the SMTP log.
pub const SEES_ALL: &str = "audit.read";

pub fn router() -> OpenApiRouter<AppState> {
    outbox::router().merge(settings::router())
}

pub use outbox::{LogList, OutboxList};
