//! A letter generated for a case: every token's value from the case, its
//! applicant, the practice and the person generating; refused, naming each
//! token, while one has no value; filed with the case.

use std::collections::BTreeMap;

use immcase_doc_templates::RenderError;
use immcase_sdk::{Case, Collection, Ctx, Doc, Error, Request, Response, Result, Stage, new_id};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::{find, letterhead, problems_json};
use crate::fill::{applicant_fields, case_fields};
use crate::pages;

/// A letter generated for a case.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Letter {
    pub case_id: String,
    pub folio: String,
    pub template_key: String,
    pub template_title: String,
    /// The template's version it was typeset from.
    pub template_number: u64,
    pub pages: usize,
    pub file_id: String,
    pub file_name: String,
    pub download: Option<String>,
    pub generated_by_name: String,
    pub generated_at: i64,
}

pub fn letters(ctx: &Ctx) -> Collection<Letter> {
    ctx.collection("letters")
}

/// The letters of a case, newest first (the case is checked readable).
pub fn for_case(ctx: &Ctx, case_id: &str) -> Result<Vec<Doc<Letter>>> {
    ctx.case(case_id)?;
    Ok(letters(ctx)
        .query()
        .where_eq("case_id", case_id)
        .descending()
        .limit(200)
        .fetch()?
        .items)
}

#[derive(Clone, Debug, Default, Deserialize)]
pub struct LetterRequest {
    #[serde(default)]
    pub template: String,
}

/// `POST /cases/:id/letters` `{template}`.
pub fn generate(ctx: &Ctx, request: Request) -> Result<Response> {
    let case_id = request.require_param("id")?;
    let page = request.is_page();
    let asked: LetterRequest = if page {
        request.form()?
    } else {
        request.json()?
    };
    match generate_letter(ctx, case_id, &asked.template) {
        Ok(doc) if page => Ok(
            Response::redirect(&format!("/cases/{case_id}?tab=imm-forms#tab")).flash(&format!(
                "“{}” generated and saved in the case's files.",
                doc.data.template_title
            )),
        ),
        Ok(doc) => Ok(Response::created(&view(&doc))),
        Err(error) if page && error.status() == 422 => {
            pages::case::letter_refused(ctx, case_id, &error)
        }
        Err(error) => Err(error),
    }
}

fn generate_letter(ctx: &Ctx, case_id: &str, key: &str) -> Result<Doc<Letter>> {
    if key.trim().is_empty() {
        return Err(Error::invalid_field("template", "choose a template"));
    }
    let template = find(ctx, key.trim())?;
    let case = ctx.case(case_id)?;
    let values = values_for(ctx, &case)?;
    let rendered = immcase_doc_templates::render(&template.data.source, &values, &letterhead(ctx)?).map_err(|e| match e {
        RenderError::Missing(tokens) => {
            let named: Vec<String> = tokens.iter().map(|t| format!("{{{{{t}}}}}")).collect();
            let practice = if tokens.iter().any(|t| t.starts_with("practice.")) {
                " (the practice's details are kept in Settings → Practice)"
            } else {
                ""
            };
            Error::Invalid(format!(
                "“{}” needs what the record does not say: {}. Fill it in{practice}, then generate again.",
                template.data.title,
                named.join(", ")
            ))
            .with("missing", json!(tokens))
        }
        RenderError::Template(problems) => Error::Invalid(format!(
            "“{}” cannot be typeset; an administrator corrects the template",
            template.data.title
        ))
        .with("problems", problems_json(&problems)),
    })?;
    let file_name = format!("{} {}.pdf", template.data.title, case.folio).replace(['/', '\\'], "-");
    // The first write.
    let file = ctx.attach_file(
        &format!("case:{case_id}"),
        &file_name,
        "application/pdf",
        &rendered.pdf,
    )?;
    let letter = Letter {
        case_id: case_id.to_owned(),
        folio: case.folio.clone(),
        template_key: template.id.clone(),
        template_title: template.data.title.clone(),
        template_number: template.data.number,
        pages: rendered.pages,
        file_id: file.id.clone(),
        file_name: file.name.clone(),
        download: file.download.clone(),
        generated_by_name: ctx.caller().display_name.clone(),
        generated_at: ctx.now(),
    };
    let doc = letters(ctx).insert(&new_id(), &letter)?;
    ctx.emit(
        "imm-forms.letter_generated",
        &json!({ "id": doc.id, "case_id": case_id, "template": template.id, "file_id": file.id }),
    )?;
    Ok(doc)
}

/// Every token's value for a case: its applicant's and its own fields, the
/// person generating, today in their zone. (The practice's come with the
/// letterhead.) A value the record lacks is left out, so the letter is
/// refused naming it.
pub fn values_for(ctx: &Ctx, case: &Case) -> Result<BTreeMap<String, String>> {
    let mut values = BTreeMap::new();
    if let Some(applicant_id) = &case.applicant_id {
        let applicant = ctx.applicant(applicant_id)?;
        for (key, value) in applicant_fields(&applicant) {
            values.insert(format!("applicant.{key}"), value);
        }
    }
    for (key, value) in case_fields(case) {
        values.insert(format!("case.{key}"), value);
    }
    if let Some(stage) = case.stage {
        let said = match stage {
            Stage::Intake => "intake",
            Stage::Preparation => "preparation",
            Stage::Submitted => "submitted",
            Stage::Decision => "decision",
            Stage::Closed => "closed",
        };
        values.insert("case.stage".into(), said.into());
    }
    if let Some(person) = case
        .responsible_user_id
        .as_deref()
        .map(|id| ctx.person(id))
        .transpose()?
        .flatten()
    {
        values.insert("case.responsible_name".into(), person.display_name);
    }
    let caller = ctx.caller();
    values.insert("user.name".into(), caller.display_name.clone());
    values.insert("user.email".into(), caller.email.clone());
    let today = jiff::Timestamp::from_millisecond(ctx.now())
        .ok()
        .and_then(|t| t.in_tz(&caller.time_zone).ok())
        .map(|z| z.date().strftime("%B %-d, %Y").to_string());
    if let Some(today) = today {
        values.insert("today".into(), today);
    }
    Ok(values)
}

pub fn view(doc: &Doc<Letter>) -> serde_json::Value {
    let l = &doc.data;
    json!({
        "id": doc.id,
        "case_id": l.case_id,
        "folio": l.folio,
        "template": l.template_key,
        "template_title": l.template_title,
        "template_number": l.template_number,
        "pages": l.pages,
        "file_id": l.file_id,
        "file_name": l.file_name,
        "download": l.download,
        "generated_by_name": l.generated_by_name,
        "generated_at": l.generated_at,
    })
}

/// `GET /cases/:id/letters`.
pub fn list_for_case(ctx: &Ctx, request: Request) -> Result<Response> {
    let items: Vec<_> = for_case(ctx, request.require_param("id")?)?
        .iter()
        .map(view)
        .collect();
    Ok(Response::json(&json!({ "items": items })))
}
