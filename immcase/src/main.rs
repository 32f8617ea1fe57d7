//! The `immcase` command: parses the command line and calls the library.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};
use immcase_host::Config;
use immcase_host::config::{FilesConfig, SessionPolicy, ThrottlePolicy};
use immcase_host::mail::{MailConfig, SmtpConfig, SmtpTls};
use jiff::SignedDuration;

/// mimalloc: module calls allocate and free many small objects (stores,
/// WASI contexts, lowered strings) across threads, where it beats glibc's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(
    name = "immcase",
    version,
    about = "ImmCase: practice management for immigration consultants and lawyers"
)]
struct Cli {
    #[command(flatten)]
    storage: Storage,
    /// Log as JSON lines instead of text.
    #[arg(long, global = true, env = "IMMCASE_LOG_JSON")]
    log_json: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Args)]
struct Storage {
    /// Where the embedded database, mail files and uploads live.
    #[arg(
        long,
        global = true,
        env = "IMMCASE_DATA_DIR",
        default_value = "./data"
    )]
    data_dir: PathBuf,
    /// `postgres://USER@HOST/DB` for PostgreSQL; SQLite in the data directory when absent.
    #[arg(long, global = true, env = "IMMCASE_DATABASE_URL")]
    database_url: Option<String>,
    /// The most connections this process opens to PostgreSQL. Each host of
    /// an installation has its own: hosts × this stays below the database
    /// server's `max_connections` (100 by default).
    #[arg(
        long,
        global = true,
        env = "IMMCASE_DATABASE_CONNECTIONS",
        default_value_t = immcase_host::db::DEFAULT_CONNECTIONS,
        value_parser = clap::value_parser!(u32).range(i64::from(immcase_host::db::MIN_CONNECTIONS)..=1000)
    )]
    database_connections: u32,
    /// The key that seals secrets stored in the database (SMTP and IMAP
    /// passwords): base64 of 32 random bytes. Without it, the key file
    /// DATA_DIR/secret.key, created at first start.
    #[arg(
        long,
        global = true,
        env = "IMMCASE_SECRET_KEY",
        hide_env_values = true
    )]
    secret_key: Option<String>,
    /// Earlier keys, comma-separated, that still open secrets sealed before
    /// a rotation (see `immcase secrets reseal`).
    #[arg(
        long,
        global = true,
        env = "IMMCASE_SECRET_KEY_PREVIOUS",
        hide_env_values = true,
        value_delimiter = ','
    )]
    secret_key_previous: Vec<String>,
}

#[derive(Subcommand)]
enum Command {
    /// Run the server (migrates, and creates the default practice on an empty database).
    Serve(Box<ServeArgs>),
    /// Bring the database schema up to date.
    Migrate,
    /// Rebuild the search index of this data directory from the records.
    Reindex,
    /// Practices on this server.
    #[command(subcommand)]
    Practice(PracticeCommand),
    /// People of a practice.
    #[command(subcommand)]
    User(UserCommand),
    /// Modules (plugins): write, build and publish them; install them from a registry.
    #[command(subcommand)]
    Plugin(PluginCommand),
    /// Keep a plugin registry in a folder.
    #[command(subcommand)]
    Registry(RegistryCommand),
    /// The server's operators, who install, upgrade and roll back its modules.
    #[command(subcommand)]
    Operator(OperatorCommand),
    /// The key that seals secrets stored in the database.
    #[command(subcommand)]
    Secrets(SecretsCommand),
    /// Write a consistent backup of the database, the stored files and the
    /// installed modules into a new folder (the server may be running).
    Backup {
        /// The folder to write (it must not exist yet, or be empty).
        #[arg(long)]
        to: PathBuf,
        /// Also copy the key file of stored secrets into the backup (keep
        /// such a backup as safe as the key).
        #[arg(long)]
        with_secret_key: bool,
        #[command(flatten)]
        blob_store: BlobStoreArgs,
    },
    /// Restore a backup into an empty installation (stopped) and rebuild
    /// its search index.
    Restore {
        /// The backup's folder.
        #[arg(long)]
        from: PathBuf,
        #[command(flatten)]
        blob_store: BlobStoreArgs,
    },
}

#[derive(Subcommand)]
enum SecretsCommand {
    /// Print a new random key (base64), for IMMCASE_SECRET_KEY or the first
    /// line of DATA_DIR/secret.key.
    NewKey,
    /// Seal every stored secret again with the current key, after a
    /// rotation; the previous keys can be dropped once it is done.
    Reseal,
}

#[derive(Subcommand)]
enum PluginCommand {
    /// Write a new module crate that builds and loads as it is.
    New {
        /// The module id, e.g. `case-checklist`.
        name: String,
        /// The folder to create it in.
        #[arg(long, default_value = ".")]
        dir: PathBuf,
        /// Use the SDK at this path (default: this source tree's when the
        /// command runs from one, else the SDK release of this version).
        #[arg(long, conflicts_with = "sdk_git")]
        sdk_path: Option<PathBuf>,
        /// Use the SDK from this git repository.
        #[arg(long)]
        sdk_git: Option<String>,
        /// With --sdk-git: the commit, tag or branch.
        #[arg(long, requires = "sdk_git")]
        sdk_rev: Option<String>,
    },
    /// Write a new signing key pair NAME.key and NAME.pub (sealed with
    /// IMMCASE_KEY_PASSWORD when it is set).
    Keygen {
        #[arg(long, default_value = ".")]
        dir: PathBuf,
        #[arg(long, default_value = "publisher")]
        name: String,
    },
    /// Build a module crate for wasm32-wasip2, check it, and write its
    /// package (the component carrying its plugin.toml).
    Build {
        #[arg(default_value = ".")]
        path: PathBuf,
        /// A component built already, instead of building.
        #[arg(long)]
        component: Option<PathBuf>,
    },
    /// Build, sign and publish a module to a registry folder (then
    /// `immcase registry refresh` signs the registry's new snapshot).
    Publish {
        #[arg(default_value = ".")]
        path: PathBuf,
        /// The registry folder.
        #[arg(long)]
        registry: PathBuf,
        /// The publisher's secret key.
        #[arg(long)]
        key: PathBuf,
        #[arg(long)]
        component: Option<PathBuf>,
    },
    /// Mark a published version yanked (not chosen any more; servers that
    /// run it keep it, with a warning), or with --undo not yanked.
    Yank {
        /// ID@VERSION
        what: String,
        #[arg(long)]
        registry: PathBuf,
        #[arg(long)]
        undo: bool,
    },
    /// The modules this server installed from registries.
    List,
    /// The registry's modules and versions whose id has TEXT.
    Search {
        #[arg(default_value = "")]
        text: String,
        #[command(flatten)]
        registry: RegistryArgs,
    },
    /// Install modules: ID, ID@VERSION (exactly) or ID@REQUIREMENT (^1.2).
    Install {
        #[arg(required = true)]
        modules: Vec<String>,
        /// Accept what they ask for without asking.
        #[arg(long)]
        yes: bool,
        #[arg(long)]
        dry_run: bool,
        #[command(flatten)]
        registry: RegistryArgs,
    },
    /// Upgrade one installed module (or all) to the newest compatible versions.
    Upgrade {
        id: Option<String>,
        #[arg(long)]
        yes: bool,
        #[arg(long)]
        dry_run: bool,
        #[command(flatten)]
        registry: RegistryArgs,
    },
    /// Build a module crate and load it into the running local server
    /// (started with --dev), again on every change of its sources.
    Dev {
        #[arg(default_value = ".")]
        path: PathBuf,
        /// The local server.
        #[arg(long, default_value = "http://127.0.0.1:8080")]
        server: String,
        /// Build and load once, then stop.
        #[arg(long)]
        once: bool,
    },
    /// Go back to the version a module ran before its last change (no network).
    Rollback { id: String },
    /// Stop loading an installed module (its data is kept).
    Uninstall { id: String },
    /// Check a module crate's plugin.toml and built component as the server
    /// does when loading them, and say what it would refuse.
    Check {
        /// The module crate's folder (holding plugin.toml and Cargo.toml).
        #[arg(default_value = ".")]
        path: PathBuf,
        /// The built component (default: the newest
        /// target/wasm32-wasip2/*/{crate}.wasm).
        #[arg(long)]
        component: Option<PathBuf>,
    },
}

/// The registry a server installs from.
#[derive(Args)]
struct RegistryArgs {
    /// The registry: a folder, or the http(s) address it is served at.
    #[arg(long, env = "IMMCASE_REGISTRY")]
    registry: Option<String>,
    /// The registry's root public key (its base64, or its .pub file), which
    /// this server pins.
    #[arg(long, env = "IMMCASE_REGISTRY_KEY")]
    registry_key: Option<String>,
}

#[derive(Subcommand)]
enum OperatorCommand {
    /// Make a person of a practice an operator of the server.
    Add { practice: String, email: String },
    /// Take the server permission back.
    Remove { practice: String, email: String },
    /// Every operator, by practice.
    List,
}

#[derive(Subcommand)]
enum RegistryCommand {
    /// Make a new, empty registry in a folder, with new root and snapshot
    /// keys (kept in --keys; existing ones are used).
    Init {
        dir: PathBuf,
        #[arg(long)]
        keys: PathBuf,
    },
    /// Sign a new snapshot of every index (after publishing or yanking);
    /// with --root-key, also add publishers and revocations to the root.
    Refresh {
        dir: PathBuf,
        #[arg(long)]
        snapshot_key: PathBuf,
        #[arg(long)]
        root_key: Option<PathBuf>,
        /// ID=PUBLIC-KEY: a key that may publish module ID.
        #[arg(long)]
        publisher: Vec<String>,
        /// ID@VERSION=REASON: a version no server may run.
        #[arg(long)]
        revoke: Vec<String>,
        /// KEY-ID=REASON: a publisher key whose signatures no longer count.
        #[arg(long)]
        revoke_key: Vec<String>,
    },
}

#[derive(Args)]
struct ServeArgs {
    #[arg(long, env = "IMMCASE_LISTEN", default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    /// The address people reach the server at, for links in emails
    /// (default: http://localhost:PORT).
    #[arg(long, env = "IMMCASE_PUBLIC_URL")]
    public_url: Option<String>,
    #[arg(long, env = "IMMCASE_ADMIN_EMAIL", default_value = "admin@example.com")]
    admin_email: String,
    /// The first administrator's password; generated and printed once when absent.
    #[arg(long, env = "IMMCASE_ADMIN_PASSWORD", hide_env_values = true)]
    admin_password: Option<String>,
    #[arg(long, env = "IMMCASE_SESSION_IDLE_MINUTES", default_value_t = 30)]
    session_idle_minutes: u32,
    #[arg(long, env = "IMMCASE_SESSION_ABSOLUTE_HOURS", default_value_t = 12)]
    session_absolute_hours: u32,
    /// Failed sign-ins allowed per account and per client address in the window.
    #[arg(long, env = "IMMCASE_SIGNIN_MAX_FAILURES", default_value_t = 10)]
    signin_max_failures: u32,
    #[arg(long, env = "IMMCASE_SIGNIN_WINDOW_MINUTES", default_value_t = 15)]
    signin_window_minutes: u32,
    /// A folder of installed modules (one sub-folder each, with plugin.toml
    /// and a .wasm component); default DATA_DIR/modules when it exists.
    #[arg(long, env = "IMMCASE_MODULES_DIR")]
    modules_dir: Option<PathBuf>,
    #[command(flatten)]
    registry: RegistryArgs,
    /// Load modules under development from this machine (`immcase plugin
    /// dev`); never on a server people use.
    #[arg(long, env = "IMMCASE_DEV")]
    dev: bool,
    /// Take client addresses from X-Forwarded-For (only behind your own proxy).
    #[arg(long, env = "IMMCASE_TRUST_FORWARDED_FOR")]
    trust_forwarded_for: bool,
    #[arg(
        long,
        env = "IMMCASE_MAIL_FROM",
        default_value = "ImmCase <no-reply@localhost>"
    )]
    mail_from: String,
    /// SMTP server; without one, mail is written as files under DATA_DIR/mail.
    #[arg(long, env = "IMMCASE_SMTP_HOST")]
    smtp_host: Option<String>,
    #[arg(long, env = "IMMCASE_SMTP_PORT", default_value_t = 587)]
    smtp_port: u16,
    /// none, starttls or tls.
    #[arg(long, env = "IMMCASE_SMTP_TLS", default_value = "starttls")]
    smtp_tls: SmtpTls,
    #[arg(long, env = "IMMCASE_SMTP_USERNAME")]
    smtp_username: Option<String>,
    #[arg(long, env = "IMMCASE_SMTP_PASSWORD", hide_env_values = true)]
    smtp_password: Option<String>,
    /// Days deleted applicants and cases stay restorable in the trash.
    #[arg(long, env = "IMMCASE_TRASH_RETENTION_DAYS", default_value_t = 30,
          value_parser = clap::value_parser!(u32).range(1..=3650))]
    trash_retention_days: u32,
    /// Days audit log entries are kept (two years unless set); older ones
    /// are deleted, and the deletion is itself recorded in the log.
    #[arg(long, env = "IMMCASE_AUDIT_RETENTION_DAYS", default_value_t = 730,
          value_parser = clap::value_parser!(u32).range(30..=36500))]
    audit_retention_days: u32,
    /// The longest a module call may hold the database's write lock (from
    /// its first write to its end), in milliseconds; past it the call is
    /// stopped and its writes roll back.
    #[arg(long, env = "IMMCASE_MODULE_WRITE_LOCK_MS", default_value_t = 250,
          value_parser = clap::value_parser!(u64).range(50..=60_000))]
    module_write_lock_ms: u64,
    /// The longest one workflow run may take, in milliseconds.
    #[arg(long, env = "IMMCASE_WORKFLOW_TIME_LIMIT_MS", default_value_t = 5_000,
          value_parser = clap::value_parser!(u64).range(100..=60_000))]
    workflow_time_limit_ms: u64,
    /// The most operations one workflow run may take.
    #[arg(long, env = "IMMCASE_WORKFLOW_MAX_OPERATIONS", default_value_t = 200_000,
          value_parser = clap::value_parser!(u64).range(1_000..=100_000_000))]
    workflow_max_operations: u64,
    /// How many workflow runs in a row may cause one another before the
    /// next is stopped (a workflow whose change triggers itself).
    #[arg(long, env = "IMMCASE_WORKFLOW_MAX_CHAIN", default_value_t = 5,
          value_parser = clap::value_parser!(i64).range(1..=50))]
    workflow_max_chain: i64,
    /// The most one uploaded file may be, in MB.
    #[arg(long, env = "IMMCASE_MAX_FILE_MB", default_value_t = 50,
          value_parser = clap::value_parser!(u64).range(1..=102_400))]
    max_file_mb: u64,
    /// The most one file sent over WebDAV (/dav/) may be, in MB.
    #[arg(long, env = "IMMCASE_DAV_MAX_FILE_MB", default_value_t = 5 * 1024,
          value_parser = clap::value_parser!(u64).range(1..=1_048_576))]
    dav_max_file_mb: u64,
    /// The most each practice may store, in GB (files in the trash count
    /// until they are purged).
    #[arg(long, env = "IMMCASE_PRACTICE_QUOTA_GB", default_value_t = 10,
          value_parser = clap::value_parser!(u64).range(1..=1_048_576))]
    practice_quota_gb: u64,
    #[command(flatten)]
    blob_store: BlobStoreArgs,
}

/// Where file contents are kept (for `serve`, `backup` and `restore`).
#[derive(Args, Clone)]
struct BlobStoreArgs {
    /// Where file contents are kept: `s3://bucket/prefix` for an
    /// S3-compatible store, configured by the usual AWS_* variables
    /// (AWS_ENDPOINT, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_REGION,
    /// AWS_ALLOW_HTTP); default a folder under DATA_DIR/blobs.
    #[arg(long, env = "IMMCASE_BLOB_STORE")]
    blob_store: Option<String>,
    /// A setting of the S3 blob store as NAME=VALUE, by object_store's names
    /// (aws_endpoint, aws_allow_http, aws_virtual_hosted_style_request, ...);
    /// repeat for several.
    #[arg(long = "blob-store-option", value_parser = name_and_value)]
    blob_store_options: Vec<(String, String)>,
}

fn name_and_value(s: &str) -> Result<(String, String), String> {
    s.split_once('=')
        .map(|(k, v)| (k.trim().to_string(), v.to_string()))
        .filter(|(k, _)| !k.is_empty())
        .ok_or_else(|| format!("{s:?} is not NAME=VALUE"))
}

#[derive(Subcommand)]
enum PracticeCommand {
    /// Create a practice with its default roles and an administrator.
    Add {
        slug: String,
        #[arg(long)]
        admin_email: String,
        /// Display name (defaults to the slug).
        #[arg(long, default_value = "")]
        name: String,
    },
}

#[derive(Subcommand)]
enum UserCommand {
    /// Create a user with a generated password.
    Add {
        #[arg(long, default_value = "default")]
        practice: String,
        #[arg(long)]
        email: String,
        #[arg(long, default_value = "")]
        display_name: String,
        /// Role name, e.g. Consultant; repeat for several.
        #[arg(long = "role")]
        roles: Vec<String>,
    },
    /// List the users of a practice.
    List {
        #[arg(long, default_value = "default")]
        practice: String,
    },
    /// Disable a user and end their sessions.
    Disable {
        #[arg(long, default_value = "default")]
        practice: String,
        #[arg(long)]
        email: String,
    },
    /// Give a user a new generated password and end their sessions.
    ResetPassword {
        #[arg(long, default_value = "default")]
        practice: String,
        #[arg(long)]
        email: String,
    },
}

fn serve_config(storage: Storage, args: &ServeArgs) -> Config {
    let mut config = storage_config(storage);
    config.public_url = args
        .public_url
        .clone()
        .unwrap_or_else(|| format!("http://localhost:{}", args.listen.port()));
    config.admin_email = args.admin_email.clone();
    config.admin_password = args.admin_password.clone();
    config.sessions = SessionPolicy {
        idle_timeout: SignedDuration::from_mins(i64::from(args.session_idle_minutes)),
        absolute_timeout: SignedDuration::from_hours(i64::from(args.session_absolute_hours)),
    };
    config.throttle = ThrottlePolicy {
        max_failures: args.signin_max_failures,
        window: SignedDuration::from_mins(i64::from(args.signin_window_minutes)),
    };
    config.trust_forwarded_for = args.trust_forwarded_for;
    config.trash_retention = SignedDuration::from_hours(24 * i64::from(args.trash_retention_days));
    config.audit_retention = SignedDuration::from_hours(24 * i64::from(args.audit_retention_days));
    config.module_write_hold = std::time::Duration::from_millis(args.module_write_lock_ms);
    config.workflows.deadline = std::time::Duration::from_millis(args.workflow_time_limit_ms);
    config.workflows.max_operations = args.workflow_max_operations;
    config.workflows.max_chain = args.workflow_max_chain;
    config.files = FilesConfig {
        max_file_bytes: args.max_file_mb * 1024 * 1024,
        max_dav_file_bytes: args.dav_max_file_mb * 1024 * 1024,
        practice_quota_bytes: args.practice_quota_gb * 1024 * 1024 * 1024,
        blob_store: args.blob_store.blob_store.clone(),
        blob_store_options: args.blob_store.blob_store_options.clone(),
    };
    config.registry = args.registry.registry.clone();
    config.dev_modules = args.dev;
    config.registry_key = args.registry.registry_key.clone();
    config.module_dirs = match &args.modules_dir {
        Some(dir) => vec![dir.clone()],
        None => Some(config.data_dir.join("modules"))
            .filter(|d| d.is_dir())
            .into_iter()
            .collect(),
    };
    config.mail = MailConfig {
        from: args.mail_from.clone(),
        smtp: args.smtp_host.clone().map(|host| SmtpConfig {
            host,
            port: args.smtp_port,
            tls: args.smtp_tls.clone(),
            username: args.smtp_username.clone(),
            password: args.smtp_password.clone(),
        }),
    };
    config
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    // reqwest's TLS (an https registry, S3) uses ring, like everything else.
    let _ = rustls::crypto::ring::default_provider().install_default();
    // The plugin commands say what they found themselves; the server's
    // log lines about loading would only repeat it.
    let default_filter = match cli.command {
        Command::Plugin(_) | Command::Registry(_) | Command::Operator(_) => "error",
        _ => "info,sqlx=warn,tower_http=info",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| default_filter.into());
    let logs = tracing_subscriber::fmt().with_env_filter(filter);
    if cli.log_json {
        logs.json().init();
    } else {
        logs.init();
    }
    let storage = cli.storage;
    match cli.command {
        Command::Serve(args) => {
            let listener = tokio::net::TcpListener::bind(args.listen).await?;
            immcase_host::serve(
                serve_config(storage, &args),
                listener,
                immcase_host::shutdown_signal(),
            )
            .await
        }
        Command::Plugin(cmd) => plugin_command(cmd, &storage.data_dir).await,
        Command::Registry(cmd) => registry_command(cmd),
        Command::Operator(cmd) => {
            let config = storage_config(storage);
            use immcase_host::commands as c;
            match cmd {
                OperatorCommand::Add { practice, email } => {
                    c::operator_add(config, &practice, &email).await
                }
                OperatorCommand::Remove { practice, email } => {
                    c::operator_remove(config, &practice, &email).await
                }
                OperatorCommand::List => c::operator_list(config).await,
            }
        }
        Command::Secrets(SecretsCommand::NewKey) => {
            println!("{}", immcase_host::secrets::new_key()?);
            Ok(())
        }
        Command::Secrets(SecretsCommand::Reseal) => {
            immcase_host::commands::secrets_reseal(storage_config(storage)).await
        }
        Command::Backup {
            to,
            with_secret_key,
            blob_store,
        } => {
            let config = with_blob_store(storage_config(storage), blob_store);
            immcase_host::commands::backup(&config, &to, with_secret_key).await
        }
        Command::Restore { from, blob_store } => {
            let config = with_blob_store(storage_config(storage), blob_store);
            immcase_host::commands::restore(&config, &from).await
        }
        Command::Migrate => immcase_host::commands::migrate(storage_config(storage)).await,
        Command::Reindex => immcase_host::commands::reindex(storage_config(storage)).await,
        Command::Practice(PracticeCommand::Add {
            slug,
            admin_email,
            name,
        }) => {
            immcase_host::commands::practice_add(
                storage_config(storage),
                &slug,
                &name,
                &admin_email,
            )
            .await
        }
        Command::User(cmd) => {
            let config = storage_config(storage);
            use immcase_host::commands as c;
            match cmd {
                UserCommand::Add {
                    practice,
                    email,
                    display_name,
                    roles,
                } => c::user_add(config, &practice, &email, &display_name, &roles).await,
                UserCommand::List { practice } => c::user_list(config, &practice).await,
                UserCommand::Disable { practice, email } => {
                    c::user_disable(config, &practice, &email).await
                }
                UserCommand::ResetPassword { practice, email } => {
                    c::user_reset_password(config, &practice, &email).await
                }
            }
        }
    }
}

/// The configuration every command shares: where the data is, and the
/// modules this binary bundles.
fn storage_config(storage: Storage) -> Config {
    let mut config = Config::new(storage.data_dir);
    config.database_url = storage.database_url;
    config.database_connections = storage.database_connections;
    config.secret_keys = immcase_host::secrets::KeySource {
        key: storage.secret_key,
        previous: storage.secret_key_previous,
    };
    config.bundled_modules = immcase::bundled_modules();
    config.public_url = std::env::var("IMMCASE_PUBLIC_URL").unwrap_or(config.public_url);
    config
}

fn with_blob_store(mut config: Config, args: BlobStoreArgs) -> Config {
    config.files.blob_store = args.blob_store;
    config.files.blob_store_options = args.blob_store_options;
    config
}

/// The registry's commands (`immcase_registry` through `immcase::plugin_registry`).
async fn plugin_command(cmd: PluginCommand, data_dir: &std::path::Path) -> anyhow::Result<()> {
    use immcase::plugin_registry as r;
    let server = |args: &RegistryArgs| {
        r::ServerRegistry::open(
            data_dir,
            args.registry.as_deref(),
            args.registry_key.as_deref(),
        )
    };
    let said = match cmd {
        PluginCommand::New {
            name,
            dir,
            sdk_path,
            sdk_git,
            sdk_rev,
        } => {
            use immcase::plugin_new::SdkSource;
            let sdk = match (sdk_path, sdk_git) {
                (Some(path), _) => SdkSource::Path(path),
                (None, Some(url)) => SdkSource::Git { url, rev: sdk_rev },
                (None, None) => SdkSource::Default,
            };
            let folder = immcase::plugin_new::plugin_new(&name, &dir, &sdk)?;
            format!(
                "Wrote the module `{name}` in {}.\nBuild and check it with: immcase plugin build {}\n\
                 Publish it with: immcase plugin publish {} --registry DIR --key publisher.key (see sdk/README.md)",
                folder.display(),
                folder.display(),
                folder.display(),
            )
        }
        PluginCommand::Check { path, component } => {
            immcase::plugin_check::plugin_check(&path, component.as_deref())?.summary()
        }
        PluginCommand::Keygen { dir, name } => {
            let (secret, public, id) = r::keygen(&dir, &name)?;
            let sealed = if std::env::var_os(r::KEY_PASSWORD_ENV).is_some() {
                "sealed with IMMCASE_KEY_PASSWORD"
            } else {
                "not sealed: keep it private, or set IMMCASE_KEY_PASSWORD and make another"
            };
            format!(
                "Key {id}: secret key {} ({sealed}), public key {}.",
                secret.display(),
                public.display()
            )
        }
        PluginCommand::Build { path, component } => {
            let built = r::build(&path, component.as_deref())?;
            format!(
                "Built {} {}: {} ({} bytes)",
                built.manifest.id,
                built.manifest.version,
                built.path.display(),
                built.package.len()
            )
        }
        PluginCommand::Publish {
            path,
            registry,
            key,
            component,
        } => {
            let built = r::build(&path, component.as_deref())?;
            let line = r::publish(&built, &registry, &key)?;
            format!(
                "Published {} {} (sha256 {}). Sign the registry's new snapshot with `immcase registry refresh {}`.",
                line.id,
                line.version,
                line.sha256,
                registry.display()
            )
        }
        PluginCommand::Yank {
            what,
            registry,
            undo,
        } => {
            let (id, version) = r::id_and_version(&what)?;
            immcase_registry::FolderRegistry::at(&registry).yank(&id, &version, !undo)?;
            format!(
                "{id} {version} is {}. Sign the registry's new snapshot with `immcase registry refresh {}`.",
                if undo { "no longer yanked" } else { "yanked" },
                registry.display()
            )
        }
        PluginCommand::List => r::ServerRegistry::open(data_dir, None, None)?.list()?,
        PluginCommand::Search { text, registry } => server(&registry)?.search(&text).await?,
        PluginCommand::Install {
            modules,
            yes,
            dry_run,
            registry,
        } => {
            let mut wants = std::collections::BTreeMap::new();
            for m in &modules {
                let (id, want) = r::id_and_want(m)?;
                wants.insert(id, want);
            }
            let consent: &mut dyn r::Consent = if yes { &mut r::Accept } else { &mut r::Ask };
            server(&registry)?.install(wants, dry_run, consent).await?
        }
        PluginCommand::Upgrade {
            id,
            yes,
            dry_run,
            registry,
        } => {
            let server = server(&registry)?;
            let ids: Vec<String> = match id {
                Some(id) => vec![id],
                None => server.store.active()?.into_iter().map(|m| m.id).collect(),
            };
            let wants = ids
                .into_iter()
                .map(|id| (id, immcase_registry::Want::Newest))
                .collect();
            let consent: &mut dyn r::Consent = if yes { &mut r::Accept } else { &mut r::Ask };
            server.install(wants, dry_run, consent).await?
        }
        PluginCommand::Dev { path, server, once } => {
            r::dev(&path, &server, data_dir, once).await?;
            return Ok(());
        }
        PluginCommand::Rollback { id } => {
            r::ServerRegistry::open(data_dir, None, None)?.rollback(&id)?
        }
        PluginCommand::Uninstall { id } => {
            r::ServerRegistry::open(data_dir, None, None)?.uninstall(&id)?
        }
    };
    println!("{said}");
    Ok(())
}

fn registry_command(cmd: RegistryCommand) -> anyhow::Result<()> {
    use immcase::plugin_registry as r;
    match cmd {
        RegistryCommand::Init { dir, keys } => {
            let made = r::registry_init(&dir, &keys)?;
            println!(
                "Made the registry {}. Its root key is {} and its snapshot key {}.
                 Servers pin its root public key: --registry-key {}",
                dir.display(),
                made.root.display(),
                made.snapshot.display(),
                made.root_public
            );
        }
        RegistryCommand::Refresh {
            dir,
            snapshot_key,
            root_key,
            publisher,
            revoke,
            revoke_key,
        } => {
            let refresh = r::Refresh {
                publishers: publisher,
                revoke,
                revoke_keys: revoke_key,
            };
            let snapshot = r::registry_refresh(&dir, &snapshot_key, root_key.as_deref(), &refresh)?;
            println!(
                "Signed snapshot {} of {} ({} modules), valid until {}.",
                snapshot.version,
                dir.display(),
                snapshot.indexes.len(),
                snapshot.expires
            );
        }
    }
    Ok(())
}
