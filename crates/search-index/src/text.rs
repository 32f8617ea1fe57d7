//! How text becomes index terms and query terms: the folding analyzer, the
//! extra forms of phones and passports, and the three ways a query term
//! matches (see the parent module's documentation).

use tantivy::Term;
use tantivy::query::{ConstScoreQuery, DisjunctionMaxQuery, FuzzyTermQuery, Query, TermQuery};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::tokenizer::{
    AsciiFoldingFilter, LowerCaser, RemoveLongFilter, SimpleTokenizer, TextAnalyzer, TokenStream,
};

use super::MAX_QUERY_TERMS;

/// Tokens longer than this (in bytes) are dropped, at indexing and in queries.
const MAX_TOKEN_BYTES: usize = 64;
/// Suffixes of a phone's or passport's compact form are indexed down to this length.
const MIN_SUFFIX_CHARS: usize = 4;
/// A compact form longer than this gets no suffixes (it is not a real number).
const MAX_SUFFIXED_CHARS: usize = 24;
const EXACT_SCORE: f32 = 3.0;
const PREFIX_SCORE: f32 = 2.0;
const TYPO_SCORE: f32 = 1.0;

/// Splits at non-alphanumerics, lower-cases, folds accents to ASCII.
pub(super) fn folding_analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(MAX_TOKEN_BYTES))
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
        .build()
}

/// The query's folded terms, without repeats, at most [`MAX_QUERY_TERMS`].
pub(super) fn query_terms(query: &str) -> Vec<String> {
    let mut analyzer = folding_analyzer();
    let mut stream = analyzer.token_stream(query);
    let mut terms: Vec<String> = Vec::new();
    while let Some(token) = stream.next() {
        if terms.len() == MAX_QUERY_TERMS {
            break;
        }
        if !terms.contains(&token.text) {
            terms.push(token.text.clone());
        }
    }
    terms
}

/// Matches documents with `text` in any of `fields`, scored by the best way it
/// matches: exact, as a prefix, or with a typo (in the fields marked `true`).
pub(super) fn term_query(text: &str, fields: &[(Field, bool)]) -> DisjunctionMaxQuery {
    let mut ways: Vec<Box<dyn Query>> = Vec::new();
    for &(field, typos_allowed) in fields {
        let typos = if typos_allowed {
            typo_distance(text)
        } else {
            0
        };
        let term = Term::from_field_text(field, text);
        let exact = TermQuery::new(term.clone(), IndexRecordOption::Basic);
        ways.push(Box::new(ConstScoreQuery::new(Box::new(exact), EXACT_SCORE)));
        let prefix = FuzzyTermQuery::new_prefix(term.clone(), 0, true);
        ways.push(Box::new(ConstScoreQuery::new(
            Box::new(prefix),
            PREFIX_SCORE,
        )));
        if typos > 0 {
            let typo = FuzzyTermQuery::new(term, typos, true);
            ways.push(Box::new(ConstScoreQuery::new(Box::new(typo), TYPO_SCORE)));
        }
    }
    DisjunctionMaxQuery::new(ways)
}

/// How many typos a query term may carry: none below 4 characters or when it
/// holds a digit, one from 4, two from 8.
fn typo_distance(term: &str) -> u8 {
    if term.chars().any(|c| c.is_ascii_digit()) {
        return 0;
    }
    match term.chars().count() {
        0..4 => 0,
        4..8 => 1,
        _ => 2,
    }
}

/// What is written into the index for `text` under `key` (see the parent
/// documentation for phones and passports).
pub(super) fn indexed_text(key: &str, text: &str) -> String {
    match key {
        "applicant.phones" => with_compact_forms(text, |c| c.is_ascii_digit()),
        "applicant.passport_number" => with_compact_forms(text, char::is_alphanumeric),
        _ => text.to_owned(),
    }
}

/// `text`, then for each value in it (split at `,` `;` `/` and new lines) the
/// characters that `keep` keeps, run together, and the suffixes of that of
/// [`MIN_SUFFIX_CHARS`] or more.
fn with_compact_forms(text: &str, keep: impl Fn(char) -> bool) -> String {
    let mut out = text.to_owned();
    for value in text.split([',', ';', '/', '\n']) {
        let compact: String = value.chars().filter(|&c| keep(c)).collect();
        let len = compact.chars().count();
        if len == 0 {
            continue;
        }
        out.push(' ');
        out.push_str(&compact);
        if len > MAX_SUFFIXED_CHARS {
            continue;
        }
        for (i, (start, _)) in compact.char_indices().enumerate().skip(1) {
            if len - i < MIN_SUFFIX_CHARS {
                break;
            }
            out.push(' ');
            out.push_str(&compact[start..]);
        }
    }
    out
}
