//! Settings → Search: the applicant fields the search box finds applicants
//! by, a line each on what it finds, and the rebuild a change starts with
//! its progress (the page's script fetches that part again while it runs;
//! without the script, reloading the page shows it). On the functions of
//! `/api/v1/search/settings`.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::access::Caller;
use crate::error::{AppError, Result};
use crate::search::feed::thousands;
use crate::search::settings::{
    self, APPLICANT_FIELDS, MANAGE, RebuildView, SearchSettingsChange, SearchSettingsView,
};
use crate::state::AppState;
use crate::web::FormState;
use crate::web::form::{Form, is_for_the_form};
use crate::web::shell::{Page, saved};

const PAGE: &str = "/settings/search";

/// The form as sent: the ticked fields (an unticked box is absent).
#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
pub struct SearchForm {
    #[serde(default)]
    applicant_fields: Vec<String>,
    /// The version the form was opened at.
    version: Option<i64>,
    #[serde(rename = "_csrf")]
    #[allow(dead_code)]
    csrf: Option<String>,
}

/// A field's box as the page shows it.
struct FieldBox {
    name: &'static str,
    label: &'static str,
    finds: &'static str,
    ticked: bool,
}

#[derive(Template)]
#[template(path = "settings/search.html")]
struct SearchTemplate {
    boxes: Vec<FieldBox>,
    version: i64,
    form: FormState,
    /// After a save met someone else's: the fields they chose.
    theirs: Option<String>,
    progress: Progress,
}

/// The rebuild, in words.
struct Progress {
    rebuilding: bool,
    done: i64,
    total: i64,
    /// "1,200 of 5,000 applicants", "Waiting to start".
    count: String,
    /// "about 120 a second, about 32 seconds left", or empty.
    pace: String,
    /// When the last one finished, and how long it took; or empty.
    finished: String,
}

impl Progress {
    fn of(rebuild: &RebuildView, time_zone: &str) -> Progress {
        let count = if rebuild.total == 0 && rebuild.done == 0 {
            "Waiting to start".to_string()
        } else {
            format!(
                "{} of {} applicants",
                thousands(rebuild.done),
                thousands(rebuild.total)
            )
        };
        let mut pace = Vec::new();
        if let Some(rate) = rebuild.rate_per_second.filter(|r| *r > 0.0) {
            pace.push(format!("about {} a second", thousands(rate.round() as i64)));
        }
        if let Some(left) = rebuild.seconds_left {
            pace.push(format!("about {} left", duration(left)));
        }
        let at_ms = |t: &Option<String>| {
            t.as_deref()
                .and_then(|t| t.parse::<jiff::Timestamp>().ok())
                .map(|t| t.as_millisecond())
        };
        // How long it took, from the rate measured on the machine doing it.
        let took = match rebuild.rate_per_second.filter(|r| *r > 0.0) {
            Some(rate) => format!(
                " in {}",
                duration((rebuild.done as f64 / rate).ceil() as i64)
            ),
            None => String::new(),
        };
        let finished = match at_ms(&rebuild.finished_at) {
            Some(finished) if !rebuild.is_rebuilding() => format!(
                "Last rebuilt {}: {} applicants{took}.",
                super::super::local_time(finished, time_zone),
                thousands(rebuild.done),
            ),
            _ => String::new(),
        };
        Progress {
            rebuilding: rebuild.is_rebuilding(),
            done: rebuild.done,
            total: rebuild.total,
            count,
            pace: pace.join(", "),
            finished,
        }
    }
}

/// Seconds as people say them: "1 second", "45 seconds", "3 minutes".
fn duration(seconds: i64) -> String {
    match seconds {
        ..=1 => "1 second".into(),
        2..=90 => format!("{seconds} seconds"),
        _ => format!("{} minutes", (seconds + 59) / 60),
    }
}

fn template(caller: &Caller, shown: &SearchSettingsView, ticked: &[String]) -> SearchTemplate {
    SearchTemplate {
        boxes: APPLICANT_FIELDS
            .iter()
            .map(|(name, label, finds)| FieldBox {
                name,
                label,
                finds,
                ticked: ticked.iter().any(|t| t == name),
            })
            .collect(),
        version: shown.settings.version,
        form: FormState::new(&caller.form_token),
        theirs: None,
        progress: Progress::of(&shown.rebuild, &caller.time_zone),
    }
}

fn framed(template: &SearchTemplate, status: StatusCode) -> Result<Response> {
    Ok(Page::new("Search", template)?
        .status(status)
        .into_response())
}

/// Settings → Search.
#[utoipa::path(get, path = "/settings/search", tag = "pages",
    responses((status = 200, description = "The searchable applicant fields and the index's rebuild", content_type = "text/html"),
        (status = 303, description = "Not signed in: to the sign-in page"),
        (status = 403, description = "A page saying `settings.manage` is needed", content_type = "text/html")))]
pub(super) async fn page(State(state): State<AppState>, caller: Caller) -> Result<Response> {
    let shown = settings::read(&state, &caller).await?;
    let ticked = shown.settings.applicant_fields.clone();
    framed(&template(&caller, &shown, &ticked), StatusCode::OK)
}

/// Saves the ticked fields; a change starts the rebuild, shown on the page.
#[utoipa::path(post, path = "/settings/search", tag = "pages",
    request_body(content = SearchForm, content_type = "application/x-www-form-urlencoded"),
    responses((status = 303, description = "Saved: back to the page, with a message"),
        (status = 403, description = "A page saying `settings.manage` is needed, or the form token is stale", content_type = "text/html"),
        (status = 409, description = "Someone else changed the fields meanwhile: the page again, their choice named, the boxes as ticked", content_type = "text/html"),
        (status = 422, description = "No field ticked: the page again, the refusal above the boxes", content_type = "text/html")))]
pub(super) async fn save(
    State(state): State<AppState>,
    caller: Caller,
    Form(values): Form<SearchForm>,
) -> Result<Response> {
    caller.require(MANAGE)?;
    let version = values
        .version
        .ok_or_else(|| AppError::field("version", "reload the page and try again"))?;
    let change = SearchSettingsChange {
        applicant_fields: Some(values.applicant_fields.clone()),
        version: Some(version),
    };
    let before = settings::find(state.db.pool(), &caller.practice).await?;
    let error = match settings::update(&state, &caller, version, &change).await {
        Ok(now) if now.settings.version == before.version => {
            return Ok(saved(
                PAGE,
                "Nothing changed: search finds applicants by the same fields.",
            ));
        }
        Ok(_) => {
            return Ok(saved(
                PAGE,
                "The searchable fields are saved. The search index is rebuilding your applicants; searching keeps working meanwhile.",
            ));
        }
        Err(e) if is_for_the_form(&e) => e,
        Err(e) => return Err(e),
    };
    let now = settings::read(&state, &caller).await?;
    let mut page = template(&caller, &now, &values.applicant_fields);
    if let AppError::Conflict { .. } = error {
        let labels: Vec<&str> = now
            .settings
            .applicant_fields
            .iter()
            .map(|f| settings::label(f))
            .collect();
        page.theirs = Some(labels.join(", "));
    } else {
        // What was sent is kept; its version too, so a save then is checked
        // against what this person saw.
        page.version = version;
        page.form = FormState::failed(&caller.form_token, &error);
    }
    framed(&page, error.status_code())
}

#[cfg(test)]
mod tests {
    use super::{duration, thousands};

    #[test]
    fn numbers_and_times_read_as_people_say_them() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1200), "1,200");
        assert_eq!(thousands(1_234_567), "1,234,567");
        assert_eq!(duration(0), "1 second");
        assert_eq!(duration(45), "45 seconds");
        assert_eq!(duration(600), "10 minutes");
    }
}
