//! Installing, upgrading and rolling back modules while the server runs,
//! for its operators (`access::operators`), from the registry the server
//! was started with (`--registry`, `--registry-key`).
//!
//! - **Prepare**: the versions the solver chooses are downloaded, every
//!   package checked (`immcase_registry::client`) and linked against this
//!   host's contract, and written to their immutable version folders, not
//!   yet active; the operator is shown what
//!   each asks for, and on an upgrade what changed.
//! - **Install** (after consent): each version is compiled and linked
//!   beside the running set (a refusal changes nothing); the module's
//!   documents are copied to a snapshot; the store's active version is
//!   switched by rename; the running set is swapped; indexes and earlier
//!   settings are brought up to the new manifest; and the module must
//!   answer a request to its first page. When it does not, all of it is
//!   undone by itself: the previous version active again, its documents
//!   restored as they were, and the operator told why.
//! - **Rollback** by hand: the version before, from its folder (no
//!   network), with the documents of the snapshot taken when it was left.

use std::collections::BTreeMap;
use std::sync::{Arc, OnceLock};

use immcase_registry::client::{self, Checked, Source};
use immcase_registry::plan::{self, Asks, Running};
use immcase_registry::resolve::{self, Host, Want};
use immcase_registry::{PublicKey, RegistryError, Store};
use semver::Version;
use serde::Serialize;
use utoipa::ToSchema;

use super::bindings::HttpRequest;
use super::{LoadedModule, ModuleSource, call};
use crate::access::{Caller, operators};
use crate::api::ClientAddr;
use crate::audit::{self, Actor};
use crate::error::{AppError, Result};
use crate::state::AppState;

/// One change of modules at a time in this process.
fn changing() -> &'static tokio::sync::Mutex<()> {
    static LOCK: OnceLock<tokio::sync::Mutex<()>> = OnceLock::new();
    LOCK.get_or_init(|| tokio::sync::Mutex::new(()))
}

fn registry_error(e: RegistryError) -> AppError {
    AppError::conflict(format!("the registry: {e}"))
}

fn store(state: &AppState) -> Result<Store> {
    Store::ensure(&state.config.plugins_dir()).map_err(registry_error)
}

/// The server's registry, checked now.
async fn checked(state: &AppState) -> Result<Checked> {
    let (Some(source), Some(key)) = (&state.config.registry, &state.config.registry_key) else {
        return Err(AppError::conflict(
            "this server has no registry: start it with --registry (a folder or an http(s) address) and --registry-key (the registry's root public key)",
        ));
    };
    let key = PublicKey::from_text_or_file(key)
        .map_err(|e| AppError::conflict(format!("the registry key: {e}")))?;
    let store = store(state)?;
    client::check(
        &Source::parse(source),
        &key,
        &store.trust_file(),
        jiff::Timestamp::from_millisecond(state.now_ms()).unwrap_or(jiff::Timestamp::now()),
    )
    .await
    .map_err(registry_error)
}

/// The origin a module installed from a registry runs under.
pub fn origin(id: &str, version: &Version) -> String {
    format!("registry:{id}@{version}")
}

/// The version of `id` that `source` (a loaded module's origin) says was
/// installed from a registry, when it was.
fn installed_version<'s>(source: &'s str, id: &str) -> Option<&'s str> {
    source
        .strip_prefix("registry:")?
        .strip_prefix(id)?
        .strip_prefix('@')
}

/// An installed version, as the loader takes it.
pub fn installed_source(
    store: &Store,
    id: &str,
    version: &Version,
) -> std::result::Result<ModuleSource, RegistryError> {
    let (manifest, wasm) = store.read_version(id, version)?;
    Ok(ModuleSource {
        origin: origin(id, version),
        manifest: manifest.into(),
        wasm: wasm.into(),
    })
}

/// The modules running now, as the solver keeps them.
fn running(state: &AppState) -> BTreeMap<String, Running> {
    state
        .modules
        .now()
        .modules
        .values()
        .map(|m| {
            (
                m.manifest.id.clone(),
                Running {
                    manifest: m.manifest.clone(),
                    from_registry: installed_version(&m.source, &m.manifest.id).is_some(),
                },
            )
        })
        .collect()
}

/// A module of the registry, with its versions.
#[derive(Debug, Serialize, ToSchema)]
pub struct ModuleVersions {
    pub id: String,
    /// The version running now and where it came from (`bundled:…`,
    /// `registry:…`), when it runs.
    #[schema(value_type = Option<String>)]
    pub running: Option<Version>,
    pub source: Option<String>,
    /// The version a rollback goes back to.
    #[schema(value_type = Option<String>)]
    pub rollback_to: Option<Version>,
    /// Newest first.
    pub versions: Vec<VersionRow>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct VersionRow {
    #[schema(value_type = String)]
    pub version: Version,
    pub yanked: bool,
    /// Why this server cannot run it (host API, dependencies, revocation).
    pub refused: Option<String>,
    pub running: bool,
    /// When it was published (RFC 3339), and the day in words.
    pub published: String,
    pub published_on: String,
}

/// The warning Settings → Modules shows beside a module whose running
/// version its publisher withdrew, when it is one.
pub fn yanked_warning(state: &AppState, id: &str) -> Option<String> {
    let module = state.modules.get(id)?;
    let version = installed_version(&module.source, id)?.to_string();
    let kept = Store::at(&state.config.plugins_dir()).state(id).ok()??;
    (kept.yanked && kept.active.to_string() == version).then(|| {
        format!("Its publisher withdrew version {version} (yanked). It keeps running; an operator may install another version (Settings → Modules → Versions).")
    })
}

/// What an administrator reads of a revoked module (Settings → Modules).
pub fn revoked_in_words(id: &str, version: &Version, reason: &str) -> String {
    format!(
        "{id} {version} was revoked by its registry and is stopped: {reason}. An operator installs another version (Settings → Modules → Versions)."
    )
}

/// Stops every installed module whose running version the registry has
/// revoked, and records it so that it stays stopped after a restart (and
/// records which are yanked, for the warning on Settings → Modules); how
/// many were stopped.
async fn apply_revocations(state: &AppState, checked: &Checked) -> Result<usize> {
    let store = store(state)?;
    let mut stopped = 0;
    for module in store.active().map_err(registry_error)? {
        let listed = checked.index(&module.id).await.map_err(registry_error)?;
        let yanked = listed
            .iter()
            .any(|l| l.version == module.state.active && l.yanked);
        store
            .mark_yanked(&module.id, &module.state.active, yanked)
            .map_err(registry_error)?;
        let Some(reason) = checked.root.revocation(&module.id, &module.state.active) else {
            continue;
        };
        store
            .revoke(&module.id, &module.state.active, reason)
            .map_err(registry_error)?;
        let origin = origin(&module.id, &module.state.active);
        let running = state
            .modules
            .get(&module.id)
            .is_some_and(|m| m.source == origin);
        if running {
            let said = revoked_in_words(&module.id, &module.state.active, reason);
            state
                .modules
                .replace(|rt| rt.without_module(&module.id, &origin, &said));
            tracing::warn!(module = %module.id, version = %module.state.active, reason, "stopped: revoked by the registry");
            stopped += 1;
        }
    }
    Ok(stopped)
}

/// Reads the registry and stops what it revoked (the housekeeping pass).
pub async fn check_revocations(state: &AppState) -> Result<usize> {
    let checked = checked(state).await?;
    apply_revocations(state, &checked).await
}

/// Every module of the registry (and every module installed from it), with
/// each version and whether this server can run it.
pub async fn versions(state: &AppState, caller: &Caller) -> Result<Vec<ModuleVersions>> {
    operators::require(state.db.pool(), caller).await?;
    let checked = checked(state).await?;
    apply_revocations(state, &checked).await?;
    let running = running(state);
    let store = store(state)?;
    // Each index read once; every running module kept as it is, once for
    // all the versions below.
    let indexes = checked.all().await.map_err(registry_error)?;
    let mut catalog = immcase_registry::Catalog::default();
    for lines in indexes.values() {
        catalog.add_index(lines);
    }
    let (catalog, kept) = plan::with_running(catalog, &running, BTreeMap::new());
    let host = Host::this_host();
    let mut out = Vec::new();
    for (id, lines) in indexes {
        let now = running.get(&id);
        let mut rows = Vec::new();
        for line in lines.iter().rev() {
            let refused = if let Some(reason) = checked.root.revocation(&id, &line.version) {
                Some(format!("revoked: {reason}"))
            } else {
                let mut wants = kept.clone();
                wants.insert(id.clone(), Want::Exactly(line.version.clone()));
                resolve::resolve(&catalog, &host, &wants)
                    .err()
                    .map(|e| e.to_string())
            };
            rows.push(VersionRow {
                running: now.is_some_and(|r| r.manifest.version == line.version && r.from_registry),
                version: line.version.clone(),
                yanked: line.yanked,
                refused,
                published: line.published.to_string(),
                published_on: line.published.strftime("%-d %b %Y").to_string(),
            });
        }
        let state_of = store.state(&id).map_err(registry_error)?;
        out.push(ModuleVersions {
            running: now.map(|r| r.manifest.version.clone()),
            source: state.modules.get(&id).map(|m| m.source.clone()),
            rollback_to: state_of.and_then(|s| s.previous),
            versions: rows,
            id,
        });
    }
    Ok(out)
}

/// One module the operator is asked to accept.
#[derive(Debug, Serialize, ToSchema)]
pub struct Prepared {
    pub id: String,
    pub name: String,
    #[schema(value_type = String)]
    pub version: Version,
    #[schema(value_type = Option<String>)]
    pub from: Option<Version>,
    /// Everything it asks for, in words.
    pub asks_for: Vec<String>,
    /// On an upgrade: what it asks for that the running version did not.
    pub newly_asks_for: Vec<String>,
    /// On an upgrade: what the running version asked for that it does not.
    pub no_longer_asks_for: Vec<String>,
    pub yanked: bool,
}

/// Downloads and checks what installing `id` `version` takes (with the
/// modules it needs), keeps the packages, and says what each asks for.
pub async fn prepare(
    state: &AppState,
    caller: &Caller,
    id: &str,
    version: &Version,
) -> Result<Vec<Prepared>> {
    operators::require(state.db.pool(), caller).await?;
    let checked = checked(state).await?;
    let running = running(state);
    let wants = BTreeMap::from([(id.to_string(), Want::Exactly(version.clone()))]);
    let steps = plan::plan(&checked, &running, wants, &Host::this_host())
        .await
        .map_err(|e| AppError::conflict(e.to_string()))?;
    if steps.is_empty() {
        return Err(AppError::conflict(format!(
            "{id} {version} is the version running now"
        )));
    }
    let store = store(state)?;
    let mut out = Vec::new();
    for step in steps {
        let package = checked.download(&step.line).await.map_err(registry_error)?;
        let manifest = immcase_manifest::Manifest::parse(&package.manifest)
            .map_err(|e| AppError::conflict(e.to_string()))?;
        // Linked against this host's contract before anyone is asked (the
        // machine code is cached for the install that follows).
        load(
            state,
            ModuleSource {
                origin: origin(&step.line.id, &step.line.version),
                manifest: package.manifest.clone().into(),
                wasm: package.bytes.clone().into(),
            },
        )
        .await?;
        store.add(&package).map_err(registry_error)?;
        let before = running
            .get(&step.line.id)
            .map(|r| &r.manifest)
            .filter(|m| m.version != step.line.version);
        let Asks {
            all,
            added,
            dropped,
        } = plan::asks(before, &manifest);
        out.push(Prepared {
            id: step.line.id.clone(),
            name: manifest.name.clone(),
            version: step.line.version.clone(),
            from: step.from.clone(),
            asks_for: all,
            newly_asks_for: added,
            no_longer_asks_for: dropped,
            yanked: step.line.yanked,
        });
    }
    Ok(out)
}

/// How a change ended.
#[derive(Debug, Serialize, ToSchema)]
pub struct Outcome {
    pub id: String,
    #[schema(value_type = String)]
    pub version: Version,
    #[schema(value_type = Option<String>)]
    pub from: Option<Version>,
    /// `installed`, `rolled_back` (by hand) or `undone` (it failed its
    /// check and the previous version runs again).
    pub outcome: &'static str,
    /// Why it was undone.
    pub reason: Option<String>,
}

/// Makes active the prepared versions `steps` (each `id`, `version`), in order.
pub async fn install(
    state: &AppState,
    caller: &Caller,
    client: &ClientAddr,
    steps: &[(String, Version)],
) -> Result<Vec<Outcome>> {
    operators::require(state.db.pool(), caller).await?;
    let _one_at_a_time = changing().lock().await;
    let store = store(state)?;
    for (id, version) in steps {
        if !store.version_dir(id, version).join("line.json").exists() {
            return Err(AppError::conflict(format!(
                "{id} {version} was not downloaded and checked on this server: ask for it again"
            )));
        }
    }
    let mut out = Vec::new();
    for (id, version) in steps {
        // Snapshots, data migrations and checks cover every practice.
        let switched = switch_to(state, caller, client, &store, id, version, "install");
        out.push(crate::db::scope::as_system(switched).await?);
    }
    Ok(out)
}

/// Goes back to the version `id` ran before its last change, with the
/// documents it had then.
pub async fn rollback(
    state: &AppState,
    caller: &Caller,
    client: &ClientAddr,
    id: &str,
) -> Result<Outcome> {
    operators::require(state.db.pool(), caller).await?;
    let _one_at_a_time = changing().lock().await;
    let store = store(state)?;
    let current = store
        .state(id)
        .map_err(registry_error)?
        .ok_or_else(|| AppError::conflict(format!("{id} was not installed from a registry")))?;
    let previous = current.previous.clone().ok_or_else(|| {
        AppError::conflict(format!("{id} has no earlier version to roll back to"))
    })?;
    let switched = switch_to(state, caller, client, &store, id, &previous, "rollback");
    crate::db::scope::as_system(switched).await
}

/// Loads `id` `version` from its folder, snapshots (or, going back,
/// restores) the module's documents, switches the store and the running
/// set, and checks it answers; undoes it all when it does not.
async fn switch_to(
    state: &AppState,
    caller: &Caller,
    client: &ClientAddr,
    store: &Store,
    id: &str,
    version: &Version,
    action: &'static str,
) -> Result<Outcome> {
    let source = installed_source(store, id, version).map_err(registry_error)?;
    let loaded = load(state, source).await?;
    let old = state.modules.get(id);
    let old_version = old.as_ref().map(|m| m.manifest.version.clone());
    let old_state = store.state(id).map_err(registry_error)?;
    // Going back restores the documents kept when the version was left.
    let restore = match (&old_version, action) {
        (Some(from), "rollback") => latest_snapshot(state, id, version, from).await?,
        _ => None,
    };
    let snapshot = match &old_version {
        Some(from) => Some(snapshot_data(state, id, from, version).await?),
        None => None,
    };
    if let Some(snapshot_id) = &restore {
        restore_data(state, id, snapshot_id).await?;
    }
    let switched = match action {
        "rollback" => store.rollback(id),
        _ => store.activate(id, version),
    };
    switched.map_err(registry_error)?;
    state.modules.replace(|rt| rt.with_module(loaded.clone()));
    refresh(state).await;
    // Its data migration first (an upgrade to a version that has one), then
    // its first page.
    let migrated = match (action, &old_version, &loaded.manifest.upgrade_action) {
        ("install", Some(from), Some(hook)) if from < version => {
            migrate(state, &loaded, hook, from, version).await
        }
        _ => Ok(()),
    };
    let check = match migrated {
        Ok(()) => answers(state, caller, &loaded).await,
        Err(reason) => Err(reason),
    };
    let (outcome, reason) = match check {
        Ok(()) => (
            if action == "rollback" {
                "rolled_back"
            } else {
                "installed"
            },
            None,
        ),
        Err(reason) => {
            // Undo: the store, the documents, the running set.
            if let Err(e) = store.put_state(id, old_state.as_ref()) {
                tracing::error!(module = id, error = %e, "putting the module's previous version back");
            }
            if let Some(snapshot_id) = &snapshot {
                restore_data(state, id, snapshot_id).await?;
            }
            state.modules.replace(|rt| match &old {
                Some(old) => rt.with_module(old.clone()),
                None => rt.without_module(
                    id,
                    &origin(id, version),
                    &format!("{id} {version} did not answer its check and was undone: {reason}"),
                ),
            });
            refresh(state).await;
            ("undone", Some(reason))
        }
    };
    record(
        state,
        caller,
        client,
        id,
        action,
        old_version.as_ref(),
        version,
        outcome,
        reason.as_deref(),
    )
    .await?;
    Ok(Outcome {
        id: id.to_string(),
        version: version.clone(),
        from: old_version,
        outcome,
        reason,
    })
}

/// Compiles and links one module beside the running set (off the async
/// threads); a refusal is the loader's own words.
pub(crate) async fn load(state: &AppState, source: ModuleSource) -> Result<Arc<LoadedModule>> {
    let engine = state.modules.now().engine.clone();
    let cache = state.config.module_cache_dir();
    let runtime = tokio::task::spawn_blocking(move || super::load(&engine, &[source], &cache))
        .await
        .map_err(|e| AppError::Internal(e.into()))?
        .map_err(|e| AppError::Internal(e.into()))?;
    if let Some(refused) = runtime.refused.first() {
        return Err(AppError::conflict(format!(
            "this server cannot run it: {}",
            refused.reason
        )));
    }
    runtime
        .modules
        .into_values()
        .next()
        .ok_or_else(|| AppError::conflict("the package holds no module"))
}

pub(crate) async fn refresh(state: &AppState) {
    // Every practice's documents and settings.
    let state = state.clone();
    crate::db::scope::as_system(async move {
        if let Err(e) = super::indexes::refresh(&state).await {
            tracing::error!(error = %e, "rebuilding module indexes after a module change");
        }
        if let Err(e) = super::earlier_settings::carry_over(&state).await {
            tracing::error!(error = %e, "carrying module settings over after a module change");
        }
    })
    .await
}

/// Whether the module answers a request to its first page (or `/`) as the
/// operator, without trapping and without a server error. Nothing it
/// writes is kept.
async fn answers(
    state: &AppState,
    caller: &Caller,
    module: &Arc<LoadedModule>,
) -> std::result::Result<(), String> {
    let path = module
        .manifest
        .nav
        .first()
        .map(|n| n.path.clone())
        .unwrap_or_else(|| "/".into());
    let request = HttpRequest {
        method: "GET".into(),
        path: path.clone(),
        query: String::new(),
        headers: vec![("accept".into(), "text/html".into())],
        body: Vec::new(),
        page: true,
    };
    let record = call::caller_record(state, &caller.practice, Some(caller));
    let answer = call::run(
        state,
        module,
        &caller.practice,
        Some(caller),
        None,
        |_| false,
        move |m, store| Box::pin(async move { m.call_handle_http(store, &record, &request).await }),
    )
    .await;
    match answer {
        Ok(r) if r.status < 500 => Ok(()),
        Ok(r) => Err(format!("it answered {} to GET {path}", r.status)),
        Err(e) => Err(e.to_string()),
    }
}

/// Runs the new version's data migration (its `upgrade-action`) in every
/// practice that has the module enabled, each in its own transaction;
/// the first refusal is the reason the upgrade is undone.
async fn migrate(
    state: &AppState,
    module: &Arc<LoadedModule>,
    hook: &str,
    from: &Version,
    to: &Version,
) -> std::result::Result<(), String> {
    let id = &module.manifest.id;
    let practices: Vec<String> = sqlx::query_scalar(
        "SELECT practice_id FROM practice_modules WHERE module_id = $1 AND enabled <> 0 ORDER BY practice_id",
    )
    .bind(id)
    .fetch_all(state.db.pool())
    .await
    .map_err(|e| e.to_string())?;
    let input = serde_json::json!({ "from": from.to_string(), "to": to.to_string() }).to_string();
    for practice_id in practices {
        let Some(practice) = state
            .practice_by_id(&practice_id)
            .await
            .map_err(|e| e.to_string())?
        else {
            continue;
        };
        let record = call::caller_record(state, &practice, None);
        let (name, input) = (hook.to_string(), input.clone());
        let answer = call::run(
            state,
            module,
            &practice,
            None,
            None,
            |r: &std::result::Result<String, _>| r.is_ok(),
            move |m, store| {
                Box::pin(async move { m.call_call_action(store, &record, &name, &input).await })
            },
        )
        .await;
        let slug = practice.slug();
        match answer {
            Ok(Ok(_)) => tracing::info!(module = %id, practice = slug, hook, "data migrated"),
            Ok(Err(e)) => {
                return Err(format!(
                    "its data migration `{hook}` refused in practice `{slug}`: {}",
                    super::imports_actions::describe(&e)
                ));
            }
            Err(e) => {
                return Err(format!(
                    "its data migration `{hook}` failed in practice `{slug}`: {e}"
                ));
            }
        }
    }
    Ok(())
}

/// Copies the module's documents in every practice; the snapshot's id.
async fn snapshot_data(state: &AppState, id: &str, from: &Version, to: &Version) -> Result<String> {
    let snapshot_id = crate::db::new_id();
    let now = state.now_ms();
    let mut tx = state.db.begin().await?;
    sqlx::query(
        "INSERT INTO module_data_snapshots (id, module_id, from_version, to_version, documents, created_at) \
         VALUES ($1, $2, $3, $4, 0, $5)",
    )
    .bind(&snapshot_id)
    .bind(id)
    .bind(from.to_string())
    .bind(to.to_string())
    .bind(now)
    .execute(&mut *tx)
    .await?;
    let copied = sqlx::query(
        "INSERT INTO module_document_snapshots (snapshot_id, practice_id, collection, id, version, data, created_at, updated_at) \
         SELECT $1, practice_id, collection, id, version, data, created_at, updated_at FROM module_documents WHERE module_id = $2",
    )
    .bind(&snapshot_id)
    .bind(id)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    sqlx::query("UPDATE module_data_snapshots SET documents = $2 WHERE id = $1")
        .bind(&snapshot_id)
        .bind(copied as i64)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(snapshot_id)
}

/// The newest snapshot taken when `id` went from `from` to `to`.
async fn latest_snapshot(
    state: &AppState,
    id: &str,
    from: &Version,
    to: &Version,
) -> Result<Option<String>> {
    Ok(sqlx::query_scalar(
        "SELECT id FROM module_data_snapshots WHERE module_id = $1 AND from_version = $2 AND to_version = $3 \
         ORDER BY created_at DESC, id DESC LIMIT 1",
    )
    .bind(id)
    .bind(from.to_string())
    .bind(to.to_string())
    .fetch_optional(state.db.pool())
    .await?)
}

/// Puts the module's documents back as a snapshot has them; the copies of
/// their indexed fields are made again from them.
async fn restore_data(state: &AppState, id: &str, snapshot_id: &str) -> Result<()> {
    let mut tx = state.db.begin().await?;
    for table in [
        "module_document_fields",
        "module_documents",
        "module_indexes",
    ] {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "DELETE FROM {table} WHERE module_id = $1"
        )))
        .bind(id)
        .execute(&mut *tx)
        .await?;
    }
    sqlx::query(
        "INSERT INTO module_documents (practice_id, module_id, collection, id, version, data, created_at, updated_at) \
         SELECT practice_id, $2, collection, id, version, data, created_at, updated_at FROM module_document_snapshots WHERE snapshot_id = $1",
    )
    .bind(snapshot_id)
    .bind(id)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(())
}

#[allow(clippy::too_many_arguments)]
async fn record(
    state: &AppState,
    caller: &Caller,
    client: &ClientAddr,
    id: &str,
    action: &str,
    from: Option<&Version>,
    to: &Version,
    outcome: &str,
    reason: Option<&str>,
) -> Result<()> {
    let now = state.now_ms();
    let mut tx = state.db.begin().await?;
    sqlx::query(
        "INSERT INTO module_installs (id, module_id, action, from_version, to_version, outcome, detail, by_user, by_practice, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(crate::db::new_id())
    .bind(id)
    .bind(action)
    .bind(from.map(Version::to_string))
    .bind(to.to_string())
    .bind(outcome)
    .bind(reason.unwrap_or_default())
    .bind(&caller.user_id)
    .bind(caller.practice.id())
    .bind(now)
    .execute(&mut *tx)
    .await?;
    let entry = audit::Entry {
        actor: Actor::of(caller),
        action: match outcome {
            "installed" => "module.installed",
            "rolled_back" => "module.rolled_back",
            _ => "module.install_undone",
        },
        target: Some(format!("module:{id}")),
        client_addr: Some(&client.0),
        details: serde_json::json!({
            "from": from.map(Version::to_string),
            "to": to.to_string(),
            "reason": reason,
        }),
    };
    audit::record(&mut *tx, &caller.practice, now, entry).await?;
    tx.commit().await?;
    Ok(())
}
