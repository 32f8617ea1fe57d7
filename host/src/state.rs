//! The state every handler shares.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use crate::clock::Clock;
use crate::config::Config;
use crate::db::Db;
use crate::error::Result;
use crate::mail::Mailer;
use crate::modules::Runtime;
use crate::practices::{self, Practice};

#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub config: Arc<Config>,
    pub clock: Arc<dyn Clock>,
    pub mail: Mailer,
    pub modules: Arc<Runtime>,
    /// Which modules each practice has enabled (see `settings::EnabledCache`).
    pub enabled_modules: Arc<crate::modules::settings::EnabledCache>,
    /// Woken when events or timers are written, so they are delivered at once.
    pub jobs_wake: Arc<tokio::sync::Notify>,
    /// This process's search index and its position in the queue.
    pub search: Arc<crate::search::feed::Search>,
    /// Where file contents are kept.
    pub blobs: Arc<crate::files::blob::Blobs>,
    /// Practices seen so far, by slug. Practices are never renamed or removed
    /// while the server runs, so only found ones are kept.
    practices: Arc<RwLock<HashMap<String, Practice>>>,
}

impl AppState {
    pub fn new(
        db: Db,
        config: Config,
        mail: Mailer,
        modules: Runtime,
        search: crate::search::feed::Search,
        blobs: crate::files::blob::Blobs,
    ) -> AppState {
        AppState {
            db,
            modules: Arc::new(modules),
            enabled_modules: Arc::default(),
            jobs_wake: Arc::default(),
            search: Arc::new(search),
            blobs: Arc::new(blobs),
            clock: config.clock.clone(),
            config: Arc::new(config),
            mail,
            practices: Arc::default(),
        }
    }

    pub fn now_ms(&self) -> i64 {
        self.clock.now_ms()
    }

    pub async fn practice_by_slug(&self, slug: &str) -> Result<Option<Practice>> {
        if let Some(p) = self
            .practices
            .read()
            .ok()
            .and_then(|m| m.get(slug).cloned())
        {
            return Ok(Some(p));
        }
        let found = practices::find_by_slug(self.db.pool(), slug).await?;
        if let (Some(p), Ok(mut cache)) = (&found, self.practices.write()) {
            cache.insert(slug.to_string(), p.clone());
        }
        Ok(found)
    }
}
