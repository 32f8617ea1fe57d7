//! How mail leaves the server: SMTP when configured, otherwise lettre's file
//! transport into the data directory, so the embedded default needs no mail
//! server (each message becomes an `.eml` file there).

use std::path::Path;
use std::time::Duration;

use crate::config::{MailConfig, SmtpTls};
use anyhow::Context;
use lettre::message::header::{ContentDisposition, ContentType, Header, HeaderName, HeaderValue};
use lettre::message::{Mailbox, Mailboxes, Message, MultiPart, SinglePart};

use super::message::Attachment;
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

/// What goes into one message, as the outbox keeps it.
pub(super) struct Letter<'a> {
    pub from: &'a str,
    /// One address, or several as a To header lists them (`a@x, b@y`).
    pub to: &'a str,
    pub cc: Option<&'a str>,
    pub reply_to: Option<&'a str>,
    pub subject: &'a str,
    pub body: &'a str,
    pub attachments: Vec<Attachment>,
}

/// Builds a plain-text message, with its attachments when it has any
/// (`multipart/mixed`: the text, then each file with its content type
/// exactly as given and its name).
pub(super) fn build_message(letter: Letter<'_>) -> anyhow::Result<Message> {
    let from: Mailbox = letter
        .from
        .parse()
        .with_context(|| format!("the From address {:?}", letter.from))?;
    let mut builder = Message::builder().from(from).subject(letter.subject);
    let to: Mailboxes = letter
        .to
        .parse()
        .with_context(|| format!("the recipients {:?}", letter.to))?;
    for mailbox in to {
        builder = builder.to(mailbox);
    }
    if let Some(cc) = letter.cc.filter(|cc| !cc.is_empty()) {
        let cc: Mailboxes = cc.parse().with_context(|| format!("the copies {cc:?}"))?;
        for mailbox in cc {
            builder = builder.cc(mailbox);
        }
    }
    if let Some(reply_to) = letter.reply_to {
        let reply_to: Mailbox = reply_to
            .parse()
            .with_context(|| format!("the Reply-To address {reply_to:?}"))?;
        builder = builder.reply_to(reply_to);
    }
    if letter.attachments.is_empty() {
        return builder
            .header(ContentType::TEXT_PLAIN)
            .body(letter.body.to_string())
            .context("building the message");
    }
    let mut parts = MultiPart::mixed().singlepart(SinglePart::plain(letter.body.to_string()));
    for a in letter.attachments {
        parts = parts.singlepart(
            SinglePart::builder()
                .header(ContentDisposition::attachment(&a.name))
                .header(ExactContentType(a.content_type))
                .body(a.content),
        );
    }
    builder.multipart(parts).context("building the message")
}

/// A `Content-Type` written exactly as given: the mail library's own type
/// would lowercase parts of it (`charset=UTF-8`), and calendar clients read
/// an invitation's `method=REQUEST` from it. Checked when it was queued.
#[derive(Clone)]
struct ExactContentType(String);

impl Header for ExactContentType {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("Content-Type")
    }

    fn parse(s: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(ExactContentType(s.to_string()))
    }

    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), self.0.clone())
    }
}

#[cfg(test)]
mod tests {
    use mail_parser::MimeHeaders;

    use super::*;

    #[test]
    fn an_invitation_keeps_its_content_type_and_bytes() {
        let ics = b"BEGIN:VCALENDAR\r\nMETHOD:REQUEST\r\nEND:VCALENDAR\r\n".to_vec();
        let letter = Letter {
            from: "ImmCase <no-reply@immcase.test>",
            to: "ana@example.com, bo@example.com",
            cc: Some("kim@example.com"),
            reply_to: Some("desk@example.com"),
            subject: "Appointment",
            body: "See the invitation.",
            attachments: vec![Attachment {
                name: "invite.ics".into(),
                content_type: "text/calendar; method=REQUEST; charset=UTF-8".into(),
                content: ics.clone(),
            }],
        };
        let raw = build_message(letter).unwrap().formatted();
        let parsed = mail_parser::MessageParser::default().parse(&raw).unwrap();
        assert_eq!(parsed.to().map(|to| to.iter().count()), Some(2));
        assert_eq!(
            parsed
                .cc()
                .and_then(|cc| cc.first())
                .and_then(|a| a.address()),
            Some("kim@example.com")
        );
        let text = String::from_utf8_lossy(&raw);
        assert!(
            text.contains("Content-Type: text/calendar; method=REQUEST; charset=UTF-8"),
            "{text}"
        );
        let invite = parsed.attachment(0).unwrap();
        assert_eq!(invite.attachment_name(), Some("invite.ics"));
        assert_eq!(invite.contents(), ics.as_slice());
    }
}
