//! The state every handler shares (`AppState`), and the state each module
//! call carries (`call`).

pub mod call;
pub mod index_generations;
pub mod live_modules;
pub mod module_settings;
pub mod search;
pub mod signed_out;

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use crate::clock::Clock;
use crate::config::Config;
use crate::db::Db;
use crate::error::Result;
use crate::mail::Mailer;
use crate::practices::{self, Practice};

/// What every request, worker and module call of one server shares. Cheap
/// to clone (one reference count): axum clones it for each layer a request
/// passes through.
#[derive(Clone)]
pub struct AppState(Arc<Shared>);

impl std::ops::Deref for AppState {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.0
    }
}

/// The parts of [`AppState`].
pub struct Shared {
    pub db: Db,
    pub config: Arc<Config>,
    pub clock: Arc<dyn Clock>,
    pub mail: Mailer,
    /// The modules offered now (replaced whole when one is installed,
    /// upgraded or rolled back while the server runs).
    pub modules: Arc<live_modules::LiveModules>,
    /// Which modules each practice has enabled (see `settings::EnabledCache`).
    pub enabled_modules: Arc<crate::practices::modules::EnabledCache>,
    /// Each module's settings per practice, as the `settings` import gives them.
    pub module_settings: Arc<module_settings::SettingsCache>,
    /// Woken when events or timers are written, so they are delivered at once.
    pub jobs_wake: Arc<tokio::sync::Notify>,
    /// Woken by the job worker after each of its passes (events written
    /// may have queued workflow runs), and when a run is retried.
    pub workflows_wake: Arc<tokio::sync::Notify>,
    /// Woken when a mailbox should be fetched now.
    pub mailbox_wake: Arc<tokio::sync::Notify>,
    /// TLS for IMAP: the platform's roots and the configured extra ones;
    /// `None` on a machine without any (each mailbox then says so).
    pub imap_tls: Option<Arc<rustls::ClientConfig>>,
    /// This process's search index and its position in the queue.
    pub search: Arc<search::Search>,
    /// Where file contents are kept.
    pub blobs: Arc<crate::blobs::Blobs>,
    /// Practices seen so far, by slug. Practices are never removed while the
    /// server runs, so only found ones are kept; a rename in Settings →
    /// Practice replaces the one kept (another process sharing the database
    /// shows the old name until it restarts).
    practices: RwLock<KnownPractices>,
    /// What signed-out clients may still add to the audit log.
    pub signed_out_audit: signed_out::SignedOutBudget,
}

impl AppState {
    pub fn new(
        db: Db,
        config: Config,
        mail: Mailer,
        modules: immcase_runtime::Runtime<call::CallState>,
        search: search::Search,
        blobs: crate::blobs::Blobs,
        imap_tls: Option<Arc<rustls::ClientConfig>>,
    ) -> AppState {
        AppState(Arc::new(Shared {
            db,
            modules: Arc::new(live_modules::LiveModules::new(modules)),
            enabled_modules: Arc::default(),
            module_settings: Arc::default(),
            jobs_wake: Arc::default(),
            workflows_wake: Arc::default(),
            mailbox_wake: Arc::default(),
            imap_tls,
            search: Arc::new(search),
            blobs: Arc::new(blobs),
            clock: config.clock.clone(),
            config: Arc::new(config),
            mail,
            practices: RwLock::default(),
            signed_out_audit: signed_out::SignedOutBudget::default(),
        }))
    }

    pub fn now_ms(&self) -> i64 {
        self.clock.now_ms()
    }

    /// The installed modules subscribed to events named `name`.
    pub fn subscribers(&self, name: &str) -> Vec<String> {
        self.modules.subscribers(name)
    }

    /// The practice with this slug, from the practices seen so far or the
    /// database.
    pub async fn practice_by_slug(&self, slug: &str) -> Result<Option<Practice>> {
        if let Some(p) = self.known(|k| k.by_slug.get(slug).cloned()) {
            return Ok(Some(p));
        }
        // Finding a practice comes before knowing whose rows to see.
        let (pool, slug) = (self.db.pool().clone(), slug.to_string());
        let found =
            crate::db::scope::as_system(async move { practices::find_by_slug(&pool, &slug).await })
                .await?;
        self.remember(found.as_ref());
        Ok(found)
    }

    /// The practice with this id, from the practices seen so far or the
    /// database (the job worker turns stored ids into practices).
    pub async fn practice_by_id(&self, id: &str) -> Result<Option<Practice>> {
        if let Some(p) = self.known(|k| k.by_id.get(id).cloned()) {
            return Ok(Some(p));
        }
        // Finding a practice comes before knowing whose rows to see.
        let (pool, id) = (self.db.pool().clone(), id.to_string());
        let found =
            crate::db::scope::as_system(async move { practices::find_by_id(&pool, &id).await })
                .await?;
        self.remember(found.as_ref());
        Ok(found)
    }

    fn known(&self, look: impl FnOnce(&KnownPractices) -> Option<Practice>) -> Option<Practice> {
        self.practices.read().ok().and_then(|k| look(&k))
    }

    /// Keeps `practice` as it is now, after its name changed.
    pub fn practice_renamed(&self, practice: &Practice) {
        self.remember(Some(practice));
    }

    fn remember(&self, practice: Option<&Practice>) {
        if let (Some(p), Ok(mut known)) = (practice, self.practices.write()) {
            known.by_slug.insert(p.slug().to_string(), p.clone());
            known.by_id.insert(p.id().to_string(), p.clone());
        }
    }
}

/// Practices seen so far, by slug and by id.
#[derive(Default)]
struct KnownPractices {
    by_slug: HashMap<String, Practice>,
    by_id: HashMap<String, Practice>,
}
