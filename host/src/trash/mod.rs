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

mod purge;
mod routes;

pub use purge::{delete_now, purge_expired};
pub use routes::router;

use crate::access::Caller;

use crate::clock::rfc3339;
use crate::db::{Tx, new_id};
use crate::error::{AppError, Result};

use crate::records::{announce, applicant_store, audited, case_store, timeline};
use crate::state::AppState;

/// What the trash holds: the kinds of record a deletion is listed under.
const KINDS: [&str; 3] = ["applicant", "case", "file"];

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

/// Puts one record in the trash on its own (an applicant merged into
/// another, whose cases and files moved away first); returns the deletion's
/// id.
pub(crate) async fn put_in_trash(
    tx: &mut Tx,
    caller: &Caller,
    kind: &str,
    id: &str,
    label: &str,
    now: i64,
) -> Result<String> {
    let deletion = new_id();
    mark(tx, caller, kind, &[id.to_string()], &deletion, now).await?;
    list_in_trash(tx, caller, &deletion, kind, id, label, now).await?;
    Ok(deletion)
}

/// Moves an applicant and their cases to the trash.
pub async fn delete_applicant(
    state: &AppState,
    caller: &Caller,
    id: &str,
    version: Option<i64>,
) -> Result<()> {
    delete_applicant_because(state, caller, id, version, json!({})).await
}

/// [`delete_applicant`], with `why` (an object) added to the audit entry.
pub async fn delete_applicant_because(
    state: &AppState,
    caller: &Caller,
    id: &str,
    version: Option<i64>,
    why: serde_json::Value,
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
    let mut with = json!({ "cases": folios, "files": own_files + case_files });
    if let (Some(with), serde_json::Value::Object(why)) = (with.as_object_mut(), why) {
        with.extend(why);
    }
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
    /// The id of the person who deleted it.
    pub deleted_by: Option<String>,
    /// Their name (absent when they no longer exist).
    pub deleted_by_name: Option<String>,
    /// After this it can no longer be restored, and is deleted for good.
    pub purge_at: String,
    /// Records deleted with it (an applicant's cases, their files), restored
    /// with it: `cases` + `files`.
    pub with: i64,
    /// Of those, cases (an applicant's).
    pub cases: i64,
    /// Of those, files (an applicant's or their cases', a case's).
    pub files: i64,
    /// For an applicant merged into another: that applicant, and what
    /// restoring moves back to this one.
    pub merged_into: Option<MergedInto>,
    #[serde(skip)]
    pub deletion_id: String,
    #[serde(skip)]
    pub deleted_at_ms: i64,
    #[serde(skip)]
    pub purge_at_ms: i64,
}

/// The applicant one in the trash was merged into.
#[derive(Serialize, ToSchema)]
pub struct MergedInto {
    pub id: String,
    /// Their name.
    pub name: String,
    /// Cases and files the merge moved there; restoring moves back those
    /// still there.
    pub cases: usize,
    pub files: usize,
}

/// Fills in which items were merged into another applicant.
async fn with_merges(state: &AppState, caller: &Caller, items: &mut [TrashItem]) -> Result<()> {
    for item in items.iter_mut().filter(|i| i.kind == "applicant") {
        let pool = state.db.pool();
        let Some(done) =
            crate::records::merge::of_deletion(pool, caller, &item.deletion_id).await?
        else {
            continue;
        };
        let mut conn = pool.acquire().await?;
        let name = audited::applicant_name(&mut conn, &caller.practice, &done.kept_id).await?;
        item.merged_into = Some(MergedInto {
            id: done.kept_id,
            name: name.unwrap_or_default(),
            cases: done.cases.len(),
            files: done.files.len(),
        });
    }
    Ok(())
}

/// A page of the trash, and where the next one starts.
pub struct TrashPage {
    pub items: Vec<TrashItem>,
    pub next_cursor: Option<String>,
}

/// The most items a page of the trash may hold.
pub const MAX_PAGE: usize = 500;

/// What the practice's trash holds, newest first, `limit` items from
/// `cursor` (a previous page's `next_cursor`) on (needs `trash.manage`).
pub async fn list(
    state: &AppState,
    caller: &Caller,
    cursor: Option<&str>,
    limit: usize,
) -> Result<TrashPage> {
    caller.require("trash.manage")?;
    let limit = limit.clamp(1, MAX_PAGE);
    let (before_at, before_id) = match cursor.filter(|c| !c.is_empty()) {
        None => (i64::MAX, String::new()),
        Some(c) => c
            .split_once('.')
            .and_then(|(at, id)| Some((at.parse::<i64>().ok()?, id.to_string())))
            .ok_or_else(|| AppError::field("cursor", "not a cursor of this list"))?,
    };
    let cutoff = state.now_ms() - retention_ms(state);
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "{LISTED} AND (t.deleted_at < $3 OR (t.deleted_at = $3 AND t.record_id < $4)) \
         ORDER BY t.deleted_at DESC, t.record_id DESC LIMIT $5"
    )))
    .bind(caller.practice.id())
    .bind(cutoff)
    .bind(before_at)
    .bind(&before_id)
    .bind(i64::try_from(limit + 1).unwrap_or(i64::MAX))
    .fetch_all(state.db.pool())
    .await?;
    let keep = retention_ms(state);
    let mut items = rows
        .iter()
        .map(|r| item_of(r, keep))
        .collect::<Result<Vec<_>>>()?;
    with_merges(state, caller, &mut items).await?;
    let next_cursor = if items.len() > limit {
        items.truncate(limit);
        items
            .last()
            .map(|last| format!("{}.{}", last.deleted_at_ms, last.id))
    } else {
        None
    };
    Ok(TrashPage { items, next_cursor })
}

/// The trash's items as listed, with who deleted them and what went with
/// them (`$1` the practice, `$2` the oldest time still restorable).
const LISTED: &str = "SELECT t.kind, t.record_id, t.deletion_id, t.label, t.deleted_at, t.deleted_by, u.display_name, \
     (SELECT COUNT(*) FROM cases c WHERE c.practice_id = t.practice_id AND c.deletion_id = t.deletion_id \
      AND c.id <> t.record_id) AS cases_with, \
     (SELECT COUNT(*) FROM files f WHERE f.practice_id = t.practice_id AND f.deletion_id = t.deletion_id \
      AND f.id <> t.record_id) AS files_with \
     FROM trash t LEFT JOIN users u ON u.practice_id = t.practice_id AND u.id = t.deleted_by \
     WHERE t.practice_id = $1 AND t.deleted_at >= $2";

fn item_of(r: &sqlx::any::AnyRow, keep: i64) -> Result<TrashItem> {
    let at: i64 = r.try_get("deleted_at")?;
    let (cases, files): (i64, i64) = (r.try_get("cases_with")?, r.try_get("files_with")?);
    Ok(TrashItem {
        kind: r.try_get("kind")?,
        id: r.try_get("record_id")?,
        label: r.try_get("label")?,
        deleted_at: rfc3339(at),
        deleted_by: r.try_get("deleted_by")?,
        deleted_by_name: r.try_get("display_name")?,
        purge_at: rfc3339(at.saturating_add(keep)),
        with: cases + files,
        cases,
        files,
        merged_into: None,
        deletion_id: r.try_get("deletion_id")?,
        deleted_at_ms: at,
        purge_at_ms: at.saturating_add(keep),
    })
}

/// One item of the trash, still restorable (needs `trash.manage`).
pub async fn item(state: &AppState, caller: &Caller, kind: &str, id: &str) -> Result<TrashItem> {
    caller.require("trash.manage")?;
    let cutoff = state.now_ms() - retention_ms(state);
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "{LISTED} AND t.kind = $3 AND t.record_id = $4"
    )))
    .bind(caller.practice.id())
    .bind(cutoff)
    .bind(kind)
    .bind(id)
    .fetch_optional(state.db.pool())
    .await?
    .ok_or(AppError::NotFound("item in the trash"))?;
    let mut found = [item_of(&row, retention_ms(state))?];
    with_merges(state, caller, &mut found).await?;
    let [found] = found;
    Ok(found)
}

/// Restores what was deleted with `kind`/`id` (an applicant comes back with
/// the cases and files deleted with it, a case with its files). A case whose
/// applicant is in the trash waits for the applicant, a file for its owner.
pub async fn restore(state: &AppState, caller: &Caller, kind: &str, id: &str) -> Result<()> {
    caller.require("trash.manage")?;
    if !KINDS.contains(&kind) {
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
    // An applicant merged into another takes back what the merge moved.
    crate::records::merge::undo(state, &mut tx, caller, &deletion, now).await?;
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
