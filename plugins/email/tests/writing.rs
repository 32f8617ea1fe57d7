//! Writing: replies in their conversation with the signature once,
//! forwards with their attachments, `POST /messages`, the outbox's news,
//! and drafts.

mod common;

use common::{INFO, Practice, Raw, body, documents_from_maria};
use serde_json::json;

/// Maria's message, and a lawyer's answer to it; the answer's id.
fn conversation(p: &Practice) -> String {
    p.host.receive_mail(INFO, &documents_from_maria().bytes());
    let reply = Raw::new(
        "Lawyer <counsel@firm.example>",
        "info@practice.example",
        "Re: Documents for CAS014 [TKT012]",
        "second@firm.example",
    )
    .replying_to("first@work.example");
    p.host.receive_mail(INFO, &reply.bytes());
    p.message("second@firm.example")["id"]
        .as_str()
        .expect("an id")
        .to_owned()
}

#[test]
fn a_reply_is_prefilled_quoted_and_signed_once_and_keeps_the_conversation() {
    let p = Practice::new();
    // Kept in Settings → My email account.
    p.host.set_signature("ana", "Ana Diaz\nNorth Legal");
    let parent = conversation(&p);

    let (status, form) = p.page(&p.ana, &format!("/compose?mode=reply&parent={parent}"));
    assert_eq!(status, 200);
    assert_eq!(
        form.matches("-- \nAna Diaz\nNorth Legal").count(),
        1,
        "{form}"
    );
    assert!(form.contains("Lawyer wrote:"), "{form}");
    assert!(form.contains("&gt; Please find my documents."), "{form}");
    // The quoted message's own signature is left out.
    assert!(!form.contains("&gt; Maria"), "{form}");
    assert!(form.contains("counsel@firm.example"), "{form}");
    assert!(
        form.contains("value=\"Re: Documents for CAS014 [TKT012]\""),
        "{form}"
    );

    let sent = p.post_form(
        &p.ana,
        "/messages",
        &[
            ("mode", "reply"),
            ("parent", &parent),
            ("from", INFO),
            ("to", "counsel@firm.example"),
            ("subject", "Re: Documents for CAS014 [TKT012]"),
            ("body", "Received, thank you.\n\n-- \nAna Diaz"),
            ("action", "send"),
        ],
    );
    assert_eq!(sent.status_code(), 303, "{}", body(&sent));
    let letters = p.host.letters();
    assert_eq!(letters.len(), 1);
    let (letter, queued) = &letters[0];
    assert_eq!(letter.mailbox_id.as_deref(), Some(INFO));
    assert_eq!(letter.in_reply_to.as_deref(), Some("<second@firm.example>"));
    assert_eq!(
        letter.references,
        ["<first@work.example>", "<second@firm.example>"]
    );
    assert_eq!(letter.to, ["counsel@firm.example"]);

    // Kept in the thread at once, queued, linked as the thread is.
    let stored = p.message(queued.message_id.trim_matches(['<', '>']));
    assert_eq!(stored["state"], "queued");
    assert_eq!(
        stored["thread_id"],
        p.message("first@work.example")["thread_id"]
    );
    let records: Vec<String> = p
        .links_of(stored["id"].as_str().unwrap())
        .into_iter()
        .map(|(record, _)| record)
        .collect();
    assert_eq!(records, ["applicant:a1", "case:c1", "ticket:TKT012"]);

    // The outbox's news.
    p.host
        .deliver_event(
            "mail.sent",
            &json!({"outbox_id": queued.outbox_id, "message_id": queued.message_id, "origin": "email"}),
        )
        .unwrap();
    let stored = p.message(queued.message_id.trim_matches(['<', '>']));
    assert_eq!(stored["state"], "sent");
    let news = p
        .host
        .events()
        .into_iter()
        .find(|e| e.name == "email.sent")
        .unwrap();
    assert_eq!(news.payload["id"], stored["id"]);
}

#[test]
fn a_letter_that_fails_says_why() {
    let p = Practice::new();
    let answer = p.host.post_json(
        &p.ana,
        "/messages",
        &json!({"to": "client@x.example", "subject": "Update", "body": "Hello"}),
    );
    assert_eq!(answer.status_code(), 202);
    let outbox_id = answer.body_json().unwrap()["outbox_id"].clone();
    p.host
        .deliver_event(
            "mail.failed",
            &json!({"outbox_id": outbox_id, "message_id": "<x@y>", "origin": "email", "reason": "mailbox unavailable"}),
        )
        .unwrap();
    let stored = &p.messages()[0];
    assert_eq!(stored["state"], "failed");
    assert_eq!(stored["reason"], "mailbox unavailable");
    assert!(p.event_names().contains(&"email.failed".to_owned()));
    // Another module's letter is none of its business.
    p.host
        .deliver_event(
            "mail.sent",
            &json!({"outbox_id": "elsewhere", "message_id": "<z@y>", "origin": "calendar"}),
        )
        .unwrap();
}

#[test]
fn post_messages_queues_from_the_callers_own_mailbox_and_links_the_records() {
    let p = Practice::new();
    let file = p
        .host
        .add_file("case:c1", "letter.pdf", "application/pdf", b"%PDF-1.4");
    let answer = p.host.post_json(
        &p.ana,
        "/messages",
        &json!({
            "to": "client@x.example",
            "subject": "Update on CAS014",
            "body": "Hello",
            "case_id": "c1",
            "attachments": [file.id],
        }),
    );
    assert_eq!(answer.status_code(), 202, "{}", body(&answer));
    let json = answer.body_json().unwrap();
    for field in ["id", "outbox_id", "message_id"] {
        assert!(
            json[field].as_str().is_some_and(|v| !v.is_empty()),
            "{field}: {json}"
        );
    }
    let (letter, queued) = &p.host.letters()[0];
    assert_eq!(letter.mailbox_id.as_deref(), Some("mb-ana"));
    assert_eq!(letter.to, ["client@x.example"]);
    assert_eq!(letter.attachments[0].name, "letter.pdf");
    assert_eq!(json["outbox_id"], queued.outbox_id);
    let links = p.links_of(json["id"].as_str().unwrap());
    assert!(
        links.contains(&("case:c1".to_owned(), "manual".to_owned())),
        "{links:?}"
    );
    assert!(
        links.contains(&("applicant:a1".to_owned(), "manual".to_owned())),
        "{links:?}"
    );

    // `to` as a list, from someone without a mailbox: the practice's sender.
    let carls = p.host.post_json(
        &p.carl,
        "/messages",
        &json!({"to": ["a@x.example", "b@x.example"], "cc": "c@x.example", "subject": "Hi", "body": "Hello"}),
    );
    assert_eq!(carls.status_code(), 202);
    let (letter, _) = &p.host.letters()[1];
    assert_eq!(letter.mailbox_id, None);
    assert_eq!(letter.to, ["a@x.example", "b@x.example"]);
    assert_eq!(letter.cc, ["c@x.example"]);
    let thread = carls.body_json().unwrap()["thread_id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        p.host
            .get(&p.carl, &format!("/threads/{thread}"))
            .status_code(),
        200
    );
    assert_eq!(
        p.host
            .get(&p.ana, &format!("/threads/{thread}"))
            .status_code(),
        404
    );

    // Mistakes are named.
    let no_subject = p.host.post_json(
        &p.ana,
        "/messages",
        &json!({"to": "a@x.example", "subject": " ", "body": "x"}),
    );
    assert_eq!(no_subject.status_code(), 422);
    let no_case = p.host.post_json(
        &p.ana,
        "/messages",
        &json!({"to": "a@x.example", "subject": "x", "body": "x", "case_id": "nope"}),
    );
    assert_eq!(no_case.status_code(), 422);
    assert!(body(&no_case).contains("case_id"));
    let foreign = p.host.post_json(
        &p.ana,
        "/messages",
        &json!({"to": "a@x.example", "subject": "x", "body": "x", "attachments": ["f-elsewhere"]}),
    );
    assert_eq!(foreign.status_code(), 422);
    assert_eq!(p.host.letters().len(), 2);
}

#[test]
fn drafts_are_kept_for_their_author_alone() {
    let p = Practice::new();
    let saved = p.post_form(
        &p.ana,
        "/messages",
        &[
            ("from", INFO),
            ("to", "maria@gmail.example"),
            ("subject", "Half written"),
            ("body", "To be"),
            ("action", "save"),
        ],
    );
    assert_eq!(saved.status_code(), 303);
    let drafts = p.host.get(&p.ana, "/drafts").body_json().unwrap();
    let id = drafts["items"][0]["id"].as_str().unwrap().to_owned();
    assert_eq!(drafts["items"][0]["subject"], "Half written");
    let (_, page) = p.page(&p.ana, "/drafts");
    assert!(page.contains("Half written"));
    let (_, reopened) = p.page(&p.ana, &format!("/compose?draft={id}"));
    assert!(reopened.contains("To be"), "{reopened}");
    assert_eq!(
        p.host.get(&p.ben, &format!("/drafts/{id}")).status_code(),
        404
    );
    assert_eq!(
        p.host
            .delete(&p.ben, &format!("/drafts/{id}"))
            .status_code(),
        404
    );
    assert_eq!(
        p.host
            .delete(&p.ana, &format!("/drafts/{id}"))
            .status_code(),
        204
    );
    assert!(p.host.letters().is_empty());
}

#[test]
fn a_forward_carries_the_messages_attachments_when_asked() {
    let p = Practice::new();
    let mime = "--b\nContent-Type: text/plain\n\nMy passport.\n--b\nContent-Type: application/pdf\nContent-Disposition: attachment; filename=\"passport.pdf\"\nContent-Transfer-Encoding: base64\n\nJVBERi0xLjQK\n--b--\n";
    let raw = documents_from_maria().mime("multipart/mixed; boundary=\"b\"", mime);
    p.host.receive_mail(INFO, &raw.bytes());
    let parent = p.message("first@work.example")["id"]
        .as_str()
        .unwrap()
        .to_owned();

    let (_, form) = p.page(&p.ana, &format!("/compose?mode=forward&parent={parent}"));
    assert!(
        form.contains("value=\"Fwd: Documents for CAS014 [TKT012]\""),
        "{form}"
    );
    assert!(form.contains("Forwarded message"), "{form}");
    assert!(form.contains("attachments: passport.pdf"), "{form}");

    let sent = p.post_form(
        &p.ana,
        "/messages",
        &[
            ("mode", "forward"),
            ("parent", &parent),
            ("from", INFO),
            ("to", "colleague@firm.example"),
            ("subject", "Fwd: Documents for CAS014 [TKT012]"),
            ("body", "For your review."),
            ("forward_attachments", "1"),
            ("action", "send"),
        ],
    );
    assert_eq!(sent.status_code(), 303, "{}", body(&sent));
    let (letter, queued) = &p.host.letters()[0];
    assert_eq!(letter.in_reply_to, None);
    assert_eq!(letter.attachments.len(), 1);
    assert_eq!(letter.attachments[0].name, "passport.pdf");
    assert_eq!(letter.attachments[0].content, b"%PDF-1.4\n");

    let copy = p.message(queued.message_id.trim_matches(['<', '>']));
    let download = p.host.get_page(
        &p.ana,
        &format!("/messages/{}/attachments/0", copy["id"].as_str().unwrap()),
    );
    assert_eq!(download.status_code(), 200);
    assert_eq!(download.body(), b"%PDF-1.4\n");
}
