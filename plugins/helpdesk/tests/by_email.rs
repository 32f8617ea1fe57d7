//! Replies by email on the SDK's native test host: the email module's
//! `email.received` naming `[TKT001]` becomes a reply from its sender when
//! they follow the ticket, once however often it is delivered; anyone else
//! is told politely, and robots are not answered.

mod common;

use common::Desk;
use immcase_sdk::testing::LogLevel;
use serde_json::{Value, json};

/// `email.received` as the email module sends it.
fn email(id: &str, from: &str, subject: &str, text: &str) -> Value {
    json!({
        "id": id,
        "mailbox_id": "mb-info",
        "thread_id": "th-1",
        "from": from,
        "subject": subject,
        "message_id": format!("<{id}@mail.example>"),
        "folios": [],
        "text": text,
        "applicant_ids": [],
        "case_ids": [],
        "ticket_folios": [],
        "own_addresses": ["info@practice.example"],
    })
}

/// A reply as mail programs write it: above the quote, with a signature.
const ANSWER: &str = "It is the one on the 2nd floor.\r\n\
                      \r\n\
                      -- \r\n\
                      Rae Quest, reception\r\n\
                      \r\n\
                      On Fri, Dec 4, 2026 at 4:35 PM Agnes Gent <agent@example.com> wrote:\r\n\
                      > Which printer?\r\n";

fn deliver(desk: &Desk, payload: &Value) {
    desk.host
        .deliver_event("email.received", payload)
        .expect("delivered");
}

/// The replies on the ticket `id`, as the helpdesk manager reads them.
fn replies(desk: &Desk, id: &Value) -> Vec<Value> {
    desk.ticket(&desk.boss, id)["replies"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

/// The mail sent to `address`, as (subject, body).
fn mail_to_address(desk: &Desk, address: &str) -> Vec<(String, String)> {
    desk.host
        .mail()
        .into_iter()
        .filter(|m| m.to == address)
        .map(|m| (m.subject, m.body))
        .collect()
}

fn page(desk: &Desk, id: &Value) -> String {
    let path = format!("/tickets/{}", id.as_str().unwrap_or_default());
    let answer = desk.host.get_page(&desk.agent, &path);
    String::from_utf8_lossy(answer.body()).into_owned()
}

#[test]
fn the_requesters_reply_by_email_lands_on_the_ticket_as_on_its_page() {
    let desk = Desk::new();
    let ticket = desk.file("Printer jammed", "high");
    let id = &ticket["id"];
    let asked = desk.change(
        &desk.agent,
        id,
        "status",
        json!({ "status": "waiting_on_requester" }),
    );
    desk.json(asked, 200);
    let (mail_before, events_before) = (desk.host.mail().len(), desk.host.events().len());

    deliver(
        &desk,
        &email(
            "m-1",
            "req@example.com",
            "Re: [TKT001] Now waiting on the requester: Printer jammed",
            ANSWER,
        ),
    );

    let replies = replies(&desk, id);
    assert_eq!(replies.len(), 1, "{replies:?}");
    let reply = &replies[0];
    assert_eq!(reply["body"], "It is the one on the 2nd floor.");
    assert_eq!(reply["author_id"], "req");
    assert_eq!(reply["author_name"], "Rae Quest");
    assert_eq!(reply["internal"], false);
    assert_eq!(reply["via"], "email");
    assert_eq!(reply["email_message_id"], "<m-1@mail.example>");

    // The requester answered: the ticket is worked on again, by their doing.
    let now = desk.ticket(&desk.agent, id);
    assert_eq!(now["status"], "in_progress");
    let last = now["history"].as_array().and_then(|h| h.last()).cloned();
    let last = last.expect("a history");
    assert_eq!(
        (&last["change"], &last["to"], &last["by_id"]),
        (&json!("status"), &json!("in_progress"), &json!("req"))
    );
    let events: Vec<_> = desk.host.events().into_iter().skip(events_before).collect();
    let replied = events
        .iter()
        .find(|e| e.name == "helpdesk.ticket.replied")
        .expect("replied");
    assert_eq!(replied.payload["author_id"], "req");
    assert_eq!(replied.payload["via"], "email");
    assert!(
        events
            .iter()
            .any(|e| e.name == "helpdesk.ticket.status_changed"),
        "{events:?}"
    );

    // The agent is told, the requester is not told of their own words.
    let mail: Vec<_> = desk.host.mail().into_iter().skip(mail_before).collect();
    let to_agent: Vec<_> = mail
        .iter()
        .filter(|m| m.to == "agent@example.com")
        .collect();
    assert_eq!(to_agent.len(), 1, "{mail:?}");
    assert!(
        to_agent[0].subject.contains("[TKT001] New reply"),
        "{mail:?}"
    );
    assert!(
        to_agent[0].body.starts_with(
            "Rae Quest replied on TKT001 by email:\n\nIt is the one on the 2nd floor."
        ),
        "{}",
        to_agent[0].body
    );
    assert!(mail.iter().all(|m| m.to != "req@example.com"), "{mail:?}");

    assert!(
        page(&desk, id).contains("Rae Quest · 2026-12-04 16:30 · by email"),
        "{}",
        page(&desk, id)
    );
}

#[test]
fn the_assignees_reply_by_email_is_the_first_response() {
    let desk = Desk::new();
    let ticket = desk.file("Printer jammed", "high");
    let id = &ticket["id"];
    deliver(
        &desk,
        &email(
            "m-2",
            "Agent@Example.com",
            "RE: [tkt001] Assigned to you: Printer jammed",
            "Which printer?\n\n> It stopped working this morning.\n",
        ),
    );
    let replies = replies(&desk, id);
    assert_eq!(replies.len(), 1);
    assert_eq!(
        (&replies[0]["author_id"], &replies[0]["body"]),
        (&json!("agent"), &json!("Which printer?"))
    );
    let now = desk.ticket(&desk.agent, id);
    assert_eq!(now["status"], "in_progress", "the work started");
    assert!(now["first_response_at"].is_string(), "{now}");
    assert!(
        desk.mail_to("req")
            .iter()
            .any(|s| s.contains("[TKT001] New reply")),
        "{:?}",
        desk.mail_to("req")
    );
}

#[test]
fn an_email_delivered_again_adds_nothing() {
    let desk = Desk::new();
    let ticket = desk.file("Printer jammed", "high");
    let first = email(
        "m-3",
        "req@example.com",
        "Re: [TKT001] Printer jammed",
        "Any news?",
    );
    deliver(&desk, &first);
    let (mail, events) = (desk.host.mail().len(), desk.host.events().len());
    deliver(&desk, &first);
    // The same message, received in a second mailbox.
    let mut copy = first.clone();
    copy["id"] = json!("m-3-in-another-mailbox");
    copy["mailbox_id"] = json!("mb-rae");
    deliver(&desk, &copy);
    assert_eq!(replies(&desk, &ticket["id"]).len(), 1);
    assert_eq!(
        (desk.host.mail().len(), desk.host.events().len()),
        (mail, events)
    );

    // A refusal is not sent twice either.
    let stranger = email(
        "m-4",
        "stranger@elsewhere.example",
        "Re: [TKT001] x",
        "Hello",
    );
    deliver(&desk, &stranger);
    deliver(&desk, &stranger);
    assert_eq!(
        mail_to_address(&desk, "stranger@elsewhere.example").len(),
        1
    );
}

#[test]
fn someone_who_may_not_see_the_ticket_is_told_politely_and_nothing_is_added() {
    let desk = Desk::new();
    let ticket = desk.file("Printer jammed", "high");
    let id = &ticket["id"];
    let events = desk.host.events().len();
    for (n, from) in ["stranger@elsewhere.example", "colleague@example.com"]
        .into_iter()
        .enumerate()
    {
        deliver(
            &desk,
            &email(
                &format!("m-{n}"),
                from,
                "Re: [TKT001] Printer jammed",
                "Me too!",
            ),
        );
        let told = mail_to_address(&desk, from);
        assert_eq!(told.len(), 1, "{from}: {told:?}");
        let (subject, body) = &told[0];
        assert_eq!(subject, "Your message was not added to TKT001");
        assert!(
            body.contains("We could not add your message to a ticket you can follow"),
            "{body}"
        );
        assert!(!body.contains("Printer"), "nothing of the ticket: {body}");
    }
    // A folio that no ticket has gets the very same answer.
    deliver(
        &desk,
        &email(
            "m-9",
            "colleague@example.com",
            "Re: [TKT999] Printer",
            "Me too!",
        ),
    );
    let told = mail_to_address(&desk, "colleague@example.com");
    let unknown = told.last().expect("told");
    assert_eq!(unknown.0, "Your message was not added to TKT999");
    assert_eq!(unknown.1, told[0].1.replace("TKT001", "TKT999"));

    assert!(replies(&desk, id).is_empty());
    assert_eq!(desk.host.events().len(), events, "nothing announced");
    let refusals = desk
        .host
        .logs()
        .into_iter()
        .filter(|l| l.level == LogLevel::Info && l.message.contains("was not added to TKT"))
        .count();
    assert_eq!(refusals, 3);
}

#[test]
fn a_disabled_account_a_closed_ticket_and_an_empty_reply_are_refused() {
    let desk = Desk::new();
    let ticket = desk.file("Printer jammed", "high");
    let id = &ticket["id"];

    deliver(
        &desk,
        &email(
            "m-1",
            "req@example.com",
            "Re: [TKT001] x",
            "> only the quote\n-- \nRae",
        ),
    );
    let told = desk.mails_to("req");
    let (subject, body) = told.last().expect("told");
    assert_eq!(subject, "Your message was not added to TKT001");
    assert!(body.contains("no text of yours"), "{body}");

    desk.host.set_active("req", false);
    deliver(
        &desk,
        &email("m-2", "req@example.com", "Re: [TKT001] x", "Still there?"),
    );
    let told = desk.mails_to("req");
    assert!(
        told.last()
            .expect("told")
            .1
            .contains("a ticket you can follow")
    );
    desk.host.set_active("req", true);

    for status in ["resolved", "closed"] {
        let by = if status == "closed" {
            &desk.requester
        } else {
            &desk.agent
        };
        desk.json(
            desk.change(by, id, "status", json!({ "status": status })),
            200,
        );
    }
    deliver(
        &desk,
        &email("m-3", "req@example.com", "Re: [TKT001] x", "One more thing"),
    );
    let told = desk.mails_to("req");
    let (subject, body) = told.last().expect("told");
    assert_eq!(subject, "Your message was not added to TKT001");
    assert!(body.contains("TKT001 is closed"), "{body}");
    assert!(
        body.contains("https://test-practice.immcase.example/m/helpdesk/new"),
        "{body}"
    );
    assert!(replies(&desk, id).is_empty());
}

#[test]
fn subjects_without_a_folio_robots_and_the_practices_mailboxes_get_nothing() {
    let desk = Desk::new();
    let ticket = desk.file("Printer jammed", "high");
    let (mail, events) = (desk.host.mail().len(), desk.host.events().len());
    for payload in [
        email(
            "m-1",
            "req@example.com",
            "Re: TKT001 Printer jammed",
            "Thanks",
        ),
        email("m-2", "req@example.com", "Printer jammed", "Thanks"),
        email(
            "m-3",
            "mailer-daemon@mx.example",
            "Undelivered: [TKT001] New reply",
            "550 no such user",
        ),
        email(
            "m-4",
            "no-reply@vendor.example",
            "Re: [TKT001] Printer",
            "Auto-reply",
        ),
        email(
            "m-5",
            "Info@Practice.example",
            "Re: [TKT001] Printer",
            "Forwarded",
        ),
    ] {
        deliver(&desk, &payload);
    }
    let mut no_sender = email("m-6", "", "Re: [TKT001] Printer", "Hello");
    no_sender["from"] = Value::Null;
    deliver(&desk, &no_sender);

    assert!(replies(&desk, &ticket["id"]).is_empty());
    assert_eq!(
        (desk.host.mail().len(), desk.host.events().len()),
        (mail, events)
    );
}
