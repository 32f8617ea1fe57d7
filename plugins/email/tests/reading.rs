//! Reading: the inbox and its unread counts, a conversation's HTML made
//! safe with remote images blocked until asked, attachments as downloads,
//! the records' tab, and who sees what.

mod common;

use common::{ANA_BOX, INFO, Practice, Raw, body, documents_from_maria};
use immcase_sdk::Caller;

const HTML: &str = "<p>Dear team,</p><script>alert('x')</script>\
<p onclick=\"steal()\">See the <b>forms</b>.</p>\
<img src=\"https://track.example/pixel.gif\" width=\"1\" height=\"1\">";

fn html_message() -> Raw {
    let mime = format!(
        "--b\nContent-Type: text/plain\n\nDear team, see the forms.\n--b\nContent-Type: text/html; charset=utf-8\n\n{HTML}\n--b--\n"
    );
    Raw::new(
        "maria@gmail.example",
        "info@practice.example",
        "Forms",
        "html@gmail.example",
    )
    .mime("multipart/alternative; boundary=\"b\"", &mime)
}

#[test]
fn html_is_sanitised_and_remote_images_wait_until_asked() {
    let p = Practice::new();
    p.host.receive_mail(INFO, &html_message().bytes());
    let message = p.message("html@gmail.example");
    let (id, thread) = (
        message["id"].as_str().unwrap(),
        message["thread_id"].as_str().unwrap(),
    );

    let (status, page) = p.page(&p.ana, &format!("/threads/{thread}"));
    assert_eq!(status, 200);
    assert!(page.contains("<b>forms</b>"), "{page}");
    assert!(!page.contains("<script"), "{page}");
    assert!(!page.contains("alert("), "{page}");
    assert!(!page.contains("onclick"), "{page}");
    assert!(!page.contains("track.example"), "{page}");
    assert!(page.contains("1 remote image(s) blocked"), "{page}");
    let show = format!("/m/email/threads/{thread}?images={id}");
    assert!(page.contains(&show), "{page}");
    assert!(page.contains("/m/email/email.css"));

    let (_, shown) = p.page(&p.ana, &format!("/threads/{thread}?images={id}"));
    assert!(
        shown.contains("src=\"https://track.example/pixel.gif\""),
        "{shown}"
    );
    assert!(!shown.contains("<script"));
}

#[test]
fn attachments_are_downloads_and_html_ones_are_never_shown_as_pages() {
    let p = Practice::new();
    let mime = "--b\nContent-Type: text/plain\n\nAttached.\n--b\nContent-Type: text/html\nContent-Disposition: attachment; filename=\"form.html\"\n\n<script>alert(1)</script>\n--b--\n";
    let raw = documents_from_maria().mime("multipart/mixed; boundary=\"b\"", mime);
    p.host.receive_mail(INFO, &raw.bytes());
    let id = p.message("first@work.example")["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let answer = p
        .host
        .get_page(&p.ana, &format!("/messages/{id}/attachments/0"));
    assert_eq!(answer.status_code(), 200);
    let disposition = answer.header_value("content-disposition").unwrap();
    assert!(disposition.starts_with("attachment"), "{disposition}");
    assert_eq!(
        answer.header_value("content-type"),
        Some("application/octet-stream")
    );
    assert!(body(&answer).contains("<script>alert(1)</script>"));
    let missing = p
        .host
        .get_page(&p.ana, &format!("/messages/{id}/attachments/7"));
    assert_eq!(missing.status_code(), 404);
}

#[test]
fn the_inbox_counts_unread_threads_per_mailbox_and_shows_a_problem_loudly() {
    let p = Practice::new();
    p.host.receive_mail(INFO, &documents_from_maria().bytes());
    let (status, inbox) = p.page(&p.ana, "/?mailbox=mb-info");
    assert_eq!(status, 200);
    assert!(inbox.contains("Documents for CAS014 [TKT012]"), "{inbox}");
    assert!(inbox.contains("aria-label=\"1 unread\""), "{inbox}");
    assert!(inbox.contains("Case CAS014"), "{inbox}");
    assert!(inbox.contains("Maria Lopez"), "{inbox}");
    assert!(inbox.contains("Fetch now"));

    let thread = p.message("first@work.example")["thread_id"]
        .as_str()
        .unwrap()
        .to_owned();
    p.page(&p.ana, &format!("/threads/{thread}"));
    let (_, after) = p.page(&p.ana, "/?mailbox=mb-info");
    assert!(!after.contains("1 unread"), "{after}");
    // Ben has not read it.
    let (_, bens) = p.page(&p.ben, "/?mailbox=mb-info");
    assert!(bens.contains("aria-label=\"1 unread\""), "{bens}");

    // "Fetch now" asks the host, for a mailbox the person reads only.
    let fetch = p.post_form(&p.ana, "/mailboxes/mb-info/fetch", &[]);
    assert_eq!(fetch.status_code(), 303);
    assert_eq!(p.host.fetch_requests(), ["mb-info"]);
    let refused = p.post_form(&p.carl, "/mailboxes/mb-info/fetch", &[]);
    assert_eq!(refused.status_code(), 404);
    assert_eq!(p.host.fetch_requests().len(), 1);

    p.host.add_mailbox(
        immcase_sdk::Mailbox {
            id: "mb-broken".into(),
            name: "Complaints".into(),
            address: "complaints@practice.example".into(),
            shared: true,
            owner_id: None,
            fetched_at: None,
            problem: Some("the password was refused".into()),
        },
        &["ana"],
    );
    let (_, broken) = p.page(&p.ana, "/?mailbox=mb-broken");
    assert!(broken.contains("role=\"alert\""), "{broken}");
    assert!(broken.contains("the password was refused"), "{broken}");
}

#[test]
fn no_one_sees_a_mailbox_they_do_not_read() {
    let p = Practice::new();
    // Mail in Ana's own mailbox.
    let raw = Raw::new(
        "maria@gmail.example",
        "ana@practice.example",
        "Personal",
        "personal@gmail.example",
    );
    p.host.receive_mail(ANA_BOX, &raw.bytes());
    let message = p.message("personal@gmail.example");
    let (id, thread) = (
        message["id"].as_str().unwrap(),
        message["thread_id"].as_str().unwrap(),
    );
    assert_eq!(p.page(&p.ana, &format!("/threads/{thread}")).0, 200);
    for outsider in [&p.ben, &p.carl] {
        assert_eq!(p.page(outsider, &format!("/threads/{thread}")).0, 404);
        assert_eq!(
            p.host
                .get(outsider, &format!("/threads/{thread}"))
                .status_code(),
            404
        );
        assert_eq!(
            p.host
                .get_page(outsider, &format!("/messages/{id}/attachments/0"))
                .status_code(),
            404
        );
        assert_eq!(p.page(outsider, "/?mailbox=mb-ana").0, 404);
        let (_, inbox) = p.page(outsider, "/");
        assert!(!inbox.contains("Personal"), "{inbox}");
        // Nor on the applicant's tab, though the message is linked to her.
        let (_, tab) = p.page(outsider, "/records?applicant=a1");
        assert!(!tab.contains("Personal"), "{tab}");
    }
    let listed = p.host.get(&p.ben, "/threads").body_json().unwrap();
    assert_eq!(listed["items"].as_array().unwrap().len(), 0);
    let (_, bens) = p.page(&p.ben, "/");
    assert!(!bens.contains("Ana Diaz"), "{bens}");
}

#[test]
fn the_tabs_list_a_records_threads_to_people_who_read_the_record() {
    let p = Practice::new();
    p.host.receive_mail(INFO, &documents_from_maria().bytes());
    for path in ["/records?case=c1", "/records?applicant=a1"] {
        let (status, tab) = p.page(&p.ben, path);
        assert_eq!(status, 200, "{path}");
        assert!(tab.contains("Documents for CAS014 [TKT012]"), "{tab}");
        assert!(tab.contains("/m/email/threads/"), "{tab}");
    }
    // "Write a message" there starts one to the applicant, about the case.
    assert!(
        p.page(&p.ben, "/records?case=c1")
            .1
            .contains("/m/email/compose?case=c1")
    );
    let (_, form) = p.page(&p.ben, "/compose?case=c1");
    assert!(
        form.contains("name=\"to\" value=\"maria@gmail.example\""),
        "{form}"
    );
    assert!(form.contains("name=\"applicant\" value=\"a1\""), "{form}");
    let (_, other) = p.page(&p.ben, "/records?applicant=a2");
    assert!(other.contains("No conversations"), "{other}");
    // Someone who may not read cases does not see a case's tab.
    let clerk = Caller::person("dan", &["module:email"]);
    p.host.add_person(&clerk);
    p.host.add_mailbox(
        immcase_sdk::Mailbox {
            id: "mb-dan".into(),
            name: "Dan".into(),
            address: "dan@practice.example".into(),
            shared: false,
            owner_id: Some("dan".into()),
            fetched_at: None,
            problem: None,
        },
        &["dan"],
    );
    assert_eq!(p.page(&clerk, "/records?case=c1").0, 403);
    let api = p.host.get(&p.ben, "/threads?case=c1").body_json().unwrap();
    assert_eq!(api["items"].as_array().unwrap().len(), 1);
}

#[test]
fn a_personal_mailboxs_messages_are_found_in_search_by_its_owner_only() {
    let p = Practice::new();
    let raw = Raw::new(
        "Maria Lopez <maria@gmail.example>",
        "ana@practice.example",
        "Passport renewal",
        "search@gmail.example",
    );
    p.host.receive_mail(ANA_BOX, &raw.bytes());
    p.host.receive_mail(INFO, &documents_from_maria().bytes());
    let docs = p.host.search_docs();
    assert_eq!(docs.len(), 1);
    assert_eq!(docs[0].entry.title, "Passport renewal");
    assert!(docs[0].entry.body.contains("maria@gmail.example"));
    assert_eq!(docs[0].readers, Some(vec!["ana".to_owned()]));
    let thread = p.message("search@gmail.example")["thread_id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(docs[0].entry.path, format!("/threads/{thread}"));
}

#[test]
fn a_message_fetched_late_is_still_new() {
    let p = Practice::new();
    p.host.receive_mail(INFO, &documents_from_maria().bytes());
    let thread = p.message("first@work.example")["thread_id"]
        .as_str()
        .unwrap()
        .to_owned();
    p.host.advance(3_600_000);
    p.page(&p.ana, &format!("/threads/{thread}"));
    // A reply written before Ana looked, fetched after.
    let late = Raw::new(
        "maria@gmail.example",
        "info@practice.example",
        "Re: Documents for CAS014 [TKT012]",
        "late@gmail.example",
    )
    .replying_to("first@work.example")
    .dated("Fri, 06 Mar 2026 11:05:00 +0000");
    p.host.receive_mail(INFO, &late.bytes());
    let (_, inbox) = p.page(&p.ana, "/?mailbox=mb-info");
    assert!(inbox.contains("aria-label=\"1 unread\""), "{inbox}");
    let listed = p
        .host
        .get(&p.ana, "/threads?mailbox=mb-info")
        .body_json()
        .unwrap();
    assert_eq!(listed["items"][0]["unread"], true);
}

#[test]
fn a_large_html_body_is_read_from_the_raw_message_and_still_sanitised() {
    let p = Practice::new();
    let filler = "<p>Line of the annexed form.</p>".repeat(8_000);
    let html = format!("<p>Start</p>{filler}<script>alert(2)</script><p>The end</p>");
    let mime = format!(
        "--b\nContent-Type: text/plain\n\nStart\n--b\nContent-Type: text/html; charset=utf-8\n\n{html}\n--b--\n"
    );
    let raw = Raw::new(
        "maria@gmail.example",
        "info@practice.example",
        "Annex",
        "large@gmail.example",
    )
    .mime("multipart/alternative; boundary=\"b\"", &mime);
    p.host.receive_mail(INFO, &raw.bytes());
    let message = p.message("large@gmail.example");
    assert_eq!(message["html"], serde_json::Value::Null);
    assert_eq!(message["html_in_raw"], true);
    let thread = message["thread_id"].as_str().unwrap();
    let (status, page) = p.page(&p.ana, &format!("/threads/{thread}"));
    assert_eq!(status, 200);
    assert!(page.contains("<p>The end</p>"));
    assert!(!page.contains("<script"));
}
