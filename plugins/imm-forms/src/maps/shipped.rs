//! The maps shipped for IMM 5257, IMM 5645 and IMM 5476: where a practice's
//! first edition of these forms starts. Written against the forms' data
//! structure (data root `form1`, pages, sections); a field the edition
//! does not have is dropped from the suggestion and listed.

/// The shipped map for a form code (`IMM5257`), if there is one.
pub fn for_form(code: &str) -> Option<&'static str> {
    match code {
        "IMM5257" => Some(include_str!("../../maps/IMM5257.map")),
        "IMM5645" => Some(include_str!("../../maps/IMM5645.map")),
        "IMM5476" => Some(include_str!("../../maps/IMM5476.map")),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_maps_read() {
        for code in ["IMM5257", "IMM5645", "IMM5476"] {
            let text = for_form(code).unwrap();
            let fields = crate::maps::parse(text).unwrap_or_else(|p| panic!("{code}: {p:?}"));
            assert!(fields.len() >= 5, "{code}");
        }
    }

    /// Each shipped map fits the fixture that mirrors its form: every line
    /// is a field of it, with a code list where it says `codes`.
    #[test]
    fn the_shipped_maps_fit_their_forms() {
        use immcase_pdf_forms::fixtures;
        for (code, spec) in [
            ("IMM5257", fixtures::imm5257()),
            ("IMM5645", fixtures::imm5645()),
            ("IMM5476", fixtures::imm5476()),
        ] {
            let form = immcase_pdf_forms::inspect(&spec.build()).unwrap();
            let fields = crate::maps::parse(for_form(code).unwrap()).unwrap();
            let problems = crate::maps::check(&fields, &form.fields);
            assert!(
                problems.is_empty(),
                "{code}: {problems:?}\nthe form's fields: {:#?}",
                form.fields.iter().map(|f| &f.path).collect::<Vec<_>>()
            );
        }
    }
}
