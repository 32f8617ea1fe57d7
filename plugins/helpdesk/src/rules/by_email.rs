//! Replies by email: an email whose subject carries a ticket's folio in
//! brackets (`Re: [TKT012] Printer`) becomes a reply on that ticket from
//! its sender, when the sender is one of the practice's people who follows
//! the ticket; otherwise the sender is told, in one short email, why it
//! was not added.
//!
//! The rules here: what of an email is the sender's own reply (not the
//! quoted earlier messages, not the signature), which senders are never
//! answered (so two machines never write to each other forever), and how
//! a refusal is said.

use immcase_sdk::Caller;

use super::settings::Settings;
use super::status::may_reply;
use super::ticket::{DESCRIPTION_MAX, Ticket};
use super::visibility::may_see;

/// What becomes of an email naming `ticket` (`None`: no ticket has its
/// folio) from `sender` (`None`: nobody of the practice who uses the
/// helpdesk, with an active account, has its address): the reply's text,
/// or why it is refused. The sender must see the ticket as they would on
/// its page, the ticket must take replies, and something of the sender's
/// own must be left.
pub fn taken(
    ticket: Option<&Ticket>,
    sender: Option<&Caller>,
    settings: &Settings,
    text: &str,
) -> Result<String, Refused> {
    let (Some(ticket), Some(sender)) = (ticket, sender) else {
        return Err(Refused::NotFollowed);
    };
    if !may_see(sender, ticket, settings) {
        return Err(Refused::NotFollowed);
    }
    may_reply(ticket.status).map_err(|_| Refused::Closed)?;
    let words = own_words(text);
    if words.is_empty() {
        return Err(Refused::Empty);
    }
    Ok(words)
}

/// The sender's own words in an email's plain text: without the quoted
/// earlier messages (lines starting with `>`, and the "On … wrote:" line
/// above them), without what follows "-----Original Message-----", and
/// without the signature (after a `-- ` line); at most what a reply holds
/// (20,000 characters). Empty when nothing is left.
pub fn own_words(text: &str) -> String {
    let lines: Vec<&str> = text.lines().collect();
    // Where the earlier message or the signature starts, nothing more is
    // the sender's.
    let end = lines
        .iter()
        .position(|line| is_signature_mark(line) || is_original_message_mark(line))
        .unwrap_or(lines.len());
    let lines = &lines[..end];
    let mut kept: Vec<&str> = Vec::with_capacity(lines.len());
    for (at, line) in lines.iter().enumerate() {
        if is_quoted(line) {
            continue;
        }
        if introduces_quote(lines, at) {
            continue;
        }
        kept.push(line.trim_end());
    }
    let text = collapse_blank_lines(&kept);
    let text = text.trim();
    match text.char_indices().nth(DESCRIPTION_MAX) {
        Some((cut, _)) => text[..cut].trim_end().to_owned(),
        None => text.to_owned(),
    }
}

fn is_quoted(line: &str) -> bool {
    line.trim_start().starts_with('>')
}

/// `-- ` on its own line (mail programs that trim lines leave `--`).
fn is_signature_mark(line: &str) -> bool {
    line.trim_end() == "--"
}

/// Outlook's line before the message it answers.
fn is_original_message_mark(line: &str) -> bool {
    let line = line.trim().trim_matches('-').trim();
    line.eq_ignore_ascii_case("original message")
}

/// Whether the line at `at` is the attribution of a quote: the next lines
/// that are not blank are quoted, and it ends with "wrote:" (or it is the
/// "On …" line an attribution was wrapped after, as in "On Mon, Dec 7,
/// 2026 at 9:00 Agnes Gent <" / "agent@example.com> wrote:").
fn introduces_quote(lines: &[&str], at: usize) -> bool {
    let line = lines[at].trim();
    if line.is_empty() {
        return false;
    }
    let next = |from: usize| {
        lines[from..]
            .iter()
            .position(|l| !l.trim().is_empty())
            .map(|p| from + p)
    };
    let attribution = |line: &str| line.trim_end().ends_with("wrote:");
    match next(at + 1) {
        Some(after) if is_quoted(lines[after]) => attribution(line),
        Some(after)
            if line.starts_with("On ") && !attribution(line) && attribution(lines[after]) =>
        {
            next(after + 1).is_some_and(|quote| is_quoted(lines[quote]))
        }
        _ => false,
    }
}

/// At most one blank line in a row.
fn collapse_blank_lines(lines: &[&str]) -> String {
    let mut text = String::new();
    let mut blank = false;
    for line in lines {
        if line.is_empty() {
            if !blank && !text.is_empty() {
                text.push('\n');
            }
            blank = true;
            continue;
        }
        blank = false;
        text.push_str(line);
        text.push('\n');
    }
    text
}

/// Whether mail from `address` comes from a robot that sends bounces and
/// notices (`mailer-daemon@`, `postmaster@`, `no-reply@`, `noreply@`,
/// `do-not-reply@`…), or from no address at all: it is never taken as a
/// reply, nor answered.
pub fn from_robot(address: &str) -> bool {
    let address = address.trim().to_lowercase();
    let Some((local, _domain)) = address.rsplit_once('@') else {
        return true;
    };
    let local = local.replace(['-', '_', '.'], "");
    matches!(local.as_str(), "mailerdaemon" | "postmaster")
        || local.contains("noreply")
        || local.contains("donotreply")
}

/// Whether a refusal may be mailed to `address`: not to a robot
/// ([`from_robot`]) and not to one of the practice's own mailboxes (`own`,
/// lowercase). Answering them could start two machines writing to each
/// other without end.
pub fn never_answered(address: &str, own: &[String]) -> bool {
    let address = address.trim().to_lowercase();
    from_robot(&address) || own.contains(&address)
}

/// Why an email was not added to a ticket.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refused {
    /// The sender is not one of the practice's people (or their account is
    /// disabled), may not see the ticket, or there is no such ticket: the
    /// answer is the same for all, so it says nothing about the ticket.
    NotFollowed,
    /// The ticket is closed and takes no more replies.
    Closed,
    /// Nothing was left once the quoted part and the signature were left
    /// out.
    Empty,
}

impl Refused {
    /// What the log says (names the real reason; only the practice reads it).
    pub fn reason(self) -> &'static str {
        match self {
            Self::NotFollowed => "the sender does not follow it",
            Self::Closed => "it is closed",
            Self::Empty => "nothing was left once the quoted part and the signature were left out",
        }
    }

    /// The email's subject: without the folio in brackets, so an automatic
    /// answer to it is not taken as a reply again.
    pub fn subject(folio: &str) -> String {
        format!("Your message was not added to {folio}")
    }

    /// The email's body, in the practice's words. `new_ticket` is the link
    /// to file a new ticket.
    pub fn body(self, folio: &str, new_ticket: &str) -> String {
        let why = match self {
            Self::NotFollowed => format!(
                "We could not add your message to a ticket you can follow. Replies by email \
                 are taken from the practice's people who follow {folio}, sent from the \
                 address of their account."
            ),
            Self::Closed => format!(
                "{folio} is closed, so it takes no more replies. If you need more help, \
                 file a new ticket: {new_ticket}"
            ),
            Self::Empty => "Once the earlier messages it quoted and the signature were left \
                 out, there was no text of yours in it. Write your reply above the quoted \
                 message and send it again."
                .to_owned(),
        };
        format!("Your message was not added to {folio}.\n\n{why}\n\n— The helpdesk\n")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_reply_is_what_the_sender_wrote_above_the_quote() {
        let email = "Thanks, it works now.\r\n\
                     \r\n\
                     On Mon, Dec 7, 2026 at 9:00 AM Agnes Gent <agent@example.com> wrote:\r\n\
                     > Try turning it off and on.\r\n\
                     >\r\n\
                     > > Printer jammed\r\n";
        assert_eq!(own_words(email), "Thanks, it works now.");
    }

    #[test]
    fn a_wrapped_attribution_and_interleaved_answers() {
        let email = "On Mon, Dec 7, 2026 at 9:00 AM Agnes Gent <\n\
                     agent@example.com> wrote:\n\
                     > Which printer?\n\
                     \n\
                     The one on the 2nd floor.\n\
                     \n\
                     > Since when?\n\
                     Since Friday.\n";
        assert_eq!(
            own_words(email),
            "The one on the 2nd floor.\n\nSince Friday."
        );
        // A line of the sender's that ends with "wrote:" but quotes nothing
        // stays.
        assert_eq!(
            own_words("Here is what I wrote:\n\nall fine"),
            "Here is what I wrote:\n\nall fine"
        );
    }

    #[test]
    fn the_signature_and_an_original_message_are_left_out() {
        let email = "Done, thanks.\n\n-- \nRae Quest\nReception\n> not quoted here";
        assert_eq!(own_words(email), "Done, thanks.");
        assert_eq!(own_words("Done.\n--\nRae"), "Done.", "a trimmed mark");
        let outlook =
            "Yes please.\n\n-----Original Message-----\nFrom: Helpdesk\nSubject: [TKT001]";
        assert_eq!(own_words(outlook), "Yes please.");
        // Dashes that are not the mark stay.
        assert_eq!(own_words("a -- b\n---\nc"), "a -- b\n---\nc");
    }

    #[test]
    fn nothing_of_ones_own_is_empty_and_a_long_reply_is_cut() {
        assert_eq!(own_words(""), "");
        assert_eq!(own_words("\n> quoted\n\n-- \nRae"), "");
        assert_eq!(own_words("On Friday, Agnes wrote:\n> x\n"), "");
        let long = "é".repeat(DESCRIPTION_MAX + 10);
        assert_eq!(own_words(&long).chars().count(), DESCRIPTION_MAX);
    }

    #[test]
    fn robots_and_the_practices_own_mailboxes_are_never_answered() {
        let own = vec!["info@practice.example".to_owned()];
        for robot in [
            "MAILER-DAEMON@mx.example",
            "postmaster@example.com",
            "no-reply@bank.example",
            "noreply@example.com",
            "do_not_reply@example.com",
            "donotreply@example.com",
            "Info@Practice.example",
            "not an address",
        ] {
            assert!(never_answered(robot, &own), "{robot}");
        }
        for person in ["rae@example.com", "replies@example.com", "nora@example.com"] {
            assert!(!never_answered(person, &own), "{person}");
        }
        assert!(
            !from_robot("info@practice.example"),
            "a mailbox is not a robot"
        );
        assert!(from_robot("Mailer-Daemon@mx.example"));
    }

    #[test]
    fn only_someone_who_sees_an_open_ticket_replies_by_email() {
        use crate::rules::status::apply;
        use crate::rules::testing::{at, ticket};
        use crate::rules::ticket::{Priority, Status};

        let mut settings = Settings::default();
        settings.categories[0].responsible_id = Some("ana".into());
        let mut open = ticket(Priority::Low, at("2026-03-16 09:00"));
        open.assignee_id = Some("dee".into());
        let person = |id: &str, permissions: &[&str]| Caller {
            user_id: Some(id.into()),
            permissions: permissions.iter().map(|p| (*p).to_owned()).collect(),
            ..Caller::default()
        };
        let reply = "Thanks!\n> quoted";
        for who in [
            person("u-req", &[]),
            person("dee", &[]),
            person("ana", &[]),
            person("max", &["helpdesk.manage"]),
        ] {
            assert_eq!(
                taken(Some(&open), Some(&who), &settings, reply),
                Ok("Thanks!".to_owned()),
                "{who:?}"
            );
        }
        let requester = person("u-req", &[]);
        let zoe = person("zoe", &[]);
        let refused = |ticket, sender| taken(ticket, sender, &settings, reply);
        assert_eq!(refused(Some(&open), Some(&zoe)), Err(Refused::NotFollowed));
        assert_eq!(refused(Some(&open), None), Err(Refused::NotFollowed));
        assert_eq!(refused(None, Some(&requester)), Err(Refused::NotFollowed));
        assert_eq!(
            taken(Some(&open), Some(&requester), &settings, "> all quoted"),
            Err(Refused::Empty)
        );
        let mut closed = open.clone();
        apply(&mut closed, Status::Resolved, at("2026-03-16 10:00"));
        apply(&mut closed, Status::Closed, at("2026-03-16 11:00"));
        assert_eq!(
            refused(Some(&closed), Some(&requester)),
            Err(Refused::Closed)
        );
        assert_eq!(
            refused(Some(&closed), Some(&zoe)),
            Err(Refused::NotFollowed),
            "nothing said about a ticket the sender does not see"
        );
    }

    #[test]
    fn refusals_say_why_without_telling_about_the_ticket() {
        let subject = Refused::subject("TKT012");
        assert_eq!(subject, "Your message was not added to TKT012");
        assert!(!subject.contains('['), "no folio in brackets");
        let link = "https://p.example/m/helpdesk/new";
        let not_followed = Refused::NotFollowed.body("TKT012", link);
        assert!(
            not_followed.contains("a ticket you can follow"),
            "{not_followed}"
        );
        assert!(!not_followed.contains(link));
        assert!(
            Refused::Closed
                .body("TKT012", link)
                .contains("TKT012 is closed")
        );
        assert!(Refused::Closed.body("TKT012", link).contains(link));
        assert!(
            Refused::Empty
                .body("TKT012", link)
                .contains("no text of yours")
        );
    }
}
