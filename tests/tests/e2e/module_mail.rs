//! Mail to several people with copies and attachments (contract 0.2.2's
//! `mail.send-message`), sent by the `almanac` test module: an invitation
//! reaches the real SMTP server with its copy, its answer address and its
//! `invite.ics` under `text/calendar; method=REQUEST; charset=UTF-8`, byte
//! for byte; the outbox lists it with its copy and attachment, each person
//! their own; a message out of shape is refused naming what is wrong, and
//! nothing is queued.

use immcase_tests::{Backend, TestServer, eventually, on_both_databases};
use mail_parser::MimeHeaders;
use serde_json::{Value, json};

on_both_databases!(
    an_invitation_arrives_with_its_copy_and_calendar_attachment,
    a_message_out_of_shape_is_refused_naming_what_is_wrong,
);

const INVITE_TYPE: &str = "text/calendar; method=REQUEST; charset=UTF-8";

const ICS: &str = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//ImmCase//Almanac//EN\r\n\
METHOD:REQUEST\r\nBEGIN:VEVENT\r\nUID:e1@immcase.test\r\nDTSTART:20261208T150000Z\r\n\
SUMMARY:Biometrics appointment\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";

fn invitation(subject: &str) -> Value {
    json!({
        "to": ["ana@example.com", "bo@example.com"],
        "cc": ["kim@northlegal.example"],
        "reply_to": "desk@northlegal.example",
        "subject": subject,
        "body": "Your biometrics appointment is on Tuesday at 10:00.",
        "attachments": [{ "name": "invite.ics", "content_type": INVITE_TYPE, "text": ICS }],
    })
}

async fn an_invitation_arrives_with_its_copy_and_calendar_attachment(backend: Backend) {
    let server = TestServer::start_with_modules(backend, &["almanac"]).await;
    let admin = server.admin().await;
    admin.set_module("almanac", true).await;
    admin
        .post(
            "/api/v1/m/almanac/invitations",
            invitation("Biometrics appointment"),
        )
        .await
        .expect_status(202);

    let mail = server
        .smtp
        .wait_for("kim@northlegal.example", "Biometrics appointment")
        .await;
    let mut envelope = mail.to.clone();
    envelope.sort();
    assert_eq!(
        envelope,
        [
            "ana@example.com",
            "bo@example.com",
            "kim@northlegal.example"
        ]
    );
    let parsed = mail_parser::MessageParser::default()
        .parse(&mail.raw)
        .unwrap();
    let addresses = |list: Option<&mail_parser::Address>| -> Vec<String> {
        list.map(|a| {
            a.iter()
                .filter_map(|a| a.address().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
    };
    assert_eq!(
        addresses(parsed.to()),
        ["ana@example.com", "bo@example.com"]
    );
    assert_eq!(addresses(parsed.cc()), ["kim@northlegal.example"]);
    assert_eq!(addresses(parsed.reply_to()), ["desk@northlegal.example"]);
    assert_eq!(
        mail.text().trim(),
        "Your biometrics appointment is on Tuesday at 10:00."
    );
    // The content type exactly as the module gave it, `method` and the
    // charset's case included; the file byte for byte.
    let raw = String::from_utf8_lossy(&mail.raw);
    assert!(
        raw.contains(&format!("Content-Type: {INVITE_TYPE}")),
        "{raw}"
    );
    let invite = parsed.attachment(0).expect("an attachment");
    assert_eq!(invite.attachment_name(), Some("invite.ics"));
    assert_eq!(invite.contents(), ICS.as_bytes());
    let content_type = invite.content_type().expect("a content type");
    assert_eq!(
        (content_type.ctype(), content_type.subtype()),
        ("text", Some("calendar"))
    );
    assert_eq!(content_type.attribute("method"), Some("REQUEST"));

    // The outbox shows the copy and the attachment, and that it was sent.
    let listed = eventually("the outbox to say the invitation was sent", || {
        let admin = admin.clone();
        async move {
            let outbox = admin.get("/api/v1/mail/outbox").await.expect_status(200);
            let first = outbox.body["items"][0].clone();
            (first["status"] == "sent").then_some(first)
        }
    })
    .await;
    assert_eq!(listed["to"], json!(["ana@example.com", "bo@example.com"]));
    assert_eq!(listed["cc"], json!(["kim@northlegal.example"]));
    assert_eq!(listed["reply_to"], "desk@northlegal.example");
    assert_eq!(
        listed["attachments"],
        json!([{ "name": "invite.ics", "content_type": INVITE_TYPE, "size": ICS.len() }])
    );

    // A person sees the messages their own requests queued; whoever reads
    // the audit log sees the practice's.
    let role = json!({ "name": "Almanac users", "permissions": ["module:almanac"] });
    let clerk = server
        .sign_in_with_role(&admin, role, "clerk@immcase.test")
        .await;
    assert_eq!(
        clerk
            .get("/api/v1/mail/outbox")
            .await
            .expect_status(200)
            .body["items"],
        json!([])
    );
    clerk
        .post(
            "/api/v1/m/almanac/invitations",
            invitation("Clerk's invitation"),
        )
        .await
        .expect_status(202);
    let own = clerk.get("/api/v1/mail/outbox").await.expect_status(200);
    let subjects = |list: &Value| -> Vec<String> {
        list["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["subject"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(subjects(&own.body), ["Clerk's invitation"]);
    let all = admin.get("/api/v1/mail/outbox").await.expect_status(200);
    assert_eq!(
        subjects(&all.body),
        ["Clerk's invitation", "Biometrics appointment"]
    );
    server
        .smtp
        .wait_for("ana@example.com", "Clerk's invitation")
        .await;
    server.stop().await;
}

async fn a_message_out_of_shape_is_refused_naming_what_is_wrong(backend: Backend) {
    let server = TestServer::start_with_modules(backend, &["almanac"]).await;
    let admin = server.admin().await;
    admin.set_module("almanac", true).await;
    let with = |change: &dyn Fn(&mut Value)| {
        let mut message = invitation("Refused");
        change(&mut message);
        message
    };
    let cases: [(Value, &str); 5] = [
        (
            with(&|m| m["to"] = json!([])),
            "to: a message goes to 1 to 50 addresses",
        ),
        (
            with(&|m| m["cc"] = json!(["kim at northlegal"])),
            "cc: \"kim at northlegal\" is not an email address",
        ),
        (
            with(&|m| m["subject"] = json!("two\nlines")),
            "a subject has 1 to 300 characters on one line",
        ),
        (
            with(&|m| m["attachments"][0]["content_type"] = json!("calendar")),
            "attachment \"invite.ics\": \"calendar\" is not a content type",
        ),
        (
            with(&|m| m["attachments"][0]["text"] = json!("x".repeat(10 * 1024 * 1024 + 1))),
            "attachments: at most 10 MiB together",
        ),
    ];
    for (message, says) in cases {
        let refused = admin.post("/api/v1/m/almanac/invitations", message).await;
        assert_eq!(refused.status, 422, "{says}: {}", refused.text);
        assert_eq!(refused.code(), "invalid", "{says}");
        let told = refused.body["error"]["message"]
            .as_str()
            .unwrap_or_default();
        assert!(told.starts_with(says), "{told:?} should say {says:?}");
    }
    let outbox = admin.get("/api/v1/mail/outbox").await.expect_status(200);
    assert_eq!(outbox.body["items"], json!([]), "nothing was queued");
    server.stop().await;
}
