//! How mail leaves the server: SMTP when configured (the practice's own
//! server, or the server-wide one), otherwise lettre's file transport into
//! the data directory, so the embedded default needs no mail server (each
//! message becomes an `.eml` file there). Each attempt ends with what the
//! server said, classified: accepted, refused for now (4xx, or no answer),
//! or refused for good (5xx).

use std::path::Path;
use std::time::Duration;

use crate::config::{SmtpConfig, SmtpTls};
use anyhow::Context;
use lettre::message::header::{ContentDisposition, ContentType, Header, HeaderName, HeaderValue};
use lettre::message::{Mailbox, Mailboxes, Message, MultiPart, SinglePart};

use super::message::Attachment;
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Tokio1Executor};

/// The longest one SMTP command may take.
const SMTP_TIMEOUT: Duration = Duration::from_secs(30);

#[derive(Clone)]
pub(super) enum Transport {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    File(AsyncFileTransport<Tokio1Executor>),
}

/// What became of one attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Delivery {
    /// Accepted, with the server's reply (`250 2.0.0 Ok: queued as …`).
    Accepted(String),
    /// Refused for now (a 4xx reply, no connection, a timeout): try again.
    Temporary(String),
    /// Refused for good (a 5xx reply), or a message that cannot be built.
    Permanent(String),
}

impl Delivery {
    pub fn reply(&self) -> &str {
        match self {
            Delivery::Accepted(r) | Delivery::Temporary(r) | Delivery::Permanent(r) => r,
        }
    }
}

impl Transport {
    /// Writes `.eml` files into `DATA_DIR/mail`.
    pub(super) fn files(data_dir: &Path) -> anyhow::Result<Transport> {
        let dir = data_dir.join("mail");
        std::fs::create_dir_all(&dir)
            .with_context(|| format!("creating the mail folder {}", dir.display()))?;
        Ok(Transport::File(AsyncFileTransport::new(dir)))
    }

    /// Sends through `smtp` (no connection is made until the first message).
    pub(super) fn smtp(smtp: &SmtpConfig) -> anyhow::Result<Transport> {
        let builder = match smtp.tls {
            SmtpTls::None => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&smtp.host),
            SmtpTls::StartTls => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&smtp.host)
                .context("setting up STARTTLS for SMTP")?,
            SmtpTls::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(&smtp.host)
                .context("setting up TLS for SMTP")?,
        };
        let mut builder = builder.port(smtp.port).timeout(Some(SMTP_TIMEOUT));
        if let (Some(user), Some(password)) = (&smtp.username, &smtp.password) {
            builder = builder.credentials(Credentials::new(user.clone(), password.clone()));
        }
        Ok(Transport::Smtp(builder.build()))
    }

    /// Hands `message` to the server and says what it answered.
    pub(super) async fn send(&self, message: Message) -> Delivery {
        match self {
            Transport::Smtp(t) => match t.send(message).await {
                Ok(response) => Delivery::Accepted(format!(
                    "{} {}",
                    response.code(),
                    response.message().collect::<Vec<_>>().join(" ")
                )),
                Err(e) => classify(&e),
            },
            Transport::File(t) => match t.send(message).await {
                Ok(id) => Delivery::Accepted(format!("written to the mail folder as {id}.eml")),
                Err(e) => Delivery::Temporary(format!("writing the mail file: {e}")),
            },
        }
    }
}

/// An SMTP failure as the log shows it: the reply's code and text when the
/// server answered, else what went wrong on the way (never a password: the
/// mail library's errors do not carry credentials).
fn classify(error: &lettre::transport::smtp::Error) -> Delivery {
    let mut text = String::new();
    let mut source = std::error::Error::source(error);
    while let Some(e) = source {
        if !text.is_empty() {
            text.push_str(": ");
        }
        text.push_str(&e.to_string());
        source = e.source();
    }
    match error.status() {
        Some(code) => {
            let reply = format!("{code} {text}").trim().to_string();
            if error.is_permanent() {
                Delivery::Permanent(reply)
            } else {
                Delivery::Temporary(reply)
            }
        }
        None => {
            let what = if error.is_timeout() {
                "the server did not answer in time".to_string()
            } else if error.is_tls() {
                "the secure connection failed".to_string()
            } else {
                error.to_string()
            };
            let what = if text.is_empty() || what.contains(&text) {
                what
            } else {
                format!("{what} ({text})")
            };
            Delivery::Temporary(what)
        }
    }
}

/// What goes into one message, as the outbox keeps it.
pub(super) struct Letter<'a> {
    pub from: &'a str,
    /// `<id@domain>`, the same on every attempt.
    pub message_id: &'a str,
    /// One address, or several as a To header lists them (`a@x, b@y`).
    pub to: &'a str,
    pub cc: Option<&'a str>,
    /// Hidden copies: on the envelope, never in the headers.
    pub bcc: Option<&'a str>,
    pub reply_to: Option<&'a str>,
    /// The `Message-ID` answered, and the conversation's ids (spaced).
    pub in_reply_to: Option<&'a str>,
    pub references: Option<&'a str>,
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
    let mut builder = Message::builder()
        .from(from)
        .message_id(Some(letter.message_id.to_string()))
        .subject(letter.subject);
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
    if let Some(bcc) = letter.bcc.filter(|b| !b.is_empty()) {
        let bcc: Mailboxes = bcc
            .parse()
            .with_context(|| format!("the hidden copies {bcc:?}"))?;
        for mailbox in bcc {
            builder = builder.bcc(mailbox);
        }
    }
    if let Some(id) = letter.in_reply_to {
        builder = builder.in_reply_to(id.to_string());
    }
    if let Some(ids) = letter.references.filter(|r| !r.is_empty()) {
        builder = builder.references(ids.to_string());
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
            message_id: "<m1@immcase.test>",
            to: "ana@example.com, bo@example.com",
            cc: Some("kim@example.com"),
            bcc: Some("archive@example.com"),
            reply_to: Some("desk@example.com"),
            in_reply_to: Some("<m0@example.com>"),
            references: Some("<a@example.com> <m0@example.com>"),
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
        assert_eq!(parsed.message_id(), Some("m1@immcase.test"));
        assert_eq!(parsed.in_reply_to().as_text(), Some("m0@example.com"));
        assert!(
            parsed.header_raw("Bcc").is_none(),
            "hidden copies stay hidden"
        );
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
