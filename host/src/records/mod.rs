//! Records: the applicants a practice works for (and, as they arrive, their
//! cases and the trash).
//!
//! - `applicant`: what an applicant is and how input is checked;
//! - `applicant_store`: applicants in the database;
//! - `duplicates`: candidates for a new applicant, with reasons;
//! - `merge`: merging duplicate applicants, and undoing it;
//! - `timeline`: who changed which field, from what to what;
//! - `applicants`: the `/api/v1/applicants` routes;
//! - `case`, `case_store`, `cases`: cases, their folios and routes;
//! - `program`, `program_store`, `programs`: each practice's list of case
//!   programs;
//! - `reading`: records as JSON for modules (the `records` import);
//! - `audited`: their entries in the audit log, and their names there.
//!
//! `applicants`, `cases` and `programs` hold the functions both the JSON
//! routes and the pages call, so the rules are the same in both.

pub mod applicant;
pub(crate) mod applicant_store;
pub mod applicants;
pub mod audited;
pub mod case;
pub(crate) mod case_store;
pub mod cases;
pub mod duplicates;
pub mod merge;
pub mod program;
pub(crate) mod program_store;
pub mod programs;
pub mod reading;
pub mod timeline;

use axum::extract::State;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};

use immcase_matching as matching;

use crate::access::Caller;
use crate::access::permissions::FieldAccess;
use crate::api::{Json, Query};
use crate::error::{AppError, ErrorBody, Result};
use crate::practices::Practice;
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(applicants::list, applicants::create))
        .routes(routes!(check_duplicates))
        .routes(routes!(duplicate_pairs))
        .routes(routes!(applicants::get, applicants::update))
        .routes(routes!(applicants::timeline))
        .routes(routes!(merge::merge_route))
        .routes(routes!(cases::list, cases::create))
        .routes(routes!(cases::get, cases::update))
        .routes(routes!(cases::case_timeline))
        .routes(routes!(programs::list_programs, programs::create_program))
        .routes(routes!(programs::update_program, programs::delete_program))
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

/// The answer to a write of an applicant or a case based on `version` that
/// others changed since: 409 with the record as the caller may see it now
/// and, field by field, what they changed (and whether the write collides).
pub async fn edit_conflict(
    db: &crate::db::Db,
    caller: &crate::access::Caller,
    record: (&str, &str),
    version: i64,
    current: (i64, serde_json::Value),
    requested: &serde_json::Map<String, serde_json::Value>,
) -> crate::error::Result<AppError> {
    let (kind, _) = record;
    let (now_at, current) = current;
    let changes = timeline::changed_since(
        db.pool(),
        &caller.practice,
        record,
        version,
        &caller.field_rules,
        requested,
    )
    .await?;
    Ok(AppError::EditConflict {
        message: format!(
            "this {kind} was changed by someone else since version {version} (now at version {now_at}); review and try again"
        ),
        current,
        changes: serde_json::to_value(changes).unwrap_or_default(),
    })
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

/// Emits a host event about a record, in the transaction of the change.
pub async fn announce(
    state: &AppState,
    tx: &mut crate::db::Tx,
    caller: &Caller,
    name: &str,
    payload: serde_json::Value,
    now: i64,
) -> Result<()> {
    let payload = payload.to_string();
    let cause = crate::change::cause(Some(caller), "host");
    crate::change::announce(state, tx, &caller.practice, name, &payload, &cause, now).await?;
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
    crate::input::expected_version(headers, asked)
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

#[derive(Serialize, ToSchema)]
pub struct PairList {
    pub items: Vec<duplicates::Pair>,
}

/// The likely duplicates among the practice's applicants, strongest first
/// (at most 100 pairs), each with the reasons: what "Find duplicates"
/// shows.
#[utoipa::path(get, path = "/api/v1/applicants/duplicate-pairs", tag = "applicants",
    responses((status = 200, body = PairList), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody, description = "Needs `applicants.read`")))]
async fn duplicate_pairs(State(state): State<AppState>, caller: Caller) -> Result<Json<PairList>> {
    Ok(Json(PairList {
        items: duplicates::pairs(&state, &caller).await?,
    }))
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
