//! The file tree WebDAV clients see, over the host's files: the person's
//! permissions decide what is listed and what may change, and every change
//! goes through the same functions as the pages' (quota, trash, search,
//! timeline, audit).

use std::collections::BTreeSet;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use dav_server::davpath::DavPath;
use dav_server::fs::{
    DavDirEntry, DavFile, DavMetaData, FsError, FsFuture, FsResult, FsStream, GuardedFileSystem,
    OpenOptions, ReadDirMeta,
};
use futures_util::stream;
use sqlx::Row;

use super::file::{BlobFile, NewFile};
use super::tree::{self, Place, Shelf};
use crate::access::Caller;
use crate::access::permissions::FieldAccess;
use crate::error::AppError;
use crate::files::relocate::{Relocation, relocate};
use crate::files::{self, naming, store};
use crate::records::Owner;
use crate::state::AppState;

/// The most applicants or cases one shelf lists.
const SHELF_MAX: i64 = 10_000;

#[derive(Clone)]
pub struct FileTree {
    pub state: AppState,
}

/// A file's or a folder's size, time and kind.
#[derive(Clone, Debug)]
pub struct Meta {
    pub folder: bool,
    pub len: u64,
    pub modified: SystemTime,
    pub etag: Option<String>,
}

impl Meta {
    /// A folder's: folders exist through their files, so they have no
    /// time of their own.
    fn folder() -> Meta {
        Meta {
            folder: true,
            len: 0,
            modified: SystemTime::now(),
            etag: None,
        }
    }

    pub fn of_file(f: &store::StoredFile) -> Meta {
        Meta {
            folder: false,
            len: u64::try_from(f.size).unwrap_or(0),
            modified: at(f.uploaded_at),
            etag: Some(f.sha256.clone()),
        }
    }
}

/// Milliseconds since the epoch as a time.
fn at(ms: i64) -> SystemTime {
    UNIX_EPOCH + Duration::from_millis(u64::try_from(ms).unwrap_or(0))
}

impl DavMetaData for Meta {
    fn len(&self) -> u64 {
        self.len
    }
    fn modified(&self) -> FsResult<SystemTime> {
        Ok(self.modified)
    }
    fn is_dir(&self) -> bool {
        self.folder
    }
    fn etag(&self) -> Option<String> {
        self.etag.clone()
    }
}

struct Entry {
    name: String,
    meta: Meta,
}

impl DavDirEntry for Entry {
    fn name(&self) -> Vec<u8> {
        self.name.clone().into_bytes()
    }
    fn metadata(&self) -> FsFuture<'_, Box<dyn DavMetaData>> {
        let meta: Box<dyn DavMetaData> = Box::new(self.meta.clone());
        Box::pin(async move { Ok(meta) })
    }
}

/// The refusal a client gets for a host error.
pub fn refusal(e: AppError) -> FsError {
    match e {
        AppError::NotFound(_) => FsError::NotFound,
        AppError::Forbidden { .. }
        | AppError::ForbiddenOther(_)
        | AppError::ReadOnlyField(_)
        | AppError::Invalid { .. } => FsError::Forbidden,
        AppError::QuotaExceeded(_) => FsError::InsufficientStorage,
        AppError::TooLarge(_) => FsError::TooLarge,
        AppError::Conflict { .. } => FsError::Exists,
        other => {
            tracing::error!(error = %other, "WebDAV request failed");
            FsError::GeneralFailure
        }
    }
}

/// An owner's folder, with what is in it.
pub struct Contents {
    pub owner: Owner,
    pub files: Vec<store::StoredFile>,
    pub folders: BTreeSet<String>,
}

impl Contents {
    /// The file at `below` (folder parts, then the name).
    pub fn file(&self, below: &[String]) -> Option<&store::StoredFile> {
        let (name, folder) = below.split_last()?;
        let folder = folder.join("/");
        self.files
            .iter()
            .find(|f| f.folder == folder && f.name == *name)
    }

    /// Whether `path` (`a/b`, `""` for the owner's folder) is a folder.
    pub fn has_folder(&self, path: &str) -> bool {
        path.is_empty() || self.folders.contains(path)
    }
}

impl FileTree {
    /// The owner a folder name of `shelf` names, if the caller may see it.
    async fn owner(&self, caller: &Caller, shelf: Shelf, folder: &str) -> FsResult<Owner> {
        let id = match shelf {
            Shelf::Applicants => tree::applicant_id(folder).to_string(),
            Shelf::Cases => {
                let number = crate::records::case::folio_number(folder).ok_or(FsError::NotFound)?;
                let pool = self.state.db.pool();
                let case =
                    crate::records::case_store::find_by_folio(pool, &caller.practice, number)
                        .await
                        .map_err(refusal)?;
                case.ok_or(FsError::NotFound)?.id
            }
        };
        files::visible_owner(&self.state, caller, shelf.owner_kind(), &id)
            .await
            .map_err(refusal)
    }

    /// An owner's folder and what it holds.
    pub async fn contents(
        &self,
        caller: &Caller,
        shelf: Shelf,
        folder: &str,
    ) -> FsResult<Contents> {
        let owner = self.owner(caller, shelf, folder).await?;
        let pool = self.state.db.pool();
        let files = store::list_owner(pool, &caller.practice, owner.kind, &owner.id)
            .await
            .map_err(refusal)?;
        let made: Vec<String> = sqlx::query_scalar(
            "SELECT path FROM file_folders WHERE practice_id = $1 AND owner_kind = $2 \
             AND owner_id = $3",
        )
        .bind(caller.practice.id())
        .bind(owner.kind)
        .bind(&owner.id)
        .fetch_all(pool)
        .await
        .map_err(|e| refusal(e.into()))?;
        let folders = tree::all_folders(
            files
                .iter()
                .map(|f| f.folder.as_str())
                .chain(made.iter().map(String::as_str)),
        );
        Ok(Contents {
            owner,
            files,
            folders,
        })
    }

    /// The folders of a shelf the caller may open, by name.
    async fn shelf_folders(&self, caller: &Caller, shelf: Shelf) -> FsResult<Vec<String>> {
        may_open(caller, shelf)?;
        let pool = self.state.db.pool();
        let practice = caller.practice.id();
        let names = match shelf {
            Shelf::Applicants => {
                let rows = sqlx::query(
                    "SELECT id, given_name, family_name FROM applicants WHERE practice_id = $1 \
                     AND deleted_at IS NULL ORDER BY family_name, given_name, id LIMIT $2",
                )
                .bind(practice)
                .bind(SHELF_MAX)
                .fetch_all(pool)
                .await
                .map_err(|e| refusal(e.into()))?;
                let shown = |field: &str| {
                    caller.field_rules.get(&format!("applicant.{field}"))
                        != Some(&FieldAccess::Hidden)
                };
                let (given, family) = (shown("given_name"), shown("family_name"));
                let mut names = Vec::with_capacity(rows.len());
                for r in &rows {
                    let id: String = r.try_get("id").map_err(|e| refusal(e.into()))?;
                    let g: String = r.try_get("given_name").map_err(|e| refusal(e.into()))?;
                    let f: String = r.try_get("family_name").map_err(|e| refusal(e.into()))?;
                    let name = format!(
                        "{} {}",
                        if given { g.as_str() } else { "" },
                        if family { f.as_str() } else { "" }
                    );
                    names.push(tree::applicant_folder(&name, &id));
                }
                names
            }
            Shelf::Cases => sqlx::query_scalar(
                "SELECT folio FROM cases WHERE practice_id = $1 AND deleted_at IS NULL \
                 ORDER BY folio_number LIMIT $2",
            )
            .bind(practice)
            .bind(SHELF_MAX)
            .fetch_all(pool)
            .await
            .map_err(|e| refusal(e.into()))?,
        };
        Ok(names)
    }

    fn place(path: &DavPath) -> FsResult<Place> {
        tree::place(path.as_bytes()).ok_or(FsError::NotFound)
    }

    /// For a path inside an applicant's or a case's folder: what the folder
    /// holds and the parts of the path below it. Anything above the owners'
    /// folders (the top, a shelf) holds no files and is refused.
    async fn inside_owner(
        &self,
        path: &DavPath,
        caller: &Caller,
    ) -> FsResult<(Contents, Vec<String>)> {
        let Place::Owner {
            shelf,
            folder,
            below,
        } = Self::place(path)?
        else {
            return Err(FsError::Forbidden);
        };
        Ok((self.contents(caller, shelf, &folder).await?, below))
    }
}

/// Whether the caller may open a shelf: read its records and their files.
fn may_open(caller: &Caller, shelf: Shelf) -> FsResult<()> {
    if caller.can("files.read") && caller.can(shelf.read_permission()) {
        Ok(())
    } else {
        Err(FsError::Forbidden)
    }
}

/// Whether the caller may change files.
fn may_write(caller: &Caller) -> FsResult<()> {
    if caller.can("files.write") {
        Ok(())
    } else {
        Err(FsError::Forbidden)
    }
}

fn folders(names: impl IntoIterator<Item = String>) -> FsStream<Box<dyn DavDirEntry>> {
    let entries: Vec<FsResult<Box<dyn DavDirEntry>>> = names
        .into_iter()
        .map(|name| {
            let entry: Box<dyn DavDirEntry> = Box::new(Entry {
                name,
                meta: Meta::folder(),
            });
            Ok(entry)
        })
        .collect();
    Box::pin(stream::iter(entries))
}

impl GuardedFileSystem<Caller> for FileTree {
    fn open<'a>(
        &'a self,
        path: &'a DavPath,
        options: OpenOptions,
        caller: &'a Caller,
    ) -> FsFuture<'a, Box<dyn DavFile>> {
        Box::pin(async move {
            let (contents, below) = self.inside_owner(path, caller).await?;
            let existing = contents.file(&below).cloned();
            if !options.write {
                let file = existing.ok_or(FsError::NotFound)?;
                let file = BlobFile::open(&self.state, caller, file).await?;
                return Ok(Box::new(file) as Box<dyn DavFile>);
            }
            may_write(caller)?;
            if options.append || !options.truncate && existing.is_some() {
                // Changing part of a file: files are written whole.
                return Err(FsError::NotImplemented);
            }
            if existing.is_some() && options.create_new {
                return Err(FsError::Exists);
            }
            let (name, parent) = below.split_last().ok_or(FsError::Forbidden)?;
            let parent = parent.join("/");
            if !contents.has_folder(&parent) {
                return Err(FsError::NotFound);
            }
            let name = naming::file_name(name).map_err(|_| FsError::Forbidden)?;
            if tree::is_client_clutter(&name) {
                return Err(FsError::Forbidden);
            }
            let target = (contents.owner, parent, name);
            let file = NewFile::start(&self.state, caller, target, existing, options.size).await?;
            Ok(Box::new(file) as Box<dyn DavFile>)
        })
    }

    fn read_dir<'a>(
        &'a self,
        path: &'a DavPath,
        _meta: ReadDirMeta,
        caller: &'a Caller,
    ) -> FsFuture<'a, FsStream<Box<dyn DavDirEntry>>> {
        Box::pin(async move {
            match Self::place(path)? {
                Place::Top => Ok(folders(
                    Shelf::ALL
                        .into_iter()
                        .filter(|s| may_open(caller, *s).is_ok())
                        .map(|s| s.name().to_string()),
                )),
                Place::Shelf(shelf) => Ok(folders(self.shelf_folders(caller, shelf).await?)),
                Place::Owner {
                    shelf,
                    folder,
                    below,
                } => {
                    let contents = self.contents(caller, shelf, &folder).await?;
                    let here = below.join("/");
                    if !contents.has_folder(&here) {
                        return Err(FsError::NotFound);
                    }
                    let mut entries: Vec<FsResult<Box<dyn DavDirEntry>>> = Vec::new();
                    for name in tree::child_folders(&contents.folders, &here) {
                        entries.push(Ok(Box::new(Entry {
                            name: name.to_string(),
                            meta: Meta::folder(),
                        })));
                    }
                    for f in contents.files.iter().filter(|f| f.folder == here) {
                        entries.push(Ok(Box::new(Entry {
                            name: f.name.clone(),
                            meta: Meta::of_file(f),
                        })));
                    }
                    Ok(Box::pin(stream::iter(entries)) as FsStream<Box<dyn DavDirEntry>>)
                }
            }
        })
    }

    fn metadata<'a>(
        &'a self,
        path: &'a DavPath,
        caller: &'a Caller,
    ) -> FsFuture<'a, Box<dyn DavMetaData>> {
        Box::pin(async move {
            let meta = match Self::place(path)? {
                Place::Top => Meta::folder(),
                Place::Shelf(shelf) => {
                    may_open(caller, shelf)?;
                    Meta::folder()
                }
                Place::Owner {
                    shelf,
                    folder,
                    below,
                } => {
                    let contents = self.contents(caller, shelf, &folder).await?;
                    match contents.file(&below) {
                        Some(file) => Meta::of_file(file),
                        None if contents.has_folder(&below.join("/")) => Meta::folder(),
                        None => return Err(FsError::NotFound),
                    }
                }
            };
            Ok(Box::new(meta) as Box<dyn DavMetaData>)
        })
    }

    fn create_dir<'a>(&'a self, path: &'a DavPath, caller: &'a Caller) -> FsFuture<'a, ()> {
        Box::pin(async move {
            let (contents, below) = self.inside_owner(path, caller).await?;
            may_write(caller)?;
            let Some((_, parent)) = below.split_last() else {
                return Err(FsError::Exists);
            };
            let wanted = naming::folder(&below.join("/")).map_err(|_| FsError::Forbidden)?;
            if contents.has_folder(&wanted) || contents.file(&below).is_some() {
                return Err(FsError::Exists);
            }
            if !contents.has_folder(&parent.join("/")) {
                return Err(FsError::NotFound);
            }
            sqlx::query(
                "INSERT INTO file_folders (practice_id, owner_kind, owner_id, path, created_at) \
                 VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
            )
            .bind(caller.practice.id())
            .bind(contents.owner.kind)
            .bind(&contents.owner.id)
            .bind(&wanted)
            .bind(self.state.now_ms())
            .execute(self.state.db.pool())
            .await
            .map_err(|e| refusal(e.into()))?;
            Ok(())
        })
    }

    fn remove_dir<'a>(&'a self, path: &'a DavPath, caller: &'a Caller) -> FsFuture<'a, ()> {
        Box::pin(async move {
            let (contents, below) = self.inside_owner(path, caller).await?;
            may_write(caller)?;
            let here = below.join("/");
            if here.is_empty() {
                // An applicant's or case's own folder goes with its record.
                return Err(FsError::Forbidden);
            }
            if !contents.has_folder(&here) {
                // Its last file went to the trash, and the folder with it.
                return Ok(());
            }
            let inside = format!("{here}/");
            if contents
                .files
                .iter()
                .any(|f| f.folder == here || f.folder.starts_with(&inside))
            {
                // The client deletes what is inside first; something is left.
                return Err(FsError::Forbidden);
            }
            let made: Vec<&String> = contents
                .folders
                .iter()
                .filter(|p| **p == here || p.starts_with(&inside))
                .collect();
            for path in made {
                sqlx::query(
                    "DELETE FROM file_folders WHERE practice_id = $1 AND owner_kind = $2 \
                     AND owner_id = $3 AND path = $4",
                )
                .bind(caller.practice.id())
                .bind(contents.owner.kind)
                .bind(&contents.owner.id)
                .bind(path)
                .execute(self.state.db.pool())
                .await
                .map_err(|e| refusal(e.into()))?;
            }
            Ok(())
        })
    }

    fn remove_file<'a>(&'a self, path: &'a DavPath, caller: &'a Caller) -> FsFuture<'a, ()> {
        Box::pin(async move {
            let (contents, below) = self.inside_owner(path, caller).await?;
            let file = contents.file(&below).ok_or(FsError::NotFound)?;
            may_write(caller)?;
            crate::trash::delete_file(&self.state, caller, &file.id, None)
                .await
                .map_err(refusal)
        })
    }

    fn rename<'a>(
        &'a self,
        from: &'a DavPath,
        to: &'a DavPath,
        caller: &'a Caller,
    ) -> FsFuture<'a, ()> {
        Box::pin(async move {
            let (contents, below) = self.inside_owner(from, caller).await?;
            let Place::Owner {
                shelf,
                folder,
                below: target,
            } = Self::place(to).map_err(|_| FsError::Forbidden)?
            else {
                return Err(FsError::Forbidden);
            };
            may_write(caller)?;
            // Files move within one applicant's or case's folders: another
            // owner's would be a different record's files.
            let there = self.owner(caller, shelf, &folder).await?;
            if there.kind != contents.owner.kind || there.id != contents.owner.id {
                return Err(FsError::Forbidden);
            }
            let Some((name, parent)) = target.split_last() else {
                return Err(FsError::Forbidden);
            };
            if !contents.has_folder(&parent.join("/")) {
                return Err(FsError::NotFound);
            }
            let moves = if let Some(file) = contents.file(&below) {
                if tree::is_client_clutter(name) {
                    return Err(FsError::Forbidden);
                }
                let to_folder = parent.join("/");
                vec![Relocation {
                    file_id: file.id.clone(),
                    folder: to_folder,
                    name: name.clone(),
                }]
            } else {
                let here = below.join("/");
                let wanted = target.join("/");
                let inside = format!("{here}/");
                if here.is_empty() || !contents.has_folder(&here) {
                    return Err(if here.is_empty() {
                        FsError::Forbidden
                    } else {
                        FsError::NotFound
                    });
                }
                if wanted.starts_with(&inside) {
                    // Into itself.
                    return Err(FsError::Forbidden);
                }
                let moves: Vec<Relocation> = contents
                    .files
                    .iter()
                    .filter(|f| f.folder == here || f.folder.starts_with(&inside))
                    .map(|f| Relocation {
                        file_id: f.id.clone(),
                        folder: format!("{wanted}{}", &f.folder[here.len()..]),
                        name: f.name.clone(),
                    })
                    .collect();
                let folder = Some((here.as_str(), wanted.as_str()));
                return relocate(&self.state, caller, &contents.owner, &moves, folder)
                    .await
                    .map_err(refusal);
            };
            relocate(&self.state, caller, &contents.owner, &moves, None)
                .await
                .map_err(refusal)
        })
    }

    fn get_quota<'a>(&'a self, caller: &'a Caller) -> FsFuture<'a, (u64, Option<u64>)> {
        Box::pin(async move {
            let used = store::used_bytes(self.state.db.pool(), caller.practice.id())
                .await
                .map_err(refusal)?;
            let quota = self.state.config.files.practice_quota_bytes;
            Ok((u64::try_from(used).unwrap_or(0), Some(quota)))
        })
    }
}
