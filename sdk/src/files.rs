//! Files of the host's file store as the `files` import describes them.

use serde::{Deserialize, Serialize};

use crate::wit::immcase::plugin::files::FileInfo as WitFileInfo;

/// A stored file, as [`Ctx::files`](crate::Ctx::files) lists it and
/// [`Ctx::attach_file`](crate::Ctx::attach_file) answers it.
///
/// A case's listing includes its applicant's files, owned by
/// `applicant:{id}`. A file of the practice's records has a `download`
/// path for people (`/api/v1/files/{id}`); a module's own files
/// (`module:{key}`) have none, since only the module reads them. As JSON
/// (serde) it has the field names of the host's JSON API, with
/// `uploaded_at` in milliseconds since the epoch.
///
/// ```
/// # #[cfg(feature = "testing")] {
/// # use immcase_sdk::{Applicant, Caller, Case, Plugin, Router, testing::{START, TestHost}};
/// # struct Notes;
/// # impl Plugin for Notes { fn router() -> Router { Router::new() } }
/// # let host = TestHost::<Notes>::from_manifest("id = \"notes\"\nname = \"Notes\"\nversion = \"0.1.0\"\nhost-api = \"^0.2\"\n[capabilities]\nfiles = true");
/// host.add_applicant(&Applicant::new("a1", "Ana", "Díaz"));
/// host.add_case(&Case { applicant_id: Some("a1".into()), ..Case::new("c1", "CAS014") });
/// host.add_file("case:c1", "letter.pdf", "application/pdf", b"%PDF-1.7");
/// host.add_file("applicant:a1", "passport.pdf", "application/pdf", b"%PDF-1.4");
/// let files = host.with_ctx(&Caller::host(), |ctx| ctx.files("case:c1"))?;
/// let owners: Vec<&str> = files.iter().map(|f| f.owner.as_str()).collect();
/// assert_eq!(owners, ["case:c1", "applicant:a1"]);
/// let letter = &files[0];
/// assert_eq!((letter.name.as_str(), letter.size, letter.uploaded_at), ("letter.pdf", 8, START));
/// assert_eq!(letter.download, Some(format!("/api/v1/files/{}", letter.id)));
/// let own = host.with_ctx(&Caller::host(), |ctx| {
///     ctx.attach_file("module:drafts", "draft.txt", "text/plain", b"Dear Ana")
/// })?;
/// assert_eq!((own.owner.as_str(), own.download), ("module:drafts", None));
/// # }
/// # Ok::<(), immcase_sdk::Error>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct FileInfo {
    /// The file's id, for [`Ctx::read_file`](crate::Ctx::read_file).
    pub id: String,
    /// `applicant:{id}`, `case:{id}` or `module:{key}`.
    pub owner: String,
    /// Sub-folder below the owner's folder, `a/b`; empty for the top.
    pub folder: String,
    /// The file's name.
    pub name: String,
    /// Its media type, e.g. `application/pdf`.
    pub content_type: String,
    /// Bytes.
    pub size: u64,
    /// SHA-256 of the contents, lowercase hex.
    pub sha256: String,
    /// The user id of the person who uploaded it; `None` when the host or
    /// a module did on its own.
    pub uploaded_by: Option<String>,
    /// Milliseconds since the epoch, UTC.
    pub uploaded_at: i64,
    /// Starts at 1; a new upload under the same name adds 1.
    pub version: u64,
    /// Where a person downloads it (`/api/v1/files/{id}`); `None` for a
    /// module's own files.
    pub download: Option<String>,
}

impl From<WitFileInfo> for FileInfo {
    fn from(f: WitFileInfo) -> FileInfo {
        FileInfo {
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
}
