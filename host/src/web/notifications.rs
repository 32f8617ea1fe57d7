//! The notifications page: the person's notifications, newest first, unread
//! ones marked; opening one marks it read and goes to its page; and, per
//! kind, whether it also comes by email. The bell in the shell's header
//! counts the unread ones and leads here.

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use super::FormState;
use super::form::Form;
use super::shell::{Page, saved};
use crate::access::Caller;
use crate::api::{Path, Query};
use crate::error::Result;
use crate::notifications::{self, Choice};
use crate::state::AppState;

struct Line {
    id: String,
    text: String,
    when: String,
    read: bool,
}

#[derive(Template)]
#[template(path = "notifications.html")]
struct NotificationsTemplate {
    lines: Vec<Line>,
    unread: i64,
    next: Option<String>,
    only_unread: bool,
    choices: Vec<Choice>,
    form: FormState,
}

#[derive(Deserialize, IntoParams)]
pub struct PageQuery {
    /// `1`: only the unread ones.
    unread: Option<String>,
    cursor: Option<String>,
}

/// The person's notifications.
#[utoipa::path(get, path = "/notifications", tag = "pages", params(PageQuery),
    responses((status = 200, description = "The notifications and the email choices", content_type = "text/html"),
        (status = 303, description = "Not signed in: to the sign-in page")))]
pub(super) async fn notifications_page(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<PageQuery>,
) -> Result<Page> {
    let only_unread = super::form::ticked(&q.unread);
    let (items, next) =
        notifications::list(&state, &caller, only_unread, q.cursor.as_deref()).await?;
    let unread =
        notifications::unread_count(state.db.pool(), &caller.practice, &caller.user_id).await?;
    let lines = items
        .into_iter()
        .map(|n| Line {
            when: super::local_time(n.created_ms, &caller.time_zone),
            id: n.id,
            text: n.text,
            read: n.read,
        })
        .collect();
    let template = NotificationsTemplate {
        lines,
        unread,
        next,
        only_unread,
        choices: notifications::choices(&state, &caller).await?,
        form: FormState::new(&caller.form_token),
    };
    Page::new("Notifications", &template)
}

/// Opens a notification: marks it read and goes to its page.
#[utoipa::path(get, path = "/notifications/{id}", tag = "pages", params(("id" = String, Path)),
    responses((status = 303, description = "Read: to its page"),
        (status = 404, description = "Not one of the person's", content_type = "text/html")))]
pub(super) async fn open_notification(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Response> {
    let link = notifications::open(&state, &caller, &id).await?;
    Ok(crate::web::shell::see_other(&link))
}

#[derive(Deserialize, ToSchema)]
pub struct ReadAllForm {
    #[serde(rename = "_csrf")]
    #[allow(dead_code)]
    csrf: Option<String>,
}

/// Marks every notification read.
#[utoipa::path(post, path = "/notifications/read-all", tag = "pages",
    request_body(content = ReadAllForm, content_type = "application/x-www-form-urlencoded"),
    responses((status = 303, description = "To the notifications, with a message")))]
pub(super) async fn read_all(
    State(state): State<AppState>,
    caller: Caller,
    Form(_form): Form<ReadAllForm>,
) -> Result<Response> {
    let marked = notifications::read_all(&state, &caller).await?;
    let message = match marked {
        0 => "Nothing was unread.".to_owned(),
        1 => "1 notification marked read.".to_owned(),
        n => format!("{n} notifications marked read."),
    };
    Ok(saved("/notifications", message))
}

#[derive(Deserialize, ToSchema)]
pub struct ChoicesForm {
    /// Every kind the form showed.
    #[serde(default)]
    kind: Vec<String>,
    /// The kinds ticked to come by email too.
    #[serde(default)]
    email: Vec<String>,
    #[serde(rename = "_csrf")]
    #[allow(dead_code)]
    csrf: Option<String>,
}

/// Saves which kinds also come by email.
#[utoipa::path(post, path = "/notifications/choices", tag = "pages",
    request_body(content = ChoicesForm, content_type = "application/x-www-form-urlencoded"),
    responses((status = 303, description = "To the notifications, with a message"),
        (status = 422, description = "A kind no module open to the person declares", content_type = "text/html")))]
pub(super) async fn save_choices(
    State(state): State<AppState>,
    caller: Caller,
    Form(form): Form<ChoicesForm>,
) -> Result<Response> {
    let wanted: Vec<(String, bool)> = form
        .kind
        .iter()
        .map(|k| (k.clone(), form.email.contains(k)))
        .collect();
    notifications::choose(&state, &caller, &wanted).await?;
    Ok(saved(
        "/notifications#email",
        "Your email choices are saved.",
    ))
}
