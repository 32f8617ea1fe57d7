//! Settings → Email → SMTP log: every attempt to hand a message to a mail
//! server, newest first, with its time, the server and the reply as the
//! server gave it (`audit.read`); of one message with `?message=`.

use askama::Template;
use axum::extract::State;
use serde::Deserialize;
use utoipa::IntoParams;

use super::when;
use crate::access::Caller;
use crate::api::Query;
use crate::error::Result;
use crate::mail_api::outbox::{LogQuery, log_page};
use crate::state::AppState;
use crate::web::shell::Page;

#[derive(Clone, Default, Deserialize, IntoParams)]
pub struct LogPageQuery {
    /// Only this message's attempts.
    message: Option<String>,
    cursor: Option<String>,
}

struct Line {
    at: String,
    message: String,
    subject: String,
    to: String,
    attempt: i64,
    server: String,
    outcome: &'static str,
    badge: &'static str,
    reply: String,
}

#[derive(Template)]
#[template(path = "mail/log.html")]
struct LogTemplate {
    lines: Vec<Line>,
    message: String,
    older: Option<String>,
}

fn outcome_words(outcome: &str) -> (&'static str, &'static str) {
    match outcome {
        "sent" => ("Accepted", "on"),
        "temporary" => ("Refused for now", ""),
        "permanent" => ("Refused", "off"),
        "interrupted" => ("Interrupted", "off"),
        "sending" => ("In progress", ""),
        _ => ("Unknown", ""),
    }
}

/// The SMTP log.
#[utoipa::path(get, path = "/settings/email/log", tag = "pages", params(LogPageQuery),
    responses((status = 200, description = "Every attempt with its time, server and reply, newest first, 50 a page", content_type = "text/html"),
        (status = 303, description = "Not signed in: to the sign-in page"),
        (status = 403, description = "A page saying `audit.read` is needed", content_type = "text/html")))]
pub(super) async fn page(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<LogPageQuery>,
) -> Result<Page> {
    let asked = LogQuery {
        cursor: q.cursor.clone(),
        message: q.message.clone(),
    };
    let list = log_page(&state, &caller, &asked).await?;
    let message = q.message.clone().unwrap_or_default();
    let lines = list
        .items
        .iter()
        .map(|a| {
            let (outcome, badge) = outcome_words(&a.outcome);
            Line {
                at: when(Some(&a.started_at), &caller.time_zone),
                message: a.message.clone(),
                subject: a.subject.clone(),
                to: a.to.clone(),
                attempt: a.attempt,
                server: a.server.clone(),
                outcome,
                badge,
                reply: a.reply.clone().unwrap_or_default(),
            }
        })
        .collect();
    let older = list.next_cursor.map(|c| {
        let pairs: Vec<(&str, &str)> = [("message", message.as_str()), ("cursor", c.as_str())]
            .into_iter()
            .filter(|(_, v)| !v.is_empty())
            .collect();
        format!(
            "/settings/email/log?{}",
            serde_html_form::to_string(pairs).unwrap_or_default()
        )
    });
    Page::new(
        "SMTP log",
        &LogTemplate {
            lines,
            message,
            older,
        },
    )
}
