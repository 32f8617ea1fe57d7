//! What a message is about: the applicants, cases and tickets it is
//! linked to, and why ([`LinkReason`]).
//!
//! A message is linked by the addresses of its people (an applicant's
//! email), by the folios in its subject (`CAS014`, `[TKT012]`), by its
//! thread (a reply goes where its conversation went), or by hand.
//!
//! Folios are written as the host and the helpdesk number them: the
//! prefix and at least three digits, `CAS001` … `CAS999`, `CAS1000`, any
//! case. `CAS14` and `CAS0014` are not folios: a subject is matched only
//! on what the practice itself wrote in it, never on a guess.

use serde::{Deserialize, Serialize};

use super::parse::ParsedMessage;

/// What a folio numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FolioKind {
    /// `CAS014`
    Case,
    /// `TKT012`, the helpdesk's
    Ticket,
}

impl FolioKind {
    /// `CAS` or `TKT`.
    pub fn prefix(self) -> &'static str {
        match self {
            FolioKind::Case => "CAS",
            FolioKind::Ticket => "TKT",
        }
    }
}

/// A case's or a ticket's folio, found in a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Folio {
    pub kind: FolioKind,
    pub number: u64,
}

impl std::fmt::Display for Folio {
    /// `CAS014`, `TKT1000`: as the host and the helpdesk write it.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}{:03}", self.kind.prefix(), self.number)
    }
}

/// Every folio in `text` (a subject, usually), in order, each once:
/// `CAS` or `TKT` and three or more digits, in any case, as a whole word,
/// also in brackets (`Re: [TKT012] Passport for cas014`).
pub fn folios(text: &str) -> Vec<Folio> {
    let mut found: Vec<Folio> = Vec::new();
    let bytes = text.as_bytes();
    for at in 0..bytes.len() {
        let Some(kind) = kind_at(bytes, at) else {
            continue;
        };
        let after_word = !text[..at].chars().next_back().is_some_and(is_word);
        let digits_at = at + 3;
        let digits = bytes[digits_at..]
            .iter()
            .take_while(|b| b.is_ascii_digit())
            .count();
        let end = digits_at + digits;
        let before_word = !text[end..].chars().next().is_some_and(is_word);
        if !(after_word && before_word) {
            continue;
        }
        if let Some(folio) = number(&text[digits_at..end]).map(|number| Folio { kind, number })
            && !found.contains(&folio)
        {
            found.push(folio);
        }
    }
    found
}

fn kind_at(bytes: &[u8], at: usize) -> Option<FolioKind> {
    let prefix = bytes.get(at..at + 3)?;
    [FolioKind::Case, FolioKind::Ticket]
        .into_iter()
        .find(|kind| prefix.eq_ignore_ascii_case(kind.prefix().as_bytes()))
}

/// The number of a folio's digits, when they are written as a folio:
/// three or more, no leading zero beyond those three, not zero.
fn number(digits: &str) -> Option<u64> {
    let number: u64 = digits.parse().ok()?;
    (number > 0 && format!("{number:03}") == digits).then_some(number)
}

fn is_word(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// The longest address a person can have (RFC 5321's path limit less its
/// angle brackets).
pub const MAX_ADDRESS_CHARS: usize = 254;

/// The addresses of a message's people (From, Reply-To, To, Cc, in that
/// order), lowercased, each once, without the practice's own mailboxes
/// (`own_addresses`, in any case) or any too long to be one: the
/// addresses to look applicants up by.
pub fn addresses_to_match(parsed: &ParsedMessage, own_addresses: &[String]) -> Vec<String> {
    let own: Vec<String> = own_addresses
        .iter()
        .map(|address| address.trim().to_lowercase())
        .collect();
    let people = parsed
        .from
        .iter()
        .chain(&parsed.reply_to)
        .chain(&parsed.to)
        .chain(&parsed.cc);
    let mut addresses: Vec<String> = Vec::new();
    for key in people.map(|mailbox| mailbox.key()) {
        // No one's address is longer (RFC 5321): one that is matches nobody.
        if key.chars().count() > MAX_ADDRESS_CHARS {
            continue;
        }
        if !own.contains(&key) && !addresses.contains(&key) {
            addresses.push(key);
        }
    }
    addresses
}

/// Why a message is linked to an applicant, a case or a ticket, as the
/// module stores it and a page explains it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LinkReason {
    /// `sender_address`: it came from (or asks replies to go to) their address.
    SenderAddress,
    /// `recipient_address`: it was sent to their address.
    RecipientAddress,
    /// `folio`: its subject names the case or ticket.
    Folio,
    /// `thread`: an earlier message of its conversation is linked.
    Thread,
    /// `manual`: someone at the practice linked it.
    Manual,
}

impl LinkReason {
    /// The reason in words, for a page.
    pub fn describe(self) -> &'static str {
        match self {
            LinkReason::SenderAddress => "Sent from their address",
            LinkReason::RecipientAddress => "Sent to their address",
            LinkReason::Folio => "The subject names it",
            LinkReason::Thread => "Part of a linked conversation",
            LinkReason::Manual => "Linked by hand",
        }
    }
}

/// Why `parsed` is linked to the person at `address`, if it is by address:
/// [`LinkReason::SenderAddress`] when they sent it (From or Reply-To),
/// else [`LinkReason::RecipientAddress`] when it went to them (To or Cc).
pub fn address_reason(parsed: &ParsedMessage, address: &str) -> Option<LinkReason> {
    if parsed
        .from
        .iter()
        .chain(&parsed.reply_to)
        .any(|m| m.is(address))
    {
        Some(LinkReason::SenderAddress)
    } else if parsed.to.iter().chain(&parsed.cc).any(|m| m.is(address)) {
        Some(LinkReason::RecipientAddress)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::parse::{Limits, parse};
    use crate::rules::samples::{GMAIL, eml};

    fn case(number: u64) -> Folio {
        Folio {
            kind: FolioKind::Case,
            number,
        }
    }

    fn ticket(number: u64) -> Folio {
        Folio {
            kind: FolioKind::Ticket,
            number,
        }
    }

    #[test]
    fn folios_are_found_in_order_once() {
        assert_eq!(
            folios("Re: [TKT012] Passport for cas014 (CAS014, tkt012, TKT1000)"),
            [ticket(12), case(14), ticket(1000)]
        );
        assert_eq!(folios("CAS001"), [case(1)]);
        assert_eq!(folios("«CAS002» – CAS003."), [case(2), case(3)]);
        assert_eq!(case(14).to_string(), "CAS014");
        assert_eq!(ticket(1000).to_string(), "TKT1000");
    }

    #[test]
    fn only_whole_well_written_folios_count() {
        for text in [
            "CAS14",
            "CAS0014",
            "CAS000",
            "XCAS014",
            "CAS014a",
            "éCAS014",
            "CAS014_scan.pdf",
            "CAS-014",
            "CAS 014",
            "CASE014",
            "TKT",
            "",
        ] {
            assert_eq!(folios(text), [], "{text}");
        }
        assert_eq!(folios("CAS014TKT001"), []);
        assert_eq!(folios("x/CAS015/y"), [case(15)]);
    }

    #[test]
    fn people_to_match_leave_the_practice_out() {
        let message = parse(&eml(GMAIL), Limits::default()).expect("message");
        let own = [
            "Intake@Practice.example".to_string(),
            "lee@practice.example".into(),
        ];
        assert_eq!(
            addresses_to_match(&message, &own),
            [
                "ana.okonkwo@gmail.com",
                "ana.personal@example.net",
                "sam.diaz@example.org"
            ]
        );
        let mut twice = message.clone();
        twice.cc.push(message.from.clone().expect("from"));
        assert_eq!(addresses_to_match(&twice, &own).len(), 3);
        // An address too long to be anyone's is not looked up.
        let mut long = message.clone();
        long.cc.push(crate::rules::parse::Mailbox {
            name: None,
            address: format!("{}@example.com", "a".repeat(MAX_ADDRESS_CHARS)),
        });
        assert_eq!(addresses_to_match(&long, &own).len(), 3);
    }

    #[test]
    fn reasons_say_why_in_words_and_in_json() {
        let message = parse(&eml(GMAIL), Limits::default()).expect("message");
        assert_eq!(
            address_reason(&message, "ANA.OKONKWO@gmail.com"),
            Some(LinkReason::SenderAddress)
        );
        assert_eq!(
            address_reason(&message, "ana.personal@example.net"),
            Some(LinkReason::SenderAddress)
        );
        assert_eq!(
            address_reason(&message, "sam.diaz@example.org"),
            Some(LinkReason::RecipientAddress)
        );
        assert_eq!(address_reason(&message, "nobody@example.org"), None);
        let all = [
            LinkReason::SenderAddress,
            LinkReason::RecipientAddress,
            LinkReason::Folio,
            LinkReason::Thread,
            LinkReason::Manual,
        ];
        assert_eq!(
            serde_json::to_value(all).expect("json"),
            serde_json::json!([
                "sender_address",
                "recipient_address",
                "folio",
                "thread",
                "manual"
            ])
        );
        assert_eq!(
            serde_json::from_str::<LinkReason>("\"folio\"").expect("read"),
            LinkReason::Folio
        );
        assert_eq!(LinkReason::Manual.describe(), "Linked by hand");
        assert_eq!(
            serde_json::to_value(case(14)).expect("json"),
            serde_json::json!({"kind": "case", "number": 14})
        );
    }
}
