//! The imports of contract 0.2.3: `mail.send-letter` (a letter from one of
//! the practice's mailboxes, in a conversation, queued in the call's
//! transaction with its `Message-ID` chosen up front) and `mailboxes` (the
//! mailboxes the caller reads, the raw messages the fetcher took, and
//! "fetch now"). A person reaches only the mailboxes they read; the host's
//! own calls (events, timers) reach every mailbox of the practice.

use super::bindings::Error;
use super::bindings::immcase::plugin::mail::{Letter, Queued};
use super::bindings::immcase::plugin::mailboxes::{self, Mailbox as WitMailbox};
use super::call::CallState;
use crate::error::AppError;
use crate::mail::{Attachment, LetterParts, OutgoingMessage};
use crate::mailboxes::{fetch, store};

type HostResult<T> = wasmtime::Result<Result<T, Error>>;

/// A host failure traps the call; a refusal is the module's error.
fn refusal(e: AppError) -> wasmtime::Result<Error> {
    match e {
        AppError::NotFound(what) => Ok(Error::NotFound(format!("{what} not found"))),
        AppError::Invalid { message, .. } => Ok(Error::Invalid(message)),
        other => Err(wasmtime::Error::msg(other.to_string())),
    }
}

impl CallState {
    /// The person the call is for, if any.
    fn person(&self) -> Option<String> {
        self.caller.as_ref().map(|c| c.user_id.clone())
    }

    /// Queues `letter` for the call's person (or the host), from a mailbox
    /// they read.
    pub(super) async fn send_letter(&mut self, letter: Letter) -> HostResult<Queued> {
        let pool = self.app.db.pool().clone();
        let practice = self.practice.clone();
        let from = match &letter.mailbox_id {
            Some(id) => {
                let mailbox = store::get(&pool, &practice, id)
                    .await
                    .map_err(|e| wasmtime::Error::msg(e.to_string()))?;
                let Some(mailbox) = mailbox else {
                    return Ok(Err(Error::NotFound(format!("no mailbox {id}"))));
                };
                let user = self.person();
                let read = store::readable_one(&pool, &practice, user.as_deref(), id)
                    .await
                    .map_err(|e| wasmtime::Error::msg(e.to_string()))?;
                if read.is_none() {
                    return Ok(Err(Error::Forbidden(format!(
                        "the mailbox {:?} is not one you read",
                        mailbox.name
                    ))));
                }
                mailbox.address
            }
            None => {
                let stored = crate::mail::settings::find(&pool, practice.id())
                    .await
                    .map_err(|e| wasmtime::Error::msg(e.to_string()))?;
                if stored.shown.from_address.is_empty() {
                    self.app.mail.server_default().0
                } else {
                    stored.shown.from_address
                }
            }
        };
        let message_id = crate::mail::new_message_id(&from);
        let attachments: Vec<Attachment> = letter
            .attachments
            .into_iter()
            .map(|a| Attachment {
                name: a.name,
                content_type: a.content_type,
                content: a.content,
            })
            .collect();
        let sent_by = self.person();
        let origin = format!("module:{}", self.module.manifest.id);
        let message = OutgoingMessage {
            to: &letter.to,
            cc: &letter.cc,
            reply_to: letter.reply_to.as_deref(),
            subject: &letter.subject,
            body: &letter.body,
            attachments: &attachments,
            sent_by: sent_by.as_deref(),
            origin: &origin,
            chain: crate::change::cause(self.caller.as_ref(), "host").chain,
            letter: Some(LetterParts {
                bcc: &letter.bcc,
                in_reply_to: letter.in_reply_to.as_deref(),
                references: &letter.references,
                mailbox_id: letter.mailbox_id.as_deref(),
                message_id: &message_id,
            }),
        };
        if let Err(refused) = message.check() {
            return Ok(Err(Error::Invalid(refused)));
        }
        let now = self.app.now_ms();
        let tx = self.tx().await?;
        let outbox_id = crate::mail::enqueue_message(tx, &practice, &message, now)
            .await
            .map_err(|e| wasmtime::Error::msg(e.to_string()))?;
        self.wake_mail = true;
        Ok(Ok(Queued {
            outbox_id: outbox_id.to_string(),
            message_id,
        }))
    }
}

impl mailboxes::Host for CallState {
    async fn list(&mut self) -> HostResult<Vec<WitMailbox>> {
        let pool = self.app.db.pool().clone();
        let user = self.person();
        let found = store::readable(&pool, &self.practice, user.as_deref())
            .await
            .map_err(|e| wasmtime::Error::msg(e.to_string()))?;
        Ok(Ok(found
            .into_iter()
            .map(|m| WitMailbox {
                shared: m.owner_id.is_none(),
                id: m.id,
                name: m.name,
                address: m.address,
                owner_id: m.owner_id,
                fetched_at: m.fetched_at,
                problem: m.problem,
            })
            .collect()))
    }

    async fn read_message(&mut self, message_id: String) -> HostResult<Vec<u8>> {
        let user = self.person();
        let read = fetch::read_raw(
            &self.app.db,
            &self.app.blobs,
            &self.practice,
            user.as_deref(),
            &message_id,
        )
        .await;
        match read {
            Ok(raw) => Ok(Ok(raw)),
            Err(e) => Ok(Err(refusal(e)?)),
        }
    }

    async fn signature(&mut self) -> HostResult<String> {
        let Some(user) = self.person() else {
            return Ok(Ok(String::new()));
        };
        let signature: Option<String> = sqlx::query_scalar(
            "SELECT email_signature FROM users WHERE practice_id = $1 AND id = $2",
        )
        .bind(self.practice.id())
        .bind(&user)
        .fetch_optional(self.app.db.pool())
        .await
        .map_err(|e| wasmtime::Error::msg(e.to_string()))?;
        Ok(Ok(signature.unwrap_or_default()))
    }

    async fn fetch_now(&mut self, mailbox_id: String) -> HostResult<()> {
        let pool = self.app.db.pool().clone();
        let user = self.person();
        let read = store::readable_one(&pool, &self.practice, user.as_deref(), &mailbox_id)
            .await
            .map_err(|e| wasmtime::Error::msg(e.to_string()))?;
        if read.is_none() {
            return Ok(Err(Error::NotFound(format!("no mailbox {mailbox_id}"))));
        }
        let now = self.app.now_ms();
        fetch::request(
            &self.app.db,
            &self.app.mailbox_wake,
            &self.practice,
            &mailbox_id,
            now,
        )
        .await
        .map_err(|e| wasmtime::Error::msg(e.to_string()))?;
        Ok(Ok(()))
    }
}
