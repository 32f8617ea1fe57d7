//! The email module on the real host, with mail fetched from a real IMAP
//! server (Dovecot) and sent to a real SMTP server: messages are linked to
//! an applicant by their second address, to a case by its folio, by their
//! conversation and by hand; HTML with a script and a tracking image is
//! shown cleaned; a message written on the compose page about a case goes
//! out from the person's mailbox with their signature and the case's file
//! attached byte for byte; a template's unknown token is refused naming
//! it, and one without a value blocks sending, naming it; and a colleague
//! never sees another person's mailbox. A reply by email whose subject
//! carries `[TKT001]` becomes a reply on the ticket from its sender; a
//! stranger's is refused with a polite email.

#![allow(clippy::unwrap_used)] // A failed unwrap is a failed test.

use std::io::Write;

use immcase_tests::{Api, Backend, ImapServer, TestServer, eventually, on_both_databases};
use mail_parser::MimeHeaders;
use serde_json::{Value, json};

on_both_databases!(
    mail_is_linked_shown_safely_and_answered_with_signature_and_file,
    a_reply_by_email_lands_on_its_ticket_and_a_stranger_is_told_politely,
);

const IMAP_PASSWORD: &str = "adm1n-imap-pa55";

fn message(from: &str, subject: &str, id: &str, extra: &str, body: &str) -> Vec<u8> {
    format!(
        "From: {from}\r\nTo: admin@diaz.example\r\nSubject: {subject}\r\nMessage-ID: <{id}@example.com>\r\n\
         Date: Mon, 7 Dec 2026 09:00:00 +0000\r\n{extra}MIME-Version: 1.0\r\n{body}"
    )
    .into_bytes()
}

fn plain(text: &str) -> String {
    format!("Content-Type: text/plain; charset=utf-8\r\n\r\n{text}\r\n")
}

async fn threads(api: &Api, query: &str) -> Vec<Value> {
    api.get(&format!("/api/v1/m/email/threads{query}"))
        .await
        .expect_status(200)
        .body["items"]
        .as_array()
        .unwrap()
        .clone()
}

/// The text of the `<textarea name="body">` of a page.
fn textarea_body(page: &str) -> String {
    let start = page.find("name=\"body\"").expect("a body field");
    let open = start + page[start..].find('>').unwrap() + 1;
    let close = open + page[open..].find("</textarea>").unwrap();
    page[open..close]
        .replace("&#10;", "\n")
        .replace("&gt;", ">")
        .replace("&lt;", "<")
        .replace("&amp;", "&")
        .replace("&#39;", "'")
        .replace("&quot;", "\"")
}

async fn mail_is_linked_shown_safely_and_answered_with_signature_and_file(backend: Backend) {
    let Some(imap) = ImapServer::start().await else {
        return;
    };
    imap.add_user("admin", IMAP_PASSWORD);
    let mut ca = tempfile::NamedTempFile::new().unwrap();
    ca.write_all(imap.ca_pem()).unwrap();
    let ca_path = ca.path().to_path_buf();
    let server = TestServer::start_with(backend, move |c| c.mail_ca_file = Some(ca_path)).await;
    let admin = server.admin().await;
    admin.set_module("email", true).await;

    let ana = admin
        .post(
            "/api/v1/applicants",
            json!({ "given_name": "Ana", "family_name": "Lopez",
                    "emails": ["ana.lopez@example.com", "ana.work@example.com"] }),
        )
        .await
        .expect_status(201)
        .body["id"]
        .as_str()
        .unwrap()
        .to_string();
    let case = admin.open_case(&ana, "study_permit").await;
    let (case_id, folio) = (
        case["id"].as_str().unwrap().to_string(),
        case["folio"].as_str().unwrap().to_string(),
    );
    let scan: Vec<u8> = (0..=255u8).cycle().take(3000).collect();
    let uploaded = admin
        .upload(
            &format!("/api/v1/cases/{case_id}/files"),
            &[("passport.pdf", &scan)],
            None,
        )
        .await
        .expect_status(201);
    let file_id = uploaded.body["items"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let me = admin.get("/api/v1/me").await.body;
    admin
        .patch(
            "/api/v1/me",
            json!({ "email_signature": "Admin Diaz\nLicensed consultant", "version": me["user"]["version"] }),
        )
        .await
        .expect_status(200);

    // Mail waiting in the mailbox.
    imap.deliver(
        "admin",
        &message(
            "Ana <ana.work@example.com>",
            "Passport scan",
            "m1",
            "",
            &plain("Here it is."),
        ),
    );
    imap.deliver(
        "admin",
        &message(
            "Someone <stranger@example.com>",
            &format!("Question about {folio}"),
            "m2",
            "",
            &plain("When?"),
        ),
    );
    imap.deliver(
        "admin",
        &message(
            "Cousin <cousin@example.com>",
            "Re: Passport scan",
            "m3",
            "In-Reply-To: <m1@example.com>\r\nReferences: <m1@example.com>\r\n",
            &plain("I sent it for her."),
        ),
    );
    let html = "Content-Type: text/html; charset=utf-8\r\n\r\n<p>Offer<script>alert(1)</script></p>\
                <img src=\"https://tracker.example/p.gif\" width=\"1\" height=\"1\">\r\n";
    imap.deliver(
        "admin",
        &message("News <news@example.com>", "Our offer", "m4", "", html),
    );
    let mailbox = admin
        .put(
            "/api/v1/me/mailbox",
            json!({ "name": "Admin Diaz", "address": "admin@diaz.example", "imap_host": "127.0.0.1",
                    "imap_port": imap.port(), "imap_username": "admin", "imap_password": IMAP_PASSWORD }),
        )
        .await
        .expect_status(200)
        .body["id"]
        .as_str()
        .unwrap()
        .to_string();

    let all = eventually("the four messages in three conversations", || async {
        let items = threads(&admin, &format!("?mailbox={mailbox}")).await;
        (items.len() == 3).then_some(items)
    })
    .await;
    let by_subject = |needle: &str| {
        all.iter()
            .find(|t| t["subject"].as_str().unwrap().contains(needle))
            .unwrap()
            .clone()
    };
    // Linked by the second address, and the reply by its conversation.
    let scan_thread = by_subject("Passport scan");
    assert_eq!(scan_thread["count"], 2, "{scan_thread}");
    let conversation = admin
        .get(&format!(
            "/api/v1/m/email/threads/{}",
            scan_thread["id"].as_str().unwrap()
        ))
        .await
        .expect_status(200)
        .body;
    for m in conversation["messages"].as_array().unwrap() {
        let links = m["links"].to_string();
        assert!(links.contains(&format!("applicant:{ana}")), "{m}");
    }
    // Linked to the case by its folio (and so to Ana).
    let question = by_subject(&folio);
    assert!(
        question["records"]
            .to_string()
            .contains(&format!("case:{case_id}")),
        "{question}"
    );
    let on_case = threads(&admin, &format!("?case={case_id}")).await;
    assert_eq!(on_case.len(), 1, "{on_case:?}");
    let tab = admin
        .get(&format!("/m/email/records?case={case_id}"))
        .await
        .expect_status(200);
    assert!(
        tab.text.contains(&format!("Question about {folio}")),
        "{}",
        tab.text
    );

    // By hand: the offer is linked to the case.
    let offer = by_subject("Our offer");
    let offer_thread = admin
        .get(&format!(
            "/api/v1/m/email/threads/{}",
            offer["id"].as_str().unwrap()
        ))
        .await
        .body;
    let offer_message = offer_thread["messages"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    admin
        .post(
            &format!("/api/v1/m/email/messages/{offer_message}/links"),
            json!({ "record": format!("case:{case_id}") }),
        )
        .await
        .expect_status(201);
    assert_eq!(threads(&admin, &format!("?case={case_id}")).await.len(), 2);
    // Shown cleaned: no script, the tracking image blocked until asked.
    let page = admin
        .get(&format!(
            "/m/email/threads/{}",
            offer["id"].as_str().unwrap()
        ))
        .await
        .expect_status(200);
    assert!(!page.text.contains("<script>alert"), "{}", page.text);
    assert!(
        !page.text.contains("src=\"https://tracker.example"),
        "{}",
        page.text
    );
    assert!(page.text.contains("Show images"), "{}", page.text);

    // A template's unknown token is refused, named.
    let refused = admin
        .post(
            "/api/v1/m/email/templates",
            json!({ "name": "Hello", "body": "Dear {{applicant.nickname}}" }),
        )
        .await
        .expect_status(422);
    assert!(
        refused.text.contains("applicant.nickname"),
        "{}",
        refused.text
    );

    // A template whose token has no value here (no case) blocks sending,
    // naming the token, and keeps what was typed.
    let template = admin
        .post(
            "/api/v1/m/email/templates",
            json!({ "name": "Case news", "body": "About {{case.folio}}." }),
        )
        .await
        .expect_status(201)
        .body["id"]
        .as_str()
        .unwrap()
        .to_string();
    let blank = admin.get("/m/email/compose").await.expect_status(200);
    let unresolved = admin
        .post_form(
            "/m/email/messages",
            &[
                ("_csrf", &blank.form_token()),
                ("action", "send"),
                ("from", &mailbox),
                ("to", "someone@example.com"),
                ("subject", "Kept subject"),
                ("body", "Kept text"),
                ("template", &template),
            ],
        )
        .await;
    assert_eq!(unresolved.status.as_u16(), 422, "{}", unresolved.text);
    assert!(
        unresolved.text.contains("case.folio"),
        "{}",
        unresolved.text
    );
    assert!(unresolved.text.contains("Kept subject") && unresolved.text.contains("Kept text"));

    // Written on the compose page about the case: the signature is there,
    // and the case's file goes out byte for byte.
    let compose = admin
        .get(&format!("/m/email/compose?case={case_id}"))
        .await
        .expect_status(200);
    let body = textarea_body(&compose.text);
    assert!(body.contains("Admin Diaz\nLicensed consultant"), "{body}");
    let token = compose.form_token();
    let body = format!("Please find the scan attached.\n{body}");
    let sent = admin
        .post_form(
            "/m/email/messages",
            &[
                ("_csrf", &token),
                ("action", "send"),
                ("from", &mailbox),
                ("to", "ana.lopez@example.com"),
                ("subject", "Your passport scan"),
                ("body", &body),
                ("case", &case_id),
                ("files", &file_id),
            ],
        )
        .await;
    assert_eq!(sent.status.as_u16(), 303, "{}", sent.text);
    let mail = server
        .smtp
        .wait_for("ana.lopez@example.com", "Your passport scan")
        .await;
    assert_eq!(mail.from_header(), "\"Admin Diaz\" <admin@diaz.example>");
    assert!(
        mail.text().contains("Licensed consultant"),
        "{}",
        mail.text()
    );
    let parsed = mail_parser::MessageParser::default()
        .parse(&mail.raw)
        .unwrap();
    let attached = parsed.attachment(0).expect("the file attached");
    assert_eq!(attached.attachment_name(), Some("passport.pdf"));
    assert_eq!(attached.contents(), scan.as_slice(), "the file intact");

    // A colleague who may use Emails sees none of the admin's mailbox.
    let role = json!({ "name": "Staff", "permissions": ["module:email", "applicants.read", "cases.read"] });
    let kim = server
        .sign_in_with_role(&admin, role, "kim@diaz.example")
        .await;
    assert!(threads(&kim, "").await.is_empty());
    kim.get(&format!(
        "/api/v1/m/email/threads/{}",
        scan_thread["id"].as_str().unwrap()
    ))
    .await
    .expect_status(404);
    assert!(threads(&kim, &format!("?case={case_id}")).await.is_empty());
}

async fn a_reply_by_email_lands_on_its_ticket_and_a_stranger_is_told_politely(backend: Backend) {
    use immcase_tests::helpdesk;
    let Some(imap) = ImapServer::start().await else {
        return;
    };
    imap.add_user("desk", IMAP_PASSWORD);
    let mut ca = tempfile::NamedTempFile::new().unwrap();
    ca.write_all(imap.ca_pem()).unwrap();
    let ca_path = ca.path().to_path_buf();
    let server = TestServer::start_with(backend, move |c| c.mail_ca_file = Some(ca_path)).await;
    let admin = server.admin().await;
    admin.set_module("email", true).await;
    let desk = helpdesk::desk(&server, &admin, "technical_support").await;
    let ticket = helpdesk::file(
        &desk.requester,
        "Printer jammed",
        "technical_support",
        "high",
    )
    .await;
    let folio = ticket["folio"].as_str().unwrap().to_string();
    // The mail is waiting when the mailbox is connected (fetched at once).
    let reply =
        "It works again, thank you.\r\n\r\nOn Mon, Agent wrote:\r\n> Please restart it.\r\n";
    imap.deliver(
        "desk",
        &message(
            "Req <req@example.com>",
            &format!("Re: [{folio}] Printer jammed"),
            "r1",
            "",
            &plain(reply),
        ),
    );
    imap.deliver(
        "desk",
        &message(
            "Stranger <stranger@example.com>",
            &format!("Re: [{folio}] Printer jammed"),
            "r2",
            "",
            &plain("Me too!"),
        ),
    );
    admin
        .post(
            "/api/v1/mailboxes",
            json!({ "name": "Helpdesk", "address": "desk@diaz.example", "imap_host": "127.0.0.1",
                    "imap_port": imap.port(), "imap_username": "desk", "imap_password": IMAP_PASSWORD,
                    "readers": [] }),
        )
        .await
        .expect_status(201);
    let seen = eventually("the reply by email on the ticket", || async {
        let t = helpdesk::ticket(&desk.agent, &ticket["id"]).await;
        let replies = t["replies"].as_array().unwrap().clone();
        replies
            .iter()
            .find(|r| {
                r["body"]
                    .as_str()
                    .unwrap_or_default()
                    .contains("It works again")
            })
            .cloned()
    })
    .await;
    assert!(
        !seen["body"].as_str().unwrap().contains("Please restart it"),
        "quote left out: {seen}"
    );
    assert_eq!(seen["via"], "email", "{seen}");
    let polite = server
        .smtp
        .wait_for(
            "stranger@example.com",
            &format!("Your message was not added to {folio}"),
        )
        .await;
    assert!(
        polite.text().contains("could not add your message"),
        "{}",
        polite.text()
    );
    assert!(
        !polite.text().contains("Printer jammed"),
        "nothing of the ticket: {}",
        polite.text()
    );
    let t = helpdesk::ticket(&desk.agent, &ticket["id"]).await;
    assert!(
        t["replies"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| !r["body"].as_str().unwrap_or_default().contains("Me too")),
        "{t}"
    );
}
