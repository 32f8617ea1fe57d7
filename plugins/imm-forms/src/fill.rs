//! Filling a form for a case: the active (or a chosen) edition of a form,
//! filled from the case, its applicant and the applicant's family through
//! the edition's map, stored in the case's files, with a record of who
//! generated which edition, when, and the report of what was and was not
//! filled.

use std::collections::BTreeMap;

use immcase_pdf_forms::Refusal;
use immcase_sdk::{
    Applicant, Case, Collection, Ctx, Doc, Error, Request, Response, Result, new_id,
};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::catalog::{self, Edition, Status};
use crate::maps::{self, Answers, NotFilled, Reason, Record, Source};
use crate::{family, pages};

/// A form filled for a case.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Generated {
    pub case_id: String,
    pub folio: String,
    pub applicant_id: String,
    pub edition_id: String,
    pub form_code: String,
    /// `IMM 5257 (10-2023) E`.
    pub edition_name: String,
    /// The map's version it was filled with.
    pub map_number: u64,
    pub file_id: String,
    pub file_name: String,
    /// Where a person downloads it.
    pub download: Option<String>,
    pub generated_by: String,
    pub generated_by_name: String,
    pub generated_at: i64,
    /// The paths written (their values are in the PDF, not here).
    pub written: Vec<String>,
    pub not_filled: Vec<NotFilled>,
}

pub fn generated(ctx: &Ctx) -> Collection<Generated> {
    ctx.collection("generated")
}

/// What the person filling asks for.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct FillRequest {
    #[serde(default)]
    pub form_code: Option<String>,
    #[serde(default)]
    pub edition_id: Option<String>,
    #[serde(default)]
    pub answers: Answers,
}

impl FillRequest {
    /// From the fill page's form: `form_code` or `edition_id`, and each
    /// answer in a field `answer:{question}`.
    fn from_page(fields: BTreeMap<String, String>) -> FillRequest {
        let take = |key: &str| {
            fields
                .get(key)
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
        };
        FillRequest {
            form_code: take("form_code"),
            edition_id: take("edition_id"),
            answers: fields
                .iter()
                .filter_map(|(k, v)| {
                    k.strip_prefix("answer:")
                        .map(|q| (q.to_owned(), v.trim().to_owned()))
                })
                .collect(),
        }
    }
}

/// The edition a request fills: the one named, else the form's active one.
pub fn edition_for(ctx: &Ctx, request: &FillRequest) -> Result<Doc<Edition>> {
    if let Some(id) = &request.edition_id {
        let edition = catalog::find(ctx, id)?;
        if edition.data.status != Status::Named {
            return Err(Error::Invalid(
                "this blank is not named yet: an administrator says which form and edition it is first".into(),
            ));
        }
        return Ok(edition);
    }
    let code = request
        .form_code
        .as_deref()
        .map(|c| c.split_whitespace().collect::<String>().to_uppercase())
        .ok_or_else(|| Error::invalid_field("form_code", "choose a form"))?;
    let form = catalog::forms(ctx).get(&code)?.ok_or_else(|| {
        Error::invalid_field(
            "form_code",
            &format!("{} is not in the catalog", catalog::spaced(&code)),
        )
    })?;
    let active = form.data.active_edition_id.ok_or_else(|| {
        Error::invalid_field(
            "form_code",
            &format!(
                "{} has no active edition yet: an administrator makes one active in IMM forms",
                catalog::spaced(&code)
            ),
        )
    })?;
    catalog::find(ctx, &active)
}

/// `POST /cases/:id/fill`.
pub fn fill(ctx: &Ctx, request: Request) -> Result<Response> {
    let case_id = request.require_param("id")?;
    let page = request.is_page();
    let asked = if page {
        FillRequest::from_page(request.form()?)
    } else {
        request.json()?
    };
    match fill_case(ctx, case_id, &asked) {
        Ok(doc) if page => Ok(
            Response::redirect(&format!("/m/imm-forms/generated/{}", doc.id)).flash(&format!(
                "{} filled and saved in the case's files.",
                doc.data.edition_name
            )),
        ),
        Ok(doc) => Ok(Response::created(&view(&doc))),
        Err(error) if page && error.status() == 422 => {
            pages::case::fill_page(ctx, case_id, &asked, Some(&error))
        }
        Err(error) => Err(error),
    }
}

/// Fills the form for the case and keeps it; all reading and filling is
/// done before the first write.
pub fn fill_case(ctx: &Ctx, case_id: &str, asked: &FillRequest) -> Result<Doc<Generated>> {
    let case = ctx.case(case_id)?;
    let applicant_id = case.applicant_id.clone().ok_or_else(|| {
        Error::Invalid(format!(
            "{} has no applicant to fill the form from",
            case.folio
        ))
    })?;
    let applicant = ctx.applicant(&applicant_id)?;
    let (family, _) = family::of(ctx, &applicant_id)?;
    let edition = edition_for(ctx, asked)?;
    let map = maps::store::of(ctx, &edition.id)?
        .ok_or_else(|| Error::Invalid(format!("{} has no map yet", edition.data.name())))?;
    let fields = maps::store::fields(&map.data);
    let record = Record {
        applicant: applicant_fields(&applicant),
        case: case_fields(&case),
        family: family
            .members
            .iter()
            .map(|m| (m.relationship.clone(), m.fields()))
            .collect(),
    };
    let filling = maps::values_for(&fields, &edition.data.fields, &record, &asked.answers);
    let blank = ctx.read_file(&edition.data.file_id)?;
    let values: Vec<_> = filling.values.iter().map(|(v, _)| v.clone()).collect();
    let filled = immcase_pdf_forms::fill(&blank, &values)
        .map_err(|e| Error::Internal(format!("filling {} failed: {e}", edition.data.name())))?;
    let mut not_filled = filling.not_filled.clone();
    for (path, refusal) in &filled.refused {
        let line = filling
            .values
            .iter()
            .find(|(v, _)| &v.path == path)
            .map_or(0, |(_, l)| *l);
        let required = fields.iter().any(|f| f.line == line && f.required);
        not_filled.push(NotFilled {
            path: path.clone(),
            line,
            required,
            reason: match refusal {
                Refusal::UnknownPath => Reason::NotInForm,
                Refusal::InvalidCharacters => Reason::RefusedCharacters {
                    characters: "(control characters)".into(),
                },
                Refusal::TooManyRows { max } => Reason::TooManyRows { max: *max },
            },
        });
    }
    not_filled.sort_by_key(|n| n.line);
    let file_name = format!(
        "{} {} {}.pdf",
        edition.data.form_code, edition.data.label, case.folio
    )
    .replace(['/', '\\'], "-");
    // The first write.
    let file = ctx.attach_file(
        &format!("case:{case_id}"),
        &file_name,
        "application/pdf",
        &filled.pdf,
    )?;
    let caller = ctx.caller();
    let record = Generated {
        case_id: case_id.to_owned(),
        folio: case.folio.clone(),
        applicant_id,
        edition_id: edition.id.clone(),
        form_code: edition.data.form_code.clone(),
        edition_name: edition.data.name(),
        map_number: map.data.number,
        file_id: file.id.clone(),
        file_name: file.name.clone(),
        download: file.download.clone(),
        generated_by: caller.user_id.clone().unwrap_or_default(),
        generated_by_name: caller.display_name.clone(),
        generated_at: ctx.now(),
        written: filled.written.clone(),
        not_filled,
    };
    let doc = generated(ctx).insert(&new_id(), &record)?;
    ctx.emit(
        "imm-forms.form_filled",
        &json!({
            "id": doc.id,
            "case_id": case_id,
            "edition_id": edition.id,
            "form_code": edition.data.form_code,
            "file_id": file.id,
            "written": doc.data.written.len(),
            "not_filled": doc.data.not_filled.len(),
        }),
    )?;
    Ok(doc)
}

/// The questions a map asks when filling, in its order.
pub fn questions(fields: &[maps::MapField]) -> Vec<String> {
    let mut questions: Vec<String> = Vec::new();
    for field in fields {
        if let Source::Ask { question } = &field.source
            && !questions.contains(question)
        {
            questions.push(question.clone());
        }
    }
    questions
}

/// The applicant's fields by their names in maps.
pub fn applicant_fields(applicant: &Applicant) -> BTreeMap<String, String> {
    let mut fields = BTreeMap::new();
    let mut put = |key: &str, value: Option<&String>| {
        if let Some(value) = value.filter(|v| !v.trim().is_empty()) {
            fields.insert(key.to_owned(), value.clone());
        }
    };
    put("family_name", applicant.family_name.as_ref());
    put("given_name", applicant.given_name.as_ref());
    let full = applicant.display_name();
    put("full_name", Some(&full));
    let others = applicant.other_names.join(", ");
    put("other_names", Some(&others));
    put("date_of_birth", applicant.date_of_birth.as_ref());
    put("country_of_birth", applicant.country_of_birth.as_ref());
    put("citizenship", applicant.citizenship.as_ref());
    put("passport_number", applicant.passport_number.as_ref());
    put("passport_country", applicant.passport_country.as_ref());
    put("passport_expiry", applicant.passport_expiry.as_ref());
    put("email", applicant.emails.first());
    put("phone", applicant.phones.first());
    put("address", applicant.address.as_ref());
    put("preferred_language", applicant.preferred_language.as_ref());
    fields
}

/// The case's fields by their names in maps and letters (a map names only
/// those of `maps::CASE_FIELDS`).
pub fn case_fields(case: &Case) -> BTreeMap<String, String> {
    let mut fields = BTreeMap::from([("folio".to_string(), case.folio.clone())]);
    for (key, value) in [
        ("program", &case.program),
        ("opened_on", &case.opened_on),
        ("submitted_on", &case.submitted_on),
        ("decision_on", &case.decision_on),
    ] {
        if let Some(value) = value.as_ref().filter(|v| !v.is_empty()) {
            fields.insert(key.to_owned(), value.clone());
        }
    }
    fields
}

pub fn view(doc: &Doc<Generated>) -> serde_json::Value {
    let g = &doc.data;
    let not_filled: Vec<_> = g
        .not_filled
        .iter()
        .map(|n| json!({ "path": n.path, "line": n.line, "required": n.required, "reason": n.reason, "said": n.reason.said() }))
        .collect();
    json!({
        "id": doc.id,
        "case_id": g.case_id,
        "folio": g.folio,
        "applicant_id": g.applicant_id,
        "edition_id": g.edition_id,
        "form_code": g.form_code,
        "edition_name": g.edition_name,
        "map_number": g.map_number,
        "file_id": g.file_id,
        "file_name": g.file_name,
        "download": g.download,
        "generated_by": g.generated_by,
        "generated_by_name": g.generated_by_name,
        "generated_at": g.generated_at,
        "written": g.written,
        "not_filled": not_filled,
    })
}

/// What was generated for a case, newest first, after checking the caller
/// may read the case.
pub fn for_case(ctx: &Ctx, case_id: &str) -> Result<Vec<Doc<Generated>>> {
    ctx.case(case_id)?;
    Ok(generated(ctx)
        .query()
        .where_eq("case_id", case_id)
        .descending()
        .limit(200)
        .fetch()?
        .items)
}

/// `GET /cases/:id/generated`.
pub fn list_for_case(ctx: &Ctx, request: Request) -> Result<Response> {
    let items: Vec<_> = for_case(ctx, request.require_param("id")?)?
        .iter()
        .map(view)
        .collect();
    Ok(Response::json(&json!({ "items": items })))
}

/// `GET /generated/:id`: one generated form and its report.
pub fn show(ctx: &Ctx, request: Request) -> Result<Response> {
    let id = request.require_param("id")?;
    let doc = generated(ctx)
        .get(id)?
        .ok_or_else(|| Error::NotFound(format!("nothing generated has the id {id}")))?;
    let case = ctx.case(&doc.data.case_id)?;
    if request.is_page() {
        return pages::case::report(ctx, &doc, &case);
    }
    Ok(Response::json(&view(&doc)))
}
