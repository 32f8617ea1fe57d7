//! `POST /messages` (queue a message) and links by hand:
//! `POST /messages/{id}/links`, `DELETE /messages/{id}/links/{record}`.

use immcase_sdk::{Ctx, Error, FileInfo, Request, Response, Result};
use serde::Deserialize;
use serde_json::json;

use super::link_json;
use crate::access::{Reader, own_addresses};
use crate::data::AttachmentInfo;
use crate::linking;
use crate::outgoing::{self, Outgoing, prepare};
use crate::rules::link::{self, FolioKind, LinkReason};
use crate::threads;

/// One address or a list of them.
#[derive(Debug, Deserialize, Default)]
#[serde(untagged)]
pub enum Addresses {
    #[default]
    None,
    One(String),
    Many(Vec<String>),
}

impl Addresses {
    pub fn list(self) -> Vec<String> {
        match self {
            Addresses::None => Vec::new(),
            Addresses::One(one) => outgoing::addresses(&one),
            Addresses::Many(many) => many
                .into_iter()
                .map(|a| a.trim().to_owned())
                .filter(|a| !a.is_empty())
                .collect(),
        }
    }
}

/// What `POST /messages` takes.
#[derive(Debug, Deserialize)]
pub struct NewMessage {
    pub to: Addresses,
    #[serde(default)]
    pub cc: Addresses,
    #[serde(default)]
    pub bcc: Addresses,
    pub subject: String,
    pub body: String,
    #[serde(default)]
    pub applicant_id: Option<String>,
    #[serde(default)]
    pub case_id: Option<String>,
    /// Ids of the applicant's or case's files.
    #[serde(default)]
    pub attachments: Vec<String>,
    /// A mailbox the caller reads; their own, else the practice's sender.
    #[serde(default)]
    pub mailbox_id: Option<String>,
}

/// `POST /messages`: queues the message (202 `{id, thread_id, outbox_id,
/// message_id}`), linked to the applicant and case given.
pub fn create(ctx: &Ctx, request: Request) -> Result<Response> {
    let new: NewMessage = request.json()?;
    let reader = Reader::of(ctx)?;
    let person = reader.person()?.to_owned();
    let mailbox = match &new.mailbox_id {
        Some(id) => Some(
            reader
                .mailbox(id)
                .cloned()
                .ok_or_else(|| Error::invalid_field("mailbox_id", "not a mailbox you read"))?,
        ),
        None => reader.own_mailbox().cloned(),
    };
    let records = records_of(ctx, new.applicant_id.as_deref(), new.case_id.as_deref())?;
    let files = picked_files(ctx, &records, &new.attachments)?;
    let body = prepare::fill_tokens(
        ctx,
        &new.body,
        new.applicant_id.as_deref(),
        new.case_id.as_deref(),
        &ctx.signature()?,
    )?;
    let out = Outgoing {
        mailbox,
        to: new.to.list(),
        cc: new.cc.list(),
        bcc: new.bcc.list(),
        subject: new.subject,
        body,
        files,
        records,
        ..Outgoing::default()
    };
    let own = own_addresses(&reader.mailboxes);
    let doc = outgoing::send(ctx, &person, &own, out)?;
    Ok(Response::json(&json!({
        "id": doc.id,
        "thread_id": doc.data.thread_id,
        "outbox_id": doc.data.outbox_id,
        "message_id": doc.data.message_id,
        "state": doc.data.state,
    }))
    .status(202))
}

/// The records a message written here is linked to: the applicant, the
/// case and the case's applicant, each read as the caller.
pub fn records_of(
    ctx: &Ctx,
    applicant_id: Option<&str>,
    case_id: Option<&str>,
) -> Result<Vec<String>> {
    let mut records = Vec::new();
    if let Some(id) = applicant_id.filter(|id| !id.is_empty()) {
        let applicant = ctx
            .applicant(id)
            .map_err(|e| field_error("applicant_id", e))?;
        records.push(linking::applicant(&applicant.id));
    }
    if let Some(id) = case_id.filter(|id| !id.is_empty()) {
        let case = ctx.case(id).map_err(|e| field_error("case_id", e))?;
        records.push(linking::case(&case.id));
        if let Some(applicant) = case.applicant_id {
            let record = linking::applicant(&applicant);
            if !records.contains(&record) {
                records.push(record);
            }
        }
    }
    Ok(records)
}

fn field_error(field: &str, error: Error) -> Error {
    match error {
        Error::NotFound(_) => Error::invalid_field(field, "no such record"),
        other => other,
    }
}

/// The files `ids`, each one of the records' files, with their contents.
pub fn picked_files(
    ctx: &Ctx,
    records: &[String],
    ids: &[String],
) -> Result<Vec<(AttachmentInfo, Vec<u8>)>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut available: Vec<FileInfo> = Vec::new();
    for record in records {
        available.extend(ctx.files(record)?);
    }
    let mut picked = Vec::new();
    for id in ids {
        let file = available.iter().find(|f| f.id == *id).ok_or_else(|| {
            Error::invalid_field(
                "attachments",
                &format!("{id} is not a file of the applicant or case"),
            )
        })?;
        picked.push((AttachmentInfo::of_file(file), ctx.read_file(id)?));
    }
    Ok(picked)
}

/// What `POST /messages/{id}/links` takes: `{"record": "case:ID"}`.
#[derive(Debug, Deserialize)]
pub struct NewLink {
    pub record: String,
}

/// Links the message `id` to `record` by hand, once the caller showed they
/// read the record (a case's applicant is linked with it).
pub fn link_by_hand(ctx: &Ctx, reader: &Reader, id: &str, record: &str) -> Result<Vec<String>> {
    let message = reader.message(ctx, id)?;
    let person = reader.person()?.to_owned();
    let mut records = Vec::new();
    match linking::parse_record(record.trim()) {
        Some(("applicant", id)) => records.push(linking::applicant(&ctx.applicant(id)?.id)),
        Some(("case", id)) => {
            let case = ctx.case(id)?;
            records.push(linking::case(&case.id));
            records.extend(case.applicant_id.as_deref().map(linking::applicant));
        }
        Some(("ticket", folio)) => match link::folios(folio).as_slice() {
            [found] if found.kind == FolioKind::Ticket => records.push(format!("ticket:{found}")),
            _ => {
                return Err(Error::invalid_field(
                    "record",
                    "a ticket's folio, such as TKT012",
                ));
            }
        },
        _ => {
            return Err(Error::invalid_field(
                "record",
                "applicant:ID, case:ID or ticket:TKT012",
            ));
        }
    }
    for record in &records {
        linking::add(ctx, &message, record, LinkReason::Manual, Some(&person))?;
    }
    threads::refresh_records(ctx, &message.data.thread_id)?;
    Ok(records)
}

/// `POST /messages/{id}/links` `{record}` → 201 with the message's links.
pub fn link(ctx: &Ctx, request: Request) -> Result<Response> {
    let new: NewLink = request.json()?;
    let reader = Reader::of(ctx)?;
    let id = request.require_param("id")?;
    link_by_hand(ctx, &reader, id, &new.record)?;
    let links: Vec<_> = linking::of_message(ctx, id)?
        .iter()
        .map(link_json)
        .collect();
    Ok(Response::created(&json!({ "items": links })))
}

/// Removes a link of a message the reader sees.
pub fn unlink_by_hand(ctx: &Ctx, reader: &Reader, id: &str, record: &str) -> Result<()> {
    let message = reader.message(ctx, id)?;
    if !linking::remove(ctx, &message, record)? {
        return Err(Error::NotFound(format!(
            "the message is not linked to {record}"
        )));
    }
    threads::refresh_records(ctx, &message.data.thread_id)?;
    Ok(())
}

/// `DELETE /messages/{id}/links/{record}` → 204.
pub fn unlink(ctx: &Ctx, request: Request) -> Result<Response> {
    let reader = Reader::of(ctx)?;
    unlink_by_hand(
        ctx,
        &reader,
        request.require_param("id")?,
        request.require_param("record")?,
    )?;
    Ok(Response::no_content())
}
