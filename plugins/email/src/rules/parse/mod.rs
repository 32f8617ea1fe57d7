//! Reading a raw RFC 5322 message, as the host fetched it over IMAP, into
//! what the module keeps and shows: its ids, people, date, subject, bodies
//! and attachments.
//!
//! MIME is read by `mail-parser`: encoded words (`=?UTF-8?B?…?=`),
//! quoted-printable and base64, the usual charsets (windows-1252,
//! iso-8859-1 and the rest, with its `full_encoding`), and nested
//! multiparts. What this file adds is the practice's view of it:
//!
//! - ids without their `<>`, and a stable synthetic Message-ID for a
//!   message that has none ([`synthetic_message_id`]);
//! - the text body: the text/plain parts, or the HTML turned into text when
//!   there is no plain part; the HTML kept raw for [`super::html::sanitise`];
//! - attachments with safe file names (`attachment.rs`), a forwarded
//!   message as a `.eml` attachment, and [`Limits`] on how many and how
//!   much are kept: a message over the limits is still read, and the
//!   attachments that did not fit are listed in
//!   [`ParsedMessage::omitted`], so people see what was left out.

mod attachment;

use mail_parser::{Address, HeaderValue, Message, MessageParser};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

pub use attachment::{Attachment, OmittedAttachment, safe_file_name};

/// How much of a message is kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// A raw message larger than this is refused ([`ParseError::TooLarge`]).
    pub max_message_bytes: usize,
    /// At most this many attachments are kept; the rest are omitted.
    pub max_attachments: usize,
    /// The kept attachments' bytes add up to at most this; an attachment
    /// that would go over it is omitted (a smaller one after it may fit).
    pub max_attachment_bytes: usize,
}

impl Default for Limits {
    /// 50 MiB messages, 50 attachments, 40 MiB of attachments.
    fn default() -> Self {
        Limits {
            max_message_bytes: 50 << 20,
            max_attachments: 50,
            max_attachment_bytes: 40 << 20,
        }
    }
}

/// Why a raw message could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    #[error("the message is empty")]
    Empty,
    #[error("these bytes are not an email: they have no From, Date, Message-ID, To or Subject")]
    NotAMessage,
    #[error("the message is {size} bytes, more than the {limit} bytes allowed")]
    TooLarge { size: usize, limit: usize },
}

/// A person in a message's header: `"Ana Okonkwo" <Ana.Okonkwo@gmail.com>`.
///
/// The address is kept as written, for showing and for replying; compare
/// addresses with [`Mailbox::key`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mailbox {
    pub name: Option<String>,
    pub address: String,
}

impl Mailbox {
    /// The address lowercased, for comparing and matching.
    pub fn key(&self) -> String {
        self.address.trim().to_lowercase()
    }

    /// Whether this is `address`, in any case.
    pub fn is(&self, address: &str) -> bool {
        self.key() == address.trim().to_lowercase()
    }

    /// The name when there is one, else the address: what a page shows.
    pub fn display_name(&self) -> &str {
        self.name.as_deref().unwrap_or(&self.address)
    }
}

impl std::fmt::Display for Mailbox {
    /// `Ana Okonkwo <ana@example.com>`, or the address alone.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.name {
            Some(name) => write!(f, "{name} <{}>", self.address),
            None => f.write_str(&self.address),
        }
    }
}

/// A message as the module keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedMessage {
    /// The Message-ID without `<>`; a synthetic one when the message has
    /// none (see [`synthetic_message_id`]).
    pub message_id: String,
    /// In-Reply-To's ids, without `<>` (usually one).
    pub in_reply_to: Vec<String>,
    /// References' ids, without `<>`, oldest first.
    pub references: Vec<String>,
    pub from: Option<Mailbox>,
    pub to: Vec<Mailbox>,
    pub cc: Vec<Mailbox>,
    pub reply_to: Vec<Mailbox>,
    /// The Date header in seconds since the Unix epoch, when it is a date.
    pub date: Option<i64>,
    /// The decoded subject, trimmed; empty when there is none.
    pub subject: String,
    /// The text to show and quote: the text/plain parts, or the HTML as
    /// text when there is no plain part, with `\n` line ends. `None` for a
    /// message without body.
    pub text: Option<String>,
    /// The HTML parts, raw: never show them before [`super::html::sanitise`].
    pub html: Option<String>,
    /// The attachments kept, in the message's order.
    pub attachments: Vec<Attachment>,
    /// The attachments left out by the [`Limits`].
    pub omitted: Vec<OmittedAttachment>,
}

/// The domain of synthetic Message-IDs: `.invalid` is reserved (RFC 2606),
/// so no real message ever has one.
pub const SYNTHETIC_ID_DOMAIN: &str = "synthetic.immcase.invalid";

/// Whether `message_id` was made by [`synthetic_message_id`]: other mail
/// clients have never seen it, so a reply must not refer to it.
pub fn is_synthetic_id(message_id: &str) -> bool {
    message_id
        .rsplit_once('@')
        .is_some_and(|(_, domain)| domain.eq_ignore_ascii_case(SYNTHETIC_ID_DOMAIN))
}

/// The Message-ID of a message that has none: the first 128 bits of the
/// SHA-256 of its raw bytes, `3f2a…@synthetic.immcase.invalid`.
///
/// The same bytes fetched again (another sync, another folder holding the
/// same copy) give the same id, so the message is not stored twice; a
/// cryptographic hash keeps two different messages from ever sharing one.
pub fn synthetic_message_id(raw: &[u8]) -> String {
    let digest = Sha256::digest(raw);
    let hex: String = digest[..16].iter().map(|b| format!("{b:02x}")).collect();
    format!("{hex}@{SYNTHETIC_ID_DOMAIN}")
}

/// Reads the raw message `raw` within `limits`.
pub fn parse(raw: &[u8], limits: Limits) -> Result<ParsedMessage, ParseError> {
    if raw.iter().all(u8::is_ascii_whitespace) {
        return Err(ParseError::Empty);
    }
    if raw.len() > limits.max_message_bytes {
        return Err(ParseError::TooLarge {
            size: raw.len(),
            limit: limits.max_message_bytes,
        });
    }
    let message = MessageParser::default()
        .parse(raw)
        .filter(is_a_message)
        .ok_or(ParseError::NotAMessage)?;

    let message_id = message
        .message_id()
        .map(str::trim)
        .filter(|id| !id.is_empty())
        .map(str::to_owned)
        .unwrap_or_else(|| synthetic_message_id(raw));
    let (attachments, omitted) = attachment::collect(&message, raw, limits);
    Ok(ParsedMessage {
        message_id,
        in_reply_to: ids(message.in_reply_to()),
        references: ids(message.references()),
        from: message
            .from()
            .and_then(|from| mailboxes(from).into_iter().next()),
        to: message.to().map(mailboxes).unwrap_or_default(),
        cc: message.cc().map(mailboxes).unwrap_or_default(),
        reply_to: message.reply_to().map(mailboxes).unwrap_or_default(),
        date: message
            .date()
            .filter(|date| date.is_valid())
            .map(|date| date.to_timestamp()),
        subject: message.subject().unwrap_or_default().trim().to_owned(),
        text: text_body(&message),
        html: html_body(&message),
        attachments,
        omitted,
    })
}

/// Whether `message` has one of the headers every email has (RFC 5322
/// requires From and Date; some of the others stand in for them in
/// broken mail): bytes that are not an email do not.
fn is_a_message(message: &Message<'_>) -> bool {
    message.from().is_some()
        || message.sender().is_some()
        || message.date().is_some()
        || message.message_id().is_some()
        || message.to().is_some()
        || message.subject().is_some()
}

/// The ids of an In-Reply-To or References header, without `<>`, in order,
/// each once.
fn ids(value: &HeaderValue<'_>) -> Vec<String> {
    let found: Vec<&str> = match value {
        HeaderValue::Text(id) => vec![id.as_ref()],
        HeaderValue::TextList(ids) => ids.iter().map(|id| id.as_ref()).collect(),
        _ => Vec::new(),
    };
    let mut ids: Vec<String> = Vec::with_capacity(found.len());
    for id in found {
        let id = id.trim().trim_start_matches('<').trim_end_matches('>');
        if !id.is_empty() && !ids.iter().any(|seen| seen == id) {
            ids.push(id.to_owned());
        }
    }
    ids
}

/// The people of an address header, groups flattened; entries without an
/// address (`undisclosed-recipients:;`) left out.
fn mailboxes(address: &Address<'_>) -> Vec<Mailbox> {
    address
        .iter()
        .filter_map(|addr| {
            let address = addr.address()?.trim();
            if address.is_empty() {
                return None;
            }
            let name = addr
                .name()
                .map(|name| name.split_whitespace().collect::<Vec<_>>().join(" "))
                .filter(|name| !name.is_empty() && name != address);
            Some(Mailbox {
                name,
                address: address.to_owned(),
            })
        })
        .collect()
}

/// The text/plain parts (or the HTML ones as text), joined.
fn text_body(message: &Message<'_>) -> Option<String> {
    let parts: Vec<_> = (0..message.text_body_count())
        .filter_map(|at| message.body_text(at))
        .collect();
    let text = parts.join("\n").replace("\r\n", "\n");
    (!text.trim().is_empty()).then_some(text)
}

/// The text/html parts, raw, joined.
fn html_body(message: &Message<'_>) -> Option<String> {
    let html: String = message
        .html_bodies()
        .filter(|part| part.is_text_html())
        .filter_map(|part| part.text_contents())
        .collect();
    (!html.trim().is_empty()).then_some(html)
}

#[cfg(test)]
mod tests;
