//! Whether a practice requires everyone to sign in with a second factor
//! (Settings → Security). Kept by holders of `practice.manage`; changes are
//! audited as `practice.security_changed`.

use serde::{Deserialize, Serialize};
use sqlx::{Any, Executor};
use utoipa::ToSchema;

use crate::access::Caller;
use crate::audit;
use crate::error::{AppError, Result};
use crate::practices::Practice;
use crate::state::AppState;

/// The practice's sign-in rules.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Security {
    /// Everyone must sign in with a second factor; someone without one
    /// reaches only the page that sets it up.
    pub require_second_factor: bool,
    pub version: i64,
}

#[derive(Clone, Debug, Deserialize, ToSchema)]
pub struct SecurityChange {
    pub require_second_factor: bool,
    /// The version being changed.
    pub version: i64,
}

pub async fn read<'e, E>(db: E, practice: &Practice) -> Result<Security>
where
    E: Executor<'e, Database = Any>,
{
    let row: Option<(i64, i64)> = sqlx::query_as(
        "SELECT require_second_factor, version FROM practice_security WHERE practice_id = $1",
    )
    .bind(practice.id())
    .fetch_optional(db)
    .await?;
    let (required, version) = row.unwrap_or((0, 0));
    Ok(Security {
        require_second_factor: required != 0,
        version,
    })
}

pub async fn required<'e, E>(db: E, practice: &Practice) -> Result<bool>
where
    E: Executor<'e, Database = Any>,
{
    Ok(read(db, practice).await?.require_second_factor)
}

/// Changes the rules at `change.version` (409 when someone changed them since).
pub async fn change(state: &AppState, caller: &Caller, change: SecurityChange) -> Result<Security> {
    caller.require(crate::practices::settings::MANAGE)?;
    let practice = &caller.practice;
    let now = state.now_ms();
    let mut tx = state.db.begin().await?;
    let current = read(&mut *tx, practice).await?;
    if current.version != change.version {
        return Err(AppError::Conflict {
            message: format!(
                "the sign-in rules were changed by someone else (now at version {})",
                current.version
            ),
            current: serde_json::to_value(&current).ok(),
        });
    }
    // Whoever requires it has it: else the next page would lock them into
    // setting it up with the change unsaved in their mind.
    if change.require_second_factor
        && !current.require_second_factor
        && !super::enabled(&mut *tx, practice, &caller.user_id).await?
    {
        return Err(AppError::field(
            "require_second_factor",
            "turn on your own two-factor sign-in first (My Profile → Two-factor sign-in)",
        ));
    }
    let version = current.version + 1;
    sqlx::query(
        "INSERT INTO practice_security (practice_id, require_second_factor, version, updated_at) \
         VALUES ($1, $2, $3, $4) ON CONFLICT (practice_id) DO UPDATE SET \
         require_second_factor = excluded.require_second_factor, version = excluded.version, \
         updated_at = excluded.updated_at",
    )
    .bind(practice.id())
    .bind(i64::from(change.require_second_factor))
    .bind(version)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    if current.require_second_factor != change.require_second_factor {
        let entry = audit::Entry::by(
            caller,
            "practice.security_changed",
            format!("practice:{}", practice.slug()),
            serde_json::json!({
                "require_second_factor": {
                    "before": current.require_second_factor,
                    "after": change.require_second_factor,
                }
            }),
        );
        audit::record(&mut *tx, practice, now, entry).await?;
    }
    tx.commit().await?;
    Ok(Security {
        require_second_factor: change.require_second_factor,
        version,
    })
}
