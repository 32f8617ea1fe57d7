//! `/`: the catalog — each form with its active edition, every edition, the
//! blanks waiting to be named, and (for administrators) the upload.

use immcase_sdk::html::{Html, el, text};
use immcase_sdk::{Ctx, Error, Request, Response, Result};

use super::{field, local_time, refusal, table};
use crate::MANAGE;
use crate::catalog::{self, Status, technology_said};

/// `GET /` (page).
pub fn home(ctx: &Ctx, _request: Request) -> Result<Response> {
    render(ctx, None)
}

/// The catalog again after a refused upload, the refusal in view.
pub fn home_with_problem(ctx: &Ctx, problem: &Error) -> Result<Response> {
    render(ctx, Some(problem))
}

fn render(ctx: &Ctx, problem: Option<&Error>) -> Result<Response> {
    let editions = catalog::all(ctx)?;
    let forms = catalog::forms(ctx).query().limit(500).fetch()?.items;
    let zone = &ctx.caller().time_zone;
    let manager = ctx.caller().can(MANAGE);
    let mut page = el("section")
        .class("imm-forms")
        .child(el("h1").text("IMM forms"))
        .child(el("p").class("hint").text(
            "IRCC's forms, filled from a case without breaking them. Open a case's Forms tab to fill one. \
             ImmCase writes only the form's data; open the PDF in Adobe Reader, press Validate, and submit on the IRCC portal.",
        ))
        .child(el("p").child(el("a").attr("href", "/m/imm-forms/templates").text("Letter templates")));
    let form_rows: Vec<Vec<Html>> = forms
        .iter()
        .map(|form| {
            let active = form
                .data
                .active_edition_id
                .as_ref()
                .and_then(|id| editions.iter().find(|e| &e.id == id));
            let active_cell: Html = match active {
                Some(edition) => el("a")
                    .attr("href", format!("/m/imm-forms/editions/{}", edition.id))
                    .text(&edition.data.label)
                    .into(),
                None => el("span")
                    .class("badge off")
                    .text("no active edition")
                    .into(),
            };
            let count = editions
                .iter()
                .filter(|e| e.data.form_code == form.id)
                .count();
            vec![
                text(&catalog::spaced(&form.id)),
                text(&form.data.title),
                active_cell,
                text(&count.to_string()),
            ]
        })
        .collect();
    page = page.child(el("h2").text("Forms"));
    page = if form_rows.is_empty() {
        page.child(
            el("p")
                .class("empty")
                .text("No forms yet. An administrator uploads IRCC's blank PDFs here."),
        )
    } else {
        page.child(table(
            &["Form", "Title", "Active edition", "Editions"],
            form_rows,
        ))
    };
    let waiting: Vec<_> = editions
        .iter()
        .filter(|e| e.data.status == Status::Unnamed)
        .collect();
    if !waiting.is_empty() {
        page = page
            .child(el("h2").text("Blanks waiting to be named"))
            .child(table(
                &["File", "Technology", "Uploaded"],
                waiting
                    .iter()
                    .map(|e| {
                        vec![
                            el("a")
                                .attr("href", format!("/m/imm-forms/editions/{}", e.id))
                                .text(&e.data.file_name)
                                .into(),
                            text(technology_said(&e.data.technology)),
                            text(&format!(
                                "{} by {}",
                                local_time(e.data.uploaded_at, zone),
                                e.data.uploaded_by_name
                            )),
                        ]
                    })
                    .collect(),
            ));
    }
    let named: Vec<_> = editions
        .iter()
        .filter(|e| e.data.status == Status::Named)
        .collect();
    if !named.is_empty() {
        page = page.child(el("h2").text("Editions")).child(table(
            &["Edition", "Language", "Technology", "Pages", "Uploaded"],
            named
                .iter()
                .map(|e| {
                    let active = forms
                        .iter()
                        .any(|f| f.data.active_edition_id.as_deref() == Some(&e.id));
                    let mut name = el("span").child(
                        el("a")
                            .attr("href", format!("/m/imm-forms/editions/{}", e.id))
                            .text(&e.data.name()),
                    );
                    if active {
                        name = name
                            .child(text(" "))
                            .child(el("span").class("badge on").text("active"));
                    }
                    vec![
                        name.into(),
                        text(&e.data.language),
                        text(technology_said(&e.data.technology)),
                        text(&e.data.pages.to_string()),
                        text(&format!(
                            "{} by {}",
                            local_time(e.data.uploaded_at, zone),
                            e.data.uploaded_by_name
                        )),
                    ]
                })
                .collect(),
        ));
    }
    if manager {
        page = page.child(upload_form(problem));
    }
    Ok(Response::html(page.render())
        .page_title("IMM forms")
        .status(problem.map_or(200, Error::status)))
}

fn upload_form(problem: Option<&Error>) -> Html {
    el("form")
        .class("stack card")
        .attr("method", "post")
        .attr("action", "/m/imm-forms/editions")
        .attr("enctype", "multipart/form-data")
        .child(el("h2").text("Upload a blank"))
        .child(refusal(problem))
        .child(el("p").class("hint").text(
            "Download the blank from IRCC's website and upload it as it is. A blank already in the catalog is recognised; \
             a new one is added once you say which form and edition it is.",
        ))
        .child(field(
            "Blank PDF",
            el("input").attr("type", "file").attr("name", "blank").attr("accept", "application/pdf,.pdf").flag("required", true),
            problem,
            "blank",
        ))
        .child(el("button").attr("type", "submit").class("primary").text("Upload"))
        .render()
}
