//! Records: the applicants a practice works for (and, as they arrive, their
//! cases and the trash).
//!
//! - `matching`: duplicate rules and contact normalisation, plain functions;
//! - `applicant`: what an applicant is and how input is checked;
//! - `applicant_store`: applicants in the database;
//! - `duplicates`: candidates for a new applicant, with reasons;
//! - `timeline`: who changed which field, from what to what;
//! - `applicants`: the `/api/v1/applicants` routes.

mod applicant;
mod applicant_store;
mod applicants;
mod duplicates;
pub mod matching;
pub mod timeline;

use axum::extract::State;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::access::permissions::FieldAccess;
use crate::api::{Json, Query};
use crate::auth::Caller;
use crate::error::{AppError, ErrorBody, Result};
use crate::practices::Practice;
use crate::search::index::SearchDoc;
use crate::state::AppState;

/// The search document of an applicant as it is now; `None` when it is gone
/// (deleted, or moved to the trash).
pub async fn search_doc(
    db: &sqlx::AnyPool,
    practice: &Practice,
    id: &str,
) -> Result<Option<SearchDoc>> {
    Ok(applicant_store::find(db, practice, id)
        .await?
        .map(|a| applicant::search_doc(practice, &a)))
}

/// A page of a practice's applicants as search documents, by id after `after`.
pub async fn search_docs_page(
    db: &sqlx::AnyPool,
    practice: &Practice,
    after: Option<&str>,
    limit: i64,
) -> Result<Vec<SearchDoc>> {
    let rows = applicant_store::page_ascending(db, practice, after, limit).await?;
    Ok(rows
        .iter()
        .map(|a| applicant::search_doc(practice, a))
        .collect())
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(applicants::list, applicants::create))
        .routes(routes!(check_duplicates))
        .routes(routes!(applicants::get, applicants::update))
        .routes(routes!(applicants::timeline))
}

/// `Ok` when the caller's role lets them write `record.field`; a field the
/// role hides or makes read-only is refused with 403 naming it.
pub fn writable(caller: &Caller, record: &str, field: &str) -> Result<()> {
    let key = format!("{record}.{field}");
    match caller.field_rules.get(&key) {
        Some(FieldAccess::Hidden | FieldAccess::ReadOnly) => Err(AppError::ReadOnlyField(key)),
        None => Ok(()),
    }
}

#[derive(Deserialize, IntoParams)]
pub struct DuplicateQuery {
    given_name: Option<String>,
    family_name: Option<String>,
    other_names: Option<String>,
    /// Comma-separated.
    emails: Option<String>,
    /// Comma-separated, any common format.
    phones: Option<String>,
    /// YYYY-MM-DD.
    date_of_birth: Option<String>,
    passport_number: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct CandidateList {
    pub items: Vec<duplicates::Candidate>,
    pub next_cursor: Option<String>,
}

fn split(list: Option<String>) -> Vec<String> {
    list.unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_string)
        .collect()
}

/// Existing applicants that may be the person described, each with the
/// reasons: the same check `POST /api/v1/applicants` makes, to run before
/// creating. Phones that cannot be read are ignored here.
#[utoipa::path(get, path = "/api/v1/applicants/duplicates", tag = "applicants", params(DuplicateQuery),
    responses((status = 200, body = CandidateList), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 422, body = ErrorBody, description = "Nothing to compare: give at least a name, an email, a phone or a passport number")))]
async fn check_duplicates(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<DuplicateQuery>,
) -> Result<Json<CandidateList>> {
    caller.require("applicants.read")?;
    let probe = matching::Probe {
        given_name: q.given_name.unwrap_or_default(),
        family_name: q.family_name.unwrap_or_default(),
        other_names: split(q.other_names),
        emails: split(q.emails)
            .iter()
            .map(|e| matching::normalize_email(e))
            .collect(),
        phones: split(q.phones)
            .iter()
            .filter_map(|p| matching::normalize_phone(p, "CA").ok())
            .collect(),
        date_of_birth: q.date_of_birth.filter(|d| !d.trim().is_empty()),
        passport_number: q.passport_number.filter(|p| !p.trim().is_empty()),
    };
    let nothing = probe.given_name.trim().is_empty()
        && probe.family_name.trim().is_empty()
        && probe.other_names.is_empty()
        && probe.emails.is_empty()
        && probe.phones.is_empty()
        && probe.passport_number.is_none();
    if nothing {
        return Err(AppError::invalid(
            "give at least a name, an email, a phone or a passport number",
        ));
    }
    let mut tx = state.db.begin().await?;
    let items = duplicates::find(&mut tx, &caller, &probe).await?;
    tx.commit().await?;
    Ok(Json(CandidateList {
        items,
        next_cursor: None,
    }))
}
