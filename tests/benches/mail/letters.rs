//! The raw messages the practice's shared mailbox receives, written as mail
//! clients send them. Of every ten: four plain text, three
//! multipart/alternative with HTML, one with a small PDF attached, and two
//! replies (In-Reply-To and References) to an earlier message, from the
//! same person. Seven in ten new messages come from a client (one of a
//! client's addresses), the rest from strangers; a quarter name a case's
//! folio in their subject.

use base64::Engine;

use crate::Dice;

/// The shared mailbox's address: the practice's own, never linked.
pub const MAILBOX: &str = "info@practice.example";

/// An applicant with their addresses.
pub struct Client {
    pub name: String,
    pub addresses: Vec<String>,
}

const TOPICS: &[&str] = &[
    "Passport copy",
    "Question about my application",
    "Appointment next week",
    "Biometrics letter",
    "Payment receipt",
    "Proof of funds",
    "Police certificate",
];

/// A message as a reply refers to it.
struct Earlier {
    id: String,
    from: String,
    subject: String,
    references: Vec<String>,
}

/// `count` raw messages to [`MAILBOX`] from `clients` (and strangers),
/// some naming one of `folios`.
pub fn letters(count: usize, clients: &[Client], folios: &[String]) -> Vec<Vec<u8>> {
    let mut dice = Dice(0x5eed_0f0a_1100_0001);
    let mut earlier: Vec<Earlier> = Vec::with_capacity(count);
    let start: jiff::Timestamp = "2026-11-02T09:00:00Z".parse().unwrap();
    let mut raws = Vec::with_capacity(count);
    for n in 0..count {
        let shape = n % 10;
        let id = format!("bench.{n}@mail.example");
        let (from, subject, references) = if shape >= 8 && n > 0 {
            let parent = &earlier[dice.below(n)];
            let subject = if parent.subject.starts_with("Re: ") {
                parent.subject.clone()
            } else {
                format!("Re: {}", parent.subject)
            };
            let mut references = parent.references.clone();
            references.push(parent.id.clone());
            // Mail clients shorten long References; keep the last ten.
            let keep = references.len().saturating_sub(10);
            (parent.from.clone(), subject, references.split_off(keep))
        } else {
            let from = if dice.below(10) < 7 {
                let client = &clients[dice.below(clients.len())];
                let address = &client.addresses[dice.below(client.addresses.len())];
                format!("{} <{address}>", client.name)
            } else {
                format!("Someone {n} <someone{n}@elsewhere.example>")
            };
            let topic = TOPICS[dice.below(TOPICS.len())];
            let subject = if dice.below(4) == 0 && !folios.is_empty() {
                format!("{topic}, {}", folios[dice.below(folios.len())])
            } else {
                format!("{topic} ({n})")
            };
            (from, subject, Vec::new())
        };
        let date = start
            .checked_add(jiff::SignedDuration::from_mins(7 * n as i64))
            .unwrap();
        let date = jiff::fmt::rfc2822::DateTimePrinter::new()
            .timestamp_to_string(&date)
            .unwrap();
        let mut head = format!(
            "From: {from}\r\nTo: Info <{MAILBOX}>\r\nSubject: {subject}\r\nDate: {date}\r\n\
             Message-ID: <{id}>\r\nMIME-Version: 1.0\r\n"
        );
        if let Some(parent) = references.last() {
            let all: Vec<String> = references.iter().map(|r| format!("<{r}>")).collect();
            head += &format!(
                "In-Reply-To: <{parent}>\r\nReferences: {}\r\n",
                all.join(" ")
            );
        }
        let text = text(n, &subject);
        let body = match shape {
            4..=6 => alternative(n, &text),
            7 => with_attachment(n, &text, &mut dice),
            _ => plain(&text),
        };
        raws.push(format!("{head}{body}").into_bytes());
        earlier.push(Earlier {
            id,
            from,
            subject,
            references,
        });
    }
    raws
}

fn text(n: usize, subject: &str) -> String {
    format!(
        "Hello,\r\n\r\nAbout \"{subject}\": I am sending what you asked for (message {n}). \
         Could you tell me whether anything else is missing\r\nfor the application, \
         and when I should expect an answer?\r\n\r\nThank you,\r\n\r\n> On an earlier day \
         the practice wrote:\r\n> Please send the documents before the appointment.\r\n"
    )
}

fn plain(text: &str) -> String {
    format!(
        "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n{text}"
    )
}

fn alternative(n: usize, text: &str) -> String {
    let html = text.replace("\r\n\r\n", "</p><p>").replace("\r\n", "<br>");
    format!(
        "Content-Type: multipart/alternative; boundary=\"alt-{n}\"\r\n\r\n\
         --alt-{n}\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{text}\r\n\
         --alt-{n}\r\nContent-Type: text/html; charset=utf-8\r\n\r\n\
         <html><body><div style=\"font-family: Arial\"><p>{html}</p>\
         <img src=\"https://tracker.example/open.gif?m={n}\"></div></body></html>\r\n\
         --alt-{n}--\r\n"
    )
}

fn with_attachment(n: usize, text: &str, dice: &mut Dice) -> String {
    let mut pdf = b"%PDF-1.4\n".to_vec();
    pdf.extend((0..3_000).map(|_| (dice.roll() & 0xff) as u8));
    let encoded = base64::engine::general_purpose::STANDARD.encode(&pdf);
    let lines: Vec<&str> = encoded
        .as_bytes()
        .chunks(76)
        .map(|line| std::str::from_utf8(line).unwrap())
        .collect();
    format!(
        "Content-Type: multipart/mixed; boundary=\"mix-{n}\"\r\n\r\n\
         --mix-{n}\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{text}\r\n\
         --mix-{n}\r\nContent-Type: application/pdf; name=\"passport-{n}.pdf\"\r\n\
         Content-Disposition: attachment; filename=\"passport-{n}.pdf\"\r\n\
         Content-Transfer-Encoding: base64\r\n\r\n{}\r\n--mix-{n}--\r\n",
        lines.join("\r\n")
    )
}
