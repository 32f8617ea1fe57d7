//! Renaming and moving files within their applicant's or case's folders
//! (what WebDAV clients do with `MOVE`: a rename in Explorer or Finder, a
//! file dragged into a sub-folder, a folder renamed with what it holds).
//! The contents stay where they are in the blob store; only the file's
//! folder and name change, in one transaction for the whole move, each file
//! on its owner's timeline, audited as `file.moved`, announced, and found
//! by its new name in search.

use serde_json::json;

use super::{naming, store};
use crate::access::Caller;
use crate::audit;
use crate::error::{AppError, Result};
use crate::records::timeline::{self, Actor};
use crate::records::{Owner, audited};
use crate::state::AppState;

/// Where one file goes: its new folder (`a/b`, `""` for the owner's own
/// folder) and name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Relocation {
    pub file_id: String,
    pub folder: String,
    pub name: String,
}

/// `folder/name`, or the name alone at the top.
pub fn path_of(folder: &str, name: &str) -> String {
    if folder.is_empty() {
        name.to_string()
    } else {
        format!("{folder}/{name}")
    }
}

/// Moves files of `owner` to new folders and names (needs `files.write`).
/// `folder` renames a folder made empty (`file_folders`) with its
/// sub-folders, `(from, to)`. A name already taken by another file in the
/// destination is refused (409) and nothing moves.
pub async fn relocate(
    state: &AppState,
    caller: &Caller,
    owner: &Owner,
    moves: &[Relocation],
    folder: Option<(&str, &str)>,
) -> Result<()> {
    caller.require("files.write")?;
    let practice = &caller.practice;
    let now = state.now_ms();
    let mut tx = state.db.begin().await?;
    let moving: Vec<&str> = moves.iter().map(|m| m.file_id.as_str()).collect();
    for m in moves {
        let name =
            naming::file_name(&m.name).map_err(|e| AppError::field("name", e.to_string()))?;
        let to_folder =
            naming::folder(&m.folder).map_err(|e| AppError::field("folder", e.to_string()))?;
        let file = store::find(&mut *tx, practice, &m.file_id)
            .await?
            .filter(|f| f.owner_kind == owner.kind && f.owner_id == owner.id)
            .ok_or(AppError::NotFound("file"))?;
        let taken: Vec<String> = sqlx::query_scalar(
            "SELECT id FROM files WHERE practice_id = $1 AND owner_kind = $2 AND owner_id = $3 \
             AND folder = $4 AND name = $5 AND deleted_at IS NULL",
        )
        .bind(practice.id())
        .bind(owner.kind)
        .bind(&owner.id)
        .bind(&to_folder)
        .bind(&name)
        .fetch_all(&mut *tx)
        .await?;
        if taken.iter().any(|id| !moving.contains(&id.as_str())) {
            return Err(AppError::conflict(format!(
                "{} already holds a file named {name}",
                if to_folder.is_empty() {
                    "this folder".to_string()
                } else {
                    to_folder.clone()
                }
            )));
        }
        let done = sqlx::query(
            "UPDATE files SET folder = $4, name = $5, version = version + 1 \
             WHERE practice_id = $1 AND id = $2 AND version = $3 AND deleted_at IS NULL",
        )
        .bind(practice.id())
        .bind(&file.id)
        .bind(file.version)
        .bind(&to_folder)
        .bind(&name)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if done == 0 {
            return Err(AppError::conflict(format!(
                "{} was changed meanwhile; try again",
                file.name
            )));
        }
        let (from, to) = (
            path_of(&file.folder, &file.name),
            path_of(&to_folder, &name),
        );
        let actor = Actor {
            user_id: Some(&caller.user_id),
            name: &caller.display_name,
        };
        let change = [("file".to_string(), json!(from), json!(to))];
        let (kind, id) = (owner.kind, owner.id.as_str());
        timeline::record_by(
            &mut tx,
            practice,
            actor,
            kind,
            id,
            "file_moved",
            &change,
            now,
        )
        .await?;
        let (about, (owner_kind, owner_label)) = audited::owner_of_file(owner);
        let details = json!({ "file": name, owner_kind: owner_label, "from": from, "to": to });
        let entry = audit::Entry::by(caller, "file.moved", format!("file:{}", file.id), details);
        audit::record_about(&mut *tx, practice, now, entry, &about).await?;
        crate::change::reindex(&mut tx, practice, "file", &file.id, now).await?;
        let payload = json!({
            "id": file.id, "owner": format!("{}:{}", owner.kind, owner.id),
            "folder": to_folder, "name": name, "from": from,
        });
        let payload = payload.to_string();
        crate::change::announce(
            state,
            &mut tx,
            practice,
            "file.moved",
            &payload,
            &crate::change::Cause::host(),
            now,
        )
        .await?;
    }
    if let Some((from, to)) = folder {
        let to = naming::folder(to).map_err(|e| AppError::field("folder", e.to_string()))?;
        let inside = format!("{from}/");
        let made: Vec<String> = sqlx::query_scalar(
            "SELECT path FROM file_folders WHERE practice_id = $1 AND owner_kind = $2 AND owner_id = $3",
        )
        .bind(practice.id())
        .bind(owner.kind)
        .bind(&owner.id)
        .fetch_all(&mut *tx)
        .await?;
        for path in made.iter().filter(|p| *p == from || p.starts_with(&inside)) {
            let renamed = format!("{to}{}", &path[from.len()..]);
            sqlx::query(
                "DELETE FROM file_folders WHERE practice_id = $1 AND owner_kind = $2 AND owner_id = $3 \
                 AND path = $4",
            )
            .bind(practice.id())
            .bind(owner.kind)
            .bind(&owner.id)
            .bind(path)
            .execute(&mut *tx)
            .await?;
            sqlx::query(
                "INSERT INTO file_folders (practice_id, owner_kind, owner_id, path, created_at) \
                 VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
            )
            .bind(practice.id())
            .bind(owner.kind)
            .bind(&owner.id)
            .bind(&renamed)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        }
    }
    crate::change::commit(state, tx).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_path_is_its_folder_and_name() {
        assert_eq!(path_of("", "a.pdf"), "a.pdf");
        assert_eq!(path_of("Identity/Old", "a.pdf"), "Identity/Old/a.pdf");
    }
}
