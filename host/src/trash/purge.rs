//! Deleting for good. Housekeeping purges what has been in the trash longer
//! than the retention period; a person holding `trash.manage` may purge a
//! deletion sooner ("Delete now"). Either way the same work is done: the
//! audit log names what goes (and who sent it, for a deletion now), then the
//! rows, their lookups and timeline, and the files' bytes go, and once that
//! is committed their contents are removed from the blob store.

use serde_json::json;
use sqlx::Row;

use super::{KINDS, retention_ms};
use crate::access::Caller;
use crate::audit::{self, About};
use crate::clock::rfc3339;
use crate::db::Tx;
use crate::error::{AppError, Result};
use crate::practices::Practice;
use crate::records::audited;
use crate::state::AppState;

/// Deletes for good what has been in the trash longer than the retention
/// period, in every practice, with its lookups and timeline. Returns how
/// many deletions were purged.
pub async fn purge_expired(state: &AppState) -> Result<usize> {
    let cutoff = state.now_ms() - retention_ms(state);
    let expired =
        sqlx::query("SELECT practice_id, deletion_id FROM trash WHERE deleted_at < $1 LIMIT 500")
            .bind(cutoff)
            .fetch_all(state.db.pool())
            .await?;
    let mut practices = std::collections::HashMap::new();
    for row in &expired {
        let (practice, deletion): (String, String) =
            (row.try_get("practice_id")?, row.try_get("deletion_id")?);
        let mut tx = state.db.begin().await?;
        if !practices.contains_key(&practice)
            && let Some(found) = crate::practices::find_by_id(&mut *tx, &practice).await?
        {
            practices.insert(practice.clone(), found);
        }
        let found = practices.get(&practice);
        let purging = Purging {
            practice_id: &practice,
            practice: found,
            by: None,
            now: state.now_ms(),
        };
        let blobs = purge_deletion(&mut tx, &purging, &deletion).await?;
        tx.commit().await?;
        remove_blobs(state, &blobs).await;
    }
    Ok(expired.len())
}

/// Deletes `kind`/`id` from the trash for good now, with everything deleted
/// with it, as housekeeping would once its time is up (needs
/// `trash.manage`). An applicant takes with it the cases and files of theirs
/// that were deleted on their own earlier, and a case its files deleted
/// earlier, so nothing is left in the trash that could only come back
/// without its owner. Returns the item's label.
pub async fn delete_now(state: &AppState, caller: &Caller, kind: &str, id: &str) -> Result<String> {
    caller.require("trash.manage")?;
    if !KINDS.contains(&kind) {
        return Err(AppError::field("kind", "applicant, case or file"));
    }
    let mut tx = state.db.begin().await?;
    let row = sqlx::query(
        "SELECT deletion_id, label FROM trash WHERE practice_id = $1 AND kind = $2 AND record_id = $3",
    )
    .bind(caller.practice.id())
    .bind(kind)
    .bind(id)
    .fetch_optional(&mut *tx)
    .await?
    .ok_or(AppError::NotFound("item in the trash"))?;
    let (deletion, label): (String, String) = (row.try_get("deletion_id")?, row.try_get("label")?);
    let mut deletions = earlier_deletions(&mut tx, caller, kind, id, &deletion).await?;
    deletions.push(deletion);
    let purging = Purging {
        practice_id: caller.practice.id(),
        practice: Some(&caller.practice),
        by: Some(caller),
        now: state.now_ms(),
    };
    let mut blobs = Vec::new();
    for deletion in &deletions {
        blobs.extend(purge_deletion(&mut tx, &purging, deletion).await?);
    }
    tx.commit().await?;
    remove_blobs(state, &blobs).await;
    Ok(label)
}

/// The other deletions in the trash of what belongs to `kind`/`id`: an
/// applicant's cases and files, a case's files, deleted before it on their own.
async fn earlier_deletions(
    tx: &mut Tx,
    caller: &Caller,
    kind: &str,
    id: &str,
    deletion: &str,
) -> Result<Vec<String>> {
    let belongs = match kind {
        "applicant" => {
            "(t.kind = 'case' AND t.record_id IN \
               (SELECT c.id FROM cases c WHERE c.practice_id = $1 AND c.applicant_id = $2)) \
             OR (t.kind = 'file' AND t.record_id IN (SELECT f.id FROM files f WHERE f.practice_id = $1 \
               AND ((f.owner_kind = 'applicant' AND f.owner_id = $2) OR (f.owner_kind = 'case' AND f.owner_id IN \
               (SELECT c.id FROM cases c WHERE c.practice_id = $1 AND c.applicant_id = $2)))))"
        }
        "case" => {
            "t.kind = 'file' AND t.record_id IN (SELECT f.id FROM files f WHERE f.practice_id = $1 \
             AND f.owner_kind = 'case' AND f.owner_id = $2)"
        }
        _ => return Ok(Vec::new()),
    };
    Ok(sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
        "SELECT DISTINCT t.deletion_id FROM trash t \
         WHERE t.practice_id = $1 AND t.deletion_id <> $3 AND ({belongs})"
    )))
    .bind(caller.practice.id())
    .bind(id)
    .bind(deletion)
    .fetch_all(&mut **tx)
    .await?)
}

/// Whose trash is purged, by whom (nobody, for housekeeping), and when.
struct Purging<'a> {
    practice_id: &'a str,
    /// The practice, to audit in; housekeeping may not find one.
    practice: Option<&'a Practice>,
    by: Option<&'a Caller>,
    now: i64,
}

/// Deletes one deletion's rows for good in `tx`, audited; returns the blob
/// keys to remove once that is committed.
async fn purge_deletion(tx: &mut Tx, purging: &Purging<'_>, deletion: &str) -> Result<Vec<String>> {
    let practice = purging.practice_id;
    if let Some(found) = purging.practice {
        audit_purged(tx, found, deletion, purging.by, purging.now).await?;
    }
    let blobs = purge_files(tx, practice, deletion).await?;
    for (table, kind) in [("cases", "case"), ("applicants", "applicant")] {
        let ids: Vec<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
            "SELECT id FROM {table} WHERE practice_id = $1 AND deletion_id = $2"
        )))
        .bind(practice)
        .bind(deletion)
        .fetch_all(&mut **tx)
        .await?;
        for id in &ids {
            let related = [
                "DELETE FROM record_changes WHERE practice_id = $1 AND record_kind = $3 AND record_id = $2",
                "DELETE FROM applicant_contacts WHERE practice_id = $1 AND applicant_id = $2 AND $3 = 'applicant'",
                "DELETE FROM applicant_name_keys WHERE practice_id = $1 AND applicant_id = $2 AND $3 = 'applicant'",
                // A merge into or of it can no longer be undone.
                "DELETE FROM applicant_merges WHERE practice_id = $1 AND (kept_id = $2 OR merged_id = $2) \
                 AND $3 = 'applicant'",
            ];
            for sql in related {
                sqlx::query(sql)
                    .bind(practice)
                    .bind(id)
                    .bind(kind)
                    .execute(&mut **tx)
                    .await?;
            }
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "DELETE FROM {table} WHERE practice_id = $1 AND id = $2"
            )))
            .bind(practice)
            .bind(id)
            .execute(&mut **tx)
            .await?;
        }
    }
    sqlx::query("DELETE FROM trash WHERE practice_id = $1 AND deletion_id = $2")
        .bind(practice)
        .bind(deletion)
        .execute(&mut **tx)
        .await?;
    Ok(blobs)
}

/// Removes the contents of purged files (after their rows are committed).
async fn remove_blobs(state: &AppState, keys: &[String]) {
    for key in keys {
        // A blob left behind is unreachable; the file is gone either way.
        if let Err(e) = state.blobs.delete(key).await {
            tracing::warn!(error = %e, key = %key, "removing a purged file's contents");
        }
    }
}

/// Writes the audit entry of a deletion purged for good (`applicant.purged`,
/// `case.purged`, `file.purged`), before its rows go: by the person who
/// deleted it now, or by nobody when housekeeping did, naming the record as
/// the trash did.
async fn audit_purged(
    tx: &mut Tx,
    practice: &Practice,
    deletion: &str,
    by: Option<&Caller>,
    now: i64,
) -> Result<()> {
    let listed = sqlx::query(
        "SELECT kind, record_id, label, deleted_at, deleted_by FROM trash \
         WHERE practice_id = $1 AND deletion_id = $2",
    )
    .bind(practice.id())
    .bind(deletion)
    .fetch_all(&mut **tx)
    .await?;
    for row in &listed {
        let (kind, id): (String, String) = (row.try_get("kind")?, row.try_get("record_id")?);
        let (about, owner) = purged_about(tx, practice, &kind, &id).await?;
        let mut details = json!({
            kind.as_str(): row.try_get::<String, _>("label")?,
            "deleted_at": rfc3339(row.try_get("deleted_at")?),
            "deleted_by": row.try_get::<Option<String>, _>("deleted_by")?,
        });
        if let Some((owner_kind, label)) = owner {
            details[owner_kind] = json!(label);
        }
        let action = format!("{kind}.purged");
        let entry = audit::Entry {
            actor: by.map(audit::Actor::of).unwrap_or_default(),
            action: &action,
            target: Some(format!("{kind}:{id}")),
            client_addr: by.map(|c| c.client_addr.as_str()),
            details,
        };
        audit::record_about(&mut **tx, practice, now, entry, &about).await?;
    }
    Ok(())
}

/// Whose data a record about to be purged is; for a file, also the name of
/// the applicant or the folio of the case it belongs to.
async fn purged_about(
    tx: &mut Tx,
    practice: &Practice,
    kind: &str,
    id: &str,
) -> Result<(About, Option<(&'static str, String)>)> {
    Ok(match kind {
        "applicant" => (About::applicant(id), None),
        "case" => {
            let applicant = applicant_of_case(tx, practice, id).await?;
            (About::case(applicant.as_deref(), id), None)
        }
        _ => {
            let owner = sqlx::query(
                "SELECT owner_kind, owner_id FROM files WHERE practice_id = $1 AND id = $2",
            )
            .bind(practice.id())
            .bind(id)
            .fetch_optional(&mut **tx)
            .await?;
            let Some(owner) = owner else {
                return Ok((About::default(), None));
            };
            let (owner_kind, owner_id): (String, String) =
                (owner.try_get("owner_kind")?, owner.try_get("owner_id")?);
            let named = audited::names(
                tx,
                practice,
                std::slice::from_ref(&owner_id),
                std::slice::from_ref(&owner_id),
            )
            .await?;
            match owner_kind.as_str() {
                "applicant" => {
                    let label = named.applicants.get(&owner_id).map(|n| n.label.clone());
                    (About::applicant(&owner_id), label.map(|l| ("applicant", l)))
                }
                "case" => {
                    let applicant = applicant_of_case(tx, practice, &owner_id).await?;
                    let label = named.cases.get(&owner_id).map(|n| n.label.clone());
                    let about = About::case(applicant.as_deref(), &owner_id);
                    (about, label.map(|l| ("case", l)))
                }
                _ => (About::default(), None),
            }
        }
    })
}

async fn applicant_of_case(tx: &mut Tx, practice: &Practice, case: &str) -> Result<Option<String>> {
    Ok(
        sqlx::query_scalar("SELECT applicant_id FROM cases WHERE practice_id = $1 AND id = $2")
            .bind(practice.id())
            .bind(case)
            .fetch_optional(&mut **tx)
            .await?,
    )
}

/// Deletes the file rows of a deletion and stops counting their bytes;
/// returns the blob keys to remove once that is committed.
async fn purge_files(tx: &mut Tx, practice: &str, deletion: &str) -> Result<Vec<String>> {
    let rows = sqlx::query(
        "SELECT id, blob_key, size FROM files WHERE practice_id = $1 AND deletion_id = $2",
    )
    .bind(practice)
    .bind(deletion)
    .fetch_all(&mut **tx)
    .await?;
    let mut keys = Vec::with_capacity(rows.len());
    let mut bytes = 0i64;
    for row in &rows {
        bytes += row.try_get::<i64, _>("size")?;
        keys.push(row.try_get::<String, _>("blob_key")?);
    }
    sqlx::query("DELETE FROM files WHERE practice_id = $1 AND deletion_id = $2")
        .bind(practice)
        .bind(deletion)
        .execute(&mut **tx)
        .await?;
    crate::files::store::release(tx, practice, bytes).await?;
    Ok(keys)
}
