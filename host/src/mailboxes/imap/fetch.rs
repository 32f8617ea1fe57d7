//! Taking a folder's new mail. A message's UID only grows within a folder
//! while the folder's UIDVALIDITY stays the same, so "the messages after the
//! last UID taken" is each message once; when UIDVALIDITY changes, the UIDs
//! were renumbered and everything in the folder is offered again.

use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt;
use rustls::ClientConfig;
use tokio::time::Instant;

use super::session::{self, Session, protocol};
use super::{ImapAccount, ImapError};

/// What the caller keeps of a folder between fetches: the UIDVALIDITY the
/// UIDs belong to (none before the first fetch) and the last UID taken.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FolderState {
    pub uid_validity: Option<u32>,
    pub last_uid: u32,
}

/// How much one fetch may take.
#[derive(Clone, Copy, Debug)]
pub struct FetchLimits {
    /// Messages taken at most (those too large to download count too);
    /// [`Fetch::more`] says when more are waiting.
    pub max_messages: usize,
    /// A message larger than this is not downloaded, but reported in
    /// [`Fetch::too_large`] (and not offered again).
    pub max_message_bytes: u32,
    /// The whole fetch, from connecting to the last message. When it runs
    /// out after some messages were taken, those are returned with
    /// [`Fetch::more`] set; before any, the fetch fails with a timeout.
    pub deadline: Duration,
}

impl Default for FetchLimits {
    /// 100 messages of up to 25 MiB each, in 5 minutes.
    fn default() -> FetchLimits {
        FetchLimits {
            max_messages: 100,
            max_message_bytes: 25 * 1024 * 1024,
            deadline: Duration::from_secs(300),
        }
    }
}

/// A message as the server keeps it.
#[derive(Clone, Debug)]
pub struct FetchedMessage {
    pub uid: u32,
    /// The whole message (RFC 5322), byte for byte.
    pub raw: Vec<u8>,
    /// When the server received it.
    pub internal_date: Option<jiff::Timestamp>,
}

/// A message taken without its contents, being over the size limit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SkippedMessage {
    pub uid: u32,
    /// Its size in bytes.
    pub size: u32,
}

/// The result of [`fetch_new`]. Store [`Fetch::state`] together with the
/// messages: the next fetch starts after them.
#[derive(Clone, Debug)]
pub struct Fetch {
    /// The folder's UIDVALIDITY now.
    pub uid_validity: u32,
    /// The folder's UIDVALIDITY changed since the state given: the UIDs were
    /// renumbered, the old state no longer applies, and the messages are
    /// the folder's from the first UID on (some may have been taken before).
    pub restarted: bool,
    /// The messages taken, by ascending UID.
    pub messages: Vec<FetchedMessage>,
    /// The messages taken without their contents, too large to download.
    pub too_large: Vec<SkippedMessage>,
    /// More messages are waiting beyond the limits: fetch again.
    pub more: bool,
    /// The last UID taken (or looked past).
    pub last_uid: u32,
}

impl Fetch {
    /// The state to keep for the next fetch.
    pub fn state(&self) -> FolderState {
        FolderState {
            uid_validity: Some(self.uid_validity),
            last_uid: self.last_uid,
        }
    }
}

/// Takes the messages the account's folder gained after `state`: signs in,
/// opens the folder read-only, lists the new UIDs with their sizes and
/// downloads each with `BODY.PEEK[]` (so nothing is marked as read).
pub async fn fetch_new(
    account: &ImapAccount,
    tls: &Arc<ClientConfig>,
    state: FolderState,
    limits: &FetchLimits,
) -> Result<Fetch, ImapError> {
    let deadline = Instant::now() + limits.deadline;
    let mut session = session::sign_in_until(account, tls, Some(deadline)).await?;
    let folder = session.examine(account).await?;
    let uid_validity = folder.uid_validity.ok_or(ImapError::Protocol {
        during: "opening the folder",
        detail: "it gave no UIDVALIDITY".to_string(),
    })?;
    let restarted = state
        .uid_validity
        .is_some_and(|known| known != uid_validity);
    let after = if restarted { 0 } else { state.last_uid };
    let mut fetch = Fetch {
        uid_validity,
        restarted,
        messages: Vec::new(),
        too_large: Vec::new(),
        more: false,
        last_uid: after,
    };
    let Some(from) = after.checked_add(1) else {
        session.sign_out().await;
        return Ok(fetch);
    };
    // UIDNEXT says whether anything arrived without asking for it.
    if folder.exists == 0 || folder.uid_next.is_some_and(|next| next <= from) {
        session.sign_out().await;
        return Ok(fetch);
    }
    let waiting = list_new(&mut session, from).await?;
    let max = limits.max_messages.max(1);
    fetch.more = waiting.len() > max;
    for (uid, size) in waiting.into_iter().take(max) {
        if size > limits.max_message_bytes {
            fetch.too_large.push(SkippedMessage { uid, size });
            fetch.last_uid = uid;
            continue;
        }
        match download(&mut session, uid).await {
            Ok(Some(message)) => match u32::try_from(message.raw.len()) {
                // The size listed was smaller than the message sent.
                Ok(size) if size <= limits.max_message_bytes => fetch.messages.push(message),
                Ok(size) => fetch.too_large.push(SkippedMessage { uid, size }),
                Err(_) => fetch.too_large.push(SkippedMessage {
                    uid,
                    size: u32::MAX,
                }),
            },
            // Deleted from the folder since it was listed.
            Ok(None) => {}
            // Out of time with something to show for it: keep that, and
            // leave the rest for the next fetch. The connection is dropped
            // mid-answer, so there is no signing out.
            Err(ImapError::Timeout(_)) if fetch.last_uid != after => {
                fetch.more = true;
                return Ok(fetch);
            }
            Err(e) => return Err(e),
        }
        fetch.last_uid = uid;
    }
    session.sign_out().await;
    Ok(fetch)
}

/// The UIDs from `from` on, with their sizes, by ascending UID.
async fn list_new(session: &mut Session, from: u32) -> Result<Vec<(u32, u32)>, ImapError> {
    const DURING: &str = "listing the new messages";
    let imap = &mut session.imap;
    session
        .limits
        .step(DURING, async move {
            let mut answers = imap
                .uid_fetch(format!("{from}:*"), "(UID RFC822.SIZE)")
                .await
                .map_err(|e| protocol(DURING, e))?;
            let mut listed = Vec::new();
            while let Some(answer) = answers.next().await {
                let answer = answer.map_err(|e| protocol(DURING, e))?;
                if let (Some(uid), Some(size)) = (answer.uid, answer.size) {
                    listed.push((uid, size));
                }
            }
            Ok(waiting(listed, from))
        })
        .await
}

/// The listed messages from `from` on, each once, by ascending UID. A range
/// `n:*` always includes the folder's last message, even when its UID is
/// below `n` (RFC 3501, 6.4.8): that one was taken before.
fn waiting(mut listed: Vec<(u32, u32)>, from: u32) -> Vec<(u32, u32)> {
    listed.retain(|&(uid, _)| uid >= from);
    listed.sort_unstable();
    listed.dedup_by_key(|(uid, _)| *uid);
    listed
}

/// One message's contents, or none when it is no longer there.
async fn download(session: &mut Session, uid: u32) -> Result<Option<FetchedMessage>, ImapError> {
    const DURING: &str = "downloading a message";
    let imap = &mut session.imap;
    session
        .limits
        .until_deadline(DURING, async move {
            let mut answers = imap
                .uid_fetch(uid.to_string(), "(UID INTERNALDATE BODY.PEEK[])")
                .await
                .map_err(|e| protocol(DURING, e))?;
            let mut message = None;
            while let Some(answer) = answers.next().await {
                let answer = answer.map_err(|e| protocol(DURING, e))?;
                if answer.uid == Some(uid)
                    && let Some(raw) = answer.body()
                {
                    message = Some(FetchedMessage {
                        uid,
                        raw: raw.to_vec(),
                        internal_date: answer
                            .internal_date()
                            .and_then(|at| jiff::Timestamp::from_second(at.timestamp()).ok()),
                    });
                }
            }
            Ok(message)
        })
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_last_message_named_by_a_star_range_is_not_taken_again() {
        // `UID FETCH 8:*` in a folder whose highest UID is 7 answers with 7.
        assert_eq!(waiting(vec![(7, 100)], 8), vec![]);
        assert_eq!(
            waiting(vec![(12, 5), (9, 1), (7, 100), (9, 1)], 8),
            vec![(9, 1), (12, 5)]
        );
    }

    #[test]
    fn the_state_to_keep_is_the_folders_validity_and_last_uid() {
        let fetch = Fetch {
            uid_validity: 42,
            restarted: false,
            messages: Vec::new(),
            too_large: vec![SkippedMessage { uid: 3, size: 9 }],
            more: false,
            last_uid: 3,
        };
        assert_eq!(
            fetch.state(),
            FolderState {
                uid_validity: Some(42),
                last_uid: 3
            }
        );
    }
}
