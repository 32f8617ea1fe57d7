//! Writing: a new message, a reply, a reply to all or a forward, from a
//! mailbox the person reads, with their signature, a template filled in
//! for the applicant and case, and files of those records attached.
//! "Save draft" keeps it; "Send" queues it. A mistake (an address, a
//! template's token without a value) shows the form again, everything
//! typed kept, the mistake named at the top.

use immcase_sdk::html::el;
use immcase_sdk::{Ctx, Error, Request, Response, Result};

use super::{BASE, Section, alert, field, form_pairs, frame, input, textarea};
use crate::access::{Reader, own_addresses};
use crate::api::drafts;
use crate::api::messages::{picked_files, records_of};
use crate::api::templates;
use crate::data::Draft;
use crate::linking;
use crate::outgoing::prepare::{self, Mode};
use crate::outgoing::{self, Outgoing};

/// What the form holds.
#[derive(Debug, Clone, Default)]
pub struct ComposeForm {
    pub mode: Mode,
    pub parent: String,
    pub draft: String,
    pub from: String,
    pub to: String,
    pub cc: String,
    pub bcc: String,
    pub subject: String,
    pub body: String,
    pub template: String,
    pub applicant: String,
    pub case: String,
    pub files: Vec<String>,
    /// A forward carries its message's attachments.
    pub forward_attachments: bool,
}

impl ComposeForm {
    fn from_pairs(pairs: &[(String, String)]) -> Self {
        ComposeForm {
            mode: Mode::parse(field(pairs, "mode")),
            parent: field(pairs, "parent").to_owned(),
            draft: field(pairs, "draft").to_owned(),
            from: field(pairs, "from").to_owned(),
            to: field(pairs, "to").to_owned(),
            cc: field(pairs, "cc").to_owned(),
            bcc: field(pairs, "bcc").to_owned(),
            subject: field(pairs, "subject").to_owned(),
            body: field(pairs, "body").to_owned(),
            template: field(pairs, "template").to_owned(),
            applicant: field(pairs, "applicant").to_owned(),
            case: field(pairs, "case").to_owned(),
            files: pairs
                .iter()
                .filter(|(k, _)| k == "files")
                .map(|(_, v)| v.clone())
                .collect(),
            forward_attachments: field(pairs, "forward_attachments") == "1",
        }
    }

    fn from_draft(id: &str, d: Draft) -> Self {
        ComposeForm {
            mode: Mode::parse(&d.mode),
            parent: d.parent.unwrap_or_default(),
            draft: id.to_owned(),
            from: d.mailbox_id,
            to: d.to,
            cc: d.cc,
            bcc: d.bcc,
            subject: d.subject,
            body: d.body,
            template: String::new(),
            applicant: d.applicant_id.unwrap_or_default(),
            case: d.case_id.unwrap_or_default(),
            files: d.files,
            forward_attachments: d.forward_attachments,
        }
    }

    fn as_draft(&self) -> Draft {
        let some = |v: &str| Some(v.to_owned()).filter(|v| !v.is_empty());
        Draft {
            mailbox_id: self.from.clone(),
            to: self.to.clone(),
            cc: self.cc.clone(),
            bcc: self.bcc.clone(),
            subject: self.subject.clone(),
            body: self.body.clone(),
            parent: some(&self.parent),
            mode: self.mode.as_str().to_owned(),
            applicant_id: some(&self.applicant),
            case_id: some(&self.case),
            files: self.files.clone(),
            forward_attachments: self.forward_attachments,
            ..Draft::default()
        }
    }

    fn records(&self) -> Vec<String> {
        let mut records = Vec::new();
        if !self.case.is_empty() {
            records.push(linking::case(&self.case));
        }
        if !self.applicant.is_empty() {
            records.push(linking::applicant(&self.applicant));
        }
        records
    }
}

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

/// The form, with `problem` shown loudly when there is one.
fn render(
    ctx: &Ctx,
    reader: &Reader,
    form: &ComposeForm,
    problem: Option<&Error>,
) -> Result<Response> {
    let mut from = el("select").attr("id", "from").attr("name", "from");
    if reader.mailboxes.is_empty() {
        from = from.child(el("option").attr("value", "").text("The practice's sender"));
    }
    for mailbox in &reader.mailboxes {
        from = from.child(
            el("option")
                .attr("value", &mailbox.id)
                .flag("selected", mailbox.id == form.from)
                .text(&format!("{} <{}>", mailbox.name, mailbox.address)),
        );
    }
    let mut picker = el("select")
        .attr("id", "template")
        .attr("name", "template")
        .child(el("option").attr("value", "").text("No template"));
    for template in templates::all(ctx)? {
        picker = picker.child(
            el("option")
                .attr("value", &template.id)
                .flag("selected", template.id == form.template)
                .text(&template.data.name),
        );
    }
    let mut files = el("fieldset")
        .class("em-pick")
        .child(el("legend").text("Attach files of the applicant or case"));
    let mut any = false;
    for record in form.records() {
        for file in ctx.files(&record).unwrap_or_default() {
            any = true;
            let id = format!("file-{}", file.id);
            files = files.child(
                el("div")
                    .class("em-check")
                    .child(
                        el("input")
                            .attr("type", "checkbox")
                            .attr("id", id.clone())
                            .attr("name", "files")
                            .attr("value", &file.id)
                            .flag("checked", form.files.contains(&file.id)),
                    )
                    .child(el("label").attr("for", id).text(&format!(
                        "{} ({})",
                        file.name,
                        super::size(file.size as usize)
                    ))),
            );
        }
    }
    if form.mode == Mode::Forward
        && let Some(parent) = Some(form.parent.as_str())
            .filter(|p| !p.is_empty())
            .and_then(|p| reader.message(ctx, p).ok())
    {
        let names: Vec<&str> = parent
            .data
            .attachments
            .iter()
            .filter(|a| !a.inline)
            .map(|a| a.name.as_str())
            .collect();
        if !names.is_empty() {
            any = true;
            files = files.child(
                el("div")
                    .class("em-check")
                    .child(
                        el("input")
                            .attr("type", "checkbox")
                            .attr("id", "forward_attachments")
                            .attr("name", "forward_attachments")
                            .attr("value", "1")
                            .flag("checked", form.forward_attachments),
                    )
                    .child(
                        el("label")
                            .attr("for", "forward_attachments")
                            .text(&format!(
                                "The forwarded message's attachments: {}",
                                names.join(", ")
                            )),
                    ),
            );
        }
    }
    if !any {
        files = files.child(
            el("p")
                .class("em-soft")
                .text("No files: open the message from an applicant or a case to attach theirs."),
        );
    }
    let hidden = |name: &'static str, value: &str| {
        el("input")
            .attr("type", "hidden")
            .attr("name", name)
            .attr("value", value)
    };
    let mut page = el("form")
        .attr("method", "post")
        .attr("action", format!("{BASE}/messages"))
        .class("em-compose");
    if let Some(problem) = problem {
        page = page.child(alert(problem.message()));
    }
    page = page
        .child(hidden("mode", form.mode.as_str()))
        .child(hidden("parent", &form.parent))
        .child(hidden("draft", &form.draft))
        .child(hidden("applicant", &form.applicant))
        .child(hidden("case", &form.case))
        .child(
            el("div")
                .class("em-field")
                .child(el("label").attr("for", "from").text("From"))
                .child(from),
        )
        .child(input("to", "To", &form.to))
        .child(input("cc", "Cc", &form.cc))
        .child(input("bcc", "Bcc", &form.bcc))
        .child(input("subject", "Subject", &form.subject))
        .child(
            el("div")
                .class("em-field em-template")
                .child(el("label").attr("for", "template").text("Template"))
                .child(picker)
                .child(
                    el("button")
                        .attr("type", "submit")
                        .attr("name", "action")
                        .attr("value", "template")
                        .text("Insert template"),
                ),
        )
        .child(textarea("body", "Message", &form.body, 16))
        .child(files)
        .child(
            el("div")
                .class("em-buttons")
                .child(
                    el("button")
                        .attr("type", "submit")
                        .attr("name", "action")
                        .attr("value", "send")
                        .class("primary")
                        .text("Send"),
                )
                .child(
                    el("button")
                        .attr("type", "submit")
                        .attr("name", "action")
                        .attr("value", "save")
                        .text("Save draft"),
                ),
        );
    let title = match form.mode {
        Mode::New => "New message",
        Mode::Reply | Mode::ReplyAll => "Reply",
        Mode::Forward => "Forward",
    };
    let status = if problem.is_some() { 422 } else { 200 };
    Ok(frame(Section::Compose, title, page).status(status))
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
