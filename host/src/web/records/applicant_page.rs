//! `/applicants/{id}`: one applicant's details, the edit form, their cases
//! with a form to open one, the files section, the timeline, and deleting.

use askama::Template;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Map, Value};
use utoipa::ToSchema;

use super::applicant_form::{self, ApplicantForm, Row, rows};
use super::case_form::{self, Choice};
use super::cases::{CaseRow, DeleteForm};
use super::files::{self, FilesSection};
use super::merge::{self, Collision, Saving};
use super::timeline::{self, Line};
use super::{Access, access, applicant_name, today};
use crate::access::Caller;
use crate::access::people;
use crate::api::{Path, Query};
use crate::error::{AppError, Result};
use crate::records::applicant::Applicant;
use crate::records::{applicants, cases, programs};
use crate::state::AppState;
use crate::trash;
use crate::web::FormState;
use crate::web::form::{Form, is_for_the_form};
use crate::web::shell::{Page, saved};

/// The "Open a case" form's values.
#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
pub struct OpenCaseForm {
    /// A program key.
    #[serde(default)]
    program: String,
    /// A user id; empty for nobody yet.
    #[serde(default)]
    responsible_user_id: String,
    /// YYYY-MM-DD.
    #[serde(default)]
    opened_on: String,
    #[serde(rename = "_csrf")]
    #[allow(dead_code)]
    csrf: Option<String>,
}

#[derive(Template)]
#[template(path = "records/applicant.html")]
struct DetailTemplate {
    applicant: Applicant,
    name: String,
    details: Vec<(&'static str, String)>,
    can_write: bool,
    /// The delete button's hint links to Settings → Trash.
    can_manage_trash: bool,
    /// The reader may export everything held about the applicant.
    can_export: bool,
    rows: Vec<Row>,
    form: FormState,
    version: i64,
    edit_open: bool,
    /// The values the form was opened with (JSON), and the fields a
    /// conflict asks about (comma-separated).
    base: String,
    asked: String,
    /// After a save met someone else's: what happened, and what to choose.
    conflict: Option<String>,
    /// The page's tabs: the details, and the modules' pages about them.
    tabs: super::RecordTabs,
    can_read_cases: bool,
    case_rows: Vec<CaseRow>,
    with_applicant: bool,
    shows_stage: bool,
    can_open_case: bool,
    case_form: FormState,
    case_values: OpenCaseForm,
    programs: Vec<Choice>,
    people: Vec<Choice>,
    shows_program: bool,
    shows_responsible: bool,
    files: FilesSection,
    timeline: Vec<Line>,
    time_zone: String,
    problem: Option<String>,
}

async fn page(state: &AppState, caller: &Caller, a: Applicant) -> Result<DetailTemplate> {
    let found = super::applicants::cases_of(state, caller, &a.id).await?;
    let cases = super::cases::rows(state, caller, &found).await?;
    let can_open_case = caller.can("cases.write");
    let (programs, people) = if can_open_case {
        let programs = programs::list(state, caller).await?;
        let people = people::all(state.db.pool(), &caller.practice).await?;
        (
            case_form::program_choices(&programs, ""),
            case_form::people_choices(&people, ""),
        )
    } else {
        (Vec::new(), Vec::new())
    };
    let changes = applicants::history(state, caller, &a.id).await?;
    let timeline = timeline::lines(
        &changes,
        &caller.time_zone,
        "applicant",
        |f| applicant_form::label(f).to_string(),
        timeline::plain,
    );
    let values = ApplicantForm::of(&a);
    let form = FormState::new(&caller.form_token);
    let files = files::section(state, caller, "applicant", &a.id).await?;
    Ok(DetailTemplate {
        files,
        name: applicant_name(&a, caller),
        details: applicant_form::details(caller, &a),
        can_write: caller.can("applicants.write"),
        can_manage_trash: caller.can("trash.manage"),
        can_export: caller.can(crate::personal_data::EXPORT_PERMISSION),
        rows: rows(caller, &values, &form, false),
        form,
        version: a.version,
        edit_open: false,
        base: merge::base_text(&values.body(caller)),
        asked: String::new(),
        conflict: None,
        tabs: super::module_tabs(
            state,
            caller,
            "applicant",
            &a.id,
            &format!("/applicants/{}", a.id),
            None,
        )
        .await?,
        can_read_cases: caller.can("cases.read"),
        case_rows: cases,
        with_applicant: false,
        shows_stage: access(caller, "case", "stage") != Access::Hidden,
        can_open_case,
        case_form: FormState::new(&caller.form_token),
        case_values: OpenCaseForm {
            opened_on: today(state, caller),
            ..OpenCaseForm::default()
        },
        programs,
        people,
        shows_program: access(caller, "case", "program") != Access::Hidden,
        shows_responsible: access(caller, "case", "responsible_user_id") != Access::Hidden,
        timeline,
        time_zone: caller.time_zone.clone(),
        problem: None,
        applicant: a,
    })
}

fn framed(template: &DetailTemplate, status: axum::http::StatusCode) -> Result<Response> {
    Ok(Page::new(template.name.clone(), template)?
        .status(status)
        .into_response())
}

/// One applicant.
#[utoipa::path(get, path = "/applicants/{id}", tag = "pages", params(("id" = String, Path), super::TabQuery),
    responses((status = 200, description = "The applicant: details, edit form, cases, files, timeline; or, with `tab`, a module's tab about them", content_type = "text/html"),
        (status = 303, description = "Not signed in: to the sign-in page"),
        (status = 403, description = "A page saying `applicants.read` is needed", content_type = "text/html"),
        (status = 404, description = "No such applicant in this practice", content_type = "text/html")))]
pub(in crate::web::records) async fn detail_page(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Query(tab): Query<super::TabQuery>,
) -> Result<Response> {
    let a = applicants::read(&state, &caller, &id).await?;
    let mut template = page(&state, &caller, a).await?;
    if let Some(module) = tab.tab.as_deref() {
        let id = &template.applicant.id;
        let at = format!("/applicants/{id}");
        template.tabs =
            super::module_tabs(&state, &caller, "applicant", id, &at, Some(module)).await?;
    }
    framed(&template, axum::http::StatusCode::OK)
}

/// Saves an applicant's fields (those the reader may change). Only the
/// fields the person changed are written. When someone else saved the
/// applicant while the form was open, changes to other fields are kept and
/// saved; the form comes back asking only about the fields both changed.
#[utoipa::path(post, path = "/applicants/{id}", tag = "pages", params(("id" = String, Path)),
    request_body(content = ApplicantForm, content_type = "application/x-www-form-urlencoded"),
    responses((status = 303, description = "Saved (merged with someone else's save when they changed other fields): to the applicant, with a message"),
        (status = 403, description = "A page saying `applicants.write` is needed, or the form token is stale", content_type = "text/html"),
        (status = 404, description = "No such applicant in this practice", content_type = "text/html"),
        (status = 409, description = "The form again, asking which value to keep for each field both people changed, the other changes kept", content_type = "text/html"),
        (status = 422, description = "The form again, with a message beside each field to correct", content_type = "text/html")))]
pub(in crate::web::records) async fn update(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Form(values): Form<ApplicantForm>,
) -> Result<Response> {
    caller.require("applicants.write")?;
    let version = values
        .version
        .ok_or_else(|| AppError::field("version", "reload the page and try again"))?;
    let base = merge::base(values.base.as_deref());
    let asked = merge::asked(values.asked.as_deref());
    let unanswered: Vec<&str> = asked.iter().copied().filter(|f| !values.holds(f)).collect();
    let label = |f: &str| applicant_form::label(f).to_string();
    let error = match merge::unanswered(&unanswered, label) {
        Some(refused) => refused,
        None => {
            let mine = merge::changed(&base, values.body(&caller));
            match merge::save::<Applicant>((&state, &caller, &id), &base, version, mine).await {
                Ok(Saving::Saved { record, merged }) => {
                    let name = applicant_name(&record, &caller);
                    let message = if merged {
                        format!("{name} is saved, with the changes someone else made meanwhile.")
                    } else {
                        format!("{name} is saved.")
                    };
                    return Ok(saved(&format!("/applicants/{id}"), message));
                }
                Ok(Saving::Collided(collided)) => {
                    return conflict_page(&state, &caller, values, version, collided).await;
                }
                Err(e) if is_for_the_form(&e) => e,
                Err(e) => return Err(e),
            }
        }
    };
    let a = applicants::read(&state, &caller, &id).await?;
    let mut template = page(&state, &caller, a).await?;
    template.version = version;
    template.base = values.base.clone().unwrap_or_default();
    template.asked = values.asked.clone().unwrap_or_default();
    template.form = FormState::failed(&caller.form_token, &error);
    template.rows = rows(&caller, &values, &template.form, false);
    applicant_form::explain_unshown(&template.rows, &mut template.form);
    template.edit_open = true;
    framed(&template, error.status_code())
}

impl merge::Editable for Applicant {
    fn change<'a>(
        state: &'a AppState,
        caller: &'a Caller,
        id: &'a str,
        version: i64,
        body: Map<String, Value>,
    ) -> impl Future<Output = Result<Applicant>> + Send + 'a {
        applicants::change(state, caller, id, version, body)
    }

    fn read<'a>(
        state: &'a AppState,
        caller: &'a Caller,
        id: &'a str,
    ) -> impl Future<Output = Result<Applicant>> + Send + 'a {
        applicants::read(state, caller, id)
    }

    fn body(&self, caller: &Caller) -> (i64, Map<String, Value>) {
        (self.version, ApplicantForm::of(self).body(caller))
    }
}

/// The form again over the applicant as saved now: this person's other
/// changes in it, and a question for each field both changed.
async fn conflict_page(
    state: &AppState,
    caller: &Caller,
    typed: ApplicantForm,
    version: i64,
    collided: Collision<Applicant>,
) -> Result<Response> {
    let Collision { now, keep, collide } = collided;
    let changes = crate::records::timeline::changed_since(
        state.db.pool(),
        &caller.practice,
        ("applicant", &now.id),
        version,
        &caller.field_rules,
        &Map::new(),
    )
    .await?;
    let theirs = ApplicantForm::of(&now);
    let mut values = ApplicantForm::of(&now);
    for (field, value) in &keep {
        values.set(field, value);
    }
    let mut template = page(state, caller, now).await?;
    let mut rows = rows(caller, &values, &template.form, false);
    let mut labels = Vec::new();
    for row in &mut rows {
        if !collide.iter().any(|c| c == row.name) {
            continue;
        }
        let their_text = theirs.value(row.name).unwrap_or_default();
        let my_text = typed.value(row.name).unwrap_or_default();
        labels.push(row.label.to_owned());
        row.conflict = Some(merge::Conflict {
            field: row.name.to_owned(),
            label: row.label.to_owned(),
            theirs: their_text.to_owned(),
            mine: my_text.to_owned(),
            theirs_shown: their_text.replace('\n', ", "),
            mine_shown: my_text.trim().replace('\n', ", "),
            by: merge::who_changed(&changes, row.name, &caller.time_zone),
        });
    }
    template.rows = rows;
    template.asked = collide.join(",");
    template.conflict = Some(merge::explain(&labels, keep.len(), "applicant"));
    template.edit_open = true;
    framed(&template, axum::http::StatusCode::CONFLICT)
}

/// Moves an applicant, with their cases, to the trash.
#[utoipa::path(post, path = "/applicants/{id}/delete", tag = "pages", params(("id" = String, Path)),
    request_body(content = DeleteForm, content_type = "application/x-www-form-urlencoded"),
    responses((status = 303, description = "In the trash: to the list, with a message"),
        (status = 403, description = "A page saying `applicants.write` is needed, or the form token is stale", content_type = "text/html"),
        (status = 404, description = "No such applicant in this practice", content_type = "text/html"),
        (status = 409, description = "The applicant again, saying they changed since the page was opened", content_type = "text/html")))]
pub(in crate::web::records) async fn delete(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Form(form): Form<DeleteForm>,
) -> Result<Response> {
    let a = applicants::read(&state, &caller, &id).await?;
    match trash::delete_applicant(&state, &caller, &id, form.version()).await {
        Ok(()) => {
            let name = applicant_name(&a, &caller);
            Ok(saved("/applicants", format!("{name} is in the trash.")))
        }
        Err(e @ AppError::Conflict { .. }) => {
            let mut template = page(&state, &caller, a).await?;
            template.problem = Some(e.to_string());
            framed(&template, e.status_code())
        }
        Err(e) => Err(e),
    }
}

/// Opens a case for the applicant.
#[utoipa::path(post, path = "/applicants/{id}/cases", tag = "pages", params(("id" = String, Path)),
    request_body(content = OpenCaseForm, content_type = "application/x-www-form-urlencoded"),
    responses((status = 303, description = "Opened: to the case, with a message"),
        (status = 403, description = "A page saying `cases.write` is needed, or the form token is stale", content_type = "text/html"),
        (status = 404, description = "No such applicant in this practice", content_type = "text/html"),
        (status = 422, description = "The applicant again, with a message beside each field of the form to correct", content_type = "text/html")))]
pub(in crate::web::records) async fn open_case(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Form(values): Form<OpenCaseForm>,
) -> Result<Response> {
    caller.require("cases.write")?;
    let a = applicants::read(&state, &caller, &id).await?;
    let mut body = serde_json::Map::new();
    body.insert("applicant_id".into(), id.clone().into());
    for (field, value) in [
        ("program", &values.program),
        ("responsible_user_id", &values.responsible_user_id),
        ("opened_on", &values.opened_on),
    ] {
        if access(&caller, "case", field) == Access::Writable && !value.trim().is_empty() {
            body.insert(field.into(), value.trim().into());
        }
    }
    let error = match cases::open(&state, &caller, body).await {
        Ok(c) => {
            let message = format!("{} is open for {}.", c.folio, applicant_name(&a, &caller));
            return Ok(saved(&format!("/cases/{}", c.id), message));
        }
        Err(e) if is_for_the_form(&e) => e,
        Err(e) => return Err(e),
    };
    let mut template = page(&state, &caller, a).await?;
    template.case_form = FormState::failed(&caller.form_token, &error);
    template.case_values = values;
    framed(&template, error.status_code())
}
