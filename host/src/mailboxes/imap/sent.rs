//! Filing a sent message in the mailbox's Sent folder, so it shows among the
//! sent mail of the person's own mail program too.

use std::sync::Arc;

use async_imap::types::NameAttribute;
use futures_util::StreamExt;
use rustls::ClientConfig;

use super::session::{self, Session, protocol};
use super::{ImapAccount, ImapError};

/// What became of a sent message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AppendOutcome {
    /// Filed, marked as read, in this folder.
    Appended { folder: String },
    /// The mailbox has no Sent folder: nothing was filed.
    NoSentFolder,
}

/// Files `raw` (a whole RFC 5322 message) in the Sent folder, marked as
/// read. The Sent folder is the one the server marks `\Sent` (RFC 6154),
/// or else one named "Sent".
pub async fn append_sent(
    account: &ImapAccount,
    tls: &Arc<ClientConfig>,
    raw: &[u8],
) -> Result<AppendOutcome, ImapError> {
    const DURING: &str = "filing the message in the Sent folder";
    let mut session = session::sign_in(account, tls).await?;
    let folders = list_folders(&mut session).await?;
    let Some(folder) = sent_folder(&folders) else {
        session.sign_out().await;
        return Ok(AppendOutcome::NoSentFolder);
    };
    let imap = &mut session.imap;
    let name = folder.as_str();
    session
        .limits
        .step(DURING, async move {
            imap.append(name, Some(r"(\Seen)"), None, raw)
                .await
                .map_err(|e| protocol(DURING, e))
        })
        .await?;
    session.sign_out().await;
    Ok(AppendOutcome::Appended { folder })
}

/// A folder as LIST names it.
#[derive(Debug)]
struct ListedFolder {
    name: String,
    delimiter: Option<String>,
    sent: bool,
    selectable: bool,
}

impl ListedFolder {
    /// The last part of its name ("Sent" of "INBOX.Sent").
    fn leaf(&self) -> &str {
        match &self.delimiter {
            Some(d) if !d.is_empty() => self.name.rsplit(d.as_str()).next().unwrap_or(&self.name),
            _ => &self.name,
        }
    }
}

/// Every folder, with the special uses the server marks when it has
/// SPECIAL-USE.
async fn list_folders(session: &mut Session) -> Result<Vec<ListedFolder>, ImapError> {
    const DURING: &str = "listing the folders";
    let imap = &mut session.imap;
    session
        .limits
        .step(DURING, async move {
            let capabilities = imap.capabilities().await.map_err(|e| protocol(DURING, e))?;
            // LIST-EXTENDED's form asks for the special uses explicitly;
            // servers without it may still mark them in a plain LIST.
            let pattern = if capabilities.has_str("SPECIAL-USE") {
                "* RETURN (SPECIAL-USE)"
            } else {
                "*"
            };
            let mut names = imap
                .list(Some(""), Some(pattern))
                .await
                .map_err(|e| protocol(DURING, e))?;
            let mut folders = Vec::new();
            while let Some(name) = names.next().await {
                let name = name.map_err(|e| protocol(DURING, e))?;
                let attributes = name.attributes();
                folders.push(ListedFolder {
                    name: name.name().to_string(),
                    delimiter: name.delimiter().map(str::to_string),
                    sent: attributes.contains(&NameAttribute::Sent),
                    selectable: !attributes.contains(&NameAttribute::NoSelect),
                });
            }
            Ok(folders)
        })
        .await
}

/// The folder marked `\Sent`, else the one called "Sent", else one whose
/// last part is "Sent" (as "INBOX.Sent" on servers that keep every folder
/// under INBOX).
fn sent_folder(folders: &[ListedFolder]) -> Option<String> {
    let usable = || folders.iter().filter(|f| f.selectable);
    usable()
        .find(|f| f.sent)
        .or_else(|| usable().find(|f| f.name.eq_ignore_ascii_case("Sent")))
        .or_else(|| usable().find(|f| f.leaf().eq_ignore_ascii_case("Sent")))
        .map(|f| f.name.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn folder(name: &str, sent: bool) -> ListedFolder {
        ListedFolder {
            name: name.to_string(),
            delimiter: Some(".".to_string()),
            sent,
            selectable: true,
        }
    }

    #[test]
    fn the_folder_marked_sent_comes_first() {
        let folders = [
            folder("INBOX", false),
            folder("Sent", false),
            folder("Gesendete Elemente", true),
        ];
        assert_eq!(sent_folder(&folders).as_deref(), Some("Gesendete Elemente"));
    }

    #[test]
    fn without_a_mark_a_folder_named_sent_is_used() {
        let folders = [folder("INBOX", false), folder("INBOX.sent", false)];
        assert_eq!(sent_folder(&folders).as_deref(), Some("INBOX.sent"));
        let folders = [folder("INBOX.Sent", false), folder("Sent", false)];
        assert_eq!(sent_folder(&folders).as_deref(), Some("Sent"));
    }

    #[test]
    fn no_sent_folder_and_unselectable_ones_are_none() {
        let mut sent = folder("Sent", true);
        sent.selectable = false;
        assert_eq!(sent_folder(&[folder("INBOX", false), sent]), None);
        assert_eq!(sent_folder(&[folder("Sent Items", false)]), None);
    }
}
