//! Files in memory, as the `files` import serves them: applicants' and
//! cases' files seen as the caller (`files.read`/`files.write` and the
//! record's read permission), and the module's own under `module:{key}`,
//! which only it reaches.

use immcase_manifest::checks;
use sha2::{Digest, Sha256};

use super::world::{RecordKind, Shared, StoredFile};
use crate::files::FileInfo;
use crate::wit::immcase::plugin::files::FileInfo as WitFileInfo;
use crate::wit::immcase::plugin::types::Error;

/// At most this many bytes in a file name.
const MAX_NAME_BYTES: usize = 255;

/// Whose files a call names.
enum Owner<'a> {
    Record(RecordKind, &'a str),
    Own(&'a str),
}

fn owner_ref(owner: &str) -> Result<Owner<'_>, Error> {
    Ok(match checks::file_owner(owner).map_err(Error::Invalid)? {
        checks::FileOwner::Applicant(id) => Owner::Record(RecordKind::Applicant, id),
        checks::FileOwner::Case(id) => Owner::Record(RecordKind::Case, id),
        checks::FileOwner::Module(key) => Owner::Own(key),
    })
}

fn kind_word(kind: RecordKind) -> &'static str {
    match kind {
        RecordKind::Applicant => "applicant",
        RecordKind::Case => "case",
    }
}

/// The name to keep: the last part of what was sent, trimmed.
fn file_name(sent: &str) -> Result<String, Error> {
    let last = sent.rsplit(['/', '\\']).next().unwrap_or_default().trim();
    let refused = |why: String| Err(Error::Invalid(why));
    if last.is_empty() {
        return refused("choose a file (its name is empty)".into());
    }
    if last.chars().any(char::is_control) {
        return refused("a file name cannot contain control characters".into());
    }
    if last == "." || last == ".." {
        return refused(format!("{last:?} is not a file name"));
    }
    if last.len() > MAX_NAME_BYTES {
        return refused(format!(
            "a file name is at most {MAX_NAME_BYTES} bytes; rename the file"
        ));
    }
    Ok(last.to_owned())
}

pub(crate) fn wit_file(f: FileInfo) -> WitFileInfo {
    WitFileInfo {
        id: f.id,
        owner: f.owner,
        folder: f.folder,
        name: f.name,
        content_type: f.content_type,
        size: f.size,
        sha256: f.sha256,
        uploaded_by: f.uploaded_by,
        uploaded_at: f.uploaded_at,
        version: f.version,
        download: f.download,
    }
}

impl Shared {
    /// The kind of the module's own files.
    fn own_kind(&self) -> String {
        format!("module:{}", self.id())
    }

    fn caller_may(&self, permission: &str) -> Result<(), Error> {
        match self.person() {
            Some(person) if !person.can(permission) => Err(Error::Forbidden(format!(
                "the person this call is for lacks `{permission}`"
            ))),
            _ => Ok(()),
        }
    }

    fn may_touch_files_of(&self, kind: RecordKind, write: bool) -> Result<(), Error> {
        self.caller_may(if write { "files.write" } else { "files.read" })?;
        self.caller_may(match kind {
            RecordKind::Case => "cases.read",
            RecordKind::Applicant => "applicants.read",
        })
    }

    fn files_of(&self, kind: &str, id: &str) -> Vec<WitFileInfo> {
        self.world
            .borrow()
            .files
            .iter()
            .filter(|f| f.owner_kind == kind && f.owner_id == id)
            .map(|f| wit_file(f.info.clone()))
            .collect()
    }

    /// Whether the applicant or case `id` exists and is not in the trash;
    /// for a case, its applicant's id (for the files listed with it).
    fn owner_record(&self, kind: RecordKind, id: &str) -> Option<Option<String>> {
        match kind {
            RecordKind::Applicant => self.applicants().iter().any(|a| a.id == id).then_some(None),
            RecordKind::Case => self
                .cases()
                .into_iter()
                .find(|c| c.id == id)
                .map(|c| c.applicant_id),
        }
    }

    pub(crate) fn files_list(&self, owner: &str) -> Result<Vec<WitFileInfo>, Error> {
        let (kind, id) = match owner_ref(owner)? {
            Owner::Own(key) => return Ok(self.files_of(&self.own_kind(), key)),
            Owner::Record(kind, id) => (kind, id),
        };
        self.may_touch_files_of(kind, false)?;
        let word = kind_word(kind);
        let Some(applicant) = self.owner_record(kind, id) else {
            return Err(Error::NotFound(format!("no {word} {id}")));
        };
        let mut items = self.files_of(word, id);
        if let Some(applicant) = applicant
            && self.caller_may("applicants.read").is_ok()
        {
            items.extend(self.files_of("applicant", &applicant));
        }
        Ok(items)
    }

    pub(crate) fn files_read(&self, id: &str) -> Result<Vec<u8>, Error> {
        let own_kind = self.own_kind();
        let file = self
            .world
            .borrow()
            .files
            .iter()
            .find(|f| {
                f.info.id == id
                    && (!f.owner_kind.starts_with("module:") || f.owner_kind == own_kind)
            })
            .cloned()
            .ok_or_else(|| Error::NotFound(format!("no file {id}")))?;
        if file.owner_kind != own_kind {
            let kind = if file.owner_kind == "case" {
                RecordKind::Case
            } else {
                RecordKind::Applicant
            };
            self.may_touch_files_of(kind, false)?;
        }
        Ok(file.content)
    }

    pub(crate) fn files_attach(
        &self,
        owner: &str,
        name: &str,
        content_type: &str,
        content: &[u8],
    ) -> Result<WitFileInfo, Error> {
        let owner = owner_ref(owner)?;
        if let Owner::Record(kind, _) = owner {
            self.may_touch_files_of(kind, true)?;
        }
        let name = file_name(name)?;
        let (owner_kind, owner_id) = match owner {
            Owner::Record(kind, id) => {
                if self.owner_record(kind, id).is_none() {
                    return Err(Error::NotFound(format!("no {} {id}", kind_word(kind))));
                }
                (kind_word(kind).to_owned(), id)
            }
            Owner::Own(key) => (self.own_kind(), key),
        };
        let uploaded_by = self.person().and_then(|p| p.user_id);
        let file = self.stored_file(
            &owner_kind,
            owner_id,
            &name,
            content_type,
            content,
            uploaded_by,
        );
        let info = wit_file(file.info.clone());
        self.world.borrow_mut().files.push(file);
        Ok(info)
    }

    /// A new file as the host describes it (no `download` for the module's
    /// own, which it reads through the import).
    pub(crate) fn stored_file(
        &self,
        owner_kind: &str,
        owner_id: &str,
        name: &str,
        content_type: &str,
        content: &[u8],
        uploaded_by: Option<String>,
    ) -> StoredFile {
        let id = crate::new_id();
        let own = owner_kind.starts_with("module:");
        let content_type = if content_type.trim().is_empty() {
            "application/octet-stream"
        } else {
            content_type.trim()
        };
        let sha256: String = Sha256::digest(content)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        let info = FileInfo {
            owner: if own {
                format!("module:{owner_id}")
            } else {
                format!("{owner_kind}:{owner_id}")
            },
            folder: String::new(),
            name: name.to_owned(),
            content_type: content_type.to_owned(),
            size: content.len() as u64,
            sha256,
            uploaded_by,
            uploaded_at: self.world.borrow().now,
            version: 1,
            download: (!own).then(|| format!("/api/v1/files/{id}")),
            id,
        };
        StoredFile {
            owner_kind: owner_kind.to_owned(),
            owner_id: owner_id.to_owned(),
            info,
            content: content.to_vec(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_checked_like_uploads() {
        assert_eq!(
            file_name("C:\\docs\\passport.pdf").ok(),
            Some("passport.pdf".into())
        );
        assert!(file_name(" / ").is_err());
        assert!(file_name("..").is_err());
        assert!(file_name(&"a".repeat(256)).is_err());
    }
}
