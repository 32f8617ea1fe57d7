//! The Files section of an applicant's or a case's page: the owner's files
//! by folder (a case's page adds its applicant's, marked so), a download
//! link and a delete button for each, and the upload form. The form posts
//! `multipart/form-data` to `/applicants/{id}/files` or `/cases/{id}/files`
//! with `_csrf` as its first part, as the upload routes require.

use crate::auth::Caller;
use crate::error::Result;
use crate::files::{self, naming};
use crate::state::AppState;

pub struct FileLine {
    pub id: String,
    pub name: String,
    pub folder: String,
    pub size: String,
    pub uploaded: String,
    /// On a case's page: the file belongs to the case's applicant.
    pub from_applicant: bool,
    pub download: String,
    /// PDFs, images and plain text open in the browser.
    pub viewable: bool,
}

pub struct FilesSection {
    /// False when the reader lacks `files.read`: the section is left out.
    pub shown: bool,
    pub lines: Vec<FileLine>,
    pub can_upload: bool,
    pub can_delete: bool,
    pub upload_to: String,
    pub csrf: String,
    /// The folders in use, offered when uploading.
    pub folders: Vec<String>,
    /// The per-file limit in words, said beside the file input.
    pub max_file: String,
}

/// The section for the applicant or case `kind`/`id` as `caller` sees it.
pub async fn section(
    state: &AppState,
    caller: &Caller,
    kind: &str,
    id: &str,
) -> Result<FilesSection> {
    let page = if kind == "case" {
        "cases"
    } else {
        "applicants"
    };
    let mut section = FilesSection {
        shown: caller.can("files.read"),
        lines: Vec::new(),
        can_upload: caller.can("files.write"),
        can_delete: caller.can("files.write"),
        upload_to: format!("/{page}/{id}/files"),
        csrf: caller.form_token.clone(),
        folders: Vec::new(),
        max_file: naming::size_in_words(state.config.files.max_file_bytes),
    };
    if !section.shown {
        return Ok(section);
    }
    let owner = files::visible_owner(state, caller, kind, id).await?;
    for f in files::listing(state, caller, &owner).await? {
        if !f.folder.is_empty() && !section.folders.contains(&f.folder) {
            section.folders.push(f.folder.clone());
        }
        section.lines.push(FileLine {
            viewable: naming::may_show_inline(&f.content_type),
            uploaded: super::timeline::local(&f.uploaded_at, &caller.time_zone),
            size: naming::size_in_words(u64::try_from(f.size).unwrap_or(0)),
            from_applicant: f.from.as_deref() == Some("applicant"),
            download: f.download,
            id: f.id,
            name: f.name,
            folder: f.folder,
        });
    }
    section.folders.sort();
    Ok(section)
}
