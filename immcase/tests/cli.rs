//! The `immcase` binary as a person runs it: `serve` on a fresh data
//! directory, the administrator's password printed once, a clean stop on
//! SIGTERM, and the practice and user commands.

#![allow(clippy::unwrap_used)] // A failed unwrap is a failed test.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

const BIN: &str = env!("CARGO_BIN_EXE_immcase");

fn immcase(data_dir: &Path) -> Command {
    let mut cmd = Command::new(BIN);
    cmd.env("IMMCASE_DATA_DIR", data_dir)
        .env("RUST_LOG", "info");
    for (key, _) in std::env::vars() {
        if key.starts_with("IMMCASE_") && key != "IMMCASE_DATA_DIR" {
            cmd.env_remove(key);
        }
    }
    cmd
}

fn run(cmd: &mut Command) -> String {
    let out = cmd.output().expect("run immcase");
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(
        out.status.success(),
        "{cmd:?} failed: {stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

/// The text after `label` on the line that has it.
fn after(output: &str, label: &str) -> String {
    output
        .lines()
        .find_map(|l| l.split_once(label).map(|(_, rest)| rest.trim().to_string()))
        .unwrap_or_else(|| panic!("no {label:?} in:\n{output}"))
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

struct Running {
    child: Child,
    lines: mpsc::Receiver<String>,
    port: u16,
}

impl Running {
    /// Starts `immcase serve` and reads its output until it listens.
    fn start(data_dir: &Path) -> (Running, Vec<String>) {
        let port = free_port();
        // Waited for in `terminate`.
        #[allow(clippy::zombie_processes)]
        let mut child = immcase(data_dir)
            .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
            .env("NO_COLOR", "1")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start immcase serve");
        let (tx, lines) = mpsc::channel();
        let stdout = child.stdout.take().unwrap();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                let _ = tx.send(line);
            }
        });
        // A first start compiles every bundled module for this machine, and
        // the largest takes minutes in a debug build on a busy 2-core
        // machine: the bound is for a server that never starts, not a speed.
        let deadline = std::time::Instant::now() + Duration::from_secs(900);
        let mut seen = Vec::new();
        loop {
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            let line = lines
                .recv_timeout(left)
                .unwrap_or_else(|_| panic!("no 'listening' in {seen:#?}"));
            let done = line.contains("ImmCase is listening");
            seen.push(line);
            if done {
                return (Running { child, lines, port }, seen);
            }
        }
    }

    fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    /// Sends SIGTERM and waits for a clean exit.
    fn terminate(mut self) -> Vec<String> {
        let status = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
        let exit = self.child.wait().unwrap();
        assert!(
            exit.success(),
            "immcase serve exited with {exit} after SIGTERM"
        );
        self.lines.try_iter().collect()
    }
}

async fn sign_in(
    http: &reqwest::Client,
    url: &str,
    email: &str,
    password: &str,
) -> reqwest::StatusCode {
    http.post(url)
        .header("x-requested-with", "immcase")
        .json(&serde_json::json!({ "email": email, "password": password }))
        .send()
        .await
        .unwrap()
        .status()
}

/// An HTTP client. reqwest is built without a bundled TLS provider (the
/// server's S3 client installs ring), so the tests install it too.
fn client(builder: reqwest::ClientBuilder) -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    builder.build().unwrap()
}

#[tokio::test]
async fn serve_creates_the_default_practice_answers_health_and_stops_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let (server, output) = Running::start(dir.path());
    let password = after(&output.join("\n"), "Their password is:");
    assert_eq!(password.len(), 20);
    let http = client(reqwest::Client::builder().cookie_store(true));
    let health: serde_json::Value = http
        .get(server.url("/healthz"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(health, serde_json::json!({ "status": "ok" }));
    let signed_in = sign_in(
        &http,
        &server.url("/api/v1/auth/sign-in"),
        "admin@example.com",
        &password,
    )
    .await;
    assert_eq!(signed_in, 200);

    // Practices and people can be added while the server runs; rebuilding
    // the index it holds is refused with a message, and leaves it alone.
    let added = run(immcase(dir.path()).args([
        "practice",
        "add",
        "beta",
        "--admin-email",
        "boss@beta.test",
    ]));
    assert!(added.contains("Created practice `beta`"), "{added}");
    let busy = immcase(dir.path()).arg("reindex").output().unwrap();
    assert!(!busy.status.success());
    let said = String::from_utf8_lossy(&busy.stderr);
    assert!(
        said.contains("in use by a running ImmCase server"),
        "{said}"
    );
    let search = http
        .get(server.url("/api/v1/search?q=anyone"))
        .send()
        .await
        .unwrap();
    assert_eq!(search.status(), 200, "the server's index still answers");
    let tail = server.terminate();
    assert!(
        tail.iter().any(|l| l.contains("ImmCase stopped")),
        "{tail:#?}"
    );
    assert!(dir.path().join("immcase.db").exists());

    // The search index can be rebuilt from the records while the server is down.
    let rebuilt = run(immcase(dir.path()).arg("reindex"));
    assert!(
        rebuilt.contains("The search index is rebuilt: 0 applicants"),
        "{rebuilt}"
    );
    assert!(dir.path().join("search").join("position").exists());

    // A second start finds the practice and prints no password.
    let (again, output) = Running::start(dir.path());
    assert!(
        !output.iter().any(|l| l.contains("password is")),
        "{output:#?}"
    );
    again.terminate();
}

#[tokio::test]
async fn practice_and_user_commands_work_on_the_same_database() {
    let dir = tempfile::tempdir().unwrap();
    run(immcase(dir.path()).arg("migrate"));
    let added = run(immcase(dir.path()).args([
        "practice",
        "add",
        "acme",
        "--admin-email",
        "boss@acme.test",
        "--name",
        "Acme Immigration",
    ]));
    assert!(
        added.contains("Created practice `acme` (Acme Immigration)"),
        "{added}"
    );
    let boss_password = after(&added, "Password (shown only this once):");

    let user = run(immcase(dir.path()).args([
        "user",
        "add",
        "--practice",
        "acme",
        "--email",
        "Clerk@Acme.test",
        "--display-name",
        "Carla",
        "--role",
        "Consultant",
    ]));
    let clerk_password = after(&user, "Password (shown only this once):");
    let list = run(immcase(dir.path()).args(["user", "list", "--practice", "acme"]));
    assert!(list.contains("clerk@acme.test"), "{list}");

    // The first practice's administrator operates the server; others are named.
    let operator = |args: &[&str]| {
        run(immcase(dir.path())
            .env("RUST_LOG", "error")
            .arg("operator")
            .args(args))
    };
    assert_eq!(operator(&["list"]).trim(), "acme\tboss@acme.test");
    let named = operator(&["add", "acme", "clerk@acme.test"]);
    assert!(
        named.contains("clerk@acme.test of practice `acme` is an operator"),
        "{named}"
    );
    assert_eq!(
        operator(&["list"]).trim(),
        "acme\tboss@acme.test\nacme\tclerk@acme.test"
    );
    let removed = operator(&["remove", "acme", "clerk@acme.test"]);
    assert!(removed.contains("no longer an operator"), "{removed}");
    assert!(
        list.lines().any(|l| l.contains("clerk@acme.test")
            && l.contains("Consultant")
            && l.contains("active")),
        "{list}"
    );

    let reset = run(immcase(dir.path()).args([
        "user",
        "reset-password",
        "--practice",
        "acme",
        "--email",
        "clerk@acme.test",
    ]));
    let new_clerk_password = after(&reset, "(shown only this once):");

    let unknown = immcase(dir.path())
        .args(["user", "list", "--practice", "nowhere"])
        .output()
        .unwrap();
    assert!(!unknown.status.success());
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("there is no practice `nowhere`"));
    let bad_role = immcase(dir.path())
        .args([
            "user",
            "add",
            "--practice",
            "acme",
            "--email",
            "x@acme.test",
            "--role",
            "Wizard",
        ])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&bad_role.stderr).contains("no role named \"Wizard\""));

    // What the commands did is what the server sees.
    let (server, _) = Running::start(dir.path());
    let http = client(
        reqwest::Client::builder().resolve("acme.localhost", ([127, 0, 0, 1], server.port).into()),
    );
    let url = format!("http://acme.localhost:{}/api/v1/auth/sign-in", server.port);
    assert_eq!(
        sign_in(&http, &url, "boss@acme.test", &boss_password).await,
        200
    );
    assert_eq!(
        sign_in(&http, &url, "clerk@acme.test", &clerk_password).await,
        401
    );
    assert_eq!(
        sign_in(&http, &url, "clerk@acme.test", &new_clerk_password).await,
        200
    );
    server.terminate();

    // Disabling the only administrator is refused; disabling the clerk works.
    let refused = immcase(dir.path())
        .args([
            "user",
            "disable",
            "--practice",
            "acme",
            "--email",
            "boss@acme.test",
        ])
        .output()
        .unwrap();
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("nobody able to manage users"));
    let disabled = run(immcase(dir.path()).args([
        "user",
        "disable",
        "--practice",
        "acme",
        "--email",
        "clerk@acme.test",
    ]));
    assert!(disabled.contains("Disabled clerk@acme.test"), "{disabled}");
    let list = run(immcase(dir.path()).args(["user", "list", "--practice", "acme"]));
    assert!(
        list.lines()
            .any(|l| l.contains("clerk@acme.test") && l.contains("disabled")),
        "{list}"
    );
}

#[test]
fn plugin_new_then_check_says_what_is_missing_and_refuses_a_bad_manifest() {
    let dir = tempfile::tempdir().unwrap();
    let written = run(immcase(dir.path())
        .args(["plugin", "new", "visits", "--dir"])
        .arg(dir.path()));
    assert!(written.contains("Wrote the module `visits`"), "{written}");
    let folder = dir.path().join("visits");

    // Not built yet: the check says how to build, and fails.
    let unbuilt = immcase(dir.path())
        .args(["plugin", "check"])
        .arg(&folder)
        .env("CARGO_TARGET_DIR", dir.path().join("no-build"))
        .output()
        .unwrap();
    assert!(!unbuilt.status.success());
    let stderr = String::from_utf8_lossy(&unbuilt.stderr);
    assert!(
        stderr.contains("cargo build --target wasm32-wasip2"),
        "{stderr}"
    );

    // An index on a collection the manifest does not declare is refused
    // before any build is looked for, in the loader's words.
    let manifest = folder.join("plugin.toml");
    let text = std::fs::read_to_string(&manifest).unwrap();
    std::fs::write(
        &manifest,
        format!("{text}\n[indexes]\nsecrets = [\"owner\"]\n"),
    )
    .unwrap();
    let refused = immcase(dir.path())
        .args(["plugin", "check"])
        .arg(&folder)
        .output()
        .unwrap();
    assert!(!refused.status.success());
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(stderr.contains("secrets"), "{stderr}");
    assert_eq!(
        stderr.lines().filter(|l| l.contains("secrets")).count(),
        1,
        "said once, with no log line repeating it: {stderr}"
    );
}
