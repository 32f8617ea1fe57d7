//! Receiving: a fetched message stored once, threaded, linked (by an
//! applicant's second address, by case and ticket folios, by its thread,
//! by hand) and announced.

mod common;

use common::{INFO, Practice, Raw, documents_from_maria};
use serde_json::json;

#[test]
fn a_message_is_linked_by_a_second_address_and_the_folios_of_its_subject() {
    let p = Practice::new();
    p.host.receive_mail(INFO, &documents_from_maria().bytes());

    let message = p.message("first@work.example");
    let id = message["id"].as_str().unwrap();
    assert_eq!(message["state"], "received");
    assert_eq!(message["folios"], json!(["CAS014", "TKT012"]));
    assert_eq!(
        p.links_of(id),
        [
            ("applicant:a1".to_owned(), "sender_address".to_owned()),
            ("case:c1".to_owned(), "folio".to_owned()),
            ("ticket:TKT012".to_owned(), "folio".to_owned()),
        ]
    );
    let events = p.host.events();
    let received = events.iter().find(|e| e.name == "email.received").unwrap();
    assert_eq!(received.payload["applicant_ids"], json!(["a1"]));
    assert_eq!(received.payload["case_ids"], json!(["c1"]));
    assert_eq!(received.payload["ticket_folios"], json!(["TKT012"]));
    assert_eq!(received.payload["from"], "M.Lopez@work.example");
    assert!(
        received.payload["text"]
            .as_str()
            .unwrap()
            .contains("Please find my documents")
    );
    let linked: Vec<_> = events.iter().filter(|e| e.name == "email.linked").collect();
    assert_eq!(linked.len(), 3);
    assert!(
        linked
            .iter()
            .any(|e| e.payload == json!({"id": id, "record": "case:c1", "reason": "folio"}))
    );
}

#[test]
fn the_practices_own_addresses_link_no_one_and_a_recipient_applicant_is_linked() {
    let p = Practice::new();
    // Ben writes from info@ to Jo (an applicant) with Ana in copy.
    let raw = Raw::new(
        "Info <info@practice.example>",
        "Jo Park <jo@example.org>",
        "Your appointment",
        "appt@practice.example",
    )
    .cc("ana@practice.example");
    p.host.receive_mail(INFO, &raw.bytes());
    let id = p.message("appt@practice.example")["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        p.links_of(&id),
        [("applicant:a2".to_owned(), "recipient_address".to_owned())]
    );
}

#[test]
fn a_reply_joins_its_thread_and_inherits_its_links() {
    let p = Practice::new();
    p.host.receive_mail(INFO, &documents_from_maria().bytes());
    // A colleague of hers, unknown to the practice, answers the thread
    // without a folio in the subject.
    let reply = Raw::new(
        "Lawyer <counsel@firm.example>",
        "info@practice.example",
        "Re: the documents",
        "second@firm.example",
    )
    .replying_to("first@work.example")
    .dated("Sat, 07 Mar 2026 09:00:00 +0000");
    p.host.receive_mail(INFO, &reply.bytes());

    let first = p.message("first@work.example");
    let second = p.message("second@firm.example");
    assert_eq!(first["thread_id"], second["thread_id"]);
    assert_eq!(
        p.links_of(second["id"].as_str().unwrap()),
        [
            ("applicant:a1".to_owned(), "thread".to_owned()),
            ("case:c1".to_owned(), "thread".to_owned()),
            ("ticket:TKT012".to_owned(), "thread".to_owned()),
        ]
    );
    let threads = p.host.documents("threads");
    assert_eq!(threads.len(), 1);
    assert_eq!(threads[0].data["count"], 2);
    assert_eq!(threads[0].data["last_from"], "Lawyer");

    // A message about something else starts its own thread.
    let other = Raw::new(
        "jo@example.org",
        "info@practice.example",
        "A question",
        "other@example.org",
    );
    p.host.receive_mail(INFO, &other.bytes());
    assert_ne!(
        p.message("other@example.org")["thread_id"],
        first["thread_id"]
    );
}

#[test]
fn a_message_delivered_twice_is_stored_and_announced_once() {
    let p = Practice::new();
    let raw = documents_from_maria().bytes();
    p.host.receive_mail(INFO, &raw);
    let events = p.host.events().len();
    // The host fetched it again (another sync), and the event came again.
    p.host.receive_mail(INFO, &raw);
    assert_eq!(p.messages().len(), 1);
    assert_eq!(p.host.documents("links").len(), 3);
    assert_eq!(p.host.events().len(), events);
}

#[test]
fn a_message_is_linked_and_unlinked_by_hand() {
    let p = Practice::new();
    let raw = Raw::new(
        "stranger@elsewhere.example",
        "info@practice.example",
        "Hello",
        "hello@elsewhere.example",
    );
    p.host.receive_mail(INFO, &raw.bytes());
    let id = p.message("hello@elsewhere.example")["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(p.links_of(&id).is_empty());

    let answer = p.host.post_json(
        &p.ana,
        &format!("/messages/{id}/links"),
        &json!({"record": "case:c2"}),
    );
    assert_eq!(answer.status_code(), 201);
    assert_eq!(
        p.links_of(&id),
        [
            ("applicant:a2".to_owned(), "manual".to_owned()),
            ("case:c2".to_owned(), "manual".to_owned()),
        ]
    );
    let thread = &p.host.documents("threads")[0];
    assert_eq!(thread.data["records"], json!(["applicant:a2", "case:c2"]));

    // A record that is not one is refused, naming the field.
    let wrong = p.host.post_json(
        &p.ana,
        &format!("/messages/{id}/links"),
        &json!({"record": "user:ben"}),
    );
    assert_eq!(wrong.status_code(), 422);

    let gone = p
        .host
        .delete(&p.ana, &format!("/messages/{id}/links/case:c2"));
    assert_eq!(gone.status_code(), 204);
    assert_eq!(
        p.links_of(&id),
        [("applicant:a2".to_owned(), "manual".to_owned())]
    );
    let again = p
        .host
        .delete(&p.ana, &format!("/messages/{id}/links/case:c2"));
    assert_eq!(again.status_code(), 404);

    // The page offers the applicants of the thread's people to pick...
    p.host.receive_mail(
        INFO,
        &Raw::new(
            "jo@example.org",
            "info@practice.example",
            "Re: Hello",
            "jo@example.org-1",
        )
        .replying_to("hello@elsewhere.example")
        .bytes(),
    );
    let thread = p.message("hello@elsewhere.example")["thread_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (_, page) = p.page(&p.ana, &format!("/threads/{thread}"));
    assert!(
        page.contains("<option value=\"applicant:a2\">Jo Park (jo@example.org)</option>"),
        "{page}"
    );
    assert!(page.contains("aria-label=\"Unlink Jo Park\""), "{page}");
    let picked = p.post_form(
        &p.ana,
        &format!("/messages/{id}/links"),
        &[("record", "applicant:a1"), ("folio", "")],
    );
    assert_eq!(picked.status_code(), 303);
    assert!(
        p.links_of(&id)
            .contains(&("applicant:a1".to_owned(), "manual".to_owned()))
    );

    // ...and takes a folio typed.
    let typed = p.post_form(
        &p.ana,
        &format!("/messages/{id}/links"),
        &[("record", ""), ("folio", "CAS014")],
    );
    assert_eq!(typed.status_code(), 303);
    assert!(
        p.links_of(&id)
            .contains(&("case:c1".to_owned(), "manual".to_owned()))
    );
}

#[test]
fn a_linked_messages_attachments_are_kept_as_the_cases_files_by_a_timer() {
    let p = Practice::new();
    let mime = "--b\nContent-Type: text/plain\n\nMy passport.\n--b\nContent-Type: application/pdf\nContent-Disposition: attachment; filename=\"passport.pdf\"\nContent-Transfer-Encoding: base64\n\nJVBERi0xLjQK\n--b--\n";
    let raw = documents_from_maria().mime("multipart/mixed; boundary=\"b\"", mime);
    p.host.receive_mail(INFO, &raw.bytes());
    assert!(p.host.files("case:c1").is_empty());
    p.host.run_due_timers();
    let files = p.host.files("case:c1");
    assert_eq!(files.len(), 1);
    assert_eq!(files[0].name, "passport.pdf");
    // Once only.
    p.host.run_due_timers();
    assert_eq!(p.host.files("case:c1").len(), 1);
}

#[test]
fn an_applicants_new_address_links_the_messages_they_sent_from_it() {
    let p = Practice::new();
    let raw = Raw::new(
        "Sam Reyes <Sam@new.example>",
        "info@practice.example",
        "Can you help me?",
        "sam@new.example",
    );
    p.host.receive_mail(INFO, &raw.bytes());
    let id = p.message("sam@new.example")["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(p.links_of(&id).is_empty());

    // The practice opens a file for Sam with that address.
    p.host.add_applicant(&immcase_sdk::Applicant {
        emails: vec!["sam@new.example".into()],
        ..immcase_sdk::Applicant::new("a3", "Sam", "Reyes")
    });
    p.host
        .deliver_event("applicant.created", &json!({"id": "a3"}))
        .unwrap();
    assert_eq!(
        p.links_of(&id),
        [("applicant:a3".to_owned(), "sender_address".to_owned())]
    );
    let announced = p.event_names().len();
    // An update that does not touch the addresses, and one delivered
    // again, change nothing.
    p.host
        .deliver_event(
            "applicant.updated",
            &json!({"id": "a3", "fields": ["notes"], "version": 2}),
        )
        .unwrap();
    p.host
        .deliver_event(
            "applicant.updated",
            &json!({"id": "a3", "fields": ["emails"], "version": 3}),
        )
        .unwrap();
    assert_eq!(p.links_of(&id).len(), 1);
    assert_eq!(p.event_names().len(), announced);
    assert_eq!(
        p.host.documents("threads")[0].data["records"],
        json!(["applicant:a3"])
    );
}
