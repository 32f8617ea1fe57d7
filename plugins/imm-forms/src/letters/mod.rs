//! Letters and summaries from templates: Typst markup with
//! `{{applicant.family_name}}`-style tokens ([`immcase_doc_templates`]),
//! typeset to PDF inside the module with the practice's letterhead.
//!
//! Templates are kept per practice by key (`templates`), every save a new
//! version (`template_versions`); saving checks the template (unknown
//! tokens, markup and style mistakes, each with its line and column).
//! Generating a letter for a case fills every token from the case, its
//! applicant, the practice and the person generating, refuses to produce
//! anything while a token has no value (naming each), and files the PDF
//! with the case (`letters` keeps who generated which template, when).

pub mod generate;

use immcase_doc_templates::{Letterhead, Logo, LogoFormat, Problem, Vocabulary};
use immcase_sdk::{Collection, Ctx, Doc, Error, Request, Response, Result};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::{MANAGE, pages};

/// A template as it is now.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Template {
    pub key: String,
    pub title: String,
    pub source: String,
    /// 1 for the first save; every save adds 1.
    pub number: u64,
    pub saved_by_name: String,
    pub saved_at: i64,
}

pub fn templates(ctx: &Ctx) -> Collection<Template> {
    ctx.collection("templates")
}

fn versions_of(ctx: &Ctx) -> Collection<Template> {
    ctx.collection("template_versions")
}

/// The largest template source.
const MAX_SOURCE_BYTES: usize = 128 * 1024;

/// The practice's letterhead as the typesetter takes it.
pub fn letterhead(ctx: &Ctx) -> Result<Letterhead> {
    let practice = ctx.letterhead()?;
    let logo = practice.logo.and_then(|logo| {
        let format = match logo.content_type.as_str() {
            "image/png" => LogoFormat::Png,
            "image/jpeg" => LogoFormat::Jpeg,
            "image/svg+xml" => LogoFormat::Svg,
            _ => return None,
        };
        Some(Logo {
            bytes: logo.content,
            format,
        })
    });
    Ok(Letterhead {
        name: practice.name,
        address: practice.address,
        phone: practice.phone,
        email: practice.email,
        website: practice.website,
        logo,
    })
}

/// Every problem of a template, as the API answers them.
pub fn problems_json(problems: &[Problem]) -> serde_json::Value {
    json!(problems
        .iter()
        .map(|p| json!({ "line": p.position.line, "column": p.position.column, "message": p.message, "said": p.to_string() }))
        .collect::<Vec<_>>())
}

/// The template checked with the standard tokens and the practice's
/// letterhead: a refusal names every problem with its line and column.
pub fn check(ctx: &Ctx, source: &str) -> Result<immcase_doc_templates::Checked> {
    immcase_doc_templates::check(source, &Vocabulary::standard(), &letterhead(ctx)?).map_err(
        |problems| {
            let said: Vec<String> = problems.iter().map(ToString::to_string).collect();
            Error::Invalid(format!("the template has mistakes: {}", said.join("; ")))
                .with("problems", problems_json(&problems))
                .with("fields", json!({ "source": said.join("; ") }))
        },
    )
}

/// Every template, by key.
pub fn all(ctx: &Ctx) -> Result<Vec<Doc<Template>>> {
    Ok(templates(ctx).query().limit(500).fetch()?.items)
}

pub fn find(ctx: &Ctx, key: &str) -> Result<Doc<Template>> {
    templates(ctx)
        .get(key)?
        .ok_or_else(|| Error::NotFound(format!("no template {key}")))
}

fn view(doc: &Doc<Template>) -> serde_json::Value {
    json!({
        "key": doc.id,
        "title": doc.data.title,
        "source": doc.data.source,
        "number": doc.data.number,
        "version": doc.version,
        "saved_by_name": doc.data.saved_by_name,
        "saved_at": doc.data.saved_at,
    })
}

/// `GET /templates`: every template (JSON), or the list with a form for a
/// new one.
pub fn list(ctx: &Ctx, request: Request) -> Result<Response> {
    if request.is_page() {
        return pages::templates::list(ctx, None, None);
    }
    let items: Vec<_> = all(ctx)?.iter().map(view).collect();
    Ok(Response::json(&json!({ "items": items })))
}

/// What a new template starts as.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct NewTemplate {
    #[serde(default)]
    pub key: String,
    #[serde(default)]
    pub title: String,
    /// One of the starters' keys, or empty for the source given.
    #[serde(default)]
    pub starter: String,
    #[serde(default)]
    pub source: Option<String>,
}

/// `POST /templates`: a new template, checked, from a starter or a source.
pub fn create(ctx: &Ctx, request: Request) -> Result<Response> {
    ctx.require(MANAGE)?;
    let page = request.is_page();
    let new: NewTemplate = if page {
        request.form()?
    } else {
        request.json()?
    };
    match create_template(ctx, &new) {
        Ok(doc) if page => Ok(
            Response::redirect(&format!("/m/imm-forms/templates/{}", doc.id))
                .flash(&format!("Template “{}” added.", doc.data.title)),
        ),
        Ok(doc) => Ok(Response::created(&view(&doc))),
        Err(error) if page && matches!(error.status(), 409 | 422) => {
            pages::templates::list(ctx, Some(&new), Some(&error))
        }
        Err(error) => Err(error),
    }
}

fn create_template(ctx: &Ctx, new: &NewTemplate) -> Result<Doc<Template>> {
    let title = new.title.trim().to_owned();
    let key = if new.key.trim().is_empty() {
        slug(&title)
    } else {
        new.key.trim().to_owned()
    };
    let mut problems = Vec::new();
    if title.is_empty() || title.chars().count() > 120 {
        problems.push((
            "title".to_string(),
            "required, at most 120 characters".to_string(),
        ));
    }
    if key.is_empty()
        || key.len() > 60
        || !key
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
    {
        problems.push((
            "key".into(),
            "lowercase letters, digits and hyphens, at most 60".into(),
        ));
    }
    let source = match (&new.source, new.starter.trim()) {
        (Some(source), "") => source.clone(),
        (_, "") => format!("#letterhead()\n\n= {title}\n\nDear {{{{applicant.full_name}}}},\n"),
        (_, starter) => match immcase_doc_templates::starters()
            .into_iter()
            .find(|s| s.key == starter)
        {
            Some(found) => found.source.to_owned(),
            None => {
                problems.push(("starter".into(), format!("no starter {starter}")));
                String::new()
            }
        },
    };
    if !problems.is_empty() {
        return Err(Error::invalid_fields(problems));
    }
    if templates(ctx).get(&key)?.is_some() {
        return Err(
            Error::Conflict(format!("a template with the key {key} exists")).with(
                "fields",
                json!({ "title": "another template has this name" }),
            ),
        );
    }
    save(ctx, &key, &title, &source, None)
}

/// `fr-cover-letter` from `Cover letter (FR)`.
fn slug(title: &str) -> String {
    let mut slug = String::new();
    for c in title.to_lowercase().chars() {
        if c.is_ascii_alphanumeric() {
            slug.push(c);
        } else if !slug.ends_with('-') && !slug.is_empty() {
            slug.push('-');
        }
    }
    slug.trim_end_matches('-').chars().take(60).collect()
}

/// Checks and stores a version of the template; `version` is the one the
/// change was made on (none for a new template).
fn save(
    ctx: &Ctx,
    key: &str,
    title: &str,
    source: &str,
    current: Option<(&Doc<Template>, u64)>,
) -> Result<Doc<Template>> {
    if source.len() > MAX_SOURCE_BYTES {
        return Err(Error::invalid_field(
            "source",
            "a template is at most 128 KB",
        ));
    }
    let source = source.replace("\r\n", "\n");
    // Typeset before the first write: the check is the long part.
    check(ctx, &source)?;
    let number = current.map_or(1, |(doc, _)| doc.data.number + 1);
    let template = Template {
        key: key.to_owned(),
        title: title.to_owned(),
        source,
        number,
        saved_by_name: ctx.caller().display_name.clone(),
        saved_at: ctx.now(),
    };
    let doc = match current {
        Some((doc, seen)) => {
            if doc.version != seen {
                return Err(stale(doc));
            }
            match templates(ctx).update(key, &template, seen) {
                Err(Error::Conflict(_)) => return Err(stale(&find(ctx, key)?)),
                other => other?,
            }
        }
        None => templates(ctx).insert(key, &template)?,
    };
    versions_of(ctx).insert(&format!("{key}-{number:06}"), &template)?;
    ctx.emit(
        "imm-forms.template_saved",
        &json!({ "key": key, "number": number }),
    )?;
    Ok(doc)
}

fn stale(current: &Doc<Template>) -> Error {
    Error::Conflict(format!(
        "the template was changed by {} since you opened it (version {})",
        current.data.saved_by_name, current.data.number
    ))
    .with(
        "current",
        json!({ "source": current.data.source, "version": current.version }),
    )
}

/// `GET /templates/:key`: the template (JSON), or its editor.
pub fn show(ctx: &Ctx, request: Request) -> Result<Response> {
    let doc = find(ctx, request.require_param("key")?)?;
    if request.is_page() {
        return pages::templates::editor(ctx, &doc, None, None);
    }
    Ok(Response::json(&view(&doc)))
}

/// A change from the API or the editor.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct TemplateChange {
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub source: String,
    pub version: Option<u64>,
    /// From the editor: `check` checks without saving.
    #[serde(default)]
    pub action: String,
}

/// `PUT /templates/:key` (or the editor's `POST`, which may only check).
pub fn change(ctx: &Ctx, request: Request) -> Result<Response> {
    ctx.require(MANAGE)?;
    let page = request.is_page();
    let doc = find(ctx, request.require_param("key")?)?;
    let change: TemplateChange = if page {
        request.form()?
    } else {
        request.json()?
    };
    if page && change.action == "check" {
        let outcome = check(ctx, &change.source.replace("\r\n", "\n"));
        return pages::templates::editor(ctx, &doc, Some(&change), Some(outcome.map(|c| c.pages)));
    }
    let title = change
        .title
        .clone()
        .map(|t| t.trim().to_owned())
        .filter(|t| !t.is_empty())
        .unwrap_or_else(|| doc.data.title.clone());
    let outcome = save(
        ctx,
        &doc.id,
        &title,
        &change.source,
        Some((&doc, change.version.unwrap_or_default())),
    );
    match outcome {
        Ok(saved) if page => Ok(Response::redirect(&format!(
            "/m/imm-forms/templates/{}",
            saved.id
        ))
        .flash(&format!("Template saved as version {}.", saved.data.number))),
        Ok(saved) => Ok(Response::json(&view(&saved))),
        Err(error) if page && matches!(error.status(), 409 | 422) => {
            pages::templates::editor(ctx, &doc, Some(&change), Some(Err(error)))
        }
        Err(error) => Err(error),
    }
}

/// `GET /templates/:key/versions`: every saved version, newest first.
pub fn versions(ctx: &Ctx, request: Request) -> Result<Response> {
    let doc = find(ctx, request.require_param("key")?)?;
    let items: Vec<_> = all_versions(ctx, &doc.id)?
        .iter()
        .map(|v| json!({ "number": v.data.number, "title": v.data.title, "source": v.data.source, "saved_by_name": v.data.saved_by_name, "saved_at": v.data.saved_at }))
        .collect();
    Ok(Response::json(&json!({ "items": items })))
}

pub fn all_versions(ctx: &Ctx, key: &str) -> Result<Vec<Doc<Template>>> {
    Ok(versions_of(ctx)
        .query()
        .where_eq("key", key)
        .descending()
        .limit(500)
        .fetch()?
        .items)
}

/// `GET /templates/:key/preview`: the template typeset with sample values
/// and the practice's letterhead, as a PDF download.
pub fn preview(ctx: &Ctx, request: Request) -> Result<Response> {
    let doc = find(ctx, request.require_param("key")?)?;
    let vocabulary = Vocabulary::standard();
    let values = vocabulary
        .names()
        .filter_map(|n| vocabulary.sample(n).map(|s| (n.to_owned(), s.to_owned())))
        .collect();
    let rendered = immcase_doc_templates::render(&doc.data.source, &values, &letterhead(ctx)?)
        .map_err(|e| Error::Invalid(format!("the template cannot be typeset: {e}")))?;
    Ok(Response::download(
        &format!("{} (preview).pdf", doc.data.title),
        "application/pdf",
        rendered.pdf,
    ))
}
