//! Indexes a module declares after it has stored documents. The store copies
//! a document's indexed fields when the document is written, so a field a
//! new version of a module starts to index (the helpdesk's `case_id`, say)
//! would find none of the documents written before. When the server starts,
//! each loaded module's `[indexes]` are compared with the list recorded in
//! `module_indexes` when its copies were last made; a collection whose list
//! changed (or was never recorded) has the copies of every document, in
//! every practice, made again, in batches of one transaction each, and the
//! new list is recorded last. A start stopped halfway records nothing and
//! starts over next time; making the copies again is harmless.

use serde_json::{Map, Value};
use sqlx::{AssertSqlSafe, Row};

use crate::db::Backend;
use crate::error::Result;
use crate::modules::store;
use crate::state::AppState;

/// Documents read and rewritten per transaction.
const BATCH: i64 = 500;

/// Brings every loaded module's indexed fields up to its manifest. Returns
/// how many collections had their copies rebuilt.
pub async fn refresh(state: &AppState) -> Result<usize> {
    let mut rebuilt = 0;
    for module in state.modules.now().modules.values() {
        let manifest = &module.manifest;
        let store_collections = manifest.capabilities.store.iter();
        for collection in store_collections {
            let fields = manifest
                .indexes
                .get(collection)
                .cloned()
                .unwrap_or_default();
            let listed = fields.join(",");
            let recorded: Option<String> = sqlx::query_scalar(
                "SELECT fields FROM module_indexes WHERE module_id = $1 AND collection = $2",
            )
            .bind(&manifest.id)
            .bind(collection)
            .fetch_optional(state.db.pool())
            .await?;
            if recorded.as_deref() == Some(listed.as_str()) {
                continue;
            }
            let documents = rebuild(state, &manifest.id, collection, &fields).await?;
            record(state, &manifest.id, collection, &listed).await?;
            if documents > 0 {
                tracing::info!(module = %manifest.id, collection, fields = %listed, documents, "indexed fields rebuilt");
            }
            rebuilt += 1;
        }
    }
    Ok(rebuilt)
}

/// Makes again the copies of `fields` of every document of a collection.
/// Returns how many documents it read.
async fn rebuild(
    state: &AppState,
    module: &str,
    collection: &str,
    fields: &[String],
) -> Result<u64> {
    // Another server writing meanwhile waits for each batch (SQLite has one
    // writer at a time; PostgreSQL locks the batch's rows).
    let lock = match state.db.backend() {
        Backend::Postgres => " FOR UPDATE",
        Backend::Sqlite => "",
    };
    let select = format!(
        "SELECT practice_id, id, data FROM module_documents \
         WHERE module_id = $1 AND collection = $2 \
           AND (practice_id > $3 OR (practice_id = $3 AND id > $4)) \
         ORDER BY practice_id, id LIMIT $5{lock}"
    );
    let mut after = (String::new(), String::new());
    let mut documents = 0;
    loop {
        let mut tx = state.db.begin().await?;
        let rows = sqlx::query(AssertSqlSafe(select.as_str()))
            .bind(module)
            .bind(collection)
            .bind(&after.0)
            .bind(&after.1)
            .bind(BATCH)
            .fetch_all(&mut *tx)
            .await?;
        let Some(last) = rows.last() else {
            return Ok(documents);
        };
        after = (last.try_get("practice_id")?, last.try_get("id")?);
        for row in &rows {
            let practice: String = row.try_get("practice_id")?;
            let id: String = row.try_get("id")?;
            let data: String = row.try_get("data")?;
            let object = match serde_json::from_str::<Value>(&data) {
                Ok(Value::Object(object)) => object,
                _ => Map::new(),
            };
            store::write_fields(
                &mut tx,
                (&practice, module, collection),
                &id,
                &object,
                fields,
            )
            .await?;
            documents += 1;
        }
        tx.commit().await?;
    }
}

async fn record(state: &AppState, module: &str, collection: &str, fields: &str) -> Result<()> {
    let mut tx = state.db.begin().await?;
    sqlx::query(
        "INSERT INTO module_indexes (module_id, collection, fields, built_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (module_id, collection) DO UPDATE SET fields = excluded.fields, built_at = excluded.built_at",
    )
    .bind(module)
    .bind(collection)
    .bind(fields)
    .bind(state.now_ms())
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(())
}
