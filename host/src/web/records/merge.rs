//! Saving a form over someone else's save without losing either: a form
//! carries the values it was opened with (`base`), so what the person
//! changed is what differs from them, and only that is written. When the
//! record changed meanwhile, the changes that do not touch the same field
//! are kept, and the person is asked only about the fields both changed.
//!
//! Values are compared as the form's API body (`Map` of field → JSON), the
//! same shape for what was opened, what was typed and what is saved now.

use serde_json::{Map, Value};

use crate::access::Caller;
use crate::error::{AppError, Result};
use crate::records::timeline::FieldChange;
use crate::state::AppState;

/// The base a form was opened with, from its hidden `base` input (JSON of
/// the body). A form without one has changed every field it holds.
pub fn base(text: Option<&str>) -> Map<String, Value> {
    text.and_then(|t| serde_json::from_str(t).ok())
        .unwrap_or_default()
}

/// The base as the hidden input holds it.
pub fn base_text(body: &Map<String, Value>) -> String {
    Value::Object(body.clone()).to_string()
}

/// The fields of `typed` that differ from `base`.
pub fn changed(base: &Map<String, Value>, typed: Map<String, Value>) -> Map<String, Value> {
    typed
        .into_iter()
        .filter(|(field, value)| base.get(field) != Some(value))
        .collect()
}

/// What can be written over the record as it is `now`, and which fields
/// both people changed to different values.
#[derive(Debug, Default, PartialEq)]
pub struct Merged {
    /// Fields only this person changed: written as they typed them.
    pub keep: Map<String, Value>,
    /// Fields both changed, differently: the person chooses.
    pub collide: Vec<String>,
}

/// Merges this person's `mine` (the fields they changed from `base`) with
/// the record `now`: a field the other person left alone is kept; one they
/// changed to the same value needs nothing; one they changed otherwise
/// collides.
pub fn merge(
    base: &Map<String, Value>,
    mine: &Map<String, Value>,
    now: &Map<String, Value>,
) -> Merged {
    let mut merged = Merged::default();
    for (field, value) in mine {
        let theirs = now.get(field);
        if theirs == Some(value) {
            continue;
        }
        if theirs == base.get(field) {
            merged.keep.insert(field.clone(), value.clone());
        } else {
            merged.collide.push(field.clone());
        }
    }
    merged
}

/// How saving a form went.
pub enum Saving<R> {
    /// Saved; `merged` when someone else's save was kept beside it.
    Saved { record: R, merged: bool },
    /// Both changed the same fields: the person must choose.
    Collided(Collision<R>),
}

/// A save that met someone else's on the same fields.
pub struct Collision<R> {
    /// The record as saved now.
    pub now: R,
    /// This person's changes to other fields.
    pub keep: Map<String, Value>,
    /// The fields both changed, differently.
    pub collide: Vec<String>,
}

/// A record a form edits: applicants and cases.
pub trait Editable: Sized + Send {
    /// Writes `body` over the record at `version` (the JSON API's change).
    fn change<'a>(
        state: &'a AppState,
        caller: &'a Caller,
        id: &'a str,
        version: i64,
        body: Map<String, Value>,
    ) -> impl Future<Output = Result<Self>> + Send + 'a;

    /// The record as the caller may see it now.
    fn read<'a>(
        state: &'a AppState,
        caller: &'a Caller,
        id: &'a str,
    ) -> impl Future<Output = Result<Self>> + Send + 'a;

    /// Its version, and its writable fields as its form's body.
    fn body(&self, caller: &Caller) -> (i64, Map<String, Value>);
}

/// Writes the fields a person changed (`mine`, from `base` at `version`);
/// when the record changed meanwhile, writes them over it unless a field
/// both changed differently.
pub async fn save<R: Editable>(
    (state, caller, id): (&AppState, &Caller, &str),
    base: &Map<String, Value>,
    version: i64,
    mine: Map<String, Value>,
) -> Result<Saving<R>> {
    let (mut version, mut mine, mut merged) = (version, mine, false);
    // A record changing under every attempt is given up on after a few.
    for _ in 0..3 {
        if mine.is_empty() {
            let record = R::read(state, caller, id).await?;
            return Ok(Saving::Saved { record, merged });
        }
        match R::change(state, caller, id, version, mine.clone()).await {
            Ok(record) => return Ok(Saving::Saved { record, merged }),
            Err(AppError::EditConflict { .. }) => {}
            Err(e) => return Err(e),
        }
        let now = R::read(state, caller, id).await?;
        let (now_version, now_body) = now.body(caller);
        let outcome = merge(base, &mine, &now_body);
        if !outcome.collide.is_empty() {
            return Ok(Saving::Collided(Collision {
                now,
                keep: outcome.keep,
                collide: outcome.collide,
            }));
        }
        (version, mine, merged) = (now_version, outcome.keep, true);
    }
    Err(AppError::conflict(
        "this record keeps changing while you save; reload it and try again",
    ))
}

/// The fields a conflict asked about (the hidden `asked` input).
pub fn asked(text: Option<&str>) -> Vec<&str> {
    text.unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|f| !f.is_empty())
        .collect()
}

/// The refusal when a field the conflict asked about was not answered.
pub fn unanswered(fields: &[&str], label: impl Fn(&str) -> String) -> Option<AppError> {
    let mut errors = crate::error::FieldErrors::new();
    for field in fields {
        errors.insert(
            (*field).to_owned(),
            format!("choose which {} to keep", label(field).to_lowercase()),
        );
    }
    (!errors.is_empty()).then(|| AppError::Invalid {
        message: "Choose, for each field you both changed, which value to keep.".into(),
        fields: errors,
    })
}

/// One field both people changed, as the conflict shows it.
pub struct Conflict {
    pub field: String,
    pub label: String,
    /// What the form sends to keep the other person's value, and to keep
    /// this person's.
    pub theirs: String,
    pub mine: String,
    /// Both as people read them.
    pub theirs_shown: String,
    pub mine_shown: String,
    /// Who changed it, and when, in words.
    pub by: String,
}

/// Who changed `field` and when, from what changed since the form's
/// version: "Lee Park, 2026-12-05 14:02" (in the reader's time zone).
pub fn who_changed(changes: &[FieldChange], field: &str, time_zone: &str) -> String {
    let Some(change) = changes.iter().find(|c| c.field == field) else {
        return "someone else".into();
    };
    let who = change
        .by_name
        .clone()
        .unwrap_or_else(|| "someone else".into());
    format!("{who}, {}", super::timeline::local(&change.at, time_zone))
}

/// The message above a form whose save met someone else's, naming the
/// fields both changed by their labels.
pub fn explain(labels: &[String], kept: usize, kind: &str) -> String {
    let kept = match kept {
        0 => String::new(),
        1 => " Your other change is kept in the form.".into(),
        _ => " Your other changes are kept in the form.".into(),
    };
    let fields: Vec<String> = labels.iter().map(|l| l.to_lowercase()).collect();
    format!(
        "Someone else saved this {kind} while you were editing, and changed {} too. Choose which value to keep, then save.{kept}",
        fields.join(", ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn map(v: Value) -> Map<String, Value> {
        v.as_object().cloned().unwrap_or_default()
    }

    #[test]
    fn only_what_was_changed_is_written() {
        let base = map(json!({ "stage": "intake", "submitted_on": null, "program": "study" }));
        let typed =
            map(json!({ "stage": "preparation", "submitted_on": null, "program": "study" }));
        assert_eq!(
            changed(&base, typed),
            map(json!({ "stage": "preparation" }))
        );
        // Without a base, everything held counts as changed.
        let typed = map(json!({ "stage": "intake" }));
        assert_eq!(changed(&Map::new(), typed.clone()), typed);
    }

    #[test]
    fn changes_to_other_fields_are_kept_and_only_shared_ones_collide() {
        let base = map(
            json!({ "stage": "intake", "submitted_on": null, "outcome": null, "opened_on": null }),
        );
        // Someone else set the stage and the submission date.
        let now = map(
            json!({ "stage": "submitted", "submitted_on": "2026-12-01", "outcome": null, "opened_on": null }),
        );
        // This person changed the stage too, the same submission date, and the opening date.
        let mine = map(
            json!({ "stage": "preparation", "submitted_on": "2026-12-01", "opened_on": "2026-11-02" }),
        );
        let merged = merge(&base, &mine, &now);
        assert_eq!(merged.keep, map(json!({ "opened_on": "2026-11-02" })));
        assert_eq!(merged.collide, vec!["stage".to_string()]);
        // Nothing shared: everything kept.
        let mine = map(json!({ "outcome": "approved" }));
        let merged = merge(&base, &mine, &now);
        assert!(merged.collide.is_empty());
        assert_eq!(merged.keep, mine);
    }

    #[test]
    fn unanswered_questions_are_named_by_label() {
        assert_eq!(asked(Some(" stage, ,outcome")), vec!["stage", "outcome"]);
        assert!(unanswered(&[], |f| f.to_owned()).is_none());
        let refused = unanswered(&["stage"], |_| "Stage".into()).expect("refused");
        match refused {
            AppError::Invalid { fields, .. } => {
                assert_eq!(fields["stage"], "choose which stage to keep");
            }
            other => panic!("{other:?}"),
        }
    }
}
