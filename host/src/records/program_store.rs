//! Case programs in the database: each practice's list, the cases that use
//! each program, and the defaults a new practice starts with.

use sqlx::{Any, Executor, Row};

use super::program::{CaseProgram, DEFAULT_PROGRAMS};
use crate::clock::rfc3339;
use crate::db::Tx;
use crate::error::{Result, unique_violation};
use crate::practices::Practice;

/// Each program with how many cases use it (cases in the trash included:
/// they may come back).
const SELECT: &str = "SELECT p.program_key, p.label, p.active, p.version, p.created_at, p.updated_at, \
     (SELECT COUNT(*) FROM cases c WHERE c.practice_id = p.practice_id AND c.program = p.program_key) AS cases \
     FROM case_programs p WHERE p.practice_id = $1";

fn from_row(r: &sqlx::any::AnyRow) -> Result<CaseProgram> {
    Ok(CaseProgram {
        key: r.try_get("program_key")?,
        label: r.try_get("label")?,
        active: r.try_get::<i64, _>("active")? != 0,
        cases: r.try_get("cases")?,
        version: r.try_get("version")?,
        created_at: rfc3339(r.try_get("created_at")?),
        updated_at: rfc3339(r.try_get("updated_at")?),
    })
}

/// The practice's programs in the order they were added.
pub async fn list<'e, E>(db: E, practice: &Practice) -> Result<Vec<CaseProgram>>
where
    E: Executor<'e, Database = Any>,
{
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "{SELECT} ORDER BY p.position, p.program_key"
    )))
    .bind(practice.id())
    .fetch_all(db)
    .await?;
    rows.iter().map(from_row).collect()
}

pub async fn find<'e, E>(db: E, practice: &Practice, key: &str) -> Result<Option<CaseProgram>>
where
    E: Executor<'e, Database = Any>,
{
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "{SELECT} AND p.program_key = $2"
    )))
    .bind(practice.id())
    .bind(key)
    .fetch_optional(db)
    .await?;
    row.as_ref().map(from_row).transpose()
}

/// Adds a program at the end of the list; a key the practice has already
/// is a field error.
pub async fn insert(
    tx: &mut Tx,
    practice: &Practice,
    key: &str,
    label: &str,
    now: i64,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO case_programs (practice_id, program_key, label, active, position, version, created_at, \
         updated_at) VALUES ($1, $2, $3, 1, \
         (SELECT COALESCE(MAX(position), 0) + 1 FROM case_programs WHERE practice_id = $1), 1, $4, $4)",
    )
    .bind(practice.id())
    .bind(key)
    .bind(label)
    .bind(now)
    .execute(&mut **tx)
    .await
    .map_err(|e| unique_violation(e, "key", "this practice has a program with this key"))?;
    Ok(())
}

/// The programs every new practice starts with, all active.
pub async fn insert_defaults(tx: &mut Tx, practice: &Practice, now: i64) -> Result<()> {
    for (key, label) in DEFAULT_PROGRAMS {
        insert(tx, practice, key, label, now).await?;
    }
    Ok(())
}

/// Changes a program's label and state if it is still at `version`;
/// returns whether it was.
pub async fn update(
    tx: &mut Tx,
    practice: &Practice,
    key: &str,
    version: i64,
    label: &str,
    active: bool,
    now: i64,
) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE case_programs SET label = $4, active = $5, version = version + 1, updated_at = $6 \
         WHERE practice_id = $1 AND program_key = $2 AND version = $3",
    )
    .bind(practice.id())
    .bind(key)
    .bind(version)
    .bind(label)
    .bind(i64::from(active))
    .bind(now)
    .execute(&mut **tx)
    .await?
    .rows_affected();
    Ok(done == 1)
}

/// Removes a program no case uses (in the same statement, so a case opened
/// meanwhile keeps it); returns whether it was removed.
pub async fn delete_unused(tx: &mut Tx, practice: &Practice, key: &str) -> Result<bool> {
    let done = sqlx::query(
        "DELETE FROM case_programs WHERE practice_id = $1 AND program_key = $2 AND NOT EXISTS \
         (SELECT 1 FROM cases c WHERE c.practice_id = $1 AND c.program = $2)",
    )
    .bind(practice.id())
    .bind(key)
    .execute(&mut **tx)
    .await?
    .rows_affected();
    Ok(done == 1)
}
