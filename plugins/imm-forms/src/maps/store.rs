//! Each edition's map, versioned: the map as it is (`maps`, by edition) and
//! every version saved (`map_versions`).

use immcase_sdk::{Collection, Ctx, Doc, Error, Request, Response, Result};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::{MapField, MapProblem, Suggestion, check, parse, shipped, suggest};
use crate::catalog::{self, Edition, Status};
use crate::{MANAGE, pages};

/// An edition's map as it is now.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Map {
    pub edition_id: String,
    pub text: String,
    /// 1 for the first map; every save adds 1.
    pub number: u64,
    pub saved_by_name: String,
    pub saved_at: i64,
    /// Where it came from, for a suggested map.
    pub note: Option<String>,
}

pub fn maps(ctx: &Ctx) -> Collection<Map> {
    ctx.collection("maps")
}

fn versions_of(ctx: &Ctx) -> Collection<Map> {
    ctx.collection("map_versions")
}

/// The largest map text.
const MAX_MAP_BYTES: usize = 256 * 1024;

/// The map of an edition, if it has one.
pub fn of(ctx: &Ctx, edition_id: &str) -> Result<Option<Doc<Map>>> {
    maps(ctx).get(edition_id)
}

/// The fields of a map text that reads (a map that no longer reads fills nothing).
pub fn fields(map: &Map) -> Vec<MapField> {
    parse(&map.text).unwrap_or_default()
}

/// Gives a newly named edition its first map: the suggestion from the map
/// of its form's active edition (else the latest named one), else from the
/// map shipped for the form.
pub fn start(ctx: &Ctx, edition: &Doc<Edition>) -> Result<Suggestion> {
    let (earlier, from) = earlier_map(ctx, edition)?;
    let header = format!("{} — {}", edition.data.name(), edition.data.title);
    let suggestion = suggest(&edition.data.fields, &earlier, &header);
    let map = Map {
        edition_id: edition.id.clone(),
        text: suggestion.text.clone(),
        number: 1,
        saved_by_name: ctx.caller().display_name.clone(),
        saved_at: ctx.now(),
        note: Some(from),
    };
    maps(ctx).insert(&edition.id, &map)?;
    versions_of(ctx).insert(&version_id(&edition.id, 1), &map)?;
    Ok(suggestion)
}

/// The map a new edition starts from, and where it is from in words.
fn earlier_map(ctx: &Ctx, edition: &Doc<Edition>) -> Result<(Vec<MapField>, String)> {
    let code = &edition.data.form_code;
    let mut candidates: Vec<Doc<Edition>> = catalog::editions(ctx)
        .query()
        .where_eq("form_code", code)
        .limit(500)
        .fetch()?
        .items
        .into_iter()
        .filter(|d| d.id != edition.id && d.data.status == Status::Named)
        .collect();
    let active = catalog::forms(ctx)
        .get(code)?
        .and_then(|f| f.data.active_edition_id);
    // The active edition first, then the latest named.
    candidates.sort_by_key(|d| {
        (
            Some(&d.id) != active.as_ref(),
            std::cmp::Reverse(d.data.named_at),
        )
    });
    for candidate in candidates {
        if let Some(map) = of(ctx, &candidate.id)? {
            return Ok((
                fields(&map.data),
                format!("Suggested from the map of {}", candidate.data.name()),
            ));
        }
    }
    match shipped::for_form(code) {
        Some(text) => Ok((
            parse(text).unwrap_or_default(),
            format!(
                "Suggested from the map shipped for {}",
                catalog::spaced(code)
            ),
        )),
        None => Ok((
            Vec::new(),
            "No earlier map: every field of the form is listed to fill in".into(),
        )),
    }
}

fn version_id(edition_id: &str, number: u64) -> String {
    format!("{edition_id}-{number:06}")
}

/// The map's problems against its edition: every line's mistake.
pub fn problems(text: &str, edition: &Edition) -> Vec<MapProblem> {
    match parse(text) {
        Ok(fields) => check(&fields, &edition.fields),
        Err(problems) => problems,
    }
}

fn map_view(doc: &Doc<Map>, edition: &Edition) -> serde_json::Value {
    json!({
        "edition_id": doc.data.edition_id,
        "text": doc.data.text,
        "number": doc.data.number,
        "version": doc.version,
        "saved_by_name": doc.data.saved_by_name,
        "saved_at": doc.data.saved_at,
        "note": doc.data.note,
        "fields": fields(&doc.data),
        "problems": problems(&doc.data.text, edition),
    })
}

/// `GET /editions/:id/map`: the map (JSON), or its viewer and editor.
pub fn show(ctx: &Ctx, request: Request) -> Result<Response> {
    let edition = catalog::find(ctx, request.require_param("id")?)?;
    let map = of(ctx, &edition.id)?;
    if request.is_page() {
        return pages::map::page(ctx, &edition, map.as_ref(), None);
    }
    let map =
        map.ok_or_else(|| Error::NotFound("this blank has no map yet: name it first".into()))?;
    Ok(Response::json(&map_view(&map, &edition.data)))
}

#[derive(Clone, Debug, Default, Deserialize)]
pub struct MapChange {
    #[serde(default)]
    pub text: String,
    /// The map's version the change was made on.
    pub version: Option<u64>,
}

/// `PUT /editions/:id/map` (or the editor's `POST`): a new version of the
/// map, refused with every line's mistake.
pub fn save(ctx: &Ctx, request: Request) -> Result<Response> {
    ctx.require(MANAGE)?;
    let edition = catalog::find(ctx, request.require_param("id")?)?;
    let change: MapChange = if request.is_page() {
        request.form()?
    } else {
        request.json()?
    };
    let outcome = save_map(ctx, &edition, &change);
    match outcome {
        Ok(doc) if request.is_page() => Ok(Response::redirect(&format!(
            "/m/imm-forms/editions/{}/map",
            edition.id
        ))
        .flash(&format!("Map saved as version {}.", doc.data.number))),
        Ok(doc) => Ok(Response::json(&map_view(&doc, &edition.data))),
        Err(error) if request.is_page() && matches!(error.status(), 409 | 422) => {
            let map = of(ctx, &edition.id)?;
            pages::map::page(ctx, &edition, map.as_ref(), Some((&change, &error)))
        }
        Err(error) => Err(error),
    }
}

fn save_map(ctx: &Ctx, edition: &Doc<Edition>, change: &MapChange) -> Result<Doc<Map>> {
    if edition.data.status != Status::Named {
        return Err(Error::Invalid("name this blank before mapping it".into()));
    }
    if change.text.len() > MAX_MAP_BYTES {
        return Err(Error::invalid_field("text", "a map is at most 256 KB"));
    }
    let text = change.text.replace("\r\n", "\n");
    let found = problems(&text, &edition.data);
    if !found.is_empty() {
        let said: Vec<String> = found.iter().map(ToString::to_string).collect();
        return Err(
            Error::Invalid(format!("the map has mistakes: {}", said.join("; ")))
                .with("problems", json!(found))
                .with("fields", json!({ "text": said.join("; ") })),
        );
    }
    let current = of(ctx, &edition.id)?;
    let stale = |current: &Doc<Map>| {
        Error::Conflict(format!(
            "the map was changed by {} since you opened it (version {})",
            current.data.saved_by_name, current.data.number
        ))
        .with(
            "current",
            json!({ "text": current.data.text, "version": current.version }),
        )
    };
    let number = current.as_ref().map_or(1, |c| c.data.number + 1);
    let map = Map {
        edition_id: edition.id.clone(),
        text,
        number,
        saved_by_name: ctx.caller().display_name.clone(),
        saved_at: ctx.now(),
        note: None,
    };
    let doc = match &current {
        Some(current) => {
            if change.version != Some(current.version) {
                return Err(stale(current));
            }
            match maps(ctx).update(&edition.id, &map, current.version) {
                Err(Error::Conflict(_)) => {
                    return Err(stale(
                        &of(ctx, &edition.id)?.unwrap_or_else(|| current.clone()),
                    ));
                }
                other => other?,
            }
        }
        None => maps(ctx).insert(&edition.id, &map)?,
    };
    versions_of(ctx).insert(&version_id(&edition.id, number), &map)?;
    ctx.emit(
        "imm-forms.map_saved",
        &json!({ "edition_id": edition.id, "number": number }),
    )?;
    Ok(doc)
}

/// Every saved version of an edition's map, newest first.
pub fn all_versions(ctx: &Ctx, edition_id: &str) -> Result<Vec<Doc<Map>>> {
    Ok(versions_of(ctx)
        .query()
        .where_eq("edition_id", edition_id)
        .descending()
        .limit(500)
        .fetch()?
        .items)
}

/// `GET /editions/:id/map/versions`.
pub fn versions(ctx: &Ctx, request: Request) -> Result<Response> {
    let edition = catalog::find(ctx, request.require_param("id")?)?;
    let items: Vec<_> = all_versions(ctx, &edition.id)?
        .iter()
        .map(|d| json!({ "number": d.data.number, "text": d.data.text, "saved_by_name": d.data.saved_by_name, "saved_at": d.data.saved_at, "note": d.data.note }))
        .collect();
    Ok(Response::json(&json!({ "items": items })))
}

/// `GET /editions/:id/map/suggestion`: what the form's earlier map (or the
/// shipped one) gives for this edition.
pub fn suggestion(ctx: &Ctx, request: Request) -> Result<Response> {
    let edition = catalog::find(ctx, request.require_param("id")?)?;
    let (earlier, from) = earlier_map(ctx, &edition)?;
    let header = format!("{} — {}", edition.data.name(), edition.data.title);
    let suggestion = suggest(&edition.data.fields, &earlier, &header);
    Ok(Response::json(&json!({
        "from": from,
        "text": suggestion.text,
        "kept": suggestion.kept,
        "removed": suggestion.removed,
        "new": suggestion.new,
    })))
}
