//! The practice's people as their colleagues see them: a name to show
//! beside a record and to pick from (a case's responsible person), without
//! needing `users.manage`.

use sqlx::{Any, Executor, Row};

use crate::error::Result;
use crate::practices::Practice;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Person {
    pub id: String,
    pub display_name: String,
    pub disabled: bool,
}

/// Everyone in the practice, by name.
pub async fn all<'e, E>(db: E, practice: &Practice) -> Result<Vec<Person>>
where
    E: Executor<'e, Database = Any>,
{
    let rows = sqlx::query(
        "SELECT id, display_name, disabled_at FROM users WHERE practice_id = $1 ORDER BY display_name, id",
    )
    .bind(practice.id())
    .fetch_all(db)
    .await?;
    rows.iter().map(person).collect()
}

/// A person from a row of `users`.
fn person(r: &sqlx::any::AnyRow) -> Result<Person> {
    Ok(Person {
        id: r.try_get("id")?,
        display_name: r.try_get("display_name")?,
        disabled: r.try_get::<Option<i64>, _>("disabled_at")?.is_some(),
    })
}

/// A person as a module sees them through the `directory` import: enough to
/// show, assign and write to them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Contact {
    pub id: String,
    pub email: String,
    pub display_name: String,
    pub time_zone: String,
    pub active: bool,
}

fn contact(r: &sqlx::any::AnyRow) -> Result<Contact> {
    Ok(Contact {
        id: r.try_get("id")?,
        email: r.try_get("email")?,
        display_name: r.try_get("display_name")?,
        time_zone: r.try_get("time_zone")?,
        active: r.try_get::<Option<i64>, _>("disabled_at")?.is_none(),
    })
}

/// One person of the practice, active or not.
pub async fn contact_of<'e, E>(db: E, practice: &Practice, id: &str) -> Result<Option<Contact>>
where
    E: Executor<'e, Database = Any>,
{
    let row = sqlx::query(
        "SELECT id, email, display_name, time_zone, disabled_at FROM users \
         WHERE practice_id = $1 AND id = $2",
    )
    .bind(practice.id())
    .bind(id)
    .fetch_optional(db)
    .await?;
    row.as_ref().map(contact).transpose()
}

/// The active people of the practice who hold `permission` through any of
/// their roles (wildcards such as `module:*` count), by name; at most `limit`.
pub async fn holding<'e, E>(
    db: E,
    practice: &Practice,
    permission: &str,
    limit: usize,
) -> Result<Vec<Contact>>
where
    E: Executor<'e, Database = Any>,
{
    let rows = sqlx::query(
        "SELECT u.id, u.email, u.display_name, u.time_zone, u.disabled_at, r.permissions \
         FROM users u JOIN user_roles ur ON ur.practice_id = u.practice_id AND ur.user_id = u.id \
         JOIN roles r ON r.practice_id = ur.practice_id AND r.id = ur.role_id \
         WHERE u.practice_id = $1 AND u.disabled_at IS NULL ORDER BY u.display_name, u.id",
    )
    .bind(practice.id())
    .fetch_all(db)
    .await?;
    let mut found: Vec<Contact> = Vec::new();
    for r in &rows {
        let held: std::collections::BTreeSet<String> =
            serde_json::from_str(&r.try_get::<String, _>("permissions")?).unwrap_or_default();
        let id: String = r.try_get("id")?;
        if crate::access::permissions::grants(&held, permission)
            && !found.iter().any(|c| c.id == id)
        {
            found.push(contact(r)?);
            if found.len() == limit {
                break;
            }
        }
    }
    Ok(found)
}
