//! Connecting and signing in: the TLS settings, the TCP connection, TLS from
//! the start or after STARTTLS, the server's greeting and LOGIN, each step
//! under a time limit.

use std::fmt::Debug;
use std::future::Future;
use std::io;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use async_imap::error::Error as Imap;
use async_imap::imap_proto::{Response, Status};
use async_imap::types::Mailbox;
use rustls::ClientConfig;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;
use tokio::time::Instant;
use tokio_rustls::TlsConnector;

use super::{ImapAccount, ImapError, ImapSecurity};

type Stream = tokio_rustls::client::TlsStream<TcpStream>;

/// The TLS settings for mail servers: the system's trusted authorities,
/// plus the CA certificates in `extra_roots_pem` (a practice's own mail
/// server may use a certificate from its own authority).
pub fn client_tls(extra_roots_pem: Option<&[u8]>) -> anyhow::Result<Arc<ClientConfig>> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut extra = Vec::new();
    if let Some(pem) = extra_roots_pem {
        for cert in CertificateDer::pem_slice_iter(pem) {
            extra.push(cert.context("reading a CA certificate")?);
        }
        anyhow::ensure!(
            !extra.is_empty(),
            "no certificate in the CA certificates given"
        );
    }
    let verifier =
        rustls_platform_verifier::Verifier::new_with_extra_roots(extra, provider.clone())
            .context("loading the trusted certificate authorities")?;
    let config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .context("choosing the TLS versions")?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(verifier))
        .with_no_client_auth();
    Ok(Arc::new(config))
}

/// How long a step may take: its own limit, and never past the deadline of
/// the whole call, when there is one.
#[derive(Clone, Copy, Debug)]
pub(super) struct Limits {
    step: Duration,
    deadline: Option<Instant>,
}

impl Limits {
    pub(super) fn new(step: Duration, deadline: Option<Instant>) -> Limits {
        Limits { step, deadline }
    }

    pub(super) async fn step<T>(
        self,
        what: &'static str,
        work: impl Future<Output = Result<T, ImapError>>,
    ) -> Result<T, ImapError> {
        let step_ends = Instant::now() + self.step;
        let until = self.deadline.map_or(step_ends, |d| d.min(step_ends));
        tokio::time::timeout_at(until, work)
            .await
            .map_err(|_| ImapError::Timeout(what))?
    }

    /// Like [`Limits::step`], but bounded by the deadline alone (a large
    /// message may take longer than a step to download).
    pub(super) async fn until_deadline<T>(
        self,
        what: &'static str,
        work: impl Future<Output = Result<T, ImapError>>,
    ) -> Result<T, ImapError> {
        match self.deadline {
            Some(deadline) => tokio::time::timeout_at(deadline, work)
                .await
                .map_err(|_| ImapError::Timeout(what))?,
            None => self.step(what, work).await,
        }
    }
}

/// A signed-in connection.
pub(super) struct Session {
    pub(super) imap: async_imap::Session<Stream>,
    pub(super) limits: Limits,
}

/// Connects to the account's server, secures the connection and signs in,
/// with no deadline but the step limits.
pub(super) async fn sign_in(
    account: &ImapAccount,
    tls: &Arc<ClientConfig>,
) -> Result<Session, ImapError> {
    sign_in_until(account, tls, None).await
}

pub(super) async fn sign_in_until(
    account: &ImapAccount,
    tls: &Arc<ClientConfig>,
    deadline: Option<Instant>,
) -> Result<Session, ImapError> {
    let limits = Limits::new(account.timeout, deadline);
    let (host, port) = (account.host.as_str(), account.port);
    let tcp = limits
        .step("connecting", async {
            TcpStream::connect((host, port))
                .await
                .map_err(|source| ImapError::Connect {
                    host: host.to_string(),
                    port,
                    source,
                })
        })
        .await?;
    let name = ServerName::try_from(host.to_string()).map_err(|_| ImapError::Tls {
        host: host.to_string(),
        source: io::Error::new(io::ErrorKind::InvalidInput, "not a valid host name"),
    })?;
    let connector = TlsConnector::from(tls.clone());
    let handshake = |tcp: TcpStream| {
        let (connector, name) = (connector.clone(), name.clone());
        limits.step("securing the connection", async move {
            connector
                .connect(name, tcp)
                .await
                .map_err(|source| ImapError::Tls {
                    host: host.to_string(),
                    source,
                })
        })
    };
    let client = match account.security {
        ImapSecurity::Tls => {
            let mut client = async_imap::Client::new(handshake(tcp).await?);
            greeting(&mut client, limits).await?;
            client
        }
        ImapSecurity::StartTls => {
            let mut plain = async_imap::Client::new(tcp);
            greeting(&mut plain, limits).await?;
            limits
                .step("starting TLS (STARTTLS)", async {
                    plain
                        .run_command_and_check_ok("STARTTLS", None)
                        .await
                        .map_err(|e| protocol("starting TLS (STARTTLS)", e))
                })
                .await?;
            // Whatever the server sent before the handshake is dropped
            // with the plain client, as STARTTLS requires.
            async_imap::Client::new(handshake(plain.into_inner()).await?)
        }
    };
    let (username, password) = (account.username.as_str(), account.password.as_str());
    // The server's greeting may be a "waiting for authentication" line with
    // the real one still to come (Dovecot); LOGIN reads past it.
    let imap = limits
        .step("signing in", async move {
            client
                .login(username, password)
                .await
                .map_err(|(e, _)| refused(e, password))
        })
        .await?;
    Ok(Session { imap, limits })
}

impl Session {
    /// Opens the account's folder read-only (EXAMINE): fetching with
    /// `BODY.PEEK[]` changes nothing on the server either.
    pub(super) async fn examine(&mut self, account: &ImapAccount) -> Result<Mailbox, ImapError> {
        let folder = account.folder.as_str();
        let imap = &mut self.imap;
        self.limits
            .step("opening the folder", async move {
                imap.examine(folder).await.map_err(|e| match e {
                    Imap::No(_) => ImapError::FolderMissing(folder.to_string()),
                    e => protocol("opening the folder", e),
                })
            })
            .await
    }

    /// LOGOUT, without waiting long or minding an error: what mattered is
    /// done.
    pub(super) async fn sign_out(mut self) {
        let _ = tokio::time::timeout(Duration::from_secs(5), self.imap.logout()).await;
    }
}

async fn greeting<T>(client: &mut async_imap::Client<T>, limits: Limits) -> Result<(), ImapError>
where
    T: AsyncRead + AsyncWrite + Unpin + Debug + Send,
{
    const DURING: &str = "waiting for the greeting";
    let response = limits
        .step(DURING, async {
            client
                .read_response()
                .await
                .map_err(|e| ImapError::Protocol {
                    during: DURING,
                    detail: e.to_string(),
                })
        })
        .await?;
    let unexpected = |detail: String| ImapError::Protocol {
        during: DURING,
        detail,
    };
    let Some(response) = response else {
        return Err(unexpected("the connection closed".to_string()));
    };
    match response.parsed() {
        Response::Data {
            status: Status::Ok | Status::PreAuth,
            ..
        } => Ok(()),
        Response::Data {
            status: Status::Bye,
            outcome,
        } => Err(unexpected(format!(
            "it closed the connection: {}",
            outcome.information.as_deref().unwrap_or("no reason given")
        ))),
        other => Err(unexpected(format!("{other:?}"))),
    }
}

/// A protocol error while `during`, in the server's words where it gave
/// some.
pub(super) fn protocol(during: &'static str, error: Imap) -> ImapError {
    let detail = match error {
        Imap::No(text) | Imap::Bad(text) => server_words(&text),
        Imap::ConnectionLost => "the connection closed".to_string(),
        other => other.to_string(),
    };
    ImapError::Protocol { during, detail }
}

/// A failed LOGIN: refused in the server's words (with the password
/// blanked, should a server repeat it), or a protocol error.
fn refused(error: Imap, password: &str) -> ImapError {
    let hide = |text: String| {
        if password.is_empty() {
            text
        } else {
            text.replace(password, "***")
        }
    };
    match error {
        Imap::No(text) | Imap::Bad(text) => ImapError::SignInRefused(hide(server_words(&text))),
        Imap::Validate(_) => ImapError::SignInRefused(
            "the user name or password holds a line break, which IMAP cannot send".to_string(),
        ),
        other => match protocol("signing in", other) {
            ImapError::Protocol { during, detail } => ImapError::Protocol {
                during,
                detail: hide(detail),
            },
            other => other,
        },
    }
}

/// async-imap words a NO or BAD as `code: Some(..), info: Some("...")`:
/// the server's own sentence is the `info`.
fn server_words(text: &str) -> String {
    if let Some((_, rest)) = text.split_once("info: Some(\"")
        && let Some(words) = rest.strip_suffix("\")")
    {
        return words.replace("\\\"", "\"");
    }
    if text.ends_with("info: None") {
        return "no reason given".to_string();
    }
    text.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_servers_words_are_taken_from_a_refusal() {
        let text = r#"code: Some(AuthenticationFailed), info: Some("Authentication failed.")"#;
        assert_eq!(server_words(text), "Authentication failed.");
        assert_eq!(server_words("code: None, info: None"), "no reason given");
        assert_eq!(server_words("something else"), "something else");
    }

    #[test]
    fn a_password_repeated_by_the_server_is_blanked() {
        let error = refused(
            Imap::No(r#"code: None, info: Some("bad password s3cret!")"#.to_string()),
            "s3cret!",
        );
        assert_eq!(
            error.to_string(),
            "the mail server refused the sign-in: bad password ***"
        );
    }

    #[test]
    fn extra_roots_must_hold_a_certificate() {
        let _ = rustls::crypto::ring::default_provider().install_default();
        assert!(client_tls(Some(b"not a certificate")).is_err());
    }
}
