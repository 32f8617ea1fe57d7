//! `/applicants/{id}/merge?other=…`: merging two applicants that are the
//! same person, from Find duplicates. The page shows both side by side,
//! which one is kept (with a link to keep the other instead) and what moves;
//! the form merges on `records::merge`, the function of the JSON API.

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use serde::Deserialize;
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};

use super::applicant_form::shown;
use super::applicant_name;
use crate::access::Caller;
use crate::api::{Path, Query};
use crate::error::{AppError, Result};
use crate::records::applicant;
use crate::records::merge::{self, Plan, Seen};
use crate::state::AppState;
use crate::web::form::Form;
use crate::web::shell::{Page, refused, saved, urlencode};

/// The fields compared side by side, with their labels.
const COMPARED: &[(&str, &str)] = &[
    ("given_name", "Given name"),
    ("family_name", "Family name"),
    ("other_names", "Other names"),
    ("date_of_birth", "Date of birth"),
    ("emails", "Emails"),
    ("phones", "Phones"),
    ("passport_number", "Passport number"),
    ("citizenship", "Citizenship"),
    ("address", "Address"),
];

struct Compared {
    label: &'static str,
    kept: String,
    other: String,
    differs: bool,
}

#[derive(Template)]
#[template(path = "records/merge_applicants.html")]
struct MergeTemplate {
    kept_id: String,
    kept_name: String,
    kept_version: i64,
    other_id: String,
    other_name: String,
    other_version: i64,
    rows: Vec<Compared>,
    /// Folios of the cases that move.
    cases: Vec<String>,
    files: usize,
    /// "Emails: ana.d@y.ca", one line per list that grows.
    added: Vec<String>,
    csrf: String,
}

#[derive(Deserialize, IntoParams)]
pub struct MergeQuery {
    /// The applicant merged into this one.
    other: Option<String>,
}

/// The page that shows what a merge would do, and asks to confirm it.
#[utoipa::path(get, path = "/applicants/{id}/merge", tag = "pages", params(("id" = String, Path), MergeQuery),
    responses((status = 200, description = "Both applicants side by side and what would move, with the form that merges", content_type = "text/html"),
        (status = 303, description = "Not signed in: to the sign-in page"),
        (status = 403, description = "A page saying `applicants.merge` is needed", content_type = "text/html"),
        (status = 404, description = "No such applicant in this practice", content_type = "text/html"),
        (status = 422, description = "No other applicant named, or the same one", content_type = "text/html")))]
pub(super) async fn merge_page(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Query(q): Query<MergeQuery>,
) -> Result<Page> {
    let other = q
        .other
        .filter(|o| !o.trim().is_empty())
        .ok_or_else(|| AppError::field("other", "choose the applicant to merge into this one"))?;
    let plan = merge::plan(&state, &caller, &id, &other).await?;
    let template = template(&caller, plan);
    Page::new(
        format!("Merge {} into {}", template.other_name, template.kept_name),
        &template,
    )
}

fn template(caller: &Caller, plan: Plan) -> MergeTemplate {
    let kept = applicant::visible(&plan.kept, &caller.field_rules);
    let other = applicant::visible(&plan.other, &caller.field_rules);
    let rows = COMPARED
        .iter()
        .filter(|(field, _)| kept.get(*field).is_some())
        .map(|(field, label)| {
            let value = |v: &Value| shown(&v[*field]).replace('\n', ", ");
            let (kept, other) = (value(&kept), value(&other));
            Compared {
                label,
                differs: !kept.eq_ignore_ascii_case(&other),
                kept,
                other,
            }
        })
        .collect();
    let mut added = Vec::new();
    for (label, values) in [
        ("Other names", &plan.added.other_names),
        ("Emails", &plan.added.emails),
        ("Phones", &plan.added.phones),
        ("Folders", &plan.added.folders),
    ] {
        if !values.is_empty() {
            added.push(format!("{label}: {}", values.join(", ")));
        }
    }
    MergeTemplate {
        kept_id: plan.kept.id.clone(),
        kept_name: applicant_name(&plan.kept, caller),
        kept_version: plan.kept.version,
        other_id: plan.other.id.clone(),
        other_name: applicant_name(&plan.other, caller),
        other_version: plan.other.version,
        rows,
        cases: plan.cases.into_iter().map(|(_, folio)| folio).collect(),
        files: plan.files.len(),
        added,
        csrf: caller.form_token.clone(),
    }
}

/// The merge form.
#[derive(Deserialize, ToSchema)]
pub struct MergeForm {
    other_id: String,
    /// The versions the page showed: a change since is refused.
    version: Option<i64>,
    other_version: Option<i64>,
    #[serde(rename = "_csrf")]
    #[allow(dead_code)]
    csrf: Option<String>,
}

/// Merges the other applicant into this one.
#[utoipa::path(post, path = "/applicants/{id}/merge", tag = "pages", params(("id" = String, Path)),
    request_body(content = MergeForm, content_type = "application/x-www-form-urlencoded"),
    responses((status = 303, description = "Merged: to the kept applicant, with what moved; refused: back to the merge page with why"),
        (status = 403, description = "A page saying `applicants.merge` is needed, or the form token is stale", content_type = "text/html"),
        (status = 404, description = "No such applicant in this practice", content_type = "text/html")))]
pub(super) async fn merge(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Form(form): Form<MergeForm>,
) -> Result<Response> {
    let seen = Seen {
        kept: form.version,
        other: form.other_version,
    };
    let back = format!("/applicants/{id}/merge?other={}", urlencode(&form.other_id));
    match merge::merge(&state, &caller, &id, &form.other_id, seen).await {
        Ok(done) => {
            let other = done.merged_label;
            let moved = merge::summary(done.cases.len(), done.files);
            Ok(saved(
                &format!("/applicants/{id}"),
                format!(
                    "{other} is merged into this applicant: {moved} moved here. \
                     To undo it, restore {other} from Settings → Trash."
                ),
            ))
        }
        Err(AppError::Invalid { message, fields }) => {
            let mut items: Vec<String> = fields.into_values().collect();
            if items.is_empty() {
                items.push(message);
            }
            Ok(refused(&back, "The applicants were not merged.", &items))
        }
        Err(e @ (AppError::Conflict { .. } | AppError::ReadOnlyField(_))) => Ok(refused(
            &back,
            "The applicants were not merged.",
            &[e.to_string()],
        )),
        Err(e) => Err(e),
    }
}
