//! A server in a child process, to be killed with SIGKILL as a crash or a
//! power cut kills it: nothing of it runs after the kill, unlike a server
//! task in the test's own process.
//!
//! The child is this same test binary, started with the name of the
//! ignored test `child_server::serve_from_the_environment` and the
//! server's settings in `IMMCASE_TEST_CHILD_SERVER`; that entry point
//! serves until it is killed. Its log lines go to a file, for tests that
//! check what a server never logs.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use immcase_host::Config;
use immcase_host::mail::{MailConfig, SmtpConfig, SmtpTls};

use crate::{ADMIN_EMAIL, ADMIN_PASSWORD, Api};

const ENV: &str = "IMMCASE_TEST_CHILD_SERVER";
/// The entry point's name in the `e2e` test binary.
const ENTRY: &str = "child_server::serve_from_the_environment";

/// What the child is started with (one line in the environment:
/// data folder, database, SMTP port, claim timeouts in ms).
#[derive(Clone, Debug)]
pub struct ChildConfig {
    pub data_dir: PathBuf,
    pub database_url: Option<String>,
    pub smtp_port: u16,
    pub mail_claim_timeout: Duration,
    /// How long a claimed event delivery, timer or workflow run of a host
    /// that died waits before another takes it.
    pub job_claim_timeout: Duration,
}

impl ChildConfig {
    /// A server with its data in `data_dir`, on `database_url` (SQLite in
    /// the data folder when none) and sending through the SMTP server at
    /// `smtp_port`, taking back what a killed server claimed after a minute.
    pub fn new(data_dir: PathBuf, database_url: Option<String>, smtp_port: u16) -> ChildConfig {
        ChildConfig {
            data_dir,
            database_url,
            smtp_port,
            mail_claim_timeout: Duration::from_secs(60),
            job_claim_timeout: Duration::from_secs(60),
        }
    }

    fn encode(&self) -> String {
        serde_json::json!({
            "data_dir": self.data_dir,
            "database_url": self.database_url,
            "smtp_port": self.smtp_port,
            "claim_ms": self.mail_claim_timeout.as_millis() as u64,
            "job_claim_ms": self.job_claim_timeout.as_millis() as u64,
        })
        .to_string()
    }

    fn decode(text: &str) -> ChildConfig {
        let v: serde_json::Value = serde_json::from_str(text).expect("the child's settings");
        ChildConfig {
            data_dir: PathBuf::from(v["data_dir"].as_str().expect("data_dir")),
            database_url: v["database_url"].as_str().map(str::to_string),
            smtp_port: v["smtp_port"].as_u64().expect("smtp_port") as u16,
            mail_claim_timeout: Duration::from_millis(v["claim_ms"].as_u64().expect("claim_ms")),
            job_claim_timeout: Duration::from_millis(
                v["job_claim_ms"].as_u64().expect("job_claim_ms"),
            ),
        }
    }
}

pub struct ChildServer {
    child: Child,
    pub addr: SocketAddr,
}

fn address_file(data_dir: &Path) -> PathBuf {
    data_dir.join("child-server.addr")
}

/// Where the children of `data_dir` write their log lines.
pub fn log_file(data_dir: &Path) -> PathBuf {
    data_dir.join("child-server.log")
}

impl ChildServer {
    /// Starts a server in a child process and waits until it answers.
    pub async fn start(config: &ChildConfig) -> ChildServer {
        std::fs::create_dir_all(&config.data_dir).expect("the data folder");
        let _ = std::fs::remove_file(address_file(&config.data_dir));
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(log_file(&config.data_dir))
            .expect("the child's log file");
        let child = Command::new(std::env::current_exe().expect("the test binary"))
            .args([
                ENTRY,
                "--exact",
                "--ignored",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(ENV, config.encode())
            .env("RUST_LOG", "info,sqlx=warn")
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("the log file"))
            .stderr(log)
            .spawn()
            .expect("start the child server");
        let mut server = ChildServer {
            child,
            addr: "127.0.0.1:0".parse().expect("an address"),
        };
        // Migrations and loading the modules take a while on a busy machine.
        let deadline = Instant::now() + Duration::from_secs(120);
        let file = address_file(&config.data_dir);
        loop {
            if let Ok(text) = std::fs::read_to_string(&file)
                && let Ok(addr) = text.trim().parse()
            {
                server.addr = addr;
                break;
            }
            if let Ok(Some(status)) = server.child.try_wait() {
                panic!(
                    "the child server exited ({status}): {}",
                    std::fs::read_to_string(log_file(&config.data_dir)).unwrap_or_default()
                );
            }
            assert!(
                Instant::now() < deadline,
                "the child server did not start in 2 minutes"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        server.api().get("/healthz").await.expect_status(200);
        server
    }

    pub fn api(&self) -> Api {
        Api::new(self.addr, None)
    }

    /// Signs in as the first administrator.
    pub async fn admin(&self) -> Api {
        let api = self.api();
        api.sign_in(ADMIN_EMAIL, ADMIN_PASSWORD)
            .await
            .expect_status(200);
        api
    }

    /// SIGKILL, and waits until the process is gone.
    pub fn kill(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for ChildServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The child's side: when started as a child server, serves until killed;
/// otherwise does nothing.
pub async fn serve_from_the_environment() {
    let Ok(text) = std::env::var(ENV) else {
        return;
    };
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .try_init();
    let child = ChildConfig::decode(&text);
    let mut config = Config::new(&child.data_dir);
    config.database_url = child.database_url.clone();
    config.admin_email = ADMIN_EMAIL.into();
    config.admin_password = Some(ADMIN_PASSWORD.into());
    config.bundled_modules = immcase::bundled_modules();
    config.module_cache_dir = Some(crate::module_cache());
    config.jobs_poll_interval = Duration::from_millis(100);
    config.mail_claim_timeout = child.mail_claim_timeout;
    config.job_claim_timeout = child.job_claim_timeout;
    config.mail = MailConfig {
        from: "ImmCase <no-reply@immcase.test>".into(),
        smtp: Some(SmtpConfig {
            host: "127.0.0.1".into(),
            port: child.smtp_port,
            tls: SmtpTls::None,
            username: None,
            password: None,
        }),
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    config.public_url = format!(
        "http://localhost:{}",
        listener.local_addr().expect("addr").port()
    );
    // Written whole, then renamed: the parent never reads half an address.
    let file = address_file(&child.data_dir);
    let partial = file.with_extension("partial");
    std::fs::write(&partial, listener.local_addr().expect("addr").to_string())
        .expect("write the address");
    std::fs::rename(&partial, &file).expect("publish the address");
    immcase_host::serve(config, listener, std::future::pending())
        .await
        .expect("the child server");
}
