//! The catalog: the blanks uploaded, each an edition of a form once named,
//! and each form's active edition.

use immcase_pdf_forms::{FieldInfo, Technology};
use immcase_sdk::{Collection, Ctx, Doc, Error, Request, Response, Result, new_id};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::{MANAGE, maps, pages};

/// A blank as uploaded: an edition of its form once named.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Edition {
    /// `IMM5257`; empty until the blank is named.
    pub form_code: String,
    pub title: String,
    /// `en` or `fr`.
    pub language: String,
    /// IRCC's edition label, `(10-2023) E`.
    pub label: String,
    pub status: Status,
    /// Of the blank's bytes, lowercase hex.
    pub sha256: String,
    /// The blank, a file of the module's own.
    pub file_id: String,
    pub file_name: String,
    pub size: u64,
    /// `acroform`, `static_xfa` or `dynamic_xfa`.
    pub technology: String,
    pub encrypted: bool,
    pub pages: usize,
    /// The form's own description of its data.
    pub fields: Vec<FieldInfo>,
    pub uploaded_by: String,
    pub uploaded_by_name: String,
    pub uploaded_at: i64,
    pub named_by_name: Option<String>,
    pub named_at: Option<i64>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Uploaded, waiting for an administrator to say what it is.
    Unnamed,
    /// An edition of its form.
    Named,
}

impl Edition {
    /// `IMM 5257 (10-2023) E`, or the file's name while unnamed.
    pub fn name(&self) -> String {
        if self.status == Status::Unnamed {
            return format!("{} (not named yet)", self.file_name);
        }
        format!("{} {}", spaced(&self.form_code), self.label)
    }
}

/// A form of the catalog and its active edition.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Form {
    pub code: String,
    pub title: String,
    pub active_edition_id: Option<String>,
    pub activated_by_name: Option<String>,
    pub activated_at: Option<i64>,
}

pub fn editions(ctx: &Ctx) -> Collection<Edition> {
    ctx.collection("editions")
}

pub fn forms(ctx: &Ctx) -> Collection<Form> {
    ctx.collection("forms")
}

/// `IMM5257` as people read it: `IMM 5257`.
pub fn spaced(code: &str) -> String {
    match code.find(|c: char| c.is_ascii_digit()) {
        Some(at) if at > 0 => format!("{} {}", &code[..at], &code[at..]),
        _ => code.to_owned(),
    }
}

/// An edition as the API shows it (without its fields' code lists).
pub fn view(doc: &Doc<Edition>) -> serde_json::Value {
    let e = &doc.data;
    json!({
        "id": doc.id,
        "version": doc.version,
        "name": e.name(),
        "form_code": e.form_code,
        "title": e.title,
        "language": e.language,
        "label": e.label,
        "status": e.status,
        "sha256": e.sha256,
        "file_name": e.file_name,
        "size": e.size,
        "technology": e.technology,
        "encrypted": e.encrypted,
        "pages": e.pages,
        "field_count": e.fields.len(),
        "uploaded_by": e.uploaded_by,
        "uploaded_by_name": e.uploaded_by_name,
        "uploaded_at": e.uploaded_at,
        "named_by_name": e.named_by_name,
        "named_at": e.named_at,
    })
}

pub fn find(ctx: &Ctx, id: &str) -> Result<Doc<Edition>> {
    editions(ctx)
        .get(id)?
        .ok_or_else(|| Error::NotFound(format!("no edition {id}")))
}

/// Every edition, newest upload first (a practice keeps tens, not thousands).
pub fn all(ctx: &Ctx) -> Result<Vec<Doc<Edition>>> {
    let mut items = Vec::new();
    let mut cursor = None;
    loop {
        let page = editions(ctx)
            .query()
            .descending()
            .limit(500)
            .after(cursor)
            .fetch()?;
        items.extend(page.items);
        match page.next_cursor {
            Some(next) => cursor = Some(next),
            None => return Ok(items),
        }
    }
}

/// `GET /editions`.
pub fn list(ctx: &Ctx, _request: Request) -> Result<Response> {
    let items: Vec<_> = all(ctx)?.iter().map(view).collect();
    Ok(Response::json(&json!({ "items": items })))
}

/// `GET /forms`: each form with its active edition's id.
pub fn list_forms(ctx: &Ctx, _request: Request) -> Result<Response> {
    let page = forms(ctx).query().limit(500).fetch()?;
    let items: Vec<_> = page
        .items
        .iter()
        .map(|doc| json!({ "code": doc.id, "title": doc.data.title, "active_edition_id": doc.data.active_edition_id }))
        .collect();
    Ok(Response::json(&json!({ "items": items })))
}

/// `GET /editions/:id`: the edition (as JSON, or its page).
pub fn show(ctx: &Ctx, request: Request) -> Result<Response> {
    let doc = find(ctx, request.require_param("id")?)?;
    if request.is_page() {
        return pages::edition::page(ctx, &doc, None);
    }
    Ok(Response::json(&view(&doc)))
}

/// `GET /editions/:id/blank`: the blank as uploaded.
pub fn blank(ctx: &Ctx, request: Request) -> Result<Response> {
    let doc = find(ctx, request.require_param("id")?)?;
    let bytes = ctx.read_file(&doc.data.file_id)?;
    Ok(Response::download(
        &doc.data.file_name,
        "application/pdf",
        bytes,
    ))
}

/// `POST /editions`: a blank, as the body (`application/pdf`) or the page's
/// file field `blank`. One already in the catalog is answered as it is.
pub fn upload(ctx: &Ctx, request: Request) -> Result<Response> {
    ctx.require(MANAGE)?;
    let page = request.is_page();
    let (file_name, bytes) = if request.is_multipart() {
        let form = request.multipart()?;
        let part = form
            .files("blank")
            .next()
            .filter(|p| !p.data.is_empty())
            .ok_or_else(|| Error::invalid_field("blank", "choose the blank PDF to upload"))?;
        (
            part.file_name.clone().unwrap_or_else(|| "blank.pdf".into()),
            part.data.clone(),
        )
    } else {
        let name = request
            .query_param("name")
            .unwrap_or_else(|| "blank.pdf".into());
        (name, request.body().to_vec())
    };
    let outcome = add_blank(ctx, &file_name, bytes);
    match (outcome, page) {
        (Ok((doc, true)), true) => Ok(Response::redirect(&format!(
            "/m/imm-forms/editions/{}",
            doc.id
        ))
        .flash("This blank is new: say which form and edition it is.")),
        (Ok((doc, false)), true) => {
            Ok(
                Response::redirect(&format!("/m/imm-forms/editions/{}", doc.id)).flash(&format!(
                    "This blank is already in the catalog as {}.",
                    doc.data.name()
                )),
            )
        }
        (Ok((doc, true)), false) => Ok(Response::created(&view(&doc))),
        (Ok((doc, false)), false) => Ok(Response::json(&view(&doc))),
        (Err(error), true) if error.status() == 422 => {
            pages::catalog::home_with_problem(ctx, &error)
        }
        (Err(error), _) => Err(error),
    }
}

/// The largest blank taken: IRCC's are a few megabytes.
const MAX_BLANK_BYTES: usize = 15 * 1024 * 1024;

/// Stores a blank as an unnamed edition; or the edition it already is
/// (`false`).
fn add_blank(ctx: &Ctx, file_name: &str, bytes: Vec<u8>) -> Result<(Doc<Edition>, bool)> {
    if bytes.len() > MAX_BLANK_BYTES {
        return Err(Error::invalid_field(
            "blank",
            "larger than 15 MB: is this an IRCC blank?",
        ));
    }
    let sha256 = hex(&Sha256::digest(&bytes));
    let same = editions(ctx)
        .query()
        .where_eq("sha256", &sha256)
        .limit(1)
        .fetch()?;
    if let Some(doc) = same.items.into_iter().next() {
        return Ok((doc, false));
    }
    let info = immcase_pdf_forms::inspect(&bytes)
        .map_err(|e| Error::invalid_field("blank", &format!("this PDF cannot be used: {e}")))?;
    let file_name = clean_file_name(file_name);
    let caller = ctx.caller();
    let file = ctx.attach_file(
        &format!("module:blank-{}", &sha256[..16]),
        &file_name,
        "application/pdf",
        &bytes,
    )?;
    let edition = Edition {
        form_code: String::new(),
        title: String::new(),
        language: String::new(),
        label: String::new(),
        status: Status::Unnamed,
        sha256,
        file_id: file.id,
        file_name,
        size: bytes.len() as u64,
        technology: technology(info.technology).into(),
        encrypted: info.encrypted,
        pages: info.pages,
        fields: info.fields,
        uploaded_by: caller.user_id.clone().unwrap_or_default(),
        uploaded_by_name: caller.display_name.clone(),
        uploaded_at: ctx.now(),
        named_by_name: None,
        named_at: None,
    };
    let doc = editions(ctx).insert(&new_id(), &edition)?;
    ctx.emit(
        "imm-forms.blank_uploaded",
        &json!({ "edition_id": doc.id, "sha256": doc.data.sha256 }),
    )?;
    Ok((doc, true))
}

pub fn technology(technology: Technology) -> &'static str {
    match technology {
        Technology::AcroForm => "acroform",
        Technology::StaticXfa => "static_xfa",
        Technology::DynamicXfa => "dynamic_xfa",
    }
}

/// The technology in words.
pub fn technology_said(technology: &str) -> &'static str {
    match technology {
        "acroform" => "AcroForm",
        "static_xfa" => "static XFA",
        "dynamic_xfa" => "dynamic XFA",
        _ => "unknown",
    }
}

fn clean_file_name(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or("").trim();
    let cleaned: String = base.chars().filter(|c| !c.is_control()).take(120).collect();
    if cleaned.is_empty() {
        "blank.pdf".into()
    } else {
        cleaned
    }
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// What an administrator says a blank is.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct Naming {
    #[serde(default)]
    pub form_code: String,
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub language: String,
    #[serde(default)]
    pub label: String,
}

/// `POST /editions/:id/name`: says which form and edition a blank is; its
/// map starts as the suggestion from the form's earlier map.
pub fn name(ctx: &Ctx, request: Request) -> Result<Response> {
    ctx.require(MANAGE)?;
    let id = request.require_param("id")?;
    let naming: Naming = if request.is_page() {
        request.form()?
    } else {
        request.json()?
    };
    match name_edition(ctx, id, &naming) {
        Ok(doc) if request.is_page() => Ok(Response::redirect(&format!(
            "/m/imm-forms/editions/{id}"
        ))
        .flash(&format!(
            "Named {}. Check its map, then make it the active edition.",
            doc.data.name()
        ))),
        Ok(doc) => Ok(Response::json(&view(&doc))),
        Err(error) if request.is_page() && matches!(error.status(), 409 | 422) => {
            pages::edition::page(ctx, &find(ctx, id)?, Some((&naming, &error)))
        }
        Err(error) => Err(error),
    }
}

fn name_edition(ctx: &Ctx, id: &str, naming: &Naming) -> Result<Doc<Edition>> {
    let current = find(ctx, id)?;
    let checked = check_naming(naming)?;
    let taken = editions(ctx)
        .query()
        .where_eq("form_code", &checked.form_code)
        .limit(500)
        .fetch()?;
    if let Some(other) = taken
        .items
        .iter()
        .find(|d| d.id != id && d.data.label == checked.label)
    {
        return Err(
            Error::Conflict(format!("{} is already in the catalog", other.data.name())).with(
                "fields",
                json!({ "label": "another blank has this form and edition" }),
            ),
        );
    }
    let first_naming = current.data.status == Status::Unnamed;
    let mut edition = current.data.clone();
    edition.form_code = checked.form_code.clone();
    edition.title = checked.title.clone();
    edition.language = checked.language;
    edition.label = checked.label;
    edition.status = Status::Named;
    edition.named_by_name = Some(ctx.caller().display_name.clone());
    edition.named_at = Some(ctx.now());
    let doc = editions(ctx).update(id, &edition, current.version)?;
    match forms(ctx).get(&checked.form_code)? {
        Some(form) if form.data.title != checked.title => {
            let mut renamed = form.data.clone();
            renamed.title = checked.title.clone();
            forms(ctx).update(&form.id, &renamed, form.version)?;
        }
        Some(_) => {}
        None => {
            let form = Form {
                code: checked.form_code.clone(),
                title: checked.title.clone(),
                ..Form::default()
            };
            forms(ctx).insert(&checked.form_code, &form)?;
        }
    }
    if first_naming {
        maps::store::start(ctx, &doc)?;
    }
    ctx.emit(
        "imm-forms.edition_named",
        &json!({ "edition_id": id, "form_code": doc.data.form_code, "label": doc.data.label }),
    )?;
    Ok(doc)
}

/// A naming with its form code written as `IMM5257` and each part checked.
pub fn check_naming(naming: &Naming) -> Result<Naming> {
    let mut problems = Vec::new();
    let code: String = naming
        .form_code
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .collect::<String>()
        .to_uppercase();
    let letters = code.chars().take_while(|c| c.is_ascii_alphabetic()).count();
    let digits = code[letters..]
        .chars()
        .take_while(|c| c.is_ascii_digit())
        .count();
    let suffix = &code[letters + digits..];
    if code.is_empty() {
        problems.push((
            "form_code".to_string(),
            "required, e.g. IMM 5257".to_string(),
        ));
    } else if !(2..=6).contains(&letters)
        || !(3..=5).contains(&digits)
        || suffix.len() > 4
        || !suffix.chars().all(|c| c.is_ascii_alphabetic())
    {
        problems.push((
            "form_code".into(),
            "letters then digits, e.g. IMM 5257".into(),
        ));
    }
    let title = naming.title.trim().to_owned();
    if title.is_empty() || title.chars().count() > 200 {
        problems.push(("title".into(), "required, at most 200 characters".into()));
    }
    let language = naming.language.trim().to_lowercase();
    if !matches!(language.as_str(), "en" | "fr") {
        problems.push(("language".into(), "en or fr".into()));
    }
    let label = naming
        .label
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    if label.is_empty() || label.chars().count() > 40 {
        problems.push((
            "label".into(),
            "required, as printed on the form, e.g. (10-2023) E".into(),
        ));
    }
    if !problems.is_empty() {
        return Err(Error::invalid_fields(problems));
    }
    Ok(Naming {
        form_code: code,
        title,
        language,
        label,
    })
}

/// `POST /editions/:id/activate`: the edition its form fills from now on.
pub fn activate(ctx: &Ctx, request: Request) -> Result<Response> {
    ctx.require(MANAGE)?;
    let id = request.require_param("id")?;
    let doc = find(ctx, id)?;
    if doc.data.status != Status::Named {
        return Err(Error::Invalid(
            "this blank is not named yet: say which form and edition it is first".into(),
        ));
    }
    let form = forms(ctx).get(&doc.data.form_code)?.ok_or_else(|| {
        Error::Internal(format!(
            "no form {} for a named edition",
            doc.data.form_code
        ))
    })?;
    let mut active = form.data.clone();
    active.active_edition_id = Some(id.to_owned());
    active.activated_by_name = Some(ctx.caller().display_name.clone());
    active.activated_at = Some(ctx.now());
    forms(ctx).update(&form.id, &active, form.version)?;
    ctx.emit(
        "imm-forms.edition_activated",
        &json!({ "edition_id": id, "form_code": doc.data.form_code }),
    )?;
    if request.is_page() {
        return Ok(Response::redirect(&format!("/m/imm-forms/editions/{id}"))
            .flash(&format!("{} is now the active edition.", doc.data.name())));
    }
    Ok(Response::json(&view(&doc)))
}

/// `POST /editions/:id/try` `{values: [{path, value}]}`: the blank filled
/// with these values, as a download, nothing kept: for an administrator
/// checking an edition with values of their own. Answers how many were
/// written and refused in `X-Written` and `X-Refused`.
pub fn try_fill(ctx: &Ctx, request: Request) -> Result<Response> {
    ctx.require(MANAGE)?;
    #[derive(Deserialize)]
    struct Value {
        path: String,
        value: String,
    }
    #[derive(Deserialize)]
    struct Trial {
        values: Vec<Value>,
    }
    let doc = find(ctx, request.require_param("id")?)?;
    let trial: Trial = request.json()?;
    if trial.values.len() > 10_000 {
        return Err(Error::invalid_field("values", "at most 10000"));
    }
    let values: Vec<immcase_pdf_forms::FieldValue> = trial
        .values
        .into_iter()
        .map(|v| immcase_pdf_forms::FieldValue::new(v.path, v.value))
        .collect();
    let blank = ctx.read_file(&doc.data.file_id)?;
    let filled = immcase_pdf_forms::fill(&blank, &values)
        .map_err(|e| Error::Internal(format!("filling {} failed: {e}", doc.data.name())))?;
    Ok(
        Response::download(&doc.data.file_name, "application/pdf", filled.pdf)
            .header("x-written", &filled.written.len().to_string())
            .header("x-refused", &filled.refused.len().to_string()),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_codes_are_written_one_way() {
        let naming = |code: &str| Naming {
            form_code: code.into(),
            title: "Application for Visitor Visa".into(),
            language: "EN".into(),
            label: " (10-2023)  E ".into(),
        };
        let checked = check_naming(&naming("imm 5257")).unwrap();
        assert_eq!(
            (checked.form_code.as_str(), checked.language.as_str()),
            ("IMM5257", "en")
        );
        assert_eq!(checked.label, "(10-2023) E");
        assert_eq!(spaced("IMM5257"), "IMM 5257");
        assert!(check_naming(&naming("5257")).is_err());
        assert!(check_naming(&naming("IMM")).is_err());
        assert_eq!(
            check_naming(&naming("IMM 0008 DEP")).unwrap().form_code,
            "IMM0008DEP"
        );
        assert!(check_naming(&naming("IMM 5257 12")).is_err());
    }
}
