//! The `files` import: a module lists, reads and attaches files of the
//! practice's applicants and cases (as typed records in 0.2; `contract_0_1`
//! gives 0.1 modules the same files as JSON). A call made for a person acts as that
//! person (`files.read` / `files.write` and read access to the owner's kind);
//! a call the host makes on its own (an event, a timer) acts with the
//! module's own rights, which the `files` capability grants.
//!
//! A module also keeps files of its own (`module:{key}`, such as a ticket's
//! attachments), stored with the owner kind `module:{id}`: only that module
//! lists and reads them, and it decides who may, as for its documents.
//!
//! An attached file is recorded in the call's transaction, so it exists only
//! if the call succeeds; its contents go to the blob store at once and are
//! removed again when the call fails (see `CallState::written_blobs`).

use crate::practices::settings::largest_file;
use bytes::Bytes;
use immcase_manifest::checks;

use super::bindings::Error;
use super::bindings::immcase::plugin::files;
use super::call::CallState;
use crate::blobs as blob;
use crate::files::upload::{Received, Upload};
use crate::files::{naming, store};
use crate::records::timeline::Actor;

type HostResult<T> = wasmtime::Result<Result<T, Error>>;

/// A file as a module sees it: a record's (`from` says, in a case's
/// listing, whether it is the case's or came from its applicant), or the
/// module's own under its key.
pub(super) struct Seen {
    pub file: store::StoredFile,
    pub from: Option<&'static str>,
    pub own_key: Option<String>,
}

/// The most a module reads in one call: its memory is bounded too.
const MAX_READ_BYTES: i64 = 16 * 1024 * 1024;

/// Whose files a call names.
#[derive(Clone, Copy)]
enum FileOwner<'a> {
    /// An applicant's (`applicant`) or a case's (`case`), by id.
    Record(&'a str, &'a str),
    /// The calling module's own, under its key.
    Own(&'a str),
}

/// Where an attached file goes: the record found, or the module's own key.
enum Target<'a> {
    Record(crate::records::Owner),
    Own(&'a str),
}

fn owner_ref(owner: &str) -> Result<FileOwner<'_>, Error> {
    Ok(match checks::file_owner(owner).map_err(Error::Invalid)? {
        checks::FileOwner::Applicant(id) => FileOwner::Record("applicant", id),
        checks::FileOwner::Case(id) => FileOwner::Record("case", id),
        checks::FileOwner::Module(key) => FileOwner::Own(key),
    })
}

impl CallState {
    /// Whether the person of the call holds `permission` (always so for the
    /// host's own calls).
    fn caller_may(&self, permission: &str) -> Result<(), Error> {
        match &self.caller {
            Some(c) if !c.can(permission) => Err(Error::Forbidden(format!(
                "the person this call is for lacks `{permission}`"
            ))),
            _ => Ok(()),
        }
    }

    fn may_touch_files_of(&self, kind: &str, write: bool) -> Result<(), Error> {
        self.caller_may(if write { "files.write" } else { "files.read" })?;
        self.caller_may(if kind == "case" {
            "cases.read"
        } else {
            "applicants.read"
        })
    }

    async fn find_owner(
        &mut self,
        kind: &str,
        id: &str,
    ) -> sqlx::Result<Option<crate::records::Owner>> {
        let practice = self.practice.clone();
        let found = match self.tx_if_started() {
            Some(tx) => crate::records::find_owner(&mut **tx, &practice, kind, id).await,
            None => crate::records::find_owner(self.app.db.pool(), &practice, kind, id).await,
        };
        found.map_err(into_sqlx)
    }
}

impl CallState {
    /// An owner's files, as the call's transaction sees them.
    async fn files_of(&mut self, kind: &str, id: &str) -> wasmtime::Result<Vec<store::StoredFile>> {
        let practice = self.practice.clone();
        let found = match self.tx_if_started() {
            Some(tx) => store::list_owner(&mut **tx, &practice, kind, id).await,
            None => store::list_owner(self.app.db.pool(), &practice, kind, id).await,
        };
        found.map_err(trap)
    }
}

/// Database failures trap the call; other failures here are not expected.
fn into_sqlx(e: crate::error::AppError) -> sqlx::Error {
    match e {
        crate::error::AppError::Database(e) => e,
        other => sqlx::Error::Protocol(other.to_string()),
    }
}

fn trap(e: crate::error::AppError) -> wasmtime::Error {
    wasmtime::Error::msg(e.to_string()).context("the files import")
}

impl CallState {
    /// The files of `owner` the call may see.
    pub(super) async fn list_files(&mut self, owner: &str) -> HostResult<Vec<Seen>> {
        let (kind, id) = match owner_ref(owner) {
            Ok(FileOwner::Record(kind, id)) => (kind, id),
            Ok(FileOwner::Own(key)) => {
                let own = self.files_of(&self.own_kind(), key).await?;
                let seen = own.into_iter().map(|file| Seen {
                    file,
                    from: None,
                    own_key: Some(key.to_owned()),
                });
                return Ok(Ok(seen.collect()));
            }
            Err(e) => return Ok(Err(e)),
        };
        if let Err(e) = self.may_touch_files_of(kind, false) {
            return Ok(Err(e));
        }
        let Some(found) = self.find_owner(kind, id).await? else {
            return Ok(Err(Error::NotFound(format!("no {kind} {id}"))));
        };
        let from = found.applicant_id.as_ref().map(|_| "case");
        let mut items: Vec<Seen> = Vec::new();
        let own = self.files_of(kind, id).await?;
        items.extend(own.into_iter().map(|file| Seen {
            file,
            from,
            own_key: None,
        }));
        if let Some(applicant) = &found.applicant_id
            && self.caller_may("applicants.read").is_ok()
        {
            let inherited = self.files_of("applicant", applicant).await?;
            items.extend(inherited.into_iter().map(|file| Seen {
                file,
                from: Some("applicant"),
                own_key: None,
            }));
        }
        Ok(Ok(items))
    }

    /// The contents of file `id`, if the call may read them.
    pub(super) async fn read_file(&mut self, id: String) -> HostResult<Vec<u8>> {
        let practice = self.practice.clone();
        let file = match self.tx_if_started() {
            Some(tx) => store::find_any(&mut **tx, &practice, &id).await,
            None => store::find_any(self.app.db.pool(), &practice, &id).await,
        }
        .map_err(trap)?;
        let own_kind = self.own_kind();
        let Some(file) =
            file.filter(|f| !f.owner_kind.starts_with("module:") || f.owner_kind == own_kind)
        else {
            return Ok(Err(Error::NotFound(format!("no file {id}"))));
        };
        if file.owner_kind != own_kind
            && let Err(e) = self.may_touch_files_of(&file.owner_kind, false)
        {
            return Ok(Err(e));
        }
        if file.size > MAX_READ_BYTES {
            return Ok(Err(Error::Invalid(format!(
                "{} is {}; a module reads at most {} in one call",
                file.name,
                naming::size_in_words(u64::try_from(file.size).unwrap_or(0)),
                naming::size_in_words(MAX_READ_BYTES as u64)
            ))));
        }
        let bytes = self.app.blobs.read_all(&file.blob_key).await?;
        Ok(Ok(bytes.to_vec()))
    }

    /// Stores `content` as a file of `owner` in the call's transaction.
    pub(super) async fn attach_file(
        &mut self,
        owner: String,
        name: String,
        content_type: String,
        content: Vec<u8>,
    ) -> HostResult<Seen> {
        let owner = match owner_ref(&owner) {
            Ok(o) => o,
            Err(e) => return Ok(Err(e)),
        };
        if let FileOwner::Record(kind, _) = owner
            && let Err(e) = self.may_touch_files_of(kind, true)
        {
            return Ok(Err(e));
        }
        let name = match naming::file_name(&name) {
            Ok(n) => n,
            Err(refused) => return Ok(Err(Error::Invalid(refused.to_string()))),
        };
        let server_max = self.app.config.files.max_file_bytes;
        let practice_id = self.practice.id().to_string();
        let largest = match self.tx_if_started() {
            Some(tx) => largest_file(&mut **tx, &practice_id, server_max).await,
            None => largest_file(self.app.db.pool(), &practice_id, server_max).await,
        }
        .map_err(into_sqlx)?;
        if content.len() as u64 > largest {
            let refused = crate::files::upload::too_large(&name, largest, largest < server_max);
            return Ok(Err(Error::Invalid(refused.to_string())));
        }
        let target = match owner {
            FileOwner::Record(kind, id) => match self.find_owner(kind, id).await? {
                Some(found) => Target::Record(found),
                None => return Ok(Err(Error::NotFound(format!("no {kind} {id}")))),
            },
            FileOwner::Own(key) => Target::Own(key),
        };
        let practice = self.practice.clone();
        let file_id = crate::db::new_id();
        let key = blob::key(practice.id(), &file_id);
        let size = content.len() as u64;
        // Storing the contents may take a while for a large file; if the
        // call already holds the write lock, that time is not counted
        // against it (the size limit bounds it).
        let storing = std::time::Instant::now();
        let mut writer = self.app.blobs.writer(&key).await?;
        self.written_blobs.push(key.clone());
        writer.write(Bytes::from(content)).await?;
        let sha256 = writer.finish().await?;
        self.limits.extend_lock(storing.elapsed());
        let upload = Upload {
            folder: String::new(),
            files: vec![Received {
                id: file_id,
                content_type: naming::content_type(Some(&content_type), &name),
                name,
                size,
                sha256,
                blob_key: key,
            }],
        };
        let (app, module) = (self.app.clone(), self.module.clone());
        let actor_name = match &self.caller {
            Some(c) => c.display_name.clone(),
            None => module.manifest.name.clone(),
        };
        let user_id = self.caller.as_ref().map(|c| c.user_id.clone());
        let caller = self.caller.clone();
        let actor = Actor {
            user_id: user_id.as_deref(),
            name: &actor_name,
        };
        let own_kind = self.own_kind();
        let tx = self.tx().await?;
        let recorded = match &target {
            Target::Record(found) => {
                let by = (actor, caller.as_ref());
                crate::files::record(&app, tx, &practice, by, found, &upload).await
            }
            Target::Own(key) => {
                let owner = (own_kind.as_str(), *key);
                let received = &upload.files[0];
                crate::files::record_own(&app, tx, &practice, actor.user_id, owner, received)
                    .await
                    .map(|file| vec![file])
            }
        };
        if let Target::Record(_) = target {
            // On the owner's timeline, in search, announced: workers to wake.
            self.wake_jobs = true;
            self.wake_search = true;
        }
        match recorded {
            Ok(mut files) if !files.is_empty() => Ok(Ok(Seen {
                file: files.swap_remove(0),
                from: None,
                own_key: match target {
                    Target::Own(key) => Some(key.to_owned()),
                    Target::Record(_) => None,
                },
            })),
            Ok(_) => {
                Err(wasmtime::Error::msg("the file was not recorded").context("the files import"))
            }
            Err(crate::error::AppError::QuotaExceeded(m)) => Ok(Err(Error::Invalid(m))),
            Err(crate::error::AppError::NotFound(what)) => Ok(Err(Error::NotFound(what.into()))),
            Err(e) => Err(trap(e)),
        }
    }
}

impl CallState {
    /// The owner kind of the module's own files.
    fn own_kind(&self) -> String {
        format!("module:{}", self.id())
    }
}

impl Seen {
    /// The file as JSON of the JSON API's shape (0.1): a module's own file
    /// is owned by `module:{key}` and has no download path.
    pub(super) fn json(&self) -> String {
        let mut info = self.file.info(self.from);
        if let Some(key) = &self.own_key {
            info.owner = format!("module:{key}");
            info.download = String::new();
        }
        serde_json::to_string(&info).unwrap_or_default()
    }

    /// The file as the typed record of 0.2.
    fn typed(self) -> files::FileInfo {
        let f = self.file;
        let (owner, download) = match self.own_key {
            Some(key) => (format!("module:{key}"), None),
            None => (
                format!("{}:{}", f.owner_kind, f.owner_id),
                Some(format!("/api/v1/files/{}", f.id)),
            ),
        };
        files::FileInfo {
            owner,
            download,
            id: f.id,
            folder: f.folder,
            name: f.name,
            content_type: f.content_type,
            size: u64::try_from(f.size).unwrap_or(0),
            sha256: f.sha256,
            uploaded_by: f.uploaded_by,
            uploaded_at: f.uploaded_at,
            version: u64::try_from(f.version).unwrap_or(0),
        }
    }
}

impl files::Host for CallState {
    async fn list(&mut self, owner: String) -> HostResult<Vec<files::FileInfo>> {
        let seen = self.list_files(&owner).await?;
        Ok(seen.map(|all| all.into_iter().map(Seen::typed).collect()))
    }

    async fn read(&mut self, id: String) -> HostResult<Vec<u8>> {
        self.read_file(id).await
    }

    async fn attach(
        &mut self,
        owner: String,
        name: String,
        content_type: String,
        content: Vec<u8>,
    ) -> HostResult<files::FileInfo> {
        let seen = self.attach_file(owner, name, content_type, content).await?;
        Ok(seen.map(Seen::typed))
    }
}
