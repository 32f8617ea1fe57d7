//! Requested data paths (`form1.Page2.Family.Child[1].GivenName`) matched
//! to the template's fields, and the characters a value may hold.

use crate::Refusal;
use crate::template::FieldDef;

/// A requested path split into names and optional row indexes.
fn split_path(path: &str) -> Option<Vec<(String, Option<usize>)>> {
    path.split('.')
        .map(|step| match step.find('[') {
            Some(i) => {
                let idx = step[i + 1..].strip_suffix(']')?.trim().parse().ok()?;
                Some((step[..i].to_string(), Some(idx)))
            }
            None => Some((step.to_string(), None)),
        })
        .collect()
}

/// Finds the template field a path names, with the row index of each step.
pub fn match_path<'d>(
    defs: &'d [FieldDef],
    path: &str,
) -> Result<(&'d FieldDef, Vec<usize>), Refusal> {
    let steps = split_path(path).ok_or(Refusal::UnknownPath)?;
    for def in defs {
        if def.segments.len() != steps.len() {
            continue;
        }
        let mut indexes = Vec::with_capacity(steps.len());
        let mut ok = true;
        for (seg, (name, idx)) in def.segments.iter().zip(&steps) {
            if &seg.name != name || (seg.repeat_max.is_none() && idx.unwrap_or(0) != 0) {
                ok = false;
                break;
            }
            indexes.push(idx.unwrap_or(0));
        }
        if !ok {
            continue;
        }
        for (seg, idx) in def.segments.iter().zip(&indexes) {
            if let Some(max) = seg.repeat_max
                && *idx >= max as usize
            {
                return Err(Refusal::TooManyRows { max });
            }
        }
        return Ok((def, indexes));
    }
    Err(Refusal::UnknownPath)
}

/// Is every character allowed in XML 1.0?
pub fn valid_xml_text(s: &str) -> bool {
    s.chars().all(|c| {
        matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::template::Segment;

    fn seg(name: &str, rep: Option<u32>) -> Segment {
        Segment {
            name: name.into(),
            repeat_max: rep,
        }
    }

    #[test]
    fn paths_match_template_fields() {
        let def = |segments: Vec<Segment>| FieldDef {
            info: crate::FieldInfo {
                path: crate::template::path_text(&segments),
                kind: crate::FieldKind::Text,
                max_chars: None,
                code_list: Vec::new(),
                repeat_max: None,
                required: false,
            },
            segments,
            bind_items: None,
        };
        let defs = [
            def(vec![seg("form1", None), seg("A", None)]),
            def(vec![
                seg("form1", None),
                seg("Row", Some(2)),
                seg("B", None),
            ]),
        ];
        assert_eq!(match_path(&defs, "form1.A").unwrap().1, [0, 0]);
        assert_eq!(match_path(&defs, "form1[0].A[0]").unwrap().1, [0, 0]);
        assert_eq!(match_path(&defs, "form1.Row.B").unwrap().1, [0, 0, 0]);
        assert_eq!(match_path(&defs, "form1.Row[1].B").unwrap().1, [0, 1, 0]);
        assert_eq!(
            match_path(&defs, "form1.Row[2].B").unwrap_err(),
            Refusal::TooManyRows { max: 2 }
        );
        assert_eq!(
            match_path(&defs, "form1.A[1]").unwrap_err(),
            Refusal::UnknownPath
        );
        assert_eq!(
            match_path(&defs, "form1.Row[x].B").unwrap_err(),
            Refusal::UnknownPath
        );
        assert_eq!(
            match_path(&defs, "form1.Row").unwrap_err(),
            Refusal::UnknownPath
        );
    }

    #[test]
    fn control_characters_are_not_xml() {
        assert!(valid_xml_text("Tab\tand\nnew line"));
        assert!(!valid_xml_text("bell\u{7}"));
    }
}
