//! Settings an earlier version of a module kept in its own document store,
//! moved into the host's module settings. A manifest that says where they
//! were (`[earlier-settings] collection = "config", id = "settings"`) has
//! them carried over when the server starts, once per practice that has no
//! settings of its own saved yet: the document is checked against the
//! declarations (a person it names must still be one of the practice's),
//! saved as the module's settings, recorded in the audit log with its
//! content, and removed from the store, all in one transaction. A document
//! that does not follow the declarations is left where it is, with a
//! warning naming each mistake; the practice keeps the defaults until an
//! administrator saves settings.

use serde_json::{Map, Value};
use sqlx::Row;

use crate::audit::{self, Actor};
use crate::error::Result;
use crate::practices::{self, modules as settings};
use crate::state::AppState;

/// Carries over every practice's earlier settings of every loaded module
/// that declares where they were. Returns how many practices' settings
/// were carried over.
pub async fn carry_over(state: &AppState) -> Result<usize> {
    let mut moved = 0;
    for module in state.modules.now().modules.values() {
        let manifest = &module.manifest;
        let Some(earlier) = &manifest.earlier_settings else {
            continue;
        };
        let rows = sqlx::query(
            "SELECT practice_id, data FROM module_documents \
             WHERE module_id = $1 AND collection = $2 AND id = $3",
        )
        .bind(&manifest.id)
        .bind(&earlier.collection)
        .bind(&earlier.id)
        .fetch_all(state.db.pool())
        .await?;
        for row in rows {
            let practice_id: String = row.try_get("practice_id")?;
            let data: String = row.try_get("data")?;
            let Some(practice) = practices::find_by_id(state.db.pool(), &practice_id).await? else {
                continue;
            };
            let values: Map<String, Value> = match serde_json::from_str(&data) {
                Ok(Value::Object(values)) => values,
                _ => {
                    tracing::warn!(module = %manifest.id, practice = practice.slug(), "earlier settings are not a JSON object: left where they are");
                    continue;
                }
            };
            let mut tx = state.db.begin().await?;
            let current = settings::state(&mut *tx, &practice, &manifest.id).await?;
            if !current.settings.is_empty() {
                // Settings saved through the host win; the document stays.
                continue;
            }
            let kept = match settings::checked(&mut tx, &practice, manifest, &values).await {
                Ok(kept) => kept,
                Err(e) => {
                    tracing::warn!(module = %manifest.id, practice = practice.slug(), error = %e, "earlier settings do not follow the module's declarations: left where they are");
                    continue;
                }
            };
            let now = state.now_ms();
            let saved = settings::save(
                &mut tx,
                &practice,
                manifest,
                kept.clone(),
                current.version,
                now,
            )
            .await;
            if let Err(e) = saved {
                // Another server sharing the database carried them over first.
                tracing::info!(module = %manifest.id, practice = practice.slug(), error = %e, "earlier settings not carried over");
                continue;
            }
            for table_and_key in [
                "DELETE FROM module_document_fields WHERE practice_id = $1 AND module_id = $2 AND collection = $3 AND doc_id = $4",
                "DELETE FROM module_documents WHERE practice_id = $1 AND module_id = $2 AND collection = $3 AND id = $4",
            ] {
                sqlx::query(table_and_key)
                    .bind(practice.id())
                    .bind(&manifest.id)
                    .bind(&earlier.collection)
                    .bind(&earlier.id)
                    .execute(&mut *tx)
                    .await?;
            }
            let entry = audit::Entry {
                actor: Actor::default(),
                action: "module.settings_carried_over",
                target: Some(format!("module:{}", manifest.id)),
                client_addr: None,
                details: serde_json::json!({
                    "from": format!("{}/{}", earlier.collection, earlier.id),
                    "values": kept,
                }),
            };
            audit::record(&mut *tx, &practice, now, entry).await?;
            tx.commit().await?;
            state.module_settings.forget(&practice, &manifest.id);
            tracing::info!(module = %manifest.id, practice = practice.slug(), "earlier settings carried over into the module's settings");
            moved += 1;
        }
    }
    Ok(moved)
}
