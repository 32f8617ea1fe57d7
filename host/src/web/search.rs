//! The search page behind the box in the shell's header: what the caller
//! may see that matches, grouped by kind (applicants, cases, files, then
//! each module's documents under the module's name), each linked to its
//! page with the words that matched marked. Under 2 characters it says
//! what to type instead of refusing.

use askama::Template;
use axum::extract::State;
use serde::Deserialize;
use utoipa::IntoParams;

use super::shell::Page;
use crate::access::Caller;
use crate::access::permissions::MODULE_PREFIX;
use crate::api::Query;
use crate::error::Result;
use crate::state::AppState;
use immcase_search_index::{Hit, MIN_QUERY_CHARS};

/// Results shown on the page.
const SHOWN: usize = 60;

struct Found {
    link: String,
    /// HTML: escaped, with `<mark>` around what matched.
    title: String,
    subtitle: String,
}

struct Group {
    heading: String,
    items: Vec<Found>,
}

#[derive(Template)]
#[template(path = "search.html")]
struct SearchTemplate {
    q: String,
    too_short: bool,
    groups: Vec<Group>,
    min: usize,
}

#[derive(Deserialize, IntoParams)]
pub struct SearchPageQuery {
    /// What was typed in the box.
    #[serde(default)]
    q: String,
}

/// Search from anywhere.
#[utoipa::path(get, path = "/search", tag = "pages", params(SearchPageQuery),
    responses((status = 200, description = "What matches, grouped by kind; a hint under 2 characters", content_type = "text/html"),
        (status = 303, description = "Not signed in: to the sign-in page")))]
pub(super) async fn search_page(
    State(state): State<AppState>,
    caller: Caller,
    Query(query): Query<SearchPageQuery>,
) -> Result<Page> {
    let q: String = query.q.trim().chars().take(200).collect();
    let too_short = q.chars().count() < MIN_QUERY_CHARS;
    let groups = if too_short {
        Vec::new()
    } else {
        let hits = crate::search::hits(&state, &caller, &q, None, SHOWN).await?;
        grouped(&state, hits, &q)
    };
    let title = if q.is_empty() {
        "Search".to_owned()
    } else {
        format!("Search: {q}")
    };
    Page::new(
        title,
        &SearchTemplate {
            q,
            too_short,
            groups,
            min: MIN_QUERY_CHARS,
        },
    )
}

/// Hits by kind: applicants, cases and files first, then each module's in
/// the order they first appear; best first within each.
fn grouped(state: &AppState, hits: Vec<Hit>, q: &str) -> Vec<Group> {
    let terms: Vec<String> = q
        .split_whitespace()
        .map(immcase_matching::fold)
        .filter(|t| !t.is_empty())
        .collect();
    let mut groups: Vec<(String, Group)> = ["applicant", "case", "file"]
        .iter()
        .map(|kind| {
            (
                kind.to_string(),
                Group {
                    heading: heading(state, kind),
                    items: Vec::new(),
                },
            )
        })
        .collect();
    for hit in hits {
        let at = match groups.iter().position(|(kind, _)| *kind == hit.kind) {
            Some(at) => at,
            None => {
                let heading = heading(state, &hit.kind);
                groups.push((
                    hit.kind.clone(),
                    Group {
                        heading,
                        items: Vec::new(),
                    },
                ));
                groups.len() - 1
            }
        };
        groups[at].1.items.push(Found {
            link: hit.link,
            title: highlight(&hit.title, &terms),
            subtitle: highlight(&hit.subtitle, &terms),
        });
    }
    groups
        .into_iter()
        .map(|(_, group)| group)
        .filter(|group| !group.items.is_empty())
        .collect()
}

fn heading(state: &AppState, kind: &str) -> String {
    match kind {
        "applicant" => "Applicants".into(),
        "case" => "Cases".into(),
        "file" => "Files".into(),
        other => match other.strip_prefix(MODULE_PREFIX) {
            Some(module) => state
                .modules
                .get(module)
                .map_or_else(|| module.to_string(), |m| m.manifest.name.clone()),
            None => other.to_string(),
        },
    }
}

/// `text` as HTML, with `<mark>` around each stretch that matches one of
/// the folded `terms` (case and accents ignored: `lopez` marks `López`).
pub fn highlight(text: &str, terms: &[String]) -> String {
    // The folded text, and for each of its characters the original one it
    // came from (a character may fold to several, `ß` to `ss`, or to a
    // space, punctuation).
    let original: Vec<char> = text.chars().collect();
    let mut folded: Vec<char> = Vec::new();
    let mut from: Vec<usize> = Vec::new();
    for (i, c) in original.iter().enumerate() {
        let piece = immcase_matching::fold(&c.to_string());
        if piece.is_empty() {
            folded.push(' ');
            from.push(i);
        }
        for f in piece.chars() {
            folded.push(f);
            from.push(i);
        }
    }
    let mut marked = vec![false; original.len()];
    for term in terms {
        let term: Vec<char> = term.chars().collect();
        if term.is_empty() || term.len() > folded.len() {
            continue;
        }
        for start in 0..=folded.len() - term.len() {
            if folded[start..start + term.len()] == term[..] {
                for at in &from[start..start + term.len()] {
                    marked[*at] = true;
                }
            }
        }
    }
    let mut html = String::with_capacity(text.len() + 32);
    let mut open = false;
    for (c, on) in original.iter().zip(&marked) {
        if *on != open {
            html.push_str(if *on { "<mark>" } else { "</mark>" });
            open = *on;
        }
        super::push_escaped(&mut html, *c);
    }
    if open {
        html.push_str("</mark>");
    }
    html
}

#[cfg(test)]
mod tests {
    use super::highlight;

    fn terms(words: &[&str]) -> Vec<String> {
        words.iter().map(|w| immcase_matching::fold(w)).collect()
    }

    #[test]
    fn matches_are_marked_ignoring_case_and_accents() {
        assert_eq!(
            highlight("Ana López", &terms(&["lopez"])),
            "Ana <mark>López</mark>"
        );
        assert_eq!(
            highlight("Ana López", &terms(&["ANA", "lóp"])),
            "<mark>Ana</mark> <mark>Lóp</mark>ez"
        );
        assert_eq!(
            highlight("Straße", &terms(&["strass"])),
            "<mark>Straß</mark>e"
        );
    }

    #[test]
    fn text_is_escaped_marks_or_not() {
        assert_eq!(
            highlight("<b>CAS001</b> & \"x\"", &terms(&["cas001"])),
            "&lt;b&gt;<mark>CAS001</mark>&lt;/b&gt; &amp; &quot;x&quot;"
        );
        assert_eq!(highlight("Nothing", &terms(&["zz"])), "Nothing");
    }
}
