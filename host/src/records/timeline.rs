//! A record's timeline: who created it, and who changed which field from
//! what to what, and when. Written in the transaction of the change.

use serde::Serialize;
use serde_json::Value;
use sqlx::{Any, Executor, Row};
use utoipa::ToSchema;

use crate::access::Caller;
use crate::access::permissions::{FieldAccess, FieldRules};
use crate::clock::rfc3339;
use crate::db::Tx;
use crate::error::Result;
use crate::practices::Practice;

/// One line of a timeline.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Change {
    /// RFC 3339.
    pub at: String,
    pub actor_user_id: Option<String>,
    pub actor_name: Option<String>,
    /// `created`, `updated`, `deleted`, `restored`, `file_uploaded`,
    /// `file_deleted`, ...
    pub action: String,
    /// For `updated`: the field, with its old and new value as JSON.
    pub field: Option<String>,
    #[schema(value_type = Object)]
    pub old_value: Option<Value>,
    #[schema(value_type = Object)]
    pub new_value: Option<Value>,
}

/// The fields whose values differ between two JSON records, with both values.
pub fn diff(before: &Value, after: &Value, fields: &[&str]) -> Vec<(String, Value, Value)> {
    fields
        .iter()
        .filter_map(|f| {
            let (old, new) = (&before[*f], &after[*f]);
            (old != new).then(|| (f.to_string(), old.clone(), new.clone()))
        })
        .collect()
}

/// One field changed by others since a given version: its value then and
/// now, and who changed it last, when.
#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct FieldChange {
    pub field: String,
    /// The value at the version the writer started from.
    #[schema(value_type = Object)]
    pub from: Value,
    /// The value now.
    #[schema(value_type = Object)]
    pub to: Value,
    /// Who changed it last.
    pub by_user_id: Option<String>,
    pub by_name: Option<String>,
    /// RFC 3339: when it was changed last.
    pub at: String,
    /// Whether the refused write set this field to another value than the
    /// one it has now.
    pub collides: bool,
}

/// Records an update that made `version`: one line per changed field.
pub async fn record_update(
    tx: &mut Tx,
    caller: &Caller,
    kind: &str,
    id: &str,
    version: i64,
    changes: &[(String, Value, Value)],
    now: i64,
) -> Result<()> {
    let actor = Actor {
        user_id: Some(&caller.user_id),
        name: &caller.display_name,
    };
    let line = Line {
        kind,
        id,
        action: "updated",
        version: Some(version),
    };
    insert(tx, &caller.practice, actor, line, changes, now).await
}

/// The fields changed by updates after `version`, each with its value at
/// `version` and now (a field changed and changed back is left out), and
/// who changed it last; fields `rules` hide are left out. `requested` is
/// the refused write's body: a field it sets to another value than the
/// current one collides.
pub async fn changed_since<'e, E>(
    db: E,
    practice: &Practice,
    record: (&str, &str),
    version: i64,
    rules: &FieldRules,
    requested: &serde_json::Map<String, Value>,
) -> Result<Vec<FieldChange>>
where
    E: Executor<'e, Database = Any>,
{
    let (kind, id) = record;
    let rows = sqlx::query(
        "SELECT at, actor_user_id, actor_name, action, field, old_value, new_value FROM record_changes \
         WHERE practice_id = $1 AND record_kind = $2 AND record_id = $3 AND action = 'updated' \
         AND version > $4 ORDER BY id LIMIT 1000",
    )
    .bind(practice.id())
    .bind(kind)
    .bind(id)
    .bind(version)
    .fetch_all(db)
    .await?;
    let mut fields: Vec<FieldChange> = Vec::new();
    for row in &rows {
        let line = change(row)?;
        let Some(field) = line.field else { continue };
        if rules.get(&format!("{kind}.{field}")) == Some(&FieldAccess::Hidden) {
            continue;
        }
        let to = line.new_value.unwrap_or(Value::Null);
        match fields.iter_mut().find(|f| f.field == field) {
            Some(seen) => {
                seen.to = to;
                seen.by_user_id = line.actor_user_id;
                seen.by_name = line.actor_name;
                seen.at = line.at;
            }
            None => fields.push(FieldChange {
                field,
                from: line.old_value.unwrap_or(Value::Null),
                to,
                by_user_id: line.actor_user_id,
                by_name: line.actor_name,
                at: line.at,
                collides: false,
            }),
        }
    }
    fields.retain(|f| f.from != f.to);
    for f in &mut fields {
        f.collides = requested
            .get(&f.field)
            .is_some_and(|wanted| *wanted != f.to);
    }
    Ok(fields)
}

/// Records an action on a record; for `updated`, one line per changed field.
pub async fn record(
    tx: &mut Tx,
    caller: &Caller,
    kind: &str,
    id: &str,
    action: &str,
    changes: &[(String, Value, Value)],
    now: i64,
) -> Result<()> {
    let actor = Actor {
        user_id: Some(&caller.user_id),
        name: &caller.display_name,
    };
    record_by(tx, &caller.practice, actor, kind, id, action, changes, now).await
}

/// Longest note on a timeline.
pub const MAX_NOTE: usize = 10_000;

/// Adds a note to a record's timeline (a workflow's `add_note`): its text
/// is the line's new value.
pub async fn note(
    tx: &mut Tx,
    caller: &Caller,
    kind: &str,
    id: &str,
    text: &str,
    now: i64,
) -> Result<()> {
    let line = [("note".to_string(), Value::Null, Value::from(text))];
    record(tx, caller, kind, id, "note", &line, now).await
}

/// Who made a change: a person, or a module acting on its own.
#[derive(Clone, Copy)]
pub struct Actor<'a> {
    pub user_id: Option<&'a str>,
    pub name: &'a str,
}

/// [`record`] for any actor.
#[allow(clippy::too_many_arguments)]
pub async fn record_by(
    tx: &mut Tx,
    practice: &Practice,
    actor: Actor<'_>,
    kind: &str,
    id: &str,
    action: &str,
    changes: &[(String, Value, Value)],
    now: i64,
) -> Result<()> {
    let line = Line {
        kind,
        id,
        action,
        version: None,
    };
    insert(tx, practice, actor, line, changes, now).await
}

/// What a timeline line is about.
struct Line<'a> {
    kind: &'a str,
    id: &'a str,
    action: &'a str,
    /// The version an update made.
    version: Option<i64>,
}

async fn insert(
    tx: &mut Tx,
    practice: &Practice,
    actor: Actor<'_>,
    line: Line<'_>,
    changes: &[(String, Value, Value)],
    now: i64,
) -> Result<()> {
    let Line {
        kind,
        id,
        action,
        version,
    } = line;
    let lines: Vec<(Option<&str>, Option<String>, Option<String>)> = if changes.is_empty() {
        vec![(None, None, None)]
    } else {
        changes
            .iter()
            .map(|(f, old, new)| {
                (
                    Some(f.as_str()),
                    Some(old.to_string()),
                    Some(new.to_string()),
                )
            })
            .collect()
    };
    for (field, old, new) in lines {
        sqlx::query(
            "INSERT INTO record_changes (practice_id, record_kind, record_id, at, actor_user_id, actor_name, \
             action, field, old_value, new_value, version) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        )
        .bind(practice.id())
        .bind(kind)
        .bind(id)
        .bind(now)
        .bind(actor.user_id)
        .bind(actor.name)
        .bind(action)
        .bind(field)
        .bind(old)
        .bind(new)
        .bind(version)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

/// A record's timeline, oldest first. Changes to fields `rules` hide from
/// the reader are left out.
pub async fn of_record<'e, E>(
    db: E,
    practice: &Practice,
    kind: &str,
    id: &str,
    rules: &FieldRules,
) -> Result<Vec<Change>>
where
    E: Executor<'e, Database = Any>,
{
    let rows = sqlx::query(
        "SELECT at, actor_user_id, actor_name, action, field, old_value, new_value FROM record_changes \
         WHERE practice_id = $1 AND record_kind = $2 AND record_id = $3 ORDER BY id LIMIT 1000",
    )
    .bind(practice.id())
    .bind(kind)
    .bind(id)
    .fetch_all(db)
    .await?;
    let changes = rows.iter().map(change).collect::<Result<Vec<_>>>()?;
    Ok(changes
        .into_iter()
        .filter(|c| {
            c.field
                .as_ref()
                .is_none_or(|f| rules.get(&format!("{kind}.{f}")) != Some(&FieldAccess::Hidden))
        })
        .collect())
}

/// A line of a timeline from a row of `record_changes`.
fn change(r: &sqlx::any::AnyRow) -> Result<Change> {
    let parse = |v: Option<String>| v.and_then(|s| serde_json::from_str(&s).ok());
    Ok(Change {
        at: rfc3339(r.try_get("at")?),
        actor_user_id: r.try_get("actor_user_id")?,
        actor_name: r.try_get("actor_name")?,
        action: r.try_get("action")?,
        field: r.try_get("field")?,
        old_value: parse(r.try_get("old_value")?),
        new_value: parse(r.try_get("new_value")?),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn only_changed_fields_are_listed() {
        let before = json!({ "given_name": "Ana", "emails": ["a@x.ca"], "notes": null });
        let after = json!({ "given_name": "Ana", "emails": ["b@x.ca"], "notes": "VIP" });
        let changes = diff(&before, &after, &["given_name", "emails", "notes"]);
        assert_eq!(
            changes,
            vec![
                ("emails".to_string(), json!(["a@x.ca"]), json!(["b@x.ca"])),
                ("notes".to_string(), Value::Null, json!("VIP")),
            ]
        );
    }
}
