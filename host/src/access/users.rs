//! The practice's people: accounts and their roles in the database, and the
//! checks a new or changed account passes. (The routes that manage them are
//! in `team`.)

use serde::Serialize;
use sqlx::{Any, AssertSqlSafe, Executor};
use utoipa::ToSchema;

use crate::clock::rfc3339;
use crate::db::{Tx, new_id};
use crate::error::{AppError, FieldErrors, Result, unique_violation};
use crate::practices::Practice;

/// A user as the API shows it.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct User {
    pub id: String,
    pub version: i64,
    pub email: String,
    pub display_name: String,
    /// Role ids.
    pub roles: Vec<String>,
    pub disabled: bool,
    /// Invited and not yet signed up: no password set (through the
    /// invitation's link) so far.
    pub invited: bool,
    /// IANA time zone, e.g. `America/Toronto`.
    pub time_zone: String,
    /// Added below the emails the user writes from ImmCase.
    pub email_signature: String,
    pub created_at: String,
    pub updated_at: String,
}

/// A user as stored.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Account {
    pub id: String,
    pub version: i64,
    pub email: String,
    pub display_name: String,
    pub password_hash: Option<String>,
    pub time_zone: String,
    pub email_signature: String,
    pub disabled_at: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
}

const COLUMNS: &str = "id, version, email, display_name, password_hash, time_zone, email_signature, \
     disabled_at, created_at, updated_at";

/// Emails are compared trimmed and lowercased.
pub fn normalize_email(email: &str) -> String {
    email.trim().to_lowercase()
}

pub async fn find_by_email<'e, E>(
    db: E,
    practice: &Practice,
    email: &str,
) -> Result<Option<Account>>
where
    E: Executor<'e, Database = Any>,
{
    Ok(sqlx::query_as(AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM users WHERE practice_id = $1 AND email = $2"
    )))
    .bind(practice.id())
    .bind(normalize_email(email))
    .fetch_optional(db)
    .await?)
}

pub async fn find<'e, E>(db: E, practice: &Practice, id: &str) -> Result<Option<Account>>
where
    E: Executor<'e, Database = Any>,
{
    Ok(sqlx::query_as(AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM users WHERE practice_id = $1 AND id = $2"
    )))
    .bind(practice.id())
    .bind(id)
    .fetch_optional(db)
    .await?)
}

pub async fn role_ids<'e, E>(db: E, practice: &Practice, user_id: &str) -> Result<Vec<String>>
where
    E: Executor<'e, Database = Any>,
{
    Ok(sqlx::query_scalar(
        "SELECT role_id FROM user_roles WHERE practice_id = $1 AND user_id = $2 ORDER BY role_id",
    )
    .bind(practice.id())
    .bind(user_id)
    .fetch_all(db)
    .await?)
}

pub async fn view(tx: &mut Tx, practice: &Practice, account: Account) -> Result<User> {
    let roles = role_ids(&mut **tx, practice, &account.id).await?;
    Ok(to_view(account, roles))
}

fn to_view(a: Account, roles: Vec<String>) -> User {
    User {
        id: a.id,
        version: a.version,
        email: a.email,
        display_name: a.display_name,
        roles,
        disabled: a.disabled_at.is_some(),
        invited: a.password_hash.is_none(),
        time_zone: a.time_zone,
        email_signature: a.email_signature,
        created_at: rfc3339(a.created_at),
        updated_at: rfc3339(a.updated_at),
    }
}

pub struct NewAccount<'a> {
    pub email: &'a str,
    pub display_name: &'a str,
    pub time_zone: &'a str,
    pub password_hash: Option<String>,
    pub role_ids: &'a [String],
}

pub async fn insert(
    tx: &mut Tx,
    practice: &Practice,
    new: NewAccount<'_>,
    now: i64,
) -> Result<Account> {
    let id = new_id();
    sqlx::query(
        "INSERT INTO users (id, practice_id, email, display_name, password_hash, time_zone, \
         version, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, 1, $7, $7)",
    )
    .bind(&id)
    .bind(practice.id())
    .bind(normalize_email(new.email))
    .bind(new.display_name)
    .bind(new.password_hash)
    .bind(new.time_zone)
    .bind(now)
    .execute(&mut **tx)
    .await
    .map_err(|e| unique_violation(e, "email", "a user with this email exists in this practice"))?;
    set_roles(tx, practice, &id, new.role_ids).await?;
    find(&mut **tx, practice, &id)
        .await?
        .ok_or(AppError::NotFound("user"))
}

pub(crate) async fn set_roles(
    tx: &mut Tx,
    practice: &Practice,
    user_id: &str,
    role_ids: &[String],
) -> Result<()> {
    sqlx::query("DELETE FROM user_roles WHERE practice_id = $1 AND user_id = $2")
        .bind(practice.id())
        .bind(user_id)
        .execute(&mut **tx)
        .await?;
    for role_id in role_ids {
        sqlx::query("INSERT INTO user_roles (practice_id, user_id, role_id) VALUES ($1, $2, $3)")
            .bind(practice.id())
            .bind(user_id)
            .bind(role_id)
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

pub async fn set_password_hash<'e, E>(
    db: E,
    practice: &Practice,
    user_id: &str,
    hash: &str,
    now: i64,
) -> Result<()>
where
    E: Executor<'e, Database = Any>,
{
    sqlx::query(
        "UPDATE users SET password_hash = $3, updated_at = $4, version = version + 1 \
         WHERE practice_id = $1 AND id = $2",
    )
    .bind(practice.id())
    .bind(user_id)
    .bind(hash)
    .bind(now)
    .execute(db)
    .await?;
    Ok(())
}

/// What a person may change of their own account.
pub struct ProfileChange<'a> {
    pub display_name: Option<&'a str>,
    pub time_zone: Option<&'a str>,
    pub email_signature: Option<&'a str>,
}

pub async fn update_profile(
    tx: &mut Tx,
    practice: &Practice,
    user_id: &str,
    change: ProfileChange<'_>,
    now: i64,
) -> Result<()> {
    sqlx::query(
        "UPDATE users SET display_name = COALESCE($3, display_name), time_zone = COALESCE($4, time_zone), \
         email_signature = COALESCE($5, email_signature), version = version + 1, updated_at = $6 \
         WHERE practice_id = $1 AND id = $2",
    )
    .bind(practice.id())
    .bind(user_id)
    .bind(change.display_name)
    .bind(change.time_zone)
    .bind(change.email_signature)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Checks an email address for a new account.
pub fn check_email(errors: &mut FieldErrors, email: &str) -> String {
    let email = normalize_email(email);
    if email.is_empty() {
        errors.insert("email".into(), "required".into());
    } else if email.len() > 254 || email.parse::<lettre::Address>().is_err() {
        errors.insert("email".into(), "not an email address".into());
    }
    email
}

/// Checks an IANA time zone name.
pub fn check_time_zone(errors: &mut FieldErrors, tz: &str) -> String {
    let tz = tz.trim();
    if jiff::tz::TimeZone::get(tz).is_err() {
        errors.insert(
            "time_zone".into(),
            format!("not a time zone name like America/Toronto: {tz:?}"),
        );
    }
    tz.to_string()
}

/// Checks that every role id names a role of the practice.
pub(crate) async fn check_roles(
    tx: &mut Tx,
    practice: &Practice,
    errors: &mut FieldErrors,
    roles: &[String],
) -> Result<Vec<String>> {
    let mut roles: Vec<String> = roles.to_vec();
    roles.sort();
    roles.dedup();
    let mut unknown = Vec::new();
    for id in &roles {
        if super::roles::find(&mut **tx, practice, id).await?.is_none() {
            unknown.push(id.as_str());
        }
    }
    if !unknown.is_empty() {
        errors.insert(
            "roles".into(),
            format!("no such role: {}", unknown.join(", ")),
        );
    }
    Ok(roles)
}

pub use crate::practices::DEFAULT_TIME_ZONE;

/// Up to `limit` accounts of the practice after the id `after`, by id.
pub async fn page(
    tx: &mut Tx,
    practice: &Practice,
    after: &str,
    limit: i64,
) -> Result<Vec<Account>> {
    Ok(sqlx::query_as(AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM users WHERE practice_id = $1 AND id > $2 ORDER BY id LIMIT $3"
    )))
    .bind(practice.id())
    .bind(after)
    .bind(limit)
    .fetch_all(&mut **tx)
    .await?)
}
