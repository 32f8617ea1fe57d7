//! Server configuration. `main.rs` fills it from the command line and the
//! environment; tests build it directly.

use std::path::PathBuf;
use std::sync::Arc;

use jiff::SignedDuration;

use immcase_runtime::{ModuleEngine, ModuleSource};

use crate::clock::{Clock, SystemClock};

/// The folder of the data directory holding what was installed from registries.
pub const PLUGINS_DIR: &str = "plugins";

#[derive(Clone)]
pub struct Config {
    /// Where the embedded database, outgoing mail files and blobs live.
    pub data_dir: PathBuf,
    /// `sqlite://...` or `postgres://...`; `None` is SQLite in `data_dir`.
    pub database_url: Option<String>,
    /// The most connections this process keeps open to PostgreSQL (16
    /// unless configured). Every host of an installation keeps its own, so
    /// hosts × this must stay below the server's `max_connections`.
    pub database_connections: u32,
    /// The address people reach the server at, used in links inside emails.
    /// A practice other than the default gets its slug as the first label of
    /// this host (`https://immcase.example` → `https://acme.immcase.example`).
    pub public_url: String,
    /// The practice that `localhost`, bare IPs and single-label hosts reach.
    pub default_practice: String,
    /// The administrator created with the default practice on first start.
    pub admin_email: String,
    /// Their password; `None` generates one and prints it once.
    pub admin_password: Option<String>,
    pub sessions: SessionPolicy,
    pub throttle: ThrottlePolicy,
    /// How long a forgot-password link works.
    pub reset_link_validity: SignedDuration,
    /// How long the set-password link of a new user (created without a
    /// password) works.
    pub invite_link_validity: SignedDuration,
    pub mail: MailConfig,
    /// The keys that seal secrets stored in the database (`secrets`); by
    /// default the key file in the data directory.
    pub secret_keys: crate::secrets::KeySource,
    /// A message still `sending` this long after it was handed to a mail
    /// server was being sent by a host that stopped: it is sent again with
    /// the same Message-ID (5 minutes; longer than any attempt takes).
    pub mail_claim_timeout: std::time::Duration,
    /// An event delivery, module timer or workflow run still `running` this
    /// long after a host claimed it was being run by a host that stopped
    /// (killed, or its machine lost): it is run again (5 minutes; longer
    /// than any call or run may last).
    pub job_claim_timeout: std::time::Duration,
    /// PEM certificate authorities trusted for mail servers besides the
    /// system's (a practice's own mail server's CA).
    pub mail_ca_file: Option<PathBuf>,
    /// How often each mailbox is fetched (5 minutes).
    pub mailbox_fetch_interval: std::time::Duration,
    /// What a workflow's script may use (`workflows`).
    pub workflows: WorkflowLimits,
    /// Take the client address from the last `X-Forwarded-For` entry (only
    /// when the server sits behind a proxy of our own that sets it).
    pub trust_forwarded_for: bool,
    /// Largest request body the JSON API accepts.
    pub max_body_bytes: usize,
    /// Folders of installed modules besides the bundled ones: each holds one
    /// sub-folder per module with its `plugin.toml` and `.wasm` component.
    pub module_dirs: Vec<PathBuf>,
    /// Modules built into the binary (the `immcase` crate gives them).
    pub bundled_modules: Vec<ModuleSource>,
    /// An engine to run modules on, shared with other servers of the same
    /// process (tests start many); a new one when absent.
    pub module_engine: Option<ModuleEngine>,
    /// Where compiled modules are cached (default: DATA_DIR/module-cache).
    pub module_cache_dir: Option<PathBuf>,
    /// The plugin registry operators install modules from: a folder or an
    /// http(s) address (Settings → Modules lists its versions).
    pub registry: Option<String>,
    /// The registry's root public key, pinned: its base64 or its .pub file.
    pub registry_key: Option<String>,
    /// Loads modules under development from this machine (`--dev`, for
    /// `immcase plugin dev`).
    pub dev_modules: bool,
    /// Where modules installed from registries are kept (default:
    /// DATA_DIR/plugins).
    pub installed_modules_dir: Option<PathBuf>,
    /// How often the job worker looks for due events and timers when nothing
    /// woke it.
    pub jobs_poll_interval: std::time::Duration,
    /// The longest a module call may hold the database's write lock, from
    /// its first write to its end (see `modules::call`).
    pub module_write_hold: std::time::Duration,
    /// The longest the dashboard and a record's page wait for a module's
    /// panel or tab before showing a notice instead (2 s unless configured).
    pub fragment_time_limit: std::time::Duration,
    /// How long deleted applicants and cases stay restorable in the trash.
    pub trash_retention: SignedDuration,
    /// How long audit log entries are kept; older ones are deleted by
    /// housekeeping, which records how many in the log itself.
    pub audit_retention: SignedDuration,
    pub files: FilesConfig,
    /// How often expired sessions, links and trash are swept away.
    pub housekeeping_interval: std::time::Duration,
    /// Applicants put per batch when a practice's searchable fields change
    /// and its applicants are rebuilt in the index (1,000 unless configured,
    /// each batch read in one query);
    /// a search waits for one batch at most.
    pub search_rebuild_batch: usize,
    pub clock: Arc<dyn Clock>,
}

#[derive(Clone, Debug)]
pub struct FilesConfig {
    /// The most one file may be, in bytes (50 MB by default).
    pub max_file_bytes: u64,
    /// The most one file sent over WebDAV (`/dav/`) may be, in bytes (5 GB
    /// by default): WebDAV is the way in for files larger than a form takes.
    pub max_dav_file_bytes: u64,
    /// The most a practice may store, in bytes (files in the trash included;
    /// 10 GB by default).
    pub practice_quota_bytes: u64,
    /// `s3://bucket/prefix` for an S3-compatible store (configured by the
    /// usual `AWS_*` variables); a folder under the data directory when unset.
    pub blob_store: Option<String>,
    /// Settings of the S3 store on top of the `AWS_*` variables, by
    /// object_store's names (`aws_endpoint`, `aws_allow_http`, ...).
    pub blob_store_options: Vec<(String, String)>,
}

impl Default for FilesConfig {
    fn default() -> FilesConfig {
        FilesConfig {
            max_file_bytes: 50 * 1024 * 1024,
            max_dav_file_bytes: 5 * 1024 * 1024 * 1024,
            practice_quota_bytes: 10 * 1024 * 1024 * 1024,
            blob_store: None,
            blob_store_options: Vec::new(),
        }
    }
}

#[derive(Clone, Copy, Debug)]
pub struct SessionPolicy {
    /// A session unused for this long ends.
    pub idle_timeout: SignedDuration,
    /// A session ends this long after sign-in, used or not.
    pub absolute_timeout: SignedDuration,
}

#[derive(Clone, Copy, Debug)]
pub struct ThrottlePolicy {
    /// Failed sign-ins allowed per account, and per client address, in `window`.
    pub max_failures: u32,
    pub window: SignedDuration,
}

impl Default for SessionPolicy {
    fn default() -> Self {
        SessionPolicy {
            idle_timeout: SignedDuration::from_mins(30),
            absolute_timeout: SignedDuration::from_hours(12),
        }
    }
}

impl Default for ThrottlePolicy {
    fn default() -> Self {
        ThrottlePolicy {
            max_failures: 10,
            window: SignedDuration::from_mins(15),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SmtpTls {
    /// Plain SMTP, for a relay on the same machine or network.
    None,
    /// Connect in plain text, then upgrade with STARTTLS (usually port 587).
    StartTls,
    /// TLS from the first byte (usually port 465).
    Tls,
}

/// An SMTP TLS mode other than `none`, `starttls` and `tls`.
#[derive(Debug, thiserror::Error)]
#[error("unknown SMTP TLS mode {0:?}: use none, starttls or tls")]
pub struct UnknownTlsMode(String);

impl std::str::FromStr for SmtpTls {
    type Err = UnknownTlsMode;
    fn from_str(s: &str) -> Result<Self, UnknownTlsMode> {
        match s {
            "none" => Ok(SmtpTls::None),
            "starttls" => Ok(SmtpTls::StartTls),
            "tls" => Ok(SmtpTls::Tls),
            other => Err(UnknownTlsMode(other.to_string())),
        }
    }
}

#[derive(Clone, Debug)]
pub struct SmtpConfig {
    pub host: String,
    pub port: u16,
    pub tls: SmtpTls,
    pub username: Option<String>,
    pub password: Option<String>,
}

#[derive(Clone, Debug)]
pub struct MailConfig {
    /// The From of every message, e.g. `ImmCase <no-reply@immcase.example>`.
    pub from: String,
    pub smtp: Option<SmtpConfig>,
}

impl Default for MailConfig {
    fn default() -> Self {
        MailConfig {
            from: "ImmCase <no-reply@localhost>".to_string(),
            smtp: None,
        }
    }
}

impl Config {
    /// The defaults of `immcase serve` with no arguments, for a data directory.
    pub fn new(data_dir: impl Into<PathBuf>) -> Config {
        Config {
            data_dir: data_dir.into(),
            database_url: None,
            database_connections: crate::db::DEFAULT_CONNECTIONS,
            public_url: "http://localhost:8080".to_string(),
            default_practice: "default".to_string(),
            admin_email: "admin@example.com".to_string(),
            admin_password: None,
            sessions: SessionPolicy::default(),
            throttle: ThrottlePolicy::default(),
            reset_link_validity: SignedDuration::from_mins(30),
            invite_link_validity: SignedDuration::from_hours(72),
            mail: MailConfig::default(),
            secret_keys: crate::secrets::KeySource::default(),
            mail_claim_timeout: std::time::Duration::from_secs(5 * 60),
            job_claim_timeout: std::time::Duration::from_secs(5 * 60),
            mail_ca_file: None,
            mailbox_fetch_interval: std::time::Duration::from_secs(5 * 60),
            workflows: WorkflowLimits::default(),
            trust_forwarded_for: false,
            max_body_bytes: 1024 * 1024,
            module_dirs: Vec::new(),
            bundled_modules: Vec::new(),
            module_engine: None,
            module_cache_dir: None,
            registry: None,
            registry_key: None,
            dev_modules: false,
            installed_modules_dir: None,
            jobs_poll_interval: std::time::Duration::from_secs(1),
            module_write_hold: std::time::Duration::from_millis(250),
            fragment_time_limit: std::time::Duration::from_secs(2),
            trash_retention: SignedDuration::from_hours(24 * 30),
            audit_retention: SignedDuration::from_hours(24 * 730),
            files: FilesConfig::default(),
            housekeeping_interval: std::time::Duration::from_secs(600),
            search_rebuild_batch: 1_000,
            clock: Arc::new(SystemClock),
        }
    }

    pub fn database_url(&self) -> String {
        self.database_url
            .clone()
            .unwrap_or_else(|| crate::db::default_sqlite_url(&self.data_dir))
    }

    /// Where modules installed from a registry are kept.
    pub fn plugins_dir(&self) -> PathBuf {
        self.installed_modules_dir
            .clone()
            .unwrap_or_else(|| self.data_dir.join(PLUGINS_DIR))
    }

    pub fn module_cache_dir(&self) -> PathBuf {
        self.module_cache_dir
            .clone()
            .unwrap_or_else(|| self.data_dir.join("module-cache"))
    }

    /// Whether cookies get the `Secure` attribute.
    pub fn secure_cookies(&self) -> bool {
        self.public_url.starts_with("https://")
    }

    /// The base URL of a practice: the public URL for the default practice,
    /// the public URL with the slug as first host label for the others.
    pub fn practice_url(&self, slug: &str) -> String {
        let base = self.public_url.trim_end_matches('/');
        if slug == self.default_practice {
            return base.to_string();
        }
        match base.split_once("://") {
            Some((scheme, rest)) => format!("{scheme}://{slug}.{rest}"),
            None => format!("{slug}.{base}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn practice_urls_put_the_slug_first() {
        let mut config = Config::new("/tmp/x");
        config.public_url = "https://immcase.example/".into();
        assert_eq!(config.practice_url("default"), "https://immcase.example");
        assert_eq!(config.practice_url("acme"), "https://acme.immcase.example");
        assert!(config.secure_cookies());
    }
}

/// The sandbox of workflows' scripts: a run that goes past one of these
/// fails, and its history names the limit.
#[derive(Clone, Debug)]
pub struct WorkflowLimits {
    /// Operations one run (its condition and its script) may take.
    pub max_operations: u64,
    /// How deep functions may call functions.
    pub max_call_levels: usize,
    /// How deeply expressions may nest (at the top level and in functions).
    pub max_expr_depth: usize,
    /// Longest string a script may build, in bytes.
    pub max_string_bytes: usize,
    /// Most items in an array, and entries in a map.
    pub max_array_items: usize,
    pub max_map_entries: usize,
    /// Longest a run may take, waiting for the database included.
    pub deadline: std::time::Duration,
    /// How many workflow runs in a row may cause one another (a workflow
    /// whose change triggers itself again stops there).
    pub max_chain: i64,
}

impl Default for WorkflowLimits {
    fn default() -> Self {
        WorkflowLimits {
            max_operations: 200_000,
            max_call_levels: 32,
            max_expr_depth: 64,
            max_string_bytes: 256 * 1024,
            max_array_items: 10_000,
            max_map_entries: 1_000,
            deadline: std::time::Duration::from_secs(5),
            max_chain: 5,
        }
    }
}
