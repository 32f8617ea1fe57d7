//! Workflows, their versions and their email templates in the database.
//! Saving writes the workflow and its new version together; a version is
//! never changed afterwards.

use serde::{Deserialize, Serialize};
use sqlx::{Any, AssertSqlSafe, Executor, Row};
use utoipa::ToSchema;

use crate::access::Caller;
use crate::clock::rfc3339;
use crate::db::{Tx, new_id};
use crate::error::{AppError, Result};
use crate::practices::Practice;

/// A workflow as the API shows it.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Workflow {
    pub id: String,
    pub version: i64,
    pub name: String,
    pub description: String,
    pub active: bool,
    /// An event name (`case.stage_changed`), a pattern (`helpdesk.ticket.*`)
    /// or a schedule in cron form (`0 8 * * MON`, in the practice's zone).
    pub trigger: String,
    /// `event` or `schedule`, from the trigger.
    pub trigger_kind: String,
    /// A rhai expression; empty for always.
    pub condition: String,
    pub script: String,
    /// The role the workflow acts with.
    pub role_id: String,
    /// A schedule's next slot (RFC 3339), while it is active.
    pub next_run_at: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

/// What an administrator writes of a workflow.
#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WorkflowInput {
    pub name: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub active: bool,
    pub trigger: String,
    #[serde(default)]
    pub condition: String,
    pub script: String,
    #[serde(default)]
    pub role_id: String,
    /// Required on `PUT` (or `If-Match`): the version being changed.
    pub version: Option<i64>,
}

/// One saved version.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Version {
    pub version: i64,
    pub name: String,
    pub description: String,
    pub active: bool,
    pub trigger: String,
    pub condition: String,
    pub script: String,
    pub role_id: String,
    pub saved_by_name: String,
    pub saved_at: String,
}

const COLUMNS: &str = "id, version, name, description, active, trigger_kind, trigger_text, condition, script, \
    role_id, next_slot_at, created_at, updated_at";

fn from_row(r: &sqlx::any::AnyRow) -> Result<Workflow> {
    let next: Option<i64> = r.try_get("next_slot_at")?;
    let active = r.try_get::<i64, _>("active")? != 0;
    Ok(Workflow {
        id: r.try_get("id")?,
        version: r.try_get("version")?,
        name: r.try_get("name")?,
        description: r.try_get("description")?,
        active,
        trigger_kind: r.try_get("trigger_kind")?,
        trigger: r.try_get("trigger_text")?,
        condition: r.try_get("condition")?,
        script: r.try_get("script")?,
        role_id: r.try_get("role_id")?,
        next_run_at: next.filter(|_| active).map(rfc3339),
        created_at: rfc3339(r.try_get("created_at")?),
        updated_at: rfc3339(r.try_get("updated_at")?),
    })
}

/// The practice's workflows by name.
pub async fn list<'e, E>(db: E, practice: &Practice) -> Result<Vec<Workflow>>
where
    E: Executor<'e, Database = Any>,
{
    let rows = sqlx::query(AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM workflows WHERE practice_id = $1 ORDER BY name"
    )))
    .bind(practice.id())
    .fetch_all(db)
    .await?;
    rows.iter().map(from_row).collect()
}

pub async fn find<'e, E>(db: E, practice: &Practice, id: &str) -> Result<Option<Workflow>>
where
    E: Executor<'e, Database = Any>,
{
    let row = sqlx::query(AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM workflows WHERE practice_id = $1 AND id = $2"
    )))
    .bind(practice.id())
    .bind(id)
    .fetch_optional(db)
    .await?;
    row.as_ref().map(from_row).transpose()
}

/// What a checked input becomes.
pub struct Checked {
    pub input: WorkflowInput,
    pub trigger_kind: &'static str,
    /// A schedule's first slot from now.
    pub next_slot_at: Option<i64>,
}

type Query<'q> = sqlx::query::Query<'q, Any, sqlx::any::AnyArguments>;

/// Binds what is written of a workflow, as `$3` to `$11` of an insert or an
/// update: name, description, active, trigger kind and text, condition,
/// script, role and next slot.
fn bind_fields<'q>(query: Query<'q>, w: &'q Checked) -> Query<'q> {
    let i = &w.input;
    query
        .bind(&i.name)
        .bind(&i.description)
        .bind(i64::from(i.active))
        .bind(w.trigger_kind)
        .bind(&i.trigger)
        .bind(&i.condition)
        .bind(&i.script)
        .bind(&i.role_id)
        .bind(w.next_slot_at)
}

/// Writes a new workflow at version 1.
pub async fn insert(tx: &mut Tx, caller: &Caller, w: &Checked, now: i64) -> Result<String> {
    let id = new_id();
    let query = sqlx::query(
        "INSERT INTO workflows (id, practice_id, name, description, active, trigger_kind, trigger_text, \
         condition, script, role_id, version, next_slot_at, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 1, $11, $12, $12)",
    )
    .bind(&id)
    .bind(caller.practice.id());
    bind_fields(query, w)
        .bind(now)
        .execute(&mut **tx)
        .await
        .map_err(|e| crate::error::unique_violation(e, "name", "another workflow has this name"))?;
    insert_version(tx, caller, &id, 1, w, now).await?;
    Ok(id)
}

/// Writes `w` over the workflow at `version`; false when it is stale.
pub async fn update(
    tx: &mut Tx,
    caller: &Caller,
    id: &str,
    version: i64,
    w: &Checked,
    now: i64,
) -> Result<bool> {
    let query = sqlx::query(
        "UPDATE workflows SET name = $3, description = $4, active = $5, trigger_kind = $6, trigger_text = $7, \
         condition = $8, script = $9, role_id = $10, next_slot_at = $11, version = version + 1, updated_at = $12 \
         WHERE practice_id = $1 AND id = $2 AND version = $13",
    )
    .bind(caller.practice.id())
    .bind(id);
    let done = bind_fields(query, w)
        .bind(now)
        .bind(version)
        .execute(&mut **tx)
        .await
        .map_err(|e| crate::error::unique_violation(e, "name", "another workflow has this name"))?;
    if done.rows_affected() != 1 {
        return Ok(false);
    }
    insert_version(tx, caller, id, version + 1, w, now).await?;
    Ok(true)
}

async fn insert_version(
    tx: &mut Tx,
    caller: &Caller,
    id: &str,
    version: i64,
    w: &Checked,
    now: i64,
) -> Result<()> {
    let i = &w.input;
    sqlx::query(
        "INSERT INTO workflow_versions (workflow_id, version, practice_id, name, description, active, trigger_kind, \
         trigger_text, condition, script, role_id, saved_by, saved_by_name, saved_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
    )
    .bind(id)
    .bind(version)
    .bind(caller.practice.id())
    .bind(&i.name)
    .bind(&i.description)
    .bind(i64::from(i.active))
    .bind(w.trigger_kind)
    .bind(&i.trigger)
    .bind(&i.condition)
    .bind(&i.script)
    .bind(&i.role_id)
    .bind(&caller.user_id)
    .bind(&caller.display_name)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The workflow's versions, newest first.
pub async fn versions<'e, E>(db: E, practice: &Practice, id: &str) -> Result<Vec<Version>>
where
    E: Executor<'e, Database = Any>,
{
    let rows = sqlx::query(
        "SELECT version, name, description, active, trigger_text, condition, script, role_id, saved_by_name, saved_at \
         FROM workflow_versions WHERE practice_id = $1 AND workflow_id = $2 ORDER BY version DESC LIMIT 200",
    )
    .bind(practice.id())
    .bind(id)
    .fetch_all(db)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Version {
                version: r.try_get("version")?,
                name: r.try_get("name")?,
                description: r.try_get("description")?,
                active: r.try_get::<i64, _>("active")? != 0,
                trigger: r.try_get("trigger_text")?,
                condition: r.try_get("condition")?,
                script: r.try_get("script")?,
                role_id: r.try_get("role_id")?,
                saved_by_name: r.try_get("saved_by_name")?,
                saved_at: rfc3339(r.try_get("saved_at")?),
            })
        })
        .collect()
}

/// An email template workflows send.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct Template {
    /// Lowercase letters, digits, `-` and `_`.
    pub name: String,
    /// `{{key}}` is replaced by the value of `key` in the data the script
    /// gives.
    pub subject: String,
    pub body: String,
}

pub async fn templates<'e, E>(db: E, practice: &Practice) -> Result<Vec<Template>>
where
    E: Executor<'e, Database = Any>,
{
    let rows: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT name, subject, body FROM workflow_templates WHERE practice_id = $1 ORDER BY name",
    )
    .bind(practice.id())
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(name, subject, body)| Template {
            name,
            subject,
            body,
        })
        .collect())
}

pub async fn template<'e, E>(db: E, practice: &Practice, name: &str) -> Result<Option<Template>>
where
    E: Executor<'e, Database = Any>,
{
    let row: Option<(String, String)> = sqlx::query_as(
        "SELECT subject, body FROM workflow_templates WHERE practice_id = $1 AND name = $2",
    )
    .bind(practice.id())
    .bind(name)
    .fetch_optional(db)
    .await?;
    Ok(row.map(|(subject, body)| Template {
        name: name.to_string(),
        subject,
        body,
    }))
}

/// Saves a template (new, or over the one of that name).
pub async fn put_template<'e, E>(db: E, practice: &Practice, t: &Template, now: i64) -> Result<()>
where
    E: Executor<'e, Database = Any>,
{
    sqlx::query(
        "INSERT INTO workflow_templates (practice_id, name, subject, body, updated_at) VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (practice_id, name) DO UPDATE SET subject = $3, body = $4, updated_at = $5",
    )
    .bind(practice.id())
    .bind(&t.name)
    .bind(&t.subject)
    .bind(&t.body)
    .bind(now)
    .execute(db)
    .await?;
    Ok(())
}

pub async fn delete_template<'e, E>(db: E, practice: &Practice, name: &str) -> Result<()>
where
    E: Executor<'e, Database = Any>,
{
    let done = sqlx::query("DELETE FROM workflow_templates WHERE practice_id = $1 AND name = $2")
        .bind(practice.id())
        .bind(name)
        .execute(db)
        .await?;
    if done.rows_affected() == 0 {
        return Err(AppError::NotFound("template"));
    }
    Ok(())
}

/// Fills `{{key}}` in `text` from `data`; a key without a value is left
/// as written, so a mistake shows in the message rather than vanishing.
pub fn fill(text: &str, data: &serde_json::Map<String, serde_json::Value>) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        match after.find("}}") {
            Some(end) => {
                let key = after[..end].trim();
                match data.get(key) {
                    Some(serde_json::Value::String(s)) => out.push_str(s),
                    Some(serde_json::Value::Null) | None => {
                        out.push_str(&rest[start..start + 2 + end + 2]);
                    }
                    Some(other) => out.push_str(&other.to_string()),
                }
                rest = &after[end + 2..];
            }
            None => {
                out.push_str(&rest[start..]);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_fill_what_the_data_has_and_show_what_it_lacks() {
        let data = serde_json::json!({"name": "Ana", "days": 90, "empty": null});
        let data = data.as_object().unwrap();
        assert_eq!(
            fill("Hello {{ name }}, {{days}} days", data),
            "Hello Ana, 90 days"
        );
        assert_eq!(
            fill("{{missing}} and {{empty}}", data),
            "{{missing}} and {{empty}}"
        );
        assert_eq!(fill("open {{ never closed", data), "open {{ never closed");
    }
}
