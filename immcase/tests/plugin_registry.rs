//! The registry commands as an author, a registry's keeper and a server's
//! operator run them: a real module (the bundled helpdesk's component)
//! published, signed and installed, upgraded, refused when tampered with,
//! rolled back without the registry, and loaded by the server from where it
//! was installed.

#![allow(clippy::unwrap_used)] // A failed unwrap is a failed test.

use std::path::{Path, PathBuf};
use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_immcase");

struct Setup {
    dir: tempfile::TempDir,
}

impl Setup {
    fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    fn immcase(&self) -> Command {
        let mut cmd = Command::new(BIN);
        for (key, _) in std::env::vars() {
            if key.starts_with("IMMCASE_") {
                cmd.env_remove(key);
            }
        }
        cmd.env("IMMCASE_DATA_DIR", self.path("data"))
            .env("IMMCASE_REGISTRY", self.path("registry"))
            .env("IMMCASE_REGISTRY_KEY", self.path("keys/root.pub"));
        cmd
    }

    /// Runs the command; its output, and whether it succeeded.
    fn run(&self, args: &[&str]) -> (bool, String) {
        let out = self.immcase().args(args).output().unwrap();
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        (out.status.success(), text)
    }

    fn ok(&self, args: &[&str]) -> String {
        let (ok, text) = self.run(args);
        assert!(ok, "immcase {args:?} failed:\n{text}");
        text
    }

    fn fails(&self, args: &[&str]) -> String {
        let (ok, text) = self.run(args);
        assert!(!ok, "immcase {args:?} should have failed:\n{text}");
        text
    }

    /// A module crate folder holding the bundled helpdesk's plugin.toml at
    /// `version` and its component.
    fn helpdesk_crate(&self, version: &str) -> PathBuf {
        let bundled = immcase::bundled_modules()
            .into_iter()
            .find(|m| m.origin == "bundled:helpdesk")
            .unwrap();
        let folder = self.path(&format!("helpdesk-{version}"));
        std::fs::create_dir_all(&folder).unwrap();
        let manifest = bundled.manifest.replacen(
            "version = \"1.0.0\"",
            &format!("version = \"{version}\""),
            1,
        );
        std::fs::write(folder.join("plugin.toml"), manifest).unwrap();
        std::fs::write(folder.join("helpdesk.wasm"), &*bundled.wasm).unwrap();
        folder
    }

    fn publish(&self, version: &str) -> String {
        let folder = self.helpdesk_crate(version);
        let component = folder.join("helpdesk.wasm");
        let said = self.ok(&[
            "plugin",
            "publish",
            folder.to_str().unwrap(),
            "--registry",
            self.path("registry").to_str().unwrap(),
            "--key",
            self.path("keys/publisher.key").to_str().unwrap(),
            "--component",
            component.to_str().unwrap(),
        ]);
        self.refresh();
        said
    }

    fn refresh(&self) {
        self.ok(&[
            "registry",
            "refresh",
            self.path("registry").to_str().unwrap(),
            "--snapshot-key",
            self.path("keys/snapshot.key").to_str().unwrap(),
        ]);
    }

    fn package(&self, version: &str) -> PathBuf {
        self.path(&format!("registry/packages/helpdesk/{version}.wasm"))
    }
}

fn setup() -> Setup {
    let s = Setup {
        dir: tempfile::tempdir().unwrap(),
    };
    let registry = s.path("registry");
    let keys = s.path("keys");
    let made = s.ok(&[
        "registry",
        "init",
        registry.to_str().unwrap(),
        "--keys",
        keys.to_str().unwrap(),
    ]);
    assert!(made.contains("Servers pin its root public key"), "{made}");
    let key = s.ok(&["plugin", "keygen", "--dir", keys.to_str().unwrap()]);
    assert!(key.contains("publisher.key"), "{key}");
    // Keys are never overwritten.
    let again = s.fails(&["plugin", "keygen", "--dir", keys.to_str().unwrap()]);
    assert!(again.contains("never overwritten"), "{again}");
    s.ok(&[
        "registry",
        "refresh",
        registry.to_str().unwrap(),
        "--snapshot-key",
        keys.join("snapshot.key").to_str().unwrap(),
        "--root-key",
        keys.join("root.key").to_str().unwrap(),
        "--publisher",
        &format!("helpdesk={}", keys.join("publisher.pub").display()),
    ]);
    s
}

/// The modules a server on `data` loads, with where each came from.
async fn loaded(data: &Path) -> Vec<(String, String, String)> {
    let mut config = immcase_host::Config::new(data.to_path_buf());
    config.bundled_modules = immcase::bundled_modules()
        .into_iter()
        .filter(|m| m.origin == "bundled:helpdesk")
        .collect();
    let state = immcase_host::open(config).await.unwrap();
    state
        .modules
        .now()
        .modules
        .values()
        .map(|m| {
            (
                m.manifest.id.clone(),
                m.manifest.version.to_string(),
                m.source.clone(),
            )
        })
        .collect()
}

#[tokio::test]
async fn a_module_is_published_installed_upgraded_and_rolled_back_and_the_server_loads_it() {
    let s = setup();
    let published = s.publish("1.0.0");
    assert!(
        published.contains("Published helpdesk 1.0.0"),
        "{published}"
    );
    s.publish("1.1.0");

    let found = s.ok(&["plugin", "search", "help"]);
    assert!(found.contains("helpdesk: 1.1.0, 1.0.0"), "{found}");

    // Installing says what the module asks for.
    let installed = s.ok(&["plugin", "install", "helpdesk@1.0.0", "--yes"]);
    assert!(
        installed.contains("Helpdesk (helpdesk) 1.0.0 asks to:"),
        "{installed}"
    );
    assert!(
        installed.contains("Keeps its own data (tickets, replies"),
        "{installed}"
    );
    assert!(installed.contains("Sends email"), "{installed}");
    assert!(installed.contains("helpdesk 1.0.0"), "{installed}");
    // Without a terminal and without --yes, nothing is installed.
    let asked = s.fails(&["plugin", "upgrade", "helpdesk"]);
    assert!(asked.contains("pass --yes"), "{asked}");
    assert_eq!(s.ok(&["plugin", "list"]).trim(), "helpdesk 1.0.0");

    let dry = s.ok(&["plugin", "upgrade", "--dry-run"]);
    assert!(dry.contains("helpdesk 1.0.0 → 1.1.0"), "{dry}");
    let upgraded = s.ok(&["plugin", "upgrade", "--yes"]);
    assert!(
        upgraded.contains("replaces 1.0.0. It asks for nothing new."),
        "{upgraded}"
    );
    assert_eq!(
        s.ok(&["plugin", "list"]).trim(),
        "helpdesk 1.1.0 (rollback to 1.0.0)"
    );

    // The server loads the installed version instead of the bundled one.
    let modules = loaded(&s.path("data")).await;
    assert_eq!(
        modules,
        [(
            "helpdesk".into(),
            "1.1.0".into(),
            "registry:helpdesk@1.1.0".into()
        )]
    );

    // Rolling back needs no registry.
    std::fs::rename(s.path("registry"), s.path("registry-away")).unwrap();
    let back = s.ok(&["plugin", "rollback", "helpdesk"]);
    assert!(
        back.contains("helpdesk is back at 1.0.0 (was 1.1.0)"),
        "{back}"
    );
    let modules = loaded(&s.path("data")).await;
    assert_eq!(modules[0].2, "registry:helpdesk@1.0.0");
    std::fs::rename(s.path("registry-away"), s.path("registry")).unwrap();

    // Uninstalled, the bundled module is back.
    s.ok(&["plugin", "uninstall", "helpdesk"]);
    let modules = loaded(&s.path("data")).await;
    assert_eq!(modules[0].2, "bundled:helpdesk");
}

#[tokio::test]
async fn a_tampered_package_is_refused_and_the_active_version_stays() {
    let s = setup();
    s.publish("1.0.0");
    s.publish("1.1.0");
    s.ok(&["plugin", "install", "helpdesk@1.0.0", "--yes"]);

    // A byte of the code flipped in the registry.
    let original = std::fs::read(s.package("1.1.0")).unwrap();
    let mut flipped = original.clone();
    flipped[original.len() / 2] ^= 0x01;
    std::fs::write(s.package("1.1.0"), &flipped).unwrap();
    let refused = s.fails(&["plugin", "upgrade", "--yes"]);
    assert!(
        refused.contains("the package of helpdesk 1.1.0 was changed after its publisher signed it: its code differs"),
        "{refused}"
    );
    assert_eq!(s.ok(&["plugin", "list"]).trim(), "helpdesk 1.0.0");

    // The validly signed 1.0.0 package offered as 1.1.0.
    for ext in ["wasm", "wasm.minisig"] {
        std::fs::copy(
            s.path(&format!("registry/packages/helpdesk/1.0.0.{ext}")),
            s.path(&format!("registry/packages/helpdesk/1.1.0.{ext}")),
        )
        .unwrap();
    }
    let refused = s.fails(&["plugin", "upgrade", "--yes"]);
    assert!(refused.contains("was signed as another"), "{refused}");
    assert!(refused.contains("helpdesk 1.0.0"), "{refused}");
    assert_eq!(s.ok(&["plugin", "list"]).trim(), "helpdesk 1.0.0");

    // Put right, then yanked: not chosen any more, still runs where it is.
    std::fs::write(s.package("1.1.0"), &original).unwrap();
    let sig = s.path("registry/packages/helpdesk/1.1.0.wasm.minisig");
    std::fs::remove_file(&sig).unwrap();
    s.ok(&[
        "plugin",
        "yank",
        "helpdesk@1.0.0",
        "--registry",
        s.path("registry").to_str().unwrap(),
    ]);
    s.refresh();
    let refused = s.fails(&["plugin", "upgrade", "--yes"]);
    assert!(
        refused.contains("cannot fetch packages/helpdesk/1.1.0.wasm.minisig"),
        "{refused}"
    );
    let found = s.ok(&["plugin", "search", "helpdesk"]);
    assert!(found.contains("1.0.0 (yanked)"), "{found}");
}

#[tokio::test]
async fn an_old_snapshot_is_refused_once_a_newer_one_was_seen() {
    let s = setup();
    s.publish("1.0.0");
    let old = std::fs::read(s.path("registry/snapshot.json")).unwrap();
    let old_sig = std::fs::read(s.path("registry/snapshot.json.minisig")).unwrap();
    s.publish("1.1.0");
    s.ok(&["plugin", "search"]);
    std::fs::write(s.path("registry/snapshot.json"), old).unwrap();
    std::fs::write(s.path("registry/snapshot.json.minisig"), old_sig).unwrap();
    let refused = s.fails(&["plugin", "install", "helpdesk", "--yes"]);
    assert!(refused.contains("older than version"), "{refused}");
    assert!(
        refused.contains("someone may be serving an old copy"),
        "{refused}"
    );
}

#[tokio::test]
async fn an_install_killed_at_any_moment_leaves_a_whole_version_active() {
    let s = setup();
    s.publish("1.0.0");
    s.publish("1.1.0");
    s.ok(&["plugin", "install", "helpdesk@1.0.0", "--yes"]);
    let active = |s: &Setup| s.ok(&["plugin", "list"]).trim().to_string();
    // Killed (SIGKILL, as a crash) earlier and later each time, until an
    // install gets to its end.
    let mut kills = 0;
    for after_ms in [150u64, 400, 800, 1_500, 3_000, 6_000, 12_000] {
        let mut child = s
            .immcase()
            .args(["plugin", "upgrade", "--yes"])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(std::time::Duration::from_millis(after_ms));
        let finished = child.try_wait().unwrap().is_some();
        if !finished {
            child.kill().unwrap();
            kills += 1;
        }
        let _ = child.wait();
        let now = active(&s);
        assert!(
            now == "helpdesk 1.0.0" || now == "helpdesk 1.1.0 (rollback to 1.0.0)",
            "after a kill at {after_ms} ms: {now}"
        );
        if kills == 1 && !finished {
            assert_eq!(now, "helpdesk 1.0.0", "killed early, the old version stays");
        }
        // Whatever is active loads whole in the server.
        let modules = loaded(&s.path("data")).await;
        assert!(
            modules[0].2.starts_with("registry:helpdesk@"),
            "{modules:?}"
        );
        if finished {
            break;
        }
    }
    assert!(kills > 0, "no install was killed midway");
    // Nothing an interrupted download left stays in the way.
    s.ok(&["plugin", "upgrade", "--yes"]);
    assert_eq!(active(&s), "helpdesk 1.1.0 (rollback to 1.0.0)");
    let staging = s.path("data/plugins/staging");
    assert_eq!(std::fs::read_dir(staging).unwrap().count(), 0);
}

/// A registry's folder served by a plain web server (Python's), read over
/// HTTP as a folder is, checks and all.
#[tokio::test]
async fn a_registry_served_over_http_is_read_as_its_folder_is() {
    let s = setup();
    s.publish("1.0.0");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut web = Command::new("python3")
        .args([
            "-m",
            "http.server",
            &port.to_string(),
            "--bind",
            "127.0.0.1",
            "--directory",
        ])
        .arg(s.path("registry"))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("python3 serves the folder");
    let url = format!("http://127.0.0.1:{port}");
    let started = std::time::Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            started.elapsed() < std::time::Duration::from_secs(30),
            "the web server did not start"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let over_http = |args: &[&str]| {
        let out = s
            .immcase()
            .env("IMMCASE_REGISTRY", &url)
            .args(args)
            .output()
            .unwrap();
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        (out.status.success(), text)
    };
    let (ok, found) = over_http(&["plugin", "search", "helpdesk"]);
    assert!(ok && found.contains("helpdesk: 1.0.0"), "{found}");
    let (ok, installed) = over_http(&["plugin", "install", "helpdesk", "--yes"]);
    assert!(ok, "{installed}");
    assert_eq!(s.ok(&["plugin", "list"]).trim(), "helpdesk 1.0.0");
    // A package changed on the web server is refused as in a folder.
    let mut flipped = std::fs::read(s.package("1.0.0")).unwrap();
    let middle = flipped.len() / 2;
    flipped[middle] ^= 0x01;
    s.publish("1.1.0");
    std::fs::write(s.package("1.1.0"), &flipped[..]).unwrap();
    let (ok, refused) = over_http(&["plugin", "upgrade", "--yes"]);
    assert!(!ok, "{refused}");
    assert!(refused.contains("helpdesk 1.1.0"), "{refused}");
    let _ = web.kill();
    let _ = web.wait();
}
