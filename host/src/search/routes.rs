//! `GET /api/v1/search`: one box for everything the caller may see.

use axum::extract::State;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use std::collections::{BTreeMap, BTreeSet};

use super::feed;
use crate::access::Caller;
use crate::access::permissions::{FieldAccess, MODULE_PREFIX};
use crate::api::{Json, Query};
use crate::error::{AppError, ErrorBody, Result};
use crate::search::module_docs as search_docs;
use crate::state::AppState;
use immcase_search_index::{FIELD_KEYS, Hit, MAX_LIMIT, MIN_QUERY_CHARS, SearchError};

#[derive(Deserialize, IntoParams)]
pub struct SearchQuery {
    /// At least 2 characters; every word must match (as a prefix, or with a
    /// small typo).
    q: String,
    /// 1 to 100, default 20.
    limit: Option<usize>,
    /// Only these kinds, comma-separated (`applicant,case`): what a
    /// record picker offers. Absent for every kind the caller may search.
    kinds: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct SearchResults {
    #[schema(value_type = Vec<Object>)]
    pub items: Vec<Hit>,
    pub next_cursor: Option<String>,
}

/// What the caller may search: the kinds their permissions open, and the
/// field keys their roles do not hide.
fn scope(caller: &Caller) -> (Vec<String>, Vec<&'static str>) {
    let mut kinds = Vec::new();
    if caller.can("applicants.read") {
        kinds.push("applicant".to_string());
    }
    if caller.can("cases.read") {
        kinds.push("case".to_string());
    }
    // A file's hit names its owner, so it needs both kinds of owner open.
    if ["files.read", "applicants.read", "cases.read"]
        .iter()
        .all(|p| caller.can(p))
    {
        kinds.push("file".to_string());
    }
    let keys = FIELD_KEYS
        .iter()
        .copied()
        .filter(|k| caller.field_rules.get(*k) != Some(&FieldAccess::Hidden))
        .collect();
    (kinds, keys)
}

/// The modules whose documents the caller may find: installed, with the
/// `search` capability, enabled in the practice, and reachable by the caller
/// (`module:{id}`).
async fn searchable_modules(state: &AppState, caller: &Caller) -> Result<Vec<String>> {
    Ok(crate::modules::fragments::open_to(state, caller)
        .await?
        .iter()
        .filter(|m| m.manifest.capabilities.search)
        .map(|m| m.manifest.id.clone())
        .collect())
}

/// Drops the module documents the caller may not see (their permission or
/// their named readers), or which are no longer stored.
async fn permitted(state: &AppState, caller: &Caller, hits: Vec<Hit>) -> Result<Vec<Hit>> {
    let mut modules: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for hit in &hits {
        if let Some(module) = hit.kind.strip_prefix(MODULE_PREFIX) {
            modules.entry(module).or_default().push(&hit.id);
        }
    }
    let mut allowed: BTreeSet<(String, String)> = BTreeSet::new();
    for (module, ids) in modules {
        let pool = state.db.pool();
        let stored = search_docs::permissions(pool, &caller.practice, module, &ids).await?;
        for (id, audience) in stored {
            let readers = audience.readers.as_deref();
            if search_docs::may_read(caller, audience.permission.as_deref(), readers) {
                allowed.insert((module.to_string(), id));
            }
        }
    }
    Ok(hits
        .into_iter()
        .filter(|hit| match hit.kind.strip_prefix(MODULE_PREFIX) {
            Some(module) => allowed.contains(&(module.to_string(), hit.id.clone())),
            None => true,
        })
        .collect())
}

/// Searches applicants (names, emails, phones, passport), cases (folio,
/// program, applicant's name), files (names) and modules' own documents
/// (title, text)
/// within the caller's practice, and only in the records and fields the
/// caller may see. A module's documents are found while the module is
/// enabled and the caller holds `module:{id}` and the document's own
/// permission, if it names one; a result leads to `/m/{module}/...`.
#[utoipa::path(get, path = "/api/v1/search", tag = "search", params(SearchQuery),
    responses((status = 200, body = SearchResults), (status = 401, body = ErrorBody),
        (status = 422, body = ErrorBody, description = "A query under 2 characters, or a limit outside 1 to 100")))]
pub(super) async fn search(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<SearchQuery>,
) -> Result<Json<SearchResults>> {
    let items = hits(
        &state,
        &caller,
        &q.q,
        q.kinds.as_deref(),
        q.limit.unwrap_or(20),
    )
    .await?;
    Ok(Json(SearchResults {
        items,
        next_cursor: None,
    }))
}

/// The best `limit` hits for `q` of what the caller may see, of `kinds`
/// (comma-separated) or of every kind; what the JSON API and the search
/// page answer.
pub async fn hits(
    state: &AppState,
    caller: &Caller,
    q: &str,
    only: Option<&str>,
    limit: usize,
) -> Result<Vec<Hit>> {
    if !(1..=100).contains(&limit) {
        return Err(AppError::field("limit", "use a number from 1 to 100"));
    }
    if q.trim().chars().count() < MIN_QUERY_CHARS || q.len() > 200 {
        return Err(AppError::field(
            "q",
            format!("type at least {MIN_QUERY_CHARS} characters (and at most 200)"),
        ));
    }
    let (mut kinds, keys) = scope(caller);
    let mut modules = searchable_modules(state, caller).await?;
    kinds.extend(modules.iter().map(|id| search_docs::kind(id)));
    if let Some(wanted) = only.filter(|k| !k.trim().is_empty()) {
        let wanted: Vec<&str> = wanted.split(',').map(str::trim).collect();
        if wanted.len() > 20 || wanted.iter().any(|k| k.is_empty() || k.len() > 100) {
            return Err(AppError::field(
                "kinds",
                "name at most 20 kinds, comma-separated",
            ));
        }
        kinds.retain(|k| wanted.contains(&k.as_str()));
        modules.retain(|id| wanted.contains(&search_docs::kind(id).as_str()));
    }
    if kinds.is_empty() {
        return Ok(Vec::new());
    }
    feed::catch_up_for(state, caller.practice.id()).await?;
    // Module documents may need a permission the index does not know: when
    // some are dropped from a full page, ask once more for the most the
    // index gives, so they do not crowd out what the caller may see.
    let mut ask = limit;
    let mut items = loop {
        let hits = find(state, caller, q, &keys, &kinds, ask).await?;
        let full = hits.len() == ask;
        let before = hits.len();
        let mut hits = if modules.is_empty() {
            hits
        } else {
            permitted(state, caller, hits).await?
        };
        if !full || hits.len() == before || ask == MAX_LIMIT {
            hits.truncate(limit);
            break hits;
        }
        ask = MAX_LIMIT;
    };
    let names_hidden = ["applicant.given_name", "applicant.family_name"]
        .iter()
        .any(|k| caller.field_rules.get(*k) == Some(&FieldAccess::Hidden));
    if names_hidden {
        for hit in items.iter_mut() {
            match hit.kind.as_str() {
                "applicant" => hit.title = "Applicant".into(),
                // Its subtitle may be the applicant's name.
                "file" => hit.subtitle = "File".into(),
                _ => {}
            }
        }
    }
    Ok(items)
}

/// The index's best `limit` hits in the caller's practice, kinds and keys.
async fn find(
    state: &AppState,
    caller: &Caller,
    q: &str,
    keys: &[&'static str],
    kinds: &[String],
    limit: usize,
) -> Result<Vec<Hit>> {
    let search = state.search.clone();
    let practice_id = caller.practice.id().to_string();
    let (q, keys, kinds) = (q.to_string(), keys.to_vec(), kinds.to_vec());
    let hits = tokio::task::spawn_blocking(move || {
        let kinds: Vec<&str> = kinds.iter().map(String::as_str).collect();
        search
            .index
            .search(&practice_id, &q, &keys, Some(&kinds), limit)
    })
    .await
    .map_err(|e| anyhow::anyhow!("search task: {e}"))?;
    match hits {
        Ok(hits) => Ok(hits),
        Err(SearchError::QueryTooShort) => Err(AppError::field(
            "q",
            format!("type at least {MIN_QUERY_CHARS} letters or digits"),
        )),
        Err(e @ SearchError::QueryTooLong) => Err(AppError::field("q", e.to_string())),
        Err(e) => Err(anyhow::anyhow!("search: {e}").into()),
    }
}
