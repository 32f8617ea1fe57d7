//! The applicant and the case a ticket is about, as people know them: on
//! the new-ticket form by an email address or a case folio (`CAS014`) as
//! well as by id, and on the ticket's page by name and folio, linked to
//! their pages.

use immcase_sdk::html::{Element, el};
use immcase_sdk::{Ctx, Error, Result};

/// The ids the form's `applicant` and `case` texts name (empty when not
/// given). A case also gives its applicant when none was named. What
/// names nothing, or several applicants, is an error on its field.
pub fn resolve(ctx: &Ctx, applicant: &str, case: &str) -> Result<(String, String)> {
    let (applicant, case) = (applicant.trim(), case.trim());
    // What the record picker sends: `applicant:{id}`, `case:{id}`.
    let applicant = applicant.strip_prefix("applicant:").unwrap_or(applicant);
    let mut case_id = case.to_owned();
    let mut case_applicant = None;
    if let Some(id) = case.strip_prefix("case:") {
        let found = ctx.case(id).map_err(|e| on_field("case_id", e))?;
        case_applicant = Some(found.applicant_id.unwrap_or_default());
        case_id = found.id;
    } else if looks_like_folio(case) {
        let found = ctx
            .case_by_folio(case)
            .map_err(|e| on_field("case_id", e))?
            .ok_or_else(|| {
                Error::invalid_field("case_id", &format!("there is no case {case} here"))
            })?;
        case_applicant = Some(found.applicant_id.unwrap_or_default());
        case_id = found.id;
    }
    let applicant_id = if applicant.contains('@') {
        let found = ctx
            .applicants_by_email(applicant)
            .map_err(|e| on_field("applicant_id", e))?;
        match found.as_slice() {
            [one] => one.id.clone(),
            [] => {
                return Err(Error::invalid_field(
                    "applicant_id",
                    "no applicant has this email address",
                ));
            }
            several => {
                return Err(Error::invalid_field(
                    "applicant_id",
                    &format!(
                        "{} applicants have this email address: give the case's folio instead",
                        several.len()
                    ),
                ));
            }
        }
    } else if applicant.is_empty() {
        case_applicant.unwrap_or_default()
    } else {
        applicant.to_owned()
    };
    Ok((applicant_id, case_id))
}

/// `CAS` and digits, in any case.
fn looks_like_folio(text: &str) -> bool {
    text.len() > 3
        && text.is_char_boundary(3)
        && text[..3].eq_ignore_ascii_case("CAS")
        && text[3..].bytes().all(|b| b.is_ascii_digit())
}

/// A refusal to read records, said beside the field that asked for them.
fn on_field(field: &str, error: Error) -> Error {
    match error.status() {
        403 | 404 => Error::invalid_field(field, error.message()),
        _ => error,
    }
}

/// The applicant as the reader may see them: their name, linked to their
/// page; the id alone when the reader may not read applicants.
pub fn applicant_link(ctx: &Ctx, id: &str) -> Element {
    match ctx.applicant(id) {
        Ok(applicant) => el("a")
            .attr("href", format!("/applicants/{id}"))
            .text(&applicant.display_name()),
        Err(_) => el("span").text(id),
    }
}

/// The case as the reader may see it: its folio, linked to its page.
pub fn case_link(ctx: &Ctx, id: &str) -> Element {
    match ctx.case(id) {
        Ok(case) => el("a")
            .attr("href", format!("/cases/{id}"))
            .text(&case.folio),
        Err(_) => el("span").text(id),
    }
}

#[cfg(test)]
mod tests {
    use super::looks_like_folio;

    #[test]
    fn folios_are_told_from_ids() {
        assert!(looks_like_folio("CAS014"));
        assert!(looks_like_folio("cas7"));
        assert!(!looks_like_folio("CAS"));
        assert!(!looks_like_folio("01a20b03-1564-746a"));
        assert!(!looks_like_folio("CASE1"));
        assert!(!looks_like_folio("ÇAS1"));
    }
}
