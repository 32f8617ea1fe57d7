//! What the `mail` import takes: a message's recipients, subject, body and
//! attachments. How an address is read is the caller's (the host asks its
//! mail library, the SDK's test host a simpler rule), so it is passed in.

/// Most addresses in a message's `to`, and in its `cc`.
pub const MAIL_RECIPIENTS_MAX: usize = 50;
/// Most characters in a subject.
pub const MAIL_SUBJECT_MAX_CHARS: usize = 300;
/// Largest plain-text body, in bytes.
pub const MAIL_BODY_MAX_BYTES: usize = 200 * 1024;
/// Most attachments of one message.
pub const MAIL_ATTACHMENTS_MAX: usize = 20;
/// Largest total size of a message's attachments, in bytes.
pub const MAIL_ATTACHMENTS_MAX_BYTES: usize = 10 * 1024 * 1024;
/// Most characters in an attachment's name, and in its content type.
const ATTACHMENT_NAME_MAX_CHARS: usize = 200;
const CONTENT_TYPE_MAX_CHARS: usize = 200;

/// A message as `mail.send-message` takes it.
#[derive(Clone, Copy, Debug)]
pub struct MailMessage<'a> {
    pub to: &'a [String],
    pub cc: &'a [String],
    pub reply_to: Option<&'a str>,
    pub subject: &'a str,
    pub body: &'a str,
    pub attachments: &'a [MailAttachment<'a>],
}

/// An attachment as the checks see it: its name, content type and size.
#[derive(Clone, Copy, Debug)]
pub struct MailAttachment<'a> {
    pub name: &'a str,
    pub content_type: &'a str,
    pub size: usize,
}

/// A subject: 1 to 300 characters on one line. The error is the text the
/// module gets (for `send` and `send-message` alike).
pub fn mail_subject(subject: &str) -> Result<(), String> {
    if subject.trim().is_empty()
        || subject.chars().count() > MAIL_SUBJECT_MAX_CHARS
        || subject.contains(['\r', '\n'])
    {
        return Err(format!(
            "a subject has 1 to {MAIL_SUBJECT_MAX_CHARS} characters on one line"
        ));
    }
    Ok(())
}

/// A plain-text body of at most 200 KiB.
pub fn mail_body(body: &str) -> Result<(), String> {
    if body.len() > MAIL_BODY_MAX_BYTES {
        return Err(format!(
            "a body is at most {} KiB",
            MAIL_BODY_MAX_BYTES / 1024
        ));
    }
    Ok(())
}

/// Checks a message, reading addresses with `is_address`. The error names
/// what is wrong: the list an address is in, the attachment by its name or
/// position, the size.
pub fn mail_message(
    message: &MailMessage,
    is_address: impl Fn(&str) -> bool,
) -> Result<(), String> {
    if message.to.is_empty() || message.to.len() > MAIL_RECIPIENTS_MAX {
        return Err(format!(
            "to: a message goes to 1 to {MAIL_RECIPIENTS_MAX} addresses"
        ));
    }
    if message.cc.len() > MAIL_RECIPIENTS_MAX {
        return Err(format!("cc: at most {MAIL_RECIPIENTS_MAX} addresses"));
    }
    let lists = [("to", message.to), ("cc", message.cc)];
    for (list, addresses) in lists {
        if let Some(wrong) = addresses.iter().find(|a| !is_address(a)) {
            return Err(format!("{list}: {wrong:?} is not an email address"));
        }
    }
    if let Some(wrong) = message.reply_to.filter(|a| !is_address(a)) {
        return Err(format!("reply-to: {wrong:?} is not an email address"));
    }
    mail_subject(message.subject)?;
    mail_body(message.body)?;
    if message.attachments.len() > MAIL_ATTACHMENTS_MAX {
        return Err(format!(
            "attachments: a message has at most {MAIL_ATTACHMENTS_MAX}"
        ));
    }
    let mut total = 0usize;
    for (i, a) in message.attachments.iter().enumerate() {
        let name_ok = !a.name.trim().is_empty()
            && a.name.chars().count() <= ATTACHMENT_NAME_MAX_CHARS
            && !a
                .name
                .chars()
                .any(|c| c.is_control() || c == '/' || c == '\\');
        if !name_ok {
            return Err(format!(
                "attachment {}: a name has 1 to {ATTACHMENT_NAME_MAX_CHARS} characters, without /, \\ or control characters",
                i + 1
            ));
        }
        if !is_content_type(a.content_type) {
            return Err(format!(
                "attachment {:?}: {:?} is not a content type such as \"text/calendar; method=REQUEST; charset=UTF-8\"",
                a.name, a.content_type
            ));
        }
        total = total.saturating_add(a.size);
    }
    if total > MAIL_ATTACHMENTS_MAX_BYTES {
        return Err(format!(
            "attachments: at most {} MiB together",
            MAIL_ATTACHMENTS_MAX_BYTES / 1024 / 1024
        ));
    }
    Ok(())
}

/// Most addresses in a letter's `to`, `cc` and `bcc` together.
pub const LETTER_RECIPIENTS_MAX: usize = 100;
/// Most ids in a letter's `references`.
pub const LETTER_REFERENCES_MAX: usize = 50;
/// Longest `Message-ID`, in characters.
const MESSAGE_ID_MAX_CHARS: usize = 250;

/// What a letter (`mail.send-letter`, 0.2.3) has besides a message: hidden
/// copies and the conversation's ids. The message's own checks
/// ([`mail_message`]) come first.
pub fn letter_extras(
    to_and_cc: usize,
    bcc: &[String],
    in_reply_to: Option<&str>,
    references: &[String],
    is_address: impl Fn(&str) -> bool,
) -> Result<(), String> {
    if bcc.len() > MAIL_RECIPIENTS_MAX || to_and_cc + bcc.len() > LETTER_RECIPIENTS_MAX {
        return Err(format!(
            "bcc: at most {MAIL_RECIPIENTS_MAX} addresses, and {LETTER_RECIPIENTS_MAX} recipients in all"
        ));
    }
    if let Some(wrong) = bcc.iter().find(|a| !is_address(a)) {
        return Err(format!("bcc: {wrong:?} is not an email address"));
    }
    if let Some(wrong) = in_reply_to.filter(|id| !is_message_id(id)) {
        return Err(format!(
            "in-reply-to: {wrong:?} is not a Message-ID such as <id@example.com>"
        ));
    }
    if references.len() > LETTER_REFERENCES_MAX {
        return Err(format!("references: at most {LETTER_REFERENCES_MAX} ids"));
    }
    if let Some(wrong) = references.iter().find(|id| !is_message_id(id)) {
        return Err(format!(
            "references: {wrong:?} is not a Message-ID such as <id@example.com>"
        ));
    }
    Ok(())
}

/// `<left@right>` in printable ASCII, without spaces or further brackets.
pub fn is_message_id(text: &str) -> bool {
    let Some(inner) = text.strip_prefix('<').and_then(|t| t.strip_suffix('>')) else {
        return false;
    };
    text.len() <= MESSAGE_ID_MAX_CHARS
        && inner
            .split_once('@')
            .is_some_and(|(l, r)| !l.is_empty() && !r.is_empty())
        && inner
            .chars()
            .all(|c| c.is_ascii_graphic() && !matches!(c, '<' | '>' | '"' | ','))
}

/// `type/subtype` followed by `; name=value` parameters (a value is a token
/// or a quoted string), in printable ASCII on one line (RFC 2045).
pub fn is_content_type(text: &str) -> bool {
    if text.len() > CONTENT_TYPE_MAX_CHARS
        || !text.chars().all(|c| c == ' ' || c.is_ascii_graphic())
    {
        return false;
    }
    let mut parts = text.split(';');
    let media = parts.next().unwrap_or_default().trim();
    let Some((kind, subtype)) = media.split_once('/') else {
        return false;
    };
    if !is_token(kind) || !is_token(subtype) {
        return false;
    }
    parts.all(|param| {
        let param = param.trim();
        param.split_once('=').is_some_and(|(name, value)| {
            is_token(name.trim_end())
                && (is_token(value.trim_start()) || is_quoted(value.trim_start()))
        })
    })
}

fn is_token(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_graphic() && !"()<>@,;:\\\"/[]?=".contains(c))
}

fn is_quoted(s: &str) -> bool {
    s.len() >= 2
        && s.starts_with('"')
        && s.ends_with('"')
        && !s[1..s.len() - 1].contains(['"', '\\'])
}

#[cfg(test)]
mod letter_tests {
    use super::*;

    #[test]
    fn a_letters_hidden_copies_and_ids_are_checked() {
        let ok = |a: &str| a.contains('@') && !a.contains(' ');
        let refs = vec!["<a@x.example>".to_string()];
        assert_eq!(
            letter_extras(
                1,
                &["b@x.example".into()],
                Some("<m1@x.example>"),
                &refs,
                ok
            ),
            Ok(())
        );
        assert!(
            letter_extras(1, &["nobody".into()], None, &[], ok)
                .unwrap_err()
                .starts_with("bcc:")
        );
        assert!(
            letter_extras(1, &[], Some("m1@x.example"), &[], ok)
                .unwrap_err()
                .starts_with("in-reply-to:")
        );
        assert!(
            letter_extras(1, &[], None, &["<a b@x>".into()], ok)
                .unwrap_err()
                .starts_with("references:")
        );
        let many: Vec<String> = (0..50).map(|i| format!("p{i}@x.example")).collect();
        assert!(letter_extras(51, &many, None, &[], ok).is_err());
        assert!(is_message_id("<01a2.b@diaz.example>"));
        assert!(!is_message_id("<@diaz.example>"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn address(a: &str) -> bool {
        a.contains('@') && !a.contains(' ')
    }

    fn strings(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn content_types_keep_their_parameters() {
        for ok in [
            "text/calendar; method=REQUEST; charset=UTF-8",
            "application/pdf",
            "text/plain;charset=utf-8",
            "application/octet-stream; name=\"a b.bin\"",
        ] {
            assert!(is_content_type(ok), "{ok}");
        }
        for wrong in [
            "",
            "text",
            "text/",
            "text/calendar; method",
            "text/calendar; method=REQUEST\r\nBcc: x@y.z",
            "text/calendar; method=\"a\"b\"",
            "tëxt/plain",
        ] {
            assert!(!is_content_type(wrong), "{wrong}");
        }
    }

    #[test]
    fn a_message_is_refused_naming_what_is_wrong() {
        let to = strings(&["ana@example.com"]);
        let cc = strings(&["bo@example.com"]);
        let invite = [MailAttachment {
            name: "invite.ics",
            content_type: "text/calendar; method=REQUEST; charset=UTF-8",
            size: 400,
        }];
        let good = MailMessage {
            to: &to,
            cc: &cc,
            reply_to: Some("desk@example.com"),
            subject: "Appointment on Tuesday",
            body: "See you then.",
            attachments: &invite,
        };
        assert_eq!(mail_message(&good, address), Ok(()));
        let nobody: Vec<String> = Vec::new();
        let wrong_cc = strings(&["bo at example.com"]);
        let many: Vec<String> = (0..51).map(|i| format!("p{i}@example.com")).collect();
        let unnamed = [MailAttachment {
            name: " ",
            ..invite[0]
        }];
        let untyped = [MailAttachment {
            content_type: "calendar",
            ..invite[0]
        }];
        let huge = [MailAttachment {
            size: MAIL_ATTACHMENTS_MAX_BYTES,
            ..invite[0]
        }; 2];
        let cases = [
            (
                MailMessage {
                    to: &nobody,
                    ..good
                },
                "to: a message goes to 1 to 50 addresses",
            ),
            (
                MailMessage { to: &many, ..good },
                "to: a message goes to 1 to 50 addresses",
            ),
            (
                MailMessage {
                    cc: &wrong_cc,
                    ..good
                },
                "cc: \"bo at example.com\" is not an email address",
            ),
            (
                MailMessage {
                    reply_to: Some("desk"),
                    ..good
                },
                "reply-to: \"desk\" is not an email address",
            ),
            (
                MailMessage {
                    subject: "a\nb",
                    ..good
                },
                "a subject has 1 to 300 characters on one line",
            ),
            (
                MailMessage {
                    attachments: &unnamed,
                    ..good
                },
                "attachment 1: a name has",
            ),
            (
                MailMessage {
                    attachments: &untyped,
                    ..good
                },
                "attachment \"invite.ics\": \"calendar\" is not a content type",
            ),
            (
                MailMessage {
                    attachments: &huge,
                    ..good
                },
                "attachments: at most 10 MiB together",
            ),
        ];
        for (message, says) in cases {
            let refused = mail_message(&message, address).unwrap_err();
            assert!(
                refused.starts_with(says),
                "{refused} should start with {says}"
            );
        }
    }
}
