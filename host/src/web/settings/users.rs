//! Settings → Users: the list, creating a user, and changing one (name, time
//! zone, roles, disabled).

use askama::Template;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::access::Caller;
use crate::access::roles::{self, Role};
use crate::access::users::{DEFAULT_TIME_ZONE, User};
use crate::api::{ClientAddr, Path};
use crate::error::{AppError, Result};
use crate::state::AppState;
use crate::team::users::{self, ListQuery, NewUser, UserPatch};
use crate::web::form::{Form, is_for_the_form, ticked};
use crate::web::shell::{Page, refused, saved};
use crate::web::{FormState, time_zones};

struct Row {
    user: User,
    role_names: String,
}

#[derive(Template)]
#[template(path = "settings/users.html")]
struct ListTemplate {
    rows: Vec<Row>,
    more: Option<String>,
}

fn role_names(user: &User, roles: &[Role]) -> String {
    let names: Vec<&str> = roles
        .iter()
        .filter(|r| user.roles.contains(&r.id))
        .map(|r| r.name.as_str())
        .collect();
    if names.is_empty() {
        "no role".into()
    } else {
        names.join(", ")
    }
}

#[derive(Deserialize, utoipa::IntoParams)]
pub struct UsersQuery {
    /// From the previous page's "More" link.
    cursor: Option<String>,
}

/// Settings → Users.
#[utoipa::path(get, path = "/settings/users", tag = "pages", params(UsersQuery),
    responses((status = 200, description = "The practice's users", content_type = "text/html"),
        (status = 303, description = "Not signed in: to the sign-in page"),
        (status = 403, description = "A page saying `users.manage` is needed", content_type = "text/html")))]
pub(super) async fn list_page(
    State(state): State<AppState>,
    caller: Caller,
    crate::api::Query(q): crate::api::Query<UsersQuery>,
) -> Result<Page> {
    let page = users::list(
        &state,
        &caller,
        ListQuery {
            cursor: q.cursor,
            limit: Some(100),
        },
    )
    .await?;
    let all_roles = roles::list_all(state.db.pool(), &caller.practice).await?;
    let rows = page
        .items
        .into_iter()
        .map(|user| Row {
            role_names: role_names(&user, &all_roles),
            user,
        })
        .collect();
    Page::new(
        "Users",
        &ListTemplate {
            rows,
            more: page.next_cursor,
        },
    )
}

/// The user form's values: what is saved, or what was typed.
#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
pub struct UserForm {
    /// Only when creating.
    #[serde(default)]
    email: String,
    display_name: String,
    time_zone: String,
    /// Role ids (one field per ticked role).
    #[serde(default)]
    roles: Vec<String>,
    /// Only when creating; empty to email an invitation instead.
    #[serde(default)]
    password: String,
    /// Present (any value) when the "disabled" box is ticked.
    disabled: Option<String>,
    /// The version the form was opened at (when changing).
    version: Option<i64>,
    #[serde(rename = "_csrf")]
    #[allow(dead_code)]
    csrf: Option<String>,
}

impl UserForm {
    fn of(user: &User) -> UserForm {
        UserForm {
            email: user.email.clone(),
            display_name: user.display_name.clone(),
            time_zone: user.time_zone.clone(),
            roles: user.roles.clone(),
            disabled: user.disabled.then(|| "on".into()),
            version: Some(user.version),
            ..UserForm::default()
        }
    }

    fn has_role(&self, id: &str) -> bool {
        self.roles.iter().any(|r| r == id)
    }

    fn is_disabled(&self) -> bool {
        ticked(&self.disabled)
    }
}

#[derive(Template)]
#[template(path = "settings/user_form.html")]
struct FormTemplate<'a> {
    /// `None` when creating.
    user: Option<&'a User>,
    values: UserForm,
    form: FormState,
    roles: Vec<Role>,
    /// Set when someone else saved the user while this form was open.
    newer: Option<(User, String)>,
    zones: Vec<String>,
    is_self: bool,
}

async fn form_page<'a>(
    state: &AppState,
    caller: &'a Caller,
    user: Option<&'a User>,
    values: UserForm,
    form: FormState,
) -> Result<FormTemplate<'a>> {
    let roles = roles::list_all(state.db.pool(), &caller.practice).await?;
    Ok(FormTemplate {
        is_self: user.is_some_and(|u| u.id == caller.user_id),
        user,
        zones: time_zones(&values.time_zone),
        values,
        form,
        roles,
        newer: None,
    })
}

/// Settings → Users → Create.
#[utoipa::path(get, path = "/settings/users/new", tag = "pages",
    responses((status = 200, description = "The form to create a user", content_type = "text/html"),
        (status = 303, description = "Not signed in: to the sign-in page"),
        (status = 403, description = "A page saying `users.manage` is needed", content_type = "text/html")))]
pub(super) async fn new_page(State(state): State<AppState>, caller: Caller) -> Result<Page> {
    caller.require("users.manage")?;
    let values = UserForm {
        time_zone: DEFAULT_TIME_ZONE.into(),
        ..UserForm::default()
    };
    let form = FormState::new(&caller.form_token);
    Page::new(
        "Create user",
        &form_page(&state, &caller, None, values, form).await?,
    )
}

/// Creates a user from the form; without a password they are emailed an
/// invitation to choose one.
#[utoipa::path(post, path = "/settings/users", tag = "pages",
    request_body(content = UserForm, content_type = "application/x-www-form-urlencoded"),
    responses((status = 303, description = "Created: to the list, with a message"),
        (status = 403, description = "A page saying `users.manage` is needed, or the form token is stale", content_type = "text/html"),
        (status = 422, description = "The form again, what was typed kept, a message beside each field to correct", content_type = "text/html")))]
pub(super) async fn create(
    State(state): State<AppState>,
    caller: Caller,
    client: ClientAddr,
    Form(values): Form<UserForm>,
) -> Result<Response> {
    let new = NewUser {
        email: values.email.clone(),
        display_name: values.display_name.clone(),
        roles: values.roles.clone(),
        time_zone: Some(values.time_zone.clone()),
        password: Some(values.password.clone()).filter(|p| !p.is_empty()),
    };
    match users::create(&state, &caller, &client, new).await {
        Ok(user) => {
            let how = if values.password.is_empty() {
                "; an email invites them to choose a password"
            } else {
                ""
            };
            Ok(saved(
                "/settings/users",
                format!(
                    "{} ({}) can now sign in{how}.",
                    user.display_name, user.email
                ),
            ))
        }
        Err(e) if is_for_the_form(&e) => {
            let values = UserForm {
                password: String::new(),
                ..values
            };
            let form = FormState::failed(&caller.form_token, &e);
            let page = form_page(&state, &caller, None, values, form).await?;
            Ok(Page::new("Create user", &page)?
                .status(e.status_code())
                .into_response())
        }
        Err(e) => Err(e),
    }
}

/// Settings → Users → one user.
#[utoipa::path(get, path = "/settings/users/{id}", tag = "pages", params(("id" = String, Path)),
    responses((status = 200, description = "The form to change the user", content_type = "text/html"),
        (status = 303, description = "Not signed in: to the sign-in page"),
        (status = 403, description = "A page saying `users.manage` is needed", content_type = "text/html"),
        (status = 404, description = "No such user in this practice", content_type = "text/html")))]
pub(super) async fn edit_page(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Page> {
    caller.require("users.manage")?;
    let user = users::get(&state, &caller, &id).await?;
    let form = FormState::new(&caller.form_token);
    let values = UserForm::of(&user);
    let page = form_page(&state, &caller, Some(&user), values, form).await?;
    Page::new(user.display_name.clone(), &page)
}

/// Sends an invited person a new invitation from their page; back to it,
/// saying so (or why not).
#[utoipa::path(post, path = "/settings/users/{id}/invitation", tag = "pages", params(("id" = String, Path)),
    responses((status = 303, description = "Sent (or refused, saying why): back to the user's page"),
        (status = 403, description = "A page saying `users.manage` is needed, or the form token is stale", content_type = "text/html"),
        (status = 404, description = "No such user in this practice", content_type = "text/html")))]
pub(super) async fn resend_invitation(
    State(state): State<AppState>,
    caller: Caller,
    client: ClientAddr,
    Path(id): Path<String>,
) -> Result<Response> {
    let back = format!("/settings/users/{id}");
    match users::reinvite(&state, &caller, &client, &id).await {
        Ok(user) => Ok(saved(
            &back,
            format!(
                "A new invitation is on its way to {}; the earlier link no longer works.",
                user.email
            ),
        )),
        Err(e @ AppError::Conflict { .. }) => Ok(refused(&back, &e.to_string(), &[])),
        Err(e) => Err(e),
    }
}

/// Saves a user's name, time zone, roles and disabled state. A form opened
/// before someone else saved comes back showing their version, with what was
/// typed kept.
#[utoipa::path(post, path = "/settings/users/{id}", tag = "pages", params(("id" = String, Path)),
    request_body(content = UserForm, content_type = "application/x-www-form-urlencoded"),
    responses((status = 303, description = "Saved: to the list, with a message"),
        (status = 403, description = "A page saying `users.manage` is needed, or the form token is stale", content_type = "text/html"),
        (status = 404, description = "No such user in this practice", content_type = "text/html"),
        (status = 409, description = "The form again: the newer saved user beside what was typed (or the change would leave nobody able to manage users and roles)", content_type = "text/html"),
        (status = 422, description = "The form again, with a message beside each field to correct", content_type = "text/html")))]
pub(super) async fn update(
    State(state): State<AppState>,
    caller: Caller,
    client: ClientAddr,
    Path(id): Path<String>,
    Form(values): Form<UserForm>,
) -> Result<Response> {
    caller.require("users.manage")?;
    let version = values
        .version
        .ok_or_else(|| AppError::field("version", "reload the page and try again"))?;
    let patch = UserPatch {
        display_name: Some(values.display_name.clone()),
        time_zone: Some(values.time_zone.clone()),
        roles: Some(values.roles.clone()),
        disabled: Some(values.is_disabled()),
        version: Some(version),
    };
    let error = match users::update(&state, &caller, &client, &id, version, patch).await {
        Ok(user) => {
            return Ok(saved(
                "/settings/users",
                format!("{} is saved.", user.display_name),
            ));
        }
        Err(e) if is_for_the_form(&e) => e,
        Err(e) => return Err(e),
    };
    let user = users::get(&state, &caller, &id).await?;
    let form = FormState::failed(&caller.form_token, &error);
    let stale = matches!(
        &error,
        AppError::Conflict {
            current: Some(_),
            ..
        }
    );
    let mut values = values;
    if stale {
        values.version = Some(user.version);
    }
    let mut page = form_page(&state, &caller, Some(&user), values, form).await?;
    if stale {
        let names = role_names(&user, &page.roles);
        page.newer = Some((user.clone(), names));
    }
    Ok(Page::new(user.display_name.clone(), &page)?
        .status(error.status_code())
        .into_response())
}
