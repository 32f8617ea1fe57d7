//! Messages to several people, with copies and attachments (a module's
//! `mail.send-message`): checked, then queued in the outbox with their
//! attachments in the caller's transaction, and read back for delivery.

use immcase_manifest::checks::{self, MailAttachment, MailMessage};
use sqlx::{AnyConnection, Row};

use crate::error::Result;
use crate::practices::Practice;

/// A file sent with a message; its content type goes out exactly as given.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Attachment {
    pub name: String,
    pub content_type: String,
    pub content: Vec<u8>,
}

/// A message to several people.
pub struct OutgoingMessage<'a> {
    pub to: &'a [String],
    pub cc: &'a [String],
    pub reply_to: Option<&'a str>,
    pub subject: &'a str,
    pub body: &'a str,
    pub attachments: &'a [Attachment],
    /// The person whose request sends it (none for the host's own calls).
    pub sent_by: Option<&'a str>,
    /// Who queues it: `module:{id}`, `person`, `workflow:{id}`.
    pub origin: &'a str,
    /// How many workflow runs led to it (`events::Cause::chain`): its
    /// `mail.sent` and `mail.failed` continue the chain.
    pub chain: i64,
    /// A letter's (contract 0.2.3): hidden copies, the conversation's ids,
    /// the mailbox it is sent from, and its `Message-ID` chosen up front.
    pub letter: Option<LetterParts<'a>>,
}

/// What a letter adds to a message.
#[derive(Clone, Copy, Debug, Default)]
pub struct LetterParts<'a> {
    pub bcc: &'a [String],
    pub in_reply_to: Option<&'a str>,
    pub references: &'a [String],
    pub mailbox_id: Option<&'a str>,
    pub message_id: &'a str,
}

impl OutgoingMessage<'_> {
    /// Why the outbox cannot take it, in words for the module: an address
    /// (plain `local@domain`, as the mail library reads it), the subject,
    /// the body, an attachment's name or content type, the size.
    pub fn check(&self) -> std::result::Result<(), String> {
        let attachments: Vec<MailAttachment> = self
            .attachments
            .iter()
            .map(|a| MailAttachment {
                name: &a.name,
                content_type: &a.content_type,
                size: a.content.len(),
            })
            .collect();
        let message = MailMessage {
            to: self.to,
            cc: self.cc,
            reply_to: self.reply_to,
            subject: self.subject,
            body: self.body,
            attachments: &attachments,
        };
        checks::mail_message(&message, is_plain_address)?;
        if let Some(l) = &self.letter {
            checks::letter_extras(
                self.to.len() + self.cc.len(),
                l.bcc,
                l.in_reply_to,
                l.references,
                is_plain_address,
            )?;
        }
        // The content type goes out as given, but must also be one the mail
        // library reads, or the message could never be built.
        for a in self.attachments {
            if lettre::message::header::ContentType::parse(&a.content_type).is_err() {
                return Err(format!(
                    "attachment {:?}: {:?} is not a content type such as \"text/calendar; method=REQUEST; charset=UTF-8\"",
                    a.name, a.content_type
                ));
            }
        }
        Ok(())
    }
}

pub use crate::input::is_plain_address;

/// Queues `message`, checked by [`OutgoingMessage::check`], with its
/// attachments, inside the caller's transaction; the outbox row's id.
pub async fn enqueue_message(
    conn: &mut AnyConnection,
    practice: &Practice,
    message: &OutgoingMessage<'_>,
    now_ms: i64,
) -> Result<i64> {
    let cc = (!message.cc.is_empty()).then(|| message.cc.join(", "));
    let letter = message.letter.unwrap_or_default();
    let joined = |list: &[String], by: &str| (!list.is_empty()).then(|| list.join(by));
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO mail_outbox (practice_id, to_addr, cc_addrs, reply_to, subject, body_text, \
         sent_by, origin, status, attempts, next_attempt_at, created_at, give_up_at, \
         bcc_addrs, in_reply_to, references_ids, mailbox_id, message_id, chain) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'pending', 0, $9, $9, $10, $11, $12, $13, $14, $15, $16) RETURNING id",
    )
    .bind(practice.id())
    .bind(message.to.join(", "))
    .bind(cc)
    .bind(message.reply_to)
    .bind(message.subject)
    .bind(message.body)
    .bind(message.sent_by)
    .bind((!message.origin.is_empty()).then_some(message.origin))
    .bind(now_ms)
    .bind(now_ms + super::GIVE_UP_AFTER_MS)
    .bind(joined(letter.bcc, ", "))
    .bind(letter.in_reply_to)
    .bind(joined(letter.references, " "))
    .bind(letter.mailbox_id)
    .bind((!letter.message_id.is_empty()).then_some(letter.message_id))
    .bind(message.chain)
    .fetch_one(&mut *conn)
    .await?;
    for (position, a) in message.attachments.iter().enumerate() {
        sqlx::query(
            "INSERT INTO mail_attachments (practice_id, outbox_id, position, name, content_type, size, content) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(practice.id())
        .bind(id)
        .bind(position as i64)
        .bind(&a.name)
        .bind(&a.content_type)
        .bind(a.content.len() as i64)
        .bind(a.content.as_slice())
        .execute(&mut *conn)
        .await?;
    }
    Ok(id)
}

/// The attachments of the outbox row `id`, in order, for delivery.
pub(super) async fn attachments_of(
    conn: &sqlx::AnyPool,
    practice_id: &str,
    id: i64,
) -> Result<Vec<Attachment>> {
    let rows = sqlx::query(
        "SELECT name, content_type, content FROM mail_attachments \
         WHERE practice_id = $1 AND outbox_id = $2 ORDER BY position",
    )
    .bind(practice_id)
    .bind(id)
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|row| {
            Ok(Attachment {
                name: row.try_get("name")?,
                content_type: row.try_get("content_type")?,
                content: row.try_get("content")?,
            })
        })
        .collect()
}

/// Empties the attachments' contents of a message that was sent (their
/// names and sizes stay for the outbox's listing).
pub(super) async fn drop_contents(conn: &sqlx::AnyPool, practice_id: &str, id: i64) -> Result<()> {
    sqlx::query(
        "UPDATE mail_attachments SET content = $3 WHERE practice_id = $1 AND outbox_id = $2",
    )
    .bind(practice_id)
    .bind(id)
    .bind(Vec::<u8>::new())
    .execute(conn)
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_stand_alone() {
        assert!(is_plain_address("ana.diaz@example.com"));
        for wrong in [
            "ana",
            "Ana <ana@example.com>",
            "a,b@example.com",
            "\"a b\"@example.com",
            "ana@example.com bo@example.com",
        ] {
            assert!(!is_plain_address(wrong), "{wrong}");
        }
    }

    #[test]
    fn a_content_type_must_be_one_the_mail_library_reads() {
        let to = vec!["ana@example.com".to_string()];
        let attachment = |content_type: &str| Attachment {
            name: "invite.ics".into(),
            content_type: content_type.into(),
            content: b"BEGIN:VCALENDAR".to_vec(),
        };
        let good = [attachment("text/calendar; method=REQUEST; charset=UTF-8")];
        let message = OutgoingMessage {
            to: &to,
            cc: &[],
            reply_to: None,
            subject: "Invitation",
            body: "",
            attachments: &good,
            sent_by: None,
            origin: "module:calendar",
            chain: 0,
            letter: None,
        };
        assert_eq!(message.check(), Ok(()));
        let wrong = [attachment("text/calendar; method")];
        let refused = OutgoingMessage {
            attachments: &wrong,
            ..message
        };
        assert!(refused.check().unwrap_err().contains("invite.ics"));
    }
}
