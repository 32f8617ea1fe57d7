//! Settings → Security: whether the practice requires two-factor sign-in,
//! and who has it, with a reset for someone who lost their phone. On the
//! functions of `/api/v1/practice/security` and
//! `/api/v1/users/{id}/second-factor/reset`.

use askama::Template;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::access::Caller;
use crate::api::{ClientAddr, Path};
use crate::auth::second_factor::{self, PersonFactor, requirement};
use crate::error::Result;
use crate::state::AppState;
use crate::web::FormState;
use crate::web::form::{Form, is_for_the_form, ticked};
use crate::web::shell::{Page, saved};

const PAGE: &str = "/settings/security";

#[derive(Template)]
#[template(path = "settings/security.html")]
struct SecurityTemplate {
    form: FormState,
    required: bool,
    version: i64,
    people: Vec<PersonFactor>,
    can_reset: bool,
}

async fn page(state: &AppState, caller: &Caller, form: FormState) -> Result<SecurityTemplate> {
    caller.require(crate::practices::settings::MANAGE)?;
    let security = requirement::read(state.db.pool(), &caller.practice).await?;
    Ok(SecurityTemplate {
        form,
        required: security.require_second_factor,
        version: security.version,
        people: second_factor::people(state, &caller.practice).await?,
        can_reset: caller.can("users.manage"),
    })
}

/// Settings → Security.
#[utoipa::path(get, path = "/settings/security", tag = "pages",
    responses((status = 200, description = "The practice's sign-in rules and who has a second factor", content_type = "text/html"),
        (status = 403, description = "Without practice.manage", content_type = "text/html")))]
pub(super) async fn page_of(State(state): State<AppState>, caller: Caller) -> Result<Page> {
    let template = page(&state, &caller, FormState::new(&caller.form_token)).await?;
    Page::new("Security", &template)
}

#[derive(Deserialize, ToSchema)]
pub struct SecurityForm {
    require_second_factor: Option<String>,
    version: i64,
    #[serde(rename = "_csrf")]
    #[allow(dead_code)]
    csrf: Option<String>,
}

/// Saves whether the practice requires two-factor sign-in.
#[utoipa::path(post, path = "/settings/security", tag = "pages",
    request_body(content = SecurityForm, content_type = "application/x-www-form-urlencoded"),
    responses((status = 303, description = "Saved: back to the page with a message"),
        (status = 403, description = "The form token is missing or stale, or without practice.manage", content_type = "text/html"),
        (status = 409, description = "The page again: someone changed the rules since", content_type = "text/html")))]
pub(super) async fn save(
    State(state): State<AppState>,
    caller: Caller,
    Form(input): Form<SecurityForm>,
) -> Result<Response> {
    let require = ticked(&input.require_second_factor);
    let change = requirement::SecurityChange {
        require_second_factor: require,
        version: input.version,
    };
    match requirement::change(&state, &caller, change).await {
        Ok(_) => Ok(saved(
            PAGE,
            if require {
                "Two-factor sign-in is now required of everyone in the practice."
            } else {
                "Two-factor sign-in is now each person's choice."
            },
        )),
        Err(e) if is_for_the_form(&e) => {
            let form = FormState::failed(&caller.form_token, &e);
            let template = page(&state, &caller, form).await?;
            Ok(Page::new("Security", &template)?
                .status(e.status_code())
                .into_response())
        }
        Err(e) => Err(e),
    }
}

#[derive(Deserialize, ToSchema)]
pub struct TokenForm {
    #[serde(rename = "_csrf")]
    #[allow(dead_code)]
    csrf: Option<String>,
}

/// Resets someone's second factor (`users.manage`; audited).
#[utoipa::path(post, path = "/settings/security/people/{id}/reset", tag = "pages", params(("id" = String, Path)),
    request_body(content = TokenForm, content_type = "application/x-www-form-urlencoded"),
    responses((status = 303, description = "Reset: back to the page with a message"),
        (status = 403, description = "The form token is missing or stale, or without users.manage", content_type = "text/html"),
        (status = 404, description = "No such person", content_type = "text/html")))]
pub(super) async fn reset(
    State(state): State<AppState>,
    caller: Caller,
    client: ClientAddr,
    Path(id): Path<String>,
    Form(_token): Form<TokenForm>,
) -> Result<Response> {
    second_factor::reset(&state, &caller, &client, &id).await?;
    Ok(saved(
        &format!("{PAGE}#people"),
        "The second factor is reset: they are signed out, and set it up again when they next sign in.",
    ))
}
