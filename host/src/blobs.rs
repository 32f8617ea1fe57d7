//! The blob store that holds file contents: a folder under the data
//! directory by default, or an S3-compatible bucket (`--blob-store s3://…`,
//! configured by the usual `AWS_*` variables and `--blob-store-option`),
//! both through `object_store`.
//!
//! Contents are written in parts as they arrive (never held whole in memory)
//! and only appear under their key when the write completes: the local
//! store writes to a staging file and renames it, S3 completes a multipart
//! upload. An abandoned write leaves nothing under the key.

use std::sync::Arc;

use anyhow::Context;
use bytes::Bytes;
use futures_util::stream::BoxStream;
use futures_util::{StreamExt, TryStreamExt};
use object_store::path::Path;
use object_store::{ObjectStore, ObjectStoreExt, WriteMultipart};
use sha2::{Digest, Sha256};

/// Parts sent to the store at a time while writing one blob.
const PARALLEL_PARTS: usize = 2;
/// Size of a part (S3 needs at least 5 MiB for every part but the last).
const PART_BYTES: usize = 5 * 1024 * 1024;

pub struct Blobs {
    store: Arc<dyn ObjectStore>,
    /// For messages and logs: `local folder …` or the bucket URL.
    pub description: String,
}

impl Blobs {
    /// The store `url` names (`s3://bucket/prefix`), or a folder under the
    /// data directory when there is none.
    pub fn open(
        config: &crate::config::FilesConfig,
        data_dir: &std::path::Path,
    ) -> anyhow::Result<Blobs> {
        match config.blob_store.as_deref() {
            None => {
                let dir = data_dir.join("blobs");
                std::fs::create_dir_all(&dir)
                    .with_context(|| format!("creating the blob folder {}", dir.display()))?;
                let store = object_store::local::LocalFileSystem::new_with_prefix(&dir)?
                    .with_automatic_cleanup(true);
                Ok(Blobs {
                    store: Arc::new(store),
                    description: format!("local folder {}", dir.display()),
                })
            }
            Some(url) if url.starts_with("s3://") => {
                // reqwest's TLS needs a process-wide provider; another part
                // of the server may have installed it already.
                let _ = rustls::crypto::ring::default_provider().install_default();
                let mut builder = object_store::aws::AmazonS3Builder::from_env().with_url(url);
                for (key, value) in &config.blob_store_options {
                    let key: object_store::aws::AmazonS3ConfigKey =
                        key.parse().with_context(|| {
                            format!("{key:?} is not a setting of the S3 blob store")
                        })?;
                    builder = builder.with_config(key, value);
                }
                let store = builder
                    .build()
                    .with_context(|| format!("configuring the blob store {url}"))?;
                // The builder takes the bucket from the URL; a path after it
                // is a prefix for every key.
                let prefix = url
                    .trim_start_matches("s3://")
                    .split_once('/')
                    .map(|(_, p)| p.trim_matches('/'))
                    .unwrap_or_default();
                let store: Arc<dyn ObjectStore> = if prefix.is_empty() {
                    Arc::new(store)
                } else {
                    Arc::new(object_store::prefix::PrefixStore::new(store, prefix))
                };
                Ok(Blobs {
                    store,
                    description: url.to_string(),
                })
            }
            Some(other) => anyhow::bail!(
                "the blob store must be an s3:// URL (or left unset for a local folder), not {other:?}"
            ),
        }
    }

    /// Starts writing the blob `key`.
    pub async fn writer(&self, key: &str) -> object_store::Result<BlobWriter> {
        let upload = self.store.put_multipart(&Path::from(key)).await?;
        Ok(BlobWriter {
            inner: WriteMultipart::new_with_chunk_size(upload, PART_BYTES),
            hasher: Sha256::new(),
            written: 0,
        })
    }

    /// The blob's contents as a stream of chunks.
    pub async fn read(
        &self,
        key: &str,
    ) -> object_store::Result<BoxStream<'static, std::io::Result<Bytes>>> {
        let found = self.store.get(&Path::from(key)).await?;
        Ok(found.into_stream().map_err(std::io::Error::other).boxed())
    }

    /// The blob's contents from byte `offset` on, as a stream of chunks
    /// (for ranges asked by WebDAV clients).
    pub async fn read_from(
        &self,
        key: &str,
        offset: u64,
    ) -> object_store::Result<BoxStream<'static, std::io::Result<Bytes>>> {
        if offset == 0 {
            return self.read(key).await;
        }
        let options = object_store::GetOptions {
            range: Some(object_store::GetRange::Offset(offset)),
            ..Default::default()
        };
        let found = self.store.get_opts(&Path::from(key), options).await?;
        Ok(found.into_stream().map_err(std::io::Error::other).boxed())
    }

    /// The whole blob in memory (for module reads, which are bounded).
    pub async fn read_all(&self, key: &str) -> object_store::Result<Bytes> {
        self.store.get(&Path::from(key)).await?.bytes().await
    }

    /// The blobs whose keys start with `prefix` (a folder, ending in `/`),
    /// each with when it was last written (ms since the epoch).
    pub async fn list(&self, prefix: &str) -> object_store::Result<Vec<(String, i64)>> {
        let prefix = Path::from(prefix.trim_end_matches('/'));
        self.store
            .list(Some(&prefix))
            .map_ok(|meta| {
                (
                    meta.location.to_string(),
                    meta.last_modified.timestamp_millis(),
                )
            })
            .try_collect()
            .await
    }

    /// Deletes the blob; one that is already gone is not an error.
    pub async fn delete(&self, key: &str) -> object_store::Result<()> {
        match self.store.delete(&Path::from(key)).await {
            Err(object_store::Error::NotFound { .. }) => Ok(()),
            other => other,
        }
    }
}

/// A blob being written, with the SHA-256 and size of what was written.
pub struct BlobWriter {
    inner: WriteMultipart,
    hasher: Sha256,
    written: u64,
}

impl BlobWriter {
    pub async fn write(&mut self, chunk: Bytes) -> object_store::Result<()> {
        self.inner.wait_for_capacity(PARALLEL_PARTS).await?;
        self.hasher.update(&chunk);
        self.written += chunk.len() as u64;
        self.inner.put(chunk);
        Ok(())
    }

    pub fn written(&self) -> u64 {
        self.written
    }

    /// Completes the blob; returns its SHA-256 in hex.
    pub async fn finish(self) -> object_store::Result<String> {
        self.inner.finish().await?;
        let digest = self.hasher.finalize();
        Ok(digest.iter().map(|b| format!("{b:02x}")).collect())
    }

    /// Drops what was written; nothing appears under the key.
    pub async fn abort(self) {
        if let Err(e) = self.inner.abort().await {
            tracing::warn!(error = %e, "abandoning a blob upload");
        }
    }
}

/// Where a file's contents live in the store.
pub fn key(practice_id: &str, file_id: &str) -> String {
    format!("{}{file_id}", folder(practice_id))
}

/// The folder of a practice's file contents.
pub fn folder(practice_id: &str) -> String {
    format!("practices/{practice_id}/files/")
}
