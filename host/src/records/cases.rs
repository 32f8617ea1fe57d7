//! `/api/v1/cases`: list (all, or an applicant's), open a case with the
//! next folio, read, change at a known version (closing needs a date and an
//! outcome), and the timeline. Field rules apply as for applicants.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Map, Value, json};
use utoipa::{IntoParams, ToSchema};

use super::applicants::Timeline;
use super::case::{self, Case, CaseInput, FIELDS};
use super::{
    announce, applicant_store, case_store as store, check_writable_keys, edit_conflict, overlay,
    take_version, timeline,
};
use crate::access::Caller;
use crate::api::{Json, Path, Query};
use crate::db::Tx;
use crate::error::{AppError, ErrorBody, FieldErrors, Result};
use crate::input::page_limit;
use crate::state::AppState;

fn visible(c: &Case, caller: &Caller) -> Value {
    super::visible(c, "case", &caller.field_rules)
}

fn parse(body: Map<String, Value>) -> Result<CaseInput> {
    serde_json::from_value(Value::Object(body))
        .map_err(|e| AppError::invalid(format!("the case is not in the expected shape: {e}")))
}

/// Checks a case, including that its applicant and responsible person are
/// of the practice and that its program is one the practice offers (or,
/// for a case being changed, the one it has: `current_program`).
async fn checked(
    tx: &mut Tx,
    caller: &Caller,
    input: CaseInput,
    current_program: Option<&str>,
) -> Result<CaseInput> {
    let input = case::check(input).map_err(AppError::check_fields_err)?;
    let mut errors = FieldErrors::new();
    if applicant_store::find(&mut **tx, &caller.practice, &input.applicant_id)
        .await?
        .is_none()
    {
        errors.insert("applicant_id".into(), "no such applicant".into());
    }
    if let Some(user) = &input.responsible_user_id
        && crate::access::users::find(&mut **tx, &caller.practice, user)
            .await?
            .is_none()
    {
        errors.insert("responsible_user_id".into(), "no such user".into());
    }
    super::programs::check_for_case(
        tx,
        &caller.practice,
        &input.program,
        current_program,
        &mut errors,
    )
    .await?;
    AppError::check_fields(errors)?;
    Ok(input)
}

#[derive(Clone, Debug, Default, Deserialize, IntoParams)]
pub struct CaseQuery {
    /// Only this applicant's cases.
    pub applicant_id: Option<String>,
    /// Only cases at this stage (`intake`, `preparation`, `submitted`,
    /// `decision`, `closed`).
    pub stage: Option<String>,
    /// `open` (every stage but closed) or `closed`.
    pub status: Option<String>,
    /// Only cases of this program (its key).
    pub program: Option<String>,
    /// Only cases this person is responsible for: a user id, `me`, or
    /// `none` for cases nobody is.
    pub responsible: Option<String>,
    /// `newest` (the default), `oldest` or `updated` (most recently
    /// changed first).
    pub sort: Option<String>,
    pub cursor: Option<String>,
    /// 1 to 200, default 50.
    pub limit: Option<i64>,
}

impl CaseQuery {
    /// The filter this query asks for, checked: values it knows, and no
    /// condition on a field the caller's role hides.
    fn filter<'a>(&'a self, caller: &'a Caller) -> Result<store::Filter<'a>> {
        let mut errors = crate::error::FieldErrors::new();
        let given = |v: &'a Option<String>| v.as_deref().map(str::trim).filter(|v| !v.is_empty());
        let hidden = |field: &str| {
            caller.field_rules.get(&format!("case.{field}"))
                == Some(&crate::access::permissions::FieldAccess::Hidden)
        };
        let refuse_hidden = |param: &str, field: &str, errors: &mut crate::error::FieldErrors| {
            if hidden(field) {
                errors.insert(param.into(), "your role does not show this field".into());
            }
        };
        let stage = given(&self.stage);
        if let Some(stage) = stage {
            if !case::STAGES.contains(&stage) {
                errors.insert(
                    "stage".into(),
                    format!("one of {}", case::STAGES.join(", ")),
                );
            }
            refuse_hidden("stage", "stage", &mut errors);
        }
        let closed = match given(&self.status) {
            None => None,
            Some("open") => Some(false),
            Some("closed") => Some(true),
            Some(_) => {
                errors.insert("status".into(), "open or closed".into());
                None
            }
        };
        if closed.is_some() {
            refuse_hidden("status", "stage", &mut errors);
        }
        let program = given(&self.program);
        if program.is_some() {
            refuse_hidden("program", "program", &mut errors);
        }
        let responsible = match given(&self.responsible) {
            Some("me") => Some(caller.user_id.as_str()),
            Some("none") => Some(""),
            other => other,
        };
        if responsible.is_some() {
            refuse_hidden("responsible", "responsible_user_id", &mut errors);
        }
        let (order, after) = store::Order::of(given(&self.sort), given(&self.cursor), &mut errors);
        AppError::check_fields(errors)?;
        Ok(store::Filter {
            applicant_id: given(&self.applicant_id),
            stage,
            closed,
            program,
            responsible,
            order,
            after,
        })
    }
}

/// A page of cases, newest first (all fields: show them with field rules).
pub struct CasePage {
    pub items: Vec<Case>,
    pub next_cursor: Option<String>,
}

/// A page of the practice's cases (or of one applicant's), narrowed and
/// ordered as `q` asks.
pub async fn page(state: &AppState, caller: &Caller, q: &CaseQuery) -> Result<CasePage> {
    caller.require("cases.read")?;
    let limit = page_limit(q.limit)?;
    let filter = q.filter(caller)?;
    let mut items = store::list(state.db.pool(), &caller.practice, &filter, limit + 1).await?;
    let next_cursor = (items.len() as i64 > limit)
        .then(|| {
            items
                .get(limit as usize - 1)
                .map(|c| filter.order.cursor_after(&c.id, &c.updated_at))
        })
        .flatten();
    items.truncate(limit as usize);
    Ok(CasePage { items, next_cursor })
}

/// Cases, newest first unless `sort` says otherwise; narrowed by
/// applicant, stage, open or closed, program and responsible person (a
/// field the caller's role hides cannot be filtered on: 422).
#[utoipa::path(get, path = "/api/v1/cases", tag = "cases", params(CaseQuery),
    responses((status = 200, body = super::applicants::ApplicantList, description = "`items` are cases without hidden fields"),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(super) async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<CaseQuery>,
) -> Result<Json<Value>> {
    let page = page(&state, &caller, &q).await?;
    let items: Vec<Value> = page.items.iter().map(|c| visible(c, &caller)).collect();
    Ok(Json(
        json!({ "items": items, "next_cursor": page.next_cursor }),
    ))
}

/// Opens a case with the next folio of the practice (CAS001, ...).
#[utoipa::path(post, path = "/api/v1/cases", tag = "cases", request_body = CaseInput,
    responses((status = 201, body = Object, description = "The case, with its folio"),
        (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody, description = "Missing `cases.write`, or a read-only field (named in `fields`)"),
        (status = 422, body = ErrorBody, description = "Each wrong field named in `fields`")))]
pub(super) async fn create(
    State(state): State<AppState>,
    caller: Caller,
    Json(body): Json<Map<String, Value>>,
) -> Result<Response> {
    let created = open(&state, &caller, body).await?;
    let location = format!("/api/v1/cases/{}", created.id);
    let mut response = (StatusCode::CREATED, Json(visible(&created, &caller))).into_response();
    if let Ok(v) = location.parse() {
        response.headers_mut().insert(header::LOCATION, v);
    }
    Ok(response)
}

/// Opens a case (needs `cases.write`) from the fields of `body`, with the
/// next folio; the writes field rules refuse are refused as in the API.
pub async fn open(state: &AppState, caller: &Caller, body: Map<String, Value>) -> Result<Case> {
    let mut tx = state.db.begin().await?;
    let created = open_in(state, &mut tx, caller, body).await?;
    crate::change::commit(state, tx).await?;
    Ok(created)
}

/// [`open`] inside a transaction of the caller's, which commits it (a
/// workflow's run).
pub async fn open_in(
    state: &AppState,
    tx: &mut crate::db::Tx,
    caller: &Caller,
    body: Map<String, Value>,
) -> Result<Case> {
    caller.require("cases.write")?;
    check_writable_keys(caller, "case", FIELDS, &body, true)?;
    let input = parse(body)?;
    let now = state.now_ms();
    let input = checked(tx, caller, input, None).await?;
    let created = store::insert(tx, &caller.practice, &input, now).await?;
    timeline::record(tx, caller, "case", &created.id, "created", &[], now).await?;
    crate::change::reindex(tx, &caller.practice, "case", &created.id, now).await?;
    super::audited::case(tx, caller, "case.created", &created, json!({}), now).await?;
    let payload = json!({ "id": created.id, "folio": created.folio, "applicant_id": created.applicant_id,
                          "program": created.program, "stage": created.stage });
    announce(state, tx, caller, "case.created", payload, now).await?;
    Ok(created)
}

async fn found(state: &AppState, caller: &Caller, id: &str) -> Result<Case> {
    store::find(state.db.pool(), &caller.practice, id)
        .await?
        .ok_or(AppError::NotFound("case"))
}

/// One case (needs `cases.read`); all fields: show it with field rules.
pub async fn read(state: &AppState, caller: &Caller, id: &str) -> Result<Case> {
    caller.require("cases.read")?;
    found(state, caller, id).await
}

/// One case, without the fields the caller's role hides.
#[utoipa::path(get, path = "/api/v1/cases/{id}", tag = "cases", params(("id" = String, Path)),
    responses((status = 200, body = Object), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub(super) async fn get(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Value>> {
    Ok(Json(visible(&read(&state, &caller, &id).await?, &caller)))
}

/// What `PATCH /api/v1/cases/{id}` takes: any of the case's fields and the
/// version being changed.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct CasePatch {
    #[schema(inline)]
    fields: CaseInput,
    /// Or send `If-Match`.
    version: Option<i64>,
}

/// Changes a case at a known version: its stage (closing needs
/// `closing_date` and `outcome`), program, responsible person, key dates.
#[utoipa::path(patch, path = "/api/v1/cases/{id}", tag = "cases", params(("id" = String, Path)), request_body = CasePatch,
    responses((status = 200, body = Object), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody, description = "Missing `cases.write` (or `cases.write_responsible` on a case the caller is responsible for, without changing who is), or a read-only field (named in `fields`)"),
        (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody, description = "Stale version; `current` is the case now, `changes` what others changed since"),
        (status = 422, body = ErrorBody, description = "Each wrong field named in `fields`")))]
pub(super) async fn update(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    headers: HeaderMap,
    Json(mut body): Json<Map<String, Value>>,
) -> Result<Json<Value>> {
    may_change_some(&caller)?;
    let version = take_version(&headers, &mut body)?;
    let after = change(&state, &caller, &id, version, body).await?;
    Ok(Json(visible(&after, &caller)))
}

/// Lets a person change the cases they are responsible for, without
/// `cases.write` (which changes every case).
pub const WRITE_RESPONSIBLE: &str = "cases.write_responsible";

/// Whether the caller may change some case: `cases.write` or
/// [`WRITE_RESPONSIBLE`].
pub fn may_change_some(caller: &Caller) -> Result<()> {
    if caller.can(WRITE_RESPONSIBLE) {
        return Ok(());
    }
    caller.require("cases.write")
}

/// Whether the caller may change `case`: with `cases.write` any case; with
/// [`WRITE_RESPONSIBLE`] a case they are responsible for.
pub fn may_edit(caller: &Caller, case: &Case) -> bool {
    caller.can("cases.write")
        || (caller.can(WRITE_RESPONSIBLE)
            && case.responsible_user_id.as_deref() == Some(caller.user_id.as_str()))
}

/// Whether the caller may write `body` over `case`: someone who works on it
/// as its responsible person may change its fields, but who is responsible
/// only with `cases.write`.
fn may_change(caller: &Caller, case: &Case, body: &Map<String, Value>) -> Result<()> {
    if caller.can("cases.write") {
        return Ok(());
    }
    let reassigns = body
        .get("responsible_user_id")
        .is_some_and(|v| v.as_str() != case.responsible_user_id.as_deref());
    if may_edit(caller, case) && !reassigns {
        return Ok(());
    }
    caller.require("cases.write")
}

/// Changes the fields of `body` of a case at `version` (needs
/// `cases.write`, or `cases.write_responsible` on a case the caller is
/// responsible for); a stale version is a conflict carrying the case as the
/// caller may see it now.
pub async fn change(
    state: &AppState,
    caller: &Caller,
    id: &str,
    version: i64,
    body: Map<String, Value>,
) -> Result<Case> {
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
) -> Result<Case> {
    may_change_some(caller)?;
    check_writable_keys(caller, "case", FIELDS, &body, false)?;
    let now = state.now_ms();
    let before = store::find(&mut **tx, &caller.practice, id)
        .await?
        .ok_or(AppError::NotFound("case"))?;
    may_change(caller, &before, &body)?;
    let stale = async |current: &Case, requested: &Map<String, Value>| {
        let now = (current.version, visible(current, caller));
        edit_conflict(&state.db, caller, ("case", id), version, now, requested).await
    };
    if before.version != version {
        return Err(stale(&before, &body).await?);
    }
    let requested = body.clone();
    let merged = overlay(&case::as_input(&before), body);
    let input = checked(tx, caller, parse(merged)?, Some(&before.program)).await?;
    if !store::update(tx, &caller.practice, id, version, &input, now).await? {
        return Err(stale(&found(state, caller, id).await?, &requested).await?);
    }
    let after = store::find(&mut **tx, &caller.practice, id)
        .await?
        .ok_or(AppError::NotFound("case"))?;
    let changes = timeline::diff(
        &serde_json::to_value(&before).unwrap_or_default(),
        &serde_json::to_value(&after).unwrap_or_default(),
        FIELDS,
    );
    if !changes.is_empty() {
        let made = after.version;
        timeline::record_update(tx, caller, "case", id, made, &changes, now).await?;
        let what = super::audited::fields(&changes);
        super::audited::case(tx, caller, "case.updated", &after, what, now).await?;
        crate::change::reindex(tx, &caller.practice, "case", id, now).await?;
        let fields: Vec<&str> = changes.iter().map(|(f, _, _)| f.as_str()).collect();
        let payload = json!({ "id": id, "version": after.version, "fields": fields });
        announce(state, tx, caller, "case.updated", payload, now).await?;
    }
    if before.stage != after.stage {
        let payload =
            json!({ "id": id, "folio": after.folio, "from": before.stage, "to": after.stage });
        announce(state, tx, caller, "case.stage_changed", payload, now).await?;
        if after.stage == "closed" {
            let payload = json!({ "id": id, "folio": after.folio, "outcome": after.outcome,
                                  "closing_date": after.closing_date });
            announce(state, tx, caller, "case.closed", payload, now).await?;
        }
    }
    Ok(after)
}

/// The case's timeline, oldest first, without changes to hidden fields.
#[utoipa::path(get, path = "/api/v1/cases/{id}/timeline", tag = "cases", params(("id" = String, Path)),
    responses((status = 200, body = Timeline), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub(super) async fn case_timeline(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Timeline>> {
    Ok(Json(Timeline {
        items: history(&state, &caller, &id).await?,
        next_cursor: None,
    }))
}

/// A case's timeline, oldest first, without changes to hidden fields.
pub async fn history(state: &AppState, caller: &Caller, id: &str) -> Result<Vec<timeline::Change>> {
    caller.require("cases.read")?;
    found(state, caller, id).await?;
    timeline::of_record(
        state.db.pool(),
        &caller.practice,
        "case",
        id,
        &caller.field_rules,
    )
    .await
}
