//! Per-practice module state: whether the module is enabled, and its settings
//! (validated against the declarations in its plugin.toml; missing values take
//! the declared defaults).

use serde_json::{Map, Value};
use sqlx::{Any, Executor, Row};

use crate::error::{AppError, FieldErrors, Result};
use crate::practices::Practice;
use immcase_manifest::Manifest;
use immcase_manifest::settings::{Mistake, check};

pub struct ModuleState {
    pub enabled: bool,
    pub settings: Map<String, Value>,
    pub version: i64,
}

pub async fn state<'e, E>(db: E, practice: &Practice, module: &str) -> Result<ModuleState>
where
    E: Executor<'e, Database = Any>,
{
    let row = sqlx::query("SELECT enabled, settings, version FROM practice_modules WHERE practice_id = $1 AND module_id = $2")
        .bind(practice.id())
        .bind(module)
        .fetch_optional(db)
        .await?;
    Ok(match row {
        Some(r) => ModuleState {
            enabled: r.try_get::<i64, _>("enabled")? != 0,
            settings: serde_json::from_str(r.try_get("settings")?).unwrap_or_default(),
            version: r.try_get("version")?,
        },
        None => ModuleState {
            enabled: false,
            settings: Map::new(),
            version: 0,
        },
    })
}

/// How long a process trusts its cached list of a practice's enabled modules.
/// Changes made through this process apply at once; changes made by another
/// process sharing the database apply within this time.
pub const ENABLED_CACHE_TTL: std::time::Duration = std::time::Duration::from_secs(2);

/// A practice's enabled module ids, and when they were read.
type CachedIds = (std::time::Instant, std::sync::Arc<Vec<String>>);

/// The enabled modules of each practice, as last read, and when.
#[derive(Default)]
pub struct EnabledCache {
    entries: std::sync::RwLock<std::collections::HashMap<String, CachedIds>>,
    /// Moves on each `forget`: a read that began before it is not kept, so
    /// a change made through this process is never hidden by an older read.
    generation: std::sync::atomic::AtomicU64,
}

impl EnabledCache {
    /// The practice's enabled modules, from the cache while it is fresh.
    pub async fn get(
        &self,
        db: &sqlx::AnyPool,
        practice: &Practice,
    ) -> Result<std::sync::Arc<Vec<String>>> {
        if let Ok(entries) = self.entries.read()
            && let Some((at, ids)) = entries.get(practice.id())
            && at.elapsed() < ENABLED_CACHE_TTL
        {
            return Ok(ids.clone());
        }
        self.read(db, practice).await
    }

    /// Whether the practice has `module` enabled. A module the cache does
    /// not list is looked up again, so one just enabled (by another
    /// process) is never taken for disabled.
    pub async fn is_enabled(
        &self,
        db: &sqlx::AnyPool,
        practice: &Practice,
        module: &str,
    ) -> Result<bool> {
        if self.get(db, practice).await?.iter().any(|id| id == module) {
            return Ok(true);
        }
        Ok(self.read(db, practice).await?.iter().any(|id| id == module))
    }

    /// Reads the practice's enabled modules and keeps them, unless this
    /// process changed them meanwhile.
    async fn read(
        &self,
        db: &sqlx::AnyPool,
        practice: &Practice,
    ) -> Result<std::sync::Arc<Vec<String>>> {
        use std::sync::atomic::Ordering;
        let generation = self.generation.load(Ordering::Acquire);
        let ids = std::sync::Arc::new(enabled_ids(db, practice).await?);
        if let Ok(mut entries) = self.entries.write()
            && self.generation.load(Ordering::Acquire) == generation
        {
            entries.insert(
                practice.id().to_string(),
                (std::time::Instant::now(), ids.clone()),
            );
        }
        Ok(ids)
    }

    /// Forgets a practice's entry (after this process changed it).
    pub fn forget(&self, practice: &Practice) {
        if let Ok(mut entries) = self.entries.write() {
            entries.remove(practice.id());
            self.generation
                .fetch_add(1, std::sync::atomic::Ordering::AcqRel);
        }
    }
}

/// The ids of the modules the practice has enabled.
pub async fn enabled_ids<'e, E>(db: E, practice: &Practice) -> Result<Vec<String>>
where
    E: Executor<'e, Database = Any>,
{
    Ok(sqlx::query_scalar("SELECT module_id FROM practice_modules WHERE practice_id = $1 AND enabled = 1 ORDER BY module_id")
        .bind(practice.id())
        .fetch_all(db)
        .await?)
}

async fn upsert<'e, E>(
    db: E,
    practice: &Practice,
    module: &str,
    enabled: bool,
    settings: &Map<String, Value>,
    now: i64,
) -> Result<()>
where
    E: Executor<'e, Database = Any>,
{
    sqlx::query(
        "INSERT INTO practice_modules (practice_id, module_id, enabled, settings, version, updated_at) \
         VALUES ($1, $2, $3, $4, 1, $5) ON CONFLICT (practice_id, module_id) DO UPDATE \
         SET enabled = excluded.enabled, settings = excluded.settings, \
         version = practice_modules.version + 1, updated_at = excluded.updated_at",
    )
    .bind(practice.id())
    .bind(module)
    .bind(i64::from(enabled))
    .bind(Value::Object(settings.clone()).to_string())
    .bind(now)
    .execute(db)
    .await?;
    Ok(())
}

pub async fn set_enabled(
    tx: &mut crate::db::Tx,
    practice: &Practice,
    module: &str,
    enabled: bool,
    now: i64,
) -> Result<()> {
    let current = state(&mut **tx, practice, module).await?;
    upsert(&mut **tx, practice, module, enabled, &current.settings, now).await
}

/// The settings a module sees: the saved values with every default filled
/// in. Saved values that no longer follow the declarations (a newer version
/// of the module declares them otherwise) give way to their defaults.
pub async fn effective<'e, E>(
    db: E,
    practice: &Practice,
    manifest: &Manifest,
) -> Result<Map<String, Value>>
where
    E: Executor<'e, Database = Any>,
{
    let saved = state(db, practice, &manifest.id).await?.settings;
    Ok(readable(manifest, saved))
}

/// Saved settings as the module reads them: each top-level setting with a
/// mistake is dropped (and takes its default).
pub fn readable(manifest: &Manifest, mut saved: Map<String, Value>) -> Map<String, Value> {
    loop {
        match check(&manifest.settings, &saved) {
            Ok(checked) => return checked.values,
            Err(mistakes) => {
                let before = saved.len();
                for m in &mistakes {
                    saved.remove(top_level(&m.path));
                }
                if saved.len() == before {
                    return manifest.default_settings();
                }
                tracing::warn!(module = %manifest.id, mistakes = %describe(&mistakes), "saved settings no longer follow the module's declarations; their defaults are used");
            }
        }
    }
}

fn describe(mistakes: &[Mistake]) -> String {
    mistakes
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}

/// `categories` of `categories[2].key`.
fn top_level(path: &str) -> &str {
    path.split(['.', '[']).next().unwrap_or(path)
}

/// Checks settings against the module's declarations and the practice's
/// people: every mistake named by its path (`categories[2].sla_hours`).
/// The values to keep, nulls left out.
pub async fn checked(
    tx: &mut crate::db::Tx,
    practice: &Practice,
    manifest: &Manifest,
    values: &Map<String, Value>,
) -> Result<Map<String, Value>> {
    let people = match check(&manifest.settings, values) {
        Ok(checked) => checked.people,
        Err(mistakes) => {
            let mut errors = FieldErrors::new();
            for m in mistakes {
                errors.entry(m.path).or_insert(m.message);
            }
            return Err(AppError::check_fields_err(errors));
        }
    };
    let mut errors = FieldErrors::new();
    for p in people {
        let known: Option<String> =
            sqlx::query_scalar("SELECT id FROM users WHERE practice_id = $1 AND id = $2")
                .bind(practice.id())
                .bind(&p.id)
                .fetch_optional(&mut **tx)
                .await?;
        if known.is_none() {
            errors
                .entry(p.path)
                .or_insert_with(|| format!("{:?} is not a person of this practice", p.id));
        }
    }
    AppError::check_fields(errors)?;
    Ok(values
        .iter()
        .filter(|(_, v)| !v.is_null())
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect())
}

/// Checks and saves settings over `expected_version`; every wrong field is
/// named by its path.
pub async fn save(
    tx: &mut crate::db::Tx,
    practice: &Practice,
    manifest: &Manifest,
    values: Map<String, Value>,
    expected_version: i64,
    now: i64,
) -> Result<()> {
    let values = checked(tx, practice, manifest, &values).await?;
    let current = state(&mut **tx, practice, &manifest.id).await?;
    if current.version != expected_version {
        return Err(AppError::Conflict {
            message: format!(
                "these settings were changed by someone else (now at version {})",
                current.version
            ),
            current: Some(Value::Object(
                effective(&mut **tx, practice, manifest).await?,
            )),
        });
    }
    upsert(
        &mut **tx,
        practice,
        &manifest.id,
        current.enabled,
        &values,
        now,
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn saved_settings_a_new_version_refuses_give_way_to_their_defaults() {
        let manifest = Manifest::parse(
            r#"
id = "desk"
name = "Desk"
version = "2.0.0"
host-api = "^0.1"

[settings.days]
type = "integer"
default = 7
maximum = 30

[settings.teams]
type = "array"
default = []
items = { type = "object", required = ["name"], properties = { name = { type = "string" } } }
"#,
        )
        .unwrap();
        let saved = json!({"days": 90, "teams": [{"name": "Front"}], "gone": true});
        let read = readable(&manifest, saved.as_object().unwrap().clone());
        assert_eq!(
            Value::Object(read),
            json!({"days": 7, "teams": [{"name": "Front"}]})
        );
        assert_eq!(top_level("teams[0].name"), "teams");
        assert_eq!(top_level("days"), "days");
    }
}
