//! Applicants and cases read outside the JSON API (by modules, through the
//! `records` import). Records in the trash are not found. Who may read, and
//! which fields they see, is the caller's business; these only read, in the
//! practice given.

use sqlx::{Any, Executor};

use super::applicant::Applicant;
use super::case::Case;
use super::{applicant_store, case_store};
use crate::error::Result;
use crate::practices::Practice;
use immcase_matching as matching;

/// An applicant of the practice.
pub async fn applicant<'e, E>(db: E, practice: &Practice, id: &str) -> Result<Option<Applicant>>
where
    E: Executor<'e, Database = Any>,
{
    applicant_store::find(db, practice, id).await
}

/// A case of the practice.
pub async fn case<'e, E>(db: E, practice: &Practice, id: &str) -> Result<Option<Case>>
where
    E: Executor<'e, Database = Any>,
{
    case_store::find(db, practice, id).await
}

/// The case with the folio number `number`.
pub async fn case_by_folio<'e, E>(db: E, practice: &Practice, number: i64) -> Result<Option<Case>>
where
    E: Executor<'e, Database = Any>,
{
    case_store::find_by_folio(db, practice, number).await
}

/// The applicants with `email` (compared as the API stores emails: trimmed
/// and lowercased), oldest first, at most `limit`.
pub async fn applicants_by_email<'e, E>(
    db: E,
    practice: &Practice,
    email: &str,
    limit: i64,
) -> Result<Vec<Applicant>>
where
    E: Executor<'e, Database = Any>,
{
    let email = matching::normalize_email(email);
    if email.is_empty() {
        return Ok(Vec::new());
    }
    applicant_store::find_by_email(db, practice, &email, limit).await
}
