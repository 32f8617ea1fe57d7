//! `GET /api/v1/search`: one box for everything the caller may see.

use axum::extract::State;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::feed;
use super::index::{FIELD_KEYS, Hit, MIN_QUERY_CHARS, SearchError};
use crate::access::permissions::FieldAccess;
use crate::api::{Json, Query};
use crate::auth::Caller;
use crate::error::{AppError, ErrorBody, Result};
use crate::state::AppState;

#[derive(Deserialize, IntoParams)]
pub struct SearchQuery {
    /// At least 2 characters; every word must match (as a prefix, or with a
    /// small typo).
    q: String,
    /// 1 to 100, default 20.
    limit: Option<usize>,
}

#[derive(Serialize, ToSchema)]
pub struct SearchResults {
    #[schema(value_type = Vec<Object>)]
    pub items: Vec<Hit>,
    pub next_cursor: Option<String>,
}

/// What the caller may search: the kinds their permissions open, and the
/// field keys their roles do not hide.
fn scope(caller: &Caller) -> (Vec<&'static str>, Vec<&'static str>) {
    let mut kinds = Vec::new();
    if caller.can("applicants.read") {
        kinds.push("applicant");
    }
    if caller.can("cases.read") {
        kinds.push("case");
    }
    // A file's hit names its owner, so it needs both kinds of owner open.
    if ["files.read", "applicants.read", "cases.read"]
        .iter()
        .all(|p| caller.can(p))
    {
        kinds.push("file");
    }
    let keys = FIELD_KEYS
        .iter()
        .copied()
        .filter(|k| caller.field_rules.get(*k) != Some(&FieldAccess::Hidden))
        .collect();
    (kinds, keys)
}

/// Searches applicants (names, emails, phones, passport), cases (folio,
/// program, applicant's name) and files (names) within the
/// caller's practice, and only in the records and fields the caller may see.
#[utoipa::path(get, path = "/api/v1/search", tag = "search", params(SearchQuery),
    responses((status = 200, body = SearchResults), (status = 401, body = ErrorBody),
        (status = 422, body = ErrorBody, description = "A query under 2 characters, or a limit outside 1 to 100")))]
pub(super) async fn search(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<SearchQuery>,
) -> Result<Json<SearchResults>> {
    let limit = q.limit.unwrap_or(20);
    if !(1..=100).contains(&limit) {
        return Err(AppError::field("limit", "use a number from 1 to 100"));
    }
    if q.q.trim().chars().count() < MIN_QUERY_CHARS || q.q.len() > 200 {
        return Err(AppError::field(
            "q",
            format!("type at least {MIN_QUERY_CHARS} characters (and at most 200)"),
        ));
    }
    let (kinds, keys) = scope(&caller);
    if kinds.is_empty() {
        return Ok(Json(SearchResults {
            items: Vec::new(),
            next_cursor: None,
        }));
    }
    feed::catch_up(&state).await?;
    let search = state.search.clone();
    let practice_id = caller.practice.id().to_string();
    let hits = tokio::task::spawn_blocking(move || {
        search
            .index
            .search(&practice_id, &q.q, &keys, Some(&kinds), limit)
    })
    .await
    .map_err(|e| anyhow::anyhow!("search task: {e}"))?;
    let mut items = match hits {
        Ok(hits) => hits,
        Err(SearchError::QueryTooShort) => {
            return Err(AppError::field(
                "q",
                format!("type at least {MIN_QUERY_CHARS} letters or digits"),
            ));
        }
        Err(e) => return Err(anyhow::anyhow!("search: {e}").into()),
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
    Ok(Json(SearchResults {
        items,
        next_cursor: None,
    }))
}
