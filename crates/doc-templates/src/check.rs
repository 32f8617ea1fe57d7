//! Checking a template an administrator wrote, before it is saved.

use crate::compile::{prepare, typeset};
use crate::letterhead::Letterhead;
use crate::position::Problem;
use crate::vocabulary::Vocabulary;

/// A template that compiles: the tokens it uses (each once, in order of
/// first use) and how many pages it makes with the sample values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checked {
    pub tokens: Vec<String>,
    pub pages: usize,
}

/// What an unknown token is set to while the rest of the template is checked.
const UNKNOWN_SAMPLE: &str = "…";

/// Checks a template: every token well formed and in `vocabulary`, and the
/// whole template compiled and laid out by Typst with the vocabulary's
/// sample values and `letterhead` (whose `practice.*` fields, when not
/// empty, stand in for the samples). Every error is a [`Problem`] at the
/// administrator's line and column; Typst's warnings are not errors.
pub fn check(
    source: &str,
    vocabulary: &Vocabulary,
    letterhead: &Letterhead,
) -> Result<Checked, Vec<Problem>> {
    let prepared = prepare(source)?;
    let mut problems = Vec::new();
    let mut tokens: Vec<String> = Vec::new();
    let mut values: Vec<(&str, &str)> = Vec::new();
    for found in &prepared.found {
        if tokens.contains(&found.name) {
            continue;
        }
        tokens.push(found.name.clone());
        let from_letterhead = letterhead
            .practice_values()
            .into_iter()
            .find(|(name, value)| *name == found.name && !value.is_empty())
            .map(|(_, value)| value);
        let sample = match (from_letterhead, vocabulary.sample(&found.name)) {
            (Some(value), _) | (None, Some(value)) => value,
            (None, None) => UNKNOWN_SAMPLE,
        };
        values.push((&found.name, sample));
    }
    for found in &prepared.found {
        if vocabulary.sample(&found.name).is_none() {
            problems.push(Problem::new(
                found.position,
                format!("unknown token {{{{{}}}}}", found.name),
            ));
        }
    }
    match typeset(source, &prepared, values, letterhead) {
        Ok(document) if problems.is_empty() => Ok(Checked {
            tokens,
            pages: document.pages().len(),
        }),
        Ok(_) => Err(problems),
        Err(more) => {
            problems.extend(more);
            problems.sort_by_key(|problem| problem.position);
            Err(problems)
        }
    }
}
