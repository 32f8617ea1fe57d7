//! The audit log: append-only rows of what people did that a practice must
//! be able to account for. Nothing updates or deletes a row; administrators
//! read it newest first (`list`).
//!
//! Recorded: sign-ins, sign-outs, password changes and resets; user, role,
//! case program and module changes (switching on and off, settings);
//! permission and form-token refusals; and, for applicants' personal data,
//! applicants and cases created, changed (which fields, never their
//! values), moved to the trash, restored and purged, and files uploaded,
//! downloaded, moved to the trash, restored and purged. An entry about an
//! applicant's or a case's data names them (`About`), so the log can be read
//! for one record, and keeps their name or folio as they were then
//! (`details`), so it stays readable once they are purged.

mod list;

use sqlx::{Any, Executor};

pub use list::{AuditPage, AuditQuery, AuditRow, Filter, filter_text, list};

use crate::access::Caller;
use crate::error::Result;
use crate::practices::Practice;

/// The audit log's routes.
pub fn router() -> utoipa_axum::router::OpenApiRouter<crate::state::AppState> {
    list::router()
}

/// Who did it: a signed-in person, or an attempt naming an email.
#[derive(Clone, Debug, Default)]
pub struct Actor {
    pub user_id: Option<String>,
    pub email: Option<String>,
}

impl Actor {
    pub fn of(caller: &Caller) -> Actor {
        Actor {
            user_id: Some(caller.user_id.clone()),
            // A workflow has no address: its name says who it was.
            email: Some(if caller.acting.is_some() {
                caller.display_name.clone()
            } else {
                caller.email.clone()
            }),
        }
    }
}

pub struct Entry<'a> {
    pub actor: Actor,
    /// What happened, e.g. `auth.sign_in`, `user.disabled`, `access.denied`.
    pub action: &'a str,
    /// What it happened to, e.g. `user:{id}`.
    pub target: Option<String>,
    pub client_addr: Option<&'a str>,
    pub details: serde_json::Value,
}

impl<'a> Entry<'a> {
    /// What `caller` did to `target`, from the address they did it from.
    pub fn by(
        caller: &'a Caller,
        action: &'a str,
        target: String,
        details: serde_json::Value,
    ) -> Entry<'a> {
        Entry {
            actor: Actor::of(caller),
            action,
            target: Some(target),
            client_addr: Some(&caller.client_addr),
            details,
        }
    }
}

/// The applicant, and the case, whose data an entry is about: an entry
/// about a case names its applicant too, and one about a file names the
/// applicant or case it belongs to. Filtering by an applicant finds what
/// was done to their cases and files as well.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct About {
    pub applicant_id: Option<String>,
    pub case_id: Option<String>,
}

impl About {
    pub fn applicant(id: &str) -> About {
        About {
            applicant_id: Some(id.to_string()),
            case_id: None,
        }
    }

    pub fn case(applicant_id: Option<&str>, id: &str) -> About {
        About {
            applicant_id: applicant_id.map(str::to_string),
            case_id: Some(id.to_string()),
        }
    }
}

/// Writes an entry about nobody's record.
pub async fn record<'e, E>(db: E, practice: &Practice, at_ms: i64, entry: Entry<'_>) -> Result<()>
where
    E: Executor<'e, Database = Any>,
{
    record_about(db, practice, at_ms, entry, &About::default()).await
}

/// Writes an entry about an applicant's or a case's data.
pub async fn record_about<'e, E>(
    db: E,
    practice: &Practice,
    at_ms: i64,
    entry: Entry<'_>,
    about: &About,
) -> Result<()>
where
    E: Executor<'e, Database = Any>,
{
    sqlx::query(
        "INSERT INTO audit_log (practice_id, at, actor_user_id, actor_email, action, target, \
         client_addr, details, applicant_id, case_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(practice.id())
    .bind(at_ms)
    .bind(entry.actor.user_id)
    .bind(entry.actor.email)
    .bind(entry.action)
    .bind(entry.target)
    .bind(entry.client_addr)
    .bind(entry.details.to_string())
    .bind(about.applicant_id.as_deref())
    .bind(about.case_id.as_deref())
    .execute(db)
    .await?;
    Ok(())
}
