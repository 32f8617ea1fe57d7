//! Applicants in the database. Every function takes the practice; the
//! contact and name-key rows that duplicate checks look up are rewritten
//! with every write, in the same transaction.

use sqlx::{Any, AssertSqlSafe, Executor, Row};

use super::applicant::{Applicant, ApplicantInput};
use crate::clock::rfc3339;
use crate::db::{Tx, new_id};
use crate::error::Result;
use crate::practices::Practice;
use immcase_matching as matching;

const COLUMNS: &str = "id, version, given_name, family_name, other_names, emails, phones, date_of_birth, \
    country_of_birth, citizenship, passport_number, passport_country, passport_expiry, address, \
    preferred_language, notes, created_at, updated_at";

fn list_of(row: &sqlx::any::AnyRow, column: &str) -> Result<Vec<String>> {
    Ok(serde_json::from_str(row.try_get::<&str, _>(column)?).unwrap_or_default())
}

fn from_row(r: &sqlx::any::AnyRow) -> Result<Applicant> {
    Ok(Applicant {
        id: r.try_get("id")?,
        version: r.try_get("version")?,
        given_name: r.try_get("given_name")?,
        family_name: r.try_get("family_name")?,
        other_names: list_of(r, "other_names")?,
        emails: list_of(r, "emails")?,
        phones: list_of(r, "phones")?,
        date_of_birth: r.try_get("date_of_birth")?,
        country_of_birth: r.try_get("country_of_birth")?,
        citizenship: r.try_get("citizenship")?,
        passport_number: r.try_get("passport_number")?,
        passport_country: r.try_get("passport_country")?,
        passport_expiry: r.try_get("passport_expiry")?,
        address: r.try_get("address")?,
        preferred_language: r.try_get("preferred_language")?,
        notes: r.try_get("notes")?,
        created_at: rfc3339(r.try_get("created_at")?),
        updated_at: rfc3339(r.try_get("updated_at")?),
    })
}

fn json_list(values: &[String]) -> String {
    serde_json::to_string(values).unwrap_or_else(|_| "[]".into())
}

type AnyQuery<'q> = sqlx::query::Query<'q, Any, sqlx::any::AnyArguments>;

/// Binds an applicant's stored fields in column order: given_name,
/// family_name, other_names, emails, phones, date_of_birth,
/// country_of_birth, citizenship, passport_number, passport_key,
/// passport_country, passport_expiry, address, preferred_language, notes.
fn bind_fields<'q>(query: AnyQuery<'q>, input: &ApplicantInput) -> AnyQuery<'q> {
    query
        .bind(input.given_name.clone())
        .bind(input.family_name.clone())
        .bind(json_list(&input.other_names))
        .bind(json_list(&input.emails))
        .bind(json_list(&input.phones))
        .bind(input.date_of_birth.clone())
        .bind(input.country_of_birth.clone())
        .bind(input.citizenship.clone())
        .bind(input.passport_number.clone())
        .bind(
            input
                .passport_number
                .as_deref()
                .map(matching::normalize_passport),
        )
        .bind(input.passport_country.clone())
        .bind(input.passport_expiry.clone())
        .bind(input.address.clone())
        .bind(input.preferred_language.clone())
        .bind(input.notes.clone())
}

/// An applicant that is not in the trash.
pub async fn find<'e, E>(db: E, practice: &Practice, id: &str) -> Result<Option<Applicant>>
where
    E: Executor<'e, Database = Any>,
{
    let row = sqlx::query(AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM applicants WHERE practice_id = $1 AND id = $2 AND deleted_at IS NULL"
    )))
    .bind(practice.id())
    .bind(id)
    .fetch_optional(db)
    .await?;
    row.as_ref().map(from_row).transpose()
}

/// Applicants by id (those not in the trash), in no particular order.
pub async fn find_many(
    conn: &mut sqlx::AnyConnection,
    practice: &Practice,
    ids: &[String],
) -> Result<Vec<Applicant>> {
    let select =
        format!("SELECT {COLUMNS} FROM applicants WHERE practice_id = $1 AND deleted_at IS NULL");
    let rows = crate::db::rows_with_ids(conn, &select, practice.id(), ids).await?;
    rows.iter().map(from_row).collect()
}

/// Up to `limit` applicants not in the trash, by id after `after` (for
/// rebuilding the search index in batches).
pub async fn in_id_order(
    db: &sqlx::AnyPool,
    practice: &Practice,
    after: Option<&str>,
    limit: i64,
) -> Result<Vec<Applicant>> {
    // `id > $2` only when there is one: an `OR` would keep the index from
    // starting there, and each page would read all those before it.
    let (range, limit_at) = crate::db::after_id(after);
    let query = sqlx::query(AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM applicants WHERE practice_id = $1 AND deleted_at IS NULL \
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

/// Applicants (not in the trash) with a normalised `email`, oldest first,
/// at most `limit`.
pub async fn find_by_email<'e, E>(
    db: E,
    practice: &Practice,
    email: &str,
    limit: i64,
) -> Result<Vec<Applicant>>
where
    E: Executor<'e, Database = Any>,
{
    let rows = sqlx::query(AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM applicants WHERE practice_id = $1 AND deleted_at IS NULL AND id IN \
         (SELECT applicant_id FROM applicant_contacts WHERE practice_id = $1 AND kind = 'email' AND value = $2) \
         ORDER BY id LIMIT $3"
    )))
    .bind(practice.id())
    .bind(email)
    .bind(limit)
    .fetch_all(db)
    .await?;
    rows.iter().map(from_row).collect()
}

/// A page of applicants, newest first (ids sort by creation time).
pub async fn page<'e, E>(
    db: E,
    practice: &Practice,
    filter: &Filter<'_>,
    limit: i64,
) -> Result<Vec<Applicant>>
where
    E: Executor<'e, Database = Any>,
{
    let (after, order) = match filter.order {
        Order::Newest => ("(CAST($3 AS TEXT) IS NULL OR id < $3)", "id DESC"),
        Order::Oldest => ("(CAST($3 AS TEXT) IS NULL OR id > $3)", "id ASC"),
        Order::Updated => (
            "(CAST($3 AS TEXT) IS NULL OR updated_at < $4 OR (updated_at = $4 AND id < $3))",
            "updated_at DESC, id DESC",
        ),
    };
    let (after_id, after_at) = match filter.after {
        Some((id, at)) => (Some(id), at),
        None => (None, 0),
    };
    let cases = match filter.cases {
        Some(Cases::Open) => "open",
        Some(Cases::None) => "none",
        None => "",
    };
    let rows = sqlx::query(AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM applicants WHERE practice_id = $1 AND deleted_at IS NULL \
         AND ($2 = '' \
              OR ($2 = 'open' AND EXISTS (SELECT 1 FROM cases c WHERE c.practice_id = applicants.practice_id \
                  AND c.applicant_id = applicants.id AND c.deleted_at IS NULL AND c.stage <> 'closed')) \
              OR ($2 = 'none' AND NOT EXISTS (SELECT 1 FROM cases c WHERE c.practice_id = applicants.practice_id \
                  AND c.applicant_id = applicants.id AND c.deleted_at IS NULL))) \
         AND {after} ORDER BY {order} LIMIT $5"
    )))
    .bind(practice.id())
    .bind(cases)
    .bind(after_id)
    .bind(after_at)
    .bind(limit)
    .fetch_all(db)
    .await?;
    rows.iter().map(from_row).collect()
}

/// How a list of applicants is narrowed and ordered.
#[derive(Clone, Debug, Default)]
pub struct Filter<'a> {
    pub cases: Option<Cases>,
    pub order: Order,
    /// After this applicant of the previous page (its id, and its
    /// `updated_at` for [`Order::Updated`]).
    pub after: Option<(&'a str, i64)>,
}

/// Applicants by their cases.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cases {
    /// With a case that is not closed.
    Open,
    /// With no case.
    None,
}

pub use super::case_store::Order;

/// Stores a new applicant (checked input) and returns it.
pub async fn insert(
    tx: &mut Tx,
    practice: &Practice,
    input: &ApplicantInput,
    created_by: &str,
    now: i64,
) -> Result<Applicant> {
    let id = new_id();
    let query = sqlx::query(
        "INSERT INTO applicants (id, practice_id, version, given_name, family_name, other_names, emails, \
         phones, date_of_birth, country_of_birth, citizenship, passport_number, passport_key, \
         passport_country, passport_expiry, address, preferred_language, notes, created_by, created_at, \
         updated_at) VALUES ($1, $2, 1, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, \
         $18, $19, $19)",
    )
    .bind(&id)
    .bind(practice.id());
    bind_fields(query, input)
        .bind(created_by)
        .bind(now)
        .execute(&mut **tx)
        .await?;
    write_lookups(tx, practice, &id, input).await?;
    Ok(find(&mut **tx, practice, &id)
        .await?
        .ok_or_else(|| anyhow::anyhow!("a stored applicant was not found"))?)
}

/// Replaces an applicant's fields if it is still at `version`; returns
/// whether it was (a stale version changes nothing).
pub async fn update(
    tx: &mut Tx,
    practice: &Practice,
    id: &str,
    version: i64,
    input: &ApplicantInput,
    now: i64,
) -> Result<bool> {
    let query = sqlx::query(
        "UPDATE applicants SET version = version + 1, given_name = $4, family_name = $5, other_names = $6, \
         emails = $7, phones = $8, date_of_birth = $9, country_of_birth = $10, citizenship = $11, \
         passport_number = $12, passport_key = $13, passport_country = $14, passport_expiry = $15, \
         address = $16, preferred_language = $17, notes = $18, updated_at = $19 \
         WHERE practice_id = $1 AND id = $2 AND version = $3 AND deleted_at IS NULL",
    )
    .bind(practice.id())
    .bind(id)
    .bind(version);
    let done = bind_fields(query, input)
        .bind(now)
        .execute(&mut **tx)
        .await?
        .rows_affected();
    if done == 1 {
        write_lookups(tx, practice, id, input).await?;
    }
    Ok(done == 1)
}

/// Rewrites the rows duplicate checks look up: contacts and name keys.
async fn write_lookups(
    tx: &mut Tx,
    practice: &Practice,
    id: &str,
    input: &ApplicantInput,
) -> Result<()> {
    for table in ["applicant_contacts", "applicant_name_keys"] {
        sqlx::query(AssertSqlSafe(format!(
            "DELETE FROM {table} WHERE practice_id = $1 AND applicant_id = $2"
        )))
        .bind(practice.id())
        .bind(id)
        .execute(&mut **tx)
        .await?;
    }
    let contacts = input
        .emails
        .iter()
        .map(|e| ("email", e))
        .chain(input.phones.iter().map(|p| ("phone", p)));
    for (kind, value) in contacts {
        sqlx::query(
            "INSERT INTO applicant_contacts (practice_id, applicant_id, kind, value) VALUES ($1, $2, $3, $4)",
        )
        .bind(practice.id())
        .bind(id)
        .bind(kind)
        .bind(value)
        .execute(&mut **tx)
        .await?;
    }
    let tokens = matching::name_tokens(&input.given_name, &input.family_name, &input.other_names);
    // A name has a dozen keys or so: one statement for them all.
    let keys = matching::name_keys(&tokens);
    for chunk in keys.chunks(crate::db::IN_LIST) {
        let sql = format!(
            "INSERT INTO applicant_name_keys (practice_id, applicant_id, name_key) VALUES {}",
            crate::db::value_rows(chunk.len(), 3)
        );
        let mut insert = sqlx::query(AssertSqlSafe(sql));
        for key in chunk {
            insert = insert.bind(practice.id()).bind(id).bind(key.as_str());
        }
        insert.execute(&mut **tx).await?;
    }
    Ok(())
}

/// Ids of applicants that may be duplicates of `probe`: sharing an email, a
/// phone, a passport number or a name key. At most `limit`.
pub async fn possible_duplicates(
    tx: &mut Tx,
    practice: &Practice,
    probe: &matching::Probe,
    limit: usize,
) -> Result<Vec<String>> {
    let mut ids: Vec<String> = Vec::new();
    let mut add = |found: Vec<String>| {
        for id in found {
            if !ids.contains(&id) {
                ids.push(id);
            }
        }
    };
    let contacts: Vec<(&str, &String)> = probe
        .emails
        .iter()
        .map(|e| ("email", e))
        .chain(probe.phones.iter().map(|p| ("phone", p)))
        .collect();
    for (kind, value) in contacts {
        add(sqlx::query_scalar(
            "SELECT applicant_id FROM applicant_contacts WHERE practice_id = $1 AND kind = $2 AND value = $3",
        )
        .bind(practice.id())
        .bind(kind)
        .bind(value)
        .fetch_all(&mut **tx)
        .await?);
    }
    if let Some(passport) = probe
        .passport_number
        .as_deref()
        .map(matching::normalize_passport)
        && !passport.is_empty()
    {
        add(sqlx::query_scalar(
            "SELECT id FROM applicants WHERE practice_id = $1 AND passport_key = $2 AND deleted_at IS NULL",
        )
        .bind(practice.id())
        .bind(passport)
        .fetch_all(&mut **tx)
        .await?);
    }
    let tokens = matching::name_tokens(&probe.given_name, &probe.family_name, &probe.other_names);
    let keys = matching::name_keys(&tokens);
    for chunk in keys.chunks(100) {
        let sql = format!(
            "SELECT DISTINCT applicant_id FROM applicant_name_keys WHERE practice_id = $1 \
             AND name_key IN ({}) LIMIT $2",
            crate::db::marks(3, chunk.len())
        );
        let mut query = sqlx::query_scalar(AssertSqlSafe(sql))
            .bind(practice.id())
            .bind(i64::try_from(limit).unwrap_or(i64::MAX));
        for key in chunk {
            query = query.bind(key);
        }
        add(query.fetch_all(&mut **tx).await?);
    }
    ids.truncate(limit);
    Ok(ids)
}
