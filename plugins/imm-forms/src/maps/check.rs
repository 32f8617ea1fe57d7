//! Whether a map fits its edition: every path is a field of the form, a
//! code lookup has a code list, rows are filled from family members.

use immcase_pdf_forms::FieldInfo;

use super::{MapField, MapProblem, Source, Transform};

/// Every problem of `fields` against the form's own fields.
pub fn check(fields: &[MapField], form: &[FieldInfo]) -> Vec<MapProblem> {
    let mut problems = Vec::new();
    for field in fields {
        let problem = |message: String| MapProblem {
            line: field.line,
            message,
        };
        let Some(info) = find(form, &field.path) else {
            problems.push(problem(format!(
                "{} is not a field of this form",
                field.path
            )));
            continue;
        };
        let family = matches!(field.source, Source::Family { .. });
        if field.repeats() && !family {
            problems.push(problem(format!(
                "{} repeats once per family member: fill it from family.…",
                field.path
            )));
        }
        if field.transforms.contains(&Transform::Codes) && info.code_list.is_empty() {
            problems.push(problem(format!(
                "{} has no code list in the form: remove `codes`",
                field.path
            )));
        }
    }
    problems
}

/// The form's field at `path`, whose rows may be `[*]` or a number.
pub fn find<'a>(form: &'a [FieldInfo], path: &str) -> Option<&'a FieldInfo> {
    let wanted = any_row(path);
    form.iter().find(|info| any_row(&info.path) == wanted)
}

/// `a.Row[2].b` and `a.Row[*].b` as `a.Row.b`: the field, whichever row.
pub fn any_row(path: &str) -> String {
    path.split('.')
        .map(|segment| segment.split_once('[').map_or(segment, |(name, _)| name))
        .collect::<Vec<_>>()
        .join(".")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::maps::parse;
    use immcase_pdf_forms::{CodeItem, FieldKind};

    fn info(path: &str, codes: bool) -> FieldInfo {
        FieldInfo {
            path: path.into(),
            kind: FieldKind::Text,
            max_chars: None,
            code_list: if codes {
                vec![CodeItem {
                    code: "205".into(),
                    label: "India".into(),
                }]
            } else {
                vec![]
            },
            repeat_max: None,
            required: false,
        }
    }

    #[test]
    fn a_map_is_checked_against_the_forms_fields() {
        let form = [
            info("form1.P1.FamilyName", false),
            info("form1.P1.Country", true),
            info("form1.P1.Sex", false),
            info("form1.P2.Child[*].GivenName", false),
        ];
        let map = parse(
            "form1.P1.FamilyName <- applicant.family_name\n\
             form1.P1.Country <- applicant.citizenship | codes\n\
             form1.P1.Sex <- ask \"Sex\" | codes\n\
             form1.P2.Child[*].GivenName <- applicant.given_name\n\
             form1.P9.Nothing <- case.folio\n\
             form1.P2.Child[*].GivenName2 <- family.child.given_name",
        )
        .unwrap();
        let problems = check(&map, &form);
        let lines: Vec<usize> = problems.iter().map(|p| p.line).collect();
        assert_eq!(lines, [3, 4, 5, 6]);
        assert!(problems[0].message.contains("no code list"));
        assert!(problems[1].message.contains("family"));
        assert!(find(&form, "form1.P2.Child[3].GivenName").is_some());
    }
}
