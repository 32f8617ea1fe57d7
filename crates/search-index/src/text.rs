//! How text becomes index terms and query terms: the folding analyzer, the
//! extra forms of phones and passports, the indexed prefixes, and the three
//! ways a query term matches (see the parent module's documentation).

use tantivy::Term;
use tantivy::query::{ConstScoreQuery, DisjunctionMaxQuery, FuzzyTermQuery, Query, TermQuery};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::tokenizer::{
    AsciiFoldingFilter, LowerCaser, PreTokenizedString, RemoveLongFilter, SimpleTokenizer,
    TextAnalyzer, Token, TokenStream,
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

/// Marks the indexed prefixes of a token (`\u{2}gar` for `garcia`), so a
/// prefix is one term to look up rather than a walk over the dictionary. No
/// token carries it: the analyzer splits at every non-alphanumeric.
const PREFIX_MARK: char = '\u{2}';
/// Prefixes are indexed from this many characters...
const MIN_PREFIX_CHARS: usize = 2;
/// ... up to this many (longer query terms are matched as prefixes by
/// walking the dictionary, as are one-character terms).
const MAX_PREFIX_CHARS: usize = 16;

/// The terms of `text` as the index holds them: each token, and each of its
/// prefixes of [`MIN_PREFIX_CHARS`] to [`MAX_PREFIX_CHARS`] characters
/// (itself included) marked with [`PREFIX_MARK`].
/// Keys whose tokens are numbers with all their suffixes (phones, passport
/// numbers): their prefixes would be every substring, many times the
/// document; a prefix is looked up there by walking the dictionary, which
/// for a run of digits or characters matches few terms.
pub(super) const PREFIXES_WALKED: &[&str] = &["applicant.phones", "applicant.passport_number"];

/// The tokens of `text` under `key`: with their marked prefixes
/// ([`tokens_with_prefixes`]), or without for [`PREFIXES_WALKED`].
pub(super) fn indexed_tokens(key: &str, text: String) -> PreTokenizedString {
    if PREFIXES_WALKED.contains(&key) {
        let mut analyzer = folding_analyzer();
        let mut tokens = Vec::new();
        let mut stream = analyzer.token_stream(&text);
        while let Some(token) = stream.next() {
            tokens.push(token.clone());
        }
        drop(stream);
        return PreTokenizedString { text, tokens };
    }
    tokens_with_prefixes(text)
}

fn tokens_with_prefixes(text: String) -> PreTokenizedString {
    thread_local! {
        // Made once per thread: a rebuild tokenizes millions of texts.
        static ANALYZER: std::cell::RefCell<TextAnalyzer> = std::cell::RefCell::new(folding_analyzer());
    }
    let mut tokens: Vec<Token> = Vec::new();
    // A phone's digits come twice (as written, and compact): their prefixes
    // once are enough.
    let mut seen: Vec<String> = Vec::new();
    ANALYZER.with_borrow_mut(|analyzer| {
        let mut stream = analyzer.token_stream(&text);
        while let Some(token) = stream.next() {
            if seen.contains(&token.text) {
                continue;
            }
            seen.push(token.text.clone());
            let base = token.clone();
            tokens.push(base.clone());
            for (count, (end, c)) in base.text.char_indices().enumerate() {
                let chars = count + 1;
                if chars > MAX_PREFIX_CHARS {
                    break;
                }
                if chars >= MIN_PREFIX_CHARS {
                    let mut prefix = base.clone();
                    prefix.text = marked(&base.text[..end + c.len_utf8()]);
                    tokens.push(prefix);
                }
            }
        }
    });
    PreTokenizedString { text, tokens }
}

fn marked(prefix: &str) -> String {
    let mut out = String::with_capacity(prefix.len() + 1);
    out.push(PREFIX_MARK);
    out.push_str(prefix);
    out
}

/// How far a search goes in matching a term: exactly, also as a prefix,
/// also with a typo. Each is tried only if the one before found too little.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Reach {
    Exact,
    Prefix,
    Typo,
}

/// A field a search reads, and how.
#[derive(Clone, Copy, Debug)]
pub(super) struct Searched {
    pub field: Field,
    /// Matched with a typo too (not addresses and numbers).
    pub typos: bool,
    /// Its prefixes are indexed (see [`PREFIXES_WALKED`]).
    pub marked_prefixes: bool,
}

/// Matches documents with `text` in any of `fields`, scored by the best way
/// it matches within `reach`: exact, as a prefix, or with a typo (in the
/// fields that take them).
pub(super) fn term_query(text: &str, fields: &[Searched], reach: Reach) -> DisjunctionMaxQuery {
    let mut ways: Vec<Box<dyn Query>> = Vec::new();
    let chars = text.chars().count();
    for &Searched {
        field,
        typos: typos_allowed,
        marked_prefixes,
    } in fields
    {
        let term = Term::from_field_text(field, text);
        let exact = TermQuery::new(term.clone(), IndexRecordOption::Basic);
        ways.push(Box::new(ConstScoreQuery::new(Box::new(exact), EXACT_SCORE)));
        if reach == Reach::Exact {
            continue;
        }
        let marked_prefix =
            marked_prefixes && (MIN_PREFIX_CHARS..=MAX_PREFIX_CHARS).contains(&chars);
        let prefix: Box<dyn Query> = if marked_prefix {
            let marked = Term::from_field_text(field, &marked(text));
            Box::new(TermQuery::new(marked, IndexRecordOption::Basic))
        } else {
            Box::new(FuzzyTermQuery::new_prefix(term.clone(), 0, true))
        };
        ways.push(Box::new(ConstScoreQuery::new(prefix, PREFIX_SCORE)));
        let typos = if typos_allowed && reach == Reach::Typo {
            typo_distance(text)
        } else {
            0
        };
        if typos > 0 {
            let typo = FuzzyTermQuery::new(term, typos, true);
            ways.push(Box::new(ConstScoreQuery::new(Box::new(typo), TYPO_SCORE)));
        }
    }
    DisjunctionMaxQuery::new(ways)
}

/// Whether any term of a query may match with a typo: not an address, not
/// only numbers (a phone, a passport, a folio), not too short.
pub(super) fn may_have_typos(query: &str, terms: &[String]) -> bool {
    !query.contains('@') && terms.iter().any(|t| typo_distance(t) > 0)
}

/// Terms longer than this are not matched with typos: no name is that long,
/// and the automaton of a long term with two typos is costly to build.
const MAX_TYPO_CHARS: usize = 24;

/// How many typos a query term may carry: none below 4 characters, past
/// [`MAX_TYPO_CHARS`], or when it holds a digit; one from 4, two from 8.
pub(super) fn typo_distance(term: &str) -> u8 {
    if term.chars().any(|c| c.is_ascii_digit()) {
        return 0;
    }
    match term.chars().count() {
        0..4 => 0,
        4..8 => 1,
        8..=MAX_TYPO_CHARS => 2,
        _ => 0,
    }
}

/// What is written into the index for `text` under `key` (see the parent
/// documentation for phones and passports).
pub(super) fn indexed_text(key: &str, text: &str) -> String {
    match key {
        "applicant.phones" => with_compact_forms(text, |c| c.is_ascii_digit()),
        "applicant.passport_number" => with_compact_forms(text, char::is_alphanumeric),
        "applicant.emails" => with_whole_addresses(text),
        _ => text.to_owned(),
    }
}

/// `text`, then each address in it as one token of its letters and digits
/// (`ana.garcia@example.com` also as `anagarciaexamplecom`), so a whole
/// address is looked up as one term ([`whole_address`]).
fn with_whole_addresses(text: &str) -> String {
    let mut out = text.to_owned();
    for word in text.split(|c: char| c.is_whitespace() || c == ',' || c == ';') {
        if word.contains('@') {
            out.push(' ');
            out.extend(word.chars().filter(|c| c.is_alphanumeric()));
        }
    }
    out
}

/// The term of a whole address typed as the query (`Ana.Garcia@example.com`
/// → `anagarciaexamplecom`), if the query is one.
pub(super) fn whole_address(query: &str) -> Option<String> {
    let query = query.trim();
    if !query.contains('@') || query.contains(char::is_whitespace) {
        return None;
    }
    let compact: String = query.chars().filter(|c| c.is_alphanumeric()).collect();
    let terms = query_terms(&compact);
    match terms.as_slice() {
        [one] => Some(one.clone()),
        _ => None,
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
