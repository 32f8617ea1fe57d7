//! Outgoing email. Whatever wants to send mail writes a row into the outbox in
//! the same transaction as the change that caused it; a worker delivers due
//! rows, so nothing is lost when the server stops or the mail server is away.
//!
//! A message is `pending`, `sending` (handed to the server now), `sent`,
//! `deferred` (waiting until `next_attempt_at`, for the reason it gives: a
//! temporary refusal, or the practice's daily limit), `failed` (a 5xx reply,
//! or still refused when it was given up) or `cancelled`. Every attempt is
//! in the SMTP log (`mail_attempts`), written before the message is handed
//! over, so a crash between the server's acceptance and the record leaves
//! an `interrupted` attempt: the message is then sent again with the same
//! `Message-ID`, which lets the receiver drop the copy (at least once, never
//! twice without a trace; `docs/mail.md`).
//!
//! - `message`: messages to several people with copies and attachments (a
//!   module's `mail.send-message`), queued with their files;
//! - `settings`: the practice's own SMTP server, sender and daily limit;
//! - `deliver`: one pass of the worker: claims, the limit, attempts;
//! - `quota`: the practice-local day and its count;
//! - `outbox`: what was queued and what became of it, retry and cancel, and
//!   the SMTP log;
//! - `transport`: SMTP, or `.eml` files without it, and building the MIME
//!   message.

mod deliver;
pub mod message;
pub mod outbox;
pub mod quota;
pub mod settings;
mod transport;

pub use deliver::new_message_id;
pub use message::{Attachment, LetterParts, OutgoingMessage, enqueue_message, is_plain_address};
pub use transport::Delivery;

pub use crate::config::{MailConfig, SmtpConfig, SmtpTls};

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use sqlx::{Any, Executor};
use tokio::sync::{Notify, watch};

use crate::clock::Clock;
use crate::db::Db;
use crate::error::Result;
use crate::practices::Practice;
use crate::secrets::Keyring;
use transport::Transport;

/// A message still refused this long after it was queued is given up
/// (RFC 5321 asks for at least four to five days).
pub const GIVE_UP_AFTER_MS: i64 = 5 * 24 * 3_600_000;

/// How a practice's mail leaves: the transport, the From, and the server
/// as the SMTP log names it.
#[derive(Clone)]
pub(crate) struct Sender {
    transport: Transport,
    pub from: String,
    pub server: String,
}

#[derive(Clone)]
pub struct Mailer {
    /// The server-wide setting, for practices that set no server.
    default: Sender,
    keys: Keyring,
    /// Each practice's own sender, with the settings version it was built
    /// from (rebuilt when they change).
    practices: Arc<Mutex<HashMap<String, (i64, Sender)>>>,
    wake: Arc<Notify>,
    /// See `Config::mail_claim_timeout`.
    claim_timeout_ms: i64,
    /// TLS for filing sent letters in their mailbox's Sent folder.
    imap_tls: Option<Arc<rustls::ClientConfig>>,
    /// How outcomes reach modules, once they are loaded.
    hooks: Arc<std::sync::OnceLock<Hooks>>,
}

/// What the outbox tells when a message from a module or a workflow is
/// sent or fails: the events `mail.sent` and `mail.failed`, delivered to
/// the modules subscribed to them by the job worker.
pub struct Hooks {
    /// The modules subscribed to an event name.
    pub subscribers: crate::events::Subscribers,
    /// Wakes the job worker after an event is written.
    pub wake_jobs: Arc<Notify>,
}

/// One message for the outbox.
pub struct OutgoingMail<'a> {
    pub to: &'a str,
    pub subject: &'a str,
    pub body: &'a str,
}

impl Mailer {
    pub fn new(
        config: &MailConfig,
        data_dir: &std::path::Path,
        keys: Keyring,
    ) -> anyhow::Result<Mailer> {
        let default = match &config.smtp {
            Some(smtp) => Sender {
                transport: Transport::smtp(smtp)?,
                from: config.from.clone(),
                server: format!("{}:{}", smtp.host, smtp.port),
            },
            None => Sender {
                transport: Transport::files(data_dir)?,
                from: config.from.clone(),
                server: "mail folder".into(),
            },
        };
        Ok(Mailer {
            default,
            keys,
            practices: Arc::new(Mutex::new(HashMap::new())),
            wake: Arc::new(Notify::new()),
            claim_timeout_ms: deliver::STALE_CLAIM_MS,
            imap_tls: None,
            hooks: Arc::new(std::sync::OnceLock::new()),
        })
    }

    /// Files sent letters in their mailbox's Sent folder over `tls`.
    pub fn with_imap_tls(mut self, tls: Arc<rustls::ClientConfig>) -> Mailer {
        self.imap_tls = Some(tls);
        self
    }

    /// How outcomes reach modules (set once, when they are loaded).
    pub fn set_hooks(&self, hooks: Hooks) {
        let _ = self.hooks.set(hooks);
    }

    /// Files `raw`, a letter sent from `mailbox`, in its Sent folder; says
    /// what became of it (`filed in Sent`, `no Sent folder`, or why not).
    async fn file_sent(&self, mailbox: &crate::mailboxes::store::Mailbox, raw: &[u8]) -> String {
        use crate::mailboxes::imap::{AppendOutcome, append_sent};
        let Some(tls) = &self.imap_tls else {
            return "not filed: no TLS for IMAP".into();
        };
        let account = match mailbox.account(&self.keys) {
            Ok(a) => a,
            Err(problem) => return format!("not filed: {problem}"),
        };
        match append_sent(&account, tls, raw).await {
            Ok(AppendOutcome::Appended { folder }) => format!("filed in {folder}"),
            Ok(AppendOutcome::NoSentFolder) => "not filed: the mailbox has no Sent folder".into(),
            Err(e) => {
                tracing::warn!(mailbox = %mailbox.id, error = %e, "filing a sent letter failed");
                format!("not filed: {e}")
            }
        }
    }

    /// Emits `mail.sent` or (with `reason`) `mail.failed` about outbox
    /// message `id` (with its `Message-ID`) to the modules subscribed and
    /// the workflows listening, when a module or a workflow queued it; a
    /// workflow's message carries its run's `chain`.
    #[allow(clippy::too_many_arguments)]
    async fn announce(
        &self,
        db: &Db,
        practice_id: &str,
        (id, message_id): (i64, &str),
        origin: Option<&str>,
        chain: i64,
        reason: Option<&str>,
        now: i64,
    ) -> Result<()> {
        let (Some(hooks), Some(origin)) = (self.hooks.get(), origin) else {
            return Ok(());
        };
        if !(origin.starts_with("module:") || origin.starts_with("workflow:")) {
            return Ok(());
        }
        let name = if reason.is_some() {
            "mail.failed"
        } else {
            "mail.sent"
        };
        let subscribers = (hooks.subscribers)(name);
        let Some(practice) = crate::practices::find_by_id(db.pool(), practice_id).await? else {
            return Ok(());
        };
        let mut payload = serde_json::json!({
            "outbox_id": id.to_string(),
            "message_id": message_id,
            "origin": origin,
        });
        if let Some(reason) = reason {
            payload["reason"] = reason.into();
        }
        let mut tx = db.begin().await?;
        crate::events::emit(
            &mut tx,
            subscribers.iter().map(String::as_str),
            &practice,
            name,
            &payload.to_string(),
            &crate::events::Cause {
                source: "host".into(),
                chain,
            },
            now,
        )
        .await?;
        tx.commit().await?;
        hooks.wake_jobs.notify_one();
        Ok(())
    }

    /// Takes back messages a stopped host left `sending` after `timeout`.
    pub fn with_claim_timeout(mut self, timeout: Duration) -> Mailer {
        self.claim_timeout_ms = i64::try_from(timeout.as_millis()).unwrap_or(i64::MAX);
        self
    }

    /// Tells the worker that new mail is waiting (call after the commit).
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    /// The server-wide sender and server (`host:port`, or `mail folder`).
    pub fn server_default(&self) -> (String, String) {
        (self.default.from.clone(), self.default.server.clone())
    }

    /// The key secrets are sealed with.
    pub fn keys(&self) -> &Keyring {
        &self.keys
    }

    /// How `practice_id`'s mail leaves with its settings `stored`: its own
    /// server and sender, or the server-wide ones for what it left empty.
    pub(crate) fn sender(
        &self,
        practice_id: &str,
        stored: &settings::StoredMail,
    ) -> std::result::Result<Sender, String> {
        let version = stored.shown.version;
        if let Ok(cache) = self.practices.lock()
            && let Some((v, sender)) = cache.get(practice_id)
            && *v == version
        {
            return Ok(sender.clone());
        }
        let mut sender = match stored.smtp(&self.keys, practice_id)? {
            Some(smtp) => Sender {
                transport: Transport::smtp(&smtp).map_err(|e| format!("{e:#}"))?,
                from: self.default.from.clone(),
                server: format!("{}:{}", smtp.host, smtp.port),
            },
            None => self.default.clone(),
        };
        let shown = &stored.shown;
        if !shown.from_address.is_empty() {
            sender.from = if shown.from_name.is_empty() {
                shown.from_address.clone()
            } else {
                format!("\"{}\" <{}>", shown.from_name, shown.from_address)
            };
        } else if !shown.from_name.is_empty() {
            let address = self
                .default
                .from
                .parse::<lettre::message::Mailbox>()
                .map(|m| m.email.to_string())
                .unwrap_or_default();
            if !address.is_empty() {
                sender.from = format!("\"{}\" <{address}>", shown.from_name);
            }
        }
        if let Ok(mut cache) = self.practices.lock() {
            cache.insert(practice_id.to_string(), (version, sender.clone()));
        }
        Ok(sender)
    }
}

/// Queues a message in the outbox, inside the caller's transaction.
pub async fn enqueue<'e, E>(
    db: E,
    practice: &Practice,
    mail: OutgoingMail<'_>,
    now_ms: i64,
) -> Result<()>
where
    E: Executor<'e, Database = Any>,
{
    sqlx::query(
        "INSERT INTO mail_outbox (practice_id, to_addr, subject, body_text, status, attempts, \
         next_attempt_at, created_at, give_up_at, origin) \
         VALUES ($1, $2, $3, $4, 'pending', 0, $5, $5, $6, 'host')",
    )
    .bind(practice.id())
    .bind(mail.to)
    .bind(mail.subject)
    .bind(mail.body)
    .bind(now_ms)
    .bind(now_ms + GIVE_UP_AFTER_MS)
    .execute(db)
    .await?;
    Ok(())
}

/// Delivers due mail from `db`'s outbox through `mail` until `shutdown`
/// turns true.
pub async fn run_worker(
    db: Db,
    mail: Mailer,
    clock: Arc<dyn Clock>,
    mut shutdown: watch::Receiver<bool>,
) {
    loop {
        let delivered = match deliver::deliver_due(&db, &mail, clock.as_ref()).await {
            Ok(n) => n,
            Err(e) => {
                tracing::warn!(error = %e, "mail outbox pass failed");
                0
            }
        };
        if *shutdown.borrow() {
            return;
        }
        if delivered == 0 {
            tokio::select! {
                _ = mail.wake.notified() => {}
                _ = tokio::time::sleep(Duration::from_secs(2)) => {}
                _ = shutdown.changed() => return,
            }
        }
    }
}

/// What a test message (Settings → Email) met.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct TestOutcome {
    /// Whether the server accepted it.
    pub delivered: bool,
    /// `host:port`, or `mail folder`.
    pub server: String,
    /// The server's reply, exactly.
    pub reply: String,
    /// The message in the outbox (it shows there and in the SMTP log).
    pub message: String,
}

/// Sends a test message to `to` now, through the practice's settings as
/// saved, and says what the server answered. It is in the outbox and the
/// SMTP log like any message, but never retried and never counted against
/// the daily limit.
pub async fn send_test(
    db: &Db,
    mail: &Mailer,
    clock: &dyn Clock,
    practice: &Practice,
    to: &str,
    sent_by: &str,
) -> Result<TestOutcome> {
    let now = clock.now_ms();
    let body = format!(
        "This is a test message from ImmCase, sent from Settings → Email of {}.\n\n\
         It arrived, so the practice's mail settings work.\n",
        practice.name()
    );
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO mail_outbox (practice_id, to_addr, subject, body_text, status, attempts, \
         next_attempt_at, claimed_at, created_at, give_up_at, origin, sent_by, quota_day) \
         VALUES ($1, $2, $3, $4, 'sending', 0, $5, $5, $5, $5, 'test', $6, '') RETURNING id",
    )
    .bind(practice.id())
    .bind(to)
    .bind(format!("Test message from {}", practice.name()))
    .bind(body)
    .bind(now)
    .bind(sent_by)
    .fetch_one(db.pool())
    .await?;
    deliver::attempt(db, mail, clock, id, practice.id()).await?;
    let unusable = outbox::get(db.pool(), practice, id).await?.deferred_reason;
    // A test is not retried: a temporary refusal is its answer.
    sqlx::query(
        "UPDATE mail_outbox SET status = 'failed', deferred_reason = NULL, \
         last_error = COALESCE(last_error, $2) WHERE id = $1 AND status = 'deferred'",
    )
    .bind(id)
    .bind(unusable.clone())
    .execute(db.pool())
    .await?;
    let attempt = outbox::attempts(db.pool(), practice, Some(id), i64::MAX, 1).await?;
    let (server, outcome, reply) = match attempt.into_iter().next() {
        Some(a) => (a.server, a.outcome, a.reply.unwrap_or_default()),
        // Never handed over: the settings could not be used.
        None => (String::new(), String::new(), unusable.unwrap_or_default()),
    };
    Ok(TestOutcome {
        delivered: outcome == "sent",
        server,
        reply,
        message: id.to_string(),
    })
}
