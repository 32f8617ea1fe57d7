//! Records: the applicants a practice works for (and, as they arrive, their
//! cases and the trash).
//!
//! - `matching`: duplicate rules and contact normalisation, plain functions;
//! - `applicant`: what an applicant is and how input is checked;
//! - `applicant_store`: applicants in the database;
//! - `duplicates`: candidates for a new applicant, with reasons;
//! - `timeline`: who changed which field, from what to what;
//! - `applicants`: the `/api/v1/applicants` routes;
//! - `case`, `case_store`, `cases`: cases, their folios and routes.

mod applicant;
mod applicant_store;
mod applicants;
mod case;
mod case_store;
mod cases;
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

/// Kinds of records in search, in the order a rebuild indexes them.
pub const SEARCH_KINDS: &[&str] = &["applicant", "case"];

/// The search document of a record as it is now; `None` when it is gone
/// (deleted, or moved to the trash) or of an unknown kind.
pub async fn search_doc(
    db: &sqlx::AnyPool,
    practice: &Practice,
    kind: &str,
    id: &str,
) -> Result<Option<SearchDoc>> {
    match kind {
        "applicant" => Ok(applicant_store::find(db, practice, id)
            .await?
            .map(|a| applicant::search_doc(practice, &a))),
        "case" => {
            let Some(c) = case_store::find(db, practice, id).await? else {
                return Ok(None);
            };
            let applicant = applicant_store::find(db, practice, &c.applicant_id).await?;
            Ok(Some(case_search_doc(practice, &c, applicant.as_ref())))
        }
        _ => Ok(None),
    }
}

fn case_search_doc(
    practice: &Practice,
    c: &case::Case,
    applicant: Option<&applicant::Applicant>,
) -> SearchDoc {
    let name = applicant
        .map(|a| {
            format!("{} {}", a.given_name, a.family_name)
                .trim()
                .to_string()
        })
        .unwrap_or_default();
    SearchDoc {
        practice_id: practice.id().to_string(),
        kind: "case".into(),
        id: c.id.clone(),
        title: c.folio.clone(),
        subtitle: c.program.replace('_', " "),
        link: format!("/cases/{}", c.id),
        fields: vec![
            ("case.folio".into(), c.folio.clone()),
            ("case.program".into(), c.program.replace('_', " ")),
            ("case.applicant_name".into(), name),
        ],
    }
}

/// A page of a practice's records of `kind` as search documents, by id
/// after `after` (for rebuilding the index).
pub async fn search_docs_page(
    db: &sqlx::AnyPool,
    practice: &Practice,
    kind: &str,
    after: Option<&str>,
    limit: i64,
) -> Result<Vec<SearchDoc>> {
    let ids: Vec<String> = match kind {
        "applicant" => sqlx::query_scalar(
            "SELECT id FROM applicants WHERE practice_id = $1 AND deleted_at IS NULL \
             AND (CAST($2 AS TEXT) IS NULL OR id > $2) ORDER BY id LIMIT $3",
        ),
        _ => sqlx::query_scalar(
            "SELECT id FROM cases WHERE practice_id = $1 AND deleted_at IS NULL \
             AND (CAST($2 AS TEXT) IS NULL OR id > $2) ORDER BY id LIMIT $3",
        ),
    }
    .bind(practice.id())
    .bind(after)
    .bind(limit)
    .fetch_all(db)
    .await?;
    let mut docs = Vec::with_capacity(ids.len());
    for id in ids {
        docs.extend(search_doc(db, practice, kind, &id).await?);
    }
    Ok(docs)
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(applicants::list, applicants::create))
        .routes(routes!(check_duplicates))
        .routes(routes!(applicants::get, applicants::update))
        .routes(routes!(applicants::timeline))
        .routes(routes!(cases::list, cases::create))
        .routes(routes!(cases::get, cases::update))
        .routes(routes!(cases::case_timeline))
}

/// The version a `PATCH` body (or its `If-Match`) is based on, taken out of
/// the body.
pub fn take_version(
    headers: &axum::http::HeaderMap,
    body: &mut serde_json::Map<String, serde_json::Value>,
) -> Result<i64> {
    use serde_json::Value;
    let asked = match body.remove("version") {
        Some(Value::Number(n)) => n.as_i64(),
        None | Some(Value::Null) => None,
        Some(_) => return Err(AppError::field("version", "a number")),
    };
    crate::api::expected_version(headers, asked)
}

/// Checks that every key of a body names a writable field of `record`:
/// unknown keys are 422, hidden or read-only ones 403, each naming the field.
/// When `creating`, an empty value writes nothing and is let through.
pub fn check_writable_keys(
    caller: &Caller,
    record: &str,
    fields: &[&str],
    body: &serde_json::Map<String, serde_json::Value>,
    creating: bool,
) -> Result<()> {
    for (field, value) in body {
        if !fields.contains(&field.as_str()) {
            return Err(AppError::field(
                field,
                format!("not a field of the {record}"),
            ));
        }
        let empty = value.is_null() || value == "" || value.as_array().is_some_and(Vec::is_empty);
        if !(creating && empty) {
            writable(caller, record, field)?;
        }
    }
    Ok(())
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
