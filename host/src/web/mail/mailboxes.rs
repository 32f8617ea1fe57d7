//! Settings → Mailboxes: the practice's shared mailboxes (info@,
//! complaints@) and who reads each (`practice.manage`); and the actions on
//! any mailbox its keeper may take (one's own, or a shared one with
//! `practice.manage`): check the connection, fetch now, the pipe's token,
//! disconnect. Each action comes back to the page it was taken on.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use utoipa::ToSchema;

use super::account;
use super::mailbox_form::{MailboxForm, MailboxState, ReaderBox};
use crate::access::{Caller, people};
use crate::api::Path;
use crate::error::{AppError, Result};
use crate::mail_api::mailboxes::{self as api, ConnectionCheck};
use crate::mailboxes::store::{Mailbox, MailboxView};
use crate::state::AppState;
use crate::web::FormState;
use crate::web::form::{Form, is_for_the_form};
use crate::web::shell::{Page, saved};

const LIST: &str = "/settings/mailboxes";

/// A shared mailbox in the list.
struct Line {
    id: String,
    name: String,
    address: String,
    readers: usize,
    fetched: String,
    problem: Option<String>,
}

#[derive(Template)]
#[template(path = "mail/mailboxes.html")]
struct ListTemplate {
    lines: Vec<Line>,
    values: MailboxForm,
    form: FormState,
    password_set: bool,
    people: Vec<ReaderBox>,
}

#[derive(Template)]
#[template(path = "mail/mailbox.html")]
struct EditTemplate {
    values: MailboxForm,
    form: FormState,
    password_set: bool,
    people: Vec<ReaderBox>,
    state: Option<MailboxState>,
    check: Option<ConnectionCheck>,
    token: Option<String>,
    pipe_url: String,
    /// Where the mailbox's actions post: `/settings/mailboxes/{id}`.
    actions: String,
}

async fn people_boxes(
    state: &AppState,
    caller: &Caller,
    ticked: &[String],
) -> Result<Vec<ReaderBox>> {
    Ok(people::all(state.db.pool(), &caller.practice)
        .await?
        .into_iter()
        .filter(|p| !p.disabled)
        .map(|p| ReaderBox {
            ticked: ticked.contains(&p.id),
            id: p.id,
            name: p.display_name,
        })
        .collect())
}

async fn list_template(state: &AppState, caller: &Caller) -> Result<ListTemplate> {
    let shared = api::shared(state, caller).await?;
    Ok(ListTemplate {
        lines: shared
            .iter()
            .map(|m| {
                let s = MailboxState::of(m, &caller.time_zone);
                Line {
                    id: m.id.clone(),
                    name: m.name.clone(),
                    address: m.address.clone(),
                    readers: m.readers.len(),
                    fetched: s.fetched,
                    problem: s.problem,
                }
            })
            .collect(),
        values: MailboxForm::new("", ""),
        form: FormState::new(&caller.form_token),
        password_set: false,
        people: people_boxes(state, caller, &[]).await?,
    })
}

async fn edit_template(state: &AppState, caller: &Caller, m: &MailboxView) -> Result<EditTemplate> {
    Ok(EditTemplate {
        values: MailboxForm::of(m),
        form: FormState::new(&caller.form_token),
        password_set: m.password_set,
        people: people_boxes(state, caller, &m.readers).await?,
        state: Some(MailboxState::of(m, &caller.time_zone)),
        check: None,
        token: None,
        pipe_url: format!("/api/v1/mailboxes/{}/messages", m.id),
        actions: format!("{LIST}/{}", m.id),
    })
}

fn framed(title: &str, template: &impl Template, status: StatusCode) -> Result<Response> {
    Ok(Page::new(title, template)?.status(status).into_response())
}

async fn shown(state: &AppState, caller: &Caller, m: &Mailbox) -> Result<MailboxView> {
    let readers =
        crate::mailboxes::store::readers(state.db.pool(), &caller.practice, &m.id).await?;
    Ok(MailboxView::of(m, readers))
}

/// Settings → Mailboxes.
#[utoipa::path(get, path = "/settings/mailboxes", tag = "pages",
    responses((status = 200, description = "The shared mailboxes and the form to add one", content_type = "text/html"),
        (status = 303, description = "Not signed in: to the sign-in page"),
        (status = 403, description = "A page saying `practice.manage` is needed", content_type = "text/html")))]
pub(super) async fn list_page(State(state): State<AppState>, caller: Caller) -> Result<Response> {
    framed(
        "Mailboxes",
        &list_template(&state, &caller).await?,
        StatusCode::OK,
    )
}

/// Adds a shared mailbox.
#[utoipa::path(post, path = "/settings/mailboxes", tag = "pages",
    request_body(content = MailboxForm, content_type = "application/x-www-form-urlencoded"),
    responses((status = 303, description = "Added: to its page, with a message"),
        (status = 403, description = "A page saying `practice.manage` is needed, or a stale form token", content_type = "text/html"),
        (status = 422, description = "The page again, what was typed kept, a message beside each field to correct", content_type = "text/html")))]
pub(super) async fn create(
    State(state): State<AppState>,
    caller: Caller,
    Form(values): Form<MailboxForm>,
) -> Result<Response> {
    let outcome = async { api::save_shared(&state, &caller, None, &values.change(true)?).await };
    let error = match outcome.await {
        Ok(m) => {
            return Ok(saved(
                &format!("{LIST}/{}", m.id),
                format!(
                    "The mailbox {} is added. Its mail is being fetched.",
                    m.name
                ),
            ));
        }
        Err(e) if is_for_the_form(&e) => e,
        Err(e) => return Err(e),
    };
    let mut page = list_template(&state, &caller).await?;
    page.people = people_boxes(&state, &caller, &values.readers).await?;
    page.values = values.typed();
    page.form = FormState::failed(&caller.form_token, &error);
    framed("Mailboxes", &page, error.status_code())
}

/// A shared mailbox's page.
#[utoipa::path(get, path = "/settings/mailboxes/{id}", tag = "pages",
    params(("id" = String, Path, description = "The mailbox's id")),
    responses((status = 200, description = "The mailbox, who reads it, and its state", content_type = "text/html"),
        (status = 403, description = "A page saying `practice.manage` is needed", content_type = "text/html"),
        (status = 404, description = "No such shared mailbox", content_type = "text/html")))]
pub(super) async fn edit_page(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Response> {
    let m = api::shared_one(&state, &caller, &id).await?;
    let view = shown(&state, &caller, &m).await?;
    framed(
        &m.name,
        &edit_template(&state, &caller, &view).await?,
        StatusCode::OK,
    )
}

/// Saves a shared mailbox.
#[utoipa::path(post, path = "/settings/mailboxes/{id}", tag = "pages",
    params(("id" = String, Path, description = "The mailbox's id")),
    request_body(content = MailboxForm, content_type = "application/x-www-form-urlencoded"),
    responses((status = 303, description = "Saved: back to its page, with a message"),
        (status = 403, description = "A page saying `practice.manage` is needed, or a stale form token", content_type = "text/html"),
        (status = 404, description = "No such shared mailbox", content_type = "text/html"),
        (status = 409, description = "Changed elsewhere meanwhile: the page again with what was typed", content_type = "text/html"),
        (status = 422, description = "The page again, what was typed kept, a message beside each field to correct", content_type = "text/html")))]
pub(super) async fn save(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Form(values): Form<MailboxForm>,
) -> Result<Response> {
    let m = api::shared_one(&state, &caller, &id).await?;
    let outcome =
        async { api::save_shared(&state, &caller, Some(&m), &values.change(true)?).await };
    let error = match outcome.await {
        Ok(_) => return Ok(saved(&format!("{LIST}/{id}"), "The mailbox is saved.")),
        Err(e) if is_for_the_form(&e) => e,
        Err(e) => return Err(e),
    };
    let view = shown(&state, &caller, &m).await?;
    let mut page = edit_template(&state, &caller, &view).await?;
    page.people = people_boxes(&state, &caller, &values.readers).await?;
    let version = page.values.version;
    page.values = values.typed();
    if matches!(error, AppError::Conflict { .. }) {
        page.values.version = version;
    }
    page.form = FormState::failed(&caller.form_token, &error);
    framed(&m.name, &page, error.status_code())
}

/// The page an action on `m` comes back to, with `check` or `token` shown.
async fn back_to(
    state: &AppState,
    caller: &Caller,
    m: &Mailbox,
    check: Option<ConnectionCheck>,
    token: Option<String>,
) -> Result<Response> {
    if m.owner_id.is_some() {
        let mut page = account::template(state, caller).await?;
        page.check = check;
        page.token = token;
        return account::framed(&page, StatusCode::OK);
    }
    let view = shown(state, caller, m).await?;
    let mut page = edit_template(state, caller, &view).await?;
    page.check = check;
    page.token = token;
    framed(&m.name, &page, StatusCode::OK)
}

fn page_of(m: &Mailbox) -> String {
    match m.owner_id {
        Some(_) => account::PAGE.to_string(),
        None => format!("{LIST}/{}", m.id),
    }
}

#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
pub struct ActionForm {
    /// For the pipe: `1` for a new token, `0` to stop.
    pub(super) enabled: Option<String>,
    #[serde(rename = "_csrf")]
    #[allow(dead_code)]
    csrf: Option<String>,
}

/// Signs in to the mailbox now and shows what the server answered.
#[utoipa::path(post, path = "/settings/mailboxes/{id}/check", tag = "pages",
    params(("id" = String, Path, description = "The mailbox's id")),
    request_body(content = ActionForm, content_type = "application/x-www-form-urlencoded"),
    responses((status = 200, description = "The mailbox's page with the outcome", content_type = "text/html"),
        (status = 404, description = "Not one's own mailbox, nor a shared one with `practice.manage`", content_type = "text/html")))]
pub(super) async fn check(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Form(_form): Form<ActionForm>,
) -> Result<Response> {
    let m = api::managed(&state, &caller, &id).await?;
    check_of(&state, &caller, &m).await
}

pub(super) async fn check_of(state: &AppState, caller: &Caller, m: &Mailbox) -> Result<Response> {
    let outcome = api::check(state, m).await;
    back_to(state, caller, m, Some(outcome), None).await
}

/// Fetches the mailbox's new mail now.
#[utoipa::path(post, path = "/settings/mailboxes/{id}/fetch", tag = "pages",
    params(("id" = String, Path, description = "The mailbox's id")),
    request_body(content = ActionForm, content_type = "application/x-www-form-urlencoded"),
    responses((status = 303, description = "Back to the mailbox's page, with a message"),
        (status = 404, description = "Not one's own mailbox, nor a shared one with `practice.manage`", content_type = "text/html")))]
pub(super) async fn fetch(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Form(_form): Form<ActionForm>,
) -> Result<Response> {
    let m = api::managed(&state, &caller, &id).await?;
    fetch_of(&state, &caller, &m).await
}

/// Makes a new pipe token (shown once) or stops taking posted mail.
#[utoipa::path(post, path = "/settings/mailboxes/{id}/pipe", tag = "pages",
    params(("id" = String, Path, description = "The mailbox's id")),
    request_body(content = ActionForm, content_type = "application/x-www-form-urlencoded"),
    responses((status = 200, description = "The mailbox's page with the new token, shown once", content_type = "text/html"),
        (status = 303, description = "Stopped: back to the mailbox's page"),
        (status = 404, description = "Not one's own mailbox, nor a shared one with `practice.manage`", content_type = "text/html")))]
pub(super) async fn pipe(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Form(form): Form<ActionForm>,
) -> Result<Response> {
    let m = api::managed(&state, &caller, &id).await?;
    pipe_of(&state, &caller, &m, &form).await
}

/// Disconnects the mailbox.
#[utoipa::path(post, path = "/settings/mailboxes/{id}/remove", tag = "pages",
    params(("id" = String, Path, description = "The mailbox's id")),
    request_body(content = ActionForm, content_type = "application/x-www-form-urlencoded"),
    responses((status = 303, description = "Removed: to one's account page or the list, with a message"),
        (status = 404, description = "Not one's own mailbox, nor a shared one with `practice.manage`", content_type = "text/html")))]
pub(super) async fn remove(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Form(_form): Form<ActionForm>,
) -> Result<Response> {
    let m = api::managed(&state, &caller, &id).await?;
    remove_of(&state, &caller, &m).await
}

pub(super) async fn fetch_of(state: &AppState, caller: &Caller, m: &Mailbox) -> Result<Response> {
    let now = state.now_ms();
    crate::mailboxes::fetch::request(&state.db, &state.mailbox_wake, &caller.practice, &m.id, now)
        .await?;
    Ok(saved(&page_of(m), "Fetching new mail now."))
}

pub(super) async fn pipe_of(
    state: &AppState,
    caller: &Caller,
    m: &Mailbox,
    form: &ActionForm,
) -> Result<Response> {
    let on = form.enabled.as_deref() == Some("1");
    let made = api::pipe_switch(state, caller, m, on).await?;
    if !on {
        return Ok(saved(
            &page_of(m),
            "Posted mail is no longer taken: the token is void.",
        ));
    }
    let m = api::managed(state, caller, &m.id).await?;
    back_to(state, caller, &m, None, made.token).await
}

pub(super) async fn remove_of(state: &AppState, caller: &Caller, m: &Mailbox) -> Result<Response> {
    api::remove(state, caller, m).await?;
    let to = if m.owner_id.is_some() {
        account::PAGE
    } else {
        LIST
    };
    Ok(saved(
        to,
        format!("The mailbox {} is disconnected.", m.name),
    ))
}
