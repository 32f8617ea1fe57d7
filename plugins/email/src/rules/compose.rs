//! Replying and forwarding: the subject, who it goes to, the ids that keep
//! it in its conversation, the quoted text and the signature.
//!
//! Texts use `\n` line ends; the module writes `\r\n` when it sends.

use super::parse::{Mailbox, ParsedMessage, is_synthetic_id};
use super::thread::{Prefix, split_prefixes};

/// The subject of a reply: `Re: ` once, whatever reply prefixes were there
/// (`RE: AW: x` → `Re: x`), the leading tags kept (`Re: [TKT012] x`).
/// A forward stays visible: `Fwd: x` → `Re: Fwd: x`.
pub fn reply_subject(subject: &str) -> String {
    prefixed("Re", &Prefix::Reply, subject)
}

/// The subject of a forward: `Fwd: ` once (`FW: TR: x` → `Fwd: x`), the
/// leading tags kept; a reply stays visible: `Re: x` → `Fwd: Re: x`.
pub fn forward_subject(subject: &str) -> String {
    prefixed("Fwd", &Prefix::Forward, subject)
}

/// `word:`, the leading tags, then `subject` without the leading prefixes
/// of the `collapsed` kind (and tags) up to the first prefix of another kind.
fn prefixed(word: &str, collapsed: &Prefix, subject: &str) -> String {
    let mut tags = Vec::new();
    let mut end = 0;
    for (prefix, at) in split_prefixes(subject) {
        match prefix {
            Prefix::Tag(tag) => tags.push(tag),
            prefix if prefix == *collapsed => {}
            _ => break,
        }
        end = at;
    }
    let mut prefixed = format!("{word}:");
    for tag in tags {
        prefixed.push_str(&format!(" [{tag}]"));
    }
    for word in subject[end..].split_whitespace() {
        prefixed.push(' ');
        prefixed.push_str(word);
    }
    prefixed
}

/// `text` quoted for a reply: `On <date>, <from> wrote:` (or `<from>
/// wrote:` without a date), then every line after `> ` (`>` alone for an
/// empty line, `>>` for a line already quoted). The writer's signature
/// (from a `-- ` line on) and trailing blank lines are left out.
///
/// `from` is how the writer is shown ([`Mailbox::display_name`]); `date`
/// is already written in the reader's zone and language.
pub fn quote(text: &str, from: &str, date: Option<&str>) -> String {
    let text = text.replace("\r\n", "\n");
    let text = match text.split('\n').position(|line| line == "-- ") {
        Some(line) => text.split('\n').take(line).collect::<Vec<_>>().join("\n"),
        None => text,
    };
    let mut quoted = match date {
        Some(date) => format!("On {date}, {from} wrote:\n"),
        None => format!("{from} wrote:\n"),
    };
    for line in text.trim_end().lines() {
        let line = line.trim_end();
        if line.is_empty() {
            quoted.push('>');
        } else if line.starts_with('>') {
            quoted.push('>');
            quoted.push_str(line);
        } else {
            quoted.push_str("> ");
            quoted.push_str(line);
        }
        quoted.push('\n');
    }
    quoted
}

/// Who a reply goes to: `(to, cc)`.
///
/// To: the Reply-To addresses, else the sender; when those are the
/// practice's own (`own_addresses`: replying to a message the practice
/// sent), the message's To instead. With `all`, Cc: everyone else in To
/// and Cc. The practice's own addresses are never in either, and no one
/// is there twice.
pub fn reply_recipients(
    parsed: &ParsedMessage,
    own_addresses: &[String],
    all: bool,
) -> (Vec<Mailbox>, Vec<Mailbox>) {
    let own: Vec<String> = own_addresses
        .iter()
        .map(|address| address.trim().to_lowercase())
        .collect();
    let is_own = |mailbox: &&Mailbox| own.contains(&mailbox.key());
    let mut primary: Vec<&Mailbox> = if parsed.reply_to.is_empty() {
        parsed.from.iter().collect()
    } else {
        parsed.reply_to.iter().collect()
    };
    if !primary.is_empty() && primary.iter().all(is_own) {
        primary = parsed.to.iter().collect();
    }
    let mut seen: Vec<String> = own.clone();
    let mut keep = |mailboxes: Vec<&Mailbox>| -> Vec<Mailbox> {
        let mut kept = Vec::new();
        for mailbox in mailboxes {
            let key = mailbox.key();
            if !seen.contains(&key) {
                seen.push(key);
                kept.push(mailbox.clone());
            }
        }
        kept
    };
    let to = keep(primary);
    let cc = if all {
        keep(parsed.to.iter().chain(&parsed.cc).collect())
    } else {
        Vec::new()
    };
    (to, cc)
}

/// The most ids a reply's References holds: the first (the start of the
/// conversation) and the latest ones.
pub const MAX_REFERENCES: usize = 20;

/// A reply's `(In-Reply-To, References)` (ids without `<>`): the parent's
/// Message-ID, and the parent's References (or its single In-Reply-To,
/// RFC 5322 §3.6.4) followed by its Message-ID, each once, at most
/// [`MAX_REFERENCES`] of them keeping the first. A synthetic Message-ID
/// (the parent had none) is never referred to.
pub fn references_for_reply(parsed: &ParsedMessage) -> (Option<String>, Vec<String>) {
    let parent = Some(parsed.message_id.clone()).filter(|id| !is_synthetic_id(id));
    let earlier = if !parsed.references.is_empty() {
        parsed.references.as_slice()
    } else if parsed.in_reply_to.len() == 1 {
        parsed.in_reply_to.as_slice()
    } else {
        &[]
    };
    let mut references: Vec<String> = Vec::new();
    for id in earlier.iter().chain(&parent) {
        if !is_synthetic_id(id) && !references.contains(id) && Some(id) != parent.as_ref() {
            references.push(id.clone());
        }
    }
    references.extend(parent.clone());
    if references.len() > MAX_REFERENCES {
        let latest = references.split_off(references.len() - (MAX_REFERENCES - 1));
        references.truncate(1);
        references.extend(latest);
    }
    (parent, references)
}

/// `body` signed: a blank line, the `-- ` separator line, `signature`.
///
/// The separator is not doubled when the signature starts with one (`-- `
/// or `--`), and a body that already ends with the signature is left as
/// it is; an empty signature adds nothing.
pub fn with_signature(body: &str, signature: &str) -> String {
    let signature = signature.replace("\r\n", "\n");
    let signature = signature.trim_start_matches('\n');
    let signature = ["-- \n", "--\n"]
        .iter()
        .find_map(|separator| signature.strip_prefix(separator))
        .unwrap_or(signature)
        .trim_end();
    let body = body.trim_end();
    if signature.is_empty() || signature == "--" {
        return body.to_owned();
    }
    let signed = format!("-- \n{signature}");
    if body == signed || body.ends_with(&format!("\n{signed}")) {
        body.to_owned()
    } else if body.is_empty() {
        signed
    } else {
        format!("{body}\n\n{signed}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::parse::{Limits, parse, synthetic_message_id};
    use crate::rules::samples::{GMAIL, eml};

    fn gmail() -> ParsedMessage {
        parse(&eml(GMAIL), Limits::default()).expect("message")
    }

    fn own() -> Vec<String> {
        vec![
            "intake@practice.example".into(),
            "Lee@Practice.example".into(),
        ]
    }

    fn addresses(mailboxes: &[Mailbox]) -> Vec<&str> {
        mailboxes.iter().map(|m| m.address.as_str()).collect()
    }

    #[test]
    fn subjects_get_one_prefix() {
        assert_eq!(reply_subject("Passport copy"), "Re: Passport copy");
        assert_eq!(reply_subject("Re: Passport copy"), "Re: Passport copy");
        assert_eq!(
            reply_subject("RE: AW: re:  Passport copy"),
            "Re: Passport copy"
        );
        assert_eq!(
            reply_subject("Re: [TKT012] Re: Passport"),
            "Re: [TKT012] Passport"
        );
        assert_eq!(reply_subject("[TKT012] Passport"), "Re: [TKT012] Passport");
        assert_eq!(reply_subject("Fwd: Passport"), "Re: Fwd: Passport");
        assert_eq!(reply_subject(""), "Re:");
        assert_eq!(forward_subject("Passport"), "Fwd: Passport");
        assert_eq!(forward_subject("FW: TR: Passport"), "Fwd: Passport");
        assert_eq!(forward_subject("Re: Passport"), "Fwd: Re: Passport");
        assert_eq!(forward_subject("[TKT012] Fwd: x"), "Fwd: [TKT012] x");
    }

    #[test]
    fn quotes_mark_every_line_and_leave_the_signature_out() {
        let text = "Hello Lee,\r\n\r\nHere it is.\r\n> earlier words\r\n\r\n-- \r\nAna\r\n+1 514 555 0100\r\n";
        assert_eq!(
            quote(text, "Ana Okonkwo", Some("3 March 2026 at 09:15")),
            "On 3 March 2026 at 09:15, Ana Okonkwo wrote:\n> Hello Lee,\n>\n> Here it is.\n>> earlier words\n"
        );
        assert_eq!(
            quote("Hi\n\n\n", "ana@example.com", None),
            "ana@example.com wrote:\n> Hi\n"
        );
        // `--` without its space is text, not a signature.
        assert_eq!(quote("a\n--\nb", "A", None), "A wrote:\n> a\n> --\n> b\n");
    }

    #[test]
    fn replies_go_to_reply_to_and_all_adds_everyone_else() {
        let message = gmail();
        let (to, cc) = reply_recipients(&message, &own(), false);
        assert_eq!(addresses(&to), ["ana.personal@example.net"]);
        assert!(cc.is_empty());
        let (to, cc) = reply_recipients(&message, &own(), true);
        assert_eq!(addresses(&to), ["ana.personal@example.net"]);
        assert_eq!(addresses(&cc), ["sam.diaz@example.org"]);

        let mut no_reply_to = message.clone();
        no_reply_to.reply_to.clear();
        no_reply_to.cc.push(Mailbox {
            name: None,
            address: "ANA.okonkwo@gmail.com".into(),
        });
        let (to, cc) = reply_recipients(&no_reply_to, &own(), true);
        assert_eq!(addresses(&to), ["Ana.Okonkwo@Gmail.com"]);
        assert_eq!(to[0].name.as_deref(), Some("Ana Okonkwo García"));
        assert_eq!(addresses(&cc), ["sam.diaz@example.org"]);
    }

    #[test]
    fn replying_to_the_practices_own_message_goes_to_its_recipients() {
        let raw = "From: Lee Park <lee@practice.example>\nTo: Ana <ana@example.com>, intake@practice.example\nCc: sam@example.org\nSubject: Your file\nMessage-ID: <sent-1@practice.example>\n\nHi\n";
        let sent = parse(raw.as_bytes(), Limits::default()).expect("message");
        let (to, cc) = reply_recipients(&sent, &own(), true);
        assert_eq!(addresses(&to), ["ana@example.com"]);
        assert_eq!(addresses(&cc), ["sam@example.org"]);
        // Without a sender, there is no one to answer.
        let mut anonymous = gmail();
        anonymous.from = None;
        anonymous.reply_to.clear();
        let (to, cc) = reply_recipients(&anonymous, &own(), true);
        assert!(to.is_empty());
        assert_eq!(addresses(&cc), ["sam.diaz@example.org"]);
    }

    #[test]
    fn replies_refer_to_their_parent_and_its_ancestors() {
        let message = gmail();
        assert_eq!(
            references_for_reply(&message),
            (
                Some("CAH7x+9Qz3kP@mail.gmail.com".into()),
                vec![
                    "root-1@immcase.example".into(),
                    "reply-2@immcase.example".into(),
                    "CAH7x+9Qz3kP@mail.gmail.com".into()
                ]
            )
        );
        let mut only_in_reply_to = message.clone();
        only_in_reply_to.references.clear();
        assert_eq!(
            references_for_reply(&only_in_reply_to).1,
            ["reply-2@immcase.example", "CAH7x+9Qz3kP@mail.gmail.com"]
        );

        let mut long = message.clone();
        long.references = (1..=30).map(|n| format!("m{n}@x")).collect();
        let (_, references) = references_for_reply(&long);
        assert_eq!(references.len(), MAX_REFERENCES);
        assert_eq!(references[0], "m1@x");
        assert_eq!(references[1], "m13@x");
        assert_eq!(references[MAX_REFERENCES - 2], "m30@x");
        assert_eq!(
            references[MAX_REFERENCES - 1],
            "CAH7x+9Qz3kP@mail.gmail.com"
        );

        let mut without_id = message.clone();
        without_id.message_id = synthetic_message_id(b"x");
        let (in_reply_to, references) = references_for_reply(&without_id);
        assert_eq!(in_reply_to, None);
        assert_eq!(
            references,
            ["root-1@immcase.example", "reply-2@immcase.example"]
        );
    }

    #[test]
    fn signatures_are_added_once() {
        assert_eq!(
            with_signature("Dear Ana,\n\nDone.\n\n", "Lee Park\nRCIC R712345\n"),
            "Dear Ana,\n\nDone.\n\n-- \nLee Park\nRCIC R712345"
        );
        let signed = with_signature("Done.", "-- \nLee Park");
        assert_eq!(signed, "Done.\n\n-- \nLee Park");
        assert_eq!(with_signature(&signed, "Lee Park"), signed);
        assert_eq!(with_signature(&signed, "--\r\nLee Park\r\n"), signed);
        assert_eq!(with_signature("Done.\n", "  \n"), "Done.");
        assert_eq!(with_signature("", "Lee"), "-- \nLee");
    }
}
