//! Writing: a new message, a reply, a reply to all or a forward, from a
//! mailbox the person reads, with their signature, a template filled in
//! for the applicant and case, and files of those records attached.
//! "Save draft" keeps it; "Send" queues it. A mistake (an address, a
//! template's token without a value) shows the form again, everything
//! typed kept, the mistake named at the top.

mod form;

use immcase_sdk::{Ctx, Error, Request, Response, Result};

pub use form::ComposeForm;
use form::render;

use super::{BASE, field, form_pairs};
use crate::access::{Reader, own_addresses};
use crate::api::drafts;
use crate::api::messages::{picked_files, records_of};
use crate::api::templates;
use crate::linking;
use crate::outgoing::prepare::{self, Mode};
use crate::outgoing::{self, Outgoing};

/// `GET /compose?mode=&parent=&draft=&applicant=&case=`.
pub fn show(ctx: &Ctx, request: Request) -> Result<Response> {
    let reader = Reader::of(ctx)?;
    let person = reader.person()?.to_owned();
    let signature = ctx.signature()?;
    let q = |name: &str| request.query_param(name).unwrap_or_default();
    let mut form = ComposeForm {
        from: reader
            .default_mailbox()
            .map(|m| m.id.clone())
            .unwrap_or_default(),
        applicant: q("applicant"),
        case: q("case"),
        ..ComposeForm::default()
    };
    if !q("draft").is_empty() {
        let draft = drafts::get_mine(ctx, &person, &q("draft"))?;
        form = ComposeForm::from_draft(&draft.id, draft.data);
    } else if !q("parent").is_empty() {
        let parent = reader.message(ctx, &q("parent"))?;
        let mode = match Mode::parse(&q("mode")) {
            Mode::New => Mode::Reply,
            mode => mode,
        };
        let prefill = prepare::prefill(
            mode,
            &parent.data,
            &own_addresses(&reader.mailboxes),
            &signature,
            &ctx.caller().time_zone,
        );
        let records: Vec<String> = linking::of_message(ctx, &parent.id)?
            .into_iter()
            .map(|l| l.record)
            .collect();
        if reader.mailbox(&parent.data.mailbox_id).is_some() {
            form.from = parent.data.mailbox_id.clone();
        }
        form.mode = mode;
        form.forward_attachments = mode == Mode::Forward;
        form.parent = parent.id;
        form.to = prefill.to;
        form.cc = prefill.cc;
        form.subject = prefill.subject;
        form.body = prefill.body;
        form.applicant = linking::ids_of(&records, "applicant")
            .into_iter()
            .next()
            .unwrap_or_default();
        form.case = linking::ids_of(&records, "case")
            .into_iter()
            .next()
            .unwrap_or_default();
    } else {
        form.body = prepare::signed(&signature);
        // From a case's or an applicant's tab: to the applicant.
        if form.applicant.is_empty() && !form.case.is_empty() {
            form.applicant = ctx.case(&form.case)?.applicant_id.unwrap_or_default();
        }
        if !form.applicant.is_empty() {
            let applicant = ctx.applicant(&form.applicant)?;
            form.to = applicant.emails.first().cloned().unwrap_or_default();
        }
    }
    render(ctx, &reader, &form, None)
}

/// The template chosen in the form, filled in, before the body; the
/// picker is emptied so it is not inserted twice.
fn insert_template(ctx: &Ctx, form: &mut ComposeForm) -> Result<()> {
    if form.template.is_empty() {
        return Ok(());
    }
    let template = templates::collection(ctx)
        .get(&form.template)?
        .ok_or_else(|| Error::invalid_field("template", "no such template"))?;
    let signature = ctx.signature()?;
    let some = |v: &str| Some(v.to_owned()).filter(|v| !v.is_empty());
    let filled = prepare::fill(
        ctx,
        "template",
        &template.data.body,
        some(&form.applicant).as_deref(),
        some(&form.case).as_deref(),
        &signature,
    )?;
    form.body = format!("{}\n{}", filled.trim_end(), form.body);
    form.template.clear();
    Ok(())
}

/// `POST /messages` from the page: insert a template, save, or send.
pub fn submit(ctx: &Ctx, request: Request) -> Result<Response> {
    let reader = Reader::of(ctx)?;
    let person = reader.person()?.to_owned();
    let pairs = form_pairs(&request);
    let mut form = ComposeForm::from_pairs(&pairs);
    match field(&pairs, "action") {
        "save" => {
            let id = Some(form.draft.as_str()).filter(|d| !d.is_empty());
            drafts::keep(ctx, &person, id, form.as_draft())?;
            Ok(Response::redirect(&format!("{BASE}/drafts")).flash("Draft saved."))
        }
        "template" => match insert_template(ctx, &mut form) {
            Ok(()) => render(ctx, &reader, &form, None),
            Err(problem) if problem.status() == 422 => render(ctx, &reader, &form, Some(&problem)),
            Err(other) => Err(other),
        },
        _ => match send(ctx, &reader, &person, &mut form) {
            Ok(thread) => Ok(
                Response::redirect(&format!("{BASE}/threads/{thread}")).flash("Message queued.")
            ),
            Err(problem) if problem.status() == 422 => render(ctx, &reader, &form, Some(&problem)),
            Err(other) => Err(other),
        },
    }
}

fn send(ctx: &Ctx, reader: &Reader, person: &str, form: &mut ComposeForm) -> Result<String> {
    insert_template(ctx, form)?;
    let mailbox = match form.from.as_str() {
        "" => None,
        id => Some(
            reader
                .mailbox(id)
                .cloned()
                .ok_or_else(|| Error::invalid_field("from", "not a mailbox you read"))?,
        ),
    };
    let parent = match form.parent.as_str() {
        "" => None,
        id => Some(reader.message(ctx, id)?),
    };
    let some = |v: &str| Some(v.to_owned()).filter(|v| !v.is_empty());
    let records = records_of(
        ctx,
        some(&form.applicant).as_deref(),
        some(&form.case).as_deref(),
    )?;
    let mut files = picked_files(ctx, &records, &form.files)?;
    if let Some(parent) = parent
        .as_ref()
        .filter(|_| form.mode == Mode::Forward && form.forward_attachments)
    {
        files.extend(outgoing::forwarded(ctx, &parent.data)?);
    }
    let body = prepare::fill_tokens(
        ctx,
        &form.body,
        some(&form.applicant).as_deref(),
        some(&form.case).as_deref(),
        &ctx.signature()?,
    )?;
    let out = Outgoing {
        mailbox,
        to: outgoing::addresses(&form.to),
        cc: outgoing::addresses(&form.cc),
        bcc: outgoing::addresses(&form.bcc),
        subject: form.subject.clone(),
        body,
        reply: form.mode.is_reply(),
        parent,
        files,
        records,
    };
    let doc = outgoing::send(ctx, person, &own_addresses(&reader.mailboxes), out)?;
    if !form.draft.is_empty() {
        drafts::collection(ctx).delete(&form.draft, None)?;
    }
    Ok(doc.data.thread_id)
}
