//! Roles: named sets of permissions plus field rules. Each practice starts
//! with Administrator, Consultant and Assistant; administrators add more.

use serde::{Deserialize, Serialize};
use sqlx::{Any, AssertSqlSafe, Executor, Row};
use utoipa::ToSchema;

use super::permissions::{self, FieldRules};
use crate::clock::rfc3339;
use crate::db::{Tx, new_id};
use crate::error::{AppError, FieldErrors, Result, unique_violation};
use crate::input::text_field;
use crate::practices::Practice;

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Role {
    pub id: String,
    pub version: i64,
    pub name: String,
    pub description: String,
    pub permissions: Vec<String>,
    /// Field → `hidden` or `read_only`, e.g. `{"applicant.passport_number": "hidden"}`.
    #[schema(value_type = Object)]
    pub field_rules: FieldRules,
    /// Built-in roles cannot be deleted.
    pub builtin: bool,
    pub created_at: String,
    pub updated_at: String,
}

#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RoleInput {
    pub name: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub permissions: Vec<String>,
    #[serde(default)]
    #[schema(value_type = Object)]
    pub field_rules: FieldRules,
    /// Required on update (or `If-Match`): the version being changed.
    pub version: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct RoleList {
    pub items: Vec<Role>,
    pub next_cursor: Option<String>,
}

const COLUMNS: &str =
    "id, version, name, description, permissions, field_rules, builtin, created_at, updated_at";

fn from_row(r: &sqlx::any::AnyRow) -> Result<Role> {
    let permissions: Vec<String> = serde_json::from_str(r.try_get("permissions")?)
        .map_err(|e| anyhow::anyhow!("stored role permissions: {e}"))?;
    let field_rules: FieldRules = serde_json::from_str(r.try_get("field_rules")?)
        .map_err(|e| anyhow::anyhow!("stored role field rules: {e}"))?;
    Ok(Role {
        id: r.try_get("id")?,
        version: r.try_get("version")?,
        name: r.try_get("name")?,
        description: r.try_get("description")?,
        permissions,
        field_rules,
        builtin: r.try_get::<i64, _>("builtin")? != 0,
        created_at: rfc3339(r.try_get("created_at")?),
        updated_at: rfc3339(r.try_get("updated_at")?),
    })
}

/// The roles a user holds.
pub async fn of_user<'e, E>(db: E, practice: &Practice, user_id: &str) -> Result<Vec<Role>>
where
    E: Executor<'e, Database = Any>,
{
    let rows = sqlx::query(AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM roles WHERE practice_id = $1 AND id IN \
         (SELECT role_id FROM user_roles WHERE practice_id = $1 AND user_id = $2) ORDER BY name"
    )))
    .bind(practice.id())
    .bind(user_id)
    .fetch_all(db)
    .await?;
    rows.iter().map(from_row).collect()
}

pub async fn list_all<'e, E>(db: E, practice: &Practice) -> Result<Vec<Role>>
where
    E: Executor<'e, Database = Any>,
{
    let rows = sqlx::query(AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM roles WHERE practice_id = $1 ORDER BY name"
    )))
    .bind(practice.id())
    .fetch_all(db)
    .await?;
    rows.iter().map(from_row).collect()
}

pub async fn find<'e, E>(db: E, practice: &Practice, id: &str) -> Result<Option<Role>>
where
    E: Executor<'e, Database = Any>,
{
    let row = sqlx::query(AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM roles WHERE practice_id = $1 AND id = $2"
    )))
    .bind(practice.id())
    .bind(id)
    .fetch_optional(db)
    .await?;
    row.as_ref().map(from_row).transpose()
}

pub async fn find_by_name<'e, E>(db: E, practice: &Practice, name: &str) -> Result<Option<Role>>
where
    E: Executor<'e, Database = Any>,
{
    let row = sqlx::query(AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM roles WHERE practice_id = $1 AND name = $2"
    )))
    .bind(practice.id())
    .bind(name)
    .fetch_optional(db)
    .await?;
    row.as_ref().map(from_row).transpose()
}

/// A role's input, checked.
pub struct CheckedRole {
    pub name: String,
    pub description: String,
    pub permissions: Vec<String>,
    pub field_rules: FieldRules,
}

/// Checks a role's input: a name, valid permissions and field rules.
pub fn check(input: RoleInput) -> Result<CheckedRole> {
    let mut errors = FieldErrors::new();
    let name = text_field(&mut errors, "name", &input.name, true, 60);
    let description = text_field(&mut errors, "description", &input.description, false, 300);
    let mut perms: Vec<String> = input
        .permissions
        .iter()
        .map(|p| p.trim().to_string())
        .collect();
    perms.sort();
    perms.dedup();
    if perms.len() > 300 {
        errors.insert(
            "permissions".into(),
            "at most 300 permissions per role".into(),
        );
    }
    permissions::validate_permissions(&perms, &mut errors);
    permissions::validate_field_rules(&input.field_rules, &mut errors);
    AppError::check_fields(errors)?;
    Ok(CheckedRole {
        name,
        description,
        permissions: perms,
        field_rules: input.field_rules,
    })
}

/// Inserts a role; returns its id.
pub async fn insert<'e, E>(
    db: E,
    practice: &Practice,
    role: &CheckedRole,
    builtin: bool,
    now: i64,
) -> Result<String>
where
    E: Executor<'e, Database = Any>,
{
    let id = new_id();
    sqlx::query(
        "INSERT INTO roles (id, practice_id, name, description, permissions, field_rules, builtin, \
         version, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, 1, $8, $8)",
    )
    .bind(&id)
    .bind(practice.id())
    .bind(&role.name)
    .bind(&role.description)
    .bind(serde_json::to_string(&role.permissions).unwrap_or_default())
    .bind(serde_json::to_string(&role.field_rules).unwrap_or_default())
    .bind(i64::from(builtin))
    .bind(now)
    .execute(db)
    .await
    .map_err(|e| unique_violation(e, "name", "a role with this name exists"))?;
    Ok(id)
}

/// Creates the default roles of a new practice; returns the Administrator's id.
pub async fn insert_defaults(
    tx: &mut crate::db::Tx,
    practice: &Practice,
    now: i64,
) -> Result<String> {
    let mut admin = String::new();
    for (name, description, perms) in permissions::default_roles() {
        let role = CheckedRole {
            name: name.into(),
            description: description.into(),
            permissions: perms,
            field_rules: FieldRules::new(),
        };
        let id = insert(&mut **tx, practice, &role, true, now).await?;
        if name == "Administrator" {
            admin = id;
        }
    }
    Ok(admin)
}

/// The answer to a change based on a version someone else changed since.
pub fn stale(current: &Role) -> AppError {
    AppError::Conflict {
        message: format!(
            "this role was changed by someone else (now at version {}); review it and try again",
            current.version
        ),
        current: serde_json::to_value(current).ok(),
    }
}

/// Adds `permissions` to the practice's built-in Administrator role where
/// it lacks them (a module's own permissions, when the module is enabled:
/// the administrator holds "everything"). Returns the role's id and the
/// permissions added, if any were.
pub async fn grant_to_administrator(
    tx: &mut Tx,
    practice: &Practice,
    permissions: &[String],
    now: i64,
) -> Result<Option<(String, Vec<String>)>> {
    let row = sqlx::query(AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM roles WHERE practice_id = $1 AND builtin = 1 AND name = 'Administrator'"
    )))
    .bind(practice.id())
    .fetch_optional(&mut **tx)
    .await?;
    let Some(role) = row.as_ref().map(from_row).transpose()? else {
        return Ok(None);
    };
    let added: Vec<String> = permissions
        .iter()
        .filter(|p| !role.permissions.contains(p))
        .cloned()
        .collect();
    if added.is_empty() {
        return Ok(None);
    }
    let mut all = role.permissions.clone();
    all.extend(added.iter().cloned());
    sqlx::query(
        "UPDATE roles SET permissions = $3, version = version + 1, updated_at = $4 \
         WHERE practice_id = $1 AND id = $2",
    )
    .bind(practice.id())
    .bind(&role.id)
    .bind(serde_json::to_string(&all).unwrap_or_default())
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(Some((role.id, added)))
}

/// Replaces a role's name, description, permissions and field rules.
pub async fn replace(
    tx: &mut Tx,
    practice: &Practice,
    id: &str,
    role: &CheckedRole,
    now: i64,
) -> Result<()> {
    sqlx::query(
        "UPDATE roles SET name = $3, description = $4, permissions = $5, field_rules = $6, \
         version = version + 1, updated_at = $7 WHERE practice_id = $1 AND id = $2",
    )
    .bind(practice.id())
    .bind(id)
    .bind(&role.name)
    .bind(&role.description)
    .bind(serde_json::to_string(&role.permissions).unwrap_or_default())
    .bind(serde_json::to_string(&role.field_rules).unwrap_or_default())
    .bind(now)
    .execute(&mut **tx)
    .await
    .map_err(|e| unique_violation(e, "name", "a role with this name exists"))?;
    Ok(())
}

/// How many people hold the role.
pub async fn holders(tx: &mut Tx, practice: &Practice, id: &str) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "SELECT COUNT(*) FROM user_roles WHERE practice_id = $1 AND role_id = $2",
    )
    .bind(practice.id())
    .bind(id)
    .fetch_one(&mut **tx)
    .await?)
}

/// Deletes the role.
pub async fn remove(tx: &mut Tx, practice: &Practice, id: &str) -> Result<()> {
    sqlx::query("DELETE FROM roles WHERE practice_id = $1 AND id = $2")
        .bind(practice.id())
        .bind(id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}
