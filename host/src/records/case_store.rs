//! Cases in the database, and the per-practice folio counter.

use sqlx::{Any, AssertSqlSafe, Executor, Row};

use super::case::{Case, CaseInput, folio};
use crate::clock::rfc3339;
use crate::db::{Tx, new_id};
use crate::error::Result;
use crate::practices::Practice;

const COLUMNS: &str = "id, version, folio, applicant_id, program, stage, responsible_user_id, opened_on, \
    submitted_on, decision_on, closing_date, outcome, created_at, updated_at";

fn from_row(r: &sqlx::any::AnyRow) -> Result<Case> {
    Ok(Case {
        id: r.try_get("id")?,
        version: r.try_get("version")?,
        folio: r.try_get("folio")?,
        applicant_id: r.try_get("applicant_id")?,
        program: r.try_get("program")?,
        stage: r.try_get("stage")?,
        responsible_user_id: r.try_get("responsible_user_id")?,
        opened_on: r.try_get("opened_on")?,
        submitted_on: r.try_get("submitted_on")?,
        decision_on: r.try_get("decision_on")?,
        closing_date: r.try_get("closing_date")?,
        outcome: r.try_get("outcome")?,
        created_at: rfc3339(r.try_get("created_at")?),
        updated_at: rfc3339(r.try_get("updated_at")?),
    })
}

/// The next number of a practice's counter, taken in `tx`: the counter row
/// is locked until the transaction ends, so two transactions never get the
/// same number, and a rolled-back one gives its number back (no gaps).
pub async fn next_number(tx: &mut Tx, practice: &Practice, counter: &str) -> Result<i64> {
    sqlx::query(
        "INSERT INTO folio_counters (practice_id, name, last_number) VALUES ($1, $2, 0) \
         ON CONFLICT (practice_id, name) DO NOTHING",
    )
    .bind(practice.id())
    .bind(counter)
    .execute(&mut **tx)
    .await?;
    Ok(sqlx::query_scalar(
        "UPDATE folio_counters SET last_number = last_number + 1 WHERE practice_id = $1 AND name = $2 \
         RETURNING last_number",
    )
    .bind(practice.id())
    .bind(counter)
    .fetch_one(&mut **tx)
    .await?)
}

pub async fn find<'e, E>(db: E, practice: &Practice, id: &str) -> Result<Option<Case>>
where
    E: Executor<'e, Database = Any>,
{
    let row = sqlx::query(AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM cases WHERE practice_id = $1 AND id = $2 AND deleted_at IS NULL"
    )))
    .bind(practice.id())
    .bind(id)
    .fetch_optional(db)
    .await?;
    row.as_ref().map(from_row).transpose()
}

/// Cases by id (those not in the trash), in no particular order.
pub async fn find_many(
    conn: &mut sqlx::AnyConnection,
    practice: &Practice,
    ids: &[String],
) -> Result<Vec<Case>> {
    let select =
        format!("SELECT {COLUMNS} FROM cases WHERE practice_id = $1 AND deleted_at IS NULL");
    let rows = crate::db::rows_with_ids(conn, &select, practice.id(), ids).await?;
    rows.iter().map(from_row).collect()
}

/// Up to `limit` cases not in the trash, by id after `after` (for
/// rebuilding the search index in batches).
pub async fn in_id_order(
    db: &sqlx::AnyPool,
    practice: &Practice,
    after: Option<&str>,
    limit: i64,
) -> Result<Vec<Case>> {
    let (range, limit_at) = crate::db::after_id(after);
    let query = sqlx::query(AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM cases WHERE practice_id = $1 AND deleted_at IS NULL \
         {range} ORDER BY id LIMIT {limit_at}"
    )))
    .bind(practice.id());
    let query = match after {
        Some(after) => query.bind(after),
        None => query,
    };
    let rows = query.bind(limit).fetch_all(db).await?;
    rows.iter().map(from_row).collect()
}

/// The case of the practice with the folio number `number`, unless it is
/// in the trash.
pub async fn find_by_folio<'e, E>(db: E, practice: &Practice, number: i64) -> Result<Option<Case>>
where
    E: Executor<'e, Database = Any>,
{
    let row = sqlx::query(AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM cases WHERE practice_id = $1 AND folio_number = $2 \
         AND deleted_at IS NULL"
    )))
    .bind(practice.id())
    .bind(number)
    .fetch_optional(db)
    .await?;
    row.as_ref().map(from_row).transpose()
}

/// How a list of cases is narrowed and ordered. `None` is no condition.
#[derive(Clone, Debug, Default)]
pub struct Filter<'a> {
    pub applicant_id: Option<&'a str>,
    pub stage: Option<&'a str>,
    /// Only open cases (`Some(false)`) or closed ones (`Some(true)`).
    pub closed: Option<bool>,
    pub program: Option<&'a str>,
    /// A user id; empty for cases nobody is responsible for.
    pub responsible: Option<&'a str>,
    pub order: Order,
    /// After this case of the previous page (its id, and its `updated_at`
    /// for [`Order::Updated`]).
    pub after: Option<(&'a str, i64)>,
}

/// The order of a list of records (cases, applicants).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Order {
    #[default]
    Newest,
    Oldest,
    /// Most recently changed first.
    Updated,
}

impl Order {
    /// The order a list's `sort` asks for (`newest`, `oldest`, `updated`),
    /// and where its `cursor` says the page starts; mistakes named in
    /// `errors`.
    pub fn of<'a>(
        sort: Option<&str>,
        cursor: Option<&'a str>,
        errors: &mut crate::error::FieldErrors,
    ) -> (Order, Option<(&'a str, i64)>) {
        let order = match sort {
            None | Some("newest") => Order::Newest,
            Some("oldest") => Order::Oldest,
            Some("updated") => Order::Updated,
            Some(_) => {
                errors.insert("sort".into(), "newest, oldest or updated".into());
                Order::Newest
            }
        };
        let wrong = |errors: &mut crate::error::FieldErrors| {
            errors.insert("cursor".into(), "not a cursor of this list".into());
            None
        };
        let after = match (cursor, order) {
            (None, _) => None,
            (Some(cursor), Order::Updated) => match cursor.split_once('.') {
                Some((at, id)) => match at.parse::<i64>() {
                    Ok(at) => Some((id, at)),
                    Err(_) => wrong(errors),
                },
                None => wrong(errors),
            },
            (Some(cursor), _) => Some((cursor, 0)),
        };
        (order, after)
    }

    /// The cursor of the page after the record `id` changed at `updated_at`
    /// (RFC 3339).
    pub fn cursor_after(self, id: &str, updated_at: &str) -> String {
        match self {
            Order::Updated => {
                let at = updated_at
                    .parse::<jiff::Timestamp>()
                    .map(|t| t.as_millisecond());
                format!("{}.{id}", at.unwrap_or(0))
            }
            _ => id.to_owned(),
        }
    }
}

/// A page of the practice's cases, narrowed by `filter`, at most `limit`.
pub async fn list<'e, E>(
    db: E,
    practice: &Practice,
    filter: &Filter<'_>,
    limit: i64,
) -> Result<Vec<Case>>
where
    E: Executor<'e, Database = Any>,
{
    let (after, order) = match filter.order {
        Order::Newest => ("(CAST($7 AS TEXT) IS NULL OR id < $7)", "id DESC"),
        Order::Oldest => ("(CAST($7 AS TEXT) IS NULL OR id > $7)", "id ASC"),
        Order::Updated => (
            "(CAST($7 AS TEXT) IS NULL OR updated_at < $8 OR (updated_at = $8 AND id < $7))",
            "updated_at DESC, id DESC",
        ),
    };
    let closed = filter.closed.map(|c| if c { "closed" } else { "open" });
    let (after_id, after_at) = match filter.after {
        Some((id, at)) => (Some(id), at),
        None => (None, 0),
    };
    let rows = sqlx::query(AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM cases WHERE practice_id = $1 AND deleted_at IS NULL \
         AND (CAST($2 AS TEXT) IS NULL OR applicant_id = $2) \
         AND (CAST($3 AS TEXT) IS NULL OR stage = $3) \
         AND (CAST($4 AS TEXT) IS NULL OR ($4 = 'closed' AND stage = 'closed') OR ($4 = 'open' AND stage <> 'closed')) \
         AND (CAST($5 AS TEXT) IS NULL OR program = $5) \
         AND (CAST($6 AS TEXT) IS NULL OR ($6 = '' AND responsible_user_id IS NULL) OR responsible_user_id = $6) \
         AND {after} ORDER BY {order} LIMIT $9"
    )))
    .bind(practice.id())
    .bind(filter.applicant_id)
    .bind(filter.stage)
    .bind(closed)
    .bind(filter.program)
    .bind(filter.responsible)
    .bind(after_id)
    .bind(after_at)
    .bind(limit)
    .fetch_all(db)
    .await?;
    rows.iter().map(from_row).collect()
}

/// Stores a new case with the next folio and returns it.
pub async fn insert(tx: &mut Tx, practice: &Practice, input: &CaseInput, now: i64) -> Result<Case> {
    let id = new_id();
    let number = next_number(tx, practice, "case").await?;
    sqlx::query(
        "INSERT INTO cases (id, practice_id, version, folio_number, folio, applicant_id, program, stage, \
         responsible_user_id, opened_on, submitted_on, decision_on, closing_date, outcome, created_at, \
         updated_at) VALUES ($1, $2, 1, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $14)",
    )
    .bind(&id)
    .bind(practice.id())
    .bind(number)
    .bind(folio(number))
    .bind(&input.applicant_id)
    .bind(&input.program)
    .bind(input.stage.as_deref().unwrap_or("intake"))
    .bind(&input.responsible_user_id)
    .bind(&input.opened_on)
    .bind(&input.submitted_on)
    .bind(&input.decision_on)
    .bind(&input.closing_date)
    .bind(&input.outcome)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(find(&mut **tx, practice, &id)
        .await?
        .ok_or_else(|| anyhow::anyhow!("a stored case was not found"))?)
}

/// Replaces a case's fields if it is still at `version`.
pub async fn update(
    tx: &mut Tx,
    practice: &Practice,
    id: &str,
    version: i64,
    input: &CaseInput,
    now: i64,
) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE cases SET version = version + 1, applicant_id = $4, program = $5, stage = $6, \
         responsible_user_id = $7, opened_on = $8, submitted_on = $9, decision_on = $10, closing_date = $11, \
         outcome = $12, updated_at = $13 WHERE practice_id = $1 AND id = $2 AND version = $3 AND deleted_at IS NULL",
    )
    .bind(practice.id())
    .bind(id)
    .bind(version)
    .bind(&input.applicant_id)
    .bind(&input.program)
    .bind(input.stage.as_deref().unwrap_or("intake"))
    .bind(&input.responsible_user_id)
    .bind(&input.opened_on)
    .bind(&input.submitted_on)
    .bind(&input.decision_on)
    .bind(&input.closing_date)
    .bind(&input.outcome)
    .bind(now)
    .execute(&mut **tx)
    .await?
    .rows_affected();
    Ok(done == 1)
}
