//! Applicants and cases in the audit log: the entries of their creation,
//! changes, deletion and restoring, and their names for reading it.
//!
//! An entry names the record as it was then (an applicant's name, a case's
//! folio) and, for a change, which fields changed, never their values: the
//! log outlives a purged record and must not keep its data. Reading the
//! log, the names are looked up for a whole page at once, records in the
//! trash included; a purged record keeps the name its entries stored.

use std::collections::HashMap;

use serde_json::{Value, json};
use sqlx::Row;

use super::Owner;
use super::applicant::Applicant;
use super::case::{Case, folio_number};
use crate::access::Caller;
use crate::audit::{self, About, Entry};
use crate::db::Tx;
use crate::error::Result;
use crate::practices::Practice;

/// An applicant's name as the log shows it.
pub fn applicant_label(a: &Applicant) -> String {
    format!("{} {}", a.given_name, a.family_name)
        .trim()
        .to_string()
}

/// What the log says about a record in `details`: its name or folio, plus
/// `extra` (an object).
fn with_label(key: &str, label: &str, extra: Value) -> Value {
    let mut details = match extra {
        Value::Object(map) => map,
        _ => serde_json::Map::new(),
    };
    details.insert(key.to_string(), json!(label));
    Value::Object(details)
}

/// Writes the entry of `action` (`applicant.created`, `applicant.updated`,
/// ...) on an applicant, in the transaction of the change.
pub async fn applicant(
    tx: &mut Tx,
    caller: &Caller,
    action: &str,
    a: &Applicant,
    extra: Value,
    now: i64,
) -> Result<()> {
    let details = with_label("applicant", &applicant_label(a), extra);
    let entry = Entry::by(caller, action, format!("applicant:{}", a.id), details);
    audit::record_about(
        &mut **tx,
        &caller.practice,
        now,
        entry,
        &About::applicant(&a.id),
    )
    .await
}

/// Writes the entry of `action` (`case.created`, ...) on a case, in the
/// transaction of the change.
pub async fn case(
    tx: &mut Tx,
    caller: &Caller,
    action: &str,
    c: &Case,
    extra: Value,
    now: i64,
) -> Result<()> {
    let details = with_label("case", &c.folio, extra);
    let entry = Entry::by(caller, action, format!("case:{}", c.id), details);
    let about = About::case(Some(&c.applicant_id), &c.id);
    audit::record_about(&mut **tx, &caller.practice, now, entry, &about).await
}

/// The fields of a change as an entry lists them.
pub fn fields(changes: &[(String, Value, Value)]) -> Value {
    json!({ "fields": changes.iter().map(|(f, _, _)| f).collect::<Vec<_>>() })
}

/// Whose data a file of `owner` is, and the owner's name in `details`.
pub fn owner_of_file(owner: &Owner) -> (About, (&'static str, String)) {
    let about = match owner.kind {
        "case" => About::case(owner.applicant_id.as_deref(), &owner.id),
        _ => About::applicant(&owner.id),
    };
    (about, (owner.kind, owner.label.clone()))
}

/// A record as the log names it now.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Named {
    /// The applicant's name or the case's folio.
    pub label: String,
    pub in_trash: bool,
}

/// The names of applicants and cases, by id.
#[derive(Debug, Default)]
pub struct Names {
    pub applicants: HashMap<String, Named>,
    pub cases: HashMap<String, Named>,
}

/// The names of the applicants and cases of `ids` still in the database
/// (in the trash too), in one query per kind and hundred ids.
pub async fn names(
    conn: &mut sqlx::AnyConnection,
    practice: &Practice,
    applicant_ids: &[String],
    case_ids: &[String],
) -> Result<Names> {
    let mut names = Names::default();
    let lookups = [
        (
            "given_name || ' ' || family_name",
            "applicants",
            applicant_ids,
        ),
        ("folio", "cases", case_ids),
    ];
    for (label, table, ids) in lookups {
        let select =
            format!("SELECT id, {label} AS label, deleted_at FROM {table} WHERE practice_id = $1");
        for row in crate::db::rows_with_ids(conn, &select, practice.id(), ids).await? {
            let named = Named {
                label: row.try_get::<String, _>("label")?.trim().to_string(),
                in_trash: row.try_get::<Option<i64>, _>("deleted_at")?.is_some(),
            };
            let found = if table == "cases" {
                &mut names.cases
            } else {
                &mut names.applicants
            };
            found.insert(row.try_get("id")?, named);
        }
    }
    Ok(names)
}

/// One applicant's name, in the trash too (`None` once purged).
pub async fn applicant_name(
    conn: &mut sqlx::AnyConnection,
    practice: &Practice,
    id: &str,
) -> Result<Option<String>> {
    let found = names(conn, practice, &[id.to_string()], &[]).await?;
    Ok(found.applicants.get(id).map(|n| n.label.clone()))
}

/// An applicant or a case someone named to read the log for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Record {
    Applicant { id: String, label: String },
    Case { id: String, folio: String },
}

/// The applicant or case `text` names: a case's folio (`CAS014`, `cas14`)
/// or an applicant's or a case's id, in the trash too. `None` when no
/// record of the practice has it.
pub async fn find(db: &sqlx::AnyPool, practice: &Practice, text: &str) -> Result<Option<Record>> {
    let text = text.trim();
    if let Some(number) = folio_number(text) {
        let row =
            sqlx::query("SELECT id, folio FROM cases WHERE practice_id = $1 AND folio_number = $2")
                .bind(practice.id())
                .bind(number)
                .fetch_optional(db)
                .await?;
        if let Some(row) = row {
            return Ok(Some(Record::Case {
                id: row.try_get("id")?,
                folio: row.try_get("folio")?,
            }));
        }
    }
    let applicant = sqlx::query(
        "SELECT id, given_name || ' ' || family_name AS label FROM applicants WHERE practice_id = $1 AND id = $2",
    )
    .bind(practice.id())
    .bind(text)
    .fetch_optional(db)
    .await?;
    if let Some(row) = applicant {
        return Ok(Some(Record::Applicant {
            id: row.try_get("id")?,
            label: row.try_get::<String, _>("label")?.trim().to_string(),
        }));
    }
    let case = sqlx::query("SELECT id, folio FROM cases WHERE practice_id = $1 AND id = $2")
        .bind(practice.id())
        .bind(text)
        .fetch_optional(db)
        .await?;
    if let Some(row) = case {
        return Ok(Some(Record::Case {
            id: row.try_get("id")?,
            folio: row.try_get("folio")?,
        }));
    }
    purged(db, practice, text).await
}

/// A purged applicant or case, known only from the log's entries about it
/// (named as its latest entry named it).
async fn purged(db: &sqlx::AnyPool, practice: &Practice, id: &str) -> Result<Option<Record>> {
    let row = sqlx::query(
        "SELECT applicant_id, case_id, details FROM audit_log WHERE practice_id = $1 \
         AND (case_id = $2 OR (applicant_id = $2 AND case_id IS NULL)) ORDER BY id DESC LIMIT 1",
    )
    .bind(practice.id())
    .bind(id)
    .fetch_optional(db)
    .await?;
    let Some(row) = row else {
        return Ok(None);
    };
    let details: Value =
        serde_json::from_str(row.try_get::<&str, _>("details")?).unwrap_or_default();
    let named = |key: &str| details[key].as_str().unwrap_or_default().to_string();
    Ok(Some(
        if row.try_get::<Option<String>, _>("case_id")?.as_deref() == Some(id) {
            Record::Case {
                id: id.to_string(),
                folio: named("case"),
            }
        } else {
            Record::Applicant {
                id: id.to_string(),
                label: named("applicant"),
            }
        },
    ))
}
