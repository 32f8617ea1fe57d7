//! The trash. Deleting an applicant, a case or a file marks it (and, for an
//! applicant, its cases; for an applicant or a case, their files) with one
//! deletion id and lists it in `trash`;
//! administrators list and restore within the retention period
//! (`Config::trash_retention`, 30 days by default); housekeeping purges what
//! is older for good.

use serde::Serialize;
use serde_json::json;
use sqlx::Row;
use utoipa::ToSchema;

mod routes;

pub use routes::router;

use crate::access::Caller;
use crate::audit::{self, About};
use crate::clock::rfc3339;
use crate::db::{Tx, new_id};
use crate::error::{AppError, Result};
use crate::practices::Practice;
use crate::records::{announce, applicant_store, audited, case_store, timeline};
use crate::state::AppState;

fn retention_ms(state: &AppState) -> i64 {
    i64::try_from(state.config.trash_retention.as_millis()).unwrap_or(i64::MAX / 2)
}

/// Marks rows of `table` deleted under `deletion`, and queues them for search.
async fn mark(
    tx: &mut Tx,
    caller: &Caller,
    kind: &str,
    ids: &[String],
    deletion: &str,
    now: i64,
) -> Result<()> {
    let table = table_of(kind);
    for id in ids {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "UPDATE {table} SET deleted_at = $3, deletion_id = $4, version = version + 1 \
             WHERE practice_id = $1 AND id = $2 AND deleted_at IS NULL"
        )))
        .bind(caller.practice.id())
        .bind(id)
        .bind(now)
        .bind(deletion)
        .execute(&mut **tx)
        .await?;
        if kind != "file" {
            timeline::record(tx, caller, kind, id, "deleted", &[], now).await?;
        }
        crate::change::reindex(tx, &caller.practice, kind, id, now).await?;
    }
    Ok(())
}

fn table_of(kind: &str) -> &'static str {
    match kind {
        "applicant" => "applicants",
        "case" => "cases",
        _ => "files",
    }
}

/// Marks the files of owners deleted with them; returns how many.
async fn mark_files_of(
    tx: &mut Tx,
    caller: &Caller,
    owner_kind: &str,
    owners: &[String],
    deletion: &str,
    now: i64,
) -> Result<usize> {
    let ids = crate::files::store::ids_of_owners(tx, &caller.practice, owner_kind, owners).await?;
    mark(tx, caller, "file", &ids, deletion, now).await?;
    Ok(ids.len())
}

async fn list_in_trash(
    tx: &mut Tx,
    caller: &Caller,
    deletion: &str,
    kind: &str,
    id: &str,
    label: &str,
    now: i64,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO trash (practice_id, deletion_id, kind, record_id, label, deleted_at, deleted_by) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(caller.practice.id())
    .bind(deletion)
    .bind(kind)
    .bind(id)
    .bind(label)
    .bind(now)
    .bind(&caller.user_id)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

fn stale(kind: &str, version: i64) -> AppError {
    AppError::conflict(format!(
        "this {kind} was changed by someone else (now at version {version}); review it before deleting"
    ))
}

/// Moves an applicant and their cases to the trash.
pub async fn delete_applicant(
    state: &AppState,
    caller: &Caller,
    id: &str,
    version: Option<i64>,
) -> Result<()> {
    caller.require("applicants.write")?;
    let now = state.now_ms();
    let mut tx = state.db.begin().await?;
    let applicant = applicant_store::find(&mut *tx, &caller.practice, id)
        .await?
        .ok_or(AppError::NotFound("applicant"))?;
    if version.is_some_and(|v| v != applicant.version) {
        return Err(stale("applicant", applicant.version));
    }
    let rows = sqlx::query(
        "SELECT id, folio FROM cases WHERE practice_id = $1 AND applicant_id = $2 AND deleted_at IS NULL \
         ORDER BY folio_number",
    )
    .bind(caller.practice.id())
    .bind(id)
    .fetch_all(&mut *tx)
    .await?;
    let mut cases = Vec::with_capacity(rows.len());
    let mut folios = Vec::with_capacity(rows.len());
    for row in &rows {
        cases.push(row.try_get::<String, _>("id")?);
        folios.push(row.try_get::<String, _>("folio")?);
    }
    let deletion = new_id();
    mark(
        &mut tx,
        caller,
        "applicant",
        &[id.to_string()],
        &deletion,
        now,
    )
    .await?;
    mark(&mut tx, caller, "case", &cases, &deletion, now).await?;
    let own_files = mark_files_of(
        &mut tx,
        caller,
        "applicant",
        &[id.to_string()],
        &deletion,
        now,
    )
    .await?;
    let case_files = mark_files_of(&mut tx, caller, "case", &cases, &deletion, now).await?;
    let label = audited::applicant_label(&applicant);
    list_in_trash(&mut tx, caller, &deletion, "applicant", id, &label, now).await?;
    let with = json!({ "cases": folios, "files": own_files + case_files });
    audited::applicant(&mut tx, caller, "applicant.deleted", &applicant, with, now).await?;
    announce(
        state,
        &mut tx,
        caller,
        "applicant.deleted",
        json!({ "id": id }),
        now,
    )
    .await?;
    crate::change::commit(state, tx).await?;
    Ok(())
}

/// Moves a case to the trash.
pub async fn delete_case(
    state: &AppState,
    caller: &Caller,
    id: &str,
    version: Option<i64>,
) -> Result<()> {
    caller.require("cases.write")?;
    let now = state.now_ms();
    let mut tx = state.db.begin().await?;
    let case = case_store::find(&mut *tx, &caller.practice, id)
        .await?
        .ok_or(AppError::NotFound("case"))?;
    if version.is_some_and(|v| v != case.version) {
        return Err(stale("case", case.version));
    }
    let deletion = new_id();
    mark(&mut tx, caller, "case", &[id.to_string()], &deletion, now).await?;
    let files = mark_files_of(&mut tx, caller, "case", &[id.to_string()], &deletion, now).await?;
    list_in_trash(&mut tx, caller, &deletion, "case", id, &case.folio, now).await?;
    let with = json!({ "files": files });
    audited::case(&mut tx, caller, "case.deleted", &case, with, now).await?;
    announce(
        state,
        &mut tx,
        caller,
        "case.deleted",
        json!({ "id": id }),
        now,
    )
    .await?;
    crate::change::commit(state, tx).await?;
    Ok(())
}

/// Moves a file to the trash.
pub async fn delete_file(
    state: &AppState,
    caller: &Caller,
    id: &str,
    version: Option<i64>,
) -> Result<()> {
    caller.require("files.write")?;
    let now = state.now_ms();
    let mut tx = state.db.begin().await?;
    let file = crate::files::store::find(&mut *tx, &caller.practice, id)
        .await?
        .ok_or(AppError::NotFound("file"))?;
    if version.is_some_and(|v| v != file.version) {
        return Err(stale("file", file.version));
    }
    let deletion = new_id();
    mark(&mut tx, caller, "file", &[id.to_string()], &deletion, now).await?;
    list_in_trash(&mut tx, caller, &deletion, "file", id, &file.name, now).await?;
    crate::files::audit(&mut tx, caller, "file.deleted", &file, json!({}), now).await?;
    let change = [("file".to_string(), json!(file.name), json!(null))];
    timeline::record(
        &mut tx,
        caller,
        &file.owner_kind,
        &file.owner_id,
        "file_deleted",
        &change,
        now,
    )
    .await?;
    let payload = json!({ "id": id, "owner": format!("{}:{}", file.owner_kind, file.owner_id) });
    announce(state, &mut tx, caller, "file.deleted", payload, now).await?;
    crate::change::commit(state, tx).await?;
    Ok(())
}

#[derive(Serialize, ToSchema)]
pub struct TrashItem {
    /// `applicant`, `case` or `file`.
    pub kind: String,
    pub id: String,
    /// The applicant's name, the case's folio or the file's name.
    pub label: String,
    pub deleted_at: String,
    pub deleted_by: Option<String>,
    /// After this it can no longer be restored.
    pub purge_at: String,
    /// Records deleted with it (an applicant's cases, their files), restored
    /// with it.
    pub with: i64,
}

/// What the practice's trash holds, newest first (needs `trash.manage`).
pub async fn list(state: &AppState, caller: &Caller) -> Result<Vec<TrashItem>> {
    caller.require("trash.manage")?;
    let cutoff = state.now_ms() - retention_ms(state);
    let rows = sqlx::query(
        "SELECT t.kind, t.record_id, t.label, t.deleted_at, t.deleted_by, \
         (SELECT COUNT(*) FROM cases c WHERE c.practice_id = t.practice_id AND c.deletion_id = t.deletion_id \
          AND c.id <> t.record_id) + \
         (SELECT COUNT(*) FROM files f WHERE f.practice_id = t.practice_id AND f.deletion_id = t.deletion_id \
          AND f.id <> t.record_id) AS with_count \
         FROM trash t WHERE t.practice_id = $1 AND t.deleted_at >= $2 ORDER BY t.deleted_at DESC LIMIT 500",
    )
    .bind(caller.practice.id())
    .bind(cutoff)
    .fetch_all(state.db.pool())
    .await?;
    let keep = retention_ms(state);
    rows.iter()
        .map(|r| -> Result<TrashItem> {
            let at: i64 = r.try_get("deleted_at")?;
            Ok(TrashItem {
                kind: r.try_get("kind")?,
                id: r.try_get("record_id")?,
                label: r.try_get("label")?,
                deleted_at: rfc3339(at),
                deleted_by: r.try_get("deleted_by")?,
                purge_at: rfc3339(at.saturating_add(keep)),
                with: r.try_get("with_count")?,
            })
        })
        .collect()
}

/// Restores what was deleted with `kind`/`id` (an applicant comes back with
/// the cases and files deleted with it, a case with its files). A case whose
/// applicant is in the trash waits for the applicant, a file for its owner.
pub async fn restore(state: &AppState, caller: &Caller, kind: &str, id: &str) -> Result<()> {
    caller.require("trash.manage")?;
    if !matches!(kind, "applicant" | "case" | "file") {
        return Err(AppError::field("kind", "applicant, case or file"));
    }
    let now = state.now_ms();
    let mut tx = state.db.begin().await?;
    let row = sqlx::query(
        "SELECT deletion_id, deleted_at FROM trash WHERE practice_id = $1 AND kind = $2 AND record_id = $3",
    )
    .bind(caller.practice.id())
    .bind(kind)
    .bind(id)
    .fetch_optional(&mut *tx)
    .await?
    .ok_or(AppError::NotFound("item in the trash"))?;
    if row.try_get::<i64, _>("deleted_at")? < now - retention_ms(state) {
        return Err(AppError::NotFound("item in the trash"));
    }
    let deletion: String = row.try_get("deletion_id")?;
    let mut restored = 0usize;
    if kind == "case" {
        let applicant_gone: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM cases c JOIN applicants a ON a.id = c.applicant_id AND a.practice_id = c.practice_id \
             WHERE c.practice_id = $1 AND c.id = $2 AND a.deleted_at IS NOT NULL",
        )
        .bind(caller.practice.id())
        .bind(id)
        .fetch_one(&mut *tx)
        .await?;
        if applicant_gone > 0 {
            return Err(AppError::conflict(
                "this case's applicant is in the trash: restore the applicant first",
            ));
        }
    }
    if kind == "file" {
        owner_of_file_present(&mut tx, caller, id).await?;
    }
    for (table, record) in [
        ("applicants", "applicant"),
        ("cases", "case"),
        ("files", "file"),
    ] {
        let ids: Vec<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
            "SELECT id FROM {table} WHERE practice_id = $1 AND deletion_id = $2"
        )))
        .bind(caller.practice.id())
        .bind(&deletion)
        .fetch_all(&mut *tx)
        .await?;
        restored += ids.len();
        for rid in &ids {
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "UPDATE {table} SET deleted_at = NULL, deletion_id = NULL, version = version + 1 \
                 WHERE practice_id = $1 AND id = $2"
            )))
            .bind(caller.practice.id())
            .bind(rid)
            .execute(&mut *tx)
            .await?;
            if record != "file" {
                timeline::record(&mut tx, caller, record, rid, "restored", &[], now).await?;
            }
            crate::change::reindex(&mut tx, &caller.practice, record, rid, now).await?;
        }
    }
    sqlx::query("DELETE FROM trash WHERE practice_id = $1 AND deletion_id = $2")
        .bind(caller.practice.id())
        .bind(&deletion)
        .execute(&mut *tx)
        .await?;
    let with = json!({ "with": restored.saturating_sub(1) });
    audit_restored(&mut tx, caller, kind, id, with, now).await?;
    announce(
        state,
        &mut tx,
        caller,
        &format!("{kind}.restored"),
        json!({ "id": id }),
        now,
    )
    .await?;
    crate::change::commit(state, tx).await?;
    Ok(())
}

/// Writes the audit entry of a restored applicant, case or file.
async fn audit_restored(
    tx: &mut Tx,
    caller: &Caller,
    kind: &str,
    id: &str,
    with: serde_json::Value,
    now: i64,
) -> Result<()> {
    let practice = &caller.practice;
    match kind {
        "applicant" => {
            if let Some(a) = applicant_store::find(&mut **tx, practice, id).await? {
                audited::applicant(tx, caller, "applicant.restored", &a, with, now).await?;
            }
        }
        "case" => {
            if let Some(c) = case_store::find(&mut **tx, practice, id).await? {
                audited::case(tx, caller, "case.restored", &c, with, now).await?;
            }
        }
        _ => {
            if let Some(f) = crate::files::store::find(&mut **tx, practice, id).await? {
                crate::files::audit(tx, caller, "file.restored", &f, with, now).await?;
            }
        }
    }
    Ok(())
}

/// A file comes back only to an owner that is not itself in the trash.
async fn owner_of_file_present(tx: &mut Tx, caller: &Caller, id: &str) -> Result<()> {
    let row =
        sqlx::query("SELECT owner_kind, owner_id FROM files WHERE practice_id = $1 AND id = $2")
            .bind(caller.practice.id())
            .bind(id)
            .fetch_optional(&mut **tx)
            .await?
            .ok_or(AppError::NotFound("item in the trash"))?;
    let (owner_kind, owner_id): (String, String) =
        (row.try_get("owner_kind")?, row.try_get("owner_id")?);
    let present = crate::records::find_owner(&mut **tx, &caller.practice, &owner_kind, &owner_id)
        .await?
        .is_some();
    if present {
        Ok(())
    } else {
        Err(AppError::conflict(format!(
            "this file's {owner_kind} is in the trash: restore the {owner_kind} first"
        )))
    }
}

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
        if let Some(found) = practices.get(&practice) {
            audit_purged(&mut tx, found, &deletion, state.now_ms()).await?;
        }
        let blobs = purge_files(&mut tx, &practice, &deletion).await?;
        for (table, kind) in [("cases", "case"), ("applicants", "applicant")] {
            let ids: Vec<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
                "SELECT id FROM {table} WHERE practice_id = $1 AND deletion_id = $2"
            )))
            .bind(&practice)
            .bind(&deletion)
            .fetch_all(&mut *tx)
            .await?;
            for id in &ids {
                let related = [
                    "DELETE FROM record_changes WHERE practice_id = $1 AND record_kind = $3 AND record_id = $2",
                    "DELETE FROM applicant_contacts WHERE practice_id = $1 AND applicant_id = $2 AND $3 = 'applicant'",
                    "DELETE FROM applicant_name_keys WHERE practice_id = $1 AND applicant_id = $2 AND $3 = 'applicant'",
                ];
                for sql in related {
                    sqlx::query(sql)
                        .bind(&practice)
                        .bind(id)
                        .bind(kind)
                        .execute(&mut *tx)
                        .await?;
                }
                sqlx::query(sqlx::AssertSqlSafe(format!(
                    "DELETE FROM {table} WHERE practice_id = $1 AND id = $2"
                )))
                .bind(&practice)
                .bind(id)
                .execute(&mut *tx)
                .await?;
            }
        }
        sqlx::query("DELETE FROM trash WHERE practice_id = $1 AND deletion_id = $2")
            .bind(&practice)
            .bind(&deletion)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        for key in blobs {
            // A blob left behind is unreachable; the file is gone either way.
            if let Err(e) = state.blobs.delete(&key).await {
                tracing::warn!(error = %e, key = %key, "removing a purged file's contents");
            }
        }
    }
    Ok(expired.len())
}

/// Writes the audit entry of a deletion purged for good (`applicant.purged`,
/// `case.purged`, `file.purged`), before its rows go: by nobody, naming the
/// record as the trash did.
async fn audit_purged(tx: &mut Tx, practice: &Practice, deletion: &str, now: i64) -> Result<()> {
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
            actor: audit::Actor::default(),
            action: &action,
            target: Some(format!("{kind}:{id}")),
            client_addr: None,
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
