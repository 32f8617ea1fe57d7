//! Rendering a template with a case's values to PDF.

use std::collections::BTreeMap;

use typst::foundations::Smart;
use typst_pdf::PdfOptions;

use crate::compile::{prepare, typeset};
use crate::letterhead::Letterhead;
use crate::position::{Position, Problem};

/// A rendered document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    pub pdf: Vec<u8>,
    pub pages: usize,
}

/// Why a template could not be rendered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RenderError {
    /// Tokens with no value (absent, empty or only spaces), in order of
    /// first use, each once.
    #[error("no value for {}", .0.iter().map(|name| format!("{{{{{name}}}}}")).collect::<Vec<_>>().join(", "))]
    Missing(Vec<String>),
    /// The template does not compile.
    #[error("the template has problems: {}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
    Template(Vec<Problem>),
}

/// Renders `source` to PDF with `values` (token name → value) and the
/// letterhead. A `practice.*` token with no value in `values` takes the
/// letterhead's field. Values are inserted as plain text.
///
/// Refuses with [`RenderError::Missing`] before typesetting anything if a
/// token has no value, so a PDF never shows a token or a blank in its place.
/// The same inputs always give the same bytes: the PDF has no creation date
/// (unless the template sets `document(date: …)`) and its identifier is
/// derived from the document's title and author.
pub fn render(
    source: &str,
    values: &BTreeMap<String, String>,
    letterhead: &Letterhead,
) -> Result<Rendered, RenderError> {
    let prepared = prepare(source).map_err(RenderError::Template)?;
    let mut missing: Vec<String> = Vec::new();
    let mut used: Vec<(&str, &str)> = Vec::new();
    for found in &prepared.found {
        let name = found.name.as_str();
        if used.iter().any(|(known, _)| *known == name) || missing.iter().any(|m| m == name) {
            continue;
        }
        let value = values
            .get(name)
            .map(String::as_str)
            .filter(|value| !value.trim().is_empty())
            .or_else(|| {
                letterhead
                    .practice_values()
                    .into_iter()
                    .find(|(field, value)| *field == name && !value.trim().is_empty())
                    .map(|(_, value)| value)
            });
        match value {
            Some(value) => used.push((name, value)),
            None => missing.push(name.to_owned()),
        }
    }
    if !missing.is_empty() {
        return Err(RenderError::Missing(missing));
    }
    let document = typeset(source, &prepared, used, letterhead).map_err(RenderError::Template)?;
    let options = PdfOptions {
        ident: Smart::Auto,
        timestamp: None,
        ..PdfOptions::default()
    };
    let pdf = typst_pdf::pdf(&document, &options).map_err(|errors| {
        RenderError::Template(
            errors
                .iter()
                .map(|error| {
                    Problem::new(Position { line: 1, column: 1 }, error.message.to_string())
                })
                .collect(),
        )
    })?;
    Ok(Rendered {
        pdf,
        pages: document.pages().len(),
    })
}
