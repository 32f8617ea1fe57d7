//! `/templates`: the letter templates, a new one from a starter, and the
//! editor with its check result, a preview and the versions.

use immcase_sdk::html::{Html, el, text};
use immcase_sdk::{Ctx, Doc, Error, Response, Result};

use super::{code_field, field, hidden, input, local_time, refusal, table};
use crate::MANAGE;
use crate::letters::{NewTemplate, Template, TemplateChange, all, all_versions};

/// The list; after a refused new template, with what was typed.
pub fn list(ctx: &Ctx, typed: Option<&NewTemplate>, problem: Option<&Error>) -> Result<Response> {
    let zone = &ctx.caller().time_zone;
    let rows: Vec<Vec<Html>> = all(ctx)?
        .iter()
        .map(|doc| {
            vec![
                el("a")
                    .attr("href", format!("/m/imm-forms/templates/{}", doc.id))
                    .text(&doc.data.title)
                    .into(),
                text(&format!("version {}", doc.data.number)),
                text(&format!(
                    "{} by {}",
                    local_time(doc.data.saved_at, zone),
                    doc.data.saved_by_name
                )),
            ]
        })
        .collect();
    let mut page = el("section")
        .class("imm-templates")
        .child(el("p").child(el("a").attr("href", "/m/imm-forms/").text("IMM forms")))
        .child(el("h1").text("Letter templates"))
        .child(el("p").class("hint").text(
            "Letters and summaries generated for a case from its Forms tab, with the practice's letterhead. \
             Tokens such as {{applicant.family_name}} are filled from the record.",
        ));
    page = if rows.is_empty() {
        page.child(el("p").class("empty").text("No templates yet."))
    } else {
        page.child(table(&["Template", "Version", "Saved"], rows))
    };
    if ctx.caller().can(MANAGE) {
        let typed = typed.cloned().unwrap_or_default();
        let starters = el("select")
            .attr("name", "starter")
            .child(el("option").attr("value", "").text("An empty letter"))
            .children(immcase_doc_templates::starters().into_iter().map(|s| {
                el("option")
                    .attr("value", s.key)
                    .flag("selected", typed.starter == s.key)
                    .text(s.title)
            }));
        page = page.child(
            el("form")
                .class("stack card")
                .attr("method", "post")
                .attr("action", "/m/imm-forms/templates")
                .child(el("h2").text("New template"))
                .child(refusal(problem))
                .child(field(
                    "Name",
                    input("title", &typed.title)
                        .attr("maxlength", "120")
                        .flag("required", true),
                    problem,
                    "title",
                ))
                .child(field("Start from", starters, problem, "starter"))
                .child(
                    el("button")
                        .attr("type", "submit")
                        .class("primary")
                        .text("Add template"),
                ),
        );
    }
    Ok(Response::html(page.render())
        .page_title("Letter templates")
        .status(problem.map_or(200, Error::status)))
}

/// The editor: the template, or what was typed with the check's result
/// (`Ok(pages)`) or the refusal.
pub fn editor(
    ctx: &Ctx,
    doc: &Doc<Template>,
    typed: Option<&TemplateChange>,
    outcome: Option<std::result::Result<usize, Error>>,
) -> Result<Response> {
    let zone = &ctx.caller().time_zone;
    let source = typed.map_or(doc.data.source.as_str(), |t| t.source.as_str());
    let title_typed = typed
        .and_then(|t| t.title.clone())
        .unwrap_or_else(|| doc.data.title.clone());
    let version = typed.and_then(|t| t.version).unwrap_or(doc.version);
    let problem = outcome.as_ref().and_then(|o| o.as_ref().err());
    let lines: Vec<usize> = problem
        .map(Error::to_json)
        .and_then(|json| json["error"]["problems"].as_array().cloned())
        .unwrap_or_default()
        .iter()
        .filter_map(|p| p["line"].as_u64().map(|l| l as usize))
        .collect();
    let result: Html = match &outcome {
        None => Html::new(),
        Some(Ok(pages)) => el("p")
            .class("flash")
            .attr("role", "status")
            .text(&format!(
                "No mistakes: it typesets to {pages} page{} with sample values.",
                if *pages == 1 { "" } else { "s" }
            ))
            .into(),
        Some(Err(error)) => {
            let json = error.to_json();
            let problems: Vec<String> = json["error"]["problems"]
                .as_array()
                .map(|ps| {
                    ps.iter()
                        .filter_map(|p| p["said"].as_str().map(str::to_owned))
                        .collect()
                })
                .unwrap_or_default();
            let mut said = el("div")
                .class("form-error")
                .attr("role", "alert")
                .child(el("p").text(error.message().split(':').next().unwrap_or("")));
            if !problems.is_empty() {
                said = said.child(el("ul").children(problems.iter().map(|p| el("li").text(p))));
            } else {
                said = said.child(el("p").text(error.message()));
            }
            said.into()
        }
    };
    let mut page = el("section")
        .class("imm-template")
        .child(
            el("p").child(
                el("a")
                    .attr("href", "/m/imm-forms/templates")
                    .text("Letter templates"),
            ),
        )
        .child(el("h1").text(&doc.data.title))
        .child(
            el("p")
                .class("hint")
                .text(&format!(
                    "Version {}, saved {} by {}. ",
                    doc.data.number,
                    local_time(doc.data.saved_at, zone),
                    doc.data.saved_by_name
                ))
                .child(
                    el("a")
                        .attr(
                            "href",
                            format!("/api/v1/m/imm-forms/templates/{}/preview", doc.id),
                        )
                        .attr("download", "")
                        .text("Preview as PDF"),
                ),
        );
    if ctx.caller().can(MANAGE) {
        let tokens: Vec<String> = immcase_doc_templates::Vocabulary::standard()
            .names()
            .map(|n| format!("{{{{{n}}}}}"))
            .collect();
        page = page.child(
            el("form")
                .class("stack")
                .attr("method", "post")
                .attr("action", format!("/m/imm-forms/templates/{}", doc.id))
                .child(result)
                .child(field("Name", input("title", &title_typed).attr("maxlength", "120"), problem, "title"))
                .child(code_field("source", source, &lines, "Template"))
                .child(hidden("version", &version.to_string()))
                .child(el("div").class("actions")
                    .child(el("button").attr("type", "submit").attr("name", "action").attr("value", "save").class("primary").text("Save"))
                    .child(el("button").attr("type", "submit").attr("name", "action").attr("value", "check").text("Check")))
                .child(el("details").child(el("summary").text("Tokens and letterhead")).child(el("p").class("hint").text(&format!(
                    "#letterhead() draws the practice's name, address, contact details and logo (Settings → Practice). Tokens: {}. \
                     Style with Typst's set and show rules, e.g. #set text(font: \"Liberation Sans\", size: 11pt).",
                    tokens.join(", ")
                )))),
        );
        let versions = all_versions(ctx, &doc.id)?;
        page = page.child(el("h2").text("Versions")).child(table(
            &["Version", "Saved", "By"],
            versions
                .iter()
                .map(|v| {
                    vec![
                        text(&v.data.number.to_string()),
                        text(&local_time(v.data.saved_at, zone)),
                        text(&v.data.saved_by_name),
                    ]
                })
                .collect(),
        ));
    } else {
        page = page.child(el("pre").class("code-view").text(&doc.data.source));
    }
    let status = problem.map_or(200, Error::status);
    Ok(Response::html(page.render())
        .page_title(&doc.data.title)
        .status(status))
}
