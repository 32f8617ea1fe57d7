//! How mail leaves the server: SMTP when configured, otherwise lettre's file
//! transport into the data directory, so the embedded default needs no mail
//! server (each message becomes an `.eml` file there).

use std::path::Path;
use std::time::Duration;

use crate::config::{MailConfig, SmtpTls};
use anyhow::Context;
use lettre::message::{Mailbox, Message, header::ContentType};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Tokio1Executor};

#[derive(Clone)]
pub(super) enum Transport {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    File(AsyncFileTransport<Tokio1Executor>),
}

impl Transport {
    pub(super) fn new(config: &MailConfig, data_dir: &Path) -> anyhow::Result<Transport> {
        let Some(smtp) = &config.smtp else {
            let dir = data_dir.join("mail");
            std::fs::create_dir_all(&dir)
                .with_context(|| format!("creating the mail folder {}", dir.display()))?;
            return Ok(Transport::File(AsyncFileTransport::new(dir)));
        };
        let builder = match smtp.tls {
            SmtpTls::None => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&smtp.host),
            SmtpTls::StartTls => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&smtp.host)
                .context("setting up STARTTLS for SMTP")?,
            SmtpTls::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(&smtp.host)
                .context("setting up TLS for SMTP")?,
        };
        let mut builder = builder
            .port(smtp.port)
            .timeout(Some(Duration::from_secs(30)));
        if let (Some(user), Some(password)) = (&smtp.username, &smtp.password) {
            builder = builder.credentials(Credentials::new(user.clone(), password.clone()));
        }
        Ok(Transport::Smtp(builder.build()))
    }

    pub(super) async fn send(&self, message: Message) -> anyhow::Result<()> {
        match self {
            Transport::Smtp(t) => {
                t.send(message).await.context("SMTP delivery")?;
            }
            Transport::File(t) => {
                t.send(message).await.context("writing the mail file")?;
            }
        }
        Ok(())
    }
}

/// Builds a plain-text message.
pub(super) fn build_message(
    from: &str,
    to: &str,
    subject: &str,
    body: &str,
) -> anyhow::Result<Message> {
    let from: Mailbox = from
        .parse()
        .with_context(|| format!("the From address {from:?}"))?;
    let to: Mailbox = to
        .parse()
        .with_context(|| format!("the recipient {to:?}"))?;
    Message::builder()
        .from(from)
        .to(to)
        .subject(subject)
        .header(ContentType::TEXT_PLAIN)
        .body(body.to_string())
        .context("building the message")
}
