//! The audit log: append-only rows of what people did that a practice must
//! be able to account for. Nothing updates a row; administrators read it
//! newest first (`list`). Rows older than the server's audit retention (two
//! years unless `--audit-retention-days` says otherwise) are deleted by
//! housekeeping ([`trim`]), which records how many in the log itself.
//!
//! What one row holds is bounded ([`MAX_TARGET_CHARS`]), and what signed-out
//! clients can add is rationed per address ([`record_signed_out`]).
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

pub use crate::state::signed_out::{PER_WINDOW as SIGNED_OUT_ROWS_PER_WINDOW, SignedOutBudget};
pub use list::{AuditPage, AuditQuery, AuditRow, Filter, filter_text, list};

use crate::access::Caller;
use crate::error::Result;
use crate::practices::Practice;
use crate::state::AppState;

/// The most characters of a target (`GET /some/path`) or an actor's email a
/// row keeps; longer ones are cut, ending with `…`.
pub const MAX_TARGET_CHARS: usize = 300;

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
    .bind(entry.actor.email.map(|e| cut(e, MAX_TARGET_CHARS)))
    .bind(entry.action)
    .bind(entry.target.map(|t| cut(t, MAX_TARGET_CHARS)))
    .bind(entry.client_addr)
    .bind(entry.details.to_string())
    .bind(about.applicant_id.as_deref())
    .bind(about.case_id.as_deref())
    .execute(db)
    .await?;
    Ok(())
}

/// `text` cut to at most `max` characters, ending with `…` when it was cut.
fn cut(text: String, max: usize) -> String {
    if text.chars().count() <= max {
        return text;
    }
    let mut kept: String = text.chars().take(max - 1).collect();
    kept.push('…');
    kept
}

/// Writes an entry caused by someone not signed in (a refused request, a
/// throttled sign-in), within the address's ration ([`SignedOutBudget`]):
/// past it, the entry is only counted in the server's log.
pub async fn record_signed_out(
    state: &AppState,
    practice: &Practice,
    now_ms: i64,
    entry: Entry<'_>,
) -> Result<()> {
    let addr = entry.client_addr.unwrap_or("unknown");
    if state.signed_out_audit.take(practice.id(), addr, now_ms) {
        return record(state.db.pool(), practice, now_ms, entry).await;
    }
    tracing::warn!(
        practice = practice.slug(),
        client_addr = addr,
        action = entry.action,
        "not recorded in the audit log: this address has reached its signed-out ration"
    );
    Ok(())
}

/// Deletes every practice's entries older than the audit retention, then
/// records in each practice's log how many went and up to when. Returns
/// how many were deleted.
pub async fn trim(state: &AppState) -> Result<u64> {
    let retention_ms = i64::try_from(state.config.audit_retention.as_millis()).unwrap_or(i64::MAX);
    let now = state.now_ms();
    let before = now.saturating_sub(retention_ms);
    let pool = state.db.pool();
    let counts: Vec<(String, i64)> = sqlx::query_as(
        "SELECT practice_id, COUNT(*) FROM audit_log WHERE at < $1 GROUP BY practice_id",
    )
    .bind(before)
    .fetch_all(pool)
    .await?;
    let mut deleted = 0u64;
    for (practice_id, count) in counts {
        let Some(practice) = state.practice_by_id(&practice_id).await? else {
            continue;
        };
        let mut tx = state.db.begin().await?;
        let gone = sqlx::query("DELETE FROM audit_log WHERE practice_id = $1 AND at < $2")
            .bind(&practice_id)
            .bind(before)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        let entry = Entry {
            actor: Actor::default(),
            action: "audit.trimmed",
            target: None,
            client_addr: None,
            details: serde_json::json!({
                "deleted": gone,
                "before": crate::clock::rfc3339(before),
                "retention_days": retention_ms / 86_400_000,
            }),
        };
        record(&mut *tx, &practice, now, entry).await?;
        tx.commit().await?;
        tracing::info!(
            practice = practice.slug(),
            deleted = gone,
            counted = count,
            "trimmed the audit log"
        );
        deleted += gone;
    }
    Ok(deleted)
}
