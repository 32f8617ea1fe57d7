//! Files of applicants and cases.
//!
//! - `naming`: names, folders, content types and download headers;
//! - `store`: files and each practice's stored bytes in the database;
//! - `upload`: reading an upload into the blob store within the limits;
//! - `relocate`: renaming and moving files within their owner's folders;
//! - `sweep`: removing contents that no file names;
//! - `routes`: the API and the page form routes.
//!
//! An upload first streams every file to the blob store, then records them
//! in one transaction that also counts them against the practice's quota, so
//! two uploads at once cannot both pass it. A refused or failed upload
//! removes what it stored. A file is visible only once its row is committed;
//! a crash between the two leaves an unreferenced blob, never a file without
//! contents, and housekeeping removes such a blob after a day.

pub mod naming;
pub mod relocate;
pub mod routes;
pub mod store;
pub mod sweep;
pub mod upload;

use serde_json::{Value, json};

use crate::access::Caller;
use crate::audit::{self, About};
use crate::db::Tx;
use crate::error::{AppError, Result};
use crate::practices::Practice;
use crate::records::timeline::{self, Actor};
use crate::records::{Owner, audited};
use crate::state::AppState;
use store::{FileInfo, StoredFile};

pub use routes::router;

/// The read permission of an owner kind.
fn read_permission(owner_kind: &str) -> &'static str {
    if owner_kind == "case" {
        "cases.read"
    } else {
        "applicants.read"
    }
}

/// The owner `kind`/`id` if the caller may see it and its files.
pub async fn visible_owner(
    state: &AppState,
    caller: &Caller,
    kind: &str,
    id: &str,
) -> Result<Owner> {
    caller.require("files.read")?;
    caller.require(read_permission(kind))?;
    crate::records::find_owner(state.db.pool(), &caller.practice, kind, id)
        .await?
        .ok_or(AppError::NotFound(if kind == "case" {
            "case"
        } else {
            "applicant"
        }))
}

/// A file the caller may see (with its owner's read permission).
pub async fn visible_file(state: &AppState, caller: &Caller, id: &str) -> Result<StoredFile> {
    caller.require("files.read")?;
    let file = store::find(state.db.pool(), &caller.practice, id)
        .await?
        .ok_or(AppError::NotFound("file"))?;
    caller.require(read_permission(&file.owner_kind))?;
    Ok(file)
}

/// The files listed for an owner: an applicant's own, or a case's own
/// followed by its applicant's (marked `from: applicant`).
pub async fn listing(state: &AppState, caller: &Caller, owner: &Owner) -> Result<Vec<FileInfo>> {
    let db = state.db.pool();
    let own = store::list_owner(db, &caller.practice, owner.kind, &owner.id).await?;
    let Some(applicant_id) = &owner.applicant_id else {
        return Ok(own.iter().map(|f| f.info(None)).collect());
    };
    let mut items: Vec<FileInfo> = own.iter().map(|f| f.info(Some("case"))).collect();
    if caller.can("applicants.read") {
        let inherited = store::list_owner(db, &caller.practice, "applicant", applicant_id).await?;
        items.extend(inherited.iter().map(|f| f.info(Some("applicant"))));
    }
    Ok(items)
}

/// Records received files for `owner` in one transaction: counted against
/// the quota, searchable, on the owner's timeline, `file.uploaded` emitted.
/// On any failure the received contents are removed.
pub async fn commit(
    state: &AppState,
    caller: &Caller,
    owner: &Owner,
    upload: upload::Upload,
) -> Result<Vec<FileInfo>> {
    let actor = Actor {
        user_id: Some(&caller.user_id),
        name: &caller.display_name,
    };
    let recorded = async {
        let mut tx = state.db.begin().await?;
        let by = Some(caller);
        let files = record(
            state,
            &mut tx,
            &caller.practice,
            (actor, by),
            owner,
            &upload,
        )
        .await?;
        crate::change::commit(state, tx).await?;
        Ok::<_, AppError>(files)
    }
    .await;
    if recorded.is_err() {
        upload::discard(state, &upload.files).await;
    }
    Ok(recorded?.iter().map(|f| f.info(None)).collect())
}

/// Records received files for `owner` in `tx` (not committed): the owner is
/// checked again, the bytes counted against the quota, and each file made
/// searchable, put on the owner's timeline and in the audit log, and
/// announced as `file.uploaded`. `by` is the person uploading, if any (a
/// module may attach a file on its own).
pub async fn record(
    state: &AppState,
    tx: &mut Tx,
    practice: &Practice,
    (actor, by): (Actor<'_>, Option<&Caller>),
    owner: &Owner,
    upload: &upload::Upload,
) -> Result<Vec<StoredFile>> {
    let now = state.now_ms();
    crate::records::find_owner(&mut **tx, practice, owner.kind, &owner.id)
        .await?
        .ok_or(AppError::NotFound("owner of the files"))?;
    let mut files = Vec::with_capacity(upload.files.len());
    for r in &upload.files {
        let owner_ref = (owner.kind, owner.id.as_str());
        let file = stored_file(r, owner_ref, &upload.folder, actor.user_id, now);
        store::insert(tx, practice, &file).await?;
        crate::change::reindex(tx, practice, "file", &file.id, now).await?;
        let change = [("file".to_string(), json!(null), json!(file.name))];
        let (kind, id) = (owner.kind, &owner.id);
        timeline::record_by(tx, practice, actor, kind, id, "file_uploaded", &change, now).await?;
        let (about, (owner_kind, owner_label)) = audited::owner_of_file(owner);
        let mut details = json!({ "file": file.name, owner_kind: owner_label, "size": file.size,
                                  "folder": file.folder });
        if by.is_none() {
            details["by"] = json!(actor.name);
        }
        let entry = audit::Entry {
            actor: by.map(audit::Actor::of).unwrap_or_default(),
            action: "file.uploaded",
            target: Some(format!("file:{}", file.id)),
            client_addr: by.map(|c| c.client_addr.as_str()),
            details,
        };
        audit::record_about(&mut **tx, practice, now, entry, &about).await?;
        let payload = json!({
            "id": file.id,
            "owner": format!("{}:{}", owner.kind, owner.id),
            "folder": file.folder,
            "name": file.name,
            "content_type": file.content_type,
            "size": file.size,
        });
        let payload = payload.to_string();
        crate::change::announce(
            state,
            tx,
            practice,
            "file.uploaded",
            &payload,
            &crate::change::Cause::host(),
            now,
        )
        .await?;
        files.push(file);
    }
    // Counted last: the practice's storage row stays locked from here to
    // the commit, and every upload of the practice waits for it.
    let total: u64 = upload.files.iter().map(|f| f.size).sum();
    let name = upload.files.first().map(|f| f.name.as_str()).unwrap_or("");
    reserve(state, tx, practice, total, name).await?;
    Ok(files)
}

/// Writes the audit entry of `action` (`file.downloaded`, `file.deleted`,
/// `file.restored`) on `file` by `caller`: the file named, with the
/// applicant or case it belongs to, plus `extra` (an object).
pub async fn audit(
    conn: &mut sqlx::AnyConnection,
    caller: &Caller,
    action: &str,
    file: &StoredFile,
    extra: Value,
    now: i64,
) -> Result<()> {
    let practice = &caller.practice;
    let owner =
        crate::records::find_owner(&mut *conn, practice, &file.owner_kind, &file.owner_id).await?;
    let mut details = match extra {
        Value::Object(map) => map,
        _ => serde_json::Map::new(),
    };
    details.insert("file".into(), json!(file.name));
    let about = match &owner {
        Some(owner) => {
            let (about, (kind, label)) = audited::owner_of_file(owner);
            details.insert(kind.into(), json!(label));
            about
        }
        None if file.owner_kind == "case" => About::case(None, &file.owner_id),
        None if file.owner_kind == "applicant" => About::applicant(&file.owner_id),
        None => About::default(),
    };
    let target = format!("file:{}", file.id);
    let entry = audit::Entry::by(caller, action, target, Value::Object(details));
    audit::record_about(&mut *conn, practice, now, entry, &about).await
}

/// The row of a received file, owned by `(kind, id)` in `folder`.
fn stored_file(
    r: &upload::Received,
    (owner_kind, owner_id): (&str, &str),
    folder: &str,
    uploaded_by: Option<&str>,
    uploaded_at: i64,
) -> StoredFile {
    StoredFile {
        id: r.id.clone(),
        owner_kind: owner_kind.to_string(),
        owner_id: owner_id.to_string(),
        folder: folder.to_string(),
        name: r.name.clone(),
        content_type: r.content_type.clone(),
        size: i64::try_from(r.size).unwrap_or(i64::MAX),
        sha256: r.sha256.clone(),
        blob_key: r.blob_key.clone(),
        uploaded_by: uploaded_by.map(str::to_string),
        uploaded_at,
        version: 1,
    }
}

/// Counts `bytes` against the practice's quota in `tx`, or refuses them
/// (507, naming the file `name` and the quota) when they do not fit.
async fn reserve(
    state: &AppState,
    tx: &mut Tx,
    practice: &Practice,
    bytes: u64,
    name: &str,
) -> Result<()> {
    let quota = state.config.files.practice_quota_bytes;
    let fits = store::reserve(
        tx,
        practice.id(),
        i64::try_from(bytes).unwrap_or(i64::MAX),
        i64::try_from(quota).unwrap_or(i64::MAX),
    )
    .await?;
    if fits {
        return Ok(());
    }
    let used = store::used_bytes(&mut **tx, practice.id()).await?;
    Err(upload::quota_exceeded(
        name,
        u64::try_from(used).unwrap_or(0),
        quota,
    ))
}

/// Records a file a module keeps for itself (`owner_kind` `module:{id}`,
/// under the module's `key`) in `tx`: counted against the quota like any
/// other, but on no timeline, in no search and announced to nobody, since
/// only its module reaches it.
pub async fn record_own(
    state: &AppState,
    tx: &mut Tx,
    practice: &Practice,
    uploaded_by: Option<&str>,
    (owner_kind, key): (&str, &str),
    received: &upload::Received,
) -> Result<StoredFile> {
    reserve(state, tx, practice, received.size, &received.name).await?;
    let file = stored_file(received, (owner_kind, key), "", uploaded_by, state.now_ms());
    store::insert(tx, practice, &file).await?;
    Ok(file)
}
