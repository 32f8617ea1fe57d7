//! The practice's mail as people reach it over the API: its settings and a
//! test message (`practice.manage`), the outbox (each person their own
//! messages, holders of `audit.read` all of them; retry and cancel for the
//! sender and for `practice.manage`), the SMTP log (`audit.read`), and the
//! mailboxes (one's own, the shared ones, the pipe a mail server posts to).
//! The rows and the sending are `mail`'s and `mailboxes`'.

pub mod mailboxes;
pub mod outbox;
pub mod settings;

use utoipa_axum::router::OpenApiRouter;

use crate::state::AppState;

/// Who manages the practice's mail settings and anyone's messages.
pub const MANAGE: &str = "practice.manage";
/// Who sees every message and the SMTP log.
pub const SEES_ALL: &str = "audit.read";

pub fn router() -> OpenApiRouter<AppState> {
    outbox::router()
        .merge(settings::router())
        .merge(mailboxes::router())
}

/// The modules subscribed to an event name, from the loaded modules (not
/// the state, which the mailer and the fetcher are part of).
pub fn subscribers_of(state: &AppState) -> crate::events::Subscribers {
    let modules = state.modules.clone();
    std::sync::Arc::new(move |name: &str| -> Vec<String> { modules.subscribers(name) })
}

/// The mailbox fetcher of this server.
pub fn fetcher_of(state: &AppState) -> crate::mailboxes::fetch::Fetcher {
    crate::mailboxes::fetch::Fetcher {
        blobs: state.blobs.clone(),
        keys: state.mail.keys().clone(),
        tls: state.imap_tls.clone(),
        clock: state.clock.clone(),
        interval: state.config.mailbox_fetch_interval,
        limits: crate::mailboxes::imap::FetchLimits::default(),
        wake: state.mailbox_wake.clone(),
        subscribers: subscribers_of(state),
        wake_jobs: state.jobs_wake.clone(),
    }
}

pub use outbox::{LogList, OutboxList};
