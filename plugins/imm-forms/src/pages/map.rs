//! `/editions/:id/map`: the map viewer, and for administrators its editor
//! and its versions.

use immcase_sdk::html::{Html, el, text};
use immcase_sdk::{Ctx, Doc, Error, Response, Result};

use super::{code_field, hidden, local_time, refusal, table};
use crate::MANAGE;
use crate::catalog::{Edition, Status};
use crate::maps::store::{Map, MapChange, all_versions, problems};
use crate::maps::{self, check::any_row};

/// The map's page; after a refused save, with the text typed and every
/// line's mistake.
pub fn page(
    ctx: &Ctx,
    edition: &Doc<Edition>,
    map: Option<&Doc<Map>>,
    refused: Option<(&MapChange, &Error)>,
) -> Result<Response> {
    let zone = &ctx.caller().time_zone;
    let title = format!("Map of {}", edition.data.name());
    let mut page = el("section")
        .class("imm-map")
        .child(
            el("p").child(
                el("a")
                    .attr("href", format!("/m/imm-forms/editions/{}", edition.id))
                    .text(&edition.data.name()),
            ),
        )
        .child(el("h1").text(&title));
    let Some(map) = map else {
        let said = if edition.data.status == Status::Unnamed {
            "Name this blank first: its map starts from the form's earlier map."
        } else {
            "No map yet."
        };
        return Ok(
            Response::html(page.child(el("p").class("empty").text(said)).render())
                .page_title(&title),
        );
    };
    let fields = maps::store::fields(&map.data);
    page = page.child(el("p").class("hint").text(&format!(
        "Version {}, saved {} by {}.{}",
        map.data.number,
        local_time(map.data.saved_at, zone),
        map.data.saved_by_name,
        map.data.note.as_ref().map(|n| format!(" {n}.")).unwrap_or_default()
    )));
    let rows: Vec<Vec<Html>> = fields
        .iter()
        .map(|f| {
            let changes: Vec<String> = f.transforms.iter().map(|t| t.written()).collect();
            vec![
                el("code").text(&f.path).into(),
                text(&f.source.written()),
                text(&changes.join(", ")),
                text(if f.required { "required" } else { "" }),
            ]
        })
        .collect();
    page = if rows.is_empty() {
        page.child(el("p").class("empty").text("No field is mapped yet."))
    } else {
        page.child(table(&["Field", "From", "Changes", ""], rows))
    };
    let covered: std::collections::HashSet<String> =
        fields.iter().map(|f| any_row(&f.path)).collect();
    let unmapped: Vec<&str> = edition
        .data
        .fields
        .iter()
        .filter(|f| !covered.contains(&any_row(&f.path)))
        .map(|f| f.path.as_str())
        .collect();
    if !unmapped.is_empty() {
        page = page.child(
            el("details")
                .child(el("summary").text(&format!(
                    "{} fields of the form no line fills",
                    unmapped.len()
                )))
                .child(
                    el("ul").children(unmapped.iter().map(|p| el("li").child(el("code").text(p)))),
                ),
        );
    }
    if ctx.caller().can(MANAGE) {
        page = page.child(editor(edition, map, refused));
        let versions = all_versions(ctx, &edition.id)?;
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
    }
    Ok(Response::html(page.render())
        .page_title(&title)
        .status(refused.map_or(200, |(_, e)| e.status())))
}

fn editor(edition: &Doc<Edition>, map: &Doc<Map>, refused: Option<(&MapChange, &Error)>) -> Html {
    let problem = refused.map(|(_, e)| e);
    let text_shown = refused.map_or(map.data.text.as_str(), |(c, _)| c.text.as_str());
    let found = problems(text_shown, &edition.data);
    let bad: Vec<usize> = found.iter().map(|p| p.line).collect();
    // The version the text was typed on, so a change made meanwhile is
    // not overwritten.
    let version = refused.and_then(|(c, _)| c.version).unwrap_or(map.version);
    let mut form = el("form")
        .class("stack")
        .attr("method", "post")
        .attr("action", format!("/m/imm-forms/editions/{}/map", edition.id))
        .child(el("h2").text("Edit the map"))
        .child(el("p").class("hint").text(
            "One field per line: its path, then <- and where its value comes from (applicant.…, case.…, family.child.…, \"text\" or ask \"question\"), \
             then | and changes (date, year, month, day, yes-no, one-two, codes, upper, max N) and | required.",
        ));
    if let Some(problem) = problem.filter(|e| e.status() == 409) {
        form = form.child(refusal(Some(problem)));
    }
    if !found.is_empty() {
        form = form.child(
            el("div")
                .class("form-error")
                .attr("role", "alert")
                .child(el("p").text(if problem.is_some() {
                    "The map was not saved:"
                } else {
                    "This map has mistakes:"
                }))
                .child(el("ul").children(found.iter().map(|p| el("li").text(&p.to_string())))),
        );
    }
    form.child(code_field("text", text_shown, &bad, "Map"))
        .child(hidden("version", &version.to_string()))
        .child(
            el("button")
                .attr("type", "submit")
                .class("primary")
                .text("Save map"),
        )
        .render()
}
