//! The mailbox form shared by Settings → My email account and Settings →
//! Mailboxes: the fields as typed (numbers as text, so a wrong one is
//! refused beside its field), the password never put back, and a
//! mailbox's state in words (last fetched, its problem, its pipe).

use serde::Deserialize;
use utoipa::ToSchema;

use crate::error::{AppError, Result};
use crate::mailboxes::store::{MailboxChange, MailboxView};
use crate::web::mail::when;

/// The form as sent.
#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
pub struct MailboxForm {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub address: String,
    #[serde(default)]
    pub imap_host: String,
    #[serde(default)]
    pub imap_port: String,
    #[serde(default)]
    pub imap_security: String,
    #[serde(default)]
    pub imap_username: String,
    /// Empty keeps the stored password.
    #[serde(default)]
    pub imap_password: String,
    #[serde(default)]
    pub folder: String,
    /// Who reads a shared mailbox (ticked people), repeated.
    #[serde(default)]
    pub readers: Vec<String>,
    pub version: Option<i64>,
    #[serde(rename = "_csrf")]
    #[allow(dead_code)]
    pub csrf: Option<String>,
}

impl MailboxForm {
    /// A new mailbox's form: `name` and `address` suggested.
    pub fn new(name: &str, address: &str) -> MailboxForm {
        MailboxForm {
            name: name.into(),
            address: address.into(),
            imap_username: address.into(),
            imap_security: "tls".into(),
            folder: "INBOX".into(),
            ..MailboxForm::default()
        }
    }

    pub fn of(m: &MailboxView) -> MailboxForm {
        MailboxForm {
            name: m.name.clone(),
            address: m.address.clone(),
            imap_host: m.imap_host.clone(),
            imap_port: m.imap_port.to_string(),
            imap_security: m.imap_security.clone(),
            imap_username: m.imap_username.clone(),
            imap_password: String::new(),
            folder: m.folder.clone(),
            readers: m.readers.clone(),
            version: Some(m.version),
            csrf: None,
        }
    }

    /// The change the form asks for; `shared` sends who reads it.
    pub fn change(&self, shared: bool) -> Result<MailboxChange> {
        let port = match self.imap_port.trim() {
            "" => None,
            p => Some(
                p.parse::<u16>()
                    .map_err(|_| AppError::field("imap_port", "a port from 1 to 65535"))?,
            ),
        };
        Ok(MailboxChange {
            name: self.name.clone(),
            address: self.address.clone(),
            imap_host: self.imap_host.clone(),
            imap_port: port,
            imap_security: Some(self.imap_security.clone()).filter(|s| !s.is_empty()),
            imap_username: self.imap_username.clone(),
            imap_password: Some(self.imap_password.clone()).filter(|p| !p.is_empty()),
            folder: Some(self.folder.clone()).filter(|f| !f.trim().is_empty()),
            readers: shared.then(|| self.readers.clone()),
            version: self.version,
        })
    }

    /// The form again after a refusal: what was typed, without the
    /// password.
    pub fn typed(self) -> MailboxForm {
        MailboxForm {
            imap_password: String::new(),
            ..self
        }
    }
}

/// A mailbox's state as its page says it.
pub struct MailboxState {
    pub id: String,
    /// "Last fetched 2026-12-07 09:05", or "Not fetched yet".
    pub fetched: String,
    pub problem: Option<String>,
    pub pipe_enabled: bool,
}

impl MailboxState {
    pub fn of(m: &MailboxView, time_zone: &str) -> MailboxState {
        MailboxState {
            id: m.id.clone(),
            fetched: match &m.fetched_at {
                Some(t) => format!("Last fetched {}.", when(Some(t), time_zone)),
                None => "Not fetched yet.".into(),
            },
            problem: m.problem.clone(),
            pipe_enabled: m.pipe_enabled,
        }
    }
}

/// A person who may be ticked as a reader.
pub struct ReaderBox {
    pub id: String,
    pub name: String,
    pub ticked: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_port_that_is_not_one_is_refused_beside_its_field() {
        let form = MailboxForm {
            imap_port: "nine".into(),
            ..MailboxForm::new("Info", "info@example.com")
        };
        match form.change(true) {
            Err(AppError::Invalid { fields, .. }) => assert!(fields.contains_key("imap_port")),
            other => panic!("{other:?}"),
        }
        let form = MailboxForm::new("Info", "info@example.com");
        let change = form.change(false).unwrap();
        assert_eq!(
            change.imap_password, None,
            "an empty password keeps the stored one"
        );
        assert_eq!(change.readers, None);
    }
}
