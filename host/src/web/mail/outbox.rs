//! The Outbox: each person's messages (administrators see all, and may
//! narrow to their own), newest first, with what is happening to each in
//! words: waiting, sent and when, deferred with why and until when, failed
//! with the server's reply. Retry and cancel are buttons on the message.
//! A plain GET form filters by state, so a view is an address.

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use super::{state_words, when};
use crate::access::{Caller, people};
use crate::api::{Path, Query};
use crate::error::{AppError, Result};
use crate::mail::outbox::{OutboxMessage, STATES};
use crate::mail_api::outbox::{Act, OutboxQuery, act, outbox_page};
use crate::mail_api::{MANAGE, SEES_ALL};
use crate::state::AppState;
use crate::web::FormState;
use crate::web::form::{Form, is_for_the_form};
use crate::web::shell::{Page, refused, saved};

#[derive(Clone, Default, Deserialize, IntoParams)]
pub struct OutboxPageQuery {
    /// Only messages in this state.
    status: Option<String>,
    /// `1`: only one's own messages.
    mine: Option<String>,
    cursor: Option<String>,
}

struct Row {
    id: String,
    subject: String,
    to: String,
    attachments: String,
    state: &'static str,
    badge: &'static str,
    /// What is happening, in words.
    detail: String,
    created: String,
    by: String,
    attempts: i64,
    can_retry: bool,
    can_cancel: bool,
    message_id: String,
}

#[derive(Template)]
#[template(path = "mail/outbox.html")]
struct OutboxTemplate {
    rows: Vec<Row>,
    states: Vec<(&'static str, &'static str)>,
    status: String,
    mine: bool,
    sees_all: bool,
    older: Option<String>,
    form: FormState,
    can_read_log: bool,
}

fn row(m: &OutboxMessage, caller: &Caller, names: &[people::Person]) -> Row {
    let (state, badge) = state_words(&m.status);
    let tz = &caller.time_zone;
    let detail = match m.status.as_str() {
        "sent" => format!("Sent {}.", when(m.sent_at.as_deref(), tz)),
        "deferred" => m.deferred_reason.clone().unwrap_or_default(),
        "failed" => m.last_error.clone().unwrap_or_default(),
        "pending" => format!("Goes out {}.", when(m.next_attempt_at.as_deref(), tz)),
        "sending" => "Being handed to the mail server now.".into(),
        "cancelled" => "Cancelled: it will not be sent.".into(),
        _ => String::new(),
    };
    let by = match (&m.sent_by, m.origin.as_deref()) {
        (Some(id), _) => names
            .iter()
            .find(|p| &p.id == id)
            .map(|p| p.display_name.clone())
            .unwrap_or_else(|| "a former user".into()),
        (None, Some(origin)) if origin.starts_with("module:") => {
            format!("the {} module", &origin["module:".len()..])
        }
        _ => "ImmCase".into(),
    };
    let own = m.sent_by.as_deref() == Some(caller.user_id.as_str());
    let may = own || caller.can(MANAGE);
    Row {
        id: m.id.clone(),
        subject: m.subject.clone(),
        to: m.to.join(", "),
        attachments: m
            .attachments
            .iter()
            .map(|a| a.name.clone())
            .collect::<Vec<_>>()
            .join(", "),
        state,
        badge,
        detail,
        created: when(Some(&m.created_at), tz),
        by,
        attempts: m.attempts,
        can_retry: may && matches!(m.status.as_str(), "failed" | "deferred" | "cancelled"),
        can_cancel: may && matches!(m.status.as_str(), "pending" | "deferred" | "failed"),
        message_id: m.message_id.clone().unwrap_or_default(),
    }
}

/// The Outbox.
#[utoipa::path(get, path = "/outbox", tag = "pages", params(OutboxPageQuery),
    responses((status = 200, description = "The messages and what is happening to each, newest first, 50 a page", content_type = "text/html"),
        (status = 303, description = "Not signed in: to the sign-in page"),
        (status = 422, description = "A state or cursor that is not one", content_type = "text/html")))]
pub(super) async fn page(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<OutboxPageQuery>,
) -> Result<Page> {
    let mine = q.mine.as_deref() == Some("1");
    let status = q.status.clone().unwrap_or_default();
    let asked = OutboxQuery {
        cursor: q.cursor.clone(),
        status: (!status.is_empty()).then(|| status.clone()),
        mine: Some(mine),
    };
    let list = outbox_page(&state, &caller, &asked).await?;
    let names = people::all(state.db.pool(), &caller.practice).await?;
    let href = |cursor: &str| {
        let pairs: Vec<(&str, &str)> = [
            ("status", status.as_str()),
            ("mine", if mine { "1" } else { "" }),
            ("cursor", cursor),
        ]
        .into_iter()
        .filter(|(_, v)| !v.is_empty())
        .collect();
        format!(
            "/outbox?{}",
            serde_html_form::to_string(pairs).unwrap_or_default()
        )
    };
    let older = list.next_cursor.as_deref().map(href);
    Page::new(
        "Outbox",
        &OutboxTemplate {
            rows: list.items.iter().map(|m| row(m, &caller, &names)).collect(),
            states: STATES.iter().map(|s| (*s, state_words(s).0)).collect(),
            status,
            mine,
            sees_all: caller.can(SEES_ALL),
            older,
            form: FormState::new(&caller.form_token),
            can_read_log: caller.can(SEES_ALL),
        },
    )
}

#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
pub struct ActForm {
    /// Where to go back to (the outbox with its filters).
    back: Option<String>,
    #[serde(rename = "_csrf")]
    #[allow(dead_code)]
    csrf: Option<String>,
}

async fn acted(
    state: &AppState,
    caller: &Caller,
    id: &str,
    what: Act,
    form: &ActForm,
) -> Result<Response> {
    let back = form
        .back
        .as_deref()
        .filter(|b| b.starts_with("/outbox") && !b.starts_with("//"))
        .unwrap_or("/outbox")
        .to_string();
    match act(state, caller, id, what).await {
        Ok(m) => Ok(saved(
            &back,
            match what {
                Act::Retry => format!("“{}” is queued to be sent again.", m.subject),
                Act::Cancel => format!("“{}” is cancelled: it will not be sent.", m.subject),
            },
        )),
        Err(e @ (AppError::Conflict { .. } | AppError::NotFound(_))) => Ok(refused(
            &back,
            "That message was not changed.",
            &[e.message_for_people()],
        )),
        Err(e) if is_for_the_form(&e) => Ok(refused(
            &back,
            "That message was not changed.",
            &[e.message_for_people()],
        )),
        Err(e) => Err(e),
    }
}

/// Sends a message again now.
#[utoipa::path(post, path = "/outbox/{id}/retry", tag = "pages",
    params(("id" = String, Path, description = "The message's id in the outbox")),
    request_body(content = ActForm, content_type = "application/x-www-form-urlencoded"),
    responses((status = 303, description = "Back to the outbox with a message, or with the refusal (sent already, being sent)"),
        (status = 403, description = "Another person's message without `practice.manage`, or a stale form token", content_type = "text/html")))]
pub(super) async fn retry(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Form(form): Form<ActForm>,
) -> Result<Response> {
    acted(&state, &caller, &id, Act::Retry, &form).await
}

/// Stops a message that has not left.
#[utoipa::path(post, path = "/outbox/{id}/cancel", tag = "pages",
    params(("id" = String, Path, description = "The message's id in the outbox")),
    request_body(content = ActForm, content_type = "application/x-www-form-urlencoded"),
    responses((status = 303, description = "Back to the outbox with a message, or with the refusal (sent already, being sent)"),
        (status = 403, description = "Another person's message without `practice.manage`, or a stale form token", content_type = "text/html")))]
pub(super) async fn cancel(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Form(form): Form<ActForm>,
) -> Result<Response> {
    acted(&state, &caller, &id, Act::Cancel, &form).await
}
