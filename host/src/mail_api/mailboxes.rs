//! Mailboxes over the API: each person's own (`/api/v1/me/mailbox`, in
//! Settings → My email account), the practice's shared ones
//! (`/api/v1/mailboxes`, `practice.manage`, each with the people who read
//! it), "check the connection", "fetch now" for whoever reads one, and the
//! pipe a mail server posts raw messages to with a token
//! (`POST /api/v1/mailboxes/{id}/messages`).

use axum::body::Body;
use axum::extract::{Extension, State};
use axum::http::{HeaderMap, StatusCode, header};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::MANAGE;
use crate::access::Caller;
use crate::api::{Json, Path};
use crate::audit::{self, Entry};
use crate::error::{AppError, ErrorBody, Result};
use crate::mailboxes::store::{self, Mailbox, MailboxChange, MailboxView};
use crate::mailboxes::{fetch, imap};
use crate::practices::Practice;
use crate::state::AppState;

/// The largest raw message a mail server may post.
pub use crate::api::paths::MAIL_PIPE_MAX_BYTES as PIPE_MAX_BYTES;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_own, put_own, delete_own))
        .routes(routes!(list_shared, create_shared))
        .routes(routes!(get_shared, put_shared, delete_shared))
        .routes(routes!(check_connection))
        .routes(routes!(fetch_now))
        .routes(routes!(set_pipe))
        .routes(routes!(pipe))
}

async fn view(state: &AppState, practice: &Practice, m: &Mailbox) -> Result<MailboxView> {
    let readers = store::readers(state.db.pool(), practice, &m.id).await?;
    Ok(MailboxView::of(m, readers))
}

/// The caller's own mailbox, if they connected one.
pub async fn own(state: &AppState, caller: &Caller) -> Result<Option<MailboxView>> {
    match store::own(state.db.pool(), &caller.practice, &caller.user_id).await? {
        Some(m) => Ok(Some(view(state, &caller.practice, &m).await?)),
        None => Ok(None),
    }
}

/// One's own mailbox: `null` before one is connected.
#[utoipa::path(get, path = "/api/v1/me/mailbox", tag = "mail",
    responses((status = 200, body = Option<MailboxView>), (status = 401, body = ErrorBody)))]
async fn get_own(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Option<MailboxView>>> {
    Ok(Json(own(&state, &caller).await?))
}

/// Connects or changes the caller's own mailbox (`version` to change it).
pub async fn save_own(
    state: &AppState,
    caller: &Caller,
    change: &MailboxChange,
) -> Result<MailboxView> {
    let existing = store::own(state.db.pool(), &caller.practice, &caller.user_id).await?;
    save(
        state,
        caller,
        Some(&caller.user_id),
        existing.as_ref(),
        change,
    )
    .await
}

/// Creates (`existing` none) or changes a mailbox, `owner`'s own or shared,
/// audited, and has it fetched at once.
async fn save(
    state: &AppState,
    caller: &Caller,
    owner: Option<&str>,
    existing: Option<&Mailbox>,
    change: &MailboxChange,
) -> Result<MailboxView> {
    let keys = state.mail.keys();
    let now = state.now_ms();
    let mut tx = state.db.begin().await?;
    let id = match existing {
        Some(m) => {
            store::update(&mut tx, keys, &caller.practice, m, change, now).await?;
            m.id.clone()
        }
        None => store::create(&mut tx, keys, &caller.practice, owner, change, now).await?,
    };
    let details = json!({ "own": owner.is_some(), "name": change.name });
    audit::record(
        &mut *tx,
        &caller.practice,
        now,
        Entry::by(caller, "mailbox.saved", format!("mailbox:{id}"), details),
    )
    .await?;
    tx.commit().await?;
    state.mailbox_wake.notify_one();
    let saved = store::get(state.db.pool(), &caller.practice, &id)
        .await?
        .ok_or(AppError::NotFound("mailbox"))?;
    view(state, &caller.practice, &saved).await
}

/// Connects or changes one's own mailbox. The password: absent keeps the
/// stored one, a string replaces it; it is never answered.
#[utoipa::path(put, path = "/api/v1/me/mailbox", tag = "mail", request_body = MailboxChange,
    responses((status = 200, body = MailboxView), (status = 401, body = ErrorBody),
        (status = 409, body = ErrorBody, description = "Changed elsewhere since `version`"),
        (status = 422, body = ErrorBody, description = "A field to correct, named in `fields`")))]
async fn put_own(
    State(state): State<AppState>,
    caller: Caller,
    Json(change): Json<MailboxChange>,
) -> Result<Json<MailboxView>> {
    Ok(Json(save_own(&state, &caller, &change).await?))
}

/// Removes a mailbox and the raw copies of what was taken from it.
pub async fn remove(state: &AppState, caller: &Caller, mailbox: &Mailbox) -> Result<()> {
    let now = state.now_ms();
    let mut tx = state.db.begin().await?;
    let blobs = store::delete(&mut tx, &caller.practice, &mailbox.id).await?;
    audit::record(
        &mut *tx,
        &caller.practice,
        now,
        Entry::by(
            caller,
            "mailbox.removed",
            format!("mailbox:{}", mailbox.id),
            json!({ "name": mailbox.name }),
        ),
    )
    .await?;
    tx.commit().await?;
    for key in blobs {
        if let Err(e) = state.blobs.delete(&key).await {
            tracing::warn!(error = %e, "removing a message of a removed mailbox");
        }
    }
    Ok(())
}

/// Disconnects one's own mailbox (what the email module kept stays).
#[utoipa::path(delete, path = "/api/v1/me/mailbox", tag = "mail",
    responses((status = 204), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn delete_own(State(state): State<AppState>, caller: Caller) -> Result<StatusCode> {
    let mailbox = store::own(state.db.pool(), &caller.practice, &caller.user_id)
        .await?
        .ok_or(AppError::NotFound("mailbox"))?;
    remove(&state, &caller, &mailbox).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Serialize, ToSchema)]
pub struct MailboxList {
    pub items: Vec<MailboxView>,
}

/// The practice's shared mailboxes (`practice.manage`).
pub async fn shared(state: &AppState, caller: &Caller) -> Result<Vec<MailboxView>> {
    caller.require(MANAGE)?;
    let mut items = Vec::new();
    for m in store::all(state.db.pool(), &caller.practice).await? {
        if m.owner_id.is_none() {
            items.push(view(state, &caller.practice, &m).await?);
        }
    }
    Ok(items)
}

/// The practice's shared mailboxes, with who reads each.
#[utoipa::path(get, path = "/api/v1/mailboxes", tag = "mail",
    responses((status = 200, body = MailboxList), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody, description = "Without `practice.manage`")))]
async fn list_shared(State(state): State<AppState>, caller: Caller) -> Result<Json<MailboxList>> {
    Ok(Json(MailboxList {
        items: shared(&state, &caller).await?,
    }))
}

/// Adds or changes shared mailbox `existing` (`practice.manage`).
pub async fn save_shared(
    state: &AppState,
    caller: &Caller,
    existing: Option<&Mailbox>,
    change: &MailboxChange,
) -> Result<MailboxView> {
    caller.require(MANAGE)?;
    save(state, caller, None, existing, change).await
}

/// Adds a shared mailbox (info@, complaints@) with the people who read it.
#[utoipa::path(post, path = "/api/v1/mailboxes", tag = "mail", request_body = MailboxChange,
    responses((status = 201, body = MailboxView), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody, description = "Without `practice.manage`"),
        (status = 422, body = ErrorBody, description = "A field to correct, named in `fields`")))]
async fn create_shared(
    State(state): State<AppState>,
    caller: Caller,
    Json(change): Json<MailboxChange>,
) -> Result<(StatusCode, Json<MailboxView>)> {
    Ok((
        StatusCode::CREATED,
        Json(save_shared(&state, &caller, None, &change).await?),
    ))
}

/// Shared mailbox `id` (`practice.manage`).
pub async fn shared_one(state: &AppState, caller: &Caller, id: &str) -> Result<Mailbox> {
    caller.require(MANAGE)?;
    store::get(state.db.pool(), &caller.practice, id)
        .await?
        .filter(|m| m.owner_id.is_none())
        .ok_or(AppError::NotFound("mailbox"))
}

/// A shared mailbox.
#[utoipa::path(get, path = "/api/v1/mailboxes/{id}", tag = "mail",
    params(("id" = String, Path, description = "The mailbox's id")),
    responses((status = 200, body = MailboxView), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn get_shared(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<MailboxView>> {
    let m = shared_one(&state, &caller, &id).await?;
    Ok(Json(view(&state, &caller.practice, &m).await?))
}

/// Changes a shared mailbox (`readers` replaces who reads it).
#[utoipa::path(put, path = "/api/v1/mailboxes/{id}", tag = "mail", request_body = MailboxChange,
    params(("id" = String, Path, description = "The mailbox's id")),
    responses((status = 200, body = MailboxView), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn put_shared(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Json(change): Json<MailboxChange>,
) -> Result<Json<MailboxView>> {
    let m = shared_one(&state, &caller, &id).await?;
    Ok(Json(save_shared(&state, &caller, Some(&m), &change).await?))
}

/// Removes a shared mailbox.
#[utoipa::path(delete, path = "/api/v1/mailboxes/{id}", tag = "mail",
    params(("id" = String, Path, description = "The mailbox's id")),
    responses((status = 204), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn delete_shared(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<StatusCode> {
    let m = shared_one(&state, &caller, &id).await?;
    remove(&state, &caller, &m).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A mailbox `caller` may look after: their own, or a shared one with
/// `practice.manage`; 404 otherwise.
pub async fn managed(state: &AppState, caller: &Caller, id: &str) -> Result<Mailbox> {
    let m = store::get(state.db.pool(), &caller.practice, id)
        .await?
        .ok_or(AppError::NotFound("mailbox"))?;
    let own = m.owner_id.as_deref() == Some(caller.user_id.as_str());
    if own || (m.owner_id.is_none() && caller.can(MANAGE)) {
        Ok(m)
    } else {
        Err(AppError::NotFound("mailbox"))
    }
}

#[derive(Serialize, ToSchema)]
pub struct ConnectionCheck {
    pub ok: bool,
    /// What the mail server showed ("INBOX: 12 messages"), or why it
    /// failed.
    pub message: String,
}

/// Signs in to mailbox `m` now and opens its folder.
pub async fn check(state: &AppState, m: &Mailbox) -> ConnectionCheck {
    let outcome = async {
        let account = m.account(state.mail.keys())?;
        let tls = state.imap_tls.as_ref().ok_or_else(|| {
            "this server has no certificate authorities to check the mail server with".to_string()
        })?;
        imap::check(&account, tls).await.map_err(|e| e.to_string())
    };
    match outcome.await {
        Ok(message) => ConnectionCheck { ok: true, message },
        Err(message) => ConnectionCheck { ok: false, message },
    }
}

/// Signs in to the mailbox now with its saved settings and says what the
/// mail server answered.
#[utoipa::path(post, path = "/api/v1/mailboxes/{id}/check", tag = "mail",
    params(("id" = String, Path, description = "The mailbox's id")),
    responses((status = 200, body = ConnectionCheck), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody, description = "Not one's own mailbox, nor a shared one with `practice.manage`")))]
async fn check_connection(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<ConnectionCheck>> {
    let m = managed(&state, &caller, &id).await?;
    Ok(Json(check(&state, &m).await))
}

/// Fetches a mailbox's new mail now, for someone who reads it.
#[utoipa::path(post, path = "/api/v1/mailboxes/{id}/fetch", tag = "mail",
    params(("id" = String, Path, description = "The mailbox's id")),
    responses((status = 202, description = "Fetching in the background"), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody, description = "Not a mailbox the caller reads")))]
async fn fetch_now(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<StatusCode> {
    let read = store::readable_one(
        state.db.pool(),
        &caller.practice,
        Some(&caller.user_id),
        &id,
    )
    .await?;
    if read.is_none() {
        return Err(AppError::NotFound("mailbox"));
    }
    fetch::request(
        &state.db,
        &state.mailbox_wake,
        &caller.practice,
        &id,
        state.now_ms(),
    )
    .await?;
    Ok(StatusCode::ACCEPTED)
}

#[derive(Deserialize, ToSchema)]
pub struct PipeChange {
    /// True: a new token (shown once; an earlier one stops working).
    /// False: no mail server may post to it.
    pub enabled: bool,
}

#[derive(Serialize, ToSchema)]
pub struct PipeToken {
    /// Shown this once: the mail server sends it as `Authorization: Bearer …`.
    pub token: Option<String>,
    /// Where the mail server posts each raw message.
    pub url: String,
}

/// Turns the pipe of mailbox `m` on (a new token) or off.
pub async fn pipe_switch(
    state: &AppState,
    caller: &Caller,
    m: &Mailbox,
    on: bool,
) -> Result<PipeToken> {
    let mut tx = state.db.begin().await?;
    let token = store::set_pipe_token(&mut tx, &caller.practice, &m.id, on).await?;
    audit::record(
        &mut *tx,
        &caller.practice,
        state.now_ms(),
        Entry::by(
            caller,
            "mailbox.pipe_changed",
            format!("mailbox:{}", m.id),
            json!({ "enabled": on }),
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(PipeToken {
        token,
        url: state
            .config
            .practice_url(caller.practice.slug())
            .trim_end_matches('/')
            .to_string()
            + format!("/api/v1/mailboxes/{}/messages", m.id).as_str(),
    })
}

/// Lets a mail server post raw messages to the mailbox with a token, or
/// stops it.
#[utoipa::path(put, path = "/api/v1/mailboxes/{id}/pipe", tag = "mail", request_body = PipeChange,
    params(("id" = String, Path, description = "The mailbox's id")),
    responses((status = 200, body = PipeToken), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
async fn set_pipe(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Json(change): Json<PipeChange>,
) -> Result<Json<PipeToken>> {
    let m = managed(&state, &caller, &id).await?;
    Ok(Json(
        pipe_switch(&state, &caller, &m, change.enabled).await?,
    ))
}

#[derive(Serialize, ToSchema)]
pub struct Piped {
    /// The message's id, or absent when the same message was taken before.
    pub id: Option<String>,
    pub duplicate: bool,
}

/// A raw message (RFC 5322, `message/rfc822`, at most 25 MiB) from a mail
/// server that pipes mail, with the mailbox's token as
/// `Authorization: Bearer …`. The token is checked before the body is read.
#[utoipa::path(post, path = "/api/v1/mailboxes/{id}/messages", tag = "mail",
    params(("id" = String, Path, description = "The mailbox's id")),
    request_body(content = String, content_type = "message/rfc822"),
    responses((status = 201, body = Piped, description = "Taken"),
        (status = 200, body = Piped, description = "The same message was taken before"),
        (status = 401, body = ErrorBody, description = "No token, or not this mailbox's"),
        (status = 413, body = ErrorBody), (status = 422, body = ErrorBody, description = "An empty body")))]
async fn pipe(
    State(state): State<AppState>,
    Extension(practice): Extension<Practice>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Result<(StatusCode, Json<Piped>)> {
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .filter(|t| !t.is_empty() && t.len() <= 200)
        .ok_or(AppError::Unauthenticated)?;
    let mailbox = store::by_pipe_token(state.db.pool(), &practice, &id, token)
        .await?
        .ok_or(AppError::Unauthenticated)?;
    let raw = axum::body::to_bytes(body, PIPE_MAX_BYTES)
        .await
        .map_err(|_| {
            AppError::TooLarge(format!(
                "a message is at most {} MiB",
                PIPE_MAX_BYTES / 1024 / 1024
            ))
        })?;
    if raw.is_empty() {
        return Err(AppError::invalid(
            "the body is the raw message, and it is empty",
        ));
    }
    let fetcher = crate::mail_api::fetcher_of(&state);
    let taken = fetch::take(&state.db, &fetcher, &practice, &mailbox, 0, None, &raw).await?;
    Ok(match taken {
        Some(id) => (
            StatusCode::CREATED,
            Json(Piped {
                id: Some(id),
                duplicate: false,
            }),
        ),
        None => (
            StatusCode::OK,
            Json(Piped {
                id: None,
                duplicate: true,
            }),
        ),
    })
}
