//! Compiling a template: tokens found, rewritten, typeset; Typst's errors
//! reported at the administrator's lines and columns.

use typst::WorldExt;
use typst::diag::{Severity, SourceDiagnostic};
use typst::foundations::{Dict, IntoValue, Str};
use typst_layout::PagedDocument;

use crate::letterhead::Letterhead;
use crate::position::{Position, Problem};
use crate::rewrite::{Rewritten, rewrite};
use crate::tokens::{Found, scan};
use crate::world::LetterWorld;

/// A template's tokens, and the template rewritten for Typst.
pub(crate) struct Prepared {
    pub found: Vec<Found>,
    pub rewritten: Rewritten,
}

/// Finds the tokens of `source` and rewrites it; malformed tokens and tokens
/// that cannot be replaced are problems.
pub(crate) fn prepare(source: &str) -> Result<Prepared, Vec<Problem>> {
    let (found, problems) = scan(source);
    if !problems.is_empty() {
        return Err(problems);
    }
    let rewritten = rewrite(source, &found)?;
    Ok(Prepared { found, rewritten })
}

/// Compiles and lays out the prepared template with `values` (every token
/// must have one) and the letterhead.
pub(crate) fn typeset<'a>(
    source: &str,
    prepared: &Prepared,
    values: impl IntoIterator<Item = (&'a str, &'a str)>,
    letterhead: &Letterhead,
) -> Result<PagedDocument, Vec<Problem>> {
    let mut inputs = Dict::new();
    for (name, value) in values {
        inputs.insert(Str::from(name), Str::from(value).into_value());
    }
    let world = LetterWorld::new(prepared.rewritten.text.clone(), inputs, letterhead);
    let result = typst::compile::<PagedDocument>(&world).output;
    // Typst memoizes across compilations; keep its caches from growing
    // without bound in a long-lived server.
    typst::comemo::evict(10);
    result.map_err(|errors| problems(source, &prepared.rewritten, &world, errors.as_slice()))
}

/// The errors among `diagnostics`, at their positions in the original template.
pub(crate) fn problems(
    source: &str,
    rewritten: &Rewritten,
    world: &LetterWorld,
    diagnostics: &[SourceDiagnostic],
) -> Vec<Problem> {
    let mut problems: Vec<Problem> = diagnostics
        .iter()
        .filter(|diagnostic| diagnostic.severity == Severity::Error)
        .map(|diagnostic| {
            let mut message = diagnostic.message.to_string();
            for hint in &diagnostic.hints {
                message.push_str("; hint: ");
                message.push_str(&hint.v);
            }
            Problem::new(position(source, rewritten, world, diagnostic), message)
        })
        .collect();
    problems.sort_by_key(|problem| problem.position);
    problems.dedup();
    problems
}

/// Where a diagnostic is in the original template: its own span if it is in
/// the template, else the innermost call in the template that led to it
/// (a letterhead call, say), else the start.
fn position(
    source: &str,
    rewritten: &Rewritten,
    world: &LetterWorld,
    diagnostic: &SourceDiagnostic,
) -> Position {
    let main = world.main_id();
    let in_main = std::iter::once(diagnostic.span)
        .chain(diagnostic.trace.iter().map(|point| point.span.into()))
        .find(|span| span.id() == Some(main));
    in_main
        .and_then(|span| world.range(span))
        .map_or(Position { line: 1, column: 1 }, |range| {
            rewritten.position(source, range.start)
        })
}
