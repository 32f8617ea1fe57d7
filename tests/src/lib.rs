//! The end-to-end harness: a real ImmCase host started in-process on port 0,
//! on a fresh SQLite file or a fresh PostgreSQL database per test, with a real
//! SMTP server on loopback receiving its mail, driven over HTTP.
//!
//! PostgreSQL tests use `IMMCASE_TEST_DATABASE_URL` (an administrative URL
//! such as `postgres://postgres@127.0.0.1:5432/postgres`). When it is unset
//! they try that default address; if nothing answers there they are skipped,
//! and the test binary says so on the terminal.
//!
//! Browser tests (the `browser` test binary) drive headless Chromium against
//! the same server; their harness is part of that binary, so the end-to-end
//! binary does not link a WebDriver client.

pub mod calendar;
pub mod child;
pub mod helpdesk;
mod http;
mod imap;
pub mod pdf;
pub mod registry;
pub mod s3;
pub mod second_factor;
mod smtp;

mod built {
    include!(concat!(env!("OUT_DIR"), "/test_modules.rs"));
}

pub use http::{Api, Resp};
pub use imap::{ImapServer, StoredMessage};
pub use smtp::{ReceivedMail, SmtpServer};

use std::io::Write;
use std::net::SocketAddr;
use std::sync::{Arc, Once, OnceLock};
use std::time::Duration;

use immcase_host::clock::ManualClock;
use immcase_host::mail::{MailConfig, SmtpConfig, SmtpTls};
use immcase_host::modules::ModuleEngine;
use immcase_host::{AppState, Config};
use sqlx::Connection;
use tokio::sync::oneshot;

pub const ADMIN_EMAIL: &str = "admin@immcase.test";
pub const ADMIN_PASSWORD: &str = "first admin's long passphrase";

const DEFAULT_PG_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";

#[derive(Clone, Debug)]
pub enum Backend {
    Sqlite,
    /// The administrative URL of a PostgreSQL server.
    Postgres(String),
}

impl Backend {
    /// `sqlite` or `postgres`: for names that must differ between the two
    /// halves of a test, which run at once.
    pub fn name(&self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres(_) => "postgres",
        }
    }

    /// The PostgreSQL server to test against, or `None` (with a note on the
    /// terminal) when none is configured and none answers at the default.
    pub async fn postgres() -> Option<Backend> {
        match std::env::var("IMMCASE_TEST_DATABASE_URL") {
            Ok(url) if !url.is_empty() => Some(Backend::Postgres(url)),
            _ => {
                let reachable = tokio::time::timeout(
                    Duration::from_secs(3),
                    sqlx::PgConnection::connect(DEFAULT_PG_URL),
                )
                .await
                .is_ok_and(|c| c.is_ok());
                if reachable {
                    Some(Backend::Postgres(DEFAULT_PG_URL.to_string()))
                } else {
                    static NOTE: Once = Once::new();
                    NOTE.call_once(|| {
                        // Written to the terminal directly: the test runner
                        // captures print!, and this must be seen.
                        let _ = writeln!(
                            std::io::stderr(),
                            "\nNOTE: no PostgreSQL at {DEFAULT_PG_URL} and IMMCASE_TEST_DATABASE_URL is unset: \
                             the PostgreSQL half of these tests is SKIPPED (they pass without running).\n"
                        );
                    });
                    None
                }
            }
        }
    }
}

/// Runs each named scenario `async fn NAME(backend: Backend)` as two tests,
/// `NAME::sqlite` and `NAME::postgres`.
#[macro_export]
macro_rules! on_both_databases {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                super::$name($crate::Backend::Sqlite).await
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                if let Some(backend) = $crate::Backend::postgres().await {
                    super::$name(backend).await
                }
            }
        }
    )*};
}

/// The plugin.toml and the built component of a test module (its folder
/// name under `tests/modules`).
pub fn test_module_files(name: &str) -> (std::path::PathBuf, std::path::PathBuf) {
    let (_, manifest, wasm) = built::TEST_MODULES
        .iter()
        .find(|(f, _, _)| *f == name)
        .unwrap_or_else(|| panic!("no test module {name}"));
    (manifest.into(), wasm.into())
}

/// Copies test modules (folder names under `tests/modules`) into `folder` as
/// a modules directory the host can load; `None` when there are none.
pub fn install_test_modules(
    folder: &std::path::Path,
    modules: &[&str],
) -> Option<std::path::PathBuf> {
    for name in modules {
        let (_, manifest, wasm) = built::TEST_MODULES
            .iter()
            .find(|(f, _, _)| f == name)
            .unwrap_or_else(|| panic!("no test module {name}"));
        let target = folder.join(name);
        std::fs::create_dir_all(&target).expect("module folder");
        std::fs::copy(manifest, target.join("plugin.toml")).expect("copy plugin.toml");
        std::fs::copy(wasm, target.join("module.wasm")).expect("copy the component");
    }
    (!modules.is_empty()).then(|| folder.to_path_buf())
}

/// The module engine every server of this test binary shares (one pool of
/// instance slots and one epoch thread, instead of one per server).
pub fn module_engine() -> ModuleEngine {
    static ENGINE: OnceLock<ModuleEngine> = OnceLock::new();
    ENGINE
        .get_or_init(|| ModuleEngine::new().expect("start the module engine"))
        .clone()
}

/// Where compiled test modules are cached, shared by all test servers.
pub fn module_cache() -> std::path::PathBuf {
    built::MODULE_CACHE.into()
}

/// A fresh PostgreSQL database, dropped when this is dropped.
pub struct PgDatabase {
    admin_url: String,
    name: String,
}

impl PgDatabase {
    /// A fresh database for `backend`: none for SQLite (the server makes
    /// its file in its data folder), a new PostgreSQL database and its URL.
    pub async fn for_backend(backend: &Backend) -> (Option<PgDatabase>, Option<String>) {
        match backend {
            Backend::Sqlite => (None, None),
            Backend::Postgres(admin_url) => {
                let (db, url) = PgDatabase::create(admin_url).await;
                (Some(db), Some(url))
            }
        }
    }

    /// A new database on the server of `admin_url`, and its URL.
    pub async fn create(admin_url: &str) -> (PgDatabase, String) {
        let name = format!("immcase_test_{}", uuid::Uuid::new_v4().simple());
        let mut conn = sqlx::PgConnection::connect(admin_url)
            .await
            .unwrap_or_else(|e| panic!("cannot reach PostgreSQL at {admin_url}: {e}"));
        // A linguistic (ICU English) collation, as most installations have:
        // whatever the host orders or compares as bytes must not depend on it.
        let create = format!(
            "CREATE DATABASE {name} TEMPLATE template0 LOCALE_PROVIDER icu ICU_LOCALE 'en-US' LOCALE 'C.UTF-8'"
        );
        sqlx::raw_sql(sqlx::AssertSqlSafe(create))
            .execute(&mut conn)
            .await
            .expect("create the test database");
        let _ = conn.close().await;
        let url = match admin_url.rsplit_once('/') {
            Some((server, _)) => format!("{server}/{name}"),
            None => panic!("IMMCASE_TEST_DATABASE_URL needs a database part: {admin_url}"),
        };
        (
            PgDatabase {
                admin_url: admin_url.to_string(),
                name,
            },
            url,
        )
    }
}

impl Drop for PgDatabase {
    fn drop(&mut self) {
        let (url, name) = (self.admin_url.clone(), self.name.clone());
        // Drop runs outside async; use a runtime of our own on a thread.
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build();
            if let Ok(rt) = rt {
                rt.block_on(async move {
                    if let Ok(mut conn) = sqlx::PgConnection::connect(&url).await {
                        let sql = format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)");
                        let _ = sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
                            .execute(&mut conn)
                            .await;
                    }
                });
            }
        })
        .join();
    }
}

/// A running ImmCase host.
pub struct TestServer {
    pub addr: SocketAddr,
    pub clock: ManualClock,
    pub smtp: SmtpServer,
    pub config: Config,
    /// Practice routes of the test's own, served beside the host's.
    extra_routes: axum::Router<AppState>,
    stop: Option<oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<anyhow::Result<()>>>,
    _pg: Option<PgDatabase>,
    _dir: tempfile::TempDir,
}

/// With `IMMCASE_TEST_LOG` set (a filter such as `warn` or
/// `immcase_host=debug`), the servers' logs are printed with the test output.
fn show_server_logs() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        if let Ok(filter) = std::env::var("IMMCASE_TEST_LOG") {
            let _ = tracing_subscriber::fmt()
                .with_env_filter(tracing_subscriber::EnvFilter::new(filter))
                .with_test_writer()
                .try_init();
        }
    });
}

impl TestServer {
    pub async fn start(backend: Backend) -> TestServer {
        Self::start_with(backend, |_| {}).await
    }

    /// Starts a server with test modules (folder names under
    /// `tests/modules`) installed besides the bundled ones.
    pub async fn start_with_modules(backend: Backend, modules: &[&str]) -> TestServer {
        Self::start_with_modules_and(backend, modules, |_| {}).await
    }

    /// [`TestServer::start_with_modules`] after `adjust` has changed the
    /// configuration.
    pub async fn start_with_modules_and(
        backend: Backend,
        modules: &[&str],
        adjust: impl FnOnce(&mut Config),
    ) -> TestServer {
        let dir = tempfile::tempdir().expect("temp dir");
        let installed = install_test_modules(&dir.path().join("installed-modules"), modules);
        Self::start_in(backend, dir, move |config| {
            config.module_dirs.extend(installed);
            adjust(config);
        })
        .await
    }

    /// Starts a server after `adjust` has changed its configuration.
    pub async fn start_with(backend: Backend, adjust: impl FnOnce(&mut Config)) -> TestServer {
        Self::start_in(backend, tempfile::tempdir().expect("temp dir"), adjust).await
    }

    /// Starts a server that also serves `routes` (with the practice,
    /// session, CSRF and page layers of the host's own routes).
    pub async fn start_with_routes(backend: Backend, routes: axum::Router<AppState>) -> TestServer {
        let mut server = Self::start(backend).await;
        server.extra_routes = routes;
        server.restart().await;
        server
    }

    async fn start_in(
        backend: Backend,
        dir: tempfile::TempDir,
        adjust: impl FnOnce(&mut Config),
    ) -> TestServer {
        let (mut server, listener) = Self::prepare(backend, dir, adjust).await;
        server.run(listener).await;
        server
    }

    /// A new, empty installation into which `immcase restore` puts the
    /// backup in `from`, then started.
    pub async fn start_restored(backend: Backend, from: &std::path::Path) -> TestServer {
        let dir = tempfile::tempdir().expect("temp dir");
        // Its installed modules are those of the backup, in its own data
        // folder.
        let (mut server, listener) = Self::prepare(backend, dir, |config| {
            config.installed_modules_dir = None;
        })
        .await;
        immcase_host::commands::restore(&server.config, from)
            .await
            .expect("restore the backup");
        server.run(listener).await;
        server
    }

    /// Another host of this installation, as several `immcase serve`
    /// behind a load balancer: the same database, blob store (an S3 bucket
    /// for the hosts to share files), key of stored secrets, installed
    /// modules, clock and SMTP server, with a data folder of its own (its
    /// search index). Stop it before this one, which owns the database.
    pub async fn start_beside(&self) -> TestServer {
        let dir = tempfile::tempdir().expect("temp dir");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let mut config = self.config.clone();
        config.database_url = Some(self.config.database_url());
        config.data_dir = dir.path().to_path_buf();
        if config.secret_keys.key.is_none() {
            let file = std::fs::read_to_string(self.config.data_dir.join("secret.key"))
                .expect("the first host's key file");
            config.secret_keys.key = file
                .lines()
                .map(str::trim)
                .find(|l| !l.is_empty() && !l.starts_with('#'))
                .map(str::to_string);
        }
        let mut server = TestServer {
            addr: listener.local_addr().expect("local addr"),
            clock: self.clock.clone(),
            smtp: SmtpServer::start(),
            config,
            extra_routes: axum::Router::new(),
            stop: None,
            task: None,
            _pg: None,
            _dir: dir,
        };
        server.run(listener).await;
        server
    }

    /// The server of a new installation, not started, and the listener it
    /// will answer on.
    async fn prepare(
        backend: Backend,
        dir: tempfile::TempDir,
        adjust: impl FnOnce(&mut Config),
    ) -> (TestServer, tokio::net::TcpListener) {
        show_server_logs();
        let smtp = SmtpServer::start();
        let clock = ManualClock::new();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("local addr");
        let mut config = Config::new(dir.path());
        let pg = match &backend {
            Backend::Sqlite => None,
            Backend::Postgres(admin_url) => {
                let (db, url) = PgDatabase::create(admin_url).await;
                config.database_url = Some(url);
                Some(db)
            }
        };
        config.public_url = format!("http://localhost:{}", addr.port());
        config.admin_email = ADMIN_EMAIL.into();
        config.admin_password = Some(ADMIN_PASSWORD.into());
        config.clock = Arc::new(clock.clone());
        config.module_cache_dir = Some(built::MODULE_CACHE.into());
        // The bundled modules, as installed from a registry.
        config.installed_modules_dir = Some(registry::bundled_modules_installed().await);
        config.module_engine = Some(module_engine());
        config.jobs_poll_interval = Duration::from_millis(100);
        // The write-lock bound counts the host's own work under the lock, which
        // in this debug build on a shared 2-core machine is an order of
        // magnitude slower than in the release build: 2 s here, 250 ms by
        // default (the write-lock test sets it back).
        config.module_write_hold = Duration::from_secs(2);
        config.housekeeping_interval = Duration::from_millis(200);
        config.mail = MailConfig {
            from: "ImmCase <no-reply@immcase.test>".into(),
            smtp: Some(SmtpConfig {
                host: "127.0.0.1".into(),
                port: smtp.port(),
                tls: SmtpTls::None,
                username: None,
                password: None,
            }),
        };
        adjust(&mut config);
        let server = TestServer {
            addr,
            clock,
            smtp,
            config,
            extra_routes: axum::Router::new(),
            stop: None,
            task: None,
            _pg: pg,
            _dir: dir,
        };
        (server, listener)
    }

    async fn run(&mut self, listener: tokio::net::TcpListener) {
        self.addr = listener.local_addr().expect("local addr");
        self.config.public_url = format!("http://localhost:{}", self.addr.port());
        let (stop, stopped) = oneshot::channel::<()>();
        self.task = Some(tokio::spawn(immcase_host::serve_with(
            self.config.clone(),
            listener,
            async move {
                let _ = stopped.await;
            },
            self.extra_routes.clone(),
        )));
        self.stop = Some(stop);
        // The listener is bound, so this waits (without polling) until the
        // server has migrated, bootstrapped and started answering.
        self.api().get("/healthz").await.expect_status(200);
    }

    /// Stops the server as SIGTERM would and starts it again on the same
    /// database and data folder (on a new port: take new clients after).
    pub async fn restart(&mut self) {
        self.shutdown().await;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        self.run(listener).await;
    }

    /// Stops the server, lets `away` pass on its clock while it is stopped
    /// (timers due meanwhile are missed), and starts it again (on a new
    /// port: take new clients after).
    pub async fn restart_after(&mut self, away: jiff::SignedDuration) {
        self.shutdown().await;
        self.clock.advance(away);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        self.run(listener).await;
    }

    /// Stops the server, does `work` on its database through the host's own
    /// functions (no worker runs meanwhile), and starts it again (on a new
    /// port: take new clients after).
    pub async fn while_stopped<F, Fut>(&mut self, work: F)
    where
        F: FnOnce(AppState) -> Fut,
        Fut: std::future::Future<Output = ()>,
    {
        self.shutdown().await;
        let state = self.state_beside().await;
        work(state.clone()).await;
        state.db.close().await;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        self.run(listener).await;
    }

    /// Stops the server, rebuilds its search index as `immcase reindex` does,
    /// and starts it again (on a new port: take new clients after).
    pub async fn reindex(&mut self) {
        self.shutdown().await;
        immcase_host::commands::reindex(self.config.clone())
            .await
            .expect("rebuild the search index");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        self.run(listener).await;
    }

    /// [`TestServer::reindex`], returning every progress report the
    /// rebuild made.
    pub async fn reindex_reporting(&mut self) -> Vec<immcase_host::search::feed::RebuildProgress> {
        self.shutdown().await;
        let state = immcase_host::open(self.config.clone())
            .await
            .expect("open the server's database");
        let mut reports = Vec::new();
        immcase_host::search::feed::rebuild_reporting(&state, |p| reports.push(*p))
            .await
            .expect("rebuild the search index");
        state.db.close().await;
        drop(state);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        self.run(listener).await;
        reports
    }

    /// A client for the default practice (reached as `localhost`).
    pub fn api(&self) -> Api {
        Api::new(self.addr, None)
    }

    /// A client for practice `slug` (reached as `slug.localhost`).
    pub fn api_for(&self, slug: &str) -> Api {
        Api::new(self.addr, Some(slug))
    }

    /// A new session of the default practice's administrator: its cookie,
    /// for clients of other hosts or tools that send it themselves.
    pub async fn admin_session(&self) -> String {
        self.api()
            .sign_in(ADMIN_EMAIL, ADMIN_PASSWORD)
            .await
            .expect_status(200)
            .session_cookie()
            .expect("a session cookie")
    }

    /// A client signed in as the default practice's administrator.
    pub async fn admin(&self) -> Api {
        let api = self.api();
        api.sign_in(ADMIN_EMAIL, ADMIN_PASSWORD)
            .await
            .expect_status(200);
        api
    }

    /// A client signed in as a new user `email` who holds one new role,
    /// `role` being its JSON (name, permissions, field_rules); made by
    /// `admin`.
    pub async fn sign_in_with_role(
        &self,
        admin: &Api,
        role: serde_json::Value,
        email: &str,
    ) -> Api {
        let role = admin.post("/api/v1/roles", role).await.expect_status(201);
        let password = "a member's long passphrase";
        admin
            .post(
                "/api/v1/users",
                serde_json::json!({ "email": email, "display_name": email, "password": password,
                                    "roles": [role.body["id"]] }),
            )
            .await
            .expect_status(201);
        let api = self.api();
        api.sign_in(email, password).await.expect_status(200);
        api
    }

    /// Creates another practice with an administrator, as `immcase practice
    /// add` does, through the host library on the same database.
    pub async fn add_practice(&self, slug: &str, admin_email: &str, admin_password: &str) {
        // The same database, but a data folder of its own: the running
        // server holds its search index and blob folder.
        let scratch = tempfile::tempdir().expect("temp dir");
        let mut config = self.config.clone();
        config.database_url = Some(self.config.database_url());
        config.data_dir = scratch.path().to_path_buf();
        let state = immcase_host::open(config).await.expect("open the database");
        let new = immcase_host::setup::NewPractice {
            slug,
            name: slug,
            admin_email,
            admin_password: Some(admin_password.into()),
        };
        immcase_host::setup::create(&state, new)
            .await
            .expect("create the practice");
        state.db.close().await;
    }

    /// [`TestServer::add_practice`], and a client signed in as its
    /// administrator.
    pub async fn admin_of_new_practice(&self, slug: &str, email: &str, password: &str) -> Api {
        self.add_practice(slug, email, password).await;
        let api = self.api_for(slug);
        api.sign_in(email, password).await.expect_status(200);
        api
    }

    /// Waits until the server's background work has caught up with its
    /// clock: no event delivery, module timer or outgoing mail is due and
    /// not yet done. (A test that checks that something happened only once
    /// moves the clock, settles, then counts.)
    pub async fn settle(&self) {
        sqlx::any::install_default_drivers();
        let url = self.config.database_url();
        let db = sqlx::AnyPool::connect(&url)
            .await
            .unwrap_or_else(|e| panic!("cannot reach the test database {url}: {e}"));
        let due = "SELECT (SELECT COUNT(*) FROM event_deliveries WHERE status IN ('pending', 'running') \
                   AND next_attempt_at <= $1) + (SELECT COUNT(*) FROM module_timers \
                   WHERE status IN ('pending', 'running') AND next_attempt_at <= $1) + \
                   (SELECT COUNT(*) FROM mail_outbox WHERE status IN ('pending', 'sending', 'deferred') \
                   AND next_attempt_at <= $1) + (SELECT COUNT(*) FROM workflow_runs \
                   WHERE status IN ('pending', 'running') AND next_attempt_at <= $1)";
        let now = immcase_host::clock::Clock::now_ms(&self.clock);
        eventually("the background work to catch up with the clock", || async {
            let left: i64 = sqlx::query_scalar(due)
                .bind(now)
                .fetch_one(&db)
                .await
                .expect("count the due work");
            (left == 0).then_some(())
        })
        .await;
        db.close().await;
    }

    /// An `AppState` of the server's own database and data folder, beside the
    /// running server (its search index stays with the server), for calling
    /// host functions the way the server's own workers do.
    pub async fn state_beside(&self) -> AppState {
        immcase_host::open_for_people(self.config.clone())
            .await
            .expect("open the server's database")
    }

    /// Stores `count` applicants of the default practice as the host stores
    /// them, each queued for the search index in the same transaction:
    /// "Person{n} {family_name}", with an email `person{n}@filler.example`
    /// and a passport `QQ{n:06}`. Many applicants at once, without a
    /// request (and its duplicate check) each.
    pub async fn store_applicants(&self, count: usize, family_name: &str) {
        let state = self.state_beside().await;
        let practice = state
            .practice_by_slug(&self.config.default_practice)
            .await
            .expect("read the practice")
            .expect("the default practice");
        let mut tx = state.db.begin().await.expect("a transaction");
        for n in 0..count {
            let id = uuid::Uuid::now_v7().to_string();
            sqlx::query(
                "INSERT INTO applicants (id, practice_id, version, given_name, family_name, other_names, \
                 emails, phones, passport_number, passport_key, created_at, updated_at) \
                 VALUES ($1, $2, 1, $3, $4, '[]', $5, '[]', $6, $6, 0, 0)",
            )
            .bind(&id)
            .bind(practice.id())
            .bind(format!("Person{n}"))
            .bind(family_name)
            .bind(serde_json::json!([format!("person{n}@filler.example")]).to_string())
            .bind(format!("QQ{n:06}"))
            .execute(&mut *tx)
            .await
            .expect("store an applicant");
            immcase_host::change::reindex(&mut tx, &practice, "applicant", &id, 0)
                .await
                .expect("queue it for the index");
        }
        tx.commit().await.expect("commit the applicants");
        state.db.close().await;
    }

    /// Stops the server and waits for it to finish.
    pub async fn stop(mut self) {
        self.shutdown().await;
    }

    async fn shutdown(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            match tokio::time::timeout(Duration::from_secs(30), task).await {
                Ok(Ok(Ok(()))) => {}
                Ok(Ok(Err(e))) => panic!("the server failed: {e:#}"),
                Ok(Err(e)) => panic!("the server task panicked: {e}"),
                Err(_) => panic!("the server did not stop within 30 seconds"),
            }
        }
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}

/// Waits (up to 20 s, checking every 50 ms) until `check` gives a value:
/// for effects of background work such as event deliveries and timers.
pub async fn eventually<T, F, Fut>(what: &str, check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    eventually_within(Duration::from_secs(20), what, check).await
}

/// [`eventually`], waiting up to `limit`.
pub async fn eventually_within<T, F, Fut>(limit: Duration, what: &str, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = std::time::Instant::now() + limit;
    loop {
        if let Some(value) = check().await {
            return value;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "gave up waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

impl Api {
    /// The id of the practice's role called `name` (as someone who may list roles).
    pub async fn role_id(&self, name: &str) -> String {
        let roles = self.get("/api/v1/roles").await.expect_status(200);
        roles.body["items"]
            .as_array()
            .and_then(|items| items.iter().find(|r| r["name"] == name))
            .and_then(|role| role["id"].as_str())
            .unwrap_or_else(|| panic!("no role {name}: {}", roles.text))
            .to_string()
    }

    /// The practice's outbox, newest first (its first page).
    pub async fn outbox(&self) -> Vec<serde_json::Value> {
        let list = self.get("/api/v1/mail/outbox").await.expect_status(200);
        list.body["items"]
            .as_array()
            .cloned()
            .unwrap_or_else(|| panic!("no items: {}", list.text))
    }

    /// The ids of what a search for `q` finds, in the order given.
    pub async fn search_ids(&self, q: &str) -> Vec<String> {
        let found = self
            .get(&format!("/api/v1/search?q={q}"))
            .await
            .expect_status(200);
        found.body["items"]
            .as_array()
            .map(|items| {
                items
                    .iter()
                    .filter_map(|h| h["id"].as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_else(|| panic!("no items: {}", found.text))
    }

    /// Creates an applicant "Ana {family_name}" (confirming past duplicate
    /// checks) and returns its id.
    pub async fn add_applicant(&self, family_name: &str) -> String {
        let body = serde_json::json!({ "given_name": "Ana", "family_name": family_name, "confirm_duplicates": true });
        let made = self
            .post("/api/v1/applicants", body)
            .await
            .expect_status(201);
        made.body["id"].as_str().unwrap_or_default().to_string()
    }

    /// Opens a case of `program` for an applicant and returns it.
    pub async fn open_case(&self, applicant_id: &str, program: &str) -> serde_json::Value {
        let body = serde_json::json!({ "applicant_id": applicant_id, "program": program });
        self.post("/api/v1/cases", body)
            .await
            .expect_status(201)
            .body
    }

    /// Enables or disables a module (as an administrator).
    pub async fn set_module(&self, id: &str, enabled: bool) {
        self.put(
            &format!("/api/v1/modules/{id}"),
            serde_json::json!({ "enabled": enabled }),
        )
        .await
        .expect_status(200);
    }

    /// Changes a module's settings as its settings page saves them: the
    /// current values, adjusted by `change`, at their version.
    pub async fn configure_module(&self, id: &str, change: impl FnOnce(&mut serde_json::Value)) {
        let path = format!("/api/v1/modules/{id}/settings");
        let current = self.get(&path).await.expect_status(200).body;
        let mut settings = current["values"].clone();
        change(&mut settings);
        self.put(
            &path,
            serde_json::json!({ "values": settings, "version": current["version"] }),
        )
        .await
        .expect_status(200);
    }
}
