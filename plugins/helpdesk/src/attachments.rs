//! A ticket's files: attached when it is filed or later, by anyone who sees
//! the ticket while it is not closed, and read by the same people. The host
//! keeps them as the module's own files (`module:ticket:{id}`): they count
//! against the practice's storage, and only the helpdesk reaches them, so
//! the ticket's visibility is what guards them.

use immcase_sdk::{Ctx, Error, FileInfo, Part, Request, Response, Result};
use serde::{Serialize, Serializer};
use serde_json::{Value, json};

use crate::changes::visible;
use crate::rules::ticket::Status;

/// Files one form or request may attach.
pub const MAX_PER_POST: usize = 10;
/// Files one ticket may hold.
pub const MAX_PER_TICKET: usize = 100;
/// The form field (and multipart part) that carries files.
pub const FIELD: &str = "attachments";

/// The host's owner of a ticket's files.
fn owner(ticket_id: &str) -> String {
    format!("module:ticket:{ticket_id}")
}

/// A ticket's file as the helpdesk shows it: what the host describes, with
/// the time in RFC 3339 as the host's JSON API gives times, and downloaded
/// through the module's API.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Attachment {
    pub id: String,
    /// `module:ticket:{ticket id}`.
    pub owner: String,
    pub folder: String,
    pub name: String,
    pub content_type: String,
    /// Bytes.
    pub size: u64,
    /// SHA-256 of the contents, lowercase hex.
    pub sha256: String,
    /// Who attached it; none when the helpdesk did on its own.
    pub uploaded_by: Option<String>,
    /// Milliseconds since the epoch (RFC 3339 in JSON).
    #[serde(serialize_with = "rfc3339")]
    pub uploaded_at: i64,
    pub version: u64,
    /// `/api/v1/m/helpdesk/tickets/{ticket id}/attachments/{id}`.
    pub download: String,
}

impl Attachment {
    /// A file of the ticket `ticket_id`, as the host describes it.
    fn of(ticket_id: &str, file: FileInfo) -> Attachment {
        let download = format!(
            "/api/v1/m/helpdesk/tickets/{ticket_id}/attachments/{}",
            file.id
        );
        Attachment {
            id: file.id,
            owner: file.owner,
            folder: file.folder,
            name: file.name,
            content_type: file.content_type,
            size: file.size,
            sha256: file.sha256,
            uploaded_by: file.uploaded_by,
            uploaded_at: file.uploaded_at,
            version: file.version,
            download,
        }
    }
}

/// A time in ms since the epoch as RFC 3339, as the host writes times.
fn rfc3339<S: Serializer>(ms: &i64, serializer: S) -> std::result::Result<S::Ok, S::Error> {
    let text = jiff::Timestamp::from_millisecond(*ms)
        .map(|t| t.to_string())
        .unwrap_or_default();
    serializer.serialize_str(&text)
}

/// The files of a ticket, each with the `download` path of the module's
/// API.
pub fn of(ctx: &Ctx, ticket_id: &str) -> Result<Vec<Attachment>> {
    Ok(ctx
        .files(&owner(ticket_id))?
        .into_iter()
        .map(|file| Attachment::of(ticket_id, file))
        .collect())
}

/// Attaches `files` to the ticket `ticket_id` (the caller may see it; it is
/// not closed), in order: at most [`MAX_PER_POST`] at once and
/// [`MAX_PER_TICKET`] in all. A file the host refuses (too large, no room
/// in the quota, an impossible name) stops there: the error names it and
/// the files attached before it (`attached`), which stay.
pub fn attach(ctx: &Ctx, ticket_id: &str, files: &[&Part]) -> Result<Vec<Attachment>> {
    check_count(files.len())?;
    if files.is_empty() {
        return Ok(Vec::new());
    }
    let held = ctx.files(&owner(ticket_id))?.len();
    if held + files.len() > MAX_PER_TICKET {
        return Err(Error::invalid_field(
            FIELD,
            &format!("a ticket holds at most {MAX_PER_TICKET} files; this one has {held}"),
        ));
    }
    let mut attached: Vec<Attachment> = Vec::new();
    for part in files {
        let name = part.file_name.as_deref().unwrap_or_default();
        let content_type = part.content_type.as_deref().unwrap_or_default();
        match ctx.attach_file(&owner(ticket_id), name, content_type, &part.data) {
            Ok(file) => attached.push(Attachment::of(ticket_id, file)),
            Err(Error::Invalid(why)) => return Err(refused(name, &why, &attached)),
            Err(other) => return Err(other),
        }
    }
    Ok(attached)
}

/// Refuses more than [`MAX_PER_POST`] files at once.
pub fn check_count(files: usize) -> Result<()> {
    if files > MAX_PER_POST {
        return Err(Error::invalid_field(
            FIELD,
            &format!("attach at most {MAX_PER_POST} files at once"),
        ));
    }
    Ok(())
}

/// A file the host would not keep, and what was attached before it.
fn refused(name: &str, why: &str, attached: &[Attachment]) -> Error {
    let names: Vec<&str> = attached.iter().map(|f| f.name.as_str()).collect();
    let before = if names.is_empty() {
        String::new()
    } else {
        format!(" ({} attached)", names.join(", "))
    };
    Error::invalid_field(FIELD, &format!("{name} was not attached: {why}{before}")).with(
        "attached",
        serde_json::to_value(attached).unwrap_or(Value::Null),
    )
}

// Handlers ------------------------------------------------------------------

/// `GET /tickets/:id/attachments`: `{"items": [...]}` for whoever sees the
/// ticket.
pub fn list(ctx: &Ctx, request: Request) -> Result<Response> {
    let id = request.require_param("id")?;
    let (doc, _, _) = visible(ctx, id)?;
    Ok(Response::json(&json!({ "items": of(ctx, &doc.id)? })))
}

/// `POST /tickets/:id/attachments` (`multipart/form-data`, files in the
/// `attachments` part): 201 with the new files.
pub fn add(ctx: &Ctx, request: Request) -> Result<Response> {
    let id = request.require_param("id")?;
    let done = add_as_caller(ctx, id, &request)?;
    Ok(Response::created(&json!({ "items": done })))
}

/// Attaches the request's files to the ticket `id` for the caller.
pub fn add_as_caller(ctx: &Ctx, id: &str, request: &Request) -> Result<Vec<Attachment>> {
    let (doc, _, _) = visible(ctx, id)?;
    if doc.data.status == Status::Closed {
        return Err(Error::Conflict(format!(
            "{} is closed; its files can be read but not added to",
            doc.data.folio
        )));
    }
    if !request.is_multipart() {
        return Err(Error::Invalid(format!(
            "send the files as multipart/form-data, in parts named `{FIELD}`"
        )));
    }
    let form = request.multipart()?;
    let files: Vec<&Part> = form.files(FIELD).collect();
    if files.is_empty() {
        return Err(Error::invalid_field(FIELD, "choose at least one file"));
    }
    attach(ctx, &doc.id, &files)
}

/// `GET /tickets/:id/attachments/:file`: the file, to save, for whoever
/// sees the ticket.
pub fn download(ctx: &Ctx, request: Request) -> Result<Response> {
    let id = request.require_param("id")?;
    let file_id = request.require_param("file")?;
    let (doc, _, _) = visible(ctx, id)?;
    let files = ctx.files(&owner(&doc.id))?;
    let file = files
        .iter()
        .find(|f| f.id == file_id)
        .ok_or_else(|| Error::NotFound(format!("{} has no file {file_id}", doc.data.folio)))?;
    let data = ctx.read_file(file_id)?;
    Ok(Response::download(&file.name, &file.content_type, data))
}
