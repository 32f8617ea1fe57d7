//! A case's Forms tab, "Fill for this case", and the report of a filled
//! form.

use immcase_sdk::html::{Html, el, text};
use immcase_sdk::{Case, Ctx, Doc, Error, Placement, Request, Response, Result};

use super::{hidden, input, local_time, refusal, table};
use crate::catalog::{self, Status};
use crate::fill::{self, FillRequest, Generated};
use crate::maps;

/// `GET /cases/:id` (the case's Forms tab, or a page of its own).
pub fn tab(ctx: &Ctx, request: Request) -> Result<Response> {
    let case_id = request.require_param("id")?;
    render_tab(ctx, case_id, request.placement() == Placement::Tab, None)
}

/// The case's forms page after a letter was refused, the refusal in view.
pub fn letter_refused(ctx: &Ctx, case_id: &str, problem: &Error) -> Result<Response> {
    render_tab(ctx, case_id, false, Some(problem))
}

fn render_tab(ctx: &Ctx, case_id: &str, in_tab: bool, problem: Option<&Error>) -> Result<Response> {
    let case = ctx.case(case_id)?;
    let items = fill::for_case(ctx, case_id)?;
    let zone = &ctx.caller().time_zone;
    let forms: Vec<_> = catalog::forms(ctx)
        .query()
        .limit(500)
        .fetch()?
        .items
        .into_iter()
        .filter(|f| f.data.active_edition_id.is_some())
        .collect();
    let mut section = el("section").class("imm-case");
    if !in_tab {
        section = section.child(el("h1").text(&format!("Forms of {}", case.folio)));
    }
    section = if forms.is_empty() {
        section.child(el("p").class("empty").text(
            "No form has an active edition yet: an administrator uploads IRCC's blanks in IMM forms.",
        ))
    } else {
        let choice = el("select")
            .attr("name", "form_code")
            .children(forms.iter().map(|f| {
                el("option").attr("value", &f.id).text(&format!(
                    "{} — {}",
                    catalog::spaced(&f.id),
                    f.data.title
                ))
            }));
        section.child(
            el("form")
                .class("inline")
                .attr("method", "get")
                .attr("action", format!("/m/imm-forms/cases/{case_id}/fill"))
                .child(el("label").text("Form ").child(choice))
                .child(
                    el("button")
                        .attr("type", "submit")
                        .class("primary")
                        .text("Fill for this case"),
                ),
        )
    };
    let rows: Vec<Vec<Html>> = items
        .iter()
        .map(|doc| {
            let g = &doc.data;
            let missing = g.not_filled.len();
            vec![
                el("a")
                    .attr("href", format!("/m/imm-forms/generated/{}", doc.id))
                    .text(&g.edition_name)
                    .into(),
                text(&format!(
                    "{} by {}",
                    local_time(g.generated_at, zone),
                    g.generated_by_name
                )),
                text(&format!(
                    "{} written, {missing} not filled",
                    g.written.len()
                )),
                download(g),
            ]
        })
        .collect();
    section = section.child(el("h2").text("Generated for this case"));
    section = if rows.is_empty() {
        section.child(el("p").class("empty").text("Nothing generated yet."))
    } else {
        section.child(table(&["Form", "Generated", "Report", "File"], rows))
    };
    section = section.child(letters_section(ctx, case_id, problem)?);
    Ok(Response::html(section.render())
        .page_title(&format!("Forms of {}", case.folio))
        .status(problem.map_or(200, Error::status)))
}

/// The letters generated for the case, and the form to generate one.
fn letters_section(ctx: &Ctx, case_id: &str, problem: Option<&Error>) -> Result<Html> {
    let zone = &ctx.caller().time_zone;
    let templates = crate::letters::all(ctx)?;
    let mut section = el("div")
        .class("imm-letters")
        .child(el("h2").text("Letters"));
    section = section.child(refusal(problem));
    if templates.is_empty() {
        section = section.child(el("p").class("empty").text(
            "No letter templates yet: an administrator adds them in IMM forms → Letter templates.",
        ));
    } else {
        let choice = el("select").attr("name", "template").children(
            templates
                .iter()
                .map(|t| el("option").attr("value", &t.id).text(&t.data.title)),
        );
        section = section.child(
            el("form")
                .class("inline")
                .attr("method", "post")
                .attr("action", format!("/m/imm-forms/cases/{case_id}/letters"))
                .child(el("label").text("Template ").child(choice))
                .child(el("button").attr("type", "submit").text("Generate letter")),
        );
    }
    let letters = crate::letters::generate::for_case(ctx, case_id)?;
    let rows: Vec<Vec<Html>> = letters
        .iter()
        .map(|doc| {
            let l = &doc.data;
            let file: Html = match &l.download {
                Some(url) => el("a")
                    .attr("href", url)
                    .attr("download", &l.file_name)
                    .text("Download")
                    .into(),
                None => text(&l.file_name),
            };
            vec![
                text(&format!(
                    "{} (version {})",
                    l.template_title, l.template_number
                )),
                text(&format!(
                    "{} by {}",
                    local_time(l.generated_at, zone),
                    l.generated_by_name
                )),
                text(&format!(
                    "{} page{}",
                    l.pages,
                    if l.pages == 1 { "" } else { "s" }
                )),
                file,
            ]
        })
        .collect();
    if !rows.is_empty() {
        section = section.child(table(&["Letter", "Generated", "Pages", "File"], rows));
    }
    Ok(section.render())
}

fn download(g: &Generated) -> Html {
    match &g.download {
        Some(url) => el("a")
            .attr("href", url)
            .attr("download", &g.file_name)
            .text("Download")
            .into(),
        None => text(&g.file_name),
    }
}

/// `GET /cases/:id/fill?form_code=…`: the form's edition and the questions
/// its map asks.
pub fn fill_form(ctx: &Ctx, request: Request) -> Result<Response> {
    let case_id = request.require_param("id")?;
    let asked = FillRequest {
        form_code: request.query_param("form_code"),
        edition_id: request.query_param("edition_id"),
        ..FillRequest::default()
    };
    fill_page(ctx, case_id, &asked, None)
}

/// "Fill for this case"; after a refusal, with the answers typed.
pub fn fill_page(
    ctx: &Ctx,
    case_id: &str,
    asked: &FillRequest,
    problem: Option<&Error>,
) -> Result<Response> {
    let case = ctx.case(case_id)?;
    let back = el("p").child(
        el("a")
            .attr("href", format!("/cases/{case_id}?tab=imm-forms#tab"))
            .text(&format!("Back to {}", case.folio)),
    );
    let edition = match fill::edition_for(ctx, asked) {
        Ok(edition) => edition,
        Err(error) if error.status() == 422 => {
            let page = el("section")
                .child(back)
                .child(el("h1").text("Fill a form"))
                .child(refusal(Some(&error)));
            return Ok(Response::html(page.render())
                .page_title("Fill a form")
                .status(422));
        }
        Err(error) => return Err(error),
    };
    let map = maps::store::of(ctx, &edition.id)?;
    let questions = map
        .as_ref()
        .map(|m| fill::questions(&maps::store::fields(&m.data)))
        .unwrap_or_default();
    let title = format!("Fill {} for {}", edition.data.name(), case.folio);
    let mut form = el("form")
        .class("stack card")
        .attr("method", "post")
        .attr("action", format!("/m/imm-forms/cases/{case_id}/fill"))
        .child(refusal(problem))
        .child(hidden("edition_id", &edition.id));
    if questions.is_empty() {
        form = form.child(
            el("p")
                .text("Everything comes from the case, its applicant and the applicant's family."),
        );
    } else {
        form =
            form.child(el("p").text("The record does not say these; answer them for this form:"));
        for question in &questions {
            let value = asked
                .answers
                .get(question)
                .map(String::as_str)
                .unwrap_or("");
            form = form.child(
                el("label")
                    .text(question)
                    .child(input(&format!("answer:{question}"), value).attr("maxlength", "500")),
            );
        }
    }
    let page = el("section")
        .class("imm-fill")
        .child(back)
        .child(el("h1").text(&title))
        .child(el("p").class("hint").text(&format!(
            "{} — {}{}. The PDF goes to the case's files with a report of every field not filled.",
            edition.data.name(),
            edition.data.title,
            if edition.data.status == Status::Named {
                ""
            } else {
                " (not named)"
            }
        )))
        .child(
            form.child(
                el("button")
                    .attr("type", "submit")
                    .class("primary")
                    .text("Fill for this case"),
            ),
        );
    Ok(Response::html(page.render())
        .page_title(&title)
        .status(problem.map_or(200, Error::status)))
}

/// `GET /generated/:id` (page): what was filled, what was not and why, and
/// what the consultant does next.
pub fn report(ctx: &Ctx, doc: &Doc<Generated>, case: &Case) -> Result<Response> {
    let g = &doc.data;
    let zone = &ctx.caller().time_zone;
    let title = format!("{} for {}", g.edition_name, g.folio);
    let required_missing = g.not_filled.iter().filter(|n| n.required).count();
    let mut page = el("section")
        .class("imm-report")
        .child(
            el("p").child(
                el("a")
                    .attr("href", format!("/cases/{}?tab=imm-forms#tab", case.id))
                    .text(&format!("Back to {}", case.folio)),
            ),
        )
        .child(el("h1").text(&title))
        .child(
            el("dl").children(
                [
                    (
                        "Generated",
                        text(&format!(
                            "{} by {}",
                            local_time(g.generated_at, zone),
                            g.generated_by_name
                        )),
                    ),
                    (
                        "Edition",
                        el("a")
                            .attr("href", format!("/m/imm-forms/editions/{}", g.edition_id))
                            .text(&g.edition_name)
                            .into(),
                    ),
                    ("Map", text(&format!("version {}", g.map_number))),
                    ("File", download(g)),
                ]
                .into_iter()
                .map(|(term, value)| Html::from_iter([el("dt").text(term), el("dd").child(value)])),
            ),
        )
        .child(
            el("div").class("card").child(el("h2").text("Next")).child(
                el("ol").children(
                    [
                        "Download the PDF and open it in Adobe Reader (not in a browser).",
                        "Check each page and fill in what the report lists below.",
                        "Press Validate on the last page: Adobe Reader draws IRCC's barcodes.",
                        "Save, and submit it on the IRCC portal with the rest of the application.",
                    ]
                    .iter()
                    .map(|step| el("li").text(step)),
                ),
            ),
        );
    if required_missing > 0 {
        page = page.child(el("p").class("form-error").attr("role", "alert").text(&format!(
            "{required_missing} required field{} not filled: the form will not validate until {} filled in.",
            if required_missing == 1 { " is" } else { "s are" },
            if required_missing == 1 { "it is" } else { "they are" }
        )));
    }
    page = page.child(el("h2").text(&format!("Not filled ({})", g.not_filled.len())));
    page = if g.not_filled.is_empty() {
        page.child(el("p").text("Every mapped field was filled."))
    } else {
        page.child(table(
            &["Field", "Why", ""],
            g.not_filled
                .iter()
                .map(|n| {
                    vec![
                        el("code").text(&n.path).into(),
                        text(&n.reason.said()),
                        text(if n.required { "required" } else { "" }),
                    ]
                })
                .collect(),
        ))
    };
    page = page.child(
        el("details")
            .child(el("summary").text(&format!("Written ({})", g.written.len())))
            .child(el("ul").children(g.written.iter().map(|p| el("li").child(el("code").text(p))))),
    );
    Ok(Response::html(page.render()).page_title(&title))
}
