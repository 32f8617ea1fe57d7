//! The registry's commands. A module author: `plugin keygen`, `plugin
//! build`, `plugin publish`, `plugin yank`. A registry's keeper: `registry
//! init`, `registry refresh`. A server's operator: `plugin list`, `search`,
//! `install`, `upgrade`, `rollback`, `uninstall`, which change the modules
//! installed in the server's data folder (loaded at its next start).

use std::collections::BTreeMap;
use std::io::{BufRead, IsTerminal, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use immcase_manifest::Manifest;
use immcase_registry::client::{self, Checked, Source};
use immcase_registry::documents::{IndexLine, KeyRevocation, Revocation};
use immcase_registry::plan::{self, Running};
use immcase_registry::publish::RootChanges;
use immcase_registry::resolve::{Host, Want};
use immcase_registry::{FolderRegistry, PublicKey, SecretKey, Store, package};
use jiff::Timestamp;
use semver::Version;

/// The password of sealed secret keys, when they are sealed.
pub const KEY_PASSWORD_ENV: &str = "IMMCASE_KEY_PASSWORD";

fn key_password() -> Option<String> {
    std::env::var(KEY_PASSWORD_ENV)
        .ok()
        .filter(|p| !p.is_empty())
}

/// Reads a secret key file (sealed ones open with IMMCASE_KEY_PASSWORD).
pub fn read_secret_key(path: &Path) -> anyhow::Result<SecretKey> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("reading the secret key {}", path.display()))?;
    SecretKey::parse(&text, key_password().as_deref())
        .with_context(|| format!("the secret key {}", path.display()))
}

/// Reads a public key: its base64 line, or a file holding it.
pub fn read_public_key(text_or_path: &str) -> anyhow::Result<PublicKey> {
    PublicKey::from_text_or_file(text_or_path)
        .with_context(|| format!("the public key {text_or_path:?}"))
}

/// Writes `NAME.key` (secret, readable by its owner only) and `NAME.pub`;
/// refuses to overwrite either.
pub fn keygen(dir: &Path, name: &str) -> anyhow::Result<(PathBuf, PathBuf, String)> {
    let secret_path = dir.join(format!("{name}.key"));
    let public_path = dir.join(format!("{name}.pub"));
    for path in [&secret_path, &public_path] {
        if path.exists() {
            bail!("{} exists: keys are never overwritten", path.display());
        }
    }
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let (key, file) = SecretKey::generate(key_password().as_deref())?;
    immcase_host::secrets::write_private(&secret_path, &file)
        .with_context(|| format!("writing {}", secret_path.display()))?;
    std::fs::write(&public_path, key.public().to_file_text())
        .with_context(|| format!("writing {}", public_path.display()))?;
    Ok((secret_path, public_path, key.public().id()))
}

/// Runs `cargo build --release --target wasm32-wasip2` in the module
/// crate, its errors on the terminal; whether it built.
fn cargo_build(folder: &Path) -> anyhow::Result<bool> {
    let status = std::process::Command::new(std::env::var("CARGO").unwrap_or("cargo".into()))
        .args(["build", "--release", "--target", "wasm32-wasip2"])
        .current_dir(folder)
        .status()
        .context("running cargo")?;
    Ok(status.success())
}

/// The crate's plugin.toml, and the package: `component` carrying it.
fn package_of(folder: &Path, component: &Path) -> anyhow::Result<(String, Vec<u8>)> {
    let manifest = std::fs::read_to_string(folder.join("plugin.toml"))
        .with_context(|| format!("reading {}", folder.join("plugin.toml").display()))?;
    let wasm =
        std::fs::read(component).with_context(|| format!("reading {}", component.display()))?;
    let package = package::embed_manifest(&wasm, &manifest)?;
    Ok((manifest, package))
}

/// A module crate built into a package.
pub struct Built {
    pub manifest: Manifest,
    pub manifest_text: String,
    pub package: Vec<u8>,
    pub path: PathBuf,
}

/// Builds the module crate in `folder` for wasm32-wasip2 (unless
/// `component` is given), checks it loads as the server would load it, and
/// writes the package (the component with its plugin.toml carried in it)
/// to `target/immcase/{id}-{version}.wasm`.
pub fn build(folder: &Path, component: Option<&Path>) -> anyhow::Result<Built> {
    let component = match component {
        Some(path) => path.to_path_buf(),
        None => {
            if !cargo_build(folder)? {
                bail!("the module did not build (cargo's errors are above)");
            }
            crate::plugin_check::find_component(folder)?
        }
    };
    let checked = crate::plugin_check::plugin_check(folder, Some(&component))?;
    let (manifest_text, package) = package_of(folder, &component)?;
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| folder.join("target"))
        .join("immcase");
    std::fs::create_dir_all(&target)?;
    let m = &checked.manifest;
    let path = target.join(format!("{}-{}.wasm", m.id, m.version));
    immcase_registry::write_atomically(&path, &package)?;
    Ok(Built {
        manifest: checked.manifest,
        manifest_text,
        package,
        path,
    })
}

/// Publishes a built module to the registry in `registry`, signed with `key`.
pub fn publish(built: &Built, registry: &Path, key: &Path) -> anyhow::Result<IndexLine> {
    let key = read_secret_key(key)?;
    let line = FolderRegistry::at(registry).publish(
        &built.package,
        &built.manifest_text,
        &key,
        Timestamp::now(),
    )?;
    Ok(line)
}

/// `ID@VERSION` → its parts.
pub fn id_and_version(text: &str) -> anyhow::Result<(String, Version)> {
    let (id, version) = text
        .split_once('@')
        .with_context(|| format!("{text:?} is not ID@VERSION"))?;
    let version =
        Version::parse(version).with_context(|| format!("{version:?} is not a version"))?;
    Ok((id.to_string(), version))
}

/// `ID[@REQUIREMENT]` → the module and what is wanted of it.
pub fn id_and_want(text: &str) -> anyhow::Result<(String, Want)> {
    let (id, req) = match text.split_once('@') {
        Some((id, req)) => (id, Some(req)),
        None => (text, None),
    };
    let want = Want::parse(req)
        .with_context(|| format!("{:?} is not a version requirement", req.unwrap_or_default()))?;
    Ok((id.to_string(), want))
}

/// A registry's keys as `registry init` writes them.
pub struct InitKeys {
    pub root: PathBuf,
    pub snapshot: PathBuf,
    pub root_public: String,
}

/// Makes a new registry in `dir`, with new root and snapshot keys in
/// `keys` (unless they are there already).
pub fn registry_init(dir: &Path, keys: &Path) -> anyhow::Result<InitKeys> {
    let root = keys.join("root.key");
    let snapshot = keys.join("snapshot.key");
    if !root.exists() {
        keygen(keys, "root")?;
    }
    if !snapshot.exists() {
        keygen(keys, "snapshot")?;
    }
    let root_key = read_secret_key(&root)?;
    let snapshot_key = read_secret_key(&snapshot)?;
    FolderRegistry::init(dir, &root_key, &snapshot_key, &[], Timestamp::now())?;
    Ok(InitKeys {
        root,
        snapshot,
        root_public: root_key.public().to_base64(),
    })
}

/// What `registry refresh` changes besides the snapshot.
#[derive(Default)]
pub struct Refresh {
    /// `ID=PUBLIC-KEY` (the key's base64, or its .pub file).
    pub publishers: Vec<String>,
    /// `ID@VERSION=REASON`.
    pub revoke: Vec<String>,
    /// `KEY-ID=REASON`.
    pub revoke_keys: Vec<String>,
}

pub fn registry_refresh(
    dir: &Path,
    snapshot_key: &Path,
    root_key: Option<&Path>,
    refresh: &Refresh,
) -> anyhow::Result<immcase_registry::Snapshot> {
    let mut changes = RootChanges::default();
    for p in &refresh.publishers {
        let (id, key) = p
            .split_once('=')
            .with_context(|| format!("{p:?} is not ID=PUBLIC-KEY"))?;
        if !immcase_manifest::is_module_id(id) {
            bail!("{id:?} is not a module id");
        }
        changes
            .publishers
            .push((id.to_string(), read_public_key(key)?));
    }
    for r in &refresh.revoke {
        let (what, reason) = r
            .split_once('=')
            .with_context(|| format!("{r:?} is not ID@VERSION=REASON"))?;
        let (module, version) = id_and_version(what)?;
        changes.revoke.push(Revocation {
            module,
            version,
            reason: reason.to_string(),
        });
    }
    for r in &refresh.revoke_keys {
        let (key, reason) = r
            .split_once('=')
            .with_context(|| format!("{r:?} is not KEY-ID=REASON"))?;
        changes.revoke_keys.push(KeyRevocation {
            key: key.to_string(),
            reason: reason.to_string(),
        });
    }
    let snapshot_key = read_secret_key(snapshot_key)?;
    let root_key = root_key.map(read_secret_key).transpose()?;
    Ok(FolderRegistry::at(dir).refresh(
        &snapshot_key,
        root_key.as_ref(),
        changes,
        Timestamp::now(),
    )?)
}

/// Where a server finds its registry and keeps what it installed.
pub struct ServerRegistry {
    pub store: Store,
    pub source: Option<Source>,
    pub key: Option<PublicKey>,
    /// The server's compile cache: checking a module before installing it
    /// compiles it once for the next start too.
    pub cache: PathBuf,
}

impl ServerRegistry {
    pub fn open(
        data_dir: &Path,
        registry: Option<&str>,
        key: Option<&str>,
    ) -> anyhow::Result<ServerRegistry> {
        let store = Store::open(&data_dir.join("plugins"))?;
        Ok(ServerRegistry {
            store,
            source: registry.map(Source::parse),
            key: key.map(read_public_key).transpose()?,
            cache: data_dir.join("module-cache"),
        })
    }

    async fn checked(&self) -> anyhow::Result<Checked> {
        let (Some(source), Some(key)) = (&self.source, &self.key) else {
            bail!(
                "no registry: give --registry URL-OR-FOLDER and --registry-key ITS-ROOT-PUBLIC-KEY (IMMCASE_REGISTRY, IMMCASE_REGISTRY_KEY)"
            );
        };
        Ok(client::check(source, key, &self.store.trust_file(), Timestamp::now()).await?)
    }

    /// The installed modules: id, active version, the one to roll back to.
    pub fn list(&self) -> anyhow::Result<String> {
        let active = self.store.active()?;
        if active.is_empty() {
            return Ok(
                "No module is installed from a registry (the bundled modules are always there)."
                    .into(),
            );
        }
        let mut out = String::new();
        for m in active {
            out.push_str(&format!("{} {}", m.id, m.state.active));
            if let Some(previous) = &m.state.previous {
                out.push_str(&format!(" (rollback to {previous})"));
            }
            out.push('\n');
        }
        Ok(out.trim_end().to_string())
    }

    /// The registry's modules whose id or description has `text`.
    pub async fn search(&self, text: &str) -> anyhow::Result<String> {
        let checked = self.checked().await?;
        let host = Host::this_host();
        let needle = text.to_lowercase();
        let mut out = String::new();
        for (id, lines) in checked.all().await? {
            if !id.contains(&needle) {
                continue;
            }
            let mut versions = Vec::new();
            for line in lines.iter().rev() {
                let mut v = line.version.to_string();
                if line.yanked {
                    v.push_str(" (yanked)");
                } else if !host.meets(&line.host_api) {
                    v.push_str(&format!(" (needs host API {})", line.host_api));
                }
                versions.push(v);
            }
            out.push_str(&format!("{id}: {}\n", versions.join(", ")));
        }
        if out.is_empty() {
            return Ok(format!("No module matches {text:?}."));
        }
        Ok(out.trim_end().to_string())
    }

    /// The modules the server would run: those installed here, and the
    /// bundled ones they do not replace.
    fn running(&self) -> anyhow::Result<BTreeMap<String, Running>> {
        let mut running = BTreeMap::new();
        for m in self.store.active()? {
            let text = std::fs::read_to_string(m.manifest())?;
            let manifest = Manifest::parse(&text)?;
            running.insert(
                m.id.clone(),
                Running {
                    manifest,
                    from_registry: true,
                },
            );
        }
        for bundled in crate::bundled_modules() {
            if let Ok(manifest) = Manifest::parse(&bundled.manifest) {
                running.entry(manifest.id.clone()).or_insert(Running {
                    manifest,
                    from_registry: false,
                });
            }
        }
        Ok(running)
    }

    /// Installs (or upgrades to) what `wants` resolves to: each package
    /// downloaded and checked, loaded as the server loads it, shown for
    /// consent, then made active. With `dry_run`, only says what it would do.
    pub async fn install(
        &self,
        wants: BTreeMap<String, Want>,
        dry_run: bool,
        consent: &mut dyn Consent,
    ) -> anyhow::Result<String> {
        let checked = self.checked().await?;
        let running = self.running()?;
        let steps = plan::plan(&checked, &running, wants, &Host::this_host()).await?;
        if steps.is_empty() {
            return Ok("Nothing to do: the installed versions are the ones chosen.".into());
        }
        if dry_run {
            let lines: Vec<String> = steps
                .iter()
                .map(|s| format!("  {}", s.describe()))
                .collect();
            return Ok(format!("Would install:\n{}", lines.join("\n")));
        }
        // Everything downloaded, checked and written before anything changes.
        let mut ready = Vec::new();
        for step in &steps {
            let package = checked.download(&step.line).await?;
            let manifest = Manifest::parse(&package.manifest)?;
            crate::plugin_check::check_loads(
                &package.manifest,
                package.bytes.clone(),
                &format!("registry:{}@{}", step.line.id, step.line.version),
                &self.cache,
            )
            .with_context(|| {
                format!(
                    "{} {} cannot run on this server",
                    step.line.id, step.line.version
                )
            })?;
            // The same version in place of a bundled one: shown whole.
            let before = running
                .get(&step.line.id)
                .map(|r| &r.manifest)
                .filter(|m| m.version != step.line.version);
            let asked = consent_text(before, &manifest);
            if !consent.ask(&asked)? {
                bail!(
                    "Nothing was installed: {} {} was not accepted.",
                    step.line.id,
                    step.line.version
                );
            }
            self.store.add(&package)?;
            ready.push(step);
        }
        let mut done = Vec::new();
        for step in ready {
            self.store.activate(&step.line.id, &step.line.version)?;
            done.push(format!("  {}", step.describe()));
        }
        Ok(format!(
            "Installed:\n{}\nThey run from the server's next start.",
            done.join("\n")
        ))
    }

    pub fn rollback(&self, id: &str) -> anyhow::Result<String> {
        let before = self.store.state(id)?.map(|s| s.active);
        let state = self.store.rollback(id)?;
        Ok(format!(
            "{id} is back at {} (was {}); it runs from the server's next start.",
            state.active,
            before.map(|v| v.to_string()).unwrap_or_default()
        ))
    }

    pub fn uninstall(&self, id: &str) -> anyhow::Result<String> {
        self.store.uninstall(id)?;
        Ok(format!(
            "{id} is uninstalled; the server stops loading it at its next start (its data is kept)."
        ))
    }
}

/// What the operator is asked before a module is installed: everything it
/// asks for, and on an upgrade what it asks for that it did not before and
/// what it no longer asks for.
fn consent_text(before: Option<&Manifest>, manifest: &Manifest) -> String {
    let asks = plan::asks(before, manifest);
    let mut text = format!("{} ({}) {}", manifest.name, manifest.id, manifest.version);
    match before {
        None => {
            text.push_str(" asks to:");
            for line in &asks.all {
                text.push_str(&format!("\n  - {line}"));
            }
            if asks.all.is_empty() {
                text.push_str("\n  (nothing beyond its own settings)");
            }
        }
        Some(before) => {
            text.push_str(&format!(" replaces {}.", before.version));
            if asks.added.is_empty() && asks.dropped.is_empty() {
                text.push_str(" It asks for nothing new.");
            }
            for line in &asks.added {
                text.push_str(&format!("\n  + {line}"));
            }
            for line in &asks.dropped {
                text.push_str(&format!("\n  - no longer: {line}"));
            }
        }
    }
    text
}

/// Asks the operator to accept a module.
pub trait Consent {
    fn ask(&mut self, what: &str) -> anyhow::Result<bool>;
}

/// `--yes`: accepted, and printed for the record.
pub struct Accept;

impl Consent for Accept {
    fn ask(&mut self, what: &str) -> anyhow::Result<bool> {
        println!("{what}");
        Ok(true)
    }
}

/// Asks on the terminal; without one, refuses and says to pass --yes.
pub struct Ask;

impl Consent for Ask {
    fn ask(&mut self, what: &str) -> anyhow::Result<bool> {
        println!("{what}");
        if !std::io::stdin().is_terminal() {
            bail!("no terminal to ask on: read the above and pass --yes to accept it");
        }
        print!("Install it? [y/N] ");
        std::io::stdout().flush()?;
        let mut answer = String::new();
        std::io::stdin().lock().read_line(&mut answer)?;
        Ok(matches!(answer.trim(), "y" | "Y" | "yes"))
    }
}

/// `immcase plugin dev`: builds the module crate in `folder`, loads it into
/// the running local server at `server` (started with `--dev` on the same
/// data folder), and again on every change of its sources, printing the
/// build's errors and the server's refusals. With `once`, one build and
/// load, and its outcome as the command's.
pub async fn dev(folder: &Path, server: &str, data_dir: &Path, once: bool) -> anyhow::Result<()> {
    let token_path = data_dir.join(immcase_host::PLUGINS_DIR).join("dev.token");
    let token = std::fs::read_to_string(&token_path).with_context(|| {
        format!(
            "no {}: start the server with --dev on the same data folder (--data-dir)",
            token_path.display()
        )
    })?;
    let _ = rustls::crypto::ring::default_provider().install_default();
    let http = reqwest::Client::new();
    let url = format!("{}/api/v1/server/dev/modules", server.trim_end_matches('/'));
    let mut seen = None;
    loop {
        let stamp = newest_source_change(folder);
        if seen != Some(stamp) {
            seen = Some(stamp);
            let outcome = dev_round(folder, &http, &url, token.trim(), server).await;
            match &outcome {
                Ok(said) => println!("{said}"),
                Err(e) => println!("{e:#}"),
            }
            if once {
                return outcome.map(|_| ());
            }
            println!(
                "Watching {} for changes (Ctrl-C to stop).",
                folder.display()
            );
        }
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    }
}

async fn dev_round(
    folder: &Path,
    http: &reqwest::Client,
    url: &str,
    token: &str,
    server: &str,
) -> anyhow::Result<String> {
    println!("Building {} …", folder.display());
    if !cargo_build(folder)? {
        bail!("The build failed (cargo's errors are above); the server keeps the version it has.");
    }
    let component = crate::plugin_check::find_component(folder)?;
    let (_, package) = package_of(folder, &component)?;
    let answer = http
        .post(url)
        .bearer_auth(token)
        .header("content-type", "application/wasm")
        .body(package)
        .send()
        .await
        .with_context(|| format!("reaching the server at {url}"))?;
    let status = answer.status();
    let body: serde_json::Value = answer.json().await.unwrap_or_default();
    if !status.is_success() {
        let message = body["error"]["message"]
            .as_str()
            .unwrap_or("no reason given");
        bail!("The server refused it ({status}): {message}. It keeps the version it has.");
    }
    Ok(format!(
        "Loaded {} {} in {} ms: {}{}",
        body["id"].as_str().unwrap_or_default(),
        body["version"].as_str().unwrap_or_default(),
        body["compile_ms"],
        server.trim_end_matches('/'),
        body["page"].as_str().unwrap_or_default()
    ))
}

/// The newest modification time of the crate's own files (not `target/`).
fn newest_source_change(folder: &Path) -> std::time::SystemTime {
    let mut newest = std::time::SystemTime::UNIX_EPOCH;
    let mut pending = vec![folder.to_path_buf()];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let path = entry.path();
            let name = entry.file_name();
            if name == "target" || name.to_string_lossy().starts_with('.') {
                continue;
            }
            if path.is_dir() {
                pending.push(path);
            } else if let Ok(modified) = entry.metadata().and_then(|m| m.modified()) {
                newest = newest.max(modified);
            }
        }
    }
    newest
}
