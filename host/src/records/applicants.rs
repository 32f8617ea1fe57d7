//! `/api/v1/applicants`: list, create (with a duplicate check), read,
//! change at a known version, and the timeline. Field rules apply to every
//! read and write: hidden fields are absent, writes to read-only ones are
//! refused with 403 naming the field.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use utoipa::{IntoParams, ToSchema};

use super::applicant::{self, Applicant, ApplicantInput, FIELDS};
use super::timeline::{self, Change};
use super::{
    announce, applicant_store as store, check_writable_keys, duplicates, edit_conflict, overlay,
    take_version,
};
use crate::access::Caller;
use crate::api::{Json, Path, Query};
use crate::error::{AppError, ErrorBody, Result};
use crate::input::page_limit;
use crate::state::AppState;

#[derive(Serialize, ToSchema)]
pub struct ApplicantList {
    /// Applicants without the fields the caller's role hides.
    #[schema(value_type = Vec<Object>)]
    pub items: Vec<Value>,
    pub next_cursor: Option<String>,
}

#[derive(Default, Deserialize, IntoParams)]
pub struct ListQuery {
    /// `open` for applicants with a case that is not closed, `none` for
    /// those with no case (needs `cases.read`); empty for all.
    pub cases: Option<String>,
    /// `newest` (the default), `oldest` or `updated` (most recently
    /// changed first).
    pub sort: Option<String>,
    /// From the previous page.
    pub cursor: Option<String>,
    /// 1 to 200, default 50.
    pub limit: Option<i64>,
}

impl ListQuery {
    /// The filter this query asks for, checked.
    fn filter<'a>(&'a self, caller: &Caller) -> Result<store::Filter<'a>> {
        let mut errors = crate::error::FieldErrors::new();
        let given = |v: &'a Option<String>| v.as_deref().map(str::trim).filter(|v| !v.is_empty());
        let cases = match given(&self.cases) {
            None => None,
            Some("open") => Some(store::Cases::Open),
            Some("none") => Some(store::Cases::None),
            Some(_) => {
                errors.insert("cases".into(), "open or none".into());
                None
            }
        };
        if cases.is_some() && !caller.can("cases.read") {
            errors.insert("cases".into(), "needs the permission cases.read".into());
        }
        let (order, after) = store::Order::of(given(&self.sort), given(&self.cursor), &mut errors);
        AppError::check_fields(errors)?;
        Ok(store::Filter {
            cases,
            order,
            after,
        })
    }
}

/// A page of applicants, newest first (all fields: show them with field rules).
pub struct ApplicantPage {
    pub items: Vec<Applicant>,
    pub next_cursor: Option<String>,
}

/// A page of the practice's applicants, newest first (needs `applicants.read`).
pub async fn page(state: &AppState, caller: &Caller, q: &ListQuery) -> Result<ApplicantPage> {
    caller.require("applicants.read")?;
    let limit = page_limit(q.limit)?;
    let filter = q.filter(caller)?;
    let mut items = store::page(state.db.pool(), &caller.practice, &filter, limit + 1).await?;
    let next_cursor = (items.len() as i64 > limit)
        .then(|| {
            items
                .get(limit as usize - 1)
                .map(|a| filter.order.cursor_after(&a.id, &a.updated_at))
        })
        .flatten();
    items.truncate(limit as usize);
    Ok(ApplicantPage { items, next_cursor })
}

/// Applicants by id, in the order given, leaving out those not found (or in
/// the trash); all fields: show them with field rules. Needs
/// `applicants.read`.
pub async fn some(state: &AppState, caller: &Caller, ids: &[String]) -> Result<Vec<Applicant>> {
    caller.require("applicants.read")?;
    let mut conn = state.db.pool().acquire().await?;
    let found = store::find_many(&mut conn, &caller.practice, ids).await?;
    Ok(ids
        .iter()
        .filter_map(|id| found.iter().find(|a| &a.id == id).cloned())
        .collect())
}

/// The practice's applicants, newest first.
#[utoipa::path(get, path = "/api/v1/applicants", tag = "applicants", params(ListQuery),
    responses((status = 200, body = ApplicantList), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub(super) async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<ListQuery>,
) -> Result<Json<ApplicantList>> {
    let page = page(&state, &caller, &q).await?;
    let items = page
        .items
        .iter()
        .map(|a| applicant::visible(a, &caller.field_rules))
        .collect();
    Ok(Json(ApplicantList {
        items,
        next_cursor: page.next_cursor,
    }))
}

/// What `POST /api/v1/applicants` takes: the applicant's fields, and
/// `confirm_duplicates: true` to create it although it looks like others.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct NewApplicant {
    #[schema(inline)]
    applicant: ApplicantInput,
    confirm_duplicates: Option<bool>,
}

/// Splits `confirm_duplicates` from the applicant's fields.
fn take_confirmation(body: &mut Map<String, Value>) -> Result<bool> {
    match body.remove("confirm_duplicates") {
        None | Some(Value::Null) => Ok(false),
        Some(Value::Bool(b)) => Ok(b),
        Some(_) => Err(AppError::field("confirm_duplicates", "true or false")),
    }
}

fn parse_input(body: Map<String, Value>) -> Result<ApplicantInput> {
    serde_json::from_value(Value::Object(body))
        .map_err(|e| AppError::invalid(format!("the applicant is not in the expected shape: {e}")))
}

pub(crate) fn today(state: &AppState) -> String {
    jiff::Timestamp::from_millisecond(state.now_ms())
        .map(|t| t.strftime("%Y-%m-%d").to_string())
        .unwrap_or_default()
}

/// Creates an applicant. When it looks like existing ones (same email or
/// phone, a close name, the same passport), the answer is 409 with each
/// candidate and the reasons it matched, unless `confirm_duplicates` is true.
#[utoipa::path(post, path = "/api/v1/applicants", tag = "applicants", request_body = NewApplicant,
    responses((status = 201, description = "Created: the applicant, without the fields the caller's role hides", body = Object),
        (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody, description = "Missing `applicants.write`, or a field the role makes read-only (named in `fields`)"),
        (status = 409, body = ErrorBody, description = "Possible duplicates, in `candidates`"),
        (status = 422, body = ErrorBody, description = "Each wrong field named in `fields`")))]
pub(super) async fn create(
    State(state): State<AppState>,
    caller: Caller,
    Json(mut body): Json<Map<String, Value>>,
) -> Result<Response> {
    caller.require("applicants.write")?;
    let confirmed = take_confirmation(&mut body)?;
    let created = add(&state, &caller, body, confirmed).await?;
    let location = format!("/api/v1/applicants/{}", created.id);
    let mut response = (
        StatusCode::CREATED,
        Json(applicant::visible(&created, &caller.field_rules)),
    )
        .into_response();
    if let Ok(v) = location.parse() {
        response.headers_mut().insert(header::LOCATION, v);
    }
    Ok(response)
}

/// Creates an applicant from the fields of `body` (needs
/// `applicants.write`). Unless `confirmed`, one that looks like existing
/// applicants is refused with the candidates and their reasons.
pub async fn add(
    state: &AppState,
    caller: &Caller,
    body: Map<String, Value>,
    confirmed: bool,
) -> Result<Applicant> {
    caller.require("applicants.write")?;
    check_writable_keys(caller, "applicant", FIELDS, &body, true)?;
    let input = parse_input(body)?;
    let input = applicant::check(input, &today(state)).map_err(AppError::check_fields_err)?;
    let now = state.now_ms();
    let mut tx = state.db.begin().await?;
    if !confirmed {
        let candidates = duplicates::find(&mut tx, caller, &applicant::probe(&input)).await?;
        if !candidates.is_empty() {
            return Err(AppError::PossibleDuplicates {
                count: candidates.len(),
                candidates: serde_json::to_value(&candidates).unwrap_or_default(),
            });
        }
    }
    let created = store::insert(&mut tx, &caller.practice, &input, &caller.user_id, now).await?;
    timeline::record(
        &mut tx,
        caller,
        "applicant",
        &created.id,
        "created",
        &[],
        now,
    )
    .await?;
    crate::change::reindex(&mut tx, &caller.practice, "applicant", &created.id, now).await?;
    let none = json!({});
    super::audited::applicant(&mut tx, caller, "applicant.created", &created, none, now).await?;
    let payload = json!({ "id": created.id, "given_name": created.given_name, "family_name": created.family_name });
    announce(state, &mut tx, caller, "applicant.created", payload, now).await?;
    crate::change::commit(state, tx).await?;
    Ok(created)
}

async fn found(state: &AppState, caller: &Caller, id: &str) -> Result<Applicant> {
    store::find(state.db.pool(), &caller.practice, id)
        .await?
        .ok_or(AppError::NotFound("applicant"))
}

/// One applicant (needs `applicants.read`); all fields: show it with field
/// rules.
pub async fn read(state: &AppState, caller: &Caller, id: &str) -> Result<Applicant> {
    caller.require("applicants.read")?;
    found(state, caller, id).await
}

/// One applicant, without the fields the caller's role hides.
#[utoipa::path(get, path = "/api/v1/applicants/{id}", tag = "applicants", params(("id" = String, Path)),
    responses((status = 200, body = Object, description = "The applicant, without the fields the caller's role hides"),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(super) async fn get(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Value>> {
    let a = read(&state, &caller, &id).await?;
    Ok(Json(applicant::visible(&a, &caller.field_rules)))
}

/// What `PATCH /api/v1/applicants/{id}` takes: any of the applicant's fields
/// (null clears one), and the version being changed.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct ApplicantPatch {
    #[schema(inline)]
    fields: ApplicantInput,
    /// Or send `If-Match`.
    version: Option<i64>,
}

/// Changes some of an applicant's fields at a known version. A stale version
/// gets 409 with the applicant as it is now; nothing is overwritten.
#[utoipa::path(patch, path = "/api/v1/applicants/{id}", tag = "applicants", params(("id" = String, Path)),
    request_body = ApplicantPatch,
    responses((status = 200, body = Object, description = "The changed applicant, without hidden fields"),
        (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody, description = "Missing `applicants.write`, or a read-only field (named in `fields`)"),
        (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody, description = "Stale version; `current` is the applicant now"),
        (status = 422, body = ErrorBody, description = "Each wrong field named in `fields`")))]
pub(super) async fn update(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    headers: HeaderMap,
    Json(mut body): Json<Map<String, Value>>,
) -> Result<Json<Value>> {
    caller.require("applicants.write")?;
    let version = take_version(&headers, &mut body)?;
    let after = change(&state, &caller, &id, version, body).await?;
    Ok(Json(applicant::visible(&after, &caller.field_rules)))
}

/// Changes the fields of `body` of an applicant at `version` (needs
/// `applicants.write`); a stale version is a conflict carrying the
/// applicant as the caller may see it now.
pub async fn change(
    state: &AppState,
    caller: &Caller,
    id: &str,
    version: i64,
    body: Map<String, Value>,
) -> Result<Applicant> {
    let mut tx = state.db.begin().await?;
    let after = change_in(state, &mut tx, caller, id, version, body).await?;
    crate::change::commit(state, tx).await?;
    Ok(after)
}

/// [`change`] inside a transaction of the caller's, which commits it (a
/// workflow's run).
pub async fn change_in(
    state: &AppState,
    tx: &mut crate::db::Tx,
    caller: &Caller,
    id: &str,
    version: i64,
    body: Map<String, Value>,
) -> Result<Applicant> {
    caller.require("applicants.write")?;
    check_writable_keys(caller, "applicant", FIELDS, &body, false)?;
    let now = state.now_ms();
    let before = store::find(&mut **tx, &caller.practice, id)
        .await?
        .ok_or(AppError::NotFound("applicant"))?;
    let stale = async |current: &Applicant, requested: &Map<String, Value>| {
        let now = (
            current.version,
            applicant::visible(current, &caller.field_rules),
        );
        let record = ("applicant", id);
        edit_conflict(&state.db, caller, record, version, now, requested).await
    };
    if before.version != version {
        return Err(stale(&before, &body).await?);
    }
    let requested = body.clone();
    let merged = overlay(&applicant::as_input(&before), body);
    let input = parse_input(merged)?;
    let input = applicant::check(input, &today(state)).map_err(AppError::check_fields_err)?;
    if !store::update(tx, &caller.practice, id, version, &input, now).await? {
        return Err(stale(&found(state, caller, id).await?, &requested).await?);
    }
    let after = store::find(&mut **tx, &caller.practice, id)
        .await?
        .ok_or(AppError::NotFound("applicant"))?;
    let changes = timeline::diff(
        &serde_json::to_value(&before).unwrap_or_default(),
        &serde_json::to_value(&after).unwrap_or_default(),
        FIELDS,
    );
    if !changes.is_empty() {
        let made = after.version;
        timeline::record_update(tx, caller, "applicant", id, made, &changes, now).await?;
        let what = super::audited::fields(&changes);
        super::audited::applicant(tx, caller, "applicant.updated", &after, what, now).await?;
        crate::change::reindex(tx, &caller.practice, "applicant", id, now).await?;
        // Cases are found by their applicant's name too.
        let cases: Vec<String> = sqlx::query_scalar(
            "SELECT id FROM cases WHERE practice_id = $1 AND applicant_id = $2 AND deleted_at IS NULL",
        )
        .bind(caller.practice.id())
        .bind(id)
        .fetch_all(&mut **tx)
        .await?;
        for case_id in cases {
            crate::change::reindex(tx, &caller.practice, "case", &case_id, now).await?;
        }
        let fields: Vec<&str> = changes.iter().map(|(f, _, _)| f.as_str()).collect();
        let payload = json!({ "id": id, "version": after.version, "fields": fields });
        announce(state, tx, caller, "applicant.updated", payload, now).await?;
    }
    Ok(after)
}

#[derive(Serialize, ToSchema)]
pub struct Timeline {
    pub items: Vec<Change>,
    pub next_cursor: Option<String>,
}

/// Who created the applicant and who changed which field, from what to what,
/// oldest first. Changes to fields the caller's role hides are left out.
#[utoipa::path(get, path = "/api/v1/applicants/{id}/timeline", tag = "applicants", params(("id" = String, Path)),
    responses((status = 200, body = Timeline), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub(super) async fn timeline(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Timeline>> {
    Ok(Json(Timeline {
        items: history(&state, &caller, &id).await?,
        next_cursor: None,
    }))
}

/// An applicant's timeline, oldest first, without changes to hidden fields.
pub async fn history(state: &AppState, caller: &Caller, id: &str) -> Result<Vec<Change>> {
    caller.require("applicants.read")?;
    found(state, caller, id).await?;
    timeline::of_record(
        state.db.pool(),
        &caller.practice,
        "applicant",
        id,
        &caller.field_rules,
    )
    .await
}
