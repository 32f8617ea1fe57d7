//! Files in memory, as the `files` import serves them: applicants' and
//! cases' files seen as the caller (`files.read`/`files.write` and the
//! record's read permission), and the module's own under `module:{key}`,
//! which only it reaches.

use immcase_manifest::checks;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::world::{RecordKind, Shared, StoredFile};
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

/// `1970-01-01T00:00:00Z` for a time in ms since the epoch.
pub(crate) fn rfc3339(ms: i64) -> String {
    let secs = ms.div_euclid(1000);
    let (days, rest) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    // Civil date from days since 1970-01-01 (proleptic Gregorian).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rest / 3600,
        rest % 3600 / 60,
        rest % 60
    )
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

    fn files_of(&self, kind: &str, id: &str, from: Option<&str>) -> Vec<String> {
        self.world
            .borrow()
            .files
            .iter()
            .filter(|f| f.owner_kind == kind && f.owner_id == id)
            .map(|f| {
                let mut info = f.info.clone();
                if let Some(from) = from {
                    info["from"] = json!(from);
                }
                info.to_string()
            })
            .collect()
    }

    pub(crate) fn files_list(&self, owner: &str) -> Result<Vec<String>, Error> {
        let (kind, id) = match owner_ref(owner)? {
            Owner::Own(key) => return Ok(self.files_of(&self.own_kind(), key, None)),
            Owner::Record(kind, id) => (kind, id),
        };
        self.may_touch_files_of(kind, false)?;
        let word = kind_word(kind);
        let Some(record) = self.record(kind, id) else {
            return Err(Error::NotFound(format!("no {word} {id}")));
        };
        let applicant = match kind {
            RecordKind::Case => record["applicant_id"].as_str().map(str::to_owned),
            RecordKind::Applicant => None,
        };
        let mut items = self.files_of(word, id, applicant.as_ref().map(|_| "case"));
        if let Some(applicant) = applicant
            && self.caller_may("applicants.read").is_ok()
        {
            items.extend(self.files_of("applicant", &applicant, Some("applicant")));
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
                f.info["id"] == id
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
    ) -> Result<String, Error> {
        let owner = owner_ref(owner)?;
        if let Owner::Record(kind, _) = owner {
            self.may_touch_files_of(kind, true)?;
        }
        let name = file_name(name)?;
        let (owner_kind, owner_id) = match owner {
            Owner::Record(kind, id) => {
                if self.record(kind, id).is_none() {
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
        let info = file.info.to_string();
        self.world.borrow_mut().files.push(file);
        Ok(info)
    }

    /// A new file as the host describes it (`download` is empty for the
    /// module's own, which it reads through the import).
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
        let info: Value = json!({
            "id": id,
            "owner": if own { format!("module:{owner_id}") } else { format!("{owner_kind}:{owner_id}") },
            "folder": "",
            "name": name,
            "content_type": content_type,
            "size": content.len(),
            "sha256": sha256,
            "uploaded_by": uploaded_by,
            "uploaded_at": rfc3339(self.world.borrow().now),
            "version": 1,
            "download": if own { String::new() } else { format!("/api/v1/files/{id}") },
        });
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
    fn times_are_rfc3339_in_utc() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(super::super::START), "2026-01-05T14:00:00Z");
        assert_eq!(rfc3339(951_782_400_000 + 61_000), "2000-02-29T00:01:01Z");
    }

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
