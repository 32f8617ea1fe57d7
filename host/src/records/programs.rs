//! Case programs: each practice's own list of the programs its cases follow
//! (study permit, work permit, ...). Administrators (`settings.manage`) add
//! programs, rename them and switch them off; a case takes an active
//! program, and keeps its program when that is switched off later. A
//! program no case uses can be deleted; one in use cannot.
//!
//! `GET|POST /api/v1/case-programs`, `PATCH|DELETE /api/v1/case-programs/{key}`.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

pub use super::program::{CaseProgram, DEFAULT_PROGRAMS};
use super::program_store as store;
pub use super::program_store::insert_defaults;
use crate::access::Caller;
use crate::api::{ClientAddr, Json, Path};
use crate::audit::{self, Actor};
use crate::db::Tx;
use crate::error::{AppError, ErrorBody, FieldErrors, Result};
use crate::input::{expected_version, text_field};
use crate::practices::Practice;
use crate::state::AppState;

/// The permission that keeps the list.
pub const MANAGE: &str = "settings.manage";

#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewProgram {
    /// Lowercase letters, digits and `_`, starting with a letter; made from
    /// the label when absent.
    pub key: Option<String>,
    pub label: String,
}

#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProgramPatch {
    pub label: Option<String>,
    /// `false` switches the program off for new cases.
    pub active: Option<bool>,
    /// The version being changed (or send `If-Match`).
    pub version: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct ProgramList {
    pub items: Vec<CaseProgram>,
    pub next_cursor: Option<String>,
}

/// A key made from a label: folded to lowercase ASCII letters and digits,
/// words joined by `_` (`Parents & grandparents` → `parents_grandparents`).
pub fn key_from_label(label: &str) -> String {
    let folded = immcase_matching::fold(label);
    let words: Vec<String> = folded
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_string)
        .collect();
    let mut key = words.join("_");
    key.truncate(40);
    key.trim_end_matches('_').to_string()
}

fn is_key(key: &str) -> bool {
    key.len() <= 40
        && key.starts_with(|c: char| c.is_ascii_lowercase())
        && key
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// The practice's programs, in the order they were added (for anyone who
/// reads cases, so forms can offer them, and for administrators).
pub async fn list(state: &AppState, caller: &Caller) -> Result<Vec<CaseProgram>> {
    caller.require_any(&["cases.read", MANAGE])?;
    store::list(state.db.pool(), &caller.practice).await
}

/// Adds a program, active, at the end of the list.
pub async fn create(
    state: &AppState,
    caller: &Caller,
    client: &ClientAddr,
    new: NewProgram,
) -> Result<CaseProgram> {
    caller.require(MANAGE)?;
    let mut errors = FieldErrors::new();
    let label = text_field(&mut errors, "label", &new.label, true, 80);
    let typed = new.key.as_deref().map(str::trim).filter(|k| !k.is_empty());
    let key = typed.map_or_else(|| key_from_label(&label), str::to_string);
    const RULE: &str = "up to 40 lowercase letters, digits and _, starting with a letter";
    if !is_key(&key) {
        if typed.is_some() {
            errors.insert("key".into(), format!("use {RULE}"));
        } else if !errors.contains_key("label") {
            errors.insert(
                "label".into(),
                format!("start with a letter, or give a key of {RULE}"),
            );
        }
    }
    AppError::check_fields(errors)?;
    let now = state.now_ms();
    let mut tx = state.db.begin().await?;
    store::insert(&mut tx, &caller.practice, &key, &label, now).await?;
    let entry = audit_entry(caller, client, "case_program.created", &key, &label, true);
    audit::record(&mut *tx, &caller.practice, now, entry).await?;
    let created = found(&mut tx, &caller.practice, &key).await?;
    tx.commit().await?;
    Ok(created)
}

/// Renames a program or switches it on or off, at `version`; a stale
/// version is a conflict carrying the program as it is now.
pub async fn update(
    state: &AppState,
    caller: &Caller,
    client: &ClientAddr,
    key: &str,
    version: i64,
    patch: ProgramPatch,
) -> Result<CaseProgram> {
    caller.require(MANAGE)?;
    let mut errors = FieldErrors::new();
    let label = patch
        .label
        .as_deref()
        .map(|l| text_field(&mut errors, "label", l, true, 80));
    AppError::check_fields(errors)?;
    let now = state.now_ms();
    let mut tx = state.db.begin().await?;
    let before = found(&mut tx, &caller.practice, key).await?;
    let stale = |current: &CaseProgram| AppError::Conflict {
        message: format!(
            "this program was changed by someone else (now at version {}); review and try again",
            current.version
        ),
        current: serde_json::to_value(current).ok(),
    };
    if before.version != version {
        return Err(stale(&before));
    }
    let label = label.unwrap_or_else(|| before.label.clone());
    let active = patch.active.unwrap_or(before.active);
    if !store::update(&mut tx, &caller.practice, key, version, &label, active, now).await? {
        return Err(stale(&found(&mut tx, &caller.practice, key).await?));
    }
    let mut entry = audit_entry(caller, client, "case_program.updated", key, &label, active);
    entry.details["before"] = serde_json::json!({ "label": before.label, "active": before.active });
    audit::record(&mut *tx, &caller.practice, now, entry).await?;
    if label != before.label {
        // Cases are found by their program's label: search them again.
        let ids: Vec<String> = sqlx::query_scalar(
            "SELECT id FROM cases WHERE practice_id = $1 AND program = $2 AND deleted_at IS NULL",
        )
        .bind(caller.practice.id())
        .bind(key)
        .fetch_all(&mut *tx)
        .await?;
        for id in ids {
            crate::change::reindex(&mut tx, &caller.practice, "case", &id, now).await?;
        }
    }
    let after = found(&mut tx, &caller.practice, key).await?;
    crate::change::commit(state, tx).await?;
    Ok(after)
}

/// Deletes a program no case uses; one in use is a conflict (switch it off
/// instead).
pub async fn delete(
    state: &AppState,
    caller: &Caller,
    client: &ClientAddr,
    key: &str,
) -> Result<CaseProgram> {
    caller.require(MANAGE)?;
    let now = state.now_ms();
    let mut tx = state.db.begin().await?;
    let program = found(&mut tx, &caller.practice, key).await?;
    if !store::delete_unused(&mut tx, &caller.practice, key).await? {
        return Err(AppError::conflict(format!(
            "{} is the program of cases, so it cannot be deleted; switch it off instead",
            program.label
        )));
    }
    let entry = audit_entry(
        caller,
        client,
        "case_program.deleted",
        key,
        &program.label,
        false,
    );
    audit::record(&mut *tx, &caller.practice, now, entry).await?;
    tx.commit().await?;
    Ok(program)
}

async fn found(tx: &mut Tx, practice: &Practice, key: &str) -> Result<CaseProgram> {
    store::find(&mut **tx, practice, key)
        .await?
        .ok_or(AppError::NotFound("case program"))
}

fn audit_entry<'a>(
    caller: &Caller,
    client: &'a ClientAddr,
    action: &'a str,
    key: &str,
    label: &str,
    active: bool,
) -> audit::Entry<'a> {
    audit::Entry {
        actor: Actor::of(caller),
        action,
        target: Some(format!("case_program:{key}")),
        client_addr: Some(&client.0),
        details: serde_json::json!({ "label": label, "active": active }),
    }
}

/// Checks that a case may have `program`: one of the practice's active
/// programs, or the one the case has already (`current`), even if it has
/// been switched off since.
pub async fn check_for_case(
    tx: &mut Tx,
    practice: &Practice,
    program: &str,
    current: Option<&str>,
    errors: &mut FieldErrors,
) -> Result<()> {
    if program.is_empty() || current == Some(program) {
        return Ok(());
    }
    let programs = store::list(&mut **tx, practice).await?;
    match programs.iter().find(|p| p.key == program) {
        Some(p) if p.active => {}
        Some(p) => {
            errors.insert(
                "program".into(),
                format!("{} is switched off for new cases; choose another", p.label),
            );
        }
        None => {
            let keys: Vec<&str> = programs
                .iter()
                .filter(|p| p.active)
                .map(|p| p.key.as_str())
                .collect();
            errors.insert("program".into(), format!("one of {}", keys.join(", ")));
        }
    }
    Ok(())
}

/// The practice's case programs, in the order they were added, active or not.
#[utoipa::path(get, path = "/api/v1/case-programs", tag = "cases",
    responses((status = 200, body = ProgramList), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody, description = "Needs `cases.read` or `settings.manage`")))]
pub(super) async fn list_programs(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<ProgramList>> {
    Ok(Json(ProgramList {
        items: list(&state, &caller).await?,
        next_cursor: None,
    }))
}

/// Adds a case program, active, at the end of the list.
#[utoipa::path(post, path = "/api/v1/case-programs", tag = "cases", request_body = NewProgram,
    responses((status = 201, body = CaseProgram), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody, description = "Needs `settings.manage`"),
        (status = 422, body = ErrorBody, description = "A missing label, a malformed key, or a key the practice has")))]
pub(super) async fn create_program(
    State(state): State<AppState>,
    caller: Caller,
    client: ClientAddr,
    Json(new): Json<NewProgram>,
) -> Result<Response> {
    let created = create(&state, &caller, &client, new).await?;
    Ok((StatusCode::CREATED, Json(created)).into_response())
}

/// Renames a case program or switches it on or off (`active`). Cases keep
/// a program that is switched off; new cases cannot take it.
#[utoipa::path(patch, path = "/api/v1/case-programs/{key}", tag = "cases", params(("key" = String, Path)),
    request_body = ProgramPatch,
    responses((status = 200, body = CaseProgram), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody, description = "Needs `settings.manage`"), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody, description = "Stale version; `current` is the program now"),
        (status = 422, body = ErrorBody)))]
pub(super) async fn update_program(
    State(state): State<AppState>,
    caller: Caller,
    client: ClientAddr,
    Path(key): Path<String>,
    headers: HeaderMap,
    Json(patch): Json<ProgramPatch>,
) -> Result<Json<CaseProgram>> {
    caller.require(MANAGE)?;
    let version = expected_version(&headers, patch.version)?;
    Ok(Json(
        update(&state, &caller, &client, &key, version, patch).await?,
    ))
}

/// Deletes a case program that no case has.
#[utoipa::path(delete, path = "/api/v1/case-programs/{key}", tag = "cases", params(("key" = String, Path)),
    responses((status = 204, description = "Deleted"), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody, description = "Needs `settings.manage`"), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody, description = "Cases have this program: switch it off instead")))]
pub(super) async fn delete_program(
    State(state): State<AppState>,
    caller: Caller,
    client: ClientAddr,
    Path(key): Path<String>,
) -> Result<StatusCode> {
    delete(&state, &caller, &client, &key).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_made_from_labels() {
        assert_eq!(key_from_label("Study permit"), "study_permit");
        assert_eq!(
            key_from_label("Parents & Grand-parents"),
            "parents_grand_parents"
        );
        assert_eq!(
            key_from_label("Résidence permanente"),
            "residence_permanente"
        );
        assert_eq!(key_from_label("  "), "");
        assert!(is_key(&key_from_label("Caregiver (home child care)")));
        assert!(!is_key("9lives") && !is_key("Study") && !is_key(""));
    }
}
