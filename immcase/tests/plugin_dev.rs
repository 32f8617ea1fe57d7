//! `immcase plugin dev` as a module author runs it: a module written by
//! `plugin new`, loaded into a running server started with `--dev`, then
//! changed and loaded again without a restart, the version before serving
//! every request until the new one is in; a build that fails and a module
//! the server refuses each said in the terminal, the server keeping what
//! it has.

#![allow(clippy::unwrap_used)] // A failed unwrap is a failed test.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_immcase");

/// The build folder the workspace's module builds use, shared so that the
/// SDK's dependencies are compiled once.
fn module_target() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../target"))
        .join("modules")
}

fn changed_source(lib: &Path) -> String {
    std::fs::read_to_string(lib).unwrap()
}

/// Reads the command's output lines until one has `text`.
fn wait_for_line(lines: &mpsc::Receiver<String>, seen: &mut Vec<String>, text: &str) {
    // A cold build of the SDK for wasm32 takes minutes on a busy 2-core machine.
    let deadline = Instant::now() + Duration::from_secs(900);
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let line = lines
            .recv_timeout(left)
            .unwrap_or_else(|_| panic!("no {text:?} in {seen:#?}"));
        seen.push(line.clone());
        if line.contains(text) {
            return;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_changed_module_is_reloaded_into_the_running_server() {
    let work = tempfile::tempdir().unwrap();
    let data = work.path().join("data");
    let mut config = immcase_host::Config::new(data.clone());
    config.dev_modules = true;
    config.admin_password = Some("a long enough passphrase".into());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    config.public_url = format!("http://localhost:{port}");
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(immcase_host::serve(config, listener, async {
        let _ = stopped.await;
    }));
    let base = format!("http://127.0.0.1:{port}");
    let _ = rustls::crypto::ring::default_provider().install_default();
    let http = reqwest::Client::builder()
        .cookie_store(true)
        .build()
        .unwrap();
    // The server is up once it answers.
    let up = Instant::now();
    while http.get(format!("{base}/healthz")).send().await.is_err() {
        assert!(
            up.elapsed() < Duration::from_secs(120),
            "the server did not start"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    let sdk = Path::new(env!("CARGO_MANIFEST_DIR")).join("../sdk");
    let made = Command::new(BIN)
        .args(["plugin", "new", "visits", "--dir"])
        .arg(work.path())
        .arg("--sdk-path")
        .arg(&sdk)
        .output()
        .unwrap();
    assert!(
        made.status.success(),
        "{}",
        String::from_utf8_lossy(&made.stderr)
    );
    let folder = work.path().join("visits");

    let mut dev = Command::new(BIN)
        .args(["plugin", "dev"])
        .arg(&folder)
        .args(["--server", &base, "--data-dir"])
        .arg(&data)
        .env("CARGO_TARGET_DIR", module_target())
        .env("CARGO_NET_OFFLINE", "true")
        .env("RUST_LOG", "error")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let (tx, lines) = mpsc::channel();
    let stdout = dev.stdout.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let mut seen = Vec::new();
    wait_for_line(&lines, &mut seen, "Loaded visits 0.1.0");
    assert!(
        seen.iter()
            .any(|l| l.contains(&format!("{base}/m/visits/"))),
        "{seen:#?}"
    );

    // Signed in, enabled, its page answers.
    let signed_in = http
        .post(format!("{base}/api/v1/auth/sign-in"))
        .header("x-requested-with", "immcase")
        .json(&serde_json::json!({ "email": "admin@example.com", "password": "a long enough passphrase" }))
        .send()
        .await
        .unwrap();
    assert_eq!(signed_in.status(), 200);
    let enabled = http
        .put(format!("{base}/api/v1/modules/visits"))
        .header("x-requested-with", "immcase")
        .json(&serde_json::json!({ "enabled": true }))
        .send()
        .await
        .unwrap();
    assert_eq!(enabled.status(), 200);
    let page = || async {
        let answer = http.get(format!("{base}/m/visits/")).send().await.unwrap();
        (answer.status(), answer.text().await.unwrap())
    };
    let (status, before) = page().await;
    assert_eq!(status, 200);
    assert!(before.contains("Hello"), "{before}");

    // A build that fails is said, and the server keeps the module it has.
    let lib = folder.join("src/lib.rs");
    let source = std::fs::read_to_string(&lib).unwrap();
    std::fs::write(&lib, format!("{source}\nfn broken( {{\n")).unwrap();
    wait_for_line(&lines, &mut seen, "The build failed");
    assert_eq!(page().await.0, 200);

    // Changed: every request answers, the old page until the new one is in.
    let changed = source.replace(
        "format!(\"Hello, {name}!\")",
        "format!(\"Welcome back, {name}!\")",
    );
    assert_ne!(changed, source, "the template's greeting moved");
    std::fs::write(&lib, changed).unwrap();
    let started = Instant::now();
    loop {
        let (status, text) = page().await;
        assert_eq!(status, 200, "{text}");
        if text.contains("Welcome back") {
            break;
        }
        assert!(text.contains("Hello"), "{text}");
        assert!(
            started.elapsed() < Duration::from_secs(900),
            "never reloaded: {seen:#?}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    wait_for_line(&lines, &mut seen, "Loaded visits 0.1.0");

    // A module the server refuses (it uses a store its plugin.toml does
    // not declare): its words in the terminal, the page kept.
    let undeclared = changed_source(&lib).replace(
        "fn home(ctx: &Ctx, _request: Request) -> Result<Response> {",
        "fn home(ctx: &Ctx, _request: Request) -> Result<Response> {\n    let _ = ctx.collection::<serde_json::Value>(\"visits\").get(\"x\");",
    );
    std::fs::write(&lib, undeclared).unwrap();
    wait_for_line(&lines, &mut seen, "The server refused it");
    let refusal = seen.last().unwrap();
    assert!(refusal.contains("store"), "{refusal}");
    assert!(page().await.1.contains("Welcome back"));

    dev.kill().unwrap();
    let _ = dev.wait();
    let _ = stop.send(());
    server.await.unwrap().unwrap();
}
