//! In-app notifications: a line under a person's bell, with a link to where
//! it is seen, written by a module through the `notifications` import (in
//! the module call's transaction, so nothing is told of a change that was
//! rolled back). Each kind is declared by its module (`[[notifications]]`
//! in `plugin.toml`, with whether it also goes by email); each person
//! chooses per kind whether they want the email too. Only the person it is
//! for lists, opens or marks it.

mod routes;

use serde::Serialize;
use sqlx::{Any, Executor, Row};
use utoipa::ToSchema;

pub use routes::router;

use crate::access::Caller;
use crate::access::people;
use crate::clock::rfc3339;
use crate::db::{Tx, new_id};
use crate::error::{AppError, Result};
use crate::practices::Practice;
use crate::state::AppState;

/// The longest text, in characters.
pub const TEXT_MAX: usize = 300;
/// Listed per page.
pub const PAGE: i64 = 50;

/// A notification a module asks for, checked by [`notify`].
pub struct New<'a> {
    pub person_id: &'a str,
    pub kind: &'a str,
    /// The module that sends it.
    pub source: &'a str,
    pub text: &'a str,
    pub link: &'a str,
    pub email_subject: &'a str,
    pub email_body: &'a str,
}

/// Why a notification was refused, said to the module.
pub fn check(new: &New<'_>) -> std::result::Result<(), String> {
    let text = new.text.trim();
    if text.is_empty() || text.chars().count() > TEXT_MAX || text.contains(['\r', '\n']) {
        return Err(format!(
            "a notification's text has 1 to {TEXT_MAX} characters on one line"
        ));
    }
    let link_ok = new.link.starts_with('/')
        && !new.link.starts_with("//")
        && new.link.len() <= 500
        && !new
            .link
            .contains(|c: char| c.is_whitespace() || c.is_control() || c == '\\');
    if !link_ok {
        return Err(format!(
            "{:?} is not a path in the app (like /m/helpdesk/tickets/42)",
            new.link
        ));
    }
    if new.email_subject.trim().is_empty()
        || new.email_subject.chars().count() > 300
        || new.email_subject.contains(['\r', '\n'])
    {
        return Err("an email subject has 1 to 300 characters on one line".into());
    }
    if new.email_body.len() > 200 * 1024 {
        return Err("an email body is at most 200 KiB".into());
    }
    Ok(())
}

/// What [`notify`] did.
#[derive(Debug, PartialEq, Eq)]
pub enum Told {
    /// Under the bell, and by email when `mailed`.
    Notified { mailed: bool },
    /// Nobody: the person is disabled or not of the practice.
    Nobody,
}

/// Writes a checked notification for a person of `practice`, and queues
/// its email when they want `kind` by email (`email_default` when they
/// have not chosen).
pub async fn notify(
    tx: &mut Tx,
    practice: &Practice,
    new: &New<'_>,
    email_default: bool,
    now: i64,
) -> Result<Told> {
    let Some(person) = people::contact_of(&mut **tx, practice, new.person_id).await? else {
        return Ok(Told::Nobody);
    };
    if !person.active {
        return Ok(Told::Nobody);
    }
    sqlx::query(
        "INSERT INTO notifications (id, practice_id, user_id, kind, source, text, link, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(new_id())
    .bind(practice.id())
    .bind(&person.id)
    .bind(new.kind)
    .bind(new.source)
    .bind(new.text.trim())
    .bind(new.link)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    let chosen: Option<i64> = sqlx::query_scalar(
        "SELECT email FROM notification_choices WHERE practice_id = $1 AND user_id = $2 AND kind = $3",
    )
    .bind(practice.id())
    .bind(&person.id)
    .bind(new.kind)
    .fetch_optional(&mut **tx)
    .await?;
    let mailed = chosen.map_or(email_default, |e| e != 0) && !person.email.is_empty();
    if mailed {
        let mail = crate::mail::OutgoingMail {
            to: &person.email,
            subject: new.email_subject,
            body: new.email_body,
        };
        crate::mail::enqueue(&mut **tx, practice, mail, now).await?;
    }
    Ok(Told::Notified { mailed })
}

/// A notification as its person reads it.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Notification {
    pub id: String,
    pub kind: String,
    /// The module that sent it.
    pub source: String,
    pub text: String,
    pub link: String,
    /// RFC 3339.
    pub created_at: String,
    pub read: bool,
    #[serde(skip)]
    pub created_ms: i64,
}

/// The caller's notifications, newest first, `PAGE` at a time after the
/// cursor (an id); only unread ones when `unread`.
pub async fn list(
    state: &AppState,
    caller: &Caller,
    unread: bool,
    after: Option<&str>,
) -> Result<(Vec<Notification>, Option<String>)> {
    let rows = sqlx::query(
        "SELECT id, kind, source, text, link, created_at, read_at FROM notifications \
         WHERE practice_id = $1 AND user_id = $2 AND ($3 = 0 OR read_at IS NULL) AND ($4 = '' OR id < $4) \
         ORDER BY id DESC LIMIT $5",
    )
    .bind(caller.practice.id())
    .bind(&caller.user_id)
    .bind(i64::from(unread))
    .bind(after.unwrap_or(""))
    .bind(PAGE + 1)
    .fetch_all(state.db.pool())
    .await?;
    let mut items = rows
        .iter()
        .map(|r| {
            let created_ms: i64 = r.try_get("created_at")?;
            Ok(Notification {
                id: r.try_get("id")?,
                kind: r.try_get("kind")?,
                source: r.try_get("source")?,
                text: r.try_get("text")?,
                link: r.try_get("link")?,
                created_at: rfc3339(created_ms),
                read: r.try_get::<Option<i64>, _>("read_at")?.is_some(),
                created_ms,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let next = if items.len() > PAGE as usize {
        items.truncate(PAGE as usize);
        items.last().map(|n| n.id.clone())
    } else {
        None
    };
    Ok((items, next))
}

/// How many of the person's notifications are unread.
pub async fn unread_count<'e, E>(db: E, practice: &Practice, user_id: &str) -> Result<i64>
where
    E: Executor<'e, Database = Any>,
{
    Ok(sqlx::query_scalar(
        "SELECT COUNT(*) FROM notifications WHERE practice_id = $1 AND user_id = $2 AND read_at IS NULL",
    )
    .bind(practice.id())
    .bind(user_id)
    .fetch_one(db)
    .await?)
}

/// Marks one of the caller's notifications read; its link. Someone else's
/// is not found.
pub async fn open(state: &AppState, caller: &Caller, id: &str) -> Result<String> {
    let mut tx = state.db.begin().await?;
    let link: Option<String> = sqlx::query_scalar(
        "SELECT link FROM notifications WHERE practice_id = $1 AND user_id = $2 AND id = $3",
    )
    .bind(caller.practice.id())
    .bind(&caller.user_id)
    .bind(id)
    .fetch_optional(&mut *tx)
    .await?;
    let link = link.ok_or(AppError::NotFound("notification"))?;
    sqlx::query(
        "UPDATE notifications SET read_at = $4 \
         WHERE practice_id = $1 AND user_id = $2 AND id = $3 AND read_at IS NULL",
    )
    .bind(caller.practice.id())
    .bind(&caller.user_id)
    .bind(id)
    .bind(state.now_ms())
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(link)
}

/// Marks every notification of the caller read; how many were unread.
pub async fn read_all(state: &AppState, caller: &Caller) -> Result<u64> {
    let mut tx = state.db.begin().await?;
    let done = sqlx::query(
        "UPDATE notifications SET read_at = $3 WHERE practice_id = $1 AND user_id = $2 AND read_at IS NULL",
    )
    .bind(caller.practice.id())
    .bind(&caller.user_id)
    .bind(state.now_ms())
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(done.rows_affected())
}

/// A kind of notification and whether the caller gets it by email.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Choice {
    pub kind: String,
    /// The module's name.
    pub module: String,
    pub label: String,
    pub email: bool,
}

/// The kinds the modules enabled in the caller's practice (and open to
/// them) declare, with the caller's choices.
pub async fn choices(state: &AppState, caller: &Caller) -> Result<Vec<Choice>> {
    let rows = sqlx::query(
        "SELECT kind, email FROM notification_choices WHERE practice_id = $1 AND user_id = $2",
    )
    .bind(caller.practice.id())
    .bind(&caller.user_id)
    .fetch_all(state.db.pool())
    .await?;
    let chosen: Vec<(String, bool)> = rows
        .iter()
        .map(|r| Ok((r.try_get("kind")?, r.try_get::<i64, _>("email")? != 0)))
        .collect::<Result<_>>()?;
    let mut all = Vec::new();
    for module in crate::modules::fragments::open_to(state, caller).await? {
        for kind in &module.manifest.notifications {
            let email = chosen
                .iter()
                .find(|(k, _)| *k == kind.kind)
                .map_or(kind.email, |(_, e)| *e);
            all.push(Choice {
                kind: kind.kind.clone(),
                module: module.manifest.name.clone(),
                label: kind.label.clone(),
                email,
            });
        }
    }
    Ok(all)
}

/// Saves whether the caller wants each of `wanted` by email (kinds not
/// declared by a module open to them are refused, naming them); every
/// kind with the caller's choice after.
pub async fn choose(
    state: &AppState,
    caller: &Caller,
    wanted: &[(String, bool)],
) -> Result<Vec<Choice>> {
    if wanted.len() > 500 {
        return Err(AppError::field("items", "at most 500 choices at once"));
    }
    let mut known = choices(state, caller).await?;
    let unknown: Vec<&str> = wanted
        .iter()
        .filter(|(k, _)| !known.iter().any(|c| c.kind == *k))
        .map(|(k, _)| k.as_str())
        .collect();
    if !unknown.is_empty() {
        return Err(AppError::field(
            "kind",
            format!("no such kind of notification: {}", unknown.join(", ")),
        ));
    }
    let now = state.now_ms();
    let mut tx = state.db.begin().await?;
    for (kind, email) in wanted {
        sqlx::query(
            "INSERT INTO notification_choices (practice_id, user_id, kind, email, updated_at) \
             VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (practice_id, user_id, kind) DO UPDATE SET email = excluded.email, updated_at = excluded.updated_at",
        )
        .bind(caller.practice.id())
        .bind(&caller.user_id)
        .bind(kind)
        .bind(i64::from(*email))
        .bind(now)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    for choice in &mut known {
        if let Some((_, email)) = wanted.iter().rev().find(|(k, _)| *k == choice.kind) {
            choice.email = *email;
        }
    }
    Ok(known)
}
