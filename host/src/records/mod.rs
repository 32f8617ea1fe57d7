//! Records: the applicants a practice works for (and, as they arrive, their
//! cases and the trash).
//!
//! - `applicant`: what an applicant is and how input is checked;
//! - `applicant_store`: applicants in the database;
//! - `duplicates`: candidates for a new applicant, with reasons;
//! - `timeline`: who changed which field, from what to what;
//! - `applicants`: the `/api/v1/applicants` routes;
//! - `case`, `case_store`, `cases`: cases, their folios and routes;
//! - `programs`, `program_store`: each practice's list of case programs;
//! - `trash`: deleting, restoring and purging;
//! - `reading`: records as JSON for modules (the `records` import).
//!
//! `applicants`, `cases` and `programs` hold the functions both the JSON
//! routes and the pages call, so the rules are the same in both.

pub mod applicant;
mod applicant_store;
pub mod applicants;
pub mod case;
mod case_store;
pub mod cases;
pub mod duplicates;
mod program_store;
pub mod programs;
pub mod reading;
pub mod timeline;
pub mod trash;

use axum::extract::State;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};

use immcase_matching as matching;

use crate::access::permissions::{FieldAccess, MODULE_PREFIX};
use crate::api::{Json, Query};
use crate::auth::Caller;
use crate::error::{AppError, ErrorBody, Result};
use crate::modules::search_docs;
use crate::practices::Practice;
use crate::state::AppState;
use immcase_search_index::SearchDoc;

/// Kinds of records in search, in the order a rebuild indexes them.
pub const SEARCH_KINDS: &[&str] = &["applicant", "case", "file"];

/// The search document of a record as it is now; `None` when it is gone
/// (deleted, or moved to the trash) or of an unknown kind. Kind
/// `module:{id}` is a module's own document (`modules::search_docs`).
pub async fn search_doc(
    db: &sqlx::AnyPool,
    practice: &Practice,
    kind: &str,
    id: &str,
) -> Result<Option<SearchDoc>> {
    if let Some(module) = kind.strip_prefix(MODULE_PREFIX) {
        let found = search_docs::find(db, practice, module, id).await?;
        return Ok(found.map(|d| search_docs::search_doc(practice, module, &d)));
    }
    match kind {
        "applicant" => Ok(applicant_store::find(db, practice, id)
            .await?
            .map(|a| applicant::search_doc(practice, &a))),
        "case" => {
            let Some(c) = case_store::find(db, practice, id).await? else {
                return Ok(None);
            };
            let applicant = applicant_store::find(db, practice, &c.applicant_id).await?;
            // The practice's label (it may have been renamed), else the key.
            let program = program_store::find(db, practice, &c.program)
                .await?
                .map(|p| p.label)
                .unwrap_or_else(|| c.program.replace('_', " "));
            Ok(Some(case_search_doc(
                practice,
                &c,
                &program,
                applicant.as_ref(),
            )))
        }
        "file" => crate::files::search_doc(db, practice, id).await,
        _ => Ok(None),
    }
}

fn case_search_doc(
    practice: &Practice,
    c: &case::Case,
    program: &str,
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
        subtitle: program.to_string(),
        link: format!("/cases/{}", c.id),
        fields: vec![
            ("case.folio".into(), c.folio.clone()),
            ("case.program".into(), program.to_string()),
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
    if let Some(module) = kind.strip_prefix(MODULE_PREFIX) {
        let found = search_docs::page(db, practice, module, after, limit).await?;
        let doc = |d: &search_docs::ModuleSearchDoc| search_docs::search_doc(practice, module, d);
        return Ok(found.iter().map(doc).collect());
    }
    let ids: Vec<String> = match kind {
        "applicant" => sqlx::query_scalar(
            "SELECT id FROM applicants WHERE practice_id = $1 AND deleted_at IS NULL \
             AND (CAST($2 AS TEXT) IS NULL OR id > $2) ORDER BY id LIMIT $3",
        ),
        "file" => sqlx::query_scalar(
            "SELECT id FROM files WHERE practice_id = $1 AND deleted_at IS NULL \
             AND owner_kind IN ('applicant', 'case') \
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
        .routes(routes!(
            applicants::get,
            applicants::update,
            delete_applicant
        ))
        .routes(routes!(applicants::timeline))
        .routes(routes!(cases::list, cases::create))
        .routes(routes!(cases::get, cases::update, delete_case))
        .routes(routes!(cases::case_timeline))
        .routes(routes!(programs::list_programs, programs::create_program))
        .routes(routes!(programs::update_program, programs::delete_program))
        .routes(routes!(list_trash))
        .routes(routes!(restore_from_trash))
}

/// A record as JSON for a reader: the fields their roles hide are absent.
pub fn visible(
    record: &impl Serialize,
    kind: &str,
    rules: &crate::access::permissions::FieldRules,
) -> serde_json::Value {
    let mut json = serde_json::to_value(record).unwrap_or(serde_json::Value::Null);
    if let serde_json::Value::Object(map) = &mut json {
        map.retain(|field, _| rules.get(&format!("{kind}.{field}")) != Some(&FieldAccess::Hidden));
    }
    json
}

/// The answer to a write based on a version someone else already changed:
/// 409 with the record as it is now.
pub fn changed_elsewhere(kind: &str, version: i64, current: serde_json::Value) -> AppError {
    AppError::Conflict {
        message: format!(
            "this {kind} was changed by someone else (now at version {version}); review and try again"
        ),
        current: Some(current),
    }
}

/// A `PATCH` body laid over the writable fields of the record as it is.
pub fn overlay(
    current: &impl Serialize,
    body: serde_json::Map<String, serde_json::Value>,
) -> serde_json::Map<String, serde_json::Value> {
    let mut merged = match serde_json::to_value(current) {
        Ok(serde_json::Value::Object(map)) => map,
        _ => serde_json::Map::new(),
    };
    merged.extend(body);
    merged
}

/// Commits a change to records, then wakes the search feed and the job
/// worker (which delivers the change's events) so both follow at once.
pub async fn commit_change(state: &AppState, tx: crate::db::Tx) -> Result<()> {
    tx.commit().await?;
    state.search.wake.notify_one();
    state.jobs_wake.notify_one();
    Ok(())
}

/// Emits a host event about a record, in the transaction of the change.
pub async fn announce(
    state: &AppState,
    tx: &mut crate::db::Tx,
    caller: &Caller,
    name: &str,
    payload: serde_json::Value,
    now: i64,
) -> Result<()> {
    crate::events::emit(
        tx,
        &state.modules,
        &caller.practice,
        name,
        &payload.to_string(),
        "host",
        now,
    )
    .await?;
    Ok(())
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

#[derive(Deserialize, IntoParams)]
pub struct DeleteQuery {
    /// The version being deleted (or send `If-Match`); a stale one gets 409.
    version: Option<i64>,
}

fn delete_version(headers: &axum::http::HeaderMap, q: &DeleteQuery) -> Option<i64> {
    q.version
        .or_else(|| crate::api::expected_version(headers, None).ok())
}

/// Moves an applicant, with their cases, to the trash (restorable by an
/// administrator for 30 days, or as configured).
#[utoipa::path(delete, path = "/api/v1/applicants/{id}", tag = "applicants", params(("id" = String, Path), DeleteQuery),
    responses((status = 204, description = "In the trash"), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody, description = "Stale version")))]
async fn delete_applicant(
    State(state): State<AppState>,
    caller: Caller,
    crate::api::Path(id): crate::api::Path<String>,
    headers: axum::http::HeaderMap,
    Query(q): Query<DeleteQuery>,
) -> Result<axum::http::StatusCode> {
    trash::delete_applicant(&state, &caller, &id, delete_version(&headers, &q)).await?;
    Ok(axum::http::StatusCode::NO_CONTENT)
}

/// Moves a case to the trash.
#[utoipa::path(delete, path = "/api/v1/cases/{id}", tag = "cases", params(("id" = String, Path), DeleteQuery),
    responses((status = 204, description = "In the trash"), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody, description = "Stale version")))]
async fn delete_case(
    State(state): State<AppState>,
    caller: Caller,
    crate::api::Path(id): crate::api::Path<String>,
    headers: axum::http::HeaderMap,
    Query(q): Query<DeleteQuery>,
) -> Result<axum::http::StatusCode> {
    trash::delete_case(&state, &caller, &id, delete_version(&headers, &q)).await?;
    Ok(axum::http::StatusCode::NO_CONTENT)
}

#[derive(Serialize, ToSchema)]
pub struct TrashList {
    pub items: Vec<trash::TrashItem>,
    pub next_cursor: Option<String>,
}

/// What the practice's trash holds and can still be restored, newest first.
#[utoipa::path(get, path = "/api/v1/trash", tag = "trash",
    responses((status = 200, body = TrashList), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody, description = "Needs `trash.manage`")))]
async fn list_trash(State(state): State<AppState>, caller: Caller) -> Result<Json<TrashList>> {
    let items = trash::list(&state, &caller).await?;
    Ok(Json(TrashList {
        items,
        next_cursor: None,
    }))
}

/// Restores an applicant (with what was deleted with them) or a case.
#[utoipa::path(post, path = "/api/v1/trash/{kind}/{id}/restore", tag = "trash",
    params(("kind" = String, Path, description = "`applicant` or `case`"), ("id" = String, Path)),
    responses((status = 204, description = "Restored"), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody, description = "Needs `trash.manage`"),
        (status = 404, body = ErrorBody, description = "Not in the trash, or past the retention period"),
        (status = 409, body = ErrorBody, description = "A case whose applicant is still in the trash"),
        (status = 422, body = ErrorBody)))]
async fn restore_from_trash(
    State(state): State<AppState>,
    caller: Caller,
    crate::api::Path((kind, id)): crate::api::Path<(String, String)>,
) -> Result<axum::http::StatusCode> {
    trash::restore(&state, &caller, &kind, &id).await?;
    Ok(axum::http::StatusCode::NO_CONTENT)
}

/// An applicant or a case as the owner of files.
pub struct Owner {
    /// `applicant` or `case`.
    pub kind: &'static str,
    pub id: String,
    /// The applicant's name or the case's folio.
    pub label: String,
    /// For a case: its applicant.
    pub applicant_id: Option<String>,
}

/// The applicant or case `kind`/`id` of the practice, unless it is unknown
/// or in the trash.
pub async fn find_owner<'e, E: sqlx::Executor<'e, Database = sqlx::Any>>(
    db: E,
    practice: &Practice,
    kind: &str,
    id: &str,
) -> Result<Option<Owner>> {
    Ok(match kind {
        "applicant" => applicant_store::find(db, practice, id)
            .await?
            .map(|a| Owner {
                kind: "applicant",
                id: a.id.clone(),
                label: format!("{} {}", a.given_name, a.family_name)
                    .trim()
                    .to_string(),
                applicant_id: None,
            }),
        "case" => case_store::find(db, practice, id).await?.map(|c| Owner {
            kind: "case",
            id: c.id.clone(),
            label: c.folio.clone(),
            applicant_id: Some(c.applicant_id.clone()),
        }),
        _ => None,
    })
}
