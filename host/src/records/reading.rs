//! Applicants and cases read outside the JSON API (by modules, through the
//! `records` import), as JSON of the same shape as `GET
//! /api/v1/applicants/{id}` and `GET /api/v1/cases/{id}`: the fields `rules`
//! hide are absent. Records in the trash are not found. Who may read is the
//! caller's business; these only read, in the practice given.

use serde_json::Value;
use sqlx::{Any, Executor};

use super::{applicant, applicant_store, case_store, visible};
use crate::access::permissions::FieldRules;
use crate::error::Result;
use crate::practices::Practice;
use immcase_matching as matching;

/// An applicant without the fields `rules` hide.
pub async fn applicant<'e, E>(
    db: E,
    practice: &Practice,
    id: &str,
    rules: &FieldRules,
) -> Result<Option<Value>>
where
    E: Executor<'e, Database = Any>,
{
    Ok(applicant_store::find(db, practice, id)
        .await?
        .map(|a| applicant::visible(&a, rules)))
}

/// A case without the fields `rules` hide.
pub async fn case<'e, E>(
    db: E,
    practice: &Practice,
    id: &str,
    rules: &FieldRules,
) -> Result<Option<Value>>
where
    E: Executor<'e, Database = Any>,
{
    Ok(case_store::find(db, practice, id)
        .await?
        .map(|c| visible(&c, "case", rules)))
}

/// The case with the folio number `number`, without the fields `rules` hide.
pub async fn case_by_folio<'e, E>(
    db: E,
    practice: &Practice,
    number: i64,
    rules: &FieldRules,
) -> Result<Option<Value>>
where
    E: Executor<'e, Database = Any>,
{
    Ok(case_store::find_by_folio(db, practice, number)
        .await?
        .map(|c| visible(&c, "case", rules)))
}

/// The applicants with `email` (compared as the API stores emails: trimmed
/// and lowercased), oldest first, at most `limit`, without the fields
/// `rules` hide.
pub async fn applicants_by_email<'e, E>(
    db: E,
    practice: &Practice,
    email: &str,
    rules: &FieldRules,
    limit: i64,
) -> Result<Vec<Value>>
where
    E: Executor<'e, Database = Any>,
{
    let email = matching::normalize_email(email);
    if email.is_empty() {
        return Ok(Vec::new());
    }
    let found = applicant_store::find_by_email(db, practice, &email, limit).await?;
    Ok(found.iter().map(|a| applicant::visible(a, rules)).collect())
}
