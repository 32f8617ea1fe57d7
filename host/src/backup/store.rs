//! The blob half of a backup: every blob of the store copied into the
//! backup folder (with its size and SHA-256 listed), and copied back into
//! an empty store on restore, checked against that list.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{Context, bail};
use bytes::Bytes;
use futures_util::TryStreamExt;
use sha2::{Digest, Sha256};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::blobs::Blobs;

pub const BLOBS_DIR: &str = "blobs";
/// One line per blob: `sha256 size key`.
pub const BLOB_LIST: &str = "blobs.sha256";

/// A blob as the backup holds it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Copied {
    pub bytes: u64,
    pub sha256: String,
}

/// Copies every blob of `blobs` not in `copied` into `folder/blobs`, and
/// adds it to `copied`.
pub async fn copy_out(
    blobs: &Blobs,
    folder: &Path,
    copied: &mut BTreeMap<String, Copied>,
) -> anyhow::Result<()> {
    let keys = blobs.list("").await.context("listing the blob store")?;
    for (key, _) in keys {
        if copied.contains_key(&key) {
            continue;
        }
        let target = inside(folder, &key)?;
        if let Some(parent) = target.parent() {
            tokio::fs::create_dir_all(parent).await?;
        }
        let mut stream = match blobs.read(&key).await {
            Ok(stream) => stream,
            // Deleted since it was listed (a file purged from the trash).
            Err(object_store::Error::NotFound { .. }) => continue,
            Err(e) => return Err(e).with_context(|| format!("reading the blob {key}")),
        };
        let mut file = tokio::fs::File::create(&target)
            .await
            .with_context(|| format!("creating {}", target.display()))?;
        let mut hasher = Sha256::new();
        let mut bytes = 0u64;
        while let Some(chunk) = stream
            .try_next()
            .await
            .with_context(|| format!("reading the blob {key}"))?
        {
            hasher.update(&chunk);
            bytes += chunk.len() as u64;
            file.write_all(&chunk).await?;
        }
        file.sync_all().await?;
        copied.insert(
            key,
            Copied {
                bytes,
                sha256: hex(&hasher.finalize()),
            },
        );
    }
    Ok(())
}

/// The list file's text for `copied`.
pub fn list_text(copied: &BTreeMap<String, Copied>) -> String {
    copied
        .iter()
        .map(|(key, c)| format!("{} {} {key}\n", c.sha256, c.bytes))
        .collect()
}

/// Reads the list file of a backup.
pub fn read_list(text: &str) -> anyhow::Result<BTreeMap<String, Copied>> {
    let mut listed = BTreeMap::new();
    for (number, line) in text.lines().enumerate() {
        let mut parts = line.splitn(3, ' ');
        let (Some(sha256), Some(bytes), Some(key)) = (parts.next(), parts.next(), parts.next())
        else {
            bail!(
                "line {} of {BLOB_LIST} is not `sha256 size key`",
                number + 1
            );
        };
        let bytes = bytes
            .parse()
            .with_context(|| format!("line {} of {BLOB_LIST}: the size", number + 1))?;
        listed.insert(
            key.to_string(),
            Copied {
                bytes,
                sha256: sha256.to_string(),
            },
        );
    }
    Ok(listed)
}

/// Refuses unless the store holds no blob yet.
pub async fn check_empty(blobs: &Blobs) -> anyhow::Result<()> {
    let found = blobs.list("").await.context("listing the blob store")?;
    if let Some((key, _)) = found.first() {
        bail!(
            "the blob store ({}) already holds {} blob(s), {key} among them: restore goes into \
             an empty store",
            blobs.description,
            found.len()
        );
    }
    Ok(())
}

/// Reads every listed blob of the backup in `folder` and checks its size
/// and SHA-256, so that a damaged backup is refused before anything is
/// restored.
pub async fn verify(folder: &Path, listed: &BTreeMap<String, Copied>) -> anyhow::Result<()> {
    let mut buf = vec![0u8; 1024 * 1024];
    for (key, expected) in listed {
        let source = inside(folder, key)?;
        let mut file = tokio::fs::File::open(&source)
            .await
            .with_context(|| format!("the backup lacks the blob {key}"))?;
        let mut hasher = Sha256::new();
        let mut bytes = 0u64;
        loop {
            let n = file.read(&mut buf).await?;
            if n == 0 {
                break;
            }
            hasher.update(&buf[..n]);
            bytes += n as u64;
        }
        let found = Copied {
            bytes,
            sha256: hex(&hasher.finalize()),
        };
        damaged(key, &found, expected)?;
    }
    Ok(())
}

fn damaged(key: &str, found: &Copied, expected: &Copied) -> anyhow::Result<()> {
    if found != expected {
        bail!(
            "the blob {key} of the backup is damaged: {} bytes with SHA-256 {}, \
             where the backup lists {} bytes with {}",
            found.bytes,
            found.sha256,
            expected.bytes,
            expected.sha256
        );
    }
    Ok(())
}

/// Copies the listed blobs from `folder/blobs` into the store, checking
/// each against its size and SHA-256.
pub async fn copy_in(
    blobs: &Blobs,
    folder: &Path,
    listed: &BTreeMap<String, Copied>,
) -> anyhow::Result<()> {
    for (key, expected) in listed {
        let source = inside(folder, key)?;
        let mut file = tokio::fs::File::open(&source)
            .await
            .with_context(|| format!("the backup lacks the blob {key}"))?;
        let mut writer = blobs
            .writer(key)
            .await
            .with_context(|| format!("writing the blob {key}"))?;
        let mut buf = vec![0u8; 1024 * 1024];
        loop {
            let n = file.read(&mut buf).await?;
            if n == 0 {
                break;
            }
            if let Err(e) = writer.write(Bytes::copy_from_slice(&buf[..n])).await {
                writer.abort().await;
                return Err(e).with_context(|| format!("writing the blob {key}"));
            }
        }
        let bytes = writer.written();
        let sha256 = writer
            .finish()
            .await
            .with_context(|| format!("writing the blob {key}"))?;
        let found = Copied { bytes, sha256 };
        if let Err(e) = damaged(key, &found, expected) {
            // Changed since it was checked: nothing damaged stays.
            let _ = blobs.delete(key).await;
            return Err(e);
        }
    }
    Ok(())
}

/// Where the blob `key` lives in the backup folder; refuses a key that
/// would lead out of it (a hand-edited list).
fn inside(folder: &Path, key: &str) -> anyhow::Result<std::path::PathBuf> {
    let safe = !key.is_empty()
        && key
            .split('/')
            .all(|part| !part.is_empty() && part != "." && part != "..");
    if !safe {
        bail!("{key:?} is not a blob key");
    }
    Ok(folder.join(BLOBS_DIR).join(key))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Copies the folder `from` into `to` (which must not exist), files and
/// sub-folders alike.
pub fn copy_folder(from: &Path, to: &Path) -> anyhow::Result<u64> {
    std::fs::create_dir_all(to).with_context(|| format!("creating {}", to.display()))?;
    let mut files = 0;
    for entry in std::fs::read_dir(from).with_context(|| format!("reading {}", from.display()))? {
        let entry = entry?;
        let target = to.join(entry.file_name());
        let kind = entry.file_type()?;
        if kind.is_dir() {
            files += copy_folder(&entry.path(), &target)?;
        } else if kind.is_file() {
            std::fs::copy(entry.path(), &target)
                .with_context(|| format!("copying {}", entry.path().display()))?;
            files += 1;
        }
    }
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_list_reads_back_what_it_wrote() {
        let mut copied = BTreeMap::new();
        copied.insert(
            "practices/p/files/a b".to_string(),
            Copied {
                bytes: 3,
                sha256: "ab".into(),
            },
        );
        copied.insert(
            "practices/p/mail/m/1".to_string(),
            Copied {
                bytes: 0,
                sha256: "cd".into(),
            },
        );
        assert_eq!(read_list(&list_text(&copied)).unwrap(), copied);
        assert!(read_list("ab 3\n").is_err());
        assert!(read_list("ab three key\n").is_err());
    }

    #[test]
    fn a_key_cannot_lead_out_of_the_backup() {
        let folder = Path::new("/backup");
        assert_eq!(
            inside(folder, "practices/p/files/f").unwrap(),
            Path::new("/backup/blobs/practices/p/files/f")
        );
        for bad in ["", "../x", "a/../../x", "/etc/passwd", "a//b", "a/./b"] {
            assert!(inside(folder, bad).is_err(), "{bad}");
        }
    }
}
