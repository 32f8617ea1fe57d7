//! A ticket's files: attached when it is filed or later, by anyone who sees
//! the ticket while it is not closed, and read by the same people. The host
//! keeps them as the module's own files (`module:ticket:{id}`): they count
//! against the practice's storage, and only the helpdesk reaches them, so
//! the ticket's visibility is what guards them.

use immcase_sdk::{Ctx, Error, Part, Request, Response, Result};
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

/// The files of a ticket, as the host describes them (`id`, `name`,
/// `content_type`, `size`, `uploaded_by`, `uploaded_at`), each with the
/// `download` path of the module's API.
pub fn of(ctx: &Ctx, ticket_id: &str) -> Result<Vec<Value>> {
    let mut files = ctx.files(&owner(ticket_id))?;
    for file in &mut files {
        with_download(ticket_id, file);
    }
    Ok(files)
}

/// Sets where a file of a ticket is downloaded: through the module's API.
fn with_download(ticket_id: &str, file: &mut Value) {
    let id = file["id"].as_str().unwrap_or_default().to_owned();
    file["download"] = json!(format!(
        "/api/v1/m/helpdesk/tickets/{ticket_id}/attachments/{id}"
    ));
}

/// Attaches `files` to the ticket `ticket_id` (the caller may see it; it is
/// not closed), in order: at most [`MAX_PER_POST`] at once and
/// [`MAX_PER_TICKET`] in all. A file the host refuses (too large, no room
/// in the quota, an impossible name) stops there: the error names it and
/// the files attached before it (`attached`), which stay.
pub fn attach(ctx: &Ctx, ticket_id: &str, files: &[&Part]) -> Result<Vec<Value>> {
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
    let mut attached: Vec<Value> = Vec::new();
    for part in files {
        let name = part.file_name.as_deref().unwrap_or_default();
        let content_type = part.content_type.as_deref().unwrap_or_default();
        match ctx.attach_file(&owner(ticket_id), name, content_type, &part.data) {
            Ok(mut file) => {
                with_download(ticket_id, &mut file);
                attached.push(file);
            }
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
fn refused(name: &str, why: &str, attached: &[Value]) -> Error {
    let names: Vec<&str> = attached.iter().filter_map(|f| f["name"].as_str()).collect();
    let before = if names.is_empty() {
        String::new()
    } else {
        format!(" ({} attached)", names.join(", "))
    };
    Error::invalid_field(FIELD, &format!("{name} was not attached: {why}{before}"))
        .with("attached", Value::Array(attached.to_vec()))
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
pub fn add_as_caller(ctx: &Ctx, id: &str, request: &Request) -> Result<Vec<Value>> {
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
        .find(|f| f["id"] == file_id)
        .ok_or_else(|| Error::NotFound(format!("{} has no file {file_id}", doc.data.folio)))?;
    let data = ctx.read_file(file_id)?;
    Ok(Response::download(
        file["name"].as_str().unwrap_or("file"),
        file["content_type"].as_str().unwrap_or_default(),
        data,
    ))
}
