//! `/editions/:id`: one blank — what it is, naming it, making it active.

use immcase_sdk::html::{Html, el, text};
use immcase_sdk::{Ctx, Doc, Error, Response, Result};

use super::{field, hidden, input, local_time, refusal};
use crate::MANAGE;
use crate::catalog::{self, Edition, Naming, Status, technology_said};

/// The edition's page; after a refused naming, with what was typed.
pub fn page(ctx: &Ctx, doc: &Doc<Edition>, refused: Option<(&Naming, &Error)>) -> Result<Response> {
    let edition = &doc.data;
    let zone = &ctx.caller().time_zone;
    let manager = ctx.caller().can(MANAGE);
    let form = match edition.status {
        Status::Named => catalog::forms(ctx).get(&edition.form_code)?,
        Status::Unnamed => None,
    };
    let active = form
        .as_ref()
        .and_then(|f| f.data.active_edition_id.as_deref())
        == Some(doc.id.as_str());
    let mut facts: Vec<(&str, Html)> = Vec::new();
    if edition.status == Status::Named {
        facts.push((
            "Form",
            text(&format!(
                "{} — {}",
                catalog::spaced(&edition.form_code),
                edition.title
            )),
        ));
        facts.push(("Edition", text(&edition.label)));
        facts.push((
            "Language",
            text(if edition.language == "fr" {
                "French"
            } else {
                "English"
            }),
        ));
    }
    facts.push((
        "State",
        match (edition.status, active) {
            (Status::Unnamed, _) => el("span")
                .class("badge off")
                .text("not named yet: it cannot be filled")
                .into(),
            (Status::Named, true) => el("span")
                .class("badge on")
                .text("active: filled for new cases")
                .into(),
            (Status::Named, false) => el("span")
                .class("badge")
                .text("not active: readable for the cases that used it")
                .into(),
        },
    ));
    facts.push((
        "Technology",
        text(&format!(
            "{}{}",
            technology_said(&edition.technology),
            if edition.encrypted { ", encrypted" } else { "" }
        )),
    ));
    facts.push(("Pages", text(&edition.pages.to_string())));
    facts.push(("Fields", text(&edition.fields.len().to_string())));
    facts.push(("SHA-256", el("code").text(&edition.sha256).into()));
    facts.push((
        "Blank",
        el("a")
            .attr(
                "href",
                format!("/api/v1/m/imm-forms/editions/{}/blank", doc.id),
            )
            .attr("download", &edition.file_name)
            .text(&edition.file_name)
            .into(),
    ));
    facts.push((
        "Uploaded",
        text(&format!(
            "{} by {}",
            local_time(edition.uploaded_at, zone),
            edition.uploaded_by_name
        )),
    ));
    if let (Some(by), Some(at)) = (&edition.named_by_name, edition.named_at) {
        facts.push(("Named", text(&format!("{} by {by}", local_time(at, zone)))));
    }
    let details = el("dl").children(
        facts
            .into_iter()
            .map(|(term, value)| Html::from_iter([el("dt").text(term), el("dd").child(value)])),
    );
    let mut page = el("section")
        .class("imm-edition")
        .child(el("p").child(el("a").attr("href", "/m/imm-forms/").text("IMM forms")))
        .child(el("h1").text(&edition.name()))
        .child(details);
    if edition.status == Status::Named {
        page = page.child(
            el("p").child(
                el("a")
                    .attr("href", format!("/m/imm-forms/editions/{}/map", doc.id))
                    .text("Field map"),
            ),
        );
    }
    if manager {
        if edition.status == Status::Named && !active {
            page = page.child(
                el("form")
                    .attr("method", "post")
                    .attr(
                        "action",
                        format!("/m/imm-forms/editions/{}/activate", doc.id),
                    )
                    .attr(
                        "data-confirm",
                        "Fill new forms with this edition from now on?",
                    )
                    .child(
                        el("button")
                            .attr("type", "submit")
                            .class("primary")
                            .text("Make this the active edition"),
                    ),
            );
        }
        page = page.child(naming_form(doc, refused));
    }
    let title = edition.name();
    Ok(Response::html(page.render())
        .page_title(&title)
        .status(refused.map_or(200, |(_, e)| e.status())))
}

fn naming_form(doc: &Doc<Edition>, refused: Option<(&Naming, &Error)>) -> Html {
    let edition = &doc.data;
    let problem = refused.map(|(_, e)| e);
    let typed = refused.map(|(n, _)| n.clone()).unwrap_or_else(|| Naming {
        form_code: catalog::spaced(&edition.form_code),
        title: edition.title.clone(),
        language: if edition.language.is_empty() {
            "en".into()
        } else {
            edition.language.clone()
        },
        label: edition.label.clone(),
    });
    let (heading, hint, button) = match edition.status {
        Status::Unnamed => (
            "Which form is this?",
            "As printed on the blank: the form's number, its title, and the edition in its footer, e.g. (10-2023) E.",
            "Add to the catalog",
        ),
        Status::Named => ("Correct the name", "Only if it was named wrongly.", "Save"),
    };
    let language = el("select").attr("name", "language").children(
        [("en", "English"), ("fr", "French")]
            .iter()
            .map(|(value, label)| {
                el("option")
                    .attr("value", value)
                    .flag("selected", typed.language == *value)
                    .text(label)
            }),
    );
    el("form")
        .class("stack card")
        .attr("method", "post")
        .attr("action", format!("/m/imm-forms/editions/{}/name", doc.id))
        .child(el("h2").text(heading))
        .child(refusal(problem))
        .child(el("p").class("hint").text(hint))
        .child(field(
            "Form",
            input("form_code", &typed.form_code)
                .attr("placeholder", "IMM 5257")
                .flag("required", true),
            problem,
            "form_code",
        ))
        .child(field(
            "Title",
            input("title", &typed.title)
                .attr("maxlength", "200")
                .flag("required", true),
            problem,
            "title",
        ))
        .child(field("Language", language, problem, "language"))
        .child(field(
            "Edition",
            input("label", &typed.label)
                .attr("placeholder", "(10-2023) E")
                .attr("maxlength", "40")
                .flag("required", true),
            problem,
            "label",
        ))
        .child(hidden("id", &doc.id))
        .child(
            el("button")
                .attr("type", "submit")
                .class("primary")
                .text(button),
        )
        .render()
}
