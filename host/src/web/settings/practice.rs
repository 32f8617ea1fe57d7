//! Settings → Practice: the practice's name, time zone, contact details and
//! largest file per upload, with the storage it uses against its quota; on
//! the functions of `/api/v1/practice`. The form carries the values it was
//! opened with, so a save writes only what the person changed: someone
//! else's save meanwhile is kept beside it, and only a field both changed
//! differently is asked about again.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Map, Value, json};
use utoipa::ToSchema;

use super::super::records::merge;
use crate::access::Caller;
use crate::error::{AppError, Result};
use crate::files::naming::size_in_words;
use crate::practices::settings::{self, MANAGE, PracticeChange, PracticeSettings};
use crate::practices::{PracticeView, view};
use crate::state::AppState;
use crate::web::form::{Form, is_for_the_form};
use crate::web::shell::{Page, saved};
use crate::web::{FormState, time_zones};

const PAGE: &str = "/settings/practice";

/// The form's values: as saved, or as typed.
#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
pub struct PracticeForm {
    name: String,
    time_zone: String,
    #[serde(default)]
    address: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    website: String,
    /// Whole MB; empty for the server's maximum.
    #[serde(default)]
    max_file_mb: String,
    /// Whole years; empty to keep applicants until someone deletes them.
    #[serde(default)]
    retention_years: String,
    /// The version the form was opened at.
    version: Option<i64>,
    /// The values it was opened with (JSON).
    base: Option<String>,
    #[serde(rename = "_csrf")]
    #[allow(dead_code)]
    csrf: Option<String>,
}

impl PracticeForm {
    fn of(s: &PracticeSettings) -> PracticeForm {
        PracticeForm {
            name: s.name.clone(),
            time_zone: s.time_zone.clone(),
            address: s.address.clone(),
            phone: s.phone.clone(),
            email: s.email.clone(),
            website: s.website.clone(),
            max_file_mb: s.max_file_mb.map(|n| n.to_string()).unwrap_or_default(),
            retention_years: s.retention_years.map(|n| n.to_string()).unwrap_or_default(),
            version: Some(s.version),
            base: Some(merge::base_text(&s.body())),
            csrf: None,
        }
    }

    /// What was typed, as the API's body; a limit that is not a number is
    /// refused beside its field.
    fn body(&self) -> Result<Map<String, Value>> {
        let max_file_mb = optional_number(
            "max_file_mb",
            &self.max_file_mb,
            "use a whole number of MB, or leave it empty for the server's maximum",
        )?;
        let retention_years = optional_number(
            "retention_years",
            &self.retention_years,
            "use a whole number of years, or leave it empty to keep applicants until someone deletes them",
        )?;
        let mut body = Map::new();
        for (field, value) in [
            ("name", &self.name),
            ("time_zone", &self.time_zone),
            ("address", &self.address),
            ("phone", &self.phone),
            ("email", &self.email),
            ("website", &self.website),
        ] {
            body.insert(field.into(), json!(value));
        }
        body.insert("max_file_mb".into(), max_file_mb);
        body.insert("retention_years".into(), retention_years);
        Ok(body)
    }
}

/// A whole number typed in `field`, or null when it was left empty; text
/// that is not one is refused beside the field with `refusal`.
fn optional_number(field: &str, typed: &str, refusal: &str) -> Result<Value> {
    let typed = typed.trim();
    if typed.is_empty() {
        return Ok(Value::Null);
    }
    let n: i64 = typed
        .parse()
        .map_err(|_| AppError::field(field, refusal.to_string()))?;
    Ok(json!(n))
}

/// A field both people changed, as the page shows it.
struct Newer {
    label: &'static str,
    now: String,
}

#[derive(Template)]
#[template(path = "settings/practice.html")]
struct PracticeTemplate {
    values: PracticeForm,
    form: FormState,
    zones: Vec<String>,
    slug: String,
    /// The server's maximum, in words and in whole MB.
    server_max: String,
    server_max_mb: i64,
    /// The largest file now, in words.
    largest: String,
    used_bytes: u64,
    quota_bytes: u64,
    storage: String,
    /// After a save met someone else's on the same fields.
    newer: Vec<Newer>,
    can_manage_trash: bool,
    /// The logo's address with its hash (so a new one is not taken from
    /// the browser's cache), and what it is, when the practice has one.
    logo: Option<(String, String)>,
    /// Why the logo's form was refused, shown at its top.
    logo_problem: Option<String>,
}

impl PracticeTemplate {
    fn error(&self, field: &str) -> Option<String> {
        self.form
            .error(field)
            .map(|e| format!("{}: {e}", settings::label(field)))
    }
}

fn template(state: &AppState, caller: &Caller, shown: &PracticeView) -> PracticeTemplate {
    let server = state.config.files.max_file_bytes;
    let (used, quota) = (shown.storage.used_bytes, shown.storage.quota_bytes);
    let percent = used.saturating_mul(100).checked_div(quota).unwrap_or(100);
    PracticeTemplate {
        values: PracticeForm::of(&shown.settings),
        form: FormState::new(&caller.form_token),
        zones: time_zones(&shown.settings.time_zone),
        slug: shown.slug.clone(),
        server_max: size_in_words(server),
        server_max_mb: shown.server_max_file_mb,
        largest: size_in_words(shown.largest_file_bytes),
        used_bytes: used.min(quota),
        quota_bytes: quota,
        storage: format!(
            "{} of {} used ({percent}%)",
            size_in_words(used),
            size_in_words(quota)
        ),
        newer: Vec::new(),
        can_manage_trash: caller.can("trash.manage"),
        logo: shown.logo.as_ref().map(|l| {
            let kind = match l.content_type.as_str() {
                "image/svg+xml" => "SVG",
                "image/jpeg" => "JPEG",
                _ => "PNG",
            };
            let size = size_in_words(u64::try_from(l.size).unwrap_or(0));
            (
                format!(
                    "/api/v1/practice/logo?v={}",
                    &l.sha256[..16.min(l.sha256.len())]
                ),
                format!("{kind}, {size}"),
            )
        }),
        logo_problem: None,
    }
}

/// Settings → Practice again, the logo's form refused for `problem`.
pub(super) async fn logo_refused(
    state: &AppState,
    caller: &Caller,
    problem: String,
) -> Result<Response> {
    let saved = settings::read(state, caller).await?;
    let shown = view(state, caller, saved).await?;
    let mut page = template(state, caller, &shown);
    page.logo_problem = Some(problem);
    framed(&page, StatusCode::UNPROCESSABLE_ENTITY)
}

fn framed(template: &PracticeTemplate, status: StatusCode) -> Result<Response> {
    Ok(Page::new("Practice", template)?
        .status(status)
        .into_response())
}

/// Settings → Practice.
#[utoipa::path(get, path = "/settings/practice", tag = "pages",
    responses((status = 200, description = "The practice's details, limits and storage", content_type = "text/html"),
        (status = 303, description = "Not signed in: to the sign-in page"),
        (status = 403, description = "A page saying `practice.manage` is needed", content_type = "text/html")))]
pub(super) async fn page(State(state): State<AppState>, caller: Caller) -> Result<Response> {
    let saved = settings::read(&state, &caller).await?;
    let shown = view(&state, &caller, saved).await?;
    framed(&template(&state, &caller, &shown), StatusCode::OK)
}

/// The change the fields in `body` make.
fn change_of(body: &Map<String, Value>) -> PracticeChange {
    let text = |f: &str| body.get(f).and_then(Value::as_str).map(str::to_string);
    PracticeChange {
        name: text("name"),
        time_zone: text("time_zone"),
        address: text("address"),
        phone: text("phone"),
        email: text("email"),
        website: text("website"),
        max_file_mb: body.get("max_file_mb").map(Value::as_i64),
        retention_years: body.get("retention_years").map(Value::as_i64),
        version: None,
    }
}

/// Saves what the person changed. When someone else saved meanwhile, their
/// changes to other fields are kept; a field both changed differently is
/// shown with its value now, the form keeping what this person typed.
#[utoipa::path(post, path = "/settings/practice", tag = "pages",
    request_body(content = PracticeForm, content_type = "application/x-www-form-urlencoded"),
    responses((status = 303, description = "Saved: back to the page, with a message"),
        (status = 403, description = "A page saying `practice.manage` is needed, or the form token is stale", content_type = "text/html"),
        (status = 409, description = "Someone else changed the same fields: the page again, their values shown, what was typed kept", content_type = "text/html"),
        (status = 422, description = "The page again, what was typed kept, a message beside each field to correct", content_type = "text/html")))]
pub(super) async fn save(
    State(state): State<AppState>,
    caller: Caller,
    Form(values): Form<PracticeForm>,
) -> Result<Response> {
    caller.require(MANAGE)?;
    let version = values
        .version
        .ok_or_else(|| AppError::field("version", "reload the page and try again"))?;
    let base = merge::base(values.base.as_deref());
    let attempt = async {
        let mine = merge::changed(&base, values.body()?);
        match settings::update(&state, &caller, version, &change_of(&mine)).await {
            Err(AppError::Conflict { .. }) => {}
            other => return other.map(|s| (s, false, Vec::new())),
        }
        let now = settings::read(&state, &caller).await?;
        let merged = merge::merge(&base, &mine, &now.body());
        if !merged.collide.is_empty() {
            return Ok((now, false, merged.collide));
        }
        let s = settings::update(&state, &caller, now.version, &change_of(&merged.keep)).await?;
        Ok((s, true, Vec::new()))
    };
    let error = match attempt.await {
        Ok((_, merged, collide)) if collide.is_empty() => {
            let message = if merged {
                "The practice's details are saved. Someone else saved them meanwhile: their changes to other fields are kept too."
            } else {
                "The practice's details are saved."
            };
            return Ok(saved(PAGE, message));
        }
        Ok((now, _, collide)) => {
            // Both changed the same fields: show theirs, keep what was typed.
            let shown = view(&state, &caller, now.clone()).await?;
            let mut page = template(&state, &caller, &shown);
            let theirs = now.body();
            page.newer = collide
                .iter()
                .map(|field| Newer {
                    label: settings::label(field),
                    now: match &theirs[field.as_str()] {
                        Value::Null => "the server's maximum".into(),
                        Value::String(s) if s.is_empty() => "(empty)".into(),
                        Value::String(s) => s.clone(),
                        other => other.to_string(),
                    },
                })
                .collect();
            page.values = PracticeForm {
                version: Some(now.version),
                base: Some(merge::base_text(&theirs)),
                ..values
            };
            return framed(&page, StatusCode::CONFLICT);
        }
        Err(e) if is_for_the_form(&e) => e,
        Err(e) => return Err(e),
    };
    let saved_now = settings::read(&state, &caller).await?;
    let shown = view(&state, &caller, saved_now).await?;
    let mut page = template(&state, &caller, &shown);
    page.values = values;
    page.form = FormState::failed(&caller.form_token, &error);
    framed(&page, error.status_code())
}
