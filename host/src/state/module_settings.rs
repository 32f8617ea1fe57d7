//! Each module's settings in each practice as the `settings` import gives
//! them: read, checked against the module's declarations and written as JSON
//! once, then kept for as long as the enabled modules are (a change made by
//! another server process shows within that time), or until this process
//! saves them again.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Instant;

use immcase_manifest::Manifest;
use sqlx::{Any, Executor};

use crate::error::Result;
use crate::practices::Practice;
use crate::practices::modules::{ENABLED_CACHE_TTL, effective};

/// (practice id, module id) → when read, and the settings as JSON.
type Entries = HashMap<(String, String), (Instant, Arc<str>)>;

#[derive(Default)]
pub struct SettingsCache {
    entries: RwLock<Entries>,
    /// Moves on each `forget`: a read that began before it is not kept.
    generation: AtomicU64,
}

impl SettingsCache {
    /// The effective settings of `manifest`'s module in `practice`, as JSON.
    pub async fn get<'e, E>(
        &self,
        db: E,
        practice: &Practice,
        manifest: &Manifest,
    ) -> Result<Arc<str>>
    where
        E: Executor<'e, Database = Any>,
    {
        let key = (practice.id().to_string(), manifest.id.clone());
        if let Ok(entries) = self.entries.read()
            && let Some((at, json)) = entries.get(&key)
            && at.elapsed() < ENABLED_CACHE_TTL
        {
            return Ok(json.clone());
        }
        let generation = self.generation.load(Ordering::Acquire);
        let values = effective(db, practice, manifest).await?;
        let json: Arc<str> = serde_json::Value::Object(values).to_string().into();
        if let Ok(mut entries) = self.entries.write()
            && self.generation.load(Ordering::Acquire) == generation
        {
            entries.insert(key, (Instant::now(), json.clone()));
        }
        Ok(json)
    }

    /// Forgets a module's settings in a practice (after this process saved
    /// them).
    pub fn forget(&self, practice: &Practice, module_id: &str) {
        if let Ok(mut entries) = self.entries.write() {
            entries.remove(&(practice.id().to_string(), module_id.to_string()));
            self.generation.fetch_add(1, Ordering::AcqRel);
        }
    }
}
