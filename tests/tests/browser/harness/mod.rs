//! Browser tests: Debian's Chromium driven headless over WebDriver through
//! `chromedriver`, one driver process per [`Browser`] and one Chromium with a
//! throw-away profile per [`Session`].
//!
//! Without `chromedriver` or `chromium` the tests that ask for a browser are
//! skipped with a note on the terminal, unless `IMMCASE_TEST_BROWSER=required`
//! (as in CI), which turns the note into a failure. Screenshots, including the
//! one [`scenario`] takes when a test fails, go to [`screenshot_dir`].
//!
//! A session's Chromium is closed through the driver when either the session
//! or its browser is dropped, whichever comes first.
//!
//! This file starts the driver and sessions; `session.rs` has what a test
//! does with a session: the helpers, [`scenario`] and screenshots.

mod session;

pub use session::{Session, scenario, screenshot_dir};

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, Once};
use std::time::{Duration, Instant};

use fantoccini::ClientBuilder;
use serde_json::json;
use tokio::sync::Semaphore;

pub const LAPTOP: (u32, u32) = (1366, 850);
pub const PHONE: (u32, u32) = (390, 844);

/// How long the helpers wait for an element or a text to appear.
const WAIT: Duration = Duration::from_secs(10);
/// An upper bound for any one WebDriver command, so a stuck driver fails the
/// test instead of hanging it.
const COMMAND_LIMIT: Duration = Duration::from_secs(30);
const DRIVER_READY_LIMIT: Duration = Duration::from_secs(20);
const SESSION_START_LIMIT: Duration = Duration::from_secs(60);
/// A test waits at most this long for a free Chromium slot.
const SLOT_LIMIT: Duration = Duration::from_secs(300);
const POLL: Duration = Duration::from_millis(100);

/// At most this many Chromium sessions run at once in one test binary, so a
/// two-core machine is not swamped by parallel tests.
static SLOTS: Semaphore = Semaphore::const_new(2);

/// A running `chromedriver`, killed (after closing any session still open)
/// when this is dropped.
pub struct Browser {
    driver: Child,
    url: String,
    chromium: PathBuf,
    log: PathBuf,
    sessions: Arc<OpenSessions>,
    _log_dir: tempfile::TempDir,
}

/// A browser's sessions: how many are open or opening, and the WebDriver
/// ids of those started. Killing chromedriver leaves its Chromiums running,
/// so whichever of a browser and its sessions is dropped first closes them.
#[derive(Default)]
struct OpenSessions {
    count: AtomicUsize,
    ids: Mutex<Vec<String>>,
}

impl Browser {
    /// Starts `chromedriver` on a free loopback port and waits until it is
    /// ready. `None` (with a note on the terminal) when `chromedriver` or
    /// `chromium` is not installed, or a panic if `IMMCASE_TEST_BROWSER=required`.
    pub async fn start() -> Option<Browser> {
        let (driver, chromium) = match (find_chromedriver(), find_chromium()) {
            (Ok(driver), Ok(chromium)) => (driver, chromium),
            (Err(missing), _) | (_, Err(missing)) => {
                skip_or_fail(&missing);
                return None;
            }
        };
        // A port freed a moment before can be taken by another test in the
        // meantime; the driver then exits, and a new port is tried.
        let mut failures = Vec::new();
        for _ in 0..3 {
            match Self::launch(&driver, &chromium).await {
                Ok(browser) => return Some(browser),
                Err(failure) => failures.push(failure),
            }
        }
        panic!(
            "{} did not become ready:\n{}",
            driver.display(),
            failures.join("\n---\n")
        );
    }

    async fn launch(driver: &Path, chromium: &Path) -> Result<Browser, String> {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free loopback port")
            .port();
        let log_dir = tempfile::tempdir().expect("temp dir");
        let log = log_dir.path().join("chromedriver.log");
        let out = std::fs::File::create(&log).expect("chromedriver log file");
        let err = out.try_clone().expect("chromedriver log file");
        let child = Command::new(driver)
            .arg(format!("--port={port}"))
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            .spawn()
            .map_err(|e| format!("cannot run {}: {e}", driver.display()))?;
        let mut browser = Browser {
            driver: child,
            url: format!("http://127.0.0.1:{port}"),
            chromium: chromium.to_path_buf(),
            log,
            sessions: Arc::default(),
            _log_dir: log_dir,
        };
        browser.wait_until_ready().await?;
        Ok(browser)
    }

    async fn wait_until_ready(&mut self) -> Result<(), String> {
        let http = loopback_http();
        let status = format!("{}/status", self.url);
        let deadline = Instant::now() + DRIVER_READY_LIMIT;
        loop {
            if let Ok(Some(exit)) = self.driver.try_wait() {
                return Err(format!("it exited ({exit}); its output:\n{}", self.log()));
            }
            if let Ok(resp) = http.get(&status).send().await
                && let Ok(body) = resp.json::<serde_json::Value>().await
                && body["value"]["ready"] == json!(true)
            {
                return Ok(());
            }
            if Instant::now() >= deadline {
                return Err(format!(
                    "{status} did not answer ready within {DRIVER_READY_LIMIT:?}; its output:\n{}",
                    self.log()
                ));
            }
            tokio::time::sleep(POLL).await;
        }
    }

    /// What chromedriver and the Chromiums it started have printed.
    fn log(&self) -> String {
        match std::fs::read_to_string(&self.log) {
            Ok(log) if !log.trim().is_empty() => log,
            _ => "(nothing)".into(),
        }
    }

    /// A new headless Chromium with a fresh profile, showing pages at
    /// exactly `width`×`height` CSS pixels. Besides `--window-size`, the
    /// size is set by chromedriver's device-metrics emulation: headless
    /// Chromium makes no window narrower than 500 px, and its window size
    /// includes a frame the page does not get.
    ///
    /// At most two sessions run at once in a test binary. The first session
    /// of a browser waits for a free slot; a further one at the same time
    /// (two people signed in at once) takes a slot only if one is free,
    /// since waiting while holding one could deadlock against another test
    /// doing the same.
    pub async fn session(&self, width: u32, height: u32) -> Session {
        let first = self.sessions.count.fetch_add(1, Ordering::SeqCst) == 0;
        let counted = Counted(self.sessions.clone());
        let slot = if first {
            match tokio::time::timeout(SLOT_LIMIT, SLOTS.acquire()).await {
                Ok(permit) => Some(permit.expect("the browser slots are never closed")),
                Err(_) => panic!("no free browser slot within {SLOT_LIMIT:?}"),
            }
        } else {
            SLOTS.try_acquire().ok()
        };
        let profile = tempfile::tempdir().expect("temp dir for the Chromium profile");
        let mut args = vec!["--headless=new".to_string()];
        args.extend(
            [
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                "--disable-quic",
                "--disable-dev-shm-usage",
            ]
            .map(String::from),
        );
        args.push(format!("--user-data-dir={}", profile.path().display()));
        args.push(format!("--window-size={width},{height}"));
        let capabilities = json!({
            "browserName": "chrome",
            "pageLoadStrategy": "normal",
            "timeouts": { "pageLoad": 20_000, "script": 10_000, "implicit": 0 },
            "goog:chromeOptions": {
                "binary": self.chromium.display().to_string(),
                "args": args,
                "mobileEmulation": {
                    "deviceMetrics": {
                        "width": width,
                        "height": height,
                        "pixelRatio": 1.0,
                        "mobile": false,
                        "touch": false,
                    },
                },
            },
        });
        let serde_json::Value::Object(capabilities) = capabilities else {
            unreachable!("capabilities are an object")
        };
        // rustls is built with two crypto providers here (ring through
        // lettre, aws-lc-rs through mailin-embedded), so it cannot choose one
        // by itself; an error only means one is installed already.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let mut builder = ClientBuilder::rustls().expect("a rustls WebDriver client");
        let connecting = builder.capabilities(capabilities).connect(&self.url);
        let client = match tokio::time::timeout(SESSION_START_LIMIT, connecting).await {
            Ok(Ok(client)) => client,
            Ok(Err(e)) => panic!(
                "Chromium ({}) did not start: {e}\nchromedriver output:\n{}",
                self.chromium.display(),
                self.log()
            ),
            Err(_) => panic!(
                "Chromium ({}) did not start within {SESSION_START_LIMIT:?}\nchromedriver output:\n{}",
                self.chromium.display(),
                self.log()
            ),
        };
        let id = client
            .session_id()
            .await
            .ok()
            .flatten()
            .expect("a WebDriver session id");
        lock(&self.sessions.ids).push(id.clone());
        Session {
            client,
            driver: self.url.clone(),
            id,
            sessions: self.sessions.clone(),
            _counted: counted,
            _slot: slot,
            _profile: profile,
        }
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let left_open = std::mem::take(&mut *lock(&self.sessions.ids));
        end_sessions(&self.url, left_open);
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

/// Counts a session as open in its browser until dropped.
struct Counted(Arc<OpenSessions>);

impl Drop for Counted {
    fn drop(&mut self) {
        self.0.count.fetch_sub(1, Ordering::SeqCst);
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // The list stays usable even if a test panicked while holding it.
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Ends WebDriver sessions, which closes their Chromiums. Drop cannot
/// await, so this uses a runtime of its own on a thread; fantoccini's own
/// close on drop would run on the test's runtime, which may be ending.
fn end_sessions(driver: &str, ids: Vec<String>) {
    if ids.is_empty() {
        return;
    }
    let driver = driver.to_string();
    let _ = std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build();
        if let Ok(rt) = rt {
            rt.block_on(async move {
                let http = loopback_http();
                for id in ids {
                    let _ = http.delete(format!("{driver}/session/{id}")).send().await;
                }
            });
        }
    })
    .join();
}

/// An HTTP client for the driver on loopback, bypassing any proxy set in
/// the environment.
fn loopback_http() -> reqwest::Client {
    // reqwest's TLS (unused on loopback, but built) takes the process's provider.
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
        .no_proxy()
        .timeout(Duration::from_secs(10))
        .build()
        .expect("an HTTP client")
}

fn find_chromedriver() -> Result<PathBuf, String> {
    if let Some(path) = std::env::var_os("CHROMEDRIVER").filter(|p| !p.is_empty()) {
        let path = PathBuf::from(path);
        return if path.is_file() {
            Ok(path)
        } else {
            Err(format!("CHROMEDRIVER={} does not exist", path.display()))
        };
    }
    let debian = PathBuf::from("/usr/bin/chromedriver");
    if debian.is_file() {
        return Ok(debian);
    }
    std::env::var_os("PATH")
        .iter()
        .flat_map(std::env::split_paths)
        .map(|dir| dir.join("chromedriver"))
        .find(|path| path.is_file())
        .ok_or_else(|| "no chromedriver in /usr/bin or on PATH".to_string())
}

fn find_chromium() -> Result<PathBuf, String> {
    let (path, from_env) = match std::env::var_os("CHROMIUM").filter(|p| !p.is_empty()) {
        Some(path) => (PathBuf::from(path), true),
        None => (PathBuf::from("/usr/bin/chromium"), false),
    };
    if path.is_file() {
        Ok(path)
    } else if from_env {
        Err(format!("CHROMIUM={} does not exist", path.display()))
    } else {
        Err(format!("no {}", path.display()))
    }
}

fn skip_or_fail(missing: &str) {
    let install = "install Debian's chromium and chromium-driver \
                   (apt-get install chromium chromium-driver)";
    if std::env::var("IMMCASE_TEST_BROWSER").is_ok_and(|v| v == "required") {
        panic!("IMMCASE_TEST_BROWSER=required, but {missing}: {install}");
    }
    static NOTE: Once = Once::new();
    NOTE.call_once(|| {
        // Written to the terminal directly: the test runner captures print!,
        // and this must be seen.
        let _ = writeln!(
            std::io::stderr(),
            "\nNOTE: {missing}: the browser tests are SKIPPED (they pass without running). \
             To run them, {install}.\n"
        );
    });
}
