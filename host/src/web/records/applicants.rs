//! `/applicants`: the list with a search box, a new applicant (shown the
//! possible duplicates, with a "Create anyway"), and one applicant.

use askama::Template;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::Value;
use utoipa::IntoParams;

use super::applicant_form::{ApplicantForm, Row, rows, shown};
use super::applicant_name;
use crate::access::{Caller, list_views};
use crate::api::Query;
use crate::error::{AppError, Result};
use crate::records::applicants::{self, ListQuery};
use crate::records::cases;
use crate::state::AppState;
use crate::web::FormState;
use crate::web::form::{Form, is_for_the_form};
use crate::web::shell::{Page, saved};

struct ListRow {
    id: String,
    name: String,
    email: String,
    phone: String,
    date_of_birth: String,
}

#[derive(Template)]
#[template(path = "records/applicants.html")]
struct ListTemplate {
    rows: Vec<ListRow>,
    q: String,
    q_error: Option<String>,
    /// The query string of the next page (when not searching).
    more: Option<String>,
    /// The filter and order shown: `cases` and `sort` as chosen (or kept).
    cases: String,
    sort: String,
    /// Whether the reader may filter by cases.
    can_filter_cases: bool,
    view_error: Option<String>,
    can_write: bool,
    /// Which columns the reader may see.
    shows_email: bool,
    shows_phone: bool,
    shows_birth: bool,
}

#[derive(Default, Deserialize, IntoParams)]
pub struct ListParams {
    /// Words to find applicants by (names, emails, phones, passport), as in
    /// global search.
    q: Option<String>,
    /// `open` (with an open case) or `none` (without cases); empty for all.
    cases: Option<String>,
    /// `newest` (the default), `oldest` or `updated`.
    sort: Option<String>,
    /// From the previous page's "More" link.
    cursor: Option<String>,
    /// `all` forgets the kept filter and order.
    view: Option<String>,
}

impl ListParams {
    /// The filter and order as a query string (what is kept).
    fn view_query(&self) -> String {
        super::view_query(&[("cases", &self.cases), ("sort", &self.sort)])
    }
}

/// The applicants, newest first, or those a search finds.
#[utoipa::path(get, path = "/applicants", tag = "pages", params(ListParams),
    responses((status = 200, description = "The practice's applicants", content_type = "text/html"),
        (status = 303, description = "Not signed in: to the sign-in page"),
        (status = 403, description = "A page saying `applicants.read` is needed", content_type = "text/html"),
        (status = 422, description = "The list with a message beside a search too short", content_type = "text/html")))]
pub(super) async fn list_page(
    State(state): State<AppState>,
    caller: Caller,
    Query(params): Query<ListParams>,
) -> Result<Response> {
    caller.require("applicants.read")?;
    let mut params = params;
    if params.view.as_deref() == Some("all") {
        list_views::keep(&state, &caller, "applicants", "").await?;
        params = ListParams::default();
    } else if params.cases.is_some() || params.sort.is_some() {
        list_views::keep(&state, &caller, "applicants", &params.view_query()).await?;
    } else if params.q.is_none()
        && params.cursor.is_none()
        && let Some(kept) = list_views::get(&state, &caller, "applicants").await?
    {
        let kept: ListParams = serde_urlencoded::from_str(&kept).unwrap_or_default();
        (params.cases, params.sort) = (kept.cases, kept.sort);
    }
    let q = params.q.clone().unwrap_or_default().trim().to_string();
    let mut view_error = None;
    let (found, more, q_error) = if q.is_empty() {
        let query = ListQuery {
            cases: params.cases.clone(),
            sort: params.sort.clone(),
            cursor: params.cursor.clone(),
            limit: Some(50),
        };
        match applicants::page(&state, &caller, &query).await {
            Ok(page) => {
                let more = page
                    .next_cursor
                    .map(|cursor| super::next_page(params.view_query(), &cursor));
                (page.items, more, None)
            }
            Err(AppError::Invalid { fields, .. }) => {
                view_error = Some(super::refused_filters(&fields));
                (Vec::new(), None, None)
            }
            Err(e) => return Err(e),
        }
    } else {
        match super::search_ids(&state, &caller, &q, "applicant").await {
            Ok(ids) => (applicants::some(&state, &caller, &ids).await?, None, None),
            Err(AppError::Invalid { fields, .. }) => (Vec::new(), None, fields.get("q").cloned()),
            Err(e) => return Err(e),
        }
    };
    let visible = |field| super::shows(&caller, "applicant", field);
    let (shows_email, shows_phone, shows_birth) = (
        visible("emails"),
        visible("phones"),
        visible("date_of_birth"),
    );
    let first = |shown: bool, list: &[String]| {
        shown
            .then(|| list.first().cloned())
            .flatten()
            .unwrap_or_default()
    };
    let rows = found
        .iter()
        .map(|a| ListRow {
            id: a.id.clone(),
            name: applicant_name(a, &caller),
            email: first(shows_email, &a.emails),
            phone: first(shows_phone, &a.phones),
            date_of_birth: shows_birth
                .then(|| a.date_of_birth.clone())
                .flatten()
                .unwrap_or_default(),
        })
        .collect();
    let status = if q_error.is_some() || view_error.is_some() {
        axum::http::StatusCode::UNPROCESSABLE_ENTITY
    } else {
        axum::http::StatusCode::OK
    };
    let page = ListTemplate {
        rows,
        q,
        q_error,
        more,
        cases: params.cases.clone().unwrap_or_default(),
        sort: params.sort.clone().unwrap_or_default(),
        can_filter_cases: caller.can("cases.read"),
        view_error,
        can_write: caller.can("applicants.write"),
        shows_email,
        shows_phone,
        shows_birth,
    };
    Ok(Page::new("Applicants", &page)?
        .status(status)
        .into_response())
}

/// One applicant of a likely duplicate pair, as the page names them.
struct PairSide {
    id: String,
    name: String,
}

struct PairView {
    one: PairSide,
    other: PairSide,
    reasons: Vec<String>,
}

#[derive(Template)]
#[template(path = "records/duplicates.html")]
struct DuplicatesTemplate {
    pairs: Vec<PairView>,
    /// The reader may merge applicants (`applicants.merge`).
    can_merge: bool,
}

/// Find duplicates: the applicants of the practice that may be the same
/// person, in pairs, each with why.
#[utoipa::path(get, path = "/applicants/duplicates", tag = "pages",
    responses((status = 200, description = "Likely duplicate applicants, with their reasons", content_type = "text/html"),
        (status = 303, description = "Not signed in: to the sign-in page"),
        (status = 403, description = "A page saying `applicants.read` is needed", content_type = "text/html")))]
pub(super) async fn duplicates_page(State(state): State<AppState>, caller: Caller) -> Result<Page> {
    let pairs = crate::records::duplicates::pairs(&state, &caller).await?;
    let side = |a: &Value| PairSide {
        id: a["id"].as_str().unwrap_or_default().to_string(),
        name: name_of(a),
    };
    let pairs = pairs
        .iter()
        .map(|p| {
            let reasons = serde_json::to_value(&p.reasons).unwrap_or_default();
            PairView {
                one: side(&p.one),
                other: side(&p.other),
                reasons: reasons
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(reason_in_words)
                    .collect(),
            }
        })
        .collect();
    let can_merge = caller.can(crate::records::merge::PERMISSION);
    Page::new("Find duplicates", &DuplicatesTemplate { pairs, can_merge })
}

/// An applicant's name from their visible JSON; "Applicant" when the
/// reader's role hides it.
fn name_of(a: &Value) -> String {
    let name = [shown(&a["given_name"]), shown(&a["family_name"])]
        .join(" ")
        .trim()
        .to_string();
    if name.is_empty() {
        "Applicant".into()
    } else {
        name
    }
}

/// An existing applicant the new one may duplicate, and why.
struct Candidate {
    id: String,
    name: String,
    reasons: Vec<String>,
}

/// A duplicate-check reason in words, from its JSON (`{"kind": "email",
/// "value": ...}`); a value the reader may not see is not there.
fn reason_in_words(reason: &Value) -> String {
    let value = reason["value"].as_str().unwrap_or_default();
    let with = |what: &str| {
        if value.is_empty() {
            what.to_string()
        } else {
            format!("{what}: {value}")
        }
    };
    match reason["kind"].as_str().unwrap_or_default() {
        "passport" => with("Same passport number"),
        "email" => with("Same email"),
        "phone" => with("Same phone"),
        "date_of_birth" => with("Same date of birth"),
        "name" => match reason["how"].as_str().unwrap_or_default() {
            "same" => "Same name".into(),
            "transposed" => "Same name, with given and family names swapped".into(),
            _ => "A similar name".into(),
        },
        other => other.replace('_', " "),
    }
}

fn candidates(json: &Value) -> Vec<Candidate> {
    json.as_array()
        .into_iter()
        .flatten()
        .map(|c| {
            let a = &c["applicant"];
            Candidate {
                id: a["id"].as_str().unwrap_or_default().to_string(),
                name: name_of(a),
                reasons: c["reasons"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(reason_in_words)
                    .collect(),
            }
        })
        .collect()
}

#[derive(Template)]
#[template(path = "records/applicant_new.html")]
struct NewTemplate {
    rows: Vec<Row>,
    form: FormState,
    candidates: Vec<Candidate>,
}

/// New applicant.
#[utoipa::path(get, path = "/applicants/new", tag = "pages",
    responses((status = 200, description = "The form for a new applicant", content_type = "text/html"),
        (status = 303, description = "Not signed in: to the sign-in page"),
        (status = 403, description = "A page saying `applicants.write` is needed", content_type = "text/html")))]
pub(super) async fn new_page(caller: Caller) -> Result<Page> {
    caller.require("applicants.write")?;
    let form = FormState::new(&caller.form_token);
    let page = NewTemplate {
        rows: rows(&caller, &ApplicantForm::default(), &form, true),
        form,
        candidates: Vec::new(),
    };
    Page::new("New applicant", &page)
}

/// Creates an applicant from the form. One that looks like applicants on
/// file comes back with them and the reasons, and a "Create anyway" button
/// that posts `confirm_duplicates=yes`.
#[utoipa::path(post, path = "/applicants", tag = "pages",
    request_body(content = ApplicantForm, content_type = "application/x-www-form-urlencoded"),
    responses((status = 303, description = "Created: to the applicant, with a message"),
        (status = 403, description = "A page saying `applicants.write` is needed, or the form token is stale", content_type = "text/html"),
        (status = 409, description = "The form again, what was typed kept, with the possible duplicates and why, and \"Create anyway\"", content_type = "text/html"),
        (status = 422, description = "The form again, what was typed kept, a message beside each field to correct", content_type = "text/html")))]
pub(super) async fn create(
    State(state): State<AppState>,
    caller: Caller,
    Form(values): Form<ApplicantForm>,
) -> Result<Response> {
    let body = values.body(&caller);
    let error = match applicants::add(&state, &caller, body, values.confirmed()).await {
        Ok(created) => {
            return Ok(saved(
                &format!("/applicants/{}", created.id),
                format!("{} is added.", applicant_name(&created, &caller)),
            ));
        }
        Err(e) if is_for_the_form(&e) || matches!(e, AppError::PossibleDuplicates { .. }) => e,
        Err(e) => return Err(e),
    };
    let (form, found) = match &error {
        AppError::PossibleDuplicates { candidates: c, .. } => {
            (FormState::new(&caller.form_token), candidates(c))
        }
        other => (FormState::failed(&caller.form_token, other), Vec::new()),
    };
    let mut form = form;
    let rows = rows(&caller, &values, &form, true);
    super::applicant_form::explain_unshown(&rows, &mut form);
    let page = NewTemplate {
        rows,
        form,
        candidates: found,
    };
    Ok(Page::new("New applicant", &page)?
        .status(error.status_code())
        .into_response())
}

/// The cases of an applicant, if the reader may see cases.
pub(super) async fn cases_of(
    state: &AppState,
    caller: &Caller,
    applicant_id: &str,
) -> Result<Vec<crate::records::case::Case>> {
    if !caller.can("cases.read") {
        return Ok(Vec::new());
    }
    let query = cases::CaseQuery {
        applicant_id: Some(applicant_id.to_string()),
        limit: Some(200),
        ..cases::CaseQuery::default()
    };
    Ok(cases::page(state, caller, &query).await?.items)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reasons_read_as_words() {
        assert_eq!(
            reason_in_words(&json!({ "kind": "email", "value": "a@x.ca" })),
            "Same email: a@x.ca"
        );
        assert_eq!(
            reason_in_words(&json!({ "kind": "passport" })),
            "Same passport number"
        );
        assert_eq!(
            reason_in_words(&json!({ "kind": "name", "how": "transposed" })),
            "Same name, with given and family names swapped"
        );
        let found = candidates(
            &json!([{ "applicant": { "id": "x", "family_name": "García" },
                                          "reasons": [{ "kind": "name", "how": "similar" }] }]),
        );
        assert_eq!(found[0].name, "García");
        assert_eq!(found[0].reasons, ["A similar name"]);
    }
}
