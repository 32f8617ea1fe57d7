//! An IMAP client for one mailbox at a time: sign in, take the messages a
//! folder gained since last time, file a sent message, or check that the
//! settings work.
//!
//! - `session`: TLS settings, connecting (TLS on 993 or STARTTLS on 143),
//!   signing in, and the time limit of every step;
//! - `fetch`: [`fetch_new`], each message taken once by its UID;
//! - `sent`: [`append_sent`], finding the Sent folder.
//!
//! Every call opens its own connection and signs out at the end; nothing
//! is kept between calls but the [`FolderState`] the caller stores. The
//! password never appears in an error, a log line or `Debug` output.

mod fetch;
mod sent;
mod session;

use std::fmt;
use std::io;
use std::time::Duration;

pub use fetch::{Fetch, FetchLimits, FetchedMessage, FolderState, SkippedMessage, fetch_new};
pub use sent::{AppendOutcome, append_sent};
pub use session::client_tls;

/// How the connection is protected. There is no plain-text choice: a
/// password never crosses the network unencrypted.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum ImapSecurity {
    /// IMAP over TLS from the first byte (usually port 993).
    #[default]
    Tls,
    /// A plain connection upgraded with STARTTLS before signing in (usually
    /// port 143).
    StartTls,
}

impl ImapSecurity {
    /// The port this kind of connection usually listens on.
    pub fn default_port(self) -> u16 {
        match self {
            ImapSecurity::Tls => 993,
            ImapSecurity::StartTls => 143,
        }
    }
}

/// Where a mailbox lives and how to sign in to it.
#[derive(Clone)]
pub struct ImapAccount {
    pub host: String,
    pub port: u16,
    pub security: ImapSecurity,
    pub username: String,
    pub password: String,
    /// The folder new mail is taken from.
    pub folder: String,
    /// The longest any one step may take: connecting, the TLS handshake,
    /// signing in, each command.
    pub timeout: Duration,
}

impl ImapAccount {
    /// An account on `host` over TLS on port 993, taking mail from `INBOX`,
    /// with 30 seconds for each step.
    pub fn new(
        host: impl Into<String>,
        username: impl Into<String>,
        password: impl Into<String>,
    ) -> ImapAccount {
        ImapAccount {
            host: host.into(),
            port: ImapSecurity::Tls.default_port(),
            security: ImapSecurity::Tls,
            username: username.into(),
            password: password.into(),
            folder: "INBOX".to_string(),
            timeout: Duration::from_secs(30),
        }
    }
}

impl fmt::Debug for ImapAccount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ImapAccount")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("security", &self.security)
            .field("username", &self.username)
            .field("password", &"***")
            .field("folder", &self.folder)
            .field("timeout", &self.timeout)
            .finish()
    }
}

/// What went wrong, in words that can be shown to whoever set the mailbox
/// up. None of them holds the password.
#[derive(Debug, thiserror::Error)]
pub enum ImapError {
    #[error("cannot connect to {host}:{port}: {source}")]
    Connect {
        host: String,
        port: u16,
        #[source]
        source: io::Error,
    },
    /// The TLS handshake failed: most often a certificate that no trusted
    /// authority signed, or one for another name.
    #[error("the secure connection to {host} failed: {source}")]
    Tls {
        host: String,
        #[source]
        source: io::Error,
    },
    /// The server refused the user name and password, with its own words.
    #[error("the mail server refused the sign-in: {0}")]
    SignInRefused(String),
    #[error("the folder {0:?} does not exist on the mail server")]
    FolderMissing(String),
    /// Anything else the server said or did that was not expected,
    /// including a connection that closed half-way.
    #[error("the mail server answered unexpectedly while {during}: {detail}")]
    Protocol {
        during: &'static str,
        detail: String,
    },
    #[error("the mail server took too long while {0}")]
    Timeout(&'static str),
}

/// Signs in, opens the account's folder read-only and says how many
/// messages it holds, e.g. `INBOX: 12 messages` (for a "test the
/// connection" button).
pub async fn check(
    account: &ImapAccount,
    tls: &std::sync::Arc<rustls::ClientConfig>,
) -> Result<String, ImapError> {
    let mut session = session::sign_in(account, tls).await?;
    let folder = session.examine(account).await?;
    session.sign_out().await;
    let noun = if folder.exists == 1 {
        "message"
    } else {
        "messages"
    };
    Ok(format!("{}: {} {noun}", account.folder, folder.exists))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_hides_the_password() {
        let account = ImapAccount::new("imap.example.org", "ana", "hunter2-secret");
        let shown = format!("{account:?}");
        assert!(shown.contains("imap.example.org") && shown.contains("ana"));
        assert!(!shown.contains("hunter2-secret"), "{shown}");
    }

    #[test]
    fn tls_on_993_and_inbox_by_default() {
        let account = ImapAccount::new("imap.example.org", "ana", "pw");
        assert_eq!(
            (account.port, account.security, account.folder.as_str()),
            (993, ImapSecurity::Tls, "INBOX")
        );
        assert_eq!(ImapSecurity::StartTls.default_port(), 143);
    }
}
