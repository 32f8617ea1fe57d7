//! A map suggested for a new edition: the lines of the previous edition's
//! map (or the map shipped for the form) whose fields are still in the form,
//! the fields that are gone, and the form's fields no line fills.

use immcase_pdf_forms::FieldInfo;
use serde::Serialize;

use super::check::{any_row, find};
use super::{MapField, line_of};

#[derive(Clone, Debug, Default, Serialize)]
pub struct Suggestion {
    /// The map to start from: the kept lines, then the new fields as
    /// comments to fill in.
    pub text: String,
    /// Paths kept from the earlier map.
    pub kept: Vec<String>,
    /// Paths of the earlier map the new edition no longer has.
    pub removed: Vec<String>,
    /// The form's fields that the earlier map did not fill.
    pub new: Vec<String>,
}

/// The suggestion for a form with `form`'s fields, from `earlier` (the
/// previous edition's map, or the shipped one; empty for neither).
pub fn suggest(form: &[FieldInfo], earlier: &[MapField], header: &str) -> Suggestion {
    let mut suggestion = Suggestion::default();
    let mut lines = vec![format!("# {header}")];
    for field in earlier {
        if find(form, &field.path).is_some() {
            suggestion.kept.push(field.path.clone());
            lines.push(line_of(field));
        } else {
            suggestion.removed.push(field.path.clone());
        }
    }
    let covered: std::collections::HashSet<String> =
        earlier.iter().map(|f| any_row(&f.path)).collect();
    let mut new_lines = Vec::new();
    for info in form {
        if !covered.contains(&any_row(&info.path)) {
            suggestion.new.push(info.path.clone());
            let mut about = format!("{:?}", info.kind).to_lowercase();
            if let Some(max) = info.max_chars {
                about.push_str(&format!(", at most {max} characters"));
            }
            if !info.code_list.is_empty() {
                about.push_str(&format!(", a list of {} codes", info.code_list.len()));
            }
            if info.required {
                about.push_str(", required by the form");
            }
            new_lines.push(format!("# {} <- ?   ({about})", info.path));
        }
    }
    if !new_lines.is_empty() {
        lines.push(String::new());
        lines.push("# Fields of this edition that no line fills yet:".into());
        lines.extend(new_lines);
    }
    suggestion.text = lines.join("\n") + "\n";
    suggestion
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::maps::parse;
    use immcase_pdf_forms::FieldKind;

    fn info(path: &str) -> FieldInfo {
        FieldInfo {
            path: path.into(),
            kind: FieldKind::Text,
            max_chars: Some(30),
            code_list: vec![],
            repeat_max: None,
            required: false,
        }
    }

    #[test]
    fn kept_removed_and_new_fields_are_listed() {
        let earlier = parse(
            "f.Name <- applicant.family_name\n\
             f.Old <- case.folio\n\
             f.Child[*].Given <- family.child.given_name",
        )
        .unwrap();
        let form = [info("f.Name"), info("f.Child[*].Given"), info("f.Email")];
        let s = suggest(&form, &earlier, "IMM 5257 (01-2026) E");
        assert_eq!(s.kept, ["f.Name", "f.Child[*].Given"]);
        assert_eq!(s.removed, ["f.Old"]);
        assert_eq!(s.new, ["f.Email"]);
        assert!(
            s.text
                .contains("# f.Email <- ?   (text, at most 30 characters)")
        );
        // What is suggested reads as a map, the new fields as comments.
        assert_eq!(parse(&s.text).unwrap().len(), 2);
    }
}
