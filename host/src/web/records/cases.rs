//! `/cases`: the list (with a search box) and one case: its details, the
//! edit form (stage, program, responsible person, key dates, closing), its
//! timeline, and deleting it.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Map, Value};
use utoipa::IntoParams;

use super::case_form::{self, CaseForm, Choice};
use super::files::FilesSection;
use super::merge::{self, Collision, Conflict, Saving};
use super::timeline::{self, Line};
use super::{Access, access, applicant_name, program_label, words};
use crate::access::people::{self, Person};
use crate::access::{Caller, list_views};
use crate::api::{Path, Query};
use crate::error::{AppError, Result};
use crate::records::case::Case;
use crate::records::programs::{self, CaseProgram};
use crate::records::{applicants, cases};
use crate::state::AppState;
use crate::trash;
use crate::web::FormState;
use crate::web::form::{Form, is_for_the_form};
use crate::web::shell::{Page, saved};

/// A case in a list.
pub struct CaseRow {
    pub id: String,
    pub folio: String,
    pub applicant_id: String,
    pub applicant: String,
    pub program: String,
    pub stage: String,
    pub responsible: String,
    pub closed: bool,
}

/// List rows for cases, with their applicants' names and the labels the
/// reader may see (a hidden field is left empty).
pub async fn rows(state: &AppState, caller: &Caller, found: &[Case]) -> Result<Vec<CaseRow>> {
    if found.is_empty() {
        return Ok(Vec::new());
    }
    let programs = programs::list(state, caller).await?;
    let people = people::all(state.db.pool(), &caller.practice).await?;
    let mut ids: Vec<String> = found.iter().map(|c| c.applicant_id.clone()).collect();
    ids.dedup();
    let names: Vec<(String, String)> = if caller.can("applicants.read") {
        applicants::some(state, caller, &ids)
            .await?
            .iter()
            .map(|a| (a.id.clone(), applicant_name(a, caller)))
            .collect()
    } else {
        Vec::new()
    };
    let shows = |field| access(caller, "case", field) != Access::Hidden;
    Ok(found
        .iter()
        .map(|c| CaseRow {
            id: c.id.clone(),
            folio: c.folio.clone(),
            applicant_id: c.applicant_id.clone(),
            applicant: names
                .iter()
                .find(|(id, _)| *id == c.applicant_id)
                .map(|(_, n)| n.clone())
                .unwrap_or_default(),
            program: if shows("program") {
                program_label(&programs, &c.program)
            } else {
                String::new()
            },
            stage: if shows("stage") {
                words(&c.stage)
            } else {
                String::new()
            },
            responsible: c
                .responsible_user_id
                .as_deref()
                .filter(|_| shows("responsible_user_id"))
                .map(|id| case_form::person_name(&people, id))
                .unwrap_or_default(),
            closed: c.stage == "closed",
        })
        .collect())
}

#[derive(Template)]
#[template(path = "records/cases.html")]
struct ListTemplate {
    case_rows: Vec<CaseRow>,
    with_applicant: bool,
    q: String,
    q_error: Option<String>,
    /// The filters and order shown, as chosen (or as last kept).
    view: ListParams,
    /// Why a filter was refused.
    view_error: Option<String>,
    /// The query string of the next page, when there is one.
    more: Option<String>,
    /// Whether any filter narrows the list.
    filtered: bool,
    stages: Vec<Choice>,
    programs: Vec<Choice>,
    people: Vec<Choice>,
    can_open: bool,
    shows_program: bool,
    shows_stage: bool,
    shows_responsible: bool,
}

impl ListTemplate {
    fn picked(&self, which: &str, value: &str) -> bool {
        let chosen = match which {
            "status" => &self.view.status,
            "stage" => &self.view.stage,
            "program" => &self.view.program,
            "responsible" => &self.view.responsible,
            "sort" => &self.view.sort,
            _ => &None,
        };
        chosen.as_deref().unwrap_or_default() == value
    }
}

/// The Cases list's query: a search, or filters and an order (kept for the
/// person, so the list opens as they left it), and the page.
#[derive(Clone, Debug, Default, Deserialize, IntoParams)]
pub struct ListParams {
    /// Words to find cases by (folio, program, applicant's name).
    q: Option<String>,
    /// `open` or `closed`; empty for both.
    status: Option<String>,
    /// A stage; empty for any.
    stage: Option<String>,
    /// A program key; empty for any.
    program: Option<String>,
    /// A user id, `me`, or `none`; empty for anyone.
    responsible: Option<String>,
    /// `newest` (the default), `oldest` or `updated`.
    sort: Option<String>,
    /// From the previous page's "More" link.
    cursor: Option<String>,
    /// `all` forgets the kept filters.
    view: Option<String>,
}

impl ListParams {
    /// Whether the query chooses filters or an order itself.
    fn chooses(&self) -> bool {
        [
            &self.status,
            &self.stage,
            &self.program,
            &self.responsible,
            &self.sort,
        ]
        .iter()
        .any(|v| v.is_some())
    }

    /// The filters and order as a query string (what is kept).
    fn view_query(&self) -> String {
        super::view_query(&[
            ("status", &self.status),
            ("stage", &self.stage),
            ("program", &self.program),
            ("responsible", &self.responsible),
            ("sort", &self.sort),
        ])
    }

    /// Takes the filters and order of a kept query string.
    fn with_view(mut self, kept: &str) -> ListParams {
        let kept: ListParams = serde_urlencoded::from_str(kept).unwrap_or_default();
        self.status = kept.status;
        self.stage = kept.stage;
        self.program = kept.program;
        self.responsible = kept.responsible;
        self.sort = kept.sort;
        self
    }

    fn filtered(&self) -> bool {
        [&self.status, &self.stage, &self.program, &self.responsible]
            .iter()
            .any(|v| v.as_deref().is_some_and(|v| !v.is_empty()))
    }
}

/// The cases, newest first unless the person chose another order, narrowed
/// by the filters they chose (kept for them), or those a search finds.
#[utoipa::path(get, path = "/cases", tag = "pages", params(ListParams),
    responses((status = 200, description = "The practice's cases", content_type = "text/html"),
        (status = 303, description = "Not signed in: to the sign-in page"),
        (status = 403, description = "A page saying `cases.read` is needed", content_type = "text/html"),
        (status = 422, description = "The list with a message beside a search too short or a filter refused", content_type = "text/html")))]
pub(super) async fn list_page(
    State(state): State<AppState>,
    caller: Caller,
    Query(params): Query<ListParams>,
) -> Result<Response> {
    caller.require("cases.read")?;
    let mut params = params;
    if params.view.as_deref() == Some("all") {
        list_views::keep(&state, &caller, "cases", "").await?;
        params = ListParams::default();
    } else if params.chooses() {
        list_views::keep(&state, &caller, "cases", &params.view_query()).await?;
    } else if params.q.is_none()
        && params.cursor.is_none()
        && let Some(kept) = list_views::get(&state, &caller, "cases").await?
    {
        params = params.with_view(&kept);
    }
    let q = params.q.clone().unwrap_or_default().trim().to_string();
    let mut view_error = None;
    let (found, more, q_error) = if q.is_empty() {
        let query = cases::CaseQuery {
            stage: params.stage.clone(),
            status: params.status.clone(),
            program: params.program.clone(),
            responsible: params.responsible.clone(),
            sort: params.sort.clone(),
            cursor: params.cursor.clone(),
            limit: Some(50),
            ..cases::CaseQuery::default()
        };
        match cases::page(&state, &caller, &query).await {
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
        match super::search_ids(&state, &caller, &q, "case").await {
            Ok(ids) => {
                let mut found = Vec::new();
                for id in ids {
                    match cases::read(&state, &caller, &id).await {
                        Ok(c) => found.push(c),
                        Err(AppError::NotFound(_)) => {}
                        Err(e) => return Err(e),
                    }
                }
                (found, None, None)
            }
            Err(AppError::Invalid { fields, .. }) => (Vec::new(), None, fields.get("q").cloned()),
            Err(e) => return Err(e),
        }
    };
    let status = if q_error.is_some() || view_error.is_some() {
        axum::http::StatusCode::UNPROCESSABLE_ENTITY
    } else {
        axum::http::StatusCode::OK
    };
    let shows = |field| access(&caller, "case", field) != Access::Hidden;
    let programs = programs::list(&state, &caller).await?;
    let people = people::all(state.db.pool(), &caller.practice).await?;
    let page = ListTemplate {
        case_rows: rows(&state, &caller, &found).await?,
        with_applicant: true,
        q,
        q_error,
        filtered: params.filtered(),
        view: params,
        view_error,
        more,
        stages: case_form::stage_choices(),
        programs: case_form::program_choices(&programs, ""),
        people: case_form::people_choices(&people, ""),
        can_open: caller.can("cases.write"),
        shows_program: shows("program"),
        shows_stage: shows("stage"),
        shows_responsible: shows("responsible_user_id"),
    };
    Ok(Page::new("Cases", &page)?.status(status).into_response())
}

#[derive(Template)]
#[template(path = "records/case_new.html")]
struct NewTemplate {
    q: String,
    q_error: Option<String>,
    /// The applicants found: id and name.
    found: Vec<(String, String)>,
    can_add: bool,
}

#[derive(Deserialize, IntoParams)]
pub struct NewParams {
    /// Words to find the applicant by.
    q: Option<String>,
}

/// New case: find the applicant the case is for, then open it from their
/// page.
#[utoipa::path(get, path = "/cases/new", tag = "pages", params(NewParams),
    responses((status = 200, description = "A search for the applicant, each found with a link to open their case", content_type = "text/html"),
        (status = 303, description = "Not signed in: to the sign-in page"),
        (status = 403, description = "A page saying `cases.write` (or `applicants.read`) is needed", content_type = "text/html"),
        (status = 422, description = "The page with a message beside a search too short", content_type = "text/html")))]
pub(super) async fn new_page(
    State(state): State<AppState>,
    caller: Caller,
    Query(params): Query<NewParams>,
) -> Result<Response> {
    caller.require("cases.write")?;
    caller.require("applicants.read")?;
    let q = params.q.unwrap_or_default().trim().to_string();
    let (mut found, mut q_error) = (Vec::new(), None);
    if !q.is_empty() {
        match super::search_ids(&state, &caller, &q, "applicant").await {
            Ok(ids) => {
                let people = applicants::some(&state, &caller, &ids).await?;
                found = people
                    .iter()
                    .map(|a| (a.id.clone(), applicant_name(a, &caller)))
                    .collect();
            }
            Err(AppError::Invalid { fields, .. }) => q_error = fields.get("q").cloned(),
            Err(e) => return Err(e),
        }
    }
    let status = if q_error.is_some() {
        axum::http::StatusCode::UNPROCESSABLE_ENTITY
    } else {
        axum::http::StatusCode::OK
    };
    let page = NewTemplate {
        q,
        q_error,
        found,
        can_add: caller.can("applicants.write"),
    };
    Ok(Page::new("New case", &page)?.status(status).into_response())
}

/// How the reader may see each case field.
struct FieldView {
    name: &'static str,
    label: &'static str,
    access: Access,
    /// The saved value as people read it (for a read-only field).
    text: String,
    /// When this person and someone else both changed it: the question.
    conflict: Option<Conflict>,
}

impl FieldView {
    fn read_only(&self) -> bool {
        self.access == Access::ReadOnly
    }

    fn writable(&self) -> bool {
        self.access == Access::Writable
    }
}

#[derive(Template)]
#[template(path = "records/case.html")]
struct CaseTemplate {
    case: Case,
    applicant: String,
    details: Vec<(String, String)>,
    can_write: bool,
    /// The delete button's hint links to Settings → Trash.
    can_manage_trash: bool,
    fields: Vec<FieldView>,
    values: CaseForm,
    form: FormState,
    edit_open: bool,
    /// The values the form was opened with (JSON), and the fields a
    /// conflict asks about (comma-separated).
    base: String,
    asked: String,
    /// After a save met someone else's: what happened, and what to choose.
    conflict: Option<String>,
    /// The page's tabs: its details, and the modules' pages about it.
    tabs: super::RecordTabs,
    programs: Vec<Choice>,
    people: Vec<Choice>,
    stages: Vec<Choice>,
    outcomes: Vec<Choice>,
    files: FilesSection,
    timeline: Vec<Line>,
    time_zone: String,
    problem: Option<String>,
}

struct Loaded {
    programs: Vec<CaseProgram>,
    people: Vec<Person>,
}

async fn page(state: &AppState, caller: &Caller, c: Case) -> Result<(CaseTemplate, Loaded)> {
    let programs = programs::list(state, caller).await?;
    let people = people::all(state.db.pool(), &caller.practice).await?;
    let applicant = if caller.can("applicants.read") {
        match applicants::read(state, caller, &c.applicant_id).await {
            Ok(a) => applicant_name(&a, caller),
            Err(AppError::NotFound(_)) => String::new(),
            Err(e) => return Err(e),
        }
    } else {
        String::new()
    };
    let changes = cases::history(state, caller, &c.id).await?;
    let timeline = timeline::lines(
        &changes,
        &caller.time_zone,
        "case",
        case_form::label,
        |field, value| case_form::shown(field, value, &programs, &people),
    );
    let json = serde_json::to_value(&c).unwrap_or_default();
    let fields = case_form::FIELDS
        .iter()
        .map(|(name, label)| FieldView {
            name,
            label,
            access: match access(caller, "case", name) {
                // Who is responsible changes only with `cases.write`.
                Access::Writable
                    if *name == "responsible_user_id" && !caller.can("cases.write") =>
                {
                    Access::ReadOnly
                }
                other => other,
            },
            text: case_form::shown(name, &json[*name], &programs, &people),
            conflict: None,
        })
        .collect();
    let template = CaseTemplate {
        files: super::files::section(state, caller, "case", &c.id).await?,
        applicant,
        details: case_form::details(caller, &c, &programs, &people),
        can_write: cases::may_edit(caller, &c),
        can_manage_trash: caller.can("trash.manage"),
        fields,
        values: CaseForm::of(&c),
        base: merge::base_text(&CaseForm::of(&c).body(caller)),
        asked: String::new(),
        conflict: None,
        tabs: super::module_tabs(
            state,
            caller,
            "case",
            &c.id,
            &format!("/cases/{}", c.id),
            None,
        )
        .await?,
        form: FormState::new(&caller.form_token),
        edit_open: false,
        programs: case_form::program_choices(&programs, &c.program),
        people: case_form::people_choices(
            &people,
            c.responsible_user_id.as_deref().unwrap_or_default(),
        ),
        stages: case_form::stage_choices(),
        outcomes: case_form::outcome_choices(),
        timeline,
        time_zone: caller.time_zone.clone(),
        problem: None,
        case: c,
    };
    Ok((template, Loaded { programs, people }))
}

/// One case.
#[utoipa::path(get, path = "/cases/{id}", tag = "pages", params(("id" = String, Path), super::TabQuery),
    responses((status = 200, description = "The case: details, edit form, timeline; or, with `tab`, a module's tab about it", content_type = "text/html"),
        (status = 303, description = "Not signed in: to the sign-in page"),
        (status = 403, description = "A page saying `cases.read` is needed", content_type = "text/html"),
        (status = 404, description = "No such case in this practice", content_type = "text/html")))]
pub(super) async fn detail_page(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Query(tab): Query<super::TabQuery>,
) -> Result<Page> {
    let c = cases::read(&state, &caller, &id).await?;
    let (mut template, _) = page(&state, &caller, c).await?;
    if let Some(module) = tab.tab.as_deref() {
        let at = format!("/cases/{}", template.case.id);
        template.tabs = super::module_tabs(
            &state,
            &caller,
            "case",
            &template.case.id,
            &at,
            Some(module),
        )
        .await?;
    }
    Page::new(template.case.folio.clone(), &template)
}

/// Saves a case: stage, program, responsible person, key dates, and
/// closing (a closed case needs a closing date and an outcome). Only the
/// fields the person changed are written. When someone else saved the case
/// while the form was open, changes to other fields are kept and saved; the
/// form comes back asking only about the fields both changed.
#[utoipa::path(post, path = "/cases/{id}", tag = "pages", params(("id" = String, Path)),
    request_body(content = CaseForm, content_type = "application/x-www-form-urlencoded"),
    responses((status = 303, description = "Saved (merged with someone else's save when they changed other fields): to the case, with a message"),
        (status = 403, description = "A page saying `cases.write` is needed, or the form token is stale", content_type = "text/html"),
        (status = 404, description = "No such case in this practice", content_type = "text/html"),
        (status = 409, description = "The form again, asking which value to keep for each field both people changed, the other changes kept", content_type = "text/html"),
        (status = 422, description = "The form again, with a message beside each field to correct", content_type = "text/html")))]
pub(super) async fn update(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Form(values): Form<CaseForm>,
) -> Result<Response> {
    cases::may_change_some(&caller)?;
    let version = values
        .version
        .ok_or_else(|| AppError::field("version", "reload the page and try again"))?;
    let base = merge::base(values.base.as_deref());
    let asked = merge::asked(values.asked.as_deref());
    let unanswered: Vec<&str> = asked.iter().copied().filter(|f| !values.holds(f)).collect();
    let error = match merge::unanswered(&unanswered, case_form::label) {
        Some(refused) => refused,
        None => {
            let mine = merge::changed(&base, values.body(&caller));
            match merge::save::<Case>((&state, &caller, &id), &base, version, mine).await {
                Ok(Saving::Saved {
                    record: case,
                    merged,
                }) => {
                    let to = format!("/cases/{}", case.id);
                    let message = if merged {
                        format!(
                            "{} is saved, with the changes someone else made meanwhile.",
                            case.folio
                        )
                    } else {
                        format!("{} is saved.", case.folio)
                    };
                    return Ok(saved(&to, message));
                }
                Ok(Saving::Collided(collided)) => {
                    return conflict_page(&state, &caller, values, version, collided).await;
                }
                Err(e) if is_for_the_form(&e) => e,
                Err(e) => return Err(e),
            }
        }
    };
    let c = cases::read(&state, &caller, &id).await?;
    let (mut template, loaded) = page(&state, &caller, c).await?;
    template.programs = case_form::program_choices(&loaded.programs, &template.case.program);
    template.base = values.base.clone().unwrap_or_default();
    template.asked = values.asked.clone().unwrap_or_default();
    template.values = values;
    template.values.version = Some(version);
    template.form = FormState::failed(&caller.form_token, &error);
    template.edit_open = true;
    Ok(Page::new(template.case.folio.clone(), &template)?
        .status(error.status_code())
        .into_response())
}

impl merge::Editable for Case {
    fn change<'a>(
        state: &'a AppState,
        caller: &'a Caller,
        id: &'a str,
        version: i64,
        body: Map<String, Value>,
    ) -> impl Future<Output = Result<Case>> + Send + 'a {
        cases::change(state, caller, id, version, body)
    }

    fn read<'a>(
        state: &'a AppState,
        caller: &'a Caller,
        id: &'a str,
    ) -> impl Future<Output = Result<Case>> + Send + 'a {
        cases::read(state, caller, id)
    }

    fn body(&self, caller: &Caller) -> (i64, Map<String, Value>) {
        (self.version, CaseForm::of(self).body(caller))
    }
}

/// The form again over the case as it is now: this person's other changes
/// in it, and a question for each field both changed.
async fn conflict_page(
    state: &AppState,
    caller: &Caller,
    typed: CaseForm,
    version: i64,
    collided: Collision<Case>,
) -> Result<Response> {
    let Collision { now, keep, collide } = collided;
    let changes = crate::records::timeline::changed_since(
        state.db.pool(),
        &caller.practice,
        ("case", &now.id),
        version,
        &caller.field_rules,
        &Map::new(),
    )
    .await?;
    let theirs = CaseForm::of(&now);
    let json = serde_json::to_value(&now).unwrap_or_default();
    let (mut template, loaded) = page(state, caller, now).await?;
    let shown = |field: &str, text: &str| {
        let value = Value::String(text.to_owned());
        case_form::shown(field, &value, &loaded.programs, &loaded.people)
    };
    let mut labels = Vec::new();
    for field in &mut template.fields {
        if !collide.iter().any(|c| c == field.name) {
            continue;
        }
        let (their_text, my_text) = (theirs.get(field.name), typed.get(field.name));
        let conflict = Conflict {
            field: field.name.to_owned(),
            label: field.label.to_owned(),
            theirs: their_text.to_owned(),
            mine: my_text.to_owned(),
            theirs_shown: case_form::shown(
                field.name,
                &json[field.name],
                &loaded.programs,
                &loaded.people,
            ),
            mine_shown: shown(field.name, my_text),
            by: merge::who_changed(&changes, field.name, &caller.time_zone),
        };
        labels.push(conflict.label.clone());
        field.conflict = Some(conflict);
    }
    let mut values = theirs;
    for (field, value) in &keep {
        values.set(field, value);
    }
    template.base = merge::base_text(&CaseForm::of(&template.case).body(caller));
    template.asked = collide.join(",");
    template.values = values;
    template.conflict = Some(merge::explain(&labels, keep.len(), "case"));
    template.edit_open = true;
    Ok(Page::new(template.case.folio.clone(), &template)?
        .status(StatusCode::CONFLICT)
        .into_response())
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct DeleteForm {
    /// The version being deleted; a stale one is refused.
    version: Option<i64>,
    #[serde(rename = "_csrf")]
    #[allow(dead_code)]
    csrf: Option<String>,
}

impl DeleteForm {
    pub fn version(&self) -> Option<i64> {
        self.version
    }
}

/// Moves a case to the trash (an administrator can restore it).
#[utoipa::path(post, path = "/cases/{id}/delete", tag = "pages", params(("id" = String, Path)),
    request_body(content = DeleteForm, content_type = "application/x-www-form-urlencoded"),
    responses((status = 303, description = "In the trash: to the applicant (or the list), with a message"),
        (status = 403, description = "A page saying `cases.write` is needed, or the form token is stale", content_type = "text/html"),
        (status = 404, description = "No such case in this practice", content_type = "text/html"),
        (status = 409, description = "The case again, saying it changed since the page was opened", content_type = "text/html")))]
pub(super) async fn delete(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Form(form): Form<DeleteForm>,
) -> Result<Response> {
    let c = cases::read(&state, &caller, &id).await?;
    match trash::delete_case(&state, &caller, &id, form.version()).await {
        Ok(()) => {
            let to = if caller.can("applicants.read") {
                format!("/applicants/{}", c.applicant_id)
            } else {
                "/cases".to_string()
            };
            Ok(saved(&to, format!("{} is in the trash.", c.folio)))
        }
        Err(e @ AppError::Conflict { .. }) => {
            let (mut template, _) = page(&state, &caller, c).await?;
            template.problem = Some(e.to_string());
            Ok(Page::new(template.case.folio.clone(), &template)?
                .status(e.status_code())
                .into_response())
        }
        Err(e) => Err(e),
    }
}
