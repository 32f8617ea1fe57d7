//! A plugin registry in a folder, with test modules published to it the
//! way a module author publishes: the component carrying its plugin.toml,
//! signed with a publisher key the registry's root lists.

use immcase_registry::publish::RootChanges;
use immcase_registry::{FolderRegistry, SecretKey};

pub struct TestRegistry {
    pub dir: tempfile::TempDir,
    pub root_key: SecretKey,
    pub snapshot_key: SecretKey,
    pub publisher: SecretKey,
}

impl TestRegistry {
    /// An empty registry whose publisher key may publish `modules`.
    pub fn new(modules: &[&str]) -> TestRegistry {
        let dir = tempfile::tempdir().expect("temp dir");
        let (root_key, _) = SecretKey::generate(None).expect("root key");
        let (snapshot_key, _) = SecretKey::generate(None).expect("snapshot key");
        let (publisher, _) = SecretKey::generate(None).expect("publisher key");
        let now = jiff::Timestamp::now();
        let publishers: Vec<_> = modules
            .iter()
            .map(|m| (m.to_string(), publisher.public().clone()))
            .collect();
        FolderRegistry::init(dir.path(), &root_key, &snapshot_key, &publishers, now)
            .expect("init the registry");
        TestRegistry {
            dir,
            root_key,
            snapshot_key,
            publisher,
        }
    }

    /// What a server is configured with to use it: the folder and the
    /// root's public key.
    pub fn config(&self) -> (String, String) {
        (
            self.dir.path().display().to_string(),
            self.root_key.public().to_base64(),
        )
    }

    /// Publishes the test module `folder` (under `tests/modules`) with its
    /// plugin.toml changed by `edit` (a new version, another nav entry), and
    /// signs a new snapshot.
    pub fn publish(&self, folder: &str, edit: impl FnOnce(String) -> String) {
        let (manifest, wasm) = crate::test_module_files(folder);
        let manifest = edit(std::fs::read_to_string(manifest).expect("read plugin.toml"));
        let component = std::fs::read(wasm).expect("read the component");
        let now = jiff::Timestamp::now();
        let registry = FolderRegistry::at(self.dir.path());
        registry
            .publish(&component, &manifest, &self.publisher, now)
            .expect("publish");
        registry
            .refresh(&self.snapshot_key, None, RootChanges::default(), now)
            .expect("sign a snapshot");
    }
}

impl TestRegistry {
    /// Marks a published version yanked, and signs a new snapshot.
    pub fn yank(&self, id: &str, version: &str) {
        let registry = FolderRegistry::at(self.dir.path());
        registry
            .yank(id, &version.parse().expect("a version"), true)
            .expect("yank");
        registry
            .refresh(
                &self.snapshot_key,
                None,
                RootChanges::default(),
                jiff::Timestamp::now(),
            )
            .expect("sign a snapshot");
    }

    /// Revokes a published version, with the reason servers show.
    pub fn revoke(&self, id: &str, version: &str, reason: &str) {
        let changes = RootChanges {
            revoke: vec![immcase_registry::documents::Revocation {
                module: id.into(),
                version: version.parse().expect("a version"),
                reason: reason.into(),
            }],
            ..RootChanges::default()
        };
        FolderRegistry::at(self.dir.path())
            .refresh(
                &self.snapshot_key,
                Some(&self.root_key),
                changes,
                jiff::Timestamp::now(),
            )
            .expect("revoke");
    }
}

/// Where every module bundled in the binary is installed from a registry,
/// once per test process: published (signed, its plugin.toml carried in
/// it) to a registry of its own, then read back as a server reads it —
/// root, snapshot, index and package checked — and installed. Test servers
/// load the bundled modules from here, as a server installs them.
pub async fn bundled_modules_installed() -> std::path::PathBuf {
    static INSTALLED: tokio::sync::OnceCell<std::path::PathBuf> =
        tokio::sync::OnceCell::const_new();
    INSTALLED
        .get_or_init(|| async {
            let bundled = immcase::bundled_modules();
            let ids: Vec<String> = bundled
                .iter()
                .map(|m| {
                    immcase_manifest::Manifest::parse(&m.manifest)
                        .expect("a bundled plugin.toml")
                        .id
                })
                .collect();
            let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
            let registry = TestRegistry::new(&ids);
            let now = jiff::Timestamp::now();
            let folder = FolderRegistry::at(registry.dir.path());
            for module in &bundled {
                folder
                    .publish(&module.wasm, &module.manifest, &registry.publisher, now)
                    .expect("publish a bundled module");
            }
            folder
                .refresh(&registry.snapshot_key, None, RootChanges::default(), now)
                .expect("sign a snapshot");
            let kept = tempfile::Builder::new()
                .prefix("immcase-installed-")
                .tempdir()
                .expect("temp dir")
                .keep();
            let store = immcase_registry::Store::open(&kept).expect("open the store");
            let source = immcase_registry::Source::Folder(registry.dir.path().to_path_buf());
            let checked = immcase_registry::client::check(
                &source,
                registry.root_key.public(),
                &store.trust_file(),
                now,
            )
            .await
            .expect("check the registry");
            for id in ids {
                let line = checked.index(id).await.expect("its index").remove(0);
                let package = checked.download(&line).await.expect("a checked package");
                store.add(&package).expect("install");
                store.activate(id, &line.version).expect("activate");
            }
            kept
        })
        .await
        .clone()
}

/// `plugin.toml` text with its `version` set to `version`.
pub fn with_version(manifest: &str, version: &str) -> String {
    manifest
        .lines()
        .map(|l| {
            if l.starts_with("version = ") {
                format!("version = \"{version}\"")
            } else {
                l.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}
