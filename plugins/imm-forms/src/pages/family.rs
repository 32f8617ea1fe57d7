//! An applicant's Family tab: the members the forms' family rows are
//! filled from.

use immcase_sdk::html::{Html, el, text};
use immcase_sdk::{Ctx, Error, Placement, Request, Response, Result};

use super::{field, hidden, input, refusal, table};
use crate::family::{Family, Member};
use crate::maps::RELATIONSHIPS;

/// The tab; after a refused addition, with what was typed.
pub fn page(
    ctx: &Ctx,
    request: &Request,
    applicant_id: &str,
    family: &Family,
    version: u64,
    refused: Option<(&Member, &Error)>,
) -> Result<Response> {
    let may_change = ctx.caller().can("applicants.write");
    let action = format!("/m/imm-forms/family/{applicant_id}");
    let relationship = |key: &str| {
        RELATIONSHIPS
            .iter()
            .find(|(k, _)| *k == key)
            .map_or(key, |(_, label)| *label)
            .to_owned()
    };
    let rows: Vec<Vec<Html>> = family
        .members
        .iter()
        .enumerate()
        .map(|(row, m)| {
            let mut cells = vec![
                text(&relationship(&m.relationship)),
                text(&m.name()),
                text(&m.date_of_birth),
                text(&m.country_of_birth),
                text(&m.accompanying),
            ];
            if may_change {
                cells.push(
                    el("form")
                        .class("inline")
                        .attr("method", "post")
                        .attr("action", &action)
                        .attr(
                            "data-confirm",
                            format!("Remove {} from the family?", m.name()),
                        )
                        .child(hidden("remove", &row.to_string()))
                        .child(hidden("relationship", &m.relationship))
                        .child(hidden("version", &version.to_string()))
                        .child(
                            el("button")
                                .attr("type", "submit")
                                .class("link-button")
                                .text("Remove"),
                        )
                        .into(),
                );
            }
            cells
        })
        .collect();
    let mut section = el("section").class("imm-family");
    if request.placement() != Placement::Tab {
        section = section.child(el("h1").text("Family"));
    }
    section =
        section.child(el("p").class("hint").text(
            "The family members IRCC's forms ask about (IMM 5645, and the spouse on IMM 5257).",
        ));
    section = if rows.is_empty() {
        section.child(el("p").class("empty").text("No family members yet."))
    } else {
        let mut headers = vec![
            "Relationship",
            "Name",
            "Born",
            "Country of birth",
            "Coming to Canada",
        ];
        if may_change {
            headers.push("");
        }
        section.child(table(&headers, rows))
    };
    if may_change {
        section = section.child(add_form(&action, version, refused));
    }
    Ok(Response::html(section.render())
        .page_title("Family")
        .status(refused.map_or(200, |(_, e)| e.status())))
}

fn add_form(action: &str, version: u64, refused: Option<(&Member, &Error)>) -> Html {
    let problem = refused.map(|(_, e)| e);
    let typed = refused.map(|(m, _)| m.clone()).unwrap_or_default();
    // Problems are named by row; the new member is the last row.
    let problem_for = |name: &str| {
        problem.and_then(|p| {
            let json = p.to_json();
            json["error"]["fields"].as_object().and_then(|fields| {
                fields
                    .iter()
                    .find(|(k, _)| k.ends_with(&format!(".{name}")))
                    .and_then(|(_, v)| v.as_str().map(str::to_owned))
            })
        })
    };
    let labelled = |label: &str, input: immcase_sdk::html::Element, name: &str| {
        let mut l = field(label, input, None, name);
        if let Some(said) = problem_for(name) {
            l = l.child(el("span").class("field-error").text(&said));
        }
        l
    };
    let relationship =
        el("select")
            .attr("name", "relationship")
            .children(RELATIONSHIPS.iter().map(|(key, label)| {
                el("option")
                    .attr("value", key)
                    .flag("selected", typed.relationship == *key)
                    .text(label)
            }));
    let coming = el("select").attr("name", "accompanying").children(
        [("", "—"), ("yes", "Yes"), ("no", "No")]
            .iter()
            .map(|(v, l)| {
                el("option")
                    .attr("value", v)
                    .flag("selected", typed.accompanying == *v)
                    .text(l)
            }),
    );
    el("form")
        .class("stack card")
        .attr("method", "post")
        .attr("action", action)
        .child(el("h2").text("Add a family member"))
        .child(refusal(problem))
        .child(labelled("Relationship", relationship, "relationship"))
        .child(labelled(
            "Given name",
            input("given_name", &typed.given_name).attr("maxlength", "200"),
            "given_name",
        ))
        .child(labelled(
            "Family name",
            input("family_name", &typed.family_name).attr("maxlength", "200"),
            "family_name",
        ))
        .child(labelled(
            "Date of birth",
            input("date_of_birth", &typed.date_of_birth).attr("type", "date"),
            "date_of_birth",
        ))
        .child(labelled(
            "Country of birth",
            input("country_of_birth", &typed.country_of_birth).attr("maxlength", "200"),
            "country_of_birth",
        ))
        .child(labelled(
            "Marital status",
            input("marital_status", &typed.marital_status).attr("maxlength", "200"),
            "marital_status",
        ))
        .child(labelled(
            "Address",
            input("address", &typed.address).attr("maxlength", "200"),
            "address",
        ))
        .child(labelled(
            "Occupation",
            input("occupation", &typed.occupation).attr("maxlength", "200"),
            "occupation",
        ))
        .child(labelled("Coming to Canada", coming, "accompanying"))
        .child(hidden("version", &version.to_string()))
        .child(
            el("button")
                .attr("type", "submit")
                .class("primary")
                .text("Add"),
        )
        .render()
}
