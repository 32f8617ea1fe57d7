//! Settings → Roles: the list, and a role's permissions and field rules.

use askama::Template;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::access::Caller;
use crate::access::permissions::{FieldAccess, FieldRules};
use crate::access::roles::{self, Role, RoleInput};
use crate::api::{ClientAddr, Path};
use crate::error::{AppError, Result};
use crate::state::AppState;
use crate::team::{self, PermissionInfo, known_permissions};
use crate::web::FormState;
use crate::web::form::{Form, is_for_the_form};
use crate::web::shell::{Page, saved};

/// Record fields a field rule can name today; the form also takes others.
/// The fields a rule may name, as `record.field` with words for people
/// ("Applicant: passport number"), and any other field `rules` already name.
fn rule_fields(rules: &[(String, String)]) -> Vec<(String, String)> {
    let words = |record: &str, field: &str| {
        let field = field
            .strip_suffix("_user_id")
            .unwrap_or(field)
            .replace('_', " ");
        format!("{record}: {field}")
    };
    let mut fields: Vec<(String, String)> = crate::records::applicant::FIELDS
        .iter()
        .map(|f| (format!("applicant.{f}"), words("Applicant", f)))
        .chain(
            ["folio"]
                .iter()
                .chain(crate::records::case::FIELDS)
                .map(|f| (format!("case.{f}"), words("Case", f))),
        )
        .collect();
    for (field, _) in rules {
        if !field.trim().is_empty() && !fields.iter().any(|(key, _)| key == field) {
            fields.push((field.clone(), field.clone()));
        }
    }
    fields
}

/// Empty rows the form offers for new field rules.
const BLANK_RULES: usize = 3;

#[derive(Template)]
#[template(path = "settings/roles.html")]
struct ListTemplate {
    roles: Vec<Role>,
}

/// Settings → Roles.
#[utoipa::path(get, path = "/settings/roles", tag = "pages",
    responses((status = 200, description = "The practice's roles", content_type = "text/html"),
        (status = 303, description = "Not signed in: to the sign-in page"),
        (status = 403, description = "A page saying `roles.manage` is needed", content_type = "text/html")))]
pub(super) async fn list_page(State(state): State<AppState>, caller: Caller) -> Result<Page> {
    caller.require("roles.manage")?;
    let roles = roles::list_all(state.db.pool(), &caller.practice).await?;
    Page::new("Roles", &ListTemplate { roles })
}

/// The role form's values: what is saved, or what was typed. Field rules are
/// rows of `rule_field` and `rule_access` (empty access: no rule).
#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
pub struct RoleForm {
    name: String,
    #[serde(default)]
    description: String,
    /// One field per ticked permission.
    #[serde(default)]
    permissions: Vec<String>,
    /// The field of each rule row, e.g. `applicant.passport_number`.
    #[serde(default)]
    rule_field: Vec<String>,
    /// `hidden`, `read_only`, or empty, row by row.
    #[serde(default)]
    rule_access: Vec<String>,
    /// The version the form was opened at (when changing).
    version: Option<i64>,
    #[serde(rename = "_csrf")]
    #[allow(dead_code)]
    csrf: Option<String>,
}

impl RoleForm {
    fn of(role: &Role) -> RoleForm {
        let (fields, access) = role
            .field_rules
            .iter()
            .map(|(field, access)| (field.clone(), access_name(*access).to_string()))
            .unzip();
        RoleForm {
            name: role.name.clone(),
            description: role.description.clone(),
            permissions: role.permissions.clone(),
            rule_field: fields,
            rule_access: access,
            version: Some(role.version),
            csrf: None,
        }
    }

    fn has(&self, permission: &str) -> bool {
        self.permissions.iter().any(|p| p == permission)
    }

    /// The rule rows to show: the filled ones, then blank ones to add more.
    fn rows(&self) -> Vec<(String, String)> {
        let mut rows: Vec<(String, String)> = self
            .rule_field
            .iter()
            .enumerate()
            .map(|(i, f)| {
                (
                    f.clone(),
                    self.rule_access.get(i).cloned().unwrap_or_default(),
                )
            })
            .filter(|(f, a)| !f.trim().is_empty() || !a.is_empty())
            .collect();
        rows.extend((0..BLANK_RULES).map(|_| (String::new(), String::new())));
        rows
    }

    /// The role as the API takes it; rows without a field or an access are
    /// left out, and an access that is neither is a field error.
    fn to_input(&self, version: Option<i64>) -> Result<RoleInput> {
        let mut field_rules = FieldRules::new();
        for (field, access) in self.rows() {
            let field = field.trim();
            let access = match access.as_str() {
                "" => continue,
                "hidden" => FieldAccess::Hidden,
                "read_only" => FieldAccess::ReadOnly,
                other => {
                    return Err(AppError::field(
                        "field_rules",
                        format!("{other:?} is neither hidden nor read only"),
                    ));
                }
            };
            if field.is_empty() {
                return Err(AppError::field(
                    "field_rules",
                    "name the field of each rule, e.g. applicant.passport_number",
                ));
            }
            field_rules.insert(field.to_string(), access);
        }
        Ok(RoleInput {
            name: self.name.clone(),
            description: self.description.clone(),
            permissions: self.permissions.clone(),
            field_rules,
            version,
        })
    }
}

fn access_name(access: FieldAccess) -> &'static str {
    match access {
        FieldAccess::Hidden => "hidden",
        FieldAccess::ReadOnly => "read_only",
    }
}

/// Permissions grouped for the form: the host's, then one group per module.
struct PermissionGroup {
    heading: String,
    items: Vec<PermissionInfo>,
}

fn groups(state: &AppState) -> Vec<PermissionGroup> {
    let mut groups: Vec<PermissionGroup> = Vec::new();
    for p in known_permissions(state) {
        let heading = match &p.module {
            None => "ImmCase".to_string(),
            Some(id) => state
                .modules
                .get(id)
                .map(|m| format!("Module: {}", m.manifest.name))
                .unwrap_or_else(|| format!("Module: {id}")),
        };
        match groups.iter_mut().find(|g| g.heading == heading) {
            Some(group) => group.items.push(p),
            None => groups.push(PermissionGroup {
                heading,
                items: vec![p],
            }),
        }
    }
    groups
}

#[derive(Template)]
#[template(path = "settings/role_form.html")]
struct FormTemplate<'a> {
    role: Option<&'a Role>,
    values: RoleForm,
    form: FormState,
    groups: Vec<PermissionGroup>,
    /// Each field a rule may name: `record.field` and its words.
    known_fields: Vec<(String, String)>,
    /// Set when someone else saved the role while this form was open.
    newer: Option<Role>,
}

fn form_page<'a>(
    state: &AppState,
    role: Option<&'a Role>,
    values: RoleForm,
    form: FormState,
) -> FormTemplate<'a> {
    FormTemplate {
        known_fields: rule_fields(&values.rows()),
        role,
        values,
        form,
        groups: groups(state),
        newer: None,
    }
}

/// Settings → Roles → New role.
#[utoipa::path(get, path = "/settings/roles/new", tag = "pages",
    responses((status = 200, description = "The form for a new role", content_type = "text/html"),
        (status = 303, description = "Not signed in: to the sign-in page"),
        (status = 403, description = "A page saying `roles.manage` is needed", content_type = "text/html")))]
pub(super) async fn new_page(State(state): State<AppState>, caller: Caller) -> Result<Page> {
    caller.require("roles.manage")?;
    let form = FormState::new(&caller.form_token);
    Page::new(
        "New role",
        &form_page(&state, None, RoleForm::default(), form),
    )
}

/// Creates a role from the form.
#[utoipa::path(post, path = "/settings/roles", tag = "pages",
    request_body(content = RoleForm, content_type = "application/x-www-form-urlencoded"),
    responses((status = 303, description = "Created: to the list, with a message"),
        (status = 403, description = "A page saying `roles.manage` is needed, or the form token is stale", content_type = "text/html"),
        (status = 422, description = "The form again, what was typed kept, a message beside each field to correct", content_type = "text/html")))]
pub(super) async fn create(
    State(state): State<AppState>,
    caller: Caller,
    client: ClientAddr,
    Form(values): Form<RoleForm>,
) -> Result<Response> {
    let outcome = match values.to_input(None) {
        Ok(input) => team::roles::create(&state, &caller, &client, input).await,
        Err(e) => Err(e),
    };
    match outcome {
        Ok(role) => Ok(saved(
            "/settings/roles",
            format!("The role {} is created.", role.name),
        )),
        Err(e) if is_for_the_form(&e) => {
            let form = FormState::failed(&caller.form_token, &e);
            Ok(
                Page::new("New role", &form_page(&state, None, values, form))?
                    .status(e.status_code())
                    .into_response(),
            )
        }
        Err(e) => Err(e),
    }
}

async fn find(state: &AppState, caller: &Caller, id: &str) -> Result<Role> {
    roles::find(state.db.pool(), &caller.practice, id)
        .await?
        .ok_or(AppError::NotFound("role"))
}

/// Settings → Roles → one role.
#[utoipa::path(get, path = "/settings/roles/{id}", tag = "pages", params(("id" = String, Path)),
    responses((status = 200, description = "The form to change the role", content_type = "text/html"),
        (status = 303, description = "Not signed in: to the sign-in page"),
        (status = 403, description = "A page saying `roles.manage` is needed", content_type = "text/html"),
        (status = 404, description = "No such role in this practice", content_type = "text/html")))]
pub(super) async fn edit_page(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Page> {
    caller.require("roles.manage")?;
    let role = find(&state, &caller, &id).await?;
    let form = FormState::new(&caller.form_token);
    Page::new(
        role.name.clone(),
        &form_page(&state, Some(&role), RoleForm::of(&role), form),
    )
}

/// Saves a role. A form opened before someone else saved comes back showing
/// their version, with what was typed kept.
#[utoipa::path(post, path = "/settings/roles/{id}", tag = "pages", params(("id" = String, Path)),
    request_body(content = RoleForm, content_type = "application/x-www-form-urlencoded"),
    responses((status = 303, description = "Saved: to the list, with a message"),
        (status = 403, description = "A page saying `roles.manage` is needed, or the form token is stale", content_type = "text/html"),
        (status = 404, description = "No such role in this practice", content_type = "text/html"),
        (status = 409, description = "The form again: the newer saved role beside what was typed (or the change would leave nobody able to manage users and roles)", content_type = "text/html"),
        (status = 422, description = "The form again, with a message beside each field to correct", content_type = "text/html")))]
pub(super) async fn update(
    State(state): State<AppState>,
    caller: Caller,
    client: ClientAddr,
    Path(id): Path<String>,
    Form(values): Form<RoleForm>,
) -> Result<Response> {
    caller.require("roles.manage")?;
    let version = values
        .version
        .ok_or_else(|| AppError::field("version", "reload the page and try again"))?;
    let outcome = match values.to_input(Some(version)) {
        Ok(input) => team::roles::update(&state, &caller, &client, &id, version, input).await,
        Err(e) => Err(e),
    };
    let error = match outcome {
        Ok(role) => {
            return Ok(saved(
                "/settings/roles",
                format!("The role {} is saved.", role.name),
            ));
        }
        Err(e) if is_for_the_form(&e) => e,
        Err(e) => return Err(e),
    };
    let role = find(&state, &caller, &id).await?;
    let stale = matches!(
        &error,
        AppError::Conflict {
            current: Some(_),
            ..
        }
    );
    let mut values = values;
    if stale {
        values.version = Some(role.version);
    }
    let form = FormState::failed(&caller.form_token, &error);
    let mut page = form_page(&state, Some(&role), values, form);
    if stale {
        page.newer = Some(role.clone());
    }
    Ok(Page::new(role.name.clone(), &page)?
        .status(error.status_code())
        .into_response())
}

/// Deletes a role nobody holds (built-in roles stay).
#[utoipa::path(post, path = "/settings/roles/{id}/delete", tag = "pages", params(("id" = String, Path)),
    request_body(content = crate::web::sign_in::CsrfOnly, content_type = "application/x-www-form-urlencoded"),
    responses((status = 303, description = "Deleted: to the list, with a message"),
        (status = 403, description = "A page saying `roles.manage` is needed, or the form token is stale", content_type = "text/html"),
        (status = 404, description = "No such role in this practice", content_type = "text/html"),
        (status = 409, description = "A page saying why not: built in, or still held by someone", content_type = "text/html")))]
pub(super) async fn delete(
    State(state): State<AppState>,
    caller: Caller,
    client: ClientAddr,
    Path(id): Path<String>,
) -> Result<Response> {
    let role = team::roles::delete(&state, &caller, &client, &id).await?;
    Ok(saved(
        "/settings/roles",
        format!("The role {} is deleted.", role.name),
    ))
}
