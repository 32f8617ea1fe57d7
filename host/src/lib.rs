//! ImmCase's host: auth, storage, permissions and HTTP routing for a
//! practice-management server. The `immcase` binary parses the command line
//! and calls into this library; tests start the same server with [`serve`].
//!
//! Each module below is one capability and uses only those beneath it in
//! `docs/layers.md` (from `error`, `clock` and `db` at the bottom to `web`
//! and `app` at the top).

pub mod access;
pub mod api;
pub mod app;
pub mod audit;
pub mod auth;
pub mod backup;
pub mod blobs;
pub mod change;
pub mod clock;
pub mod commands;
pub mod config;
pub mod dav;
pub mod db;
pub mod error;
pub mod events;
pub mod files;
pub mod input;
pub mod jobs;
pub mod mail;
pub mod mail_api;
pub mod mailboxes;
pub mod modules;
pub mod notifications;
pub mod personal_data;
pub mod practices;
pub mod records;
pub mod search;
pub mod secrets;
pub mod setup;
pub mod state;
pub mod team;
pub mod trash;
pub mod web;
pub mod workflows;

use std::future::Future;
use std::net::SocketAddr;
use std::time::Duration;

use anyhow::Context;
use tokio::net::TcpListener;
use tokio::sync::watch;

pub use config::Config;
pub use state::AppState;

/// Opens the data directory and database, applies migrations, and builds the
/// shared state.
pub async fn open(config: Config) -> anyhow::Result<AppState> {
    open_with(config, true, false).await
}

/// [`open`] for commands that change people and practices but no
/// searchable record (`practice add`, `user …`): the search index is left to
/// the server that may be running on the same data folder.
pub async fn open_for_people(config: Config) -> anyhow::Result<AppState> {
    open_with(config, false, false).await
}

/// `serving`: for the server, whose tasks each run for a practice or on
/// the system path, and see nothing outside either (`db::scope`).
async fn open_with(config: Config, with_index: bool, serving: bool) -> anyhow::Result<AppState> {
    std::fs::create_dir_all(&config.data_dir)
        .with_context(|| format!("creating the data directory {}", config.data_dir.display()))?;
    let db = if serving {
        db::Db::connect_walled(&config.database_url(), config.database_connections).await?
    } else {
        db::Db::connect(&config.database_url()).await?
    };
    db.migrate().await?;
    let keys = secrets::Keyring::load(&config.secret_keys, &config.data_dir)
        .context("loading the key for stored secrets")?;
    let mail = mail::Mailer::new(&config.mail, &config.data_dir, keys)?
        .with_claim_timeout(config.mail_claim_timeout);
    let (mut sources, revoked, installed) = installed_modules(&config.plugins_dir())?;
    // A module installed from a registry (running or revoked) replaces the
    // bundled one of its id.
    let replaced = |bundled: &&modules::ModuleSource| {
        immcase_manifest::Manifest::parse(&bundled.manifest)
            .is_ok_and(|m| installed.contains(&m.id))
    };
    sources.extend(
        config
            .bundled_modules
            .iter()
            .filter(|b| !replaced(b))
            .cloned(),
    );
    sources.extend(immcase_runtime::read_module_folders(&config.module_dirs)?);
    let cache = config.module_cache_dir();
    let engine = match &config.module_engine {
        Some(engine) => engine.clone(),
        None => modules::ModuleEngine::new()?,
    };
    // Compiling is CPU work: keep it off the async threads.
    let mut runtime = tokio::task::spawn_blocking(move || modules::load(&engine, &sources, &cache))
        .await
        .context("loading modules")??;
    for (id, origin, reason) in revoked {
        runtime = runtime.without_module(&id, &origin, &reason);
    }
    let search = if with_index {
        state::search::Search::open(&config.data_dir.join("search"))
            .context("opening the search index")?
    } else {
        state::search::Search::detached().context("preparing a search index in memory")?
    };
    let blobs =
        blobs::Blobs::open(&config.files, &config.data_dir).context("opening the blob store")?;
    let imap_tls = imap_tls(&config)?;
    let mail = match &imap_tls {
        Some(tls) => mail.with_imap_tls(tls.clone()),
        None => mail,
    };
    Ok(AppState::new(
        db, config, mail, runtime, search, blobs, imap_tls,
    ))
}

pub use config::PLUGINS_DIR;

/// A module the registry revoked: its id, origin and the refusal shown.
type Revoked = (String, String, String);

/// The active version of every module installed from a registry
/// (`DATA_DIR/plugins`, see `immcase plugin install`), origin
/// `registry:{id}@{version}`; those the registry revoked; and the ids of
/// all of them.
fn installed_modules(
    plugins_dir: &std::path::Path,
) -> anyhow::Result<(Vec<modules::ModuleSource>, Vec<Revoked>, Vec<String>)> {
    // What an interrupted download left is cleared as the server starts.
    let store =
        immcase_registry::Store::open(plugins_dir).context("opening the installed modules")?;
    let mut sources = Vec::new();
    let mut revoked = Vec::new();
    let mut ids = Vec::new();
    for module in store.active().context("reading the installed modules")? {
        ids.push(module.id.clone());
        let origin = modules::installs::origin(&module.id, &module.state.active);
        if module.state.yanked {
            tracing::warn!(module = %module.id, version = %module.state.active, "runs a version its publisher withdrew (yanked)");
        }
        if let Some(reason) = &module.state.revoked {
            let said =
                modules::installs::revoked_in_words(&module.id, &module.state.active, reason);
            tracing::warn!(module = %module.id, version = %module.state.active, %reason, "not loaded: revoked by the registry");
            revoked.push((module.id.clone(), origin, said));
            continue;
        }
        let source = modules::installs::installed_source(&store, &module.id, &module.state.active)
            .context("reading an installed module")?;
        sources.push(source);
    }
    Ok((sources, revoked, ids))
}

/// TLS for mail servers: the system's certificate authorities and those of
/// `--mail-ca-file`. A file given but unreadable stops the server; no
/// authorities at all only leaves mailboxes unable to connect, each saying
/// so.
fn imap_tls(config: &Config) -> anyhow::Result<Option<std::sync::Arc<rustls::ClientConfig>>> {
    let extra = match &config.mail_ca_file {
        Some(path) => Some(
            std::fs::read(path)
                .with_context(|| format!("reading the mail CA file {}", path.display()))?,
        ),
        None => None,
    };
    match mailboxes::imap::client_tls(extra.as_deref()) {
        Ok(tls) => Ok(Some(tls)),
        Err(e) if extra.is_some() => Err(e.context("the mail CA file")),
        Err(e) => {
            tracing::warn!(
                error = format!("{e:#}"),
                "no certificate authorities for mail servers: mailboxes cannot connect"
            );
            Ok(None)
        }
    }
}

/// On an empty database, creates the default practice and its administrator.
/// Returns what was created, so the caller can show a generated password.
pub async fn bootstrap(state: &AppState) -> anyhow::Result<Option<setup::CreatedPractice>> {
    if practices::count(state.db.pool()).await? > 0 {
        return Ok(None);
    }
    let config = &state.config;
    let new = setup::NewPractice {
        slug: &config.default_practice,
        name: "Default practice",
        admin_email: &config.admin_email,
        admin_password: config.admin_password.clone(),
    };
    let created = setup::create(state, new)
        .await
        .map_err(|e| anyhow::anyhow!("creating the default practice: {e}"))?;
    Ok(Some(created))
}

/// Runs the server on `listener` until `shutdown` completes, then stops
/// taking requests, lets the ones in flight finish, and stops the workers.
pub async fn serve(
    config: Config,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    serve_with(config, listener, shutdown, axum::Router::new()).await
}

/// [`serve`] with extra practice routes (see [`api::router_with`]).
pub async fn serve_with(
    config: Config,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
    extra_routes: axum::Router<AppState>,
) -> anyhow::Result<()> {
    // Starting up covers every practice; each request then runs for its
    // own practice and each worker on the system path (`db::scope`).
    db::scope::as_system(serving(config, listener, shutdown, extra_routes)).await
}

async fn serving(
    config: Config,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
    extra_routes: axum::Router<AppState>,
) -> anyhow::Result<()> {
    if config.dev_modules {
        modules::dev::write_token(&config)
            .context("writing the token for modules under development")?;
        tracing::warn!(
            "loading modules under development from this machine (--dev): not for a server people use"
        );
    }
    let state = open_with(config, true, true).await?;
    if let Some(created) = bootstrap(&state).await? {
        tracing::info!(practice = created.practice.slug(), admin = %created.admin_email, "created the default practice");
        if let Some(password) = &created.generated_password {
            println!(
                "\nCreated practice `{}` with administrator {}.\nTheir password is: {password}\n\
                 It is shown only this once: sign in and change it from your profile.\n",
                created.practice.slug(),
                created.admin_email
            );
        }
    }
    match modules::indexes::refresh(&state).await {
        Ok(0) => {}
        Ok(n) => tracing::info!(
            collections = n,
            "module indexes brought up to their manifests"
        ),
        // Lists filtered by a new field would miss earlier documents:
        // better not to serve than to serve them wrong.
        Err(e) => return Err(anyhow::Error::new(e).context("rebuilding module indexes")),
    }
    match modules::earlier_settings::carry_over(&state).await {
        Ok(0) => {}
        Ok(n) => tracing::info!(practices = n, "module settings carried over"),
        Err(e) => tracing::warn!(error = %e, "carrying over earlier module settings failed"),
    }
    let (stop_tx, stop_rx) = watch::channel(false);
    let subscribers = mail_api::subscribers_of(&state);
    state.mail.set_hooks(mail::Hooks {
        subscribers,
        wake_jobs: state.jobs_wake.clone(),
    });
    let fetcher = mail_api::fetcher_of(&state);
    let workers = vec![
        tokio::spawn(db::scope::as_system(mailboxes::fetch::run_worker(
            state.db.clone(),
            fetcher,
            stop_rx.clone(),
        ))),
        tokio::spawn(db::scope::as_system(mail::run_worker(
            state.db.clone(),
            state.mail.clone(),
            state.clock.clone(),
            stop_rx.clone(),
        ))),
        tokio::spawn(db::scope::as_system(modules::background::run_worker(
            state.clone(),
            stop_rx.clone(),
        ))),
        tokio::spawn(db::scope::as_system(search::feed::run_worker(
            state.clone(),
            stop_rx.clone(),
        ))),
        tokio::spawn(db::scope::as_system(workflows::worker::run_worker(
            state.clone(),
            stop_rx.clone(),
        ))),
        tokio::spawn(db::scope::as_system(housekeeping(state.clone(), stop_rx))),
    ];
    let app = app::router_with(state.clone(), extra_routes);
    tracing::info!(addr = %listener.local_addr()?, "ImmCase is listening");
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
    .context("serving HTTP")?;
    let _ = stop_tx.send(true);
    for worker in workers {
        if tokio::time::timeout(Duration::from_secs(10), worker)
            .await
            .is_err()
        {
            tracing::warn!("a background worker did not stop within 10 seconds");
        }
    }
    state.db.close().await;
    tracing::info!("ImmCase stopped");
    Ok(())
}

/// Deletes what has expired: sessions past their timeouts, sign-in failures
/// out of every window, used or expired password links, and deletions kept
/// in the trash past the retention period; every six hours (of the server's
/// clock), audit entries past the audit retention, applicants past their
/// practice's retention (to the trash) and file contents that no file
/// names.
async fn housekeeping(state: AppState, mut stop: watch::Receiver<bool>) {
    const BLOB_SWEEP_EVERY_MS: i64 = 6 * 60 * 60 * 1000;
    let mut blobs_swept_at: Option<i64> = None;
    loop {
        if let Err(e) = sweep(&state).await {
            tracing::warn!(error = %e, "housekeeping pass failed");
        }
        let now = state.now_ms();
        if blobs_swept_at.is_none_or(|at| now - at >= BLOB_SWEEP_EVERY_MS) {
            blobs_swept_at = Some(now);
            // Revocations reach a server that nobody opens the versions of.
            if state.config.registry.is_some() {
                match modules::installs::check_revocations(&state).await {
                    Ok(0) => {}
                    Ok(n) => {
                        tracing::warn!(modules = n, "modules revoked by the registry were stopped")
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "reading the registry for revocations failed")
                    }
                }
            }
            match personal_data::retention::apply(&state).await {
                Ok(0) => {}
                Ok(applicants) => tracing::info!(
                    applicants,
                    "moved applicants past their practice's retention to the trash"
                ),
                Err(e) => tracing::warn!(error = %e, "applying the retention rules failed"),
            }
            match audit::trim(&state).await {
                Ok(0) => {}
                Ok(deleted) => tracing::info!(deleted, "deleted audit entries past the retention"),
                Err(e) => tracing::warn!(error = %e, "trimming the audit log failed"),
            }
            match files::sweep::remove_unreferenced(&state).await {
                Ok(0) => {}
                Ok(removed) => tracing::info!(removed, "removed unreferenced file contents"),
                Err(e) => tracing::warn!(error = %e, "sweeping unreferenced file contents failed"),
            }
        }
        tokio::select! {
            _ = tokio::time::sleep(state.config.housekeeping_interval) => {}
            _ = stop.changed() => return,
        }
    }
}

async fn sweep(state: &AppState) -> error::Result<()> {
    let now = state.now_ms();
    let ms = |d: jiff::SignedDuration| i64::try_from(d.as_millis()).unwrap_or(i64::MAX / 2);
    let pool = state.db.pool();
    let sessions = state.config.sessions;
    sqlx::query("DELETE FROM sessions WHERE last_seen_at < $1 OR created_at < $2")
        .bind(now - ms(sessions.idle_timeout))
        .bind(now - ms(sessions.absolute_timeout))
        .execute(pool)
        .await?;
    sqlx::query("DELETE FROM sign_in_failures WHERE at < $1")
        .bind(now - ms(state.config.throttle.window))
        .execute(pool)
        .await?;
    auth::throttle::forget_old_addresses(pool, now).await?;
    sqlx::query("DELETE FROM reset_requests WHERE at < $1")
        .bind(now - 86_400_000)
        .execute(pool)
        .await?;
    sqlx::query("DELETE FROM password_tokens WHERE expires_at < $1")
        .bind(now - 86_400_000)
        .execute(pool)
        .await?;
    auth::reset::handle_pending(state).await?;
    let purged = trash::purge_expired(state).await?;
    if purged > 0 {
        tracing::info!(purged, "purged deletions older than the trash retention");
    }
    Ok(())
}

/// Resolves on SIGINT or SIGTERM. The handlers are installed when this is
/// called, not when the future is first polled, so a signal that arrives
/// while the server is still starting is not lost (nor fatal).
pub fn shutdown_signal() -> impl Future<Output = ()> + Send + 'static {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let term = signal(SignalKind::terminate());
        let int = signal(SignalKind::interrupt());
        async move {
            match (term, int) {
                (Ok(mut term), Ok(mut int)) => {
                    tokio::select! {
                        _ = term.recv() => {}
                        _ = int.recv() => {}
                    }
                }
                _ => {
                    let _ = tokio::signal::ctrl_c().await;
                }
            }
            tracing::info!("shutting down");
        }
    }
    #[cfg(not(unix))]
    async {
        let _ = tokio::signal::ctrl_c().await;
        tracing::info!("shutting down");
    }
}
