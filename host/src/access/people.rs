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
    Ok(rows
        .iter()
        .map(|r| Person {
            id: r.get("id"),
            display_name: r.get("display_name"),
            disabled: r.get::<Option<i64>, _>("disabled_at").is_some(),
        })
        .collect())
}
