//! A file opened over WebDAV: read from the blob store as a stream (from any
//! offset, for ranges), or written to it as the request body arrives and
//! recorded when the body ends, like an upload from a page.

use std::fmt;
use std::io::SeekFrom;
use std::sync::Mutex;
use std::time::SystemTime;

use bytes::{Buf, Bytes};
use dav_server::fs::{DavFile, DavMetaData, FsError, FsFuture, FsResult};
use futures_util::StreamExt;
use futures_util::stream::BoxStream;

use super::fs::{Meta, refusal};
use crate::access::Caller;
use crate::blobs::{self, BlobWriter};
use crate::db::new_id;
use crate::files::store::{self, StoredFile};
use crate::files::upload::{Received, Upload};
use crate::files::{self, naming};
use crate::records::Owner;
use crate::state::AppState;

type Chunks = BoxStream<'static, std::io::Result<Bytes>>;

/// A stored file being read.
pub struct BlobFile {
    state: AppState,
    file: StoredFile,
    /// Where the next read starts.
    pos: u64,
    /// Read from the store, not yet handed out (starts at `pos`).
    pending: Bytes,
    /// The store's stream from `pos + pending.len()`; opened on the first
    /// read after a seek. (Behind a lock only so that the file is `Sync`;
    /// it is reached through `&mut self`, never locked.)
    chunks: Mutex<Option<Chunks>>,
}

impl fmt::Debug for BlobFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BlobFile")
            .field("file", &self.file.id)
            .field("pos", &self.pos)
            .finish()
    }
}

impl BlobFile {
    /// Opens `file` for reading; reading it is audited as a download.
    pub async fn open(state: &AppState, caller: &Caller, file: StoredFile) -> FsResult<BlobFile> {
        let mut conn = state
            .db
            .pool()
            .acquire()
            .await
            .map_err(|e| refusal(e.into()))?;
        let how = serde_json::json!({ "via": "webdav" });
        files::audit(
            &mut conn,
            caller,
            "file.downloaded",
            &file,
            how,
            state.now_ms(),
        )
        .await
        .map_err(refusal)?;
        Ok(BlobFile {
            state: state.clone(),
            file,
            pos: 0,
            pending: Bytes::new(),
            chunks: Mutex::new(None),
        })
    }

    fn size(&self) -> u64 {
        u64::try_from(self.file.size).unwrap_or(0)
    }
}

impl DavFile for BlobFile {
    fn metadata(&mut self) -> FsFuture<'_, Box<dyn DavMetaData>> {
        let meta: Box<dyn DavMetaData> = Box::new(Meta::of_file(&self.file));
        Box::pin(async move { Ok(meta) })
    }

    fn write_buf(&mut self, _buf: Box<dyn Buf + Send>) -> FsFuture<'_, ()> {
        Box::pin(async { Err(FsError::Forbidden) })
    }

    fn write_bytes(&mut self, _buf: Bytes) -> FsFuture<'_, ()> {
        Box::pin(async { Err(FsError::Forbidden) })
    }

    fn read_bytes(&mut self, count: usize) -> FsFuture<'_, Bytes> {
        Box::pin(async move {
            loop {
                if !self.pending.is_empty() {
                    let n = count.min(self.pending.len());
                    self.pos += n as u64;
                    return Ok(self.pending.split_to(n));
                }
                if self.pos >= self.size() {
                    return Ok(Bytes::new());
                }
                let (key, from) = (self.file.blob_key.clone(), self.pos);
                let slot = self.chunks.get_mut().map_err(|_| FsError::GeneralFailure)?;
                if slot.is_none() {
                    let opened = self.state.blobs.read_from(&key, from).await;
                    *slot = Some(opened.map_err(|e| {
                        tracing::error!(error = %e, key = %key, "reading a file for WebDAV");
                        FsError::GeneralFailure
                    })?);
                }
                let Some(chunks) = slot.as_mut() else {
                    return Ok(Bytes::new());
                };
                match chunks.next().await {
                    Some(Ok(chunk)) => self.pending = chunk,
                    Some(Err(e)) => {
                        tracing::error!(error = %e, key = %key, "reading a file for WebDAV");
                        return Err(FsError::GeneralFailure);
                    }
                    None => return Ok(Bytes::new()),
                }
            }
        })
    }

    fn seek(&mut self, pos: SeekFrom) -> FsFuture<'_, u64> {
        Box::pin(async move {
            let size = self.size() as i128;
            let target = match pos {
                SeekFrom::Start(n) => i128::from(n),
                SeekFrom::Current(d) => i128::from(self.pos) + i128::from(d),
                SeekFrom::End(d) => size + i128::from(d),
            };
            let target = u64::try_from(target).map_err(|_| FsError::GeneralFailure)?;
            if target != self.pos {
                self.pos = target;
                self.pending = Bytes::new();
                *self.chunks.get_mut().map_err(|_| FsError::GeneralFailure)? = None;
            }
            Ok(target)
        })
    }

    fn flush(&mut self) -> FsFuture<'_, ()> {
        Box::pin(async { Ok(()) })
    }
}

/// A file being written: its contents go to the blob store as they arrive,
/// within the WebDAV size limit and the practice's quota; when the body has
/// ended (`flush`) the file is recorded like an upload from a page, and a
/// file it replaces goes to the trash.
pub struct NewFile {
    state: AppState,
    caller: Caller,
    owner: Owner,
    folder: String,
    name: String,
    id: String,
    key: String,
    /// `None` once finished or given up. (Behind a lock only so that the
    /// file is `Sync`; it is reached through `&mut self`, never locked.)
    writer: Mutex<Option<BlobWriter>>,
    /// The size the client announced, if it did.
    expected: Option<u64>,
    /// Bytes the practice stored when the write began.
    used: u64,
    replacing: Option<StoredFile>,
    written: Option<Meta>,
}

impl fmt::Debug for NewFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NewFile")
            .field("id", &self.id)
            .field("name", &self.name)
            .finish()
    }
}

impl NewFile {
    /// Starts writing `name` in `folder` of `owner`, refusing at once a file
    /// announced larger than the limit (413) or than the quota leaves (507).
    pub async fn start(
        state: &AppState,
        caller: &Caller,
        (owner, folder, name): (Owner, String, String),
        replacing: Option<StoredFile>,
        expected: Option<u64>,
    ) -> FsResult<NewFile> {
        let used = store::used_bytes(state.db.pool(), caller.practice.id())
            .await
            .map_err(refusal)?;
        let used = u64::try_from(used).unwrap_or(0);
        if let Some(size) = expected {
            check_fits(state, used, size)?;
        }
        let id = new_id();
        let key = blobs::key(caller.practice.id(), &id);
        let writer = state.blobs.writer(&key).await.map_err(|e| {
            tracing::error!(error = %e, key = %key, "starting a WebDAV upload");
            FsError::GeneralFailure
        })?;
        Ok(NewFile {
            state: state.clone(),
            caller: caller.clone(),
            owner,
            folder,
            name,
            id,
            key,
            writer: Mutex::new(Some(writer)),
            expected,
            used,
            replacing,
            written: None,
        })
    }

    fn writer(&mut self) -> FsResult<&mut Option<BlobWriter>> {
        self.writer.get_mut().map_err(|_| FsError::GeneralFailure)
    }

    /// Records the finished contents as a file of the owner.
    async fn record(&mut self, writer: BlobWriter) -> FsResult<()> {
        let size = writer.written();
        if self.expected.is_some_and(|n| n != size) {
            // The body ended before (or went past) what was announced.
            writer.abort().await;
            return Err(FsError::GeneralFailure);
        }
        let sha256 = writer.finish().await.map_err(|e| {
            tracing::error!(error = %e, key = %self.key, "finishing a WebDAV upload");
            FsError::GeneralFailure
        })?;
        let received = Received {
            id: self.id.clone(),
            name: self.name.clone(),
            content_type: naming::content_type(None, &self.name),
            size,
            sha256: sha256.clone(),
            blob_key: self.key.clone(),
        };
        let upload = Upload {
            folder: self.folder.clone(),
            files: vec![received],
        };
        files::commit(&self.state, &self.caller, &self.owner, upload)
            .await
            .map_err(refusal)?;
        if let Some(old) = self.replacing.take() {
            crate::trash::delete_file(&self.state, &self.caller, &old.id, None)
                .await
                .map_err(refusal)?;
        }
        self.written = Some(Meta {
            folder: false,
            len: size,
            modified: SystemTime::now(),
            etag: Some(sha256),
        });
        Ok(())
    }
}

/// Refuses `size` more bytes over the WebDAV limit (413) or the quota (507).
fn check_fits(state: &AppState, used: u64, size: u64) -> FsResult<()> {
    if size > state.config.files.max_dav_file_bytes {
        return Err(FsError::TooLarge);
    }
    if used.saturating_add(size) > state.config.files.practice_quota_bytes {
        return Err(FsError::InsufficientStorage);
    }
    Ok(())
}

impl DavFile for NewFile {
    fn metadata(&mut self) -> FsFuture<'_, Box<dyn DavMetaData>> {
        Box::pin(async move {
            let meta = match &self.written {
                Some(meta) => meta.clone(),
                None => Meta {
                    folder: false,
                    len: self.writer()?.as_ref().map_or(0, BlobWriter::written),
                    modified: SystemTime::now(),
                    etag: None,
                },
            };
            Ok(Box::new(meta) as Box<dyn DavMetaData>)
        })
    }

    fn write_buf(&mut self, mut buf: Box<dyn Buf + Send>) -> FsFuture<'_, ()> {
        let bytes = buf.copy_to_bytes(buf.remaining());
        self.write_bytes(bytes)
    }

    fn write_bytes(&mut self, buf: Bytes) -> FsFuture<'_, ()> {
        Box::pin(async move {
            let (state, used) = (self.state.clone(), self.used);
            let slot = self.writer()?;
            let Some(writer) = slot.as_mut() else {
                return Err(FsError::GeneralFailure);
            };
            let size = writer.written() + buf.len() as u64;
            if let Err(refused) = check_fits(&state, used, size) {
                if let Some(writer) = slot.take() {
                    writer.abort().await;
                }
                return Err(refused);
            }
            writer.write(buf).await.map_err(|e| {
                tracing::error!(error = %e, "writing a WebDAV upload");
                FsError::GeneralFailure
            })
        })
    }

    fn read_bytes(&mut self, _count: usize) -> FsFuture<'_, Bytes> {
        Box::pin(async { Err(FsError::Forbidden) })
    }

    fn seek(&mut self, pos: SeekFrom) -> FsFuture<'_, u64> {
        Box::pin(async move {
            match pos {
                // Only where a new file starts: files are written whole.
                SeekFrom::Start(0) => Ok(0),
                _ => Err(FsError::NotImplemented),
            }
        })
    }

    fn flush(&mut self) -> FsFuture<'_, ()> {
        Box::pin(async move {
            match self.writer()?.take() {
                Some(writer) => self.record(writer).await,
                None if self.written.is_some() => Ok(()),
                None => Err(FsError::GeneralFailure),
            }
        })
    }
}

impl Drop for NewFile {
    /// A write that never finished (the client went away, or a refusal)
    /// leaves nothing in the store.
    fn drop(&mut self) {
        let Ok(slot) = self.writer.get_mut() else {
            return;
        };
        if let Some(writer) = slot.take()
            && let Ok(runtime) = tokio::runtime::Handle::try_current()
        {
            runtime.spawn(writer.abort());
        }
    }
}
