//! The compose form: what it holds (from a post, a draft, or the first
//! values of a reply), and how it is drawn: From, To, Cc, Bcc, the
//! subject, the template picker, the text, the files of the applicant or
//! case (and a forwarded message's attachments), Send and Save draft.

use immcase_sdk::html::el;
use immcase_sdk::{Ctx, Error, Response, Result};

use crate::access::Reader;
use crate::api::templates;
use crate::data::Draft;
use crate::linking;
use crate::outgoing::prepare::Mode;
use crate::pages::{BASE, Section, alert, field, frame, input, textarea};

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
    pub fn from_pairs(pairs: &[(String, String)]) -> Self {
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

    pub fn from_draft(id: &str, d: Draft) -> Self {
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

    pub fn as_draft(&self) -> Draft {
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

    pub fn records(&self) -> Vec<String> {
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

/// The form, with `problem` shown loudly when there is one.
pub fn render(
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
                        crate::pages::size(file.size as usize)
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
