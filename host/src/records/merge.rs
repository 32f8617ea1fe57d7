//! Merging duplicate applicants (Find duplicates → Merge, `POST
//! /api/v1/applicants/{id}/merge`). The kept applicant takes the other's
//! cases and files (those in the trash too, so they come back to the right
//! person), their folders, and the emails, phones and other names it did
//! not have (the other's name becomes one of its other names when it
//! differs). The other goes to the trash; both timelines say so; modules
//! hear `applicant.merged` and move what they hold (the helpdesk its
//! tickets, notes its notes).
//!
//! What moved is kept in `applicant_merges`, so restoring the other from
//! the trash undoes the merge ([`undo`]): what is still with the kept
//! applicant goes back, the values added are taken off again, and modules
//! hear `applicant.unmerged`. What changed since stays as it is: a case
//! moved elsewhere in between is not pulled back.

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use sqlx::Row;
use utoipa::ToSchema;

use super::applicant::{self, Applicant, ApplicantInput, FIELDS, MAX_LIST};
use super::applicant_store as store;
use super::{announce, audited, timeline, writable};
use axum::extract::State;

use crate::access::Caller;
use crate::api::{Json, Path};
use crate::db::{Tx, new_id};
use crate::error::ErrorBody;
use crate::error::{AppError, Result};
use crate::state::AppState;

/// The permission merging takes.
pub const PERMISSION: &str = "applicants.merge";

/// Values the kept applicant took from the other: those it did not have.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Added {
    pub other_names: Vec<String>,
    pub emails: Vec<String>,
    pub phones: Vec<String>,
    /// Empty folders of the other's files, as paths.
    #[serde(default)]
    pub folders: Vec<String>,
}

impl Added {
    fn is_empty(&self) -> bool {
        self.other_names.is_empty() && self.emails.is_empty() && self.phones.is_empty()
    }
}

/// What a merge does, worked out before doing it (the page shows it).
pub struct Plan {
    pub kept: Applicant,
    pub other: Applicant,
    /// The other's cases: id and folio (those in the trash too).
    pub cases: Vec<(String, String)>,
    /// Ids of the other's own files (those in the trash too).
    pub files: Vec<String>,
    pub added: Added,
}

/// What a merge did, as the API answers it.
#[derive(Serialize, ToSchema)]
pub struct Merged {
    /// The merge's id.
    pub id: String,
    /// The kept applicant as it is now, without the fields the caller's role
    /// hides.
    #[schema(value_type = Object)]
    pub applicant: Value,
    /// The applicant merged in, now in the trash.
    pub merged_id: String,
    /// Their name.
    #[serde(skip)]
    pub merged_label: String,
    /// Folios of the cases it took.
    pub cases: Vec<String>,
    /// How many files it took.
    pub files: usize,
    /// The values it took.
    pub added: Added,
}

/// The two applicants of a merge and what would move (needs
/// `applicants.merge`).
pub async fn plan(state: &AppState, caller: &Caller, kept: &str, other: &str) -> Result<Plan> {
    let mut tx = state.db.begin().await?;
    plan_in(&mut tx, caller, kept, other).await
}

async fn plan_in(tx: &mut Tx, caller: &Caller, kept_id: &str, other_id: &str) -> Result<Plan> {
    caller.require(PERMISSION)?;
    caller.require("applicants.read")?;
    if kept_id == other_id {
        return Err(AppError::field(
            "other_id",
            "choose another applicant: one cannot be merged with themselves",
        ));
    }
    let practice = &caller.practice;
    let kept = store::find(&mut **tx, practice, kept_id)
        .await?
        .ok_or(AppError::NotFound("applicant"))?;
    let other = store::find(&mut **tx, practice, other_id)
        .await?
        .ok_or_else(|| AppError::field("other_id", "no such applicant (it may be in the trash)"))?;
    let rows = sqlx::query(
        "SELECT id, folio FROM cases WHERE practice_id = $1 AND applicant_id = $2 ORDER BY folio_number",
    )
    .bind(practice.id())
    .bind(other_id)
    .fetch_all(&mut **tx)
    .await?;
    let cases = rows
        .iter()
        .map(|r| Ok((r.try_get("id")?, r.try_get("folio")?)))
        .collect::<Result<Vec<(String, String)>>>()?;
    let files: Vec<String> = sqlx::query_scalar(
        "SELECT id FROM files WHERE practice_id = $1 AND owner_kind = 'applicant' AND owner_id = $2 ORDER BY id",
    )
    .bind(practice.id())
    .bind(other_id)
    .fetch_all(&mut **tx)
    .await?;
    let mut added = taken(&kept, &other);
    added.folders = sqlx::query_scalar(
        "SELECT o.path FROM file_folders o WHERE o.practice_id = $1 AND o.owner_kind = 'applicant' \
         AND o.owner_id = $2 AND NOT EXISTS (SELECT 1 FROM file_folders k WHERE k.practice_id = o.practice_id \
         AND k.owner_kind = 'applicant' AND k.owner_id = $3 AND k.path = o.path) ORDER BY o.path",
    )
    .bind(practice.id())
    .bind(other_id)
    .bind(kept_id)
    .fetch_all(&mut **tx)
    .await?;
    for (field, values) in [
        ("other_names", &added.other_names),
        ("emails", &added.emails),
        ("phones", &added.phones),
    ] {
        if !values.is_empty() {
            writable(caller, "applicant", field)?;
        }
    }
    Ok(Plan {
        kept,
        other,
        cases,
        files,
        added,
    })
}

/// The other's values the kept applicant lacks (compared without case),
/// with the other's name as an other name when it differs from the kept
/// one's names.
pub fn taken(kept: &Applicant, other: &Applicant) -> Added {
    let lacks = |have: &[String], value: &str| {
        let value = value.trim();
        !value.is_empty() && !have.iter().any(|h| h.trim().eq_ignore_ascii_case(value))
    };
    let mut names_had = kept.other_names.clone();
    names_had.push(audited::applicant_label(kept));
    let mut other_names = Vec::new();
    let other_name = audited::applicant_label(other);
    for name in std::iter::once(&other_name).chain(&other.other_names) {
        if lacks(&names_had, name) {
            names_had.push(name.clone());
            other_names.push(name.clone());
        }
    }
    let fresh = |have: &[String], theirs: &[String]| -> Vec<String> {
        theirs.iter().filter(|v| lacks(have, v)).cloned().collect()
    };
    Added {
        other_names,
        emails: fresh(&kept.emails, &other.emails),
        phones: fresh(&kept.phones, &other.phones),
        folders: Vec::new(),
    }
}

/// The kept applicant's input with `added` appended; refused naming the
/// field when a list would grow past what an applicant holds.
fn with_added(kept: &Applicant, added: &Added) -> Result<ApplicantInput> {
    let mut input = applicant::as_input(kept);
    for (field, list, more) in [
        ("other_names", &mut input.other_names, &added.other_names),
        ("emails", &mut input.emails, &added.emails),
        ("phones", &mut input.phones, &added.phones),
    ] {
        let total = list.len() + more.len();
        if total > MAX_LIST {
            let words = field.replace('_', " ");
            return Err(AppError::field(
                field,
                format!(
                    "together they have {total} {words}; an applicant keeps at most {MAX_LIST}: \
                     remove some from one of them first"
                ),
            ));
        }
        list.extend(more.iter().cloned());
    }
    Ok(input)
}

/// The versions a merge was asked at, when given: a stale one is a
/// conflict, so nobody merges what they have not seen.
#[derive(Clone, Copy, Debug, Default)]
pub struct Seen {
    pub kept: Option<i64>,
    pub other: Option<i64>,
}

/// Merges `other` into `kept` (needs `applicants.merge`).
pub async fn merge(
    state: &AppState,
    caller: &Caller,
    kept_id: &str,
    other_id: &str,
    seen: Seen,
) -> Result<Merged> {
    let now = state.now_ms();
    let mut tx = state.db.begin().await?;
    let plan = plan_in(&mut tx, caller, kept_id, other_id).await?;
    for (who, at, a) in [
        ("kept applicant", seen.kept, &plan.kept),
        ("other applicant", seen.other, &plan.other),
    ] {
        if at.is_some_and(|v| v != a.version) {
            return Err(AppError::conflict(format!(
                "the {who} was changed by someone else (now at version {}); review both before merging",
                a.version
            )));
        }
    }
    let practice = &caller.practice;
    let (kept_label, other_label) = (
        audited::applicant_label(&plan.kept),
        audited::applicant_label(&plan.other),
    );
    // The kept applicant's new values, checked like any change.
    let mut kept_after = plan.kept.clone();
    if !plan.added.is_empty() {
        let input = with_added(&plan.kept, &plan.added)?;
        let input = applicant::check(input, &super::applicants::today(state))
            .map_err(AppError::check_fields_err)?;
        if !store::update(&mut tx, practice, kept_id, plan.kept.version, &input, now).await? {
            return Err(AppError::conflict(
                "the kept applicant was changed by someone else meanwhile; try again",
            ));
        }
        kept_after = store::find(&mut *tx, practice, kept_id)
            .await?
            .ok_or(AppError::NotFound("applicant"))?;
        record_changes(&mut tx, caller, &plan.kept, &kept_after, now).await?;
    }
    let moved = (kept_id, &kept_label);
    let from = (other_id, &other_label);
    move_cases(
        &mut tx,
        caller,
        &plan.cases,
        from,
        moved,
        "applicant_merged",
        now,
    )
    .await?;
    move_files(&mut tx, caller, &plan.files, other_id, kept_id, now).await?;
    for path in &plan.added.folders {
        sqlx::query(
            "INSERT INTO file_folders (practice_id, owner_kind, owner_id, path, created_at) \
             VALUES ($1, 'applicant', $2, $3, $4)",
        )
        .bind(practice.id())
        .bind(kept_id)
        .bind(path)
        .bind(now)
        .execute(&mut *tx)
        .await?;
    }
    let deletion =
        crate::trash::put_in_trash(&mut tx, caller, "applicant", other_id, &other_label, now)
            .await?;
    let summary = summary(plan.cases.len(), plan.files.len());
    let line = |label: &str| vec![("merge".to_string(), json!(summary), json!(label))];
    timeline::record(
        &mut tx,
        caller,
        "applicant",
        kept_id,
        "merged_in",
        &line(&other_label),
        now,
    )
    .await?;
    timeline::record(
        &mut tx,
        caller,
        "applicant",
        other_id,
        "merged_into",
        &line(&kept_label),
        now,
    )
    .await?;
    let id = new_id();
    let case_ids: Vec<&String> = plan.cases.iter().map(|(id, _)| id).collect();
    sqlx::query(
        "INSERT INTO applicant_merges (practice_id, id, kept_id, merged_id, deletion_id, cases, files, added, \
         merged_at, merged_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(practice.id())
    .bind(&id)
    .bind(kept_id)
    .bind(other_id)
    .bind(&deletion)
    .bind(json!(case_ids).to_string())
    .bind(json!(plan.files).to_string())
    .bind(serde_json::to_string(&plan.added).map_err(anyhow::Error::from)?)
    .bind(now)
    .bind(&caller.user_id)
    .execute(&mut *tx)
    .await?;
    let folios: Vec<String> = plan.cases.iter().map(|(_, f)| f.clone()).collect();
    let details = json!({
        "merged": other_label, "merged_id": other_id, "cases": folios, "files": plan.files.len()
    });
    audited::applicant(
        &mut tx,
        caller,
        "applicant.merged",
        &kept_after,
        details,
        now,
    )
    .await?;
    crate::change::reindex(&mut tx, practice, "applicant", kept_id, now).await?;
    let payload = json!({
        "id": kept_id, "merged_id": other_id, "merge_id": id, "cases": case_ids, "files": plan.files,
    });
    announce(state, &mut tx, caller, "applicant.merged", payload, now).await?;
    crate::change::commit(state, tx).await?;
    Ok(Merged {
        id,
        applicant: applicant::visible(&kept_after, &caller.field_rules),
        merged_id: other_id.to_string(),
        merged_label: other_label,
        cases: folios,
        files: plan.files.len(),
        added: plan.added,
    })
}

/// What `POST /api/v1/applicants/{id}/merge` takes.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MergeRequest {
    /// The applicant merged into this one, then put in the trash.
    pub other_id: String,
    /// This applicant's version as the caller saw it, if known.
    pub version: Option<i64>,
    /// The other's version as the caller saw it, if known.
    pub other_version: Option<i64>,
}

/// Merges another applicant into this one: this one takes the other's
/// cases, files, folders, and the emails, phones and other names it lacks;
/// the other goes to the trash. Modules hear `applicant.merged` and move
/// what they hold. Restoring the other from the trash undoes it.
#[utoipa::path(post, path = "/api/v1/applicants/{id}/merge", tag = "applicants", params(("id" = String, Path)),
    request_body = MergeRequest,
    responses((status = 200, body = Merged),
        (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody, description = "Missing `applicants.merge`, or a field the merge would change is read-only for the caller"),
        (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody, description = "A version given is stale"),
        (status = 422, body = ErrorBody, description = "No such other applicant, the same one, or a list that would grow too long (named in `fields`)")))]
pub(super) async fn merge_route(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Json(body): Json<MergeRequest>,
) -> Result<Json<Merged>> {
    let seen = Seen {
        kept: body.version,
        other: body.other_version,
    };
    Ok(Json(
        merge(&state, &caller, &id, &body.other_id, seen).await?,
    ))
}

/// `2 cases and 3 files` (what a merge moved), for timelines.
pub fn summary(cases: usize, files: usize) -> String {
    let count = |n: usize, one: &str| {
        if n == 1 {
            format!("1 {one}")
        } else {
            format!("{n} {one}s")
        }
    };
    format!("{} and {}", count(cases, "case"), count(files, "file"))
}

/// The kept applicant's timeline lines for values a merge added or took
/// off, and the search documents of its cases (found by its name).
async fn record_changes(
    tx: &mut Tx,
    caller: &Caller,
    before: &Applicant,
    after: &Applicant,
    now: i64,
) -> Result<()> {
    let changes = timeline::diff(
        &serde_json::to_value(before).unwrap_or_default(),
        &serde_json::to_value(after).unwrap_or_default(),
        FIELDS,
    );
    if !changes.is_empty() {
        let id = &after.id;
        timeline::record_update(tx, caller, "applicant", id, after.version, &changes, now).await?;
    }
    Ok(())
}

/// Moves cases from one applicant to another, each with a line on its
/// timeline (`action`) and a new search document.
async fn move_cases(
    tx: &mut Tx,
    caller: &Caller,
    cases: &[(String, String)],
    from: (&str, &String),
    to: (&str, &String),
    action: &str,
    now: i64,
) -> Result<Vec<String>> {
    let mut moved = Vec::new();
    for (case_id, _) in cases {
        let done = sqlx::query(
            "UPDATE cases SET applicant_id = $4, version = version + 1, updated_at = $5 \
             WHERE practice_id = $1 AND id = $2 AND applicant_id = $3",
        )
        .bind(caller.practice.id())
        .bind(case_id)
        .bind(from.0)
        .bind(to.0)
        .bind(now)
        .execute(&mut **tx)
        .await?
        .rows_affected();
        if done == 0 {
            continue;
        }
        let change = [("applicant".to_string(), json!(from.1), json!(to.1))];
        timeline::record(tx, caller, "case", case_id, action, &change, now).await?;
        crate::change::reindex(tx, &caller.practice, "case", case_id, now).await?;
        moved.push(case_id.clone());
    }
    Ok(moved)
}

/// Gives an applicant's files to another; returns how many moved.
async fn move_files(
    tx: &mut Tx,
    caller: &Caller,
    files: &[String],
    from: &str,
    to: &str,
    now: i64,
) -> Result<usize> {
    let mut moved = 0;
    for file_id in files {
        let done = sqlx::query(
            "UPDATE files SET owner_id = $4, version = version + 1 \
             WHERE practice_id = $1 AND id = $2 AND owner_kind = 'applicant' AND owner_id = $3",
        )
        .bind(caller.practice.id())
        .bind(file_id)
        .bind(from)
        .bind(to)
        .execute(&mut **tx)
        .await?
        .rows_affected();
        if done > 0 {
            crate::change::reindex(tx, &caller.practice, "file", file_id, now).await?;
            moved += 1;
        }
    }
    Ok(moved)
}

/// A merge not undone, found by the deletion that put its merged
/// applicant in the trash.
pub struct Done {
    pub id: String,
    pub kept_id: String,
    pub merged_id: String,
    pub cases: Vec<String>,
    pub files: Vec<String>,
    pub added: Added,
}

/// The merge whose other applicant went to the trash under `deletion`.
pub async fn of_deletion<'e, E>(db: E, caller: &Caller, deletion: &str) -> Result<Option<Done>>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let row = sqlx::query(
        "SELECT id, kept_id, merged_id, cases, files, added FROM applicant_merges \
         WHERE practice_id = $1 AND deletion_id = $2 AND undone_at IS NULL",
    )
    .bind(caller.practice.id())
    .bind(deletion)
    .fetch_optional(db)
    .await?;
    let Some(row) = row else {
        return Ok(None);
    };
    fn parse<T: serde::de::DeserializeOwned>(row: &sqlx::any::AnyRow, column: &str) -> Result<T> {
        let text: String = row.try_get(column)?;
        Ok(serde_json::from_str(&text).map_err(anyhow::Error::from)?)
    }
    Ok(Some(Done {
        id: row.try_get("id")?,
        kept_id: row.try_get("kept_id")?,
        merged_id: row.try_get("merged_id")?,
        cases: parse(&row, "cases")?,
        files: parse(&row, "files")?,
        added: parse(&row, "added")?,
    }))
}

/// Undoes the merge whose other applicant went to the trash under
/// `deletion`, if any, in the transaction restoring it: the cases and files
/// still with the kept applicant go back, the values it took are taken off
/// again. The kept applicant must not be in the trash itself.
pub(crate) async fn undo(
    state: &AppState,
    tx: &mut Tx,
    caller: &Caller,
    deletion: &str,
    now: i64,
) -> Result<()> {
    let Some(done) = of_deletion(&mut **tx, caller, deletion).await? else {
        return Ok(());
    };
    let practice = &caller.practice;
    let Some(kept) = store::find(&mut **tx, practice, &done.kept_id).await? else {
        let label = audited::applicant_name(tx, practice, &done.kept_id)
            .await?
            .unwrap_or_else(|| "the applicant it was merged into".to_string());
        return Err(AppError::conflict(format!(
            "this applicant was merged into {label}, who is in the trash: restore {label} first"
        )));
    };
    let other = store::find(&mut **tx, practice, &done.merged_id)
        .await?
        .ok_or(AppError::NotFound("applicant"))?;
    let (kept_label, other_label) = (
        audited::applicant_label(&kept),
        audited::applicant_label(&other),
    );
    // Take off what the merge added and is still there.
    let mut input = applicant::as_input(&kept);
    let without = |list: &mut Vec<String>, added: &[String]| {
        list.retain(|v| !added.iter().any(|a| a.eq_ignore_ascii_case(v)));
    };
    without(&mut input.other_names, &done.added.other_names);
    without(&mut input.emails, &done.added.emails);
    without(&mut input.phones, &done.added.phones);
    let input = applicant::check(input, &super::applicants::today(state))
        .map_err(AppError::check_fields_err)?;
    if input.emails != kept.emails
        || input.phones != kept.phones
        || input.other_names != kept.other_names
    {
        if !store::update(tx, practice, &kept.id, kept.version, &input, now).await? {
            return Err(AppError::conflict(
                "the applicant it was merged into is being changed; try again",
            ));
        }
        let after = store::find(&mut **tx, practice, &kept.id)
            .await?
            .ok_or(AppError::NotFound("applicant"))?;
        record_changes(tx, caller, &kept, &after, now).await?;
    }
    let cases: Vec<(String, String)> = done
        .cases
        .iter()
        .map(|c| (c.clone(), String::new()))
        .collect();
    let to = (done.merged_id.as_str(), &other_label);
    let back = (done.kept_id.as_str(), &kept_label);
    let cases = move_cases(tx, caller, &cases, back, to, "merge_undone", now).await?;
    let files = move_files(tx, caller, &done.files, &done.kept_id, &done.merged_id, now).await?;
    for path in &done.added.folders {
        sqlx::query(
            "DELETE FROM file_folders WHERE practice_id = $1 AND owner_kind = 'applicant' AND owner_id = $2 \
             AND path = $3",
        )
        .bind(practice.id())
        .bind(&done.kept_id)
        .bind(path)
        .execute(&mut **tx)
        .await?;
    }
    let summary = summary(cases.len(), files);
    let line = |label: &str| vec![("merge".to_string(), json!(summary), json!(label))];
    let kept_id = done.kept_id.as_str();
    let other_id = done.merged_id.as_str();
    timeline::record(
        tx,
        caller,
        "applicant",
        kept_id,
        "unmerged",
        &line(&other_label),
        now,
    )
    .await?;
    timeline::record(
        tx,
        caller,
        "applicant",
        other_id,
        "unmerged_from",
        &line(&kept_label),
        now,
    )
    .await?;
    sqlx::query("UPDATE applicant_merges SET undone_at = $3 WHERE practice_id = $1 AND id = $2")
        .bind(practice.id())
        .bind(&done.id)
        .bind(now)
        .execute(&mut **tx)
        .await?;
    let details = json!({ "merged": other_label, "merged_id": other_id, "cases": cases.len(), "files": files });
    audited::applicant(tx, caller, "applicant.unmerged", &kept, details, now).await?;
    crate::change::reindex(tx, practice, "applicant", kept_id, now).await?;
    let payload = json!({
        "id": kept_id, "merged_id": other_id, "merge_id": done.id, "cases": cases,
    });
    announce(state, tx, caller, "applicant.unmerged", payload, now).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn person(given: &str, family: &str, emails: &[&str], phones: &[&str]) -> Applicant {
        Applicant {
            id: "a".into(),
            version: 1,
            given_name: given.into(),
            family_name: family.into(),
            other_names: Vec::new(),
            emails: emails.iter().map(|e| e.to_string()).collect(),
            phones: phones.iter().map(|p| p.to_string()).collect(),
            date_of_birth: None,
            country_of_birth: None,
            citizenship: None,
            passport_number: None,
            passport_country: None,
            passport_expiry: None,
            address: None,
            preferred_language: None,
            notes: None,
            created_at: String::new(),
            updated_at: String::new(),
        }
    }

    #[test]
    fn the_kept_applicant_takes_only_what_it_lacks() {
        let kept = person("Ana", "Díaz", &["ana@x.ca"], &["+14165550100"]);
        let other = person(
            "Ana",
            "Diaz",
            &["ANA@x.ca", "ana.d@y.ca"],
            &["+14165550100", "+14165550199"],
        );
        let added = taken(&kept, &other);
        assert_eq!(added.emails, ["ana.d@y.ca"]);
        assert_eq!(added.phones, ["+14165550199"]);
        assert_eq!(
            added.other_names,
            ["Ana Diaz"],
            "a different spelling is kept"
        );
        let same = person("ana", "díaz", &[], &[]);
        assert!(
            taken(&kept, &same).other_names.is_empty(),
            "the same name differs only in case"
        );
    }

    #[test]
    fn lists_that_would_grow_too_long_are_refused_naming_the_field() {
        let kept = person("Ana", "Díaz", &[], &[]);
        let added = Added {
            emails: (0..11).map(|i| format!("a{i}@x.ca")).collect(),
            ..Added::default()
        };
        let refused = with_added(&kept, &added).expect_err("too many");
        assert!(
            refused.to_string().contains("emails") || format!("{refused:?}").contains("emails")
        );
    }

    #[test]
    fn a_summary_counts_in_words() {
        assert_eq!(summary(1, 0), "1 case and 0 files");
        assert_eq!(summary(2, 1), "2 cases and 1 file");
    }
}
