//! The mail pages: Settings → Email (the practice's server, sender, daily
//! limit, and a test message showing the server's reply), the Outbox (each
//! person their messages, administrators all, with retry and cancel) and
//! the SMTP log (every attempt, for `audit.read`), My email account (one's
//! mailbox and signature) and the shared Mailboxes. On the functions of
//! `/api/v1/mail/…` and the mailboxes' API (`mail_api`).

mod account;
mod log;
mod mailbox_form;
mod mailboxes;
mod outbox;
mod settings;

use utoipa_axum::{router::OpenApiRouter, routes};

use crate::state::AppState;
use crate::web::local_time;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(settings::page, settings::save))
        .routes(routes!(settings::test))
        .routes(routes!(outbox::page))
        .routes(routes!(outbox::retry))
        .routes(routes!(outbox::cancel))
        .routes(routes!(log::page))
        .routes(routes!(account::page, account::save))
        .routes(routes!(account::save_signature))
        .routes(routes!(account::check))
        .routes(routes!(account::fetch))
        .routes(routes!(account::pipe))
        .routes(routes!(account::remove))
        .routes(routes!(mailboxes::list_page, mailboxes::create))
        .routes(routes!(mailboxes::edit_page, mailboxes::save))
        .routes(routes!(mailboxes::check))
        .routes(routes!(mailboxes::fetch))
        .routes(routes!(mailboxes::pipe))
        .routes(routes!(mailboxes::remove))
}

/// A message's state in words, and the badge's style.
pub(super) fn state_words(status: &str) -> (&'static str, &'static str) {
    match status {
        "pending" => ("Waiting to be sent", ""),
        "sending" => ("Being sent", ""),
        "sent" => ("Sent", "on"),
        "deferred" => ("Deferred", ""),
        "failed" => ("Failed", "off"),
        "cancelled" => ("Cancelled", ""),
        _ => ("Unknown", ""),
    }
}

/// An RFC 3339 time in the reader's time zone, or empty.
pub(super) fn when(rfc3339: Option<&str>, time_zone: &str) -> String {
    rfc3339
        .and_then(|t| t.parse::<jiff::Timestamp>().ok())
        .map(|t| local_time(t.as_millisecond(), time_zone))
        .unwrap_or_default()
}
