//! Settings → Trash: what was deleted and can still come back, who deleted
//! it and how long it stays; each item restored, or deleted for good after
//! a confirmation page (which needs no script). On the functions of
//! `/api/v1/trash`.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use crate::access::Caller;
use crate::api::Path;
use crate::error::{AppError, FieldErrors, Result};
use crate::state::AppState;
use crate::trash::{self, TrashItem};
use crate::web::form::{Form, ticked};
use crate::web::shell::{Page, refused, saved};
use crate::web::{FormState, local_time};

const LIST: &str = "/settings/trash";
/// Items on a page of the trash.
const PAGE: usize = 50;
const DAY_MS: i64 = 24 * 60 * 60 * 1000;

/// An item as the page shows it.
struct Row {
    item: TrashItem,
    /// "applicant", "case" or "file", as people say it.
    what: &'static str,
    deleted_by: String,
    deleted_at: String,
    /// "29 days left", "less than a day left".
    left: String,
    /// What restoring it brings back besides it.
    comes_back: String,
    /// What was deleted with it, in words ("1 case and 2 files"), or empty.
    with: String,
}

impl Row {
    fn of(item: TrashItem, caller: &Caller, now: i64) -> Row {
        Row {
            what: what(&item.kind),
            deleted_by: item
                .deleted_by_name
                .clone()
                .unwrap_or_else(|| "someone no longer here".into()),
            deleted_at: local_time(item.deleted_at_ms, &caller.time_zone),
            left: days_left(item.purge_at_ms - now),
            comes_back: comes_back(&item),
            with: deleted_with(&item),
            item,
        }
    }
}

fn what(kind: &str) -> &'static str {
    match kind {
        "applicant" => "applicant",
        "case" => "case",
        _ => "file",
    }
}

/// Time left before an item is purged, in whole days rounded up.
fn days_left(ms: i64) -> String {
    match (ms + DAY_MS - 1) / DAY_MS {
        ..=0 => "deleted for good soon".into(),
        1 if ms < DAY_MS => "less than a day left".into(),
        1 => "1 day left".into(),
        n => format!("{n} days left"),
    }
}

fn count(n: i64, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

/// The cases and files deleted with an item, in words ("1 case and 2
/// files"); empty when nothing went with it.
fn deleted_with(item: &TrashItem) -> String {
    let mut with = Vec::new();
    if item.cases > 0 {
        with.push(count(item.cases, "case", "cases"));
    }
    if item.files > 0 {
        with.push(count(item.files, "file", "files"));
    }
    with.join(" and ")
}

/// What restoring an item brings back with it, in words.
fn comes_back(item: &TrashItem) -> String {
    if let Some(into) = &item.merged_into {
        let moved = crate::records::merge::summary(into.cases, into.files);
        return format!(
            "Merged into {}. Restoring undoes the merge: the {moved} it took from this applicant \
             go back (those still there), with the contacts it added, and modules move back what they hold.",
            into.name
        );
    }
    let with = deleted_with(item);
    match (item.kind.as_str(), with.is_empty()) {
        ("applicant", true) => "Restoring brings the applicant back.".into(),
        ("applicant", false) => {
            format!("Restoring brings back the applicant with the {with} deleted with them.")
        }
        ("case", true) => {
            "Restoring brings the case back to its applicant (who must not be in the trash).".into()
        }
        ("case", false) => format!(
            "Restoring brings the case back to its applicant with the {with} deleted with it."
        ),
        _ => "Restoring puts the file back in its applicant's or case's files.".into(),
    }
}

#[derive(Template)]
#[template(path = "settings/trash.html")]
struct ListTemplate {
    rows: Vec<Row>,
    more: Option<String>,
    csrf: String,
    retention_days: i64,
}

#[derive(Deserialize, IntoParams)]
pub struct TrashPageQuery {
    /// From the previous page's "More" link.
    cursor: Option<String>,
}

fn retention_days(state: &AppState) -> i64 {
    state.config.trash_retention.as_hours() / 24
}

/// Settings → Trash.
#[utoipa::path(get, path = "/settings/trash", tag = "pages", params(TrashPageQuery),
    responses((status = 200, description = "The practice's trash, newest first", content_type = "text/html"),
        (status = 303, description = "Not signed in: to the sign-in page"),
        (status = 403, description = "A page saying `trash.manage` is needed", content_type = "text/html")))]
pub(super) async fn list_page(
    State(state): State<AppState>,
    caller: Caller,
    crate::api::Query(q): crate::api::Query<TrashPageQuery>,
) -> Result<Page> {
    let page = trash::list(&state, &caller, q.cursor.as_deref(), PAGE).await?;
    let now = state.now_ms();
    let rows = page
        .items
        .into_iter()
        .map(|item| Row::of(item, &caller, now))
        .collect();
    Page::new(
        "Trash",
        &ListTemplate {
            rows,
            more: page.next_cursor,
            csrf: caller.form_token.clone(),
            retention_days: retention_days(&state),
        },
    )
}

/// Restores an item, with what was deleted with it.
#[utoipa::path(post, path = "/settings/trash/{kind}/{id}/restore", tag = "pages",
    params(("kind" = String, Path), ("id" = String, Path)),
    request_body(content = crate::web::sign_in::CsrfOnly, content_type = "application/x-www-form-urlencoded"),
    responses((status = 303, description = "To the trash, with a message saying what came back, or why it could not"),
        (status = 403, description = "A page saying `trash.manage` is needed, or the form token is stale", content_type = "text/html"),
        (status = 404, description = "Not in the trash", content_type = "text/html")))]
pub(super) async fn restore(
    State(state): State<AppState>,
    caller: Caller,
    Path((kind, id)): Path<(String, String)>,
) -> Result<Response> {
    let item = trash::item(&state, &caller, &kind, &id).await?;
    match trash::restore(&state, &caller, &kind, &id).await {
        Ok(()) => {
            if let Some(into) = &item.merged_into {
                return Ok(saved(
                    LIST,
                    format!(
                        "{} is restored and the merge into {} is undone.",
                        item.label, into.name
                    ),
                ));
            }
            let with = match deleted_with(&item) {
                with if with.is_empty() => with,
                with => format!(", with {with}"),
            };
            Ok(saved(
                LIST,
                format!("{} is restored{with}.", restored_label(&item)),
            ))
        }
        Err(e @ AppError::Conflict { .. }) => Ok(refused(
            LIST,
            &format!("{} is still in the trash.", restored_label(&item)),
            &[capitalized(&e.to_string())],
        )),
        Err(e) => Err(e),
    }
}

/// "The case CAS001", "The file visa.pdf", "Ana Okonkwo".
fn restored_label(item: &TrashItem) -> String {
    match item.kind.as_str() {
        "applicant" => item.label.clone(),
        kind => format!("The {kind} {}", item.label),
    }
}

fn capitalized(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[derive(Template)]
#[template(path = "settings/trash_delete.html")]
struct DeleteTemplate {
    row: Row,
    form: FormState,
}

async fn delete_template(
    state: &AppState,
    caller: &Caller,
    (kind, id): (&str, &str),
    form: FormState,
) -> Result<DeleteTemplate> {
    let item = trash::item(state, caller, kind, id).await?;
    Ok(DeleteTemplate {
        row: Row::of(item, caller, state.now_ms()),
        form,
    })
}

/// The page that asks before deleting an item for good.
#[utoipa::path(get, path = "/settings/trash/{kind}/{id}/delete", tag = "pages",
    params(("kind" = String, Path), ("id" = String, Path)),
    responses((status = 200, description = "What would be deleted for good, and a form to confirm it", content_type = "text/html"),
        (status = 403, description = "A page saying `trash.manage` is needed", content_type = "text/html"),
        (status = 404, description = "Not in the trash", content_type = "text/html")))]
pub(super) async fn delete_page(
    State(state): State<AppState>,
    caller: Caller,
    Path((kind, id)): Path<(String, String)>,
) -> Result<Page> {
    let form = FormState::new(&caller.form_token);
    let template = delete_template(&state, &caller, (&kind, &id), form).await?;
    Page::new(
        format!("Delete {} for good", template.row.item.label),
        &template,
    )
}

/// The confirmation of a deletion for good.
#[derive(Deserialize, ToSchema)]
pub struct DeleteForm {
    /// Present (any value) when "I understand it cannot be undone" is ticked.
    confirm: Option<String>,
    #[serde(rename = "_csrf")]
    #[allow(dead_code)]
    csrf: Option<String>,
}

/// Deletes an item for good, once the form says so.
#[utoipa::path(post, path = "/settings/trash/{kind}/{id}/delete", tag = "pages",
    params(("kind" = String, Path), ("id" = String, Path)),
    request_body(content = DeleteForm, content_type = "application/x-www-form-urlencoded"),
    responses((status = 303, description = "Deleted for good: to the trash, with a message"),
        (status = 403, description = "A page saying `trash.manage` is needed, or the form token is stale", content_type = "text/html"),
        (status = 404, description = "Not in the trash", content_type = "text/html"),
        (status = 422, description = "The confirmation page again, asking to tick the box", content_type = "text/html")))]
pub(super) async fn delete(
    State(state): State<AppState>,
    caller: Caller,
    Path((kind, id)): Path<(String, String)>,
    Form(values): Form<DeleteForm>,
) -> Result<Response> {
    caller.require("trash.manage")?;
    if !ticked(&values.confirm) {
        let mut errors = FieldErrors::new();
        errors.insert(
            "confirm".into(),
            "tick this box to delete it for good, or go back to the trash".into(),
        );
        let error = AppError::Invalid {
            message: "Confirm the deletion.".into(),
            fields: errors,
        };
        let form = FormState::failed(&caller.form_token, &error);
        let template = delete_template(&state, &caller, (&kind, &id), form).await?;
        let title = format!("Delete {} for good", template.row.item.label);
        return Ok(Page::new(title, &template)?
            .status(StatusCode::UNPROCESSABLE_ENTITY)
            .into_response());
    }
    let label = trash::delete_now(&state, &caller, &kind, &id).await?;
    let what = match kind.as_str() {
        "applicant" => label,
        kind => format!("The {kind} {label}"),
    };
    Ok(saved(LIST, format!("{what} is deleted for good.")))
}

#[cfg(test)]
mod tests {
    use super::days_left;

    #[test]
    fn days_left_round_up() {
        assert_eq!(days_left(30 * super::DAY_MS), "30 days left");
        assert_eq!(days_left(29 * super::DAY_MS + 1), "30 days left");
        assert_eq!(days_left(super::DAY_MS), "1 day left");
        assert_eq!(days_left(5), "less than a day left");
        assert_eq!(days_left(-5), "deleted for good soon");
    }
}
