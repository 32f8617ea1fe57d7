//! The Files section of an applicant's or a case's page: the owner's files
//! by folder (a case's page adds its applicant's, marked so), a download
//! link and a delete button for each, and the upload form. The form posts
//! `multipart/form-data` to `/applicants/{id}/files` or `/cases/{id}/files`
//! with `_csrf` as its first part, as the upload routes require; the
//! handlers of that form and of the delete button are here too.

use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use utoipa::ToSchema;

use crate::access::Caller;
use crate::api::Path;
use crate::error::{ErrorBody, Result};
use crate::files::routes::{UploadForm, refusal, upload_for};
use crate::files::upload::{Keep, Refused};
use crate::files::{self, naming};
use crate::state::AppState;
use crate::web::shell::{refused, saved};

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
    /// The delete buttons' hint links to Settings → Trash.
    pub can_manage_trash: bool,
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
        can_manage_trash: caller.can("trash.manage"),
        upload_to: format!("/{page}/{id}/files"),
        csrf: caller.form_token.clone(),
        folders: Vec::new(),
        max_file: naming::size_in_words(
            crate::practices::settings::largest_file(
                state.db.pool(),
                caller.practice.id(),
                state.config.files.max_file_bytes,
            )
            .await?,
        ),
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

/// The page an owner's files are shown on.
fn owner_page(kind: &str, id: &str) -> String {
    let page = if kind == "case" {
        "cases"
    } else {
        "applicants"
    };
    format!("/{page}/{id}#files")
}

/// Uploads from the form of an owner's page: the files that fit are kept;
/// back to the page with a message. When a file was left out, the message
/// is a refusal at the top of the page (where the person lands, not
/// scrolled to the files) naming every file and what happened to it.
async fn upload_page(
    state: &AppState,
    caller: &Caller,
    kind: &str,
    id: &str,
    request: Request,
) -> Response {
    let (back, top) = (owner_page(kind, id), owner_top(kind, id));
    match upload_for(state, caller, (kind, id), request, Keep::Fitting).await {
        Ok((files, left_out)) if left_out.is_empty() => match files.as_slice() {
            [one] => saved(&back, format!("Uploaded {}", one.name)),
            _ => saved(&back, format!("Uploaded {} files", files.len())),
        },
        Ok((files, left_out)) => {
            let headline = match files.len() {
                0 => "Nothing was uploaded.".to_owned(),
                kept => format!(
                    "Uploaded {kept} of {} files; {} not kept.",
                    kept + left_out.len(),
                    if left_out.len() == 1 {
                        "the other was"
                    } else {
                        "the others were"
                    }
                ),
            };
            let mut items: Vec<String> = files
                .iter()
                .map(|f| format!("{}: uploaded.", f.name))
                .collect();
            items.extend(
                left_out
                    .iter()
                    .map(|l| format!("{}: not uploaded, {}.", l.name, reason(&l.name, &l.reason))),
            );
            refused(&top, &headline, &items)
        }
        // Refused access is an answer of its own; anything else is told on
        // the page the form came from.
        Err(Refused::Error(e)) if e.status_code() != StatusCode::FORBIDDEN => {
            let message = e.message_for_people();
            refused(&top, "Nothing was uploaded.", &[message])
        }
        Err(refusal_of_access) => refusal(refusal_of_access),
    }
}

/// Why a file was left out, without its name in front (the item names it):
/// "it is larger than 50 MB, the most a file may be".
fn reason(name: &str, reason: &str) -> String {
    match reason.strip_prefix(name) {
        Some(rest) => format!("it{rest}"),
        None => reason.to_owned(),
    }
    .trim_end_matches('.')
    .to_owned()
}

/// The owner's page, at its top.
fn owner_top(kind: &str, id: &str) -> String {
    owner_page(kind, id).trim_end_matches("#files").to_owned()
}

/// The upload form of an applicant's page (`_csrf` before the files); back
/// to the page with a message saying what was uploaded or why not.
#[utoipa::path(post, path = "/applicants/{id}/files", tag = "pages", params(("id" = String, Path)),
    request_body(content = UploadForm, content_type = "multipart/form-data"),
    responses((status = 303, description = "Back to the applicant's page with a message"),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub(super) async fn upload_page_applicant(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    request: Request,
) -> Response {
    upload_page(&state, &caller, "applicant", &id, request).await
}

/// The upload form of a case's page.
#[utoipa::path(post, path = "/cases/{id}/files", tag = "pages", params(("id" = String, Path)),
    request_body(content = UploadForm, content_type = "multipart/form-data"),
    responses((status = 303, description = "Back to the case's page with a message"),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub(super) async fn upload_page_case(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    request: Request,
) -> Response {
    upload_page(&state, &caller, "case", &id, request).await
}

#[derive(Deserialize, ToSchema)]
pub struct DeleteForm {
    /// The form token.
    #[serde(rename = "_csrf")]
    _csrf: Option<String>,
}

/// The delete button beside a file: to the trash, back to the owner's page.
#[utoipa::path(post, path = "/files/{id}/delete", tag = "pages", params(("id" = String, Path)),
    request_body(content = DeleteForm, content_type = "application/x-www-form-urlencoded"),
    responses((status = 303, description = "Back to the owner's page"), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(super) async fn delete_page(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Response> {
    let file = files::visible_file(&state, &caller, &id).await?;
    crate::trash::delete_file(&state, &caller, &id, None).await?;
    Ok(saved(
        &owner_page(&file.owner_kind, &file.owner_id),
        format!("{} moved to the trash", file.name),
    ))
}
